"""Issue 37 row 1: every writer of a decision — its analysis, its text, its figures, the pilot plan — works on
degenerate data: every world alike, every design alike, a difference of exactly zero, a spread below float
resolution, a single design better in one world only. Before, a near-constant paired difference made numpy refuse
to cut 30 bins and `decide` and `plan` ended in a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalesim.api import resolve
from scalesim.experiment.decide import Decision, analyse, draw_worlds
from scalesim.experiment.plan import pilot_plan
from scalesim.report.decision_figures import decision_drawings
from scalesim.report.figures import png
from scalesim.report.plan_page import plan_text
from scalesim.report.text import decision_summary

from conftest import SCENARIOS

matplotlib.use("Agg")
SCENARIO = resolve(SCENARIOS / "claims-triage.yaml")
DESIGNS = ("today", "bolt_on", "redesigned")
WORLDS = 16
DRAWN = draw_worlds(SCENARIO, WORLDS, SCENARIO.run.seed)


@dataclass(frozen=True)
class Runs:
    """What the analysis reads of an experiment: its runs and its replications."""

    runs: pd.DataFrame
    replications: int = 1


def _decision(nb: np.ndarray) -> Decision:
    rows = []
    for w in range(WORLDS):
        for j, design in enumerate(DESIGNS):
            today = design == "today"
            rows.append(
                {
                    "world": w,
                    "design": design,
                    "simulated": True,
                    "npv": float(nb[w, j]),
                    "retention": 0.0 if today else 0.5,
                    "payback_day": np.nan if today or nb[w, j] <= 0 else 100.0,
                }
            )
    table = pd.DataFrame(rows)
    runs = table.rename(columns={"world": "point"}).assign(erosion_not_adopted=1.0, stall_reason=None)
    experiment: Any = Runs(runs)
    return Decision(SCENARIO, DESIGNS, DRAWN, table, "npv", 0.0, experiment)


def _matrix(kind: str, level: float, step: float, world: int) -> np.ndarray:
    nb = np.zeros((WORLDS, len(DESIGNS)))
    if kind == "all alike":
        nb[:, 1:] = level
    elif kind == "exactly zero difference":
        nb[:, 1] = nb[:, 2] = level + np.linspace(0, 1000, WORLDS)
    elif kind == "below float resolution":
        nb[:, 1] = level
        nb[:, 2] = level + step * (np.arange(WORLDS) % 2)  # the same to the last bit or two
    elif kind == "one world differs":
        nb[:, 1] = level
        nb[:, 2] = level - 1.0
        nb[world, 2] = level + 1e6
    return nb


@pytest.mark.slow
@given(
    kind=st.sampled_from(["all alike", "exactly zero difference", "below float resolution", "one world differs"]),
    level=st.sampled_from([0.0, -1e6, 1e6, 3.14159, 1e12]),
    step=st.sampled_from([0.0, 1e-300, 5e-324]),
    world=st.integers(0, WORLDS - 1),
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_decision_writer_works_on_degenerate_worlds(kind: str, level: float, step: float, world: int) -> None:
    decision = _decision(_matrix(kind, level, step, world))
    data = analyse(decision)
    assert np.isfinite(data["evpi"]) and data["evpi"] >= 0
    error = data["evpi_error"]
    assert error["low"] <= data["evpi"] + 1e-6 * max(1.0, abs(level)) and error["se"] >= 0
    text = decision_summary(data)
    assert "EVPI" in text and not re.search(r"\bnan\b|\binf\b", text.lower())
    for name, draw in decision_drawings(decision.table, data, "a test"):
        assert png(draw())[:4] == b"\x89PNG", name
    for design in ("bolt_on", "redesigned"):
        assert "pilot plan" in plan_text(pilot_plan(decision, data, design))
