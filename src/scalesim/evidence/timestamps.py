"""One timestamp format per column, inferred from all of its values — never a guess per value.

Exports write dates in many shapes: ISO 8601 (``2026-03-12T17:13:00+01:00``), European ``12.03.2026 17:13``,
``12/03/2026``, American ``03/12/2026 5:13 PM``. Parsing each value on its own (pandas' ``format="mixed"``) reads
``12.03.2026`` month-first and ``13.03.2026`` day-first in the same column — a month's error, silent when every day
is 12 or less. So the format is decided once, from every value of the column:

- a year first (``2026-03-12``, ``2026/03/12``) is ISO order, read by pandas' ISO 8601 parser (a column with
  any year-first value is read so; values that are not are refused, named with their rows);
- otherwise the date is ``a.b.year`` (any of ``. / -``): when some ``a`` is above 12 the column is day-first,
  when some ``b`` is above 12 it is month-first; both, and the column mixes orders (refused, with a row of each);
  neither, and it is ambiguous: refused with both readings of one value, unless the mapping names the format
  (``formats: {end: "%d.%m.%Y %H:%M"}``, Python's ``strftime`` codes);
- a time of day follows with ``:`` (hours and minutes, optional seconds and fraction, optional AM/PM).

Offsets (``+01:00``) are dropped after reading: the log's **local clock time** is kept, so a shift that starts at
8:00 starts at 8:00 in summer and in winter (converting to UTC would move it an hour across a daylight-saving
change); naive timestamps are taken as local clock time too. The report states which reading was used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalesim.errors import ScenarioError

DATE = re.compile(r"^\s*(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})(?:[ T]+(.*?))?\s*$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AaPp][Mm])?\s*(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class Parsed:
    """A column's timestamps (local clock time, as tz-naive values in a UTC-tagged series) and how they were
    read."""

    values: pd.Series
    reading: str


def parse_column(values: pd.Series, column: str, source: str, fmt: str | None = None, field: str = "end") -> Parsed:
    """Every value of ``column`` read with one format: the mapping's ``fmt``, or the one its values imply.
    ``field`` is the timestamp the column holds (``enable``, ``start``, ``end``): a mapping names its format under
    that key, so every hint says it."""
    present = values.dropna().astype(str).str.strip()
    present = present[present != ""]
    if present.empty:
        raise ScenarioError(f"{source}: column {column!r} has no timestamps (every value is empty)")
    if fmt is not None:
        return Parsed(_with_format(values, column, source, fmt), f"{column}: the mapping's format {fmt!r}")
    sample = present.drop_duplicates()
    if sample.str.match(r"^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}").any():  # year first: what does not parse is refused
        return Parsed(_iso(values, column, source), f"{column}: ISO 8601 (year first)")
    fmt, reading = _infer(sample, column, source, field)
    return Parsed(_with_format(values, column, source, fmt), f"{column}: {reading} ({fmt!r})")


def _local(parsed: pd.Series) -> pd.Series:
    """Local clock time: an offset-aware value keeps its wall-clock reading; tagged UTC for arithmetic."""
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.tz_localize("UTC")


def _iso(values: pd.Series, column: str, source: str) -> pd.Series:
    # the offset is dropped on purpose: the log's local clock time is kept (module docstring)
    local = values.astype("string").str.strip().str.replace(r"(Z|[+-]\d{2}:?\d{2})$", "", regex=True)
    parsed = pd.to_datetime(local.str.replace("/", "-", regex=False), errors="coerce", format="ISO8601")
    _refuse_unparsed(values, parsed, column, source, "ISO 8601 (year-month-day)")
    return _local(parsed)


def _with_format(values: pd.Series, column: str, source: str, fmt: str) -> pd.Series:
    text = values.astype("string").str.strip().str.replace(r"\s*(Z|[+-]\d{2}:?\d{2})$", "", regex=True)
    try:
        parsed = pd.to_datetime(text, errors="coerce", format=fmt)
    except ValueError as error:
        raise ScenarioError(f"{source}: column {column!r}: the format {fmt!r} is not a date format ({error})") from None
    _refuse_unparsed(values, parsed, column, source, repr(fmt))
    return _local(parsed)


def _refuse_unparsed(values: pd.Series, parsed: pd.Series, column: str, source: str, expected: str) -> None:
    """Refuse a column with values that are not timestamps in its format: name the column, how many, and the
    first few with their rows (a file's row is the index + 2: the header is row 1)."""
    bad = parsed.isna() & values.notna() & (values.astype("string").str.strip() != "")
    if not bad.any():
        return
    rows = np.flatnonzero(bad.to_numpy())
    shown = ", ".join(f"row {r + 2}: {values.iloc[r]!r}" for r in rows[:3])
    raise ScenarioError(
        f"{source}: column {column!r}: {len(rows):,} value(s) are not timestamps in the column's format "
        f"({expected}): {shown}"
    )


def _infer(sample: pd.Series, column: str, source: str, field: str) -> tuple[str, str]:
    """The strftime format of a column of ``a.b.year [time]`` dates, from every distinct value."""
    parts = sample.str.extract(DATE.pattern)
    unmatched = parts[0].isna()
    if unmatched.any():
        first = sample[unmatched].iloc[0]
        raise ScenarioError(
            f"{source}: column {column!r}: {first!r} is not a timestamp this reader knows (ISO 8601, or day, month "
            f"and year with . / or -); name the column's format in the mapping: formats: {{{field}: '%d.%m.%Y %H:%M'}}"
        )
    separator = parts[1].iloc[0]
    if (parts[1] != separator).any():
        raise ScenarioError(f"{source}: column {column!r}: dates use more than one separator ({separator!r} and more)")
    a, b = parts[0].astype(int), parts[2].astype(int)
    day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
    if day_first and month_first:
        one, other = sample[a > 12].iloc[0], sample[b > 12].iloc[0]
        raise ScenarioError(
            f"{source}: column {column!r} mixes day-first and month-first dates ({one!r} can only be day-first, "
            f"{other!r} only month-first); fix the export, or name the format in the mapping"
        )
    year = "%Y" if (parts[3].str.len() == 4).all() else "%y"
    clock = _clock(parts[4].dropna(), column, source)
    if not day_first and not month_first:
        value = sample.iloc[0]
        x, y = int(parts[0].iloc[0]), int(parts[2].iloc[0])
        raise ScenarioError(
            f"{source}: column {column!r}: every date reads both ways ({value!r} is day {x}, month {y} or month "
            f"{x}, day {y}); name the format in the mapping: formats: {{{field}: "
            f"'%d{separator}%m{separator}{year}{clock}'}} (day first) or '%m{separator}%d{separator}{year}{clock}'"
        )
    order = ("%d", "%m") if day_first else ("%m", "%d")
    fmt = f"{order[0]}{separator}{order[1]}{separator}{year}{clock}"
    return fmt, "day first" if day_first else "month first"


def _clock(times: pd.Series, column: str, source: str) -> str:
    """The time-of-day part of the format, the same for every value that has one."""
    if times.empty:
        return ""
    shapes = set()
    for text in times.drop_duplicates():
        found = TIME.match(text.strip())
        if found is None:
            raise ScenarioError(f"{source}: column {column!r}: {text!r} is not a time of day (hours:minutes)")
        hour = "%I" if found.group(5) else "%H"
        shape = f" {hour}:%M" + (":%S" if found.group(3) else "") + (".%f" if found.group(4) else "")
        shapes.add(shape + (" %p" if found.group(5) else ""))
    if len(shapes) > 1:
        raise ScenarioError(
            f"{source}: column {column!r}: times come in {len(shapes)} shapes ({', '.join(sorted(shapes))}); name "
            "the format in the mapping"
        )
    return shapes.pop()
