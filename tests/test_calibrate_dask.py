"""Parallel samplers give valid posteriors: a Dask LocalCluster (as ``--scheduler`` does) and a
local pool of worker processes (issue 13). They accept particles as they finish, so their
posteriors are equivalent to, not identical with, a one-worker run's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_calibrate_recovery import synthetic

from hlmsim.calibrate.config import load_calibration
from hlmsim.calibrate.engine import CalibrationResult, calibrate


def _check_valid(res: CalibrationResult, population: int, generations: int) -> None:
    post = res.posterior
    assert sorted(post["generation"].unique()) == list(range(generations))
    for _, g in post.groupby("generation"):
        assert len(g) == population
        assert np.isclose(g["weight"].sum(), 1.0)
        assert (g["weight"] > 0).all()
    for p in res.priors:
        assert post[p.name].between(p.low, p.high).all(), p.name
    gens = res.generations
    assert len(gens) == generations
    assert (np.diff(gens["epsilon"]) <= 0).all()
    assert gens["acceptance_rate"].between(0, 1).all()


@pytest.mark.slow
def test_dask_local_cluster(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    path = synthetic(tmp_path / "in", population=10, generations=2, seed=2)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        res = calibrate(load_calibration(path), tmp_path / "out", scheduler=client)
    _check_valid(res, 10, 2)
    meta = json.loads((tmp_path / "out" / "meta.json").read_text(encoding="utf-8"))
    assert meta["executor"] == "dask" and meta["state"] == "complete"


@pytest.mark.slow
def test_local_worker_pool(tmp_path: Path) -> None:
    path = synthetic(tmp_path / "in", population=10, generations=2, seed=2)
    res = calibrate(load_calibration(path), tmp_path / "out", workers=2, sampler="multicore")
    _check_valid(res, 10, 2)
    assert res.metadata["executor"] == "2 worker(s), multicore sampler"


@pytest.mark.slow
def test_batch_sampler_on_two_workers_is_the_one_worker_calibration(tmp_path: Path) -> None:
    """The batch sampler simulates each batch on the workers with the batch's own seeds: the
    posterior is the one-worker posterior, to the bit."""
    path = synthetic(tmp_path / "in", population=10, generations=2, seed=2)
    one = calibrate(load_calibration(path), tmp_path / "one", workers=1)
    two = calibrate(load_calibration(path), tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(one.posterior, two.posterior)
    assert two.metadata["executor"] == "2 worker(s), batch sampler"
