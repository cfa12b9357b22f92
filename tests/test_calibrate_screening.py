"""A calibration with [screening] lets a Morris screening choose its parameters (issue 13): the
engine screens on the calibration targets and the headline comparison together (each point in
its own worlds, several workers), keeps the screening's table, calibrates the parameters chosen,
keeps them on resume, and a stored screening (``[screening] stored``) is reused as is. The
factors are cut to four of the scenario's assumed parameters to keep the test small."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_calibrate_recovery import OBSERVABLES, synthetic

from hlmsim.calibrate import screening
from hlmsim.calibrate.config import load_calibration
from hlmsim.calibrate.engine import calibrate

#: The factors screened: two that move the synthetic targets strongly, two that barely can.
KEPT = (
    "isolation_threshold",
    "need_give_up_months",
    "crisis_security_loss",
    "senior_isolation_factor",
)


def _screened(path: Path, extra: str = "") -> Path:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("[parameters]")
    path.write_text(
        head
        + "[screening]\ntrajectories = 3\nlevels = 4\nmax_parameters = 2\nseed = 7\n"
        + extra
        + "\n"
        + rest[rest.index("[stopping]") :],
        encoding="utf-8",
    )
    return path


def test_screening_chooses_the_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = screening.assumed_factors
    monkeypatch.setattr(
        screening,
        "assumed_factors",
        lambda scenario: [f for f in real(scenario) if f.name in KEPT],
    )
    path = _screened(synthetic(tmp_path / "in", population=8, generations=1))
    cal = load_calibration(path)
    assert cal.priors == [] and cal.screening is not None
    res = calibrate(cal, tmp_path / "out", workers=2)
    table = pd.read_parquet(tmp_path / "out" / "screening.parquet").set_index("parameter")
    assert set(table.index) == set(KEPT)
    # every calibration target and the headline are the screening's outputs
    for name in (*OBSERVABLES, "headline"):
        assert f"mu_star_{name}" in table.columns
    chosen = [p.name for p in res.priors]
    assert chosen == list(table[table["selected"]].sort_values("rank").index)
    # the isolation target's strongest; at most the cap, and only effects above the noise
    assert 1 <= len(chosen) <= 2 and "isolation_threshold" in chosen
    assert "crisis_security_loss" not in chosen  # moves the sense of security only
    assert set(chosen) <= set(res.posterior.columns)
    assert res.metadata["priors"][0]["name"] == chosen[0]

    # resumed: the parameters chosen are kept, not screened again
    monkeypatch.setattr(screening, "assumed_factors", lambda scenario: 1 / 0)
    again = calibrate(load_calibration(path), tmp_path / "out", resume=True)
    pd.testing.assert_frame_equal(again.posterior, res.posterior)

    # stored: a new calibration reuses the table as is (no screening), and keeps it
    stored = tmp_path / "in" / "screen.parquet"
    table.reset_index().to_parquet(stored)
    text = path.read_text(encoding="utf-8")
    text = text.replace("seed = 7\n", 'seed = 7\nstored = "screen.parquet"\n')
    path.write_text(text, encoding="utf-8")
    third = calibrate(load_calibration(path), tmp_path / "third")
    assert [p.name for p in third.priors] == chosen and len(third.posterior) == 8
    assert (tmp_path / "third" / "screening.parquet").exists()
