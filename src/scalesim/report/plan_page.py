"""The pilot plan on one page: text for the terminal, Markdown and a self-contained HTML page (``scalesim plan``).

The order is the argument's: the three questions a pilot designed for production answers before it starts (who
owns the process, how the output changes daily decisions, which governance), then what the pilot measures and
on how many cases, the go / no-go values, what has to change in how the organisation works, and the gaps.
"""

from __future__ import annotations

import textwrap
from functools import partial
from pathlib import Path
from typing import Any

from scalesim.experiment import atomic
from scalesim.labels import short_money
from scalesim.report.decision_figures import pilot_value
from scalesim.report.document import Document, Section, to_html, to_markdown
from scalesim.report.figures import png
from scalesim.report.tables import Column, Table


def _value(item: dict[str, Any], kind: str) -> str:
    value = item["threshold"]
    return f"{value:.1%}" if kind == "share" else f"{value:,.4g}"


def go_lines(plan: dict[str, Any]) -> list[str]:
    kinds = {m["input"]: m["kind"] for m in plan["measurements"]}
    lines = []
    for item in plan["go_no_go"]:
        if item["threshold"] is None:
            where = "pays" if item["pays_everywhere"] else "does not pay"
            lines.append(
                f"{item['label']}: no go / no-go value within the plausible range; on this input alone "
                f"{plan['design']} {where} on average at every plausible value"
            )
        else:
            kind = kinds[item["input"]]
            true_value = _value(item, kind)
            if item.get("observed_threshold") is not None:
                side = "at or above" if item["observed_go_above"] else "at or below"
                seen = _value({"threshold": item["observed_threshold"]}, kind)
                lines.append(
                    f"{item['label']}: go if the pilot's {item['cases']:,} cases show {side} {seen} (Bayes' rule on "
                    f"what the pilot observes at that size; the true value's break-even is {true_value}); otherwise "
                    "today's process (do not scale) is the better bet on average"
                )
                continue
            side, other = ("at or above", "below") if item["go_above"] else ("at or below", "above")
            lines.append(
                f"{item['label']}: go if its true value is {side} {true_value}; {other} it, today's process (do not "
                "scale) is the better bet on average (no pilot size is planned for it, so this is the true value's "
                "break-even: a pilot's observed figure must lie further from it to be evidence)"
            )
    return lines


def measurement_lines(plan: dict[str, Any]) -> list[str]:
    cur = plan["currency"]
    lines = []
    for m in plan["measurements"]:
        top = max(s["evsi"] for s in m["sizes"])
        if top < 1:  # under one unit of the currency: no pilot result would change the choice
            lines.append(f"{m['label']} ({m['counts']}): not worth measuring — no result would change the choice")
            continue
        if m["best_n"] is None:
            lines.append(
                f"{m['label']} ({m['counts']}): not worth measuring on its own — at most {short_money(top)} {cur}, "
                "less than it costs"
            )
            continue
        point = next(s for s in m["sizes"] if s["n"] == m["best_n"])
        enough = f"; beyond {m['enough_n']:,} cases adds under 5%" if m["enough_n"] is not None else ""
        lines.append(
            f"{m['label']} ({m['counts']}): {m['best_n']:,} cases, worth {short_money(point['evsi'])} {cur}, "
            f"costs {short_money(point['cost'])} {cur}{enough}"
        )
    return lines


def timeline_lines(plan: dict[str, Any]) -> list[str]:
    """The plan's cases in weeks at the scenario's arrival rate, and when the decision can be taken."""
    line = plan.get("timeline") or {}
    if not line.get("measurements"):
        return ["no measurement is worth its cost: no pilot to time"]
    rate = line["cases_per_day"]
    lines = [
        f"{item['label']}: {item['cases']:,} cases take {item['days']:,.1f} days at {rate:,.1f} cases a day reaching "
        "the pilot (the scenario's arrival rate x the pilot's sample share)"
        for item in line["measurements"]
    ]
    lines.append(
        f"decision: at the end of week {line['decision_week']} after the pilot starts, when the largest measurement is "
        "complete (all are measured on the same cases at once): run `scalesim update` with the pilot's file, then "
        "`scalesim decide` on the updated scenario"
    )
    return lines


