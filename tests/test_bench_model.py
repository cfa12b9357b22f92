"""The benchmark's reference model and helpers (benchmarks/bench_model.py); nothing is timed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_model.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_model", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_model"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_model", None)


def wealths(model) -> list[int]:
    return [a.wealth for a in sorted(model.agents, key=lambda a: a.unique_id)]


def test_nogrid_boltzmann_conserves_wealth(bench):
    model = bench.NoGridBoltzmann(200, seed=3)
    assert len(model.agents) == 200
    assert wealths(model) == [1] * 200
    for _ in range(30):
        model.step()
        w = wealths(model)
        assert sum(w) == 200
        assert min(w) >= 0
    assert max(wealths(model)) > 1  # wealth has moved


def test_nogrid_boltzmann_is_reproducible_with_a_seed(bench):
    def run(seed: int) -> list[int]:
        model = bench.NoGridBoltzmann(100, seed=seed)
        for _ in range(20):
            model.step()
        return wealths(model)

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_size_helper_reproduces_the_province_and_default(bench):
    assert bench.check_helper_matches_province()
    assert bench.households(bench.build_scenario("default")) == bench.DEFAULT_N
    scen = bench.build_scenario(1_000, months=6)
    assert bench.households(scen) == 1_000
    assert scen.months == 6


def test_scaling_plan(bench):
    jobs = bench.scaling_plan(list(bench.SCALING_SIZES), 24, None, False)
    pairs = [(j["n"], j["agents"]) for j in jobs]
    assert (bench.PROVINCE_N, True) in pairs
    assert (300_000, True) not in pairs and (1_000_000, False) in pairs
    assert all(j["months"] == (24 if j["n"] >= bench.PROVINCE_N else 120) for j in jobs)
    assert all(j["repeats"] == (3 if j["n"] <= 10_000 else 1) for j in jobs)


def test_scaling_child_reports_every_month(bench, capsys):
    job = {"n": 200, "agents": False, "months": 3, "repeats": 2, "tracemalloc": False}
    bench.scaling_child(job)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:-1] == ["P"] * 6
    out = json.loads(lines[-1])
    assert len(out["run_s_all"]) == 2 and out["maxrss_bytes"] > 0


def test_first_call_is_reported_apart_from_the_steady_run(bench, tmp_path, capsys):
    out = tmp_path / "first_call.json"
    assert bench.main(["--first-call-only", "--no-cold-compile", "--out", str(out)]) == 0
    fc = json.loads(out.read_text())["first_call"]
    for mode in ("as_found", "cache"):
        child = fc[mode]
        assert len(child["runs_s_all"]) == bench.FIRST_CALL_RUNS
        assert child["first_call_s"] == child["first_run_s"] - child["steady_run_s"]
    assert fc["cache_load_s"] == fc["cache"]["first_call_s"]
    assert fc["steady_run_s"] > 0
    assert fc["cold_compile_s"] is None and "cold" not in fc  # --no-cold-compile
    printed = capsys.readouterr().out
    assert "cache load" in printed
    assert "cold compile (empty NUMBA_CACHE_DIR): not measured" in printed


TINY = """name = "tiny"
description = "one milieu of 20 units"
months = 6
[[milieux]]
name = "a"
city = "Montréal"
[[milieux.ensembles]]
name = "A"
units = 20
share_family = 0.5
share_senior = 0.1
"""


def test_profile_phases_time_every_phase_and_kernel(tmp_path, capsys):
    """benchmarks/profile_model.py --phases: every phase of the step, inside and around its
    kernels, and the kernels; the model's functions are put back afterwards."""
    import hlmsim.mechanisms.needs as needs_mod
    from hlmsim import model as model_mod

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "profile_model.py"
    spec = importlib.util.spec_from_file_location("profile_model", path)
    assert spec is not None and spec.loader is not None
    prof = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prof)
    scen = tmp_path / "tiny.toml"
    scen.write_text(TINY, encoding="utf-8")
    before = (needs_mod.step, needs_mod._step_kernel, model_mod.record)
    assert prof.main(["--scenario", str(scen), "--phases", "--runs", "2", "--no-agents"]) == 0
    out = capsys.readouterr().out
    for label, _, _ in prof.PHASES:
        assert f"\n{label} " in out, label
    assert "needs._step_kernel" in out and "outcomes._record_kernel" in out
    assert "6 months x 2 runs" in out
    assert (needs_mod.step, needs_mod._step_kernel, model_mod.record) == before
