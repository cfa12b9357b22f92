"""The compiled kernels of outreach and services (hlmsim.mechanisms.outreach, .services) give
the orders, choices and numbers of the array code they replaced, bit for bit: the queues' order
(a stable ``np.lexsort``), the worker's choice of residents (a stable sort on one float key, cut
by milieu), the information dose and the capacities; and each kernel compiles once."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from conftest import same_math

from hlmsim import load_scenario
from hlmsim.constants import OUTREACH_SCORE_SPAN
from hlmsim.mechanisms import outreach, services
from hlmsim.mechanisms._jit import uniform
from hlmsim.mechanisms._select import select_lowest
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


def _choose_with_numpy(t, base, cap_int, rows, contacts, refusals, last, open_, queue, mp):
    """The array code the outreach kernel replaced (choice of the residents contacted): one
    stable sort of all the keys, cut into runs of one milieu, the households chosen listed in
    household order as the kernel lists them."""
    max_ref, window, fu_prio, new_prio = mp
    K = open_.shape[1]
    milieu = np.repeat(np.arange(len(rows) - 1), np.diff(rows))
    u_pick = np.array([uniform(base, i) for i in range(len(milieu))])
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
    # the model's layout: each milieu's households in a run of rows (some milieux empty)
    rows = np.r_[0, np.sort(rng.integers(0, N, M - 1)), N]
    base = np.uint64(rng.integers(0, 2**63))
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
    args = (t, base, cap_int, rows, contacts, refusals, last, open_, queue)
    expected = _choose_with_numpy(*args, mp)
    np.testing.assert_array_equal(outreach._choose(*args, *mp, 0, M), expected)
    # a slice of milieux: its own choices alone
    lo, hi = 1, M - 1
    in_slice = expected[(expected >= rows[lo]) & (expected < rows[hi])]
    np.testing.assert_array_equal(outreach._choose(*args, *mp, lo, hi), in_slice)


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
    for fn in (outreach._step_kernel, services._serve):
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


@pytest.mark.parametrize("seed", range(60))
def test_partial_selection_equals_the_stable_sort(seed):
    # many ties; from none to all kept; keys spread evenly or bunched (most in one bucket)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 500))
    score = rng.choice([0.0, 0.25, 0.5, 1.0], n) if seed % 2 else rng.random(n) * 3.9
    if seed % 3 == 2:
        score = np.where(rng.random(n) < 0.9, rng.random(n) * 1e-12, score)
    key = int(rng.integers(0, 500)) * OUTREACH_SCORE_SPAN - score  # as the worker's keys
    pos = np.sort(rng.choice(n + 50, n, replace=False))  # positions in a longer array
    keys = np.full(n + 50, np.nan)
    keys[pos] = key
    keep = int(rng.integers(0, n + 1))
    work = (np.empty(n, np.int64), np.empty(n + 1, np.int64), np.empty(n))
    chosen = np.zeros(n + 50, dtype=bool)
    select_lowest(keys, pos, key.min(), key.max(), keep, work, chosen)
    expected = np.zeros(n + 50, dtype=bool)
    expected[pos[np.argsort(key, kind="stable")[:keep]]] = True
    np.testing.assert_array_equal(chosen, expected)
