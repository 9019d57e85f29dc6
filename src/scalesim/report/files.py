"""The figures a command writes next to its results, as :data:`~scalesim.experiment.store.Writer` functions: each
is given the folder before its manifest is written, so the manifest lists them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from scalesim.evidence.backtest import Backtest
from scalesim.experiment import atomic
from scalesim.experiment.sensitivity import SensitivityResult
from scalesim.experiment.store import Writer
from scalesim.kinds import StoredBreakeven, StoredDecision
from scalesim.report.decision_figures import decision_drawings
from scalesim.report.figures import SENSITIVITY_FIGURES, backtest_figure, breakeven_plot, png


def save_png(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, png(fig))
    return path


def sensitivity_figure(result: SensitivityResult) -> Writer:
    """``sensitivity-<method>.png``: the ranked table's figure."""
    spec = result.experiment.spec
    source = (
        f"{spec.scenario.name} · design {result.spec.design} · seed {spec.seed} · {result.runs} model runs · "
        f"{result.method}"
    )

    def write(folder: Path, manifest: dict[str, Any]) -> None:
        fig = SENSITIVITY_FIGURES[result.method](result.table, result.spec.key, source)
        save_png(fig, folder / f"sensitivity-{result.method}.png")

    return write


def decision_source(data: dict[str, Any]) -> str:
    return f"{data['scenario']} · seed {data['seed']} · {data['worlds']} worlds x {data['replications']} replication(s)"


def write_decision_figures(folder: Path, manifest: dict[str, Any]) -> None:
    """The three decision figures, from the decision stored in ``folder`` (its tables are written first)."""
    decision = StoredDecision(folder, manifest)
    for name, draw in decision_drawings(decision.table, decision.data, decision_source(decision.data)):
        save_png(draw(), folder / f"{name}.png")


def breakeven_figure(folder: Path, manifest: dict[str, Any]) -> None:
    """``breakeven.png``: the difference against the input, its band, and where it crosses zero."""
    stored = StoredBreakeven(folder, manifest)
    save_png(breakeven_plot(stored.data, _breakeven_source(stored.data)), folder / "breakeven.png")


def _breakeven_source(data: dict[str, Any]) -> str:
    return f"{data['scenario']} · seed {data['seed']} · {data['replications']} replications · {data['input']}"


def backtest_figures(result: Backtest) -> Writer:
    """``backtest.png``: both cycle-time distributions and the measures' verdicts."""
    source = f"{result.scenario} · design {result.design} · seed {result.seed} · {result.log}"

    def write(folder: Path, manifest: dict[str, Any]) -> None:
        fig = backtest_figure(result.real_cycle, result.simulated_cycle, result.table(), source)
        save_png(fig, folder / "backtest.png")

    return write
