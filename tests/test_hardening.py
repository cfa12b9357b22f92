"""Hardening (issue 16, items 1 to 3): every input file read by one reader that refuses bytes,
sizes, nesting and numbers it cannot stand for; household shares that sum to at most 1 and run
as written; no abbreviated options, suggestions for every name, files of the wrong kind named.

Command-line cases run in-process through ``hlmsim.cli.main``: exit code 2, one line on stderr
naming the file, no traceback, nothing written in the output folder."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import error_line

from hlmsim.calibrate.config import parse_calibration
from hlmsim.cli import build_parser, main
from hlmsim.cliutil import Parser
from hlmsim.errors import InputError, close_names, suggest
from hlmsim.inputfile import MAX_DEPTH, MAX_FILE_BYTES, MAX_FLOAT, MAX_TEXT_CHARS, read_toml
from hlmsim.model import HLMModel
from hlmsim.params import HOUSEHOLD_TYPES, EnsembleSpec, Params
from hlmsim.scenario import SCENARIO_DIR, load_scenario, validate
from hlmsim.sweep.experiment import parse_experiment
from hlmsim.targets.catalogue import parse_catalogue

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hlmsim"
EXPERIMENTS = sorted((PACKAGE / "experiments").glob("*.toml"))
PATTERNS = sorted((PACKAGE / "experiments" / "patterns").glob("*.toml"))
CALIBRATION = PACKAGE / "calibrations" / "default.toml"
CATALOGUE = PACKAGE / "targets" / "catalogue.toml"


_one_line = error_line


# --- 1. one reader for every input file ------------------------------------------------------

#: Each command that reads an input file: its arguments, given the file and an output folder.
READERS: dict[str, Any] = {
    "scenarios check": lambda f, out: ["scenarios", "check", str(f)],
    "scenarios show": lambda f, out: ["scenarios", "show", str(f)],
    "run": lambda f, out: ["run", str(f), "--out", str(out)],
    "compare": lambda f, out: ["compare", str(f), "--out", str(out)],
    "sweep": lambda f, out: ["sweep", str(f), "--out", str(out)],
    "calibrate": lambda f, out: ["calibrate", str(f), "--out", str(out)],
    "targets": lambda f, out: ["targets", "--catalogue", str(f), "--out", str(out)],
    "patterns": lambda f, out: ["patterns", "--dir", str(f.parent), "--out", str(out)],
}


def _bad_files() -> dict[str, tuple[bytes | None, str, str | None]]:
    """Bad input files: (content, or None for a folder; words of the message; key named)."""
    rng = np.random.default_rng(16)
    noise = bytes(rng.integers(128, 256, 2000, dtype=np.uint8))  # never valid UTF-8 at byte 0
    deep = b"x = " + b"[" * 50 + b"]" * 50 + b"\n"
    dotted = b".".join([b"a"] * (MAX_DEPTH + 5)) + b" = 1\n"
    return {
        "random bytes": (noise, "not UTF-8 text", None),
        "a folder": (None, "is a folder", None),
        "empty": (b"", "empty file", None),
        "blank": (b"  \n\n\t\n", "empty file", None),
        "too large": (b"#" * (MAX_FILE_BYTES + 1), "file too large", None),
        "malformed": (b'name = "x\n', "malformed TOML", None),
        "arrays nested deep": (deep, "nested more than", "x"),
        "tables nested deep": (dotted, "nested more than", "a"),
        "recursion": (b"x = " + b"[" * 100_000 + b"]" * 100_000, "nested more than", None),
        "nan": (b"x = nan\n", "finite number", "x"),
        "inf": (b"y = { z = -inf }\n", "finite number", "y.z"),
        "1e300": (b"x = [1, 1e300]\n", "number too large", "x[1]"),
        "10**300": (b"x = 1" + b"0" * 300 + b"\n", "integer too large", "x"),
        "10**5000": (b"x = 1" + b"0" * 5000 + b"\n", "thousands of digits", None),
        "megabyte text": (
            b'x = "' + b"a" * (MAX_TEXT_CHARS * 50) + b'"\n',
            "text too long",
            "x",
        ),
    }


BAD = _bad_files()


def _write_bad(tmp_path: Path, case: str) -> Path:
    content = BAD[case][0]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "bad.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_the_reader_refuses_bad_bytes_sizes_nesting_and_numbers(tmp_path: Path, case: str) -> None:
    path = _write_bad(tmp_path, case)
    _, words, key = BAD[case]
    with pytest.raises(InputError) as info:
        read_toml(path, "scenario")
    err = info.value
    assert err.source == str(path)
    assert words in str(err)
    assert err.key == key
    assert "\n" not in str(err)


@pytest.mark.parametrize("case", ["random bytes", "a folder", "empty", "too large", "nan", "1e300"])
@pytest.mark.parametrize("command", list(READERS))
def test_every_command_refuses_a_bad_input_file_in_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, case: str
) -> None:
    path = _write_bad(tmp_path, case)
    out = tmp_path / "out"
    assert main(READERS[command](path, out)) == 2
    line = _one_line(capsys)
    assert str(path) in line and BAD[case][1] in line, line
    assert not out.exists()


def test_a_scenario_s_base_is_read_by_the_same_reader(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_bytes(b"\xff\xfe name")
    (tmp_path / "child.toml").write_text('name = "c"\nbase = "base.toml"\n')
    with pytest.raises(InputError, match="not UTF-8 text") as info:
        load_scenario(tmp_path / "child.toml")
    assert info.value.source == str(tmp_path / "base.toml")


def test_special_files_are_refused() -> None:
    for special in ("/dev/null", "/dev/zero"):
        if Path(special).exists():
            with pytest.raises(InputError, match="not a regular file"):
                read_toml(special, "scenario")


def _scenario_data(**ensemble: Any) -> dict[str, Any]:
    return {
        "name": "s",
        "months": 12,
        "milieux": [{"name": "m", "ensembles": [{"units": 10, **ensemble}]}],
    }


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e300])
def test_the_schemas_refuse_absurd_numbers_built_in_python(bad: float) -> None:
    """Data that never went through the reader is held to the same rules."""
    with pytest.raises(InputError, match="finite|less than|greater than"):
        validate({**_scenario_data(), "params": {"worker_fte": bad}})
    with pytest.raises(InputError, match="finite|less than|greater than"):
        validate(_scenario_data(share_family=bad))
    with pytest.raises(Exception, match="finite|less than|greater than"):
        Params(meetings_per_year=bad)
    exp = {
        "name": "e",
        "base": "default",
        "sampler": {"method": "latin", "seed": 1, "samples": 4},
        "parameters": {"worker_fte": {"range": [0.5, bad]}},
    }
    with pytest.raises(InputError, match="finite|less than|greater than"):
        parse_experiment(exp, "e.toml")
    exp["parameters"] = {"worker_fte": {"distribution": "normal", "mean": bad, "sd": 0.1}}
    with pytest.raises(InputError, match="finite|less than|greater than"):
        parse_experiment(exp, "e.toml")
    cal = {"name": "c", "stopping": {"min_epsilon": abs(bad)}}
    with pytest.raises(InputError, match="finite|less than|greater than"):
        parse_calibration(cal, str(CALIBRATION))
    target = _catalogue_target(value=bad)
    with pytest.raises(InputError, match="finite|magnitude"):
        parse_catalogue({"target": [target]}, "c.toml")


def _catalogue_target(**over: Any) -> dict[str, Any]:
    from hlmsim.targets.catalogue import load_catalogue

    first = load_catalogue().targets[0].model_dump(exclude_none=True)
    return {**first, **over}


def test_numbers_within_the_bounds_still_load() -> None:
    assert MAX_FLOAT >= 1e12  # far above any quantity of the model
    scen = validate({**_scenario_data(), "params": {"worker_monthly_cost": 20000}})
    assert scen.params["worker_monthly_cost"] == 20000


# --- 2. household mixes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            "share_senior = 0.9",
            "share_family = 0.3 (the default, left out) and share_senior = 0.9 sum to 1.2",
        ),
        (
            "share_family = 0.8",
            "share_family = 0.8 and share_senior = 0.3 (the default, left out) sum to 1.1",
        ),
        ("share_senior = 0.8\nshare_family = 0.5", "share_family = 0.5 and share_senior = 0.8"),
        ("share_family = 1.0", "sum to 1.3"),
    ],
)
def test_household_shares_summing_over_one_are_refused_naming_both_keys_and_the_sum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, words: str
) -> None:
    path = tmp_path / "mix.toml"
    path.write_text(
        f'name = "mix"\nmonths = 12\n[[milieux]]\nname = "m"\n[[milieux.ensembles]]\n'
        f"units = 20\n[[milieux.ensembles]]\nunits = 20\n{body}\n"
    )
    out = tmp_path / "out"
    assert main(["scenarios", "check", str(path)]) == 2
    line = _one_line(capsys)
    assert f"{path}: milieux[0].ensembles[1]: share_family = " in line, line
    assert words in line, line
    assert "more than 1" in line and "persons alone" in line
    assert main(["run", str(path), "--out", str(out)]) == 2
    _one_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize(
    ("family", "senior"), [(0.55, 0.45), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0), (0.7, 0.3)]
)
def test_shares_that_sum_to_at_most_one_are_accepted(family: float, senior: float) -> None:
    e = EnsembleSpec(share_family=family, share_senior=senior)
    assert (e.share_family, e.share_senior) == (family, senior)


def test_a_share_out_of_range_is_refused_by_its_key() -> None:
    for bad in (-0.1, 1.5):
        with pytest.raises(InputError) as info:
            validate(_scenario_data(share_senior=bad, share_family=0.0))
        assert info.value.key == "milieux[0].ensembles[0].share_senior"


def test_the_simulated_household_types_are_the_shares_the_file_gives(tmp_path: Path) -> None:
    """What runs is what the file says: the shares of each type among the households built,
    and among the households living there after two years of fast turnover (newcomers drawn
    from the same mix), are the file's shares within sampling error."""
    mixes = [(0.2, 0.5), (0.6, 0.0), (0.0, 0.0), (0.45, 0.55), (0.1, 0.25)]
    units = 2000
    ensembles = "".join(
        f'[[milieux.ensembles]]\nname = "e{i}"\nunits = {units}\nshare_family = {f}\n'
        f"share_senior = {s}\n"
        for i, (f, s) in enumerate(mixes)
    )
    path = tmp_path / "mixes.toml"
    path.write_text(
        'name = "mixes"\nmonths = 24\n[params]\nmove_out_annual = 0.5\nstay_shape = 1.0\n'
        f'[[milieux]]\nname = "m"\n{ensembles}'
    )
    scen = load_scenario(path)
    model = HLMModel(scen, seed=7)
    tolerance = 5 * np.sqrt(0.25 / units)  # five standard errors of a share at worst

    def check(when: str) -> None:
        for i, (family, senior) in enumerate(mixes):
            types = model.hh.htype[model.hh.ensemble == i]
            assert len(types) == units
            got = {h: float(np.mean(types == k)) for k, h in enumerate(HOUSEHOLD_TYPES)}
            want = {"family": family, "senior": senior, "alone": 1 - family - senior}
            for h in HOUSEHOLD_TYPES:
                assert abs(got[h] - want[h]) <= tolerance, (when, i, h, got, want)
                if want[h] == 0:
                    assert got[h] == 0, (when, i, h, got)

    check("built")
    first = model.hh.hid.copy()
    model.run()
    assert np.mean(model.hh.hid != first) > 0.5  # most households moved in since
    check("after two years")


