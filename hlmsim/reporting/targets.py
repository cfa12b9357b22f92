"""The targets report: the model against the facts, one self-contained HTML page in English or
French, and its CSV.

``write_targets(result, out, lang)`` writes into ``out``, atomically: ``report.html`` (the
figure embedded as base64 PNG, CSS inline, no external resource), ``targets.csv`` (one row per
target) and ``metadata.json``. Every text comes from the ``[targets]`` section of the catalogue;
numbers from :mod:`hlmsim.i18n.formats`, the page from :mod:`hlmsim.reporting.html`, the
figure's style from :mod:`hlmsim.reporting.style`.
"""

from __future__ import annotations

import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..arrangements import arrangement_label
from ..errors import InputError
from ..i18n import DEFAULT_LANG, check_lang, localized, t
from ..i18n.formats import DASH, count, finite, fmt_num, fmt_pct, fmt_range, label_value
from ..observables import OBSERVABLES, observable_label
from ..outdir import check_out_dir, write_atomically
from ..run import write_json
from .html import esc as _e
from .html import img, page, summary_box
from .style import axis_formatter, new_figure, png, rc, style_axes

if TYPE_CHECKING:
    from ..targets.catalogue import Target
    from ..targets.engine import TargetsResult

#: What a targets folder holds.
TARGET_FILES = frozenset({"report.html", "targets.csv", "metadata.json"})
#: Okabe & Ito colours: a mean inside its range, outside it; the range band and the value tick.
INSIDE, OUTSIDE, BAND, TICK = "#0072B2", "#D55E00", "#cfe3f1", "#1a1a1a"
#: The figure's axis spans at least ±MIN_SPAN and at most ±MAX_SPAN standardised units.
MIN_SPAN, MAX_SPAN = 2.0, 6.0
ROLES = ("calibration", "validation")

EXTRA_CSS = """
.verdict-inside { color: #0060a0; font-weight: 600; }
.verdict-outside { color: #b84a00; font-weight: 600; }
.verdict-undefined { color: var(--muted); font-weight: 600; }
table.targets td, table.targets th { font-size: 0.86em; padding: 4px 5px; }
table.targets td.target { min-width: 15em; }
table.targets td.observable { min-width: 10em; }
table.targets td.value { text-align: right; min-width: 9em; font-variant-numeric: tabular-nums; }
table.targets td.value .ci { display: block; color: var(--muted); font-size: 0.86em;
  white-space: nowrap; }
table.targets td.value .sub { text-align: left; }
table.targets .sub { display: block; color: var(--muted); font-size: 0.9em; }
table.targets .why { display: block; color: #333; font-size: 0.9em; font-style: italic; }
table.targets code { font-size: 0.9em; overflow-wrap: anywhere; }
table.targets td.cite { font-size: 0.82em; min-width: 12em; overflow-wrap: anywhere; }
"""


def tt(key: str, lang: str, **values: Any) -> str:
    """A text of the targets report (``[targets]`` of the catalogue)."""
    return t(f"targets.{key}", lang, **values)


# --- numbers in each target's unit --------------------------------------------------------------


def _kind(target: Target) -> str:
    """How a target's numbers are shown: ``pct`` (a share, in %), ``pp`` (a difference of
    shares, in percentage points), ``ratio`` or ``plain`` (the observable's unit)."""
    if target.contrast in ("ratio", "odds_ratio"):
        return "ratio"
    share = OBSERVABLES[target.observable].unit == "share"
    if target.contrast == "difference":
        return "pp" if share else "plain"
    return "pct" if share else "plain"


def _scale(target: Target) -> float:
    return 100.0 if _kind(target) in ("pct", "pp") else 1.0


def _written_decimals(x: float | None) -> int:
    """Decimals of a number as the catalogue writes it (at most 3)."""
    if x is None or not finite(x):
        return 0
    s = f"{round(float(x), 6):g}"
    if "e" in s:
        return 3
    return min(3, len(s.split(".")[1]) if "." in s else 0)


