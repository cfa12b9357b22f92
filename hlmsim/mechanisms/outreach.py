"""Outreach ("aller vers"): within a monthly contact capacity (FTE, time on site, ramp-up), the
worker contacts residents, following up those with open needs and seeking out those not yet
reached. A contact succeeds with a probability that falls with disaffiliation and rises with
previous contacts (Aguilera et al. 2025); success builds trust by a fraction of the remaining gap
(less if the employer is the landlord), spreads knowledge of resources, and part of the trust goes
to the employer's institution. Residents disclose needs as they trust the worker; the worker meets
some directly and refers the others warmly.

``step`` draws the month's numbers and calls one compiled kernel (``_step_kernel``) that chooses
the residents contacted and plays the contacts and disclosures out, closing the needs the worker
meets (:func:`needs.close_met_with`) and referring the others warmly
(:func:`referral.refer_warmly`), slice by slice; trust between organisations then grows with the
referrals completed (:func:`referral.build_trust`)."""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING, Any

import numpy as np

from ..constants import DOSE_FLOOR, LOG1P_CONTACTS_TABLE, NEVER, OUTREACH_SCORE_SPAN
from ..observables import ENGAGEMENT_TALLIES
from ..outcomes import HARD_TO_REACH
from ..state import HEALTH_NETWORK, LANDLORD, NEED
from . import _threads, referral
from ._jit import kernel, most_households, sigmoid, uniform
from ._select import select_lowest
from .needs import close_met_with, met_closing
from .referral import refer_warmly

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes the warm referrals and needs met by the worker.)
READS: frozenset[str] = frozenset(
    {
        "hh.hard_to_reach",
        "hh.milieu",
        "hh.need_age",
        "hh.need_wait",
        "hh.openness",
        "model.best_warm",
        "model.t",
        "ms.colocated",
        "ms.distance",
        "ms.member",
        "ms.rows",
        "ms.worker_filled",
        "ms.worker_knowledge",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.agency",
        "hh.refusals",
        "hh.contacts",
        "hh.engagement",
        "hh.first_attempt",
        "hh.first_success",
        "hh.image",
        "hh.knowledge",
        "hh.need_origin",
        "hh.landlord",
        "hh.last_contact",
        "hh.need_open",
        "hh.need_priority",
        "hh.need_queue",
        "hh.ties",
        "hh.trust_worker",
        "ms.trust",
        "tally.contacts",
        "tally.engage_months_hard",
        "tally.engage_months_other",
        "tally.engage_n_hard",
        "tally.engage_n_other",
        "tally.engaged_at_first",
        "tally.first_attempts",
        "tally.first_engaged",
        "tally.met_by_worker",
        "tally.needs_disclosed",
        "tally.needs_met",
        "tally.needs_met_by_category",
        "tally.referrals_completed",
        "tally.referrals_made",
        "tally.referrals_worker",
        "tally.successful_contacts",
        "tally.time_to_meet_sum",
    }
)

#: ``log1p(n)`` of the first few contact counts, worked out once by the same C library function
#: the kernels call (``math.log1p``), so that a lookup gives the very number computed.
_LOG1P_CONTACTS = np.array([math.log1p(n) for n in range(LOG1P_CONTACTS_TABLE)])

DIRECT_HELP = np.zeros(len(NEED), dtype=bool)
DIRECT_HELP[[NEED["local_resources"], NEED["admin_procedures"], NEED["socialising"]]] = True
_SOCIALISING = NEED["socialising"]


#: Uses of the counter-based numbers (``CounterDraws`` slots): the order among equal priorities,
#: the rounding of each worker's capacity, finding the resident, the resident accepting,
#: disclosing a need, the worker's direct help, a warm referral's completion.
class Draw(IntEnum):
    PICK = auto()
    CAPACITY = auto()
    FIND = auto()
    ACCEPT = auto()
    DISCLOSE = auto()
    HELP = auto()
    REFER = auto()


def capacity(model: HLMModel) -> np.ndarray:
    """Contacts the milieu's worker can make this month (expected)."""
    mp, ms = model.mp, model.ms
    return _capacity(
        mp.worker_fte,
        mp.worker_contacts_per_fte_month,
        mp.worker_time_on_site,
        mp.worker_capacity_floor,
        ms.worker_knowledge,
        ms.worker_filled,
    )


