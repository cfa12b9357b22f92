"""Compiled kernels' shared pieces (numba).

Each mechanism keeps its ``step(model)`` as the readable entry point: it gathers the arrays it
reads and writes (its ``READS`` / ``WRITES`` contract), draws the fixed-size numbers of its named
stream, and calls one compiled kernel that loops over milieux and households. Kernels are
compiled on first use and cached on disk (``cache=True``: later processes load them in under a
second; ``python -m hlmsim.warmup`` compiles them all ahead, as ``make`` does after installing);
``NUMBA_DISABLE_JIT=1`` runs them as plain Python, for debugging.

numba checks a cached kernel against its own source file only, whereas kernels also bake in
constants of other modules (``hlmsim.constants``, outcome codes...). So unless ``NUMBA_CACHE_DIR``
is set, the cache lives in a directory named after a hash of the model's sources
(``~/.cache/hlmsim/kernels/<hash>``, or under ``XDG_CACHE_HOME``): any change of a model file
(``MODEL_SOURCES``) starts a fresh cache, and only the few most recent ones are kept.

Slices: a kernel shared among threads (``_threads``) runs on the households of a slice of
milieux, rows ``rows[m_lo]:rows[m_hi]``.

Row loops: a household loop goes milieu by milieu, reads the milieu's parameters once into
local names, then runs over the milieu's rows with an unsigned counter,
``for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1]))``. numba re-reads a parameter
array at every household when the loop also writes arrays (they might overlap), and checks every
index for a negative value (Python's wraparound) unless the counter cannot be negative; the
two together took about half of a simple household loop's time (well-being: 0.78 ms against
0.39 ms at the province, one thread). The order of the households, and so every result, is
unchanged. (Arithmetic mixing the unsigned counter with signed numbers gives floats in numba:
``int(i)`` first.) Some loops still start at 0 and skip the rows before the slice
(``for i in range(hi): if i < lo: continue``), for the same reason.

The scalar helpers below reproduce the vectorised ones of ``_util`` and the counter-based numbers
of :class:`hlmsim.rng.CounterDraws` exactly (same operations in the same order), so a kernel gives
the same results as the array code it replaces.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numba
import numpy as np

from ..constants import LOGIT_CLIP, SCHEDULE_EPS
from ..rng import _GOLDEN, _M1, _M2

#: Caches kept besides the current one (the most recently used first).
KEEP_CACHES = 3


#: The modules whose code or constants kernels are built from.
MODEL_SOURCES = (
    "constants.py",
    "observables.py",
    "outcomes.py",
    "params.py",
    "rng.py",
    "state.py",
    "mechanisms/*.py",
)


def _sources_hash() -> str:
    """Hash of the model's sources (``MODEL_SOURCES``) and of numba's version."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(numba.__version__.encode())
    for path in sorted(p for pattern in MODEL_SOURCES for p in root.glob(pattern)):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _use_cache_dir() -> None:
    """Point numba's cache at the directory of these sources (unless NUMBA_CACHE_DIR is set)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hlmsim" / "kernels"
    here = base / _sources_hash()
    try:
        fresh = not here.exists()
        here.mkdir(parents=True, exist_ok=True)
        os.utime(here)
        if fresh:  # forget the oldest caches of former sources
            old = sorted(
                (p for p in base.iterdir() if p.is_dir() and p != here),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for p in old[KEEP_CACHES:]:
                shutil.rmtree(p, ignore_errors=True)
    except OSError:  # no writable home: numba's own default (beside the sources)
        return
    config: Any = numba.core.config  # its settings are set at import, unknown to type checkers
    config.CACHE_DIR = str(here)


_use_cache_dir()

#: The decorator of every kernel: compiled without the Python interpreter, cached on disk.
kernel = numba.njit(cache=True, nogil=True)

_G = np.uint64(_GOLDEN)
_A = np.uint64(_M1)
_B = np.uint64(_M2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 1.0 / (1 << 53)


@kernel
def uniform(base: np.uint64, index: int) -> float:
    """The counter-based uniform of entry ``index`` for one use of a stream in one month:
    ``base`` is ``model.rs.bases(stream, t)[slot]``; equals ``CounterDraws(...)(index, slot)``."""
    z = np.uint64(index) * _G + base
    z ^= z >> _S30
    z *= _A
    z ^= z >> _S27
    z *= _B
    z ^= z >> _S31
    return float(z >> _S11) * _UNIT


@kernel
def sigmoid(x: float) -> float:
    """Logistic function of one log-odds value (as ``_util.sigmoid``)."""
    return 1.0 / (1.0 + math.exp(-min(max(x, -LOGIT_CLIP), LOGIT_CLIP)))


@kernel
def most_households(rows: np.ndarray, m_lo: int, m_hi: int) -> int:
    """The most households of any of milieux ``m_lo:m_hi`` (rows ``rows[m]:rows[m + 1]``):
    the size of a buffer for one milieu at a time."""
    most = 0
    for m in range(m_lo, m_hi):
        most = max(most, rows[m + 1] - rows[m])
    return most


@kernel
def open_needs(
    need_open: np.ndarray,
    lo: int,
    hi: int,
    found_rows: np.ndarray,
    found_cols: np.ndarray,
) -> int:
    """The open needs of households ``lo:hi``, household by household and category by
    category: their rows and categories written to ``found_rows`` and ``found_cols`` from 0;
    returns how many. Without a branch on each entry (every entry is written, and the count
    moves on where the need is open): needs are open at random, and a branch mispredicted that
    often cost more than the open needs' own work."""
    K = need_open.shape[1]
    n = 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        for k in range(K):
            found_rows[n] = i
            found_cols[n] = k
            n += need_open[i, k]
    return n


