"""The base of every scenario model and the name types they share (the schema and the process graph use them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
NAME_LENGTH = 64
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=NAME_LENGTH)]
"""A scenario, team or design name: letters, digits, ``_ . -``, at most 64 characters (a scenario's is a file and
folder name, so no separators and no ``..``)."""
Text = Annotated[str, StringConstraints(max_length=2000)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,8}$")]


class Model(BaseModel):
    """Every scenario model: frozen, unknown keys refused, and no NaN or infinity in any number."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
