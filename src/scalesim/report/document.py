"""A report as a document for the people it is for: the answer on the first page, the detail after it, the
model's raw output last and folded away — written as one self-contained HTML file and a Markdown twin.

The first page holds the narrative, one figure and one small table with people's labels; it is a printed page of
its own (the print stylesheet breaks after it). Detail sections follow, each with its sentences, figures and
labelled tables. What the model wrote (the text table, the raw data columns, the scenario and the manifest) sits in
``<details>`` blocks a reader opens if they want to trace a number; printing leaves them out and says where
they are. The HTML embeds its figures (base64 PNG) and styles, so it opens offline and can be mailed as one file;
the Markdown links the same figures, written to ``figures/`` next to it.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from scalesim.experiment import atomic
from scalesim.report.figures import png
from scalesim.report.tables import Cell, Table, cell_parts, cell_text, header_text

Drawing = tuple[str, Callable[[], Figure]]
"""A figure's name and how to draw it: drawn when the report is written, never for the workbook."""


@dataclass
class Raw:
    """Something the model wrote, shown as written (monospace text, or a data table with its own column names)."""

    title: str
    text: str = ""
    frame: pd.DataFrame | None = None


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Drawing] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    raw: list[Raw] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    lead: list[str]
    figure: Drawing | None
    table: Table | None
    sections: list[Section] = field(default_factory=list)
    technical: list[Raw] = field(default_factory=list)


STYLE = """
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);line-height:1.45;
max-width:1080px;margin:0 auto;padding:1.5em 1.5em 4em;font-size:16px}
h1{font-size:1.7em;margin:.2em 0}.subtitle{color:var(--muted);margin:0 0 1.2em}
h2{font-size:1.3em;border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:1.4em 0 .3em}
.lead p{font-size:1.08em;margin:.5em 0}
figure{margin:1em 0}figure img{display:block;max-width:100%;height:auto}
table.people{border-collapse:collapse;width:100%;font-size:.92em;margin:.4em 0}
table.people th,table.people td{border-bottom:1px solid var(--line);padding:.35em .5em;vertical-align:top;
overflow-wrap:break-word}
table.people td:first-child{white-space:nowrap}
table.people th{text-align:left;background:var(--soft);font-weight:600}
table.people td.number,table.people th.number{text-align:right;font-variant-numeric:tabular-nums}
table.people td.number{white-space:nowrap}
.pm{display:block;color:var(--muted);font-size:.85em}
.note{color:var(--muted);font-size:.88em;margin:.2em 0 1em}
details{margin:.8em 0;border:1px solid var(--line);border-radius:6px;padding:.4em .8em}
details summary{cursor:pointer;color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}
pre{background:var(--soft);padding:1em;font-size:12px;overflow-x:auto;white-space:pre}
table.raw{border-collapse:collapse;font-size:11px}table.raw td,table.raw th{border:1px solid var(--line);
padding:2px 5px;text-align:right;white-space:nowrap}
.print-only{display:none}
@media print{
@page{size:A4;margin:14mm}
body{max-width:none;padding:0;font-size:10pt}
h1{font-size:16pt}.lead p{font-size:10.5pt}
.first-page{break-after:page}
.first-page figure img{max-height:92mm;width:auto;margin:0 auto}
table.people{font-size:8.5pt}
figure,table.people,tr{break-inside:avoid}
h2,h3{break-after:avoid}
details{display:none}.print-only{display:block;color:var(--muted)}
}
"""


