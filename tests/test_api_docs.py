"""docs/api.md's examples run (issue 17): every ``>>>`` line of the API reference is a doctest,
so an example that no longer works fails the suite."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
API_MD = ROOT / "docs" / "api.md"


def test_api_md_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ema_workbench")  # the EMA Workbench section needs the extra
    monkeypatch.chdir(tmp_path)  # anything an example writes stays out of the source tree
    result = doctest.testfile(
        str(API_MD),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 40, "docs/api.md lost its examples"
    assert result.failed == 0, f"{result.failed} example(s) of docs/api.md failed (output above)"
