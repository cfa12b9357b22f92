"""Fuzz tests (issue 16, item 5): generated input files through every reader and every
check-only command, in-process. Whatever the bytes, the answer is a valid object (exit 0) or a
one-line :class:`~hlmsim.errors.InputError` (exit 2, one line on stderr, no traceback), never
another exception, and nothing is written.

Each kind of input file gets :data:`EXAMPLES` generated files (1,000 by default): random bytes,
random TOML documents (keys of every kind of file and random ones, values of every type, nested)
and, most of them, a shipped file with one or two values replaced by a boundary value or a
value of the wrong type (or removed), at any key, however deep. The examples are derandomised
(the same files on every run, no example database), so that CI is reproducible;
``HLMSIM_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py`` searches longer.

- scenario files: ``hlmsim scenarios check FILE``;
- experiment files: ``hlmsim sweep FILE --dry-run``;
- calibration files: ``hlmsim calibrate FILE --dry-run`` (in ``test_fuzz_calibration.py``, so
  that the two files run side by side on two cores);
- targets catalogues: :func:`hlmsim.targets.catalogue.load_catalogue` (``hlmsim targets
  --catalogue`` has no check-only mode: it reads the file with this function first);
- pattern files: :func:`hlmsim.patterns.load_pattern` (likewise for ``hlmsim patterns``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlmsim.cli import main
from hlmsim.errors import InputError
from hlmsim.inputfile import KINDS, MAX_FLOAT, MAX_INT, MAX_TEXT_CHARS
from hlmsim.patterns import PatternSpec, load_pattern
from hlmsim.targets.catalogue import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hlmsim"
#: The valid file each kind's mutations start from.
VALID = {
    "scenario": PACKAGE / "scenarios" / "study_mix.toml",
    "experiment": PACKAGE / "experiments" / "staff_turnover.toml",
    "calibration": PACKAGE / "calibrations" / "default.toml",
    "catalogue": PACKAGE / "targets" / "catalogue.toml",
    "pattern": PACKAGE / "experiments" / "patterns" / "p10b_departure_dip.toml",
}
EXAMPLES = int(os.environ.get("HLMSIM_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- writing TOML ----------------------------------------------------------------------------


def toml_value(v: Any) -> str:
    """A value as inline TOML (tables inline, arrays of anything)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string (\uXXXX escapes; a lone surrogate is refused)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
        )
    raise TypeError(type(v))


def dumps(doc: dict[str, Any]) -> str:
    """A document as TOML text: one top-level key a line."""
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in doc.items())


def test_the_writer_round_trips() -> None:
    for path in VALID.values():
        doc = tomllib.loads(path.read_text())
        assert tomllib.loads(dumps(doc)) == doc


# --- generated files -------------------------------------------------------------------------

#: Boundary values and values of every type, put in place of a valid file's values.
ODD_VALUES: list[Any] = [
    0,
    -1,
    1,
    2,
    MAX_INT,
    -MAX_INT - 1,
    2**31,
    0.0,
    -0.0,
    0.5,
    1.0000001,
    -1e-9,
    1e-320,
    MAX_FLOAT,
    -MAX_FLOAT,
    1e15 + 1,
    1e300,
    float("nan"),
    float("inf"),
    True,
    False,
    "",
    " ",
    "x",
    "default",
    "0.5",
    "\u202f",
    "a" * MAX_TEXT_CHARS,
    "../../etc/passwd",
    "/dev/zero",
    [],
    [0],
    [1, 2, 3],
    ["x"],
    [[]],
    [{}],
    {},
    {"x": 1},
    {"name": "m"},
]

