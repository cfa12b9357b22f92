"""``hlmsim app``: serve the workshop app (Solara) on this computer.

The server listens on 127.0.0.1 unless ``--host`` names another address, in which case it warns
that anyone who can reach that address can use the app. It never takes its address from the
environment (Solara's ``HOST`` / ``SOLARA_HOST``): the address is always passed explicitly.
``--ensemble FILE|calibrated`` is checked here, before the server starts (a bad file: one line,
exit 2); the page reads the file named in ``HLMSIM_APP_ENSEMBLE``.

Wiring into ``hlmsim.cli``::

    from .app.cli import add_parser as add_app_parser, main_app
    add_app_parser(sub)            # in build_parser(), with the other subcommands
    handlers["app"] = main_app     # in main()

Front-end assets come from the ``solara-assets`` package through Solara's local asset server,
so the page works with no internet access; telemetry and version checks are off.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..cliutil import Parser
from ..errors import InputError
from ..i18n import DEFAULT_LANG, LANGS
from .gate import CODE_ENV, new_code

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP_MODULE = "hlmsim.app.page"
#: The server's environment variable naming the ensemble file the page draws parameters from.
ENSEMBLE_ENV = "HLMSIM_APP_ENSEMBLE"
#: Set to 1 by ``--debug``: the page shows its timings.
DEBUG_ENV = "HLMSIM_APP_DEBUG"


def is_loopback(host: str) -> bool:
    """True for addresses of this computer only: 127.0.0.0/8, ::1, ``localhost``."""
    h = host.strip().strip("[]").lower()
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def resolve_host(host: str | None, explicit: bool) -> tuple[str, str | None]:
    """The address to listen on and a warning (or None).

    ``host=None`` means this computer (127.0.0.1). A non-loopback address is accepted only when
    ``explicit`` (given with ``--host``), with a warning; otherwise :class:`InputError`.
    """
    if host is None or host.strip() == "":
        return DEFAULT_HOST, None
    if is_loopback(host):
        return host, None
    if not explicit:
        raise InputError(
            f"refusing to serve the app on '{host}' (beyond this computer) unless it is given"
            " explicitly with --host",
            key="host",
        )
    return host, (
        f"warning: the app listens on {host}: anyone who can reach this address and port can"
        " use it (no password). Use the default (127.0.0.1) to keep it on this computer."
    )


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on ``host:port`` (or the address cannot be used)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host.strip("[]"), port))
        except OSError:
            return True
    return False


def add_parser(subparsers: Any) -> None:
    """Register the ``app`` subcommand on an argparse subparsers object."""
    p = subparsers.add_parser(
        "app",
        help="serve the workshop app in the browser (this computer only by default)",
        description="Serve the live, bilingual workshop app (Solara) and print its address."
        " It listens on 127.0.0.1 (this computer only) unless --host names another address.",
    )
    p.add_argument(
        "--host",
        default=None,
        metavar="ADDRESS",
        help=f"address to listen on (default: {DEFAULT_HOST}, this computer only; another"
        " address, e.g. 0.0.0.0, opens the app to the network, with a warning)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port, 1-65535 (default: {DEFAULT_PORT})",
    )
    p.add_argument(
        "--lang",
        choices=LANGS,
        default=DEFAULT_LANG,
        help=f"starting language (default: {DEFAULT_LANG})",
    )
    p.add_argument(
        "--ensemble",
        default=None,
        metavar="FILE|calibrated",
        help="run the worlds on a parameter set drawn by weight from a calibrated ensemble (a"
        " file written by `hlmsim calibrate`, or `calibrated` for the one shipped for the"
        " default scenario): one set per seed, the same for both arrangements side by side;"
        " the levers still apply on top",
    )

    p.add_argument(
        "--classroom",
        action="store_true",
        help="classroom mode: print a join address and a join code; every page (and the"
        " facilitator's board at /board) needs the code; teams submit their designs to the board",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="show the developer's timings on the page (model, pictures, page update)",
    )


def server_command(host: str, port: int) -> list[str]:
    """The command that runs the Solara server for the app."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


def classroom_command(host: str, port: int) -> list[str]:
    """The command that serves the app behind its join code (:mod:`hlmsim.app.gate`)."""
    return [sys.executable, "-m", "hlmsim.app.gate", "--host", host, "--port", str(port)]


