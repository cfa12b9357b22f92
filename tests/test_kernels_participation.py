"""Compiled kernels of participation, information and well-being (issue 12): NumPy's summation
order reproduced, one compilation per session, and the needs met by activities and by mutual aid
closed once each, activities' first (tests/test_regression.py holds the results themselves, bit
for bit)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hlmsim.mechanisms import _reduce, information, participation, wellbeing


def test_pairwise_sum_equals_numpy_row_sums():
    rng = np.random.default_rng(12)
    for n in range(129):
        rows = rng.random((4, n)) * 10.0 ** rng.integers(-3, 6, size=(4, n))
        flat = rows.ravel()
        got = [_reduce.pairwise_sum(flat, k * n, n) for k in range(4)]
        assert np.array_equal(rows.sum(axis=1), got), n
    with pytest.raises(ValueError):
        _reduce.pairwise_sum(np.ones(129), 0, 129)


def test_kernels_compile_once(sim: Any):
    """Every scenario gives the kernels the same argument types (one compilation a session)."""
    for scen in (sim.scenario(months=3), sim.scenario(months=3, milieux=3, units=[20, 30, 40])):
        sim.model(scen).run()
    for fn in (participation._step_kernel, information._word_of_mouth, wellbeing._step_kernel):
        if not hasattr(fn, "signatures"):
            pytest.skip("NUMBA_DISABLE_JIT: kernels run as plain Python")
        assert len(fn.signatures) == 1, fn


def test_activities_then_mutual_aid_close_distinct_needs(sim: Any):
    """A socialising need met by an activity is not met again by mutual aid the same month:
    activities meet first (every participant's), mutual aid the others of its members, and each
    need met is closed and counted once."""
    params = {
        "need_rate_socialising": 3.0,
        "activity_socialising_help": 1.0,
        "mutual_aid_formation": 1.0,
        "mutual_aid_help": 1.0,
        "mutual_aid_exit_monthly": 0.0,
        "association_support": 1.0,
        "initial_engagement": 0.8,
    }
    model = sim.model(sim.scenario(months=12, units=80, params=params))
    model.run(6)
    hh, soc = model.hh, participation.SOCIALISING
    # every household with a socialising need nobody handles; most in a mutual-aid network
    hh.need_open[:, soc] = True
    hh.need_queue[:, soc] = -1
    hh.mutual_aid[: hh.n * 3 // 4] = True
    model._reset_tally()
    participation.step(model)
    tally, t = model.tally, model.t
    closed = int((~hh.need_open[:, soc]).sum())
    by_activity = int((hh.last_part == t).sum())  # every participant's need met by the activity
    assert 0 < by_activity < hh.n
    assert tally["met_by_activities"].sum() == by_activity
    # the members who did not take part: their socialising need met by mutual aid
    members_only = int((hh.mutual_aid & (hh.last_part != t)).sum())
    assert members_only > 0
    assert closed == by_activity + members_only
    # each need closed once: the tallies count exactly the needs closed
    assert tally["needs_met_by_category"][:, soc].sum() == closed
    everyday_aid = tally["met_by_mutual_aid"].sum() - members_only
    assert everyday_aid >= 0
