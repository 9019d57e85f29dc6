"""The workbook (``--xlsx``) read back: its sheets, its labels, and numbers equal to the result's own."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import scalesim
from scalesim.cli import main
from scalesim.labels import CAUSES
from scalesim.report.workbook import WORKBOOK

from conftest import SCENARIOS

CLAIMS = SCENARIOS / "claims-triage.yaml"


def sheet_table(frame: pd.DataFrame, first_header: str) -> pd.DataFrame:
    """The table of a sheet whose header row starts with ``first_header`` (a sheet holds its title above)."""
    row = frame.index[frame.iloc[:, 0] == first_header][0]
    body = frame.iloc[row + 1 :].dropna(how="all")
    body.columns = frame.iloc[row]
    return body[body.iloc[:, 0].notna() & (body.iloc[:, 0] != body.columns[0])]


@pytest.fixture(scope="module")
def run_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    assert main(["run", str(CLAIMS), "--days", "30", "--no-ledger", "--out", str(out), "--xlsx", "--quiet"]) == 0
    (folder,) = out.glob("claims-triage/*")
    return folder, pd.read_excel(folder / WORKBOOK, sheet_name=None, header=None)


def test_a_run_workbook_has_a_formatted_sheet_for_each_table(run_book):
    _, book = run_book
    assert list(book) == ["Summary", "Designs", "Erosion", "Costs", "Teams", "Money by month", "Assumptions"]
    money = book["Money by month"]
    header = money.iloc[money.index[money.iloc[:, 0] == "design"][0]].tolist()
    assert "first day (from go-live)" in header and "value (EUR)" in header  # a day is not in EUR (issue 40 row 9)
    assert book["Summary"].iloc[0, 0].startswith("claims-triage: how much of the pilot's value survives")


def test_the_summary_sheet_holds_numbers_equal_to_the_run(run_book):
    folder, book = run_book
    summary = json.loads((folder / "summary.json").read_text())
    table = sheet_table(book["Summary"], "design").set_index("design")
    assert "net present value over the run (EUR)" in table.columns, "people's labels, with the currency"
    for name, design in summary["designs"].items():
        assert table.loc[name, "value kept"] == pytest.approx(design["retention"])
        assert table.loc[name, "net present value over the run (EUR)"] == pytest.approx(design["money"]["npv"])
        assert table.loc[name, "costs a year (EUR)"] == pytest.approx(design["costs"]["annualised_total"])


def test_the_erosion_sheet_walks_from_the_pilot_to_production(run_book):
    folder, book = run_book
    summary = json.loads((folder / "summary.json").read_text())
    erosion = book["Erosion"]
    header = erosion.index[erosion.iloc[:, 1] == "bolt_on (EUR)"][0]
    rows = erosion.iloc[header + 1 :].dropna(subset=[0]).set_index(0)
    for column, name in ((1, "bolt_on"), (2, "redesigned")):
        values = rows[column].dropna().astype(float)
        # + lost, - kept: the same sign as the text output's erosion (issue 40 row 9: they were opposite)
        assert values["pilot value per case"] - values.iloc[1:-1].sum() == pytest.approx(values.iloc[-1])
        for cause, value in summary["designs"][name]["erosion"].items():
            if abs(value) > 1e-12:
                assert values[CAUSES[cause].text] == pytest.approx(value)
        assert values.iloc[-1] == pytest.approx(summary["designs"][name]["production"]["value_per_case"])


def test_the_assumptions_sheet_gives_each_value_its_cited_source(run_book):
    _, book = run_book
    table = sheet_table(book["Assumptions"], "in words").set_index("field")
    assert table.loc["production.accuracy", "value"] == pytest.approx(0.8)
    assert "Wong" in table.loc["production.accuracy", "source"]
    assert "Ardent Partners" in table.loc["production.exception_rate", "source"]  # the file's comment
    assert table.loc["run.horizon_days", "value"] == pytest.approx(30)
    assert table.loc["run.horizon_days", "source"] == "set for this run: run.horizon_days=30.0"


def test_a_comparison_workbook_has_each_interval_as_two_columns(tmp_path):
    result = scalesim.compare(CLAIMS, days=10, replications=3, out=tmp_path, jobs=1, workbook=True)
    book = pd.read_excel(result.folder / WORKBOOK, sheet_name=None, header=None)
    assert {"Summary", "Designs", "Differences", "Erosion", "Assumptions"} <= set(book)
    table = sheet_table(book["Summary"], "design").set_index("design")
    data = result.to_dict()
    for name, stats in data["designs"].items():
        assert table.loc[name, "value kept"] == pytest.approx(stats["retention"]["mean"])
        assert table.loc[name, "value kept ± 95%"] == pytest.approx(100 * stats["retention"]["half_width"])
        assert table.loc[name, "net present value over the run (EUR) ± 95%"] == pytest.approx(
            stats["npv"]["half_width"]
        )
