"""The pattern-validation report: one self-contained HTML page, in English or French, and its CSV.

``write_patterns(result, out, lang)`` writes into ``out``, atomically: ``report.html`` (figures
embedded as base64 PNG, CSS inline, no external resource: readable offline and printable),
``patterns.csv`` (one row per pattern), ``robustness.csv`` (one row per pattern and robustness
point), ``figures/`` (the same figures as PNG files) and ``metadata.json``. Every text comes
from the catalogue (``[patterns]``, and ``[report]`` for what it shares with the comparison
report); numbers from :mod:`hlmsim.i18n.formats` and :mod:`hlmsim.reporting.values`, the page
from :mod:`hlmsim.reporting.html`, the figures' style from :mod:`hlmsim.reporting.style`.
"""

from __future__ import annotations

import math
import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..arrangements import arrangement_label
from ..errors import InputError
from ..i18n import DEFAULT_LANG, check_lang, has, pick, t
from ..i18n.formats import DASH, colon, fmt_num, fmt_pct, fmt_range
from ..i18n.formats import finite as _finite
from ..outcomes import OUTCOMES, outcome_label, outcome_unit
from ..outdir import check_out_dir, write_atomically
from ..params import field_meta
from ..replication import BATCH
from ..run import write_json
from .html import esc as _e
from .html import img, page, summary_box
from .style import axis_formatter, new_figure, png, rc, style_axes
from .values import (
    display_unit,
    param_label,
    param_unit,
    param_value,
    series_unit,
    source_text,
    value_decimals,
    value_scale,
)

if TYPE_CHECKING:
    from ..patterns import PatternSpec, PatternsResult

#: What a validation folder holds (``figures`` holds one PNG per pattern and robustness.png).
PATTERN_FILES = frozenset(
    {"report.html", "patterns.csv", "robustness.csv", "metadata.json", "figures"}
)
ROBUSTNESS_FIGURE = "robustness.png"
#: Okabe & Ito colours of the arms: low / (middle) / high, and the four arms of the 2x2.
ARM_COLOURS: dict[str, str] = {
    "low": "#E69F00",
    "mid": "#CC79A7",
    "high": "#0072B2",
    "00": "#777777",
    "10": "#E69F00",
    "01": "#009E73",
    "11": "#0072B2",
}
GOOD, BAD = "#0072B2", "#D55E00"

EXTRA_CSS = """
.verdict-ok { color: #0060a0; font-weight: 600; }
.verdict-bad { color: #b84a00; font-weight: 600; }
table.results td, table.results th { font-size: 0.86em; padding: 4px 5px; }
table.results td.title { min-width: 14em; }
table.results .pid { display: block; color: var(--muted); font-size: 0.85em; }
table.results td.assumed { font-size: 0.86em; min-width: 9em; }
table.results td.assumed code { font-size: 0.95em; }
table.honesty-table td { overflow-wrap: anywhere; }
section.pattern { border-top: 1px solid var(--line); margin-top: 1.6em; }
section.pattern h3 { font-size: 1.12em; margin: 0.9em 0 0.4em; }
dl.spec { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; margin: 0.4em 0; }
dl.spec dt { font-weight: 600; color: #333; }
dl.spec dd { margin: 0; }
ul.honesty { margin: 0.2em 0 0.6em; padding-left: 1.3em; font-size: 0.88em; columns: 2;
  column-gap: 2.2em; }
ul.honesty li { break-inside: avoid; }
.tag { display: inline-block; font-size: 0.8em; padding: 0 0.4em; border-radius: 3px;
  background: #fbe9dc; color: #8a3a00; margin-left: 0.3em; }
.tag.circular { background: #b84a00; color: #fff; }
.kind { display: inline-block; font-size: 0.8em; padding: 0 0.45em; border-radius: 3px;
  white-space: nowrap; }
.kind.emergent { background: #dcefe3; color: #1d5e35; }
.kind.built_in { background: #ececec; color: #444; }
.flag { color: #b84a00; }
@media print { section.pattern { break-inside: avoid; page-break-inside: avoid; } }
"""


def pt(key: str, lang: str, **values: Any) -> str:
    """A text of the validation report: its own (``[patterns]`` of the catalogue) or one it
    shares with the comparison report (``[report]``)."""
    section = "patterns" if has(f"patterns.{key}") else "report"
    return t(f"{section}.{key}", lang, **values)


def _title(spec: PatternSpec, lang: str) -> str:
    return pick((spec.title_en, spec.title_fr), lang)


def _lever(spec: PatternSpec, lang: str) -> str:
    return pick((spec.lever_en, spec.lever_fr), lang)


def kt(key: str, lang: str, **values: Any) -> str:
    """A text of the emergent / built-in classification (``[validation_kinds]``)."""
    return t(f"validation_kinds.{key}", lang, **values)


def emergence_reason(spec: PatternSpec, lang: str) -> str:
    """Why a pattern is emergent or built in, in ``lang``."""
    return pick((spec.emergence_reason_en, spec.emergence_reason_fr), lang)


def no_longer_holds(spec: PatternSpec, lang: str) -> str:
    """Why a pattern no longer holds at the default values (a target won over it), or ""."""
    if spec.no_longer_holds_en is None or spec.no_longer_holds_fr is None:
        return ""
    return pick((spec.no_longer_holds_en, spec.no_longer_holds_fr), lang)


