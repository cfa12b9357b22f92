"""Large scenarios share their heaviest kernels among threads, slice of milieux by slice
(``hlmsim.mechanisms._threads``): results are bit-identical for any number of threads, the
slices cover the milieux once, and the number of threads is read and checked."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_contracts import snapshot

from hlmsim.errors import InputError
from hlmsim.mechanisms import _threads
from hlmsim.model import HLMModel
from hlmsim.replication import FORK_WARNING
from hlmsim.scenario import load_scenario


def _run(scenario: Any, threads: int, monkeypatch: Any, seed: int = 3, **kw: Any) -> HLMModel:
    """A run on ``threads`` threads, whatever its size (no lower limit of households)."""
    monkeypatch.setattr(_threads, "MIN_HOUSEHOLDS", 0)
    monkeypatch.setenv(_threads.ENV, str(threads))
    model = HLMModel(scenario, seed=seed, agents=False, **kw)
    model.run()
    return model


def _same(a: HLMModel, b: HLMModel) -> None:
    """Every month's record, then every state field at the end, bit for bit."""
    assert len(a.records) == len(b.records)
    for ra, rb in zip(a.records, b.records, strict=True):
        for key in ra:
            np.testing.assert_array_equal(ra[key], rb[key], err_msg=key)
    sa, sb = snapshot(a), snapshot(b)
    for key, value in sa.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, sb[key], err_msg=key)


@pytest.mark.parametrize("name", ["default", "study_mix"])
def test_any_number_of_threads_gives_the_same_run(name: str, monkeypatch: Any):
    scenario = load_scenario(name, months=36)
    one = _run(scenario, 1, monkeypatch)
    assert one.slices == [(0, one.ms.n)]
    for n in (2, 3):
        many = _run(scenario, n, monkeypatch)
        assert len(many.slices) == min(n, many.ms.n) > 1
        _same(one, many)


def test_batches_of_parameter_sets_on_threads_give_the_same_run(monkeypatch: Any):
    # replicates on their own parameter sets, and an arrangement switch half-way
    scenario = load_scenario("default", months=24)
    sets = [{"worker_fte": 0.5}, {"worker_fte": 1.5, "trust_gain_per_contact": 0.3}]
    one = _run(scenario, 1, monkeypatch, replicates=2, param_sets=sets)
    many = _run(scenario, 2, monkeypatch, replicates=2, param_sets=sets)
    assert many.slices == [(0, 4), (4, 8)]
    _same(one, many)


def test_a_kernel_that_ignored_its_slice_would_be_caught(monkeypatch: Any):
    """The control: a record kernel filling every milieu in each slice (not its own) double
    counts the sums it adds to, and the comparison above fails."""
    from hlmsim import outcomes

    scenario = load_scenario("default", months=3)
    one = _run(scenario, 1, monkeypatch)
    kernel = outcomes._record_kernel

    def whole(*args: Any) -> None:
        kernel(*args[:-2], 0, len(args[-3]) - 1)

    monkeypatch.setattr(outcomes, "_record_kernel", whole)
    many = _run(scenario, 2, monkeypatch)
    with pytest.raises(AssertionError):
        _same(one, many)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 400), min_size=1, max_size=40),
    n=st.integers(1, 8),
)
def test_slices_cover_the_milieux_once_with_about_as_many_households(sizes: list[int], n: int):
    rows = np.r_[0, np.cumsum(sizes)]
    parts = _threads.slices(rows, n)
    M = len(sizes)
    assert parts[0][0] == 0 and parts[-1][1] == M
    assert all(a < b for a, b in parts)
    assert all(parts[j][1] == parts[j + 1][0] for j in range(len(parts) - 1))
    assert len(parts) <= n
    # each slice holds at most its share of households plus one milieu
    share = rows[-1] / n
    for a, b in parts:
        assert rows[b] - rows[a] <= share + max(sizes) + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 400), min_size=2, max_size=40).filter(lambda s: sum(s) > 0),
    n=st.integers(2, 4),
    times=st.lists(st.floats(1e-6, 1.0), min_size=4, max_size=4),
)
def test_balanced_cuts_cover_the_milieux_and_favour_the_quicker_slice(
    sizes: list[int], n: int, times: list[float]
):
    rows = np.r_[0, np.cumsum(sizes)]
    plan = _threads.Slices(_threads.slices(rows, n), rows)
    kernel = object()
    assert plan.cuts(kernel) == plan  # even slices until a call was timed
    k = len(plan)
    if k < 2:
        return
    elapsed = times[:k]
    before = plan.shares.get(kernel, plan._even)
    for _ in range(3):
        plan.balance(kernel, elapsed)
        cuts = plan.cuts(kernel)
        assert len(cuts) == k and cuts[0][0] == 0 and cuts[-1][1] == len(sizes)
        assert all(a < b for a, b in cuts)
        assert all(cuts[j][1] == cuts[j + 1][0] for j in range(k - 1))
        shares = plan.shares[kernel]
        assert sum(shares) == pytest.approx(1.0)
        assert min(shares) >= _threads.MIN_SHARE / k / 2  # (a floor, then shares add to 1)
    # the slice that finished last gets a smaller share, the one that finished first a larger
    # one (after the first call: the later calls take the same times, so shares keep moving)
    last, first = int(np.argmax(elapsed)), int(np.argmin(elapsed))
    floor = _threads.MIN_SHARE / k
    if max(elapsed) > 1.01 * min(elapsed) and min(plan.shares[kernel]) > 1.01 * floor:
        assert plan.shares[kernel][last] < before[last]
        assert plan.shares[kernel][first] > before[first]


