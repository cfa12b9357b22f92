"""Needs: arise by category (annual rates, by household type, raised in crises), are partly
averted by prevention (a trusted worker, a mutual-aid network, the household's power to act), age,
resolve on their own now and then (more often with power to act), and are given up when left
unmet too long.

:func:`step` draws this month's numbers and runs one compiled kernel over households and
categories; :func:`close` (also called by the phases that meet needs) counts and closes needs in
another."""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import INITIAL_NEEDS_YEARS
from ..params import NEED_CATEGORIES
from ..state import NEED
from . import _threads, agency
from ._jit import kernel, most_households, open_needs, uniform

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
        "ms.rows",
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
_PARENTING, _SOCIALISING = NEED["parenting"], NEED["socialising"]


#: Uses of the counter-based numbers (``CounterDraws`` slots): resolving alone, prevention, the
#: gaps between candidate arrivals and their thinning (see :func:`_arrivals`).
class Draw(IntEnum):
    SELF_RESOLVE = auto()
    PREVENT = auto()
    GAP = auto()
    THIN = auto()


#: The per-milieu parameters of each category's annual rate, in category order.
_RATE_FIELDS = tuple(f"need_rate_{c}" for c in NEED_CATEGORIES)


def need_rates(model: HLMModel) -> np.ndarray:
    """Monthly probability of a new need, (N, K): a (milieu, household type) table, indexed."""
    hh = model.hh
    return need_rate_table(model)[hh.milieu, hh.htype]


def need_rate_table(model: HLMModel) -> np.ndarray:
    """Monthly probability of a new need by (milieu, household type, category): (M, 3, K)."""
    annual, isolation, crisis_left, crisis_multiplier = _rate_inputs(model)
    return _rate_table(annual, isolation, crisis_left, crisis_multiplier, 0, model.ms.n)


def _rate_inputs(
    model: HLMModel,
) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray, np.ndarray]:
    """What the rate table depends on: annual rates (one (M,) array per category), senior
    isolation, crises."""
    mp = model.mp
    annual = tuple([getattr(mp, name) for name in _RATE_FIELDS])
    return annual, mp.senior_isolation_factor, model.ms.crisis_left, mp.crisis_need_multiplier


