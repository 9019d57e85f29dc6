"""The app's simulations: run in worker processes, never in the web server's event loop, and remembered.

A run is a pure function of the scenario (as JSON text, seed included), so its plain-data answer is kept under
that text: a lever combination anyone in the room already tried is answered at once, for everyone — and, with a
state file (:mod:`scalesim.app.state`), after a restart too (kept under the text and scalesim's version). Two people
asking for the same new combination share one run. While nobody is waiting, :meth:`Runner.warm` works through
the combinations people are likely to try (one run at a time, so a live request always finds a free worker).
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from scalesim.app.levers import CUSTOM
from scalesim.app.state import State
from scalesim.ops.pilotpass import PilotPasses
from scalesim.ops.run import simulate
from scalesim.report import figures as F
from scalesim.scenario.load import validate

PILOT_PASSES = PilotPasses()
"""The worker's pilot passes: lever changes leave the pilot alone, so every answer after the first reuses it."""
CACHED_RUNS = 1024
"""About 200 kB a run (the tables of one design and four PNGs): 200 MB at most."""
FIGURE_DPI = 100
SHOWN_AS = "this design"
"""How the figures name the design built from the levers."""


def run_plain(scenario_json: str) -> dict[str, Any]:
    """One run of the scenario's design (:data:`CUSTOM`), as JSON-ready tables and the pages' figures as PNG.

    The figures are drawn here, in the worker, so the web server only sends bytes: drawing four figures takes
    longer than a second, which twenty people at once would otherwise queue for in the server's one event loop.
    """
    scenario = validate(json.loads(scenario_json), source="the app")
    result = simulate(scenario, pilot_passes=PILOT_PASSES)
    summary = result.summary()
    answer: dict[str, Any] = {
        "summary": summary,
        "table": result.summary_table().to_dict(orient="list"),
        "weekly": result.weekly_table().to_dict(orient="list"),
        "money": result.money_table().to_dict(orient="list"),
        "events": result.events_table().to_dict(orient="list"),
    }
    frames = tables(answer)
    for frame in frames.values():  # the figures name the design as a person would, not by its key
        if "design" in frame:
            frame["design"] = frame["design"].replace(CUSTOM, SHOWN_AS)
    stall = summary["designs"][CUSTOM]["stall"]
    source = f"{scenario.name} · seed {scenario.run.seed} · 1 replication"
    drawn = {
        "waterfall": F.waterfall(frames["table"], scenario.currency, source),
        "value": F.value_over_time(frames["weekly"], scenario.currency, source),
        "state": F.state_over_time(frames["weekly"], frames["events"], SHOWN_AS, source, stall),
        "money": F.money_over_time(
            frames["money"], {**summary, "designs": {SHOWN_AS: summary["designs"][CUSTOM]}}, source
        ),
    }
    answer["figures"] = {name: png(figure) for name, figure in drawn.items()}
    return answer


def png(figure: Figure) -> dict[str, Any]:
    """The figure as a ``data:`` address for an ``<img>``, with its width in pixels (the page shows it at that
    size, not stretched), and closed: a worker draws thousands."""
    width = round(figure.get_figwidth() * FIGURE_DPI)
    data = F.png(figure, FIGURE_DPI)
    return {"src": "data:image/png;base64," + base64.b64encode(data).decode(), "width": width}


def follow_parent(parent: int) -> None:
    """In a worker: end when the server is gone, however it ended (a killed server cannot shut its pool down)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def started() -> None:
    """Nothing: sent to each worker at start, it makes the worker import this module, and so the model."""


def tables(run: dict[str, Any]) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(run[name]) for name in ("table", "weekly", "money", "events")}


class Runner:
    """Runs scenarios in a pool of ``workers`` processes; remembers the last :data:`CACHED_RUNS` answers in memory,
    and every answer in ``state`` when there is one."""

    def __init__(self, workers: int, state: State | None = None) -> None:
        self.state = state
        # spawned, not forked: a forked worker inherits the web server's signal handlers and ignores the SIGTERM
        # that stops the server, outliving it
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=follow_parent,
            initargs=(os.getpid(),),
        )
        for _ in range(workers):  # start every worker now (and import the model there), not at the first click
            self.pool.submit(started)
        self.cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.running: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.waiting = 0  # live requests not yet answered: the warm-up holds back while there are any
        self.warmed = 0

    def cached(self, scenario_json: str) -> bool:
        return scenario_json in self.cache or self._from_disk(scenario_json)

    def _from_disk(self, scenario_json: str) -> bool:
        """Bring a stored answer into memory; whether there was one."""
        stored = None if self.state is None else self.state.answer(scenario_json)
        if stored is None:
            return False
        self._keep(scenario_json, stored, write=False)
        return True

    def _keep(self, scenario_json: str, answer: dict[str, Any], write: bool = True) -> None:
        self.cache[scenario_json] = answer
        while len(self.cache) > CACHED_RUNS:
            self.cache.popitem(last=False)
        if write and self.state is not None:
            self.state.keep_answer(scenario_json, answer)

    async def run(self, scenario_json: str) -> dict[str, Any]:
        """The answer for a person waiting: from the cache, from a run already going, or from a new run."""
        self.waiting += 1
        try:
            return await self._answer(scenario_json)
        finally:
            self.waiting -= 1

    async def _answer(self, scenario_json: str) -> dict[str, Any]:
        if scenario_json in self.cache or self._from_disk(scenario_json):
            self.cache.move_to_end(scenario_json)
            return self.cache[scenario_json]
        if scenario_json not in self.running:
            loop = asyncio.get_running_loop()
            self.running[scenario_json] = asyncio.ensure_future(
                loop.run_in_executor(self.pool, run_plain, scenario_json)
            )
        future = self.running[scenario_json]
        try:
            answer = await asyncio.shield(future)
        finally:
            if future.done():
                self.running.pop(scenario_json, None)
        self._keep(scenario_json, answer)
        return answer

    async def warm(self, scenario_jsons: Iterable[str], pause: float = 0.2) -> None:
        """Run these in the background, one at a time, and only while no person is waiting for an answer."""
        for scenario_json in scenario_jsons:
            while self.waiting:
                await asyncio.sleep(pause)
            if not self.cached(scenario_json):
                await self._answer(scenario_json)
            self.warmed += 1

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
