"""The comparison report's account of a switch of arrangement: the transition dip, when the
switch pays off, and a figure of the difference with keeping, month by month and cumulated
(from :func:`hlmsim.transitions.transition_table` and :func:`~hlmsim.transitions.transition_path`).
Every text comes from the catalogue's ``[report]`` section (keys ``t_*``)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..arrangements import arrangement_label, parse_switch
from ..compare import CompareResult
from ..i18n import t
from ..i18n.formats import finite, fmt_num, fmt_pct, fmt_range
from ..transitions import TROUGH_WINDOW, transition_path
from .html import esc, img
from .style import axis_formatter, colour, new_figure, png, rc, style_axes


def rt(key: str, lang: str, **values: Any) -> str:
    return t(f"report.{key}", lang, **values)


def _name(a: str, lang: str, strong: Callable[[str], str]) -> str:
    """An arrangement's name in a sentence (in quotation marks in French)."""
    return rt("arrangement_name", lang, label=strong(arrangement_label(a, lang)))


def has_transitions(result: CompareResult) -> bool:
    return result.transitions is not None and len(result.transitions) > 0


def _num(x: float, lang: str) -> str:
    """A count of needs, to one decimal under ten, whole above."""
    return fmt_num(abs(x), 1 if abs(x) < 10 else 0, lang)


def _signed(x: float, lang: str) -> str:
    return fmt_num(x, 1 if abs(x) < 10 else 0, lang, sign=True)


def _months(x: float, lang: str) -> str:
    return fmt_num(x, 0, lang)


def payback_text(row: pd.Series, horizon: int, lang: str) -> str:
    """When the switch pays off, over the worlds."""
    worlds = int(row["worlds"])
    share = float(row["paid_off_share"])
    med, lo, hi = (float(row[k]) for k in ("payback_median", "payback_low", "payback_high"))
    if hi == 0:
        return rt("t_pay_none", lang)
    if not math.isfinite(med):
        return rt("t_pay_never", lang, horizon=horizon, share=fmt_pct(share, lang))
    if share < 1:
        return rt(
            "t_pay_some",
            lang,
            med=_months(med, lang),
            lo=_months(lo, lang),
            never=fmt_pct(1 - share, lang),
            horizon=horizon,
            n=worlds,
        )
    return rt("t_pay_all", lang, med=_months(med, lang), lo=_months(lo, lang), hi=_months(hi, lang))


def dip_text(row: pd.Series, lang: str, strong: Callable[[str], str] = lambda x: x) -> str:
    """The switch and its transition dip."""
    sw = parse_switch(str(row["switch"]))
    assert sw is not None
    d, lo, hi = (float(row[k]) for k in ("dip_mean", "dip_low", "dip_high"))
    key = (
        "t_dip_loss"
        if finite(hi) and hi < 0
        else "t_dip_gain"
        if finite(lo) and lo > 0
        else "t_dip_none"
    )
    return rt(
        key,
        lang,
        keep=_name(sw.start, lang, strong),
        to=_name(sw.to, lang, strong),
        month=sw.month,
        d=_num(d, lang),
        lo=_signed(lo, lang),
        hi=_signed(hi, lang),
        w=int(row["dip_months"]),
        trough=int(row["trough_month"]),
    )


def total_text(row: pd.Series, horizon: int, lang: str) -> str:
    m, lo, hi = (float(row[k]) for k in ("total_mean", "total_low", "total_high"))
    return rt(
        "t_total",
        lang,
        horizon=horizon,
        d=_signed(m, lang),
        lo=_signed(lo, lang),
        hi=_signed(hi, lang),
    )


def sentences(
    result: CompareResult, lang: str, strong: Callable[[str], str] = lambda x: x
) -> list[str]:
    """Each switch in words: its dip, its payback, its total to the horizon."""
    horizon = int(result.runs["month"].max())
    out = []
    for _, row in result.transitions.iterrows():
        out.append(
            " ".join(
                [
                    dip_text(row, lang, strong),
                    payback_text(row, horizon, lang),
                    total_text(row, horizon, lang),
                ]
            )
        )
    return out


def answer_sentence(result: CompareResult, lang: str, strong: Callable[[str], str]) -> str | None:
    """The first switch's payback in one short sentence for the answer (None without one)."""
    if not has_transitions(result):
        return None
    row = result.transitions.iloc[0]
    sw = parse_switch(str(row["switch"]))
    assert sw is not None
    horizon = int(result.runs["month"].max())
    med, lo, hi = (float(row[k]) for k in ("payback_median", "payback_low", "payback_high"))
    to = _name(sw.to, lang, strong)
    if hi == 0:
        return rt("a_switch_free", lang, to=to, month=sw.month)
    if not math.isfinite(med):
        return rt("a_switch_never", lang, to=to, month=sw.month, horizon=horizon)
    if not math.isfinite(hi):
        never = fmt_pct(1 - float(row["paid_off_share"]), lang)
        return rt(
            "a_switch_some", lang, to=to, month=sw.month, med=_months(med, lang), never=never,
            horizon=horizon,
        )  # fmt: skip
    return rt(
        "a_switch", lang, to=to, month=sw.month, med=_months(med, lang), lo=_months(lo, lang),
        hi=_months(hi, lang),
    )  # fmt: skip


