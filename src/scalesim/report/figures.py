"""Figures: each a function from result tables to a matplotlib Figure, readable without the code.

Every figure has a title, axis labels with units, a legend where there is more than one series, and a source line
(scenario, seed, replications, scalesim version) so a picture lifted into a slide can still be traced.
"""

from __future__ import annotations

# No backend is forced: notebooks keep their inline backend (figures show), and headless machines fall back to
# Agg by themselves. Commands close every figure they save.
import io
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter

from scalesim.about import VERSION
from scalesim.experiment.stats import half_width
from scalesim.labels import CAUSES, FIELDS, REASONS, VERDICT_MARKS, field_words, label, number, short_money
from scalesim.ops.ledger import EROSION_CAUSES
from scalesim.ops.money import DAYS_PER_MONTH
from scalesim.ops.summary import RunSummary, StallSummary

PALETTE = ("#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d96a3", "#30638e", "#003d5b")


DPI = 120
"""Every PNG scalesim writes (report, figures folder, app) is drawn at this resolution: a 9-inch figure is 1080
pixels wide, the width of a report page at 1280 pixels."""


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, closed (a run draws many): the one encoder of every figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def source_line(fig: Figure, text: str) -> None:
    fig.text(0.01, 0.005, f"{text} · scalesim {VERSION}", fontsize=7, color="#555555", ha="left", va="bottom")


def _label(key: str) -> str:
    return label(key).text if key in FIELDS else key.replace("_", " ")


def _money_ticks(value: float, _: object = None) -> str:
    """An axis tick of money: ``1.2M``, ``450k``, ``900`` — short enough that neighbours never overlap."""
    return short_money(value)


