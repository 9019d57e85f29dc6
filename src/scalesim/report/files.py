"""Writing figures next to the results they show (atomically, like every result file)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from scalesim.evidence.backtest import Backtest
from scalesim.experiment import atomic
from scalesim.experiment.decide import DECISION, Decision
from scalesim.experiment.sensitivity import SensitivityResult
from scalesim.experiment.store import MANIFEST, dumps, files_in, new_manifest, register, result_folder
from scalesim.report.decision_figures import decision_figures
from scalesim.report.figures import SENSITIVITY_FIGURES, backtest_figure, png
from scalesim.scenario.schema import Scenario


def save_png(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, png(fig))
    return path


def write_sensitivity_figure(result: SensitivityResult) -> Path:
    """The ranked table (CSV) and its figure (PNG), next to the runs behind them."""
    spec = result.experiment.spec
    source = (
        f"{spec.scenario.name} · design {result.spec.design} · seed {spec.seed} · {result.runs} model runs · "
        f"{result.method}"
    )
    fig = SENSITIVITY_FIGURES[result.method](result.table, result.spec.key, source)
    folder = result.experiment.folder
    atomic.write_text(folder / f"sensitivity-{result.method}.csv", result.table.to_csv(index=False))
    png = save_png(fig, folder / f"sensitivity-{result.method}.png")
    register(folder, [f"sensitivity-{result.method}.csv", png.name])
    return png


def decision_source(data: dict[str, Any]) -> str:
    return f"{data['scenario']} · seed {data['seed']} · {data['worlds']} worlds x {data['replications']} replication(s)"


def write_decision(decision: Decision) -> dict[str, Any]:
    """``decision.json``, ``worlds.csv`` (each world's inputs and every design's figures), ``evppi.csv`` and the
    three figures, next to the runs behind them; return the decision's data."""
    folder = decision.experiment.folder
    data = decision.to_dict()
    atomic.write_text(folder / DECISION, dumps(data))
    atomic.write_text(folder / "worlds.csv", decision.table.to_csv(index=False))
    atomic.write_text(folder / "evppi.csv", pd.DataFrame(data["evppi"]).to_csv(index=False))
    pngs = [
        save_png(fig, folder / f"{name}.png").name
        for name, fig in decision_figures(decision.table, data, decision_source(data))
    ]
    register(folder, [DECISION, "worlds.csv", "evppi.csv", *pngs])
    return data


def write_backtest(result: Backtest, scenario: Scenario, out: str | Path, command: Sequence[str]) -> Path:
    """A back-test's folder: manifest, ``backtest.json``, ``measures.csv``, both cycle-time samples and the figure."""
    resolved = scenario.model_dump(mode="json", by_alias=True)
    identity = {"scenario": resolved, "log": result.log, "design": result.design, "days": result.days}
    manifest = new_manifest(
        "backtest",
        scenario.name,
        resolved,
        seed=result.seed,
        replications=1,
        designs=[result.design],
        command=command,
        details={"log": result.log, "simulated_days": result.days},
    )
    table = result.table()
    source = f"{scenario.name} · design {result.design} · seed {result.seed} · {result.log}"

    def fill(folder: Path) -> None:
        (folder / "backtest.json").write_text(dumps(result.to_dict()))
        table.to_csv(folder / "measures.csv", index=False)
        cycles = pd.concat(
            [
                pd.DataFrame({"source": "log", "cycle_time_days": result.real_cycle}),
                pd.DataFrame({"source": "simulated", "cycle_time_days": result.simulated_cycle}),
            ]
        )
        cycles.to_csv(folder / "cycle_times.csv", index=False)
        save_png(backtest_figure(result.real_cycle, result.simulated_cycle, table, source), folder / "backtest.png")
        manifest.update(status="complete", files=sorted({MANIFEST, *files_in(folder)}))
        (folder / MANIFEST).write_text(dumps(manifest))

    return atomic.write_folder(result_folder(out, scenario.name, "backtest", identity), fill)
