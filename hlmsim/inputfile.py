"""Reading input files: the one function every TOML input goes through.

Scenarios, experiments, calibration files, targets catalogues and pattern files are all read by
:func:`read_toml`. Whatever the bytes on disk, it returns a table of plain values or raises a
one-line :class:`~hlmsim.errors.InputError` naming the file (and the key, where there is one):
a missing file, a folder, a file that is not a regular file, an empty (or blank) file, a file
larger than :data:`MAX_FILE_BYTES`, bytes that are not UTF-8 text, malformed TOML, tables or
arrays nested deeper than :data:`MAX_DEPTH`, numbers that are not finite or larger than
:data:`MAX_FLOAT` (or an integer outside 64 bits), text longer than :data:`MAX_TEXT_CHARS`, and
a file of another kind (an experiment given where a scenario is expected...), recognised by its
top-level keys and named with the command that reads it. Nothing is written before the inputs
are read, so a refused file leaves no output behind.

The schemas refuse non-finite and absurd numbers too (:data:`Number` where a float has no
natural bound), so that data built in Python, not read from a file, is held to the same rules.
"""

from __future__ import annotations

import math
import shlex
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from .errors import InputError

#: The largest input file read (4 MiB). The largest shipped file, the targets catalogue, is
#: under 60 kB.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: The deepest nesting of tables and arrays (the shipped files nest 5 levels at most).
MAX_DEPTH = 16
#: The longest text value or key, in characters (the longest shipped text is about 1,200).
MAX_TEXT_CHARS = 20_000
#: The largest magnitude of a float in an input file (no quantity of the model comes near it).
MAX_FLOAT = 1e15
#: Integers are 64-bit signed, as TOML specifies.
MAX_INT = 2**63 - 1

#: A float field with no natural bound: finite and of magnitude at most :data:`MAX_FLOAT`.
Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_FLOAT, le=MAX_FLOAT)]

#: The kinds of input file: what each is called, the top-level keys that mark it (keys the
#: other kinds do not allow, but for a pattern's ``arrangement``), and the command that reads it
#: (``{file}``: the file's path, ``{folder}``: its folder).
KINDS: dict[str, tuple[str, frozenset[str], str]] = {
    "scenario": (
        "a scenario file",
        frozenset({"milieux", "params", "spin_up_months", "arrangement"}),
        "check it with `hlmsim scenarios check {file}`",
    ),
    "experiment": (
        "an experiment file",
        frozenset({"sampler", "series", "arrangements", "replications", "batch_size"}),
        "check it with `hlmsim sweep {file} --dry-run`",
    ),
    "calibration": (
        "a calibration file",
        frozenset(
            {"population", "replicates", "stopping", "screening", "checks", "kernel", "targets"}
            | {"kernel_scaling", "catalogue"}
        ),
        "run it with `hlmsim calibrate {file}`",
    ),
    "catalogue": (
        "a targets catalogue",
        frozenset({"target"}),
        "check the model against it with `hlmsim targets --catalogue {file}`",
    ),
    "pattern": (
        "a pattern file",
        frozenset({"finding", "low", "high", "direction", "control", "title_en", "emergence"}),
        "run the patterns of its folder with `hlmsim patterns --dir {folder}`",
    ),
}


#: The top-level key that alone marks each kind of file.
DEFINING = {
    "scenario": "milieux",
    "experiment": "sampler",
    "calibration": "population",
    "catalogue": "target",
    "pattern": "finding",
}


def read_toml(
    path: str | Path,
    kind: str,
    allowed: Iterable[str] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """The table of a TOML input file of ``kind`` (a key of :data:`KINDS`), every value checked.

    ``allowed``: the top-level keys of ``kind``; a file with other keys that mark another kind
    of file is refused as that kind. ``source`` names the file in messages (default: the path).
    """
    p = Path(path)
    src = source or str(p)
    data = _parse(_text(p, src), src)
    _check_values(data, src)
    if allowed is not None:
        check_kind(data, kind, allowed, src, p)
    return data


def _text(p: Path, src: str) -> str:
    """The file's text: a regular, non-empty file of at most MAX_FILE_BYTES, in UTF-8."""
    try:
        if p.is_dir():
            raise InputError("is a folder, not a file", source=src)
        if not p.exists():
            raise InputError("file not found", source=src)
        if not p.is_file():
            raise InputError("not a regular file", source=src)
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise InputError(f"cannot read file: {err.strerror or err}", source=src) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            f"file too large: input files are at most {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            source=src,
        )
    if not raw.strip():
        raise InputError("empty file", source=src)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}):"
            " input files are TOML text",
            source=src,
        ) from None


