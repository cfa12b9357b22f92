"""Demography: households move out and newcomers move into the unit. Move-outs do not depend on the
arrangement, so that arrangements compared on one seed keep the same households.

Lengths of stay follow a Weibull distribution (``stay_shape``; 1 is a constant move-out hazard),
of mean ``1 / -ln(1 - move_out_annual)`` years: a household that has lived ``d`` months in its
unit moves out this month with probability ``1 - S(d + 1) / S(d)``. The households present at
the start have lived there for a while: their time lived is drawn from the stationary
distribution of time lived so far, proportional to ``S`` (what a survey of the residents of a
long-settled ensemble would find), so that the model starts with the mix of long and recent
residents the sources describe instead of everyone moving in at month 1.

Each month, one compiled kernel (:func:`_turnover`, on each slice of milieux) finds the
households that move out (the hazard by months lived comes from a table computed once per
parameter set, :func:`hazard_table`), draws the newcomers' attributes from numbers addressed by
unit (:func:`_draw_newcomers`, the laws of :func:`hlmsim.state.draw_households`) and moves them
in (:func:`_move_in`); the new households' ids are then numbered in row order."""

from __future__ import annotations

import math
import weakref
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import MAX_LIVED_MONTHS, NEVER, STAY_TAIL
from ..state import BETA_ATTRIBUTES, MilieuParams, _household_laws, law_parameters
from . import _threads
from ._jit import beta_variate, kernel, standard_normal, uniform

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "model.mix",
        "model.t",
        "ms.rows",
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


