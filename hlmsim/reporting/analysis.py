"""``hlmsim analyze``: writes the analysis of a sweep (:mod:`hlmsim.sweep.analysis`) into
``SWEEP_DIR/analysis`` (a temporary sibling folder renamed into place): its CSV tables, PNG
figures and ``summary.md`` (English and French, the chosen language first).

Figures: ``effect_<parameter>.png`` and, with two or more parameters, ``heatmap_<outcome>.png``
(full factorial), else ``scatter_<outcome>.png``; ``sobol_<outcome>.png``,
``morris_<outcome>.png``; ``discovery_prim_<who>.png``, ``discovery_cart_<who>.png``; monthly
series (when the experiment kept some): ``series_<outcome>.png``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arrangements import arrangement_label
from ..errors import InputError
from ..i18n import LANGS, catalogue, t
from ..i18n.formats import MINUS, colon, fmt_pct
from ..outcomes import outcome_label
from ..outdir import write_atomically
from ..sweep import discovery
from ..sweep.analysis import Analysis, Condition, Finding, Sweep, compute, prepare
from ..sweep.experiment import ALL_OUTCOMES
from ..sweep.sampling import Factor
from . import style

# -- words --------------------------------------------------------------------------------------


def label(outcome: str, lang: str) -> str:
    try:
        return outcome_label(outcome, lang)
    except KeyError:
        return outcome


def _local(s: str, lang: str) -> str:
    """A number written the English way (``1,234.5``) with the language's separators."""
    f = catalogue(lang)
    return (
        s.replace(",", "\0")
        .replace(".", f["formats.decimal"])
        .replace("\0", f["formats.thousands"])
    )


def _g(v: Any, lang: str) -> str:
    return _local(f"{float(v):.3g}", lang)


def _fmt(x: float, lang: str) -> str:
    if x is None or not np.isfinite(x):
        return t("analysis.na", lang)
    return _local(f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}", lang)


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
    if not f.dist or f.dist == "uniform":
        return t("analysis.uniform", lang, range=rng)
    return f"{f.dist} {rng}"


def describe_box(box: discovery.Box, lang: str) -> str:
    """``a in [0.1, 0.4], b in {x, y}`` (or "everywhere")."""
    if not box.limits:
        return t("analysis.everywhere", lang)
    parts = []
    for name, lim in box.limits.items():
        if isinstance(lim, (set, frozenset, list, tuple)) and not discovery._is_interval(lim):
            parts.append(f"{name} ∈ {{{', '.join(sorted(map(str, lim)))}}}")
        else:
            lo, hi = lim
            if lo == hi:
                parts.append(f"{name} = {_g(lo, lang)}")
            else:
                parts.append(f"{_g(lo, lang)} ≤ {name} ≤ {_g(hi, lang)}")
    return ", ".join(parts)


def describe_condition(cond: Condition, lang: str) -> str:
    if cond.kind == "best":
        verb = t("analysis.not_best" if cond.negate else "analysis.is_best", lang)
        who = arrangement_label(cond.subject or "", lang)
        return f"{who} {verb} {label(cond.outcome or '', lang)}"
    return cond.text


def finding_text(f: Finding, lang: str) -> str:
    """One finding as a sentence in ``lang``."""
    c, semi = colon(lang), t("analysis.semicolon", lang)
    if f.topic in ("sobol", "morris"):
        head = f"{label(f.outcome, lang)}, {arrangement_label(f.who, lang)}"
        if f.kind == "skipped":
            return f"{f.topic}, {head}{c}{t('analysis.skipped', lang)}{c}{f.error}"
        if f.topic == "sobol":
            items = ", ".join(
                f"{p} (ST {_local(f'{v:.2f}', lang)} ± {_local(f'{h:.2f}', lang)})"
                for p, v, h in f.items
            )
        else:
            items = ", ".join(f"{p} (mu* {_local(f'{v:.3g}', lang)})" for p, v, _ in f.items)
        return f"{f.topic.capitalize()}, {head}{c}{t('analysis.top', lang)}{c}{items}"
    cond = describe_condition(f.condition, lang) if f.condition else ""
    head = f"{t('analysis.discovery', lang)} ({cond}{semi}{arrangement_label(f.who, lang)})"
    if f.kind == "skipped":
        why = t(f"analysis.{f.reason}", lang, n=f.cases, share=_pct(f.share, lang))
        return f"{head}{c}{t('analysis.skipped', lang)}{c}{why}"
    if f.kind == "prim_failed":
        return f"{head}{c}PRIM {t('analysis.skipped', lang)}{c}{f.error}"
    box = f.box
    assert box is not None
    return (
        f"{head}{c}{t('analysis.holds', lang)} {_pct(f.share, lang)}"
        f" {t('analysis.of_cases', lang)}{semi}{box.method.upper()} {t('analysis.box', lang)}{c}"
        f"{describe_box(box, lang)}{semi}{t('analysis.coverage', lang)}"
        f" {_pct(box.coverage, lang)}, {t('analysis.density', lang)} {_pct(box.density, lang)}"
    )


