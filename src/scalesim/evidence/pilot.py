"""A pilot's case-level results taken back into the scenario's beliefs (``scalesim update``).

The pilot data is a CSV with one row per case: a case identifier, then one column per measurement the beliefs
define (``beliefs.measurements``, each naming its ``column``): for a share, whether the thing happened in that case
(1/0, true/false, yes/no; empty where the case was not checked), for a mean, the value observed. Column names are
matched ignoring case, spaces and underscores; every other column is refused by name, so a typo cannot pass for
"not measured".

Each measured belief is updated by Bayes' rule. Where a conjugate form exists it is used exactly: a beta prior on
a share with binomial data gives a beta posterior (Gelman et al. 2013, ch. 2), a normal prior on a mean with normal
data of known spread (the measurement's ``case_sd``) a normal posterior. Otherwise the prior is represented by
4,000 equally likely points (its quantiles), reweighted by the likelihood of the data (importance reweighting on a
deterministic grid), and the posterior written in the prior's family with the posterior's mean and standard
deviation — a lognormal prior on a mean stays a lognormal; a uniform or triangular prior on a share becomes a
beta. What is left out: the correlation between inputs is kept as written, so measuring one input does not move
the inputs correlated with it (a simplification: the decision after the update is the one to trust, and the
correlated input's own measurement would move it).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter

from scalesim.errors import ScenarioError
from scalesim.evidence.read import read_file
from scalesim.limits import CEILING
from scalesim.scenario.beliefs import Belief, Beliefs, BetaBelief, Evidence, Measurement, Moments, NormalBelief
from scalesim.scenario.distributions import MIN_CV
from scalesim.scenario.load import check_analyses, load_scenario, validate
from scalesim.scenario.rewrite import with_updated_beliefs
from scalesim.scenario.schema import Scenario

MIN_CASES = 10
"""A measurement from fewer cases is refused: too few to be evidence of anything but the pilot's luck."""
GRID = 4000
"""Points of the prior's quantile grid where no conjugate form exists."""
CASE_NAMES = ("case", "caseid", "case:concept:name", "id")
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f"}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


@dataclass(frozen=True)
class Observed:
    """What the pilot showed for one measurement: the cases measured and their share or mean (and spread)."""

    input: str
    column: str
    cases: int
    value: float
    spread: float | None  # a mean's sample standard deviation (None for a share)
    ids: tuple[str, ...] = ()  # the identifiers of the cases measured


def case_hashes(ids: Sequence[str]) -> str:
    """The cases' identifiers as the evidence keeps them: 8 bytes of each one's SHA-256, sorted, in base64 (the
    identifiers themselves stay in the pilot's file; two files' overlap is still seen)."""
    digests = sorted({hashlib.sha256(i.encode()).digest()[:8] for i in ids})
    return base64.b64encode(b"".join(digests)).decode()


def _hash_set(text: str) -> set[bytes]:
    raw = base64.b64decode(text)
    return {raw[i : i + 8] for i in range(0, len(raw), 8)}


@dataclass(frozen=True)
class PilotData:
    path: Path
    sha256: str
    rows: int
    observed: list[Observed]
    notes: list[str]


