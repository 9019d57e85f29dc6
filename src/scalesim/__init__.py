"""scalesim: how much of an AI pilot's value survives in production, by integration design.

Every command of the ``scalesim`` CLI is one library call away:

>>> import scalesim
>>> result = scalesim.run("scenarios/claims-triage.yaml", days=30)   # doctest: +SKIP
>>> result.summary()["designs"]["redesigned"]["retention"]            # doctest: +SKIP

``run`` (and ``write_run`` to store it), ``replicate``, ``compare``, ``sweep``, ``run_portfolio`` (and
``compare_portfolios``), ``sensitivity``, ``decide``, ``calibrate``, ``backtest`` (and ``write_backtest``),
``validate``, ``write_report``, ``load`` (any stored result), ``stored_scenario`` (the scenario it was made
from), ``verify`` (run part of it again), ``reproduce`` and ``verify_reproduction``, ``schema``. Every one is also
``scalesim.api.<name>`` (there ``report`` and ``portfolio``).

The names are imported when first used (PEP 562), so ``import scalesim`` — and the command line, whose
``--version``, ``--help`` and refusals need none of them — starts without loading pandas, scipy or matplotlib.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from scalesim.about import CANONICAL, VERSION

__version__ = VERSION

_WHERE = {
    **dict.fromkeys(
        (
            "ExperimentOptions",
            "backtest",
            "breakeven",
            "calibrate",
            "compare",
            "compare_portfolios",
            "decide",
            "load",
            "replicate",
            "resolve",
            "run",
            "schema",
            "sensitivity",
            "stored_scenario",
            "sweep",
            "validate",
            "verify",
            "verify_reproduction",
            "write_backtest",
            "write_run",
        ),
        "scalesim.api",
    ),
    "ScenarioError": "scalesim.errors",
    "ExperimentResult": "scalesim.experiment.experiment",
    "PortfolioResult": "scalesim.experiment.portfolio",
    "SensitivityResult": "scalesim.experiment.sensitivity",
    "RunResult": "scalesim.ops.result",
    "simulate": "scalesim.ops.run",
    "Scenario": "scalesim.scenario.schema",
    "load_scenario": "scalesim.scenario.load",
    "api": "scalesim.api",
}
"""Where each exported name lives."""
_RENAMED = {"write_report": ("scalesim.api", "report"), "run_portfolio": ("scalesim.api", "portfolio")}
"""Library calls whose own names are subpackages' (``scalesim.report``, ``scalesim.portfolio``): an imported
subpackage becomes an attribute of the package, so a function of the same name could not stay one."""


def __getattr__(name: str) -> Any:
    if name in _WHERE or name in _RENAMED:
        where, attribute = _RENAMED.get(name, (_WHERE.get(name, ""), name))
        module = importlib.import_module(where)
        value = module if name == "api" else getattr(module, attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scalesim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE, *_RENAMED])


def reproduce(out: str | Path = CANONICAL, jobs: int | None = None) -> None:
    """Regenerate the canonical results from scratch, through the same commands a user would type."""
    from scalesim.canonical import reproduce_all
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
    "backtest",
    "breakeven",
    "calibrate",
    "compare",
    "compare_portfolios",
    "decide",
    "load",
    "load_scenario",
    "replicate",
    "reproduce",
    "resolve",
    "run",
    "run_portfolio",
    "schema",
    "sensitivity",
    "simulate",
    "stored_scenario",
    "sweep",
    "validate",
    "verify",
    "verify_reproduction",
    "write_backtest",
    "write_report",
    "write_run",
]
