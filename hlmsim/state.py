"""The model's state as arrays (struct of arrays), and its initialisation.

Residents live in :class:`Households` (one row per dwelling unit, its current household), milieu-
level entities in :class:`Milieux` (workers, organisers, the network; one row per milieu) and
partner organisations in ``(milieu, kind)`` arrays. Each parameter becomes an array over milieux
(:class:`MilieuParams`), so one vectorised pass updates every milieu, whatever its arrangement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .constants import BETA_MEAN_CLIP, NEVER
from .errors import InputError
from .mechanisms._jit import kernel
from .params import (
    CONTROVERSY_THEMES,
    EMPLOYER_KIND,
    HOUSEHOLD_TYPES,
    NEED_CATEGORIES,
    PARTNER_KINDS,
    PARTNER_SERVES,
    Params,
    Scenario,
)
from .rng import Streams
from .scenario import milieu_params

K = len(NEED_CATEGORIES)
P = len(PARTNER_KINDS)
NEED = {name: i for i, name in enumerate(NEED_CATEGORIES)}
KIND = {name: i for i, name in enumerate(PARTNER_KINDS)}
EMPLOYERS = ("none", "ciusss", "community", "omh")
#: Partner kinds belonging to the health and social services network.
HEALTH_NETWORK = np.array([k == "ciusss_services" for k in PARTNER_KINDS])
#: The landlord's own services (the housing office).
LANDLORD = np.array([k == "omh_services" for k in PARTNER_KINDS])
#: Base distance of each kind (0 on site, 1 neighbourhood, 2 city) when not co-located.
BASE_DISTANCE = np.array([1, 2, 1, 1, 1, 1, 1, 1], dtype=float)
#: serves[p, k]: partner kind p serves need category k.
SERVES = np.array(
    [[c in PARTNER_SERVES[kind] for c in NEED_CATEGORIES] for kind in PARTNER_KINDS], dtype=bool
)
#: Employer code -> partner kind index whose services the worker reaches directly (-1: none).
EMPLOYER_PARTNER = np.array(
    [KIND[k] if (k := EMPLOYER_KIND[e]) else -1 for e in EMPLOYERS], dtype=np.int64
)
#: Community partners: those whose funding can be cut (not the public institutions).
COMMUNITY = np.array(
    [
        k in ("family_org", "youth_org", "seniors_org", "community_resource_centre")
        for k in PARTNER_KINDS
    ]
)
#: Order in which kinds join the network as n_partners grows.
JOIN_ORDER = np.arange(P)
#: Order in which members are co-located on site (community organisations first).
COLOC_ORDER = np.array([2, 3, 5, 4, 0, 6, 7, 1])


class MilieuParams:
    """Every parameter as an array over milieux: ``mp.worker_fte[m]``."""

    def __init__(self, params: list[Params]) -> None:
        self.names = list(Params.model_fields)
        # the copies of a milieu share one Params: each distinct one is read once
        first: dict[int, int] = {}
        which = np.array([first.setdefault(id(p), len(first)) for p in params], dtype=np.int64)
        distinct = list({id(p): p for p in params}.values())
        for name in self.names:
            values = [getattr(p, name) for p in distinct]
            if name == "worker_employer":
                self.employer_code = np.array([EMPLOYERS.index(v) for v in values])[which]
                setattr(self, name, np.array(values, dtype=object)[which])
            elif name == "network_origin":
                self.origin_crisis = np.array([v == "crisis" for v in values])[which]
                setattr(self, name, np.array(values, dtype=object)[which])
            elif isinstance(values[0], bool):
                setattr(self, name, np.array(values, dtype=bool)[which])
            else:
                setattr(self, name, np.array(values, dtype=float)[which])

    def replace(self, milieux: np.ndarray, other: MilieuParams) -> None:
        """Take ``other``'s values (parameters over the same milieux) for the milieux of mask
        ``milieux``, in place (an arrangement switch)."""
        for name, values in self.arrays().items():
            values[milieux] = getattr(other, name)[milieux]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every parameter array by name (the derived codes included)."""
        return {n: getattr(self, n) for n in (*self.names, "employer_code", "origin_crisis")}

    def __getattr__(self, name: str) -> Any:  # only reached for unknown names
        raise AttributeError(f"no parameter named {name!r}")


