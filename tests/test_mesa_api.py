"""HLMModel follows Mesa 3.5's conventions: ``rng``, overrides as keyword arguments, a
``datacollector`` read from the model's records, and ``mesa.batch_run`` as a Mesa user calls it
(issue 17)."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import hlmsim
from hlmsim.datacollector import REPORTERS, RecordsCollector
from hlmsim.errors import InputError
from hlmsim.outcomes import KEY_OUTCOMES, OUTCOMES

MONTHS = 6


def all_rows(scen: hlmsim.Scenario, seed: int) -> pd.DataFrame:
    """``hlmsim.run``'s overall monthly rows, indexed by month."""
    ts = hlmsim.run(scen, seed=seed).timeseries
    return ts[ts["milieu"] == "all"].set_index("month")


@pytest.fixture(scope="module")
def short() -> hlmsim.Scenario:
    return hlmsim.load_scenario("default", months=MONTHS)


def test_batch_run_with_seeds_as_a_parameter(short: hlmsim.Scenario) -> None:
    # the call of the issue: the seeds given as a parameter, rng left to its default
    rows = mesa.batch_run(
        hlmsim.HLMModel,
        parameters={"scenario": [short], "seed": [1, 2]},
        max_steps=24,
        display_progress=False,
    )
    assert len(rows) == 2
    for row in rows:
        expected = all_rows(short, row["seed"]).loc[MONTHS]  # the horizon stops it first
        assert row["Step"] == MONTHS
        for name in REPORTERS:
            assert row[name] == pytest.approx(expected[name], rel=0, abs=0, nan_ok=True)
    assert rows[0]["needs_met"] != rows[1]["needs_met"]  # two seeds, two worlds


def test_batch_run_over_two_values_and_two_seeds() -> None:
    rows = mesa.batch_run(
        hlmsim.HLMModel,
        parameters={"scenario": "default", "worker_turnover_annual": [0.1, 0.5], "agents": False},
        rng=[1, 2],
        max_steps=4,
        display_progress=False,
    )
    assert len(rows) == 4
    got = {(r["worker_turnover_annual"], r["rng"]): r for r in rows}
    assert set(got) == {(v, s) for v in (0.1, 0.5) for s in (1, 2)}
    for (v, s), row in got.items():
        assert row["Step"] == 4  # max_steps stops a 120-month scenario at month 4
        scen = hlmsim.load_scenario("default", months=4, worker_turnover_annual=v)
        expected = all_rows(scen, s).loc[4]
        for name in REPORTERS:
            assert row[name] == pytest.approx(expected[name], rel=0, abs=0, nan_ok=True)


def test_batch_run_every_month(short: hlmsim.Scenario) -> None:
    rows = mesa.batch_run(
        hlmsim.HLMModel,
        parameters={"scenario": [short], "agents": False},
        rng=[3],
        data_collection_period=1,
        max_steps=MONTHS,
        display_progress=False,
    )
    assert [r["Step"] for r in rows] == list(range(1, MONTHS + 1))
    expected = all_rows(short, 3)
    for r in rows:
        assert r["reached"] == expected.loc[r["Step"], "reached"]
        assert r["cost"] == expected.loc[r["Step"], "cost"]


def test_datacollector_equals_the_timeseries(short: hlmsim.Scenario) -> None:
    model = hlmsim.HLMModel(short, seed=5, agents=False).run()
    assert isinstance(model.datacollector, mesa.DataCollector)
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == list(REPORTERS)
    assert list(df.index) == list(range(1, MONTHS + 1))
    ts = model.timeseries(per_milieu=False).set_index("month")
    pd.testing.assert_frame_equal(df, ts[list(REPORTERS)], check_names=False)
    # the reporters are the key outcomes with a monthly value
    assert set(REPORTERS) == {k for k in KEY_OUTCOMES if k in OUTCOMES}
    # a reporter gives the latest month, as a Mesa reporter called after the step would
    assert model.datacollector.model_reporters["needs_met"](model) == df["needs_met"].iloc[-1]


def test_datacollector_collects_nothing_while_the_model_steps(short: hlmsim.Scenario) -> None:
    model = hlmsim.HLMModel(short, seed=1, agents=False)
    dc = model.datacollector
    assert isinstance(dc, RecordsCollector)
    model.run()
    assert dc._cache is None  # nothing worked out until read
    assert len(dc.model_vars["needs_met"]) == MONTHS
    model.datacollector.collect(model)  # a Mesa habit: harmless
    assert dc._collection_steps == [float(m) for m in range(1, MONTHS + 1)]
    # read again after more steps: follows the records
    longer = hlmsim.HLMModel("default", seed=1, agents=False, months=MONTHS + 2)
    longer.run(MONTHS)
    assert len(longer.datacollector.model_vars["cost"]) == MONTHS
    longer.step()
    assert len(longer.datacollector.model_vars["cost"]) == MONTHS + 1


