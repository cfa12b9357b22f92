"""``hlmsim calibrate``'s engine: ABC-SMC (approximate Bayesian computation by sequential Monte
Carlo, pyabc) of the calibrated parameters against the calibration targets.

- **Prior**: each parameter uniform or log-uniform on its range (``pyabc.Distribution``).
- **Model**: a particle's target values, the mean over ``replicates`` simulated worlds
  (:class:`~hlmsim.calibrate.simulate.TargetModel`); its seed is drawn from numpy's global
  random state, which pyabc also draws from.
- **Distance**: the root mean square of the targets' standardised deviations (each target scaled
  by its own range, each side by its own half-width: 0 at the target's value, 1 at an end of its
  range), :class:`TargetDistance`. **Epsilon**: pyabc's median epsilon (each generation's
  threshold is the median distance of the previous one; the first, of a sample from the prior).
- **Run store**: pyabc's SQLite history, ``history.db`` in the output folder. Every generation
  is one ``ABCSMC.run`` on a fresh ``ABCSMC`` loaded from that history, with numpy reseeded from
  (seed, generation) first: an interrupted calibration (even by ``kill -9``) resumes with the
  generations stored and, with one worker, redraws exactly what the uninterrupted run would have.
- **Samplers**: one worker: :class:`BatchSampler`, pyabc's single-core sampling with the
  particles of a batch simulated together in one vectorised model (exactly reproducible);
  ``workers`` > 1: pyabc's ``MulticoreEvalParallelSampler``; a Dask scheduler: pyabc's
  ``DaskDistributedSampler``. Parallel samplers accept particles as they finish, so their
  posteriors are equivalent, not identical.
- **Stopping**: after a generation whose epsilon is at most ``min_epsilon``, whose acceptance
  rate is below ``min_acceptance_rate`` (or that could not fill its population within
  population / min_acceptance_rate simulations), or the ``max_generations``-th.

Outputs (written atomically): ``posterior.parquet`` (every generation's particles: parameters,
weight, generation), ``generations.parquet`` (epsilon, acceptance rate, effective sample size,
samples, seconds), ``meta.json`` (the calibration, seed, versions, the catalogue's hash, the
stopping rule met). The engine returns a :class:`CalibrationResult` and imports no reporting
code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import logging
import math
import os
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outdir import folder_lock, write_frame
from ..replication import FORK_WARNING, check_workers
from ..run import write_json
from ..targets.engine import _file_hash
from .config import Calibration, Prior
from .simulate import TargetModel, make_evaluator, native_point, rms_distance
from .summary import effective_sample_size, parameter_summary

#: What a calibration folder may hold.
CALIBRATION_FILES = frozenset(
    {
        "history.db",
        "history.db-journal",
        "history.db-wal",
        "history.db-shm",
        "meta.json",
        "posterior.parquet",
        "ensemble.parquet",
        "generations.parquet",
        "screening.parquet",
        "predictive.parquet",
        "patterns.parquet",
        "calibration.toml",
        "report.html",
        ".lock",
    }
)
#: The most particles simulated together in one batch (memory stays flat).
MAX_BATCH = 400
#: Format of meta.json.
#: Bumped when the stored history changes meaning (2: log-uniform parameters are stored as their
#: logarithms); a folder of another format is not resumed.
FORMAT = 2
#: Local samplers: ``batch`` (exactly reproducible for any number of workers) and
#: ``multicore`` (pyabc's, equivalent posteriors).
SAMPLERS = ("batch", "multicore")
#: Worlds at the default values that measure each output's noise for the screening.
NOISE_WORLDS = 10


# --- pyabc pieces ---------------------------------------------------------------------------------


def _pyabc() -> Any:
    import pyabc

    for name in ("ABC", "pyabc"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


def twice_covariance(n: float, dim: int) -> float:
    """The bandwidth factor of Beaumont, Cornuet, Marin & Robert (2009): a kernel covariance
    of twice the particles' weighted covariance (pyabc multiplies the covariance by the
    factor squared)."""
    return math.sqrt(2.0)


def _silverman(n: float, dim: int) -> float:
    from pyabc.transition.multivariatenormal import silverman_rule_of_thumb

    return float(silverman_rule_of_thumb(n, dim))


#: The perturbation kernels a calibration file can name (``kernel``): bandwidth selectors.
KERNELS: dict[str, Callable[[float, int], float]] = {
    "silverman": _silverman,
    "twice_covariance": twice_covariance,
}


def make_prior(priors: list[Prior]) -> Any:
    """The prior, in pyabc's parameter space: a ``pyabc.Distribution`` of uniform random
    variables, on [low, high] for a uniform prior and on [log low, log high] for a log-uniform
    one. ABC-SMC then runs on the logarithm of a log-uniform parameter: its prior density is
    flat there, and the perturbation kernel's steps are relative, instead of a density that
    varies by the ratio high / low across the range and weighs the particles near its low end
    up (the importance weight is prior density over proposal density)."""
    pyabc = _pyabc()
    rvs = {}
    for p in priors:
        lo, hi = (math.log(p.low), math.log(p.high)) if p.kind == "loguniform" else (p.low, p.high)
        rvs[p.name] = pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


def natural(values: Any, priors: list[Prior]) -> dict[str, float]:
    """A parameter set from pyabc's space back to the parameters' own (the exponential of a
    log-uniform parameter, kept inside its range despite rounding)."""
    out = dict(values)
    for p in priors:
        if p.kind == "loguniform" and p.name in out:
            out[p.name] = min(max(math.exp(float(out[p.name])), p.low), p.high)
    return out


def _distance_base() -> type:
    from pyabc.distance import Distance

    return Distance


class TargetDistance(_distance_base()):  # type: ignore[misc]
    """The root mean square of the targets' standardised deviations (see the module)."""

    def __init__(self, model: TargetModel) -> None:
        super().__init__()
        self.model = model

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
        return rms_distance(self.model.deviations(x))