# --- 3. options, names and kinds of file -----------------------------------------------------


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    out = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out += _parsers(sub)
    return out


def test_no_parser_accepts_abbreviated_options() -> None:
    from hlmsim.app import cli as app_cli
    from hlmsim.sweep import cli as sweep_cli

    parsers = _parsers(build_parser())
    assert len(parsers) >= 12  # hlmsim, its commands, scenarios' actions
    for p in parsers:
        assert p.allow_abbrev is False, p.prog
        assert isinstance(p, Parser), p.prog
    for module in (sweep_cli, app_cli):
        text = Path(module.__file__ or "").read_text()
        assert "argparse.ArgumentParser(" not in text, module.__name__


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["analyze", "{tmp}", "--out", "{tmp}/x"], "--outcome"),
        (["compare", "--ref", "omh_worker", "--out", "{tmp}/x"], "--reference"),
        (["compare", "--arrangement", "omh_worker", "--out", "{tmp}/x"], "--arrangements"),
        (["run", "--arr", "omh_worker", "--out", "{tmp}/x"], "--arrangement"),
        (["targets", "--cat", "c.toml", "--out", "{tmp}/x"], "--catalogue"),
        (["sweep", "staff_turnover", "--dry", "--out", "{tmp}/x"], "--dry-run"),
    ],
)
def test_an_abbreviated_option_is_refused_with_the_option_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], meant: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    given = args[2] if argv[0] in ("analyze", "sweep") else args[1]
    assert f"hlmsim {argv[0]}: error: unrecognized arguments: {given}" in last, err
    assert f"(did you mean: {meant}" in last, err
    assert "outcome" not in last.split("(did you mean")[0]
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "analysis").exists()


