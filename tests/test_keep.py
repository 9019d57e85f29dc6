"""`scalesim keep`: what keeping one thing as it is costs, as one paired difference with its interval (issue 40,
"the cost of keeping one thing as it is")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scalesim.cli import main

from conftest import SCENARIOS

INVOICES = SCENARIOS / "invoice-exceptions.yaml"
DAILY = "designs.weekly_approvals.approval.committee.every_days=1"
COMMON = ["--design", "weekly_approvals", "--replications", "3", "--days", "60", "-j", "1", "--quiet"]


def _keep(tmp_path: Path, capsys, instead: str, *more: str) -> dict:
    out = tmp_path / "out"
    assert (
        main(["keep", str(INVOICES), "--instead", instead, *COMMON, "--out", str(out), "--format", "json", *more]) == 0
    )
    return yaml.safe_load(capsys.readouterr().out)


@pytest.mark.slow
def test_keeping_weekly_approvals_costs_what_the_paired_difference_says(tmp_path: Path, capsys) -> None:
    data = _keep(tmp_path, capsys, DAILY)
    assert data["keeping"] == {"path": DAILY.split("=")[0], "kept": 7.0, "instead": 1}
    (net,) = [d for d in data["point_differences"] if d["metric"] == "net_value_per_year"]
    assert net["mean"] > net["half_width"] > 0  # daily approvals net more: keeping weekly ones costs
    out = tmp_path / "text"
    assert main(["keep", str(INVOICES), "--instead", DAILY, *COMMON, "--out", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    low, high = net["mean"] - net["half_width"], net["mean"] + net["half_width"]
    assert f"costs {net['mean']:,.0f} EUR of net value a year (95% interval {low:,.0f} to {high:,.0f} EUR)" in text


@pytest.mark.slow
def test_keeping_what_the_design_does_not_use_costs_exactly_nothing(tmp_path: Path, capsys) -> None:
    """Null effect: another design's approval threshold does not touch weekly_approvals' cases."""
    data = _keep(tmp_path, capsys, "designs.redesigned.approval.threshold=50")
    for d in data["point_differences"]:
        if d["metric"] in ("net_value_per_year", "npv"):
            assert d["mean"] == 0.0 and d["half_width"] == 0.0


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--instead", DAILY], "name the one design it is about with --design NAME"),
        (["--instead", "production.accuracy", "--design", "bolt_on"], "--instead 'production.accuracy': expected"),
        (["--instead", "designs.weekly_approvals.approval.committee.every_days=7", "--design", "weekly_approvals"],
         "is already 7.0; name a value it is not"),
        (["--instead", "designs.weekly_approvals.approval.committee.every_days=-3", "--design", "weekly_approvals"],
         "--instead designs.weekly_approvals.approval.committee.every_days=-3: "),
        (["--instead", "production.acuracy=0.9", "--design", "weekly_approvals"], "did you mean 'accuracy'"),
        (["--instead", DAILY, "--design", "weekly"], "--design 'weekly': no such design"),
    ],
)  # fmt: skip
def test_a_wrong_keep_is_refused_in_one_line_before_anything_runs(tmp_path: Path, capsys, argv, expected) -> None:
    out = tmp_path / "out"
    assert main(["keep", str(INVOICES), *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
