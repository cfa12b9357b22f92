"""Scenario files: loading TOML, resolving bases and arrangements, validating against the schema.

A scenario file holds a name, a description, an optional ``base`` (another scenario's name or
path), an arrangement, the horizon in months, an optional spin-up (``spin_up_months``: months run
before month 1 so that the milieux start mature), parameter overrides (``[params]``), milieux
(``[[milieux]]`` with their ensembles and optional own arrangement and ``params``) and scheduled
events (``[[events]]``). Every problem is raised as :class:`~hlmsim.errors.InputError` naming the
file and the key.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .arrangements import ARRANGEMENTS, STRUCTURAL, preset
from .errors import InputError
from .errors import suggest as _suggest
from .inputfile import exists, is_file, read_toml
from .params import EventSpec, MilieuSpec, Params, Scenario

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
_TOP_KEYS = {
    "name",
    "description",
    "base",
    "arrangement",
    "months",
    "spin_up_months",
    "params",
    "milieux",
    "events",
}


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped with hlmsim."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def _locate(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or exists(p) or "/" in str(name_or_path):
        return p  # read_toml says what is wrong with it, if anything
    candidate = SCENARIO_DIR / f"{name_or_path}.toml"
    if not is_file(candidate):
        raise InputError(
            f"unknown scenario '{name_or_path}'{_suggest(str(name_or_path), shipped_scenarios())};"
            f" shipped scenarios: {', '.join(shipped_scenarios())}, or give a path to a .toml file",
        )
    return candidate


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, "scenario", _TOP_KEYS)


def _raw(name_or_path: str | Path, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """Read a scenario file and merge it onto its base (recursively). Returns (data, source)."""
    path = _locate(name_or_path)
    src = str(path)
    key = str(path.resolve())
    if key in seen:
        raise InputError("base scenarios form a cycle", source=src, key="base")
    data = _read(path)
    for k in data:
        if k not in _TOP_KEYS:
            raise InputError(
                f"unknown key{_suggest(k, _TOP_KEYS)}; allowed: {', '.join(sorted(_TOP_KEYS))}",
                source=src,
                key=k,
            )
    base = data.pop("base", None)
    if base is None:
        return data, src
    if not isinstance(base, str):
        raise InputError("must be a scenario name or path (a string)", source=src, key="base")
    base_ref = base if not base.endswith(".toml") else str(path.parent / base)
    try:
        merged, _ = _raw(base_ref, (*seen, key))
    except InputError as err:
        if err.source is not None:
            raise
        raise InputError(err.detail, source=src, key="base") from None
    return _merge(merged, data), src


def set_arrangement(data: dict[str, Any], arrangement: str) -> dict[str, Any]:
    """Raw scenario data with every milieu on ``arrangement``: a scenario-wide arrangement
    replaces the milieux' own arrangements."""
    milieux = [{**m, "arrangement": None} for m in data.get("milieux", [])]
    return {**data, "arrangement": arrangement, "milieux": milieux}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if k == "params" and isinstance(v, dict):
            out["params"] = {**base.get("params", {}), **v}
        elif k == "arrangement":
            out = set_arrangement(out, v)
        else:
            out[k] = v
    return out


def _check_params(params: Any, src: str | None, where: str) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise InputError("must be a table of parameter = value", source=src, key=where)
    fields = Params.model_fields
    for k in params:
        if k not in fields:
            raise InputError(
                f"unknown parameter{_suggest(k, fields)}; see `hlmsim scenarios show` or"
                " docs/parameters.md for the valid names",
                source=src,
                key=f"{where}.{k}",
            )
    return params


def _loc(parts: tuple[Any, ...]) -> str:
    """A key path as written in messages: ``milieux[0].ensembles[1].units``."""
    out = ""
    for x in parts:
        out += f"[{x}]" if isinstance(x, int) else (f".{x}" if out else str(x))
    return out


def _validation_message(err: ValidationError, src: str | None, prefix: str) -> InputError:
    e = err.errors()[0]
    loc = _loc(e["loc"])
    key = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
    msg = e["msg"]
    if e["type"] == "extra_forbidden":
        msg = "unknown key"
    elif e["type"] == "value_error":  # a check across keys (the shares of an ensemble)
        msg = str(e.get("ctx", {}).get("error", msg))
    elif e["type"] == "literal_error":
        msg = f"{msg} (got {e.get('input')!r})"
    elif "input" in e and e["type"] not in ("missing",):
        msg = f"{msg} (got {e['input']!r})"
    return InputError(msg, source=src, key=key)


