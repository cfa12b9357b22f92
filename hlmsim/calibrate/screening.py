"""Morris screening of the assumed parameters: which of them a calibration should estimate.

A calibration cannot estimate the scenario's 160-odd assumed parameters from a few dozen
targets. Issue 13 asks for at most about fifteen, chosen by a screening at ten years on the
calibration targets and the headline comparison; the others stay at their defaults and are
listed. This module does that screening; :mod:`hlmsim.calibrate.engine` calls it (or reuses a
stored one, :func:`save` / :func:`load`) and the calibration report shows its table.

**Factors** (:func:`assumed_factors`). Every numeric parameter whose source is an assumption
(:func:`hlmsim.params.is_assumption`), on its plausible range from the schema (``plausible=``),
log-uniform when its low end is positive and high / low >= 4, else uniform: exactly the factors
and the rule of the robustness check of ``hlmsim patterns``
(:func:`hlmsim.patterns.robustness_factors`, :data:`hlmsim.patterns.LOG_RATIO`), reused here.
Left out, and why:

- sourced parameters (a cited figure, not an assumption): the evidence already sets them;
- levers (``lever=True``): planners choose them, a calibration does not estimate them;
- costs (unit in $): they change no outcome but cost, which no target measures;
- the settings of an arrangement preset (:data:`hlmsim.arrangements.ARRANGEMENTS`): an
  arrangement is nothing but its settings, and a parameter set overrides the preset
  (``run_ensemble``), so varying one would change the arrangements being compared;
- yes/no and choice parameters (no range to sample), and a parameter whose plausible range is a
  single value;
- a parameter that every milieu of the scenario sets itself: a milieu's own setting overrides a
  parameter set, so varying it would change nothing.

**Design** (:func:`screen`). Morris's elementary effects (SALib, through
:func:`hlmsim.sweep.sampling.design` and :func:`hlmsim.sweep.sensitivity.morris_indices`):
``trajectories`` one-at-a-time paths of D + 1 points through a grid of ``levels`` levels in the
unit hypercube, each factor's unit coordinate mapped to its range (log-uniform or uniform).
mu* (the mean absolute elementary effect) and sigma are in the output's unit per whole range of
the parameter (unit scale), so parameters on different scales compare.

**Chunks and common random numbers.** ``evaluate`` is called once per step of the trajectories:
call k receives the k-th point of every trajectory, in trajectory order (``trajectories``
points). An evaluator whose worlds depend only on the point and the seed, as
:func:`headline_evaluator`'s do, runs the two points of each elementary effect in the same
simulated worlds (common random numbers): a parameter that changes nothing gives an effect of
exactly 0, and a weak one a small effect, instead of the difference between two worlds. On the
default scenario at ten years, the headline of two worlds differs by about 48 needs a month;
under common random numbers a parameter with no influence on it differs by 0 and a weak one by
about 2 to 3 (measured while building this module). An evaluator that seeds by position within
a call (worlds batched together) also pairs them, as long as a point's world does not depend on
the other points of its call (see :func:`headline_evaluator` for why batched worlds can). The
calls do not depend on ``workers``: with ``workers`` > 1 they run in a process pool and the
results are the same.

**Score and selection.** Each output's mu* is divided by the largest mu* of that output over
the factors (its strongest parameter scores 1), so that outputs on different scales (a count of
needs, a share, a number of months) weigh alike; a constant output (every mu* zero) counts for
nothing, and so does an output the model leaves undefined at some point of the design (a share
of nothing: its mu* is missing, and it is listed in ``settings["undefined_outputs"]``). A
parameter's score is its largest normalised mu* over the outputs (``driver``: the
output where it is reached). The parameters are ranked by score (ties: in the factors' order);
the selection is the first ``max_parameters`` of them whose score is at least ``floor``
(:data:`FLOOR`: a tenth of the strongest effect on some output), so fewer are chosen when few
matter. The others are ``fixed``: the calibration leaves them at their defaults and lists them.

**Headline** (:func:`headline_evaluator`). The contrast the comparison report leads with: needs
met in the final year (the first key outcome, ``needs_met``) under a CIUSSS social worker minus
services as usual (the comparison's default reference), on the same seeds (common random
numbers across the two arrangements, as ``hlmsim compare`` pairs them), averaged over
``replications`` worlds per point; each point runs as ``replications`` parameter sets of
:func:`hlmsim.ensemble.run_ensemble` (one vectorised model of its worlds per arrangement), every
point on the same seed.

**Cost.** On the default scenario (1,009 households) at ten years, a world costs about 0.23 s
with a CIUSSS social worker and 0.12 s under services as usual (a quiet machine, warm numba
cache). The full screening of the headline (164 factors, 10 trajectories, 1,650 points, two
replications) took 64 min with ``workers=2`` on 2 cores shared with other jobs (load about 5.5);
docs/screening-notes.md says what would shorten it (``replications=1`` halves it). Screen once
and reuse the stored screening (:func:`save`, :func:`load`).
"""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..compare import arrangement_scenarios
from ..ensemble import run_ensemble
from ..errors import InputError
from ..params import Scenario
from ..patterns import robustness_factors
from ..replication import check_seed, check_workers, mp_context, pool_map
from ..scenario import load_scenario, scenario_hash
from ..sweep import sampling, sensitivity

