"""The calibration file (TOML): what ``hlmsim calibrate`` calibrates, against which targets, and
how long it runs. Validated like every other input: every problem is one
:class:`~hlmsim.errors.InputError` naming the file, the key and what is allowed, and nothing is
run or written.

Keys (see ``docs/calibration.md``):

- ``scenario``: a shipped scenario's name or a ``.toml`` path (relative to the calibration
  file); every target is measured on it, with the target's own arrangement and contrast;
- ``months`` (default 120): the horizon of every run;
- ``catalogue`` (optional): a targets catalogue file (relative to the calibration file; default:
  the shipped one);
- ``targets``: ids of calibration targets of the catalogue (default: every calibration target);
  validation targets are refused (they are held out);
- ``[parameters]``: ``NAME = {prior = "uniform" | "loguniform", range = [lo, hi]}``, each
  optional (default: uniform on the schema's plausible range), at most :data:`MAX_PARAMETERS`;
  or ``[screening]`` (``trajectories``, ``levels``, ``max_parameters``, ``seed``) to choose them
  by a Morris screening of every assumed parameter;
- ``population`` (particles per generation), ``replicates`` (worlds simulated per particle,
  averaged), ``seed``, ``kernel`` (``silverman``, pyabc's default, or ``twice_covariance``:
  twice the particles' weighted covariance, after Beaumont et al. 2009) and ``kernel_scaling``
  (a multiple of the kernel's covariance, default 1);
- ``[stopping]``: ``min_epsilon``, ``max_generations``, ``min_acceptance_rate``;
- ``[checks]``: ``predictive_draws`` (posterior draws of the predictive check, default 100) and
  ``pattern_draws`` (of the patterns over posterior draws, default 20), 0 to skip;
- ``[quick]``: overrides used with ``--quick`` (``population``, ``months``, ``replicates``,
  ``targets``, ``stopping``, ``screening``, ``checks``; tables are merged key by key).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..arrangements import ARRANGEMENTS
from ..errors import InputError, suggest
from ..inputfile import MAX_FLOAT, Number, exists, is_file, read_toml
from ..params import Params, Scenario, field_meta
from ..scenario import load_scenario, validate
from ..targets.catalogue import Catalogue, load_catalogue

#: Where calibrations are found by name (``hlmsim calibrate default``): a folder
#: ``calibrations/`` in the working directory (your own files), then the shipped ones.
CALIBRATION_DIRS = (Path("calibrations"), Path(__file__).resolve().parents[1] / "calibrations")
#: The most parameters a calibration may have (ABC-SMC loses power beyond about 15).
MAX_PARAMETERS = 15
#: Priors a parameter may have.
PRIORS = ("uniform", "loguniform")
#: Keys the ``[quick]`` table may hold.
QUICK_KEYS = (
    "population",
    "months",
    "replicates",
    "targets",
    "stopping",
    "screening",
    "checks",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class PriorSpec(_Strict):
    """``[parameters.NAME]``: the prior (default uniform) and its range (default: plausible)."""

    prior: Literal["uniform", "loguniform"] = "uniform"
    range: list[Number] | None = Field(None, min_length=2, max_length=2)


class ScreeningSpec(_Strict):
    """``[screening]``: a Morris screening of every assumed parameter chooses the parameters."""

    trajectories: int = Field(10, ge=2, le=1000)
    levels: int = Field(4, ge=2, le=100)
    max_parameters: int = Field(12, ge=1, le=MAX_PARAMETERS)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    #: A screening table stored by an earlier calibration (its ``screening.parquet``), relative
    #: to the calibration file: its selected parameters are calibrated, without screening again.
    stored: str | None = Field(None, min_length=1)


class StoppingSpec(_Strict):
    """``[stopping]``: stop at the first rule met."""

    min_epsilon: float = Field(0.5, ge=0, le=MAX_FLOAT)
    max_generations: int = Field(8, ge=1, le=1000)
    min_acceptance_rate: float = Field(0.01, ge=0, le=1)


class ChecksSpec(_Strict):
    """``[checks]``: the posterior's checks once the calibration ends (0 skips one)."""

    predictive_draws: int = Field(100, ge=0, le=100_000)
    pattern_draws: int = Field(20, ge=0, le=10_000)


