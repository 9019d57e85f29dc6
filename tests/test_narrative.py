"""The narrative states the results' facts: each number in a sentence is the table's, a design that loses money
says how much, a stall names its day and its cause, and no design paying leads to "do not scale". Facts are
asserted, not the wording around them."""

from __future__ import annotations

import copy
import json
import re

import pytest

from scalesim.experiment.experiment import ExperimentResult
from scalesim.labels import CAUSES, REASONS, money, percent
from scalesim.report.narrative import (
    experiment_facts_of,
    experiment_lead,
    largest_causes,
    paragraph,
    run_facts_of,
    run_lead,
    run_narrative,
)
from scalesim.report.tables import cell_text, experiment_board, run_board

from conftest import ROOT

CANONICAL = ROOT / "results" / "canonical"
RUNS = sorted(CANONICAL.glob("*/seed*/summary.json"))


def summary_of(name: str) -> dict:
    (path,) = CANONICAL.glob(f"{name}/seed*/summary.json")
    return json.loads(path.read_text())


def board_cells(summary: dict) -> dict[str, dict[str, str]]:
    """Each design's first-page table cells as the report writes them, by column header."""
    table = run_board(summary)
    return {
        row[0]: {c.text: cell_text(v, c, table.currency) for c, v in zip(table.columns, row, strict=True)}
        for row in table.rows
    }


@pytest.mark.parametrize("path", RUNS, ids=lambda p: p.parent.parent.name)
def test_each_bundled_run_says_its_numbers_as_its_table_does(path):
    summary = json.loads(path.read_text())
    cells = board_cells(summary)
    for name, text in zip(summary["designs"], run_narrative(summary), strict=True):
        d = summary["designs"][name]
        if d["today"]:
            continue
        assert text.startswith(name)
        if d["retention"] is not None:
            assert f"keeps {cells[name]['value kept']} of the pilot's value" in text
        assert cells[name]["net present value over the run"] in text  # the same NPV, the same digits
        for cause, value in largest_causes(d["erosion"]):
            assert f"{CAUSES[cause].text} ({value:,.2f} {summary['currency']} a case)" in text
        stall = d["stall"]
        if stall["verdict"] == "stalled":
            assert f"day {stall['day']:,.0f}" in text and REASONS[stall["reason"]] in text
        if stall["pays"] and d["money"]["payback_day"] is not None:
            assert f"{d['money']['payback_day']:,.0f} days after go-live" in text
        assert 2 <= len(re.findall(r"\.(?:\s|$)", text)) <= 4, "two to four sentences"


@pytest.mark.parametrize("path", RUNS, ids=lambda p: p.parent.parent.name)
def test_the_lead_names_the_design_that_nets_most(path):
    summary = json.loads(path.read_text())
    designs = {n: d for n, d in summary["designs"].items() if not d["today"]}
    best = max(designs, key=lambda n: designs[n]["money"]["npv"])
    lead = run_lead(summary)
    assert lead.startswith(best) or f"the best, {best}," in lead
    assert money(designs[best]["money"]["npv"], summary["currency"]) in lead
    for name, d in designs.items():
        if name != best and d["stall"]["verdict"] == "stalled":
            assert name in lead and (REASONS[d["stall"]["reason"]] in lead or "for the same reason" in lead)
    stall = designs[best]["stall"]
    if stall["verdict"] == "stalled":  # the recommended design's own stall, second, with its cause
        second = re.split(r"\.\s", lead)[1]
        assert second.startswith(f"{best} stalls on day {stall['day']:,.0f}") and REASONS[stall["reason"]] in second


def test_the_recommended_designs_own_stall_comes_before_the_others():
    """Issue 40 row 3. Before: "bolt_on does best ... monitoring_only stalls on day 125" while bolt_on stalled on
    day 124 by the same cause."""
    summary = copy.deepcopy(summary_of("claims-triage"))
    for name, day in (("redesigned", 124.0), ("bolt_on", 125.0)):
        summary["designs"][name]["stall"].update(verdict="stalled", reason="reverted", day=day, team=None)
    lead = run_lead(summary)
    sentences = re.split(r"\.\s", lead)
    assert sentences[0].startswith("redesigned does best")
    assert sentences[1].startswith("redesigned stalls on day 124: " + REASONS["reverted"])
    assert "(bolt_on too, on day 125, for the same reason)" in sentences[1]


def test_the_advice_never_suggests_a_lever_a_worse_design_beside_it_already_pulls():
    """Issue 40 row 3. Before: "put the output in the queue" for a side-channel design that did best, while the two
    queue designs in the same table lost more."""
    summary = copy.deepcopy(summary_of("claims-triage"))
    bolt_on, redesigned = summary["designs"]["bolt_on"], summary["designs"]["redesigned"]
    assert bolt_on["levers"]["integration_point"] == "side_channel" != redesigned["levers"]["integration_point"]
    bolt_on["money"]["npv"], redesigned["money"]["npv"] = 50_000.0, -20_000.0
    bolt_on["erosion"] = {cause: 0.0 for cause in bolt_on["erosion"]} | {"orphaned": 9.0, "not_adopted": 1.0}
    lead = run_lead(summary)
    assert "The change that matters most" not in lead
    assert "redesigned already does that here and does worse, losing most to" in lead
    redesigned["money"]["npv"] = 60_000.0 - 20_000.0 + 50_000.0  # now redesigned is best: no contradiction to avoid
    bolt_on["money"]["npv"] = -1.0
    assert "already does that" not in run_lead(summary)


