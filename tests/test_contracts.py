"""Mechanism contracts: every phase of the monthly step touches only the state its module declares.

Each mechanism module declares ``READS`` and ``WRITES``: the state fields its phases read and
change, as ``hh.<field>`` (households), ``ms.<field>`` (milieux), ``model.<attribute>`` (events,
the partners chosen for referrals) and ``tally.<name>`` (this month's counts). Here every phase
of :meth:`HLMModel.step` runs on a *recording* model: a proxy that logs every attribute read
and assignment, plus a snapshot of every state array before and after the phase (in-place
writes such as ``hh.need_open[rows, cols] = False`` change the snapshot). A write or read the
module does not declare fails; so does a declared write never observed in a run built to reach
the rare branches (crises, funding cuts, lapsed grants, every kind of departure).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from hlmsim import constants, docs_gen
from hlmsim import mechanisms as mechanisms_pkg
from hlmsim import model as model_mod
from hlmsim.mechanisms import (
    agency,
    crises,
)
from hlmsim.model import HLMModel
from hlmsim.params import Params
from hlmsim.state import Households, Milieux

#: Every mechanism module, found rather than listed, so that a new one is checked too.
MODULES: dict[str, ModuleType] = {
    info.name: importlib.import_module(f"hlmsim.mechanisms.{info.name}")
    for info in pkgutil.iter_modules(mechanisms_pkg.__path__)
    if not info.name.startswith("_")
}
HH_FIELDS = tuple(f.name for f in dataclasses.fields(Households))
MS_FIELDS = tuple(f.name for f in dataclasses.fields(Milieux) if f.name != "tally")
#: Model attributes that are state (the rest are the random streams ``rs``, the layout and the
#: records, which no phase may change, and the parameters ``mp``, which phases read freely and
#: only a phase declaring ``model.mp`` may change: the snapshot holds them).
MODEL_STATE = (
    "t",
    "events_now",
    "triggered",
    "schedule",
    "switches",
    "mix",
    "best_warm",
    "best_onward",
    "best_self",
)
#: Model attributes a phase may use without declaring them (not state, or not changed; the
#: slices of milieux its kernels share among threads: hlmsim.mechanisms._threads).
MODEL_FREE = frozenset({"hh", "ms", "mp", "rs", "tally", "slices"})


def phases_of_step() -> list[tuple[str, str]]:
    """The ``(module, function)`` calls of :meth:`HLMModel.step`, in order (from its source)."""
    src = textwrap.dedent(inspect.getsource(HLMModel.step))
    calls = []
    for node in ast.walk(ast.parse(src)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in MODULES
        ):
            calls.append((node.lineno, node.func.value.id, node.func.attr))
    return [(mod, fn) for _, mod, fn in sorted(calls)]


# --- the recording model ---------------------------------------------------------------------


class Log:
    """What one phase read and assigned (qualified names)."""

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.assigned: set[str] = set()


class _Recorder:
    """Proxy of a state object: logs attribute reads and assignments under ``prefix``."""

    def __init__(self, target: Any, prefix: str, log: Log, fields: tuple[str, ...]) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name: str) -> Any:
        if name in self._fields:
            self._log.reads.add(f"{self._prefix}.{name}")
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._log.assigned.add(f"{self._prefix}.{name}")
        setattr(self._target, name, value)


class _TallyRecorder:
    """Proxy of ``model.tally``: logs the counts read and assigned."""

    def __init__(self, target: dict[str, np.ndarray], log: Log) -> None:
        self._target, self._log = target, log

    def __getitem__(self, key: str) -> np.ndarray:
        self._log.reads.add(f"tally.{key}")
        return self._target[key]

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        self._log.assigned.add(f"tally.{key}")
        self._target[key] = value


class RecordingModel:
    """Stands for the model inside one phase: state reads and assignments go to ``log``."""

    def __init__(self, model: HLMModel, log: Log) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "hh", _Recorder(model.hh, "hh", log, HH_FIELDS))
        object.__setattr__(self, "ms", _Recorder(model.ms, "ms", log, MS_FIELDS))
        object.__setattr__(self, "tally", _TallyRecorder(model.tally, log))

    def __getattr__(self, name: str) -> Any:
        if name in MODEL_STATE:
            self._log.reads.add(f"model.{name}")
        elif name not in MODEL_FREE:
            raise AssertionError(f"a phase used model.{name}, which is neither state nor free")
        return getattr(self._model, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._log.assigned.add(f"model.{name}")
        setattr(self._model, name, value)


def snapshot(model: HLMModel) -> dict[str, Any]:
    """A deep copy of every state field, by qualified name."""
    snap: dict[str, Any] = {}
    for name in HH_FIELDS:
        snap[f"hh.{name}"] = np.array(getattr(model.hh, name), copy=True)
    for name in MS_FIELDS:
        snap[f"ms.{name}"] = np.array(getattr(model.ms, name), copy=True)
    for name in MODEL_STATE:
        value = getattr(model, name, None)
        if isinstance(value, dict):
            snap[f"model.{name}"] = {k: _copy(v) for k, v in value.items()}
        elif isinstance(value, list):
            snap[f"model.{name}"] = [_copy(v) for v in value]
        else:
            snap[f"model.{name}"] = _copy(value)
    for key, value in model.tally.items():
        snap[f"tally.{key}"] = np.array(value, copy=True)
    snap["model.mp"] = {k: v.copy() for k, v in model.mp.arrays().items()}
    return snap


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Fields whose value differs (or that appeared or vanished) between two snapshots."""
    keys = before.keys() | after.keys()
    return {k for k in keys if k not in before or k not in after or not _same(before[k], after[k])}


