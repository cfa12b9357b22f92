"""Profile an hlmsim run under cProfile before optimising.

Runs a scenario (default: the shipped ``province``, 74,339 households in 476 milieux) for 24
months, model construction included (``agents=True`` unless ``--no-agents``), and prints the top
functions by cumulative and by total (own) time, then the time of each phase of the monthly step
(``HLMModel.step``'s callees).

With ``--warm`` (the default) a short untimed run of the same scenario (construction and one
month, not profiled) comes first, so that the compiled kernels' first call (compiling them, or
loading them from numba's cache) does not pollute the profile; ``--no-warm`` profiles the first
run as it is, first call included.

With ``--phases`` no profiler runs: each phase of the monthly step and each compiled kernel is
timed (``time.perf_counter`` around the call) over ``--runs`` whole runs, and the table gives,
per phase, its time a month, the part spent inside its kernels (numba's dispatch included) and
the part around them (Python and NumPy: gathering arguments, drawing numbers, small arrays), then
the kernels themselves; a fixed cost a month shows as time around the kernels that does not grow
with households (compare a small scenario with a large one).

Usage::

    .venv/bin/python benchmarks/profile_model.py --scenario default --phases --runs 10
    .venv/bin/python benchmarks/profile_model.py
    .venv/bin/python benchmarks/profile_model.py --months 12 --top 40 --save /tmp/hlm.prof
    .venv/bin/python benchmarks/profile_model.py --no-warm   # the first call's cost included
    # then e.g.: python -m pstats /tmp/hlm.prof   or   snakeviz /tmp/hlm.prof
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="province", help="shipped scenario name or .toml path")
    ap.add_argument("--months", type=int, default=24, help="months to run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-agents", action="store_true", help="HLMModel(..., agents=False)")
    ap.add_argument("--top", type=int, default=25, help="rows per table")
    ap.add_argument("--save", help="also write the raw profile (pstats format) to this file")
    ap.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the model once untimed first (construction + 1 month), so that the kernels' "
        "compile or cache-load time stays out of the profile (default: on)",
    )
    ap.add_argument(
        "--phases",
        action="store_true",
        help="no profiler: time each phase of the step and each kernel over --runs whole runs "
        "(inside and around the kernels)",
    )
    ap.add_argument("--runs", type=int, default=5, help="--phases: whole runs timed")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))  # run from a source tree without installing
    import hlmsim
    from hlmsim import HLMModel

    scen = hlmsim.load_scenario(args.scenario)
    agents = not args.no_agents
    if args.phases:
        return phases(scen, args.runs, args.seed, agents, args.months)

    warm_s = None
    if args.warm:  # untimed, unprofiled: compile or load the kernels, first calls
        t = time.perf_counter()
        warm_scen = scen.model_copy(update={"months": 1})
        HLMModel(warm_scen, seed=args.seed, agents=False).run()
        warm_s = time.perf_counter() - t

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    model = HLMModel(scen, seed=args.seed, agents=agents)
    prof.disable()
    t1 = time.perf_counter()
    prof.enable()
    model.run(args.months)
    prof.disable()
    t2 = time.perf_counter()

    print(
        f"scenario {scen.name!r}: {model.hh.n:,} households, {model.ms.n} milieux, "
        f"agents={agents}, {args.months} months, seed {args.seed}"
    )
    if warm_s is None:
        print(
            "not warmed (--no-warm): the profile includes the first call (the kernels' compile "
            "or cache-load time, lazy imports)"
        )
    else:
        print(
            f"warmed first (--warm): an untimed, unprofiled run of 1 month ({warm_s:.2f} s: the "
            "kernels' compile or cache load, first calls) is not in the profile"
        )
    print(
        f"wall time under cProfile: construction {t1 - t0:.3f} s, run {t2 - t1:.3f} s "
        f"({(t2 - t1) / args.months * 1000:.1f} ms/month); cProfile adds overhead, compare "
        "shares rather than absolute times"
    )
    if args.save:
        prof.dump_stats(args.save)
        print(f"raw profile: {args.save}")

    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key)
        stats.print_stats(args.top)
        print(f"\n=== top {args.top} functions by {title} ===")
        print(_trim(buf.getvalue()))

    # the monthly step, phase by phase
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative")
    stats.print_callees(r"model.py:\d+\(step\)")
    print("\n=== HLMModel.step, by phase (callees; cumtime column) ===")
    print(_trim(buf.getvalue()))
    return 0


#: The phases of ``HLMModel.step`` and the functions that run them, in the step's order.
PHASES = (
    ("events", "events", "step"),
    ("switching", "switching", "step"),
    ("crises", "crises", "step"),
    ("funding", "funding", "step"),
    ("staff", "staff", "step"),
    ("demography", "demography", "step"),
    ("needs", "needs", "step"),
    ("governance", "governance", "step"),
    ("choose partners", "referral", "choose_partners"),
    ("outreach", "outreach", "step"),
    ("self-referral", "referral", "self_referral"),
    ("services", "services", "step"),
    ("participation", "participation", "step"),
    ("information", "information", "step"),
    ("well-being", "wellbeing", "step"),
)


def phases(scen: Any, runs: int, seed: int, agents: bool, months_asked: int) -> int:
    """Time each phase of the step, inside and around its kernels, over ``runs`` whole runs."""
    import importlib
    import pkgutil

    import numba

    import hlmsim.mechanisms as mech
    from hlmsim import HLMModel
    from hlmsim import model as model_mod

    totals: dict[str, float] = {}
    inside: dict[str, float] = {}
    kernels: dict[str, float] = {}
    calls: dict[str, int] = {}
    stack: list[str] = []

    def timed_phase(label: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            stack.append(label)
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - t
                stack.pop()

        return run

    def timed_kernel(label: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                dt = time.perf_counter() - t
                kernels[label] = kernels.get(label, 0.0) + dt
                calls[label] = calls.get(label, 0) + 1
                if stack:  # a kernel called by another kernel's Python caller counts once
                    inside[stack[-1]] = inside.get(stack[-1], 0.0) + dt

        return run

    HLMModel(scen.model_copy(update={"months": 1}), seed=seed, agents=False).run()  # warm
    patched: list[tuple[Any, str, Any]] = []
    mods = [importlib.import_module(f"hlmsim.mechanisms.{m.name}") for m in pkgutil.iter_modules(
        mech.__path__)]  # fmt: skip
    mods += [importlib.import_module(f"hlmsim.{m}") for m in ("outcomes", "observables", "state")]
    for mod in mods:  # every kernel, where its module calls it (module attributes)
        for name, obj in list(vars(mod).items()):
            if isinstance(obj, numba.core.dispatcher.Dispatcher) and obj.__module__ == mod.__name__:
                short = f"{mod.__name__.rsplit('.', 1)[-1]}.{name}"
                patched.append((mod, name, obj))
                setattr(mod, name, timed_kernel(short, obj))
    for label, mod_name, fn_name in PHASES:
        mod = importlib.import_module(f"hlmsim.mechanisms.{mod_name}")
        patched.append((mod, fn_name, getattr(mod, fn_name)))
        setattr(mod, fn_name, timed_phase(label, getattr(mod, fn_name)))
    for fn_name, label in (("record", "outcomes: record"), ("track", "outcomes: track")):
        patched.append((model_mod, fn_name, getattr(model_mod, fn_name)))
        setattr(model_mod, fn_name, timed_phase(label, getattr(model_mod, fn_name)))
    whole, build = [], []
    try:
        for r in range(runs):
            t0 = time.perf_counter()
            model = HLMModel(scen, seed=seed + r, agents=agents)
            t1 = time.perf_counter()
            model.run()
            whole.append(time.perf_counter() - t0)
            build.append(t1 - t0)
    finally:
        for mod, name, obj in reversed(patched):
            setattr(mod, name, obj)
    months = runs * scen.months
    us = 1e6 / months
    print(
        f"scenario {scen.name!r}: {model.hh.n:,} households, {model.ms.n} milieux, "
        f"agents={agents}, {scen.months} months x {runs} runs (--months is not used here)"
    )
    run_us = (sum(whole) - sum(build)) * us
    print(
        f"a run: {sum(whole) / runs * 1e3:.1f} ms on average (construction "
        f"{sum(build) / runs * 1e3:.2f} ms); a month: {run_us:.0f} us "
        "(timers add about 0.1 us a call)\n"
    )
    print(f"{'phase':<18} {'us/month':>9} {'kernels':>9} {'around':>9} {'share':>6}")
    labels = [p[0] for p in PHASES] + ["outcomes: record", "outcomes: track"]
    for label in labels:
        tot, ins = totals.get(label, 0.0) * us, inside.get(label, 0.0) * us
        print(f"{label:<18} {tot:9.1f} {ins:9.1f} {tot - ins:9.1f} {tot / run_us:6.1%}")
    tot = sum(totals.values()) * us
    ins = sum(inside.get(label, 0.0) for label in labels) * us
    print(f"{'all phases':<18} {tot:9.1f} {ins:9.1f} {tot - ins:9.1f} {tot / run_us:6.1%}")
    rest = run_us - tot
    print(f"{'the step itself':<18} {rest:9.1f} {'':>9} {'':>9} {rest / run_us:6.1%}")
    print(f"\n{'kernel':<34} {'us/month':>9} {'calls/month':>12}")
    for name, secs in sorted(kernels.items(), key=lambda kv: -kv[1]):
        print(f"{name:<34} {secs * us:9.1f} {calls[name] / months:12.2f}")
    return 0


def _trim(text: str) -> str:
    """Drop pstats' header lines up to the table."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "ncalls" in line or "called..." in line:
            return "\n".join(lines[i:]).rstrip()
    return text.rstrip()


if __name__ == "__main__":
    sys.exit(main())
