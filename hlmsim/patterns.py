"""Pattern-oriented validation: the study's findings as experiments with negative controls.

Each file in ``hlmsim/experiments/patterns/`` names one of the study's fifteen findings (Parent and
Reiser 2022), a lever (two settings of one
or more parameters, or an arrangement), an outcome and the expected direction, and a mechanism
switch (parameters that turn the mechanism off). The experiment runs both settings of the lever
on the same seeds (common random numbers), with and without the switch: the pattern is
*reproduced* when the paired effect's 95% CI excludes zero in the expected direction, and the
negative control *removes* it when, with the mechanism switched off, the effect's CI includes zero
or the effect in the expected direction shrinks to less than a fifth of its size (a reversed
effect counts as removed). ``kind = "interaction"`` measures
``y(A, B) - y(A, not B) - y(not A, B) + y(not A, not B)`` on a 2x2 factorial (finding 13);
``kind = "timing"`` reports the share of the final-year gain reached by years 3, 5 and 10 and
expects it to be at most ``max_share_year3`` in year 3 and ``max_share_year5`` in year 5
(finding 15); its control removes the delay when either share exceeds its threshold.

Robustness: :func:`validate_patterns` also runs every pattern's two settings (four for the
interaction) at the points of a Latin hypercube over the plausible parameter space: every
numeric parameter whose source is an assumption and that is no lever, no cost and no setting of
an arrangement preset, each over the plausible range declared in the schema
(:func:`robustness_factors`). It reports the share of points where the effect keeps the expected
direction, and for a fragile pattern the parameters its failures go with.

Runs are split into independent tasks (pattern, arm, control, batch; or pattern, point, arm),
each with its own seed and fixed replicate count, run on worker processes and assembled in
order: results do not depend on the number of workers.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from .arrangements import ARRANGEMENTS
from .errors import InputError, suggest
from .inputfile import read_toml
from .model import HLMModel
from .outcomes import OUTCOMES, final_values
from .params import EventSpec, Params, Scenario, Strict, field_meta, is_assumption
from .replication import (
    BATCH,
    FORK_WARNING,
    batch_seeds,
    check_seed,
    check_workers,
    mean_ci,
    mp_context,
    overall_series,
)
from .scenario import load_scenario, milieu_params, set_arrangement, validate

#: The shipped pattern files (package data: a wheel install has them too).
PATTERN_DIR = Path(__file__).resolve().parent / "experiments" / "patterns"
#: A negative control "removes" an effect that shrinks below this share of its size.
CONTROL_SHRINK = 0.2
#: Default replications per arm (rounded up to whole batches of :data:`BATCH`), and with --quick.
REPLICATIONS = 30
QUICK_REPLICATIONS = 10
#: Robustness: default number of Latin-hypercube points (full run, --quick), replicates simulated
#: at each point and arm, and the share of points below which a pattern is called fragile.
ROBUSTNESS_POINTS = 20
QUICK_ROBUSTNESS_POINTS = 6
ROBUSTNESS_REPLICATES = 5
FRAGILE_BELOW = 0.8
#: A robustness factor's plausible range [lo, hi] is sampled log-uniformly when lo > 0 and
#: hi / lo is at least this ratio (a factor of two either side of the default), else uniformly.
LOG_RATIO = 4.0


class Setting(Strict):
    """One setting of a lever: an arrangement, parameter values and/or scheduled events."""

    arrangement: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    events: list[EventSpec] = Field(default_factory=list)


class PatternSpec(Strict):
    """A pattern experiment file."""

    finding: int = Field(ge=1, le=15)
    title_en: str
    title_fr: str
    kind: Literal["contrast", "interaction", "timing", "dose", "event"] = "contrast"
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
    middle: Setting | None = None
    outcome: str
    direction: Literal["increase", "decrease"]
    also: dict[str, Literal["increase", "decrease"]] = Field(default_factory=dict)
    control: dict[str, Any]
    max_share_year3: float = Field(0.6, gt=0, le=1)
    max_share_year5: float = Field(0.8, gt=0, le=1)
    min_left_year1: float = Field(0.25, ge=0, le=1)
    lever_en: str
    lever_fr: str
    #: How the pattern arises in the model (issue 11): ``emergent`` when it needs several
    #: mechanisms to interact, ``built_in`` when the lever feeds the outcome in one or two lines
    #: of a mechanism (the experiment then checks the code does what it says, no more); the
    #: reason names the mechanisms, in both languages.
    emergence: Literal["emergent", "built_in"]
    emergence_reason_en: str = Field(min_length=1)
    emergence_reason_fr: str = Field(min_length=1)
    #: Where a target has won over the pattern (issue 11): why it no longer holds at the default
    #: values, in both languages (shown by the report when the pattern is not reproduced).
    no_longer_holds_en: str | None = Field(None, min_length=1)
    no_longer_holds_fr: str | None = Field(None, min_length=1)


#: The two classes of :attr:`PatternSpec.emergence`, in report order.
EMERGENCE = ("emergent", "built_in")


def load_pattern(path: str | Path) -> PatternSpec:
    """Read and validate one pattern file (one-line InputError naming file and key)."""
    p = Path(path)
    data = read_toml(p, "pattern", PatternSpec.model_fields)
    try:
        spec = PatternSpec(**data)
    except ValidationError as err:
        e = err.errors()[0]
        key = ".".join(str(x) for x in e["loc"])
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        if e["type"] == "extra_forbidden":
            msg += suggest(str(e["loc"][-1]), PatternSpec.model_fields)
        raise InputError(msg, source=str(p), key=key) from None
    for where, params in _param_sets(spec):
        for k in params:
            if k not in Params.model_fields:
                hint = suggest(k, Params.model_fields)
                raise InputError(f"unknown parameter{hint}", source=str(p), key=f"{where}.{k}")
    if (spec.no_longer_holds_en is None) != (spec.no_longer_holds_fr is None):
        key = "no_longer_holds_fr" if spec.no_longer_holds_fr is None else "no_longer_holds_en"
        raise InputError("give the reason in both languages", source=str(p), key=key)
    if spec.outcome not in OUTCOMES:
        hint = suggest(spec.outcome, OUTCOMES)
        raise InputError(f"unknown outcome{hint}", source=str(p), key="outcome")
    for name in spec.also:
        if name not in OUTCOMES:
            hint = suggest(name, OUTCOMES)
            raise InputError(f"unknown outcome{hint}", source=str(p), key=f"also.{name}")
    for s in (spec.low, spec.high, spec.factor_b_low, spec.factor_b_high, spec.middle):
        if s is not None and s.arrangement is not None and s.arrangement not in ARRANGEMENTS:
            raise InputError(
                f"unknown arrangement '{s.arrangement}'{suggest(s.arrangement, ARRANGEMENTS)}",
                source=str(p),
            )
    if spec.kind == "interaction" and (spec.factor_b_low is None or spec.factor_b_high is None):
        raise InputError("an interaction needs factor_b_low and factor_b_high", source=str(p))
    if spec.kind == "dose" and spec.middle is None:
        raise InputError("a dose pattern needs a middle setting", source=str(p), key="middle")
    if spec.kind == "event" and (not spec.high.events or spec.low.events):
        raise InputError(
            "an event pattern schedules its events in the high setting only",
            source=str(p),
            key="high",
        )
    horizon = min(spec.months, spec.quick_months or spec.months)
    if spec.kind == "event" and event_month(spec) + 24 > horizon:
        raise InputError("the event must come at least 24 months before the horizon", source=str(p))
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
    for name in ("factor_b_low", "factor_b_high", "middle"):
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
    if spec.kind == "dose":
        return {"low": (spec.low,), "mid": (spec.middle,), "high": (spec.high,)}
    return {"low": (spec.low,), "high": (spec.high,)}


def arm_names(spec: PatternSpec) -> list[str]:
    """The arms of a pattern: ``low``, ``high``; ``low``, ``mid``, ``high`` (dose); or ``00``,
    ``10``, ``01``, ``11`` (A, B)."""
    return list(_arms(spec))


@lru_cache(maxsize=16)
def _base_dump(name: str) -> dict[str, Any]:
    return load_scenario(name).model_dump()


def _scenario(
    spec: PatternSpec,
    arm: tuple[Setting, ...],
    control: bool,
    months: int | None = None,
    point: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Scenario:
    """One arm's scenario. Parameters, later ones winning: the base scenario's, a robustness
    ``point``, the file's constants, the arm's settings, ``overrides``, then (``control``) the
    mechanism switch."""
    data = dict(_base_dump(spec.scenario))
    arrangement = spec.arrangement
    params = {**(point or {}), **spec.constants}
    for s in arm:
        if s is not None:
            arrangement = s.arrangement or arrangement
            params.update(s.params)
    params.update(overrides or {})
    if control:
        params.update(spec.control)
    data = set_arrangement(data, arrangement)
    data["params"] = {**data["params"], **params}
    data["months"] = months or spec.months
    events = list(spec.events) + [e for s in arm if s is not None for e in s.events]
    data["events"] = [e.model_dump() for e in events]
    return validate(data)


def outcomes_of(spec: PatternSpec) -> tuple[str, ...]:
    """The outcomes a pattern records: its outcome first, then its secondary ones (``also``)."""
    return (spec.outcome, *[o for o in spec.also if o != spec.outcome])


def _simulate(scen: Scenario, seed: int, replicates: int, outcomes: tuple[str, ...]) -> np.ndarray:
    """(outcomes, replicates, months) overall series of ``outcomes`` of one model run."""
    model = HLMModel(scen, seed=seed, agents=False, replicates=replicates).run()
    series = overall_series(model)  # the overall rows of model.timeseries, to the bit
    return np.stack([series[o] for o in outcomes])


def _final(series: np.ndarray, outcome: str) -> np.ndarray:
    """Final-year value per replication of an outcome's (replications, months) series."""
    return final_values({outcome: series}, [outcome])[outcome]


