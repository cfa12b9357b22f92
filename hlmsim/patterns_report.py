"""The pattern-validation report: one self-contained HTML page, in English or French, and its CSV.

``write_patterns(result, out, lang)`` writes into ``out``, atomically: ``report.html`` (figures
embedded as base64 PNG, CSS inline, no external resource: readable offline and printable),
``patterns.csv`` (one row per pattern), ``robustness.csv`` (one row per pattern and robustness
point), ``figures/`` (the same figures as PNG files) and ``metadata.json``. Text goes through the
bilingual dictionary :data:`TEXT`; numbers, figures' style and the CSS come from
:mod:`hlmsim.report`.
"""

from __future__ import annotations

import math
import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .compare import BATCH, outcome_label, outcome_unit
from .errors import InputError
from .outcomes import OUTCOMES
from .outdir import check_out_dir, write_atomically
from .params import field_meta
from .report import (
    CSS,
    _e,
    _finite,
    _img,
    _param_value,
    arrangement_label,
    display_unit,
    fmt_num,
    fmt_pct,
    fmt_range,
    param_unit,
    value_decimals,
    value_scale,
)
from .report import TEXT as REPORT_TEXT
from .reporting.style import axis_formatter, new_figure, png, rc, style_axes
from .run import write_json

if TYPE_CHECKING:
    from .patterns import PatternSpec, PatternsResult

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

