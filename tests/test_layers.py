"""One-way layers: the engines (run, compare, patterns, sweep, targets) return result objects and
import no reporting code; the reporting package imports them."""

from __future__ import annotations

import json
import subprocess
import sys

ENGINES = (
    "hlmsim.compare",
    "hlmsim.patterns",
    "hlmsim.sweep",
    "hlmsim.run",
    "hlmsim.replication",
    "hlmsim.targets.engine",
    "hlmsim.calibrate.engine",
    "hlmsim.calibrate.checks",
    "hlmsim.calibrate.screening",
    "hlmsim.calibrate.posterior",
    "hlmsim.ema",
    "hlmsim.datacollector",
)
#: Reporting modules: the package, and the old report modules it replaced.
REPORTING = ("hlmsim.reporting", "hlmsim.report", "hlmsim.patterns_report")


def _loaded_after(imports: str) -> list[str]:
    code = (
        f"import json, sys\n{imports}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('hlmsim'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _reporting(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == r or m.startswith(r + ".") for r in REPORTING)]


def test_engines_import_no_reporting_module() -> None:
    loaded = _loaded_after("\n".join(f"import {m}" for m in ENGINES))
    assert set(ENGINES) <= set(loaded)
    assert _reporting(loaded) == []


def test_the_check_sees_the_reporting_package_when_it_is_imported() -> None:
    loaded = _loaded_after("import hlmsim.compare\nimport hlmsim.reporting")
    assert "hlmsim.reporting" in _reporting(loaded)
    assert "hlmsim.reporting.comparison" in _reporting(loaded)


def test_the_top_level_api_gives_the_writers_lazily() -> None:
    loaded = _loaded_after("import hlmsim\nhlmsim.write_compare")
    assert "hlmsim.reporting" in loaded
    assert _reporting(_loaded_after("import hlmsim")) == []
