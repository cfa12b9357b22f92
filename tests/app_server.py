"""Start ``hlmsim app`` for a browser test: a free port of 127.0.0.1, no internet for the
server (any outbound HTTP(S) goes to a closed local port), stopped (its process group) when
the block ends; the server's log is checked for errors raised in the app."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(args: list[str], log_path: Path) -> Iterator[str]:
    """``python -m hlmsim.app.cli --port N *args``; yields its URL once it answers (with
    ``--classroom``: the join address, ``?code=`` included)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "SOLARA_HOST", "PORT")}
    dead = f"http://127.0.0.1:{free_port()}"
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[k] = env[k.lower()] = dead
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hlmsim.app.cli", "--port", str(port), *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with the server below
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app server exited ({proc.returncode}):\n{log_path.read_text()}")
            code = re.search(r"join code: (\w+)", log_path.read_text(errors="replace"))
            if "--classroom" in args and code is None:
                time.sleep(0.2)
                continue
            probe = url + (f"?code={code.group(1)}" if code else "")
            try:
                with urllib.request.urlopen(probe, timeout=2) as r:
                    if r.status == 200:
                        url = probe
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not answer in 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()  # hlmsim app stops its Solara server on SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log_text = log_path.read_text(errors="replace")
    assert "Could not load URL" not in log_text, f"the server needed the internet:\n{log_text}"
    assert "hlmsim/app/" not in log_text, f"the app raised an error on the server:\n{log_text}"
