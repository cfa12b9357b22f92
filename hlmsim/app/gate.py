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


class CodeGate:
    """An ASGI middleware that refuses every request without the join code."""

    def __init__(self, app: Any, code: str) -> None:
        if not code:
            raise ValueError("a join code is required")
        self.app = app
        self.code = code.upper()

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
        if not in_address or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = f"{COOKIE}={self.code}; Path=/; SameSite=Strict; HttpOnly".encode()

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", cookie)],
                }
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def build_app() -> CodeGate:
    """Solara's app behind the code in ``HLMSIM_APP_CODE``."""
    code = os.environ.get(CODE_ENV, "")
    if not code:
        raise SystemExit(
            f"hlmsim: error: {CODE_ENV} is not set (start with `hlmsim app --classroom`)"
        )
    from solara.server.starlette import app as solara_app

    return CodeGate(solara_app, code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hlmsim.app.gate")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    import uvicorn

    os.environ.setdefault("SOLARA_MODE", "production")
    uvicorn.run(build_app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
