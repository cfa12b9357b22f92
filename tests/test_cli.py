"""The ``hlmsim`` command line: runs, scenario listing/showing/checking, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import error_line

import hlmsim
from hlmsim.arrangements import ARRANGEMENTS
from hlmsim.cli import main
from hlmsim.cli.run import format_indicator
from hlmsim.scenario import SCENARIO_DIR

RUN_FILES = {"timeseries.parquet", "timeseries.csv", "summary.json", "metadata.json"}
DEFAULT_MILIEUX = {"mtl-famille", "mtl-nord", "qc-personnes-seules", "qc-basse-ville"}


_error_line = error_line


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str]:
    """One six-month run of the default scenario (shared: the run is the slow part)."""
    out = tmp_path_factory.mktemp("run") / "default-6"
    with pytest.MonkeyPatch.context() as mp:
        captured: list[str] = []
        mp.setattr(sys, "stdout", _Tee(captured))
        code = main(["run", "default", "--months", "6", "--seed", "3", "--out", str(out)])
    return code, out, "".join(captured)


class _Tee:
    """A minimal stdout stand-in collecting what is written."""

    def __init__(self, sink: list[str]) -> None:
        self.sink = sink

    def write(self, s: str) -> int:
        self.sink.append(s)
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


# --- run ------------------------------------------------------------------------------------------


def test_run_writes_four_files(default_run: tuple[int, Path, str]) -> None:
    code, out, _ = default_run
    assert code == 0
    assert {p.name for p in out.iterdir()} == RUN_FILES


def test_run_timeseries_has_every_milieu_and_all_each_month(
    default_run: tuple[int, Path, str],
) -> None:
    _, out, _ = default_run
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert sorted(ts["month"].unique()) == list(range(1, 7))
    expected = DEFAULT_MILIEUX | {"all"}
    for month, g in ts.groupby("month"):
        assert set(g["milieu"]) == expected, month
        assert len(g) == len(expected), month
    csv = pd.read_csv(out / "timeseries.csv")
    assert len(csv) == len(ts) == 6 * len(expected)


def test_run_metadata_and_summary(default_run: tuple[int, Path, str]) -> None:
    _, out, _ = default_run
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 3
    assert meta["scenario_name"] == "default"
    assert isinstance(meta["scenario_hash"], str) and len(meta["scenario_hash"]) == 16
    assert meta["scenario"]["months"] == 6
    for key in ("hlmsim_version", "mesa", "numpy", "pandas", "python"):
        assert meta[key], key
    assert meta["hlmsim_version"] == hlmsim.__version__
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["final_year"]) == DEFAULT_MILIEUX | {"all"}
    assert summary["final_year"]["all"]["needs_met"] > 0


def test_run_prints_summary_table_and_path(default_run: tuple[int, Path, str]) -> None:
    _, out, stdout = default_run
    for label in (
        "Needs met",
        "Share of needs met",
        "Unmet needs",
        "Residents reached",
        "Hard-to-reach residents reached",
        "Service use",
        "Isolation",
        "Engagement",
        "Sense of security",
        "Image of the health network",
        "Trust in the worker",
        "Inter-organisational trust",
        "Cost per need met",
    ):
        assert label in stdout, label
    for milieu in DEFAULT_MILIEUX:
        assert milieu in stdout
    assert str(out) in stdout
    # the overall value printed matches the written summary
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["final_year"]
    assert f"{summary['all']['needs_unmet']:,.0f}" in stdout


def test_run_french_labels_and_default_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["run", "omh_worker", "--months", "2", "--seed", "5", "--lang", "fr"])
    assert code == 0
    out = tmp_path / "results" / "runs" / "omh_worker-seed5"
    assert {p.name for p in out.iterdir()} == RUN_FILES
    stdout = capsys.readouterr().out
    assert "Besoins comblés" in stdout
    assert "Coût par besoin comblé" in stdout
    assert "Needs met" not in stdout


def test_run_arrangement_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    code = main(["run", "--months", "1", "--arrangement", "services_as_usual", "--out", str(out)])
    assert code == 0
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["scenario"]["arrangement"] == "services_as_usual"
    assert all(p["worker_fte"] == 0 for p in meta["scenario"]["resolved_params"].values())


def test_run_refuses_to_replace_a_folder_with_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    assert main(["run", "--months", "1", "--out", str(tmp_path)]) == 2
    line = _error_line(capsys)
    assert str(tmp_path) in line and "notes.txt" in line
    assert keep.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_format_indicator() -> None:
    assert format_indicator(0.1234, "share of households") == "12.3%"
    # French: narrow no-break space before % and $ (the catalogue's [formats])
    assert format_indicator(0.1234, "share of households", "fr") == "12,3\u202f%"
    assert format_indicator(0.456, "index 0-1") == "0.46"
    assert format_indicator(12345.6, "$ / month") == "$12,346"
    assert format_indicator(12345.6, "$ / month", "fr") == "12\u202f346\u202f$"
    assert format_indicator(float("nan"), "$ / need") == "–"


# --- version, scenarios ---------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"hlmsim {hlmsim.__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["compare"],
        ["patterns"],
        ["scenarios"],
        ["scenarios", "list"],
        ["scenarios", "show"],
        ["scenarios", "check"],
        ["sweep"],
        ["analyze"],
        ["app"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(" ".join(["usage: hlmsim", *command]))


def test_python_m_hlmsim_help() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "hlmsim", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0 and res.stderr == ""
    for command in ("run", "compare", "patterns", "scenarios", "sweep", "analyze", "app"):
        assert command in res.stdout


def test_scenarios_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "list"]) == 0
    out = capsys.readouterr().out
    assert "default" in out
    assert "Four milieux, six ensembles" in out  # the default scenario's description
    assert len(ARRANGEMENTS) == 5
    for name in ARRANGEMENTS:
        assert (SCENARIO_DIR / f"{name}.toml").is_file()
        assert name in out


def test_scenarios_show_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "show", "default"]) == 0
    out = capsys.readouterr().out
    assert "ciusss_social_worker" in out and "120" in out
    for milieu in DEFAULT_MILIEUX:
        assert milieu in out
    assert "Ensemble A (families)" in out
    # units and sources from the schema
    assert "FTE" in out and "probability / year" in out
    assert "assumption" in out and "study finding 1" in out
    # network_origin differs between milieux; "crisis" differs from the schema default
    assert "network_origin" in out and "crisis *" in out
    # parameters shared by every milieu are printed once
    assert out.count("worker_time_on_site") == 1


def test_scenarios_show_french_and_markers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "custom.toml"
    f.write_text(
        'base = "default"\nmonths = 24\n[params]\nworker_fte = 0.5\n'
        '[[events]]\nmonth = 12\nkind = "worker_leaves"\nmilieu = "mtl-nord"\n',
        encoding="utf-8",
    )
    assert main(["scenarios", "show", str(f), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "Postes d'intervenant·e de milieu" in out  # French meaning
    assert "0.5 *" in out  # differs from the default (1.0)
    assert "worker_leaves" in out and "24" in out


def test_scenarios_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SCENARIO_DIR / "study_mix.toml")
    assert main(["scenarios", "check", path]) == 0
    assert capsys.readouterr().out.strip() == (
        f"ok: {path} (4 milieux, 1009 households, 120 months)"
    )


def test_scenarios_check_counts_copies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "check", str(SCENARIO_DIR / "province.toml")]) == 0
    assert "(476 milieux, 74339 households, 120 months)" in capsys.readouterr().out


# --- bad input: one line on stderr, exit 2, nothing written ------------------------------------

BAD_FILES: dict[str, tuple[str, list[str]]] = {
    # name: (file text, strings the message must contain besides the file name)
    "unknown_top_key": ('base = "default"\nmonts = 12\n', ["monts", "months"]),
    "unknown_param": (
        'base = "default"\n[params]\nworker_ftee = 1\n',
        ["params.worker_ftee", "worker_fte"],
    ),
    "wrong_type": ('base = "default"\nmonths = "ten"\n', ["months", "integer", "ten"]),
    "out_of_range": ('base = "default"\n[params]\nworker_fte = 9\n', ["worker_fte", "3", "9"]),
    "malformed": ('base = "default"\nmonths = [1\n', ["malformed TOML"]),
    "unknown_arrangement": (
        'base = "default"\narrangement = "comunity_worker"\n',
        ["arrangement", "comunity_worker", "community_worker"],
    ),
    "milieu_out_of_range": (
        'name = "x"\n[[milieux]]\nname = "m"\nparams = { hard_to_reach_mean = 2 }\n',
        ["milieux[0].params.hard_to_reach_mean", "0.99"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, needles = BAD_FILES[case]
    bad = tmp_path / f"{case}.toml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--months", "2", "--out", str(out)]) == 2
    line = _error_line(capsys)
    assert f"{case}.toml" in line
    for needle in needles:
        assert needle in line, (needle, line)
    assert not out.exists()
    assert capsys.readouterr().out == ""
    # `scenarios check` reports the same error
    assert main(["scenarios", "check", str(bad)]) == 2
    assert _error_line(capsys) == line


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "nope.toml"
    assert main(["run", str(missing), "--out", str(out)]) == 2
    line = _error_line(capsys)
    assert str(missing) in line and "not found" in line
    assert not out.exists()


def test_unknown_scenario_name_suggests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", "defualt", "--out", str(out)]) == 2
    line = _error_line(capsys)
    assert "defualt" in line and "default" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--seed", "-1"], ["--seed", "-1"]),
        (["--months", "0"], ["--months", "0"]),
        (["--months", "601"], ["--months", "601"]),
        (["--arrangement", "comunity_worker"], ["--arrangement", "community_worker"]),
    ],
)
def test_bad_run_arguments(
    args: list[str], needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", "default", *args, "--out", str(out)]) == 2
    line = _error_line(capsys)
    for needle in needles:
        assert needle in line, (needle, line)
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", "--seed", "x", "--out", str(out)]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert main([]) == 2
    assert main(["scenarios"]) == 2
    assert main(["run", "--lang", "de"]) == 2
    assert not out.exists()


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped option or value is reported on one line, pointing at --help (no usage dump)."""
    for argv in (["analyze", "/nowhere", "--out", "X"], ["run", "--seed", "x"], [], ["scenarios"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and ": error: " in err[0] and "--help)" in err[0], (argv, err)
    main(["analyze", "/nowhere", "--out", "X"])
    assert "did you mean: --outcome?" in capsys.readouterr().err


def test_scenario_level_param_error_names_params(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "default"\n[params]\nworker_fte = 9\n', encoding="utf-8")
    assert main(["scenarios", "check", str(bad)]) == 2
    assert ": params.worker_fte:" in _error_line(capsys)


def test_subprocess_bad_file_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "default"\nmonts = 12\n', encoding="utf-8")
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "hlmsim", "run", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        f"hlmsim: error: {bad}: monts: unknown key (did you mean: months?); allowed: arrangement,"
        " base, description, events, milieux, months, name, params, spin_up_months"
    ]
    assert res.stdout == ""
    assert not out.exists()
