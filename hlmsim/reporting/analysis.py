"""``hlmsim analyze``: writes the analysis of a sweep (:mod:`hlmsim.sweep.analysis`) into
``SWEEP_DIR/analysis`` (a temporary sibling folder renamed into place): its CSV tables, PNG
figures, ``report.html`` (the chosen language: the answer first, tables and figures with their
captions) and ``summary.md`` (English and French, the chosen language first).

Figures: ``effect_<parameter>.png`` and, with two or more parameters, ``heatmap_<outcome>.png``
(full factorial), else ``scatter_<outcome>.png``; ``sobol_<outcome>.png``,
``morris_<outcome>.png``; ``discovery_prim_<who>.png``, ``discovery_cart_<who>.png``; monthly
series (when the experiment kept some): ``series_<outcome>.png``. They show parameters by their
labels, outcomes in the comparison report's units (shares in %), arrangements in the comparison
report's colours, and a multi-panel heat map on one colour scale.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arrangements import arrangement_label
from ..errors import InputError
from ..i18n import LANGS, catalogue, pick, t
from ..i18n.formats import DASH, MINUS, colon, fmt_num, fmt_pct, fmt_range, quote
from ..outcomes import KEY_OUTCOMES, outcome_label
from ..outdir import write_atomically
from ..params import field_meta
from ..sweep import discovery
from ..sweep.analysis import Analysis, Condition, Finding, Sweep, compute, prepare
from ..sweep.experiment import ALL_OUTCOMES
from ..sweep.sampling import Factor
from . import style
from .html import esc, img, page, summary_box, swatch
from .values import (
    display_unit,
    fmt_value,
    param_label,
    param_unit,
    param_value,
    series_unit,
    value_scale,
)

# -- words --------------------------------------------------------------------------------------


def label(outcome: str, lang: str) -> str:
    try:
        return outcome_label(outcome, lang)
    except KeyError:
        return outcome


def plabel(name: str, lang: str) -> str:
    """A parameter's label in ``lang`` (its name when the schema does not know it)."""
    try:
        return param_label(field_meta(name), lang)
    except KeyError:
        return name


def axis_label(name: str, lang: str, width: int = 44) -> str:
    """A parameter's label and unit, wrapped for a figure's axis."""
    try:
        unit = param_unit(field_meta(name), lang)
    except KeyError:
        unit = ""
    text = plabel(name, lang) + (f" ({unit})" if unit else "")
    return "\n".join(textwrap.wrap(text, width))


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _unit(outcome: str, lang: str) -> str:
    """An outcome's unit as the tables show it (shares in %)."""
    try:
        return display_unit(outcome, lang)
    except KeyError:
        return ""


def outcome_axis(outcome: str, lang: str) -> str:
    """An outcome's label and unit (shares in %), for a figure's title."""
    unit = _unit(outcome, lang)
    return f"{label(outcome, lang)}, {unit}" if unit else label(outcome, lang)


def _scale(outcome: str) -> float:
    try:
        return value_scale(outcome)
    except KeyError:
        return 1.0


def _local(s: str, lang: str) -> str:
    """A number written the English way (``1,234.5``) with the language's separators."""
    f = catalogue(lang)
    return (
        s.replace(",", "\0")
        .replace(".", f["formats.decimal"])
        .replace("\0", f["formats.thousands"])
        .replace("-", MINUS)
    )


def _g(v: Any, lang: str) -> str:
    return _local(f"{float(v):.3g}", lang)


def _fmt(x: float, lang: str) -> str:
    if x is None or not np.isfinite(x):
        return t("analysis.na", lang)
    return _local(f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}", lang)


def oval(outcome: str, x: Any, lang: str) -> str:
    """An outcome's value as the comparison report shows it (shares in %)."""
    try:
        return fmt_value(outcome, x, lang)
    except KeyError:
        return _fmt(x, lang)


def _pct(x: float, lang: str) -> str:
    return fmt_pct(x, lang)


