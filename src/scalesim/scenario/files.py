"""Read a YAML file a user hands in, refusing everything that is not a small, plain, UTF-8 mapping.

PyYAML's safe loader already refuses code; this adds what a user's file can still get wrong: a folder or an
empty, binary or non-UTF-8 file (the byte is named), the same key twice in one block (both lines named: YAML
lets the last one win silently), an alias bomb (a few lines that expand to millions of values), nesting deeper
than any scenario, and YAML 1.1's reading of ``1e-3`` as text. Each is one :class:`ScenarioError` line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scalesim.errors import ScenarioError

MAX_BYTES = 5_000_000
"""A scenario is a few kilobytes; a calibrated one with empirical distributions stays far below this."""
MAX_VALUES = 1_000_000
"""Values a file may expand to once its aliases are followed."""
MAX_DEPTH = 40
"""No scenario nests deeper than a dozen levels."""

_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present


class StrictLoader(_Base):  # type: ignore[valid-type,misc]
    """Safe loading, plus: duplicate keys refused, ``1e-3`` read as a number (as YAML 1.2 does)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges are YAML's own, resolved below
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.setdefault(key, line)
            except TypeError:
                raise ScenarioError(f"line {line}: a key must be a name, got {key!r}") from None
            if first != line:
                raise ScenarioError(
                    f"key {key!r} appears twice in the same block (lines {first} and {line}); keep one of them"
                )
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds with every alias followed (memoised: aliases share nodes)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ScenarioError(f"nested more than {MAX_DEPTH} levels deep; no scenario needs that")
        if id(node) in sizes:
            return sizes[id(node)]
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(v, depth + 1) for v in node.value)
        else:
            total = 1
        sizes[id(node)] = min(total, MAX_VALUES + 1)
        return sizes[id(node)]

    return size(root, 0)


def read_text(path: str | Path, what: str = "file") -> str:
    """The file's text: it must exist, be a file, be small, non-empty, text and UTF-8."""
    p = Path(path)
    if p.is_dir():
        raise ScenarioError(f"{p}: is a folder; give the {what} inside it")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such {what}") from None
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(f"{p}: {len(data):,} bytes is too large for a {what} (at most {MAX_BYTES:,})")
    if not data.strip():
        raise ScenarioError(f"{p}: file is empty")
    nul = data.find(b"\0")
    if nul >= 0:
        raise ScenarioError(f"{p}: binary file (byte {nul:,} is NUL), not a YAML {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if _looks_binary(data):
            raise ScenarioError(f"{p}: binary file (not text), not a YAML {what}") from None
        raise ScenarioError(
            f"{p}: not UTF-8 text (byte {exc.start:,} is 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _looks_binary(data: bytes) -> bool:
    """Mostly control or high bytes: a binary file, not text in another encoding (which has few of them)."""
    sample = data[:4096]
    odd = sum(1 for b in sample if (b < 0x20 and b not in b"\t\n\r") or b >= 0x80)
    return odd > 0.3 * len(sample)


def read_mapping(path: str | Path, what: str = "scenario file") -> dict[str, Any]:
    """The file's top-level mapping, read strictly (see the module docstring)."""
    p = Path(path)
    text = read_text(p, what)
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(f"{p}: holds no data (only comments?)")
        if _expanded_size(node) > MAX_VALUES:
            raise ScenarioError(f"{p}: expands to more than {MAX_VALUES:,} values through YAML aliases; refused")
        data = loader.construct_document(node)
    except ScenarioError as exc:
        message = str(exc)
        raise ScenarioError(message if message.startswith(f"{p}:") else f"{p}: {message}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{p}: {_yaml_problem(exc, text)}") from None
    except RecursionError:
        raise ScenarioError(f"{p}: nested too deeply to read; no scenario needs that") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(f"{p}: a {what} must be a mapping of fields, got {type(data).__name__}")
    return data


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """What is wrong with the YAML, in the user's terms where a common slip explains it (a tab, an unclosed
    quote or bracket), with the line; otherwise the parser's own words."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    where = f"line {line}" if line is not None else "the file"
    tabs = [i + 1 for i, row in enumerate(text.splitlines()) if row[: len(row) - len(row.lstrip())].count("\t")]
    if tabs and (line is None or line in tabs or "\t" in str(exc) or "cannot start any token" in str(exc)):
        first = tabs[0] if line is None or line not in tabs else line
        return (
            f"line {first} is indented with a tab; YAML indents with spaces only: replace the tab with spaces "
            "(two per level, as the bundled scenarios do)"
        )
    said = " ".join(str(getattr(exc, "problem", "") or exc).split())
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None and start.line + 1 != line:  # where the unclosed thing began
        said += f" ({context.removeprefix('while ')} that starts at line {start.line + 1}: is it closed?)"
    return f"not valid YAML at {where}: {said}" if said else f"not valid YAML at {where}"
