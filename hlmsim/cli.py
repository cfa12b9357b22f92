"""The ``hlmsim`` command line: run a scenario, compare arrangements, list, show and check
scenario files.

Every bad input (a scenario file's unknown key, wrong type or out-of-range value, a missing or
malformed file, an unknown arrangement, a bad number on the command line) is reported as one
line ``hlmsim: error: <message>`` on stderr with exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import __version__
from .app.cli import add_parser as add_app_parser
from .app.cli import main_app
from .arrangements import ARRANGEMENTS
from .cliutil import report_error, whole_number
from .compare import MAX_REPLICATIONS
from .errors import InputError
from .outcomes import DERIVED, OUTCOMES, Outcome, unit_label
from .params import Params, Scenario, field_meta
from .run import check_out_dir
from .scenario import load_scenario, milieu_params, shipped_scenarios
from .sweep import cli as sweep_cli
from .sweep.cli import add_parsers as add_sweep_parsers

#: Final-year indicators shown after a run, in this order.
SUMMARY_INDICATORS: tuple[str, ...] = (
    "needs_met",
    "needs_met_share",
    "needs_unmet",
    "reached",
    "hard_to_reach_reached",
    "service_use",
    "isolation",
    "engagement",
    "security",
    "health_network_image",
    "trust_worker",
    "inter_org_trust",
    "cost",
    "cost_per_need_met",
)
#: Beyond this many milieux the run summary shows only the overall column.
MAX_MILIEU_COLUMNS = 8

_TEXT: dict[str, dict[str, str]] = {
    "indicator": {"en": "Indicator", "fr": "Indicateur"},
    "unit": {"en": "Unit", "fr": "Unité"},
    "all": {"en": "all", "fr": "tous"},
    "final_year": {"en": "Final year", "fr": "Dernière année"},
    "months": {"en": "months", "fr": "mois"},
    "per_year": {"en": "/ year", "fr": "/ an"},
    "total_over": {"en": "total over", "fr": "total sur"},
    "seed": {"en": "seed", "fr": "graine"},
    "more_milieux": {
        "en": "{n} milieux: per-milieu values are in summary.json",
        "fr": "{n} milieux : les valeurs par milieu sont dans summary.json",
    },
    "wrote": {"en": "wrote", "fr": "écrit"},
    "name": {"en": "Name", "fr": "Nom"},
    "description": {"en": "Description", "fr": "Description"},
    "arrangement": {"en": "Arrangement", "fr": "Arrangement"},
    "arrangements": {"en": "Arrangement(s)", "fr": "Arrangement(s)"},
    "file": {"en": "File", "fr": "Fichier"},
    "horizon": {"en": "Months", "fr": "Mois"},
    "milieux": {"en": "Milieux", "fr": "Milieux"},
    "milieu": {"en": "Milieu", "fr": "Milieu"},
    "city": {"en": "City", "fr": "Ville"},
    "copies": {"en": "Copies", "fr": "Copies"},
    "households": {"en": "Households", "fr": "Ménages"},
    "ensembles": {"en": "Ensembles", "fr": "Ensembles"},
    "events": {"en": "Events", "fr": "Événements"},
    "no_events": {"en": "Events: none", "fr": "Événements : aucun"},
    "month": {"en": "Month", "fr": "Mois"},
    "kind": {"en": "Kind", "fr": "Type"},
    "every_milieu": {"en": "all milieux", "fr": "tous les milieux"},
    "parameter": {"en": "Parameter", "fr": "Paramètre"},
    "value": {"en": "Value", "fr": "Valeur"},
    "default": {"en": "Default", "fr": "Défaut"},
    "source": {"en": "Source", "fr": "Source"},
    "meaning": {"en": "Meaning", "fr": "Signification"},
    "params_common": {
        "en": "Parameters (same in every milieu)",
        "fr": "Paramètres (identiques dans tous les milieux)",
    },
    "params_differ": {
        "en": "Parameters that differ between milieux",
        "fr": "Paramètres qui diffèrent entre les milieux",
    },
    "legend": {
        "en": "* differs from the schema default (shown in the Default column)",
        "fr": "* diffère de la valeur par défaut du schéma (colonne Défaut)",
    },
    "invalid": {"en": "invalid", "fr": "invalide"},
    "report": {"en": "report", "fr": "rapport"},
    "replications": {"en": "paired replications", "fr": "réplications appariées"},
    "needs_met_year": {
        "en": "Needs met / year (95% CI)",
        "fr": "Besoins répondus / an (IC 95 %)",
    },
    "vs_reference": {"en": "Difference (95% CI)", "fr": "Écart (IC 95 %)"},
    "cost_year": {"en": "Cost / year", "fr": "Coût / an"},
    "cost_per_need": {"en": "Cost per need met", "fr": "Coût par besoin répondu"},
    "reference": {"en": "reference", "fr": "référence"},
    "comparing": {
        "en": "Comparing {n} arrangements on scenario {scenario}: {plan}; seed {seed},"
        " {workers} worker process(es)",
        "fr": "Comparaison de {n} arrangements sur le scénario {scenario} : {plan} ;"
        " graine {seed}, {workers} processus",
    },
    "plan_fixed": {
        "en": "{n} paired replications (batches of {batch})",
        "fr": "{n} réplications appariées (lots de {batch})",
    },
    "plan_precision": {
        "en": "batches of 10 until every key paired difference's 95% CI half-width (time to"
        " maturity excepted) is at most {target} (at most {cap} replications)",
        "fr": "lots de 10 jusqu'à ce que la demi-largeur de l'IC à 95 % de chaque écart"
        " apparié clé (délai de maturité excepté) soit d'au plus {target} (au plus {cap}"
        " réplications)",
    },
    "precision_met": {
        "en": "precision {target} reached after {n} replications",
        "fr": "précision {target} atteinte après {n} réplications",
    },
    "precision_not_met": {
        "en": "precision {target} not reached: stopped at the cap of {cap} replications",
        "fr": "précision {target} non atteinte : arrêt au plafond de {cap} réplications",
    },
}


def _t(key: str, lang: str) -> str:
    return _TEXT[key][lang]


# --- argument parsing -------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hlmsim``."""
    parser = argparse.ArgumentParser(
        prog="hlmsim",
        description="Agent-based simulation of proximity intervention in Québec public housing.",
    )
    parser.add_argument("--version", action="version", version=f"hlmsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p_run = sub.add_parser("run", help="run a scenario and write its results")
    p_run.add_argument(
        "scenario",
        nargs="?",
        default="default",
        metavar="SCENARIO",
        help="a shipped scenario's name or a path to a .toml file (default: default)",
    )
    p_run.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default: 0)")
    p_run.add_argument("--months", type=int, default=None, help="horizon in months (>= 1)")
    p_run.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/runs/<scenario>-seed<N>)",
    )
    p_run.add_argument(
        "--arrangement",
        default=None,
        metavar="NAME",
        help=f"run every milieu on this arrangement ({', '.join(ARRANGEMENTS)})",
    )
    _add_lang(p_run)

    p_cmp = sub.add_parser(
        "compare",
        help="compare arrangements with paired replications and write a report",
        description="Run every arrangement on the same scenario with the same seeds (common"
        " random numbers), in batches of 10 replications, and write report.html, figures,"
        " runs.parquet, summary.csv, differences.csv, finals.csv and metadata.json.",
    )
    p_cmp.add_argument(
        "scenario",
        nargs="?",
        default="default",
        metavar="SCENARIO",
        help="a shipped scenario's name or a path to a .toml file (default: default)",
    )
    p_cmp.add_argument(
        "--arrangements",
        default=None,
        metavar="A,B,...",
        help=f"arrangements to compare, comma-separated (default: all: {', '.join(ARRANGEMENTS)})",
    )
    p_cmp.add_argument(
        "--reference",
        default="services_as_usual",
        metavar="NAME",
        help="arrangement the others are compared with (default: services_as_usual)",
    )
    p_cmp.add_argument(
        "--replications",
        default=None,
        metavar="N",
        help="paired replications per arrangement, >= 2 (default: 100)",
    )
    p_cmp.add_argument(
        "--precision",
        default=None,
        metavar="X",
        help="instead of --replications: add batches until the 95%% CI half-width of every key"
        " paired difference (time to maturity excepted) is at most X (in each outcome's unit;"
        " 5%% for relative), at most"
        f" {MAX_REPLICATIONS} replications",
    )
    p_cmp.add_argument("--seed", default="0", metavar="S", help="random seed, >= 0 (default: 0)")
    p_cmp.add_argument(
        "--workers",
        default=None,
        metavar="N",
        help="worker processes (default: all cores); results do not depend on it",
    )
    p_cmp.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/compare-<scenario>)",
    )
    p_cmp.add_argument(
        "--lang", default="en", metavar="{en,fr}", help="language of the report (default: en)"
    )

    _add_patterns_parser(sub)

    p_scen = sub.add_parser("scenarios", help="list, show or check scenarios")
    ssub = p_scen.add_subparsers(dest="action", metavar="ACTION", required=True)
    ssub.add_parser("list", help="list the shipped scenarios")
    p_show = ssub.add_parser("show", help="show a resolved scenario and its parameters")
    p_show.add_argument("scenario", metavar="NAME_OR_PATH")
    _add_lang(p_show)
    p_check = ssub.add_parser("check", help="validate a scenario file")
    p_check.add_argument("file", metavar="FILE")
    add_sweep_parsers(sub)
    add_app_parser(sub)  # the workshop app (started in a separate process, never imported here)
    return parser