def _value(v: Any, lang: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"  # as written in the experiment file
    if isinstance(v, float):
        return _local(f"{v:g}", lang)
    return str(v)


def describe_factor(f: Factor, lang: str) -> str:
    """``values [a, b]``, ``uniform [lo, hi]``, ``normal(m, sd) in [lo, hi]`` in ``lang``."""
    if f.values is not None:
        sep = t("analysis.list_sep", lang)
        return t("analysis.values", lang, values=sep.join(_value(v, lang) for v in f.values))
    rng = t("analysis.interval", lang, lo=_value(f.low, lang), hi=_value(f.high, lang))
    if f.levels:
        return t("analysis.levels", lang, n=f.levels, range=rng)
    if f.dist == "triangular":
        return t("analysis.triangular", lang, range=rng, mode=_value(f.mode, lang))
    if f.dist == "normal":
        return t(
            "analysis.normal", lang, mean=_value(f.mean, lang), sd=_value(f.sd, lang), range=rng
        )
    if f.dist == "loguniform":
        return t("analysis.loguniform", lang, range=rng)
    if not f.dist or f.dist == "uniform":
        return t("analysis.uniform", lang, range=rng)
    return f"{f.dist} {rng}"


def _kind(name: str) -> str:
    try:
        return str(field_meta(name)["kind"])
    except KeyError:
        return ""


def describe_box(box: discovery.Box, lang: str) -> str:
    """``0.1 ≤ <label> ≤ 0.4, <label> ∈ {x, y}`` (or "everywhere"), parameters by label."""
    if not box.limits:
        return t("analysis.everywhere", lang)
    parts = []
    for name, lim in box.limits.items():
        what = plabel(name, lang)
        if isinstance(lim, (set, frozenset, list, tuple)) and not discovery._is_interval(lim):
            sep = t("analysis.list_sep", lang)
            parts.append(f"{what} ∈ {{{sep.join(sorted(map(str, lim)))}}}")
        elif _kind(name) == "bool" and (lim[0] > 0 or lim[1] < 1):  # coded 0 (no) and 1 (yes)
            parts.append(f"{what} = {param_value(bool(lim[0] > 0), lang)}")
        else:
            lo, hi = lim
            if lo == hi:
                parts.append(f"{what} = {_g(lo, lang)}")
            else:
                parts.append(f"{_g(lo, lang)} ≤ {what} ≤ {_g(hi, lang)}")
    return t("analysis.semicolon", lang).join(parts)


def describe_condition(cond: Condition, lang: str) -> str:
    if cond.kind == "best":
        verb = t("analysis.not_best" if cond.negate else "analysis.is_best", lang)
        who = arrangement_label(cond.subject or "", lang)
        return f"{who} {verb} {quote(label(cond.outcome or '', lang), lang)}"
    if cond.outcome and cond.op and cond.threshold is not None:  # the default: worded
        return f"{label(cond.outcome, lang)} {cond.op} {oval(cond.outcome, cond.threshold, lang)}"
    return cond.text


def finding_text(f: Finding, lang: str) -> str:
    """One finding as a sentence in ``lang``."""
    c, semi = colon(lang), t("analysis.semicolon", lang)
    if f.topic in ("sobol", "morris"):
        head = f"{label(f.outcome, lang)}, {arrangement_label(f.who, lang)}"
        name = t(f"analysis.{f.topic}_name", lang)
        if f.kind == "skipped":
            return f"{name}, {head}{c}{t('analysis.skipped', lang)}{c}{f.error}"
        if f.topic == "sobol":
            items = semi.join(
                f"{plabel(p, lang)} (ST {_local(f'{v:.2f}', lang)} ± {_local(f'{h:.2f}', lang)})"
                for p, v, h in f.items
            )
        else:
            k = _scale(f.outcome)
            try:
                unit = " " + display_unit(f.outcome, lang, diff=True)
            except KeyError:
                unit = ""
            items = semi.join(
                f"{plabel(p, lang)} (mu* {_g(k * v, lang)}{unit})" for p, v, _ in f.items
            )
        return f"{name}, {head}{c}{t('analysis.top', lang)}{c}{items}"
    cond = describe_condition(f.condition, lang) if f.condition else ""
    who = "" if f.condition and f.condition.kind == "best" else arrangement_label(f.who, lang)
    head = f"{t('analysis.discovery', lang)} ({cond}{semi + who if who else ''})"
    if f.kind == "skipped":
        why = t(f"analysis.{f.reason}", lang, n=f.cases, share=_pct(f.share, lang))
        return f"{head}{c}{t('analysis.skipped', lang)}{c}{why}"
    if f.kind == "prim_failed":
        return f"{head}{c}PRIM {t('analysis.skipped', lang)}{c}{f.error}"
    box = f.box
    assert box is not None
    region = t("analysis.box_by", lang, method=box.method.upper())
    return (
        f"{head}{c}{t('analysis.holds', lang)} {_pct(f.share, lang)}"
        f" {t('analysis.of_cases', lang)}{semi}{region}{c}"
        f"{describe_box(box, lang)}{semi}{t('analysis.coverage', lang)}"
        f" {_pct(box.coverage, lang)}, {t('analysis.density', lang)} {_pct(box.density, lang)}"
    )


def findings_table(findings: list[Finding]) -> pd.DataFrame:
    """The findings in every language: columns ``topic`` and one per language."""
    rows = [(f.topic, *(finding_text(f, lang) for lang in LANGS)) for f in findings]
    return pd.DataFrame(rows, columns=["topic", *LANGS])


def _replications(lo: int, hi: int, lang: str) -> str:
    if lo == hi:
        return t("analysis.reps", lang, n=fmt_num(lo, 0, lang), count=lo)
    return t("analysis.reps_range", lang, lo=fmt_num(lo, 0, lang), hi=fmt_num(hi, 0, lang))


def best_sentences(tab: pd.DataFrame, lang: str, probs: bool = True) -> list[tuple[str, str]]:
    """For each ranked outcome: (outcome label, sentence): each arrangement's probability of
    being best over replications, most probable first, and where one is clearly best (its
    paired 95% CI against every other excludes zero), or that none can be told apart."""
    out = []
    semi = t("analysis.semicolon", lang)
    for o, g in tab.groupby("outcome", sort=False):
        o = str(o)
        g = g.sort_values("p_best", ascending=False, kind="stable")
        shares = ", ".join(
            f"{arrangement_label(r.arrangement, lang)} {_pct(r.p_best, lang)}"
            for r in g.itertuples()
        )
        r0 = g.iloc[0]
        points = int(r0["points"])
        reps = _replications(int(r0["replications_min"]), int(r0["replications_max"]), lang)
        clear = g[g["clear_best"] > 0].sort_values("clear_best", ascending=False, kind="stable")
        who = ", ".join(
            t(
                "analysis.best_clear_item",
                lang,
                arrangement=arrangement_label(r.arrangement, lang),
                share=_pct(r.clear_best, lang),
            )
            for r in clear.itertuples()
        )
        undecided = float(r0["undecided"])
        if int(r0["replications_max"]) < 2:
            tail = t("analysis.best_single", lang)
        elif clear.empty:
            n = fmt_num(points, 0, lang)
            tail = t("analysis.best_none", lang, points=n, reps=reps, count=points)
        elif undecided == 0:
            tail = t("analysis.best_clear_all", lang, who=who, reps=reps)
        else:
            tail = t(
                "analysis.best_clear", lang, who=who, undecided=_pct(undecided, lang), reps=reps
            )
        if probs:
            tail += semi + t("analysis.best_probs", lang, probs=shares)
        out.append((label(o, lang), tail))
    return out


# -- figures -------------------------------------------------------------------------------------


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    c = min(cols, max(n, 1))
    return math.ceil(max(n, 1) / c), c


def _axes(fig: Any, rows: int, cols: int, **kw: Any) -> np.ndarray:
    return np.asarray(fig.subplots(rows, cols, squeeze=False, **kw))


def _style(ax: Any, lang: str, x: bool = True, y: bool = True) -> None:
    style.style_axes(ax)
    if y:
        ax.yaxis.set_major_formatter(style.axis_formatter(lang))
    if x:
        ax.xaxis.set_major_formatter(style.axis_formatter(lang))


def _save(fig: Any, path: Path) -> str:
    path.write_bytes(style.png(fig))
    return path.name


def _legend(fig: Any, axes: np.ndarray, n: int) -> None:
    """One legend for the whole figure, under the panels (the arrangements' colours)."""
    handles, names = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="outside lower center", ncols=min(n, 3), fontsize=8.5,
                   frameon=False)  # fmt: skip


