"""How sure the value-of-information figures are: their Monte Carlo error, by the bootstrap over the worlds.

EVPI, EVPPI and EVSI are estimated from a few dozen to a few hundred drawn worlds, and a figure that rests on a
handful of them can be mostly noise: claims-triage at 64 worlds gave an EVPI of 3,872 EUR resting on 3 worlds,
whose bootstrap standard error is 3,296 EUR (95 % interval 0 to 11,012). Each figure is therefore recomputed on
resamples of the worlds drawn with replacement (the nonparametric bootstrap, Efron & Tibshirani 1993, ch. 6 and
13): the standard deviation of the resampled figures is its standard error, their 2.5 % and 97.5 % quantiles
its percentile interval. For EVPPI and EVSI every resample refits the regression, so the error includes the
fit's. Neither the voi package nor SAVI report this for EVSI (voi lists it as an open item; SAVI gives it for EVPPI
only).

What it leaves out: the worlds are a scrambled Sobol' sequence, more evenly spread than independent draws, so the
bootstrap's error is, if anything, larger than the sequence's own; the emulated worlds' values are treated as
drawn (their emulator error is in them, not added again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from scalesim.experiment import evsi, voi
from scalesim.scenario.beliefs import Measurement

RESAMPLES = 1000
"""Bootstrap resamples for EVPI (a max of column means: cheap)."""
REFITS = 100
"""Resamples for EVPPI and EVSI, each of which refits the regression: a standard error to about 7 %."""


@dataclass(frozen=True)
class Error:
    """A figure's bootstrap standard error and 95 % percentile interval."""

    se: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"se": self.se, "low": self.low, "high": self.high}


def resamples(n: int, rng: np.random.Generator, count: int = RESAMPLES) -> np.ndarray:
    """``count`` x ``n``: the worlds of each bootstrap resample (drawn with replacement)."""
    return rng.integers(0, n, size=(count, n))


def error_of(values: Sequence[float] | np.ndarray) -> Error:
    """The standard error and percentile interval of a figure's resampled values."""
    found = np.asarray(values, dtype=float)
    low, high = np.percentile(found, [2.5, 97.5])
    return Error(float(found.std(ddof=1)), float(low), float(high))


def evpi_error(nb: np.ndarray, rows: np.ndarray) -> Error:
    return error_of([voi.evpi(nb[idx]) for idx in rows])


def group_error(nb: np.ndarray, x: np.ndarray, rows: np.ndarray) -> Error:
    """A group's EVPPI (the regression's mean over the worlds), refitted on each resample."""
    return error_of([voi.evppi(nb[idx], x[idx]) for idx in rows[:REFITS]])


def input_error(
    nb: np.ndarray, u: np.ndarray, theta: np.ndarray, quantile: Callable[[np.ndarray], np.ndarray], rows: np.ndarray
) -> Error:
    """One input's EVPPI (the integral over its belief), refitted on each resample."""
    grid = evsi.prior_grid(quantile)
    return error_of(
        [evsi.evppi_on_prior(evsi.benefit_on_prior(nb[i], u[i], theta[i], grid), nb[i]) for i in rows[:REFITS]]
    )


def curve_errors(
    nb: np.ndarray,
    u: np.ndarray,
    theta: np.ndarray,
    measurement: Measurement,
    sizes: Sequence[int],
    quantile: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
) -> tuple[Error, list[Error]]:
    """The error of the measured input's EVPPI and of a pilot's value at each size, from the same refits (the
    EVPPI is the ceiling each resample's EVSI is held under). The results' likelihoods are the same in every
    resample (they depend on the belief, not the worlds), so only the fit and the sums are redone."""
    grid = evsi.prior_grid(quantile)
    likelihoods = [evsi.result_likelihood(grid, n, measurement) if n > 0 else None for n in sizes]
    ceilings: list[float] = []
    found: list[list[float]] = [[] for _ in sizes]
    for idx in rows[:REFITS]:
        g = evsi.benefit_on_prior(nb[idx], u[idx], theta[idx], grid)
        ceiling = evsi.evppi_on_prior(g, nb[idx])
        ceilings.append(ceiling)
        for k, likelihood in enumerate(likelihoods):
            found[k].append(0.0 if likelihood is None or ceiling <= 0 else min(evsi.evsi(g, likelihood), ceiling))
    return error_of(ceilings), [error_of(values) for values in found]


def rounded(value: float, error: Error, currency: str = "") -> str:
    """A figure to the digits its error supports (two significant digits of the standard error), with the error
    and the interval, and "could be 0" when the interval reaches zero: ``3,900 EUR (SE 3,300; 95% interval 0 to
    11,000: could be 0)``."""
    step = _step(error.se)
    unit = f" {currency}" if currency else ""
    zero = ": could be 0" if error.low <= 0 < value or value == 0 else ""
    if error.se == 0:
        return f"{value:,.0f}{unit} (no Monte Carlo error: every resample gives it)"
    return (
        f"{_round(value, step)}{unit} (SE {_round(error.se, step)}; 95% interval {_round(error.low, step)} to "
        f"{_round(error.high, step)}{zero})"
    )


def _step(se: float) -> float:
    """The rounding unit: the place of the standard error's second significant digit (at least 1)."""
    if se <= 0 or not np.isfinite(se):
        return 1.0
    return max(1.0, 10.0 ** (np.floor(np.log10(se)) - 1))


def _round(x: float, step: float) -> str:
    return f"{round(x / step) * step:,.0f}"
