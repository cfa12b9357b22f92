"""Information: word of mouth between neighbours. With a monthly probability that grows with a
household's social ties, it talks resources with neighbours and closes part of the gap between
its knowledge and the milieu's mean (those who know less learn; nobody unlearns). Knowledge also
comes from the worker (outreach) and activities (participation), in the CommunityRx dose form."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._util import per_milieu

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "hh.ties",
        "ms.n_households",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.knowledge",
        "tally.peer_exchanges",
    }
)


def step(model: HLMModel) -> None:
    """Word of mouth: households below their milieu's mean knowledge learn from neighbours."""
    hh, mp, ms = model.hh, model.mp, model.ms
    m = hh.milieu
    u = model.rs["information"].random(hh.n)
    mean_k = per_milieu(m, hh.knowledge, ms.n) / np.maximum(ms.n_households, 1)
    talk = u < mp.peer_information_monthly[m] * hh.ties
    gap = np.maximum(mean_k[m] - hh.knowledge, 0.0)
    hh.knowledge = np.where(talk, hh.knowledge + mp.peer_learning[m] * gap, hh.knowledge)
    model.tally["peer_exchanges"] += per_milieu(m, talk, ms.n)
