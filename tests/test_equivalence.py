"""Equivalence after a change of random draws (issue 12): the model's key final-year outcomes on
the default scenario, CIUSSS social worker and services as usual, against a stored reference
sample made before the change (``tests/data/reference_sample.parquet``, 400 paired replications;
``benchmarks/reference_sample.py`` makes it).

A change that only reorders or replaces random draws (a faster generator, numbers drawn for the
entries that need them) changes results draw by draw, not in distribution. For every arm and key
outcome, two one-sided tests (Welch) show that the difference of the means lies within a margin
of **0.6 of the reference sample's standard deviation**, at a family-wise level of 5%
(Bonferroni over the comparisons); the standard deviations must agree within a factor of 1.5.
With 100 replications against 400 (the suite's time budget), a true difference of zero passes
each comparison unless the estimate strays by more than about 0.28 standard deviations; a true
shift of 0.6 standard deviations or more always fails. See benchmarks/README.md.

The reference sample is regenerated only when a change is meant to move the distribution (and
the CHANGELOG says so), never to make this test pass.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

import hlmsim

SAMPLE = Path(__file__).parent / "data" / "reference_sample.parquet"
#: Replications of the current model (the reference has 400).
REPLICATIONS = 100
#: Equivalence margin, in standard deviations of the reference sample; family-wise level.
MARGIN_SD, ALPHA = 0.6, 0.05
#: The standard deviations may differ by at most this factor.
SD_RATIO = 1.5


@pytest.fixture(scope="module")
def samples() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    meta = json.loads(pq.read_schema(SAMPLE).metadata[b"hlmsim_reference"])
    ref = pd.read_parquet(SAMPLE)
    arms = list(meta["arms"])
    new = hlmsim.compare(
        str(meta["scenario"]),
        arrangements=arms[:1],
        reference=arms[1],
        replications=REPLICATIONS,
        seed=int(meta["seed"]),
        workers=2,
    ).finals
    return ref, new, meta


def comparisons(ref: pd.DataFrame, new: pd.DataFrame) -> list[dict[str, float | str]]:
    """Per arm and outcome: standardised difference of means, its standard error, SD ratio."""
    out = []
    outcomes = [c for c in ref.columns if c not in ("arrangement", "replication", "seed")]
    for arm, g in ref.groupby("arrangement"):
        h = new[new["arrangement"] == arm]
        for name in outcomes:
            a = g[name].dropna().to_numpy(dtype=float)
            b = h[name].dropna().to_numpy(dtype=float)
            sd = a.std(ddof=1)
            if not sd > 0:  # a constant (services as usual has no worker, no cost)
                assert np.allclose(b, a[0]), (arm, name)
                continue
            se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) / sd
            out.append(
                {
                    "arm": str(arm),
                    "outcome": name,
                    "d": (b.mean() - a.mean()) / sd,
                    "se": se,
                    "sd_ratio": b.std(ddof=1) / sd,
                }
            )
    return out


def test_key_outcomes_are_equivalent_to_the_reference_sample(samples) -> None:
    ref, new, meta = samples
    rows = comparisons(ref, new)
    assert len(rows) >= 20
    z = stats.norm.ppf(1 - ALPHA / len(rows))  # Bonferroni, one-sided at each end (TOST)
    bad = [
        r
        for r in rows
        if abs(r["d"]) + z * r["se"] >= MARGIN_SD or not 1 / SD_RATIO < r["sd_ratio"] < SD_RATIO
    ]
    assert not bad, f"not equivalent to the reference of version {meta['hlmsim_version']}: {bad}"


def test_the_check_can_fail() -> None:
    """The same check rejects a shift of three quarters of a standard deviation in one outcome
    (a control: the test is not blind)."""
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(
        {"arrangement": "a", "replication": range(400), "seed": 0, "x": rng.normal(0, 1, 400)}
    )
    same = pd.DataFrame(
        {"arrangement": "a", "replication": range(100), "seed": 0, "x": rng.normal(0, 1, 100)}
    )
    shifted = same.assign(x=same["x"] + 0.75)
    z = stats.norm.ppf(1 - ALPHA / 1)
    (ok,) = comparisons(ref, same)
    (off,) = comparisons(ref, shifted)
    assert abs(ok["d"]) + z * ok["se"] < MARGIN_SD
    assert abs(off["d"]) + z * off["se"] >= MARGIN_SD
