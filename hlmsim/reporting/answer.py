"""The comparison's answer, read in one minute: at most :data:`MAX_WORDS` words, then a one-screen
summary table, and the section on what holds up across the plausible worlds.

The answer never names a winner the intervals cannot separate: the arrangement with the highest
mean of needs met is said to meet the most needs only when the 95% interval of its paired
difference with the reference excludes 0, and arrangements whose difference with it includes 0
are said to be impossible to tell apart from it. Intervals are over parameter sets when the
comparison runs over an ensemble (each set's seeds averaged: :func:`hlmsim.compare.set_means`).
Sentences after the first are kept in order while they fit: one too long is left out (the
summary table below the answer says the rest) and a shorter one after it may still fit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..arrangements import arrangement_label
from ..compare import CompareResult, set_means
from ..i18n import t
from ..i18n.formats import DASH, fmt_money, fmt_num, fmt_pct, fmt_range, round_sig
from ..i18n.formats import finite as _finite
from ..outcomes import KEY_OUTCOMES, outcome_label
from ..params import field_meta
from ..replication import mean_ci
from . import transitions
from .html import esc as _e
from .html import swatch
from .values import display_unit, fmt_value, param_label

#: The answer's length limit, in words.
MAX_WORDS = 60
#: The outcome the answer is about.
HEADLINE = "needs_met"
#: The summary table's outcomes (then the probability of being best on the headline).
SUMMARY_OUTCOMES = ("needs_met", "needs_unmet", "service_use", "isolation", "cost")
#: The outcomes of the ranks table in the report (ranks.csv has every key outcome).
RANKED_IN_REPORT = ("needs_met", "needs_unmet", "isolation")


def rt(key: str, lang: str, **values: Any) -> str:
    return t(f"report.{key}", lang, **values)


def ensemble_meta(result: CompareResult) -> dict[str, Any] | None:
    return result.metadata.get("ensemble")


def worlds_word(result: CompareResult, lang: str) -> str:
    """What one unit of the intervals is: a plausible world (a parameter set) or a replication."""
    return rt("w_worlds" if ensemble_meta(result) else "w_replications", lang)


def _p_best(result: CompareResult, outcome: str = HEADLINE) -> dict[str, float]:
    r = result.ranks
    if r.empty:
        return {}
    r = r[r["outcome"] == outcome]
    return dict(zip(r["arrangement"], r["p_best"].astype(float), strict=True))


def words(text: str) -> int:
    """Words of a sentence as a reader counts them (markup left out)."""
    tokens = re.sub(r"<[^>]+>", " ", text).split()
    return sum(1 for w in tokens if any(c.isalnum() for c in w))  # not « », :, –


def fit(
    sentences: list[str], limit: int = MAX_WORDS, needs: dict[int, int] | None = None
) -> list[str]:
    """The first sentence, then each next one that still fits in ``limit`` words (in order:
    a sentence too long is left out, a shorter one after it may still fit). ``needs`` maps a
    sentence's index to the index of the sentence it refers back to ("It costs..."): it is
    kept only with that one."""
    needs = needs or {}
    kept = [0] if sentences else []
    used = sum(words(sentences[i]) for i in kept)
    for i, sentence in enumerate(sentences[1:], start=1):
        if needs.get(i, -1) not in (-1, *kept):
            continue
        if used + words(sentence) <= limit:
            kept.append(i)
            used += words(sentence)
    return [sentences[i] for i in kept]


def _names(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return rt("and_list", lang, first=", ".join(items[:-1]), last=items[-1])


def _sig(x: float, lang: str, sig: int = 2) -> str:
    """``x`` to ``sig`` significant digits, in the language's number format."""
    if not _finite(x) or x == 0:
        return fmt_num(x, 0, lang)
    decimals = max(0, sig - int(math.floor(math.log10(abs(x)))) - 1)
    return fmt_num(round_sig(x, sig), decimals, lang)


