"""Outcomes, declared once: label in English and French, unit, how milieux add up, the
final-year rule, the direction that is better and whether it is a key outcome of comparisons;
:func:`final_values` computes every final-year value (run summaries, comparisons, pattern
experiments and sweeps all use it); :func:`record` is the per-milieu record of each month.

The final-year rule, one for every use: flows (``final = "sum"``) are summed over the last 12
months, levels (``"mean"``) averaged over them, the time to meet a need averaged weighted by the
needs met each month (``final_weight``); a month whose value is missing (NaN: no hard-to-reach
household, no need met) is left out. Derived outcomes are computed from those final-year values
(the share of needs met, the cost per need met) or from the whole run (the time to maturity).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .i18n import pick
from .params import CONTROVERSY_THEMES, NEED_CATEGORIES, NEED_LABELS

if TYPE_CHECKING:
    from .model import HLMModel


@dataclass(frozen=True)
class Outcome:
    """One outcome. ``weight``: how milieux add up (``sum``, or a weighted mean by
    ``households``, ``hard_to_reach`` households or ``needs_met``); ``final``: how the final year
    is summarised (``sum`` of the 12 months or ``mean``; a derived outcome names its rule in
    :data:`DERIVED_RULES`), ``final_weight`` the outcome weighting that mean, if any;
    ``direction``: +1 higher is better, -1 lower is better, 0 neutral (descriptive); ``key``:
    its place among the key outcomes of comparisons (1 first; 0 when not a key outcome)."""

    en: str
    fr: str
    unit: str
    weight: str = "households"
    final: str = "mean"
    direction: int = 0
    key: int = 0
    final_weight: str | None = None


def _o(en: str, fr: str, unit: str, weight: str = "households", final: str = "mean", direction: int = 0, key: int = 0, final_weight: str | None = None) -> Outcome:
    return Outcome(en, fr, unit, weight, final, direction, key, final_weight)


OUTCOMES: dict[str, Outcome] = {
    "households": _o("Households", "Ménages", "households", "sum"),
    "needs_new": _o("Needs arising", "Besoins apparus", "needs / month", "sum", "sum"),
    "needs_opened": _o("New open needs (not joining an open one)", "Nouveaux besoins ouverts", "needs / month", "sum", "sum"),
    "needs_prevented": _o("Needs averted by prevention", "Besoins évités par la prévention", "needs / month", "sum", "sum"),
    "needs_met": _o("Needs met", "Besoins comblés", "needs / month", "sum", "sum", +1, 1),
    "needs_unmet": _o("Unmet needs (open)", "Besoins non comblés (ouverts)", "needs", "sum", direction=-1, key=3),
    "needs_abandoned": _o("Needs given up", "Besoins abandonnés", "needs / month", "sum", "sum"),
    "time_to_meet": _o("Time to meet a need", "Délai de réponse à un besoin", "months", "needs_met", direction=-1, key=4, final_weight="needs_met"),
    "met_by_service": _o("Needs met by services", "Besoins comblés par les services", "needs / month", "sum", "sum"),
    "met_by_worker": _o("Needs met by the worker", "Besoins comblés par l'intervenant·e", "needs / month", "sum", "sum"),
    "met_by_activities": _o("Needs met through activities", "Besoins comblés par les activités", "needs / month", "sum", "sum"),
    "met_by_mutual_aid": _o("Needs met by mutual aid", "Besoins comblés par l'entraide", "needs / month", "sum", "sum"),
    "met_by_self": _o("Needs resolved alone", "Besoins réglés seul·e", "needs / month", "sum", "sum"),
    "reached": _o("Residents reached (12 months)", "Résident·e·s rejoint·e·s (12 mois)", "share of households", direction=+1, key=5),
    "hard_to_reach_reached": _o("Hard-to-reach residents reached", "Résident·e·s difficiles à rejoindre rejoint·e·s", "share of hard-to-reach households", "hard_to_reach", direction=+1, key=6),
    "contacts": _o("Worker contacts", "Contacts de l'intervenant·e", "contacts / month", "sum", "sum"),
    "referrals_made": _o("Referrals made", "Références faites", "referrals / month", "sum", "sum"),
    "referrals_completed": _o("Referrals completed", "Références abouties", "referrals / month", "sum", "sum"),
    "self_referrals": _o("Self-referrals", "Demandes autonomes", "requests / month", "sum", "sum"),
    "cross_referrals": _o("Referrals between partners", "Références entre partenaires", "referrals / month", "sum", "sum"),
    "requests_dropped": _o("Requests dropped after waiting", "Demandes abandonnées après attente", "requests / month", "sum", "sum"),
    "services": _o("Services delivered", "Services rendus", "services / month", "sum", "sum"),
    "service_use": _o("Service use (12 months)", "Recours aux services (12 mois)", "share of households", direction=+1, key=7),
    "isolation": _o("Isolation", "Isolement", "share of households", direction=-1, key=8),
    "engagement": _o("Engagement", "Engagement", "index 0-1", direction=+1, key=9),
    "participants": _o("Activity participants", "Participant·e·s aux activités", "households / month", "sum", "sum"),
    "association_activity": _o("Tenants' association activity", "Activité de l'association de locataires", "index 0-1"),
    "mutual_aid": _o("Mutual-aid ties", "Liens d'entraide", "share of households"),
    "agency": _o("Power to act", "Pouvoir d'agir", "index 0-1"),
    "security": _o("Sense of security", "Sentiment de sécurité", "index 0-1", direction=+1, key=10),
    "health_network_image": _o("Image of the health network", "Image du réseau de la santé", "index 0-1", direction=+1, key=11),
    "landlord_trust": _o("Trust in the landlord", "Confiance envers le propriétaire", "index 0-1"),
    "trust_worker": _o("Trust in the worker", "Confiance envers l'intervenant·e", "index 0-1", direction=+1, key=12),
    "inter_org_trust": _o("Inter-organisational trust", "Confiance inter-organisationnelle", "index 0-1", direction=+1, key=13),
    "shared_understanding": _o("Shared understanding", "Compréhension commune", "index 0-1"),
    "role_clarity": _o("Role clarity", "Clarté des rôles", "index 0-1"),
    "open_controversies": _o("Open controversies", "Controverses ouvertes", "controversies", "sum"),
    "controversies_internal_organisation": _o("Open controversies: internal organisation", "Controverses ouvertes\u202f: organisation interne", "controversies", "sum"),
    "controversies_role_clarity": _o("Open controversies: role clarity", "Controverses ouvertes\u202f: clarté des rôles", "controversies", "sum"),
    "controversies_kind_of_intervention": _o("Open controversies: kind of intervention", "Controverses ouvertes\u202f: type d'intervention", "controversies", "sum"),
    "controversies_shared_spaces": _o("Open controversies: shared spaces", "Controverses ouvertes\u202f: espaces partagés", "controversies", "sum"),
    "activities": _o("Activities held", "Activités tenues", "activities / month", "sum", "sum"),
    "meetings": _o("Committee meetings", "Rencontres de comités", "meetings / month", "sum", "sum"),
    "vacancy_months": _o("Worker vacancy", "Vacance du poste d'intervenant·e", "position-months", "sum", "sum"),
    "departures": _o("Staff departures", "Départs de personnel", "departures / month", "sum", "sum"),
    "worker_departures": _o("Worker departures", "Départs d'intervenant·e·s", "departures / month", "sum", "sum"),
    "fte_months": _o("Staff time", "Temps de personnel", "FTE-months", "sum", "sum"),
    "cost": _o("Cost", "Coût", "$ / month", "sum", "sum", direction=-1, key=14),
}
for _c in NEED_CATEGORIES:
    _en, _fr = NEED_LABELS[_c]
    OUTCOMES[f"needs_met_{_c}"] = _o(f"Needs met: {_en}", f"Besoins comblés\u202f: {_fr}", "needs / month", "sum", "sum")
    OUTCOMES[f"needs_unmet_{_c}"] = _o(f"Unmet needs: {_en}", f"Besoins non comblés\u202f: {_fr}", "needs", "sum")

#: Derived from the final-year values, per milieu and for all milieux (in run summaries too).
DERIVED = {
    "cost_per_need_met": _o("Cost per need met", "Coût par besoin comblé", "$ / need", final="cost_per_need_met", direction=-1, key=15),
    "needs_met_share": _o("Share of needs met", "Part des besoins comblés", "share of closed needs", final="needs_met_share", direction=+1, key=2),
}
#: Derived from a whole run's series (comparisons and sweeps): the month unmet needs mature.
WHOLE_RUN = {
    "time_to_maturity": _o("Time to maturity (unmet needs)", "Délai de maturité (besoins non comblés)", "months", final="maturity", direction=0, key=16),
}
#: Every outcome with a final-year value, by name.
ALL_OUTCOMES: dict[str, Outcome] = {**OUTCOMES, **DERIVED, **WHOLE_RUN}
#: Key outcomes of comparisons, in their order, with the direction that is better (+1 higher,
#: -1 lower, 0 for a descriptive outcome: an arrangement that changes nothing "matures" at once).
KEY_OUTCOMES: dict[str, int] = {
    n: o.direction for n, o in sorted(ALL_OUTCOMES.items(), key=lambda kv: kv[1].key) if o.key
}

def outcome_label(name: str, lang: str = "en") -> str:
    """An outcome's label in ``lang``."""
    o = ALL_OUTCOMES[name]
    return pick((o.en, o.fr), lang)


