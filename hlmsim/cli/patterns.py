"""``hlmsim patterns``: the pattern-oriented validation, its report and CSV files, and one line
per pattern on the terminal. Exit code 0 when every pattern is reproduced, 1 when some are not."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from .. import __version__
from ..calibrate.posterior import SHIPPED, resolve_ensemble
from ..cliutil import whole_number
from ..errors import InputError
from ..i18n import t
from ..i18n.formats import DASH, count, fmt_num, fmt_pct
from ..patterns import (
    PATTERN_DIR,
    QUICK_REPLICATIONS,
    QUICK_ROBUSTNESS_POINTS,
    REPLICATIONS,
    ROBUSTNESS_POINTS,
    load_pattern,
    pattern_runs,
    select_patterns,
    validate_patterns,
)
from ..reporting.validation import check_patterns_dir, emergence_summary, write_patterns
from ..reporting.validation import effect_text as _effect_text
from ..reporting.validation import pt as report_text
from ..reporting.validation import verdict_text as _verdict
from ..resources import add_flag, check, models_need
from .common import (
    add_report_lang,
    add_seed_workers,
    check_lang_option,
    console,
    with_progress,
    write_report,
)


def add_parser(subparsers: Any) -> None:
    """Register ``patterns`` on the ``hlmsim`` command's subparsers (numbers are checked later,
    so that a bad value gives the one-line error of every other input)."""
    p = subparsers.add_parser(
        "patterns",
        help="run the pattern-oriented validation and write its report",
        description="Run every pattern experiment of hlmsim/experiments/patterns/ (lever, outcome,"
        " expected direction, negative control) with paired replications under common random"
        " numbers, check each pattern's robustness over a Latin hypercube of assumed parameters,"
        " and write report.html, patterns.csv, robustness.csv, figures/ and metadata.json."
        " Exit code 0 when every pattern is reproduced, 1 when some are not, 2 for bad input.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="fewer replications (10) and robustness points (6), the files' quick_months",
    )
    p.add_argument(
        "--replications",
        default=None,
        metavar="N",
        help="paired replications per arm, >= 2, in batches of 10 (default: 30; --quick: 10)",
    )
    p.add_argument(
        "--robustness",
        default=None,
        metavar="N",
        help="Latin-hypercube points of the robustness check, 0 to skip (default: 20; --quick: 6)",
    )
    p.add_argument(
        "--ensemble",
        default=None,
        metavar="FILE|calibrated",
        help="run the robustness check at parameter sets drawn by weight from a calibrated"
        " ensemble (a file written by `hlmsim calibrate`, or `calibrated` for the one shipped"
        " for the default scenario) instead of a Latin hypercube; --robustness sets the number"
        " of draws",
    )
    add_seed_workers(p)
    p.add_argument(
        "--only",
        default=None,
        metavar="ID,...",
        help="run only these patterns, by file id (e.g. p07,p11b)",
    )
    p.add_argument(
        "--dir",
        default=None,
        metavar="DIR",
        help="folder of pattern files (default: the shipped hlmsim/experiments/patterns)",
    )
    p.add_argument(
        "--out", default=None, metavar="DIR", help="output folder (default: results/patterns)"
    )
    add_report_lang(p)
    add_flag(p)


def main_patterns(args: argparse.Namespace) -> int:
    """``hlmsim patterns``: the pattern-oriented validation, its report and CSV files."""
    lang = check_lang_option(args.lang)
    replications = whole_number(args.replications, "--replications", 2)
    robustness = whole_number(args.robustness, "--robustness", 0)
    seed = whole_number(args.seed, "--seed", 0)
    workers = whole_number(args.workers, "--workers", 1) or os.cpu_count() or 1
    directory = Path(args.dir) if args.dir else None
    if directory is not None and not directory.is_dir():
        raise InputError("no such folder", source=str(directory), key="--dir")
    files = select_patterns(args.only, directory)
    specs = [load_pattern(f) for f in files]  # every file checked before anything is run
    if replications is None:
        replications = QUICK_REPLICATIONS if args.quick else REPLICATIONS
    if robustness is None:
        robustness = QUICK_ROBUSTNESS_POINTS if args.quick else ROBUSTNESS_POINTS
    out = Path(args.out) if args.out else Path("results") / "patterns"
    check_patterns_dir(out.resolve())
    check(
        models_need(pattern_runs(specs, args.quick), replications * (1 + robustness), workers),
        out,
        args.no_resource_check,
        source=str(directory or PATTERN_DIR),
    )
    points, source, version = None, "", ""
    if args.ensemble is not None:
        ens = resolve_ensemble(args.ensemble)
        source = args.ensemble if args.ensemble == SHIPPED else Path(args.ensemble).name
        points = ens.draw(robustness, seed)
        version = str(ens.meta.get("hlmsim_version") or "")
        if version and version != __version__:  # said before the runs, and in the report
            note = t("report.w_other_version", lang, version=version, current=__version__)
            print(f"hlmsim patterns: {note}", file=sys.stderr)
    print(
        t(
            "cli.patterns_plan",
            lang,
            patterns=count(len(files), "cli.patterns_count", lang),
            folder=directory or PATTERN_DIR,
            reps=count(replications, "cli.paired_replications", lang),
            points=count(robustness, "cli.robustness_points", lang),
            seed=seed,
            workers=count(workers, "cli.workers", lang),
        ),
        file=sys.stderr,
    )
    result = with_progress(
        lambda progress: validate_patterns(
            replications=replications,
            quick=args.quick,
            seed=seed,
            directory=directory,
            only=args.only,
            robustness=robustness,
            workers=workers,
            progress=progress,
            points=points,
            points_source=source,
            points_version=version,
        ),
        t("cli.patterns_runs", lang),
    )
    result.metadata["command"] = shlex.join(["hlmsim", *args.argv])
    write_report(
        lambda: write_patterns(result, out.resolve(), lang),
        out,
        lang,
        lambda: _print_patterns_summary(result, lang),
    )
    print(
        t(
            "cli.patterns_seconds",
            lang,
            s=fmt_num(result.metadata["seconds"], 1, lang),
            tasks=result.metadata["tasks"],
            count=result.metadata["tasks"],
        )
    )
    failed = result.failed()
    if failed:
        names = ", ".join(
            t("cli.patterns_failed_item", lang, pattern=pid, finding=result.specs[pid].finding)
            for pid in failed
        )
        print(
            t(
                "cli.patterns_failed",
                lang,
                k=len(failed),
                n=len(result.specs),
                list=names,
                count=len(failed),
            )
        )
        # a pattern that a calibration target won over says why (its file, its report section);
        # only the others make the command fail
        unexpected = [pid for pid in failed if not result.specs[pid].no_longer_holds_en]
        if len(unexpected) < len(failed):
            lost = [pid for pid in failed if pid not in unexpected]
            print(t("cli.patterns_lost", lang, list=", ".join(lost), count=len(lost)))
        return 1 if unexpected else 0
    print(t("cli.patterns_all", lang, n=len(result.specs)))
    rows = result.table
    controls = zip(rows["pattern"], rows["control_removes"], strict=True)
    kept = [str(p) for p, ok in controls if not ok]
    if kept:
        print(t("cli.patterns_control_kept", lang, list=", ".join(kept), count=len(kept)))
    return 0


def _print_patterns_summary(result: Any, lang: str) -> None:
    """One line per pattern: effect with its 95% CI, verdict, control, robustness."""
    table = Table(
        title=t("cli.patterns_title", lang, reps=result.metadata["replications"]),
        title_justify="left",
    )
    for key in ("pattern", "finding", "outcome", "effect", "verdict", "removes", "robust"):
        table.add_column(
            report_text(key, lang), justify="right" if key in ("finding", "effect") else "left"
        )
    table.add_column(t("validation_kinds.column", lang))
    for r in result.table.to_dict("records"):
        m, ci = _effect_text(
            r["outcome"], r["effect"], r["effect_ci_low"], r["effect_ci_high"], lang
        )
        robust = fmt_pct(r["robustness_share"], lang) if r["robustness_points"] else DASH
        if r["fragile"]:
            robust += f" ({report_text('fragile', lang)})"
        table.add_row(
            r["pattern"],
            str(r["finding"]),
            r["outcome"],
            f"{m} ({ci})",
            _verdict(bool(r["reproduced"]), lang),
            report_text("yes" if r["control_removes"] else "no", lang),
            robust,
            t(f"validation_kinds.{r['emergence']}", lang),
        )
    console().print(table)
    print(emergence_summary(result, lang))
