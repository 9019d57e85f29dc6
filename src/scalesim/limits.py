"""The bounds and defaults the command line shows before anything heavy is imported (``scalesim --help`` and
every refusal start in well under a second): numbers only, no imports from the rest of the package."""

from __future__ import annotations

import os

CEILING = 1e9
"""The largest magnitude any number of a scenario may have: beyond it a value describes no real operation."""
DEFAULT_MAX_CASES = 5_000_000
"""Cases per run above which a run is refused unless the limit is raised (``--max-cases``)."""
DEFAULT_MAX_RUNS = 20_000
"""Production runs an analysis (decide, sensitivity) may ask for before it is refused unless the limit is raised
(``--max-runs``): 200 worlds of four designs are 800; 20,000 runs of a production year are days of CPU."""


def default_jobs() -> int:
    """Worker processes by default: one per core of this machine."""
    return max(1, os.cpu_count() or 1)
