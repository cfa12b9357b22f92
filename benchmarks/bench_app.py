"""Load benchmark of the workshop app in classroom mode (issue 15).

Starts ``hlmsim app --classroom`` pinned to one core and drives N concurrent sessions from
Debian's Chromium (Playwright contexts, one per team) pinned to another core. Each session opens
the join address, names its team, plays 24 months at one month a second and submits its design
to the board; then the board is opened and must list every team. Reported:

* month-to-screen latency: for every month of every session, the time from the server's step
  (the page's ``data-at`` stamp on the month number, epoch milliseconds) to the first animation
  frame of the browser that shows it (same computer, same clock): median, p90 and max;
* errors: script errors in the pages, sessions that did not reach the last month or whose
  submission was not acknowledged, errors in the server's log, teams missing on the board;
* server CPU per session-month (user + system CPU of the server's processes over the run,
  divided by sessions x months) and the server's peak memory (resident set, sampled);
* browser CPU per session-month (user + system CPU of Chromium's processes, the same phases:
  opening the pages, playing, submitting), and what one page (the first) cost while playing by
  Chromium's own counters (CDP ``Performance.getMetrics``: script, style, layout, all tasks);
* what the server sends per month: the bytes of the websocket messages the first page received
  while playing, per month, and by view (the texts of the month's update, by slot).

Targets: no error, p90 latency under 1 s, peak memory under 4 GB (PASS/FAIL printed). Figures
are written to ``results/bench_app.json``. ``--sessions 5`` is what the test suite runs
(tests/test_bench_app.py, timings reported, not asserted).

Usage: ``python benchmarks/bench_app.py [--sessions 30] [--months 24] [--out FILE]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
TARGET_P90_MS = 1000.0
TARGET_MEMORY_GB = 4.0

#: Records, for each month the page shows, the time from the server's step to the first
#: animation frame that shows it (Date.now() and the stamp share this computer's clock). It
#: watches the page for changes and asks for one animation frame after each: a sampler that
#: asked for every frame (as it did until 2026-12-01) kept every page drawing 60 frames a
#: second, which cost the browser more than the page itself.
SAMPLER_JS = """() => {
    window.__lat = {};
    let asked = false;
    const sample = () => {
        asked = false;
        const m = document.querySelector('[data-testid=month]');
        if (m) {
            const n = Number(m.textContent);
            const at = Number(m.getAttribute('data-at'));
            if (n > 0 && at > 0 && !(n in window.__lat)) window.__lat[n] = Date.now() - at;
        }
    };
    new MutationObserver(() => {
        if (!asked) { asked = true; requestAnimationFrame(sample); }
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cores() -> tuple[set[int], set[int]]:
    """The server's core and the browser's (the same one on a single-core machine)."""
    avail = sorted(os.sched_getaffinity(0))
    return {avail[0]}, {avail[1] if len(avail) > 1 else avail[0]}


@contextlib.contextmanager
def classroom_server(
    log_path: Path, core: set[int], command: list[str] | None = None
) -> Iterator[tuple[str, str, int]]:
    """``hlmsim app --classroom`` on a free port, pinned to ``core``; yields (base URL, join
    code, server pid). ``command`` replaces ``hlmsim app --classroom`` (the port is appended;
    it must print ``join code: CODE``): benchmarks/profile_app.py serves under its profiler."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "SOLARA_HOST", "PORT")}
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba-cache"))
    if command is None:
        command = [sys.executable, "-m", "hlmsim.app.cli", "--classroom", "--port"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: os.sched_setaffinity(0, core),
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        import urllib.request

        deadline = time.monotonic() + 90
        code = ""
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited:\n{log_path.read_text()}")
            found = re.search(r"join code: (\w+)", log_path.read_text(errors="replace"))
            if found:
                code = found.group(1)
                try:
                    with urllib.request.urlopen(f"{base}?code={code}", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in 90 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base, code, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class ServerWatch:
    """CPU time and peak resident memory of the server's process tree, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def procs(self) -> list[Any]:
        import psutil

        out = [self.root]
        with contextlib.suppress(psutil.Error):
            out += self.root.children(recursive=True)
        return out

    def cpu(self) -> float:
        import psutil

        total = 0.0
        for p in self.procs():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            rss = 0
            for p in self.procs():
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            self.peak = max(self.peak, rss)
            self._stop.wait(0.2)

    def __enter__(self) -> ServerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class BrowserWatch:
    """CPU time of this process's Chromium descendants (the browser, its renderers, GPU and
    utility processes; not Playwright's driver). A process that exited is no longer counted:
    read it while the pages are open."""

    def cpu(self) -> float:
        return sum(self.by_kind().values())

    def by_kind(self) -> dict[str, float]:
        """CPU seconds by kind of process: ``browser``, ``renderer`` (the pages), ``gpu``
        (software compositing here), ``utility`` (network...), ``other``."""
        import psutil

        out: dict[str, float] = {}
        with contextlib.suppress(psutil.Error):
            for p in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if "chrom" not in p.name().lower():
                        continue
                    kind = "browser"
                    for arg in p.cmdline():
                        if arg.startswith("--type="):
                            kind = arg.removeprefix("--type=")
                            kind = (
                                kind if kind in ("renderer", "gpu-process", "utility") else "other"
                            )
                            kind = kind.removesuffix("-process")
                    t = p.cpu_times()
                    out[kind] = out.get(kind, 0.0) + t.user + t.system
        return out


#: Chromium's counters (CDP Performance.getMetrics) kept for one page, in seconds or counts.
CDP_METRICS = (
    "TaskDuration",
    "ScriptDuration",
    "RecalcStyleDuration",
    "LayoutDuration",
    "RecalcStyleCount",
    "LayoutCount",
    "Nodes",
)


def cdp_metrics(cdp: Any) -> dict[str, float]:
    got = {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: got.get(k, 0.0) for k in CDP_METRICS}


class FrameSizes:
    """The websocket messages one page receives: their sizes, and for the views' updates (the
    LiveStore's ``patch``) the bytes of each slot's text."""

    def __init__(self) -> None:
        self.on = False
        self.messages: list[int] = []
        self.views: dict[str, list[int]] = {}
        self.updates = 0

    def attach(self, ws: Any) -> None:
        ws.on("framereceived", self.frame)

    def frame(self, payload: str | bytes) -> None:
        if not self.on:
            return
        data = payload.encode() if isinstance(payload, str) else payload
        self.messages.append(len(data))
        if b'"patch"' not in data:
            return
        with contextlib.suppress(ValueError, TypeError, AttributeError, KeyError):
            msg = json.loads(data)
            state = msg["content"]["data"]["state"]
            html = state["patch"]["html"]
            self.updates += 1
            for name, text in html.items():
                self.views.setdefault(name, []).append(len(text.encode()))

    def summary(self, months: int) -> dict[str, Any]:
        n = max(months, 1)
        return {
            "messages": len(self.messages),
            "bytes": sum(self.messages),
            "bytes_per_month": sum(self.messages) / n,
            "updates": self.updates,
            "view_bytes_per_month": {k: sum(v) / n for k, v in sorted(self.views.items())},
            "view_updates": {k: len(v) for k, v in sorted(self.views.items())},
        }


def drive(
    sessions: int,
    months: int,
    base: str,
    code: str,
    core: set[int],
    phase: Callable[[str], None] = lambda name: None,
) -> dict[str, Any]:
    """The N sessions in one Chromium (pinned to ``core``): latencies and errors. ``phase`` is
    called with ``"play"`` when every page is open and about to play, and with ``"submit"``
    when they have all played and paused."""
    os.sched_setaffinity(0, core)  # Playwright's driver and Chromium inherit it
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    errors: list[str] = []
    join = f"{base}?code={code}"
    sizes = FrameSizes()
    cdp: Any = None
    metrics: dict[str, dict[str, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            headless=True,
        )
        pages = []
        try:
            for k in range(sessions):
                ctx = browser.new_context(viewport={"width": 1280, "height": 720})
                pg = ctx.new_page()
                pg.set_default_timeout(120_000)
                pg.on("pageerror", lambda exc, k=k: errors.append(f"session {k}: {exc}"))
                if k == 0:
                    pg.on("websocket", sizes.attach)
                    cdp = ctx.new_cdp_session(pg)
                    cdp.send("Performance.enable")
                pg.goto(join)
                pg.wait_for_selector("[data-testid=month]")
                pg.fill(".hlm-team input", f"team-{k:02d}")
                pg.click(".hlm-select-speed")
                pg.locator(".v-overlay-container .v-list-item").first.click()  # 1 month/s
                pg.evaluate(SAMPLER_JS)
                pages.append(pg)
            phase("play")
            metrics["play_start"] = cdp_metrics(cdp)
            sizes.on = True
            for pg in pages:  # every session plays at once
                pg.click(".hlm-play")
            deadline = time.monotonic() + months * 4 + 120
            for k, pg in enumerate(pages):
                left = max(deadline - time.monotonic(), 1.0) * 1000
                try:
                    pg.wait_for_function(
                        f"() => Number(document.querySelector('[data-testid=month]')"
                        f".textContent) >= {months}",
                        polling=250,  # not every animation frame: that would keep it drawing
                        timeout=left,
                    )
                except Exception:
                    errors.append(f"session {k}: did not reach month {months}")
            sizes.on = False
            metrics["play_end"] = cdp_metrics(cdp)
            for pg in pages:
                with contextlib.suppress(Exception):
                    pg.click(".hlm-pause", timeout=5_000)
                lat = pg.evaluate("() => window.__lat")
                latencies += [float(v) for m, v in lat.items() if int(m) <= months]
            phase("submit")
            for pg in pages:
                pg.click(".hlm-submit")
            for k, pg in enumerate(pages):
                try:
                    pg.wait_for_selector("[data-testid=submit-message]", timeout=120_000)
                except Exception:
                    errors.append(f"session {k}: submission not acknowledged")
            board = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
            board.goto(f"{base}board?code={code}")
            board.wait_for_selector("[data-testid=board-title]", timeout=120_000)
            for k in range(sessions):
                if board.locator(f"[data-testid='design-team-{k:02d}']").count() != 1:
                    errors.append(f"team-{k:02d} missing on the board")
            phase("end")  # the browser's CPU is read before its processes exit
        finally:
            browser.close()
    page0 = {}
    if "play_end" in metrics:
        a, b = metrics["play_start"], metrics["play_end"]
        page0 = {k: b[k] - a[k] for k in CDP_METRICS if k != "Nodes"} | {"Nodes": b["Nodes"]}
    return {
        "latencies_ms": latencies,
        "errors": errors,
        "sent": sizes.summary(months),
        "page0_play": page0,
    }


def percentile(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")


def run(sessions: int = 30, months: int = 24, command: list[str] | None = None) -> dict[str, Any]:
    """The benchmark; returns its figures (see the module's docstring). ``command``: see
    :func:`classroom_server`."""
    server_core, browser_core = cores()
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "server.log"
        with (
            classroom_server(log_path, server_core, command) as (base, code, pid),
            ServerWatch(pid) as watch,
        ):
            bwatch = BrowserWatch()
            cpu0 = watch.cpu()
            t0 = time.monotonic()
            marks: dict[str, tuple[float, float]] = {}  # phase: (server CPU, wall) at its start
            bmarks: dict[str, float] = {}  # phase: browser CPU at its start ("end": at the end)
            kinds: dict[str, dict[str, float]] = {}  # the same by kind of process

            def mark(name: str) -> None:
                kinds[name] = bwatch.by_kind()
                bmarks[name] = sum(kinds[name].values())
                if name != "end":
                    marks[name] = (watch.cpu(), time.monotonic())

            result: dict[str, Any] = {}
            # the browser side in a thread of its own (its affinity is the browser's core)
            done = threading.Event()

            def target() -> None:
                try:
                    result.update(
                        drive(
                            sessions,
                            months,
                            base,
                            code,
                            browser_core,
                            mark,
                        )
                    )
                except Exception as err:  # reported as an error of the run
                    result.update(
                        {
                            "latencies_ms": [],
                            "errors": [f"driver: {err!r}"],
                            "sent": {},
                            "page0_play": {},
                        }
                    )
                finally:
                    done.set()

            threading.Thread(target=target, daemon=True).start()
            done.wait()
            wall = time.monotonic() - t0
            cpu_end = watch.cpu()
            cpu = cpu_end - cpu0
            peak = watch.peak
            log = log_path.read_text(errors="replace")
    # server CPU by phase: opening the pages, playing, submitting (own run and board replays)
    bounds = [("open", cpu0, t0)]
    bounds += [(k, *marks[k]) for k in ("play", "submit") if k in marks]
    ends = [*(b[1] for b in bounds[1:]), cpu_end]
    walls = [*(b[2] for b in bounds[1:]), t0 + wall]
    phases = {
        name: {"cpu_s": end - c, "wall_s": w_end - w}
        for (name, c, w), end, w_end in zip(bounds, ends, walls, strict=True)
    }
    # the browser's CPU by phase (from its launch: "open" includes starting Chromium)
    bnames = [k for k in ("play", "submit", "end") if k in bmarks]
    bphases: dict[str, float] = {}
    prev, prev_name = 0.0, "open"
    for k in bnames:
        bphases[prev_name] = bmarks[k] - prev
        prev, prev_name = bmarks[k], k
    sm = max(sessions * months, 1)
    play_kinds = {}
    if "play" in kinds and "submit" in kinds:
        a, b = kinds["play"], kinds["submit"]
        play_kinds = {k: (b[k] - a.get(k, 0.0)) * 1000 / sm for k in sorted(b)}
    errors = list(result["errors"])
    if "Traceback" in log:
        errors.append("the server's log has a traceback:\n" + log[-2000:])
    lat = result["latencies_ms"]
    out = {
        "sessions": sessions,
        "months": months,
        "speed_months_per_s": 1,
        "server_core": sorted(server_core),
        "browser_core": sorted(browser_core),
        "latency_ms": {
            "n": len(lat),
            "median": statistics.median(lat) if lat else float("nan"),
            "p90": percentile(lat, 0.9),
            "max": max(lat) if lat else float("nan"),
        },
        "errors": errors,
        "server_cpu_s": cpu,
        "server_cpu_ms_per_session_month": cpu * 1000 / max(sessions * months, 1),
        "server_cpu_phases": phases,
        "play_cpu_ms_per_session_month": (
            phases["play"]["cpu_s"] * 1000 / max(sessions * months, 1)
            if "play" in phases
            else float("nan")
        ),
        "browser_cpu_s": sum(bphases.values()),
        "browser_cpu_ms_per_session_month": sum(bphases.values()) * 1000 / sm,
        "browser_cpu_phases": bphases,
        "browser_play_cpu_ms_per_session_month": bphases.get("play", float("nan")) * 1000 / sm,
        "browser_play_ms_per_session_month_by_process": play_kinds,
        "page0_play": result.get("page0_play", {}),
        "sent": result.get("sent", {}),
        "server_peak_memory_gb": peak / 1e9,
        "wall_s": wall,
    }
    out["pass"] = {
        "no_error": not errors,
        "p90_under_1s": out["latency_ms"]["p90"] < TARGET_P90_MS,
        "memory_under_4gb": out["server_peak_memory_gb"] < TARGET_MEMORY_GB,
    }
    return out


def report(out: dict[str, Any]) -> str:
    lat = out["latency_ms"]
    ok = out["pass"]
    lines = [
        f"{out['sessions']} sessions x {out['months']} months at 1 month/s"
        f" (server on core {out['server_core']}, Chromium on core {out['browser_core']})",
        f"month-to-screen latency: median {lat['median']:.0f} ms, p90 {lat['p90']:.0f} ms,"
        f" max {lat['max']:.0f} ms (n={lat['n']})"
        f"  [{'PASS' if ok['p90_under_1s'] else 'FAIL'}: p90 < 1 s]",
        f"errors: {len(out['errors'])}  [{'PASS' if ok['no_error'] else 'FAIL'}]",
        *(f"  - {e}" for e in out["errors"][:20]),
        f"server CPU: {out['server_cpu_ms_per_session_month']:.1f} ms per session-month"
        f" ({out['server_cpu_s']:.1f} s in {out['wall_s']:.0f} s); playing alone:"
        f" {out['play_cpu_ms_per_session_month']:.1f} ms per session-month",
        "  by phase: "
        + ", ".join(
            f"{k} {v['cpu_s']:.1f} s CPU in {v['wall_s']:.0f} s"
            for k, v in out["server_cpu_phases"].items()
        ),
        f"browser CPU: {out['browser_cpu_ms_per_session_month']:.1f} ms per session-month"
        f" ({out['browser_cpu_s']:.1f} s); playing alone:"
        f" {out['browser_play_cpu_ms_per_session_month']:.1f} ms per session-month",
        "  by phase: "
        + ", ".join(f"{k} {v:.1f} s CPU" for k, v in out["browser_cpu_phases"].items())
        + "; playing, ms per session-month by process: "
        + ", ".join(
            f"{k} {v:.1f}" for k, v in out["browser_play_ms_per_session_month_by_process"].items()
        ),
        *page0_lines(out),
        f"server peak memory: {out['server_peak_memory_gb']:.2f} GB"
        f"  [{'PASS' if ok['memory_under_4gb'] else 'FAIL'}: < 4 GB]",
    ]
    return "\n".join(lines)


def page0_lines(out: dict[str, Any]) -> list[str]:
    """One page's figures while playing: Chromium's counters and the bytes it received."""
    lines = []
    m, months = out.get("page0_play") or {}, max(out["months"], 1)
    if m:
        lines.append(
            "one page playing (Chromium's counters), per month: "
            + ", ".join(
                f"{k.removesuffix('Duration').lower()} {m[k] * 1000 / months:.1f} ms"
                for k in ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")
            )
            + f"; {m['LayoutCount'] / months:.1f} layouts, {m['RecalcStyleCount'] / months:.1f}"
            f" style recalcs; {m['Nodes']:.0f} DOM nodes"
        )
    sent = out.get("sent") or {}
    if sent:
        lines.append(
            f"sent to one page while playing: {sent['bytes_per_month'] / 1000:.1f} kB per month"
            f" ({sent['messages']} messages, {sent['updates']} view updates); views, kB per"
            " month: "
            + ", ".join(f"{k} {v / 1000:.1f}" for k, v in sent["view_bytes_per_month"].items())
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_app.json")
    args = parser.parse_args(argv)
    out = run(args.sessions, args.months)
    print(report(out))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"figures: {args.out}")
    return 0 if all(out["pass"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