def _model_base() -> type:
    from pyabc import Model

    return Model


class ParticleModel(_model_base()):  # type: ignore[misc]
    """pyabc's model: a parameter set's target values (mean over ``replicates`` worlds). A
    batch simulated ahead by :meth:`prefetch` (one vectorised model) is served from a cache;
    otherwise each call simulates its particle alone, with a seed drawn from numpy."""

    def __init__(self, model: TargetModel, priors: list[Prior]) -> None:
        super().__init__(name="hlmsim")
        self.model = model
        self.priors = list(priors)
        self.cache: dict[tuple, list[dict[str, float]]] = {}

    @staticmethod
    def _key(pars: Any) -> tuple:
        return tuple(sorted((k, float(v)) for k, v in dict(pars).items()))

    def prefetch(self, params: list[Any]) -> None:
        """Simulate ``params`` together (one seed drawn from numpy for the batch)."""
        seed = int(np.random.randint(0, 2**31 - 1))
        values = self.model.values([natural(p, self.priors) for p in params], seed)
        for p, row in zip(params, values, strict=True):
            rec = dict(zip(self.model.ids, (float(x) for x in row), strict=True))
            self.cache.setdefault(self._key(p), []).append(rec)

    def sample(self, pars: Any) -> dict[str, float]:
        hit = self.cache.get(self._key(pars))
        if hit:
            return hit.pop(0)
        seed = int(np.random.randint(0, 2**31 - 1))
        return self.model.simulate(natural(pars, self.priors), seed)


def _sampler_base() -> type:
    from pyabc.sampler import Sampler

    return Sampler


