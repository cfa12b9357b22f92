"""``hlmsim scenarios list|show|check``: the shipped scenarios, a resolved scenario with its
milieux, events and parameters, and the validation of a scenario file."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from ..errors import InputError
from ..i18n import DEFAULT_LANG, localized, t
from ..i18n.formats import count
from ..params import Params, Scenario, field_meta
from ..resources import add_flag, check, run_need
from ..scenario import load_scenario, milieu_params, shipped_scenarios
from .common import add_lang, console


def add_parser(subparsers: Any) -> None:
    """Register ``scenarios`` and its actions on the ``hlmsim`` command's subparsers."""
    p = subparsers.add_parser("scenarios", help="list, show or check scenarios")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list the shipped scenarios")
    p_show = actions.add_parser("show", help="show a resolved scenario and its parameters")
    p_show.add_argument("scenario", metavar="NAME_OR_PATH")
    add_lang(p_show)
    p_check = actions.add_parser("check", help="validate a scenario file")
    p_check.add_argument("file", metavar="FILE")
    add_flag(p_check)


def main_scenarios(args: argparse.Namespace) -> int:
    """``hlmsim scenarios ACTION``: run the action."""
    actions = {"list": main_list, "show": main_show, "check": main_check}
    return actions[args.action](args)


def households(scen: Scenario) -> int:
    """Households (dwelling units) of a scenario, counting milieu copies."""
    return sum(sum(e.units for e in m.ensembles) * m.copies for m in scen.milieux)


def n_milieux(scen: Scenario) -> int:
    """Milieux of a scenario, counting copies."""
    return sum(m.copies for m in scen.milieux)


# --- list --------------------------------------------------------------------------------------


def main_list(args: argparse.Namespace) -> int:
    """``hlmsim scenarios list``: the shipped scenarios and their descriptions."""
    lang = DEFAULT_LANG
    table = Table(title=t("cli.shipped_scenarios", lang), title_justify="left")
    table.add_column(t("cli.name", lang))
    table.add_column(t("cli.arrangements", lang))
    table.add_column(t("cli.description", lang))
    for name in shipped_scenarios():
        try:
            scen = load_scenario(name)
        except InputError as err:
            table.add_row(name, "", f"({t('cli.invalid', lang, error=err)})")
            continue
        table.add_row(name, ", ".join(_arrangements(scen)), scen.description)
    console().print(table)
    return 0


def _arrangements(scen: Scenario) -> list[str]:
    seen = [m.arrangement or scen.arrangement for m in scen.milieux]
    return list(dict.fromkeys(seen))


# --- show --------------------------------------------------------------------------------------


def main_show(args: argparse.Namespace) -> int:
    """``hlmsim scenarios show``: the resolved scenario, its milieux, events and parameters."""
    lang = args.lang
    scen = load_scenario(args.scenario)
    resolved = [milieu_params(scen, i) for i in range(len(scen.milieux))]
    out = console()

    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row(t("cli.name", lang), scen.name)
    head.add_row(t("cli.description", lang), scen.description)
    head.add_row(t("cli.arrangements", lang), _arrangement_text(scen))
    head.add_row(t("cli.horizon", lang), str(scen.months))
    head.add_row(
        t("cli.households", lang),
        f"{households(scen)} ({count(n_milieux(scen), 'common.milieux', lang)})",
    )
    out.print(head)
    out.print()

    mt = Table(title=t("cli.milieux", lang), title_justify="left")
    for key in ("milieu", "city", "arrangement", "copies", "households", "ensembles"):
        mt.add_column(
            t(f"cli.{key}", lang), justify="right" if key in ("copies", "households") else "left"
        )
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
    out.print(mt)

    if scen.events:
        et = Table(title=t("cli.events", lang), title_justify="left")
        for key in ("month", "kind", "milieu"):
            et.add_column(t(f"cli.{key}", lang))
        for ev in sorted(scen.events, key=lambda e: e.month):
            et.add_row(str(ev.month), ev.kind, ev.milieu or t("cli.every_milieu", lang))
        out.print(et)
    else:
        out.print(t("cli.no_events", lang))
    out.print()
    _print_params(out, scen, resolved, lang)
    return 0


def _arrangement_text(scen: Scenario) -> str:
    own = {m.name: m.arrangement for m in scen.milieux if m.arrangement}
    if not own:
        return scen.arrangement
    parts = [f"{a} ({name})" for name, a in own.items()]
    rest = [m.name for m in scen.milieux if not m.arrangement]
    if rest:
        parts.append(f"{scen.arrangement} ({', '.join(rest)})")
    return "; ".join(parts)


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _print_params(out: Console, scen: Scenario, resolved: list[Params], lang: str) -> None:
    """Parameters the same in every milieu once; those that differ with a column per milieu."""
    values = [p.model_dump() for p in resolved]
    common, differ = [], []
    for name in Params.model_fields:
        vals = [v[name] for v in values]
        (common if all(x == vals[0] for x in vals) else differ).append(name)

    def mark(name: str, v: Any) -> str:
        return _fmt_value(v) + (" *" if v != field_meta(name)["default"] else "")

    def default(name: str, vals: list[Any]) -> str:
        d = field_meta(name)["default"]
        return _fmt_value(d) if any(v != d for v in vals) else ""

    if differ:
        dt = Table(title=t("cli.params_differ", lang), title_justify="left")
        dt.add_column(t("cli.parameter", lang))
        for m in scen.milieux:
            dt.add_column(m.name)
        for key in ("default", "unit", "source"):
            dt.add_column(t(f"cli.{key}", lang))
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
        out.print(dt)
    ct = Table(title=t("cli.params_common", lang), title_justify="left")
    for key in ("parameter", "value", "default", "unit", "source", "meaning"):
        ct.add_column(t(f"cli.{key}", lang), ratio=2 if key == "meaning" else None)
    for name in common:
        meta = field_meta(name)
        v = values[0][name]
        ct.add_row(
            name,
            mark(name, v),
            default(name, [v]),
            meta["unit"],
            meta["source"],
            localized(meta, lang, "label"),
        )
    out.print(ct)
    out.print(t("cli.legend", lang))


# --- check -------------------------------------------------------------------------------------


def main_check(args: argparse.Namespace) -> int:
    """``hlmsim scenarios check``: validate a scenario file, print one ``ok:`` line."""
    scen = load_scenario(args.file)
    # a scenario this machine cannot run is refused as `hlmsim run` would refuse it
    check(run_need(scen), None, args.no_resource_check, source=args.file)
    print(
        t(
            "cli.check_ok",
            DEFAULT_LANG,
            file=args.file,
            milieux=n_milieux(scen),
            households=households(scen),
            months=scen.months,
        )
    )
    return 0
