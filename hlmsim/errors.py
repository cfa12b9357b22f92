"""Errors raised for bad user input (scenario files, arguments): reported in one line, with a
suggestion of the names meant where a name is unknown (:func:`suggest`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(Exception):
    """Bad input: a malformed or unknown key, a wrong type, an out-of-range value, a missing file.

    ``str(err)`` is one line naming the file, the key and what is allowed.
    """

    def __init__(self, message: str, source: str | None = None, key: str | None = None) -> None:
        self.source = source
        self.key = key
        self.detail = message
        parts = [p for p in (source, key) if p]
        super().__init__(": ".join([*parts, message]))


def close_names(word: str, valid: Iterable[str], n: int = 3) -> list[str]:
    """The valid names ``word`` may have meant, best first, at most ``n``: the same name in
    other case, names that start with it, names that contain it (or that it contains), each
    group the shortest (then alphabetically) first, then names close to it in spelling, in
    any case (:func:`difflib.get_close_matches`, the closest first)."""
    names = list(dict.fromkeys(str(v) for v in valid))
    w = str(word).strip().lower()
    if not w:
        return []
    lower = {v: v.lower() for v in names}
    by_lower = {low: v for v, low in lower.items()}

    def shortest_first(matches: Iterable[str]) -> list[str]:
        return sorted(matches, key=lambda v: (len(v), v))

    found = [v for v in names if lower[v] == w]
    found += shortest_first(v for v in names if lower[v].startswith(w))
    if len(w) >= 3:
        found += shortest_first(v for v in names if w in lower[v])
        found += shortest_first(v for v in names if len(lower[v]) >= 3 and lower[v] in w)
    found += difflib.get_close_matches(str(word).strip(), names, n=n, cutoff=0.6)
    found += [by_lower[m] for m in difflib.get_close_matches(w, list(by_lower), n=n, cutoff=0.6)]
    return [v for v in dict.fromkeys(found) if v != word][:n]


def suggest(word: str, valid: Iterable[str]) -> str:
    """`` (did you mean: a, b?)`` for the valid names ``word`` may have meant
    (:func:`close_names`), or nothing. The one suggestion helper of every message."""
    close = close_names(word, valid)
    return f" (did you mean: {', '.join(close)}?)" if close else ""
