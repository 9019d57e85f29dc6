"""Choosing a warm-up period with Welch's graphical method (Welch 1983; Law, *Simulation Modeling and Analysis*).

Average a per-week figure over replications (which removes most of the noise), smooth it with a moving window
(which removes the rest), and take as warm-up the first week from which the smoothed curve stays within a
tolerance of its steady level (the mean of the curve's second half). The weekly series come from any experiment
that keeps them (``scalesim run --replications R`` or ``compare``): ``weekly.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Welch:
    curve: pd.DataFrame  # week, mean over replications, smoothed
    steady: float
    warmup_weeks: int

    @property
    def warmup_days(self) -> float:
        return 7.0 * self.warmup_weeks


def welch(
    weekly: pd.DataFrame,
    value: str = "production_value",
    per: str = "arrivals",
    window: int = 2,
    tolerance: float = 0.05,
) -> Welch:
    """Welch's method on ``value / per`` (default: production value per arriving case), for one design.

    ``window`` is the half-width w of the moving average (2w + 1 weeks; shorter at the start, as Welch
    prescribes); weeks without arrivals (the drain) are left out.
    """
    rows = weekly[weekly[per] > 0]
    ratio = (rows[value] / rows[per]).groupby(rows["week"]).mean()
    weeks, mean = ratio.index.to_numpy(), ratio.to_numpy()
    smoothed = np.array([mean[max(0, i - min(i, window)) : i + min(i, window) + 1].mean() for i in range(len(mean))])
    # only points with a full window on both sides are comparable; the tail is left out as well
    usable = smoothed[: max(len(smoothed) - window, 1)]
    steady = float(usable[len(usable) // 2 :].mean())
    outside = np.nonzero(np.abs(usable - steady) > tolerance * abs(steady))[0]
    if len(outside) == 0:
        warmup = 0
    elif outside[-1] + 1 >= len(usable):
        warmup = int(weeks[-1])  # never settles: no steady state within the horizon
    else:
        warmup = int(weeks[outside[-1] + 1])
    curve = pd.DataFrame({"week": weeks, "mean": mean, "smoothed": smoothed})
    return Welch(curve=curve, steady=steady, warmup_weeks=warmup)