def sections(plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The plan's sections as (title, lines): the same words in every format."""
    own, daily, rules = plan["ownership"], plan["daily_decisions"], plan["governance"]
    return [
        (
            "1. Who owns the process",
            [f"owner: {own['owner']}", f"acting team: {own['acting_team']}"],
        ),
        (
            "2. How the output changes daily decisions",
            [
                f"where it enters: {daily['integration_point']}",
                f"who acts: {daily['who_acts']}",
                f"route: {daily['route']}",
                daily["today"],
                f"exceptions: {daily['exceptions']}",
            ],
        ),
        (
            "3. Governance scale will need",
            [
                f"approvals: {rules['approvals']}",
                f"monitoring: {rules['monitoring']}",
                f"accountability: {rules['accountability']}",
            ],
        ),
        ("4. What the pilot must measure, and on how many cases", measurement_lines(plan) or ["nothing defined"]),
        ("5. Go / no-go", go_lines(plan) or ["no measured input to decide on"]),
        ("6. What has to change in how we work", plan["changes"]),
        ("7. Timeline", timeline_lines(plan)),
        ("Gaps to close before the pilot starts", plan["gaps"] or ["none found in the design"]),
    ]


def lead(plan: dict[str, Any]) -> list[str]:
    words = [plan["decision_headline"]]
    if plan["pilot_headline"]:
        words.insert(0, plan["pilot_headline"])
    if plan["best"] != plan["design"]:
        best = "today's process (do not scale)" if plan["best"] == "today" else plan["best"]
        words.append(f"This plan is for {plan['design']}; on the beliefs as they stand, {best} is the better bet.")
    return words


def plan_text(plan: dict[str, Any]) -> str:
    lines = [f"pilot plan · scenario {plan['scenario']} · design {plan['design']} · {plan['worlds']} plausible worlds"]
    lines += ["", *(textwrap.fill(p, 118, subsequent_indent="  ") for p in lead(plan))]
    for title, items in sections(plan):
        lines += ["", title, *(textwrap.fill(f"  - {item}", 118, subsequent_indent="    ") for item in items)]
    return "\n".join(lines)


def document(plan: dict[str, Any], data: dict[str, Any], source: str) -> Document:
    """The plan as a report document; ``data`` is the decision's (its pilot-value curves are the figure)."""
    cur = plan["currency"]
    table = None
    if plan["measurements"]:
        table = Table(
            "What the pilot measures",
            [
                Column("measurement"),
                Column("what a case shows"),
                Column("best size", "count", missing="not worth it"),
                Column("worth", "money"),
                Column("costs", "money"),
            ],
            [
                [
                    m["label"],
                    m["counts"],
                    m["best_n"],
                    next((s["evsi"] for s in m["sizes"] if s["n"] == m["best_n"]), None),
                    next((s["cost"] for s in m["sizes"] if s["n"] == m["best_n"]), None),
                ]
                for m in plan["measurements"]
            ],
            note="worth: EVSI, the expected gain from choosing after the pilot rather than now (preposterior analysis)",
            currency=cur,
        )
    drawn = data.get("pilot_study") and data["evpi"] > 0
    figure = ("plan-pilot-value", partial(pilot_value, data, source)) if drawn else None
    return Document(
        title=f"Pilot plan: {plan['scenario']}, design {plan['design']}",
        subtitle=plan["description"] or f"{plan['worlds']} plausible worlds",
        lead=lead(plan),
        figure=figure,
        table=table,
        sections=[Section(title, items) for title, items in sections(plan)],
    )


def write_plan(folder: Path, plan: dict[str, Any], data: dict[str, Any], source: str) -> list[Path]:
    """``plan.txt``, ``plan.md`` and ``plan.html`` (its figure embedded; ``figures/plan-pilot-value.png`` for the
    Markdown) in ``folder``."""
    doc = document(plan, data, source)
    figures = {}
    written = []
    if doc.figure is not None:
        figures[doc.figure[0]] = png(doc.figure[1]())
        path = folder / "figures" / f"{doc.figure[0]}.png"
        atomic.write_bytes(path, figures[doc.figure[0]])
        written.append(path)
    for name, text in (
        ("plan.txt", plan_text(plan)),
        ("plan.md", to_markdown(doc)),
        ("plan.html", to_html(doc, figures)),
    ):
        atomic.write_text(folder / name, text)
        written.append(folder / name)
    return written
