"""Load a scenario file, apply ``path=value`` overrides, validate, and explain what is wrong.

Errors name the file (or the ``--set`` option), the field path, the value given and what is allowed, in one
:class:`~scalesim.errors.ScenarioError` — the CLI prints it and exits 2 without a traceback.
"""

from __future__ import annotations

import contextlib
import copy
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, Tag, ValidationError

from scalesim.errors import ScenarioError
from scalesim.scenario.files import read_mapping
from scalesim.scenario.levers import check_workshop
from scalesim.scenario.paths import check_path, field_names, field_type, model_in, set_path, suggest, unwrap
from scalesim.scenario.schema import Scenario

M = TypeVar("M", bound=BaseModel)
FileKind = Literal["operations", "portfolio", "results", "sweep"]
MAX_DETAIL_LINES = 4
"""An error message shows its headline and at most this many further problems, then a count of the rest."""


def load_scenario(
    path: str | Path, overrides: Iterable[str] = (), typed_as: Mapping[str, str] | None = None
) -> Scenario:
    """Read a YAML scenario file, apply ``overrides`` (``"a.b.c=value"``) and validate it.

    The file's analysis blocks must fit the file as written (:func:`check_analyses`), whatever the command: a
    range end or a belief that the scenario itself refuses is a wrong file. They are not re-checked against the
    overrides, which are what-ifs for this run (``run --set production.adoption.with_owner=0.7`` stays valid
    although the beliefs were drawn around 0.85); the command that uses a block checks it against them.

    A value an override makes invalid in a valid file is reported under the option the user typed: ``typed_as``
    maps an override to it (``run.horizon_days=3`` -> ``--days 3``; default ``--set ITEM``).
    """
    raw = read_yaml(path, expect="operations")
    source = str(path)
    try:
        as_written: Scenario | None = validate(raw, source)
    except ScenarioError:
        as_written = None  # overrides may complete the file; the validation below reports what is still wrong
    if as_written is not None:
        check_analyses(as_written, source)
    items = list(overrides)
    if not items and as_written is not None:
        return as_written
    for item in items:
        apply_override(raw, item)
    try:
        return validate(raw, source)
    except ScenarioError as error:
        if as_written is None:
            raise
        # the file was valid: what broke it is an option the user typed, so name the option, not the file
        text = str(error).removeprefix(f"{source}: ")
        for item in reversed(items):
            path = item.split("=", 1)[0].strip()
            if text.startswith(f"{path}:"):
                typed = (typed_as or {}).get(item, f"--set {item}")
                raise ScenarioError(f"{typed}: {text.removeprefix(f'{path}: ')}") from None
        raise


def file_kind(raw: Mapping[str, Any]) -> FileKind | None:
    """What a mapping read from a file is (None: none of them), so a file given to the wrong command gets a
    one-line answer instead of a page of validation errors."""
    if "workload" in raw:
        return "operations"
    if "proposals_per_year" in raw:
        return "portfolio"
    if "resolved_scenario" in raw or ("scenario" in raw and ("designs" in raw or "kind" in raw)):
        return "results"
    if "grid" in raw and set(raw) <= {"grid", "designs", "replications"}:
        return "sweep"
    return None


def is_portfolio(raw: Mapping[str, Any]) -> bool:
    """Portfolio scenarios describe proposals of initiatives, operations scenarios a workload of cases."""
    return file_kind(raw) == "portfolio"


_KIND_NAME: dict[FileKind, str] = {
    "operations": "an operations scenario",
    "portfolio": "a portfolio scenario",
    "results": "a results file written by scalesim",
    "sweep": "a sweep file",
}
_KIND_USE: dict[FileKind, str] = {
    "operations": "run it with: scalesim run {path}",
    "portfolio": "run it with: scalesim portfolio {path}",
    "results": "to read it: scalesim report {folder}",
    "sweep": "give it with a scenario: scalesim sweep SCENARIO --sweep-file {path}",
}


EVENT_LOG_SUFFIXES = (".csv", ".csv.gz", ".xes", ".xes.gz")


def read_yaml(path: str | Path, expect: FileKind | None = None) -> dict[str, Any]:
    """The file's top-level mapping (read strictly); with ``expect``, refuse a file of another kind."""
    if Path(path).name.lower().endswith(EVENT_LOG_SUFFIXES):
        folder = Path(path).parent
        if (folder / "manifest.json").is_file():  # a table scalesim wrote, not an organisation's log
            raise ScenarioError(
                f"{path}: this is a scalesim results file (a table in the results folder {folder}), not a scenario "
                f"file; to read the results: scalesim report {folder}"
            )
        raise ScenarioError(
            f"{path}: this is an event log, not a scenario file; `scalesim calibrate {path} --out SCENARIO.yaml` "
            "turns it into one"
        )
    raw = read_mapping(path)
    if expect is not None:
        kind = file_kind(raw)
        if kind is not None and kind != expect:
            p = Path(path)
            use = _KIND_USE[kind].format(path=p, folder=p.parent)
            raise ScenarioError(f"{p}: this is {_KIND_NAME[kind]}, not {_KIND_NAME[expect]}; {use}")
    return raw


