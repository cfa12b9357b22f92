"""The simulation behind one page of the workshop app (no Solara here: plain, unit-tested logic).

A :class:`Session` holds one run, or two runs side by side: the same scenario, the same seed and
the same lever settings, only the arrangement differs (the model draws households and need
arrivals identically across arrangements, so the difference shows the arrangement and nothing
else). It steps them in step, triggers live events in both, applies lever changes (from next
month when the parameter is only read month by month, otherwise by restarting the run) and
records each household's monthly history for its life story.

Given a calibrated ensemble (``hlmsim app --ensemble``), every (re)start of the runs draws one
parameter set from it with the session's seed and runs every world on it (side by side: the same
set for both arrangements, like the households and needs). The set takes the place of the
scenario's own parameters (above the arrangement's preset, below a milieu's own settings); the
levers moved on the page apply over it, and restoring the defaults returns to it.
"""

from __future__ import annotations

import json
import random
import secrets
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..model import HLMModel
from ..params import (
    HOUSEHOLD_TYPES,
    NEED_CATEGORIES,
    PARTNER_KINDS,
    Params,
    Scenario,
    field_meta,
)
from ..scenario import load_scenario, shipped_scenarios, validate

if TYPE_CHECKING:
    from ..calibrate.posterior import Ensemble

#: The controls of the page, in this order: levers (``lever=True`` in the schema) first, then a
#: few assumptions; each is drawn from the schema (label, unit, range, default, source).
APP_PARAMS: tuple[str, ...] = (
    "worker_fte",
    "worker_time_on_site",
    "meetings_per_year",
    "partners_colocated_share",
    "n_partners",
    "oc_mediation",
    "consultations_per_year",
    "collective_projects_per_year",
    "association_support",
    "representative_turnover_annual",
    # assumptions (not levers)
    "worker_turnover_annual",
    "engagement_half_life_months",
)

#: Parameters only read month by month by the mechanisms (never when the model is built), so a
#: change applies to a running model from next month. Any other change restarts the run.
LIVE_PARAMS: frozenset[str] = frozenset(
    {
        "worker_time_on_site",
        "meetings_per_year",
        "oc_mediation",
        "consultations_per_year",
        "collective_projects_per_year",
        "association_support",
        "representative_turnover_annual",
        "worker_turnover_annual",
        "engagement_half_life_months",
    }
)

#: Outcomes charted over time and listed in the table of current values.
CHART_OUTCOMES: tuple[str, ...] = (
    "needs_met",
    "needs_unmet",
    "trust_worker",
    "inter_org_trust",
    "engagement",
    "security",
    "referrals_completed",
    "isolation",
)
TABLE_OUTCOMES: tuple[str, ...] = (*CHART_OUTCOMES, "reached", "cost")

#: Live events offered as buttons (``hlmsim.mechanisms.events.EVENT_KINDS``).
LIVE_EVENTS: tuple[str, ...] = (
    "worker_leaves",
    "representative_leaves",
    "funding_cut",
    "crisis",
    "collective_project",
    "consultation",
    "oc_leaves",
)

#: Up to this many households, every household's history is recorded from month 0; beyond it
#: (the ``province`` scenario) only the selected milieu's, from when it is selected.
WATCH_ALL_LIMIT = 20_000

#: Arrangement shown by default on the B side.
DEFAULT_B = "services_as_usual"


def app_scenarios() -> list[str]:
    """Scenarios offered by the app: the shipped ones, ``default`` first."""
    names = shipped_scenarios()
    return sorted(names, key=lambda n: (n != "default", n))


def coerce(name: str, value: Any) -> Any:
    """A control's value as the schema's type (sliders give floats), clipped to its range."""
    meta = field_meta(name)
    if meta["kind"] == "bool":
        return bool(value)
    if meta["kind"] == "choice":
        if value not in meta["choices"]:
            raise ValueError(f"{name}: {value!r} not in {meta['choices']}")
        return value
    v = float(value)
    if meta["min"] is not None:
        v = max(v, float(meta["min"]))
    if meta["max"] is not None:
        v = min(v, float(meta["max"]))
    if meta["kind"] == "int":
        return int(round(v))
    return round(v, 6)