def money_axis(ax: plt.Axes, currency: str, axis: str = "y") -> None:
    """Money on an axis: short ticks with thousands as k and millions as M, the currency in the label, at most six
    ticks (long numbers like -400000-300000 ran into each other)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(_money_ticks))
    target.set_major_locator(MaxNLocator(6))
    label_text = target.get_label().get_text()
    if currency and currency not in label_text:
        target.set_label_text(f"{label_text} ({currency})" if label_text else currency)


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
    ax.set_yticks(range(len(rows)), [field_words(str(p)) for p in rows["parameter"]], fontsize=8)
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
            field_words(str(r["parameter"])),
            (r["mu_star"], r["sigma"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
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
    ax.set_yticks(list(y), [field_words(str(p)) for p in rows["parameter"]], fontsize=8)
    ax.set_xlabel(f"share of the variance of {_label(key)}")
    ax.set_title(f"Sobol' indices of {_label(key)}")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_line(fig, source)
    return fig


SENSITIVITY_FIGURES = {"oat": tornado, "morris": morris, "sobol": sobol}


def finish(fig: Figure, source: str) -> Figure:
    """Lay out, and write numbers as numbers: no offset (``1e6`` above an axis) and no scientific notation."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_useOffset(False)
                formatter.set_scientific(False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_line(fig, source)
    return fig


def _mean_band(frame: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Mean of ``y`` per ``x`` over replications, with the 95% half-width (0 for a single replication)."""
    grouped = frame.groupby(x)[y]
    return pd.DataFrame({"mean": grouped.mean(), "hw": grouped.agg(lambda v: np.nan_to_num(half_width(v)))})


# ----------------------------------------------------------------------------------------------- operations


def waterfall(table: pd.DataFrame, currency: str, source: str) -> Figure:
    """Pilot value per case, minus each cause of erosion, equals production value per case: one panel a design,
    bars across so the causes read in words, the same causes in every panel so the eye compares them row by row.

    ``table`` has one row per design (``design`` column) with the run table's value and erosion columns
    (replications averaged beforehand).
    """
    designs = list(table["design"])
    causes = [c for c in EROSION_CAUSES if (table[f"erosion_{c}"].abs() > 1e-9).any()]
    labels = ["pilot", *(CAUSES[c].text for c in causes), "production"]
    height = 0.27 * len(labels) + 1.5
    fig, axes = plt.subplots(
        1, len(designs), figsize=(2.4 + 2.9 * len(designs), height), sharey=True, sharex=True, squeeze=False
    )
    y = np.arange(len(labels))
    for ax, (_, row) in zip(axes[0], table.iterrows(), strict=True):
        level = row["pilot_value_per_case"]
        ax.barh(0, level, color=PALETTE[0])
        for i, cause in enumerate(causes, start=1):
            loss = row[f"erosion_{cause}"]
            ax.barh(i, -loss, left=level, color=PALETTE[1] if loss > 0 else PALETTE[4])
            level -= loss
        ax.barh(len(labels) - 1, row["production_value_per_case"], color=PALETTE[3])
        for i in (0, len(labels) - 1):
            value = row["pilot_value_per_case"] if i == 0 else row["production_value_per_case"]
            ax.annotate(f" {value:,.2f}", (max(value, 0.0), i), va="center", fontsize=8)
        retained = row["retention"]
        kept = f"keeps {retained:.0%}" if pd.notna(retained) else "value kept undefined"
        ax.set_title(f"{row['design']}: {kept}", fontsize=10)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel(f"value per case ({currency})", fontsize=8)
    low = min(0.0, float(table["production_value_per_case"].min()))
    high = float(table["pilot_value_per_case"].max())
    axes[0][0].set_xlim(low - 0.05 * (high - low), high + 0.2 * (high - low))
    first = axes[0][0]
    first.set_yticks(y, [textwrap.fill(text, 30) for text in labels], fontsize=8)
    first.invert_yaxis()
    fig.suptitle("Where the pilot's value goes in production")
    return finish(fig, source)


def value_over_time(weekly: pd.DataFrame, currency: str, source: str) -> Figure:
    """Pilot-projected against production value of each week's cases, per design (95% band over replications)."""
    weekly = weekly[weekly["arrivals"] > 0]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    pilot = _mean_band(weekly[weekly["design"] == weekly["design"].iloc[0]], "week", "pilot_value")
    ax.plot(pilot.index, pilot["mean"], color="black", linestyle="--", label="pilot-projected")
    for colour, (design, rows) in zip(PALETTE, weekly.groupby("design", sort=False), strict=False):
        band = _mean_band(rows, "week", "production_value")
        ax.plot(band.index, band["mean"], color=colour, label=f"{design} (production)")
        ax.fill_between(band.index, band["mean"] - band["hw"], band["mean"] + band["hw"], color=colour, alpha=0.2)
    ax.set_xlabel("week (cases by week of arrival)")
    ax.set_ylabel("value of the week's cases")
    money_axis(ax, currency)
    ax.set_title("Value over time: what the pilot projected and what production realizes")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=min(4, len(ax.get_lines())))
    return finish(fig, source)


def money_over_time(money: pd.DataFrame, summary: RunSummary, source: str) -> Figure:
    """Cumulative net value per design, month by month from the start of the build, against what the pilot's
    projection promised for the same costs (dashed); payback marked where it comes."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for colour, (design, rows) in zip(PALETTE, money.groupby("design", sort=False), strict=False):
        # the cumulative figure at the end of each month, from zero at the start of the first
        months = np.concatenate(([rows["month"].iloc[0]], rows["month"].to_numpy() + 1.0))
        ax.plot(months, [0.0, *rows["cumulative_net"]], color=colour, label=f"{design} (production)")
        ax.plot(
            months,
            [0.0, *rows["pilot_projection_cumulative_net"]],
            color=colour,
            linestyle="--",
            alpha=0.6,
            label=f"{design} (pilot's projection)",
        )
        payback = summary["designs"][str(design)]["money"]["payback_day"]
        if payback is not None:
            ax.axvline(payback / DAYS_PER_MONTH, color=colour, linestyle=":", linewidth=1)
            ax.annotate(
                f"payback day {payback:.0f}",
                (payback / DAYS_PER_MONTH, 0),
                color=colour,
                fontsize=7,
                rotation=90,
                va="bottom",
                ha="right",
            )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_xlabel("months after go-live (negative: the build)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("cumulative net value")
    money_axis(ax, summary["currency"])
    ax.set_title("Money over time: costs come first, value follows")
    ax.legend(fontsize=8)
    return finish(fig, source)


def _mark_stall(ax: plt.Axes, stall: StallSummary | None) -> None:
    day = stall["day"] if stall else None
    if stall and stall["verdict"] == "stalled" and day is not None:
        reason = REASONS.get(str(stall["reason"]), str(stall["reason"]))
        ax.axvline(day / 7, color=PALETTE[1], linestyle=":", linewidth=1.5, label=f"stalls on day {day:.0f}: {reason}")


def teams_over_time(weekly_teams: pd.DataFrame, design: str, stall: StallSummary | None, source: str) -> Figure:
    """Cases at each team (waiting or in service) and each team's utilisation, week by week."""
    rows = weekly_teams[weekly_teams["design"] == design]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for colour, (team, t) in zip(PALETTE, rows.groupby("team", sort=False), strict=False):
        backlog = _mean_band(t, "week", "backlog")
        top.plot(backlog.index, backlog["mean"], color=colour, label=team)
        util = _mean_band(t, "week", "utilisation")
        bottom.plot(util.index, util["mean"], color=colour, label=team)
    for ax in (top, bottom):
        _mark_stall(ax, stall)
    top.set_ylabel("cases at the team (mean)")
    bottom.set_ylabel("utilisation (share of staff time)")
    bottom.set_xlabel("week")
    bottom.axhline(1.0, color="#999999", linewidth=0.6)
    top.set_title(f"{design}: backlog and utilisation per team")
    top.legend(fontsize=8, loc="upper left")
    return finish(fig, source)


def _draw_state(
    ax: plt.Axes, weekly: pd.DataFrame, events: pd.DataFrame, design: str, stall: StallSummary | None
) -> None:
    """Trust, adoption and accuracy of one design on ``ax``: monitoring checks, retraining and the stall marked."""
    rows = weekly[weekly["design"] == design]
    for colour, column in zip((PALETTE[0], PALETTE[1], PALETTE[4]), ("trust", "adoption", "accuracy"), strict=True):
        band = _mean_band(rows, "week", column)
        ax.plot(band.index, band["mean"], color=colour, label=column)
    marks = events[events["design"] == design] if "design" in events else events
    if "replication" in marks:
        marks = marks[marks["replication"] == marks["replication"].min()]
    checks = marks[marks["event"] == "check"]
    if len(checks):
        ax.plot(
            checks["day"] / 7, np.full(len(checks), 0.02), "|", color="black", markersize=10, label="monitoring check"
        )
    starts, ends = marks[marks["event"] == "retrain_start"], marks[marks["event"] == "retrain_end"]
    for k, (a, b) in enumerate(zip(starts["day"], ends["day"], strict=False)):
        ax.axvspan(a / 7, b / 7, color=PALETTE[2], alpha=0.25, label="retraining" if k == 0 else None)
    reverted = marks.loc[marks["event"] == "reverted", "day"]
    for day in reverted:
        ax.axvline(day / 7, color=PALETTE[1], linestyle=":", label=f"reverted (day {day:.0f})")
    if not len(reverted):
        _mark_stall(ax, stall)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("week")
    ax.set_ylabel("share (0-1)")


def state_over_time(
    weekly: pd.DataFrame, events: pd.DataFrame, design: str, source: str, stall: StallSummary | None = None
) -> Figure:
    """Trust, adoption and accuracy week by week, with monitoring checks, retraining and the stall marked."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    _draw_state(ax, weekly, events, design, stall)
    ax.set_title(f"{design}: trust, adoption and accuracy over time")
    ax.legend(fontsize=8, loc="lower left")
    return finish(fig, source)


def side_by_side(
    weekly: pd.DataFrame, events: pd.DataFrame, results: dict[str, dict], currency: str, source: str
) -> Figure:
    """One panel a workshop table (``design`` names the table): its trust, adoption and accuracy over time, the
    stall marked, and its retention, verdict and net present value in the panel's title."""
    names = list(results)
    columns = min(3, len(names))
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns + 0.6, 3.4 * rows), sharey=True, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        result = results[name]
        _draw_state(ax, weekly, events, name, result["stall"])
        retention = result["retention"]
        kept = "retention undefined" if retention is None else f"{retention:.0%} retained"
        npv = result["money"]["npv"] if result.get("money") else None
        money = "" if npv is None else f", NPV {npv / 1000:,.0f}k {currency}"
        mark, colour = VERDICT_MARKS.get(result["stall"]["verdict"], ("", "black"))
        # a table's name is the room's text, drawn as typed: "$$ Makers" is not mathematics
        title = f"{mark} {name}: {kept}, {result['stall']['verdict']}{money}"
        ax.set_title(title, fontsize=11, color=colour, parse_math=False)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Every table's design in production: when and why it stalled")
    return finish(fig, source)