def apply_override(raw: dict[str, Any], item: str, root: type[BaseModel] = Scenario, option: str = "--set") -> None:
    """Set ``raw[a][b][c] = value`` for ``item = "a.b.c=value"``; the value is parsed as YAML (3, true, [1,2]).

    The path must name a field of this scenario (see :mod:`scalesim.scenario.paths`): a typo is an error.
    """
    path, sep, text = item.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"{option} {item!r}: expected path.to.field=value, e.g. production.teams.intake.staff=4")
    try:
        set_path(raw, path.strip(), parse_value(text), root)
    except ScenarioError as exc:
        raise ScenarioError(f"{option} {item!r}: {exc}") from None


def parse_value(text: str) -> Any:
    """A value typed on the command line, read as YAML (3, true, [1, 2], {a: 1}); text if it is not YAML."""
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text; a user typing it means a number
        with contextlib.suppress(ValueError):
            value = float(value)
    return value


def validate(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, or raise one readable :class:`ScenarioError`.

    The analysis blocks (``sensitivity``, ``beliefs``) are checked here as data; whether their values fit the
    fields they name is :func:`check_analyses`' job, done by ``validate`` and by the command that uses them.
    """
    return validate_model(Scenario, raw, source)


ANALYSES = ("sensitivity", "beliefs", "workshop")
"""The blocks that describe what to do with the model, not the model: none of them is an input."""


def check_analyses(scenario: Scenario, source: str, blocks: tuple[str, ...] = ANALYSES) -> None:
    """Check that the analysis blocks fit the scenario: each field path is checked like a ``--set`` path, and each
    end of a range, each listed option and each belief's tails must be a valid value there, so an analysis can
    neither fail half-way through nor sample a value the scenario would refuse.

    Only the command that runs an analysis asks for it (and ``validate``): a what-if ``--set`` that moves a field
    the beliefs were drawn around is not refused by ``run``, which does not read them.
    """
    base = scenario.model_dump(mode="json", by_alias=True, exclude=set(ANALYSES))
    if "workshop" in blocks:
        check_workshop(scenario, source)
    if "sensitivity" in blocks:
        _check_sensitivity(scenario, base, source)
    if "beliefs" in blocks:
        _check_beliefs(scenario, base, source)


BELIEF_TAILS = (1e-6, 0.5, 1 - 1e-6)
"""Where a belief is tried against its field: both far tails and the median. A belief whose 1-in-a-million
tail lies outside what the field allows (a share above 1, a negative time) is refused: ``decide`` would
otherwise stop on that world half-way through, or clip it into a value nobody believed."""


def _check_sensitivity(scenario: Scenario, base: dict[str, Any], source: str) -> None:
    if scenario.sensitivity is None:
        return
    for path, parameter in scenario.sensitivity.parameters.items():
        where = f"sensitivity.parameters.{path}"
        _check_field(base, path, where, source)
        candidates = (
            {"low": parameter.low, "high": parameter.high}
            if parameter.values is None
            else {f"values.{i}": v for i, v in enumerate(parameter.values)}
        )
        for label, value in candidates.items():
            _check_value(base, path, value, f"{where}.{label}", source)


def _check_beliefs(scenario: Scenario, base: dict[str, Any], source: str) -> None:
    """Each belief's tails and median against the field's own rules (a share within 0..1, a positive time).

    A rule between fields (adoption without an owner at most adoption with one) is not tried here: a tail of one
    belief against the point value of another says nothing about the worlds ``decide`` draws, where the other
    field is drawn too. Those rules are applied to each drawn world (:func:`world_refusal`)."""
    if scenario.beliefs is None:
        return
    for path, belief in scenario.beliefs.inputs.items():
        where = f"beliefs.inputs.{path}"
        _check_field(base, path, where, source)
        integer = field_type(base, path, Scenario) is int
        for tail, value in zip(BELIEF_TAILS, belief.quantile(np.array(BELIEF_TAILS)), strict=True):
            drawn = round(float(value)) if integer else float(value)
            _check_value(base, path, drawn, f"{where} (its {tail:.6g} quantile)", source, across=False)


def _check_field(base: dict[str, Any], path: str, where: str, source: str) -> None:
    if path.split(".")[0] in ANALYSES or path in ("run.seed", "name"):
        raise ScenarioError(f"{source}: {where}: {path} is not an input of the model; name a field that is")
    try:
        check_path(base, path, Scenario)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: {where}: {exc}") from None


def _check_value(base: dict[str, Any], path: str, value: Any, where: str, source: str, *, across: bool = True) -> None:
    """Refuse ``value`` at ``path`` if the scenario would refuse it there (``across=False``: only by a rule of
    the field itself, not by a rule of a block that relates it to another field)."""
    trial = copy.deepcopy(base)
    set_path(trial, path, value, Scenario)
    reason = world_refusal(trial, path if not across else None)
    if reason:
        raise ScenarioError(f"{source}: {where}: {value!r} is not a valid value: {reason}")


def world_refusal(raw: dict[str, Any], only: str | None = None) -> str:
    """Why the scenario would refuse ``raw`` ("" if it would not), in the words of :func:`validate_model`.

    With ``only`` (a field path), a refusal by a rule of a block that holds the field (a rule relating it to
    another field) does not count: only the field's own rules and those of unrelated fields do."""
    try:
        Scenario.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if only is not None:
            errors = [err for err in errors if not only.startswith(_display_path(err["loc"], Scenario)[0] + ".")]
        return _explain(errors[0], Scenario) if errors else ""
    return ""


def validate_model(model: type[M], raw: Mapping[str, Any], source: str) -> M:
    """Validate a raw mapping into ``model`` (a scenario or portfolio), or raise one readable error."""
    try:
        return model.model_validate(copy.deepcopy(dict(raw)))
    except ValidationError as exc:
        lines = list(dict.fromkeys(_explain(err, model) for err in exc.errors(include_url=False)))
        raise ScenarioError(headline(source, lines)) from None


def headline(source: str, problems: list[str]) -> str:
    """The first problem as the headline, a few more below it, then how many are not shown."""
    head = f"{source}: {problems[0]}"
    more = problems[1:]
    shown = [f"  also: {line}" for line in more[:MAX_DETAIL_LINES]]
    if len(more) > MAX_DETAIL_LINES:
        shown.append(f"  ... and {len(more) - MAX_DETAIL_LINES} more problems (`scalesim validate` lists them all)")
    return "\n".join([head, *shown])


def _explain(err: Mapping[str, Any], root: type[BaseModel]) -> str:
    path, model = _display_path(err["loc"], root)
    kind = err["type"]
    if kind == "extra_forbidden":
        if model is None:
            return f"{path}: unknown field; see `scalesim schema` for the fields allowed"
        names = field_names(model)
        return f"{path}: unknown field{suggest(str(err['loc'][-1]), names)}; allowed here: {', '.join(names)}"
    if kind == "missing":
        return f"{path}: required field is missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:
        return msg
    return f"{path}: {msg} (got {_show(err.get('input'))}){_share_hint(kind, err.get('input'))}"


def _share_hint(kind: str, value: Any) -> str:
    """For a share given as a percentage (15, or '50%'), the share it probably means."""
    number: float | None = None
    if (
        kind == "less_than_equal"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 1 < value <= 100
    ):
        number = float(value)
    elif isinstance(value, str) and value.strip().endswith("%"):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            number = None
    if number is None or not 0 <= number <= 100:
        return ""
    return f"; a share is between 0 and 1: did you mean {number / 100:g}?"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _display_path(loc: tuple[Any, ...], root: type[BaseModel]) -> tuple[str, type[BaseModel] | None]:
    """Turn a pydantic error location into a dotted field path, and the model that owns its last key.

    Discriminated unions insert their tag (e.g. ``lognormal``) into the location; it is dropped here so the
    path is what the user wrote. The owning model is used to list the allowed keys of an unknown field.
    """
    parts: list[str] = []
    current: Any = root
    owner: type[BaseModel] | None = None
    for item in loc:
        owner = model_in(current)
        current, step = _descend(current, item)
        if step != "tag":
            parts.append(str(item))
    return ".".join(parts) or "(top level)", owner


def _tag_of(tp: Any) -> str | None:
    """The ``Tag`` a member of a union carries in its ``Annotated`` metadata (a callable discriminator's)."""
    if typing.get_origin(tp) is not typing.Annotated:
        return None
    return next((m.tag for m in getattr(tp, "__metadata__", ()) if isinstance(m, Tag)), None)


def _descend(current: Any, item: Any) -> tuple[Any, str]:
    """Step from a type into ``item``: a model field, a dict value, a list element or a union tag."""
    current = unwrap(current)
    model = model_in(current)
    if model is not None and isinstance(item, str):
        for name, field in model.model_fields.items():
            if item in (name, field.alias):
                return field.annotation, "field"
        return None, "field"
    origin = typing.get_origin(current)
    if origin in (dict, list) or origin is typing.Union or isinstance(current, types.UnionType):
        args = [a for a in typing.get_args(current) if a is not type(None)]
        if origin is dict:
            return args[-1], "item"
        if origin is list:
            return args[0], "item"
        for arg in args:
            named = _tag_of(arg)
            arg = unwrap(arg)
            tag = getattr(arg, "model_fields", {}).get("dist")
            if (tag is not None and tag.default == item) or (named is not None and named == item):
                return arg, "tag"
        if len(args) == 1:
            return _descend(args[0], item)
    return None, "item"
