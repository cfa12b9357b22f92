"""The calibration report: what the evidence says about the assumed parameters, one
self-contained HTML page in English or French.

``write_calibration_report(outputs, folder, lang, catalogue)`` writes ``report.html`` into a
calibration's output folder (atomically: a temporary file renamed into place). It shows, from
:class:`hlmsim.calibrate.summary.CalibrationOutputs`: the key message; epsilon, acceptance rate
and effective sample size by generation; each parameter's posterior against its prior, saying
plainly which ones the evidence identifies (:data:`~hlmsim.calibrate.summary.IDENTIFIED_RATIO`)
and which stay where the prior put them; pair plots of the most correlated parameters; the
posterior predictive check on the calibration targets and, apart, on the held-out validation
targets; the share of posterior draws that reproduce each pattern; the screening that chose the
parameters; the method and the command that reproduces it. Every text comes from the
``[calibration_report]`` section of the catalogue.
"""

from __future__ import annotations

import math
import os
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..i18n import DEFAULT_LANG, check_lang, t
from ..i18n.formats import DASH, count, fmt_num, fmt_pct, fmt_range, round_sig
from ..params import field_meta
from .html import esc as _e
from .html import img, page, summary_box
from .style import axis_formatter, new_figure, png, rc, style_axes
from .targets import fmt_target, short_label
from .values import param_label, param_unit, param_value

if TYPE_CHECKING:
    from ..calibrate.summary import CalibrationOutputs
    from ..targets.catalogue import Catalogue

#: Okabe & Ito colours: the posterior, the prior, an identified parameter's interval.
POSTERIOR, PRIOR, INSIDE, OUTSIDE = "#0072B2", "#bdbdbd", "#0072B2", "#D55E00"

EXTRA_CSS = """
.identified { color: #0060a0; font-weight: 600; }
.prior-bound { color: var(--muted); font-weight: 600; }
table.cal td, table.cal th { font-size: 0.88em; padding: 4px 6px; }
table.cal td.num { white-space: nowrap; }
table.cal .sub { display: block; color: var(--muted); font-size: 0.9em; font-weight: normal; }
.covered { color: #0060a0; font-weight: 600; }
.missed { color: #b84a00; font-weight: 600; }
"""


def ct(key: str, lang: str, **values: Any) -> str:
    """A text of the calibration report (``[calibration_report]`` of the catalogue)."""
    return t(f"calibration_report.{key}", lang, **values)


def _num(x: Any, lang: str, sig: int = 3) -> str:
    """A parameter value rounded to ``sig`` significant digits, in the reader's format."""
    if x is None or not math.isfinite(float(x)):
        return DASH
    return param_value(round_sig(float(x), sig), lang)


def _label(name: str, lang: str) -> str:
    return param_label(field_meta(name), lang)


def _decimals(low: float, high: float) -> int:
    """Decimals that tell values apart on a prior's range: two significant digits of its
    width (0.025 to 0.1: three decimals; 18 to 72: none)."""
    width = abs(high - low)
    if not width or not math.isfinite(width):
        return 2
    return int(min(max(1 - math.floor(math.log10(width)), 0), 6))


def _param_th(name: str, lang: str, unit: bool = False) -> str:
    """A parameter's row header: its name, and its label (and unit) below."""
    meta = field_meta(name)
    sub = param_label(meta, lang) + (f" ({param_unit(meta, lang)})" if unit else "")
    return f'<th scope="row"><code>{_e(name)}</code><span class="sub">{_e(sub)}</span></th>'


