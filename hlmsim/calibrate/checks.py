"""Checks of a calibration's posterior on evidence it was and was not fitted to.

- :func:`predictive` (posterior predictive check): parameter sets drawn by weight from the last
  generation, each simulated in its own world, give the model's figure for every target of the
  catalogue on the calibrated scenario: the calibration targets, and apart the validation
  targets, held out from the calibration (:func:`hlmsim.calibrate.summary.predictive_check`
  says which ranges the draws' 90% intervals meet).
- :func:`patterns_over_draws`: the pattern experiments (``hlmsim patterns``) with their
  robustness check run at posterior draws instead of a Latin hypercube: the share of draws in
  which each pattern keeps its expected direction.

Both are reproducible from the calibration's seed; neither knows the report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..targets.catalogue import Catalogue, load_catalogue
from .config import Calibration
from .simulate import TargetModel
from .summary import CalibrationOutputs, draw_particles, predictive_check

if TYPE_CHECKING:
    from .engine import CalibrationResult

#: Offsets of the checks' seeds from the calibration's (the draws and the worlds they run in).
PREDICTIVE_SEED, PATTERNS_SEED = 101, 202


def full_catalogue(cal: Calibration) -> Catalogue:
    """Every target of the calibration's catalogue, validation targets included."""
    return load_catalogue(cal.catalogue.path)


def predictive(
    cal: Calibration, posterior: pd.DataFrame, draws: int, workers: int = 1
) -> pd.DataFrame:
    """The posterior predictive check over ``draws`` posterior draws: one row per target (both
    roles), as :func:`~hlmsim.calibrate.summary.predictive_check` gives it."""
    if draws <= 0 or posterior.empty:
        return pd.DataFrame()
    catalogue = full_catalogue(cal)
    seed = cal.spec.seed + PREDICTIVE_SEED
    points = draw_particles(posterior, draws, seed).to_dict("records")
    model = TargetModel(cal.scenario, catalogue, replicates=1, workers=workers)
    simulated = model.frame(points, seed)
    targets = {t.id: (t.role, t.value, t.range_low, t.range_high) for t in catalogue}
    return predictive_check(simulated, targets)


def patterns_over_draws(
    cal: Calibration,
    posterior: pd.DataFrame,
    draws: int,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Every shipped pattern's robustness check at ``draws`` posterior draws (the patterns'
    quick size): pattern, finding, robustness_points, robustness_share."""
    from ..patterns import validate_patterns

    if draws <= 0 or posterior.empty:
        return pd.DataFrame()
    seed = cal.spec.seed + PATTERNS_SEED
    points = draw_particles(posterior, draws, seed)
    result = validate_patterns(
        replications=2,
        quick=True,
        seed=seed,
        workers=workers,
        progress=progress,
        points=points,
        points_source="posterior",
    )
    return result.table[["pattern", "finding", "robustness_points", "robustness_share"]].copy()


def outputs(
    cal: Calibration,
    result: CalibrationResult,
    out: Path,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CalibrationOutputs:
    """What the report shows: the calibration's results with its checks, run now (sizes from the
    file's ``[checks]``) or read back from ``predictive.parquet`` and ``patterns.parquet`` when
    a resumed calibration already has them (both written atomically)."""
    from ..outdir import write_frame
    from ..patterns import robustness_factors

    stored: dict[str, pd.DataFrame] = {}
    for name, run, draws in (
        ("predictive", lambda n: predictive(cal, result.posterior, n, workers), "predictive_draws"),
        (
            "patterns",
            lambda n: patterns_over_draws(cal, result.posterior, n, workers, progress),
            "pattern_draws",
        ),
    ):
        path = out / f"{name}.parquet"
        n = getattr(cal.spec.checks, draws)
        if path.exists():
            stored[name] = pd.read_parquet(path)
        elif n > 0:
            stored[name] = run(n)
            write_frame(stored[name], path)
    calibrated = {p.name for p in result.priors}
    return CalibrationOutputs(
        generations=result.generations,
        posterior=result.posterior,
        priors=list(result.priors),
        targets=list(cal.target_ids),
        fixed=[f.name for f in robustness_factors() if f.name not in calibrated],
        meta=dict(result.metadata),
        screening=result.screening,
        predictive=stored.get("predictive"),
        patterns=stored.get("patterns"),
    )


__all__ = ["full_catalogue", "outputs", "patterns_over_draws", "predictive"]
