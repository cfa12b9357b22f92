"""``hlmsim targets``'s engine: the model's observables against the catalogue's targets.

Every target is measured on a run of its scenario (or of the scenario given to
:func:`run_targets`) with its arrangement; the runs a set of targets needs are grouped (targets
on the same resolved scenario share a run) and replicated in batches of :data:`BATCH`
independent worlds per model with the same batch seeds for every run (common random numbers): a
contrast of an arrangement with its ``versus`` arrangement pairs replicate r of both arms. A
batch's results do not depend on which process runs it, so results are the same whatever the
number of workers.

For each target: the model's value per replicate (for a contrast, the ratio, the odds ratio of
the two shares or the difference, per replicate pair), its mean and the 95% CI of the mean, the
target's range, a standardised distance (0 at the target value, -1 and +1 at the range's ends,
each side scaled by its own half-width) and a verdict: ``inside`` when the model's mean lies in
the range, ``outside`` when not, ``undefined`` when the model cannot give the value.

``--quick`` cuts replications only: the targets are measured over the scenario's whole horizon
(most are ten-year figures), never on a shorter run.

The engine returns a :class:`TargetsResult`; :func:`hlmsim.reporting.targets.write_targets`
writes its files and report (engines import no reporting code).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import HLMModel
from ..observables import OBSERVABLES, observe
from ..params import Scenario
from ..replication import (
    BATCH,
    batch_seeds,
    check_replications,
    check_seed,
    check_workers,
    mean_ci,
    mp_context,
    n_batches,
    pool_map,
)
from ..scenario import load_scenario, scenario_hash, set_arrangement, validate
from .catalogue import (
    Catalogue,
    Target,
    check_role,
    load_catalogue,
    scenario_path,
    shipped_catalogue_path,
)

#: Replications per run by default, and with ``quick``.
REPLICATIONS = 30
QUICK_REPLICATIONS = 10
#: Verdicts, in the order reports list them.
VERDICTS = ("inside", "outside", "undefined")

#: Columns of :attr:`TargetsResult.table`, in order (``targets.csv`` adds texts to them).
COLUMNS = (
    "id",
    "role",
    "observable",
    "unit",
    "scenario",
    "arrangement",
    "spin_up_months",
    "versus",
    "contrast",
    "value",
    "low",
    "high",
    "sd",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "model_sd",
    "distance",
    "distance_ci_low",
    "distance_ci_high",
    "verdict",
    "applicability",
    "run",
    "versus_run",
)


@dataclass
class TargetsResult:
    """The targets' results: ``table`` (one row per target, :data:`COLUMNS`), ``values`` (each
    target's per-replicate model values, NaN where undefined), ``catalogue`` (the targets run, in
    catalogue order) and ``metadata`` (what reproduces it, and the time taken)."""

    table: pd.DataFrame
    values: dict[str, np.ndarray]
    catalogue: Catalogue
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return int(self.metadata["replications"])

    def target(self, target_id: str) -> Target:
        return self.catalogue.get(target_id)

    def counts(self, role: str) -> dict[str, int]:
        """Targets of ``role`` by verdict (every verdict present, zero or more)."""
        rows = self.table[self.table["role"] == role]
        return {v: int((rows["verdict"] == v).sum()) for v in VERDICTS}


# --- arithmetic ---------------------------------------------------------------------------------


def contrast_values(kind: str, arm: np.ndarray, versus: np.ndarray) -> np.ndarray:
    """Per replicate pair: ``arm / versus`` (ratio), the odds ratio of two shares, or
    ``arm - versus`` (difference); NaN where undefined (a zero denominator, a share of 0 or 1
    in the odds)."""
    a = np.asarray(arm, dtype=float)
    b = np.asarray(versus, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "difference":
            out = a - b
        elif kind == "ratio":
            out = a / b
        elif kind == "odds_ratio":
            out = (a / (1 - a)) / (b / (1 - b))
        else:
            raise ValueError(f"unknown contrast {kind!r}")
    return np.where(np.isfinite(out), out, np.nan)


def standardised(x: float, value: float, low: float, high: float) -> float:
    """``x`` on the target's standardised scale: 0 at ``value``, -1 at ``low``, +1 at ``high``
    (each side scaled by its own half-width; a side of zero width takes half the range)."""
    if not math.isfinite(x):
        return math.nan
    half = (high - value) if x >= value else (value - low)
    if not half > 0:
        half = (high - low) / 2
    return (x - value) / half


def verdict(mean: float, low: float, high: float) -> str:
    """``inside`` when ``mean`` lies in [low, high], ``outside`` when not, ``undefined`` for NaN."""
    if not math.isfinite(mean):
        return "undefined"
    return "inside" if low <= mean <= high else "outside"


def target_row(t: Target, values: np.ndarray) -> dict[str, Any]:
    """One target's row of :attr:`TargetsResult.table` (run columns excepted)."""
    low, high = t.range_low, t.range_high
    m, lo, hi, sd = mean_ci(values)
    return {
        "id": t.id,
        "role": t.role,
        "observable": t.observable,
        "unit": "ratio"
        if t.contrast in ("ratio", "odds_ratio")
        else OBSERVABLES[t.observable].unit,
        "value": t.value,
        "low": low,
        "high": high,
        "sd": t.sd if t.sd is not None else math.nan,
        "n": int(np.sum(np.isfinite(values))),
        "mean": m,
        "ci_low": lo,
        "ci_high": hi,
        "model_sd": sd,
        "distance": standardised(m, t.value, low, high),
        "distance_ci_low": standardised(lo, t.value, low, high),
        "distance_ci_high": standardised(hi, t.value, low, high),
        "verdict": verdict(m, low, high),
        "applicability": t.applicability,
        "contrast": t.contrast or "",
        "versus": t.versus or "",
    }


