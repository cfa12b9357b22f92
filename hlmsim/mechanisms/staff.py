"""Staff turnover: milieu workers, partners' representatives and community organisers leave
(annual hazards, scheduled events), positions stay vacant for a while, newcomers ramp up.
A departure costs residents' trust (only a handover share is passed on), partners' trust in the
network, and shared understanding (the problem must be "re-problematised").

:func:`step` draws the month's numbers and runs one compiled kernel (:func:`_step_kernel`) over
the milieux; a worker's departure (:func:`worker_leaves`, :func:`hand_over`) is shared with
:func:`worker_departs` and with funding's lapsed grants."""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import LOG_GUARD, RAMPUP_FLOOR_MONTHS
from ._jit import kernel, uniform

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "model.t",
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
    _worker_departs_kernel(
        leaving,
        mp.turnover_understanding_loss,
        mp.worker_handover_keep,
        ms.worker_filled,
        ms.worker_knowledge,
        ms.worker_tenure,
        ms.understanding,
        hh.milieu,
        hh.trust_worker,
        hh.contacts,
        model.tally["worker_departures"],
        model.tally["departures"],
    )


#: Uses of the counter-based numbers (``CounterDraws`` slots): the worker leaving and the
#: vacancy's length (by milieu), a representative leaving (by milieu and partner), an organiser
#: leaving and the vacancy's length (by milieu and organiser).
class Draw(IntEnum):
    WORKER = auto()
    VACANCY = auto()
    REPRESENTATIVE = auto()
    ORGANISER = auto()
    ORGANISER_VACANCY = auto()


def step(model: HLMModel) -> None:
    """Workers, representatives and organisers leave; vacancies count down and are filled."""
    ms, mp, hh = model.ms, model.mp, model.hh
    # numbers addressed by milieu, partner or organiser (hlmsim.rng.CounterDraws)
    draw = model.rs.bases("staff", model.t)
    ev = model.events_now
    _step_kernel(
        draw[Draw.WORKER],
        draw[Draw.VACANCY],
        draw[Draw.REPRESENTATIVE],
        draw[Draw.ORGANISER],
        draw[Draw.ORGANISER_VACANCY],
        ev["worker_leaves"],
        ev["representative_leaves"],
        ev["oc_leaves"],
        mp.worker_fte,
        mp.worker_turnover_annual,
        mp.worker_vacancy_months,
        mp.worker_initial_knowledge,
        mp.worker_rampup_months,
        mp.worker_handover_keep,
        mp.turnover_understanding_loss,
        mp.representative_turnover_annual,
        mp.representative_handover_keep,
        mp.rep_turnover_understanding_scale,
        mp.rep_turnover_clarity_share,
        mp.oc_turnover_annual,
        mp.oc_ciusss_present,
        mp.oc_omh_present,
        ms.member,
        ms.worker_filled,
        ms.worker_knowledge,
        ms.worker_tenure,
        ms.worker_vacancy_left,
        ms.worker_serial,
        ms.understanding,
        ms.role_clarity,
        ms.trust,
        ms.rep_tenure,
        ms.oc_filled,
        ms.oc_vacancy_left,
        hh.milieu,
        hh.trust_worker,
        hh.contacts,
        model.tally["worker_departures"],
        model.tally["departures"],
        model.tally["vacancy_months"],
        model.tally["rep_departures"],
        model.tally["oc_departures"],
    )


@kernel
def monthly_hazard(annual_probability: float) -> float:
    """Monthly probability of an annual one, 1 - (1 - p)^(1/12) (as ``params.monthly_hazard``)."""
    return 1.0 - (1.0 - annual_probability) ** (1.0 / 12.0)


@kernel
def worker_leaves(
    m: int,
    loss: float,
    filled: np.ndarray,
    knowledge: np.ndarray,
    tenure: np.ndarray,
    understanding: np.ndarray,
    tally_worker: np.ndarray,
    tally_departures: np.ndarray,
) -> None:
    """Milieu ``m``'s worker goes: the position's knowledge is lost, and the problem must be
    re-problematised (shared understanding loses the share ``loss``)."""
    filled[m] = False
    knowledge[m] = 0.0
    tenure[m] = 0.0
    understanding[m] = understanding[m] * (1 - loss)
    tally_worker[m] += 1.0
    tally_departures[m] += 1.0


@kernel
def hand_over(
    leaving: np.ndarray,
    milieu: np.ndarray,
    keep: np.ndarray,
    trust_worker: np.ndarray,
    contacts: np.ndarray,
) -> None:
    """Residents of milieux whose worker left keep only the handover share of their trust in the
    worker and of their contacts."""
    for i in range(len(milieu)):
        m = milieu[i]
        if leaving[m]:
            trust_worker[i] *= keep[m]
            contacts[i] = math.floor(contacts[i] * keep[m])


@kernel
def _worker_departs_kernel(
    leaving: np.ndarray,
    loss: np.ndarray,
    handover_keep: np.ndarray,
    filled: np.ndarray,
    knowledge: np.ndarray,
    tenure: np.ndarray,
    understanding: np.ndarray,
    milieu: np.ndarray,
    trust_worker: np.ndarray,
    contacts: np.ndarray,
    tally_worker: np.ndarray,
    tally_departures: np.ndarray,
) -> None:
    """:func:`worker_departs`, in place."""
    for m in range(len(leaving)):
        if leaving[m]:
            worker_leaves(
                m, loss[m], filled, knowledge, tenure, understanding, tally_worker, tally_departures
            )
    hand_over(leaving, milieu, handover_keep, trust_worker, contacts)