@kernel
def _capacity(
    fte: np.ndarray,
    per_fte: np.ndarray,
    on_site: np.ndarray,
    floor: np.ndarray,
    knowledge: np.ndarray,
    filled: np.ndarray,
) -> np.ndarray:
    """:func:`capacity`, by milieu: FTE, time on site, ramp-up (the worker's knowledge)."""
    cap = np.empty(len(fte))
    for m in range(len(fte)):
        cap[m] = (
            fte[m]
            * per_fte[m]
            * on_site[m]
            * (floor[m] + (1 - floor[m]) * knowledge[m])
            * (1.0 if filled[m] else 0.0)
        )
    return cap


def knowledge_dose(beta: np.ndarray, dose: np.ndarray) -> np.ndarray:
    """CommunityRx information dose: beta <- beta^(d (1 - beta) + beta)."""
    b = np.clip(beta, DOSE_FLOOR, 1.0)
    return np.power(b, dose * (1 - b) + b)


@kernel
def knowledge_dose_one(beta: float, dose: float) -> float:
    """:func:`knowledge_dose` of one household (bit for bit), for compiled kernels."""
    b = min(max(beta, DOSE_FLOOR), 1.0)
    return b ** (dose * (1 - b) + b)


def observe_contacts(model: HLMModel, attempted: np.ndarray, succeeded: np.ndarray) -> None:
    """Observation: first contact attempts, and engagement (a first successful contact) with
    the months it took, hard-to-reach households apart (``hlmsim.observables``).
    ``attempted`` and ``succeeded`` list distinct households (int64 rows)."""
    hh = model.hh
    _observe_contacts(
        int(model.t),
        attempted,
        succeeded,
        hh.milieu,
        hh.hard_to_reach,
        hh.first_attempt,
        hh.first_success,
        model.tally["first_attempts"],
        _engagement_tallies(model.tally),
    )


def _engagement_tallies(tally: Any) -> tuple[np.ndarray, ...]:
    """The tallies of first successful contacts (:func:`_observe_success`'s ``counts``)."""
    return tuple(tally[name] for name in ENGAGEMENT_TALLIES)


@kernel
def _observe_contacts(
    t: int,
    attempted: np.ndarray,
    succeeded: np.ndarray,
    milieu: np.ndarray,
    hard_to_reach: np.ndarray,
    first_attempt: np.ndarray,
    first_success: np.ndarray,
    first_attempts: np.ndarray,
    observed: tuple,
) -> None:
    """:func:`observe_contacts` on the arrays (tallies by milieu, added to; ``observed``: those
    of first successful contacts, :data:`hlmsim.observables.ENGAGEMENT_TALLIES`)."""
    for i in attempted:
        _observe_attempt(t, i, milieu[i], first_attempt, first_attempts)
    for i in succeeded:
        _observe_success(t, i, milieu[i], hard_to_reach, first_attempt, first_success, observed)


@kernel
def _observe_attempt(
    t: int, i: int, m: int, first_attempt: np.ndarray, first_attempts: np.ndarray
) -> None:
    """A contact attempt on household i (milieu m): its first, if none was made before."""
    if first_attempt[i] == NEVER:
        first_attempt[i] = t
        first_attempts[m] += 1


@kernel
def _observe_success(
    t: int,
    i: int,
    m: int,
    hard_to_reach: np.ndarray,
    first_attempt: np.ndarray,
    first_success: np.ndarray,
    counts: tuple,
) -> None:
    """A successful contact with household i (milieu m), after its attempt was observed: its
    engagement, if it is the first, with the months since the first attempt (``counts``: the
    tallies first_engaged, engaged_at_first, then the months and numbers of hard-to-reach
    households, then of the others)."""
    if first_success[i] != NEVER:
        return
    first_engaged, engaged_at_first, months_hard, n_hard, months_other, n_other = counts
    first_success[i] = t
    first_engaged[m] += 1
    engaged_at_first[m] += first_attempt[i] == t
    months = t - first_attempt[i] + 1.0
    if hard_to_reach[i] >= HARD_TO_REACH:
        months_hard[m] += months
        n_hard[m] += 1
    else:
        months_other[m] += months
        n_other[m] += 1


