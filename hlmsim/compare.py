"""Comparing arrangements: paired replications under common random numbers.

Every chosen arrangement runs on the same scenario with the same list of seeds, so replication i
of arrangement A and of the reference face the same households, need arrivals, move-outs and
crises: their difference is the arrangement's effect plus the noise of the mechanisms it changes,
not of the world it runs in. Replications run in batches of :data:`BATCH` independent worlds per
model (one seed per batch, see ``HLMModel(replicates=...)``), which amortises the per-month cost
over the batch; a batch's results do not depend on which process runs it, so results are the same
whatever the number of workers.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import multiprocessing as mp
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .arrangements import ARRANGEMENTS
from .errors import InputError
from .model import HLMModel
from .outcomes import DERIVED, OUTCOMES
from .outdir import check_out_dir, write_atomically
from .params import Scenario
from .run import metadata as run_metadata
from .run import write_json
from .scenario import load_scenario, scenario_hash, set_arrangement, validate

#: Independent replicates simulated together in one model.
BATCH = 10
#: Upper bound on replications in precision mode.
MAX_REPLICATIONS = 500
#: Key outcomes of the comparison, with the direction that is better (+1 higher, -1 lower, 0 for
#: a descriptive outcome: an arrangement that changes nothing "matures" at once).
KEY_OUTCOMES: dict[str, int] = {
    "needs_met": +1,
    "needs_met_share": +1,
    "needs_unmet": -1,
    "time_to_meet": -1,
    "reached": +1,
    "hard_to_reach_reached": +1,
    "service_use": +1,
    "isolation": -1,
    "engagement": +1,
    "security": +1,
    "health_network_image": +1,
    "trust_worker": +1,
    "inter_org_trust": +1,
    "cost": -1,
    "cost_per_need_met": -1,
    "time_to_maturity": 0,
}
MATURITY = {
    "en": "Time to maturity (unmet needs)",
    "fr": "Délai de maturité (besoins non répondus)",
}


def outcome_label(name: str, lang: str = "en") -> str:
    """The outcome's label in English or French."""
    if name == "time_to_maturity":
        return MATURITY["fr" if lang == "fr" else "en"]
    o = OUTCOMES.get(name) or DERIVED[name]
    return o.fr if lang == "fr" else o.en


def outcome_unit(name: str) -> str:
    """The unit of a key outcome's final-year value."""
    if name == "time_to_maturity":
        return "months"
    o = OUTCOMES.get(name) or DERIVED[name]
    return o.unit.replace("/ month", "/ year") if o.final == "sum" else o.unit


@dataclass
class CompareResult:
    """A comparison: ``runs`` (every run's monthly overall series), ``finals`` (one row per run:
    final-year value of each key outcome), ``summary`` (mean and 95% CI per arrangement and
    outcome), ``differences`` (paired differences to the reference, with 95% CI), ``metadata``
    (what reproduces it) and ``scenario`` (the base scenario, not written)."""

    runs: pd.DataFrame
    finals: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = field(default=None, repr=False)

    @property
    def replications(self) -> int:
        return int(self.metadata["replications"])

    @property
    def arrangements(self) -> list[str]:
        return list(self.metadata["arrangements"])

    @property
    def reference(self) -> str:
        return str(self.metadata["reference"])

    def write(self, out: str | Path, lang: str = "en") -> Path:
        """Write report.html, figures/, runs.parquet, summary.csv, differences.csv, finals.csv
        and metadata.json into ``out``, atomically (a temporary folder renamed into place)."""
        return write_compare(self, Path(out), lang)


#: What a comparison folder holds (``figures`` is a folder of the report's PNG files).
COMPARE_FILES = frozenset(
    {
        "report.html",
        "figures",
        "runs.parquet",
        "summary.csv",
        "differences.csv",
        "finals.csv",
        "metadata.json",
    }
)


