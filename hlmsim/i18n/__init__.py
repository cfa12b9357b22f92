"""The bilingual catalogue: every text users read, one file per language.

``en.toml`` and ``fr.toml`` beside this module hold every user-facing text of the command line,
the reports, the analysis summaries and the workshop app, grouped in sections (``[report]``,
``[patterns]``, ``[cli]``, ``[analysis]``, ``[app]``, ``[common]`` ...). A text is found by its
dotted key: ``t("report.title", "fr")``. Parameter and outcome labels stay beside their
declarations (:mod:`hlmsim.params`, :mod:`hlmsim.outcomes`, :mod:`hlmsim.arrangements`) as
``(English, French)`` pairs or ``en``/``fr`` fields; :func:`pick` and :func:`localized` choose
among them, so that no code outside this package compares a language code.

A text may have plural forms: a table ``{ one = "{n} need", other = "{n} needs" }``, chosen by the
language's plural rule (``[meta] plural`` in its file) applied to the value ``n``.

Number, percent, money and range formats live in :mod:`hlmsim.i18n.formats`, driven by each
file's ``[formats]`` section.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from ..errors import InputError

#: The languages of every user-facing text, in the order of (English, French) pairs.
LANGS: tuple[str, ...] = ("en", "fr")
#: The language used when none is given.
DEFAULT_LANG = "en"

#: Plural rules by name (``[meta] plural`` in a language file): does ``n`` take the singular?
PLURAL_RULES = {
    # English: one only for exactly 1 ("0 needs", "1 need", "1.5 needs")
    "one-if-1": lambda n: abs(n) == 1,
    # French: one below 2 ("0 besoin", "1 besoin", "1,5 besoin", "2 besoins")
    "one-below-2": lambda n: abs(n) < 2,
}


def check_lang(lang: str) -> str:
    """``lang`` if it is a catalogue language; an :class:`InputError` otherwise."""
    if lang not in LANGS:
        raise InputError(f"language {lang!r}: allowed: {', '.join(LANGS)}")
    return lang


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The whole catalogue of ``lang`` as a flat dict of dotted keys (read once)."""
    check_lang(lang)
    raw = tomllib.loads(resources.files(__package__).joinpath(f"{lang}.toml").read_text("utf-8"))
    flat: dict[str, Any] = {}

    def walk(prefix: str, table: Mapping[str, Any]) -> None:
        for key, value in table.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, Mapping) and not _is_plural(value):
                walk(dotted + ".", value)
            else:
                flat[dotted] = value

    walk("", raw)
    return flat


def _is_plural(value: Mapping[str, Any]) -> bool:
    return set(value) == {"one", "other"} and all(isinstance(v, str) for v in value.values())


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    """Whether the catalogue has ``key``."""
    return key in catalogue(lang)


def plural_form(n: float, lang: str) -> str:
    """``"one"`` or ``"other"``: the form ``n`` takes in ``lang``."""
    rule = PLURAL_RULES[catalogue(lang)["meta.plural"]]
    return "one" if rule(n) else "other"


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang``, formatted with ``values``.

    A text with plural forms takes the form of ``values["n"]`` (a number); ``n`` itself is
    shown as given, so format it first (:func:`hlmsim.i18n.formats.fmt_num`) and pass the
    number as ``count`` when the shown ``n`` is a string: ``t(key, lang, n="1,5", count=1.5)``.
    """
    entry = catalogue(lang)[key]
    if isinstance(entry, Mapping):
        count = values.get("count", values.get("n"))
        if count is None:
            raise KeyError(f"{key}: a text with plural forms needs n (or count)")
        entry = entry[plural_form(float(count), lang)]
    if isinstance(entry, list):  # a list of lines, joined
        entry = "\n".join(entry)
    return entry.format(**values) if values else entry


def unit_label(unit: str, lang: str = DEFAULT_LANG) -> str:
    """A unit in ``lang``: the whole unit from the catalogue's ``[units]`` if it is there, else
    each word of ``"<thing> / <period>"`` (a word it lacks, such as ``$``, is kept)."""
    if has(f"units.{unit}", lang):
        return t(f"units.{unit}", lang)
    return " / ".join(
        t(f"units.{part}", lang) if has(f"units.{part}", lang) else part
        for part in unit.split(" / ")
    )


def pick(pair: Sequence[str], lang: str) -> str:
    """The member of an ``(English, French)`` pair (a label beside its declaration) in ``lang``."""
    return pair[LANGS.index(check_lang(lang))]


def localized(obj: Any, lang: str, field: str = "") -> str:
    """An object's text in ``lang``: attribute ``en``/``fr`` (or ``field_en``/``field_fr``), or a
    mapping's key of that name. Falls back to English when the French is empty."""
    check_lang(lang)
    name = f"{field}_{lang}" if field else lang
    fallback = f"{field}_{DEFAULT_LANG}" if field else DEFAULT_LANG
    get = obj.get if isinstance(obj, Mapping) else lambda k, d=None: getattr(obj, k, d)
    return get(name) or get(fallback) or ""


def placeholders(text: Any) -> set[str]:
    """The ``{names}`` a catalogue entry uses (all its plural forms together)."""
    if isinstance(text, Mapping):
        return set().union(*(placeholders(v) for v in text.values()))
    if isinstance(text, list):
        text = "\n".join(text)
    return {f[1].split(".")[0].split("[")[0] for f in string.Formatter().parse(text) if f[1]}


__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "catalogue",
    "check_lang",
    "has",
    "localized",
    "pick",
    "placeholders",
    "plural_form",
    "t",
    "unit_label",
]