class CalibrationSpec(_Strict):
    """A whole calibration file (after merging ``[quick]`` when asked)."""

    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = "default"
    months: int = Field(120, ge=1, le=600)
    catalogue: str | None = None
    targets: list[str] | None = Field(None, min_length=1)
    parameters: dict[str, PriorSpec] | None = None
    screening: ScreeningSpec | None = None
    population: int = Field(200, ge=5, le=100_000)
    replicates: int = Field(1, ge=1, le=100)
    #: A multiple of the perturbation kernel's covariance (pyabc's: a multivariate normal with
    #: Silverman's bandwidth on the particles' weighted covariance). With a dozen parameters
    #: and a few hundred particles Silverman's kernel leaves holes between particles, where
    #: proposals get huge importance weights: widen it (the shipped calibration uses 1.5).
    kernel_scaling: float = Field(1.0, gt=0, le=10)
    #: The perturbation kernel's covariance: ``silverman`` (pyabc's default: the particles'
    #: weighted covariance times Silverman's factor, about 0.4 to 0.6 for a dozen parameters)
    #: or ``twice_covariance`` (twice their weighted covariance: the kernel of Beaumont, Cornuet,
    #: Marin & Robert 2009, wider, whose importance weights vary less); ``kernel_scaling``
    #: multiplies either.
    kernel: Literal["silverman", "twice_covariance"] = "silverman"
    seed: int = Field(0, ge=0, le=2**63 - 1)
    stopping: StoppingSpec = Field(default_factory=StoppingSpec)
    checks: ChecksSpec = Field(default_factory=ChecksSpec)
    quick: dict[str, Any] = Field(default_factory=dict)


TOP_KEYS = tuple(CalibrationSpec.model_fields)
_TABLES: dict[str, type[BaseModel]] = {
    "stopping": StoppingSpec,
    "screening": ScreeningSpec,
    "checks": ChecksSpec,
}


@dataclass(frozen=True)
class Prior:
    """One calibrated parameter's prior: ``uniform`` or ``loguniform`` on [low, high]."""

    name: str
    kind: str
    low: float
    high: float
    integer: bool = False

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def log(self) -> bool:
        """Log-uniform: uniform on the logarithm of the value."""
        return self.kind == "loguniform"

    def quantile(self, q: float) -> float:
        """The prior's ``q`` quantile."""
        if self.log:
            return math.exp(math.log(self.low) + q * (math.log(self.high) - math.log(self.low)))
        return self.low + q * (self.high - self.low)

    def scale(self, x: Any) -> Any:
        """Values on the scale the prior is uniform on (the logarithm for a log-uniform prior)."""
        return np.log(x) if self.log else np.asarray(x, dtype=float)

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "prior": self.kind, "low": self.low, "high": self.high}


