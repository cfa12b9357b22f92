"""Benchmark ``hlmsim compare``: the default comparison, report included.

Times ``hlmsim.compare("default", replications=N, workers=W)`` (five arrangements, N paired
replications each, 120 months) then ``write_compare(result, ...)`` (report.html with its figures,
runs.parquet, the CSV files and metadata.json), with 2 workers and with 1 worker; prints the
median over ``--repeats`` of each part and of the total, the speed-up of 2 workers over 1, and
the verdict against issue 12's target (at most 15 s with 2 workers). Imports (hlmsim, pandas, scipy,
matplotlib) are done, and timed, before the first measurement. The machine's load average is
printed before and after: other work on a shared machine slows the figures down.

Figures are also written as JSON to ``results/bench_compare.json``.

Usage::

    .venv/bin/python benchmarks/bench_compare.py                    # 100 replications, 1 repeat
    .venv/bin/python benchmarks/bench_compare.py --replications 20  # smaller
    .venv/bin/python benchmarks/bench_compare.py --repeats 3 --workers 2,1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 15.0  # issue 12: with 2 workers, 100 replications, report included


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def _workers(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        msg = f"not a comma-separated list of integers: {text}"
        raise argparse.ArgumentTypeError(msg) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("worker counts must be at least 1")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100, help="per arrangement (100)")
    parser.add_argument("--repeats", type=int, default=1, help="timings per worker count (1)")
    parser.add_argument("--workers", type=_workers, default=[2, 1], help="worker counts (2,1)")
    parser.add_argument("--scenario", default="default", help="scenario (default)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "results" / "bench_compare.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    if args.replications < 2 or args.repeats < 1:
        parser.error("--replications must be >= 2 and --repeats >= 1")

    load_before = _load()
    t0 = time.perf_counter()
    import matplotlib.backends.backend_agg  # noqa: F401 - imported for the timing
    import matplotlib.figure  # noqa: F401
    import scipy.stats  # noqa: F401

    import hlmsim
    from hlmsim.compare import compare
    from hlmsim.reporting import write_compare
    from hlmsim.scenario import load_scenario

    import_s = time.perf_counter() - t0
    scen = load_scenario(args.scenario)
    print(
        f"hlmsim {hlmsim.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores;"
        f" scenario {scen.name}, 5 arrangements x {args.replications} replications,"
        f" {scen.months} months; load average before: {load_before}",
        flush=True,
    )
    print(f"imports: {import_s:.1f} s (before timing)", flush=True)

    rows: dict[int, dict[str, Any]] = {}
    finals: dict[int, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench_compare.") as tmp:
        for w in args.workers:
            comp, rep, tot = [], [], []
            for r in range(args.repeats):
                t1 = time.perf_counter()
                result = compare(scen, replications=args.replications, workers=w)
                t2 = time.perf_counter()
                write_compare(result, Path(tmp) / f"w{w}-{r}", "en")
                t3 = time.perf_counter()
                comp.append(t2 - t1)
                rep.append(t3 - t2)
                tot.append(t3 - t1)
                print(
                    f"  workers={w} repeat {r + 1}: compare {t2 - t1:.1f} s,"
                    f" report {t3 - t2:.1f} s, total {t3 - t1:.1f} s (load {_load()})",
                    file=sys.stderr,
                    flush=True,
                )
            finals[w] = result.finals
            rows[w] = {
                "workers": w,
                "compare_s": statistics.median(comp),
                "report_s": statistics.median(rep),
                "total_s": statistics.median(tot),
                "totals_s": tot,
            }

    print()
    print(f"{'workers':>7} {'compare s':>10} {'report s':>9} {'total s':>8}")
    for w, row in rows.items():
        print(f"{w:>7} {row['compare_s']:>10.1f} {row['report_s']:>9.1f} {row['total_s']:>8.1f}")
    first = next(iter(finals.values()))
    identical = all(f.equals(first) for f in finals.values())
    print(f"results identical across worker counts: {'yes' if identical else 'NO'}")
    speedup = None
    if 1 in rows and 2 in rows:
        speedup = rows[1]["total_s"] / rows[2]["total_s"]
        print(f"speed-up 2 workers vs 1: {speedup:.2f}x")
    verdict = None
    if 2 in rows:
        scaled = rows[2]["compare_s"] * 100 / args.replications + rows[2]["report_s"]
        verdict = bool(scaled <= TARGET_S)
        note = "" if args.replications == 100 else f" (scaled to 100 replications: {scaled:.0f} s)"
        print(
            f"target <= {TARGET_S:.0f} s with 2 workers: {rows[2]['total_s']:.1f} s{note}"
            f" -> {'PASS' if verdict else 'FAIL'}"
        )
    load_after = _load()
    print(f"load average after: {load_after}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "hlmsim_version": hlmsim.__version__,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cores": os.cpu_count(),
                "scenario": scen.name,
                "replications": args.replications,
                "repeats": args.repeats,
                "import_s": import_s,
                "rows": list(rows.values()),
                "identical": identical,
                "speedup_2_vs_1": speedup,
                "target_s": TARGET_S,
                "pass": verdict,
                "load_before": load_before,
                "load_after": load_after,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