def _parse(text: str, src: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"malformed TOML: {err}", source=src) from None
    except RecursionError:
        raise InputError(
            f"malformed TOML: nested more than {MAX_DEPTH} levels deep", source=src
        ) from None
    except ValueError:  # an integer of thousands of digits (Python's conversion limit)
        raise InputError(
            "malformed TOML: a number of thousands of digits (input integers are 64-bit)",
            source=src,
        ) from None
    return data


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for x in parts:
        out += f"[{x}]" if isinstance(x, int) else (f".{x}" if out else str(x))
    return out


def _check_values(data: dict[str, Any], src: str) -> None:
    """Refuse nesting, numbers and texts beyond the limits (the first one found, by key)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        where, value = stack.pop()
        if len(where) > MAX_DEPTH:
            raise InputError(
                f"nested more than {MAX_DEPTH} levels deep", source=src, key=_loc(where[:1])
            )
        if isinstance(value, dict):
            for k, v in value.items():
                if len(k) > MAX_TEXT_CHARS:
                    raise InputError(
                        f"key longer than {MAX_TEXT_CHARS:,} characters",
                        source=src,
                        key=_loc(where),
                    )
                stack.append(((*where, k), v))
        elif isinstance(value, list):
            stack.extend(((*where, i), v) for i, v in enumerate(value))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(
                f"must be a finite number (got {value!r})", source=src, key=_loc(where)
            )
        elif isinstance(value, float) and abs(value) > MAX_FLOAT:
            raise InputError(
                f"number too large (got {value:g}; input numbers are at most {MAX_FLOAT:g} in"
                " magnitude)",
                source=src,
                key=_loc(where),
            )
        elif isinstance(value, int) and abs(value) > MAX_INT:
            raise InputError(
                "integer too large (input integers are 64-bit, at most 2**63 - 1 in magnitude)",
                source=src,
                key=_loc(where),
            )
        elif isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise InputError(
                f"text too long ({len(value):,} characters; at most {MAX_TEXT_CHARS:,})",
                source=src,
                key=_loc(where),
            )


def file_kind(data: dict[str, Any], expected: str) -> tuple[str, list[str]] | None:
    """The kind of file (other than ``expected``) whose marks ``data``'s top-level keys carry
    most, with those keys; None when no other kind is marked more than ``expected``. When
    ``data`` carries marks of ``expected`` too (a file of the expected kind with a stray key),
    another kind needs its :data:`DEFINING` key or two marks."""
    keys = set(data)
    own = len(keys & KINDS[expected][1])
    best: tuple[str, list[str]] | None = None
    for kind, (_, marks, _) in KINDS.items():
        found = sorted(keys & marks)
        if kind == expected or len(found) <= own:
            continue
        if own and len(found) < 2 and DEFINING[kind] not in keys:
            continue
        if best is None or len(found) > len(best[1]):
            best = (kind, found)
    return best


def check_kind(
    data: dict[str, Any], expected: str, allowed: Iterable[str], src: str, path: Path
) -> None:
    """Refuse a file of another kind: one with top-level keys ``expected`` does not allow, that
    mark another kind of input file (say which, and the command that reads it)."""
    if set(data) <= set(allowed):
        return
    found = file_kind(data, expected)
    if found is None:
        return
    kind, keys = found
    what, _, hint = KINDS[kind]
    hint = hint.format(file=shlex.quote(str(path)), folder=shlex.quote(str(path.parent)))
    raise InputError(
        f"this is {what} (it has {', '.join(keys)}), not {KINDS[expected][0]}: {hint}",
        source=src,
    )


def exists(path: str | Path) -> bool:
    """Whether ``path`` exists; False for a name the system refuses (too long, a bad byte),
    so that a name given for a shipped file's is answered as unknown, never with an OSError."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def is_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file; False for a name the system refuses."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False
