"""Which arrangement holds up across the plausible worlds: ranks, regret and the two spreads.

A comparison over a parameter ensemble runs each arrangement in the same worlds: parameter set
``s`` (drawn by weight from the ensemble) with several seeds, the same sets and seeds for every
arrangement (common random numbers over parameters too). From its final-year values
(``finals``: one row per arrangement and replication, with the replication's ``set``) this
module computes, for each key outcome that has a better direction:

- :func:`rank_table`: in each parameter set (its seeds averaged: the set is the *world* a
  planner cannot choose), which arrangement does best; across sets, each arrangement's
  probability of being best, its rank distribution and its expected regret (how much worse than
  the best arrangement of the same world it does, in the outcome's unit; 0 for an arrangement
  that is best in every world). Ties share: two arrangements equal in a world each get half of
  "best" and half of each of the two ranks they share, so identical arrangements get one half
  each, not a winner.
- :func:`spread_table`: how much of the variation of each arrangement's outcome, and of its
  difference with the reference, comes from the parameters (between sets) and how much from
  chance (between seeds of one set): a one-way random-effects analysis of variance (method of
  moments: between-set variance ``(MSB - MSW) / k`` floored at 0, chance ``MSW``), with unequal
  set sizes handled by the usual ``n0`` (Searle, Casella & McCulloch 1992, ch. 3).
- :func:`hinge`: scenario discovery (PRIM, as sweeps use it,
  :func:`hlmsim.sweep.discovery.prim_box`) over the parameter sets for "the leading arrangement
  is no longer best": the region of the ensemble where the answer changes.

Without an ensemble each replication is its own set: ranks then count chance alone, and the
spread is all chance. Engines return these tables; reports word them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .outcomes import KEY_OUTCOMES
from .replication import mean_ci

#: Two worlds' values closer than this (relative to the outcome's scale) count as a tie.
TIE_TOLERANCE = 1e-9
#: The outcome on which the leading arrangement is named and the scenario discovery runs.
HEADLINE = "needs_met"
#: Scenario discovery needs at least this many worlds on each side of the condition.
MIN_CASES = 5


def ranked_outcomes(outcomes: Sequence[str] | None = None) -> list[str]:
    """The key outcomes that have a better direction (time to maturity has none)."""
    names = list(KEY_OUTCOMES) if outcomes is None else list(outcomes)
    return [n for n in names if KEY_OUTCOMES.get(n, 0) != 0]


def world_means(finals: pd.DataFrame, outcome: str, arrangements: Sequence[str]) -> pd.DataFrame:
    """Each arrangement's mean ``outcome`` in each parameter set (rows: sets; columns:
    arrangements, in the order given); a set missing in one arrangement is dropped."""
    key = "set" if "set" in finals else "replication"
    wide = finals.pivot_table(index=key, columns="arrangement", values=outcome, aggfunc="mean")
    return wide.reindex(columns=list(arrangements)).dropna(how="any")


def _ranks_in_world(values: np.ndarray, direction: int, tol: float) -> np.ndarray:
    """(A, A) matrix: share of rank r (columns, 0 = best) held by each arrangement (rows) in one
    world, ties sharing the ranks they span."""
    a = len(values)
    score = -direction * values  # lower score is better
    order = np.argsort(score, kind="stable")
    out = np.zeros((a, a))
    i = 0
    while i < a:
        j = i + 1
        while j < a and abs(score[order[j]] - score[order[i]]) <= tol:
            j += 1
        for pos in range(i, j):
            out[order[pos], i:j] = 1.0 / (j - i)
        i = j
    return out


def rank_table(
    finals: pd.DataFrame, arrangements: Sequence[str], outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per (outcome, arrangement): ``p_best`` (share of worlds where it is best, ties
    shared), ``rank_1`` ... ``rank_A`` (its rank distribution), ``mean_rank``, ``regret`` (mean
    shortfall against the best arrangement of each world, in the outcome's unit, >= 0) with its
    95% interval over worlds (``regret_low``, ``regret_high``), and ``worlds``."""
    arrs = list(arrangements)
    rows = []
    for name in ranked_outcomes(outcomes):
        direction = KEY_OUTCOMES[name]
        w = world_means(finals, name, arrs)
        v = w.to_numpy(dtype=float)
        n = len(v)
        scale = float(np.nanmax(np.abs(v))) if n else 0.0
        tol = TIE_TOLERANCE * max(scale, 1.0)
        ranks = np.zeros((len(arrs), len(arrs)))
        regret = np.zeros((n, len(arrs)))
        for s in range(n):
            ranks += _ranks_in_world(v[s], direction, tol)
            best = np.max(direction * v[s])
            regret[s] = best - direction * v[s]
        share = ranks / n if n else np.full_like(ranks, math.nan)
        for i, a in enumerate(arrs):
            m, lo, hi, _ = mean_ci(regret[:, i]) if n else (math.nan,) * 4
            row: dict[str, Any] = {"outcome": name, "arrangement": a, "p_best": share[i, 0]}
            row.update({f"rank_{r + 1}": share[i, r] for r in range(len(arrs))})
            row["mean_rank"] = float(np.sum(share[i] * np.arange(1, len(arrs) + 1)))
            row.update(
                {
                    "regret": m,
                    "regret_low": max(lo, 0.0) if n > 1 else math.nan,
                    "regret_high": hi if n > 1 else math.nan,
                    "worlds": n,
                }
            )
            rows.append(row)
    return pd.DataFrame(rows)


