"""Generate ``docs/parameters.md`` from the parameter schema (never type a parameter twice).

Usage::

    python -m hlmsim.docs_gen          # write docs/parameters.md (or: make docs)
    python -m hlmsim.docs_gen --check  # exit 1 if docs/parameters.md is stale

Everything in the file comes from :mod:`hlmsim.params` (meaning, unit, validation and plausible
ranges, default, source, lever), :mod:`hlmsim.arrangements` (the five presets),
:mod:`hlmsim.outcomes` (the monthly outcomes) and the rule of :mod:`hlmsim.patterns` that says
which parameters the robustness check varies. Only the grouping of parameters into sections is
declared here, by the *first* parameter of each group in declaration order; a renamed or
reordered first parameter, or a parameter outside every group, raises :class:`DocsError` so that
the docs cannot drift silently.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .arrangements import ARRANGEMENTS, DESCRIPTIONS, LABELS
from .outcomes import DERIVED, OUTCOMES, Outcome
from .params import ASSUMPTION, field_meta, param_fields

#: Sections of the parameter reference: (first parameter of the group, title).
GROUPS: tuple[tuple[str, str], ...] = (
    ("worker_fte", "Arrangement: the milieu worker"),
    ("network_present", "Arrangement: concertation and partnership"),
    ("consultations_per_year", "Arrangement: residents' participation"),
    ("move_out_annual", "Residents"),
    ("need_rate_socialising", "Needs"),
    ("outreach_base_logodds", "Outreach and trust in the worker"),
    ("referral_base_logodds", "Referral, services and queues"),
    ("knowledge_dose_worker", "Knowledge of resources"),
    ("initial_network_trust", "Network governance"),
    ("participation_base_logodds", "Participation"),
    ("security_adjust_rate", "Well-being"),
    ("crisis_annual", "Crises"),
)

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "parameters.md"
COMMAND = "python -m hlmsim.docs_gen"

LEVER_MARK = "●"
#: Marks a plausible range that the robustness check of ``hlmsim patterns`` samples.
ROBUST_MARK = "◆"

#: How milieux add up, by ``Outcome.weight``.
_WEIGHT_TEXT = {
    "sum": "sum",
    "households": "mean weighted by households",
    "hard_to_reach": "mean weighted by hard-to-reach households",
    "needs_met": "mean weighted by needs met",
}
#: How the final year is summarised, by ``Outcome.final``.
_FINAL_TEXT = {"sum": "sum of the 12 months", "mean": "mean of the 12 months"}
#: How the derived final-year indicators are computed (``hlmsim.run.summarise``).
_DERIVED_TEXT = {
    "cost_per_need_met": "final-year `cost` / final-year `needs_met`",
    "needs_met_share": "final-year `needs_met` / (`needs_met` + `needs_abandoned`)",
}


class DocsError(RuntimeError):
    """The documentation's structure no longer matches the schema."""


# --- grouping ----------------------------------------------------------------------------------


def parameter_groups() -> list[tuple[str, list[str]]]:
    """The schema's parameters split into the sections of :data:`GROUPS`, in declaration order.

    Raises :class:`DocsError` if a group's first parameter is missing from the schema, if the
    first parameters are out of declaration order, or if a parameter falls in no group.
    """
    names = list(param_fields())
    index = {name: i for i, name in enumerate(names)}
    missing = [first for first, _ in GROUPS if first not in index]
    if missing:
        raise DocsError(
            f"hlmsim.docs_gen.GROUPS names parameters missing from the schema: {', '.join(missing)}"
        )
    starts = [index[first] for first, _ in GROUPS]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise DocsError("hlmsim.docs_gen.GROUPS: first parameters are not in declaration order")
    if starts[0] != 0:
        raise DocsError(
            f"parameters before the first group ({names[0]}...{names[starts[0] - 1]}):"
            " add a group to hlmsim.docs_gen.GROUPS"
        )
    bounds = [*starts, len(names)]
    groups = [(title, names[bounds[i] : bounds[i + 1]]) for i, (_, title) in enumerate(GROUPS)]
    covered = sum(len(members) for _, members in groups)
    if covered != len(names):  # pragma: no cover - guaranteed by the construction above
        raise DocsError("some parameters fall in no group")
    return groups


