"""Output folders: refuse to replace a folder holding anything else than our own files, and
write a result folder atomically (a temporary sibling folder renamed into place when complete,
the previous result restored if the rename fails)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import InputError


def check_out_dir(
    out: Path,
    allowed: Iterable[str],
    subdirs: Mapping[str, Iterable[str]] | None = None,
    what: str = "a run",
) -> None:
    """Raise unless ``out`` is absent or a folder holding only ``allowed`` names (and, in each of
    ``subdirs``, only its allowed names): writing replaces the whole folder."""
    out = Path(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("exists and is not a folder", source=str(out))
    allowed = set(allowed)
    others = sorted(p.name for p in out.iterdir() if p.name not in allowed)
    for name, inner in (subdirs or {}).items():
        sub = out / name
        if sub.is_dir():
            ok = set(inner)
            others += sorted(f"{name}/{p.name}" for p in sub.iterdir() if p.name not in ok)
        elif sub.exists():
            others.append(name)
    if others:
        raise InputError(
            f"folder exists and holds other files than {what}'s (e.g. {others[0]});"
            " it would be replaced: choose another output folder",
            source=str(out),
        )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(out: Path, fill: Callable[[Path], None]) -> Path:
    """Call ``fill(tmp)`` on a fresh temporary sibling folder, then put it in place of ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; results are not
        fill(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old / out.name, out)  # put the previous result back
                raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_frame(df: Any, path: Path, fmt: str = "parquet") -> None:
    """Write a table to ``path`` (Parquet, or CSV with ``fmt="csv"``) atomically: a temporary
    sibling renamed into place, removed if the writing fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def folder_lock(out: Path, what: str) -> Iterator[None]:
    """Hold ``out/.lock`` (an exclusive, non-blocking ``flock``) while a long job writes into
    ``out``: a second job in the same folder is refused at once with one line ("another
    ``what`` is running in this folder"). The lock goes with the process, even on kill -9."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"another {what} is running in this folder", source=str(out)) from None
        yield
    finally:
        os.close(fd)
