"""Every text of the workshop app in English and French.

Parameter labels, units, ranges and sources come from the schema (:func:`hlmsim.params.field_meta`),
outcome labels and units from :data:`hlmsim.outcomes.OUTCOMES`, arrangement labels from
:mod:`hlmsim.arrangements` and need labels from :data:`hlmsim.params.NEED_LABELS`: none is typed
again here. This module holds only the page's own words (buttons, headings), the French of the
few parameter unit words the outcome units do not have, and labels for event and partner kinds.
"""

from __future__ import annotations

import math
from typing import Any

from ..arrangements import DESCRIPTIONS, LABELS
from ..mechanisms.events import EVENT_KINDS
from ..outcomes import OUTCOMES, unit_label
from ..params import ASSUMPTION, HOUSEHOLD_TYPES, NEED_LABELS, PARTNER_KINDS
from ..params import field_meta as _field_meta

LANGS: tuple[str, ...] = ("en", "fr")

#: The page's own words: key -> (English, French).
TEXT: dict[str, tuple[str, str]] = {
    "title": ("hlmsim workshop", "Atelier hlmsim"),
    "subtitle": (
        "Proximity intervention in public low-rent housing (HLM): a live model",
        "Intervention de proximité en HLM : un modèle en direct",
    ),
    "caveat": (
        "An exploration of stated assumptions, not a forecast: most values are assumptions, and"
        " a difference between arrangements is a consequence of the model's assumptions, not a"
        " measured effect.",
        "Une exploration d'hypothèses explicites, pas une prévision : la plupart des valeurs sont"
        " des hypothèses, et une différence entre arrangements découle des hypothèses du modèle,"
        " ce n'est pas un effet mesuré.",
    ),
    "language": ("Language", "Langue"),
    "scenario": ("Scenario", "Scénario"),
    "arrangement": ("Arrangement", "Arrangement"),
    "arrangement_a": ("Arrangement A", "Arrangement A"),
    "arrangement_b": ("Arrangement B", "Arrangement B"),
    "as_in_scenario": ("As in the scenario", "Comme dans le scénario"),
    "side_by_side": ("Side by side: two arrangements", "Côte à côte : deux arrangements"),
    "side_by_side_help": (
        "Same scenario, same seed, same households and needs: only the arrangement differs.",
        "Même scénario, même graine, mêmes ménages et besoins : seul l'arrangement diffère.",
    ),
    "seed": ("Seed", "Graine"),
    "seed_help": (
        "Another seed, another random history; the same seed replays the same run.",
        "Autre graine, autre histoire au hasard ; la même graine rejoue la même simulation.",
    ),
    "milieu": ("Milieu", "Milieu"),
    "households_n": ("{n} households", "{n} ménages"),
    "play": ("Play", "Lecture"),
    "pause": ("Pause", "Pause"),
    "step": ("Step one month", "Avancer d'un mois"),
    "reset": ("Reset", "Recommencer"),
    "speed": ("Speed", "Vitesse"),
    "speed_value": ("{v} months / s", "{v} mois / s"),
    "speed_max": ("as fast as possible", "le plus vite possible"),
    "month": ("Month", "Mois"),
    "year": ("year {y}", "année {y}"),
    "years_axis": ("years", "années"),
    "finished": ("End of the horizon", "Fin de l'horizon"),
    "levers": ("Levers", "Leviers"),
    "levers_help": (
        "What planners control. Marked ↻: changing it restarts the run at month 0; the others"
        " apply from next month.",
        "Ce que les décideurs contrôlent. Marqué ↻ : le changer recommence à zéro ; les autres"
        " s'appliquent dès le mois suivant.",
    ),
    "assumptions": ("Assumptions", "Hypothèses"),
    "assumptions_help": (
        "Not levers: what the model assumes about people and organisations.",
        "Pas des leviers : ce que le modèle suppose des personnes et des organisations.",
    ),
    "restore_defaults": ("Restore defaults", "Valeurs par défaut"),
    "changed": ("changed", "modifié"),
    "range": ("range", "plage"),
    "default": ("default", "défaut"),
    "source": ("source", "source"),
    "assumption_word": ("assumption", "hypothèse"),
    "yes": ("yes", "oui"),
    "no": ("no", "non"),
    "events": ("Live events", "Événements en direct"),
    "events_help": (
        "In the selected milieu, next month.",
        "Dans le milieu choisi, le mois suivant.",
    ),
    "pending": ("Next month: {what}", "Le mois prochain : {what}"),
    "outcomes": ("Outcomes over time", "Résultats au fil du temps"),
    "current_values": ("Current values", "Valeurs actuelles"),
    "indicator": ("Indicator", "Indicateur"),
    "unit": ("Unit", "Unité"),
    "difference": ("B − A", "B − A"),
    "network": ("Local network", "Réseau local"),
    "network_help": (
        "Partners (outer ring: green, community; blue, public) around the concertation table;"
        " a line's width, colour and number show the partner's trust in the network"
        " (inter-organisational trust). Grey: not a member; double ring: on site; red: funding"
        " cut. Inner ring: the worker, the organisers (OC), the committees (squares) and the"
        " tenants' association; dashed: vacant.",
        "Les partenaires (cercle extérieur : vert, communautaire ; bleu, public) autour de la"
        " table de concertation ; l'épaisseur, la couleur et le nombre d'un trait montrent la"
        " confiance du partenaire envers le réseau (confiance inter-organisationnelle). Gris :"
        " non membre ; double cercle : sur place ; rouge : financement coupé. Cercle intérieur :"
        " l'intervenant·e, les OC, les comités (carrés) et l'association de locataires ;"
        " pointillé : poste vacant.",
    ),
    "table": ("Concertation table", "Table de concertation"),
    "no_network": ("No network", "Pas de réseau"),
    "worker_no": ("Worker no. {k}", "Intervenant·e no {k}"),
    "vacant": ("vacant", "vacant"),
    "worker_short": ("Worker", "Intervenant·e"),
    "no_worker_short": ("No worker", "Aucun·e intervenant·e"),
    "oc_ciusss_short": ("OC CIUSSS", "OC CIUSSS"),
    "oc_omh_short": ("OC OMH", "OC OMH"),
    "committee_vivre_ensemble_short": ("Vivre ensemble", "Vivre ensemble"),
    "committee_terrain_short": ("Terrain", "Terrain"),
    "committee_coordination_short": ("Coordination", "Coordination"),
    "association_short": ("Tenants' association", "Assoc. de locataires"),
    "on_site": ("on site", "sur place"),
    "funding_cut_mark": ("funding", "financement"),
    "understanding_n": ("shared understanding {v}", "compréhension commune {v}"),
    "crisis_now": ("crisis", "crise"),
    "project_now": ("collective project", "projet collectif"),
    "controversies_n": ("{n} open controversies", "{n} controverses ouvertes"),
    "residents": ("Residents", "Résident·e·s"),
    "residents_help": (
        "One square per household of the milieu. Hover for its number.",
        "Un carré par ménage du milieu. Survolez pour son numéro.",
    ),
    "colour_by": ("Colour by", "Couleur selon"),
    "colour_trust_worker": ("Trust in the worker", "Confiance envers l'intervenant·e"),
    "colour_unmet": ("Unmet needs (open)", "Besoins non répondus (ouverts)"),
    "colour_engagement": ("Engagement", "Engagement"),
    "colour_security": ("Sense of security", "Sentiment de sécurité"),
    "colour_ties": ("Social ties", "Liens sociaux"),
    "story": ("A household's life story", "L'histoire d'un ménage"),
    "household_id": ("Household no.", "Ménage no"),
    "random_household": ("A random household", "Un ménage au hasard"),
    "unknown_household": (
        "No household no. {hid} has lived here so far.",
        "Aucun ménage no {hid} n'a vécu ici jusqu'à présent.",
    ),
    "story_head": (
        "Household no. {hid} · {htype} · {milieu} · moved in {since}",
        "Ménage no {hid} · {htype} · {milieu} · arrivé {since}",
    ),
    "at_start": ("before the start", "avant le début"),
    "in_month": ("in month {t}", "au mois {t}"),
    "moved_out": (
        "Moved out in month {t}; household no. {new} took the unit.",
        "A déménagé au mois {t} ; le ménage no {new} a pris le logement.",
    ),
    "not_recorded": (
        "Recorded from month {t} (large scenario: only the selected milieu is recorded).",
        "Enregistré depuis le mois {t} (grand scénario : seul le milieu choisi est enregistré).",
    ),
    "open_needs": ("Open needs", "Besoins ouverts"),
    "none": ("none", "aucun"),
    "workers_known": ("Workers met", "Intervenant·e·s rencontré·e·s"),
    "contacts_n": ("contacts with the worker", "contacts avec l'intervenant·e"),
    "ev_contact": ("Met the milieu worker (no. {k})", "Rencontre avec l'intervenant·e (no {k})"),
    "ev_need": ("New need: {c}", "Nouveau besoin : {c}"),
    "ev_request": ("Request with {p}: {c}", "Demande auprès de {p} : {c}"),
    "ev_served": ("Served by a partner", "Servi par un partenaire"),
    "ev_dropped": (
        "Request with {p} dropped after waiting: {c}",
        "Demande auprès de {p} abandonnée après attente : {c}",
    ),
    "ev_closed": ("Need met or resolved: {c}", "Besoin répondu ou réglé : {c}"),
    "ev_given_up": ("Need given up after {n} months: {c}", "Besoin abandonné après {n} mois : {c}"),
    "ev_mutual_aid": ("Joined a mutual-aid network", "A rejoint un réseau d'entraide"),
    "ev_worker_left": ("The milieu worker left", "L'intervenant·e de milieu est parti·e"),
    "ev_new_worker": ("A new milieu worker started", "Un·e nouvel·le intervenant·e a commencé"),
    "trust_worker_short": ("trust in the worker", "confiance envers l'intervenant·e"),
    "security_short": ("security", "sécurité"),
    "engagement_short": ("engagement", "engagement"),
    "ties_short": ("ties", "liens"),
    "timeline": ("Month by month (latest first)", "Mois par mois (le plus récent d'abord)"),
    "nothing_yet": (
        "Nothing yet: run a few months.",
        "Rien encore : faites avancer quelques mois.",
    ),
    "update_ms": (
        "Last month: model {step} ms, pictures {draw} ms; when playing: page {page} ms, on"
        " screen after {shown} ms",
        "Dernier mois : modèle {step} ms, images {draw} ms ; en lecture : page {page} ms, à"
        " l'écran après {shown} ms",
    ),
    "restarted": (
        "Settings changed: the run restarted at month 0.",
        "Réglages modifiés : la simulation a recommencé au mois 0.",
    ),
}

