"""Statistics across replications: Student-t confidence intervals, paired differences, precision.

Replications are independent, identically distributed runs, so the mean of a figure over R replications has a
t-distributed error with R - 1 degrees of freedom. Designs compared within a replication share their random
numbers (common random numbers), so their *difference* varies far less than each figure: the paired interval
uses the per-replication differences; the unpaired one (what independent seeds would give) uses Welch's formula
on the same samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


def half_width(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = CONFIDENCE) -> float:
    """Half-width of the two-sided Student-t interval for the mean (NaN with fewer than two values)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return math.nan
    return float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


def mean_ci(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    return {"mean": float(x.mean()) if len(x) else math.nan, "half_width": half_width(x), "n": len(x)}


def unpaired_half_width(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> float:
    """Welch half-width for mean(b) - mean(a) treating the samples as independent."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stats.t.ppf(0.5 + confidence / 2, dof) * math.sqrt(va + vb))


def paired_difference(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Mean of b - a over replications with its paired interval and the unpaired one it replaces."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    paired = half_width(y - x)
    unpaired = unpaired_half_width(x, y) if len(x) > 1 else math.nan
    return {
        "mean": float((y - x).mean()),
        "half_width": paired,
        "unpaired_half_width": unpaired,
        "narrowing": unpaired / paired if paired > 0 else math.inf,
        "n": len(x),
    }


def relative_precision(values: np.ndarray) -> float:
    """Half-width as a share of |mean| (inf when the mean is 0)."""
    ci = mean_ci(values)
    if ci["n"] < 2:
        return math.inf
    return ci["half_width"] / abs(ci["mean"]) if ci["mean"] else (0.0 if ci["half_width"] == 0 else math.inf)
