"""Demography: households move out (annual probability, independent of the arrangement, so that
arrangements compared on one seed keep the same households) and newcomers move into the unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..constants import NEVER
from ..params import monthly_hazard
from ..state import draw_households

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "model.mix",
        "model.t",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.agency",
        "hh.arrived",
        "hh.contacts",
        "hh.engagement",
        "hh.first_attempt",
        "hh.first_success",
        "hh.last_part",
        "hh.last_project",
        "hh.need_origin",
        "hh.part_prev",
        "hh.part_year",
        "hh.hard_to_reach",
        "hh.hid",
        "hh.htype",
        "hh.image",
        "hh.knowledge",
        "hh.landlord",
        "hh.last_contact",
        "hh.last_served",
        "hh.mutual_aid",
        "hh.need_age",
        "hh.need_open",
        "hh.need_priority",
        "hh.need_queue",
        "hh.need_wait",
        "hh.next_hid",
        "hh.security",
        "hh.ties",
        "hh.trust_worker",
        "tally.move_outs",
        "tally.needs_left_open",
        "tally.stay_months_out",
    }
)


def step(model: HLMModel) -> None:
    """Households move out; newcomers move into their units with fresh attributes."""
    hh, mp = model.hh, model.mp
    u = model.rs["demography"].random(hh.n)
    leaving = u < monthly_hazard(mp.move_out_annual)[hh.milieu]
    idx = np.flatnonzero(leaving)
    model.tally["move_outs"] += np.bincount(hh.milieu[idx], minlength=model.ms.n)
    if len(idx) == 0:
        return
    model.tally["stay_months_out"] += np.bincount(
        hh.milieu[idx], weights=model.t - hh.arrived[idx], minlength=model.ms.n
    )
    # needs still open leave with the household (counted, not as met)
    model.tally["needs_left_open"] += np.bincount(
        hh.milieu[idx], weights=hh.need_open[idx].sum(axis=1), minlength=model.ms.n
    )
    new = draw_households(
        model.rs["newcomers"],
        mp,
        hh.milieu[idx],
        model.mix["share_family"][idx],
        model.mix["share_senior"][idx],
        True,
    )
    for name, values in new.items():
        getattr(hh, name)[idx] = values
    hh.hid[idx] = hh.next_hid + np.arange(len(idx))
    hh.next_hid += len(idx)
    hh.arrived[idx] = model.t
    hh.trust_worker[idx] = 0.0
    hh.contacts[idx] = 0
    hh.last_contact[idx] = NEVER
    hh.last_served[idx] = NEVER
    hh.mutual_aid[idx] = False
    hh.agency[idx] = 0.0
    hh.need_open[idx] = False
    hh.need_age[idx] = 0
    hh.need_queue[idx] = -1
    hh.need_wait[idx] = 0
    hh.need_priority[idx] = False
    hh.need_origin[idx] = 0
    hh.first_attempt[idx] = NEVER
    hh.first_success[idx] = NEVER
    hh.last_part[idx] = NEVER
    hh.part_year[idx] = False
    hh.part_prev[idx] = False
    hh.last_project[idx] = -1
