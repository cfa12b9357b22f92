"""Small helpers shared by the command-line modules (hlmsim.cli, hlmsim.sweep.cli)."""

from __future__ import annotations

import sys

from .errors import InputError


def one_line(text: str) -> str:
    """A message folded onto one line."""
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def report_error(err: BaseException) -> int:
    """Print ``hlmsim: error: <message>`` on one line to stderr; return exit code 2."""
    print(f"hlmsim: error: {one_line(str(err))}", file=sys.stderr)
    return 2


def whole_number(text: str | None, key: str, minimum: int) -> int | None:
    """A whole number given on the command line, at least ``minimum`` (None stays None)."""
    if text is None:
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InputError(
            f"must be a whole number of at least {minimum} (got {text!r})", key=key
        ) from None
    if value < minimum:
        raise InputError(f"must be a whole number of at least {minimum} (got {value})", key=key)
    return value
