"""Power to act ("pouvoir d'agir"): what a household learns from the needs it got through with
help (from the worker, a service or mutual aid). Each such need closes a share of the gap to a
full power to act; it fades slowly and leaves with the household. A household with power to act
averts part of its needs and resolves more of its open needs on its own (finding 7). Because
it accumulates need after need, household after household, it is the model's slowest route from
an arrangement to residents' needs (finding 15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import half_life_factor

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
#: (Functions called by the phases that meet needs (learn) and by well-being (fade).)
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
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
    who, times = np.unique(rows, return_counts=True)
    keep = (1 - model.mp.agency_gain_help[hh.milieu[who]]) ** times
    hh.agency[who] = 1 - (1 - hh.agency[who]) * keep


def fade(model: HLMModel) -> None:
    """The power to act fades slowly without new help."""
    hh = model.hh
    hh.agency *= half_life_factor(model.mp.agency_half_life_months)[hh.milieu]


def keep_share(model: HLMModel) -> np.ndarray:
    """Share of arising needs a household does not avert thanks to its power to act, (N,)."""
    return 1 - model.mp.prevention_agency_effect[model.hh.milieu] * model.hh.agency


def self_resolve_ratio(model: HLMModel) -> np.ndarray:
    """How much more often a household's open needs resolve on their own, (N,)."""
    return 1 + (model.mp.self_resolve_agency_ratio[model.hh.milieu] - 1) * model.hh.agency