def emergence_badge(spec: PatternSpec, lang: str, with_reason: bool = False) -> str:
    """The class of a pattern as a badge (its reason as a tooltip, or after it)."""
    reason = _e(emergence_reason(spec, lang))
    badge = (
        f'<span class="kind {_e(spec.emergence)}" title="{reason}">'
        f"{_e(kt(spec.emergence, lang))}</span>"
    )
    return f"{badge} {reason}" if with_reason else badge


def emergence_summary(result: PatternsResult, lang: str) -> str:
    """ "N of M patterns emerge from interacting mechanisms; K are built in" (plain text)."""
    kinds = [spec.emergence for spec in result.specs.values()]
    n, k = kinds.count("emergent"), kinds.count("built_in")
    return kt("summary_emergent", lang, n=n, m=len(kinds)) + " " + kt("summary_built_in", lang, n=k)


def verdict_text(ok: bool, lang: str) -> str:
    return pt("reproduced" if ok else "not_reproduced", lang)


def _window(months: int) -> str:
    return f"{max(1, months - 11)}–{months}"


def _pid_list(result: PatternsResult, pids: list[str], lang: str) -> str:
    return "; ".join(
        f"{pid} ({pt('finding', lang).lower()} {result.specs[pid].finding})" for pid in pids
    )


# --- CSV ----------------------------------------------------------------------------------------


def patterns_table(result: PatternsResult, lang: str = "en") -> pd.DataFrame:
    """``patterns.csv``: one row per pattern; text columns in ``lang``, numbers in the outcome's
    final-year unit (shares as fractions)."""
    rows = []
    for r in result.table.to_dict("records"):
        spec = result.specs[r["pattern"]]
        rows.append(
            {
                "pattern": r["pattern"],
                "file": r["file"],
                "finding": r["finding"],
                "title": _title(spec, lang),
                "lever": _lever(spec, lang),
                "outcome": r["outcome"],
                "outcome_label": outcome_label(r["outcome"], lang),
                "unit": outcome_unit(r["outcome"]),
                "kind": r["kind"],
                "emergence": r["emergence"],
                "emergence_reason": emergence_reason(spec, lang),
                "no_longer_holds": no_longer_holds(spec, lang),
                "direction": r["direction"],
                "months": r["months"],
                "replications": r["replications"],
                "effect": r["effect"],
                "effect_ci_low": r["effect_ci_low"],
                "effect_ci_high": r["effect_ci_high"],
                "reproduced": r["reproduced"],
                "verdict": verdict_text(r["reproduced"], lang),
                "control_effect": r["control_effect"],
                "control_ci_low": r["control_ci_low"],
                "control_ci_high": r["control_ci_high"],
                "control_removes": r["control_removes"],
                "control_params": r["control_params"],
                "share_year3": r["share_year3"],
                "share_year5": r["share_year5"],
                "share_year10": r["share_year10"],
                "control_share_year3": r["control_share_year3"],
                "control_share_year5": r["control_share_year5"],
                "max_share_year3": r["max_share_year3"],
                "max_share_year5": r["max_share_year5"],
                "role": r["role"],
                "left_year1": r["left_year1"],
                "left_final": r["left_final"],
                "concavity": r["concavity"],
                "concavity_ci_low": r["concavity_ci_low"],
                "concavity_ci_high": r["concavity_ci_high"],
                "also": r["also"],
                "robustness_points": r["robustness_points"],
                "robustness_share": r["robustness_share"],
                "robustness_significant_share": r["robustness_significant_share"],
                "fragile": r["fragile"],
                "breaks": r["breaks"],
                "lever_params": r["lever_params"],
                "assumed_params": r["assumed_params"],
            }
        )
    return pd.DataFrame(rows)


def robustness_table(result: PatternsResult) -> pd.DataFrame:
    """``robustness.csv``: one row per pattern and point, with the point's parameter values."""
    if result.robustness.empty:
        return pd.DataFrame(columns=[*result.robustness.columns, *result.points.columns])
    pts = result.points.copy()
    pts.insert(0, "point", np.arange(len(pts)))
    return result.robustness.merge(pts, on="point", how="left")


# --- figures ------------------------------------------------------------------------------------