#: Live events (buttons): labels of ``hlmsim.mechanisms.events.EVENT_KINDS``.
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "worker_leaves": ("The worker leaves", "L'intervenant·e part"),
    "representative_leaves": (
        "A partner's representative leaves",
        "Un·e représentant·e partenaire part",
    ),
    "oc_leaves": ("An organiser (OC) leaves", "Un·e OC part"),
    "funding_cut": ("Funding cut", "Coupe de financement"),
    "crisis": ("A crisis", "Une crise"),
    "collective_project": ("A new collective project", "Un nouveau projet collectif"),
    "consultation": ("A consultation of residents", "Une consultation des résident·e·s"),
}
assert set(EVENT_LABELS) == set(EVENT_KINDS), "a label for every event kind"

#: Partner kinds (``hlmsim.params.PARTNER_KINDS``), short labels for the network picture.
PARTNER_LABELS: dict[str, tuple[str, str]] = {
    "ciusss_services": ("CIUSSS services", "Services du CIUSSS"),
    "omh_services": ("OMH services", "Services de l'OMH"),
    "family_org": ("Family organisation", "Organisme famille"),
    "youth_org": ("Youth organisation", "Organisme jeunesse"),
    "seniors_org": ("Seniors' organisation", "Organisme aîné·e·s"),
    "community_resource_centre": ("Community resource centre", "Centre de ressources"),
    "school_cpe": ("School / CPE", "École / CPE"),
    "municipality_library": ("Municipality / library", "Municipalité / bibliothèque"),
}
assert set(PARTNER_LABELS) == set(PARTNER_KINDS), "a label for every partner kind"

