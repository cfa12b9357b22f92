"""The calibrated ensemble: weighted parameter sets a calibration leaves, in one Parquet file.

An ensemble file holds one row per parameter set (one column per calibrated parameter, plus
``weight``) and, in the Parquet schema's key-value metadata under ``hlmsim``, a JSON object:
the scenario calibrated, the package version whose results it was calibrated on
(``hlmsim_version``: every change of simulated results bumps it, see the CHANGELOG), the targets
catalogue's hash, the calibration file, the command that regenerates the ensemble, and the
priors. The package ships one for the default scenario (:func:`shipped_ensemble_path`);
comparisons, sweeps, ``hlmsim patterns`` and the app draw parameter sets from it
(:meth:`Ensemble.draw`): by weight, reproducibly from a seed.

The shipped ensemble is tied to the results it was calibrated on: a test fails when its
``hlmsim_version`` differs from the package's, so that a change of results regenerates it in
the same change (the command is in its metadata and in ``docs/calibration.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, suggest
from ..inputfile import exists, is_file

#: The key of the ensemble's metadata in the Parquet schema.
META_KEY = b"hlmsim"
#: What an ensemble's metadata must give.
REQUIRED_META = ("scenario", "hlmsim_version", "catalogue_hash", "command")


@dataclass(frozen=True)
class Ensemble:
    """Weighted parameter sets: ``values`` (one row per set, one column per parameter),
    ``weights`` (normalised to sum to one) and ``meta``."""

    values: pd.DataFrame
    weights: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def parameters(self) -> list[str]:
        return list(self.values.columns)

    def __len__(self) -> int:
        return len(self.values)

    def draw(self, n: int, seed: int) -> pd.DataFrame:
        """``n`` parameter sets drawn by weight, with replacement, reproducibly from ``seed``
        (the same ``n`` and ``seed`` give the same sets in the same order)."""
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x454E53]))
        idx = rng.choice(len(self.values), size=int(n), replace=True, p=self.weights)
        return self.values.iloc[idx].reset_index(drop=True)

    def param_sets(self, n: int, seed: int) -> list[dict[str, Any]]:
        """:meth:`draw` as a list of mappings (parameter -> value), integers kept integers."""
        from ..params import Params

        out = []
        for row in self.draw(n, seed).to_dict("records"):
            ps = {}
            for k, v in row.items():
                ann = Params.model_fields[k].annotation
                ps[k] = int(round(v)) if ann is int else float(v)
            out.append(ps)
        return out


def shipped_ensemble_path(scenario: str = "default") -> Path:
    """The calibrated ensemble shipped with the package for ``scenario``."""
    return Path(str(resources.files("hlmsim") / "data" / "ensembles" / f"{scenario}.parquet"))


#: What stands for the shipped ensemble where a command takes an ensemble (``--ensemble``).
SHIPPED = "calibrated"
#: The same, as ``hlmsim compare --ensemble`` names it (the calibration's posterior).
POSTERIOR = "posterior"
#: ``hlmsim compare --ensemble``: every assumed parameter drawn from its plausible range.
PLAUSIBLE = "plausible"
#: ``hlmsim compare --ensemble``: every parameter at its default (no parameter uncertainty).
NONE = "none"


def _check_name(ref: str | Path, names: tuple[str, ...]) -> None:
    """Refuse a bare word that is neither one of ``names`` nor a file (a mistyped name), with
    the names it may have meant."""
    text = str(ref)
    if text in names or exists(text) or "/" in text or "." in text:
        return
    raise InputError(
        f"unknown ensemble '{text}'{suggest(text, names)}: give {', '.join(names)} or an"
        " ensemble file written by `hlmsim calibrate`",
        key="--ensemble",
    )


def resolve_ensemble(ref: str | Path, scenario: str = "default") -> Ensemble:
    """The ensemble a command line names: a file, or ``calibrated`` for the one shipped for
    ``scenario``. A bad file, or ``calibrated`` when none is shipped (with how to make one), is
    refused with a one-line :class:`InputError`."""
    if str(ref) not in (SHIPPED, POSTERIOR):
        _check_name(ref, (SHIPPED,))
        return load_ensemble(Path(ref))
    path = shipped_ensemble_path(scenario)
    if not is_file(path):
        raise InputError(
            f"'{SHIPPED}': no calibrated ensemble is shipped for the {scenario} scenario yet"
            f" ({path} is missing); make one with `hlmsim calibrate` (see docs/calibration.md)"
            " and give its file",
            key="--ensemble",
        )
    return load_ensemble(path)


def write_ensemble(
    values: pd.DataFrame, weights: np.ndarray, meta: dict[str, Any], path: Path
) -> Path:
    """Write an ensemble file (atomically: a temporary sibling renamed into place)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"ensemble metadata lacks {', '.join(missing)}")
    w = np.asarray(weights, dtype=float)
    df = values.reset_index(drop=True).astype(float).assign(weight=w / w.sum())
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta, sort_keys=True).encode()}
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path


