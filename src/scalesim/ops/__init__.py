"""The operations model: cases flowing through a pilot and a production environment, and the value ledger."""

from scalesim.ops.ledger import CASE_FATES, EROSION_CAUSES, CaseFate
from scalesim.ops.result import RunResult
from scalesim.ops.run import simulate

__all__ = ["CASE_FATES", "EROSION_CAUSES", "CaseFate", "RunResult", "simulate"]
