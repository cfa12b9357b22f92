"""Comparing arrangements: paired replications under common random numbers.

Every chosen arrangement runs on the same scenario with the same list of seeds, so replication i
of arrangement A and of the reference face the same households, need arrivals, move-outs and
crises: their difference is the arrangement's effect plus the noise of the mechanisms it changes,
not of the world it runs in. Replications run in batches of :data:`BATCH` independent worlds per
model (see :mod:`hlmsim.replication`); results are the same whatever the number of workers.

The engine returns a :class:`CompareResult`; :func:`hlmsim.reporting.write_compare` writes its
files and report (engines import no reporting code).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .arrangements import ARRANGEMENTS
from .errors import InputError
from .model import HLMModel
from .outcomes import KEY_OUTCOMES, final_values, outcome_unit
from .params import Scenario
from .replication import (
    BATCH,
    batch_seeds,
    check_replications,
    check_seed,
    check_workers,
    mean_ci,
    mp_context,
    pool_map,
)
from .run import metadata as run_metadata
from .scenario import load_scenario, scenario_hash, set_arrangement, validate

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


def _run_batch(task: tuple[Scenario, str, int, int]) -> tuple[str, int, pd.DataFrame]:
    """Run one batch of BATCH replicates of one arrangement (in a worker process)."""
    scen, arrangement, batch, seed = task
    model = HLMModel(scen, seed=seed, agents=False, replicates=BATCH).run()
    ts = model.timeseries(per_milieu=False).drop(columns=["milieu"])
    ts = ts.rename(columns={"replicate": "replication"})
    ts["replication"] += batch * BATCH
    ts.insert(0, "seed", seed)
    ts.insert(0, "arrangement", arrangement)
    return arrangement, batch, ts


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
) -> CompareResult:
    """Run every arrangement on the same scenario and seeds; return runs, summary, differences.

    Give ``replications`` (at least 2; default 100), or ``precision`` ("0.5" in each outcome's
    unit or "5%" relative to the larger of the two arms' means) to add batches of :data:`BATCH`
    until every key paired difference's 95% CI half-width meets it (at most
    ``max_replications``). Precision mode stops at the first batch count (from 2 batches) that
    meets the target; with more workers than arrangements it runs the next batches ahead, but
    the stopping point and the results do not depend on ``workers``.
    ``progress(done, total)`` is called as batches finish.
    """
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
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    scenarios = arrangement_scenarios(base, chosen)

    results: dict[tuple[str, int], pd.DataFrame] = {}
    launched = 0  # batches launched (per arrangement)

    def run_batches(first: int, last: int, pool: ProcessPoolExecutor | None) -> None:
        nonlocal launched
        seeds = batch_seeds(seed, last)
        tasks = [(scenarios[a], a, b, seeds[b]) for b in range(first, last) for a in chosen]
        launched = last
        done = len(results)
        mapper = pool_map(pool, _run_batch, tasks) if pool else map(_run_batch, tasks)
        for a, b, ts in mapper:
            results[(a, b)] = ts
            done += 1
            if progress:
                progress(done, launched * len(chosen))

    ctx = mp_context()
    if target is None:
        n_batches = math.ceil(replications / BATCH)
        n_tasks = n_batches * len(chosen)
    else:
        n_batches = min(2, math.ceil(cap / BATCH))
        n_tasks = math.ceil(cap / BATCH) * len(chosen)
    n_proc = min(workers, n_tasks)
    executor = ProcessPoolExecutor(max_workers=n_proc, mp_context=ctx) if n_proc > 1 else None
    try:
        run_batches(0, n_batches, executor)
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
                    run_batches(launched, last, executor)
    finally:
        if executor:
            executor.shutdown(wait=True, cancel_futures=True)

    used = math.ceil(n_rep / BATCH)
    runs = pd.concat([results[(a, b)] for a in chosen for b in range(used)], ignore_index=True)
    runs = runs[runs["replication"] < n_rep].reset_index(drop=True)
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
    return CompareResult(runs, finals, summary, differences, meta, scenario=base)


def _finals(
    results: dict[tuple[str, int], pd.DataFrame], chosen: list[str], n_rep: int
) -> pd.DataFrame:
    rows = []
    for a in chosen:
        b = 0
        while (a, b) in results and b * BATCH < n_rep:
            for rep, g in results[(a, b)].groupby("replication", sort=True):
                if rep < n_rep:
                    rows.append(
                        {
                            "arrangement": a,
                            "replication": int(rep),
                            "seed": int(g["seed"].iloc[0]),
                            **final_values(g, KEY_OUTCOMES),
                        }
                    )
            b += 1
    return pd.DataFrame(rows)
