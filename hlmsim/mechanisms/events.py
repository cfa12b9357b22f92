"""Scheduled and triggered events: a worker leaves, a grant or funding is cut, a crisis, a
collective project or a consultation, placed at a given month (scenario ``[[events]]``) or
triggered live (:meth:`hlmsim.model.HLMModel.trigger`). Random events are drawn by their own
mechanisms; this module only turns the schedule into this month's masks over milieux.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

import numpy as np

from ..params import EventSpec

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "model.schedule",
        "model.t",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "model.events_now",
        "model.triggered",
    }
)

#: The event kinds this phase turns into masks: those declared in the schema
#: (``EventSpec.kind``) but the arrangement switch, which carries an arrangement and is
#: planned by the model for :mod:`hlmsim.mechanisms.switching`.
EVENT_KINDS: tuple[str, ...] = tuple(
    k for k in get_args(EventSpec.model_fields["kind"].annotation) if k != "arrangement_switch"
)


def step(model: HLMModel) -> None:
    """Fill ``model.events_now[kind]`` (a mask over milieux) for this month's events."""
    M = model.ms.n
    now = {kind: np.zeros(M, dtype=bool) for kind in EVENT_KINDS}
    month = model.t + 1
    for ev in model.schedule.get(month, []):
        now[ev[0]] |= ev[1]
    for kind, mask in model.triggered:
        now[kind] |= mask
    model.triggered.clear()
    model.events_now = now