def fig_effect(
    eff: pd.DataFrame, f: Factor, outcomes: list[str], order: list[str], lang: str, path: Path
) -> str:
    rows, cols = _grid(len(outcomes))
    fig = style.new_figure(4.2 * cols, 3.3 * rows + 0.6)
    axes = _axes(fig, rows, cols)
    sub = eff[eff["parameter"] == f.name]
    cats = f.kind in ("choice", "bool")
    for ax, o in zip(axes.flat, outcomes, strict=False):
        _style(ax, lang, x=not cats)
        k = _scale(o)
        for a, g in sub[sub["outcome"] == o].groupby("arrangement", sort=False):
            x = np.arange(len(g)) if cats else g["level"].astype(float).to_numpy()
            ax.errorbar(
                x,
                k * g["mean"],
                yerr=[k * (g["mean"] - g["ci_low"]), k * (g["ci_high"] - g["mean"])],
                marker=style.MARKERS.get(str(a), "o"),
                color=style.colour(str(a), order),
                capsize=3,
                label=arrangement_label(str(a), lang),
            )
            if cats:
                ax.set_xticks(x, [param_value(_bool(v), lang) for v in g["level"]])
        ax.set_title(_wrap(label(o, lang), 44))
        ax.set_ylabel(_unit(o, lang), fontsize=8.5)
        ax.set_xlabel(axis_label(f.name, lang), fontsize=8.5)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    _legend(fig, axes, len(order))
    return _save(fig, path)


def _bool(v: Any) -> Any:
    return {"True": True, "False": False}.get(v, v) if isinstance(v, str) else v


def _tick(v: Any, lang: str) -> str:
    return param_value(_bool(v), lang)


def fig_heatmap(pm: pd.DataFrame, sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    """The first two parameters' grid, one panel per arrangement, on one colour scale."""
    f1, f2 = sw.factors[0], sw.factors[1]
    n = len(sw.arrangements)
    k = _scale(outcome)
    tabs = {
        a: k
        * pm[pm["arrangement"] == a].groupby([f2.name, f1.name])[outcome].mean().unstack(f1.name)
        for a in sw.arrangements
    }
    finite = [
        v for tab in tabs.values() for v in tab.to_numpy(dtype=float).ravel() if np.isfinite(v)
    ]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    fig = style.new_figure(3.6 * n + 1.4, 3.9)
    axes = _axes(fig, 1, n)
    im = None
    for ax, a in zip(axes.flat, sw.arrangements, strict=True):
        tab = tabs[a]
        values = tab.to_numpy(dtype=float)
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=lo, vmax=hi)
        ax.set_xticks(range(len(tab.columns)), [_tick(v, lang) for v in tab.columns], fontsize=8)
        ax.set_yticks(range(len(tab.index)), [_tick(v, lang) for v in tab.index], fontsize=8)
        if values.size <= 36:  # a small grid: each cell's value, as in the tables
            mid = (lo + hi) / 2
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    ax.text(j, i, oval(outcome, v / k, lang), ha="center", va="center",
                            fontsize=8, color="white" if v < mid else "black")  # fmt: skip
        ax.set_xlabel(axis_label(f1.name, lang, 34), fontsize=8.5)
        if ax is axes.flat[0]:
            ax.set_ylabel(axis_label(f2.name, lang, 34), fontsize=8.5)
        ax.set_title(_wrap(arrangement_label(a, lang), 36), color=style.colour(a, sw.arrangements))
    assert im is not None
    bar = fig.colorbar(im, ax=list(axes.flat), shrink=0.85)
    bar.ax.yaxis.set_major_formatter(style.axis_formatter(lang))
    bar.set_label(_unit(outcome, lang))
    fig.suptitle(f"{label(outcome, lang)}, {t('analysis.mean_point', lang)}", fontsize=11)
    return _save(fig, path)


def fig_scatter(pm: pd.DataFrame, sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    factors = sw.factors[:12]
    rows, cols = _grid(len(factors), 4)
    fig = style.new_figure(3.6 * cols, 3.1 * rows + 0.6)
    axes = _axes(fig, rows, cols, sharey=True)
    k = _scale(outcome)
    for ax, f in zip(axes.flat, factors, strict=False):
        cats_kind = f.kind in ("choice", "bool")
        _style(ax, lang, x=not cats_kind)
        for a in sw.arrangements:
            g = pm[pm["arrangement"] == a]
            x = g[f.name]
            if cats_kind:
                cats = sorted(x.astype(str).unique())
                x = x.astype(str).map({c: i for i, c in enumerate(cats)})
                ax.set_xticks(range(len(cats)), [_tick(c, lang) for c in cats], fontsize=7)
            ax.scatter(
                x,
                k * g[outcome],
                s=8,
                alpha=0.6,
                marker=style.MARKERS.get(a, "o"),
                color=style.colour(a, sw.arrangements),
                label=arrangement_label(a, lang),
            )
        ax.set_xlabel(axis_label(f.name, lang, 36), fontsize=7.5)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(factors) :]:
        ax.set_visible(False)
    if len(sw.arrangements) > 1:
        _legend(fig, axes, len(sw.arrangements))
    fig.suptitle(f"{outcome_axis(outcome, lang)}, {t('analysis.mean_point', lang)}", fontsize=11)
    return _save(fig, path)


