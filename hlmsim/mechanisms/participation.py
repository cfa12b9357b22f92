"""Participation: partners bring activities (fewer after funding cuts or while the room is
disputed, better attended when actions fit residents' needs after a consultation); collective
projects draw in the less engaged; engagement decays with a half-life and is renewed by
consultations; the tenants' association grows with support and engagement; mutual-aid networks
form among engaged residents, spreading from neighbour to neighbour, and meet everyday needs.

:func:`step` draws the month's numbers and hands the work to one compiled kernel
(:func:`_step_kernel`), phase after phase in the order above; the needs met by activities and by
mutual aid are closed at its end (:func:`needs.close_met_with`), activities' first."""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import DOSE_FLOOR, PER_100_FLOOR
from ..params import CONTROVERSY_THEMES, half_life_factor
from ..state import NEED
from . import _threads
from ._jit import kernel, scheduled, sigmoid, uniform
from ._reduce import pairwise_sum
from .needs import close_met_with, met_closing

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes needs met by activities and mutual aid.)
READS: frozenset[str] = frozenset(
    {
        "hh.hard_to_reach",
        "hh.last_contact",
        "hh.milieu",
        "hh.need_age",
        "hh.need_priority",
        "hh.need_queue",
        "hh.need_wait",
        "hh.propensity",
        "hh.ties_base",
        "hh.trust_worker",
        "model.events_now",
        "model.t",
        "ms.controversy",
        "ms.funding",
        "ms.member",
        "ms.n_households",
        "ms.oc_filled",
        "ms.rows",
        "ms.trust",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.agency",
        "hh.engagement",
        "hh.knowledge",
        "hh.last_part",
        "hh.last_project",
        "hh.mutual_aid",
        "hh.need_open",
        "hh.part_prev",
        "hh.part_year",
        "hh.ties",
        "ms.alignment",
        "ms.association",
        "ms.project_left",
        "ms.project_serial",
        "tally.activities",
        "tally.consultations",
        "tally.consulted",
        "tally.funded_activities",
        "tally.met_by_activities",
        "tally.met_by_mutual_aid",
        "tally.needs_met",
        "tally.needs_met_by_category",
        "tally.participants",
        "tally.project_participants",
        "tally.year_prev_present",
        "tally.year_returning",
        "tally.projects_started",
        "tally.time_to_meet_sum",
    }
)

EVERYDAY = [
    NEED["socialising"],
    NEED["local_resources"],
    NEED["admin_procedures"],
    NEED["parenting"],
]
SOCIALISING = NEED["socialising"]
SHARED_SPACES = CONTROVERSY_THEMES.index("shared_spaces")
_EVERYDAY = np.asarray(EVERYDAY, dtype=np.int64)


def observe_participation(model: HLMModel, part: np.ndarray, project: np.ndarray) -> None:
    """Observation: each household's last participation; year-to-year returns (at the end of
    each year of the run, this year's participants and how many of last year's, still living
    there, came back); distinct participants of each collective project (``hlmsim.observables``).
    """
    hh, ms, t = model.hh, model.ms, model.t
    _observe(
        int(t),
        (t + 1) % 12 == 0,
        hh.milieu,
        part,
        project,
        ms.project_serial,
        hh.last_part,
        hh.part_year,
        hh.part_prev,
        hh.last_project,
        model.tally["project_participants"],
        model.tally["year_prev_present"],
        model.tally["year_returning"],
        0,
        hh.n,
    )


#: Uses of the counter-based numbers (``CounterDraws`` slots), each addressed by household (or
#: milieu, or need): mutual aid meeting a need, a collective project starting, taking part in
#: an activity, answering a consultation, joining or leaving mutual aid, an activity meeting a
#: socialising need.
class Draw(IntEnum):
    HELP = 0
    PROJECT = auto()
    PART = auto()
    CONSULT = auto()
    MUTUAL = auto()
    SOCIAL = auto()


