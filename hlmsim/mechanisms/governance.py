"""Network governance: committees meet on a schedule; partners attend (more when they trust the
network, are on site, or in a crisis); meetings build inter-organisational trust, shared
understanding and role clarity with diminishing returns, less so while controversies are open and
more with strong animation (the organisers) and written tools. Controversies on four themes arise
where their protection is weak and are settled by mediation. Without meetings, trust relaxes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..constants import COORDINATION_MEETING_RATIO
from ..params import CONTROVERSY_THEMES, half_life_factor
from ._util import gap_gain, scheduled, sigmoid

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


def facilitation(model: HLMModel) -> np.ndarray:
    """Animation and mediation capacity of the milieu's organisers, in [0, 1]: the CIUSSS OC,
    who coordinates the structure, carries most of it; the OMH OC adds liaison."""
    oc = model.ms.oc_filled
    share = model.mp.oc_ciusss_facilitation_share
    return model.mp.oc_mediation * (share * oc[:, 0] + (1 - share) * oc[:, 1])


def step(model: HLMModel) -> None:
    """Committees meet; trust, understanding and role clarity build or relax; controversies."""
    ms, mp = model.ms, model.mp
    rng = model.rs["network"]
    M, P = ms.member.shape
    T = len(CONTROVERSY_THEMES)
    u_att = rng.random((3, M, P))
    u_arise = rng.random((M, T))
    u_settle = rng.random((M, T))
    net = mp.network_present
    crisis = ms.crisis_left > 0
    n_open = ms.controversy.sum(axis=1)
    tools = mp.tools_guides.astype(float)
    animation = facilitation(model)
    floor = mp.meeting_quality_floor
    quality = (1 - mp.controversy_meeting_penalty) ** n_open * (floor + (1 - floor) * animation)
    quality *= 1 + mp.tools_meeting_effect * tools

    # 1. committees meet: vivre ensemble, terrain, coordination (half as often)
    committees = (
        (mp.committee_vivre_ensemble, mp.meetings_per_year),
        (mp.committee_terrain, mp.meetings_per_year),
        (mp.committee_coordination, mp.meetings_per_year * COORDINATION_MEETING_RATIO),
    )
    met_any = np.zeros(M, dtype=bool)
    n_meetings = np.zeros(M)
    attended_any = np.zeros((M, P), dtype=bool)
    for c, (present, per_year) in enumerate(committees):
        meets = net & present & scheduled(model.t, per_year)
        if not meets.any():
            continue
        logit = (
            mp.attendance_base_logodds[:, None]
            + mp.attendance_trust_effect[:, None] * ms.trust
            + mp.attendance_colocation_effect[:, None] * ms.colocated
            + (mp.crisis_attendance_effect * crisis)[:, None]
            + mp.attendance_controversy_effect[:, None] * n_open[:, None]
        )
        attend = ms.member & meets[:, None] & (u_att[c] < sigmoid(logit))
        attended_any |= attend
        share = attend.sum(axis=1) / np.maximum(ms.member.sum(axis=1), 1)
        g = mp.meeting_understanding_gain * quality * share
        ms.trust = gap_gain(ms.trust, (mp.meeting_trust_gain * quality)[:, None], attend)
        if c == 2:  # coordination: roles and internal organisation, led by the CIUSSS OC
            keep = mp.coordination_without_oc_share
            lead = keep + (1 - keep) * ms.oc_filled[:, 0]
            ms.role_clarity = gap_gain(ms.role_clarity, g * lead, meets)
            ms.understanding = gap_gain(
                ms.understanding, g / mp.coordination_understanding_divisor, meets
            )
        else:
            ms.understanding = gap_gain(ms.understanding, g, meets)
            ms.role_clarity = gap_gain(ms.role_clarity, g / mp.committee_clarity_divisor, meets)
        if c == 0:  # residents and workers together: residents' concerns are heard
            ms.alignment = gap_gain(ms.alignment, mp.meeting_alignment_gain * share, meets)
        met_any |= meets
        n_meetings += meets
    model.tally["meetings"] += n_meetings
    model.tally["attendance"] += attended_any.sum(axis=1)

    # 2. without meetings, trust, understanding and clarity relax; attending a meeting keeps a
    # member's trust from relaxing that month (the share meeting_trust_upkeep of it)
    f = half_life_factor(mp.network_trust_half_life_months)
    kept = np.power(f, 1 - mp.meeting_trust_upkeep)
    decay = np.where(attended_any, kept[:, None], f[:, None])
    ms.trust = np.where(ms.member, ms.trust * decay, ms.trust)
    ms.understanding = np.where(met_any, ms.understanding, ms.understanding * f)
    ms.role_clarity = np.where(met_any, ms.role_clarity, ms.role_clarity * f)

    # 3. controversies arise where protection is weak, and are settled by mediation
    coloc_share = ms.colocated.sum(axis=1) / np.maximum(ms.member.sum(axis=1), 1)
    risk = np.stack(
        [
            1
            - mp.coordination_protection * mp.committee_coordination * net
            - mp.understanding_protection * ms.understanding,  # internal organisation
            1 - ms.role_clarity,  # role clarity
            1 - ms.understanding,  # kind of intervention
            # shared spaces: the room agreement, and the OMH OC's logistics, protect
            (1 - mp.room_agreement_protection * mp.room_agreement)
            * (1 - mp.oc_omh_space_protection * ms.oc_filled[:, 1])
            * (mp.shared_spaces_base_risk + (1 - mp.shared_spaces_base_risk) * coloc_share),
        ],
        axis=1,
    )
    p_arise = (1 - np.exp(-mp.controversy_rate_annual / 12))[:, None] * np.clip(risk, 0, 1)
    arise = net[:, None] & ~ms.controversy & (u_arise < p_arise)
    settle_logit = (
        mp.mediation_base_logodds
        + mp.mediation_effect * animation
        + mp.tools_settlement_effect * tools
        + mp.meeting_settlement_effect * met_any
    )
    settle = ms.controversy & (u_settle < sigmoid(settle_logit)[:, None])
    ms.controversy = (ms.controversy | arise) & ~settle
    n_settled = settle.sum(axis=1)
    # naming and settling a problem clarifies roles and the shared definition of the problem
    ms.role_clarity = gap_gain(ms.role_clarity, mp.settlement_role_clarity_gain * n_settled)
    ms.understanding = gap_gain(ms.understanding, mp.settlement_understanding_gain * n_settled)
    model.tally["controversies_arisen"] += arise.sum(axis=1)
    model.tally["controversies_settled"] += n_settled
