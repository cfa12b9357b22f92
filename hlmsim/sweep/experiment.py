"""Experiment files: a sweep declared as data (TOML), validated like scenario files.

An experiment names a base scenario, the arrangements to run, the parameters to vary (by their
schema names: a list of values, a range, or a distribution), constants (parameter overrides),
the outcomes to analyse, the replications and a sampler with an explicit seed (full factorial,
Latin hypercube, Sobol (Saltelli) or Morris). A ``[quick]`` table gives the reduced size used in
CI (``--quick``). Every problem is an :class:`~hlmsim.errors.InputError` naming the file and
the key, on one line. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..arrangements import ARRANGEMENTS
from ..errors import InputError, suggest
from ..inputfile import MAX_FLOAT, Number, exists, is_file, read_toml
from ..outcomes import DERIVED, KEY_OUTCOMES, OUTCOMES
from ..params import EventSpec, Params, Scenario, field_meta
from ..replication import batch_seeds
from ..scenario import load_scenario, scenario_hash, set_arrangement, validate
from .sampling import DISTRIBUTIONS, Factor, n_points

#: Where experiments are found by name (``hlmsim sweep staff_turnover``): a folder
#: ``experiments/`` in the working directory (your own files), then the shipped ones (package data).
EXPERIMENT_DIRS = (Path("experiments"), Path(__file__).resolve().parents[1] / "experiments")
#: Outcomes a sweep can report: the key outcomes, every monthly outcome, the derived ones.
ALL_OUTCOMES: tuple[str, ...] = tuple(dict.fromkeys([*KEY_OUTCOMES, *OUTCOMES, *DERIVED]))
DEFAULT_OUTCOMES = ["needs_met", "cost_per_need_met"]
#: Keys the ``[quick]`` table may hold (merged onto the experiment with ``--quick``).
QUICK_KEYS = (
    "replications",
    "months",
    "arrangements",
    "sampler",
    "parameters",
    "constants",
    "outcomes",
    "series",
    "batch_size",
    "ensemble",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class SamplerSpec(_Strict):
    """``[sampler]``: the method, its seed and its size."""

    method: Literal["factorial", "latin", "sobol", "morris"]
    seed: int = Field(ge=0, le=2**63 - 1)
    samples: int | None = Field(None, ge=1, le=10_000_000)
    levels: int | None = Field(None, ge=2, le=100)
    second_order: bool = False


class ParamSpec(_Strict):
    """``[parameters.NAME]``: values, a range, or a distribution."""

    values: list[Any] | None = Field(None, min_length=1)
    range: list[Number] | None = Field(None, min_length=2, max_length=2)
    levels: int | None = Field(None, ge=2, le=1000)
    distribution: Literal["uniform", "loguniform", "triangular", "normal"] | None = None
    mode: Number | None = None
    mean: Number | None = None
    sd: float | None = Field(None, gt=0, le=MAX_FLOAT)
    bounds: list[Number] | None = Field(None, min_length=2, max_length=2)


class ExperimentSpec(_Strict):
    """A whole experiment file (after merging ``[quick]`` when asked)."""

    name: str = Field(min_length=1)
    description: str = ""
    base: str = "default"
    arrangements: list[str] | None = Field(None, min_length=1)
    months: int | None = Field(None, ge=1, le=600)
    replications: int = Field(10, ge=1, le=100_000)
    outcomes: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES), min_length=1)
    series: list[str] = Field(default_factory=list, max_length=20)
    constants: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    sampler: SamplerSpec
    events: list[EventSpec] = Field(default_factory=list)
    batch_size: int = Field(50, ge=1, le=100_000)
    #: A calibrated ensemble (``calibrated`` for the shipped one, or a file written by
    #: ``hlmsim calibrate``, relative to the experiment): replication r of every run draws its
    #: r-th parameter set from it.
    ensemble: str | None = Field(None, min_length=1)
    quick: dict[str, Any] = Field(default_factory=dict)


TOP_KEYS = tuple(ExperimentSpec.model_fields)


@dataclass
class Experiment:
    """A validated experiment: its spec, the base scenario (horizon and events applied), the
    factors and what identifies it (``hash``). ``quick``: the ``[quick]`` size was applied."""

    spec: ExperimentSpec
    source: str | None
    base: Scenario
    factors: list[Factor]
    quick: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The calibrated ensemble the replications draw their parameters from (``ensemble``).
    ensemble: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name + ("-quick" if self.quick else "")

    def param_sets(self) -> list[dict[str, Any]] | None:
        """One parameter set per replication, drawn by weight from the ensemble with the
        sampler's seed (prefix-stable in the replications: the same seed gives the same first
        sets), the same for every arrangement and sample point; None without an ensemble."""
        if self.ensemble is None:
            return None
        return self.ensemble.param_sets(self.spec.replications, self.spec.sampler.seed)

    @property
    def method(self) -> str:
        return self.spec.sampler.method

    @property
    def arrangements(self) -> list[str]:
        """The arrangements run (the base scenario's own, as a single entry, when none given)."""
        return list(self.spec.arrangements) if self.spec.arrangements else [base_label(self.base)]

    @property
    def n_points(self) -> int:
        s = self.spec.sampler
        return n_points(self.factors, s.method, s.samples, s.second_order)

    @property
    def n_runs(self) -> int:
        return self.n_points * len(self.arrangements) * self.spec.replications

    def seeds(self) -> list[int]:
        """One seed per replication index, derived from the sampler's seed (prefix-stable), the
        same for every arrangement and sample: common random numbers."""
        return batch_seeds(self.spec.sampler.seed, self.spec.replications)

    @property
    def hash(self) -> str:
        """Identifies the experiment: its resolved spec and its base scenario's hash."""
        ens = None
        if self.ensemble is not None:
            ens = self.ensemble.values.assign(weight=self.ensemble.weights).to_json(
                orient="split", double_precision=15
            )
        blob = json.dumps(
            {
                "spec": self.spec.model_dump(mode="json"),
                "base": scenario_hash(self.base),
                **({"ensemble": ens} if ens is not None else {}),
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def scenario(
        self,
        arrangement: str,
        values: dict[str, Any],
        drawn: dict[str, Any] | None = None,
    ) -> Scenario:
        """The scenario of one sample point and arrangement: the base scenario on that
        arrangement (every milieu), with the constants and the point's values applied to every
        milieu (replacing any per-milieu value of the base). ``drawn``: a parameter set of the
        ensemble, applied under the constants and the point's values and, as in
        :func:`hlmsim.run_ensemble`, under a milieu's own settings."""
        data = self.base.model_dump()
        over = {**self.spec.constants, **values}
        if self.spec.arrangements:
            data = set_arrangement(data, arrangement)
        data["params"] = {**data["params"], **(drawn or {}), **over}
        for m in data["milieux"]:
            clash = {k: v for k, v in over.items() if k in m["params"]}
            if clash:
                m["params"] = {**m["params"], **clash}
        try:
            return validate(data, self.source)
        except InputError as err:
            shown = ", ".join(f"{k} = {v!r}" for k, v in values.items())
            raise InputError(
                f"{err.key or ''}: {err.detail} (arrangement {arrangement}; {shown})",
                source=self.source,
            ) from None


def base_label(scen: Scenario) -> str:
    """The arrangement column of an experiment without ``arrangements``: the base scenario's
    arrangement when every milieu runs it, else ``mixed``."""
    own = {m.arrangement for m in scen.milieux if m.arrangement}
    return scen.arrangement if not own or own == {scen.arrangement} else "mixed"


# --- loading -----------------------------------------------------------------------------------


def locate(name_or_path: str | Path) -> Path:
    """A path to an experiment file, or a shipped experiment's name (``experiments/NAME.toml``)."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or exists(p) or "/" in str(name_or_path):
        return p  # read_toml says what is wrong with it, if anything
    for d in EXPERIMENT_DIRS:
        if is_file(d / f"{p}.toml"):
            return d / f"{p}.toml"
    names = sorted({q.stem for d in EXPERIMENT_DIRS if d.is_dir() for q in d.glob("*.toml")})
    raise InputError(
        f"unknown experiment '{name_or_path}'{suggest(str(name_or_path), names)}; give a path"
        f" to a .toml file{' or one of: ' + ', '.join(names) if names else ''}"
    )


def load_experiment(name_or_path: str | Path, quick: bool = False) -> Experiment:
    """Read and validate an experiment file (``quick``: with its ``[quick]`` size applied).
    The full-size experiment is validated too, so ``--quick`` in CI checks the whole file."""
    path = locate(name_or_path)
    data = read_toml(path, "experiment", TOP_KEYS)
    return parse_experiment(data, str(path), quick=quick)


def parse_experiment(data: dict[str, Any], source: str | None, quick: bool = False) -> Experiment:
    """Validate raw experiment data (as read from TOML). ``source`` names the file in errors
    and anchors a relative ``base`` path."""
    full = _parse(dict(data), source, quick=False)
    if not quick:
        return full
    q = data.get("quick") or {}
    if not q:
        raise InputError(
            "--quick needs a [quick] table (the reduced size: replications, months, sampler,"
            " parameters...)",
            source=source,
            key="quick",
        )
    return _parse(merge_quick(data), source, quick=True, from_quick=set(q))


def merge_quick(data: dict[str, Any]) -> dict[str, Any]:
    """The experiment with its ``[quick]`` table merged on: tables (sampler, parameters,
    constants) are merged key by key, everything else replaced."""
    out = {k: v for k, v in data.items() if k != "quick"}
    for k, v in (data.get("quick") or {}).items():
        if k in ("sampler", "parameters", "constants") and isinstance(v, dict):
            out[k] = {**(out.get(k) or {}), **v}
        else:
            out[k] = v
    return out


def _parse(
    data: dict[str, Any], source: str | None, quick: bool, from_quick: set[str] | None = None
) -> Experiment:
    def where(key: str) -> str:
        top = key.split(".")[0].split("[")[0]
        return f"quick.{key}" if from_quick and top in from_quick else key

    def fail(msg: str, key: str) -> InputError:
        return InputError(msg, source=source, key=where(key))

    for k in data:
        if k not in TOP_KEYS:
            raise fail(f"unknown key{suggest(k, TOP_KEYS)}; allowed: {', '.join(TOP_KEYS)}", k)
    q = data.get("quick")
    if q is not None:
        if not isinstance(q, dict):
            raise fail("must be a table", "quick")
        for k in q:
            if k not in QUICK_KEYS:
                raise InputError(
                    f"unknown key{suggest(k, QUICK_KEYS)}; allowed in [quick]:"
                    f" {', '.join(QUICK_KEYS)}",
                    source=source,
                    key=f"quick.{k}",
                )
    if "name" not in data and source:
        data["name"] = Path(source).stem
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise fail("must be a table of parameter names", "parameters")
    data["parameters"] = {
        k: ({"values": v} if isinstance(v, list) else v) for k, v in params.items()
    }
    sampler = data.get("sampler")
    if sampler is None:
        raise fail(
            "missing [sampler] table: method (factorial, latin, sobol or morris) and seed",
            "sampler",
        )
    for name, spec in data["parameters"].items():
        if name not in Params.model_fields:
            raise fail(
                f"unknown parameter{suggest(name, Params.model_fields)}; see docs/parameters.md"
                " for the valid names",
                f"parameters.{name}",
            )
        if not isinstance(spec, dict):
            raise fail(
                "must be a table (values, range or distribution) or a list of values",
                f"parameters.{name}",
            )
    try:
        spec = ExperimentSpec(**data)
    except ValidationError as err:
        raise _message(err, source, where) from None
    except TypeError as err:
        raise InputError(str(err), source=source) from None

    _check_lists(spec, fail)
    for k, v in spec.constants.items():
        if k not in Params.model_fields:
            raise fail(f"unknown parameter{suggest(k, Params.model_fields)}", f"constants.{k}")
        _check_value(k, v, f"constants.{k}", fail)
        if k in spec.parameters:
            raise fail("is both varied (parameters) and constant: keep one", f"constants.{k}")
    _check_sampler(spec, fail)
    factors = [_factor(name, p, spec.sampler.method, fail) for name, p in spec.parameters.items()]
    base = _base(spec, source, fail)
    ensemble = _ensemble(spec.ensemble, source, fail) if spec.ensemble else None
    exp = Experiment(spec, source, base, factors, quick=quick, raw=data, ensemble=ensemble)
    if exp.n_points == 0:
        raise fail("the design has no sample point", "parameters")
    return exp


def _ensemble(ref: str, source: str | None, fail: Any) -> Any:
    """The calibrated ensemble ``ensemble`` names (``calibrated``: the shipped one; a path is
    relative to the experiment file)."""
    from ..calibrate.posterior import SHIPPED, resolve_ensemble

    path: str | Path = ref
    if ref != SHIPPED and not Path(ref).is_absolute() and source:
        path = Path(source).parent / ref
    try:
        return resolve_ensemble(path)
    except InputError as err:
        where = f"{err.source}: " if err.source else ""
        key = f"{err.key}: " if err.key and err.key != "--ensemble" else ""
        raise fail(f"{where}{key}{err.detail}", "ensemble") from None


def _message(err: ValidationError, source: str | None, where: Any) -> InputError:
    e = err.errors()[0]
    loc = ""
    for x in e["loc"]:
        loc += f"[{x}]" if isinstance(x, int) else (f".{x}" if loc else str(x))
    msg = e["msg"]
    if e["type"] == "extra_forbidden":
        top = str(e["loc"][0])
        table = {"parameters": ParamSpec, "sampler": SamplerSpec}.get(top)
        if table is not None and (top == "sampler" or len(e["loc"]) >= 3):
            keys = table.model_fields
            msg = f"unknown key{suggest(str(e['loc'][-1]), keys)}; allowed: {', '.join(keys)}"
        else:
            msg = "unknown key"
    elif e["type"] == "missing":
        msg = "missing"
    elif "input" in e:
        msg = f"{msg} (got {e['input']!r})"
    return InputError(msg, source=source, key=where(loc) if loc else None)


def _check_lists(spec: ExperimentSpec, fail: Any) -> None:
    if spec.arrangements:
        for i, a in enumerate(spec.arrangements):
            if a not in ARRANGEMENTS:
                raise fail(
                    f"unknown arrangement '{a}'{suggest(a, ARRANGEMENTS)};"
                    f" allowed: {', '.join(ARRANGEMENTS)}",
                    f"arrangements[{i}]",
                )
        if len(set(spec.arrangements)) != len(spec.arrangements):
            raise fail("each arrangement may appear once", "arrangements")
    for i, o in enumerate(spec.outcomes):
        if o not in ALL_OUTCOMES:
            raise fail(
                f"unknown outcome '{o}'{suggest(o, ALL_OUTCOMES)}; key outcomes:"
                f" {', '.join(KEY_OUTCOMES)} (or any monthly outcome)",
                f"outcomes[{i}]",
            )
    if len(set(spec.outcomes)) != len(spec.outcomes):
        raise fail("each outcome may appear once", "outcomes")
    for i, o in enumerate(spec.series):
        if o not in OUTCOMES:
            raise fail(f"unknown monthly outcome '{o}'{suggest(o, OUTCOMES)}", f"series[{i}]")
    if len(set(spec.series)) != len(spec.series):
        raise fail("each outcome may appear once", "series")


def _check_sampler(spec: ExperimentSpec, fail: Any) -> None:
    s = spec.sampler
    d = len(spec.parameters)
    if s.method == "factorial":
        if s.samples is not None:
            raise fail(
                "not used by the factorial sampler (it runs every combination); remove it",
                "sampler.samples",
            )
    else:
        if s.samples is None:
            what = {
                "latin": "the number of Latin hypercube points",
                "sobol": "the base sample N (a power of 2; runs N x (parameters + 2))",
                "morris": "the number of Morris trajectories (runs r x (parameters + 1))",
            }[s.method]
            raise fail(f"missing: {what}", "sampler.samples")
        if d == 0:
            raise fail(f"the {s.method} sampler needs at least one varied parameter", "parameters")
        if s.method == "sobol" and (s.samples < 2 or s.samples & (s.samples - 1)):
            lo = 2 ** max(1, int(math.log2(s.samples)))
            raise fail(
                f"must be a power of 2 for Sobol' sequences (got {s.samples}; try {lo} or"
                f" {lo * 2})",
                "sampler.samples",
            )
        if s.method in ("latin", "morris") and s.samples < 2:
            raise fail(f"must be at least 2 (got {s.samples})", "sampler.samples")
    if s.levels is not None and s.method != "morris":
        raise fail(
            "only the morris sampler has grid levels (for a factorial, give levels with a"
            " parameter's range)",
            "sampler.levels",
        )
    if s.method == "morris" and s.levels is not None and s.levels % 2:
        raise fail(f"must be even for Morris (got {s.levels})", "sampler.levels")
    if s.second_order and s.method != "sobol":
        raise fail("only applies to the sobol sampler", "sampler.second_order")


def _check_value(name: str, value: Any, key: str, fail: Any) -> Any:
    """A single value of a parameter, checked against the schema (type and range)."""
    try:
        return getattr(Params(**{name: value}), name)
    except ValidationError as err:
        e = err.errors()[0]
        raise fail(f"{e['msg']} (got {value!r})", key) from None


def _range_text(meta: dict[str, Any]) -> str:
    return f"[{meta['min']:g}, {meta['max']:g}]"


def _factor(name: str, p: ParamSpec, method: str, fail: Any) -> Factor:
    meta = field_meta(name)
    kind = meta["kind"]
    key = f"parameters.{name}"
    given = [k for k in ("values", "range", "distribution") if getattr(p, k) is not None]
    if p.values is not None and (p.range is not None or p.distribution is not None):
        raise fail("give either values or a range/distribution, not both", key)
    if not given:
        raise fail(
            "give values = [...], range = [low, high] or a distribution"
            f" ({', '.join(DISTRIBUTIONS)})",
            key,
        )
    common = {"meta": meta}
    if p.values is not None:
        for k in ("levels", "mode", "mean", "sd", "bounds"):
            if getattr(p, k) is not None:
                raise fail("does not apply to a list of values", f"{key}.{k}")
        vals = [_check_value(name, v, f"{key}.values[{i}]", fail) for i, v in enumerate(p.values)]
        if kind == "float":
            vals = [float(v) for v in vals]
        if len(set(map(repr, vals))) != len(vals):
            raise fail("each value may appear once", f"{key}.values")
        return Factor(name, kind, values=tuple(vals), **common)
    if kind not in ("float", "int"):
        choices = "true, false" if kind == "bool" else ", ".join(map(repr, meta["choices"]))
        raise fail(
            f"a range or distribution needs a numeric parameter; give values = [{choices}]", key
        )
    dist = p.distribution or "uniform"
    lo_hi = p.range
    if dist == "normal":
        if p.mean is None or p.sd is None:
            raise fail("a normal distribution needs mean and sd (and bounds)", key)
        if p.range is not None:
            raise fail(
                "a normal distribution takes bounds = [low, high], not range", f"{key}.range"
            )
        lo_hi = p.bounds if p.bounds is not None else [meta["min"], meta["max"]]
    else:
        if p.bounds is not None:
            raise fail("bounds only apply to a normal distribution; use range", f"{key}.bounds")
        if p.mean is not None or p.sd is not None:
            bad = "mean" if p.mean is not None else "sd"
            raise fail("only applies to a normal distribution", f"{key}.{bad}")
        if lo_hi is None:
            raise fail(f"a {dist} distribution needs range = [low, high]", key)
    rkey = f"{key}.{'bounds' if dist == 'normal' else 'range'}"
    lo, hi = float(lo_hi[0]), float(lo_hi[1])
    if not lo < hi:
        raise fail(f"low must be below high (got [{lo:g}, {hi:g}])", rkey)
    if lo < meta["min"] or hi > meta["max"]:
        raise fail(f"[{lo:g}, {hi:g}] is outside the parameter's range {_range_text(meta)}", rkey)
    if kind == "int":
        if lo != int(lo) or hi != int(hi):
            raise fail(f"{name} takes whole numbers (got [{lo:g}, {hi:g}])", rkey)
        if dist != "uniform":
            raise fail("a whole-number parameter takes a uniform range or values", key)
    if dist == "loguniform" and lo <= 0:
        raise fail("a loguniform range must be above 0", rkey)
    if dist == "triangular":
        if p.mode is None or not lo <= p.mode <= hi:
            raise fail(f"a triangular distribution needs a mode within [{lo:g}, {hi:g}]", key)
    elif p.mode is not None:
        raise fail("only applies to a triangular distribution", f"{key}.mode")
    if dist == "normal" and not lo <= float(p.mean) <= hi:  # type: ignore[arg-type]
        raise fail(f"mean {p.mean:g} is outside the bounds [{lo:g}, {hi:g}]", f"{key}.mean")
    if method == "factorial":
        if p.distribution is not None:
            raise fail(
                "the factorial sampler needs values (or a range with levels), not a distribution",
                f"{key}.distribution",
            )
        if p.levels is None:
            raise fail("the factorial sampler needs levels = N with a range (or values)", key)
    elif p.levels is not None:
        raise fail("levels only apply to the factorial sampler", f"{key}.levels")
    return Factor(
        name,
        kind,
        dist=dist,
        low=lo,
        high=hi,
        mode=p.mode,
        mean=p.mean,
        sd=p.sd,
        levels=p.levels,
        **common,
    )


def _base(spec: ExperimentSpec, source: str | None, fail: Any) -> Scenario:
    ref = spec.base
    if ref.endswith(".toml") and source and not Path(ref).is_absolute():
        ref = str(Path(source).parent / ref)
    try:
        scen = load_scenario(ref)
    except InputError as err:
        if err.source is not None:
            raise
        raise fail(err.detail, "base") from None
    data = scen.model_dump()
    if spec.months is not None:
        data["months"] = spec.months
    names = [m.name for m in scen.milieux]
    for j, ev in enumerate(spec.events):
        if ev.milieu is not None and ev.milieu not in names:
            raise fail(
                f"unknown milieu '{ev.milieu}'{suggest(ev.milieu, names)}; milieux of the base"
                f" scenario: {', '.join(names)}",
                f"events[{j}].milieu",
            )
        if ev.month > data["months"]:
            raise fail(
                f"month {ev.month} is beyond the horizon ({data['months']} months)",
                f"events[{j}].month",
            )
    for j, ev in enumerate(data["events"]):
        if ev["month"] > data["months"]:
            raise fail(
                f"the base scenario's event {j} (month {ev['month']}) is beyond the horizon"
                f" ({data['months']} months)",
                "months",
            )
    data["events"] = [*data["events"], *(e.model_dump() for e in spec.events)]
    return validate(data, source)
