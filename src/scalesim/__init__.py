"""scalesim: how much of an AI pilot's value survives in production, by integration design.

Every command of the ``scalesim`` CLI is one library call away:

>>> import scalesim
>>> result = scalesim.run("scenarios/claims-triage.yaml", days=30)   # doctest: +SKIP
>>> result.summary()["designs"]["redesigned"]["retention"]            # doctest: +SKIP

``run`` (and ``write_run`` to store it), ``replicate``, ``compare``, ``sweep``, ``portfolio`` (and
``compare_portfolios``), ``sensitivity``, ``decide``,
``validate``, ``report``, ``reproduce`` and ``verify_reproduction``,
``schema``.

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
            "compare",
            "compare_portfolios",
            "decide",
            "experiment",
            "portfolio",
            "replicate",
            "report",
            "resolve",
            "run",
            "schema",
            "sensitivity",
            "sweep",
            "validate",
            "verify_reproduction",
        ),
        "scalesim.api",
    ),
    "ScenarioError": "scalesim.errors",
    "ExperimentResult": "scalesim.experiment.experiment",
    "PortfolioResult": "scalesim.experiment.portfolio",
    "SensitivityResult": "scalesim.experiment.sensitivity",
    "write_run": "scalesim.experiment.store",
    "RunResult": "scalesim.ops.result",
    "simulate": "scalesim.ops.run",
    "Scenario": "scalesim.scenario.schema",
    "load_scenario": "scalesim.scenario.load",
    "api": "scalesim.api",
}
"""Where each exported name lives."""


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(_WHERE[name])
        value = module if name == "api" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scalesim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


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
