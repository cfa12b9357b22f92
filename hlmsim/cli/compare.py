"""``hlmsim compare``: paired replications of arrangements on one scenario under common random
numbers, a report and its data files, and a summary table on the terminal."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from ..arrangements import ARRANGEMENTS, arrangement_label
from ..calibrate.posterior import POSTERIOR, comparison_ensemble
from ..cliutil import whole_number
from ..compare import (
    MAX_REPLICATIONS,
    SEEDS_PER_SET,
    _check_arrangements,
    arrangement_scenarios,
    compare,
    parse_precision,
)
from ..errors import InputError
from ..i18n import t
from ..i18n.formats import count, fmt_money, fmt_num, fmt_range, round_sig
from ..replication import BATCH
from ..reporting import answer_text, check_compare_dir, transitions, write_compare
from ..reporting.answer import ensemble_intro, not_costed, targets_sentence
from ..resources import add_flag, check, compare_need
from ..scenario import load_scenario
from ..targets.engine import QUICK_REPLICATIONS
from .common import (
    add_report_lang,
    add_seed_workers,
    check_lang_option,
    console,
    safe_name,
    with_progress,
    write_report,
)

#: Paired replications when neither --replications nor --precision is given.
DEFAULT_REPLICATIONS = 100


def add_parser(subparsers: Any) -> None:
    """Register ``compare`` on the ``hlmsim`` command's subparsers."""
    p = subparsers.add_parser(
        "compare",
        help="compare arrangements with paired replications and write a report",
        description="Run every arrangement on the same scenario with the same seeds (common"
        " random numbers), in batches of 10 replications, and write report.html, figures,"
        " runs.parquet, summary.csv, differences.csv, finals.csv, ranks.csv, spread.csv and"
        " metadata.json.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="default",
        metavar="SCENARIO",
        help="a shipped scenario's name or a path to a .toml file (default: default)",
    )
    p.add_argument(
        "--arrangements",
        default=None,
        metavar="A,B,...",
        help=f"arrangements to compare, comma-separated (default: all: {', '.join(ARRANGEMENTS)});"
        " a switch START>TO@MONTH (quoted in the shell) runs START and switches every milieu to TO"
        " in MONTH, compared with keeping START (added when not listed)",
    )
    p.add_argument(
        "--reference",
        default="services_as_usual",
        metavar="NAME",
        help="arrangement the others are compared with (default: services_as_usual)",
    )
    p.add_argument(
        "--replications",
        default=None,
        metavar="N",
        help="paired replications per arrangement, >= 2 (default: 100)",
    )
    p.add_argument(
        "--precision",
        default=None,
        metavar="X",
        help="instead of --replications: add batches until the 95%% CI half-width of every key"
        " paired difference (time to maturity excepted) is at most X (in each outcome's unit;"
        " 5%% for relative), at most"
        f" {MAX_REPLICATIONS} replications",
    )
    p.add_argument(
        "--targets",
        default=None,
        metavar="N",
        help="replications of the check against the targets catalogue on the same scenario,"
        f" reported with the comparison (default: {QUICK_REPLICATIONS}; 0: no check)",
    )
    p.add_argument(
        "--ensemble",
        default=POSTERIOR,
        metavar="WHICH",
        help="the parameter sets the arrangements run on: posterior (default: the calibrated"
        " ensemble shipped with hlmsim), plausible (every assumed parameter drawn from its"
        " plausible range), none (every parameter at its default: chance alone) or an ensemble"
        " file written by `hlmsim calibrate`",
    )
    p.add_argument(
        "--seeds-per-set",
        default=None,
        metavar="N",
        help=f"seeds each parameter set runs with (default: {SEEDS_PER_SET}); replication r"
        " runs set r // N, the same sets and seeds for every arrangement",
    )
    add_seed_workers(p)
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the batches on a Dask distributed cluster instead of local processes (e.g."
        " tcp://host:8786); the results are the same",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/compare-<scenario>)",
    )
    add_report_lang(p)
    add_flag(p)


