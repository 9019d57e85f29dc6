"""scalesim: how much of an AI pilot's value survives in production, by integration design.

>>> import scalesim
>>> result = scalesim.run("scenarios/claims-triage.yaml", days=30)   # doctest: +SKIP
>>> result.summary()["designs"]["redesigned"]["retention"]            # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from scalesim.api import compare, experiment, portfolio_experiment, replicate, resolve, run, sweep
from scalesim.errors import ScenarioError
from scalesim.ops import RunResult, simulate
from scalesim.scenario import Scenario, load_scenario

try:
    __version__ = version("scalesim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "experiment",
    "load_scenario",
    "portfolio_experiment",
    "replicate",
    "resolve",
    "run",
    "simulate",
    "sweep",
]
