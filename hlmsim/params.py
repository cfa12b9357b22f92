"""The parameter schema: the single source of every parameter of hlmsim.

Each parameter is declared once, with its meaning (English and French), unit, range, default and
source (or the word "assumption"). Validation of scenario files, ``docs/parameters.md``, the
``scenarios show`` command and the app's controls are all derived from this module.

Parameters are grouped; every group applies per milieu (a scenario's milieux may differ).
Rates are given in the unit people know (a year's turnover, a month's contacts) and converted
inside the model (see :func:`monthly_hazard`).
"""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .i18n import unit_label

#: Need categories, in a fixed order (arrays are indexed by it).
NEED_CATEGORIES: tuple[str, ...] = (
    "socialising",
    "local_resources",
    "admin_procedures",
    "parenting",
    "psychosocial_health",
    "housing_building",
)
NEED_LABELS: dict[str, tuple[str, str]] = {
    "socialising": ("Socialising", "Socialiser"),
    "local_resources": ("Knowing local resources", "Connaître les ressources du quartier"),
    "admin_procedures": ("Administrative procedures", "Démarches administratives"),
    "parenting": ("Parenting", "Tâches parentales"),
    "psychosocial_health": ("Psychosocial and health", "Psychosocial et santé"),
    "housing_building": ("Housing and building", "Logement et immeuble"),
}
HOUSEHOLD_TYPES: tuple[str, ...] = ("family", "alone", "senior")

#: Partner kinds, in a fixed order; the categories each serves and whether it belongs to the
#: health and social services network are structural facts of the kind (see ODD, submodels).
PARTNER_KINDS: tuple[str, ...] = (
    "ciusss_services",
    "omh_services",
    "family_org",
    "youth_org",
    "seniors_org",
    "community_resource_centre",
    "school_cpe",
    "municipality_library",
)
PARTNER_SERVES: dict[str, tuple[str, ...]] = {
    "ciusss_services": ("psychosocial_health", "parenting"),
    "omh_services": ("housing_building",),
    "family_org": ("parenting", "socialising"),
    "youth_org": ("socialising", "parenting"),
    "seniors_org": ("socialising", "local_resources"),
    "community_resource_centre": ("local_resources", "admin_procedures"),
    "school_cpe": ("parenting",),
    "municipality_library": ("socialising", "local_resources"),
}
#: The partner kind that employs a worker of each employer (direct access to its services).
EMPLOYER_KIND: dict[str, str | None] = {
    "none": None,
    "ciusss": "ciusss_services",
    "community": "community_resource_centre",
    "omh": "omh_services",
}
CONTROVERSY_THEMES: tuple[str, ...] = (
    "internal_organisation",
    "role_clarity",
    "kind_of_intervention",
    "shared_spaces",
)
COMMITTEES: tuple[str, ...] = ("vivre_ensemble", "terrain", "coordination")

ASSUMPTION = "assumption"


def is_assumption(source: str) -> bool:
    """A parameter source that is an assumption (including "assumption, calibrated to ...")."""
    return str(source).strip().lower().startswith(ASSUMPTION)


def par(
    default: Any,
    lo: float | None,
    hi: float | None,
    unit: str,
    en: str,
    fr: str,
    source: str = ASSUMPTION,
    lever: bool = False,
    plausible: tuple[float, float] | None = None,
) -> Any:
    """Declare one parameter: default, inclusive range, unit, meaning (en, fr) and source.

    ``lever`` marks what planners control (shown first in the app and the docs).
    ``plausible`` is the span a researcher would call plausible (see :class:`Params`), inside
    the inclusive range; every numeric parameter declares one.
    """
    extra: dict[str, Any] = {"unit": unit, "label_fr": fr, "source": source, "lever": lever}
    if plausible is not None:
        extra["plausible"] = [plausible[0], plausible[1]]
    kwargs: dict[str, Any] = {"description": en, "json_schema_extra": extra}
    if lo is not None:
        kwargs["ge"] = lo
    if hi is not None:
        kwargs["le"] = hi
    return Field(default, **kwargs)


