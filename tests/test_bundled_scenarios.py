"""The bundled scenarios tell the story they are meant to: redesign keeps clearly more value, never all of it."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("name", ["claims-triage", "invoice-exceptions", "credit-decisioning"])
def test_redesigned_retains_clearly_more_than_bolt_on(bundled_short_runs, name):
    result = bundled_short_runs[name]
    bolt_on = result.design_summary("bolt_on")
    redesigned = result.design_summary("redesigned")
    assert 0 < bolt_on["retention"] < redesigned["retention"] - 0.2
    assert redesigned["retention"] < 0.9
    assert bolt_on["erosion"]["orphaned"] > 0 and redesigned["erosion"]["orphaned"] == 0


def test_weekly_approvals_cost_value_against_risk_based(bundled_short_runs):
    """The strategy question 'what do we lose if approvals stay weekly?' has a visible answer."""
    result = bundled_short_runs["invoice-exceptions"]
    weekly = result.design_summary("weekly_approvals")
    redesigned = result.design_summary("redesigned")
    assert weekly["erosion"]["delay"] > redesigned["erosion"]["delay"] + 1.0
    assert weekly["lead_time"]["mean"] > redesigned["lead_time"]["mean"]
