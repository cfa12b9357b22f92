"""Reproducibility and common random numbers.

The same scenario and seed give identical results; different seeds differ; arrangements compared
on one seed face the same households, move-outs and random draws (one stream per mechanism, of
fixed size each month); an event in one milieu changes nothing in the others ("worlds" test,
after Starsim)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import hlmsim
from hlmsim import load_scenario
from hlmsim.rng import BLOCK, SLOTS, STREAMS, Streams
from hlmsim.scenario import validate

ARRANGEMENT_PAIR = ("ciusss_social_worker", "services_as_usual")
INITIAL_ATTRS = (
    "milieu",
    "ensemble",
    "htype",
    "hid",
    "arrived",
    "hard_to_reach",
    "image",
    "engagement",
    "ties",
    "knowledge",
    "security",
    "need_open",
    "need_age",
)


def test_same_seed_gives_identical_timeseries_and_summary():
    a = hlmsim.run(load_scenario("default", months=24), seed=5)
    b = hlmsim.run(load_scenario("default", months=24), seed=5)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert a.summary.keys() == b.summary.keys()
    for milieu, row in a.summary.items():
        for k, v in row.items():
            w = b.summary[milieu][k]
            assert v == w or (np.isnan(v) and np.isnan(w)), (milieu, k)
    assert a.metadata["scenario_hash"] == b.metadata["scenario_hash"]
    assert a.metadata["seed"] == 5


def test_different_seeds_differ():
    a = hlmsim.run(load_scenario("default", months=12), seed=1).timeseries
    b = hlmsim.run(load_scenario("default", months=12), seed=2).timeseries
    assert a.shape == b.shape
    for col in ("needs_new", "contacts", "security", "engagement"):
        assert not np.array_equal(a[col].to_numpy(), b[col].to_numpy()), col


def test_model_and_run_agree(sim):
    scen = load_scenario("default", months=12)
    ts = sim.model(scen, 3).run().timeseries()
    pd.testing.assert_frame_equal(ts, hlmsim.run(scen, seed=3).timeseries, check_exact=True)


def test_agents_do_not_change_results(sim):
    scen = load_scenario("default", months=12)
    with_agents = sim.model(scen, 2, agents=True)
    without = sim.model(scen, 2, agents=False)
    assert len(with_agents.agents) > with_agents.hh.n and len(without.agents) == 0
    pd.testing.assert_frame_equal(
        with_agents.run().timeseries(), without.run().timeseries(), check_exact=True
    )
    pd.testing.assert_frame_equal(
        hlmsim.run(scen, seed=2, agents=True).timeseries,
        hlmsim.run(scen, seed=2, agents=False).timeseries,
        check_exact=True,
    )


def test_resident_agents_are_views_on_the_arrays(sim):
    from hlmsim.agents import Resident

    model = sim.model(sim.scenario(months=6, units=40), 1, agents=True)
    model.run()
    residents = sorted(model.agents_by_type[Resident], key=lambda r: r.index)
    assert len(residents) == model.hh.n
    r = residents[7]
    assert r.household_id == model.hh.hid[7]
    assert r.trust_worker == model.hh.trust_worker[7]


def _pair(months):
    return [
        hlmsim.HLMModel(
            load_scenario("default", arrangement=a, months=months), seed=3, agents=False
        )
        for a in ARRANGEMENT_PAIR
    ]


def test_arrangements_on_one_seed_start_from_the_same_households():
    a, b = _pair(12)
    assert not np.array_equal(a.mp.worker_fte, b.mp.worker_fte)
    for name in INITIAL_ATTRS:
        np.testing.assert_array_equal(getattr(a.hh, name), getattr(b.hh, name), err_msg=name)


def test_arrangements_on_one_seed_share_move_outs_and_draws():
    a, b = _pair(24)
    a.run()
    b.run()
    # the same households moved out in the same months; newcomers drawn alike
    np.testing.assert_array_equal(a.hh.hid, b.hh.hid)
    np.testing.assert_array_equal(a.hh.arrived, b.hh.arrived)
    np.testing.assert_array_equal(a.hh.htype, b.hh.htype)
    np.testing.assert_array_equal(a.hh.hard_to_reach, b.hh.hard_to_reach)
    assert (a.hh.arrived > 0).any(), "some households moved"
    # every mechanism draws a fixed number of numbers each month: all streams are in step
    for name in STREAMS:
        assert a.rs[name].bit_generator.state == b.rs[name].bit_generator.state, name
    # need arrivals (not openings) are common to both arrangements
    np.testing.assert_array_equal(
        np.array([r["needs_new"] for r in a.records]), np.array([r["needs_new"] for r in b.records])
    )
    # while what the arrangement changes does differ
    assert sum(r["contacts"].sum() for r in a.records) > 0
    assert sum(r["contacts"].sum() for r in b.records) == 0


def test_streams_are_independent_of_each_other():
    s1, s2 = Streams(42), Streams(42)
    for name in STREAMS:
        if name != "needs":
            s1[name].random(1000)
            s1[name].integers(0, 10, size=37)
    np.testing.assert_array_equal(s1["needs"].random(100), s2["needs"].random(100))
    # streams are distinct from each other and depend on the seed
    draws = {name: Streams(42)[name].random(4).tolist() for name in STREAMS}
    assert len({tuple(v) for v in draws.values()}) == len(STREAMS)
    assert Streams(43)["needs"].random(4).tolist() != draws["needs"]


def test_slot_keys_worked_out_by_blocks_are_the_counter_keys():
    """``Streams.bases`` (the keys the kernels take, worked out for many months at once) gives
    each month's ``CounterDraws.base(slot)`` exactly, across blocks and before month 0, in a
    read-only array."""
    one = Streams(9)
    for name in ("needs", "staff"):
        for t in (-BLOCK - 1, -1, 0, 5, BLOCK - 1, BLOCK, 3 * BLOCK + 7):
            keys = one.bases(name, t)
            assert keys.dtype == np.uint64 and len(keys) == SLOTS
            assert [int(k) for k in keys] == [int(one.at(name, t).base(s)) for s in range(SLOTS)]
            with pytest.raises(ValueError):
                keys[0] = 0
    assert one.bases("needs", 3)[1] != one.bases("staff", 3)[1]
    assert one.bases("needs", 3)[1] != Streams(10).bases("needs", 3)[1]


@pytest.mark.parametrize("seed", [-1, 1.5, "1"])
def test_streams_reject_bad_seeds(seed):
    with pytest.raises(ValueError, match="non-negative integer"):
        Streams(seed)


def test_model_rejects_negative_seed(sim):
    with pytest.raises(ValueError):
        sim.model(sim.scenario(), seed=-3)


@pytest.mark.parametrize(
    "kind",
    [
        "crisis",
        "worker_leaves",
        "funding_cut",
        "consultation",
        "representative_leaves",
        "oc_leaves",
        "collective_project",
    ],
)
def test_an_event_in_one_milieu_leaves_the_others_unchanged(sim, kind):
    months, at = 10, 4
    base = sim.scenario(months=months, milieux=3, units=[60, 80, 70])
    ev = sim.scenario(
        months=months,
        milieux=3,
        units=[60, 80, 70],
        events=[{"month": at, "kind": kind, "milieu": "m1"}],
    )
    a = sim.model(base, 8).run().timeseries()
    b = sim.model(ev, 8).run().timeseries()
    for name in ("m0", "m2"):
        pd.testing.assert_frame_equal(a[a.milieu == name], b[b.milieu == name], check_exact=True)
    ra, rb = a[a.milieu == "m1"].set_index("month"), b[b.milieu == "m1"].set_index("month")
    pd.testing.assert_frame_equal(ra.loc[: at - 1], rb.loc[: at - 1], check_exact=True)
    changed = [c for c in ra.columns if not ra.loc[at:, c].equals(rb.loc[at:, c])]
    assert changed, f"a {kind} event changed nothing in its milieu"


def test_crisis_event_changes_its_milieu_in_that_month(sim):
    base = sim.scenario(months=6, milieux=2, units=80, params={"crisis_annual": 0.0})
    ev = sim.scenario(
        months=6,
        milieux=2,
        units=80,
        params={"crisis_annual": 0.0},
        events=[{"month": 3, "kind": "crisis", "milieu": "m0"}],
    )
    a, b = sim.model(base, 1).run(), sim.model(ev, 1).run()
    assert a.records[2]["security"][0] != b.records[2]["security"][0]
    assert a.records[2]["security"][1] == b.records[2]["security"][1]


def test_copies_expand_into_independent_milieux_sharing_events(sim):
    data = {
        "name": "copies",
        "months": 6,
        "milieux": [
            {"name": "hlm", "copies": 3, "ensembles": [{"units": 40}]},
            {"name": "other", "ensembles": [{"units": 40}]},
        ],
        "events": [{"month": 2, "kind": "worker_leaves", "milieu": "hlm"}],
    }
    model = sim.model(validate(data), 4)
    assert model.milieu_names == ["hlm-1", "hlm-2", "hlm-3", "other"]
    model.run()
    np.testing.assert_array_equal(model.records[1]["worker_departures"], [1, 1, 1, 0])
    # copies start alike in parameters, not in households
    assert not np.array_equal(model.hh.hard_to_reach[:40], model.hh.hard_to_reach[40:80])


def test_counter_based_numbers_depend_on_the_entry_alone() -> None:
    """Counter-based draws (hlmsim.rng.CounterDraws): an entry's number is the same whichever
    other entries are drawn, in whatever order; it changes with the seed, stream, month and use;
    the numbers are uniform."""
    draw = Streams(5).at("services", 7)
    every = draw(np.arange(100_000), 2)
    some = np.array([99_999, 3, 50_000, 3])
    assert (draw(some, 2) == every[some]).all()
    for other in (
        Streams(6).at("services", 7)(some, 2),
        Streams(5).at("needs", 7)(some, 2),
        Streams(5).at("services", 8)(some, 2),
        Streams(5).at("services", -8)(some, 2),
        draw(some, 3),
    ):
        assert not np.isin(other, every[some]).any()
    assert (every >= 0).all() and (every < 1).all()
    assert abs(every.mean() - 0.5) < 0.005 and abs(every.var() - 1 / 12) < 0.002
    counts = np.histogram(every, bins=20, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 0.001
    assert abs(np.corrcoef(every[:-1], every[1:])[0, 1]) < 0.02


def test_every_use_of_a_stream_has_a_slot_key() -> None:
    """Each mechanism's uses of its stream (its ``Draw`` slots) lie within the keys
    ``Streams.bases`` works out, and no two uses of one stream share a slot."""
    import importlib
    import pkgutil

    import hlmsim.mechanisms as mechanisms

    seen = 0
    for info in pkgutil.iter_modules(mechanisms.__path__):
        draw = getattr(importlib.import_module(f"hlmsim.mechanisms.{info.name}"), "Draw", None)
        if draw is None:
            continue
        slots = [int(d) for d in draw]
        assert min(slots) >= 0 and max(slots) < SLOTS, info.name
        assert len(set(slots)) == len(slots), info.name
        seen += 1
    assert seen >= 8
