"""Scenario files: bundled ones validate; wrong ones give one message naming field, value and what is allowed."""

from __future__ import annotations

import json

import pytest

from scalesim.errors import ScenarioError
from scalesim.scenario import load_scenario
from scalesim.scenario.load import apply_override, validate
from scalesim.scenario.schema import Scenario

from conftest import OPERATIONS, PORTFOLIOS, SCENARIOS, tiny


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_bundled_scenarios_validate(path):
    scenario = load_scenario(path)
    assert {"bolt_on", "redesigned"} <= set(scenario.designs)


def test_at_least_three_bundled_scenarios():
    assert len(OPERATIONS) >= 3 and len(PORTFOLIOS) == 2


@pytest.mark.parametrize("path", PORTFOLIOS, ids=lambda p: p.stem)
def test_a_portfolio_file_given_to_an_operations_command_says_what_to_run(path):
    expected = f"this is a portfolio scenario, not an operations scenario; run it with: scalesim portfolio {path}"
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(path)


def _error(raw, source="f.yaml") -> str:
    with pytest.raises(ScenarioError) as info:
        validate(raw, source=source)
    return str(info.value)


def test_probability_out_of_range_names_path_value_and_bound(tiny_raw):
    tiny_raw["production"]["data_quality"] = 1.5
    msg = _error(tiny_raw)
    assert "f.yaml" in msg and "production.data_quality" in msg and "1.5" in msg
    assert "less than or equal to 1" in msg


def test_unknown_key_lists_allowed_fields(tiny_raw):
    tiny_raw["production"]["teams"]["desk"]["colour"] = "red"
    msg = _error(tiny_raw)
    assert "production.teams.desk.colour: unknown field" in msg
    assert "staff" in msg and "service_hours" in msg


def test_unknown_key_inside_a_distribution_drops_the_union_tag(tiny_raw):
    tiny_raw["value"]["uplift"] = {"dist": "lognormal", "mean": 3, "cv": 0.5, "sd": 1}
    msg = _error(tiny_raw)
    assert "value.uplift.sd: unknown field; allowed here: mean, cv, dist" in msg


def test_missing_team_is_a_cross_field_error(tiny_raw):
    tiny_raw["production"]["handoffs"] = [{"team": "nobody"}]
    msg = _error(tiny_raw)
    assert "production.handoffs.0.team: unknown team 'nobody'" in msg and "desk" in msg


def test_a_parallel_branch_names_a_team_of_its_environment(tiny_raw):
    tiny_raw["production"]["handoffs"] = [{"team": "desk", "parallel_with": ["approvers", "aprovers"]}]
    msg = _error(tiny_raw)
    assert "production.handoffs.0.parallel_with.1: unknown team 'aprovers' (did you mean 'approvers'?)" in msg
    tiny_raw["production"]["handoffs"] = [{"team": "desk", "parallel_with": "approvers"}]
    assert "production.handoffs.0.parallel_with" in _error(tiny_raw)


def test_design_referring_to_unknown_approvers(tiny_raw):
    tiny_raw["designs"]["plain"] = {"approval": {"policy": "all", "team": "bosses"}}
    assert "designs.plain.approval.team: unknown team 'bosses'" in _error(tiny_raw)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("production.teams.desk.staff", 0, "greater than or equal to 1"),
        ("workload.arrival_rate", -1, "greater than 0"),
        ("production.teams.desk.service_hours", {"dist": "weibull", "mean": 1}, "weibull"),
        (
            "production.teams.desk.service_hours",
            {"dist": "triangular", "low": 3, "mode": 1, "high": 2},
            "low <= mode <= high",
        ),
        ("production.adoption", {"with_owner": 0.2, "without_owner": 0.5}, "cannot exceed"),
        ("designs.plain.integration_point", "email", "'embedded' or 'side_channel'"),
        ("designs.plain.integration_point", "side_channel", "needs 'side_channel'"),
        ("designs.plain.approval", {"policy": "committee"}, "needs 'committee'"),
        ("production.teams.desk.calendar", {"start_hour": 20, "hours_per_day": 8}, "end by midnight"),
    ],
)
def test_each_rule_is_enforced_and_explained(tiny_raw, path, value, expected):
    apply_override(tiny_raw, f"{path}={json.dumps(value)}")
    assert expected in _error(tiny_raw)


