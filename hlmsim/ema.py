"""EMA Workbench adapter: hlmsim as an ``ema_workbench`` model, built from the parameter schema.

Install the extra (``pip install "hlmsim[ema]"``), then::

    from ema_workbench import perform_experiments
    import hlmsim.ema

    model = hlmsim.ema.model("default", months=60, replications=2)
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)

:func:`model` declares nothing by hand: every input and output comes from the schema.

- **Uncertainties.** ``"assumed"`` (the default): the assumed parameters on their plausible
  ranges, exactly the factors the calibration's screening varies
  (:func:`hlmsim.calibrate.screening.assumed_factors`, after the robustness check of
  ``hlmsim patterns``): numeric, sourced as an assumption, no lever, no cost, no setting of an
  arrangement preset, not set by every milieu of the scenario; log-uniform (a scipy
  ``loguniform``) when the low end is positive and high / low >= 4, else uniform; whole numbers
  for integer parameters. ``"posterior"``: the parameters of the calibrated ensemble
  (:mod:`hlmsim.calibrate.posterior`), bounded by the ensemble's range; sample them with
  :class:`PosteriorSampler` (``uncertainty_sampling=PosteriorSampler()``) or give
  :func:`posterior_scenarios` as ``scenarios``, so that every scenario is one calibrated
  parameter set, drawn by weight (a Latin hypercube over the box would ignore how the
  calibrated parameters go together). A list of parameter names: those, on their plausible
  ranges. ``None``: no uncertainty.
- **Levers.** ``"planner"`` (the default): every parameter the schema marks as a lever
  (``lever=True``: what planners control), numbers on their plausible ranges (the span planners
  realistically choose from), yes/no parameters as ``BooleanParameter``, choices as
  ``CategoricalParameter``. ``"arrangement"``: one categorical lever, the arrangement (the five
  presets of :data:`hlmsim.arrangements.ARRANGEMENTS`). A list of names, or ``None``.
  An uncertainty's or a lever's value is applied like ``load_scenario``'s overrides (to every
  milieu, below a milieu's own settings).
- **Outcomes.** ``"key"`` (the default): the key outcomes of comparisons
  (:data:`hlmsim.outcomes.KEY_OUTCOMES`), each a ``ScalarOutcome`` of kind ``MAXIMIZE`` (higher
  is better), ``MINIMIZE`` (lower is better) or ``INFO`` (descriptive), so that EMA's
  (robust) optimisation knows which way is better; or a list of outcome names. Each is the
  final-year value over all milieux (the rule of :func:`hlmsim.outcomes.final_values`:
  ``hlmsim.run(...).summary["all"]``).
- **Replications and common random numbers.** ``replications=1``: an ``ema_workbench.Model``
  whose constant ``seed`` is ``seed``. ``replications=R`` > 1: an
  ``ema_workbench.ReplicatorModel`` whose replications are the seeds
  :func:`hlmsim.replication.batch_seeds` derives from ``seed`` (the seeds a sweep's
  replications use); the outcome of an experiment is the mean over its replications.
  Every experiment, whatever its policy and scenario, runs on the same seeds: two policies are
  compared in the same simulated worlds (common random numbers).

**Optimisation.** EMA's ``optimize`` and ``robust_optimize`` search over the levers with the
outcomes' directions. EMA Workbench 3.0.0 fails on yes/no and choice levers there, and on a
model without uncertainties: give numeric levers (``levers=planner_levers(numeric=True)``)
and at least one uncertainty (``tests/test_ema.py`` runs ``robust_optimize`` that way).

Each experiment is one run of the model (``hlmsim.run`` with ``seed`` and the experiment's
values as overrides gives the same numbers). The function the model calls (:class:`Runner`) is a
picklable object, so ``MultiprocessingEvaluator`` works. ``docs/sweeps.md`` says when the
project's own sweeps are the better tool.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

try:
    with warnings.catch_warnings():  # optional back ends it does not need here
        warnings.filterwarnings("ignore", message=r"ipyparallel not installed")
        import ema_workbench as ema
        from ema_workbench.em_framework.samplers import AbstractSampler
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        'hlmsim.ema needs the EMA Workbench: pip install "hlmsim[ema]" (or ema-workbench>=3)'
    ) from err

from .arrangements import ARRANGEMENTS
from .calibrate.screening import assumed_factors
from .errors import InputError
from .outcomes import ALL_OUTCOMES, KEY_OUTCOMES, final_values
from .params import Params, Scenario, field_meta
from .patterns import LOG_RATIO
from .replication import batch_seeds, check_seed
from .scenario import load_scenario, with_overrides

#: Outcome kind by direction (+1 higher is better, -1 lower is better, 0 descriptive).
KINDS = {1: ema.ScalarOutcome.MAXIMIZE, -1: ema.ScalarOutcome.MINIMIZE, 0: ema.ScalarOutcome.INFO}


# --- the function EMA calls --------------------------------------------------------------------


def _native(name: str, value: Any) -> Any:
    """An EMA value (NumPy scalars, floats for integers) as the schema's type."""
    if name == "arrangement":
        return str(value)
    kind = field_meta(name)["kind"]
    if kind == "int":
        return int(round(float(value)))
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    return str(value)


