"""The compiled kernels' scalar helpers reproduce the array code exactly (hlmsim.mechanisms._jit):
counter-based numbers, the logistic function and the activity schedule, bit for bit."""

from __future__ import annotations

import numpy as np
from conftest import same_math

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
    same_math(np.array([_jit.sigmoid(v) for v in x]), _util.sigmoid(x))


def test_scheduled_equals_array_schedule():
    per_year = np.array([0.0, 0.5, 1, 2, 3, 4, 6, 12, 24, 7.3])
    for t in range(-30, 130):
        got = np.array([_jit.scheduled(t, v) for v in per_year])
        assert np.array_equal(_util.scheduled(t, per_year), got)


def test_kernel_cache_is_named_after_the_model_sources(tmp_path, monkeypatch):
    """A change of any model source (constants baked into kernels included) moves the cache, so
    that no stale kernel is loaded; older caches beyond KEEP_CACHES are removed."""
    import numba

    digest = _jit._sources_hash()
    assert digest == _jit._sources_hash() and len(digest) == 16
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    base = tmp_path / "hlmsim" / "kernels"
    for i in range(_jit.KEEP_CACHES + 2):
        (base / f"old{i}").mkdir(parents=True)
    before = numba.config.CACHE_DIR
    try:
        _jit._use_cache_dir()
        assert str(base / digest) == numba.config.CACHE_DIR
    finally:
        numba.config.CACHE_DIR = before
    left = sorted(p.name for p in base.iterdir())
    assert digest in left and len(left) == _jit.KEEP_CACHES + 1


def test_warm_up_runs_every_kernel():
    from hlmsim import warmup

    assert warmup.warm_up() > 0
    assert warmup.main() == 0
