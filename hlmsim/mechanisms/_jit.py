"""Compiled kernels' shared pieces (numba).

Each mechanism keeps its ``step(model)`` as the readable entry point: it gathers the arrays it
reads and writes (its ``READS`` / ``WRITES`` contract), draws the fixed-size numbers of its named
stream, and calls one compiled kernel that loops over milieux and households. Kernels are
compiled on first use and cached on disk (``cache=True``: later processes load them in
milliseconds); ``NUMBA_DISABLE_JIT=1`` runs them as plain Python, for debugging.

The scalar helpers below reproduce the vectorised ones of ``_util`` and the counter-based numbers
of :class:`hlmsim.rng.CounterDraws` exactly (same operations in the same order), so a kernel gives
the same results as the array code it replaces.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..constants import LOGIT_CLIP, SCHEDULE_EPS
from ..rng import _GOLDEN, _M1, _M2

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
    ``base`` is ``model.rs.at(stream, t).base(slot)``; equals ``CounterDraws(...)(index, slot)``."""
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
def scheduled(t: int, per_year: float) -> bool:
    """True in the months (0-based t) at which an activity held ``per_year`` times a year falls
    (as ``_util.scheduled``)."""
    return math.floor((t + 1) * per_year / 12.0 + SCHEDULE_EPS) > math.floor(
        t * per_year / 12.0 + SCHEDULE_EPS
    )
