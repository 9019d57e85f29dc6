"""What one replication of a portfolio produced: its funnel figures and its monthly series, from the initiatives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import simpy

from scalesim.ops.streams import Streams
from scalesim.portfolio.model import (
    EXPLICIT_KILLS,
    INITIATIVE_FATES,
    LEFT_PRODUCTION,
    QUIET_STALLS,
    Initiative,
    Operations,
    Portfolio,
)
from scalesim.portfolio.schema import PortfolioScenario

FIGURES = (
    "proposed",
    "started",
    "demoed",
    "endorsed",
    "reached_production",
    "delivering",
    "retired",
    "relaunched",
    "kept_at_low_value",
    "owner_lost",
    "survival_1y",
    "survival_2y",
    "survival_3y",
    "explicit_kills",
    "quiet_stalls",
    "late_arrivals",
    "share_reaching_production",
    "time_to_production_mean",
    "time_to_production_median",
    "time_to_production_p90",
    "money_spent",
    "money_never_produced",
    "value_per_year",
)


SURVIVAL_YEARS = (1, 2, 3)
LATE_AFTER_DAYS = 365.0
"""An initiative that reaches production more than a year after its pilot started is a *late arrival* (a
definition: half as long again as the published eight months on average)."""


def simulate_portfolio(spec: PortfolioScenario, operations: Operations, seed: Any) -> list[Initiative]:
    env = simpy.Environment()
    portfolio = Portfolio(env, spec, operations, Streams(seed))
    env.run(until=spec.run.years * 365.0 + spec.run.follow_up_days)
    return portfolio.finish()


def figures(spec: PortfolioScenario, initiatives: list[Initiative]) -> dict[str, float]:
    """The funnel, conversion, time to production, money and value of one replication."""
    end = spec.run.years * 365.0 + spec.run.follow_up_days
    frame = initiative_frame(initiatives)
    started = frame["pilot_start"].notna()
    produced = frame["production"].notna()
    ttp = (frame["production"] - frame["pilot_start"])[produced]
    return {
        "proposed": len(frame),
        "started": int(started.sum()),
        "demoed": int(frame["demo"].notna().sum()),
        "endorsed": int(frame["endorsed"].notna().sum()),
        "reached_production": int(produced.sum()),
        "delivering": int((frame["fate"] == "delivering").sum()),
        "retired": int((frame["fate"] == "retired").sum()),
        "relaunched": int(frame["relaunched"].notna().sum()),
        "kept_at_low_value": int((frame["kept_at_low_value"] > 0).sum()),
        "owner_lost": int(frame["owner_lost"].notna().sum()),
        **dict(zip(SURVIVAL_FIGURES, survival(frame, SURVIVAL_DAYS), strict=True)),
        "explicit_kills": int(frame["fate"].isin(EXPLICIT_KILLS).sum()),
        "quiet_stalls": int(frame["fate"].isin(QUIET_STALLS).sum()),
        "late_arrivals": int((ttp > LATE_AFTER_DAYS).sum()),
        "share_reaching_production": float(produced[started].mean()) if started.any() else math.nan,
        "time_to_production_mean": float(ttp.mean()) if len(ttp) else math.nan,
        "time_to_production_median": float(ttp.median()) if len(ttp) else math.nan,
        "time_to_production_p90": float(ttp.quantile(0.9)) if len(ttp) else math.nan,
        "money_spent": float(frame["spent"].sum()),
        "money_never_produced": float(frame.loc[~produced, "spent"].sum()),
        "value_per_year": float(frame["value"].sum() / (end / 365.0)),
    } | {f"fate_{f}": int((frame["fate"] == f).sum()) for f in INITIATIVE_FATES}


SURVIVAL_DAYS = tuple(365.0 * k for k in SURVIVAL_YEARS)
SURVIVAL_FIGURES = tuple(f"survival_{k}y" for k in SURVIVAL_YEARS)


def lives(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each go-live's time in production and whether it ended there (left production) or was censored: at the
    end of the run, or where its operation's simulation ended — a review past it judges extrapolated value, so
    what it decides is not an observed end either."""
    live = frame[frame["production"].notna()]
    ended = live["fate"].isin(LEFT_PRODUCTION) & (live["fate_day"] <= live["observed_until"])
    until = live["fate_day"].where(ended, live["observed_until"])
    return (until - live["production"]).to_numpy(float), ended.to_numpy(bool)


def initiative_frame(initiatives: list[Initiative]) -> pd.DataFrame:
    """The initiatives as a table, one row each (the columns of :class:`Initiative` even when there are none)."""
    if not initiatives:
        return pd.DataFrame(columns=[*vars(Initiative(0.0))])
    return pd.DataFrame([vars(x) for x in initiatives])


def survival(frame: pd.DataFrame, days: Sequence[float]) -> list[float]:
    """Kaplan-Meier estimates of the share still in production ``days`` after go-live (NaN where the data end
    before it, or nothing went live)."""
    durations, ended = lives(frame)
    return kaplan_meier(durations, ended, days).tolist()


def kaplan_meier(durations: np.ndarray, ended: np.ndarray, times: Sequence[float]) -> np.ndarray:
    """The product-limit estimate S(t) at each of ``times`` (Kaplan & Meier 1958): over the times ``u <= t`` at
    which lives ended, the product of ``1 - ended(u) / at_risk(u)``, where a life censored at ``u`` is still at
    risk at ``u``. Undefined (NaN) past the longest observation unless the estimate has reached zero, and with no
    lives at all."""
    t = np.asarray(times, dtype=float)
    if len(durations) == 0:
        return np.full(t.shape, math.nan)
    order = np.sort(durations)
    event_times, deaths = np.unique(durations[ended], return_counts=True)
    at_risk = len(order) - np.searchsorted(order, event_times, side="left")
    steps = np.concatenate(([1.0], np.cumprod(1.0 - deaths / at_risk)))  # before the first end, and after each
    estimate = steps[np.searchsorted(event_times, t, side="right")]
    return np.where((t > order[-1]) & (estimate > 0.0), math.nan, estimate)


def archive_series(spec: PortfolioScenario, initiatives: list[Initiative]) -> pd.DataFrame:
    """Per month: initiatives archived so far, reached production so far, pilots started so far, and live (in
    production at the month's end: went live and not yet decommissioned or retired)."""
    months = math.ceil((spec.run.years * 365.0 + spec.run.follow_up_days) / 30.0)
    edges = np.arange(1, months + 1) * 30.0
    archived = np.array([x.fate_day for x in initiatives if x.fate == "archived"])
    produced = np.array([x.production for x in initiatives if not math.isnan(x.production)])
    started = np.array([x.pilot_start for x in initiatives if not math.isnan(x.pilot_start)])
    left = np.array([x.fate_day if x.fate in LEFT_PRODUCTION else math.inf for x in initiatives])
    left = left[[not math.isnan(x.production) for x in initiatives]]
    return pd.DataFrame(
        {
            "month": np.arange(1, months + 1),
            "archived": [int((archived <= e).sum()) for e in edges],
            "in_production": [int((produced <= e).sum()) for e in edges],
            "pilots_started": [int((started <= e).sum()) for e in edges],
            "live": [int(((produced <= e) & (left > e)).sum()) for e in edges],
        }
    )
