"""Time in a log as the simulation counts it: days from a Monday, and a piece of work's working hours on its
team's calendar (the night and the weekend are not work)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scalesim.ops.calendar import Calendars, WorkCalendar


def as_days(durations: pd.Series) -> np.ndarray:
    """Timedeltas as days (floats)."""
    return durations.dt.total_seconds().to_numpy(dtype=float) / 86400.0


def week_start(first: pd.Timestamp) -> pd.Timestamp:
    """Monday 00:00 of the week of ``first``: day 0 of a working calendar (``WorkCalendar``: weekday = day % 7)."""
    return first.normalize() - pd.Timedelta(days=int(first.weekday()))


def working_hours(events: pd.DataFrame, calendars: Mapping[str, Calendars]) -> np.ndarray:
    """Each event's duration in its team's working hours: work that runs past the end of a shift pauses until the
    next one, as in the simulation (``WorkCalendar``), so the night is not counted as work."""
    monday = week_start(events["start"].min())
    start = as_days(events["start"] - monday)
    end = as_days(events["end"] - monday)
    hours = (end - start) * 24.0
    teams = events["team"].to_numpy()
    for team, calendar in calendars.items():
        if calendar.always_open:
            continue
        if not isinstance(calendar, WorkCalendar):  # a rota's hours of the week: each piece counted
            for i in np.flatnonzero(teams == team):
                hours[i] = calendar.open_hours(start[i], end[i])
            continue
        lo, hi = calendar.shift_start, calendar.shift_start + calendar.shift_len
        day = np.floor(start)
        inside = (np.floor(end) == day) & (start - day >= lo) & (end - day <= hi) & (day % 7 < calendar.days_per_week)
        for i in np.flatnonzero((teams == team) & ~inside):
            hours[i] = calendar.open_hours(start[i], end[i])
    return hours
