"""Scenario files: shipped scenarios, arrangement presets, base/override merging, the scenario
hash, and the one-line input errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hlmsim import HLMModel, InputError, load_scenario, shipped_scenarios
from hlmsim.arrangements import ARRANGEMENTS, preset
from hlmsim.params import Params, Scenario
from hlmsim.scenario import SCENARIO_DIR, milieu_params, scenario_dict, scenario_hash, validate

BASE = {"name": "t", "months": 12, "milieux": [{"name": "a", "ensembles": [{"units": 30}]}]}


def with_(**kw):
    return {**BASE, **kw}


# -- shipped scenarios --------------------------------------------------------------------------
def test_shipped_scenarios_include_default_and_every_arrangement():
    names = shipped_scenarios()
    assert "default" in names
    assert set(ARRANGEMENTS) <= set(names)
    assert names == sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


@pytest.mark.parametrize("name", shipped_scenarios())
def test_every_shipped_scenario_loads_validates_and_steps(name):
    scen = load_scenario(name)
    assert isinstance(scen, Scenario)
    assert scen.name == name
    assert scen.milieux and scen.months >= 12
    # the resolved form validates again to the same scenario
    again = validate(scen.model_dump(mode="json"))
    assert scenario_hash(again) == scenario_hash(scen)
    for i in range(len(scen.milieux)):
        assert isinstance(milieu_params(scen, i), Params)
    model = HLMModel(scen, seed=0, agents=False)
    units = sum(e.units * m.copies for m in scen.milieux for e in m.ensembles)
    assert model.hh.n == units
    model.step()
    assert model.records[0]["households"].sum() == units


def test_province_counts_the_whole_stock():
    scen = load_scenario("province")
    assert sum(e.units * m.copies for m in scen.milieux for e in m.ensembles) == 74_339


# -- arrangements -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ARRANGEMENTS))
def test_arrangement_presets_only_set_schema_parameters(name):
    values = preset(name)
    assert values, "an arrangement sets something"
    assert set(values) <= set(Params.model_fields)
    p = Params(**values)  # valid values
    for k, v in values.items():
        assert getattr(p, k) == v
    values["worker_fte"] = 99.0
    assert preset(name) != values, "preset returns a copy"


def test_arrangements_differ_in_what_they_set():
    assert preset("services_as_usual")["worker_fte"] == 0
    assert preset("services_as_usual")["network_present"] is False
    assert preset("concertation_only")["worker_fte"] == 0
    assert "network_present" not in preset("concertation_only")
    employers = {a: preset(a).get("worker_employer") for a in ARRANGEMENTS}
    assert employers["ciusss_social_worker"] == "ciusss"
    assert employers["community_worker"] == "community"
    assert employers["omh_worker"] == "omh"


@pytest.mark.parametrize("name", sorted(ARRANGEMENTS))
def test_arrangement_files_resolve_to_their_arrangement_in_every_milieu(name):
    scen = load_scenario(name)
    assert scen.arrangement == name
    assert all(m.arrangement is None for m in scen.milieux)
    default = load_scenario("default")
    assert [m.name for m in scen.milieux] == [m.name for m in default.milieux]
    for i in range(len(scen.milieux)):
        p = milieu_params(scen, i)
        for k, v in preset(name).items():
            assert getattr(p, k) == v, (name, i, k)


def test_arrangement_override_on_load():
    scen = load_scenario("default", arrangement="omh_worker")
    assert {milieu_params(scen, i).worker_employer for i in range(len(scen.milieux))} == {"omh"}


# -- merging bases and overrides ----------------------------------------------------------------
def test_parameter_override_applies_to_every_milieu():
    scen = load_scenario("default", worker_fte=0.5, months=24)
    assert scen.months == 24
    assert all(milieu_params(scen, i).worker_fte == 0.5 for i in range(len(scen.milieux)))
    # milieu-level parameters of the file are kept
    origins = [milieu_params(scen, i).network_origin for i in range(len(scen.milieux))]
    assert origins == ["crisis", "vision", "vision", "crisis"]


def test_study_mix_keeps_milieu_level_arrangements():
    scen = load_scenario("study_mix")
    by_name = {m.name: m for m in scen.milieux}
    assert by_name["mtl-famille"].arrangement == "ciusss_social_worker"
    assert by_name["qc-basse-ville"].arrangement == "concertation_only"
    employer = {m.name: milieu_params(scen, i).worker_employer for i, m in enumerate(scen.milieux)}
    assert employer == {
        "mtl-famille": "ciusss",
        "mtl-nord": "community",
        "qc-personnes-seules": "community",
        "qc-basse-ville": "none",
    }
    # a parameter override reaches every milieu, milieu arrangements are still kept
    over = load_scenario("study_mix", worker_fte=0.5)
    assert over.milieux[0].arrangement == "ciusss_social_worker"
    assert all(milieu_params(over, i).worker_fte == 0.5 for i in range(len(over.milieux)))
    assert milieu_params(over, 0).worker_employer == "ciusss"
    # a new scenario-wide arrangement replaces the milieu-level ones
    alls = load_scenario("study_mix", arrangement="omh_worker")
    assert all(m.arrangement is None for m in alls.milieux)


def test_milieu_params_beat_scenario_params_beat_presets():
    scen = validate(
        with_(
            arrangement="community_worker",
            params={"worker_turnover_annual": 0.3, "n_partners": 4},
            milieux=[{"name": "a", "params": {"n_partners": 2}}, {"name": "b"}],
        )
    )
    a, b = milieu_params(scen, 0), milieu_params(scen, 1)
    assert a.worker_turnover_annual == b.worker_turnover_annual == 0.3  # scenario > preset
    assert (a.n_partners, b.n_partners) == (2, 4)  # milieu > scenario
    assert a.worker_employer == "community"  # from the preset
    assert a.meetings_per_year == Params.model_fields["meetings_per_year"].default


def test_base_file_merging(tmp_path: Path):
    (tmp_path / "parent.toml").write_text(
        'name = "parent"\nbase = "default"\nmonths = 36\n[params]\nworker_fte = 2.0\n'
    )
    (tmp_path / "child.toml").write_text(
        'name = "child"\nbase = "parent.toml"\n[params]\nn_partners = 3\n'
    )
    scen = load_scenario(tmp_path / "child.toml")
    assert scen.name == "child" and scen.months == 36
    assert len(scen.milieux) == 4  # from default, through parent
    p = milieu_params(scen, 0)
    assert (p.worker_fte, p.n_partners) == (2.0, 3)


# -- scenario hash ------------------------------------------------------------------------------
def test_scenario_hash_is_stable_and_sensitive():
    h = scenario_hash(load_scenario("default"))
    assert re.fullmatch(r"[0-9a-f]{16}", h)
    assert scenario_hash(load_scenario("default")) == h
    assert scenario_hash(load_scenario("default", worker_fte=0.5)) != h
    assert scenario_hash(load_scenario("default", months=60)) != h
    assert scenario_hash(load_scenario("default", arrangement="omh_worker")) != h
    # same resolved parameters through a different route: same hash
    explicit = load_scenario("default", worker_fte=preset("ciusss_social_worker")["worker_fte"])
    assert (
        scenario_dict(explicit)["resolved_params"]
        == scenario_dict(load_scenario("default"))["resolved_params"]
    )


# -- input errors -------------------------------------------------------------------------------
def raises(data, *patterns, key=None):
    with pytest.raises(InputError) as info:
        validate(data, "s.toml")
    msg = str(info.value)
    assert "\n" not in msg, "one line"
    assert msg.startswith("s.toml: "), "names the file"
    for p in patterns:
        assert re.search(p, msg), (p, msg)
    if key is not None:
        assert info.value.key == key
    return info.value


def test_unknown_parameter_suggests_a_close_name():
    raises(
        with_(params={"worker_ftee": 1.0}),
        "unknown parameter",
        r"did you mean: worker_fte",
        key="params.worker_ftee",
    )
    raises(
        with_(milieux=[{"name": "a", "params": {"meetings_per_yr": 4}}]),
        "unknown parameter",
        "meetings_per_year",
        key="milieux[0].params.meetings_per_yr",
    )
    with pytest.raises(InputError, match=r"unknown override.*did you mean: worker_fte"):
        load_scenario("default", worker_ftee=1)
    with pytest.raises(InputError, match=r"unknown override.*months"):
        load_scenario("default", monhts=12)


def test_out_of_range_value():
    raises(
        with_(params={"worker_fte": 5.0}), r"less than or equal to 3", "5", key="params.worker_fte"
    )
    raises(
        with_(params={"move_out_annual": -0.1}),
        r"greater than or equal to 0",
        key="params.move_out_annual",
    )
    raises(
        with_(milieux=[{"name": "a", "params": {"worker_fte": 9.0}}]),
        "less than or equal",
        key="milieux[0].params.worker_fte",
    )
    raises(with_(months=0), "greater than or equal to 1", key="months")
    raises(
        with_(milieux=[{"name": "a", "ensembles": [{"units": 0}]}]),
        "greater than or equal",
        key="milieux[0].ensembles[0].units",
    )
    with pytest.raises(InputError, match="less than or equal to 3") as info:
        load_scenario("default", worker_fte=5)
    assert info.value.key == "worker_fte" and info.value.source == "overrides"


def test_out_of_range_key_names_the_scenario_level_when_milieux_have_params():
    # default.toml's milieux have their own params: the error is still the scenario's
    raises(
        with_(params={"worker_fte": 5.0}, milieux=[{"name": "a", "params": {"n_partners": 3}}]),
        key="params.worker_fte",
    )


def test_wrong_type():
    raises(with_(params={"worker_fte": "lots"}), "valid number", key="params.worker_fte")
    raises(
        with_(params={"network_present": "maybe"}), "valid boolean", key="params.network_present"
    )
    raises(
        with_(params={"worker_employer": "city"}), "city", "ciusss", key="params.worker_employer"
    )
    raises(with_(params="worker_fte = 1"), "table", key="params")


def test_unknown_arrangement():
    raises(
        with_(arrangement="ciusss"),
        "unknown arrangement 'ciusss'",
        "ciusss_social_worker",
        key="arrangement",
    )
    raises(
        with_(milieux=[{"name": "a", "arrangement": "omh_workers"}]),
        "unknown arrangement",
        "did you mean: omh_worker",
        key="milieux[0].arrangement",
    )


def test_unknown_milieu_in_an_event():
    raises(
        with_(events=[{"month": 2, "kind": "crisis", "milieu": "b"}]),
        "unknown milieu 'b'",
        key="events[0].milieu",
    )


def test_event_beyond_the_horizon_and_unknown_kind():
    raises(
        with_(events=[{"month": 13, "kind": "crisis"}]), "beyond the horizon", key="events[0].month"
    )
    raises(with_(events=[{"month": 2, "kind": "earthquake"}]), "earthquake", "worker_leaves")


def test_structural_errors():
    raises(with_(milieux=[]), "at least one")
    raises(with_(milieux=[{"name": "a"}, {"name": "a"}]), "unique")
    raises(with_(colour="blue"), "unknown key", key="colour")


def test_cycle_of_bases(tmp_path: Path):
    (tmp_path / "a.toml").write_text('name = "a"\nbase = "b.toml"\n')
    (tmp_path / "b.toml").write_text('name = "b"\nbase = "a.toml"\n')
    with pytest.raises(InputError, match="cycle") as info:
        load_scenario(tmp_path / "a.toml")
    assert info.value.key == "base"
    (tmp_path / "self.toml").write_text('name = "s"\nbase = "self.toml"\n')
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "self.toml")


def test_file_errors(tmp_path: Path):
    with pytest.raises(InputError, match="did you mean: default"):
        load_scenario("defualt")
    with pytest.raises(InputError, match="not found"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(InputError, match="malformed TOML") as info:
        load_scenario(bad)
    assert str(bad) in str(info.value)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('name = "u"\nbase = "default"\nmonth = 12\n')
    with pytest.raises(InputError, match=r"unknown key.*months") as info:
        load_scenario(unknown)
    assert info.value.key == "month"


def test_expanded_milieu_names_are_unique():
    data = with_(milieux=[{"name": "hlm", "copies": 2}, {"name": "hlm-1"}])
    try:
        scen = validate(data)
    except InputError:
        return  # rejecting the scenario is a fix too
    names = HLMModel(scen, seed=0, agents=False).milieu_names
    assert len(set(names)) == len(names), names