def decimals(target: Target) -> int:
    """Decimals of a target's numbers: as many as the catalogue gives its value and range."""
    k = _scale(target)
    given = [target.value, target.low, target.high, target.sd]
    return max(_written_decimals(k * x) for x in given if x is not None)


def fmt_target(target: Target, x: Any, lang: str) -> str:
    """A number in the target's unit (a share in %, a difference of shares in points)."""
    if not finite(x):
        return DASH
    kind = _kind(target)
    if kind == "pct":
        return fmt_pct(x, lang, decimals(target))
    return fmt_num(_scale(target) * float(x), decimals(target), lang, sign=kind == "pp")


def unit_text(target: Target, lang: str) -> str:
    """The unit the target's numbers are shown in."""
    kind = _kind(target)
    if kind == "pct":
        return f"{tt('percent', lang)} ({tt('units.share', lang)})"
    if kind == "pp":
        return tt("pp", lang)
    if kind == "ratio":
        return tt("contrast_" + str(target.contrast), lang)
    return tt(f"units.{OBSERVABLES[target.observable].unit}", lang)


def ci_text(target: Target, lo: Any, hi: Any, lang: str) -> str:
    """A 95% CI in the target's unit ("–" when there is none)."""
    if not (finite(lo) and finite(hi)):
        return DASH
    return fmt_range(fmt_target(target, lo, lang), fmt_target(target, hi, lang), lang)


def distance_text(x: Any, lang: str) -> str:
    return fmt_num(x, 2 if finite(x) and abs(float(x)) < 10 else 1, lang, sign=True)


def verdict_text(verdict: str, lang: str) -> str:
    return tt(f"verdict_{verdict}", lang)


# --- CSV ----------------------------------------------------------------------------------------


