"""The workshop pages: a table joins with the code and runs the design it chose within the budget; the
facilitator opens the workshop, watches the tables arrive, reveals when and why each design stalled, and exports.

Only the page that opened a workshop, or that gives its facilitator key (the facilitator's link carries it), has
the facilitator's controls: reveal, rename or remove a table, export. A table knows the code, never the key.
The facilitator's page polls the workshop's version once a second, so it follows every table without a reload.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

import pandas as pd
import segno
from shiny import Inputs, Session, reactive, render, ui

from scalesim.app.compute import Runner, png
from scalesim.app.debrief import TABLE_CSS, debrief_html, handouts_html, slide
from scalesim.app.explore import (
    answer_on_click,
    choices_made,
    choosable,
    figure,
    first_line,
    glossed,
    image,
    lever_selects,
    percent,
    verdict,
)
from scalesim.app.levers import CUSTOM, Built, build, closest
from scalesim.app.shocks import SHOCKS
from scalesim.app.workshop import Rooms, Table, Workshop, running_per_year
from scalesim.errors import ScenarioError
from scalesim.labels import LEVERS as LEVERS_WORDS
from scalesim.labels import OPTIONS_SHORT
from scalesim.report import figures as F
from scalesim.scenario.levers import up_front
from scalesim.scenario.schema import Scenario

POLL_SECONDS = 1.0


def table_panel() -> Any:
    return ui.nav_panel(
        "join a workshop",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_text("join_code", "workshop code"),
                ui.input_text("join_table", "your table's name"),
                ui.input_text("join_key", "table key (only to rejoin after a reload)"),
                ui.input_action_button("join", "join"),
                ui.output_ui("table_levers"),
                width=340,
            ),
            ui.output_text("table_error"),
            ui.output_text("table_waiting"),
            ui.h4(ui.output_text("table_status")),
            ui.output_text("table_costs"),
            ui.output_ui("table_headline"),
            ui.output_ui("table_guess"),
            ui.output_ui("table_state"),
        ),
        value="join",
    )


def facilitator_panel(budgets: dict[str, float]) -> Any:
    """``budgets``: each scenario that prices its levers, with its own budget (the facilitator may change it)."""
    return ui.nav_panel(
        "facilitate",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("open_scenario", "scenario", choices=list(budgets)),
                ui.input_numeric("open_budget", "budget per table (up front)", value=next(iter(budgets.values()), 0)),
                ui.input_action_button("open", "open a workshop"),
                ui.tags.hr(),
                ui.input_text("reopen_code", "or reopen yours: its code"),
                ui.input_password("reopen_key", "and your facilitator key"),
                ui.input_action_button("reopen", "reopen"),
                ui.output_ui("facilitator_tools"),
                width=300,
            ),
            ui.output_ui("presenter_style"),
            ui.output_text("facilitator_error"),
            ui.h2(ui.output_text("code")),
            ui.output_ui("join_box"),
            ui.output_ui("board_box"),
            ui.output_ui("debrief"),
            ui.output_ui("side_by_side"),
            ui.output_ui("replay_box"),
            ui.output_ui("replay"),
        ),
        value="facilitate",
    )


EXPORTS: dict[str, tuple[str, str, str, Callable[[Workshop], str]]] = {
    "export_csv": ("export results (CSV)", "", "csv", lambda w: w.export().to_csv(index=False)),
    "export_json": ("export results (JSON)", "", "json", Workshop.export_json),
    "export_attempts": (
        "export every attempt (CSV)",
        "-attempts",
        "csv",
        lambda w: w.export_attempts().to_csv(index=False),
    ),
    "export_debrief": ("debrief slide (HTML, prints)", "-debrief", "html", debrief_html),
    "export_handouts": ("a handout per table (HTML, prints)", "-handouts", "html", handouts_html),
}
"""The facilitator's downloads: output id -> (button label, file name suffix, extension, content)."""


def _source(workshop: Workshop) -> str:
    return f"{workshop.scenario.name} · workshop {workshop.code} · seed {workshop.scenario.run.seed}"