def _moving(y: np.ndarray, window: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Months (1-based) and the trailing moving average from month ``window``."""
    y = np.asarray(y, dtype=float)
    window = max(1, min(window, len(y)))
    c = np.concatenate([[0.0], np.cumsum(y)])
    return np.arange(window, len(y) + 1), (c[window:] - c[:-window]) / window


def arm_label(spec: PatternSpec, arm: str, lang: str) -> str:
    """A legend label for an arm: its arrangement and/or parameter settings; A/B for a 2x2."""
    if spec.kind == "interaction":
        return pt(f"arm_{arm}", lang)
    s = {"low": spec.low, "mid": spec.middle, "high": spec.high}[arm]
    assert s is not None
    parts = []
    if s.arrangement:
        parts.append(arrangement_label(s.arrangement, lang))
    parts += [f"{k} = {param_value(v, lang)}" for k, v in s.params.items()]
    return ", ".join(parts) or arm


def figure_pattern(result: PatternsResult, pid: str, lang: str) -> bytes:
    """The outcome's mean series per arm (control arms dashed); the gain curve for timing."""
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    spec, r = result.specs[pid], result.results[pid]
    name = spec.outcome
    flow = OUTCOMES[name].final == "sum"
    scale = value_scale(name) if OUTCOMES[name].unit.startswith("share") else 1.0
    with mpl.rc_context(rc()):
        fig = new_figure(8.2, 4.1)
        ax = fig.subplots()
        horizon = len(next(iter(r["curves"].values())))
        if spec.kind == "event":
            from ..patterns import YEAR_LATER, event_month

            for curves, style, label in (
                (r["curves"], "-", pt("as_is", lang)),
                (r["control_curves"], "--", pt("control_dashed", lang)),
            ):
                gap = curves["high"] - curves["low"]
                ax.plot(
                    np.arange(1, len(gap) + 1),
                    gap * scale,
                    color=GOOD,
                    linestyle=style,
                    linewidth=2,
                    label=label,
                )
            em = event_month(spec)
            left = r.get("effect_left", {})
            for month, text in (
                (em, pt("event_month", lang)),
                (
                    em + YEAR_LATER,
                    pt("year_later", lang) + f"\n{fmt_pct(left.get('year1'), lang)}",
                ),
            ):
                ax.axvline(month, color="#888888", linestyle=":", linewidth=1)
                ax.annotate(
                    text,
                    (month, 0),
                    xycoords=("data", "axes fraction"),
                    xytext=(4, 4),
                    textcoords="offset points",
                    ha="left",
                    va="bottom",
                    fontsize=8.5,
                    color="#444444",
                )
            ax.axhline(0, color="#444444", linewidth=0.8)
            ylabel = f"{pt('gap', lang)}, {series_unit(name, lang)}"
            fig.legend(loc="outside lower center", ncol=2, frameon=False)
        elif spec.kind == "timing":
            sign = 1.0 if spec.direction == "increase" else -1.0
            for curves, style, label in (
                (r["curves"], "-", pt("as_is", lang)),
                (r["control_curves"], "--", pt("control_fast", lang)),
            ):
                months, gain = _moving(sign * (curves["high"] - curves["low"]))
                ax.plot(months, gain * scale, color=GOOD, linestyle=style, linewidth=2, label=label)
            shares = r.get("share_by_year", {})
            for year in (3, 5, 10):
                if year * 12 <= horizon:
                    ax.axvline(year * 12, color="#888888", linestyle=":", linewidth=1)
                    share = shares.get(year)
                    text = pt("year_n", lang, y=year)
                    if share is not None and _finite(share):
                        text += f"\n{fmt_pct(share, lang)}"
                    ax.annotate(
                        text,
                        (year * 12, 0),
                        xycoords=("data", "axes fraction"),
                        xytext=(-4, 4),
                        textcoords="offset points",
                        ha="right",
                        va="bottom",
                        fontsize=8.5,
                        color="#444444",
                    )
            ax.axhline(0, color="#444444", linewidth=0.8)
            ylabel = f"{pt('gain_' + spec.direction, lang)}, {series_unit(name, lang)}"
            fig.legend(loc="outside lower center", ncol=2, frameon=False)
        else:
            handles = []
            for arm, y in r["curves"].items():
                c = ARM_COLOURS[arm]
                months, yy = _moving(y) if flow else (np.arange(1, len(y) + 1), y)
                (h,) = ax.plot(
                    months, yy * scale, color=c, linewidth=2.1, label=arm_label(spec, arm, lang)
                )
                handles.append(h)
                months, yy = (
                    _moving(r["control_curves"][arm])
                    if flow
                    else (
                        np.arange(1, len(y) + 1),
                        r["control_curves"][arm],
                    )
                )
                ax.plot(months, yy * scale, color=c, linewidth=1.5, linestyle="--", alpha=0.9)
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#555555",
                    linestyle="--",
                    linewidth=1.5,
                    label=pt("control_dashed", lang),
                )
            )
            ylabel = series_unit(name, lang) + (f" ({pt('ma', lang)})" if flow else "")
            labels = [h.get_label() for h in handles]
            if spec.kind == "interaction":
                ncol = 3
            elif sum(len(lab) for lab in labels) <= 80:
                ncol = len(handles)
            else:
                ncol = 2 if max(len(lab) for lab in labels) <= 48 else 1
            fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)
        title = outcome_label(name, lang)
        ax.set_title("\n".join(textwrap.wrap(title, 70)), loc="left", fontweight="bold")
        ax.set_ylabel("\n".join(textwrap.wrap(ylabel, 38)))
        ax.set_xlabel(pt("month", lang))
        ax.set_xlim(1, horizon)
        ax.yaxis.set_major_formatter(axis_formatter(lang))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        if horizon >= 36:
            ax.xaxis.set_major_locator(MultipleLocator(12))
        style_axes(ax)
        return png(fig)


def figure_robustness(result: PatternsResult, lang: str) -> bytes:
    """Share of robustness points where each pattern holds, fragile ones in red."""
    import matplotlib as mpl

    tab = result.table
    n = len(tab)
    with mpl.rc_context(rc()):
        fig = new_figure(8.2, 0.9 + 0.32 * n)
        ax = fig.subplots()
        ys = np.arange(n)[::-1]
        for y, row in zip(ys, tab.to_dict("records"), strict=True):
            c = BAD if row["fragile"] else GOOD
            ax.barh(y, 100 * row["robustness_share"], color=c, alpha=0.35, height=0.7)
            ax.barh(y, 100 * row["robustness_significant_share"], color=c, height=0.7)
        ax.axvline(100 * _fragile_below(result), color="#444444", linestyle=":", linewidth=1.2)
        ax.set_yticks(ys)
        ax.set_yticklabels(
            [
                f"{row['pattern']} · {pt('finding', lang).lower()} {row['finding']}"
                for row in tab.to_dict("records")
            ],
            fontsize=8.5,
        )
        ax.set_xlim(0, 100)
        ax.set_xlabel(pt("robust_fig_x", lang))
        ax.xaxis.set_major_formatter(axis_formatter(lang, 0))
        style_axes(ax)
        ax.grid(False, axis="y")
        return png(fig)


