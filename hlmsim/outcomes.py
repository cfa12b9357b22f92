"""Outcomes, declared once: label in English and French, unit, how milieux add up, the
final-year rule, the direction that is better and whether it is a key outcome of comparisons;
:func:`final_values` computes every final-year value (run summaries, comparisons, pattern
experiments and sweeps all use it); :func:`record` is the per-milieu record of each month
(one compiled pass over the households), from the month's tallies (:class:`Tally`: views
into one buffer, zeroed in one call).

The final-year rule, one for every use: flows (``final = "sum"``) are summed over the last 12
months, levels (``"mean"``) averaged over them, the time to meet a need averaged weighted by the
needs met each month (``final_weight``); a month whose value is missing (NaN: no hard-to-reach
household, no need met) is left out. Derived outcomes are computed from those final-year values
(the share of needs met, the cost per need met) or from the whole run (the time to maturity).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .i18n import pick
from .mechanisms import _threads
from .mechanisms._jit import kernel
from .params import CONTROVERSY_THEMES, NEED_CATEGORIES, NEED_LABELS

if TYPE_CHECKING:
    from .model import HLMModel


@dataclass(frozen=True)
class Outcome:
    """One outcome. ``weight``: how milieux add up (``sum``, or a weighted mean by
    ``households``, ``hard_to_reach`` households or ``needs_met``); ``final``: how the final year
    is summarised (``sum`` of the 12 months or ``mean``; a derived outcome names its rule in
    :data:`DERIVED_RULES`), ``final_weight`` the outcome weighting that mean, if any;
    ``direction``: +1 higher is better, -1 lower is better, 0 neutral (descriptive); ``key``:
    its place among the key outcomes of comparisons (1 first; 0 when not a key outcome)."""

    en: str
    fr: str
    unit: str
    weight: str = "households"
    final: str = "mean"
    direction: int = 0
    key: int = 0
    final_weight: str | None = None


def _o(en: str, fr: str, unit: str, weight: str = "households", final: str = "mean", direction: int = 0, key: int = 0, final_weight: str | None = None) -> Outcome:
    return Outcome(en, fr, unit, weight, final, direction, key, final_weight)


OUTCOMES: dict[str, Outcome] = {
    "households": _o("Households", "Ménages", "households", "sum"),
    "needs_new": _o("Needs arising", "Besoins apparus", "needs / month", "sum", "sum"),
    "needs_opened": _o("New open needs (not joining an open one)", "Nouveaux besoins ouverts", "needs / month", "sum", "sum"),
    "needs_prevented": _o("Needs averted by prevention", "Besoins évités par la prévention", "needs / month", "sum", "sum"),
    "needs_met": _o("Needs met", "Besoins comblés", "needs / month", "sum", "sum", +1, 1),
    "needs_unmet": _o("Unmet needs (open)", "Besoins non comblés (ouverts)", "needs", "sum", direction=-1, key=3),
    "needs_abandoned": _o("Needs given up", "Besoins abandonnés", "needs / month", "sum", "sum"),
    "time_to_meet": _o("Time to meet a need", "Délai de réponse à un besoin", "months", "needs_met", direction=-1, key=4, final_weight="needs_met"),
    "met_by_service": _o("Needs met by services", "Besoins comblés par les services", "needs / month", "sum", "sum"),
    "met_by_worker": _o("Needs met by the worker", "Besoins comblés par l'intervenant·e", "needs / month", "sum", "sum"),
    "met_by_activities": _o("Needs met through activities", "Besoins comblés par les activités", "needs / month", "sum", "sum"),
    "met_by_mutual_aid": _o("Needs met by mutual aid", "Besoins comblés par l'entraide", "needs / month", "sum", "sum"),
    "met_by_self": _o("Needs resolved alone", "Besoins réglés seul·e", "needs / month", "sum", "sum"),
    "reached": _o("Residents reached (12 months)", "Résident·e·s rejoint·e·s (12 mois)", "share of households", direction=+1, key=5),
    "hard_to_reach_reached": _o("Hard-to-reach residents reached", "Résident·e·s difficiles à rejoindre rejoint·e·s", "share of hard-to-reach households", "hard_to_reach", direction=+1, key=6),
    "contacts": _o("Worker contacts", "Contacts de l'intervenant·e", "contacts / month", "sum", "sum"),
    "referrals_made": _o("Referrals made", "Références faites", "referrals / month", "sum", "sum"),
    "referrals_completed": _o("Referrals completed", "Références abouties", "referrals / month", "sum", "sum"),
    "self_referrals": _o("Self-referrals", "Demandes autonomes", "requests / month", "sum", "sum"),
    "cross_referrals": _o("Referrals between partners", "Références entre partenaires", "referrals / month", "sum", "sum"),
    "requests_dropped": _o("Requests dropped after waiting", "Demandes abandonnées après attente", "requests / month", "sum", "sum"),
    "services": _o("Services delivered", "Services rendus", "services / month", "sum", "sum"),
    "service_use": _o("Service use (12 months)", "Recours aux services (12 mois)", "share of households", direction=+1, key=7),
    "isolation": _o("Isolation", "Isolement", "share of households", direction=-1, key=8),
    "engagement": _o("Engagement", "Engagement", "index 0-1", direction=+1, key=9),
    "participants": _o("Activity participants", "Participant·e·s aux activités", "households / month", "sum", "sum"),
    "association_activity": _o("Tenants' association activity", "Activité de l'association de locataires", "index 0-1"),
    "mutual_aid": _o("Mutual-aid ties", "Liens d'entraide", "share of households"),
    "agency": _o("Power to act", "Pouvoir d'agir", "index 0-1"),
    "security": _o("Sense of security", "Sentiment de sécurité", "index 0-1", direction=+1, key=10),
    "health_network_image": _o("Image of the health network", "Image du réseau de la santé", "index 0-1", direction=+1, key=11),
    "landlord_trust": _o("Trust in the landlord", "Confiance envers le propriétaire", "index 0-1"),
    "trust_worker": _o("Trust in the worker", "Confiance envers l'intervenant·e", "index 0-1", direction=+1, key=12),
    "inter_org_trust": _o("Inter-organisational trust", "Confiance inter-organisationnelle", "index 0-1", direction=+1, key=13),
    "shared_understanding": _o("Shared understanding", "Compréhension commune", "index 0-1"),
    "role_clarity": _o("Role clarity", "Clarté des rôles", "index 0-1"),
    "open_controversies": _o("Open controversies", "Controverses ouvertes", "controversies", "sum"),
    "controversies_internal_organisation": _o("Open controversies: internal organisation", "Controverses ouvertes\u202f: organisation interne", "controversies", "sum"),
    "controversies_role_clarity": _o("Open controversies: role clarity", "Controverses ouvertes\u202f: clarté des rôles", "controversies", "sum"),
    "controversies_kind_of_intervention": _o("Open controversies: kind of intervention", "Controverses ouvertes\u202f: type d'intervention", "controversies", "sum"),
    "controversies_shared_spaces": _o("Open controversies: shared spaces", "Controverses ouvertes\u202f: espaces partagés", "controversies", "sum"),
    "activities": _o("Activities held", "Activités tenues", "activities / month", "sum", "sum"),
    "meetings": _o("Committee meetings", "Rencontres de comités", "meetings / month", "sum", "sum"),
    "vacancy_months": _o("Worker vacancy", "Vacance du poste d'intervenant·e", "position-months", "sum", "sum"),
    "departures": _o("Staff departures", "Départs de personnel", "departures / month", "sum", "sum"),
    "worker_departures": _o("Worker departures", "Départs d'intervenant·e·s", "departures / month", "sum", "sum"),
    "fte_months": _o("Staff time", "Temps de personnel", "FTE-months", "sum", "sum"),
    "cost": _o("Cost", "Coût", "$ / month", "sum", "sum", direction=-1, key=14),
}
for _c in NEED_CATEGORIES:
    _en, _fr = NEED_LABELS[_c]
    OUTCOMES[f"needs_met_{_c}"] = _o(f"Needs met: {_en}", f"Besoins comblés\u202f: {_fr}", "needs / month", "sum", "sum")
    OUTCOMES[f"needs_unmet_{_c}"] = _o(f"Unmet needs: {_en}", f"Besoins non comblés\u202f: {_fr}", "needs", "sum")

#: Derived from the final-year values, per milieu and for all milieux (in run summaries too).
DERIVED = {
    "cost_per_need_met": _o("Cost per need met", "Coût par besoin comblé", "$ / need", final="cost_per_need_met", direction=-1, key=15),
    "needs_met_share": _o("Share of needs met", "Part des besoins comblés", "share of closed needs", final="needs_met_share", direction=+1, key=2),
}
#: Derived from a whole run's series (comparisons and sweeps): the month unmet needs mature.
WHOLE_RUN = {
    "time_to_maturity": _o("Time to maturity (unmet needs)", "Délai de maturité (besoins non comblés)", "months", final="maturity", direction=0, key=16),
}
#: Every outcome with a final-year value, by name.
ALL_OUTCOMES: dict[str, Outcome] = {**OUTCOMES, **DERIVED, **WHOLE_RUN}
#: Key outcomes of comparisons, in their order, with the direction that is better (+1 higher,
#: -1 lower, 0 for a descriptive outcome: an arrangement that changes nothing "matures" at once).
KEY_OUTCOMES: dict[str, int] = {
    n: o.direction for n, o in sorted(ALL_OUTCOMES.items(), key=lambda kv: kv[1].key) if o.key
}

def outcome_label(name: str, lang: str = "en") -> str:
    """An outcome's label in ``lang``."""
    o = ALL_OUTCOMES[name]
    return pick((o.en, o.fr), lang)