COMPARED_UNITS = {
    "retention": ("retention", 100, "percentage points"),
    "production_value_per_case": ("value per case", 1, "{currency}"),
    "net_value_per_year": ("net value per year", 1, "{currency}"),
    "npv": ("net present value", 1, "{currency}"),
    "lead_time_mean": ("mean lead time", 1, "days"),
}


def comparison(comparisons: list[dict], currency: str, source: str) -> Figure:
    """Paired differences against the baseline design, with their 95% CI (thin: what independent seeds give)."""
    metrics = list(dict.fromkeys(c["metric"] for c in comparisons))
    columns = min(3, len(metrics))
    rows_of_panels = -(-len(metrics) // columns)
    designs = len({c["design"] for c in comparisons})
    fig, axes = plt.subplots(
        rows_of_panels, columns, figsize=(9, (1.2 + 0.45 * designs) * rows_of_panels + 0.6), squeeze=False
    )
    for ax in axes.flat[len(metrics) :]:
        fig.delaxes(ax)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        rows = [c for c in comparisons if c["metric"] == metric]
        label, scale, unit = COMPARED_UNITS[metric]
        y = range(len(rows))
        ax.errorbar(
            [c["mean"] * scale for c in rows],
            y,
            xerr=[c["unpaired_half_width"] * scale for c in rows],
            fmt="none",
            ecolor="#aaaaaa",
            elinewidth=6,
            label="independent seeds",
        )
        ax.errorbar(
            [c["mean"] * scale for c in rows],
            y,
            xerr=[c["half_width"] * scale for c in rows],
            fmt="o",
            color=PALETTE[0],
            capsize=4,
            label="paired (common random numbers)",
        )
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_yticks(list(y), [c["design"] for c in rows])
        ax.set_xlabel(f"{label} ({unit.format(currency=currency)})", fontsize=8)
        if "{currency}" in unit:
            ax.xaxis.set_major_formatter(FuncFormatter(_money_ticks))
            ax.xaxis.set_major_locator(MaxNLocator(4))
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle(f"Difference against {comparisons[0]['baseline']} (95% CI)")
    return finish(fig, source)


def sweep_plot(runs: pd.DataFrame, parameters: list[str], key: str, source: str, currency: str = "") -> Figure:
    """One parameter: the key figure against it, a line per design; two: a heatmap per design."""
    designs = list(dict.fromkeys(runs["design"]))
    if len(parameters) == 1:
        (param,) = parameters
        fig, ax = plt.subplots(figsize=(8, 4.8))
        for colour, design in zip(PALETTE, designs, strict=False):
            band = _mean_band(runs[runs["design"] == design], param, key)
            ax.errorbar(band.index, band["mean"], yerr=band["hw"], color=colour, marker="o", capsize=3, label=design)
        values = sorted(runs[param].unique())
        if all(pd.api.types.is_number(v) for v in values):  # numpy numbers too (read back from Parquet)
            ax.set_xticks([float(v) for v in values], [number(float(v)) for v in values])  # the grid's own values
        ax.set_xlabel(field_words(param))
        ax.set_ylabel(_label(key))
        if label(key).kind == "money":
            money_axis(ax, currency)
        elif label(key).kind == "percent":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_title(f"{_label(key)} across {field_words(param)} (95% CI)")
        ax.legend(fontsize=8)
        return finish(fig, source)
    a, b = parameters[:2]
    grids = {d: runs[runs["design"] == d].groupby([a, b])[key].mean().unstack(b) for d in designs}
    low = min(float(g.min().min()) for g in grids.values())
    high = max(float(g.max().max()) for g in grids.values())
    fig, axes = plt.subplots(1, len(designs), figsize=(4.5 * len(designs) + 1, 4.2), squeeze=False)
    for ax, (design, grid) in zip(axes[0], grids.items(), strict=True):
        values = grid.to_numpy(float)
        image = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=low, vmax=high)
        ax.set_xticks(range(grid.shape[1]), [str(v) for v in grid.columns], fontsize=8)
        ax.set_yticks(range(grid.shape[0]), [str(v) for v in grid.index], fontsize=8)
        for (i, j), value in np.ndenumerate(values):
            light = high > low and (value - low) / (high - low) > 0.6
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", color="black" if light else "white", fontsize=8)
        ax.set_xlabel(field_words(b), fontsize=8)
        ax.set_ylabel(field_words(a), fontsize=8)
        ax.set_title(design, fontsize=10)
    fig.colorbar(image, ax=list(axes[0]), label=_label(key))
    fig.suptitle(f"{_label(key)} over the grid (mean of replications; one colour scale)")
    source_line(fig, source)
    return fig


