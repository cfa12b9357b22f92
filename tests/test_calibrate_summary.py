"""The posterior summary: weighted intervals, identification, correlated pairs, predictive check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hlmsim.calibrate.config import Prior
from hlmsim.calibrate.summary import (
    correlated_pairs,
    draw_particles,
    effective_sample_size,
    parameter_summary,
    predictive_check,
    weighted_quantile,
)


def _posterior(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(0.5, 0.02, n)  # narrow: identified on [0, 1]
    b = rng.uniform(0, 10, n)  # the prior itself: not identified
    c = 2 * a + rng.normal(0, 0.01, n)  # moves with a
    old = pd.DataFrame(
        {
            "generation": 0,
            "weight": 1.0,
            "a": rng.uniform(0, 1, n),
            "b": rng.uniform(0, 10, n),
            "c": rng.uniform(0, 2, n),
        }
    )
    new = pd.DataFrame(
        {"generation": 3, "weight": rng.uniform(0.5, 1.5, n), "a": a, "b": b, "c": c}
    )
    return pd.concat([old, new], ignore_index=True)


PRIORS = [Prior("a", "uniform", 0, 1), Prior("b", "uniform", 0, 10), Prior("c", "uniform", 0, 2)]


def test_weighted_quantile():
    x = np.array([3.0, 1.0, 2.0])
    w = np.array([1.0, 1.0, 2.0])
    # mid-points of the weights: 1 at 1/8, 2 at 1/2, 3 at 7/8, linear in between
    assert weighted_quantile(x, w, [0.5])[0] == 2.0
    assert weighted_quantile(x, w, [0.125, 0.875, 0.05, 0.99]).tolist() == [1.0, 3.0, 1.0, 3.0]
    assert weighted_quantile(x, w, [0.3125])[0] == pytest.approx(1.5)
    assert np.isnan(weighted_quantile(x, np.zeros(3), [0.5])[0])


def test_identified_only_where_the_evidence_narrows():
    s = parameter_summary(_posterior(), PRIORS).set_index("parameter")
    assert s.loc["a", "identified"] and s.loc["c", "identified"]
    assert not s.loc["b", "identified"]
    assert s.loc["b", "width_ratio"] == pytest.approx(0.9, abs=0.05)  # a flat posterior: 90%
    assert s.loc["a", "q05"] < 0.5 < s.loc["a", "q95"]
    assert s.loc["a", "mean"] == pytest.approx(0.5, abs=0.005)


def test_log_prior_widths_on_the_log_scale():
    p = Prior("x", "loguniform", 1.0, 100.0)
    rng = np.random.default_rng(1)
    x = np.exp(rng.uniform(np.log(1), np.log(100), 5000))
    post = pd.DataFrame({"generation": 0, "weight": 1.0, "x": x})
    s = parameter_summary(post, [p]).iloc[0]
    assert s["width_ratio"] == pytest.approx(0.9, abs=0.05)
    assert not s["identified"]
    assert p.quantile(0.5) == pytest.approx(10.0)


def test_correlated_pairs_finds_the_pinned_combination():
    pairs = correlated_pairs(_posterior(), PRIORS)
    assert pairs[0][:2] == ("a", "c") and pairs[0][2] > 0.8
    assert all({"b"} & {p, q} == set() for p, q, _ in pairs)


def test_draws_follow_the_weights_and_the_seed():
    post = pd.DataFrame({"generation": 1, "weight": [0.0, 1.0, 0.0], "a": [1.0, 2.0, 3.0]})
    d = draw_particles(post, 50, seed=3)
    assert list(d.columns) == ["a"] and (d["a"] == 2.0).all()
    big = _posterior()
    assert draw_particles(big, 20, 5).equals(draw_particles(big, 20, 5))
    assert not draw_particles(big, 20, 5).equals(draw_particles(big, 20, 6))


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)


def test_predictive_check_coverage():
    sim = pd.DataFrame({"t1": np.linspace(0, 1, 101), "t2": np.linspace(5, 6, 101)})
    targets = {
        "t1": ("calibration", 0.5, 0.4, 0.6),
        "t2": ("validation", 1.0, 0.5, 1.5),
        "absent": ("validation", 1.0, 0.0, 2.0),
    }
    pc = predictive_check(sim, targets).set_index("target")
    assert list(pc.index) == ["t1", "t2"]
    assert pc.loc["t1", "covered"] and not pc.loc["t2", "covered"]
    assert pc.loc["t1", "share_inside"] == pytest.approx(21 / 101)
    assert pc.loc["t2", "share_inside"] == 0.0


def test_time_left_grows_as_acceptance_falls():
    """The time left after a generation: the last generation's time for each generation still
    allowed, divided once more by the last fall of acceptance for each (the shipped
    calibration's generations took 44, 72, 96, 127, 167 and 213 s as acceptance fell from 49% to
    10%; a mean of past generations said "at most 2 min" before a sixth of 3.5 min)."""
    from hlmsim.calibrate.engine import seconds_left

    assert seconds_left([100.0], [0.5], 0) == 0.0
    assert seconds_left([], [], 3) == 0.0
    assert seconds_left([100.0], [0.5], 2) == 200.0  # one generation: no trend yet
    # acceptance halved: each next generation twice as long as the one before
    assert seconds_left([100.0, 120.0], [0.4, 0.2], 2) == 120.0 * 2 + 120.0 * 4
    # acceptance rising, or falling steeply: the ratio is kept within [1/3, 1]
    assert seconds_left([100.0, 120.0], [0.2, 0.3], 1) == 120.0
    assert seconds_left([100.0, 120.0], [0.9, 0.1], 1) == 360.0
    # the shipped calibration after its fifth generation (167 s): the sixth took 213 s
    left = seconds_left([167.0], [0.193, 0.124], 1)
    assert 200 < left < 300


def test_progress_lines_say_the_time_left_then_the_last_generation(tmp_path, capsys):
    """`hlmsim calibrate` prints one line a generation: about how long is left while more
    generations are allowed, and that it is the last one at the last (not "0 s left")."""
    from test_calibrate_recovery import synthetic

    from hlmsim.cli import main

    checks = "[checks]\npredictive_draws = 2\npattern_draws = 0\n"
    path = synthetic(tmp_path / "in", population=10, generations=2, extra=checks)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 0
    lines = [x for x in capsys.readouterr().err.splitlines() if ": generation " in x]
    assert len(lines) == 2, lines
    assert lines[0].endswith(" left") and "about " in lines[0]
    assert lines[1].endswith("; the last one allowed"), lines[1]