@pytest.mark.parametrize("name", ["default", "study_mix"])
def test_uneven_cuts_give_the_same_run(name: str, monkeypatch: Any):
    """The control of balancing: slices cut anywhere (here one milieu against the rest, and
    the reverse) give the run of one pass."""
    scenario = load_scenario(name, months=24)
    one = _run(scenario, 1, monkeypatch)
    M = one.ms.n
    for cuts in ([(0, 1), (1, M)], [(0, M - 1), (M - 1, M)], [(0, 1), (1, 2), (2, M)]):
        monkeypatch.setattr(_threads.Slices, "cuts", lambda self, kernel, c=cuts: c)
        _same(one, _run(scenario, len(cuts), monkeypatch))


def test_deferred_kernels_run_slice_by_slice_with_the_next_call():
    """Within ``together``, a deferred kernel waits for the next call (or the end of the
    block) and runs before it on the same slice; outside, it runs at once."""
    rows = np.arange(0, 41, 10)  # four milieux of ten households
    plan = _threads.Slices(_threads.slices(rows, 2), rows)
    log: list[tuple[str, int]] = []

    def kernel(name: str) -> Any:
        def work(m_lo: int, m_hi: int) -> tuple[str, int]:
            log.append((name, m_lo))
            return name, m_lo

        return work

    a, b, c, d = (kernel(x) for x in "abcd")
    with _threads.together(plan):
        _threads.defer(a, plan)
        assert log == []
        cuts = plan.cuts((a, b))  # (moved by the call's timing after it)
        out = _threads.run(b, plan)
        assert out == [("b", lo) for lo, _ in cuts]
        for lo, _ in cuts:
            assert log.index(("a", lo)) < log.index(("b", lo))
        log.clear()
        _threads.defer(c, plan)
        assert log == []
        cuts = plan.cuts(c)
    assert sorted(log) == sorted(("c", lo) for lo, _ in cuts)
    log.clear()
    _threads.defer(d, plan)  # outside a block: at once
    assert {name for name, _ in log} == {"d"} and len(log) == len(plan)
    assert plan.pending is None


def test_small_scenarios_run_in_one_pass(monkeypatch: Any):
    monkeypatch.setenv(_threads.ENV, "4")
    model = HLMModel(load_scenario("default", months=1), seed=1, agents=False)
    assert model.ms.rows[-1] < _threads.MIN_HOUSEHOLDS
    assert model.slices == [(0, model.ms.n)]


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_thread_count_names_the_variable_and_what_is_allowed(value: str, monkeypatch: Any):
    monkeypatch.setenv(_threads.ENV, value)
    with pytest.raises(InputError) as err:
        _threads.threads()
    message = str(err.value)
    assert _threads.ENV in message and "at least 1" in message and "\n" not in message
    with pytest.raises(InputError):  # even where one pass would do
        HLMModel(load_scenario("default", months=1), seed=1, agents=False)


def test_a_bad_thread_count_stops_the_command_in_one_line(monkeypatch: Any, capsys: Any, tmp_path):
    from conftest import error_line

    from hlmsim.cli import main

    monkeypatch.setenv(_threads.ENV, "many")
    out = tmp_path / "run"
    assert main(["run", "default", "--months", "1", "--out", str(out)]) == 2
    line = error_line(capsys)
    assert _threads.ENV in line and "'many'" in line and "at least 1" in line
    assert not out.exists()


def _threads_in_child(queue: Any) -> None:
    queue.put(_threads.threads())


@pytest.mark.filterwarnings(f"ignore:{FORK_WARNING}")
def test_worker_processes_run_on_one_thread(monkeypatch: Any):
    monkeypatch.delenv(_threads.ENV, raising=False)
    assert _threads.threads() >= 1
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_threads_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert queue.get(timeout=5) == 1


def _run_in_child(queue: Any) -> None:
    _threads.MIN_HOUSEHOLDS = 0
    model = HLMModel(load_scenario("default", months=6), seed=3, agents=False)
    model.run()
    queue.put((model.slices, model.records[-1].block))


@pytest.mark.filterwarnings(f"ignore:{FORK_WARNING}")
def test_a_forked_child_makes_its_own_pool(monkeypatch: Any):
    """The parent's pool threads do not exist in a forked child: the child (told to use two
    threads) makes its own, and runs as the parent did."""
    scenario = load_scenario("default", months=6)
    parent = _run(scenario, 2, monkeypatch)  # the parent's pool is in use
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_run_in_child, args=(queue,))
    child.start()
    slices, last = queue.get(timeout=120)
    child.join(60)
    assert len(slices) == 2
    np.testing.assert_array_equal(last, parent.records[-1].block)


def test_the_command_line_help_names_the_variable(capsys: Any):
    from hlmsim.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert _threads.ENV in out and f"{_threads.MIN_HOUSEHOLDS:,}" in out


def test_pools_are_kept_by_size_not_made_again(monkeypatch: Any):
    """Runs with two and three slices alternate without leaving idle pools behind."""
    scenario = load_scenario("default", months=2)
    for n in (2, 3, 2, 3):
        _run(scenario, n, monkeypatch)
    pools = dict(_threads._pools)
    assert {1, 2} <= set(pools)  # one pool per size, reused
    for n in (2, 3):
        _run(scenario, n, monkeypatch)
    assert _threads._pools == pools
    assert _threads._pools_pid == os.getpid()