# ----------------------------------------------------------------------------------------------- portfolio

FUNNEL = (
    ("started", "pilots started"),
    ("demoed", "demoed"),
    ("endorsed", "endorsed"),
    ("reached_production", "in production"),
    ("delivering", "delivering after review"),
)


def portfolio_funnel(results: list[dict], source: str) -> Figure:
    """Initiatives left at each stage, per portfolio scenario (mean and 95% CI over replications)."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    width = 0.8 / len(results)
    for k, (colour, result) in enumerate(zip(PALETTE, results, strict=False)):
        xs = [i + (k - (len(results) - 1) / 2) * width for i in range(len(FUNNEL))]
        figs = result["figures"]
        ax.bar(
            xs,
            [figs[f]["mean"] for f, _ in FUNNEL],
            width=width,
            yerr=[figs[f]["half_width"] for f, _ in FUNNEL],
            color=colour,
            capsize=3,
            label=result["scenario"],
        )
    ax.set_xticks(range(len(FUNNEL)), [label for _, label in FUNNEL])
    ax.set_ylabel("initiatives (mean per programme)")
    ax.set_title(f"The funnel from pilot to value ({results[0]['years']:g} years of proposals)")
    ax.legend(fontsize=8)
    return finish(fig, source)


ARCHIVE_LINES = (("archived", "-"), ("in_production", "--"), ("live", ":"))
ARCHIVE_WORDS = {
    "archived": "archived so far",
    "in_production": "reached production so far",
    "live": "in production at the time",
}


def archive_growth(monthly: dict[str, pd.DataFrame], source: str) -> Figure:
    """The archive of quietly stalled initiatives, and initiatives in production, month by month."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for colour, (name, rows) in zip(PALETTE, monthly.items(), strict=False):
        for column, style in ARCHIVE_LINES:
            if column not in rows:  # a result stored before live initiatives were counted
                continue
            band = _mean_band(rows, "month", column)
            ax.plot(band.index, band["mean"], style, color=colour, label=f"{name}: {ARCHIVE_WORDS[column]}")
            ax.fill_between(band.index, band["mean"] - band["hw"], band["mean"] + band["hw"], color=colour, alpha=0.15)
    ax.set_xlabel("month")
    ax.set_ylabel("initiatives (mean per programme)")
    ax.set_title("The growing archive, and the systems still running")
    ax.legend(fontsize=8)
    return finish(fig, source)


