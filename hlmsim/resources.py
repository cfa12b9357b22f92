"""Resources bounded before work starts: the memory and disk a command needs, estimated from
the model's state layout and from the outputs it writes, checked against the machine's
available memory and the free space where the outputs go, before anything runs or is written.

A job that would need more than the machine has (a scenario of a billion households, a sweep of
a hundred million runs) is refused with a one-line :class:`~hlmsim.errors.InputError` giving
the estimate and what is available, and naming the override :data:`FLAG` (the estimate may be
wrong, or memory may be freed in the meantime): it is never killed by the kernel half-way.

The estimates are upper bounds of the same order as what runs (``tests/test_resources.py``
measures the model's peak memory against :func:`model_bytes`):

- a model: :data:`HOUSEHOLD_BYTES` per household (state arrays of about 380 bytes, with the
  month's temporaries), :data:`MILIEU_BYTES` per milieu (parameters, partners, tallies) and,
  for every month recorded, :data:`RECORD_BYTES` per milieu and :data:`MONTH_BYTES` per month
  (the monthly records and observation records, about 1 kB per milieu-month measured);
- a process: :data:`PROCESS_BYTES` (Python, NumPy, pandas, Numba and hlmsim loaded), each
  worker process the same again;
- results held in memory: :data:`ROW_BYTES` per row of a monthly series or of a results table;
- disk: :data:`DISK_ROW_BYTES` per row of a table written (Parquet and CSV together).

Every command that runs the model goes through :func:`check` (``hlmsim run``, ``compare``,
``sweep``, ``calibrate``, ``patterns``, ``targets``) and so do the check-only commands
(``hlmsim scenarios check``, ``hlmsim sweep --dry-run``, ``hlmsim calibrate --dry-run``), so that
a check answers as the run would.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

#: The option that skips the check (every command that has the check takes it).
FLAG = "--no-resource-check"

#: Bytes per household of a model: the state arrays (about 380 bytes: 20 per-household arrays
#: and 7 per-need arrays of 6 categories) and the month's temporaries (peak measured at 620 to
#: 780 bytes per household).
HOUSEHOLD_BYTES = 1_000
#: Bytes per milieu of a model: parameters (about 120 arrays over milieux), partners, network,
#: this month's tallies, names and layout.
MILIEU_BYTES = 4_000
#: Bytes per milieu and month recorded (the outcome record and the observation record: about
#: 1,000 bytes measured).
RECORD_BYTES = 1_500
#: Bytes per month recorded whatever the number of milieux (the records' dictionaries).
MONTH_BYTES = 30_000
#: A process with hlmsim loaded (about 230 MB resident measured), and each worker process.
PROCESS_BYTES = 300 * 1024**2
#: Bytes per row of a table held in memory (about 60 outcomes of 8 bytes, with an index, an
#: identifier and the copies a table goes through while built).
ROW_BYTES = 2_000
#: Bytes per row of a table written (Parquet and CSV together: about 60 numbers of up to 20
#: characters in CSV).
DISK_ROW_BYTES = 1_500
#: Bytes per monthly value of a kept series (a Python float in a list, in the run store and in
#: the series table).
SERIES_VALUE_BYTES = 64
#: Bytes per distinct scenario of a sweep's plan (a resolved scenario object).
SCENARIO_BYTES = 16_000


@dataclass(frozen=True)
class Need:
    """What a job needs: ``memory`` and ``disk`` in bytes, and what it is (``what``: the
    sizes the estimate comes from, for the message)."""

    memory: int
    disk: int
    what: str


def scenario_size(scenario: Any) -> tuple[int, int]:
    """``(households, milieux)`` of one world of a scenario (copies counted)."""
    households = sum(e.units * m.copies for m in scenario.milieux for e in m.ensembles)
    milieux = sum(m.copies for m in scenario.milieux)
    return int(households), int(milieux)


def model_bytes(households: int, milieux: int, months: int) -> int:
    """Peak memory of one model of ``households`` and ``milieux`` (all worlds of a batch
    together) recording ``months`` months."""
    return int(
        households * HOUSEHOLD_BYTES
        + milieux * MILIEU_BYTES
        + months * (milieux * RECORD_BYTES + MONTH_BYTES)
    )


def batches_need(
    scenario: Any,
    *,
    worlds: int,
    models: int,
    processes: int,
    rows: int = 0,
    disk_rows: int = 0,
    extra_memory: int = 0,
    extra_disk: int = 0,
    months: int | None = None,
    label: str = "",
) -> Need:
    """A job of ``models`` models of ``worlds`` worlds of ``scenario`` each, ``processes`` at a
    time (each in a process of its own when more than one), keeping ``rows`` rows of results in
    memory and writing ``disk_rows`` rows."""
    households, milieux = scenario_size(scenario)
    months = int(scenario.months if months is None else months)
    parallel = max(1, min(int(processes), int(models)))
    one = model_bytes(households * worlds, milieux * worlds, months)
    workers = parallel if parallel > 1 else 0
    memory = PROCESS_BYTES * (1 + workers) + parallel * one + rows * ROW_BYTES + extra_memory
    disk = disk_rows * DISK_ROW_BYTES + extra_disk
    of_worlds = f" of {_count(worlds, 'world')}" if worlds > 1 else ""
    what = (
        f"{_count(models, 'model')}{of_worlds} of {_count(households, 'household')} in"
        f" {_count(milieux, 'milieu', 'milieux')} over {_count(months, 'month')},"
        f" {parallel} at a time"
    )
    return Need(int(memory), int(disk), f"{label}{what}" if label else what)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def human(n: float) -> str:
    """A size in bytes for a message: ``1.2 GB``, ``340 MB`` (powers of 1,000)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    return f"{int(n)} bytes"


