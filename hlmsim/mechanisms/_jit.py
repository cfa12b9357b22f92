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
def scheduled(t: int, per_year: float) -> bool:
    """True in the months (0-based t) at which an activity held ``per_year`` times a year falls
    (as ``_util.scheduled``)."""
    return math.floor((t + 1) * per_year / 12.0 + SCHEDULE_EPS) > math.floor(
        t * per_year / 12.0 + SCHEDULE_EPS
    )
