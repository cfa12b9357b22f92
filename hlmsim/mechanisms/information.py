"""Information: word of mouth between neighbours. With a monthly probability that grows with a
household's social ties, it talks resources with neighbours and closes part of the gap between
its knowledge and the milieu's mean (those who know less learn; nobody unlearns). Knowledge also
comes from the worker (outreach) and activities (participation), in the CommunityRx dose form.

:func:`step` draws the month's numbers and hands the work to one compiled kernel
(:func:`_word_of_mouth`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _threads
from ._jit import kernel, uniform

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "hh.ties",
        "model.t",
        "ms.n_households",
        "ms.rows",
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
    # one number per household, addressed by its row (common random numbers by household, month)
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads; deferred within a
    # block of phases run together)
    _threads.defer(
        _word_of_mouth,
        model.slices,
        model.rs.bases("information", model.t)[0],
        hh.ties,
        hh.knowledge,
        ms.n_households,
        mp.peer_information_monthly,
        mp.peer_learning,
        model.tally["peer_exchanges"],
        ms.rows,
    )


@kernel
def _word_of_mouth(
    base: np.uint64,
    ties: np.ndarray,
    knowledge: np.ndarray,
    n_households: np.ndarray,
    peer_information_monthly: np.ndarray,
    peer_learning: np.ndarray,
    exchanges: np.ndarray,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> None:
    """Word of mouth in milieux ``m_lo:m_hi`` (rows ``rows[m_lo]:rows[m_hi]``), in place on
    ``knowledge``; exchanges counted by milieu in ``exchanges``."""
    for m in range(m_lo, m_hi):
        first, end = np.uint64(rows[m]), np.uint64(rows[m + 1])  # see _jit, row loops
        # the milieu's mean knowledge, before anyone learns this month
        total = 0.0
        for i in range(first, end):
            total += knowledge[i]
        mean_k = total / max(n_households[m], 1.0)
        talk, learning = peer_information_monthly[m], peer_learning[m]
        for i in range(first, end):
            # households with more ties talk resources with neighbours more often
            if uniform(base, i) < talk * ties[i]:
                gap = max(mean_k - knowledge[i], 0.0)  # nobody unlearns
                knowledge[i] = knowledge[i] + learning * gap
                exchanges[m] += 1.0