def _add_patterns_parser(sub: Any) -> None:
    """``hlmsim patterns``: the pattern-oriented validation (numbers are checked later, so that
    a bad value gives the one-line error of every other input)."""
    p = sub.add_parser(
        "patterns",
        help="run the pattern-oriented validation and write its report",
        description="Run every pattern experiment of experiments/patterns/ (lever, outcome,"
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
    p.add_argument("--seed", default="0", metavar="S", help="random seed, >= 0 (default: 0)")
    p.add_argument(
        "--workers",
        default=None,
        metavar="N",
        help="worker processes (default: all cores); results do not depend on it",
    )
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
        help="folder of pattern files (default: experiments/patterns)",
    )
    p.add_argument(
        "--out", default=None, metavar="DIR", help="output folder (default: results/patterns)"
    )
    p.add_argument(
        "--lang", default="en", metavar="{en,fr}", help="language of the report (default: en)"
    )


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang", choices=("en", "fr"), default="en", help="language of labels (default: en)"
    )


# --- helpers -------------------------------------------------------------------------------------


def _console() -> Console:
    """A console on the current stdout, wide enough for tables when not a terminal."""
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(
        file=sys.stdout, width=160 if wide else None, markup=False, highlight=False, emoji=False
    )


def _suggest(word: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(valid), n=3, cutoff=0.6)
    return f" (did you mean: {', '.join(close)}?)" if close else ""


