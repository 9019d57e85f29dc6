"""Where a scenario's numbers come from: the comments its file writes next to them.

Bundled scenarios cite a source, or say "assumption", in a comment on the line of each number (or on the lines
just above a block). YAML parsers drop comments, so this reads them from the text: each ``key: value  # comment``
gives the comment to the key's dotted path, and a run of whole-line comments goes to the key below it. A value
written inline as a mapping (``uplift: {dist: lognormal, mean: 60}``) lends its comment to the fields inside it.
It reads block-style YAML as scenario files are written; a line it cannot place is skipped, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

SET_NOW = "set for this run: "
"""What the sources say of a field a ``--set`` gave for one run (the run's overrides can be read back from it)."""
KEY = re.compile(r"^(?P<indent>\s*)(?P<dash>-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:(?P<rest>.*)$")


def _comment(rest: str) -> tuple[str, str]:
    """Split a value from its trailing comment (a ``#`` after whitespace, outside quotes)."""
    quote = ""
    for i, char in enumerate(rest):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or rest[i - 1].isspace()):
            return rest[:i].strip(), rest[i + 1 :].strip()
    return rest.strip(), ""


def comments(text: str) -> dict[str, str]:
    """Each dotted field path of a scenario file with the comment written for it."""
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            pending = []
            continue
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        match = KEY.match(line)
        if match is None or match["dash"]:  # list items are not placed: their paths carry an index
            pending = []
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([*(key for _, key in stack), match["key"]])
        value, comment = _comment(match["rest"])
        said = " ".join([*pending, comment]).strip()
        if said:
            found[path] = said
        pending = []
        if not value:
            stack.append((indent, match["key"]))
        elif value.startswith("{") and said:
            for inner in re.findall(r"([A-Za-z_][\w-]*)\s*:", value):
                found.setdefault(f"{path}.{inner}", said)
    return found


def sources_for(path: str | Path, overrides: Iterable[str] = ()) -> dict[str, str]:
    """The sources a scenario file cites, with the fields ``overrides`` set for this run marked as such (a value
    set on the command line no longer has the file's source)."""
    found = comments(Path(path).read_text(encoding="utf-8"))
    for item in overrides:
        field = item.split("=", 1)[0].strip()
        found = {k: v for k, v in found.items() if k != field and not k.startswith(f"{field}.")}
        found[field] = f"{SET_NOW}{item}"
    return found