@dataclass
class Households:
    """Resident households, one row per dwelling unit (its current household)."""

    milieu: np.ndarray
    ensemble: np.ndarray
    htype: np.ndarray
    hid: np.ndarray
    arrived: np.ndarray
    hard_to_reach: np.ndarray
    trust_worker: np.ndarray
    image: np.ndarray
    landlord: np.ndarray
    engagement: np.ndarray
    ties: np.ndarray
    ties_base: np.ndarray  # social ties outside the milieu's life, toward which ties relax
    knowledge: np.ndarray
    security: np.ndarray
    contacts: np.ndarray
    refusals: np.ndarray  # times the household, found by the worker, declined (before any contact)
    last_contact: np.ndarray
    last_served: np.ndarray
    mutual_aid: np.ndarray
    agency: np.ndarray  # power to act gained through help, 0-1
    propensity: np.ndarray  # own propensity to take part, log-odds (a lasting trait)
    openness: np.ndarray  # openness to the worker's approach, log-odds (a lasting trait)
    need_open: np.ndarray  # (N, K) bool
    need_age: np.ndarray  # (N, K) months open
    need_queue: np.ndarray  # (N, K) global partner index, -1 when not queued
    need_wait: np.ndarray  # (N, K) months waiting in the queue
    need_priority: np.ndarray  # (N, K) bool: direct access
    # observation (hlmsim.observables): written by the mechanisms, read by no mechanism
    need_origin: np.ndarray  # (N, K) int8: who made the queued request (0, worker, partner, self)
    first_attempt: np.ndarray  # month of the worker's first contact attempt (NEVER: none)
    first_success: np.ndarray  # month of the first successful contact (NEVER: none)
    last_part: np.ndarray  # month of the last participation in an activity (NEVER: none)
    part_year: np.ndarray  # bool: took part in this year of the run
    part_prev: np.ndarray  # bool: took part in the previous year of the run
    last_project: np.ndarray  # serial of the last collective project taken part in (-1: none)
    next_hid: int = 0

    @property
    def n(self) -> int:
        return len(self.milieu)


@dataclass
class Milieux:
    """Workers, organisers, partners and the local network of each milieu."""

    n_households: np.ndarray
    rows: np.ndarray  # (M + 1,) the households of milieu m are rows rows[m]:rows[m + 1]
    # milieu worker position
    worker_filled: np.ndarray
    worker_tenure: np.ndarray
    worker_knowledge: np.ndarray
    worker_vacancy_left: np.ndarray
    worker_grant_left: np.ndarray
    worker_serial: np.ndarray  # how many workers have held the position
    # community organisers (CIUSSS OC, OMH OC)
    oc_filled: np.ndarray  # (M, 2)
    oc_vacancy_left: np.ndarray  # (M, 2)
    # partner organisations (M, P)
    member: np.ndarray
    colocated: np.ndarray
    distance: np.ndarray
    funding: np.ndarray
    trust: np.ndarray
    rep_tenure: np.ndarray
    # the local network
    understanding: np.ndarray
    role_clarity: np.ndarray
    controversy: np.ndarray  # (M, 4) open
    alignment: np.ndarray
    project_left: np.ndarray
    association: np.ndarray
    crisis_left: np.ndarray
    project_serial: np.ndarray  # collective projects started so far (observation)
    # this month's tallies, reset each step
    tally: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.n_households)


@dataclass
class Layout:
    """The milieux of a model: one entry per milieu, ``copies`` and replicates expanded."""

    names: list[str]
    params: list[Params]
    ensembles: list[list[Any]]
    spec: np.ndarray  # index of the scenario's [[milieux]] entry each milieu comes from
    replicate: np.ndarray  # replicate each milieu belongs to (0 when the model runs one world)