@kernel
def _rate_table(
    annual: tuple,
    senior_isolation_factor: np.ndarray,
    crisis_left: np.ndarray,
    crisis_need_multiplier: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> np.ndarray:
    """Monthly probability of a new need by (milieu, household type, category): (M, 3, K), for
    milieux ``m_lo:m_hi`` (the others' rows are left unset)."""
    M, K = len(crisis_left), len(annual)
    table = np.empty((M, 3, K))
    for m in range(m_lo, m_hi):
        crisis = crisis_left[m] > 0
        for h in range(3):
            for k in range(K):
                rate = annual[k][m]  # needs per household-year
                if h > 0 and k == _PARENTING:
                    rate = 0.0  # parenting needs: families only
                if h > 0 and k == _SOCIALISING:
                    rate *= senior_isolation_factor[m]
                if crisis and k in CRISIS_CATEGORIES:
                    rate *= crisis_need_multiplier[m]
                table[m, h, k] = 1 - math.exp(-rate / 12.0)
    return table


def initial_needs(model: HLMModel, years: float = INITIAL_NEEDS_YEARS) -> None:
    """Households start with the needs accumulated over the past ``years`` (random ages), so
    that outcomes do not start from an empty stock of needs."""
    hh = model.hh
    rng = model.rs["population"]
    u = rng.random(hh.need_open.shape)
    ages = rng.integers(0, int(12 * years) + 1, size=hh.need_open.shape)
    # by (milieu, household type) first, then for each household: the same numbers
    p_open = (1 - (1 - need_rate_table(model)) ** (12 * years))[hh.milieu, hh.htype]
    hh.need_open[:] = u < p_open
    hh.need_age[:] = np.where(hh.need_open, ages, 0)


def close(model: HLMModel, rows: np.ndarray, cols: np.ndarray, met: bool, source: str) -> None:
    """Close needs (rows, cols): met (counted with their time to be met) or given up."""
    if len(rows) == 0:
        return
    hh = model.hh
    if met:
        close_met_with(rows, cols, met_closing(model, source))
    else:
        state = (hh.need_open, hh.need_queue, hh.need_wait, hh.need_priority)
        _close_given_up(rows, cols, hh.milieu, state, model.tally["needs_abandoned"])


def met_closing(model: HLMModel, source: str) -> tuple:
    """What closing needs met by ``source`` reads and writes (:func:`close_met_with`), for
    the kernels that close the needs they meet in their own slice of milieux."""
    hh, tally = model.hh, model.tally
    # help teaches the household (power to act): its state only then
    teach = source in agency.LEARNING_SOURCES
    gain, power = (model.mp.agency_gain_help, hh.agency) if teach else (_NONE, _NONE)
    return (
        hh.milieu,
        hh.need_age,
        (hh.need_open, hh.need_queue, hh.need_wait, hh.need_priority),
        (
            tally["needs_met"],
            tally["time_to_meet_sum"],
            tally[f"met_by_{source}"],
            tally["needs_met_by_category"],
        ),
        teach,
        gain,
        power,
    )


@kernel
def close_met_with(rows: np.ndarray, cols: np.ndarray, closing: tuple) -> None:
    """Needs (rows, cols) are met and closed (``closing``: :func:`met_closing`)."""
    milieu, need_age, state, counts, teach, gain, power = closing
    _close_met(rows, cols, milieu, need_age, state, counts, teach, gain, power)


#: Stands for the power to act when a need is met without help (not used).
_NONE = np.zeros(0)


@kernel
def _clear(i: int, k: int, state: tuple) -> None:
    """Need (i, k) is closed: no longer open, out of any queue (``state``: the households'
    need_open, need_queue, need_wait and need_priority)."""
    need_open, need_queue, need_wait, need_priority = state
    need_open[i, k] = False
    need_queue[i, k] = -1
    need_wait[i, k] = 0
    need_priority[i, k] = False


@kernel
def _met(
    i: int,
    k: int,
    m: int,
    need_age: np.ndarray,
    counts: tuple,
) -> None:
    """Count need (i, k) of milieu m as met, with its time to be met (``counts``: the tallies
    needs_met, time_to_meet_sum, met_by_<source>, needs_met_by_category)."""
    needs_met, time_to_meet_sum, met_by_source, needs_met_by_category = counts
    needs_met[m] += 1
    time_to_meet_sum[m] += need_age[i, k] + 1
    met_by_source[m] += 1
    needs_met_by_category[m, k] += 1


@kernel
def _close_met(
    rows: np.ndarray,
    cols: np.ndarray,
    milieu: np.ndarray,
    need_age: np.ndarray,
    state: tuple,
    counts: tuple,
    teach: bool,
    agency_gain_help: np.ndarray,
    agency_: np.ndarray,
) -> None:
    """Needs (rows, cols) are met: counted, then closed; met with help, they teach."""
    for j in range(len(rows)):
        i, k = rows[j], cols[j]
        m = milieu[i]
        _met(i, k, m, need_age, counts)
        _clear(i, k, state)
    if teach:
        agency.learn_kernel(rows, milieu, agency_gain_help, agency_)


@kernel
def _close_given_up(
    rows: np.ndarray,
    cols: np.ndarray,
    milieu: np.ndarray,
    state: tuple,
    needs_abandoned: np.ndarray,
) -> None:
    """Needs (rows, cols) are given up: counted, then closed."""
    for j in range(len(rows)):
        i, k = rows[j], cols[j]
        needs_abandoned[milieu[i]] += 1
        _clear(i, k, state)


def step(model: HLMModel) -> None:
    """Open needs age, resolve alone or are given up; new needs arise, some averted."""
    hh, mp, tally = model.hh, model.mp, model.tally
    # numbers drawn only where needed (common random numbers by household, need and month)
    draw = model.rs.bases("needs", model.t)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads)
    _threads.run(
        _step_kernel,
        model.slices,
        draw[Draw.SELF_RESOLVE],
        draw[Draw.PREVENT],
        draw[Draw.GAP],
        draw[Draw.THIN],
        _rate_inputs(model),
        model.ms.rows,
        hh.milieu,
        hh.htype,
        hh.agency,
        hh.trust_worker,
        hh.mutual_aid,
        mp.need_self_resolve_monthly,
        mp.self_resolve_agency_ratio,
        mp.need_give_up_months,
        mp.prevention_trust_effect,
        mp.prevention_mutual_aid_effect,
        mp.prevention_agency_effect,
        hh.need_age,
        (hh.need_open, hh.need_queue, hh.need_wait, hh.need_priority),
        (
            tally["needs_met"],
            tally["time_to_meet_sum"],
            tally["met_by_self"],
            tally["needs_met_by_category"],
        ),
        tally["needs_abandoned"],
        tally["needs_new"],
        tally["needs_opened"],
        tally["needs_prevented"],
    )


