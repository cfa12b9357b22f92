"""The model's values of the calibration targets for parameter sets.

:class:`TargetModel` knows which runs the chosen targets need (the targets engine's
:func:`~hlmsim.targets.engine.plan_runs`: the scenario with each target's arrangement, spin-up
and ``versus`` arm) and measures them with the engine's own arithmetic
(:func:`~hlmsim.targets.engine.contrast_values`, :func:`~hlmsim.targets.engine.standardised`).
Parameter sets are simulated as replicates of vectorised models (``HLMModel(param_sets=...)``,
as :func:`hlmsim.ensemble.run_ensemble` does, in chunks of up to :data:`CHUNK` worlds, chunk
``c`` seeded with ``batch_seeds(seed, n)[c]``), every run with the same seeds (common random
numbers: a contrast pairs replicate r of both arms). A set simulated with ``replicates``
worlds gets the mean of its worlds' values (a contrast is taken world by world, then
averaged).

With ``isolated=True`` each point runs in a model of its own (its ``replicates`` worlds), every
point on the same seed: a point's worlds then depend on the point and the seed only. Batched
worlds draw some household attributes in one call of a rejection sampler, so there a point's
worlds also depend on the other points of its chunk: each world is still a fair draw of the
model at its own parameters (what ABC needs), but two points do not face the same worlds (what
a screening's elementary effects need: common random numbers).

:func:`make_evaluator` gives ``evaluate(points, seed) -> DataFrame`` (one row per point, one
column per target), the form the screening calls; :func:`evaluate` is the same for the
shipped catalogue's calibration targets on a scenario.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import HLMModel
from ..observables import observe
from ..params import Params, Scenario
from ..replication import batch_seeds, mp_context, pool_map
from ..scenario import load_scenario
from ..targets.catalogue import Catalogue, Target
from ..targets.engine import contrast_values, plan_runs, standardised

#: The standardised deviation given to a target the model cannot compute (no value): far
#: outside every range, so that such a particle is never accepted, yet finite.
UNDEFINED_DEVIATION = 100.0

#: The most worlds simulated together in one model.
CHUNK = 50

_INT_PARAMS = frozenset(n for n, f in Params.model_fields.items() if f.annotation is int)


def native_point(point: Mapping[str, Any]) -> dict[str, Any]:
    """A parameter set as plain Python numbers (whole numbers for integer parameters)."""
    out: dict[str, Any] = {}
    for k, v in point.items():
        v = v.item() if isinstance(v, np.generic) else v
        out[k] = int(round(v)) if k in _INT_PARAMS else (float(v) if isinstance(v, int) else v)
    return out


class TargetModel:
    """The chosen targets of ``catalogue`` measured on ``scenario`` (a :class:`Scenario`, a
    shipped name or a path), ``replicates`` worlds per parameter set."""

    def __init__(
        self,
        scenario: Scenario | str | Path,
        catalogue: Catalogue,
        replicates: int = 1,
        workers: int = 1,
        isolated: bool = False,
    ) -> None:
        self.isolated = bool(isolated)
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.catalogue = catalogue
        self.targets: list[Target] = list(catalogue)
        self.ids = [t.id for t in self.targets]
        self.replicates = int(replicates)
        self.workers = int(workers)
        self.runs, self.arms = plan_runs(catalogue, self.scenario)
        names: dict[str, set[str]] = {r: set() for r in self.runs}
        for t in self.targets:
            main, versus = self.arms[t.id]
            names[main].add(t.observable)
            if versus is not None:
                names[versus].add(t.observable)
        self.observables = {r: tuple(sorted(n)) for r, n in names.items()}

    # --- values ---------------------------------------------------------------------------------

    def values(self, points: Sequence[Mapping[str, Any]], seed: int) -> np.ndarray:
        """The targets' values (points x targets; NaN where the model gives none): each point
        simulated in ``replicates`` worlds, every run on the same ``seed``."""
        pts = [native_point(p) for p in points]
        n, reps = len(pts), self.replicates
        if n == 0:
            return np.empty((0, len(self.targets)))
        sets = [p for p in pts for _ in range(reps)]
        if self.isolated:  # one model per point, every point on the same seed
            chunks = [sets[i : i + reps] for i in range(0, len(sets), reps)]
            seeds = batch_seeds(int(seed), 1) * len(chunks)
        else:
            chunks = [sets[i : i + CHUNK] for i in range(0, len(sets), CHUNK)]
            seeds = batch_seeds(int(seed), len(chunks))
        tasks = [
            (run, c, scen, seeds[c], chunk, self.observables[run])
            for c, chunk in enumerate(chunks)
            for run, scen in self.runs.items()
        ]
        parts: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        n_proc = min(self.workers, len(tasks))
        if n_proc > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=n_proc, mp_context=mp_context()) as pool:
                for run, c, values in pool_map(pool, _simulate_chunk, tasks):
                    parts[(run, c)] = values
        else:
            for run, c, values in map(_simulate_chunk, tasks):
                parts[(run, c)] = values
        obs = {
            run: {
                name: np.concatenate([parts[(run, c)][name] for c in range(len(chunks))])
                for name in self.observables[run]
            }
            for run in self.runs
        }
        out = np.full((n, len(self.targets)), math.nan)
        for j, t in enumerate(self.targets):
            main, versus = self.arms[t.id]
            v = np.asarray(obs[main][t.observable], dtype=float)
            if versus is not None and t.contrast is not None:
                v = contrast_values(t.contrast, v, np.asarray(obs[versus][t.observable], float))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a point with no value: NaN
                out[:, j] = np.nanmean(v.reshape(n, reps), axis=1)
        return out

    def frame(self, points: Sequence[Mapping[str, Any]], seed: int) -> pd.DataFrame:
        """:meth:`values` as a table: one row per point, one column per target id."""
        return pd.DataFrame(self.values(points, seed), columns=self.ids)

    def simulate(self, point: Mapping[str, Any], seed: int) -> dict[str, float]:
        """One point's target values by id."""
        return dict(zip(self.ids, (float(x) for x in self.values([point], seed)[0]), strict=True))

    # --- distance -------------------------------------------------------------------------------

    def deviations(self, values: Mapping[str, float] | Sequence[float]) -> np.ndarray:
        """Each target's standardised deviation (0 at its value, -1 and +1 at its range's ends;
        :data:`UNDEFINED_DEVIATION` where the model gives no value)."""
        if isinstance(values, Mapping):
            values = [values[i] for i in self.ids]
        z = np.array(
            [
                standardised(float(x), t.value, t.range_low, t.range_high)
                for x, t in zip(values, self.targets, strict=True)
            ]
        )
        return np.where(np.isfinite(z), z, UNDEFINED_DEVIATION)


