"""Running a scenario: ``hlmsim.run(scenario, seed=...)`` and writing a run's files atomically."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import HLMModel
from .outcomes import DERIVED, OUTCOMES, final_values
from .outdir import check_out_dir as _check_out_dir
from .outdir import write_atomically
from .params import Scenario
from .scenario import load_scenario, scenario_dict, scenario_hash, validate


@dataclass
class RunResult:
    """A finished run: ``timeseries`` (tidy pandas table), ``summary`` (final-year indicators
    per milieu and overall) and ``metadata`` (versions, resolved scenario and hash, seed)."""

    timeseries: pd.DataFrame
    summary: dict[str, dict[str, float]]
    metadata: dict[str, Any] = field(default_factory=dict)

    def write(self, out: str | Path) -> Path:
        """Write the run's files to ``out`` atomically (a temporary folder renamed into place)."""
        return write_run(self, Path(out))


#: The final-year indicators of a run summary: every monthly outcome, then those derived from
#: the final year (the time to maturity, derived from the whole run, is left to comparisons).
SUMMARY_OUTCOMES: tuple[str, ...] = (*OUTCOMES, "needs_met_share", "cost_per_need_met")


def summarise(ts: pd.DataFrame, months: int = 12) -> dict[str, dict[str, float]]:
    """Final-year indicators per milieu (and ``all``) of a run's series (months ascending), by
    :func:`hlmsim.outcomes.final_values`: flows summed over the last ``months`` months, levels
    averaged, missing months left out."""
    out: dict[str, dict[str, float]] = {}
    for milieu, g in ts.groupby("milieu", sort=False):
        out[str(milieu)] = final_values(g, SUMMARY_OUTCOMES, months)
    return out


#: The modules whose code decides a run's results (the model, its parameters and outcomes).
MODEL_SOURCES = (
    "agents.py",
    "arrangements.py",
    "model.py",
    "outcomes.py",
    "params.py",
    "rng.py",
    "scenario.py",
    "state.py",
    "mechanisms",
)


def model_version() -> str:
    """The hlmsim version plus a fingerprint of the model's source code: two runs with the same
    scenario, seed and model version give the same results (the sweep's run store relies on it,
    so a model changed without a version bump is not mistaken for the old one)."""
    from . import __version__

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in MODEL_SOURCES:
        path = root / name
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(f.relative_to(root).as_posix().encode())
            digest.update(f.read_bytes())
    return f"{__version__}+model.{digest.hexdigest()[:12]}"


def _git(*args: str) -> subprocess.CompletedProcess[str] | None:
    root = Path(__file__).resolve().parent.parent
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit() -> str | None:
    """The git commit of the hlmsim source, when it is a git checkout; ``+dirty`` is appended
    when tracked source files differ from that commit (the results may not match it)."""
    res = _git("rev-parse", "HEAD")
    if res is None or res.returncode != 0 or not res.stdout.strip():
        return None
    commit = res.stdout.strip()
    status = _git("status", "--porcelain", "--untracked-files=no", "--", "hlmsim", "scenarios")
    if status is not None and status.returncode == 0 and status.stdout.strip():
        commit += "+dirty"
    return commit


def metadata(scen: Scenario, seed: int | list[int], started: str) -> dict[str, Any]:
    """What reproduces a run: versions, commit, the resolved scenario and its hash, seed."""
    import mesa

    from . import __version__

    return {
        "hlmsim_version": __version__,
        "model_version": model_version(),
        "git_commit": git_commit(),
        "scenario_name": scen.name,
        "scenario_hash": scenario_hash(scen),
        "scenario": scenario_dict(scen),
        "seed": seed,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "started": started,
    }


def run(
    scenario: Scenario | str | Path = "default",
    seed: int = 0,
    months: int | None = None,
    agents: bool = False,
) -> RunResult:
    """Run a scenario (a :class:`Scenario`, a shipped name or a path) with one seed."""
    if isinstance(scenario, Scenario):
        scen = scenario if months is None else validate({**scenario.model_dump(), "months": months})
    else:
        scen = load_scenario(scenario, **({} if months is None else {"months": months}))
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    model = HLMModel(scen, seed=seed, agents=agents).run()
    ts = model.timeseries()
    return RunResult(ts, summarise(ts), metadata(scen, seed, started))


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o)}")


def write_json(path: Path, data: Any) -> None:
    """Write JSON (NaN as null) to ``path`` atomically."""
    text = json.dumps(_nan_to_none(data), indent=2, ensure_ascii=False, default=_json_default)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _nan_to_none(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    if isinstance(x, float) and x != x:
        return None
    return x


#: Files a run folder holds.
RUN_FILES = frozenset({"timeseries.parquet", "timeseries.csv", "summary.json", "metadata.json"})


def check_out_dir(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding more than a run's files."""
    _check_out_dir(out, RUN_FILES, what="a run")


def write_run(result: RunResult, out: Path) -> Path:
    """Write timeseries.parquet/.csv, summary.json and metadata.json into ``out``, atomically:
    files go to a temporary sibling folder that replaces ``out`` only when complete."""
    out = Path(out)
    check_out_dir(out)

    def fill(tmp: Path) -> None:
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        labels = {
            k: {"en": o.en, "fr": o.fr, "unit": o.unit} for k, o in {**OUTCOMES, **DERIVED}.items()
        }
        write_json(tmp / "summary.json", {"final_year": result.summary, "labels": labels})
        write_json(tmp / "metadata.json", result.metadata)

    write_atomically(out, fill)
    return out
