"""The five intervention arrangements of the study (docs/findings.md), as presets: bundles of
parameter settings.

An arrangement is nothing but these settings: no mechanism tests which arrangement is running.
Every setting can be overridden in a scenario file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


#: Settings that shape the local network when a milieu is built (its members, who is on site):
#: an arrangement switch in the course of a run may not change them.
STRUCTURAL: tuple[str, ...] = ("network_present", "n_partners", "partners_colocated_share")

#: A switching arrangement, as ``hlmsim compare`` names it: ``start>to@month``.
SWITCH_PATTERN = re.compile(r"^(?P<start>[a-z_]+)>(?P<to>[a-z_]+)@(?P<month>[0-9]+)$")
SWITCH_LABEL: tuple[str, str] = (
    "{start} → {to} from month {month}",
    "{start} → {to} à partir du mois {month}",
)


@dataclass(frozen=True)
class Switch:
    """A milieu that starts on arrangement ``start`` and switches to ``to`` in ``month``
    (1-based, the first recorded month being 1): the arrangement ``start>to@month``."""

    start: str
    to: str
    month: int

    @property
    def name(self) -> str:
        return f"{self.start}>{self.to}@{self.month}"


def parse_switch(name: str) -> Switch | None:
    """The switch an arrangement name such as ``community_worker>ciusss_social_worker@36``
    stands for, or None for a plain arrangement name (the names are not checked here)."""
    found = SWITCH_PATTERN.match(name)
    if found is None:
        return None
    return Switch(found["start"], found["to"], int(found["month"]))


def preset(name: str) -> dict[str, Any]:
    """The parameter settings of an arrangement (a copy)."""
    return dict(ARRANGEMENTS[name])


def preset_keys(name: str) -> set[str]:
    """The parameters an arrangement sets: a switching arrangement's are both presets'."""
    switch = parse_switch(name)
    if switch is not None:
        return set(ARRANGEMENTS[switch.start]) | set(ARRANGEMENTS[switch.to])
    return set(ARRANGEMENTS[name])


def arrangement_label(name: str, lang: str) -> str:
    """An arrangement's label in ``lang`` (its name when it is not a preset); a switching
    arrangement's says both and the month."""
    switch = parse_switch(name)
    if switch is not None:
        return pick(SWITCH_LABEL, lang).format(
            start=arrangement_label(switch.start, lang),
            to=arrangement_label(switch.to, lang),
            month=switch.month,
        )
    pair = LABELS.get(name)
    return pick(pair, lang) if pair else name


SWITCH_DESCRIPTION: tuple[str, str] = (
    "Starts as “{start}”; in month {month} the milieu switches to “{to}”: the worker in post leaves"
    " (residents keep only part of their trust), the new post stays vacant for a while and the"
    " newcomer has to learn the milieu.",
    "Le milieu commence avec le modèle d'intervention «\u202f{start}\u202f»\u202f; au mois"
    " {month}, il passe à «\u202f{to}\u202f»\u202f: l'intervenant·e en poste part (les"
    " résident·e·s ne gardent qu'une partie de leur confiance), le nouveau poste reste vacant"
    " un temps et la personne embauchée doit apprendre à connaître le milieu.",
)


def arrangement_description(name: str, lang: str) -> str:
    """A preset's one-sentence description in ``lang`` ("" for other arrangements)."""
    switch = parse_switch(name)
    if switch is not None:
        return pick(SWITCH_DESCRIPTION, lang).format(
            start=arrangement_label(switch.start, lang),
            to=arrangement_label(switch.to, lang),
            month=switch.month,
        )
    pair = DESCRIPTIONS.get(name)
    return pick(pair, lang) if pair else ""
