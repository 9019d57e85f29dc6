"""The programme-level model: why portfolios of AI pilots stall before production."""

from scalesim.portfolio.load import load_portfolio
from scalesim.portfolio.schema import PortfolioScenario

__all__ = ["PortfolioScenario", "load_portfolio"]
