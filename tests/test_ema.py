"""The EMA Workbench adapter (issue 17): a model built from the schema, run with EMA's own
calls (perform_experiments, PRIM), equal to hlmsim's runs, on common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ema_workbench")

from ema_workbench import (  # noqa: E402
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    Model,
    ReplicatorModel,
    ScalarOutcome,
    perform_experiments,
)
from ema_workbench.analysis import prim  # noqa: E402

import hlmsim  # noqa: E402
import hlmsim.ema  # noqa: E402
from hlmsim.calibrate.posterior import resolve_ensemble  # noqa: E402
from hlmsim.calibrate.screening import assumed_factors  # noqa: E402
from hlmsim.errors import InputError  # noqa: E402
from hlmsim.outcomes import KEY_OUTCOMES  # noqa: E402
from hlmsim.params import Params, field_meta  # noqa: E402
from hlmsim.replication import batch_seeds  # noqa: E402

MONTHS = 12
#: A few uncertainties and levers, to keep the experiments small.
UNCERTAIN = ["need_rate_socialising", "referral_base_logodds", "worker_rampup_months"]
LEVERS = ["worker_time_on_site", "ciusss_capacity_per_100_households"]


def test_the_model_is_built_from_the_schema() -> None:
    m = hlmsim.ema.model("default")
    assert isinstance(m, Model)
    # uncertainties: the screening's assumed factors, on their plausible ranges and scales
    factors = assumed_factors("default")
    assert [u.name for u in m.uncertainties] == [f.name for f in factors]
    for f in factors:
        u = m.uncertainties[f.name]
        assert (u.lower_bound, u.upper_bound) == pytest.approx((f.low, f.high))
        if f.integer:
            assert isinstance(u, IntegerParameter)
        else:
            assert (u.dist.dist.name == "loguniform") is f.log
    # levers: what the schema marks as a lever, by kind
    lever_names = [n for n in Params.model_fields if field_meta(n)["lever"]]
    assert [lv.name for lv in m.levers] == lever_names
    assert isinstance(m.levers["worker_grant_funded"], BooleanParameter)
    assert isinstance(m.levers["worker_employer"], CategoricalParameter)
    assert (m.levers["worker_fte"].lower_bound, m.levers["worker_fte"].upper_bound) == (0.5, 2)
    assert not {u.name for u in m.uncertainties} & set(lever_names)
    # outcomes: the key outcomes, each with the direction that is better
    kinds = {1: ScalarOutcome.MAXIMIZE, -1: ScalarOutcome.MINIMIZE, 0: ScalarOutcome.INFO}
    assert [o.name for o in m.outcomes] == list(KEY_OUTCOMES)
    for o in m.outcomes:
        assert o.kind == kinds[KEY_OUTCOMES[o.name]]
    assert m.outcomes["needs_met"].kind == ScalarOutcome.MAXIMIZE
    assert m.outcomes["cost_per_need_met"].kind == ScalarOutcome.MINIMIZE
    assert m.constants["seed"].value == 0


def test_perform_experiments_equals_hlmsim_runs_and_prim_finds_a_box() -> None:
    m = hlmsim.ema.model(
        "default", UNCERTAIN, LEVERS, ["needs_met", "cost_per_need_met"], months=MONTHS, seed=7
    )
    experiments, outcomes = perform_experiments(m, scenarios=12, policies=2)
    assert len(experiments) == 24 and set(outcomes) == {"needs_met", "cost_per_need_met"}
    assert np.isfinite(outcomes["needs_met"]).all()
    # one experiment is hlmsim.run with its values as overrides and the model's seed
    row = experiments.iloc[5]
    values = {n: row[n] for n in UNCERTAIN + LEVERS}
    values["worker_rampup_months"] = float(values["worker_rampup_months"])
    run = hlmsim.run(hlmsim.load_scenario("default", months=MONTHS, **values), seed=7)
    assert outcomes["needs_met"][5] == run.summary["all"]["needs_met"]
    assert outcomes["cost_per_need_met"][5] == pytest.approx(
        run.summary["all"]["cost_per_need_met"], rel=1e-12
    )
    # PRIM on the result: where do fewer needs get met?
    x = experiments[UNCERTAIN + LEVERS]
    y = outcomes["needs_met"] < np.median(outcomes["needs_met"])
    box = prim.Prim(x, y, peel_alpha=0.1).find_box()
    assert box is not None
    assert 0 < box.coverage <= 1 and 0.5 <= box.density <= 1
    assert set(box.box_lim.columns) == set(UNCERTAIN + LEVERS)  # the limits of each input


def test_replications_use_common_random_numbers() -> None:
    m = hlmsim.ema.model("default", UNCERTAIN[:1], LEVERS[:1], ["needs_met"], months=MONTHS,
                         replications=2, seed=3)  # fmt: skip
    assert isinstance(m, ReplicatorModel)
    seeds = [r["seed"] for r in m.replications]
    assert seeds == batch_seeds(3, 2)
    experiments, outcomes = perform_experiments(m, scenarios=2, policies=2)
    # every experiment is the mean over the same two seeds, whatever its scenario and policy
    for i, row in experiments.iterrows():
        scen = hlmsim.load_scenario(
            "default",
            months=MONTHS,
            need_rate_socialising=row["need_rate_socialising"],
            worker_time_on_site=row["worker_time_on_site"],
        )
        runs = [hlmsim.run(scen, seed=s).summary["all"]["needs_met"] for s in seeds]
        assert outcomes["needs_met"][i] == pytest.approx(np.mean(runs), rel=1e-12)


def test_arrangement_lever_and_posterior_uncertainties() -> None:
    ens = resolve_ensemble("calibrated", "default")
    m = hlmsim.ema.model("default", "posterior", "arrangement", ["needs_met"], months=MONTHS)
    assert [u.name for u in m.uncertainties] == ens.parameters
    assert list(m.levers["arrangement"].categories) != []
    experiments, outcomes = perform_experiments(
        m,
        scenarios=3,
        policies=[
            hlmsim.ema.ema.Sample(name="usual", arrangement="services_as_usual"),
            hlmsim.ema.ema.Sample(name="ciusss", arrangement="ciusss_social_worker"),
        ],
        uncertainty_sampling=hlmsim.ema.PosteriorSampler(seed=1),
    )
    assert len(experiments) == 6
    # each scenario is a whole parameter set of the ensemble
    drawn = ens.draw(3, 1)
    for i in range(3):
        got = experiments.loc[i, ens.parameters].astype(float).to_numpy()
        assert np.allclose(got, drawn.iloc[i].to_numpy(dtype=float))
    # the same scenarios given as samples
    samples = hlmsim.ema.posterior_scenarios(3, seed=1)
    assert [s["referral_base_logodds"] for s in samples] == pytest.approx(
        list(drawn["referral_base_logodds"])
    )


def test_bad_input_is_one_line() -> None:
    with pytest.raises(InputError, match="unknown outcome 'needs'"):
        hlmsim.ema.model("default", outcomes=["needs"])
    with pytest.raises(InputError, match="unknown parameter 'worker'"):
        hlmsim.ema.model("default", uncertainties=["worker"])
    with pytest.raises(InputError, match="both an uncertainty and a lever"):
        hlmsim.ema.model("default", uncertainties=["worker_fte"], levers=["worker_fte"])
    with pytest.raises(InputError, match="replications: must be at least 1"):
        hlmsim.ema.model("default", replications=0)


def test_robust_optimisation_over_the_numeric_planner_levers(tmp_path) -> None:
    from ema_workbench.em_framework.evaluators import robust_optimize

    numeric = hlmsim.ema.planner_levers(numeric=True)
    assert set(numeric) < set(hlmsim.ema.planner_levers())
    assert "worker_employer" not in numeric and "worker_fte" in numeric
    m = hlmsim.ema.model("default", UNCERTAIN[:1], numeric, ["needs_met", "cost"], months=6)
    robustness = [
        ScalarOutcome("mean_needs_met", ScalarOutcome.MAXIMIZE, "needs_met", function=np.mean),
        ScalarOutcome("max_cost", ScalarOutcome.MINIMIZE, "cost", function=np.max),
    ]
    result = robust_optimize(
        m,
        robustness,
        scenarios=2,
        nfe=10,
        epsilons=[10, 1000],
        rng=1,
        convergence_freq=10,
        filename="robust.tar.gz",
        directory=str(tmp_path),
    )
    front = result[0] if isinstance(result, tuple) else result
    assert len(front) >= 1
    assert {"mean_needs_met", "max_cost", "worker_fte"} <= set(front.columns)
