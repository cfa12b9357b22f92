"""Pattern-oriented validation: the study's findings as experiments with negative controls.

Each file in ``experiments/patterns/`` names a finding of MODEL.md, a lever (two settings of one
or more parameters, or an arrangement), an outcome and the expected direction, and a mechanism
switch (parameters that turn the mechanism off). The experiment runs both settings of the lever
on the same seeds (common random numbers), with and without the switch: the pattern is
*reproduced* when the paired effect's 95% CI excludes zero in the expected direction, and the
negative control *removes* it when, with the mechanism switched off, the effect's CI includes zero
or the effect shrinks to less than a fifth of its size. ``kind = "interaction"`` measures
``y(A, B) - y(A, not B) - y(not A, B) + y(not A, not B)`` on a 2x2 factorial (finding 13);
``kind = "timing"`` reports the share of the final-year gain reached by years 3, 5 and 10 and
expects it to be below ``max_share_year3`` at year 3 (finding 15).
"""

from __future__ import annotations

import difflib
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from .arrangements import ARRANGEMENTS
from .compare import BATCH, batch_seeds, mean_ci
from .errors import InputError
from .model import HLMModel
from .outcomes import OUTCOMES
from .params import EventSpec, Params, Scenario, Strict
from .scenario import load_scenario, validate

PATTERN_DIR = Path(__file__).resolve().parent.parent / "experiments" / "patterns"
#: A negative control "removes" an effect that shrinks below this share of its size.
CONTROL_SHRINK = 0.2


class Setting(Strict):
    """One setting of a lever: an arrangement and/or parameter values."""

    arrangement: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class PatternSpec(Strict):
    """A pattern experiment file."""

    finding: int = Field(ge=1, le=15)
    title_en: str
    title_fr: str
    kind: Literal["contrast", "interaction", "timing"] = "contrast"
    scenario: str = "default"
    arrangement: str = "ciusss_social_worker"
    months: int = Field(120, ge=24, le=600)
    quick_months: int | None = Field(None, ge=24, le=600)
    constants: dict[str, Any] = Field(default_factory=dict)
    events: list[EventSpec] = Field(default_factory=list)
    low: Setting
    high: Setting
    factor_b_low: Setting | None = None
    factor_b_high: Setting | None = None
    outcome: str
    direction: Literal["increase", "decrease"]
    control: dict[str, Any]
    max_share_year3: float = Field(0.7, gt=0, le=1)
    lever_en: str
    lever_fr: str


