"""Small vectorised helpers shared by the mechanisms."""

from __future__ import annotations

import numpy as np

from ..constants import LOGIT_CLIP, SCHEDULE_EPS


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function: effects add on the log-odds scale, probabilities stay in [0, 1]."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -LOGIT_CLIP, LOGIT_CLIP)))


def rank_in_group(group: np.ndarray, *keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order items by group, then by keys (last key most significant, ascending, as lexsort).

    Returns (order, rank) where ``rank[j]`` is the position of item ``order[j]`` within its group.
    """
    order = np.lexsort((*keys, group))
    return order, _ranks(group[order])


def _ranks(g: np.ndarray) -> np.ndarray:
    if len(g) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    return np.arange(len(g)) - first


def scheduled(t: int, per_year: np.ndarray) -> np.ndarray:
    """True in the months (0-based t) at which an activity held ``per_year`` times a year falls."""
    f = np.asarray(per_year, dtype=float)
    return np.floor((t + 1) * f / 12.0 + SCHEDULE_EPS) > np.floor(t * f / 12.0 + SCHEDULE_EPS)


def gap_gain(x: np.ndarray, rate: np.ndarray | float, mask: np.ndarray | None = None) -> np.ndarray:
    """Gain a fraction of the remaining gap: x + rate (1 - x), where ``mask``."""
    gain = np.asarray(rate) * (1.0 - x)
    return x + (gain if mask is None else np.where(mask, gain, 0.0))