def _months_bounds() -> tuple[int, int]:
    lo, hi = 1, 600
    for m in Scenario.model_fields["months"].metadata:
        lo = lo if getattr(m, "ge", None) is None else m.ge
        hi = hi if getattr(m, "le", None) is None else m.le
    return int(lo), int(hi)


def _check_run_args(args: argparse.Namespace) -> None:
    """Validate the command line's numbers and names before anything is loaded or written."""
    if args.seed < 0:
        raise InputError(f"must be a non-negative integer (got {args.seed})", key="--seed")
    if args.months is not None:
        lo, hi = _months_bounds()
        if not lo <= args.months <= hi:
            raise InputError(f"must be between {lo} and {hi} (got {args.months})", key="--months")
    if args.arrangement is not None and args.arrangement not in ARRANGEMENTS:
        raise InputError(
            f"unknown arrangement '{args.arrangement}'{_suggest(args.arrangement, ARRANGEMENTS)};"
            f" allowed: {', '.join(ARRANGEMENTS)}",
            key="--arrangement",
        )


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"


def households(scen: Scenario) -> int:
    """Households (dwelling units) of a scenario, counting milieu copies."""
    return sum(sum(e.units for e in m.ensembles) * m.copies for m in scen.milieux)


def n_milieux(scen: Scenario) -> int:
    """Milieux of a scenario, counting copies."""
    return sum(m.copies for m in scen.milieux)


