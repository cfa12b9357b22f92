"""Comparisons over parameter ensembles (issue 14): the same parameter sets and seeds for every
arrangement, worker-count invariance, the scenario's and presets' values winning over a draw,
probability best / ranks / regret, the spread due to parameters and to chance, and the scenario
discovery of where the leading arrangement stops being best."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hlmsim
from hlmsim import arrangements as arrangements_module
from hlmsim.calibrate.posterior import Ensemble, PlausibleEnsemble, comparison_ensemble
from hlmsim.cli import main
from hlmsim.compare import ComparisonWorlds, arrangement_scenarios, compare
from hlmsim.outcomes import KEY_OUTCOMES
from hlmsim.scenario import load_scenario, validate
from hlmsim.uncertainty import (
    _variance_components,
    hinge,
    leader,
    rank_table,
    ranked_outcomes,
    spread_table,
)

CIUSSS, COMMUNITY, SAU = "ciusss_social_worker", "community_worker", "services_as_usual"


@pytest.fixture(scope="module")
def short() -> hlmsim.Scenario:
    return load_scenario("default", months=24)


@pytest.fixture(scope="module")
def posterior_pair(short: hlmsim.Scenario) -> tuple:
    kw = dict(replications=20, seed=3, ensemble="posterior", seeds_per_set=5)
    one = compare(short, [CIUSSS], workers=1, **kw)
    two = compare(short, [CIUSSS], workers=2, **kw)
    return one, two


# --- the engine -------------------------------------------------------------------------------


def test_none_is_the_comparison_at_default_values(short: hlmsim.Scenario) -> None:
    plain = compare(short, [CIUSSS], replications=10, seed=1, workers=1)
    none = compare(short, [CIUSSS], replications=10, seed=1, workers=1, ensemble="none")
    for attr in ("runs", "finals", "summary", "differences", "ranks", "spread"):
        pd.testing.assert_frame_equal(getattr(plain, attr), getattr(none, attr))
    assert plain.metadata["ensemble"] is None and plain.hinge is None and plain.draws.empty
    assert (plain.finals["set"] == plain.finals["replication"]).all()


def test_an_ensemble_gives_the_same_results_on_one_and_two_workers(posterior_pair: tuple) -> None:
    one, two = posterior_pair
    for attr in ("runs", "finals", "summary", "differences", "ranks", "spread", "draws"):
        pd.testing.assert_frame_equal(getattr(one, attr), getattr(two, attr))
    assert one.hinge == two.hinge


def test_every_arrangement_runs_the_same_sets_and_seeds(
    posterior_pair: tuple, short: hlmsim.Scenario
) -> None:
    r, _ = posterior_pair
    f = r.finals
    assert (f["set"] == f["replication"] // 5).all()
    a, b = (f[f["arrangement"] == x].reset_index(drop=True) for x in (CIUSSS, SAU))
    assert (a[["replication", "set", "seed"]] == b[["replication", "set", "seed"]]).all().all()
    meta = r.metadata["ensemble"]
    assert meta["reference"] == "posterior" and meta["seeds_per_set"] == 5 and meta["sets"] == 4
    assert meta["scenario_calibrated"] == "default" and meta["same_scenario"] is False
    assert len(meta["draws"]) == 4 and set(meta["parameters"]) <= set(meta["draws"][0])
    drawn = comparison_ensemble("posterior", short).param_sets(4, 3)
    assert r.draws.reset_index(drop=True).to_dict("records") == drawn
    # the parameters do change the worlds: not the comparison at default values
    plain = compare(short, [CIUSSS], replications=20, seed=3, workers=1)
    assert not np.allclose(plain.finals["needs_met"], f["needs_met"])
    json.dumps(r.metadata)  # metadata.json can hold it


def test_intervals_are_over_parameter_sets(posterior_pair: tuple) -> None:
    r, _ = posterior_pair
    row = r.summary.set_index(["arrangement", "outcome"]).loc[(CIUSSS, "needs_met")]
    assert row["n"] == 4  # four sets of five seeds, not twenty independent replications
    means = r.finals[r.finals["arrangement"] == CIUSSS].groupby("set")["needs_met"].mean()
    assert row["mean"] == pytest.approx(means.mean())


def test_the_scenario_and_the_presets_win_over_a_draw(short: hlmsim.Scenario) -> None:
    values = pd.DataFrame({"worker_turnover_annual": [0.9, 0.8], "need_give_up_months": [3.0, 4.0]})
    ens = Ensemble(values, np.array([0.5, 0.5]), {"scenario": "default"}, "test")
    data = short.model_dump()
    data["params"] = {**data["params"], "need_give_up_months": 24}
    base = validate(data)
    scen = arrangement_scenarios(base, [CIUSSS, SAU])
    worlds = ComparisonWorlds.make(ens, base, scen, 5, 1, 0)
    ciusss, sau = worlds.batch_sets(CIUSSS, 0), worlds.batch_sets(SAU, 0)
    assert len(ciusss) == len(sau) == 10
    assert all(s == {} for s in ciusss)  # the preset sets the turnover, the scenario the months
    assert all(set(s) == {"worker_turnover_annual"} for s in sau)


def test_plausible_draws_every_assumed_parameter_in_its_range(short: hlmsim.Scenario) -> None:
    ens = comparison_ensemble("plausible", short)
    assert isinstance(ens, PlausibleEnsemble) and len(ens.parameters) > 100
    sets = ens.param_sets(30, 7)
    assert sets[:10] == ens.param_sets(10, 7)  # more sets keep the first ones
    for f in ens.factors:
        vals = [s[f.name] for s in sets]
        assert min(vals) >= f.low - 1e-12 and max(vals) <= f.high + 1e-12, f.name
    assert comparison_ensemble("none", short) is None


def test_identical_arrangements_get_one_half_each(
    short: hlmsim.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = "twin_of_ciusss"
    preset = dict(arrangements_module.ARRANGEMENTS[CIUSSS])
    monkeypatch.setitem(arrangements_module.ARRANGEMENTS, twin, preset)
    r = compare(short, [CIUSSS, twin], replications=10, seed=2, workers=1, ensemble="posterior")
    ranks = r.ranks.set_index(["outcome", "arrangement"])
    for name in ranked_outcomes():
        one, other = ranks.loc[(name, CIUSSS)], ranks.loc[(name, twin)]
        assert one["p_best"] == pytest.approx(other["p_best"]) and one["p_best"] <= 0.5 + 1e-12
        assert one["regret"] == pytest.approx(other["regret"])
    d = r.differences.set_index(["arrangement", "outcome"])
    assert d.loc[(twin, "needs_met"), "mean_diff"] != 0  # against services as usual
    needs = ranks.loc[("needs_met", CIUSSS)]
    assert needs["p_best"] == pytest.approx(0.5) and needs["rank_1"] == pytest.approx(0.5)


# --- ranks, regret, spread, discovery on synthetic results --------------------------------------


def _finals(values: dict[str, np.ndarray], seeds_per_set: int = 1) -> pd.DataFrame:
    rows = []
    for a, v in values.items():
        for r, x in enumerate(v):
            rows.append({"arrangement": a, "replication": r, "set": r // seeds_per_set,
                         **{k: x for k in KEY_OUTCOMES}})  # fmt: skip
    return pd.DataFrame(rows)


def test_ranks_share_ties_and_regret_is_the_shortfall() -> None:
    f = _finals({"A": np.array([3.0, 3.0, 1.0, 5.0]), "B": np.array([3.0, 2.0, 2.0, 1.0]),
                 "C": np.array([0.0, 0.0, 0.0, 0.0])})  # fmt: skip
    t = rank_table(f, ["A", "B", "C"], ["needs_met", "needs_unmet"]).set_index(
        ["outcome", "arrangement"]
    )
    # higher is better: A best in worlds 1 (tied with B), 2, 4; B best in world 3
    assert t.loc[("needs_met", "A"), "p_best"] == pytest.approx((0.5 + 1 + 1) / 4)
    assert t.loc[("needs_met", "B"), "p_best"] == pytest.approx((0.5 + 1) / 4)
    assert t.loc[("needs_met", "C"), "rank_3"] == pytest.approx(1.0)
    assert t.loc[("needs_met", "A"), "regret"] == pytest.approx((0 + 0 + 1 + 0) / 4)
    assert t.loc[("needs_met", "C"), "regret"] == pytest.approx((3 + 3 + 2 + 5) / 4)
    # lower is better: C best everywhere, with no regret
    assert t.loc[("needs_unmet", "C"), "p_best"] == 1 and t.loc[("needs_unmet", "C"), "regret"] == 0
    shares = t.loc["needs_met"][[f"rank_{i}" for i in (1, 2, 3)]]
    assert np.allclose(shares.sum(axis=0), 1) and np.allclose(shares.sum(axis=1), 1)
    assert leader(t.reset_index(), "needs_met") == "A"


def test_variance_components_recover_known_spreads() -> None:
    rng = np.random.default_rng(0)
    sets, k = 400, 5
    group = np.repeat(np.arange(sets), k)
    x = rng.normal(0, 2.0, sets)[group] + rng.normal(0, 1.0, sets * k)
    vp, vc = _variance_components(x, group)
    assert vp == pytest.approx(4.0, rel=0.15) and vc == pytest.approx(1.0, rel=0.1)
    # no parameter effect: the between-set component is near 0, not the chance variance
    vp0, vc0 = _variance_components(rng.normal(0, 1.0, sets * k), group)
    assert vp0 < 0.05 and vc0 == pytest.approx(1.0, rel=0.1)
    # one seed per set: the two cannot be told apart
    assert all(np.isnan(_variance_components(x[:sets], np.arange(sets))))


def test_spread_separates_the_parameters_from_chance() -> None:
    rng = np.random.default_rng(1)
    sets, k = 200, 4
    param = np.repeat(rng.normal(0, 3.0, sets), k)
    base = rng.normal(0, 1.0, sets * k)
    f = _finals({"R": base, "A": base + param, "B": base + rng.normal(0, 1.0, sets * k)}, k)
    s = spread_table(f, ["R", "A", "B"], "R", ["needs_met"]).set_index(["arrangement", "quantity"])
    assert s.loc[("A", "difference"), "share_parameters"] > 0.9  # the effect hinges on parameters
    assert s.loc[("B", "difference"), "share_parameters"] < 0.1  # the effect is chance alone


def test_the_discovery_finds_a_known_flip() -> None:
    rng = np.random.default_rng(3)
    n = 300
    draws = pd.DataFrame({"x": rng.random(n), "noise": rng.random(n)}).rename_axis("set")
    a = np.where(draws["x"] > 0.6, 10.0, 0.0)  # A is best only where x > 0.6
    f = _finals({"A": a, "B": np.full(n, 5.0)})
    ranks = rank_table(f, ["A", "B"], ["needs_met"])
    lead = leader(ranks)
    assert lead == "B"
    found = hinge(f, draws, ["A", "B"], lead)
    assert found["status"] == "box" and found["cases"] == int((draws["x"] > 0.6).sum())
    box = found["box"]
    assert set(box.limits) == {"x"}
    assert 0.5 < box.limits["x"][0] < 0.7 and box.density > 0.9 and box.coverage > 0.9
    # best everywhere: nothing to find
    always = _finals({"A": np.zeros(n), "B": np.ones(n)})
    assert hinge(always, draws, ["A", "B"], "B")["status"] == "never"
    assert hinge(always, draws, ["A", "B"], "A")["status"] == "always"


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--ensemble", "nosuch.parquet"], "nosuch.parquet"),
        (["--seeds-per-set", "0"], "--seeds-per-set"),
    ],
)
def test_cli_refuses_a_bad_ensemble(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["compare", *args, "--replications", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not out.exists()


@pytest.mark.slow
def test_a_dask_cluster_gives_the_local_pool_s_results(short: hlmsim.Scenario) -> None:
    from distributed import Client, LocalCluster

    kw = dict(replications=20, seed=4, ensemble="posterior", seeds_per_set=5)
    local = compare(short, [CIUSSS], workers=2, **kw)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        remote = compare(short, [CIUSSS], scheduler=client, **kw)
    for attr in ("runs", "finals", "summary", "differences", "ranks", "spread", "draws"):
        pd.testing.assert_frame_equal(getattr(local, attr), getattr(remote, attr))
    assert remote.metadata["executor"] == "dask"


def test_workers_and_a_scheduler_are_refused_together(short: hlmsim.Scenario) -> None:
    with pytest.raises(hlmsim.InputError, match="not both"):
        compare(short, [CIUSSS], replications=2, workers=2, scheduler="tcp://127.0.0.1:1")
