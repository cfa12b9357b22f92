"""Regenerate the regression baseline (after Covasim's ``baseline.json``).

Runs the default scenario under each of the five arrangements (``hlmsim.ARRANGEMENTS``, the
presets of ``hlmsim/arrangements.py``; the same settings as the shipped scenarios
``hlmsim/scenarios/<arrangement>.toml``) for 36 months on seed 1 and writes selected final-year
indicators (the overall ``all`` row of the summary) to ``tests/baseline.json``, with the hlmsim
version that produced them. ``tests/test_regression.py`` re-runs and compares with a tight
tolerance, and checks that the baseline's version is the package's.

After an intended change of results (calibration, a mechanism change), bump the version in
``pyproject.toml`` (reinstall: ``make`` does it, or ``pip install -e .``), record the change in
``CHANGELOG.md``, then regenerate::

    python tests/make_baseline.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import hlmsim
from hlmsim.arrangements import ARRANGEMENTS as PRESETS
from hlmsim.scenario import load_scenario, scenario_hash

BASELINE = Path(__file__).resolve().parent / "baseline.json"
#: Every arrangement, in the order of ``hlmsim/arrangements.py``.
ARRANGEMENTS: tuple[str, ...] = tuple(PRESETS)
SEED = 1
MONTHS = 36
RTOL = 1e-9
INDICATORS = (
    "needs_new",
    "needs_met",
    "needs_unmet",
    "needs_abandoned",
    "needs_met_share",
    "time_to_meet",
    "met_by_service",
    "met_by_worker",
    "met_by_self",
    "contacts",
    "reached",
    "hard_to_reach_reached",
    "referrals_made",
    "referrals_completed",
    "self_referrals",
    "services",
    "service_use",
    "isolation",
    "engagement",
    "participants",
    "mutual_aid",
    "security",
    "health_network_image",
    "trust_worker",
    "inter_org_trust",
    "shared_understanding",
    "open_controversies",
    "meetings",
    "departures",
    "cost",
    "cost_per_need_met",
)


def _clean(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


def compute(**overrides: Any) -> dict[str, Any]:
    """Run every arrangement of the baseline; ``overrides`` are parameters (for tests)."""
    indicators: dict[str, dict[str, float | None]] = {}
    hashes: dict[str, str] = {}
    for arrangement in ARRANGEMENTS:
        scen = load_scenario("default", arrangement=arrangement, months=MONTHS, **overrides)
        overall = hlmsim.run(scen, seed=SEED).summary["all"]
        indicators[arrangement] = {k: _clean(float(overall[k])) for k in INDICATORS}
        hashes[arrangement] = scenario_hash(scen)
    return {
        "hlmsim_version": hlmsim.__version__,
        "scenario": "default",
        "seed": SEED,
        "months": MONTHS,
        "scenario_hash": hashes,
        "indicators": indicators,
    }


def _close(a: float | None, b: float | None, rtol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)


def compare(baseline: dict[str, Any], current: dict[str, Any], rtol: float = RTOL) -> list[str]:
    """Differences between two baselines (empty when they agree within ``rtol``)."""
    problems = []
    for key in ("scenario", "seed", "months"):
        if baseline.get(key) != current.get(key):
            problems.append(f"{key}: baseline {baseline.get(key)!r}, now {current.get(key)!r}")
    base_ind, cur_ind = baseline.get("indicators", {}), current.get("indicators", {})
    for arrangement in sorted(set(base_ind) | set(cur_ind)):
        if arrangement not in base_ind or arrangement not in cur_ind:
            problems.append(f"{arrangement}: present in only one of baseline and current run")
            continue
        b, c = base_ind[arrangement], cur_ind[arrangement]
        for name in sorted(set(b) | set(c)):
            if name not in b or name not in c:
                problems.append(f"{arrangement}.{name}: present in only one")
            elif not _close(b[name], c[name], rtol):
                problems.append(f"{arrangement}.{name}: baseline {b[name]!r}, now {c[name]!r}")
    return problems


def write(data: dict[str, Any], path: Path = BASELINE) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def main() -> int:
    data = compute()
    old = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else None
    changed = compare(old, data) if old else ["(new baseline)"]
    # an arrangement or indicator added to or removed from the baseline is coverage, not a
    # change of results
    moved = [p for p in changed if old and "present in only one" not in p]
    if moved and old and old.get("hlmsim_version") == data["hlmsim_version"]:
        print(f"results differ from {BASELINE.name} in {len(moved)} indicator(s), for example:")
        for line in moved[:10]:
            print("  " + line)
        print(
            f"The version is still {data['hlmsim_version']}: a change of results needs a new"
            " version. Bump it in pyproject.toml, reinstall (`make`, or `pip install -e .`),"
            " record the change in CHANGELOG.md, then run this again. Baseline not written."
        )
        return 1
    write(data, BASELINE)
    print(f"wrote {BASELINE} (hlmsim {data['hlmsim_version']}): {len(changed)} change(s)")
    for line in changed[:20]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
