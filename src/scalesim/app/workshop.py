"""A workshop: the facilitator opens one on a scenario and a budget, tables join with its code, each table runs
the design it chose, and the facilitator's screen shows them side by side.

Plain data kept by the app's process (one room, one server): no browser holds anything a table could lose by
reloading, and the facilitator's page can be reopened with the code.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scalesim.about import VERSION
from scalesim.app.levers import CUSTOM, Built
from scalesim.errors import ScenarioError
from scalesim.scenario.levers import LEVERS, check_prices, up_front
from scalesim.scenario.schema import Scenario

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a code read aloud or off a projector is typed right."""
CODE_LENGTH = 4
MAX_TABLES = 40
MAX_NAME = 24


KEY_LENGTH = 6


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


@dataclass
class Workshop:
    code: str
    scenario: Scenario
    base: str
    budget: float
    opened: str
    tables: dict[str, Table] = field(default_factory=dict)
    revealed: bool = False

    def check_budget(self, built: Built) -> None:
        """Refuse a design over the budget (or one the scenario cannot price), saying by how much."""
        if built.costs is None:
            raise ScenarioError(f"scenario {self.scenario.name!r} cannot price a design it does not name")
        spend = up_front(built.costs)
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
            row: dict[str, Any] = {"table": table.name, "runs": table.runs}
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

    def export_json(self) -> str:
        frame = self.export()
        tables = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # full precision
        return json.dumps({**self.describe(), "tables": tables}, indent=2)


class Rooms:
    """Every open workshop of this server, by code; ``version`` grows with every change (pages poll it)."""

    def __init__(self) -> None:
        self.workshops: dict[str, Workshop] = {}
        self.version = 0

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
        code = ""
        while not code or code in self.workshops:
            code = new_key(CODE_LENGTH)
        opened = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        workshop = Workshop(code, scenario, next(iter(scenario.designs)), float(budget), opened)
        self.workshops[code] = workshop
        self.version += 1
        return workshop

    def find(self, code: str) -> Workshop:
        found = self.workshops.get(code.strip().upper())
        if found is None:
            raise ScenarioError(f"no workshop with the code {code.strip()!r}: ask the facilitator for it")
        return found

    def join(self, code: str, table: str, key: str = "") -> tuple[Workshop, Table]:
        """The workshop and the table joined: a new name makes a new table; a name in use (in any case or spacing)
        is the same table only for a browser that gives its key."""
        workshop = self.find(code)
        name = " ".join(table.split())
        if not name or len(name) > MAX_NAME:
            raise ScenarioError(f"table name: {table!r}; give a name of 1 to {MAX_NAME} characters")
        taken = next((t for t in workshop.tables.values() if t.name.casefold() == name.casefold()), None)
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
        self.version += 1
        return workshop, entry

    def record(self, workshop: Workshop, table: Table, built: Built, answer: dict[str, Any]) -> None:
        """Keep a table's run (the latest replaces the one before)."""
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
        self.version += 1

    def reveal(self, workshop: Workshop, shown: bool) -> None:
        workshop.revealed = shown
        self.version += 1


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
