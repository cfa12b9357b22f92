"""Outcome and parameter values as every report shows them: decimals and scale of an outcome's
final-year value (shares in %, their differences in percentage points), its unit in the
reader's language, parameter values, units and sources, arrangement labels."""

from __future__ import annotations

import re
from typing import Any

from ..i18n import pick, t, unit_label
from ..i18n.formats import DASH, finite, fmt_num
from ..outcomes import OUTCOMES, outcome_unit
from ..params import is_assumption


def is_share(name: str) -> bool:
    return outcome_unit(name).startswith("share")


def value_scale(name: str) -> float:
    """Shares are shown in % (and their differences in percentage points)."""
    return 100.0 if is_share(name) else 1.0


def value_decimals(name: str, diff: bool = False) -> int:
    """Decimals shown for an outcome's final-year value (or paired difference)."""
    unit = outcome_unit(name)
    if unit.startswith("share"):
        return 1
    if unit.startswith("index"):
        return 3
    if unit.startswith("$"):
        return 0
    if unit == "months":
        return 1
    return 1 if diff else 0


def fmt_value(name: str, x: Any, lang: str, diff: bool = False) -> str:
    """An outcome's final-year value (or paired difference) as the reports' tables show it."""
    if not finite(x):
        return DASH
    return fmt_num(value_scale(name) * float(x), value_decimals(name, diff), lang, sign=diff)


def display_unit(name: str, lang: str, diff: bool = False) -> str:
    """The unit of an outcome's final-year value as shown in tables (shares in %, or
    percentage points)."""
    unit = outcome_unit(name)
    if unit.startswith("share"):
        return t("report.pp", lang) if diff else f"% ({unit_label(unit, lang)})"
    return unit_label(unit, lang)


def short_unit(name: str, lang: str, kilo: bool = False) -> str:
    """A figure axis's unit of a final-year value or difference (``k`` for thousands)."""
    unit = outcome_unit(name)
    if unit.startswith("share"):
        return t("report.pp_short", lang)
    text = unit_label(unit, lang)
    if kilo:
        text = "k" + text if text.startswith("$") else f"k {text}"
    return text


def series_unit(name: str, lang: str) -> str:
    """The unit of an outcome's monthly series (shares in %)."""
    unit = OUTCOMES[name].unit
    return "%" if unit.startswith("share") else unit_label(unit, lang)


def param_value(v: Any, lang: str) -> str:
    """A parameter's value: yes/no, a number in the language's format, or its text."""
    if isinstance(v, bool):
        return t("report.yes" if v else "report.no", lang)
    if isinstance(v, (int, float)):
        if v == int(v) and abs(v) >= 1000:
            return fmt_num(v, 0, lang)
        s = f"{v:g}"
        if "e" in s:
            return s
        decimals = len(s.split(".")[1]) if "." in s else 0
        return fmt_num(v, decimals, lang)
    return str(v)


def param_unit(meta: dict[str, Any], lang: str) -> str:
    """A parameter's unit (``meta`` from :func:`hlmsim.params.field_meta`)."""
    return pick((meta["unit"], meta.get("unit_fr") or unit_label(meta["unit"], "fr")), lang)


def param_label(meta: dict[str, Any], lang: str) -> str:
    return pick((meta["label_en"], meta.get("label_fr") or meta["label_en"]), lang)


#: A source that says nothing but its kind (and the references it cites).
_BARE = re.compile(r"(assumption(, calibrated to pattern \d+)?|study( remedy| finding \d+)?)")
_REF = re.compile(r"\(([^()]*\b(?:1[89]|20)\d\d\b[^()]*)\)")


def source_text(meta: dict[str, Any], lang: str) -> str:
    """A parameter's source for the reader: its own text in the reader's language where the
    schema gives one (``source_fr``), else its kind in the reader's language (assumption,
    calibrated to pattern N, a finding of the study, a published source) with the references
    it cites, and where the full text is."""
    source = str(meta["source"]).strip()
    own = pick((source, str(meta.get("source_fr") or "")), lang)
    if own:
        return own
    low = source.lower()
    if is_assumption(source):
        lead = t("report.src_assumption", lang)
        calibrated = re.search(r"calibrated to pattern (\d+)", low)
        if calibrated:
            lead += ", " + t("report.src_calibrated", lang, n=calibrated.group(1))
    elif low.startswith("study remedy"):
        lead = t("report.src_remedy", lang)
    elif m := re.match(r"study finding (\d+)", low):
        lead = t("report.src_finding", lang, n=m.group(1))
    elif low.startswith("study"):
        lead = t("report.src_study", lang)
    else:
        lead = t("report.src_cited", lang)
    refs = "; ".join(r.replace("press ", "presse ") for r in _REF.findall(source))
    if refs:
        lead = t("report.src_refs", lang, lead=lead, refs=refs)
    rest = _REF.sub("", low).strip(" .;,")
    if _BARE.fullmatch(rest):
        return lead  # nothing but its kind and references
    return t("report.src_full", lang, lead=lead)
