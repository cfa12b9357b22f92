"""The analysis of a finished sweep: tables, sensitivity indices and scenario discovery.

:func:`prepare` checks the request and reads the sweep; :func:`compute` returns an
:class:`Analysis` (tables and findings, in no language). Writing them (CSV tables, PNG figures,
``summary.md``) into ``SWEEP_DIR/analysis`` is :mod:`hlmsim.reporting.analysis`'s (``hlmsim
analyze``). The tables:

* ``points``: each sample point and arrangement, mean of each outcome over replications with its
  95% CI (a t interval over the point's replications); ``arrangements``: each arrangement's mean
  over all points, with a 95% CI over replications (each replication's mean over the points: the
  interval says how sure the mean is, chance alone) and the range of the point means (how much
  the parameters move it);
* full factorial: ``effects`` (marginal mean of each outcome at each level of each parameter,
  its 95% CI over replications in the same way); other samplers: ``correlations`` (Spearman);
* two or more arrangements: ``best`` and ``best_points``, which arrangement is the best on each
  key outcome: at each sample point, its probability of being best over the point's replications
  (:func:`hlmsim.uncertainty.rank_table`'s rule: ties share, so identical arrangements get equal
  shares, never a winner) and whether it is *clearly* best (its paired 95% CI against every
  other arrangement excludes zero); over all points, the mean of these probabilities, the rank
  distribution, the expected regret and the share of points where each is clearly best;
* Sobol samples: ``sobol`` (S1, ST with CIs; ``sobol_s2``); Morris samples: ``morris`` (mu*,
  sigma);
* ``discovery``: PRIM and CART boxes where the condition holds, with coverage and density.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import uncertainty
from ..errors import InputError, suggest
from ..outcomes import KEY_OUTCOMES
from ..replication import mean_ci
from . import discovery, sensitivity
from .experiment import ALL_OUTCOMES
from .sampling import Factor


@dataclass
class Sweep:
    """A finished sweep read back: its metadata, results, design and factors."""

    path: Path
    meta: dict[str, Any]
    results: pd.DataFrame
    design: pd.DataFrame
    factors: list[Factor]
    series: pd.DataFrame | None

    @property
    def method(self) -> str:
        return str(self.meta["sampler"]["method"])

    @property
    def arrangements(self) -> list[str]:
        return list(self.meta["arrangements"])

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def unit(self) -> np.ndarray:
        return self.design[[f"u_{n}" for n in self.names]].to_numpy(dtype=float)


def read_sweep(path: str | Path) -> Sweep:
    """Read a finished sweep folder (``InputError`` when it is not one)."""
    d = Path(path)
    if not d.is_dir():
        raise InputError("not a folder", source=str(d))
    try:
        meta = json.loads((d / "sweep.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "not a sweep folder (no sweep.json): give the --out folder of `hlmsim sweep`",
            source=str(d),
        ) from None
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read sweep.json: {err}", source=str(d)) from None
    if meta.get("state") != "complete" or not (d / "results.parquet").is_file():
        raise InputError(
            "the sweep is not finished: continue it with `hlmsim sweep EXPERIMENT --out"
            f" {d} --resume`",
            source=str(d),
        )
    results = pd.read_parquet(d / "results.parquet")
    design = pd.read_parquet(d / "design.parquet")
    fields = {"name", "kind", "values", "dist", "low", "high", "mode", "mean", "sd", "levels"}
    factors = []
    for rec in meta["factors"]:
        kw = {k: v for k, v in rec.items() if k in fields}
        if kw.get("values") is not None:
            kw["values"] = tuple(kw["values"])
        factors.append(Factor(**kw))
    series = pd.read_parquet(d / "series.parquet") if (d / "series.parquet").is_file() else None
    return Sweep(d, meta, results, design, factors, series)


# --- tables ------------------------------------------------------------------------------------


def _ci(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    from scipy import stats

    nn = n.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(nn >= 2, stats.t.ppf(0.975, np.maximum(nn - 1, 1)), np.nan)
        h = q * sd.to_numpy(dtype=float) / np.sqrt(nn)
    return mean - h, mean + h


def summarise(df: pd.DataFrame, by: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Long table: for each group and outcome, mean, 95% CI, sd and n (NaN values left out)."""
    frames = []
    for o in outcomes:
        g = df.groupby(by, sort=False, observed=True)[o]
        agg = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
        agg["ci_low"], agg["ci_high"] = _ci(agg["mean"], agg["sd"], agg["n"])
        agg.insert(len(by), "outcome", o)
        frames.append(agg[[*by, "outcome", "mean", "ci_low", "ci_high", "sd", "n"]])
    return pd.concat(frames, ignore_index=True)