def _label(o: Outcome, lang: str) -> str:
    return o.fr if lang == "fr" else o.en


def _fmt_number(x: float, decimals: int, lang: str) -> str:
    s = f"{x:,.{decimals}f}"
    if lang == "fr":
        s = s.replace(",", "\u202f").replace(".", ",")
    return s


def format_indicator(value: float, unit: str, lang: str = "en") -> str:
    """Format a final-year value by its unit: shares in %, indices to 2 decimals, dollars."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit.startswith("share"):
        s = _fmt_number(100 * value, 1, lang)
        return f"{s} %" if lang == "fr" else f"{s}%"
    if unit.startswith("index"):
        return _fmt_number(value, 2, lang)
    if unit.startswith("$"):
        s = _fmt_number(value, 0, lang)
        return f"{s} $" if lang == "fr" else f"${s}"
    return _fmt_number(value, 0 if abs(value) >= 10 or value == int(value) else 1, lang)


def _indicator_unit(o: Outcome, window: int, lang: str) -> str:
    unit = unit_label(o.unit, lang)
    per_month = "/ " + unit_label("month", lang)
    if o.final == "sum" and per_month in unit:
        if window == 12:
            return unit.replace(per_month, _t("per_year", lang))
        total = f", {_t('total_over', lang)} {window} {_t('months', lang)}"
        return unit.replace(" " + per_month, total)
    return unit


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


# --- commands ----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """``hlmsim run``: run one scenario with one seed, write its files, print a summary."""
    from .run import run

    _check_run_args(args)
    overrides: dict[str, Any] = {}
    if args.months is not None:
        overrides["months"] = args.months
    if args.arrangement is not None:
        overrides["arrangement"] = args.arrangement
    if overrides:
        load_scenario(args.scenario)  # the file itself must be valid, whatever the overrides
    scen = load_scenario(args.scenario, **overrides)
    if args.out:
        out = Path(args.out)
    else:
        out = Path("results") / "runs" / f"{_safe_name(scen.name)}-seed{args.seed}"
    check_out_dir(out.resolve())
    result = run(scen, seed=args.seed)
    try:
        written = result.write(out.resolve())
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror or err}", source=str(out)) from None
    _print_run_summary(result.summary, result.timeseries, scen, args.seed, args.lang)
    files = ", ".join(sorted(p.name for p in written.iterdir()))
    print(f"{_t('wrote', args.lang)}: {out} ({files})")
    return 0


def _print_run_summary(
    summary: dict[str, dict[str, float]], ts: Any, scen: Scenario, seed: int, lang: str
) -> None:
    last = int(ts["month"].max()) if len(ts) else 0
    first = max(1, last - 11)
    window = last - first + 1
    columns = ["all"] + [m for m in summary if m != "all"]
    note = None
    if len(columns) - 1 > MAX_MILIEU_COLUMNS:
        note = _t("more_milieux", lang).format(n=len(columns) - 1)
        columns = ["all"]
    table = Table(
        title=f"{scen.name}, {_t('seed', lang)} {seed}: {_t('final_year', lang)}"
        f" ({_t('months', lang)} {first}–{last})",
        title_justify="left",
    )
    table.add_column(_t("indicator", lang))
    table.add_column(_t("unit", lang), style="dim")
    for c in columns:
        table.add_column(_t("all", lang) if c == "all" else c, justify="right")
    labels = {**OUTCOMES, **DERIVED}
    for key in SUMMARY_INDICATORS:
        o = labels[key]
        row = [format_indicator(summary[c].get(key, math.nan), o.unit, lang) for c in columns]
        table.add_row(_label(o, lang), _indicator_unit(o, window, lang), *row)
    console = _console()
    console.print(table)
    if note:
        console.print(note)


def _check_compare_args(args: argparse.Namespace) -> dict[str, Any]:
    """Validate ``hlmsim compare``'s options before anything is loaded, run or written."""
    from .compare import _check_arrangements, parse_precision

    names = None
    if args.arrangements is not None:
        names = [a.strip() for a in args.arrangements.split(",") if a.strip()]
        if not names:
            raise InputError("give at least one arrangement name", key="--arrangements")
    if args.lang not in ("en", "fr"):
        raise InputError(f"must be en or fr (got {args.lang!r})", key="--lang")
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
        "seed": whole_number(args.seed, "--seed", 0),
        "workers": whole_number(args.workers, "--workers", 1),
    }


