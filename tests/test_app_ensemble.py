"""The workshop app on a calibrated ensemble (``hlmsim app --ensemble``): the option is checked
before the server starts, each (re)start of the runs draws one parameter set for the session's
seed (the same for both arrangements side by side), the levers apply over it, restoring the
defaults returns to it, and the page says which parameters the worlds use."""

from __future__ import annotations

from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_app_unit import FakePopen

import hlmsim
from hlmsim.app import cli as app_cli
from hlmsim.app.session import Session
from hlmsim.calibrate import posterior
from hlmsim.calibrate.posterior import Ensemble, load_ensemble, resolve_ensemble, write_ensemble
from hlmsim.errors import InputError
from hlmsim.i18n import LANGS, t
from hlmsim.i18n.formats import quote

META = {"scenario": "default", "hlmsim_version": "0.0", "catalogue_hash": "x", "command": "c"}
#: Three sets, every value away from the scenario's own (need_give_up_months: 24, trust gain:
#: 0.05, worker turnover: 0.14 in the default scenario).
VALUES = pd.DataFrame(
    {
        "need_give_up_months": [6.0, 9.0, 40.0],
        "trust_gain_per_contact": [0.02, 0.07, 0.11],
        "worker_turnover_annual": [0.3, 0.45, 0.6],
    }
)


@pytest.fixture(scope="module")
def ens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ens") / "small.parquet"
    return write_ensemble(VALUES, np.array([1.0, 1.0, 1.0]), META, path)


@pytest.fixture(scope="module")
def ens(ens_file: Path) -> Ensemble:
    return load_ensemble(ens_file)