class Runner:
    """The function an EMA model calls: ``runner(seed=..., **values) -> {outcome: value}``.
    ``values`` are parameter names (and ``arrangement``), applied to ``scenario`` as overrides;
    one run of ``months`` months (the scenario's horizon when None) on ``seed``; the result is
    the final-year value of each of ``outcomes`` over all milieux."""

    def __init__(self, scenario: Scenario, outcomes: Sequence[str]) -> None:
        self.scenario = scenario
        self.outcomes = tuple(outcomes)

    def __call__(self, seed: int = 0, **values: Any) -> dict[str, float]:
        from .model import HLMModel
        from .replication import overall_frame

        overrides = {k: _native(k, v) for k, v in values.items()}
        scen = with_overrides(self.scenario, **overrides)
        model = HLMModel(scen, seed=int(seed), agents=False).run()
        finals = final_values(overall_frame(model), self.outcomes)
        return {k: float(finals[k]) for k in self.outcomes}

    def __repr__(self) -> str:
        return f"hlmsim.ema.Runner({self.scenario.name!r}, outcomes={list(self.outcomes)})"


def replication_mean(values: Iterable[float]) -> float:
    """An outcome over an experiment's replications: their mean, missing values left out (NaN
    when every replication left it undefined, e.g. a time to meet a need when none was met)."""
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else math.nan


# --- inputs from the schema --------------------------------------------------------------------


def _parameter(name: str) -> Any:
    """A parameter on its plausible range (numbers), or its values (yes/no, choices)."""
    meta = field_meta(name)
    if meta["kind"] == "bool":
        return ema.BooleanParameter(name)
    if meta["kind"] == "choice":
        return ema.CategoricalParameter(name, list(meta["choices"]))
    if meta["plausible"] is None:
        raise InputError(f"{name} has no plausible range in the schema", key=name)
    lo, hi = meta["plausible"]
    if not lo < hi:
        raise InputError(f"{name}'s plausible range is a single value ({lo:g})", key=name)
    if meta["kind"] == "int":
        return ema.IntegerParameter(name, int(lo), int(hi))
    if lo > 0 and hi >= LOG_RATIO * lo * (1 - 1e-9):
        return _loguniform(name, lo, hi)
    return ema.RealParameter(name, lo, hi)


def _loguniform(name: str, lo: float, hi: float) -> Any:
    from scipy import stats

    p = ema.RealParameter.from_dist(name, stats.loguniform(lo, hi))
    p.lower_bound, p.upper_bound = lo, hi  # exact, not the ppf's rounding
    return p


