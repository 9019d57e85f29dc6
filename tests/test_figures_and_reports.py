"""Figures and reports, built from small real runs: the right series, labels and sources; reports open offline."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pytest

import scalesim
from scalesim.cli import main
from scalesim.experiment.executors import Runner
from scalesim.experiment.portfolio import run_portfolio
from scalesim.labels import CAUSES
from scalesim.ops.ledger import EROSION_CAUSES
from scalesim.portfolio import load_portfolio
from scalesim.report import figures as F
from scalesim.report.build import build_report

from conftest import SCENARIOS, STEADY


@pytest.fixture(scope="module")
def stall_run():
    return scalesim.run(SCENARIOS / "stall-demo.yaml", days=140)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    return scalesim.compare(
        SCENARIOS / "stall-demo.yaml", replications=2, days=84, jobs=1, out=tmp_path_factory.mktemp("cmp")
    )


@pytest.fixture(scope="module")
def portfolios(tmp_path_factory):
    out = tmp_path_factory.mktemp("pf")
    return [
        run_portfolio(load_portfolio(SCENARIOS / f"{name}.yaml", ["run.years=1"]), STEADY, 3, out, Runner(1), ["test"])
        for name in ("portfolio-status-quo", "portfolio-production-first")
    ]


def texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(match=lambda o: hasattr(o, "get_text")))


def check(fig, title: str, source: str = "scalesim") -> None:
    assert title in texts(fig)
    assert source in texts(fig)  # the source line
    for ax in fig.axes:
        if ax.get_label() != "<colorbar>":
            assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title(), "every panel says what it shows"
    plt.close(fig)


def test_waterfall_has_one_panel_per_design_with_pilot_and_production_bars(stall_run):
    table = stall_run.summary_table()
    fig = F.waterfall(table, "EUR", "src")
    assert len(fig.axes) == 3
    causes = [c for c in EROSION_CAUSES if (table[f"erosion_{c}"].abs() > 1e-9).any()]
    words = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert words == ["pilot", *(CAUSES[c].text for c in causes), "production"], "the same causes, in words"
    for ax, (_, row) in zip(fig.axes, table.iterrows(), strict=True):
        bars = ax.patches
        assert bars[0].get_width() == pytest.approx(row["pilot_value_per_case"])
        assert bars[-1].get_width() == pytest.approx(row["production_value_per_case"])
        # the erosion bars walk from the pilot's value down to production's, cause by cause
        steps = sum(bar.get_width() for bar in bars[1:-1])
        assert row["pilot_value_per_case"] + steps == pytest.approx(row["production_value_per_case"], abs=1e-9)
        assert ax.get_xlabel() == "value per case (EUR)"
    check(fig, "Where the pilot's value goes in production")


def test_value_over_time_draws_the_pilot_and_each_design_with_bands(compared):
    fig = F.value_over_time(compared.weekly, "EUR", "src")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 1 + 3 and len(ax.collections) == 3  # pilot + designs, one band each
    assert ax.get_legend().get_texts()[0].get_text() == "pilot-projected"
    assert "EUR" in ax.get_ylabel()
    check(fig, "Value over time")


def test_teams_over_time_marks_the_stall(stall_run):
    stall = stall_run.design_summary("bolt_on")["stall"]
    fig = F.teams_over_time(stall_run.weekly_teams_table(), "bolt_on", stall, "src")
    top, bottom = fig.axes
    teams = set(stall_run.weekly_teams_table().query("design == 'bolt_on'")["team"])
    assert {line.get_label() for line in top.get_lines() if not line.get_label().startswith("stalls on day")} == teams
    assert bottom.get_ylabel().startswith("utilisation")
    if stall["verdict"] == "stalled":
        assert any(line.get_label().startswith("stalls on day") for line in top.get_lines())
    check(fig, "backlog and utilisation per team")


def test_state_over_time_marks_checks_and_retraining(stall_run):
    fig = F.state_over_time(stall_run.weekly_table(), stall_run.events_table(), "redesigned", "src")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:3] == ["trust", "adoption", "accuracy"]
    assert "monitoring check" in labels and "retraining" in labels
    check(fig, "trust, adoption and accuracy over time")


def test_comparison_shows_paired_and_unpaired_intervals(compared):
    data = compared.to_dict()
    fig = F.comparison(data["comparisons"], "EUR", "src")
    assert [ax.get_xlabel().split(" (")[0] for ax in fig.axes] == [
        "retention",
        "value per case",
        "net value per year",
        "net present value",
        "mean lead time",
    ]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["monitoring_only", "redesigned"]
    check(fig, "Difference against bolt_on")


@pytest.mark.slow
def test_sweep_plot_line_and_heatmap(tmp_path):
    grid = {"production.teams.adjusters.staff": [12, 16], "production.accuracy": [0.7, 0.9]}
    runs = scalesim.sweep(SCENARIOS / "claims-triage.yaml", grid, replications=2, days=10, jobs=1, out=tmp_path).runs
    heat = F.sweep_plot(runs, list(grid), "retention", "src")
    assert len(heat.axes) == 3  # two designs and one shared colour bar
    check(heat, "value kept over the grid")
    line = F.sweep_plot(
        runs[runs["production.accuracy"] == 0.9], ["production.teams.adjusters.staff"], "retention", "src"
    )
    assert [t.get_text() for t in line.axes[0].get_legend().get_texts()] == ["bolt_on", "redesigned"]
    assert [t.get_text() for t in line.axes[0].get_xticklabels()] == ["12", "16"], "the grid's values, not 12.5"
    check(line, "value kept across staff of adjusters")


def test_portfolio_figures(portfolios):
    data = [p.to_dict() for p in portfolios]
    funnel = F.portfolio_funnel(data, "src")
    assert len(funnel.axes[0].patches) == 5 * 2
    check(funnel, "The funnel from pilot to value")
    archive = F.archive_growth({p.scenario.name: p.monthly for p in portfolios}, "src")
    assert len(archive.axes[0].get_lines()) == 3 * 2  # archived, reached production, live: per portfolio
    check(archive, "growing archive")
    curves = F.survival_after_go_live({p.scenario.name: p.survival_curve() for p in portfolios}, "src")
    assert len(curves.axes[0].get_lines()) == 2 and curves.axes[0].get_xlabel() == "months after go-live"
    check(curves, "Survival after go-live")
    ttp = F.time_to_production({p.scenario.name: p.initiatives for p in portfolios}, "src")
    assert ttp.axes[0].get_xlabel() == "days from pilot start to production"
    check(ttp, "Time to production")


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["run", "stall-demo.yaml", "--days", "60", "--no-ledger"], marks=pytest.mark.slow),
        ["compare", "claims-triage.yaml", "--days", "10", "--replications", "2", "-j", "1"],
        [
            "sweep",
            "claims-triage.yaml",
            "--days",
            "10",
            "--replications",
            "2",
            "-j",
            "1",
            "--grid",
            "production.accuracy=0.7,0.9",
        ],
        pytest.param(
            ["portfolio", "portfolio-status-quo.yaml", "--years", "1", "--replications", "2", "-j", "1"],
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["sensitivity", "claims-triage.yaml", "--days", "7", "--samples", "2", "-j", "1"], marks=pytest.mark.slow
        ),
    ],
)
def test_report_is_self_contained_html_and_markdown(tmp_path, capsys, command):
    kind, name, *rest = command
    code = main([kind, str(SCENARIOS / name), *rest, "--out", str(tmp_path), "--report", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    html_path = tmp_path / re.search(r"report: .*?/(\S+/report\.html)", out).group(0).split(str(tmp_path) + "/")[1]
    html = html_path.read_text()
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external assets"
    assert "<section class='first-page'>" in html and "<table class='people'>" in html
    assert "<summary>The resolved scenario" in html and "<summary>The manifest" in html
    markdown = (html_path.parent / "report.md").read_text()
    figures = re.findall(r"\]\((figures/[^)]+)\)", markdown)
    assert figures
    for figure in figures:
        assert (html_path.parent / figure).exists()
    listed = json.loads((html_path.parent / "manifest.json").read_text())["files"]
    assert {"report.html", "report.md", *figures} <= set(listed), "the manifest lists the report it was written with"


def test_report_on_a_folder_that_is_not_a_result(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a scalesim results folder" in capsys.readouterr().err
    with pytest.raises(scalesim.ScenarioError):
        build_report(tmp_path)


def test_the_paired_difference_histogram_draws_a_difference_that_is_the_same_in_every_world():
    """Before: 'Too many bins for data range' when a design differed from the baseline by the same amount (to
    float resolution) in every world (issue 37, row 1)."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from scalesim.report.decision_figures import paired_difference

    cost = 38333.333333333328
    rows = [(w, d, base - (cost if d == "b" else 0.0)) for w, base in enumerate([1e6, 1e6 + 1, 5.0]) for d in "ab"]
    table = pd.DataFrame(rows, columns=["world", "design", "npv"])
    data = {
        "metric": "npv",
        "design_names": ["a", "b"],
        "baseline": "a",
        "differences": [{"design": "b"}],
        "currency": "EUR",
        "worlds": 3,
    }
    figure = paired_difference(table, data, "a test")
    (axes,) = figure.axes
    assert sum(patch.get_height() for patch in axes.patches) == 3