keys = st.text(max_size=12) | st.sampled_from(
    sorted({k for _, marks, _ in KINDS.values() for k in marks} | {"name", "base", "params"})
)
scalars = (
    st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.booleans()
    | st.sampled_from(ODD_VALUES[:30])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
random_documents = st.dictionaries(keys, values, max_size=8).map(lambda d: dumps(d).encode())
random_bytes = st.binary(max_size=400)


def paths(doc: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and array item of a document, however deep (tables and arrays too)."""
    out = [where] if where else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths(v, (*where, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths(v, (*where, i))
    return out


_REMOVE = object()


def replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``doc`` with the value at ``path`` replaced (or removed: :data:`_REMOVE`)."""
    if not path:
        return value
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    head, rest = path[0], path[1:]
    if rest:
        copy[head] = replaced(doc[head], rest, value)
    elif value is _REMOVE:
        del copy[head]
    else:
        copy[head] = value
    return copy


def near(value: Any) -> list[Any]:
    """Values next to a valid one: its boundary neighbours and its negation."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [str(value)] if not isinstance(value, (dict, list)) else []
    out: list[Any] = [-value, value * 1000, value + 1, value - 1]
    if isinstance(value, float):
        out += [math.nextafter(value, math.inf), math.nextafter(value, -math.inf)]
    else:
        out += [float(value), value + 0.5]
    return out


def valid_doc(kind: str) -> dict[str, Any]:
    """The valid file of ``kind`` as a table (the catalogue: its first eight targets, every
    target having the same keys, so that a check reads 8 kB rather than 60)."""
    doc = tomllib.loads(VALID[kind].read_text())
    if kind == "catalogue":
        doc["target"] = doc["target"][:8]
    return doc


def mutations(kind: str) -> st.SearchStrategy[bytes]:
    doc = valid_doc(kind)
    where = paths(doc)

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        out = doc
        for _ in range(draw(st.integers(1, 2))):
            path = draw(st.sampled_from(where))
            try:
                current: Any = out
                for p in path:
                    current = current[p]
            except (KeyError, IndexError, TypeError):  # removed by the first mutation
                continue
            value = draw(st.sampled_from([_REMOVE, *ODD_VALUES, *near(current)]) | values)
            out = replaced(out, path, value)
        return dumps(out).encode()

    return mutated()


def inputs(kind: str) -> st.SearchStrategy[bytes]:
    """Random bytes (1 in 10), random TOML documents (2 in 10), mutations of a valid file."""
    mutated = mutations(kind)
    return st.integers(0, 9).flatmap(
        lambda i: random_bytes if i == 0 else (random_documents if i < 3 else mutated)
    )


# --- the checks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where generated files are written (with the calibration's stored screening table, which
    the calibration file names relative to itself)."""
    path = tmp_path_factory.mktemp("fuzz")
    shutil.copy(PACKAGE / "calibrations" / "default-screening.parquet", path)
    return path


def _command(argv: list[str], out: Path) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    assert not out.exists(), argv  # a check writes nothing
    return code, stdout.getvalue(), stderr.getvalue()


def _answered(code: int, stdout: str, stderr: str) -> None:
    """Exit 0 with an ``ok:`` line, or exit 2 with one error line and no traceback."""
    if code == 0:
        assert stdout.startswith("ok: "), stdout
        return
    assert code == 2, (code, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hlmsim: error: "), stderr
    assert "Traceback" not in stderr


COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "scenario": lambda f, out: ["scenarios", "check", str(f)],
    "experiment": lambda f, out: ["sweep", str(f), "--dry-run", "--out", str(out)],
    "calibration": lambda f, out: ["calibrate", str(f), "--dry-run", "--out", str(out)],
}
READERS: dict[str, tuple[Callable[[Path], Any], type]] = {
    "catalogue": (load_catalogue, Catalogue),
    "pattern": (load_pattern, PatternSpec),
}


def _check_command(kind: str, content: bytes, folder: Path) -> None:
    path = folder / f"{kind}.toml"
    path.write_bytes(content)
    out = folder / "out"
    _answered(*_command(COMMANDS[kind](path, out), out))


def _check_reader(kind: str, content: bytes, folder: Path) -> None:
    path = folder / f"{kind}.toml"
    path.write_bytes(content)
    read, cls = READERS[kind]
    try:
        obj = read(path)
    except InputError as err:
        assert "\n" not in str(err) and str(err), repr(err)
        assert err.source is not None and str(path) in str(err), str(err)
    else:
        assert isinstance(obj, cls)


@FUZZ
@given(content=inputs("scenario"))
def test_scenarios_check_answers_any_file(folder: Path, content: bytes) -> None:
    _check_command("scenario", content, folder)


@FUZZ
@given(content=inputs("experiment"))
def test_sweep_dry_run_answers_any_file(folder: Path, content: bytes) -> None:
    _check_command("experiment", content, folder)


@FUZZ
@given(content=inputs("catalogue"))
def test_the_catalogue_reader_answers_any_file(folder: Path, content: bytes) -> None:
    _check_reader("catalogue", content, folder)


@FUZZ
@given(content=inputs("pattern"))
def test_the_pattern_reader_answers_any_file(folder: Path, content: bytes) -> None:
    _check_reader("pattern", content, folder)


@pytest.mark.parametrize("kind", list(VALID))
def test_a_wrong_type_at_every_key_is_answered(kind: str, folder: Path) -> None:
    """Not left to chance: a table, a text and a negative number at every key of the valid file
    (the catalogue: of its first target), each answered."""
    doc = valid_doc(kind)
    where = paths(doc)
    if kind == "catalogue":
        where = [p for p in where if p[:2] == ("target", 0) or len(p) == 1]
    assert len(where) >= 10
    for path in where:
        for value in ({"x": 1}, "x", -1):
            content = dumps(replaced(doc, path, value)).encode()
            if kind in COMMANDS:
                _check_command(kind, content, folder)
            else:
                _check_reader(kind, content, folder)


@pytest.mark.parametrize("kind", list(VALID))
def test_the_valid_files_are_valid(kind: str, folder: Path) -> None:
    content = dumps(valid_doc(kind)).encode()
    if kind in COMMANDS:
        path = folder / f"{kind}.toml"
        path.write_bytes(content)
        out = folder / "out"
        code, stdout, stderr = _command(COMMANDS[kind](path, out), out)
        assert code == 0, stderr
        assert stdout.startswith("ok: ")
    else:
        path = folder / f"{kind}.toml"
        path.write_bytes(content)
        assert isinstance(READERS[kind][0](path), READERS[kind][1])
