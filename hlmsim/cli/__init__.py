"""The ``hlmsim`` command line: the top-level parser, gathering one module per command group.

- :mod:`hlmsim.cli.run`: ``hlmsim run``, one scenario with one seed;
- :mod:`hlmsim.cli.compare`: ``hlmsim compare``, paired replications of arrangements;
- :mod:`hlmsim.cli.patterns`: ``hlmsim patterns``, the pattern-oriented validation;
- :mod:`hlmsim.cli.targets`: ``hlmsim targets``, the model against the targets catalogue;
- :mod:`hlmsim.cli.calibrate`: ``hlmsim calibrate``, ABC-SMC against the calibration targets;
- :mod:`hlmsim.cli.scenarios`: ``hlmsim scenarios list|show|check``;
- :mod:`hlmsim.sweep.cli`: ``hlmsim sweep`` and ``hlmsim analyze``;
- :mod:`hlmsim.app.cli`: ``hlmsim app``, the workshop app (started in a separate process, never
  imported here).

Each group module has ``add_parser(subparsers)`` and a ``main_<command>(args)`` that returns the
exit code; shared helpers are in :mod:`hlmsim.cli.common` and :mod:`hlmsim.cliutil`. Every text
the commands print in English or French comes from the ``[cli]`` section of the catalogue
(:mod:`hlmsim.i18n`).

Every bad input (a scenario file's unknown key, wrong type or out-of-range value, a missing or
malformed file, an unknown arrangement, a bad number on the command line) is reported as one
line ``hlmsim: error: <message>`` on stderr with exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable

from .. import __version__
from ..app.cli import add_parser as add_app_parser
from ..app.cli import main_app
from ..cliutil import Parser, report_error
from ..errors import InputError
from ..mechanisms import _threads
from ..sweep.cli import add_parsers as add_sweep_parsers
from ..sweep.cli import main_analyze, main_sweep
from . import calibrate, compare, patterns, run, scenarios, targets

#: Each command's handler: it takes the parsed arguments and returns the exit code.
HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": run.main_run,
    "compare": compare.main_compare,
    "patterns": patterns.main_patterns,
    "targets": targets.main_targets,
    "calibrate": calibrate.main_calibrate,
    "scenarios": scenarios.main_scenarios,
    "sweep": main_sweep,
    "analyze": main_analyze,
    "app": main_app,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hlmsim``."""
    parser = Parser(
        prog="hlmsim",
        description="Agent-based simulation of proximity intervention in Québec public housing.",
        epilog=(
            f"environment: {_threads.ENV}=N, the threads a run of "
            f"{_threads.MIN_HOUSEHOLDS:,} households or more shares its kernels among (default: "
            "the cores; one in worker processes; results identical for any N); NUMBA_CACHE_DIR, "
            "where the compiled kernels are cached (default: ~/.cache/hlmsim/kernels)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"hlmsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run.add_parser(sub)
    compare.add_parser(sub)
    patterns.add_parser(sub)
    targets.add_parser(sub)
    calibrate.add_parser(sub)
    scenarios.add_parser(sub)
    add_sweep_parsers(sub)
    add_app_parser(sub)
    return parser


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """The parser, built once a process (parsing leaves it as it was): in-process callers, such
    as the fuzz tests' thousands of checks, do not build it again each time."""
    return build_parser()


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return HANDLERS[args.command](args)
    except InputError as err:
        return report_error(err)
    except KeyboardInterrupt:
        print("hlmsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hlmsim scenarios show default | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
