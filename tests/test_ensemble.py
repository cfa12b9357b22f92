"""Parameter ensembles: one world per parameter set, simulated in batches (issue 12, item 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hlmsim
from hlmsim.ensemble import run_ensemble
from hlmsim.errors import InputError
from hlmsim.model import HLMModel
from hlmsim.observables import observe
from hlmsim.replication import BATCH, batch_seeds
from hlmsim.scenario import load_scenario


@pytest.fixture(scope="module")
def short() -> hlmsim.Scenario:
    return load_scenario("default", months=24)


def test_empty_parameter_sets_change_nothing(short: hlmsim.Scenario) -> None:
    """A batch whose sets are all empty is the plain batch, bit for bit."""
    plain = HLMModel(short, seed=4, agents=False, replicates=3).run()
    empty = HLMModel(short, seed=4, agents=False, replicates=3, param_sets=[{}, {}, {}]).run()
    pd.testing.assert_frame_equal(plain.timeseries(), empty.timeseries())


def test_each_replicate_gets_its_own_parameters(short: hlmsim.Scenario) -> None:
    sets = [{"worker_fte": 0.0, "worker_employer": "none"}, {}, {"worker_fte": 0.5}]
    model = HLMModel(short, seed=1, agents=False, replicates=3, param_sets=sets)
    rep = model.layout.replicate
    assert (model.mp.worker_fte[rep == 0] == 0).all()
    assert (model.mp.worker_fte[rep == 1] == 1).all()
    assert (model.mp.worker_fte[rep == 2] == 0.5).all()
    # a milieu's own setting still wins over a set (as over load_scenario's overrides)
    assert set(model.mp.network_origin[rep == 0]) == {"crisis", "vision"}
    model.run()
    contacts = observe(model, ["interventions_per_unit_year"])["interventions_per_unit_year"]
    assert np.isnan(contacts[0]) or contacts[0] == 0
    assert contacts[1] > contacts[2] > 0  # a full-time worker contacts more than a half-time one


def test_results_do_not_depend_on_the_number_of_workers(short: hlmsim.Scenario) -> None:
    sets = [{"self_referral_base_logodds": v} for v in np.linspace(-3.0, -0.5, BATCH + 3)]
    one = run_ensemble(short, sets, seed=7, workers=1, observables=["service_use_share"])
    two = run_ensemble(short, sets, seed=7, workers=2, observables=["service_use_share"])
    pd.testing.assert_frame_equal(one.table, two.table)
    tab = one.table
    assert list(tab["set"]) == list(range(len(sets)))
    assert list(tab["batch"]) == [0] * BATCH + [1] * 3
    assert list(tab["seed"].unique()) == batch_seeds(7, 2) == one.metadata["batch_seeds"]
    assert {"needs_met", "cost_per_need_met", "service_use_share"} <= set(tab.columns)
    # residents who ask for services more often use them more: the sets reach their worlds
    rho = np.corrcoef(tab["self_referral_base_logodds"], tab["service_use_share"])[0, 1]
    assert rho > 0.8, rho


@pytest.mark.parametrize(
    ("sets", "key", "words"),
    [
        ([{}, {"no_such": 1}], "param_sets[1].no_such", "unknown parameter"),
        ([{"worker_fte": 9.0}], "param_sets[0].worker_fte", "less than or equal"),
        ([], "param_sets", "at least one"),
    ],
)
def test_a_bad_parameter_set_is_one_line_naming_it(
    short: hlmsim.Scenario, sets: list[dict[str, float]], key: str, words: str
) -> None:
    with pytest.raises(InputError) as err:
        run_ensemble(short, sets, observables=[])
    assert err.value.key == key and words in str(err.value), str(err.value)


def test_one_set_per_replicate(short: hlmsim.Scenario) -> None:
    with pytest.raises(InputError, match="one parameter set per replicate"):
        HLMModel(short, replicates=2, param_sets=[{}])