def _frames(tables: list[Table]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables' weekly rows and events, together (an empty events table still has its columns)."""
    weekly = pd.DataFrame([row for table in tables for row in table.weekly])
    events = pd.DataFrame([row for table in tables for row in table.events])
    if events.empty:
        events = pd.DataFrame(columns=["design", "day", "event", "value"])
    return weekly, events


PRESENTER_CSS = """
.bslib-sidebar-layout > .sidebar, .bslib-sidebar-layout > .collapse-toggle { display: none !important; }
.bslib-sidebar-layout { grid-template-columns: 0 1fr !important; --_sidebar-width: 0px !important; }
.navbar { display: none !important; }
body, .shiny-data-grid { font-size: 24px !important; }
h2 { font-size: 44px !important; } .join-box { font-size: 28px; }
.shiny-data-grid table td, .shiny-data-grid table th { font-size: 24px !important; padding: 8px 12px !important; }
#leave_presenter { position: fixed; top: 8px; right: 8px; z-index: 1000; font-size: 14px; opacity: 0.6; }
"""
"""The presenter view: sidebar and menu hidden, type large enough to read from the back of a room."""


def _address(clientdata: Any) -> str:
    base = f"{clientdata.url_protocol()}//{clientdata.url_hostname()}"
    port = clientdata.url_port()
    return f"{base}{f':{port}' if port else ''}{clientdata.url_pathname()}"


def facilitator_link(clientdata: Any, workshop: Workshop) -> str:
    """The address that reopens this workshop as its facilitator (the key is in it: keep it off the projector)."""
    return f"{_address(clientdata)}?" + urlencode({"workshop": workshop.code, "key": workshop.facilitator_key})


def join_address(clientdata: Any, workshop: Workshop) -> str:
    """The address a table joins at, with the code filled in (on the projector, and in its QR code)."""
    return f"{_address(clientdata)}?" + urlencode({"join": workshop.code})


def table_server(input: Inputs, session: Session, rooms: Rooms, runner: Runner) -> None:
    @reactive.poll(lambda: rooms.version, POLL_SECONDS)
    def version() -> int:
        return rooms.version

    problem = reactive.value("")
    waiting = reactive.value("")
    joined = reactive.value[tuple[Workshop, Table] | None](None)

    @reactive.effect
    def _from_join_address() -> None:
        """The join address on the projector (``?join=CODE``) opens this tab with the code filled in."""
        query = parse_qs(session.clientdata.url_search().lstrip("?"))
        if "join" in query:
            ui.update_text("join_code", value=query["join"][0])
            ui.update_navset("tabs", selected="join")

    async def sit(place: tuple[Workshop, Table]) -> None:
        """This page is the table: the browser tab remembers it, so a reload (or a server restart) rejoins."""
        problem.set("")
        joined.set(place)
        workshop, table = place
        await session.send_custom_message(
            "scalesim-remember", {"kind": "table", "code": workshop.code, "table": table.name, "key": table.key}
        )

    @reactive.effect
    @reactive.event(input.join)
    async def _join() -> None:
        try:
            place = rooms.join(input.join_code(), input.join_table(), input.join_key())
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        await sit(place)

    @reactive.effect
    @reactive.event(input.resume_table)
    async def _resume() -> None:
        """A reloaded page of a table that had joined: rejoin with the key it kept (a removed table is told)."""
        try:
            saved = json.loads(input.resume_table())
            workshop = rooms.find(saved["code"])
        except (ScenarioError, ValueError, KeyError, TypeError):
            return  # nothing this page can rejoin: the table joins as usual
        table = next((t for t in workshop.tables.values() if t.key == saved.get("key")), None)  # renamed: still it
        if table is None:
            problem.set(f"your table is no longer in workshop {workshop.code} (the facilitator removed it): join again")
            return
        place = (workshop, table)
        ui.update_text("join_code", value=place[0].code)
        ui.update_text("join_table", value=place[1].name)
        ui.update_navset("tabs", selected="join")
        await sit(place)

    @render.ui
    def table_levers() -> Any:
        if joined() is None:
            return None
        workshop, _ = joined()  # type: ignore[misc]
        return [
            ui.h6("your design"),
            *lever_selects(workshop.scenario, "table_lever_", workshop.base),
            ui.input_task_button("table_run", "run our design", label_busy="simulating..."),
        ]

    def current() -> Built:
        workshop, table = joined()  # type: ignore[misc]
        played = workshop.current()  # this round's world, with the shocks brought in
        choices = choices_made(input, played, "table_lever_")
        built = build(played, closest(played, choices), choices, {})
        try:
            workshop.check_budget(built)
        except ScenarioError as exc:  # a refused attempt is part of the session's story: it is logged
            rooms.attempt(workshop, table, built.choices, workshop.spend(built), "refused", first_line(exc))
            raise
        return built

    table_task = answer_on_click(input.table_run, current, runner, problem, "table_run", waiting)

    @render.text
    def table_waiting() -> str:
        return waiting()

    @render.ui
    def table_guess() -> Any:
        """Before the reveal, the table writes down what it expects: the debrief sets it against the model."""
        if joined() is None:
            return None
        workshop, table = joined()  # type: ignore[misc]
        version()
        if workshop.revealed:
            return None
        saved = table.prediction
        return ui.tags.div(
            ui.h6("your guess before the reveal"),
            ui.input_numeric(
                "guess_retention",
                "share of the pilot's value you will keep (%)",
                value=None if saved is None else round(100 * saved["retention"], 1),  # type: ignore[arg-type]
            ),
            ui.input_numeric(
                "guess_npv",
                f"NPV over the run ({workshop.scenario.currency})",
                value=None if saved is None else saved["npv"],  # type: ignore[arg-type]
            ),
            ui.input_action_button("guess", "save our guess"),
            ui.output_text("guess_saved"),
        )

    @reactive.effect
    @reactive.event(input.guess)
    def _guess() -> None:
        place = joined()
        if place is None:
            return
        try:
            rooms.predict(place[0], place[1], input.guess_retention(), input.guess_npv())
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        problem.set("")

    @render.text
    def guess_saved() -> str:
        input.guess()
        place = joined()
        if place is None or place[1].prediction is None:
            return ""
        guess = place[1].prediction
        return f"saved: {100 * guess['retention']:.1f}% kept, NPV {guess['npv']:,.0f}"

    @reactive.effect
    def _record() -> None:
        shown = table_task.result()
        with reactive.isolate():
            place = joined()
        if place is not None:
            try:
                rooms.record(place[0], place[1], shown.built, shown.answer)
            except ScenarioError as exc:
                problem.set(first_line(exc))

    @render.text
    def table_error() -> str:
        return problem()

    @render.text
    def table_status() -> str:
        if joined() is None:
            return "Type the code the facilitator shows, and your table's name."
        workshop, table = joined()  # type: ignore[misc]
        version()
        shocks = f" · this round: {'; '.join(workshop.shock_words())}" if workshop.shocks else ""
        return (
            f"table {table.name} (key {table.key}, to rejoin after a reload) · workshop {workshop.code} · "
            f"{workshop.scenario.name} · round {workshop.round} · "
            f"budget {workshop.budget:,.0f} {workshop.scenario.currency} up front{shocks}"
        )

    @render.text
    def table_costs() -> str:
        if joined() is None:
            return ""
        workshop, _ = joined()  # type: ignore[misc]
        try:
            played = workshop.current()
            choices = choices_made(input, played, "table_lever_")
            built = build(played, closest(played, choices), choices, {})
        except (ScenarioError, KeyError, TypeError):
            return ""
        assert built.costs is not None
        spend, currency = up_front(built.costs), workshop.scenario.currency
        verdict = "within budget" if spend <= workshop.budget else f"OVER budget by {spend - workshop.budget:,.0f}"
        return f"your design commits {spend:,.0f} {currency} up front ({verdict}); its running costs show after a run"

    @render.ui
    def table_headline() -> Any:
        shown = table_task.result()
        design = shown.answer["summary"]["designs"][CUSTOM]
        why = f" Why: {design['stall']['detail']}." if design["stall"].get("detail") else ""
        text = (
            f"retention {percent(design['retention'])} · {verdict(design['stall'])} · "
            f"NPV {design['money']['npv']:,.0f} {shown.answer['summary']['currency']} · "
            f"running costs {running_per_year(design):,.0f} a year · {shown.seconds:.1f} s.{why}"
        )
        workshop, _ = joined()  # type: ignore[misc]
        version()
        try:
            played = workshop.current()
            now = choices_made(input, played, "table_lever_")
            current = build(played, closest(played, now), now, {}).key
        except (ScenarioError, KeyError, TypeError):
            current = ""
        if current == shown.built.key:
            return ui.tags.span(*glossed(text))
        why = "your levers have changed" if workshop.current() == shown.built.scenario else "a new round has begun"
        note = ui.tags.div(f"out of date: {why} since this run; press run", class_="stale")
        return [ui.tags.span(*glossed(text), style="opacity: 0.45"), note]

    @render.ui
    def table_state() -> Any:
        return figure(table_task.result().answer, "state")


def facilitator_server(input: Inputs, session: Session, loaded: dict[str, Scenario], rooms: Rooms) -> None:
    problem = reactive.value("")
    mine = reactive.value[Workshop | None](None)

    @reactive.effect
    @reactive.event(input.open_scenario)
    def _budget() -> None:
        split = loaded[input.open_scenario()].workshop
        if split is not None and split.budget is not None:
            ui.update_numeric("open_budget", value=split.budget)

    def export_name(kind: str, ext: str) -> str:
        workshop = mine()
        return f"workshop-{workshop.code if workshop else 'none'}{kind}.{ext}"

    @reactive.poll(lambda: rooms.version, POLL_SECONDS)
    def version() -> int:
        return rooms.version

    async def take(workshop: Workshop) -> None:
        """This page is the workshop's facilitator: the browser tab remembers it (not on the page, not in the
        address), so a reload or a server restart reopens it."""
        problem.set("")
        mine.set(workshop)
        remember: dict[str, object] = {"kind": "facilitator", "code": workshop.code, "key": workshop.facilitator_key}
        await session.send_custom_message("scalesim-remember", remember)

    @reactive.effect
    @reactive.event(input.resume_facilitator)
    async def _resume_facilitator() -> None:
        """A reloaded facilitator page: reopen with the key this browser tab kept (never shown on the page)."""
        try:
            saved = json.loads(input.resume_facilitator())
            workshop = rooms.facilitate(saved["code"], saved["key"])
        except (ScenarioError, ValueError, KeyError, TypeError):
            return  # nothing to resume: the facilitator opens or reopens as usual
        await take(workshop)
        ui.update_navset("tabs", selected="facilitate")

    @reactive.effect
    async def _from_link() -> None:
        """The facilitator's link (``?workshop=CODE&key=KEY``) reopens the workshop on the facilitate tab."""
        query = parse_qs(session.clientdata.url_search().lstrip("?"))
        if "workshop" not in query:
            return
        with reactive.isolate():
            try:
                workshop = rooms.facilitate(query["workshop"][0], query.get("key", [""])[0])
            except ScenarioError as exc:
                problem.set(first_line(exc))
                return
        await take(workshop)
        ui.update_navset("tabs", selected="facilitate")

    @reactive.effect
    @reactive.event(input.open)
    async def _open() -> None:
        try:
            workshop = rooms.open(loaded[input.open_scenario()], input.open_budget())
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        await take(workshop)

    @reactive.effect
    @reactive.event(input.reopen)
    async def _reopen() -> None:
        try:
            workshop = rooms.facilitate(input.reopen_code(), input.reopen_key())
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        await take(workshop)

    @render.ui
    def facilitator_tools() -> Any:
        """The facilitator's controls, only once this page holds a workshop (opened here, or with its key)."""
        workshop = mine()
        if workshop is None:
            return None
        with reactive.isolate():
            link = facilitator_link(session.clientdata, workshop)
        return [
            ui.tags.hr(),
            ui.input_switch("reveal", "reveal the dynamics", workshop.revealed),
            ui.input_select(
                "shock", "next round brings", choices={"": "no shock", **{x.name: x.words for x in SHOCKS}}
            ),
            ui.input_action_button("next_round", "start the next round"),
            ui.input_action_button("presenter", "presenter view (for the projector)"),
            ui.tags.details(
                ui.tags.summary("your facilitator link (keep it off the projector)"),
                ui.tags.p(ui.tags.a(link, href=link, id="facilitator_link"), style="word-break: break-all"),
                ui.tags.p(f"facilitator key: {workshop.facilitator_key}", id="facilitator_key"),
            ),
            ui.input_select("manage_table", "a table", choices=list(workshop.tables)),
            ui.input_text("rename_to", "rename it to"),
            ui.input_action_button("rename", "rename"),
            ui.input_action_button("remove", "remove it"),
            ui.tags.hr(),
            *(ui.download_button(output, label) for output, (label, *_) in EXPORTS.items()),
        ]

    presenting = reactive.value(False)

    @reactive.effect
    @reactive.event(input.presenter)
    def _present() -> None:
        presenting.set(True)

    @reactive.effect
    @reactive.event(input.leave_presenter)
    def _leave() -> None:
        presenting.set(False)

    @render.ui
    def presenter_style() -> Any:
        if not presenting():
            return None
        return [ui.tags.style(PRESENTER_CSS), ui.input_action_button("leave_presenter", "leave presenter view")]

    @render.ui
    def join_box() -> Any:
        """The address the room joins at, and its QR code, while tables are joining (before the reveal)."""
        workshop = mine()
        if workshop is None:
            return None
        version()
        if workshop.revealed:
            return None
        with reactive.isolate():
            address = join_address(session.clientdata, workshop)
        code = segno.make(address, error="m")
        return ui.tags.div(
            ui.tags.img(src=code.svg_data_uri(scale=5, border=2), alt=f"QR code for {address}", id="join_qr"),
            ui.tags.div(
                ui.tags.div("join at"),
                ui.tags.div(ui.tags.b(address), id="join_address"),
                ui.tags.div(f"or open the app, choose 'join a workshop' and type {workshop.code}"),
            ),
            class_="join-box",
            style="display: flex; gap: 1.5rem; align-items: center; margin: 0.5rem 0 1rem;",
        )

    @render.ui
    def debrief() -> Any:
        """Revealed: every table ranked against the pilot's 100 %, why, and what it guessed."""
        workshop = mine()
        if workshop is None:
            return None
        version()
        if not workshop.revealed:
            return None
        return ui.tags.div(
            ui.tags.style(TABLE_CSS), ui.h4("How much of the pilot's value each design kept"), ui.HTML(slide(workshop))
        )

    @render.ui
    def replay_box() -> Any:
        """The stall replayed, for one table at a time: play, pause, or drag week by week."""
        workshop = mine()
        version()
        if workshop is None or not workshop.revealed:
            return None
        ran = [name for name, table in workshop.tables.items() if table.result is not None]
        if not ran:
            return None
        with reactive.isolate():
            chosen = input.replay_table() if "replay_table" in input else None
        weeks = max(int(max(row["week"] for row in workshop.tables[name].weekly)) for name in ran)
        return ui.tags.div(
            ui.h4("Replay: week by week"),
            ui.input_select("replay_table", "table", choices=ran, selected=chosen if chosen in ran else ran[0]),
            ui.input_slider("replay_week", "week", 0, weeks, 0, step=1, animate=ui.AnimationOptions(interval=700)),
        )

    @render.ui
    def replay() -> Any:
        workshop = mine()
        version()
        if workshop is None or not workshop.revealed:
            return None
        table = workshop.tables.get(input.replay_table())  # waits (silently) until the replay's controls exist
        if table is None or table.result is None:
            return None
        weekly, events = _frames([table])
        commitment = workshop.scenario.production.dynamics.reversion.commitment_threshold
        week = float(input.replay_week())
        return image(png(F.replay(weekly, events, table.name, week, commitment, _source(workshop))), "replay")

    @reactive.effect
    def _follow() -> None:
        """Keep the facilitator's controls in step with the workshop (tables arriving, another window's reveal)."""
        version()
        workshop = mine()
        if workshop is None:
            return
        with reactive.isolate():
            chosen = input.manage_table() if "manage_table" in input else None
            shown = bool(input.reveal()) if "reveal" in input else workshop.revealed
        names = list(workshop.tables)
        ui.update_select("manage_table", choices=names, selected=chosen if chosen in names else None)
        if shown != workshop.revealed:
            ui.update_switch("reveal", value=workshop.revealed)

    @reactive.effect
    @reactive.event(input.reveal)
    def _reveal() -> None:
        workshop = mine()
        if workshop is not None and bool(input.reveal()) != workshop.revealed:
            rooms.reveal(workshop, bool(input.reveal()))

    @reactive.effect
    @reactive.event(input.next_round)
    def _next_round() -> None:
        workshop = mine()
        if workshop is None:
            return
        try:
            rooms.next_round(workshop, input.shock() or None)
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        problem.set("")
        ui.update_switch("reveal", value=False)

    @reactive.effect
    @reactive.event(input.rename)
    def _rename() -> None:
        workshop = mine()
        if workshop is None or not input.manage_table():
            return
        try:
            rooms.rename(workshop, input.manage_table(), input.rename_to())
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        problem.set("")
        ui.update_text("rename_to", value="")

    @reactive.effect
    @reactive.event(input.remove)
    def _remove() -> None:
        workshop = mine()
        if workshop is None or not input.manage_table():
            return
        try:
            rooms.remove(workshop, input.manage_table())
        except ScenarioError as exc:
            problem.set(first_line(exc))

    @render.text
    def facilitator_error() -> str:
        return problem()

    @render.text
    def code() -> str:
        workshop = mine()
        if workshop is None:
            return "Open a workshop: the tables join with its code."
        version()
        shocks = f" · {'; '.join(workshop.shock_words())}" if workshop.shocks else ""
        return (
            f"code {workshop.code} · {workshop.scenario.name} · round {workshop.round} · budget "
            f"{workshop.budget:,.0f} {workshop.scenario.currency} · {len(workshop.tables)} tables{shocks}"
        )

    board_shown = reactive.value(False)

    @reactive.effect
    def _board_shown() -> None:
        """Whether the board has a place: set only when it changes, so the grid is not rebuilt every second."""
        workshop = mine()
        version()
        board_shown.set(workshop is not None and not workshop.revealed)

    @render.ui
    def board_box() -> Any:
        """The board's place: empty once revealed (an empty data grid would still take its height)."""
        return ui.output_data_frame("board") if board_shown() else ui.TagList()

    @render.data_frame
    def board() -> Any:
        """Who has joined and what each table chose, in words; once revealed the debrief takes its place."""
        workshop = mine()
        if workshop is None:
            return None
        version()
        if workshop.revealed:
            return None
        frame = workshop.export()
        if frame.empty:
            return frame
        offered = choosable(workshop.scenario)
        for lever in offered:
            words = OPTIONS_SHORT.get(lever.name, {})
            frame[f"lever_{lever.name}"] = frame[f"lever_{lever.name}"].map(lambda o, w=words: w.get(o, o))
        headers = {"table": "table", "runs": "runs", "up_front": f"up front ({workshop.scenario.currency})"}
        headers |= {f"lever_{lever.name}": LEVERS_WORDS.get(lever.name, lever.label) for lever in offered}
        frame = frame[[c for c in headers if c in frame]].rename(columns=headers)
        return render.DataGrid(frame.round(0), width="100%")

    @render.ui
    def side_by_side() -> Any:
        """Every table's design, a panel each: drawn as an image at its own size, so it grows with the tables."""
        workshop = mine()
        if workshop is None:
            return None
        version()
        ran = {name: table for name, table in workshop.tables.items() if table.result is not None}
        if not workshop.revealed or not ran:
            return None
        weekly, events = _frames(list(ran.values()))
        results = {name: table.result for name, table in ran.items()}
        drawn = F.side_by_side(weekly, events, results, workshop.scenario.currency, _source(workshop))  # type: ignore[arg-type]
        return image(png(drawn), "side by side")

    def download(output: str, kind: str, ext: str, content: Callable[[Workshop], str]) -> None:
        def handler() -> Any:
            workshop = mine()
            if workshop is not None:
                yield content(workshop)

        handler.__name__ = output  # the output id Shiny binds the handler to
        render.download_button(filename=lambda: export_name(kind, ext))(handler)

    for output, (_, kind, ext, content) in EXPORTS.items():
        download(output, kind, ext, content)
