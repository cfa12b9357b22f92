"""Monthly outcomes: their definitions (labels in English and French, unit, how milieux add up
and how the final year is summarised) and the per-milieu record of each month."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .params import CONTROVERSY_THEMES, NEED_CATEGORIES, NEED_LABELS

if TYPE_CHECKING:
    from .model import HLMModel


@dataclass(frozen=True)
class Outcome:
    """One monthly outcome. ``weight``: how milieux add up (``sum``, or a weighted mean by
    ``households``, ``hard_to_reach`` households or ``needs_met``); ``final``: how the final year
    is summarised (``sum`` of the 12 months or ``mean``)."""

    en: str
    fr: str
    unit: str
    weight: str = "households"
    final: str = "mean"


def _o(en: str, fr: str, unit: str, weight: str = "households", final: str = "mean") -> Outcome:
    return Outcome(en, fr, unit, weight, final)


OUTCOMES: dict[str, Outcome] = {
    "households": _o("Households", "Ménages", "households", "sum"),
    "needs_new": _o("Needs arising", "Besoins apparus", "needs / month", "sum", "sum"),
    "needs_opened": _o("New open needs (not joining an open one)", "Nouveaux besoins ouverts", "needs / month", "sum", "sum"),
    "needs_prevented": _o("Needs averted by prevention", "Besoins évités par la prévention", "needs / month", "sum", "sum"),
    "needs_met": _o("Needs met", "Besoins répondus", "needs / month", "sum", "sum"),
    "needs_unmet": _o("Unmet needs (open)", "Besoins non répondus (ouverts)", "needs", "sum"),
    "needs_abandoned": _o("Needs given up", "Besoins abandonnés", "needs / month", "sum", "sum"),
    "time_to_meet": _o("Time to meet a need", "Délai de réponse à un besoin", "months", "needs_met"),
    "met_by_service": _o("Needs met by services", "Besoins répondus par les services", "needs / month", "sum", "sum"),
    "met_by_worker": _o("Needs met by the worker", "Besoins répondus par l'intervenant·e", "needs / month", "sum", "sum"),
    "met_by_activities": _o("Needs met through activities", "Besoins répondus par les activités", "needs / month", "sum", "sum"),
    "met_by_mutual_aid": _o("Needs met by mutual aid", "Besoins répondus par l'entraide", "needs / month", "sum", "sum"),
    "met_by_self": _o("Needs resolved alone", "Besoins réglés seul·e", "needs / month", "sum", "sum"),
    "reached": _o("Residents reached (12 months)", "Résident·e·s rejoint·e·s (12 mois)", "share of households"),
    "hard_to_reach_reached": _o("Hard-to-reach residents reached", "Résident·e·s difficiles à rejoindre rejoint·e·s", "share of hard-to-reach households", "hard_to_reach"),
    "contacts": _o("Worker contacts", "Contacts de l'intervenant·e", "contacts / month", "sum", "sum"),
    "referrals_made": _o("Referrals made", "Références faites", "referrals / month", "sum", "sum"),
    "referrals_completed": _o("Referrals completed", "Références abouties", "referrals / month", "sum", "sum"),
    "self_referrals": _o("Self-referrals", "Demandes autonomes", "requests / month", "sum", "sum"),
    "cross_referrals": _o("Referrals between partners", "Références entre partenaires", "referrals / month", "sum", "sum"),
    "requests_dropped": _o("Requests dropped after waiting", "Demandes abandonnées après attente", "requests / month", "sum", "sum"),
    "services": _o("Services delivered", "Services rendus", "services / month", "sum", "sum"),
    "service_use": _o("Service use (12 months)", "Recours aux services (12 mois)", "share of households"),
    "isolation": _o("Isolation", "Isolement", "share of households"),
    "engagement": _o("Engagement", "Engagement", "index 0-1"),
    "participants": _o("Activity participants", "Participant·e·s aux activités", "households / month", "sum", "sum"),
    "association_activity": _o("Tenants' association activity", "Activité de l'association de locataires", "index 0-1"),
    "mutual_aid": _o("Mutual-aid ties", "Liens d'entraide", "share of households"),
    "agency": _o("Power to act", "Pouvoir d'agir", "index 0-1"),
    "security": _o("Sense of security", "Sentiment de sécurité", "index 0-1"),
    "health_network_image": _o("Image of the health network", "Image du réseau de la santé", "index 0-1"),
    "landlord_trust": _o("Trust in the landlord", "Confiance envers le propriétaire", "index 0-1"),
    "trust_worker": _o("Trust in the worker", "Confiance envers l'intervenant·e", "index 0-1"),
    "inter_org_trust": _o("Inter-organisational trust", "Confiance inter-organisationnelle", "index 0-1"),
    "shared_understanding": _o("Shared understanding", "Compréhension commune", "index 0-1"),
    "role_clarity": _o("Role clarity", "Clarté des rôles", "index 0-1"),
    "open_controversies": _o("Open controversies", "Controverses ouvertes", "controversies", "sum"),
    "controversies_internal_organisation": _o("Open controversies: internal organisation", "Controverses ouvertes : organisation interne", "controversies", "sum"),
    "controversies_role_clarity": _o("Open controversies: role clarity", "Controverses ouvertes : clarté des rôles", "controversies", "sum"),
    "controversies_kind_of_intervention": _o("Open controversies: kind of intervention", "Controverses ouvertes : type d'intervention", "controversies", "sum"),
    "controversies_shared_spaces": _o("Open controversies: shared spaces", "Controverses ouvertes : espaces partagés", "controversies", "sum"),
    "activities": _o("Activities held", "Activités tenues", "activities / month", "sum", "sum"),
    "meetings": _o("Committee meetings", "Rencontres de comités", "meetings / month", "sum", "sum"),
    "vacancy_months": _o("Worker vacancy", "Vacance du poste d'intervenant·e", "position-months", "sum", "sum"),
    "departures": _o("Staff departures", "Départs de personnel", "departures / month", "sum", "sum"),
    "worker_departures": _o("Worker departures", "Départs d'intervenant·e·s", "departures / month", "sum", "sum"),
    "fte_months": _o("Staff time", "Temps de personnel", "FTE-months", "sum", "sum"),
    "cost": _o("Cost", "Coût", "$ / month", "sum", "sum"),
}
for _c in NEED_CATEGORIES:
    _en, _fr = NEED_LABELS[_c]
    OUTCOMES[f"needs_met_{_c}"] = _o(f"Needs met: {_en}", f"Besoins répondus : {_fr}", "needs / month", "sum", "sum")
    OUTCOMES[f"needs_unmet_{_c}"] = _o(f"Unmet needs: {_en}", f"Besoins non répondus : {_fr}", "needs", "sum")

#: Derived in summaries (final year): cost per need met.
DERIVED = {
    "cost_per_need_met": _o("Cost per need met", "Coût par besoin répondu", "$ / need"),
    "needs_met_share": _o("Share of needs met", "Part des besoins répondus", "share of closed needs"),
}

#: French for each unit word (units are composed as "<thing> / <period>").
UNIT_WORDS_FR = {
    "activities": "activités", "contacts": "contacts", "controversies": "controverses",
    "departures": "départs", "households": "ménages", "index 0-1": "indice 0-1",
    "meetings": "rencontres", "months": "mois", "month": "mois", "needs": "besoins",
    "need": "besoin", "position-months": "mois-poste", "referrals": "références",
    "requests": "demandes", "services": "services", "FTE-months": "mois-ETP", "year": "an",
    "share of closed needs": "part des besoins fermés",
    "share of hard-to-reach households": "part des ménages difficiles à rejoindre",
    "share of households": "part des ménages",
}


def unit_label(unit: str, lang: str = "en") -> str:
    """An outcome's unit in English or French."""
    if lang != "fr":
        return unit
    return " / ".join(UNIT_WORDS_FR.get(part, part) for part in unit.split(" / "))


