"""The five intervention arrangements of the study (docs/findings.md), as presets: bundles of
parameter settings.

An arrangement is nothing but these settings: no mechanism tests which arrangement is running.
Every setting can be overridden in a scenario file.
"""

from __future__ import annotations

from typing import Any

from .i18n import pick

_NO_NETWORK: dict[str, Any] = {
    "network_present": False,
    "n_partners": 0,
    "committee_vivre_ensemble": False,
    "committee_terrain": False,
    "committee_coordination": False,
    "oc_ciusss_present": False,
    "oc_omh_present": False,
    "tools_guides": False,
    "room_agreement": False,
    "resource_pooling": 0.0,
    "consultations_per_year": 0.0,
    "collective_projects_per_year": 0.0,
    "association_support": 0.1,
}
_NO_WORKER: dict[str, Any] = {"worker_fte": 0.0, "worker_employer": "none"}

ARRANGEMENTS: dict[str, dict[str, Any]] = {
    "ciusss_social_worker": {
        "worker_fte": 1.0,
        "worker_employer": "ciusss",
        "worker_monthly_cost": 7500.0,
        "worker_turnover_annual": 0.14,
        "worker_vacancy_months": 24.0,
        "worker_grant_funded": False,
        "worker_landlord_wariness": 0.0,
        "direct_access_priority": True,
    },
    "community_worker": {
        "worker_fte": 1.0,
        "worker_employer": "community",
        "worker_monthly_cost": 5000.0,
        "worker_turnover_annual": 0.21,
        "worker_vacancy_months": 6.0,
        "worker_grant_funded": True,
        "worker_landlord_wariness": 0.0,
        "direct_access_priority": True,
    },
    "omh_worker": {
        "worker_fte": 1.0,
        "worker_employer": "omh",
        "worker_monthly_cost": 6500.0,
        "worker_turnover_annual": 0.10,
        "worker_grant_funded": False,
        "worker_landlord_wariness": 0.3,
        "direct_access_priority": True,
    },
    "concertation_only": {**_NO_WORKER},
    "services_as_usual": {**_NO_WORKER, **_NO_NETWORK},
}

LABELS: dict[str, tuple[str, str]] = {
    "ciusss_social_worker": ("CIUSSS social worker", "Travailleur·se social·e du CIUSSS"),
    "community_worker": (
        "Community-organisation worker",
        "Intervenant·e d'un organisme communautaire",
    ),
    "omh_worker": ("OMH worker", "Intervenant·e de l'OMH"),
    "concertation_only": ("Concertation only", "Concertation seulement"),
    "services_as_usual": ("Services as usual", "Services habituels"),
}

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "ciusss_social_worker": (
        "Milieu worker employed by the CIUSSS, acting as social worker; local network with OCs.",
        "Intervenant·e rattaché·e au CIUSSS, travailleur·se social·e ; réseau local et OC.",
    ),
    "community_worker": (
        "Milieu worker employed by a community organisation, on renewable project grants.",
        "Intervenant·e d'un organisme communautaire, financé·e par des subventions de projet.",
    ),
    "omh_worker": (
        "Milieu worker employed by the housing office (the landlord).",
        "Intervenant·e employé·e par l'office d'habitation (le propriétaire).",
    ),
    "concertation_only": (
        "Local network and activities, no dedicated milieu worker.",
        "Réseau local et activités, sans intervenant·e de milieu.",
    ),
    "services_as_usual": (
        "No worker, no network: residents find services on their own.",
        "Ni intervenant·e ni réseau : les résident·e·s trouvent les services par eux-mêmes.",
    ),
}


def preset(name: str) -> dict[str, Any]:
    """The parameter settings of an arrangement (a copy)."""
    return dict(ARRANGEMENTS[name])


def arrangement_label(name: str, lang: str) -> str:
    """An arrangement's label in ``lang`` (its name when it is not a preset)."""
    pair = LABELS.get(name)
    return pick(pair, lang) if pair else name


def arrangement_description(name: str, lang: str) -> str:
    """A preset's one-sentence description in ``lang`` ("" for other arrangements)."""
    pair = DESCRIPTIONS.get(name)
    return pick(pair, lang) if pair else ""
