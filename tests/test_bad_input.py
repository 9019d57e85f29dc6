"""A generated corpus of bad input: every one is refused with exit 2, one clear message, no traceback, no files.

The corpus mutates every field of every bundled scenario (wrong type, boolean, negative, NaN, infinity, huge,
missing, unknown key, wrong name in a reference, very long names), adds file-level faults (encoding, binary,
empty, folder, alias bomb, duplicate keys, deep nesting, wrong kind of file) and command-line faults. A
property test then asks hypothesis for scenarios: each either runs with every number finite and retention
defined or flagged, or is refused up front — never a crash.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalesim.cli import main

from conftest import BASE, OPERATIONS, PORTFOLIOS, ROOT, SCENARIOS

Path_ = tuple[str | int, ...]
NUMERIC_MUTATIONS: tuple[Any, ...] = ("abc", True, math.nan, math.inf, -math.inf, -1, 1e300)
REFERENCE_KEYS = ("team",)
DEGENERATE = {"cv": 1e-200, "sd": 1e-300}
"""Tiny but positive spreads: refused with the field named (a gamma with cv 1e-200 ended in ZeroDivisionError)."""
SIGNED = ("threshold",)
"""Fields where a negative number is meaningful: ``beliefs.threshold`` is a bar on net value, and a board may
accept a bounded loss. Every other mutation still applies to them."""


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def leaves(node: Any, prefix: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, (*prefix, i))
    else:
        yield prefix, node


def mappings(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        yield prefix
        for key, value in node.items():
            yield from mappings(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from mappings(value, (*prefix, i))


def put(raw: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def drop(raw: dict[str, Any], path: Path_) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def field_mutations(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, mutated scenario) for every field of one bundled scenario."""
    raw = load(path)
    if "operations" in raw:  # the mutated copy lives elsewhere: point its links at the bundled scenarios
        for link in raw["operations"] if isinstance(raw["operations"], list) else [raw["operations"]]:
            link["scenario"] = str(SCENARIOS / link["scenario"])
    for where, value in leaves(raw):
        label = f"{path.stem}:{'.'.join(map(str, where))}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            for bad in NUMERIC_MUTATIONS:
                if not (bad == -1 and where[-1] in SIGNED):
                    yield f"{label}={bad!r}", put(raw, where, bad)
        if where[-1] in REFERENCE_KEYS or where[-1] == "design":
            yield f"{label}=nonexistent", put(raw, where, "no_such_name")
        if where[-1] in DEGENERATE:  # a spread so small the family's parameters overflow or round to a point
            yield f"{label}={DEGENERATE[where[-1]]!r}", put(raw, where, DEGENERATE[where[-1]])
    for where in mappings(raw):
        yield f"{path.stem}:{'.'.join(map(str, where)) or 'top'}+unknown", put(raw, (*where, "unknown_field_x"), 1)
    for key in ("workload", "value", "pilot", "production", "designs", "proposals_per_year", "integration"):
        if key in raw:
            yield f"{path.stem}:-{key}", drop(raw, (key,))
    yield f"{path.stem}:long name", put(raw, ("name",), "x" * 5000)
    if "designs" in raw:
        first = next(iter(raw["designs"]))
        renamed = copy.deepcopy(raw)
        renamed["designs"]["d" * 300] = renamed["designs"].pop(first)
        yield f"{path.stem}:long design name", renamed


CORPUS = [
    (label, "portfolio" if path in PORTFOLIOS else "run", raw)
    for path in (*OPERATIONS, *PORTFOLIOS)
    for label, raw in field_mutations(path)
]


def refused(capsys, args: list[str], out: Path) -> str:
    """Run the CLI; assert exit 2, one error headline, nothing written, in under 10 s of CPU (not wall time: a
    loaded machine must not fail a refusal); return the message."""
    started = time.process_time()
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    elapsed = time.process_time() - started
    _, err = capsys.readouterr()
    assert code == 2, f"exit {code} for {args}: {err}"
    assert "Traceback" not in err
    assert err.strip(), "a refusal must say why"
    assert not out.exists() or not any(out.rglob("*")), f"files written for {args}"
    assert elapsed < 10, f"{elapsed:.1f} s of CPU for {args}"
    return err


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 300 and len(CORPUS[::8]) >= 300
    assert sum(label.endswith(("=1e-200", "=1e-300")) for label, _, _ in CORPUS) >= 20


