"""Benchmark ``hlmsim compare``: the default comparison, report included.

Times what ``hlmsim compare`` does: ``hlmsim.compare("default", replications=N, workers=W,
targets=10, ensemble="posterior")`` (five arrangements, N paired replications each over the
calibrated ensemble as the command runs by default, 120 months, and the targets catalogue's 10
replications on the same scenario; ``--ensemble none`` for the default values, ``--spin-up M``
for a mature start) then ``write_compare(result, ...)``
(report.html with its figures, runs.parquet, the CSV files, targets.csv and metadata.json), with
2 workers and with 1 worker; prints the median over ``--repeats`` of each part and of the total,
the speed-up of 2 workers over 1, and the verdict against issue 12's target (at most 15 s with 2
workers, default values) or issue 14's (at most 30 s, over the ensemble, a mature start included).
In the same repeats it times the **model runs alone** (the same batches of the same models, nothing
else, on a plain pool of W workers): the floor the comparison could reach, and the ratio of the two
says what the pipeline adds, whatever the machine's load. Imports (hlmsim,
pandas, scipy, matplotlib) are done, and timed, before the first measurement. The machine's load
average is printed before and after: other work on a shared machine slows the figures down.

Figures are also written as JSON to ``results/bench_compare.json``.

Usage::

    .venv/bin/python benchmarks/bench_compare.py                    # 100 replications, 1 repeat
    .venv/bin/python benchmarks/bench_compare.py --replications 20  # smaller
    .venv/bin/python benchmarks/bench_compare.py --repeats 3 --workers 2,1
    .venv/bin/python benchmarks/bench_compare.py --targets 0        # without the targets
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
#: issue 14: the same over the calibrated ensemble, a mature start (spin-up) included
TARGET_ENSEMBLE_S = 30.0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def _cpu() -> float:
    """CPU seconds of this process and of its ended children (the pools' workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _workers(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        msg = f"not a comma-separated list of integers: {text}"
        raise argparse.ArgumentTypeError(msg) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("worker counts must be at least 1")
    return values


def _model_only(task: tuple[Any, int, Any]) -> None:
    """One batch's model run alone (in a worker process)."""
    from hlmsim.model import HLMModel
    from hlmsim.replication import BATCH

    scen, seed, sets = task
    HLMModel(scen, seed=seed, agents=False, replicates=BATCH, param_sets=sets).run()


def model_tasks(
    scen: Any, replications: int, targets: int, seed: int = 0, ensemble: str = "none"
) -> list[tuple[Any, int, Any]]:
    """The batches ``compare(scen, replications=..., targets=..., ensemble=...)`` runs: each
    arrangement's (on its parameter sets), and the targets' runs that are none of the
    arrangements' (the others are shared, without an ensemble only)."""
    from hlmsim.arrangements import ARRANGEMENTS
    from hlmsim.compare import SEEDS_PER_SET, ComparisonWorlds, arrangement_scenarios
    from hlmsim.replication import batch_seeds, n_batches
    from hlmsim.scenario import scenario_hash
    from hlmsim.targets.engine import plan_targets

    nb = n_batches(replications)
    scenarios = arrangement_scenarios(scen, list(ARRANGEMENTS))
    worlds = ComparisonWorlds.make(ensemble, scen, scenarios, SEEDS_PER_SET, nb, seed)
    seeds = batch_seeds(seed, nb)
    tasks = [
        (s, seeds[b], worlds.batch_sets(a, b)) for b in range(nb) for a, s in scenarios.items()
    ]
    if targets:
        plan = plan_targets(scenario=scen, replications=targets, seed=seed)
        shared = (
            set() if worlds.ensemble is not None else {scenario_hash(s) for s in scenarios.values()}
        )
        for s in plan.runs.values():
            for b in range(plan.batches):
                if scenario_hash(s) not in shared or b >= nb:
                    tasks.insert(0, (s, plan.seeds[b], None))
    return tasks


def models_alone(tasks: list[tuple[Any, int]], workers: int) -> tuple[float, float]:
    """Wall seconds of the batches' model runs on a fresh pool of ``workers`` (in the process
    for 1), and their CPU seconds (the workers' included)."""
    from concurrent.futures import ProcessPoolExecutor

    from hlmsim.replication import mp_context, pool_map

    c0 = _cpu()
    t0 = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context()) as pool:
            list(pool_map(pool, _model_only, tasks))
    else:
        for task in tasks:
            _model_only(task)
    return time.perf_counter() - t0, _cpu() - c0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100, help="per arrangement (100)")
    parser.add_argument("--repeats", type=int, default=1, help="timings per worker count (1)")
    parser.add_argument("--workers", type=_workers, default=[2, 1], help="worker counts (2,1)")
    parser.add_argument("--scenario", default="default", help="scenario (default)")
    parser.add_argument(
        "--targets", type=int, default=10, help="replications of the targets (10; 0: none)"
    )
    parser.add_argument("--no-models-alone", action="store_true", help="skip the model runs alone")
    parser.add_argument(
        "--ensemble",
        default="posterior",
        help="parameter sets: posterior (default, as hlmsim compare), plausible, none or a file",
    )
    parser.add_argument(
        "--spin-up",
        type=int,
        default=0,
        help="months of spin-up before the comparison starts (a mature start; default 0)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "results" / "bench_compare.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    if args.replications < 2 or args.repeats < 1 or args.targets == 1 or args.targets < 0:
        parser.error("--replications must be >= 2, --repeats >= 1, --targets 0 or >= 2")

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
    if args.spin_up:
        from hlmsim.scenario import validate

        scen = validate({**scen.model_dump(), "spin_up_months": args.spin_up})
    target_s = TARGET_S if args.ensemble == "none" and not args.spin_up else TARGET_ENSEMBLE_S
    print(
        f"hlmsim {hlmsim.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores;"
        f" scenario {scen.name}, 5 arrangements x {args.replications} replications,"
        f" {scen.months} months (spin-up {scen.spin_up_months}), ensemble {args.ensemble},"
        f" targets: {args.targets or 'none'};"
        f" load average before: {load_before}",
        flush=True,
    )
    print(f"imports: {import_s:.1f} s (before timing)", flush=True)

    tasks = model_tasks(scen, args.replications, args.targets, ensemble=args.ensemble)
    rows: dict[int, dict[str, Any]] = {}
    finals: dict[int, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench_compare.") as tmp:
        for w in args.workers:
            comp, rep, tot, alone, cpu, pipeline_cpu = [], [], [], [], [], []
            for r in range(args.repeats):
                if not args.no_models_alone and r % 2 == 1:  # alternate the order
                    a, c = models_alone(tasks, w)
                    alone.append(a)
                    cpu.append(c)
                c1 = _cpu()
                t1 = time.perf_counter()
                result = compare(
                    scen,
                    replications=args.replications,
                    workers=w,
                    targets=args.targets,
                    ensemble=args.ensemble,
                )
                t2 = time.perf_counter()
                write_compare(result, Path(tmp) / f"w{w}-{r}", "en")
                t3 = time.perf_counter()
                pipeline_cpu.append(_cpu() - c1)
                if not args.no_models_alone and r % 2 == 0:
                    a, c = models_alone(tasks, w)
                    alone.append(a)
                    cpu.append(c)
                comp.append(t2 - t1)
                rep.append(t3 - t2)
                tot.append(t3 - t1)
                note = "" if args.no_models_alone else f"; models alone {alone[-1]:.1f} s"
                print(
                    f"  workers={w} repeat {r + 1}: compare {t2 - t1:.1f} s,"
                    f" report {t3 - t2:.1f} s, total {t3 - t1:.1f} s{note} (load {_load()})",
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
                "cpu_s": statistics.median(pipeline_cpu),
                "models_alone_s": statistics.median(alone) if alone else None,
                "models_alone_cpu_s": statistics.median(cpu) if cpu else None,
                "ratio": statistics.median(t / a for t, a in zip(tot, alone, strict=True))
                if alone
                else None,
            }

    print()
    print(
        f"{'workers':>7} {'compare s':>10} {'report s':>9} {'total s':>8}"
        f" {'models alone s':>15} {'total / alone':>14} {'CPU s':>7} {'alone CPU s':>12}"
    )
    for w, row in rows.items():
        alone_s = "n/a" if row["models_alone_s"] is None else f"{row['models_alone_s']:.1f}"
        ratio = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}"
        alone_cpu = (
            "n/a" if row["models_alone_cpu_s"] is None else f"{row['models_alone_cpu_s']:.1f}"
        )
        print(
            f"{w:>7} {row['compare_s']:>10.1f} {row['report_s']:>9.1f} {row['total_s']:>8.1f}"
            f" {alone_s:>15} {ratio:>14} {row['cpu_s']:>7.1f} {alone_cpu:>12}"
        )
    print(
        f"model runs: {len(tasks)} batches of 10 replicates"
        " (the comparison's, and the targets' own runs)"
    )
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
        verdict = bool(scaled <= target_s)
        note = "" if args.replications == 100 else f" (scaled to 100 replications: {scaled:.0f} s)"
        print(
            f"target <= {target_s:.0f} s with 2 workers: {rows[2]['total_s']:.1f} s{note}"
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
                "targets": args.targets,
                "model_batches": len(tasks),
                "repeats": args.repeats,
                "import_s": import_s,
                "rows": list(rows.values()),
                "identical": identical,
                "speedup_2_vs_1": speedup,
                "target_s": target_s,
                "ensemble": args.ensemble,
                "spin_up_months": scen.spin_up_months,
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
