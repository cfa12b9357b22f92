"""Fuzz tests of calibration files through ``hlmsim calibrate FILE --dry-run`` (issue 16,
item 5): the generated files and checks of ``test_fuzz.py``, in a file of their own so that
pytest-xdist runs them beside the other kinds (each check reads the targets catalogue and the
stored screening table: the slowest kind)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from test_fuzz import FUZZ, _check_command, folder, inputs

__all__ = ["folder"]  # the fixture, shared


@FUZZ
@given(content=inputs("calibration"))
def test_calibrate_dry_run_answers_any_file(folder: Path, content: bytes) -> None:
    _check_command("calibration", content, folder)