def survival_after_go_live(curves: dict[str, pd.DataFrame], source: str) -> Figure:
    """Share of go-lives still in production by months after go-live, per portfolio scenario: Kaplan-Meier with
    censoring, mean and 95% interval over replications."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for colour, (name, curve) in zip(PALETTE, curves.items(), strict=False):
        months = curve["day"] / (365.0 / 12.0)
        ax.step(months, 100 * curve["mean"], where="post", color=colour, label=name)
        low, high = 100 * (curve["mean"] - curve["half_width"]), 100 * (curve["mean"] + curve["half_width"])
        ax.fill_between(months, low.clip(0, 100), high.clip(0, 100), step="post", color=colour, alpha=0.15)
    ax.set_xlabel("months after go-live")
    ax.set_ylabel("% still in production")
    ax.set_ylim(0, 102)
    ax.set_title("Survival after go-live (Kaplan-Meier; censored where a programme's data end)")
    ax.legend(fontsize=8)
    return finish(fig, source)


def time_to_production(initiatives: dict[str, pd.DataFrame], source: str) -> Figure:
    """Distribution of days from pilot start to production, per portfolio scenario (all replications)."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    days = {name: (t["production"] - t["pilot_start"]).dropna() for name, t in initiatives.items()}
    bins = np.linspace(0, max(float(d.max()) for d in days.values() if len(d)) * 1.02, 30)
    for colour, (name, d) in zip(PALETTE, days.items(), strict=False):
        ax.hist(d, bins=bins.tolist(), alpha=0.5, color=colour, label=f"{name} (mean {d.mean():.0f} days)")
        ax.axvline(d.mean(), color=colour, linestyle="--")
    ax.set_xlabel("days from pilot start to production")
    ax.set_ylabel("initiatives (all replications)")
    ax.set_title("Time to production")
    ax.legend(fontsize=8)
    return finish(fig, source)