def _variance_components(values: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """(between-group, within-group) variance components of a one-way random-effects model,
    by the method of moments; NaN values are left out."""
    ok = ~np.isnan(values)
    x, g = values[ok], groups[ok]
    if len(x) < 2:
        return math.nan, math.nan
    labels, inv, sizes = np.unique(g, return_inverse=True, return_counts=True)
    k, n = len(labels), len(x)
    means = np.bincount(inv, weights=x) / sizes
    grand = x.mean()
    ssw = float(np.sum((x - means[inv]) ** 2))
    ssb = float(np.sum(sizes * (means - grand) ** 2))
    if k == n:  # one value per group: no within-group information
        return math.nan, math.nan
    msw = ssw / (n - k)
    if k < 2:
        return math.nan, msw
    msb = ssb / (k - 1)
    n0 = (n - float(np.sum(sizes**2)) / n) / (k - 1)
    return max((msb - msw) / n0, 0.0), msw


def spread_table(
    finals: pd.DataFrame,
    arrangements: Sequence[str],
    reference: str,
    outcomes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per (arrangement, outcome, quantity): ``quantity`` is ``level`` (the
    arrangement's outcome) or ``difference`` (against ``reference``, replication by
    replication); ``var_parameters`` and ``var_chance`` (variance components) and
    ``share_parameters`` (their ratio to the total; NaN when there is no variation or no way to
    separate the two: one seed per set)."""
    names = list(KEY_OUTCOMES) if outcomes is None else list(outcomes)
    key = "set" if "set" in finals else "replication"
    ref = finals[finals["arrangement"] == reference].set_index("replication")
    rows = []
    for a in arrangements:
        g = finals[finals["arrangement"] == a].set_index("replication")
        sets = g[key].to_numpy()
        for name in names:
            quantities = [("level", g[name].to_numpy(dtype=float))]
            if a != reference:
                diff = g[name].to_numpy(dtype=float) - ref.loc[g.index, name].to_numpy(float)
                quantities.append(("difference", diff))
            for q, x in quantities:
                vp, vc = _variance_components(x, sets)
                total = vp + vc
                rows.append(
                    {
                        "arrangement": a,
                        "outcome": name,
                        "quantity": q,
                        "var_parameters": vp,
                        "var_chance": vc,
                        "share_parameters": vp / total if total > 0 else math.nan,
                    }
                )
    return pd.DataFrame(rows)


def leader(ranks: pd.DataFrame, outcome: str = HEADLINE) -> str | None:
    """The arrangement most often best on ``outcome`` (ties: the lower mean rank, then the
    order given), or None when the table has no such outcome."""
    r = ranks[ranks["outcome"] == outcome]
    if r.empty:
        return None
    r = r.assign(_order=np.arange(len(r)))
    top = r.sort_values(["p_best", "mean_rank", "_order"], ascending=[False, True, True])
    return str(top.iloc[0]["arrangement"])


def hinge(
    finals: pd.DataFrame,
    draws: pd.DataFrame,
    arrangements: Sequence[str],
    lead: str,
    outcome: str = HEADLINE,
    kinds: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Where ``lead`` stops being best on ``outcome``: PRIM over the parameter sets (``draws``:
    one row per set, indexed by set, one column per parameter) with the condition "``lead`` is
    not best in this world" (ties count as still best). Returns ``status``: ``box`` (with
    ``box``, a :class:`hlmsim.sweep.discovery.Box`), ``always`` (never best), ``never`` (best in
    every world), ``too_few`` (fewer than :data:`MIN_CASES` worlds on one side) or
    ``no_parameters`` (the sets do not vary); and ``worlds``, ``cases`` (worlds where it is not
    best)."""
    from .sweep.discovery import inputs, prim_box

    direction = KEY_OUTCOMES[outcome]
    w = world_means(finals, outcome, arrangements)
    v = direction * w.to_numpy(dtype=float)
    scale = float(np.nanmax(np.abs(v))) if len(v) else 0.0
    tol = TIE_TOLERANCE * max(scale, 1.0)
    i = list(arrangements).index(lead)
    lost = v.max(axis=1) - v[:, i] > tol
    out: dict[str, Any] = {"worlds": int(len(v)), "cases": int(lost.sum()), "lead": lead}
    if lost.all():
        return {**out, "status": "always"}
    if not lost.any():
        return {**out, "status": "never"}
    x = draws.reindex(w.index)
    kinds = dict(kinds or {c: "float" for c in x.columns})
    x = inputs(x, {c: kinds.get(c, "float") for c in x.columns})
    if x.shape[1] == 0:
        return {**out, "status": "no_parameters"}
    if min(int(lost.sum()), int((~lost).sum())) < MIN_CASES:
        return {**out, "status": "too_few"}
    return {**out, "status": "box", "box": prim_box(x, lost)}