def test_a_design_that_loses_money_says_how_much_and_what_costs_most():
    summary = copy.deepcopy(summary_of("claims-triage"))
    d = summary["designs"]["redesigned"]
    d["money"]["npv"], d["net_value_per_year"], d["stall"]["pays"] = -123_456.0, -45_000.0, False
    text = paragraph(run_facts_of(summary)[1])
    assert money(-123_456.0, "EUR") in text
    assert money(d["costs"]["annualised_total"], "EUR") in text
    assert money(d["costs"]["new_teams_per_year"], "EUR") in text  # the largest item, by name and amount
    assert money(d["production"]["value_per_year"], "EUR") in text


def test_a_stall_names_its_day_team_and_cause():
    summary = copy.deepcopy(summary_of("claims-triage"))
    stall = summary["designs"]["redesigned"]["stall"]
    stall.update(verdict="stalled", reason="backlog", day=77.0, team="adjusters")
    text = paragraph(run_facts_of(summary)[1])
    assert "day 77" in text and "adjusters" in text and REASONS["backlog"] in text


def test_undefined_retention_gives_no_share_but_the_pilot_value():
    summary = copy.deepcopy(summary_of("claims-triage"))
    d = summary["designs"]["bolt_on"]
    d["retention"], d["pilot"]["value_per_case"] = None, -3.5
    text = paragraph(run_facts_of(summary)[0])
    assert "%" not in text.split(".")[0], "no share of a pilot value that is not above zero"
    assert "-3.50 EUR" in text


def test_when_no_design_pays_the_lead_says_do_not_scale():
    summary = copy.deepcopy(summary_of("claims-triage"))
    for d in summary["designs"].values():
        d["money"]["npv"], d["stall"]["pays"], d["net_value_per_year"] = -10_000.0, False, -1.0
    lead = run_lead(summary)
    assert lead.startswith("Do not scale")
    assert money(-10_000.0, "EUR") in lead


def test_a_comparison_says_its_intervals_as_its_table_does():
    (folder,) = CANONICAL.glob("stall-demo/compare-*")
    data = ExperimentResult.load(folder).to_dict()
    table = experiment_board(data)
    columns = {c.text: i for i, c in enumerate(table.columns)}
    lead = experiment_lead(data)
    facts = {f.name: f for f in experiment_facts_of(data)}
    best = max((f for f in facts.values() if not f.today), key=lambda f: f.npv)
    row = next(r for r in table.rows if r[0] == best.name)
    column = table.columns[columns["value kept"]]
    kept = cell_text(row[columns["value kept"]], column, table.currency).split(" ±")[0]
    assert kept in lead and kept == percent(best.retention, 1)
    assert f"{money(best.npv, data['currency'])} ± {money(best.npv_hw)}" in lead
    stalled = [f for f in facts.values() if f.stalls]
    for f in stalled:
        assert f.name in lead
        first, _ = f.stall_days
        assert f"{first:,.0f}" in lead


def test_a_spread_below_float_resolution_is_shown_as_none():
    """Before: `38,333.333333333328 ± 0.000000000005` for ten equal costs summed in another order (issue 40, row 9)."""
    from scalesim.report.text import plus_minus

    assert plus_minus(38333.333333333328, 5e-12, 0) == "38,333 ± 0"
    assert plus_minus(38333.333333333328, 5e-12, 2) == "38,333.33 ± 0.00"
    assert plus_minus(0.5, 0.0004, 2) == "0.5000 ± 0.0004"  # a real spread keeps its significant digit


def test_a_decision_reweighted_onto_a_handful_of_worlds_shows_no_shares():
    """Before: "probability best after the pilot 100 % / 0 % / 0 %" from one effective world (issue 40, row 6)."""
    from scalesim.report.text import FEW_WORLDS, _moved_lines

    one = {"designs": ["today", "redesigned"], "currency": "EUR", "metric": "npv", "worlds": 200}
    stats = {"today": {"probability_best": 1.0, "mean": 0.0}, "redesigned": {"probability_best": 0.0, "mean": -5.0}}
    few = _moved_lines(
        {**one, "effective_worlds": 1.0, "before": stats, "after": stats, "best_before": "today", "best_after": "today"}
    )
    text = "\n".join(few)
    assert "%" not in text and "too few to say" in text and "run decide on the updated file" in text
    many = _moved_lines(
        {
            **one,
            "effective_worlds": FEW_WORLDS + 5.0,
            "before": stats,
            "after": stats,
            "best_before": "today",
            "best_after": "today",
        }
    )
    assert "100%" in "\n".join(many) and "run decide on the updated file" in "\n".join(many)