@kernel
def _step_kernel(
    base_worker: np.uint64,
    base_vacancy: np.uint64,
    base_rep: np.uint64,
    base_oc: np.uint64,
    base_oc_vacancy: np.uint64,
    ev_worker: np.ndarray,
    ev_rep: np.ndarray,
    ev_oc: np.ndarray,
    worker_fte: np.ndarray,
    worker_turnover: np.ndarray,
    vacancy_months: np.ndarray,
    initial_knowledge: np.ndarray,
    rampup_months: np.ndarray,
    handover_keep: np.ndarray,
    loss_share: np.ndarray,
    rep_turnover: np.ndarray,
    rep_keep: np.ndarray,
    rep_understanding_scale: np.ndarray,
    rep_clarity_share: np.ndarray,
    oc_turnover: np.ndarray,
    oc_ciusss_present: np.ndarray,
    oc_omh_present: np.ndarray,
    member: np.ndarray,
    filled: np.ndarray,
    knowledge: np.ndarray,
    tenure: np.ndarray,
    vacancy_left: np.ndarray,
    serial: np.ndarray,
    understanding: np.ndarray,
    role_clarity: np.ndarray,
    trust: np.ndarray,
    rep_tenure: np.ndarray,
    oc_filled: np.ndarray,
    oc_vacancy_left: np.ndarray,
    milieu: np.ndarray,
    trust_worker: np.ndarray,
    contacts: np.ndarray,
    tally_worker: np.ndarray,
    tally_departures: np.ndarray,
    tally_vacancy: np.ndarray,
    tally_rep: np.ndarray,
    tally_oc: np.ndarray,
) -> None:
    """The month of every milieu's staff, in place (see :func:`step`)."""
    M, P = member.shape
    leaving = np.zeros(M, dtype=np.bool_)
    for m in range(M):
        # 1. the milieu worker
        leaving[m] = filled[m] and (
            uniform(base_worker, m) < monthly_hazard(worker_turnover[m]) or ev_worker[m]
        )
        if leaving[m]:
            worker_leaves(
                m,
                loss_share[m],
                filled,
                knowledge,
                tenure,
                understanding,
                tally_worker,
                tally_departures,
            )
            # the position stays vacant for an exponential delay
            vacancy_left[m] = -vacancy_months[m] * math.log1p(
                -uniform(base_vacancy, m) * (1 - LOG_GUARD)
            )
        # positions vacant since before this month count down (a vacancy of v months lasts v
        # months) (a worker who left this month, by turnover or a lapsed grant, starts the count
        # next month)
        vacant = worker_fte[m] > 0 and not filled[m]
        if vacant and not tally_worker[m] > 0:
            vacancy_left[m] -= 1
        if vacant and vacancy_left[m] <= 0:  # hired
            filled[m] = True
            serial[m] += 1
            knowledge[m] = initial_knowledge[m]
        if filled[m]:
            ramp = 1 - math.exp(-1.0 / max(rampup_months[m], RAMPUP_FLOOR_MONTHS))
            knowledge[m] = knowledge[m] + ramp * (1 - knowledge[m])
            tenure[m] = tenure[m] + 1
        else:
            tenure[m] = 0.0
            if worker_fte[m] > 0:
                tally_vacancy[m] += 1.0

        # 2. partners' representatives (members of the network); a scheduled departure is the
        # longest-serving member's representative's
        longest = -1
        if ev_rep[m]:
            most = -1.0
            for p in range(P):
                if member[m, p] and rep_tenure[m, p] + 1 > most:
                    longest, most = p, rep_tenure[m, p] + 1
        rep_hazard = monthly_hazard(rep_turnover[m])
        n_rep = 0
        n_members = 0
        for p in range(P):
            if not member[m, p]:
                continue
            n_members += 1
            if uniform(base_rep, m * P + p) < rep_hazard or p == longest:
                trust[m, p] *= rep_keep[m]
                rep_tenure[m, p] = 0.0
                n_rep += 1
            else:
                rep_tenure[m, p] += 1.0
        loss = loss_share[m] * min(n_rep / max(n_members, 1) * rep_understanding_scale[m], 1)
        understanding[m] *= 1 - loss
        role_clarity[m] *= 1 - loss * rep_clarity_share[m]
        tally_rep[m] += n_rep
        tally_departures[m] += n_rep

        # 3. community organisers (CIUSSS OC, OMH OC)
        oc_hazard = monthly_hazard(oc_turnover[m])
        n_oc = 0
        for r in range(2):
            present = oc_ciusss_present[m] if r == 0 else oc_omh_present[m]
            scheduled = ev_oc[m] and r == 0
            if oc_filled[m, r] and (uniform(base_oc, 2 * m + r) < oc_hazard or scheduled):  # leaves
                delay = -vacancy_months[m] * math.log1p(
                    -uniform(base_oc_vacancy, 2 * m + r) * (1 - LOG_GUARD)
                )
                oc_vacancy_left[m, r] = delay
                oc_filled[m, r] = present and oc_vacancy_left[m, r] <= 0
                n_oc += 1
            else:
                if present and not oc_filled[m, r]:
                    oc_vacancy_left[m, r] -= 1.0
                oc_filled[m, r] = oc_filled[m, r] or (present and oc_vacancy_left[m, r] <= 0)
        kept = (1 - loss_share[m]) ** float(n_oc)  # a float exponent, as the array code's pow
        understanding[m] *= kept
        role_clarity[m] *= kept
        tally_oc[m] += n_oc
        tally_departures[m] += n_oc

    # residents of milieux whose worker left: trust handover
    if leaving.any():
        hand_over(leaving, milieu, handover_keep, trust_worker, contacts)
