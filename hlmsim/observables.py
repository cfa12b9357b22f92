"""Observables: the model's own figures that published facts can be set against (the targets of
``hlmsim targets``), declared once: label and description in English and French, unit, and how
a run computes them.

An observable is a statistic of a whole run, one value per replicate (independent world) of a
model, computed by :func:`observe` after the run from three sources:

* the monthly observation records (:func:`track`, appended by ``HLMModel.step`` beside the
  outcomes' record): this month's observation tallies (``model.tally``, written by the
  mechanisms: first contacts, referrals by origin, waits and requests given up by service, year
  participants...) and the posts and vacancies of the month;
* the monthly outcome records (``model.records``): contacts, participants, isolation...;
* the households present at the end (time since they moved in, last participation).

Milieux of one replicate add up (numerators and denominators summed, so a milieu weighs by its
size). A value is NaN when the run cannot give it (no worker post, no referral, a run shorter
than two years for the year-to-year dropout).

Definitions (the catalogue's targets name them; ``docs/targets.md`` describes each against its
sources):

* a worker's *contact attempt* is a resident the worker tries to reach in a month; it *succeeds*
  when the resident accepts the contact (outreach's contact success). A household's *first
  contact* is its first attempt; it is *engaged* from its first successful contact;
* *hard to reach*: a disaffiliation index of at least ``outcomes.HARD_TO_REACH``;
* a referral's *origin* is the worker (warm referral), a partner (onward referral) or the
  resident (self-referral); it is *completed* when the request reaches a first service
  (served, whatever the result), and *given up* when the wait drops it;
* a wait in days counts months in the queue plus half the month of the request (requests arrive
  through the month), at :data:`DAYS_PER_MONTH` days a month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .constants import NEVER
from .i18n import pick
from .mechanisms._jit import kernel
from .outcomes import Record, stacker
from .params import PARTNER_KINDS

if TYPE_CHECKING:
    from .model import HLMModel

#: Days in a month (365.25 / 12), to state waits in days.
DAYS_PER_MONTH = 30.4375
#: Referral origins, in the order of ``hh.need_origin`` codes 1, 2, 3 (0: no request).
ORIGINS = ("worker", "partner", "self")
#: Employers of posts: milieu workers' employers, and organisers (CIUSSS and OMH).
POST_EMPLOYERS = ("ciusss", "community", "omh")
CIUSSS_KIND = PARTNER_KINDS.index("ciusss_services")

#: Observation tallies of first successful contacts (outreach adds to them, in this order).
ENGAGEMENT_TALLIES = (
    "first_engaged",
    "engaged_at_first",
    "engage_months_hard",
    "engage_n_hard",
    "engage_months_other",
    "engage_n_other",
)
#: Observation tallies of one value per milieu, written by the mechanisms each month.
OBS_TALLIES = (
    "first_attempts",
    *ENGAGEMENT_TALLIES,
    "stay_months_out",
    "project_participants",
    "year_returning",
    "year_prev_present",
    *(f"referrals_{o}" for o in ORIGINS),
    *(f"served_{o}" for o in ORIGINS),
    *(f"given_up_{o}" for o in ORIGINS),
)
#: Model tallies the observation record copies as well.
MODEL_TALLIES = (
    "move_outs",
    "worker_departures",
    "oc_departures",
    "rep_departures",
    "projects_started",
    "contacts",
    "participants",
)
#: Observation tallies of one value per (milieu, partner kind).
OBS_TALLIES_BY_PARTNER = ("service_wait_months", "service_first", "service_given_up")


@dataclass(frozen=True)
class Observable:
    """One observable: labels and a one-sentence definition in both languages, its unit."""

    en: str
    fr: str
    unit: str
    about_en: str
    about_fr: str


def _ob(en: str, fr: str, unit: str, about_en: str, about_fr: str) -> Observable:
    return Observable(en, fr, unit, about_en, about_fr)


OBSERVABLES: dict[str, Observable] = {
    "first_contact_success": _ob("First contacts that succeed at once", "Premiers contacts réussis d'emblée", "share", "Share of households whose first contact attempt by the worker succeeds.", "Part des ménages dont la première tentative de contact de l'intervenant·e réussit."),
    "first_contact_engaged": _ob("First contacts that lead to engagement", "Premiers contacts menant à un lien", "share", "Share of households first contacted during the run who were engaged (a successful contact) by its end.", "Part des ménages contactés une première fois pendant la simulation avec qui un lien s'est établi (un contact réussi) avant la fin."),
    "engage_months_hard_to_reach": _ob("Months to engage: hard to reach", "Mois avant le lien : difficiles à rejoindre", "months", "Mean months from the first contact attempt to engagement, hard-to-reach households (the month of the first attempt counts as 1).", "Nombre moyen de mois entre la première tentative de contact et le lien, ménages difficiles à rejoindre (le mois de la première tentative compte pour 1)."),
    "engage_months_other": _ob("Months to engage: other households", "Mois avant le lien : autres ménages", "months", "Mean months from the first contact attempt to engagement, other households (the month of the first attempt counts as 1).", "Nombre moyen de mois entre la première tentative de contact et le lien, autres ménages (le mois de la première tentative compte pour 1)."),
    "engage_time_ratio": _ob("Time to engage, hard to reach against others", "Délai avant le lien, difficiles à rejoindre sur autres", "ratio", "Mean months to engage of hard-to-reach households over that of the others.", "Délai moyen avant le lien des ménages difficiles à rejoindre, divisé par celui des autres ménages."),
    "stay_elapsed_mean": _ob("Time lived in the dwelling: mean (families)", "Durée de résidence : moyenne (familles)", "years", "Mean years since moving in of the family households present at the end (a survey's cross-section).", "Nombre moyen d'années depuis l'emménagement des ménages familiaux présents à la fin (coupe transversale, comme une enquête)."),
    "stay_elapsed_median": _ob("Time lived in the dwelling: median (families)", "Durée de résidence : médiane (familles)", "years", "Median years since moving in of the family households present at the end.", "Médiane des années depuis l'emménagement des ménages familiaux présents à la fin."),
    "move_out_annual": _ob("Households moving out each year", "Ménages qui déménagent chaque année", "share / year", "Moves out per household per year, over the run.", "Déménagements par ménage et par année, sur toute la simulation."),
    "stay_completed_mean": _ob("Length of completed stays: mean", "Durée des séjours terminés : moyenne", "years", "Mean years lived in the unit by the households that moved out during the run (completed stays, every household type).", "Nombre moyen d'années vécues dans le logement par les ménages qui ont déménagé pendant la simulation (séjours terminés, tous les types de ménages)."),
    "participation_year_share": _ob("Households taking part in a year", "Ménages qui participent dans l'année", "share", "Share of households present at the end who took part in an activity at least once in the final year.", "Part des ménages présents à la fin qui ont participé au moins une fois à une activité au cours de la dernière année."),
    "participation_month_share": _ob("Households taking part in a month", "Ménages qui participent dans le mois", "share", "Mean monthly share of households taking part in an activity, final year.", "Part mensuelle moyenne des ménages qui participent à une activité, dernière année."),
    "participant_dropout": _ob("Participants who stop within a year", "Participant·e·s qui cessent dans l'année", "share", "Share of one year's participants, still living there, who do not take part at all the next year (final two years).", "Part des participant·e·s d'une année, toujours sur place, qui ne participent plus du tout l'année suivante (deux dernières années)."),
    "project_participants_per_100": _ob("Distinct participants of a collective project", "Participant·e·s distinct·e·s d'un projet collectif", "households per 100 households", "Distinct households taking part while a collective project runs, per project, per 100 households.", "Ménages distincts qui participent pendant un projet collectif, par projet, pour 100 ménages."),
    "interventions_per_unit_year": _ob("Worker interventions per unit", "Interventions de l'intervenant·e par logement", "interventions / unit / year", "Worker contact attempts per dwelling unit per year, final year, in milieux with a worker post.", "Tentatives de contact de l'intervenant·e par logement et par année, dernière année, dans les milieux dotés d'un poste."),
    "vacancy_share_ciusss": _ob("Post-time vacant: CIUSSS posts", "Temps de poste vacant : postes du CIUSSS", "share", "Share of post-months vacant, CIUSSS-employed workers and organisers, over the run.", "Part des mois-postes vacants, intervenant·e·s et organisateur·trice·s employé·e·s par le CIUSSS, sur toute la simulation."),
    "vacancy_share_community": _ob("Post-time vacant: community posts", "Temps de poste vacant : postes communautaires", "share", "Share of post-months vacant, workers employed by a community organisation, over the run.", "Part des mois-postes vacants, intervenant·e·s employé·e·s par un organisme communautaire, sur toute la simulation."),
    "vacancy_share_omh": _ob("Post-time vacant: OMH posts", "Temps de poste vacant : postes de l'OMH", "share", "Share of post-months vacant, OMH-employed workers and organisers, over the run.", "Part des mois-postes vacants, intervenant·e·s et organisateur·trice·s employé·e·s par l'OMH, sur toute la simulation."),
    "turnover_workers": _ob("Turnover: milieu workers", "Roulement : intervenant·e·s de milieu", "departures / post / year", "Departures of milieu workers per filled post per year, over the run.", "Départs d'intervenant·e·s de milieu par poste pourvu et par année, sur toute la simulation."),
    "turnover_organisers": _ob("Turnover: community organisers", "Roulement : organisateur·trice·s communautaires", "departures / post / year", "Departures of community organisers per filled post per year, over the run.", "Départs d'organisateur·trice·s communautaires par poste pourvu et par année, sur toute la simulation."),
    "turnover_representatives": _ob("Turnover: partners' representatives", "Roulement : personnes représentant les partenaires", "departures / member / year", "Departures of partners' representatives per network member per year, over the run.", "Départs des personnes qui représentent les partenaires, par membre de la concertation et par année, sur toute la simulation."),
    "referral_completion_worker": _ob("Referrals completed: by the worker (warm)", "Références abouties : par l'intervenant·e (accompagnées)", "share", "Share of the worker's referrals that reach a first service, over the run.", "Part des références de l'intervenant·e qui mènent à un premier service, sur toute la simulation."),
    "referral_completion_partner": _ob("Referrals completed: between partners", "Références abouties : entre partenaires", "share", "Share of partners' onward referrals that reach a first service, over the run.", "Part des références entre partenaires qui mènent à un premier service, sur toute la simulation."),
    "referral_completion_self": _ob("Requests completed: residents on their own", "Demandes abouties : résident·e·s par eux-mêmes", "share", "Share of residents' own requests to a service that reach a first service, over the run.", "Part des demandes faites par les résident·e·s eux-mêmes qui mènent à un premier service, sur toute la simulation."),
    "referral_warm_self_ratio": _ob("Completion, warm referrals against residents' own requests", "Aboutissement, références accompagnées sur demandes autonomes", "ratio", "Completion of the worker's referrals over completion of residents' own requests.", "Aboutissement des références de l'intervenant·e divisé par celui des demandes autonomes."),
    "given_up_share_worker": _ob("Requests given up while waiting: the worker's referrals", "Demandes abandonnées en attente : références de l'intervenant·e", "share", "Share of the worker's referrals leaving a queue that were given up rather than served, over the run.", "Part des références de l'intervenant·e sorties d'une file d'attente qui ont été abandonnées plutôt que servies, sur toute la simulation."),
    "given_up_share_partner": _ob("Requests given up while waiting: partners' referrals", "Demandes abandonnées en attente : références entre partenaires", "share", "Share of partners' onward referrals leaving a queue that were given up rather than served, over the run.", "Part des références entre partenaires sorties d'une file d'attente qui ont été abandonnées plutôt que servies, sur toute la simulation."),
    "given_up_share_self": _ob("Requests given up while waiting: residents on their own", "Demandes abandonnées en attente : résident·e·s par eux-mêmes", "share", "Share of residents' own requests leaving a queue that were given up rather than served, over the run.", "Part des demandes autonomes sorties d'une file d'attente qui ont été abandonnées plutôt que servies, sur toute la simulation."),
    "wait_days_ciusss": _ob("Wait for CIUSSS services", "Attente pour les services du CIUSSS", "days", "Mean wait in days before a first CIUSSS service, final year.", "Attente moyenne en jours avant un premier service du CIUSSS, dernière année."),
    "wait_days_services": _ob("Wait for a service", "Attente pour un service", "days", "Mean wait in days before a first service, every partner, final year.", "Attente moyenne en jours avant un premier service, tous les partenaires, dernière année."),
    "requests_given_up_share": _ob("Requests given up while waiting", "Demandes abandonnées en attente", "share", "Share of requests leaving a queue that were given up (dropped) rather than served, final year.", "Part des demandes sorties d'une file d'attente qui ont été abandonnées plutôt que servies, dernière année."),
    "isolation_share": _ob("Isolated households", "Ménages isolés", "share", "Mean share of isolated households, final year.", "Part moyenne des ménages isolés, dernière année."),
    "service_use_share": _ob("Households using a service in a year", "Ménages ayant recours à un service dans l'année", "share", "Mean share of households served at least once in the last 12 months, final year.", "Part moyenne des ménages servis au moins une fois au cours des 12 derniers mois, dernière année."),
    "association_active_share": _ob("Milieux with an active tenants' association", "Milieux dotés d'une association de locataires active", "share", "Share of milieux whose association activity is at least 0.5 at the end.", "Part des milieux dont l'activité de l'association est d'au moins 0,5 à la fin."),
}

#: The association activity index from which a milieu counts as having an active association.
ACTIVE_ASSOCIATION = 0.5


def observable_label(name: str, lang: str = "en") -> str:
    o = OBSERVABLES[name]
    return pick((o.en, o.fr), lang)


def observable_about(name: str, lang: str = "en") -> str:
    o = OBSERVABLES[name]
    return pick((o.about_en, o.about_fr), lang)


# --- monthly observation record ----------------------------------------------------------------


#: The keys of a month's observation record, in order: the tallies copied, the tallies by
#: partner kind ((M, P) each), then the posts.
TRACK_COPIED = (*OBS_TALLIES, *MODEL_TALLIES)
TRACK_POSTS = (
    *(f"{kind}_{e}" for e in POST_EMPLOYERS for kind in ("posts", "vacant")),
    "worker_filled",
    "worker_post",
    "oc_filled",
    "members",
    "units",
)
TRACK_KEYS = (*TRACK_COPIED, *OBS_TALLIES_BY_PARTNER, *TRACK_POSTS)
#: Row of each key of the block of a month's observation record (the tallies by partner kind
#: come apart, with their own shape).
_TRACK_ROWS = {k: i for i, k in enumerate((*TRACK_COPIED, *TRACK_POSTS))}
#: Column of each post employer's community organisers in ``ms.oc_filled`` (-1: none).
_OC_COLUMN = tuple({"ciusss": 0, "omh": 1}.get(e, -1) for e in POST_EMPLOYERS)
_N_POSTS_ROWS = 2 * len(POST_EMPLOYERS)


def track(model: HLMModel) -> Record:
    """This month's observation record: the observation tallies, and the posts (filled or vacant)
    of each employer, per milieu (float64 arrays, keys :data:`TRACK_KEYS`). Reads state only."""
    ms, mp, tl = model.ms, model.mp, model.tally
    block = np.empty((len(TRACK_COPIED) + len(TRACK_POSTS), ms.n))
    _track_kernel(
        tl.rows,
        tl.rows_of(TRACK_COPIED),
        mp.worker_fte,
        mp.employer_code,
        mp.oc_ciusss_present,
        mp.oc_omh_present,
        ms.worker_filled,
        ms.oc_filled,
        ms.member,
        ms.n_households,
        block,
    )
    by_partner = {k: tl[k].copy() for k in OBS_TALLIES_BY_PARTNER}
    return Record(block, _TRACK_ROWS, by_partner, TRACK_KEYS)


@kernel
def _track_kernel(
    tally_rows: np.ndarray,
    copied: np.ndarray,
    worker_fte: np.ndarray,
    employer_code: np.ndarray,
    oc_ciusss_present: np.ndarray,
    oc_omh_present: np.ndarray,
    worker_filled: np.ndarray,
    oc_filled: np.ndarray,
    member: np.ndarray,
    n_households: np.ndarray,
    out: np.ndarray,
) -> None:
    """Fill ``out``: the tallies' rows ``copied``, then per milieu the posts and vacancies of
    each employer (its workers' post, and its organisers'), filled posts, members, units."""
    n = copied.shape[0]
    for r in range(n):
        out[r, :] = tally_rows[copied[r], :]
    for m in range(out.shape[1]):
        worker_post = worker_fte[m] > 0
        oc_post = (bool(oc_ciusss_present[m]), bool(oc_omh_present[m]))
        for j in range(len(_OC_COLUMN)):
            # the worker's post, its employer code j + 1 (EMPLOYERS: none, ciusss, community, omh)
            own = worker_post and employer_code[m] == j + 1
            posts = 1.0 if own else 0.0
            vacant = 1.0 if own and not worker_filled[m] else 0.0
            c = _OC_COLUMN[j]
            if c >= 0:  # and the employer's community organiser
                posts += 1.0 if oc_post[c] else 0.0
                vacant += 1.0 if oc_post[c] and not oc_filled[m, c] else 0.0
            out[n + 2 * j, m] = posts
            out[n + 2 * j + 1, m] = vacant
        filled = 0
        for c in range(2):
            if oc_post[c] and oc_filled[m, c]:
                filled += 1
        members = 0
        for p in range(member.shape[1]):
            members += 1 if member[m, p] else 0
        out[n + _N_POSTS_ROWS, m] = 1.0 if worker_post and worker_filled[m] else 0.0
        out[n + _N_POSTS_ROWS + 1, m] = 1.0 if worker_post else 0.0
        out[n + _N_POSTS_ROWS + 2, m] = filled
        out[n + _N_POSTS_ROWS + 3, m] = members
        out[n + _N_POSTS_ROWS + 4, m] = n_households[m]


# --- the observables of a run ------------------------------------------------------------------


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def observe(model: HLMModel, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """Every observable (or ``names``) of a run, one value per replicate: ``{name: (R,)}``."""
    R = model.replicates
    rep = model.layout.replicate
    obs, recs = model.obs_records, model.records
    obs_stack, rec_stack = stacker(obs), stacker(recs)
    T = len(obs)
    final = slice(max(T - 12, 0), T)
    hh = model.hh

    def by_rep(values: np.ndarray) -> np.ndarray:
        """Sum per-milieu values (last axis: milieux) by replicate."""
        return np.bincount(rep, weights=np.asarray(values, dtype=float), minlength=R)

    def run_sum(key: str, window: slice = slice(None)) -> np.ndarray:
        if not obs:
            return np.zeros(R)
        return by_rep(obs_stack(key)[window].sum(axis=0))

    def hh_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(rep[hh.milieu], weights=np.asarray(values, dtype=float), minlength=R)

    out: dict[str, np.ndarray] = {}
    rules: dict[str, Callable[[], np.ndarray]] = {}

    # outreach: first contacts and engagement
    rules["first_contact_success"] = lambda: _div(
        run_sum("engaged_at_first"), run_sum("first_attempts")
    )
    rules["first_contact_engaged"] = lambda: _div(
        run_sum("first_engaged"), run_sum("first_attempts")
    )
    rules["engage_months_hard_to_reach"] = lambda: _div(
        run_sum("engage_months_hard"), run_sum("engage_n_hard")
    )
    rules["engage_months_other"] = lambda: _div(
        run_sum("engage_months_other"), run_sum("engage_n_other")
    )
    rules["engage_time_ratio"] = lambda: _div(
        _div(run_sum("engage_months_hard"), run_sum("engage_n_hard")),
        _div(run_sum("engage_months_other"), run_sum("engage_n_other")),
    )

    # demography: time lived in the dwelling (families present at the end), moves out
    def elapsed(stat: str) -> np.ndarray:
        years = (T - hh.arrived) / 12.0
        fam = hh.htype == 0
        res = np.full(R, np.nan)
        for r in range(R):
            sel = fam & (rep[hh.milieu] == r)
            if sel.any():
                res[r] = years[sel].mean() if stat == "mean" else np.median(years[sel])
        return res

    rules["stay_elapsed_mean"] = lambda: elapsed("mean")
    rules["stay_elapsed_median"] = lambda: elapsed("median")
    rules["move_out_annual"] = lambda: _div(
        run_sum("move_outs") * 12, run_sum("units")
    )
    rules["stay_completed_mean"] = lambda: _div(
        run_sum("stay_months_out") / 12.0, run_sum("move_outs")
    )

    # participation
    rules["participation_year_share"] = lambda: _div(
        hh_sum((hh.last_part >= T - 12) & (hh.last_part > NEVER)), hh_sum(np.ones(hh.n))
    )
    rules["participation_month_share"] = lambda: _div(
        run_sum("participants", final), run_sum("units", final)
    )
    rules["participant_dropout"] = lambda: 1 - _div(
        run_sum("year_returning", final), run_sum("year_prev_present", final)
    )
    rules["project_participants_per_100"] = lambda: 100 * _div(
        _div(run_sum("project_participants"), run_sum("projects_started")),
        by_rep(model.ms.n_households),
    )

    # the worker's workload (milieux with a worker post)
    def interventions() -> np.ndarray:
        if T == 0:
            return np.full(R, np.nan)
        post = obs_stack("worker_post")[final]
        contacts = (obs_stack("contacts")[final] * post).sum(axis=0)
        units = (obs_stack("units")[final] * post).sum(axis=0)
        return _div(by_rep(contacts) * 12, by_rep(units))

    rules["interventions_per_unit_year"] = interventions

    # staffing
    for e in POST_EMPLOYERS:
        rules[f"vacancy_share_{e}"] = lambda e=e: _div(run_sum(f"vacant_{e}"), run_sum(f"posts_{e}"))
    rules["turnover_workers"] = lambda: _div(
        run_sum("worker_departures") * 12, run_sum("worker_filled")
    )
    rules["turnover_organisers"] = lambda: _div(
        run_sum("oc_departures") * 12, run_sum("oc_filled")
    )
    rules["turnover_representatives"] = lambda: _div(
        run_sum("rep_departures") * 12, run_sum("members")
    )

    # referrals and services
    for o in ORIGINS:
        rules[f"referral_completion_{o}"] = lambda o=o: _div(
            run_sum(f"served_{o}"), run_sum(f"referrals_{o}")
        )
    for o in ORIGINS:
        rules[f"given_up_share_{o}"] = lambda o=o: _div(
            run_sum(f"given_up_{o}"), run_sum(f"given_up_{o}") + run_sum(f"served_{o}")
        )
    rules["referral_warm_self_ratio"] = lambda: _div(
        _div(run_sum("served_worker"), run_sum("referrals_worker")),
        _div(run_sum("served_self"), run_sum("referrals_self")),
    )

    def waits(kind: int | None) -> np.ndarray:
        if T == 0:
            return np.full(R, np.nan)
        w = obs_stack("service_wait_months")[final].sum(axis=0)  # (M, P)
        n = obs_stack("service_first")[final].sum(axis=0)
        if kind is not None:
            w, n = w[:, kind], n[:, kind]
        else:
            w, n = w.sum(axis=1), n.sum(axis=1)
        return _div(by_rep(w) + 0.5 * by_rep(n), by_rep(n)) * DAYS_PER_MONTH

    rules["wait_days_ciusss"] = lambda: waits(CIUSSS_KIND)
    rules["wait_days_services"] = lambda: waits(None)

    def given_up() -> np.ndarray:
        if T == 0:
            return np.full(R, np.nan)
        g = by_rep(obs_stack("service_given_up")[final].sum(axis=(0, 2)))
        s = by_rep(obs_stack("service_first")[final].sum(axis=(0, 2)))
        return _div(g, g + s)

    rules["requests_given_up_share"] = given_up

    # residents' outcomes and the association
    def household_mean(key: str) -> np.ndarray:
        if T == 0:
            return np.full(R, np.nan)
        units = obs_stack("units")[final]
        return _div(by_rep((rec_stack(key)[final] * units).sum(axis=0)), by_rep(units.sum(axis=0)))

    rules["isolation_share"] = lambda: household_mean("isolation")
    rules["service_use_share"] = lambda: household_mean("service_use")
    rules["association_active_share"] = lambda: _div(
        by_rep(model.ms.association >= ACTIVE_ASSOCIATION), by_rep(np.ones(model.ms.n))
    )

    missing = sorted(set(OBSERVABLES) - set(rules)) + sorted(set(rules) - set(OBSERVABLES))
    if missing:  # pragma: no cover - a declaration without a rule, or the reverse
        raise RuntimeError(f"observables without both a declaration and a rule: {missing}")
    for name in names if names is not None else OBSERVABLES:
        out[name] = np.asarray(rules[name](), dtype=float)
    return out


def observe_mapping(model: HLMModel) -> Mapping[str, float]:
    """Every observable of a one-replicate run, as floats."""
    return {k: float(v[0]) for k, v in observe(model).items()}