HOUSEHOLD_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "family": ("family", "famille"),
    "alone": ("person alone", "personne seule"),
    "senior": ("senior", "aîné·e"),
}
assert set(HOUSEHOLD_TYPE_LABELS) == set(HOUSEHOLD_TYPES)


def pick(pair: tuple[str, str], lang: str) -> str:
    """The English or French member of an (en, fr) pair."""
    return pair[1] if lang == "fr" else pair[0]


def t(key: str, lang: str, **values: Any) -> str:
    """The page text ``key`` in ``lang``, formatted with ``values``."""
    s = pick(TEXT[key], lang)
    return s.format(**values) if values else s


def fmt(x: Any, decimals: int = 2, lang: str = "en") -> str:
    """A number for the page: thin-space thousands and a decimal comma in French; "–" for NaN."""
    if x is None:
        return "–"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "–"
    s = f"{v:,.{decimals}f}"
    if lang == "fr":
        s = s.replace(",", "\u202f").replace(".", ",")
    return s.replace("-", "\u2212")


# -- the schema's words -------------------------------------------------------------------------


def field_meta(name: str) -> dict[str, Any]:
    """The schema's description of parameter ``name`` (``hlmsim.params.field_meta``)."""
    return _field_meta(name)


def param_label(name: str, lang: str) -> str:
    meta = field_meta(name)
    if lang == "fr" and meta["label_fr"]:
        return meta["label_fr"]
    return meta["label_en"]