def _names(value: Any, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InputError(f"give a list of parameter names or a keyword (got {value!r})", key=what)
    names = [str(n) for n in value]
    for n in names:
        if n != "arrangement" and n not in Params.model_fields:
            raise InputError(f"unknown parameter {n!r}", key=what)
    return names


def uncertainties(
    scenario: Scenario, kind: str | Sequence[str] | None = "assumed", ensemble: Any = None
) -> list[Any]:
    """The model's uncertainties (see the module docstring)."""
    if kind is None:
        return []
    if kind == "assumed":
        out = []
        for f in assumed_factors(scenario):
            if f.integer:
                out.append(ema.IntegerParameter(f.name, int(f.low), int(f.high)))
            elif f.log:
                out.append(_loguniform(f.name, f.low, f.high))
            else:
                out.append(ema.RealParameter(f.name, f.low, f.high))
        return out
    if kind == "posterior":
        ens = _ensemble(ensemble, scenario)
        out = []
        for name in ens.parameters:
            lo, hi = float(ens.values[name].min()), float(ens.values[name].max())
            if field_meta(name)["kind"] == "int":
                out.append(ema.IntegerParameter(name, int(round(lo)), int(round(hi))))
            else:
                out.append(ema.RealParameter(name, lo, hi if hi > lo else lo + 1e-12))
        return out
    return [_parameter(n) for n in _names(kind, "uncertainties")]


def planner_levers(numeric: bool = False) -> list[str]:
    """The names of the parameters the schema marks as levers, in schema order; with
    ``numeric``, only those with a range (numbers and whole numbers), e.g. for EMA 3.0's
    ``optimize``, which does not handle yes/no and choice levers."""
    kinds = ("int", "float") if numeric else ("int", "float", "bool", "choice")
    return [
        n for n in Params.model_fields if field_meta(n)["lever"] and field_meta(n)["kind"] in kinds
    ]


def levers(kind: str | Sequence[str] | None = "planner") -> list[Any]:
    """The model's levers (see the module docstring)."""
    if kind is None:
        return []
    if kind == "planner":
        return [_parameter(n) for n in planner_levers()]
    if kind == "arrangement":
        return [ema.CategoricalParameter("arrangement", list(ARRANGEMENTS))]
    return [
        ema.CategoricalParameter("arrangement", list(ARRANGEMENTS))
        if n == "arrangement"
        else _parameter(n)
        for n in _names(kind, "levers")
    ]


def outcomes(kind: str | Sequence[str] = "key", replications: int = 1) -> list[Any]:
    """The model's outcomes, each with the direction that is better (see the module docstring);
    with replications, each the mean over them (:func:`replication_mean`)."""
    if kind == "key":
        names = list(KEY_OUTCOMES)
    elif isinstance(kind, str) or not isinstance(kind, Iterable):
        raise InputError(f"give a list of outcome names or 'key' (got {kind!r})", key="outcomes")
    else:
        names = [str(n) for n in kind]
        for n in names:
            if n not in ALL_OUTCOMES:
                raise InputError(
                    f"unknown outcome {n!r}; allowed: {', '.join(ALL_OUTCOMES)}", key="outcomes"
                )
    fn = replication_mean if replications > 1 else None
    return [ema.ScalarOutcome(n, kind=KINDS[ALL_OUTCOMES[n].direction], function=fn) for n in names]


# --- the model ---------------------------------------------------------------------------------


def model(
    scenario: Scenario | str | Path = "default",
    uncertainties: str | Sequence[str] | None = "assumed",
    levers: str | Sequence[str] | None = "planner",
    outcomes: str | Sequence[str] = "key",
    *,
    months: int | None = None,
    replications: int = 1,
    seed: int = 0,
    ensemble: Any = None,
    name: str | None = None,
) -> Any:
    """hlmsim as an EMA Workbench model, built from the parameter schema (the module docstring
    has the details): ``scenario`` a :class:`Scenario`, a shipped name or a path; ``months``
    its horizon (the scenario's when None).

    ``uncertainties``: ``"assumed"`` (the assumed parameters the calibration's screening
    varies, on their plausible ranges, log-uniform where the range spans a factor of 4 or
    more), ``"posterior"`` (the calibrated ensemble's parameters: sample them with
    :class:`PosteriorSampler` or :func:`posterior_scenarios`), a list of parameter names, or
    None. ``levers``: ``"planner"`` (every parameter the schema marks as a lever),
    ``"arrangement"`` (the five arrangements), a list of names, or None. ``outcomes``:
    ``"key"`` (the key outcomes of comparisons, each ``MAXIMIZE``, ``MINIMIZE`` or ``INFO`` by
    the direction that is better) or a list of outcome names; final-year values over all
    milieux, as ``hlmsim.run(...).summary["all"]`` gives them.

    ``replications`` seeds per experiment, derived from ``seed`` and the same for every
    experiment (common random numbers; an ``ema_workbench.ReplicatorModel`` whose outcomes are
    the mean over replications when more than one, else an ``ema_workbench.Model`` with the
    constant ``seed``); ``ensemble`` (``uncertainties="posterior"``): the calibrated ensemble
    shipped for the scenario when None, or an ensemble file."""
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if months is not None:
        scen = with_overrides(scen, months=months)
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)):
        raise InputError(f"must be a whole number (got {replications!r})", key="replications")
    if replications < 1:
        raise InputError(f"must be at least 1 (got {replications})", key="replications")
    seed = check_seed(seed)
    outs = _outcomes(outcomes, int(replications))
    unc = _uncertainties(scen, uncertainties, ensemble)
    lev = _levers(levers)
    clash = {p.name for p in unc} & {p.name for p in lev}
    if clash:
        raise InputError(
            f"{', '.join(sorted(clash))} cannot be both an uncertainty and a lever", key="levers"
        )
    label = name or "hlmsim_" + re.sub(r"\W", "_", scen.name)
    runner = Runner(scen, [o.name for o in outs])
    m: Any
    if replications == 1:
        m = ema.Model(label, function=runner)
        m.constants = [ema.Constant("seed", seed)]
    else:
        m = ema.ReplicatorModel(label, function=runner)
        m.replications = [{"seed": s} for s in batch_seeds(seed, int(replications))]
    m.uncertainties = unc
    m.levers = lev
    m.outcomes = outs
    return m