#: Every piece of text of the report: key -> (English, French).
_OWN_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Pattern-oriented validation", "Validation orientée patrons"),
    "subtitle": (
        "{n} patterns · {reps} paired replications each · {mode} · seed {seed} · hlmsim {version}",
        "{n} patrons · {reps} réplications appariées chacun · {mode} · graine {seed} · hlmsim {version}",
    ),
    "mode_quick": ("quick run (shorter horizons)", "exécution rapide (horizons raccourcis)"),
    "mode_full": ("full run", "exécution complète"),
    "s_method": ("Method", "Méthode"),
    "s_results": ("Results, pattern by pattern", "Résultats, patron par patron"),
    "s_patterns": ("The patterns in detail", "Les patrons en détail"),
    "s_robustness": ("Robustness to assumed parameters", "Robustesse aux paramètres supposés"),
    "s_honesty": ("Calibration honesty", "Honnêteté de la calibration"),
    "sum_reproduced": (
        "Under the model's assumptions, <strong>{k} of the {n} patterns are reproduced</strong>: the 95% confidence interval of the paired effect excludes zero in the direction the study describes.",
        "Selon les hypothèses du modèle, <strong>{k} des {n} patrons sont reproduits</strong> : l'intervalle de confiance à 95 % de l'effet apparié exclut zéro dans le sens que décrit l'étude.",
    ),
    "sum_failed": ("Not reproduced: {list}.", "Non reproduits : {list}."),
    "sum_controls": (
        "Switching the pattern's mechanism off (the negative control) removes the effect in {k} of the {n}.",
        "Couper le mécanisme du patron (le contrôle négatif) fait disparaître l'effet dans {k} des {n}.",
    ),
    "sum_controls_failed": (
        "It does not in: {list}; there, something else than the named mechanism also produces the effect.",
        "Ce n'est pas le cas pour : {list} ; là, autre chose que le mécanisme nommé produit aussi l'effet.",
    ),
    "sum_robust": (
        "Over {m} points of plausible values of {p} assumed parameters, every pattern keeps its direction in at least {pct} of the points.",
        "Sur {m} points de valeurs plausibles de {p} paramètres supposés, chaque patron garde son sens dans au moins {pct} des points.",
    ),
    "sum_fragile": (
        "Over {m} points of plausible values of {p} assumed parameters, these patterns are fragile (direction kept in less than {pct} of the points): {list}.",
        "Sur {m} points de valeurs plausibles de {p} paramètres supposés, ces patrons sont fragiles (sens conservé dans moins de {pct} des points) : {list}.",
    ),
    "sum_no_robust": (
        "The robustness check was not run (--robustness 0).",
        "La vérification de robustesse n'a pas été faite (--robustness 0).",
    ),
    "sum_caveat": (
        "A reproduced pattern shows that the model's mechanisms can produce the finding under its assumptions, most of which are not estimates; it does not show that these mechanisms are what happens in real milieux.",
        "Un patron reproduit montre que les mécanismes du modèle peuvent produire le constat selon ses hypothèses, pour la plupart non estimées ; il ne montre pas que ces mécanismes sont ce qui se passe dans les milieux réels.",
    ),
    "method_1": (
        "Pattern-oriented modelling (Grimm et al. 2005) tests a model by the patterns it must produce at once, here the findings of the case study (Parent & Reiser 2022) listed in MODEL.md. Each finding is an experiment in <code>experiments/patterns/</code>: a lever (two settings of some parameters or two arrangements), an outcome, the direction the study describes and a mechanism switch, the parameters that turn off the mechanism meant to produce it. No finding is written into the model as an outcome.",
        "La modélisation orientée patrons (Grimm et al. 2005) éprouve un modèle par les patrons qu'il doit produire en même temps, ici les constats de l'étude de cas (Parent & Reiser 2022) listés dans MODEL.md. Chaque constat est une expérience dans <code>experiments/patterns/</code> : un levier (deux réglages de paramètres ou deux arrangements), un résultat, le sens que décrit l'étude et un interrupteur de mécanisme, les paramètres qui coupent le mécanisme censé le produire. Aucun constat n'est écrit dans le modèle comme un résultat.",
    ),
    "method_2": (
        "Both settings run on the same seeds (common random numbers): replication <em>i</em> of each setting faces the same households, needs, move-outs and crises. The effect is the paired difference of the outcome in the final year (months {a}), high setting minus low, flows summed over the year and levels averaged; for the 2×2 of finding 13, the interaction y(A,B) − y(A,¬B) − y(¬A,B) + y(¬A,¬B). A pattern is <strong>reproduced</strong> when the 95% confidence interval of the effect (t distribution, {reps} replications) excludes zero in the expected direction. The experiment is run again with the mechanism switched off (the <strong>negative control</strong>): it <strong>removes</strong> the effect when the control's interval includes zero or its effect in the expected direction is less than a fifth of the pattern's (an effect in the opposite direction counts as removed). For the timing pattern (finding 15), the share of the final-year gain already reached in years 3, 5 and 10 is reported; the pattern also needs the year-3 and year-5 shares to stay at or below their thresholds, and the control (fast build-up) removes it when either goes above.",
        "Les deux réglages tournent sur les mêmes graines (nombres aléatoires communs) : la réplication <em>i</em> de chaque réglage voit les mêmes ménages, besoins, déménagements et crises. L'effet est l'écart apparié du résultat la dernière année (mois {a}), réglage haut moins bas, les flux additionnés sur l'année et les niveaux moyennés ; pour le 2×2 du constat 13, l'interaction y(A,B) − y(A,¬B) − y(¬A,B) + y(¬A,¬B). Un patron est <strong>reproduit</strong> quand l'intervalle de confiance à 95 % de l'effet (loi de Student, {reps} réplications) exclut zéro dans le sens attendu. L'expérience est refaite mécanisme coupé (le <strong>contrôle négatif</strong>) : il <strong>fait disparaître</strong> l'effet quand son intervalle contient zéro ou que son effet dans le sens attendu est inférieur au cinquième de celui du patron (un effet de sens contraire compte comme disparu). Pour le patron de délai (constat 15), la part du gain de la dernière année déjà atteinte les années 3, 5 et 10 est donnée ; le patron exige aussi que les parts de la 3e et de la 5e année restent sous leurs seuils, et le contrôle (montée rapide) le fait disparaître quand l'une d'elles les dépasse.",
    ),
    "method_quick": (
        "This is a quick run: patterns with a <code>quick_months</code> run over that shorter horizon, so their final year is earlier than in a full run, and fewer replications make the intervals wider. Run <code>hlmsim patterns</code> without <code>--quick</code> for the full validation.",
        "Ceci est une exécution rapide : les patrons qui ont un <code>quick_months</code> tournent sur cet horizon plus court, leur dernière année est donc plus tôt que dans une exécution complète, et moins de réplications élargissent les intervalles. Lancez <code>hlmsim patterns</code> sans <code>--quick</code> pour la validation complète.",
    ),
    "method_limits": (
        "The confidence intervals show only the model's own randomness, not uncertainty about its assumptions; the robustness section varies the assumed parameters over their plausible ranges, not the model's structure.",
        "Les intervalles de confiance ne traduisent que l'aléa propre au modèle, pas l'incertitude sur ses hypothèses ; la section sur la robustesse fait varier les paramètres supposés sur leurs plages plausibles, pas la structure du modèle.",
    ),
    "finding": ("Finding", "Constat"),
    "pattern": ("Pattern", "Patron"),
    "lever": ("Lever", "Levier"),
    "expected": ("Expected", "Attendu"),
    "increase": ("increase", "hausse"),
    "decrease": ("decrease", "baisse"),
    "effect": ("Effect (95% CI)", "Effet (IC 95 %)"),
    "verdict": ("Verdict", "Verdict"),
    "control": ("Negative control (95% CI)", "Contrôle négatif (IC 95 %)"),
    "removes": ("Control removes it?", "Le contrôle l'annule ?"),
    "robust": ("Robustness", "Robustesse"),
    "assumed": ("Assumed parameters", "Paramètres supposés"),
    "reproduced": ("reproduced", "reproduit"),
    "not_reproduced": ("not reproduced", "non reproduit"),
    "not_run": ("not run", "non faite"),
    "fragile": ("fragile", "fragile"),
    "results_caption": (
        "Effect: final-year paired difference, high setting minus low (the 2×2 interaction for finding 13; for finding 15, the same difference, whose timing is in its section), in the outcome's unit; shares in percentage points. Robustness: share of the robustness points where the effect keeps the expected direction. Assumed: lever and control parameters whose source is “assumption” (see the last sections).",
        "Effet : écart apparié de la dernière année, réglage haut moins bas (l'interaction du 2×2 pour le constat 13 ; pour le constat 15, le même écart, dont le calendrier est dans sa section), dans l'unité du résultat ; parts en points de pourcentage. Robustesse : part des points de robustesse où l'effet garde le sens attendu. Supposés : paramètres de levier et de contrôle dont la source est « assumption » (voir les dernières sections).",
    ),
    "switch": (
        "Mechanism switch (negative control)",
        "Interrupteur du mécanisme (contrôle négatif)",
    ),
    "file": ("File", "Fichier"),
    "horizon": ("Horizon", "Horizon"),
    "months_n": ("{n} months", "{n} mois"),
    "dose_line": (
        "Diminishing returns: the first step of the lever adds {s1} {unit}, the second {s2} (second minus first, in the expected direction: {c}, 95% CI {lo} to {hi}): {verdict}.",
        "Rendements décroissants : le premier pas du levier ajoute {s1} {unit}, le second {s2} (second moins premier, dans le sens attendu : {c}, IC 95 % : {lo} à {hi}) : {verdict}.",
    ),
    "dose_yes": ("returns diminish", "les rendements décroissent"),
    "dose_no": ("returns do not diminish", "les rendements ne décroissent pas"),
    "also_line": (
        "Also expected, {label} ({dir}): {m} {unit} (95% CI {lo} to {hi}), {verdict}.",
        "Attendu aussi, {label} ({dir}) : {m} {unit} (IC 95 % : {lo} à {hi}), {verdict}.",
    ),
    "effect_line": (
        'Effect in the final year (months {a}): <strong>{m}</strong> {unit} (95% CI {lo} to {hi}); expected: {dir}. Verdict: <strong class="{cls}">{verdict}</strong>.',
        'Effet la dernière année (mois {a}) : <strong>{m}</strong> {unit} (IC 95 % : {lo} à {hi}) ; attendu : {dir}. Verdict : <strong class="{cls}">{verdict}</strong>.',
    ),
    "control_line": (
        "With the mechanism switched off: {m} {unit} (95% CI {lo} to {hi}): the control {removes}.",
        "Mécanisme coupé : {m} {unit} (IC 95 % : {lo} à {hi}) : le contrôle {removes}.",
    ),
    "removes_yes": ("removes the effect", "fait disparaître l'effet"),
    "removes_no": ("does not remove the effect", "ne fait pas disparaître l'effet"),
    "timing_line": (
        "Share of the final-year gain reached in year 3: <strong>{y3}</strong> (at most {max} expected), year 5: <strong>{y5}</strong> (at most {max5} expected), year 10: {y10}.",
        "Part du gain de la dernière année atteinte la 3e année : <strong>{y3}</strong> (au plus {max} attendu), la 5e : <strong>{y5}</strong> (au plus {max5} attendu), la 10e : {y10}.",
    ),
    "control_line_timing": (
        "With fast build-up of trust, understanding and mutual aid (the control), the final-year effect is {m} {unit} (95% CI {lo} to {hi}) and the share reached in year 3 is {c3}, in year 5 {c5}: the control {removes}.",
        "Avec une montée rapide de la confiance, de la compréhension et de l'entraide (le contrôle), l'effet de la dernière année est de {m} {unit} (IC 95 % : {lo} à {hi}) et la part atteinte la 3e année est de {c3}, la 5e de {c5} : le contrôle {removes}.",
    ),
    "removes_delay_yes": (
        "removes the delay (a share above its threshold)",
        "fait disparaître le délai (une part au-dessus de son seuil)",
    ),
    "removes_delay_no": ("does not remove the delay", "ne fait pas disparaître le délai"),
    "robust_line": (
        "Robustness: the effect keeps its direction in {k} of {m} points ({pct}){sig}.",
        "Robustesse : l'effet garde son sens dans {k} des {m} points ({pct}){sig}.",
    ),
    "robust_sig": (
        "; its {r}-replicate interval excludes zero in {s}",
        " ; son intervalle sur {r} réplications exclut zéro dans {s}",
    ),
    "robust_breaks": ("Failures go with: {list}.", "Les échecs vont avec : {list}."),
    "honesty_line": (
        "Lever and control parameters and their sources:",
        "Paramètres de levier et de contrôle et leurs sources :",
    ),
    "role_lever": ("lever", "levier"),
    "role_control": ("control", "contrôle"),
    "assumption_tag": ("assumption", "hypothèse"),
    "circular_tag": ("calibrated to this pattern", "calibré sur ce patron"),
    "fig_alt": ("Outcome over time in each arm", "Résultat dans le temps dans chaque bras"),
    "fig_caption": (
        "Mean over {n} replications of the outcome, month by month, in each setting of the lever (solid) and with the mechanism switched off (dashed, same colours).{ma}",
        "Moyenne sur {n} réplications du résultat, mois par mois, dans chaque réglage du levier (trait plein) et mécanisme coupé (tirets, mêmes couleurs).{ma}",
    ),
    "fig_caption_timing": (
        "Gain of the high setting over the low one in the expected direction (a reduction for an outcome expected to decrease), month by month (mean over {n} replications, 12-month moving average), as it is (solid) and with fast build-up (the control, dashed). Dotted lines: years 3, 5 and 10, with the share of the final-year gain reached in each.",
        "Gain du réglage haut sur le bas dans le sens attendu (une réduction pour un résultat censé baisser), mois par mois (moyenne sur {n} réplications, moyenne mobile sur 12 mois), tel quel (trait plein) et avec une montée rapide (le contrôle, tirets). Pointillés : années 3, 5 et 10, avec la part du gain de la dernière année atteinte à chacune.",
    ),
    "fig_caption_2x2": (
        " A and B are the lever's two factors ({lever}).",
        " A et B sont les deux facteurs du levier ({lever}).",
    ),
    "ma_note": (
        " Flows are a 12-month moving average.",
        " Les flux sont une moyenne mobile sur 12 mois.",
    ),
    "ma": ("12-month moving average", "moyenne mobile sur 12 mois"),
    "fig_caption_event": (
        "Gap between the run with the event and the run without it, month by month (mean over {n} paired replications), as it is (solid) and with the mechanism switched off (the control, dashed). Dotted lines: the event's month and a year later, with the share of the dip left then.",
        "Écart entre la simulation avec l'événement et celle sans, mois par mois (moyenne sur {n} réplications appariées), tel quel (trait plein) et mécanisme coupé (le contrôle, tirets). Pointillés : le mois de l'événement et un an plus tard, avec la part de la chute qui reste alors.",
    ),
    "event_line": (
        "Dip after the event (months {a}): <strong>{m}</strong> {unit} (95% CI {lo} to {hi}); expected: {dir}. A year later {y1} of the dip is left (at least {min} expected: a slow recovery), in the final year {fin}. Verdict: <strong class=\"{cls}\">{verdict}</strong>.",
        "Chute après l'événement (mois {a}) : <strong>{m}</strong> {unit} (IC 95 % : {lo} à {hi}) ; attendu : {dir}. Un an plus tard il reste {y1} de la chute (au moins {min} attendu : une reprise lente), la dernière année {fin}. Verdict : <strong class=\"{cls}\">{verdict}</strong>.",
    ),
    "gap": ("Gap with the event", "Écart avec l'événement"),
    "event_month": ("event", "événement"),
    "year_later": ("a year later", "un an plus tard"),
    "gain_increase": ("Gain", "Gain"),
    "gain_decrease": ("Reduction", "Réduction"),
    "control_dashed": ("dashed: mechanism switched off", "tirets : mécanisme coupé"),
    "control_fast": ("fast build-up (control)", "montée rapide (contrôle)"),
    "as_is": ("as in the model", "tel que dans le modèle"),
    "year_n": ("year {y}", "année {y}"),
    "arm_00": ("neither A nor B", "ni A ni B"),
    "arm_10": ("A only", "A seulement"),
    "arm_01": ("B only", "B seulement"),
    "arm_11": ("A and B", "A et B"),
    "robust_intro": (
        "Each pattern's settings (the four arms of the 2×2) were run again at {m} points of a Latin hypercube over the {p} assumed parameters below, {r} replicates per point and arm, all on one seed (common random numbers across points, so that differences between points come from the parameters). A point “holds” when the mean paired effect has the expected sign (and, for finding 15, the year-3 share stays below its threshold). A pattern is <strong>fragile</strong> when it holds in less than {pct} of the points.",
        "Les réglages de chaque patron (les quatre bras du 2×2) ont été refaits en {m} points d'un hypercube latin sur les {p} paramètres supposés ci-dessous, {r} réplications par point et par bras, toutes sur une même graine (nombres aléatoires communs d'un point à l'autre, pour que les écarts entre points viennent des paramètres). Un point « tient » quand l'effet apparié moyen a le signe attendu (et, pour le constat 15, que la part de la 3e année reste sous son seuil). Un patron est <strong>fragile</strong> quand il tient dans moins de {pct} des points.",
    ),
    "robust_choice": (
        "The parameters are every numeric parameter whose source is “assumption” (bare, informed by a cited figure, or calibrated to a pattern), excluding the levers planners control, costs (they change nothing but the cost), the settings of the arrangement presets (an arrangement is nothing but them) and, for each pattern, any parameter it sets itself. <strong>Each is sampled over the plausible range declared in the schema</strong> (<code>plausible=</code> in <code>hlmsim/params.py</code>, listed in docs/parameters.md): the span a researcher would call plausible, about a factor of two either side of the default for rates, gains and half-lives and about ± 1 around log-odds intercepts, unless a source or the nature of the quantity says otherwise; log-uniform when the range spans a factor of four or more, else uniform. The accepted range beside it only bounds what the model accepts: it is far too wide to sample (a meeting closing half the trust gap would build trust within a year, against finding 15).",
        "Ce sont tous les paramètres numériques dont la source est « assumption » (seule, éclairée par un chiffre cité, ou calibrée sur un patron), hors leviers que contrôlent les planificateurs, coûts (ils ne changent que le coût), réglages des arrangements prédéfinis (un arrangement n'est rien d'autre que ces réglages) et, pour chaque patron, paramètres qu'il fixe lui-même. <strong>Chacun est échantillonné sur la plage plausible déclarée dans le schéma</strong> (<code>plausible=</code> dans <code>hlmsim/params.py</code>, listée dans docs/parameters.md) : l'étendue qu'un·e chercheur·se jugerait plausible, environ un facteur deux de part et d'autre de la valeur par défaut pour les taux, gains et demi-vies et environ ± 1 autour des constantes en log-cote, sauf si une source ou la nature de la grandeur dit autre chose ; log-uniforme quand la plage couvre un facteur quatre ou plus, uniforme sinon. La plage acceptée à côté borne seulement ce que le modèle accepte : elle est bien trop large pour être échantillonnée (une rencontre comblant la moitié de l'écart de confiance bâtirait la confiance en un an, contre le constat 15).",
    ),
    "default": ("Default", "Défaut"),
    "plausible_range": ("Plausible range (sampled)", "Plage plausible (échantillonnée)"),
    "schema_range": ("Accepted range", "Plage acceptée"),
    "log": ("log-uniform", "log-uniforme"),
    "linear": ("uniform", "uniforme"),
    "robust_fig_alt": (
        "Share of robustness points where each pattern holds",
        "Part des points de robustesse où chaque patron tient",
    ),
    "robust_fig_x": (
        "Share of points where the direction holds (%)",
        "Part des points où le sens tient (%)",
    ),
    "robust_fig_caption": (
        "Share of the {m} points where each pattern keeps its direction (dark part: its {r}-replicate interval also excludes zero). Red: fragile (below the dotted line at {pct}).",
        "Part des {m} points où chaque patron garde son sens (partie foncée : son intervalle sur {r} réplications exclut aussi zéro). Rouge : fragile (sous le pointillé à {pct}).",
    ),
    "fragile_head": ("Fragile patterns and where they break", "Patrons fragiles et où ils cèdent"),
    "no_fragile": ("No pattern is fragile.", "Aucun patron n'est fragile."),
    "breaks_note": (
        "For each fragile pattern, the parameters most associated with failures: the mean position, in its plausible range (0 at the low end, 1 at the high end, on the scale sampled), of the points where the pattern fails minus that of the points where it holds. +0.30 means failures come with higher values of the parameter. With few points and many parameters, some of these associations are chance: read them as leads to examine, not as findings.",
        "Pour chaque patron fragile, les paramètres les plus associés aux échecs : la position moyenne, dans sa plage plausible (0 en bas, 1 en haut, sur l'échelle échantillonnée), des points où le patron échoue moins celle des points où il tient. +0,30 veut dire que les échecs vont avec des valeurs plus hautes du paramètre. Avec peu de points et beaucoup de paramètres, certaines de ces associations sont dues au hasard : ce sont des pistes à examiner, pas des constats.",
    ),
    "fails_everywhere": ("fails at every point", "échoue en tout point"),
    "higher": ("higher {p} ({d})", "{p} plus élevé ({d})"),
    "lower": ("lower {p} ({d})", "{p} plus bas ({d})"),
    "honesty_intro": (
        "MODEL.md asks that every parameter carry a source, or the words “assumption, calibrated to pattern N”. A pattern produced by a parameter that exists only to produce it would prove nothing. The rule followed here: <strong>a pattern may not rest on a parameter whose only role is to produce it</strong>. Every mechanism parameter in a switch below also acts in the runs of other patterns and of every comparison (docs/patterns.md lists those roles). The table shows, for each pattern, which of its lever and control parameters have no published source (“assumption”): those patterns rest on assumed values, and reproducing them shows what these assumptions imply, not that they are right.",
        "MODEL.md demande que chaque paramètre porte une source, ou les mots « assumption, calibrated to pattern N ». Un patron produit par un paramètre qui n'existe que pour le produire ne prouverait rien. La règle suivie ici : <strong>un patron ne peut reposer sur un paramètre dont le seul rôle est de le produire</strong>. Chaque paramètre de mécanisme d'un interrupteur ci-dessous agit aussi dans les simulations d'autres patrons et de toute comparaison (docs/patterns.md en donne les rôles). Le tableau montre, pour chaque patron, lesquels de ses paramètres de levier et de contrôle n'ont pas de source publiée (« assumption ») : ces patrons reposent sur des valeurs supposées, et les reproduire montre ce qu'impliquent ces hypothèses, pas qu'elles sont justes.",
    ),
    "honesty_count": (
        "{k} of the {n} patterns have at least one assumed lever or control parameter.",
        "{k} des {n} patrons ont au moins un paramètre de levier ou de contrôle supposé.",
    ),
    "calibration_note": (
        "Calibration target, not validation: {list}. Some of their lever or control parameters were set so that the pattern appears (their sources say “calibrated to pattern N”); reproducing them shows that the model can produce these patterns with mechanisms that also do other work, not independent evidence for those values. The other patterns were used to set no parameter: they are validation.",
        "Cible de calibration, pas validation : {list}. Certains de leurs paramètres de levier ou de contrôle ont été fixés pour que le patron apparaisse (leur source dit « calibrated to pattern N ») ; les reproduire montre que le modèle peut les produire avec des mécanismes qui servent aussi ailleurs, pas une preuve indépendante de ces valeurs. Les autres patrons n'ont servi à fixer aucun paramètre : ils valident.",
    ),
    "none_assumed": ("none", "aucun"),
    "lever_params": ("Lever parameters", "Paramètres du levier"),
    "control_params": ("Control parameters", "Paramètres du contrôle"),
    "files_note": (
        "The numbers are in this folder: patterns.csv (one row per pattern), robustness.csv (one row per pattern and robustness point, with the point's parameter values), figures/ and metadata.json.",
        "Les chiffres sont dans ce dossier : patterns.csv (une ligne par patron), robustness.csv (une ligne par patron et point de robustesse, avec les valeurs des paramètres du point), figures/ et metadata.json.",
    ),
    "m_version": ("hlmsim version (model)", "Version de hlmsim (modèle)"),
    "m_robust": (
        "Robustness seed, points, replicates",
        "Graine, points et réplications de robustesse",
    ),
    "m_overrides": ("Parameter overrides in every arm", "Paramètres imposés dans chaque bras"),
    "cli_plan": (
        "Validating {n} patterns of {folder}: {reps} paired replications per arm, {points} robustness points; seed {seed}, {workers} worker process(es)",
        "Validation de {n} patrons de {folder} : {reps} réplications appariées par bras, {points} points de robustesse ; graine {seed}, {workers} processus",
    ),
    "cli_runs": ("model runs", "simulations"),
    "cli_title": (
        "Pattern-oriented validation, {reps} paired replications",
        "Validation orientée patrons, {reps} réplications appariées",
    ),
    "cli_seconds": ("{tasks} model runs in {s} s", "{tasks} simulations en {s} s"),
    "cli_failed": (
        "{k} of {n} patterns not reproduced: {list}",
        "{k} des {n} patrons non reproduits : {list}",
    ),
    "cli_all": ("all {n} patterns reproduced", "les {n} patrons sont reproduits"),
}
#: The report's texts: the comparison report's shared ones, then this report's own.
TEXT: dict[str, tuple[str, str]] = {**REPORT_TEXT, **_OWN_TEXT}

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
.flag { color: #b84a00; }
@media print { section.pattern { break-inside: avoid; page-break-inside: avoid; } }
"""


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` (``en`` or ``fr``), formatted with ``values``."""
    en, fr = TEXT[key]
    s = fr if lang == "fr" else en
    return s.format(**values) if values else s


def _colon(lang: str) -> str:
    """The colon and its space: French puts a narrow no-break space before it."""
    return "\u202f: " if lang == "fr" else ": "


def _title(spec: PatternSpec, lang: str) -> str:
    return spec.title_fr if lang == "fr" else spec.title_en


def _lever(spec: PatternSpec, lang: str) -> str:
    return spec.lever_fr if lang == "fr" else spec.lever_en


def _verdict(ok: bool, lang: str) -> str:
    return t("reproduced" if ok else "not_reproduced", lang)


def _window(months: int) -> str:
    return f"{max(1, months - 11)}–{months}"


def _pid_list(result: PatternsResult, pids: list[str], lang: str) -> str:
    return "; ".join(
        f"{pid} ({t('finding', lang).lower()} {result.specs[pid].finding})" for pid in pids
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
                "direction": r["direction"],
                "months": r["months"],
                "replications": r["replications"],
                "effect": r["effect"],
                "effect_ci_low": r["effect_ci_low"],
                "effect_ci_high": r["effect_ci_high"],
                "reproduced": r["reproduced"],
                "verdict": _verdict(r["reproduced"], lang),
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
        return t(f"arm_{arm}", lang)
    s = {"low": spec.low, "mid": spec.middle, "high": spec.high}[arm]
    assert s is not None
    parts = []
    if s.arrangement:
        parts.append(arrangement_label(s.arrangement, lang))
    parts += [f"{k} = {_param_value(v, lang)}" for k, v in s.params.items()]
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
            from .patterns import YEAR_LATER, event_month

            for curves, style, label in (
                (r["curves"], "-", t("as_is", lang)),
                (r["control_curves"], "--", t("control_dashed", lang)),
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
                (em, t("event_month", lang)),
                (em + YEAR_LATER, t("year_later", lang) + f"\n{fmt_pct(left.get('year1'), lang)}"),
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
            ylabel = f"{t('gap', lang)}, {_series_unit(name, lang)}"
            fig.legend(loc="outside lower center", ncol=2, frameon=False)
        elif spec.kind == "timing":
            sign = 1.0 if spec.direction == "increase" else -1.0
            for curves, style, label in (
                (r["curves"], "-", t("as_is", lang)),
                (r["control_curves"], "--", t("control_fast", lang)),
            ):
                months, gain = _moving(sign * (curves["high"] - curves["low"]))
                ax.plot(months, gain * scale, color=GOOD, linestyle=style, linewidth=2, label=label)
            shares = r.get("share_by_year", {})
            for year in (3, 5, 10):
                if year * 12 <= horizon:
                    ax.axvline(year * 12, color="#888888", linestyle=":", linewidth=1)
                    share = shares.get(year)
                    text = t("year_n", lang, y=year)
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
            ylabel = f"{t('gain_' + spec.direction, lang)}, {_series_unit(name, lang)}"
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
                    label=t("control_dashed", lang),
                )
            )
            ylabel = _series_unit(name, lang) + (f" ({t('ma', lang)})" if flow else "")
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
        ax.set_xlabel(t("month", lang))
        ax.set_xlim(1, horizon)
        ax.yaxis.set_major_formatter(axis_formatter(lang))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        if horizon >= 36:
            ax.xaxis.set_major_locator(MultipleLocator(12))
        style_axes(ax)
        return png(fig)


def _series_unit(name: str, lang: str) -> str:
    from .outcomes import unit_label

    unit = OUTCOMES[name].unit
    return "%" if unit.startswith("share") else unit_label(unit, lang)


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
                f"{row['pattern']} · {t('finding', lang).lower()} {row['finding']}"
                for row in tab.to_dict("records")
            ],
            fontsize=8.5,
        )
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("robust_fig_x", lang))
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


