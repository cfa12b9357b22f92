"""The Morris screening that chooses the parameters to calibrate (hlmsim.calibrate.screening)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hlmsim.calibrate import screening as scr
from hlmsim.calibrate.screening import Factor
from hlmsim.errors import InputError
from hlmsim.params import field_meta, is_assumption

#: Synthetic factors: "a" and "b" matter strongly, "c" weakly (a fifth of "a"), "d" to "h" not.
FACTORS = [
    Factor("a", 0.0, 1.0),
    Factor("b", 1.0, 100.0, log=True),
    Factor("c", -1.0, 1.0),
    *[Factor(n, 0.0, 10.0) for n in "defgh"],
]


def synthetic(points: list[dict[str, float]]) -> pd.DataFrame:
    """Two outputs on very different scales: y1 (units) driven by a and c, y2 (thousands) by b.
    Module-level, so that a process pool can pickle it."""
    a = np.array([p["a"] for p in points])
    b = np.array([math.log10(p["b"]) / 2 for p in points])  # 0..1 over the log range
    c = np.array([(p["c"] + 1) / 2 for p in points])
    return pd.DataFrame({"y1": 5.0 * a + 1.0 * c + 3.0, "y2": 4000.0 * b**2})


def test_selection_finds_the_parameters_that_matter() -> None:
    res = scr.screen(FACTORS, synthetic, trajectories=6, seed=1)
    t = res.table.set_index("parameter")
    assert res.outputs == ["y1", "y2"]
    # both outputs weigh alike despite their scales: a and b top their own output
    assert t.loc["a", "score"] == pytest.approx(1.0)
    assert t.loc["b", "score"] == pytest.approx(1.0)
    assert t.loc["c", "score"] == pytest.approx(0.2)
    assert (t.loc[list("defgh"), "score"] == 0).all()
    assert set(res.selected) == {"a", "b", "c"}
    assert res.selected[-1] == "c"  # by rank
    assert res.fixed == list("defgh")
    assert t.loc["a", "driver"] == "y1" and t.loc["b", "driver"] == "y2"
    assert list(t.loc[res.selected, "rank"]) == [1, 2, 3]
    for col in ("mu_star_y1", "sigma_y1", "mu_star_y2", "sigma_y2", "score", "rank", "selected"):
        assert col in res.table.columns
    # y1 is linear in a: every elementary effect is 5 per whole range
    assert t.loc["a", "mu_star_y1"] == pytest.approx(5.0)
    assert t.loc["a", "sigma_y1"] == pytest.approx(0.0, abs=1e-9)
    # the points are the design, with the outputs
    assert len(res.points) == 6 * (len(FACTORS) + 1)
    assert res.settings["points"] == len(res.points)


def test_floor_leaves_out_weak_parameters_and_max_caps() -> None:
    high_floor = scr.screen(FACTORS, synthetic, trajectories=6, seed=1, floor=0.5)
    assert set(high_floor.selected) == {"a", "b"}  # c (0.2) is below the floor
    capped = scr.screen(FACTORS, synthetic, trajectories=6, seed=1, max_parameters=1)
    assert len(capped.selected) == 1 and capped.selected[0] in {"a", "b"}
    assert len(capped.fixed) == len(FACTORS) - 1
    no_floor = scr.screen(FACTORS, synthetic, trajectories=6, seed=1, floor=0.0)
    assert set(no_floor.selected) == {"a", "b", "c"}  # inert parameters (score 0) never


def test_constant_output_counts_for_nothing() -> None:
    def with_constant(points: list[dict[str, float]]) -> pd.DataFrame:
        out = synthetic(points)
        out["flat"] = 7.0
        return out

    res = scr.screen(FACTORS, with_constant, trajectories=4, seed=2)
    assert res.settings["constant_outputs"] == ["flat"]
    assert (res.table["mu_star_flat"] == 0).all()
    assert set(res.selected) == {"a", "b", "c"}


def test_calls_are_steps_of_the_trajectories() -> None:
    """Call k holds the k-th point of every trajectory: consecutive calls differ in one factor
    per position, so an evaluator seeded alike in every call pairs each elementary effect."""
    calls: list[list[dict[str, float]]] = []

    def record(points: list[dict[str, float]]) -> pd.DataFrame:
        calls.append(points)
        return synthetic(points)

    scr.screen(FACTORS, record, trajectories=3, seed=0)
    assert len(calls) == len(FACTORS) + 1
    assert all(len(c) == 3 for c in calls)
    for k in range(len(calls) - 1):
        for t in range(3):
            changed = [n for n in calls[k][t] if calls[k][t][n] != calls[k + 1][t][n]]
            assert len(changed) == 1


def other_output(points: list[dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"y3": [p["d"] for p in points]})


def test_combined_evaluators() -> None:
    both = scr.combine(synthetic, other_output)
    res = scr.screen(FACTORS, both, trajectories=4, seed=1)
    assert res.outputs == ["y1", "y2", "y3"]
    assert set(res.selected) == {"a", "b", "c", "d"}
    with pytest.raises(ValueError, match="y1"):
        scr.screen(FACTORS, scr.combine(synthetic, synthetic), trajectories=2)


def test_deterministic_by_seed_and_workers() -> None:
    one = scr.screen(FACTORS, synthetic, trajectories=4, seed=3)
    again = scr.screen(FACTORS, synthetic, trajectories=4, seed=3)
    pd.testing.assert_frame_equal(one.table, again.table)
    pd.testing.assert_frame_equal(one.points, again.points)
    other = scr.screen(FACTORS, synthetic, trajectories=4, seed=4)
    assert not one.points[["a", "b"]].equals(other.points[["a", "b"]])


@pytest.mark.slow
def test_workers_do_not_change_the_result() -> None:
    one = scr.screen(FACTORS, synthetic, trajectories=4, seed=3)
    two = scr.screen(FACTORS, synthetic, trajectories=4, seed=3, workers=2)
    pd.testing.assert_frame_equal(one.table, two.table)


def test_save_load_round_trip(tmp_path) -> None:
    res = scr.screen(FACTORS, synthetic, trajectories=3, seed=5)
    scr.save(res, tmp_path / "s")
    back = scr.load(tmp_path / "s")
    pd.testing.assert_frame_equal(res.table, back.table)
    pd.testing.assert_frame_equal(res.points, back.points)
    assert (back.selected, back.fixed, back.outputs) == (res.selected, res.fixed, res.outputs)
    assert back.settings == res.settings
    assert not list((tmp_path / "s").glob(".*.tmp"))
    with pytest.raises(InputError, match="no screening"):
        scr.load(tmp_path / "nothing")


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="twice"):
        scr.screen([Factor("a", 0, 1), Factor("a", 0, 2)], synthetic)
    with pytest.raises(InputError, match="low < high"):
        scr.screen([Factor("a", 1, 1)], synthetic)
    with pytest.raises(InputError, match="low > 0"):
        scr.screen([Factor("a", 0, 1, log=True)], synthetic)
    with pytest.raises(InputError, match="trajectories"):
        scr.screen(FACTORS, synthetic, trajectories=1)

    def short(points: list[dict[str, float]]) -> pd.DataFrame:
        return synthetic(points).iloc[:-1]

    with pytest.raises(ValueError, match="rows"):
        scr.screen(FACTORS, short, trajectories=2)

    def infinite(points: list[dict[str, float]]) -> pd.DataFrame:
        out = synthetic(points)
        out.loc[0, "y2"] = np.inf
        return out

    with pytest.raises(ValueError, match="y2"):
        scr.screen(FACTORS, infinite, trajectories=2)


def test_undefined_output_counts_for_nothing() -> None:
    """An output the model leaves undefined at some point (a share of nothing) is listed and
    scores nothing; the other outputs still choose."""

    def with_gap(points: list[dict[str, float]]) -> pd.DataFrame:
        out = synthetic(points)
        out["gap"] = [math.nan if p["c"] > 0.5 else p["c"] for p in points]
        return out

    res = scr.screen(FACTORS, with_gap, trajectories=4, seed=2)
    assert res.settings["undefined_outputs"] == ["gap"]
    assert res.table["mu_star_gap"].isna().all()
    assert res.selected == scr.screen(FACTORS, synthetic, trajectories=4, seed=2).selected


def test_assumed_factors_follow_the_schema() -> None:
    factors = scr.assumed_factors("default")
    names = [f.name for f in factors]
    assert len(names) == len(set(names)) > 100
    for f in factors:
        meta = field_meta(f.name)
        assert is_assumption(meta["source"]) and not meta["lever"]
        assert (f.low, f.high) == meta["plausible"]
        assert f.log == (f.low > 0 and f.high >= 4 * f.low * (1 - 1e-9))
    assert "worker_fte" not in names  # a lever
    assert "worker_turnover_annual" not in names  # an arrangement preset's setting
    assert "worker_contacts_per_fte_month" not in names  # sourced
    assert "need_give_up_months" in names
    # a parameter every milieu sets itself cannot be varied by a parameter set
    from hlmsim.scenario import load_scenario

    scen = load_scenario("default")
    data = scen.model_dump()
    for m in data["milieux"]:
        m["params"]["trust_half_life_months"] = 30.0
    from hlmsim.scenario import validate

    assert "trust_half_life_months" not in [f.name for f in scr.assumed_factors(validate(data))]


def test_headline_evaluator_small(sim) -> None:
    scen = sim.scenario(months=12, milieux=1, units=40)
    ev = scr.headline_evaluator(scen, months=12, replications=2, seed=7)
    points = [
        {"need_give_up_months": 12.0},
        {"need_give_up_months": 48.0},
        {"need_give_up_months": 12.0},
        {"hard_to_reach_concentration": 8.0},
    ]
    out = ev(points)
    assert list(out.columns) == ["headline"] and len(out) == 4
    assert np.all(np.isfinite(out["headline"]))
    # the same point faces the same worlds wherever it stands (common random numbers across
    # points): a point changing the households' beta laws does not shift the others' worlds
    assert out["headline"].iat[0] == out["headline"].iat[2]
    alone = ev([points[3], points[1]])
    assert list(alone["headline"]) == [out["headline"].iat[3], out["headline"].iat[1]]
    # the arrangements differ (the headline is a contrast, not zero by construction)
    assert out["headline"].abs().sum() > 0
    # deterministic, and the same for any worker count
    pd.testing.assert_frame_equal(out, ev(points))
    two = scr.headline_evaluator(scen, months=12, replications=2, seed=7, workers=2)
    pd.testing.assert_frame_equal(out, two(points))
    # different seeds, different worlds
    other = scr.headline_evaluator(scen, months=12, replications=2, seed=8)
    assert not np.allclose(other(points)["headline"], out["headline"])
    assert ev.settings["months"] == 12 and ev.settings["reference"] == "services_as_usual"
    # one replication: a batch of one parameter set runs too
    one = scr.headline_evaluator(scen, months=12, replications=1, seed=7)(points[:2])
    assert np.all(np.isfinite(one["headline"]))


def test_headline_screening_end_to_end(sim) -> None:
    """A tiny screening of the headline: runs through, the strongest factor is selected."""
    scen = sim.scenario(months=12, milieux=1, units=40)
    factors = [
        f
        for f in scr.assumed_factors(scen)
        if f.name in {"need_give_up_months", "crisis_security_loss"}
    ]
    ev = scr.headline_evaluator(scen, months=12, replications=1, seed=0)
    res = scr.screen(factors, ev, trajectories=3, seed=0)
    t = res.table.set_index("parameter")
    # crisis_security_loss only moves the sense of security: under common random numbers its
    # elementary effects on needs met are exactly zero
    assert t.loc["crisis_security_loss", "mu_star_headline"] == 0
    assert res.selected == ["need_give_up_months"]
    assert res.settings["evaluator"]["outcome"] == "needs_met"


def test_targets_evaluator_runs_each_point_in_its_own_worlds(sim) -> None:
    """The screening's targets evaluator: a point's values depend on the point and the seed
    only (common random numbers across points), unlike the batched worlds of ABC, where a point
    changing the households' beta laws shifts the other points' worlds."""
    from hlmsim.calibrate.simulate import TargetModel, make_evaluator
    from hlmsim.targets.catalogue import Catalogue, load_catalogue

    scen = sim.scenario(months=12, milieux=1, units=40)
    shipped = load_catalogue(None).select("calibration")
    cat = Catalogue(tuple(t for t in shipped if t.versus is None), shipped.source)
    points = [{"need_give_up_months": 12.0}, {"hard_to_reach_concentration": 8.0}]
    ev = make_evaluator(scen, cat, replicates=2)
    both = ev(points, 3)
    alone = ev(points[:1], 3)
    assert np.isfinite(both.to_numpy()).sum() >= 5
    pd.testing.assert_frame_equal(both.iloc[:1], alone)
    # the control: the same two points batched in one model are not independent of each other
    batched = TargetModel(scen, cat, replicates=2)
    first = batched.values(points, 3)[0]
    assert not np.array_equal(first, batched.values(points[:1], 3)[0], equal_nan=True)


def test_noise_floor_ignores_effects_two_worlds_would_give() -> None:
    """mu* at or below an output's noise (E|y1 - y2| / delta over independent worlds) counts
    as no effect: an output whose every mu* is within its noise gives nobody a score; a
    parameter clearly above it keeps its score of 1."""
    assert scr.noise_mu_star({"y": [0.0, 2.0]}, 4)["y"] == pytest.approx(2.0 / (4 / 6))
    assert scr.noise_mu_star({"y": [1.0]}, 4) == {"y": 0.0}
    table = pd.DataFrame(
        {
            "parameter": ["a", "b", "c"],
            "mu_star_real": [10.0, 2.0, 0.0],
            "mu_star_noisy": [0.5, 0.0, 0.9],  # every effect within the noise (1.0)
        }
    )
    plain = scr.select(table, ["real", "noisy"], max_parameters=3)
    assert plain.set_index("parameter").loc["c", "score"] == 1.0  # noise wins without a floor
    floored = scr.select(table, ["real", "noisy"], 3, noise={"real": 1.0, "noisy": 1.0})
    t = floored.set_index("parameter")
    assert t.loc["a", "score"] == 1.0 and t.loc["b", "score"] == pytest.approx(0.2)
    assert t.loc["c", "score"] == 0 and not t.loc["c", "selected"]
    assert list(floored["driver"]) == ["real", "real", ""]