def cmd_compare(args: argparse.Namespace) -> int:
    """``hlmsim compare``: paired replications of arrangements, a report and its data files."""
    import shlex

    from .compare import compare
    from .replication import BATCH
    from .reporting import check_compare_dir, write_compare

    opts = _check_compare_args(args)
    lang = args.lang
    scen = load_scenario(args.scenario)
    default_out = Path("results") / f"compare-{_safe_name(scen.name)}"
    out = Path(args.out) if args.out else default_out
    check_compare_dir(out.resolve())
    err = Console(stderr=True, markup=False, highlight=False, emoji=False)
    n_arr = len(opts["arrangements"])
    workers = opts["workers"] or os.cpu_count() or 1
    if opts["target"] is None:
        n = opts["replications"] or 100
        plan = _t("plan_fixed", lang).format(n=n, batch=BATCH)
    else:
        plan = _t("plan_precision", lang).format(target=opts["precision"], cap=MAX_REPLICATIONS)
    print(
        _t("comparing", lang).format(
            n=n_arr, scenario=scen.name, plan=plan, seed=opts["seed"], workers=workers
        ),
        file=sys.stderr,
    )
    result = _run_compare(compare, scen, opts, workers, err)
    result.metadata["command"] = shlex.join(["hlmsim", *args.argv])
    result.metadata["scenario_source"] = args.scenario
    try:
        written = write_compare(result, out.resolve(), lang)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(out)) from None
    _print_compare_summary(result, lang)
    files = ", ".join(sorted(p.name for p in written.iterdir()))
    print(f"{_t('wrote', lang)}: {out} ({files})")
    print(f"{_t('report', lang)}: {out / 'report.html'}")
    return 0