#: Tally names reset every month (mechanisms add to them).
TALLIES = (
    "needs_new", "needs_opened", "needs_prevented", "needs_met", "needs_abandoned", "needs_left_open", "time_to_meet_sum",
    "met_by_service", "met_by_worker", "met_by_activities", "met_by_mutual_aid", "met_by_self",
    "met_by_none", "contacts", "successful_contacts", "needs_disclosed", "referrals_made",
    "referrals_completed", "self_referrals", "cross_referrals", "requests_dropped", "services",
    "pooled_services", "participants", "consultations", "consulted", "projects_started",
    "activities", "funded_activities", "meetings", "attendance", "controversies_arisen", "controversies_settled",
    "vacancy_months", "departures", "worker_departures", "rep_departures", "oc_departures",
    "move_outs", "peer_exchanges", "crises_started", "funding_cuts", "grants_lapsed",
)
HARD_TO_REACH = 0.6  # disaffiliation index from which a household counts as hard to reach


def record(model: HLMModel) -> dict[str, np.ndarray]:
    """This month's outcomes, one value per milieu."""
    hh, mp, ms, tl = model.hh, model.mp, model.ms, model.tally
    M, m, t = ms.n, hh.milieu, model.t
    nh = np.maximum(ms.n_households, 1)

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(m, weights=values, minlength=M) / nh

    out: dict[str, np.ndarray] = {"households": ms.n_households.copy()}
    for k in ("needs_new", "needs_opened", "needs_prevented", "needs_met", "needs_abandoned", "met_by_service", "met_by_worker",
              "met_by_activities", "met_by_mutual_aid", "met_by_self", "contacts", "referrals_made",
              "referrals_completed", "self_referrals", "cross_referrals", "requests_dropped",
              "services", "participants", "activities", "meetings", "vacancy_months", "departures",
              "worker_departures"):
        out[k] = tl[k].astype(float)
    open_by_cat = np.stack(
        [np.bincount(m, weights=hh.need_open[:, k], minlength=M) for k in range(len(NEED_CATEGORIES))],
        axis=1,
    )
    out["needs_unmet"] = open_by_cat.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["time_to_meet"] = np.where(tl["needs_met"] > 0, tl["time_to_meet_sum"] / tl["needs_met"], np.nan)
    recent = (t - hh.last_contact) < 12
    out["reached"] = mean(recent)
    htr = hh.hard_to_reach >= HARD_TO_REACH
    n_htr = np.bincount(m, weights=htr, minlength=M)
    with np.errstate(invalid="ignore", divide="ignore"):  # undefined with no hard-to-reach household
        out["hard_to_reach_reached"] = np.bincount(m, weights=htr & recent, minlength=M) / n_htr
    out["_n_hard_to_reach"] = n_htr
    out["service_use"] = mean((t - hh.last_served) < 12)
    out["isolation"] = mean(hh.ties < mp.isolation_threshold[m])
    out["engagement"] = mean(hh.engagement)
    out["association_activity"] = ms.association.copy()
    out["mutual_aid"] = mean(hh.mutual_aid)
    out["agency"] = mean(hh.agency)
    out["security"] = mean(hh.security)
    out["health_network_image"] = mean(hh.image)
    out["landlord_trust"] = mean(hh.landlord)
    out["trust_worker"] = mean(hh.trust_worker)
    n_mem = ms.member.sum(axis=1)
    # among the network's members; no network, no trust built between organisations
    out["inter_org_trust"] = (ms.trust * ms.member).sum(axis=1) / np.maximum(n_mem, 1)
    out["shared_understanding"] = ms.understanding.copy()
    out["role_clarity"] = ms.role_clarity.copy()
    out["open_controversies"] = ms.controversy.sum(axis=1).astype(float)
    for j, theme in enumerate(CONTROVERSY_THEMES):
        out[f"controversies_{theme}"] = ms.controversy[:, j].astype(float)
    oc_fte = mp.oc_fte_share * ms.oc_filled.sum(axis=1)
    worker_fte = mp.worker_fte * ms.worker_filled
    out["fte_months"] = worker_fte + oc_fte
    out["cost"] = (
        worker_fte * mp.worker_monthly_cost
        + oc_fte * mp.oc_monthly_cost
        + tl["meetings"] * mp.meeting_cost
        + tl["funded_activities"] * mp.activity_cost
    )
    cat = tl["needs_met_by_category"]
    for k, c in enumerate(NEED_CATEGORIES):
        out[f"needs_met_{c}"] = cat[:, k].astype(float)
        out[f"needs_unmet_{c}"] = open_by_cat[:, k]
    return out
