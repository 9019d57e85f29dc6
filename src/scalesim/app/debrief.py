"""The debrief: every table ranked against the pilot's 100 %, why each design kept what it kept, in words, and
what each table guessed before the reveal — as the facilitator's slide and as a printable handout, one page a
table (self-contained HTML: it prints from any browser and can be mailed as one file).
"""

from __future__ import annotations

import html
from typing import Any

from scalesim.app.workshop import Table, Workshop
from scalesim.labels import LEVERS, OPTIONS, REASONS, VERDICT_MARKS

TABLE_CSS = """
table.debrief { border-collapse: collapse; width: 100%; font-size: 1.05em; }
table.debrief th, table.debrief td { text-align: left; padding: 0.45em 0.6em; border-bottom: 1px solid #ddd;
  vertical-align: top; }
table.debrief td.num, table.debrief th.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict-mark { font-weight: 700; white-space: nowrap; } table.debrief tr.pilot td { color: #555; font-style: italic; }
"""
"""The slide's table, on the facilitator's page and in the printed pages alike."""
STYLE = (
    """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 2rem; margin-bottom: 0.2rem; } .sub { color: #555; margin-top: 0; }
.handout { page-break-after: always; break-after: page; }
@media print { body { margin: 1cm; } }
"""
    + TABLE_CSS
)


def ranked(workshop: Workshop) -> list[Table]:
    """The tables that ran, best retention first (a table with no retention to judge last)."""
    ran = [t for t in workshop.tables.values() if t.result is not None]
    return sorted(ran, key=lambda t: -(t.result["retention"] if t.result["retention"] is not None else -9e9))  # type: ignore[index]


def reason(table: Table) -> str:
    """Why the table's design kept what it kept, in words."""
    assert table.result is not None
    stall = table.result["stall"]
    detail = stall.get("detail")
    if stall["verdict"] == "stalled":
        return f"stalled on day {stall['day']:.0f}: {detail or REASONS.get(stall['reason'], stall['reason'])}"
    words = "kept less than half of the pilot's value" if stall["verdict"] == "eroded" else "kept most of its value"
    return f"{words}: {detail}" if detail else words


def _percent(x: float | None) -> str:
    return "undefined" if x is None else f"{100 * x:.1f}%"


def _guess(table: Table, currency: str) -> str:
    if table.prediction is None:
        return "no guess"
    return f"{_percent(table.prediction['retention'])}, NPV {table.prediction['npv']:,.0f} {currency}"


def _mark(verdict: str) -> str:
    mark, colour = VERDICT_MARKS.get(verdict, ("", "#222"))
    return f"<span class='verdict-mark' style='color:{colour}'>{mark} {html.escape(verdict)}</span>"


def rows(workshop: Workshop) -> list[dict[str, Any]]:
    """The debrief as data: one row a table, ranked."""
    cur = workshop.scenario.currency
    return [
        {
            "rank": i,
            "table": t.name,
            "retention": t.result["retention"],  # type: ignore[index]
            "verdict": t.result["stall"]["verdict"],  # type: ignore[index]
            "npv": t.result["money"]["npv"],  # type: ignore[index]
            "why": reason(t),
            "guess": _guess(t, cur),
            "earlier": "; ".join(f"round {r['round']}: {_percent(r['retention'])}" for r in t.rounds) or "",
        }
        for i, t in enumerate(ranked(workshop), 1)
    ]


def slide(workshop: Workshop) -> str:
    """The debrief slide's table (HTML fragment), the pilot's 100 % on top."""
    cur = workshop.scenario.currency
    head = (
        "<tr><th>#</th><th>table</th><th class='num'>value kept</th><th>verdict</th>"
        f"<th class='num'>NPV ({cur})</th><th>why</th><th>guessed before the reveal</th><th>earlier rounds</th></tr>"
    )
    lines = [
        "<tr class='pilot'><td></td><td>the pilot</td><td class='num'>100%</td><td>the demo</td><td></td>"
        "<td>clean data, no handoffs, approvals waived, a dedicated team</td><td></td><td></td></tr>"
    ]
    for row in rows(workshop):
        lines.append(
            f"<tr><td>{row['rank']}</td><td>{html.escape(row['table'])}</td>"
            f"<td class='num'>{_percent(row['retention'])}</td><td>{_mark(row['verdict'])}</td>"
            f"<td class='num'>{row['npv']:,.0f}</td><td>{html.escape(row['why'])}</td>"
            f"<td>{html.escape(row['guess'])}</td><td>{html.escape(row['earlier'])}</td></tr>"
        )
    return f"<table class='debrief'>{head}{''.join(lines)}</table>"


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def debrief_html(workshop: Workshop) -> str:
    """The debrief slide as a page of its own (to print or mail)."""
    title = f"Workshop {workshop.code}: how much of the pilot's value each design kept"
    sub = f"{workshop.scenario.name} · seed {workshop.scenario.run.seed} · budget {workshop.budget:,.0f} up front"
    return _page(title, f"<h1>{html.escape(title)}</h1><p class='sub'>{html.escape(sub)}</p>{slide(workshop)}")


def handouts_html(workshop: Workshop) -> str:
    """One printed page a table: what it chose, in words, what production made of it, why, and its guess."""
    cur = workshop.scenario.currency
    pages = []
    for table in ranked(workshop):
        assert table.result is not None
        chose = "".join(
            f"<tr><th>{html.escape(LEVERS.get(lever, lever))}</th>"
            f"<td>{html.escape(OPTIONS.get(lever, {}).get(option, option))}</td></tr>"
            for lever, option in table.choices.items()
        )
        result = table.result
        body = (
            f"<h1>{html.escape(table.name)}</h1>"
            f"<p class='sub'>workshop {workshop.code} · {html.escape(workshop.scenario.name)}</p>"
            f"<h2>What you chose</h2><table class='debrief'>{chose}</table>"
            f"<h2>What production made of it</h2><table class='debrief'>"
            f"<tr><th>value kept (the pilot = 100%)</th><td>{_percent(result['retention'])}</td></tr>"
            f"<tr><th>verdict</th><td>{_mark(result['stall']['verdict'])}</td></tr>"
            f"<tr><th>why</th><td>{html.escape(reason(table))}</td></tr>"
            f"<tr><th>net present value</th><td>{result['money']['npv']:,.0f} {cur}</td></tr>"
            f"<tr><th>spent up front</th><td>{table.costs.get('up_front', 0):,.0f} {cur}</td></tr>"
            f"<tr><th>your guess before the reveal</th><td>{html.escape(_guess(table, cur))}</td></tr></table>"
        )
        pages.append(f"<section class='handout'>{body}</section>")
    title = f"Workshop {workshop.code}: one page a table"
    return _page(title, "".join(pages) or "<p>No table has run a design yet.</p>")