def test_python_m_hlmsim_sweep_refuses_abbreviations_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hlmsim.sweep.cli import main as sweep_main

    assert sweep_main(["analyze", str(tmp_path), "--out", "x"]) == 2
    assert "(did you mean: --outcome?)" in capsys.readouterr().err
    assert sweep_main(["staff_turnover", "--dry"]) == 2
    assert "(did you mean: --dry-run?)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("word", "names", "first"),
    [
        ("ciusss", ["community_worker", "ciusss_social_worker"], "ciusss_social_worker"),
        ("CIUSSS", ["ciusss_social_worker", "community_worker"], "ciusss_social_worker"),
        ("social", ["ciusss_social_worker", "community_worker"], "ciusss_social_worker"),
        ("comunity_worker", ["ciusss_social_worker", "community_worker"], "community_worker"),
        ("worker_ftee", list(Params.model_fields), "worker_fte"),
        ("needs_met_shar", ["needs_met", "needs_met_share"], "needs_met_share"),
        ("omh_worker_v2", ["omh_worker", "community_worker"], "omh_worker"),
    ],
)
def test_suggestions_take_prefixes_substrings_and_close_spellings(
    word: str, names: list[str], first: str
) -> None:
    close = close_names(word, names)
    assert close and close[0] == first, close
    assert len(close) <= 3
    assert suggest(word, names).startswith(f" (did you mean: {first}")