class BatchSampler(_sampler_base()):  # type: ignore[misc]
    """pyabc's single-core sampling, with the particles of a batch simulated together: the
    batch's parameters are drawn first (prior or transition, as pyabc does), simulated in one
    vectorised model, then evaluated in order until the population is full. The batch size
    follows the acceptance rate seen so far. Deterministic given numpy's random state."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        super().__init__()
        self.max_batch = int(max_batch)

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        from pyabc.inference_util.inference_util import (
            _simulate_one_from_prior,
            evaluate_proposal,
            generate_valid_proposal,
        )
        from pyabc.population import Particle

        kw = simulate_one.keywords
        from_prior = simulate_one.func is _simulate_one_from_prior
        model: ParticleModel = kw["models"][0]
        sample = self._create_empty_sample()
        done = 0
        rate = 1.0 if from_prior else 0.5
        while sample.n_accepted < n and done < max_eval:
            need = n - sample.n_accepted
            size = min(self.max_batch, max(need, math.ceil(need / max(rate, 0.02))))
            if math.isfinite(max_eval):
                size = min(size, int(max_eval) - done)
            proposals = []
            for _ in range(size):
                if from_prior:
                    m = int(kw["model_prior"].rvs())
                    proposals.append((m, kw["parameter_priors"][m].rvs()))
                else:
                    proposals.append(
                        generate_valid_proposal(
                            t=kw["t"],
                            m=kw["m"],
                            p=kw["p"],
                            model_prior=kw["model_prior"],
                            parameter_priors=kw["parameter_priors"],
                            model_perturbation_kernel=kw["model_perturbation_kernel"],
                            transitions=kw["transitions"],
                        )
                    )
            model.prefetch([theta for _, theta in proposals])
            for m_ss, theta in proposals:
                if sample.n_accepted >= n:
                    break
                if from_prior:
                    result = model.summary_statistics(0, theta, kw["summary_statistics"])
                    particle = Particle(
                        m=m_ss,
                        parameter=theta,
                        weight=1.0,
                        sum_stat=result.sum_stat,
                        distance=np.inf,
                        accepted=True,
                        proposal_id=0,
                        preliminary=False,
                    )
                else:
                    particle = evaluate_proposal(
                        m_ss,
                        theta,
                        t=kw["t"],
                        models=kw["models"],
                        summary_statistics=kw["summary_statistics"],
                        distance_function=kw["distance_function"],
                        eps=kw["eps"],
                        acceptor=kw["acceptor"],
                        x_0=kw["x_0"],
                        weight_function=kw["weight_function"],
                        proposal_id=kw["proposal_id"],
                    )
                sample.append(particle)
                done += 1
            model.cache.clear()
            rate = sample.n_accepted / max(done, 1)
        self.nr_evaluations_ = done
        if sample.n_accepted < n:
            sample.ok = False
        return sample


# --- results -------------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """A calibration's results: ``posterior`` (every generation's particles: the parameters,
    ``weight``, ``generation``), ``generations`` (one row per generation), ``priors``,
    ``metadata`` and the output folder."""

    posterior: pd.DataFrame
    generations: pd.DataFrame
    priors: list[Prior]
    metadata: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None
    screening: pd.DataFrame | None = None

    @property
    def final(self) -> pd.DataFrame:
        """The last generation's particles (the posterior)."""
        if self.posterior.empty:
            return self.posterior
        return self.posterior[self.posterior["generation"] == self.posterior["generation"].max()]

    def summary(self) -> pd.DataFrame:
        """Per parameter: the prior, the posterior's weighted mean and 90% interval (``q05``,
        ``q95``), and whether the evidence identifies it
        (:func:`hlmsim.calibrate.summary.parameter_summary`)."""
        return parameter_summary(self.posterior, self.priors)


# --- the folder ----------------------------------------------------------------------------------


def default_out(cal: Calibration) -> Path:
    """``results/calibrations/<name>`` (``-quick`` with --quick)."""
    return Path("results") / "calibrations" / cal.name


def _read_meta(out: Path) -> dict[str, Any] | None:
    path = out / "meta.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read meta.json: {err}", source=str(out)) from None


def check_folder(out: Path, cal: Calibration, resume: bool) -> dict[str, Any] | None:
    """Check the output folder before anything runs; the stored meta.json when resuming."""
    if not out.exists():
        return None
    if not out.is_dir():
        raise InputError("exists and is not a folder", source=str(out))
    entries = sorted(p.name for p in out.iterdir())
    others = [e for e in entries if e not in CALIBRATION_FILES and not e.startswith(".")]
    if others:
        raise InputError(
            f"folder holds other files than a calibration's (e.g. {others[0]}); choose another"
            " --out",
            source=str(out),
        )
    meta = _read_meta(out)
    if meta is None:
        if [e for e in entries if not e.startswith(".")] and not resume:
            raise InputError(
                "folder is not empty; add --resume to continue the calibration it holds, or"
                " choose another --out",
                source=str(out),
            )
        return None
    if not resume:
        raise InputError(
            "folder already holds a calibration; add --resume to continue it, or choose another"
            " --out",
            source=str(out),
        )
    if meta.get("format") != FORMAT:
        raise InputError(
            f"folder holds a calibration stored by another version of hlmsim (format"
            f" {meta.get('format')}, this one {FORMAT}); choose another --out",
            source=str(out),
        )
    if meta.get("calibration_hash") != cal.hash:
        raise InputError(
            f"folder holds another calibration ({meta.get('calibration')},"
            f" {meta.get('calibration_hash')}; this one is {cal.name}, {cal.hash}): the file,"
            " its scenario, targets or --quick changed; choose another --out",
            source=str(out),
        )
    return meta


