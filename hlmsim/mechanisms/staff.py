"""Staff turnover: milieu workers, partners' representatives and community organisers leave
(annual hazards, scheduled events), positions stay vacant for a while, newcomers ramp up.
A departure costs residents' trust (only a handover share is passed on), partners' trust in the
network, and shared understanding (the problem must be "re-problematised")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..constants import LOG_GUARD, RAMPUP_FLOOR_MONTHS
from ..params import monthly_hazard

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "model.events_now",
        "ms.member",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.contacts",
        "hh.trust_worker",
        "ms.oc_filled",
        "ms.oc_vacancy_left",
        "ms.rep_tenure",
        "ms.role_clarity",
        "ms.trust",
        "ms.understanding",
        "ms.worker_filled",
        "ms.worker_knowledge",
        "ms.worker_serial",
        "ms.worker_tenure",
        "ms.worker_vacancy_left",
        "tally.departures",
        "tally.oc_departures",
        "tally.rep_departures",
        "tally.vacancy_months",
        "tally.worker_departures",
    }
)


def worker_departs(model: HLMModel, leaving: np.ndarray) -> None:
    """Consequences of the workers of milieux ``leaving`` going: trust handover, lost knowledge."""
    if not leaving.any():
        return
    ms, mp, hh = model.ms, model.mp, model.hh
    ms.worker_filled = ms.worker_filled & ~leaving
    ms.worker_knowledge = np.where(leaving, 0.0, ms.worker_knowledge)
    ms.worker_tenure = np.where(leaving, 0.0, ms.worker_tenure)
    ms.understanding = np.where(
        leaving, ms.understanding * (1 - mp.turnover_understanding_loss), ms.understanding
    )
    hit = leaving[hh.milieu]
    keep = mp.worker_handover_keep[hh.milieu]
    hh.trust_worker = np.where(hit, hh.trust_worker * keep, hh.trust_worker)
    hh.contacts = np.where(hit, np.floor(hh.contacts * keep).astype(np.int64), hh.contacts)
    model.tally["worker_departures"] += leaving
    model.tally["departures"] += leaving


def step(model: HLMModel) -> None:
    """Workers, representatives and organisers leave; vacancies count down and are filled."""
    ms, mp = model.ms, model.mp
    rng = model.rs["staff"]
    M, P = ms.member.shape
    u_w, u_vac = rng.random(M), rng.random(M)
    u_rep = rng.random((M, P))
    u_oc, u_ocv = rng.random((M, 2)), rng.random((M, 2))
    ev = model.events_now

    # 1. the milieu worker
    leaving = ms.worker_filled & (
        (u_w < monthly_hazard(mp.worker_turnover_annual)) | ev["worker_leaves"]
    )
    worker_departs(model, leaving)
    vacancy = -mp.worker_vacancy_months * np.log1p(-u_vac * (1 - LOG_GUARD))  # exponential delay
    ms.worker_vacancy_left = np.where(leaving, vacancy, ms.worker_vacancy_left)
    # positions vacant since before this month count down (a vacancy of v months lasts v months)
    # (a worker who left this month, by turnover or a lapsed grant, starts the count next month)
    just_left = model.tally["worker_departures"] > 0
    vacant = (mp.worker_fte > 0) & ~ms.worker_filled
    ms.worker_vacancy_left = np.where(
        vacant & ~just_left, ms.worker_vacancy_left - 1, ms.worker_vacancy_left
    )
    hired = vacant & (ms.worker_vacancy_left <= 0)
    ms.worker_filled = ms.worker_filled | hired
    ms.worker_serial += hired
    ms.worker_knowledge = np.where(hired, mp.worker_initial_knowledge, ms.worker_knowledge)
    ramp = 1 - np.exp(-1.0 / np.maximum(mp.worker_rampup_months, RAMPUP_FLOOR_MONTHS))
    ms.worker_knowledge = np.where(
        ms.worker_filled,
        ms.worker_knowledge + ramp * (1 - ms.worker_knowledge),
        ms.worker_knowledge,
    )
    ms.worker_tenure = np.where(ms.worker_filled, ms.worker_tenure + 1, 0.0)
    model.tally["vacancy_months"] += (mp.worker_fte > 0) & ~ms.worker_filled

    # 2. partners' representatives (members of the network)
    scheduled = np.zeros((M, P), dtype=bool)
    if ev["representative_leaves"].any():  # the longest-serving member's representative
        longest = np.argmax(np.where(ms.member, ms.rep_tenure + 1, -1), axis=1)
        scheduled[np.arange(M), longest] = ev["representative_leaves"] & ms.member.any(axis=1)
    rep_leaves = ms.member & (
        (u_rep < monthly_hazard(mp.representative_turnover_annual)[:, None]) | scheduled
    )
    keep = mp.representative_handover_keep[:, None]
    ms.trust = np.where(rep_leaves, ms.trust * keep, ms.trust)
    ms.rep_tenure = np.where(rep_leaves, 0.0, ms.rep_tenure + ms.member)
    n_rep = rep_leaves.sum(axis=1)
    n_members = np.maximum(ms.member.sum(axis=1), 1)
    loss = mp.turnover_understanding_loss * np.minimum(
        n_rep / n_members * mp.rep_turnover_understanding_scale, 1
    )
    ms.understanding *= 1 - loss
    ms.role_clarity *= 1 - loss * mp.rep_turnover_clarity_share
    model.tally["rep_departures"] += n_rep
    model.tally["departures"] += n_rep

    # 3. community organisers (CIUSSS OC, OMH OC)
    present = np.stack([mp.oc_ciusss_present, mp.oc_omh_present], axis=1)
    oc_sched = np.zeros((M, 2), dtype=bool)
    oc_sched[:, 0] = ev["oc_leaves"]
    oc_leaves = ms.oc_filled & ((u_oc < monthly_hazard(mp.oc_turnover_annual)[:, None]) | oc_sched)
    ms.oc_vacancy_left = np.where(
        oc_leaves,
        -mp.worker_vacancy_months[:, None] * np.log1p(-u_ocv * (1 - LOG_GUARD)),
        ms.oc_vacancy_left - (present & ~ms.oc_filled),
    )
    ms.oc_filled = (ms.oc_filled & ~oc_leaves) | (present & (ms.oc_vacancy_left <= 0))
    n_oc = oc_leaves.sum(axis=1)
    ms.understanding *= (1 - mp.turnover_understanding_loss) ** n_oc
    ms.role_clarity *= (1 - mp.turnover_understanding_loss) ** n_oc
    model.tally["oc_departures"] += n_oc
    model.tally["departures"] += n_oc
