"""``hlmsim targets``: the model's own figures against the catalogue's published figures, a
report and its CSV, and one line per target on the terminal. Exit code 0 whatever the verdicts
(a target outside its range is a finding, not an error); 2 for bad input."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from ..cliutil import whole_number
from ..errors import InputError
from ..i18n import t
from ..i18n.formats import count, fmt_num, fmt_range
from ..reporting.targets import (
    check_targets_dir,
    ci_text,
    distance_text,
    fmt_target,
    verdict_text,
    write_targets,
)
from ..resources import add_flag, check, models_need
from ..scenario import load_scenario
from ..targets.catalogue import check_role, load_catalogue
from ..targets.engine import QUICK_REPLICATIONS, REPLICATIONS, plan_runs, run_targets
from .common import (
    add_report_lang,
    add_seed_workers,
    check_lang_option,
    console,
    safe_name,
    with_progress,
    write_report,
)


def add_parser(subparsers: Any) -> None:
    """Register ``targets`` on the ``hlmsim`` command's subparsers (numbers are checked later,
    so that a bad value gives the one-line error of every other input)."""
    p = subparsers.add_parser(
        "targets",
        help="set the model's figures against published figures (the targets catalogue)",
        description="Measure every target of the catalogue (published figures with their"
        " uncertainty, a citation and a role: calibration or validation) on the model: the"
        " model's mean and 95% CI over the replications, the target's range, a standardised"
        " distance and a verdict (inside, outside); write report.html, targets.csv and"
        " metadata.json. Runs are replicated in batches of 10 under common random numbers.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="run every target on this scenario (a shipped name or a .toml path; default: each"
        " target's own scenario); targets keep their arrangement and contrast",
    )
    p.add_argument(
        "--catalogue",
        default=None,
        metavar="FILE",
        help="a targets catalogue file (default: the shipped hlmsim/targets/catalogue.toml)",
    )
    p.add_argument(
        "--replications",
        default=None,
        metavar="N",
        help=f"replications per run, >= 2 (default: {REPLICATIONS}; --quick: {QUICK_REPLICATIONS})",
    )
    p.add_argument(
        "--role",
        default="all",
        metavar="ROLE",
        help="calibration, validation or all (default: all)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"fewer replications ({QUICK_REPLICATIONS}); the horizon stays the scenario's",
    )
    add_seed_workers(p)
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/targets-<scenario>, or results/targets-<catalogue>"
        " without SCENARIO)",
    )
    add_report_lang(p)
    add_flag(p)


def main_targets(args: argparse.Namespace) -> int:
    """``hlmsim targets``: every target measured on the model, a report and its CSV."""
    lang = check_lang_option(args.lang)
    role = check_role(args.role)
    replications = whole_number(args.replications, "--replications", 2)
    seed = whole_number(args.seed, "--seed", 0) or 0
    workers = whole_number(args.workers, "--workers", 1) or os.cpu_count() or 1
    if replications is None:
        replications = QUICK_REPLICATIONS if args.quick else REPLICATIONS
    catalogue = load_catalogue(args.catalogue)
    chosen = catalogue.select(role)
    if not len(chosen):
        raise InputError(f"no {role} target in {catalogue.source}", key="--role")
    scen = load_scenario(args.scenario) if args.scenario is not None else None
    runs, _ = plan_runs(chosen, scen)  # every scenario and arrangement checked before running
    if scen is not None:
        name = scen.name
    else:
        name = Path(args.catalogue).stem if args.catalogue else "catalogue"
    out = Path(args.out) if args.out else Path("results") / f"targets-{safe_name(name)}"
    check_targets_dir(out.resolve())
    scenarios = [(r, r.months + r.spin_up_months) for r in runs.values()]
    need = models_need(scenarios, replications, workers)
    source = args.scenario or args.catalogue or catalogue.source
    check(need, out, args.no_resource_check, source=source)
    print(
        t(
            "targets.cli_plan",
            lang,
            targets=count(len(chosen), "targets.targets_n", lang),
            catalogue=catalogue.source,
            runs=count(len(runs), "targets.cli_runs", lang),
            reps=count(replications, "targets.replications_n", lang),
            seed=seed,
            workers=count(workers, "cli.workers", lang),
        ),
        file=sys.stderr,
    )
    result = with_progress(
        lambda progress: run_targets(
            chosen,
            scenario=scen,
            replications=replications,
            quick=args.quick,
            seed=seed,
            workers=workers,
            progress=progress,
        ),
        t("targets.cli_batches", lang),
    )
    result.metadata["command"] = shlex.join(["hlmsim", *args.argv])
    result.metadata["role"] = role
    if args.scenario is not None:
        result.metadata["scenario"] = args.scenario
    write_report(
        lambda: write_targets(result, out.resolve(), lang),
        out,
        lang,
        lambda: _print_summary(result, lang),
    )
    return 0


def _print_summary(result: Any, lang: str) -> None:
    """One line per target: the model's mean (95% CI), the target (range), distance, verdict."""
    reps = count(result.replications, "targets.replications_n", lang)
    table = Table(title=t("targets.cli_title", lang, reps=reps), title_justify="left")
    for key in ("col_no", "col_target", "col_model", "col_value", "col_distance", "col_verdict"):
        right = key in ("col_no", "col_model", "col_value", "col_distance")
        table.add_column(t(f"targets.{key}", lang), justify="right" if right else "left")
    rows = result.table.to_dict("records")
    ordered = [r for role in ("calibration", "validation") for r in rows if r["role"] == role]
    for i, r in enumerate(ordered, start=1):
        tg = result.target(r["id"])
        ci = ci_text(tg, r["ci_low"], r["ci_high"], lang)
        rng = fmt_range(fmt_target(tg, r["low"], lang), fmt_target(tg, r["high"], lang), lang)
        table.add_row(
            str(i),
            f"{r['id']} ({t('targets.role_' + r['role'], lang)})",
            f"{fmt_target(tg, r['mean'], lang)} ({ci})",
            f"{fmt_target(tg, r['value'], lang)} ({rng})",
            distance_text(r["distance"], lang),
            verdict_text(r["verdict"], lang),
        )
    console().print(table)
    parts = []
    for role in ("calibration", "validation"):
        c = result.counts(role)
        if sum(c.values()):
            role_text = t(f"targets.role_{role}", lang)
            parts.append(
                t("targets.cli_summary", lang, role=role_text, k=c["inside"], n=sum(c.values()))
            )
    seconds = t("targets.cli_seconds", lang, s=fmt_num(result.metadata["seconds"], 1, lang))
    print(" · ".join([*parts, seconds]))
