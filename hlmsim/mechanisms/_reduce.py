"""NumPy's summation order, for compiled kernels that must give the same sums as array code.

``a.sum()`` and ``a.sum(axis=-1)`` on float arrays add by *pairwise summation*: fewer than 8
numbers one after the other, up to 128 in 8 interleaved partial sums joined as a balanced tree,
more split in halves. The order changes the last bits of a float sum, so a kernel replacing
``x.sum(axis=1)`` over a short axis (the partner kinds) uses :func:`pairwise_sum` on each row
(sums accumulated by ``np.bincount`` or ``np.add.at`` are plain running sums instead, in index
order). Longer rows, split in halves by NumPy, are refused rather than reproduced: the halving
is recursive, and numba cannot load a recursive kernel from its disk cache.
"""

from __future__ import annotations

import numpy as np

from ._jit import kernel

_UNROLL = 8  # partial sums of NumPy's pairwise summation
_BLOCK = 128  # largest block summed without splitting


@kernel
def pairwise_sum(a: np.ndarray, start: int, n: int) -> float:
    """Sum of ``a[start:start + n]`` (1-D float, ``n`` at most 128), bit for bit as
    ``np.add.reduce``."""
    if n > _BLOCK:
        raise ValueError("pairwise_sum: more than 128 numbers")
    if n < _UNROLL:  # one after the other
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    # 8 interleaved partial sums, joined as a balanced tree, then the rest one after the other
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = _UNROLL
    while i < n - n % _UNROLL:
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += _UNROLL
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return res