def param_unit(name: str, lang: str) -> str:
    meta = field_meta(name)
    return meta["unit_fr"] if lang == "fr" else meta["unit"]


def param_value_text(name: str, value: Any, lang: str) -> str:
    meta = field_meta(name)
    if meta["kind"] == "bool":
        return t("yes" if value else "no", lang)
    if meta["kind"] == "choice":
        return str(value)
    if meta["kind"] == "int":
        return fmt(value, 0, lang)
    v = float(value)
    decimals = 0 if v == int(v) else (2 if abs(v) < 10 else 1)
    return fmt(v, decimals, lang)


def source_text(source: str, lang: str) -> str:
    """A parameter's source, with the word "assumption" in the page's language."""
    if source.strip().lower().startswith(ASSUMPTION):
        return t("assumption_word", lang) + source.strip()[len(ASSUMPTION) :]
    return source


def param_help(name: str, lang: str) -> str:
    """Range, unit, default and source of a parameter, one line."""
    meta = field_meta(name)
    unit = param_unit(name, lang)
    parts = []
    if meta["min"] is not None and meta["max"] is not None:
        lo = param_value_text(name, meta["min"], lang)
        hi = param_value_text(name, meta["max"], lang)
        parts.append(f"{t('range', lang)} {lo}–{hi} {unit}".rstrip())
    elif unit:
        parts.append(unit)
    parts.append(f"{t('default', lang)} {param_value_text(name, meta['default'], lang)}")
    parts.append(f"{t('source', lang)} : " if lang == "fr" else f"{t('source', lang)}: ")
    parts[-1] += source_text(meta["source"], lang)
    return " · ".join(parts)


def outcome_label(key: str, lang: str) -> str:
    o = OUTCOMES[key]
    return o.fr if lang == "fr" else o.en


def outcome_unit(key: str, lang: str) -> str:
    return unit_label(OUTCOMES[key].unit, lang)


def arrangement_label(name: str, lang: str) -> str:
    pair = LABELS.get(name)
    return pick(pair, lang) if pair else name


def arrangement_description(name: str, lang: str) -> str:
    pair = DESCRIPTIONS.get(name)
    return pick(pair, lang) if pair else ""


def need_label(category: str, lang: str) -> str:
    return pick(NEED_LABELS[category], lang)


def partner_label(kind: str, lang: str) -> str:
    return pick(PARTNER_LABELS[kind], lang)


def event_label(kind: str, lang: str) -> str:
    return pick(EVENT_LABELS[kind], lang)


def household_type_label(htype: str, lang: str) -> str:
    return pick(HOUSEHOLD_TYPE_LABELS[htype], lang)


__all__ = [
    "EVENT_LABELS",
    "LANGS",
    "PARTNER_LABELS",
    "TEXT",
    "arrangement_description",
    "arrangement_label",
    "event_label",
    "field_meta",
    "fmt",
    "need_label",
    "outcome_label",
    "outcome_unit",
    "param_help",
    "param_label",
    "param_unit",
    "partner_label",
    "t",
]
