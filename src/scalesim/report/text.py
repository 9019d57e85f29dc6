"""Terminal tables: designs side by side, so the eye compares them row by row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scalesim.ops.ledger import EROSION_CAUSES

Row = tuple[str, list[str]]


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _verdict(stall: dict[str, Any]) -> str:
    if stall["verdict"] != "stalled":
        return stall["verdict"]
    return f"stalled: {stall['reason']} (day {stall['day']:.0f})"


def render(head: str, names: list[str], rows: list[Row]) -> str:
    """A fixed-width table: a label column, then one right-aligned column per name."""
    label_w = max(len(label) for label, _ in rows)
    col_w = [max(len(n), *(len(cells[i]) for _, cells in rows)) for i, n in enumerate(names)]
    lines = [head, "", " " * label_w + "  " + "  ".join(n.rjust(w) for n, w in zip(names, col_w, strict=True))]
    for label, cells in rows:
        lines.append(label.ljust(label_w) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, col_w, strict=True)))
    return "\n".join(lines)


def _figure_rows(
    designs: list[dict[str, Any]], currency: str, get: Callable[[dict[str, Any], str], Any], fmt: Callable
) -> list[Row]:
    """The rows both tables share; ``get(design, metric)`` reads a figure, ``fmt(value, kind)`` formats it."""
    rows: list[Row] = [
        ("pilot value per case", [fmt(get(d, "pilot_value_per_case"), "num") for d in designs]),
        ("production value per case", [fmt(get(d, "production_value_per_case"), "num") for d in designs]),
        ("retention", [fmt(get(d, "retention"), "pct") for d in designs]),
        ("verdict", [fmt(get(d, "verdict"), "verdict") for d in designs]),
        ("erosion per case, by cause:", ["" for _ in designs]),
    ]
    for cause in EROSION_CAUSES:
        values = [get(d, f"erosion_{cause}") for d in designs]
        if any(abs(_center(v)) > 1e-12 for v in values):
            rows.append((f"  {cause}", [fmt(v, "num") for v in values]))
    rows += [
        (f"pilot value per year ({currency})", [fmt(get(d, "pilot_value_per_year"), "money") for d in designs]),
        (
            f"production value per year ({currency})",
            [fmt(get(d, "production_value_per_year"), "money") for d in designs],
        ),
        (f"costs per year ({currency})", [fmt(get(d, "costs_per_year"), "money") for d in designs]),
        (f"net value per year ({currency})", [fmt(get(d, "net_value_per_year"), "money") for d in designs]),
        ("lead time mean (days)", [fmt(get(d, "lead_time_mean"), "days") for d in designs]),
        ("lead time p90 (days)", [fmt(get(d, "lead_time_p90"), "days") for d in designs]),
    ]
    return [r for r in rows if any(c != "" for c in r[1]) or r[0].endswith(":")]


def _center(value: Any) -> float:
    if isinstance(value, dict):
        return value.get("mean") or 0.0
    return value if isinstance(value, int | float) else 0.0


def run_summary(summary: dict[str, Any]) -> str:
    """One run: pilot vs production per design, the erosion by cause, costs, lead times and the verdict."""
    names = list(summary["designs"])
    flat = {
        "pilot_value_per_case": lambda d: d["pilot"]["value_per_case"],
        "production_value_per_case": lambda d: d["production"]["value_per_case"],
        "retention": lambda d: d["retention"],
        "verdict": lambda d: d["stall"],
        "pilot_value_per_year": lambda d: d["pilot"]["value_per_year"],
        "production_value_per_year": lambda d: d["production"]["value_per_year"],
        "costs_per_year": lambda d: d["costs"]["annualised_total"],
        "net_value_per_year": lambda d: d["net_value_per_year"],
        "lead_time_mean": lambda d: d["lead_time"]["mean"],
        "lead_time_p90": lambda d: d["lead_time"]["p90"],
    }

    def get(d: dict[str, Any], metric: str) -> Any:
        if metric.startswith("erosion_"):
            return d["erosion"][metric.removeprefix("erosion_")]
        return flat[metric](d)

    def fmt(value: Any, kind: str) -> str:
        return {"num": _num, "pct": _pct, "money": _money, "days": lambda v: _num(v, 1), "verdict": _verdict}[kind](
            value
        )

    head = (
        f"scenario {summary['scenario']} · seed {summary['seed']} · {summary['horizon_days']:g} days · "
        f"{summary['cases']:,} cases (same cases in pilot and production)"
    )
    rows = _figure_rows(list(summary["designs"].values()), summary["currency"], get, fmt)
    return render(head, names, rows)


def _ci(stat: dict[str, float], kind: str) -> str:
    mean, hw = stat["mean"], stat["half_width"]
    if mean is None or mean != mean:
        return "-"
    if kind == "pct":
        return f"{100 * mean:.1f}% ± {100 * hw:.1f}"
    if kind == "money":
        return f"{mean:,.0f} ± {hw:,.0f}"
    return f"{mean:,.2f} ± {hw:,.2f}"


def _verdict_shares(shares: dict[str, float], n: int) -> str:
    parts = [f"{v} {round(s * n)}/{n}" for v, s in shares.items() if s > 0]
    return ", ".join(parts)


def design_stats_rows(designs: dict[str, Any], currency: str, n: int) -> list[Row]:
    """Rows of ``mean ± half-width`` for each design's statistics (from an experiment's ``to_dict``)."""

    def get(d: dict[str, Any], metric: str) -> Any:
        if metric == "verdict":
            return d["stall_verdicts"]
        if metric in ("pilot_value_per_year", "production_value_per_year", "costs_per_year"):
            return ""
        return d[metric]

    def fmt(value: Any, kind: str) -> str:
        if value == "":
            return ""
        return _verdict_shares(value, n) if kind == "verdict" else _ci(value, kind)

    return _figure_rows(list(designs.values()), currency, get, fmt)


COMPARED_LABELS = {
    "retention": ("retention", "points"),
    "production_value_per_case": ("production value per case", ""),
    "net_value_per_year": ("net value per year", ""),
    "lead_time_mean": ("lead time mean (days)", ""),
}


def experiment_summary(data: dict[str, Any]) -> str:
    """Replications or a comparison: ``mean ± half-width`` per design, then paired differences if any."""
    n = data["replications"]
    head = (
        f"{data['kind']} · scenario {data['scenario']} · {n} replications on common random numbers "
        f"(root seed {data['seed']}) · {data['confidence']:.0%} confidence intervals"
    )
    text = render(head, data["design_names"], design_stats_rows(data["designs"], data["currency"], n))
    if data.get("precision"):
        p = data["precision"]
        verdict = "met" if p["met"] else f"not met within {p['max_replications']} replications"
        text += (
            f"\n\nprecision: half-width of {p['metric']} within {p['target']:.0%} of its mean: {verdict} "
            f"(worst {p['reached']:.1%}) with {n} replications"
        )
    if data.get("comparisons"):
        text += "\n\n" + comparison_lines(data["comparisons"])
    return text


def comparison_lines(comparisons: list[dict[str, Any]]) -> str:
    baseline = comparisons[0]["baseline"]
    lines = [f"paired differences against {baseline} (same replications, common random numbers):"]
    for c in comparisons:
        label, unit = COMPARED_LABELS[c["metric"]]
        scale = 100 if unit == "points" else 1
        digits = 0 if c["metric"] == "net_value_per_year" else (1 if unit == "points" else 2)
        mean, hw, un = c["mean"] * scale, c["half_width"] * scale, c["unpaired_half_width"] * scale
        lines.append(
            f"  {c['design']:<14} {label:<26} {mean:+,.{digits}f} ± {hw:,.{digits}f} {unit}".rstrip()
            + f"   (independent seeds: ± {un:,.{digits}f}; pairing narrowed it {c['narrowing']:.1f}x)"
        )
    return "\n".join(lines)


def sweep_summary(data: dict[str, Any]) -> str:
    """One line per grid point and design: key figures with their intervals."""
    n = data["replications"]
    params = list(data["grid"])
    header = [*params, "design", "retention", f"net value per year ({data['currency']})", "verdicts"]
    table = []
    for point in data["points"]:
        for design, stats in point["designs"].items():
            table.append(
                [
                    *(str(point["parameters"][p]) for p in params),
                    design,
                    _ci(stats["retention"], "pct"),
                    _ci(stats["net_value_per_year"], "money"),
                    _verdict_shares(stats["stall_verdicts"], n),
                ]
            )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    head = (
        f"sweep · scenario {data['scenario']} · {len(data['points'])} points x {len(data['design_names'])} designs x "
        f"{n} replications · {data['confidence']:.0%} confidence intervals"
    )
    lines = [head, "", "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    return "\n".join(lines)


PORTFOLIO_ROWS = (
    ("initiatives proposed", "proposed", "count"),
    ("pilots started", "started", "count"),
    ("demoed", "demoed", "count"),
    ("endorsed (funded)", "endorsed", "count"),
    ("reached production", "reached_production", "count"),
    ("delivering value after review", "delivering", "count"),
    ("explicit kills", "explicit_kills", "count"),
    ("quiet stalls (archived)", "quiet_stalls", "count"),
    ("share of pilots reaching production", "share_reaching_production", "pct"),
    ("time to production, mean (days)", "time_to_production_mean", "days"),
    ("time to production, median (days)", "time_to_production_median", "days"),
    ("time to production, p90 (days)", "time_to_production_p90", "days"),
    ("spent on pilots never in production", "money_never_produced", "money"),
    ("value delivered per year", "value_per_year", "money"),
)


def portfolio_summary(results: list[dict[str, Any]], comparisons: list[dict[str, Any]] | None = None) -> str:
    """The funnel per portfolio scenario (columns), with intervals, and paired differences if compared."""
    first = results[0]
    head = (
        f"portfolio · {first['years']:g} years · {first['replications']} replications · "
        f"{first['confidence']:.0%} confidence intervals · money in {first['currency']}"
    )
    rows = [
        (label, [_ci(r["figures"][key], "money" if kind == "count" else kind) for r in results])
        for label, key, kind in PORTFOLIO_ROWS
    ]
    retention = "; ".join(f"{d} {v:.0%}" for d, v in first["retention_by_design"].items())
    text = render(head, [r["scenario"] for r in results], rows)
    text += f"\n\nproduction retention by design, from the operations model: {retention}"
    if comparisons:
        labels = {key: label for label, key, _ in PORTFOLIO_ROWS}
        lines = [
            f"\npaired differences, {comparisons[0]['scenario']} minus {comparisons[0]['baseline']} "
            "(same proposals and draws in each replication):"
        ]
        for c in comparisons:
            if c["figure"] in (
                "share_reaching_production",
                "time_to_production_mean",
                "delivering",
                "money_never_produced",
                "value_per_year",
                "quiet_stalls",
            ):
                scale, unit = (100, " points") if c["figure"] == "share_reaching_production" else (1, "")
                lines.append(
                    f"  {labels[c['figure']]:<38} {c['mean'] * scale:+,.1f} ± {c['half_width'] * scale:,.1f}{unit}"
                )
        text += "\n".join(lines)
    return text


def sensitivity_summary(data: dict[str, Any]) -> str:
    """The ranked table of a sensitivity analysis."""
    head = (
        f"{data['method']} sensitivity of {data['key']} ({data['design']}) · scenario {data['scenario']} · "
        f"{data['model_runs']} model runs"
    )
    table = data["table"]
    columns = [c for c in table[0] if c != "parameter"]
    width = max(len("parameter"), *(len(str(r["parameter"])) for r in table))

    def cell(value: Any) -> str:
        return f"{value:>12.4g}" if isinstance(value, int | float) else f"{value!s:>12}"

    lines = [head, "", "rank  " + "parameter".ljust(width) + "".join(f"{c:>12}" for c in columns)]
    for rank, row in enumerate(table, 1):
        lines.append(f"{rank:>4}  " + str(row["parameter"]).ljust(width) + "".join(cell(row[c]) for c in columns))
    return "\n".join(lines)
