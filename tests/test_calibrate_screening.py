"""A calibration with [screening] lets the screening choose its parameters (issue 13). The
screening (``hlmsim.calibrate.screening``) is stood in for by a stub with the agreed interface,
so that this tests the engine's side: the evaluator it is given, the priors it returns, the
screening's table kept, and a resumed calibration that keeps the parameters chosen."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_calibrate_recovery import OBSERVABLES, synthetic

import hlmsim.calibrate
from hlmsim.calibrate.config import load_calibration
from hlmsim.calibrate.engine import calibrate


@dataclass
class _Result:
    selected: list[str]
    table: pd.DataFrame


def _stub(calls: list[Any]) -> types.ModuleType:
    mod = types.ModuleType("hlmsim.calibrate.screening")

    def assumed_factors(scenario: Any) -> list[str]:
        return ["isolation_threshold", "worker_contacts_per_fte_month", "peer_learning"]

    def headline_evaluator(scenario: Any, months: int, replications: int) -> Any:
        def evaluate(points: list[dict[str, Any]], seed: int) -> pd.DataFrame:
            return pd.DataFrame({"needs_met_gain": [0.0] * len(points)})

        return evaluate

    def screen(factors, evaluate, *, trajectories, levels, seed, max_parameters, workers=1,
               progress=None):  # fmt: skip
        frame = evaluate([{}, {"isolation_threshold": 0.25}], seed)
        calls.append((list(factors), trajectories, levels, max_parameters, frame))
        selected = ["isolation_threshold", "worker_contacts_per_fte_month"]
        table = pd.DataFrame({"parameter": factors, "mu_star": [3.0, 2.0, 0.1]})
        return _Result(selected=selected, table=table)

    mod.assumed_factors = assumed_factors  # type: ignore[attr-defined]
    mod.headline_evaluator = headline_evaluator  # type: ignore[attr-defined]
    mod.screen = screen  # type: ignore[attr-defined]
    return mod


def test_screening_chooses_the_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    calls: list[Any] = []
    mod = _stub(calls)
    monkeypatch.setitem(sys.modules, "hlmsim.calibrate.screening", mod)
    monkeypatch.setattr(hlmsim.calibrate, "screening", mod, raising=False)
    path = synthetic(tmp_path / "in", population=8, generations=1)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("[parameters]")
    path.write_text(
        head
        + "[screening]\ntrajectories = 3\nlevels = 4\nmax_parameters = 2\nseed = 7\n\n"
        + rest[rest.index("[stopping]") :],
        encoding="utf-8",
    )
    cal = load_calibration(path)
    assert cal.priors == [] and cal.screening is not None
    res = calibrate(cal, tmp_path / "out")
    (factors, trajectories, levels, max_parameters, frame) = calls[0]
    assert (trajectories, levels, max_parameters) == (3, 4, 2)
    assert list(frame.columns) == [*OBSERVABLES, "needs_met_gain"]
    assert len(frame) == 2 and frame[list(OBSERVABLES)].notna().all().all()
    assert [p.name for p in res.priors] == ["isolation_threshold", "worker_contacts_per_fte_month"]
    assert {"isolation_threshold", "worker_contacts_per_fte_month"} <= set(res.posterior.columns)
    assert (tmp_path / "out" / "screening.parquet").exists()
    assert res.metadata["priors"][0]["name"] == "isolation_threshold"

    again = calibrate(load_calibration(path), tmp_path / "out", resume=True)
    assert len(calls) == 1  # the parameters chosen are kept, not screened again
    pd.testing.assert_frame_equal(again.posterior, res.posterior)
