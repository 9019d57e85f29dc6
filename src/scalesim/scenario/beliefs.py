"""Beliefs: what is *not known* about a scenario's inputs, as distributions (for ``scalesim decide``).

A belief is not per-case randomness (a service time varies from case to case within one world); it is the
uncertainty about which world we are in (is field accuracy 0.78 or 0.86?). Each belief is a distribution over one
numeric field, named by its field path as in ``--set``; ``decide`` draws whole worlds from them and runs every
design in each. The families are the ones probabilistic sensitivity analysis uses by convention (Briggs, Claxton
& Sculpher 2006, ch. 4): beta for shares, lognormal or gamma for times, rates and costs, uniform or triangular
when only a range is known. Shares and times are given by mean and standard deviation, which people can state,
and converted to the family's own parameters here.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scalesim.scenario.distributions import MIN_CV
from scalesim.scenario.numbers import CEILING, NO_BOOLEAN

Number = Annotated[float, NO_BOOLEAN, Field(ge=-CEILING, le=CEILING)]
Spread = Annotated[float, NO_BOOLEAN, Field(gt=0.0, le=CEILING)]
Label = Annotated[str, Field(max_length=200)]


def _not_a_point(belief: Any, mean: float, sd: float) -> Any:
    """Refuse a belief so narrow it is a known value (its family's parameters overflow or round to a point)."""
    if sd < MIN_CV * abs(mean):
        raise ValueError(
            f"sd {sd:g} is below {MIN_CV:g} of the mean {mean:g}: the input is known, not uncertain; set the field "
            "itself to that value and leave it out of the beliefs"
        )
    return belief


class _Belief(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    label: Label = Field("", description="what a board member calls this input (default: its field path)")
    source: Label = Field("", description="where the belief comes from, or 'assumption'")

    def frozen(self) -> Any:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at probabilities ``u`` (how a quasi-random uniform becomes a draw).

        Each family computes it as ``scipy.stats`` does (the same special functions, in the same order: equal to
        the last bit, a test checks it), without loading ``scipy.stats``: every command checks a file's beliefs'
        tails, and a refusal should not wait for it."""
        raise NotImplementedError  # pragma: no cover - every subclass overrides

    @property
    def mean(self) -> float:
        return float(self.frozen().mean())


class BetaBelief(_Belief):
    """A share known to lie in 0..1, by its mean and standard deviation (method of moments)."""

    dist: Literal["beta"] = "beta"
    mean_: Annotated[float, NO_BOOLEAN, Field(gt=0.0, lt=1.0, alias="mean")]
    sd: Spread

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _possible(self) -> BetaBelief:
        limit = math.sqrt(self.mean_ * (1 - self.mean_))
        if self.sd >= limit:
            raise ValueError(
                f"sd {self.sd} is too wide for a share with mean {self.mean_}: it must be below "
                f"sqrt(mean*(1-mean)) = {limit:.4g} (and usually well below: a quarter of that is already vague)"
            )
        return self

    _narrow = model_validator(mode="after")(lambda self: _not_a_point(self, self.mean_, self.sd))

    @property
    def shapes(self) -> tuple[float, float]:
        k = self.mean_ * (1 - self.mean_) / self.sd**2 - 1
        return self.mean_ * k, (1 - self.mean_) * k

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        return stats.beta(*self.shapes)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import betaincinv

        return np.asarray(betaincinv(*self.shapes, u), dtype=float)


class _ByMoments(_Belief):
    """A positive quantity given by its mean and standard deviation."""

    mean_: Spread = Field(alias="mean")
    sd: Spread

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    _narrow = model_validator(mode="after")(lambda self: _not_a_point(self, self.mean_, self.sd))


class LognormalBelief(_ByMoments):
    """A positive time, rate or cost, right-skewed."""

    dist: Literal["lognormal"] = "lognormal"

    @property
    def shapes(self) -> tuple[float, float]:
        """sigma and the scale of the lognormal with this mean and standard deviation."""
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.sqrt(sigma2), self.mean_ * math.exp(-sigma2 / 2)

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        sigma, scale = self.shapes
        return stats.lognorm(s=sigma, scale=scale)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        sigma, scale = self.shapes
        return np.asarray(np.exp(sigma * ndtri(u)) * scale + 0.0, dtype=float)


class GammaBelief(_ByMoments):
    """A positive time, rate or cost, less heavy-tailed than the lognormal."""

    dist: Literal["gamma"] = "gamma"

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        return stats.gamma((self.mean_ / self.sd) ** 2, scale=self.sd**2 / self.mean_)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import gammaincinv

        return np.asarray(gammaincinv((self.mean_ / self.sd) ** 2, u) * (self.sd**2 / self.mean_) + 0.0, dtype=float)


class UniformBelief(_Belief):
    """Only a range is known: every value in it equally plausible."""

    dist: Literal["uniform"] = "uniform"
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> UniformBelief:
        if not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        return self

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        return stats.uniform(self.low, self.high - self.low)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(u * (self.high - self.low) + self.low, dtype=float)


class TriangularBelief(_Belief):
    """A range and a most likely value (the usual three-point expert estimate)."""

    dist: Literal["triangular"] = "triangular"
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> TriangularBelief:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}")
        return self

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return np.asarray(np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u))) * width + self.low)


Belief = Annotated[
    BetaBelief | LognormalBelief | GammaBelief | UniformBelief | TriangularBelief, Field(discriminator="dist")
]


class Correlation(BaseModel):
    """Two inputs that move together (a Gaussian-copula correlation: each input keeps its own distribution)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    inputs: tuple[str, str]
    rho: Annotated[float, NO_BOOLEAN, Field(gt=-1.0, lt=1.0)]


class Beliefs(BaseModel):
    """The scenario's uncertain inputs, how they co-vary, named groups, and what the decision is judged on."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    inputs: dict[str, Belief] = Field(min_length=1, description="field path -> belief distribution")
    correlation: list[Correlation] = Field(default_factory=list)
    groups: dict[str, list[str]] = Field(
        default_factory=dict, description="a name -> inputs measured together (one pilot study resolves them all)"
    )
    metric: Literal["npv", "net_value_per_year", "net_value_run"] = Field(
        "npv", description="the figure a design is chosen on (the net benefit)"
    )
    threshold: Number = Field(0.0, description="the net value the best design should exceed (in the currency)")

    @model_validator(mode="after")
    def _consistent(self) -> Beliefs:
        known = list(self.inputs)
        for i, pair in enumerate(self.correlation):
            for name in pair.inputs:
                if name not in self.inputs:
                    raise ValueError(f"correlation.{i}: {name!r} is not one of the inputs ({', '.join(known)})")
            if pair.inputs[0] == pair.inputs[1]:
                raise ValueError(f"correlation.{i}: an input cannot be correlated with itself")
        if len({frozenset(p.inputs) for p in self.correlation}) < len(self.correlation):
            raise ValueError("correlation: a pair of inputs is given twice")
        if self.correlation and np.linalg.eigvalsh(self.correlation_matrix()).min() <= 1e-9:
            raise ValueError(
                "correlation: these correlations cannot hold together (the matrix is not positive definite); "
                "weaken them"
            )
        for name, members in self.groups.items():
            if len(members) < 2 or len(set(members)) < len(members):
                raise ValueError(f"groups.{name}: a group names at least two different inputs")
            for member in members:
                if member not in self.inputs:
                    raise ValueError(f"groups.{name}: {member!r} is not one of the inputs ({', '.join(known)})")
            if name in self.inputs:
                raise ValueError(f"groups.{name}: a group cannot have the name of an input")
        return self

    def correlation_matrix(self) -> np.ndarray:
        names = list(self.inputs)
        matrix = np.eye(len(names))
        for pair in self.correlation:
            i, j = (names.index(n) for n in pair.inputs)
            matrix[i, j] = matrix[j, i] = pair.rho
        return matrix

    def label(self, name: str) -> str:
        """How the text names an input or group."""
        if name in self.inputs:
            return self.inputs[name].label or name
        return name
