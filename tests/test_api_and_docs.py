"""The library path the CLI uses, and docs that cannot drift from the schema silently."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

import scalesim
from scalesim.portfolio import schema as portfolio_schema
from scalesim.scenario import beliefs, process, schema

from conftest import ROOT, SCENARIOS, tiny


def test_run_accepts_a_scenario_object_with_overrides():
    base = tiny()
    result = scalesim.run(base, seed=11, days=7, overrides=["production.accuracy=0.5"])
    assert result.scenario.run.seed == 11 and result.scenario.run.horizon_days == 7
    assert result.scenario.production.accuracy == 0.5
    assert base.production.accuracy == 1.0  # the original is untouched
    assert scalesim.resolve(base) is base


def test_run_from_a_path_with_designs():
    result = scalesim.run(SCENARIOS / "claims-triage.yaml", ["redesigned"], days=7)
    assert result.designs == ["redesigned"]


def test_bad_override_on_an_object_names_the_scenario():
    with pytest.raises(scalesim.ScenarioError, match=r"scenario 'tiny'(.|\n)*production\.accuracy"):
        scalesim.run(tiny(), overrides=["production.accuracy=2"])


def _models(module) -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__
    ]


@pytest.mark.parametrize(
    ("module", "page"),
    [(schema, "scenario.md"), (beliefs, "scenario.md"), (process, "scenario.md"), (portfolio_schema, "portfolio.md")],
)
def test_reference_documents_every_field(module, page):
    text = (ROOT / "docs" / "reference" / page).read_text()
    # a field counts as documented only where it heads a row of a reference table (by name, or as a part of a
    # dotted path such as `side_channel.every_days`), not wherever its name happens to appear in the prose
    first_cells = re.findall(r"^\| ([^|]+) \|", text, flags=re.MULTILINE)
    documented = {
        part for cell in first_cells for token in re.findall(r"`([A-Za-z0-9_.]+)`", cell) for part in token.split(".")
    }
    missing = [
        f"{model.__name__}.{field.alias or name}"
        for model in _models(module)
        for name, field in model.model_fields.items()
        if (field.alias or name) not in documented
    ]
    assert not missing, f"fields missing from docs/reference/{page}: {missing}"


def test_every_relative_link_and_image_in_the_docs_exists():
    pages = [
        ROOT / "README.md",
        *(ROOT / "docs").rglob("*.md"),
        ROOT / "results" / "README.md",
        ROOT / "benchmarks" / "README.md",
    ]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if not target.startswith(("http://", "https://", "mailto:")) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
