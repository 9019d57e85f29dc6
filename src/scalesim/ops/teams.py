"""Teams as first-come-first-served pools of people, staffed, working to a calendar, with the counters
verification needs.

A team is a multi-server FIFO queue on SimPy's clock, written out rather than taken from ``simpy.Resource``
because most pieces of work find a person free: SimPy's resource spends two scheduled events on such work (the
granted request, and the release) that carry no time and no queueing. Here a free person starts at once, and a
waiting case waits on one plain event that the person finishing before it succeeds — the same order, first come
first served, as SimPy's resource (its verification against Erlang C and Jackson networks is unchanged).

Statistics follow the usual warm-up convention of discrete-event simulation (Law 2015, *Simulation Modeling and
Analysis*, 5th ed., sec. 9.5.1): every counter is cleared at the end of the warm-up, so served cases, waits,
time in system, the time-average number present and utilisation all describe the period after it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from scalesim.ops.calendar import calendar_of
from scalesim.ops.eventlog import EventLog
from scalesim.ops.rota import capacity_hours, presence
from scalesim.ops.streams import Streams
from scalesim.scenario.schema import Team


@dataclass(frozen=True)
class TeamStats:
    """What one team did over a run (aggregates only; cheap enough to keep on every run)."""

    team: str
    staff: int
    served: int
    mean_wait_days: float
    mean_sojourn_days: float
    utilisation: float  # over the arrival period (the horizon): the drain would dilute it
    mean_in_system: float  # over the whole run: time-average number of cases at the team (L)
    arrival_rate: float  # over the whole run: cases reaching the team per day (lambda)
    in_system_at_end: int


class Station:
    """One team: ``staff`` people working cases first come, first served, during their shifts."""

    __slots__ = (
        "area",
        "arrived",
        "at_work",
        "busy_hours",
        "calendar",
        "env",
        "excess",
        "experience",
        "free",
        "in_service",
        "last_change",
        "learning_exponent",
        "log",
        "name",
        "present",
        "served",
        "since",
        "sojourn_total",
        "spec",
        "staff",
        "started",
        "ticket",
        "wait_total",
        "waiting",
        "work_at_horizon",
        "work_at_warmup",
    )

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        spec: Team,
        staff: int | None = None,
        log: EventLog | None = None,
        streams: Streams | None = None,
    ) -> None:
        self.env = env
        self.log = log
        self.name = name
        self.spec = spec
        self.staff = spec.staff if staff is None else staff
        self.free = self.staff  # people at work and not working on a case right now (below 0: more busy than at work)
        self.at_work = self.staff  # people at work now (a rota changes it by the hour)
        self.waiting: deque[simpy.Event] = deque()  # cases waiting for a person, first come first served
        self.in_service: dict[int, tuple[float, float]] = {}  # ticket -> (hours, started) of the work going on
        self.ticket = 0
        self.calendar = calendar_of(spec)
        self.arrived = 0
        self.started = 0
        self.served = 0
        self.wait_total = 0.0
        self.sojourn_total = 0.0
        self.busy_hours = 0.0  # of finished services
        self.present = 0  # cases at the team now
        self.area = 0.0  # integral of ``present`` over time, updated at every change
        self.last_change = 0.0
        self.work_at_horizon: float | None = None
        self.work_at_warmup = 0.0
        self.since = 0.0  # statistics cover the time from here (the end of the warm-up)
        self.excess = 0.0  # learning curve: extra time of the first case, as a share of the steady state
        self.learning_exponent = 0.0
        self.experience = 0  # cases worked in the new process (never cleared: people keep what they learned)
        if spec.rota is not None:
            if streams is None:
                raise ValueError(f"team {name!r} has a rota: its station needs the run's streams to draw presence")
            env.process(presence(env, spec, self.staff, streams, name, self.staff_at_work))

    def staff_at_work(self, people: int) -> None:
        """From now on ``people`` are at work (a rota's hour): cases waiting start on the places that opened; where
        fewer are at work than busy, those busy finish their piece and nobody new starts."""
        self.free += people - self.at_work
        self.at_work = people
        while self.free > 0 and self.waiting:
            self.free -= 1
            self.waiting.popleft().succeed()

    def learn(self, initial_time_factor: float, learning_rate: float) -> None:
        """From now on case work follows a learning curve (``GoLive``): the n-th case takes
        ``1 + excess x n^log2(learning_rate)`` times its steady-state time."""
        self.excess = initial_time_factor - 1.0
        self.learning_exponent = math.log2(learning_rate)

    def work(
        self, hours: float, case: int = -1, activity: str = "", enabled: float | None = None
    ) -> Generator[simpy.Event, object, None]:
        """Queue for a person, then take ``hours`` of their working time (``case`` and ``activity`` name the work
        in the event log, when the run keeps one; ``enabled``, when the work became possible if before it was
        queued: a process step's delay)."""
        env = self.env
        queued = env.now
        self.area += self.present * (queued - self.last_change)
        self.last_change = queued
        self.present += 1
        self.arrived += 1
        if self.excess and case >= 0:
            self.experience += 1
            hours *= 1.0 + self.excess * self.experience**self.learning_exponent
        if self.free > 0 and not self.waiting:
            self.free -= 1  # a person is free: the work starts now
        else:
            turn = env.event()
            self.waiting.append(turn)
            yield turn  # the person who finishes first hands over (see ``finish``)
        started = env.now
        self.started += 1
        self.wait_total += started - queued
        ticket = self.ticket = self.ticket + 1
        self.in_service[ticket] = (hours, started)
        log = self.log
        if log is not None:
            people = log.free[self.name]
            person = people.pop()
        yield env.timeout(self.calendar.finish(started, hours) - started)
        del self.in_service[ticket]
        if self.waiting and self.free >= 0:
            self.waiting.popleft().succeed()  # the person goes straight on to the next case in line
        else:
            self.free += 1  # (with a rota, a person past the hour's presence leaves the place closed)
        if log is not None:
            people.append(person)
            log.done(
                self.name, person, case, activity or self.name, queued if enabled is None else enabled, started, env.now
            )
        self.busy_hours += hours
        self.served += 1
        now = env.now
        self.sojourn_total += now - queued
        self.area += self.present * (now - self.last_change)
        self.last_change = now
        self.present -= 1

    @property
    def backlog(self) -> int:
        """Cases at the team now: waiting, or being worked on."""
        return len(self.waiting) + self.staff - self.free

    def work_done(self, now: float) -> float:
        """Working hours spent up to ``now``: finished services plus the part done of those in progress."""
        in_progress = 0.0
        for hours, started in self.in_service.values():
            in_progress += min(hours, self.calendar.open_hours(started, now))
        return self.busy_hours + in_progress

    def clear_statistics(self) -> None:
        """Called at the end of the warm-up: from here on, every statistic starts from zero."""
        now = self.env.now
        self.work_at_warmup = self.work_done(now)
        self.arrived = self.present
        self.started = self.served = 0
        self.wait_total = self.sojourn_total = 0.0
        self.area = 0.0
        self.last_change = self.since = now

    def mark_horizon(self) -> None:
        """Called when arrivals stop: utilisation is measured up to here."""
        self.work_at_horizon = self.work_done(self.env.now)

    def stats(self, until: float, horizon: float) -> TeamStats:
        """The team's statistics since the warm-up; utilisation up to the horizon, the rest up to ``until``."""
        capacity = capacity_hours(self.spec, self.staff, self.since, horizon)
        worked = self.work_at_horizon if self.work_at_horizon is not None else self.work_done(until)
        length = until - self.since
        return TeamStats(
            team=self.name,
            staff=self.staff,
            served=self.served,
            mean_wait_days=self.wait_total / max(self.started, 1),
            mean_sojourn_days=self.sojourn_total / max(self.served, 1),
            utilisation=(worked - self.work_at_warmup) / capacity if capacity > 0 else float("nan"),
            mean_in_system=(self.area + self.present * (until - self.last_change)) / length,
            arrival_rate=self.arrived / length,
            in_system_at_end=self.present,
        )