def _check_arrangement(name: Any, src: str | None, key: str) -> None:
    if name is not None and not isinstance(name, str):
        raise InputError(
            f"must be an arrangement's name, a text (got {name!r}); allowed:"
            f" {', '.join(ARRANGEMENTS)}",
            source=src,
            key=key,
        )
    if name is not None and name not in ARRANGEMENTS:
        raise InputError(
            f"unknown arrangement '{name}'{_suggest(str(name), ARRANGEMENTS)};"
            f" allowed: {', '.join(ARRANGEMENTS)}",
            source=src,
            key=key,
        )


def validate(data: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate raw scenario data into a :class:`Scenario` (every milieu's parameters checked)."""
    data = dict(data)
    data.setdefault("name", Path(source).stem if source else "scenario")
    _check_arrangement(data.get("arrangement"), source, "arrangement")
    _check_params(data.get("params", {}), source, "params")
    milieux = data.get("milieux")
    if not isinstance(milieux, list) or not milieux:
        raise InputError(
            "a scenario needs at least one [[milieux]] table", source=source, key="milieux"
        )
    for i, m in enumerate(milieux):
        if not isinstance(m, dict):
            raise InputError("must be a table", source=source, key=f"milieux[{i}]")
        _check_arrangement(m.get("arrangement"), source, f"milieux[{i}].arrangement")
        _check_params(m.get("params", {}), source, f"milieux[{i}].params")
    try:
        scen = Scenario(**data)
    except ValidationError as err:
        raise _validation_message(err, source, "") from None
    except TypeError as err:  # a non-table where a table belongs
        raise InputError(str(err), source=source) from None
    names = [m.name for m in scen.milieux]
    expanded = [
        m.name if m.copies == 1 else f"{m.name}-{c + 1}"
        for m in scen.milieux
        for c in range(m.copies)
    ]
    if len(set(expanded)) != len(expanded):
        dup = next(n for n in expanded if expanded.count(n) > 1)
        raise InputError(
            f"milieu names must be unique, copies included (copies of 'x' are named x-1, x-2...):"
            f" '{dup}' appears twice",
            source=source,
            key="milieux.name",
        )
    for j, ev in enumerate(scen.events):
        if ev.milieu is not None and ev.milieu not in names:
            raise InputError(
                f"unknown milieu '{ev.milieu}'{_suggest(ev.milieu, names)};"
                f" milieux: {', '.join(names)}",
                source=source,
                key=f"events[{j}].milieu",
            )
        if ev.month > scen.months:
            raise InputError(
                f"month {ev.month} is beyond the horizon ({scen.months} months)",
                source=source,
                key=f"events[{j}].month",
            )
        _check_switch(scen, j, source)
    for i, _ in enumerate(scen.milieux):
        milieu_params(scen, i, source)  # every milieu's parameters are valid
    return scen


def _check_switch(scen: Scenario, j: int, source: str | None) -> None:
    """An ``arrangement_switch`` event names a known arrangement that keeps the milieux' local
    network as built; no other event takes an arrangement."""
    ev = scen.events[j]
    key = f"events[{j}].arrangement"
    if ev.kind != "arrangement_switch":
        if ev.arrangement is not None:
            raise InputError(
                "only an arrangement_switch event takes an arrangement", source=source, key=key
            )
        return
    if ev.arrangement is None:
        raise InputError(
            f"an arrangement_switch needs the arrangement switched to; allowed:"
            f" {', '.join(ARRANGEMENTS)}",
            source=source,
            key=key,
        )
    _check_arrangement(ev.arrangement, source, key)
    after = switched(scen, ev)
    for i, m in enumerate(scen.milieux):
        if ev.milieu is not None and m.name != ev.milieu:
            continue
        old, new = milieu_params(scen, i, source), milieu_params(after, i, source)
        differ = [k for k in STRUCTURAL if getattr(old, k) != getattr(new, k)]
        if differ:
            start = m.arrangement or scen.arrangement
            keeps = [
                a
                for a in ARRANGEMENTS
                if a != start
                and all(ARRANGEMENTS[a].get(k) == ARRANGEMENTS[start].get(k) for k in STRUCTURAL)
            ]
            raise InputError(
                f"a switch may not change the local network as built ({', '.join(differ)}):"
                f" milieu '{m.name}' on {start} can switch to {', '.join(keeps)}",
                source=source,
                key=key,
            )


def switched(scen: Scenario, ev: EventSpec) -> Scenario:
    """The scenario as it stands after the arrangement switch ``ev``: the milieu it names (or
    every milieu) on the arrangement switched to; the scenario's and milieux' own parameters
    still win over the new arrangement's preset."""
    if ev.milieu is None:
        milieux = [m.model_copy(update={"arrangement": None}) for m in scen.milieux]
        return scen.model_copy(update={"arrangement": ev.arrangement, "milieux": milieux})
    milieux = [
        m.model_copy(update={"arrangement": ev.arrangement}) if m.name == ev.milieu else m
        for m in scen.milieux
    ]
    return scen.model_copy(update={"milieux": milieux})


def milieu_params(scen: Scenario, index: int, source: str | None = None) -> Params:
    """Resolve one milieu's parameters: defaults < arrangement preset < scenario < milieu."""
    m: MilieuSpec = scen.milieux[index]
    arrangement = m.arrangement or scen.arrangement
    values = {**preset(arrangement), **scen.params, **m.params}
    try:
        return Params(**values)
    except ValidationError as err:
        bad = err.errors()[0]["loc"][0]
        where = f"milieux[{index}].params" if bad in m.params else "params"
        if bad not in m.params and bad not in scen.params:
            where = f"arrangement '{arrangement}'"  # a preset value: a programming error
        raise _validation_message(err, source, where) from None


#: Scenario fields an override may set (every other override is a parameter name).
OVERRIDE_FIELDS = ("months", "spin_up_months", "arrangement", "name", "description", "events")


def load_scenario(name_or_path: str | Path = "default", **overrides: Any) -> Scenario:
    """Load a shipped scenario by name or a TOML file by path, apply overrides and validate.

    Overrides are scenario fields (``months``, ``spin_up_months``, ``arrangement``, ``name``,
    ``description``, ``events``) or parameter names (applied to every milieu), e.g.
    ``load_scenario("default", arrangement="omh_worker", worker_fte=0.5)``.
    """
    data, src = _raw(name_or_path)
    return _overridden(data, src, overrides)


def _overridden(data: dict[str, Any], src: str | None, overrides: dict[str, Any]) -> Scenario:
    """Raw scenario data with ``overrides`` applied (scenario fields, or parameter names set
    for every milieu), validated; a bad override is the caller's (``source="overrides"``)."""
    top: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for k, v in overrides.items():
        if k in OVERRIDE_FIELDS:
            top[k] = v
        elif k in Params.model_fields:
            params[k] = v
        else:
            valid = [*Params.model_fields, *OVERRIDE_FIELDS]
            raise InputError(f"unknown override{_suggest(k, valid)}", source="overrides", key=k)
    if top or params:
        data = _merge(data, {**top, **({"params": params} if params else {})})
    try:
        return validate(data, src)
    except InputError as err:
        # a bad override is the caller's, not the file's
        key = (err.key or "").split("[")[0]
        name = key.split(".", 1)[1] if key.startswith("params.") else key
        if name in overrides:
            raise InputError(err.detail, source="overrides", key=name) from None
        raise


def scenario_dict(scen: Scenario) -> dict[str, Any]:
    """The scenario as plain data, with each milieu's fully resolved parameters."""
    d = scen.model_dump(mode="json")
    d["resolved_params"] = {
        m.name: milieu_params(scen, i).model_dump(mode="json") for i, m in enumerate(scen.milieux)
    }
    return d


def scenario_hash(scen: Scenario) -> str:
    """A stable hash of the fully resolved scenario (first 16 hex digits of SHA-256)."""
    blob = json.dumps(scenario_dict(scen), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def events_of(scen: Scenario) -> list[EventSpec]:
    """The scenario's scheduled events."""
    return list(scen.events)


def with_overrides(scen: Scenario, **overrides: Any) -> Scenario:
    """A resolved scenario with overrides applied as :func:`load_scenario` applies them
    (scenario fields, or parameter names set in every milieu, below a milieu's own settings),
    validated again; ``scen`` itself when there are none. Used by ``HLMModel(scen, **overrides)``
    and the EMA Workbench adapter (:mod:`hlmsim.ema`)."""
    if not overrides:
        return scen
    return _overridden(scen.model_dump(), None, overrides)
