"""Benchmark hlmsim against Mesa's own Boltzmann wealth model.

For each size N (households for hlmsim, agents for Boltzmann) and R repeats, prints:

* hlmsim: median wall time of a 10-year (120-month) run, model construction included, with the
  thin Mesa agent views (``HLMModel(scen, seed, agents=True)``) and without (``agents=False``);
  its throughput in resident-months per second (N * 120 / median time, agents=True);
* Mesa's Boltzmann wealth model (``mesa.examples.basic.boltzmann_wealth_model``), N agents on a
  ceil(sqrt(N))-sided grid (about one agent per cell), 120 steps, timing only
  ``model.agents.shuffle_do("step")`` each step (the agents' work: no construction, no data
  collection); its throughput in agent-steps per second;
* the ratio hlmsim / Boltzmann throughput, with PASS/FAIL at N = 74,339 against the bar (2x)
  and the goal (4x);
* the peak memory of an hlmsim run (agents=True) at 74,339 households, in a fresh subprocess:
  the whole-process peak RSS (``ru_maxrss``), and the peak traced by ``tracemalloc`` during
  construction + run (a second fresh subprocess); the bar is < 1 GB.

Figures are also written as JSON to ``results/bench_model.json``.

Usage::

    .venv/bin/python benchmarks/bench_model.py              # 1,000, 10,000, 74,339; 3 repeats
    .venv/bin/python benchmarks/bench_model.py --quick      # 1,000 and 10,000; 1 repeat
    .venv/bin/python benchmarks/bench_model.py --sizes 74339 --repeats 5
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MONTHS = 120
PROVINCE_N = 74_339
ENSEMBLE_UNITS = 26
ENSEMBLES_PER_MILIEU = 6
BAR, GOAL = 2.0, 4.0
MEMORY_BAR_BYTES = 1 << 30  # 1 GiB


# -- scenarios --------------------------------------------------------------------------------
def scenario_data(n: int) -> dict[str, Any]:
    """Raw scenario data for ``n`` households, shaped like ``province.toml``: milieux of six
    26-unit ensembles, the last milieu taking the remainder in its last ensemble (for
    n = 74,339 this is exactly the shipped province scenario's layout)."""
    from hlmsim.scenario import SCENARIO_DIR

    with (SCENARIO_DIR / "province.toml").open("rb") as fh:
        data = tomllib.load(fh)
    mix = {k: v for k, v in data["milieux"][0]["ensembles"][0].items() if k != "units"}
    per_milieu = ENSEMBLE_UNITS * ENSEMBLES_PER_MILIEU
    full, rem = divmod(n, per_milieu)

    def ensembles(last_units: int) -> list[dict[str, Any]]:
        units = [ENSEMBLE_UNITS] * (ENSEMBLES_PER_MILIEU - 1) + [last_units]
        return [{"units": u, **mix} for u in units]

    if full == 0:  # fewer households than one milieu: one milieu, one ensemble
        milieux = [{"name": "hlm", "ensembles": [{"units": n, **mix}]}]
    elif rem == 0:
        milieux = [{"name": "hlm", "copies": full, "ensembles": ensembles(ENSEMBLE_UNITS)}]
    else:
        milieux = [{"name": "hlm-last", "ensembles": ensembles(ENSEMBLE_UNITS + rem)}]
        if full > 1:
            milieux.insert(
                0, {"name": "hlm", "copies": full - 1, "ensembles": ensembles(ENSEMBLE_UNITS)}
            )
    data["name"] = f"province-{n}"
    data["description"] = f"{n:,} households in province-like milieux (benchmark)"
    data["months"] = MONTHS
    data["milieux"] = milieux
    return data


def build_scenario(n: int):
    """A validated :class:`hlmsim.Scenario` of ``n`` households and 120 months (the shipped
    ``province`` scenario for n = 74,339)."""
    import hlmsim
    from hlmsim.scenario import validate

    scen = hlmsim.load_scenario("province") if n == PROVINCE_N else validate(scenario_data(n))
    if scen.months != MONTHS:
        scen = scen.model_copy(update={"months": MONTHS})
    units = sum(e.units * m.copies for m in scen.milieux for e in m.ensembles)
    if units != n:
        raise RuntimeError(f"scenario has {units} households, expected {n}")
    return scen


def check_helper_matches_province() -> bool:
    """The size helper reproduces the shipped province layout at 74,339 households."""
    import hlmsim
    from hlmsim.scenario import validate

    shipped = hlmsim.load_scenario("province")
    ours = validate(scenario_data(PROVINCE_N))
    dump = [m.model_dump() for m in shipped.milieux]
    return dump == [m.model_dump() for m in ours.milieux]


# -- timing -----------------------------------------------------------------------------------
def time_hlmsim(scen, seed: int, agents: bool) -> tuple[float, float]:
    """Wall time (s) of construction + 120-month run, and of the construction alone."""
    from hlmsim import HLMModel

    gc.collect()
    t0 = time.perf_counter()
    model = HLMModel(scen, seed=seed, agents=agents)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    if model.t != MONTHS:
        raise RuntimeError(f"hlmsim ran {model.t} months, expected {MONTHS}")
    del model
    return t2 - t0, t1 - t0


def time_boltzmann(n: int, seed: int) -> tuple[float, float]:
    """Wall time (s) of 120 x ``model.agents.shuffle_do("step")`` (summed over steps only), and
    of the model's construction (not part of the comparison)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = math.ceil(math.sqrt(n))
    gc.collect()
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=seed))
    setup = time.perf_counter() - t0
    agents = model.agents
    if len(agents) != n:
        raise RuntimeError(f"Boltzmann has {len(agents)} agents, expected {n}")
    total = 0.0
    for _ in range(MONTHS):
        t = time.perf_counter()
        agents.shuffle_do("step")
        total += time.perf_counter() - t
    del model, agents
    return total, setup


def bench_size(n: int, repeats: int, log) -> dict[str, Any]:
    scen = build_scenario(n)
    n_milieux = sum(m.copies for m in scen.milieux)
    with_agents, without_agents, setup_agents, boltz, boltz_setup = [], [], [], [], []
    for r in range(repeats):
        seed = r + 1
        total, setup = time_hlmsim(scen, seed, agents=True)
        with_agents.append(total)
        setup_agents.append(setup)
        log(
            f"  N={n:>6,} repeat {r + 1}/{repeats}: hlmsim agents=True {total:7.3f} s "
            f"(construction {setup:.3f} s)"
        )
        total, _ = time_hlmsim(scen, seed, agents=False)
        without_agents.append(total)
        log(f"  N={n:>6,} repeat {r + 1}/{repeats}: hlmsim agents=False {total:6.3f} s")
        total, setup = time_boltzmann(n, seed)
        boltz.append(total)
        boltz_setup.append(setup)
        log(
            f"  N={n:>6,} repeat {r + 1}/{repeats}: Boltzmann shuffle_do {total:7.3f} s "
            f"(construction {setup:.3f} s, not counted)"
        )
    work = n * MONTHS
    med = statistics.median
    h_tp = work / med(with_agents)
    h_tp_na = work / med(without_agents)
    b_tp = work / med(boltz)
    return {
        "n": n,
        "milieux": n_milieux,
        "months": MONTHS,
        "repeats": repeats,
        "hlmsim_agents_s": med(with_agents),
        "hlmsim_agents_s_all": with_agents,
        "hlmsim_construction_agents_s": med(setup_agents),
        "hlmsim_no_agents_s": med(without_agents),
        "hlmsim_no_agents_s_all": without_agents,
        "hlmsim_resident_months_per_s": h_tp,
        "hlmsim_no_agents_resident_months_per_s": h_tp_na,
        "boltzmann_grid_side": math.ceil(math.sqrt(n)),
        "boltzmann_s": med(boltz),
        "boltzmann_s_all": boltz,
        "boltzmann_construction_s": med(boltz_setup),
        "boltzmann_agent_steps_per_s": b_tp,
        "ratio": h_tp / b_tp,
        "ratio_no_agents": h_tp_na / b_tp,
    }


# -- memory (fresh subprocesses) --------------------------------------------------------------
def _maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def _vm_hwm_bytes() -> int | None:
    """Peak RSS of this process's own address space (Linux /proc/self/status VmHWM), which,
    unlike ru_maxrss, cannot inherit the parent's peak across fork/exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def memory_child(mode: str, n: int) -> None:
    """Run in a fresh process: one hlmsim run (agents=True); print a JSON line of figures."""
    from hlmsim import HLMModel

    scen = build_scenario(n)
    gc.collect()
    out: dict[str, Any] = {
        "mode": mode,
        "n": n,
        "baseline_maxrss_bytes": _maxrss_bytes(),
        "baseline_vm_hwm_bytes": _vm_hwm_bytes(),
    }
    if mode == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        t0 = time.perf_counter()
        model = HLMModel(scen, seed=1, agents=True)
        out["after_construction_traced_bytes"] = tracemalloc.get_traced_memory()[0]
        model.run()
        current, peak = tracemalloc.get_traced_memory()
        out["elapsed_s"] = time.perf_counter() - t0
        tracemalloc.stop()
        out["traced_peak_bytes"] = peak
        out["traced_current_bytes"] = current
    else:
        t0 = time.perf_counter()
        model = HLMModel(scen, seed=1, agents=True).run()
        out["elapsed_s"] = time.perf_counter() - t0
    out["maxrss_bytes"] = _maxrss_bytes()
    out["vm_hwm_bytes"] = _vm_hwm_bytes()
    out["months"] = model.t
    print(json.dumps(out))


def measure_memory(n: int, tracemalloc_too: bool) -> dict[str, Any]:
    res: dict[str, Any] = {
        "n": n,
        "bar_bytes": MEMORY_BAR_BYTES,
        "parent_maxrss_at_spawn_bytes": _maxrss_bytes(),
    }
    modes = ["rss", "tracemalloc"] if tracemalloc_too else ["rss"]
    for mode in modes:
        proc = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--memory-child",
                mode,
                "--memory-size",
                str(n),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory subprocess ({mode}) failed:\n{proc.stderr}")
        res[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    rss = res["rss"]["maxrss_bytes"]
    res["maxrss_bytes"] = rss
    res["baseline_maxrss_bytes"] = res["rss"]["baseline_maxrss_bytes"]
    res["vm_hwm_bytes"] = res["rss"]["vm_hwm_bytes"]
    res["pass"] = rss < MEMORY_BAR_BYTES
    if "tracemalloc" in res:
        res["traced_peak_bytes"] = res["tracemalloc"]["traced_peak_bytes"]
    return res


# -- reporting --------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    import mesa
    import numpy as np

    import hlmsim

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu,
        "cores_logical": os.cpu_count(),
        "cores_usable": usable,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "hlmsim": hlmsim.__version__,
    }


def _mb(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_report(results: dict[str, Any]) -> None:
    m = results["machine"]
    print()
    print("hlmsim benchmark: 10-year runs (120 monthly steps) vs Mesa's Boltzmann wealth model")
    print(
        f"machine: {m['cpu']}; {m['cores_logical']} logical cores ({m['cores_usable']} usable); "
        f"{m['platform']}"
    )
    print(
        f"python {m['python']} ({m['implementation']}), numpy {m['numpy']}, mesa {m['mesa']}, "
        f"hlmsim {m['hlmsim']}; single-threaded; repeats {results['repeats']} (median)"
    )
    print("hlmsim time: HLMModel(scen, seed, agents=...) construction + model.run() (120 months);")
    print("  throughput = N * 120 / median time with agents=True.")
    print("Boltzmann time: only model.agents.shuffle_do('step') x 120 (the agents' work; no")
    print("  construction, no data collection), N agents on a ceil(sqrt N)^2 grid.")
    print()
    head = (
        f"{'N':>7} {'milieux':>7} | {'hlmsim s':>9} {'no-agents s':>11} {'constr s':>8} "
        f"{'res-months/s':>13} | {'Boltz s':>8} {'agent-steps/s':>13} | {'ratio':>6} "
        f"{'ratio(no ag.)':>13}"
    )
    print(head)
    print("-" * len(head))
    for r in results["sizes"]:
        print(
            f"{r['n']:>7,} {r['milieux']:>7} | {r['hlmsim_agents_s']:>9.3f} "
            f"{r['hlmsim_no_agents_s']:>11.3f} {r['hlmsim_construction_agents_s']:>8.3f} "
            f"{r['hlmsim_resident_months_per_s']:>13,.0f} | {r['boltzmann_s']:>8.3f} "
            f"{r['boltzmann_agent_steps_per_s']:>13,.0f} | {r['ratio']:>5.2f}x "
            f"{r['ratio_no_agents']:>12.2f}x"
        )
    print()
    v = results["verdict"]
    if v["ratio"] is None:
        print(f"throughput ratio at N = {PROVINCE_N:,}: not measured (size not run)")
    else:
        print(f"throughput ratio at N = {PROVINCE_N:,}: {v['ratio']:.2f}x (agents=True)")
        print(f"  bar  >= {BAR:.0f}x: {verdict(v['ratio_bar'])}")
        print(f"  goal >= {GOAL:.0f}x: {verdict(v['ratio_goal'])}")
    mem = results.get("memory")
    if mem is None:
        print("memory: not measured (--no-memory)")
    else:
        print(f"memory, hlmsim run at N = {mem['n']:,} (agents=True, fresh subprocess):")
        print(
            f"  peak RSS of the whole process (ru_maxrss): {_mb(mem['maxrss_bytes'])} "
            f"(after imports, before the model: {_mb(mem['baseline_maxrss_bytes'])})"
        )
        if mem.get("vm_hwm_bytes"):
            print(
                f"  cross-check, VmHWM of the child's own address space: "
                f"{_mb(mem['vm_hwm_bytes'])}; parent's peak when spawning: "
                f"{_mb(mem['parent_maxrss_at_spawn_bytes'])}"
            )
        if "traced_peak_bytes" in mem:
            tm = mem["tracemalloc"]
            print(
                f"  tracemalloc peak during construction + run: {_mb(tm['traced_peak_bytes'])} "
                f"(after construction {_mb(tm['after_construction_traced_bytes'])}, at the end "
                f"{_mb(tm['traced_current_bytes'])})"
            )
        print(f"  bar < 1 GiB: {verdict(mem['pass'])}")
    print()
    print(f"JSON: {results['json_path']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default=f"1000,10000,{PROVINCE_N}",
        help="comma-separated numbers of households/agents",
    )
    ap.add_argument("--repeats", type=int, default=3, help="repeats per size (median)")
    ap.add_argument("--quick", action="store_true", help="sizes 1000,10000 and 1 repeat")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    ap.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the tracemalloc subprocess (peak RSS only)",
    )
    ap.add_argument(
        "--memory-size", type=int, default=PROVINCE_N, help="households for the memory measurement"
    )
    ap.add_argument(
        "--out",
        default=str(ROOT / "results" / "bench_model.json"),
        help="where to write the JSON figures",
    )
    ap.add_argument("--memory-child", choices=["rss", "tracemalloc"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))  # run from a source tree without installing
    if args.memory_child:
        memory_child(args.memory_child, args.memory_size)
        return 0

    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    repeats = 1 if args.quick else args.repeats
    if repeats < 1 or not sizes or min(sizes) < 1:
        ap.error("sizes and repeats must be positive")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    memory = None
    if not args.no_memory:
        # First, while this process is still small: on Linux ru_maxrss survives execve, so a
        # child spawned from a large parent would report the parent's peak, not its own.
        log(f"memory: fresh subprocess(es) at N = {args.memory_size:,}")
        memory = measure_memory(args.memory_size, not args.no_tracemalloc)
    if not check_helper_matches_province():
        log("warning: the size helper no longer reproduces the province layout at 74,339")
    results: dict[str, Any] = {
        "machine": machine(),
        "repeats": repeats,
        "months": MONTHS,
        "boltzmann_timed": "model.agents.shuffle_do('step') only",
        "hlmsim_timed": "HLMModel(...) construction + run(), 120 months",
        "sizes": [],
    }
    for n in sizes:
        log(f"N = {n:,}: {repeats} repeat(s)")
        results["sizes"].append(bench_size(n, repeats, log))
    at = next((r for r in results["sizes"] if r["n"] == PROVINCE_N), None)
    results["verdict"] = {
        "n": PROVINCE_N,
        "ratio": at["ratio"] if at else None,
        "bar": BAR,
        "goal": GOAL,
        "ratio_bar": at["ratio"] >= BAR if at else None,
        "ratio_goal": at["ratio"] >= GOAL if at else None,
    }
    if memory is not None:
        results["memory"] = memory
    results["total_benchmark_s"] = time.perf_counter() - started

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results["json_path"] = str(out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    print_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
