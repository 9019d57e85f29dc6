"""The workshop pages: a table joins with the code and runs the design it chose within the budget; the
facilitator opens the workshop, watches the tables arrive, reveals when and why each design stalled, and exports.

Only the page that opened a workshop, or that gives its facilitator key (the facilitator's link carries it), has
the facilitator's controls: reveal, rename or remove a table, export. A table knows the code, never the key.
The facilitator's page polls the workshop's version once a second, so it follows every table without a reload.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

import pandas as pd
from shiny import Inputs, Session, reactive, render, ui

from scalesim.app.compute import Runner
from scalesim.app.explore import (
    answer_on_click,
    choices_made,
    choosable,
    figure,
    first_line,
    lever_selects,
    percent,
    verdict,
)
from scalesim.app.levers import CUSTOM, Built, build, closest
from scalesim.app.workshop import Rooms, Table, Workshop, running_per_year
from scalesim.errors import ScenarioError
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
            ui.h4(ui.output_text("table_status")),
            ui.output_text("table_costs"),
            ui.output_text("table_headline"),
            ui.output_ui("table_state"),
        ),
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
            ui.output_text("facilitator_error"),
            ui.h2(ui.output_text("code")),
            ui.output_data_frame("board"),
            ui.output_ui("reasons"),
            ui.output_plot("side_by_side", height="620px"),
        ),
        value="facilitate",
    )


def facilitator_link(clientdata: Any, workshop: Workshop) -> str:
    """The address that reopens this workshop as its facilitator (the key is in it: keep it off the projector)."""
    base = f"{clientdata.url_protocol()}//{clientdata.url_hostname()}"
    port = clientdata.url_port()
    return f"{base}{f':{port}' if port else ''}{clientdata.url_pathname()}?" + urlencode(
        {"workshop": workshop.code, "key": workshop.facilitator_key}
    )


def table_server(input: Inputs, session: Session, rooms: Rooms, runner: Runner) -> None:
    del session
    problem = reactive.value("")
    joined = reactive.value[tuple[Workshop, Table] | None](None)

    @reactive.effect
    @reactive.event(input.join)
    def _join() -> None:
        try:
            place = rooms.join(input.join_code(), input.join_table(), input.join_key())
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        problem.set("")
        joined.set(place)

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
        choices = choices_made(input, workshop.scenario, "table_lever_")
        built = build(workshop.scenario, closest(workshop.scenario, choices), choices, {})
        try:
            workshop.check_budget(built)
        except ScenarioError as exc:  # a refused attempt is part of the session's story: it is logged
            rooms.attempt(workshop, table, built.choices, workshop.spend(built), "refused", first_line(exc))
            raise
        return built

    table_task = answer_on_click(input.table_run, current, runner, problem)

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
        return (
            f"table {table.name} (key {table.key}, to rejoin after a reload) · workshop {workshop.code} · "
            f"{workshop.scenario.name} · "
            f"budget {workshop.budget:,.0f} {workshop.scenario.currency} up front"
        )

    @render.text
    def table_costs() -> str:
        if joined() is None:
            return ""
        workshop, _ = joined()  # type: ignore[misc]
        try:
            choices = choices_made(input, workshop.scenario, "table_lever_")
            built = build(workshop.scenario, closest(workshop.scenario, choices), choices, {})
        except (ScenarioError, KeyError, TypeError):
            return ""
        assert built.costs is not None
        spend, currency = up_front(built.costs), workshop.scenario.currency
        verdict = "within budget" if spend <= workshop.budget else f"OVER budget by {spend - workshop.budget:,.0f}"
        return f"your design commits {spend:,.0f} {currency} up front ({verdict}); its running costs show after a run"

    @render.text
    def table_headline() -> str:
        shown = table_task.result()
        design = shown.answer["summary"]["designs"][CUSTOM]
        why = f" Why: {design['stall']['detail']}." if design["stall"].get("detail") else ""
        return (
            f"retention {percent(design['retention'])} · {verdict(design['stall'])} · "
            f"NPV {design['money']['npv']:,.0f} {shown.answer['summary']['currency']} · "
            f"running costs {running_per_year(design):,.0f} a year · {shown.seconds:.1f} s.{why}"
        )

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

    def take(workshop: Workshop) -> None:
        problem.set("")
        mine.set(workshop)

    @reactive.effect
    def _from_link() -> None:
        """The facilitator's link (``?workshop=CODE&key=KEY``) reopens the workshop on the facilitate tab."""
        query = parse_qs(session.clientdata.url_search().lstrip("?"))
        if "workshop" not in query:
            return
        with reactive.isolate():
            try:
                take(rooms.facilitate(query["workshop"][0], query.get("key", [""])[0]))
            except ScenarioError as exc:
                problem.set(first_line(exc))
        ui.update_navs("tabs", selected="facilitate")

    @reactive.effect
    @reactive.event(input.open)
    def _open() -> None:
        try:
            take(rooms.open(loaded[input.open_scenario()], input.open_budget()))
        except ScenarioError as exc:
            problem.set(first_line(exc))

    @reactive.effect
    @reactive.event(input.reopen)
    def _reopen() -> None:
        try:
            take(rooms.facilitate(input.reopen_code(), input.reopen_key()))
        except ScenarioError as exc:
            problem.set(first_line(exc))

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
            ui.download_button("export_csv", "export results (CSV)"),
            ui.download_button("export_json", "export results (JSON)"),
            ui.download_button("export_attempts", "export every attempt (CSV)"),
        ]

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
        return (
            f"code {workshop.code} · {workshop.scenario.name} · budget {workshop.budget:,.0f} "
            f"{workshop.scenario.currency} · {len(workshop.tables)} tables"
        )

    @render.data_frame
    def board() -> Any:
        workshop = mine()
        if workshop is None:
            return None
        version()
        frame = workshop.export()
        if frame.empty:
            return frame
        shown = ["table", "runs", *(f"lever_{lever.name}" for lever in choosable(workshop.scenario)), "up_front"]
        if workshop.revealed and "retention" in frame:
            frame["retention %"] = (100 * frame["retention"].astype(float)).round(1)  # a number: it sorts as one
            shown += ["retention %", "verdict", "stall_reason", "stall_day", "npv"]
        frame = frame[[c for c in shown if c in frame]].rename(columns=lambda c: c.removeprefix("lever_"))
        return render.DataGrid(frame.round({"up_front": 0, "stall_day": 0, "npv": 0}), width="100%")

    @render.ui
    def reasons() -> Any:
        """Why each table's design stalled (or did not), in the model's words: revealed with the results."""
        workshop = mine()
        if workshop is None:
            return None
        version()
        if not workshop.revealed:
            return None
        lines = []
        for name, table in workshop.tables.items():
            if table.result is None:
                continue
            stall = table.result["stall"]
            when = f" on day {stall['day']:.0f} ({stall['reason']})" if stall["verdict"] == "stalled" else ""
            why = f": {stall['detail']}" if stall.get("detail") else ""
            lines.append(ui.tags.li(ui.tags.b(name), f" {stall['verdict']}{when}{why}"))
        return ui.tags.ul(*lines)

    @render.plot
    def side_by_side() -> Any:
        workshop = mine()
        if workshop is None:
            return None
        version()
        ran = {name: table for name, table in workshop.tables.items() if table.result is not None}
        if not workshop.revealed or not ran:
            return None
        weekly = pd.DataFrame([row for table in ran.values() for row in table.weekly])
        events = pd.DataFrame([row for table in ran.values() for row in table.events])
        if events.empty:
            events = pd.DataFrame(columns=["design", "day", "event", "value"])
        source = f"{workshop.scenario.name} · workshop {workshop.code} · seed {workshop.scenario.run.seed}"
        results = {name: table.result for name, table in ran.items()}
        return F.side_by_side(weekly, events, results, workshop.scenario.currency, source)  # type: ignore[arg-type]

    @render.download_button(filename=lambda: export_name("", "csv"))
    def export_csv() -> Any:
        workshop = mine()
        if workshop is not None:
            yield workshop.export().to_csv(index=False)

    @render.download_button(filename=lambda: export_name("", "json"))
    def export_json() -> Any:
        workshop = mine()
        if workshop is not None:
            yield workshop.export_json()

    @render.download_button(filename=lambda: export_name("-attempts", "csv"))
    def export_attempts() -> Any:
        workshop = mine()
        if workshop is not None:
            yield workshop.export_attempts().to_csv(index=False)