# --- formatting --------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def fmt_value(value: Any) -> str:
    """A value as written in a scenario file (TOML): true/false, numbers, quoted strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def fmt_range(meta: dict[str, Any]) -> str:
    """The allowed values of a parameter: an inclusive range, choices or true/false."""
    if meta["choices"]:
        return ", ".join(f'"{c}"' for c in meta["choices"])
    if meta["kind"] == "bool":
        return "true, false"
    lo, hi = meta["min"], meta["max"]
    if lo is None and hi is None:
        return "any"
    lo_s = "−∞" if lo is None else f"{lo:g}"
    hi_s = "∞" if hi is None else f"{hi:g}"
    return f"{lo_s} – {hi_s}"


def fmt_plausible(meta: dict[str, Any], robust: bool = False) -> str:
    """The plausible range of a numeric parameter ("–" for yes/no and choices), marked with
    :data:`ROBUST_MARK` when the robustness check samples it."""
    if meta["plausible"] is None:
        return "–"
    lo, hi = meta["plausible"]
    return f"{lo:g} – {hi:g}" + (f" {ROBUST_MARK}" if robust else "")


def source_kind(source: str) -> str:
    """Classify a source: ``assumption`` (bare), ``informed`` (an assumption informed by a cited
    figure), ``study`` (the study names the mechanism; the value is assumed) or ``cited``."""
    s = source.strip().lower()
    if s == ASSUMPTION:
        return "assumption"
    if s.startswith(ASSUMPTION):
        return "informed"
    if s.startswith("study"):
        return "study"
    return "cited"


def source_counts() -> dict[str, int]:
    """How many parameters fall in each :func:`source_kind`, plus ``total`` and ``sourced``
    (a source other than "assumption": ``study`` + ``cited``)."""
    counts = {"assumption": 0, "informed": 0, "study": 0, "cited": 0}
    for name in param_fields():
        counts[source_kind(field_meta(name)["source"])] += 1
    counts["total"] = sum(counts.values())
    counts["sourced"] = counts["study"] + counts["cited"]
    return counts


def source_summary() -> str:
    """One sentence on how many defaults rest on a source."""
    c = source_counts()
    return (
        f'{c["total"]} parameters; {c["sourced"]} have a source other than "assumption"'
        f" ({c['cited']} cite a published figure or model, {c['study']} cite the study, which"
        f" names the mechanism but not its size); {c['informed'] + c['assumption']} are"
        f" assumptions ({c['informed']} of them informed by a cited figure)."
    )


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    keep = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return keep.replace(" ", "-")


# --- sections ----------------------------------------------------------------------------------


def _parameter_sections() -> list[str]:
    from .patterns import is_robustness_parameter

    out: list[str] = []
    header = ["name", "lever", "meaning", "sens", "unit", "range", "plausible", "default", "source"]
    for i, (title, names) in enumerate(parameter_groups(), start=1):
        out += ["", f"### {i}. {title}", ""]
        rows = []
        for name in names:
            meta = field_meta(name)
            rows.append(
                [
                    f"`{name}`",
                    LEVER_MARK if meta["lever"] else "",
                    meta["label_en"] or "",
                    meta["label_fr"],
                    meta["unit"],
                    fmt_range(meta),
                    fmt_plausible(meta, is_robustness_parameter(name)),
                    fmt_value(meta["default"]),
                    meta["source"],
                ]
            )
        out += _table(header, rows)
    return out


def _description(name: str) -> tuple[str, str]:
    """An arrangement's description (English, French); a plain string counts as English."""
    d = DESCRIPTIONS.get(name, ("", ""))
    return (d, "") if isinstance(d, str) else (d[0], d[1])


def _arrangement_sections() -> list[str]:
    names = list(ARRANGEMENTS)
    out = ["", "## Arrangement presets", ""]
    out += [
        "An arrangement is a bundle of parameter settings and nothing else: no mechanism tests"
        " which arrangement is running. A milieu's parameters resolve as schema default <"
        " arrangement preset < scenario `[params]` < the milieu's own `params`, so every"
        " setting below can be overridden (source: `hlmsim/arrangements.py`).",
        "",
    ]
    out += _table(
        ["arrangement", "English", "français", "what it is", "en bref"],
        [[f"`{a}`", LABELS[a][0], LABELS[a][1], *_description(a)] for a in names],
    )
    set_by_any = [p for p in param_fields() if any(p in ARRANGEMENTS[a] for a in names)]
    out += [
        "",
        "Parameters each preset sets (– : not set by the preset, the schema default applies):",
        "",
    ]
    rows = []
    for p in set_by_any:
        meta = field_meta(p)
        rows.append(
            [f"`{p}`", fmt_value(meta["default"])]
            + [fmt_value(ARRANGEMENTS[a][p]) if p in ARRANGEMENTS[a] else "–" for a in names]
        )
    out += _table(["parameter", "schema default", *[f"`{a}`" for a in names]], rows)
    return out


def _outcome_rows(items: dict[str, Outcome]) -> list[list[str]]:
    rows = []
    for name, o in items.items():
        if name in DERIVED:
            add_up = "derived per milieu and for all milieux"
            final = _DERIVED_TEXT.get(name, "derived from the final-year indicators")
        else:
            add_up = _WEIGHT_TEXT.get(o.weight, o.weight)
            final = _FINAL_TEXT.get(o.final, o.final)
            if o.weight == "needs_met" and o.final == "mean":
                final = "mean of the 12 months weighted by needs met"
        rows.append([f"`{name}`", o.en, o.fr, o.unit, add_up, final])
    return rows


