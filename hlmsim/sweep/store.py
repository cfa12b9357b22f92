"""The run store: finished runs of a sweep, keyed by run, written atomically in batches.

Each batch is one Parquet file ``store/runs-NNNNNN-<token>.parquet``, written to a hidden
temporary name, flushed to disk and renamed into place (``os.replace``): a batch file is either
complete or absent, whatever stops the sweep (Ctrl-C, ``kill -9``, a crashed machine). The index
(which runs are finished) is rebuilt from the files' ``run_key`` and ``status`` columns, so there
is no separate index to get out of step. A run key is a hash of the resolved scenario
(:func:`hlmsim.scenario.scenario_hash`), the seed and the model version (:func:`run_key`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

import pandas as pd

from ..errors import InputError

_BATCH = re.compile(r"^runs-(\d{6,})-[0-9a-f]+\.parquet$")


def run_key(scenario_hash: str, seed: int, version: str) -> str:
    """The identity of a run: the resolved scenario's hash, the seed and the model version."""
    blob = f"{scenario_hash}:{int(seed)}:{version}".encode()
    return hashlib.sha256(blob).hexdigest()[:24]


class RunStore:
    """Batches of finished runs in ``root`` (a folder, created when needed)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for tmp in self.root.glob(".runs-*.tmp"):  # a batch interrupted while being written
            tmp.unlink(missing_ok=True)
        self._next = 1 + max((self._number(p) for p in self.files()), default=0)

    @staticmethod
    def _number(path: Path) -> int:
        m = _BATCH.match(path.name)
        return int(m.group(1)) if m else 0

    def files(self) -> list[Path]:
        """The batch files, in the order they were written."""
        return sorted((p for p in self.root.iterdir() if _BATCH.match(p.name)), key=self._number)

    def index(self) -> dict[str, str]:
        """``run_key -> status`` of every stored run (``ok`` wins over ``failed``)."""
        import pyarrow.parquet as pq

        out: dict[str, str] = {}
        for path in self.files():
            try:
                table = pq.read_table(path, columns=["run_key", "status"], use_threads=False)
            except Exception as err:  # noqa: BLE001 - any unreadable file is reported the same
                raise InputError(f"unreadable batch file: {err}", source=str(path)) from None
            for key, status in zip(
                table.column("run_key").to_pylist(), table.column("status").to_pylist(), strict=True
            ):
                if out.get(key) != "ok":
                    out[key] = status
        return out

    def write(self, rows: list[dict]) -> Path | None:
        """Write one batch of run rows atomically; returns its path (None when empty)."""
        if not rows:
            return None
        name = f"runs-{self._next:06d}-{secrets.token_hex(4)}.parquet"
        tmp = self.root / f".{name}.tmp"
        final = self.root / name
        frame = pd.DataFrame(rows)
        try:
            with tmp.open("wb") as fh:
                frame.to_parquet(fh, index=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.root)
        self._next += 1
        return final

    def read(self, keys: set[str] | None = None) -> pd.DataFrame:
        """Every stored run (or those of ``keys``), one row per run key: a successful run wins
        over a failed one, then the first written."""
        frames = []
        for path in self.files():
            df = pd.read_parquet(path, use_threads=False)
            if keys is not None:
                df = df[df["run_key"].isin(keys)]
            if len(df):
                frames.append(df)
        if not frames:
            return pd.DataFrame({"run_key": pd.Series(dtype=str), "status": pd.Series(dtype=str)})
        df = pd.concat(frames, ignore_index=True)
        df["_rank"] = (df["status"] != "ok").astype(int)
        df = df.sort_values(["run_key", "_rank"], kind="stable")
        return df.drop_duplicates("run_key").drop(columns="_rank").reset_index(drop=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
