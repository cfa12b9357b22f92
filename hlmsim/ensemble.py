"""Runs over parameter ensembles: one world per parameter set, simulated in batches.

Calibration draws tens of thousands of parameter sets, and a comparison that carries parameter
uncertainty runs each replication on its own set. :func:`run_ensemble` runs one world per set,
:data:`~hlmsim.replication.BATCH` sets per model (``HLMModel(param_sets=...)``: one vectorised
pass a month for the whole batch), batch ``b`` seeded with ``batch_seeds(seed, n)[b]``, on a
pool of worker processes; it returns, for each set, its observables
(:mod:`hlmsim.observables`) and the final-year values of the key outcomes.

A set is applied like ``load_scenario``'s parameter overrides: above the arrangement's preset,
below a milieu's own settings. The results depend on the scenario, the sets (and their order) and
the seed, never on the number of workers. Sets in the same batch share the batch's random streams
(each household draws its own numbers), so a set's world depends on its place in the ensemble:
use the same ensemble and seed to reproduce it.

The engine returns an :class:`EnsembleResult` and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .model import HLMModel
from .observables import OBSERVABLES, observe
from .outcomes import KEY_OUTCOMES, OUTCOMES, final_values
from .params import Scenario
from .replication import BATCH, batch_seeds, check_seed, check_workers, mp_context, pool_map
from .scenario import load_scenario, scenario_hash
from .state import replicate_params


@dataclass
class EnsembleResult:
    """One row per parameter set (``table``: ``set``, ``batch``, ``seed``, the set's parameters,
    then its observables and final-year key outcomes), and ``metadata``."""

    table: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)


def _run_batch(
    task: tuple[Scenario, int, int, list[dict[str, Any]], tuple[str, ...], bool],
) -> tuple[int, pd.DataFrame]:
    """One batch of parameter sets (in a worker process): observables and final-year values."""
    scen, b, seed, sets, names, outcomes = task
    model = HLMModel(scen, seed=seed, agents=False, replicates=len(sets), param_sets=sets).run()
    cols: dict[str, Any] = {}
    if names:
        cols.update(observe(model, list(names)))
    if outcomes:
        ts = model.timeseries(per_milieu=False)
        # a model of one world has no replicate column (a batch of one set)
        by_rep = [g for _, g in ts.groupby("replicate", sort=True)] if "replicate" in ts else [ts]
        series = {
            k: np.stack([g[k].to_numpy(dtype=float) for g in by_rep])
            for k in ts.columns
            if k in OUTCOMES
        }
        cols.update(final_values(series, KEY_OUTCOMES))
    return b, pd.DataFrame(cols)


def run_ensemble(
    scenario: Scenario | str,
    param_sets: Sequence[Mapping[str, Any]],
    seed: int = 0,
    workers: int | None = 1,
    observables: Sequence[str] | None = None,
    outcomes: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> EnsembleResult:
    """Run one world of ``scenario`` per parameter set; return each set's observables (all of
    :data:`~hlmsim.observables.OBSERVABLES` by default, none with ``observables=[]``) and, with
    ``outcomes``, the final-year values of the key outcomes. ``progress(done, total)`` is called
    as batches finish."""
    t0 = time.perf_counter()
    scen = load_scenario(scenario) if isinstance(scenario, str) else scenario
    seed = check_seed(seed)
    workers = check_workers(workers)
    sets = [dict(p) for p in param_sets]
    if not sets:
        raise InputError("give at least one parameter set", key="param_sets")
    replicate_params(scen, len(sets), sets)  # every set checked before anything runs
    names = tuple(OBSERVABLES) if observables is None else tuple(observables)
    unknown = [n for n in names if n not in OBSERVABLES]
    if unknown:
        raise InputError(
            f"unknown observable {unknown[0]!r}; allowed: {', '.join(OBSERVABLES)}",
            key="observables",
        )
    chunks = [sets[i : i + BATCH] for i in range(0, len(sets), BATCH)]
    seeds = batch_seeds(seed, len(chunks))
    tasks = [(scen, b, seeds[b], chunk, names, outcomes) for b, chunk in enumerate(chunks)]
    parts: dict[int, pd.DataFrame] = {}
    n_proc = min(workers, len(tasks))
    executor = (
        ProcessPoolExecutor(max_workers=n_proc, mp_context=mp_context()) if n_proc > 1 else None
    )
    try:
        mapper = pool_map(executor, _run_batch, tasks) if executor else map(_run_batch, tasks)
        for done, (b, frame) in enumerate(mapper, start=1):
            parts[b] = frame
            if progress:
                progress(done, len(tasks))
    finally:
        if executor:
            executor.shutdown(wait=True, cancel_futures=True)
    frames = []
    for b, chunk in enumerate(chunks):
        head = pd.DataFrame(chunk)
        head.insert(0, "seed", seeds[b])
        head.insert(0, "batch", b)
        head.insert(0, "set", np.arange(b * BATCH, b * BATCH + len(chunk)))
        frames.append(pd.concat([head, parts[b]], axis=1))
    table = pd.concat(frames, ignore_index=True)
    meta = {
        "scenario_name": scen.name,
        "scenario_hash": scenario_hash(scen),
        "sets": len(sets),
        "seed": seed,
        "batch_size": BATCH,
        "batch_seeds": seeds,
        "workers": workers,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return EnsembleResult(table, meta)
