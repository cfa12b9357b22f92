"""``hlmsim run``: run one scenario with one seed, write its files and print a summary table of
the final year's indicators."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from rich.table import Table

from ..arrangements import ARRANGEMENTS
from ..errors import InputError, suggest
from ..i18n import localized, t, unit_label
from ..i18n.formats import DASH, finite, fmt_money, fmt_num, fmt_pct
from ..outcomes import DERIVED, OUTCOMES, Outcome
from ..params import Scenario
from ..resources import add_flag, check, run_need
from ..run import check_out_dir, run
from ..scenario import load_scenario
from .common import add_lang, console, safe_name, write_report

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


def add_parser(subparsers: Any) -> None:
    """Register ``run`` on the ``hlmsim`` command's subparsers."""
    p = subparsers.add_parser("run", help="run a scenario and write its results")
    p.add_argument(
        "scenario",
        nargs="?",
        default="default",
        metavar="SCENARIO",
        help="a shipped scenario's name or a path to a .toml file (default: default)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default: 0)")
    p.add_argument("--months", type=int, default=None, help="horizon in months (>= 1)")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/runs/<scenario>-seed<N>)",
    )
    p.add_argument(
        "--arrangement",
        default=None,
        metavar="NAME",
        help=f"run every milieu on this arrangement ({', '.join(ARRANGEMENTS)})",
    )
    add_lang(p)
    add_flag(p)


def main_run(args: argparse.Namespace) -> int:
    """``hlmsim run``: run one scenario with one seed, write its files, print a summary."""
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
        out = Path("results") / "runs" / f"{safe_name(scen.name)}-seed{args.seed}"
    check_out_dir(out.resolve())
    check(run_need(scen), out, args.no_resource_check, source=args.scenario)
    result = run(scen, seed=args.seed)
    write_report(
        lambda: result.write(out.resolve()),
        out,
        args.lang,
        lambda: _print_run_summary(result.summary, result.timeseries, scen, args.seed, args.lang),
        report=False,
    )
    return 0


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
            f"unknown arrangement '{args.arrangement}'{suggest(args.arrangement, ARRANGEMENTS)};"
            f" allowed: {', '.join(ARRANGEMENTS)}",
            key="--arrangement",
        )


def format_indicator(value: float, unit: str, lang: str = "en") -> str:
    """Format a final-year value by its unit: shares in %, indices to 2 decimals, dollars."""
    if not finite(value):
        return DASH
    if unit.startswith("share"):
        return fmt_pct(value, lang, 1)
    if unit.startswith("index"):
        return fmt_num(value, 2, lang)
    if unit.startswith("$"):
        return fmt_money(value, lang)
    return fmt_num(value, 0 if abs(value) >= 10 or value == int(value) else 1, lang)


def _indicator_unit(o: Outcome, window: int, lang: str) -> str:
    """An outcome's unit over the final year: a monthly flow summed over 12 months is per year."""
    unit = unit_label(o.unit, lang)
    per_month = "/ " + unit_label("month", lang)
    if o.final == "sum" and per_month in unit:
        if window == 12:
            return unit.replace(per_month, t("cli.per_year", lang))
        return unit.replace(" " + per_month, ", " + t("cli.total_over", lang, n=window))
    return unit


def _print_run_summary(
    summary: dict[str, dict[str, float]], ts: Any, scen: Scenario, seed: int, lang: str
) -> None:
    last = int(ts["month"].max()) if len(ts) else 0
    first = max(1, last - 11)
    window = last - first + 1
    columns = ["all"] + [m for m in summary if m != "all"]
    note = None
    if len(columns) - 1 > MAX_MILIEU_COLUMNS:
        note = t("cli.more_milieux", lang, n=len(columns) - 1)
        columns = ["all"]
    table = Table(
        title=t("cli.run_title", lang, scenario=scen.name, seed=seed, first=first, last=last),
        title_justify="left",
    )
    table.add_column(t("cli.indicator", lang))
    table.add_column(t("cli.unit", lang), style="dim")
    for c in columns:
        table.add_column(t("cli.all", lang) if c == "all" else c, justify="right")
    labels = {**OUTCOMES, **DERIVED}
    for key in SUMMARY_INDICATORS:
        o = labels[key]
        row = [format_indicator(summary[c].get(key, math.nan), o.unit, lang) for c in columns]
        table.add_row(localized(o, lang), _indicator_unit(o, window, lang), *row)
    out = console()
    out.print(table)
    if note:
        out.print(note)