#: A parameter is selected only if, on some output, its mu* reaches this share of the largest
#: mu* on that output.
FLOOR = 0.1
#: The headline comparison: needs met (final year) under this arrangement minus the reference.
HEADLINE_ARRANGEMENT = "ciusss_social_worker"
HEADLINE_REFERENCE = "services_as_usual"
HEADLINE_OUTCOME = "needs_met"
#: The output column of :func:`headline_evaluator`.
HEADLINE = "headline"
#: File names of a stored screening (see :func:`save`).
TABLE_FILE = "screening.parquet"
POINTS_FILE = "screening_points.parquet"
META_FILE = "screening.json"
#: Bumped when the stored format changes.
FORMAT = 1

Evaluate = Callable[[list[dict[str, float]]], pd.DataFrame]


@dataclass(frozen=True)
class Factor:
    """One screened parameter on [``low``, ``high``], sampled log-uniformly when ``log``;
    ``integer`` parameters take whole values."""

    name: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    def sampling_factor(self) -> sampling.Factor:
        """The same factor for :mod:`hlmsim.sweep.sampling` (which maps unit coordinates)."""
        return sampling.Factor(
            self.name,
            kind="int" if self.integer else "float",
            dist="loguniform" if self.log else "uniform",
            low=float(self.low),
            high=float(self.high),
        )

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "integer": self.integer,
        }


def assumed_factors(scenario: Scenario | str = "default") -> list[Factor]:
    """Every assumed parameter the screening varies on ``scenario``, in schema order, on its
    plausible range (see the module docstring for the rule and for what is left out)."""
    scen = load_scenario(scenario) if isinstance(scenario, str) else scenario
    set_by_every_milieu = set.intersection(*(set(m.params) for m in scen.milieux))
    return [
        Factor(f.name, float(f.low), float(f.high), log=f.scale == "log", integer=f.integer)
        for f in robustness_factors()
        if f.name not in set_by_every_milieu
    ]


@dataclass
class ScreeningResult:
    """A screening: ``table`` (one row per factor: parameter, low, high, log, then for each
    output ``mu_star_<output>`` and ``sigma_<output>``, then score, driver, rank, selected),
    the ``selected`` parameters (by rank), the ``fixed`` ones (screened, not selected: they stay
    at their defaults; in the factors' order), the ``outputs``, the ``settings`` that reproduce
    it, and ``points`` (every design point: trajectory, step, parameter values and outputs)."""

    table: pd.DataFrame
    selected: list[str]
    fixed: list[str]
    outputs: list[str]
    settings: dict[str, Any] = field(default_factory=dict)
    points: pd.DataFrame | None = field(default=None, repr=False)


