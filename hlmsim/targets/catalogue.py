"""The targets catalogue: published (or derived) figures the model's own observables are set
against, each with its uncertainty, setting, citation, applicability and role (calibration or
validation). The file format is described in :mod:`hlmsim.targets`; the shipped catalogue is
``hlmsim/targets/catalogue.toml`` (package data).

:func:`load_catalogue` reads and checks a catalogue file: every bad entry is an
:class:`~hlmsim.errors.InputError` whose one-line message names the file, the target's id and
the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..arrangements import ARRANGEMENTS
from ..errors import InputError, suggest
from ..inputfile import MAX_FLOAT, is_file, read_toml
from ..observables import OBSERVABLES
from ..scenario import SCENARIO_DIR, shipped_scenarios

#: Roles of a target: used to set or shape a parameter or mechanism, or held out.
ROLES = ("calibration", "validation")
#: How directly a target applies to the model's setting, from the closest.
APPLICABILITY = ("this_setting", "quebec", "other_setting", "analogue")
#: The longest spin-up a target may ask for (as a scenario's ``spin_up_months``).
MAX_SPIN_UP = 240

#: Contrasts of an arrangement with a ``versus`` arrangement, replicate by replicate.
CONTRASTS = ("ratio", "odds_ratio", "difference")
#: A standard deviation gives the range value ± Z_RANGE sd (a 95% normal interval).
Z_RANGE = 1.959963984540054
#: The shipped catalogue's file name, in this package.
CATALOGUE_FILE = "catalogue.toml"
#: Share of a catalogue's targets held out for validation, at least (checked on the shipped
#: catalogue by the tests, not on users' catalogues).
MIN_VALIDATION_SHARE = 1 / 3

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class Target(BaseModel):
    """One target as written in the catalogue (see :mod:`hlmsim.targets` for each key)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    id: str
    observable: str
    role: Literal["calibration", "validation"]
    scenario: str
    arrangement: str | None = None
    spin_up_months: int | None = None
    versus: str | None = None
    contrast: Literal["ratio", "odds_ratio", "difference"] | None = None
    value: float
    low: float | None = None
    high: float | None = None
    sd: float | None = None
    description_en: str
    description_fr: str
    setting_en: str
    setting_fr: str
    citation: str
    url: str | None = None
    applicability: Literal["this_setting", "quebec", "other_setting", "analogue"]
    range_basis_en: str
    range_basis_fr: str
    role_reason_en: str
    role_reason_fr: str

    @field_validator("value", "low", "high", "sd", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"must be a number (got {v!r})")
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number (got {v!r})")
        if abs(v) > MAX_FLOAT:
            raise ValueError(f"must be at most {MAX_FLOAT:g} in magnitude (got {v!r})")
        return float(v)

    @property
    def range_low(self) -> float:
        """The target range's lower end (from ``low``, or ``value - 1.96 sd``)."""
        return self.low if self.low is not None else self.value - Z_RANGE * (self.sd or 0.0)

    @property
    def range_high(self) -> float:
        """The target range's upper end (from ``high``, or ``value + 1.96 sd``)."""
        return self.high if self.high is not None else self.value + Z_RANGE * (self.sd or 0.0)

    @property
    def is_contrast(self) -> bool:
        return self.versus is not None