def values_of(session: Session, run: int = 0) -> dict[str, Any]:
    return {name: session.param_value(name, run) for name in VALUES.columns}


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> type[FakePopen]:
    FakePopen.calls = []
    monkeypatch.setattr(app_cli.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(app_cli, "port_in_use", lambda host, port: False)
    return FakePopen


def test_the_ensemble_is_checked_before_the_server_starts(
    tmp_path: Path, ens_file: Path, fake_server: type[FakePopen], capsys: Any
) -> None:
    from hlmsim.cli import main

    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    for wrong in (bad, tmp_path / "absent.parquet"):
        assert main(["app", "--ensemble", str(wrong)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and wrong.name in lines[0], lines
    assert fake_server.calls == []
    # a good file: the server gets its absolute path; without one, no ensemble at all
    assert main(["app", "--ensemble", str(ens_file)]) == 0
    assert fake_server.calls[-1][1][app_cli.ENSEMBLE_ENV] == str(ens_file.resolve())
    assert "small.parquet" in capsys.readouterr().out
    assert main(["app"]) == 0
    assert app_cli.ENSEMBLE_ENV not in fake_server.calls[-1][1]
    env = app_cli.server_env("en", base={app_cli.ENSEMBLE_ENV: "/stray.parquet"})
    assert app_cli.ENSEMBLE_ENV not in env  # never inherited


def test_calibrated_without_a_shipped_ensemble_says_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_server: type[FakePopen], capsys: Any
) -> None:
    from hlmsim.cli import main

    monkeypatch.setattr(posterior, "shipped_ensemble_path", lambda s="default": tmp_path / "no")
    with pytest.raises(InputError, match="hlmsim calibrate") as err:
        resolve_ensemble("calibrated")
    assert "docs/calibration.md" in str(err.value) and "\n" not in str(err.value)
    assert main(["app", "--ensemble", "calibrated"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "calibrated" in lines[0] and "hlmsim calibrate" in lines[0]
    assert fake_server.calls == []


def test_calibrated_names_the_shipped_file(
    tmp_path: Path, ens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(posterior, "shipped_ensemble_path", lambda s="default": ens_file)
    assert resolve_ensemble("calibrated").source == str(ens_file)
    assert resolve_ensemble(str(ens_file)).source == str(ens_file)


# -- the session --------------------------------------------------------------------------------


def test_runs_use_the_set_drawn_for_the_seed(ens: Ensemble) -> None:
    s = Session(seed=3, ensemble=ens)
    assert s.drawn == ens.param_sets(1, 3)[0]
    assert values_of(s) == pytest.approx(s.drawn)
    assert s.model.param_sets == [s.drawn]
    # another seed draws again (three equally likely sets: some seed below 20 gives another)
    other = next(k for k in range(20) if ens.param_sets(1, k)[0] != s.drawn)
    s.configure(seed=other)
    assert s.drawn == ens.param_sets(1, other)[0]
    assert values_of(s) == pytest.approx(s.drawn)
    s.configure(seed=3)  # the same seed, the same world
    assert s.drawn == ens.param_sets(1, 3)[0]
    # without an ensemble nothing changes: the scenario's own values, no parameter set
    plain = Session(seed=3)
    assert plain.drawn is None and plain.model.param_sets is None
    assert values_of(plain) == pytest.approx(
        {
            "need_give_up_months": 24.0,
            "trust_gain_per_contact": 0.05,
            "worker_turnover_annual": 0.14,
        }
    )


def test_side_by_side_faces_the_same_drawn_set(ens: Ensemble) -> None:
    s = Session(seed=5, ensemble=ens, side_by_side=True, arrangement_a="omh_worker")
    assert len(s.runs) == 2
    assert values_of(s, 0) == pytest.approx(s.drawn)
    assert values_of(s, 1) == pytest.approx(s.drawn)
    a, b = s.runs[0].model, s.runs[1].model
    assert np.array_equal(a.hh.htype, b.hh.htype)  # the same households, as without an ensemble


def test_levers_apply_over_the_drawn_set_and_restore_returns_to_it(ens: Ensemble) -> None:
    s = Session(seed=3, ensemble=ens, side_by_side=True)
    drawn = dict(s.drawn)
    # a parameter read when the model is built: the run restarts with the lever's value
    assert s.set_param("need_give_up_months", 30) == "restart"
    assert s.param_value("need_give_up_months") == 30
    assert s.param_value("need_give_up_months", 1) == 30
    assert s.param_value("trust_gain_per_contact") == pytest.approx(drawn["trust_gain_per_contact"])
    # a live one, after month 0: from next month, in both runs
    s.step()
    assert s.set_param("worker_turnover_annual", 0.8) == "live"
    assert s.param_value("worker_turnover_annual") == pytest.approx(0.8)
    assert s.param_value("worker_turnover_annual", 1) == pytest.approx(0.8)
    s.reset()  # a restart keeps the levers over the drawn set
    assert s.param_value("worker_turnover_annual") == pytest.approx(0.8)
    assert s.param_value("need_give_up_months") == 30
    s.restore_defaults()  # back to the drawn set, not to the schema's or the scenario's values
    assert s.drawn == drawn
    assert values_of(s) == pytest.approx(drawn)
    assert values_of(s, 1) == pytest.approx(drawn)


# -- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_says_which_parameters_the_worlds_use(ens: Ensemble, lang: str) -> None:
    from hlmsim.app.page import ensemble_html

    s = Session(seed=3, ensemble=ens)
    html = ensemble_html(s, lang)
    assert 'data-testid="ensemble"' in html
    assert "small.parquet" in html and t("app_ensemble.sets", lang, n=3, count=3) in html
    assert "3" in html and t("app.restore_defaults", lang) in html
    for name in VALUES.columns:
        assert f'data-testid="drawn-{name}"' in html
    assert "{" not in html
    calibrated_on = quote(META["scenario"], lang)
    assert calibrated_on not in html
    s.configure(scenario="omh_worker")
    assert calibrated_on in ensemble_html(s, lang)  # calibrated on another scenario: said
    # calibrated on another version's results (0.0 here): said; on this version's: not
    other = t("report.w_other_version", lang, version="0.0", current=hlmsim.__version__)
    assert other in unescape(html)
    same = Ensemble(ens.values, ens.weights, {**ens.meta, "hlmsim_version": hlmsim.__version__},
                    ens.source)  # fmt: skip
    assert "hlmsim 0.0" not in unescape(ensemble_html(Session(seed=3, ensemble=same), lang))


def test_french_line_reads_as_french(ens: Ensemble) -> None:
    from hlmsim.app.page import ensemble_html

    html = unescape(ensemble_html(Session(seed=3, ensemble=ens), "fr"))
    assert "Paramètres\u202f: un monde tiré de l'ensemble calibré (small.parquet, 3 jeux" in html
    assert "tirage pour la graine 3" in html


def test_the_server_reads_the_ensemble_it_was_given(
    ens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hlmsim.app import page

    page.app_ensemble.cache_clear()
    try:
        monkeypatch.delenv(app_cli.ENSEMBLE_ENV, raising=False)
        assert page.app_ensemble() is None
        page.app_ensemble.cache_clear()
        monkeypatch.setenv(app_cli.ENSEMBLE_ENV, str(ens_file))
        loaded = page.app_ensemble()
        assert loaded is not None and loaded.parameters == list(VALUES.columns)
    finally:
        page.app_ensemble.cache_clear()


# -- in a real browser --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_served_page_runs_on_the_drawn_set(
    tmp_path: Path, ens_file: Path, ens: Ensemble
) -> None:
    """``hlmsim app --ensemble FILE`` in a real server and Debian's Chromium: the page names the
    ensemble and the draw, and an assumption the ensemble sets shows its drawn value."""
    from app_server import app_server
    from playwright.sync_api import sync_playwright

    with app_server(["--ensemble", str(ens_file)], tmp_path / "server.log") as url:
        drawn = ens.param_sets(1, 0)[0]
        with sync_playwright() as p:
            b = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                headless=True,
            )
            try:
                pg = b.new_page(viewport={"width": 1280, "height": 900})
                pg.set_default_timeout(30_000)
                pg.goto(url)
                line = pg.locator("[data-testid=ensemble]").inner_text()
                pg.click(".hlm-panel-head-assumptions")  # a closed panel
                assert "small.parquet" in line and "3 sets" in line and "seed 0" in line
                shown = pg.locator("[data-testid=param-worker_turnover_annual]").inner_text()
                assert float(shown) == pytest.approx(drawn["worker_turnover_annual"], abs=0.005)
                assert pg.locator(".hlm-param-worker_turnover_annual .hlm-drawn").count() == 1
            finally:
                b.close()