def event_month(spec: PatternSpec) -> int:
    """The month of an event pattern's first event (it takes effect in that month's step)."""
    return min(e.month for e in spec.high.events)


#: An event pattern's windows, in months after the event month: the dip (the event's month and
#: the two after) and the same three months a year later.
DIP_MONTHS, YEAR_LATER = 3, 12


def _event_gap(spec: PatternSpec, ys: dict[str, np.ndarray], after: int) -> np.ndarray:
    """Per replication, the mean gap high - low over the 3 months starting ``after`` months after
    the event month."""
    start = event_month(spec) - 1 + after
    gap = ys["high"][:, start : start + DIP_MONTHS] - ys["low"][:, start : start + DIP_MONTHS]
    return gap.mean(axis=1)


def _effect(spec: PatternSpec, finals: dict[str, np.ndarray]) -> np.ndarray:
    """Paired effect per replication: high minus low, or the 2x2 interaction contrast."""
    if spec.kind == "interaction":
        return finals["11"] - finals["10"] - finals["01"] + finals["00"]
    return finals["high"] - finals["low"]


def gain_shares(gain: np.ndarray) -> dict[int, float]:
    """Share of the final-year gain reached in years 3, 5 and 10 (mean over each year)."""
    final_gain = gain[-12:].mean()
    out = {}
    for year in (3, 5, 10):
        if year * 12 <= len(gain) and final_gain:
            out[year] = float(gain[(year - 1) * 12 : year * 12].mean() / final_gain)
    return out


