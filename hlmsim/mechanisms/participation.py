"""Participation: partners bring activities (fewer after funding cuts or while the room is
disputed, better attended when actions fit residents' needs after a consultation); collective
projects draw in the less engaged; engagement decays with a half-life and is renewed by
consultations; the tenants' association grows with support and engagement; mutual-aid networks
form among engaged residents, spreading from neighbour to neighbour, and meet everyday needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..constants import PER_100_FLOOR
from ..params import CONTROVERSY_THEMES, half_life_factor
from ..state import NEED
from ._util import gap_gain, per_milieu, scheduled, sigmoid
from .needs import close
from .outreach import knowledge_dose

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
SHARED_SPACES = CONTROVERSY_THEMES.index("shared_spaces")


def activities(model: HLMModel) -> tuple[np.ndarray, np.ndarray]:
    """Activities held in each milieu this month: (all, funded by partners and projects).

    The tenants' association holds its own (unfunded) activities in proportion to its activity.
    """
    mp, ms = model.mp, model.ms
    # partners invest in the milieu as they come to trust the network
    floor = mp.activity_trust_floor[:, None]
    partners = (ms.member * ms.funding * (floor + (1 - floor) * ms.trust)).sum(axis=1)
    partners *= mp.activities_per_partner_month
    fit = mp.activity_alignment_floor + (1 - mp.activity_alignment_floor) * ms.alignment
    partners *= (1 - mp.controversy_activity_loss * ms.controversy[:, SHARED_SPACES]) * fit
    funded = partners + mp.project_activities_per_month * (ms.project_left > 0)
    return funded + mp.association_activities_per_month * ms.association, funded


def observe_participation(model: HLMModel, part: np.ndarray, project: np.ndarray) -> None:
    """Observation: each household's last participation; year-to-year returns (at the end of
    each year of the run, this year's participants and how many of last year's, still living
    there, came back); distinct participants of each collective project (``hlmsim.observables``).
    """
    hh, ms, t = model.hh, model.ms, model.t
    m = hh.milieu
    hh.last_part = np.where(part, t, hh.last_part)
    hh.part_year |= part
    new = part & project & (hh.last_project != ms.project_serial[m])
    hh.last_project = np.where(new, ms.project_serial[m], hh.last_project)
    model.tally["project_participants"] += per_milieu(m, new, ms.n)
    if (t + 1) % 12 == 0:  # the end of a year of the run (no previous year at the first one)
        model.tally["year_prev_present"] += per_milieu(m, hh.part_prev, ms.n)
        model.tally["year_returning"] += per_milieu(m, hh.part_prev & hh.part_year, ms.n)
        hh.part_prev = hh.part_year.copy()
        hh.part_year[:] = False


def step(model: HLMModel) -> None:
    """Projects, consultations, activities, the tenants' association and mutual aid."""
    hh, mp, ms = model.hh, model.mp, model.ms
    rng = model.rs["participation"]
    N, K = hh.need_open.shape
    u_part, u_cons, u_mut = rng.random(N), rng.random(N), rng.random(N)
    u_soc = rng.random(N)
    u_proj = rng.random(ms.n)
    m = hh.milieu

    # collective projects start (random or scheduled) and run their course
    ms.project_left = np.maximum(ms.project_left - 1, 0)
    start = (u_proj < 1 - np.exp(-mp.collective_projects_per_year / 12)) | model.events_now[
        "collective_project"
    ]
    ms.project_left = np.where(
        start, np.maximum(ms.project_left, mp.collective_project_months), ms.project_left
    )
    model.tally["projects_started"] += start
    ms.project_serial += start

    # engagement, ties and alignment fade
    hh.engagement *= half_life_factor(mp.engagement_half_life_months)[m]
    # ties gained in the milieu fade toward the household's ties outside it (family, friends)
    hh.ties = (
        hh.ties_base + (hh.ties - hh.ties_base) * half_life_factor(mp.ties_half_life_months)[m]
    )
    ms.alignment *= half_life_factor(mp.alignment_half_life_months)

    # consultations renew engagement and the fit of actions to needs
    consult = scheduled(model.t, mp.consultations_per_year) | model.events_now["consultation"]
    if consult.any():
        # the OMH OC links the institution and residents
        liaison = mp.consultation_liaison_effect * ms.oc_filled[:, 1]
        p = sigmoid(
            mp.consultation_base_logodds[m]
            + mp.consultation_engagement_effect[m] * hh.engagement
            + mp.consultation_trust_effect[m] * hh.trust_worker
            + mp.consultation_ties_effect[m] * hh.ties
            + liaison[m]
        )
        took_part = consult[m] & (u_cons < p)
        hh.engagement = gap_gain(hh.engagement, mp.consultation_engagement_gain[m], took_part)
        ms.alignment = np.where(
            consult, gap_gain(ms.alignment, mp.consultation_alignment_gain), ms.alignment
        )
        model.tally["consultations"] += consult
        model.tally["consulted"] += per_milieu(m, took_part, ms.n)

    # activities
    acts, funded = activities(model)
    model.tally["activities"] += acts
    model.tally["funded_activities"] += funded
    per100 = acts / np.maximum(ms.n_households / 100, PER_100_FLOOR)
    project = (ms.project_left > 0)[m]
    logit = (
        mp.participation_base_logodds[m]
        + mp.participation_engagement_effect[m] * hh.engagement
        + mp.participation_activity_effect[m] * np.log1p(per100[m])
        + mp.project_participation_effect[m] * (1 - hh.engagement) * project
        + mp.worker_invitation_effect[m]
        * ((model.t - hh.last_contact) < mp.invitation_window_months[m])
        + mp.participation_ties_effect[m] * hh.ties
        + mp.participation_hard_to_reach_effect[m] * hh.hard_to_reach
        + hh.propensity
    )
    part = (acts[m] > 0) & (u_part < sigmoid(logit))
    hh.engagement = gap_gain(hh.engagement, mp.engagement_gain_participation[m], part)
    hh.ties = gap_gain(hh.ties, mp.ties_gain_participation[m], part)
    who = np.flatnonzero(part)
    hh.knowledge[who] = knowledge_dose(hh.knowledge[who], mp.knowledge_dose_activity[m[who]])
    model.tally["participants"] += per_milieu(m, part, ms.n)
    observe_participation(model, part, project)
    soc = NEED["socialising"]
    met = (
        part
        & hh.need_open[:, soc]
        & (hh.need_queue[:, soc] < 0)
        & (u_soc < mp.activity_socialising_help[m])
    )
    close(model, np.flatnonzero(met), np.full(met.sum(), soc), True, "activities")

    # the tenants' association and mutual aid
    mean_eng = per_milieu(m, hh.engagement, ms.n) / np.maximum(ms.n_households, 1)
    ms.association *= half_life_factor(mp.association_half_life_months)
    ms.association = gap_gain(
        ms.association, mp.association_gain * np.clip(mp.association_support + mean_eng, 0, 1)
    )
    # mutual aid spreads from neighbour to neighbour: joining is likelier where more households
    # already help each other (social contagion), so networks take years to reach critical mass
    share_ma = per_milieu(m, hh.mutual_aid, ms.n) / np.maximum(ms.n_households, 1)
    contagion = 1 + mp.mutual_aid_contagion * share_ma
    joins = ~hh.mutual_aid & (
        u_mut < mp.mutual_aid_formation[m] * ms.association[m] * hh.engagement * contagion[m]
    )
    leaves = (
        hh.mutual_aid
        & (hh.engagement < mp.mutual_aid_exit_engagement[m])
        & (u_mut < mp.mutual_aid_exit_monthly[m])
    )
    hh.mutual_aid = (hh.mutual_aid | joins) & ~leaves
    hh.ties = gap_gain(hh.ties, mp.ties_gain_mutual_aid[m], hh.mutual_aid)
    free = hh.need_open[:, EVERYDAY] & (hh.need_queue[:, EVERYDAY] < 0)
    r, c = np.nonzero(free & hh.mutual_aid[:, None])
    # numbers of the members' open needs alone (common random numbers by household, need, month)
    u_help = model.rs.at("participation", model.t)(r * K + np.asarray(EVERYDAY)[c])
    keep = u_help < mp.mutual_aid_help[m[r]]
    r, c = r[keep], c[keep]
    close(model, r, np.asarray(EVERYDAY)[c], True, "mutual_aid")
