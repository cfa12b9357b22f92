"""Profile an hlmsim run under cProfile before optimising.

Runs a scenario (default: the shipped ``province``, 74,339 households in 476 milieux) for 24
months, model construction included (``agents=True`` unless ``--no-agents``), and prints the top
functions by cumulative and by total (own) time, then the time of each phase of the monthly step
(``HLMModel.step``'s callees).

With ``--warm`` (the default) a short untimed run of the same scenario (construction and one
month, not profiled) comes first, so that the compiled kernels' first call (compiling them, or
loading them from numba's cache) does not pollute the profile; ``--no-warm`` profiles the first
run as it is, first call included.

Usage::

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
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))  # run from a source tree without installing
    import hlmsim
    from hlmsim import HLMModel

    scen = hlmsim.load_scenario(args.scenario)
    agents = not args.no_agents

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


def _trim(text: str) -> str:
    """Drop pstats' header lines up to the table."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "ncalls" in line or "called..." in line:
            return "\n".join(lines[i:]).rstrip()
    return text.rstrip()


if __name__ == "__main__":
    sys.exit(main())