def outcome_unit(name: str) -> str:
    """The unit of an outcome's final-year value (a flow per month is a flow per year)."""
    o = ALL_OUTCOMES[name]
    return o.unit.replace("/ month", "/ year") if o.final == "sum" else o.unit


# --- final-year values ------------------------------------------------------------------------

#: Months of the final year.
FINAL_MONTHS = 12


def maturity_month(series: np.ndarray, share: float = 0.9) -> float:
    """First month at which the 12-month moving mean has covered ``share`` of its change from
    the first year (months 1-12) to the final year: month 12 for a series that does not change;
    NaN for a series shorter than a year or with missing values."""
    x = np.asarray(series, dtype=float)
    if len(x) < 12:
        return float("nan")
    rolling = np.convolve(x, np.ones(12) / 12, mode="valid")  # rolling[i] ends at month i + 12
    if not np.isfinite(rolling).all():
        return float("nan")
    start, change = rolling[0], rolling[-1] - rolling[0]
    if abs(change) <= 1e-9 * max(1.0, abs(start)):
        return 12.0
    covered = (rolling - start) / change
    hit = np.flatnonzero(covered >= share * (1 - 1e-12))  # rounding in the sums
    return float(hit[0] + 12)


def _rows(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, x.shape[-1])


def _weighted_mean(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mean of each row of ``v`` weighted by ``w``, months with a missing value left out."""
    out = []
    for vi, wi in zip(_rows(v), _rows(w), strict=True):
        ok = ~np.isnan(vi)
        out.append(float(np.sum(vi[ok] * wi[ok]) / wi[ok].sum()) if wi[ok].sum() > 0 else math.nan)
    return np.array(out).reshape(v.shape[:-1])


def _ratio(a: Any, b: Any) -> Any:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), math.nan)


#: How a derived outcome is computed from the final-year values ``f`` and the whole series ``s``.
DERIVED_RULES = {
    "needs_met_share": lambda f, s: _ratio(f("needs_met"), f("needs_met") + f("needs_abandoned")),
    "cost_per_need_met": lambda f, s: _ratio(f("cost"), f("needs_met")),
    "maturity": lambda f, s: np.array(
        [maturity_month(row) for row in _rows(s("needs_unmet"))]
    ).reshape(s("needs_unmet").shape[:-1]),
}


def final_values(
    series: Mapping[str, Any], names: Iterable[str] | None = None, months: int = FINAL_MONTHS
) -> dict[str, Any]:
    """Final-year values of ``names`` (default: every outcome of :data:`ALL_OUTCOMES` that
    ``series`` can give) from monthly ``series``: a mapping (or a DataFrame) of outcome name to
    an array whose last axis is the months in ascending order (one run: 1-D, a float each; many
    replicates: (replicates, months), an array each). The one final-year rule of the module
    docstring."""
    cache: dict[str, np.ndarray] = {}

    def whole(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = np.asarray(series[name], dtype=float)
        return cache[name]

    def final(name: str) -> Any:
        key = "final:" + name
        if key not in cache:
            o = ALL_OUTCOMES[name]
            if o.final in DERIVED_RULES:
                value = DERIVED_RULES[o.final](final, whole)
            else:
                last = whole(name)[..., -months:]
                if o.final == "sum":
                    value = np.nansum(last, axis=-1)
                elif o.final_weight:
                    value = _weighted_mean(last, whole(o.final_weight)[..., -months:])
                else:
                    with warnings.catch_warnings():  # a year of missing values stays missing
                        warnings.simplefilter("ignore", RuntimeWarning)
                        value = np.nanmean(last, axis=-1) if last.shape[-1] else math.nan
            cache[key] = value
        return cache[key]

    if names is None:
        names = [n for n in ALL_OUTCOMES if _available(n, series)]
    out = {}
    for name in names:
        v = np.asarray(final(name), dtype=float)
        out[name] = float(v) if v.ndim == 0 else v
    return out


def _available(name: str, series: Mapping[str, Any]) -> bool:
    needs = {
        "needs_met_share": ("needs_met", "needs_abandoned"),
        "cost_per_need_met": ("cost", "needs_met"),
        "time_to_maturity": ("needs_unmet",),
    }.get(name, (name,))
    return all(n in series for n in needs)


#: Tally names reset every month (mechanisms add to them).
TALLIES = (
    "needs_new", "needs_opened", "needs_prevented", "needs_met", "needs_abandoned", "needs_left_open", "time_to_meet_sum",
    "met_by_service", "met_by_worker", "met_by_activities", "met_by_mutual_aid", "met_by_self",
    "met_by_none", "contacts", "successful_contacts", "needs_disclosed", "referrals_made",
    "referrals_completed", "self_referrals", "cross_referrals", "requests_dropped", "services",
    "pooled_services", "participants", "consultations", "consulted", "projects_started",
    "activities", "funded_activities", "meetings", "attendance", "controversies_arisen", "controversies_settled",
    "vacancy_months", "departures", "worker_departures", "rep_departures", "oc_departures",
    "move_outs", "peer_exchanges", "crises_started", "funding_cuts", "grants_lapsed",
)
#: Outcomes recorded straight from this month's tally of the same name.
TALLIED: tuple[str, ...] = tuple(n for n in OUTCOMES if n in TALLIES)
HARD_TO_REACH = 0.6  # disaffiliation index from which a household counts as hard to reach


class Tally(dict[str, np.ndarray]):
    """This month's tallies by name (``model.tally``), which the mechanisms add into
    (``model.tally[name] += ...``, or a kernel adding in place): a float64 array (M,) for a count
    per milieu, (M, width) for the ``wide`` ones. Every array is a view into one buffer, so the
    month's reset is one call (:meth:`reset`); :attr:`rows` is the (n, M) block of the one-value
    tallies, ``names[i]`` in row i, for the records' kernels."""

    def __init__(
        self,
        milieux: int,
        names: tuple[str, ...],
        wide: Mapping[str, int],
        buffer: np.ndarray | None = None,
    ) -> None:
        self.names, self.wide = tuple(names), dict(wide)
        n, M = len(self.names), int(milieux)
        size = M * (n + sum(self.wide.values()))
        self.buffer = np.zeros(size) if buffer is None else np.array(buffer, dtype=float)
        if self.buffer.shape != (size,):
            raise ValueError(f"a tally buffer of {size} values expected, got {self.buffer.shape}")
        self.rows = self.buffer[: n * M].reshape(n, M)
        self.index = {name: i for i, name in enumerate(self.names)}
        self._row_sets: dict[tuple[str, ...], np.ndarray] = {}
        super().__init__(zip(self.names, self.rows, strict=True))
        start = n * M
        for name, width in self.wide.items():
            self[name] = self.buffer[start : start + M * width].reshape(M, width)
            start += M * width

    @property
    def milieux(self) -> int:
        return self.rows.shape[1]

    def reset(self) -> None:
        """Every tally back to zero (in place: the arrays stay the same objects)."""
        self.buffer.fill(0.0)

    def rows_of(self, names: tuple[str, ...]) -> np.ndarray:
        """The rows of :attr:`rows` holding ``names`` (int64, computed once per tuple)."""
        got = self._row_sets.get(names)
        if got is None:
            got = self._row_sets[names] = np.array([self.index[k] for k in names], dtype=np.int64)
        return got

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles keep the views on one buffer
        return (Tally, (self.milieux, self.names, self.wide, self.buffer))


#: The keys of a month's record, in order (``_n_hard_to_reach``: the weight of
#: ``hard_to_reach_reached`` when milieux add up).
RECORD_KEYS: tuple[str, ...] = (
    "households",
    *TALLIED,
    "needs_unmet",
    "time_to_meet",
    "reached",
    "hard_to_reach_reached",
    "_n_hard_to_reach",
    "service_use",
    "isolation",
    "engagement",
    "association_activity",
    "mutual_aid",
    "agency",
    "security",
    "health_network_image",
    "landlord_trust",
    "trust_worker",
    "inter_org_trust",
    "shared_understanding",
    "role_clarity",
    "open_controversies",
    *(f"controversies_{theme}" for theme in CONTROVERSY_THEMES),
    "fte_months",
    "cost",
    *(key for c in NEED_CATEGORIES for key in (f"needs_met_{c}", f"needs_unmet_{c}")),
)
# rows of the record's block (constants of the kernel)
_ROW = {k: i for i, k in enumerate(RECORD_KEYS)}
_TALLIED_0 = _ROW["households"] + 1
_NEEDS_UNMET, _TIME_TO_MEET = _ROW["needs_unmet"], _ROW["time_to_meet"]
_REACHED, _HTR_REACHED, _N_HTR = _ROW["reached"], _ROW["hard_to_reach_reached"], _ROW["_n_hard_to_reach"]
_SERVICE_USE, _ISOLATION, _ENGAGEMENT = _ROW["service_use"], _ROW["isolation"], _ROW["engagement"]
_ASSOCIATION, _MUTUAL_AID, _AGENCY = _ROW["association_activity"], _ROW["mutual_aid"], _ROW["agency"]
_SECURITY, _IMAGE, _LANDLORD = _ROW["security"], _ROW["health_network_image"], _ROW["landlord_trust"]
_TRUST_WORKER, _INTER_ORG = _ROW["trust_worker"], _ROW["inter_org_trust"]
_UNDERSTANDING, _ROLE_CLARITY = _ROW["shared_understanding"], _ROW["role_clarity"]
_CONTROVERSIES, _CONTROVERSY_0 = _ROW["open_controversies"], _ROW["open_controversies"] + 1
_FTE, _COST = _ROW["fte_months"], _ROW["cost"]
_MET_0 = _ROW[f"needs_met_{NEED_CATEGORIES[0]}"]  # needs_met_<c>, needs_unmet_<c>: rows 2k, 2k + 1
#: The means over households, each row divided by the milieu's households.
_MEANS = (
    _REACHED, _SERVICE_USE, _ISOLATION, _ENGAGEMENT, _MUTUAL_AID, _AGENCY, _SECURITY, _IMAGE,
    _LANDLORD, _TRUST_WORKER,
)


class Record(MutableMapping[str, np.ndarray]):
    """A month's record: a mapping of keys to the rows of one (keys, M) block (``block``, rows
    by key in ``index``) and to ``extra`` arrays of other shapes, built without a view per key
    until one is read; iterated in ``order`` (default: the block's keys, then the extra ones).
    Assigning to a key writes into its array (the keys are fixed)."""

    __slots__ = ("block", "extra", "index", "order")

    def __init__(
        self,
        block: np.ndarray,
        index: Mapping[str, int],
        extra: Mapping[str, np.ndarray] | None = None,
        order: tuple[str, ...] | None = None,
    ) -> None:
        self.block, self.index = block, index
        self.extra = {} if extra is None else extra
        self.order = order

    def __getitem__(self, key: str) -> np.ndarray:
        row = self.index.get(key)
        return self.extra[key] if row is None else self.block[row]

    def __setitem__(self, key: str, value: Any) -> None:
        self[key][...] = value  # a KeyError for a key the record does not have

    def __delitem__(self, key: str) -> None:
        raise TypeError("a record's keys are fixed")

    def __iter__(self) -> Iterator[str]:
        if self.order is None:
            return itertools.chain(self.index, self.extra)
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.index) + len(self.extra)

    def __contains__(self, key: object) -> bool:
        return key in self.index or key in self.extra

    def __repr__(self) -> str:
        return f"Record({dict(self)!r})"


