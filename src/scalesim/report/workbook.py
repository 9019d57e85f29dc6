"""``--xlsx``: the result as one workbook a finance team opens — every table of the report as a formatted sheet.

The sheets are the report's tables (:mod:`scalesim.report.build` composes both, so they say the same): the
summary first, with the narrative above its table; then each detail table; a run's money by month; and the
assumptions — every value of the resolved scenario with the source its file cites for it. Cells hold numbers,
not text, with a number format (thousands separators, percentages), so columns sum; a figure with a 95% interval
is two columns, the mean and its half-width; a figure that is missing says why in words.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scalesim.experiment import atomic
from scalesim.kinds import StoredRun, load
from scalesim.labels import field_words
from scalesim.report.build import compose
from scalesim.report.tables import Column, Estimate, Table, header_text

WORKBOOK = "workbook.xlsx"
FORMATS = {
    "money": "#,##0;-#,##0",
    "money_per_case": "#,##0.00;-#,##0.00",
    "percent": "0.0%",
    "points": "+0.0;-0.0;0.0",
    "day": "#,##0",
    "days": "#,##0.0",
    "count": "#,##0",
    "number": "General",
}
BOLD = Font(bold=True)
HEADER = PatternFill("solid", fgColor="F0F0F0")
WRAP = Alignment(wrap_text=True, vertical="top")


def write_workbook(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write ``workbook.xlsx`` into a results folder; return its path."""
    stored = load(folder, manifest)
    document = compose(stored, manifest)
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has its first sheet
    summary.title = "Summary"
    summary.append([document.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([document.subtitle])
    summary.append([])
    for paragraph in document.lead:
        summary.append([paragraph])
        summary.cell(summary.max_row, 1).alignment = WRAP
        summary.merge_cells(start_row=summary.max_row, end_row=summary.max_row, start_column=1, end_column=8)
        summary.row_dimensions[summary.max_row].height = 15 * max(1, math.ceil(len(paragraph) / 110))
    summary.append([])
    if document.table is not None:
        _table(summary, document.table)
    names = {"Summary"}
    for section in document.sections:
        for table in section.tables:
            _table(book.create_sheet(_sheet_name(table.name or table.title, names)), table)
    if isinstance(stored, StoredRun):
        _frame(book.create_sheet(_sheet_name("Money by month", names)), _money_by_month(stored), manifest)
    _assumptions(book.create_sheet(_sheet_name("Assumptions", names)), manifest)
    buffer = io.BytesIO()
    book.save(buffer)
    path = folder / WORKBOOK
    atomic.write_bytes(path, buffer.getvalue())
    return path


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the book."""
    base = re.sub(r"[\[\]:*?/\\]", " ", wanted)[:31].strip() or "Sheet"
    name, n = base, 2
    while name in taken:
        name = f"{base[: 31 - len(str(n)) - 1]} {n}"
        n += 1
    taken.add(name)
    return name


def _columns(table: Table) -> list[tuple[Column, str]]:
    """Each column of the table as the sheet writes it: a figure with an interval becomes two."""
    out = []
    for j, column in enumerate(table.columns):
        header = header_text(column, table.currency)
        out.append((column, header))
        if any(isinstance(row[j], Estimate) for row in table.rows):
            out.append((column, f"{header} ± 95%"))
    return out


def _table(sheet: Worksheet, table: Table) -> None:
    """The table's title, its header and its rows (numbers with formats), and its note, from the next free row."""
    start = sheet.max_row + 1 if sheet.max_row > 1 else 1
    sheet.cell(start, 1, table.title).font = BOLD
    headers = _columns(table)
    for j, (_, header) in enumerate(headers, start=1):
        cell = sheet.cell(start + 1, j, header)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER, WRAP
    for i, row in enumerate(table.rows):
        values: list[tuple[Any, str]] = []
        for j, value in enumerate(row):
            column = table.column(i, j)
            spread = any(isinstance(r[j], Estimate) for r in table.rows)
            if isinstance(value, Estimate):
                values.append(_value(value.mean, column))
                values.append(_value(value.half_width, column, spread=True))
            else:
                values.append(_value(value, column))
                if spread:
                    values.append((None, "General"))
        for j, (value, number_format) in enumerate(values, start=1):
            cell = sheet.cell(start + 2 + i, j, value)
            cell.number_format = number_format
    if table.note:
        sheet.cell(start + 3 + len(table.rows), 1, table.note).font = Font(italic=True, color="57606A")
    _widths(sheet, headers)


def _value(value: Any, column: Column, spread: bool = False) -> tuple[Any, str]:
    """A cell's value and number format; a missing number becomes the column's words for it."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return (None if spread else column.missing), "General"
    if isinstance(value, str) or column.kind == "text":
        return value, "General"
    number = float(value)
    if column.kind == "points":
        number *= 100
    number_format = FORMATS.get(column.kind, "General")
    if spread and column.kind == "percent":  # a share's half-width is in points
        return 100 * number, "0.0"
    return number, number_format


def _widths(sheet: Worksheet, headers: list[tuple[Column, str]]) -> None:
    for j, (column, header) in enumerate(headers, start=1):
        wide = 42 if column.kind == "text" else 16
        current = sheet.column_dimensions[get_column_letter(j)].width or 0
        sheet.column_dimensions[get_column_letter(j)].width = max(current, min(wide, max(12, len(header) + 2)))


def _money_by_month(stored: StoredRun) -> pd.DataFrame:
    return stored.table("money")


MONEY_WORDS = {
    "design": "design",
    "month": "month from go-live (negative: the build)",
    "value": "value",
    "costs": "costs",
    "net": "net",
    "cumulative_net": "cumulative net",
    "pilot_projection": "what the pilot projected",
    "pilot_projection_cumulative_net": "cumulative net the pilot projected",
    "start_day": "first day (from go-live)",
}
MONEY_KINDS = {"design": "text", "month": "count", "start_day": "day"}


def _frame(sheet: Worksheet, frame: pd.DataFrame, manifest: dict[str, Any]) -> None:
    """A run's money by month, with its columns in words and money formatted."""
    currency = manifest["resolved_scenario"]["currency"]
    columns = [Column(MONEY_WORDS.get(c, c.replace("_", " ")), MONEY_KINDS.get(c, "money")) for c in frame.columns]
    rows = [list(row) for row in frame.itertuples(index=False)]
    _table(sheet, Table(f"Money by month ({currency})", columns, rows, currency=currency))


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, inner in value.items() for leaf in _leaves(inner, f"{path}.{key}" if path else key)]
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return [leaf for i, inner in enumerate(value) for leaf in _leaves(inner, f"{path}.{i}")]
    return [(path, ", ".join(map(str, value)) if isinstance(value, list) else value)]


def _assumptions(sheet: Worksheet, manifest: dict[str, Any]) -> None:
    """Every value the run used, in words, with the source its scenario file cites (or a belief's source)."""
    resolved = manifest["resolved_scenario"]
    cited: dict[str, str] = manifest["details"].get("sources") or {}
    beliefs = (resolved.get("beliefs") or {}).get("inputs", {})
    rows: list[list[Any]] = []
    for path, value in _leaves({k: v for k, v in resolved.items() if k not in ("beliefs", "sensitivity", "workshop")}):
        belief = (beliefs.get(path) or {}).get("source") or ""
        source = "; ".join(part for part in (cited.get(path, ""), f"belief: {belief}" if belief else "") if part)
        rows.append([field_words(path), path, value if not isinstance(value, bool) else str(value).lower(), source])
    where = (
        "sources: what the scenario file cites for each value (its comments), and a belief's own source where a "
        "decision drew the value"
        if cited
        else "no sources recorded: the scenario was given in memory, or its file cites none"
    )
    table = Table(
        "Assumptions: every value the run used",
        [Column("in words"), Column("field"), Column("value", "number"), Column("source")],
        rows,
        note=where,
    )
    _table(sheet, table)