def backtest_figure(real: np.ndarray, simulated: np.ndarray, table: pd.DataFrame, source: str) -> Figure:
    """The back-test at a glance: cycle-time distributions of the log and the simulation (empirical CDFs), and
    each team's hours per visit side by side."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for values, name, colour in ((real, "event log", "black"), (simulated, "simulated, all runs", PALETTE[0])):
        x = np.sort(values)
        left.step(x, np.arange(1, len(x) + 1) / len(x), where="post", color=colour, label=f"{name} (n={len(x):,})")
    left.set_xlim(0, 1.1 * max(float(np.quantile(real, 0.99)), float(np.quantile(simulated, 0.99))))
    left.set_xlabel("cycle time (days, first start to last end; the slowest 1 % off the scale)")
    left.set_ylabel("share of cases")
    left.set_title("Cycle time")
    left.legend(fontsize=8, loc="lower right")
    rows = table[table["measure"] == "processing hours"]
    y = np.arange(len(rows))
    right.barh(y - 0.2, rows["real"], height=0.4, color="black", label="event log")
    right.barh(y + 0.2, rows["simulated"], height=0.4, color=PALETTE[0], label="simulated (mean of the runs)")
    right.set_yticks(list(y), list(rows["team"]), fontsize=8)
    right.set_xlabel("working hours per visit")
    right.set_title("Processing per team")
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)  # off the bars
    fig.suptitle("Back-test: the calibrated model against this event log")
    return finish(fig, source)


def breakeven_plot(data: dict, source: str) -> Figure:
    """The paired difference against the input's value at every evaluation (95% bars), zero, the break-even
    value with its interval shaded, and the scenario's own value."""
    evaluations = data["evaluations"]
    x = np.array([e["value"] for e in evaluations])
    y = np.array([e["mean"] for e in evaluations])
    h = np.array([e["half_width"] for e in evaluations])
    fig, ax = plt.subplots(figsize=(9, 4.6))
    ax.fill_between(x, y - h, y + h, color=PALETTE[0], alpha=0.15, label="95% band (paired)")
    ax.plot(x, y, "o-", color=PALETTE[0], markersize=4, label="difference at an evaluated value")
    ax.axhline(0, color="black", linewidth=0.8)
    if data["break_even"] is not None:
        low, high = data["interval"]
        ax.axvspan(
            low if low is not None else x.min(), high if high is not None else x.max(), color=PALETTE[1], alpha=0.12
        )
        ax.axvline(
            data["break_even"], color=PALETTE[1], linewidth=1.5, label=f"break-even {number(data['break_even'])}"
        )
    ax.axvline(data["current"], color="#555555", linestyle=":", label=f"in the scenario: {number(data['current'])}")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))
    against = "today's process" if data["against"] == "today" else data["against"]
    ax.set_xlabel(field_words(data["input"]))
    ax.set_ylabel(f"{label(data['metric']).text}, {data['design']} minus {against}")
    money_axis(ax, data["currency"])
    ax.set_title(f"Where {data['design']} breaks even")
    ax.legend(fontsize=8)
    return finish(fig, source)


