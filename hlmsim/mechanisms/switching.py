"""Arrangement switches: in a month the scenario schedules (``[[events]]`` of kind
``arrangement_switch``), a milieu changes arrangement, for example from a community-organisation
worker to a CIUSSS worker in its third year.

What a switch costs is what the model already knows of a departure: when the post changes
employer (or is opened or closed), the worker in post leaves (residents keep only the handover
share of their trust and contacts, the post's knowledge of the milieu is lost, the problem must
be re-problematised: :func:`hlmsim.mechanisms.staff.worker_departs`); a new post stays vacant for
an exponential delay of the new employer's mean vacancy, then its newcomer ramps up (staff). A
grant-funded post starts a new grant. From that month on every parameter of the milieu is the new
arrangement's (the scenario's and the milieu's own settings still win over its preset). A switch
between arrangements with the same employer changes the parameters only. Switches may not change
the local network as built (``hlmsim.arrangements.STRUCTURAL``; the scenario refuses them).

The model builds the plan (:attr:`HLMModel.switches`: month -> (milieux, their new parameters))
from the scenario and the replicates' parameter sets; this phase applies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..constants import LOG_GUARD
from . import staff

if TYPE_CHECKING:
    from ..model import HLMModel
    from ..state import MilieuParams

#: The event kind this phase applies.
KIND = "arrangement_switch"

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change (``model.mp``: the milieux' parameters).
READS: frozenset[str] = frozenset(
    {
        "hh.milieu",
        "model.switches",
        "model.t",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "hh.contacts",
        "hh.trust_worker",
        "model.mp",
        "ms.understanding",
        "ms.worker_filled",
        "ms.worker_grant_left",
        "ms.worker_knowledge",
        "ms.worker_tenure",
        "ms.worker_vacancy_left",
        "tally.departures",
        "tally.worker_departures",
    }
)


def step(model: HLMModel) -> None:
    """This month's arrangement switches: the worker in post leaves, a new post opens vacant."""
    for milieux, new in model.switches.get(model.t + 1, []):
        switch(model, milieux, new)


def switch(model: HLMModel, milieux: np.ndarray, new: MilieuParams) -> None:
    """Switch the milieux of mask ``milieux`` to the parameters ``new`` (over all milieux)."""
    mp, ms = model.mp, model.ms
    post = milieux & (
        (mp.employer_code != new.employer_code) | ((mp.worker_fte > 0) != (new.worker_fte > 0))
    )
    # the departing worker's handover and losses, on the old arrangement's parameters
    staff.worker_departs(model, post & ms.worker_filled)
    mp.replace(milieux, new)
    # the new post: vacant for an exponential delay of the new employer's mean vacancy
    u = model.rs["switching"].random(ms.n)
    opened = post & (mp.worker_fte > 0)
    delay = -mp.worker_vacancy_months * np.log1p(-u * (1 - LOG_GUARD))
    ms.worker_filled[post] = False
    ms.worker_vacancy_left[post] = np.where(opened, delay, 0.0)[post]
    ms.worker_grant_left[post] = mp.grant_length_months[post]
