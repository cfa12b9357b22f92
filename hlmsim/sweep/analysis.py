"""``hlmsim analyze``: tables, figures, sensitivity indices and scenario discovery of a sweep.

Everything is written into ``SWEEP_DIR/analysis`` (a temporary sibling folder renamed into
place): CSV tables, PNG figures (matplotlib, Agg) and ``summary.md`` (English and French).

* ``points.csv``: each sample point and arrangement, mean of each outcome over replications
  with its 95% CI; ``arrangements.csv``: each arrangement over all points;
* full factorial: ``effects.csv`` (marginal mean of each outcome at each level of each
  parameter) and ``effect_<parameter>.png``; with two or more parameters, heat maps of the first
  two; other samplers: ``correlations.csv`` (Spearman) and ``scatter_<outcome>.png``;
* two or more arrangements: ``best.csv``, how often each arrangement is the best;
* Sobol samples: ``sobol.csv`` (S1, ST with CIs; ``sobol_s2.csv``) and ``sobol_<outcome>.png``;
  Morris samples: ``morris.csv`` (mu*, sigma) and ``morris_<outcome>.png``;
* ``discovery.csv``: PRIM and CART boxes where the condition holds, with coverage and density,
  and their figures;
* monthly series (when the experiment kept some): ``series_<outcome>.png``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arrangements import LABELS
from ..errors import InputError
from ..outcomes import KEY_OUTCOMES, outcome_label
from ..scenario import _suggest
from . import discovery, sensitivity
from .experiment import ALL_OUTCOMES
from .sampling import Factor

T = {
    "title": ("Sweep analysis", "Analyse du balayage"),
    "experiment": ("Experiment", "Expérience"),
    "runs": ("runs", "simulations"),
    "failed": ("failed", "en échec"),
    "sampler": ("sampler", "échantillonnage"),
    "seed": ("seed", "graine"),
    "arrangements": ("Arrangements", "Arrangements"),
    "parameters": ("Varied parameters", "Paramètres variés"),
    "outcome": ("Outcome", "Indicateur"),
    "means": ("Mean over all sample points (95% CI)", "Moyenne sur tous les points (IC 95 %)"),
    "best": ("Best arrangement (share of sample points)", "Meilleur arrangement (part des points)"),
    "sobol": ("Sobol indices (95% CI)", "Indices de Sobol (IC 95 %)"),
    "morris": ("Morris screening (mu*, 95% CI)", "Criblage de Morris (mu*, IC 95 %)"),
    "top": ("most influential", "les plus influents"),
    "discovery": ("Scenario discovery", "Découverte de scénarios"),
    "condition": ("condition", "condition"),
    "holds": ("holds in", "vraie dans"),
    "of_cases": ("of the cases", "des cas"),
    "box": ("region", "région"),
    "coverage": ("coverage", "couverture"),
    "density": ("density", "densité"),
    "files": ("Files", "Fichiers"),
    "level": ("level", "niveau"),
    "month": ("month", "mois"),
    "first_order": ("first order S1", "premier ordre S1"),
    "total": ("total ST", "total ST"),
    "caveat": (
        "hlmsim is an exploratory model of stated assumptions: these are consequences of its"
        " assumptions, not measured effects.",
        "hlmsim est un modèle exploratoire d'hypothèses explicites : ces résultats découlent de"
        " ses hypothèses, ce ne sont pas des effets mesurés.",
    ),
    "skipped": ("not computed", "non calculé"),
    "everywhere": ("everywhere", "partout"),
    "not_best": ("is not the best on", "n'est pas le meilleur pour"),
    "is_best": ("is the best on", "est le meilleur pour"),
    "mean_point": ("mean over replications", "moyenne des réplications"),
    "density_axis": ("density", "densité"),
    "coverage_axis": ("coverage", "couverture"),
    "chosen": ("chosen box", "boîte retenue"),
    "in_box": ("condition holds", "condition vraie"),
    "not_in_box": ("condition does not hold", "condition fausse"),
}


METHOD_NAMES = {
    "factorial": ("full factorial", "plan factoriel complet"),
    "latin": ("Latin hypercube", "hypercube latin"),
    "sobol": ("Sobol (Saltelli)", "Sobol (Saltelli)"),
    "morris": ("Morris", "Morris"),
}


def t(key: str, lang: str) -> str:
    return T[key][1 if lang == "fr" else 0]


def arrangement_label(name: str, lang: str) -> str:
    if name in LABELS:
        return LABELS[name][1 if lang == "fr" else 0]
    return name


def label(outcome: str, lang: str) -> str:
    try:
        return outcome_label(outcome, lang)
    except KeyError:
        return outcome


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


def best_shares(pm: pd.DataFrame, arrangements: list[str], outcomes: list[str]) -> pd.DataFrame:
    """For each key outcome, the share of sample points where each arrangement is the best
    (higher or lower is better as in ``KEY_OUTCOMES``)."""
    rows = []
    for o in outcomes:
        if o not in KEY_OUTCOMES:
            continue
        wide = pm.pivot(index="sample_id", columns="arrangement", values=o)[arrangements]
        wide = wide.dropna()
        if not len(wide):
            continue
        best = wide.idxmax(axis=1) if KEY_OUTCOMES[o] > 0 else wide.idxmin(axis=1)
        for a in arrangements:
            rows.append(
                {
                    "outcome": o,
                    "arrangement": a,
                    "better": "higher" if KEY_OUTCOMES[o] > 0 else "lower",
                    "share_best": float((best == a).mean()),
                    "points": int(len(wide)),
                }
            )
    return pd.DataFrame(rows)


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


def main_effects(sw: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """Factorial designs: for each parameter and level, each arrangement's mean of each outcome
    over every run at that level (marginal over the other parameters), with 95% CI."""
    ok = sw.results[sw.results["status"] == "ok"]
    frames = []
    for f in sw.factors:
        s = summarise(ok.assign(level=ok[f.name]), ["arrangement", "level"], outcomes)
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
    arrangement)."""

    text: str
    kind: str  # "best" or "expr"
    subject: str | None = None
    negate: bool = False
    outcome: str | None = None

    def describe(self, lang: str) -> str:
        if self.kind == "best":
            verb = t("not_best" if self.negate else "is_best", lang)
            who = arrangement_label(self.subject or "", lang)
            return f"{who} {verb} {label(self.outcome or '', lang)}"
        return self.text