def fig_sobol(
    tab: pd.DataFrame, outcome: str, arrangements: list[str], lang: str, path: Path
) -> str:
    n = len(arrangements)
    d = tab["parameter"].nunique()
    fig = style.new_figure(6.4 * n, 0.55 * d + 1.8)
    axes = _axes(fig, 1, n)
    first, total = style.EXTRA_COLOURS[1], style.EXTRA_COLOURS[0]
    for ax, a in zip(axes.flat, arrangements, strict=True):
        _style(ax, lang, y=False)
        g = tab[(tab["arrangement"] == a) & (tab["outcome"] == outcome)]
        g = g.sort_values("ST")
        y = np.arange(len(g))
        ax.barh(
            y - 0.2, g["S1"], 0.4, xerr=g["S1_conf"], capsize=2, color=first,
            label=t("analysis.first_order", lang),
        )  # fmt: skip
        ax.barh(
            y + 0.2, g["ST"], 0.4, xerr=g["ST_conf"], capsize=2, color=total,
            label=t("analysis.total", lang),
        )  # fmt: skip
        ax.set_yticks(y, [_wrap(plabel(p, lang), 38) for p in g["parameter"]], fontsize=7)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(arrangement_label(a, lang))
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{t('analysis.sobol', lang)}{colon(lang)}{label(outcome, lang)}", fontsize=11)
    return _save(fig, path)


