"""The comparison report: one self-contained HTML page, in English or French, and the files of a
comparison.

``write_compare(result, out, lang)`` writes a comparison's folder atomically (its CSV, parquet
and JSON files, ``report.html`` and ``figures/``); ``write_report(result, out_dir, lang)`` writes
only ``report.html`` (figures embedded as base64 PNG, CSS inline, no external resource: readable
offline and printable) and the same figures as PNG files in ``figures/``. Every text comes from
the catalogue's ``[report]`` section; outcome labels and units from :mod:`hlmsim.outcomes`,
values from :mod:`hlmsim.reporting.values`, the page from :mod:`hlmsim.reporting.html`, the
figures' style from :mod:`hlmsim.reporting.style`.
"""

from __future__ import annotations

import math
import os
import shlex
import textwrap
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arrangements import arrangement_description, arrangement_label
from ..compare import CompareResult, arrangement_scenarios, set_means
from ..errors import InputError
from ..i18n import DEFAULT_LANG, check_lang, pick, t
from ..i18n.formats import (
    DASH,
    MINUS,
    count,
    fmt_money,
    fmt_num,
    fmt_pct,
    fmt_range,
    label_value,
    round_sig,
)
from ..i18n.formats import finite as _finite
from ..outcomes import KEY_OUTCOMES, outcome_label
from ..outdir import check_out_dir, write_atomically
from ..params import Params, Scenario, field_meta
from ..replication import FORK_WARNING, mean_ci, mp_context
from ..run import write_json
from ..scenario import milieu_params, validate
from . import transitions
from .answer import _mark as answer_mark
from .answer import (
    answer_sentences,
    final_window,
    not_costed,
    summary_table,
    targets_sentence,
    worlds_section,
    worlds_word,
)
from .html import esc as _e
from .html import img, page, summary_box, swatch
from .style import MARKERS, axis_formatter, colour, new_figure, png, rc, style_axes
from .targets import EXTRA_CSS as TARGETS_CSS
from .targets import compact_table, targets_table
from .targets import summary_html as targets_summary_html
from .values import (
    display_unit,
    fmt_value,
    is_assumption,
    param_label,
    param_unit,
    param_value,
    series_unit,
    short_unit,
    source_text,
    value_scale,
)

__all__ = [
    "COMPARE_FILES",
    "FIGURES",
    "MINUS",
    "check_compare_dir",
    "fmt_money",
    "fmt_num",
    "fmt_pct",
    "fmt_range",
    "round_sig",
    "summary_text",
    "write_compare",
    "write_report",
]

#: The report's figures: key -> file name in ``figures/``.
FIGURES: dict[str, str] = {
    "series": "timeseries.png",
    "differences": "differences.png",
    "cost": "cost_effect.png",
    "transitions": "transitions.png",  # only when the comparison holds a switch
}
#: Outcomes drawn over time (needs met as a 12-month moving average).
SERIES: tuple[str, ...] = (
    "needs_met",
    "needs_unmet",
    "reached",
    "engagement",
    "security",
    "health_network_image",
    "trust_worker",
    "inter_org_trust",
)


def rt(key: str, lang: str, **values: Any) -> str:
    """A text of the comparison report (the catalogue's ``[report]`` section)."""
    return t(f"report.{key}", lang, **values)


# --- figures ---------------------------------------------------------------------------------