def parse_condition(text: str, sw: Sweep, outcomes: list[str]) -> Condition:
    m = _BEST.match(text)
    if m:
        subject, negate, outcome = m.group(1), bool(m.group(2)), m.group(3)
        if subject not in sw.arrangements:
            raise InputError(
                f"unknown arrangement '{subject}'{_suggest(subject, sw.arrangements)}; this"
                f" sweep ran: {', '.join(sw.arrangements)}",
                key="--condition",
            )
        if len(sw.arrangements) < 2:
            raise InputError("'best' needs a sweep of two or more arrangements", key="--condition")
        if outcome not in KEY_OUTCOMES:
            raise InputError(
                f"'best' needs a key outcome (whose better direction is known):"
                f" {', '.join(KEY_OUTCOMES)}{_suggest(outcome, KEY_OUTCOMES)}",
                key="--condition",
            )
        return Condition(text, "best", subject, negate, outcome)
    names = set(re.findall(r"[A-Za-z_]\w*", text)) - {"and", "or", "not", "True", "False"}
    allowed = set(sw.results.columns) | set(ALL_OUTCOMES)
    for n in sorted(names):
        if n not in allowed:
            raise InputError(
                f"unknown name '{n}'{_suggest(n, allowed)}: use outcomes and varied parameters,"
                " e.g. 'needs_met < 900', or 'ARRANGEMENT not best on OUTCOME'",
                key="--condition",
            )
    return Condition(text, "expr")


