"""A scenario file rewritten with updated beliefs, everything else as the user wrote it (comments included).

The comments of a scenario carry its sources, so an update that dropped them would lose what makes the file
trustworthy. ruamel.yaml's round-trip mode keeps comments, key order and flow style; only the updated inputs'
entries change, and the provenance of each update is appended to ``beliefs.evidence``.

One file, one answer: the field a belief is about is set to the posterior's mean too, so ``run``, ``compare``,
``breakeven`` and the report on the updated file use what the pilot showed, as ``decide`` does through the
belief. The field's comment says so and keeps what it said before (the prior's source), after "was".
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from scalesim.scenario.beliefs import Evidence
from scalesim.scenario.paths import field_type, locate
from scalesim.scenario.schema import Scenario


def _flow(values: dict[str, Any]) -> CommentedMap:
    mapping = CommentedMap(values)
    mapping.fa.set_flow_style()
    return mapping


def _belief_entry(belief: Any) -> dict[str, Any]:
    entry = {"dist": belief.dist, "mean": _round(belief.mean_), "sd": _round(belief.sd)}
    if belief.label:
        entry["label"] = belief.label
    entry["source"] = belief.source
    return entry


def _round(x: float) -> float:
    """Six significant figures: a posterior is not known to the last bit, and the file should stay readable."""
    return float(f"{x:.6g}")


def with_updated_beliefs(path: Path, updated: dict[str, Any], evidence: list[Evidence]) -> str:
    """The text of the scenario at ``path`` with ``updated`` (input -> belief) in its beliefs and ``evidence``
    appended to their provenance."""
    yaml = YAML(typ="rt")
    yaml.width = 4096  # a flow mapping stays on one line rather than wrapping where the emitter likes
    yaml.indent(mapping=2, sequence=4, offset=2)  # "  - item" under its key, as the bundled scenarios write
    yaml.preserve_quotes = True
    data = yaml.load(path.read_text(encoding="utf-8"))
    beliefs = data["beliefs"]
    for name, belief in updated.items():
        beliefs["inputs"][name] = _flow(_belief_entry(belief))
    for record in evidence:
        _set_point(data, record)
    records = beliefs.get("evidence")
    if records is None:
        beliefs["evidence"] = records = []
    for record in evidence:
        item = record.model_dump(mode="json")
        item["observed"] = _round(item["observed"])
        for side in ("prior", "posterior"):
            item[side] = _flow({key: _round(value) for key, value in item[side].items()})
        records.append(CommentedMap(item))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def point_value(data: dict[str, Any], path: str, mean: float) -> float | int:
    """The value a field takes for a posterior of this mean: six significant figures (as the belief is written),
    a whole number where the field counts something."""
    return round(mean) if field_type(data, path, Scenario) is int else _round(mean)


def _set_point(data: CommentedMap, record: Evidence) -> None:
    """Set the measured field to the posterior's mean, with a comment naming the pilot before what was said."""
    container, key = locate(data, record.input, Scenario, create=True)
    value = point_value(data, record.input, record.posterior.mean)
    said = f"posterior mean after pilot {record.file} ({record.cases:,} cases)"
    holder, held = container, key
    while not isinstance(holder, CommentedMap) or holder.fa.flow_style():  # a flow mapping: comment its key
        holder, held = _parent_of(data, holder)
        said = f"{record.input.rsplit('.', 1)[-1]}: {said}"
    before = _comment(holder, held)
    container[key] = value
    first, _, rest = before.partition("\n")
    old = re.sub(r"^(\w+: )?posterior mean after pilot [^;]*(; was )?", "", first.lstrip("#").strip())
    holder.yaml_add_eol_comment(f"{said}; was {old}" if old else said, held, column=_column(holder, held))
    if rest:  # whole-line comments that followed belong to the next key: keep them
        token = holder.ca.items[held][2]
        token.value = token.value.rstrip("\n") + "\n" + rest


def _comment(holder: CommentedMap, key: Any) -> str:
    entry = holder.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    return "" if token is None else str(token.value)


def _column(holder: CommentedMap, key: Any) -> int:
    entry = holder.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    return token.start_mark.column if token is not None and token.start_mark is not None else 33


def _parent_of(data: CommentedMap, child: Any) -> tuple[Any, Any]:
    """The mapping holding ``child`` and its key there (a flow mapping's comment is on its parent's line)."""
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            if value is child:
                return node, key
            stack.append(value)
    raise AssertionError("a located field's container is inside the document")  # pragma: no cover