def read_pilot(path: str | Path, beliefs: Beliefs) -> PilotData:
    """Read and check a pilot's case-level results against the beliefs' measurements, or refuse in one line."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file (pilot data: a CSV with one row per case)")
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        raise ScenarioError(f"{path}: a YAML/JSON file, not pilot data; give a CSV with one row per case")
    if not beliefs.measurements:
        raise ScenarioError(
            "beliefs.measurements: the scenario names no measurement, so no pilot column can update a belief; add "
            "one per input a pilot measures (see docs/how-to/design-the-pilot.md)"
        )
    reading = read_file(path)
    if reading.kind != "csv":
        raise ScenarioError(f"{path}: pilot data is a CSV with one row per case, not an event log")
    frame = reading.frame.dropna(how="all")
    by_key = {_key(m.column): (name, m) for name, m in beliefs.measurements.items()}
    case_columns = [c for c in frame.columns if _key(c) in {_key(n) for n in CASE_NAMES}]
    if not case_columns:
        raise ScenarioError(f"{path}: no case column; name one 'case' (one row per case, its identifier)")
    case = case_columns[0]
    unknown = [c for c in frame.columns if c != case and _key(c) not in by_key]
    if unknown:
        allowed = ", ".join(m.column for m in beliefs.measurements.values())
        raise ScenarioError(
            f"{path}: column {unknown[0]!r} is not one the scenario measures; the columns are {case!r} and the "
            f"measurements' columns: {allowed} (beliefs.measurements.*.column)"
        )
    ids = frame[case].astype("string").str.strip()
    if ids.isna().any() or (ids == "").any():
        raise ScenarioError(f"{path}: row {_first(ids.isna() | (ids == '')) + 2}: the case identifier is empty")
    if ids.duplicated().any():
        raise ScenarioError(f"{path}: row {_first(ids.duplicated()) + 2}: case {ids[ids.duplicated()].iloc[0]!r} twice")
    observed = []
    for column in frame.columns:
        if column == case:
            continue
        name, measurement = by_key[_key(column)]
        observed.append(_observe(path, column, frame[column], name, measurement, ids))
    if not observed:
        raise ScenarioError(f"{path}: no measurement column, only the case identifiers")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return PilotData(path, digest, len(frame), observed, list(reading.notes))


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0])


def _observe(path: Path, column: str, raw: pd.Series, name: str, measurement: Measurement, ids: pd.Series) -> Observed:
    text = raw.astype("string").str.strip().str.lower()
    given = text.notna() & (text != "")
    values = text[given]
    if measurement.kind == "share":
        bad = ~values.isin(TRUE | FALSE)
        if bad.any():
            row = int(np.flatnonzero(given.to_numpy())[int(np.flatnonzero(bad.to_numpy())[0])]) + 2
            raise ScenarioError(
                f"{path}: row {row}: column {column!r} is {raw.iloc[row - 2]!r}; a share's column holds 1/0, "
                "true/false or yes/no per case (empty where the case was not measured)"
            )
        numbers = values.isin(TRUE).astype(float).to_numpy()
    else:
        numbers = pd.to_numeric(values.str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)
        invalid = ~np.isfinite(numbers) | (np.abs(numbers) > CEILING)
        if invalid.any():
            row = int(np.flatnonzero(given.to_numpy())[int(np.flatnonzero(invalid)[0])]) + 2
            raise ScenarioError(
                f"{path}: row {row}: column {column!r} is {raw.iloc[row - 2]!r}; a mean's column holds one finite "
                "number per case (empty where the case was not measured)"
            )
    if len(numbers) < MIN_CASES:
        raise ScenarioError(
            f"{path}: column {column!r}: {len(numbers)} case(s) measured; at least {MIN_CASES} are needed before a "
            "pilot's result is evidence"
        )
    spread = float(np.std(numbers, ddof=1)) if measurement.kind == "mean" else None
    measured = tuple(str(i) for i in ids[given])
    return Observed(name, column, len(numbers), float(np.mean(numbers)), spread, measured)


def posterior(prior: Any, measurement: Measurement, seen: Observed) -> tuple[Any, str]:
    """The updated belief (a belief model of the right family) and how it was computed."""
    if measurement.kind == "share" and isinstance(prior, BetaBelief):
        a, b = prior.shapes
        hits = seen.value * seen.cases
        a, b = a + hits, b + seen.cases - hits
        mean, sd = a / (a + b), math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        return _belief(prior, "beta", mean, sd), "beta-binomial (conjugate, exact)"
    if measurement.kind == "mean" and isinstance(prior, NormalBelief):
        assert measurement.case_sd is not None
        precision = 1 / prior.sd**2 + seen.cases / measurement.case_sd**2
        mean = (prior.mean_ / prior.sd**2 + seen.cases * seen.value / measurement.case_sd**2) / precision
        return _belief(prior, "normal", mean, math.sqrt(1 / precision)), "normal-normal, known case spread (exact)"
    theta, log_prior = _quadrature(prior, measurement, seen)
    if measurement.kind == "share":
        hits = seen.value * seen.cases
        log_w = log_prior + hits * np.log(theta) + (seen.cases - hits) * np.log1p(-theta)
        family = "beta"
    else:
        assert measurement.case_sd is not None
        log_w = log_prior - 0.5 * seen.cases * ((seen.value - theta) / measurement.case_sd) ** 2
        family = prior.dist if prior.dist in ("lognormal", "gamma", "normal") else "normal"
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    mean = float(np.sum(w * theta))
    sd = float(math.sqrt(max(np.sum(w * (theta - mean) ** 2), 0.0)))
    method = (
        f"prior density x likelihood on {QUADRATURE:,} points spanning the prior and the data (numerical, exact to "
        f"the grid), written as a {family} by its mean and sd"
    )
    return _belief(prior, family, mean, sd), method


QUADRATURE = 20_001
"""Points of the grid a posterior without a conjugate form is computed on."""
CONFLICT_P = 0.01
"""A pilot result whose prior predictive p-value is below this is reported as a conflict with the prior."""


def _quadrature(prior: Any, measurement: Measurement, seen: Observed) -> tuple[np.ndarray, np.ndarray]:
    """An even grid of the input's values covering both the prior's mass and the data's likelihood, with the
    prior's log density on it: the posterior is then right wherever the data fall, even far in the prior's tail
    (before, the prior's own quantiles were reweighted, and a mean beyond them could not be represented)."""
    frozen = prior.frozen()
    low, high = (float(v) for v in prior.quantile(np.array([1e-9, 1 - 1e-9])))
    if measurement.kind == "share":
        low, high = 1e-9, 1 - 1e-9
    else:
        assert measurement.case_sd is not None
        reach = 10 * measurement.case_sd / math.sqrt(seen.cases)
        low, high = min(low, seen.value - reach), max(high, seen.value + reach)
        support_low = float(frozen.support()[0])
        low = max(low, support_low + 1e-12 * max(1.0, abs(high)))
    theta = np.linspace(low, high, QUADRATURE)
    with np.errstate(divide="ignore"):
        log_prior = np.asarray(frozen.logpdf(theta), dtype=float)
    return theta, np.where(np.isfinite(log_prior), log_prior, -np.inf)


def conflict_p(prior: Any, measurement: Measurement, seen: Observed) -> float:
    """The prior predictive p-value of the pilot's statistic (Box 1980): the probability, before the pilot, of a
    result at least as far into either tail as the one seen — the same test for every family of prior. Small
    means the prior and the data disagree: the belief, not only the pilot's luck, is in question."""
    if measurement.kind == "share":
        theta = np.clip(prior.quantile((np.arange(GRID) + 0.5) / GRID), 1e-12, 1 - 1e-12)
        from scipy.stats import binom

        hits = round(seen.value * seen.cases)
        below = float(np.mean(binom.cdf(hits, seen.cases, theta)))
        above = float(np.mean(binom.sf(hits - 1, seen.cases, theta)))
    else:
        assert measurement.case_sd is not None
        from scipy.stats import norm

        theta = prior.quantile((np.arange(GRID) + 0.5) / GRID)
        spread = measurement.case_sd / math.sqrt(seen.cases)
        below = float(np.mean(norm.cdf((seen.value - theta) / spread)))
        above = 1.0 - below
    return min(1.0, 2 * min(below, above))


def _belief(prior: Any, family: str, mean: float, sd: float) -> Any:
    """A belief of ``family`` with this mean and sd, keeping the prior's label and (for now) its source."""
    sd = max(sd, 2 * MIN_CV * abs(mean))
    if family == "beta":
        sd = min(sd, 0.999 * math.sqrt(mean * (1 - mean)))
    raw = {"dist": family, "mean": mean, "sd": sd, "label": prior.label, "source": prior.source}
    return TypeAdapter(Belief).validate_python(raw)


def moments(belief: Any) -> Moments:
    frozen = belief.frozen()
    return Moments(mean=float(frozen.mean()), sd=float(frozen.std()))


def update(beliefs: Beliefs, data: PilotData, shown: str) -> tuple[dict[str, Any], list[Evidence]]:
    """The updated beliefs (input -> belief) and the provenance of each, ``shown`` naming the file as written."""
    updated: dict[str, Any] = {}
    evidence = []
    for seen in data.observed:
        prior = beliefs.inputs[seen.input]
        measurement = beliefs.measurements[seen.input]
        new, method = posterior(prior, measurement, seen)
        record = Evidence(
            conflict_p=conflict_p(prior, measurement, seen),
            input=seen.input,
            file=shown,
            sha256=data.sha256,
            column=seen.column,
            cases=seen.cases,
            observed=seen.value,
            method=method,
            prior=moments(prior),
            posterior=moments(new),
            case_hashes=case_hashes(seen.ids),
        )
        source = (
            f"pilot {shown}, {seen.cases} cases: {seen.value:.4g} observed; prior mean {record.prior.mean:.4g} "
            f"sd {record.prior.sd:.3g}"
        )
        updated[seen.input] = new.model_copy(update={"source": source[:200]})
        evidence.append(record)
    return updated, evidence


def _no_case_twice(beliefs: Beliefs, data: PilotData, path: Path, pilot: str | Path) -> None:
    """Refuse a pilot file that measures a case an earlier pilot already measured for the same input: the case
    would count twice (the beliefs narrowed again by a result they already hold)."""
    for seen in data.observed:
        hashed = {hashlib.sha256(i.encode()).digest()[:8]: i for i in seen.ids}
        for record in beliefs.evidence:
            if record.input != seen.input or not record.case_hashes:
                continue
            both = [hashed[h] for h in _hash_set(record.case_hashes) if h in hashed]
            if both:
                raise ScenarioError(
                    f"{pilot}: {len(both):,} of its cases measured for {seen.column!r} were already measured in "
                    f"{record.file} ({path} beliefs.evidence), e.g. case {sorted(both)[0]!r}: they would count "
                    "twice; give only new cases (or, if these are other cases with the same identifiers, give "
                    "them identifiers of their own)"
                )


@dataclass(frozen=True)
class PilotUpdate:
    """A scenario's beliefs updated with a pilot's results: the new file's text and what changed."""

    scenario: Scenario
    updated: Scenario
    data: PilotData
    evidence: list[Evidence]
    text: str


def update_scenario(path: str | Path, pilot: str | Path) -> PilotUpdate:
    """Read the scenario and the pilot data, update the measured beliefs, and check the new file validates
    (its beliefs' tails included) before anything is written."""
    path = Path(path)
    scenario = load_scenario(path)
    check_analyses(scenario, str(path), ("beliefs",))
    if scenario.beliefs is None:
        raise ScenarioError(f"{path}: no 'beliefs' block, so there is nothing a pilot could update")
    data = read_pilot(pilot, scenario.beliefs)
    already = [e for e in scenario.beliefs.evidence if e.sha256 == data.sha256]
    if already:  # the same cases would count twice: beliefs narrowed again by evidence they already hold
        seen = already[0]
        raise ScenarioError(
            f"{pilot}: this pilot file is already evidence in {path} (beliefs.evidence: {seen.file}, "
            f"{seen.cases:,} cases of {seen.column!r}, SHA-256 {seen.sha256[:12]}...): updating again would count "
            "the same cases twice; update the original scenario, or give new cases"
        )
    _no_case_twice(scenario.beliefs, data, path, pilot)
    updated, evidence = update(scenario.beliefs, data, Path(pilot).name)
    text = with_updated_beliefs(path, updated, evidence)
    source = f"{path} updated with {Path(pilot).name}"
    new = validate(yaml.safe_load(text), source=source)
    check_analyses(new, source, ("beliefs",))
    return PilotUpdate(scenario, new, data, evidence, text)
