"""What a calibration's posterior says, parameter by parameter: weighted means and 90% intervals
against the prior's, which parameters the evidence identifies, which pairs move together, and
how the model's figures fall against the targets over posterior draws (posterior predictive
check). Pure functions on tables; nothing here runs the model or knows the report.

A parameter is *identified* when its 90% posterior interval is under half the width of its
prior (:data:`IDENTIFIED_RATIO`): the evidence narrowed it by more than half. Widths are
measured on the scale the prior samples (log for a log-uniform prior), so a log-uniform
parameter narrowed from 1-4 to 1.5-2.5 is judged by the ratio of its log spans.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .config import Prior

#: Posterior interval: 90%, central.
INTERVAL = 0.90
#: Identified: the posterior's 90% interval under this share of the prior's.
IDENTIFIED_RATIO = 0.5
#: Pairs shown in the report: the most correlated, at most this many, with |r| at least
#: :data:`MIN_PAIR_CORRELATION`.
MAX_PAIRS = 3
MIN_PAIR_CORRELATION = 0.3


@dataclass
class CalibrationOutputs:
    """What a calibration leaves, as its report reads it: ``generations`` (generation,
    epsilon, acceptance_rate, ess, samples, seconds), ``posterior`` (generation, weight, one
    column per parameter, every generation), the ``priors``, the calibration ``targets`` (ids),
    the assumed parameters ``fixed`` at their defaults, ``meta`` (scenario, seed, quick,
    hlmsim_version, command...) and, when computed, the ``screening`` table (parameter, score,
    rank, selected), the posterior ``predictive`` check (:func:`predictive_check`, both roles)
    and the ``patterns`` over posterior draws (pattern, finding, robustness_points,
    robustness_share)."""

    generations: pd.DataFrame
    posterior: pd.DataFrame
    priors: list[Prior]
    targets: list[str]
    fixed: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    screening: pd.DataFrame | None = None
    predictive: pd.DataFrame | None = None
    patterns: pd.DataFrame | None = None


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of ``x`` weighted by ``w``: the weighted empirical distribution function,
    interpolated at the mid-points of each value's weight (NaN without weight)."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if not len(x) or not np.sum(w) > 0:
        return np.full(len(q), math.nan)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return np.interp(np.asarray(q, dtype=float), cum, x)


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    w = np.asarray(w, dtype=float)
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else math.nan


def last_generation(posterior: pd.DataFrame) -> pd.DataFrame:
    """The particles of the last generation, their weights normalised to sum to one."""
    last = posterior[posterior["generation"] == posterior["generation"].max()].copy()
    last["weight"] = last["weight"] / last["weight"].sum()
    return last.reset_index(drop=True)


def parameter_summary(posterior: pd.DataFrame, priors: Sequence[Prior]) -> pd.DataFrame:
    """One row per calibrated parameter: prior bounds and 90% interval, posterior mean, median
    and 90% interval (last generation, weighted), the ratio of the posterior interval's width
    to the prior's and ``identified``."""
    last = last_generation(posterior)
    w = last["weight"].to_numpy()
    lo_q, hi_q = (1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2
    rows = []
    for p in priors:
        x = last[p.name].to_numpy(dtype=float)
        q05, q50, q95 = weighted_quantile(x, w, [lo_q, 0.5, hi_q])
        p05, p95 = p.quantile(lo_q), p.quantile(hi_q)
        prior_width = float(p.scale(p.high) - p.scale(p.low))
        post_width = float(p.scale(q95) - p.scale(q05))
        ratio = post_width / prior_width if prior_width > 0 else math.nan
        rows.append(
            {
                "parameter": p.name,
                "prior": "loguniform" if p.log else "uniform",
                "prior_low": p.low,
                "prior_high": p.high,
                "prior_q05": p05,
                "prior_q95": p95,
                "mean": float(np.sum(w * x)),
                "median": float(q50),
                "q05": float(q05),
                "q95": float(q95),
                "width_ratio": ratio,
                "identified": bool(ratio < IDENTIFIED_RATIO),
            }
        )
    return pd.DataFrame(rows)


def weighted_correlation(posterior: pd.DataFrame, priors: Sequence[Prior]) -> pd.DataFrame:
    """The weighted correlation matrix of the last generation's parameters, each on its prior's
    scale (log for log-uniform priors)."""
    last = last_generation(posterior)
    w = last["weight"].to_numpy()
    names = [p.name for p in priors]
    X = np.column_stack([p.scale(last[p.name].to_numpy(dtype=float)) for p in priors])
    mean = w @ X
    C = (X - mean).T @ ((X - mean) * w[:, None])
    sd = np.sqrt(np.diag(C))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = C / np.outer(sd, sd)
    return pd.DataFrame(R, index=names, columns=names)


def correlated_pairs(
    posterior: pd.DataFrame,
    priors: Sequence[Prior],
    most: int = MAX_PAIRS,
    at_least: float = MIN_PAIR_CORRELATION,
) -> list[tuple[str, str, float]]:
    """The most correlated pairs of parameters in the posterior (|r| >= ``at_least``), strongest
    first: evidence that pins a combination rather than each parameter."""
    R = weighted_correlation(posterior, priors)
    names = list(R.index)
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            r = float(R.iloc[i, j])
            if math.isfinite(r) and abs(r) >= at_least:
                pairs.append((names[i], names[j], r))
    pairs.sort(key=lambda p: -abs(p[2]))
    return pairs[:most]


def draw_particles(posterior: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets drawn by weight (with replacement) from the last generation, in a
    reproducible order: the posterior draws a predictive check or a pattern check runs."""
    last = last_generation(posterior)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(last), size=n, replace=True, p=last["weight"].to_numpy())
    params = [c for c in last.columns if c not in ("generation", "weight")]
    return last.loc[idx, params].reset_index(drop=True)


def predictive_check(
    simulated: pd.DataFrame, targets: Mapping[str, tuple[str, float, float, float]]
) -> pd.DataFrame:
    """Posterior predictive check: ``simulated`` holds one row per posterior draw and one column
    per target id (the model's figure under that draw); ``targets`` maps each id to (role,
    value, low, high). One row per target: role, value and range, the draws' mean and 90%
    interval, the share of draws inside the target's range, and ``covered`` (the draws' 90%
    interval meets the target's range)."""
    rows = []
    for tid, (role, value, low, high) in targets.items():
        if tid not in simulated:
            continue
        y = simulated[tid].to_numpy(dtype=float)
        y = y[np.isfinite(y)]
        if len(y):
            q05, q95 = np.quantile(y, [(1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2])
            inside = float(np.mean((y >= low) & (y <= high)))
            mean = float(y.mean())
        else:
            q05 = q95 = inside = mean = math.nan
        rows.append(
            {
                "target": tid,
                "role": role,
                "value": value,
                "low": low,
                "high": high,
                "mean": mean,
                "q05": float(q05),
                "q95": float(q95),
                "share_inside": inside,
                "covered": bool(len(y) and q05 <= high and q95 >= low),
                "draws": int(len(y)),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "CalibrationOutputs",
    "IDENTIFIED_RATIO",
    "INTERVAL",
    "correlated_pairs",
    "draw_particles",
    "effective_sample_size",
    "last_generation",
    "parameter_summary",
    "predictive_check",
    "weighted_correlation",
    "weighted_quantile",
]
