"""The stall verdict of a production run: ``scaled``, ``eroded`` or ``stalled`` (with the reason and the day).

A run is *stalled* when its value collapsed and had not come back by the end of the horizon:

- ``reverted``: the organisation went back to the old process (adoption under the commitment threshold);
- ``backlog``: a team's queue grows without bound — judged from its trend (the last quarter of the horizon holds
  far more work than the second), not from a fixed size, so a busy but stable team is not flagged;
- ``trust_collapse``: trust ended, and stayed for ``sustained_days``, below its threshold;
- ``drift``: accuracy ended, and stayed, below a share of its trained level.

Otherwise a run is *eroded* when retention is below ``eroded_below``, and *scaled* when it is not; when retention
is undefined (the pilot's own value per case is not above zero) the verdict is *undefined*, never a guess.
Today's process (do not scale) is *not_scaled*: it uses no model, so nothing can stall.

What happened to value is half a verdict: the other half is whether the design pays over the run (``pays``, with
its reason in ``money``, from :func:`scalesim.ops.money.pays_verdict`). A design can keep most of the pilot's value
and still lose money, or be eroded and still pay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from scalesim.ops.summary import StallSummary
from scalesim.scenario.schema import StallCriteria

GROWTH_RATIO = 1.5
"""A backlog grows without bound when its last-quarter mean exceeds this multiple of its second-quarter mean..."""
MIN_GROWTH_DAYS_OF_WORK = 1.0
"""...and the growth is more than this many days of the team's throughput (so small queues never qualify)."""


@dataclass(frozen=True)
class Stall:
    verdict: str
    reason: str | None = None
    day: float | None = None
    detail: str | None = None
    team: str | None = None
    pays: bool | None = None
    money: str | None = None

    def as_dict(self) -> StallSummary:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "day": self.day,
            "detail": self.detail,
            "team": self.team,
            "pays": self.pays,
            "money": self.money,
        }

    def with_money(self, pays: bool | None, money: str) -> Stall:
        return replace(self, pays=pays, money=money)


NOT_SCALED = Stall(
    "not_scaled", None, None, "today's process: the model is not used", pays=None, money="adds nothing, costs nothing"
)


def backlog_start(days: np.ndarray, backlog: np.ndarray, per_day: float) -> float | None:
    """The day a queue began growing without bound, or None if it is stable. ``per_day``: cases served a day."""
    n = len(backlog)
    if n < 28:
        return None
    second = backlog[n // 4 : n // 2].mean()
    last = backlog[3 * n // 4 :].mean()
    if last <= GROWTH_RATIO * second + MIN_GROWTH_DAYS_OF_WORK * max(per_day, 1.0):
        return None
    calm = np.nonzero(backlog <= np.median(backlog[: n // 2]))[0]
    return float(days[calm[-1]]) if len(calm) else float(days[0])


def held_to_end(days: np.ndarray, condition: np.ndarray, sustained: float) -> float | None:
    """Start of the final run of days where ``condition`` holds, if it reaches the end and lasts ``sustained``."""
    if len(condition) == 0 or not condition[-1]:
        return None
    broken = np.nonzero(~condition)[0]
    start = float(days[broken[-1] + 1]) if len(broken) else float(days[0])
    return start if days[-1] - start >= sustained else None


def verdict(
    daily: pd.DataFrame,
    events: pd.DataFrame,
    served_per_day: dict[str, float],
    horizon: float,
    trained_accuracy: float,
    retention: float | None,
    criteria: StallCriteria,
    load_notes: dict[str, str] | None = None,
) -> Stall:
    """Judge one production run from its daily trace, its events and its retention (``load_notes``: each team's
    offered load in words, to explain a backlog)."""
    reverted = events[events["event"] == "reverted"]
    if len(reverted):
        return Stall(
            "stalled",
            "reverted",
            float(reverted["day"].iloc[0]),
            "adoption stayed under the commitment threshold, and the organisation went back to the old process",
        )
    window = daily[daily["day"] <= horizon]
    days = window["day"].to_numpy()
    growing = {}
    for team, per_day in served_per_day.items():
        start = backlog_start(days, window[f"backlog:{team}"].to_numpy(), per_day)
        if start is not None:
            growing[team] = start
    if growing:
        team = min(growing, key=lambda t: growing[t])
        note = (load_notes or {}).get(team)
        detail = f"the queue at {team} grows without bound" + (f" ({note})" if note else "")
        return Stall("stalled", "backlog", growing[team], detail, team)
    low_trust = held_to_end(days, window["trust"].to_numpy() < criteria.trust_collapse_below, criteria.sustained_days)
    if low_trust is not None:
        return Stall("stalled", "trust_collapse", low_trust, f"trust fell below {criteria.trust_collapse_below:g}")
    drifted = held_to_end(
        days, window["accuracy"].to_numpy() < criteria.drift_below * trained_accuracy, criteria.sustained_days
    )
    if drifted is not None:
        return Stall(
            "stalled",
            "drift",
            drifted,
            f"accuracy fell below {criteria.drift_below:.0%} of its trained level and was not restored",
        )
    if retention is None:
        return Stall("undefined", None, None, "retention is undefined: the pilot's value per case is not above zero")
    if retention < criteria.eroded_below:
        return Stall("eroded", None, None, f"retention {retention:.0%} is below {criteria.eroded_below:.0%}")
    return Stall("scaled")
