"""A workshop: the facilitator opens one on a scenario and a budget, tables join with its code, each table runs
the design it chose, and the facilitator's screen shows them side by side.

Two secrets keep the roles apart. The workshop's code is public (it is on the projector): it lets a table join.
The facilitator's key is not: it is in the facilitator's own link, and only a page that gives it can reopen the
workshop, reveal the dynamics, rename or remove tables, or export. Each table has its own key, so no other
browser can take its name over.

Plain data kept by the app's process and written through to its state file (:mod:`scalesim.app.state`), so a
restart resumes every workshop, table and attempt; no browser holds anything a table could lose by reloading.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scalesim.about import VERSION
from scalesim.app.levers import CUSTOM, Built
from scalesim.app.shocks import shocked
from scalesim.app.state import State, digest
from scalesim.errors import ScenarioError
from scalesim.scenario.levers import LEVERS, check_prices, up_front
from scalesim.scenario.schema import Scenario

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a code read aloud or off a projector is typed right."""
CODE_LENGTH = 4
MAX_TABLES = 40
MAX_NAME = 24


KEY_LENGTH = 6
FACILITATOR_KEY_LENGTH = 10
"""Long enough not to be guessed in a session (32^10), short enough to type from a note."""


def new_key(length: int) -> str:
    """A code of ``length`` letters a person can read off a screen and type (:data:`CODE_LETTERS`)."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(length))


@dataclass
class Table:
    """One table's latest run: the options it chose, what they cost, and what production made of them.

    ``key`` is the table's own: the browser that joined holds it, and a reloaded page rejoins with it. Without it,
    another browser typing the same name is refused, so no table can overwrite another's result."""

    name: str
    key: str = field(default_factory=lambda: new_key(KEY_LENGTH))
    choices: dict[str, str] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    result: dict[str, Any] | None = None  # the run's summary of the table's design
    weekly: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    runs: int = 0
    prediction: dict[str, float] | None = None  # the table's guess before the reveal: retention (0-1) and NPV
    rounds: list[dict[str, Any]] = field(default_factory=list)  # what it kept in each earlier round