def series_matrices(
    runs: pd.DataFrame, arrangement: str, names: Sequence[str]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Months (ascending) and, for each of ``names``, the (replications, months) matrix of one
    arrangement's monthly series (replications ascending; NaN where a month is missing)."""
    g = runs[runs["arrangement"] == arrangement]
    rep = g["replication"].to_numpy()
    month = g["month"].to_numpy()
    order = np.lexsort((month, rep))
    reps, months = np.unique(rep), np.unique(month)
    R, T = len(reps), len(months)
    grid = len(g) == R * T and np.array_equal(rep[order], np.repeat(reps, T))
    if grid and np.array_equal(month[order], np.tile(months, R)):
        # a full grid (as the engine makes it): every replication has every month once
        return months, {n: g[n].to_numpy(dtype=float)[order].reshape(R, T) for n in names}
    wide = g.pivot(index="replication", columns="month", values=list(names)).sort_index(axis=1)
    return months, {n: wide[n].to_numpy(dtype=float) for n in names}


def bands(
    months: np.ndarray, x: np.ndarray, window: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Months, mean, 2.5th and 97.5th percentiles across the rows of ``x`` (replications by
    months), of a trailing ``window``-month moving average first (from month ``window``)."""
    window = max(1, min(window, x.shape[1]))
    if window > 1:
        c = np.cumsum(np.nan_to_num(x), axis=1)
        c = np.concatenate([np.zeros((len(x), 1)), c], axis=1)
        x = (c[:, window:] - c[:, :-window]) / window
        months = months[window - 1 :]
    with warnings.catch_warnings():  # months where every replication is NaN stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=0)
        if np.isnan(x).any():
            lo, hi = np.nanpercentile(x, [2.5, 97.5], axis=0)
        else:  # the same numbers, without a 1-D pass per month
            lo, hi = np.percentile(x, [2.5, 97.5], axis=0)
    return months, mean, lo, hi


def series_bands(
    runs: pd.DataFrame, arrangement: str, name: str, window: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Months, mean, 2.5th and 97.5th percentiles across replications of one outcome's monthly
    series (a trailing ``window``-month moving average first, from month ``window``)."""
    months, x = series_matrices(runs, arrangement, [name])
    return bands(months, x[name], window)


def figure_series(result: CompareResult, lang: str) -> bytes:
    """Key outcomes month by month: mean and 95% band across replications per arrangement."""
    import matplotlib as mpl
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    order = result.arrangements
    ref = result.reference
    with mpl.rc_context(rc()):
        fig = new_figure(11, 12.5)
        axes = fig.subplots(4, 2, sharex=True)
        horizon = int(result.runs["month"].max())
        matrices = {a: series_matrices(result.runs, a, SERIES) for a in order}
        for ax, name in zip(axes.flat, SERIES, strict=False):
            scale = value_scale(name)
            window = 12 if name == "needs_met" else 1
            for a in order:
                months, mean, lo, hi = bands(matrices[a][0], matrices[a][1][name], window)
                c = colour(a, order)
                ax.fill_between(months, lo * scale, hi * scale, color=c, alpha=0.13, linewidth=0)
                ax.plot(
                    months,
                    mean * scale,
                    color=c,
                    linewidth=2.0,
                    linestyle="--" if a == ref else "-",
                    label=arrangement_label(a, lang),
                )
            title = rt("needs_met_ma", lang) if name == "needs_met" else outcome_label(name, lang)
            ax.set_title("\n".join(textwrap.wrap(title, 62)), loc="left", fontweight="bold")
            ax.set_ylabel(series_unit(name, lang))
            ax.yaxis.set_major_formatter(axis_formatter(lang))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            if horizon >= 36:
                ax.xaxis.set_major_locator(MultipleLocator(12 if horizon <= 180 else 24))
            style_axes(ax)
        for ax in axes[-1]:
            ax.set_xlabel(rt("month", lang))
            ax.set_xlim(1, horizon)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        labels = [
            f"{lab} ({rt('reference', lang)})" if a == ref else lab
            for a, lab in zip(order, labels, strict=True)
        ]
        fig.legend(handles, labels, loc="outside upper center", ncol=3, frameon=False)
        return png(fig)


def figure_differences(result: CompareResult, lang: str) -> bytes:
    """Forest plot: paired differences from the reference with 95% CIs, one panel per key
    outcome, one row per arrangement."""
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    order = [a for a in result.arrangements if a != result.reference]
    diffs = result.differences
    names = list(KEY_OUTCOMES)
    ncols = 4
    nrows = math.ceil(len(names) / ncols)
    with mpl.rc_context(rc()):
        fig = new_figure(11, 0.6 + nrows * (1.1 + 0.32 * len(order)))
        axes = np.atleast_2d(fig.subplots(nrows, ncols))
        for k, ax in enumerate(axes.flat):
            if k >= len(names):
                ax.set_visible(False)
                continue
            name = names[k]
            scale = value_scale(name)
            d = diffs[diffs["outcome"] == name].set_index("arrangement")
            biggest = np.nanmax(np.abs(d[["mean_diff", "ci_low", "ci_high"]].to_numpy(float)))
            kilo = bool(_finite(biggest) and biggest * scale >= 10_000)
            scale = scale / 1000 if kilo else scale
            xs: list[float] = [0.0]
            for j, a in enumerate(order):
                if a not in d.index:
                    continue
                m, lo, hi = (float(d.loc[a, c]) * scale for c in ("mean_diff", "ci_low", "ci_high"))
                y = len(order) - 1 - j
                c = colour(a, order + [result.reference])
                if not _finite(m):
                    continue
                xs.append(m)
                if _finite(lo) and _finite(hi):
                    xs += [lo, hi]
                    ax.plot([lo, hi], [y, y], color=c, linewidth=2.2, solid_capstyle="butt")
                ax.plot(
                    [m],
                    [y],
                    marker=MARKERS.get(a, "o"),
                    color=c,
                    markersize=6.5,
                    linestyle="none",
                    markeredgecolor="white",
                    markeredgewidth=0.6,
                )
            lo_x, hi_x = min(xs), max(xs)
            pad = (hi_x - lo_x) * 0.12 or 1.0
            ax.set_xlim(lo_x - pad, hi_x + pad)
            ax.axvline(0, color="#444444", linewidth=0.9)
            ax.set_ylim(-0.7, len(order) - 0.3)
            ax.set_yticks([])
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.xaxis.set_major_formatter(axis_formatter(lang))
            ax.set_title(
                "\n".join(textwrap.wrap(outcome_label(name, lang), 30)),
                loc="left",
                fontsize=9.5,
                fontweight="bold",
            )
            direction = KEY_OUTCOMES[name]
            arrow = {1: f" · {rt('better', lang)} →", -1: f" · ← {rt('better', lang)}"}.get(
                direction, ""
            )
            ax.set_xlabel(f"{short_unit(name, lang, kilo)}{arrow}", fontsize=8.5)
            style_axes(ax)
            ax.grid(False, axis="y")
        handles = [
            Line2D(
                [],
                [],
                color=colour(a, order),
                marker=MARKERS.get(a, "o"),
                linewidth=2.2,
                markersize=7,
                label=arrangement_label(a, lang),
            )
            for a in order
        ]
        ref = arrangement_label(result.reference, lang)
        fig.suptitle(
            label_value(rt("s_diff", lang), ref, lang),
            fontsize=11,
            fontweight="bold",
        )
        wide = sum(len(h.get_label()) for h in handles) > 85
        ncol = min(2 if wide else 4, len(order))
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)
        return png(fig)


def figure_cost(result: CompareResult, lang: str) -> bytes:
    """Annual cost against needs met per year (final year), with 95% CIs, per arrangement."""
    import matplotlib as mpl

    order = result.arrangements
    s = result.summary.set_index(["arrangement", "outcome"])
    with mpl.rc_context(rc()):
        fig = new_figure(9, 5.6)
        ax = fig.subplots()
        for a in order:
            x, xlo, xhi = (float(s.loc[(a, "needs_met"), c]) for c in ("mean", "ci_low", "ci_high"))
            y, ylo, yhi = (
                float(s.loc[(a, "cost"), c]) / 1000 for c in ("mean", "ci_low", "ci_high")
            )
            xerr = [[x - xlo], [xhi - x]] if _finite(xlo) else None
            yerr = [[y - ylo], [yhi - y]] if _finite(ylo) else None
            label = arrangement_label(a, lang)
            if a == result.reference:
                label += f" ({rt('reference', lang)})"
            ax.errorbar(
                x,
                y,
                xerr=xerr,
                yerr=yerr,
                fmt=MARKERS.get(a, "o"),
                color=colour(a, order),
                markersize=9,
                capsize=4,
                elinewidth=1.6,
                markeredgecolor="white",
                label=label,
            )
        ax.set_xlabel(rt("cost_x", lang))
        ax.set_ylabel(rt("cost_y", lang))
        ax.xaxis.set_major_formatter(axis_formatter(lang, 0))
        ax.yaxis.set_major_formatter(axis_formatter(lang, 0))
        ax.margins(0.12)
        style_axes(ax)
        ax.legend(loc="upper left", frameon=True, framealpha=0.9, edgecolor="#cccccc")
        return png(fig)


def make_figures(result: CompareResult, lang: str) -> dict[str, bytes]:
    """The report's figures as PNG bytes, by key of :data:`FIGURES`."""
    return _Figures(result, lang).get()


def _series_png(result: CompareResult, lang: str) -> bytes:
    """The time-series figure (in a child process: see :class:`_Figures`)."""
    return figure_series(result, lang)


class _Figures:
    """The report's figures. The time series, the longest to draw, is drawn in a forked child
    process from the moment this is made, while this process writes the data files and draws
    the two others (the same PNG bytes: only the wall-clock time changes); in this process
    alone where no process can be forked, or on a single core."""

    def __init__(self, result: CompareResult, lang: str) -> None:
        self.result, self.lang = result, lang
        self.pool: Any = None
        self.series: Any = None
        if (os.cpu_count() or 1) < 2 or mp_context().get_start_method() != "fork":
            return
        # what the figure reads, not the finals, summary, targets or scenario
        slim = CompareResult(
            result.runs,
            result.finals.iloc[:0],
            result.summary.iloc[:0],
            result.differences.iloc[:0],
            {k: result.metadata[k] for k in ("arrangements", "reference")},
        )
        try:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=mp_context())
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=FORK_WARNING)
                self.series = self.pool.submit(_series_png, slim, lang)
        except OSError:  # no process to be had: draw it here
            self.close()

    def close(self, wait: bool = False) -> None:
        """Stop the child process (``wait``: once it has ended; else it ends on its own)."""
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)
            self.pool = None

    def get(self) -> dict[str, bytes]:
        """The three figures (the time series waited for)."""
        try:
            others = {
                "differences": figure_differences(self.result, self.lang),
                "cost": figure_cost(self.result, self.lang),
            }
            if transitions.has_transitions(self.result):
                others["transitions"] = transitions.figure(self.result, self.lang)
            if self.series is None:
                series = figure_series(self.result, self.lang)
            else:
                series = self.series.result()
                self.close(wait=True)  # its work done: the child ends at once
        finally:
            self.close()
        return {"series": series, **others}