def build_scenario(
    name: str,
    arrangement: str | None,
    overrides: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Scenario:
    """The scenario ``name`` with ``arrangement`` (``None``: the scenario's own, per milieu), the
    page's lever settings applied to every milieu (over a milieu's own values too) and
    ``events`` scheduled (a loaded design's)."""
    extra: dict[str, Any] = {"arrangement": arrangement} if arrangement else {}
    if events:
        extra["events"] = events
    scen = load_scenario(name, **extra)
    if not overrides:
        return scen
    data = scen.model_dump(mode="python")
    for m in data["milieux"]:
        m["params"] = {**m.get("params", {}), **overrides}
    return validate(data, source=f"app:{name}")


# -- households' monthly history -------------------------------------------------------------------


class HouseholdHistory:
    """Per-month snapshots of households (every row, or the rows of one milieu), for stories."""

    FLOAT_FIELDS = ("trust_worker", "engagement", "ties", "security", "knowledge")
    INT_FIELDS = ("hid", "htype", "arrived", "contacts", "last_contact", "last_served")

    def __init__(self, model: HLMModel, rows: np.ndarray | None = None) -> None:
        self.rows = rows  # None: every row
        self.snaps: list[dict[str, Any]] = []
        self.stories: dict[int, _StoryState] = {}  # read so far, by household (see stories)
        self.record(model)

    def watch(self, model: HLMModel, rows: np.ndarray | None) -> None:
        """Record these rows from now on (``None``: every row)."""
        if rows is None and self.rows is None:
            return
        if rows is not None and self.rows is not None and np.array_equal(rows, self.rows):
            return
        self.rows = None if rows is None else np.sort(rows)
        self.record(model, replace_last=True)

    def record(self, model: HLMModel, replace_last: bool = False) -> None:
        hh, ms = model.hh, model.ms
        sel = slice(None) if self.rows is None else self.rows
        snap: dict[str, Any] = {"t": model.t, "rows": self.rows}
        for f in self.FLOAT_FIELDS:
            snap[f] = getattr(hh, f)[sel].astype(np.float32)
        for f in self.INT_FIELDS:
            snap[f] = np.asarray(getattr(hh, f)[sel]).astype(np.int32)
        snap["mutual_aid"] = hh.mutual_aid[sel].copy()
        snap["need_open"] = hh.need_open[sel].copy()
        snap["need_age"] = hh.need_age[sel].astype(np.int32)
        q = hh.need_queue[sel]
        snap["need_kind"] = np.where(q >= 0, q % len(PARTNER_KINDS), -1).astype(np.int8)
        snap["worker_serial"] = ms.worker_serial.copy()
        snap["worker_filled"] = ms.worker_filled.copy()
        if replace_last and self.snaps and self.snaps[-1]["t"] == model.t:
            self.snaps[-1] = snap
        else:
            self.snaps.append(snap)

    @staticmethod
    def _pos(snap: dict[str, Any], row: int) -> int | None:
        rows = snap["rows"]
        if rows is None:
            return row
        i = int(np.searchsorted(rows, row))
        return i if i < len(rows) and rows[i] == row else None

    def find_row(self, hid: int) -> int | None:
        """The row (dwelling) where household ``hid`` lives or lived, or None."""
        for snap in reversed(self.snaps):
            hit = np.nonzero(snap["hid"] == hid)[0]
            if len(hit):
                return int(hit[0]) if snap["rows"] is None else int(snap["rows"][hit[0]])
        return None


@dataclass
class Story:
    """A household's life so far: values month by month and what happened, as language-free
    events ``(month, text key, values)`` (category and partner kinds as keys)."""

    hid: int
    row: int
    milieu: int
    htype: str
    arrived: int
    first_month: int  # first recorded month
    months: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    moved_out: int | None = None
    successor: int | None = None
    open_needs: list[str] = field(default_factory=list)
    workers_met: list[int] = field(default_factory=list)
    contacts: int = 0


@dataclass
class _StoryState:
    """Where :func:`household_story` stopped reading a history for one household."""

    row: int
    milieu: int
    give_up: float
    story: Story | None = None
    n: int = 0  # snapshots read
    last: dict[str, Any] | None = None  # the last snapshot read (a replaced one is re-read)
    prev: tuple[dict[str, Any], int] | None = None
    workers: set[int] = field(default_factory=set)
    done: bool = False  # the household moved out: later snapshots do not concern it


#: Households whose story each history keeps reading from where it stopped.
STORIES_KEPT = 8


def household_story(model: HLMModel, history: HouseholdHistory, hid: int) -> Story | None:
    """The story of household ``hid`` from the recorded history, or None if never seen.

    The history is read from where the previous call for ``hid`` stopped (each month adds one
    snapshot), so that a followed household costs the same every month rather than more and
    more; a history whose snapshots changed otherwise is read again from the start."""
    row = history.find_row(hid)
    if row is None:
        return None
    m = int(model.hh.milieu[row])
    give_up = float(model.mp.need_give_up_months[m])
    snaps = history.snaps
    st = history.stories.get(hid)
    if (
        st is None
        or (st.row, st.milieu, st.give_up) != (row, m, give_up)
        or st.n > len(snaps)
        or (st.n and snaps[st.n - 1] is not st.last)
    ):
        st = _StoryState(row, m, give_up)
    for snap in snaps[st.n :]:
        if st.done:
            break
        _read_snapshot(st, history, snap, hid)
        st.n += 1
    st.n = len(snaps) if st.done else st.n
    st.last = snaps[st.n - 1] if st.n else None
    history.stories.pop(hid, None)
    history.stories[hid] = st
    while len(history.stories) > STORIES_KEPT:
        del history.stories[next(iter(history.stories))]
    story = st.story
    if story is None:
        return None
    return replace(
        story,
        months=list(story.months),
        values={k: list(v) for k, v in story.values.items()},
        events=list(story.events),
        open_needs=list(story.open_needs),
        workers_met=sorted(st.workers),
    )


def _read_snapshot(
    st: _StoryState, history: HouseholdHistory, snap: dict[str, Any], hid: int
) -> None:
    """One more month of a household's story (the loop body of :func:`household_story`)."""
    pos = history._pos(snap, st.row)
    if pos is None:
        st.prev = None
        return
    t = int(snap["t"])
    here = int(snap["hid"][pos])
    story = st.story
    if here != hid:
        if story is not None:
            story.moved_out, story.successor = t, here
            st.done = True
            return
        st.prev = None
        return
    if story is None:
        story = st.story = Story(
            hid=hid,
            row=st.row,
            milieu=st.milieu,
            htype=HOUSEHOLD_TYPES[int(snap["htype"][pos])],
            arrived=int(snap["arrived"][pos]),
            first_month=t,
            values={f: [] for f in ("trust_worker", "security", "engagement", "ties")},
        )
    story.months.append(t)
    for f in story.values:
        story.values[f].append(float(snap[f][pos]))
    if st.prev is not None:
        _events(story, st.prev, (snap, pos), t, st.milieu, st.give_up, st.workers)
    st.prev = (snap, pos)
    opened = snap["need_open"][pos]
    story.open_needs = [c for c, o in zip(NEED_CATEGORIES, opened, strict=True) if o]
    story.contacts = int(snap["contacts"][pos])


def _events(
    story: Story,
    prev: tuple[dict[str, Any], int],
    cur: tuple[dict[str, Any], int],
    t: int,
    m: int,
    give_up: float,
    workers: set[int],
) -> None:
    """What happened to the household in month ``t`` (between two snapshots)."""
    (p, i), (c, j) = prev, cur
    ev = story.events
    if p["worker_filled"][m] and not c["worker_filled"][m]:
        ev.append((t, "ev_worker_left", {}))
    if c["worker_serial"][m] > p["worker_serial"][m]:
        ev.append((t, "ev_new_worker", {}))
    if c["last_contact"][j] == t - 1:
        k = int(c["worker_serial"][m])
        workers.add(k)
        ev.append((t, "ev_contact", {"k": k}))
    for k, cat in enumerate(NEED_CATEGORIES):
        was, now = bool(p["need_open"][i, k]), bool(c["need_open"][j, k])
        qa, qb = int(p["need_kind"][i, k]), int(c["need_kind"][j, k])
        if was and not now:
            age = int(p["need_age"][i, k]) + 1
            if age >= give_up:
                ev.append((t, "ev_given_up", {"c": cat, "n": age}))
            else:
                ev.append((t, "ev_closed", {"c": cat}))
        elif not was and now:
            ev.append((t, "ev_need", {"c": cat}))
        if now and qb >= 0 and qa != qb:
            ev.append((t, "ev_request", {"c": cat, "p": PARTNER_KINDS[qb]}))
        if was and now and qa >= 0 and qb < 0:
            ev.append((t, "ev_dropped", {"c": cat, "p": PARTNER_KINDS[qa]}))
    if c["last_served"][j] == t - 1:
        ev.append((t, "ev_served", {}))
    if c["mutual_aid"][j] and not p["mutual_aid"][i]:
        ev.append((t, "ev_mutual_aid", {}))


# -- runs and the session --------------------------------------------------------------------------


class Run:
    """One model of the page, with its arrangement, live-event log and household history."""

    def __init__(
        self,
        scen: Scenario,
        seed: int,
        arrangement: str | None,
        watch: np.ndarray | None,
        param_set: dict[str, Any] | None = None,
    ) -> None:
        self.arrangement = arrangement
        self.scenario = scen
        sets = None if param_set is None else [param_set]
        self.model = HLMModel(scen, seed=seed, agents=False, param_sets=sets)
        self.history = HouseholdHistory(self.model, watch)
        self.events: list[tuple[int, str, int]] = []  # (month it applies, kind, milieu)
        self._series: dict[tuple[str, int], list[float]] = {}  # read by series()

    @property
    def t(self) -> int:
        return self.model.t

    def step(self) -> bool:
        if not self.model.running:
            return False
        self.model.step()
        self.history.record(self.model)
        return True

    def series(self, outcome: str, milieu: int) -> np.ndarray:
        """An outcome of one milieu over the months run so far (the values read before are
        kept: each month reads one more record)."""
        records = self.model.records
        values = self._series.setdefault((outcome, milieu), [])
        if len(values) > len(records):  # not this model's records any more
            values.clear()
        values.extend(float(rec[outcome][milieu]) for rec in records[len(values) :])
        return np.array(values, dtype=float)

    def current(self, outcome: str, milieu: int) -> float:
        if not self.model.records:
            return float("nan")
        return float(self.model.records[-1][outcome][milieu])

    def param(self, name: str, milieu: int) -> Any:
        v = getattr(self.model.mp, name)[milieu]
        return v.item() if hasattr(v, "item") else v


class Session:
    """The runs behind one page and the settings that made them."""

    def __init__(
        self,
        scenario: str = "default",
        arrangement_a: str | None = None,
        arrangement_b: str = DEFAULT_B,
        side_by_side: bool = False,
        seed: int = 0,
        ensemble: Ensemble | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.ensemble = ensemble
        self.drawn: dict[str, Any] | None = None  # the parameter set drawn from the ensemble
        self.scenario = scenario
        self.arrangement_a = arrangement_a
        self.arrangement_b = arrangement_b
        self.side_by_side = side_by_side
        self.seed = int(seed)
        self.overrides: dict[str, Any] = {}
        self.scheduled: list[dict[str, Any]] = []  # a loaded design's events (scenario events)
        self.lang: str | None = None  # the page's language, kept over a reload
        self.owner = ""  # the page that plays the runs (the latest to show them)
        self.team = ""  # the team's name (classroom mode), kept over a reload
        self.milieu = 0
        self.story_hid: int | None = None
        self.last_step_ms = 0.0  # the model's month(s), server side
        self.last_render_ms = 0.0  # drawing the views, server side
        self.notice = ""  # a message for the page (e.g. the run restarted)
        self.last_page_ms = float("nan")  # a played month's page update, server side
        self.last_shown_ms = float("nan")  # a played month, from its step to the browser's frame
        self.play_rate = float("nan")  # months a second the page reaches while playing
        self.stepped_at = 0.0  # when the last month was stepped (epoch seconds; the benchmark)
        self._shown = -1  # the last frame the browser says it has drawn
        self._shown_cv = threading.Condition()
        self.restarts = 0  # how many times the runs were rebuilt
        self._rng = random.Random(self.seed)
        self.runs: list[Run] = []
        self.reset()

    # -- building ------------------------------------------------------------------------------
    @property
    def arrangements(self) -> list[str | None]:
        return (
            [self.arrangement_a, self.arrangement_b] if self.side_by_side else [self.arrangement_a]
        )

    def _watch_rows(self, model: HLMModel) -> np.ndarray | None:
        if model.hh.n <= WATCH_ALL_LIMIT:
            return None
        return np.nonzero(model.hh.milieu == self.milieu)[0]

    def reset(self) -> None:
        """Rebuild the runs at month 0 from the current settings."""
        with self.lock:
            if self.ensemble is not None:
                self.drawn = self.ensemble.param_sets(1, self.seed)[0]
            runs = []
            for arr in self.arrangements:
                scen = build_scenario(self.scenario, arr, self.overrides, self.scheduled)
                run = Run(scen, self.seed, arr, None, self.drawn)
                names = list(run.model.milieu_names)
                for ev in self.scheduled:  # shown like the events triggered on the page
                    where = [names.index(ev["milieu"])] if ev.get("milieu") else range(len(names))
                    run.events.extend((int(ev["month"]), str(ev["kind"]), m) for m in where)
                w = self._watch_rows(run.model)
                if w is not None:
                    run.history = HouseholdHistory(run.model, w)
                runs.append(run)
            self.runs = runs
            self.milieu = min(self.milieu, self.n_milieux - 1)
            self.restarts += 1
            if self.story_hid is None or self.runs[0].history.find_row(self.story_hid) is None:
                self.pick_random_household()

    def configure(self, **settings: Any) -> None:
        """Change scenario, arrangements, side-by-side mode or seed; restarts the runs."""
        allowed = {"scenario", "arrangement_a", "arrangement_b", "side_by_side", "seed"}
        with self.lock:
            for k, v in settings.items():
                if k not in allowed:
                    raise ValueError(f"unknown setting {k!r}")
                setattr(self, k, v)
            if "scenario" in settings:
                self.milieu = 0
                self.story_hid = None
                self.scheduled = []  # a design's events name the milieux of its scenario
            self.seed = int(self.seed)
            self.reset()

    # -- reading -------------------------------------------------------------------------------
    @property
    def model(self) -> HLMModel:
        return self.runs[0].model

    @property
    def t(self) -> int:
        return self.runs[0].t

    @property
    def months(self) -> int:
        return self.model.months

    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def n_milieux(self) -> int:
        return self.model.ms.n

    def milieu_names(self) -> list[str]:
        return list(self.model.milieu_names)

    def households_in(self, milieu: int) -> int:
        return int(self.model.ms.n_households[milieu])

    def arrangement_of(self, run: int = 0) -> tuple[str, bool]:
        """The arrangement of the selected milieu in run ``run``, and whether it is the
        scenario's own (no arrangement chosen on the page)."""
        r = self.runs[run]
        if r.arrangement:
            return r.arrangement, False
        spec = r.scenario.milieux[int(r.model.layout.spec[self.milieu])]
        return spec.arrangement or r.scenario.arrangement, True

    def param_value(self, name: str, run: int = 0) -> Any:
        """A parameter's current value in the selected milieu of run ``run``."""
        return self.runs[run].param(name, self.milieu)

    # -- the browser's pace ---------------------------------------------------------------------
    @property
    def shown_frame(self) -> int:
        """The last frame the browser said it has drawn (a new page numbers its frames on)."""
        return max(self._shown, 0)

    def mark_shown(self, frame: int) -> None:
        """The browser has drawn frame ``frame`` (the page's update counter)."""
        with self._shown_cv:
            self._shown = max(self._shown, int(frame))
            self._shown_cv.notify_all()

    def wait_shown(self, frame: int, timeout: float) -> bool:
        """Wait until the browser has drawn frame ``frame``; False after ``timeout`` seconds."""
        with self._shown_cv:
            return self._shown_cv.wait_for(lambda: self._shown >= frame, timeout)

    # -- acting --------------------------------------------------------------------------------
    def step(self) -> bool:
        """One month in every run. False when the horizon is reached."""
        with self.lock:
            t0 = time.perf_counter()
            stepped = [run.step() for run in self.runs]
            if any(stepped):
                self.last_step_ms = (time.perf_counter() - t0) * 1000
                self.stepped_at = time.time()
            return any(stepped)

    def trigger(self, kind: str, milieu: int | None = None) -> None:
        """An event in ``milieu`` (default: the selected one) of every run, next month."""
        m = self.milieu if milieu is None else milieu
        with self.lock:
            for run in self.runs:
                run.model.trigger(kind, m)
                run.events.append((run.t + 1, kind, m))

    def pending(self) -> list[str]:
        """Kinds of the events triggered for next month (in the first run)."""
        run = self.runs[0]
        return [kind for month, kind, _ in run.events if month == run.t + 1]

    def set_param(self, name: str, value: Any) -> str:
        """Set a lever for every milieu and run. Returns ``"live"`` (applies from next month)
        or ``"restart"`` (the runs were rebuilt at month 0)."""
        if name not in Params.model_fields:
            raise ValueError(f"unknown parameter {name!r}")
        v = coerce(name, value)
        with self.lock:
            self.overrides[name] = v
            if name in LIVE_PARAMS and self.t > 0:
                for run in self.runs:
                    getattr(run.model.mp, name)[:] = v
                return "live"
            self.reset()
            return "restart"

    def restore_defaults(self) -> None:
        """Undo every lever moved on the page: back to the scenario's values (with an ensemble,
        to the parameter set drawn for the seed)."""
        with self.lock:
            self.overrides.clear()
            self.reset()

    def select_milieu(self, milieu: int) -> None:
        with self.lock:
            self.milieu = max(0, min(int(milieu), self.n_milieux - 1))
            for run in self.runs:
                run.history.watch(run.model, self._watch_rows(run.model))
            row = self.runs[0].history.find_row(self.story_hid) if self.story_hid else None
            if row is None or int(self.model.hh.milieu[row]) != self.milieu:
                self.pick_random_household()

    def pick_random_household(self) -> int:
        """Follow a random household now living in the selected milieu (the page's own random
        numbers: the model's are untouched)."""
        rows = np.nonzero(self.model.hh.milieu == self.milieu)[0]
        row = int(rows[self._rng.randrange(len(rows))])
        self.story_hid = int(self.model.hh.hid[row])
        return self.story_hid

    def follow(self, hid: int) -> bool:
        """Follow household ``hid``; False (and nothing changes) when it never lived here."""
        if self.runs[0].history.find_row(int(hid)) is None:
            return False
        self.story_hid = int(hid)
        row = self.runs[0].history.find_row(int(hid))
        m = int(self.model.hh.milieu[row])
        if m != self.milieu:
            self.select_milieu(m)
            self.story_hid = int(hid)
        return True

    def story(self, run: int = 0) -> Story | None:
        if self.story_hid is None:
            return None
        r = self.runs[run]
        return household_story(r.model, r.history, self.story_hid)


# -- designs: what a team chose, as a scenario file ----------------------------------------------

#: The keys of a design file (a scenario file that names a shipped scenario as its ``base``).
DESIGN_KEYS: tuple[str, ...] = ("name", "description", "base", "arrangement", "params", "events")


def session_design(session: Session, name: str = "") -> dict[str, Any]:
    """The design behind run A of ``session``: scenario, arrangement, levers moved and events
    (the scheduled ones and those triggered on the page so far), as scenario-file data."""
    with session.lock:
        run = session.runs[0]
        names = list(run.model.milieu_names)
        events = {(int(ev["month"]), str(ev["kind"]), ev.get("milieu")) for ev in session.scheduled}
        triggered: dict[tuple[int, str], set[int]] = {}
        for month, kind, m in run.events:
            triggered.setdefault((month, kind), set()).add(m)
        for (month, kind), ms in triggered.items():
            if len(ms) == len(names) and len(names) > 1:
                events.add((month, kind, None))
            else:
                events.update((month, kind, names[m]) for m in ms)
        # an event for every milieu covers the same event in one of them
        events = {e for e in events if e[2] is None or (e[0], e[1], None) not in events}
        design: dict[str, Any] = {
            "name": name or "app-design",
            "description": "A design saved by the hlmsim workshop app",
            "base": session.scenario,
        }
        if session.arrangement_a:
            design["arrangement"] = session.arrangement_a
        design["params"] = dict(sorted(session.overrides.items()))
        design["events"] = [
            {"month": mo, "kind": k, **({"milieu": mi} if mi else {})}
            for mo, k, mi in sorted(events, key=lambda e: (e[0], e[1], e[2] or ""))
        ]
        return design


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string


def design_toml(design: dict[str, Any]) -> str:
    """A design as a scenario file (TOML) that ``hlmsim run`` reads as it is."""
    lines = [
        "# A design saved by the hlmsim workshop app: the scenario named in `base`, with this",
        "# arrangement, these levers (every milieu) and these events. Load it in the app, or",
        "# run it with `hlmsim run FILE`.",
    ]
    for k in ("name", "description", "base", "arrangement"):
        if k in design:
            lines.append(f"{k} = {_toml_value(design[k])}")
    lines.append("")
    lines.append("[params]")
    lines += [f"{k} = {_toml_value(v)}" for k, v in design.get("params", {}).items()]
    for ev in design.get("events", []):
        lines += ["", "[[events]]"] + [f"{k} = {_toml_value(v)}" for k, v in ev.items()]
    return "\n".join(lines) + "\n"


def read_design(data: bytes, source: str) -> dict[str, Any]:
    """A design file's content, checked: TOML with only :data:`DESIGN_KEYS`, ``base`` one of
    the app's scenarios, and a valid scenario once merged onto it (levers in range, events in
    its milieux). Bad input raises :class:`InputError` naming ``source`` and the key."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"not a TOML scenario file ({err})", source=source) from None
    for k in raw:
        if k not in DESIGN_KEYS:
            raise InputError(f"unknown key; allowed: {', '.join(DESIGN_KEYS)}", source, k)
    base = raw.get("base")
    if base not in app_scenarios():
        raise InputError(
            f"must name one of the app's scenarios: {', '.join(app_scenarios())}", source, "base"
        )
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise InputError("must be a table of parameter values", source, "params")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "design.toml"
        path.write_bytes(data)
        try:
            load_scenario(path)
        except InputError as err:
            raise InputError(err.detail, source, err.key) from None
    return {k: raw[k] for k in DESIGN_KEYS if k in raw}


def apply_design(session: Session, design: dict[str, Any]) -> None:
    """Set ``session`` to a design (from :func:`read_design`): its scenario, arrangement (A),
    levers and scheduled events; the runs restart at month 0."""
    with session.lock:
        session.scenario = design["base"]
        session.arrangement_a = design.get("arrangement")
        session.overrides = {k: coerce(k, v) for k, v in design.get("params", {}).items()}
        session.scheduled = [dict(ev) for ev in design.get("events", [])]
        session.milieu = 0
        session.story_hid = None
        session.reset()


# -- sessions kept over a page reload ------------------------------------------------------------

#: A session no page has shown for this long is dropped (a reload keeps it well within).
KEEP_SECONDS = 30 * 60


class SessionStore:
    """The sessions of a server by token (the page keeps its token in its address, so that a
    reload finds its run again). Kept in memory only: nothing survives the server."""

    def __init__(self, factory: Any, keep_seconds: float = KEEP_SECONDS) -> None:
        self.factory = factory
        self.keep_seconds = keep_seconds
        self.lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._seen: dict[str, float] = {}
        self._pages: dict[str, int] = {}  # pages showing the session now

    def open(self, token: str | None, now: float | None = None) -> tuple[str, Session]:
        """The session of ``token``, or a new one (with a new token) when it is unknown."""
        now = time.monotonic() if now is None else now
        with self.lock:
            self.prune(now)
            if token and token in self._sessions:
                self._seen[token] = now
                return token, self._sessions[token]
        session = self.factory()
        with self.lock:
            token = secrets.token_urlsafe(12)
            self._sessions[token] = session
            self._seen[token] = now
            return token, session

    def attach(self, token: str) -> None:
        with self.lock:
            self._pages[token] = self._pages.get(token, 0) + 1
            self._seen[token] = time.monotonic()

    def detach(self, token: str, now: float | None = None) -> None:
        with self.lock:
            self._pages[token] = max(self._pages.get(token, 0) - 1, 0)
            self._seen[token] = time.monotonic() if now is None else now

    def prune(self, now: float) -> None:
        """Drop the sessions no page shows that were last seen over ``keep_seconds`` ago."""
        for token in [
            tok
            for tok, seen in self._seen.items()
            if not self._pages.get(tok) and now - seen > self.keep_seconds
        ]:
            self._sessions.pop(token, None)
            self._seen.pop(token, None)
            self._pages.pop(token, None)

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, token: object) -> bool:
        return token in self._sessions