def available_memory() -> int | None:
    """Memory available to a new job, in bytes (``MemAvailable`` of ``/proc/meminfo``, else
    psutil's), None when it cannot be known."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # a dependency of dask.distributed

        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - no way to know: no check
        return None


def free_disk(path: str | Path) -> int | None:
    """Free space on the file system ``path`` is (or would be created) on, in bytes."""
    p = Path(path).absolute()
    for folder in (p, *p.parents):
        if folder.exists():
            try:
                return int(shutil.disk_usage(folder).free)
            except OSError:
                return None
    return None


def check(
    need: Need, out: str | Path | None, force: bool = False, source: str | None = None
) -> None:
    """Refuse ``need`` when it is more memory than is available, or more disk than is free
    where ``out`` goes: a one-line :class:`InputError` with the estimate, what is available and
    :data:`FLAG` (``force``: skip the check, the flag given)."""
    if force:
        return
    memory = available_memory()
    if memory is not None and need.memory > memory:
        raise InputError(
            f"needs about {human(need.memory)} of memory ({need.what}) and {human(memory)} is"
            f" available: make the job smaller (fewer households, milieux, months, runs or"
            f" workers), or give {FLAG} to run it anyway",
            source=source,
        )
    if out is not None and need.disk:
        disk = free_disk(out)
        if disk is not None and need.disk > disk:
            raise InputError(
                f"needs about {human(need.disk)} of disk for its results in {out} and"
                f" {human(disk)} is free there: make the job smaller, write it elsewhere"
                f" (--out), or give {FLAG} to run it anyway",
                source=source,
            )


def add_flag(p: Any) -> None:
    """The :data:`FLAG` option of a command."""
    p.add_argument(
        FLAG,
        dest="no_resource_check",
        action="store_true",
        help="run even if the estimated memory or disk is more than this machine has"
        " (by default such a job is refused before it starts)",
    )


def cpu_count() -> int:
    """Cores of the machine (at least 1)."""
    return os.cpu_count() or 1


def ceil_div(a: int, b: int) -> int:
    """``a / b`` rounded up."""
    return max(0, math.ceil(a / b))


# --- each command's need -----------------------------------------------------------------------


def run_need(scenario: Any) -> Need:
    """``hlmsim run`` (and ``hlmsim scenarios check``): one model, its monthly table (one row
    per month and milieu, and the overall rows) held and written."""
    _, milieux = scenario_size(scenario)
    rows = scenario.months * (milieux + 1)
    return batches_need(scenario, worlds=1, models=1, processes=1, rows=rows, disk_rows=rows)


def compare_need(
    scenario: Any,
    arrangements: int,
    replications: int,
    workers: int,
    target_runs: int = 0,
    target_replications: int = 0,
) -> Need:
    """``hlmsim compare``: batches of :data:`~hlmsim.replication.BATCH` worlds of every
    arrangement (and of the targets' runs), ``workers`` at a time; every run's overall monthly
    series held and written (runs.parquet)."""
    from .replication import BATCH, n_batches

    models = arrangements * n_batches(replications)
    if target_runs and target_replications:
        models += target_runs * n_batches(target_replications)
    rows = arrangements * replications * scenario.months
    return batches_need(
        scenario, worlds=BATCH, models=models, processes=workers, rows=rows, disk_rows=rows
    )


def sweep_need(exp: Any, workers: int) -> Need:
    """``hlmsim sweep``: one model per run, ``workers`` at a time; the plan (every run, every
    distinct scenario), the results table and the kept monthly series in memory; the run store,
    results.parquet/.csv and series.parquet on disk."""
    n_runs = int(exp.n_runs)
    months = int(exp.base.months)
    distinct = exp.n_points * len(exp.arrangements)
    if getattr(exp, "ensemble", None) is not None:
        distinct *= exp.spec.replications
    series = n_runs * months * len(exp.spec.series)
    return batches_need(
        exp.base,
        worlds=1,
        models=n_runs,
        processes=workers,
        rows=2 * n_runs,  # the plan's rows, then the results table
        disk_rows=3 * n_runs,  # the run store, results.parquet and results.csv
        extra_memory=distinct * SCENARIO_BYTES + series * SERIES_VALUE_BYTES,
        extra_disk=series * 2 * 8,  # the store's series and series.parquet
        label=f"{n_runs:,} runs: ",
    )


def calibrate_need(cal: Any, workers: int) -> Need:
    """``hlmsim calibrate``: chunks of :data:`~hlmsim.calibrate.simulate.CHUNK` worlds,
    ``workers`` at a time; the run store (history.db) grows with every particle of every
    generation."""
    from .calibrate.simulate import CHUNK

    worlds = cal.spec.population * cal.spec.replicates
    particles = cal.spec.population * cal.spec.stopping.max_generations
    values = len(cal.priors) + len(cal.target_ids) + 4
    return batches_need(
        cal.scenario,
        worlds=min(CHUNK, worlds),
        models=ceil_div(worlds, CHUNK),
        processes=workers,
        rows=cal.spec.population * 4,
        extra_disk=particles * values * 64,
    )


def models_need(
    scenarios: list[tuple[Any, int]], replications: int, workers: int, label: str = ""
) -> Need:
    """Batches of :data:`~hlmsim.replication.BATCH` worlds of several runs (``hlmsim patterns``,
    ``hlmsim targets``): ``scenarios`` lists each run's scenario and months; the largest model
    sets the memory of a process."""
    from .replication import BATCH, n_batches

    models = len(scenarios) * n_batches(replications)
    largest = max(scenarios, key=lambda sm: model_bytes(*scenario_size(sm[0]), sm[1]))
    rows = sum(months for _, months in scenarios) * replications
    return batches_need(
        largest[0],
        worlds=BATCH,
        models=models,
        processes=workers,
        rows=rows,
        months=largest[1],
        label=label,
    )
