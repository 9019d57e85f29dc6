"""The explore page: pick a scenario and a design, change its levers and the main assumptions, see what survives.

Every number comes from the same library calls as the command line (``simulate``, the report's figures); runs
go to worker processes (:mod:`scalesim.app.compute`), so the page never freezes while one is going.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from shiny import Inputs, Session, reactive, render, req, ui

from scalesim.app.compute import Runner, tables
from scalesim.app.levers import ASSUMPTIONS, CUSTOM, Built, build, slider_range
from scalesim.app.workshop import running_per_year
from scalesim.errors import ScenarioError
from scalesim.labels import FIELDS, OPTIONS, REASONS, REASONS_SHORT, VERDICTS, field_words
from scalesim.limits import DEFAULT_MAX_CASES
from scalesim.ops.check import estimate
from scalesim.scenario.levers import Lever, check_prices, chosen, levers, up_front
from scalesim.scenario.load import load_scenario
from scalesim.scenario.schema import Scenario


def percent(x: float | None) -> str:
    return "undefined" if x is None else f"{100 * x:.1f}%"


def first_line(exc: ScenarioError) -> str:
    return str(exc).splitlines()[0]


def choosable(scenario: Scenario) -> list[Lever]:
    """The levers with a choice in this scenario (a lever every design sets alike is not offered)."""
    return [lever for lever in levers(scenario) if len(lever.options) > 1]


def choices_made(input: Inputs, scenario: Scenario, prefix: str) -> dict[str, str]:
    return {lever.name: input[f"{prefix}{lever.name}"]() for lever in choosable(scenario)}


@dataclass(frozen=True)
class Shown:
    """An answer on a page: the run's tables and figures, how long it took, whether it was remembered, and the
    design it is for."""

    answer: dict[str, Any]
    seconds: float
    cached: bool
    built: Built


def answer_task(runner: Runner) -> Any:
    """A task that answers a built design from the runner without blocking the page (its result: :class:`Shown`)."""

    @reactive.extended_task
    async def task(built: Built) -> Shown:
        started, cached = time.perf_counter(), runner.cached(built.key)
        answer = await runner.run(built.key)
        return Shown(answer, time.perf_counter() - started, cached, built)

    return task


def answer_on_click(
    click: Callable[[], Any],
    make: Callable[[], Built],
    runner: Runner,
    problem: reactive.Value[str],
    button: str,
    waiting: reactive.Value[str],
) -> Any:
    """On each ``click``: build the design (a refusal goes to ``problem``, the page's error line) and answer it
    from the runner, without blocking the page. The task button ``button`` shows it is busy while the answer is
    coming, and ``waiting`` says how many runs are ahead of this one. Returns the task whose ``result()`` is the
    :class:`Shown`."""

    task: Any = ui.bind_task_button(answer_task(runner), button_id=button)

    @reactive.effect
    @reactive.event(click)
    def _run() -> None:
        try:
            built = make()
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        problem.set("")
        waiting.set(queue_words(runner, built.key))
        task(built)

    @reactive.effect
    def _done() -> None:
        if task.status() != "running":
            waiting.set("")

    return task


def queue_words(runner: Runner, key: str) -> str:
    """What a person waits for: an answer already known, a run someone else started, or a run behind others."""
    if runner.cached(key):
        return ""
    if key in runner.running:
        return "simulating: someone else asked for this design a moment ago, their run answers you too"
    ahead = len(runner.running)
    return f"simulating: {ahead} run(s) ahead of yours" if ahead else "simulating: about 5 s"


GLOSSARY = {
    "retention": FIELDS["retention"].hint,
    "NPV": FIELDS["npv"].hint,
    **{word: f"this design {meaning}" for word, meaning in VERDICTS.items()},
    **REASONS,
}
"""What the headline's words mean, shown when the pointer rests on them."""


def glossed(text: str) -> Any:
    """``text`` with each glossary word the reader can point at for its meaning (an ``<abbr>`` title)."""
    parts: list[Any] = []
    for piece in text.split(" "):
        word = piece.strip("(),·")
        meaning = GLOSSARY.get(word)
        parts.append(ui.tags.abbr(piece, title=meaning) if meaning else piece)
        parts.append(" ")
    return parts[:-1]


def verdict(stall: dict[str, Any], priced: bool = True) -> str:
    """``stalled (reverted, day 140), pays``, or ``eroded, loses money``: what happened to value, then whether the
    design pays over the run (only where the design's costs are known)."""
    reason = REASONS_SHORT.get(stall["reason"], stall["reason"])
    value = f"stalled ({reason}, day {stall['day']:.0f})" if stall["verdict"] == "stalled" else stall["verdict"]
    if not priced or stall.get("money") is None:
        return value
    return f"{value}, {stall['money'].split(':')[0]}"


def lever_selects(scenario: Scenario, prefix: str, design: str) -> list[Any]:
    """A select a lever, each starting at the option ``design`` has; options in words, their names the values."""
    start = chosen(scenario, design)
    return [
        ui.input_select(
            f"{prefix}{lever.name}",
            lever.label,
            choices={name: OPTIONS.get(lever.name, {}).get(name, name.replace("_", " ")) for name in lever.names},
            selected=start[lever.name],
        )
        for lever in choosable(scenario)
    ]


def assumption_words(scenario: Scenario, path: str) -> str:
    """A slider's label: the belief's own label where the scenario has one, else the field in words."""
    if scenario.beliefs is not None and path in scenario.beliefs.inputs:
        return scenario.beliefs.label(path)
    return field_words(path)


ALONE = "(nothing: one design)"
"""The side-by-side choice that shows the page's design alone."""


def explore_panel(loaded: dict[str, Scenario]) -> Any:
    first = next(iter(loaded.values()))
    return ui.nav_panel(
        "explore",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("scenario", "scenario", choices=list(loaded)),
                ui.input_file("upload", "or upload a scenario (YAML)", accept=[".yaml", ".yml"]),
                ui.input_select("base", "start from design", choices=list(first.designs)),
                ui.input_select("other", "side by side with", choices=[ALONE, *first.designs]),
                ui.h6("levers"),
                ui.output_ui("lever_inputs"),
                ui.h6("assumptions"),
                ui.output_ui("sliders"),
                ui.input_task_button("run", "run", label_busy="simulating..."),
                ui.download_button("download_yaml", "this design as YAML"),
                ui.download_button("download_csv", "results as CSV"),
                width=340,
            ),
            ui.output_text("error"),
            ui.output_text("waiting_line"),
            ui.h4(ui.output_ui("headline")),
            ui.output_text("costs"),
            ui.output_ui("compare_view"),
            ui.output_ui("waterfall"),
            ui.output_ui("value"),
            ui.output_ui("state"),
            ui.output_ui("money"),
        ),
    )


