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
import math
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .arrangements import ARRANGEMENTS
from .errors import InputError
from .model import HLMModel
from .outcomes import DERIVED, OUTCOMES
from .params import Scenario
from .run import metadata as run_metadata
from .scenario import load_scenario, validate

#: Independent replicates simulated together in one model.
BATCH = 10
#: Upper bound on replications in precision mode.
MAX_REPLICATIONS = 500
#: Key outcomes of the comparison, with the direction that is better (+1 higher, -1 lower).
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
    "time_to_maturity": -1,
}
MATURITY = {
    "en": "Time to maturity (needs met)",
    "fr": "Délai de maturité (besoins répondus)",
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
    outcome), ``differences`` (paired differences to the reference, with 95% CI)."""

    runs: pd.DataFrame
    finals: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return int(self.metadata["replications"])


def batch_seeds(seed: int, n_batches: int) -> list[int]:
    """Seeds of the first ``n_batches`` batches (a prefix-stable list derived from ``seed``)."""
    children = np.random.SeedSequence(int(seed)).spawn(n_batches)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def maturity_month(series: np.ndarray, share: float = 0.9) -> float:
    """First month at which the 12-month moving mean reaches ``share`` of the final-year mean."""
    x = np.asarray(series, dtype=float)
    if len(x) < 12:
        return float("nan")
    final = x[-12:].mean()
    if not np.isfinite(final) or final <= 0:
        return float("nan")
    rolling = np.convolve(x, np.ones(12) / 12, mode="valid")  # rolling[i] ends at month i + 12
    hit = np.flatnonzero(rolling >= share * final)
    return float(hit[0] + 12) if len(hit) else float("nan")


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
    out["time_to_maturity"] = maturity_month(ts["needs_met"].to_numpy(dtype=float))
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
                    "better": "higher" if better > 0 else "lower",
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
    """True when every key paired difference's CI half-width is within the target."""
    value, relative = target
    col = "relative_half_width" if relative else "half_width"
    hw = differences[col].to_numpy(dtype=float)
    if len(hw) == 0:
        return True
    hw = np.where(np.isnan(hw), 0.0, hw)  # outcomes undefined in both arms cannot improve
    return bool(np.all(hw <= value))


def _check_arrangements(arrangements: Sequence[str] | None, reference: str) -> list[str]:
    chosen = list(arrangements) if arrangements else list(ARRANGEMENTS)
    for a in [*chosen, reference]:
        if a not in ARRANGEMENTS:
            import difflib

            close = difflib.get_close_matches(a, list(ARRANGEMENTS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InputError(
                f"unknown arrangement '{a}'{hint}; allowed: {', '.join(ARRANGEMENTS)}",
                key="--arrangements",
            )
    if len(set(chosen)) != len(chosen):
        raise InputError("each arrangement may appear once", key="--arrangements")
    if reference not in chosen:
        chosen.append(reference)
    return chosen


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

    Give ``replications`` (at least 2; default 100), or ``precision`` ("0.5" in the outcomes'
    units or "5%" relative to the larger of the two arms' means) to add batches until every key
    paired difference's 95% CI half-width meets it (at most ``max_replications``).
    ``progress(done, total)`` is called as batches finish.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    chosen = _check_arrangements(arrangements, reference)
    target = parse_precision(precision)
    if replications is not None and target is not None:
        raise InputError("give either --replications or --precision, not both", key="--precision")
    if replications is None and target is None:
        replications = 100
    if replications is not None and (not isinstance(replications, int) or replications < 2):
        raise InputError(
            f"must be a whole number of at least 2 (got {replications!r})", key="--replications"
        )
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"must be a non-negative integer (got {seed!r})", key="--seed")
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise InputError(f"must be at least 1 (got {workers})", key="--workers")
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    scenarios = {
        a: validate(
            {
                **base.model_dump(),
                "arrangement": a,
                "milieux": [{**m, "arrangement": None} for m in base.model_dump()["milieux"]],
            }
        )
        for a in chosen
    }

    results: dict[tuple[str, int], pd.DataFrame] = {}
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx) if workers > 1 else None

    def run_batches(first: int, last: int, total_batches: int) -> None:
        seeds = batch_seeds(seed, last)
        tasks = [(scenarios[a], a, b, seeds[b]) for b in range(first, last) for a in chosen]
        done = len(results)
        mapper = executor.map(_run_batch, tasks) if executor else map(_run_batch, tasks)
        for a, b, ts in mapper:
            results[(a, b)] = ts
            done += 1
            if progress:
                progress(done, total_batches * len(chosen))

    try:
        if target is None:
            n_batches = math.ceil(replications / BATCH)
            run_batches(0, n_batches, n_batches)
            n_rep = replications
        else:
            cap = max(2, max_replications)
            n_batches, step = 2, max(1, workers // len(chosen)) if workers > len(chosen) else 1
            run_batches(0, n_batches, n_batches)
            while True:
                n_rep = min(n_batches * BATCH, cap)
                finals = _finals(results, chosen, n_rep)
                _, diffs = summarise_finals(finals, reference)
                if precision_met(diffs, target) or n_rep >= cap:
                    break
                new = min(n_batches + step, math.ceil(cap / BATCH))
                run_batches(n_batches, new, new)
                n_batches = new
    finally:
        if executor:
            executor.shutdown()

    runs = pd.concat(
        [results[(a, b)] for a in chosen for b in range(math.ceil(n_rep / BATCH))],
        ignore_index=True,
    )
    runs = runs[runs["replication"] < n_rep].reset_index(drop=True)
    finals = _finals(results, chosen, n_rep)
    summary, differences = summarise_finals(finals, reference)
    meta = run_metadata(base, seed, started)
    meta.update(
        {
            "arrangements": chosen,
            "reference": reference,
            "replications": n_rep,
            "batch_size": BATCH,
            "batch_seeds": batch_seeds(seed, math.ceil(n_rep / BATCH)),
            "precision": None
            if target is None
            else {
                "value": target[0],
                "relative": target[1],
                "met": precision_met(differences, target),
                "max_replications": max_replications,
            },
            "workers": workers,
            "scenarios_by_arrangement": {
                a: run_metadata(s, seed, started)["scenario_hash"] for a, s in scenarios.items()
            },
        }
    )
    return CompareResult(runs, finals, summary, differences, meta)


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