# --- the plain-language summary -------------------------------------------------------------


def _paired(finals: pd.DataFrame, a: str, b: str, name: str) -> np.ndarray:
    """``a`` minus ``b``, parameter set by parameter set (each set's seeds averaged; without
    an ensemble, replication by replication)."""
    finals = set_means(finals)
    fa = finals[finals["arrangement"] == a].set_index("replication")[name]
    fb = finals[finals["arrangement"] == b].set_index("replication")[name]
    idx = fa.index.intersection(fb.index)
    return (fa.loc[idx] - fb.loc[idx]).to_numpy(dtype=float)


def summary_sentences(result: CompareResult, lang: str, strong: Callable[[str], str]) -> list[str]:
    """The plain-language summary, sentence by sentence, generated from the numbers.
    ``strong`` marks an arrangement's name (e.g. bold in HTML)."""
    s = result.summary.set_index(["arrangement", "outcome"])
    ref = result.reference
    n = result.replications
    a0, a1 = final_window(result)

    def mean(a: str, name: str) -> float:
        return float(s.loc[(a, name), "mean"])

    ranked = sorted(
        result.arrangements, key=lambda a: -np.nan_to_num(mean(a, "needs_met"), nan=-1e18)
    )
    best = ranked[0]

    def name(a: str) -> str:  # French quotes the labels, which have no article
        return rt("arrangement_name", lang, label=strong(arrangement_label(a, lang)))

    lab = {a: name(a) for a in result.arrangements}
    worlds = worlds_word(result, lang)
    ens = result.metadata.get("ensemble")
    caveat = rt("p_caveat_ensemble", lang, n=ens["sets"]) if ens else rt("p_caveat", lang, n=n)
    out: list[str] = []
    m_best = fmt_num(mean(best, "needs_met"), 0, lang)
    n_best = round(np.nan_to_num(mean(best, "needs_met")))
    if best == ref:
        out.append(rt("p_best_is_ref", lang, ref=lab[ref], m=m_best, a=a0, b=a1, count=n_best))
        second = ranked[1] if len(ranked) > 1 else None
        if second is not None:
            dm, dlo, dhi, _ = mean_ci(_paired(result.finals, ref, second, "needs_met"))
            out.append(
                rt(
                    "p_second",
                    lang,
                    second=lab[second],
                    d=fmt_num(dm, 0, lang),
                    count=round(dm) if _finite(dm) else 0,
                    lo=fmt_num(dlo, 0, lang),
                    hi=fmt_num(dhi, 0, lang),
                    verdict=rt("p_clear" if _finite(dlo) and dlo > 0 else "p_unclear", lang),
                )
            )
        out.append(caveat)
        return out

    d = _paired(result.finals, best, ref, "needs_met")
    dm, dlo, dhi, _ = mean_ci(d)
    ref_mean = mean(ref, "needs_met")
    pct = fmt_pct(dm / ref_mean, lang, 0, sign=True) if ref_mean > 0 else DASH
    out.append(
        rt(
            "p_best",
            lang,
            best=lab[best],
            m=m_best,
            count=n_best,
            a=a0,
            b=a1,
            d=fmt_num(dm, 0, lang),
            ref=lab[ref],
            pct=pct,
            lo=fmt_num(dlo, 0, lang),
            hi=fmt_num(dhi, 0, lang),
        )
    )
    cost = mean(best, "cost")
    if _finite(cost) and cost > 0:
        sentence = rt(
            "p_cost",
            lang,
            cost=fmt_money(round_sig(cost), lang),
            cpn=fmt_money(round_sig(mean(best, "cost_per_need_met")), lang),
        )
        dcost = cost - mean(ref, "cost")
        if _finite(dm) and dm > 0 and dcost > 0:
            icer = fmt_money(round_sig(dcost / dm), lang)
            sentence += rt("p_icer", lang, icer=icer, ref=lab[ref])
        out.append(sentence + ".")
    else:
        out.append(rt("p_free", lang) + ".")
    sets = set_means(result.finals)
    tm, tlo, thi, _ = mean_ci(
        sets.loc[sets["arrangement"] == best, "time_to_maturity"].to_numpy(dtype=float)
    )
    if _finite(tm):
        out.append(
            rt(
                "p_maturity",
                lang,
                t=fmt_num(tm, 0, lang),
                y=_years(tm / 12, lang),
                lo=fmt_num(tlo, 0, lang),
                hi=fmt_num(thi, 0, lang),
            )
        )
    wins = int(np.sum(d > 0))
    out.append(rt("p_wins", lang, ref=lab[ref], k=wins, n=int(np.sum(~np.isnan(d))), worlds=worlds))
    second = ranked[1]
    if second != ref:
        d2 = _paired(result.finals, best, second, "needs_met")
        m2, lo2, hi2, _ = mean_ci(d2)
        out.append(
            rt(
                "p_second",
                lang,
                second=lab[second],
                d=fmt_num(m2, 0, lang),
                count=round(m2) if _finite(m2) else 0,
                lo=fmt_num(lo2, 0, lang),
                hi=fmt_num(hi2, 0, lang),
                verdict=rt("p_clear" if _finite(lo2) and lo2 > 0 else "p_unclear", lang),
            )
        )
    low = min(result.arrangements, key=lambda a: np.nan_to_num(mean(a, "needs_unmet"), nan=1e18))
    if low != ref:
        um, ulo, uhi, _ = mean_ci(-_paired(result.finals, low, ref, "needs_unmet"))
        out.append(
            rt(
                "p_unmet",
                lang,
                low=lab[low],
                m=fmt_num(mean(low, "needs_unmet"), 0, lang),
                count=round(np.nan_to_num(mean(low, "needs_unmet"))),
                d=fmt_num(um, 0, lang),
                ref=lab[ref],
                lo=fmt_num(ulo, 0, lang),
                hi=fmt_num(uhi, 0, lang),
            )
        )
    if result.targets is not None:
        out.append(targets_sentence(result, lang))
    out.append(caveat)
    return out


