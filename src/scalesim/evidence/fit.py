"""Service times and delays from observed durations: candidate distributions fitted by maximum likelihood with
``scipy.stats``, the one with the lowest AIC kept (Akaike 1974; Burnham & Anderson 2002), its Kolmogorov-Smirnov
distance to the data reported as the goodness of fit.

The candidates are the distributions a scenario can state by mean and cv (exponential, lognormal, gamma), so the
fit is written as the user would write it, and every other part of the model reads it unchanged. When none of
them fits (KS above 0.15: several modes, or near-constant work as in logs from a simulator), the observed
durations themselves are resampled (an ``empirical`` distribution of their percentiles), and the report says so.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

POOR_FIT = 0.15
"""A Kolmogorov-Smirnov distance above this means no candidate describes the data: resample it instead."""
EMPIRICAL_POINTS = 101
"""Quantiles kept of the observed durations when they are resampled (every percentile)."""
MAX_CV = 10.0
"""The scenario's ceiling on a coefficient of variation (``scenario.distributions``)."""


@dataclass(frozen=True)
class Fit:
    """The chosen distribution (as scenario data), its fit statistics, and the other candidates' AIC."""

    dist: dict[str, Any]
    n: int
    mean: float
    aic: float
    ks: float
    candidates: dict[str, float]
    note: str = ""

    def describe(self) -> str:
        shown = ", ".join(f"{k} {v:.1f}" for k, v in sorted(self.candidates.items(), key=lambda kv: kv[1]))
        how = {"fixed": "all alike", "empirical": f"resampled (AIC: {shown})"}.get(
            self.dist["dist"], f"by AIC ({shown})"
        )
        return f"n={self.n}, mean {self.mean:.4g}, {self.dist['dist']} {how}, KS {self.ks:.3f}{self.note}"


def fit_durations(values: np.ndarray) -> Fit:
    """The best of exponential, lognormal and gamma by AIC for positive durations; a fixed value when every
    duration is the same (or zero)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    positive = x[x > 0]
    if len(positive) < 2 or float(np.ptp(positive)) == 0.0:
        value = float(x.mean()) if len(x) else 0.0
        return Fit({"dist": "fixed", "value": round(value, 6)}, len(x), value, math.nan, 0.0, {})
    note = ""
    if len(positive) < len(x):
        note = f"; {len(x) - len(positive)} zero durations left out of the fit"
    fits: dict[str, tuple[float, dict[str, Any], Any]] = {}
    scale = float(positive.mean())
    y = positive / scale  # fit on a unit scale: the optimisers are better behaved
    expon = stats.expon(scale=scale)
    fits["exponential"] = (_aic(expon.logpdf(positive).sum(), 1), {}, expon)
    for label, family in (("lognormal", stats.lognorm), ("gamma", stats.gamma)):
        try:
            with warnings.catch_warnings():  # an optimiser's detours are not the user's business; failures are
                warnings.simplefilter("ignore", RuntimeWarning)
                shape, _, sc = family.fit(y, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):  # the optimiser found no maximum: not a candidate
            continue
        frozen = family(shape, scale=sc * scale)
        log_likelihood = float(frozen.logpdf(positive).sum())
        if math.isfinite(log_likelihood):
            fits[label] = (_aic(log_likelihood, 2), {}, frozen)
    name = min(fits, key=lambda k: fits[k][0])
    aic, _, frozen = fits[name]
    mean, sd = float(frozen.mean()), float(frozen.std())
    if name == "exponential":
        dist: dict[str, Any] = {"dist": "exponential", "mean": _round(mean)}
    else:
        cv = sd / mean
        if cv > MAX_CV:
            note += f"; cv {cv:.1f} capped at {MAX_CV:g}"
            cv = MAX_CV
        dist = {"dist": name, "mean": _round(mean), "cv": round(cv, 4)}
    ks = float(stats.kstest(positive, frozen.cdf).statistic)
    candidates = {k: v[0] for k, v in fits.items()}
    if ks > POOR_FIT:
        # no candidate describes the data (several modes, near-constant work): resample what was observed
        quantiles = np.quantile(x, np.linspace(0.0, 1.0, EMPIRICAL_POINTS))
        kept = np.array([_round(float(q)) for q in quantiles])
        resampled = float(stats.kstest(x, lambda v: np.searchsorted(kept, v, side="right") / len(kept)).statistic)
        note += f"; best candidate {name} fits poorly (KS {ks:.3f}): the observed durations are resampled"
        dist = {"dist": "empirical", "values": kept.tolist()}
        return Fit(dist, len(x), float(kept.mean()), aic, resampled, candidates, note)
    return Fit(dist, len(x), mean, aic, ks, candidates, note)


def _aic(log_likelihood: float, parameters: int) -> float:
    return 2.0 * parameters - 2.0 * float(log_likelihood)


def _round(x: float) -> float:
    """Six significant digits: enough for any duration, short enough to read."""
    return float(f"{x:.6g}")