@dataclass
class Calibration:
    """A validated calibration: its spec, the scenario (horizon applied), the targets' catalogue
    (only the chosen calibration targets), the priors (empty when ``screening`` chooses them),
    where it was read from and whether its ``[quick]`` size was applied."""

    spec: CalibrationSpec
    source: str
    scenario: Scenario
    catalogue: Catalogue
    priors: list[Prior]
    quick: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The stored screening's table (``[screening] stored``), None when there is none.
    screening_table: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name + ("-quick" if self.quick else "")

    @property
    def target_ids(self) -> list[str]:
        return self.catalogue.ids()

    @property
    def screening(self) -> ScreeningSpec | None:
        return self.spec.screening

    @property
    def hash(self) -> str:
        """Identifies the calibration: its resolved spec, priors and targets (a resumed run must
        have the same)."""
        blob = json.dumps(
            {
                "spec": self.spec.model_dump(mode="json", exclude={"quick"}),
                "priors": [p.record() for p in self.priors],
                "targets": [t.model_dump(mode="json") for t in self.catalogue],
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_priors(self, priors: list[Prior]) -> Calibration:
        """The same calibration with its parameters chosen (after a screening)."""
        return Calibration(
            self.spec,
            self.source,
            self.scenario,
            self.catalogue,
            priors,
            self.quick,
            self.raw,
            self.screening_table,
        )


# --- loading -------------------------------------------------------------------------------------


def shipped_calibrations() -> list[str]:
    """Names of the calibrations found by name."""
    return sorted({q.stem for d in CALIBRATION_DIRS if d.is_dir() for q in d.glob("*.toml")})


def locate(name_or_path: str | Path | None) -> Path:
    """A calibration file: a path, or a name in ``calibrations/`` (yours, then the shipped ones);
    None is the shipped ``default``."""
    if name_or_path is None:
        name_or_path = "default"
    p = Path(name_or_path)
    if p.suffix == ".toml" or exists(p) or "/" in str(name_or_path):
        return p  # read_toml says what is wrong with it, if anything
    for d in CALIBRATION_DIRS:
        if is_file(d / f"{p}.toml"):
            return d / f"{p}.toml"
    names = shipped_calibrations()
    raise InputError(
        f"unknown calibration '{name_or_path}'{suggest(str(name_or_path), names)}; give a path to"
        f" a .toml file{' or one of: ' + ', '.join(names) if names else ''}"
    )


def load_calibration(name_or_path: str | Path | None = None, quick: bool = False) -> Calibration:
    """Read and validate a calibration file (``quick``: its ``[quick]`` overrides applied; the
    full-size file is validated too)."""
    path = locate(name_or_path)
    data = read_toml(path, "calibration", TOP_KEYS)
    return parse_calibration(data, str(path), quick=quick)


def parse_calibration(data: dict[str, Any], source: str, quick: bool = False) -> Calibration:
    """Validate raw calibration data (as read from TOML); ``source`` names the file in errors
    and anchors relative paths."""
    full = _parse(dict(data), source, quick=False, from_quick=set())
    if not quick:
        return full
    q = data.get("quick") or {}
    if not q:
        raise InputError(
            "--quick needs a [quick] table (population, months, replicates, stopping...)",
            source=source,
            key="quick",
        )
    return _parse(merge_quick(data), source, quick=True, from_quick=set(q))


def merge_quick(data: dict[str, Any]) -> dict[str, Any]:
    """The calibration with its ``[quick]`` table merged on (tables key by key)."""
    out = {k: v for k, v in data.items() if k != "quick"}
    for k, v in (data.get("quick") or {}).items():
        if k in _TABLES and isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def _parse(data: dict[str, Any], source: str, quick: bool, from_quick: set[str]) -> Calibration:
    def fail(msg: str, key: str) -> InputError:
        top = key.split(".")[0].split("[")[0]
        return InputError(msg, source=source, key=f"quick.{key}" if top in from_quick else key)

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
    data.setdefault("name", Path(source).stem)
    params = data.get("parameters")
    if params is not None:
        if not isinstance(params, dict):
            raise fail("must be a table of parameter names", "parameters")
        for name, spec in params.items():
            if name not in Params.model_fields:
                raise fail(
                    f"unknown parameter{suggest(name, Params.model_fields)}; see"
                    " docs/parameters.md for the valid names",
                    f"parameters.{name}",
                )
            if not isinstance(spec, dict):
                raise fail(
                    'must be a table: {prior = "uniform" or "loguniform", range = [low, high]},'
                    " or {} for a uniform prior on the plausible range",
                    f"parameters.{name}",
                )
    try:
        spec = CalibrationSpec(**data)
    except ValidationError as err:
        raise _message(err, fail) from None

    if (spec.parameters is None) == (spec.screening is None):
        raise fail(
            "give either [parameters] (the parameters to calibrate, with their priors) or"
            " [screening] (a Morris screening chooses them), not both or neither",
            "parameters" if spec.parameters is not None else "screening",
        )
    if spec.parameters is not None:
        if not spec.parameters:
            raise fail("give at least one parameter to calibrate", "parameters")
        if len(spec.parameters) > MAX_PARAMETERS:
            raise fail(
                f"at most {MAX_PARAMETERS} parameters (got {len(spec.parameters)}): ABC-SMC cannot"
                " identify more; fix the others at their defaults or use [screening]",
                "parameters",
            )
    folder = Path(source).parent
    scenario = _scenario(spec, folder, fail)
    catalogue = _catalogue(spec, folder, fail)
    presets = _fixed_by_runs(scenario, catalogue)
    priors = [_prior(name, p, presets, fail) for name, p in (spec.parameters or {}).items()]
    table = None
    if spec.screening is not None and spec.screening.stored is not None:
        table = _stored_screening(spec.screening.stored, folder, fail)
        priors = screened_priors(table, presets, fail)
    return Calibration(
        spec, source, scenario, catalogue, priors, quick=quick, raw=data, screening_table=table
    )


#: Columns a stored screening table must have.
_SCREENING_COLUMNS = ("parameter", "selected", "rank")


def _stored_screening(ref: str, folder: Path, fail: Any) -> Any:
    """The screening table ``[screening] stored`` names, checked."""
    import pandas as pd

    key = "screening.stored"
    path = Path(ref) if Path(ref).is_absolute() else folder / ref
    if not is_file(path):
        raise fail(
            f"no such file: {path}; remove `stored` to run the screening (its table is then"
            " written to the output folder's screening.parquet)",
            key,
        )
    try:
        table = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is one message
        raise fail(f"not a screening table (Parquet) ({type(err).__name__}): {path}", key) from None
    missing = [c for c in _SCREENING_COLUMNS if c not in table.columns]
    if missing:
        raise fail(f"{path} is not a screening table: missing column(s) {', '.join(missing)}", key)
    names = _selected(table)
    if not names:
        raise fail(f"{path} selects no parameter", key)
    if len(names) > MAX_PARAMETERS:
        raise fail(f"{path} selects {len(names)} parameters (at most {MAX_PARAMETERS})", key)
    for n in names:
        if n not in Params.model_fields:
            raise fail(
                f"{path} selects {n!r}, which is not a parameter of this version: run the"
                " screening again (remove `stored`)",
                key,
            )
    return table


def screened_priors(table: Any, presets: Any, fail: Any) -> list[Prior]:
    """The priors of a screening's selected parameters (by rank): each on its plausible range,
    log-uniform where the screening sampled it so (its ``log`` column), else uniform."""
    logs = dict(zip(table["parameter"], table["log"], strict=True)) if "log" in table else {}
    return [
        _prior(n, PriorSpec(prior="loguniform" if logs.get(n) else "uniform"), presets, fail)
        for n in _selected(table)
    ]


def _selected(table: Any) -> list[str]:
    """A screening table's selected parameters, by rank."""
    sel = table[table["selected"].astype(bool)].sort_values("rank", kind="stable")
    return [str(n) for n in sel["parameter"]]


def _message(err: ValidationError, fail: Any) -> InputError:
    e = err.errors()[0]
    loc = ""
    for x in e["loc"]:
        loc += f"[{x}]" if isinstance(x, int) else (f".{x}" if loc else str(x))
    top = str(e["loc"][0]) if e["loc"] else ""
    msg = e["msg"]
    if e["type"] == "extra_forbidden":
        table = _TABLES.get(top) or (PriorSpec if top == "parameters" else None)
        if table is not None:
            keys = table.model_fields
            msg = f"unknown key{suggest(str(e['loc'][-1]), keys)}; allowed: {', '.join(keys)}"
        else:
            msg = "unknown key"
    elif e["type"] == "missing":
        msg = "missing"
    elif e["type"] == "literal_error":
        allowed = e.get("ctx", {}).get("expected") or ", ".join(PRIORS)
        msg = f"must be one of {allowed.replace(' or ', ', ')} (got {e.get('input')!r})"
    elif "input" in e:
        msg = f"{msg} (got {e['input']!r})"
    return fail(msg, loc or "calibration")


def _scenario(spec: CalibrationSpec, folder: Path, fail: Any) -> Scenario:
    ref = spec.scenario
    if ref.endswith(".toml") or "/" in ref:
        p = Path(ref)
        ref_path: str | Path = p if p.is_absolute() else folder / p
    else:
        ref_path = ref
    try:
        scen = load_scenario(ref_path)
        return validate({**scen.model_dump(), "months": spec.months}, str(ref_path))
    except InputError as err:
        raise fail(str(err), "scenario") from None


def _catalogue(spec: CalibrationSpec, folder: Path, fail: Any) -> Catalogue:
    path = None
    if spec.catalogue is not None:
        p = Path(spec.catalogue)
        path = p if p.is_absolute() else folder / p
    try:
        cat = load_catalogue(path)
    except InputError as err:
        raise fail(str(err), "catalogue") from None
    if spec.targets is None:
        chosen = cat.select("calibration")
        if not len(chosen):
            raise fail(f"no calibration target in {cat.source}", "targets")
        return chosen
    ids = cat.ids()
    seen: set[str] = set()
    kept = []
    for i, tid in enumerate(spec.targets):
        key = f"targets[{i}]"
        if tid not in ids:
            cal = [t.id for t in cat if t.role == "calibration"]
            raise fail(
                f"unknown target '{tid}'{suggest(tid, cal)}; calibration targets of"
                f" {cat.source}: {', '.join(cal)}",
                key,
            )
        if tid in seen:
            raise fail(f"target '{tid}' appears twice", key)
        seen.add(tid)
        target = cat.get(tid)
        if target.role != "calibration":
            raise fail(
                f"'{tid}' is a validation target: validation targets are held out (compared"
                " with the calibrated model, never tuned to); use calibration targets only",
                key,
            )
        kept.append(target)
    return Catalogue(tuple(kept), cat.source, cat.path)


def _fixed_by_runs(scen: Scenario, catalogue: Catalogue) -> dict[str, str]:
    """Parameters a calibrated value could not reach in some run the targets need: those an
    arrangement's preset sets (a calibrated value would replace the preset in every arm) and
    those a milieu of the scenario sets itself (it keeps its own value)."""
    fixed: dict[str, str] = {}
    arrangements = {scen.arrangement}
    arrangements |= {m.arrangement for m in scen.milieux if m.arrangement}
    for t in catalogue:
        arrangements |= {a for a in (t.arrangement, t.versus) if a}
    for a in sorted(arrangements):
        for k in ARRANGEMENTS.get(a, {}):
            fixed.setdefault(k, f"the arrangement {a} sets it (its preset)")
    for m in scen.milieux:
        for k in m.params:
            fixed.setdefault(k, f"milieu {m.name} of scenario {scen.name} sets its own value")
    return fixed


def _prior(name: str, p: PriorSpec, fixed: dict[str, str], fail: Any) -> Prior:
    key = f"parameters.{name}"
    meta = field_meta(name)
    if meta["kind"] not in ("float", "int"):
        raise fail(f"is a {meta['kind']} parameter; only numeric parameters can be calibrated", key)
    if name in fixed:
        raise fail(f"cannot be calibrated here: {fixed[name]}", key)
    lo_ok = -math.inf if meta["min"] is None else float(meta["min"])
    hi_ok = math.inf if meta["max"] is None else float(meta["max"])
    if p.range is None:
        if meta["plausible"] is None:
            raise fail("has no plausible range: give range = [low, high]", key)
        low, high = meta["plausible"]
    else:
        low, high = (float(x) for x in p.range)
        if not low < high:
            raise fail(f"range: low must be below high (got [{low:g}, {high:g}])", f"{key}.range")
        if low < lo_ok or high > hi_ok:
            raise fail(
                f"range [{low:g}, {high:g}] lies outside the parameter's allowed range"
                f" [{lo_ok:g}, {hi_ok:g}]",
                f"{key}.range",
            )
    if p.prior == "loguniform" and not low > 0:
        raise fail(
            f"a loguniform prior needs a positive range (got [{low:g}, {high:g}])", f"{key}.range"
        )
    return Prior(name, p.prior, float(low), float(high), integer=meta["kind"] == "int")
