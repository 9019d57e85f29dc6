"""Load and validate a portfolio scenario file, with the same overrides and error messages as any scenario."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scalesim.portfolio.schema import PortfolioScenario
from scalesim.scenario.load import apply_override, read_yaml, validate_model


def load_portfolio(path: str | Path, overrides: Iterable[str] = ()) -> PortfolioScenario:
    raw = read_yaml(path, expect="portfolio")
    for item in overrides:
        apply_override(raw, item, PortfolioScenario)
    return validate_model(PortfolioScenario, raw, source=str(path))
