"""Writing figures next to the results they show (atomically, like every result file)."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from scalesim.experiment import atomic
from scalesim.experiment.sensitivity import SensitivityResult
from scalesim.experiment.store import register
from scalesim.report.figures import SENSITIVITY_FIGURES


def save_png(fig: Figure, path: Path, dpi: int = 130) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, buffer.getvalue())
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