# --- runs ---------------------------------------------------------------------------------------


def arrangement_of(scen: Scenario) -> str:
    """The arrangement a scenario runs (``a+b`` when its milieux differ)."""
    names = sorted({m.arrangement or scen.arrangement for m in scen.milieux})
    return "+".join(names)


def _run_batch(task: tuple[str, int, Scenario, int, tuple[str, ...]]) -> Any:
    """One batch of BATCH replicates of one run (in a worker process): its observables."""
    run, batch, scen, seed, names = task
    model = HLMModel(scen, seed=seed, agents=False, replicates=BATCH).run()
    return run, batch, observe(model, list(names))


def _base_scenarios(
    targets: Sequence[Target], catalogue: Catalogue, scenario: Scenario | str | Path | None
) -> dict[str, Scenario]:
    """Each target's base scenario by the catalogue's name (all the same one when given)."""
    if scenario is not None:
        base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        return {t.scenario: base for t in targets}
    out: dict[str, Scenario] = {}
    for t in targets:
        if t.scenario not in out:
            path = scenario_path(t.scenario, catalogue.folder)
            if path is None:  # checked by the loader; a file removed since
                raise InputError(
                    f"unknown scenario {t.scenario!r}", source=catalogue.source, key=t.id
                )
            out[t.scenario] = load_scenario(path)
    return out


def plan_runs(
    catalogue: Catalogue, scenario: Scenario | str | Path | None = None
) -> tuple[dict[str, Scenario], dict[str, tuple[str, str | None]]]:
    """The runs the targets need: ``runs`` (run id -> scenario, one per distinct resolved
    scenario) and, per target, the run ids of its arm and of its ``versus`` arm (or None)."""
    targets = list(catalogue)
    bases = _base_scenarios(targets, catalogue, scenario)
    runs: dict[str, Scenario] = {}
    by_hash: dict[str, str] = {}

    def run_of(base: Scenario, arrangement: str | None, spin_up: int | None) -> str:
        scen = base
        if arrangement is not None or spin_up is not None:
            data = base.model_dump()
            if arrangement is not None:
                data = set_arrangement(data, arrangement)
            if spin_up is not None:
                data["spin_up_months"] = spin_up
            scen = validate(data)
        h = scenario_hash(scen)
        if h not in by_hash:
            by_hash[h] = f"r{len(runs) + 1}"
            runs[by_hash[h]] = scen
        return by_hash[h]

    arms = {}
    for t in targets:
        base = bases[t.scenario]
        arms[t.id] = (
            run_of(base, t.arrangement, t.spin_up_months),
            run_of(base, t.versus, t.spin_up_months) if t.versus is not None else None,
        )
    return runs, arms


