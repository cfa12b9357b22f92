"""Services: each partner serves its queue within a monthly capacity (priority for direct
access, then the longest waits); network partners pool their unused capacity; a service meets
the need with some probability; network partners refer residents' other needs onward (no silo);
requests that wait too long are dropped (EMOD's CHW coordinator form).

``step`` calls one compiled kernel on each slice of milieux, ``_serve``: queues served within
capacity, pooling, the services' results, the needs met closed (:func:`needs.close_met_with`);
then ``_refer_and_wait`` (onward referrals chosen, the others wait, give up or are dropped) and
the onward referrals (:func:`referral.refer_warmly`). Trust between organisations then grows
with the referrals completed (:func:`referral.build_trust`)."""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import REUSED_DRAW_FLOOR
from ..state import HEALTH_NETWORK, LANDLORD, SERVES
from . import _threads, referral
from ._jit import kernel, sigmoid, uniform
from ._select import select_lowest
from .needs import close_met_with, met_closing
from .referral import refer_warmly

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
        "ms.rows",
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


def capacity(model: HLMModel) -> np.ndarray:
    """Monthly capacity of every partner for this milieu's residents, (M, P): the CIUSSS's
    front-line services have their own (strained) capacity."""
    mp, ms = model.mp, model.ms
    return _capacity(
        mp.ciusss_capacity_per_100_households,
        mp.service_capacity_per_100_households,
        ms.n_households,
        ms.funding,
        HEALTH_NETWORK,
    )


@kernel
def _capacity(
    ciusss_per_100: np.ndarray,
    other_per_100: np.ndarray,
    n_households: np.ndarray,
    funding: np.ndarray,
    health_network: np.ndarray,
) -> np.ndarray:
    """:func:`capacity` on the arrays."""
    M, P = funding.shape
    cap = np.empty((M, P))
    for m in range(M):
        for p in range(P):
            per_100 = ciusss_per_100[m] if health_network[p] else other_per_100[m]
            cap[m, p] = per_100 * n_households[m] / 100 * funding[m, p]
    return cap


#: Codes of ``hh.need_origin`` (``referral.ORIGIN``), for the kernels.
_BY_WORKER, _BY_PARTNER, _BY_SELF = (referral.ORIGIN[k] for k in ("worker", "partner", "self"))


def observe_exits(
    model: HLMModel, rows: np.ndarray, cols: np.ndarray, g: np.ndarray, wait: np.ndarray, how: str
) -> None:
    """Observation: requests leaving the queues this month, served (``how="service"``, a first
    service whatever its result, with the months waited) or given up (``"given_up"``), by
    partner and by the origin of the request (``hlmsim.observables``). The requests (rows,
    cols) are distinct; ``g`` is their queue (milieu * P + partner), ``wait`` their months
    waited (int64)."""
    tally = model.tally
    served = how == "service"
    prefix = "served" if served else "given_up"
    _observe_exits(
        rows,
        cols,
        g,
        wait,
        served,
        model.hh.need_origin,
        tally["service_first" if served else "service_given_up"],
        tally["service_wait_months"],
        tally[f"{prefix}_worker"],
        tally[f"{prefix}_partner"],
        tally[f"{prefix}_self"],
    )


@kernel
def _observe_exits(
    rows: np.ndarray,
    cols: np.ndarray,
    g: np.ndarray,
    wait: np.ndarray,
    served: bool,
    need_origin: np.ndarray,
    exits: np.ndarray,
    wait_months: np.ndarray,
    by_worker: np.ndarray,
    by_partner: np.ndarray,
    by_self: np.ndarray,
) -> None:
    """:func:`observe_exits` on the arrays: ``exits`` and ``wait_months`` by (milieu, partner),
    the exits by origin by milieu (tallies, added to)."""
    P = exits.shape[1]
    for j in range(len(rows)):
        m, p = g[j] // P, g[j] % P
        exits[m, p] += 1
        if served:
            wait_months[m, p] += wait[j]
        origin = need_origin[rows[j], cols[j]]
        if origin == _BY_WORKER:
            by_worker[m] += 1
        elif origin == _BY_PARTNER:
            by_partner[m] += 1
        elif origin == _BY_SELF:
            by_self[m] += 1
        need_origin[rows[j], cols[j]] = 0