def _in_direction(direction: str, lo: float, hi: float) -> bool:
    """A 95% CI that excludes zero on the expected side."""
    return bool(lo > 0) if direction == "increase" else bool(hi < 0)


def _main_effect(spec: PatternSpec, ys: dict[str, np.ndarray]) -> np.ndarray:
    """Per replication, the pattern's effect on its outcome from the arms' series: the dip for
    an event pattern, else the final-year contrast (or interaction)."""
    if spec.kind == "event":
        return _event_gap(spec, ys, 0)
    return _effect(spec, {k: _final(v, spec.outcome) for k, v in ys.items()})


def event_left(spec: PatternSpec, ys: dict[str, np.ndarray]) -> dict[str, float]:
    """Share of an event's dip still there a year later and in the final year (mean gaps)."""
    dip = float(np.mean(_event_gap(spec, ys, 0)))
    later = float(np.mean(_event_gap(spec, ys, YEAR_LATER)))
    final = float(np.mean(ys["high"][:, -12:] - ys["low"][:, -12:]))
    if not dip:
        return {"year1": math.nan, "final": math.nan}
    return {"year1": later / dip, "final": final / dip}


def recovers_slowly(spec: PatternSpec, left: dict[str, float]) -> bool:
    """A dip that recovers slowly: at least ``min_left_year1`` of it is left a year later, and
    less is left in the final year than a year after the event."""
    y1, fin = left.get("year1", math.nan), left.get("final", math.nan)
    return bool(y1 >= spec.min_left_year1 and fin < y1)


def late_enough(spec: PatternSpec, shares: dict[int, float]) -> bool:
    """A timing pattern's delay: the shares of the final-year gain reached in years 3 and 5 are
    at most their thresholds (a missing year counts as reached in full)."""
    return bool(
        shares.get(3, 1.0) <= spec.max_share_year3 and shares.get(5, 1.0) <= spec.max_share_year5
    )


# --- tasks: one model run each, in any process --------------------------------------------------


@dataclass(frozen=True)
class _Task:
    key: tuple[Any, ...]
    scenario: Scenario
    seed: int
    replicates: int
    outcomes: tuple[str, ...]


def _run_task(task: _Task) -> tuple[tuple[Any, ...], np.ndarray]:
    return task.key, _simulate(task.scenario, task.seed, task.replicates, task.outcomes)


