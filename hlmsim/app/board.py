"""The classroom board (``hlmsim app --classroom``): the designs teams submit, replayed in the
same worlds and ranked with intervals (no Solara here: plain, unit-tested logic).

A team submits its design (scenario, arrangement, levers, events: :func:`session_design`) and
its own ten-year outcomes (the design run to the horizon on the team's seed). The board replays
every design on the same seed with :data:`REPLICATIONS` replicates (one :class:`HLMModel` with
``replicates``, as ``hlmsim compare`` runs its batches): the model draws households and needs
identically whatever the design, so replicate ``r`` of every design faces the same world and the
comparison is paired. When the app runs on a calibrated ensemble (``hlmsim app --ensemble``),
replicate ``r`` of every design also runs on the ensemble's ``r``-th parameter set drawn for the
board's seed, so the ranking carries the parameters' uncertainty as ``hlmsim compare --ensemble``
does, and a team's own run is the one its page showed (on the set drawn for its seed). Ranks
come from :func:`hlmsim.uncertainty.rank_table` (ties shared); the
leaders of an outcome are the designs whose paired 95% interval against the best mean includes
no difference in its favour: a single design is called best only when every other is clearly
behind it. Everything lives in memory; :meth:`Board.csv` is the only thing that leaves it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import HLMModel
from ..outcomes import KEY_OUTCOMES, final_values
from ..replication import mean_ci, overall_series
from ..uncertainty import rank_table
from .session import build_scenario

if TYPE_CHECKING:
    from ..calibrate.posterior import Ensemble

#: The seed of the board's replays (the same for every design: common random numbers).
BOARD_SEED = 1000
#: Replicates per design on the board (each a world every design faces).
REPLICATIONS = 5
#: The outcomes the board ranks (final-year values over every milieu, ten years).
BOARD_OUTCOMES: tuple[str, ...] = (
    "needs_met",
    "needs_unmet",
    "trust_worker",
    "inter_org_trust",
    "isolation",
    "cost",
)
#: Longest team name kept.
TEAM_MAX = 40


def clean_team(name: str) -> str:
    """A team's name as shown: spaces collapsed, at most :data:`TEAM_MAX` characters; an empty
    name is refused."""
    text = " ".join(str(name).split())[:TEAM_MAX]
    if not text:
        raise InputError("a team needs a name", key="team")
    return text


def design_scenario(design: dict[str, Any]) -> Any:
    """The scenario a design describes (as the app builds it: levers over every milieu)."""
    return build_scenario(
        design["base"], design.get("arrangement"), design.get("params") or {}, design.get("events")
    )


def run_finals(
    design: dict[str, Any],
    seed: int,
    replicates: int = 1,
    param_sets: list[dict[str, Any]] | None = None,
) -> dict[str, np.ndarray]:
    """Final-year values of the board's outcomes, one per replicate, for ``design`` run to its
    horizon on ``seed`` (each replicate on its own parameter set of ``param_sets``, if given:
    the design's levers apply over it, as on the page)."""
    model = HLMModel(
        design_scenario(design),
        seed=seed,
        agents=False,
        replicates=replicates,
        param_sets=param_sets,
    )
    model.run()
    finals = final_values(overall_series(model), BOARD_OUTCOMES)
    return {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in finals.items()}


@dataclass
class Submission:
    team: str
    design: dict[str, Any]
    own: dict[str, float]  # the team's own run, ten years, on its seed
    seed: int
    at: float = field(default_factory=time.time)
    replay: dict[str, np.ndarray] | None = None  # the board's replays (REPLICATIONS each)
    error: str = ""


class Board:
    """The submitted designs, by team (a team submitting again replaces its design), and their
    replays, run one after the other in a background thread."""

    def __init__(
        self,
        seed: int = BOARD_SEED,
        replications: int = REPLICATIONS,
        ensemble: Ensemble | None = None,
    ) -> None:
        self.seed = seed
        self.replications = replications
        self.ensemble = ensemble
        #: The parameter set of each replicate (drawn from the ensemble for the board's seed),
        #: the same for every design; None: the scenario's own parameters.
        self.param_sets = None if ensemble is None else ensemble.param_sets(replications, seed)
        self.lock = threading.Lock()
        self.subs: dict[str, Submission] = {}
        self.version = 0  # bumped at each change (the board's page redraws on it)
        self._work = threading.Condition(self.lock)
        self._thread: threading.Thread | None = None
        self._ranking: tuple[int, pd.DataFrame] | None = None  # (version, table)

    # -- submitting -----------------------------------------------------------------------------
    def submit(
        self, team: str, design: dict[str, Any], seed: int, own: dict[str, float] | None = None
    ) -> Submission:
        """Record a team's design and its own ten-year outcomes (computed here when not given),
        and queue its replay."""
        name = clean_team(team)
        if own is None:
            own = {k: float(v[0]) for k, v in run_finals(design, seed).items()}
        sub = Submission(name, {**design, "name": name}, own, int(seed))
        with self.lock:
            self.subs.pop(name, None)  # a new submission moves to the end
            self.subs[name] = sub
            self.version += 1
            self._work.notify_all()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._replay_loop, daemon=True)
                self._thread.start()
        return sub

    def _replay_loop(self) -> None:
        while True:
            with self.lock:
                todo = next(
                    (s for s in self.subs.values() if s.replay is None and not s.error), None
                )
                if todo is None:
                    self._thread = None
                    return
            try:
                replay = run_finals(todo.design, self.seed, self.replications, self.param_sets)
                error = ""
            except Exception as err:  # a design that cannot run is shown as such, not fatal
                replay, error = None, str(err) or type(err).__name__
            with self.lock:
                if self.subs.get(todo.team) is todo:
                    todo.replay, todo.error = replay, error
                    self.version += 1

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until every submission is replayed (tests, the export); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(s.replay is not None or s.error for s in self.subs.values()):
                    return True
            time.sleep(0.05)
        return False

    @property
    def ensemble_name(self) -> str:
        """The file name of the ensemble the replays draw their parameters from ('' without)."""
        if self.ensemble is None:
            return ""
        return str(self.ensemble.source).replace("\\", "/").rsplit("/", 1)[-1]

    # -- reading --------------------------------------------------------------------------------
    def snapshot(self) -> list[Submission]:
        with self.lock:
            return list(self.subs.values())

    def finals(self) -> pd.DataFrame:
        """One row per (replayed design, replicate): ``arrangement`` (the team), ``replication``
        and the outcomes, as ``hlmsim.compare`` lays out its finals."""
        rows = []
        for sub in self.snapshot():
            if sub.replay is None:
                continue
            for r in range(self.replications):
                rows.append(
                    {
                        "arrangement": sub.team,
                        "replication": r,
                        "seed": self.seed,
                        **{k: float(sub.replay[k][r]) for k in BOARD_OUTCOMES},
                    }
                )
        return pd.DataFrame(rows)

    def ranking(self) -> pd.DataFrame:
        """Per (outcome, team): mean and 95% interval over the replicates, the rank table's
        columns (``p_best``, ``mean_rank``, ``regret``...), the paired interval of the
        difference to the best mean (``gap``, ``gap_low``, ``gap_high``, in the outcome's
        better direction: positive is behind) and ``leader`` (True for the designs the
        intervals cannot separate from the best, the best included). Computed once per
        version of the board (the page and its export read it on every redraw)."""
        version = self.version
        cached = self._ranking
        if cached is not None and cached[0] == version:
            return cached[1].copy()
        table = self._rank()
        self._ranking = (version, table)
        return table.copy()

    def _rank(self) -> pd.DataFrame:
        finals = self.finals()
        if finals.empty:
            return pd.DataFrame()
        teams = list(dict.fromkeys(finals["arrangement"]))
        ranks = rank_table(finals, teams, BOARD_OUTCOMES).set_index(["outcome", "arrangement"])
        rows = []
        for outcome in BOARD_OUTCOMES:
            direction = KEY_OUTCOMES[outcome]
            wide = finals.pivot(index="replication", columns="arrangement", values=outcome)[teams]
            means = wide.mean()
            best = (means * direction).idxmax()
            for team in teams:
                m, lo, hi, _ = mean_ci(wide[team].to_numpy())
                gap = direction * (wide[best] - wide[team]).to_numpy()
                g, glo, ghi, _ = mean_ci(gap)
                # tied with the best unless the paired interval says it is behind
                behind = team != best and (
                    (math.isfinite(glo) and glo > 0) or (not math.isfinite(glo) and g > 0)
                )
                rows.append(
                    {
                        "outcome": outcome,
                        "team": team,
                        "mean": m,
                        "low": lo,
                        "high": hi,
                        "gap": g,
                        "gap_low": glo,
                        "gap_high": ghi,
                        "leader": not behind,
                        **ranks.loc[(outcome, team)].to_dict(),
                    }
                )
        out = pd.DataFrame(rows)
        out["order"] = out.apply(lambda r: -KEY_OUTCOMES[r["outcome"]] * r["mean"], axis=1)
        return out.sort_values(["outcome", "order"], key=_outcome_order).drop(columns="order")

    def leaders(self, outcome: str) -> tuple[list[str], bool]:
        """The designs at the top of ``outcome`` (the best mean and those the intervals cannot
        separate from it) and whether the top is a single design clearly ahead of all others
        (never True with one replicate or a single design)."""
        table = self.ranking()
        if table.empty:
            return [], False
        sub = table[table["outcome"] == outcome]
        top = list(sub.loc[sub["leader"], "team"])
        clear = len(top) == 1 and len(sub) > 1 and self.replications > 1
        return top, clear

    def csv(self) -> str:
        """The export: one row per team and outcome (design, the team's own run, the board's
        replays with intervals and ranks)."""
        table = self.ranking()
        subs = {s.team: s for s in self.snapshot()}
        buf = io.StringIO()
        cols = [
            "team",
            "base",
            "arrangement",
            "params",
            "events",
            "outcome",
            "own_run",
            "mean",
            "low",
            "high",
            "p_best",
            "mean_rank",
            "leader",
            "replications",
            "seed",
            "ensemble",
        ]
        w = csv.writer(buf)
        w.writerow(cols)
        for team, sub in subs.items():
            for outcome in BOARD_OUTCOMES:
                row = (
                    table[(table["outcome"] == outcome) & (table["team"] == team)]
                    if not table.empty
                    else table
                )
                r = row.iloc[0].to_dict() if len(row) else {}
                w.writerow(
                    [
                        _cell(team),
                        sub.design.get("base", ""),
                        sub.design.get("arrangement") or "",
                        json.dumps(sub.design.get("params") or {}, sort_keys=True),
                        json.dumps(sub.design.get("events") or []),
                        outcome,
                        _num(sub.own.get(outcome)),
                        _num(r.get("mean")),
                        _num(r.get("low")),
                        _num(r.get("high")),
                        _num(r.get("p_best")),
                        _num(r.get("mean_rank")),
                        r.get("leader", ""),
                        self.replications,
                        self.seed,
                        self.ensemble_name,
                    ]
                )
        return buf.getvalue()


def _cell(text: str) -> str:
    """A text cell that a spreadsheet will not read as a formula (a team's name is typed by
    anyone with the code)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _num(v: Any) -> str:
    if v is None:
        return ""
    v = float(v)
    return "" if not math.isfinite(v) else f"{v:.6g}"


def _outcome_order(col: pd.Series) -> pd.Series:
    if col.name == "outcome":
        return col.map({k: i for i, k in enumerate(BOARD_OUTCOMES)})
    return col