def stacker(records: Iterable[Mapping[str, np.ndarray]]) -> Callable[[str], np.ndarray]:
    """Months of one key of monthly records: ``get(key)``, a (months, milieux[, ...]) float64
    C-contiguous array. :class:`Record` blocks are stacked once for every key (one copy of
    the run's records, not one per key); other mappings are read key by key."""
    recs = list(records)
    first = recs[0] if recs else None
    if not (
        isinstance(first, Record)
        and all(isinstance(r, Record) and r.index is first.index for r in recs)
    ):
        return lambda key: np.array([r[key] for r in recs], dtype=float)
    index = first.index
    blocks: list[np.ndarray] = []  # the stacked blocks, made at the first key of the block

    def get(key: str) -> np.ndarray:
        row = index.get(key)
        if row is None:
            return np.array([r[key] for r in recs], dtype=float)
        if not blocks:
            blocks.append(np.stack([r.block for r in recs]))  # type: ignore[attr-defined]
        return np.ascontiguousarray(blocks[0][:, row], dtype=float)

    return get


#: Row of each key in a month's record (:class:`Record`).
RECORD_ROWS: dict[str, int] = {k: i for i, k in enumerate(RECORD_KEYS)}


def record(model: HLMModel) -> Record:
    """This month's outcomes, one value per milieu: ``{key: (M,) float64}``, keys
    :data:`RECORD_KEYS` (a :class:`Record`: rows of one (keys, M) block, a new one every
    month)."""
    hh, mp, ms, tl = model.hh, model.mp, model.ms, model.tally
    block = np.zeros((len(RECORD_KEYS), ms.n))
    # each slice of milieux on its own thread (hlmsim.mechanisms._threads; deferred within a
    # block of phases run together: the block is filled when the block ends)
    _threads.defer(
        _record_kernel,
        model.slices,
        int(model.t),
        hh.need_open,
        hh.last_contact,
        hh.last_served,
        hh.hard_to_reach,
        hh.ties,
        hh.engagement,
        hh.mutual_aid,
        hh.agency,
        hh.security,
        hh.image,
        hh.landlord,
        hh.trust_worker,
        ms.n_households,
        ms.association,
        ms.understanding,
        ms.role_clarity,
        ms.trust,
        ms.member,
        ms.controversy,
        ms.worker_filled,
        ms.oc_filled,
        mp.isolation_threshold,
        mp.worker_fte,
        mp.oc_fte_share,
        mp.worker_monthly_cost,
        mp.oc_monthly_cost,
        mp.meeting_cost,
        mp.activity_cost,
        tl.rows,
        tl.rows_of(TALLIED),
        tl["needs_met"],
        tl["time_to_meet_sum"],
        tl["meetings"],
        tl["funded_activities"],
        tl["needs_met_by_category"],
        block,
        ms.rows,
    )
    return Record(block, RECORD_ROWS)


