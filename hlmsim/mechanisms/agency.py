"""Power to act ("pouvoir d'agir"): what a household learns from the needs it got through with
help (from the worker, a service or mutual aid). Each such need closes a share of the gap to a
full power to act; it fades slowly and leaves with the household. A household with power to act
averts part of its needs and resolves more of its open needs on its own (finding 7). Because
it accumulates need after need, household after household, it is the model's slowest route from
an arrangement to residents' needs (finding 15).

Learning runs in a compiled kernel (:func:`learn_kernel`, also called by the kernel that closes
needs), fading in :func:`fade_milieux` (called by well-being's kernel); the scalar
:func:`keep_share_of` and :func:`self_resolve_ratio_of` serve the needs kernel, and
:func:`keep_share` / :func:`self_resolve_ratio` give the same values for every
household at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import half_life_factor
from ._jit import kernel

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Functions called by the phases that meet needs (learn) and by well-being (fade).)
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "ms.rows",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.agency",
    }
)

#: Sources of a met need that teach the household (help, not a need that resolved alone or
#: through an activity).
LEARNING_SOURCES = frozenset({"worker", "service", "mutual_aid"})


def learn(model: HLMModel, rows: np.ndarray, source: str) -> None:
    """Households ``rows`` each got a need met with help from ``source`` (a household may be
    listed once per need)."""
    if source not in LEARNING_SOURCES or len(rows) == 0:
        return
    hh = model.hh
    learn_kernel(rows, hh.milieu, model.mp.agency_gain_help, hh.agency)


@kernel
def learn_kernel(
    rows: np.ndarray, milieu: np.ndarray, gain_help: np.ndarray, agency: np.ndarray
) -> None:
    """Each household of ``rows`` closes a share ``gain_help`` of its gap to a full power to act
    per need met with help: ``times`` needs at once keep ``(1 - gain) ** times`` of the gap."""
    if len(rows) == 0:
        return
    who = np.sort(rows)  # a household's needs together (the order of np.unique)
    start = 0
    for j in range(1, len(who) + 1):
        if j == len(who) or who[j] != who[start]:
            i = who[start]
            keep = (1.0 - gain_help[milieu[i]]) ** float(j - start)
            agency[i] = 1.0 - (1.0 - agency[i]) * keep
            start = j


def fade(model: HLMModel) -> None:
    """The power to act fades slowly without new help (well-being's kernel calls
    :func:`fade_milieux` on its slice of milieux)."""
    hh, ms = model.hh, model.ms
    fade_milieux(hh.agency, half_life_factor(model.mp.agency_half_life_months), ms.rows, 0, ms.n)


@kernel
def fade_milieux(
    agency: np.ndarray, keep: np.ndarray, rows: np.ndarray, m_lo: int, m_hi: int
) -> None:
    """Each household's power to act in milieux ``m_lo:m_hi`` (rows ``rows[m]:rows[m + 1]``)
    times its milieu's monthly retention ``keep``, in place."""
    for m in range(m_lo, m_hi):
        keep_m = keep[m]
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            agency[i] *= keep_m


@kernel
def keep_share_of(prevention_agency_effect: float, agency: float) -> float:
    """Share of arising needs one household does not avert thanks to its power to act."""
    return 1.0 - prevention_agency_effect * agency


@kernel
def self_resolve_ratio_of(self_resolve_agency_ratio: float, agency: float) -> float:
    """How much more often one household's open needs resolve on their own."""
    return 1.0 + (self_resolve_agency_ratio - 1.0) * agency


def keep_share(model: HLMModel) -> np.ndarray:
    """Share of arising needs a household does not avert thanks to its power to act, (N,)."""
    return 1 - model.mp.prevention_agency_effect[model.hh.milieu] * model.hh.agency


def self_resolve_ratio(model: HLMModel) -> np.ndarray:
    """How much more often a household's open needs resolve on their own, (N,)."""
    return 1 + (model.mp.self_resolve_agency_ratio[model.hh.milieu] - 1) * model.hh.agency
