"""The kinds of number a scenario holds, each strict enough that a slip cannot pass as a plausible value.

Pydantic's lax mode reads ``true`` as 1 and accepts NaN and infinity; neither is a number a user means. Every
numeric field of a scenario is one of the types below: booleans are refused ("a boolean is not a number"),
NaN and infinities are refused by the models' ``allow_inf_nan=False``, and each kind has a ceiling beyond which
a value cannot describe a real operation (:data:`CEILING`), so ``1e308`` is an error and not an overflow later.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from scalesim.limits import CEILING

"""No count, duration, rate or amount in a scenario is larger (a billion cases a day, EUR a case, days...)."""
MAX_STAFF = 100_000
"""More people than any single team has."""


def not_a_boolean(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is expected (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number: give a number")
    return value


NO_BOOLEAN = BeforeValidator(not_a_boolean)

Probability = Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=1.0)]
"""A share or a probability, 0..1."""
NonNegative = Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=CEILING)]
"""A duration, amount or count that may be zero."""
Positive = Annotated[float, NO_BOOLEAN, Field(gt=0.0, le=CEILING)]
"""A duration, rate or amount that must be above zero."""
Staff = Annotated[int, NO_BOOLEAN, Field(ge=1, le=MAX_STAFF)]
"""People in a team (at least one)."""
Count = Annotated[int, NO_BOOLEAN, Field(ge=1, le=int(CEILING))]
"""A whole number of at least one (slots, replications)."""
WholeNumber = Annotated[int, NO_BOOLEAN, Field(ge=0, le=int(CEILING))]
"""A whole number that may be zero."""
Seed = Annotated[int, NO_BOOLEAN, Field(ge=0, lt=2**63)]
"""A root seed for ``numpy.random.SeedSequence``."""