def fig_morris(
    tab: pd.DataFrame, outcome: str, arrangements: list[str], lang: str, path: Path
) -> str:
    n = len(arrangements)
    fig = style.new_figure(7.5 * n, 5.5)
    axes = _axes(fig, 1, n)
    k = _scale(outcome)
    for ax, a in zip(axes.flat, arrangements, strict=True):
        _style(ax, lang)
        g = tab[(tab["arrangement"] == a) & (tab["outcome"] == outcome)]
        ax.errorbar(
            k * g["mu_star"],
            k * g["sigma"],
            xerr=k * g["mu_star_conf"],
            linestyle="none",
            capsize=2,
            color=style.colour(a, arrangements),
            marker=style.MARKERS.get(a, "o"),
        )
        for _, r in g.nlargest(8, "mu_star").iterrows():  # the eight most influential
            ax.annotate(
                _wrap(plabel(str(r["parameter"]), lang), 30),
                (k * r["mu_star"], k * r["sigma"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=6.5,
            )
        try:
            unit = display_unit(outcome, lang, diff=True)
        except KeyError:
            unit = ""
        ax.set_xlabel(f"mu* ({unit})" if unit else "mu*")
        ax.set_ylabel(f"sigma ({unit})" if unit else "sigma")
        ax.set_title(arrangement_label(a, lang), color=style.colour(a, arrangements))
    fig.suptitle(f"{t('analysis.morris', lang)}{colon(lang)}{label(outcome, lang)}", fontsize=11)
    return _save(fig, path)


#: Cases where the condition holds / does not hold, in the discovery figures: neutral greys, as
#: the arrangements' colours mean arrangements in every report.
IN_BOX, OUT_OF_BOX = "#3b3b3b", "#c9c9c9"


def fig_prim(box: discovery.Box, x: pd.DataFrame, y: np.ndarray, lang: str, path: Path) -> str:
    from matplotlib.patches import Rectangle

    traj = box.extra["trajectory"]
    fig = style.new_figure(10, 4.6)
    axes = _axes(fig, 1, 2)
    ax = axes.flat[0]
    _style(ax, lang)
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res dim"], cmap="viridis", s=14)
    ch = traj.iloc[box.extra["chosen"]]
    ax.scatter(
        [ch["coverage"]],
        [ch["density"]],
        s=120,
        facecolors="none",
        edgecolors=IN_BOX,
        label=t("analysis.chosen", lang),
    )
    ax.set_xlabel(t("analysis.coverage_axis", lang))
    ax.set_ylabel(t("analysis.density_axis", lang))
    ax.legend(fontsize=8)
    bar = fig.colorbar(sc, ax=ax, label=t("analysis.restricted", lang))
    bar.ax.yaxis.set_major_formatter(style.axis_formatter(lang))
    ax = axes.flat[1]
    numeric = [n for n in box.limits if discovery._is_interval(box.limits[n])]
    others = [c for c in x.columns if c not in numeric and x[c].dtype != object]
    dims = (numeric + others)[:2]
    if len(dims) == 2:
        _style(ax, lang)
        ax.scatter(
            x.loc[~y, dims[0]],
            x.loc[~y, dims[1]],
            s=8,
            c=OUT_OF_BOX,
            label=t("analysis.not_in_box", lang),
        )
        ax.scatter(
            x.loc[y, dims[0]], x.loc[y, dims[1]], s=8, c=IN_BOX, label=t("analysis.in_box", lang)
        )
        lo = [box.limits.get(d, (x[d].min(), x[d].max())) for d in dims]
        ax.add_patch(
            Rectangle(
                (lo[0][0], lo[1][0]),
                lo[0][1] - lo[0][0],
                lo[1][1] - lo[1][0],
                fill=False,
                ec="black",
                lw=1.5,
            )
        )
        ax.set_xlabel(axis_label(dims[0], lang), fontsize=8.5)
        ax.set_ylabel(axis_label(dims[1], lang, 36), fontsize=8.5)
        ax.legend(fontsize=8)
    elif len(dims) == 1:
        _style(ax, lang)
        ax.hist(
            [x.loc[~y, dims[0]], x.loc[y, dims[0]]],
            bins=15,
            stacked=True,
            label=[t("analysis.not_in_box", lang), t("analysis.in_box", lang)],
            color=[OUT_OF_BOX, IN_BOX],
        )
        ax.set_xlabel(axis_label(dims[0], lang), fontsize=8.5)
        ax.legend(fontsize=8)
    else:
        ax.set_visible(False)
    fig.suptitle(_wrap(f"PRIM{colon(lang)}{describe_box(box, lang)}", 110), fontsize=9)
    return _save(fig, path)


def fig_cart(tree: Any, features: list[str], lang: str, path: Path) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import plot_tree

    fig = style.new_figure(12, 6)
    FigureCanvasAgg(fig)  # plot_tree measures text
    ax = fig.subplots()
    notes = plot_tree(
        tree,
        feature_names=[_wrap(plabel(f, lang), 32) for f in features],
        class_names=[t("analysis.not_in_box", lang), t("analysis.in_box", lang)],
        filled=True,
        impurity=False,
        proportion=False,
        fontsize=7,
        ax=ax,
    )
    for note in notes:  # scikit-learn's words and numbers, in the reader's language
        counts = re.search(r"value = \[([^\]]*)\]", note.get_text())
        if counts and note.get_bbox_patch() is not None:  # greys, not arrangement colours
            v = [float(x) for x in counts.group(1).split(",")]
            share = v[-1] / sum(v) if sum(v) > 0 else 0.0
            grey = 1.0 - 0.45 * share
            note.get_bbox_patch().set_facecolor((grey, grey, grey))
        note.set_text(_cart_words(note.get_text(), lang))
    for text in ax.texts:  # the branches' "True  " and "  False"
        word = text.get_text().strip()
        if word in ("True", "False"):
            text.set_text(text.get_text().replace(word, t(f"analysis.cart_{word.lower()}", lang)))
    return _save(fig, path)


def _cart_words(text: str, lang: str) -> str:
    lines = []
    for line in text.split("\n"):
        for word in ("samples", "value", "class"):
            if line.startswith(f"{word} = "):
                line = f"{t(f'analysis.cart_{word}', lang)} = {line[len(word) + 3 :]}"
        lines.append(re.sub(r"-?\d+\.\d+|\[[\d, ]+\]", lambda m: _cart_number(m[0], lang), line))
    return "\n".join(lines)


def _cart_number(s: str, lang: str) -> str:
    if s.startswith("["):
        return "[" + t("analysis.list_sep", lang).join(s[1:-1].split(", ")) + "]"
    return _local(s, lang).replace("-", MINUS)


def _point_title(sw: Sweep, sid: Any, lang: str) -> str:
    pt = sw.design.set_index("sample_id").loc[sid, sw.names]
    return "\n".join(_wrap(f"{plabel(k, lang)} = {_tick(v, lang)}", 48) for k, v in pt.items())


def fig_series(sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    """Monthly series in the arrangements' colours: one panel per sample point (a small
    factorial design: each replication's mean), else one per arrangement (median and 10-90%
    band over points and replications)."""
    s = sw.series
    assert s is not None
    k = 100.0 if _scale(outcome) != 1.0 else 1.0
    few = sw.method == "factorial" and 1 < len(sw.design) <= 12 and bool(sw.names)
    if few:
        ids = list(sw.design["sample_id"])
        rows, cols = _grid(len(ids), 3)
        fig = style.new_figure(4.3 * cols, 3.2 * rows + 0.6)
        axes = _axes(fig, rows, cols, sharey=True)
        for ax, sid in zip(axes.flat, ids, strict=False):
            _style(ax, lang)
            g = s[s["sample_id"] == sid]
            for a in sw.arrangements:
                m = g[g["arrangement"] == a].groupby("month")[outcome].mean()
                ax.plot(m.index, k * m.to_numpy(), lw=1.3, color=style.colour(a, sw.arrangements),
                        label=arrangement_label(a, lang))  # fmt: skip
            ax.set_title(_point_title(sw, sid, lang), fontsize=7.5)
            ax.set_xlabel(t("analysis.month", lang))
        for ax in list(axes.flat)[len(ids) :]:
            ax.set_visible(False)
        _legend(fig, axes, len(sw.arrangements))
    else:
        n = len(sw.arrangements)
        fig = style.new_figure(5 * n, 3.8)
        axes = _axes(fig, 1, n, sharey=True)
        for ax, a in zip(axes.flat, sw.arrangements, strict=True):
            _style(ax, lang)
            g = s[s["arrangement"] == a]
            colour = style.colour(a, sw.arrangements)
            q = g.groupby("month")[outcome].quantile([0.1, 0.5, 0.9]).unstack()
            ax.fill_between(q.index, k * q[0.1], k * q[0.9], alpha=0.3, color=colour)
            ax.plot(q.index, k * q[0.5], lw=1.2, color=colour)
            ax.set_title(arrangement_label(a, lang), color=colour)
            ax.set_xlabel(t("analysis.month", lang))
    try:
        unit = series_unit(outcome, lang)
    except KeyError:
        unit = ""
    for ax in axes[:, 0]:
        ax.set_ylabel(unit)
    fig.suptitle(label(outcome, lang), fontsize=11)
    return _save(fig, path)


def figures(res: Analysis, lang: str, d: Path) -> list[str]:
    """Draw every figure of the analysis into ``d``; their file names."""
    from matplotlib import rc_context

    sw, outcomes, pm, tables = res.sweep, res.outcomes, res.point_means, res.tables
    files: list[str] = []
    with rc_context(style.rc()):
        if "effects" in tables:
            for f in sw.factors:
                path = d / f"effect_{f.name}.png"
                files.append(
                    fig_effect(tables["effects"], f, outcomes, sw.arrangements, lang, path)
                )
            if len(sw.factors) >= 2:
                for o in outcomes:
                    files.append(fig_heatmap(pm, sw, o, lang, d / f"heatmap_{o}.png"))
        if "correlations" in tables:
            for o in outcomes:
                files.append(fig_scatter(pm, sw, o, lang, d / f"scatter_{o}.png"))
        for name, draw in (("sobol", fig_sobol), ("morris", fig_morris)):
            if name not in tables:
                continue
            tab = tables[name]
            for o in tab["outcome"].unique():
                arrs = [
                    a
                    for a in sw.arrangements
                    if ((tab.arrangement == a) & (tab.outcome == o)).any()
                ]
                files.append(draw(tab, o, arrs, lang, d / f"{name}_{o}.png"))
        if sw.series is not None and len(sw.series):
            for o in [c for c in sw.series.columns if c in ALL_OUTCOMES]:
                files.append(fig_series(sw, o, lang, d / f"series_{o}.png"))
        for group in res.discoveries:
            if group.prim is not None:
                path = d / f"discovery_prim_{group.who}.png"
                files.append(fig_prim(group.prim, group.x, group.y, lang, path))
            if group.cart is not None:
                tree, features = group.cart
                path = d / f"discovery_cart_{group.who}.png"
                files.append(fig_cart(tree, features, lang, path))
    return files


# -- summary.md and report.html -----------------------------------------------------------------


def _description(meta: dict[str, Any], lang: str) -> str:
    """The experiment's description in ``lang`` (files give it in English, and may add
    ``description_fr``); empty when it has none in that language."""
    exp = meta["experiment"]
    return pick((str(exp.get("description") or ""), str(exp.get("description_fr") or "")), lang)


def _cell(row: pd.Series | None, outcome: str, lang: str) -> tuple[str, str]:
    """(mean, its 95% CI over replications) as the comparison report writes them."""
    if row is None or not np.isfinite(row["mean"]):
        return DASH, ""
    ci = fmt_range(oval(outcome, row["ci_low"], lang), oval(outcome, row["ci_high"], lang), lang)
    return oval(outcome, row["mean"], lang), ci if np.isfinite(row["ci_low"]) else ""


def _spread(row: pd.Series | None, outcome: str, lang: str) -> str:
    if row is None or not np.isfinite(row["point_min"]):
        return DASH
    return fmt_range(
        oval(outcome, row["point_min"], lang), oval(outcome, row["point_max"], lang), lang
    )


def _rows(tab: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    return {(str(r["arrangement"]), str(r["outcome"])): r for _, r in tab.iterrows()}


def _means_caption(res: Analysis, lang: str) -> str:
    arr = res.tables["arrangements"]
    if int(arr["replications"].max()) < 2:
        return t("analysis.means_single", lang)
    reps = _replications(int(arr["replications"].min()), int(arr["replications"].max()), lang)
    return t("analysis.means_caption", lang, reps=reps)


def _outcome_head(o: str, lang: str) -> tuple[str, str]:
    try:
        unit = display_unit(o, lang)
    except KeyError:
        unit = ""
    arrow = {1: "↑", -1: "↓"}.get(KEY_OUTCOMES.get(o, 0), "")
    return f"{label(o, lang)}{' ' + arrow if arrow else ''}", unit


def summary_markdown(res: Analysis, files: list[str], lang: str) -> str:
    """A short bilingual summary (the chosen language first)."""
    sw, outcomes, tables = res.sweep, res.outcomes, res.tables
    meta = sw.meta
    sections = []
    for L in [lang, *(x for x in LANGS if x != lang)]:
        c = colon(L)
        desc = _description(meta, L)
        lines = [f"## {t('meta.name', L)}", ""]
        lines.append(
            f"- {t('analysis.experiment', L)}{c}`{meta['experiment_name']}`"
            + (f" ({desc})" if desc else "")
        )
        lines.append(f"- {_runs_line(res, L)}")
        lines.append(
            f"- {t('analysis.arrangements', L)}{c}"
            + ", ".join(arrangement_label(a, L) for a in sw.arrangements)
        )
        if sw.factors:
            lines.append(f"- {t('analysis.parameters', L)}{c}".rstrip())
            lines += [
                f"  - {plabel(f.name, L)} (`{f.name}`){c}{describe_factor(f, L)}"
                for f in sw.factors
            ]
        arr = _rows(tables["arrangements"])
        head = (
            f"| {t('analysis.outcome', L)} | "
            + " | ".join(arrangement_label(a, L) for a in sw.arrangements)
            + " |"
        )
        rule = "|" + " --- |" * (len(sw.arrangements) + 1)
        lines += ["", f"### {t('analysis.means', L)}", "", head, rule]
        for o in outcomes:
            name, unit = _outcome_head(o, L)
            cells = []
            for a in sw.arrangements:
                m, ci = _cell(arr.get((a, o)), o, L)
                cells.append(f"{m} ({ci})" if ci else m)
            lines.append(f"| {name}, {unit} | " + " | ".join(cells) + " |")
        lines += ["", _means_caption(res, L), ""]
        lines += [f"### {t('analysis.spread', L)}", "", head, rule]
        for o in outcomes:
            name, unit = _outcome_head(o, L)
            cells = [_spread(arr.get((a, o)), o, L) for a in sw.arrangements]
            lines.append(f"| {name}, {unit} | " + " | ".join(cells) + " |")
        lines += ["", t("analysis.spread_caption", L)]
        if "best" in tables:
            lines += ["", f"### {t('analysis.best', L)}", ""]
            lines += [f"- {o}{c}{text}" for o, text in best_sentences(tables["best"], L)]
            lines += ["", t("analysis.best_caption", L)]
        if res.findings:
            lines += [""]
            lines += [f"- {finding_text(f, L)}" for f in res.findings]
        lines += ["", f"_{t('analysis.caveat', L)}_", ""]
        sections.append("\n".join(lines))
    title = f"# {t('analysis.title', lang)}{colon(lang)}{meta['experiment_name']}\n"
    listing = (
        f"\n## {t('analysis.files', lang)}\n\n"
        + "\n".join(f"- `{f}`" for f in sorted(files))
        + "\n"
    )
    return title + "\n" + "\n".join(sections) + listing


def _runs_line(res: Analysis, lang: str) -> str:
    sw, meta = res.sweep, res.sweep.meta
    s = meta.get("summary", {})
    semi = t("analysis.semicolon", lang)
    runs = int(s.get("runs", len(sw.results)))
    failed = int(s.get("failed", 0))
    done = t(
        "analysis.runs_failed",
        lang,
        n=fmt_num(runs, 0, lang),
        count=runs,
        failed=fmt_num(failed, 0, lang),
    )
    return (
        f"{done}{semi}{t('analysis.sampler', lang)} {t(f'analysis.method_{sw.method}', lang)},"
        f" {t('analysis.seed', lang)} {meta['sampler']['seed']}"
    )


_FIGURE_KINDS = (
    ("effect_", "fig_effect"),
    ("heatmap_", "fig_heatmap"),
    ("scatter_", "fig_scatter"),
    ("sobol_", "fig_sobol"),
    ("morris_", "fig_morris"),
    ("series_", "fig_series"),
    ("discovery_prim_", "fig_prim"),
    ("discovery_cart_", "fig_cart"),
)


def _figure_html(d: Path, name: str, lang: str) -> str:
    key = next(k for prefix, k in _FIGURE_KINDS if name.startswith(prefix))
    caption = t(f"analysis.{key}", lang)
    return (
        f"<figure>{img((d / name).read_bytes(), caption)}"
        f"<figcaption>{esc(caption)} <code>{esc(name)}</code></figcaption></figure>"
    )


def _means_html(res: Analysis, lang: str) -> str:
    sw = res.sweep
    arr = _rows(res.tables["arrangements"])
    head = "".join(
        f"<th>{swatch(a, sw.arrangements)}{esc(arrangement_label(a, lang))}</th>"
        for a in sw.arrangements
    )
    rows = []
    for o in res.outcomes:
        name, unit = _outcome_head(o, lang)
        cells = []
        for a in sw.arrangements:
            r = arr.get((a, o))
            m, ci = _cell(r, o, lang)
            spread = t("analysis.points_range", lang, range=_spread(r, o, lang))
            cells.append(
                f'<td class="num" data-arrangement="{esc(a)}" data-outcome="{esc(o)}">'
                f'<span class="m">{esc(m)}</span><span class="ci">{esc(ci)}</span>'
                f'<span class="ci">{esc(spread)}</span></td>'
            )
        rows.append(
            f'<tr><th scope="row">{esc(name)}<span class="unit">{esc(unit)}</span></th>'
            f"{''.join(cells)}</tr>"
        )
    return (
        f'<table class="final" id="means-table"><thead><tr><th>{esc(t("analysis.outcome", lang))}'
        f"</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="caption">{esc(_means_caption(res, lang))}'
        f" {esc(t('analysis.spread_caption', lang))}</p>"
    )


def _best_html(res: Analysis, lang: str) -> str:
    sw, tab = res.sweep, res.tables["best"]
    cells = {(str(r.outcome), str(r.arrangement)): r for r in tab.itertuples()}
    outs = list(dict.fromkeys(str(o) for o in tab["outcome"]))
    head = "".join(f"<th>{esc(_outcome_head(o, lang)[0])}</th>" for o in outs)
    rows = []
    for a in sw.arrangements:
        tds = []
        for o in outs:
            r = cells[(o, a)]
            clear = (
                t("analysis.clear_cell", lang, share=_pct(r.clear_best, lang))
                if r.clear_best > 0
                else ""
            )
            tds.append(
                f'<td class="num" data-arrangement="{esc(a)}" data-outcome="{esc(o)}"'
                f' data-p-best="{float(r.p_best)!r}"><span class="m">{esc(_pct(r.p_best, lang))}'
                f'</span><span class="ci">{esc(clear)}</span></td>'
            )
        rows.append(
            f'<tr><th scope="row">{swatch(a, sw.arrangements)}{esc(arrangement_label(a, lang))}'
            f"</th>{''.join(tds)}</tr>"
        )
    items = "".join(
        f"<li><strong>{esc(o)}</strong>{esc(colon(lang))}{esc(text)}</li>"
        for o, text in best_sentences(tab, lang, probs=False)
    )
    return (
        f'<table class="final" id="best-table"><thead><tr>'
        f"<th>{esc(t('analysis.arrangement', lang))}</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="caption">{esc(t("analysis.best_caption", lang))}</p><ul>{items}</ul>'
    )


def _key_message(res: Analysis, lang: str) -> str:
    """The answer first: which arrangement is best on the headline outcome and how sure that
    is, else what the sweep varied."""
    if "best" in res.tables:
        tab = res.tables["best"]
        headline = (
            "needs_met" if "needs_met" in set(tab["outcome"]) else str(tab["outcome"].iloc[0])
        )
        for o, text in best_sentences(tab[tab["outcome"] == headline], lang):
            return f"<strong>{esc(o)}</strong>{esc(colon(lang))}{esc(text)}"
    tops = [f for f in res.findings if f.kind in ("top", "box")]
    if tops:
        return esc(finding_text(tops[0], lang))
    return esc(_runs_line(res, lang))


#: The report's own layout, on top of the shared page's.
CSS = """
#best-table tbody th { width: 24%; }
#best-table td.num, #means-table td.num { white-space: normal; }
"""


def report_html(res: Analysis, lang: str, d: Path, files: list[str]) -> str:
    """The analysis as one page in ``lang``: the answer, the means and the best arrangement,
    the figures (embedded) with their captions, the findings and the varied parameters."""
    sw, meta = res.sweep, res.sweep.meta
    c = colon(lang)
    sections: list[tuple[str, str, str]] = []
    sections.append(("means", t("analysis.means", lang), _means_html(res, lang)))
    if "best" in res.tables:
        sections.append(("best", t("analysis.best", lang), _best_html(res, lang)))
    groups = (
        ("effects", ("effect_", "heatmap_", "scatter_")),
        ("sensitivity", ("sobol_", "morris_")),
        ("series", ("series_",)),
        ("discovery", ("discovery_",)),
    )
    pngs = [f for f in files if f.endswith(".png")]
    for sid, prefixes in groups:
        chosen = [f for f in pngs if f.startswith(prefixes)]
        body = "".join(_figure_html(d, f, lang) for f in chosen)
        found = [
            f for f in res.findings
            if (sid == "sensitivity" and f.topic in ("sobol", "morris"))
            or (sid == "discovery" and f.topic == "discovery")
        ]  # fmt: skip
        if found:
            body = (
                "<ul>"
                + "".join(f"<li>{esc(finding_text(f, lang))}</li>" for f in found)
                + "</ul>"
                + body
            )
        if body:
            sections.append((sid, t(f"analysis.s_{sid}", lang), body))
    if sw.factors:
        rows = "".join(
            f'<tr><th scope="row">{esc(plabel(f.name, lang))}</th><td><code>{esc(f.name)}</code>'
            f"</td><td>{esc(describe_factor(f, lang))}</td></tr>"
            for f in sw.factors
        )
        sections.append(
            (
                "parameters",
                t("analysis.parameters", lang),
                f'<table class="params"><thead><tr><th>{esc(t("analysis.parameter", lang))}</th>'
                f"<th>{esc(t('analysis.name', lang))}</th><th>{esc(t('analysis.varied', lang))}"
                f"</th></tr></thead><tbody>{rows}</tbody></table>",
            )
        )
    listing = "".join(f"<li><code>{esc(f)}</code></li>" for f in sorted(files))
    sections.append(("files", t("analysis.files", lang), f"<ul>{listing}</ul>"))
    desc = _description(meta, lang)
    arrs = ", ".join(
        f"{swatch(a, sw.arrangements)}{esc(arrangement_label(a, lang))}" for a in sw.arrangements
    )
    header = (
        f'<p class="subtitle">{esc(desc + ". " if desc else "")}{esc(_runs_line(res, lang))}<br>'
        f"{esc(t('analysis.arrangements', lang))}{esc(c)}{arrs}</p>"
    )
    title = f"{t('analysis.title', lang)}{c}{meta['experiment_name']}"
    return page(
        lang,
        title,
        title,
        header,
        sections,
        t("analysis.contents", lang),
        footer=t("analysis.caveat", lang),
        before_nav=summary_box(t("analysis.key_message", lang), _key_message(res, lang)),
        extra_css=CSS,
    )


# -- the analysis --------------------------------------------------------------------------------


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


def write(res: Analysis, lang: str) -> dict[str, pd.DataFrame]:
    """Write ``res`` into its sweep's ``analysis`` folder (replacing a previous analysis);
    return its tables and ``findings`` (columns ``topic``, ``en``, ``fr``: the best arrangement
    on each ranked outcome first, then the sensitivity and discovery findings)."""
    sw = res.sweep
    out = sw.path / "analysis"
    _check_analysis_dir(out)
    tables = dict(res.tables)

    def fill(tmp: Path) -> None:
        files = figures(res, lang, tmp)
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
        text = summary_markdown(res, [*files, "report.html", "summary.md"], lang)
        (tmp / "summary.md").write_text(text, encoding="utf-8")
        files.append("summary.md")
        html_text = report_html(res, lang, tmp, [*files, "report.html"])
        (tmp / "report.html").write_text(html_text, encoding="utf-8")
        files.append("report.html")
        (tmp / "index.json").write_text(json.dumps({"files": sorted(files)}, indent=1))

    write_atomically(out, fill)
    tables["findings"] = pd.concat(
        [best_findings(res), findings_table(res.findings)], ignore_index=True
    )
    return tables


def best_findings(res: Analysis) -> pd.DataFrame:
    """The best arrangement on each ranked outcome as findings (topic ``best``), in every
    language: what ``hlmsim analyze`` prints first."""
    rows: list[list[str]] = []
    if "best" in res.tables:
        per_lang = [
            [
                f"{t('analysis.best_head', L)}, {o}{colon(L)}{text}"
                for o, text in best_sentences(res.tables["best"], L)
            ]
            for L in LANGS
        ]
        rows = [["best", *texts] for texts in zip(*per_lang, strict=True)]
    return pd.DataFrame(rows, columns=["topic", *LANGS])


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
    if lang not in LANGS:
        raise InputError(f"must be {' or '.join(LANGS)} (got {lang!r})", key="--lang")
    sw, outcomes, cond = prepare(sweep_dir, outcome, condition, method)
    _check_analysis_dir(sw.path / "analysis")
    return write(compute(sw, outcomes, cond, method), lang)


__all__ = [
    "analyze",
    "describe_box",
    "describe_condition",
    "describe_factor",
    "finding_text",
    "findings_table",
    "report_html",
    "summary_markdown",
    "write",
]
