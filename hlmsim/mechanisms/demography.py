"""Demography: households move out and newcomers move into the unit. Move-outs do not depend on the
arrangement, so that arrangements compared on one seed keep the same households.

Lengths of stay follow a Weibull distribution (``stay_shape``; 1 is a constant move-out hazard),
of mean ``1 / -ln(1 - move_out_annual)`` years: a household that has lived ``d`` months in its
unit moves out this month with probability ``1 - S(d + 1) / S(d)``. The households present at
the start have lived there for a while: their time lived is drawn from the stationary
distribution of time lived so far, proportional to ``S`` (what a survey of the residents of a
long-settled ensemble would find), so that the model starts with the mix of long and recent
residents the sources describe instead of everyone moving in at month 1."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..constants import MAX_LIVED_MONTHS, NEVER, STAY_TAIL
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
        "hh.refusals",
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
        "hh.openness",
        "hh.propensity",
        "hh.security",
        "hh.ties",
        "hh.ties_base",
        "hh.trust_worker",
        "tally.move_outs",
        "tally.needs_left_open",
        "tally.stay_months_out",
    }
)


def stay_scale_months(move_out_annual: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Weibull scale, in months, of stays of mean ``1 / -ln(1 - move_out_annual)`` years."""
    with np.errstate(divide="ignore"):  # no move-outs: stays without end
        mean_months = 12.0 / -np.log1p(-np.asarray(move_out_annual, dtype=float))
    gamma = np.array([math.gamma(1.0 + 1.0 / k) for k in np.atleast_1d(shape)])
    return mean_months / gamma.reshape(np.shape(shape))


def move_out_hazard(lived: np.ndarray, scale: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Probability of moving out this month after ``lived`` months: 1 - S(d + 1) / S(d)."""
    d = np.maximum(np.asarray(lived, dtype=float), 0.0)
    return -np.expm1(-(((d + 1) / scale) ** shape - (d / scale) ** shape))


def initial_stays(model: HLMModel) -> None:
    """Time lived in their unit by the households present at the start (``hh.arrived`` <= 0),
    drawn from the stationary distribution of time lived so far: P(d months) proportional to S(d).
    Without move-outs there is no such distribution: households have lived there since month 0.
    """
    hh, mp = model.hh, model.mp
    u = model.rs["tenure"].random(hh.n)
    scale = stay_scale_months(mp.move_out_annual, mp.stay_shape)
    lived = np.zeros(hh.n, dtype=np.int64)
    pairs = np.stack([scale, mp.stay_shape], axis=1)
    for sc, k in np.unique(pairs[np.isfinite(scale)], axis=0):
        sel = np.flatnonzero(((scale == sc) & (mp.stay_shape == k))[hh.milieu])
        tail = sc * (-np.log(STAY_TAIL)) ** (1 / k)
        months = np.arange(int(np.ceil(min(tail, MAX_LIVED_MONTHS))) + 1)
        cdf = np.cumsum(np.exp(-((months / sc) ** k)))
        lived[sel] = np.searchsorted(cdf / cdf[-1], u[sel], side="right")
    hh.arrived = np.minimum(-lived, 0)


def step(model: HLMModel) -> None:
    """Households move out; newcomers move into their units with fresh attributes."""
    hh, mp = model.hh, model.mp
    u = model.rs["demography"].random(hh.n)
    m = hh.milieu
    scale = stay_scale_months(mp.move_out_annual, mp.stay_shape)
    leaving = u < move_out_hazard(model.t - hh.arrived, scale[m], mp.stay_shape[m])
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
    hh.ties[idx] = new["ties_base"]
    hh.hid[idx] = hh.next_hid + np.arange(len(idx))
    hh.next_hid += len(idx)
    hh.arrived[idx] = model.t
    hh.trust_worker[idx] = 0.0
    hh.contacts[idx] = 0
    hh.refusals[idx] = 0
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
