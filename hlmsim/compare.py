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

import contextlib
import datetime as _dt
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import uncertainty
from .arrangements import ARRANGEMENTS, parse_switch, preset_keys
from .errors import InputError, suggest
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
from .transitions import transition_table

#: Upper bound on replications in precision mode.
MAX_REPLICATIONS = 500
#: Seeds (independent worlds) per parameter set drawn from an ensemble (it divides BATCH, so
#: that a batch holds whole sets).
SEEDS_PER_SET = 5


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
    #: Probability best, rank distribution and regret per outcome and arrangement
    #: (:func:`hlmsim.uncertainty.rank_table`).
    ranks: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The spread due to parameters and to chance (:func:`hlmsim.uncertainty.spread_table`).
    spread: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The parameter sets drawn from the ensemble, one row per set (index ``set``); empty
    #: without an ensemble.
    draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Where the leading arrangement stops being best (:func:`hlmsim.uncertainty.hinge`), or
    #: None without an ensemble.
    hinge: dict[str, Any] | None = field(default=None, repr=False)
    #: Each switching arrangement against keeping its start: the transition dip, the payback
    #: and the total (:func:`hlmsim.transitions.transition_table`); empty without a switch.
    transitions: pd.DataFrame = field(default_factory=pd.DataFrame)

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


def _run_batch(
    task: tuple[Scenario, str, int, int, tuple[str, ...], list[dict[str, Any]] | None],
) -> tuple[str, int, _Batch]:
    """Run one batch of BATCH replicates of one arrangement (in a worker process), each on its
    parameter set when ``sets`` is given, and reduce it there to what the comparison keeps (and
    the observables ``names`` for the targets)."""
    scen, arrangement, batch, seed, names, sets = task
    model = HLMModel(scen, seed=seed, agents=False, replicates=BATCH, param_sets=sets).run()
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


def set_means(finals: pd.DataFrame) -> pd.DataFrame:
    """The key outcomes averaged over the seeds of each parameter set: one row per
    (arrangement, set), the set in column ``replication`` (without a ``set`` column each
    replication is its own set and ``finals`` comes back as it is)."""
    if "set" not in finals or finals["set"].nunique() == finals["replication"].nunique():
        return finals
    cols = [c for c in KEY_OUTCOMES if c in finals]
    means = finals.groupby(["arrangement", "set"], sort=False)[cols].mean().reset_index()
    return means.rename(columns={"set": "replication"})