def load_ensemble(path: str | Path) -> Ensemble:
    """Read an ensemble file; a file that is not one (missing, unreadable, no weights, unknown
    or non-numeric parameters, no metadata) is refused with a one-line :class:`InputError`."""
    import pyarrow.parquet as pq

    from ..params import Params

    path = Path(path)
    src = str(path)
    if not is_file(path):
        raise InputError("no such ensemble file", source=src)
    try:
        table = pq.read_table(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is bad input
        raise InputError(
            f"not a Parquet ensemble file ({type(err).__name__})", source=src
        ) from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise InputError("no hlmsim metadata: not an ensemble file", source=src, key="hlmsim")
    try:
        meta = json.loads(raw)
    except ValueError:
        raise InputError("unreadable metadata", source=src, key="hlmsim") from None
    df = table.to_pandas()
    if "weight" not in df:
        raise InputError("no weight column", source=src, key="weight")
    params = [c for c in df.columns if c != "weight"]
    for c in params:
        if c not in Params.model_fields:
            raise InputError("unknown parameter", source=src, key=c)
        if not pd.api.types.is_numeric_dtype(df[c]) or not np.isfinite(df[c]).all():
            raise InputError("values must be finite numbers", source=src, key=c)
    w = df["weight"].to_numpy(dtype=float)
    if len(w) == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError(
            "weights must be finite, non-negative and not all zero", source=src, key="weight"
        )
    return Ensemble(df[params].reset_index(drop=True), w / w.sum(), meta, src)


@dataclass(frozen=True)
class PlausibleEnsemble:
    """Every assumed parameter of a scenario on its plausible range (the factors of the
    screening, :func:`hlmsim.calibrate.screening.assumed_factors`: uniform, or log-uniform when
    the range spans a factor of 4 or more), each set drawn independently with equal weight:
    what a comparison's answer looks like when the evidence narrows nothing."""

    factors: tuple[Any, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = PLAUSIBLE

    @property
    def parameters(self) -> list[str]:
        return [f.name for f in self.factors]

    def param_sets(self, n: int, seed: int) -> list[dict[str, Any]]:
        """``n`` sets, reproducibly from ``seed``; the first ``n`` of a longer draw on the same
        seed are the same sets (precision mode adds sets without changing the first ones)."""
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x504C41]))
        u = rng.random((int(n), len(self.factors)))
        out = []
        for row in u:
            ps: dict[str, Any] = {}
            for f, x in zip(self.factors, row, strict=True):
                if f.log:
                    v = float(np.exp(np.log(f.low) + x * (np.log(f.high) - np.log(f.low))))
                else:
                    v = float(f.low + x * (f.high - f.low))
                ps[f.name] = int(round(v)) if f.integer else v
            out.append(ps)
        return out


def comparison_ensemble(
    ref: str | Path | None, scenario: Any
) -> Ensemble | PlausibleEnsemble | None:
    """What ``hlmsim compare --ensemble`` names: ``posterior`` (or ``calibrated``: the ensemble
    shipped for the default scenario, whatever the scenario compared: the report says where it
    was calibrated), ``plausible`` (:class:`PlausibleEnsemble` on ``scenario``), ``none`` (None:
    every parameter at its default) or an ensemble file."""
    if ref is None or str(ref) == NONE:
        return None
    _check_name(ref, (POSTERIOR, PLAUSIBLE, NONE, SHIPPED))
    if str(ref) == PLAUSIBLE:
        from .screening import assumed_factors

        factors = tuple(assumed_factors(scenario))
        name = getattr(scenario, "name", str(scenario))
        return PlausibleEnsemble(factors, {"scenario": name, "kind": PLAUSIBLE})
    return resolve_ensemble(ref)


__all__ = [
    "Ensemble",
    "NONE",
    "PLAUSIBLE",
    "POSTERIOR",
    "PlausibleEnsemble",
    "comparison_ensemble",
    "SHIPPED",
    "load_ensemble",
    "resolve_ensemble",
    "shipped_ensemble_path",
    "write_ensemble",
]
