"""The compiled kernels of needs, power to act and referrals give exactly what the array code
they replaced gave (kept here as small references), and compile once per session."""

from __future__ import annotations

import numpy as np
from conftest import same_math

from hlmsim.constants import MEMBER_TIE_BREAK
from hlmsim.mechanisms import agency, needs, referral
from hlmsim.state import NEED, SERVES


def test_learning_counts_each_households_needs_together(sim):
    model = sim.model(sim.scenario(milieux=2, units=30))
    hh = model.hh
    hh.agency[:] = np.linspace(0.0, 0.9, hh.n)
    rows = np.array([7, 3, 7, 40, 3, 7, 0])  # unsorted, with repeats
    expected = hh.agency.copy()
    who, times = np.unique(rows, return_counts=True)
    keep = (1 - model.mp.agency_gain_help[hh.milieu[who]]) ** times
    expected[who] = 1 - (1 - expected[who]) * keep
    agency.learn(model, rows, "service")
    same_math(hh.agency, expected)
    learnt = hh.agency.copy()
    agency.learn(model, rows, "self")  # resolving alone teaches nothing
    assert np.array_equal(hh.agency, learnt)


def test_need_rates_equal_the_array_table(sim):
    model = sim.model(sim.scenario(milieux=2, units=50))
    model.ms.crisis_left[1] = 3  # a crisis in the second milieu
    mp, hh = model.mp, model.hh
    annual = np.stack([getattr(mp, f"need_rate_{c}") for c in needs.NEED_CATEGORIES], axis=1)
    table = np.repeat(annual[:, None, :], 3, axis=1)
    table[:, 1:, NEED["parenting"]] = 0.0
    table[:, 1:, NEED["socialising"]] *= mp.senior_isolation_factor[:, None]
    crisis = model.ms.crisis_left > 0
    for k in needs.CRISIS_CATEGORIES:
        table[:, :, k] *= np.where(crisis, mp.crisis_need_multiplier, 1.0)[:, None]
    expected = (1 - np.exp(-table / 12.0))[hh.milieu, hh.htype]
    same_math(needs.need_rates(model), expected)


def test_partners_chosen_as_by_argmax(sim):
    model = sim.model(sim.scenario(milieux=3, units=20), seed=4)
    model.step()
    ms, mp = model.ms, model.mp
    for referrer in ("worker", "partner", "self"):
        if referrer == "self":
            score = -ms.distance + MEMBER_TIE_BREAK * ms.member
        else:
            tie = referral.tie_strength(model) if referrer == "worker" else ms.trust
            score = (
                tie
                + mp.referral_choice_colocation[:, None] * ms.colocated
                - mp.referral_choice_distance[:, None] * ms.distance
            )
        score = np.where(SERVES.T[None, :, :], score[:, None, :], -np.inf)
        assert np.array_equal(referral.best_partner(model, referrer), np.argmax(score, axis=2))
    referral.choose_partners(model)
    assert np.array_equal(model.best_self, referral.best_partner(model, "self"))


def test_closing_clears_the_queue_and_counts(sim):
    model = sim.model(sim.scenario(units=40))
    hh = model.hh
    rows, cols = np.nonzero(hh.need_open)
    rows, cols = rows[:3], cols[:3]
    hh.need_queue[rows, cols] = 2
    hh.need_priority[rows, cols] = True
    model._reset_tally()
    needs.close(model, rows, cols, True, "worker")
    assert not hh.need_open[rows, cols].any()
    assert (hh.need_queue[rows, cols] == -1).all() and not hh.need_priority[rows, cols].any()
    assert model.tally["needs_met"].sum() == model.tally["met_by_worker"].sum() == 3
    assert model.tally["time_to_meet_sum"].sum() == (hh.need_age[rows, cols] + 1).sum()


def test_the_monthly_kernels_compile_once(sim):
    for seed in (1, 2):
        sim.model(sim.scenario(milieux=2, units=30, months=3), seed=seed).run()
    monthly = (
        needs._step_kernel,
        referral._choose_partners,
        referral._build_trust,
        referral._self_referral,
    )
    for fn in monthly:
        assert len(fn.signatures) == 1, (fn, fn.signatures)


def test_need_arrivals_follow_each_entrys_probability():
    """``needs._arrivals`` draws gaps at each category's highest rate and thins them: every
    (household, category) entry still arises with its own monthly probability, independently,
    including probabilities 0 and 1, and each entry at most once a month."""
    from hlmsim.rng import Streams

    M, K = 3, 4
    rows = np.array([0, 40, 40, 100])  # milieu 1 has no households
    htype = np.tile(np.array([0, 1, 2], dtype=np.int8), 34)[:100]
    rates = np.zeros((M, 3, K))
    rates[0] = [[0.3, 0.0, 1.0, 0.02], [0.1, 0.0, 1.0, 0.2], [0.05, 0.0, 1.0, 0.0]]
    rates[1] = 0.5
    rates[2] = [[0.9, 0.01, 0.2, 0.0], [0.45, 0.0, 0.2, 0.0], [0.0, 0.01, 0.2, 0.0]]
    months = 3000
    counts = np.zeros(100 * K)
    streams = Streams(5)
    for t in range(months):
        keys = streams.bases("needs", t)
        got = needs._arrivals(keys[3], keys[4], rates, rows, htype, 0, len(rows) - 1)
        assert len(np.unique(got)) == len(got)
        counts[got] += 1
    milieu = np.repeat(np.arange(M), np.diff(rows))
    p = rates[milieu, htype].reshape(-1)  # entry i * K + k
    assert (counts[p == 0] == 0).all() and (counts[p == 1] == months).all()
    # each group of entries of one probability: its count within 4.5 standard errors
    for value in np.unique(p[(p > 0) & (p < 1)]):
        n = months * (p == value).sum()
        observed = counts[p == value].sum()
        assert abs(observed - n * value) < 4.5 * np.sqrt(n * value * (1 - value)), value
