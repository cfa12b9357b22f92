"""Services: each partner serves its queue within a monthly capacity (priority for direct
access, then the longest waits); network partners pool their unused capacity; a service meets
the need with some probability; network partners refer residents' other needs onward (no silo);
requests that wait too long are dropped (EMOD's CHW coordinator form)."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import REUSED_DRAW_FLOOR
from ..state import HEALTH_NETWORK, LANDLORD, SERVES
from . import referral
from ._util import gap_gain, rank_in_group, sigmoid
from .needs import close

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes partners' onward (warm) referrals and needs met by services.)
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "hh.need_age",
        "model.best_onward",
        "model.t",
        "ms.colocated",
        "ms.distance",
        "ms.funding",
        "ms.member",
        "ms.n_households",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.agency",
        "hh.image",
        "hh.landlord",
        "hh.last_served",
        "hh.need_open",
        "hh.need_origin",
        "hh.need_priority",
        "hh.need_queue",
        "hh.need_wait",
        "ms.trust",
        "tally.cross_referrals",
        "tally.given_up_partner",
        "tally.given_up_self",
        "tally.given_up_worker",
        "tally.met_by_service",
        "tally.needs_met",
        "tally.needs_met_by_category",
        "tally.pooled_services",
        "tally.referrals_completed",
        "tally.referrals_made",
        "tally.referrals_partner",
        "tally.requests_dropped",
        "tally.served_partner",
        "tally.served_self",
        "tally.served_worker",
        "tally.service_first",
        "tally.service_given_up",
        "tally.service_wait_months",
        "tally.services",
        "tally.time_to_meet_sum",
    }
)


#: Kinds of need each partner kind serves (its unused capacity is shared among them).
SERVES_COUNT = SERVES.sum(axis=1)[None, :].astype(float)


def capacity(model: HLMModel) -> np.ndarray:
    """Monthly capacity of every partner for this milieu's residents, (M, P): the CIUSSS's
    front-line services have their own (strained) capacity."""
    mp, ms = model.mp, model.ms
    per_100 = np.where(
        HEALTH_NETWORK[None, :],
        mp.ciusss_capacity_per_100_households[:, None],
        mp.service_capacity_per_100_households[:, None],
    )
    return per_100 * ms.n_households[:, None] / 100 * ms.funding


def observe_exits(
    model: HLMModel, rows: np.ndarray, cols: np.ndarray, g: np.ndarray, wait: np.ndarray, how: str
) -> None:
    """Observation: requests leaving the queues this month, served (``how="service"``, a first
    service whatever its result, with the months waited) or given up (``"given_up"``), by
    partner and by the origin of the request (``hlmsim.observables``)."""
    hh, M = model.hh, model.ms.n
    P = model.ms.member.shape[1]
    first = "service_first" if how == "service" else "service_given_up"
    model.tally[first] += np.bincount(g, minlength=M * P).reshape(M, P)
    if how == "service":
        model.tally["service_wait_months"] += np.bincount(g, weights=wait, minlength=M * P).reshape(
            M, P
        )
    origin = hh.need_origin[rows, cols]
    prefix = "served" if how == "service" else "given_up"
    for name, code in referral.ORIGIN.items():
        sel = origin == code
        model.tally[f"{prefix}_{name}"] += np.bincount(g[sel] // P, minlength=M)
    hh.need_origin[rows, cols] = 0


#: Uses of the per-request numbers (``CounterDraws`` slots): tie-breaks in a queue, the
#: service's success, onward referral, giving up while waiting.
class Draw(IntEnum):
    TIE = auto()
    OK = auto()
    CROSS = auto()
    GIVE_UP = auto()


def step(model: HLMModel) -> None:
    """Partners serve their queues within capacity, pool, refer onward; long waits are dropped."""
    hh, mp, ms = model.hh, model.mp, model.ms
    rng = model.rs["services"]
    N, K = hh.need_open.shape
    M, P = ms.member.shape
    u_cap = rng.random((M, P))
    # per-request numbers, drawn for the requests that need them (common random numbers by
    # household, need and month: see hlmsim.rng.CounterDraws)
    draw = model.rs.at("services", model.t)
    rows, cols = np.nonzero(hh.need_queue >= 0)
    if len(rows) == 0:
        return
    g = hh.need_queue[rows, cols]
    cap = capacity(model)
    cap_int = (np.floor(cap) + (u_cap < cap - np.floor(cap))).ravel()
    wait = hh.need_wait[rows, cols]
    prio = hh.need_priority[rows, cols]
    u_tie = draw(rows * K + cols, Draw.TIE)
    order, rank = rank_in_group(g, u_tie, -wait, ~prio)
    served = np.zeros(len(rows), dtype=bool)
    served[order] = rank < cap_int[g[order]]

    # pooling: members lend unused capacity to other members' queues in the same milieu, for
    # the needs they can serve themselves (a library does not take a psychosocial request); a
    # member serving several kinds of need shares its unused capacity among them
    used = np.bincount(g[served], minlength=M * P)
    member = ms.member.ravel()
    unused = np.where(member, np.maximum(cap_int - used, 0), 0).reshape(M, P)
    pool = np.floor(mp.resource_pooling[:, None] * ((unused / SERVES_COUNT) @ SERVES))  # (M, K)
    waiting_member = ~served & member[g]
    if (pool > 0).any() and waiting_member.any():
        idx = np.flatnonzero(waiting_member)
        mk = (g[idx] // P) * K + cols[idx]
        o2, r2 = rank_in_group(mk, u_tie[idx], -wait[idx], ~prio[idx])
        lent = idx[o2[r2 < pool.ravel()[mk[o2]]]]
        served[lent] = True
        model.tally["pooled_services"] += np.bincount(g[lent] // P, minlength=M)

    # served: met or not; health-network services shape its image
    sr, sc, sg = rows[served], cols[served], g[served]
    sm, sp = sg // P, sg % P
    ok = draw(sr * K + sc, Draw.OK) < mp.service_success[sm]
    model.tally["services"] += np.bincount(sm, minlength=M)
    observe_exits(model, sr, sc, sg, hh.need_wait[sr, sc], "service")
    hh.last_served[sr] = model.t
    health = HEALTH_NETWORK[sp] & ok
    hh.image[sr[health]] = gap_gain(hh.image[sr[health]], mp.image_gain_service[sm[health]])
    land = LANDLORD[sp] & ok
    hh.landlord[sr[land]] = gap_gain(hh.landlord[sr[land]], mp.image_gain_service[sm[land]])
    close(model, sr[ok], sc[ok], True, "service")
    hh.need_queue[sr[~ok], sc[~ok]] = -1
    hh.need_wait[sr[~ok], sc[~ok]] = 0
    hh.need_priority[sr[~ok], sc[~ok]] = False

    # network partners refer residents' other open needs onward (no silo)
    by_member = ms.member[sm, sp]
    if by_member.any():
        hr, hm, hp = sr[by_member], sm[by_member], sp[by_member]
        link = np.zeros((N,), dtype=np.int64) - 1
        link[hr] = hm * P + hp  # one onward referrer per household (the last served)
        hr = np.unique(hr)
        cand_r, cand_c = np.nonzero(hh.need_open[hr] & (hh.need_queue[hr] < 0))
        cr = hr[cand_r]
        if len(cr):
            lm, lp = link[cr] // P, link[cr] % P
            p_cross = sigmoid(
                mp.cross_referral_logodds[lm] + mp.referral_tie_effect[lm] * ms.trust[lm, lp]
            )
            u_cross = draw(cr * K + cand_c, Draw.CROSS)
            go = u_cross < p_cross
            referral.warm_referral(
                model,
                cr[go],
                cand_c[go],
                u_cross[go] / np.maximum(p_cross[go], REUSED_DRAW_FLOOR),
                ms.trust,
                by_worker=False,
            )
            model.tally["cross_referrals"] += np.bincount(lm[go], minlength=M)

    # the others wait; some give up while waiting, and too long a wait drops the request
    wr, wc, wg = rows[~served], cols[~served], g[~served]
    hh.need_wait[wr, wc] += 1
    drop = (hh.need_wait[wr, wc] >= mp.max_wait_months[wg // P]) | (
        draw(wr * K + wc, Draw.GIVE_UP) < mp.wait_give_up_monthly[wg // P]
    )
    dr, dc, dg = wr[drop], wc[drop], wg[drop]
    observe_exits(model, dr, dc, dg, hh.need_wait[dr, dc] - 1, "given_up")
    hh.need_queue[dr, dc] = -1
    hh.need_wait[dr, dc] = 0
    hh.need_priority[dr, dc] = False
    dh = HEALTH_NETWORK[dg % P]
    hh.image[dr[dh]] *= 1 - mp.image_loss_drop[dg[dh] // P]
    dl = LANDLORD[dg % P]
    hh.landlord[dr[dl]] *= 1 - mp.image_loss_drop[dg[dl] // P]
    model.tally["requests_dropped"] += np.bincount(dg // P, minlength=M)
