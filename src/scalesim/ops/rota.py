"""A team's rota: how many of its people are at work in each hour of the week (``Team.rota``), and the staff hours
that gives between two moments, for a team with a rota or a calendar alike.

The people at work in an hour are drawn once, at the hour: the rota's whole part plus one more with its fractional
part as the probability (probabilistic availability calendars, López-Pintado & Dumas 2022), from the team's own
named stream, so every design sees the same presence (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from scalesim.ops.calendar import WorkCalendar
from scalesim.ops.streams import Streams
from scalesim.scenario.schema import HOURS_OF_WEEK, Team

HOUR = 1.0 / 24.0


def scaled(team: Team, staff: int) -> np.ndarray:
    """The team's rota for ``staff`` people (a rota scales with the team's size)."""
    assert team.rota is not None
    return np.asarray(team.rota, dtype=float) * (staff / team.staff)


def capacity_hours(team: Team, staff: int, start: float, end: float) -> float:
    """Hours of people at work between calendar times ``start`` and ``end`` (days): the rota's expected presence, or
    ``staff`` times the calendar's open hours."""
    if team.rota is None:
        return staff * WorkCalendar(team.calendar).open_hours(start, end)
    rota = scaled(team, staff)
    first, last = math.floor(start * 24.0), math.ceil(end * 24.0)
    total = 0.0
    if last - first > 2 * HOURS_OF_WEEK:  # whole weeks at once
        weeks = (last - first) // HOURS_OF_WEEK - 1
        total += weeks * float(rota.sum())
        first += weeks * HOURS_OF_WEEK
    for hour in range(first, last):
        overlap = min(end * 24.0, hour + 1.0) - max(start * 24.0, float(hour))
        if overlap > 0:
            total += rota[hour % HOURS_OF_WEEK] * overlap
    return total


def presence(
    env: simpy.Environment, team: Team, staff: int, streams: Streams, name: str, set_capacity: object
) -> Generator[simpy.Event, object, None]:
    """A SimPy process: at every hour, the people at work that hour, told to ``set_capacity`` (a station's
    :meth:`~scalesim.ops.teams.Station.staff_at_work`)."""
    rota = scaled(team, staff)
    whole = np.floor(rota).astype(int).tolist()
    fraction = (rota - np.floor(rota)).tolist()
    draws = streams.blocks(f"rota:{name}", lambda rng, n: rng.random(n))
    hour = 0
    while True:
        slot = hour % HOURS_OF_WEEK
        extra = 1 if fraction[slot] > 0 and next(draws) < fraction[slot] else 0
        set_capacity(whole[slot] + extra)  # type: ignore[operator]
        hour += 1
        yield env.timeout(hour * HOUR - env.now)
