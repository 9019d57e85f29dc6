"""Read an event-log file as exported — CSV in any common dialect, or XES — into a table of text columns.

What a workflow system, Disco, Celonis, ProM or Excel writes varies in ways that must not change the evidence:

- **CSV dialects**: the separator (``,``, ``;`` as Excel writes in most of Europe, tab, ``|``) and the quoting are
  detected from the file's first lines (the standard library's ``csv.Sniffer``, checked against the header);
  a UTF-8 byte-order mark is dropped, UTF-16 with its mark is read, and a file that is not UTF-8 is read as
  Windows-1252 and said so; a decimal comma in a column is noticed and said so. Every value is kept as text: the
  timestamps' format is inferred per column from all its values (:mod:`scalesim.evidence.timestamps`).
- **XES** (IEEE 1849-2016) is read by a streaming parser of the standard library (``xml.etree.iterparse``): one row
  per event with its trace's ``concept:name``, every event attribute as a column. pm4py (AGPL, not a dependency)
  reads the same files, with the same rows and columns; it converts timestamps to UTC on the way, which moves a
  shift by an hour across a daylight-saving change, and it takes about twice the time on BPIC 2012
  (``benchmarks/bench_calibrate.py``). Neither pairs lifecycle events: that is :mod:`scalesim.evidence.lifecycle`.

Every fault of the file itself (not gzip, a truncated gzip, not XML, no traces, binary data, no header) is
refused in one line that names the file and what is wrong.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

import pandas as pd

from scalesim.errors import ScenarioError

SEPARATORS = ",;\t|"
SNIFF_BYTES = 64 * 1024
XES_VALUES = ("string", "date", "int", "float", "boolean", "id")
"""XES attribute elements holding a value (lists and containers are not read)."""
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


@dataclass
class Reading:
    """A file read as text columns, and what a reader must know about how it was read."""

    frame: pd.DataFrame
    kind: str  # "csv" or "xes"
    notes: list[str] = field(default_factory=list)


def read_file(path: Path) -> Reading:
    """The file's rows as text columns (XES: one row per event), or a one-line refusal naming what is wrong."""
    name = path.name.lower()
    data = _bytes(path)
    if name.endswith((".xes", ".xes.gz")):
        return _xes(data, path)
    return _csv(data, path)


def _bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by its magic number, whatever its name)."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        if path.name.lower().endswith(".gz"):
            raise ScenarioError(f"{path}: named .gz but not gzip data; give the log itself, or gzip it again")
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ScenarioError(f"{path}: a damaged gzip file ({error}); was it cut short in copying?") from None


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes, path: Path, notes: list[str]) -> str:
    if data.startswith(codecs.BOM_UTF8):
        notes.append("a UTF-8 byte-order mark (as Excel writes) was dropped")
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        notes.append("read as UTF-16 (its byte-order mark says so)")
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ScenarioError(f"{path}: not a readable CSV event log (binary data)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        notes.append(
            f"not UTF-8 (byte {error.start} is 0x{data[error.start]:02x}): read as Windows-1252, as Excel saves "
            "plain CSV on Windows; check names with accents"
        )
        return data.decode("cp1252", errors="replace")


def _separator(text: str, path: Path) -> tuple[str, str]:
    """The separator and quote character: sniffed from the first lines, and checked on the header (a separator
    that splits the header into one column is no separator)."""
    sample = text[:SNIFF_BYTES]
    lines = [line for line in sample.splitlines() if line.strip()]
    if not lines:
        raise ScenarioError(f"{path}: the file is empty (an event log needs a header row and events)")
    header = lines[0]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=SEPARATORS)
        separator, quote = dialect.delimiter, dialect.quotechar or '"'
    except csv.Error:
        counts = {sep: header.count(sep) for sep in SEPARATORS}
        separator, quote = max(counts, key=lambda sep: counts[sep]), '"'
    if header.count(separator) == 0:
        counts = {sep: header.count(sep) for sep in SEPARATORS}
        best = max(counts, key=lambda sep: counts[sep])
        if counts[best] == 0:
            raise ScenarioError(
                f"{path}: the header {header[:80]!r} has one column: not an event log (it needs case, activity and "
                "time columns, separated by , ; tab or |)"
            )
        separator = best
    return separator, quote


def _csv(data: bytes, path: Path) -> Reading:
    notes: list[str] = []
    text = _decode(data, path, notes)
    if not text.strip():
        raise ScenarioError(f"{path}: the file is empty (an event log needs a header row and events)")
    separator, quote = _separator(text, path)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            quotechar=quote,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError) as error:
        raise ScenarioError(f"{path}: not a readable CSV event log ({' '.join(str(error).split())})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if separator != ",":
        notes.append(f"read as {SEPARATOR_NAMES[separator]}-separated ({separator!r})")
    decimal = [c for c in frame.columns if _decimal_comma(frame[c])]
    if decimal:
        notes.append(f"decimal comma in {', '.join(decimal)} (read as text: scalesim uses no numbers from them)")
    return Reading(frame, "csv", notes)


def _decimal_comma(values: pd.Series) -> bool:
    sample = values.dropna().head(200)
    return len(sample) > 0 and bool(sample.str.fullmatch(r"-?\d+,\d+").all())


# --------------------------------------------------------------------------- XES


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xes(data: bytes, path: Path) -> Reading:
    """One row per event: its trace's ``concept:name`` as ``case:concept:name``, then every value attribute."""
    if not data.strip():
        raise ScenarioError(f"{path}: the file is empty (an XES log needs <log>, traces and events)")
    rows: list[dict[str, str]] = []
    trace_rows: list[dict[str, str]] = []
    traces = 0
    root = None
    depth = 0
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if tag != "log":
                        raise ScenarioError(f"{path}: an XML file whose root is <{tag}>, not an XES <log>")
                continue
            depth -= 1
            if tag == "event":
                trace_rows.append(
                    {c.get("key", ""): c.get("value", "") for c in element if _local(c.tag) in XES_VALUES}
                )
                element.clear()
            elif tag == "trace":
                traces += 1
                name = next(
                    (
                        c.get("value", "")
                        for c in element
                        if _local(c.tag) in XES_VALUES and c.get("key") == "concept:name"
                    ),
                    f"trace {traces}",
                )
                for row in trace_rows:
                    row["case:concept:name"] = name
                rows += trace_rows
                trace_rows = []
                element.clear()
                if root is not None:
                    root.clear()  # keep memory flat: the rows hold what is needed
    except ParseError as error:
        raise ScenarioError(f"{path}: not a readable XES file: not well-formed XML ({error})") from None
    if root is None:
        raise ScenarioError(f"{path}: not a readable XES file (no XML element)")
    if not traces:
        raise ScenarioError(f"{path}: an XES log with no traces: there are no cases to learn from")
    if not rows:
        raise ScenarioError(f"{path}: an XES log whose {traces:,} traces hold no events")
    frame = pd.DataFrame(rows)
    return Reading(frame, "xes", [f"read as XES: {traces:,} traces"])
