"""Working calendars: when a team is at work, and when a piece of work started now will be finished.

Time is in days from a Monday 00:00. A team works ``hours_per_day`` from ``start_hour`` on the first
``days_per_week`` days of each week; work in progress pauses outside the shift and resumes at the next one.
Hand-written because business-calendar libraries count working *days*; this needs working *hours* across shifts,
in constant time per piece of work (whole weeks are skipped at once).
"""

from __future__ import annotations

import math

import numpy as np

from scalesim.scenario.schema import Calendar, Team


class WorkCalendar:
    """Converts working hours into calendar time for one team."""

    __slots__ = ("always_open", "days_per_week", "shift_len", "shift_start")

    def __init__(self, spec: Calendar) -> None:
        self.always_open = spec.always_open
        self.shift_start = spec.start_hour / 24.0
        self.shift_len = spec.hours_per_day / 24.0
        self.days_per_week = spec.days_per_week

    def finish(self, now: float, hours: float) -> float:
        """Calendar time at which ``hours`` of work begun (or queued) at ``now`` are done."""
        if self.always_open:
            return now + hours / 24.0
        need = hours / 24.0
        day = math.floor(now)
        week = self.days_per_week * self.shift_len
        while True:
            if day % 7 == 0 and day >= now and need > 2 * week:  # skip whole weeks of a very long piece of work
                weeks = math.floor(need / week) - 1
                day += 7 * weeks
                need -= weeks * week
            if day % 7 < self.days_per_week:
                begin = max(now, day + self.shift_start)
                end = day + self.shift_start + self.shift_len
                if begin <= end:
                    if need <= end - begin + 1e-12:  # tolerate rounding at the shift end
                        return begin + need
                    need -= end - begin
            day += 1

    def next_open(self, times: np.ndarray) -> np.ndarray:
        """For each time, the first moment at or after it when the team is at work (vectorised ``finish(t, 0)``)."""
        if self.always_open:
            return times.copy()
        day = np.floor(times)
        shift_start = day + self.shift_start
        today = (day % 7 < self.days_per_week) & (times <= shift_start + self.shift_len)
        result = np.where(today, np.maximum(times, shift_start), np.nan)
        following = day + 1
        for _ in range(7):  # the next working day is at most a week away
            pending = np.isnan(result)
            if not pending.any():
                break
            opens = pending & (following % 7 < self.days_per_week)
            result = np.where(opens, following + self.shift_start, result)
            following = np.where(pending & ~opens, following + 1, following)
        return result

    def open_hours(self, start: float, end: float) -> float:
        """Working hours available to one person between two calendar times."""
        if self.always_open:
            return (end - start) * 24.0
        total = 0.0
        for day in range(math.floor(start), math.ceil(end)):
            if day % 7 < self.days_per_week:
                lo = max(start, day + self.shift_start)
                hi = min(end, day + self.shift_start + self.shift_len)
                total += max(0.0, hi - lo)
        return total * 24.0


def next_tick(now: float, every: float, offset: float = 0.0) -> float:
    """The first time ``offset + k * every`` (k = 0, 1, ...) at or after ``now``: batch runs, publications."""
    if now <= offset:
        return offset
    # the tolerance keeps a tick that float rounding put a hair before ``now`` from being skipped; it is then now
    return max(now, offset + math.ceil((now - offset) / every - 1e-12) * every)


class WeekCalendar:
    """The hours of the week a team with a rota can work: every hour in which any of its people is ever at work
    (the rota above 0). Work pauses in the others — the nights and days nobody of the team works — as it pauses
    outside a shift (:class:`WorkCalendar`); a rota decides, within these hours, how many work. Same interface as
    :class:`WorkCalendar`, in constant time per call (open hours are counted by a running sum over the week)."""

    __slots__ = ("always_open", "next_hour", "open", "prefix", "weekly")

    HOURS = 168

    def __init__(self, open_hours: list[bool]) -> None:
        self.open = np.asarray(open_hours, dtype=bool)
        self.prefix = np.concatenate(([0.0], np.cumsum(self.open, dtype=float)))  # open hours before each hour
        self.weekly = float(self.prefix[-1])
        self.always_open = bool(self.open.all())
        # hours from the start of each hour of the week to the start of the next open hour (0 where it is open)
        ahead = np.zeros(self.HOURS)
        for h in range(self.HOURS):
            k = 0
            while not self.open[(h + k) % self.HOURS]:
                k += 1
            ahead[h] = k
        self.next_hour = ahead

    def _counted(self, t: float) -> float:
        """Open hours from time 0 to ``t`` (hours)."""
        hour = math.floor(t)
        slot = hour % self.HOURS
        inside = (t - hour) if self.open[slot] else 0.0
        return (hour // self.HOURS) * self.weekly + float(self.prefix[slot]) + inside

    def open_hours(self, start: float, end: float) -> float:
        """Working hours available to one person between two calendar times (days)."""
        return self._counted(end * 24.0) - self._counted(start * 24.0)

    def finish(self, now: float, hours: float) -> float:
        """Calendar time (days) at which ``hours`` of work begun (or queued) at ``now`` are done."""
        if self.always_open:
            return now + hours / 24.0
        if hours <= 0.0:
            return float(self.next_open(np.array([now]))[0])
        target = self._counted(now * 24.0) + hours
        week, rest = divmod(target, self.weekly)
        if rest <= 1e-9:  # done at the end of a week's last open hour (to rounding)
            week, rest = week - 1, self.weekly
        slot = int(np.searchsorted(self.prefix, rest - 1e-9, side="left")) - 1  # an hour's end, to rounding, is its
        done = (week * self.HOURS + slot + (rest - float(self.prefix[slot]))) / 24.0
        if done < now:  # work too small to move the running sum: done when the team next can work
            return max(now, float(self.next_open(np.array([now]))[0]))
        return done

    def next_open(self, times: np.ndarray) -> np.ndarray:
        """For each time (days), the first moment at or after it when the team can work."""
        days = np.asarray(times, dtype=float)
        hour = np.floor(days * 24.0)
        slot = (hour % self.HOURS).astype(int)
        # the closing instant of an open hour counts as open, as a shift's end does (WorkCalendar): the same time
        # must mean the same thing whichever calendar a team keeps
        closing = (days * 24.0 - hour <= 1e-9) & self.open[(slot - 1) % self.HOURS]
        return np.where(self.open[slot] | closing, days, (hour + self.next_hour[slot]) / 24.0)


Calendars = WorkCalendar | WeekCalendar


def calendar_of(team: Team) -> Calendars:
    """The calendar a team's work keeps: its shift, or the hours its rota has anybody at work."""
    if team.rota is None:
        return WorkCalendar(team.calendar)
    return rota_calendar(team.rota)


def rota_calendar(rota: list[float]) -> WeekCalendar:
    """The hours of the week a team with this rota works: those in which anybody is ever at work."""
    return WeekCalendar([people > 0.0 for people in rota])
