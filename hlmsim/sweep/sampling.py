"""Factors (the parameters a sweep varies) and the samplers that place runs in their space.

Every sampler first draws points in the unit hypercube [0, 1]^D (full factorial: the grid of
level indices; Latin hypercube: ``scipy.stats.qmc``; Sobol: Saltelli's scheme from SALib;
Morris: SALib's trajectories), then each factor maps its unit coordinate to a value through its
distribution's inverse CDF (a list of values: equal-probability choice). The unit points are
kept next to the values: the Sobol and Morris analyses work on them, whatever the distributions.
Factors here know nothing of the model: the same code samples the Ishigami test function.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

METHODS = ("factorial", "latin", "sobol", "morris")
DISTRIBUTIONS = ("uniform", "loguniform", "triangular", "normal")


@dataclass(frozen=True)
class Factor:
    """One varied input: a list of ``values``, or a distribution on [``low``, ``high``]
    (``uniform``, ``loguniform``, ``triangular`` with ``mode``, or ``normal`` with ``mean`` and
    ``sd`` truncated to [``low``, ``high``]). ``kind`` is ``float``, ``int``, ``bool`` or
    ``choice``; int factors draw whole numbers. ``levels``: grid points of a range in a
    full factorial."""

    name: str
    kind: str = "float"
    values: tuple[Any, ...] | None = None
    dist: str | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    levels: int | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")

    def grid(self) -> list[Any]:
        """The factor's levels in a full factorial: its values, or ``levels`` points spread
        evenly over the range (whole numbers for an int factor, without repeats)."""
        if self.values is not None:
            return list(self.values)
        assert self.low is not None and self.high is not None and self.levels
        pts = np.linspace(self.low, self.high, self.levels)
        if self.kind == "int":
            return sorted({int(round(p)) for p in pts})
        return [float(p) for p in pts]

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map unit coordinates (0 to 1) to the factor's values."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            k = len(self.values)
            idx = np.minimum((u * k).astype(int), k - 1)
            return [self.values[i] for i in idx]
        lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.kind == "int":
            # whole numbers lo..hi with equal probability under a uniform
            x = np.floor(lo + u * (hi - lo + 1))
            return [int(v) for v in np.clip(x, lo, hi)]
        x = self._ppf(u, lo, hi)
        return [float(v) for v in np.clip(x, lo, hi)]

    def _ppf(self, u: np.ndarray, lo: float, hi: float) -> np.ndarray:
        from scipy import stats

        if self.dist in (None, "uniform"):
            return lo + u * (hi - lo)
        if self.dist == "loguniform":
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        if self.dist == "triangular":
            c = (float(self.mode) - lo) / (hi - lo)  # type: ignore[arg-type]
            return stats.triang(c, loc=lo, scale=hi - lo).ppf(u)
        if self.dist == "normal":
            m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
            return stats.truncnorm((lo - m) / s, (hi - m) / s, loc=m, scale=s).ppf(u)
        raise ValueError(f"unknown distribution {self.dist!r}")

    def describe(self) -> str:
        """A short text: ``values [a, b]``, ``uniform [lo, hi]``, ``normal(m, sd) in [lo, hi]``."""
        if self.values is not None:
            return "values [" + ", ".join(_fmt(v) for v in self.values) + "]"
        rng = f"[{_fmt(self.low)}, {_fmt(self.high)}]"
        if self.levels:
            return f"{self.levels} levels in {rng}"
        if self.dist == "triangular":
            return f"triangular {rng}, mode {_fmt(self.mode)}"
        if self.dist == "normal":
            return f"normal({_fmt(self.mean)}, {_fmt(self.sd)}) in {rng}"
        return f"{self.dist or 'uniform'} {rng}"


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def problem(factors: list[Factor]) -> dict[str, Any]:
    """The SALib problem of the unit hypercube (analyses work on unit coordinates)."""
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }


def n_points(
    factors: list[Factor], method: str, samples: int | None, second_order: bool = False
) -> int:
    """How many sample points a design has."""
    d = len(factors)
    if method == "factorial":
        return math.prod(len(f.grid()) for f in factors) if factors else 1
    assert samples is not None
    if method == "latin":
        return samples
    if method == "sobol":
        return samples * (2 * d + 2 if second_order else d + 2)
    if method == "morris":
        return samples * (d + 1)
    raise ValueError(f"unknown sampler {method!r}")


def unit_points(
    factors: list[Factor],
    method: str,
    samples: int | None,
    seed: int,
    levels: int = 4,
    second_order: bool = False,
) -> np.ndarray:
    """Sample points in the unit hypercube, shape (points, factors)."""
    d = len(factors)
    if method == "factorial":
        grids = [f.grid() for f in factors]
        idx = list(itertools.product(*[range(len(g)) for g in grids]))
        if not factors:
            return np.zeros((1, 0))
        return np.array(
            [
                [i / (len(g) - 1) if len(g) > 1 else 0.5 for i, g in zip(row, grids, strict=True)]
                for row in idx
            ],
            dtype=float,
        )
    if d == 0:
        raise ValueError("a sampled design needs at least one factor")
    if method == "latin":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(int(samples or 0))
    if method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sobol.sample(
                problem(factors), int(samples or 0), calc_second_order=second_order, seed=seed
            )
    if method == "morris":
        from SALib.sample import morris

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return morris.sample(problem(factors), int(samples or 0), num_levels=levels, seed=seed)
    raise ValueError(f"unknown sampler {method!r}")


def design(
    factors: list[Factor],
    method: str,
    samples: int | None,
    seed: int,
    levels: int = 4,
    second_order: bool = False,
) -> tuple[np.ndarray, pd.DataFrame]:
    """The design: unit points (points, factors) and a table of values, one row per point
    (``sample_id`` 0, 1, ... in the sampler's order, then one column per factor)."""
    if method == "factorial":
        grids = [f.grid() for f in factors]
        rows = list(itertools.product(*grids)) if factors else [()]
        unit = unit_points(factors, method, samples, seed, levels, second_order)
        values = pd.DataFrame(
            {f.name: pd.Series([r[j] for r in rows], dtype=object) for j, f in enumerate(factors)}
        )
        values = values if factors else pd.DataFrame(index=range(1))
    else:
        unit = unit_points(factors, method, samples, seed, levels, second_order)
        values = pd.DataFrame(
            {
                f.name: pd.Series(f.from_unit(unit[:, j]), dtype=object)
                for j, f in enumerate(factors)
            }
        )
    for f in factors:  # native dtypes: float, int, bool; choices stay text
        if f.kind == "float":
            values[f.name] = values[f.name].astype(float)
        elif f.kind == "int":
            values[f.name] = values[f.name].astype("int64")
        elif f.kind == "bool":
            values[f.name] = values[f.name].astype(bool)
        else:
            values[f.name] = values[f.name].astype(str)
    values.insert(0, "sample_id", np.arange(len(values), dtype="int64"))
    return unit, values
