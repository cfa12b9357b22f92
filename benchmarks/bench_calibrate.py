"""Benchmark ``hlmsim calibrate``: the shipped calibration and its ``--quick`` size.

Times, in a fresh process each (``python -m hlmsim calibrate ...``, as a user runs it):

- ``--quick`` (the pipeline's smoke test the suite relies on), ``--repeats`` times, median;
  issue 13's target: under 60 s;
- with ``--full``, the shipped calibration itself (``hlmsim calibrate default``, one worker:
  exactly reproducible), once; issue 13's target: under 30 minutes on 2 cores. Its calibration
  proper (the generations) is read from its ``generations.parquet`` (``seconds`` per
  generation) and printed apart from the checks and the report that follow it.

The machine's load average is printed before and after: other work on a shared machine slows
the figures down. Figures are also written as JSON to ``results/bench_calibrate.json``.

Usage::

    .venv/bin/python benchmarks/bench_calibrate.py                 # --quick, 3 repeats
    .venv/bin/python benchmarks/bench_calibrate.py --full          # + the shipped calibration
    .venv/bin/python benchmarks/bench_calibrate.py --full --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUICK_TARGET_S = 60.0  # issue 13: --quick under 60 s for the test suite
FULL_TARGET_S = 30 * 60.0  # issue 13: the shipped calibration on 2 cores under 30 minutes


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def _run(args: list[str], out: Path) -> float:
    """Seconds of one ``hlmsim calibrate`` in a fresh process (its stderr passed through)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "hlmsim", "calibrate", *args, "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def _verdict(seconds: float, target: float) -> str:
    return "PASS" if seconds <= target else "FAIL"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of --quick (median)")
    ap.add_argument("--full", action="store_true", help="also run the shipped calibration")
    ap.add_argument("--workers", type=int, default=1, help="workers of the full calibration")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "bench_calibrate.json")
    args = ap.parse_args(argv)
    import pandas as pd

    figures: dict[str, Any] = {"load_before": _load()}
    print(f"load average before: {figures['load_before']}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        quick = []
        for i in range(args.repeats):
            s = _run(["--quick"], Path(tmp) / f"quick{i}")
            quick.append(s)
            print(f"--quick run {i + 1}/{args.repeats}: {s:.1f} s", flush=True)
        med = statistics.median(quick)
        figures["quick_seconds"] = quick
        figures["quick_median_s"] = med
        print(f"--quick: median {med:.1f} s (target {QUICK_TARGET_S:.0f} s: "
              f"{_verdict(med, QUICK_TARGET_S)})", flush=True)  # fmt: skip
        if args.full:
            out = Path(tmp) / "full"
            total = _run(["default", "--workers", str(args.workers)], out)
            gens = pd.read_parquet(out / "generations.parquet")
            abc = float(gens["seconds"].sum())
            figures.update(
                full_total_s=total,
                full_generations_s=abc,
                full_checks_and_report_s=total - abc,
                generations=int(len(gens)),
                workers=args.workers,
                acceptance=[float(x) for x in gens["acceptance_rate"]],
                epsilon=[float(x) for x in gens["epsilon"]],
            )
            print(
                f"shipped calibration ({args.workers} worker(s)): {len(gens)} generations in"
                f" {abc / 60:.1f} min (target {FULL_TARGET_S / 60:.0f} min:"
                f" {_verdict(abc, FULL_TARGET_S)}); with its checks and report"
                f" {total / 60:.1f} min",
                flush=True,
            )
    figures["load_after"] = _load()
    print(f"load average after: {figures['load_after']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
