"""Outreach ("aller vers"): within a monthly contact capacity (FTE, time on site, ramp-up), the
worker contacts residents, following up those with open needs and seeking out those not yet
reached. A contact succeeds with a probability that falls with disaffiliation and rises with
previous contacts (Aguilera et al. 2025); success builds trust by a fraction of the remaining gap
(less if the employer is the landlord), spreads knowledge of resources, and part of the trust goes
to the employer's institution. Residents disclose needs as they trust the worker; the worker meets
some directly and refers the others warmly."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import DOSE_FLOOR, NEVER, OUTREACH_SCORE_SPAN
from ..outcomes import HARD_TO_REACH
from ..state import HEALTH_NETWORK, LANDLORD, NEED
from . import referral
from ._util import rank_in_group_by_key, sigmoid
from .needs import close

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

DIRECT_HELP = np.zeros(len(NEED), dtype=bool)
DIRECT_HELP[[NEED["local_resources"], NEED["admin_procedures"], NEED["socialising"]]] = True


#: Uses of the counter-based numbers (``CounterDraws`` slots): finding the resident, the
#: resident accepting, disclosing a need, the worker's direct help, a warm referral's completion.
class Draw(IntEnum):
    FIND = auto()
    ACCEPT = auto()
    DISCLOSE = auto()
    HELP = auto()
    REFER = auto()


def capacity(model: HLMModel) -> np.ndarray:
    """Contacts the milieu's worker can make this month (expected)."""
    mp, ms = model.mp, model.ms
    return (
        mp.worker_fte
        * mp.worker_contacts_per_fte_month
        * mp.worker_time_on_site
        * (mp.worker_capacity_floor + (1 - mp.worker_capacity_floor) * ms.worker_knowledge)
        * ms.worker_filled
    )


def knowledge_dose(beta: np.ndarray, dose: np.ndarray) -> np.ndarray:
    """CommunityRx information dose: beta <- beta^(d (1 - beta) + beta)."""
    b = np.clip(beta, DOSE_FLOOR, 1.0)
    return np.power(b, dose * (1 - b) + b)


def observe_contacts(model: HLMModel, attempted: np.ndarray, succeeded: np.ndarray) -> None:
    """Observation: first contact attempts, and engagement (a first successful contact) with
    the months it took, hard-to-reach households apart (``hlmsim.observables``)."""
    hh, M, t = model.hh, model.ms.n, model.t
    first = attempted[hh.first_attempt[attempted] == NEVER]
    hh.first_attempt[first] = t
    model.tally["first_attempts"] += np.bincount(hh.milieu[first], minlength=M)
    new = succeeded[hh.first_success[succeeded] == NEVER]
    hh.first_success[new] = t
    m = hh.milieu[new]
    model.tally["first_engaged"] += np.bincount(m, minlength=M)
    model.tally["engaged_at_first"] += np.bincount(
        m, weights=hh.first_attempt[new] == t, minlength=M
    )
    months = t - hh.first_attempt[new] + 1.0
    hard = hh.hard_to_reach[new] >= HARD_TO_REACH
    model.tally["engage_months_hard"] += np.bincount(m, weights=months * hard, minlength=M)
    model.tally["engage_n_hard"] += np.bincount(m, weights=hard, minlength=M)
    model.tally["engage_months_other"] += np.bincount(m, weights=months * ~hard, minlength=M)
    model.tally["engage_n_other"] += np.bincount(m, weights=~hard, minlength=M)


