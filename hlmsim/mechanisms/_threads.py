"""Threads over milieux: large scenarios share their heaviest kernels among the machine's cores.

Milieux never touch one another's households within these kernels, and every number a
household or milieu draws is its own (counter-based: :class:`hlmsim.rng.CounterDraws`). So a
kernel written for a range of milieux ``[m_lo, m_hi)`` gives the same results whether the
milieux run in one pass or in contiguous slices on several threads, their outputs put back
in milieu order: results are bit-identical for any number of threads (``tests/test_threads.py``).

The kernels are compiled without the interpreter's lock (``nogil``), so plain Python threads
run them in parallel: the calling thread runs the first slice, a small pool the others. No
threading layer of numba is involved, so forked worker processes and threaded servers are safe.

How many threads: ``HLMSIM_THREADS`` if set (a whole number, at least 1), else the cores this
process may use, but one in a worker process (engines already spread replications over
processes: one thread each avoids oversubscribing the cores). Scenarios under
``MIN_HOUSEHOLDS`` households run in one pass: a thread hand-off costs more than it saves there.

Where the slices are cut: at first, about as many households each; then kernel by kernel, the
cuts move toward equal finishing times (:class:`Slices`). A slice that starts later (the pool's
thread wakes up while the calling thread is already at work) or whose milieux are busier gets
fewer households next month. The cuts change how long a call takes, never its results.

Blocks of phases (:func:`together`): consecutive phases whose kernels' results nobody reads
(:func:`defer`) wait for the next :func:`run` or the end of the block, and each thread then
takes its slice through them all in one hand-off (a hand-off costs 50 to 100 µs on a virtual
machine: the pool thread's wake-up, then the calling thread's).
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    from ..model import HLMModel

#: The environment variable that sets the number of threads.
ENV = "HLMSIM_THREADS"

#: Scenarios with fewer households run each kernel in one pass.
MIN_HOUSEHOLDS = 20_000

_pools: dict[int, ThreadPoolExecutor] = {}  # by number of threads, of process _pools_pid
_pools_pid = 0
_lock = threading.Lock()


def threads() -> int:
    """Threads a large scenario's kernels use (see the module's documentation)."""
    value = os.environ.get(ENV, "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise InputError(
                f"{value!r} is not allowed: a whole number, at least 1", "environment", ENV
            )
        return n
    if multiprocessing.parent_process() is not None:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without affinity
        return os.cpu_count() or 1


def slices(rows: np.ndarray, n: int) -> list[tuple[int, int]]:
    """``n`` contiguous ranges of milieux ``(m_lo, m_hi)`` with about as many households each
    (``rows``: the milieux's first rows, ``ms.rows``); fewer where milieux are fewer."""
    M = len(rows) - 1
    targets = rows[-1] * np.arange(1, n) / n
    cuts = np.unique(np.r_[0, np.searchsorted(rows, targets, side="right") - 1, M])
    cuts = cuts[(cuts >= 0) & (cuts <= M)]
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


#: How far each call moves a kernel's shares of households toward those that would have made
#: its slices finish together (a smoothing factor: timings are noisy).
BALANCE_STEP = 0.25

#: No slice's share of households falls below this fraction of an even share.
MIN_SHARE = 0.25


class Slices(list):
    """The slices of milieux a model's kernels run on: the list of even slices
    ``[(m_lo, m_hi), ...]`` (:func:`slices`), and each kernel's own cuts, moved after each call
    toward equal finishing times (:meth:`cuts`, :meth:`balance`). A slice's finishing time
    counts from the moment the calling thread hands the slices out, so that the pool threads'
    wake-up is part of it."""

    def __init__(self, even: list[tuple[int, int]], rows: np.ndarray) -> None:
        super().__init__(even)
        self.households = [int(r) for r in rows]  # the milieux's first rows, as Python ints
        total = max(self.households[-1], 1)
        #: each kernel's shares of the households, slice by slice
        self.shares: dict[Any, list[float]] = {}
        self._even = [(self.households[b] - self.households[a]) / total for a, b in even]
        self._cuts: dict[Any, list[tuple[int, int]]] = {}
        #: within :func:`together`: the kernel calls waiting to run, in order (else None)
        self.pending: list[tuple[Callable[..., Any], tuple]] | None = None

    def cuts(self, kernel: Any) -> list[tuple[int, int]]:
        """The slices ``kernel`` runs on now."""
        return self._cuts.get(kernel, self)

    def balance(self, kernel: Any, elapsed: list[float]) -> None:
        """Move ``kernel``'s shares toward equal finishing times, given how long each slice
        took (``elapsed``, seconds), and cut its slices again."""
        shares = self.shares.get(kernel, self._even)
        speed = [s / max(e, 1e-9) for s, e in zip(shares, elapsed, strict=True)]
        total = sum(speed)
        floor = MIN_SHARE / len(shares)
        moved = [
            max(s + BALANCE_STEP * (v / total - s), floor)
            for s, v in zip(shares, speed, strict=True)
        ]
        norm = sum(moved)
        shares = [s / norm for s in moved]
        # cut at the milieu where each running total of households is reached; every slice
        # keeps one milieu at least
        rows, M = self.households, len(self.households) - 1
        edges, done = [0], 0.0
        for j, share in enumerate(shares[:-1]):
            done += share
            m = bisect.bisect_right(rows, done * rows[-1]) - 1
            edges.append(min(max(m, edges[-1] + 1), M - (len(shares) - 1 - j)))
        edges.append(M)
        self.shares[kernel] = shares
        self._cuts[kernel] = list(zip(edges[:-1], edges[1:], strict=True))


def plan(model: HLMModel) -> Slices:
    """The slices of milieux this model's kernels run on: one, ``(0, M)``, below
    ``MIN_HOUSEHOLDS`` households or on one thread. A bad ``HLMSIM_THREADS`` is an error
    whatever the scenario's size."""
    n = threads()  # checked whatever the size
    rows = model.ms.rows
    M = len(rows) - 1
    if rows[-1] < MIN_HOUSEHOLDS or M < 2 or n < 2:
        return Slices([(0, M)], rows)
    return Slices(slices(rows, n), rows)


def _executor(n: int) -> ThreadPoolExecutor:
    """This process's pool of ``n`` threads, made on first use (kept for later runs; made
    again in a forked child, where the parent's threads do not exist)."""
    global _pools_pid
    with _lock:
        if _pools_pid != os.getpid():
            _pools.clear()
            _pools_pid = os.getpid()
        pool = _pools.get(n)
        if pool is None:
            pool = _pools[n] = ThreadPoolExecutor(max_workers=n, thread_name_prefix="hlmsim-kernel")
        return pool


def run(kernel: Callable[..., Any], parts: list[tuple[int, int]], *args: Any) -> list[Any]:
    """``kernel(*args, m_lo, m_hi)`` for each slice of milieux, the first in this thread and
    the others on the pool; their results in the slices' order. ``parts``: the slices, or a
    model's :class:`Slices` (then the kernel's own cuts, balanced after the call; within
    :func:`together`, the calls deferred so far run first, slice by slice)."""
    if len(parts) == 1:  # one pass (nothing is ever deferred then)
        return [kernel(*args, *parts[0])]
    chain = [(kernel, args)]
    if isinstance(parts, Slices) and parts.pending:
        chain = [*parts.pending, *chain]
        parts.pending.clear()
    return _run_chain(chain, parts)[-1]


def defer(kernel: Callable[..., Any], parts: list[tuple[int, int]], *args: Any) -> None:
    """:func:`run` for a kernel whose results nobody reads: within :func:`together`, it waits
    to run with the next call (or at the end of the block), on the same thread and slice;
    otherwise it runs now."""
    if isinstance(parts, Slices) and parts.pending is not None:
        parts.pending.append((kernel, args))
    else:
        run(kernel, parts, *args)


def together(parts: list[tuple[int, int]]) -> AbstractContextManager[None]:
    """A block of consecutive phases whose kernels run slice by slice in one hand-off: each
    thread takes its slice of milieux through the deferred kernels (:func:`defer`) and the next
    :func:`run`, in the order called. Right where each phase's kernel only touches its own
    slice's milieux and what the Python between them reads is not written by the deferred
    kernels (their results are not read): then the order of the work within each milieu is the
    order called, and results are those of one pass. On one slice, nothing to gather."""
    if not isinstance(parts, Slices) or len(parts) < 2 or parts.pending is not None:
        return _NO_BLOCK
    return _Block(parts)


_NO_BLOCK = nullcontext()


class _Block:
    """:func:`together`'s block on several slices: deferred calls gathered, run at the end."""

    __slots__ = ("parts",)

    def __init__(self, parts: Slices) -> None:
        self.parts = parts

    def __enter__(self) -> None:
        self.parts.pending = []

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        pending, self.parts.pending = self.parts.pending, None
        if kind is None and pending:
            _run_chain(pending, self.parts)


def _run_chain(
    chain: list[tuple[Callable[..., Any], tuple]], parts: list[tuple[int, int]]
) -> list[list[Any]]:
    """Each kernel of ``chain`` on each slice, one after the other within a slice (one cut for
    them all: a kernel may read what the one before wrote in its milieux); the results by
    kernel, in the slices' order."""
    key: Any = chain[0][0] if len(chain) == 1 else tuple(k for k, _ in chain)
    cuts = parts.cuts(key) if isinstance(parts, Slices) else parts
    if len(cuts) == 1:
        return [[kernel(*args, *cuts[0])] for kernel, args in chain]
    pool = _executor(len(cuts) - 1)
    start = time.perf_counter()
    futures = [pool.submit(_timed, chain, part) for part in cuts[1:]]
    first = [kernel(*args, *cuts[0]) for kernel, args in chain]
    elapsed = [time.perf_counter() - start]
    results = [[out] for out in first]
    for future in futures:
        outs, end = future.result()
        for j, out in enumerate(outs):
            results[j].append(out)
        elapsed.append(end - start)
    if isinstance(parts, Slices):
        parts.balance(key, elapsed)
    return results


def _timed(
    chain: list[tuple[Callable[..., Any], tuple]], part: tuple[int, int]
) -> tuple[list, float]:
    """A pool thread's slice: the chain's results and when it ended."""
    outs = [kernel(*args, *part) for kernel, args in chain]
    return outs, time.perf_counter()


def joined(parts: list[Any]) -> Any:
    """The slices' outputs put together in slice order (that is, in row order): an array, or a
    tuple of arrays, as each slice's kernel returned it."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(out) for out in zip(*parts, strict=True))
    return np.concatenate(parts)
