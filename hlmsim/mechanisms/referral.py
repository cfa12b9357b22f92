"""Referrals: choosing a partner for a need, warm referrals by the worker or by a partner (their
completion depends on the resident's trust, the tie between organisations, distance and
co-location, on the log-odds scale), direct access to the worker's employer's services, and
residents seeking services on their own (knowledge of resources, image of the health network)."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import MEMBER_TIE_BREAK, SELF_REFERRAL_CENTRE
from ..state import EMPLOYER_PARTNER, HEALTH_NETWORK, SERVES
from ._util import sigmoid

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Its two phases, :func:`choose_partners` and :func:`self_referral`; :func:`warm_referral`
#: writes on behalf of outreach and services.)
READS: frozenset[str] = frozenset(
    {
        "model.t",
        "hh.hard_to_reach",
        "hh.image",
        "hh.knowledge",
        "hh.milieu",
        "hh.need_open",
        "hh.need_priority",
        "hh.need_wait",
        "ms.colocated",
        "ms.distance",
        "ms.member",
        "ms.trust",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.need_origin",
        "hh.need_queue",
        "model.best_onward",
        "model.best_self",
        "model.best_warm",
        "tally.referrals_self",
        "tally.self_referrals",
    }
)


#: Uses of the counter-based numbers in self-referral (``CounterDraws`` slots): asking for a
#: service, the request reaching a first service.
class Draw(IntEnum):
    ASK = auto()
    COMPLETE = auto()


def employer_partner(model: HLMModel) -> np.ndarray:
    """Partner kind index of each milieu's worker's employer (-1: none)."""
    return EMPLOYER_PARTNER[model.mp.employer_code]


def tie_strength(model: HLMModel) -> np.ndarray:
    """Trust between the worker and each partner (M, P): the employer's own services are close."""
    ms = model.ms
    own = np.arange(ms.member.shape[1])[None, :] == employer_partner(model)[:, None]
    return np.where(own, np.maximum(ms.trust, model.mp.employer_tie[:, None]), ms.trust)


def best_partner(model: HLMModel, referrer: str) -> np.ndarray:
    """The partner chosen for each (milieu, need category): (M, K).

    A warm referral goes to the partner the referrer trusts most (on site and near preferred):
    ``referrer="worker"`` uses the worker's ties, ``"partner"`` the network's trust; a resident
    on their own (``"self"``) goes to the nearest service they can find.
    """
    ms, mp = model.ms, model.mp
    if referrer == "self":
        score = -ms.distance + MEMBER_TIE_BREAK * ms.member
    else:
        tie = tie_strength(model) if referrer == "worker" else ms.trust
        score = (
            tie
            + mp.referral_choice_colocation[:, None] * ms.colocated
            - mp.referral_choice_distance[:, None] * ms.distance
        )
    score = np.where(SERVES.T[None, :, :], score[:, None, :], -np.inf)  # (M, K, P)
    return np.argmax(score, axis=2)


def choose_partners(model: HLMModel) -> None:
    """Choose this month's partner for each need category: worker's, partners' and own referrals."""
    model.best_warm = best_partner(model, "worker")
    model.best_onward = best_partner(model, "partner")
    model.best_self = best_partner(model, "self")


def completion_logit(
    model: HLMModel, m: np.ndarray, p: np.ndarray, trust_res: np.ndarray, tie: np.ndarray
) -> np.ndarray:
    """Log-odds that a warm referral of residents (milieux m) to partners p is completed."""
    mp, ms = model.mp, model.ms
    return (
        mp.referral_base_logodds[m]
        + mp.referral_trust_effect[m] * trust_res
        + mp.referral_tie_effect[m] * tie
        + mp.referral_distance_effect[m] * ms.distance[m, p]
        + mp.colocation_collaboration_effect[m] * ms.colocated[m, p]
    )


#: Codes of ``hh.need_origin``: who made a queued request (0: no request).
ORIGIN = {"worker": 1, "partner": 2, "self": 3}


