"""Shared builders: a small, fully specified scenario that tests reshape one field at a time."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from scalesim.scenario.load import apply_override, validate
from scalesim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PORTFOLIOS = sorted(SCENARIOS.glob("portfolio-*.yaml"))
OPERATIONS = sorted(set(SCENARIOS.glob("*.yaml")) - set(PORTFOLIOS))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
"""The system's Chromium, which the browser tests drive (Playwright's own download cannot be used here)."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
"""As root in a container, without the network: no sandbox, and no calls home (refused here, many at a time)."""
ALWAYS_OPEN = {"hours_per_day": 24, "days_per_week": 7, "start_hour": 0}

BASE: dict[str, Any] = {
    "name": "tiny",
    "run": {"horizon_days": 60, "drain_days": 10, "seed": 3},
    "workload": {"arrival_rate": 20},
    "value": {"uplift": 10.0},
    "pilot": {
        "data_quality": 1.0,
        "exception_rate": 0.0,
        "accuracy": 1.0,
        "adoption": {"with_owner": 1.0, "without_owner": 1.0},
        "teams": {"squad": {"staff": 50, "service_hours": 0.1, "calendar": ALWAYS_OPEN}},
        "handoffs": [{"team": "squad"}],
    },
    "production": {
        "data_quality": 1.0,
        "exception_rate": 0.0,
        "accuracy": 1.0,
        "adoption": {"with_owner": 1.0, "without_owner": 1.0},
        "teams": {
            "desk": {"staff": 50, "service_hours": 0.1, "calendar": ALWAYS_OPEN},
            "approvers": {"staff": 50, "service_hours": 0.1, "calendar": ALWAYS_OPEN},
            "triage": {"staff": 50, "service_hours": 0.1, "calendar": ALWAYS_OPEN, "cost_per_staff_year": 1000},
        },
        "handoffs": [{"team": "desk"}],
    },
    "designs": {"plain": {}},
}


def tiny(*overrides: str, **replace: Any) -> Scenario:
    """The base scenario with ``path=value`` overrides and top-level replacements applied."""
    raw = copy.deepcopy(BASE)
    raw.update(copy.deepcopy(replace))
    for item in overrides:
        apply_override(raw, item)
    return validate(raw, source="tiny")


@pytest.fixture
def tiny_raw() -> dict[str, Any]:
    return copy.deepcopy(BASE)


@pytest.fixture(scope="session")
def bundled_short_runs():
    """Each bundled scenario run for 60 days (shared by the tests that only read results)."""
    from scalesim.api import run

    return {path.stem: run(path, days=60) for path in OPERATIONS}


USE_CASES = ("claims-triage", "credit-decisioning")
"""The bundled portfolios' use cases."""


def steady_operations(**retention: float) -> dict:
    """Portfolio operations fixed for fast lever tests: one operation per design and use case, at a constant
    weekly retention, for as long as the bundled files carry operations on (three years)."""
    from scalesim.portfolio.model import Operation

    one = {design: (Operation(tuple([r] * 157), None, "scaled"),) for design, r in retention.items()}
    return dict.fromkeys(USE_CASES, one)


def of_every_use_case(operations: dict) -> dict:
    """The same operations (design -> drawn operations) for each of the bundled portfolios' use cases."""
    return dict.fromkeys(USE_CASES, operations)


STEADY = steady_operations(redesigned=0.57, bolt_on=0.15)
"""The operations model's figures for the claims-triage designs, held fixed."""


@pytest.fixture(autouse=True)
def _one_process_in_the_fast_tier(request, monkeypatch):
    """Fast-tier tests run their experiments in this process: a spawned pool costs seconds of start-up and is what
    the slow tier (and tests that name ``jobs``) test. Results never depend on it."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr("scalesim.experiment.executors.default_jobs", lambda: 1)


@pytest.fixture(scope="module")
def browser():
    """The system's Chromium under Playwright, for a module of browser tests (which skip without either)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
