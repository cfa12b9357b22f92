"""The calibration file (issue 13): bad files exit 2 with one line naming the file and the key,
and nothing is written; the shipped calibration is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlmsim.calibrate.config import MAX_PARAMETERS, load_calibration
from hlmsim.cli import main
from hlmsim.errors import InputError

GOOD = """
scenario = "default"
targets = ["agarwal2021_social_housing_isolation"]
population = 20
[parameters]
isolation_threshold = {}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run_bad(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = _write(tmp_path, text)
    out = tmp_path / "out"
    code = main(["calibrate", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err, err
    assert err.startswith("hlmsim: error: ")
    assert str(path) in err
    assert not out.exists()
    return err


def test_shipped_default_is_valid() -> None:
    cal = load_calibration()
    assert 8 <= len(cal.priors) <= 12
    assert all(t.role == "calibration" for t in cal.catalogue)
    quick = load_calibration(quick=True)
    assert quick.spec.population < cal.spec.population
    assert quick.name == "default-quick"


def test_default_prior_is_the_plausible_range(tmp_path: Path) -> None:
    cal = load_calibration(_write(tmp_path, GOOD))
    (p,) = cal.priors
    assert (p.kind, p.low, p.high) == ("uniform", 0.1, 0.3)
    assert cal.target_ids == ["agarwal2021_social_housing_isolation"]


def test_unknown_parameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _run_bad(tmp_path, GOOD.replace("isolation_threshold", "isolation_treshold"), capsys)
    assert "parameters.isolation_treshold" in err
    assert "did you mean: isolation_threshold" in err


def test_unknown_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _run_bad(tmp_path, GOOD.replace("agarwal2021_", "agarwal2020_"), capsys)
    assert "targets[0]" in err and "unknown target" in err


def test_prior_outside_the_schema_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = GOOD.replace("isolation_threshold = {}", "isolation_threshold = {range = [0.1, 1.5]}")
    err = _run_bad(tmp_path, text, capsys)
    assert "parameters.isolation_threshold.range" in err
    assert "[0, 1]" in err


def test_validation_target_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = GOOD.replace("agarwal2021_social_housing_isolation", "synergie_regular_participation")
    err = _run_bad(tmp_path, text, capsys)
    assert "targets[0]" in err
    assert "validation targets are held out" in err


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("populaton = 3\n" + GOOD, "populaton", "did you mean: population"),
        (
            GOOD.replace("{}", '{prior = "normal"}'),
            "parameters.isolation_threshold.prior",
            "uniform",
        ),
        (GOOD.replace("{}", '{prior = "loguniform", range = [0, 0.3]}'), "range", "positive"),
        (GOOD + "[screening]\ntrajectories = 4\n", "parameters", "either [parameters]"),
        (
            GOOD.replace("isolation_threshold = {}", "worker_vacancy_months = {}"),
            "worker_vacancy",
            "preset",
        ),
        (
            GOOD.replace("isolation_threshold = {}", "network_origin = {}"),
            "network_origin",
            "numeric",
        ),
        (GOOD + "[quick]\npopulaton = 3\n", "quick.populaton", "allowed in [quick]"),
        ("kernel_scaling = 0\n" + GOOD, "kernel_scaling", "greater than 0"),
        ('kernel = "wide"\n' + GOOD, "kernel", "twice_covariance"),
        (GOOD + "[stopping]\nmax_generations = 0\n", "stopping.max_generations", "greater"),
        (GOOD.replace('"default"', '"defualt"'), "scenario", "did you mean: default"),
    ],
)
def test_bad_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str], text, key, words) -> None:
    err = _run_bad(tmp_path, text, capsys)
    assert key in err and words in err, err


def test_too_many_parameters(tmp_path: Path) -> None:
    names = [
        "isolation_threshold",
        "ties_half_life_months",
        "trust_gain_per_contact",
        "follow_up_priority",
        "new_contact_priority",
        "worker_rampup_months",
        "referral_base_logodds",
        "referral_tie_effect",
        "disclosure_base_logodds",
        "wait_give_up_monthly",
        "outreach_max_refusals",
        "participation_propensity_sd",
        "outreach_previous_contacts_effect",
        "peer_learning",
        "knowledge_floor",
        "crisis_months",
    ]
    assert len(names) > MAX_PARAMETERS
    text = (
        GOOD.split("[parameters]")[0] + "[parameters]\n" + "".join(f"{n} = {{}}\n" for n in names)
    )
    with pytest.raises(InputError, match="at most 15 parameters") as info:
        load_calibration(_write(tmp_path, text))
    assert info.value.key == "parameters"


def test_quick_without_quick_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\[quick\]"):
        load_calibration(_write(tmp_path, GOOD), quick=True)


