"""Duration and value distributions a scenario can name.

Each is a small pydantic model with a ``dist`` tag, its mean (used for capacity estimates and docs) and a
vectorised ``sample``. A bare number in a scenario file means ``{dist: fixed, value: number}``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from scalesim.scenario.numbers import NO_BOOLEAN, NonNegative, Positive, not_a_boolean

MAX_CV = 10.0
"""A coefficient of variation above this describes no real task time or value (and breaks the samplers)."""
MIN_CV = 1e-6
"""A coefficient of variation below this is a fixed value in all but name (a gamma's shape 1/cv^2 overflows at
1e-155, a lognormal's sigma rounds to 0): it is refused, with the fixed value to write instead."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @property
    def mean(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def exceeds(self, x: float) -> float:
        """P(value > x): the share of cases above a threshold (e.g. a risk-based approval's). The exponential,
        lognormal and gamma compute it as ``scipy.stats`` does, without loading it (a test checks the equality)."""
        return float(self.frozen().sf(x))

    def frozen(self) -> Any:  # pragma: no cover - every subclass but Fixed and Empirical overrides
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: NonNegative

    @property
    def mean(self) -> float:
        return self.value

    def exceeds(self, x: float) -> float:
        return float(self.value > x)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        # Consume the stream anyway, so switching a distribution to fixed and back keeps the others aligned.
        rng.random(n)
        return np.full(n, self.value)


class Exponential(_Dist):
    """Memoryless; the textbook service time (M/M/c checks use it)."""

    dist: Literal["exponential"] = "exponential"
    mean_: Positive = Field(alias="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.standard_exponential(n) * self.mean_

    def exceeds(self, x: float) -> float:
        return 1.0 if x <= 0 else float(np.exp(-((x - 0.0) / self.mean_)))  # as scipy.stats.expon.sf

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        return stats.expon(scale=self.mean_)


class _MeanCv(_Dist):
    mean_: Positive = Field(alias="mean")
    cv: Annotated[float, NO_BOOLEAN, Field(gt=0, le=MAX_CV)] = Field(
        description="coefficient of variation: standard deviation / mean"
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _not_degenerate(self) -> _MeanCv:
        if self.cv < MIN_CV:
            raise ValueError(
                f"cv {self.cv:g} is below {MIN_CV:g}: that is a fixed value, not a distribution; write the number "
                f"{self.mean_:g} (or {{dist: fixed, value: {self.mean_:g}}}) instead"
            )
        return self

    @property
    def mean(self) -> float:
        return self.mean_


class Lognormal(_MeanCv):
    """Right-skewed, the usual shape of human task times; parameterised by mean and cv, not mu/sigma."""

    dist: Literal["lognormal"] = "lognormal"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv**2)
        return rng.lognormal(math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2), n)

    def exceeds(self, x: float) -> float:
        from scipy.special import ndtr

        if x <= 0:
            return 1.0
        sigma2 = math.log1p(self.cv**2)
        scale = self.mean_ * math.exp(-sigma2 / 2)
        return float(ndtr(-(np.log((x - 0.0) / scale)) / math.sqrt(sigma2)))  # as scipy.stats.lognorm.sf

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        sigma2 = math.log1p(self.cv**2)
        return stats.lognorm(math.sqrt(sigma2), scale=self.mean_ * math.exp(-sigma2 / 2))


class Gamma(_MeanCv):
    """Right-skewed with a lighter tail than the lognormal; cv = 1 is the exponential."""

    dist: Literal["gamma"] = "gamma"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_ / shape, n)

    def exceeds(self, x: float) -> float:
        from scipy.special import gammaincc

        shape = 1.0 / self.cv**2
        return 1.0 if x <= 0 else float(gammaincc(shape, (x - 0.0) / (self.mean_ / shape)))  # as stats.gamma.sf

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        shape = 1.0 / self.cv**2
        return stats.gamma(shape, scale=self.mean_ / shape)


class Triangular(_Dist):
    """Three-point estimate (lowest, most likely, highest), as teams usually give durations."""

    dist: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"needs low <= mode <= high and low < high, got low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)


class Uniform(_Dist):
    """Anything between two bounds, equally likely."""

    dist: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        return stats.uniform(loc=self.low, scale=self.high - self.low)


class Empirical(_Dist):
    """Resample observed values (e.g. last quarter's handling times), each equally likely."""

    dist: Literal["empirical"] = "empirical"
    values: list[NonNegative] = Field(min_length=1)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self.values, dtype=float)[rng.integers(0, len(self.values), n)]

    def exceeds(self, x: float) -> float:
        return float(np.mean(np.asarray(self.values) > x))


def _number_means_fixed(value: object) -> object:
    """A bare number (or numeric text such as YAML's unquoted ``1e-3``) is a fixed distribution."""
    not_a_boolean(value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    return value


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_number_means_fixed),
]
"""A duration or value distribution: a number, or a mapping with ``dist`` and its parameters."""