def _fragile_below(result: PatternsResult) -> float:
    return float(result.metadata.get("robustness", {}).get("fragile_below", 0.8))


def figure_files(result: PatternsResult) -> dict[str, str]:
    """Figure key -> file name in ``figures/``."""
    names = {pid: f"{pid}.png" for pid in result.specs}
    if not result.robustness.empty:
        names["robustness"] = ROBUSTNESS_FIGURE
    return names


def make_figures(result: PatternsResult, lang: str) -> dict[str, bytes]:
    figs = {pid: figure_pattern(result, pid, lang) for pid in result.specs}
    if not result.robustness.empty:
        figs["robustness"] = figure_robustness(result, lang)
    return figs


# --- HTML ---------------------------------------------------------------------------------------


def effect_text(name: str, m: float, lo: float, hi: float, lang: str) -> tuple[str, str]:
    """An effect and its CI, as in the comparison report, with more decimals when the interval
    is narrow (two significant digits of its half-width, at most three decimals)."""
    scale = value_scale(name)
    decimals = value_decimals(name, True)
    if _finite(lo) and _finite(hi) and hi > lo:
        half = (hi - lo) / 2 * scale
        decimals = max(decimals, min(3, 1 - math.floor(math.log10(half))))

    def f(x: float) -> str:
        return fmt_num(scale * x, decimals, lang, sign=True) if _finite(x) else DASH

    return f(m), fmt_range(f(lo), f(hi), lang)


def _ci_ends(name: str, lo: float, hi: float, lang: str) -> tuple[str, str]:
    """The two ends of an effect's CI as :func:`effect_text` shows them."""
    return effect_text(name, lo, lo, hi, lang)[0], effect_text(name, hi, lo, hi, lang)[0]