@dataclass
class Workshop:
    code: str
    scenario: Scenario
    base: str
    budget: float
    opened: str
    tables: dict[str, Table] = field(default_factory=dict)
    revealed: bool = False
    facilitator_key: str = field(default_factory=lambda: new_key(FACILITATOR_KEY_LENGTH))
    attempts: list[dict[str, Any]] = field(default_factory=list)
    round: int = 1
    shocks: list[str] = field(default_factory=list)

    _played: tuple[tuple[str, ...], Scenario, list[str]] | None = field(default=None, repr=False, compare=False)

    def _shocked(self) -> tuple[Scenario, list[str]]:
        """The shocked scenario, validated once per set of shocks (every page render asks for it)."""
        if self._played is None or self._played[0] != tuple(self.shocks):
            self._played = (tuple(self.shocks), *shocked(self.scenario, self.shocks))
        return self._played[1], self._played[2]

    def current(self) -> Scenario:
        """The scenario the tables play this round: the workshop's, with every shock brought in so far."""
        return self._shocked()[0]

    def shock_words(self) -> list[str]:
        return self._shocked()[1]

    def spend(self, built: Built) -> float:
        if built.costs is None:
            raise ScenarioError(f"scenario {self.scenario.name!r} cannot price a design it does not name")
        return up_front(built.costs)

    def check_budget(self, built: Built) -> None:
        """Refuse a design over the budget (or one the scenario cannot price), saying by how much."""
        spend = self.spend(built)
        if spend > self.budget:
            raise ScenarioError(
                f"this design commits {spend:,.0f} {self.scenario.currency} up front, "
                f"{spend - self.budget:,.0f} over the budget of {self.budget:,.0f}: "
                "drop a lever or choose a cheaper option"
            )

    def export(self) -> pd.DataFrame:
        """One row a table: its options, costs and results (what the facilitator downloads)."""
        rows = []
        for table in self.tables.values():
            row: dict[str, Any] = {"table": table.name, "round": self.round, "runs": table.runs}
            row.update({f"round_{r['round']}_retention": r["retention"] for r in table.rounds})
            if table.prediction is not None:
                row.update(guess_retention=table.prediction["retention"], guess_npv=table.prediction["npv"])
            row.update({f"lever_{lever}": table.choices.get(lever) for lever in LEVERS})
            row.update(table.costs)
            if table.result is not None:
                stall, money = table.result["stall"], table.result["money"]
                row.update(
                    retention=table.result["retention"],
                    verdict=stall["verdict"],
                    stall_reason=stall["reason"],
                    stall_day=stall["day"],
                    why=stall.get("detail"),
                    npv=money["npv"],
                    payback_day=money["payback_day"],
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def describe(self) -> dict[str, Any]:
        """What the export's JSON says besides the table: which scenario, seed, budget and version made it."""
        return {
            "code": self.code,
            "scenario": self.scenario.name,
            "seed": self.scenario.run.seed,
            "replications": 1,
            "budget": self.budget,
            "currency": self.scenario.currency,
            "base_design": self.base,
            "opened": self.opened,
            "scalesim": VERSION,
        }

    def export_attempts(self) -> pd.DataFrame:
        """Every attempt of every table, in order: what it chose, what that committed, and what came of it (a run,
        or the refusal and why) — a refused over-budget design is part of the session's story."""
        columns = ["at", "table", "round", "outcome", "up_front", "retention", "verdict", "npv", "message"]
        rows = [
            {**{c: a.get(c) for c in columns}, **{f"lever_{k}": v for k, v in a["choices"].items()}}
            for a in self.attempts
        ]
        return pd.DataFrame(rows, columns=columns + [f"lever_{lever}" for lever in LEVERS])

    def export_json(self) -> str:
        frame = self.export()
        tables = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # full precision
        return json.dumps({**self.describe(), "tables": tables, "attempts": self.attempts}, indent=2)

    def stored(self) -> dict[str, Any]:
        """What the state file keeps of the workshop itself (its tables and attempts are kept on their own)."""
        return {
            "base": self.base,
            "budget": self.budget,
            "opened": self.opened,
            "revealed": self.revealed,
            "facilitator_key": self.facilitator_key,
            "round": self.round,
            "shocks": self.shocks,
        }


class Rooms:
    """Every open workshop of this server, by code; ``version`` grows with every change (pages poll it).

    With a ``state``, every change is written through to it, and the workshops stored there whose scenario is
    among ``scenarios`` (and unchanged since) are resumed; ``skipped`` says which were not, and why."""

    def __init__(self, state: State | None = None, scenarios: dict[str, Scenario] | None = None) -> None:
        self.workshops: dict[str, Workshop] = {}
        self.version = 0
        self.state = state
        self.skipped: list[str] = []
        if state is not None:
            self._resume(state, {s.name: s for s in (scenarios or {}).values()})

    def _resume(self, state: State, scenarios: dict[str, Scenario]) -> None:
        for code, name, scenario_digest, data in state.workshops():
            scenario = scenarios.get(name)
            if scenario is None:
                self.skipped.append(f"workshop {code}: scenario {name!r} is not offered by this server")
                continue
            if _digest(scenario) != scenario_digest:
                self.skipped.append(f"workshop {code}: scenario {name!r} has changed since it was opened")
                continue
            try:
                workshop = Workshop(code, scenario, data["base"], data["budget"], data["opened"])
                workshop.revealed, workshop.facilitator_key = data["revealed"], data["facilitator_key"]
                workshop.round, workshop.shocks = data.get("round", 1), list(data.get("shocks", []))
                for stored in state.tables(code):
                    table = Table(**stored)
                    workshop.tables[table.name] = table
            except (KeyError, TypeError):  # written by a version that kept other fields
                self.skipped.append(f"workshop {code}: stored in a form this version of scalesim does not read")
                continue
            workshop.attempts = state.attempts(code)
            self.workshops[code] = workshop

    def _save(self, workshop: Workshop, table: Table | None = None) -> None:
        self.version += 1
        if self.state is None:
            return
        self.state.save_workshop(workshop.code, workshop.scenario.name, _digest(workshop.scenario), workshop.stored())
        if table is not None:
            self.state.save_table(workshop.code, table.key, dataclasses.asdict(table))

    def open(self, scenario: Scenario, budget: float | None) -> Workshop:
        if scenario.workshop is None:
            raise ScenarioError(
                f"scenario {scenario.name!r} has no 'workshop' block: the app cannot price the designs tables "
                "build (docs/reference/scenario.md, 'workshop')"
            )
        check_prices(scenario, scenario.name)
        budget = scenario.workshop.budget if budget is None else budget
        if budget is None or not 0 < budget <= 1e9:
            raise ScenarioError(f"budget: {budget!r} is not a budget; give an amount above 0 and at most 1e9")
        cheapest = up_front(scenario.workshop.baseline)
        if budget < cheapest:
            raise ScenarioError(
                f"budget: {budget:,.0f} is below what the cheapest design commits up front ({cheapest:,.0f} "
                f"{scenario.currency}): every table would be refused; give at least that"
            )
        code = ""
        while not code or code in self.workshops:
            code = new_key(CODE_LENGTH)
        opened = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        workshop = Workshop(code, scenario, next(iter(scenario.designs)), float(budget), opened)
        self.workshops[code] = workshop
        self._save(workshop)
        return workshop

    def find(self, code: str) -> Workshop:
        found = self.workshops.get(code.strip().upper())
        if found is None:
            raise ScenarioError(f"no workshop with the code {code.strip()!r}: ask the facilitator for it")
        return found

    def facilitate(self, code: str, key: str) -> Workshop:
        """The workshop, for the page that gives its facilitator key (a table knows the code, never the key)."""
        workshop = self.find(code)
        if not secrets.compare_digest(key.strip().upper().replace("-", ""), workshop.facilitator_key):
            raise ScenarioError(
                f"workshop {workshop.code}: that is not its facilitator key; open the facilitator link you were "
                "given when you opened it"
            )
        return workshop

    def join(self, code: str, table: str, key: str = "") -> tuple[Workshop, Table]:
        """The workshop and the table joined: a new name makes a new table; a name in use (in any case or spacing)
        is the same table only for a browser that gives its key."""
        workshop = self.find(code)
        name = _name(table)
        taken = _taken(workshop, name)
        if taken is not None:
            if key.strip().upper() != taken.key:
                raise ScenarioError(
                    f"table name {taken.name!r} is taken in workshop {workshop.code}: choose another name "
                    "(to rejoin your own table after a reload, type the table key your page showed)"
                )
            return workshop, taken
        if len(workshop.tables) >= MAX_TABLES:
            raise ScenarioError(f"workshop {workshop.code} is full ({MAX_TABLES} tables)")
        entry = Table(name)
        workshop.tables[name] = entry
        self._save(workshop, entry)
        return workshop, entry

    def rename(self, workshop: Workshop, old: str, new: str) -> None:
        """The facilitator renames a table (a rude or mistyped name on the projector); its key and runs stay."""
        table = self._table(workshop, old)
        name = _name(new)
        other = _taken(workshop, name)
        if other is not None and other is not table:
            raise ScenarioError(f"table name {other.name!r} is taken in workshop {workshop.code}: choose another")
        del workshop.tables[table.name]
        for attempt in workshop.attempts:
            if attempt["table"] == table.name:
                attempt["table"] = name
        table.name = name
        table.weekly = [{**row, "design": name} for row in table.weekly]
        table.events = [{**row, "design": name} for row in table.events]
        workshop.tables[name] = table
        self._save(workshop, table)

    def remove(self, workshop: Workshop, name: str) -> None:
        """The facilitator removes a table (a test join, a table that left); its page is told to join again."""
        table = self._table(workshop, name)
        del workshop.tables[table.name]
        if self.state is not None:
            self.state.drop_table(workshop.code, table.key)
        self._save(workshop)

    def _table(self, workshop: Workshop, name: str) -> Table:
        table = workshop.tables.get(name)
        if table is None:
            raise ScenarioError(
                f"no table {name!r} in workshop {workshop.code}: tables are {', '.join(workshop.tables)}"
            )
        return table

    def attempt(
        self,
        workshop: Workshop,
        table: Table,
        choices: dict[str, str],
        spend: float | None,
        outcome: str,
        message: str = "",
        result: dict[str, Any] | None = None,
    ) -> None:
        """Log one attempt of a table: a run (with what came of it) or a refusal (with why)."""
        entry: dict[str, Any] = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "table": table.name,
            "round": workshop.round,
            "outcome": outcome,
            "choices": dict(choices),
            "up_front": spend,
            "message": message,
            "retention": None if result is None else result["retention"],
            "verdict": None if result is None else result["stall"]["verdict"],
            "npv": None if result is None else result["money"]["npv"],
        }
        workshop.attempts.append(entry)
        if self.state is not None:
            self.state.add_attempt(workshop.code, entry)
        self.version += 1

    def record(self, workshop: Workshop, table: Table, built: Built, answer: dict[str, Any]) -> None:
        """Keep a table's run (the latest replaces the one before; every run is in the attempts)."""
        if workshop.tables.get(table.name) is not table:
            raise ScenarioError(f"table {table.name!r} is no longer in workshop {workshop.code}: join again")
        entry = table
        assert built.costs is not None
        entry.choices = dict(built.choices)
        entry.result = answer["summary"]["designs"][CUSTOM]
        entry.costs = {
            **built.costs.model_dump(mode="json"),
            "up_front": up_front(built.costs),
            "running_per_year": running_per_year(entry.result),
        }
        entry.weekly = _renamed(answer["weekly"], table.name)
        entry.events = _renamed(answer["events"], table.name)
        entry.runs += 1
        self._save(workshop, entry)
        self.attempt(workshop, table, built.choices, up_front(built.costs), "ran", result=entry.result)

    def reveal(self, workshop: Workshop, shown: bool) -> None:
        workshop.revealed = shown
        self._save(workshop)

    def next_round(self, workshop: Workshop, shock: str | None) -> None:
        """The facilitator starts the next round, bringing in ``shock`` (or none): every table's result is kept
        as its earlier round's, the board is hidden again, and guesses reopen."""
        shocks = [*workshop.shocks, *([shock] if shock else [])]
        shocked(workshop.scenario, shocks)  # a shock the scenario cannot take is refused before anything changes
        for table in workshop.tables.values():
            if table.result is not None:
                table.rounds.append(
                    {
                        "round": workshop.round,
                        "retention": table.result["retention"],
                        "verdict": table.result["stall"]["verdict"],
                        "npv": table.result["money"]["npv"],
                        "choices": dict(table.choices),
                    }
                )
            table.result, table.weekly, table.events, table.prediction = None, [], [], None
            if self.state is not None:
                self.state.save_table(workshop.code, table.key, dataclasses.asdict(table))
        workshop.round += 1
        workshop.shocks = shocks
        workshop.revealed = False
        self._save(workshop)

    def predict(self, workshop: Workshop, table: Table, retention_percent: Any, npv: Any) -> None:
        """A table's guess of its own result, before the reveal (what the room believed, for the debrief)."""
        if workshop.tables.get(table.name) is not table:
            raise ScenarioError(f"table {table.name!r} is no longer in workshop {workshop.code}: join again")
        if workshop.revealed:
            raise ScenarioError("the dynamics are revealed: guesses are closed")
        try:
            kept, money = float(retention_percent), float(npv)
        except (TypeError, ValueError):
            raise ScenarioError(
                "a guess needs two numbers: the share of the pilot's value kept (%) and the NPV"
            ) from None
        if not -100 <= kept <= 100:
            raise ScenarioError(f"guess of value kept: {kept:g}%; give a share from -100 to 100 %")
        if not abs(money) <= 1e9:
            raise ScenarioError(f"guess of NPV: {money:g}; give an amount of at most 1e9 either way")
        table.prediction = {"retention": kept / 100, "npv": money}
        self._save(workshop, table)


def _digest(scenario: Scenario) -> str:
    return digest(scenario.model_dump_json())


def _name(typed: str) -> str:
    name = " ".join(typed.split())
    if not name or len(name) > MAX_NAME:
        raise ScenarioError(f"table name: {typed!r}; give a name of 1 to {MAX_NAME} characters")
    return name


def _taken(workshop: Workshop, name: str) -> Table | None:
    return next((t for t in workshop.tables.values() if t.name.casefold() == name.casefold()), None)


RUNNING = ("recurring_per_year", "new_teams_per_year", "added_staff_per_year", "monitoring_per_year")


def running_per_year(design: dict[str, Any]) -> float:
    """Everything a design costs each year, as its run counted it (``costs`` of a design's summary): not only
    the ``recurring_per_year`` written in its costs, but the monitoring, new teams and added staff it brings."""
    return float(sum(design["costs"][item] for item in RUNNING))


def _renamed(columns: dict[str, list[Any]], table: str) -> list[dict[str, Any]]:
    """A run's rows of the custom design, as the table's rows (the side-by-side figure tells tables by name)."""
    frame = pd.DataFrame(columns)
    frame = frame[frame["design"] == CUSTOM].assign(design=table)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]
