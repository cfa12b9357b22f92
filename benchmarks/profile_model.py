"""Profile an hlmsim run under cProfile before optimising.

Runs a scenario (default: the shipped ``province``, 74,339 households in 476 milieux) for 24
months, model construction included (``agents=True`` unless ``--no-agents``), and prints the top
functions by cumulative and by total (own) time, then the time of each phase of the monthly step
(``HLMModel.step``'s callees).

Usage::

    .venv/bin/python benchmarks/profile_model.py
    .venv/bin/python benchmarks/profile_model.py --months 12 --top 40 --save /tmp/hlm.prof
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
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))  # run from a source tree without installing
    import hlmsim
    from hlmsim import HLMModel

    scen = hlmsim.load_scenario(args.scenario)
    agents = not args.no_agents

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