def step(model: HLMModel) -> None:
    """Projects, consultations, activities, the tenants' association and mutual aid."""
    hh, mp, ms, tally, t = model.hh, model.mp, model.ms, model.tally, model.t
    # numbers addressed by household, milieu or need, drawn where used (common random numbers by
    # household, need and month)
    draw = model.rs.bases("participation", t)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads; deferred within a
    # block of phases run together); the needs met by activities and mutual aid are closed
    # within the slice
    _threads.defer(
        _step_kernel,
        model.slices,
        # the month and its numbers
        int(t),
        (t + 1) % 12 == 0,  # the end of a year of the run
        draw[Draw.PART],
        draw[Draw.CONSULT],
        draw[Draw.MUTUAL],
        draw[Draw.SOCIAL],
        draw[Draw.PROJECT],
        draw[Draw.HELP],
        model.events_now["collective_project"],
        model.events_now["consultation"],
        # households
        hh.milieu,
        hh.engagement,
        hh.ties,
        hh.ties_base,
        hh.trust_worker,
        hh.last_contact,
        hh.hard_to_reach,
        hh.propensity,
        hh.knowledge,
        hh.mutual_aid,
        hh.need_open,
        hh.need_queue,
        hh.last_part,
        hh.part_year,
        hh.part_prev,
        hh.last_project,
        # milieux
        ms.n_households,
        ms.project_left,
        ms.project_serial,
        ms.alignment,
        ms.association,
        ms.oc_filled,
        ms.member,
        ms.funding,
        ms.trust,
        ms.controversy,
        # this month's counts
        tally["projects_started"],
        tally["consultations"],
        tally["consulted"],
        tally["activities"],
        tally["funded_activities"],
        tally["participants"],
        tally["project_participants"],
        tally["year_prev_present"],
        tally["year_returning"],
        # parameters: projects, fading, consultations
        mp.collective_projects_per_year,
        mp.collective_project_months,
        half_life_factor(mp.engagement_half_life_months),
        half_life_factor(mp.ties_half_life_months),
        half_life_factor(mp.alignment_half_life_months),
        mp.consultations_per_year,
        mp.consultation_liaison_effect,
        mp.consultation_base_logodds,
        mp.consultation_engagement_effect,
        mp.consultation_trust_effect,
        mp.consultation_ties_effect,
        mp.consultation_engagement_gain,
        mp.consultation_alignment_gain,
        # activities and taking part
        mp.activity_trust_floor,
        mp.activities_per_partner_month,
        mp.activity_alignment_floor,
        mp.controversy_activity_loss,
        mp.project_activities_per_month,
        mp.association_activities_per_month,
        mp.participation_base_logodds,
        mp.participation_engagement_effect,
        mp.participation_activity_effect,
        mp.project_participation_effect,
        mp.worker_invitation_effect,
        mp.invitation_window_months,
        mp.participation_ties_effect,
        mp.participation_hard_to_reach_effect,
        mp.engagement_gain_participation,
        mp.ties_gain_participation,
        mp.knowledge_dose_activity,
        mp.activity_socialising_help,
        # the association and mutual aid
        half_life_factor(mp.association_half_life_months),
        mp.association_gain,
        mp.association_support,
        mp.mutual_aid_contagion,
        mp.mutual_aid_formation,
        mp.mutual_aid_exit_engagement,
        mp.mutual_aid_exit_monthly,
        mp.ties_gain_mutual_aid,
        mp.mutual_aid_help,
        _EVERYDAY,
        met_closing(model, "activities"),
        met_closing(model, "mutual_aid"),
        ms.rows,
    )


# --- the compiled kernel and its helpers ------------------------------------------------------


@kernel
def _gap_gain(x: float, rate: float) -> float:
    """Gain a fraction of the remaining gap: x + rate (1 - x) (as ``_util.gap_gain``)."""
    return x + rate * (1.0 - x)


@kernel
def _knowledge_dose(beta: float, dose: float) -> float:
    """CommunityRx information dose: beta <- beta^(d (1 - beta) + beta) (as
    ``outreach.knowledge_dose``)."""
    b = min(max(beta, DOSE_FLOOR), 1.0)
    return b ** (dose * (1 - b) + b)