def test_a_number_means_a_fixed_distribution():
    scenario = tiny("production.teams.desk.service_hours=2.5")
    assert scenario.production.teams["desk"].service_hours.dist == "fixed"
    assert scenario.production.teams["desk"].service_hours.mean == 2.5


def test_overrides_parse_yaml_values_and_index_lists():
    scenario = tiny("production.handoffs.0.loss_probability=0.25", "designs.plain.process_owner=false")
    assert scenario.production.handoffs[0].loss_probability == 0.25
    assert scenario.designs["plain"].process_owner is False


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("no_equals_sign", "expected path.to.field=value"),
        ("production.handoffs.7.team=x", "production.handoffs is a list of 1 items; give an index from 0 to 0"),
        ("production.handoffs.7=x", "production.handoffs is a list of 1 items"),
        ("workload.arrival_rate.x=1", "workload.arrival_rate is a single value, not a group"),
        ("designs.plian.process_owner=true", r"designs.plian: no such design \(did you mean 'plain'\?\)"),
        ("production.teams.dsk.staff=3", r"no such team \(did you mean 'desk'\?\); teams are desk, approvers, triage"),
        ("production.acuracy=0.5", r"no field 'acuracy' in production \(did you mean 'accuracy'\?\)"),
        ("production.teams.desk.service_hours.mean=3", "set it whole"),
        ("designs.plain.approval.policy.x=1", "is a single value"),
    ],
)
def test_bad_overrides_are_explained(tiny_raw, item, expected):
    with pytest.raises(ScenarioError, match=expected):
        apply_override(tiny_raw, item)


def test_override_of_unknown_field_is_refused_with_the_fields_there():
    with pytest.raises(ScenarioError, match=r"production\.teams\.desk\.speed: no field 'speed'.*fields there: staff"):
        tiny("production.teams.desk.speed=3")


def test_an_override_may_create_a_block_the_schema_defines_but_never_a_name(tiny_raw):
    scenario = tiny("designs.plain.monitoring.every_days=14", "designs.plain.added_staff.desk=2")
    assert scenario.designs["plain"].monitoring is not None and scenario.designs["plain"].monitoring.every_days == 14
    assert scenario.designs["plain"].added_staff == {"desk": 2}
    with pytest.raises(ScenarioError, match="unknown team 'dsk' \\(did you mean 'desk'\\?\\)"):
        tiny("designs.plain.added_staff.dsk=2")
    with pytest.raises(ScenarioError, match="no such design"):
        tiny("designs.other.process_owner=true")


def test_scenarios_are_immutable():
    scenario = tiny()
    with pytest.raises(ValueError, match="frozen"):
        scenario.production.accuracy = 0.5  # type: ignore[misc]


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="must be a mapping"):
        load_scenario(listy)


def test_yaml_anchors_and_merge_keys_still_work(tmp_path):
    text = (SCENARIOS / "claims-triage.yaml").read_text().replace("  bolt_on:\n", "  bolt_on: &bolt\n", 1)
    merged = "  bolt_on_with_owner:\n    <<: *bolt\n    process_owner: true\n\n# What moves"
    path = tmp_path / "anchors.yaml"
    path.write_text(text.replace("\n# What moves", "\n" + merged, 1), encoding="utf-8")
    raw_designs = load_scenario(path).designs
    assert raw_designs["bolt_on_with_owner"].process_owner is True
    assert raw_designs["bolt_on_with_owner"].side_channel == raw_designs["bolt_on"].side_channel


def test_json_schema_describes_designs():
    schema = Scenario.model_json_schema(by_alias=True)
    assert "designs" in schema["properties"]
    assert "Design" in schema["$defs"]


def test_scientific_notation_is_a_number_in_files_and_overrides(tiny_raw):
    tiny_raw["production"]["teams"]["desk"]["service_hours"] = "1e-3"
    assert validate(tiny_raw).production.teams["desk"].service_hours.mean == 1e-3
    assert tiny("production.accuracy=5e-1").production.accuracy == 0.5
