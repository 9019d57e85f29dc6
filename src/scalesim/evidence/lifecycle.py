"""Pair an event log's lifecycle transitions into activity instances: when work became available, started, ended.

XES logs (and CSV exports with a lifecycle column) record one event per transition of a piece of work, from the
XES standard's lifecycle model (IEEE 1849-2016, the ``lifecycle`` extension): ``schedule`` (it is ready for
someone), ``assign``, ``start``, ``complete``, and aborts. Read one event at a time, a ``start`` looks like a
zero-length piece of work and the log looks as if it had completion times only. Paired, each instance has an
enable time (``schedule``: waiting is enable -> start), a start and an end.

Events are paired per case and activity — by ``concept:instance`` where the log has it — in time order: a
``start`` takes the oldest scheduled instance not yet started (the one its resource was assigned, if any); a
``complete`` closes the oldest started one (the same resource's first); ``schedule`` opens an instance. An
activity with only ``complete`` events keeps the completion-only method (its start is estimated later, as an
upper bound). Aborted, withdrawn and skipped instances, and those started or scheduled but never completed, are
not work done: they are counted and left out. Suspend and resume are kept inside their instance (its time
includes the pause: the report says how many).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPENS = {"schedule"}
ASSIGNS = {"assign", "reassign"}
STARTS = {"start"}
COMPLETES = {"complete"}
PAUSES = {"suspend", "resume"}
DROPS = {"ate_abort", "pi_abort", "withdraw", "autoskip", "manualskip"}


@dataclass(frozen=True)
class Paired:
    """Activity instances (``case, activity, enable, start, end, resource, role``; enable and start may be NaT)
    and what the pairing did, in counts."""

    instances: pd.DataFrame
    counts: Counter[str]

    def notes(self) -> list[str]:
        c = self.counts
        out = [
            f"lifecycle events paired into {len(self.instances):,} activity instances ({c['paired']:,} with a "
            f"start, {c['completion_only']:,} completion-only, {c['enabled']:,} with a schedule time)"
        ]
        dropped = {
            "aborted, withdrawn or skipped": c["dropped"],
            "started, never completed": c["open_started"],
            "scheduled, never started": c["open_scheduled"],
        }
        if any(dropped.values()):
            out.append("left out (not work done): " + ", ".join(f"{n:,} {what}" for what, n in dropped.items() if n))
        if c["paused"]:
            out.append(f"{c['paused']:,} suspend/resume events: an instance's time includes its pauses")
        if c["unknown"]:
            out.append(f"{c['unknown']:,} events with no known lifecycle value were read as completions")
        return out


def pair(events: pd.DataFrame) -> Paired:
    """``events``: ``case, activity, time, lifecycle`` (lower case; NaN: none), ``resource``, ``role`` and,
    where the log has it, ``instance``; one row per event."""
    order = events.assign(_row=np.arange(len(events))).sort_values(["case", "time", "_row"], kind="stable")
    cases = order["case"].tolist()
    activities = order["activity"].tolist()
    times = order["time"].tolist()
    transitions = order["lifecycle"].tolist()
    resources = order["resource"].tolist() if "resource" in order else [None] * len(order)
    roles = order["role"].tolist() if "role" in order else [None] * len(order)
    instances = order["instance"].tolist() if "instance" in order else [None] * len(order)
    open_: dict[tuple[object, ...], deque[list[object]]] = {}
    out: list[tuple[object, ...]] = []
    counts: Counter[str] = Counter()
    for case, activity, t, transition, resource, role, instance in zip(
        cases, activities, times, transitions, resources, roles, instances, strict=True
    ):
        key = (case, activity, instance)
        queue = open_.setdefault(key, deque())
        kind = transition if isinstance(transition, str) else ""
        if kind in OPENS:
            queue.append([t, None, resource, role])
        elif kind in ASSIGNS:
            waiting = next((item for item in queue if item[1] is None), None)
            if waiting is not None and _given(resource):
                waiting[2] = resource
        elif kind in STARTS:
            item = _choose(queue, resource, started=False)
            if item is None:
                item = [None, None, resource, role]
                queue.append(item)
            item[1] = t
            item[2] = resource if _given(resource) else item[2]
            item[3] = role if _given(role) else item[3]
        elif kind in PAUSES:
            counts["paused"] += 1
        elif kind in DROPS:
            item = _choose(queue, resource, started=True) or _choose(queue, resource, started=False)
            if item is not None:
                queue.remove(item)
            counts["dropped"] += 1
        else:
            if kind not in COMPLETES:
                counts["unknown"] += 1
            item = _choose(queue, resource, started=True) or _choose(queue, resource, started=False)
            if item is None:
                item = [None, None, resource, role]
            else:
                queue.remove(item)
            enable, start, who, what = item
            who = resource if _given(resource) else who
            what = role if _given(role) else what
            counts["paired" if start is not None else "completion_only"] += 1
            counts["enabled"] += enable is not None
            out.append((case, activity, enable, start, t, who, what))
    for queue in open_.values():
        for item in queue:
            counts["open_started" if item[1] is not None else "open_scheduled"] += 1
    frame = pd.DataFrame(out, columns=["case", "activity", "enable", "start", "end", "resource", "role"])
    for column in ("enable", "start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return Paired(frame, counts)


def _given(value: object) -> bool:
    return value is not None and value == value and value != ""


def _choose(queue: deque[list[object]], resource: object, started: bool) -> list[object] | None:
    """The oldest open instance that is (or is not) started, the one of ``resource`` first."""
    candidates = [item for item in queue if (item[1] is not None) == started]
    if not candidates:
        return None
    if _given(resource):
        for item in candidates:
            if item[2] == resource:
                return item
    return candidates[0]
