"""scalesim: how much of an AI pilot's value survives in production, by integration design.

Every command of the ``scalesim`` CLI is one library call away:

>>> import scalesim
>>> result = scalesim.run("scenarios/claims-triage.yaml", days=30)   # doctest: +SKIP
>>> result.summary()["designs"]["redesigned"]["retention"]            # doctest: +SKIP

``run`` (and ``write_run`` to store it), ``replicate``, ``compare``, ``sweep``, ``portfolio`` (and
``compare_portfolios``), ``sensitivity``, ``decide``,
``validate``, ``report``, ``reproduce`` and ``verify_reproduction``,
``schema``.
"""

from pathlib import Path

from scalesim.about import VERSION
from scalesim.api import (
    ExperimentOptions,
    compare,
    compare_portfolios,
    decide,
    experiment,
    portfolio,
    replicate,
    report,
    resolve,
    run,
    schema,
    sensitivity,
    sweep,
    validate,
    verify_reproduction,
)
from scalesim.canonical import CANONICAL, reproduce_all
from scalesim.errors import ScenarioError
from scalesim.experiment.experiment import ExperimentResult
from scalesim.experiment.portfolio import PortfolioResult
from scalesim.experiment.sensitivity import SensitivityResult
from scalesim.experiment.store import write_run
from scalesim.ops import RunResult, simulate
from scalesim.scenario import Scenario, load_scenario

__version__ = VERSION


def reproduce(out: str | Path = CANONICAL, jobs: int | None = None) -> None:
    """Regenerate the canonical results from scratch, through the same commands a user would type."""
    from scalesim.cli import main  # imported here: ``python -m scalesim.cli`` must not find it imported already

    reproduce_all(main, Path(out), jobs)


__all__ = [
    "ExperimentOptions",
    "ExperimentResult",
    "PortfolioResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "__version__",
    "compare",
    "compare_portfolios",
    "decide",
    "experiment",
    "load_scenario",
    "portfolio",
    "replicate",
    "report",
    "reproduce",
    "resolve",
    "run",
    "schema",
    "sensitivity",
    "simulate",
    "sweep",
    "validate",
    "verify_reproduction",
    "write_run",
]