class Observed:
    """Reads and writes observed per module over a run."""

    def __init__(self) -> None:
        self.reads: dict[str, set[str]] = defaultdict(set)
        self.writes: dict[str, set[str]] = defaultdict(set)
        self.calls: list[tuple[int, str, str]] = []


def run_recorded(model: HLMModel, months: int, monkeypatch: pytest.MonkeyPatch) -> Observed:
    """Run ``months`` months with every phase of the step wrapped in a recorder."""
    obs = Observed()

    def wrap(module_name: str, fn_name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(m: HLMModel, *args: Any, **kwargs: Any) -> Any:
            log = Log()
            before = snapshot(m)
            result = fn(RecordingModel(m, log), *args, **kwargs)
            after = snapshot(m)
            obs.calls.append((m.t, module_name, fn_name))
            obs.reads[module_name] |= log.reads
            obs.writes[module_name] |= log.assigned | changed(before, after)
            return result

        return recorded

    for module_name, fn_name in dict.fromkeys(phases_of_step()):
        module = MODULES[module_name]
        monkeypatch.setattr(module, fn_name, wrap(module_name, fn_name, getattr(module, fn_name)))
    for _ in range(months):
        model.step()
    return obs


def rare_branches_model(sim: Any) -> HLMModel:
    """A small world that reaches the rare branches: three milieux (a grant-funded CIUSSS worker
    whose grant lapses and whose milieu then switches arrangement, a landlord-employed worker, no
    worker), crises, funding cuts, every kind of departure, projects, consultations, move-outs,
    scarce services and long waits, onward referrals served."""
    events_ = [
        {"month": m, "kind": k}
        for m, k in [
            (2, "crisis"),
            (2, "funding_cut"),
            (3, "worker_leaves"),
            (3, "representative_leaves"),
            (4, "oc_leaves"),
            (4, "collective_project"),
            (5, "consultation"),
        ]
    ]
    # the grant-funded CIUSSS worker's milieu switches to a community-organisation worker
    events_.append({"month": 10, "kind": "arrangement_switch", "milieu": "m0",
                    "arrangement": "community_worker"})  # fmt: skip
    scen = sim.scenario(
        months=24,
        milieux=3,
        units=[80, 60, 40],
        params={
            "move_out_annual": 0.4,
            "crisis_annual": 0.5,
            "funding_cut_annual": 0.5,
            "representative_turnover_annual": 0.5,
            "oc_turnover_annual": 0.5,
            "service_capacity_per_100_households": 3.0,
            "ciusss_capacity_per_100_households": 0.1,
            "need_rate_psychosocial_health": 1.5,
            "max_wait_months": 4.0,
            "need_give_up_months": 6.0,
            "self_referral_base_logodds": -1.5,
            "controversy_rate_annual": 3.0,
            "worker_vacancy_months": 1.0,
            "mutual_aid_formation": 0.5,
            "initial_engagement": 0.6,
            "association_support": 1.0,
            "trust_gain_per_contact": 0.3,
            "disclosure_base_logodds": 0.0,
            "worker_direct_help": 0.8,
            "cross_referral_logodds": 0.0,  # onward referrals, some served within the run
            "resource_pooling": 1.0,  # every unused service lent: pooling within the run
        },
        milieu_params=[
            {
                "worker_grant_funded": True,
                "grant_length_months": 6.0,
                "grant_renewal_probability": 0.0,
                "grant_gap_months": 2.0,
            },
            {"worker_employer": "omh", "worker_turnover_annual": 0.3},
            {"worker_fte": 0.0},
        ],
        events=events_,
    )
    model = sim.model(scen, seed=3)
    model.trigger("worker_leaves", 1)  # a live button press
    return model


@pytest.fixture(scope="module")
def observed(sim: Any) -> Observed:
    with pytest.MonkeyPatch.context() as mp:
        return run_recorded(rare_branches_model(sim), 24, mp)


# --- the contracts ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_mechanism_module_declares_its_contract(name: str) -> None:
    module = MODULES[name]
    reads, writes = getattr(module, "READS", None), getattr(module, "WRITES", None)
    assert isinstance(reads, frozenset), f"{name}: READS missing (a frozenset of field names)"
    assert isinstance(writes, frozenset), f"{name}: WRITES missing (a frozenset of field names)"
    known = (
        {f"hh.{f}" for f in HH_FIELDS}
        | {f"ms.{f}" for f in MS_FIELDS}
        | {f"model.{f}" for f in MODEL_STATE}
        | {f"tally.{t}" for t in model_mod.TALLIES}
        | {f"tally.{t}" for t in (*model_mod.OBS_TALLIES, *model_mod.OBS_TALLIES_BY_PARTNER)}
        | {"tally.needs_met_by_category", "model.mp"}
    )
    unknown = (reads | writes) - known
    assert not unknown, f"{name} declares fields that do not exist: {sorted(unknown)}"


def test_step_calls_every_mechanism_in_the_documented_order() -> None:
    calls = phases_of_step()
    assert calls[0] == ("events", "step")
    with_step = {n for n, m in MODULES.items() if hasattr(m, "step")}
    assert with_step <= {mod for mod, _ in calls}, "a mechanism's step() is never called"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_phases_have_a_docstring(name: str) -> None:
    module = MODULES[name]
    for mod, fn in phases_of_step():
        if mod == name:
            doc = inspect.getdoc(getattr(module, fn)) or ""
            assert doc.strip(), f"{name}.{fn} has no docstring"
            assert len(doc.strip().splitlines()[0]) <= 100, f"{name}.{fn}: first line too long"


def test_every_phase_ran_every_month(observed: Observed) -> None:
    per_month = defaultdict(list)
    for t, mod, fn in observed.calls:
        per_month[t].append((mod, fn))
    assert len(per_month) == 24
    for calls in per_month.values():
        assert calls == phases_of_step()


@pytest.mark.parametrize("name", sorted({mod for mod, _ in phases_of_step()}))
def test_no_undeclared_write(observed: Observed, name: str) -> None:
    undeclared = observed.writes[name] - MODULES[name].WRITES
    assert not undeclared, f"{name} writes state it does not declare: {sorted(undeclared)}"


@pytest.mark.parametrize("name", sorted({mod for mod, _ in phases_of_step()}))
def test_no_undeclared_read(observed: Observed, name: str) -> None:
    module = MODULES[name]
    undeclared = observed.reads[name] - module.READS - module.WRITES
    assert not undeclared, f"{name} reads state it does not declare: {sorted(undeclared)}"


@pytest.mark.parametrize("name", sorted({mod for mod, _ in phases_of_step()}))
def test_every_declared_write_happens(observed: Observed, name: str) -> None:
    never = MODULES[name].WRITES - observed.writes[name]
    assert not never, f"{name} declares writes never observed: {sorted(never)}"


@pytest.mark.parametrize("name", sorted({mod for mod, _ in phases_of_step()}))
def test_every_declared_read_happens(observed: Observed, name: str) -> None:
    module = MODULES[name]
    never = module.READS - observed.reads[name]
    assert not never, f"{name} declares reads never observed: {sorted(never)}"


def test_agency_contract(sim: Any) -> None:
    """Power to act has no phase of its own (needs, well-being and every source of help call
    it): its functions run here on the recording model."""
    model = sim.model(sim.scenario(months=2, units=30), seed=1)
    model.step()
    log = Log()
    before = snapshot(model)
    rec: Any = RecordingModel(model, log)
    agency.learn(rec, np.array([0, 1, 1]), "worker")
    agency.fade(rec)
    agency.keep_share(rec)
    agency.self_resolve_ratio(rec)
    writes = log.assigned | changed(before, snapshot(model))
    assert writes == agency.WRITES
    assert log.reads - agency.WRITES == agency.READS


def test_the_check_catches_an_undeclared_write(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: a phase that writes one more field (here: crises also lower ``ms.trust``, in
    place) is caught, both when it assigns and when it writes in place."""
    original = crises.step

    def leaky(model: Any) -> None:
        original(model)
        model.ms.trust[:] *= 0.99  # in place: only the snapshot sees it
        model.hh.security = model.hh.security * 1.0  # an assignment of an equal value

    monkeypatch.setattr(crises, "step", leaky)
    model = sim.model(sim.scenario(months=2, units=30), seed=1)
    obs = run_recorded(model, 2, monkeypatch)
    undeclared = obs.writes["crises"] - crises.WRITES
    assert undeclared == {"ms.trust", "hh.security"}


# --- the numbers in the code -----------------------------------------------------------------

#: Literal numbers mechanism code may hold: 0 and 1, array axes and shapes (2, 3: committees,
#: household types, organiser positions), months a year (12) and rates per 100 households.
ALLOWED_LITERALS = {0, 1, 2, 3, 12, 100}


def literal_numbers(path: Path) -> list[tuple[int, float]]:
    """Numeric literals of a module outside the structural tables of :data:`STRUCTURE`."""
    structural = {s.name for s in constants.STRUCTURE}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id in structural for t in targets):
            skip |= {id(n) for n in ast.walk(node)}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
        and id(node) not in skip
        and node.value not in ALLOWED_LITERALS
    ]


@pytest.mark.parametrize("name", [*sorted(MODULES), "_util", "state"])
def test_no_behaviour_constant_is_written_in_the_code(name: str) -> None:
    """Numbers that shape behaviour are parameters; the rest are named in hlmsim/constants.py."""
    root = Path(model_mod.__file__).parent
    path = root / ("state.py" if name == "state" else f"mechanisms/{name}.py")
    found = literal_numbers(path)
    assert not found, (
        f"{path.name}: numbers written in the code {found}: make them parameters (hlmsim/params.py)"
        " or entries of the constants table (hlmsim/constants.py)"
    )


def test_the_constants_table_lists_every_constant() -> None:
    defined = {k for k, v in vars(constants).items() if k.isupper() and isinstance(v, (int, float))}
    assert defined == {c.name for c in constants.CONSTANTS}
    for c in constants.CONSTANTS:
        assert c.meaning.strip() and c.why.strip(), c.name
        assert c.kind in ("numerics", "sentinel", "structure", "initialisation"), c.name


@pytest.mark.parametrize("entry", constants.STRUCTURE, ids=lambda s: s.name)
def test_structural_tables_resolve(entry: constants.Structure) -> None:
    assert docs_gen.structure_value(entry).strip()
    assert entry.meaning.strip() and entry.why.strip()


def test_odd_constants_section_is_generated() -> None:
    odd = docs_gen.ODD.read_text(encoding="utf-8")
    assert odd.count(docs_gen.CONSTANTS_BEGIN) == 1 and odd.count(docs_gen.CONSTANTS_END) == 1
    assert docs_gen.with_constants(odd) == odd, (
        "docs/ODD.md section 8.3 is stale: run `python -m hlmsim.docs_gen` (or `make docs`)"
    )
    for c in constants.CONSTANTS:
        assert f"`{c.name}`" in odd


def test_a_constant_written_in_the_code_is_caught(tmp_path: Path) -> None:
    """Control: a behaviour constant typed into a mechanism is found."""
    path = tmp_path / "leaky.py"
    path.write_text("def step(model):\n    return 0.35 * model.hh.ties\n", encoding="utf-8")
    assert literal_numbers(path) == [(2, 0.35)]


#: Model modules besides the mechanisms that read parameters.
CORE_FILES = ("state.py", "model.py", "outcomes.py", "scenario.py")


def test_every_parameter_is_read_by_the_model() -> None:
    """A parameter declared in the schema but read nowhere would be a silent no-op (for example
    a constant moved into the schema while the code kept the number)."""
    root = Path(model_mod.__file__).parent
    files = [*sorted((root / "mechanisms").glob("*.py")), *(root / f for f in CORE_FILES)]
    code = "\n".join(p.read_text(encoding="utf-8") for p in files)
    unread = [
        name
        for name in Params.model_fields
        if not re.search(rf"\.{name}\b|\"{name}\"", code)  # mp.x, or converted by its name
        and not (name.startswith("need_rate_") and 'f"need_rate_{c}"' in code)
    ]
    assert not unread, f"parameters read nowhere in the model: {unread}"