def replicate_params(
    scen: Scenario, replicates: int, param_sets: Sequence[Mapping[str, Any]] | None = None
) -> list[list[Params]]:
    """Each replicate's resolved parameters, milieu by milieu: the scenario's, or with replicate
    r's parameter set applied as the scenario's own parameters (like ``load_scenario``'s
    overrides: above the arrangement's preset, below a milieu's own settings). A bad set raises
    a one-line :class:`InputError` naming it (``param_sets[r]``) and the parameter."""
    n = len(scen.milieux)
    if param_sets is None:
        shared = [milieu_params(scen, i) for i in range(n)]
        return [shared] * replicates
    if len(param_sets) != replicates:
        raise InputError(
            f"one parameter set per replicate: {len(param_sets)} sets for {replicates} replicates",
            key="param_sets",
        )
    out = []
    for r, ps in enumerate(param_sets):
        unknown = [k for k in ps if k not in Params.model_fields]
        if unknown:
            raise InputError(
                f"unknown parameter {unknown[0]!r}", key=f"param_sets[{r}].{unknown[0]}"
            )
        scen_r = scen.model_copy(update={"params": {**scen.params, **ps}})
        try:
            out.append([milieu_params(scen_r, i) for i in range(n)])
        except InputError as err:
            name = (err.key or "").split(".", 1)[-1]
            raise InputError(err.detail, key=f"param_sets[{r}].{name}") from None
    return out


def expand_milieux(
    scen: Scenario, replicates: int = 1, param_sets: Sequence[Mapping[str, Any]] | None = None
) -> Layout:
    """Expand ``copies`` (and ``replicates`` independent worlds, each with its own parameter set
    when ``param_sets`` is given) into one entry per milieu."""
    names, params, ensembles, spec, rep = [], [], [], [], []
    per_replicate = replicate_params(scen, replicates, param_sets)
    for r in range(replicates):
        resolved = per_replicate[r]
        for i, m in enumerate(scen.milieux):
            for c in range(m.copies):
                names.append(m.name if m.copies == 1 else f"{m.name}-{c + 1}")
                params.append(resolved[i])
                ensembles.append(m.ensembles)
                spec.append(i)
                rep.append(r)
    return Layout(names, params, ensembles, np.array(spec), np.array(rep))


#: The household attributes drawn from beta laws, in the order drawn.
BETA_ATTRIBUTES = (
    "hard_to_reach",
    "image",
    "landlord",
    "engagement",
    "ties_base",
    "knowledge",
    "security",
)


#: The parameters of the households' laws, in the order :func:`_household_laws` takes them
#: after its first five arguments.
LAW_PARAMETERS = (
    "hard_to_reach_mean",
    "hard_to_reach_concentration",
    "initial_trust_institutions",
    "initial_trust_landlord",
    "institutions_concentration",
    "initial_engagement",
    "newcomer_engagement_ratio",
    "engagement_concentration",
    "initial_ties",
    "newcomer_ties_ratio",
    "ties_concentration",
    "initial_knowledge",
    "newcomer_knowledge_ratio",
    "knowledge_concentration",
    "initial_security",
    "security_concentration",
    "participation_propensity_sd",
    "outreach_openness_sd",
)


def law_parameters(mp: MilieuParams) -> tuple[np.ndarray, ...]:
    """The arrays of :data:`LAW_PARAMETERS`, by milieu, in that order."""
    return tuple([getattr(mp, name) for name in LAW_PARAMETERS])


def draw_households(
    rng: np.random.Generator,
    mp: MilieuParams,
    milieu: np.ndarray,
    share_family: np.ndarray,
    share_senior: np.ndarray,
    newcomer: bool,
) -> dict[str, np.ndarray]:
    """Draw the attributes of ``len(milieu)`` households (initial or moving in)."""
    n = len(milieu)
    u = rng.random(n)
    htype, alpha, beta, sd = _household_laws(
        u,
        share_family,
        share_senior,
        milieu,
        newcomer,
        *law_parameters(mp),
    )
    # one call draws the beta-distributed attributes one after the other, then the normal ones
    new = dict(zip(BETA_ATTRIBUTES, rng.beta(alpha, beta), strict=True))
    new["propensity"], new["openness"] = rng.normal(0.0, 1.0, (2, n)) * sd
    return {"htype": htype, **new}