def step(model: HLMModel) -> None:
    """The worker contacts residents; trust, disclosure, direct help and warm referrals."""
    hh, mp, ms, tally = model.hh, model.mp, model.ms, model.tally
    # numbers addressed by household, need or milieu, drawn for those reached alone (common
    # random numbers by household, need and month: hlmsim.rng.CounterDraws)
    draw = model.rs.bases("outreach", model.t)
    warm = referral.warm_context(model, by_worker=True)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads)
    referred = _threads.run(
        _step_kernel,
        model.slices,
        int(model.t),
        draw[Draw.PICK],
        draw[Draw.CAPACITY],
        draw[Draw.FIND],
        draw[Draw.ACCEPT],
        draw[Draw.DISCLOSE],
        draw[Draw.HELP],
        draw[Draw.REFER],
        # households
        hh.milieu,
        hh.hard_to_reach,
        hh.openness,
        hh.contacts,
        hh.refusals,
        hh.last_contact,
        hh.trust_worker,
        hh.image,
        hh.landlord,
        hh.ties,
        hh.knowledge,
        hh.engagement,
        hh.first_attempt,
        hh.first_success,
        hh.need_open,
        hh.need_queue,
        # milieux and their worker's employer
        ms.worker_knowledge,
        ms.worker_filled,
        referral.employer_partner(model),
        HEALTH_NETWORK,
        LANDLORD,
        DIRECT_HELP,
        # parameters: capacity, choice of the residents contacted
        mp.worker_fte,
        mp.worker_contacts_per_fte_month,
        mp.worker_time_on_site,
        mp.worker_capacity_floor,
        mp.outreach_max_refusals,
        mp.follow_up_window_months,
        mp.follow_up_priority,
        mp.new_contact_priority,
        # finding the resident, the resident accepting
        mp.outreach_find_logodds,
        mp.outreach_hard_to_reach_effect,
        mp.on_site_reach_effect,
        mp.outreach_base_logodds,
        mp.outreach_previous_contacts_effect,
        mp.outreach_trust_effect,
        # a successful contact
        mp.trust_gain_per_contact,
        mp.worker_landlord_wariness,
        mp.image_transfer,
        mp.ties_gain_contact,
        mp.knowledge_dose_worker,
        # disclosure, direct help
        mp.disclosure_base_logodds,
        mp.disclosure_trust_effect,
        mp.worker_direct_help,
        mp.disclosure_engagement_gain,
        # tallies
        tally["contacts"],
        tally["successful_contacts"],
        tally["needs_disclosed"],
        tally["first_attempts"],
        _engagement_tallies(tally),
        met_closing(model, "worker"),
        warm,
        ms.rows,
    )
    if sum(referred):
        referral.build_trust(model, warm)