class Strict(BaseModel):
    """Base: unknown keys are errors, types are strict (no "yes" for true, no 12.0 for 12),
    numbers finite (no nan, no inf), assignments are validated."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False
    )


#: Two ranges per numeric parameter. The validation range (``lo``, ``hi`` of :func:`par`) bounds
#: what the model accepts: a scenario outside it is an error, and it is deliberately wide (0 to 1
#: for most shares). The plausible range (``plausible=``) is the span a researcher would call
#: plausible for the quantity: the span of the cited figures for sourced parameters; for
#: assumptions, a defensible span (about a factor of two either way for rates, gains and
#: half-lives, about ±1 for log-odds intercepts, narrower where the quantity is constrained);
#: for levers, the span planners realistically choose from. It lies inside the validation range
#: and contains the default; the robustness check of the pattern experiments samples it.
class Params(Strict):
    """Mechanism parameters of one milieu. Defaults describe a CIUSSS-attached worker setting;
    arrangement presets (``hlmsim.arrangements``) override a bundle of them."""

    # --- arrangement: the milieu worker -------------------------------------------------------
    worker_fte: float = par(1.0, 0, 3, "FTE", "Milieu worker positions in full-time equivalents (0: no worker)", "Postes d'intervenant·e de milieu en équivalents temps plein (0 : aucun)", lever=True, plausible=(0.5, 2))
    worker_employer: Literal["none", "ciusss", "community", "omh"] = par("ciusss", None, None, "category", "Employer of the milieu worker; gives direct access to that employer's own services", "Employeur de l'intervenant·e de milieu ; donne un accès direct aux services de cet employeur", "study (Parent & Reiser 2022)", lever=True)
    worker_time_on_site: float = par(0.8, 0.1, 1, "share of time", "Share of the worker's time spent on site in the milieu", "Part du temps de l'intervenant·e passée sur place", lever=True, plausible=(0.5, 1))
    worker_contacts_per_fte_month: float = par(140, 5, 300, "contacts / FTE-month", "Outreach and follow-up contacts a full-time worker can make in a month", "Contacts d'approche et de suivi possibles par mois pour un temps plein", "calibrated so that a worker makes about 5.5 interventions per unit per year: a regional housing federation's team made ~3,000 interventions a year in 547 units (FROHME)", plausible=(70, 220))
    worker_monthly_cost: float = par(7500, 0, 20000, "$ / FTE-month", "Loaded cost of one worker FTE-month (salary, benefits, supervision)", "Coût chargé d'un mois-ETP d'intervenant·e (salaire, avantages, supervision)", "assumption; community wages $12.97-26.34/h (CSMO-ÉSAC 2019)", plausible=(4000, 10000))
    worker_turnover_annual: float = par(0.07, 0, 0.9, "probability / year", "Annual probability that the worker leaves", "Probabilité annuelle de départ de l'intervenant·e", "assumption; each arrangement sets its own: CIUSSS 0.14 (turnover in youth centres above 10% a year, La Presse 2019), community 0.21 (31% turnover in the community sector, CSMO-ÉSAC 2022, grant lapses adding about 0.1), OMH 0.10", plausible=(0.03, 0.35))
    worker_vacancy_months: float = par(4, 0, 36, "months", "Mean time to fill a vacant worker position", "Délai moyen pour pourvoir un poste vacant", "assumption: vacancy durations are not published; the CIUSSS arrangement sets 24 months so that about a fifth of post-time is vacant (19% of educators' and 30% of human-relations officers' posts vacant in Capitale-Nationale youth protection, Radio-Canada 2023), the community one 6", lever=True, plausible=(1, 30))
    worker_rampup_months: float = par(12, 0, 36, "months", "Months for a new worker to reach full knowledge of the partner network", "Mois pour qu'un·e nouvel·le intervenant·e connaisse le réseau des partenaires", "assumption; the cited familiarisation period of almost a year (Projet Harmonie material) was not found in published pages", plausible=(6, 18))
    worker_handover_keep: float = par(0.3, 0, 1, "share", "Share of a resident's trust in the worker that a successor inherits (handover)", "Part de la confiance envers l'intervenant·e transmise au successeur (passation)", "assumption (handover parameter, after Mayo et al.: handovers limit the loss)", plausible=(0.1, 0.6))
    worker_grant_funded: bool = par(False, None, None, "yes/no", "The position is funded by a project grant that ends and may be renewed", "Le poste est financé par une subvention de projet qui se termine et peut être renouvelée", "project funding is non-recurring (Québec labour ministry)", lever=True)
    grant_length_months: float = par(36, 6, 120, "months", "Length of a project grant", "Durée d'une subvention de projet", lever=True, plausible=(12, 60))
    grant_renewal_probability: float = par(0.7, 0, 1, "probability", "Probability that an ending grant is renewed", "Probabilité qu'une subvention échue soit renouvelée", lever=True, plausible=(0.4, 0.9))
    grant_gap_months: float = par(6, 0, 36, "months", "Months without a worker when a grant is not renewed, before new funding", "Mois sans intervenant·e quand une subvention n'est pas renouvelée", plausible=(3, 12))
    worker_direct_help: float = par(0.35, 0, 1, "probability", "Probability that the worker meets a disclosed need directly (information, accompaniment in procedures)", "Probabilité que l'intervenant·e réponde directement à un besoin confié (information, accompagnement)", plausible=(0.2, 0.6))
    worker_landlord_wariness: float = par(0.0, 0, 1, "share", "Reduction of trust gains when the worker is employed by the landlord (residents' wariness)", "Réduction des gains de confiance quand l'employeur est le propriétaire (méfiance)", "assumption; residents confuse milieu workers with OMHM staff (OMHM news)", plausible=(0, 0.5))
    worker_initial_knowledge: float = par(0.2, 0, 1, "index 0-1", "Knowledge of the partner network a newly hired worker starts with", "Connaissance du réseau des partenaires avec laquelle commence un·e intervenant·e nouvellement embauché·e", plausible=(0.1, 0.4))

    # --- arrangement: concertation and partnership --------------------------------------------
    network_present: bool = par(True, None, None, "yes/no", "A local concertation network (round table of partners) exists", "Une concertation locale (table des partenaires) existe", lever=True)
    network_origin: Literal["crisis", "vision"] = par("vision", None, None, "category", "Origin of the network: reaction to a crisis, or a collective vision", "Origine du réseau : réaction à une crise ou vision collective", "study finding 1", lever=True)
    n_partners: int = par(6, 0, 8, "organisations", "Partner organisations taking part in the network (of the 8 kinds)", "Organisations partenaires membres du réseau (parmi 8 types)", "assumption, informed by the study (several organisations from the start); the cited 5 partner types at a coalition's first meeting (press 2023) were not found in published pages", lever=True, plausible=(4, 8))
    partners_colocated_share: float = par(0.3, 0, 1, "share", "Share of network partners with an office on site (co-location)", "Part des partenaires du réseau ayant un bureau sur place", lever=True, plausible=(0, 0.6))
    committee_vivre_ensemble: bool = par(True, None, None, "yes/no", "A 'vivre ensemble' committee (residents and workers) exists", "Un comité « vivre ensemble » (résident·e·s et intervenant·e·s) existe", "study remedy", lever=True)
    committee_terrain: bool = par(True, None, None, "yes/no", "A 'terrain' committee (front-line workers) exists", "Un comité « terrain » (intervenant·e·s) existe", "study remedy", lever=True)
    committee_coordination: bool = par(True, None, None, "yes/no", "A coordination committee (managers, directors) exists", "Un comité de coordination (gestionnaires, directions) existe", "study remedy", lever=True)
    meetings_per_year: float = par(10, 0, 12, "meetings / year", "Meetings a year of each committee, at most one a month (the coordination committee meets half as often)", "Rencontres par an de chaque comité (le comité de coordination, deux fois moins)", lever=True, plausible=(4, 12))
    oc_ciusss_present: bool = par(True, None, None, "yes/no", "A CIUSSS community organiser identifies partners and coordinates", "Un·e OC du CIUSSS identifie les partenaires et coordonne", "study finding 2", lever=True)
    oc_omh_present: bool = par(True, None, None, "yes/no", "An OMH community organiser handles logistics and liaison", "Un·e OC de l'OMH assure la logistique et la liaison", "study finding 2", lever=True)
    oc_mediation: float = par(0.5, 0, 1, "strength", "Strength of the organisers' animation and mediation role", "Force du rôle d'animation et de médiation des OC", "assumption, informed by a study remedy (a stronger animation and mediation role for the organisers; no figure)", lever=True, plausible=(0.2, 0.9))
    oc_fte_share: float = par(0.15, 0, 1, "FTE", "Time each community organiser gives to this milieu", "Temps que chaque OC consacre à ce milieu", plausible=(0.05, 0.3))
    oc_monthly_cost: float = par(8000, 0, 20000, "$ / FTE-month", "Loaded cost of a community organiser FTE-month", "Coût chargé d'un mois-ETP d'OC", plausible=(6000, 10000))
    oc_turnover_annual: float = par(0.14, 0, 0.9, "probability / year", "Annual probability that a community organiser leaves", "Probabilité annuelle de départ d'un·e OC", "assumption, as for CIUSSS workers: turnover above 10% a year in youth centres (La Presse 2019); with worker_vacancy_months, about a quarter of CIUSSS post-time is vacant (19% and 30% in Capitale-Nationale youth protection, Radio-Canada 2023)", plausible=(0.07, 0.25))
    tools_guides: bool = par(False, None, None, "yes/no", "Written tools and guides orient collective action", "Des outils et guides écrits orientent l'action collective", "study remedy", lever=True)
    room_agreement: bool = par(False, None, None, "yes/no", "A management agreement for the community room exists", "Une entente de gestion du local communautaire existe", "study remedy", lever=True)
    resource_pooling: float = par(0.5, 0, 1, "share", "Share of network partners' unused capacity lent to other partners (pooling)", "Part de la capacité inutilisée des partenaires prêtée aux autres (mutualisation)", "assumption, informed by study finding 5 (partners pool resources to make up for gaps in funding; no figure)", lever=True, plausible=(0, 0.8))
    meeting_cost: float = par(600, 0, 5000, "$ / meeting", "Cost of one committee meeting (staff time of attendees)", "Coût d'une rencontre de comité (temps des participant·e·s)", plausible=(300, 1500))

    # --- arrangement: residents' participation -------------------------------------------------
    consultations_per_year: float = par(1, 0, 12, "consultations / year", "Consultations of residents renewing the network's actions", "Consultations des résident·e·s qui renouvellent les actions", "assumption, informed by study finding 8 (residents must be consulted again and again; no figure)", lever=True, plausible=(0, 4))
    collective_projects_per_year: float = par(0.5, 0, 6, "projects / year", "New collective projects started a year", "Nouveaux projets collectifs lancés par an", "assumption, informed by study finding 8 (collective projects foster mobilisation; no frequency)", lever=True, plausible=(0, 2))
    collective_project_months: float = par(12, 1, 48, "months", "Duration of a collective project", "Durée d'un projet collectif", plausible=(6, 24))
    project_activities_per_month: float = par(4, 0, 20, "activities / month", "Activities a running collective project holds each month", "Activités qu'un projet collectif en cours tient chaque mois", "assumption; the cited garden project of 89 activities in a year, about 7 a month (Centraide; Le Devoir 2019), was not found in published pages", plausible=(2, 8))
    association_support: float = par(0.5, 0, 1, "strength", "Support given to the tenants' association", "Soutien apporté à l'association de locataires", "assumption, informed by study finding 7 (mutual-aid networks arise where the tenants' association is supported; no figure)", lever=True, plausible=(0.1, 0.9))
    activities_per_partner_month: float = par(1.5, 0, 10, "activities / month", "Activities a network partner brings to the milieu each month", "Activités qu'un partenaire du réseau offre dans le milieu chaque mois", "assumption; associations hold ~8 activities a month (FLHLMQ)", plausible=(0.75, 3))
    activity_cost: float = par(250, 0, 5000, "$ / activity", "Cost of one activity", "Coût d'une activité", plausible=(100, 600))

    # --- residents -----------------------------------------------------------------------------
    move_out_annual: float = par(0.056, 0, 0.5, "probability / year", "Move-out rate: mean completed stay = 1 / -ln(1 - rate) years (with a shape of 1, the annual probability that a household moves out)", "Taux de déménagement : durée moyenne d'un séjour complet = 1 / -ln(1 - taux) années (avec une forme de 1, la probabilité annuelle qu'un ménage déménage)", "calibrated with stay_shape to the time lived in the HLM by OMHM family households at a survey: mean 9.33 years, median 9, SD 5.8, n = 282 (Leloup & Gysler, INRS 2008, table 10.6)", plausible=(0.04, 0.10))
    stay_shape: float = par(4.0, 1.0, 6.0, "Weibull shape", "Shape of the length of stay: 1 a constant move-out hazard (many short stays), higher a hazard that grows with the years lived there", "Forme de la durée de séjour : 1 un risque de déménager constant (beaucoup de séjours courts), plus élevée un risque qui croît avec les années vécues sur place", "calibrated with move_out_annual to the same OMHM cross-section (a constant hazard gives a median of 6.6 years for a mean of 9.5; the survey's median is 9)", plausible=(1.5, 5.0))
    hard_to_reach_mean: float = par(0.35, 0.01, 0.99, "index 0-1", "Mean social disaffiliation (how hard a household is to reach)", "Désaffiliation sociale moyenne (difficulté à rejoindre un ménage)", plausible=(0.2, 0.5))
    initial_trust_institutions: float = par(0.35, 0, 1, "index 0-1", "Initial image of the health and social services network", "Image initiale du réseau de la santé et des services sociaux", plausible=(0.2, 0.5))
    initial_trust_landlord: float = par(0.4, 0, 1, "index 0-1", "Initial trust in the landlord (the housing office)", "Confiance initiale envers le propriétaire (l'office d'habitation)", plausible=(0.25, 0.55))
    initial_ties: float = par(0.45, 0, 1, "index 0-1", "Initial mean social ties (each household's ties outside the milieu's life, toward which ties gained in the milieu fade)", "Liens sociaux moyens au départ (les liens de chaque ménage hors de la vie du milieu, vers lesquels reviennent les liens tissés dans le milieu)", "calibrated so that about a fifth of residents are isolated without a milieu worker: 20% of social-housing residents in Ontario reported social isolation (Agarwal et al. 2021)", plausible=(0.3, 0.6))
    initial_knowledge: float = par(0.25, 0, 1, "index 0-1", "Initial mean knowledge of local resources", "Connaissance initiale moyenne des ressources", plausible=(0.1, 0.4))
    initial_security: float = par(0.62, 0, 1, "index 0-1", "Initial mean sense of security", "Sentiment de sécurité initial moyen", "assumption; the cited rating of security at 3.5/5 by 56 households (press 2023), rescaled, was not found in published pages", plausible=(0.5, 0.75))
    initial_engagement: float = par(0.1, 0, 1, "index 0-1", "Initial mean engagement in collective life", "Engagement initial moyen dans la vie collective", "assumption, informed by the Houle team's Synergie page (at first, only a few tenants came to meetings); the cited figure of about 4 people (Projet Harmonie) was not found in published pages", plausible=(0.05, 0.2))
    isolation_threshold: float = par(0.2, 0, 1, "index 0-1", "Social ties below which a household counts as isolated", "Liens sociaux sous lesquels un ménage est compté isolé", plausible=(0.1, 0.3))
    hard_to_reach_concentration: float = par(4.0, 0.5, 50, "index", "Concentration of the beta distribution of households' disaffiliation (larger: households more alike)", "Concentration de la loi bêta de la désaffiliation des ménages (plus grande : ménages plus semblables)", plausible=(2, 8))
    institutions_concentration: float = par(6.0, 0.5, 50, "index", "Concentration of the beta distributions of households' image of the health network and trust in the landlord", "Concentration des lois bêta de l'image du réseau de la santé et de la confiance envers le propriétaire", plausible=(3, 12))
    engagement_concentration: float = par(3.0, 0.5, 50, "index", "Concentration of the beta distribution of households' engagement", "Concentration de la loi bêta de l'engagement des ménages", plausible=(1.5, 6))
    ties_concentration: float = par(4.0, 0.5, 50, "index", "Concentration of the beta distribution of households' social ties", "Concentration de la loi bêta des liens sociaux des ménages", plausible=(2, 8))
    knowledge_concentration: float = par(6.0, 0.5, 50, "index", "Concentration of the beta distribution of households' knowledge of resources", "Concentration de la loi bêta de la connaissance des ressources des ménages", plausible=(3, 12))
    security_concentration: float = par(8.0, 0.5, 50, "index", "Concentration of the beta distribution of households' sense of security", "Concentration de la loi bêta du sentiment de sécurité des ménages", plausible=(4, 16))
    newcomer_engagement_ratio: float = par(0.5, 0, 1, "ratio", "Mean engagement of households moving in, relative to the milieu's initial mean", "Engagement moyen des ménages qui emménagent, par rapport à la moyenne initiale du milieu", plausible=(0.25, 0.75))
    newcomer_ties_ratio: float = par(0.8, 0, 1, "ratio", "Mean social ties of households moving in, relative to the milieu's initial mean", "Liens sociaux moyens des ménages qui emménagent, par rapport à la moyenne initiale du milieu", "assumption, with initial_ties calibrated so that about a fifth of residents are isolated without a worker (Agarwal et al. 2021)", plausible=(0.6, 1.0))
    newcomer_knowledge_ratio: float = par(0.7, 0, 1, "ratio", "Mean knowledge of resources of households moving in, relative to the milieu's initial mean", "Connaissance moyenne des ressources des ménages qui emménagent, par rapport à la moyenne initiale du milieu", plausible=(0.4, 1))

    # --- needs -----------------------------------------------------------------------------------
    need_rate_socialising: float = par(0.25, 0, 3, "needs / household-year", "New socialising needs a household has a year", "Nouveaux besoins de socialiser par ménage et par an", plausible=(0.125, 0.5))
    need_rate_local_resources: float = par(0.3, 0, 3, "needs / household-year", "New needs to know local resources a year", "Nouveaux besoins de connaître les ressources par an", plausible=(0.15, 0.6))
    need_rate_admin_procedures: float = par(0.35, 0, 3, "needs / household-year", "New needs for help with administrative procedures a year", "Nouveaux besoins d'aide aux démarches administratives par an", plausible=(0.175, 0.7))
    need_rate_parenting: float = par(0.3, 0, 3, "needs / household-year", "New parenting needs a year (families only)", "Nouveaux besoins de soutien parental par an (familles)", plausible=(0.15, 0.6))
    need_rate_psychosocial_health: float = par(0.3, 0, 3, "needs / household-year", "New psychosocial or health needs a year", "Nouveaux besoins psychosociaux ou de santé par an", "assumption; HLM residents report worse health (SHQ, Rivest & Beauvais)", plausible=(0.15, 0.6))
    need_rate_housing_building: float = par(0.2, 0, 3, "needs / household-year", "New housing or building needs a year", "Nouveaux besoins liés au logement par an", plausible=(0.1, 0.4))
    senior_isolation_factor: float = par(1.5, 0.5, 3, "ratio", "Socialising needs of seniors and persons alone relative to families", "Besoins de socialiser des aîné·e·s et personnes seules par rapport aux familles", plausible=(1, 2.5))
    prevention_trust_effect: float = par(0.4, 0, 1, "share", "Share of arising needs a household averts with full trust in the worker (prevention)", "Part des besoins naissants évités par un ménage en pleine confiance avec l'intervenant·e (prévention)", "assumption; the study names the mechanism (finding 6: accompaniment acts in prevention)", plausible=(0.2, 0.6))
    prevention_mutual_aid_effect: float = par(0.4, 0, 1, "share", "Share of arising needs a household in a mutual-aid network averts", "Part des besoins naissants évités par un ménage d'un réseau d'entraide", "assumption; the study names the mechanism (finding 7: mutual aid)", plausible=(0.2, 0.6))
    agency_gain_help: float = par(0.2, 0, 1, "share of gap", "Share of the gap to a full power to act a household gains with each need met with help (worker, service, mutual aid)", "Part de l'écart à un plein pouvoir d'agir gagnée par un ménage à chaque besoin comblé avec de l'aide (intervenant·e, service, entraide)", "assumption; the study names the mechanism (finding 7: power to act)", plausible=(0.1, 0.4))
    agency_half_life_months: float = par(120, 6, 600, "months", "Half-life of a household's power to act without new help", "Demi-vie du pouvoir d'agir d'un ménage sans nouvelle aide", "assumption", plausible=(60, 240))
    prevention_agency_effect: float = par(0.4, 0, 1, "share", "Share of arising needs a household averts with a full power to act", "Part des besoins naissants évités par un ménage au plein pouvoir d'agir", "assumption; the study names the mechanism (finding 7: power to act)", plausible=(0.2, 0.6))
    self_resolve_agency_ratio: float = par(2.0, 1, 10, "ratio", "How many times more often open needs resolve on their own with a full power to act", "Combien de fois plus souvent les besoins ouverts se règlent seuls avec un plein pouvoir d'agir", "assumption", plausible=(1.5, 3))
    need_self_resolve_monthly: float = par(0.03, 0, 0.5, "probability / month", "Monthly probability that an open need resolves on its own", "Probabilité mensuelle qu'un besoin se règle de lui-même", plausible=(0.015, 0.06))
    need_give_up_months: float = par(24, 3, 120, "months", "Months after which an unmet need is given up (counted as abandoned)", "Mois après lesquels un besoin non comblé est abandonné", plausible=(12, 48))

    # --- outreach and trust in the worker --------------------------------------------------------
    outreach_base_logodds: float = par(-0.5, -5, 5, "log-odds", "Log-odds that a resident the worker finds accepts a first conversation (average openness)", "Log-cote qu'un·e résident·e joint·e par l'intervenant·e accepte un premier échange (ouverture moyenne)", "calibrated with outreach_openness_sd and outreach_max_refusals so that about half of the households first approached ever engage: 45.8% of the people first contacted by ACCESS outreach teams enrolled (Lam & Rosenheck 1999)", plausible=(-1.5, 0.5))
    outreach_openness_sd: float = par(3.0, 0, 6, "log-odds", "Spread of households' openness to the worker's approach (a lasting trait): some welcome it at once, others decline it however often they are approached", "Dispersion de l'ouverture des ménages à l'approche de l'intervenant·e (un trait durable) : certains l'accueillent d'emblée, d'autres la déclinent si souvent qu'on les approche", "calibrated so that about half of the households first approached ever engage: 45.8% of the people first contacted by ACCESS outreach teams enrolled (Lam & Rosenheck 1999)", plausible=(1.5, 4.5))
    outreach_max_refusals: float = par(2, 1, 60, "refusals", "Times a household found by the worker may decline before the worker stops approaching it (it declined the offer)", "Nombre de refus d'un ménage joint par l'intervenant·e avant que celle-ci ou celui-ci cesse de l'approcher (il a décliné l'offre)", "assumption, informed by ACCESS: 45.8% of the people first contacted by outreach teams enrolled, the others did not (Lam & Rosenheck 1999)", plausible=(1, 6))
    outreach_find_logodds: float = par(3.0, -3, 6, "log-odds", "Log-odds that a contact attempt finds an average resident available (before disaffiliation)", "Log-cote qu'une tentative de contact trouve un·e résident·e moyen·ne disponible (avant la désaffiliation)", "calibrated with outreach_hard_to_reach_effect so that hard-to-reach households take about twice as long to engage: people met on the street took twice as long to engage (ACCESS, ASPE 2007)", plausible=(2, 4))
    outreach_hard_to_reach_effect: float = par(-7.0, -12, 0, "log-odds per unit", "Effect of disaffiliation on the chance that a contact attempt finds the resident", "Effet de la désaffiliation sur la probabilité qu'une tentative de contact trouve la personne", "calibrated so that hard-to-reach households take about twice as long to engage: people met on the street took twice as long to engage (ACCESS, ASPE 2007)", plausible=(-9, -5))
    outreach_previous_contacts_effect: float = par(0.3, 0, 2, "log-odds per ln(1+contacts)", "Effect of previous contacts on contact success", "Effet des contacts antérieurs sur le succès d'un contact", "assumption, informed by another model's theta_prev = 0.30, itself an assumed coefficient (Aguilera et al. 2025)", plausible=(0.15, 0.6))
    trust_gain_per_contact: float = par(0.05, 0, 0.5, "share of gap", "Share of the remaining gap to full trust gained at each successful contact", "Part de l'écart à la confiance pleine gagnée à chaque contact réussi", "assumption, calibrated to pattern 15 (slow build-up); scaled down from Pant & Yu 2025 (lambda+ = 0.10)", plausible=(0.025, 0.1))
    trust_half_life_months: float = par(36, 1, 240, "months", "Half-life of trust in the worker without contact", "Demi-vie de la confiance envers l'intervenant·e sans contact", "assumption, calibrated to pattern 15 (slow build-up)", plausible=(18, 72))
    worker_invitation_effect: float = par(1.0, 0, 4, "log-odds", "Extra log-odds of taking part in activities for a resident the worker met within the invitation window (invitation_window_months)", "Log-cote supplémentaire de participer pour un·e résident·e rencontré·e par l'intervenant·e pendant la fenêtre d'invitation (invitation_window_months)", "assumption, informed by study finding 6 (the worker helps break isolation and leads residents to use the neighbourhood's resources; no figure)", plausible=(0.5, 2))
    ties_gain_contact: float = par(0.03, 0, 1, "share of gap", "Social ties gained at each successful contact with the worker", "Liens sociaux gagnés à chaque contact réussi avec l'intervenant·e", "assumption, informed by study finding 6 (the worker helps break isolation; no figure)", plausible=(0.015, 0.06))
    disclosure_trust_effect: float = par(4.0, 0, 10, "log-odds per unit trust", "Effect of trust on disclosing a need to the worker", "Effet de la confiance sur la confidence d'un besoin", plausible=(2, 8))
    disclosure_base_logodds: float = par(-2.5, -6, 3, "log-odds", "Log-odds of disclosing a need with no trust", "Log-cote de confier un besoin sans confiance", plausible=(-3.5, -1.5))
    worker_capacity_floor: float = par(0.5, 0, 1, "share", "Share of a full contact capacity a worker has with no knowledge of the partner network (full capacity with full knowledge)", "Part de la pleine capacité de contacts d'un·e intervenant·e qui ne connaît pas encore le réseau (pleine capacité avec une pleine connaissance)", plausible=(0.25, 0.75))
    follow_up_priority: float = par(0.8, 0, 1.5, "index", "Priority the worker gives to following up a resident contacted recently who has a need nobody handles (a random draw in 0-1 gives the rest)", "Priorité que l'intervenant·e accorde au suivi d'un·e résident·e vu·e récemment dont un besoin n'est pris en charge par personne (un tirage entre 0 et 1 donne le reste)", plausible=(0.4, 1.5))
    new_contact_priority: float = par(0.3, 0, 1.4, "index", "Priority the worker gives to residents never contacted", "Priorité que l'intervenant·e accorde aux résident·e·s jamais rencontré·e·s", plausible=(0.15, 0.6))
    follow_up_window_months: float = par(3.0, 0, 24, "months", "Months since the last contact during which the worker follows a resident up", "Mois depuis le dernier contact pendant lesquels l'intervenant·e assure le suivi d'un·e résident·e", plausible=(1, 6))
    outreach_trust_effect: float = par(1.0, 0, 5, "log-odds per unit trust", "Effect of trust in the worker on contact success", "Effet de la confiance envers l'intervenant·e sur le succès d'un contact", plausible=(0.5, 2))
    on_site_reach_effect: float = par(0.5, 0, 1, "share", "Share of the disaffiliation penalty on contacts that a worker on site full time removes", "Part de la pénalité de désaffiliation sur les contacts qu'un·e intervenant·e sur place à temps plein élimine", plausible=(0.25, 0.75))
    disclosure_engagement_gain: float = par(0.1, 0, 1, "share of gap", "Engagement gained by a resident who confides a socialising need to the worker", "Engagement gagné par un·e résident·e qui confie un besoin de socialiser à l'intervenant·e", plausible=(0.05, 0.2))

    # --- referral, services and queues ----------------------------------------------------------
    referral_base_logodds: float = par(0.0, -5, 5, "log-odds", "Log-odds that a warm referral is completed (first appointment kept)", "Log-cote qu'une référence accompagnée aboutisse", "assumption; warm handoff ~86% vs 83% (paediatric study)", plausible=(-1, 1))
    referral_trust_effect: float = par(1.5, 0, 5, "log-odds per unit trust", "Effect of the resident's trust in the worker on completing a referral", "Effet de la confiance envers l'intervenant·e sur l'aboutissement", plausible=(0.75, 3))
    referral_tie_effect: float = par(2.0, 0, 6, "log-odds per unit trust", "Effect of inter-organisational trust (worker-partner tie) on completing a referral", "Effet de la confiance inter-organisationnelle sur l'aboutissement", "assumption; stable representatives let partners use each other's expertise (Mayo et al.)", plausible=(1, 4))
    referral_distance_effect: float = par(-0.6, -3, 0, "log-odds per distance step", "Effect of each distance step (on site, neighbourhood, city) on completing a referral", "Effet de chaque palier de distance sur l'aboutissement", plausible=(-1.2, -0.3))
    colocation_collaboration_effect: float = par(0.8, 0, 3, "log-odds", "Extra log-odds of a referral completed with a co-located partner", "Log-cote supplémentaire de référence aboutie avec un partenaire sur place", "assumption, informed by face-to-face coordination in 41.5% vs 11.7% of encounters when clinicians shared a workspace (Gunn et al. 2015), a gap of 1.68 log-odds on coordinating, not on completing referrals, which co-location helps less: co-location alone did not create collaboration in another study (Scheele & Vrangbæk 2016); half that gap is assumed", plausible=(0, 1.7))
    cross_referral_logodds: float = par(-3.0, -8, 3, "log-odds", "Log-odds that a network partner serving a resident refers another open need onward, with no trust", "Log-cote qu'un partenaire réfère un autre besoin, sans confiance", plausible=(-4, -2))
    self_referral_base_logodds: float = par(-1.25, -8, 2, "log-odds / month", "Monthly log-odds that a resident with an open need seeks a service alone (average knowledge)", "Log-cote mensuelle qu'un·e résident·e ayant un besoin non comblé demande un service seul·e (connaissance moyenne)", "calibrated so that a worker's effect on residents' use of services stays within the analogues': 85.7% against 79.5% of patients with a primary-care visit, an odds ratio of 1.52 (Kangovi et al. 2014); without a worker, residents seek most services on their own", plausible=(-2.25, -0.25))
    self_request_completion_effect: float = par(1.5, -2, 4, "log-odds", "Extra log-odds that a resident's own request reaches a first service, against a referral with neither trust in a worker nor ties between organisations (the resident chose to ask)", "Log-cote supplémentaire qu'une demande faite par le ou la résident·e mène à un premier service, par rapport à une référence sans confiance envers un·e intervenant·e ni liens entre organisations (la personne a choisi de demander)", "calibrated so that warm referrals are completed about as often as residents' own requests: 85.9% against 83.1% (Pace et al. 2018)", plausible=(0.5, 2.5))
    self_referral_knowledge_effect: float = par(2.5, 0, 6, "log-odds per unit knowledge", "Effect of knowledge of resources on seeking a service alone", "Effet de la connaissance des ressources sur la demande autonome", "assumption, informed by CommunityRx (Lindau et al. 2021): a resource is used when knowledge passes a personal threshold; no log-odds", plausible=(1.25, 5))
    self_referral_image_effect: float = par(1.0, 0, 4, "log-odds per unit image", "Effect of the image of the health network on seeking its services", "Effet de l'image du réseau de la santé sur le recours à ses services", plausible=(0.5, 2))
    service_capacity_per_100_households: float = par(3.0, 0.1, 50, "requests / month per 100 households", "Monthly capacity of each partner for this milieu's residents", "Capacité mensuelle de chaque partenaire pour les résident·e·s du milieu", plausible=(1.5, 6))
    service_success: float = par(0.8, 0, 1, "probability", "Probability that a service meets the need it serves", "Probabilité qu'un service réponde au besoin", plausible=(0.6, 0.95))
    ciusss_capacity_per_100_households: float = par(1.75, 0.05, 50, "requests / month per 100 households", "Monthly capacity of the CIUSSS's front-line psychosocial services for this milieu's residents (their waiting lists are the rule)", "Capacité mensuelle des services psychosociaux de première ligne du CIUSSS pour les résident·e·s du milieu (leurs listes d'attente sont la règle)", "calibrated to mean waits for first-line adult mental-health services in Québec, 2023: 9 to 45 days in Montréal's CIUSSS, 16 in Capitale-Nationale, 60 for the province (MSSS data, Le Journal de Montréal, 7 Oct 2023)", lever=True, plausible=(0.9, 3.5))
    wait_give_up_monthly: float = par(0.1, 0, 0.9, "probability / month", "Monthly probability that a resident gives up a request while waiting for a service", "Probabilité mensuelle qu'un·e résident·e abandonne une demande en attente de service", "assumption, informed by a US health centre's social-needs referrals: 63.3% of patients tried to reach a referred resource within 4 weeks, 32.7% started services (J Prim Care Community Health 2021)", plausible=(0.03, 0.25))
    max_wait_months: float = par(6, 1, 36, "months", "Months in a queue after which a request is dropped", "Mois d'attente après lesquels une demande est abandonnée", "assumption, informed by EMOD's community-health-worker coordinator (a queue with a maximum waiting period; no value for Québec services)", plausible=(3, 12))
    direct_access_priority: bool = par(True, None, None, "yes/no", "Referrals by a worker to their own employer's services skip the intake queue", "Les références de l'intervenant·e vers les services de son employeur passent devant")
    funding_cut_annual: float = par(0.05, 0, 1, "probability / year", "Annual probability that a community partner's funding is cut", "Probabilité annuelle qu'un partenaire communautaire subisse une coupe", "assumption, informed by the MSSS/SHQ framework (community-support funding in social housing flat for ~12 years, a figure not verified; no rate of cuts)", plausible=(0.02, 0.12))
    funding_cut_depth: float = par(0.4, 0, 1, "share", "Share of capacity and activities lost in a funding cut", "Part de la capacité perdue lors d'une coupe", plausible=(0.2, 0.6))
    funding_recovery_months: float = par(24, 1, 120, "months", "Mean months for a partner to recover from a funding cut", "Mois moyens pour se remettre d'une coupe", plausible=(12, 48))
    employer_tie: float = par(0.8, 0, 1, "index 0-1", "Smallest tie between a worker and their employer's own services when the worker refers (trust in the network may be higher)", "Lien minimal entre l'intervenant·e et les services de son employeur quand il ou elle réfère (la confiance dans le réseau peut être plus forte)", plausible=(0.6, 1))
    referral_choice_colocation: float = par(0.5, 0, 2, "index", "Weight of co-location, against trust, when a worker or partner chooses where to refer a need", "Poids de la présence sur place, face à la confiance, quand l'intervenant·e ou un partenaire choisit vers qui référer", plausible=(0.25, 1))
    referral_choice_distance: float = par(0.2, 0, 2, "index", "Weight of each distance step, against trust, when a worker or partner chooses where to refer a need", "Poids de chaque palier de distance, face à la confiance, quand l'intervenant·e ou un partenaire choisit vers qui référer", plausible=(0.1, 0.4))
    self_referral_hard_to_reach_effect: float = par(-1.0, -5, 0, "log-odds per unit", "Effect of disaffiliation on seeking a service alone", "Effet de la désaffiliation sur la demande de service autonome", plausible=(-2, -0.5))

    # --- knowledge of resources ----------------------------------------------------------------
    knowledge_dose_worker: float = par(0.15, 0.01, 1, "dose (smaller = stronger)", "Information dose of a worker contact (CommunityRx form)", "Dose d'information d'un contact avec l'intervenant·e", "CommunityRx nurse dose 0.15, within clinicians' 0.05-0.25 (Lindau et al. 2021)", plausible=(0.05, 0.25))
    knowledge_dose_activity: float = par(0.5, 0.01, 1, "dose (smaller = stronger)", "Information dose of taking part in an activity", "Dose d'information d'une participation à une activité", "assumption, informed by CommunityRx (Lindau et al. 2021): a peer's dose is 0.90, weaker than a clinician's; 0.5 is scaled, not given", plausible=(0.25, 0.9))
    peer_information_monthly: float = par(0.3, 0, 1, "probability / month", "Monthly probability of a useful exchange about resources with neighbours, at full social ties", "Probabilité mensuelle d'un échange utile sur les ressources avec des voisin·e·s, à liens sociaux pleins", "assumption; CommunityRx peer information (Lindau et al. 2021)", plausible=(0.15, 0.6))
    peer_learning: float = par(0.2, 0, 1, "share of gap", "Share of the gap to the neighbourhood's mean knowledge closed by such an exchange", "Part de l'écart à la connaissance moyenne du voisinage comblée par un échange", plausible=(0.1, 0.4))
    knowledge_half_life_months: float = par(36, 1, 240, "months", "Half-life of knowledge of resources without renewal", "Demi-vie de la connaissance des ressources sans renouvellement", plausible=(18, 72))
    knowledge_floor: float = par(0.05, 0, 0.5, "index 0-1", "Knowledge of resources a household keeps however long it goes without renewal", "Connaissance des ressources qu'un ménage garde même sans renouvellement", plausible=(0.02, 0.1))

    # --- network governance ---------------------------------------------------------------------
    initial_network_trust: float = par(0.15, 0, 1, "index 0-1", "Initial trust between the network's organisations", "Confiance initiale entre les organisations du réseau", "assumption, calibrated to pattern 15 (slow build-up)", plausible=(0.075, 0.3))
    initial_understanding: float = par(0.3, 0, 1, "index 0-1", "Initial shared understanding of the problem (vision origin)", "Compréhension commune initiale du problème (origine : vision)", plausible=(0.15, 0.45))
    crisis_origin_understanding_gap: float = par(0.15, 0, 1, "index 0-1", "Shared understanding missing at the start of a network born of a crisis", "Compréhension commune manquante au départ d'un réseau né d'une crise", "assumption, informed by study finding 1 (networks start from a crisis or from a shared vision; no figure)", plausible=(0.05, 0.3))
    crisis_attendance_effect: float = par(1.0, 0, 5, "log-odds", "Extra log-odds of attending meetings while a crisis is active", "Log-cote supplémentaire de présence aux rencontres pendant une crise", "assumption, informed by study finding 1 (networks start from a crisis or from a shared vision; no figure)", plausible=(0.5, 2))
    representative_turnover_annual: float = par(0.2, 0, 0.9, "probability / year", "Annual probability that a partner's representative leaves", "Probabilité annuelle de départ d'un·e représentant·e partenaire", "assumption, informed by the mean tenure of community staff in post, 6 years full-time, 3 part-time (CSMO-ÉSAC 2019); a tenure in post is not a departure rate", lever=True, plausible=(0.15, 0.35))
    representative_handover_keep: float = par(0.4, 0, 1, "share", "Share of a partner's trust in the network kept when its representative changes", "Part de la confiance conservée quand le ou la représentant·e change", "assumption, informed by Mayo et al. (stable representatives carry the collaboration; handovers limit the loss; no figure)", plausible=(0.2, 0.7))
    meeting_trust_gain: float = par(0.025, 0, 0.5, "share of gap", "Inter-organisational trust gained by a partner attending a meeting", "Confiance inter-organisationnelle gagnée par réunion", "assumption, calibrated to pattern 15 (slow build-up)", plausible=(0.0125, 0.05))
    meeting_trust_upkeep: float = par(1.0, 0, 1, "share", "Share of a month's relaxation of inter-organisational trust that attending a meeting prevents", "Part de l'érosion mensuelle de la confiance inter-organisationnelle qu'évite la présence à une rencontre", "assumption; study finding 11 (trust kept by regular meetings)", plausible=(0.5, 1))
    referral_trust_gain: float = par(0.01, 0, 0.5, "share of gap", "Inter-organisational trust gained by a partner for each referral completed with it (working together)", "Confiance inter-organisationnelle gagnée par référence aboutie avec un partenaire", "assumption, informed by study finding 11 (partners learn to work together gradually; no figure)", plausible=(0.005, 0.02))
    meeting_understanding_gain: float = par(0.03, 0, 0.5, "share of gap", "Shared understanding gained per well-attended meeting", "Compréhension commune gagnée par réunion bien fréquentée", "assumption, calibrated to pattern 15 (slow build-up)", plausible=(0.015, 0.06))
    network_trust_half_life_months: float = par(36, 1, 240, "months", "Half-life of inter-organisational trust without meetings", "Demi-vie de la confiance inter-organisationnelle sans rencontre", plausible=(18, 72))
    turnover_understanding_loss: float = par(0.15, 0, 1, "share", "Share of shared understanding lost when a key person leaves (worker, OC, representative)", "Part de la compréhension commune perdue au départ d'une personne clé", "assumption, informed by study finding 10 (after staff turnover, the problem must be defined again; no figure)", plausible=(0.05, 0.3))
    attendance_base_logodds: float = par(0.5, -5, 5, "log-odds", "Log-odds that a partner attends a meeting", "Log-cote qu'un partenaire assiste à une rencontre", plausible=(-0.5, 1.5))
    attendance_trust_effect: float = par(2.0, 0, 6, "log-odds per unit trust", "Effect of inter-organisational trust on attendance", "Effet de la confiance sur la présence", plausible=(1, 4))
    controversy_rate_annual: float = par(0.6, 0, 5, "controversies / year", "Rate at which each controversy theme arises in a network with no protection", "Taux d'apparition de chaque thème de controverse sans protection", "assumption, informed by study finding 9 (every milieu met controversies, most often on four themes; no rate)", plausible=(0.3, 1.2))
    controversy_meeting_penalty: float = par(0.5, 0, 1, "share", "Reduction of meeting gains per open controversy", "Réduction des gains d'une rencontre par controverse ouverte", plausible=(0.25, 0.75))
    mediation_base_logodds: float = par(-2.0, -6, 3, "log-odds / month", "Monthly log-odds that an open controversy is settled without mediation", "Log-cote mensuelle qu'une controverse se règle sans médiation", plausible=(-3, -1))
    mediation_effect: float = par(3.0, 0, 8, "log-odds per unit mediation", "Effect of the organisers' mediation on settling a controversy", "Effet de la médiation des OC sur le règlement", plausible=(1.5, 6))
    initial_non_member_trust: float = par(0.1, 0, 1, "index 0-1", "Initial trust in the partners outside the network", "Confiance initiale envers les partenaires hors du réseau", plausible=(0.05, 0.2))
    oc_ciusss_facilitation_share: float = par(0.65, 0, 1, "share", "Share of the organisers' animation and mediation carried by the CIUSSS OC (the OMH OC carries the rest)", "Part de l'animation et de la médiation des OC portée par l'OC du CIUSSS (l'OC de l'OMH porte le reste)", plausible=(0.5, 0.8))
    meeting_quality_floor: float = par(0.5, 0, 1, "share", "Quality of a meeting without animation, relative to a fully animated one", "Qualité d'une rencontre sans animation, par rapport à une rencontre pleinement animée", plausible=(0.25, 0.75))
    tools_meeting_effect: float = par(0.5, 0, 2, "share", "Extra quality of meetings oriented by written tools and guides", "Qualité supplémentaire des rencontres orientées par des outils et guides écrits", plausible=(0.25, 1))
    attendance_colocation_effect: float = par(0.5, 0, 3, "log-odds", "Extra log-odds of attending a meeting for a partner on site", "Log-cote supplémentaire de présence à une rencontre pour un partenaire sur place", plausible=(0.25, 1))
    attendance_controversy_effect: float = par(-0.3, -3, 0, "log-odds", "Effect of each open controversy on attending meetings", "Effet de chaque controverse ouverte sur la présence aux rencontres", plausible=(-0.6, -0.15))
    committee_clarity_divisor: float = par(3.0, 1, 10, "ratio", "How many times less role clarity than shared understanding a meeting of the vivre-ensemble or terrain committee builds", "Combien de fois moins de clarté des rôles que de compréhension commune bâtit une rencontre du comité vivre ensemble ou terrain", plausible=(1.5, 6))
    coordination_understanding_divisor: float = par(2.0, 1, 10, "ratio", "How many times less shared understanding than role clarity a coordination meeting builds", "Combien de fois moins de compréhension commune que de clarté des rôles bâtit une rencontre de coordination", plausible=(1, 4))
    coordination_without_oc_share: float = par(0.5, 0, 1, "share", "Share of a coordination meeting's gain in role clarity kept without a CIUSSS OC to lead it", "Part du gain de clarté des rôles d'une rencontre de coordination conservée sans OC du CIUSSS pour la mener", plausible=(0.25, 0.75))
    meeting_alignment_gain: float = par(0.2, 0, 1, "share of gap", "Fit of actions to residents' needs gained by a fully attended vivre-ensemble meeting", "Adéquation des actions aux besoins des résident·e·s gagnée par une rencontre vivre ensemble où tous les partenaires sont présents", plausible=(0.1, 0.4))
    coordination_protection: float = par(0.5, 0, 1, "share", "Reduction of the risk of an internal-organisation controversy by a coordination committee", "Réduction du risque de controverse sur l'organisation interne par un comité de coordination", plausible=(0.25, 0.75))
    understanding_protection: float = par(0.5, 0, 1, "share", "Reduction of the risk of an internal-organisation controversy per unit of shared understanding", "Réduction du risque de controverse sur l'organisation interne par unité de compréhension commune", plausible=(0.25, 0.75))
    room_agreement_protection: float = par(0.8, 0, 1, "share", "Reduction of the risk of a shared-spaces controversy by a room agreement", "Réduction du risque de controverse sur les espaces partagés par une entente de gestion du local", plausible=(0.5, 0.95))
    oc_omh_space_protection: float = par(0.3, 0, 1, "share", "Reduction of the risk of a shared-spaces controversy by the OMH OC's logistics", "Réduction du risque de controverse sur les espaces partagés par la logistique de l'OC de l'OMH", plausible=(0.15, 0.6))
    shared_spaces_base_risk: float = par(0.4, 0, 1, "share", "Risk of a shared-spaces controversy with no partner on site, relative to all partners on site", "Risque de controverse sur les espaces partagés sans partenaire sur place, par rapport à tous les partenaires sur place", plausible=(0.2, 0.7))
    tools_settlement_effect: float = par(0.7, 0, 3, "log-odds", "Extra monthly log-odds of settling a controversy with written tools and guides", "Log-cote mensuelle supplémentaire de régler une controverse avec des outils et guides écrits", plausible=(0.35, 1.4))
    meeting_settlement_effect: float = par(1.0, 0, 3, "log-odds", "Extra log-odds of settling a controversy in a month with a committee meeting", "Log-cote supplémentaire de régler une controverse un mois où un comité se réunit", plausible=(0.5, 2))
    settlement_role_clarity_gain: float = par(0.05, 0, 1, "share of gap", "Role clarity gained for each controversy settled", "Clarté des rôles gagnée pour chaque controverse réglée", plausible=(0.025, 0.1))
    settlement_understanding_gain: float = par(0.03, 0, 1, "share of gap", "Shared understanding gained for each controversy settled", "Compréhension commune gagnée pour chaque controverse réglée", plausible=(0.015, 0.06))
    rep_turnover_understanding_scale: float = par(2.0, 0, 10, "ratio", "Share of the understanding loss of a departure applied per share of members whose representative leaves in the month (at most the full loss)", "Part de la perte de compréhension d'un départ appliquée par part des membres dont le ou la représentant·e part dans le mois (au plus la perte entière)", plausible=(1, 4))
    rep_turnover_clarity_share: float = par(0.5, 0, 1, "share", "Role clarity lost when representatives leave, as a share of the shared understanding lost", "Clarté des rôles perdue au départ de représentant·e·s, en part de la compréhension commune perdue", plausible=(0.25, 1))

    # --- participation --------------------------------------------------------------------------
    participation_propensity_sd: float = par(1.25, 0, 4, "log-odds", "Spread of households' own propensity to take part (a lasting trait): a few take part often, most seldom or never", "Dispersion de la propension propre des ménages à participer (un trait durable) : quelques-uns participent souvent, la plupart rarement ou jamais", "assumption, informed by the concentration of volunteering: the top 10% of Canadian volunteers gave 53% of the hours in 2010 (Statistics Canada, CSGVP 2010)", plausible=(0.75, 2.5))
    participation_base_logodds: float = par(-6.0, -10, 3, "log-odds / month", "Monthly log-odds that a resident takes part in an activity", "Log-cote mensuelle de participer à une activité", "calibrated, with participation_propensity_sd and engagement_half_life_months, so that a little over a third of a year's participants do not take part the next year: 35.5% of US volunteers stop volunteering altogether each year (CNCS 2009), and leaving one activity is more frequent", plausible=(-7, -4.5))
    participation_engagement_effect: float = par(3.0, 0, 8, "log-odds per unit", "Effect of engagement on taking part", "Effet de l'engagement sur la participation", plausible=(1.5, 6))
    participation_activity_effect: float = par(0.6, 0, 3, "log-odds per ln(1+activities per 100 hh)", "Effect of the activity offer on taking part", "Effet de l'offre d'activités sur la participation", plausible=(0.3, 1.2))
    engagement_half_life_months: float = par(6, 1, 120, "months", "Half-life of engagement without renewal", "Demi-vie de l'engagement sans renouvellement", "calibrated, with participation_propensity_sd, so that a little over a third of a year's participants do not take part at all the next year: 35.5% of US volunteers left volunteering altogether in a year (CNCS 2009); engagement is an index that renews with each participation, not the share of participants who stay", plausible=(3, 12))
    engagement_gain_participation: float = par(0.1, 0, 1, "share of gap", "Engagement gained by taking part in an activity", "Engagement gagné par une participation", plausible=(0.05, 0.2))
    consultation_engagement_gain: float = par(0.25, 0, 1, "share of gap", "Engagement gained by a resident taking part in a consultation", "Engagement gagné en participant à une consultation", "assumption, informed by study finding 8 (residents must be consulted again and again; no figure)", plausible=(0.1, 0.4))
    alignment_half_life_months: float = par(12, 1, 120, "months", "Half-life of the fit between actions and residents' needs after a consultation", "Demi-vie de l'adéquation des actions aux besoins après une consultation", plausible=(6, 24))
    project_participation_effect: float = par(1.0, 0, 4, "log-odds", "Extra log-odds of taking part while a collective project runs, larger for the less engaged", "Log-cote supplémentaire de participation pendant un projet collectif", "assumption; the cited garden project (53 different people in a year, Centraide) was not found in published pages, and a count of people gives no log-odds", plausible=(0.5, 2))
    ties_gain_participation: float = par(0.08, 0, 1, "share of gap", "Social ties gained by taking part in an activity", "Liens sociaux gagnés par une participation", plausible=(0.04, 0.16))
    ties_half_life_months: float = par(48, 1, 240, "months", "Half-life of social ties without renewal", "Demi-vie des liens sociaux sans renouvellement", plausible=(24, 96))
    association_gain: float = par(0.06, 0, 1, "share of gap / month", "Monthly growth of the tenants' association's activity, per unit of support and engagement", "Croissance mensuelle de l'activité de l'association de locataires", plausible=(0.03, 0.12))
    association_half_life_months: float = par(24, 1, 240, "months", "Half-life of the association's activity without support", "Demi-vie de l'activité de l'association sans soutien", plausible=(12, 48))
    mutual_aid_formation: float = par(0.006, 0, 1, "probability / month", "Monthly probability that an engaged resident joins a mutual-aid network, at full association activity, before any neighbour helps another", "Probabilité mensuelle qu'un·e résident·e engagé·e rejoigne un réseau d'entraide, à pleine activité de l'association, avant qu'aucun voisin n'en aide un autre", "assumption, calibrated to pattern 15 (slow build-up)", plausible=(0.003, 0.012))
    mutual_aid_contagion: float = par(30, 0, 200, "ratio per unit share", "How much likelier joining a mutual-aid network becomes per unit share of the milieu's households already in one (social contagion)", "Combien l'adhésion à un réseau d'entraide devient plus probable par unité de part des ménages du milieu qui en font déjà partie (contagion sociale)", "assumption, calibrated to pattern 15 (slow build-up); the study names the mechanism (finding 7: mutual-aid networks appear)", plausible=(10, 60))
    mutual_aid_help: float = par(0.12, 0, 1, "probability / month", "Monthly probability that mutual aid meets an open everyday need", "Probabilité mensuelle que l'entraide réponde à un besoin du quotidien", plausible=(0.06, 0.24))
    initial_association: float = par(0.1, 0, 1, "index 0-1", "Initial activity of the tenants' association", "Activité initiale de l'association de locataires", plausible=(0.05, 0.2))
    association_activities_per_month: float = par(4.0, 0, 20, "activities / month", "Activities the tenants' association holds each month at full activity (unfunded)", "Activités que l'association de locataires tient chaque mois à pleine activité (sans financement)", plausible=(2, 8))
    activity_trust_floor: float = par(0.2, 0, 1, "share", "Activities a network partner brings with no trust in the network, relative to full trust", "Activités qu'un partenaire du réseau offre sans confiance dans le réseau, par rapport à une pleine confiance", plausible=(0.1, 0.4))
    controversy_activity_loss: float = par(0.3, 0, 1, "share", "Share of partners' activities lost while a shared-spaces controversy is open", "Part des activités des partenaires perdue tant qu'une controverse sur les espaces partagés est ouverte", plausible=(0.15, 0.6))
    activity_alignment_floor: float = par(0.5, 0, 1, "share", "Activities partners bring when actions do not fit residents' needs, relative to a full fit", "Activités qu'offrent les partenaires quand les actions ne correspondent pas aux besoins des résident·e·s, par rapport à une pleine adéquation", plausible=(0.25, 0.75))
    consultation_base_logodds: float = par(-2.0, -8, 3, "log-odds", "Log-odds that a resident takes part in a consultation (no engagement, trust or ties)", "Log-cote qu'un·e résident·e participe à une consultation (sans engagement, confiance ni liens)", plausible=(-3, -1))
    consultation_engagement_effect: float = par(3.0, 0, 8, "log-odds per unit", "Effect of engagement on taking part in a consultation", "Effet de l'engagement sur la participation à une consultation", plausible=(1.5, 6))
    consultation_trust_effect: float = par(2.0, 0, 6, "log-odds per unit trust", "Effect of trust in the worker on taking part in a consultation", "Effet de la confiance envers l'intervenant·e sur la participation à une consultation", plausible=(1, 4))
    consultation_ties_effect: float = par(0.5, 0, 4, "log-odds per unit", "Effect of social ties on taking part in a consultation", "Effet des liens sociaux sur la participation à une consultation", plausible=(0.25, 1))
    consultation_liaison_effect: float = par(0.5, 0, 4, "log-odds", "Extra log-odds of taking part in a consultation where an OMH OC links the institution and residents", "Log-cote supplémentaire de participer à une consultation là où un·e OC de l'OMH fait le lien entre l'institution et les résident·e·s", plausible=(0.25, 1))
    consultation_alignment_gain: float = par(0.8, 0, 1, "share of gap", "Fit of actions to residents' needs gained by a consultation", "Adéquation des actions aux besoins des résident·e·s gagnée par une consultation", plausible=(0.4, 1))
    participation_ties_effect: float = par(1.0, 0, 4, "log-odds per unit", "Effect of social ties on taking part in an activity", "Effet des liens sociaux sur la participation à une activité", plausible=(0.5, 2))
    participation_hard_to_reach_effect: float = par(-1.0, -4, 0, "log-odds per unit", "Effect of disaffiliation on taking part in an activity", "Effet de la désaffiliation sur la participation à une activité", plausible=(-2, -0.5))
    invitation_window_months: float = par(3.0, 0, 24, "months", "Months after a contact during which the worker's invitation raises a resident's participation", "Mois après un contact pendant lesquels l'invitation de l'intervenant·e augmente la participation d'un·e résident·e", plausible=(1, 6))
    activity_socialising_help: float = par(0.5, 0, 1, "probability", "Probability that taking part in an activity meets an open socialising need", "Probabilité qu'une participation à une activité comble un besoin ouvert de socialiser", plausible=(0.25, 1))
    mutual_aid_exit_engagement: float = par(0.05, 0, 1, "index 0-1", "Engagement below which a member may leave the mutual-aid network", "Engagement sous lequel un membre peut quitter le réseau d'entraide", plausible=(0.025, 0.1))
    mutual_aid_exit_monthly: float = par(0.05, 0, 1, "probability / month", "Monthly probability that a member with too little engagement leaves the mutual-aid network", "Probabilité mensuelle qu'un membre trop peu engagé quitte le réseau d'entraide", plausible=(0.025, 0.1))
    ties_gain_mutual_aid: float = par(0.02, 0, 1, "share of gap / month", "Social ties gained each month by a member of a mutual-aid network", "Liens sociaux gagnés chaque mois par un membre d'un réseau d'entraide", plausible=(0.01, 0.04))

    # --- well-being -------------------------------------------------------------------------------
    security_adjust_rate: float = par(0.05, 0, 1, "share / month", "Monthly speed at which the sense of security moves toward its current level", "Vitesse mensuelle d'ajustement du sentiment de sécurité", plausible=(0.025, 0.1))
    security_worker_weight: float = par(0.2, 0, 1, "index", "Weight of a trusted worker in the sense of security", "Poids d'un·e intervenant·e de confiance dans le sentiment de sécurité", "assumption, informed by study finding 6 (the worker strengthens residents' sense of security; no figure)", plausible=(0.1, 0.4))
    security_ties_weight: float = par(0.2, 0, 1, "index", "Weight of social ties in the sense of security", "Poids des liens sociaux dans le sentiment de sécurité", plausible=(0.1, 0.4))
    security_unmet_weight: float = par(0.08, 0, 1, "index per open need", "Loss of security per open need", "Perte de sécurité par besoin non comblé", plausible=(0.04, 0.16))
    image_gain_service: float = par(0.1, 0, 1, "share of gap", "Image of the health network (or trust in the landlord) gained when its services meet a need", "Gain d'image du réseau de la santé (ou de confiance envers le propriétaire) quand ses services répondent", plausible=(0.05, 0.2))
    image_loss_drop: float = par(0.15, 0, 1, "share", "Image of the health network (or trust in the landlord) lost when a request to it is dropped", "Perte d'image (ou de confiance envers le propriétaire) quand une demande est abandonnée", plausible=(0.075, 0.3))
    image_transfer: float = par(0.3, 0, 1, "share", "Share of trust gained in a worker that also goes to the employer's institution (the health network, or the landlord)", "Part de la confiance gagnée transférée à l'institution employeuse", "assumption, informed by study finding 14 (the CIUSSS social worker helps build a positive image of the health network, as the authors suggest; no figure)", plausible=(0.1, 0.5))
    image_half_life_months: float = par(60, 1, 600, "months", "Half-life of changes to the image of the health network and to trust in the landlord", "Demi-vie des changements d'image du réseau et de confiance envers le propriétaire", plausible=(30, 120))
    security_association_weight: float = par(0.1, 0, 1, "index", "Weight of the tenants' association's activity in the sense of security", "Poids de l'activité de l'association de locataires dans le sentiment de sécurité", plausible=(0.05, 0.2))
    security_contact_window_months: float = par(12.0, 1, 60, "months", "Months after a contact during which a trusted worker adds to a resident's sense of security", "Mois après un contact pendant lesquels un·e intervenant·e de confiance ajoute au sentiment de sécurité d'un·e résident·e", plausible=(6, 24))

    # --- crises ----------------------------------------------------------------------------------
    crisis_annual: float = par(0.05, 0, 1, "probability / year", "Annual probability of a crisis in the milieu (violence, insalubrity...)", "Probabilité annuelle d'une crise dans le milieu", "assumption, informed by the Scientifique en chef capsule (networks often start from a crisis in the HLM; no rate of crises)", plausible=(0.02, 0.15))
    crisis_months: float = par(3, 1, 24, "months", "Duration of a crisis", "Durée d'une crise", plausible=(1, 6))
    crisis_need_multiplier: float = par(2.0, 1, 10, "ratio", "Multiplier of psychosocial and housing needs during a crisis", "Multiplicateur des besoins psychosociaux et de logement en crise", plausible=(1.5, 3))
    crisis_security_loss: float = par(0.15, 0, 1, "index", "Loss of sense of security during a crisis", "Perte de sentiment de sécurité durant une crise", plausible=(0.075, 0.3))


#: Slack on the sum of an ensemble's shares (0.55 + 0.45 may exceed 1 by a rounding error).
SHARE_SUM_SLACK = 1e-9


class EnsembleSpec(Strict):
    """One HLM ensemble: a name, a number of units and a household mix.

    The mix is the share of family households and the share of senior households, each in
    [0, 1] and summing to at most 1; the remainder, 1 - share_family - share_senior, are persons
    alone. Each household's type is drawn with these probabilities (initially and at every
    move-in). A share left out takes its default (0.3): when that default would make the sum
    exceed 1, the ensemble is refused rather than a share silently changed.
    """

    name: str = "ensemble"
    units: int = Field(26, ge=1, le=5000, description="Dwelling units (households)")
    share_family: float = Field(0.3, ge=0, le=1, description="Share of family households")
    share_senior: float = Field(0.3, ge=0, le=1, description="Share of senior households")

    @model_validator(mode="after")
    def _shares_sum_to_at_most_one(self) -> EnsembleSpec:
        total = self.share_family + self.share_senior
        if total > 1 + SHARE_SUM_SLACK:
            given = self.model_fields_set

            def shown(key: str) -> str:
                value = f"{key} = {getattr(self, key):g}"
                return value if key in given else f"{value} (the default, left out)"

            fix = "lower one" if {"share_family", "share_senior"} <= given else "give both"
            raise ValueError(
                f"{shown('share_family')} and {shown('share_senior')} sum to {total:g}, more"
                f" than 1: the two shares sum to at most 1, persons alone being the rest; {fix}"
            )
        return self


class EventSpec(Strict):
    """A scheduled event: at ``month`` (1-based), in milieu ``milieu`` (name) or all milieux.
    An ``arrangement_switch`` changes the milieu's arrangement to ``arrangement`` that month
    (see :mod:`hlmsim.mechanisms.switching`); no other kind takes an arrangement."""

    month: int = Field(ge=1, le=600)
    kind: Literal[
        "worker_leaves",
        "representative_leaves",
        "oc_leaves",
        "funding_cut",
        "crisis",
        "collective_project",
        "consultation",
        "arrangement_switch",
    ]
    milieu: str | None = None
    arrangement: str | None = None


class MilieuSpec(Strict):
    """One milieu: its ensembles, optionally its own arrangement and parameter overrides."""

    name: str
    city: str = ""
    arrangement: str | None = None
    ensembles: list[EnsembleSpec] = Field(default_factory=lambda: [EnsembleSpec()], min_length=1)
    copies: int = Field(1, ge=1, le=10000, description="Identical copies of this milieu")
    params: dict[str, Any] = Field(default_factory=dict)


class Scenario(Strict):
    """A fully resolved scenario: what the model runs."""

    name: str
    description: str = ""
    arrangement: str = "ciusss_social_worker"
    months: int = Field(120, ge=1, le=600)
    #: Months run before month 1 with the arrangement in place and no record kept, so that the
    #: milieux start mature (trust, network and association built, a settled mix of needs).
    spin_up_months: int = Field(0, ge=0, le=240)
    milieux: list[MilieuSpec] = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    events: list[EventSpec] = Field(default_factory=list)


def param_fields() -> dict[str, Any]:
    """The schema's parameter fields, in declaration order."""
    return dict(Params.model_fields)