def summarise_finals(finals: pd.DataFrame, reference: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-arrangement means with CIs, and paired differences to ``reference`` with CIs. Over
    an ensemble the intervals are over parameter sets (each set's seeds averaged first: a set's
    seeds share its parameters, so they are not independent draws of the ensemble)."""
    rows, diffs = [], []
    finals = set_means(finals)
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


def _check_name(a: str, key: str) -> None:
    """A preset's name, or the one-line error naming the allowed ones."""
    if a not in ARRANGEMENTS:
        raise InputError(
            f"unknown arrangement '{a}'{suggest(a, ARRANGEMENTS)};"
            f" allowed: {', '.join(ARRANGEMENTS)} or a switch start>to@month",
            key=key,
        )


def _check_arrangements(arrangements: Sequence[str] | None, reference: str) -> list[str]:
    """The arrangements to run (the reference last when not listed), checked against the presets.
    A switching arrangement ``start>to@month`` brings its ``start`` (keeping it) when not
    listed, just before it."""
    chosen = list(arrangements) if arrangements else list(ARRANGEMENTS)
    if reference not in chosen:
        _check_name(reference, "--reference")
    for a in chosen:
        switch = parse_switch(a)
        if switch is None:
            _check_name(a, "--arrangements")
            continue
        _check_name(switch.start, "--arrangements")
        _check_name(switch.to, "--arrangements")
        if switch.start == switch.to:
            raise InputError(f"'{a}' switches to its own start", key="--arrangements")
        if switch.month < 1:
            raise InputError(f"'{a}': the switch month must be 1 or later", key="--arrangements")
    if len(set(chosen)) != len(chosen):
        raise InputError("each arrangement may appear once", key="--arrangements")
    for a in list(chosen):
        switch = parse_switch(a)
        if switch is not None and switch.start not in chosen:
            chosen.insert(chosen.index(a), switch.start)
    if reference not in chosen:
        chosen.append(reference)
    if len(chosen) < 2:
        raise InputError(
            f"give at least one arrangement besides the reference ({reference})",
            key="--arrangements",
        )
    return chosen


def arrangement_scenarios(base: Scenario, chosen: Sequence[str]) -> dict[str, Scenario]:
    """The scenario each arrangement runs: ``base`` with every milieu on that arrangement; for a
    switching arrangement ``start>to@month``, on ``start`` with the switch of every milieu to
    ``to`` scheduled in ``month`` (after the scenario's own events)."""
    data = base.model_dump()
    out = {}
    for a in chosen:
        switch = parse_switch(a)
        if switch is None:
            out[a] = validate(set_arrangement(data, a))
            continue
        if switch.month > base.months:
            raise InputError(
                f"'{a}': month {switch.month} is beyond the horizon ({base.months} months)",
                key="--arrangements",
            )
        event = {"month": switch.month, "kind": "arrangement_switch", "arrangement": switch.to}
        raw = set_arrangement(data, switch.start)
        try:
            out[a] = validate({**raw, "events": [*raw.get("events", []), event]})
        except InputError as err:  # the switch is refused (it would change the network)
            raise InputError(f"'{a}': {err.detail}", key="--arrangements") from None
    return out


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
    ensemble: Any = None,
    seeds_per_set: int = SEEDS_PER_SET,
    scheduler: Any = None,
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

    ``ensemble`` carries parameter uncertainty: ``"posterior"`` (the calibrated ensemble
    shipped with the package), ``"plausible"`` (every assumed parameter on its plausible
    range), ``"none"`` or None (every parameter at its default, as before), a path to an
    ensemble file, or an ensemble object (:mod:`hlmsim.calibrate.posterior`). Parameter sets
    are drawn by weight (from ``seed``), each run with ``seeds_per_set`` seeds: replication
    ``r`` runs set ``r // seeds_per_set``, and every arrangement the same sets and seeds. A
    value the scenario file sets, or the arrangement's preset, wins over a draw; a milieu's own
    setting wins over both. Intervals are then over parameter sets, and ``result.ranks``,
    ``result.spread`` and ``result.hinge`` say which arrangement holds up across them.

    ``scheduler`` (a Dask scheduler address such as ``tcp://host:8786``, or a
    ``distributed.Client``) runs the batches on a Dask cluster instead of the local pool, with
    the same results (each batch is seeded by its position, whoever runs it).
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
    if scheduler is not None and workers is not None:
        raise InputError(
            "give either --workers (a local pool) or --scheduler (a Dask cluster), not both",
            key="--scheduler",
        )
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
        most_batches = n_batches
    else:
        n_batches = min(2, math.ceil(cap / BATCH))
        n_tasks = math.ceil(cap / BATCH) * len(chosen)
        most_batches = math.ceil(cap / BATCH)
    worlds = ComparisonWorlds.make(ensemble, base, scenarios, seeds_per_set, most_batches, seed)

    # the targets' batches: those of a run that is an arrangement's run (same scenario, same
    # batch seeds) come from the comparison's first batches; the others are tasks of their own
    plan = None
    shared: dict[tuple[str, int], str] = {}  # (arrangement, batch) -> the target run it serves
    target_tasks: list[tuple[str, Any]] = []
    if targets:
        plan = targets_engine.plan_targets(scenario=base, replications=targets, seed=seed)
        # over an ensemble the comparison's runs have drawn parameters: none serves the targets
        shareable = scenarios if worlds.ensemble is None else {}
        by_hash = {scenario_hash(s): a for a, s in shareable.items()}
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
                    worlds.batch_sets(a, b),
                ),
            )
            for b in range(first, last)
            for a in chosen
        ]
        # the targets' own runs first: the longest tasks (a spin-up) start first
        tasks = extra + tasks
        launched = last
        total += len(tasks)
        if client is not None:
            from distributed import as_completed

            futures = client.map(_run_task, tasks, pure=False)
            mapper: Any = (f.result() for f in as_completed(futures))
        else:
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

    from .sweep.engine import dask_client

    ctx = mp_context()
    n_proc = 1 if scheduler is not None else min(workers, n_tasks)
    executor = ProcessPoolExecutor(max_workers=n_proc, mp_context=ctx) if n_proc > 1 else None
    stack = contextlib.ExitStack()
    client = stack.enter_context(dask_client(scheduler))
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
        stack.close()

    used = math.ceil(n_rep / BATCH)
    runs = _runs(results, chosen, used, n_rep)
    finals = _finals(results, chosen, n_rep)
    finals.insert(2, "set", finals["replication"] // worlds.seeds_per_set)
    summary, differences = summarise_finals(finals, reference)
    ranks = uncertainty.rank_table(finals, chosen)
    spread = uncertainty.spread_table(finals, chosen, reference)
    draws = worlds.draws(int(finals["set"].max()) + 1)
    transitions = transition_table(runs, finals, chosen)
    hinge = None
    if worlds.ensemble is not None:
        lead = uncertainty.leader(ranks)
        if lead is not None:
            hinge = uncertainty.hinge(finals, draws, chosen, lead, kinds=worlds.kinds)
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
            "executor": "dask" if client is not None else f"{n_proc} worker process(es)",
            "scenarios_by_arrangement": {a: scenario_hash(s) for a, s in scenarios.items()},
            "ensemble": worlds.metadata(base, draws),
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
    return CompareResult(
        runs,
        finals,
        summary,
        differences,
        meta,
        scenario=base,
        targets=measured,
        ranks=ranks,
        spread=spread,
        draws=draws,
        hinge=hinge,
        transitions=transitions,
    )


@dataclass
class ComparisonWorlds:
    """The parameter sets a comparison runs: none (every parameter at its default), or sets
    drawn from an ensemble, ``seeds_per_set`` replications each, filtered per arrangement (a
    value the scenario file or the arrangement's preset sets wins over a draw)."""

    ensemble: Any
    seeds_per_set: int
    sets: list[dict[str, Any]]
    by_arrangement: dict[str, list[dict[str, Any]]]
    kinds: dict[str, str]
    reference: str | None

    @classmethod
    def make(
        cls,
        ref: Any,
        base: Scenario,
        scenarios: dict[str, Scenario],
        seeds_per_set: int,
        batches: int,
        seed: int,
    ) -> ComparisonWorlds:
        from .calibrate.posterior import comparison_ensemble
        from .params import Params
        from .state import replicate_params

        ens = ref if hasattr(ref, "param_sets") else comparison_ensemble(ref, base)
        if ens is None:
            return cls(None, 1, [], {}, {}, None)
        k = seeds_per_set
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(
                f"must be a whole number of at least 1 (got {k!r})", key="--seeds-per-set"
            )
        sets = ens.param_sets(math.ceil(batches * BATCH / k), seed)
        own = set(base.params)
        by_arr = {
            a: [
                {p: v for p, v in s.items() if p not in own and p not in preset_keys(a)}
                for s in sets
            ]
            for a in scenarios
        }
        for a, scen in scenarios.items():  # a bad set fails here, in one line, before any run
            try:
                replicate_params(scen, len(by_arr[a]), by_arr[a])
            except InputError as err:
                raise InputError(
                    err.detail, source=getattr(ens, "source", None), key=err.key
                ) from None
        kinds = {
            p: "int" if Params.model_fields[p].annotation is int else "float"
            for p in ens.parameters
        }
        name = str(ref) if isinstance(ref, (str, Path)) else getattr(ens, "source", "ensemble")
        return cls(ens, int(k), sets, by_arr, kinds, name)

    def batch_sets(self, arrangement: str, batch: int) -> list[dict[str, Any]] | None:
        """The parameter sets of one batch's worlds (None without an ensemble)."""
        if self.ensemble is None:
            return None
        sets = self.by_arrangement[arrangement]
        return [sets[r // self.seeds_per_set] for r in range(batch * BATCH, (batch + 1) * BATCH)]

    def draws(self, n_sets: int) -> pd.DataFrame:
        """The first ``n_sets`` sets drawn, one row per set (index ``set``)."""
        if self.ensemble is None:
            return pd.DataFrame()
        return pd.DataFrame(self.sets[:n_sets]).rename_axis("set")

    def metadata(self, base: Scenario, draws: pd.DataFrame) -> dict[str, Any] | None:
        """What ``metadata.json`` records of the ensemble and of the sets drawn."""
        if self.ensemble is None:
            return None
        meta = dict(getattr(self.ensemble, "meta", {}) or {})
        calibrated = meta.get("scenario")
        if meta.get("scenario_hash"):  # the very scenario calibrated, not only its name
            same = meta["scenario_hash"] == scenario_hash(base)
        else:
            same = calibrated is None or calibrated == base.name
        return {
            "reference": self.reference,
            "kind": meta.get("kind", "ensemble"),
            "source": str(getattr(self.ensemble, "source", "")),
            "scenario_calibrated": calibrated,
            "same_scenario": same,
            "hlmsim_version": meta.get("hlmsim_version"),
            "command": meta.get("command"),
            "parameters": list(self.ensemble.parameters),
            "seeds_per_set": self.seeds_per_set,
            "sets": int(len(draws)),
            "draws": draws.reset_index().to_dict("records"),
        }


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