def outcome_unit(name: str) -> str:
    """The unit of an outcome's final-year value (a flow per month is a flow per year)."""
    o = ALL_OUTCOMES[name]
    return o.unit.replace("/ month", "/ year") if o.final == "sum" else o.unit


# --- final-year values ------------------------------------------------------------------------

#: Months of the final year.
FINAL_MONTHS = 12


def maturity_month(series: np.ndarray, share: float = 0.9) -> float:
    """First month at which the 12-month moving mean has covered ``share`` of its change from
    the first year (months 1-12) to the final year: month 12 for a series that does not change;
    NaN for a series shorter than a year or with missing values."""
    x = np.asarray(series, dtype=float)
    if len(x) < 12:
        return float("nan")
    rolling = np.convolve(x, np.ones(12) / 12, mode="valid")  # rolling[i] ends at month i + 12
    if not np.isfinite(rolling).all():
        return float("nan")
    start, change = rolling[0], rolling[-1] - rolling[0]
    if abs(change) <= 1e-9 * max(1.0, abs(start)):
        return 12.0
    covered = (rolling - start) / change
    hit = np.flatnonzero(covered >= share * (1 - 1e-12))  # rounding in the sums
    return float(hit[0] + 12)


def _rows(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, x.shape[-1])


def _weighted_mean(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mean of each row of ``v`` weighted by ``w``, months with a missing value left out."""
    out = []
    for vi, wi in zip(_rows(v), _rows(w), strict=True):
        ok = ~np.isnan(vi)
        out.append(float(np.sum(vi[ok] * wi[ok]) / wi[ok].sum()) if wi[ok].sum() > 0 else math.nan)
    return np.array(out).reshape(v.shape[:-1])


def _ratio(a: Any, b: Any) -> Any:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), math.nan)


#: How a derived outcome is computed from the final-year values ``f`` and the whole series ``s``.
DERIVED_RULES = {
    "needs_met_share": lambda f, s: _ratio(f("needs_met"), f("needs_met") + f("needs_abandoned")),
    "cost_per_need_met": lambda f, s: _ratio(f("cost"), f("needs_met")),
    "maturity": lambda f, s: np.array(
        [maturity_month(row) for row in _rows(s("needs_unmet"))]
    ).reshape(s("needs_unmet").shape[:-1]),
}


def final_values(
    series: Mapping[str, Any], names: Iterable[str] | None = None, months: int = FINAL_MONTHS
) -> dict[str, Any]:
    """Final-year values of ``names`` (default: every outcome of :data:`ALL_OUTCOMES` that
    ``series`` can give) from monthly ``series``: a mapping (or a DataFrame) of outcome name to
    an array whose last axis is the months in ascending order (one run: 1-D, a float each; many
    replicates: (replicates, months), an array each). The one final-year rule of the module
    docstring."""
    cache: dict[str, np.ndarray] = {}

    def whole(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = np.asarray(series[name], dtype=float)
        return cache[name]

    def final(name: str) -> Any:
        key = "final:" + name
        if key not in cache:
            o = ALL_OUTCOMES[name]
            if o.final in DERIVED_RULES:
                value = DERIVED_RULES[o.final](final, whole)
            else:
                last = whole(name)[..., -months:]
                if o.final == "sum":
                    value = np.nansum(last, axis=-1)
                elif o.final_weight:
                    value = _weighted_mean(last, whole(o.final_weight)[..., -months:])
                else:
                    with warnings.catch_warnings():  # a year of missing values stays missing
                        warnings.simplefilter("ignore", RuntimeWarning)
                        value = np.nanmean(last, axis=-1) if last.shape[-1] else math.nan
            cache[key] = value
        return cache[key]

    if names is None:
        names = [n for n in ALL_OUTCOMES if _available(n, series)]
    out = {}
    for name in names:
        v = np.asarray(final(name), dtype=float)
        out[name] = float(v) if v.ndim == 0 else v
    return out


def _available(name: str, series: Mapping[str, Any]) -> bool:
    needs = {
        "needs_met_share": ("needs_met", "needs_abandoned"),
        "cost_per_need_met": ("cost", "needs_met"),
        "time_to_maturity": ("needs_unmet",),
    }.get(name, (name,))
    return all(n in series for n in needs)


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
#: Outcomes recorded straight from this month's tally of the same name.
TALLIED: tuple[str, ...] = tuple(n for n in OUTCOMES if n in TALLIES)
HARD_TO_REACH = 0.6  # disaffiliation index from which a household counts as hard to reach


def record(model: HLMModel) -> dict[str, np.ndarray]:
    """This month's outcomes, one value per milieu."""
    hh, mp, ms, tl = model.hh, model.mp, model.ms, model.tally
    M, m, t = ms.n, hh.milieu, model.t
    nh = np.maximum(ms.n_households, 1)

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(m, weights=values, minlength=M) / nh

    out: dict[str, np.ndarray] = {"households": ms.n_households.copy()}
    for k in TALLIED:
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