def findings_table(findings: list[Finding]) -> pd.DataFrame:
    """The findings in every language: columns ``topic`` and one per language."""
    rows = [(f.topic, *(finding_text(f, lang) for lang in LANGS)) for f in findings]
    return pd.DataFrame(rows, columns=["topic", *LANGS])


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


def fig_effect(
    eff: pd.DataFrame, f: Factor, outcomes: list[str], order: list[str], lang: str, path: Path
) -> str:
    rows, cols = _grid(len(outcomes))
    fig = style.new_figure(4.2 * cols, 3.3 * rows)
    axes = _axes(fig, rows, cols)
    sub = eff[eff["parameter"] == f.name]
    cats = f.kind in ("choice", "bool")
    for ax, o in zip(axes.flat, outcomes, strict=False):
        _style(ax, lang, x=not cats)
        for a, g in sub[sub["outcome"] == o].groupby("arrangement", sort=False):
            x = np.arange(len(g)) if cats else g["level"].astype(float).to_numpy()
            ax.errorbar(
                x,
                g["mean"],
                yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                marker=style.MARKERS.get(str(a), "o"),
                color=style.colour(str(a), order),
                capsize=3,
                label=arrangement_label(str(a), lang),
            )
            if cats:
                ax.set_xticks(x, g["level"].astype(str))
        ax.set_title(label(o, lang))
        ax.set_xlabel(f.name)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    return _save(fig, path)


def _tick(v: Any, lang: str) -> str:
    return _local(f"{v:g}", lang) if isinstance(v, float) else str(v)


def fig_heatmap(pm: pd.DataFrame, sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    f1, f2 = sw.factors[0], sw.factors[1]
    n = len(sw.arrangements)
    fig = style.new_figure(4.4 * n, 3.8)
    axes = _axes(fig, 1, n)
    for ax, a in zip(axes.flat, sw.arrangements, strict=True):
        g = pm[pm["arrangement"] == a]
        tab = g.groupby([f2.name, f1.name])[outcome].mean().unstack(f1.name)
        im = ax.imshow(tab.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(tab.columns)), [_tick(v, lang) for v in tab.columns], fontsize=8)
        ax.set_yticks(range(len(tab.index)), [_tick(v, lang) for v in tab.index], fontsize=8)
        ax.set_xlabel(f1.name)
        ax.set_ylabel(f2.name)
        ax.set_title(arrangement_label(a, lang))
        bar = fig.colorbar(im, ax=ax, shrink=0.8)
        bar.ax.yaxis.set_major_formatter(style.axis_formatter(lang))
    fig.suptitle(label(outcome, lang), fontsize=11)
    return _save(fig, path)


