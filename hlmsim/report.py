"""The comparison report: one self-contained HTML page, in English or French.

``write_report(result, out_dir, lang)`` writes ``report.html`` (figures embedded as base64 PNG,
CSS inline, no external resource: readable offline and printable) and the same figures as PNG
files in ``figures/``. Every piece of text goes through the bilingual dictionary :data:`TEXT`;
outcome labels come from :func:`hlmsim.compare.outcome_label`, units from
:func:`hlmsim.outcomes.unit_label`, arrangement labels and descriptions from
:mod:`hlmsim.arrangements`. Figures are drawn with matplotlib's Agg canvas (no pyplot, so the
caller's backend is left alone) in the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

import base64
import html
import math
import shlex
import textwrap
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .arrangements import DESCRIPTIONS, LABELS
from .compare import KEY_OUTCOMES, arrangement_scenarios, mean_ci, outcome_label, outcome_unit
from .outcomes import OUTCOMES, unit_label
from .params import ASSUMPTION, UNITS_FR, Params, Scenario, field_meta
from .reporting.style import (
    MARKERS,
    axis_formatter,
    colour,
    new_figure,
    png,
    rc,
    style_axes,
)
from .scenario import milieu_params, validate

if TYPE_CHECKING:

    from .compare import CompareResult

#: The report's figures: key -> file name in ``figures/``.
FIGURES: dict[str, str] = {
    "series": "timeseries.png",
    "differences": "differences.png",
    "cost": "cost_effect.png",
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
NNBSP = "\u202f"  # French thousands separator and space before ; : % $
MINUS = "\u2212"

#: Every piece of text of the report: key -> (English, French).
TEXT: dict[str, tuple[str, str]] = {
    "title": ("Comparison of intervention arrangements", "Comparaison des arrangements"),
    "subtitle": (
        "Scenario {scenario} · {n} paired replications · {months} months · hlmsim {version}",
        "Scénario {scenario} · {n} réplications appariées · {months} mois · hlmsim {version}",
    ),
    "key_message": ("In short", "En bref"),
    "contents": ("Contents", "Sommaire"),
    "s_arrangements": ("Arrangements compared", "Arrangements comparés"),
    "s_series": ("How outcomes evolve", "Évolution des résultats"),
    "s_final": (
        "Final year: means and 95% confidence intervals",
        "Dernière année : moyennes et intervalles de confiance à 95 %",
    ),
    "s_diff": ("Differences from the reference", "Écarts à la référence"),
    "s_cost": ("Cost and effect", "Coût et effet"),
    "s_assumptions": ("Assumptions behind the comparison", "Hypothèses derrière la comparaison"),
    "s_reproduce": ("How to reproduce this report", "Comment reproduire ce rapport"),
    "reference": ("reference", "référence"),
    "scenario_line": (
        "Scenario <strong>{name}</strong>: {households} households in {milieux} milieux, {months} months (its description: “{description}”).",
        "Scénario <strong>{name}</strong> : {households} ménages dans {milieux} milieux, {months} mois (sa description : « {description} »).",
    ),
    "scenario_note": (
        "Every milieu runs each arrangement in turn: the arrangement named in the scenario is replaced. Replication <em>i</em> of every arrangement uses the same seed (common random numbers): the same households, need arrivals, move-outs and crises, so that differences come from the arrangements rather than from luck.",
        "Chaque milieu reçoit tour à tour chaque arrangement : l'arrangement nommé dans le scénario est remplacé. La réplication <em>i</em> de chaque arrangement utilise la même graine (nombres aléatoires communs) : mêmes ménages, mêmes besoins qui apparaissent, mêmes déménagements et crises, pour que les écarts viennent des arrangements et non du hasard.",
    ),
    "series_caption": (
        "Lines: mean over the {n} replications; bands: the range of the middle 95% of replications (2.5th to 97.5th percentile), month by month. Needs met are a 12-month moving average (from month {w}); shares are in %.",
        "Lignes : moyenne des {n} réplications ; bandes : étendue des 95 % centraux des réplications (2,5e au 97,5e centile), mois par mois. Les besoins répondus sont une moyenne mobile sur 12 mois (à partir du mois {w}) ; les parts sont en %.",
    ),
    "needs_met_ma": (
        "Needs met per month (12-month moving average)",
        "Besoins répondus par mois (moyenne mobile sur 12 mois)",
    ),
    "month": ("Month", "Mois"),
    "final_caption": (
        "Final year: months {a}–{b}. Flows (needs met, cost) are summed over the year, levels are averaged over its months. Each cell: mean, and below it the 95% confidence interval of the mean (t distribution, {n} replications). ↑: higher is better; ↓: lower is better. Time to maturity: the first month at which the 12-month moving average of unmet needs has covered 90% of its change from the first year to the final year (month 12 at the earliest); descriptive, neither better nor worse: an arrangement that changes nothing matures at once.",
        "Dernière année : mois {a} à {b}. Les flux (besoins répondus, coût) sont additionnés sur l'année, les niveaux sont la moyenne de ses mois. Chaque case : moyenne et, dessous, son intervalle de confiance à 95 % (loi de Student, {n} réplications). ↑ : plus haut est mieux ; ↓ : plus bas est mieux. Délai de maturité : premier mois où la moyenne mobile sur 12 mois des besoins non répondus a parcouru 90 % de son changement entre la première et la dernière année (au plus tôt le mois 12) ; descriptif, ni mieux ni moins bien : un arrangement qui ne change rien est mûr d'emblée.",
    ),
    "outcome": ("Outcome", "Résultat"),
    "unit": ("Unit", "Unité"),
    "diff_caption": (
        "Mean paired difference from <strong>{ref}</strong> in the final year (arrangement minus reference, replication by replication) and its 95% confidence interval. ▲ better and ▼ worse than the reference (the interval excludes 0); ○ the model cannot tell them apart at this number of replications. Shares in percentage points.",
        "Écart apparié moyen à <strong>{ref}</strong> durant la dernière année (arrangement moins référence, réplication par réplication) et son intervalle de confiance à 95 %. ▲ mieux et ▼ moins bien que la référence (l'intervalle exclut 0) ; ○ le modèle ne peut pas les départager avec ce nombre de réplications. Parts en points de pourcentage.",
    ),
    "better": ("better", "mieux"),
    "pp": ("percentage points", "points de pourcentage"),
    "cost_caption": (
        "Final-year annual cost against needs met in the final year, with 95% confidence intervals. Cost counts the milieu worker, the community organisers' time on the milieu, meetings and funded activities; partners' own services are not costed.",
        "Coût annuel contre besoins répondus durant la dernière année, avec intervalles de confiance à 95 %. Le coût comprend l'intervenant·e de milieu, le temps des organisateur·rice·s communautaires consacré au milieu, les rencontres et les activités financées ; les services propres des partenaires ne sont pas comptés.",
    ),
    "cost_x": ("Needs met per year (final year)", "Besoins répondus par an (dernière année)"),
    "cost_y": (
        "Annual cost (final year, thousands of $)",
        "Coût annuel (dernière année, milliers de $)",
    ),
    "arrangement": ("Arrangement", "Arrangement"),
    "cost_year": ("Cost / year", "Coût / an"),
    "needs_year": ("Needs met / year", "Besoins répondus / an"),
    "cost_per_need": ("Cost per need met", "Coût par besoin répondu"),
    "icer": (
        "Extra cost per extra need met, vs the reference",
        "Coût supplémentaire par besoin supplémentaire répondu, par rapport à la référence",
    ),
    "icer_note": (
        "Extra cost per extra need met: difference in mean annual cost divided by the difference in mean needs met per year, relative to the reference (a ratio of means, shown without an interval); “–” where the arrangement does not meet more needs.",
        "Coût supplémentaire par besoin supplémentaire : écart de coût annuel moyen divisé par l'écart de besoins répondus par an, par rapport à la référence (un rapport de moyennes, sans intervalle) ; « – » quand l'arrangement ne répond pas à plus de besoins.",
    ),
    "assumptions_intro": (
        "An arrangement is nothing but a bundle of parameter settings: no mechanism of the model tests which arrangement is running. The comparison therefore rests on the values below, which differ between the arrangements, and on every other parameter of the model, which is the same for all of them.",
        "Un arrangement n'est qu'un ensemble de valeurs de paramètres : aucun mécanisme du modèle ne teste quel arrangement est en place. La comparaison repose donc sur les valeurs ci-dessous, qui diffèrent d'un arrangement à l'autre, et sur tous les autres paramètres du modèle, identiques pour tous.",
    ),
    "assumptions_note": (
        "Most default values are assumptions, not estimates: of the model's {total} parameters, {assumed} have no published source (“assumption”), and so do {assumed_here} of the {here} parameters in this table. A difference between arrangements is a consequence of these assumptions, to be questioned with sensitivity analysis, not a measured effect. The source of every parameter is in docs/parameters.md.",
        "La plupart des valeurs par défaut sont des hypothèses, pas des estimations : sur les {total} paramètres du modèle, {assumed} n'ont pas de source publiée (« assumption »), de même que {assumed_here} des {here} paramètres de ce tableau. Un écart entre arrangements est une conséquence de ces hypothèses, à mettre à l'épreuve par une analyse de sensibilité, et non un effet mesuré. La source de chaque paramètre est dans docs/parameters.md.",
    ),
    "limits": (
        "The confidence intervals show only the model's own randomness (which households have which needs, who moves, when staff leave...), not uncertainty about its assumptions or its structure.",
        "Les intervalles de confiance ne traduisent que l'aléa propre au modèle (quels ménages ont quels besoins, qui déménage, quand le personnel part...), pas l'incertitude sur ses hypothèses ou sa structure.",
    ),
    "parameter": ("Parameter", "Paramètre"),
    "meaning": ("Meaning", "Signification"),
    "source": ("Source", "Source"),
    "varies": ("differs by milieu", "varie selon le milieu"),
    "yes": ("yes", "oui"),
    "no": ("no", "non"),
    "no_params": (
        "No parameter differs between the arrangements.",
        "Aucun paramètre ne diffère entre les arrangements.",
    ),
    "reproduce_intro": (
        "Run this command from the hlmsim source folder, at the same version and commit; the number of worker processes does not change the results.",
        "Lancez cette commande depuis le dossier source de hlmsim, à la même version et au même commit ; le nombre de processus ne change pas les résultats.",
    ),
    "reproduce_precision": (
        "The replication count was chosen by the precision target ({target}); <code>--replications {n}</code> with the same seed gives the same numbers.",
        "Le nombre de réplications a été fixé par la cible de précision ({target}) ; <code>--replications {n}</code> avec la même graine donne les mêmes chiffres.",
    ),
    "reproduce_python": (
        "The scenario was given to the Python API as an object; its resolved form is in metadata.json (“scenario”). In Python:",
        "Le scénario a été passé à l'API Python comme objet ; sa forme résolue est dans metadata.json (« scenario »). En Python :",
    ),
    "files_note": (
        "The numbers are in this folder: summary.csv (means and intervals), differences.csv (paired differences), finals.csv (every run's final year), runs.parquet (every run's monthly series), metadata.json (all of the below).",
        "Les chiffres sont dans ce dossier : summary.csv (moyennes et intervalles), differences.csv (écarts appariés), finals.csv (dernière année de chaque simulation), runs.parquet (séries mensuelles de chaque simulation), metadata.json (tout ce qui suit).",
    ),
    "m_version": ("hlmsim version", "Version de hlmsim"),
    "m_commit": ("Git commit", "Commit git"),
    "m_versions": ("Python, Mesa, NumPy, pandas", "Python, Mesa, NumPy, pandas"),
    "m_scenario": (
        "Scenario (hash of the resolved scenario)",
        "Scénario (empreinte du scénario résolu)",
    ),
    "m_hashes": (
        "Hash of each arrangement's scenario",
        "Empreinte du scénario de chaque arrangement",
    ),
    "m_seed": ("Seed", "Graine"),
    "m_batches": (
        "Batch seeds ({size} replications per batch)",
        "Graines des lots ({size} réplications par lot)",
    ),
    "m_replications": ("Replications", "Réplications"),
    "m_precision": ("Precision target", "Cible de précision"),
    "m_started": ("Started (UTC)", "Début (UTC)"),
    "unknown": ("unknown", "inconnu"),
    "none": ("none (fixed number of replications)", "aucune (nombre fixe de réplications)"),
    "precision_met": (
        "95% CI half-width of every key paired difference (time to maturity excepted) ≤ {target}: met after {n} replications",
        "demi-largeur de l'IC à 95 % de chaque écart apparié clé (délai de maturité excepté) ≤ {target} : atteinte après {n} réplications",
    ),
    "precision_not_met": (
        "95% CI half-width of every key paired difference (time to maturity excepted) ≤ {target}: not met at the cap of {cap} replications",
        "demi-largeur de l'IC à 95 % de chaque écart apparié clé (délai de maturité excepté) ≤ {target} : non atteinte au plafond de {cap} réplications",
    ),
    "relative": ("of the larger of the two means", "de la plus grande des deux moyennes"),
    "footer": (
        "hlmsim is an exploratory model of stated assumptions, not a forecast; it does not evaluate any real program, organisation or milieu.",
        "hlmsim est un modèle exploratoire d'hypothèses explicites, pas une prévision ; il n'évalue aucun programme, organisme ou milieu réel.",
    ),
    "figure_alt_series": (
        "Outcomes over time per arrangement",
        "Résultats dans le temps par arrangement",
    ),
    "figure_alt_diff": ("Paired differences from the reference", "Écarts appariés à la référence"),
    "figure_alt_cost": ("Annual cost against needs met", "Coût annuel contre besoins répondus"),
    # --- the plain-language summary -------------------------------------------------------
    "p_best": (
        "Under the model's assumptions, {best} meets the most residents' needs: about {m} needs a year in the final year (months {a}–{b}), {d} more than {ref} ({pct}; 95% confidence interval {lo} to {hi}).",
        "Selon les hypothèses du modèle, l'arrangement {best} est celui qui répond au plus grand nombre de besoins des résident·e·s : environ {m} besoins par an durant la dernière année (mois {a} à {b}), soit {d} de plus que {ref} ({pct} ; intervalle de confiance à 95 % : {lo} à {hi}).",
    ),
    "p_best_is_ref": (
        "Under the model's assumptions, none of the arrangements compared meets more residents' needs than the reference, {ref}: about {m} needs a year in the final year (months {a}–{b}).",
        "Selon les hypothèses du modèle, aucun des arrangements comparés ne répond à plus de besoins des résident·e·s que la référence, {ref} : environ {m} besoins par an durant la dernière année (mois {a} à {b}).",
    ),
    "p_cost": (
        "It costs about {cost} a year, that is {cpn} per need met",
        "Cet arrangement coûte environ {cost} par an, soit {cpn} par besoin répondu",
    ),
    "p_icer": (
        ", or {icer} per extra need met compared with {ref}",
        ", ou {icer} par besoin supplémentaire répondu par rapport à {ref}",
    ),
    "p_unmet": (
        "Counting the needs that prevention averts as well as those met, {low} leaves the fewest needs unmet: about {m} open needs on average in the final year, {d} fewer than {ref} (95% confidence interval {lo} to {hi}).",
        "En comptant les besoins que la prévention évite autant que ceux répondus, l'arrangement {low} laisse le moins de besoins non répondus : environ {m} besoins ouverts en moyenne durant la dernière année, soit {d} de moins que {ref} (intervalle de confiance à 95 % : {lo} à {hi}).",
    ),
    "p_free": (
        "It has no cost in the model (no worker, no organiser time)",
        "Cet arrangement ne coûte rien dans le modèle (ni intervenant·e ni temps d'organisation)",
    ),
    "p_maturity": (
        "Its results take time: unmet needs cover 90% of their change from the first to the final year after about {t} months ({y}; 95% confidence interval {lo} to {hi} months).",
        "Ses résultats prennent du temps : les besoins non répondus parcourent 90 % de leur changement entre la première et la dernière année après environ {t} mois ({y} ; intervalle de confiance à 95 % : {lo} à {hi} mois).",
    ),
    "p_wins": (
        "It met more needs than {ref} in {k} of the {n} paired replications.",
        "Il a répondu à plus de besoins que {ref} dans {k} des {n} réplications appariées.",
    ),
    "p_second": (
        "The runner-up, {second}, meets {d} fewer needs a year (95% confidence interval {lo} to {hi}), so {verdict}.",
        "Le deuxième, {second}, répond à {d} besoins de moins par an (intervalle de confiance à 95 % : {lo} à {hi}) : {verdict}.",
    ),
    "p_clear": (
        "the ranking of the first two is clear under these assumptions",
        "le classement des deux premiers est net selon ces hypothèses",
    ),
    "p_unclear": (
        "the model cannot tell the first two apart at this number of replications",
        "le modèle ne permet pas de départager les deux premiers avec ce nombre de réplications",
    ),
    "p_caveat": (
        "These figures are consequences of the model's assumptions (most parameter values are assumptions, not estimates), not a forecast or an evaluation of a real program: the intervals reflect only the model's own randomness over {n} paired replications, not uncertainty about its assumptions.",
        "Ces chiffres découlent des hypothèses du modèle (la plupart des valeurs de paramètres sont des hypothèses, pas des estimations) ; ce n'est ni une prévision ni l'évaluation d'un programme réel : les intervalles ne traduisent que l'aléa du modèle sur {n} réplications appariées, pas l'incertitude sur ses hypothèses.",
    ),
}


#: Parameter units in French (``field_meta`` gives them in English only).


def param_unit(unit: str, lang: str) -> str:
    """A parameter's unit in English or French."""
    return UNITS_FR.get(unit, unit_label(unit, lang)) if lang == "fr" else unit


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` (``en`` or ``fr``), formatted with ``values``."""
    en, fr = TEXT[key]
    s = fr if lang == "fr" else en
    return s.format(**values) if values else s


def arrangement_label(name: str, lang: str) -> str:
    """An arrangement's label in English or French (its name when it is not a preset)."""
    pair = LABELS.get(name)
    return (pair[1] if lang == "fr" else pair[0]) if pair else name


def arrangement_description(name: str, lang: str) -> str:
    pair = DESCRIPTIONS.get(name)
    return (pair[1] if lang == "fr" else pair[0]) if pair else ""


# --- numbers -------------------------------------------------------------------------------


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_num(x: Any, decimals: int, lang: str, sign: bool = False) -> str:
    """A number with thousands separators (narrow no-break space and decimal comma in French),
    a real minus sign, and a ``+`` when ``sign`` is true and the rounded value is not zero."""
    if not _finite(x):
        return "–"
    x = float(x)
    s = f"{abs(x):,.{decimals}f}"
    if lang == "fr":
        s = s.replace(",", NNBSP).replace(".", ",")
    zero = round(abs(x), decimals) == 0
    if x < 0 and not zero:
        return MINUS + s
    return ("+" + s) if sign and not zero else s


def fmt_money(x: Any, lang: str, sign: bool = False) -> str:
    """Dollars, rounded to the dollar: ``$1,234`` or ``1 234 $``."""
    if not _finite(x):
        return "–"
    s = fmt_num(x, 0, lang, sign)
    if lang == "fr":
        return f"{s}{NNBSP}$"
    if s[0] in "+" + MINUS:
        return f"{s[0]}${s[1:]}"
    return f"${s}"


def round_sig(x: float, sig: int = 3) -> float:
    """``x`` rounded to ``sig`` significant digits (never to a fraction of a unit above 1)."""
    if not _finite(x) or x == 0:
        return x
    digits = sig - int(math.floor(math.log10(abs(x)))) - 1
    return round(x, min(digits, 0) if abs(x) >= 1 else digits)


def fmt_pct(x: Any, lang: str, decimals: int = 0, sign: bool = False) -> str:
    """A share as a percentage: ``35%`` or ``35 %``."""
    if not _finite(x):
        return "–"
    s = fmt_num(100 * float(x), decimals, lang, sign)
    return f"{s}{NNBSP}%" if lang == "fr" else f"{s}%"


def _is_share(name: str) -> bool:
    return outcome_unit(name).startswith("share")


def value_scale(name: str) -> float:
    """Shares are shown in % (and their differences in percentage points)."""
    return 100.0 if _is_share(name) else 1.0


def value_decimals(name: str, diff: bool = False) -> int:
    """Decimals shown for an outcome's final-year value (or paired difference)."""
    unit = outcome_unit(name)
    if unit.startswith("share"):
        return 1
    if unit.startswith("index"):
        return 3
    if unit.startswith("$"):
        return 0
    if unit == "months":
        return 1
    return 1 if diff else 0


def fmt_value(name: str, x: Any, lang: str, diff: bool = False) -> str:
    """An outcome's final-year value (or paired difference) as shown in the report's tables."""
    if not _finite(x):
        return "–"
    return fmt_num(value_scale(name) * float(x), value_decimals(name, diff), lang, sign=diff)


def display_unit(name: str, lang: str, diff: bool = False) -> str:
    """The unit of an outcome as shown in the tables (shares in %, or percentage points)."""
    unit = outcome_unit(name)
    if unit.startswith("share"):
        return t("pp", lang) if diff else f"% ({unit_label(unit, lang)})"
    return unit_label(unit, lang)


def fmt_range(lo: str, hi: str, lang: str) -> str:
    return f"{lo} à {hi}" if lang == "fr" else f"{lo} to {hi}"


# --- figures ---------------------------------------------------------------------------------


def series_bands(
    runs: pd.DataFrame, arrangement: str, name: str, window: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Months, mean, 2.5th and 97.5th percentiles across replications of one outcome's monthly
    series (a trailing ``window``-month moving average first, from month ``window``)."""
    g = runs[runs["arrangement"] == arrangement]
    wide = g.pivot(index="replication", columns="month", values=name).sort_index(axis=1)
    months = wide.columns.to_numpy()
    x = wide.to_numpy(dtype=float)
    window = max(1, min(window, x.shape[1]))
    if window > 1:
        c = np.cumsum(np.nan_to_num(x), axis=1)
        c = np.concatenate([np.zeros((len(x), 1)), c], axis=1)
        x = (c[:, window:] - c[:, :-window]) / window
        months = months[window - 1 :]
    with warnings.catch_warnings():  # months where every replication is NaN stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=0)
        lo, hi = np.nanpercentile(x, [2.5, 97.5], axis=0)
    return months, mean, lo, hi


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
        for ax, name in zip(axes.flat, SERIES, strict=False):
            scale = value_scale_series(name)
            window = 12 if name == "needs_met" else 1
            for a in order:
                months, mean, lo, hi = series_bands(result.runs, a, name, window)
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
            title = t("needs_met_ma", lang) if name == "needs_met" else outcome_label(name, lang)
            ax.set_title("\n".join(textwrap.wrap(title, 62)), loc="left", fontweight="bold")
            ax.set_ylabel(series_unit(name, lang))
            ax.yaxis.set_major_formatter(axis_formatter(lang))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            if horizon >= 36:
                ax.xaxis.set_major_locator(MultipleLocator(12 if horizon <= 180 else 24))
            style_axes(ax)
        for ax in axes[-1]:
            ax.set_xlabel(t("month", lang))
            ax.set_xlim(1, horizon)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        labels = [
            f"{lab} ({t('reference', lang)})" if a == ref else lab
            for a, lab in zip(order, labels, strict=True)
        ]
        fig.legend(handles, labels, loc="outside upper center", ncol=3, frameon=False)
        return png(fig)


def value_scale_series(name: str) -> float:
    return 100.0 if OUTCOMES[name].unit.startswith("share") else 1.0


def series_unit(name: str, lang: str) -> str:
    unit = OUTCOMES[name].unit
    if unit.startswith("share"):
        return "%"
    return unit_label(unit, lang)


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
            arrow = {1: f" · {t('better', lang)} →", -1: f" · ← {t('better', lang)}"}.get(direction, "")
            ax.set_xlabel(f"{_short_unit(name, lang, kilo)}{arrow}", fontsize=8.5)
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
            f"{t('s_diff', lang)} : {ref}" if lang == "fr" else f"{t('s_diff', lang)}: {ref}",
            fontsize=11,
            fontweight="bold",
        )
        wide = sum(len(h.get_label()) for h in handles) > 85
        ncol = min(2 if wide else 4, len(order))
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)
        return png(fig)


def _short_unit(name: str, lang: str, kilo: bool = False) -> str:
    unit = outcome_unit(name)
    if unit.startswith("share"):
        return "% points" if lang == "en" else "points de %"
    text = unit_label(unit, lang)
    if kilo:
        text = "k" + text if text.startswith("$") else f"k {text}"
    return text


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
                label += f" ({t('reference', lang)})"
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
        ax.set_xlabel(t("cost_x", lang))
        ax.set_ylabel(t("cost_y", lang))
        ax.xaxis.set_major_formatter(axis_formatter(lang, 0))
        ax.yaxis.set_major_formatter(axis_formatter(lang, 0))
        ax.margins(0.12)
        style_axes(ax)
        ax.legend(loc="upper left", frameon=True, framealpha=0.9, edgecolor="#cccccc")
        return png(fig)


def make_figures(result: CompareResult, lang: str) -> dict[str, bytes]:
    """The report's figures as PNG bytes, by key of :data:`FIGURES`."""
    return {
        "series": figure_series(result, lang),
        "differences": figure_differences(result, lang),
        "cost": figure_cost(result, lang),
    }


# --- the plain-language summary -------------------------------------------------------------


def _final_window(result: CompareResult) -> tuple[int, int]:
    last = int(result.runs["month"].max()) if len(result.runs) else 0
    return max(1, last - 11), last


def _paired(finals: pd.DataFrame, a: str, b: str, name: str) -> np.ndarray:
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
    a0, a1 = _final_window(result)

    def mean(a: str, name: str) -> float:
        return float(s.loc[(a, name), "mean"])

    ranked = sorted(
        result.arrangements, key=lambda a: -np.nan_to_num(mean(a, "needs_met"), nan=-1e18)
    )
    best = ranked[0]

    def name(a: str) -> str:  # French quotes the labels, which have no article
        label = strong(arrangement_label(a, lang))
        return f"«\u00a0{label}\u00a0»" if lang == "fr" else label

    lab = {a: name(a) for a in result.arrangements}
    out: list[str] = []
    m_best = fmt_num(mean(best, "needs_met"), 0, lang)
    if best == ref:
        out.append(t("p_best_is_ref", lang, ref=lab[ref], m=m_best, a=a0, b=a1))
        second = ranked[1] if len(ranked) > 1 else None
        if second is not None:
            dm, dlo, dhi, _ = mean_ci(_paired(result.finals, ref, second, "needs_met"))
            out.append(
                t(
                    "p_second",
                    lang,
                    second=lab[second],
                    d=fmt_num(dm, 0, lang),
                    lo=fmt_num(dlo, 0, lang),
                    hi=fmt_num(dhi, 0, lang),
                    verdict=t("p_clear" if _finite(dlo) and dlo > 0 else "p_unclear", lang),
                )
            )
        out.append(t("p_caveat", lang, n=n))
        return out

    d = _paired(result.finals, best, ref, "needs_met")
    dm, dlo, dhi, _ = mean_ci(d)
    ref_mean = mean(ref, "needs_met")
    pct = fmt_pct(dm / ref_mean, lang, 0, sign=True) if ref_mean > 0 else "–"
    out.append(
        t(
            "p_best",
            lang,
            best=lab[best],
            m=m_best,
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
        sentence = t(
            "p_cost",
            lang,
            cost=fmt_money(round_sig(cost), lang),
            cpn=fmt_money(round_sig(mean(best, "cost_per_need_met")), lang),
        )
        dcost = cost - mean(ref, "cost")
        if _finite(dm) and dm > 0 and dcost > 0:
            icer = fmt_money(round_sig(dcost / dm), lang)
            sentence += t("p_icer", lang, icer=icer, ref=lab[ref])
        out.append(sentence + ".")
    else:
        out.append(t("p_free", lang) + ".")
    tm, tlo, thi, _ = mean_ci(
        result.finals.loc[result.finals["arrangement"] == best, "time_to_maturity"].to_numpy(
            dtype=float
        )
    )
    if _finite(tm):
        out.append(
            t(
                "p_maturity",
                lang,
                t=fmt_num(tm, 0, lang),
                y=_years(tm / 12, lang),
                lo=fmt_num(tlo, 0, lang),
                hi=fmt_num(thi, 0, lang),
            )
        )
    wins = int(np.sum(d > 0))
    out.append(t("p_wins", lang, ref=lab[ref], k=wins, n=int(np.sum(~np.isnan(d)))))
    second = ranked[1]
    if second != ref:
        d2 = _paired(result.finals, best, second, "needs_met")
        m2, lo2, hi2, _ = mean_ci(d2)
        out.append(
            t(
                "p_second",
                lang,
                second=lab[second],
                d=fmt_num(m2, 0, lang),
                lo=fmt_num(lo2, 0, lang),
                hi=fmt_num(hi2, 0, lang),
                verdict=t("p_clear" if _finite(lo2) and lo2 > 0 else "p_unclear", lang),
            )
        )
    low = min(result.arrangements, key=lambda a: np.nan_to_num(mean(a, "needs_unmet"), nan=1e18))
    if low != ref:
        um, ulo, uhi, _ = mean_ci(-_paired(result.finals, low, ref, "needs_unmet"))
        out.append(
            t(
                "p_unmet",
                lang,
                low=lab[low],
                m=fmt_num(mean(low, "needs_unmet"), 0, lang),
                d=fmt_num(um, 0, lang),
                ref=lab[ref],
                lo=fmt_num(ulo, 0, lang),
                hi=fmt_num(uhi, 0, lang),
            )
        )
    out.append(t("p_caveat", lang, n=n))
    return out


def _years(x: float, lang: str) -> str:
    """``1.9 years`` or ``1,9 an`` (French keeps the singular below 2)."""
    n = fmt_num(x, 1, lang)
    if lang == "fr":
        return f"{n} an" if round(x, 1) < 2 else f"{n} ans"
    return f"{n} year" if round(x, 1) == 1 else f"{n} years"


def summary_text(result: CompareResult, lang: str = "en") -> str:
    """The plain-language summary as plain text (for the command line)."""
    return " ".join(summary_sentences(result, lang, lambda x: x))


# --- HTML ------------------------------------------------------------------------------------

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --band: #f4f6f8; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1060px; padding: 24px 28px 48px; color: var(--ink);
  font: 16px/1.55 "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 1.9em; margin: 0.2em 0 0.1em; line-height: 1.2; }
h2 { font-size: 1.35em; margin: 2em 0 0.6em; padding-bottom: 0.2em;
  border-bottom: 2px solid var(--line); }
p.subtitle { color: var(--muted); margin: 0 0 1.2em; }
.summary { background: #eef5fb; border-left: 5px solid var(--accent); padding: 14px 20px;
  margin: 1em 0 1.5em; font-size: 1.06em; }
.summary h2 { border: 0; margin: 0 0 0.3em; font-size: 1.15em; }
nav ol { columns: 2; margin: 0.3em 0; padding-left: 1.4em; }
nav a { color: var(--accent); text-decoration: none; }
figure { margin: 1em 0 1.5em; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption, .note, .caption { color: var(--muted); font-size: 0.92em; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 0.4em; font-size: 0.9em; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 7px; vertical-align: top;
  text-align: left; }
thead th { background: var(--band); border-bottom: 2px solid #999; vertical-align: bottom; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num .ci { display: block; color: var(--muted); font-size: 0.86em; }
th .unit, td .unit { display: block; color: var(--muted); font-weight: normal; font-size: 0.86em; }
tr.ref td, th.ref { background: #f7f7f7; }
table.final tbody th, table.diff tbody th { width: 24%; }
table.params tbody th { width: 26%; }
.dir { color: var(--muted); font-weight: normal; }
.better { color: #0060a0; }
.worse { color: #b84a00; }
.unclear { color: var(--muted); }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px;
  margin-right: 0.45em; vertical-align: -0.1em; }
dl.arr dt { font-weight: 600; margin-top: 0.5em; }
dl.arr dd { margin: 0 0 0 1.6em; color: #333; }
pre, code { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; }
pre { background: var(--band); padding: 10px 12px; overflow-x: auto; white-space: pre-wrap;
  word-break: break-all; border: 1px solid var(--line); }
table.meta th { width: 34%; font-weight: 600; background: none; }
table.meta td { word-break: break-all; }
footer { margin-top: 3em; color: var(--muted); font-size: 0.88em;
  border-top: 1px solid var(--line); padding-top: 0.8em; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.2em; }
  figure, table, tr, .summary, pre { break-inside: avoid; page-break-inside: avoid; }
  section { break-before: auto; }
  .summary { background: none; border: 1px solid #999; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _swatch(a: str, order: Sequence[str]) -> str:
    return f'<span class="swatch" style="background:{colour(a, order)}"></span>'


def _arrangement_header(a: str, result: CompareResult, lang: str) -> str:
    ref = f' <span class="unit">({t("reference", lang)})</span>' if a == result.reference else ""
    cls = ' class="ref"' if a == result.reference else ""
    return f"<th{cls}>{_swatch(a, result.arrangements)}{_e(arrangement_label(a, lang))}{ref}</th>"


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
        f'<table class="final" id="final-table"><thead><tr><th>{_e(t("outcome", lang))}</th>'
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
            if _finite(lo) and (lo > 0 or hi < 0) and KEY_OUTCOMES[name] != 0:
                good = (lo > 0) == (KEY_OUTCOMES[name] > 0)
                cls, mark = ("better", "▲") if good else ("worse", "▼")
            else:
                cls, mark = "unclear", "○"
            ci = fmt_range(fmt_value(name, lo, lang, True), fmt_value(name, hi, lang, True), lang)
            cells.append(
                f'<td class="num {cls}" data-arrangement="{_e(a)}" data-outcome="{_e(name)}"'
                f' data-mean-diff="{m!r}"><span class="m">{mark} '
                f'{_e(fmt_value(name, m, lang, True))}</span><span class="ci">{_e(ci)}</span></td>'
            )
        rows.append(f"<tr>{_outcome_header(name, lang, True)}{''.join(cells)}</tr>")
    return (
        f'<table class="diff" id="diff-table"><thead><tr><th>{_e(t("outcome", lang))}</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def cost_table(result: CompareResult, lang: str) -> str:
    s = result.summary.set_index(["arrangement", "outcome"])
    ref = result.reference
    cols = ("arrangement", "cost_year", "needs_year", "cost_per_need", "icer")
    head = "".join(f"<th>{_e(t(c, lang))}</th>" for c in cols)
    rows = []
    for a in result.arrangements:
        cost, need = float(s.loc[(a, "cost"), "mean"]), float(s.loc[(a, "needs_met"), "mean"])
        dcost = cost - float(s.loc[(ref, "cost"), "mean"])
        dneed = need - float(s.loc[(ref, "needs_met"), "mean"])
        icer = fmt_money(dcost / dneed, lang) if a != ref and dneed > 0 else "–"
        cls = ' class="ref"' if a == ref else ""
        rows.append(
            f"<tr{cls}><td>{_swatch(a, result.arrangements)}{_e(arrangement_label(a, lang))}</td>"
            f'<td class="num">{_e(fmt_money(cost, lang))}</td>'
            f'<td class="num">{_e(fmt_num(need, 0, lang))}</td>'
            f'<td class="num">{_e(fmt_money(s.loc[(a, "cost_per_need_met"), "mean"], lang))}</td>'
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


def _param_value(v: Any, lang: str) -> str:
    if isinstance(v, bool):
        return t("yes" if v else "no", lang)
    if isinstance(v, (int, float)):
        if v == int(v) and abs(v) >= 1000:
            return fmt_num(v, 0, lang)
        s = f"{v:g}"
        return s.replace(".", ",") if lang == "fr" else s
    return str(v)


def _is_assumption(source: str) -> bool:
    return source.strip().lower().startswith(ASSUMPTION)


def assumptions_section(result: CompareResult, lang: str) -> str:
    base = base_scenario(result)
    parts = [f"<p>{_e(t('assumptions_intro', lang))}</p>"]
    here = assumed_here = 0
    if base is not None:
        rows = []
        for name, per in differing_params(base, result.arrangements):
            meta = field_meta(name)
            label = meta["label_fr"] if lang == "fr" and meta["label_fr"] else meta["label_en"]
            here += 1
            assumed_here += _is_assumption(meta["source"])
            cells = []
            for a in result.arrangements:
                vals = per[a]
                text = " / ".join(_param_value(v, lang) for v in vals)
                title = f' title="{_e(t("varies", lang))}"' if len(vals) > 1 else ""
                cells.append(f'<td class="num"{title}>{_e(text)}</td>')
            rows.append(
                f'<tr><th scope="row"><code>{_e(name)}</code><span class="unit">{_e(label)}'
                f"</span></th>{''.join(cells)}<td>{_e(param_unit(meta['unit'], lang))}</td>"
                f"<td>{_e(meta['source'])}</td></tr>"
            )
        if rows:
            head = "".join(_arrangement_header(a, result, lang) for a in result.arrangements)
            parts.append(
                f'<table class="params"><thead><tr><th>{_e(t("parameter", lang))}</th>{head}'
                f"<th>{_e(t('unit', lang))}</th><th>{_e(t('source', lang))}</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
        else:
            parts.append(f"<p>{_e(t('no_params', lang))}</p>")
    sources = [field_meta(n)["source"] for n in Params.model_fields]
    parts.append(
        '<p class="note">'
        + _e(
            t(
                "assumptions_note",
                lang,
                total=len(sources),
                assumed=sum(_is_assumption(s) for s in sources),
                here=here,
                assumed_here=assumed_here,
            )
        )
        + "</p>"
    )
    parts.append(f'<p class="note">{_e(t("limits", lang))}</p>')
    return "".join(parts)


def reproduce_command(result: CompareResult, lang: str) -> str | None:
    """The command that reproduces the comparison (None when the scenario was an object)."""
    meta = result.metadata
    if meta.get("command"):
        return str(meta["command"])
    source = meta.get("scenario_source")
    if not source:
        return None
    from .arrangements import ARRANGEMENTS

    args = ["hlmsim", "compare", str(source)]
    if result.arrangements != list(ARRANGEMENTS):
        args += ["--arrangements", ",".join(result.arrangements)]
    if result.reference != "services_as_usual":
        args += ["--reference", result.reference]
    args += ["--replications", str(result.replications), "--seed", str(meta.get("seed", 0))]
    if lang != "en":
        args += ["--lang", lang]
    return shlex.join(args)


def _precision_text(meta: dict[str, Any], lang: str) -> str:
    p = meta.get("precision")
    if not p:
        return t("none", lang)
    value = float(p["value"])
    if p.get("relative"):
        target = f"{fmt_pct(value, lang, 2 if value * 100 != int(value * 100) else 0)} {t('relative', lang)}"
    else:
        target = fmt_num(value, 6, lang).rstrip("0").rstrip(",.") or "0"
    key = "precision_met" if p.get("met") else "precision_not_met"
    return t(key, lang, target=target, n=meta.get("replications"), cap=p.get("max_replications"))


def reproduce_section(result: CompareResult, lang: str) -> str:
    meta = result.metadata
    parts = []
    cmd = reproduce_command(result, lang)
    if cmd:
        parts.append(f"<p>{_e(t('reproduce_intro', lang))}</p><pre>{_e(cmd)}</pre>")
        p = meta.get("precision")
        if p:
            parts.append(
                "<p>"
                + t(
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
            f"result.write('out', lang={lang!r})"
        )
        parts.append(f"<p>{_e(t('reproduce_python', lang))}</p><pre>{_e(code)}</pre>")
    unknown = t("unknown", lang)
    versions = ", ".join(str(meta.get(k, unknown)) for k in ("python", "mesa", "numpy", "pandas"))
    hashes = "; ".join(f"{a}: {h}" for a, h in (meta.get("scenarios_by_arrangement") or {}).items())
    rows = [
        (t("m_version", lang), meta.get("hlmsim_version", unknown)),
        (t("m_commit", lang), meta.get("git_commit") or unknown),
        (t("m_versions", lang), versions),
        (
            t("m_scenario", lang),
            f"{meta.get('scenario_name', '')} ({meta.get('scenario_hash', '')})",
        ),
        (t("m_hashes", lang), hashes),
        (t("m_seed", lang), meta.get("seed", unknown)),
        (
            t("m_batches", lang, size=meta.get("batch_size", "")),
            ", ".join(str(x) for x in meta.get("batch_seeds", [])),
        ),
        (t("m_replications", lang), meta.get("replications", unknown)),
        (t("m_precision", lang), _precision_text(meta, lang)),
        (t("m_started", lang), meta.get("started", unknown)),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    parts.append(f'<table class="meta"><tbody>{body}</tbody></table>')
    parts.append(f'<p class="note">{_e(t("files_note", lang))}</p>')
    return "".join(parts)


def _households(scen: Scenario) -> int:
    return sum(sum(e.units for e in m.ensembles) * m.copies for m in scen.milieux)


def render_html(result: CompareResult, lang: str, figures: dict[str, bytes]) -> str:
    """The report as one self-contained HTML page."""
    meta = result.metadata
    a0, a1 = _final_window(result)
    n = result.replications
    ref_label = arrangement_label(result.reference, lang)
    from . import __version__

    title = t("title", lang)
    subtitle = t(
        "subtitle",
        lang,
        scenario=meta.get("scenario_name", ""),
        n=n,
        months=a1,
        version=meta.get("hlmsim_version", __version__),
    )
    summary = " ".join(summary_sentences(result, lang, lambda x: f"<strong>{_e(x)}</strong>"))
    sections: list[tuple[str, str, str]] = []

    base = base_scenario(result)
    scen_line = ""
    if base is not None:
        scen_line = t(
            "scenario_line",
            lang,
            name=_e(base.name),
            households=fmt_num(_households(base), 0, lang),
            milieux=sum(m.copies for m in base.milieux),
            months=base.months,
            description=_e(base.description.strip().rstrip(".")),
        )
    items = "".join(
        f"<dt>{_swatch(a, result.arrangements)}{_e(arrangement_label(a, lang))}"
        + (f" ({_e(t('reference', lang))})" if a == result.reference else "")
        + f" <code>{_e(a)}</code></dt><dd>{_e(arrangement_description(a, lang))}</dd>"
        for a in result.arrangements
    )
    sections.append(
        (
            "arrangements",
            t("s_arrangements", lang),
            f'<p>{scen_line}</p><p class="note">{t("scenario_note", lang)}</p>'
            f'<dl class="arr">{items}</dl>',
        )
    )
    sections.append(
        (
            "series",
            t("s_series", lang),
            f"<figure>{_img(figures['series'], t('figure_alt_series', lang))}"
            f"<figcaption>{_e(t('series_caption', lang, n=n, w=min(12, a1)))}</figcaption></figure>",
        )
    )
    sections.append(
        (
            "final",
            t("s_final", lang),
            f"{final_table(result, lang)}"
            f'<p class="caption">{_e(t("final_caption", lang, a=a0, b=a1, n=n))}</p>',
        )
    )
    sections.append(
        (
            "differences",
            t("s_diff", lang),
            f"<figure>{_img(figures['differences'], t('figure_alt_diff', lang))}</figure>"
            f"{differences_table(result, lang)}"
            f'<p class="caption">{t("diff_caption", lang, ref=_e(ref_label))}</p>',
        )
    )
    sections.append(
        (
            "cost",
            t("s_cost", lang),
            f"<figure>{_img(figures['cost'], t('figure_alt_cost', lang))}"
            f"<figcaption>{_e(t('cost_caption', lang))}</figcaption></figure>"
            f'{cost_table(result, lang)}<p class="caption">{_e(t("icer_note", lang))}</p>',
        )
    )
    sections.append(("assumptions", t("s_assumptions", lang), assumptions_section(result, lang)))
    sections.append(("reproduce", t("s_reproduce", lang), reproduce_section(result, lang)))

    nav = "".join(f'<li><a href="#{sid}">{_e(h)}</a></li>' for sid, h, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_e(h)}</h2>{c}</section>' for sid, h, c in sections)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} · {_e(meta.get("scenario_name", ""))}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
<p class="subtitle">{_e(subtitle)}</p>
</header>
<div class="summary" id="summary"><h2>{_e(t("key_message", lang))}</h2><p>{summary}</p></div>
<nav><strong>{_e(t("contents", lang))}</strong><ol>{nav}</ol></nav>
{body}
<footer>{_e(t("footer", lang))}</footer>
</body>
</html>
"""


def write_report(result: CompareResult, out_dir: str | Path, lang: str = "en") -> Path:
    """Write ``report.html`` and ``figures/*.png`` into ``out_dir``; return the report's path."""
    if lang not in ("en", "fr"):
        raise ValueError(f"lang must be 'en' or 'fr' (got {lang!r})")
    out = Path(out_dir)
    figures = make_figures(result, lang)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    for key, image in figures.items():
        (fig_dir / FIGURES[key]).write_bytes(image)
    path = out / "report.html"
    path.write_text(render_html(result, lang, figures), encoding="utf-8")
    return path