def targets_table(result: TargetsResult, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """``targets.csv``: the engine's table (numbers in the observable's own unit: shares as
    fractions) and each target's texts in ``lang``."""
    tab = result.table.copy()
    texts = []
    for r in tab.to_dict("records"):
        tg = result.target(r["id"])
        texts.append(
            {
                "verdict_label": verdict_text(r["verdict"], lang),
                "observable_label": observable_label(tg.observable, lang),
                "description": localized(tg, lang, "description"),
                "setting": localized(tg, lang, "setting"),
                "range_basis": localized(tg, lang, "range_basis"),
                "role_reason": localized(tg, lang, "role_reason"),
                "citation": tg.citation,
                "url": tg.url or "",
            }
        )
    return pd.concat([tab, pd.DataFrame(texts, index=tab.index)], axis=1)


# --- the figure ---------------------------------------------------------------------------------


def _ordered(result: TargetsResult) -> list[tuple[int, dict[str, Any]]]:
    """(number, row) of every target, calibration first, numbered as in the tables."""
    rows = result.table.to_dict("records")
    out = []
    for role in ROLES:
        out += [r for r in rows if r["role"] == role]
    return list(enumerate(out, start=1))


def short_label(target: Target, lang: str, width: int = 58) -> str:
    """A target's label in the figure: its observable (and contrast), shortened."""
    text = observable_label(target.observable, lang)
    if target.contrast:
        text += f" ({tt('contrast_' + target.contrast, lang)})"
    return textwrap.shorten(text, width, placeholder="…")


def figure_targets(result: TargetsResult, lang: str) -> bytes:
    """Per target a row: its range as a band from −1 to +1, its value as a tick at 0, the
    model's mean with its 95% CI on the same standardised scale (clipped at the axis edge)."""
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ordered = _ordered(result)
    finite_z = [
        abs(float(r[k]))
        for _, r in ordered
        for k in ("distance", "distance_ci_low", "distance_ci_high")
        if finite(r[k])
    ]
    span = min(MAX_SPAN, max(MIN_SPAN, 1.08 * max(finite_z, default=0.0)))
    roles = [role for role in ROLES if any(r["role"] == role for _, r in ordered)]
    n_rows = len(ordered) + len(roles)
    with mpl.rc_context(rc()):
        fig = new_figure(9.4, 1.5 + 0.34 * n_rows)
        ax = fig.subplots()
        y = n_rows
        ticks, labels = [], []
        for role in roles:
            y -= 1
            ax.text(
                -span,
                y,
                tt(f"s_{role}", lang),
                fontweight="bold",
                fontsize=9.5,
                va="center",
                ha="left",
            )
            for i, r in ordered:
                if r["role"] != role:
                    continue
                y -= 1
                tg = result.target(r["id"])
                ticks.append(y)
                labels.append(f"{i}. {short_label(tg, lang)}")
                ax.barh(y, 2, left=-1, height=0.62, color=BAND, zorder=1)
                ax.plot([0, 0], [y - 0.31, y + 0.31], color=TICK, linewidth=1.6, zorder=2)
                z = float(r["distance"])
                if not finite(z):
                    ax.text(
                        0.08,
                        y,
                        tt("fig_undefined", lang),
                        va="center",
                        ha="left",
                        fontsize=8.5,
                        color="#555555",
                        style="italic",
                    )
                    continue
                c = INSIDE if r["verdict"] == "inside" else OUTSIDE
                lo = float(r["distance_ci_low"]) if finite(r["distance_ci_low"]) else z
                hi = float(r["distance_ci_high"]) if finite(r["distance_ci_high"]) else z
                edge = span * 0.985
                lo_c, hi_c = max(lo, -edge), min(hi, edge)
                if hi_c > lo_c:
                    ax.plot([lo_c, hi_c], [y, y], color=c, linewidth=2.2, zorder=3)
                if abs(z) > edge:
                    side = 1 if z > 0 else -1
                    ax.plot(
                        side * edge,
                        y,
                        marker=">" if side > 0 else "<",
                        color=c,
                        markersize=8,
                        zorder=4,
                        linestyle="none",
                    )
                    ax.annotate(
                        distance_text(z, lang),
                        (side * edge, y),
                        xytext=(-10 * side, 7),
                        textcoords="offset points",
                        ha="right" if side > 0 else "left",
                        va="center",
                        fontsize=8,
                        color=c,
                    )
                else:
                    marker = "o" if r["verdict"] == "inside" else "D"
                    ax.plot(z, y, marker=marker, color=c, markersize=6.5, zorder=4)
        ax.set_ylim(-0.7, n_rows - 0.3)
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize=8.5)
        ax.set_xlim(-span, span)
        ax.set_xlabel("\n".join(textwrap.wrap(tt("fig_x", lang), 56)))
        ax.xaxis.set_major_formatter(axis_formatter(lang, 0 if span >= 4 else 1))
        style_axes(ax)
        ax.grid(False, axis="y")
        handles = [
            Patch(color=BAND, label=tt("fig_range", lang)),
            Line2D([], [], color=TICK, linewidth=1.6, label=tt("fig_value", lang)),
            Line2D([], [], color=INSIDE, marker="o", linewidth=2.2, label=tt("fig_inside", lang)),
            Line2D([], [], color=OUTSIDE, marker="D", linewidth=2.2, label=tt("fig_outside", lang)),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
        return png(fig)


# --- HTML ---------------------------------------------------------------------------------------


def _arrangement_text(r: dict[str, Any], lang: str) -> str:
    return " + ".join(arrangement_label(a, lang) for a in str(r["arrangement"]).split("+"))


def _observable_cell(tg: Target, r: dict[str, Any], lang: str) -> str:
    parts = [_e(observable_label(tg.observable, lang))]
    if _kind(tg) != "ratio":  # a ratio's name is in the contrast's line
        parts.append(f'<span class="sub">{_e(unit_text(tg, lang))}</span>')
    if tg.contrast and tg.versus:
        line = tt(
            "contrast_line",
            lang,
            contrast=tt("contrast_" + tg.contrast, lang),
            arm=_arrangement_text(r, lang),
            versus=arrangement_label(tg.versus, lang),
        )
        parts.append(f'<span class="sub">{_e(line)}</span>')
    if tg.contrast:
        where = tt("measured_on_scenario", lang, scenario=r["scenario"])
    else:
        arrangement = _arrangement_text(r, lang)
        where = tt("measured_on", lang, scenario=r["scenario"], arrangement=arrangement)
    if tg.spin_up_months:
        where += ", " + tt("measured_after_spin_up", lang, months=tg.spin_up_months)
    parts.append(f'<span class="sub">{_e(where)}</span>')
    return "".join(parts)


def _citation_cell(tg: Target) -> str:
    text = _e(tg.citation)
    if tg.url:
        text += f' <a href="{_e(tg.url)}">{_e(tg.url)}</a>'
    return text


def role_table(result: TargetsResult, role: str, lang: str) -> str:
    """The table of one role's targets."""
    rows = [(i, r) for i, r in _ordered(result) if r["role"] == role]
    if not rows:
        return f"<p>{_e(tt('no_targets', lang))}</p>"
    cols = (
        "col_no",
        "col_target",
        "col_observable",
        "col_model",
        "col_value",
        "col_distance",
        "col_verdict",
        "col_citation",
    )
    head = "".join(f"<th>{_e(tt(c, lang))}</th>" for c in cols)
    body = []
    for i, r in rows:
        tg = result.target(r["id"])
        ci = ci_text(tg, r["ci_low"], r["ci_high"], lang)
        rng = tt(
            "range",
            lang,
            lo=fmt_target(tg, r["low"], lang),
            hi=fmt_target(tg, r["high"], lang),
        )
        verdict = r["verdict"]
        applies = label_value(
            tt("col_applicability", lang), tt("applicability_" + tg.applicability, lang), lang
        )
        why = tt(
            "why",
            lang,
            role=tt(f"role_{tg.role}", lang),
            reason=localized(tg, lang, "role_reason"),
        )
        body.append(
            f'<tr id="target-{_e(tg.id)}" data-verdict="{_e(verdict)}">'
            f'<td class="num">{i}</td>'
            f'<td class="target">{_e(localized(tg, lang, "description"))}'
            f'<span class="sub">{_e(localized(tg, lang, "setting"))}</span>'
            f'<span class="why">{_e(why)}</span><span class="sub"><code>{_e(tg.id)}</code></span>'
            f'</td><td class="observable">{_observable_cell(tg, r, lang)}</td>'
            f'<td class="num">{_e(fmt_target(tg, r["mean"], lang))}'
            f'<span class="ci">{_e(ci)}</span></td>'
            f'<td class="value">{_e(fmt_target(tg, r["value"], lang))}'
            f'<span class="ci">{_e(rng)}</span>'
            f'<span class="sub">{_e(localized(tg, lang, "range_basis"))}</span></td>'
            f'<td class="num">{_e(distance_text(r["distance"], lang))}</td>'
            f'<td><span class="verdict-{_e(verdict)}">{_e(verdict_text(verdict, lang))}</span></td>'
            f'<td class="cite"><span class="why">{_e(applies)}</span>{_citation_cell(tg)}</td>'
            "</tr>"
        )
    return (
        f"<p>{_e(tt('intro_' + role, lang))}</p>"
        f'<table class="targets" id="table-{role}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def compact_table(result: TargetsResult, lang: str) -> str:
    """Every target in one short table (for another report: the comparison's): the target, its
    role, the model's mean with its 95% CI, the target's value and range, the verdict."""
    cols = ("col_no", "col_target", "col_role", "col_model", "col_value", "col_verdict")
    head = "".join(f"<th>{_e(tt(c, lang))}</th>" for c in cols)
    body = []
    for i, r in _ordered(result):
        tg = result.target(r["id"])
        ci = ci_text(tg, r["ci_low"], r["ci_high"], lang)
        rng = tt(
            "range", lang, lo=fmt_target(tg, r["low"], lang), hi=fmt_target(tg, r["high"], lang)
        )
        verdict = r["verdict"]
        body.append(
            f'<tr data-verdict="{_e(verdict)}"><td class="num">{i}</td>'
            f'<td class="target">{_e(localized(tg, lang, "description"))}'
            f'<span class="sub"><code>{_e(tg.id)}</code></span></td>'
            f"<td>{_e(tt(f'role_{tg.role}', lang))}</td>"
            f'<td class="num">{_e(fmt_target(tg, r["mean"], lang))}'
            f'<span class="ci">{_e(ci)}</span></td>'
            f'<td class="value">{_e(fmt_target(tg, r["value"], lang))}'
            f'<span class="ci">{_e(rng)}</span></td>'
            f'<td><span class="verdict-{_e(verdict)}">{_e(verdict_text(verdict, lang))}</span></td>'
            "</tr>"
        )
    return (
        f'<table class="targets compact" id="table-targets"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _id_list(items: list[tuple[int, dict[str, Any]]], lang: str) -> str:
    return ", ".join(tt("item", lang, id=r["id"], i=i) for i, r in items)


def summary_html(result: TargetsResult, lang: str) -> str:
    """The summary: calibration targets inside, validation targets as they fall."""
    ordered = _ordered(result)
    out = []
    for role in ROLES:
        rows = [(i, r) for i, r in ordered if r["role"] == role]
        if not rows:
            continue
        k = sum(r["verdict"] == "inside" for _, r in rows)
        out.append(tt(f"sum_{role}", lang, k=k, n=len(rows)))
        outside = [(i, r) for i, r in rows if r["verdict"] == "outside"]
        if outside:
            out.append(_e(tt(f"sum_{role}_outside", lang, list=_id_list(outside, lang))))
    undefined = [(i, r) for i, r in ordered if r["verdict"] == "undefined"]
    if undefined:
        out.append(_e(tt("sum_undefined", lang, list=_id_list(undefined, lang))))
    reps = count(result.replications, "targets.replications_n", lang)
    out.append(_e(tt("sum_caveat", lang, reps=reps)))
    return " ".join(out)


def reproduce_command(result: TargetsResult, lang: str) -> str:
    meta = result.metadata
    if meta.get("command"):
        return str(meta["command"])
    args = ["hlmsim", "targets"]
    if meta.get("scenario"):
        args.append(str(meta["scenario"]))
    if meta.get("catalogue_path"):
        args += ["--catalogue", str(meta["catalogue_path"])]
    if meta.get("quick"):
        args.append("--quick")
    args += ["--replications", str(meta.get("replications")), "--seed", str(meta.get("seed", 0))]
    if meta.get("role", "all") != "all":
        args += ["--role", str(meta["role"])]
    if lang != DEFAULT_LANG:
        args += ["--lang", lang]
    return shlex.join(args)


def reproduce_section(result: TargetsResult, lang: str) -> str:
    meta = result.metadata
    unknown = tt("unknown", lang)
    versions = ", ".join(str(meta.get(k, unknown)) for k in ("python", "mesa", "numpy", "pandas"))
    runs = "; ".join(
        f"{r['scenario']}, {r['arrangement']} ({r['scenario_hash']})" for r in meta.get("runs", [])
    )
    seconds = meta.get("seconds")
    rows = [
        (
            tt("m_version", lang),
            f"{meta.get('hlmsim_version', unknown)} ({meta.get('model_version', unknown)})",
        ),
        (tt("m_commit", lang), meta.get("git_commit") or unknown),
        (tt("m_versions", lang), versions),
        (
            tt("m_catalogue", lang),
            f"{meta.get('catalogue', unknown)} ({meta.get('catalogue_sha256') or unknown})",
        ),
        (tt("m_runs", lang), runs),
        (tt("m_seed", lang), meta.get("seed", unknown)),
        (
            tt("m_batches", lang, size=meta.get("batch_size", "")),
            ", ".join(str(x) for x in meta.get("batch_seeds", [])),
        ),
        (tt("m_started", lang), meta.get("started", unknown)),
        (
            tt("m_seconds", lang),
            tt("seconds", lang, s=fmt_num(seconds, 1, lang)) if finite(seconds) else unknown,
        ),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return (
        f"<p>{_e(tt('reproduce_intro', lang))}</p><pre>{_e(reproduce_command(result, lang))}</pre>"
        f'<table class="meta"><tbody>{body}</tbody></table>'
        f'<p class="note">{_e(tt("files_note", lang))}</p>'
    )


def method_html(result: TargetsResult, lang: str) -> str:
    meta = result.metadata
    reps = count(result.replications, "targets.replications_n", lang)
    parts = [
        f"<p>{tt('method_1', lang)}</p>",
        f"<p>{tt('method_2', lang, reps=_e(reps), batch=meta.get('batch_size', ''))}</p>",
    ]
    if meta.get("scenario"):
        parts.append(f"<p>{_e(tt('method_scenario', lang, scenario=meta['scenario']))}</p>")
    if meta.get("quick"):
        parts.append(f'<p class="note">{tt("method_quick", lang)}</p>')
    return "".join(parts)


def render_html(result: TargetsResult, lang: str, figure: bytes) -> str:
    """The report as one self-contained HTML page."""
    from .. import __version__

    meta = result.metadata
    title = tt("title", lang)
    subtitle = tt(
        "subtitle",
        lang,
        targets=count(len(result.table), "targets.targets_n", lang),
        reps=count(result.replications, "targets.replications_n", lang),
        mode=tt("mode_quick" if meta.get("quick") else "mode_full", lang),
        seed=meta.get("seed", 0),
        version=meta.get("hlmsim_version", __version__),
    )
    fig_html = (
        f"<figure>{img(figure, tt('fig_alt', lang))}"
        f"<figcaption>{_e(tt('fig_caption', lang))}</figcaption></figure>"
    )
    sections = [("figure", tt("s_figure", lang), fig_html)]
    for role in ROLES:
        if (result.table["role"] == role).any():
            sections.append((role, tt(f"s_{role}", lang), role_table(result, role, lang)))
    sections += [
        ("method", tt("s_method", lang), method_html(result, lang)),
        ("reproduce", tt("s_reproduce", lang), reproduce_section(result, lang)),
    ]
    summary = summary_box(tt("key_message", lang), summary_html(result, lang))
    return page(
        lang,
        title,
        title,
        f'<p class="subtitle">{_e(subtitle)}</p>',
        sections,
        tt("contents", lang),
        footer=tt("footer", lang),
        before_nav=summary,
        extra_css=EXTRA_CSS,
    )


# --- writing ------------------------------------------------------------------------------------


def check_targets_dir(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding more than a targets report's
    files (writing replaces the whole folder)."""
    check_out_dir(out, TARGET_FILES, what="a targets report")


def write_targets(result: TargetsResult, out: Path, lang: str = DEFAULT_LANG) -> Path:
    """Write report.html, targets.csv and metadata.json into ``out``: into a temporary sibling
    folder first, which replaces ``out`` only when complete."""
    try:
        check_lang(lang)
    except InputError as err:
        raise InputError(err.detail, key="--lang") from None
    out = Path(out)
    check_targets_dir(out)

    def fill(tmp: Path) -> None:
        targets_table(result, lang).to_csv(tmp / "targets.csv", index=False)
        write_json(tmp / "metadata.json", {**result.metadata, "lang": lang})
        figure = figure_targets(result, lang)
        (tmp / "report.html").write_text(render_html(result, lang, figure), encoding="utf-8")

    write_atomically(out, fill)
    return out


__all__ = [
    "TARGET_FILES",
    "check_targets_dir",
    "ci_text",
    "figure_targets",
    "render_html",
    "targets_table",
    "write_targets",
]