_uncertainties = uncertainties
_levers = levers
_outcomes = outcomes


# --- the calibrated ensemble as scenarios -----------------------------------------------------


def _ensemble(ensemble: Any, scenario: Scenario | str = "default") -> Any:
    from .calibrate.posterior import Ensemble, resolve_ensemble

    if isinstance(ensemble, Ensemble):
        return ensemble
    if ensemble is None:  # the one shipped for the scenario (a one-line error when none is)
        name = scenario.name if isinstance(scenario, Scenario) else str(scenario)
        return resolve_ensemble("calibrated", name)
    return resolve_ensemble(ensemble)


def posterior_scenarios(n: int, seed: int = 0, ensemble: Any = None) -> list[Any]:
    """``n`` EMA scenarios, each a parameter set of the calibrated ensemble drawn by weight
    (:meth:`hlmsim.calibrate.posterior.Ensemble.draw`: the same ``n`` and ``seed`` give the
    same sets), for ``perform_experiments(model, scenarios=posterior_scenarios(50))``."""
    ens = _ensemble(ensemble)
    sets = ens.param_sets(int(n), check_seed(seed))
    return [ema.Sample(name=f"posterior_{i}", **s) for i, s in enumerate(sets)]


class PosteriorSampler(AbstractSampler):  # type: ignore[misc]
    """An EMA sampler drawing the uncertainties' values from the calibrated ensemble, by weight
    (whole parameter sets, so that the calibrated parameters keep how they go together):
    ``perform_experiments(model, scenarios=50, uncertainty_sampling=PosteriorSampler())``.
    The draw's seed comes from EMA's ``rng`` (``uncertainty_sampling_kwargs={"rng": 3}``), else
    from ``seed``."""

    def __init__(self, ensemble: Any = None, seed: int = 0) -> None:
        self.ensemble = ensemble
        self.seed = check_seed(seed)

    def generate_samples(self, parameters: Any, size: int, rng: Any = None, **kwargs: Any) -> Any:
        from ema_workbench.em_framework.points import SampleCollection

        params = self._process_parameters(parameters)
        ens = _ensemble(self.ensemble)
        missing = [p.name for p in params if p.name not in ens.parameters]
        if missing:
            raise InputError(
                f"not in the calibrated ensemble: {', '.join(missing)}"
                " (use uncertainties='posterior')",
                key="uncertainties",
            )
        seed = self.seed if rng is None else int(np.random.default_rng(rng).integers(2**31 - 1))
        draws = ens.draw(int(size), seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            samples = draws[[p.name for p in params]].to_numpy(dtype=float)
        return SampleCollection(samples, parameters)


__all__ = [
    "KINDS",
    "PosteriorSampler",
    "Runner",
    "levers",
    "model",
    "outcomes",
    "planner_levers",
    "posterior_scenarios",
    "replication_mean",
    "uncertainties",
]