def write(folder: Path, document: Document) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``figures/*.png`` into ``folder``; return every path written."""
    figures: dict[str, bytes] = {}
    for name, draw in _all_figures(document):
        figures[name] = png(draw())
        atomic.write_bytes(folder / "figures" / f"{name}.png", figures[name])
    html_path, md_path = folder / "report.html", folder / "report.md"
    atomic.write_text(html_path, to_html(document, figures))
    atomic.write_text(md_path, to_markdown(document))
    return [html_path, md_path, *(folder / "figures" / f"{name}.png" for name in figures)]


def _all_figures(document: Document) -> list[Drawing]:
    found = [document.figure] if document.figure else []
    return found + [f for section in document.sections for f in section.figures]


# ------------------------------------------------------------------------------------------------ HTML


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _img(name: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return f"<figure><img alt='{_e(name)}' src='data:image/png;base64,{encoded}'></figure>"


def _table_html(table: Table, heading: bool = True) -> str:
    align = ["number" if c.kind != "text" else "text" for c in table.columns]
    head = "".join(
        f"<th class='{a}'>{_e(header_text(c, table.currency))}</th>" for c, a in zip(table.columns, align, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td class='{align[j]}'>{_cell_html(table, i, j, v)}</td>" for j, v in enumerate(row))
        + "</tr>"
        for i, row in enumerate(table.rows)
    )
    note = f"<p class='note'>{_e(table.note)}</p>" if table.note else ""
    title = f"<h3>{_e(table.title)}</h3>" if heading else ""
    return f"{title}<table class='people'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _cell(table: Table, row: int, index: int, value: Cell) -> str:
    return cell_text(value, table.column(row, index), table.currency)


def _cell_html(table: Table, row: int, index: int, value: Cell) -> str:
    main, spread = cell_parts(value, table.column(row, index), table.currency)
    return _e(main) + (f"<span class='pm'>{_e(spread)}</span>" if spread else "")


def _raw_html(raw: Raw) -> str:
    if raw.frame is not None:
        frame = raw.frame.head(200)
        more = f"<p class='note'>first 200 of {len(raw.frame):,} rows</p>" if len(raw.frame) > 200 else ""
        inner = frame.to_html(index=False, classes="raw", na_rep="-", float_format=_raw_number, border=0) + more
    else:
        inner = f"<pre>{_e(raw.text)}</pre>"
    return f"<details><summary>{_e(raw.title)}</summary><div class='scroll'>{inner}</div></details>"


def _raw_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def to_html(document: Document, figures: dict[str, bytes]) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(document.title)}</title><style>{STYLE}</style></head><body>",
        "<section class='first-page'>",
        f"<h1>{_e(document.title)}</h1><p class='subtitle'>{_e(document.subtitle)}</p>",
        "<div class='lead'>" + "".join(f"<p>{_e(p)}</p>" for p in document.lead) + "</div>",
    ]
    if document.figure:
        parts.append(_img(document.figure[0], figures[document.figure[0]]))
    if document.table:
        parts.append(_table_html(document.table))
    parts.append("</section>")
    for section in document.sections:
        parts.append(f"<section><h2>{_e(section.title)}</h2>")
        parts += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
        parts += [_img(name, figures[name]) for name, _ in section.figures]
        parts += [_table_html(t, heading=t.title != section.title) for t in section.tables]
        parts += [_raw_html(r) for r in section.raw]
        parts.append("</section>")
    if document.technical:
        parts.append("<section><h2>Technical detail</h2>")
        parts.append(
            "<p class='print-only'>Left out of print: open report.html, or report.md next to it, for the model's "
            "own output, the resolved scenario and the manifest.</p>"
        )
        parts += [_raw_html(r) for r in document.technical]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ Markdown


def _table_md(table: Table) -> str:
    head = "| " + " | ".join(header_text(c, table.currency) for c in table.columns) + " |"
    rule = "|" + "|".join("---:" if c.kind != "text" else "---" for c in table.columns) + "|"
    rows = [
        "| "
        + " | ".join(cell_text(v, table.column(i, j), table.currency).replace("|", "/") for j, v in enumerate(row))
        + " |"
        for i, row in enumerate(table.rows)
    ]
    note = f"\n\n*{table.note}*" if table.note else ""
    return f"**{table.title}**\n\n" + "\n".join([head, rule, *rows]) + note


def _raw_md(raw: Raw, limit: int = 60) -> str:
    if raw.frame is None:
        return f"<details><summary>{raw.title}</summary>\n\n```\n{raw.text}\n```\n\n</details>"
    shown = raw.frame.head(limit)
    cells = [[_raw_number(v) if isinstance(v, float) else str(v) for v in row] for row in shown.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    more = f"\n\n({len(raw.frame) - limit:,} more rows in the data files)" if len(raw.frame) > limit else ""
    return f"<details><summary>{raw.title}</summary>\n\n" + "\n".join(lines) + more + "\n\n</details>"


def to_markdown(document: Document) -> str:
    parts = [f"# {document.title}", f"*{document.subtitle}*", *document.lead]
    if document.figure:
        parts.append(f"![{document.figure[0]}](figures/{document.figure[0]}.png)")
    if document.table:
        parts.append(_table_md(document.table))
    for section in document.sections:
        parts.append(f"## {section.title}")
        parts += section.paragraphs
        parts += [f"![{name}](figures/{name}.png)" for name, _ in section.figures]
        parts += [_table_md(t) for t in section.tables]
        parts += [_raw_md(r) for r in section.raw]
    if document.technical:
        parts.append("## Technical detail")
        parts += [_raw_md(r) for r in document.technical]
    return "\n\n".join(parts) + "\n"
