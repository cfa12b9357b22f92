"""Pattern experiments (work in progress for the validation issue): files load, bad files fail
clearly, and the engine measures an effect and its negative control on common random numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlmsim import InputError
from hlmsim.patterns import load_pattern, pattern_files, run_pattern


def test_every_shipped_pattern_file_loads() -> None:
    files = pattern_files()
    assert len(files) >= 13
    findings = {load_pattern(f).finding for f in files}
    assert findings >= set(range(3, 16)), sorted(findings)


def test_bad_pattern_files_fail_on_one_line(tmp_path: Path) -> None:
    good = pattern_files()[0].read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(good + "\nlevr = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.toml: levr: unknown key"):
        load_pattern(bad)
    bad.write_text(good.replace('outcome = "', 'outcome = "x'), encoding="utf-8")
    with pytest.raises(InputError, match="outcome"):
        load_pattern(bad)
    bad.write_text(good + "\n[constants]\nworker_ftee = 1.0\n", encoding="utf-8")
    with pytest.raises(InputError, match="did you mean: worker_fte"):
        load_pattern(bad)


def test_a_pattern_and_its_negative_control() -> None:
    spec = load_pattern(next(f for f in pattern_files() if f.name.startswith("p07")))
    r = run_pattern(spec, replications=10, quick=True)
    assert r["effect_ci_low"] > 0, r  # association support raises mutual aid
    assert r["reproduced"] and r["control_removes"]
    assert r["control"] == 0.0  # no mutual aid can form with the mechanism switched off
