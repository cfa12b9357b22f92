"""Referrals: choosing a partner for a need, warm referrals by the worker or by a partner (their
completion depends on the resident's trust, the tie between organisations, distance and
co-location, on the log-odds scale), direct access to the worker's employer's services, and
residents seeking services on their own (knowledge of resources, image of the health network).

Each phase and each referral call runs one compiled kernel; :func:`completion_logit` is the
log-odds that a referral is completed, shared by warm and own requests."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import MEMBER_TIE_BREAK, SELF_REFERRAL_CENTRE
from ..state import EMPLOYER_PARTNER, HEALTH_NETWORK, SERVES
from . import _threads
from ._jit import kernel, sigmoid, uniform

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Its two phases, :func:`choose_partners` and :func:`self_referral`; :func:`refer_warmly`
#: writes on behalf of outreach and services.)
READS: frozenset[str] = frozenset(
    {
        "hh.hard_to_reach",
        "hh.image",
        "hh.knowledge",
        "hh.need_open",
        "hh.need_priority",
        "hh.need_wait",
        "model.t",
        "ms.colocated",
        "ms.distance",
        "ms.member",
        "ms.rows",
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
    return _tie_strength(model.ms.trust, employer_partner(model), model.mp.employer_tie)


@kernel
def _tie_strength(trust: np.ndarray, employer: np.ndarray, employer_tie: np.ndarray) -> np.ndarray:
    tie = np.empty(trust.shape)
    for m in range(trust.shape[0]):
        for p in range(trust.shape[1]):
            tie[m, p] = _tie_of(m, p, trust, employer, employer_tie)
    return tie


@kernel
def _tie_of(
    m: int, p: int, trust: np.ndarray, employer: np.ndarray, employer_tie: np.ndarray
) -> float:
    """The worker's tie with partner p in milieu m: the network's trust, and at least
    ``employer_tie`` with its employer's own services."""
    if p == employer[m]:
        return max(trust[m, p], employer_tie[m])
    return trust[m, p]


def best_partner(model: HLMModel, referrer: str) -> np.ndarray:
    """The partner chosen for each (milieu, need category): (M, K).

    A warm referral goes to the partner the referrer trusts most (on site and near preferred):
    ``referrer="worker"`` uses the worker's ties, ``"partner"`` the network's trust; a resident
    on their own (``"self"``) goes to the nearest service they can find.
    """
    ms, mp = model.ms, model.mp
    if referrer == "self":
        return _nearest(ms.distance, ms.member)
    tie = tie_strength(model) if referrer == "worker" else ms.trust
    return _most_trusted(
        tie, ms.colocated, ms.distance, mp.referral_choice_colocation, mp.referral_choice_distance
    )


def choose_partners(model: HLMModel) -> None:
    """Choose this month's partner for each need category: worker's, partners' and own referrals."""
    ms, mp = model.ms, model.mp
    model.best_warm, model.best_onward, model.best_self = _choose_partners(
        ms.trust,
        employer_partner(model),
        mp.employer_tie,
        ms.colocated,
        ms.distance,
        ms.member,
        mp.referral_choice_colocation,
        mp.referral_choice_distance,
    )