#: Uses of the counter-based numbers (``CounterDraws`` slots): the rounding of each partner's
#: capacity (by milieu and partner), then per request: tie-breaks in a queue, the service's
#: success, onward referral, giving up while waiting.
class Draw(IntEnum):
    CAPACITY = auto()
    TIE = auto()
    OK = auto()
    CROSS = auto()
    GIVE_UP = auto()


def step(model: HLMModel) -> None:
    """Partners serve their queues within capacity, pool, refer onward; long waits are dropped."""
    hh, mp, ms, tally = model.hh, model.mp, model.ms, model.tally
    # numbers addressed by partner or request, drawn for those that need them (common random
    # numbers by household, need and month: see hlmsim.rng.CounterDraws)
    draw = model.rs.bases("services", model.t)
    # after the services, the requests left waiting and partners' onward referrals
    waiting = (
        draw[Draw.CROSS],
        draw[Draw.GIVE_UP],
        hh.need_open,
        hh.need_queue,
        hh.need_wait,
        hh.need_priority,
        hh.need_origin,
        hh.image,
        hh.landlord,
        ms.member,
        ms.trust,
        HEALTH_NETWORK,
        LANDLORD,
        mp.cross_referral_logodds,
        mp.referral_tie_effect,
        mp.max_wait_months,
        mp.wait_give_up_monthly,
        mp.image_loss_drop,
        tally["cross_referrals"],
        tally["service_given_up"],
        tally["given_up_worker"],
        tally["given_up_partner"],
        tally["given_up_self"],
        tally["requests_dropped"],
    )
    onward = referral.warm_context(model, by_worker=False)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads)
    referred = _threads.run(
        _serve,
        model.slices,
        int(model.t),
        draw[Draw.CAPACITY],
        draw[Draw.TIE],
        draw[Draw.OK],
        hh.need_queue,
        hh.need_wait,
        hh.need_priority,
        hh.need_origin,
        hh.last_served,
        hh.image,
        hh.landlord,
        ms.n_households,
        ms.funding,
        ms.member,
        HEALTH_NETWORK,
        LANDLORD,
        SERVES,
        mp.ciusss_capacity_per_100_households,
        mp.service_capacity_per_100_households,
        mp.resource_pooling,
        mp.service_success,
        mp.image_gain_service,
        tally["pooled_services"],
        tally["services"],
        tally["service_first"],
        tally["service_wait_months"],
        tally["served_worker"],
        tally["served_partner"],
        tally["served_self"],
        met_closing(model, "service"),
        waiting,
        onward,
        ms.rows,
    )
    # (the requests left waiting are done with: the onward referrals, other needs, came last)
    if sum(referred):
        referral.build_trust(model, onward)


@kernel
def _first_in_queue(
    group: np.ndarray, priority: np.ndarray, wait: np.ndarray, u: np.ndarray, limit: np.ndarray
) -> np.ndarray:
    """Whether each request is among the first ``limit[group]`` of its group's queue: direct
    access first, then the longest waits, then the tie-break numbers ``u`` (then the order
    given: the order of a stable ``np.lexsort((u, -wait, ~priority, group))``). Group by group,
    without sorting: the requests of the classes (direct access, wait) ahead of the class where
    the count reaches the limit are served, and that class's lowest numbers ``u``
    (:func:`._select.select_lowest`)."""
    n, n_groups = len(group), len(limit)
    first = np.zeros(n, np.bool_)
    if n == 0:
        return first
    low, high = wait.min(), wait.max()
    span = high - low + 1
    # requests by group, in the order given (a counting sort), and each one's class: direct
    # access first, then the longest waits
    start = np.zeros(n_groups + 1, np.int64)
    rank = np.empty(n, np.int64)
    for j in range(n):
        start[group[j] + 1] += 1
        rank[j] = (0 if priority[j] else 1) * span + (high - wait[j])
    longest = 0
    for g in range(n_groups):
        start[g + 1] += start[g]
        longest = max(longest, start[g + 1] - start[g])
    members = np.empty(n, np.int64)
    fill = start[:-1].copy()
    for j in range(n):
        members[fill[group[j]]] = j
        fill[group[j]] += 1
    in_class = np.zeros(2 * span, np.int64)
    tied = np.empty(longest, np.int64)
    work = (np.empty(longest, np.int64), np.empty(longest + 1, np.int64), np.empty(longest))
    for g in range(n_groups):
        a, b = start[g], start[g + 1]
        if b == a or not limit[g] > 0:
            continue
        if limit[g] >= b - a:  # room for all
            for j in members[a:b]:
                first[j] = True
            continue
        keep = int(math.ceil(limit[g]))
        for j in members[a:b]:
            in_class[rank[j]] += 1
        # the class where the count reaches keep: those ahead are served, and its own
        # requests of lowest u (ties: in the order given)
        split = 0
        ahead = 0
        while ahead + in_class[split] < keep:
            ahead += in_class[split]
            split += 1
        c = 0
        u_low, u_high = np.inf, -np.inf
        for j in members[a:b]:
            if rank[j] < split:
                first[j] = True
            elif rank[j] == split:
                tied[c] = j
                c += 1
                u_low, u_high = min(u_low, u[j]), max(u_high, u[j])
            in_class[rank[j]] = 0
        select_lowest(u, tied[:c], u_low, u_high, keep - ahead, work, first)
    return first


