"""One unit of experiment work: every design of one parameter point on one replication's streams.

A task is a pure function of (scenario, designs, root seed, replication), so it gives the same rows in this
process, in a pool worker or on a dask worker, in any order. Running all designs of a replication in one task
keeps them on common random numbers and makes tasks long enough (~1 s or more) to be worth shipping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalesim.ops.pilotpass import PilotPasses
from scalesim.ops.run import simulate
from scalesim.scenario.schema import Scenario


def replication_seed(root: int, replication: int) -> np.random.SeedSequence:
    """The ``replication``-th child of the root seed (the same as ``SeedSequence(root).spawn(n)[replication]``,
    for any n), so adding replications later never changes the earlier ones."""
    return np.random.SeedSequence(entropy=root, spawn_key=(replication,))


@dataclass(frozen=True)
class Task:
    point: int
    replication: int
    scenario: Scenario
    designs: tuple[str, ...]
    root_seed: int
    parameters: tuple[tuple[str, Any], ...] = ()
    keep_weekly: bool = False

    @property
    def key(self) -> str:
        return task_key(self.point, self.replication)


def task_key(point: int, replication: int) -> str:
    return f"p{point:05d}-r{replication:05d}"


@dataclass(frozen=True)
class TaskOutput:
    key: str
    rows: pd.DataFrame
    series: pd.DataFrame | None  # the run's time series (weekly for operations, monthly for a portfolio)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)  # more tables, e.g. the portfolio's initiatives


PILOT_PASSES = PilotPasses()
"""This process's pilot passes: a decision's worlds, a sweep's or a sensitivity analysis's points that leave the
pilot alone share its pass (:mod:`scalesim.ops.pilotpass`); bit-identical to simulating it again."""


def execute(task: Task) -> TaskOutput:
    """Run the task and return one row per design (and, if asked, the weekly series)."""
    seed = replication_seed(task.root_seed, task.replication)
    result = simulate(task.scenario, task.designs, seed, pilot_passes=PILOT_PASSES)
    ident = {"key": task.key, "point": task.point, "replication": task.replication}
    params = dict(task.parameters)
    table = result.summary_table()
    stalls = [result.design_summary(name)["stall"] for name in result.designs]
    table["stall_verdict"] = [s["verdict"] for s in stalls]
    table["stall_reason"] = [s["reason"] or "" for s in stalls]
    table["stall_day"] = [np.nan if s["day"] is None else s["day"] for s in stalls]
    table["pays"] = [np.nan if s["pays"] is None else float(bool(s["pays"])) for s in stalls]
    rows = pd.concat([pd.DataFrame([ident | params] * len(table)), table], axis=1)
    weekly = None
    if task.keep_weekly:
        weekly = result.weekly_table()
        weekly.insert(0, "replication", task.replication)
        weekly.insert(0, "point", task.point)
    return TaskOutput(task.key, rows, weekly)
