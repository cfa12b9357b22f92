"""A corpus of bad input files, made outside the repository, and every one given to the command
that reads its kind, each in a subprocess: each must be answered with exit code 2, one line on
stderr (``hlmsim: error: ...``, no traceback) and nothing written (issue 16: hardening).

The corpus is not shipped: it is generated into a temporary folder (or ``--keep DIR``) from the
shipped files, for each kind of input file (scenario, experiment, calibration, targets catalogue,
pattern): random bytes, an empty file, a folder, a file too large, UTF-16 text, malformed TOML,
NaN, nesting too deep, a special file, a missing file, a value of the wrong type, a value out of
range, an unknown key, a file of another kind; and resources beyond the machine (a scenario of a
billion households, a sweep of a hundred million runs).

Commands, run from an empty working folder (so that a default output folder would show):

- scenario: ``hlmsim scenarios check FILE``
- experiment: ``hlmsim sweep FILE --dry-run --out OUT``
- calibration: ``hlmsim calibrate FILE --dry-run --out OUT``
- targets catalogue: ``hlmsim targets --catalogue FILE --out OUT``
- pattern: ``hlmsim patterns --dir FOLDER --out OUT``

Usage (from the repository root)::

    .venv/bin/python benchmarks/bad_inputs.py                # the whole corpus (a few minutes)
    .venv/bin/python benchmarks/bad_inputs.py --every 9      # every 9th item
    .venv/bin/python benchmarks/bad_inputs.py --keep /tmp/corpus --list

``tests/test_bad_inputs.py`` runs a reduced corpus.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hlmsim"
#: A valid file of each kind, the start of the files with one bad value.
VALID = {
    "scenario": PACKAGE / "scenarios" / "default.toml",
    "experiment": PACKAGE / "experiments" / "staff_turnover.toml",
    "calibration": PACKAGE / "calibrations" / "default.toml",
    "catalogue": PACKAGE / "targets" / "catalogue.toml",
    "pattern": PACKAGE / "experiments" / "patterns" / "p07_association.toml",
}
#: Per kind: a key whose value is replaced by a text, one set out of range, an unknown key.
WRONG_TYPE = {
    "scenario": ("months", "ten years"),
    "experiment": ("replications", "many"),
    "calibration": ("population", [300]),
    "catalogue": ("target", "all of them"),
    "pattern": ("months", {"value": 120}),
}
OUT_OF_RANGE = {
    "scenario": ("months", 100_000),
    "experiment": ("replications", 0),
    "calibration": ("population", 1),
    "catalogue": ("target", []),
    "pattern": ("finding", 99),
}


@dataclass(frozen=True)
class Item:
    """One bad input: its kind, what is wrong, and the path given (a file or a folder)."""

    kind: str
    case: str
    path: Path


def _toml(value: Any) -> str:
    import json
    import math

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if not (isinstance(value, float) and math.isnan(value)) else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _dumps(doc: dict[str, Any]) -> str:
    import json

    return "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in doc.items())


def make_corpus(folder: Path) -> list[Item]:
    """Write the corpus into ``folder`` (one subfolder per item); return its items."""
    folder.mkdir(parents=True, exist_ok=True)
    items: list[Item] = []

    def add(kind: str, case: str, content: bytes | str | None, name: str = "input.toml") -> None:
        where = folder / f"{kind}-{len(items):03d}"
        where.mkdir()
        path = where / name
        if isinstance(content, str):
            content = content.encode()
        if content is None:
            path.mkdir()
        elif case == "a special file":
            path.symlink_to("/dev/zero")
        elif case != "a missing file":
            path.write_bytes(content)
        if kind == "calibration":  # the stored screening table its file names
            shutil.copy(PACKAGE / "calibrations" / "default-screening.parquet", where)
        items.append(Item(kind, case, path))

    others = {k: tomllib.loads(p.read_text()) for k, p in VALID.items()}
    for kind, valid in VALID.items():
        doc = dict(others[kind])
        add(kind, "random bytes", os.urandom(3000).replace(b"\x00", b"\xff") + b"\xff")
        add(kind, "an empty file", b"")
        add(kind, "a folder", None)
        add(kind, "a file too large", b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
        add(kind, "UTF-16 text", valid.read_text().encode("utf-16"))
        add(kind, "malformed TOML", valid.read_text() + '\nbroken = "unclosed\n')
        add(kind, "NaN", valid.read_text() + "\nnot_a_number = nan\n")
        add(kind, "nesting too deep", "x = " + "[" * 40 + "]" * 40 + "\n")
        add(kind, "a special file", b"")
        add(kind, "a missing file", b"")
        key, value = WRONG_TYPE[kind]
        add(kind, f"{key}: wrong type", _dumps({**doc, key: value}))
        key, value = OUT_OF_RANGE[kind]
        add(kind, f"{key}: out of range", _dumps({**doc, key: value}))
        add(kind, "an unknown key", _dumps({**doc, "colour": "blue"}))
        other = "experiment" if kind == "scenario" else "scenario"
        add(kind, f"a file of another kind ({other})", _dumps(others[other]))
    ens = "".join("[[milieux.ensembles]]\nunits = 5000\n" for _ in range(20))
    add(
        "scenario",
        "a billion households (resources)",
        f'name = "big"\nmonths = 120\n[[milieux]]\nname = "m"\ncopies = 10000\n{ens}',
    )
    add(
        "experiment",
        "a hundred million runs (resources)",
        'name = "huge"\nbase = "default"\nreplications = 100000\n[sampler]\nmethod = "latin"\n'
        "seed = 1\nsamples = 1000\n[parameters]\nworker_fte = { range = [0.5, 2] }\n",
    )
    return items


def command(item: Item, out: Path) -> list[str]:
    """The command that reads ``item``'s kind, checking it only where it can."""
    f, o = str(item.path), str(out)
    return {
        "scenario": ["scenarios", "check", f],
        "experiment": ["sweep", f, "--dry-run", "--out", o],
        "calibration": ["calibrate", f, "--dry-run", "--out", o],
        "catalogue": ["targets", "--catalogue", f, "--out", o],
        "pattern": ["patterns", "--dir", str(item.path.parent), "--out", o],
    }[item.kind]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p)] = (0, 0)
        else:
            st = p.stat()
            out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


