"""The schema's words on the page: labels, units, values and help of parameters, outcomes,
arrangements, needs, partners, events and household types, in the page's language.

Every text comes from the bilingual catalogue (:mod:`hlmsim.i18n`: sections ``[app]``,
``[events]``, ``[partners]``, ``[households]``) or from beside its declaration (parameter labels
and sources from :func:`hlmsim.params.field_meta`, outcome labels from
:data:`hlmsim.outcomes.OUTCOMES`, arrangement labels from :mod:`hlmsim.arrangements`, need labels
from :data:`hlmsim.params.NEED_LABELS`); nothing here chooses a text by comparing a language.
"""

from __future__ import annotations

from typing import Any

from ..arrangements import LABELS, arrangement_description, arrangement_label
from ..i18n import catalogue, localized, pick, t, unit_label
from ..i18n.formats import fmt_num, fmt_range, label_value
from ..mechanisms.events import EVENT_KINDS
from ..outcomes import OUTCOMES, outcome_label
from ..params import ASSUMPTION, NEED_LABELS
from ..params import field_meta as _field_meta

# -- the schema's words -------------------------------------------------------------------------


def field_meta(name: str) -> dict[str, Any]:
    """The schema's description of parameter ``name`` (``hlmsim.params.field_meta``)."""
    return _field_meta(name)


def param_label(name: str, lang: str) -> str:
    return localized(field_meta(name), lang, "label")


def param_unit(name: str, lang: str) -> str:
    meta = field_meta(name)
    return localized({"unit_en": meta["unit"], "unit_fr": meta["unit_fr"]}, lang, "unit")


def param_value_text(name: str, value: Any, lang: str) -> str:
    meta = field_meta(name)
    if meta["kind"] == "bool":
        return t("app.yes" if value else "app.no", lang)
    if meta["kind"] == "choice":
        return str(value)
    if meta["kind"] == "int":
        return fmt_num(value, 0, lang)
    v = float(value)
    decimals = 0 if v == int(v) else (2 if abs(v) < 10 else 1)
    return fmt_num(v, decimals, lang)


def source_text(source: str, lang: str) -> str:
    """A parameter's source in the page's language: the catalogue's rendering of the whole
    source when it has one (``[app.sources]``, citations kept as written), else the word
    "assumption" translated and the rest as written."""
    key = f"app.sources.{source}"
    texts = catalogue(lang)
    if key in texts:
        return texts[key]
    if source.strip().lower().startswith(ASSUMPTION):
        return t("common.assumption", lang) + source.strip()[len(ASSUMPTION) :]
    return source


def param_help(name: str, lang: str) -> str:
    """Range, unit, default and source of a parameter, one line."""
    meta = field_meta(name)
    unit = param_unit(name, lang)
    parts = []
    if meta["min"] is not None and meta["max"] is not None:
        lo = param_value_text(name, meta["min"], lang)
        hi = param_value_text(name, meta["max"], lang)
        parts.append(f"{t('app.range', lang)} {fmt_range(lo, hi, lang)} {unit}".rstrip())
    elif unit:
        parts.append(unit)
    parts.append(f"{t('app.default', lang)} {param_value_text(name, meta['default'], lang)}")
    parts.append(label_value(t("app.source", lang), source_text(meta["source"], lang), lang))
    return " · ".join(parts)


def outcome_unit(key: str, lang: str) -> str:
    return unit_label(OUTCOMES[key].unit, lang)


def need_label(category: str, lang: str) -> str:
    return pick(NEED_LABELS[category], lang)


def partner_label(kind: str, lang: str) -> str:
    return t(f"partners.{kind}", lang)


def event_label(kind: str, lang: str) -> str:
    return t(f"events.{kind}", lang)


def household_type_label(htype: str, lang: str) -> str:
    return t(f"households.{htype}", lang)


__all__ = [
    "EVENT_KINDS",
    "LABELS",
    "arrangement_description",
    "arrangement_label",
    "event_label",
    "field_meta",
    "household_type_label",
    "need_label",
    "outcome_label",
    "outcome_unit",
    "param_help",
    "param_label",
    "param_unit",
    "param_value_text",
    "partner_label",
    "source_text",
]
