"""The ``hlmsim sweep`` and ``hlmsim analyze`` commands.

``add_parsers(subparsers)`` registers both on the ``hlmsim`` parser; ``main_sweep(args)`` and
``main_analyze(args)`` run them and return the exit code (2 with a one-line
``hlmsim: error: ...`` on bad input). ``python -m hlmsim.sweep`` runs them without the main CLI.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from ..cliutil import Parser, one_line, report_error, whole_number
from ..errors import InputError
from ..i18n import DEFAULT_LANG, LANGS
from ..resources import add_flag, check, cpu_count, sweep_need


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hlmsim sweep``."""
    p.add_argument(
        "experiment",
        metavar="EXPERIMENT",
        help="an experiment file (.toml), or the name of a shipped one (hlmsim/experiments/)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="sweep folder: run store and results (default: results/sweeps/<name>)",
    )
    p.add_argument(
        "--workers",
        default=None,
        metavar="N",
        help="local worker processes (default: all cores; 1: in this process);"
        " results do not depend on it",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask distributed cluster instead (e.g. tcp://host:8786)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in --out: finished runs are kept, the others run",
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: run the failed runs again",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="the experiment's reduced size (its [quick] table), as run in CI",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate the experiment and print the plan; run nothing",
    )
    add_flag(p)


def add_analyze_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hlmsim analyze``."""
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="a finished sweep's folder")
    p.add_argument(
        "--outcome",
        action="append",
        default=None,
        metavar="NAME",
        help="outcome(s) to analyse, repeatable or comma-separated (default: the experiment's)",
    )
    p.add_argument(
        "--lang",
        default=DEFAULT_LANG,
        metavar="{" + ",".join(LANGS) + "}",
        help=f"language of the figures and of the summary's first part (default: {DEFAULT_LANG})",
    )
    p.add_argument(
        "--condition",
        default=None,
        metavar="EXPR",
        help="scenario discovery condition: 'needs_met < 900', or"
        " 'ciusss_social_worker not best on needs_met' (default: the first arrangement is not"
        " the best on the first outcome)",
    )
    p.add_argument(
        "--method",
        default="both",
        metavar="{prim,cart,both}",
        help="scenario discovery method (default: both)",
    )


def add_parsers(subparsers: Any) -> None:
    """Register ``sweep`` and ``analyze`` on the ``hlmsim`` command's subparsers."""
    p_sweep = subparsers.add_parser(
        "sweep",
        help="run an experiment: a sweep of scenarios (resumable)",
        description="Run an experiment file: every sample point, arrangement and replication,"
        " on a local process pool or a Dask cluster. Finished runs are stored once; a stopped"
        " sweep continues with --resume. Writes results.parquet/.csv, failures.jsonl and"
        " sweep.json into the sweep folder.",
    )
    add_sweep_arguments(p_sweep)
    p_sweep.set_defaults(handler=main_sweep)
    p_an = subparsers.add_parser(
        "analyze",
        help="analyse a sweep: tables, figures, sensitivity, scenario discovery",
        description="Write tables (CSV), figures (PNG) and a bilingual summary into"
        " SWEEP_DIR/analysis: outcomes against parameters, Sobol or Morris indices with"
        " confidence intervals, and the parameter region where a condition holds (PRIM, CART).",
    )
    add_analyze_arguments(p_an)
    p_an.set_defaults(handler=main_analyze)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main_sweep(args: argparse.Namespace) -> int:
    """``hlmsim sweep``: run (or continue) an experiment; print a summary."""
    from .engine import SweepStopped, _check_folder, _duration, default_out, sweep
    from .experiment import load_experiment

    out = None
    try:
        workers = whole_number(args.workers, "--workers", 1)
        if args.retry_failed and not args.resume:
            raise InputError("only applies with --resume", key="--retry-failed")
        if workers is not None and args.scheduler is not None:
            raise InputError(
                "give either --workers (a local pool) or --scheduler (a Dask cluster), not both",
                key="--workers",
            )
        exp = load_experiment(args.experiment, quick=args.quick)
        out = Path(args.out) if args.out else default_out(exp)
        # a sweep this machine cannot hold is refused before it starts (and by --dry-run)
        local = 1 if args.scheduler is not None else (workers or cpu_count())
        check(
            sweep_need(exp, local),
            out,
            args.no_resource_check,
            source=exp.source or args.experiment,
        )
        if args.dry_run:
            _print_plan(exp, out)
            return 0
        progress: Any = True if sys.stderr.isatty() else "lines"
        _check_folder(out, exp, args.resume)  # before anything is printed or run
        print(
            f"sweep {exp.name}: {exp.n_runs} runs ({exp.n_points} points x"
            f" {len(exp.arrangements)} arrangements x {exp.spec.replications} replications),"
            f" {exp.method} sampler, seed {exp.spec.sampler.seed} -> {out}",
            file=sys.stderr,
        )
        old = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            res = sweep(
                exp,
                out,
                workers=workers,
                scheduler=args.scheduler,
                resume=args.resume,
                retry_failed=args.retry_failed,
                progress=progress,
            )
        finally:
            signal.signal(signal.SIGTERM, old)
    except InputError as err:
        return report_error(err)
    except SweepStopped as err:
        print(f"hlmsim: error: {one_line(str(err))}", file=sys.stderr)
        return 1
    except OSError as err:  # a full disk, a folder that cannot be written...
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        print(f"hlmsim: error: {where}cannot write: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        where = f" in {out}" if out else ""
        print(
            f"hlmsim: interrupted: finished runs are saved{where}; continue with --resume",
            file=sys.stderr,
        )
        return 130
    a = res.attrs
    summary = _summary(Path(a["out"]))
    distinct = summary.get("distinct_runs", len(res))
    same = f", {distinct} distinct" if distinct != len(res) else ""
    print(
        f"done: {len(res)} runs{same} ({a['run_now']} run now, {a['reused']} reused from the"
        f" store), {a['failed']} failed{' (see failures.jsonl)' if a['failed'] else ''},"
        f" {_duration(float(summary.get('elapsed_seconds', 0.0)))}"
    )
    print(f"results: {Path(a['out']) / 'results.parquet'} (and results.csv)")
    print(f"next: hlmsim analyze {a['out']}")
    return 0


def _summary(out: Path) -> dict[str, Any]:
    import json

    try:
        return dict(json.loads((out / "sweep.json").read_text())["summary"])
    except (OSError, ValueError, KeyError):
        return {}


def _print_plan(exp: Any, out: Path) -> None:
    s = exp.spec.sampler
    print(f"ok: {exp.source} ({exp.name}, experiment hash {exp.hash})")
    print(f"base scenario: {exp.base.name}, {exp.base.months} months")
    print(f"arrangements: {', '.join(exp.arrangements)}")
    size = "" if s.samples is None else f", samples {s.samples}"
    print(f"sampler: {s.method}, seed {s.seed}{size}")
    for f in exp.factors:
        print(f"  {f.name}: {f.describe()}")
    for k, v in exp.spec.constants.items():
        print(f"  {k} = {v!r} (constant)")
    print(
        f"runs: {exp.n_runs} = {exp.n_points} points x {len(exp.arrangements)} arrangements x"
        f" {exp.spec.replications} replications"
    )
    print(f"outcomes: {', '.join(exp.spec.outcomes)}")
    print(f"folder: {out}")


def main_analyze(args: argparse.Namespace) -> int:
    """``hlmsim analyze``: tables, figures and a summary in SWEEP_DIR/analysis."""
    from ..reporting.analysis import analyze

    try:
        outcomes = None
        if args.outcome:
            outcomes = [o.strip() for item in args.outcome for o in item.split(",") if o.strip()]
        tables = analyze(
            args.sweep_dir,
            outcome=outcomes,
            lang=args.lang,
            condition=args.condition,
            method=args.method,
        )
    except InputError as err:
        return report_error(err)
    folder = Path(args.sweep_dir) / "analysis"
    for line in tables["findings"][args.lang]:
        print(line)
    print(
        f"wrote: {folder} ({len(list(folder.iterdir()))} files; report: {folder / 'report.html'})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m hlmsim.sweep EXPERIMENT ...`` (or ``python -m hlmsim.sweep analyze DIR``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "analyze":
        parser = Parser(prog="python -m hlmsim.sweep analyze")
        add_analyze_arguments(parser)
        handler, argv = main_analyze, argv[1:]
    else:
        if argv and argv[0] == "sweep":
            argv = argv[1:]
        parser = Parser(prog="python -m hlmsim.sweep")
        add_sweep_arguments(parser)
        handler = main_sweep
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return handler(args)
