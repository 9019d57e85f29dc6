"""The operations model: cases flowing through a pilot and a production environment, and the value ledger.

``RunResult`` and ``simulate`` are imported when first used (PEP 562): the checks before a run (``ops.check``,
``ops.capacity``) must not load pandas and SimPy.
"""

from __future__ import annotations

import importlib
from typing import Any

from scalesim.ops.ledger import CASE_FATES, EROSION_CAUSES, CaseFate

_WHERE = {"RunResult": "scalesim.ops.result", "simulate": "scalesim.ops.run"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scalesim.ops' has no attribute {name!r}")


__all__ = ["CASE_FATES", "EROSION_CAUSES", "CaseFate", "RunResult", "simulate"]