def _all_refused(capsys, tmp_path: Path, corpus: list[tuple[str, str, dict[str, Any]]]) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for label, command, raw in corpus:
        scenario = tmp_path / "scenario.yaml"
        scenario.write_text(yaml.dump(raw, Dumper=dumper, allow_unicode=True), encoding="utf-8")
        out = tmp_path / "out"
        err = refused(capsys, [command, str(scenario), "--out", str(out), "--quiet"], out)
        assert len(err.strip().splitlines()) <= 6, f"{label}: message too long:\n{err}"


def test_a_sample_of_the_field_mutations_is_refused(capsys, tmp_path):
    _all_refused(capsys, tmp_path, CORPUS[::8])


@pytest.mark.slow
def test_every_field_mutation_is_refused(capsys, tmp_path):
    _all_refused(capsys, tmp_path, CORPUS)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


CLAIMS_TEXT = (SCENARIOS / "claims-triage.yaml").read_text(encoding="utf-8")
FILE_FAULTS: dict[str, tuple[bytes, str]] = {
    "windows-1252": (("# costs in \u20ac\n" + CLAIMS_TEXT).encode("cp1252"), "not UTF-8 text (byte 11 is 0x80)"),
    "binary": (bytes(range(256)) * 4, "binary file"),
    "empty": (b"", "file is empty"),
    "blank": (b"   \n\n", "file is empty"),
    "comments only": (b"# nothing here\n", "holds no data"),
    "a list": (b"- 1\n- 2\n", "must be a mapping"),
    "not yaml": (b"name: [unclosed\n", "not valid YAML"),
    "a tab": (CLAIMS_TEXT.replace("\n  seed:", "\n\tseed:", 1).encode(), "is indented with a tab; YAML indents with"),
    "unclosed quote": (b'name: "claims\nrun: {seed: 1}\n', "scanning a quoted scalar that starts at line 1: is it"),
    "duplicate key": (CLAIMS_TEXT.replace("currency: EUR", "currency: EUR\nname: other").encode(), "appears twice"),
    "alias bomb": (
        b'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode() for i in range(8)
        ),
        "expands to more than",
    ),
    "deep nesting": (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
    "too large": (b"a: 1\n" + b"#" * 6_000_000, "too large"),
    "results summary": (json.dumps({"scenario": "x", "seed": 1, "designs": {}}).encode(), "results file"),
    "portfolio": ((SCENARIOS / "portfolio-status-quo.yaml").read_bytes(), "scalesim portfolio"),
}


@pytest.mark.parametrize("fault", list(FILE_FAULTS))
def test_file_faults_are_one_line_refusals(capsys, tmp_path, fault):
    data, expected = FILE_FAULTS[fault]
    path = _write(tmp_path, "scenario.yaml", data)
    out = tmp_path / "out"
    err = refused(capsys, ["run", str(path), "--out", str(out)], out)
    assert expected in err
    assert len(err.strip().splitlines()) == 1


def test_a_folder_and_a_missing_file_are_refused(capsys, tmp_path):
    out = tmp_path / "out"
    assert "is a folder" in refused(capsys, ["run", str(tmp_path), "--out", str(out)], out)
    assert "no such" in refused(capsys, ["run", str(tmp_path / "nope.yaml"), "--out", str(out)], out)


def test_an_operations_scenario_given_to_portfolio_is_refused_in_one_line(capsys, tmp_path):
    out = tmp_path / "out"
    err = refused(capsys, ["portfolio", str(SCENARIOS / "claims-triage.yaml"), "--out", str(out)], out)
    assert "operations scenario" in err and "scalesim run" in err and len(err.strip().splitlines()) == 1