def main_compare(args: argparse.Namespace) -> int:
    """``hlmsim compare``: paired replications of arrangements, a report and its data files."""
    opts = _check_compare_args(args)
    lang = args.lang
    scen = load_scenario(args.scenario)
    comparison_ensemble(args.ensemble, scen)  # a bad --ensemble fails before anything runs
    arrangement_scenarios(scen, opts["arrangements"])  # so does a switch the scenario refuses
    default_out = Path("results") / f"compare-{safe_name(scen.name)}"
    out = Path(args.out) if args.out else default_out
    check_compare_dir(out.resolve())
    workers = opts["workers"] or os.cpu_count() or 1
    if args.scheduler is not None and opts["workers"] is not None:
        raise InputError(
            "give either --workers (a local pool) or --scheduler (a Dask cluster), not both",
            key="--scheduler",
        )
    n_max = MAX_REPLICATIONS if opts["target"] is not None else None
    n_max = n_max or opts["replications"] or DEFAULT_REPLICATIONS
    need = compare_need(scen, len(opts["arrangements"]), n_max, workers)
    check(need, out, args.no_resource_check, source=args.scenario)
    if opts["target"] is None:
        n = opts["replications"] or DEFAULT_REPLICATIONS
        plan = t("cli.plan_fixed", lang, n=n, batch=BATCH)
    else:
        plan = t("cli.plan_precision", lang, target=opts["precision"], cap=MAX_REPLICATIONS)
    print(
        t(
            "cli.comparing",
            lang,
            n=len(opts["arrangements"]),
            scenario=scen.name,
            plan=plan,
            seed=opts["seed"],
            workers=count(workers, "cli.workers", lang),
        ),
        file=sys.stderr,
    )
    result = with_progress(
        lambda progress: compare(
            scen,
            arrangements=opts["arrangements"],
            reference=opts["reference"],
            replications=opts["replications"],
            precision=opts["precision"],
            seed=opts["seed"],
            workers=None if args.scheduler else workers,
            scheduler=args.scheduler,
            progress=progress,
            targets=opts["targets"],
            ensemble=args.ensemble,
            seeds_per_set=opts["seeds_per_set"],
        ),
        t("cli.batches", lang),
    )
    result.metadata["command"] = shlex.join(["hlmsim", *args.argv])
    result.metadata["scenario_source"] = args.scenario
    write_report(
        lambda: write_compare(result, out.resolve(), lang),
        out,
        lang,
        lambda: _print_compare_summary(result, lang),
    )
    return 0


def _check_compare_args(args: argparse.Namespace) -> dict[str, Any]:
    """Validate ``hlmsim compare``'s options before anything is loaded, run or written."""
    names = None
    if args.arrangements is not None:
        names = [a.strip() for a in args.arrangements.split(",") if a.strip()]
        if not names:
            raise InputError("give at least one arrangement name", key="--arrangements")
    check_lang_option(args.lang)
    chosen = _check_arrangements(names, args.reference)
    replications = whole_number(args.replications, "--replications", 2)
    target = parse_precision(args.precision)
    if replications is not None and target is not None:
        raise InputError("give either --replications or --precision, not both", key="--precision")
    return {
        "arrangements": chosen,
        "reference": args.reference,
        "replications": replications,
        "precision": args.precision,
        "target": target,
        "targets": QUICK_REPLICATIONS
        if args.targets is None
        else _targets_replications(args.targets),
        "seed": whole_number(args.seed, "--seed", 0),
        "workers": whole_number(args.workers, "--workers", 1),
        "seeds_per_set": whole_number(args.seeds_per_set, "--seeds-per-set", 1) or SEEDS_PER_SET,
    }


def _targets_replications(text: str) -> int:
    """``--targets``: 0 (no check) or at least 2 replications."""
    n = whole_number(text, "--targets", 0)
    assert n is not None
    if n == 1:
        raise InputError("must be 0 (no check) or at least 2 (got 1)", key="--targets")
    return n


def _print_compare_summary(result: Any, lang: str) -> None:
    """Final-year needs met and cost per arrangement, the plain-language summary, precision."""
    s = result.summary.set_index(["arrangement", "outcome"])
    d = result.differences.set_index(["arrangement", "outcome"])
    table = Table(
        title=t(
            "cli.compare_title",
            lang,
            scenario=result.metadata["scenario_name"],
            n=result.replications,
        ),
        title_justify="left",
    )
    for key in ("arrangement", "needs_met_year", "vs_reference", "cost_year", "cost_per_need"):
        table.add_column(t(f"cli.{key}", lang), justify="left" if key == "arrangement" else "right")
    for a in result.arrangements:
        m = s.loc[(a, "needs_met")]
        ci = fmt_range(fmt_num(m["ci_low"], 0, lang), fmt_num(m["ci_high"], 0, lang), lang)
        needs = f"{fmt_num(m['mean'], 0, lang)} ({ci})"
        if a == result.reference:
            diff = t("cli.reference", lang)
        else:
            r = d.loc[(a, "needs_met")]
            lo, hi = fmt_num(r["ci_low"], 0, lang, True), fmt_num(r["ci_high"], 0, lang, True)
            diff = f"{fmt_num(r['mean_diff'], 0, lang, True)} ({fmt_range(lo, hi, lang)})"
        table.add_row(
            arrangement_label(a, lang),
            needs,
            diff,
            *(
                (t("report.not_costed", lang), "–")
                if not_costed(result, a)
                else (
                    fmt_money(round_sig(s.loc[(a, "cost"), "mean"]), lang),
                    fmt_money(s.loc[(a, "cost_per_need_met"), "mean"], lang),
                )
            ),
        )
    console().print(table)
    print(answer_text(result, lang))
    for sentence in transitions.sentences(result, lang):
        print(sentence)
    print(ensemble_intro(result, lang))
    if result.targets is not None:
        print(targets_sentence(result, lang))
    p = result.metadata.get("precision")
    if p:
        key = "cli.precision_met" if p["met"] else "cli.precision_not_met"
        print(t(key, lang, target=p["text"], n=result.replications, cap=p["max_replications"]))