def _lock(out: Path) -> contextlib.AbstractContextManager[None]:
    return folder_lock(out, "calibration")


def generation_seed(seed: int, t: int) -> int:
    """numpy's seed before generation ``t`` of a calibration seeded ``seed``."""
    return int(np.random.SeedSequence([int(seed), int(t)]).generate_state(1)[0])


def _metadata(cal: Calibration, seed: int, started: str) -> dict[str, Any]:
    import pyabc

    import hlmsim

    from .. import __version__
    from ..run import git_commit, model_version
    from ..scenario import scenario_hash

    return {
        "format": FORMAT,
        "calibration": cal.name,
        "calibration_hash": cal.hash,
        "source": cal.source,
        "quick": cal.quick,
        "config": cal.spec.model_dump(mode="json"),
        "priors": [p.record() for p in cal.priors],
        "targets": cal.target_ids,
        "seed": seed,
        "scenario_name": cal.scenario.name,
        "scenario_hash": scenario_hash(cal.scenario),
        "catalogue": cal.catalogue.source,
        "catalogue_sha256": _file_hash(cal.catalogue.path),
        "hlmsim_version": __version__,
        "results_version": getattr(hlmsim, "RESULTS_VERSION", None),
        "model_version": model_version(),
        "git_commit": git_commit(),
        "pyabc": pyabc.__version__,
        "numpy": np.__version__,
        "started": started,
        "state": "running",
    }


# --- screening -----------------------------------------------------------------------------------


def _screen(
    cal: Calibration, out: Path, workers: int, progress: Callable[[dict[str, Any]], None] | None
) -> tuple[list[Prior], pd.DataFrame]:
    """Choose the parameters by the screening (``hlmsim.calibrate.screening``): every assumed
    parameter, Morris, on the calibration targets and the headline comparison."""
    try:
        from . import screening  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - merged with the screening's branch
        raise InputError(
            "the screening is not available in this version: give [parameters] instead",
            source=cal.source,
            key="screening",
        ) from None
    sc = cal.screening
    assert sc is not None
    seed = cal.spec.seed  # the worlds: every point on the same seed (common random numbers)
    targets = make_evaluator(cal.scenario, cal.catalogue, cal.spec.replicates, seed=seed)
    headline = screening.headline_evaluator(
        cal.scenario, cal.spec.months, cal.spec.replicates, seed=seed
    )
    # the outputs' noise: the defaults in NOISE_WORLDS other worlds (seeds after the screening's)
    worlds = pd.concat(
        [
            screening.combine(
                dataclasses.replace(targets, seed=seed + k),
                dataclasses.replace(headline, seed=seed + k),
            )([{}])
            for k in range(1, NOISE_WORLDS + 1)
        ],
        ignore_index=True,
    )
    factors = screening.assumed_factors(cal.scenario)
    result = screening.screen(
        factors,
        screening.combine(targets, headline),
        noise={c: worlds[c].tolist() for c in worlds.columns},
        trajectories=sc.trajectories,
        levels=sc.levels,
        seed=sc.seed,
        max_parameters=sc.max_parameters,
        workers=workers,
        progress=(lambda d, n: progress({"event": "screening", "done": d, "total": n}))
        if progress
        else None,
    )
    from .config import _fixed_by_runs, screened_priors

    fixed = _fixed_by_runs(cal.scenario, cal.catalogue)

    def fail(msg: str, key: str) -> InputError:
        return InputError(msg, source=cal.source, key=key)

    table = result.table.reset_index(drop=False) if result.table.index.name else result.table
    kept = table[~table["parameter"].isin(list(fixed))]
    return screened_priors(kept, fixed, fail), table


# --- the calibration -----------------------------------------------------------------------------


