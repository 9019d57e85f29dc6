"""The five log distances business process simulation is compared by, computed as the reference package computes
them.

Chapela-Campa, López-Pintado, Meneses-Bobeica & Dumas 2023, *Can I trust my simulation model? Measuring the
quality of business process simulation models* (BPM 2023), define them; the package ``log-distance-measures``
(Apache-2.0) is their reference implementation, and every published comparison (Simod, AgentSimulator, RIMS,
DeepSimulator) reports them through it with its defaults. It is not a dependency of scalesim (it pins Python below
3.13 and pandas below 3, and solves earth mover's distances with an LP solver it does not need for these five);
the test suite checks these functions against it to 1e-6 on the shipped logs.

- **NGD**, n-gram distribution distance (n = 3): each case's activities ordered by start then end, padded with
  two empty symbols at each end; the sum of the absolute differences of the two logs' 3-gram counts over the sum
  of all counts (0 to 1);
- **AEDD**, absolute event distribution distance: every start and end time in whole hours since the hour of the
  earlier log's first start; the first Wasserstein distance of the two samples (hours);
- **CEDD**, circadian event distribution distance: per weekday, the hours of day (0-23) of every start and end;
  the Wasserstein distance per weekday (23 where only one log has events that day, 0 where neither has), averaged
  over the seven days;
- **REDD**, relative event distribution distance: every start and end in whole hours since its case's first
  start; the Wasserstein distance;
- **CTDD**, cycle time distribution distance: each case's last end minus first start, in whole hours above the
  shortest of both logs; the Wasserstein distance.

Each log is a frame with ``case``, ``activity``, ``start`` and ``end`` (timestamps).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

NAMES = ("NGD", "AEDD", "CEDD", "REDD", "CTDD")
WORDS = {
    "NGD": "3-grams of activities (0-1)",
    "AEDD": "events over time (hours)",
    "CEDD": "events by weekday and hour (hours)",
    "REDD": "events since case start (hours)",
    "CTDD": "cycle times (hours)",
}
HOUR = 3_600_000_000_000  # nanoseconds


@dataclass(frozen=True)
class Distances:
    """The five distances between two logs."""

    ngd: float
    aedd: float
    cedd: float
    redd: float
    ctdd: float

    def as_dict(self) -> dict[str, float]:
        return dict(zip(NAMES, (self.ngd, self.aedd, self.cedd, self.redd, self.ctdd), strict=True))


def wasserstein_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The first Wasserstein distance between the samples ``a`` and ``b``: the area between their empirical
    distribution functions (scipy's ``wasserstein_distance``, to rounding).

    Summed with ``math.fsum`` (correctly rounded), so the distance does not depend on the values' order or memory
    layout: numpy's vectorised sum can differ in the last bit between two processes, and a back-test must re-run
    to the byte.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    values = np.sort(np.concatenate([a, b]), kind="mergesort")
    below_a = np.searchsorted(np.sort(a), values[:-1], side="right") / len(a)
    below_b = np.searchsorted(np.sort(b), values[:-1], side="right") / len(b)
    return math.fsum(np.abs(below_a - below_b) * np.diff(values))


def _ns(times: pd.Series) -> np.ndarray:
    return times.to_numpy(dtype="datetime64[ns]").astype(np.int64)


def n_grams(log: pd.DataFrame, n: int = 3) -> Counter[tuple[str, ...]]:
    """The n-grams of each case's activities (ordered by start, then end), padded at both ends."""
    ordered = log.sort_values(["case", "start", "end"], kind="stable")
    grams: Counter[tuple[str, ...]] = Counter()
    pad = ("",) * (n - 1)
    for _, activities in ordered.groupby("case", sort=False)["activity"]:
        symbols = (*pad, *activities.astype(str).tolist(), *pad)
        grams.update(zip(*(symbols[k:] for k in range(n)), strict=False))
    return grams


def ngd(a: pd.DataFrame, b: pd.DataFrame, n: int = 3) -> float:
    grams_a, grams_b = n_grams(a, n), n_grams(b, n)
    keys = set(grams_a) | set(grams_b)
    difference = sum(abs(grams_a[k] - grams_b[k]) for k in keys)
    total = sum(grams_a.values()) + sum(grams_b.values())
    return difference / total if total else 0.0


def _instants(log: pd.DataFrame) -> np.ndarray:
    return np.concatenate([_ns(log["start"]), _ns(log["end"])])


def aedd(a: pd.DataFrame, b: pd.DataFrame) -> float:
    origin = min(_ns(a["start"]).min(), _ns(b["start"]).min())
    origin -= origin % HOUR  # the hour of the first start (timestamps since the epoch: whole hours are UTC hours)
    return float(wasserstein_distance((_instants(a) - origin) // HOUR, (_instants(b) - origin) // HOUR))


def _weekday_hours(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    instants = pd.concat([log["start"], log["end"]], ignore_index=True)
    return instants.dt.dayofweek.to_numpy(), instants.dt.hour.to_numpy()


def cedd(a: pd.DataFrame, b: pd.DataFrame) -> float:
    (day_a, hour_a), (day_b, hour_b) = _weekday_hours(a), _weekday_hours(b)
    distances = []
    for day in range(7):
        x, y = hour_a[day_a == day], hour_b[day_b == day]
        if len(x) and len(y):
            distances.append(float(wasserstein_distance(x, y)))
        else:
            distances.append(0.0 if not len(x) and not len(y) else 23.0)
    return float(np.mean(distances))


def _relative_hours(log: pd.DataFrame) -> np.ndarray:
    case_start = log.groupby("case")["start"].transform("min")
    start, end, first = _ns(log["start"]), _ns(log["end"]), _ns(case_start)
    return np.concatenate([(start - first) // HOUR, (end - first) // HOUR])


def redd(a: pd.DataFrame, b: pd.DataFrame) -> float:
    return float(wasserstein_distance(_relative_hours(a), _relative_hours(b)))


def cycle_times(log: pd.DataFrame) -> np.ndarray:
    """Each case's last end minus its first start, in nanoseconds."""
    grouped = log.groupby("case")
    return _ns(grouped["end"].max()) - _ns(grouped["start"].min())


def ctdd(a: pd.DataFrame, b: pd.DataFrame) -> float:
    ct_a, ct_b = cycle_times(a), cycle_times(b)
    shortest = min(ct_a.min(), ct_b.min())
    return float(wasserstein_distance((ct_a - shortest) // HOUR, (ct_b - shortest) // HOUR))


def distances(a: pd.DataFrame, b: pd.DataFrame) -> Distances:
    """The five distances between logs ``a`` (the reference: the real test log) and ``b``."""
    return Distances(ngd(a, b), aedd(a, b), cedd(a, b), redd(a, b), ctdd(a, b))