def box_conditions(limits: dict[str, Any], lang: str) -> str:
    """A PRIM box in plain words: "<label> between <lo> and <hi>", joined with "and"."""
    parts = []
    for name, lim in limits.items():
        label = param_label(field_meta(name), lang)
        if isinstance(lim, tuple) and len(lim) == 2:
            lo, hi = (_sig(float(v), lang) for v in lim)
            parts.append(rt("between", lang, label=label, lo=lo, hi=hi))
        else:
            parts.append(f"{label} = {', '.join(sorted(map(str, lim)))}")
    return _names(parts, lang)


def answer_sentences(
    result: CompareResult, lang: str, strong: Callable[[str], str] = lambda x: x
) -> list[str]:
    """The answer, sentence by sentence, in at most :data:`MAX_WORDS` words (a switching
    comparison's sentence on the switch comes first, on top of them)."""
    s = result.summary.set_index(["arrangement", "outcome"])
    arrs, ref = result.arrangements, result.reference
    means = {a: float(s.loc[(a, HEADLINE), "mean"]) for a in arrs}
    order = sorted(arrs, key=lambda a: -np.nan_to_num(means[a], nan=-math.inf))
    top = order[0]
    unit = worlds_word(result, lang)
    p_best = _p_best(result)

    def name(a: str) -> str:
        return rt("arrangement_name", lang, label=strong(arrangement_label(a, lang)))

    def num(x: float) -> str:
        return fmt_value(HEADLINE, abs(x), lang)

    sets = set_means(result.finals).set_index("replication")  # once, not per pair
    cis: dict[tuple[str, str], tuple[float, float, float]] = {}

    def ci(a: str, b: str) -> tuple[float, float, float]:
        if (a, b) not in cis:
            fa = sets[sets["arrangement"] == a][HEADLINE]
            fb = sets[sets["arrangement"] == b][HEADLINE]
            idx = fa.index.intersection(fb.index)
            m, lo, hi, _ = mean_ci((fa.loc[idx] - fb.loc[idx]).to_numpy(dtype=float))
            cis[(a, b)] = (m, lo, hi)
        return cis[(a, b)]

    def signed(x: float) -> str:
        return fmt_num(x, 0, lang, sign=True)

    out: list[str] = []
    rivals = [a for a in order[1:] if a != ref]
    tied = [a for a in rivals if not (_finite(ci(top, a)[1]) and ci(top, a)[1] > 0)]
    p = fmt_pct(p_best.get(top, math.nan), lang)
    if top == ref:
        out.append(rt("a_ref_best", lang, ref=name(ref), m=num(means[ref])))
        out.append(rt("a_best_share", lang, p=p, worlds=unit))
    else:
        d, lo, hi = ci(top, ref)
        if not (_finite(lo) and lo > 0):
            out.append(
                rt("a_none_apart", lang, top=name(top), d=num(d), ref=name(ref),
                   lo=signed(lo), hi=signed(hi))
            )  # fmt: skip
        elif tied:
            group = [top, *tied]
            ms = [means[a] for a in group]
            ds = [ci(a, ref)[0] for a in group]
            out.append(
                rt("a_group", lang, names=_names([name(a) for a in group], lang),
                   m=fmt_range(num(min(ms)), num(max(ms)), lang),
                   d=fmt_range(num(min(ds)), num(max(ds)), lang), ref=name(ref))
            )  # fmt: skip
        else:
            out.append(
                rt("a_top", lang, top=name(top), m=num(means[top]), d=num(d), ref=name(ref),
                   lo=signed(lo), hi=signed(hi))
            )  # fmt: skip
        if tied:
            shares = [
                rt("a_share", lang, name=name(a), p=fmt_pct(p_best.get(a, math.nan), lang))
                for a in [top, *tied]
            ]
            out.append(rt("a_shares", lang, shares=_names(shares, lang), worlds=unit))
        elif rivals:
            d2, lo2, hi2 = ci(top, rivals[0])
            out.append(
                rt("a_ahead", lang, second=name(rivals[0]), d=num(d2), lo=signed(lo2),
                   hi=signed(hi2), p=p, worlds=unit)
            )  # fmt: skip
        else:
            out.append(rt("a_best_share", lang, p=p, worlds=unit))
    # what follows the lead sentence refers back to it ("It stays ahead...", "It costs..."),
    # but where the ranking changes, which names the arrangement
    h = result.hinge
    follow_lead = list(range(1, len(out)))
    if h and h.get("status") == "box":
        box = h["box"]
        out.append(
            rt("a_hinge", lang, lead=name(h["lead"]), where=box_conditions(box.limits, lang),
               density=fmt_pct(box.density, lang))
        )  # fmt: skip
    cost = float(s.loc[(top, "cost"), "mean"])
    group = [top, *tied] if top != ref and tied else []
    if group:
        costs = [float(s.loc[(a, "cost"), "mean"]) for a in group]
        shown = [
            rt("not_costed", lang) if not_costed(result, a) else fmt_money(round_sig(c), lang)
            for a, c in sorted(zip(group, costs, strict=True), key=lambda x: x[1])
        ]
        out.append(rt("a_cost_group", lang, lo=shown[0], hi=shown[-1]))
    elif _finite(cost) and cost > 0:
        cpn = fmt_money(round_sig(float(s.loc[(top, "cost_per_need_met"), "mean"])), lang)
        out.append(rt("a_cost", lang, cost=fmt_money(round_sig(cost), lang), cpn=cpn))
    else:
        out.append(rt("a_not_costed", lang))
    follow_lead.append(len(out) - 1)  # the cost, of the lead
    needs = dict.fromkeys(follow_lead, 0)
    switch = transitions.answer_sentence(result, lang, strong)
    if switch:  # a switching comparison's question comes first, on top of the answer's words
        out.insert(0, switch)
        needs = {i + 1: 1 for i in needs}
        return fit(out, limit=MAX_WORDS + words(switch), needs=needs)
    return fit(out, needs=needs)


