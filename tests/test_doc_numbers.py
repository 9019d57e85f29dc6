"""Numbers the docs quote are the stored results' own (issue 40, row 9: the README's test count, the
replications page's narrowing factors and the CLI reference's JSON examples had gone stale). Each is read from
the page and recomputed from the canonical results, so a change that moves them fails here until the page says
the new number."""

from __future__ import annotations

import json
import re

import pytest

from scalesim.experiment.experiment import ExperimentResult

from conftest import ROOT

CANONICAL = ROOT / "results" / "canonical" / "claims-triage"
CLI = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")


def _run_summary() -> dict:
    (path,) = CANONICAL.glob("seed*/summary.json")
    return json.loads(path.read_text())


def _comparison() -> dict:
    (folder,) = CANONICAL.glob("compare-*")
    return ExperimentResult.load(folder).to_dict()


def _block(title: str) -> str:
    after = CLI[CLI.index(title) :]
    start = after.index("```json") + len("```json")
    return after[start : after.index("```", start)]


def _number(text: str, key: str) -> float:
    found = re.search(rf'"{key}": (-?[\d.]+)', text)
    assert found is not None, f"{key} not in the example"
    return float(found[1])


def test_the_run_example_is_the_canonical_run() -> None:
    block, summary = _block("### `run` (one replication)"), _run_summary()
    design = summary["designs"]["bolt_on"]
    assert _number(block, "cases") == summary["cases"]
    production = block[block.index('"production"') :]
    assert _number(production, "value_per_case") == round(design["production"]["value_per_case"], 1)
    assert _number(production, "value_per_year") == round(design["production"]["value_per_year"])
    assert _number(block, "retention") == round(design["retention"], 3)
    assert _number(block, "net_value_per_year") == round(design["net_value_per_year"])
    assert f'"verdict": "{design["stall"]["verdict"]}"' in block and f'"day": {design["stall"]["day"]}' in block
    for cause in ("no_score", "exception", "orphaned", "not_adopted", "delay"):
        assert _number(block[block.index('"erosion"') :], cause) == round(design["erosion"][cause], 1)


def test_the_comparison_example_is_the_canonical_comparison() -> None:
    block, data = _block("### `run --replications`, `compare`, `sweep`"), _comparison()
    retention = data["designs"]["bolt_on"]["retention"]
    assert _number(block, "mean") == round(retention["mean"], 3)
    first = data["comparisons"][0]
    shown = block[block.index('"comparisons"') :]
    assert _number(shown, "mean") == round(first["mean"], 3)
    assert _number(shown, "narrowing") == round(first["narrowing"], 2)
    verdicts = block[block.index('"stall_verdicts"') :]
    assert _number(verdicts, "stalled") == data["designs"]["bolt_on"]["stall_verdicts"]["stalled"]


def test_the_replications_page_quotes_the_canonical_narrowing() -> None:
    page = (ROOT / "docs" / "how-to" / "replications.md").read_text(encoding="utf-8")
    said = re.search(
        r"([\d.]+)x for value\s+per case, ([\d.]+)x for net value per year and ([\d.]+)x for retention", page
    )
    assert said is not None
    by_metric = {c["metric"]: c["narrowing"] for c in _comparison()["comparisons"]}
    for quoted, metric in zip(
        said.groups(), ("production_value_per_case", "net_value_per_year", "retention"), strict=True
    ):
        assert float(quoted) == round(by_metric[metric], 2)


def test_the_readme_says_how_many_tests_there_are(request: pytest.FixtureRequest) -> None:
    """Checked where the whole suite is collected (the README's command); a tier (-m, -k) collects part of it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"The whole suite \((\d[\d,]*) tests\)", readme)
    assert said is not None
    config = request.config
    whole = config.args == list(config.getini("testpaths")) and not config.getoption("markexpr")
    if not whole or config.getoption("keyword") or config.getoption("lf", default=False):
        pytest.skip("only a run of the whole suite knows its size")
    collected = len(request.session.items)
    assert int(said[1].replace(",", "")) == collected, f"the README says {said[1]}; the suite has {collected}"


def test_the_readme_tour_is_the_canonical_runs_output() -> None:
    """The tour's text block is what `scalesim run scenarios/claims-triage.yaml` prints for the canonical run, line
    for line (its last line, the results folder, differs by machine and is left out)."""
    from scalesim.report.text import run_summary

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ scalesim run scenarios/claims-triage.yaml\n") + len(
        "$ scalesim run scenarios/claims-triage.yaml\n"
    )
    block = readme[start : readme.index("```", start)].rstrip("\n")
    printed = run_summary(_run_summary())  # type: ignore[arg-type]
    assert block == printed.rstrip("\n")


def test_staff_time_is_measured_utilisation_times_staff() -> None:
    """The FTE rows (issue 40, "capacity in FTE"): each team's busy staff-equivalents, summed for the design."""
    from scalesim.report.text import STAFF_TIME, staff_time_rows

    summary = _run_summary()
    rows = dict(staff_time_rows(summary))  # type: ignore[arg-type]
    for j, design in enumerate(summary["designs"].values()):
        total = 0.0
        for team, load in design["capacity"].items():
            busy = load["utilisation"] * load["staff"]
            total += busy
            assert rows[f"  {team}"][j] == f"{busy:,.1f} of {load['staff']:,}"
        staff = sum(load["staff"] for load in design["capacity"].values())
        assert rows[STAFF_TIME][j] == f"{total:,.1f} of {staff:,}"
