"""Demography: households move out and newcomers move into the unit. Move-outs do not depend on the
arrangement, so that arrangements compared on one seed keep the same households.

Lengths of stay follow a Weibull distribution (``stay_shape``; 1 is a constant move-out hazard),
of mean ``1 / -ln(1 - move_out_annual)`` years: a household that has lived ``d`` months in its
unit moves out this month with probability ``1 - S(d + 1) / S(d)``. The households present at
the start have lived there for a while: their time lived is drawn from the stationary
distribution of time lived so far, proportional to ``S`` (what a survey of the residents of a
long-settled ensemble would find), so that the model starts with the mix of long and recent
residents the sources describe instead of everyone moving in at month 1.

Each month, one compiled kernel finds the households that move out (the hazard by months lived
comes from a table computed once per parameter set, :func:`hazard_table`); the newcomers' attributes
are drawn by a second kernel from numbers addressed by unit (:func:`_draw_newcomers`, the laws
of :func:`hlmsim.state.draw_households`) and a third moves them in."""

from __future__ import annotations

import math
import weakref
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import MAX_LIVED_MONTHS, NEVER, STAY_TAIL
from ..state import BETA_ATTRIBUTES, MilieuParams, _household_laws, law_parameters
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
    idx = _move_outs(
        # one number per unit, addressed by its row (common random numbers by unit and month)
        model.rs.bases("demography", t)[0],
        t,
        hh.milieu,
        hh.arrived,
        hh.need_open,
        row,
        table,
        model.tally["move_outs"],
        model.tally["stay_months_out"],
        model.tally["needs_left_open"],
    )
    if len(idx) == 0:
        return
    # the newcomers' attributes, from numbers addressed by unit (common random numbers: the same
    # newcomers in every arrangement on one seed)
    keys = model.rs.bases("newcomers", t)
    htype, attrs, traits = _draw_newcomers(
        keys[Draw.TYPE],
        keys[Draw.BETA],
        keys[Draw.NORMAL],
        idx,
        hh.milieu,
        model.mix["share_family"],
        model.mix["share_senior"],
        law_parameters(mp),
    )
    hard_to_reach, image, landlord, engagement, ties_base, knowledge, security = attrs
    propensity, openness = traits
    _move_in(
        idx,
        t,
        hh.next_hid,
        htype,
        hard_to_reach,
        image,
        landlord,
        engagement,
        ties_base,
        knowledge,
        security,
        propensity,
        openness,
        hh.htype,
        hh.hard_to_reach,
        hh.image,
        hh.landlord,
        hh.engagement,
        hh.ties_base,
        hh.ties,
        hh.knowledge,
        hh.security,
        hh.propensity,
        hh.openness,
        hh.hid,
        hh.arrived,
        hh.trust_worker,
        hh.contacts,
        hh.refusals,
        hh.last_contact,
        hh.last_served,
        hh.mutual_aid,
        hh.agency,
        hh.need_open,
        hh.need_age,
        hh.need_queue,
        hh.need_wait,
        hh.need_priority,
        hh.need_origin,
        hh.first_attempt,
        hh.first_success,
        hh.last_part,
        hh.part_year,
        hh.part_prev,
        hh.last_project,
    )
    hh.next_hid += len(idx)


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
    milieu: np.ndarray,
    arrived: np.ndarray,
    need_open: np.ndarray,
    row: np.ndarray,
    table: np.ndarray,
    tally_move_outs: np.ndarray,
    tally_stay: np.ndarray,
    tally_left_open: np.ndarray,
) -> np.ndarray:
    """The rows of the households that move out this month (ascending), their completed stays
    and the needs still open that leave with them (counted, not as met) tallied."""
    N, K = need_open.shape
    M = len(tally_move_outs)
    leaving = np.empty(N, dtype=np.int64)
    n = 0
    moved, stay, left_open = np.zeros(M), np.zeros(M), np.zeros(M)
    for i in range(N):
        m = milieu[i]
        if uniform(base, i) < table[row[m], max(t - arrived[i], 0)]:
            leaving[n] = i
            n += 1
            moved[m] += 1.0
            stay[m] += t - arrived[i]
            n_open = 0
            for k in range(K):
                n_open += need_open[i, k]
            left_open[m] += n_open
    for m in range(M):
        tally_move_outs[m] += moved[m]
        tally_stay[m] += stay[m]
        tally_left_open[m] += left_open[m]
    return leaving[:n]


@kernel
def _move_in(
    idx: np.ndarray,
    t: int,
    next_hid: int,
    new_htype: np.ndarray,
    new_hard_to_reach: np.ndarray,
    new_image: np.ndarray,
    new_landlord: np.ndarray,
    new_engagement: np.ndarray,
    new_ties_base: np.ndarray,
    new_knowledge: np.ndarray,
    new_security: np.ndarray,
    new_propensity: np.ndarray,
    new_openness: np.ndarray,
    htype: np.ndarray,
    hard_to_reach: np.ndarray,
    image: np.ndarray,
    landlord: np.ndarray,
    engagement: np.ndarray,
    ties_base: np.ndarray,
    ties: np.ndarray,
    knowledge: np.ndarray,
    security: np.ndarray,
    propensity: np.ndarray,
    openness: np.ndarray,
    hid: np.ndarray,
    arrived: np.ndarray,
    trust_worker: np.ndarray,
    contacts: np.ndarray,
    refusals: np.ndarray,
    last_contact: np.ndarray,
    last_served: np.ndarray,
    mutual_aid: np.ndarray,
    agency: np.ndarray,
    need_open: np.ndarray,
    need_age: np.ndarray,
    need_queue: np.ndarray,
    need_wait: np.ndarray,
    need_priority: np.ndarray,
    need_origin: np.ndarray,
    first_attempt: np.ndarray,
    first_success: np.ndarray,
    last_part: np.ndarray,
    part_year: np.ndarray,
    part_prev: np.ndarray,
    last_project: np.ndarray,
) -> None:
    """Newcomers take the units ``idx``: their drawn attributes, a new household id, and no
    history (no contact, help, need, participation or project yet)."""
    K = need_open.shape[1]
    for j in range(len(idx)):
        i = idx[j]
        htype[i] = new_htype[j]
        hard_to_reach[i] = new_hard_to_reach[j]
        image[i] = new_image[j]
        landlord[i] = new_landlord[j]
        engagement[i] = new_engagement[j]
        ties_base[i] = new_ties_base[j]
        ties[i] = new_ties_base[j]
        knowledge[i] = new_knowledge[j]
        security[i] = new_security[j]
        propensity[i] = new_propensity[j]
        openness[i] = new_openness[j]
        hid[i] = next_hid + j
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