def figure(result: CompareResult, lang: str) -> bytes:
    """Per switch: the difference with keeping month by month (three-month mean) and
    cumulated since the switch, mean and 95% band over the worlds."""
    import matplotlib as mpl
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    rows = list(result.transitions.itertuples(index=False))
    horizon = int(result.runs["month"].max())
    with mpl.rc_context(rc()):
        fig = new_figure(11, 3.6 * len(rows) + 0.6)
        axes = np.atleast_2d(fig.subplots(len(rows), 2, squeeze=False))
        for (ax_m, ax_c), row in zip(axes, rows, strict=True):
            sw = parse_switch(row.switch)
            assert sw is not None
            c = colour(row.switch, result.arrangements)
            paths = (
                transition_path(result.runs, result.finals, row.switch, window=TROUGH_WINDOW),
                transition_path(result.runs, result.finals, row.switch, cumulative=True),
            )
            for ax, path in zip((ax_m, ax_c), paths, strict=True):
                ax.fill_between(path["month"], path["low"], path["high"], color=c, alpha=0.18,
                                linewidth=0)  # fmt: skip
                ax.plot(path["month"], path["mean"], color=c, linewidth=2.0)
            title = rt("t_fig_monthly", lang, switch=arrangement_label(row.switch, lang))
            for ax, text in ((ax_m, title), (ax_c, rt("t_fig_cumulative", lang))):
                ax.set_title("\n".join(textwrap.wrap(text, 52)), loc="left", fontweight="bold")
            ax_m.set_ylabel(rt("t_fig_unit_month", lang))
            ax_c.set_ylabel(rt("t_fig_unit_total", lang))
            for ax in (ax_m, ax_c):
                ax.set_xlim(1, horizon)
                ax.axhline(0, color="#555555", linewidth=0.8)
                ax.axvline(sw.month, color="#555555", linewidth=0.8, linestyle=":")
                ax.yaxis.set_major_formatter(axis_formatter(lang))
                ax.yaxis.set_major_locator(MaxNLocator(5))
                if horizon >= 36:
                    ax.xaxis.set_major_locator(MultipleLocator(12 if horizon <= 180 else 24))
                ax.set_xlabel(rt("month", lang))
                style_axes(ax)
        return png(fig)


def _with_ci(m: float, lo: float, hi: float, lang: str) -> str:
    ci = fmt_range(_signed(lo, lang), _signed(hi, lang), lang)
    return f'<span class="m">{esc(_signed(m, lang))}</span><span class="ci">{esc(ci)}</span>'


def table(result: CompareResult, lang: str) -> str:
    """One row per switch: dip, lowest month, payback, share paid off, total to the horizon."""
    horizon = int(result.runs["month"].max())
    keys = (
        "t_col_switch",
        "t_col_dip",
        "t_col_trough",
        "t_col_payback",
        "t_col_paid",
        "t_col_total",
    )
    head = "".join(f"<th>{esc(rt(k, lang, horizon=horizon))}</th>" for k in keys)

    def months(x: float) -> str:
        return _months(x, lang) if math.isfinite(x) else rt("t_beyond", lang, horizon=horizon)

    body = []
    for _, row in result.transitions.iterrows():
        v = {k: float(row[k]) for k in row.index if k not in ("switch", "keep", "outcome")}
        lo, hi = v["payback_low"], v["payback_high"]
        spread = (
            fmt_range(months(lo), months(hi), lang)
            if math.isfinite(hi)
            else rt("t_open_range", lang, lo=months(lo))
            if math.isfinite(lo)
            else ""
        )
        pay = (
            f'<span class="m">{esc(months(v["payback_median"]))}</span>'
            f'<span class="ci">{esc(spread)}</span>'
        )
        dip = (v["dip_mean"], v["dip_low"], v["dip_high"])
        total = (v["total_mean"], v["total_low"], v["total_high"])
        cells = [
            f'<th scope="row">{esc(arrangement_label(str(row["switch"]), lang))}</th>',
            f'<td class="num">{_with_ci(*dip, lang)}</td>',
            f'<td class="num">{int(v["trough_month"])}</td>',
            f'<td class="num">{pay}</td>',
            f'<td class="num">{esc(fmt_pct(v["paid_off_share"], lang))}</td>',
            f'<td class="num">{_with_ci(*total, lang)}</td>',
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="diff" id="switch-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def section(result: CompareResult, lang: str, png_bytes: bytes) -> str:
    """The report's section on switching."""
    text = " ".join(sentences(result, lang, lambda x: f"<strong>{esc(x)}</strong>"))
    worlds = int(result.transitions["worlds"].iloc[0])
    return (
        f"<p>{text}</p>"
        f"<figure>{img(png_bytes, rt('t_fig_alt', lang))}"
        f"<figcaption>{esc(rt('t_fig_caption', lang, n=worlds))}</figcaption></figure>"
        f"{table(result, lang)}"
        f'<p class="caption">{esc(rt("t_caption", lang, n=worlds))}</p>'
    )