def _outcome_sections() -> list[str]:
    out = ["", "## Outcomes", ""]
    out += [
        "Every run reports these outcomes monthly, per milieu and for all milieux together"
        ' (`milieu = "all"`), in `timeseries.csv` / `timeseries.parquet`; `summary.json` holds'
        ' the final-year indicators (the last 12 months). "Milieux add up" says how the `all`'
        ' row combines milieux; "final year" says how the last 12 months are summarised'
        " (source: `hlmsim/outcomes.py`, `hlmsim/run.py`).",
        "",
    ]
    header = ["name", "English", "français", "unit", "milieux add up", "final year"]
    out += _table(header, _outcome_rows(OUTCOMES))
    out += ["", "Derived final-year indicators (in `summary.json` only):", ""]
    out += _table(header, _outcome_rows(DERIVED))
    return out


def _robust_count() -> int:
    from .patterns import is_robustness_parameter

    return sum(is_robustness_parameter(name) for name in param_fields())


def render_parameters() -> str:
    """The full text of ``docs/parameters.md``."""
    groups = parameter_groups()
    lines = [
        f"<!-- Generated by `{COMMAND}` from hlmsim/params.py, hlmsim/arrangements.py and"
        " hlmsim/outcomes.py. Do not edit by hand. -->",
        "",
        "# hlmsim parameters, arrangements and outcomes",
        "",
        f"> Generated by `{COMMAND}` (or `make docs`) from the parameter schema; do not edit by"
        f" hand. `{COMMAND} --check` exits 1 when this file is stale, and the test suite fails.",
        "",
        "Every parameter applies per milieu: set it for all milieux in a scenario's `[params]`"
        " table or for one milieu in its `params` (see the README). Rates are given in the unit"
        " people know and converted inside the model: an annual probability *p* becomes the"
        " monthly probability 1 − (1 − *p*)^(1/12); a half-life *h* months becomes the monthly"
        ' retention factor 0.5^(1/*h*); "share of gap" means *x* ← *x* + *a*(1 − *x*);'
        " log-odds effects add up and pass through the logistic function. How each parameter"
        " enters the model is described in [ODD.md](ODD.md), section 7 (Submodels).",
        "",
        f'**Sources.** {source_summary()} "assumption" means that no source was found: the'
        " value is a stated assumption to be explored in sensitivity analysis, not an estimate."
        ' "study finding N" and "study remedy" refer to Parent & Reiser (2022), which names'
        " the mechanism or remedy but gives no number.",
        "",
        f"**Levers** ({LEVER_MARK}) are what planners control; the others describe residents,"
        " organisations and mechanisms.",
        "",
        "**Two ranges.** *range* is the validation range: what the model accepts (a scenario"
        " outside it is an error); it is deliberately wide, 0 to 1 for most shares. *plausible*"
        " is the span a researcher would call plausible for the quantity, declared in the schema"
        " (`plausible=` in `hlmsim/params.py`): for a sourced parameter, the span of the cited"
        " figures; for an assumption, a defensible span, about a factor of two either side of"
        " the default for rates, gains and half-lives and about ±1 for log-odds intercepts,"
        " narrower where the quantity is constrained; for a lever, the span planners"
        " realistically choose from. It lies inside the validation range and contains the"
        f" default. {ROBUST_MARK} marks the {_robust_count()} plausible ranges that the"
        " robustness check of `hlmsim patterns` samples: assumptions that are no lever, no cost"
        " and no setting of an arrangement preset (see [patterns.md](patterns.md)).",
        "",
        "## Parameters",
        "",
    ]
    lines += [
        f"{i}. [{title}](#{_anchor(f'{i}. {title}')}) ({len(names)})"
        for i, (title, names) in enumerate(groups, start=1)
    ]
    lines += _parameter_sections()
    lines += _arrangement_sections()
    lines += _outcome_sections()
    return "\n".join(lines) + "\n"


# --- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/parameters.md``, or with ``--check`` exit 1 if it is stale."""
    ap = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/parameters.md is stale")
    ap.add_argument("--out", type=Path, default=OUTPUT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    text = render_parameters()
    out: Path = args.out
    if args.check:
        current = out.read_text(encoding="utf-8") if out.is_file() else None
        if current != text:
            state = "missing" if current is None else "stale"
            print(f"{out} is {state}: run `{COMMAND}` (or `make docs`)", file=sys.stderr)
            return 1
        print(f"{out} is up to date; {source_summary()}")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}; {source_summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
