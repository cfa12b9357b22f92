"""Scenario sweeps at scale: experiment files, the sweep engine and its run store, analysis.

``hlmsim.sweep(experiment)`` runs an experiment file (a base scenario, arrangements, parameters
to vary, a sampler with its seed, replications) on a local process pool or a Dask cluster,
storing each finished run once, so a stopped sweep resumes; ``hlmsim.analyze(sweep_dir)``
writes tables, figures, sensitivity indices (Sobol, Morris) and scenario discovery (PRIM, CART)
into ``sweep_dir/analysis``. See ``docs/sweeps.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .engine import SweepStopped, build_plan, model_runner, sweep
from .experiment import Experiment, load_experiment, parse_experiment


def analyze(
    sweep_dir: str | Path,
    outcome: str | list[str] | None = None,
    lang: str = "en",
    condition: str | None = None,
    method: str = "both",
) -> dict[str, pd.DataFrame]:
    """Analyse a finished sweep; write ``sweep_dir/analysis`` and return its tables by name
    (see :func:`hlmsim.reporting.analysis.analyze`; the computation alone, writing nothing:
    :func:`hlmsim.sweep.analysis.compute`)."""
    from ..reporting.analysis import analyze as _analyze  # the API layer: only when called

    return _analyze(sweep_dir, outcome=outcome, lang=lang, condition=condition, method=method)


def __getattr__(name: str) -> Any:  # the CLI helpers, without importing them eagerly
    if name in ("add_parsers", "main_sweep", "main_analyze"):
        from . import cli

        return getattr(cli, name)
    raise AttributeError(name)


__all__ = [
    "Experiment",
    "SweepStopped",
    "analyze",
    "build_plan",
    "load_experiment",
    "model_runner",
    "parse_experiment",
    "sweep",
]
