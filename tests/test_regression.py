"""Regression against tests/baseline.json (after Covasim): the default scenario under each of
the five arrangements, 36 months, seed 1, selected final-year indicators, compared with a
relative tolerance of 1e-9. A negative control shows the comparison fails on a perturbed model.
The baseline records the hlmsim version that made it, which must be the package's: a change of
results needs a new version and a regenerated baseline, together."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

import hlmsim
from hlmsim.params import field_meta

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_baseline", HERE / "make_baseline.py")
mb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mb)

REGENERATE = (
    "If the change is intended, bump the version in pyproject.toml (then reinstall: `make`, or"
    " `pip install -e .`), record it in CHANGELOG.md and regenerate with"
    " `python tests/make_baseline.py`."
)


@pytest.fixture(scope="module")
def baseline():
    if not mb.BASELINE.exists():
        pytest.fail(f"{mb.BASELINE} is missing. {REGENERATE}")
    return json.loads(mb.BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def current():
    return mb.compute()


def test_baseline_file_is_complete(baseline):
    assert set(baseline["indicators"]) == set(mb.ARRANGEMENTS)
    for values in baseline["indicators"].values():
        assert set(values) == set(mb.INDICATORS)
        assert all(v is None or math.isfinite(v) for v in values.values())
    assert baseline["hlmsim_version"]
    assert (baseline["seed"], baseline["months"]) == (mb.SEED, mb.MONTHS)


def test_baseline_covers_every_arrangement(baseline):
    assert set(baseline["indicators"]) == set(hlmsim.ARRANGEMENTS)


def test_baseline_version_is_the_package_version(baseline):
    assert baseline["hlmsim_version"] == hlmsim.__version__, (
        f"tests/baseline.json was made with hlmsim {baseline['hlmsim_version']}, the package is"
        f" {hlmsim.__version__}. The version and the baseline move together: a change of simulated"
        " results needs a new version and a regenerated baseline (`python tests/make_baseline.py`,"
        " which refuses to record changed results under the old version); a new version without"
        " a change of results only needs the baseline regenerated. If you just changed the"
        " version in pyproject.toml, reinstall (`make`, or `pip install -e .`) so that"
        " hlmsim.__version__ follows."
    )


def test_results_match_the_baseline(baseline, current):
    problems = mb.compare(baseline, current)
    if problems:
        note = ""
        if baseline.get("hlmsim_version") != current["hlmsim_version"]:
            note = (
                f" (baseline made with hlmsim {baseline.get('hlmsim_version')},"
                f" now {current['hlmsim_version']})"
            )
        if baseline.get("scenario_hash") != current["scenario_hash"]:
            note += " (resolved scenario parameters changed since the baseline)"
        shown = "\n  ".join(problems[:25])
        pytest.fail(
            f"results differ from tests/baseline.json{note}: {len(problems)} "
            f"indicator(s)\n  {shown}\n{REGENERATE}"
        )


def test_negative_control_a_perturbed_model_fails_the_comparison(baseline, current):
    half = field_meta("trust_gain_per_contact")["default"] / 2
    perturbed = mb.compute(trust_gain_per_contact=half)
    problems = mb.compare(current, perturbed)
    assert problems, "the comparison cannot see a halved trust gain per contact"
    assert any(p.startswith("ciusss_social_worker.trust_worker") for p in problems)
    # without a worker, trust per contact plays no part: that arrangement still matches
    assert not any(p.startswith("services_as_usual.") for p in problems)


def test_compare_tolerance_and_missing_values(current):
    assert mb.compare(current, current) == []
    arr = mb.ARRANGEMENTS[0]
    name = "needs_met"
    nudged = json.loads(json.dumps(current))
    v = nudged["indicators"][arr][name]
    nudged["indicators"][arr][name] = v * (1 + 1e-12)
    assert mb.compare(current, nudged) == []
    nudged["indicators"][arr][name] = v * (1 + 1e-6)
    assert mb.compare(current, nudged) == [f"{arr}.{name}: baseline {v!r}, now {v * (1 + 1e-6)!r}"]
    nudged["indicators"][arr][name] = None
    assert len(mb.compare(current, nudged)) == 1
    del nudged["indicators"][arr][name]
    assert len(mb.compare(current, nudged)) == 1
    nudged = {**current, "seed": current["seed"] + 1}
    assert mb.compare(current, nudged)


def test_make_baseline_refuses_changed_results_under_the_same_version(
    current, tmp_path, monkeypatch, capsys
):
    arr = mb.ARRANGEMENTS[0]
    old = json.loads(json.dumps(current))
    old["indicators"][arr]["needs_met"] += 1
    path = tmp_path / "baseline.json"
    mb.write(old, path)
    monkeypatch.setattr(mb, "BASELINE", path)
    monkeypatch.setattr(mb, "compute", lambda: current)
    assert mb.main() == 1
    assert json.loads(path.read_text(encoding="utf-8")) == old, "must not be written"
    assert "needs a new version" in capsys.readouterr().out
    # with another version recorded, the new results are written
    old["hlmsim_version"] = "0.0.0-older"
    mb.write(old, path)
    assert mb.main() == 0
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(current))
    # an arrangement added under the same version is coverage, not a change of results
    fewer = json.loads(json.dumps(current))
    del fewer["indicators"][arr]
    mb.write(fewer, path)
    assert mb.main() == 0