def _effect_text(name: str, m: float, lo: float, hi: float, lang: str) -> tuple[str, str]:
    """An effect and its CI, as in the comparison report, with more decimals when the interval
    is narrow (two significant digits of its half-width, at most three decimals)."""
    scale = value_scale(name)
    decimals = value_decimals(name, True)
    if _finite(lo) and _finite(hi) and hi > lo:
        half = (hi - lo) / 2 * scale
        decimals = max(decimals, min(3, 1 - math.floor(math.log10(half))))

    def f(x: float) -> str:
        return fmt_num(scale * x, decimals, lang, sign=True) if _finite(x) else "–"

    return f(m), fmt_range(f(lo), f(hi), lang)


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
    head = "".join(f"<th>{_e(t(c, lang))}</th>" for c in cols)
    rows = []
    for r in result.table.to_dict("records"):
        pid = r["pattern"]
        spec = result.specs[pid]
        name = spec.outcome
        m, ci = _effect_text(name, r["effect"], r["effect_ci_low"], r["effect_ci_high"], lang)
        cm, cci = _effect_text(
            name, r["control_effect"], r["control_ci_low"], r["control_ci_high"], lang
        )
        arrow = "↑" if spec.direction == "increase" else "↓"
        ok = bool(r["reproduced"])
        verdict = f'<span class="{"verdict-ok" if ok else "verdict-bad"}">{"✓" if ok else "✗"} {_e(_verdict(ok, lang))}</span>'
        removes = (
            t("yes", lang)
            if r["control_removes"]
            else f'<span class="flag">{_e(t("no", lang))}</span>'
        )
        if r["robustness_points"]:
            robust = _e(fmt_pct(r["robustness_share"], lang))
            if r["fragile"]:
                robust = f'<span class="flag">{robust} · {_e(t("fragile", lang))}</span>'
        else:
            robust = _e(t("not_run", lang))
        assumed = r["assumed_params"].split()
        assumed_html = (
            "<br>".join(f"<code>{_e(a).replace('_', '_<wbr>')}</code>" for a in assumed)
            if assumed
            else _e(t("none_assumed", lang))
        )
        rows.append(
            f'<tr data-pattern="{_e(pid)}" data-reproduced="{str(ok).lower()}">'
            f'<td class="num">{spec.finding}</td>'
            f'<td class="title"><a href="#{_e(pid)}">{_e(_title(spec, lang))}</a><span class="pid">{_e(r["file"])}</span></td>'
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
            t(key, lang, p=f"<code>{_e(name)}</code>", d=_e(fmt_num(value, 2, lang, True)))
        )
    return ", ".join(parts)