def step(model: HLMModel) -> None:
    """The worker contacts residents; trust, disclosure, direct help and warm referrals."""
    hh, mp, ms = model.hh, model.mp, model.ms
    rng = model.rs["outreach"]
    N, K = hh.need_open.shape
    u_pick = rng.random((N,))
    u_cap = rng.random(ms.n)
    # numbers of the households and needs the worker reaches, drawn for them alone (common
    # random numbers by household, need and month: hlmsim.rng.CounterDraws)
    draw = model.rs.at("outreach", model.t)
    cap = capacity(model)
    cap_int = np.floor(cap) + (u_cap < cap - np.floor(cap))
    if not (cap_int > 0).any():
        return
    # a household that declined outreach_max_refusals times is no longer approached
    declined = (hh.contacts == 0) & (hh.refusals >= mp.outreach_max_refusals[hh.milieu])
    cand = np.flatnonzero((cap_int[hh.milieu] > 0) & ~declined)
    m = hh.milieu[cand]
    free_any = (hh.need_open & (hh.need_queue < 0)).view(np.uint8) @ np.ones(K, np.uint8) > 0
    follow_up = free_any[cand] & (model.t - hh.last_contact[cand] <= mp.follow_up_window_months[m])
    score = (
        u_pick[cand]
        + mp.follow_up_priority[m] * follow_up
        + mp.new_contact_priority[m] * ((hh.contacts[cand] == 0) & (hh.refusals[cand] == 0))
    )  # in [0, OUTREACH_SCORE_SPAN): the validation ranges of the two priorities see to it
    order, rank = rank_in_group_by_key(m, -score, span=OUTREACH_SCORE_SPAN)
    chosen = cand[order[rank < cap_int[m[order]]]]
    mc = hh.milieu[chosen]
    model.tally["contacts"] += np.bincount(mc, minlength=ms.n)

    # an attempt first has to find the resident (disaffiliated ones are seldom found, less so
    # by a worker on site); a resident found accepts or declines the conversation
    find_logit = (
        mp.outreach_find_logodds[mc]
        + mp.outreach_hard_to_reach_effect[mc]
        * (1 - mp.on_site_reach_effect[mc] * mp.worker_time_on_site[mc])
        * hh.hard_to_reach[chosen]
    )
    found = draw(chosen, Draw.FIND) < sigmoid(find_logit)
    logit = (
        mp.outreach_base_logodds[mc]
        + mp.outreach_previous_contacts_effect[mc] * np.log1p(hh.contacts[chosen])
        + mp.outreach_trust_effect[mc] * hh.trust_worker[chosen]
        + hh.openness[chosen]
    )
    ok = found & (draw(chosen, Draw.ACCEPT) < sigmoid(logit))
    refused = chosen[found & ~ok]
    hh.refusals[refused[hh.contacts[refused] == 0]] += 1
    who = chosen[ok]
    mw = hh.milieu[who]
    observe_contacts(model, chosen, who)
    gain = mp.trust_gain_per_contact[mw] * (1 - mp.worker_landlord_wariness[mw])
    delta = gain * (1 - hh.trust_worker[who])
    hh.trust_worker[who] += delta
    # part of the trust gained goes to the worker's employer: the health network, or the landlord
    employer = referral.employer_partner(model)
    employer_health = HEALTH_NETWORK[np.maximum(employer, 0)] & (employer >= 0)
    employer_landlord = LANDLORD[np.maximum(employer, 0)] & (employer >= 0)
    hh.image[who] += mp.image_transfer[mw] * delta * employer_health[mw] * (1 - hh.image[who])
    hh.landlord[who] += (
        mp.image_transfer[mw] * delta * employer_landlord[mw] * (1 - hh.landlord[who])
    )
    hh.ties[who] += mp.ties_gain_contact[mw] * (1 - hh.ties[who])
    hh.contacts[who] += 1
    hh.last_contact[who] = model.t
    hh.knowledge[who] = knowledge_dose(hh.knowledge[who], mp.knowledge_dose_worker[mw])
    model.tally["successful_contacts"] += np.bincount(mw, minlength=ms.n)

    # disclosure of open needs nobody handles yet
    free = hh.need_open[who] & (hh.need_queue[who] < 0)
    p_disc = sigmoid(
        mp.disclosure_base_logodds[mw] + mp.disclosure_trust_effect[mw] * hh.trust_worker[who]
    )
    u_disc = draw(who[:, None] * K + np.arange(K)[None, :], Draw.DISCLOSE)
    disclosed = free & (u_disc < p_disc[:, None])
    r, c = np.nonzero(disclosed)
    rows = who[r]
    model.tally["needs_disclosed"] += np.bincount(hh.milieu[rows], minlength=ms.n)
    helped = DIRECT_HELP[c] & (
        draw(rows * K + c, Draw.HELP)
        < mp.worker_direct_help[hh.milieu[rows]] * ms.worker_knowledge[hh.milieu[rows]]
    )
    close(model, rows[helped], c[helped], True, "worker")
    soc = rows[c == NEED["socialising"]]
    hh.engagement[soc] += mp.disclosure_engagement_gain[hh.milieu[soc]] * (1 - hh.engagement[soc])
    rr, cc = rows[~helped], c[~helped]
    tie = referral.tie_strength(model) * ms.worker_knowledge[:, None]
    referral.warm_referral(model, rr, cc, draw(rr * K + cc, Draw.REFER), tie, by_worker=True)
