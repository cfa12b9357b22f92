"""Crises: random (annual probability) or scheduled; they last a few months, raise psychosocial
and housing needs, lower the sense of security and draw partners to meetings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._jit import kernel, uniform
from .staff import monthly_hazard

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "model.t",
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
    _step_kernel(
        model.rs.bases("crises", model.t)[0],  # one number per milieu (hlmsim.rng.CounterDraws)
        model.events_now["crisis"],
        mp.crisis_annual,
        mp.crisis_months,
        ms.crisis_left,
        model.tally["crises_started"],
    )


@kernel
def _step_kernel(
    base: np.uint64,
    scheduled: np.ndarray,
    crisis_annual: np.ndarray,
    crisis_months: np.ndarray,
    crisis_left: np.ndarray,
    tally_started: np.ndarray,
) -> None:
    """Every milieu's crisis counts down, and a new one starts (random or scheduled), in place."""
    for m in range(len(crisis_left)):
        crisis_left[m] = max(crisis_left[m] - 1, 0.0)
        if uniform(base, m) < monthly_hazard(crisis_annual[m]) or scheduled[m]:
            crisis_left[m] = max(crisis_left[m], crisis_months[m])
            tally_started[m] += 1.0
