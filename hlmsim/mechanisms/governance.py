"""Network governance: committees meet on a schedule; partners attend (more when they trust the
network, are on site, or in a crisis); meetings build inter-organisational trust, shared
understanding and role clarity with diminishing returns, less so while controversies are open and
more with strong animation (the organisers) and written tools. Controversies on four themes arise
where their protection is weak and are settled by mediation. Without meetings, trust relaxes.

:func:`step` draws the month's numbers and runs one compiled kernel (:func:`_step_kernel`) that
goes through the milieux one by one, in the order above."""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import numpy as np

from ..constants import COORDINATION_MEETING_RATIO
from ..params import half_life_factor
from ._jit import kernel, scheduled, sigmoid, uniform

if TYPE_CHECKING:
    from ..model import HLMModel

#: The contract, checked by tests/test_contracts.py: READS, the state its phases use without
#: changing it; WRITES, the state they change.
READS: frozenset[str] = frozenset(
    {
        "model.t",
        "ms.colocated",
        "ms.crisis_left",
        "ms.member",
        "ms.oc_filled",
    }
)
WRITES: frozenset[str] = frozenset(
    {
        "ms.alignment",
        "ms.controversy",
        "ms.role_clarity",
        "ms.trust",
        "ms.understanding",
        "tally.attendance",
        "tally.controversies_arisen",
        "tally.controversies_settled",
        "tally.meetings",
    }
)


#: Uses of the counter-based numbers (``CounterDraws`` slots): a member attending a committee
#: (by committee, milieu and partner), a controversy arising or settling (by milieu and theme).
class Draw(IntEnum):
    ATTEND = auto()
    ARISE = auto()
    SETTLE = auto()


def step(model: HLMModel) -> None:
    """Committees meet; trust, understanding and role clarity build or relax; controversies."""
    ms, mp = model.ms, model.mp
    # numbers addressed by committee, milieu, partner or theme (hlmsim.rng.CounterDraws)
    draw = model.rs.bases("network", model.t)
    # monthly retention of trust, understanding and clarity without meetings, and of a member's
    # trust when it attended (only the share meeting_trust_upkeep of the relaxation is kept off)
    f = half_life_factor(mp.network_trust_half_life_months)
    kept = np.power(f, 1 - mp.meeting_trust_upkeep)
    _step_kernel(
        int(model.t),
        draw[Draw.ATTEND],
        draw[Draw.ARISE],
        draw[Draw.SETTLE],
        f,
        kept,
        mp.network_present,
        mp.committee_vivre_ensemble,
        mp.committee_terrain,
        mp.committee_coordination,
        mp.meetings_per_year,
        mp.tools_guides,
        mp.oc_mediation,
        mp.oc_ciusss_facilitation_share,
        mp.meeting_quality_floor,
        mp.controversy_meeting_penalty,
        mp.tools_meeting_effect,
        mp.attendance_base_logodds,
        mp.attendance_trust_effect,
        mp.attendance_colocation_effect,
        mp.crisis_attendance_effect,
        mp.attendance_controversy_effect,
        mp.meeting_understanding_gain,
        mp.meeting_trust_gain,
        mp.coordination_without_oc_share,
        mp.coordination_understanding_divisor,
        mp.committee_clarity_divisor,
        mp.meeting_alignment_gain,
        mp.coordination_protection,
        mp.understanding_protection,
        mp.room_agreement_protection,
        mp.room_agreement,
        mp.oc_omh_space_protection,
        mp.shared_spaces_base_risk,
        mp.controversy_rate_annual,
        mp.mediation_base_logodds,
        mp.mediation_effect,
        mp.tools_settlement_effect,
        mp.meeting_settlement_effect,
        mp.settlement_role_clarity_gain,
        mp.settlement_understanding_gain,
        ms.member,
        ms.colocated,
        ms.crisis_left,
        ms.oc_filled,
        ms.trust,
        ms.understanding,
        ms.role_clarity,
        ms.alignment,
        ms.controversy,
        model.tally["meetings"],
        model.tally["attendance"],
        model.tally["controversies_arisen"],
        model.tally["controversies_settled"],
    )


