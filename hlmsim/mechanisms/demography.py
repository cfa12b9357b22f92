"""Demography: households move out (annual probability, independent of the arrangement, so that
arrangements compared on one seed keep the same households) and newcomers move into the unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import monthly_hazard
from ..state import draw_households

if TYPE_CHECKING:
    from ..model import HLMModel


def step(model: HLMModel) -> None:
    hh, mp = model.hh, model.mp
    u = model.rs["demography"].random(hh.n)
    leaving = u < monthly_hazard(mp.move_out_annual)[hh.milieu]
    idx = np.flatnonzero(leaving)
    model.tally["move_outs"] += np.bincount(hh.milieu[idx], minlength=model.ms.n)
    if len(idx) == 0:
        return
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
    hh.last_contact[idx] = -10_000
    hh.last_served[idx] = -10_000
    hh.mutual_aid[idx] = False
    hh.agency[idx] = 0.0
    hh.need_open[idx] = False
    hh.need_age[idx] = 0
    hh.need_queue[idx] = -1
    hh.need_wait[idx] = 0
    hh.need_priority[idx] = False
