"""Helpers shared by the command groups of :mod:`hlmsim.cli`: the console, the ``--lang`` option,
the progress bar, and safe folder names (name suggestions: :func:`hlmsim.errors.suggest`).

One-line errors and whole numbers given on the command line are in :mod:`hlmsim.cliutil`, shared
with :mod:`hlmsim.sweep.cli`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from ..errors import InputError
from ..i18n import LANGS, t


def console() -> Console:
    """A console on the current stdout, wide enough for tables when not a terminal."""
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(
        file=sys.stdout, width=160 if wide else None, markup=False, highlight=False, emoji=False
    )


def add_lang(p: argparse.ArgumentParser) -> None:
    """``--lang`` for commands that print labels (argparse checks the value)."""
    p.add_argument("--lang", choices=LANGS, default="en", help="language of labels (default: en)")


def add_report_lang(p: argparse.ArgumentParser) -> None:
    """``--lang`` for commands that write a report (checked by :func:`check_lang_option`, so that
    a bad value gives the one-line error of every other input)."""
    p.add_argument(
        "--lang", default="en", metavar="{en,fr}", help="language of the report (default: en)"
    )


def check_lang_option(lang: str) -> str:
    """``--lang``'s value if it is a catalogue language; an :class:`InputError` otherwise."""
    if lang not in LANGS:
        raise InputError(f"must be {' or '.join(LANGS)} (got {lang!r})", key="--lang")
    return lang


def safe_name(name: str) -> str:
    """A scenario name made safe for a folder name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"


def with_progress(run: Callable[[Callable[[int, int], None]], Any], label: str) -> Any:
    """Call ``run(progress)`` with a progress bar on stderr (when it is a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    err = Console(stderr=True, markup=False, highlight=False, emoji=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(progress)


def add_seed_workers(p: Any) -> None:
    """The ``--seed`` and ``--workers`` options of the commands that replicate runs (checked later,
    so that a bad value gives the one-line error of every other input)."""
    p.add_argument("--seed", default="0", metavar="S", help="random seed, >= 0 (default: 0)")
    p.add_argument(
        "--workers",
        default=None,
        metavar="N",
        help="worker processes (default: all cores); results do not depend on it",
    )


def write_report(
    write: Callable[[], Path],
    out: Path,
    lang: str,
    summarise: Callable[[], None],
    report: bool = True,
) -> None:
    """Write a job's outputs (``write()`` returns the folder written), print its summary, then
    the files written and the report's path. A write that fails is a one-line input error
    naming the folder."""
    try:
        written = write()
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(out)) from None
    summarise()
    files = ", ".join(sorted(p.name for p in written.iterdir()))
    print(t("cli.wrote", lang, folder=out, files=files))
    if report:
        print(t("cli.report", lang, path=out / "report.html"))