def _check_factors(factors: Sequence[Factor]) -> list[Factor]:
    factors = list(factors)
    if not factors:
        raise InputError("give at least one factor to screen", key="factors")
    names = [f.name for f in factors]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"factor {dup[0]!r} appears twice", key="factors")
    for f in factors:
        lo, hi = float(f.low), float(f.high)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise InputError(f"needs low < high (got {lo:g}, {hi:g})", key=f"factors.{f.name}")
        if f.log and lo <= 0:
            raise InputError(
                f"a log-uniform range needs low > 0 (got {lo:g})", key=f"factors.{f.name}"
            )
    return factors


def _whole(value: Any, key: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise InputError(f"must be a whole number of at least {least} (got {value!r})", key=key)
    return int(value)


def _call(task: tuple[Evaluate, list[dict[str, float]]]) -> pd.DataFrame:
    evaluate, points = task
    return evaluate(points)


def _check_frame(frame: Any, n: int, k: int, outputs: list[str] | None) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"evaluate must return a DataFrame (call {k} returned {type(frame)})")
    if len(frame) != n:
        raise ValueError(f"evaluate returned {len(frame)} rows for {n} points (call {k})")
    if frame.shape[1] == 0:
        raise ValueError("evaluate returned no output column")
    if outputs is not None and list(frame.columns) != outputs:
        raise ValueError(
            f"evaluate returned columns {list(frame.columns)} (call {k}), not {outputs}"
        )
    values = frame.to_numpy(dtype=float)
    if np.any(np.isinf(values)):
        bad = [c for c in frame.columns if np.any(np.isinf(frame[c].to_numpy(float)))]
        raise ValueError(f"evaluate returned infinite values for {bad[0]!r} (call {k})")
    return frame.reset_index(drop=True)


