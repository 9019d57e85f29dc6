"""The value ledger: one fate per case, its value, and the split of erosion by cause.

Columnar numpy arrays, one slot per case, keep the hot path to three array writes per case and memory flat.
Every case ends with exactly one fate; a realized case may still lose part of its value to ``delay``.
Erosion of a case is its pilot value minus its production value, attributed to the production fate that
lost it (``delay`` when production realized it too), so the causes add up exactly to the whole. A wrong output
that an approval catches is worth 0 instead of the wrong action's cost, so ``caught`` is usually negative erosion:
value the control saved.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from scalesim.ops.summary import LeadTime


class CaseFate(IntEnum):
    """How a case ended. Every fate but ``REALIZED`` is a cause of lost value."""

    REALIZED = 0
    NOT_ROUTED = 1  # still handled the old way during the roll-out ramp
    NO_SCORE = 2
    EXCEPTION = 3
    ORPHANED = 4
    LOST_IN_HANDOFF = 5
    REJECTED = 6  # a right output blocked by an approval (a false alarm)
    CAUGHT = 7  # a wrong output stopped by an approval: a prevented loss
    NOT_ADOPTED = 8
    WRONG_ACTION = 9
    REVERTED = 10  # the organisation had gone back to the old process
    NOT_SCALED = 11  # today's process: the model is not used at all (the "do not scale" option)
    UNFINISHED = 12

    @property
    def label(self) -> str:
        return self.name.lower()


CASE_FATES = tuple(f.label for f in CaseFate)
LOSS_CAUSES = tuple(f.label for f in CaseFate if f is not CaseFate.REALIZED)
EROSION_CAUSES = (*(c for c in LOSS_CAUSES if c != "unfinished"), "delay", "unfinished")
EROSION_SIGNS = (
    "the pilot's value per case minus production's on the same cases, under what happened to each case in "
    "production (+ value lost; - value production kept that the pilot did not)"
)
"""The sign convention every output that shows erosion states once."""
CAUGHT_SIGN = (
    "a wrong output stopped by an approval (caught) takes value: the model was wrong in production on cases the "
    "pilot got right, so the approval prevented a wrong action (its cost is the prevented loss) but the value the "
    "pilot realized on those cases is lost"
)
"""Why a positive ``caught`` is no contradiction: said wherever it is positive."""
REACHED_ACT = (CaseFate.REALIZED, CaseFate.NOT_ADOPTED, CaseFate.WRONG_ACTION)
"""Fates of cases that reached the acting role: their lead time is the time to the decision."""


class Ledger:
    """Per-case fate, value and closing time for one environment's pass over the cases."""

    __slots__ = ("arrival", "end", "factor", "fate", "value")

    def __init__(self, arrival: np.ndarray) -> None:
        n = len(arrival)
        self.arrival = arrival
        self.fate = np.full(n, CaseFate.UNFINISHED, dtype=np.int8)
        self.value = np.zeros(n)
        self.end = np.full(n, np.nan)
        self.factor = np.zeros(n)
        """The share of its value a realized case kept (the cost of its delay), so the same run can be valued
        again at other case values (:mod:`scalesim.ops.pilotpass`)."""

    def close(self, case: int, fate: CaseFate, value: float, now: float) -> None:
        self.fate[case] = fate
        self.value[case] = value
        self.end[case] = now

    def lead_times(self, counted: np.ndarray | None = None) -> np.ndarray:
        """Arrival to the acting role's decision, for the (counted) cases that reached it."""
        reached = np.isin(self.fate, REACHED_ACT)
        if counted is not None:
            reached &= counted
        return self.end[reached] - self.arrival[reached]

    def fate_shares(self, counted: np.ndarray) -> dict[str, float]:
        counts = np.bincount(self.fate[counted], minlength=len(CaseFate))
        n = max(int(counted.sum()), 1)
        return {f.label: float(counts[f]) / n for f in CaseFate}


def erosion_by_cause(pilot: Ledger, production: Ledger, counted: np.ndarray) -> dict[str, float]:
    """Total erosion (pilot value minus production value) of the counted cases, split by the production fate
    that caused it."""
    gap = (pilot.value - production.value)[counted]
    totals = np.bincount(production.fate[counted], weights=gap, minlength=len(CaseFate))
    by_cause = {f.label: float(totals[f]) for f in CaseFate if f is not CaseFate.REALIZED}
    by_cause["delay"] = float(totals[CaseFate.REALIZED])
    return {cause: by_cause[cause] for cause in EROSION_CAUSES}


def lead_time_summary(ledger: Ledger, counted: np.ndarray) -> LeadTime:
    times = ledger.lead_times(counted)
    if len(times) == 0:
        return {"mean": None, "p50": None, "p90": None}
    return {
        "mean": float(times.mean()),
        "p50": float(np.quantile(times, 0.5)),
        "p90": float(np.quantile(times, 0.9)),
    }
