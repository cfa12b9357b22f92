"""Partial selection for compiled kernels: which entries are among the lowest keys, ties in
the order given, as a stable sort would put them first, in linear time and without sorting.
The worker's choice of residents (``outreach``) and the services' queues (``services``) use it
group by group."""

from __future__ import annotations

import numpy as np

from ._jit import kernel


@kernel
def select_lowest(
    key: np.ndarray,
    pos: np.ndarray,
    low: float,
    high: float,
    keep: int,
    work: tuple,
    chosen: np.ndarray,
) -> None:
    """Mark in ``chosen`` the ``keep`` positions of ``pos`` with the lowest keys (``key[pos]``
    from ``low`` to ``high``, not NaN; of the keys equal to the highest kept, the first in the
    order given), in linear time for keys spread evenly. Positions go to as many buckets as
    there are keys, by a map of the key that never decreases when the key grows (a lower bucket
    holds lower keys; equal keys share a bucket); the lower buckets are kept whole and the
    bucket where the count reaches ``keep`` is split at its threshold key.
    ``work``: buffers (bucket, count, keys) of ``len(pos)`` entries at least."""
    n = len(pos)
    if keep <= 0:
        return
    if keep >= n:
        for j in range(n):
            chosen[pos[j]] = True
        return
    bucket, count, split_keys = work
    scale = n / (high - low) if high > low else 0.0
    count[: n + 1] = 0
    for j in range(n):
        b = min(int((key[pos[j]] - low) * scale), n - 1)
        bucket[j] = b
        count[b] += 1
    # the bucket where the count reaches keep, and how many of its keys to keep
    split = 0
    below = 0
    while below + count[split] < keep:
        below += count[split]
        split += 1
    need = keep - below
    c = 0
    for j in range(n):
        if bucket[j] == split:
            split_keys[c] = key[pos[j]]
            c += 1
    if c * c <= n:  # the usual bucket of a few keys: sorted by insertion (in linear time)
        for j in range(1, c):
            k = split_keys[j]
            i = j - 1
            while i >= 0 and split_keys[i] > k:
                split_keys[i + 1] = split_keys[i]
                i -= 1
            split_keys[i + 1] = k
        threshold = split_keys[need - 1]
    else:
        threshold = np.partition(split_keys[:c], need - 1)[need - 1]
    ties = need  # keys equal to the threshold to keep: need, less the keys below it
    for j in range(c):
        if split_keys[j] < threshold:
            ties -= 1
    for j in range(n):
        b = bucket[j]
        if b < split:
            chosen[pos[j]] = True
        elif b == split:
            k = key[pos[j]]
            if k < threshold:
                chosen[pos[j]] = True
            elif k == threshold and ties > 0:
                chosen[pos[j]] = True
                ties -= 1
