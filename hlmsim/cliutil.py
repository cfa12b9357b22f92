"""Small helpers shared by the command-line modules (hlmsim.cli, hlmsim.sweep.cli, hlmsim.app.cli):
the argument parser, one-line errors and whole numbers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .errors import InputError, suggest


class Parser(argparse.ArgumentParser):
    """The argument parser of every ``hlmsim`` command and subcommand (subparsers are made of
    the same class): option names are never abbreviated (``allow_abbrev=False``: ``--out`` is
    not read as ``--outcome``), and an unknown option is reported with the options it may have
    meant, by the subcommand that was given it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        ns, extra = self.parse_known_args(args, namespace)
        if extra:
            leaf = self._leaf(ns)
            leaf.error(f"unrecognized arguments: {' '.join(extra)}{leaf._hint(extra)}")
        return ns

    def error(self, message: str) -> NoReturn:
        """A usage error on one line (``hlmsim run: error: ... (see hlmsim run --help)``), exit
        code 2: the usage summary is for ``--help``."""
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")

    def _leaf(self, ns: argparse.Namespace) -> argparse.ArgumentParser:
        """The (sub)parser of the subcommand given on the command line."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and action.dest:
                chosen = action.choices.get(getattr(ns, action.dest, None) or "")
                if isinstance(chosen, Parser):
                    return chosen._leaf(ns)
                if chosen is not None:
                    return chosen
        return self

    def _hint(self, extra: Sequence[str]) -> str:
        """Options close to the first unknown one (`` (did you mean: --outcome?)``)."""
        unknown = next((e for e in extra if e.startswith("--")), None)
        if unknown is None:
            return ""
        options = [o for o in self._option_string_actions if o.startswith("--")]
        return suggest(unknown.split("=", 1)[0], options)


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
