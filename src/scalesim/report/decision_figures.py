"""The figures of a decision analysis (``scalesim decide``): read from its table of worlds and its summary data.

Three pictures answer the board's three questions: how much better is one design, in how many plausible worlds
(the paired difference); how likely is each design to clear a bar, for any bar (an acceptability curve, after
van Hout et al. 1994's cost-effectiveness acceptability curve); and which unknown is worth resolving first
(EVPPI bars, against EVPI).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from scalesim.report.figures import PALETTE, finish

MONEY_TICKS = FuncFormatter(lambda value, _: f"{value:,.0f}")
METRIC_AXIS = {"npv": "NPV over the run", "net_value_per_year": "net value a year", "net_value_run": "net value"}


def _net_benefit(table: pd.DataFrame, data: dict[str, Any]) -> pd.DataFrame:
    wide = table.pivot(index="world", columns="design", values=data["metric"])
    return wide[data["design_names"]]


def paired_difference(table: pd.DataFrame, data: dict[str, Any], source: str) -> Figure:
    """How much each design beats the baseline (the first design, or today's process when only one design is
    decided on), world by world: a histogram of the paired difference."""
    nb = _net_benefit(table, data)
    baseline = data["baseline"]
    others = [d["design"] for d in data["differences"]]
    cur = data["currency"]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for i, design in enumerate(others):
        diff = (nb[design] - nb[baseline]).to_numpy(float)
        share = float(np.mean(diff > 0))
        ax.hist(
            diff, bins=_bins(diff), alpha=0.6, color=PALETTE[i % len(PALETTE)], label=f"{design}: better in {share:.0%}"
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"{METRIC_AXIS[data['metric']]}, design minus {baseline} ({cur})")
    ax.xaxis.set_major_formatter(MONEY_TICKS)
    ax.set_ylabel("plausible worlds")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"How much better than {baseline}, across {data['worlds']} plausible worlds")
    ax.legend(fontsize=8)
    return finish(fig, source)


def _bins(values: np.ndarray) -> int | list[float]:
    """30 bins, or one bar around the value where the worlds' differences are all alike (to float resolution):
    numpy cannot cut a range narrower than its values' spacing into 30 finite bins (a design that differs from the
    baseline by exactly the same cost in every world)."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 1
    low, high = float(finite.min()), float(finite.max())
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):
        half = max(1.0, abs(low) * 0.01)
        return [low - half, high + half]
    return 30


def acceptability(table: pd.DataFrame, data: dict[str, Any], source: str) -> Figure:
    """For every bar t, the probability that each design's net value exceeds t; the user's threshold marked."""
    nb = _net_benefit(table, data)
    values = nb.to_numpy(float)
    grid = np.linspace(min(values.min(), data["threshold"]), max(values.max(), data["threshold"]), 200)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for i, design in enumerate(data["design_names"]):
        column = nb[design].to_numpy(float)
        ax.plot(grid, [(column > t).mean() for t in grid], color=PALETTE[i % len(PALETTE)], label=design)
    ax.axvline(data["threshold"], color="black", linestyle="--", linewidth=0.8, label="threshold")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"bar to clear: {METRIC_AXIS[data['metric']]} ({data['currency']})")
    ax.xaxis.set_major_formatter(MONEY_TICKS)
    ax.set_ylabel("probability the design clears it")
    ax.set_title("Acceptability: how likely each design is to clear a bar")
    ax.legend(fontsize=8)
    return finish(fig, source)


def evppi_bars(data: dict[str, Any], source: str) -> Figure:
    """What resolving each unknown (or group) before deciding is worth, largest on top, with EVPI for scale."""
    items = list(reversed(data["evppi"]))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(items) + 1.8))
    colors = [PALETTE[0] if item["kind"] == "input" else PALETTE[2] for item in items]
    ax.barh(range(len(items)), [item["evppi"] for item in items], color=colors)
    ax.axvline(data["evpi"], color=PALETTE[1], linestyle="--", linewidth=1, label="EVPI: knowing everything")
    ax.set_yticks(
        range(len(items)), [item["label"] + (" (group)" if item["kind"] == "group" else "") for item in items]
    )
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(f"expected value of resolving it first ({data['currency']}, {METRIC_AXIS[data['metric']]})")
    ax.xaxis.set_major_formatter(MONEY_TICKS)
    ax.set_title("What the pilot should measure before scaling (EVPPI)")
    ax.legend(fontsize=8, loc="lower right")
    return finish(fig, source)


def pilot_value(data: dict[str, Any], source: str) -> Figure:
    """What a pilot of each size is worth (EVSI, solid) against what it costs (dashed), per measurement, with the
    most it could be worth (EVPPI, dotted): the best size is where the solid line is furthest above the dashed."""
    study = data["pilot_study"]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for i, item in enumerate(study):
        color = PALETTE[i % len(PALETTE)]
        sizes = [s["n"] for s in item["sizes"]]
        ax.plot(sizes, [s["evsi"] for s in item["sizes"]], marker="o", color=color, label=item["label"])
        ax.plot(sizes, [s["cost"] for s in item["sizes"]], linestyle="--", color=color, linewidth=1)
        ax.axhline(item["evppi"], color=color, linestyle=":", linewidth=1)
        if item["best_n"] is not None:
            best = next(s for s in item["sizes"] if s["n"] == item["best_n"])
            ax.annotate(
                "best size",
                (best["n"], best["evsi"]),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
                color=color,
            )
    ax.set_xscale("log")
    ax.set_xticks([s["n"] for s in study[0]["sizes"]], [f"{s['n']:,}" for s in study[0]["sizes"]])
    ax.minorticks_off()
    ax.set_xlabel("cases the pilot measures")
    ax.set_ylabel(f"{data['currency']} ({METRIC_AXIS[data['metric']]})")
    ax.yaxis.set_major_formatter(MONEY_TICKS)
    ax.set_title("What a pilot is worth (solid) and costs (dashed); dotted: knowing the input exactly")
    ax.legend(fontsize=8, loc="upper left")
    return finish(fig, source)


def decision_drawings(table: pd.DataFrame, data: dict[str, Any], source: str) -> list[tuple[str, Callable[[], Figure]]]:
    """The decision's figures, each drawn when asked; none is drawn empty: no difference figure without a second
    design, no EVPPI bars when EVPI is 0 (nothing is worth resolving, which the text says)."""
    figures: list[tuple[str, Callable[[], Figure]]] = []
    if data["differences"]:
        figures.append(("decide-difference", partial(paired_difference, table, data, source)))
    figures.append(("decide-acceptability", partial(acceptability, table, data, source)))
    if data["evpi"] > 0:
        figures.append(("decide-evppi", partial(evppi_bars, data, source)))
    if data.get("pilot_study") and data["evpi"] > 0:
        figures.append(("decide-pilot", partial(pilot_value, data, source)))
    return figures
