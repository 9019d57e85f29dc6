"""Teams discovered from the work people do, not from how they are named.

A log's resources are people (``Claims Handler_12``), staff numbers (``10609``, ``EMP01000``) or names
(``dr_amin``): the name is a hint at best. What a person does is evidence: people who do the same kinds of
activity in the same proportions are one pool of interchangeable staff. This is the resource-pool discovery of
business process simulation (Song & van der Aalst 2008, *Towards comprehensive support for organizational mining*;
the same method Simod uses, Camargo, Dumas & González-Rojas 2020): each resource's profile is its count of events
per activity; two resources belong together when the Pearson correlation of their profiles is at least
``SIMILARITY`` (0.7, Simod's default); pools are the connected groups.

A pool is named from its members' names where they share one once an index is taken off (``Claims
Handler_12`` -> ``Claims Handler``), otherwise after the activity it does most. Work of events with no resource
goes to the pool that does most of that activity (or a pool of its own if no named person ever does it). A role
column, or the mapping's activity -> team, overrides discovery (:mod:`scalesim.evidence.log`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

SIMILARITY = 0.7
"""Profiles correlated at least this much are one pool (Simod's ``sim_threshold`` default)."""
INDEX = re.compile(r"[-_ ]?\d+$")


@dataclass(frozen=True)
class Pools:
    """The pool of each resource, and each pool's members and main activities (for the report)."""

    of_resource: dict[str, str]
    of_activity: dict[str, str]  # the pool doing most of each activity (work with no resource goes there)
    members: dict[str, list[str]]
    activities: dict[str, list[str]]

    def notes(self) -> list[str]:
        lines = [
            f"teams from what people do ({len(self.members)} pools of resources with alike activity profiles, "
            f"Pearson r >= {SIMILARITY}):"
        ]
        for pool, people in self.members.items():
            shown = ", ".join(people[:4]) + (f" and {len(people) - 4} more" if len(people) > 4 else "")
            lone = " — one person: a team of one, or a role the log does not show" if len(people) == 1 else ""
            lines.append(f"  {pool}: {shown}; does {', '.join(self.activities[pool][:4])}{lone}")
        return lines


def discover_pools(resource: pd.Series, activity: pd.Series) -> Pools:
    """Pools of the resources in ``resource`` (one entry per event; missing: nobody named), by their profiles over
    ``activity``."""
    named = resource.notna() & (resource.astype(str) != "")
    profiles = pd.crosstab(resource[named].astype(str), activity[named].astype(str))
    people = list(profiles.index)
    of_resource: dict[str, str] = {}
    if people:
        labels = _components(profiles.to_numpy(dtype=float))
        groups: dict[int, list[str]] = {}
        for person, label in zip(people, labels, strict=True):
            groups.setdefault(int(label), []).append(person)
        names = _names(groups, profiles)
        for label, group in groups.items():
            for person in group:
                of_resource[person] = names[label]
    by_pool = profiles.groupby(pd.Series(of_resource)).sum() if people else pd.DataFrame()
    of_activity: dict[str, str] = {}
    for act in pd.unique(activity.astype(str)):
        if len(by_pool) and act in by_pool.columns and by_pool[act].max() > 0:
            of_activity[act] = str(by_pool[act].idxmax())
        else:
            of_activity[act] = f"{act} (nobody named)"
    members: dict[str, list[str]] = {}
    for person, pool in of_resource.items():
        members.setdefault(pool, []).append(person)
    activities = {}
    for pool in members:
        counts = pd.Series(by_pool.loc[pool])
        activities[pool] = [str(a) for a, n in counts.sort_values(ascending=False).items() if n > 0]
    return Pools(of_resource, of_activity, members, activities)


def _components(matrix: np.ndarray) -> np.ndarray:
    """Connected components of the graph linking profiles correlated at least ``SIMILARITY`` (identical
    profiles, whose correlation is undefined when they are constant, are linked too)."""
    n = matrix.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(matrix)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1.0)
    same = np.all(np.isclose(shares[:, None, :], shares[None, :, :]), axis=2) if n <= 2000 else np.eye(n, dtype=bool)
    linked = (np.nan_to_num(r, nan=0.0) >= SIMILARITY) | same
    _, labels = connected_components(linked, directed=False)
    return np.asarray(labels)


def _names(groups: dict[int, list[str]], profiles: pd.DataFrame) -> dict[int, str]:
    """A name per pool: the members' shared name without an index when most share one that is not a bare
    number, else the activity the pool does most; made unique."""
    names: dict[int, str] = {}
    taken: Counter[str] = Counter()
    for label, members in sorted(groups.items(), key=lambda item: -profiles.loc[item[1]].to_numpy().sum()):
        stems = Counter(INDEX.sub("", m).strip() for m in members)
        stem, count = stems.most_common(1)[0]
        if stem and not re.fullmatch(r"[A-Za-z]{0,4}", stem) and count > len(members) / 2 and len(stems) < len(members):
            name = stem
        else:
            top = profiles.loc[members].sum().idxmax()
            name = f"{top} team"
        taken[name] += 1
        names[label] = name if taken[name] == 1 else f"{name} {taken[name]}"
    return names