def point_means(sw: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """Wide: one row per sample point and arrangement, the parameters and the mean of each
    outcome over the point's successful replications (NaN when none succeeded)."""
    ok = sw.results[sw.results["status"] == "ok"]
    m = ok.groupby(["sample_id", "arrangement"], sort=False)[outcomes].mean().reset_index()
    grid = pd.MultiIndex.from_product(
        [sw.design["sample_id"], sw.arrangements], names=["sample_id", "arrangement"]
    ).to_frame(index=False)
    m = grid.merge(m, on=["sample_id", "arrangement"], how="left")
    return m.merge(sw.design[["sample_id", *sw.names]], on="sample_id", how="left")


def overall(
    sw: Sweep, pm: pd.DataFrame, outcomes: list[str], by: list[str], level: str | None = None
) -> pd.DataFrame:
    """Long table: for each group (``by``, among ``arrangement`` and ``level``: the value of
    parameter ``level``) and outcome, the mean over the group's sample points with a 95% t
    interval over replications (replication *r*'s mean over the points is one value; the
    interval is :func:`hlmsim.replication.mean_ci` of these), their sd and number
    (``replications``), the number of ``points`` and the range of the point means
    (``point_min``, ``point_max``)."""
    ok = sw.results[sw.results["status"] == "ok"]
    if level is not None:
        ok = ok.assign(level=ok[level])
        pm = pm.assign(level=pm[level])
    rows = []
    for o in outcomes:
        per_rep = ok.groupby([*by, "replication"], sort=False, observed=True)[o].mean()
        spread = pm.groupby(by, sort=False, observed=True)[o].agg(["min", "max", "count"])
        for key, reps in per_rep.groupby(level=list(range(len(by))), sort=False):
            m, lo, hi, sd = mean_ci(reps.to_numpy(dtype=float))
            k = key if isinstance(key, tuple) else (key,)
            at = k if len(by) > 1 else k[0]
            sp = spread.loc[at] if at in spread.index else None
            rows.append(
                {
                    **dict(zip(by, k, strict=True)),
                    "outcome": o,
                    "mean": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "sd": sd,
                    "replications": int(reps.notna().sum()),
                    "points": int(sp["count"]) if sp is not None else 0,
                    "point_min": float(sp["min"]) if sp is not None else math.nan,
                    "point_max": float(sp["max"]) if sp is not None else math.nan,
                }
            )
    return pd.DataFrame(rows)


def ranked(outcomes: list[str]) -> list[str]:
    """The outcomes on which arrangements can be ranked (key outcomes with a better
    direction)."""
    return uncertainty.ranked_outcomes([o for o in outcomes if o in KEY_OUTCOMES])


def _tolerance(values: np.ndarray) -> float:
    scale = float(np.nanmax(np.abs(values))) if values.size else 0.0
    return uncertainty.TIE_TOLERANCE * max(scale, 1.0)


def best_points(sw: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """For each sample point, key outcome and arrangement: ``p_best``, its probability of being
    the best over the point's replications (ties shared as in
    :func:`hlmsim.uncertainty.rank_table`), ``mean`` over those replications, ``clear_best``
    (it has the best mean and its paired 95% CI against every other arrangement excludes zero:
    replication *r* of every arrangement shares a seed) and ``replications`` (complete ones:
    every arrangement succeeded)."""
    arrs = sw.arrangements
    ok = sw.results[sw.results["status"] == "ok"]
    rows: list[dict[str, Any]] = []
    for o in ranked(outcomes):
        direction = KEY_OUTCOMES[o]
        wide = ok.pivot_table(index=["sample_id", "replication"], columns="arrangement", values=o)
        wide = wide.reindex(columns=arrs).dropna(how="any")
        for sid, w in wide.groupby(level="sample_id", sort=True):
            raw = w.to_numpy(dtype=float)
            v = direction * raw
            tol = _tolerance(raw)
            # each replication is one world: the ranks as rank_table gives them, ties shared
            shares = sum(uncertainty._ranks_in_world(x, direction, tol) for x in raw) / len(raw)
            means = v.mean(axis=0)
            clear = np.zeros(len(arrs), dtype=bool)
            lead = int(np.argmax(means))
            others = [j for j in range(len(arrs)) if j != lead]
            if len(v) >= 2 and all(means[lead] - means[j] > tol for j in others):
                clear[lead] = all(mean_ci(v[:, lead] - v[:, j])[1] > 0 for j in others)
            for i, a in enumerate(arrs):
                rows.append(
                    {
                        "sample_id": sid,
                        "outcome": o,
                        "arrangement": a,
                        "p_best": float(shares[i, 0]),
                        "mean": direction * float(means[i]),
                        "clear_best": bool(clear[i]),
                        "replications": len(raw),
                    }
                )
    out = pd.DataFrame(rows)
    if len(out):
        out = out.merge(sw.design[["sample_id", *sw.names]], on="sample_id", how="left")
    return out


def best_table(sw: Sweep, points: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """For each key outcome and arrangement: ``p_best``, the share of (point, replication)
    worlds where it is best, ties shared (:func:`hlmsim.uncertainty.rank_table` over these
    worlds): the mean over sample points of its probability of being best over replications
    when every point has as many complete replications; ``rank_1`` ... ``rank_A`` and
    ``mean_rank``; ``regret`` (mean shortfall against the best arrangement of each world, in
    the outcome's unit);
    ``clear_best``, the share of points where it is clearly best, and ``undecided``, the share
    of points where no arrangement is; ``points`` and the fewest and most complete
    ``replications`` of a point (``replications_min``, ``replications_max``)."""
    ok = sw.results[sw.results["status"] == "ok"]
    keys = ok["sample_id"].astype(str) + ":" + ok["replication"].astype(str)
    finals = ok.assign(set=keys)  # one world per point and replication
    tab = uncertainty.rank_table(finals, sw.arrangements, ranked(outcomes))
    if not len(tab):
        return tab
    tab = tab.drop(columns=["regret_low", "regret_high"])  # worlds of a design are not a sample
    tab.insert(
        2, "better", tab["outcome"].map(lambda o: "higher" if KEY_OUTCOMES[o] > 0 else "lower")
    )
    done = points[points["replications"] > 0]
    clear = done.groupby(["outcome", "arrangement"])["clear_best"].mean()
    tab["clear_best"] = [clear.get((r.outcome, r.arrangement), math.nan) for r in tab.itertuples()]
    decided = done.groupby(["outcome", "sample_id"])["clear_best"].any().groupby("outcome").mean()
    tab["undecided"] = 1 - tab["outcome"].map(decided)
    reps = done.groupby("outcome")["replications"]
    tab["points"] = tab["outcome"].map(done.groupby("outcome")["sample_id"].nunique())
    tab["replications_min"] = tab["outcome"].map(reps.min())
    tab["replications_max"] = tab["outcome"].map(reps.max())
    return tab


def correlations(pm: pd.DataFrame, sw: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """Spearman rank correlation of each outcome's point means with each numeric parameter."""
    from scipy import stats

    rows = []
    for a in sw.arrangements:
        g = pm[pm["arrangement"] == a]
        for o in outcomes:
            for f in sw.factors:
                x = g[f.name].astype(float) if f.kind != "choice" else None
                if x is None or x.nunique() < 2:
                    continue
                y = g[o]
                ok = y.notna().to_numpy()
                if ok.sum() < 3 or y[ok].nunique() < 2:
                    rho, p = math.nan, math.nan
                else:
                    res = stats.spearmanr(x[ok], y[ok])
                    rho, p = float(res.statistic), float(res.pvalue)
                rows.append(
                    {"arrangement": a, "outcome": o, "parameter": f.name, "spearman": rho, "p": p}
                )
    return pd.DataFrame(rows)


def main_effects(sw: Sweep, pm: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Factorial designs: for each parameter and level, each arrangement's mean of each outcome
    over the sample points at that level (marginal over the other parameters), with a 95% CI
    over replications (see :func:`overall`)."""
    frames = []
    for f in sw.factors:
        s = overall(sw, pm, outcomes, ["arrangement", "level"], level=f.name)
        if f.numeric:  # ascending levels within each outcome (arrangements keep their order)
            rank = s["outcome"].map({o: i for i, o in enumerate(outcomes)})
            s = s.assign(_o=rank).sort_values(["_o", "level"], kind="stable").drop(columns="_o")
        s.insert(0, "parameter", f.name)
        s["level"] = s["level"].astype(str) if f.kind in ("choice", "bool") else s["level"]
        frames.append(s.astype({"level": object}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --- conditions (scenario discovery) -----------------------------------------------------------

_BEST = re.compile(r"^\s*([A-Za-z_]\w*)\s+(not\s+)?(?:the\s+)?best\s+(?:on|for)\s+(\w+)\s*$")


@dataclass
class Condition:
    """A scenario-discovery condition: ``ARRANGEMENT [not] best on OUTCOME`` (one case per
    sample point), or an expression over outcomes and parameters (one case per sample point and
    arrangement). The default expression, ``OUTCOME < MEDIAN`` (or ``>``), keeps its parts
    (``outcome``, ``op``, ``threshold``) for reports to word it."""

    text: str
    kind: str  # "best" or "expr"
    subject: str | None = None
    negate: bool = False
    outcome: str | None = None
    op: str | None = None
    threshold: float | None = None


def parse_condition(text: str, sw: Sweep, outcomes: list[str]) -> Condition:
    m = _BEST.match(text)
    if m:
        subject, negate, outcome = m.group(1), bool(m.group(2)), m.group(3)
        if subject not in sw.arrangements:
            raise InputError(
                f"unknown arrangement '{subject}'{suggest(subject, sw.arrangements)}; this"
                f" sweep ran: {', '.join(sw.arrangements)}",
                key="--condition",
            )
        if len(sw.arrangements) < 2:
            raise InputError("'best' needs a sweep of two or more arrangements", key="--condition")
        if not KEY_OUTCOMES.get(outcome):
            have = ranked(list(KEY_OUTCOMES))
            raise InputError(
                f"'best' needs a key outcome whose better direction is known:"
                f" {', '.join(have)}{suggest(outcome, have)}",
                key="--condition",
            )
        return Condition(text, "best", subject, negate, outcome)
    names = set(re.findall(r"[A-Za-z_]\w*", text)) - {"and", "or", "not", "True", "False"}
    allowed = set(sw.results.columns) | set(ALL_OUTCOMES)
    for n in sorted(names):
        if n not in allowed:
            raise InputError(
                f"unknown name '{n}'{suggest(n, allowed)}: use outcomes and varied parameters,"
                " e.g. 'needs_met < 900', or 'ARRANGEMENT not best on OUTCOME'",
                key="--condition",
            )
    return Condition(text, "expr")


def default_condition(sw: Sweep, outcome: str) -> Condition:
    """The first arrangement (the CIUSSS social worker when it ran) is not the best on the
    outcome; with one arrangement, the outcome is on its worse side of the median."""
    if len(sw.arrangements) >= 2 and KEY_OUTCOMES.get(outcome):
        subject = (
            "ciusss_social_worker"
            if "ciusss_social_worker" in sw.arrangements
            else sw.arrangements[0]
        )
        return Condition(f"{subject} not best on {outcome}", "best", subject, True, outcome)
    ok = sw.results.loc[sw.results["status"] == "ok", outcome]
    med = float(ok.median()) if len(ok) else 0.0
    op = ">" if KEY_OUTCOMES.get(outcome, 1) < 0 else "<"
    return Condition(f"{outcome} {op} {med:.6g}", "expr", outcome=outcome, op=op, threshold=med)


def discovery_cases(
    cond: Condition, pm: pd.DataFrame, sw: Sweep
) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    """(who, parameter values, condition) for each group of cases: per sample point for a
    'best' condition, per arrangement for an expression."""
    if cond.kind == "best":
        o = cond.outcome or ""
        wide = pm.pivot(index="sample_id", columns="arrangement", values=o)[sw.arrangements]
        wide = wide.dropna()
        v = KEY_OUTCOMES[o] * wide.to_numpy(dtype=float)
        i = sw.arrangements.index(cond.subject or "")
        best = v.max(axis=1) - v[:, i] <= _tolerance(v) if len(v) else np.zeros(0, dtype=bool)
        y = pd.Series(~best if cond.negate else best, index=wide.index)  # ties count as best
        vals = sw.design.set_index("sample_id").loc[wide.index, sw.names].reset_index(drop=True)
        return [(cond.subject or "", vals, y.to_numpy(dtype=bool))]
    out = []
    for a in sw.arrangements:
        g = pm[pm["arrangement"] == a].reset_index(drop=True)
        try:
            with np.errstate(all="ignore"):
                y = g.eval(cond.text)
        except Exception as err:  # noqa: BLE001 - any evaluation problem is the user's condition
            raise InputError(f"cannot evaluate: {err}", key="--condition") from None
        if not isinstance(y, pd.Series) or not pd.api.types.is_bool_dtype(y):
            raise InputError(
                "must be a comparison that is true or false, e.g. 'needs_met < 900'",
                key="--condition",
            )
        out.append((a, g[sw.names], y.to_numpy(dtype=bool)))
    return out


# --- the analysis ------------------------------------------------------------------------------


@dataclass
class Finding:
    """One finding of the analysis, in no language (:mod:`hlmsim.reporting.analysis` words it).

    ``kind``: ``"top"`` (the most influential parameters: ``items`` of ``(parameter, index,
    CI half-width or None)``), ``"skipped"`` (``reason``: ``"error"`` with ``error``, or for
    scenario discovery ``"no_variation"``, ``"few_cases"``, ``"one_sided"``), ``"prim_failed"``
    (``error``) or ``"box"`` (the first box of a discovery method)."""

    topic: str  # "sobol", "morris" or "discovery"
    kind: str
    who: str = ""  # the arrangement
    outcome: str = ""
    items: list[tuple[str, float, float | None]] = field(default_factory=list)
    reason: str = ""
    error: str = ""
    cases: int = 0
    share: float = math.nan
    box: discovery.Box | None = None
    condition: Condition | None = None


@dataclass
class Discovery:
    """The inputs and fits of scenario discovery for one group of cases (for its figures)."""

    who: str
    x: pd.DataFrame
    y: np.ndarray
    prim: discovery.Box | None = None
    cart: tuple[Any, list[str]] | None = None  # (tree, feature names)


@dataclass
class Analysis:
    """The result of :func:`compute`: the sweep, the analysed outcomes, the point means, the
    tables by name (``points``, ``arrangements``, ``effects`` or ``correlations``, ``best``,
    ``sobol``, ``sobol_s2``, ``morris``, ``discovery``: whichever apply), the findings and what
    scenario discovery fitted."""

    sweep: Sweep
    outcomes: list[str]
    point_means: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    findings: list[Finding]
    discoveries: list[Discovery]
    condition: Condition | None


METHODS = ("prim", "cart", "both")


def prepare(
    sweep_dir: str | Path,
    outcome: str | list[str] | None = None,
    condition: str | None = None,
    method: str = "both",
) -> tuple[Sweep, list[str], Condition | None]:
    """Check the request and read the sweep: (sweep, outcomes, condition)."""
    if method not in METHODS:
        raise InputError(
            f"must be prim, cart or both (got {method!r}){suggest(method, METHODS)}", key="--method"
        )
    sw = read_sweep(sweep_dir)
    outcomes = _outcomes(sw, outcome)
    cond = parse_condition(condition, sw, outcomes) if condition else None
    return sw, outcomes, cond


def compute(
    sw: Sweep, outcomes: list[str], cond: Condition | None = None, method: str = "both"
) -> Analysis:
    """Every table and finding of the analysis of a finished sweep (nothing written)."""
    tables: dict[str, pd.DataFrame] = {}
    findings: list[Finding] = []
    found: list[Discovery] = []
    pm = point_means(sw, outcomes)
    pts = summarise(
        sw.results[sw.results["status"] == "ok"], ["sample_id", "arrangement"], outcomes
    )
    pts = pts.merge(sw.design[["sample_id", *sw.names]], on="sample_id", how="left")
    tables["points"] = pts
    tables["arrangements"] = overall(sw, pm, outcomes, ["arrangement"])
    if len(sw.arrangements) > 1:
        bp = best_points(sw, outcomes)
        if len(bp):
            tables["best"] = best_table(sw, bp, outcomes)
            tables["best_points"] = bp
    if sw.factors:
        if sw.method == "factorial":
            tables["effects"] = main_effects(sw, pm, outcomes)
        else:
            tables["correlations"] = correlations(pm, sw, outcomes)
    if sw.method == "sobol":
        _sobol(sw, pm, outcomes, tables, findings)
    elif sw.method == "morris":
        _morris(sw, pm, outcomes, tables, findings)
    used = _discover(sw, pm, outcomes, cond, method, tables, findings, found)
    return Analysis(sw, outcomes, pm, tables, findings, found, used)


def _sobol(
    sw: Sweep,
    pm: pd.DataFrame,
    outcomes: list[str],
    tables: dict[str, pd.DataFrame],
    findings: list[Finding],
) -> None:
    second = bool(sw.meta["sampler"].get("second_order"))
    seed = int(sw.meta["sampler"]["seed"])
    firsts, pairs = [], []
    for a in sw.arrangements:
        g = pm[pm["arrangement"] == a].sort_values("sample_id")
        for o in outcomes:
            try:
                s1, s2 = sensitivity.sobol_indices(sw.names, g[o].to_numpy(), second, seed)
            except ValueError as err:
                findings.append(Finding("sobol", "skipped", a, o, reason="error", error=str(err)))
                continue
            s1.insert(0, "outcome", o)
            s1.insert(0, "arrangement", a)
            firsts.append(s1)
            if s2 is not None:
                s2.insert(0, "outcome", o)
                s2.insert(0, "arrangement", a)
                pairs.append(s2)
            top = s1.sort_values("ST", ascending=False).head(3)
            items = [(r.parameter, float(r.ST), float(r.ST_conf)) for r in top.itertuples()]
            findings.append(Finding("sobol", "top", a, o, items=items))
    if firsts:
        tables["sobol"] = pd.concat(firsts, ignore_index=True)
    if pairs:
        tables["sobol_s2"] = pd.concat(pairs, ignore_index=True)


def _morris(
    sw: Sweep,
    pm: pd.DataFrame,
    outcomes: list[str],
    tables: dict[str, pd.DataFrame],
    findings: list[Finding],
) -> None:
    levels = int(sw.meta["sampler"].get("levels") or 4)
    seed = int(sw.meta["sampler"]["seed"])
    unit = sw.unit
    frames = []
    for a in sw.arrangements:
        g = pm[pm["arrangement"] == a].sort_values("sample_id")
        for o in outcomes:
            try:
                m = sensitivity.morris_indices(sw.names, unit, g[o].to_numpy(), levels, seed)
            except ValueError as err:
                findings.append(Finding("morris", "skipped", a, o, reason="error", error=str(err)))
                continue
            m.insert(0, "outcome", o)
            m.insert(0, "arrangement", a)
            frames.append(m)
            top = m.sort_values("mu_star", ascending=False).head(3)
            items = [(r.parameter, float(r.mu_star), None) for r in top.itertuples()]
            findings.append(Finding("morris", "top", a, o, items=items))
    if frames:
        tables["morris"] = pd.concat(frames, ignore_index=True)


def _discover(
    sw: Sweep,
    pm: pd.DataFrame,
    outcomes: list[str],
    cond: Condition | None,
    method: str,
    tables: dict[str, pd.DataFrame],
    findings: list[Finding],
    found_by_group: list[Discovery],
) -> Condition | None:
    kinds = {f.name: f.kind for f in sw.factors}
    if not kinds:
        return None
    cond = cond or default_condition(sw, outcomes[0])
    rows: list[dict[str, Any]] = []
    for who, vals, y in discovery_cases(cond, pm, sw):
        x = discovery.inputs(vals.reset_index(drop=True), kinds)
        share = float(y.mean()) if len(y) else math.nan
        reason = ""
        if x.shape[1] == 0:
            reason = "no_variation"
        elif len(y) < 10:
            reason = "few_cases"
        elif y.all() or not y.any():
            reason = "one_sided"
        if reason:
            findings.append(
                Finding(
                    "discovery", "skipped", who, reason=reason, cases=len(y), share=share,
                    condition=cond,
                )
            )  # fmt: skip
            continue
        group = Discovery(who, x, y)
        found_by_group.append(group)
        base = {"condition": cond.text, "who": who, "cases": len(y), "share_true": share}
        found = []
        if method in ("prim", "both"):
            try:
                box = discovery.prim_box(x, y)
            except Exception as err:  # noqa: BLE001 - PRIM failing must not stop the analysis
                findings.append(
                    Finding("discovery", "prim_failed", who, error=str(err), condition=cond)
                )
            else:
                found.append((box, 1))
                group.prim = box
        if method in ("cart", "both"):
            boxes, tree, features = discovery.cart_boxes(x, y)
            found.extend((b, i + 1) for i, b in enumerate(boxes))
            group.cart = (tree, features)
        for box, k in found:
            lims = box.limits or {"": None}
            for name, lim in lims.items():
                lo = hi = values = None
                if lim is not None and discovery._is_interval(lim):
                    lo, hi = lim
                elif lim is not None:
                    values = "|".join(sorted(map(str, lim)))
                rows.append(
                    {
                        **base,
                        "method": box.method,
                        "box": k,
                        "parameter": name,
                        "low": lo,
                        "high": hi,
                        "values": values,
                        "coverage": box.coverage,
                        "density": box.density,
                        "mass": box.mass,
                        "n_in_box": box.n,
                        "n_true_in_box": box.n_true,
                    }
                )
            if k == 1:
                findings.append(
                    Finding(
                        "discovery", "box", who, cases=len(y), share=share, box=box,
                        condition=cond,
                    )
                )  # fmt: skip
    if rows:
        tables["discovery"] = pd.DataFrame(rows)
    return cond


def _outcomes(sw: Sweep, outcome: str | list[str] | None) -> list[str]:
    chosen = (
        list(sw.meta["experiment"]["outcomes"])
        if outcome is None
        else ([outcome] if isinstance(outcome, str) else list(outcome))
    )
    if not chosen:
        raise InputError("give at least one outcome", key="--outcome")
    for o in chosen:
        if o not in sw.results.columns:
            have = [c for c in sw.results.columns if c in ALL_OUTCOMES]
            raise InputError(
                f"'{o}' is not in this sweep's results{suggest(o, have)}; it has:"
                f" {', '.join(have)} (list more outcomes in the experiment's outcomes)",
                key="--outcome",
            )
    return list(dict.fromkeys(chosen))