def targets_sentence(result: CompareResult, lang: str) -> str:
    """How many targets the model meets on the comparison's scenario (``result.targets``)."""
    c = {role: result.targets.counts(role) for role in ("calibration", "validation")}
    return rt(
        "p_targets",
        lang,
        k=c["calibration"]["inside"],
        n=sum(c["calibration"].values()),
        kv=c["validation"]["inside"],
        nv=sum(c["validation"].values()),
        reps=result.targets.replications,
    )


def answer_text(result: CompareResult, lang: str = "en") -> str:
    """The answer as plain text (for the command line)."""
    return " ".join(answer_sentences(result, lang))


def _mark(result: CompareResult, a: str, name: str) -> tuple[str, str]:
    """(css class, mark) of an arrangement's outcome against the reference, from the 95%
    interval of the paired difference."""
    if a == result.reference:
        return "ref", ""
    d = result.differences.set_index(["arrangement", "outcome"]).loc[(a, name)]
    lo, hi = float(d["ci_low"]), float(d["ci_high"])
    direction = KEY_OUTCOMES[name]
    if _finite(lo) and (lo > 0 or hi < 0):
        if direction == 0:
            return "differs", "◆"
        return ("better", "▲") if (lo > 0) == (direction > 0) else ("worse", "▼")
    return "unclear", "○"


def not_costed(result: CompareResult, a: str) -> bool:
    """The model counts no cost for this arrangement (no worker, no organiser time)."""
    g = result.finals[result.finals["arrangement"] == a]["cost"].to_numpy(dtype=float)
    return bool(len(g)) and bool(np.all(np.nan_to_num(g) == 0))


