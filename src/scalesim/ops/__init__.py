"""The operations model: cases flowing through a pilot and a production environment, and the value ledger."""

from scalesim.ops.ledger import EROSION_CAUSES, FATES, Fate
from scalesim.ops.result import RunResult
from scalesim.ops.run import simulate

__all__ = ["EROSION_CAUSES", "FATES", "Fate", "RunResult", "simulate"]