def results_table(result: PatternsResult, lang: str) -> str:
    cols = (
        "finding",
        "pattern",
        "lever",
        "outcome",
        "effect",
        "verdict",
        "control",
        "removes",
        "robust",
        "assumed",
    )
    names = [pt(c, lang) for c in cols]
    names.insert(cols.index("pattern") + 1, kt("column", lang))  # emergent or built in
    head = "".join(f"<th>{_e(c)}</th>" for c in names)
    rows = []
    for r in result.table.to_dict("records"):
        pid = r["pattern"]
        spec = result.specs[pid]
        name = spec.outcome
        m, ci = effect_text(name, r["effect"], r["effect_ci_low"], r["effect_ci_high"], lang)
        cm, cci = effect_text(
            name, r["control_effect"], r["control_ci_low"], r["control_ci_high"], lang
        )
        arrow = "↑" if spec.direction == "increase" else "↓"
        ok = bool(r["reproduced"])
        cls, mark = ("verdict-ok", "✓") if ok else ("verdict-bad", "✗")
        verdict = f'<span class="{cls}">{mark} {_e(verdict_text(ok, lang))}</span>'
        removes = (
            pt("yes", lang)
            if r["control_removes"]
            else f'<span class="flag">{_e(pt("no", lang))}</span>'
        )
        if r["robustness_points"]:
            robust = _e(fmt_pct(r["robustness_share"], lang))
            if r["fragile"]:
                robust = f'<span class="flag">{robust} · {_e(pt("fragile", lang))}</span>'
        else:
            robust = _e(pt("not_run", lang))
        assumed = r["assumed_params"].split()
        assumed_html = (
            "<br>".join(f"<code>{_e(a).replace('_', '_<wbr>')}</code>" for a in assumed)
            if assumed
            else _e(pt("none_assumed", lang))
        )
        rows.append(
            f'<tr data-pattern="{_e(pid)}" data-reproduced="{str(ok).lower()}">'
            f'<td class="num">{spec.finding}</td>'
            f'<td class="title"><a href="#{_e(pid)}">{_e(_title(spec, lang))}</a>'
            f'<span class="pid">{_e(r["file"])}</span></td>'
            f"<td>{emergence_badge(spec, lang)}</td>"
            f"<td>{_e(_lever(spec, lang))}</td>"
            f'<td>{_e(outcome_label(name, lang))}&nbsp;<span class="dir">{arrow}</span>'
            f'<span class="unit">{_e(display_unit(name, lang, True))}</span></td>'
            f'<td class="num"><span class="m">{_e(m)}</span><span class="ci">{_e(ci)}</span></td>'
            f"<td>{verdict}</td>"
            f'<td class="num"><span class="m">{_e(cm)}</span><span class="ci">{_e(cci)}</span></td>'
            f'<td>{removes}</td><td>{robust}</td><td class="assumed">{assumed_html}</td></tr>'
        )
    return (
        f'<table class="results" id="results-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _breaks_text(breaks: str, lang: str) -> str:
    parts = []
    for item in filter(None, (b.strip() for b in breaks.split(";"))):
        name, d = item.rsplit(" ", 1)
        value = float(d)
        key = "higher" if value > 0 else "lower"
        parts.append(
            pt(key, lang, p=f"<code>{_e(name)}</code>", d=_e(fmt_num(value, 2, lang, True)))
        )
    return ", ".join(parts)


def _honesty_items(spec: PatternSpec, lang: str) -> str:
    from ..patterns import honesty

    items = []
    for h in honesty(spec):
        tags = ""
        if h["assumption"]:
            tags += f'<span class="tag">{_e(pt("assumption_tag", lang))}</span>'
        if h["calibrated"]:
            tags += f'<span class="tag circular">{_e(pt("circular_tag", lang))}</span>'
        role = pt("role_lever" if h["role"] == "lever" else "role_control", lang)
        items.append(
            f"<li><code>{_e(h['parameter'])}</code> ({_e(role)}){tags}{colon(lang)}"
            f"{_e(source_text(field_meta(h['parameter']), lang))}</li>"
        )
    return f'<ul class="honesty">{"".join(items)}</ul>'


def _lower_first(text: str) -> str:
    """A label inside a sentence: its first letter in lower case."""
    return text[:1].lower() + text[1:]


def _secondary_lines(spec: PatternSpec, r: dict[str, Any], lang: str) -> str:
    """Sentences on a dose pattern's diminishing returns and on the secondary outcomes."""
    out = []
    if spec.kind == "dose":
        name = spec.outcome
        s1, s2 = r["effect_steps"]
        c, cci = effect_text(
            name,
            r["effect_concavity"],
            r["effect_concavity_ci_low"],
            r["effect_concavity_ci_high"],
            lang,
        )
        clo, chi = _ci_ends(name, r["effect_concavity_ci_low"], r["effect_concavity_ci_high"], lang)
        ok = bool(r["effect_concavity_ci_high"] < 0)
        out.append(
            pt(
                "dose_line",
                lang,
                s1=_e(effect_text(name, s1, s1, s1, lang)[0]),
                s2=_e(effect_text(name, s2, s2, s2, lang)[0]),
                unit=_e(display_unit(name, lang, True)),
                c=_e(c),
                lo=_e(clo),
                hi=_e(chi),
                verdict=_e(pt("dose_yes" if ok else "dose_no", lang)),
            )
        )
    for name, a in r.get("also", {}).items():
        m, ci = effect_text(name, a["effect"], a["ci_low"], a["ci_high"], lang)
        lo, hi = _ci_ends(name, a["ci_low"], a["ci_high"], lang)
        out.append(
            pt(
                "also_line",
                lang,
                label=_e(_lower_first(outcome_label(name, lang))),
                dir=_e(pt(a["direction"], lang)),
                m=_e(m),
                unit=_e(display_unit(name, lang, True)),
                lo=_e(lo),
                hi=_e(hi),
                verdict=_e(verdict_text(a["reproduced"], lang).lower()),
            )
        )
    return " ".join(out) + (" " if out else "")


def pattern_section(result: PatternsResult, pid: str, lang: str, png: bytes) -> str:
    spec, r = result.specs[pid], result.results[pid]
    row = result.table.set_index("pattern").loc[pid]
    name = spec.outcome
    unit = _e(display_unit(name, lang, True))
    m, ci = effect_text(name, r["effect"], r["effect_ci_low"], r["effect_ci_high"], lang)
    lo, hi = _ci_ends(name, r["effect_ci_low"], r["effect_ci_high"], lang)
    ok = bool(r["reproduced"])
    arrow = "↑" if spec.direction == "increase" else "↓"
    switch = ", ".join(
        f"<code>{_e(k)}</code> = {_e(param_value(v, lang))}" for k, v in spec.control.items()
    )
    dl = (
        f'<dl class="spec"><dt>{_e(pt("lever", lang))}</dt><dd>{_e(_lever(spec, lang))}</dd>'
        f"<dt>{_e(pt('outcome', lang))}</dt><dd>{_e(outcome_label(name, lang))}"
        f" <code>{_e(name)}</code>, {_e(pt('expected', lang).lower())}{colon(lang)}"
        f"{_e(pt(spec.direction, lang))} {arrow}</dd>"
        f"<dt>{_e(kt('reason', lang))}</dt><dd>{emergence_badge(spec, lang, True)}</dd>"
        + (
            f"<dt>{_e(kt('no_longer_holds', lang))}</dt>"
            f'<dd class="flag">{_e(no_longer_holds(spec, lang))}</dd>'
            if no_longer_holds(spec, lang) and not ok
            else ""
        )
        + f"<dt>{_e(pt('switch', lang))}</dt><dd>{switch}</dd>"
        f"<dt>{_e(pt('horizon', lang))}</dt><dd>{_e(pt('months_n', lang, n=r['months']))}</dd>"
        f"<dt>{_e(pt('file', lang))}</dt>"
        f"<dd><code>hlmsim/experiments/patterns/{_e(result.files[pid])}</code></dd></dl>"
    )
    parts = [dl]
    if spec.kind == "event":
        caption = pt("fig_caption_event", lang, n=r["replications"])
    elif spec.kind == "timing":
        caption = pt("fig_caption_timing", lang, n=r["replications"])
    else:
        flow = OUTCOMES[name].final == "sum"
        caption = pt(
            "fig_caption", lang, n=r["replications"], ma=pt("ma_note", lang) if flow else ""
        )
        if spec.kind == "interaction":
            caption += pt("fig_caption_2x2", lang, lever=_lever(spec, lang))
    parts.append(
        f"<figure>{img(png, pt('fig_alt', lang))}<figcaption>{_e(caption)}</figcaption></figure>"
    )
    if spec.kind == "event":
        from ..patterns import DIP_MONTHS, event_month

        em, left = event_month(spec), r.get("effect_left", {})
        line = pt(
            "event_line",
            lang,
            a=f"{em}–{em + DIP_MONTHS - 1}",
            m=_e(m),
            unit=unit,
            lo=_e(lo),
            hi=_e(hi),
            dir=_e(pt(spec.direction, lang)),
            y1=_e(fmt_pct(left.get("year1"), lang)),
            min=_e(fmt_pct(spec.min_left_year1, lang)),
            fin=_e(fmt_pct(left.get("final"), lang)),
            cls="verdict-ok" if ok else "verdict-bad",
            verdict=_e(verdict_text(ok, lang)),
        )
    else:
        line = pt(
            "effect_line",
            lang,
            a=_window(r["months"]),
            m=_e(m),
            unit=unit,
            lo=_e(lo),
            hi=_e(hi),
            dir=_e(pt(spec.direction, lang)),
            cls="verdict-ok" if ok else "verdict-bad",
            verdict=_e(verdict_text(ok, lang)),
        )
    parts.append("<p>" + line + " " + _secondary_lines(spec, r, lang))
    cm, cci = effect_text(name, r["control"], r["control_ci_low"], r["control_ci_high"], lang)
    clo, chi = _ci_ends(name, r["control_ci_low"], r["control_ci_high"], lang)
    if spec.kind == "timing":
        s, cs = r.get("share_by_year", {}), r.get("control_share_by_year", {})
        parts.append(
            pt(
                "timing_line",
                lang,
                y3=_e(fmt_pct(s.get(3), lang)),
                y5=_e(fmt_pct(s.get(5), lang)),
                y10=_e(fmt_pct(s.get(10), lang)),
                max=_e(fmt_pct(spec.max_share_year3, lang)),
                max5=_e(fmt_pct(spec.max_share_year5, lang)),
            )
            + "</p><p>"
        )
        removes = "removes_delay_yes" if r["control_removes"] else "removes_delay_no"
        parts.append(
            pt(
                "control_line_timing",
                lang,
                m=_e(cm),
                unit=unit,
                lo=_e(clo),
                hi=_e(chi),
                c3=_e(fmt_pct(cs.get(3), lang)),
                c5=_e(fmt_pct(cs.get(5), lang)),
                removes=_e(pt(removes, lang)),
            )
            + "</p>"
        )
    else:
        removes = "removes_yes" if r["control_removes"] else "removes_no"
        parts.append(
            pt(
                "control_line",
                lang,
                m=_e(cm),
                unit=unit,
                lo=_e(clo),
                hi=_e(chi),
                removes=_e(pt(removes, lang)),
            )
            + "</p>"
        )
    if row["robustness_points"]:
        k = int(round(row["robustness_share"] * row["robustness_points"]))
        sig = pt(
            "robust_sig",
            lang,
            r=result.metadata["robustness"]["replicates_per_point"],
            s=fmt_pct(row["robustness_significant_share"], lang),
        )
        text = pt(
            "robust_line",
            lang,
            k=k,
            m=int(row["robustness_points"]),
            pct=_e(fmt_pct(row["robustness_share"], lang)),
            sig=_e(sig),
        )
        if row["fragile"] and row["breaks"]:
            text += " " + pt("robust_breaks", lang, list=_breaks_text(row["breaks"], lang))
        parts.append(f'<p class="{"flag" if row["fragile"] else ""}">{text}</p>')
    parts.append(f"<p>{_e(pt('honesty_line', lang))}</p>{_honesty_items(spec, lang)}")
    head = f"{pt('finding', lang)} {spec.finding} · {_title(spec, lang)}"
    badge = f'<span class="{"verdict-ok" if ok else "verdict-bad"}">{"✓" if ok else "✗"}</span>'
    return (
        f'<section class="pattern" id="{_e(pid)}"><h3>{badge} {_e(head)}</h3>'
        f"{''.join(parts)}</section>"
    )


def robustness_section(result: PatternsResult, lang: str, png: bytes | None) -> str:
    meta = result.metadata["robustness"]
    if png is None:
        return f"<p>{_e(pt('sum_no_robust', lang))}</p>"
    pct = fmt_pct(meta["fragile_below"], lang)
    given = meta.get("design") == "given"
    parts = [
        "<p>"
        + pt(
            "robust_intro_ensemble" if given else "robust_intro",
            lang,
            **({"source": _e(meta.get("points_source", ""))} if given else {}),
            m=meta["points"],
            p=len(result.factors),
            r=meta["replicates_per_point"],
            pct=_e(pct),
        )
        + "</p>",
    ]
    if not given:
        parts.append(f'<p class="note">{pt("robust_choice", lang)}</p>')
    version = meta.get("points_version") or ""
    if given and version and version != result.metadata.get("hlmsim_version", version):
        note = t("report.w_other_version", lang, version=version,
                 current=result.metadata["hlmsim_version"])  # fmt: skip
        parts.append(f'<p class="note">{_e(note)}</p>')
    rows = []
    for f in result.factors:
        meta_f = field_meta(f.name)
        label = param_label(meta_f, lang)
        plausible = fmt_range(_num(f.low, lang), _num(f.high, lang), lang)
        schema = fmt_range(_num(f.schema_min, lang), _num(f.schema_max, lang), lang)
        rows.append(
            f'<tr><th scope="row"><code>{_e(f.name)}</code>'
            f'<span class="unit">{_e(label)}</span></th>'
            f'<td class="num">{_e(_num(f.default, lang))}</td><td class="num">{_e(plausible)}</td>'
            f'<td>{_e(pt(f.scale, lang))}</td><td class="num">{_e(schema)}</td>'
            f"<td>{_e(param_unit(meta_f, lang))}</td></tr>"
        )
    head = "".join(
        f"<th>{_e(pt(k, lang))}</th>"
        for k in ("parameter", "default", "plausible_range", "log", "schema_range", "unit")
    ).replace(f"<th>{_e(pt('log', lang))}</th>", "<th></th>")
    parts.append(
        f'<table class="params"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    parts.append(
        f"<figure>{img(png, pt('robust_fig_alt', lang))}<figcaption>"
        + _e(
            pt(
                "robust_fig_caption",
                lang,
                m=meta["points"],
                r=meta["replicates_per_point"],
                pct=pct,
            )
        )
        + "</figcaption></figure>"
    )
    parts.append(f"<h3>{_e(pt('fragile_head', lang))}</h3>")
    fragile = result.table[result.table["fragile"].astype(bool)]
    if fragile.empty:
        parts.append(f"<p>{_e(pt('no_fragile', lang))}</p>")
    else:
        items = []
        for row in fragile.to_dict("records"):
            spec = result.specs[row["pattern"]]
            where = (
                _breaks_text(row["breaks"], lang)
                if row["breaks"]
                else _e(pt("fails_everywhere", lang))
            )
            items.append(
                f'<li><a href="#{_e(row["pattern"])}">{_e(row["pattern"])}</a> '
                f"({_e(pt('finding', lang).lower())} {spec.finding},"
                f" {_e(fmt_pct(row['robustness_share'], lang))}){colon(lang)}{where}</li>"
            )
        parts.append(f'<ul>{"".join(items)}</ul><p class="note">{_e(pt("breaks_note", lang))}</p>')
    return "".join(parts)


def _num(x: Any, lang: str) -> str:
    if x is None:
        return "–"
    x = float(x)
    if x == int(x) and abs(x) >= 1000:
        return fmt_num(x, 0, lang)
    s = f"{abs(x):.3g}"
    if "e" in s:
        return s if x >= 0 else "−" + s
    return fmt_num(x, len(s.split(".")[1]) if "." in s else 0, lang)


def honesty_section(result: PatternsResult, lang: str) -> str:
    from ..patterns import honesty

    rows = []
    k = 0
    calibration = []
    for pid, spec in result.specs.items():
        hon = honesty(spec)
        assumed = [h for h in hon if h["assumption"]]
        k += bool(assumed)
        cal = [h["parameter"] for h in hon if h["calibrated"]]
        if cal:
            calibration.append(f"{pid} ({', '.join(cal)})")

        def cell(role: str, hon: list[dict[str, Any]] = hon) -> str:
            out = []
            for h in hon:
                if h["role"] != role:
                    continue
                code = f"<code>{_e(h['parameter'])}</code>"
                out.append(f'<span class="flag">{code}*</span>' if h["assumption"] else code)
            return ", ".join(out) or "–"

        rows.append(
            f'<tr><td class="num">{spec.finding}</td><td><a href="#{_e(pid)}">{_e(pid)}</a></td>'
            f"<td>{cell('lever')}</td><td>{cell('control')}</td>"
            f'<td class="num">{len(assumed)} / {len(hon)}</td></tr>'
        )
    head = "".join(
        f"<th>{_e(x)}</th>"
        for x in (
            pt("finding", lang),
            pt("pattern", lang),
            pt("lever_params", lang),
            pt("control_params", lang),
            "*",
        )
    )
    parts = [
        f"<p>{pt('honesty_intro', lang)}</p>",
        f'<table class="honesty-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>",
        f'<p class="note">* {_e(pt("assumption_tag", lang))} · '
        f"{_e(pt('honesty_count', lang, k=k, n=len(result.specs)))}</p>",
    ]
    if calibration:
        parts.append(
            f'<p class="flag">{_e(pt("calibration_note", lang, list="; ".join(calibration)))}</p>'
        )
    return "".join(parts)


def reproduce_command(result: PatternsResult, lang: str) -> str:
    meta = result.metadata
    if meta.get("command"):
        return str(meta["command"])
    args = ["hlmsim", "patterns"]
    if meta.get("quick"):
        args.append("--quick")
    args += ["--replications", str(meta.get("replications_asked", meta.get("replications")))]
    args += ["--seed", str(meta.get("seed", 0))]
    args += ["--robustness", str(meta.get("robustness", {}).get("points", 0))]
    if lang != DEFAULT_LANG:
        args += ["--lang", lang]
    return shlex.join(args)


def reproduce_section(result: PatternsResult, lang: str) -> str:
    meta = result.metadata
    unknown = pt("unknown", lang)
    rob = meta.get("robustness", {})
    versions = ", ".join(str(meta.get(k, unknown)) for k in ("python", "mesa", "numpy", "pandas"))
    rows = [
        (
            pt("m_version", lang),
            f"{meta.get('hlmsim_version', unknown)} ({meta.get('model_version', unknown)})",
        ),
        (pt("m_commit", lang), meta.get("git_commit") or unknown),
        (pt("m_versions", lang), versions),
        (pt("m_seed", lang), meta.get("seed", unknown)),
        (
            pt("m_batches", lang, size=BATCH),
            ", ".join(str(x) for x in meta.get("batch_seeds", [])),
        ),
        (
            pt("m_robust", lang),
            f"{rob.get('seed', '')}, {rob.get('points', 0)}, {rob.get('replicates_per_point', '')}",
        ),
        (pt("m_started", lang), meta.get("started", unknown)),
    ]
    if meta.get("overrides"):
        rows.append(
            (
                pt("m_overrides", lang),
                ", ".join(f"{k} = {v}" for k, v in meta["overrides"].items()),
            )
        )
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return (
        f"<p>{_e(pt('reproduce_intro', lang))}</p><pre>{_e(reproduce_command(result, lang))}</pre>"
        f'<table class="meta"><tbody>{body}</tbody></table>'
        f'<p class="note">{_e(pt("files_note", lang))}</p>'
    )


def summary_html(result: PatternsResult, lang: str) -> str:
    tab = result.table
    n = len(tab)
    k = int(tab["reproduced"].sum())
    out = [pt("sum_reproduced", lang, k=k, n=n), _e(emergence_summary(result, lang))]
    failed = result.failed()
    if failed:
        out.append(_e(pt("sum_failed", lang, list=_pid_list(result, failed, lang))))
        lost = [p for p in failed if no_longer_holds(result.specs[p], lang)]
        if lost:
            out.append(_e(kt("sum_no_longer_holds", lang, list=_pid_list(result, lost, lang))))
    kc = int(tab["control_removes"].sum())
    out.append(_e(pt("sum_controls", lang, k=kc, n=n)))
    not_removed = [
        str(p) for p, ok in zip(tab["pattern"], tab["control_removes"], strict=True) if not ok
    ]
    if not_removed:
        out.append(_e(pt("sum_controls_failed", lang, list=_pid_list(result, not_removed, lang))))
    rob = result.metadata.get("robustness", {})
    if rob.get("points"):
        pct = fmt_pct(rob["fragile_below"], lang)
        fragile = [str(p) for p, f in zip(tab["pattern"], tab["fragile"], strict=True) if f]
        if fragile:
            out.append(
                _e(
                    pt(
                        "sum_fragile",
                        lang,
                        m=rob["points"],
                        p=len(result.factors),
                        pct=pct,
                        list=_pid_list(result, fragile, lang),
                    )
                )
            )
        else:
            out.append(_e(pt("sum_robust", lang, m=rob["points"], p=len(result.factors), pct=pct)))
    else:
        out.append(_e(pt("sum_no_robust", lang)))
    out.append(_e(pt("sum_caveat", lang)))
    return " ".join(out)


def render_html(result: PatternsResult, lang: str, figures: dict[str, bytes]) -> str:
    """The report as one self-contained HTML page."""
    meta = result.metadata
    from .. import __version__

    title = pt("title", lang)
    reps = meta.get("replications", "")
    subtitle = pt(
        "subtitle",
        lang,
        n=len(result.specs),
        reps=reps,
        mode=pt("mode_quick" if meta.get("quick") else "mode_full", lang),
        seed=meta.get("seed", 0),
        version=meta.get("hlmsim_version", __version__),
    )
    months = sorted({int(r["months"]) for r in result.results.values()})
    window = ", ".join(_window(m) for m in months)
    method = (
        f"<p>{pt('method_1', lang)}</p><p>{pt('method_2', lang, a=_e(window), reps=reps)}</p>"
        + (f'<p class="note">{pt("method_quick", lang)}</p>' if meta.get("quick") else "")
        + f'<p class="note">{_e(pt("method_limits", lang))}</p>'
        + f'<p id="emergence">{kt("explain", lang)}</p>'
        + f'<p class="note">{_e(kt("controls", lang))}</p>'
    )
    results = (
        f'{results_table(result, lang)}<p class="caption">{_e(pt("results_caption", lang))}</p>'
    )
    detail = "".join(pattern_section(result, pid, lang, figures[pid]) for pid in result.specs)
    sections = [
        ("method", pt("s_method", lang), method),
        ("results", pt("s_results", lang), results),
        ("patterns", pt("s_patterns", lang), detail),
        (
            "robustness",
            pt("s_robustness", lang),
            robustness_section(result, lang, figures.get("robustness")),
        ),
        ("honesty", pt("s_honesty", lang), honesty_section(result, lang)),
        ("reproduce", pt("s_reproduce", lang), reproduce_section(result, lang)),
    ]
    summary = summary_box(pt("key_message", lang), summary_html(result, lang))
    return page(
        lang,
        title,
        title,
        f'<p class="subtitle">{_e(subtitle)}</p>',
        sections,
        pt("contents", lang),
        footer=pt("footer", lang),
        before_nav=summary,
        extra_css=EXTRA_CSS,
    )


# --- writing ------------------------------------------------------------------------------------


def check_patterns_dir(out: Path, figure_names: set[str] | None = None) -> None:
    """Refuse an output path that is a file, or a folder holding more than a validation's files
    (writing replaces the whole folder). Figures are the shipped patterns' and robustness.png."""
    from ..patterns import pattern_files, pattern_id

    names = {f"{pattern_id(f)}.png" for f in pattern_files()} | {ROBUSTNESS_FIGURE}
    check_out_dir(
        out,
        PATTERN_FILES,
        {"figures": names | (figure_names or set())},
        what="a pattern validation",
    )


def write_patterns(result: PatternsResult, out: Path, lang: str = "en") -> Path:
    """Write report.html, patterns.csv, robustness.csv, figures/ and metadata.json into ``out``:
    into a temporary sibling folder first, which replaces ``out`` only when complete."""
    try:
        check_lang(lang)
    except InputError as err:
        raise InputError(err.detail, key="--lang") from None
    out = Path(out)
    files = figure_files(result)
    check_patterns_dir(out, set(files.values()))

    def fill(tmp: Path) -> None:
        patterns_table(result, lang).to_csv(tmp / "patterns.csv", index=False)
        robustness_table(result).to_csv(tmp / "robustness.csv", index=False)
        write_json(tmp / "metadata.json", {**result.metadata, "lang": lang})
        figures = make_figures(result, lang)
        (tmp / "figures").mkdir()
        for key, image in figures.items():
            (tmp / "figures" / files[key]).write_bytes(image)
        (tmp / "report.html").write_text(render_html(result, lang, figures), encoding="utf-8")

    write_atomically(out, fill)
    return out
