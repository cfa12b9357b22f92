"""Replication helpers shared by every engine (comparison, pattern validation, sweeps): batch
seeds, checks of seeds, replication counts and worker counts, the process pool's start method,
confidence intervals of a mean, and the overall monthly series of a batch's replicates.

Replications run in batches of :data:`BATCH` independent worlds per model (one seed per batch,
see ``HLMModel(replicates=...)``), which amortises the per-month cost over the batch; a batch's
results do not depend on which process runs it, so results are the same whatever the number of
workers.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from .model import HLMModel

#: Independent replicates simulated together in one model.
BATCH = 10


def batch_seeds(seed: int, n_batches: int) -> list[int]:
    """Seeds of the first ``n_batches`` batches (a prefix-stable list derived from ``seed``)."""
    children = np.random.SeedSequence(int(seed)).spawn(n_batches)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def n_batches(replications: int) -> int:
    """Whole batches of :data:`BATCH` needed for ``replications`` (at least one)."""
    return max(1, math.ceil(replications / BATCH))


def check_replications(replications: Any) -> int:
    """A replication count: a whole number of at least 2."""
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)):
        raise InputError(
            f"must be a whole number of at least 2 (got {replications!r})", key="--replications"
        )
    if replications < 2:
        raise InputError(
            f"must be a whole number of at least 2 (got {replications})", key="--replications"
        )
    return int(replications)


def check_seed(seed: Any) -> int:
    """A seed: a non-negative whole number."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"must be a non-negative whole number (got {seed!r})", key="--seed")
    return int(seed)


def check_workers(workers: Any) -> int:
    """A number of worker processes (None: every core)."""
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"must be a whole number of at least 1 (got {workers!r})", key="--workers")
    return int(workers)


def mp_context() -> Any:
    """Worker processes are forked where the platform can (a plain script calling an engine then
    needs no ``if __name__ == "__main__"`` guard), spawned elsewhere."""
    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


#: Python warns that forking a multi-threaded process may deadlock the child: the threads here
#: are idle library pools (OpenBLAS, jemalloc), which register fork handlers, and hlmsim's own
#: kernel threads (``hlmsim.mechanisms._threads``), idle between kernels, which a child never
#: uses (it makes its own pool); the workers only run hlmsim.
FORK_WARNING = r".*use of fork\(\) may lead to deadlocks"


def pool_map(pool: ProcessPoolExecutor, fn: Callable[..., Any], tasks: list[Any]) -> Any:
    """``pool.map``, which forks the pool's processes on its first call, without the fork
    warning (see :data:`FORK_WARNING`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=FORK_WARNING)
        return pool.map(fn, tasks)


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, lower and upper bounds of the t-based confidence interval, and standard deviation
    (missing values ignored)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return (math.nan,) * 4
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan, math.nan
    from scipy import stats  # imported here: scipy.stats is slow to import

    sd = float(x.std(ddof=1))
    h = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))
    return m, m - h, m + h, sd


def overall_series(model: HLMModel) -> dict[str, np.ndarray]:
    """Each outcome's monthly series over all milieux of each replicate, ``{outcome:
    (replicates, months) float64}``: the ``all`` rows of ``model.timeseries(per_milieu=False)``,
    to the bit (the same sums over the same milieux in the same order), without building a
    frame month by month and replicate by replicate."""
    from .outcomes import OUTCOMES, stacker  # imported here: the model's kernels come with it

    recs = model.records
    months_of = stacker(recs)
    R, T = model.replicates, len(recs)
    rep = np.asarray(model.layout.replicate)
    cols = [np.flatnonzero(rep == r) for r in range(R)]
    stacked: dict[str, np.ndarray] = {}

    def block(key: str) -> np.ndarray:  # (months, milieux)
        if key not in stacked:
            stacked[key] = months_of(key) if T else np.zeros((0, len(rep)))
        return stacked[key]

    out = {name: np.empty((R, T)) for name in OUTCOMES}

    def part(key: str, c: np.ndarray) -> np.ndarray:
        # (months, milieux of one replicate), C-contiguous: NumPy sums each row pairwise, as it
        # sums a month's 1-D array (a strided row would be summed one value after the other)
        return np.ascontiguousarray(block(key)[:, c])

    for r, c in enumerate(cols):
        weights = {"households": part("households", c)}
        for name, o in OUTCOMES.items():
            v = part(name, c)
            if o.weight == "sum":
                out[name][r] = v.sum(axis=1)
                continue
            if o.weight not in weights:
                key = {"hard_to_reach": "_n_hard_to_reach"}.get(o.weight, o.weight)
                weights[o.weight] = part(key, c)
            w = weights[o.weight]
            ok = ~np.isnan(v) & (w > 0)
            full = ok.all(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                row = (v * w).sum(axis=1) / w.sum(axis=1)
            for t in np.flatnonzero(~full):  # months with a milieu left out
                k = ok[t]
                row[t] = np.sum(v[t][k] * w[t][k]) / np.sum(w[t][k]) if k.any() else np.nan
            out[name][r] = row
    return out


def overall_frame(model: HLMModel) -> pd.DataFrame:
    """``model.timeseries(per_milieu=False)`` of a one-replicate model, to the bit, from
    :func:`overall_series` (about ten times cheaper than building the tidy table)."""
    import pandas as pd

    if model.replicates != 1:
        raise ValueError("overall_frame needs a model of one replicate")
    series = overall_series(model)
    months = np.arange(1, len(model.records) + 1, dtype="int64")
    return pd.DataFrame({"month": months, "milieu": "all", **{k: v[0] for k, v in series.items()}})
