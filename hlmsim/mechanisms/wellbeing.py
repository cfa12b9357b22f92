"""Well-being: trust in the worker, knowledge of resources and the power to act fade without
renewal; the image of the health network and trust in the landlord relax toward their initial
levels; the sense of security moves toward a level set by a trusted, present worker, social
ties, the association, open needs and crises."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import half_life_factor
from . import agency

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes :func:`agency.fade`.)
READS: frozenset[str] = frozenset(
    {
        "hh.last_contact",
        "hh.milieu",
        "hh.need_open",
        "hh.ties",
        "model.t",
        "ms.association",
        "ms.crisis_left",
        "ms.worker_filled",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.agency",
        "hh.image",
        "hh.knowledge",
        "hh.landlord",
        "hh.security",
        "hh.trust_worker",
    }
)


def step(model: HLMModel) -> None:
    """Trust, knowledge and power to act fade; images relax; the sense of security adjusts."""
    hh, mp, ms = model.hh, model.mp, model.ms
    m = hh.milieu
    not_seen = hh.last_contact != model.t
    hh.trust_worker = np.where(
        not_seen, hh.trust_worker * half_life_factor(mp.trust_half_life_months)[m], hh.trust_worker
    )
    fk = half_life_factor(mp.knowledge_half_life_months)[m]
    floor = mp.knowledge_floor[m]
    hh.knowledge = floor + (hh.knowledge - floor) * fk
    agency.fade(model)
    fi = half_life_factor(mp.image_half_life_months)[m]
    base = mp.initial_trust_institutions[m]
    hh.image = base + (hh.image - base) * fi
    base_l = mp.initial_trust_landlord[m]
    hh.landlord = base_l + (hh.landlord - base_l) * fi
    recent = (model.t - hh.last_contact) < mp.security_contact_window_months[m]
    target = (
        mp.initial_security[m]
        + mp.security_worker_weight[m] * hh.trust_worker * recent * ms.worker_filled[m]
        + mp.security_ties_weight[m] * (hh.ties - mp.initial_ties[m])
        + mp.security_association_weight[m] * ms.association[m]
        - mp.security_unmet_weight[m] * hh.need_open.sum(axis=1)
        - mp.crisis_security_loss[m] * (ms.crisis_left > 0)[m]
    )
    hh.security += mp.security_adjust_rate[m] * (np.clip(target, 0, 1) - hh.security)