def default_condition(sw: Sweep, outcome: str) -> Condition:
    """The first arrangement (the CIUSSS social worker when it ran) is not the best on the
    outcome; with one arrangement, the outcome is on its worse side of the median."""
    if len(sw.arrangements) >= 2 and outcome in KEY_OUTCOMES:
        subject = (
            "ciusss_social_worker"
            if "ciusss_social_worker" in sw.arrangements
            else sw.arrangements[0]
        )
        return Condition(f"{subject} not best on {outcome}", "best", subject, True, outcome)
    ok = sw.results.loc[sw.results["status"] == "ok", outcome]
    med = float(ok.median()) if len(ok) else 0.0
    op = ">" if KEY_OUTCOMES.get(outcome, 1) < 0 else "<"
    return Condition(f"{outcome} {op} {med:.6g}", "expr")


def discovery_cases(
    cond: Condition, pm: pd.DataFrame, sw: Sweep
) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    """(who, parameter values, condition) for each group of cases: per sample point for a
    'best' condition, per arrangement for an expression."""
    if cond.kind == "best":
        o = cond.outcome or ""
        wide = pm.pivot(index="sample_id", columns="arrangement", values=o)[sw.arrangements]
        wide = wide.dropna()
        best = wide.idxmax(axis=1) if KEY_OUTCOMES[o] > 0 else wide.idxmin(axis=1)
        y = (best != cond.subject) if cond.negate else (best == cond.subject)
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


# --- figures -------------------------------------------------------------------------------


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    c = min(cols, max(n, 1))
    return math.ceil(max(n, 1) / c), c