def calibrate(
    cal: Calibration,
    out: str | Path | None = None,
    *,
    workers: int | None = 1,
    scheduler: Any = None,
    resume: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
    sampler: str = "batch",
) -> CalibrationResult:
    """Run (or with ``resume``, continue) the calibration ``cal`` in ``out`` (default
    ``results/calibrations/<name>``). ``workers``: local processes; ``sampler``: ``batch``
    (the particles of a batch drawn first, then simulated together, on ``workers`` processes:
    exactly reproducible from the seed, the same for any number of workers) or ``multicore``
    (pyabc's ``MulticoreEvalParallelSampler``: particles accepted as they finish, an equivalent
    posterior); ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or a
    ``distributed.Client`` (pyabc's ``DaskDistributedSampler``). ``progress(event)`` is
    called with a dict after each generation (``generation``, ``epsilon``,
    ``acceptance_rate``, ``seconds``, ``seconds_left``...)."""
    from ..sweep.engine import dask_client

    if scheduler is not None and workers not in (None, 1):
        raise InputError(
            "give either --workers (a local pool) or --scheduler (a Dask cluster), not both",
            key="--workers",
        )
    n_workers = check_workers(workers) if scheduler is None else 1
    if sampler not in SAMPLERS:
        raise InputError(f"must be one of {', '.join(SAMPLERS)} (got {sampler!r})", key="--sampler")
    out = Path(out) if out is not None else default_out(cal)
    stored = check_folder(out, cal, resume)
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    with dask_client(scheduler) as client:  # reach the cluster before writing anything
        out.mkdir(parents=True, exist_ok=True)
        with _lock(out):
            return _run(cal, out, stored, client, n_workers, progress, started, sampler)


