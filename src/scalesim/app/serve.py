"""Assemble the app's pages and serve them locally; warm the cache with the likely designs while nobody waits."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from shiny import App, Inputs, Outputs, Session, ui

from scalesim.app.compute import Runner
from scalesim.app.explore import explore_panel, explore_server
from scalesim.app.levers import likely
from scalesim.app.room import facilitator_panel, facilitator_server, table_panel, table_server
from scalesim.app.state import State
from scalesim.app.workshop import Rooms
from scalesim.errors import ScenarioError
from scalesim.scenario.levers import check_prices
from scalesim.scenario.load import load_scenario
from scalesim.scenario.schema import Scenario

FIRST = "stall-demo"
"""The scenario the app opens on: the one made to show a pilot stalling."""
TITLE = "scalesim: how much of the pilot's value survives?"


def bundled() -> list[Path]:
    """The operations scenarios shipped with scalesim (portfolios are not explored here), :data:`FIRST` first:
    ``scenarios/`` of the source tree scalesim runs from, else of the working folder."""
    for root in (Path(__file__).resolve().parents[3] / "scenarios", Path.cwd() / "scenarios"):
        found = sorted(
            (p for p in root.glob("*.yaml") if not p.stem.startswith("portfolio-")),
            key=lambda p: (p.stem != FIRST, p.stem),
        )
        if found:
            return found
    raise ScenarioError("no bundled scenarios found (scalesim is not run from its source tree): give --scenario FILE")


RECONNECT_JS = """
// A page that loses its server (a restart) waits for it and reloads itself; a reloaded page gives back what this
// browser tab had joined (sessionStorage: per tab, never shown), so a table or facilitator carries on by itself.
$(document).on('shiny:connected', function () {
  Shiny.addCustomMessageHandler('scalesim-remember', function (m) {
    sessionStorage.setItem('scalesim-' + m.kind, JSON.stringify(m));
  });
  for (const kind of ['table', 'facilitator']) {
    const saved = sessionStorage.getItem('scalesim-' + kind);
    if (saved) Shiny.setInputValue('resume_' + kind, saved, {priority: 'event'});
  }
});
$(document).on('shiny:disconnected', function () {
  const retry = function () {
    fetch(location.href, {cache: 'no-store'})
      .then(function (r) { if (r.ok) location.reload(); else setTimeout(retry, 2000); })
      .catch(function () { setTimeout(retry, 2000); });
  };
  setTimeout(retry, 2000);
});
"""


def make_app(loaded: dict[str, Scenario], runner: Runner, rooms: Rooms) -> App:
    """The app over these scenarios (the first is shown first): explore, join a workshop, facilitate."""
    budgets = {
        name: scenario.workshop.budget or 0.0 for name, scenario in loaded.items() if scenario.workshop is not None
    }
    app_ui = ui.page_navbar(
        explore_panel(loaded),
        table_panel(),
        facilitator_panel(budgets),
        title=TITLE,
        window_title="scalesim",
        id="tabs",
        header=ui.tags.script(RECONNECT_JS),
    )

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        explore_server(input, session, loaded, runner)
        table_server(input, session, rooms, runner)
        facilitator_server(input, session, loaded, rooms)

    return App(app_ui, server)


def likely_runs(loaded: dict[str, Scenario]) -> Iterator[str]:
    """Every scenario's likely designs, the first scenario's first (it is the one the page opens on)."""
    for scenario in loaded.values():
        for built in likely(scenario):
            yield built.key


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(
    scenarios: list[Path] | None, host: str, port: int, workers: int, warm: bool = True, state: Path | None = None
) -> int:
    """Serve the app; with ``state`` (a SQLite file), workshops, tables, attempts and answers survive a restart."""
    paths = scenarios or bundled()
    stems = [path.stem for path in paths]
    if len(set(stems)) < len(stems):
        twice = next(stem for stem in stems if stems.count(stem) > 1)
        raise ScenarioError(f"--scenario: two files are named {twice!r}; the app lists scenarios by file name")
    loaded = {path.stem: load_scenario(path) for path in paths}
    for path, scenario in zip(paths, loaded.values(), strict=True):
        check_prices(scenario, str(path))
    with socket.socket() as probe:
        # as uvicorn binds: a port a stopped server left in TIME_WAIT is free to serve again at once
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ScenarioError(f"--host {host} --port {port}: cannot serve there ({exc.strerror})") from None
    kept = State(state) if state is not None else None
    rooms = Rooms(kept, loaded)
    runner = Runner(workers, kept)
    app = make_app(loaded, runner, rooms)
    if kept is not None:
        print(f"scalesim app: workshops kept in {state} ({len(rooms.workshops)} resumed)", flush=True)
        for line in rooms.skipped:
            print(f"scalesim app: not resumed: {line}", flush=True)

    # uvicorn re-raises the SIGTERM it caught once it has stopped; with Python's default handler that would end
    # the process before the worker pool is shut down. A handler that exits through Python runs the cleanup.
    signal.signal(signal.SIGTERM, _exit)

    async def main() -> None:
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        warming = asyncio.create_task(runner.warm(likely_runs(loaded))) if warm else None
        print(f"scalesim app: http://{host}:{port} (Ctrl-C stops it)", flush=True)
        try:
            await server.serve()
        finally:
            if warming is not None:
                warming.cancel()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("scalesim app: stopped", file=sys.stderr)
    finally:
        runner.close()
        if kept is not None:
            kept.close()
    return 0