def _save(fig: Any, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path.name


def fig_effect(eff: pd.DataFrame, f: Factor, outcomes: list[str], lang: str, path: Path) -> str:
    plt = _plt()
    rows, cols = _grid(len(outcomes))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    sub = eff[eff["parameter"] == f.name]
    cats = f.kind in ("choice", "bool")
    for ax, o in zip(axes.flat, outcomes, strict=False):
        for a, g in sub[sub["outcome"] == o].groupby("arrangement", sort=False):
            x = np.arange(len(g)) if cats else g["level"].astype(float).to_numpy()
            ax.errorbar(
                x,
                g["mean"],
                yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                marker="o",
                capsize=3,
                label=arrangement_label(str(a), lang),
            )
            if cats:
                ax.set_xticks(x, g["level"].astype(str))
        ax.set_title(label(o, lang), fontsize=10)
        ax.set_xlabel(f.name, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    return _save(fig, path)


def fig_heatmap(pm: pd.DataFrame, sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    plt = _plt()
    f1, f2 = sw.factors[0], sw.factors[1]
    n = len(sw.arrangements)
    fig, axes = plt.subplots(1, n, figsize=(4.4 * n, 3.8), squeeze=False)
    for ax, a in zip(axes.flat, sw.arrangements, strict=True):
        g = pm[pm["arrangement"] == a]
        tab = g.groupby([f2.name, f1.name])[outcome].mean().unstack(f1.name)
        im = ax.imshow(tab.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(
            range(len(tab.columns)),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in tab.columns],
            fontsize=8,
        )
        ax.set_yticks(
            range(len(tab.index)),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in tab.index],
            fontsize=8,
        )
        ax.set_xlabel(f1.name, fontsize=9)
        ax.set_ylabel(f2.name, fontsize=9)
        ax.set_title(arrangement_label(a, lang), fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(label(outcome, lang), fontsize=11)
    return _save(fig, path)


def fig_scatter(pm: pd.DataFrame, sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    plt = _plt()
    factors = sw.factors[:12]
    rows, cols = _grid(len(factors), 4)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False)
    for ax, f in zip(axes.flat, factors, strict=False):
        for a in sw.arrangements:
            g = pm[pm["arrangement"] == a]
            x = g[f.name]
            if f.kind in ("choice", "bool"):
                cats = sorted(x.astype(str).unique())
                x = x.astype(str).map({c: i for i, c in enumerate(cats)})
                ax.set_xticks(range(len(cats)), cats, fontsize=7)
            ax.scatter(x, g[outcome], s=6, alpha=0.5, label=arrangement_label(a, lang))
        ax.set_xlabel(f.name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(factors) :]:
        ax.set_visible(False)
    if len(sw.arrangements) > 1:
        axes.flat[0].legend(fontsize=7, markerscale=2)
    fig.suptitle(f"{label(outcome, lang)} ({t('mean_point', lang)})", fontsize=11)
    return _save(fig, path)


def fig_sobol(
    tab: pd.DataFrame, outcome: str, arrangements: list[str], lang: str, path: Path
) -> str:
    plt = _plt()
    n = len(arrangements)
    d = tab["parameter"].nunique()
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 0.45 * d + 1.8), squeeze=False)
    for ax, a in zip(axes.flat, arrangements, strict=True):
        g = tab[(tab["arrangement"] == a) & (tab["outcome"] == outcome)]
        g = g.sort_values("ST")
        y = np.arange(len(g))
        ax.barh(y - 0.2, g["S1"], 0.4, xerr=g["S1_conf"], capsize=2, label=t("first_order", lang))
        ax.barh(y + 0.2, g["ST"], 0.4, xerr=g["ST_conf"], capsize=2, label=t("total", lang))
        ax.set_yticks(y, g["parameter"], fontsize=8)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(arrangement_label(a, lang), fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{t('sobol', lang)}: {label(outcome, lang)}", fontsize=11)
    return _save(fig, path)


def fig_morris(
    tab: pd.DataFrame, outcome: str, arrangements: list[str], lang: str, path: Path
) -> str:
    plt = _plt()
    n = len(arrangements)
    fig, axes = plt.subplots(1, n, figsize=(7.5 * n, 5.5), squeeze=False)
    for ax, a in zip(axes.flat, arrangements, strict=True):
        g = tab[(tab["arrangement"] == a) & (tab["outcome"] == outcome)]
        ax.errorbar(g["mu_star"], g["sigma"], xerr=g["mu_star_conf"], fmt="o", capsize=2)
        for _, r in g.nlargest(10, "mu_star").iterrows():  # the ten most influential
            ax.annotate(
                r["parameter"],
                (r["mu_star"], r["sigma"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
            )
        ax.set_xlabel("mu*", fontsize=9)
        ax.set_ylabel("sigma", fontsize=9)
        ax.set_title(arrangement_label(a, lang), fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{t('morris', lang)}: {label(outcome, lang)}", fontsize=11)
    return _save(fig, path)


def fig_prim(box: discovery.Box, x: pd.DataFrame, y: np.ndarray, lang: str, path: Path) -> str:
    plt = _plt()
    traj = box.extra["trajectory"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    ax = axes[0]
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res dim"], cmap="viridis", s=14)
    ch = traj.iloc[box.extra["chosen"]]
    ax.scatter(
        [ch["coverage"]],
        [ch["density"]],
        s=120,
        facecolors="none",
        edgecolors="red",
        label=t("chosen", lang),
    )
    ax.set_xlabel(t("coverage_axis", lang))
    ax.set_ylabel(t("density_axis", lang))
    ax.legend(fontsize=8)
    fig.colorbar(sc, ax=ax, label="res. dim.")
    ax.grid(alpha=0.3)
    ax = axes[1]
    numeric = [n for n in box.limits if discovery._is_interval(box.limits[n])]
    others = [c for c in x.columns if c not in numeric and x[c].dtype != object]
    dims = (numeric + others)[:2]
    if len(dims) == 2:
        ax.scatter(
            x.loc[~y, dims[0]], x.loc[~y, dims[1]], s=8, c="lightgray", label=t("not_in_box", lang)
        )
        ax.scatter(x.loc[y, dims[0]], x.loc[y, dims[1]], s=8, c="tab:red", label=t("in_box", lang))
        lo = [box.limits.get(d, (x[d].min(), x[d].max())) for d in dims]
        ax.add_patch(
            plt.Rectangle(
                (lo[0][0], lo[1][0]),
                lo[0][1] - lo[0][0],
                lo[1][1] - lo[1][0],
                fill=False,
                ec="black",
                lw=1.5,
            )
        )
        ax.set_xlabel(dims[0])
        ax.set_ylabel(dims[1])
        ax.legend(fontsize=8)
    elif len(dims) == 1:
        ax.hist(
            [x.loc[~y, dims[0]], x.loc[y, dims[0]]],
            bins=15,
            stacked=True,
            label=[t("not_in_box", lang), t("in_box", lang)],
            color=["lightgray", "tab:red"],
        )
        ax.set_xlabel(dims[0])
        ax.legend(fontsize=8)
    else:
        ax.set_visible(False)
    fig.suptitle(f"PRIM: {box.describe(lang)}", fontsize=9)
    return _save(fig, path)


def fig_cart(tree: Any, features: list[str], lang: str, path: Path) -> str:
    from sklearn.tree import plot_tree

    plt = _plt()
    fig, ax = plt.subplots(figsize=(12, 6))
    plot_tree(
        tree,
        feature_names=features,
        class_names=[t("not_in_box", lang), t("in_box", lang)],
        filled=True,
        impurity=False,
        proportion=False,
        fontsize=7,
        ax=ax,
    )
    return _save(fig, path)


def fig_series(sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    plt = _plt()
    s = sw.series
    assert s is not None
    s = s.merge(sw.design[["sample_id", *sw.names]], on="sample_id", how="left")
    n = len(sw.arrangements)
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 3.8), squeeze=False, sharey=True)
    few = sw.method == "factorial" and 1 < len(sw.design) <= 12 and sw.names
    for ax, a in zip(axes.flat, sw.arrangements, strict=True):
        g = s[s["arrangement"] == a]
        if few:
            for sid, gg in g.groupby("sample_id"):
                m = gg.groupby("month")[outcome].mean()
                pt = sw.design.set_index("sample_id").loc[sid, sw.names]
                name = ", ".join(f"{k}={_short(v)}" for k, v in pt.items())
                ax.plot(m.index, m.to_numpy(), label=name, lw=1.2)
            ax.legend(fontsize=6)
        else:
            q = g.groupby("month")[outcome].quantile([0.1, 0.5, 0.9]).unstack()
            ax.fill_between(q.index, q[0.1], q[0.9], alpha=0.3)
            ax.plot(q.index, q[0.5], lw=1.2)
        ax.set_title(arrangement_label(a, lang), fontsize=10)
        ax.set_xlabel(t("month", lang))
        ax.grid(alpha=0.3)
    fig.suptitle(label(outcome, lang), fontsize=11)
    return _save(fig, path)


def _short(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


# --- the analysis ------------------------------------------------------------------------------


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
                f"'{o}' is not in this sweep's results{_suggest(o, have)}; it has:"
                f" {', '.join(have)} (list more outcomes in the experiment's outcomes)",
                key="--outcome",
            )
    return list(dict.fromkeys(chosen))


def _check_analysis_dir(d: Path) -> None:
    if not d.exists():
        return
    if not d.is_dir():
        raise InputError("exists and is not a folder", source=str(d))
    try:
        known = set(json.loads((d / "index.json").read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError):
        known = set()
    others = sorted(p.name for p in d.iterdir() if p.name not in known | {"index.json"})
    if others:
        raise InputError(
            f"folder holds files the analysis did not write (e.g. {others[0]}); it would be"
            " replaced: move them away",
            source=str(d),
        )


def analyze(
    sweep_dir: str | Path,
    outcome: str | list[str] | None = None,
    lang: str = "en",
    condition: str | None = None,
    method: str = "both",
) -> dict[str, pd.DataFrame]:
    """Analyse a finished sweep; write ``sweep_dir/analysis`` and return the tables by name
    (``points``, ``arrangements``, ``effects`` or ``correlations``, ``best``, ``sobol``,
    ``sobol_s2``, ``morris``, ``discovery``, ``findings``: whichever apply)."""
    if lang not in ("en", "fr"):
        raise InputError(f"must be en or fr (got {lang!r})", key="--lang")
    if method not in ("prim", "cart", "both"):
        raise InputError(f"must be prim, cart or both (got {method!r})", key="--method")
    sw = read_sweep(sweep_dir)
    outcomes = _outcomes(sw, outcome)
    cond = parse_condition(condition, sw, outcomes) if condition else None
    out = sw.path / "analysis"
    _check_analysis_dir(out)
    tmp = Path(tempfile.mkdtemp(prefix=".analysis.", dir=sw.path))
    try:
        tables, files, findings = _analyse(sw, outcomes, lang, cond, method, tmp)
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
        text = summary_markdown(sw, outcomes, tables, findings, files, lang)
        (tmp / "summary.md").write_text(text, encoding="utf-8")
        files.append("summary.md")
        (tmp / "index.json").write_text(json.dumps({"files": sorted(files)}, indent=1))
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=".analysis.old.", dir=sw.path))
            os.replace(out, old / "analysis")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tables["findings"] = pd.DataFrame(findings, columns=["topic", "en", "fr"])
    return tables


def _analyse(
    sw: Sweep, outcomes: list[str], lang: str, cond: Condition | None, method: str, d: Path
) -> tuple[dict[str, pd.DataFrame], list[str], list[tuple[str, str, str]]]:
    tables: dict[str, pd.DataFrame] = {}
    files: list[str] = []
    findings: list[tuple[str, str, str]] = []
    pm = point_means(sw, outcomes)
    pts = summarise(
        sw.results[sw.results["status"] == "ok"], ["sample_id", "arrangement"], outcomes
    )
    pts = pts.merge(sw.design[["sample_id", *sw.names]], on="sample_id", how="left")
    tables["points"] = pts
    tables["arrangements"] = summarise(pm, ["arrangement"], outcomes)
    if len(sw.arrangements) > 1:
        best = best_shares(pm, sw.arrangements, outcomes)
        if len(best):
            tables["best"] = best
    if sw.factors:
        if sw.method == "factorial":
            eff = main_effects(sw, outcomes)
            tables["effects"] = eff
            for f in sw.factors:
                files.append(fig_effect(eff, f, outcomes, lang, d / f"effect_{f.name}.png"))
            if len(sw.factors) >= 2:
                for o in outcomes:
                    files.append(fig_heatmap(pm, sw, o, lang, d / f"heatmap_{o}.png"))
        else:
            tables["correlations"] = correlations(pm, sw, outcomes)
            for o in outcomes:
                files.append(fig_scatter(pm, sw, o, lang, d / f"scatter_{o}.png"))
    if sw.method == "sobol":
        _sobol(sw, pm, outcomes, lang, d, tables, files, findings)
    elif sw.method == "morris":
        _morris(sw, pm, outcomes, lang, d, tables, files, findings)
    if sw.series is not None and len(sw.series):
        for o in [c for c in sw.series.columns if c in ALL_OUTCOMES]:
            files.append(fig_series(sw, o, lang, d / f"series_{o}.png"))
    _discover(sw, pm, outcomes, cond, method, lang, d, tables, files, findings)
    return tables, files, findings


def _sobol(
    sw: Sweep,
    pm: pd.DataFrame,
    outcomes: list[str],
    lang: str,
    d: Path,
    tables: dict[str, pd.DataFrame],
    files: list[str],
    findings: list[tuple[str, str, str]],
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
                findings.append(_skipped("sobol", a, o, str(err)))
                continue
            s1.insert(0, "outcome", o)
            s1.insert(0, "arrangement", a)
            firsts.append(s1)
            if s2 is not None:
                s2.insert(0, "outcome", o)
                s2.insert(0, "arrangement", a)
                pairs.append(s2)
            top = s1.sort_values("ST", ascending=False).head(3)
            en = ", ".join(
                f"{r.parameter} (ST {r.ST:.2f} ± {r.ST_conf:.2f})" for r in top.itertuples()
            )
            findings.append(_finding("Sobol", o, a, "top", en))
    if firsts:
        tab = pd.concat(firsts, ignore_index=True)
        tables["sobol"] = tab
        for o in tab["outcome"].unique():
            arrs = [
                a for a in sw.arrangements if ((tab.arrangement == a) & (tab.outcome == o)).any()
            ]
            files.append(fig_sobol(tab, o, arrs, lang, d / f"sobol_{o}.png"))
    if pairs:
        tables["sobol_s2"] = pd.concat(pairs, ignore_index=True)


def _morris(
    sw: Sweep,
    pm: pd.DataFrame,
    outcomes: list[str],
    lang: str,
    d: Path,
    tables: dict[str, pd.DataFrame],
    files: list[str],
    findings: list[tuple[str, str, str]],
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
                findings.append(_skipped("morris", a, o, str(err)))
                continue
            m.insert(0, "outcome", o)
            m.insert(0, "arrangement", a)
            frames.append(m)
            top = m.sort_values("mu_star", ascending=False).head(3)
            en = ", ".join(f"{r.parameter} (mu* {r.mu_star:.3g})" for r in top.itertuples())
            findings.append(_finding("Morris", o, a, "top", en))
    if frames:
        tab = pd.concat(frames, ignore_index=True)
        tables["morris"] = tab
        for o in tab["outcome"].unique():
            arrs = [
                a for a in sw.arrangements if ((tab.arrangement == a) & (tab.outcome == o)).any()
            ]
            files.append(fig_morris(tab, o, arrs, lang, d / f"morris_{o}.png"))


def _finding(topic: str, o: str, a: str, key: str, text: str) -> tuple[str, str, str]:
    return (
        topic.lower(),
        f"{topic}, {label(o, 'en')}, {arrangement_label(a, 'en')}: {t(key, 'en')}: {text}",
        f"{topic}, {label(o, 'fr')}, {arrangement_label(a, 'fr')} : {t(key, 'fr')} : {text}",
    )


def _skipped(topic: str, a: str, o: str, why: str) -> tuple[str, str, str]:
    return (
        topic,
        f"{topic}, {label(o, 'en')}, {arrangement_label(a, 'en')}: {t('skipped', 'en')}: {why}",
        f"{topic}, {label(o, 'fr')}, {arrangement_label(a, 'fr')} : {t('skipped', 'fr')} : {why}",
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _discover(
    sw: Sweep,
    pm: pd.DataFrame,
    outcomes: list[str],
    cond: Condition | None,
    method: str,
    lang: str,
    d: Path,
    tables: dict[str, pd.DataFrame],
    files: list[str],
    findings: list[tuple[str, str, str]],
) -> None:
    kinds = {f.name: f.kind for f in sw.factors}
    if not kinds:
        return
    cond = cond or default_condition(sw, outcomes[0])
    rows: list[dict[str, Any]] = []
    for who, vals, y in discovery_cases(cond, pm, sw):
        x = discovery.inputs(vals.reset_index(drop=True), kinds)
        head_en = f"{t('discovery', 'en')} ({cond.describe('en')}; {arrangement_label(who, 'en')})"
        head_fr = f"{t('discovery', 'fr')} ({cond.describe('fr')} ; {arrangement_label(who, 'fr')})"
        share = float(y.mean()) if len(y) else math.nan
        why = None
        if x.shape[1] == 0:
            why = ("no varied parameter takes two values", "aucun paramètre ne prend deux valeurs")
        elif len(y) < 10:
            why = (f"too few cases ({len(y)})", f"trop peu de cas ({len(y)})")
        elif y.all() or not y.any():
            why = (
                f"the condition holds in {_pct(share)} of the cases",
                f"la condition est vraie dans {_pct(share)} des cas",
            )
        if why:
            findings.append(
                (
                    "discovery",
                    f"{head_en}: {t('skipped', 'en')}: {why[0]}",
                    f"{head_fr} : {t('skipped', 'fr')} : {why[1]}",
                )
            )
            continue
        base = {"condition": cond.text, "who": who, "cases": len(y), "share_true": share}
        found = []
        if method in ("prim", "both"):
            try:
                box = discovery.prim_box(x, y)
            except Exception as err:  # noqa: BLE001 - PRIM failing must not stop the analysis
                findings.append(
                    (
                        "discovery",
                        f"{head_en}: PRIM {t('skipped', 'en')}: {err}",
                        f"{head_fr} : PRIM {t('skipped', 'fr')} : {err}",
                    )
                )
            else:
                found.append((box, 1))
                files.append(fig_prim(box, x, y, lang, d / f"discovery_prim_{who}.png"))
        if method in ("cart", "both"):
            boxes, tree, features = discovery.cart_boxes(x, y)
            found.extend((b, i + 1) for i, b in enumerate(boxes))
            files.append(fig_cart(tree, features, lang, d / f"discovery_cart_{who}.png"))
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
                    (
                        "discovery",
                        f"{head_en}: {t('holds', 'en')} {_pct(share)} {t('of_cases', 'en')}; "
                        + _box_text(box, "en"),
                        f"{head_fr} : {t('holds', 'fr')} {_pct(share)} {t('of_cases', 'fr')} ; "
                        + _box_text(box, "fr"),
                    )
                )
    if rows:
        tables["discovery"] = pd.DataFrame(rows)


def _box_text(box: discovery.Box, lang: str) -> str:
    return (
        f"{box.method.upper()} {t('box', lang)}: {box.describe(lang)};"
        f" {t('coverage', lang)} {_pct(box.coverage)}, {t('density', lang)} {_pct(box.density)}"
    )


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def summary_markdown(
    sw: Sweep,
    outcomes: list[str],
    tables: dict[str, pd.DataFrame],
    findings: list[tuple[str, str, str]],
    files: list[str],
    lang: str,
) -> str:
    """A short bilingual summary (the chosen language first)."""
    meta = sw.meta
    s = meta.get("summary", {})
    sections = []
    for L in ["fr", "en"] if lang == "fr" else ["en", "fr"]:
        c = " :" if L == "fr" else ":"
        desc = meta["experiment"].get("description") or ""
        lines = [f"## {'Français' if L == 'fr' else 'English'}", ""]
        lines.append(
            f"- {t('experiment', L)}{c} `{meta['experiment_name']}`"
            + (f" ({desc})" if desc else "")
        )
        semi = " ;" if L == "fr" else ";"
        lines.append(
            f"- {s.get('runs', len(sw.results))} {t('runs', L)}, {s.get('failed', 0)}"
            f" {t('failed', L)}{semi} {t('sampler', L)} {METHOD_NAMES[sw.method][L == 'fr']},"
            f" {t('seed', L)} {meta['sampler']['seed']}"
        )
        lines.append(
            f"- {t('arrangements', L)}{c} "
            + ", ".join(arrangement_label(a, L) for a in sw.arrangements)
        )
        if sw.factors:
            lines.append(
                f"- {t('parameters', L)}{c} "
                + "; ".join(f"`{f.name}` {f.describe()}" for f in sw.factors)
            )
        lines += ["", f"### {t('means', L)}", ""]
        head = (
            f"| {t('outcome', L)} | "
            + " | ".join(arrangement_label(a, L) for a in sw.arrangements)
            + " |"
        )
        lines += [head, "|" + " --- |" * (len(sw.arrangements) + 1)]
        arr = tables["arrangements"]
        for o in outcomes:
            cells = []
            for a in sw.arrangements:
                r = arr[(arr["arrangement"] == a) & (arr["outcome"] == o)]
                if len(r):
                    r0 = r.iloc[0]
                    cells.append(
                        f"{_fmt(r0['mean'])} [{_fmt(r0['ci_low'])}, {_fmt(r0['ci_high'])}]"
                    )
                else:
                    cells.append("n/a")
            lines.append(f"| {label(o, L)} | " + " | ".join(cells) + " |")
        if "best" in tables:
            lines += ["", f"### {t('best', L)}", ""]
            for o, g in tables["best"].groupby("outcome", sort=False):
                parts = ", ".join(
                    f"{arrangement_label(r.arrangement, L)} {_pct(r.share_best)}"
                    for r in g.itertuples()
                )
                lines.append(f"- {label(o, L)}{c} {parts}")
        if findings:
            lines += [""]
            lines += [f"- {f[2] if L == 'fr' else f[1]}" for f in findings]
        lines += ["", f"_{t('caveat', L)}_", ""]
        sections.append("\n".join(lines))
    title = f"# {t('title', lang)}: {meta['experiment_name']}\n"
    listing = f"\n## {t('files', lang)}\n\n" + "\n".join(f"- `{f}`" for f in sorted(files)) + "\n"
    return title + "\n" + "\n".join(sections) + listing
