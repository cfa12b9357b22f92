"""Sweeps over a calibrated ensemble (issue 13): with ``ensemble = FILE|calibrated``, replication
r of every sample point and arrangement runs on the ensemble's r-th drawn parameter set (common
random numbers: the same set and seed across points and arrangements); the experiment's own
values win over the drawn ones; a bad ensemble is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sweep import experiment

from hlmsim.calibrate.posterior import write_ensemble
from hlmsim.sweep.cli import main as sweep_main
from hlmsim.sweep.engine import build_plan, sweep
from hlmsim.sweep.experiment import load_experiment

BODY = """
ensemble = "ens.parquet"
arrangements = ["ciusss_social_worker", "services_as_usual"]
replications = 3
outcomes = ["needs_met"]
[sampler]
method = "factorial"
seed = 5
[parameters]
trust_gain_per_contact = [0.02, 0.08]
"""


def _ensemble(folder: Path) -> Path:
    values = pd.DataFrame(
        {
            "need_give_up_months": [6.0, 12.0, 30.0, 48.0],
            "trust_gain_per_contact": [0.01, 0.02, 0.03, 0.04],
        }
    )
    meta = {
        "scenario": "default",
        "hlmsim_version": "test",
        "catalogue_hash": "x",
        "command": "test",
    }
    return write_ensemble(values, np.array([1.0, 2.0, 3.0, 4.0]), meta, folder / "ens.parquet")


def test_replications_draw_their_parameters_from_the_ensemble(tmp_path: Path) -> None:
    _ensemble(tmp_path)
    exp = load_experiment(experiment(tmp_path, BODY))
    sets = exp.param_sets()
    assert sets is not None and len(sets) == 3
    assert sets == load_experiment(experiment(tmp_path, BODY)).param_sets()  # reproducible
    plan = build_plan(exp)
    for row in plan.runs.itertuples():
        scen = plan.scenarios[row.run_key]
        drawn = sets[row.replication]
        # the drawn set applies, the experiment's factor wins over the ensemble's value
        assert scen.params["need_give_up_months"] == drawn["need_give_up_months"]
        assert scen.params["trust_gain_per_contact"] == row.trust_gain_per_contact
    # common random numbers: replication r has one seed and one set for every point and arm
    by_rep = plan.runs.groupby("replication")["seed"].nunique()
    assert (by_rep == 1).all()
    # without the ensemble, other runs (another experiment hash and other run keys)
    plain = load_experiment(experiment(tmp_path, BODY.replace('ensemble = "ens.parquet"', "")))
    assert plain.param_sets() is None and plain.hash != exp.hash
    assert set(build_plan(plain).runs["run_key"]).isdisjoint(plan.runs["run_key"])

    res = sweep(exp, tmp_path / "out", workers=1)
    assert len(res) == 2 * 2 * 3 and (res["status"] == "ok").all()
    meta = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert meta["ensemble"]["sets"] == 4 and meta["ensemble"]["reference"] == "ens.parquet"


@pytest.mark.parametrize(
    ("ref", "words"),
    [("missing.parquet", "no such ensemble file"), ("small.toml", "not a Parquet")],
)
def test_a_bad_ensemble_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str, words: str
) -> None:
    path = experiment(tmp_path, BODY.replace("ens.parquet", ref))
    assert sweep_main([str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(path) in err and "ensemble" in err and words in err, err
    assert not (tmp_path / "out").exists()