def enqueue(
    model: HLMModel,
    rows: np.ndarray,
    cols: np.ndarray,
    partner: np.ndarray,
    priority: np.ndarray,
    origin: str,
) -> None:
    """Put needs (rows, cols) in the queue of ``partner`` (kind index) of their milieu; the
    request's ``origin`` (worker, partner, self) is kept for observation."""
    hh = model.hh
    P = model.ms.member.shape[1]
    hh.need_queue[rows, cols] = hh.milieu[rows] * P + partner
    hh.need_wait[rows, cols] = 0
    hh.need_priority[rows, cols] = priority
    hh.need_origin[rows, cols] = ORIGIN[origin]


def warm_referral(
    model: HLMModel,
    rows: np.ndarray,
    cols: np.ndarray,
    u: np.ndarray,
    tie: np.ndarray,
    by_worker: bool,
) -> None:
    """Refer needs (rows, cols) to the best partner; completed ones join its queue."""
    if len(rows) == 0:
        return
    m = model.hh.milieu[rows]
    p = (model.best_warm if by_worker else model.best_onward)[m, cols]
    trust_res = model.hh.trust_worker[rows] if by_worker else np.zeros(len(rows))
    done = u < sigmoid(completion_logit(model, m, p, trust_res, tie[m, p]))
    own = p == employer_partner(model)[m]
    priority = own & model.mp.direct_access_priority[m] & by_worker
    origin = "worker" if by_worker else "partner"
    enqueue(model, rows[done], cols[done], p[done], priority[done], origin)
    # working together builds trust between the organisations involved (network members)
    ms = model.ms
    dm, dp = m[done], p[done]
    gain = np.zeros(ms.member.shape)
    np.add.at(gain, (dm, dp), 1.0)
    keep = (1 - model.mp.referral_trust_gain[:, None]) ** gain
    ms.trust = np.where(ms.member, 1 - (1 - ms.trust) * keep, ms.trust)
    M = model.ms.n
    model.tally["referrals_made"] += np.bincount(m, minlength=M)
    model.tally[f"referrals_{origin}"] += np.bincount(m, minlength=M)
    model.tally["referrals_completed"] += np.bincount(m[done], minlength=M)


def self_referral(model: HLMModel) -> None:
    """Residents seek a service on their own for open needs nobody is handling."""
    hh, mp = model.hh, model.mp
    rows, cols = np.nonzero(hh.need_open & (hh.need_queue < 0))
    if len(rows) == 0:
        return
    # numbers of the open needs alone (common random numbers by household, need and month)
    draw = model.rs.at("referral", model.t)
    K = hh.need_open.shape[1]
    entry = rows * K + cols
    m = hh.milieu[rows]
    p = model.best_self[m, cols]
    logit = (
        mp.self_referral_base_logodds[m]
        + mp.self_referral_knowledge_effect[m] * (hh.knowledge[rows] - SELF_REFERRAL_CENTRE)
        + mp.self_referral_image_effect[m]
        * (hh.image[rows] - SELF_REFERRAL_CENTRE)
        * HEALTH_NETWORK[p]
        + mp.referral_distance_effect[m] * model.ms.distance[m, p]
        + mp.self_referral_hard_to_reach_effect[m] * hh.hard_to_reach[rows]
    )
    go = draw(entry, Draw.ASK) < sigmoid(logit)
    M = model.ms.n
    model.tally["self_referrals"] += np.bincount(m[go], minlength=M)
    model.tally["referrals_self"] += np.bincount(m[go], minlength=M)
    # an own request can fail like a referral (no first appointment), without the worker's
    # trust or ties between organisations, but made by a resident who chose to ask
    rows, cols, m, p = rows[go], cols[go], m[go], p[go]
    zero = np.zeros(len(rows))
    logit_done = completion_logit(model, m, p, zero, zero) + mp.self_request_completion_effect[m]
    done = draw(entry[go], Draw.COMPLETE) < sigmoid(logit_done)
    enqueue(model, rows[done], cols[done], p[done], np.zeros(done.sum(), dtype=bool), "self")
