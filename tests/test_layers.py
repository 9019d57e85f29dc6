"""Imports run one way (docs/design.md, "Layers"): a model never imports the experiment, report or CLI layers.

Every import statement of every module is read with ``ast`` (including imports inside functions), reduced to an
edge between the package's parts, and checked against the layering. The graph in docs/design.md is this graph:
the test fails when the two differ, so the document cannot go stale.
"""

from __future__ import annotations

import ast
import re

from conftest import ROOT

PACKAGE = ROOT / "src" / "scalesim"
LAYER = {
    "errors": 0,
    "about": 0,
    "limits": 0,
    "labels": 0,
    "scenario": 1,
    "ops": 2,
    "portfolio": 2,
    "experiment": 3,
    "evidence": 3,
    "kinds": 4,
    "report": 5,
    "canonical": 6,
    "api": 6,
    "app": 7,
    "cli": 8,
}
SIBLINGS_ALLOWED = {("portfolio", "ops")}  # the portfolio model draws from the operations model's named streams


def part_of(module: str) -> str | None:
    """``scalesim.ops.flow`` -> ``ops``; the package root -> ``scalesim``."""
    if module == "scalesim":
        return "scalesim"
    if not module.startswith("scalesim."):
        return None
    return module.split(".")[1]


def edges() -> set[tuple[str, str]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        source = part_of(module)
        if source in (None, "scalesim"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            for target in targets:
                part = part_of(target)
                if part is not None and part != source:
                    found.add((str(source), part))
    return found


def test_no_part_imports_a_layer_above_it_or_the_package_root():
    for source, target in sorted(edges()):
        assert target != "scalesim", f"{source} imports the package root (which imports every layer)"
        allowed = LAYER[target] < LAYER[source] or (source, target) in SIBLINGS_ALLOWED
        allowed |= LAYER[target] == LAYER[source] == 6  # api re-exports canonical's check
        assert allowed, f"{source} imports {target}: a layer may only import the layers below it"


def test_the_models_know_nothing_of_experiments_reports_or_the_cli():
    for source, target in edges():
        if source in ("ops", "portfolio", "scenario"):
            assert target not in ("experiment", "report", "api", "cli", "canonical"), (source, target)


def test_the_graph_in_the_design_document_is_the_real_one():
    text = (ROOT / "docs" / "design.md").read_text()
    block = text.split("## Import graph", 1)[1].split("```")[1]
    documented = set()
    for line in block.strip().splitlines():
        source, targets = (part.strip() for part in line.split("->"))
        documented |= {(source, t.strip()) for t in re.split(r",\s*", targets) if t.strip()}
    assert documented == edges()