def _honesty_items(spec: PatternSpec, lang: str) -> str:
    from .patterns import honesty

    items = []
    for h in honesty(spec):
        tags = ""
        if h["assumption"]:
            tags += f'<span class="tag">{_e(t("assumption_tag", lang))}</span>'
        if h["calibrated"]:
            tags += f'<span class="tag circular">{_e(t("circular_tag", lang))}</span>'
        role = t("role_lever" if h["role"] == "lever" else "role_control", lang)
        items.append(
            f"<li><code>{_e(h['parameter'])}</code> ({_e(role)}){tags}{_colon(lang)}{_e(h['source'])}</li>"
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
        c, cci = _effect_text(
            name, r["effect_concavity"], r["effect_concavity_ci_low"], r["effect_concavity_ci_high"], lang
        )
        clo, chi = cci.split(" à " if lang == "fr" else " to ")
        ok = bool(r["effect_concavity_ci_high"] < 0)
        out.append(
            t(
                "dose_line",
                lang,
                s1=_e(_effect_text(name, s1, s1, s1, lang)[0]),
                s2=_e(_effect_text(name, s2, s2, s2, lang)[0]),
                unit=_e(display_unit(name, lang, True)),
                c=_e(c),
                lo=_e(clo),
                hi=_e(chi),
                verdict=_e(t("dose_yes" if ok else "dose_no", lang)),
            )
        )
    for name, a in r.get("also", {}).items():
        m, ci = _effect_text(name, a["effect"], a["ci_low"], a["ci_high"], lang)
        lo, hi = ci.split(" à " if lang == "fr" else " to ")
        out.append(
            t(
                "also_line",
                lang,
                label=_e(_lower_first(outcome_label(name, lang))),
                dir=_e(t(a["direction"], lang)),
                m=_e(m),
                unit=_e(display_unit(name, lang, True)),
                lo=_e(lo),
                hi=_e(hi),
                verdict=_e(_verdict(a["reproduced"], lang).lower()),
            )
        )
    return " ".join(out) + (" " if out else "")


def pattern_section(result: PatternsResult, pid: str, lang: str, png: bytes) -> str:
    spec, r = result.specs[pid], result.results[pid]
    row = result.table.set_index("pattern").loc[pid]
    name = spec.outcome
    unit = _e(display_unit(name, lang, True))
    m, ci = _effect_text(name, r["effect"], r["effect_ci_low"], r["effect_ci_high"], lang)
    lo, hi = ci.split(" à " if lang == "fr" else " to ")
    ok = bool(r["reproduced"])
    arrow = "↑" if spec.direction == "increase" else "↓"
    switch = ", ".join(
        f"<code>{_e(k)}</code> = {_e(_param_value(v, lang))}" for k, v in spec.control.items()
    )
    dl = (
        f'<dl class="spec"><dt>{_e(t("lever", lang))}</dt><dd>{_e(_lever(spec, lang))}</dd>'
        f"<dt>{_e(t('outcome', lang))}</dt><dd>{_e(outcome_label(name, lang))} <code>{_e(name)}</code>, "
        f"{_e(t('expected', lang).lower())}{_colon(lang)}{_e(t(spec.direction, lang))} {arrow}</dd>"
        f"<dt>{_e(t('switch', lang))}</dt><dd>{switch}</dd>"
        f"<dt>{_e(t('horizon', lang))}</dt><dd>{_e(t('months_n', lang, n=r['months']))}</dd>"
        f"<dt>{_e(t('file', lang))}</dt><dd><code>experiments/patterns/{_e(result.files[pid])}</code></dd></dl>"
    )
    parts = [dl]
    if spec.kind == "event":
        caption = t("fig_caption_event", lang, n=r["replications"])
    elif spec.kind == "timing":
        caption = t("fig_caption_timing", lang, n=r["replications"])
    else:
        flow = OUTCOMES[name].final == "sum"
        caption = t("fig_caption", lang, n=r["replications"], ma=t("ma_note", lang) if flow else "")
        if spec.kind == "interaction":
            caption += t("fig_caption_2x2", lang, lever=_lever(spec, lang))
    parts.append(
        f"<figure>{_img(png, t('fig_alt', lang))}<figcaption>{_e(caption)}</figcaption></figure>"
    )
    if spec.kind == "event":
        from .patterns import DIP_MONTHS, event_month

        em, left = event_month(spec), r.get("effect_left", {})
        line = t(
            "event_line",
            lang,
            a=f"{em}–{em + DIP_MONTHS - 1}",
            m=_e(m),
            unit=unit,
            lo=_e(lo),
            hi=_e(hi),
            dir=_e(t(spec.direction, lang)),
            y1=_e(fmt_pct(left.get("year1"), lang)),
            min=_e(fmt_pct(spec.min_left_year1, lang)),
            fin=_e(fmt_pct(left.get("final"), lang)),
            cls="verdict-ok" if ok else "verdict-bad",
            verdict=_e(_verdict(ok, lang)),
        )
    else:
        line = t(
            "effect_line",
            lang,
            a=_window(r["months"]),
            m=_e(m),
            unit=unit,
            lo=_e(lo),
            hi=_e(hi),
            dir=_e(t(spec.direction, lang)),
            cls="verdict-ok" if ok else "verdict-bad",
            verdict=_e(_verdict(ok, lang)),
        )
    parts.append("<p>" + line + " " + _secondary_lines(spec, r, lang))
    cm, cci = _effect_text(name, r["control"], r["control_ci_low"], r["control_ci_high"], lang)
    clo, chi = cci.split(" à " if lang == "fr" else " to ")
    if spec.kind == "timing":
        s, cs = r.get("share_by_year", {}), r.get("control_share_by_year", {})
        parts.append(
            t(
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
            t(
                "control_line_timing",
                lang,
                m=_e(cm),
                unit=unit,
                lo=_e(clo),
                hi=_e(chi),
                c3=_e(fmt_pct(cs.get(3), lang)),
                c5=_e(fmt_pct(cs.get(5), lang)),
                removes=_e(t(removes, lang)),
            )
            + "</p>"
        )
    else:
        removes = "removes_yes" if r["control_removes"] else "removes_no"
        parts.append(
            t(
                "control_line",
                lang,
                m=_e(cm),
                unit=unit,
                lo=_e(clo),
                hi=_e(chi),
                removes=_e(t(removes, lang)),
            )
            + "</p>"
        )
    if row["robustness_points"]:
        k = int(round(row["robustness_share"] * row["robustness_points"]))
        sig = t(
            "robust_sig",
            lang,
            r=result.metadata["robustness"]["replicates_per_point"],
            s=fmt_pct(row["robustness_significant_share"], lang),
        )
        text = t(
            "robust_line",
            lang,
            k=k,
            m=int(row["robustness_points"]),
            pct=_e(fmt_pct(row["robustness_share"], lang)),
            sig=_e(sig),
        )
        if row["fragile"] and row["breaks"]:
            text += " " + t("robust_breaks", lang, list=_breaks_text(row["breaks"], lang))
        parts.append(f'<p class="{"flag" if row["fragile"] else ""}">{text}</p>')
    parts.append(f"<p>{_e(t('honesty_line', lang))}</p>{_honesty_items(spec, lang)}")
    head = f"{t('finding', lang)} {spec.finding} · {_title(spec, lang)}"
    badge = f'<span class="{"verdict-ok" if ok else "verdict-bad"}">{"✓" if ok else "✗"}</span>'
    return f'<section class="pattern" id="{_e(pid)}"><h3>{badge} {_e(head)}</h3>{"".join(parts)}</section>'


def robustness_section(result: PatternsResult, lang: str, png: bytes | None) -> str:
    meta = result.metadata["robustness"]
    if png is None:
        return f"<p>{_e(t('sum_no_robust', lang))}</p>"
    pct = fmt_pct(meta["fragile_below"], lang)
    parts = [
        "<p>"
        + t(
            "robust_intro",
            lang,
            m=meta["points"],
            p=len(result.factors),
            r=meta["replicates_per_point"],
            pct=_e(pct),
        )
        + "</p>",
        f'<p class="note">{t("robust_choice", lang)}</p>',
    ]
    rows = []
    for f in result.factors:
        meta_f = field_meta(f.name)
        label = meta_f["label_fr"] if lang == "fr" and meta_f["label_fr"] else meta_f["label_en"]
        plausible = fmt_range(_num(f.low, lang), _num(f.high, lang), lang)
        schema = fmt_range(_num(f.schema_min, lang), _num(f.schema_max, lang), lang)
        rows.append(
            f'<tr><th scope="row"><code>{_e(f.name)}</code><span class="unit">{_e(label)}</span></th>'
            f'<td class="num">{_e(_num(f.default, lang))}</td><td class="num">{_e(plausible)}</td>'
            f'<td>{_e(t(f.scale, lang))}</td><td class="num">{_e(schema)}</td>'
            f"<td>{_e(param_unit(meta_f['unit'], lang))}</td></tr>"
        )
    head = "".join(
        f"<th>{_e(t(k, lang))}</th>"
        for k in ("parameter", "default", "plausible_range", "log", "schema_range", "unit")
    ).replace(f"<th>{_e(t('log', lang))}</th>", "<th></th>")
    parts.append(
        f'<table class="params"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    parts.append(
        f"<figure>{_img(png, t('robust_fig_alt', lang))}<figcaption>"
        f"{_e(t('robust_fig_caption', lang, m=meta['points'], r=meta['replicates_per_point'], pct=pct))}"
        "</figcaption></figure>"
    )
    parts.append(f"<h3>{_e(t('fragile_head', lang))}</h3>")
    fragile = result.table[result.table["fragile"].astype(bool)]
    if fragile.empty:
        parts.append(f"<p>{_e(t('no_fragile', lang))}</p>")
    else:
        items = []
        for row in fragile.to_dict("records"):
            spec = result.specs[row["pattern"]]
            where = (
                _breaks_text(row["breaks"], lang)
                if row["breaks"]
                else _e(t("fails_everywhere", lang))
            )
            items.append(
                f'<li><a href="#{_e(row["pattern"])}">{_e(row["pattern"])}</a> '
                f"({_e(t('finding', lang).lower())} {spec.finding}, {_e(fmt_pct(row['robustness_share'], lang))}){_colon(lang)}{where}</li>"
            )
        parts.append(f'<ul>{"".join(items)}</ul><p class="note">{_e(t("breaks_note", lang))}</p>')
    return "".join(parts)


def _num(x: Any, lang: str) -> str:
    if x is None:
        return "–"
    x = float(x)
    if x == int(x) and abs(x) >= 1000:
        return fmt_num(x, 0, lang)
    s = f"{x:.3g}"
    return s.replace("-", "−").replace(".", ",") if lang == "fr" else s.replace("-", "−")


def honesty_section(result: PatternsResult, lang: str) -> str:
    from .patterns import honesty

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
            t("finding", lang),
            t("pattern", lang),
            t("lever_params", lang),
            t("control_params", lang),
            "*",
        )
    )
    parts = [
        f"<p>{t('honesty_intro', lang)}</p>",
        f'<table class="honesty-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>',
        f'<p class="note">* {_e(t("assumption_tag", lang))} · {_e(t("honesty_count", lang, k=k, n=len(result.specs)))}</p>',
    ]
    if calibration:
        parts.append(
            f'<p class="flag">{_e(t("calibration_note", lang, list="; ".join(calibration)))}</p>'
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
    if lang != "en":
        args += ["--lang", lang]
    return shlex.join(args)


def reproduce_section(result: PatternsResult, lang: str) -> str:
    meta = result.metadata
    unknown = t("unknown", lang)
    rob = meta.get("robustness", {})
    versions = ", ".join(str(meta.get(k, unknown)) for k in ("python", "mesa", "numpy", "pandas"))
    rows = [
        (
            t("m_version", lang),
            f"{meta.get('hlmsim_version', unknown)} ({meta.get('model_version', unknown)})",
        ),
        (t("m_commit", lang), meta.get("git_commit") or unknown),
        (t("m_versions", lang), versions),
        (t("m_seed", lang), meta.get("seed", unknown)),
        (t("m_batches", lang, size=BATCH), ", ".join(str(x) for x in meta.get("batch_seeds", []))),
        (
            t("m_robust", lang),
            f"{rob.get('seed', '')}, {rob.get('points', 0)}, {rob.get('replicates_per_point', '')}",
        ),
        (t("m_started", lang), meta.get("started", unknown)),
    ]
    if meta.get("overrides"):
        rows.append(
            (t("m_overrides", lang), ", ".join(f"{k} = {v}" for k, v in meta["overrides"].items()))
        )
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return (
        f"<p>{_e(t('reproduce_intro', lang))}</p><pre>{_e(reproduce_command(result, lang))}</pre>"
        f'<table class="meta"><tbody>{body}</tbody></table>'
        f'<p class="note">{_e(t("files_note", lang))}</p>'
    )


def summary_html(result: PatternsResult, lang: str) -> str:
    tab = result.table
    n = len(tab)
    k = int(tab["reproduced"].sum())
    out = [t("sum_reproduced", lang, k=k, n=n)]
    failed = result.failed()
    if failed:
        out.append(_e(t("sum_failed", lang, list=_pid_list(result, failed, lang))))
    kc = int(tab["control_removes"].sum())
    out.append(_e(t("sum_controls", lang, k=kc, n=n)))
    not_removed = [
        str(p) for p, ok in zip(tab["pattern"], tab["control_removes"], strict=True) if not ok
    ]
    if not_removed:
        out.append(_e(t("sum_controls_failed", lang, list=_pid_list(result, not_removed, lang))))
    rob = result.metadata.get("robustness", {})
    if rob.get("points"):
        pct = fmt_pct(rob["fragile_below"], lang)
        fragile = [str(p) for p, f in zip(tab["pattern"], tab["fragile"], strict=True) if f]
        if fragile:
            out.append(
                _e(
                    t(
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
            out.append(_e(t("sum_robust", lang, m=rob["points"], p=len(result.factors), pct=pct)))
    else:
        out.append(_e(t("sum_no_robust", lang)))
    out.append(_e(t("sum_caveat", lang)))
    return " ".join(out)


def render_html(result: PatternsResult, lang: str, figures: dict[str, bytes]) -> str:
    """The report as one self-contained HTML page."""
    meta = result.metadata
    from . import __version__

    title = t("title", lang)
    reps = meta.get("replications", "")
    subtitle = t(
        "subtitle",
        lang,
        n=len(result.specs),
        reps=reps,
        mode=t("mode_quick" if meta.get("quick") else "mode_full", lang),
        seed=meta.get("seed", 0),
        version=meta.get("hlmsim_version", __version__),
    )
    months = sorted({int(r["months"]) for r in result.results.values()})
    window = ", ".join(_window(m) for m in months)
    method = (
        f"<p>{t('method_1', lang)}</p><p>{t('method_2', lang, a=_e(window), reps=reps)}</p>"
        + (f'<p class="note">{t("method_quick", lang)}</p>' if meta.get("quick") else "")
        + f'<p class="note">{_e(t("method_limits", lang))}</p>'
    )
    results = (
        f'{results_table(result, lang)}<p class="caption">{_e(t("results_caption", lang))}</p>'
    )
    detail = "".join(pattern_section(result, pid, lang, figures[pid]) for pid in result.specs)
    sections = [
        ("method", t("s_method", lang), method),
        ("results", t("s_results", lang), results),
        ("patterns", t("s_patterns", lang), detail),
        (
            "robustness",
            t("s_robustness", lang),
            robustness_section(result, lang, figures.get("robustness")),
        ),
        ("honesty", t("s_honesty", lang), honesty_section(result, lang)),
        ("reproduce", t("s_reproduce", lang), reproduce_section(result, lang)),
    ]
    nav = "".join(f'<li><a href="#{sid}">{_e(h)}</a></li>' for sid, h, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_e(h)}</h2>{c}</section>' for sid, h, c in sections)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}{EXTRA_CSS}</style>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
<p class="subtitle">{_e(subtitle)}</p>
</header>
<div class="summary" id="summary"><h2>{_e(t("key_message", lang))}</h2><p>{summary_html(result, lang)}</p></div>
<nav><strong>{_e(t("contents", lang))}</strong><ol>{nav}</ol></nav>
{body}
<footer>{_e(t("footer", lang))}</footer>
</body>
</html>
"""


# --- writing ------------------------------------------------------------------------------------


def check_patterns_dir(out: Path, figure_names: set[str] | None = None) -> None:
    """Refuse an output path that is a file, or a folder holding more than a validation's files
    (writing replaces the whole folder). Figures are the shipped patterns' and robustness.png."""
    from .patterns import pattern_files, pattern_id

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
    if lang not in ("en", "fr"):
        raise InputError(f"must be en or fr (got {lang!r})", key="--lang")
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
