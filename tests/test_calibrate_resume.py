"""A calibration killed (SIGKILL) during a generation resumes with ``--resume`` from the
generations stored, and with one worker its posterior equals an uninterrupted run's (issue 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from test_calibrate_recovery import synthetic

from hlmsim.calibrate.config import load_calibration
from hlmsim.calibrate.engine import calibrate
from hlmsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _stored_generations(out: Path) -> int:
    import pyabc

    h = pyabc.History(f"sqlite:///{(out / 'history.db').resolve()}")
    h.id = 1
    return int(h.max_t) + 1


@pytest.mark.slow
def test_kill_during_a_generation_then_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # small checks after the calibration: the resumed run writes its report like any other
    path = synthetic(
        tmp_path / "in",
        population=12,
        generations=2,
        seed=5,
        extra="[checks]\npredictive_draws = 4\npattern_draws = 0\n",
    )
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hlmsim", "calibrate", str(path), "--out", str(out)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    seen: list[str] = []

    def kill_in_second_generation() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if "generation 1/2" in line:  # the first generation is stored, the second starts
                proc.send_signal(signal.SIGKILL)
                return

    watcher = threading.Thread(target=kill_in_second_generation, daemon=True)
    watcher.start()
    try:
        # the uninterrupted run, while the other process starts
        reference = calibrate(load_calibration(path), tmp_path / "reference", workers=1)
        watcher.join(timeout=300)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(reference.generations) == 2
    assert sorted(p.name for p in reference.out.iterdir() if not p.name.startswith(".")) == [
        "calibration.toml",
        "ensemble.parquet",
        "generations.parquet",
        "history.db",
        "meta.json",
        "posterior.parquet",
    ]
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    assert _stored_generations(out) == 1  # killed during the second (and last) generation
    assert not (out / "posterior.parquet").exists()

    # without --resume the folder is refused; with it, the calibration finishes
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["calibrate", str(path), "--out", str(out), "--resume"]) == 0
    captured = capsys.readouterr()
    assert "resuming after 1 stored generation" in captured.err
    assert "parameters identified" in captured.out
    assert (out / "report.html").exists() and (out / "predictive.parquet").exists()

    resumed = pd.read_parquet(out / "posterior.parquet")
    pd.testing.assert_frame_equal(resumed, reference.posterior)
    gens = pd.read_parquet(out / "generations.parquet")
    cols = ["generation", "epsilon", "acceptance_rate", "ess", "particles", "samples"]
    pd.testing.assert_frame_equal(gens[cols], reference.generations[cols])