def _run(
    cal: Calibration,
    out: Path,
    stored: dict[str, Any] | None,
    client: Any,
    n_workers: int,
    progress: Callable[[dict[str, Any]], None] | None,
    started: str,
    sampler_kind: str = "batch",
) -> CalibrationResult:
    pyabc = _pyabc()
    seed = cal.spec.seed
    file_hash = cal.hash
    screening_table = None
    if stored is not None and stored.get("priors"):
        priors = [
            Prior(p["name"], p["prior"], float(p["low"]), float(p["high"]))
            for p in stored["priors"]
        ]
        cal = cal.with_priors(_with_kinds(priors))
        meta = stored
        if (out / "screening.parquet").exists():
            screening_table = pd.read_parquet(out / "screening.parquet")
    else:
        if cal.screening is not None and not cal.priors:
            priors, screening_table = _screen(cal, out, n_workers, progress)
            cal = cal.with_priors(priors)
            write_frame(screening_table, out / "screening.parquet")
        elif cal.screening_table is not None:  # a stored screening chose the priors
            screening_table = cal.screening_table
            write_frame(screening_table, out / "screening.parquet")
        meta = _metadata(cal, seed, started)
        meta["calibration_hash"] = file_hash  # the file's, before a screening chose priors
        write_json(out / "meta.json", meta)
        if Path(cal.source).is_file():
            text = Path(cal.source).read_text(encoding="utf-8")
            tmp = out / ".calibration.toml.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, out / "calibration.toml")
    if not cal.priors:
        raise InputError("no parameter to calibrate", source=cal.source, key="parameters")

    db_path = out / "history.db"
    db = f"sqlite:///{db_path.resolve()}"
    batch = client is None and (n_workers == 1 or sampler_kind == "batch")
    target_model = TargetModel(
        cal.scenario,
        cal.catalogue,
        replicates=cal.spec.replicates,
        workers=n_workers if batch else 1,  # the batch sampler's processes
    )
    observed = {t.id: float(t.value) for t in cal.catalogue}
    stop = cal.spec.stopping
    prior = make_prior(cal.priors)

    def history_t() -> int:
        if not db_path.exists():
            return -1
        h = pyabc.History(db)
        h.id = 1
        try:
            return int(h.max_t)
        except Exception:  # noqa: BLE001 - an empty or half-created store
            return -1

    t = history_t() + 1
    if t == 0 and db_path.exists():  # stopped during the first generation: start it again
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    reason = meta.get("stopped_by") if meta.get("state") == "complete" else None
    ess_cache: dict[int, float] = {}
    gens = _generations(pyabc, db, ess_cache) if t > 0 else None
    if progress:
        progress({"event": "start", "stored": t, "complete": reason is not None})
    times: list[float] = []  # the generations run by this call, in seconds
    while reason is None:
        if gens is not None and t > 0:
            reason = _stopping_reason(gens, t - 1, stop)
            if reason is not None:
                break
        sampler = _sampler(pyabc, client, n_workers if not batch else 1)
        abc = pyabc.ABCSMC(
            ParticleModel(target_model, cal.priors),
            prior,
            TargetDistance(target_model),
            population_size=cal.spec.population,
            transitions=pyabc.MultivariateNormalTransition(
                scaling=cal.spec.kernel_scaling, bandwidth_selector=KERNELS[cal.spec.kernel]
            ),
            sampler=sampler,
            eps=pyabc.MedianEpsilon(),
        )
        if t == 0:
            abc.new(db, observed)
        else:
            abc.load(db, 1)
        np.random.seed(generation_seed(seed, t))
        random.seed(generation_seed(seed, t))
        t0 = time.monotonic()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=FORK_WARNING)  # see its definition
            abc.run(
                minimum_epsilon=0.0,
                max_nr_populations=1,
                min_acceptance_rate=stop.min_acceptance_rate,
            )
        seconds = time.monotonic() - t0
        gens = _generations(pyabc, db, ess_cache)
        if gens.empty or int(gens["generation"].max()) < t:  # the population was not filled
            reason = "min_acceptance_rate"
            break
        if progress:
            row = gens.iloc[-1]
            times.append(seconds)
            left = seconds_left(
                times, gens["acceptance_rate"].tolist(), max(stop.max_generations - (t + 1), 0)
            )
            progress(
                {
                    "event": "generation",
                    "generation": t,
                    "max_generations": stop.max_generations,
                    "epsilon": float(row["epsilon"]),
                    "acceptance_rate": float(row["acceptance_rate"]),
                    "ess": float(row["ess"]),
                    "seconds": seconds,
                    "seconds_left": left,
                }
            )
        t += 1

    posterior, generations = _outputs(pyabc, db, cal.priors, ess_cache)
    meta.update(
        {
            "state": "complete",
            "stopped_by": reason,
            "generations": int(len(generations)),
            "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "workers": n_workers,
            "executor": "dask"
            if client is not None
            else f"{n_workers} worker(s), {'batch' if batch else 'multicore'} sampler",
        }
    )
    write_frame(posterior, out / "posterior.parquet")
    write_frame(generations, out / "generations.parquet")
    write_calibrated_ensemble(posterior, cal, meta, out)
    write_json(out / "meta.json", meta)
    return CalibrationResult(posterior, generations, cal.priors, meta, out, screening_table)


def regenerate_command(cal: Calibration, out: Path) -> str:
    """The command that reruns ``cal`` into ``out`` (a shipped calibration by its name)."""
    from .config import CALIBRATION_DIRS

    src = Path(cal.source)
    shipped = CALIBRATION_DIRS[-1]
    ref = src.stem if src.parent.resolve() == shipped.resolve() else str(src)
    quick = " --quick" if cal.quick else ""
    return f"hlmsim calibrate {ref}{quick} --out {out}"


def write_calibrated_ensemble(
    posterior: pd.DataFrame, cal: Calibration, meta: dict[str, Any], out: Path
) -> Path:
    """``ensemble.parquet``: the last generation's weighted parameter sets, with what ties them
    to their results (``hlmsim.calibrate.posterior``): the file sweeps, ``hlmsim patterns`` and
    the app draw from, and the one the package ships for the default scenario."""
    from .posterior import write_ensemble
    from .summary import last_generation

    last = last_generation(posterior)
    names = [p.name for p in cal.priors]
    info = {
        "scenario": cal.scenario.name,
        "scenario_hash": meta.get("scenario_hash"),
        "hlmsim_version": meta.get("hlmsim_version"),
        "model_version": meta.get("model_version"),
        "catalogue_hash": meta.get("catalogue_sha256"),
        "calibration": cal.name,
        "calibration_hash": meta.get("calibration_hash"),
        "command": regenerate_command(cal, out),
        "priors": [p.record() for p in cal.priors],
        "targets": cal.target_ids,
        "generation": int(posterior["generation"].max()) if len(posterior) else None,
        "stopped_by": meta.get("stopped_by"),
        "seed": meta.get("seed"),
    }
    return write_ensemble(last[names], last["weight"].to_numpy(), info, out / "ensemble.parquet")