def summary_table(result: CompareResult, lang: str) -> str:
    """Arrangements in rows, the key outcomes in columns, each cell marked better, worse or
    tied against the reference; the probability of being best on needs met; costs stated (or
    "not costed")."""
    s = result.summary.set_index(["arrangement", "outcome"])
    p_best = _p_best(result)
    head = [f"<th>{_e(rt('arrangement', lang))}</th>"]
    for name in SUMMARY_OUTCOMES:
        arrow = {1: "↑", -1: "↓"}.get(KEY_OUTCOMES[name], "")
        head.append(
            f'<th>{_e(outcome_label(name, lang))}\u00a0<span class="dir">{arrow}</span>'
            f'<span class="unit">{_e(display_unit(name, lang))}</span></th>'
        )
    head.append(f'<th>{_e(rt("st_best", lang))}<span class="unit">%</span></th>')
    rows = []
    for a in result.arrangements:
        cells = []
        for name in SUMMARY_OUTCOMES:
            cls, mark = _mark(result, a, name)
            mean = float(s.loc[(a, name), "mean"])
            if name == "cost" and not_costed(result, a):
                shown = f'<span class="nc">{_e(rt("not_costed", lang))}</span>'
            elif name == "cost":
                shown = _e(fmt_money(round_sig(mean), lang))
            else:
                shown = _e(fmt_value(name, mean, lang))
            m = f"{mark}\u00a0" if mark else ""
            cells.append(
                f'<td class="num {cls}" data-arrangement="{_e(a)}" data-outcome="{_e(name)}"'
                f' data-mark="{cls}">{m}{shown}</td>'
            )
        pb = p_best.get(a, math.nan)
        cells.append(f'<td class="num" data-p-best="{pb!r}">{_e(fmt_pct(pb, lang))}</td>')
        ref = (
            f' <span class="unit">({_e(rt("reference", lang))})</span>'
            if a == result.reference
            else ""
        )
        rows.append(
            f'<tr><th scope="row">{swatch(a, result.arrangements)}'
            f"{_e(arrangement_label(a, lang))}{ref}</th>{''.join(cells)}</tr>"
        )
    return (
        f'<table class="glance" id="summary-table"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="caption">{_e(summary_caption(result, lang))}</p>'
    )


def summary_caption(result: CompareResult, lang: str) -> str:
    s0, s1 = final_window(result)
    n = int(result.summary["n"].max()) if len(result.summary) else 0
    return rt(
        "st_caption",
        lang,
        a=s0,
        b=s1,
        n=n,
        worlds=worlds_word(result, lang),
        ref=arrangement_label(result.reference, lang),
    )


def final_window(result: CompareResult) -> tuple[int, int]:
    """The final year's first and last months (the report's window for final-year values)."""
    last = int(result.runs["month"].max()) if len(result.runs) else 0
    return max(1, last - 11), last


# --- the section: across the plausible worlds -----------------------------------------------------


def worlds_section(result: CompareResult, lang: str) -> str:
    """Where the parameters come from, probability best and regret, the spread due to
    parameters and to chance, and where the answer changes."""
    meta = ensemble_meta(result)
    parts = [f"<p>{_e(ensemble_intro(result, lang))}</p>"]
    from .. import __version__

    if meta and meta.get("hlmsim_version") and meta["hlmsim_version"] != __version__:
        note = rt("w_other_version", lang, version=meta["hlmsim_version"], current=__version__)
        parts.append(f'<p class="note">{_e(note)}</p>')
    if meta and not meta.get("same_scenario", True):
        where = meta.get("scenario_calibrated") or DASH
        parts.append(f'<p class="note">{_e(rt("w_elsewhere", lang, calibrated=where))}</p>')
    parts.append(ranks_table(result, lang))
    if meta:
        parts.append(spread_table_html(result, lang))
        parts.append(f"<p>{hinge_text(result, lang)}</p>")
    return "".join(parts)


def ensemble_intro(result: CompareResult, lang: str) -> str:
    meta = ensemble_meta(result)
    n = result.replications
    if not meta:
        return rt("w_none", lang, n=n)
    values = {
        "sets": meta["sets"],
        "k": meta["seeds_per_set"],
        "n": len(meta.get("parameters", [])),
        "version": meta.get("hlmsim_version") or DASH,
        "calibrated": meta.get("scenario_calibrated") or DASH,
    }
    key = "w_plausible" if meta.get("kind") == "plausible" else "w_posterior"
    return rt(key, lang, **values)


