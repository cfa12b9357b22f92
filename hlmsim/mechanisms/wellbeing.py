"""Well-being: trust in the worker, knowledge of resources and the power to act fade without
renewal; the image of the health network and trust in the landlord relax toward their initial
levels; the sense of security moves toward a level set by a trusted, present worker, social
ties, the association, open needs and crises.

:func:`step` hands the households' update to one compiled kernel (:func:`_step_kernel`); the
power to act fades through :func:`agency.fade_milieux`, in the same kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import half_life_factor
from . import _threads
from ._jit import kernel
from .agency import fade_milieux

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes the power to act's fading, :func:`agency.fade_milieux`.)
READS: frozenset[str] = frozenset(
    {
        "hh.last_contact",
        "hh.need_open",
        "hh.ties",
        "model.t",
        "ms.association",
        "ms.crisis_left",
        "ms.rows",
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
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads; deferred within a
    # block of phases run together)
    _threads.defer(
        _step_kernel,
        model.slices,
        int(model.t),
        hh.last_contact,
        hh.ties,
        hh.need_open,
        hh.trust_worker,
        hh.knowledge,
        hh.image,
        hh.landlord,
        hh.security,
        ms.worker_filled,
        ms.association,
        ms.crisis_left,
        half_life_factor(mp.trust_half_life_months),
        half_life_factor(mp.knowledge_half_life_months),
        mp.knowledge_floor,
        half_life_factor(mp.image_half_life_months),
        mp.initial_trust_institutions,
        mp.initial_trust_landlord,
        mp.security_contact_window_months,
        mp.initial_security,
        mp.security_worker_weight,
        mp.initial_ties,
        mp.security_ties_weight,
        mp.security_association_weight,
        mp.security_unmet_weight,
        mp.crisis_security_loss,
        mp.security_adjust_rate,
        hh.agency,
        half_life_factor(mp.agency_half_life_months),
        ms.rows,
    )


@kernel
def _step_kernel(
    t: int,
    last_contact: np.ndarray,
    ties: np.ndarray,
    need_open: np.ndarray,
    trust_worker: np.ndarray,
    knowledge: np.ndarray,
    image: np.ndarray,
    landlord: np.ndarray,
    security: np.ndarray,
    worker_filled: np.ndarray,
    association: np.ndarray,
    crisis_left: np.ndarray,
    trust_keep: np.ndarray,
    knowledge_keep: np.ndarray,
    knowledge_floor: np.ndarray,
    image_keep: np.ndarray,
    initial_trust_institutions: np.ndarray,
    initial_trust_landlord: np.ndarray,
    security_contact_window_months: np.ndarray,
    initial_security: np.ndarray,
    security_worker_weight: np.ndarray,
    initial_ties: np.ndarray,
    security_ties_weight: np.ndarray,
    security_association_weight: np.ndarray,
    security_unmet_weight: np.ndarray,
    crisis_security_loss: np.ndarray,
    security_adjust_rate: np.ndarray,
    power: np.ndarray,
    agency_keep: np.ndarray,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> None:
    """The trust, knowledge, images and sense of security of each household of milieux
    ``m_lo:m_hi`` (rows ``rows[m_lo]:rows[m_hi]``), in place (``*_keep``: the monthly retention
    factors of the half-lives, by milieu)."""
    K = need_open.shape[1]
    for m in range(m_lo, m_hi):
        # the milieu's parameters, read once (see _jit, row loops)
        keep_trust = trust_keep[m]
        floor, keep_knowledge = knowledge_floor[m], knowledge_keep[m]
        base_image, base_landlord = initial_trust_institutions[m], initial_trust_landlord[m]
        keep_image = image_keep[m]
        window = security_contact_window_months[m]
        filled = 1.0 if worker_filled[m] else 0.0
        crisis = 1.0 if crisis_left[m] > 0 else 0.0
        base_security = initial_security[m]
        worker_weight, ties_weight = security_worker_weight[m], security_ties_weight[m]
        base_ties = initial_ties[m]
        from_association = security_association_weight[m] * association[m]
        unmet_weight = security_unmet_weight[m]
        crisis_loss = crisis_security_loss[m] * crisis
        rate = security_adjust_rate[m]
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            # trust in the worker fades in the months the worker does not see the household
            if last_contact[i] != t:
                trust_worker[i] *= keep_trust
            # knowledge fades toward a floor
            knowledge[i] = floor + (knowledge[i] - floor) * keep_knowledge
            # the image of the health network and trust in the landlord relax to their initial
            # levels
            image[i] = base_image + (image[i] - base_image) * keep_image
            landlord[i] = base_landlord + (landlord[i] - base_landlord) * keep_image
            # the sense of security moves toward its target: a trusted worker seen lately (where
            # the post is filled), ties, the association; open needs and a crisis lower it
            recent = 1.0 if (t - last_contact[i]) < window else 0.0
            unmet = 0
            for k in range(K):
                unmet += need_open[i, k]
            target = (
                base_security
                + worker_weight * trust_worker[i] * recent * filled
                + ties_weight * (ties[i] - base_ties)
                + from_association
                - unmet_weight * unmet
                - crisis_loss
            )
            target = min(max(target, 0.0), 1.0)
            security[i] += rate * (target - security[i])
    # the power to act fades slowly without new help
    fade_milieux(power, agency_keep, rows, m_lo, m_hi)