def test_no_suggestion_for_a_word_like_no_name() -> None:
    assert suggest("zzzz", ["ciusss_social_worker", "omh_worker"]) == ""
    assert suggest("", ["a"]) == ""


def test_one_suggestion_helper_everywhere() -> None:
    """difflib is called in one place, hlmsim.errors: every message suggests names alike."""
    users = [
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(import difflib|from difflib)", p.read_text(), re.M)
    ]
    assert users == ["hlmsim/errors.py"]


def _scenario_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "scen.toml"
    path.write_text(
        'name = "s"\nmonths = 12\n[[milieux]]\nname = "m"\n[[milieux.ensembles]]\nunits = 20\n'
        + extra
    )
    return path


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", "ciusss"], "unknown scenario 'ciusss' (did you mean: ciusss_social_worker?)"),
        (["scenarios", "show", "study"], "(did you mean: study_mix?)"),
        (["run", "--arrangement", "ciusss"], "(did you mean: ciusss_social_worker?)"),
        (["compare", "--reference", "ciusss"], "--reference: unknown arrangement 'ciusss'"),
        (["compare", "--reference", "ciusss"], "(did you mean: ciusss_social_worker?)"),
        (["compare", "--arrangements", "ciusss,omh"], "(did you mean: ciusss_social_worker?)"),
        (["compare", "--arrangements", "omh_worker,omh"], "(did you mean: omh_worker?)"),
        (["compare", "--ensemble", "posteror"], "(did you mean: posterior?)"),
        (["compare", "--ensemble", "plausib"], "(did you mean: plausible?)"),
        (["sweep", "staff"], "unknown experiment 'staff' (did you mean: staff_turnover?)"),
        (["calibrate", "def"], "unknown calibration 'def' (did you mean: default?)"),
        (["targets", "--role", "valid"], "(did you mean: validation?)"),
        (["patterns", "--only", "p07_"], "(did you mean: p07"),
    ],
)
def test_every_option_that_takes_a_name_suggests_prefixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)] if argv[0] != "scenarios" else argv) == 2
    line = _one_line(capsys)
    assert words in line, line
    assert not out.exists()


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_analyze import region_sweep

    return region_sweep(tmp_path_factory.mktemp("sweep"))


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (
            ["--outcome", "needs"],
            "--outcome: 'needs' is not in this sweep's results (did you mean: needs_met, ",
        ),
        (["--condition", "ciusss not best on needs_met"], "(did you mean: ciusss_social_worker?)"),
        (["--condition", "needs < 900"], "(did you mean: needs_met, needs_new, "),
        (["--method", "pri"], "(did you mean: prim?)"),
    ],
)
def test_analyze_suggests_outcomes_and_arrangements_by_prefix(
    small_sweep: Path, capsys: pytest.CaptureFixture[str], options: list[str], words: str
) -> None:
    before = sorted(p.name for p in small_sweep.rglob("*"))
    assert main(["analyze", str(small_sweep), *options]) == 2
    line = _one_line(capsys)
    assert words in line, line
    assert sorted(p.name for p in small_sweep.rglob("*")) == before