def _simulate_chunk(
    task: tuple[str, int, Scenario, int, list[dict[str, Any]], tuple[str, ...]],
) -> tuple[str, int, dict[str, np.ndarray]]:
    """One chunk of worlds of one run (in this process or a worker): its observables."""
    run, c, scen, seed, sets, names = task
    model = HLMModel(scen, seed=seed, agents=False, replicates=len(sets), param_sets=sets).run()
    return run, c, {k: np.asarray(v, dtype=float) for k, v in observe(model, list(names)).items()}


def rms_distance(z: np.ndarray) -> float:
    """The root mean square of standardised deviations."""
    z = np.asarray(z, dtype=float)
    return float(np.sqrt(np.mean(z * z))) if z.size else 0.0


@dataclass(frozen=True)
class TargetsEvaluator:
    """``evaluate(points, seed=None)``: the targets' values, one row per point, one column per
    target id (``seed`` defaults to the evaluator's). Picklable, so that the screening can run
    it in worker processes."""

    model: TargetModel
    seed: int = 0

    def __call__(self, points: list[dict[str, Any]], seed: int | None = None) -> pd.DataFrame:
        return self.model.frame(points, self.seed if seed is None else seed)

    @property
    def settings(self) -> dict[str, Any]:
        m = self.model
        return {
            "name": "targets",
            "targets": m.ids,
            "replicates": m.replicates,
            "isolated": m.isolated,
            "seed": self.seed,
        }


def make_evaluator(
    scenario: Scenario | str | Path,
    catalogue: Catalogue,
    replicates: int = 1,
    workers: int = 1,
    isolated: bool = True,
    seed: int = 0,
) -> TargetsEvaluator:
    """The screening's evaluator of the targets (by default each point in its own model, see
    :class:`TargetModel`)."""
    model = TargetModel(
        scenario, catalogue, replicates=replicates, workers=workers, isolated=isolated
    )
    return TargetsEvaluator(model, int(seed))


def evaluate(
    points: list[dict[str, Any]],
    seed: int,
    *,
    scenario: Scenario | str | Path = "default",
    catalogue: Catalogue | str | Path | None = None,
    months: int | None = None,
    replicates: int = 1,
    workers: int = 1,
) -> pd.DataFrame:
    """The calibration targets' values for ``points`` (one row per point, one column per
    target): every calibration target of ``catalogue`` (default: the shipped one) measured on
    ``scenario`` (default ``default``; ``months`` overrides its horizon)."""
    from ..scenario import validate
    from ..targets.catalogue import load_catalogue

    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if months is not None:
        scen = validate({**scen.model_dump(), "months": int(months)})
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    return make_evaluator(scen, cat.select("calibration"), replicates, workers)(points, seed)