def _ticks(ax: Any, axis: str, low: float, high: float, log: bool, lang: str) -> None:
    """Four or five readable ticks on a prior's range, in the reader's number format."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    if log:
        vals = [round_sig(v, 2) for v in np.geomspace(low, high, 4)]
    else:
        vals = list(np.linspace(low, high, 5))
    d = max(_decimals(low, high) - (0 if log else 1), 0)
    d = max(d, max(_frac_digits(v) for v in vals)) if log else d
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(vals))
    target.set_major_formatter(axis_formatter(lang, d))
    target.set_minor_locator(NullLocator())
    target.set_minor_formatter(NullFormatter())


def _frac_digits(v: float) -> int:
    s = f"{v:g}"
    return len(s.split(".")[1]) if "." in s and "e" not in s else 0


# --- figures ------------------------------------------------------------------------------------


def figure_generations(gens: pd.DataFrame, lang: str) -> bytes:
    """Epsilon (log scale), acceptance rate and effective sample size by generation."""
    import matplotlib as mpl

    with mpl.rc_context(rc()):
        fig = new_figure(9.6, 2.7)
        axes = fig.subplots(1, 3)
        g = gens["generation"].to_numpy()
        series = [
            (gens["epsilon"].to_numpy(dtype=float), ct("fig_epsilon", lang), True, 100.0),
            (
                100 * gens["acceptance_rate"].to_numpy(dtype=float),
                ct("fig_acceptance", lang),
                False,
                1.0,
            ),
            (gens["ess"].to_numpy(dtype=float), ct("fig_ess", lang), False, 1.0),
        ]
        for ax, (y, title, log, _) in zip(axes, series, strict=True):
            ax.plot(g, y, marker="o", color=POSTERIOR, linewidth=1.6, markersize=4)
            if log and np.all(y > 0):
                ax.set_yscale("log")
                _ticks(ax, "y", float(y.min()), float(y.max()), True, lang)
            else:
                ax.yaxis.set_major_formatter(axis_formatter(lang))
            ax.set_title(title, loc="left")
            ax.set_xlabel(ct("fig_generation", lang))
            ax.xaxis.get_major_locator().set_params(integer=True)
            style_axes(ax)
        return png(fig)


def _weighted_hist(x: np.ndarray, w: np.ndarray, lo: float, hi: float, log: bool) -> tuple:
    bins = np.geomspace(lo, hi, 21) if log else np.linspace(lo, hi, 21)
    h, edges = np.histogram(np.clip(x, lo, hi), bins=bins, weights=w)
    widths = np.diff(np.log(edges)) if log else np.diff(edges)
    dens = h / (h.sum() * widths) if h.sum() > 0 else h
    return dens, edges


def figure_marginals(outputs: CalibrationOutputs, summary: pd.DataFrame, lang: str) -> bytes:
    """One panel per parameter: the posterior (last generation, weighted histogram on the
    prior's scale) over the prior (grey), the 90% posterior interval and the default value."""
    import matplotlib as mpl

    from ..calibrate.summary import last_generation

    last = last_generation(outputs.posterior)
    w = last["weight"].to_numpy()
    n = len(outputs.priors)
    cols = 3 if n > 4 else max(n, 1)
    rows = math.ceil(n / cols)
    with mpl.rc_context(rc()):
        fig = new_figure(9.6, 2.1 * rows + 0.2)
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for ax, p in zip(axes, outputs.priors, strict=False):
            s = summary[summary["parameter"] == p.name].iloc[0]
            dens, edges = _weighted_hist(last[p.name].to_numpy(float), w, p.low, p.high, p.log)
            prior_d = 1 / (math.log(p.high / p.low) if p.log else (p.high - p.low))
            ax.stairs(
                np.full(len(dens), prior_d),
                edges,
                fill=True,
                color=PRIOR,
                alpha=0.6,
                label=ct("fig_prior", lang),
            )
            ax.stairs(
                dens, edges, fill=True, color=POSTERIOR, alpha=0.75, label=ct("fig_posterior", lang)
            )
            ax.axvspan(s["q05"], s["q95"], color=POSTERIOR, alpha=0.08, linewidth=0)
            default = field_meta(p.name)["default"]
            if p.low <= default <= p.high:
                ax.axvline(default, color="#1a1a1a", linestyle=":", linewidth=1.2)
            if p.log:
                ax.set_xscale("log")
            ax.set_xlim(p.low, p.high)
            ax.set_yticks([])
            _ticks(ax, "x", p.low, p.high, p.log, lang)
            mark = ct("fig_identified", lang) if s["identified"] else ct("fig_not_identified", lang)
            ax.set_title(
                f"{p.name}\n{mark}",
                loc="left",
                fontsize=9,
                color=INSIDE if s["identified"] else "#555555",
            )
            style_axes(ax)
            ax.grid(False)
        for ax in axes[n:]:
            ax.set_visible(False)
        if n:
            axes[0].legend(loc="upper right", fontsize=8, frameon=False)
        return png(fig)


def figure_pairs(
    outputs: CalibrationOutputs, pairs: list[tuple[str, str, float]], lang: str
) -> bytes:
    """The most correlated pairs: the last generation's particles, dot size by weight."""
    import matplotlib as mpl

    from ..calibrate.summary import last_generation

    last = last_generation(outputs.posterior)
    size = 6 + 60 * last["weight"].to_numpy() / max(last["weight"].max(), 1e-300)
    priors = {p.name: p for p in outputs.priors}
    with mpl.rc_context(rc()):
        fig = new_figure(3.3 * len(pairs), 3.1)
        axes = np.atleast_1d(fig.subplots(1, len(pairs)))
        for ax, (a, b, r) in zip(axes, pairs, strict=True):
            ax.scatter(last[a], last[b], s=size, color=POSTERIOR, alpha=0.35, linewidths=0)
            for name, axis in ((a, "x"), (b, "y")):
                p = priors[name]
                getattr(ax, f"set_{axis}scale")("log" if p.log else "linear")
                getattr(ax, f"set_{axis}lim")(p.low, p.high)
                _ticks(ax, axis, p.low, p.high, p.log, lang)
            ax.set_xlabel(a, fontsize=8.5)
            ax.set_ylabel(b, fontsize=8.5)
            ax.set_title(f"r = {fmt_num(r, 2, lang)}", loc="left")
            style_axes(ax)
        return png(fig)


def figure_predictive(pred: pd.DataFrame, catalogue: Catalogue, lang: str) -> bytes:
    """Each target's range (band) and value (tick) against the posterior draws' 90% interval
    (line) and mean (dot), standardised so that the range spans -1 to 1: calibration targets
    above, held-out validation targets below."""
    import matplotlib as mpl

    rows = pred.reset_index(drop=True)
    n = len(rows)
    with mpl.rc_context(rc()):
        fig = new_figure(9.6, 0.42 * n + 1.1)
        ax = fig.subplots()
        labels = []
        for i, r in rows.iterrows():
            y = n - 1 - i
            half = (r["high"] - r["low"]) / 2 or 1.0
            mid = (r["high"] + r["low"]) / 2

            def z(x: float, mid: float = mid, half: float = half) -> float:
                return float(np.clip((x - mid) / half, -6, 6))

            ax.add_patch(mpl.patches.Rectangle((-1, y - 0.3), 2, 0.6, color="#cfe3f1", linewidth=0))
            ax.plot([z(r["value"])] * 2, [y - 0.3, y + 0.3], color="#1a1a1a", linewidth=1.2)
            colour = INSIDE if r["covered"] else OUTSIDE
            ax.plot([z(r["q05"]), z(r["q95"])], [y, y], color=colour, linewidth=2.2)
            ax.plot([z(r["mean"])], [y], "o", color=colour, markersize=5)
            tg = catalogue.get(r["target"])
            role = ct("role_" + r["role"], lang)
            labels.append(f"{short_label(tg, lang, 52)} · {role}")
        ax.set_yticks(range(n - 1, -1, -1), labels, fontsize=8.5)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlim(-6.3, 6.3)
        ax.axvline(0, color="#999999", linewidth=0.6)
        ax.set_xlabel(ct("fig_standardised", lang))
        ax.xaxis.set_major_formatter(axis_formatter(lang, 0))
        style_axes(ax)
        return png(fig)


# --- sections -----------------------------------------------------------------------------------


def summary_html(outputs: CalibrationOutputs, summary: pd.DataFrame, lang: str) -> str:
    """The key message: what was calibrated on what, what the evidence identifies, how the
    posterior fares on the held-out targets."""
    gens = outputs.generations
    ident = [p for p, ok in zip(summary["parameter"], summary["identified"], strict=True) if ok]
    loose = [p for p, ok in zip(summary["parameter"], summary["identified"], strict=True) if not ok]
    parts = [
        ct(
            "sum_run",
            lang,
            count=len(outputs.priors),
            params=count(len(outputs.priors), "calibration_report.parameters_n", lang),
            targets=count(len(outputs.targets), "calibration_report.targets_n", lang),
            gens=count(len(gens), "calibration_report.generations_n", lang),
            eps=_num(gens["epsilon"].iloc[-1], lang) if len(gens) else DASH,
        )
    ]

    def labels(names: list[str]) -> str:  # the planner's words; labels may hold commas
        return "; ".join(_label(n, lang) for n in names)

    if ident:
        parts.append(ct("sum_identified", lang, n=len(ident), list=labels(ident)))
    else:
        parts.append(ct("sum_none_identified", lang))
    if loose:
        parts.append(ct("sum_loose", lang, n=len(loose), list=labels(loose)))
    pred = outputs.predictive
    if pred is not None and len(pred):
        for role in ("calibration", "validation"):
            g = pred[pred["role"] == role]
            if len(g):
                parts.append(ct(f"sum_pred_{role}", lang, k=int(g["covered"].sum()), n=len(g)))
    return " ".join(_e(p) for p in parts)


def generations_table(gens: pd.DataFrame, lang: str) -> str:
    head = "".join(
        f"<th>{_e(ct(k, lang))}</th>"
        for k in ("col_generation", "col_epsilon", "col_acceptance", "col_ess", "col_samples")
    )
    body = "".join(
        "<tr>"
        f'<td class="num">{int(r["generation"])}</td>'
        f'<td class="num">{_e(_num(r["epsilon"], lang))}</td>'
        f'<td class="num">{_e(fmt_pct(r["acceptance_rate"], lang, 1))}</td>'
        f'<td class="num">{_e(fmt_num(r["ess"], 0, lang))}</td>'
        f'<td class="num">{_e(fmt_num(r["samples"], 0, lang))}</td>'
        "</tr>"
        for _, r in gens.iterrows()
    )
    return f'<table class="cal"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def parameters_table(summary: pd.DataFrame, lang: str) -> str:
    head = "".join(
        f"<th>{_e(ct(k, lang))}</th>"
        for k in (
            "col_parameter",
            "col_prior",
            "col_default",
            "col_mean",
            "col_interval",
            "col_ratio",
            "col_verdict",
        )
    )
    body = []
    for _, r in summary.iterrows():
        meta = field_meta(r["parameter"])
        d = _decimals(r["prior_low"], r["prior_high"])

        def num(x: float, d: int = d) -> str:
            return fmt_num(x, d, lang)

        prior = fmt_range(_num(r["prior_low"], lang), _num(r["prior_high"], lang), lang)
        scale = ct("log" if r["prior"] == "loguniform" else "linear", lang)
        verdict = (
            f'<span class="identified">{_e(ct("identified", lang))}</span>'
            if r["identified"]
            else f'<span class="prior-bound">{_e(ct("not_identified", lang))}</span>'
        )
        interval = fmt_range(num(r["q05"]), num(r["q95"]), lang)
        body.append(
            "<tr>"
            + _param_th(r["parameter"], lang, unit=True)
            + f'<td class="num">{_e(prior)}<span class="sub">{_e(scale)}</span></td>'
            f'<td class="num">{_e(_num(meta["default"], lang))}</td>'
            f'<td class="num">{_e(num(r["mean"]))}</td>'
            f'<td class="num">{_e(interval)}</td>'
            f'<td class="num">{_e(fmt_pct(r["width_ratio"], lang))}</td>'
            f"<td>{verdict}</td>"
            "</tr>"
        )
    return (
        f'<table class="cal"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def predictive_table(pred: pd.DataFrame, catalogue: Catalogue, lang: str) -> str:
    head = "".join(
        f"<th>{_e(ct(k, lang))}</th>"
        for k in ("col_target", "col_value", "col_draws", "col_inside", "col_covered")
    )
    body = []
    for _, r in pred.iterrows():
        tg = catalogue.get(r["target"])
        rng = fmt_range(fmt_target(tg, r["low"], lang), fmt_target(tg, r["high"], lang), lang)
        draws = fmt_range(fmt_target(tg, r["q05"], lang), fmt_target(tg, r["q95"], lang), lang)
        covered = (
            f'<span class="covered">{_e(ct("covered", lang))}</span>'
            if r["covered"]
            else f'<span class="missed">{_e(ct("missed", lang))}</span>'
        )
        body.append(
            "<tr>"
            f'<th scope="row"><code>{_e(tg.id)}</code>'
            f'<span class="sub">{_e(short_label(tg, lang, 80))}</span></th>'
            + _cell(fmt_target(tg, r["value"], lang), rng)
            + _cell(fmt_target(tg, r["mean"], lang), draws)
            + f'<td class="num">{_e(fmt_pct(r["share_inside"], lang))}</td>'
            f"<td>{covered}</td>"
            "</tr>"
        )
    return (
        f'<table class="cal"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def patterns_table(pat: pd.DataFrame, lang: str) -> str:
    head = "".join(
        f"<th>{_e(ct(k, lang))}</th>" for k in ("col_pattern", "col_finding", "col_share")
    )
    body = "".join(
        "<tr>"
        f'<th scope="row"><code>{_e(r["pattern"])}</code></th>'
        f'<td class="num">{_e(r["finding"])}</td>'
        + _cell(
            fmt_pct(r["robustness_share"], lang),
            count(r["robustness_points"], "calibration_report.draws_n", lang),
        )
        + "</tr>"
        for _, r in pat.iterrows()
    )
    return f'<table class="cal"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _driver(r: pd.Series, lang: str) -> str:
    """The output where a screened parameter's score is reached: a target's id or the
    headline comparison."""
    d = str(r.get("driver", "") or "")
    if not d:
        return f"<td>{DASH}</td>"
    if d == "headline":
        return f"<td>{_e(ct('driver_headline', lang))}</td>"
    return f"<td><code>{_e(d)}</code></td>"


def screening_table(scr: pd.DataFrame, lang: str) -> str:
    keys = ["col_rank", "col_parameter", "col_score", "col_chosen"]
    if "driver" in scr.columns:
        keys.append("col_driver")
    head = "".join(f"<th>{_e(ct(k, lang))}</th>" for k in keys)
    body = "".join(
        "<tr>"
        f'<td class="num">{int(r["rank"])}</td>'
        + _param_th(r["parameter"], lang)
        + f'<td class="num">{_e(fmt_num(r["score"], 2, lang))}</td>'
        f"<td>{_e(ct('yes' if r['selected'] else 'no', lang))}</td>"
        + (_driver(r, lang) if "driver" in scr.columns else "")
        + "</tr>"
        for _, r in scr.sort_values("rank").iterrows()
    )
    return f'<table class="cal"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(main: str, sub: str) -> str:
    """A number cell with a second line below it (a range, an interval, a count)."""
    return f'<td class="num">{_e(main)}<span class="sub">{_e(sub)}</span></td>'


def _figure(data: bytes, alt: str, caption: str) -> str:
    return f"<figure>{img(data, alt)}<figcaption>{_e(caption)}</figcaption></figure>"


def render_html(outputs: CalibrationOutputs, catalogue: Catalogue, lang: str) -> str:
    """The report as one self-contained HTML page."""
    from .. import __version__
    from ..calibrate.summary import IDENTIFIED_RATIO, correlated_pairs, parameter_summary

    meta = outputs.meta
    summary = parameter_summary(outputs.posterior, outputs.priors)
    title = ct("title", lang)
    subtitle = ct(
        "subtitle",
        lang,
        scenario=meta.get("scenario_name") or meta.get("scenario") or DASH,
        mode=ct("mode_quick" if meta.get("quick") else "mode_full", lang),
        seed=meta.get("seed", DASH),
        version=meta.get("hlmsim_version", __version__),
    )
    sections = [
        (
            "generations",
            ct("s_generations", lang),
            _figure(
                figure_generations(outputs.generations, lang),
                ct("s_generations", lang),
                ct("cap_generations", lang),
            )
            + generations_table(outputs.generations, lang),
        ),
        (
            "parameters",
            ct("s_parameters", lang),
            f"<p>{_e(ct('intro_parameters', lang, pct=fmt_pct(IDENTIFIED_RATIO, lang)))}</p>"
            + parameters_table(summary, lang)
            + _figure(
                figure_marginals(outputs, summary, lang),
                ct("s_parameters", lang),
                ct("cap_marginals", lang),
            ),
        ),
    ]
    pairs = correlated_pairs(outputs.posterior, outputs.priors)
    if pairs:
        sections.append(
            (
                "pairs",
                ct("s_pairs", lang),
                f"<p>{_e(ct('intro_pairs', lang))}</p>"
                + _figure(
                    figure_pairs(outputs, pairs, lang), ct("s_pairs", lang), ct("cap_pairs", lang)
                ),
            )
        )
    pred = outputs.predictive
    if pred is not None and len(pred):
        html = f"<p>{_e(ct('intro_predictive', lang))}</p>"
        html += _figure(
            figure_predictive(pred, catalogue, lang),
            ct("s_predictive", lang),
            ct("cap_predictive", lang),
        )
        for role in ("calibration", "validation"):
            g = pred[pred["role"] == role]
            if len(g):
                html += f"<h3>{_e(ct('h_' + role, lang))}</h3>" + predictive_table(
                    g, catalogue, lang
                )
        sections.append(("predictive", ct("s_predictive", lang), html))
    if outputs.patterns is not None and len(outputs.patterns):
        sections.append(
            (
                "patterns",
                ct("s_patterns", lang),
                f"<p>{_e(ct('intro_patterns', lang))}</p>" + patterns_table(outputs.patterns, lang),
            )
        )
    scr_html = ""
    if outputs.screening is not None and len(outputs.screening):
        spec = (meta.get("config") or {}).get("screening") or {}
        stored = spec.get("stored")
        cap = int(spec.get("max_parameters") or int(outputs.screening["selected"].sum()))
        intro = ct("intro_screening", lang, cap=cap)
        if stored:
            intro += " " + ct("intro_screening_stored", lang, file=stored)
        scr_html = f"<p>{_e(intro)}</p>" + screening_table(outputs.screening, lang)
    if outputs.fixed:
        scr_html += (
            f"<p>{_e(ct('fixed', lang, n=len(outputs.fixed), list=', '.join(outputs.fixed)))}</p>"
        )
    if scr_html:
        sections.append(("screening", ct("s_screening", lang), scr_html))
    method = f"<p>{_e(ct('method', lang))}</p>"
    command = meta.get("command")
    if command:
        method += f"<p>{_e(ct('reproduce', lang))}</p><pre>{_e(command)}</pre>"
    sections.append(("method", ct("s_method", lang), method))
    return page(
        lang,
        title,
        title,
        f'<p class="subtitle">{_e(subtitle)}</p>',
        sections,
        ct("contents", lang),
        footer=ct("footer", lang),
        before_nav=summary_box(ct("key_message", lang), summary_html(outputs, summary, lang)),
        extra_css=EXTRA_CSS,
    )


def write_calibration_report(
    outputs: CalibrationOutputs,
    folder: Path,
    lang: str = DEFAULT_LANG,
    catalogue: Catalogue | None = None,
) -> Path:
    """Write ``report.html`` into a calibration's output ``folder`` (a temporary file renamed
    into place, so that a reader never sees half a report). Returns its path."""
    from ..targets.catalogue import load_catalogue

    try:
        check_lang(lang)
    except InputError as err:
        raise InputError(err.detail, key="--lang") from None
    catalogue = catalogue or load_catalogue()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    html = render_html(outputs, catalogue, lang)
    fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".html", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(html)
    os.chmod(tmp, 0o644)
    final = folder / "report.html"
    os.replace(tmp, final)
    return final


def reproduce_command(argv: list[str]) -> str:
    """The command line that reproduces a calibration."""
    return shlex.join(["hlmsim", *argv])


__all__ = ["render_html", "reproduce_command", "write_calibration_report"]