def fig_scatter(pm: pd.DataFrame, sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    factors = sw.factors[:12]
    rows, cols = _grid(len(factors), 4)
    fig = style.new_figure(3.6 * cols, 3.0 * rows)
    axes = _axes(fig, rows, cols)
    for ax, f in zip(axes.flat, factors, strict=False):
        cats_kind = f.kind in ("choice", "bool")
        _style(ax, lang, x=not cats_kind)
        for a in sw.arrangements:
            g = pm[pm["arrangement"] == a]
            x = g[f.name]
            if cats_kind:
                cats = sorted(x.astype(str).unique())
                x = x.astype(str).map({c: i for i, c in enumerate(cats)})
                ax.set_xticks(range(len(cats)), cats, fontsize=7)
            ax.scatter(
                x,
                g[outcome],
                s=6,
                alpha=0.5,
                color=style.colour(a, sw.arrangements),
                label=arrangement_label(a, lang),
            )
        ax.set_xlabel(f.name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(factors) :]:
        ax.set_visible(False)
    if len(sw.arrangements) > 1:
        axes.flat[0].legend(fontsize=7, markerscale=2)
    fig.suptitle(f"{label(outcome, lang)} ({t('analysis.mean_point', lang)})", fontsize=11)
    return _save(fig, path)


def fig_sobol(
    tab: pd.DataFrame, outcome: str, arrangements: list[str], lang: str, path: Path
) -> str:
    n = len(arrangements)
    d = tab["parameter"].nunique()
    fig = style.new_figure(5.5 * n, 0.45 * d + 1.8)
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
        ax.set_yticks(y, g["parameter"], fontsize=8)
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
    for ax, a in zip(axes.flat, arrangements, strict=True):
        _style(ax, lang)
        g = tab[(tab["arrangement"] == a) & (tab["outcome"] == outcome)]
        ax.errorbar(
            g["mu_star"], g["sigma"], xerr=g["mu_star_conf"], fmt="o", capsize=2,
            color=style.colour(a, arrangements),
        )  # fmt: skip
        for _, r in g.nlargest(10, "mu_star").iterrows():  # the ten most influential
            ax.annotate(
                r["parameter"],
                (r["mu_star"], r["sigma"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
            )
        ax.set_xlabel("mu*")
        ax.set_ylabel("sigma")
        ax.set_title(arrangement_label(a, lang))
    fig.suptitle(f"{t('analysis.morris', lang)}{colon(lang)}{label(outcome, lang)}", fontsize=11)
    return _save(fig, path)


#: Cases where the condition holds / does not hold, in the discovery figures.
IN_BOX, OUT_OF_BOX = style.COLOURS["omh_worker"], "#d9d9d9"


def fig_prim(box: discovery.Box, x: pd.DataFrame, y: np.ndarray, lang: str, path: Path) -> str:
    from matplotlib.patches import Rectangle

    traj = box.extra["trajectory"]
    fig = style.new_figure(10, 4.2)
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
        ax.set_xlabel(dims[0])
        ax.set_ylabel(dims[1])
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
        ax.set_xlabel(dims[0])
        ax.legend(fontsize=8)
    else:
        ax.set_visible(False)
    fig.suptitle(f"PRIM{colon(lang)}{describe_box(box, lang)}", fontsize=9)
    return _save(fig, path)


def fig_cart(tree: Any, features: list[str], lang: str, path: Path) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import plot_tree

    fig = style.new_figure(12, 6)
    FigureCanvasAgg(fig)  # plot_tree measures text
    ax = fig.subplots()
    notes = plot_tree(
        tree,
        feature_names=features,
        class_names=[t("analysis.not_in_box", lang), t("analysis.in_box", lang)],
        filled=True,
        impurity=False,
        proportion=False,
        fontsize=7,
        ax=ax,
    )
    for note in notes:  # scikit-learn's words and numbers, in the reader's language
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


def fig_series(sw: Sweep, outcome: str, lang: str, path: Path) -> str:
    s = sw.series
    assert s is not None
    s = s.merge(sw.design[["sample_id", *sw.names]], on="sample_id", how="left")
    n = len(sw.arrangements)
    fig = style.new_figure(5 * n, 3.8)
    axes = _axes(fig, 1, n, sharey=True)
    few = sw.method == "factorial" and 1 < len(sw.design) <= 12 and sw.names
    for ax, a in zip(axes.flat, sw.arrangements, strict=True):
        _style(ax, lang)
        g = s[s["arrangement"] == a]
        if few:
            for sid, gg in g.groupby("sample_id"):
                m = gg.groupby("month")[outcome].mean()
                pt = sw.design.set_index("sample_id").loc[sid, sw.names]
                name = ", ".join(f"{k}={_tick(v, lang)}" for k, v in pt.items())
                ax.plot(m.index, m.to_numpy(), label=name, lw=1.2)
            ax.legend(fontsize=6)
        else:
            colour = style.colour(a, sw.arrangements)
            q = g.groupby("month")[outcome].quantile([0.1, 0.5, 0.9]).unstack()
            ax.fill_between(q.index, q[0.1], q[0.9], alpha=0.3, color=colour)
            ax.plot(q.index, q[0.5], lw=1.2, color=colour)
        ax.set_title(arrangement_label(a, lang))
        ax.set_xlabel(t("analysis.month", lang))
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


# -- summary.md ----------------------------------------------------------------------------------


def summary_markdown(res: Analysis, files: list[str], lang: str) -> str:
    """A short bilingual summary (the chosen language first)."""
    sw, outcomes, tables = res.sweep, res.outcomes, res.tables
    meta = sw.meta
    s = meta.get("summary", {})
    sections = []
    for L in [lang, *(x for x in LANGS if x != lang)]:
        c, semi = colon(L), t("analysis.semicolon", L)
        desc = meta["experiment"].get("description") or ""
        lines = [f"## {t('meta.name', L)}", ""]
        lines.append(
            f"- {t('analysis.experiment', L)}{c}`{meta['experiment_name']}`"
            + (f" ({desc})" if desc else "")
        )
        lines.append(
            f"- {s.get('runs', len(sw.results))} {t('analysis.runs', L)}, {s.get('failed', 0)}"
            f" {t('analysis.failed', L)}{semi}{t('analysis.sampler', L)}"
            f" {t(f'analysis.method_{sw.method}', L)}, {t('analysis.seed', L)}"
            f" {meta['sampler']['seed']}"
        )
        lines.append(
            f"- {t('analysis.arrangements', L)}{c}"
            + ", ".join(arrangement_label(a, L) for a in sw.arrangements)
        )
        if sw.factors:
            lines.append(
                f"- {t('analysis.parameters', L)}{c}"
                + semi.join(f"`{f.name}` {describe_factor(f, L)}" for f in sw.factors)
            )
        lines += ["", f"### {t('analysis.means', L)}", ""]
        head = (
            f"| {t('analysis.outcome', L)} | "
            + " | ".join(arrangement_label(a, L) for a in sw.arrangements)
            + " |"
        )
        lines += [head, "|" + " --- |" * (len(sw.arrangements) + 1)]
        arr = tables["arrangements"]
        sep = t("analysis.interval", L, lo="{lo}", hi="{hi}")
        for o in outcomes:
            cells = []
            for a in sw.arrangements:
                r = arr[(arr["arrangement"] == a) & (arr["outcome"] == o)]
                if len(r):
                    r0 = r.iloc[0]
                    ci = sep.format(lo=_fmt(r0["ci_low"], L), hi=_fmt(r0["ci_high"], L))
                    cells.append(f"{_fmt(r0['mean'], L)} {ci}")
                else:
                    cells.append(t("analysis.na", L))
            lines.append(f"| {label(o, L)} | " + " | ".join(cells) + " |")
        if "best" in tables:
            lines += ["", f"### {t('analysis.best', L)}", ""]
            for o, g in tables["best"].groupby("outcome", sort=False):
                parts = ", ".join(
                    f"{arrangement_label(r.arrangement, L)} {_pct(r.share_best, L)}"
                    for r in g.itertuples()
                )
                lines.append(f"- {label(str(o), L)}{c}{parts}")
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
    return its tables and ``findings`` (columns ``topic``, ``en``, ``fr``)."""
    sw = res.sweep
    out = sw.path / "analysis"
    _check_analysis_dir(out)
    tables = dict(res.tables)

    def fill(tmp: Path) -> None:
        files = figures(res, lang, tmp)
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
        text = summary_markdown(res, files, lang)
        (tmp / "summary.md").write_text(text, encoding="utf-8")
        files.append("summary.md")
        (tmp / "index.json").write_text(json.dumps({"files": sorted(files)}, indent=1))

    write_atomically(out, fill)
    tables["findings"] = findings_table(res.findings)
    return tables


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
    "summary_markdown",
    "write",
]
