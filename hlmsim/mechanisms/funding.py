"""Funding: grant-funded worker positions that end and are renewed or not; funding cuts of
community partners (random or scheduled) and their slow recovery."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import monthly_hazard
from ..state import COMMUNITY
from . import staff

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes :func:`staff.worker_departs` when a grant lapses.)
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


def step(model: HLMModel) -> None:
    """Grants run down and are renewed or lapse; community partners' funding is cut and recovers."""
    ms, mp = model.ms, model.mp
    rng = model.rs["funding"]
    u_grant = rng.random(ms.n)
    u_cut = rng.random((ms.n, ms.member.shape[1]))
    # grants of grant-funded positions run down; at the end, renewal or a gap without a worker
    funded = mp.worker_grant_funded & (mp.worker_fte > 0)
    ms.worker_grant_left = np.where(funded, ms.worker_grant_left - 1, ms.worker_grant_left)
    ending = funded & (ms.worker_grant_left <= 0)
    renewed = ending & (u_grant < mp.grant_renewal_probability)
    lapsed = ending & ~renewed
    ms.worker_grant_left = np.where(ending, mp.grant_length_months, ms.worker_grant_left)
    if lapsed.any():
        staff.worker_departs(model, lapsed & ms.worker_filled)
        ms.worker_filled &= ~lapsed
        ms.worker_vacancy_left = np.where(
            lapsed, np.maximum(ms.worker_vacancy_left, mp.grant_gap_months), ms.worker_vacancy_left
        )
        ms.worker_grant_left = np.where(
            lapsed, mp.grant_length_months + mp.grant_gap_months, ms.worker_grant_left
        )
    model.tally["grants_lapsed"] += lapsed
    # community partners: random and scheduled funding cuts, then recovery
    cut = (u_cut < monthly_hazard(mp.funding_cut_annual)[:, None]) & COMMUNITY[None, :]
    cut |= model.events_now["funding_cut"][:, None] & COMMUNITY[None, :]
    ms.funding = np.where(cut, ms.funding * (1 - mp.funding_cut_depth[:, None]), ms.funding)
    ms.funding += (1 - ms.funding) / mp.funding_recovery_months[:, None] * ~cut
    model.tally["funding_cuts"] += cut.sum(axis=1)
