"""Numbers, percentages, money, ranges and plurals as each language writes them.

Every convention comes from the ``[formats]`` section of the language's catalogue file (decimal
mark, thousands separator, where the percent and dollar signs go, the word between the ends of a
range, the colon and its space), so that no code chooses a format by comparing a language code.
"""

from __future__ import annotations

import math
from typing import Any

from . import catalogue, t

MINUS = "\u2212"
DASH = "–"  # a missing value


def _f(lang: str, name: str) -> str:
    return catalogue(lang)[f"formats.{name}"]


def finite(x: Any) -> bool:
    """Whether ``x`` is a finite number."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_num(x: Any, decimals: int, lang: str, sign: bool = False) -> str:
    """A number with the language's thousands separator and decimal mark, a real minus sign, and
    a ``+`` when ``sign`` is true and the rounded value is not zero; "–" when not finite.
    A value that rounds to zero is shown without sign (never "−0,00")."""
    if not finite(x):
        return DASH
    x = float(x)
    s = f"{abs(x):,.{decimals}f}"
    s = s.replace(",", "\0").replace(".", _f(lang, "decimal")).replace("\0", _f(lang, "thousands"))
    zero = round(abs(x), decimals) == 0
    if x < 0 and not zero:
        return MINUS + s
    return ("+" + s) if sign and not zero else s


def fmt_pct(x: Any, lang: str, decimals: int = 0, sign: bool = False) -> str:
    """A share (0.35) as a percentage: ``35%`` in English, ``35 %`` in French."""
    if not finite(x):
        return DASH
    return _f(lang, "percent").format(n=fmt_num(100 * float(x), decimals, lang, sign))


def fmt_money(x: Any, lang: str, sign: bool = False, decimals: int = 0) -> str:
    """Dollars: ``$1,234`` (``−$12``, ``+$12``) in English, ``1 234 $`` in French."""
    if not finite(x):
        return DASH
    s = fmt_num(x, decimals, lang, sign)
    head = s[0] if s[0] in "+" + MINUS else ""
    return head + _f(lang, "money").format(n=s[len(head) :])


def fmt_range(lo: str, hi: str, lang: str) -> str:
    """An interval's two ends: ``1 to 3``, ``1 à 3``."""
    return _f(lang, "range").format(lo=lo, hi=hi)


def colon(lang: str) -> str:
    """A colon and its spaces (French puts a narrow no-break space before it)."""
    return _f(lang, "colon")


def label_value(label: str, value: str, lang: str) -> str:
    """``label: value`` with the language's colon."""
    return f"{label}{colon(lang)}{value}"


def quote(s: str, lang: str) -> str:
    """Quotation marks as the language writes them."""
    return _f(lang, "quote").format(s=s)


def count(n: float, key: str, lang: str, decimals: int = 0) -> str:
    """A count with its noun in the right plural form: ``count(1, "common.milieux", "fr")`` gives
    "1 milieu". ``key`` is a catalogue text with plural forms that uses ``{n}``."""
    return t(key, lang, n=fmt_num(n, decimals, lang), count=round(float(n), decimals))


def round_sig(x: float, sig: int = 3) -> float:
    """``x`` rounded to ``sig`` significant digits (never to a fraction of a unit above 1)."""
    if not finite(x) or x == 0:
        return x
    digits = sig - int(math.floor(math.log10(abs(x)))) - 1
    return round(x, min(digits, 0) if abs(x) >= 1 else digits)
