"""The classroom server: the app behind its join code (``hlmsim app --classroom``).

:class:`CodeGate` wraps an ASGI application: a request (page, asset, websocket) passes only
with the join code, either in the address (``?code=CODE``, which also sets a cookie for the
page's later requests) or in that cookie; anything else gets 403 (a websocket is closed before
it opens). ``python -m hlmsim.app.gate --host H --port N`` serves Solara's app (the page module
named in ``SOLARA_APP``) behind the code in ``HLMSIM_APP_CODE`` with uvicorn, as Solara's own
``solara run`` would, in production mode.
"""

from __future__ import annotations

import argparse
import hmac
import os
import secrets
import sys
import threading
import urllib.parse
from http.cookies import SimpleCookie
from typing import Any

#: The server's environment variable holding the join code (classroom mode only).
CODE_ENV = "HLMSIM_APP_CODE"
COOKIE = "hlmsim_code"
#: Join codes use letters and digits that cannot be mistaken for one another when read aloud
#: or from a projector (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code(length: int = CODE_LENGTH) -> str:
    """A random join code (about 30 bits with the default length)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _code_of(scope: dict[str, Any]) -> tuple[str | None, bool]:
    """The code a request carries and whether it came in the address."""
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "code" in query:
        return query["code"][-1].strip().upper(), True
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
            if COOKIE in jar:
                return jar[COOKIE].value.strip().upper(), False
    return None, False


#: Paths of Solara's front-end files (scripts, styles, fonts): the same bytes for every page.
STATIC_PREFIXES: tuple[str, ...] = ("/_solara/cdn/", "/static/", "/jupyter/nbextensions/")
#: At most this many bytes of responses kept by :class:`StaticCache`.
STATIC_CACHE_BYTES = 64 * 1024 * 1024


class StaticCache:
    """The responses to plain GET requests for Solara's front-end files, kept in memory as they
    were sent (compressed by Solara's gzip middleware): without it, each team's first page
    compresses the same few megabytes of scripts again (about a quarter of a second of the
    server's CPU per page). Only complete 200 responses without a cookie of their own are kept;
    conditional and range requests go to the app."""

    def __init__(self, limit: int = STATIC_CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self.responses: dict[tuple[str, bytes, bool], tuple[dict[str, Any], bytes]] = {}

    @staticmethod
    def key(scope: dict[str, Any]) -> tuple[str, bytes, bool] | None:
        """The request's key, or None when it is not one to answer from the cache."""
        if scope["type"] != "http" or scope.get("method") != "GET":
            return None
        path = scope.get("path", "")
        if not path.startswith(STATIC_PREFIXES):
            return None
        gzip = False
        for name, value in scope.get("headers", []):
            if name in (b"range", b"if-none-match", b"if-modified-since", b"if-range"):
                return None
            if name == b"accept-encoding":
                gzip = b"gzip" in value
        return path, scope.get("query_string", b""), gzip

    async def serve(self, key: tuple[str, bytes, bool], send: Any) -> bool:
        """Answer from the cache; False when the response is not kept."""
        hit = self.responses.get(key)
        if hit is None:
            return False
        start, body = hit
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return True

    def recorder(self, key: tuple[str, bytes, bool], send: Any) -> Any:
        """A ``send`` that passes the response on and keeps it when it can be kept."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def record(message: dict[str, Any]) -> None:
            await send(message)
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    own_cookie = any(k == b"set-cookie" for k, _ in start.get("headers", []))
                    fits = self.size + len(body) <= self.limit
                    if not own_cookie and fits and key not in self.responses:
                        self.responses[key] = (dict(start), body)
                        self.size += len(body)

        return record


class CodeGate:
    """An ASGI middleware that refuses every request without the join code (and answers the
    front-end files from a :class:`StaticCache`)."""

    def __init__(self, app: Any, code: str) -> None:
        if not code:
            raise ValueError("a join code is required")
        self.app = app
        self.code = code.upper()
        self.cache = StaticCache()

    def allowed(self, scope: dict[str, Any]) -> tuple[bool, bool]:
        code, in_address = _code_of(scope)
        ok = code is not None and hmac.compare_digest(code.encode(), self.code.encode())
        return ok, in_address

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        ok, in_address = self.allowed(scope)
        if not ok:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = (
                b"hlmsim: this page needs the join code (open the address the facilitator gave)\n"
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if in_address and scope["type"] == "http":
            cookie = f"{COOKIE}={self.code}; Path=/; SameSite=Strict; HttpOnly".encode()
            plain_send = send

            async def send_with_cookie(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message = {
                        **message,
                        "headers": [*message.get("headers", []), (b"set-cookie", cookie)],
                    }
                await plain_send(message)

            send = send_with_cookie
        key = self.cache.key(scope)
        if key is None:
            await self.app(scope, receive, send)
        elif not await self.cache.serve(key, send):
            await self.app(scope, receive, self.cache.recorder(key, send))


def build_app() -> CodeGate:
    """Solara's app behind the code in ``HLMSIM_APP_CODE``."""
    code = os.environ.get(CODE_ENV, "")
    if not code:
        raise SystemExit(
            f"hlmsim: error: {CODE_ENV} is not set (start with `hlmsim app --classroom`)"
        )
    from solara.server.starlette import app as solara_app

    return CodeGate(solara_app, code)


def warm_up() -> None:
    """Load, while the server starts, what the first teams would otherwise wait for: the
    model's compiled kernels (from numba's cache, single runs and the board's replicates) and
    scipy.stats (the board's intervals). Separate models: nothing of the teams' runs changes."""
    try:
        from scipy import stats  # noqa: F401

        from ..model import HLMModel
        from ..scenario import load_scenario

        scen = load_scenario("default")
        HLMModel(scen, seed=0, agents=False).step()
        HLMModel(scen, seed=0, agents=False, replicates=2).step()
    except Exception:  # only a warm-up: the pages load the same on first use
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hlmsim.app.gate")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    import uvicorn

    os.environ.setdefault("SOLARA_MODE", "production")
    threading.Thread(target=warm_up, daemon=True, name="hlmsim-warm-up").start()
    uvicorn.run(build_app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