def load_pattern(path: str | Path) -> PatternSpec:
    """Read and validate one pattern file (one-line InputError naming file and key)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", source=str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"malformed TOML: {err}", source=str(p)) from None
    try:
        spec = PatternSpec(**data)
    except ValidationError as err:
        e = err.errors()[0]
        key = ".".join(str(x) for x in e["loc"])
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        if e["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(e["loc"][-1]), list(PatternSpec.model_fields), 1)
            msg += f" (did you mean: {close[0]}?)" if close else ""
        raise InputError(msg, source=str(p), key=key) from None
    for where, params in _param_sets(spec):
        for k in params:
            if k not in Params.model_fields:
                close = difflib.get_close_matches(k, list(Params.model_fields), 1)
                hint = f" (did you mean: {close[0]}?)" if close else ""
                raise InputError(f"unknown parameter{hint}", source=str(p), key=f"{where}.{k}")
    if spec.outcome not in OUTCOMES:
        raise InputError("unknown outcome", source=str(p), key="outcome")
    for s in (spec.low, spec.high, spec.factor_b_low, spec.factor_b_high):
        if s is not None and s.arrangement is not None and s.arrangement not in ARRANGEMENTS:
            raise InputError(f"unknown arrangement '{s.arrangement}'", source=str(p))
    if spec.kind == "interaction" and (spec.factor_b_low is None or spec.factor_b_high is None):
        raise InputError("an interaction needs factor_b_low and factor_b_high", source=str(p))
    for arm in _arms(spec).values():  # every arm must be a valid scenario
        try:
            _scenario(spec, arm, control=True)
        except InputError as err:
            raise InputError(err.detail, source=str(p), key=err.key) from None
    return spec


def _param_sets(spec: PatternSpec) -> list[tuple[str, dict[str, Any]]]:
    out = [
        ("constants", spec.constants),
        ("control", spec.control),
        ("low.params", spec.low.params),
        ("high.params", spec.high.params),
    ]
    for name in ("factor_b_low", "factor_b_high"):
        s = getattr(spec, name)
        if s is not None:
            out.append((f"{name}.params", s.params))
    return out


def _arms(spec: PatternSpec) -> dict[str, tuple[Setting, ...]]:
    if spec.kind == "interaction":
        bl, bh = spec.factor_b_low, spec.factor_b_high
        return {
            "00": (spec.low, bl),
            "10": (spec.high, bl),
            "01": (spec.low, bh),
            "11": (spec.high, bh),
        }
    return {"low": (spec.low,), "high": (spec.high,)}


def _scenario(
    spec: PatternSpec, arm: tuple[Setting, ...], control: bool, months: int | None = None
) -> Scenario:
    base = load_scenario(spec.scenario)
    arrangement = spec.arrangement
    params = dict(spec.constants)
    for s in arm:
        if s is not None:
            arrangement = s.arrangement or arrangement
            params.update(s.params)
    if control:
        params.update(spec.control)
    data = base.model_dump()
    data["arrangement"] = arrangement
    data["milieux"] = [{**m, "arrangement": None} for m in data["milieux"]]
    data["params"] = {**data["params"], **params}
    data["months"] = months or spec.months
    data["events"] = [e.model_dump() for e in spec.events]
    return validate(data)


def _series(scen: Scenario, seeds: list[int], outcome: str) -> np.ndarray:
    """(replications, months) overall series of ``outcome`` for one arm."""
    out = []
    for seed in seeds:
        model = HLMModel(scen, seed=seed, agents=False, replicates=BATCH).run()
        ts = model.timeseries(per_milieu=False)
        out.append(ts.pivot(index="replicate", columns="month", values=outcome).to_numpy())
    return np.vstack(out)


def _final(series: np.ndarray, outcome: str) -> np.ndarray:
    last = series[:, -12:]
    return last.sum(axis=1) if OUTCOMES[outcome].final == "sum" else last.mean(axis=1)


def run_pattern(
    spec: PatternSpec, replications: int = 30, seed: int = 0, quick: bool = False
) -> dict[str, Any]:
    """Run one pattern experiment; return its effect, CI, verdict and the control's result."""
    n_batches = max(1, math.ceil(replications / BATCH))
    seeds = batch_seeds(seed, n_batches)
    months = spec.quick_months if quick and spec.quick_months else spec.months
    sign = 1 if spec.direction == "increase" else -1
    result: dict[str, Any] = {
        "finding": spec.finding,
        "kind": spec.kind,
        "outcome": spec.outcome,
        "direction": spec.direction,
        "replications": n_batches * BATCH,
        "months": months,
    }
    shares: dict[bool, dict[int, float]] = {}
    curves: dict[str, np.ndarray] = {}
    for control in (False, True):
        ys = {
            name: _series(_scenario(spec, arm, control, months), seeds, spec.outcome)
            for name, arm in _arms(spec).items()
        }
        finals = {k: _final(v, spec.outcome) for k, v in ys.items()}
        if spec.kind == "interaction":
            eff = finals["11"] - finals["10"] - finals["01"] + finals["00"]
        else:
            eff = finals["high"] - finals["low"]
        m, lo, hi, _ = mean_ci(eff)
        key = "control" if control else "effect"
        result[key] = m
        result[f"{key}_ci_low"], result[f"{key}_ci_high"] = lo, hi
        if spec.kind == "timing":
            shares[control] = gain_shares(ys["high"].mean(axis=0) - ys["low"].mean(axis=0))
        if not control:
            curves = {k: v.mean(axis=0) for k, v in ys.items()}
    if sign > 0:
        reproduced = bool(result["effect_ci_low"] > 0)
    else:
        reproduced = bool(result["effect_ci_high"] < 0)
    removed = bool(
        (result["control_ci_low"] <= 0 <= result["control_ci_high"])
        or (abs(result["control"]) < CONTROL_SHRINK * abs(result["effect"]))
    )
    if spec.kind == "timing":
        result["share_by_year"] = shares[False]
        result["control_share_by_year"] = shares[True]
        reproduced = reproduced and shares[False].get(3, 1.0) <= spec.max_share_year3
        removed = shares[True].get(3, 0.0) > spec.max_share_year3
    result["reproduced"] = reproduced
    result["control_removes"] = removed
    result["curves"] = curves
    return result


def gain_shares(gain: np.ndarray) -> dict[int, float]:
    """Share of the final-year gain reached in years 3, 5 and 10 (mean over each year)."""
    final_gain = gain[-12:].mean()
    out = {}
    for year in (3, 5, 10):
        if year * 12 <= len(gain) and final_gain:
            out[year] = float(gain[(year - 1) * 12 : year * 12].mean() / final_gain)
    return out


def pattern_files(directory: Path | None = None) -> list[Path]:
    """The shipped pattern experiment files, in finding order."""
    return sorted((directory or PATTERN_DIR).glob("*.toml"))


def run_patterns(
    replications: int = 30, quick: bool = False, seed: int = 0, directory: Path | None = None
) -> pd.DataFrame:
    """Run every pattern experiment; one row per pattern."""
    rows = []
    for path in pattern_files(directory):
        spec = load_pattern(path)
        r = run_pattern(spec, replications=replications, seed=seed, quick=quick)
        r.pop("curves")
        rows.append(
            {
                "file": path.name,
                "title_en": spec.title_en,
                "title_fr": spec.title_fr,
                "lever_en": spec.lever_en,
                "lever_fr": spec.lever_fr,
                **r,
            }
        )
    return pd.DataFrame(rows)
