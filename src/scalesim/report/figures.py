"""Figures: each a function from result tables to a matplotlib Figure, readable without the code.

Every figure has a title, axis labels with units, a legend where there is more than one series, and a source line
(scenario, seed, replications, scalesim version) so a picture lifted into a slide can still be traced.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files, not windows: figures are written by commands, tests and notebooks alike

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from scalesim import __version__

PALETTE = ("#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d96a3", "#30638e", "#003d5b")


def source_line(fig: Figure, text: str) -> None:
    fig.text(0.01, 0.005, f"{text} · scalesim {__version__}", fontsize=7, color="#555555", ha="left", va="bottom")


def _label(key: str) -> str:
    return key.replace("_", " ")


def tornado(table: pd.DataFrame, key: str, source: str) -> Figure:
    """OAT: each parameter's low/high swing of the key figure around the baseline, largest on top."""
    rows = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(rows) + 1.8))
    base = float(table["baseline"].iloc[0])
    for i, (_, r) in enumerate(rows.iterrows()):
        ax.barh(
            i,
            r["key_at_low"] - base,
            left=base,
            color=PALETTE[1],
            label="at the value that lowers it" if i == 0 else None,
        )
        ax.barh(
            i,
            r["key_at_high"] - base,
            left=base,
            color=PALETTE[0],
            label="at the value that raises it" if i == 0 else None,
        )
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [str(p) for p in rows["parameter"]], fontsize=8)
    ax.set_xlabel(f"{_label(key)} (baseline {base:.3g})")
    ax.set_title(f"One at a time: what moves {_label(key)} most")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_line(fig, source)
    return fig


def morris(table: pd.DataFrame, key: str, source: str) -> Figure:
    """Morris screening: mean absolute elementary effect (importance) against its spread (non-linearity)."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.errorbar(
        table["mu_star"],
        table["sigma"],
        xerr=table["mu_star_conf"],
        fmt="o",
        color=PALETTE[0],
        ecolor="#999999",
        capsize=3,
        label="parameter (bar: 95% CI of mu*)",
    )
    for _, r in table.iterrows():
        ax.annotate(
            str(r["parameter"]), (r["mu_star"], r["sigma"]), fontsize=7, xytext=(4, 4), textcoords="offset points"
        )
    ax.set_xlabel(f"mu*: mean absolute effect on {_label(key)}")
    ax.set_ylabel("sigma: spread of the effect (interactions, non-linearity)")
    ax.set_title(f"Morris screening of {_label(key)}")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_line(fig, source)
    return fig


def sobol(table: pd.DataFrame, key: str, source: str) -> Figure:
    """Sobol' first-order and total indices with their bootstrap 95% confidence intervals."""
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(table) + 2))
    rows = table.iloc[::-1].reset_index(drop=True)
    y = range(len(rows))
    ax.barh(
        [i + 0.2 for i in y],
        rows["ST"],
        height=0.38,
        xerr=rows["ST_conf"],
        color=PALETTE[0],
        label="total (with interactions)",
        capsize=3,
    )
    ax.barh(
        [i - 0.2 for i in y],
        rows["S1"],
        height=0.38,
        xerr=rows["S1_conf"],
        color=PALETTE[2],
        label="first order (alone)",
        capsize=3,
    )
    ax.set_yticks(list(y), [str(p) for p in rows["parameter"]], fontsize=8)
    ax.set_xlabel(f"share of the variance of {_label(key)}")
    ax.set_title(f"Sobol' indices of {_label(key)}")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_line(fig, source)
    return fig


SENSITIVITY_FIGURES = {"oat": tornado, "morris": morris, "sobol": sobol}
