"""HLMModel: proximity intervention and local networks in HLM, one month a step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from .agents import CommunityOrganiser, MilieuWorker, PartnerOrganisation, Resident
from .datacollector import RecordsCollector
from .mechanisms import (
    _threads,
    crises,
    demography,
    events,
    funding,
    governance,
    information,
    needs,
    outreach,
    participation,
    referral,
    services,
    staff,
    switching,
    wellbeing,
)
from .observables import OBS_TALLIES, OBS_TALLIES_BY_PARTNER, track
from .outcomes import OUTCOMES, TALLIES, Record, Tally, record
from .params import NEED_CATEGORIES, Scenario
from .rng import Streams
from .scenario import load_scenario, switched, with_overrides
from .state import K, MilieuParams, expand_milieux, init_state

#: What Mesa's ``rng`` may be: a seed, or what a seed is drawn from.
RNGLike = (
    int | np.integer | np.random.Generator | np.random.BitGenerator | np.random.SeedSequence | None
)


def resolve_seed(seed: Any = None, rng: RNGLike = None) -> int:
    """The run's seed from ``seed`` or Mesa's ``rng`` (not both): an integer is the seed; None,
    a generator or a ``SeedSequence`` gives a seed drawn from it (from fresh entropy for None),
    which the model records (``model.seed``)."""
    if seed is not None and rng is not None:
        raise ValueError("give seed or rng, not both")
    value = seed if seed is not None else rng
    if isinstance(value, bool):
        raise ValueError(f"seed must be a non-negative integer, got {value!r}")
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"seed must be a non-negative integer, got {value!r}")
        return int(value)
    if seed is not None:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    # as Mesa does for a model given no integer seed
    return int(np.random.default_rng(value).integers(np.iinfo(np.int32).max))


def resolve_scenario(scenario: Scenario | str | Path, overrides: Mapping[str, Any]) -> Scenario:
    """A :class:`Scenario` from a scenario, a shipped name or a path, with overrides applied."""
    if isinstance(scenario, Scenario):
        return with_overrides(scenario, **overrides)
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario, **overrides)
    hint = ""
    if isinstance(scenario, tuple) and len(scenario) == 2 and scenario[0] in Scenario.model_fields:
        # mesa.batch_run iterates over a parameter's value, and a Scenario iterates its fields
        hint = " (mesa.batch_run: give a Scenario in a list, parameters={'scenario': [scen]})"
    raise TypeError(
        f"scenario must be a Scenario, a shipped scenario's name or a path, not {scenario!r}{hint}"
    )


class HLMModel(mesa.Model):
    """The hlmsim model. ``HLMModel(load_scenario("default"), seed=1).run()``.

    Residents, workers, partners and organisers are Mesa agents whose state lives in arrays
    (``self.hh``: households, ``self.ms``: milieux, ``self.mp``: parameters per milieu), so each
    month is one vectorised pass whatever the number of milieux. ``agents=False`` skips creating
    the thin agent views (faster set-up for large sweeps; results are identical).
    ``replicates`` independent worlds run together in one model (one pass a month for all);
    ``param_sets``, one mapping of parameter values per replicate, gives each its own parameters
    (applied like ``load_scenario``'s overrides), so that calibration and comparisons over
    parameter ensembles get the batch's speed. A replicate's history depends on the batch's seed
    and on its place in the batch, never on the process that runs it.

    Each mechanism module declares the state it reads and writes (``READS``, ``WRITES``);
    ``tests/test_contracts.py`` runs every phase on recording state and checks them.

    Mesa's conventions: ``scenario`` is a :class:`Scenario`, a shipped scenario's name or a
    path; any other keyword is an override applied like ``load_scenario``'s (``months``,
    ``arrangement``, a parameter name: ``HLMModel("default", worker_turnover_annual=0.2,
    rng=3)``). The random seed is ``seed`` or Mesa's ``rng``: an integer (the seed itself), or
    None, a ``numpy.random.Generator`` or a ``SeedSequence``, from which a seed is drawn; either
    way the seed used is ``model.seed``, and ``HLMModel(scen, seed=model.seed)`` replays the
    run. ``model.datacollector`` gives the key outcomes of every month, built from the records
    the model keeps (see :class:`hlmsim.datacollector.RecordsCollector`), so ``mesa.batch_run``
    works as with any Mesa model. ``model.steps`` and ``model.time`` count months from month 1
    (a spin-up runs before them).
    """

    #: This month's partner for each (milieu, need category), set by ``referral.choose_partners``.
    best_warm: np.ndarray
    best_onward: np.ndarray
    best_self: np.ndarray

    def __init__(
        self,
        scenario: Scenario | str | Path = "default",
        *,
        rng: RNGLike = None,
        agents: bool = True,
        replicates: int = 1,
        param_sets: Sequence[Mapping[str, Any]] | None = None,
        **overrides: Any,
    ) -> None:
        seed = resolve_seed(overrides.pop("seed", None), rng)
        scenario = resolve_scenario(scenario, overrides)
        super().__init__(rng=seed)
        self.scenario_spec = scenario
        self.seed = seed
        self.months = scenario.months
        self.rs = Streams(self.seed)
        if replicates < 1:
            raise ValueError("replicates must be at least 1")
        self.replicates = int(replicates)
        self.param_sets = None if param_sets is None else [dict(p) for p in param_sets]
        self.layout, self.mp, self.hh, self.ms, self.mix = init_state(
            scenario, self.rs, self.replicates, self.param_sets
        )
        self.milieu_names = self.layout.names
        #: the slices of milieux the heaviest kernels share among threads (one, below
        #: _threads.MIN_HOUSEHOLDS households: hlmsim.mechanisms._threads)
        self.slices = _threads.plan(self)
        self.t = 0  # months completed
        self.triggered: list[tuple[str, np.ndarray]] = []
        self.events_now: dict[str, np.ndarray] = {}
        self.schedule = self._build_schedule(scenario)
        self.switches = self._build_switches(scenario)
        demography.initial_stays(self)
        needs.initial_needs(self)
        self.records: list[Record] = []  # a mapping {outcome: (M,) array} a month
        self.obs_records: list[Record] = []
        self.tally = self._new_tally()
        if agents:
            self._create_agents()
        self.running = True
        #: Mesa's data collector, read from the monthly records on demand (nothing is collected
        #: step by step): ``model.datacollector.get_model_vars_dataframe()``, ``mesa.batch_run``.
        self.datacollector: mesa.DataCollector = RecordsCollector(self)
        # a mature start: months before month 1, the arrangement in place, nothing recorded;
        # stepped outside Mesa's clock, so that model.steps and model.time count months from 1
        self.t = -scenario.spin_up_months
        while self.t < 0:
            type(self).step(self)

    # -- construction --------------------------------------------------------------------------
    def _build_schedule(self, scen: Scenario) -> dict[int, list[tuple[str, np.ndarray]]]:
        """Scheduled events as masks over milieux (a named milieu: all its copies)."""
        sched: dict[int, list[tuple[str, np.ndarray]]] = {}
        for ev in scen.events:
            if ev.kind in events.EVENT_KINDS:
                sched.setdefault(ev.month, []).append((ev.kind, self._event_mask(ev.milieu)))
        return sched

    def _event_mask(self, milieu: str | None) -> np.ndarray:
        """The milieux an event concerns: a named milieu (all its copies, in every replicate)
        or all."""
        if milieu is None:
            return np.ones(len(self.milieu_names), dtype=bool)
        spec_names = [m.name for m in self.scenario_spec.milieux]
        return self.layout.spec == spec_names.index(milieu)

    def _build_switches(self, scen: Scenario) -> dict[int, list[tuple[np.ndarray, MilieuParams]]]:
        """Scheduled arrangement switches (``hlmsim.mechanisms.switching``): by month, the
        milieux switched and every milieu's parameters on the new arrangement (each replicate
        on its own parameter set)."""
        plan: dict[int, list[tuple[np.ndarray, MilieuParams]]] = {}
        for ev in scen.events:
            if ev.kind == switching.KIND:
                layout = expand_milieux(switched(scen, ev), self.replicates, self.param_sets)
                new = MilieuParams(layout.params)
                plan.setdefault(ev.month, []).append((self._event_mask(ev.milieu), new))
        return plan

    def _create_agents(self) -> None:
        M, P = self.ms.member.shape
        for i in range(self.hh.n):
            Resident(self, i)
        for m in range(M):
            MilieuWorker(self, m)
            for p in range(P):
                PartnerOrganisation(self, m, p)
            for r in range(2):
                CommunityOrganiser(self, m, r)

    # -- the monthly step ----------------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of the ODD process overview:

        1. events: this month's scheduled and triggered events
        2. switching: scheduled arrangement switches (the worker in post leaves, a new post)
        3. crises: crises start and end
        4. funding: grants end or are renewed; partners' funding is cut and recovers
        5. staff: workers, representatives and organisers leave, vacancies are filled
        6. demography: households move out, newcomers move in
        7. needs: needs arise, age, resolve alone or are given up
        8. governance: committees meet; trust, understanding, roles; controversies, mediation
        9. outreach: partners chosen for referrals; the worker's contacts, trust, disclosure,
           direct help, warm referrals
        10. self-referral: residents seek services on their own
        11. services: queues served within capacity, pooling, onward referrals, drops
        12. participation: activities, projects, consultations, association, mutual aid
        13. information: word of mouth about resources between neighbours
        14. well-being: trust and knowledge fade, images, sense of security
        15. outcomes: this month's record, and its observation record (hlmsim.observables)
        """
        self._reset_tally()
        events.step(self)
        switching.step(self)
        crises.step(self)
        funding.step(self)
        staff.step(self)
        demography.step(self)
        needs.step(self)
        governance.step(self)
        referral.choose_partners(self)
        outreach.step(self)
        # each slice of milieux goes through the phases of a block in one hand-off to the
        # threads (hlmsim.mechanisms._threads.together; the same results)
        with _threads.together(self.slices):
            referral.self_referral(self)
            services.step(self)
        with _threads.together(self.slices):
            participation.step(self)
            information.step(self)
            wellbeing.step(self)
            if self.t >= 0:  # not in the spin-up before month 1
                self.records.append(record(self))
        if self.t >= 0:
            self.obs_records.append(track(self))
        self.t += 1
        if self.t >= self.months:
            self.running = False

    def _new_tally(self) -> Tally:
        """This month's tallies, all zero (views into one buffer, made once)."""
        M, P = self.ms.member.shape
        wide = {"needs_met_by_category": K, **{name: P for name in OBS_TALLIES_BY_PARTNER}}
        return Tally(M, (*TALLIES, *OBS_TALLIES), wide)

    def _reset_tally(self) -> None:
        """This month's tallies back to zero: one call on the buffer they are views of."""
        if self.tally.milieux == self.ms.n:
            self.tally.reset()
        else:  # the milieux were replaced (a test's hand-made state)
            self.tally = self._new_tally()

    def run(self, months: int | None = None) -> HLMModel:
        """Run to the horizon (or ``months`` more steps). Returns self."""
        n = self.months - self.t if months is None else months
        for _ in range(n):
            self.step()
        return self

    def trigger(self, kind: str, milieu: int | None = None) -> None:
        """Schedule an event for the next month (the app's buttons): ``kind`` from
        ``hlmsim.mechanisms.events.EVENT_KINDS``, in milieu index ``milieu`` or all."""
        if kind not in events.EVENT_KINDS:
            raise ValueError(f"unknown event {kind!r}; allowed: {', '.join(events.EVENT_KINDS)}")
        mask = np.zeros(self.ms.n, dtype=bool)
        if milieu is None:
            mask[:] = True
        else:
            mask[milieu] = True
        self.triggered.append((kind, mask))

    # -- results -------------------------------------------------------------------------------
    def timeseries(self, per_milieu: bool = True) -> pd.DataFrame:
        """Tidy monthly outcomes: one row per month and milieu, plus the ``all`` rows (with a
        ``replicate`` column when the model runs several independent replicates)."""
        if self.replicates == 1:
            return timeseries_frame(self.records, self.milieu_names, per_milieu)
        frames = []
        for r in range(self.replicates):
            sel = self.layout.replicate == r
            recs = [{k: v[sel] for k, v in rec.items()} for rec in self.records]
            names = [n for n, s in zip(self.milieu_names, sel, strict=True) if s]
            df = timeseries_frame(recs, names, per_milieu)
            df.insert(0, "replicate", r)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)


