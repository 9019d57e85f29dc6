"""Scenario names for what a log names freely: teams and process steps (letters, digits, ``_ . -``)."""

from __future__ import annotations

import re


def team_name(team: str) -> str:
    """A scenario name for a team (letters, digits, ``_ . -``): ``Claims Handler`` -> ``Claims_Handler``."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", team.strip()).strip("_.-")[:64]
    return name or "team"


def step_names(activities: list[str]) -> dict[str, str]:
    """A distinct scenario name for each activity (``W_Nabellen offertes`` -> ``W_Nabellen_offertes``); two that
    would read alike are told apart by a number."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for activity in activities:
        base = team_name(activity)[:60] if team_name(activity) != "team" else "step"
        name, k = base, 2
        while name.lower() in used or name in ("end", "lost"):
            name, k = f"{base}_{k}", k + 1
        used.add(name.lower())
        names[activity] = name
    return names