CLAIMS = str(SCENARIOS / "claims-triage.yaml")
EXAMPLE_LOG = SCENARIOS.parent / "examples" / "insurance-claims" / "Insurance_Claims_train.csv"
CLI_FAULTS: list[list[str]] = [
    ["run", CLAIMS, "--days", "0"],
    ["run", CLAIMS, "--days", "-3"],
    ["run", CLAIMS, "--days", "nan"],
    ["run", CLAIMS, "--days", "inf"],
    ["run", CLAIMS, "--days", "0.5"],
    ["run", CLAIMS, "--days", "100000"],
    ["run", CLAIMS, "--seed", "-1"],
    ["run", CLAIMS, "--design", "nope"],
    ["run", CLAIMS, "--set", "=3"],
    ["run", CLAIMS, "--set", "production..accuracy=0.5"],
    ["run", CLAIMS, "--set", "production.accuracy"],
    ["run", CLAIMS, "--set", "designs.bolt_ob.process_owner=true"],
    ["run", CLAIMS, "--set", "production.accuracy=true"],
    ["run", CLAIMS, "--set", "workload.arrival_rate=.inf"],
    ["run", CLAIMS, "--set", "workload.arrival_rate=1e9"],
    ["run", CLAIMS, "--max-cases", "0"],
    ["run", CLAIMS, "--replications", "0"],
    ["compare", CLAIMS, "--designs", ","],
    ["compare", CLAIMS, "--designs", "bolt_on"],
    ["compare", CLAIMS, "--designs", "bolt_on,,redesigned"],
    ["compare", CLAIMS, "--precision", "2"],
    ["compare", CLAIMS, "--key", "nope"],
    ["sweep", CLAIMS],
    ["sweep", CLAIMS, "--grid", "production.accuracy="],
    ["sweep", CLAIMS, "--grid", "production.accuracy"],
    ["sweep", CLAIMS, "--grid", "production.acuracy=0.5,0.6"],
    ["sweep", CLAIMS, "--grid", "production.accuracy=0.5;0.6"],
    ["sweep", CLAIMS, "--sweep-file", CLAIMS],
    ["sweep", CLAIMS, "--sweep-file", "no-such-file.yaml"],
    ["sensitivity", str(SCENARIOS / "credit-decisioning.yaml")],
    ["portfolio", str(SCENARIOS / "portfolio-status-quo.yaml"), "--replications", "1"],
    ["portfolio", str(SCENARIOS / "portfolio-status-quo.yaml"), "--set", "gate.requird=true"],
    ["decide", CLAIMS, "--samples", "1000000000"],
    ["decide", CLAIMS, "--samples", "64", "--max-runs", "10"],
    ["sensitivity", CLAIMS, "--samples", "1000000000"],
    ["run", CLAIMS, "--set", "value.uplift={dist: gamma, mean: 1, cv: 1e-200}"],
    ["run", CLAIMS, "--set", "production.teams.adjusters.service_hours={dist: lognormal, mean: 1, cv: 1e-9}"],
    [
        "sweep",
        CLAIMS,
        "--grid",
        "production.teams.adjusters.staff=14,16",
        "--against",
        "production.teams.adjusters.staff=15",
    ],
    ["sweep", CLAIMS, "--grid", "production.teams.adjusters.staff=14,16", "--against", "nope=1"],
]


@pytest.mark.parametrize("args", CLI_FAULTS, ids=[" ".join(a[::2][:1] + a[2:]) for a in CLI_FAULTS])
def test_command_line_faults_are_refused(capsys, tmp_path, args):
    out = tmp_path / "out"
    refused(capsys, [*args, "--out", str(out)], out)


@pytest.mark.parametrize("where", ["/proc/scalesim-results", "/sys/kernel/scalesim"])
def test_out_under_a_system_folder_that_takes_no_writes_is_refused_before_running(capsys, tmp_path, where):
    """Permissions do not say it (root may write anywhere a mode allows): a probe folder does."""
    err = refused(capsys, ["run", CLAIMS, "--days", "10", "--out", where], tmp_path / "never")
    assert "cannot make a folder in" in err


