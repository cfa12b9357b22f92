"""Mesa agents: thin views on the model's arrays, for inspection, the app and household stories.

Every monthly update is a vectorised pass over arrays (see ``hlmsim.mechanisms``); these agents
hold no state of their own, only an index, so ``model.agents_by_type[Resident]`` works and reads
the current values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

from .params import HOUSEHOLD_TYPES, NEED_CATEGORIES, PARTNER_KINDS
from .state import EMPLOYERS

if TYPE_CHECKING:
    from .model import HLMModel


class Resident(mesa.Agent):
    """The household living in one dwelling unit (row ``index`` of the household arrays)."""

    def __init__(self, model: HLMModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    def _get(self, name: str) -> Any:
        return getattr(self.model.hh, name)[self.index]

    @property
    def household_id(self) -> int:
        return int(self._get("hid"))

    @property
    def milieu(self) -> str:
        return self.model.milieu_names[int(self._get("milieu"))]

    @property
    def household_type(self) -> str:
        return HOUSEHOLD_TYPES[int(self._get("htype"))]

    @property
    def trust_worker(self) -> float:
        return float(self._get("trust_worker"))

    @property
    def open_needs(self) -> list[str]:
        row = self.model.hh.need_open[self.index]
        return [c for c, o in zip(NEED_CATEGORIES, row, strict=True) if o]

    def snapshot(self) -> dict[str, Any]:
        """The household's current state as plain values."""
        hh, i = self.model.hh, self.index
        return {
            "household_id": int(hh.hid[i]),
            "milieu": self.milieu,
            "type": self.household_type,
            "hard_to_reach": float(hh.hard_to_reach[i]),
            "trust_worker": float(hh.trust_worker[i]),
            "health_network_image": float(hh.image[i]),
            "landlord_trust": float(hh.landlord[i]),
            "engagement": float(hh.engagement[i]),
            "ties": float(hh.ties[i]),
            "knowledge": float(hh.knowledge[i]),
            "security": float(hh.security[i]),
            "contacts": int(hh.contacts[i]),
            "mutual_aid": bool(hh.mutual_aid[i]),
            "open_needs": self.open_needs,
            "queued_needs": [
                c for c, q in zip(NEED_CATEGORIES, hh.need_queue[i], strict=True) if q >= 0
            ],
        }


class MilieuWorker(mesa.Agent):
    """The milieu worker position of milieu ``milieu`` (filled or vacant)."""

    def __init__(self, model: HLMModel, milieu: int) -> None:
        super().__init__(model)
        self.milieu = milieu

    @property
    def employer(self) -> str:
        return EMPLOYERS[int(self.model.mp.employer_code[self.milieu])]

    @property
    def filled(self) -> bool:
        return bool(self.model.ms.worker_filled[self.milieu])

    @property
    def tenure_months(self) -> float:
        return float(self.model.ms.worker_tenure[self.milieu])

    @property
    def network_knowledge(self) -> float:
        return float(self.model.ms.worker_knowledge[self.milieu])


class PartnerOrganisation(mesa.Agent):
    """Partner organisation of kind ``kind`` serving milieu ``milieu``."""

    def __init__(self, model: HLMModel, milieu: int, kind: int) -> None:
        super().__init__(model)
        self.milieu = milieu
        self.kind_index = kind

    @property
    def kind(self) -> str:
        return PARTNER_KINDS[self.kind_index]

    @property
    def member(self) -> bool:
        return bool(self.model.ms.member[self.milieu, self.kind_index])

    @property
    def trust(self) -> float:
        return float(self.model.ms.trust[self.milieu, self.kind_index])

    @property
    def colocated(self) -> bool:
        return bool(self.model.ms.colocated[self.milieu, self.kind_index])


class CommunityOrganiser(mesa.Agent):
    """Community organiser position (``role`` 0: CIUSSS OC, 1: OMH OC) of a milieu."""

    def __init__(self, model: HLMModel, milieu: int, role: int) -> None:
        super().__init__(model)
        self.milieu = milieu
        self.role = ("ciusss_oc", "omh_oc")[role]
        self._role = role

    @property
    def filled(self) -> bool:
        return bool(self.model.ms.oc_filled[self.milieu, self._role])