@kernel
def _household_laws(
    u: np.ndarray,
    share_family: np.ndarray,
    share_senior: np.ndarray,
    milieu: np.ndarray,
    newcomer: bool,
    hard_to_reach_mean: np.ndarray,
    hard_to_reach_conc: np.ndarray,
    trust_institutions: np.ndarray,
    trust_landlord: np.ndarray,
    institutions_conc: np.ndarray,
    engagement: np.ndarray,
    engagement_ratio: np.ndarray,
    engagement_conc: np.ndarray,
    ties: np.ndarray,
    ties_ratio: np.ndarray,
    ties_conc: np.ndarray,
    knowledge: np.ndarray,
    knowledge_ratio: np.ndarray,
    knowledge_conc: np.ndarray,
    security: np.ndarray,
    security_conc: np.ndarray,
    propensity_sd: np.ndarray,
    openness_sd: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each household's type (``u`` against the ensemble's mix), the parameters ``(alpha, beta)``
    of the beta laws of its seven attributes (mean and concentration of its milieu; newcomers
    know the resources less, are less engaged and have fewer ties), one row per attribute in
    the order drawn, and the spread ``sd`` of its two normal traits."""
    n = len(milieu)
    htype = np.empty(n, dtype=np.int8)
    alpha = np.empty((len(BETA_ATTRIBUTES), n))
    beta = np.empty((len(BETA_ATTRIBUTES), n))
    sd = np.empty((2, n))
    for j in range(n):
        m = milieu[j]
        if u[j] < share_family[j]:
            htype[j] = 0  # family
        elif u[j] < share_family[j] + share_senior[j]:
            htype[j] = 2  # senior
        else:
            htype[j] = 1
        eng, tie, know = engagement[m], ties[m], knowledge[m]
        if newcomer:
            eng *= engagement_ratio[m]
            tie *= ties_ratio[m]
            know *= knowledge_ratio[m]
        means = (
            hard_to_reach_mean[m],
            trust_institutions[m],
            trust_landlord[m],
            eng,
            tie,
            know,
            security[m],
        )
        concs = (
            hard_to_reach_conc[m],
            institutions_conc[m],
            institutions_conc[m],
            engagement_conc[m],
            ties_conc[m],
            knowledge_conc[m],
            security_conc[m],
        )
        for r in range(len(BETA_ATTRIBUTES)):
            mean = min(max(means[r], BETA_MEAN_CLIP), 1 - BETA_MEAN_CLIP)
            alpha[r, j] = mean * concs[r]
            beta[r, j] = (1 - mean) * concs[r]
        sd[0, j] = propensity_sd[m]
        sd[1, j] = openness_sd[m]
    return htype, alpha, beta, sd


def init_state(
    scen: Scenario,
    streams: Streams,
    replicates: int = 1,
    param_sets: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[Layout, MilieuParams, Households, Milieux, dict[str, np.ndarray]]:
    """Build the initial state: milieux, partners, network and households."""
    layout = expand_milieux(scen, replicates, param_sets)
    ensembles = layout.ensembles
    mp = MilieuParams(layout.params)
    M = len(layout.names)
    # households, ensemble by ensemble: each ensemble's units in a row
    flat = [(m, e) for m, ens_list in enumerate(ensembles) for e in ens_list]
    units = np.array([e.units for _, e in flat], dtype=np.int64)
    milieu = np.repeat(np.array([m for m, _ in flat], dtype=np.int64), units)
    mix = {
        "ensemble": np.repeat(np.arange(len(flat), dtype=np.int64), units),
        "share_family": np.repeat(np.array([e.share_family for _, e in flat], dtype=float), units),
        "share_senior": np.repeat(np.array([e.share_senior for _, e in flat], dtype=float), units),
    }
    N = len(milieu)
    attrs = draw_households(
        streams["population"], mp, milieu, mix["share_family"], mix["share_senior"], False
    )
    hh = Households(
        milieu=milieu,
        ensemble=mix["ensemble"],
        hid=np.arange(N, dtype=np.int64),
        arrived=np.zeros(N, dtype=np.int64),
        trust_worker=np.zeros(N),
        contacts=np.zeros(N, dtype=np.int32),
        refusals=np.zeros(N, dtype=np.int32),
        last_contact=np.full(N, NEVER, dtype=np.int32),
        last_served=np.full(N, NEVER, dtype=np.int32),
        mutual_aid=np.zeros(N, dtype=bool),
        agency=np.zeros(N),
        need_open=np.zeros((N, K), dtype=bool),
        need_age=np.zeros((N, K), dtype=np.int32),
        need_queue=np.full((N, K), -1, dtype=np.int32),
        need_wait=np.zeros((N, K), dtype=np.int32),
        need_priority=np.zeros((N, K), dtype=bool),
        need_origin=np.zeros((N, K), dtype=np.int8),
        first_attempt=np.full(N, NEVER, dtype=np.int32),
        first_success=np.full(N, NEVER, dtype=np.int32),
        last_part=np.full(N, NEVER, dtype=np.int32),
        part_year=np.zeros(N, dtype=bool),
        part_prev=np.zeros(N, dtype=bool),
        last_project=np.full(N, -1, dtype=np.int32),
        next_hid=N,
        ties=attrs["ties_base"].copy(),
        **attrs,
    )
    n_hh = np.bincount(milieu, minlength=M).astype(float)

    # partners: the first n_partners kinds are members; a share of members is on site
    n_members = np.rint(mp.n_partners).astype(int) * mp.network_present
    member = JOIN_ORDER[None, :] < n_members[:, None]
    n_coloc = np.rint(mp.partners_colocated_share * n_members).astype(int)
    rank = np.empty(P, dtype=int)
    rank[COLOC_ORDER] = np.arange(P)
    coloc_rank = np.cumsum(member[:, COLOC_ORDER], axis=1)[:, rank] * member
    colocated = member & (coloc_rank <= n_coloc[:, None]) & (coloc_rank > 0)
    distance = np.where(colocated, 0.0, BASE_DISTANCE[None, :])
    trust0 = np.where(
        member, mp.initial_network_trust[:, None], mp.initial_non_member_trust[:, None]
    )
    understanding0 = (
        np.clip(
            mp.initial_understanding - mp.crisis_origin_understanding_gap * mp.origin_crisis, 0, 1
        )
        * mp.network_present
    )
    has_worker = mp.worker_fte > 0
    ms = Milieux(
        n_households=n_hh,
        rows=np.searchsorted(milieu, np.arange(M + 1)),
        worker_filled=has_worker.copy(),
        worker_tenure=np.zeros(M),
        worker_knowledge=np.where(has_worker, mp.worker_initial_knowledge, 0.0),
        worker_vacancy_left=np.zeros(M),
        worker_grant_left=mp.grant_length_months.copy(),
        worker_serial=has_worker.astype(np.int64),
        oc_filled=np.stack([mp.oc_ciusss_present, mp.oc_omh_present], axis=1),
        oc_vacancy_left=np.zeros((M, 2)),
        member=member,
        colocated=colocated,
        distance=distance,
        funding=np.ones((M, P)),
        trust=trust0,
        rep_tenure=np.zeros((M, P)),
        understanding=understanding0,
        role_clarity=understanding0.copy(),
        controversy=np.zeros((M, len(CONTROVERSY_THEMES)), dtype=bool),
        alignment=np.zeros(M),
        project_left=np.zeros(M),
        association=mp.initial_association.copy(),
        crisis_left=np.zeros(M),
        project_serial=np.zeros(M, dtype=np.int64),
    )
    return layout, mp, hh, ms, mix


__all__ = [
    "HOUSEHOLD_TYPES",
    "Households",
    "MilieuParams",
    "Milieux",
    "init_state",
    "draw_households",
]