@kernel
def _observe(
    t: int,
    year_end: bool,
    milieu: np.ndarray,
    part: np.ndarray,
    project: np.ndarray,
    project_serial: np.ndarray,
    last_part: np.ndarray,
    part_year: np.ndarray,
    part_prev: np.ndarray,
    last_project: np.ndarray,
    project_participants: np.ndarray,
    year_prev_present: np.ndarray,
    year_returning: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """Observation of rows ``lo:hi``, in place (see :func:`observe_participation`)."""
    for i in range(hi):  # from 0: see _jit, slices
        if i < lo:
            continue
        m = milieu[i]
        if part[i]:
            last_part[i] = t
            part_year[i] = True
            # a participant of this project not yet counted
            if project[i] and last_project[i] != project_serial[m]:
                last_project[i] = project_serial[m]
                project_participants[m] += 1.0
        if year_end:  # the end of a year of the run (no previous year at the first one)
            if part_prev[i]:
                year_prev_present[m] += 1.0
                if part_year[i]:
                    year_returning[m] += 1.0
            part_prev[i] = part_year[i]
            part_year[i] = False


@kernel
def _step_kernel(
    t: int,
    year_end: bool,
    base_part: np.uint64,
    base_consult: np.uint64,
    base_mutual: np.uint64,
    base_social: np.uint64,
    base_project: np.uint64,
    help_base: np.uint64,
    project_event: np.ndarray,
    consultation_event: np.ndarray,
    milieu: np.ndarray,
    engagement: np.ndarray,
    ties: np.ndarray,
    ties_base: np.ndarray,
    trust_worker: np.ndarray,
    last_contact: np.ndarray,
    hard_to_reach: np.ndarray,
    propensity: np.ndarray,
    knowledge: np.ndarray,
    mutual_aid: np.ndarray,
    need_open: np.ndarray,
    need_queue: np.ndarray,
    last_part: np.ndarray,
    part_year: np.ndarray,
    part_prev: np.ndarray,
    last_project: np.ndarray,
    n_households: np.ndarray,
    project_left: np.ndarray,
    project_serial: np.ndarray,
    alignment: np.ndarray,
    association: np.ndarray,
    oc_filled: np.ndarray,
    member: np.ndarray,
    funding: np.ndarray,
    trust: np.ndarray,
    controversy: np.ndarray,
    projects_started: np.ndarray,
    consultations: np.ndarray,
    consulted: np.ndarray,
    activities: np.ndarray,
    funded_activities: np.ndarray,
    participants: np.ndarray,
    project_participants: np.ndarray,
    year_prev_present: np.ndarray,
    year_returning: np.ndarray,
    collective_projects_per_year: np.ndarray,
    collective_project_months: np.ndarray,
    engagement_keep: np.ndarray,
    ties_keep: np.ndarray,
    alignment_keep: np.ndarray,
    consultations_per_year: np.ndarray,
    consultation_liaison_effect: np.ndarray,
    consultation_base_logodds: np.ndarray,
    consultation_engagement_effect: np.ndarray,
    consultation_trust_effect: np.ndarray,
    consultation_ties_effect: np.ndarray,
    consultation_engagement_gain: np.ndarray,
    consultation_alignment_gain: np.ndarray,
    activity_trust_floor: np.ndarray,
    activities_per_partner_month: np.ndarray,
    activity_alignment_floor: np.ndarray,
    controversy_activity_loss: np.ndarray,
    project_activities_per_month: np.ndarray,
    association_activities_per_month: np.ndarray,
    participation_base_logodds: np.ndarray,
    participation_engagement_effect: np.ndarray,
    participation_activity_effect: np.ndarray,
    project_participation_effect: np.ndarray,
    worker_invitation_effect: np.ndarray,
    invitation_window_months: np.ndarray,
    participation_ties_effect: np.ndarray,
    participation_hard_to_reach_effect: np.ndarray,
    engagement_gain_participation: np.ndarray,
    ties_gain_participation: np.ndarray,
    knowledge_dose_activity: np.ndarray,
    activity_socialising_help: np.ndarray,
    association_keep: np.ndarray,
    association_gain: np.ndarray,
    association_support: np.ndarray,
    mutual_aid_contagion: np.ndarray,
    mutual_aid_formation: np.ndarray,
    mutual_aid_exit_engagement: np.ndarray,
    mutual_aid_exit_monthly: np.ndarray,
    ties_gain_mutual_aid: np.ndarray,
    mutual_aid_help: np.ndarray,
    everyday: np.ndarray,
    activities_closing: tuple,
    mutual_aid_closing: tuple,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> None:
    """The month's participation in milieux ``m_lo:m_hi`` (their households: rows
    ``lo = rows[m_lo]`` to ``rows[m_hi]``), in place on the state and counts (``*_keep``: the
    monthly retention factors of the half-lives, by milieu). The socialising needs activities
    meet, then the everyday needs mutual aid meets, are closed at the end (``*_closing``:
    :func:`needs.met_closing`)."""
    N, M = len(milieu), len(n_households)
    K, P = need_open.shape[1], member.shape[1]
    lo, hi = rows[m_lo], rows[m_hi]
    # the needs met: socialising needs by activities (rows), everyday needs by mutual aid (rows,
    # categories)
    met_rows = np.empty(hi - lo, np.int64)
    aid_rows = np.empty((hi - lo) * len(everyday), np.int64)
    aid_cols = np.empty((hi - lo) * len(everyday), np.int64)

    # collective projects start (random or scheduled) and run their course; alignment fades;
    # consultations renew the fit of actions to needs
    consult = np.zeros(M, dtype=np.bool_)
    liaison = np.zeros(M)
    for m in range(m_lo, m_hi):
        project_left[m] = max(project_left[m] - 1, 0.0)
        if (
            uniform(base_project, m) < 1 - math.exp(-collective_projects_per_year[m] / 12)
            or project_event[m]
        ):
            project_left[m] = max(project_left[m], collective_project_months[m])
            projects_started[m] += 1.0
            project_serial[m] += 1
        alignment[m] *= alignment_keep[m]
        consult[m] = scheduled(t, consultations_per_year[m]) or consultation_event[m]
        if consult[m]:
            # the OMH OC links the institution and residents
            liaison[m] = consultation_liaison_effect[m] * (1.0 if oc_filled[m, 1] else 0.0)
            alignment[m] = _gap_gain(alignment[m], consultation_alignment_gain[m])
            consultations[m] += 1.0

    # activities (all, and those funded by partners and projects): partners invest in the
    # milieu as they come to trust the network, fewer while shared spaces are disputed, better
    # attended when actions fit needs; the tenants' association holds its own (unfunded)
    # activities in proportion to its activity
    acts = np.empty(M)
    log_per100 = np.empty(M)
    invest = np.empty(P)
    for m in range(m_lo, m_hi):
        floor = activity_trust_floor[m]
        for p in range(P):
            invest[p] = (
                (1.0 if member[m, p] else 0.0) * funding[m, p] * (floor + (1 - floor) * trust[m, p])
            )
        partners = pairwise_sum(invest, 0, P) * activities_per_partner_month[m]
        fit = activity_alignment_floor[m] + (1 - activity_alignment_floor[m]) * alignment[m]
        disputed = 1.0 if controversy[m, SHARED_SPACES] else 0.0
        partners *= (1 - controversy_activity_loss[m] * disputed) * fit
        projects = 1.0 if project_left[m] > 0 else 0.0
        funded = partners + project_activities_per_month[m] * projects
        acts[m] = funded + association_activities_per_month[m] * association[m]
        activities[m] += acts[m]
        funded_activities[m] += funded
        log_per100[m] = math.log1p(acts[m] / max(n_households[m] / 100, PER_100_FLOOR))

    # households: engagement and ties fade; consultations renew engagement; activities
    part = np.zeros(N, dtype=np.bool_)
    project = np.zeros(N, dtype=np.bool_)
    met = np.zeros(N, dtype=np.bool_)  # a socialising need met by an activity
    n_met = 0
    engagement_sum = np.zeros(M)
    aid_sum = np.zeros(M)
    for m in range(m_lo, m_hi):
        # the milieu's parameters and this month's activities, read once (see _jit, row loops)
        keep_engagement, keep_ties = engagement_keep[m], ties_keep[m]
        consult_m = consult[m]
        c_base, c_engagement = consultation_base_logodds[m], consultation_engagement_effect[m]
        c_trust, c_ties = consultation_trust_effect[m], consultation_ties_effect[m]
        c_liaison, c_gain = liaison[m], consultation_engagement_gain[m]
        in_project = project_left[m] > 0
        active = acts[m] > 0
        window = invitation_window_months[m]
        p_base, p_engagement = participation_base_logodds[m], participation_engagement_effect[m]
        p_activity = participation_activity_effect[m] * log_per100[m]
        p_project, p_invitation = project_participation_effect[m], worker_invitation_effect[m]
        p_ties, p_hard = participation_ties_effect[m], participation_hard_to_reach_effect[m]
        gain_engagement, gain_ties = engagement_gain_participation[m], ties_gain_participation[m]
        dose, socialising_help = knowledge_dose_activity[m], activity_socialising_help[m]
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            engagement[i] *= keep_engagement
            # ties gained in the milieu fade toward the household's ties outside it (family,
            # friends)
            ties[i] = ties_base[i] + (ties[i] - ties_base[i]) * keep_ties
            if consult_m:
                p_consult = sigmoid(
                    c_base
                    + c_engagement * engagement[i]
                    + c_trust * trust_worker[i]
                    + c_ties * ties[i]
                    + c_liaison
                )
                if uniform(base_consult, i) < p_consult:
                    engagement[i] = _gap_gain(engagement[i], c_gain)
                    consulted[m] += 1.0
            project[i] = in_project
            if active:
                invited = 1.0 if (t - last_contact[i]) < window else 0.0
                logit = (
                    p_base
                    + p_engagement * engagement[i]
                    + p_activity
                    + p_project * (1 - engagement[i]) * (1.0 if in_project else 0.0)
                    + p_invitation * invited
                    + p_ties * ties[i]
                    + p_hard * hard_to_reach[i]
                    + propensity[i]
                )
                part[i] = uniform(base_part, i) < sigmoid(logit)
            if part[i]:
                engagement[i] = _gap_gain(engagement[i], gain_engagement)
                ties[i] = _gap_gain(ties[i], gain_ties)
                knowledge[i] = _knowledge_dose(knowledge[i], dose)
                participants[m] += 1.0
                # activities meet some socialising needs (not those queued for a service)
                if (
                    need_open[i, SOCIALISING]
                    and need_queue[i, SOCIALISING] < 0
                    and uniform(base_social, i) < socialising_help
                ):
                    met[i] = True
                    met_rows[n_met] = i
                    n_met += 1
            engagement_sum[m] += engagement[i]
            aid_sum[m] += 1.0 if mutual_aid[i] else 0.0
    # observation: last participation, year-to-year returns, projects' participants
    _observe(
        t,
        year_end,
        milieu,
        part,
        project,
        project_serial,
        last_part,
        part_year,
        part_prev,
        last_project,
        project_participants,
        year_prev_present,
        year_returning,
        lo,
        hi,
    )

    # the tenants' association fades and grows with support and residents' engagement; mutual
    # aid spreads from neighbour to neighbour: joining is likelier where more households already
    # help each other (social contagion), so networks take years to reach critical mass
    contagion = np.empty(M)
    for m in range(m_lo, m_hi):
        n = max(n_households[m], 1.0)
        association[m] *= association_keep[m]
        support = min(max(association_support[m] + engagement_sum[m] / n, 0.0), 1.0)
        association[m] = _gap_gain(association[m], association_gain[m] * support)
        contagion[m] = 1 + mutual_aid_contagion[m] * (aid_sum[m] / n)

    # households join and leave mutual-aid networks; members meet each other's everyday needs
    n_aid = 0
    for m in range(m_lo, m_hi):
        exit_engagement, exit_monthly = mutual_aid_exit_engagement[m], mutual_aid_exit_monthly[m]
        formation = mutual_aid_formation[m] * association[m]
        spread, gain, help_m = contagion[m], ties_gain_mutual_aid[m], mutual_aid_help[m]
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            u = uniform(base_mutual, i)
            if mutual_aid[i]:
                if engagement[i] < exit_engagement and u < exit_monthly:
                    mutual_aid[i] = False
            elif u < formation * engagement[i] * spread:
                mutual_aid[i] = True
            if not mutual_aid[i]:
                continue
            ties[i] = _gap_gain(ties[i], gain)
            for k in everyday:
                # an open need not queued for a service (nor met by an activity just now)
                free = (
                    need_open[i, k] and need_queue[i, k] < 0 and not (k == SOCIALISING and met[i])
                )
                if free and uniform(help_base, int(i) * K + k) < help_m:
                    aid_rows[n_aid] = i
                    aid_cols[n_aid] = k
                    n_aid += 1
    close_met_with(met_rows[:n_met], np.full(n_met, SOCIALISING), activities_closing)
    close_met_with(aid_rows[:n_aid], aid_cols[:n_aid], mutual_aid_closing)
