"""Needs: arise by category (annual rates, by household type, raised in crises), are partly
averted by prevention (a trusted worker, a mutual-aid network, the household's power to act), age,
resolve on their own now and then (more often with power to act), and are given up when left
unmet too long."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import INITIAL_NEEDS_YEARS
from ..params import NEED_CATEGORIES
from ..state import NEED
from . import agency

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Includes :func:`close` (also called by the phases that meet needs).)
READS: frozenset[str] = frozenset(
    {
        "model.t",
        "hh.agency",
        "hh.htype",
        "hh.milieu",
        "hh.mutual_aid",
        "hh.trust_worker",
        "ms.crisis_left",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.need_age",
        "hh.need_open",
        "hh.need_priority",
        "hh.need_queue",
        "hh.need_wait",
        "tally.met_by_self",
        "tally.needs_abandoned",
        "tally.needs_met",
        "tally.needs_met_by_category",
        "tally.needs_new",
        "tally.needs_opened",
        "tally.needs_prevented",
        "tally.time_to_meet_sum",
    }
)

CRISIS_CATEGORIES = (NEED["psychosocial_health"], NEED["housing_building"])


#: Uses of the counter-based numbers (``CounterDraws`` slots): resolving alone, prevention.
class Draw(IntEnum):
    SELF_RESOLVE = auto()
    PREVENT = auto()


def need_rates(model: HLMModel) -> np.ndarray:
    """Monthly probability of a new need, (N, K): a (milieu, household type) table, indexed."""
    hh, mp = model.hh, model.mp
    annual = np.stack([getattr(mp, f"need_rate_{c}") for c in NEED_CATEGORIES], axis=1)
    table = np.repeat(annual[:, None, :], 3, axis=1)  # (M, type, K) needs per household-year
    table[:, 1:, NEED["parenting"]] = 0.0  # parenting needs: families only
    table[:, 1:, NEED["socialising"]] *= mp.senior_isolation_factor[:, None]
    crisis = model.ms.crisis_left > 0
    for k in CRISIS_CATEGORIES:
        table[:, :, k] *= np.where(crisis, mp.crisis_need_multiplier, 1.0)[:, None]
    return (1 - np.exp(-table / 12.0))[hh.milieu, hh.htype]


def initial_needs(model: HLMModel, years: float = INITIAL_NEEDS_YEARS) -> None:
    """Households start with the needs accumulated over the past ``years`` (random ages), so
    that outcomes do not start from an empty stock of needs."""
    hh = model.hh
    rng = model.rs["population"]
    u = rng.random(hh.need_open.shape)
    ages = rng.integers(0, int(12 * years) + 1, size=hh.need_open.shape)
    monthly = need_rates(model)
    p_open = 1 - (1 - monthly) ** (12 * years)
    hh.need_open[:] = u < p_open
    hh.need_age[:] = np.where(hh.need_open, ages, 0)


def close(model: HLMModel, rows: np.ndarray, cols: np.ndarray, met: bool, source: str) -> None:
    """Close needs (rows, cols): met (counted with their time to be met) or given up."""
    hh, M = model.hh, model.ms.n
    if len(rows) == 0:
        return
    m = hh.milieu[rows]
    if met:
        model.tally["needs_met"] += np.bincount(m, minlength=M)
        model.tally["time_to_meet_sum"] += np.bincount(
            m, weights=hh.need_age[rows, cols] + 1, minlength=M
        )
        model.tally[f"met_by_{source}"] += np.bincount(m, minlength=M)
        agency.learn(model, rows, source)
        cat = model.tally["needs_met_by_category"]
        np.add.at(cat, (m, cols), 1)
    else:
        model.tally["needs_abandoned"] += np.bincount(m, minlength=M)
    hh.need_open[rows, cols] = False
    hh.need_queue[rows, cols] = -1
    hh.need_wait[rows, cols] = 0
    hh.need_priority[rows, cols] = False


def step(model: HLMModel) -> None:
    """Open needs age, resolve alone or are given up; new needs arise, some averted."""
    hh, mp = model.hh, model.mp
    rng = model.rs["needs"]
    K = len(NEED_CATEGORIES)
    u_new = rng.random((hh.n, K))  # every household and category, every month
    # the rest only where needed (common random numbers by household, need and month)
    draw = model.rs.at("needs", model.t)
    # open needs age; some resolve on their own (not while being served), some are given up
    hh.need_age += hh.need_open
    p_self = mp.need_self_resolve_monthly[hh.milieu] * agency.self_resolve_ratio(model)
    p_self = np.minimum(p_self, 1.0)[:, None]
    rows, cols = np.nonzero(hh.need_open & (hh.need_queue < 0))
    resolve = draw(rows * K + cols, Draw.SELF_RESOLVE) < p_self[rows, 0]
    rows, cols = rows[resolve], cols[resolve]
    close(model, rows, cols, True, "self")
    rows, cols = np.nonzero(
        hh.need_open & (hh.need_age >= mp.need_give_up_months[hh.milieu][:, None])
    )
    close(model, rows, cols, False, "none")
    # needs arrive whatever the arrangement (common random numbers: the same arrivals in every
    # arrangement on one seed); one arriving while a need of its category is open joins it
    arrive = u_new < need_rates(model)
    # prevention: a trusted worker, a mutual-aid network and the household's power to act avert
    # part of the needs that arise
    keep = (
        (1 - mp.prevention_trust_effect[hh.milieu] * hh.trust_worker)
        * (1 - mp.prevention_mutual_aid_effect[hh.milieu] * hh.mutual_aid)
        * agency.keep_share(model)
    )
    new = arrive & ~hh.need_open
    ar, ac = np.nonzero(new)
    averted = draw(ar * K + ac, Draw.PREVENT) >= keep[ar]
    new[ar[averted], ac[averted]] = False
    hh.need_open |= new
    hh.need_age[new] = 0
    m = model.ms.n
    model.tally["needs_new"] += np.bincount(hh.milieu, weights=arrive.sum(axis=1), minlength=m)
    model.tally["needs_opened"] += np.bincount(hh.milieu, weights=new.sum(axis=1), minlength=m)
    model.tally["needs_prevented"] += np.bincount(hh.milieu[ar[averted]], minlength=m).astype(float)