def _with_kinds(priors: list[Prior]) -> list[Prior]:
    from .simulate import _INT_PARAMS

    return [Prior(p.name, p.kind, p.low, p.high, p.name in _INT_PARAMS) for p in priors]


def _sampler(pyabc: Any, client: Any, n_workers: int) -> Any:
    if client is not None:
        return pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=1)
    if n_workers > 1:
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=n_workers)
    return BatchSampler()


def _generations(pyabc: Any, db: str, ess: dict[int, float] | None = None) -> pd.DataFrame:
    """One row per stored generation (``ess``: effective sample sizes already known)."""
    ess = {} if ess is None else ess
    h = pyabc.History(db)
    h.id = 1
    pops = h.get_all_populations()
    pops = pops[pops["t"] >= 0].sort_values("t")
    rows = []
    for rec in pops.to_dict("records"):
        t = int(rec["t"])
        if t not in ess:
            ess[t] = effective_sample_size(np.asarray(h.get_distribution(m=0, t=t)[1]))
        samples = int(rec["samples"])
        particles = int(rec["particles"])
        rows.append(
            {
                "generation": t,
                "epsilon": float(rec["epsilon"]),
                "acceptance_rate": particles / samples if samples else math.nan,
                "ess": ess[t],
                "particles": particles,
                "samples": samples,
                "seconds": float(rec.get("wall_time") or math.nan),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "generation",
            "epsilon",
            "acceptance_rate",
            "ess",
            "particles",
            "samples",
            "seconds",
        ],
    )


def seconds_left(times: list[float], acceptance: list[float], remaining: int) -> float:
    """Expected time of the ``remaining`` generations still allowed, from the last generations'
    times (``times``, in seconds) and every generation's acceptance rate so far: a generation
    costs about population / acceptance simulations, and acceptance keeps falling as epsilon
    shrinks, so each further generation is taken to cost the last one's time divided by the
    last fall of acceptance (a ratio kept between 1/3 and 1) once more. An estimate, not a bound:
    the run may stop earlier (``min_epsilon``, ``min_acceptance_rate``)."""
    if remaining <= 0 or not times:
        return 0.0
    ratio = 1.0
    if len(acceptance) >= 2 and acceptance[-2] > 0:
        ratio = min(max(acceptance[-1] / acceptance[-2], 1.0 / 3.0), 1.0)
    return float(sum(times[-1] / ratio**j for j in range(1, remaining + 1)))


def _stopping_reason(gens: pd.DataFrame, t: int, stop: Any) -> str | None:
    """The stopping rule generation ``t`` (stored) meets, or None."""
    row = gens[gens["generation"] == t]
    if row.empty:
        return None
    r = row.iloc[0]
    if r["epsilon"] <= stop.min_epsilon:
        return "min_epsilon"
    if r["acceptance_rate"] < stop.min_acceptance_rate:
        return "min_acceptance_rate"
    if t + 1 >= stop.max_generations:
        return "max_generations"
    return None


def _outputs(
    pyabc: Any, db: str, priors: list[Prior], ess: dict[int, float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = [p.name for p in priors]
    generations = _generations(pyabc, db, ess)
    h = pyabc.History(db)
    h.id = 1
    frames = []
    for t in generations["generation"]:
        df, w = h.get_distribution(m=0, t=int(t))
        df = df.reset_index(drop=True)
        own = [natural(row, priors) for row in df[names].to_dict("records")]
        frame = pd.DataFrame({n: np.array([r[n] for r in own], dtype=float) for n in names})
        frame["weight"] = np.asarray(w, dtype=float)
        frame["generation"] = int(t)
        frames.append(frame)
    posterior = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*names, "weight", "generation"])
    )
    return posterior, generations


def point_values(point: dict[str, Any]) -> dict[str, Any]:
    """A posterior particle as a parameter set (whole numbers for integer parameters)."""
    return native_point(point)
