"""The route a design's cases take: a sequence of handoffs or a process graph, read the same way by the case flow,
the expected load, the plan and the report.

A design's own route (``handoffs`` or ``process``) replaces its environment's; otherwise the environment's
applies. For a graph, what a sequence says by its order is measured instead: the expected visits of each step and
where cases leave, from a fixed number of walks through the graph (:func:`profile`) — the chain of
:mod:`scalesim.scenario.process` depends on each step's visit count, a history no small state space holds, so
its expected visits are estimated, not solved (to about 0.5 % at ``WALKS`` walks; deterministic: the walks draw
from one fixed seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from scalesim.scenario.process import END, LOST, Process
from scalesim.scenario.schema import Design, Handoff, OperatingEnvironment

WALKS = 20_000
MAX_VISITS = 1_000
"""A case that has made this many visits leaves the process at its next choice (``end``). Validation makes a
process whose cases cannot leave impossible; this only bounds a walk whose probabilities keep it going for
longer than any real case (a loop of probability 0.99 at every turn)."""

Route = list[Handoff] | Process


def route_of(environment: OperatingEnvironment, design: Design) -> Route:
    """The route ``design`` sends cases along: its own, else its environment's."""
    if design.process is not None:
        return design.process
    if design.handoffs:
        return design.handoffs
    return environment.process if environment.process is not None else environment.handoffs


def route_teams(route: Route) -> list[str]:
    """Every team the route sends work to, parallel work included, in route order (each once)."""
    if isinstance(route, Process):
        return route.teams()
    return list(dict.fromkeys(team for step in route for team in step.teams))


def acting_team(route: Route) -> str:
    """The team that works a case last before it is acted on: the last handoff's, or the team of the step the
    largest share of a process's cases end at."""
    if isinstance(route, Process):
        ends = profile(route).ends
        return route.steps[max(ends, key=lambda name: ends[name])].team
    return route[-1].team


def describe(route: Route) -> str:
    """The route in one line: ``intake -> adjusters (with fraud)``, or a process's steps and its loops."""
    if isinstance(route, Process):
        seen = profile(route)
        steps = sorted(route.steps, key=lambda name: -seen.visits[name])
        looped = [name for name in steps if seen.visits[name] > seen.cases_visiting[name] + 1e-9]
        text = f"a process of {len(route.steps)} steps ({', '.join(steps[:6])}{', ...' if len(steps) > 6 else ''})"
        return text + (f"; loops back to {', '.join(looped[:4])}" if looped else "")
    return " -> ".join(h.team + (f" (with {', '.join(h.parallel_with)})" if h.parallel_with else "") for h in route)


@dataclass(frozen=True)
class Profile:
    """What a case does in a process, on average over ``WALKS`` walks: ``visits`` per step, ``cases_visiting``
    (the share of cases that visit a step at all), ``ends`` (the share whose last step it is, among those that
    end) and ``lost`` (the share of cases that leave the process)."""

    visits: dict[str, float]
    cases_visiting: dict[str, float]
    ends: dict[str, float]
    lost: float


@lru_cache(maxsize=64)
def _profile_of(process_json: str) -> Profile:
    process = Process.model_validate_json(process_json)
    compiled = Compiled(process)
    rng = np.random.default_rng(np.random.SeedSequence(20261207))
    uniforms = iter(rng.random(WALKS * 64).tolist())
    visits = np.zeros(len(compiled.names))
    visiting = np.zeros(len(compiled.names))
    ends = np.zeros(len(compiled.names))
    lost = 0
    for _ in range(WALKS):
        counts = [0] * len(compiled.names)
        step = compiled.first(next(uniforms, 0.5))
        last = step
        while step >= 0:
            counts[step] += 1
            last = step
            step = compiled.choose(step, counts[step], next(uniforms, 0.5), sum(counts))
        visits += counts
        visiting += np.asarray(counts) > 0
        if step == compiled.LOST:
            lost += 1
        else:
            ends[last] += 1
    names = compiled.names
    finished = max(WALKS - lost, 1)
    return Profile(
        visits={n: float(v / WALKS) for n, v in zip(names, visits, strict=True)},
        cases_visiting={n: float(v / WALKS) for n, v in zip(names, visiting, strict=True)},
        ends={n: float(v / finished) for n, v in zip(names, ends, strict=True)},
        lost=lost / WALKS,
    )


def profile(process: Process) -> Profile:
    """The expected visits of each step, where cases end and the share lost (module docstring; cached)."""
    return _profile_of(process.model_dump_json())


class Compiled:
    """A process as flat tables the case flow reads: steps by number, each row of ``next`` as its cumulative
    probabilities and the step numbers they lead to (``END`` and ``LOST`` as negative numbers)."""

    END = -1
    LOST = -2

    def __init__(self, process: Process) -> None:
        self.names = list(process.steps)
        number = {name: k for k, name in enumerate(self.names)}
        number[END] = self.END
        number[LOST] = self.LOST

        def table(row: dict[str, float]) -> tuple[tuple[float, ...], tuple[int, ...]]:
            cumulative, total = [], 0.0
            for p in row.values():
                total += p
                cumulative.append(total)
            cumulative[-1] = 1.0  # a row sums to one within the validation's tolerance: close it exactly
            return tuple(cumulative), tuple(number[t] for t in row)

        self.start = table(process.start)
        self.rows = [[table(row) for row in process.steps[name].next] for name in self.names]
        # a row whose one way on has probability 1 needs no draw: its step number, else None
        self.only = [[targets[0] if len(targets) == 1 else None for _, targets in rows] for rows in self.rows]

    @staticmethod
    def _pick(row: tuple[tuple[float, ...], tuple[int, ...]], u: float) -> int:
        cumulative, targets = row
        for bound, target in zip(cumulative, targets, strict=True):
            if u < bound:
                return target
        return targets[-1]

    def first(self, u: float) -> int:
        """The first step of a case whose draw is ``u``."""
        return self._pick(self.start, u)

    def choose(self, step: int, visit: int, u: float, made: int) -> int:
        """The step after the ``visit``-th visit to ``step`` for a draw ``u``, after ``made`` visits in all."""
        if made >= MAX_VISITS:
            return self.END
        rows = self.rows[step]
        return self._pick(rows[min(visit, len(rows)) - 1], u)