def replay(
    weekly: pd.DataFrame, events: pd.DataFrame, design: str, week: float, commitment: float, source: str
) -> Figure:
    """The stall replayed up to ``week``: the share of the pilot's value kept week by week, then trust and adoption
    against the commitment below which people go back to the old way, the day they did marked once it has come.
    The axes span the whole run, so the picture does not rescale as the weeks play."""
    rows = weekly[weekly["design"] == design].sort_values("week")
    shown = rows[rows["week"] <= week]
    kept = (shown["production_value"] / shown["pilot_value"].where(shown["pilot_value"] > 0)).clip(-0.5, 1.5)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.2), sharex=True)
    top.plot(shown["week"], kept, color=PALETTE[0], linewidth=2)
    top.axhline(1.0, color="#999999", linewidth=0.8, linestyle="--")
    top.text(0, 1.02, "the pilot's value", fontsize=9, color="#666666")
    top.set_ylim(-0.05, 1.15)
    top.set_ylabel("value kept that week")
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    bottom.plot(shown["week"], shown["trust"], color=PALETTE[0], linewidth=2, label="trust")
    bottom.plot(shown["week"], shown["adoption"], color=PALETTE[1], linewidth=2, label="adoption")
    if commitment > 0:
        bottom.axhline(commitment, color=PALETTE[3], linestyle="--", linewidth=1.2, label="below this, people revert")
    marks = events[(events["design"] == design) & (events["event"] == "reverted")] if len(events) else events
    for day in marks["day"] if len(marks) else []:
        if day / 7 <= week:
            for ax in (top, bottom):
                ax.axvline(day / 7, color=PALETTE[1], linestyle=":", linewidth=2)
            bottom.text(day / 7, 1.0, f" back to the old way (day {day:.0f})", fontsize=10, color=PALETTE[1])
    bottom.set_ylim(0, 1.08)
    bottom.set_xlim(0, float(rows["week"].max()) if len(rows) else 1.0)
    bottom.set_xlabel("week")
    bottom.set_ylabel("share (0-1)")
    bottom.legend(fontsize=9, loc="lower left")
    top.set_title(f"{design}: week {week:.0f}", parse_math=False)
    return finish(fig, source)