def _years(x: float, lang: str) -> str:
    """``1.9 years`` or ``1,9 an`` (French keeps the singular below 2)."""
    return count(x, "common.years", lang, 1)


def summary_text(result: CompareResult, lang: str = "en") -> str:
    """The plain-language summary as plain text (for the command line)."""
    return " ".join(summary_sentences(result, lang, lambda x: x))


# --- HTML ------------------------------------------------------------------------------------


def _arrangement_header(a: str, result: CompareResult, lang: str) -> str:
    ref = f' <span class="unit">({rt("reference", lang)})</span>' if a == result.reference else ""
    cls = ' class="ref"' if a == result.reference else ""
    return f"<th{cls}>{swatch(a, result.arrangements)}{_e(arrangement_label(a, lang))}{ref}</th>"


def _outcome_header(name: str, lang: str, diff: bool = False) -> str:
    arrow = {1: "↑", -1: "↓"}.get(KEY_OUTCOMES[name], "")
    return (
        f'<th scope="row">{_e(outcome_label(name, lang))}\u00a0<span class="dir">{arrow}</span>'
        f'<span class="unit">{_e(display_unit(name, lang, diff))}</span></th>'
    )


def final_table(result: CompareResult, lang: str) -> str:
    """Final-year means and 95% CIs: one row per key outcome, one column per arrangement."""
    s = result.summary.set_index(["arrangement", "outcome"])
    head = "".join(_arrangement_header(a, result, lang) for a in result.arrangements)
    rows = []
    for name in KEY_OUTCOMES:
        cells = []
        for a in result.arrangements:
            r = s.loc[(a, name)]
            ci = fmt_range(
                fmt_value(name, r["ci_low"], lang), fmt_value(name, r["ci_high"], lang), lang
            )
            cells.append(
                f'<td class="num" data-arrangement="{_e(a)}" data-outcome="{_e(name)}"'
                f' data-mean="{float(r["mean"])!r}" data-ci-low="{float(r["ci_low"])!r}"'
                f' data-ci-high="{float(r["ci_high"])!r}"><span class="m">'
                f"{_e(fmt_value(name, r['mean'], lang))}</span>"
                f'<span class="ci">{_e(ci)}</span></td>'
            )
        rows.append(f"<tr>{_outcome_header(name, lang)}{''.join(cells)}</tr>")
    return (
        f'<table class="final" id="final-table"><thead><tr><th>{_e(rt("outcome", lang))}</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def differences_table(result: CompareResult, lang: str) -> str:
    """Paired differences from the reference with 95% CIs, ▲/▼/○ by direction."""
    d = result.differences.set_index(["arrangement", "outcome"])
    others = [a for a in result.arrangements if a != result.reference]
    head = "".join(_arrangement_header(a, result, lang) for a in others)
    rows = []
    for name in KEY_OUTCOMES:
        cells = []
        for a in others:
            r = d.loc[(a, name)]
            m, lo, hi = float(r["mean_diff"]), float(r["ci_low"]), float(r["ci_high"])
            cls, mark = answer_mark(result, a, name)
            ci = fmt_range(fmt_value(name, lo, lang, True), fmt_value(name, hi, lang, True), lang)
            cells.append(
                f'<td class="num {cls}" data-arrangement="{_e(a)}" data-outcome="{_e(name)}"'
                f' data-mean-diff="{m!r}"><span class="m">{mark} '
                f'{_e(fmt_value(name, m, lang, True))}</span><span class="ci">{_e(ci)}</span></td>'
            )
        rows.append(f"<tr>{_outcome_header(name, lang, True)}{''.join(cells)}</tr>")
    return (
        f'<table class="diff" id="diff-table"><thead><tr><th>{_e(rt("outcome", lang))}</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def cost_table(result: CompareResult, lang: str) -> str:
    s = result.summary.set_index(["arrangement", "outcome"])
    ref = result.reference
    cols = ("arrangement", "cost_year", "needs_year", "cost_per_need", "icer")
    head = "".join(f"<th>{_e(rt(c, lang))}</th>" for c in cols)
    rows = []
    for a in result.arrangements:
        cost, need = float(s.loc[(a, "cost"), "mean"]), float(s.loc[(a, "needs_met"), "mean"])
        dcost = cost - float(s.loc[(ref, "cost"), "mean"])
        dneed = need - float(s.loc[(ref, "needs_met"), "mean"])
        icer = fmt_money(dcost / dneed, lang) if a != ref and dneed > 0 else DASH
        cls = ' class="ref"' if a == ref else ""
        cpn = fmt_money(s.loc[(a, "cost_per_need_met"), "mean"], lang)
        shown = fmt_money(cost, lang)
        if not_costed(result, a):
            shown, cpn = rt("not_costed", lang), DASH
        rows.append(
            f"<tr{cls}><td>{swatch(a, result.arrangements)}{_e(arrangement_label(a, lang))}</td>"
            f'<td class="num">{_e(shown)}</td>'
            f'<td class="num">{_e(fmt_num(need, 0, lang))}</td>'
            f'<td class="num">{_e(cpn)}</td>'
            f'<td class="num">{_e(icer)}</td></tr>'
        )
    return (
        f'<table class="cost"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def base_scenario(result: CompareResult) -> Scenario | None:
    """The comparison's base scenario (kept on the result, or rebuilt from its metadata)."""
    if result.scenario is not None:
        return result.scenario
    data = result.metadata.get("scenario")
    if not isinstance(data, dict):
        return None
    try:
        return validate({k: v for k, v in data.items() if k != "resolved_params"})
    except Exception:  # noqa: BLE001 - an unreadable scenario only drops the assumptions table
        return None


def differing_params(
    base: Scenario, arrangements: Sequence[str]
) -> list[tuple[str, dict[str, list[Any]]]]:
    """Parameters whose resolved value differs between the arrangements' scenarios: name, and
    per arrangement the distinct values over its milieux."""
    scenarios = arrangement_scenarios(base, list(arrangements))
    values = {
        a: [milieu_params(s, i).model_dump() for i in range(len(s.milieux))]
        for a, s in scenarios.items()
    }
    out = []
    for name in Params.model_fields:
        per = {a: [v[name] for v in vals] for a, vals in values.items()}
        lists = list(per.values())
        if any(x != lists[0] for x in lists[1:]):
            out.append((name, {a: list(dict.fromkeys(v)) for a, v in per.items()}))
    return out


def assumptions_section(result: CompareResult, lang: str) -> str:
    base = base_scenario(result)
    parts = [f"<p>{_e(rt('assumptions_intro', lang))}</p>"]
    here = assumed_here = 0
    if base is not None:
        rows = []
        for name, per in differing_params(base, result.arrangements):
            meta = field_meta(name)
            label = param_label(meta, lang)
            here += 1
            assumed_here += is_assumption(meta["source"])
            cells = []
            for a in result.arrangements:
                vals = per[a]
                text = " / ".join(param_value(v, lang) for v in vals)
                if any(isinstance(v, str) for v in vals):  # a category's code name
                    text = f"<code>{_e(text)}</code>"
                else:
                    text = _e(text)
                title = f' title="{_e(rt("varies", lang))}"' if len(vals) > 1 else ""
                cells.append(f'<td class="num"{title}>{text}</td>')
            rows.append(
                f'<tr><th scope="row"><code>{_e(name)}</code><span class="unit">{_e(label)}'
                f"</span></th>{''.join(cells)}<td>{_e(param_unit(meta, lang))}</td>"
                f"<td>{_e(source_text(meta, lang))}</td></tr>"
            )
        if rows:
            head = "".join(_arrangement_header(a, result, lang) for a in result.arrangements)
            parts.append(
                f'<table class="params"><thead><tr><th>{_e(rt("parameter", lang))}</th>{head}'
                f"<th>{_e(rt('unit', lang))}</th><th>{_e(rt('source', lang))}</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
        else:
            parts.append(f"<p>{_e(rt('no_params', lang))}</p>")
    sources = [field_meta(n)["source"] for n in Params.model_fields]
    parts.append(
        '<p class="note">'
        + _e(
            rt(
                "assumptions_note",
                lang,
                total=len(sources),
                assumed=sum(is_assumption(s) for s in sources),
                here=here,
                assumed_here=assumed_here,
            )
        )
        + "</p>"
    )
    parts.append(f'<p class="note">{_e(rt("limits", lang))}</p>')
    return "".join(parts)


def facts_section(result: CompareResult, lang: str) -> str:
    """Which targets the model meets on this scenario (``hlmsim targets``' verdicts)."""
    tr = result.targets
    note = rt("facts_note", lang, scenario=tr.metadata.get("scenario") or "")
    if result.metadata.get("ensemble"):  # the comparison's worlds are not the targets'
        note += " " + rt("facts_defaults", lang)
    return (
        f"<p>{targets_summary_html(tr, lang)}</p>"
        f'<p class="note">{_e(note)}</p>{compact_table(tr, lang)}'
    )


def reproduce_command(result: CompareResult, lang: str) -> str | None:
    """The command that reproduces the comparison (None when the scenario was an object)."""
    meta = result.metadata
    if meta.get("command"):
        return str(meta["command"])
    source = meta.get("scenario_source")
    if not source:
        return None
    from ..arrangements import ARRANGEMENTS

    args = ["hlmsim", "compare", str(source)]
    if result.arrangements != list(ARRANGEMENTS):
        args += ["--arrangements", ",".join(result.arrangements)]
    if result.reference != "services_as_usual":
        args += ["--reference", result.reference]
    args += ["--replications", str(result.replications), "--seed", str(meta.get("seed", 0))]
    if lang != DEFAULT_LANG:
        args += ["--lang", lang]
    return shlex.join(args)


def _precision_text(meta: dict[str, Any], lang: str) -> str:
    p = meta.get("precision")
    if not p:
        return rt("none", lang)
    value = float(p["value"])
    if p.get("relative"):
        decimals = 2 if value * 100 != int(value * 100) else 0
        target = f"{fmt_pct(value, lang, decimals)} {rt('relative', lang)}"
    else:
        target = fmt_num(value, 6, lang).rstrip("0").rstrip(",.") or "0"
    key = "precision_met" if p.get("met") else "precision_not_met"
    return rt(key, lang, target=target, n=meta.get("replications"), cap=p.get("max_replications"))


def reproduce_section(result: CompareResult, lang: str) -> str:
    meta = result.metadata
    parts = []
    cmd = reproduce_command(result, lang)
    if cmd:
        parts.append(f"<p>{_e(rt('reproduce_intro', lang))}</p><pre>{_e(cmd)}</pre>")
        p = meta.get("precision")
        if p:
            parts.append(
                "<p>"
                + rt(
                    "reproduce_precision",
                    lang,
                    target=_e(p.get("text") or p["value"]),
                    n=int(meta["replications"]),
                )
                + "</p>"
            )
    else:
        code = (
            "import hlmsim\n"
            f"result = hlmsim.compare(scenario, arrangements={result.arrangements!r},\n"
            f"                        reference={result.reference!r},"
            f" replications={result.replications}, seed={meta.get('seed', 0)})\n"
            "from hlmsim.reporting import write_compare\n"
            f"write_compare(result, 'out', lang={lang!r})"
        )
        parts.append(f"<p>{_e(rt('reproduce_python', lang))}</p><pre>{_e(code)}</pre>")
    unknown = rt("unknown", lang)
    versions = ", ".join(str(meta.get(k, unknown)) for k in ("python", "mesa", "numpy", "pandas"))
    hashes = "; ".join(f"{a}: {h}" for a, h in (meta.get("scenarios_by_arrangement") or {}).items())
    rows = [
        (rt("m_version", lang), meta.get("hlmsim_version", unknown)),
        (rt("m_commit", lang), meta.get("git_commit") or unknown),
        (rt("m_versions", lang), versions),
        (
            rt("m_scenario", lang),
            f"{meta.get('scenario_name', '')} ({meta.get('scenario_hash', '')})",
        ),
        (rt("m_hashes", lang), hashes),
        (rt("m_seed", lang), meta.get("seed", unknown)),
        (
            rt("m_batches", lang, size=meta.get("batch_size", "")),
            ", ".join(str(x) for x in meta.get("batch_seeds", [])),
        ),
        (rt("m_replications", lang), meta.get("replications", unknown)),
        (rt("m_precision", lang), _precision_text(meta, lang)),
        (rt("m_started", lang), meta.get("started", unknown)),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    parts.append(f'<table class="meta"><tbody>{body}</tbody></table>')
    parts.append(f'<p class="note">{_e(rt("files_note", lang))}</p>')
    return "".join(parts)


def _description(scen: Scenario, lang: str) -> str:
    """The scenario's description in the reader's language (``description_fr`` where a scenario
    has one), or a note that it exists only in English; empty without a description."""
    english = scen.description.strip().rstrip(".")
    if not english:
        return ""
    own = pick((english, str(getattr(scen, "description_fr", "") or "").strip().rstrip(".")), lang)
    return rt("description", lang, text=own) if own else rt("description_untranslated", lang)


def _households(scen: Scenario) -> int:
    return sum(sum(e.units for e in m.ensembles) * m.copies for m in scen.milieux)


def render_html(result: CompareResult, lang: str, figures: dict[str, bytes]) -> str:
    """The report as one self-contained HTML page."""
    meta = result.metadata
    a0, a1 = final_window(result)
    n = result.replications
    ref_label = arrangement_label(result.reference, lang)
    from .. import __version__

    title = rt("title", lang)
    subtitle = rt(
        "subtitle",
        lang,
        scenario=meta.get("scenario_name", ""),
        n=n,
        months=a1,
        version=meta.get("hlmsim_version", __version__),
    )

    def strong(x: str) -> str:
        return f"<strong>{_e(x)}</strong>"

    answer = " ".join(answer_sentences(result, lang, strong))
    words = " ".join(summary_sentences(result, lang, strong))
    ens = meta.get("ensemble")
    n_units = ens["sets"] if ens else n
    worlds = worlds_word(result, lang)
    by = rt("w_by_world" if ens else "w_by_replication", lang)
    final_caption = rt("final_caption", lang, a=a0, b=a1, n=n_units, worlds=worlds)
    diff_caption = rt("diff_caption", lang, ref=_e(ref_label), by=by, worlds=worlds)
    sections: list[tuple[str, str, str]] = [
        ("words", rt("s_words", lang), f"<p>{words}</p>"),
        ("worlds", rt("s_worlds", lang), worlds_section(result, lang)),
    ]
    if transitions.has_transitions(result):
        switch = transitions.section(result, lang, figures["transitions"])
        sections.append(("switch", rt("s_switch", lang), switch))

    base = base_scenario(result)
    scen_line = ""
    if base is not None:
        scen_line = rt(
            "scenario_line",
            lang,
            name=_e(base.name),
            households=count(_households(base), "common.households", lang),
            milieux=count(sum(m.copies for m in base.milieux), "common.milieux", lang),
            months=count(base.months, "common.months", lang),
            description=_e(_description(base, lang)),
        )
    items = "".join(
        f"<dt>{swatch(a, result.arrangements)}{_e(arrangement_label(a, lang))}"
        + (f" ({_e(rt('reference', lang))})" if a == result.reference else "")
        + f" <code>{_e(a)}</code></dt><dd>{_e(arrangement_description(a, lang))}</dd>"
        for a in result.arrangements
    )
    sections.append(
        (
            "arrangements",
            rt("s_arrangements", lang),
            f'<p>{scen_line}</p><p class="note">{rt("scenario_note", lang)}</p>'
            f'<dl class="arr">{items}</dl>',
        )
    )
    sections.append(
        (
            "series",
            rt("s_series", lang),
            f"<figure>{img(figures['series'], rt('figure_alt_series', lang))}"
            f"<figcaption>{_e(rt('series_caption', lang, n=n, w=min(12, a1)))}</figcaption>"
            "</figure>",
        )
    )
    sections.append(
        (
            "final",
            rt("s_final", lang),
            f'{final_table(result, lang)}<p class="caption">{_e(final_caption)}</p>',
        )
    )
    sections.append(
        (
            "differences",
            rt("s_diff", lang),
            f"<figure>{img(figures['differences'], rt('figure_alt_diff', lang))}</figure>"
            f"{differences_table(result, lang)}"
            f'<p class="caption">{diff_caption}</p>',
        )
    )
    sections.append(
        (
            "cost",
            rt("s_cost", lang),
            f"<figure>{img(figures['cost'], rt('figure_alt_cost', lang))}"
            f"<figcaption>{_e(rt('cost_caption', lang))}</figcaption></figure>"
            f'{cost_table(result, lang)}<p class="caption">{_e(rt("icer_note", lang))}</p>',
        )
    )
    if result.targets is not None:
        sections.append(("facts", rt("s_facts", lang), facts_section(result, lang)))
    sections.append(("assumptions", rt("s_assumptions", lang), assumptions_section(result, lang)))
    sections.append(("reproduce", rt("s_reproduce", lang), reproduce_section(result, lang)))

    return page(
        lang,
        title,
        f"{title} · {meta.get('scenario_name', '')}",
        f'<p class="subtitle">{_e(subtitle)}</p>',
        sections,
        rt("contents", lang),
        footer=rt("footer", lang),
        before_nav=summary_box(rt("key_message", lang), answer, after=summary_table(result, lang)),
        extra_css=TARGETS_CSS if result.targets is not None else "",
    )


def write_report(
    result: CompareResult, out_dir: str | Path, lang: str = "en", figures: Any = None
) -> Path:
    """Write ``report.html`` and ``figures/*.png`` into ``out_dir``; return the report's path.
    (``figures``: the figures already under way, a :class:`_Figures`.)"""
    check_lang(lang)
    out = Path(out_dir)
    figures = (figures or _Figures(result, lang)).get()
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    for key, image in figures.items():
        (fig_dir / FIGURES[key]).write_bytes(image)
    path = out / "report.html"
    path.write_text(render_html(result, lang, figures), encoding="utf-8")
    return path


#: What a comparison folder holds (``figures`` is a folder of the report's PNG files).
COMPARE_FILES = frozenset(
    {
        "report.html",
        "figures",
        "runs.parquet",
        "summary.csv",
        "differences.csv",
        "finals.csv",
        "ranks.csv",
        "spread.csv",
        "metadata.json",
        "targets.csv",
        "transitions.csv",
    }
)


def check_compare_dir(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding more than a comparison's files
    (writing replaces the whole folder)."""
    check_out_dir(out, COMPARE_FILES, {"figures": FIGURES.values()}, what="a comparison")


def write_compare(result: CompareResult, out: str | Path, lang: str = "en") -> Path:
    """Write a comparison's files (report.html, figures/, runs.parquet, summary.csv,
    differences.csv, finals.csv, ranks.csv, spread.csv, metadata.json; targets.csv when the
    targets were measured, transitions.csv when an arrangement is a switch) into ``out``: into
    a temporary sibling folder first, which replaces ``out`` only when complete. A folder
    holding other files is never replaced."""
    try:
        check_lang(lang)
    except InputError as err:
        raise InputError(err.detail, key="--lang") from None
    out = Path(out)
    check_compare_dir(out)

    def fill(tmp: Path) -> None:
        figures = _Figures(result, lang)  # drawn while the data files are written
        try:
            result.runs.to_parquet(tmp / "runs.parquet", index=False)
            result.summary.to_csv(tmp / "summary.csv", index=False)
            result.differences.to_csv(tmp / "differences.csv", index=False)
            result.finals.to_csv(tmp / "finals.csv", index=False)
            result.ranks.to_csv(tmp / "ranks.csv", index=False)
            result.spread.to_csv(tmp / "spread.csv", index=False)
            if transitions.has_transitions(result):
                result.transitions.to_csv(tmp / "transitions.csv", index=False)
            write_json(tmp / "metadata.json", {**result.metadata, "lang": lang})
            if result.targets is not None:
                targets_table(result.targets, lang).to_csv(tmp / "targets.csv", index=False)
            write_report(result, tmp, lang, figures)
        finally:
            figures.close()

    write_atomically(out, fill)
    return out
