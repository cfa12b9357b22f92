"""The constants table: every number written in the model's code that is not a parameter.

Numbers that shape behaviour are parameters (:mod:`hlmsim.params`, source "assumption" where no
figure supports them), so that scenarios can set them and the robustness check samples them.
What is left here is numerics (guards against a division by zero, a logarithm of zero or
rounding), sentinels and the model's structure; each entry says why it is not a parameter.
Section 8.3 of ``docs/ODD.md`` is generated from this table (``python -m hlmsim.docs_gen``).

:data:`CONSTANTS` describes the scalars defined in this module (the code imports them from
here); :data:`STRUCTURE` describes the structural tables that live next to the code that uses
them (the ODD generator reads their values from there).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Month of the last contact or service of a household never contacted or served.
NEVER = -10_000
#: Logistic function: log-odds are clipped to ±this before exponentiation.
LOGIT_CLIP = 50.0
#: Rounding guard of the activity schedule (``floor(t * per_year / 12 + eps)``).
SCHEDULE_EPS = 1e-9
#: Beta draws: means are kept in [eps, 1 - eps] so both shape parameters stay positive.
BETA_MEAN_CLIP = 1e-3
#: Exponential delays drawn as ``-mean * log1p(-u * (1 - eps))``: never the logarithm of 0.
LOG_GUARD = 1e-12
#: Smallest probability a draw is divided by when one draw is reused for a second decision.
REUSED_DRAW_FLOOR = 1e-12
#: CommunityRx dose: knowledge is kept above this before the power is taken.
DOSE_FLOOR = 1e-6
#: Smallest number of hundreds of households a rate per 100 households is divided by.
PER_100_FLOOR = 1e-9
#: Smallest ramp-up time (months) a new worker's learning rate is computed with.
RAMPUP_FLOOR_MONTHS = 0.5
#: The worker's outreach priority scores lie in [0, this): one sort ranks them within milieux.
OUTREACH_SCORE_SPAN = 4.0
#: A resident seeking help alone prefers, among equally near partners, a network member.
MEMBER_TIE_BREAK = 0.01
#: Knowledge and image enter the log-odds of seeking help alone centred on this value.
SELF_REFERRAL_CENTRE = 0.5
#: The coordination committee meets this many times as often as the other committees.
COORDINATION_MEETING_RATIO = 0.5
#: Households start with the needs accumulated over this many past years (random ages).
INITIAL_NEEDS_YEARS = 0.75
#: Initial time lived in the unit: the distribution is cut where the survival S falls below this.
STAY_TAIL = 1e-9
#: ... and at a century at most (near-zero move-out rates give stays without end).
MAX_LIVED_MONTHS = 1200
#: Outreach: log1p of a resident's number of contacts is looked up below this count.
LOG1P_CONTACTS_TABLE = 256


@dataclass(frozen=True)
class Constant:
    """One entry of the constants table."""

    name: str
    #: the modules that use it
    where: str
    meaning: str
    #: why it is not a parameter
    why: str
    kind: str = "numerics"  # numerics, sentinel, structure or initialisation


_NUMERICS = "a numerical guard: results do not depend on its value within reason"

CONSTANTS: tuple[Constant, ...] = (
    Constant(
        "NEVER",
        "state, demography",
        "month of the last contact or service of a household never contacted or served",
        "a sentinel: any month far enough in the past gives the same results",
        "sentinel",
    ),
    Constant(
        "LOGIT_CLIP",
        "mechanisms/_util",
        "log-odds are clipped to ± this before the logistic function",
        _NUMERICS + " (σ(50) = 1 in floating point)",
    ),
    Constant(
        "SCHEDULE_EPS", "mechanisms/_util", "rounding guard of the activity schedule", _NUMERICS
    ),
    Constant(
        "BETA_MEAN_CLIP",
        "state",
        "means of beta draws are kept in [ε, 1 − ε]",
        _NUMERICS + " (both shape parameters stay positive)",
    ),
    Constant(
        "STAY_TAIL",
        "demography",
        "initial time lived in the unit: drawn up to the stay whose survival falls below this",
        _NUMERICS + " (a longer tail holds no household in any ensemble)",
    ),
    Constant(
        "LOG1P_CONTACTS_TABLE",
        "mechanisms/outreach",
        "log1p of a resident's number of contacts is looked up (not computed) below this count",
        "speed alone: the table holds the numbers math.log1p gives, so results do not depend on"
        " its size",
    ),
    Constant(
        "MAX_LIVED_MONTHS",
        "demography",
        "initial time lived in the unit: at most a century",
        _NUMERICS + " (only near-zero move-out rates reach it; it keeps their draw finite)",
    ),
    Constant(
        "LOG_GUARD", "staff", "exponential vacancy delays never take the logarithm of 0", _NUMERICS
    ),
    Constant(
        "REUSED_DRAW_FLOOR",
        "services",
        "smallest probability a draw is divided by when a partner's onward referral reuses the "
        "draw that decided it",
        _NUMERICS,
    ),
    Constant(
        "DOSE_FLOOR",
        "outreach, participation",
        "knowledge is kept above this before the CommunityRx power",
        _NUMERICS,
    ),
    Constant(
        "PER_100_FLOOR",
        "participation",
        "smallest number of hundreds of households a rate per 100 households is divided by",
        _NUMERICS,
    ),
    Constant(
        "RAMPUP_FLOOR_MONTHS",
        "staff",
        "smallest ramp-up time a new worker's learning rate is computed with",
        _NUMERICS + " (`worker_rampup_months` = 0 means learning at once)",
    ),
    Constant(
        "OUTREACH_SCORE_SPAN",
        "outreach",
        "the worker's priority scores lie in [0, this), so that one sort ranks them within milieux",
        "a sorting device; the validation ranges of `follow_up_priority` and "
        "`new_contact_priority` keep scores below it",
        "structure",
    ),
    Constant(
        "MEMBER_TIE_BREAK",
        "referral",
        "a resident seeking help alone prefers, among equally near partners, a network member",
        "a tie-break: it only orders partners at the same distance",
        "structure",
    ),
    Constant(
        "SELF_REFERRAL_CENTRE",
        "referral",
        "knowledge and image enter the log-odds of seeking help alone centred on this value",
        "a centring: it only changes the meaning of `self_referral_base_logodds` (the log-odds"
        " at average knowledge and image)",
        "structure",
    ),
    Constant(
        "COORDINATION_MEETING_RATIO",
        "governance",
        "the coordination committee meets this many times as often as the others",
        "part of the meaning of `meetings_per_year` (its label says so); the committees' other "
        "differences are parameters",
        "structure",
    ),
    Constant(
        "INITIAL_NEEDS_YEARS",
        "needs",
        "households start with the needs accumulated over this many past years (random ages)",
        "initialisation, not a mechanism: one value per run bounds the draw of the needs' ages "
        "(see the transient in section 8.4)",
        "initialisation",
    ),
)


@dataclass(frozen=True)
class Structure:
    """A structural table of the model, read from ``module.attribute``."""

    name: str
    module: str
    meaning: str
    why: str
    #: what its entries are indexed by: partner kinds, need categories, or nothing
    axis: str = ""  # "partner", "need" or ""
    #: how to read it: a mask, values per entry, an order or indices over ``axis``
    form: str = "mask"  # "mask", "values", "order", "indices", "matrix", "set" or "scalar"


STRUCTURE: tuple[Structure, ...] = (
    Structure(
        "BASE_DISTANCE",
        "hlmsim.state",
        "distance step of each partner kind when not co-located (0 on site, 1 neighbourhood,"
        " 2 city)",
        "a fact of each kind of organisation; `referral_distance_effect` sets what a step costs",
        "partner",
        "values",
    ),
    Structure(
        "COMMUNITY",
        "hlmsim.state",
        "partner kinds whose funding can be cut (community organisations)",
        "a fact of each kind of organisation",
        "partner",
        "mask",
    ),
    Structure(
        "JOIN_ORDER",
        "hlmsim.state",
        "order in which partner kinds join the network as `n_partners` grows",
        "structure of the initialisation; `n_partners` sets how many",
        "partner",
        "order",
    ),
    Structure(
        "COLOC_ORDER",
        "hlmsim.state",
        "order in which network members are co-located on site (community organisations first)",
        "structure of the initialisation; `partners_colocated_share` sets how many",
        "partner",
        "order",
    ),
    Structure(
        "SERVES",
        "hlmsim.state",
        "need categories each partner kind serves (from `PARTNER_SERVES`, hlmsim/params.py)",
        "a fact of each kind of organisation",
        "partner",
        "matrix",
    ),
    Structure(
        "DIRECT_HELP",
        "hlmsim.mechanisms.outreach",
        "need categories the worker can meet directly",
        "what a milieu worker does; `worker_direct_help` sets how often",
        "need",
        "mask",
    ),
    Structure(
        "EVERYDAY",
        "hlmsim.mechanisms.participation",
        "need categories mutual aid can meet",
        "what neighbours help with; `mutual_aid_help` sets how often",
        "need",
        "indices",
    ),
    Structure(
        "CRISIS_CATEGORIES",
        "hlmsim.mechanisms.needs",
        "need categories a crisis multiplies",
        "what a crisis is; `crisis_need_multiplier` sets by how much",
        "need",
        "indices",
    ),
    Structure(
        "LEARNING_SOURCES",
        "hlmsim.mechanisms.agency",
        "sources of a met need that teach the household a power to act",
        "what help is; `agency_gain_help` sets how much",
        "",
        "set",
    ),
    Structure(
        "HARD_TO_REACH",
        "hlmsim.outcomes",
        "disaffiliation from which a household counts as hard to reach in the outcomes",
        "a definition of an outcome, not a mechanism",
        "",
        "scalar",
    ),
)