def _run_compare(
    compare: Any, scen: Scenario, opts: dict[str, Any], workers: int, err: Console
) -> Any:
    """Run the comparison with a progress bar on stderr (when it is a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("batches", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return compare(
            scen,
            arrangements=opts["arrangements"],
            reference=opts["reference"],
            replications=opts["replications"],
            precision=opts["precision"],
            seed=opts["seed"],
            workers=workers,
            progress=progress,
        )


def _print_compare_summary(result: Any, lang: str) -> None:
    """Final-year needs met and cost per arrangement, the plain-language summary, precision."""
    from .reporting.comparison import (
        arrangement_label,
        fmt_money,
        fmt_num,
        fmt_range,
        round_sig,
        summary_text,
    )

    s = result.summary.set_index(["arrangement", "outcome"])
    d = result.differences.set_index(["arrangement", "outcome"])
    table = Table(
        title=f"{result.metadata['scenario_name']}: {_t('final_year', lang)},"
        f" {result.replications} {_t('replications', lang)}",
        title_justify="left",
    )
    for key in ("arrangement", "needs_met_year", "vs_reference", "cost_year", "cost_per_need"):
        table.add_column(_t(key, lang), justify="left" if key == "arrangement" else "right")
    for a in result.arrangements:
        m = s.loc[(a, "needs_met")]
        ci = fmt_range(fmt_num(m["ci_low"], 0, lang), fmt_num(m["ci_high"], 0, lang), lang)
        needs = f"{fmt_num(m['mean'], 0, lang)} ({ci})"
        if a == result.reference:
            diff = _t("reference", lang)
        else:
            r = d.loc[(a, "needs_met")]
            lo, hi = fmt_num(r["ci_low"], 0, lang, True), fmt_num(r["ci_high"], 0, lang, True)
            diff = f"{fmt_num(r['mean_diff'], 0, lang, True)} ({fmt_range(lo, hi, lang)})"
        table.add_row(
            arrangement_label(a, lang),
            needs,
            diff,
            fmt_money(round_sig(s.loc[(a, "cost"), "mean"]), lang),
            fmt_money(s.loc[(a, "cost_per_need_met"), "mean"], lang),
        )
    console = _console()
    console.print(table)
    print(summary_text(result, lang))
    p = result.metadata.get("precision")
    if p:
        key = "precision_met" if p["met"] else "precision_not_met"
        print(
            _t(key, lang).format(target=p["text"], n=result.replications, cap=p["max_replications"])
        )


def cmd_patterns(args: argparse.Namespace) -> int:
    """``hlmsim patterns``: the pattern-oriented validation, its report and CSV files."""
    import shlex

    from .patterns import (
        PATTERN_DIR,
        QUICK_REPLICATIONS,
        QUICK_ROBUSTNESS_POINTS,
        REPLICATIONS,
        ROBUSTNESS_POINTS,
        select_patterns,
        validate_patterns,
    )
    from .reporting.validation import check_patterns_dir, pt, write_patterns

    if args.lang not in ("en", "fr"):
        raise InputError(f"must be en or fr (got {args.lang!r})", key="--lang")
    lang = args.lang
    replications = whole_number(args.replications, "--replications", 2)
    robustness = whole_number(args.robustness, "--robustness", 0)
    seed = whole_number(args.seed, "--seed", 0)
    workers = whole_number(args.workers, "--workers", 1) or os.cpu_count() or 1
    directory = Path(args.dir) if args.dir else None
    if directory is not None and not directory.is_dir():
        raise InputError("no such folder", source=str(directory), key="--dir")
    files = select_patterns(args.only, directory)
    if replications is None:
        replications = QUICK_REPLICATIONS if args.quick else REPLICATIONS
    if robustness is None:
        robustness = QUICK_ROBUSTNESS_POINTS if args.quick else ROBUSTNESS_POINTS
    out = Path(args.out) if args.out else Path("results") / "patterns"
    check_patterns_dir(out.resolve())
    print(
        pt(
            "cli_plan",
            lang,
            n=len(files),
            folder=directory or PATTERN_DIR,
            reps=replications,
            points=robustness,
            seed=seed,
            workers=workers,
        ),
        file=sys.stderr,
    )
    result = _with_progress(
        lambda progress: validate_patterns(
            replications=replications,
            quick=args.quick,
            seed=seed,
            directory=directory,
            only=args.only,
            robustness=robustness,
            workers=workers,
            progress=progress,
        ),
        pt("cli_runs", lang),
    )
    result.metadata["command"] = shlex.join(["hlmsim", *args.argv])
    try:
        written = write_patterns(result, out.resolve(), lang)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(out)) from None
    _print_patterns_summary(result, lang)
    files_written = ", ".join(sorted(p.name for p in written.iterdir()))
    print(f"{_t('wrote', lang)}: {out} ({files_written})")
    print(f"{_t('report', lang)}: {out / 'report.html'}")
    print(pt("cli_seconds", lang, s=result.metadata["seconds"], tasks=result.metadata["tasks"]))
    failed = result.failed()
    if failed:
        names = ", ".join(
            f"{pid} ({pt('finding', lang).lower()} {result.specs[pid].finding})" for pid in failed
        )
        print(pt("cli_failed", lang, k=len(failed), n=len(result.specs), list=names))
        return 1
    print(pt("cli_all", lang, n=len(result.specs)))
    return 0


def _with_progress(run: Any, label: str) -> Any:
    """Call ``run(progress)`` with a progress bar on stderr (when it is a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    err = Console(stderr=True, markup=False, highlight=False, emoji=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(progress)


def _print_patterns_summary(result: Any, lang: str) -> None:
    """One line per pattern: effect with its 95% CI, verdict, control, robustness."""
    from .i18n.formats import fmt_pct
    from .reporting.validation import effect_text as _effect_text
    from .reporting.validation import pt
    from .reporting.validation import verdict_text as _verdict

    table = Table(
        title=pt("cli_title", lang, reps=result.metadata["replications"]), title_justify="left"
    )
    for key in ("pattern", "finding", "outcome", "effect", "verdict", "removes", "robust"):
        table.add_column(pt(key, lang), justify="right" if key in ("finding", "effect") else "left")
    for r in result.table.to_dict("records"):
        m, ci = _effect_text(
            r["outcome"], r["effect"], r["effect_ci_low"], r["effect_ci_high"], lang
        )
        robust = fmt_pct(r["robustness_share"], lang) if r["robustness_points"] else "–"
        if r["fragile"]:
            robust += f" ({pt('fragile', lang)})"
        table.add_row(
            r["pattern"],
            str(r["finding"]),
            r["outcome"],
            f"{m} ({ci})",
            _verdict(bool(r["reproduced"]), lang),
            pt("yes" if r["control_removes"] else "no", lang),
            robust,
        )
    _console().print(table)


def cmd_list(args: argparse.Namespace) -> int:
    """``hlmsim scenarios list``: the shipped scenarios and their descriptions."""
    lang = "en"
    table = Table(title="Shipped scenarios", title_justify="left")
    table.add_column(_t("name", lang))
    table.add_column(_t("arrangements", lang))
    table.add_column(_t("description", lang))
    for name in shipped_scenarios():
        try:
            scen = load_scenario(name)
        except InputError as err:
            table.add_row(name, "", f"({_t('invalid', lang)}: {err})")
            continue
        table.add_row(name, ", ".join(_arrangements(scen)), scen.description)
    _console().print(table)
    return 0


def _arrangements(scen: Scenario) -> list[str]:
    seen = [m.arrangement or scen.arrangement for m in scen.milieux]
    return list(dict.fromkeys(seen))


def cmd_show(args: argparse.Namespace) -> int:
    """``hlmsim scenarios show``: the resolved scenario, its milieux, events and parameters."""
    lang = args.lang
    scen = load_scenario(args.scenario)
    resolved = [milieu_params(scen, i) for i in range(len(scen.milieux))]
    console = _console()

    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row(_t("name", lang), scen.name)
    head.add_row(_t("description", lang), scen.description)
    head.add_row(_t("arrangements", lang), _arrangement_text(scen, lang))
    head.add_row(_t("horizon", lang), str(scen.months))
    head.add_row(
        _t("households", lang),
        f"{households(scen)} ({n_milieux(scen)} {_t('milieux', lang).lower()})",
    )
    console.print(head)
    console.print()

    mt = Table(title=_t("milieux", lang), title_justify="left")
    for key in ("milieu", "city", "arrangement", "copies", "households", "ensembles"):
        mt.add_column(_t(key, lang), justify="right" if key in ("copies", "households") else "left")
    for m in scen.milieux:
        if len(m.ensembles) <= 3:
            names = ", ".join(f"{e.name} ({e.units})" for e in m.ensembles)
        else:
            sizes = sorted({e.units for e in m.ensembles})
            span = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
            names = f"{len(m.ensembles)} × {span}"
        mt.add_row(
            m.name,
            m.city,
            m.arrangement or scen.arrangement,
            str(m.copies),
            str(sum(e.units for e in m.ensembles) * m.copies),
            names,
        )
    console.print(mt)

    if scen.events:
        et = Table(title=_t("events", lang), title_justify="left")
        for key in ("month", "kind", "milieu"):
            et.add_column(_t(key, lang))
        for ev in sorted(scen.events, key=lambda e: e.month):
            et.add_row(str(ev.month), ev.kind, ev.milieu or _t("every_milieu", lang))
        console.print(et)
    else:
        console.print(_t("no_events", lang))
    console.print()
    _print_params(console, scen, resolved, lang)
    return 0


def _arrangement_text(scen: Scenario, lang: str) -> str:
    own = {m.name: m.arrangement for m in scen.milieux if m.arrangement}
    if not own:
        return scen.arrangement
    parts = [f"{a} ({name})" for name, a in own.items()]
    rest = [m.name for m in scen.milieux if not m.arrangement]
    if rest:
        parts.append(f"{scen.arrangement} ({', '.join(rest)})")
    return "; ".join(parts)


def _print_params(console: Console, scen: Scenario, resolved: list[Params], lang: str) -> None:
    """Parameters the same in every milieu once; those that differ with a column per milieu."""
    values = [p.model_dump() for p in resolved]
    common, differ = [], []
    for name in Params.model_fields:
        vals = [v[name] for v in values]
        (common if all(x == vals[0] for x in vals) else differ).append(name)
    label_key = "label_fr" if lang == "fr" else "label_en"

    def mark(name: str, v: Any) -> str:
        return _fmt_value(v) + (" *" if v != field_meta(name)["default"] else "")

    def default(name: str, vals: list[Any]) -> str:
        d = field_meta(name)["default"]
        return _fmt_value(d) if any(v != d for v in vals) else ""

    if differ:
        dt = Table(title=_t("params_differ", lang), title_justify="left")
        dt.add_column(_t("parameter", lang))
        for m in scen.milieux:
            dt.add_column(m.name)
        for key in ("default", "unit", "source"):
            dt.add_column(_t(key, lang))
        for name in differ:
            meta = field_meta(name)
            vals = [v[name] for v in values]
            dt.add_row(
                name,
                *[mark(name, x) for x in vals],
                default(name, vals),
                meta["unit"],
                meta["source"],
            )
        console.print(dt)
    ct = Table(title=_t("params_common", lang), title_justify="left")
    for key in ("parameter", "value", "default", "unit", "source", "meaning"):
        ct.add_column(_t(key, lang), ratio=2 if key == "meaning" else None)
    for name in common:
        meta = field_meta(name)
        v = values[0][name]
        ct.add_row(
            name,
            mark(name, v),
            default(name, [v]),
            meta["unit"],
            meta["source"],
            meta[label_key],
        )
    console.print(ct)
    console.print(_t("legend", lang))


def cmd_check(args: argparse.Namespace) -> int:
    """``hlmsim scenarios check``: validate a scenario file, print one ``ok:`` line."""
    scen = load_scenario(args.file)
    print(
        f"ok: {args.file} ({n_milieux(scen)} milieux, {households(scen)} households,"
        f" {scen.months} months)"
    )
    return 0


# --- entry point -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    handlers = {
        "run": cmd_run,
        "compare": cmd_compare,
        "patterns": cmd_patterns,
        "sweep": sweep_cli.main_sweep,
        "analyze": sweep_cli.main_analyze,
        "app": main_app,
        "list": cmd_list,
        "show": cmd_show,
        "check": cmd_check,
    }
    handler = handlers[args.action if args.command == "scenarios" else args.command]
    try:
        return handler(args)
    except InputError as err:
        return report_error(err)
    except KeyboardInterrupt:
        print("hlmsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hlmsim scenarios show default | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
