"""The replication helpers shared by the engines: a batch's overall monthly series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hlmsim
from hlmsim.model import HLMModel
from hlmsim.outcomes import OUTCOMES
from hlmsim.replication import overall_series
from hlmsim.scenario import load_scenario, validate


def _copies(months: int, copies: list[int]) -> hlmsim.Scenario:
    data = load_scenario("default", months=months).model_dump()
    for milieu, n in zip(data["milieux"], copies, strict=True):
        milieu["copies"] = n
    return validate(data)


@pytest.mark.parametrize(
    ("copies", "replicates"),
    [
        ([1, 1, 1, 1], 1),  # one world: no replicate column
        ([1, 1, 1, 1], 3),  # 4 milieux a world: summed one after the other
        ([3, 5, 7, 2], 2),  # 17 milieux a world: NumPy's pairwise sums
    ],
)
def test_overall_series_are_the_timeseries_all_rows_to_the_bit(
    copies: list[int], replicates: int
) -> None:
    model = HLMModel(_copies(18, copies), seed=4, agents=False, replicates=replicates).run()
    series = overall_series(model)
    ts = model.timeseries(per_milieu=False)
    if replicates == 1:
        ts = ts.assign(replicate=0)
    assert list(series) == list(OUTCOMES)
    for name in OUTCOMES:
        expected = np.stack([g[name].to_numpy() for _, g in ts.groupby("replicate", sort=True)])
        assert series[name].shape == (replicates, 18)
        assert series[name].dtype == expected.dtype
        # bit for bit, the weighted means' months with a milieu left out (NaN) included
        assert np.array_equal(series[name], expected, equal_nan=True), name


def test_overall_series_leave_out_missing_values_and_zero_weights_as_the_timeseries() -> None:
    """Months where some milieux have no value (NaN) or no weight (no needs met, no
    hard-to-reach household) average the others, and months where none has one are NaN."""
    model = HLMModel(_copies(14, [3, 5, 7, 2]), seed=2, agents=False, replicates=2).run()
    rng = np.random.default_rng(0)
    for t, rec in enumerate(model.records):
        rec["time_to_meet"][rng.random(rec["time_to_meet"].shape) < 0.3] = np.nan
        rec["needs_met"][rng.random(rec["needs_met"].shape) < 0.2] = 0.0
        rec["_n_hard_to_reach"][rng.random(rec["_n_hard_to_reach"].shape) < 0.2] = 0.0
        if t == 3:  # a month without any value in the first world
            rec["time_to_meet"][model.layout.replicate == 0] = np.nan
    series = overall_series(model)
    ts = model.timeseries(per_milieu=False)
    for name in OUTCOMES:
        expected = np.stack([g[name].to_numpy() for _, g in ts.groupby("replicate", sort=True)])
        assert np.array_equal(series[name], expected, equal_nan=True), name
    assert np.isnan(series["time_to_meet"][0, 3]) and not np.isnan(series["time_to_meet"][1, 3])


@pytest.mark.parametrize("copies", [[1, 1, 1, 1], [3, 5, 7, 2]])
def test_overall_frame_is_the_overall_timeseries_to_the_bit(copies: list[int]) -> None:
    """The frame sweeps keep per run: the same table as ``timeseries(per_milieu=False)``."""
    from hlmsim.replication import overall_frame

    model = HLMModel(_copies(18, copies), seed=4, agents=False).run()
    pd.testing.assert_frame_equal(overall_frame(model), model.timeseries(per_milieu=False))
    two = HLMModel(_copies(6, copies), seed=4, agents=False, replicates=2).run()
    with pytest.raises(ValueError, match="one replicate"):
        overall_frame(two)