def test_datacollector_other_outcomes_and_replicates(short: hlmsim.Scenario) -> None:
    model = hlmsim.HLMModel(short, seed=2, agents=False, replicates=2).run()
    values = model.datacollector.model_vars["needs_met"]
    assert len(values) == MONTHS and values[0].shape == (2,)
    ts = model.timeseries(per_milieu=False)
    for r in range(2):
        expected = ts[ts["replicate"] == r]["needs_met"].to_numpy()
        assert np.array_equal([v[r] for v in values], expected)
    one = hlmsim.HLMModel(short, seed=2, agents=False).run()
    one.datacollector = RecordsCollector(one, ["households", "departures"])
    assert list(one.datacollector.get_model_vars_dataframe().columns) == [
        "households",
        "departures",
    ]
    with pytest.raises(ValueError, match="not a monthly outcome"):
        RecordsCollector(one, ["cost_per_need_met"])


def test_rng_like_mesa(short: hlmsim.Scenario) -> None:
    by_seed = hlmsim.HLMModel(short, seed=4, agents=False).run()
    by_rng = hlmsim.HLMModel(short, rng=4, agents=False).run()
    assert by_rng.seed == 4
    pd.testing.assert_frame_equal(by_seed.timeseries(), by_rng.timeseries())
    # None draws a seed and records it; the recorded seed replays the run
    drawn = hlmsim.HLMModel(short, agents=False).run()
    assert isinstance(drawn.seed, int) and drawn.seed >= 0
    replay = hlmsim.HLMModel(short, seed=drawn.seed, agents=False).run()
    pd.testing.assert_frame_equal(drawn.timeseries(), replay.timeseries())
    # a generator gives the same seed for the same generator state
    a = hlmsim.HLMModel(short, rng=np.random.default_rng(9), agents=False)
    b = hlmsim.HLMModel(short, rng=np.random.default_rng(9), agents=False)
    assert a.seed == b.seed
    assert a.seed == hlmsim.HLMModel(short, rng=np.random.SeedSequence(9), agents=False).seed
    with pytest.raises(ValueError, match="seed or rng, not both"):
        hlmsim.HLMModel(short, seed=1, rng=2)
    with pytest.raises(ValueError, match="non-negative"):
        hlmsim.HLMModel(short, rng=-1)
    with pytest.raises(ValueError, match="non-negative"):
        hlmsim.HLMModel(short, seed="1")


def test_overrides_as_keyword_arguments() -> None:
    model = hlmsim.HLMModel("default", worker_turnover_annual=0.2, rng=3, months=4, agents=False)
    assert model.scenario_spec == hlmsim.load_scenario(
        "default", worker_turnover_annual=0.2, months=4
    )
    model.run()
    same = hlmsim.HLMModel(
        hlmsim.load_scenario("default", worker_turnover_annual=0.2, months=4),
        seed=3,
        agents=False,
    ).run()
    pd.testing.assert_frame_equal(model.timeseries(), same.timeseries())
    # a Scenario object takes overrides too, arrangement included
    scen = hlmsim.load_scenario("default", months=4)
    over = hlmsim.HLMModel(scen, seed=1, arrangement="community_worker", worker_fte=0.5)
    assert over.scenario_spec == hlmsim.load_scenario(
        "default", months=4, arrangement="community_worker", worker_fte=0.5
    )
    assert hlmsim.HLMModel(scen, seed=1).scenario_spec is scen
    with pytest.raises(InputError, match="overrides: worker_turnover: unknown override"):
        hlmsim.HLMModel(scen, seed=1, worker_turnover=0.2)
    with pytest.raises(InputError, match="overrides: worker_fte"):
        hlmsim.HLMModel(scen, seed=1, worker_fte=99.0)
    with pytest.raises(TypeError, match="scenario must be"):
        hlmsim.HLMModel(42, seed=1)  # type: ignore[arg-type]
    # mesa.batch_run iterates over a Scenario given alone (pydantic models iterate their fields)
    with pytest.raises(TypeError, match=r"in a list, parameters=\{'scenario': \[scen\]\}"):
        mesa.batch_run(hlmsim.HLMModel, {"scenario": scen}, rng=[1], display_progress=False)


def test_steps_count_months_after_the_spin_up() -> None:
    model = hlmsim.HLMModel("mature", seed=1, months=3, agents=False)
    assert model.steps == 0 and model.time == 0
    assert model.t == 0 and model.records == []
    model.run()
    assert model.steps == 3 and model.time == 3 and not model.running
    assert model.datacollector._collection_steps == [1.0, 2.0, 3.0]
