"""Sensitivity indices from a sweep's sample (SALib): Sobol (first-order and total, optionally
second-order) and Morris (elementary effects), with bootstrap confidence intervals.

Both work on the unit points of the design (``hlmsim.sweep.sampling``) and one output value per
point, in the sampler's order; nothing here knows the model, so the same functions analyse the
model's outcomes and the Ishigami test function (``tests/test_analyze.py``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

#: Bootstrap resamples and confidence level of the intervals.
RESAMPLES = 200
CONF_LEVEL = 0.95


def _problem(names: list[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _usable(y: np.ndarray) -> str | None:
    """Why an output cannot be analysed (None when it can)."""
    if not np.all(np.isfinite(y)):
        return f"{int(np.sum(~np.isfinite(y)))} sample points have no value (failed runs or NaN)"
    if np.var(y) == 0:
        return "the outcome does not vary across the sample"
    return None


def sobol_indices(
    names: list[str],
    y: np.ndarray,
    second_order: bool = False,
    seed: int | None = 0,
    resamples: int = RESAMPLES,
    conf_level: float = CONF_LEVEL,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sobol indices of ``y`` (one value per point of a Saltelli design over ``names``):
    a table (parameter, S1, S1_conf, ST, ST_conf; ``_conf`` is the half-width of the
    ``conf_level`` interval) and, with ``second_order``, the pairs (S2, S2_conf)."""
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    why = _usable(y)
    if why:
        raise ValueError(why)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = sobol.analyze(
            _problem(names),
            y,
            calc_second_order=second_order,
            num_resamples=resamples,
            conf_level=conf_level,
            seed=seed,
        )
    first = pd.DataFrame(
        {
            "parameter": names,
            "S1": si["S1"],
            "S1_conf": si["S1_conf"],
            "ST": si["ST"],
            "ST_conf": si["ST_conf"],
        }
    )
    pairs = None
    if second_order:
        rows = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append(
                    {
                        "parameter": names[i],
                        "parameter_2": names[j],
                        "S2": si["S2"][i, j],
                        "S2_conf": si["S2_conf"][i, j],
                    }
                )
        pairs = pd.DataFrame(rows)
    return first, pairs


def morris_indices(
    names: list[str],
    unit: np.ndarray,
    y: np.ndarray,
    levels: int = 4,
    seed: int | None = 0,
    resamples: int = RESAMPLES,
    conf_level: float = CONF_LEVEL,
) -> pd.DataFrame:
    """Morris elementary-effect statistics of ``y`` over a Morris design (``unit`` points):
    parameter, mu, mu_star (with its ``conf_level`` half-width mu_star_conf) and sigma, in the
    outcome's unit per whole range of the parameter (unit scale)."""
    from SALib.analyze import morris

    y = np.asarray(y, dtype=float)
    why = _usable(y)
    if why:
        raise ValueError(why)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = morris.analyze(
            _problem(names),
            np.asarray(unit, dtype=float),
            y,
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=seed,
        )
    return pd.DataFrame(
        {
            "parameter": names,
            "mu": np.asarray(si["mu"], dtype=float),
            "mu_star": np.asarray(si["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
            "sigma": np.asarray(si["sigma"], dtype=float),
        }
    )