@kernel
def _step_kernel(
    t: int,
    base_attend: np.uint64,
    base_arise: np.uint64,
    base_settle: np.uint64,
    f: np.ndarray,
    kept: np.ndarray,
    net: np.ndarray,
    vivre_ensemble: np.ndarray,
    terrain: np.ndarray,
    coordination: np.ndarray,
    meetings_per_year: np.ndarray,
    tools_guides: np.ndarray,
    oc_mediation: np.ndarray,
    oc_ciusss_share: np.ndarray,
    quality_floor: np.ndarray,
    controversy_penalty: np.ndarray,
    tools_meeting_effect: np.ndarray,
    att_base: np.ndarray,
    att_trust: np.ndarray,
    att_colocation: np.ndarray,
    att_crisis: np.ndarray,
    att_controversy: np.ndarray,
    understanding_gain: np.ndarray,
    trust_gain: np.ndarray,
    without_oc_share: np.ndarray,
    coordination_divisor: np.ndarray,
    clarity_divisor: np.ndarray,
    alignment_gain: np.ndarray,
    coordination_protection: np.ndarray,
    understanding_protection: np.ndarray,
    room_protection: np.ndarray,
    room_agreement: np.ndarray,
    omh_space_protection: np.ndarray,
    spaces_base_risk: np.ndarray,
    controversy_rate: np.ndarray,
    mediation_base: np.ndarray,
    mediation_effect: np.ndarray,
    tools_settlement: np.ndarray,
    meeting_settlement: np.ndarray,
    settlement_clarity_gain: np.ndarray,
    settlement_understanding_gain: np.ndarray,
    member: np.ndarray,
    colocated: np.ndarray,
    crisis_left: np.ndarray,
    oc_filled: np.ndarray,
    trust: np.ndarray,
    understanding: np.ndarray,
    role_clarity: np.ndarray,
    alignment: np.ndarray,
    controversy: np.ndarray,
    tally_meetings: np.ndarray,
    tally_attendance: np.ndarray,
    tally_arisen: np.ndarray,
    tally_settled: np.ndarray,
) -> None:
    """The month of every milieu's network, in place (see :func:`step`)."""
    M, P = member.shape
    T = controversy.shape[1]
    attend = np.zeros(P, dtype=np.bool_)
    attended_any = np.zeros(P, dtype=np.bool_)
    arise = np.zeros(T, dtype=np.bool_)
    settle = np.zeros(T, dtype=np.bool_)
    for m in range(M):
        crisis = crisis_left[m] > 0
        n_open = 0
        for k in range(T):
            n_open += controversy[m, k]
        n_members = 0
        n_colocated = 0
        for p in range(P):
            n_members += member[m, p]
            n_colocated += colocated[m, p]
        tools = 1.0 if tools_guides[m] else 0.0
        # animation and mediation capacity of the organisers, in [0, 1]: the CIUSSS OC, who
        # coordinates the structure, carries most of it; the OMH OC adds liaison
        ciusss = oc_ciusss_share[m]
        animation = oc_mediation[m] * (ciusss * oc_filled[m, 0] + (1 - ciusss) * oc_filled[m, 1])
        # a meeting's quality: lower with each open controversy, higher with animation and tools
        # (exponents as floats: the same pow as the array code, not repeated multiplication)
        floor = quality_floor[m]
        quality = (1 - controversy_penalty[m]) ** float(n_open) * (floor + (1 - floor) * animation)
        quality *= 1 + tools_meeting_effect[m] * tools

        # 1. committees meet: vivre ensemble, terrain, coordination (half as often)
        met_any = False
        n_meetings = 0.0
        attended_any[:] = False
        for c in range(3):
            if c == 0:
                present, per_year = vivre_ensemble[m], meetings_per_year[m]
            elif c == 1:
                present, per_year = terrain[m], meetings_per_year[m]
            else:
                present = coordination[m]
                per_year = meetings_per_year[m] * COORDINATION_MEETING_RATIO
            if not (net[m] and present and scheduled(t, per_year)):
                continue
            n_attend = 0
            for p in range(P):
                logit = (
                    att_base[m]
                    + att_trust[m] * trust[m, p]
                    + att_colocation[m] * colocated[m, p]
                    + att_crisis[m] * crisis
                    + att_controversy[m] * n_open
                )
                attend[p] = member[m, p] and uniform(base_attend, (c * M + m) * P + p) < sigmoid(
                    logit
                )
                attended_any[p] |= attend[p]
                n_attend += attend[p]
            share = n_attend / max(n_members, 1)
            # a meeting closes at most the whole gap (tools can lift quality above 1)
            g = min(understanding_gain[m] * quality * share, 1.0)
            rate = min(trust_gain[m] * quality, 1.0)
            for p in range(P):
                if attend[p]:
                    trust[m, p] += rate * (1.0 - trust[m, p])
            if c == 2:  # coordination: roles and internal organisation, led by the CIUSSS OC
                keep = without_oc_share[m]
                lead = keep + (1 - keep) * oc_filled[m, 0]
                role_clarity[m] += g * lead * (1.0 - role_clarity[m])
                understanding[m] += g / coordination_divisor[m] * (1.0 - understanding[m])
            else:
                understanding[m] += g * (1.0 - understanding[m])
                role_clarity[m] += g / clarity_divisor[m] * (1.0 - role_clarity[m])
            if c == 0:  # residents and workers together: residents' concerns are heard
                alignment[m] += alignment_gain[m] * share * (1.0 - alignment[m])
            met_any = True
            n_meetings += 1.0
        tally_meetings[m] += n_meetings
        n_attended = 0
        for p in range(P):
            n_attended += attended_any[p]
        tally_attendance[m] += n_attended

        # 2. without meetings, trust, understanding and clarity relax; attending a meeting keeps
        # a member's trust from relaxing that month (the share meeting_trust_upkeep of it)
        for p in range(P):
            if member[m, p]:
                trust[m, p] *= kept[m] if attended_any[p] else f[m]
        if not met_any:
            understanding[m] *= f[m]
            role_clarity[m] *= f[m]

        # 3. controversies arise where protection is weak, and are settled by mediation
        coloc_share = n_colocated / max(n_members, 1)
        base_risk = spaces_base_risk[m]
        # the themes: internal organisation, role clarity, kind of intervention, shared spaces
        # (the room agreement, and the OMH OC's logistics, protect the shared spaces)
        risk0 = (
            1
            - coordination_protection[m] * coordination[m] * net[m]
            - understanding_protection[m] * understanding[m]
        )
        risk1 = 1 - role_clarity[m]
        risk2 = 1 - understanding[m]
        risk3 = (
            (1 - room_protection[m] * room_agreement[m])
            * (1 - omh_space_protection[m] * oc_filled[m, 1])
            * (base_risk + (1 - base_risk) * coloc_share)
        )
        monthly = 1 - math.exp(-controversy_rate[m] / 12)
        settle_logit = (
            mediation_base[m]
            + mediation_effect[m] * animation
            + tools_settlement[m] * tools
            + meeting_settlement[m] * met_any
        )
        p_settle = sigmoid(settle_logit)
        n_arisen = 0
        n_settled = 0
        for k in range(T):
            risk = risk0 if k == 0 else risk1 if k == 1 else risk2 if k == 2 else risk3
            p_arise = monthly * min(max(risk, 0.0), 1.0)
            arise[k] = net[m] and not controversy[m, k] and uniform(base_arise, m * T + k) < p_arise
            settle[k] = controversy[m, k] and uniform(base_settle, m * T + k) < p_settle
            n_arisen += arise[k]
            n_settled += settle[k]
        for k in range(T):
            controversy[m, k] = (controversy[m, k] or arise[k]) and not settle[k]
        # naming and settling a problem clarifies roles and the shared definition of the problem
        # (each settlement closes its share of the gap; several in a month close at most all of
        # it, so that a large gain settling several controversies cannot pass 1)
        clarity_step = min(settlement_clarity_gain[m] * n_settled, 1.0)
        understanding_step = min(settlement_understanding_gain[m] * n_settled, 1.0)
        role_clarity[m] += clarity_step * (1.0 - role_clarity[m])
        understanding[m] += understanding_step * (1.0 - understanding[m])
        tally_arisen[m] += n_arisen
        tally_settled[m] += n_settled
