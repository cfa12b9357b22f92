"""Compiled kernels of participation, information and well-being (issue 12): NumPy's summation
order reproduced, one compilation per session, and the needs met by activities and by mutual aid
closed once each, in the order of the array code they replace (tests/test_regression.py holds
the results themselves, bit for bit)."""

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


def test_activities_then_mutual_aid_close_distinct_needs(sim: Any, monkeypatch: Any):
    """A socialising need met by an activity is not met again by mutual aid the same month;
    each source's needs are closed once, activities' first, rows in ascending order."""
    calls: list[tuple[int, str, np.ndarray, np.ndarray]] = []
    close = participation.close

    def recorded(model: Any, rows: np.ndarray, cols: np.ndarray, met: bool, source: str) -> None:
        calls.append((model.t, source, rows.copy(), cols.copy()))
        close(model, rows, cols, met, source)

    monkeypatch.setattr(participation, "close", recorded)
    params = {
        "need_rate_socialising": 3.0,
        "activity_socialising_help": 1.0,
        "mutual_aid_formation": 1.0,
        "mutual_aid_help": 1.0,
        "association_support": 1.0,
        "initial_engagement": 0.8,
    }
    model = sim.model(sim.scenario(months=12, units=80, params=params))
    model.run()
    by_month: dict[int, dict[str, set[tuple[int, int]]]] = {}
    for t, source, rows, cols in calls:
        assert source in ("activities", "mutual_aid")
        assert np.all(np.diff(rows) >= 0)
        if source == "activities":
            assert np.all(cols == participation.SOCIALISING)
            assert source not in by_month.get(t, {}), "activities closed after mutual aid"
        pairs = set(zip(rows.tolist(), cols.tolist(), strict=True))
        assert len(pairs) == len(rows)
        by_month.setdefault(t, {})[source] = pairs
    both = [m for m in by_month.values() if m.get("activities") and m.get("mutual_aid")]
    assert both, "the scenario should meet needs both ways in some month"
    for month in both:
        assert not month["activities"] & month["mutual_aid"]
        assert any(c == participation.SOCIALISING for _, c in month["mutual_aid"])