@kernel
def _serve(
    t: int,
    base_capacity: np.uint64,
    base_tie: np.uint64,
    base_ok: np.uint64,
    need_queue: np.ndarray,
    need_wait: np.ndarray,
    need_priority: np.ndarray,
    need_origin: np.ndarray,
    last_served: np.ndarray,
    image: np.ndarray,
    landlord: np.ndarray,
    n_households: np.ndarray,
    funding: np.ndarray,
    member: np.ndarray,
    health_network: np.ndarray,
    landlord_kind: np.ndarray,
    serves: np.ndarray,
    ciusss_per_100: np.ndarray,
    other_per_100: np.ndarray,
    resource_pooling: np.ndarray,
    service_success: np.ndarray,
    image_gain_service: np.ndarray,
    pooled_services: np.ndarray,
    services: np.ndarray,
    service_first: np.ndarray,
    service_wait_months: np.ndarray,
    served_worker: np.ndarray,
    served_partner: np.ndarray,
    served_self: np.ndarray,
    closing: tuple,
    waiting: tuple,
    onward: tuple,
    households: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> int:
    """The queues of milieux ``m_lo:m_hi`` (their households: rows
    ``households[m_lo]:households[m_hi]``; a household's requests queue in its own milieu)
    served within capacity and pooling, in place; the needs met are closed here (``closing``:
    :func:`needs.met_closing`); then the requests not served wait, give up or are dropped and
    partners refer other needs onward (:func:`_refer_and_wait`, ``waiting``: its arguments
    after the requests; :func:`referral.refer_warmly`, ``onward``: its context). Returns how many
    needs were referred onward."""
    K = need_queue.shape[1]
    M, P = member.shape
    # the queued requests, in row order (flat passes over the slice's entries r * K + c: a
    # view from its first entry, indexed from 0, see _jit, row loops)
    first_entry = households[m_lo] * K
    queued = need_queue.ravel()[first_entry : households[m_hi] * K]
    n = 0
    for e in range(len(queued)):
        n += queued[e] >= 0
    rows = np.empty(n, np.int64)
    cols = np.empty(n, np.int64)
    j = 0
    for e in range(len(queued)):
        if queued[e] >= 0:
            rows[j] = (first_entry + e) // K
            cols[j] = first_entry + e - rows[j] * K
            j += 1
    g = np.empty(n, np.int64)
    wait = np.empty(n, np.int64)
    priority = np.empty(n, np.bool_)
    u_tie = np.empty(n)
    for j in range(n):
        r, c = rows[j], cols[j]
        g[j], wait[j], priority[j] = need_queue[r, c], need_wait[r, c], need_priority[r, c]
        u_tie[j] = uniform(base_tie, r * K + c)
    cap = _capacity(ciusss_per_100, other_per_100, n_households, funding, health_network)
    cap_int = np.zeros(M * P)  # milieux outside the slice: none
    for m in range(m_lo, m_hi):
        for p in range(P):
            whole = np.floor(cap[m, p])
            up = uniform(base_capacity, m * P + p) < cap[m, p] - whole
            cap_int[m * P + p] = whole + (1.0 if up else 0.0)
    # each partner serves its queue within its capacity: direct access, then the longest waits
    served = _first_in_queue(g, priority, wait, u_tie, cap_int)

    # pooling: members lend unused capacity to other members' queues in the same milieu, for
    # the needs they can serve themselves (a library does not take a psychosocial request); a
    # member serving several kinds of need shares its unused capacity among them
    used = np.zeros(M * P)
    for j in range(n):
        if served[j]:
            used[g[j]] += 1
    pool = np.zeros(M * K)  # (milieu, need category)
    for m in range(m_lo, m_hi):
        for p in range(P):
            if not member[m, p]:
                continue
            n_kinds = 0
            for k in range(K):
                n_kinds += serves[p, k]
            share = max(cap_int[m * P + p] - used[m * P + p], 0.0) / n_kinds
            for k in range(K):
                if serves[p, k]:
                    pool[m * K + k] += share  # halves or whole: the sum is exact
        for k in range(K):
            pool[m * K + k] = np.floor(resource_pooling[m] * pool[m * K + k])
    n_wait = 0
    for j in range(n):
        n_wait += not served[j] and member[g[j] // P, g[j] % P]
    if pool.max() > 0 and n_wait > 0:
        idx = np.empty(n_wait, np.int64)
        i = 0
        for j in range(n):
            if not served[j] and member[g[j] // P, g[j] % P]:
                idx[i] = j
                i += 1
        mk = (g[idx] // P) * K + cols[idx]  # (milieu, need category)
        lent_to = _first_in_queue(mk, priority[idx], wait[idx], u_tie[idx], pool)
        for i in range(n_wait):
            if lent_to[i]:
                served[idx[i]] = True
                pooled_services[g[idx[i]] // P] += 1

    # served: met or not; health-network services shape its image (and the landlord's its
    # own), once per household
    n_served = 0
    for j in range(n):
        n_served += served[j]
    sr = np.empty(n_served, np.int64)
    sc = np.empty(n_served, np.int64)
    sg = np.empty(n_served, np.int64)
    s_wait = np.empty(n_served, np.int64)
    i = 0
    for j in range(n):
        if served[j]:
            sr[i], sc[i], sg[i], s_wait[i] = rows[j], cols[j], g[j], wait[j]
            i += 1
    _observe_exits(
        sr,
        sc,
        sg,
        s_wait,
        True,
        need_origin,
        service_first,
        service_wait_months,
        served_worker,
        served_partner,
        served_self,
    )
    met_rows = np.empty(n_served, np.int64)
    met_cols = np.empty(n_served, np.int64)
    n_met = 0
    last_image = last_landlord = -1  # rows come in order: a household's requests together
    for i in range(n_served):
        r, c = sr[i], sc[i]
        m, p = sg[i] // P, sg[i] % P
        ok = uniform(base_ok, r * K + c) < service_success[m]
        services[m] += 1
        last_served[r] = t
        if ok and health_network[p] and r != last_image:
            image[r] = image[r] + image_gain_service[m] * (1.0 - image[r])
            last_image = r
        if ok and landlord_kind[p] and r != last_landlord:
            landlord[r] = landlord[r] + image_gain_service[m] * (1.0 - landlord[r])
            last_landlord = r
        if ok:
            met_rows[n_met], met_cols[n_met] = r, c
            n_met += 1
        else:
            need_queue[r, c] = -1
            need_wait[r, c] = 0
            need_priority[r, c] = False
    close_met_with(met_rows[:n_met], met_cols[:n_met], closing)
    # the others wait; partners refer other needs onward
    onward_rows, onward_cols, onward_u = _refer_and_wait(rows, cols, g, served, *waiting)
    refer_warmly(onward_rows, onward_cols, onward_u, False, onward)
    return len(onward_rows)


@kernel
def _refer_and_wait(
    rows: np.ndarray,
    cols: np.ndarray,
    g: np.ndarray,
    served: np.ndarray,
    base_cross: np.uint64,
    base_give_up: np.uint64,
    need_open: np.ndarray,
    need_queue: np.ndarray,
    need_wait: np.ndarray,
    need_priority: np.ndarray,
    need_origin: np.ndarray,
    image: np.ndarray,
    landlord: np.ndarray,
    member: np.ndarray,
    trust: np.ndarray,
    health_network: np.ndarray,
    landlord_kind: np.ndarray,
    cross_referral_logodds: np.ndarray,
    referral_tie_effect: np.ndarray,
    max_wait_months: np.ndarray,
    wait_give_up_monthly: np.ndarray,
    image_loss_drop: np.ndarray,
    cross_referrals: np.ndarray,
    service_given_up: np.ndarray,
    given_up_worker: np.ndarray,
    given_up_partner: np.ndarray,
    given_up_self: np.ndarray,
    requests_dropped: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """After the needs met are closed: onward referrals chosen, the other requests wait, give
    up or are dropped, in place (the requests: ``rows``, ``cols``, queue ``g`` = milieu * P +
    partner, in row order, and whether each was served). Returns the onward referrals (rows,
    cols, numbers) for :func:`referral.refer_warmly`."""
    N, K = need_open.shape
    P = member.shape[1]
    n = len(rows)

    # network partners refer residents' other open needs onward (no silo): one onward referrer
    # per household, the last member that served it
    hr = np.empty(n, np.int64)
    link = np.empty(n, np.int64)
    n_hr = 0
    for j in range(n):
        if served[j] and member[g[j] // P, g[j] % P]:
            if n_hr == 0 or hr[n_hr - 1] != rows[j]:  # rows come in order
                n_hr += 1
            hr[n_hr - 1], link[n_hr - 1] = rows[j], g[j]
    onward_rows = np.empty(n_hr * K, np.int64)
    onward_cols = np.empty(n_hr * K, np.int64)
    onward_u = np.empty(n_hr * K)
    n_onward = 0
    for i in range(n_hr):
        r = hr[i]
        lm, lp = link[i] // P, link[i] % P
        p_cross = sigmoid(cross_referral_logodds[lm] + referral_tie_effect[lm] * trust[lm, lp])
        for c in range(K):
            if not (need_open[r, c] and need_queue[r, c] < 0):
                continue
            u = uniform(base_cross, r * K + c)
            if u < p_cross:
                onward_rows[n_onward], onward_cols[n_onward] = r, c
                onward_u[n_onward] = u / max(p_cross, REUSED_DRAW_FLOOR)
                n_onward += 1
                cross_referrals[lm] += 1

    # the others wait; some give up while waiting, and too long a wait drops the request
    n_drop = 0
    drop = np.zeros(n, np.bool_)
    for j in range(n):
        if served[j]:
            continue
        r, c, m = rows[j], cols[j], g[j] // P
        need_wait[r, c] += 1
        drop[j] = (
            need_wait[r, c] >= max_wait_months[m]
            or uniform(base_give_up, r * K + c) < wait_give_up_monthly[m]
        )
        n_drop += drop[j]
    dr = rows[drop]
    dc = cols[drop]
    dg = g[drop]
    d_wait = np.empty(n_drop, np.int64)
    for i in range(n_drop):
        d_wait[i] = need_wait[dr[i], dc[i]] - 1
    _observe_exits(
        dr,
        dc,
        dg,
        d_wait,
        False,
        need_origin,
        service_given_up,
        service_given_up,  # (unused: no months waited are kept for requests given up)
        given_up_worker,
        given_up_partner,
        given_up_self,
    )
    last_image = last_landlord = -1  # rows come in order: once per household
    for i in range(n_drop):
        r, c = dr[i], dc[i]
        m, p = dg[i] // P, dg[i] % P
        need_queue[r, c] = -1
        need_wait[r, c] = 0
        need_priority[r, c] = False
        if health_network[p] and r != last_image:
            image[r] *= 1 - image_loss_drop[m]
            last_image = r
        if landlord_kind[p] and r != last_landlord:
            landlord[r] *= 1 - image_loss_drop[m]
            last_landlord = r
        requests_dropped[m] += 1
    return onward_rows[:n_onward], onward_cols[:n_onward], onward_u[:n_onward]