@kernel
def _choose(
    t: int,
    base_pick: np.uint64,
    cap_int: np.ndarray,
    rows: np.ndarray,
    contacts: np.ndarray,
    refusals: np.ndarray,
    last_contact: np.ndarray,
    need_open: np.ndarray,
    need_queue: np.ndarray,
    max_refusals: np.ndarray,
    follow_up_window: np.ndarray,
    follow_up_priority: np.ndarray,
    new_contact_priority: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> np.ndarray:
    """The households each worker of milieux ``m_lo:m_hi`` contacts this month (milieu m's
    households: rows ``rows[m]:rows[m + 1]``): the ``cap_int[m]`` of highest priority among its
    candidates, ties in household order, listed in household order (each contact's numbers are
    its household's own, so the order of the contacts within the month changes nothing). The
    priority: a number of the household's own (``base_pick``) plus the follow-up and new-contact
    priorities, ranked by the key ``m * OUTREACH_SCORE_SPAN - score``, lowest first
    (:func:`._select.select_lowest`, milieu by milieu). The scores lie in ``[0,
    OUTREACH_SCORE_SPAN)``, so each milieu's keys lie at or below the next one's, and this is the
    choice one stable sort of all the keys would make, cut into runs of one milieu; the key
    (rather than the score) keeps that sort's ties where rounding makes scores meet."""
    K = need_open.shape[1]
    longest = most_households(rows, m_lo, m_hi)
    chosen = np.empty(rows[m_hi] - rows[m_lo], np.int64)
    n_chosen = 0
    # one milieu's candidates (household, key), which of them are chosen, and select_lowest's
    # buffers
    cand = np.empty(longest, np.int64)
    key = np.empty(longest)
    keep = np.empty(longest, np.bool_)
    position = np.arange(longest)
    work = (np.empty(longest, np.int64), np.empty(longest + 1, np.int64), np.empty(longest))
    for m in range(m_lo, m_hi):
        if not cap_int[m] > 0:
            continue
        # candidates: residents of milieux with a contact to make; a household that declined
        # outreach_max_refusals times is no longer approached. The worker follows up residents
        # with open needs nobody handles (contacted recently) and seeks out those never reached.
        n_cand = 0
        low, high = np.inf, -np.inf
        refusals_max, window = max_refusals[m], follow_up_window[m]
        follow_up_m, new_m = follow_up_priority[m], new_contact_priority[m]
        offset = m * OUTREACH_SCORE_SPAN
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            if contacts[i] == 0 and refusals[i] >= refusals_max:
                continue
            follow_up = False
            if t - last_contact[i] <= window:
                for k in range(K):
                    if need_open[i, k] and need_queue[i, k] < 0:
                        follow_up = True
                        break
            new = contacts[i] == 0 and refusals[i] == 0
            score = (
                uniform(base_pick, i)
                + follow_up_m * (1.0 if follow_up else 0.0)
                + new_m * (1.0 if new else 0.0)
            )  # in [0, OUTREACH_SCORE_SPAN): the validation ranges of the two priorities see to it
            cand[n_cand] = i
            key[n_cand] = offset - score  # highest score first
            low, high = min(low, key[n_cand]), max(high, key[n_cand])
            n_cand += 1
        if n_cand == 0:
            continue
        # the first cap_int of its candidates, highest score first (ties: household order)
        keep[:n_cand] = False
        first = n_cand if cap_int[m] >= n_cand else int(math.ceil(cap_int[m]))
        select_lowest(key, position[:n_cand], low, high, first, work, keep)
        for j in range(n_cand):
            if keep[j]:
                chosen[n_chosen] = cand[j]
                n_chosen += 1
    return chosen[:n_chosen]


@kernel
def _log1p_count(n: int) -> float:
    """``math.log1p(n)`` of a count, looked up for the first few."""
    return _LOG1P_CONTACTS[n] if 0 <= n < len(_LOG1P_CONTACTS) else math.log1p(n)


@kernel
def _step_kernel(
    t: int,
    base_pick: np.uint64,
    base_capacity: np.uint64,
    base_find: np.uint64,
    base_accept: np.uint64,
    base_disclose: np.uint64,
    base_help: np.uint64,
    base_refer: np.uint64,
    milieu: np.ndarray,
    hard_to_reach: np.ndarray,
    openness: np.ndarray,
    contacts: np.ndarray,
    refusals: np.ndarray,
    last_contact: np.ndarray,
    trust_worker: np.ndarray,
    image: np.ndarray,
    landlord: np.ndarray,
    ties: np.ndarray,
    knowledge: np.ndarray,
    engagement: np.ndarray,
    first_attempt: np.ndarray,
    first_success: np.ndarray,
    need_open: np.ndarray,
    need_queue: np.ndarray,
    worker_knowledge: np.ndarray,
    worker_filled: np.ndarray,
    employer: np.ndarray,
    health_network: np.ndarray,
    landlord_kind: np.ndarray,
    direct_help: np.ndarray,
    worker_fte: np.ndarray,
    contacts_per_fte: np.ndarray,
    time_on_site: np.ndarray,
    capacity_floor: np.ndarray,
    max_refusals: np.ndarray,
    follow_up_window: np.ndarray,
    follow_up_priority: np.ndarray,
    new_contact_priority: np.ndarray,
    find_logodds: np.ndarray,
    hard_to_reach_effect: np.ndarray,
    on_site_reach_effect: np.ndarray,
    base_logodds: np.ndarray,
    previous_contacts_effect: np.ndarray,
    trust_effect: np.ndarray,
    trust_gain: np.ndarray,
    landlord_wariness: np.ndarray,
    image_transfer: np.ndarray,
    ties_gain: np.ndarray,
    dose_worker: np.ndarray,
    disclosure_logodds: np.ndarray,
    disclosure_trust_effect: np.ndarray,
    worker_direct_help: np.ndarray,
    disclosure_engagement_gain: np.ndarray,
    contacts_made: np.ndarray,
    successful_contacts: np.ndarray,
    needs_disclosed: np.ndarray,
    first_attempts: np.ndarray,
    observed: tuple,
    closing: tuple,
    warm: tuple,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> int:
    """The month's contacts in milieux ``m_lo:m_hi`` (their households: rows
    ``rows[m_lo]:rows[m_hi]``), in place; the needs the worker meets are closed here
    (``closing``: :func:`needs.met_closing`), the others referred warmly (``warm``:
    :func:`referral.warm_context`). Returns how many were referred."""
    K = need_open.shape[1]
    M = len(worker_fte)
    cap = _capacity(
        worker_fte, contacts_per_fte, time_on_site, capacity_floor, worker_knowledge, worker_filled
    )
    cap_int = np.zeros(M)  # milieux outside the slice: none
    for m in range(m_lo, m_hi):
        whole = np.floor(cap[m])
        cap_int[m] = whole + (1.0 if uniform(base_capacity, m) < cap[m] - whole else 0.0)

    chosen = _choose(
        t,
        base_pick,
        cap_int,
        rows,
        contacts,
        refusals,
        last_contact,
        need_open,
        need_queue,
        max_refusals,
        follow_up_window,
        follow_up_priority,
        new_contact_priority,
        m_lo,
        m_hi,
    )
    n_chosen = len(chosen)
    # the needs the worker meets directly and those referred warmly, in household order
    helped_rows = np.empty(n_chosen * K, np.int64)
    helped_cols = np.empty(n_chosen * K, np.int64)
    refer_rows = np.empty(n_chosen * K, np.int64)
    refer_cols = np.empty(n_chosen * K, np.int64)
    refer_u = np.empty(n_chosen * K)
    n_helped = 0
    n_refer = 0
    # contact by contact (each touches its own household alone), milieu by milieu: the
    # milieu's parameters read once (see _jit, row loops)
    j = 0
    for m in range(m_lo, m_hi):
        end = rows[m + 1]
        if j == n_chosen or chosen[j] >= end:
            continue
        find_m = find_logodds[m]
        reach_m = hard_to_reach_effect[m] * (1 - on_site_reach_effect[m] * time_on_site[m])
        accept_m, previous_m = base_logodds[m], previous_contacts_effect[m]
        trust_m = trust_effect[m]
        gain = trust_gain[m] * (1 - landlord_wariness[m])
        e = employer[m]
        to_health = 1.0 if e >= 0 and health_network[e] else 0.0
        to_landlord = 1.0 if e >= 0 and landlord_kind[e] else 0.0
        transfer, ties_m, dose = image_transfer[m], ties_gain[m], dose_worker[m]
        disclose_m, disclose_trust = disclosure_logodds[m], disclosure_trust_effect[m]
        help_m = worker_direct_help[m] * worker_knowledge[m]
        engagement_m = disclosure_engagement_gain[m]
        while j < n_chosen and chosen[j] < end:
            i = chosen[j]
            j += 1
            contacts_made[m] += 1
            _observe_attempt(t, i, m, first_attempt, first_attempts)
            # an attempt first has to find the resident (disaffiliated ones are seldom found,
            # less so by a worker on site); a resident found accepts or declines the
            # conversation
            if not uniform(base_find, i) < sigmoid(find_m + reach_m * hard_to_reach[i]):
                continue
            logit = (
                accept_m
                + previous_m * _log1p_count(contacts[i])
                + trust_m * trust_worker[i]
                + openness[i]
            )
            if not uniform(base_accept, i) < sigmoid(logit):
                if contacts[i] == 0:
                    refusals[i] += 1
                continue
            _observe_success(t, i, m, hard_to_reach, first_attempt, first_success, observed)
            # a successful contact builds trust by a fraction of the remaining gap; part of
            # the trust gained goes to the worker's employer: the health network, or the
            # landlord
            delta = gain * (1 - trust_worker[i])
            trust_worker[i] += delta
            image[i] += transfer * delta * to_health * (1 - image[i])
            landlord[i] += transfer * delta * to_landlord * (1 - landlord[i])
            ties[i] += ties_m * (1 - ties[i])
            contacts[i] += 1
            last_contact[i] = t
            knowledge[i] = knowledge_dose_one(knowledge[i], dose)
            successful_contacts[m] += 1
            # disclosure of open needs nobody handles yet; the worker meets some directly
            # (local resources, procedures, socialising) and refers the others warmly
            p_disc = -1.0  # the chance to disclose, worked out at the first need to disclose
            for k in range(K):
                entry = i * K + k
                if not (need_open[i, k] and need_queue[i, k] < 0):
                    continue
                if p_disc < 0:
                    p_disc = sigmoid(disclose_m + disclose_trust * trust_worker[i])
                if not uniform(base_disclose, entry) < p_disc:
                    continue
                needs_disclosed[m] += 1
                if direct_help[k] and uniform(base_help, entry) < help_m:
                    helped_rows[n_helped] = i
                    helped_cols[n_helped] = k
                    n_helped += 1
                else:
                    refer_rows[n_refer] = i
                    refer_cols[n_refer] = k
                    refer_u[n_refer] = uniform(base_refer, entry)
                    n_refer += 1
                if k == _SOCIALISING:  # confiding a socialising need engages the resident
                    engagement[i] += engagement_m * (1 - engagement[i])
    close_met_with(helped_rows[:n_helped], helped_cols[:n_helped], closing)
    refer_warmly(refer_rows[:n_refer], refer_cols[:n_refer], refer_u[:n_refer], True, warm)
    return n_refer
