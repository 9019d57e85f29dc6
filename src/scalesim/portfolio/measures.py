"""What one replication of a portfolio produced: its funnel figures and its monthly series, from the initiatives."""

from __future__ import annotations

import math
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
    Operation,
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
    "survival_1y",
    "survival_2y",
    "survival_3y",
    "explicit_kills",
    "quiet_stalls",
    "share_reaching_production",
    "time_to_production_mean",
    "time_to_production_median",
    "time_to_production_p90",
    "money_spent",
    "money_never_produced",
    "value_per_year",
)


SURVIVAL_YEARS = (1, 2, 3)


def simulate_portfolio(
    spec: PortfolioScenario, operations: dict[str, tuple[Operation, ...]], seed: Any
) -> list[Initiative]:
    env = simpy.Environment()
    portfolio = Portfolio(env, spec, operations, Streams(seed))
    env.run(until=spec.run.years * 365.0 + spec.run.follow_up_days)
    return portfolio.finish()


def figures(spec: PortfolioScenario, initiatives: list[Initiative]) -> dict[str, float]:
    """The funnel, conversion, time to production, money and value of one replication."""
    end = spec.run.years * 365.0 + spec.run.follow_up_days
    frame = (
        pd.DataFrame([vars(x) for x in initiatives]) if initiatives else pd.DataFrame(columns=[*vars(Initiative(0.0))])
    )
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
        **{f"survival_{k}y": survival(frame, end, 365.0 * k) for k in SURVIVAL_YEARS},
        "explicit_kills": int(frame["fate"].isin(EXPLICIT_KILLS).sum()),
        "quiet_stalls": int(frame["fate"].isin(QUIET_STALLS).sum()),
        "share_reaching_production": float(produced[started].mean()) if started.any() else math.nan,
        "time_to_production_mean": float(ttp.mean()) if len(ttp) else math.nan,
        "time_to_production_median": float(ttp.median()) if len(ttp) else math.nan,
        "time_to_production_p90": float(ttp.quantile(0.9)) if len(ttp) else math.nan,
        "money_spent": float(frame["spent"].sum()),
        "money_never_produced": float(frame.loc[~produced, "spent"].sum()),
        "value_per_year": float(frame["value"].sum() / (end / 365.0)),
    } | {f"fate_{f}": int((frame["fate"] == f).sum()) for f in INITIATIVE_FATES}


def survival(frame: pd.DataFrame, end: float, after: float) -> float:
    """Share of the initiatives that went live at least ``after`` days before the end and were still in
    production ``after`` days after go-live (NaN when none went live early enough to tell)."""
    observable = frame["production"].notna() & (frame["production"] + after <= end)
    if not observable.any():
        return math.nan
    rows = frame[observable]
    left = rows["fate"].isin(LEFT_PRODUCTION) & (rows["fate_day"] < rows["production"] + after)
    return float(1.0 - left.mean())


def archive_series(spec: PortfolioScenario, initiatives: list[Initiative]) -> pd.DataFrame:
    """Per month: initiatives archived so far, in production so far, pilots started so far."""
    months = math.ceil((spec.run.years * 365.0 + spec.run.follow_up_days) / 30.0)
    edges = np.arange(1, months + 1) * 30.0
    archived = np.array([x.fate_day for x in initiatives if x.fate == "archived"])
    produced = np.array([x.production for x in initiatives if not math.isnan(x.production)])
    started = np.array([x.pilot_start for x in initiatives if not math.isnan(x.pilot_start)])
    return pd.DataFrame(
        {
            "month": np.arange(1, months + 1),
            "archived": [int((archived <= e).sum()) for e in edges],
            "in_production": [int((produced <= e).sum()) for e in edges],
            "pilots_started": [int((started <= e).sum()) for e in edges],
        }
    )