def test_folder_is_not_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "notes.txt" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_engine_imports_no_reporting_module() -> None:
    """The calibration's modules return results; the reports import them, never the reverse
    (read from their import statements: importing pyabc takes seconds)."""
    import ast

    import hlmsim.calibrate

    folder = Path(hlmsim.calibrate.__file__).parent
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("reporting" in n for n in names), f"{path.name} imports {names}"


def test_evaluate_gives_one_row_per_point_one_column_per_target() -> None:
    from hlmsim.calibrate.simulate import evaluate

    points = [{}, {"isolation_threshold": 0.3}]
    df = evaluate(points, seed=1, months=12, catalogue=None)
    cal_ids = [t.id for t in load_calibration().catalogue]
    assert list(df.columns) == cal_ids and len(df) == 2
    iso = "agarwal2021_social_housing_isolation"
    assert df.loc[1, iso] > df.loc[0, iso]  # a higher threshold counts more households isolated


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--workers", "0"], "--workers: must be a whole number of at least 1"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
        (["--lang", "de"], "--lang: must be en or fr"),
    ],
)
def test_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], words: str
) -> None:
    path = _write(tmp_path, GOOD)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err
    assert not out.exists()


SCREENED = GOOD.replace("[parameters]\nisolation_threshold = {}\n", "") + (
    '[screening]\nstored = "screen.parquet"\n'
)


def test_a_stored_screening_chooses_the_parameters(tmp_path: Path) -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "parameter": ["isolation_threshold", "need_give_up_months", "ties_half_life_months"],
            "score": [0.5, 1.0, 0.05],
            "rank": [2, 1, 3],
            "selected": [True, True, False],
        }
    )
    table.to_parquet(tmp_path / "screen.parquet")
    cal = load_calibration(_write(tmp_path, SCREENED))
    assert [p.name for p in cal.priors] == ["need_give_up_months", "isolation_threshold"]
    assert cal.screening_table is not None and len(cal.screening_table) == 3


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (None, "no such file"),
        ({"parameter": ["isolation_threshold"], "rank": [1]}, "missing column(s) selected"),
        ({"parameter": ["isolation_treshold"], "rank": [1], "selected": [True]}, "again"),
        ({"parameter": ["isolation_threshold"], "rank": [1], "selected": [False]}, "selects no"),
    ],
)
def test_bad_stored_screening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table, words
) -> None:
    import pandas as pd

    if table is not None:
        pd.DataFrame(table).to_parquet(tmp_path / "screen.parquet")
    err = _run_bad(tmp_path, SCREENED, capsys)
    assert "screening.stored" in err and words in err, err


def test_the_kernels_are_pyabc_bandwidth_selectors() -> None:
    import math

    from hlmsim.calibrate.engine import KERNELS

    # pyabc multiplies the weighted covariance by the factor squared
    assert KERNELS["twice_covariance"](300, 12) ** 2 == pytest.approx(2.0)
    silverman = KERNELS["silverman"](300, 12)
    assert silverman == pytest.approx((4 / (300 * (12 + 2))) ** (1 / (12 + 4)))
    assert 0 < silverman < 1 and math.isfinite(silverman)


def test_a_folder_of_another_storage_format_is_not_resumed(tmp_path: Path) -> None:
    import json

    from hlmsim.calibrate.config import load_calibration
    from hlmsim.calibrate.engine import FORMAT, check_folder
    from hlmsim.errors import InputError

    cal = load_calibration("default")
    out = tmp_path / "cal"
    out.mkdir()
    meta = {"format": FORMAT - 1, "calibration_hash": cal.hash, "calibration": cal.name}
    (out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(InputError, match="another version of hlmsim"):
        check_folder(out, cal, resume=True)
    meta["format"] = FORMAT
    (out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert check_folder(out, cal, resume=True)["format"] == FORMAT


def test_log_uniform_parameters_run_on_their_logarithm() -> None:
    import math

    from hlmsim.calibrate.config import Prior
    from hlmsim.calibrate.engine import make_prior, natural

    priors = [Prior("need_give_up_months", "loguniform", 12.0, 48.0), Prior("x", "uniform", 0, 1)]
    prior = make_prior(priors)
    # flat in the logarithm: the same density at both ends of the range
    lo, hi = math.log(12.0), math.log(48.0)
    assert prior.pdf({"need_give_up_months": lo + 1e-9, "x": 0.5}) == pytest.approx(
        prior.pdf({"need_give_up_months": hi - 1e-9, "x": 0.5})
    )
    back = natural({"need_give_up_months": math.log(24.0), "x": 0.3}, priors)
    assert back["need_give_up_months"] == pytest.approx(24.0) and back["x"] == 0.3
    assert natural({"need_give_up_months": hi + 1e-12}, priors)["need_give_up_months"] <= 48.0
