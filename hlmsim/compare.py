"""Comparing arrangements: paired replications under common random numbers.

Every chosen arrangement runs on the same scenario with the same list of seeds, so replication i
of arrangement A and of the reference face the same households, need arrivals, move-outs and
crises: their difference is the arrangement's effect plus the noise of the mechanisms it changes,
not of the world it runs in. Replications run in batches of :data:`BATCH` independent worlds per
model (see :mod:`hlmsim.replication`); results are the same whatever the number of workers.
Each worker reduces its batch to arrays (each outcome's overall monthly series, the final-year
values, the observables the targets ask of it) before sending it back; with ``targets`` the
targets' batches share the pool, and a target run that is one of the arrangements' runs is read
from the comparison's batches instead of being run again.

The engine returns a :class:`CompareResult`; :func:`hlmsim.reporting.write_compare` writes its
files and report (engines import no reporting code).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .arrangements import ARRANGEMENTS
from .errors import InputError
from .model import HLMModel
from .observables import observe
from .outcomes import KEY_OUTCOMES, OUTCOMES, final_values, outcome_unit
from .params import Scenario
from .replication import (
    BATCH,
    batch_seeds,
    check_replications,
    check_seed,
    check_workers,
    mean_ci,
    mp_context,
    overall_series,
    pool_map,
)
from .run import metadata as run_metadata
from .scenario import load_scenario, scenario_hash, set_arrangement, validate
from .targets import engine as targets_engine

#: Upper bound on replications in precision mode.
MAX_REPLICATIONS = 500


@dataclass
class CompareResult:
    """A comparison: ``runs`` (every run's monthly overall series), ``finals`` (one row per run:
    final-year value of each key outcome), ``summary`` (mean and 95% CI per arrangement and
    outcome), ``differences`` (paired differences to the reference, with 95% CI), ``metadata``
    (what reproduces it), ``scenario`` (the base scenario, not written) and, when measured,
    ``targets`` (the targets catalogue on the same scenario). Write it with
    :func:`hlmsim.reporting.write_compare`."""

    runs: pd.DataFrame
    finals: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = field(default=None, repr=False)
    #: The model against the facts on the same scenario (a
    #: :class:`hlmsim.targets.engine.TargetsResult`, from ``hlmsim compare``), or None.
    targets: Any = field(default=None, repr=False)

    @property
    def replications(self) -> int:
        return int(self.metadata["replications"])

    @property
    def arrangements(self) -> list[str]:
        return list(self.metadata["arrangements"])

    @property
    def reference(self) -> str:
        return str(self.metadata["reference"])


@dataclass
class _Batch:
    """One batch's results, as a worker returns them: each outcome's overall monthly series
    (``series``: name -> (BATCH, months)), the key outcomes' final-year values (``finals``: name
    -> (BATCH,)) and the observables the targets asked of this run (``observed``)."""

    seed: int
    series: dict[str, np.ndarray]
    finals: dict[str, np.ndarray]
    observed: dict[str, np.ndarray]


def _run_batch(task: tuple[Scenario, str, int, int, tuple[str, ...]]) -> tuple[str, int, _Batch]:
    """Run one batch of BATCH replicates of one arrangement (in a worker process), and reduce
    it there to what the comparison keeps (and the observables ``names`` for the targets)."""
    scen, arrangement, batch, seed, names = task
    model = HLMModel(scen, seed=seed, agents=False, replicates=BATCH).run()
    series = overall_series(model)
    finals = final_values(series, KEY_OUTCOMES)
    observed = observe(model, list(names)) if names else {}
    return arrangement, batch, _Batch(seed, series, finals, observed)


def _run_task(task: tuple[str, Any]) -> tuple[str, Any]:
    """A comparison's batch or a targets' batch (one pool serves both)."""
    kind, inner = task
    if kind == "compare":
        return kind, _run_batch(inner)
    return kind, targets_engine._run_batch(inner)


def summarise_finals(finals: pd.DataFrame, reference: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-arrangement means with CIs, and paired differences to ``reference`` with CIs."""
    rows, diffs = [], []
    ref = finals[finals["arrangement"] == reference].set_index("replication")
    for arr, g in finals.groupby("arrangement", sort=False):
        g = g.set_index("replication")
        for name, better in KEY_OUTCOMES.items():
            m, lo, hi, sd = mean_ci(g[name].to_numpy())
            rows.append(
                {
                    "arrangement": arr,
                    "outcome": name,
                    "unit": outcome_unit(name),
                    "better": {1: "higher", -1: "lower"}.get(better, "neither"),
                    "mean": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "sd": sd,
                    "n": int(g[name].notna().sum()),
                }
            )
            if arr == reference:
                continue
            d = (g[name] - ref.loc[g.index, name]).to_numpy()
            dm, dlo, dhi, dsd = mean_ci(d)
            scale = max(abs(float(np.nanmean(ref[name]))), abs(float(np.nanmean(g[name]))))
            half = (dhi - dlo) / 2 if np.isfinite(dlo) else math.nan
            diffs.append(
                {
                    "arrangement": arr,
                    "reference": reference,
                    "outcome": name,
                    "unit": outcome_unit(name),
                    "mean_diff": dm,
                    "ci_low": dlo,
                    "ci_high": dhi,
                    "sd": dsd,
                    "half_width": half,
                    "relative_half_width": half / scale if scale > 0 else 0.0,
                    "n": int(np.sum(~np.isnan(d))),
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(diffs)


def parse_precision(text: str | float | None) -> tuple[float, bool] | None:
    """``"0.5"`` -> (0.5, absolute); ``"5%"`` -> (0.05, relative)."""
    if text is None:
        return None
    s = str(text).strip()
    relative = s.endswith("%")
    try:
        value = float(s[:-1] if relative else s)
    except ValueError:
        raise InputError(
            f"must be a positive number, or a percentage like 5% (got {text!r})", key="--precision"
        ) from None
    if not value > 0 or not math.isfinite(value):
        raise InputError(f"must be positive (got {text!r})", key="--precision")
    return (value / 100 if relative else value), relative


def precision_met(differences: pd.DataFrame, target: tuple[float, bool]) -> bool:
    """True when every key paired difference's CI half-width is within the target; descriptive
    outcomes (neither better nor worse: the time to maturity) are not effects and do not count."""
    value, relative = target
    col = "relative_half_width" if relative else "half_width"
    effects = differences[differences["outcome"].map(lambda o: KEY_OUTCOMES.get(o, 1) != 0)]
    hw = effects[col].to_numpy(dtype=float)
    if len(hw) == 0:
        return True
    hw = np.where(np.isnan(hw), 0.0, hw)  # outcomes undefined in both arms cannot improve
    return bool(np.all(hw <= value))


def _check_arrangements(arrangements: Sequence[str] | None, reference: str) -> list[str]:
    """The arrangements to run (the reference last when not listed), checked against the presets."""
    chosen = list(arrangements) if arrangements else list(ARRANGEMENTS)
    for a in [*chosen, reference]:
        if a not in ARRANGEMENTS:
            close = difflib.get_close_matches(a, list(ARRANGEMENTS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InputError(
                f"unknown arrangement '{a}'{hint}; allowed: {', '.join(ARRANGEMENTS)}",
                key="--reference" if a == reference and a not in chosen else "--arrangements",
            )
    if len(set(chosen)) != len(chosen):
        raise InputError("each arrangement may appear once", key="--arrangements")
    if reference not in chosen:
        chosen.append(reference)
    if len(chosen) < 2:
        raise InputError(
            f"give at least one arrangement besides the reference ({reference})",
            key="--arrangements",
        )
    return chosen


def arrangement_scenarios(base: Scenario, chosen: Sequence[str]) -> dict[str, Scenario]:
    """The scenario each arrangement runs: ``base`` with every milieu on that arrangement."""
    data = base.model_dump()
    return {a: validate(set_arrangement(data, a)) for a in chosen}


def compare(
    scenario: Scenario | str = "default",
    arrangements: Sequence[str] | None = None,
    reference: str = "services_as_usual",
    replications: int | None = None,
    precision: str | float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_replications: int = MAX_REPLICATIONS,
    targets: int = 0,
) -> CompareResult:
    """Run every arrangement on the same scenario and seeds; return runs, summary, differences.

    Give ``replications`` (at least 2; default 100), or ``precision`` ("0.5" in each outcome's
    unit or "5%" relative to the larger of the two arms' means) to add batches of :data:`BATCH`
    until every key paired difference's 95% CI half-width meets it (at most
    ``max_replications``). Precision mode stops at the first batch count (from 2 batches) that
    meets the target; with more workers than arrangements it runs the next batches ahead, but
    the stopping point and the results do not depend on ``workers``.
    ``targets`` (0: none; else at least 2) measures the targets catalogue on the same scenario
    with that many replications and the same seed (``result.targets``, as
    :func:`hlmsim.targets.engine.run_targets` gives it), in the same pool of workers: a target
    run that is one of the arrangements' runs is read from the comparison's own batches.
    ``progress(done, total)`` is called as batches finish.
    """
    t0 = time.perf_counter()
    chosen = _check_arrangements(arrangements, reference)
    target = parse_precision(precision)
    if replications is not None and target is not None:
        raise InputError("give either --replications or --precision, not both", key="--precision")
    if replications is None and target is None:
        replications = 100
    if replications is not None:
        replications = check_replications(replications)
    seed = check_seed(seed)
    workers = check_workers(workers)
    cap = check_replications(max_replications)
    if isinstance(targets, bool) or not isinstance(targets, (int, np.integer)) or targets < 0:
        raise InputError(f"must be 0 (no check) or at least 2 (got {targets!r})", key="--targets")
    if targets == 1:
        raise InputError("must be 0 (no check) or at least 2 (got 1)", key="--targets")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    scenarios = arrangement_scenarios(base, chosen)

    if target is None:
        n_batches = math.ceil(replications / BATCH)
        n_tasks = n_batches * len(chosen)
    else:
        n_batches = min(2, math.ceil(cap / BATCH))
        n_tasks = math.ceil(cap / BATCH) * len(chosen)

    # the targets' batches: those of a run that is an arrangement's run (same scenario, same
    # batch seeds) come from the comparison's first batches; the others are tasks of their own
    plan = None
    shared: dict[tuple[str, int], str] = {}  # (arrangement, batch) -> the target run it serves
    target_tasks: list[tuple[str, Any]] = []
    if targets:
        plan = targets_engine.plan_targets(scenario=base, replications=targets, seed=seed)
        by_hash = {scenario_hash(s): a for a, s in scenarios.items()}
        for r, scen in plan.runs.items():
            a = by_hash.get(scenario_hash(scen))
            for b in range(plan.batches):
                if a is not None and b < n_batches:
                    shared[(a, b)] = r
        skip = {(r, b) for (a, b), r in shared.items()}
        target_tasks = [("targets", task) for task in plan.tasks(skip)]
        n_tasks += len(target_tasks)

    results: dict[tuple[str, int], _Batch] = {}
    observed: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    launched = 0  # batches launched (per arrangement)
    done = 0
    total = 0

    def run_batches(
        first: int, last: int, pool: ProcessPoolExecutor | None, extra: list[tuple[str, Any]]
    ) -> None:
        nonlocal launched, done, total
        seeds = batch_seeds(seed, last)
        tasks = [
            (
                "compare",
                (
                    scenarios[a],
                    a,
                    b,
                    seeds[b],
                    plan.names[shared[(a, b)]] if plan and (a, b) in shared else (),
                ),
            )
            for b in range(first, last)
            for a in chosen
        ]
        # the targets' own runs first: the longest tasks (a spin-up) start first
        tasks = extra + tasks
        launched = last
        total += len(tasks)
        mapper = pool_map(pool, _run_task, tasks) if pool else map(_run_task, tasks)
        for kind, out in mapper:
            if kind == "compare":
                a, b, batch = out
                results[(a, b)] = batch
                if (a, b) in shared:
                    observed[(shared[(a, b)], b)] = batch.observed
            else:
                r, b, obs = out
                observed[(r, b)] = obs
            done += 1
            if progress:
                progress(done, total)

    ctx = mp_context()
    n_proc = min(workers, n_tasks)
    executor = ProcessPoolExecutor(max_workers=n_proc, mp_context=ctx) if n_proc > 1 else None
    try:
        run_batches(0, n_batches, executor, target_tasks)
        if target is None:
            n_rep = replications
        else:
            # batches run ahead when there are more workers than arrangements; the stopping
            # point is still the first batch count meeting the target, whatever ``workers``
            ahead = max(1, workers // len(chosen))
            while True:
                n_rep = min(n_batches * BATCH, cap)
                _, diffs = summarise_finals(_finals(results, chosen, n_rep), reference)
                if precision_met(diffs, target) or n_rep >= cap:
                    break
                n_batches += 1
                if n_batches > launched:
                    last = min(launched + ahead, math.ceil(cap / BATCH))
                    run_batches(launched, last, executor, [])
    finally:
        if executor:
            executor.shutdown(wait=True, cancel_futures=True)

    used = math.ceil(n_rep / BATCH)
    runs = _runs(results, chosen, used, n_rep)
    finals = _finals(results, chosen, n_rep)
    summary, differences = summarise_finals(finals, reference)
    meta = run_metadata(base, seed, started)
    meta.update(
        {
            "scenario_source": scenario if isinstance(scenario, str) else None,
            "arrangements": chosen,
            "reference": reference,
            "replications": n_rep,
            "batch_size": BATCH,
            "batch_seeds": batch_seeds(seed, used),
            "precision": None
            if target is None
            else {
                "text": str(precision).strip(),
                "value": target[0],
                "relative": target[1],
                "met": precision_met(differences, target),
                "max_replications": cap,
            },
            "workers": workers,
            "scenarios_by_arrangement": {a: scenario_hash(s) for a, s in scenarios.items()},
        }
    )
    measured = None
    if plan is not None:
        measured = plan.result(observed, workers, time.perf_counter() - t0)
        meta["targets"] = {
            "replications": plan.replications,
            "catalogue": measured.metadata["catalogue"],
            "catalogue_sha256": measured.metadata["catalogue_sha256"],
            **{role: measured.counts(role) for role in ("calibration", "validation")},
        }
    return CompareResult(runs, finals, summary, differences, meta, scenario=base, targets=measured)


def _runs(
    results: dict[tuple[str, int], _Batch], chosen: list[str], used: int, n_rep: int
) -> pd.DataFrame:
    """Every run's monthly overall series, one row per (arrangement, replication, month), in
    that order: columns ``arrangement``, ``seed``, ``replication``, ``month``, then every
    outcome."""
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("arrangement", "seed", "replication", "month", *OUTCOMES)
    }
    for a in chosen:
        for b in range(used):
            batch = results[(a, b)]
            reps = b * BATCH + np.arange(BATCH, dtype=np.int64)
            keep = reps < n_rep
            T = batch.series["households"].shape[1]
            n = int(keep.sum()) * T
            parts["arrangement"].append(np.full(n, a, dtype=object))
            parts["seed"].append(np.full(n, batch.seed, dtype=np.int64))
            parts["replication"].append(np.repeat(reps[keep], T))
            parts["month"].append(np.tile(np.arange(1, T + 1, dtype=np.int64), int(keep.sum())))
            for name in OUTCOMES:
                parts[name].append(batch.series[name][keep].ravel())
    return pd.DataFrame({k: np.concatenate(v) for k, v in parts.items()})


def _finals(results: dict[tuple[str, int], _Batch], chosen: list[str], n_rep: int) -> pd.DataFrame:
    """One row per (arrangement, replication): its seed and the key outcomes' final-year
    values."""
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("arrangement", "replication", "seed", *KEY_OUTCOMES)
    }
    for a in chosen:
        b = 0
        while (a, b) in results and b * BATCH < n_rep:
            batch = results[(a, b)]
            reps = b * BATCH + np.arange(BATCH, dtype=np.int64)
            keep = reps < n_rep
            n = int(keep.sum())
            parts["arrangement"].append(np.full(n, a, dtype=object))
            parts["replication"].append(reps[keep])
            parts["seed"].append(np.full(n, batch.seed, dtype=np.int64))
            for name in KEY_OUTCOMES:
                parts[name].append(np.asarray(batch.finals[name], dtype=float)[keep])
            b += 1
    return pd.DataFrame({k: np.concatenate(v) for k, v in parts.items()})