def _file_hash(path: Path | None) -> str | None:
    """The first 16 hex digits of the SHA-256 of a catalogue file."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return None


@dataclass
class TargetsPlan:
    """What :func:`run_targets` runs: the runs the chosen targets need (``runs``, ``arms``), the
    observables each run measures (``names``), and the batches (``seeds``: one per batch, the
    same for every run). :meth:`tasks` lists the batches to run (``_run_batch``'s tasks) and
    :meth:`result` assembles their observables; :func:`hlmsim.compare.compare` shares the
    batches of runs it already makes this way."""

    chosen: Catalogue
    catalogue: Catalogue
    runs: dict[str, Scenario]
    arms: dict[str, tuple[str, str | None]]
    names: dict[str, tuple[str, ...]]
    seeds: list[int]
    replications: int
    role: str
    quick: bool
    seed: int
    scenario: Scenario | str | Path | None
    started: str = ""

    @property
    def batches(self) -> int:
        return len(self.seeds)

    def tasks(self, skip: Any = ()) -> list[tuple[str, int, Scenario, int, tuple[str, ...]]]:
        """``_run_batch``'s tasks, batch by batch, except the (run, batch) pairs in ``skip``."""
        return [
            (r, b, scen, self.seeds[b], self.names[r])
            for b in range(self.batches)
            for r, scen in self.runs.items()
            if (r, b) not in skip
        ]

    def result(
        self, raw: dict[tuple[str, int], dict[str, np.ndarray]], workers: int, seconds: float
    ) -> TargetsResult:
        """The targets' results from every batch's observables, ``raw[(run, batch)]``."""
        nb, replications = self.batches, self.replications

        def series(run: str, name: str) -> np.ndarray:
            return np.concatenate([raw[(run, b)][name] for b in range(nb)])[:replications]

        rows, values = [], {}
        for t in self.chosen:
            main, versus = self.arms[t.id]
            v = series(main, t.observable)
            if versus is not None and t.contrast is not None:
                v = contrast_values(t.contrast, v, series(versus, t.observable))
            values[t.id] = v
            row = target_row(t, v)
            row.update(
                {
                    "scenario": self.runs[main].name,
                    "arrangement": arrangement_of(self.runs[main]),
                    "spin_up_months": self.runs[main].spin_up_months,
                    "run": main,
                    "versus_run": versus or "",
                }
            )
            rows.append(row)
        table = pd.DataFrame(rows, columns=list(COLUMNS))
        meta = _metadata(
            self.chosen,
            self.catalogue,
            self.runs,
            self.arms,
            self.scenario,
            replications,
            self.role,
            self.quick,
            self.seed,
        )
        meta.update(
            {
                "workers": workers,
                "started": self.started,
                "seconds": round(seconds, 2),
                "batch_seeds": self.seeds,
            }
        )
        return TargetsResult(table, values, self.chosen, meta)


def plan_targets(
    catalogue: Catalogue | str | Path | None = None,
    scenario: Scenario | str | Path | None = None,
    replications: int | None = None,
    role: str = "all",
    quick: bool = False,
    seed: int = 0,
    workers: Any = 1,
) -> TargetsPlan:
    """Check :func:`run_targets`' arguments (``workers`` too) and plan its runs and batches
    (nothing runs)."""
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    role = check_role(role)
    if replications is None:
        replications = QUICK_REPLICATIONS if quick else REPLICATIONS
    replications = check_replications(replications)
    seed = check_seed(seed)
    check_workers(workers)
    if not isinstance(catalogue, Catalogue):
        catalogue = load_catalogue(catalogue)
    chosen = catalogue.select(role)
    if not len(chosen):
        raise InputError(f"no {role} target in {catalogue.source}", key="--role")
    runs, arms = plan_runs(chosen, scenario)

    names: dict[str, set[str]] = {r: set() for r in runs}
    for t in chosen:
        main, versus = arms[t.id]
        names[main].add(t.observable)
        if versus is not None:
            names[versus].add(t.observable)
    return TargetsPlan(
        chosen=chosen,
        catalogue=catalogue,
        runs=runs,
        arms=arms,
        names={r: tuple(sorted(n)) for r, n in names.items()},
        seeds=batch_seeds(seed, n_batches(replications)),
        replications=replications,
        role=role,
        quick=bool(quick),
        seed=seed,
        scenario=scenario,
        started=started,
    )


def run_targets(
    catalogue: Catalogue | str | Path | None = None,
    scenario: Scenario | str | Path | None = None,
    replications: int | None = None,
    role: str = "all",
    quick: bool = False,
    seed: int = 0,
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
) -> TargetsResult:
    """Measure every target of ``catalogue`` (default: the shipped one; a path; or a loaded
    :class:`Catalogue`) of ``role`` (``calibration``, ``validation`` or ``all``).

    Without ``scenario`` each target runs on its own scenario; with it, every target runs on
    that scenario (a :class:`Scenario`, a shipped name or a path), its arrangement and
    ``versus`` still applied. ``replications`` (at least 2) defaults to :data:`REPLICATIONS`,
    :data:`QUICK_REPLICATIONS` with ``quick`` (which never shortens the horizon).
    ``progress(done, total)`` is called as batches finish.
    """
    t0 = time.perf_counter()
    plan = plan_targets(catalogue, scenario, replications, role, quick, seed, workers)
    workers = check_workers(workers)
    tasks = plan.tasks()
    raw: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    n_proc = min(workers, len(tasks))
    executor = (
        ProcessPoolExecutor(max_workers=n_proc, mp_context=mp_context()) if n_proc > 1 else None
    )
    try:
        mapper = pool_map(executor, _run_batch, tasks) if executor else map(_run_batch, tasks)
        for done, (r, b, obs) in enumerate(mapper, start=1):
            raw[(r, b)] = obs
            if progress:
                progress(done, len(tasks))
    finally:
        if executor:
            executor.shutdown(wait=True, cancel_futures=True)
    return plan.result(raw, workers, time.perf_counter() - t0)


def _metadata(
    chosen: Catalogue,
    catalogue: Catalogue,
    runs: dict[str, Scenario],
    arms: dict[str, tuple[str, str | None]],
    scenario: Scenario | str | Path | None,
    replications: int,
    role: str,
    quick: bool,
    seed: int,
) -> dict[str, Any]:
    import mesa

    from .. import __version__
    from ..run import git_commit, model_version

    used = {r: [t for t, (a, b) in arms.items() if r in (a, b)] for r in runs}
    return {
        "hlmsim_version": __version__,
        "model_version": model_version(),
        "git_commit": git_commit(),
        "catalogue": catalogue.source,
        "catalogue_sha256": _file_hash(catalogue.path),
        "catalogue_path": None
        if catalogue.path is None or catalogue.path == shipped_catalogue_path()
        else str(catalogue.path),
        "targets": len(chosen),
        "role": role,
        "scenario": scenario.name
        if isinstance(scenario, Scenario)
        else (None if scenario is None else str(scenario)),
        "scenarios": sorted({s.name for s in runs.values()}),
        "runs": [
            {
                "run": r,
                "scenario": s.name,
                "arrangement": arrangement_of(s),
                "months": s.months,
                "spin_up_months": s.spin_up_months,
                "scenario_hash": scenario_hash(s),
                "targets": used[r],
            }
            for r, s in runs.items()
        ],
        "replications": replications,
        "quick": bool(quick),
        "batch_size": BATCH,
        "seed": seed,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
    }