def test_parameter_names_in_files_get_prefix_suggestions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _scenario_file(tmp_path, "[milieux.params]\nvacancy_months = 3\n")
    assert main(["scenarios", "check", str(path)]) == 2
    line = _one_line(capsys)
    assert "milieux[0].params.vacancy_months: unknown parameter" in line
    assert "(did you mean: worker_vacancy_months" in line, line


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=lambda p: p.stem)
def test_an_experiment_file_given_to_scenarios_check_is_named_with_its_command(
    capsys: pytest.CaptureFixture[str], experiment: Path
) -> None:
    assert main(["scenarios", "check", str(experiment)]) == 2
    line = _one_line(capsys)
    assert "this is an experiment file" in line and "not a scenario file" in line, line
    assert f"`hlmsim sweep {experiment} --dry-run`" in line, line
    assert "did you mean" not in line


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sweep", "{scenario}"], "this is a scenario file (it has milieux), not an experiment"),
        (["sweep", str(SCENARIO_DIR / "omh_worker.toml"), "--dry-run"], "is a scenario file"),
        (["calibrate", "{scenario}"], "is a scenario file (it has milieux), not a calibration"),
        (["targets", "--catalogue", "{scenario}"], "is a scenario file"),
        (["scenarios", "check", str(CALIBRATION)], "this is a calibration file"),
        (["run", str(CALIBRATION)], "`hlmsim calibrate "),
        (["scenarios", "check", str(CATALOGUE)], "this is a targets catalogue"),
        (["sweep", str(CATALOGUE)], "`hlmsim targets --catalogue "),
        (["scenarios", "check", str(PATTERNS[0])], "this is a pattern file"),
        (["calibrate", str(EXPERIMENTS[0])], "this is an experiment file"),
        (["targets", "--catalogue", str(EXPERIMENTS[0])], "`hlmsim sweep "),
    ],
)
def test_a_file_of_the_wrong_kind_is_named_with_the_command_that_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    scenario = _scenario_file(tmp_path)
    args = [a.replace("{scenario}", str(scenario)) for a in argv]
    out = tmp_path / "out"
    if args[0] != "scenarios":
        args += ["--out", str(out)]
    assert main(args) == 2
    line = _one_line(capsys)
    assert words in line, line
    assert not out.exists()


def test_a_stray_key_in_a_file_of_the_right_kind_still_gets_its_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An experiment with ``arrangement`` for ``arrangements`` is an experiment with a typo,
    not a scenario; a scenario with a stray ``sampler`` key is a scenario with a bad key."""
    exp = tmp_path / "exp.toml"
    exp.write_text(
        'name = "e"\nbase = "default"\narrangement = ["omh_worker"]\n'
        '[sampler]\nmethod = "factorial"\nseed = 1\n'
    )
    assert main(["sweep", str(exp), "--dry-run"]) == 2
    assert "arrangement: unknown key (did you mean: arrangements?)" in _one_line(capsys)
    scen = _scenario_file(tmp_path, "")
    scen.write_text("replications = 3\n" + scen.read_text())
    assert main(["scenarios", "check", str(scen)]) == 2
    line = _one_line(capsys)
    assert "replications: unknown key" in line and "this is" not in line, line


def test_the_cli_module_has_no_parser_outside_the_shared_class() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        assert "argparse.ArgumentParser(" not in path.read_text(), path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
