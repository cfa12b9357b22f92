"""Crises: random (annual probability) or scheduled; they last a few months, raise psychosocial
and housing needs, lower the sense of security and draw partners to meetings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import monthly_hazard

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "model.events_now",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "ms.crisis_left",
        "tally.crises_started",
    }
)


def step(model: HLMModel) -> None:
    """Crises start (random or scheduled) and count down."""
    ms, mp = model.ms, model.mp
    u = model.rs["crises"].random(ms.n)
    ms.crisis_left = np.maximum(ms.crisis_left - 1, 0)
    start = (u < monthly_hazard(mp.crisis_annual)) | model.events_now["crisis"]
    ms.crisis_left = np.where(start, np.maximum(ms.crisis_left, mp.crisis_months), ms.crisis_left)
    model.tally["crises_started"] += start
