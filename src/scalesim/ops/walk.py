"""A case's walk through a process graph (:mod:`scalesim.scenario.process`): step 5 of the case flow when the
route is a graph.

At each step the case waits its extraneous delay (working hours of the step team's calendar, nobody working on
it), queues at the team and is worked for the step's service time (its parallel work queues at the other teams
at the same time, and the case goes on when the last is done), then the next step is drawn from the row of the
step's ``next`` for this visit.

Random numbers, as everywhere in the flow, are shared by every design (common random numbers): a case's first
visit to a step draws its delay, service and choice from per-case arrays named by the step (``route:<step>``,
``service:step:<step>``), so two designs that send a case to the same step draw alike; repeat visits, whose
number depends on the walk, draw from block streams of the step's name.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from scalesim.ops.cases import Cases
from scalesim.ops.route import MAX_VISITS, Compiled
from scalesim.ops.teams import Station
from scalesim.scenario.distributions import Distribution
from scalesim.scenario.process import Process
from scalesim.scenario.schema import Team


@dataclass(frozen=True)
class Work:
    """One activity of a step: the stations that may work it (the step's team, then teams that take a share of its
    visits, with the shares' running sum), its draws (first visit per case, then a stream)."""

    stations: tuple[Station, ...]
    shares: tuple[float, ...]
    team_first: Sequence[float]
    team_later: Iterator[float]
    activity: str
    first: Sequence[float]
    later: Iterator[float]

    def station(self, i: int, first: bool) -> Station:
        """The team that works this visit of case ``i``."""
        if len(self.stations) == 1:
            return self.stations[0]
        u = self.team_first[i] if first else next(self.team_later)
        for station, bound in zip(self.stations, self.shares, strict=True):
            if u < bound:
                return station
        return self.stations[0]  # the shares of other teams left the step's own team the rest


@dataclass(frozen=True)
class CompiledStep:
    """A step's own work, its parallel work, its delay (hours of its team's calendar) and its route draws."""

    work: Work
    parallel: tuple[Work, ...]
    delay_first: Sequence[float]
    delay_later: Iterator[float]
    delay_after: dict[int, Iterator[float]]  # by the step before (its number)
    has_delay: bool
    choice_first: Sequence[float]
    choice_later: Iterator[float]


class ProcessWalk:
    """Walks cases through one process on one environment's stations."""

    def __init__(
        self,
        env: simpy.Environment,
        process: Process,
        stations: dict[str, Station],
        teams: dict[str, Team],
        cases: Cases,
    ) -> None:
        self.env = env
        self.graph = Compiled(process)
        self._stations = stations
        self._teams = process.teams()
        self.start_u = cases.uniform("route:start")
        blocks = cases.streams.blocks

        def sampler(dist: Distribution) -> Callable[[np.random.Generator, int], np.ndarray]:
            return dist.sample

        def work(
            key: str, team: str, activity: str, service: Distribution | None, shares: list[tuple[str, float]]
        ) -> Work:
            dist = service if service is not None else teams[team].service_hours
            cumulative, total = [], 0.0
            for _, share in shares:
                total += share
                cumulative.append(total)
            return Work(
                tuple(stations[t] for t, _ in shares),
                tuple(cumulative),
                cases.uniform(f"team:step:{key}") if len(shares) > 1 else (),
                blocks(f"process:team:{key}", lambda rng, n: rng.random(n)),
                activity,
                cases.draws(f"service:step:{key}", dist),
                blocks(f"process:service:{key}", sampler(dist)),
            )

        steps = []
        number = {name: k for k, name in enumerate(self.graph.names)}
        for name in self.graph.names:
            step = process.steps[name]
            steps.append(
                CompiledStep(
                    work=work(name, step.team, process.activity(name), step.service_hours, step.team_shares()),
                    parallel=tuple(
                        work(f"{name}:{j}", w.team, w.activity, w.service_hours, [(w.team, 1.0)])
                        for j, w in enumerate(step.parallel)
                    ),
                    delay_first=cases.draws(f"delay:step:{name}", step.delay_hours),
                    delay_later=blocks(f"process:delay:{name}", sampler(step.delay_hours)),
                    delay_after={
                        number[before]: blocks(f"process:delay:{name}<-{before}", sampler(dist))
                        for before, dist in step.delay_after.items()
                    },
                    has_delay=step.delay_hours.mean > 0 or any(d.mean > 0 for d in step.delay_after.values()),
                    choice_first=cases.uniform(f"route:{name}"),
                    choice_later=blocks(f"process:route:{name}", lambda rng, n: rng.random(n)),
                )
            )
        self.steps = steps

    def stations(self) -> list[Station]:
        """Every station the process sends work to, in step order (as :meth:`Process.teams`)."""
        return [self._stations[team] for team in self._teams]

    def walk(self, i: int) -> Generator[simpy.Event, object, bool]:
        """Case ``i`` through the process; True when it ends (goes on to be acted on), False when it is lost."""
        env, graph, steps = self.env, self.graph, self.steps
        counts = [0] * len(steps)
        made = 0
        before = -1
        current = graph.first(self.start_u[i])
        while current >= 0:
            step = steps[current]
            counts[current] += 1
            visit = counts[current]
            made += 1
            first = visit == 1
            own = step.work
            station = own.stations[0] if len(own.stations) == 1 else own.station(i, first)
            enabled = None  # without a delay the work became possible when it queued
            if step.has_delay:
                enabled = env.now
                after = step.delay_after.get(before)  # the wait after that step, where it has its own
                hours = next(after) if after is not None else step.delay_first[i] if first else next(step.delay_later)
                if hours > 0:
                    yield env.timeout(station.calendar.finish(env.now, hours) - env.now)
            hours = own.first[i] if first else next(own.later)
            if not step.parallel:
                yield from station.work(hours, i, own.activity, enabled)
            else:  # AND-split: every piece queues at once; the case goes on when the last is done
                pieces = [env.process(station.work(hours, i, own.activity, enabled))]
                for w in step.parallel:
                    more = w.first[i] if first else next(w.later)
                    pieces.append(env.process(w.station(i, first).work(more, i, w.activity, enabled)))
                yield env.all_of(pieces)
            only = graph.only[current][min(visit, len(graph.only[current])) - 1]
            if only is not None and made < MAX_VISITS:  # a row with one way on draws nothing
                before, current = current, only
                continue
            u = step.choice_first[i] if first else next(step.choice_later)
            before, current = current, graph.choose(current, visit, u, made)
        return current == graph.END
