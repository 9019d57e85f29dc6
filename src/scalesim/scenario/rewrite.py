"""A scenario file rewritten with updated beliefs, everything else as the user wrote it (comments included).

The comments of a scenario carry its sources, so an update that dropped them would lose what makes the file
trustworthy. ruamel.yaml's round-trip mode keeps comments, key order and flow style; only the updated inputs'
entries change, and the provenance of each update is appended to ``beliefs.evidence``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from scalesim.scenario.beliefs import Evidence


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