def _execute(
    tasks: list[_Task],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[tuple[Any, ...], np.ndarray]:
    """Run every task (on ``workers`` forked processes when more than one); results by key."""
    out: dict[tuple[Any, ...], np.ndarray] = {}
    total = len(tasks)
    n_proc = min(workers, total)
    if n_proc <= 1:
        for i, task in enumerate(tasks):
            key, y = _run_task(task)
            out[key] = y
            if progress:
                progress(i + 1, total)
        return out
    # forking a multi-threaded process is safe here (see hlmsim.replication.FORK_WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=FORK_WARNING)
        with ProcessPoolExecutor(max_workers=n_proc, mp_context=mp_context()) as pool:
            futures = [pool.submit(_run_task, t) for t in tasks]
            try:
                for done, fut in enumerate(as_completed(futures), start=1):
                    key, y = fut.result()
                    out[key] = y
                    if progress:
                        progress(done, total)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    return out


def pattern_runs(specs: list[PatternSpec], quick: bool = False) -> list[tuple[Scenario, int]]:
    """Each run of the patterns' main comparison (every arm, with and without the mechanism):
    its base scenario and months, for the resource estimate (:mod:`hlmsim.resources`)."""
    out = []
    for spec in specs:
        base = load_scenario(spec.scenario)
        out += [(base, _months(spec, quick))] * (2 * len(_arms(spec)))
    return out


def _n_batches(replications: int) -> int:
    return max(1, math.ceil(replications / BATCH))


def _months(spec: PatternSpec, quick: bool) -> int:
    return spec.quick_months if quick and spec.quick_months else spec.months


def _main_tasks(
    pid: str,
    spec: PatternSpec,
    replications: int,
    seed: int,
    quick: bool,
    overrides: dict[str, Any] | None,
) -> list[_Task]:
    seeds = batch_seeds(seed, _n_batches(replications))
    months = _months(spec, quick)
    tasks = []
    for control in (False, True):
        for name, arm in _arms(spec).items():
            scen = _scenario(spec, arm, control, months, overrides=overrides)
            for b, s in enumerate(seeds):
                key = ("main", pid, control, name, b)
                tasks.append(_Task(key, scen, s, BATCH, outcomes_of(spec)))
    return tasks


def _assemble(
    pid: str, spec: PatternSpec, results: dict[tuple[Any, ...], np.ndarray], quick: bool
) -> dict[str, Any]:
    """One pattern's effect, CI, verdict, the control's result and mean curves per arm."""
    months = _months(spec, quick)
    n_batches = 1 + max(k[4] for k in results if k[0] == "main" and k[1] == pid)
    result: dict[str, Any] = {
        "finding": spec.finding,
        "kind": spec.kind,
        "outcome": spec.outcome,
        "direction": spec.direction,
        "replications": n_batches * BATCH,
        "months": months,
    }
    shares: dict[bool, dict[int, float]] = {}
    curves: dict[bool, dict[str, np.ndarray]] = {}
    sign = 1 if spec.direction == "increase" else -1
    outcomes = outcomes_of(spec)
    for control in (False, True):
        stacked = {
            name: np.concatenate(
                [results[("main", pid, control, name, b)] for b in range(n_batches)], axis=1
            )
            for name in _arms(spec)
        }
        ys = {k: v[0] for k, v in stacked.items()}  # the pattern's outcome
        finals = {k: _final(v, spec.outcome) for k, v in ys.items()}
        eff = _main_effect(spec, ys)
        if spec.kind == "event":
            result[f"{'control' if control else 'effect'}_left"] = event_left(spec, ys)
        m, lo, hi, _ = mean_ci(eff)
        key = "control" if control else "effect"
        result[key] = m
        result[f"{key}_ci_low"], result[f"{key}_ci_high"] = lo, hi
        curves[control] = {k: v.mean(axis=0) for k, v in ys.items()}
        if spec.kind == "timing":
            shares[control] = gain_shares(curves[control]["high"] - curves[control]["low"])
        if spec.kind == "dose":
            # diminishing returns: the second step of the lever adds less than the first
            steps = (finals["high"] - finals["mid"]) - (finals["mid"] - finals["low"])
            cm, clo, chi, _ = mean_ci(sign * steps)
            result[f"{key}_concavity"] = cm
            result[f"{key}_concavity_ci_low"], result[f"{key}_concavity_ci_high"] = clo, chi
            result[f"{key}_steps"] = (
                float(np.mean(finals["mid"] - finals["low"])),
                float(np.mean(finals["high"] - finals["mid"])),
            )
        if not control:
            also = {}
            for j, name in enumerate(outcomes[1:], start=1):
                e = _effect(spec, {k: _final(v[j], name) for k, v in stacked.items()})
                am, alo, ahi, _ = mean_ci(e)
                want = spec.also[name]
                also[name] = {
                    "direction": want,
                    "effect": am,
                    "ci_low": alo,
                    "ci_high": ahi,
                    "reproduced": _in_direction(want, alo, ahi),
                }
            result["also"] = also
    reproduced = _in_direction(spec.direction, result["effect_ci_low"], result["effect_ci_high"])
    # the control removes the effect when no effect in the expected direction is left: its CI
    # includes zero, or it is less than a fifth of the pattern's effect in that direction
    # (a reversed effect, e.g. antagonism where the pattern is a synergy, counts as removed)
    removed = bool(
        (result["control_ci_low"] <= 0 <= result["control_ci_high"])
        or (sign * result["control"] < CONTROL_SHRINK * abs(result["effect"]))
    )
    # every secondary outcome must move its expected way too
    reproduced = reproduced and all(a["reproduced"] for a in result["also"].values())
    if spec.kind == "dose":
        # returns diminish: sign x (second step - first step) < 0, its CI excluding zero
        reproduced = reproduced and bool(result["effect_concavity_ci_high"] < 0)
    if spec.kind == "timing":
        result["share_by_year"] = shares[False]
        result["control_share_by_year"] = shares[True]
        reproduced = reproduced and late_enough(spec, shares[False])
        removed = not late_enough(spec, shares[True])
    if spec.kind == "event":
        reproduced = reproduced and recovers_slowly(spec, result["effect_left"])
    result["reproduced"] = reproduced
    result["control_removes"] = removed
    result["curves"] = curves[False]
    result["control_curves"] = curves[True]
    return result


def _check_overrides(overrides: dict[str, Any] | None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    for k in overrides:
        if k not in Params.model_fields:
            hint = suggest(k, Params.model_fields)
            raise InputError(f"unknown parameter{hint}", key=f"overrides.{k}")
    return overrides


def run_pattern(
    spec: PatternSpec,
    replications: int = REPLICATIONS,
    seed: int = 0,
    quick: bool = False,
    overrides: dict[str, Any] | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Run one pattern experiment; return its effect, CI, verdict and the control's result.

    ``overrides`` sets parameters in every arm, over the lever's settings (only the negative
    control's switch is applied after them): e.g. ``{"meeting_trust_gain": 0.0}`` breaks the
    mechanism of finding 11. ``curves`` and ``control_curves`` hold each arm's mean monthly
    series of the outcome."""
    overrides = _check_overrides(overrides)
    tasks = _main_tasks("p", spec, replications, check_seed(seed), quick, overrides)
    return _assemble("p", spec, _execute(tasks, check_workers(workers)), quick)


def pattern_files(directory: Path | None = None) -> list[Path]:
    """The shipped pattern experiment files, in finding order."""
    return sorted((Path(directory) if directory else PATTERN_DIR).glob("*.toml"))


def pattern_id(path: Path) -> str:
    """A pattern file's short id: the part of its name before the first ``_`` (``p11b``)."""
    return Path(path).stem.split("_")[0]


def select_patterns(
    only: Sequence[str] | str | None = None, directory: Path | None = None
) -> list[Path]:
    """The pattern files, restricted to ``only`` (ids such as ``p07`` or file stems)."""
    files = pattern_files(directory)
    if not files:
        raise InputError(
            "no pattern file (*.toml) in this folder", source=str(directory or PATTERN_DIR)
        )
    if only is None:
        return files
    wanted = [w.strip() for w in (only.split(",") if isinstance(only, str) else only)]
    wanted = [w for w in wanted if w]
    if not wanted:
        raise InputError("give at least one pattern id", key="--only")
    ids = {pattern_id(f): f for f in files}
    chosen = []
    for w in wanted:
        stem = w.removesuffix(".toml")
        match = ids.get(stem) or next((f for f in files if f.stem == stem), None)
        if match is None:
            hint = suggest(stem, ids)
            raise InputError(
                f"unknown pattern '{w}'{hint}; allowed: {', '.join(ids)}", key="--only"
            )
        if match not in chosen:
            chosen.append(match)
    return sorted(chosen)


# --- robustness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RobustFactor:
    """One parameter varied in the robustness check, on its plausible range [low, high] from the
    schema (``log``: log-uniform; ``integer``: values rounded). ``schema_min`` and
    ``schema_max`` are its validation range, what the model accepts."""

    name: str
    default: float
    low: float
    high: float
    scale: Literal["log", "linear"]
    schema_min: float | None
    schema_max: float | None
    integer: bool = False

    def value(self, u: float) -> float:
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        x = min(max(x, self.low), self.high)  # no rounding error outside the range
        return int(round(x)) if self.integer else float(x)

    def unit(self, x: float) -> float:
        """The position of ``x`` in the range, on the sampling scale (the inverse of
        :meth:`value`), clipped to [0, 1]."""
        if self.scale == "log":
            u = (math.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        else:
            u = (x - self.low) / (self.high - self.low)
        return min(max(u, 0.0), 1.0)


def is_robustness_parameter(name: str) -> bool:
    """A parameter the robustness check varies: numeric, its source an assumption (including
    "assumption; ..." and "assumption, calibrated to ..."), no lever (planners control it), no
    cost (its unit is in $: it changes no outcome but cost) and no setting of an arrangement
    preset (an arrangement is nothing but its settings: a point that overrode one would change
    the arrangement a pattern compares)."""
    meta = field_meta(name)
    return (
        meta["kind"] in ("int", "float")
        and not meta["lever"]
        and is_assumption(meta["source"])
        and "$" not in meta["unit"]
        and not any(name in preset for preset in ARRANGEMENTS.values())
    )


def robustness_factors(names: Sequence[str] | None = None) -> list[RobustFactor]:
    """The robustness factors, in schema order: every parameter of :func:`is_robustness_parameter`
    (or, with ``names``, those of them named), each on the plausible range declared in the schema
    (``plausible=`` in :mod:`hlmsim.params`), log-uniform when its low end is positive and
    high / low is at least :data:`LOG_RATIO`, else uniform. The schema's validation ranges bound
    what the model accepts and are far too wide to sample (a meeting that closes half the trust
    gap would build trust within a year, against finding 15); the plausible ranges are what a
    researcher would call plausible. Parameters a pattern sets itself are excluded per pattern
    when the check runs."""
    chosen = list(Params.model_fields) if names is None else list(names)
    unknown = [n for n in chosen if n not in Params.model_fields]
    if unknown:
        raise InputError(f"unknown parameter(s): {', '.join(unknown)}", key="robustness")
    out = []
    for name in Params.model_fields:
        if name not in chosen or not is_robustness_parameter(name):
            continue
        meta = field_meta(name)
        if meta["plausible"] is None:
            raise InputError(f"{name} has no plausible range in the schema", key="robustness")
        lo, hi = meta["plausible"]
        if hi <= lo:
            continue  # nothing to vary
        scale = "log" if lo > 0 and hi >= LOG_RATIO * lo * (1 - 1e-9) else "linear"
        out.append(
            RobustFactor(
                name,
                float(meta["default"]),
                lo,
                hi,
                scale,  # type: ignore[arg-type]
                meta["min"],
                meta["max"],
                integer=meta["kind"] == "int",
            )
        )
    return out


def robustness_design(
    n: int, seed: int = 0, factors: list[RobustFactor] | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """A Latin hypercube of ``n`` points: unit coordinates (n, factors) and a table of values."""
    from scipy.stats import qmc

    factors = robustness_factors() if factors is None else factors
    if n <= 0 or not factors:
        return np.zeros((0, len(factors))), pd.DataFrame(columns=[f.name for f in factors])
    unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(n)
    values = pd.DataFrame({f.name: [f.value(u) for u in unit[:, j]] for j, f in enumerate(factors)})
    return unit, values


def given_points(points: pd.DataFrame) -> tuple[list[RobustFactor], np.ndarray, pd.DataFrame]:
    """The robustness check at given points (e.g. draws from a calibrated ensemble) instead of a
    Latin hypercube: the points' columns that are robustness parameters
    (:func:`is_robustness_parameter`; the others, levers or arrangement settings, are left to
    the scenario and the arrangement), their factors, and unit coordinates for
    :func:`where_it_breaks`."""
    names = [c for c in points.columns if c in Params.model_fields and is_robustness_parameter(c)]
    unknown = [c for c in points.columns if c not in Params.model_fields]
    if unknown:
        raise InputError(f"unknown parameter {unknown[0]!r}", key="ensemble")
    factors = robustness_factors(names)
    values = points[[f.name for f in factors]].reset_index(drop=True)
    for f in factors:
        if f.integer:
            values[f.name] = values[f.name].round().astype(int)
    unit = np.array(
        [[f.unit(float(x)) for f, x in zip(factors, row, strict=True)] for row in values.to_numpy()]
    ).reshape(len(values), len(factors))
    return factors, unit, values


def robustness_seed(seed: int) -> int:
    """The one seed of every robustness run (common random numbers across points and arms)."""
    return int(np.random.SeedSequence([int(seed), 1]).generate_state(1, dtype=np.uint32)[0])


def _robust_tasks(
    pid: str,
    spec: PatternSpec,
    values: pd.DataFrame,
    seed: int,
    quick: bool,
    overrides: dict[str, Any] | None,
) -> list[_Task]:
    months = _months(spec, quick)
    s = robustness_seed(seed)
    tasks = []
    for i, row in enumerate(values.to_dict("records")):
        for name, arm in _robust_arms(spec).items():
            scen = _scenario(spec, arm, False, months, point=row, overrides=overrides)
            tasks.append(
                _Task(("robust", pid, i, name), scen, s, ROBUSTNESS_REPLICATES, (spec.outcome,))
            )
    return tasks


def _robust_arms(spec: PatternSpec) -> dict[str, tuple[Setting, ...]]:
    """The arms the robustness check runs: those its direction needs (a dose pattern's middle
    setting only serves the diminishing returns, checked at the default values)."""
    return {k: v for k, v in _arms(spec).items() if k != "mid"}


def _fixed_params(spec: PatternSpec, overrides: dict[str, Any] | None) -> set[str]:
    """Parameters a pattern sets in its arms: a robustness point cannot vary them."""
    names = set(spec.constants) | set(overrides or {})
    for arm in _arms(spec).values():
        for s in arm:
            if s is not None:
                names |= set(s.params)
    return names


def _assemble_robust(
    pid: str,
    spec: PatternSpec,
    results: dict[tuple[Any, ...], np.ndarray],
    n_points: int,
) -> pd.DataFrame:
    rows = []
    sign = 1 if spec.direction == "increase" else -1
    for i in range(n_points):
        ys = {name: results[("robust", pid, i, name)][0] for name in _robust_arms(spec)}
        m, lo, hi, _ = mean_ci(_main_effect(spec, ys))
        # the shape a timing or event pattern also needs: a late gain, a slow recovery
        share3, shape_ok = math.nan, True
        if spec.kind == "timing":
            shares = gain_shares(ys["high"].mean(axis=0) - ys["low"].mean(axis=0))
            share3, shape_ok = shares.get(3, math.nan), late_enough(spec, shares)
        elif spec.kind == "event":
            shape_ok = recovers_slowly(spec, event_left(spec, ys))
        holds = bool(sign * m > 0) and shape_ok
        significant = _in_direction(spec.direction, lo, hi) and shape_ok
        rows.append(
            {
                "pattern": pid,
                "point": i,
                "effect": m,
                "ci_low": lo,
                "ci_high": hi,
                "share_year3": share3,
                "holds": holds,
                "significant": significant,
            }
        )
    return pd.DataFrame(rows)


def where_it_breaks(
    holds: np.ndarray, unit: np.ndarray, names: Sequence[str], top: int = 3
) -> list[tuple[str, float]]:
    """The parameters most associated with failures: mean position in the plausible range
    sampled (0 at its low end, 1 at its high end, on the sampling scale) of the failing points
    minus that of the holding points, largest in absolute value first.
    Empty when every point fails or every point holds."""
    holds = np.asarray(holds, dtype=bool)
    if holds.all() or not holds.any() or unit.shape[1] == 0:
        return []
    diff = unit[~holds].mean(axis=0) - unit[holds].mean(axis=0)
    order = np.argsort(-np.abs(diff), kind="stable")[:top]
    return [(names[j], float(diff[j])) for j in order]


# --- calibration honesty ------------------------------------------------------------------------


def lever_parameters(spec: PatternSpec) -> list[str]:
    """Parameters whose resolved value differs between a pattern's arms (in any milieu): the
    settings of its lever(s), arrangement presets included."""
    scens = [_scenario(spec, arm, False) for arm in _arms(spec).values()]
    values = [[milieu_params(s, i).model_dump() for i in range(len(s.milieux))] for s in scens]
    out = []
    for name in Params.model_fields:
        first = [v[name] for v in values[0]]
        if any([v[name] for v in vals] != first for vals in values[1:]):
            out.append(name)
    return out


def calibrated_to(source: str, finding: int) -> bool:
    """A parameter source saying it was "calibrated to pattern N" for this finding N."""
    s = str(source).lower()
    if "calibrated to pattern" not in s:
        return False
    named = s.split("calibrated to pattern", 1)[1].split(";")[0]
    return str(finding) in re.findall(r"\d+", named)


def honesty(spec: PatternSpec) -> list[dict[str, Any]]:
    """Lever and control parameters of a pattern with their source, assumed or not, and whether
    they were calibrated to this very pattern."""
    rows = []
    for role, names in (("lever", lever_parameters(spec)), ("control", list(spec.control))):
        for name in names:
            meta = field_meta(name)
            rows.append(
                {
                    "role": role,
                    "parameter": name,
                    "source": meta["source"],
                    "assumption": is_assumption(meta["source"]),
                    "calibrated": calibrated_to(meta["source"], spec.finding),
                }
            )
    return rows


def pattern_role(spec: PatternSpec) -> str:
    """``calibration`` when a lever or control parameter was calibrated to this pattern (the
    pattern then shows what the model can do, not independent evidence), else ``validation``."""
    return "calibration" if any(h["calibrated"] for h in honesty(spec)) else "validation"


# --- the whole validation -----------------------------------------------------------------------


@dataclass
class PatternsResult:
    """A validation run: ``table`` (one row per pattern), ``specs`` and ``results`` (per pattern
    id: the spec, and :func:`run_pattern`'s result with its curves), ``robustness`` (one row per
    pattern and point), the robustness ``factors``, the design (``unit`` coordinates and
    ``points`` values) and ``metadata``. Write it with :func:`hlmsim.reporting.write_patterns`."""

    table: pd.DataFrame
    specs: dict[str, PatternSpec]
    files: dict[str, str]
    results: dict[str, dict[str, Any]]
    robustness: pd.DataFrame
    factors: list[RobustFactor]
    unit: np.ndarray
    points: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def all_reproduced(self) -> bool:
        return bool(self.table["reproduced"].all())

    def failed(self) -> list[str]:
        """Ids of the patterns not reproduced."""
        return [
            str(p)
            for p, ok in zip(self.table["pattern"], self.table["reproduced"], strict=True)
            if not ok
        ]


def validate_patterns(
    replications: int | None = None,
    quick: bool = False,
    seed: int = 0,
    directory: Path | None = None,
    only: Sequence[str] | str | None = None,
    robustness: int | None = None,
    workers: int | None = 1,
    overrides: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    points: pd.DataFrame | None = None,
    points_source: str = "",
    points_version: str = "",
) -> PatternsResult:
    """Run every pattern (with its negative control) and, unless ``robustness`` is 0, the
    robustness check; one parallel pool for all runs. Defaults: :data:`REPLICATIONS` paired
    replications (:data:`QUICK_REPLICATIONS` with ``quick``, which also uses the files'
    ``quick_months``) and :data:`ROBUSTNESS_POINTS` points (:data:`QUICK_ROBUSTNESS_POINTS`).
    With ``points`` (parameter sets, e.g. draws from a calibrated ensemble:
    :meth:`hlmsim.calibrate.posterior.Ensemble.draw`), the robustness check runs at those
    points instead of a Latin hypercube, and ``robustness`` is ignored: the share of draws
    that reproduce each pattern (``points_source`` says where they come from and
    ``points_version`` which hlmsim's results they were calibrated on, for the metadata and
    the report)."""
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    if replications is None:
        replications = QUICK_REPLICATIONS if quick else REPLICATIONS
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise InputError(
            f"must be a whole number of at least 2 (got {replications!r})", key="--replications"
        )
    if robustness is None:
        robustness = QUICK_ROBUSTNESS_POINTS if quick else ROBUSTNESS_POINTS
    if isinstance(robustness, bool) or not isinstance(robustness, int) or robustness < 0:
        raise InputError(
            f"must be a whole number of at least 0 (got {robustness!r})", key="--robustness"
        )
    seed = check_seed(seed)
    workers = check_workers(workers)
    overrides = _check_overrides(overrides)
    files = select_patterns(only, directory)
    specs = {pattern_id(f): load_pattern(f) for f in files}
    if len(specs) != len(files):
        raise InputError(
            "two pattern files share an id (the part of the name before '_')",
            source=str(directory or PATTERN_DIR),
        )
    design = "latin_hypercube" if points is None else "given"
    if points is None:
        factors = robustness_factors()
        unit, points = robustness_design(robustness, seed, factors)
    else:
        factors, unit, points = given_points(points)

    tasks: list[_Task] = []
    for pid, spec in specs.items():
        tasks += _main_tasks(pid, spec, replications, seed, quick, overrides)
    for pid, spec in specs.items():
        tasks += _robust_tasks(pid, spec, points, seed, quick, overrides)
    raw = _execute(tasks, workers, progress)
    elapsed = time.perf_counter() - t0

    results = {pid: _assemble(pid, spec, raw, quick) for pid, spec in specs.items()}
    robust = [_assemble_robust(pid, spec, raw, len(points)) for pid, spec in specs.items()]
    robust_df = (
        pd.concat(robust, ignore_index=True)
        if len(points)
        else pd.DataFrame(
            columns=[
                "pattern",
                "point",
                "effect",
                "ci_low",
                "ci_high",
                "share_year3",
                "holds",
                "significant",
            ]
        )
    )
    names = [f.name for f in factors]
    rows = []
    for f in files:
        pid = pattern_id(f)
        spec, r = specs[pid], results[pid]
        shares = r.get("share_by_year", {})
        cshares = r.get("control_share_by_year", {})
        hon = honesty(spec)
        row: dict[str, Any] = {
            "pattern": pid,
            "file": f.name,
            "finding": spec.finding,
            "kind": spec.kind,
            "emergence": spec.emergence,
            "outcome": spec.outcome,
            "direction": spec.direction,
            "months": r["months"],
            "replications": r["replications"],
            "effect": r["effect"],
            "effect_ci_low": r["effect_ci_low"],
            "effect_ci_high": r["effect_ci_high"],
            "reproduced": r["reproduced"],
            "control_effect": r["control"],
            "control_ci_low": r["control_ci_low"],
            "control_ci_high": r["control_ci_high"],
            "control_removes": r["control_removes"],
            "share_year3": shares.get(3, math.nan),
            "share_year5": shares.get(5, math.nan),
            "share_year10": shares.get(10, math.nan),
            "control_share_year3": cshares.get(3, math.nan),
            "control_share_year5": cshares.get(5, math.nan),
            "max_share_year3": spec.max_share_year3 if spec.kind == "timing" else math.nan,
            "max_share_year5": spec.max_share_year5 if spec.kind == "timing" else math.nan,
            "role": pattern_role(spec),
            "left_year1": r.get("effect_left", {}).get("year1", math.nan),
            "left_final": r.get("effect_left", {}).get("final", math.nan),
            "concavity": r.get("effect_concavity", math.nan),
            "concavity_ci_low": r.get("effect_concavity_ci_low", math.nan),
            "concavity_ci_high": r.get("effect_concavity_ci_high", math.nan),
            "also": "; ".join(
                f"{name} {a['effect']:+.4g} [{a['ci_low']:+.4g}, {a['ci_high']:+.4g}]"
                f" {'ok' if a['reproduced'] else 'not reproduced'}"
                for name, a in r.get("also", {}).items()
            ),
        }
        if len(points):
            g = robust_df[robust_df["pattern"] == pid]
            fixed = _fixed_params(spec, overrides)
            keep = [j for j, n in enumerate(names) if n not in fixed]
            breaks = where_it_breaks(
                g["holds"].to_numpy(bool), unit[:, keep], [names[j] for j in keep]
            )
            share = float(g["holds"].mean())
            row.update(
                {
                    "robustness_points": len(g),
                    "robustness_share": share,
                    "robustness_significant_share": float(g["significant"].mean()),
                    "fragile": share < FRAGILE_BELOW,
                    "breaks": "; ".join(f"{n} {d:+.2f}" for n, d in breaks),
                }
            )
        else:
            row.update(
                {
                    "robustness_points": 0,
                    "robustness_share": math.nan,
                    "robustness_significant_share": math.nan,
                    "fragile": False,
                    "breaks": "",
                }
            )
        row["lever_params"] = " ".join(h["parameter"] for h in hon if h["role"] == "lever")
        row["control_params"] = " ".join(h["parameter"] for h in hon if h["role"] == "control")
        row["assumed_params"] = " ".join(
            dict.fromkeys(h["parameter"] for h in hon if h["assumption"])
        )
        rows.append(row)

    import platform

    import mesa

    from . import __version__
    from .run import git_commit, model_version

    meta = {
        "hlmsim_version": __version__,
        "model_version": model_version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "started": started,
        "seed": seed,
        "quick": quick,
        "replications": _n_batches(replications) * BATCH,
        "replications_asked": replications,
        "batch_size": BATCH,
        "batch_seeds": batch_seeds(seed, _n_batches(replications)),
        "patterns": {pattern_id(f): f.name for f in files},
        "overrides": overrides,
        "robustness": {
            "points": len(points),
            "design": design,
            "points_source": points_source,
            "points_version": points_version,
            "replicates_per_point": ROBUSTNESS_REPLICATES,
            "seed": robustness_seed(seed),
            "design_seed": seed,
            "fragile_below": FRAGILE_BELOW,
            "ranges": "plausible (schema)",
            "log_ratio": LOG_RATIO,
            "factors": [f.__dict__ for f in factors],
        },
        "workers": workers,
        "tasks": len(tasks),
        "seconds": round(elapsed, 1),
    }
    return PatternsResult(
        table=pd.DataFrame(rows),
        specs=specs,
        files={pattern_id(f): f.name for f in files},
        results=results,
        robustness=robust_df,
        factors=factors,
        unit=unit,
        points=points,
        metadata=meta,
    )


def run_patterns(
    replications: int = REPLICATIONS,
    quick: bool = False,
    seed: int = 0,
    directory: Path | None = None,
    workers: int | None = 1,
    only: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Run every pattern experiment (no robustness check); one row per pattern."""
    res = validate_patterns(
        replications, quick, seed, directory, only=only, robustness=0, workers=workers
    )
    rows = []
    for pid, r in res.results.items():
        spec = res.specs[pid]
        rows.append(
            {
                "file": res.files[pid],
                "title_en": spec.title_en,
                "title_fr": spec.title_fr,
                "lever_en": spec.lever_en,
                "lever_fr": spec.lever_fr,
                "emergence": spec.emergence,
                "emergence_reason_en": spec.emergence_reason_en,
                "emergence_reason_fr": spec.emergence_reason_fr,
                "no_longer_holds_en": spec.no_longer_holds_en or "",
                "no_longer_holds_fr": spec.no_longer_holds_fr or "",
                **{k: v for k, v in r.items() if k not in ("curves", "control_curves")},
            }
        )
    return pd.DataFrame(rows)
