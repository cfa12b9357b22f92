"""Resources bounded before work starts (issue 16, item 4): a job that would need more memory or
disk than the machine has is refused in one line, with the estimate, what is available and the
override flag, before anything runs or is written; the estimate is an upper bound of the same
order as what the model uses."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from conftest import error_line

from hlmsim import resources
from hlmsim.cli import main
from hlmsim.model import HLMModel
from hlmsim.resources import FLAG, Need, check, model_bytes, run_need, scenario_size
from hlmsim.scenario import load_scenario, shipped_scenarios, validate

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "hlmsim" / "calibrations" / "default.toml"


_one_line = error_line


def _scenario(units: int, copies: int, months: int, ensembles: int = 1) -> dict:
    return {
        "name": "size",
        "months": months,
        "milieux": [{"name": "m", "copies": copies, "ensembles": [{"units": units}] * ensembles}],
    }


def _write_scenario(path: Path, units: int, copies: int, ensembles: int = 1) -> Path:
    ens = "".join(f"[[milieux.ensembles]]\nunits = {units}\n" for _ in range(ensembles))
    path.write_text(
        f'name = "big"\nmonths = 120\n[[milieux]]\nname = "m"\ncopies = {copies}\n{ens}'
    )
    return path


@pytest.mark.parametrize(
    ("units", "copies", "months", "replicates"),
    [(2000, 2, 12, 1), (40, 100, 12, 1), (40, 10, 60, 3), (30, 1, 6, 1)],
)
def test_the_model_estimate_bounds_the_measured_peak_within_a_small_factor(
    units: int, copies: int, months: int, replicates: int
) -> None:
    scen = validate(_scenario(units, copies, months))
    HLMModel(validate(_scenario(10, 1, 2)), seed=1, agents=False).run()  # compiled, imported
    tracemalloc.start()
    try:
        model = HLMModel(scen, seed=3, agents=False, replicates=replicates).run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    households, milieux = scenario_size(scen)
    assert model.hh.n == households * replicates
    estimate = model_bytes(households * replicates, milieux * replicates, months)
    assert peak <= estimate <= 6 * peak, (peak, estimate)


def test_the_shipped_scenarios_need_little() -> None:
    for name in shipped_scenarios():
        need = run_need(load_scenario(name))
        assert need.memory < 2 * 1024**3, (name, need)  # far below any machine's memory
        assert need.disk < 100 * 1024**2, (name, need)


def test_a_billion_households_are_refused_by_every_command_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = _write_scenario(tmp_path / "big.toml", 5000, 10000, ensembles=20)
    assert scenario_size(load_scenario(big)) == (10**9, 10_000)
    for argv in (
        ["scenarios", "check", str(big)],
        ["run", str(big), "--out", str(tmp_path / "out")],
        ["compare", str(big), "--out", str(tmp_path / "out"), "--ensemble", "none"],
        ["targets", str(big), "--out", str(tmp_path / "out")],
    ):
        assert main(argv) == 2, argv
        line = _one_line(capsys)
        assert f"{big}: needs about " in line, line
        assert "TB of memory" in line and "1,000,000,000 households" in line, line
        assert " is available" in line and FLAG in line, line
        assert not (tmp_path / "out").exists()


def test_the_override_flag_skips_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = _write_scenario(tmp_path / "big.toml", 5000, 10000, ensembles=20)
    assert main(["scenarios", "check", str(big), FLAG]) == 0
    assert "1000000000 households" in capsys.readouterr().out


def test_a_sweep_of_a_hundred_million_runs_is_refused_with_dry_run_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "huge.toml"
    exp.write_text(
        'name = "huge"\nbase = "default"\nreplications = 100000\n[sampler]\nmethod = "latin"\n'
        "seed = 1\nsamples = 1000\n[parameters]\nworker_fte = { range = [0.5, 2] }\n"
    )
    out = tmp_path / "out"
    for extra in (["--dry-run"], ["--workers", "1"]):
        assert main(["sweep", str(exp), "--out", str(out), *extra]) == 2
        line = _one_line(capsys)
        assert f"{exp}: needs about " in line and "100,000,000 runs" in line, line
        assert FLAG in line
        assert not out.exists()


def test_small_memory_refuses_calibrate_and_patterns_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "available_memory", lambda: 100 * 1024**2)
    out = tmp_path / "out"
    for argv in (
        ["calibrate", str(CALIBRATION), "--out", str(out)],
        ["calibrate", str(CALIBRATION), "--out", str(out), "--dry-run"],
        ["patterns", "--quick", "--only", "p07", "--out", str(out)],
        ["sweep", "staff_turnover", "--quick", "--out", str(out)],
    ):
        assert main(argv) == 2, argv
        line = _one_line(capsys)
        assert "MB is available" in line and FLAG in line, line
        assert not out.exists()


def test_calibrate_dry_run_checks_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["calibrate", str(CALIBRATION), "--out", str(out), "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {CALIBRATION}")
    assert not out.exists()


def test_a_full_disk_is_refused_naming_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "free_disk", lambda path: 1000)
    with pytest.raises(resources.InputError) as info:
        check(Need(10, 10**6, "x"), tmp_path / "out", source="s.toml")
    text = str(info.value)
    assert text.startswith("s.toml: needs about 1 MB of disk") and "1 kB is free" in text, text
    assert FLAG in text
    check(Need(10, 10**6, "x"), tmp_path / "out", force=True)  # the flag: no check


def test_the_machine_is_measured() -> None:
    memory = resources.available_memory()
    assert memory is None or memory > 0
    free = resources.free_disk(Path("/no/such/folder/below/root"))
    assert free is not None and free > 0  # the nearest existing folder: /
    assert resources.human(1.5e9) == "1.5 GB" and resources.human(340e6) == "340 MB"
