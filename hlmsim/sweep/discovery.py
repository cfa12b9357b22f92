"""Scenario discovery: the region of parameter space where a condition holds.

Given the sample's parameter values (one row per case) and a yes/no condition per case, PRIM
(Friedman & Fisher 1999; the ``prim`` package) peels a box around the cases of interest, and
CART (scikit-learn's ``DecisionTreeClassifier``) splits the space into leaves. Each box is
reported with its limits on the restricted parameters, its coverage (share of the cases of
interest inside it) and its density (share of the cases inside it that are of interest).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: PRIM box choice: boxes less dense than this are never chosen (unless none is that dense).
MIN_DENSITY = 0.5


@dataclass
class Box:
    """One box: limits by parameter (``(low, high)`` or a set of categories; none: everywhere),
    coverage, density, mass (share of all cases inside) and counts
    (:func:`hlmsim.reporting.analysis.describe_box` words it)."""

    method: str
    limits: dict[str, Any]
    coverage: float
    density: float
    mass: float
    n: int
    n_true: int
    extra: dict[str, Any] = field(default_factory=dict)


def _is_interval(lim: Any) -> bool:
    return (
        isinstance(lim, tuple)
        and len(lim) == 2
        and all(isinstance(v, (int, float, np.number)) for v in lim)
    )


def inputs(values: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """The parameters that vary, typed for PRIM: numbers, whole numbers, yes/no as 0/1 and
    categories as text (object)."""
    out = {}
    for name, kind in kinds.items():
        col = values[name]
        if col.nunique(dropna=False) < 2:
            continue
        if kind == "float":
            out[name] = col.astype(float)
        elif kind == "int":
            out[name] = col.astype("int64")
        elif kind == "bool":
            out[name] = col.astype(bool).astype("int64")
        else:
            out[name] = col.astype(str).astype(object)
    return pd.DataFrame(out, index=values.index)


def prim_box(x: pd.DataFrame, y: np.ndarray, min_density: float = MIN_DENSITY) -> Box:
    """PRIM's first box: along the peeling trajectory, the box with the best balance of
    coverage and density (their harmonic mean), among those of density at least
    ``min_density``; fewer restricted parameters break ties. ``extra`` holds the trajectory
    (coverage, density, mass, restricted dimensions) and the chosen step."""
    import prim

    y = np.asarray(y, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x.reset_index(drop=True), y)
        box = p.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True).astype(float)
    cov, den = traj["coverage"], traj["density"]
    traj["f1"] = (2 * cov * den / (cov + den)).fillna(0.0)
    ok = traj[den >= min_density]
    pick = ok if len(ok) else traj[den == den.max()]
    i = int(pick.sort_values(["f1", "res dim"], ascending=[False, True], kind="stable").index[0])
    row = traj.iloc[i]
    lims, init = box._box_lims[i], p._box_init
    limits: dict[str, Any] = {}
    for name in x.columns:
        lo, hi = lims[name][0], lims[name][1]
        if x[name].dtype == object:
            if set(lo) != set(init[name][0]):
                limits[name] = set(lo)
        elif lo != init[name][0] or hi != init[name][1]:
            limits[name] = (float(lo), float(hi))
    inside = _inside(x, limits)
    return Box(
        "prim",
        limits,
        float(row["coverage"]),
        float(row["density"]),
        float(row["mass"]),
        int(inside.sum()),
        int((inside & y).sum()),
        {"trajectory": traj, "chosen": i},
    )


def _inside(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    ok = np.ones(len(x), dtype=bool)
    for name, lim in limits.items():
        col = x[name]
        if _is_interval(lim):
            ok &= (col.to_numpy(dtype=float) >= lim[0]) & (col.to_numpy(dtype=float) <= lim[1])
        else:
            ok &= col.astype(str).isin([str(v) for v in lim]).to_numpy()
    return ok


def cart_boxes(
    x: pd.DataFrame, y: np.ndarray, max_depth: int = 3, seed: int = 0
) -> tuple[list[Box], Any, list[str]]:
    """CART leaves where the condition mostly holds (density at least 0.5), largest coverage
    first; also the fitted tree and its feature names (categories one-hot encoded)."""
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(y, dtype=bool)
    enc = pd.get_dummies(x, prefix_sep="=", dtype=float) if len(x.columns) else x
    features = list(enc.columns)
    leaf_min = max(3, int(0.05 * len(x)))
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=leaf_min, random_state=seed)
    tree.fit(enc.to_numpy(dtype=float), y)
    t = tree.tree_
    leaves = tree.apply(enc.to_numpy(dtype=float))
    total_true = max(int(y.sum()), 1)
    boxes: list[Box] = []

    def walk(node: int, bounds: dict[str, tuple[float, float]]) -> None:
        if t.children_left[node] == -1:
            inside = leaves == node
            n, k = int(inside.sum()), int((inside & y).sum())
            if n and k / n >= 0.5:
                boxes.append(
                    Box(
                        "cart",
                        _cart_limits(bounds, x),
                        k / total_true,
                        k / n,
                        n / len(y),
                        n,
                        k,
                        {"leaf": node},
                    )
                )
            return
        f, thr = features[t.feature[node]], float(t.threshold[node])
        lo, hi = bounds.get(f, (-np.inf, np.inf))
        left = {**bounds, f: (lo, min(hi, thr))}  # x <= threshold
        right = {**bounds, f: (max(lo, thr), hi)}
        walk(int(t.children_left[node]), left)
        walk(int(t.children_right[node]), right)

    walk(0, {})
    boxes.sort(key=lambda b: (-b.coverage, -b.density))
    return boxes, tree, features


def _cart_limits(bounds: dict[str, tuple[float, float]], x: pd.DataFrame) -> dict[str, Any]:
    """Tree bounds as box limits: the split thresholds (a split at t sends x <= t left),
    open ends closed by the data's range; one-hot categories as sets."""
    limits: dict[str, Any] = {}
    cats: dict[str, set[str]] = {}
    for feat, (lo, hi) in bounds.items():
        if feat in x.columns:
            col = x[feat].to_numpy(dtype=float)
            limits[feat] = (float(max(lo, col.min())), float(min(hi, col.max())))
        else:
            name, value = feat.split("=", 1)
            allowed = cats.setdefault(name, set(map(str, x[name].unique())))
            if hi < 1:  # the "== value" indicator is 0: not this category
                allowed.discard(value)
            if lo >= 0:  # the indicator is 1: only this category
                allowed &= {value}
    for name, allowed in cats.items():
        limits[name] = allowed
    return limits
