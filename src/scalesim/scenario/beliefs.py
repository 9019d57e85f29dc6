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


class NormalBelief(_Belief):
    """A quantity that may lie either side of zero, or a mean known to within a symmetric error (the conjugate
    prior of a mean measured on n cases, so a pilot's evidence updates it exactly)."""

    dist: Literal["normal"] = "normal"
    mean_: Number = Field(alias="mean")
    sd: Spread

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    _narrow = model_validator(mode="after")(lambda self: _not_a_point(self, self.mean_, self.sd))

    def frozen(self) -> Any:
        from scipy import stats  # imported where used: a scenario's validation needs no scipy

        return stats.norm(self.mean_, self.sd)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        return np.asarray(ndtri(u) * self.sd + self.mean_, dtype=float)


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
    BetaBelief | NormalBelief | LognormalBelief | GammaBelief | UniformBelief | TriangularBelief,
    Field(discriminator="dist"),
]

PILOT_SIZES = (50, 100, 200, 400, 800, 1600)
"""The pilot sizes (cases measured) the value of a pilot is estimated at, unless the beliefs name others."""


class Measurement(BaseModel):
    """How a pilot would measure one uncertain input, and what each case measured costs.

    ``share``: the input is a share (adoption, accuracy, the exception rate), measured as the share of ``n`` cases
    in which the thing happened (binomial sampling). ``mean``: the input is a mean (the value of a correct
    output), measured as the mean of ``n`` observed values, each scattered by ``case_sd`` around it (normal
    sampling of the mean). The pilot's cases are taken to be like production's (the measurement's assumption).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    kind: Literal["share", "mean"]
    column: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z][A-Za-z0-9_ ]*$")] = Field(
        description="the pilot data column that records it, one value per case (for `scalesim update`)"
    )
    counts: Label = Field(description="what a case shows, in words: 'outputs followed', 'checked outputs right'")
    cost_per_case: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=CEILING)] = Field(
        description="what measuring one more case costs (in the currency)"
    )
    fixed_cost: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=CEILING)] = Field(
        0.0, description="what setting the measurement up costs, whatever its size"
    )
    case_sd: Spread | None = Field(None, description="mean only: the standard deviation of one observed value")

    @model_validator(mode="after")
    def _spread_for_means(self) -> Measurement:
        if self.kind == "mean" and self.case_sd is None:
            raise ValueError("a 'mean' measurement needs case_sd, the standard deviation of one observed value")
        if self.kind == "share" and self.case_sd is not None:
            raise ValueError("case_sd is for 'mean' measurements; a share's spread follows from the share itself")
        return self

    def cost(self, n: int) -> float:
        """What a pilot measuring ``n`` cases costs (nothing at all when it measures none)."""
        return 0.0 if n == 0 else self.fixed_cost + self.cost_per_case * n


class Moments(BaseModel):
    """A belief's mean and standard deviation (what the provenance of an update records)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    mean: Number
    sd: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=CEILING)]


class Evidence(BaseModel):
    """Where an updated belief came from: written by ``scalesim update``, read back so a decision can say it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    input: str
    file: Label
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    column: Label
    cases: Annotated[int, NO_BOOLEAN, Field(ge=1)]
    observed: Number = Field(description="the share or mean the pilot measured")
    method: Label
    prior: Moments
    posterior: Moments
    conflict_p: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=1.0)] | None = Field(
        None,
        description="the prior predictive p-value of the pilot's statistic (Box 1980): small, and the prior and the "
        "pilot disagree",
    )
    case_hashes: Annotated[str, Field(max_length=2_000_000, pattern=r"^[A-Za-z0-9+/=]*$")] | None = Field(
        None,
        description="the measured cases' identifiers, hashed (8 bytes of SHA-256 each, sorted, base64): a later "
        "pilot file with any of the same cases for this input is refused",
    )


class Correlation(BaseModel):
    """Two inputs that move together (a Gaussian-copula correlation: each input keeps its own distribution)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    inputs: tuple[str, str]
    rho: Annotated[float, NO_BOOLEAN, Field(gt=-1.0, lt=1.0)]


def _within_a_share(belief: Any) -> bool:
    if isinstance(belief, BetaBelief):
        return True
    return isinstance(belief, UniformBelief | TriangularBelief) and belief.low >= 0.0 and belief.high <= 1.0


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
    measurements: dict[str, Measurement] = Field(
        default_factory=dict, description="input -> how a pilot would measure it (for the value of a pilot)"
    )
    pilot_sizes: list[Annotated[int, NO_BOOLEAN, Field(ge=1, le=1_000_000)]] = Field(
        default_factory=lambda: list(PILOT_SIZES),
        min_length=1,
        max_length=20,
        description="the numbers of cases a pilot could measure, at which its value is estimated",
    )
    evidence: list[Evidence] = Field(default_factory=list, description="pilot data the beliefs were updated with")

    @model_validator(mode="after")
    def _consistent(self) -> Beliefs:
        known = list(self.inputs)
        for name, measurement in self.measurements.items():
            if name not in self.inputs:
                raise ValueError(f"measurements.{name}: {name!r} is not one of the inputs ({', '.join(known)})")
            belief = self.inputs[name]
            if measurement.kind == "share" and not _within_a_share(belief):
                raise ValueError(
                    f"measurements.{name}: kind 'share' needs a belief that stays within 0..1 (beta, or a uniform "
                    f"or triangular one inside 0..1); this input's is {belief.dist}"
                )
        columns = [m.column.strip().lower() for m in self.measurements.values()]
        if len(set(columns)) < len(columns):
            raise ValueError("measurements: two measurements read the same column; give each its own")
        if sorted(set(self.pilot_sizes)) != self.pilot_sizes:
            raise ValueError(f"pilot_sizes: {self.pilot_sizes} must be different sizes, smallest first")
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