@dataclass(frozen=True)
class Catalogue:
    """A checked catalogue: its targets in file order, where it was read from (``source``, as
    messages name it) and its file (``path``; None when built from data)."""

    targets: tuple[Target, ...]
    source: str
    path: Path | None = None

    @property
    def folder(self) -> Path | None:
        """The folder scenario paths are relative to."""
        return self.path.parent if self.path is not None else None

    def __len__(self) -> int:
        return len(self.targets)

    def __iter__(self) -> Any:
        return iter(self.targets)

    def ids(self) -> list[str]:
        return [t.id for t in self.targets]

    def get(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        raise KeyError(target_id)

    def select(self, role: str = "all") -> Catalogue:
        """The targets of one role (``"all"``: every target)."""
        role = check_role(role)
        if role == "all":
            return self
        kept = tuple(t for t in self.targets if t.role == role)
        return Catalogue(kept, self.source, self.path)

    def validation_share(self) -> float:
        """Share of the targets held out for validation."""
        if not self.targets:
            return math.nan
        return sum(t.role == "validation" for t in self.targets) / len(self.targets)


def check_role(role: str) -> str:
    """A role filter: ``calibration``, ``validation`` or ``all``."""
    allowed = (*ROLES, "all")
    if role not in allowed:
        raise InputError(
            f"must be {', '.join(allowed)} (got {role!r}){suggest(role, allowed)}", key="--role"
        )
    return role


def shipped_catalogue_path() -> Path:
    """The shipped catalogue file."""
    return Path(str(resources.files(__package__).joinpath(CATALOGUE_FILE)))


def scenario_path(name: str, base: Path | None = None) -> Path | None:
    """The file of a target's scenario: a shipped scenario's name, or a ``.toml`` path (relative
    to the catalogue's folder); None when there is none."""
    if name.endswith(".toml") or "/" in name:
        p = Path(name)
        if not p.is_absolute() and base is not None:
            p = base / p
        return p if is_file(p) else None
    p = SCENARIO_DIR / f"{name}.toml"
    return p if is_file(p) else None


def _message(err: ValidationError) -> tuple[str, str]:
    """(key, message) of a target's first validation error."""
    e = err.errors()[0]
    key = ".".join(str(x) for x in e["loc"]) or "target"
    kind = e["type"]
    if kind == "extra_forbidden":
        valid = [k for k in Target.model_fields if k != key]
        msg = f"unknown key{suggest(key, valid)}; allowed: {', '.join(Target.model_fields)}"
    elif kind == "missing":
        msg = "missing (a required key)"
    elif kind == "literal_error":
        allowed = {
            "role": ROLES,
            "contrast": CONTRASTS,
            "applicability": APPLICABILITY,
        }.get(key, ())
        msg = f"must be one of {', '.join(allowed)} (got {e.get('input')!r})"
    elif kind == "value_error":
        msg = str(e["msg"]).removeprefix("Value error, ")
    elif kind == "string_type":
        msg = f"must be a string (got {e.get('input')!r})"
    else:
        msg = f"{e['msg']} (got {e.get('input')!r})"
    return key, msg


def _check_target(t: Target, base: Path | None) -> tuple[str, str] | None:
    """(key, message) of the first rule a parsed target breaks, or None."""
    if not t.id or not set(t.id) <= _ID_CHARS:
        return "id", f"must be lowercase letters, digits and underscores (got {t.id!r})"
    if t.observable not in OBSERVABLES:
        return "observable", (
            f"unknown observable {t.observable!r}{suggest(t.observable, OBSERVABLES)};"
            f" allowed: {', '.join(OBSERVABLES)}"
        )
    if scenario_path(t.scenario, base) is None:
        return "scenario", (
            f"unknown scenario {t.scenario!r}{suggest(t.scenario, shipped_scenarios())};"
            f" shipped scenarios: {', '.join(shipped_scenarios())}, or a path to a .toml file"
        )
    for key in ("arrangement", "versus"):
        name = getattr(t, key)
        if name is not None and name not in ARRANGEMENTS:
            return key, (
                f"unknown arrangement {name!r}{suggest(name, ARRANGEMENTS)};"
                f" allowed: {', '.join(ARRANGEMENTS)}"
            )
    if t.spin_up_months is not None and not 0 <= t.spin_up_months <= MAX_SPIN_UP:
        return "spin_up_months", f"must be a whole number of months from 0 to {MAX_SPIN_UP}"
    if (t.versus is None) != (t.contrast is None):
        key = "contrast" if t.versus is not None else "versus"
        return key, "versus and contrast go together: give both or neither"
    if t.versus is not None and t.versus == t.arrangement:
        return "versus", f"must differ from the arrangement ({t.arrangement})"
    if t.contrast == "odds_ratio" and OBSERVABLES[t.observable].unit != "share":
        return "contrast", (
            f"odds_ratio needs an observable that is a share ({t.observable} is in"
            f" {OBSERVABLES[t.observable].unit})"
        )
    has_bounds = t.low is not None or t.high is not None
    if t.sd is not None and has_bounds:
        return "sd", "give either low and high, or sd, not both"
    if t.sd is None:
        if t.low is None:
            return "low", "missing: give low and high, or sd"
        if t.high is None:
            return "high", "missing: give low and high, or sd"
        if not t.low < t.high:
            return "low", f"must be below high (got low = {t.low:g}, high = {t.high:g})"
        if not t.low <= t.value <= t.high:
            return "value", (
                f"must lie within low to high (got {t.value:g}, range {t.low:g} to {t.high:g})"
            )
    elif not t.sd > 0:
        return "sd", f"must be positive (got {t.sd:g})"
    for key in (
        "description_en",
        "description_fr",
        "setting_en",
        "setting_fr",
        "citation",
        "range_basis_en",
        "range_basis_fr",
        "role_reason_en",
        "role_reason_fr",
    ):
        if not getattr(t, key).strip():
            return key, "must not be empty"
    return None


def parse_catalogue(data: Any, source: str, path: Path | None = None) -> Catalogue:
    """Check a catalogue's parsed TOML (``{"target": [...]}``) read from ``path`` (scenario paths
    are relative to its folder)."""
    base = path.parent if path is not None else None
    if not isinstance(data, dict):
        raise InputError("must be a TOML document of [[target]] tables", source=source)
    for k in data:
        if k != "target":
            raise InputError(
                f"unknown key{suggest(k, ['target'])}; a catalogue holds only [[target]] tables",
                source=source,
                key=k,
            )
    raw = data.get("target")
    if not isinstance(raw, list) or not raw:
        raise InputError("no target: give at least one [[target]] table", source=source)
    seen: set[str] = set()
    targets = []
    for i, entry in enumerate(raw):
        name = entry.get("id") if isinstance(entry, dict) else None
        where = name if isinstance(name, str) and name else f"target[{i}]"
        if not isinstance(entry, dict):
            raise InputError("must be a [[target]] table", source=source, key=where)
        try:
            target = Target.model_validate(entry)
        except ValidationError as err:
            key, msg = _message(err)
            raise InputError(msg, source=source, key=f"{where}.{key}") from None
        problem = _check_target(target, base)
        if problem is not None:
            raise InputError(problem[1], source=source, key=f"{where}.{problem[0]}")
        if target.id in seen:
            raise InputError(
                "duplicate id: each target's id must be unique", source=source, key=f"{where}.id"
            )
        seen.add(target.id)
        targets.append(target)
    return Catalogue(tuple(targets), source, path)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and check a catalogue file (default: the shipped catalogue)."""
    p = shipped_catalogue_path() if path is None else Path(path)
    source = str(path) if path is not None else _shipped_source()
    data = read_toml(p, "catalogue", ("target",), source=source)
    return parse_catalogue(data, source, p)


def _shipped_source() -> str:
    return f"hlmsim/targets/{CATALOGUE_FILE}"