@kernel
def _record_kernel(
    t: int,
    need_open: np.ndarray,
    last_contact: np.ndarray,
    last_served: np.ndarray,
    hard_to_reach: np.ndarray,
    ties: np.ndarray,
    engagement: np.ndarray,
    mutual_aid: np.ndarray,
    agency: np.ndarray,
    security: np.ndarray,
    image: np.ndarray,
    landlord: np.ndarray,
    trust_worker: np.ndarray,
    n_households: np.ndarray,
    association: np.ndarray,
    understanding: np.ndarray,
    role_clarity: np.ndarray,
    trust: np.ndarray,
    member: np.ndarray,
    controversy: np.ndarray,
    worker_filled: np.ndarray,
    oc_filled: np.ndarray,
    isolation_threshold: np.ndarray,
    worker_fte: np.ndarray,
    oc_fte_share: np.ndarray,
    worker_monthly_cost: np.ndarray,
    oc_monthly_cost: np.ndarray,
    meeting_cost: np.ndarray,
    activity_cost: np.ndarray,
    tally_rows: np.ndarray,
    tallied: np.ndarray,
    needs_met: np.ndarray,
    time_to_meet_sum: np.ndarray,
    meetings: np.ndarray,
    funded_activities: np.ndarray,
    met_by_category: np.ndarray,
    out: np.ndarray,
    rows: np.ndarray,
    m_lo: int,
    m_hi: int,
) -> None:
    """Fill the columns ``m_lo:m_hi`` of the month's record ``out`` (keys x milieux, zeros on
    entry): milieu by milieu, a pass over its households (rows ``rows[m]:rows[m + 1]``) summing
    in row order (as ``np.bincount`` does), then the milieu's own figures."""
    K, P = need_open.shape[1], member.shape[1]
    # The households, milieu by milieu: open needs by category, residents reached and served
    # in the last 12 months, hard to reach, isolated (counts), and the sums of the household
    # means, held in local variables over the milieu's rows, then put into ``out``. A sum goes
    # on from its value in ``out`` (the same additions, in row order, as np.bincount); a count
    # is a whole number, exact in any order.
    open_needs = np.zeros(K, dtype=np.int64)
    for m in range(m_lo, m_hi):
        open_needs[:] = 0
        reached = hard_n = hard_reached = served = isolated = 0
        engaged, mutual, agent = out[_ENGAGEMENT, m], out[_MUTUAL_AID, m], out[_AGENCY, m]
        secure, imaged = out[_SECURITY, m], out[_IMAGE, m]
        landlord_sum, trusting = out[_LANDLORD, m], out[_TRUST_WORKER, m]
        threshold = isolation_threshold[m]
        for i in range(np.uint64(rows[m]), np.uint64(rows[m + 1])):  # see _jit, row loops
            for k in range(K):
                open_needs[k] += need_open[i, k]
            recent = (t - last_contact[i]) < 12
            hard = hard_to_reach[i] >= HARD_TO_REACH
            reached += recent
            hard_n += hard
            hard_reached += hard & recent
            served += (t - last_served[i]) < 12
            isolated += ties[i] < threshold
            engaged += engagement[i]
            mutual += mutual_aid[i]
            agent += agency[i]
            secure += security[i]
            imaged += image[i]
            landlord_sum += landlord[i]
            trusting += trust_worker[i]
        for k in range(K):
            out[_MET_0 + 2 * k + 1, m] += open_needs[k]
        out[_REACHED, m] += reached
        out[_N_HTR, m] += hard_n
        out[_HTR_REACHED, m] += hard_reached
        out[_SERVICE_USE, m] += served
        out[_ISOLATION, m] += isolated
        out[_ENGAGEMENT, m] = engaged
        out[_MUTUAL_AID, m] = mutual
        out[_AGENCY, m] = agent
        out[_SECURITY, m] = secure
        out[_IMAGE, m] = imaged
        out[_LANDLORD, m] = landlord_sum
        out[_TRUST_WORKER, m] = trusting
    weighted = np.empty(P)
    for m in range(m_lo, m_hi):
        out[0, m] = n_households[m]
        for r in range(tallied.shape[0]):
            out[_TALLIED_0 + r, m] = tally_rows[tallied[r], m]
        unmet = 0.0
        for k in range(K):
            out[_MET_0 + 2 * k, m] = met_by_category[m, k]
            unmet += out[_MET_0 + 2 * k + 1, m]
        out[_NEEDS_UNMET, m] = unmet
        out[_TIME_TO_MEET, m] = time_to_meet_sum[m] / needs_met[m] if needs_met[m] > 0 else np.nan
        households = max(n_households[m], 1.0)
        for r in _MEANS:
            out[r, m] = out[r, m] / households
        # undefined with no hard-to-reach household
        n_htr = out[_N_HTR, m]
        out[_HTR_REACHED, m] = out[_HTR_REACHED, m] / n_htr if n_htr != 0 else np.nan
        out[_ASSOCIATION, m] = association[m]
        # among the network's members; no network, no trust built between organisations
        n_mem = 0
        for p in range(P):
            weighted[p] = trust[m, p] * (1.0 if member[m, p] else 0.0)
            n_mem += int(member[m, p])
        out[_INTER_ORG, m] = _sum_as_numpy(weighted) / max(n_mem, 1)
        out[_UNDERSTANDING, m] = understanding[m]
        out[_ROLE_CLARITY, m] = role_clarity[m]
        n_open = 0
        for j in range(controversy.shape[1]):
            n_open += int(controversy[m, j])
            out[_CONTROVERSY_0 + j, m] = 1.0 if controversy[m, j] else 0.0
        out[_CONTROVERSIES, m] = n_open
        oc_fte = oc_fte_share[m] * (int(oc_filled[m, 0]) + int(oc_filled[m, 1]))
        fte = worker_fte[m] * (1.0 if worker_filled[m] else 0.0)
        out[_FTE, m] = fte + oc_fte
        out[_COST, m] = (
            fte * worker_monthly_cost[m]
            + oc_fte * oc_monthly_cost[m]
            + meetings[m] * meeting_cost[m]
            + funded_activities[m] * activity_cost[m]
        )


@kernel
def _sum_as_numpy(x: np.ndarray) -> float:
    """The sum of a short 1-D array (up to 128 values) in NumPy's order (``ndarray.sum``):
    one by one below 8 values, else 8 interleaved partial sums added pairwise, then the rest."""
    n = x.shape[0]
    if n < 8:
        s = 0.0
        for i in range(n):
            s += x[i]
        return s
    r = x[:8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += x[i + j]
        i += 8
    s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        s += x[i]
        i += 1
    return s