def ranks_table(result: CompareResult, lang: str) -> str:
    r = result.ranks
    if r.empty:
        return ""
    r = r.set_index(["outcome", "arrangement"])
    outcomes = [o for o in RANKED_IN_REPORT if o in r.index.get_level_values(0)]
    head = [f"<th>{_e(rt('arrangement', lang))}</th>"]
    for o in outcomes:
        head.append(
            f'<th>{_e(outcome_label(o, lang))}<span class="unit">'
            f"{_e(rt('w_best_regret', lang, unit=display_unit(o, lang, True)))}</span></th>"
        )
    rows = []
    for a in result.arrangements:
        cells = []
        for o in outcomes:
            x = r.loc[(o, a)]
            reg = fmt_value(o, x["regret"], lang)
            rng = fmt_range(
                fmt_value(o, x["regret_low"], lang), fmt_value(o, x["regret_high"], lang), lang
            )
            cells.append(
                f'<td class="num" data-outcome="{_e(o)}" data-arrangement="{_e(a)}">'
                f'<span class="m">{_e(fmt_pct(x["p_best"], lang))}</span>'
                f'<span class="ci">{_e(rt("w_regret", lang, r=reg, range=rng))}</span></td>'
            )
        rows.append(
            f'<tr><th scope="row">{swatch(a, result.arrangements)}'
            f"{_e(arrangement_label(a, lang))}</th>{''.join(cells)}</tr>"
        )
    caption = rt("w_ranks_caption", lang, worlds=worlds_word(result, lang))
    return (
        f'<table class="ranks" id="ranks-table"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="caption">{_e(caption)}</p>'
    )


def spread_table_html(result: CompareResult, lang: str) -> str:
    sp = result.spread
    if sp.empty:
        return ""
    sp = sp[sp["quantity"] == "difference"].set_index(["arrangement", "outcome"])
    others = [a for a in result.arrangements if a != result.reference]
    outcomes = [o for o in RANKED_IN_REPORT if o in KEY_OUTCOMES]
    unit = _e(rt("w_due_to_parameters", lang))
    head = [f"<th>{_e(rt('arrangement', lang))}</th>"] + [
        f'<th>{_e(outcome_label(o, lang))}<span class="unit">{unit}</span></th>' for o in outcomes
    ]
    rows = []
    for a in others:
        cells = "".join(
            f'<td class="num">{_e(fmt_pct(sp.loc[(a, o), "share_parameters"], lang))}</td>'
            for o in outcomes
        )
        rows.append(
            f'<tr><th scope="row">{swatch(a, result.arrangements)}'
            f"{_e(arrangement_label(a, lang))}</th>{cells}</tr>"
        )
    ref = arrangement_label(result.reference, lang)
    return (
        f'<table class="spread" id="spread-table"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="caption">{_e(rt("w_spread_caption", lang, ref=ref))}</p>'
    )


def hinge_text(result: CompareResult, lang: str) -> str:
    h = result.hinge
    if not h:
        return ""
    lead = f"<strong>{_e(arrangement_label(h['lead'], lang))}</strong>"
    status = h["status"]
    values = {"lead": lead, "cases": h["cases"], "n": h["worlds"]}
    if status == "box":
        box = h["box"]
        return rt(
            "w_hinge_box",
            lang,
            where=_e(box_conditions(box.limits, lang)),
            density=fmt_pct(box.density, lang),
            coverage=fmt_pct(box.coverage, lang),
            inside=box.n,
            **values,
        )
    return rt(f"w_hinge_{status}", lang, **values)


__all__ = [
    "MAX_WORDS",
    "answer_sentences",
    "answer_text",
    "summary_table",
    "worlds_section",
]
