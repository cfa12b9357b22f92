"""Running a sweep: the plan of runs, the executors (in-process, a local process pool, a Dask
cluster), the run store, progress, failures and the final results table.

A run is one model (one scenario, one seed). The plan crosses the experiment's sample points,
arrangements and replications; replication *r* has the same seed for every arrangement and
sample point (common random numbers). Runs already in the store are never run again (a run key
identifies the resolved scenario, the seed and the model version), so a stopped sweep resumes
where it stopped. Results do not depend on the executor or the number of workers: each run is
deterministic, and the table is sorted by (sample, arrangement, replication) at the end.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outcomes import KEY_OUTCOMES, final_values
from ..outdir import folder_lock, write_frame
from ..params import Scenario
from ..replication import check_workers
from ..run import metadata as run_metadata
from ..run import write_json
from ..scenario import scenario_hash
from .experiment import ALL_OUTCOMES, Experiment, load_experiment
from .sampling import design
from .store import RunStore, run_key

#: Identifying columns of a results row, before the varied parameters and the outcomes.
ID_COLUMNS = ("sample_id", "arrangement", "replication", "seed", "run_key", "status")
#: What a sweep folder holds (``store`` and ``analysis`` are folders).
SWEEP_FILES = frozenset(
    {
        "sweep.json",
        "experiment.toml",
        "design.parquet",
        "store",
        "results.parquet",
        "results.csv",
        "failures.jsonl",
        "series.parquet",
        "analysis",
        ".lock",
    }
)
#: A batch is also written when this many seconds passed since the last one.
FLUSH_SECONDS = 60.0
#: How many times a broken process pool (a worker killed) is restarted before the sweep stops.
MAX_POOL_RESTARTS = 3
#: Runs in flight per worker (bounded, so that a stop loses little and memory stays flat).
IN_FLIGHT_PER_WORKER = 4

Runner = Callable[[Scenario, int], pd.DataFrame]


class SweepStopped(RuntimeError):
    """The sweep could not go on (worker processes kept dying, the cluster went away); what
    finished is saved and ``--resume`` continues it."""


# --- one run ---------------------------------------------------------------------------------


def model_runner(scenario: Scenario, seed: int) -> pd.DataFrame:
    """The default runner: the model's overall monthly series (one row per month)."""
    from ..model import HLMModel
    from ..replication import overall_frame

    return overall_frame(HLMModel(scenario, seed=seed, agents=False).run())


def final_year(ts: pd.DataFrame) -> dict[str, float]:
    """Final-year value of every outcome, by :func:`hlmsim.outcomes.final_values`."""
    return final_values(ts, ALL_OUTCOMES)


def _nan_outcomes() -> dict[str, float]:
    return dict.fromkeys(ALL_OUTCOMES, math.nan)


@dataclass(frozen=True)
class Task:
    """One run to do: its key, scenario and seed, the monthly series to keep and the runner."""

    key: str
    scenario: Scenario
    seed: int
    series: tuple[str, ...] = ()
    runner: Runner | None = None


