"""The workshop's parts that need no browser: lever prices, the designs people build, rooms, the runner."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import yaml

from scalesim.app.compute import Runner, run_plain
from scalesim.app.levers import CUSTOM, build, closest, likely
from scalesim.app.state import State, digest
from scalesim.app.workshop import (
    CODE_LENGTH,
    CODE_LETTERS,
    FACILITATOR_KEY_LENGTH,
    KEY_LENGTH,
    MAX_TABLES,
    Rooms,
    Table,
)
from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.ops.run import simulate
from scalesim.scenario.levers import WITH, WITHOUT, chosen, levers, priced, up_front
from scalesim.scenario.load import load_scenario
from scalesim.scenario.schema import Costs

from conftest import BASE, OPERATIONS, SCENARIOS, tiny

STALL = SCENARIOS / "stall-demo.yaml"
SIDE = {"every_days": 1, "pickup_probability": 0.5}


def short(path=STALL, days: int = 60):
    return load_scenario(path, [f"run.horizon_days={days}"])


@pytest.mark.parametrize("path", [p for p in OPERATIONS], ids=lambda p: p.stem)
def test_every_bundled_design_is_priced_at_its_own_costs(path):
    scenario = load_scenario(path)
    assert scenario.workshop is not None and scenario.workshop.budget
    for name, design in scenario.designs.items():
        assert priced(scenario, chosen(scenario, name), name) == design.costs, name


def test_lever_options_are_the_settings_the_designs_use():
    by_name = {lever.name: lever for lever in levers(load_scenario(STALL))}
    assert by_name["integration_point"].names == ["side_channel", "embedded"]
    assert by_name["monitoring"].names == [WITHOUT, WITH]
    assert by_name["monitoring"].setting(WITH)["every_days"] == 30  # the scenario's own monitoring block
    assert by_name["human_review"].names == [WITHOUT]  # no design has it: nothing to choose


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    accountability:\n      with:",
            "    acountability:\n      with:",
            "no such lever (did you mean 'accountability'?)",
        ),
        ("    go_live:\n      with:", "    go_live:\n      daily:", "go_live.daily: not an option"),
        ("  budget: 100000", "  budget: 1000", "below the baseline's up-front cost 30,000"),
        ("    go_live:\n      with:", "    go_live:\n      on:", "Input should be a valid string (got True)"),
        ("  budget: 100000", "  budget: 1e300", "workshop.budget"),
    ],
    ids=["unknown lever", "unknown option", "budget below baseline", "yaml boolean", "absurd"],
)
def test_a_wrong_workshop_block_is_refused_with_the_field(capsys, tmp_path, old, new, message):
    text = STALL.read_text()
    assert text.count(old) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_prices_that_do_not_add_up_are_refused_by_the_app_and_mentioned_by_validate(capsys, tmp_path):
    bad = tmp_path / "split.yaml"
    bad.write_text(STALL.read_text().replace("embedded: {one_off: 50000,", "embedded: {one_off: 40000,"))
    assert main(["validate", str(bad)]) == 0  # run, compare... do not read the block
    out = capsys.readouterr().out
    assert (
        "the app will refuse this scenario: workshop: the lever costs give design 'redesigned' one_off 110,000" in out
    )
    assert main(["app", "--scenario", str(bad), "--port", "1"]) == 2
    assert "but its costs say 120,000" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="must add up"):
        Rooms().open(load_scenario(bad), None)


def test_the_app_refuses_a_port_in_use_and_absurd_options(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--scenario", str(STALL), "--port", str(port)]) == 2
        assert f"--host 127.0.0.1 --port {port}: cannot serve there" in capsys.readouterr().err
    for option in (["--port", "70000"], ["--workers", "0"], ["--workers", "1e3"]):
        with pytest.raises(SystemExit) as stop:
            main(["app", *option])
        assert stop.value.code == 2


def test_without_prices_a_design_costs_what_its_author_wrote_and_nothing_else_is_priced():
    scenario = tiny(
        designs={
            "a": {"process_owner": False, "costs": {"one_off": 1}},
            "b": {"integration_point": "side_channel", "side_channel": SIDE, "costs": {"one_off": 2}},
            "c": {"integration_point": "side_channel", "side_channel": SIDE, "costs": {"one_off": 3}},  # b's levers
        }
    )
    assert priced(scenario, chosen(scenario, "c"), "c") == Costs(one_off=3)
    assert priced(scenario, chosen(scenario, "b"), "b") == Costs(one_off=2)
    assert priced(scenario, {**chosen(scenario, "a"), "integration_point": "side_channel"}, "a") is None
    built = build(scenario, "a", {"integration_point": "side_channel"}, {})
    assert built.costs is None
    with pytest.raises(ScenarioError, match="no 'workshop' block"):
        Rooms().open(scenario, 1000)


def test_a_design_built_from_another_designs_levers_is_that_design():
    scenario = short()
    built = build(scenario, "bolt_on", chosen(scenario, "redesigned"), {})
    assert built.costs == scenario.designs["redesigned"].costs
    ours = simulate(built.scenario).summary()["designs"][CUSTOM]
    theirs = simulate(scenario).summary()["designs"]["redesigned"]
    assert ours["retention"] == theirs["retention"] and ours["money"] == theirs["money"]
    assert closest(scenario, chosen(scenario, "monitoring_only")) == "monitoring_only"


def test_a_built_design_downloads_as_a_scenario_that_validates_and_runs_the_same(capsys, tmp_path):
    scenario = short()
    built = build(scenario, "redesigned", {"integration_point": "side_channel", "go_live": WITHOUT}, {})
    path = tmp_path / "yours.yaml"
    raw = built.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert main(["validate", str(path)]) == 0
    assert "the app will refuse" not in capsys.readouterr().out
    again = simulate(load_scenario(path)).summary()["designs"][CUSTOM]
    assert again["retention"] == simulate(built.scenario).summary()["designs"][CUSTOM]["retention"]


def test_assumptions_move_the_built_scenario_and_a_refused_one_says_why():
    scenario = short()
    built = build(scenario, "bolt_on", {}, {"production.accuracy": 0.7})
    assert built.scenario.production.accuracy == 0.7
    with pytest.raises(ScenarioError, match="accuracy"):
        build(scenario, "bolt_on", {}, {"production.accuracy": 1.7})


def test_the_likely_designs_are_valid_and_cover_every_combination():
    scenario = load_scenario(STALL)
    keys = {built.key for built in likely(scenario)}
    combinations = 1
    for lever in levers(scenario):
        combinations *= len(lever.options)
    assert len(keys) == combinations == 32  # the three designs differ only in their levers and costs


def test_rooms_give_short_codes_and_refuse_what_they_cannot_join():
    rooms, scenario = Rooms(), short()
    workshop = rooms.open(scenario, None)
    assert len(workshop.code) == CODE_LENGTH and set(workshop.code) <= set(CODE_LETTERS)
    assert workshop.budget == 100_000 and workshop.base == "bolt_on"
    joined, blue = rooms.join(f"  {workshop.code.lower()} ", " Blue  team ")
    assert joined is workshop and list(workshop.tables) == ["Blue team"]
    assert len(blue.key) == KEY_LENGTH and set(blue.key) <= set(CODE_LETTERS)
    for taken in ("Blue team", "  blue   TEAM ", "BLUE TEAM"):  # another browser cannot take it over
        with pytest.raises(ScenarioError, match="table name 'Blue team' is taken in workshop"):
            rooms.join(workshop.code, taken)
        with pytest.raises(ScenarioError, match="is taken"):
            rooms.join(workshop.code, taken, "WRONGK")
    assert rooms.join(workshop.code, "blue team", f" {blue.key.lower()} ") == (workshop, blue)  # a reload
    assert list(workshop.tables) == ["Blue team"]
    with pytest.raises(ScenarioError, match="no workshop with the code 'ZZZZZ'"):
        rooms.join("ZZZZZ", "Red")
    for name in ("", "   ", "x" * 25):
        with pytest.raises(ScenarioError, match="table name"):
            rooms.join(workshop.code, name)
    for budget in (0, -5, float("nan"), float("inf"), 1e300):
        with pytest.raises(ScenarioError, match="budget"):
            rooms.open(scenario, budget)
    for i in range(MAX_TABLES - 1):
        rooms.join(workshop.code, f"t{i}")
    with pytest.raises(ScenarioError, match="full"):
        rooms.join(workshop.code, "one more")


def test_a_design_over_budget_is_refused_with_the_amount_over():
    rooms, scenario = Rooms(), short()
    workshop = rooms.open(scenario, None)
    redesign = build(scenario, "bolt_on", chosen(scenario, "redesigned"), {})
    assert redesign.costs is not None and up_front(redesign.costs) == 150_000
    with pytest.raises(ScenarioError, match="150,000 EUR up front, 50,000 over the budget of 100,000"):
        workshop.check_budget(redesign)
    workshop.check_budget(build(scenario, "bolt_on", {"integration_point": "embedded", "process_owner": WITH}, {}))


def test_a_tables_run_is_recorded_and_exported_with_what_made_it():
    rooms, scenario = Rooms(), short()
    workshop = rooms.open(scenario, 120_000)
    _, blue = rooms.join(workshop.code, "Blue")
    built = build(scenario, "bolt_on", {"monitoring": WITH}, {})
    version = rooms.version
    answer = run_plain(built.key)
    rooms.record(workshop, blue, built, answer)
    assert rooms.version > version
    row = workshop.export().iloc[0]
    direct = simulate(built.scenario).summary()["designs"][CUSTOM]
    assert row["lever_monitoring"] == WITH and row["up_front"] == 30_000
    assert row["running_per_year"] == 20_000 + 15_000  # the written recurring costs and the monitoring's
    assert row["retention"] == direct["retention"] and row["verdict"] == direct["stall"]["verdict"]
    exported = json.loads(workshop.export_json())
    assert exported["seed"] == scenario.run.seed and exported["budget"] == 120_000
    assert exported["tables"][0]["table"] == "Blue" and exported["tables"][0]["npv"] == direct["money"]["npv"]
    assert {row["design"] for row in workshop.tables["Blue"].weekly} == {"Blue"}
    with pytest.raises(ScenarioError, match="no longer in workshop"):  # a table that is not this workshop's
        rooms.record(workshop, Table("Blue"), built, answer)


@pytest.mark.slow
def test_the_runner_shares_a_run_between_askers_and_warms_without_blocking():
    scenario = short(days=30)
    keys = [b.key for b in likely(scenario)][:3]

    async def scenario_of_a_room() -> None:
        runner = Runner(2)
        try:
            first, second = await asyncio.gather(runner.run(keys[0]), runner.run(keys[0]))
            assert first is second and len(runner.cache) == 1  # one run answered both
            await runner.warm(keys)
            assert runner.warmed == 3 and all(runner.cached(k) for k in keys)
            assert runner.waiting == 0 and not runner.running
        finally:
            runner.close()

    asyncio.run(scenario_of_a_room())


def test_base_is_unchanged_by_the_app():
    assert "workshop" not in BASE


def test_a_forged_lever_or_option_is_refused_by_name():
    """What a page's menus cannot send, a forged request can: it gets the scenario's message, not a KeyError."""
    scenario = short()
    with pytest.raises(ScenarioError, match="lever monitoring: 'forged' is not an option; choose one of without, with"):
        build(scenario, "bolt_on", {"monitoring": "forged"}, {})
    with pytest.raises(ScenarioError, match="lever 'nolever' is not one of this scenario's: integration_point"):
        build(scenario, "bolt_on", {"nolever": WITH}, {})


def test_only_the_facilitator_key_reopens_a_workshop():
    rooms, scenario = Rooms(), short()
    workshop = rooms.open(scenario, None)
    assert len(workshop.facilitator_key) == FACILITATOR_KEY_LENGTH
    assert rooms.facilitate(workshop.code.lower(), f" {workshop.facilitator_key.lower()} ") is workshop
    for wrong in ("", workshop.code, "WRONGKEY12", workshop.facilitator_key[:-1]):
        with pytest.raises(ScenarioError, match="not its facilitator key"):
            rooms.facilitate(workshop.code, wrong)
    _, blue = rooms.join(workshop.code, "Blue")  # what a table holds: the code and its own key, not the facilitator's
    assert blue.key != workshop.facilitator_key


def test_a_budget_no_design_can_meet_is_refused_when_the_workshop_opens():
    rooms, scenario = Rooms(), short()
    with pytest.raises(
        ScenarioError, match=r"budget: 20,000 is below what the cheapest design commits up front \(30,000"
    ):
        rooms.open(scenario, 20_000)
    assert not rooms.workshops


def test_the_facilitator_renames_and_removes_tables_and_every_attempt_is_logged():
    rooms, scenario = Rooms(), short()
    workshop = rooms.open(scenario, None)
    _, blue = rooms.join(workshop.code, "Blue")
    rooms.join(workshop.code, "Red")
    over = build(scenario, "bolt_on", chosen(scenario, "redesigned"), {})
    rooms.attempt(workshop, blue, over.choices, workshop.spend(over), "refused", "50,000 over the budget")
    built = build(scenario, "bolt_on", {"monitoring": WITH}, {})
    rooms.record(workshop, blue, built, run_plain(built.key))
    with pytest.raises(ScenarioError, match="table name 'Red' is taken"):
        rooms.rename(workshop, "Blue", " red ")
    rooms.rename(workshop, "Blue", "Team Blue")
    assert list(workshop.tables) == ["Red", "Team Blue"] and workshop.tables["Team Blue"] is blue
    assert {row["design"] for row in blue.weekly} == {"Team Blue"}  # the chart follows the new name
    rooms.record(workshop, blue, built, run_plain(built.key))  # the renamed table's page still records
    rooms.remove(workshop, "Red")
    assert list(workshop.tables) == ["Team Blue"]
    with pytest.raises(ScenarioError, match="no table 'Red'"):
        rooms.remove(workshop, "Red")
    attempts = workshop.export_attempts()
    assert list(attempts["outcome"]) == ["refused", "ran", "ran"]
    assert list(attempts["table"]) == ["Team Blue"] * 3
    assert attempts["up_front"].tolist() == [150_000, 30_000, 30_000]
    assert attempts["message"][0] == "50,000 over the budget" and attempts["lever_monitoring"][1] == WITH
    assert len(json.loads(workshop.export_json())["attempts"]) == 3


def test_a_restart_resumes_every_workshop_table_and_attempt(tmp_path):
    scenario = short()
    state = State(tmp_path / "app.sqlite")
    rooms = Rooms(state, {"stall-demo": scenario})
    workshop = rooms.open(scenario, None)
    _, blue = rooms.join(workshop.code, "Blue")
    built = build(scenario, "bolt_on", {"monitoring": WITH}, {})
    rooms.record(workshop, blue, built, run_plain(built.key))
    rooms.reveal(workshop, True)
    rooms.join(workshop.code, "Red")
    rooms.remove(workshop, "Red")
    state.close()

    again = Rooms(State(tmp_path / "app.sqlite"), {"stall-demo": scenario})
    resumed = again.facilitate(workshop.code, workshop.facilitator_key)
    assert resumed.revealed and list(resumed.tables) == ["Blue"] and resumed.budget == workshop.budget
    table = resumed.tables["Blue"]
    assert table.key == blue.key and table.runs == 1 and table.result == blue.result
    assert again.join(workshop.code, "blue", blue.key)[1] is table  # the table's page rejoins with its key
    assert resumed.export().equals(workshop.export())
    assert resumed.attempts == workshop.attempts

    changed = load_scenario(STALL, ["run.horizon_days=61"])  # the scenario file changed: its results would lie
    other = Rooms(State(tmp_path / "app.sqlite"), {"stall-demo": changed})
    assert not other.workshops and "has changed since it was opened" in other.skipped[0]


def test_answers_are_kept_on_disk_under_the_scenario_and_the_version(tmp_path, monkeypatch):
    state = State(tmp_path / "app.sqlite")
    built = build(short(days=30), "bolt_on", {}, {})
    answer = {"summary": {"x": 1.5}}
    state.keep_answer(built.key, answer)
    assert State(tmp_path / "app.sqlite").answer(built.key) == answer
    import scalesim.app.state as app_state

    monkeypatch.setattr(app_state, "VERSION", "99.0")  # another version of the model: the old answer is not served
    assert State(tmp_path / "app.sqlite").answer(built.key) is None


def test_a_state_file_that_is_not_one_is_refused(tmp_path, capsys):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database " * 100)
    with pytest.raises(ScenarioError, match="not a scalesim app state file"):
        State(bad)


def test_a_state_file_in_a_missing_folder_or_of_another_form_is_said(tmp_path):
    with pytest.raises(ScenarioError, match="no folder"):
        State(tmp_path / "nowhere" / "app.sqlite")
    state, scenario = State(tmp_path / "app.sqlite"), short()
    fingerprint = digest(scenario.model_dump_json())
    state.save_workshop("ABCD", "stall-demo", fingerprint, {"base": "bolt_on"})  # fields missing: another form
    rooms = Rooms(state, {"stall-demo": scenario})
    assert not rooms.workshops and rooms.skipped == [
        "workshop ABCD: stored in a form this version of scalesim does not read"
    ]


def test_a_shock_changes_the_next_rounds_world_and_earlier_rounds_are_kept(tmp_path):
    scenario = short()
    rooms = Rooms(State(tmp_path / "app.sqlite"), {"stall-demo": scenario})
    workshop = rooms.open(scenario, None)
    _, blue = rooms.join(workshop.code, "Blue")
    built = build(workshop.current(), "bolt_on", {}, {})
    first = run_plain(built.key)
    rooms.record(workshop, blue, built, first)
    rooms.predict(workshop, blue, 50, 1000)
    rooms.reveal(workshop, True)
    with pytest.raises(ScenarioError, match="shock 'meteor' is not one of"):
        rooms.next_round(workshop, "meteor")
    assert workshop.round == 1  # a refused shock changes nothing
    rooms.next_round(workshop, "accuracy")
    assert workshop.round == 2 and not workshop.revealed and workshop.shocks == ["accuracy"]
    assert workshop.current().production.accuracy == pytest.approx(scenario.production.accuracy - 0.10)
    assert workshop.shock_words() == ["the model's accuracy drops by 10 points (accuracy: 0.88 -> 0.78)"]
    assert blue.result is None and blue.prediction is None and blue.rounds[0]["round"] == 1
    again = build(workshop.current(), "bolt_on", {}, {})
    assert again.key != built.key  # a new world: not the first round's answer
    second = run_plain(again.key)
    rooms.record(workshop, blue, again, second)
    shocked_retention = second["summary"]["designs"][CUSTOM]["retention"]
    assert shocked_retention < first["summary"]["designs"][CUSTOM]["retention"]  # a worse model keeps less
    row = workshop.export().iloc[0]
    assert row["round"] == 2 and row["round_1_retention"] == blue.rounds[0]["retention"]
    resumed = Rooms(State(tmp_path / "app.sqlite"), {"stall-demo": scenario}).find(workshop.code)
    assert resumed.round == 2 and resumed.shocks == ["accuracy"] and resumed.tables["Blue"].rounds == blue.rounds
    rooms.next_round(workshop, "key_person")
    team = scenario.production.handoffs[-1].team
    assert workshop.current().production.teams[team].staff == scenario.production.teams[team].staff - 1


def test_a_round_without_a_shock_plays_exactly_the_same_world():
    rooms, scenario = Rooms(), short()
    workshop = rooms.open(scenario, None)
    rooms.next_round(workshop, None)
    assert workshop.round == 2 and workshop.shocks == [] and workshop.current() == scenario
    assert build(workshop.current(), "bolt_on", {}, {}).key == build(scenario, "bolt_on", {}, {}).key