#: Each model's move-out hazard table (see :func:`hazard_table`), with the parameters it was
#: computed from; dropped with the model's parameters.
_TABLES: weakref.WeakKeyDictionary[MilieuParams, tuple[bytes, np.ndarray, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def hazard_table(mp: MilieuParams, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Move-out hazards by months lived, computed once per parameter set rather than household
    by household each month: ``(row, table)``, where ``table[row[m], d]`` is
    :func:`move_out_hazard` of ``d`` months lived in milieu ``m`` (one row per distinct stay
    distribution), for ``d`` below ``length`` at least."""
    key = mp.move_out_annual.tobytes() + mp.stay_shape.tobytes()
    found = _TABLES.get(mp)
    if found is not None and found[0] == key:
        if found[2].shape[1] >= length:
            return found[1], found[2]
        length = max(length, 2 * found[2].shape[1])
    scale = stay_scale_months(mp.move_out_annual, mp.stay_shape)
    pairs, row = np.unique(np.stack([scale, mp.stay_shape], axis=1), axis=0, return_inverse=True)
    table = move_out_hazard(np.arange(length)[None, :], pairs[:, :1], pairs[:, 1:])
    _TABLES[mp] = (key, row.reshape(-1), table)
    return row.reshape(-1), table


def step(model: HLMModel) -> None:
    """Households move out; newcomers move into their units with fresh attributes."""
    hh, mp = model.hh, model.mp
    t = int(model.t)
    lived = t - int(hh.arrived.min()) if hh.n else 0
    row, table = hazard_table(mp, lived + 1)
    # one number per unit, addressed by its row, for moving out; the newcomers' attributes from
    # numbers addressed by unit (common random numbers: the same move-outs and newcomers in
    # every arrangement on one seed)
    base_out = model.rs.bases("demography", t)[0]
    keys = model.rs.bases("newcomers", t)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads): the rows whose
    # household moved out, in order
    parts = _threads.run(
        _turnover,
        model.slices,
        base_out,
        keys[Draw.TYPE],
        keys[Draw.BETA],
        keys[Draw.NORMAL],
        t,
        row,
        table,
        model.mix["share_family"],
        model.mix["share_senior"],
        law_parameters(mp),
        (model.tally["move_outs"], model.tally["stay_months_out"], model.tally["needs_left_open"]),
        tuple([getattr(hh, name) for name in _HOUSEHOLD_ARRAYS]),
        (hh.need_open, hh.need_age, hh.need_queue, hh.need_wait, hh.need_priority, hh.need_origin),
        model.ms.rows,
    )
    idx = _threads.joined(parts)
    # new household ids, in row order
    hh.hid[idx] = hh.next_hid + np.arange(len(idx))
    hh.next_hid += len(idx)


#: The households' arrays :func:`step` hands to :func:`_turnover` and :func:`_move_in`, in
#: this order.
_HOUSEHOLD_ARRAYS = (
    "milieu",
    "htype",
    "hard_to_reach",
    "image",
    "landlord",
    "engagement",
    "ties_base",
    "ties",
    "knowledge",
    "security",
    "propensity",
    "openness",
    "arrived",
    "trust_worker",
    "contacts",
    "refusals",
    "last_contact",
    "last_served",
    "mutual_aid",
    "agency",
    "first_attempt",
    "first_success",
    "last_part",
    "part_year",
    "part_prev",
    "last_project",
)
_ARRIVED = _HOUSEHOLD_ARRAYS.index("arrived")


@kernel
def _turnover(
    base_out: np.uint64,
    base_type: np.uint64,
    base_beta: np.uint64,
    base_normal: np.uint64,
    t: int,
    row: np.ndarray,
    table: np.ndarray,
    share_family: np.ndarray,
    share_senior: np.ndarray,
    laws: tuple,
    tallies: tuple,
    households: tuple,
    needs: tuple,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> np.ndarray:
    """The month's move-outs and move-ins in milieux ``m_lo:m_hi`` (rows
    ``rows[m_lo]:rows[m_hi]``), in place (``households``, ``needs``: the arrays
    :func:`_move_in` writes, in its order; ``tallies``: move-outs, months stayed, needs left
    open). Returns the rows that changed household (ascending); their ids are set by the
    caller."""
    milieu, arrived, need_open = households[0], households[_ARRIVED], needs[0]
    moved, stayed, left_open = tallies
    idx = _move_outs(
        base_out,
        t,
        arrived,
        need_open,
        row,
        table,
        moved,
        stayed,
        left_open,
        rows,
        m_lo,
        m_hi,
    )
    if len(idx) > 0:
        htype, attrs, traits = _draw_newcomers(
            base_type, base_beta, base_normal, idx, milieu, share_family, share_senior, laws
        )
        _move_in(idx, t, htype, attrs, traits, households, needs)
    return idx


#: Uses of the newcomers' counter-based numbers (``CounterDraws`` slots), each addressed by the
#: unit (and attribute): the household's type, its beta-distributed attributes, its two normal
#: traits.
class Draw(IntEnum):
    TYPE = auto()
    BETA = auto()
    NORMAL = auto()


@kernel
def _draw_newcomers(
    base_type: np.uint64,
    base_beta: np.uint64,
    base_normal: np.uint64,
    idx: np.ndarray,
    milieu: np.ndarray,
    share_family: np.ndarray,
    share_senior: np.ndarray,
    laws: tuple,
) -> tuple:
    """The attributes of the households moving into the units ``idx``, with the laws of
    :func:`hlmsim.state.draw_households` for newcomers (``laws``: the arrays of
    ``hlmsim.state.LAW_PARAMETERS``): the type (the unit's number against its ensemble's mix),
    the seven beta-distributed attributes (``BETA_ATTRIBUTES``, each from its own numbers:
    :func:`._jit.beta_variate`) and the two normal traits. Returns the type, the seven
    attributes (rows, in the order of ``BETA_ATTRIBUTES``) and the two traits (rows:
    propensity, openness), as ``_move_in`` takes them."""
    n = len(idx)
    u = np.empty(n)
    for j in range(n):
        u[j] = uniform(base_type, idx[j])
    htype, alpha, beta, sd = _household_laws(
        u, share_family[idx], share_senior[idx], milieu[idx], True, *laws
    )
    n_beta = len(BETA_ATTRIBUTES)
    attrs = np.empty((n_beta, n))
    traits = np.empty((2, n))
    for j in range(n):
        for r in range(n_beta):
            attrs[r, j] = beta_variate(base_beta, idx[j] * n_beta + r, alpha[r, j], beta[r, j])
        for c in range(2):
            traits[c, j] = standard_normal(base_normal, idx[j] * 2 + c) * sd[c, j]
    return htype, attrs, traits


@kernel
def _move_outs(
    base: np.uint64,
    t: int,
    arrived: np.ndarray,
    need_open: np.ndarray,
    row: np.ndarray,
    table: np.ndarray,
    tally_move_outs: np.ndarray,
    tally_stay: np.ndarray,
    tally_left_open: np.ndarray,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> np.ndarray:
    """The rows of the households of milieux ``m_lo:m_hi`` (rows ``rows[m_lo]:rows[m_hi]``)
    that move out this month (ascending), their completed stays and the needs still open that
    leave with them (counted, not as met) tallied."""
    K = need_open.shape[1]
    leaving = np.empty(rows[m_hi] - rows[m_lo], dtype=np.int64)
    n = 0
    for m in range(m_lo, m_hi):
        hazard = table[row[m]]
        moved = stay = left_open = 0.0
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            if uniform(base, i) < hazard[max(t - arrived[i], 0)]:
                leaving[n] = i
                n += 1
                moved += 1.0
                stay += t - arrived[i]
                n_open = 0
                for k in range(K):
                    n_open += need_open[i, k]
                left_open += n_open
        tally_move_outs[m] += moved
        tally_stay[m] += stay
        tally_left_open[m] += left_open
    return leaving[:n]


#: Rows of the newcomers' drawn attributes (the order of ``BETA_ATTRIBUTES``).
_HARD_TO_REACH, _IMAGE, _LANDLORD, _ENGAGEMENT, _TIES_BASE, _KNOWLEDGE, _SECURITY = map(
    BETA_ATTRIBUTES.index,
    ("hard_to_reach", "image", "landlord", "engagement", "ties_base", "knowledge", "security"),
)


@kernel
def _move_in(
    idx: np.ndarray,
    t: int,
    new_htype: np.ndarray,
    new_attrs: np.ndarray,
    new_traits: np.ndarray,
    households: tuple,
    needs: tuple,
) -> None:
    """Newcomers take the units ``idx``: their drawn attributes (``new_attrs``: rows in the
    order of ``BETA_ATTRIBUTES``; ``new_traits``: propensity, openness) and no history (no
    contact, help, need, participation or project yet); the caller gives them their ids.
    ``households`` and ``needs`` hold the arrays written (``_HOUSEHOLD_ARRAYS``, then the
    needs' in the order of :func:`step`)."""
    (
        _,
        htype,
        hard_to_reach,
        image,
        landlord,
        engagement,
        ties_base,
        ties,
        knowledge,
        security,
        propensity,
        openness,
        arrived,
        trust_worker,
        contacts,
        refusals,
        last_contact,
        last_served,
        mutual_aid,
        agency,
        first_attempt,
        first_success,
        last_part,
        part_year,
        part_prev,
        last_project,
    ) = households
    need_open, need_age, need_queue, need_wait, need_priority, need_origin = needs
    K = need_open.shape[1]
    for j in range(len(idx)):
        i = idx[j]
        htype[i] = new_htype[j]
        hard_to_reach[i] = new_attrs[_HARD_TO_REACH, j]
        image[i] = new_attrs[_IMAGE, j]
        landlord[i] = new_attrs[_LANDLORD, j]
        engagement[i] = new_attrs[_ENGAGEMENT, j]
        ties_base[i] = new_attrs[_TIES_BASE, j]
        ties[i] = new_attrs[_TIES_BASE, j]
        knowledge[i] = new_attrs[_KNOWLEDGE, j]
        security[i] = new_attrs[_SECURITY, j]
        propensity[i] = new_traits[0, j]
        openness[i] = new_traits[1, j]
        arrived[i] = t
        trust_worker[i] = 0.0
        contacts[i] = 0
        refusals[i] = 0
        last_contact[i] = NEVER
        last_served[i] = NEVER
        mutual_aid[i] = False
        agency[i] = 0.0
        for k in range(K):
            need_open[i, k] = False
            need_age[i, k] = 0
            need_queue[i, k] = -1
            need_wait[i, k] = 0
            need_priority[i, k] = False
            need_origin[i, k] = 0
        first_attempt[i] = NEVER
        first_success[i] = NEVER
        last_part[i] = NEVER
        part_year[i] = False
        part_prev[i] = False
        last_project[i] = -1
