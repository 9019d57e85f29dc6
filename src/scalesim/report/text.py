"""The terminal summary of a run: designs side by side, so the eye compares them row by row."""

from __future__ import annotations

from typing import Any

from scalesim.ops.ledger import EROSION_CAUSES


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


def run_summary(summary: dict[str, Any]) -> str:
    """A fixed-width table of pilot vs production per design, the erosion by cause, costs and lead times."""
    designs: dict[str, Any] = summary["designs"]
    names = list(designs)
    cur = summary["currency"]
    rows: list[tuple[str, list[str]]] = [
        ("pilot value per case", [_num(d["pilot"]["value_per_case"]) for d in designs.values()]),
        ("production value per case", [_num(d["production"]["value_per_case"]) for d in designs.values()]),
        ("retention", [_pct(d["retention"]) for d in designs.values()]),
        ("verdict", [_verdict(d["stall"]) for d in designs.values()]),
        ("erosion per case, by cause:", ["" for _ in names]),
    ]
    for cause in EROSION_CAUSES:
        values = [d["erosion"][cause] for d in designs.values()]
        if any(abs(v) > 1e-12 for v in values):
            rows.append((f"  {cause}", [_num(v) for v in values]))
    rows += [
        (f"pilot value per year ({cur})", [_money(d["pilot"]["value_per_year"]) for d in designs.values()]),
        (f"production value per year ({cur})", [_money(d["production"]["value_per_year"]) for d in designs.values()]),
        (f"costs per year ({cur})", [_money(d["costs"]["annualised_total"]) for d in designs.values()]),
        (f"net value per year ({cur})", [_money(d["net_value_per_year"]) for d in designs.values()]),
        ("lead time mean (days)", [_num(d["lead_time"]["mean"], 1) for d in designs.values()]),
        ("lead time p90 (days)", [_num(d["lead_time"]["p90"], 1) for d in designs.values()]),
    ]
    label_w = max(len(label) for label, _ in rows)
    col_w = [max(len(n), *(len(r[1][i]) for r in rows)) for i, n in enumerate(names)]
    head = (
        f"scenario {summary['scenario']} · seed {summary['seed']} · {summary['horizon_days']:g} days · "
        f"{summary['cases']:,} cases (same cases in pilot and production)"
    )
    lines = [head, "", " " * label_w + "  " + "  ".join(n.rjust(w) for n, w in zip(names, col_w, strict=True))]
    for label, cells in rows:
        lines.append(label.ljust(label_w) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, col_w, strict=True)))
    return "\n".join(lines)
