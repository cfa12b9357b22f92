"""Profile the workshop app's server while a few sessions play (where the CPU goes).

Runs the classroom load benchmark (``benchmarks/bench_app.py``: the server pinned to one core,
Chromium on the other, N sessions playing M months at one month a second, then submitting) with
the server under a CPU-weighted stack sampler, then prints where the server's CPU went, in
milliseconds per session-month (server CPU in the profile / (sessions x months)):

* by area (the package of the innermost frame: hlmsim's modules, reacton, solara, ipywidgets,
  the websocket and JSON layers, ...), own time;
* the top functions by own time and by inclusive time (a function and what it calls).

cProfile does not fit: the server renders in several threads (each page's player thread, the
websocket handlers), and Python 3.12's cProfile mixes their stacks. The sampler here is a thread
of the server that, every ``--interval`` seconds, reads each thread's CPU clock
(``pthread_getcpuclockid``) and its current stack (``sys._current_frames``) and charges the CPU
the thread used since the last sample to that stack. A thread that worked and then blocked has
the tail of its work charged to where it blocked (``wait``, ``sleep``): those rows are small
and read as such. The server runs with a GIL switch interval of 0.5 ms (5 ms by default) so
that the sampler lands anywhere in a busy thread, not only where the thread releases the GIL
(socket writes, sleeps), which would charge its CPU to those places. The sampler's own CPU is
left out of the profile but counted by the benchmark's CPU figures (a few percent).

Usage::

    .venv/bin/python benchmarks/profile_app.py                 # 3 sessions, 24 months
    .venv/bin/python benchmarks/profile_app.py --sessions 5 --top 40 --phase play
    .venv/bin/python benchmarks/profile_app.py --save /tmp/app.stacks   # collapsed stacks
    # (flamegraph.pl /tmp/app.stacks > app.svg, or speedscope /tmp/app.stacks)

``--phase play`` keeps the samples taken while the sessions play (the default: every phase,
from the first page load to the board); the phases' CPU is printed either way.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Areas of the profile, by a path fragment of the innermost frame's file (first match).
AREAS: tuple[tuple[str, str], ...] = (
    ("hlmsim/app/svg", "hlmsim.app.svg (pictures)"),
    ("hlmsim/app/page", "hlmsim.app.page (views' HTML)"),
    ("hlmsim/app/", "hlmsim.app (other)"),
    ("hlmsim/i18n", "hlmsim.i18n (texts, numbers)"),
    ("hlmsim/", "hlmsim (model)"),
    ("/reacton/", "reacton (rendering, reconciling)"),
    ("/solara/", "solara"),
    ("/ipywidgets/", "ipywidgets (widget state)"),
    ("/ipyvue/", "ipyvue/ipyvuetify"),
    ("/ipyvuetify/", "ipyvue/ipyvuetify"),
    ("/traitlets/", "traitlets"),
    ("/json/", "json"),
    ("/starlette/", "server (starlette, uvicorn, websockets)"),
    ("/uvicorn/", "server (starlette, uvicorn, websockets)"),
    ("/websockets/", "server (starlette, uvicorn, websockets)"),
    ("/anyio/", "server (starlette, uvicorn, websockets)"),
    ("/asyncio/", "asyncio"),
    ("/numpy/", "numpy"),
    ("/pandas/", "pandas"),
    ("threading.py", "threads (waits, locks)"),
)


#: The server's GIL switch interval under the profiler (Python's default: 5 ms).
SWITCH_INTERVAL = 0.0005


def area_of(filename: str) -> str:
    for fragment, name in AREAS:
        if fragment in filename:
            return name
    return "other (stdlib, ...)"


class Sampler(threading.Thread):
    """CPU-weighted stack sampling of every other thread of this process (see the module)."""

    def __init__(self, interval: float = 0.004) -> None:
        super().__init__(daemon=True, name="profile-app-sampler")
        self.interval = interval
        self.stop = threading.Event()
        self.phase = "open"
        self.stacks: collections.Counter[tuple[str, tuple[str, ...]]] = collections.Counter()
        self._last: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            phase = self.phase
            mine = {th.ident for th in threading.enumerate() if th.name.startswith("profile-app")}
            for tid, frame in sys._current_frames().items():
                if tid in mine:
                    continue
                try:
                    cpu = time.clock_gettime(time.pthread_getcpuclockid(tid))
                except (OSError, OverflowError):
                    continue
                used = cpu - self._last.get(tid, cpu)
                self._last[tid] = cpu
                if used <= 0:
                    continue
                stack = []
                f: Any = frame
                while f is not None:
                    code = f.f_code
                    stack.append(f"{code.co_qualname} ({code.co_filename}:{code.co_firstlineno})")
                    f = f.f_back
                self.stacks[(phase, tuple(reversed(stack)))] += used

    def dump(self, path: Path) -> None:
        rows = [[phase, list(stack), cpu] for (phase, stack), cpu in list(self.stacks.items())]
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows), encoding="utf-8")
        tmp.replace(path)


def serve(argv: list[str]) -> int:
    """The server side: ``hlmsim app --classroom`` in this process, under the sampler; the
    samples go to ``HLMSIM_PROFILE_OUT`` when the server stops (SIGTERM). The sampler's phase
    follows the file ``HLMSIM_PROFILE_OUT + '.phase'``, written by the driver."""
    from hlmsim.app import cli, gate

    out = Path(os.environ["HLMSIM_PROFILE_OUT"])
    port = int(argv[-1])
    code = gate.new_code()
    os.environ.update(cli.server_env("en", code=code))
    print(f"hlmsim app: join code: {code}", flush=True)
    sampler = Sampler(float(os.environ.get("HLMSIM_PROFILE_INTERVAL", "0.004")))
    phase_file = Path(str(out) + ".phase")

    def follow_phase() -> None:  # and write the samples every second (the server may be
        # killed before it returns)
        n = 0
        while not sampler.stop.wait(0.1):
            if phase_file.exists():
                sampler.phase = phase_file.read_text().strip() or sampler.phase
            n += 1
            if n % 10 == 0:
                sampler.dump(out)

    sampler.start()
    threading.Thread(target=follow_phase, daemon=True, name="profile-app-phase").start()
    # a short switch interval, so that the sampler takes the GIL at any point of a busy thread
    # (not only where it releases it: sockets, sleeps), which would bias the stacks
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        return gate.main(["--host", "127.0.0.1", "--port", str(port)])
    finally:
        sampler.stop.set()
        sampler.join()
        sampler.dump(out)


def load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_app", ROOT / "benchmarks" / "bench_app.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_app"] = bench
    spec.loader.exec_module(bench)
    return bench


def short(fn: str) -> str:
    """A function's name with its file relative to site-packages or the repository."""
    for marker in ("site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in fn:
            head, _, tail = fn.partition(marker)
            return head.rsplit("(", 1)[0] + "(" + tail if "(" in head else tail
    return fn


def summarise(rows: list[list[Any]], per: float, top: int, phase: str | None) -> str:
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    areas: collections.Counter[str] = collections.Counter()
    total = 0.0
    for ph, stack, cpu in rows:
        if phase and ph != phase:
            continue
        total += cpu
        own[stack[-1]] += cpu
        areas[area_of(stack[-1].rsplit("(", 1)[-1])] += cpu
        for fn in set(stack):
            incl[fn] += cpu
    lines = [
        f"profiled server CPU{f' ({phase} phase)' if phase else ''}: {total:.1f} s ="
        f" {total * 1000 / per:.1f} ms per session-month",
        "",
        f"{'ms/sm':>7} {'share':>6}  area (own time of the innermost frame)",
    ]
    for name, cpu in areas.most_common():
        lines.append(f"{cpu * 1000 / per:7.2f} {cpu / total:6.1%}  {name}")
    for title, counter in (("own time", own), ("inclusive time", incl)):
        lines += ["", f"{'ms/sm':>7} {'share':>6}  top {top} functions by {title}"]
        for fn, cpu in counter.most_common(top):
            lines.append(f"{cpu * 1000 / per:7.2f} {cpu / total:6.1%}  {short(fn)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=3)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--top", type=int, default=30, help="rows per table of functions")
    ap.add_argument("--interval", type=float, default=0.004, help="sampling interval (s)")
    ap.add_argument("--phase", choices=("open", "play", "submit"), help="only this phase")
    ap.add_argument(
        "--save", type=Path, help="write the samples as collapsed stacks here (phase first)"
    )
    args = ap.parse_args(argv)
    bench = load_bench()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "samples.json"
        os.environ["HLMSIM_PROFILE_OUT"] = str(out)
        os.environ["HLMSIM_PROFILE_INTERVAL"] = str(args.interval)
        phase_file = Path(str(out) + ".phase")
        original = bench.drive

        def drive(*a: Any) -> Any:  # the benchmark's driver, telling the sampler the phase
            *head, outer = a

            def phase(name: str) -> None:
                phase_file.write_text(name)
                outer(name)

            return original(*head, phase)

        bench.drive = drive
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        result = bench.run(args.sessions, args.months, command=command)
        rows = json.loads(out.read_text()) if out.exists() else []
    print(bench.report(result))
    print()
    print(summarise(rows, args.sessions * args.months, args.top, args.phase))
    if args.save:
        with args.save.open("w", encoding="utf-8") as f:
            for ph, stack, cpu in rows:
                if args.phase and ph != args.phase:
                    continue
                frames = ";".join(short(s) for s in stack)
                f.write(f"[{ph}];{frames} {round(cpu * 1e6)}\n")
        print(f"collapsed stacks (microseconds of CPU): {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
