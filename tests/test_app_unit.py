"""Unit tests of the workshop app's logic (no browser): serving address, labels from the schema,
the session behind a page (side by side, live events, levers, household stories), the SVG."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hlmsim.app import cli as app_cli
from hlmsim.app import labels, svg
from hlmsim.app.session import (
    APP_PARAMS,
    CHART_OUTCOMES,
    LIVE_EVENTS,
    LIVE_PARAMS,
    TABLE_OUTCOMES,
    Session,
    build_scenario,
    coerce,
)
from hlmsim.errors import InputError
from hlmsim.i18n import LANGS, catalogue, has, t
from hlmsim.i18n.formats import fmt_num
from hlmsim.mechanisms.events import EVENT_KINDS
from hlmsim.outcomes import OUTCOMES
from hlmsim.params import HOUSEHOLD_TYPES, PARTNER_KINDS, Params, field_meta

ROOT = Path(__file__).resolve().parents[1]


# -- serving: this computer only unless --host says otherwise ----------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hlmsim")
    sub = parser.add_subparsers(dest="command", required=True)
    app_cli.add_parser(sub)
    return parser.parse_args(argv)


class FakePopen:
    """Stands for the server process: records its command and environment."""

    calls: list[tuple[list[str], dict[str, str]]] = []

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        FakePopen.calls.append((cmd, env))

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def terminate(self) -> None:  # pragma: no cover - not reached
        pass


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> type[FakePopen]:
    FakePopen.calls = []
    monkeypatch.setattr(app_cli.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(app_cli, "port_in_use", lambda host, port: False)
    return FakePopen


REAL_PORT_IN_USE = app_cli.port_in_use


def _host_of(cmd: list[str]) -> str:
    return cmd[cmd.index("--host") + 1]


def test_default_is_loopback_whatever_the_environment(
    fake_server: type[FakePopen], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("SOLARA_HOST", "0.0.0.0")
    args = parse(["app"])
    assert args.host is None and args.port == app_cli.DEFAULT_PORT and args.lang == "en"
    assert app_cli.main_app(args) == 0
    cmd, env = fake_server.calls[0]
    assert _host_of(cmd) == "127.0.0.1"
    assert "HOST" not in env and "SOLARA_HOST" not in env
    assert "warning" not in capsys.readouterr().err


def test_non_loopback_only_when_explicit_with_a_warning(
    fake_server: type[FakePopen], capsys: Any
) -> None:
    with pytest.raises(InputError, match="refusing"):
        app_cli.resolve_host("0.0.0.0", explicit=False)
    with pytest.raises(InputError, match="refusing"):
        app_cli.resolve_host("192.168.1.20", explicit=False)
    assert app_cli.main_app(parse(["app", "--host", "0.0.0.0", "--port", "9000"])) == 0
    cmd, _ = fake_server.calls[0]
    assert _host_of(cmd) == "0.0.0.0" and cmd[cmd.index("--port") + 1] == "9000"
    err = capsys.readouterr().err
    assert "warning" in err and "0.0.0.0" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_addresses_need_no_warning(host: str) -> None:
    assert app_cli.is_loopback(host)
    assert app_cli.resolve_host(host, explicit=False) == (host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "example.org"])
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not app_cli.is_loopback(host)


def test_bad_port_and_language(fake_server: type[FakePopen]) -> None:
    with pytest.raises(InputError, match="65535"):
        app_cli.main_app(parse(["app", "--port", "70000"]))
    with pytest.raises(SystemExit):
        parse(["app", "--lang", "de"])
    assert fake_server.calls == []


def test_port_in_use_is_reported(
    fake_server: type[FakePopen], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setattr(app_cli, "port_in_use", REAL_PORT_IN_USE)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert app_cli.port_in_use("127.0.0.1", port)
        with pytest.raises(InputError, match="already in use"):
            app_cli.main_app(parse(["app", "--port", str(port)]))
    assert fake_server.calls == []


def test_server_runs_offline_and_in_the_chosen_language() -> None:
    env = app_cli.server_env("fr", base={"HOST": "0.0.0.0", "PATH": "/bin"})
    assert env["HLMSIM_APP_LANG"] == "fr"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert "HOST" not in env and env["PATH"] == "/bin"
    cmd = app_cli.server_command("127.0.0.1", 8765)
    assert cmd[:5] == [sys.executable, "-m", "solara", "run", "hlmsim.app.page"]
    assert "--production" in cmd and "--no-check-version" in cmd


def test_app_cli_is_light_and_the_model_never_imports_the_app() -> None:
    code = (
        "import sys, hlmsim, hlmsim.run, hlmsim.compare;"
        "assert not [m for m in sys.modules if m.startswith('hlmsim.app')], 'model imports app';"
        "import hlmsim.app.cli;"
        "assert 'solara' not in sys.modules, 'hlmsim.app.cli imports solara'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- labels: derived from the schema, complete in both languages -------------------------------


def test_every_label_in_both_languages() -> None:
    # the catalogue's completeness is tests/test_i18n.py's; here: a label for every kind
    for lang in LANGS:
        texts = catalogue(lang)
        for section, kinds in (
            ("events", EVENT_KINDS),
            ("partners", PARTNER_KINDS),
            ("households", HOUSEHOLD_TYPES),
        ):
            have = {k.split(".", 1)[1] for k in texts if k.startswith(section + ".")}
            assert have == set(kinds), (lang, section)
    assert set(LIVE_EVENTS) <= set(EVENT_KINDS)


def test_sources_in_french() -> None:
    # every parameter's source has its French; citations (proper names) kept as written
    for name in Params.model_fields:
        source = field_meta(name)["source"]
        assert f"app.sources.{source}" in catalogue("fr"), source
        assert labels.source_text(source, "en") == source
    fr = labels.source_text("study finding 1", "fr")
    assert fr == "constat 1 de l'étude"
    assert "Lindau et al. 2021" in labels.source_text(
        "CommunityRx nurse dose 0.15, within clinicians' 0.05-0.25 (Lindau et al. 2021)", "fr"
    )
    assert labels.source_text("assumption; not in the catalogue", "fr").startswith("hypothèse;")


def test_controls_come_from_the_schema() -> None:
    assert len(set(APP_PARAMS)) == len(APP_PARAMS)
    levers = [n for n in APP_PARAMS if field_meta(n)["lever"]]
    assert 8 <= len(levers) <= 10
    for name in APP_PARAMS:
        meta = field_meta(name)
        assert labels.param_label(name, "en") == meta["label_en"]
        assert labels.param_label(name, "fr") == meta["label_fr"] != meta["label_en"]
        assert meta["min"] is not None and meta["max"] is not None
        for lang in ("en", "fr"):
            assert labels.param_unit(name, lang)
            assert labels.param_help(name, lang)
        assert has(f"units.{meta['unit']}", "fr"), (name, meta["unit"])  # every unit has its French
    assert "source\u202f: hypothèse" in labels.param_help("worker_fte", "fr")
    assert "source: assumption" in labels.param_help("worker_fte", "en")
    for key in TABLE_OUTCOMES:
        assert key in OUTCOMES
        assert labels.outcome_label(key, "fr") == OUTCOMES[key].fr
    assert set(CHART_OUTCOMES) <= set(TABLE_OUTCOMES)


def test_live_params_are_never_read_when_the_model_is_built() -> None:
    built = (ROOT / "hlmsim" / "state.py").read_text() + (ROOT / "hlmsim" / "model.py").read_text()
    for name in LIVE_PARAMS:
        assert name in Params.model_fields
        assert f"mp.{name}" not in built, name


def test_number_format() -> None:
    assert fmt_num(12345.678, 1, "en") == "12,345.7"
    assert fmt_num(12345.678, 1, "fr") == "12\u202f345,7"
    assert fmt_num(float("nan"), 2, "en") == "–"
    assert fmt_num(-0.5, 1, "en") == "\u22120.5"
    assert fmt_num(-0.001, 2, "fr") == "0,00"


# -- the session ---------------------------------------------------------------------------------


def test_side_by_side_shares_households_and_needs() -> None:
    s = Session(side_by_side=True, arrangement_b="services_as_usual")
    for _ in range(24):
        s.step()
    a, b = s.runs
    assert a.t == b.t == 24
    assert np.array_equal(a.model.hh.hid, b.model.hh.hid)
    for ra, rb in zip(a.model.records, b.model.records, strict=True):
        assert np.array_equal(ra["needs_new"], rb["needs_new"])
    assert a.current("trust_worker", 0) > 0.02
    assert b.current("trust_worker", 0) == 0.0
    assert s.arrangement_of(0) == ("ciusss_social_worker", True)
    assert s.arrangement_of(1) == ("services_as_usual", False)


def test_worker_departure_next_month() -> None:
    s = Session()
    for _ in range(30):
        s.step()
    before = s.runs[0].current("trust_worker", s.milieu)
    s.trigger("worker_leaves")
    assert s.pending() == ["worker_leaves"]
    s.step()
    assert s.pending() == []
    assert s.runs[0].current("trust_worker", s.milieu) < 0.6 * before
    assert not s.model.ms.worker_filled[s.milieu]
    assert s.model.ms.worker_filled[1 - s.milieu]  # only the selected milieu


def test_levers_live_or_restart() -> None:
    s = Session(side_by_side=True)
    for _ in range(5):
        s.step()
    assert s.set_param("meetings_per_year", 4) == "live"
    assert s.t == 5
    assert all(r.model.mp.meetings_per_year.tolist() == [4.0] * 4 for r in s.runs)
    assert s.set_param("partners_colocated_share", 0.8) == "restart"
    assert s.t == 0
    assert s.param_value("meetings_per_year") == 4.0  # kept through the restart
    assert s.param_value("partners_colocated_share", 1) == 0.8
    s.restore_defaults()
    assert s.overrides == {} and s.param_value("meetings_per_year") == 10.0
    assert coerce("n_partners", 3.6) == 4
    assert coerce("worker_fte", 9) == 3.0
    with pytest.raises(ValueError):
        s.set_param("not_a_parameter", 1)


def test_overrides_apply_to_every_milieu_over_its_own_values() -> None:
    scen = build_scenario("default", None, {"network_origin": "vision"})
    assert all(m.params["network_origin"] == "vision" for m in scen.milieux)


def test_stories_and_series_read_month_by_month_equal_a_fresh_reading() -> None:
    """A followed household's story and the charts' series are read from where the previous
    month stopped: the same as reading the whole history again, moves and events included."""
    import copy

    from hlmsim.app.session import household_story

    s = Session(seed=3)
    run = s.runs[0]
    hids = [int(h) for h in run.model.hh.hid[:40:4]]
    moved = set()
    for month in range(60):
        s.step()
        if month % 7 == 0:
            s.trigger("worker_leaves")
        for hid in hids:
            kept = household_story(run.model, run.history, hid)
            fresh = copy.copy(run.history)
            fresh.stories = {}
            again = household_story(run.model, fresh, hid)
            assert kept == again, (month, hid)
            if kept is not None and kept.moved_out is not None:
                moved.add(hid)
        full = np.array([rec["needs_met"][0] for rec in run.model.records], dtype=float)
        assert np.array_equal(run.series("needs_met", 0), full)
    assert moved  # the case of a household moving out was met
    story = s.story()
    assert story is not None
    story.months.append(-1)  # a caller's copy: the kept story is untouched
    assert s.story() != story


def test_household_story_follows_a_household_and_its_moving_out() -> None:
    s = Session()
    for _ in range(48):
        s.step()
    hist = s.runs[0].history
    first, last = hist.snaps[0]["hid"], hist.snaps[-1]["hid"]
    gone = int(first[first != last][0])
    assert s.follow(gone)
    story = s.story()
    assert story is not None and story.hid == gone
    assert story.moved_out is not None and story.successor is not None
    assert story.successor == int(s.model.hh.hid[story.row]) or story.moved_out < 48
    stayed = int(first[first == last][0])
    assert s.follow(stayed)
    story = s.story()
    assert story.moved_out is None and story.months[-1] == 48
    kinds = {key for _, key, _ in story.events}
    assert kinds <= {
        "ev_contact", "ev_need", "ev_request", "ev_served", "ev_dropped", "ev_closed",
        "ev_given_up", "ev_mutual_aid", "ev_worker_left", "ev_new_worker",
    }  # fmt: skip
    for _, key, values in story.events:
        assert t(f"app.{key}", "fr", **values) and t(f"app.{key}", "en", **values)
    assert not s.follow(10**9)
    hid = s.pick_random_household()
    assert int(s.model.hh.milieu[np.nonzero(s.model.hh.hid == hid)[0][0]]) == s.milieu


def test_random_household_leaves_the_model_untouched() -> None:
    a, b = Session(), Session()
    for _ in range(3):
        a.pick_random_household()
    for _ in range(12):
        a.step()
        b.step()
    assert a.runs[0].current("needs_met", 0) == b.runs[0].current("needs_met", 0)


# -- pictures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_svg_is_well_formed(lang: str) -> None:
    s = Session(side_by_side=True)
    s.trigger("crisis")
    s.trigger("funding_cut")
    for _ in range(14):
        s.step()
    m = s.milieu
    pics = [
        svg.line_chart("Titre « x » & <y>", "unit", [("#000", s.runs[0].series("needs_met", m))],
                       120, lang, [(1, "crise")], testid="c"),
        svg.network_svg(s.model, m, lang, "n"),
        svg.network_svg(s.runs[1].model, m, lang, "n"),
        svg.story_svg(s.story(), 120, lang, "st"),
    ]  # fmt: skip
    for c in svg.COLOUR_BY:
        pics.append(svg.residents_svg(s.model, m, c, lang, highlight=s.story_hid))
    for pic in pics:
        ET.fromstring(pic)
    grid = ET.fromstring(pics[-1])
    rects = [e for e in grid.iter() if e.tag.endswith("rect")]
    assert len(rects) >= s.households_in(m)


def test_network_lines_follow_inter_organisational_trust() -> None:
    s = Session()
    for _ in range(12):
        s.step()
    pic = svg.network_svg(s.model, 0, "en", "n")
    shown = {p: float(v) for p, v in re.findall(r'data-partner="(\w+)" data-trust="([\d.]+)"', pic)}
    ms = s.model.ms
    expected = {
        k: float(ms.trust[0, p]) for p, k in enumerate(svg.PARTNER_KINDS) if ms.member[0, p]
    }
    assert shown.keys() == expected.keys()
    for k, v in expected.items():
        assert shown[k] == pytest.approx(v, abs=1e-4)


def test_colour_scales() -> None:
    assert svg.seq_colour(0) == "#ffffd9" and svg.seq_colour(1) == "#081d58"
    assert svg.seq_colours(np.array([0.0, 1.0, np.nan])) == ["#ffffd9", "#081d58", "#ffffd9"]
    assert svg.nice_ceil(0.23) == 0.25 and svg.nice_ceil(0) == 1.0 and svg.nice_ceil(7) == 8


def test_slider_steps_are_round_and_hit_the_default() -> None:
    from hlmsim.app.page import slider_step

    for name in APP_PARAMS:
        meta = field_meta(name)
        step = slider_step(meta)
        span = float(meta["max"]) - float(meta["min"])
        if meta["kind"] == "int":
            assert step == 1
            continue
        assert 20 <= span / step <= 2000, (name, step)
        n = (float(meta["default"]) - float(meta["min"])) / step
        assert abs(n - round(n)) < 1e-6, (name, step)


# -- on a projector: legible side by side, no developer's line, no "−0" -------------------------


def test_two_lines_stay_visible_where_they_coincide() -> None:
    same = np.array([0.2, 0.3, 0.4])
    pic = svg.line_chart("t", "u", [(svg.COLOURS[0], same), (svg.COLOURS[1], same)], 120, "fr",
                         note="B − A : 0,00")  # fmt: skip
    root = ET.fromstring(pic)
    polys = [e for e in root.iter() if e.tag.endswith("polyline")]
    assert [p.get("data-run") for p in polys] == ["a", "b"]  # B drawn on top of A
    a, b = polys
    assert a.get("points") == b.get("points")
    assert a.get("stroke-dasharray") is None and b.get("stroke-dasharray")
    assert float(a.get("stroke-width")) > float(b.get("stroke-width"))  # A shows around B
    assert "B − A : 0,00" in pic
    one = ET.fromstring(svg.line_chart("t", "u", [(svg.COLOURS[0], same)], 120, "en"))
    assert [p.get("stroke-dasharray") for p in one.iter() if p.tag.endswith("polyline")] == [None]
    for k in (0, 1):  # the legend draws each run's stroke
        key = ET.fromstring(svg.line_key(k))
        line = next(e for e in key.iter() if e.tag.endswith("line"))
        assert (line.get("stroke-dasharray") is None) == (k == 0)


def test_differences_never_read_minus_zero() -> None:
    from hlmsim.app.page import signed

    assert signed(-0.001, 2, "fr") == "0,00"
    assert signed(-0.004, 2, "en") == "0.00"
    assert signed(0.004, 2, "en") == "0.00"
    assert signed(0.3, 2, "en") == "+0.30"
    assert signed(-120, 1, "en").endswith("120.0") and not signed(-120, 1, "en").startswith("+")


@pytest.mark.parametrize("lang", LANGS)
def test_timings_only_in_debug_mode(lang: str) -> None:
    from hlmsim.app.page import status_html

    s = Session()
    s.step()
    assert 'data-testid="update-ms"' not in status_html(s, lang)
    assert t("app.update_ms", lang).split("{")[0].strip() not in status_html(s, lang)
    assert 'data-testid="update-ms"' in status_html(s, lang, debug=True)


def test_debug_flag_reaches_the_server(fake_server: type[FakePopen]) -> None:
    assert app_cli.main_app(parse(["app"])) == 0
    assert "HLMSIM_APP_DEBUG" not in fake_server.calls[-1][1]
    assert app_cli.main_app(parse(["app", "--debug"])) == 0
    assert fake_server.calls[-1][1]["HLMSIM_APP_DEBUG"] == "1"
    env = app_cli.server_env("en", base={"HLMSIM_APP_DEBUG": "1"})
    assert "HLMSIM_APP_DEBUG" not in env  # never inherited from the environment


def test_network_labels_keep_inside_the_picture() -> None:
    """Partner names on the sides run outwards, on lines short enough to fit the picture."""
    s = Session()
    s.trigger("funding_cut")
    for _ in range(3):
        s.step()
    for width in (400, 420):
        for lang in LANGS:
            root = ET.fromstring(svg.network_svg(s.model, s.milieu, lang, "n", width))
            for e in root.iter():
                if not e.tag.endswith("text") or not (e.text or "").strip():
                    continue
                x, size = float(e.get("x")), float(e.get("font-size"))
                est = 0.55 * size * len(e.text)  # a generous estimate of the text's width
                anchor = e.get("text-anchor", "start")
                lo = x - est if anchor == "end" else x - est / 2 if anchor == "middle" else x
                assert lo >= -2 and lo + est <= width + 2, (lang, width, e.text, lo, est)
    assert svg.wrap_label("Municipalité / bibliothèque", 16) == ["Municipalité /", "bibliothèque"]


# -- a reload keeps the run; designs as scenario files ------------------------------------------


def test_store_keeps_a_session_over_a_reload_and_forgets_it_later() -> None:
    from hlmsim.app.session import KEEP_SECONDS, SessionStore

    made: list[object] = []

    def factory() -> object:
        made.append(object())
        return made[-1]

    store = SessionStore(factory)
    tok, s1 = store.open(None, now=0.0)
    assert store.open(tok, now=1.0) == (tok, s1)  # a reload: the same session
    tok2, s2 = store.open("unknown", now=1.0)
    assert tok2 != tok and s2 is not s1 and len(made) == 2
    store.attach(tok)
    store.detach(tok, now=10.0)  # the page closed (reloading)
    assert KEEP_SECONDS >= 10 * 60
    assert store.open(tok, now=10.0 + 10 * 60) == (tok, s1)  # ten minutes later: still there
    store.attach(tok2)  # a page shows it: never dropped
    store.prune(now=10.0 + 10 * 60 + KEEP_SECONDS + 1)
    assert tok not in store and tok2 in store


def test_a_design_file_replays_the_run_in_the_app_and_with_hlmsim_run(tmp_path: Path) -> None:
    from hlmsim.app.session import apply_design, design_toml, read_design, session_design
    from hlmsim.model import HLMModel
    from hlmsim.scenario import load_scenario

    s = Session(arrangement_a="community_worker", seed=4)
    s.set_param("meetings_per_year", 6)
    s.set_param("association_support", True)
    for _ in range(4):
        s.step()
    s.trigger("crisis")
    for _ in range(6):
        s.step()
    text = design_toml(session_design(s, "Équipe « Nord »"))
    design = read_design(text.encode("utf-8"), "team.toml")
    assert design["arrangement"] == "community_worker"
    assert design["params"] == {"association_support": True, "meetings_per_year": 6}
    assert design["events"] == [{"month": 5, "kind": "crisis", "milieu": "mtl-famille"}]
    assert design["name"] == "Équipe « Nord »"
    # loaded in another page: the same run
    other = Session(seed=4)
    apply_design(other, design)
    for _ in range(10):
        other.step()
    assert other.arrangement_a == "community_worker"
    for key in ("trust_worker", "needs_met", "engagement"):
        assert np.array_equal(other.runs[0].series(key, 0), s.runs[0].series(key, 0)), key
    assert [e[:2] for e in other.runs[0].events] == [(5, "crisis")]
    # and the file is a scenario that `hlmsim run` reads as it is
    path = tmp_path / "design.toml"
    path.write_text(text, encoding="utf-8")
    model = HLMModel(load_scenario(path), seed=4, agents=False)
    for _ in range(10):
        model.step()
    assert np.array_equal(
        np.array([r["trust_worker"][0] for r in model.records]), s.runs[0].series("trust_worker", 0)
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('base = "default"\ncolour = "red"\n', "colour"),
        ('base = "nowhere"\n', "base"),
        ('arrangement = "omh_worker"\n', "base"),
        ('base = "default"\n[params]\nmeetings_per_year = 900\n', "meetings_per_year"),
        ('base = "default"\n[[events]]\nmonth = 3\nkind = "crisis"\nmilieu = "x"\n', "milieu"),
        ('base = "default"\n[[events]]\nmonth = 3\nkind = "party"\n', "kind"),
        ("base = \n", None),
    ],
)
def test_a_bad_design_file_is_refused_in_one_line(text: str, key: str | None) -> None:
    from hlmsim.app.session import read_design

    with pytest.raises(InputError) as err:
        read_design(text.encode("utf-8"), "team.toml")
    msg = str(err.value)
    assert msg.startswith("team.toml") and "\n" not in msg
    if key:
        assert key in msg
