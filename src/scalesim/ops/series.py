"""Weekly time series of a run: value by cohort, the state (trust, adoption, accuracy) and each team."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from scalesim.ops.calendar import WorkCalendar
from scalesim.ops.ledger import Ledger
from scalesim.scenario.schema import Team

WEEK = 7.0


def weekly_state(daily: pd.DataFrame, arrival: np.ndarray, pilot: Ledger, production: Ledger) -> pd.DataFrame:
    """Per week: arrivals, pilot-projected and production value of that week's cases, value realized in the week,
    and the mean trust, adoption, accuracy and share routed through the model."""
    week = (daily["day"] // WEEK).astype(int)
    out = daily.assign(week=week).groupby("week")[["trust", "adoption", "accuracy", "routed_share"]].mean()
    weeks = len(out)
    cohort = np.minimum((arrival // WEEK).astype(int), weeks - 1)
    realized_at = production.end
    done = ~np.isnan(realized_at)
    out.insert(0, "arrivals", np.bincount(cohort, minlength=weeks))
    out.insert(1, "pilot_value", np.bincount(cohort, weights=pilot.value, minlength=weeks))
    out.insert(2, "production_value", np.bincount(cohort, weights=production.value, minlength=weeks))
    out.insert(
        3,
        "realized_in_week",
        np.bincount(
            np.minimum((realized_at[done] // WEEK).astype(int), weeks - 1),
            weights=production.value[done],
            minlength=weeks,
        ),
    )
    return out.reset_index()


def weekly_teams(daily: pd.DataFrame, teams: dict[str, Team]) -> pd.DataFrame:
    """Per week and team: mean number of cases at the team (waiting or in service) and utilisation."""
    days = daily["day"].to_numpy()
    week = (days[:-1] // WEEK).astype(int)
    rows = []
    for name, team in teams.items():
        calendar = WorkCalendar(team.calendar)
        busy = np.diff(daily[f"busy_hours:{name}"].to_numpy())
        open_hours = np.array([calendar.open_hours(a, b) for a, b in itertools.pairwise(days)])
        backlog = daily[f"backlog:{name}"].to_numpy()[:-1]
        frame = pd.DataFrame({"week": week, "busy": busy, "open": open_hours * team.staff, "backlog": backlog})
        grouped = frame.groupby("week").agg(busy=("busy", "sum"), open=("open", "sum"), backlog=("backlog", "mean"))
        utilisation = (grouped["busy"] / grouped["open"].where(grouped["open"] > 0)).to_numpy()
        rows.append(
            pd.DataFrame(
                {
                    "week": grouped.index,
                    "team": name,
                    "backlog": grouped["backlog"].to_numpy(),
                    "utilisation": utilisation,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)
