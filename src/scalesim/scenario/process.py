"""The route as a process: a graph of steps with choices, loops, parallel work and ends.

A linear route (``handoffs``) is the simplest process: one step after another. A real process, as an event log
shows it, chooses between steps, goes back to earlier ones (a call-back, a correction) and ends in more than one
place. ``process`` describes that graph:

- **steps**: each an activity worked by a team (a pool of people), with its own service time (default: the
  team's), an optional **delay** before it (working hours of the team's calendar in which the case waits with
  nobody working on it, although a person is free: an *extraneous delay*, Chapela-Campa & Dumas 2024), and
  optional **parallel** work (other activities of other teams on the same case at the same time: an AND-split
  whose join is the last of them to finish, workflow patterns 2 and 3, van der Aalst et al. 2003);
- **choices**: after a step, the next step (or ``end``: the case is through the process and goes on to approval
  and acting; or ``lost``: it leaves the process, nothing is acted on) is drawn with the probabilities of the
  step's ``next``;
- **loops with the right counts**: a first-order chain (the next step depends on the current one only) gives
  every loop a geometric number of turns, which real processes do not follow (a case is called back 0, 1 or 9
  times). So the choice depends on the step *and how often the case has been there*: ``next`` is a list whose
  k-th row applies on the k-th visit to the step, and whose last row applies to every later visit. This is a
  transition system with a state abstraction of the case's history (the current activity and its visit count;
  van der Aalst et al. 2010, *Process mining: a two-step approach to balance between underfitting and
  overfitting*), the least history that reproduces the loop-count distributions a log shows.

Validation refuses, with the step named: a name that is no step, a row whose probabilities do not sum to one, a
step no case can reach, and a loop no case can leave.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from scalesim.scenario.base import Model, Name
from scalesim.scenario.distributions import Distribution, Fixed
from scalesim.scenario.numbers import Probability
from scalesim.scenario.paths import suggest

END = "end"
"""The case is through the process: it goes on to approval (if any) and the acting team."""
LOST = "lost"
"""The case leaves the process (a rejection, a cancellation): nothing is acted on."""
EXITS = (END, LOST)
SUM_TOLERANCE = 1e-6
Activity = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ParallelWork(Model):
    """An activity another team works on the case at the same time as the step's own."""

    activity: Activity
    team: Name
    service_hours: Distribution | None = Field(None, description="working hours of one piece (default: the team's)")


class Step(Model):
    """One step of a process: an activity a team works, with the choice of what comes next."""

    team: Name
    shared: dict[Name, Probability] = Field(
        default_factory=dict,
        description="other teams that work a share of the step's visits (the rest is the step's own team's)",
    )
    activity: Activity | None = Field(None, description="the activity's name in an event log (default: the step's)")
    service_hours: Distribution | None = Field(None, description="working hours of one piece (default: the team's)")
    delay_hours: Distribution = Field(
        Fixed(value=0.0),
        description="working hours of the team's calendar the case waits before the step with nobody working on it",
    )
    delay_after: dict[Name, Distribution] = Field(
        default_factory=dict,
        description="the delay when the case comes from that step (instead of delay_hours), by the step before",
    )
    parallel: list[ParallelWork] = Field(default_factory=list, max_length=16)
    next: list[dict[str, Probability]] = Field(
        min_length=1,
        max_length=100,
        description="probabilities of the next step (or end / lost) on the 1st, 2nd, ... visit; the last row "
        "applies to every later visit",
    )

    @model_validator(mode="after")
    def _rows_sum_to_one(self) -> Step:
        shared = math.fsum(self.shared.values())
        if shared > 1.0 + SUM_TOLERANCE:
            raise ValueError(f"shared: the shares of other teams sum to {shared:.6g}, more than 1")
        for k, row in enumerate(self.next):
            total = math.fsum(row.values())
            if not row or abs(total - 1.0) > SUM_TOLERANCE:
                raise ValueError(f"next.{k}: the probabilities sum to {total:.6g}, not 1 (visit {k + 1}: {dict(row)})")
        return self

    def team_shares(self) -> list[tuple[str, float]]:
        """Each team that works the step's own activity and the share of visits it takes, the step's team first."""
        return [(self.team, max(0.0, 1.0 - math.fsum(self.shared.values()))), *self.shared.items()]


class Process(Model):
    """A route as a graph of steps (module docstring)."""

    start: dict[str, Probability] = Field(min_length=1, description="probabilities of the first step")
    steps: dict[Name, Step] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _a_graph_cases_can_go_through(self) -> Process:
        names = list(self.steps)
        problems: list[str] = []

        def known(path: str, target: str, exits: bool) -> None:
            if target not in self.steps and not (exits and target in EXITS):
                allowed = [*names, *EXITS] if exits else names
                problems.append(
                    f"{path}: unknown step {target!r}{suggest(target, allowed)}; steps: {', '.join(names[:20])}"
                    + (f" (or {' / '.join(EXITS)})" if exits else "")
                )

        total = math.fsum(self.start.values())
        if abs(total - 1.0) > SUM_TOLERANCE:
            problems.append(f"start: the probabilities sum to {total:.6g}, not 1")
        for target in self.start:
            known(f"start.{target}", target, exits=False)
        for name, step in self.steps.items():
            for k, row in enumerate(step.next):
                for target in row:
                    known(f"steps.{name}.next.{k}.{target}", target, exits=True)
            for before in step.delay_after:
                known(f"steps.{name}.delay_after.{before}", before, exits=False)
        if problems:
            raise ValueError("\n  ".join(problems))
        reached = _reachable([t for t, p in self.start.items() if p > 0], self._edges(every_row=True))
        for name in names:
            if name not in reached:
                problems.append(f"steps.{name}: no case can reach this step (nothing leads to it with a probability)")
        # every case must be able to leave: from every step, an exit is reachable along the rows that apply to
        # visits from the last row on (the rows a loop that turns forever would use)
        final = self._edges(every_row=False)
        for name in names:
            if name in reached and not (_reachable([name], final) & set(EXITS)):
                problems.append(
                    f"steps.{name}: a loop no case can leave: from here no path of later visits reaches "
                    f"{' or '.join(EXITS)} (give the last row of 'next' of a step on the loop a way out)"
                )
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def _edges(self, every_row: bool) -> dict[str, set[str]]:
        """Where each step leads with a positive probability, over every row or over its last row only."""
        return {
            name: {t for row in (step.next if every_row else step.next[-1:]) for t, p in row.items() if p > 0}
            for name, step in self.steps.items()
        }

    def teams(self) -> list[str]:
        """Every team the process sends work to, parallel work included, in the order of the steps."""
        teams = [t for step in self.steps.values() for t in (step.team, *step.shared, *(w.team for w in step.parallel))]
        return list(dict.fromkeys(teams))

    def activity(self, name: str) -> str:
        """The activity of step ``name`` as an event log names it."""
        return self.steps[name].activity or name


def _reachable(sources: list[str], edges: dict[str, set[str]]) -> set[str]:
    """Every node reachable from ``sources`` (included) along ``edges``."""
    seen = set(sources)
    frontier = list(sources)
    while frontier:
        for target in edges.get(frontier.pop(), ()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