NAMES = ["../evil", "", "x" * 300, "a/b", ".hidden", "white space"]


@pytest.mark.parametrize("name", NAMES, ids=["parent", "empty", "long", "separator", "dot", "space"])
def test_calibrate_refuses_a_name_that_is_a_path_or_no_name(capsys, tmp_path, name):
    target = tmp_path / "x.yaml"
    err = refused(capsys, ["calibrate", str(EXAMPLE_LOG), "--out", str(target), "--name", name], tmp_path / "never")
    assert "--name" in err and "file and folder name" in err and not target.exists()


def test_out_pointing_at_a_file_is_refused_before_anything_runs(capsys, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    err = refused(capsys, ["run", CLAIMS, "--out", str(target)], tmp_path / "never")
    assert "is a file" in err and target.read_text() == "keep me"
    err = refused(capsys, ["run", CLAIMS, "--out", str(target / "inside")], tmp_path / "never")
    assert "no folder can be made" in err


# --------------------------------------------------------------------------- property: right or refused


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    share = st.floats(0.0, 1.0)
    raw["run"] = {"horizon_days": draw(st.floats(7, 30)), "drain_days": draw(st.floats(0, 20)), "seed": 5}
    raw["workload"] = {"arrival_rate": draw(st.floats(0.05, 400)), "hard_case_share": draw(share)}
    raw["value"] = {
        "uplift": draw(st.sampled_from([10.0, {"dist": "lognormal", "mean": 50, "cv": draw(st.floats(0.1, 10))}])),
        "wrong_action_cost_share": draw(st.floats(0, 5)),
        "decay": {"kind": draw(st.sampled_from(["none", "half_life", "deadline"])), "days": draw(st.floats(0.1, 60))},
    }
    for env in ("pilot", "production"):
        raw[env]["accuracy"] = draw(share)
        raw[env]["data_quality"] = draw(share)
        raw[env]["exception_rate"] = draw(share)
        with_owner = draw(share)
        raw[env]["adoption"] = {"with_owner": with_owner, "without_owner": with_owner * draw(share)}
        for team in raw[env]["teams"].values():
            team["staff"] = draw(st.integers(1, 40))
            team["service_hours"] = draw(st.floats(0.001, 8))
            team["calendar"] = draw(st.sampled_from([{"hours_per_day": 8, "days_per_week": 5}, {"hours_per_day": 24}]))
    raw["pilot"]["sample_share"] = draw(st.floats(0.01, 1.0))
    design: dict[str, Any] = {
        "process_owner": draw(st.booleans()),
        "approval": draw(
            st.sampled_from(
                [
                    {"policy": "none"},
                    {"policy": "all", "team": "approvers", "rejection_rate": 0.1},
                    {"policy": "risk_based", "team": "approvers", "threshold": 5},
                    {"policy": "committee", "committee": {"every_days": 7, "slots": 20}},
                ]
            )
        ),
        "exception_handling": draw(
            st.sampled_from([{"mode": "ad_hoc", "mean_bounces": 3}, {"mode": "defined", "team": "triage"}])
        ),
        "added_staff": draw(st.sampled_from([{}, {"desk": 2}])),
    }
    raw["designs"] = {"plain": design}
    return raw


def _finite_numbers(node: Any, where: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _finite_numbers(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _finite_numbers(v, f"{where}.{i}")
    elif isinstance(node, float) and not math.isfinite(node):
        yield where


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=scenarios())
def test_any_scenario_runs_right_or_is_refused(capsys, tmp_path_factory, raw):
    folder = tmp_path_factory.mktemp("property")
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    code = main(["run", str(path), "--out", str(folder / "out"), "--format", "json", "--no-ledger"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("scalesim: error: ") and not (folder / "out").exists()
        return
    data = json.loads(out)  # strict JSON: a NaN or infinity would not parse back as a number
    assert not list(_finite_numbers(data))
    for design in data["designs"].values():
        for key in ("value_per_case", "value_per_year"):
            assert design["pilot"][key] is not None and design["production"][key] is not None
        assert design["net_value_per_year"] is not None
        if design["retention"] is None:
            assert design["retention_note"].startswith("undefined")
            assert design["pilot"]["value_per_case"] <= 0
        elif design["retention"] > 1:
            assert design["retention_note"].startswith("above 100%")
        gap = design["pilot"]["value_per_case"] - design["production"]["value_per_case"]
        assert sum(design["erosion"].values()) == pytest.approx(gap, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- every log-reading path: right or refused

LOAN_LOG = SCENARIOS.parent / "examples" / "loan-applications" / "LoanApp_simplified.csv.gz"


USED = {
    EXAMPLE_LOG: {"case": "case_id", "activity": "activity", "start": "start_time", "end": "end_time"},
    LOAN_LOG: {
        "case": "case:concept:name",
        "activity": "concept:name",
        "start": "start_timestamp",
        "end": "time:timestamp",
    },
}
"""The columns calibration reads from each shipped log (the others are named as not used, and change nothing)."""


def log_faults() -> Iterator[tuple[str, str, bytes]]:
    """(label, file name, bytes) of broken logs made from both shipped examples: every column calibration reads
    blanked, given one empty value or removed (but the start, which can be estimated), or (times) given a value
    that is no timestamp, ambiguous or mixed
    day/month orders; the file cut short, damaged, emptied or made binary; too few cases, reversed times; XES
    faults, plain and gzipped. (A repeated event is read as repeated work, a blank start column as a log of
    completions: both are tested as read, in test_evidence.)"""
    for source, used in USED.items():
        frame = pd.read_csv(source, dtype=str)
        stem = source.name.split(".")[0]

        def csv(changed: pd.DataFrame) -> bytes:
            return changed.to_csv(index=False).encode()

        for field, column in used.items():
            if field != "start":  # a blank start column is read as a completion-only log (test_evidence)
                yield f"{stem}:{column}=blank", f"{stem}.csv", csv(frame.assign(**{column: ""}))
            if field != "start":  # without a start (or one), the start is estimated, and the report says so
                hole = frame.copy()
                hole.loc[hole.index[4], column] = ""
                yield f"{stem}:{column} has a hole", f"{stem}.csv", csv(hole)
                yield f"{stem}:-{column}", f"{stem}.csv", csv(frame.drop(columns=column))
            if field in ("start", "end"):
                odd = frame.copy()
                odd.loc[odd.index[3], column] = "not a time"
                yield f"{stem}:{column}=text", f"{stem}.csv", csv(odd)
                yield f"{stem}:{column}=ambiguous", f"{stem}.csv", csv(_dates(frame, column, mixed=False))
                yield f"{stem}:{column}=mixed orders", f"{stem}.csv", csv(_dates(frame, column, mixed=True))
        text = csv(frame)
        yield f"{stem}:header only", f"{stem}.csv", text.splitlines()[0] + b"\n"
        yield f"{stem}:truncated gzip", f"{stem}.csv.gz", gzip.compress(text)[: len(gzip.compress(text)) // 2]
        yield f"{stem}:damaged gzip", f"{stem}.csv.gz", gzip.compress(text)[:20] + b"\x00" * 64
        yield f"{stem}:binary", f"{stem}.csv", bytes(range(256)) * 8
        yield (
            f"{stem}:five cases",
            f"{stem}.csv",
            csv(frame[frame[used["case"]].isin(frame[used["case"]].unique()[:5])]),
        )
        swapped = frame.copy()
        swapped.loc[swapped.index[2], [used["start"], used["end"]]] = frame.loc[
            frame.index[2], [used["end"], used["start"]]
        ].to_numpy()
        yield f"{stem}:reversed", f"{stem}.csv", csv(swapped)
    for label, data in XES_FAULTS.items():
        yield f"xes:{label}", "log.xes", data
        yield f"xes.gz:{label}", "log.xes.gz", gzip.compress(data)


def _dates(frame: pd.DataFrame, column: str, mixed: bool) -> pd.DataFrame:
    """The column rewritten as dd.mm.yyyy with every day below 13 (both readings are dates), or, ``mixed``, with one
    value day-first (day 13) and one month-first (month 13) in the same column."""
    parsed = pd.to_datetime(frame[column], format="ISO8601", errors="coerce")
    text = parsed.dt.day.clip(upper=12).astype(str).str.zfill(2) + parsed.dt.strftime(".%m.%Y %H:%M")
    if mixed:
        text.iloc[0], text.iloc[1] = "13.01.2023 09:00", "01.13.2023 09:00"
    return frame.assign(**{column: text})


XES_FAULTS: dict[str, bytes] = {
    "not xml": b"case_id,activity\n1,a\n",
    "empty": b"",
    "cut short": b'<log><trace><string key="concept:name" value="1"/><event><string key="concept:name"',
    "other root": b"<html/>",
    "no traces": b'<log xmlns="http://www.xes-standard.org/"/>',
    "no events": b'<log><trace><string key="concept:name" value="1"/></trace></log>',
    "no timestamps": b'<log><trace><event><string key="concept:name" value="a"/></event>'
    b'<event><string key="concept:name" value="b"/></event></trace></log>',
}
LOG_CORPUS = list(log_faults())


def test_the_log_corpus_covers_both_examples_and_every_column():
    assert len(LOG_CORPUS) >= 56
    assert {label.split(":")[0] for label, _, _ in LOG_CORPUS} >= {"Insurance_Claims_train", "LoanApp_simplified"}


@pytest.mark.parametrize("fault", LOG_CORPUS, ids=[label for label, _, _ in LOG_CORPUS])
def test_every_broken_log_is_refused_in_one_line_naming_the_file(capsys, tmp_path, fault):
    label, name, data = fault
    path = tmp_path / name
    path.write_bytes(data)
    target = tmp_path / "out" / "x.yaml"
    target.parent.mkdir()
    err = refused(capsys, ["calibrate", str(path), "--out", str(target)], tmp_path / "out")
    assert len(err.strip().splitlines()) == 1, f"{label}: {err}"
    assert str(path) in err or "mapping" in err, f"{label}: the message names no file: {err}"


def test_a_results_table_given_as_a_scenario_is_called_one(capsys):
    """Before: a results CSV was called an event log, and the advice would calibrate a summary table (issue 40,
    row 8)."""
    from scalesim.cli import main

    (summary,) = sorted((ROOT / "results" / "canonical" / "claims-triage").glob("seed*/summary.csv"))
    assert main(["run", str(summary)]) == 2
    err = capsys.readouterr().err
    assert "this is a scalesim results file" in err and "scalesim report" in err and "calibrate" not in err


def test_a_plan_of_todays_process_and_a_break_even_of_an_analysis_setting_are_refused_before_any_run(tmp_path, capsys):
    """Before: `plan --design today` ran the whole decision, wrote 7 files, then failed with KeyError; a break-even
    of `beliefs.threshold` printed progress under --quiet, ran, then blamed a field the file has (issue 37, row 8).
    """
    from scalesim.cli import main

    claims = str(SCENARIOS / "claims-triage.yaml")
    assert main(["plan", claims, "--design", "today", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "today's process (do not scale) has no pilot to plan" in err and "bolt_on, redesigned" in err
    args = ["breakeven", claims, "--design", "redesigned", "--input", "beliefs.threshold", "--quiet"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "not a model input" in captured.err and captured.out == ""
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "production.exception_rate=15"], "--set production.exception_rate=15: "),
        (["--set", "production.exception_rate=15"], "did you mean 0.15?"),
        (["--set", "production.exception_rate=50%"], "did you mean 0.5?"),
        (["--days", "3"], "--days 3: "),
    ],
)
def test_a_bad_option_is_named_as_typed_with_a_fix_that_works(capsys, args, expected):
    """Before: the error blamed the scenario file and said `run.horizon_days` for `--days 3` (issue 40, row 7)."""
    from scalesim.cli import main

    assert main(["run", str(SCENARIOS / "claims-triage.yaml"), *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and "claims-triage.yaml" not in err, err