def screen(
    factors: Sequence[Factor],
    evaluate: Evaluate,
    *,
    trajectories: int = 10,
    levels: int = 4,
    seed: int = 0,
    max_parameters: int = 15,
    floor: float = FLOOR,
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    noise: Mapping[str, Sequence[float]] | None = None,
) -> ScreeningResult:
    """Screen ``factors`` by Morris's elementary effects on the outputs of ``evaluate``
    (``evaluate(points) -> DataFrame``, one row per point, one numeric column per output, no
    missing value), and select at most ``max_parameters`` of score at least ``floor``.

    ``evaluate`` is called ``D + 1`` times (D factors), call k with the k-th point of every
    trajectory (see the module docstring: common random numbers), in a pool of ``workers``
    processes when more than one (``evaluate`` must then be picklable: a module-level function
    or an object such as :func:`headline_evaluator`'s); the result depends on the factors,
    ``evaluate``, ``trajectories``, ``levels`` and ``seed``, never on ``workers``.
    ``progress(done, total)`` is called as calls finish. ``noise``: each output's values in
    several independent worlds at one parameter set, whose spread sets the output's noise floor
    (:func:`noise_mu_star`, :func:`select`)."""
    t0 = time.perf_counter()
    factors = _check_factors(factors)
    trajectories = _whole(trajectories, "trajectories", 2)
    levels = _whole(levels, "levels", 2)
    max_parameters = _whole(max_parameters, "max_parameters", 1)
    seed = check_seed(seed)
    workers = check_workers(workers)
    if not (isinstance(floor, (int, float)) and 0 <= floor <= 1):
        raise InputError(f"must be between 0 and 1 (got {floor!r})", key="floor")
    names = [f.name for f in factors]
    d = len(factors)
    with warnings.catch_warnings():  # a design of 160-odd columns built column by column
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        unit, values = sampling.design(
            [f.sampling_factor() for f in factors], "morris", trajectories, seed, levels
        )
    values = values.drop(columns=["sample_id"])
    records: list[dict[str, float]] = [
        {
            str(k): (int(v) if f.integer else float(v))
            for (k, v), f in zip(r.items(), factors, strict=True)
        }
        for r in values.to_dict("records")
    ]
    # call k: the k-th point of every trajectory (rows t * (D + 1) + k)
    steps = [[t * (d + 1) + k for t in range(trajectories)] for k in range(d + 1)]
    tasks = [(evaluate, [records[i] for i in rows]) for rows in steps]
    frames: list[pd.DataFrame] = []
    outputs: list[str] | None = None
    n_proc = min(workers, len(tasks))
    executor = (
        ProcessPoolExecutor(max_workers=n_proc, mp_context=mp_context()) if n_proc > 1 else None
    )
    try:
        mapper = pool_map(executor, _call, tasks) if executor else map(_call, tasks)
        for k, frame in enumerate(mapper):
            frame = _check_frame(frame, trajectories, k, outputs)
            outputs = list(frame.columns) if outputs is None else outputs
            frames.append(frame)
            if progress:
                progress(k + 1, len(tasks))
    finally:
        if executor:
            executor.shutdown(wait=True, cancel_futures=True)
    assert outputs is not None
    y = np.empty((len(records), len(outputs)))
    for rows, frame in zip(steps, frames, strict=True):
        y[rows] = frame.to_numpy(dtype=float)

    table = pd.DataFrame(
        {
            "parameter": names,
            "low": [float(f.low) for f in factors],
            "high": [float(f.high) for f in factors],
            "log": [bool(f.log) for f in factors],
        }
    )
    constant: list[str] = []
    undefined: list[str] = []
    for j, out in enumerate(outputs):
        if not np.all(np.isfinite(y[:, j])):  # a point where the model gives no value
            undefined.append(out)
            mu_star, sigma = np.full(d, np.nan), np.full(d, np.nan)
        elif np.ptp(y[:, j]) == 0:
            constant.append(out)
            mu_star, sigma = np.zeros(d), np.zeros(d)
        else:
            mi = sensitivity.morris_indices(names, unit, y[:, j], levels=levels, seed=seed)
            mu_star = mi["mu_star"].to_numpy(dtype=float)
            sigma = mi["sigma"].to_numpy(dtype=float)
        table[f"mu_star_{out}"] = mu_star
        table[f"sigma_{out}"] = sigma
    noise_mu = noise_mu_star(noise, levels) if noise is not None else None
    table = select(table, outputs, max_parameters, floor, noise_mu)
    order = np.argsort(table["rank"].to_numpy(), kind="stable")
    selected = [names[i] for i in order if table["selected"].iat[i]]
    fixed = [n for n, s in zip(names, table["selected"], strict=True) if not s]

    points = values.copy()
    points.insert(0, "step", np.tile(np.arange(d + 1), trajectories))
    points.insert(0, "trajectory", np.repeat(np.arange(trajectories), d + 1))
    for j, out in enumerate(outputs):
        points[out] = y[:, j]
    settings = {
        "format": FORMAT,
        "method": "morris",
        "trajectories": trajectories,
        "levels": levels,
        "seed": seed,
        "max_parameters": max_parameters,
        "floor": float(floor),
        "points": len(records),
        "calls": len(tasks),
        "normalisation": "mu_star / largest mu_star of the output; score: largest over outputs",
        "noise_mu_star": noise_mu,
        "constant_outputs": constant,
        "undefined_outputs": undefined,
        "factors": [f.record() for f in factors],
        "evaluator": dict(getattr(evaluate, "settings", {}) or {}),
        "workers": workers,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return ScreeningResult(table, selected, fixed, list(outputs), settings, points)


def noise_mu_star(worlds: Mapping[str, Sequence[float]], levels: int) -> dict[str, float]:
    """Each output's noise floor in mu* units: the mu* of a parameter that would do nothing
    but put the point in another world, E|y1 - y2| / delta, where y1, y2 are the output in two
    independent worlds at the same parameters (``worlds``: its values in several worlds) and
    delta = levels / (2 (levels - 1)) is a Morris step on the unit scale."""
    delta = levels / (2 * (levels - 1))
    out = {}
    for name, values in worlds.items():
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if len(v) < 2:
            out[name] = 0.0
            continue
        diffs = np.abs(v[:, None] - v[None, :])[np.triu_indices(len(v), 1)]
        out[name] = float(diffs.mean() / delta)
    return out


def select(
    table: pd.DataFrame,
    outputs: Sequence[str],
    max_parameters: int,
    floor: float = FLOOR,
    noise: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Score, driver, rank and selected from a table's ``mu_star_<output>`` columns (see the
    module docstring). With ``noise`` (an output's noise floor in mu* units,
    :func:`noise_mu_star`), a mu* at or below its output's floor counts as no effect: an
    elementary effect no larger than the difference between two worlds cannot be told from a
    parameter that only moved the point to another world (a parameter whose change alters how
    many random numbers a draw consumes does that), and an output whose every mu* is within
    its noise counts for nothing. Returns a copy of the table with the four columns."""
    table = table.copy()
    d = len(table)
    normalised = np.zeros((d, len(outputs)))
    for j, out in enumerate(outputs):
        mu_star = table[f"mu_star_{out}"].to_numpy(dtype=float)
        if np.isnan(mu_star).all():
            continue
        mu_star = np.nan_to_num(mu_star, nan=0.0)
        if noise is not None and out in noise:
            mu_star = np.where(mu_star > noise[out], mu_star, 0.0)
        top = float(mu_star.max())
        if top > 0:
            normalised[:, j] = mu_star / top
    best = normalised.argmax(axis=1)
    table["score"] = normalised.max(axis=1)
    table["driver"] = [
        outputs[b] if s > 0 else "" for b, s in zip(best, table["score"], strict=True)
    ]
    order = np.argsort(-table["score"].to_numpy(), kind="stable")
    rank = np.empty(d, dtype="int64")
    rank[order] = np.arange(1, d + 1)
    table["rank"] = rank
    table["selected"] = (
        (table["rank"] <= max_parameters) & (table["score"] >= floor) & (table["score"] > 0)
    )
    return table


@dataclass(frozen=True)
class Combined:
    """Several evaluators side by side (see :func:`combine`)."""

    evaluators: tuple[Evaluate, ...]

    @property
    def settings(self) -> dict[str, Any]:
        return {"combined": [dict(getattr(e, "settings", {}) or {}) for e in self.evaluators]}

    def __call__(self, points: list[dict[str, float]]) -> pd.DataFrame:
        frames = [e(points).reset_index(drop=True) for e in self.evaluators]
        names = [c for f in frames for c in f.columns]
        dup = sorted({c for c in names if names.count(c) > 1})
        if dup:
            raise ValueError(f"two evaluators give the output {dup[0]!r}")
        return pd.concat(frames, axis=1)


def combine(*evaluators: Evaluate) -> Combined:
    """One ``evaluate`` giving the outputs of every evaluator, in order (e.g. the calibration
    targets and :func:`headline_evaluator`); picklable when they are. Output names must
    differ."""
    if not evaluators:
        raise InputError("give at least one evaluator", key="evaluators")
    return Combined(tuple(evaluators))


# --- storage ----------------------------------------------------------------------------------


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a hidden temporary file replaced in one step (no half-written file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save(result: ScreeningResult, folder: str | Path) -> Path:
    """Store ``result`` in ``folder`` (created if needed): the table and the points as parquet,
    the selection and settings as JSON (written last: a folder holds a screening once it
    exists). Returns the folder."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / TABLE_FILE, lambda p: result.table.to_parquet(p, index=False))
    if result.points is not None:
        _atomic(out / POINTS_FILE, lambda p: result.points.to_parquet(p, index=False))  # type: ignore[union-attr]
    meta = {
        "selected": result.selected,
        "fixed": result.fixed,
        "outputs": result.outputs,
        "settings": result.settings,
    }
    text = json.dumps(meta, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    _atomic(out / META_FILE, lambda p: p.write_text(text, encoding="utf-8"))
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in {META_FILE}")


def load(folder: str | Path) -> ScreeningResult:
    """A screening stored by :func:`save`."""
    src = Path(folder)
    meta_path = src / META_FILE
    if not meta_path.is_file() or not (src / TABLE_FILE).is_file():
        raise InputError(f"no screening stored here (missing {META_FILE})", source=str(src))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    table = pd.read_parquet(src / TABLE_FILE)
    points = pd.read_parquet(src / POINTS_FILE) if (src / POINTS_FILE).is_file() else None
    return ScreeningResult(
        table,
        list(meta["selected"]),
        list(meta["fixed"]),
        list(meta["outputs"]),
        dict(meta["settings"]),
        points,
    )


# --- the headline comparison --------------------------------------------------------------------


def _headline_point(task: tuple[tuple[Scenario, Scenario], dict[str, float], int, int]) -> float:
    """The headline difference of one point: its own model of ``replications`` worlds per
    arrangement, on the same seed (common random numbers across arrangements and points)."""
    scenarios, point, replications, seed = task
    sets = [dict(point)] * replications
    arms = [
        run_ensemble(scen, sets, seed=seed, workers=1, observables=[])
        .table[HEADLINE_OUTCOME]
        .to_numpy(dtype=float)
        for scen in scenarios
    ]
    return float(np.mean(arms[0] - arms[1]))


@dataclass(frozen=True)
class HeadlineEvaluator:
    """``evaluate`` for :func:`screen`: the headline difference of each point (column
    :data:`HEADLINE`). Picklable, so that :func:`screen` can run it in worker processes."""

    scenarios: tuple[Scenario, Scenario]
    replications: int
    seed: int
    workers: int = 1
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __call__(self, points: list[dict[str, float]]) -> pd.DataFrame:
        tasks = [(self.scenarios, dict(p), self.replications, self.seed) for p in points]
        n_proc = min(self.workers, len(tasks))
        if n_proc > 1:
            with ProcessPoolExecutor(max_workers=n_proc, mp_context=mp_context()) as pool:
                values = list(pool_map(pool, _headline_point, tasks))
        else:
            values = [_headline_point(t) for t in tasks]
        return pd.DataFrame({HEADLINE: np.asarray(values, dtype=float)})


def headline_evaluator(
    scenario: Scenario | str = "default",
    months: int = 120,
    replications: int = 2,
    seed: int = 0,
    workers: int | None = 1,
) -> HeadlineEvaluator:
    """An ``evaluate`` for :func:`screen` giving, for each point, the headline comparison's
    difference (column ``headline``): final-year needs met under a CIUSSS social worker minus
    services as usual, ``months`` long, averaged over ``replications`` worlds.

    Each point runs as ``replications`` parameter sets of :func:`~hlmsim.ensemble.run_ensemble`
    (one vectorised model of ``replications`` worlds per arrangement), every point and both
    arrangements on the same seed: common random numbers across the arrangements (as
    ``hlmsim compare`` pairs them) and across the points. A point's value depends on the point,
    ``seed``, ``months`` and ``replications`` only: not on the other points of the call, its
    place among them, or ``workers`` (points run in parallel on that many processes; leave it
    at 1 when :func:`screen` runs several ``workers`` itself).

    Why not one model for many points: worlds simulated together draw some household
    attributes in one call of a rejection sampler (``rng.beta``), so a point that changes a
    household parameter (a beta law's mean or concentration) shifts the worlds of the points
    after it in the batch, and their elementary effects would carry the difference between two
    worlds instead of the parameter's effect."""
    base = load_scenario(scenario) if isinstance(scenario, str) else scenario
    months = _whole(months, "months", 1)
    replications = _whole(replications, "replications", 1)
    seed = check_seed(seed)
    workers = check_workers(workers)
    data = base.model_copy(update={"months": months})
    scens = arrangement_scenarios(data, [HEADLINE_ARRANGEMENT, HEADLINE_REFERENCE])
    settings = {
        "name": HEADLINE,
        "outcome": HEADLINE_OUTCOME,
        "arrangement": HEADLINE_ARRANGEMENT,
        "reference": HEADLINE_REFERENCE,
        "scenario_name": base.name,
        "scenario_hash": scenario_hash(base),
        "months": months,
        "replications": replications,
        "seed": seed,
    }
    return HeadlineEvaluator(
        (scens[HEADLINE_ARRANGEMENT], scens[HEADLINE_REFERENCE]),
        replications,
        seed,
        workers,
        settings,
    )