@kernel
def _choose_partners(
    trust: np.ndarray,
    employer: np.ndarray,
    employer_tie: np.ndarray,
    colocated: np.ndarray,
    distance: np.ndarray,
    member: np.ndarray,
    choice_colocation: np.ndarray,
    choice_distance: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The worker's, the partners' and residents' own choices (:func:`best_partner`)."""
    tie = _tie_strength(trust, employer, employer_tie)
    warm = _most_trusted(tie, colocated, distance, choice_colocation, choice_distance)
    onward = _most_trusted(trust, colocated, distance, choice_colocation, choice_distance)
    return warm, onward, _nearest(distance, member)


@kernel
def _most_trusted(
    tie: np.ndarray,
    colocated: np.ndarray,
    distance: np.ndarray,
    choice_colocation: np.ndarray,
    choice_distance: np.ndarray,
) -> np.ndarray:
    """Best partner by tie, on site and near preferred (M, K)."""
    score = np.empty(tie.shape)
    for m in range(tie.shape[0]):
        for p in range(tie.shape[1]):
            score[m, p] = (
                tie[m, p]
                + choice_colocation[m] * colocated[m, p]
                - choice_distance[m] * distance[m, p]
            )
    return _best_serving(score)


@kernel
def _nearest(distance: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Nearest partner, network members first among equals (M, K)."""
    score = np.empty(distance.shape)
    for m in range(distance.shape[0]):
        for p in range(distance.shape[1]):
            score[m, p] = -distance[m, p] + MEMBER_TIE_BREAK * member[m, p]
    return _best_serving(score)


@kernel
def _best_serving(score: np.ndarray) -> np.ndarray:
    """For each (milieu, need category), the first partner of highest score among those serving
    the category (as ``np.argmax``; partner 0 when none serves it)."""
    M, P = score.shape
    K = SERVES.shape[1]
    best = np.zeros((M, K), dtype=np.int64)
    for m in range(M):
        for k in range(K):
            top = -np.inf
            for p in range(P):
                if SERVES[p, k] and score[m, p] > top:
                    top = score[m, p]
                    best[m, k] = p
    return best


@kernel
def completion_logit(
    m: int,
    p: int,
    trust_res: float,
    tie: float,
    base_logodds: np.ndarray,
    trust_effect: np.ndarray,
    tie_effect: np.ndarray,
    distance_effect: np.ndarray,
    colocation_effect: np.ndarray,
    distance: np.ndarray,
    colocated: np.ndarray,
) -> float:
    """Log-odds that a warm referral of a resident (milieu m, trust ``trust_res`` in the worker)
    to partner p (tie ``tie`` between referrer and partner) is completed."""
    return (
        base_logodds[m]
        + trust_effect[m] * trust_res
        + tie_effect[m] * tie
        + distance_effect[m] * distance[m, p]
        + colocation_effect[m] * colocated[m, p]
    )


def _completion_inputs(model: HLMModel) -> tuple[np.ndarray, ...]:
    """The arguments of :func:`completion_logit` after (m, p, trust_res, tie)."""
    mp, ms = model.mp, model.ms
    return (
        mp.referral_base_logodds,
        mp.referral_trust_effect,
        mp.referral_tie_effect,
        mp.referral_distance_effect,
        mp.colocation_collaboration_effect,
        ms.distance,
        ms.colocated,
    )


#: Codes of ``hh.need_origin``: who made a queued request (0: no request).
ORIGIN = {"worker": 1, "partner": 2, "self": 3}
_SELF = ORIGIN["self"]
#: Stands for the residents' trust in the worker and the worker's knowledge of the network when
#: a partner refers (not used).
_NOBODY = np.zeros(0)


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
    queue = (hh.need_queue, hh.need_wait, hh.need_priority, hh.need_origin)
    _enqueue(rows, cols, partner, priority, ORIGIN[origin], P, hh.milieu, queue)


@kernel
def _enqueue(
    rows: np.ndarray,
    cols: np.ndarray,
    partner: np.ndarray,
    priority: np.ndarray,
    origin: int,
    P: int,
    milieu: np.ndarray,
    queue: tuple,
) -> None:
    """Needs (rows, cols) join the queues of their milieu's ``partner``."""
    for j in range(len(rows)):
        i = rows[j]
        _enqueue_one(i, cols[j], milieu[i] * P + partner[j], priority[j], origin, queue)


@kernel
def _enqueue_one(
    i: int,
    k: int,
    g: int,
    priority: bool,
    origin: int,
    queue: tuple,
) -> None:
    """Need (i, k) joins queue ``g`` (global partner index), by ``origin``'s request; ``queue``
    holds the households' need_queue, need_wait, need_priority and need_origin."""
    need_queue, need_wait, need_priority, need_origin = queue
    need_queue[i, k] = g
    need_wait[i, k] = 0
    need_priority[i, k] = priority
    need_origin[i, k] = origin


def warm_context(model: HLMModel, by_worker: bool) -> tuple:
    """What :func:`refer_warmly` reads and writes for the worker's referrals (``by_worker``) or
    partners' onward ones: the referrer's code and choices, the residents' trust and queues, the
    ties and completion inputs, the tallies, and the completed referrals by (milieu, partner)
    (zeros, filled in place; then :func:`build_trust`). All of it is addressed by milieu or by
    household, so each slice of milieux refers its own needs (the kernels of outreach and
    services call :func:`refer_warmly` on their slice)."""
    hh, ms, mp, tally = model.hh, model.ms, model.mp, model.tally
    origin = "worker" if by_worker else "partner"
    return (
        ORIGIN[origin],
        model.best_warm if by_worker else model.best_onward,
        hh.milieu,
        hh.trust_worker if by_worker else _NOBODY,
        employer_partner(model),
        mp.employer_tie,
        ms.worker_knowledge if by_worker else _NOBODY,
        mp.direct_access_priority,
        _completion_inputs(model),
        ms.trust,
        (hh.need_queue, hh.need_wait, hh.need_priority, hh.need_origin),
        tally["referrals_made"],
        tally[f"referrals_{origin}"],
        tally["referrals_completed"],
        np.zeros(ms.trust.shape),
    )


@kernel
def refer_warmly(
    rows: np.ndarray, cols: np.ndarray, u: np.ndarray, by_worker: bool, context: tuple
) -> None:
    """Refer needs (rows, cols) to their milieu's best partner; the completed ones join its
    queue and are counted by (milieu, partner) for :func:`build_trust` (``context``:
    :func:`warm_context`). The tie between referrer and partner: for the worker, its ties
    (:func:`tie_strength`) times its knowledge of the network; for a partner, the network's
    trust. Needs of different milieux may be referred in separate calls (slices of milieux,
    each on its own thread: nothing is shared between milieux)."""
    (
        origin,
        best,
        milieu,
        trust_worker,
        employer,
        employer_tie,
        worker_knowledge,
        direct_access_priority,
        completion,
        trust,
        queue,
        referrals_made,
        referrals_by_origin,
        referrals_completed,
        together,
    ) = context
    P = trust.shape[1]
    for j in range(len(rows)):
        i, k = rows[j], cols[j]
        m = milieu[i]
        p = best[m, k]
        if by_worker:
            trust_res = trust_worker[i]
            tie = _tie_of(m, p, trust, employer, employer_tie) * worker_knowledge[m]
        else:
            trust_res = 0.0
            tie = trust[m, p]
        referrals_made[m] += 1
        referrals_by_origin[m] += 1
        if u[j] < sigmoid(completion_logit(m, p, trust_res, tie, *completion)):
            # the worker's employer's own services give direct access
            priority = p == employer[m] and direct_access_priority[m] and by_worker
            _enqueue_one(i, k, m * P + p, priority, origin, queue)
            together[m, p] += 1.0
            referrals_completed[m] += 1


def build_trust(model: HLMModel, context: tuple) -> None:
    """Working together builds trust between the organisations involved (network members):
    after a referrer's warm referrals of the month (:func:`refer_warmly`, all slices), when
    there were any."""
    ms = model.ms
    _build_trust(ms.member, ms.trust, model.mp.referral_trust_gain, context[-1])


@kernel
def _build_trust(
    member: np.ndarray, trust: np.ndarray, referral_trust_gain: np.ndarray, together: np.ndarray
) -> None:
    """Each (milieu, member partner)'s trust closes the gap to 1 by ``referral_trust_gain`` per
    completed referral (``together``), in place."""
    M, P = trust.shape
    for m in range(M):
        for p in range(P):
            if member[m, p]:
                # (1 - gain) ** 0 is exactly 1: no power to work out without a referral
                n = together[m, p]
                keep = (1 - referral_trust_gain[m]) ** n if n > 0 else 1.0
                trust[m, p] = 1 - (1 - trust[m, p]) * keep


def self_referral(model: HLMModel) -> None:
    """Residents seek a service on their own for open needs nobody is handling."""
    hh, mp, tally = model.hh, model.mp, model.tally
    # numbers of the open needs alone (common random numbers by household, need and month)
    draw = model.rs.bases("referral", model.t)
    queue = (hh.need_queue, hh.need_wait, hh.need_priority, hh.need_origin)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads; deferred within a
    # block of phases run together)
    _threads.defer(
        _self_referral,
        model.slices,
        draw[Draw.ASK],
        draw[Draw.COMPLETE],
        model.best_self,
        hh.knowledge,
        hh.image,
        hh.hard_to_reach,
        hh.need_open,
        queue,
        mp.self_referral_base_logodds,
        mp.self_referral_knowledge_effect,
        mp.self_referral_image_effect,
        mp.self_referral_hard_to_reach_effect,
        mp.self_request_completion_effect,
        _completion_inputs(model),
        tally["self_referrals"],
        tally["referrals_self"],
        model.ms.rows,
    )


@kernel
def _self_referral(
    base_ask: np.uint64,
    base_complete: np.uint64,
    best_self: np.ndarray,
    knowledge: np.ndarray,
    image: np.ndarray,
    hard_to_reach: np.ndarray,
    need_open: np.ndarray,
    queue: tuple,
    base_logodds: np.ndarray,
    knowledge_effect: np.ndarray,
    image_effect: np.ndarray,
    hard_to_reach_effect: np.ndarray,
    request_completion_effect: np.ndarray,
    completion: tuple,
    self_referrals: np.ndarray,
    referrals_self: np.ndarray,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> None:
    """Each open need nobody handles in milieux ``m_lo:m_hi`` (rows ``rows[m_lo]:rows[m_hi]``):
    the resident asks, and the request may reach a service."""
    K = need_open.shape[1]
    need_queue = queue[0]
    _, _, _, distance_effect, _, distance, _ = completion  # (see _completion_inputs)
    P = distance.shape[1]
    # the needs in household order, milieu by milieu (see _jit, row loops)
    for m in range(m_lo, m_hi):
        ask_base, knowledge_m = base_logodds[m], knowledge_effect[m]
        image_m, distance_m = image_effect[m], distance_effect[m]
        hard_m, request_m = hard_to_reach_effect[m], request_completion_effect[m]
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):
            for k in range(K):
                if not need_open[i, k] or need_queue[i, k] >= 0:
                    continue
                entry = int(i) * K + k
                p = best_self[m, k]
                logit = (
                    ask_base
                    + knowledge_m * (knowledge[i] - SELF_REFERRAL_CENTRE)
                    + image_m * (image[i] - SELF_REFERRAL_CENTRE) * HEALTH_NETWORK[p]
                    + distance_m * distance[m, p]
                    + hard_m * hard_to_reach[i]
                )
                if uniform(base_ask, entry) >= sigmoid(logit):
                    continue
                self_referrals[m] += 1
                referrals_self[m] += 1
                # an own request can fail like a referral (no first appointment), without the
                # worker's trust or ties between organisations, but made by a resident who chose
                # to ask
                logit_done = completion_logit(m, p, 0.0, 0.0, *completion)
                logit_done += request_m
                if uniform(base_complete, entry) < sigmoid(logit_done):
                    _enqueue_one(i, k, m * P + p, False, _SELF, queue)