@kernel
def _step_kernel(
    base_self_resolve: np.uint64,
    base_prevent: np.uint64,
    base_gap: np.uint64,
    base_thin: np.uint64,
    rate_inputs: tuple,
    rows: np.ndarray,
    milieu: np.ndarray,
    htype: np.ndarray,
    agency_: np.ndarray,
    trust_worker: np.ndarray,
    mutual_aid: np.ndarray,
    need_self_resolve_monthly: np.ndarray,
    self_resolve_agency_ratio: np.ndarray,
    need_give_up_months: np.ndarray,
    prevention_trust_effect: np.ndarray,
    prevention_mutual_aid_effect: np.ndarray,
    prevention_agency_effect: np.ndarray,
    need_age: np.ndarray,
    state: tuple,
    met_alone: tuple,  # the tallies of needs met (resolved alone), as in close
    needs_abandoned: np.ndarray,
    needs_new: np.ndarray,
    needs_opened: np.ndarray,
    needs_prevented: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> None:
    """The month of needs in milieux ``m_lo:m_hi``: the open ones age, resolve alone or are
    given up (household by household, category by category), then new needs arrive
    (:func:`_arrivals`). Each need's fate depends only on its own state and numbers, and ageing
    comes before arrivals for every need, as if each were played out alone."""
    need_open, need_queue = state[0], state[1]
    K = need_open.shape[1]
    # the open needs in household order, milieu by milieu (see _jit, row loops, open_needs)
    found_rows = np.empty(most_households(rows, m_lo, m_hi) * K, np.int64)
    found_cols = np.empty(len(found_rows), np.int64)
    for m in range(m_lo, m_hi):
        self_monthly, agency_ratio = need_self_resolve_monthly[m], self_resolve_agency_ratio[m]
        give_up = need_give_up_months[m]
        n_open = open_needs(need_open, rows[m], rows[m + 1], found_rows, found_cols)
        for j in range(n_open):
            i, k = found_rows[j], found_cols[j]
            # open needs age; some resolve on their own (not while being served)
            need_age[i, k] += 1
            resolved = False
            if need_queue[i, k] < 0:
                ratio = agency.self_resolve_ratio_of(agency_ratio, agency_[i])
                p_self = min(self_monthly * ratio, 1.0)
                resolved = uniform(base_self_resolve, i * K + k) < p_self
            if resolved:
                _met(i, k, m, need_age, met_alone)
                _clear(i, k, state)
            # some are given up when left unmet too long
            elif need_age[i, k] >= give_up:
                needs_abandoned[m] += 1
                _clear(i, k, state)
    # needs arrive whatever the arrangement (common random numbers: the same arrivals in every
    # arrangement on one seed); one arriving while a need of its category is open joins it
    annual, isolation, crisis_left, crisis_multiplier = rate_inputs
    rates = _rate_table(annual, isolation, crisis_left, crisis_multiplier, m_lo, m_hi)
    arrived = _arrivals(base_gap, base_thin, rates, rows, htype, m_lo, m_hi)
    for j in range(len(arrived)):
        i, k = arrived[j] // K, arrived[j] % K
        m = milieu[i]
        needs_new[m] += 1
        if need_open[i, k]:
            continue
        # prevention: a trusted worker, a mutual-aid network and the household's power to act
        # avert part of the needs that arise
        keep = (
            (1 - prevention_trust_effect[m] * trust_worker[i])
            * (1 - prevention_mutual_aid_effect[m] * mutual_aid[i])
            * agency.keep_share_of(prevention_agency_effect[m], agency_[i])
        )
        if uniform(base_prevent, arrived[j]) >= keep:
            needs_prevented[m] += 1
        else:
            need_open[i, k] = True
            need_age[i, k] = 0
            needs_opened[m] += 1


@kernel
def _arrivals(
    base_gap: np.uint64,
    base_thin: np.uint64,
    rates: np.ndarray,
    rows: np.ndarray,
    htype: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> np.ndarray:
    """The needs that arise this month in milieux ``m_lo:m_hi``, as entries ``i * K + k``
    (household i, category k), milieu by milieu and category by category: each arises with its
    monthly probability ``rates[m, htype[i], k]``, independently. Rather than a number for each
    of the N x K entries, the gaps between candidates are drawn at the category's highest
    rate q (geometric: ``1 + floor(log(u) / log(1 - q))`` entries on), and each candidate is kept
    with probability ``rate / q`` (thinning): a few numbers per arrival, the same law. The
    numbers are addressed by entry (``CounterDraws``): the gap after entry ``(i, k)`` is number
    ``(i + 1) * K + k``, the thinning of ``(i, k)`` its own; they depend on no state but the
    households' types, so arrangements on one seed see the same arrivals."""
    K = rates.shape[2]
    out = np.empty(rows[m_hi] - rows[m_lo] + 1, np.int64)  # grown if need be
    n = 0
    for m in range(m_lo, m_hi):
        lo, hi = rows[m], rows[m + 1]
        for k in range(K):
            q = max(rates[m, 0, k], rates[m, 1, k], rates[m, 2, k])
            if not q > 0:
                continue
            log_miss = math.log1p(-q) if q < 1 else -math.inf
            i = lo - 1
            while True:
                u = 1.0 - uniform(base_gap, (i + 1) * K + k)  # in (0, 1]
                gap = 1.0 + math.floor(math.log(u) / log_miss) if log_miss > -math.inf else 1.0
                if gap >= hi - i:
                    break
                i += int(gap)
                if uniform(base_thin, i * K + k) * q < rates[m, htype[i], k]:
                    if n == len(out):
                        out = np.concatenate((out, np.empty(n, np.int64)))
                    out[n] = i * K + k
                    n += 1
    return out[:n]
