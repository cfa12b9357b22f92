"""Errors raised for bad user input (scenario files, arguments): reported in one line."""

from __future__ import annotations


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