def explore_server(input: Inputs, session: Session, loaded: dict[str, Scenario], runner: Runner) -> None:
    del session  # the page's state is this function's closure
    problem = reactive.value("")
    waiting = reactive.value("")
    first = reactive.value(True)
    mine = reactive.value(dict(loaded))  # this session's scenarios: the served ones and its uploads

    @reactive.calc
    def scenario() -> Scenario:
        return mine()[input.scenario()]

    @reactive.effect
    @reactive.event(input.upload)
    def _upload() -> None:
        for file in input.upload() or []:
            try:
                uploaded = load_scenario(file["datapath"])
                check_prices(uploaded, file["name"])
            except ScenarioError as exc:
                problem.set(f"{file['name']}: {first_line(exc).split(': ', 1)[-1]}")
                return
            size = estimate(uploaded, list(uploaded.designs))
            if size.cases > DEFAULT_MAX_CASES:  # as the command line refuses a run too big to serve
                problem.set(
                    f"{file['name']}: too big for the app: {size.describe()} (the limit is {DEFAULT_MAX_CASES:,} "
                    "cases a run); shorten run.horizon_days or lower workload.arrival_rate"
                )
                return
            name = f"{uploaded.name} (uploaded)"
            mine.set({**mine(), name: uploaded})
            problem.set("")
            ui.update_select("scenario", choices=list(mine()), selected=name)

    @reactive.effect
    @reactive.event(input.scenario)
    def _new_scenario() -> None:
        ui.update_select("base", choices=list(scenario().designs))
        ui.update_select("other", choices=[ALONE, *scenario().designs])

    @render.ui
    def lever_inputs() -> Any:
        """The levers, at the options of the design started from (choosing another design resets them)."""
        req(input.base() in scenario().designs)
        return lever_selects(scenario(), "lever_", input.base())

    @render.ui
    def sliders() -> Any:
        out = []
        for path in ASSUMPTIONS:
            low, value, high = slider_range(scenario(), path)
            out.append(
                ui.input_slider(_slider_id(path), assumption_words(scenario(), path), low, high, value, step=0.01)
            )
        return out

    def custom() -> Built:
        choices = choices_made(input, scenario(), "lever_")
        assumptions = {path: input[_slider_id(path)]() for path in ASSUMPTIONS}
        return build(scenario(), input.base(), choices, assumptions)

    simulate_task = answer_on_click(input.run, custom, runner, problem, "run", waiting)

    @reactive.effect
    def _first_answer() -> None:
        """The starting design's answer on first load: the page is never empty."""
        if not first():
            return
        try:
            built = custom()
        except (ScenarioError, KeyError, TypeError):  # the lever menus are not drawn yet
            return
        first.set(False)
        simulate_task(built)

    other_task = answer_task(runner)

    def comparing() -> bool:
        return input.other() not in (ALONE, None, "")

    @reactive.effect
    @reactive.event(input.other, input.run)
    def _other() -> None:
        """The design to set beside the page's: that design as the scenario names it, on the same assumptions."""
        if not comparing() or input.other() not in scenario().designs:
            return
        assumptions = {path: input[_slider_id(path)]() for path in ASSUMPTIONS}
        try:
            built = build(scenario(), input.other(), chosen(scenario(), input.other()), assumptions)
        except ScenarioError as exc:
            problem.set(first_line(exc))
            return
        other_task(built)

    @render.ui
    def compare_view() -> Any:
        """Two designs side by side: what each keeps, where the value goes, and how trust and adoption move."""
        if not comparing():
            return ui.TagList()
        # a task's result is asked for only once it has one: asking a running task leaves this output "in
        # progress", and Shiny's page then refuses the next value sent for it (and every value after it)
        if simulate_task.status() != "success" or other_task.status() != "success":
            return ui.tags.p("simulating both designs...")
        mine_shown, other_shown = simulate_task.result(), other_task.result()
        columns = []
        for title, shown in (("your design", mine_shown), (input.other(), other_shown)):
            design = shown.answer["summary"]["designs"][CUSTOM]
            line = (
                f"retention {percent(design['retention'])} · {verdict(design['stall'], shown.built.costs is not None)}"
            )
            columns.append(
                ui.tags.div(
                    ui.h5(title),
                    ui.tags.p(*glossed(line)),
                    figure(shown.answer, "waterfall"),
                    figure(shown.answer, "state"),
                )
            )
        return ui.layout_columns(*columns, col_widths=(6, 6))

    @render.text
    def error() -> str:
        return problem()

    @render.text
    def waiting_line() -> str:
        return waiting()

    def out_of_date(shown: Shown) -> bool:
        """Whether the page's levers or assumptions have moved since the answer shown was asked for."""
        try:
            return custom().key != shown.built.key
        except (ScenarioError, KeyError, TypeError):
            return True

    @render.ui
    def headline() -> Any:
        shown = simulate_task.result()
        summary = shown.answer["summary"]
        design = summary["designs"][CUSTOM]
        npv = (
            f"NPV {design['money']['npv']:,.0f} {summary['currency']}"
            if shown.built.costs is not None
            else "NPV not shown: the scenario prices only its own designs (no 'workshop' block)"
        )
        how = "from the cache" if shown.cached else f"live run, {shown.seconds:.1f} s"
        text = (
            f"retention {percent(design['retention'])} · {verdict(design['stall'], shown.built.costs is not None)} · "
            f"{npv} · "
            f"seed {summary['seed']} · 1 replication · {how}"
        )
        if not out_of_date(shown):
            return ui.tags.span(*glossed(text))
        note = ui.tags.div("out of date: the levers have changed since this run; press run", class_="stale")
        return [ui.tags.span(*glossed(text), style="opacity: 0.45"), note]

    @render.text
    def costs() -> str:
        shown = simulate_task.result()
        if shown.built.costs is None:
            return ""
        c, currency = shown.built.costs, scenario().currency
        over = f" over {c.build_days:.0f} days" if c.build_days else ""
        yearly = running_per_year(shown.answer["summary"]["designs"][CUSTOM])
        return (
            f"costs: {up_front(c):,.0f} {currency} up front (build {c.one_off:,.0f}{over}, "
            f"change management {c.change_management:,.0f}), {yearly:,.0f} a year to run"
        )

    @render.ui
    def waterfall() -> Any:
        if comparing():  # the two designs are side by side above (an empty tag, so the old figure is cleared)
            return ui.TagList()
        return figure(simulate_task.result().answer, "waterfall")

    @render.ui
    def value() -> Any:
        if comparing():  # the two designs are side by side above (an empty tag, so the old figure is cleared)
            return ui.TagList()
        return figure(simulate_task.result().answer, "value")

    @render.ui
    def state() -> Any:
        if comparing():  # the two designs are side by side above (an empty tag, so the old figure is cleared)
            return ui.TagList()
        return figure(simulate_task.result().answer, "state")

    @render.ui
    def money() -> Any:
        shown = simulate_task.result()
        return None if shown.built.costs is None else figure(shown.answer, "money")

    @render.download_button(filename=lambda: f"{scenario().name}-{CUSTOM}.yaml")
    def download_yaml() -> Any:
        raw = custom().scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        yield yaml.safe_dump(raw, sort_keys=False)

    @render.download_button(filename=lambda: f"{scenario().name}-{CUSTOM}.csv")
    def download_csv() -> Any:
        shown = simulate_task.result()
        table = tables(shown.answer)["table"]
        if shown.built.costs is None:  # money without prices would be a guess
            table = table.drop(columns=[c for c in MONEY_COLUMNS if c in table])
        yield table.to_csv(index=False)


MONEY_COLUMNS = ("costs_per_year", "net_value_per_year", "npv", "net_value_run", "payback_day")


def figure(answer: dict[str, Any], name: str) -> Any:
    """One of the figures the worker drew for this answer (:func:`scalesim.app.compute.run_plain`)."""
    return image(answer["figures"][name], name)


def image(drawn: dict[str, Any], alt: str) -> Any:
    """A drawn figure (:func:`scalesim.app.compute.png`) at its own width, never wider than the page."""
    return ui.img(src=drawn["src"], alt=alt, style=f"width: {drawn['width']}px; max-width: 100%; height: auto;")


def _slider_id(path: str) -> str:
    return "assume_" + path.replace(".", "_")
