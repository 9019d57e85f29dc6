"""Weekly time series of a run: value by cohort, the state (trust, adoption, accuracy) and each team.

Only whole weeks are reported: a last, partial week (a 365-day year ends one day into week 53) holds a day's
cases and would be drawn as a collapse of value. Value weeks end with the horizon (no case arrives after it);
team weeks run on through the drain period, where queues empty.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from scalesim.ops.calendar import WorkCalendar
from scalesim.ops.ledger import Ledger
from scalesim.ops.rota import capacity_hours
from scalesim.scenario.schema import Team

WEEK = 7.0


def weekly_state(
    daily: pd.DataFrame,
    arrival: np.ndarray,
    pilot: Ledger,
    production: Ledger,
    horizon: float,
    pilot_volume: float = 1.0,
) -> pd.DataFrame:
    """Per whole week of the horizon: arrivals, pilot-projected and production value of that week's cases, value
    realized in the week, and the mean trust, adoption, accuracy and share routed through the model.

    ``pilot_volume`` is the share of cases the pilot worked; its value is scaled up to the full volume.
    """
    weeks = int(horizon // WEEK)
    week = (daily["day"] // WEEK).astype(int)
    state = daily.assign(week=week)[week < weeks]
    out = state.groupby("week")[["trust", "adoption", "accuracy", "routed_share"]].mean()
    out = out.reindex(range(weeks))
    cohort = (arrival // WEEK).astype(int)
    inside = cohort < weeks
    realized_at = production.end
    done = ~np.isnan(realized_at)
    realized_week = np.where(done, realized_at // WEEK, weeks).astype(int)
    in_window = done & (realized_week < weeks)
    out.insert(0, "arrivals", np.bincount(cohort[inside], minlength=weeks))
    pilot_value = np.bincount(cohort[inside], weights=pilot.value[inside], minlength=weeks) / pilot_volume
    out.insert(1, "pilot_value", pilot_value)
    out.insert(2, "production_value", np.bincount(cohort[inside], weights=production.value[inside], minlength=weeks))
    out.insert(
        3,
        "realized_in_week",
        np.bincount(realized_week[in_window], weights=production.value[in_window], minlength=weeks),
    )
    out.index.name = "week"
    return out.reset_index()


def weekly_teams(daily: pd.DataFrame, teams: dict[str, Team], staff: dict[str, int]) -> pd.DataFrame:
    """Per week and team: mean number of cases at the team (waiting or in service) and utilisation."""
    days = daily["day"].to_numpy()
    week = (days[:-1] // WEEK).astype(int)
    whole = week < int(days[-1] // WEEK)  # the last, partial week is left out
    rows = []
    for name, team in teams.items():
        busy = np.diff(daily[f"busy_hours:{name}"].to_numpy())
        if team.rota is None:
            calendar = WorkCalendar(team.calendar)
            open_hours = np.array([calendar.open_hours(a, b) for a, b in itertools.pairwise(days)]) * staff[name]
        else:
            open_hours = np.array([capacity_hours(team, staff[name], a, b) for a, b in itertools.pairwise(days)])
        backlog = daily[f"backlog:{name}"].to_numpy()[:-1]
        frame = pd.DataFrame({"week": week, "busy": busy, "open": open_hours, "backlog": backlog})[whole]
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