def field_meta(name: str) -> dict[str, Any]:
    """Meaning, unit, range, plausible range, default and source of one parameter, for docs and
    the app (``plausible``: ``(lo, hi)``, or None for yes/no and choice parameters)."""
    f = Params.model_fields[name]
    extra: dict[str, Any] = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
    lo = hi = None
    for m in f.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    choices = None
    ann = f.annotation
    if get_origin(ann) is Literal:
        choices = list(get_args(ann))
    kind = "bool" if ann is bool else "int" if ann is int else "choice" if choices else "float"
    return {
        "name": name,
        "label_en": f.description,
        "label_fr": extra.get("label_fr", ""),
        "unit": extra.get("unit", ""),
        "unit_fr": unit_label(extra.get("unit", ""), "fr"),
        "source": extra.get("source", ASSUMPTION),
        "lever": extra.get("lever", False),
        "default": f.default,
        "min": lo,
        "max": hi,
        "choices": choices,
        "kind": kind,
        "plausible": _plausible(extra.get("plausible")),
    }


def _plausible(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    lo, hi = value
    return (float(lo), float(hi))


def monthly_hazard(annual_probability: Any) -> Any:
    """Convert an annual probability p into a monthly one: 1 - (1 - p)^(1/12)."""
    import numpy as np

    return 1.0 - np.power(1.0 - np.asarray(annual_probability, dtype=float), 1.0 / 12.0)


#: :func:`half_life_factor` of the parameter arrays met lately (the mechanisms ask each month
#: for the same few), by the arrays' bytes; emptied when it holds ``_HALF_LIFE_KEPT`` of them.
_HALF_LIFE_CACHE: dict[bytes, Any] = {}
_HALF_LIFE_KEPT = 64


def half_life_factor(months: Any) -> Any:
    """Monthly retention factor for a half-life in months: 0.5^(1/months). Arrays of months
    (parameters by milieu) are worked out once per distinct value; each call returns its own
    copy."""
    import numpy as np

    a = np.asarray(months, dtype=float)
    if a.ndim != 1:
        return np.power(0.5, 1.0 / a)
    key = a.tobytes()
    found = _HALF_LIFE_CACHE.get(key)
    if found is None:
        if len(_HALF_LIFE_CACHE) >= _HALF_LIFE_KEPT:
            _HALF_LIFE_CACHE.clear()
        found = _HALF_LIFE_CACHE[key] = np.power(0.5, 1.0 / a)
    return found.copy()