def execute(task: Task) -> dict[str, Any]:
    """Run one task; a run that raises becomes a ``failed`` row with its traceback."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {"run_key": task.key, "status": "ok", "error": None, "traceback": None}
    try:
        ts = (task.runner or model_runner)(task.scenario, task.seed)
        row.update(final_year(ts))
        for s in task.series:
            row[f"series_{s}"] = [float(x) for x in ts[s].to_numpy(dtype=float)]
    except Exception as err:  # noqa: BLE001 - any failure of a run is recorded, not fatal
        row.update(
            status="failed",
            error=f"{type(err).__name__}: {err}"[:2000],
            traceback=traceback.format_exc(),
            **_nan_outcomes(),
        )
        for s in task.series:
            row[f"series_{s}"] = None
    row["seconds"] = time.perf_counter() - t0
    return row


# --- the plan --------------------------------------------------------------------------------


@dataclass
class Plan:
    """Every run of an experiment: ``runs`` (one row per sample, arrangement and replication:
    ids, seed, run key, then the sample's parameter values), the ``design`` (sample values),
    its ``unit`` points, and the scenario of each run key."""

    runs: pd.DataFrame
    design: pd.DataFrame
    unit: np.ndarray
    scenarios: dict[str, Scenario] = field(repr=False)
    seeds: dict[str, int] = field(repr=False, default_factory=dict)

    @property
    def keys(self) -> list[str]:
        """Distinct run keys, in plan order."""
        return list(dict.fromkeys(self.runs["run_key"]))


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def build_plan(exp: Experiment) -> Plan:
    """The runs of ``exp``: every sample point, arrangement and replication."""
    from ..run import model_version

    version = model_version()
    s = exp.spec.sampler
    unit, values = design(exp.factors, s.method, s.samples, s.seed, s.levels or 4, s.second_order)
    seeds = exp.seeds()
    drawn = exp.param_sets()  # one parameter set per replication, or None
    names = [f.name for f in exp.factors]
    ids, arrs, reps, seed_col, keys = [], [], [], [], []
    scenarios: dict[str, Scenario] = {}
    for sid, rec in zip(values["sample_id"], values[names].to_dict("records"), strict=True):
        point = {k: _native(v) for k, v in rec.items()}
        for a in exp.arrangements:
            scen = exp.scenario(a, point)
            h = scenario_hash(scen)
            for r, seed in enumerate(seeds):
                if drawn is not None:
                    scen = exp.scenario(a, point, drawn[r])
                    h = scenario_hash(scen)
                k = run_key(h, seed, version)
                scenarios.setdefault(k, scen)
                ids.append(int(sid))
                arrs.append(a)
                reps.append(r)
                seed_col.append(int(seed))
                keys.append(k)
    runs = pd.DataFrame(
        {
            "sample_id": np.array(ids, dtype="int64"),
            "arrangement": pd.Series(arrs, dtype=str),
            "replication": np.array(reps, dtype="int64"),
            "seed": np.array(seed_col, dtype="int64"),
            "run_key": pd.Series(keys, dtype=str),
        }
    )
    runs = runs.merge(values, on="sample_id", how="left", sort=False)
    return Plan(runs, values, unit, scenarios, dict(zip(keys, seed_col, strict=True)))


# --- executors -------------------------------------------------------------------------------


def _watch_parent(parent: int) -> None:
    """In a pool worker: exit when the sweep's process is gone (``kill -9``), so that no
    worker outlives it."""

    def loop() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=loop, daemon=True).start()


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the sweep's to handle
    _watch_parent(parent)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=5)


def run_serial(tasks: Iterable[Task], on_row: Callable[[dict[str, Any]], None]) -> None:
    """Run tasks one after another in this process."""
    for t in tasks:
        on_row(execute(t))


def run_pool(tasks: Iterable[Task], on_row: Callable[[dict[str, Any]], None], workers: int) -> None:
    """Run tasks on a local pool of ``workers`` processes (fork context where available). A
    pool broken by a dying worker is restarted (at most :data:`MAX_POOL_RESTARTS` times) and
    its unfinished runs are submitted again."""
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    queue: list[Task] = []
    source: Iterator[Task] = iter(tasks)
    restarts = 0
    cap = workers * IN_FLIGHT_PER_WORKER

    def next_task() -> Task | None:
        if queue:
            return queue.pop()
        return next(source, None)

    while True:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),)
        )
        inflight: dict[Future, Task] = {}
        broken = False
        try:
            while True:
                while not broken and len(inflight) < cap:
                    t = next_task()
                    if t is None:
                        break
                    with warnings.catch_warnings():
                        # workers are forked at the first submit; idle library threads of this
                        # process (pyarrow's pool, a Dask client) hold no lock the runs need
                        warnings.filterwarnings("ignore", ".*use of fork.*", DeprecationWarning)
                        inflight[pool.submit(execute, t)] = t
                if not inflight:
                    pool.shutdown(wait=True)
                    return
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for f in done:
                    try:
                        row = f.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    del inflight[f]
                    on_row(row)
                if broken:
                    break
        except BaseException:
            _kill_pool(pool)
            raise
        _kill_pool(pool)
        restarts += 1
        queue.extend(reversed(list(inflight.values())))
        if restarts > MAX_POOL_RESTARTS:
            raise SweepStopped(
                f"worker processes died {restarts} times (out of memory? killed?); the finished"
                " runs are saved: continue with --resume"
            )
        print(
            f"hlmsim: a worker process died; restarting the pool ({restarts}/{MAX_POOL_RESTARTS})",
            file=sys.stderr,
        )


@contextlib.contextmanager
def dask_client(scheduler: Any) -> Iterator[Any]:
    """A ``distributed.Client`` for a scheduler address (closed on exit), or the given client;
    None without a scheduler. A scheduler that cannot be reached is an ``InputError``."""
    if scheduler is None:
        yield None
        return
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    try:
        client = Client(scheduler, timeout="15s")
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(
            f"cannot connect to the Dask scheduler: {err}", key="--scheduler"
        ) from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()


def run_dask(tasks: Iterable[Task], on_row: Callable[[dict[str, Any]], None], client: Any) -> None:
    """Run tasks on a Dask distributed cluster through ``client`` (a ``distributed.Client``).
    A run whose worker died repeatedly (``KilledWorker``) is recorded as failed."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    inflight: dict[str, tuple[Any, Task]] = {}
    try:
        threads = sum(client.nthreads().values()) or 1
        cap = max(8, threads * IN_FLIGHT_PER_WORKER)
        source = iter(tasks)
        ac = as_completed()

        def fill() -> None:
            while len(inflight) < cap:
                t = next(source, None)
                if t is None:
                    return
                key = f"hlmsim-run-{t.key}-{os.urandom(4).hex()}"
                f = client.submit(execute, t, pure=False, key=key, retries=0)
                inflight[f.key] = (f, t)
                ac.add(f)

        fill()
        for f in ac:
            _, t = inflight.pop(f.key)
            try:
                row = f.result()
            except KilledWorker as err:
                row = {
                    "run_key": t.key,
                    "status": "failed",
                    "error": f"KilledWorker: {err}"[:2000],
                    "traceback": "a Dask worker died while running this run, repeatedly",
                    "seconds": math.nan,
                    **_nan_outcomes(),
                    **{f"series_{s}": None for s in t.series},
                }
            f.release()
            on_row(row)
            fill()
    finally:
        if inflight:
            with contextlib.suppress(Exception):
                client.cancel([f for f, _ in inflight.values()])


# --- progress --------------------------------------------------------------------------------


class Reporter:
    """Progress of a sweep: a rich bar (runs done, failures, time left) on a terminal, a line
    every 30 s otherwise, or a ``callback(done, total, failed)``."""

    def __init__(self, total: int, done: int, failed: int, mode: Any, label: str) -> None:
        self.total, self.done, self.failed = total, done, failed
        self.callback = mode if callable(mode) else None
        self.bar = None
        self.lines = mode == "lines"
        self.t0 = time.monotonic()
        self.start_done = done
        self.last_line = 0.0
        if mode is True:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            console = Console(stderr=True, markup=False, highlight=False, emoji=False)
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("runs, {task.fields[failed]} failed,"),
                TimeElapsedColumn(),
                TextColumn("elapsed,"),
                TimeRemainingColumn(),
                TextColumn("left"),
                console=console,
                transient=False,
                auto_refresh=False,  # no refresh thread: the process forks its pool workers
            )
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, completed=done, failed=failed)

    def update(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, failed=self.failed, refresh=True)
        if self.callback:
            self.callback(self.done, self.total, self.failed)
        if self.lines:
            now = time.monotonic()
            if now - self.last_line >= 30 or self.done == self.total:
                self.last_line = now
                print(f"hlmsim sweep: {self.line()}", file=sys.stderr, flush=True)

    def line(self) -> str:
        rate = (self.done - self.start_done) / max(time.monotonic() - self.t0, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else math.nan
        eta = "" if not math.isfinite(left) else f", about {_duration(left)} left"
        return f"{self.done}/{self.total} runs, {self.failed} failed{eta}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


# --- the sweep folder ------------------------------------------------------------------------


def default_out(exp: Experiment) -> Path:
    """``results/sweeps/<experiment name>`` (``-quick`` for the reduced size)."""
    return Path("results") / "sweeps" / exp.name


def _read_meta(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read sweep.json: {err}", source=str(out)) from None


def _check_folder(out: Path, exp: Experiment, resume: bool) -> bool:
    """Check the output folder; True when it already holds this experiment's sweep."""
    if not out.exists():
        return False
    if not out.is_dir():
        raise InputError("exists and is not a folder", source=str(out))
    entries = sorted(p.name for p in out.iterdir())
    others = [e for e in entries if e not in SWEEP_FILES and not e.startswith(".")]
    if others:
        raise InputError(
            f"folder holds other files than a sweep's (e.g. {others[0]}); choose another --out",
            source=str(out),
        )
    if not (out / "sweep.json").exists():
        if entries and not resume:
            raise InputError(
                "folder is not empty; add --resume to continue the sweep it holds, or choose"
                " another --out",
                source=str(out),
            )
        return False
    if not resume:
        raise InputError(
            "folder already holds a sweep; add --resume to continue it, or choose another --out",
            source=str(out),
        )
    meta = _read_meta(out)
    if meta.get("experiment_hash") != exp.hash:
        raise InputError(
            f"folder holds a sweep of another experiment ({meta.get('experiment_name')},"
            f" {meta.get('experiment_hash')}; this one is {exp.name}, {exp.hash}): the file,"
            " its base scenario or --quick changed; choose another --out",
            source=str(out),
        )
    return True


def _lock(out: Path) -> contextlib.AbstractContextManager[None]:
    return folder_lock(out, "sweep")


def _write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _factor_record(f: Any) -> dict[str, Any]:
    return {
        "name": f.name,
        "kind": f.kind,
        "values": list(f.values) if f.values is not None else None,
        "dist": f.dist,
        "low": f.low,
        "high": f.high,
        "mode": f.mode,
        "mean": f.mean,
        "sd": f.sd,
        "levels": f.levels,
        "describe": f.describe(),
    }


def _start_folder(out: Path, exp: Experiment, plan: Plan, started: str) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    meta = run_metadata(exp.base, exp.seeds(), started)
    meta = {
        "format": 1,
        "experiment_name": exp.name,
        "experiment_hash": exp.hash,
        "experiment_source": exp.source,
        "quick": exp.quick,
        "experiment": exp.spec.model_dump(mode="json"),
        "arrangements": exp.arrangements,
        "factors": [_factor_record(f) for f in exp.factors],
        "sampler": exp.spec.sampler.model_dump(mode="json"),
        "replications": exp.spec.replications,
        "replication_seeds": exp.seeds(),
        "ensemble": None
        if exp.ensemble is None
        else {
            "reference": exp.spec.ensemble,
            "sets": len(exp.ensemble),
            "parameters": exp.ensemble.parameters,
            **{k: exp.ensemble.meta.get(k) for k in ("scenario", "hlmsim_version", "command")},
        },
        "points": int(len(plan.design)),
        "runs": int(len(plan.runs)),
        "distinct_runs": len(plan.keys),
        **{k: v for k, v in meta.items() if k not in ("seed",)},
        "state": "running",
    }
    write_json(out / "sweep.json", meta)
    unit = pd.DataFrame(plan.unit, columns=[f"u_{f.name}" for f in exp.factors])
    write_frame(pd.concat([plan.design, unit], axis=1), out / "design.parquet")
    if exp.source and Path(exp.source).is_file():
        _write_text(Path(exp.source).read_text(encoding="utf-8"), out / "experiment.toml")
    return meta


# --- the sweep -------------------------------------------------------------------------------


def sweep(
    experiment: str | Path | Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    quick: bool = False,
    retry_failed: bool = False,
    progress: Any = False,
    runner: Runner | None = None,
) -> pd.DataFrame:
    """Run an experiment; return its results (one row per sample point, arrangement and
    replication: ids, parameter values, status and the final-year outcomes).

    ``experiment``: a path to an experiment file, a shipped experiment's name, or an
    :class:`~hlmsim.sweep.experiment.Experiment`; ``quick`` applies its ``[quick]`` size.
    ``out`` (default ``results/sweeps/<name>``) holds the run store and the results; with
    ``resume`` an existing sweep of the same experiment is continued (finished runs are never
    run again; ``retry_failed`` runs the failed ones again). ``workers``: local processes
    (default: every core; 1 runs in this process); ``scheduler``: a Dask scheduler address
    (``tcp://host:8786``) or ``distributed.Client`` instead. ``progress``: True for a bar on
    stderr, ``"lines"`` for a line every 30 s, or a ``callback(done, total, failed)``.
    ``runner(scenario, seed)`` replaces the model (it returns the overall monthly series).
    Failed runs are in ``out/failures.jsonl``; ``result.attrs`` holds the counts and paths.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, quick)
    if scheduler is not None and workers is not None:
        raise InputError(
            "give either --workers (a local pool) or --scheduler (a Dask cluster), not both",
            key="--workers",
        )
    n_workers = check_workers(workers)
    out = Path(out) if out is not None else default_out(exp)
    existing = _check_folder(out, exp, resume)
    plan = build_plan(exp)  # every scenario is validated before anything is written
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    with dask_client(scheduler) as client:  # reach the cluster before writing anything
        out.mkdir(parents=True, exist_ok=True)
        return _run(
            exp, out, plan, existing, client, n_workers, retry_failed, progress, runner, started, t0
        )


def _run(
    exp: Experiment,
    out: Path,
    plan: Plan,
    existing: bool,
    client: Any,
    n_workers: int,
    retry_failed: bool,
    progress: Any,
    runner: Runner | None,
    started: str,
    t0: float,
) -> pd.DataFrame:
    """The sweep proper, in its folder: the runs not in the store, then the results."""
    with _lock(out):
        meta = _read_meta(out) if existing else _start_folder(out, exp, plan, started)
        store = RunStore(out / "store")
        index = store.index()
        skip = {k for k, s in index.items() if s == "ok" or not retry_failed}
        todo = [k for k in plan.keys if k not in skip]
        series = tuple(exp.spec.series)
        tasks = (Task(k, plan.scenarios[k], plan.seeds[k], series, runner) for k in todo)
        total = len(plan.keys)
        failed_before = sum(1 for k in plan.keys if index.get(k) == "failed" and k in skip)
        reporter = Reporter(total, total - len(todo), failed_before, progress, exp.name)
        buffer: list[dict[str, Any]] = []
        last_flush = time.monotonic()
        ran = 0

        def flush() -> None:
            nonlocal last_flush
            store.write(buffer)
            buffer.clear()
            last_flush = time.monotonic()

        def on_row(row: dict[str, Any]) -> None:
            nonlocal ran
            buffer.append(row)
            ran += 1
            reporter.update(row["status"] != "ok")
            if len(buffer) >= exp.spec.batch_size or (
                time.monotonic() - last_flush >= FLUSH_SECONDS
            ):
                flush()

        try:
            if not todo:
                pass
            elif client is not None:
                run_dask(tasks, on_row, client)
            elif n_workers == 1 or len(todo) == 1:
                run_serial(tasks, on_row)
            else:
                run_pool(tasks, on_row, min(n_workers, len(todo)))
        finally:
            try:
                flush()
            finally:
                reporter.close()
        results, failures, series_df = _assemble(exp, plan, store)
        write_frame(results, out / "results.parquet")
        write_frame(results, out / "results.csv", fmt="csv")
        _write_text(
            "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures),
            out / "failures.jsonl",
        )
        if series_df is not None:
            write_frame(series_df, out / "series.parquet")
        n_failed = int((results["status"] == "failed").sum())
        summary = {
            "runs": int(len(results)),
            "distinct_runs": total,
            "ok": int((results["status"] == "ok").sum()),
            "failed": n_failed,
            "run_now": ran,
            "reused": total - len(todo),
            "elapsed_seconds": round(time.perf_counter() - t0, 3),
            "executor": "dask" if client is not None else f"{n_workers} worker(s)",
            "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        meta.update(state="complete", summary=summary)
        write_json(out / "sweep.json", meta)
    results.attrs.update(
        {"out": str(out), "failed": n_failed, "run_now": ran, "reused": total - len(todo)}
    )
    return results


def _assemble(
    exp: Experiment, plan: Plan, store: RunStore
) -> tuple[pd.DataFrame, list[dict[str, Any]], pd.DataFrame | None]:
    """The results table (sorted by sample, arrangement, replication), the failures and the
    monthly series (long: one row per run and month), from the plan and the store."""
    stored = store.read(set(plan.keys))
    outcomes = list(dict.fromkeys([*KEY_OUTCOMES, *exp.spec.outcomes]))
    names = [f.name for f in exp.factors]
    cols = ["run_key", "status", *outcomes]
    for c in cols:
        if c not in stored.columns:
            stored[c] = math.nan
    res = plan.runs.merge(stored[cols], on="run_key", how="left", sort=False)
    res["status"] = res["status"].fillna("missing")
    order = {a: i for i, a in enumerate(exp.arrangements)}
    res["_a"] = res["arrangement"].map(order)
    res = res.sort_values(["sample_id", "_a", "replication"], kind="stable").drop(columns="_a")
    res = res[[*ID_COLUMNS, *names, *outcomes]].reset_index(drop=True)
    for c in outcomes:
        res[c] = res[c].astype(float)

    failures = []
    bad = stored[stored["status"] != "ok"].set_index("run_key")
    if len(bad):
        for rec in res[res["status"] == "failed"].to_dict("records"):
            info = bad.loc[rec["run_key"]]
            failures.append(
                {
                    "sample_id": int(rec["sample_id"]),
                    "arrangement": rec["arrangement"],
                    "replication": int(rec["replication"]),
                    "seed": int(rec["seed"]),
                    "run_key": rec["run_key"],
                    "parameters": {n: _native(rec[n]) for n in names},
                    "error": info["error"],
                    "traceback": info["traceback"],
                }
            )

    series_df = None
    if exp.spec.series:
        ok = stored[stored["status"] == "ok"].set_index("run_key")
        frames = []
        ids = res.loc[res["status"] == "ok", ["sample_id", "arrangement", "replication", "run_key"]]
        for rec in ids.to_dict("records"):
            row = ok.loc[rec["run_key"]]
            first = row[f"series_{exp.spec.series[0]}"]
            months = np.arange(1, len(first) + 1)
            frames.append(
                pd.DataFrame(
                    {
                        "sample_id": rec["sample_id"],
                        "arrangement": rec["arrangement"],
                        "replication": rec["replication"],
                        "month": months,
                        **{s: np.asarray(row[f"series_{s}"], dtype=float) for s in exp.spec.series},
                    }
                )
            )
        series_df = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=["sample_id", "arrangement", "replication", "month"])
        )
    return res, failures, series_df
