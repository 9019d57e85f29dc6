"""The pilot's pass over the cases, simulated once where an analysis's worlds or points do not change it.

A decision draws worlds, a sweep or a sensitivity analysis moves fields — mostly of production and the designs.
The pilot's pass depends only on the pilot environment, the workload, the run's settings and the seed, and its
*values* also on the case values: each realized case is worth its value times the share its delay left
(:attr:`Ledger.factor`), each wrong action minus its value times the wrong-action cost share. So where those blocks
are unchanged, the stored pass is the pass; where only the case values or the wrong-action cost changed (a belief
about what a case is worth), the same fates and times are valued again with the new numbers, by the same
arithmetic the simulation does — bit for bit what a fresh pass gives (a test checks it). A pilot design that
sends valuable cases to approval (a value threshold) makes its fates depend on value: then a new value is a new
pass.

A :class:`PilotPasses` is one process's memory (an experiment's worker keeps one), bounded to a few passes.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from scalesim.ops.cases import Cases
from scalesim.ops.ledger import CaseFate, Ledger
from scalesim.ops.result import EnvironmentRun
from scalesim.scenario.schema import Scenario

Seed = int | np.random.SeedSequence


def seed_key(seed: Seed) -> tuple[Any, ...]:
    if isinstance(seed, np.random.SeedSequence):
        return (seed.entropy, tuple(seed.spawn_key), seed.pool_size)
    return (seed,)


def identities(scenario: Scenario) -> tuple[str, str]:
    """(what the pass's fates and times depend on, what only its values depend on), as canonical JSON."""
    dump = scenario.model_dump(mode="json", by_alias=True)
    value = dump["value"]
    valuing = {"uplift": value["uplift"], "wrong_action_cost_share": value["wrong_action_cost_share"]}
    timing: dict[str, Any] = {block: dump[block] for block in ("pilot", "workload", "run")}
    timing["decay"] = value["decay"]
    approval = scenario.pilot.design.approval
    if approval.policy == "risk_based" and approval.threshold is not None:  # routing reads the case values
        timing["valuing"] = valuing
    return json.dumps(timing, sort_keys=True), json.dumps(valuing, sort_keys=True)


def revalued(run: EnvironmentRun, cases: Cases, scenario: Scenario) -> EnvironmentRun:
    """The same pass at the case values of ``cases`` and the wrong-action cost of ``scenario``."""
    old = run.ledger
    ledger = Ledger(cases.arrival)
    ledger.fate, ledger.end, ledger.factor = old.fate, old.end, old.factor
    share = scenario.value.wrong_action_cost_share
    realized = old.fate == CaseFate.REALIZED
    wrong = old.fate == CaseFate.WRONG_ACTION
    ledger.value = np.where(realized, cases.value * old.factor, np.where(wrong, -(cases.value * share), 0.0))
    return replace(run, ledger=ledger)


class PilotPasses:
    """Remembered pilot passes of one process, by seed and by what the pass depends on (see module docstring)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.stored: OrderedDict[tuple[Any, ...], tuple[str, EnvironmentRun]] = OrderedDict()
        self.reused = 0

    def get(self, scenario: Scenario, cases: Cases, seed: Seed, run: Callable[[], EnvironmentRun]) -> EnvironmentRun:
        """The pilot's pass for ``scenario`` on ``cases``: remembered, valued again, or ``run`` now."""
        timing, valuing = identities(scenario)
        key = (*seed_key(seed), timing)
        if key in self.stored:
            self.stored.move_to_end(key)
            stored_valuing, stored = self.stored[key]
            self.reused += 1
            return stored if stored_valuing == valuing else revalued(stored, cases, scenario)
        fresh = run()
        self.stored[key] = (valuing, fresh)
        if len(self.stored) > self.size:
            self.stored.popitem(last=False)
        return fresh
