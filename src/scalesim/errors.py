"""User-facing errors.

Anything a user can get wrong (a scenario field, a ``--set`` override, a command-line option) raises
:class:`ScenarioError`. The CLI turns it into one readable message and exit code 2, with no traceback,
so the message itself must name where the problem is, what was given and what is allowed.
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario or option a user supplied is invalid; ``str(err)`` is the complete message."""
