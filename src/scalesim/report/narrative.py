"""What the numbers say, in a few plain sentences: the lead of every command's text output and every report.

Generated from the results, never written by hand, so a sentence changes when a number does: how much of the
pilot's value survives and where the rest goes (the largest causes, in words), whether the design pays and when,
why it stalled or eroded, and the one change that matters most (the remedy of the largest cause, or, where an
analysis ranked them, the input that moves the answer most). Every number in a sentence is written exactly as the
table below it writes it (a test checks each). The words come from :mod:`scalesim.labels`.
"""

from __future__ import annotations

from typing import Any

from scalesim.labels import CAUSES, COSTS, REASONS, TODAY_NAME, money, percent, remedy

CAUSES_NAMED = 2
"""The largest causes of lost value a sentence names."""


def _per_case(x: float, currency: str) -> str:
    return f"{x:,.2f} {currency}"


def _day(x: float | None) -> str:
    return f"{x:,.0f}" if x is not None else "never while live"


def largest_causes(erosion: dict[str, float], count: int = CAUSES_NAMED) -> list[tuple[str, float]]:
    """The causes that lost the most value per case (positive erosion), largest first."""
    lost = sorted(((value, cause) for cause, value in erosion.items() if value > 0), reverse=True)
    return [(cause, value) for value, cause in lost[:count]]


def _kept(name: str, d: dict[str, Any], currency: str) -> str:
    pilot, production = d["pilot"]["value_per_case"], d["production"]["value_per_case"]
    if d["retention"] is None:
        return (
            f"{name}: the pilot made no money on its own cases ({_per_case(pilot or 0.0, currency)} a case), so there "
            "is no share of it to keep"
        )
    causes = largest_causes(d["erosion"])
    rest = ""
    if causes:
        parts = [f"{CAUSES[c].text} ({_per_case(v, currency)} a case)" for c, v in causes]
        rest = "; most of the rest is " + " and ".join(parts)
    return (
        f"{name} keeps {percent(d['retention'], 1)} of the pilot's value "
        f"({_per_case(production, currency)} of {_per_case(pilot, currency)} a case){rest}"
    )


def _pays(d: dict[str, Any], currency: str, horizon: float) -> str:
    m, stall = d["money"], d["stall"]
    npv = money(m["npv"], currency)
    if stall.get("pays"):
        when = (
            f", paid back {_day(m['payback_day'])} days after go-live"
            if m["payback_day"] is not None
            else ", with nothing to pay back"
            if not m.get("spends", True)
            else ""
        )
        return f"It pays: {npv} net present value over the run{when}"
    costs = d["costs"]
    items = {k: v for k, v in costs.items() if k in COSTS and v}
    biggest = max(items, key=lambda k: items[k]) if items else None
    of_which = f", most of it {COSTS[biggest]} ({money(items[biggest], currency)})" if biggest else ""
    if d["net_value_per_year"] > 0:
        return (
            f"It does not pay within the run: {npv} net present value, though it nets "
            f"{money(d['net_value_per_year'], currency)} a year once running — the build is not recovered by day "
            f"{horizon:,.0f}"
        )
    return (
        f"It loses money: {npv} net present value over the run; it adds {money(costs['annualised_total'], currency)} "
        f"a year{of_which}, against {money(d['production']['value_per_year'], currency)} a year of value"
    )


def _verdict(d: dict[str, Any]) -> str | None:
    stall = d["stall"]
    if stall["verdict"] == "stalled":
        reason = REASONS.get(str(stall["reason"]), str(stall["reason"]))
        where = f" at {stall['team']}" if stall.get("team") else ""
        return f"It stalls on day {stall['day']:,.0f}{where}: {reason}"
    if stall["verdict"] == "eroded":
        return "Its value erodes, but nothing stalls"
    if stall["verdict"] == "scaled":
        return "It scales: nothing stalls"
    return None


def change_that_matters(d: dict[str, Any]) -> str | None:
    """The remedy of the largest cause of lost value."""
    causes = largest_causes(d["erosion"], 1)
    if not causes:
        return None
    cause, _ = causes[0]
    return (
        f"The change that matters most: {remedy(cause, d.get('levers', {}))} ({CAUSES[cause].text} is the largest loss)"
    )


def design_paragraph(name: str, d: dict[str, Any], currency: str, horizon: float) -> str:
    """Two to four sentences on one design's run."""
    if d.get("today"):
        today = TODAY_NAME[0].upper() + TODAY_NAME[1:]
        return f"{today} adds nothing and costs nothing: every design is measured against it."
    sentences = [_kept(name, d, currency), _pays(d, currency, horizon)]
    verdict = _verdict(d)
    if verdict:
        sentences.append(verdict)
    change = change_that_matters(d)
    if change:
        sentences.append(change)
    return " ".join(f"{s}." for s in sentences)


def run_narrative(summary: dict[str, Any]) -> list[str]:
    """One paragraph per design of a run (the summary's designs, in order)."""
    currency, horizon = summary["currency"], summary["horizon_days"]
    return [design_paragraph(name, d, currency, horizon) for name, d in summary["designs"].items()]


def _mean(stat: dict[str, Any]) -> float | None:
    value = stat.get("mean")
    return None if value is None or value != value else float(value)


def experiment_narrative(data: dict[str, Any]) -> list[str]:
    """Replications or a comparison: each design's kept share and money, with intervals, and the paired
    difference that decides between them."""
    currency, n = data["currency"], data["replications"]
    out = []
    for name, d in data["designs"].items():
        if d["stall_verdicts"].get("not_scaled") == 1.0:
            continue
        retention, npv = d["retention"], d["npv"]
        kept = _mean(retention)
        share = (
            f"{percent(kept, 1)} ± {100 * retention['half_width']:.1f} points"
            if kept is not None
            else "an undefined share"
        )
        pays = d.get("pays_share")
        paying = f"pays in {round(pays * n)} of {n} replications" if pays is not None else ""
        out.append(
            f"{name} keeps {share} of the pilot's value over {n} replications; its net present value is "
            f"{money(_mean(npv), currency)} ± {money(npv['half_width'])}; it {paying}."
        )
    for c in data.get("comparisons", []):
        if c["metric"] == "npv":
            out.append(
                f"Against {c['baseline']}, {c['design']} changes the net present value by "
                f"{money(c['mean'], currency, signed=True)} ± {money(c['half_width'])} (same cases, paired)."
            )
    return out


def sensitivity_narrative(data: dict[str, Any]) -> list[str]:
    """Which input moves the key figure most, and the next."""
    table = data["table"]
    if not table:
        return []
    score = {"morris": "mu_star", "sobol": "ST", "oat": "swing"}[data["method"]]
    top = table[0]
    text = f"Of the inputs varied, {top['parameter']} moves {data['key']} of {data['design']} most"
    if len(table) > 1:
        text += f"; then {table[1]['parameter']}"
    return [f"{text} ({score} {top[score]:.3g})."]


def backtest_narrative(data: dict[str, Any]) -> list[str]:
    warned = [f"{m['measure']} {m['team']}".strip() for m in data["measures"] if m["verdict"] == "warn"]
    text = f"The calibrated model reproduces {data['passed']} of {data['passed'] + data['warned']} judged measures"
    if warned:
        text += f"; it misses {', '.join(warned[:3])}" + (f" and {len(warned) - 3} more" if len(warned) > 3 else "")
    return [text + "."]
