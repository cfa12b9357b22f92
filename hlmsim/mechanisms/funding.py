"""Funding: grant-funded worker positions that end and are renewed or not; funding cuts of
community partners (random or scheduled) and their slow recovery. :func:`step` draws the month's
numbers and runs one compiled kernel over the milieux (a lapsed grant's worker leaves as in
:mod:`staff`)."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..state import COMMUNITY
from ._jit import kernel, uniform
from .staff import hand_over, monthly_hazard, worker_leaves

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes the worker's departure, as :func:`staff.worker_departs`, when a grant lapses.)
READS: frozenset[str] = frozenset(
    {
        "model.t",
        "hh.milieu",
        "model.events_now",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.contacts",
        "hh.trust_worker",
        "ms.funding",
        "ms.understanding",
        "ms.worker_filled",
        "ms.worker_grant_left",
        "ms.worker_knowledge",
        "ms.worker_tenure",
        "ms.worker_vacancy_left",
        "tally.departures",
        "tally.funding_cuts",
        "tally.grants_lapsed",
        "tally.worker_departures",
    }
)


#: Uses of the counter-based numbers (``CounterDraws`` slots): the worker's grant renewed (by
#: milieu), a community partner's funding cut (by milieu and partner).
class Draw(IntEnum):
    GRANT = auto()
    CUT = auto()


def step(model: HLMModel) -> None:
    """Grants run down and are renewed or lapse; community partners' funding is cut and recovers."""
    ms, mp, hh = model.ms, model.mp, model.hh
    draw = model.rs.bases("funding", model.t)  # numbers by milieu or partner (rng.CounterDraws)
    _step_kernel(
        draw[Draw.GRANT],
        draw[Draw.CUT],
        model.events_now["funding_cut"],
        COMMUNITY,
        mp.worker_grant_funded,
        mp.worker_fte,
        mp.grant_renewal_probability,
        mp.grant_length_months,
        mp.grant_gap_months,
        mp.turnover_understanding_loss,
        mp.worker_handover_keep,
        mp.funding_cut_annual,
        mp.funding_cut_depth,
        mp.funding_recovery_months,
        ms.worker_grant_left,
        ms.worker_filled,
        ms.worker_vacancy_left,
        ms.worker_knowledge,
        ms.worker_tenure,
        ms.understanding,
        ms.funding,
        hh.milieu,
        hh.trust_worker,
        hh.contacts,
        model.tally["grants_lapsed"],
        model.tally["worker_departures"],
        model.tally["departures"],
        model.tally["funding_cuts"],
    )


@kernel
def _step_kernel(
    base_grant: np.uint64,
    base_cut: np.uint64,
    ev_cut: np.ndarray,
    community: np.ndarray,
    grant_funded: np.ndarray,
    worker_fte: np.ndarray,
    renewal_probability: np.ndarray,
    grant_length: np.ndarray,
    grant_gap: np.ndarray,
    loss_share: np.ndarray,
    handover_keep: np.ndarray,
    cut_annual: np.ndarray,
    cut_depth: np.ndarray,
    recovery_months: np.ndarray,
    grant_left: np.ndarray,
    filled: np.ndarray,
    vacancy_left: np.ndarray,
    knowledge: np.ndarray,
    tenure: np.ndarray,
    understanding: np.ndarray,
    funding: np.ndarray,
    milieu: np.ndarray,
    trust_worker: np.ndarray,
    contacts: np.ndarray,
    tally_lapsed: np.ndarray,
    tally_worker: np.ndarray,
    tally_departures: np.ndarray,
    tally_cuts: np.ndarray,
) -> None:
    """The month of every milieu's funding, in place (see :func:`step`)."""
    M, P = funding.shape
    left = np.zeros(M, dtype=np.bool_)  # the worker left with the grant
    for m in range(M):
        # grants of grant-funded positions run down; at the end, renewal or a gap without a worker
        if grant_funded[m] and worker_fte[m] > 0:
            grant_left[m] -= 1
            if grant_left[m] <= 0:
                grant_left[m] = grant_length[m]
                if not uniform(base_grant, m) < renewal_probability[m]:  # the grant lapses
                    if filled[m]:
                        left[m] = True
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
                    filled[m] = False
                    vacancy_left[m] = max(vacancy_left[m], grant_gap[m])
                    grant_left[m] = grant_length[m] + grant_gap[m]
                    tally_lapsed[m] += 1.0
        # community partners: random and scheduled funding cuts, then recovery
        hazard = monthly_hazard(cut_annual[m])
        n_cuts = 0
        for p in range(P):
            if community[p] and (uniform(base_cut, m * P + p) < hazard or ev_cut[m]):
                funding[m, p] *= 1 - cut_depth[m]
                n_cuts += 1
            else:
                funding[m, p] += (1 - funding[m, p]) / recovery_months[m]
        tally_cuts[m] += n_cuts
    if left.any():
        hand_over(left, milieu, handover_keep, trust_worker, contacts)