def _aggregate(rec: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Outcomes of all milieux together for one month."""
    out: dict[str, float] = {}
    hh = rec["households"]
    for name, o in OUTCOMES.items():
        v = rec[name]
        if o.weight == "sum":
            out[name] = float(v.sum())
        else:
            w = {
                "households": hh,
                "hard_to_reach": rec["_n_hard_to_reach"],
                "needs_met": rec["needs_met"],
            }[o.weight]
            ok = ~np.isnan(v) & (w > 0)
            out[name] = float(np.sum(v[ok] * w[ok]) / np.sum(w[ok])) if ok.any() else float("nan")
    return out


def timeseries_frame(
    records: Sequence[Mapping[str, np.ndarray]], names: list[str], per_milieu: bool = True
) -> pd.DataFrame:
    """Build the tidy table from monthly records."""
    cols = list(OUTCOMES)
    frames = []
    T, M = len(records), len(names)
    if per_milieu and T:
        data = {c: np.concatenate([r[c] for r in records]) for c in cols}
        frames.append(
            pd.DataFrame(
                {
                    "month": np.repeat(np.arange(1, T + 1), M),
                    "milieu": np.tile(np.array(names, dtype=object), T),
                    **data,
                }
            )
        )
    overall = [_aggregate(r) for r in records]
    frames.append(
        pd.DataFrame(
            {
                "month": np.arange(1, T + 1),
                "milieu": "all",
                **{c: [o[c] for o in overall] for c in cols},
            }
        )
    )
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("month", kind="stable").reset_index(drop=True)


__all__ = ["HLMModel", "NEED_CATEGORIES", "resolve_seed", "timeseries_frame"]