def join_host(host: str) -> str:
    """The address to print for others to join: this computer's address on the local network
    when listening on every address (no packet is sent to find it), else ``host``."""
    if host not in ("0.0.0.0", "::", "[::]"):
        return f"[{host}]" if ":" in host else host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))  # a UDP "connection" only picks the route
            return str(s.getsockname()[0])
        except OSError:
            return host


def server_env(
    lang: str,
    base: dict[str, str] | None = None,
    ensemble: str | None = None,
    debug: bool = False,
    code: str | None = None,
) -> dict[str, str]:
    """The server's environment: starting language, the ensemble file (if any), debug mode,
    the join code (classroom mode), offline assets, no telemetry."""
    env = dict(os.environ if base is None else base)
    for k in ("HOST", "SOLARA_HOST", "PORT", "SOLARA_APP", ENSEMBLE_ENV, DEBUG_ENV, CODE_ENV):
        env.pop(k, None)
    if code:
        env[CODE_ENV] = code
        env["SOLARA_APP"] = APP_MODULE
        env["SOLARA_MODE"] = "production"
    if ensemble:
        env[ENSEMBLE_ENV] = ensemble
    if debug:
        env[DEBUG_ENV] = "1"
    env.update(
        {
            "HLMSIM_APP_LANG": lang,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_ASSETS_PROXY": "True",  # serve front-end assets locally (solara-assets)
            "SOLARA_THEME_LOADER": "plain",
        }
    )
    # plain http on this computer: Solara's note about cross-site cookies does not apply
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), quiet) if w)
    return env


def main_app(args: argparse.Namespace) -> int:
    """Run ``hlmsim app`` until interrupted. Returns the exit code."""
    port = int(args.port)
    if not 1 <= port <= 65535:
        raise InputError(f"must be between 1 and 65535 (got {port})", key="--port")
    host, warning = resolve_host(args.host, explicit=args.host is not None)
    ensemble = None
    if getattr(args, "ensemble", None) is not None:
        from ..calibrate.posterior import resolve_ensemble  # numpy, pandas: only when asked

        ensemble = str(Path(resolve_ensemble(args.ensemble).source).resolve())
    if port_in_use(host, port):
        raise InputError(
            f"cannot listen on {host}:{port} (already in use?); choose another port with --port",
            key="--port",
        )
    classroom = bool(getattr(args, "classroom", False))
    if warning and classroom:
        warning = (
            f"warning: the app listens on {host}: anyone who can reach this address and port"
            " and knows the join code can use it and see the board. Use the default (127.0.0.1)"
            " to keep it on this computer."
        )
    if warning:
        print(f"hlmsim: {warning}", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    code = new_code() if classroom else None
    if code:
        where = f"http://{join_host(host)}:{port}"
        print(f"hlmsim app: classroom mode (language: {args.lang}; Ctrl-C to stop)")
        print(f"hlmsim app: teams join at {where}/?code={code}")
        print(f"hlmsim app: join code: {code}")
        print(f"hlmsim app: the board: {where}/board?code={code}")
        print("hlmsim app: nothing is kept after the server stops, except the board's export")
    else:
        print(f"hlmsim app: http://{shown}:{port}/  (language: {args.lang}; Ctrl-C to stop)")
    if ensemble:
        print(f"hlmsim app: parameters drawn from the ensemble {ensemble}")
    sys.stdout.flush()
    env = server_env(
        args.lang, ensemble=ensemble, debug=bool(getattr(args, "debug", False)), code=code
    )
    proc = subprocess.Popen(
        classroom_command(host, port) if code else server_command(host, port), env=env
    )

    def stop(*_: Any) -> None:  # SIGTERM to hlmsim stops the server too
        proc.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        status = proc.wait()  # (``code`` is the join code)
        return 0 if status in (-signal.SIGTERM, -signal.SIGINT) else status
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """``python -m hlmsim.app.cli [--host H] [--port N] [--lang fr] [--ensemble FILE]`` (before
    the wiring into ``hlmsim``)."""
    parser = Parser(prog="hlmsim")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["app", *(sys.argv[1:] if argv is None else argv)])
    try:
        return main_app(args)
    except InputError as err:
        print(f"hlmsim: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
