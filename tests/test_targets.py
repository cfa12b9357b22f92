"""``hlmsim targets``: the catalogue's checks (one-line errors, exit 2, nothing written), the
engine's arithmetic (contrasts, distance, verdict), common random numbers and independence from
the number of workers, the report in both languages, and the command end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hlmsim.cli import main
from hlmsim.i18n import catalogue as texts
from hlmsim.i18n import placeholders
from hlmsim.model import HLMModel
from hlmsim.observables import OBSERVABLES, observe
from hlmsim.replication import batch_seeds
from hlmsim.reporting.targets import render_html, write_targets
from hlmsim.scenario import load_scenario, set_arrangement, validate
from hlmsim.targets import Target, load_catalogue
from hlmsim.targets.catalogue import Z_RANGE, Catalogue
from hlmsim.targets.engine import (
    COLUMNS,
    TargetsResult,
    contrast_values,
    run_targets,
    standardised,
    target_row,
    verdict,
)

# --- a small catalogue of our own ----------------------------------------------------------------

TINY_SCENARIO = """
name = "tiny"
arrangement = "ciusss_social_worker"
months = 24

[[milieux]]
name = "m0"
[[milieux.ensembles]]
units = 40
share_family = 0.4
share_senior = 0.3
"""


def entry(**over: Any) -> dict[str, Any]:
    """A valid target (on the tiny scenario beside the catalogue), with ``over`` applied (a
    value of None removes the key)."""
    base: dict[str, Any] = {
        "id": "isolation_level",
        "observable": "isolation_share",
        "role": "calibration",
        "scenario": "tiny.toml",
        "value": 0.1,
        "low": 0.05,
        "high": 0.2,
        "description_en": "Isolated households.",
        "description_fr": "Ménages isolés.",
        "setting_en": "A test.",
        "setting_fr": "Un essai.",
        "citation": "Nobody, 2024.",
        "applicability": "analogue",
        "range_basis_en": "Assumed.",
        "range_basis_fr": "Supposée.",
        "role_reason_en": "A test.",
        "role_reason_fr": "Un essai.",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def toml_value(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v)


def write_catalogue(folder: Path, entries: list[dict[str, Any]], name: str = "cat.toml") -> Path:
    """A catalogue file (and the tiny scenario beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.toml").write_text(TINY_SCENARIO, encoding="utf-8")
    text = "".join(
        "[[target]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in e.items()) + "\n"
        for e in entries
    )
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


#: Targets of the engine tests: two levels and their contrasts (same observable, both arms).
ENGINE_TARGETS = [
    entry(id="use_worker", observable="service_use_share", value=0.2, low=0.1, high=0.3),
    entry(
        id="use_usual",
        observable="service_use_share",
        arrangement="services_as_usual",
        value=0.2,
        low=0.1,
        high=0.3,
        role="validation",
    ),
    entry(
        id="use_difference",
        observable="service_use_share",
        versus="services_as_usual",
        contrast="difference",
        value=0.0,
        low=-0.05,
        high=0.05,
        role="validation",
    ),
    entry(
        id="use_odds",
        observable="service_use_share",
        arrangement="ciusss_social_worker",
        versus="services_as_usual",
        contrast="odds_ratio",
        value=1.01,
        low=None,
        high=None,
        sd=0.01,
    ),
    entry(
        id="community_vacancy",
        observable="vacancy_share_community",
        low=None,
        high=None,
        sd=0.02,
    ),
]


@pytest.fixture(scope="module")
def engine_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The engine targets with 1 and with 2 workers (2 batches each)."""
    path = write_catalogue(tmp_path_factory.mktemp("engine"), ENGINE_TARGETS)
    cat = load_catalogue(path)
    one = run_targets(cat, replications=15, seed=4, workers=1)
    two = run_targets(cat, replications=15, seed=4, workers=2)
    return {"path": path, "one": one, "two": two}


# --- the loader ----------------------------------------------------------------------------------


def test_the_shipped_catalogue_loads_and_holds_out_a_third_for_validation() -> None:
    cat = load_catalogue()
    assert len(cat) >= 3 and cat.source.endswith("hlmsim/targets/catalogue.toml")
    assert cat.validation_share() >= 1 / 3
    for t in cat:
        assert t.range_low <= t.value <= t.range_high and t.range_low < t.range_high
        assert t.citation.strip() and t.role in ("calibration", "validation")


def test_a_range_from_a_standard_deviation(tmp_path: Path) -> None:
    cat = load_catalogue(write_catalogue(tmp_path, [entry(low=None, high=None, sd=0.02)]))
    t = cat.get("isolation_level")
    assert t.range_low == pytest.approx(0.1 - Z_RANGE * 0.02)
    assert t.range_high == pytest.approx(0.1 + Z_RANGE * 0.02)


BAD_ENTRIES = {
    "missing key": ([entry(citation=None)], "isolation_level.citation", "missing"),
    "unknown key": ([entry(colour="blue")], "isolation_level.colour", "unknown key"),
    "low above high": ([entry(low=0.3, high=0.2)], "isolation_level.low", "below high"),
    "value outside": ([entry(value=0.5)], "isolation_level.value", "within"),
    "no range": ([entry(low=None, high=None)], "isolation_level.low", "low and high, or sd"),
    "range and sd": ([entry(sd=0.1)], "isolation_level.sd", "not both"),
    "sd not positive": ([entry(low=None, high=None, sd=0.0)], "isolation_level.sd", "positive"),
    "unknown observable": (
        [entry(observable="isolation")],
        "isolation_level.observable",
        "isolation_share",
    ),
    "bad role": ([entry(role="tuning")], "isolation_level.role", "calibration, validation"),
    "bad applicability": (
        [entry(applicability="close")],
        "isolation_level.applicability",
        "one of",
    ),
    "duplicate id": ([entry(), entry()], "isolation_level.id", "duplicate"),
    "versus without contrast": (
        [entry(versus="services_as_usual")],
        "isolation_level.contrast",
        "go together",
    ),
    "contrast without versus": ([entry(contrast="ratio")], "isolation_level.versus", "together"),
    "unknown arrangement": (
        [entry(arrangement="ciusss")],
        "isolation_level.arrangement",
        "unknown",
    ),
    "unknown scenario": ([entry(scenario="nowhere")], "isolation_level.scenario", "unknown"),
    "odds ratio of a non-share": (
        [
            entry(
                observable="stay_elapsed_mean",
                versus="services_as_usual",
                contrast="odds_ratio",
                value=1.0,
                low=0.5,
                high=2.0,
            )
        ],
        "isolation_level.contrast",
        "share",
    ),
    "spin-up too long": (
        [entry(spin_up_months=300)],
        "isolation_level.spin_up_months",
        "0 to 240",
    ),
    "spin-up not whole": ([entry(spin_up_months=1.5)], "isolation_level.spin_up_months", "int"),
    "bad id": ([entry(id="Stay-Mean")], "Stay-Mean.id", "lowercase"),
    "number as text": ([entry(value="0.1")], "isolation_level.value", "number"),
}


@pytest.mark.parametrize("case", list(BAD_ENTRIES))
def test_a_bad_catalogue_entry_exits_2_with_one_line_naming_file_target_and_key(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries, key, words = BAD_ENTRIES[case]
    path = write_catalogue(tmp_path, entries)
    out = tmp_path / "out"
    assert main(["targets", "--catalogue", str(path), "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hlmsim: error: "), lines
    assert str(path) in lines[0] and key in lines[0] and words in lines[0], lines[0]
    assert not out.exists()


def test_a_malformed_or_empty_catalogue_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "malformed TOML": "[[target]\nid = 1\n",
        "no target": "# nothing\n",
        "unknown key": 'title = "mine"\n',
    }
    for words, text in cases.items():
        path = tmp_path / "cat.toml"
        path.write_text(text, encoding="utf-8")
        assert main(["targets", "--catalogue", str(path), "--out", str(tmp_path / "o")]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and words in lines[0], lines
    assert main(["targets", "--catalogue", str(tmp_path / "missing.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_bad_options_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_catalogue(tmp_path, [entry()])
    out = tmp_path / "out"
    cases = {
        "--role": ["--role", "tuning"],
        "--replications": ["--replications", "1"],
        "--lang": ["--lang", "de"],
        "--seed": ["--seed", "-1"],
        "--workers": ["--workers", "0"],
        "unknown scenario": ["nowhere"],
    }
    for key, args in cases.items():
        assert main(["targets", "--catalogue", str(path), *args, "--out", str(out)]) == 2, key
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hlmsim: error: "), lines
        assert key in lines[0], lines
    only_calibration = write_catalogue(tmp_path / "c", [entry()])
    argv = ["targets", "--catalogue", str(only_calibration), "--role", "validation"]
    assert main([*argv, "--out", str(out)]) == 2
    assert "no validation target" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["targets", "--catalogue", str(path), "--out", str(other)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert not out.exists() and (other / "notes.txt").exists()


# --- the arithmetic ------------------------------------------------------------------------------


def test_contrasts_per_replicate_pair() -> None:
    a, b = np.array([0.5, 0.2, 1.0, 0.3]), np.array([0.25, 0.0, 0.5, 0.3])
    assert np.allclose(contrast_values("difference", a, b), [0.25, 0.2, 0.5, 0.0])
    ratio = contrast_values("ratio", a, b)
    assert ratio[0] == 2.0 and math.isnan(ratio[1]) and ratio[3] == 1.0
    odds = contrast_values("odds_ratio", a, b)
    assert odds[0] == pytest.approx((0.5 / 0.5) / (0.25 / 0.75))
    assert math.isnan(odds[1]) and math.isnan(odds[2]) and odds[3] == pytest.approx(1.0)


def test_standardised_distance_scales_each_side_by_its_half_width() -> None:
    # value 10 in a range 8 to 14: the upper side is 4 wide, the lower 2
    assert standardised(10, 10, 8, 14) == 0
    assert standardised(14, 10, 8, 14) == 1 and standardised(8, 10, 8, 14) == -1
    assert standardised(12, 10, 8, 14) == 0.5 and standardised(7, 10, 8, 14) == -1.5
    assert standardised(22, 10, 8, 14) == 3
    assert standardised(9, 10, 10, 14) == -0.5  # a side of zero width takes half the range
    assert math.isnan(standardised(math.nan, 10, 8, 14))
    assert verdict(8, 8, 14) == verdict(14, 8, 14) == "inside"
    assert verdict(7.9, 8, 14) == verdict(14.1, 8, 14) == "outside"
    assert verdict(math.nan, 8, 14) == "undefined"


def _target(**over: Any) -> Target:
    return Target.model_validate(entry(**over))


def test_a_row_of_the_table_on_fake_values() -> None:
    t = _target(value=10.0, low=8.0, high=14.0, observable="stay_elapsed_mean")
    row = target_row(t, np.array([11.0, 13.0, math.nan]))
    assert row["n"] == 2 and row["mean"] == 12 and row["verdict"] == "inside"
    assert row["distance"] == pytest.approx(0.5)
    assert row["ci_low"] < 12 < row["ci_high"]
    assert row["distance_ci_low"] == pytest.approx(standardised(row["ci_low"], 10, 8, 14))
    low = target_row(t, np.array([6.0, 8.0]))
    assert low["verdict"] == "outside" and low["distance"] == pytest.approx(-1.5)
    none = target_row(t, np.full(4, math.nan))
    assert none["verdict"] == "undefined" and math.isnan(none["distance"]) and none["n"] == 0
    sd = target_row(_target(low=None, high=None, sd=0.05), np.array([0.1 + Z_RANGE * 0.05] * 2))
    assert sd["verdict"] == "inside" and sd["distance"] == pytest.approx(1.0)


# --- the engine ----------------------------------------------------------------------------------


def test_results_are_bit_identical_with_one_and_two_workers(engine_runs: dict[str, Any]) -> None:
    one, two = engine_runs["one"], engine_runs["two"]
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    for k, v in one.values.items():
        assert np.array_equal(v, two.values[k], equal_nan=True), k
    assert list(one.table.columns) == list(COLUMNS)
    assert one.metadata["batch_seeds"] == batch_seeds(4, 2) and one.replications == 15
    assert all(len(v) == 15 for v in one.values.values())


def test_a_contrast_pairs_replicate_r_of_both_arms(engine_runs: dict[str, Any]) -> None:
    res: TargetsResult = engine_runs["one"]
    worker, usual = res.values["use_worker"], res.values["use_usual"]
    assert np.array_equal(res.values["use_difference"], worker - usual, equal_nan=True)
    assert np.allclose(
        res.values["use_odds"], contrast_values("odds_ratio", worker, usual), equal_nan=True
    )
    # each arm is the batch seeds' run of its arrangement (common random numbers)
    base = load_scenario(engine_runs["path"].parent / "tiny.toml")
    usual_scen = validate(set_arrangement(base.model_dump(), "services_as_usual"))
    first = HLMModel(usual_scen, seed=batch_seeds(4, 1)[0], agents=False, replicates=10).run()
    assert np.array_equal(observe(first, ["service_use_share"])["service_use_share"], usual[:10])
    tab = res.table.set_index("id")
    assert tab.loc["use_difference", "run"] == tab.loc["use_worker", "run"]  # one run shared
    assert tab.loc["use_difference", "versus_run"] == tab.loc["use_usual", "run"]
    assert len(res.metadata["runs"]) == 2
    # no community post in a CIUSSS arrangement: the model cannot give the figure
    assert tab.loc["community_vacancy", "verdict"] == "undefined"


def test_a_scenario_given_runs_every_target_on_it(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    write_catalogue(folder, [entry(scenario="default")])
    res = run_targets(folder / "cat.toml", scenario=folder / "tiny.toml", replications=2)
    assert list(res.table["scenario"]) == ["tiny"] and res.metadata["runs"][0]["months"] == 24


# --- the report ----------------------------------------------------------------------------------


def _fake_result(lang_free: bool = True) -> TargetsResult:
    """A result built by hand: inside, far outside (clipped in the figure), undefined."""
    ts = [
        _target(id="inside_one", value=10.0, low=8.0, high=14.0, observable="stay_elapsed_mean"),
        _target(id="far_out", role="validation", observable="service_use_share"),
        _target(id="no_value", role="validation", observable="vacancy_share_community"),
    ]
    values = {
        "inside_one": np.array([11.0, 13.0]),
        "far_out": np.array([0.9, 0.95]),
        "no_value": np.full(2, math.nan),
    }
    rows = []
    for t in ts:
        row = target_row(t, values[t.id])
        row.update({"scenario": "default", "arrangement": "ciusss_social_worker", "run": "r1"})
        row["versus_run"] = ""
        rows.append(row)
    meta = {"replications": 2, "seed": 0, "quick": True, "batch_size": 10, "seconds": 1.0}
    cat = Catalogue(tuple(ts), "test.toml")
    return TargetsResult(pd.DataFrame(rows, columns=list(COLUMNS)), values, cat, meta)


def test_the_report_lists_every_target_by_role_with_its_verdict(tmp_path: Path) -> None:
    res = _fake_result()
    out = write_targets(res, tmp_path / "out", "en")
    assert {p.name for p in out.iterdir()} == {"report.html", "targets.csv", "metadata.json"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<img ") == 1 and "http://" not in html
    assert 'id="table-calibration"' in html and 'id="table-validation"' in html
    assert '<tr id="target-far_out" data-verdict="outside">' in html
    assert '<tr id="target-no_value" data-verdict="undefined">' in html
    assert "1 of 1 calibration target is inside its range" in html
    assert "– to –" not in html  # an undefined target has no interval
    rows = pd.read_csv(out / "targets.csv")
    assert list(rows["id"]) == ["inside_one", "far_out", "no_value"]
    assert list(rows.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert list(rows["verdict"]) == ["inside", "outside", "undefined"]
    assert json.loads((out / "metadata.json").read_text("utf-8"))["lang"] == "en"


def _english_fragments() -> list[str]:
    """Pieces of the English texts of [targets] long enough to be words of a sentence, where
    the French text differs."""
    en, fr = texts("en"), texts("fr")
    out = []
    for key, text in en.items():
        if not key.startswith("targets.") or key.startswith("targets.cli_"):
            continue
        forms = text.values() if isinstance(text, dict) else [text]
        french = fr[key].values() if isinstance(fr[key], dict) else [fr[key]]
        for form, other in zip(forms, french, strict=True):
            if form == other:
                continue
            for name in placeholders(form):
                form = form.replace("{" + name + "}", "\0")
            for piece in form.replace("<", "\0").replace(">", "\0").split("\0"):
                piece = piece.strip()
                if len(piece) >= 8 and " " in piece and "hlmsim" not in piece:
                    out.append(piece)
    return out


def test_a_french_report_has_no_english_label_of_the_section(tmp_path: Path) -> None:
    html = render_html(_fake_result(), "fr", b"")
    assert '<html lang="fr">' in html and "Le modèle devant les faits" in html
    assert "hors de la plage" in html and "non défini" in html
    fragments = _english_fragments()
    assert len(fragments) > 40
    left = [f for f in fragments if f in html]
    assert not left, left


def test_every_observable_unit_has_a_label_in_both_languages() -> None:
    for lang in ("en", "fr"):
        found = texts(lang)
        for name, ob in OBSERVABLES.items():
            assert f"targets.units.{ob.unit}" in found, (lang, name, ob.unit)


# --- end to end ----------------------------------------------------------------------------------


def test_hlmsim_targets_quick_on_the_shipped_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "targets"
    assert main(["targets", "--quick", "--workers", "2", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"report.html", "targets.csv", "metadata.json"}
    rows = pd.read_csv(out / "targets.csv")
    assert list(rows["id"]) == load_catalogue().ids()
    assert set(rows["verdict"]) <= {"inside", "outside", "undefined"}
    meta = json.loads((out / "metadata.json").read_text("utf-8"))
    assert meta["replications"] == 10 and meta["quick"] is True
    for run in meta["runs"]:  # --quick keeps each scenario's whole horizon
        assert run["months"] == load_scenario(run["scenario"]).months
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and html.count("<img ") == 1
    printed = capsys.readouterr().out
    assert "wrote:" in printed and "report.html" in printed


def test_a_target_with_a_spin_up_runs_on_a_mature_start_of_its_own(tmp_path: Path) -> None:
    """A spin-up target gets its own run (the scenario with ``spin_up_months``), while a target
    without one shares the scenario's run; the report says after how long it is measured."""
    from hlmsim.targets.engine import plan_runs

    path = write_catalogue(
        tmp_path,
        [entry(), entry(id="mature", spin_up_months=24), entry(id="again", spin_up_months=24)],
    )
    runs, arms = plan_runs(load_catalogue(path))
    assert len(runs) == 2 and arms["mature"] == arms["again"] != arms["isolation_level"]
    assert runs[arms["mature"][0]].spin_up_months == 24
    assert runs[arms["isolation_level"][0]].spin_up_months == 0
    result = run_targets(path, replications=2)
    assert list(result.table["spin_up_months"]) == [0, 24, 24]
    html = (write_targets(result, tmp_path / "out", "en") / "report.html").read_text("utf-8")
    assert html.count("after a spin-up of 24 months") == 2
