"""Issue 37 row 4: the emulator knows what it does not know. Fitted on three quarters of a decision's worlds, it
predicts the fourth; the share of those held-out worlds more than 2 of its standard deviations off must be within
2x the nominal 4.6 %. Before the held-out calibration: 19-24 % on claims-triage's designs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scalesim.api import decide
from scalesim.experiment import evsi
from scalesim.experiment.emulate import NOMINAL, fit

from conftest import SCENARIOS


@pytest.mark.slow
@pytest.mark.parametrize("name", ["claims-triage", "stall-demo"])
def test_held_out_worlds_fall_beyond_two_sd_about_as_often_as_they_should(tmp_path: Path, name: str) -> None:
    decision = decide(SCENARIOS / f"{name}.yaml", samples=64, days=180, full=True, out=tmp_path, jobs=2)
    nb, u = decision.net_benefit(), decision.worlds.u
    z = []
    rng = np.random.default_rng(11)
    for _ in range(4):  # four random held-out quarters
        order = rng.permutation(len(u))
        held, kept = order[: len(u) // 4], order[len(u) // 4 :]
        for j, design in enumerate(decision.designs):
            if design == "today" or np.ptp(nb[:, j]) == 0:
                continue
            mean, _, run_sd = fit(u[kept], nb[kept, j]).predict(u[held])
            z.extend(np.abs(nb[held, j] - mean) / run_sd)
    beyond = float(np.mean(np.array(z) > 2))
    assert beyond <= 2 * NOMINAL, f"{beyond:.1%} of held-out worlds beyond 2 SD"
    # issue 37 row 3, on the same decision: each measurement's EVSI at a million cases is its reported EVPPI
    data = decision.to_dict()
    ranked = {item["name"]: item for item in data["evppi"]}
    beliefs = decision.beliefs
    for name, measurement in beliefs.measurements.items():
        j = decision.worlds.names.index(name)
        theta = np.array([float(world[name]) for world in decision.worlds.values])
        _, (far,) = evsi.curve(nb, u[:, j], theta, measurement, [10**6], beliefs.inputs[name].quantile)
        reported = ranked[name]
        assert abs(far.evsi - reported["evppi"]) <= max(reported["error"]["se"], 1e-6 * abs(reported["evppi"]))


def test_the_widening_is_never_a_narrowing_and_absent_with_too_few_worlds() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(48, 2))
    y = np.sin(6 * x[:, 0]) + 0.01 * rng.normal(size=48)
    process = fit(x, y)
    assert process.widening >= 1.0 and 0.0 <= process.beyond <= 1.0
    few = fit(x[:10], y[:10])
    assert few.widening == 1.0 and few.beyond == 0.0