def check_item(item: Item, work: Path, hlmsim: list[str]) -> str | None:
    """Run ``item``'s command in a subprocess from the empty folder ``work``; None when it is
    answered as it should be, else what went wrong."""
    out = work / "out"
    before = _snapshot(item.path.parent)
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [*hlmsim, *command(item, out)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    lines = proc.stderr.strip().splitlines()
    problems = []
    if proc.returncode != 2:
        problems.append(f"exit {proc.returncode}")
    if len(lines) != 1 or not lines[0].startswith("hlmsim: error: "):
        problems.append(f"stderr of {len(lines)} lines: {proc.stderr.strip()[-300:]!r}")
    if "Traceback" in proc.stderr:
        problems.append("a traceback")
    if out.exists() or any(work.iterdir()):
        problems.append(f"wrote {sorted(p.name for p in work.iterdir())}")
    if _snapshot(item.path.parent) != before:
        problems.append("changed the input's folder")
    return "; ".join(problems) or None


def run(items: list[Item], verbose: bool = True) -> list[tuple[Item, str]]:
    """Every item through its command; the failures (item, what went wrong)."""
    hlmsim = [sys.executable, "-m", "hlmsim"]
    failures = []
    with tempfile.TemporaryDirectory(prefix="hlmsim-work-") as tmp:
        for i, item in enumerate(items):
            work = Path(tmp) / f"w{i}"
            work.mkdir()
            problem = check_item(item, work, hlmsim)
            if problem:
                failures.append((item, problem))
            if verbose:
                verdict = "ok" if problem is None else f"FAIL: {problem}"
                print(f"{item.kind:12} {item.case:40} {verdict}", flush=True)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--keep", metavar="DIR", help="write the corpus here (kept)")
    parser.add_argument("--every", type=int, default=1, metavar="N", help="every N-th item")
    parser.add_argument("--list", action="store_true", help="list the corpus; run nothing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hlmsim-corpus-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        if folder.resolve().is_relative_to(ROOT):
            parser.error("the corpus is kept outside the repository")
        items = make_corpus(folder)[:: max(1, args.every)]
        if args.list:
            for item in items:
                print(f"{item.kind:12} {item.case:40} {item.path}")
            return 0
        failures = run(items)
    print(f"{len(items) - len(failures)} of {len(items)} bad inputs answered in one line, exit 2")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