@kernel
def scheduled(t: int, per_year: float) -> bool:
    """True in the months (0-based t) at which an activity held ``per_year`` times a year falls
    (as ``_util.scheduled``)."""
    return math.floor((t + 1) * per_year / 12.0 + SCHEDULE_EPS) > math.floor(
        t * per_year / 12.0 + SCHEDULE_EPS
    )


#: Counter-based numbers each gamma variate may use (see :func:`gamma_log`): up to
#: ``(GAMMA_BLOCK - 1) // 3`` attempts of Marsaglia and Tsang's method, and its boost.
GAMMA_BLOCK = 256


@kernel
def _box_muller(base: np.uint64, j: int) -> float:
    """A standard normal variate from the counter-based numbers ``j`` and ``j + 1`` of ``base``
    (Box and Muller)."""
    u1 = 1.0 - uniform(base, j)  # in (0, 1]
    u2 = uniform(base, j + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@kernel
def standard_normal(base: np.uint64, index: int) -> float:
    """A standard normal variate, the ``index``-th of ``base`` (its numbers ``2 index`` and
    ``2 index + 1``)."""
    return _box_muller(base, 2 * index)


@kernel
def gamma_log(base: np.uint64, index: int, shape: float) -> float:
    """The logarithm of a Gamma(``shape``, 1) variate, from the counter-based numbers of block
    ``index`` of ``base`` (``GAMMA_BLOCK`` numbers): Marsaglia and Tsang's (2000) rejection
    method, three numbers an attempt, at ``shape + 1`` with the boost ``U ** (1 / shape)`` (the
    block's last number) below 1. On the log scale, so that small shapes do not underflow. A
    variate depends on its block alone, never on how many attempts another one took."""
    first = index * GAMMA_BLOCK
    a = shape if shape >= 1.0 else shape + 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    out = math.log(d)  # the mode, if every attempt failed (probability below 1e-100)
    for attempt in range((GAMMA_BLOCK - 1) // 3):
        j = first + 3 * attempt
        x = _box_muller(base, j)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - uniform(base, j + 2)  # in (0, 1]
        if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            out = math.log(d * v)
            break
    if shape < 1.0:
        u = 1.0 - uniform(base, first + GAMMA_BLOCK - 1)
        out += math.log(u) / shape
    return out


@kernel
def beta_variate(base: np.uint64, index: int, a: float, b: float) -> float:
    """A Beta(``a``, ``b``) variate X / (X + Y) from two gamma variates (blocks ``2 index`` and
    ``2 index + 1`` of ``base``), computed from their logarithms."""
    lx = gamma_log(base, 2 * index, a)
    ly = gamma_log(base, 2 * index + 1, b)
    if lx == -math.inf and ly == -math.inf:  # both underflowed (tiny shapes): the mean
        return a / (a + b)
    return 1.0 / (1.0 + math.exp(ly - lx))
