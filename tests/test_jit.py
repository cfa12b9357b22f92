"""The compiled kernels' scalar helpers reproduce the array code exactly (hlmsim.mechanisms._jit):
counter-based numbers, the logistic function and the activity schedule, bit for bit."""

from __future__ import annotations

import numpy as np

from hlmsim.mechanisms import _jit, _util
from hlmsim.rng import Streams


def test_uniform_equals_counter_draws():
    for seed, stream, t, slot in [
        (7, "needs", -3, 2),
        (0, "outreach", 0, 1),
        (2**40, "services", 119, 5),
    ]:
        draws = Streams(seed).at(stream, t)
        idx = np.r_[np.arange(0, 10**6, 997), 2**40 + 3]
        ref = draws(idx, slot)
        base = draws.base(slot)
        got = np.array([_jit.uniform(base, int(i)) for i in idx])
        assert np.array_equal(ref, got)
        assert ((got >= 0) & (got < 1)).all()


def test_uniform_differs_by_slot_and_month():
    a = Streams(1).at("needs", 4)
    b = Streams(1).at("needs", 5)
    assert _jit.uniform(a.base(1), 10) != _jit.uniform(a.base(2), 10)
    assert _jit.uniform(a.base(1), 10) != _jit.uniform(b.base(1), 10)


def test_sigmoid_equals_array_sigmoid():
    x = np.r_[np.linspace(-80, 80, 20001), -np.inf, np.inf, 0.0]
    assert np.array_equal(_util.sigmoid(x), np.array([_jit.sigmoid(v) for v in x]))


def test_scheduled_equals_array_schedule():
    per_year = np.array([0.0, 0.5, 1, 2, 3, 4, 6, 12, 24, 7.3])
    for t in range(-30, 130):
        got = np.array([_jit.scheduled(t, v) for v in per_year])
        assert np.array_equal(_util.scheduled(t, per_year), got)