def check_compare_dir(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding more than a comparison's files
    (writing replaces the whole folder)."""
    from .report import FIGURES

    check_out_dir(out, COMPARE_FILES, {"figures": FIGURES.values()}, what="a comparison")


def write_compare(result: CompareResult, out: Path, lang: str = "en") -> Path:
    """Write a comparison's files into ``out``: into a temporary sibling folder first, which
    replaces ``out`` only when complete. A folder holding other files is never replaced."""
    from .report import write_report

    if lang not in ("en", "fr"):
        raise InputError(f"must be en or fr (got {lang!r})", key="--lang")
    out = Path(out)
    check_compare_dir(out)

    def fill(tmp: Path) -> None:
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        result.summary.to_csv(tmp / "summary.csv", index=False)
        result.differences.to_csv(tmp / "differences.csv", index=False)
        result.finals.to_csv(tmp / "finals.csv", index=False)
        write_json(tmp / "metadata.json", {**result.metadata, "lang": lang})
        write_report(result, tmp, lang)

    write_atomically(out, fill)
    return out


def batch_seeds(seed: int, n_batches: int) -> list[int]:
    """Seeds of the first ``n_batches`` batches (a prefix-stable list derived from ``seed``)."""
    children = np.random.SeedSequence(int(seed)).spawn(n_batches)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def maturity_month(series: np.ndarray, share: float = 0.9) -> float:
    """First month at which the 12-month moving mean has covered ``share`` of its change from
    the first year (months 1-12) to the final year: month 12 for a series that does not change;
    NaN for a series shorter than a year or with missing values."""
    x = np.asarray(series, dtype=float)
    if len(x) < 12:
        return float("nan")
    rolling = np.convolve(x, np.ones(12) / 12, mode="valid")  # rolling[i] ends at month i + 12
    if not np.isfinite(rolling).all():
        return float("nan")
    start, change = rolling[0], rolling[-1] - rolling[0]
    if abs(change) <= 1e-9 * max(1.0, abs(start)):
        return 12.0
    covered = (rolling - start) / change
    hit = np.flatnonzero(covered >= share * (1 - 1e-12))  # rounding in the sums
    return float(hit[0] + 12)


def final_values(ts: pd.DataFrame) -> dict[str, float]:
    """Final-year key outcomes of one run's overall monthly series (months ascending)."""
    last = ts.iloc[-12:]
    out: dict[str, float] = {}
    for name in KEY_OUTCOMES:
        if name in ("needs_met_share", "cost_per_need_met", "time_to_maturity", "time_to_meet"):
            continue
        v = last[name].to_numpy(dtype=float)
        out[name] = float(v.sum()) if OUTCOMES[name].final == "sum" else float(np.mean(v))
    met = last["needs_met"].to_numpy(dtype=float)
    ttm = last["time_to_meet"].to_numpy(dtype=float)
    ok = ~np.isnan(ttm)
    out["time_to_meet"] = (
        float(np.sum(ttm[ok] * met[ok]) / met[ok].sum()) if met[ok].sum() else math.nan
    )
    closed = out["needs_met"] + float(last["needs_abandoned"].sum())
    out["needs_met_share"] = out["needs_met"] / closed if closed else math.nan
    out["cost_per_need_met"] = out["cost"] / out["needs_met"] if out["needs_met"] else math.nan
    out["time_to_maturity"] = maturity_month(ts["needs_unmet"].to_numpy(dtype=float))
    return {k: out[k] for k in KEY_OUTCOMES}


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


def _mp_context() -> Any:
    """Worker processes are forked where the platform can (a plain script calling
    :func:`compare` then needs no ``if __name__ == "__main__"`` guard), spawned elsewhere."""
    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _map(pool: ProcessPoolExecutor, fn: Callable[..., Any], tasks: list[Any]) -> Any:
    """``pool.map``, which forks the pool's processes on its first call. Python warns that
    forking a multi-threaded process may deadlock the child: the threads here are idle library
    pools (OpenBLAS, jemalloc), which register fork handlers, and the workers only run hlmsim."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks")
        return pool.map(fn, tasks)


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, lower and upper bounds of the t-based confidence interval, and standard deviation."""
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
        mapper = _map(pool, _run_batch, tasks) if pool else map(_run_batch, tasks)
        for a, b, ts in mapper:
            results[(a, b)] = ts
            done += 1
            if progress:
                progress(done, launched * len(chosen))

    ctx = _mp_context()
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
                            **final_values(g),
                        }
                    )
            b += 1
    return pd.DataFrame(rows)
