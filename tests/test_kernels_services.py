"""The compiled kernels of outreach and services (hlmsim.mechanisms.outreach, .services) give
the orders, choices and numbers of the array code they replaced, bit for bit: the queues' order
(a stable ``np.lexsort``), the worker's choice of residents (a stable sort on one float key),
the information dose and the capacities; and each kernel compiles once."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from conftest import same_math

from hlmsim import load_scenario
from hlmsim.constants import OUTREACH_SCORE_SPAN
from hlmsim.mechanisms import outreach, services
from hlmsim.mechanisms._util import rank_in_group
from hlmsim.state import HEALTH_NETWORK


@pytest.mark.parametrize("seed", range(20))
def test_first_in_queue_follows_the_lexsort_order(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    group = rng.integers(0, 6, n)
    priority = rng.random(n) < 0.2
    wait = rng.integers(0, 4, n)  # many ties of group, priority and wait
    u = rng.choice([0.1, 0.2, 0.3], n) if seed % 2 else rng.random(n)  # ties of u too
    limit = rng.integers(0, 8, 6).astype(float)
    order, rank = rank_in_group(group, u, -wait, ~priority)
    expected = np.zeros(n, dtype=bool)
    expected[order] = rank < limit[group[order]]
    got = services._first_in_queue(group, priority, wait, u, limit)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(20))
def test_first_in_queue_follows_the_lexsort_order_in_long_queues(seed):
    # long queues, limits cutting inside a class of (direct access, wait), numbers u bunched or
    # tied: the partial selection of the lowest u within the class
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(200, 3000))
    group = rng.integers(0, 4, n)
    priority = rng.random(n) < 0.05
    wait = rng.integers(0, 3, n)
    u = rng.random(n)
    if seed % 3 == 1:
        u = np.where(rng.random(n) < 0.8, 0.5 + rng.random(n) * 1e-13, u)  # one bucket
    if seed % 3 == 2:
        u = rng.choice([0.1, 0.2, 0.3], n)
    limit = rng.integers(0, n // 4, 4).astype(float)
    order, rank = rank_in_group(group, u, -wait, ~priority)
    expected = np.zeros(n, dtype=bool)
    expected[order] = rank < limit[group[order]]
    got = services._first_in_queue(group, priority, wait, u, limit)
    np.testing.assert_array_equal(got, expected)


def _choose_with_numpy(t, u_pick, cap_int, milieu, contacts, refusals, last, open_, queue, mp):
    """The array code the outreach kernel replaced (choice of the residents contacted), the
    households chosen listed in household order as the kernel lists them."""
    max_ref, window, fu_prio, new_prio = mp
    K = open_.shape[1]
    declined = (contacts == 0) & (refusals >= max_ref[milieu])
    cand = np.flatnonzero((cap_int[milieu] > 0) & ~declined)
    m = milieu[cand]
    free_any = (open_ & (queue < 0)).view(np.uint8) @ np.ones(K, np.uint8) > 0
    follow_up = free_any[cand] & (t - last[cand] <= window[m])
    score = (
        u_pick[cand]
        + fu_prio[m] * follow_up
        + new_prio[m] * ((contacts[cand] == 0) & (refusals[cand] == 0))
    )
    order = np.argsort(m * OUTREACH_SCORE_SPAN + -score, kind="stable")
    g = m[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, int)
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    return np.sort(cand[order[rank < cap_int[m[order]]]])


@pytest.mark.parametrize("seed", range(20))
def test_worker_chooses_the_residents_the_array_code_chose(seed):
    rng = np.random.default_rng(seed)
    N, K, M, t = 400, 6, 5, 30
    milieu = np.sort(rng.integers(0, M, N)) if seed % 2 else rng.integers(0, M, N)
    u_pick = rng.choice([0.25, 0.5, 0.75], N) if seed % 3 == 0 else rng.random(N)
    cap_int = rng.integers(0, 60, M).astype(float)
    # the model's dtypes (hlmsim.state.init_state): one compilation a session
    contacts = rng.integers(0, 3, N).astype(np.int32)
    refusals = rng.integers(0, 3, N).astype(np.int32)
    last = rng.integers(0, t, N).astype(np.int32)
    open_ = rng.random((N, K)) < 0.3
    queue = np.where(rng.random((N, K)) < 0.5, -1, rng.integers(0, 10, (N, K))).astype(np.int32)
    mp = (
        rng.integers(1, 3, M).astype(float),
        rng.integers(0, 6, M).astype(float),
        rng.choice([0.0, 1.0, 1.5], M),
        rng.choice([0.0, 1.0, 2.0], M),
    )
    args = (t, u_pick, cap_int, milieu, contacts, refusals, last, open_, queue)
    np.testing.assert_array_equal(outreach._choose(*args, *mp, 0, N), _choose_with_numpy(*args, mp))


def test_worker_chooses_as_the_array_code_where_rounding_makes_milieux_keys_meet():
    # a score rounding to OUTREACH_SCORE_SPAN in milieu 1 gives the key of a zero score in
    # milieu 0: one sort of all the keys decides between them (household order)
    N, K, M, t = 6, 6, 2, 30
    milieu = np.array([1, 0, 1, 0, 0, 1])
    u_pick = np.array([np.nextafter(1.0, 0.0), 0.0, 0.5, 0.0, 0.3, 0.0])
    cap_int = np.array([2.0, 2.0])
    contacts, refusals = np.zeros(N, dtype=np.int32), np.zeros(N, dtype=np.int32)
    last = np.full(N, t - 1, dtype=np.int32)
    open_ = np.ones((N, K), dtype=bool)
    queue = np.full((N, K), -1, dtype=np.int32)
    new_prio = np.array([0.0, 1.5])  # milieu 1: never reached and followed up, 1 + 1.5 + 1.5
    mp = (np.full(M, 2.0), np.full(M, 6.0), np.array([0.0, 1.5]), new_prio)
    args = (t, u_pick, cap_int, milieu, contacts, refusals, last, open_, queue)
    expected = _choose_with_numpy(*args, mp)
    assert (OUTREACH_SCORE_SPAN - (u_pick[0] + 1.5 + 1.5)) == 0.0  # the keys meet
    np.testing.assert_array_equal(outreach._choose(*args, *mp, 0, N), expected)


def test_knowledge_dose_one_equals_the_array_dose():
    beta = np.r_[np.linspace(0.0, 1.0, 2001), 1e-9, 0.999999999]
    for dose in (0.01, 0.15, 0.5, 1.0):
        d = np.full(len(beta), dose)
        one = np.array([outreach.knowledge_dose_one(b, dose) for b in beta])
        same_math(one, outreach.knowledge_dose(beta, d))


def test_capacities_equal_the_array_formulas(sim):
    model = sim.model(load_scenario("study_mix", months=12), 3)
    model.run(6)
    mp, ms = model.mp, model.ms
    expected = (
        mp.worker_fte
        * mp.worker_contacts_per_fte_month
        * mp.worker_time_on_site
        * (mp.worker_capacity_floor + (1 - mp.worker_capacity_floor) * ms.worker_knowledge)
        * ms.worker_filled
    )
    np.testing.assert_array_equal(outreach.capacity(model), expected)
    per_100 = np.where(
        HEALTH_NETWORK[None, :],
        mp.ciusss_capacity_per_100_households[:, None],
        mp.service_capacity_per_100_households[:, None],
    )
    expected = per_100 * ms.n_households[:, None] / 100 * ms.funding
    np.testing.assert_array_equal(services.capacity(model), expected)


def test_kernels_compile_once_per_session(sim):
    for name in ("default", "study_mix"):
        sim.model(load_scenario(name, months=3), 1).run()
    for fn in (outreach._step_kernel, services._serve, services._refer_and_wait):
        assert len(fn.signatures) == 1, (fn, fn.signatures)
    helpers = (  # compiled within the kernels; called directly by the tests and wrappers
        outreach._choose,
        outreach._observe_contacts,
        outreach._capacity,
        outreach.knowledge_dose_one,
        services._first_in_queue,
        services._observe_exits,
        services._capacity,
    )
    for fn in helpers:
        # a helper compiled with its callers (not loaded from the cache) records a signature
        # per literal argument (True, False): only the argument types count
        types = {tuple(numba.types.unliteral(a) for a in sig) for sig in fn.signatures}
        assert len(types) <= 1, (fn, fn.signatures)


def _first_by_group_with_numpy(key, group, first):
    """Reference of ``outreach._first_by_group``: a stable sort of all the keys, cut into runs
    of one group, each run keeping its first ``first[group]`` positions (as a mask)."""
    order = np.argsort(key, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, int)
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    chosen = np.zeros(len(key), dtype=bool)
    chosen[order[rank < first[g]]] = True
    return chosen


@pytest.mark.parametrize("seed", range(60))
def test_partial_selection_equals_the_stable_sort_cut_by_group(seed):
    # groups' keys apart (the worker's keys) or meeting; many ties; first from 0 to all; keys
    # spread evenly or bunched (most in one bucket)
    rng = np.random.default_rng(seed)
    n, M = int(rng.integers(0, 500)), int(rng.integers(1, 8))
    group = rng.integers(0, M, n)
    if seed % 4 == 3:
        group = np.sort(group)
    score = rng.choice([0.0, 0.25, 0.5, 1.0], n) if seed % 2 else rng.random(n) * 3.9
    if seed % 3 == 2:
        score = np.where(rng.random(n) < 0.9, rng.random(n) * 1e-12, score)
    spread = OUTREACH_SCORE_SPAN if seed % 5 else 0.5  # 0.5: the groups' keys meet
    key = group * spread - score
    first = rng.integers(0, 120, M).astype(float)
    first[rng.random(M) < 0.2] = 0.0
    expected = _first_by_group_with_numpy(key, group, first)
    np.testing.assert_array_equal(outreach._first_by_group(key, group, first), expected)
