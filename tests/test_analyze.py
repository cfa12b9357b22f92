"""Sweep analysis: Sobol indices of the Ishigami function recovered within their confidence
intervals (by the sensitivity functions, and through a whole sweep and ``analyze``), Morris
effects of a linear function, scenario discovery (PRIM, CART) finding a known region, and
analysis errors on one line."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hlmsim.outcomes import OUTCOMES
from hlmsim.sweep import analyze
from hlmsim.sweep.cli import main as sweep_main
from hlmsim.sweep.engine import sweep
from hlmsim.sweep.experiment import parse_experiment
from hlmsim.sweep.sampling import Factor, design
from hlmsim.sweep.sensitivity import morris_indices, sobol_indices

SMALL_BASE = """
name = "small"
arrangement = "ciusss_social_worker"
months = 12
[[milieux]]
name = "m0"
[[milieux.ensembles]]
units = 30
"""

# --- the Ishigami function (a = 7, b = 0.1) and its exact Sobol indices --------------------------
A, B = 7.0, 0.1


def ishigami(x1: np.ndarray, x2: np.ndarray, x3: np.ndarray) -> np.ndarray:
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """Exact first-order and total indices (Ishigami & Homma 1990; Saltelli et al. 2008)."""
    pi = math.pi
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / var
    st = np.array([v1 + v13, v2, v13]) / var
    return s1, st


def test_exact_ishigami_indices() -> None:
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.314, 0.442, 0.0], atol=1e-3)
    np.testing.assert_allclose(st, [0.558, 0.442, 0.244], atol=1e-3)


def test_sobol_recovers_ishigami_within_confidence_intervals() -> None:
    factors = [Factor(f"x{i}", low=-math.pi, high=math.pi, dist="uniform") for i in (1, 2, 3)]
    unit, values = design(factors, "sobol", 2**12, seed=42)
    assert len(values) == 2**12 * 5
    y = ishigami(values["x1"].to_numpy(), values["x2"].to_numpy(), values["x3"].to_numpy())
    table, _ = sobol_indices(["x1", "x2", "x3"], y, seed=42)
    s1, st = ishigami_indices()
    assert (np.abs(table["S1"] - s1) <= table["S1_conf"]).all(), table
    assert (np.abs(table["ST"] - st) <= table["ST_conf"]).all(), table
    assert (table["S1_conf"] < 0.05).all() and (table["ST_conf"] < 0.05).all()


# --- runners: functions of the varied parameters instead of the model ---------------------------

TEMPLATE = pd.DataFrame(
    {"month": np.arange(1, 13), "milieu": "all", **{k: np.ones(12) for k in OUTCOMES}}
)
ISHIGAMI_INPUTS = {
    "trust_gain_per_contact": (0.0, 0.5),
    "worker_direct_help": (0.0, 1.0),
    "image_transfer": (0.0, 1.0),
}


def series_with(needs_met: float, **others: float) -> pd.DataFrame:
    """A 12-month overall series whose final-year needs met is ``needs_met``."""
    ts = TEMPLATE.copy()
    ts["needs_met"] = needs_met / 12
    for k, v in others.items():
        ts[k] = v
    return ts


def ishigami_runner(scen, seed):  # noqa: ANN001, ANN201
    x = [
        -math.pi + 2 * math.pi * (scen.params[k] - lo) / (hi - lo)
        for k, (lo, hi) in ISHIGAMI_INPUTS.items()
    ]
    return series_with(float(ishigami(*map(np.array, x))))


def write_base(tmp: Path) -> str:
    (tmp / "small.toml").write_text(SMALL_BASE)
    return str(tmp / "small.toml")


def test_ishigami_through_a_sweep_and_analyze(tmp_path: Path) -> None:
    """The model's path: experiment -> sweep (store, results) -> analyze -> sobol.csv."""
    data = {
        "name": "ishigami",
        "base": write_base(tmp_path),
        "replications": 1,
        "outcomes": ["needs_met"],
        "batch_size": 1000,
        "sampler": {"method": "sobol", "seed": 3, "samples": 512},
        "parameters": {k: {"range": list(v)} for k, v in ISHIGAMI_INPUTS.items()},
    }
    exp = parse_experiment(data, str(tmp_path / "ishigami.toml"))
    out = tmp_path / "sweep"
    res = sweep(exp, out, workers=1, runner=ishigami_runner)
    assert len(res) == 512 * 5 and (res["status"] == "ok").all()
    tables = analyze(out, method="prim")
    sob = tables["sobol"].set_index("parameter").loc[list(ISHIGAMI_INPUTS)]
    s1, st = ishigami_indices()
    assert (np.abs(sob["S1"].to_numpy() - s1) <= sob["S1_conf"].to_numpy()).all(), sob
    assert (np.abs(sob["ST"].to_numpy() - st) <= sob["ST_conf"].to_numpy()).all(), sob
    written = pd.read_csv(out / "analysis" / "sobol.csv")
    assert list(written["parameter"]) == list(ISHIGAMI_INPUTS)
    assert (out / "analysis" / "sobol_needs_met.png").stat().st_size > 1000


def test_morris_effects_of_a_linear_function() -> None:
    # y = 3 x1 + 0 x2 with x1 in [0, 2]: each elementary effect is 3 x 2 per unit of range
    factors = [Factor("x1", low=0.0, high=2.0), Factor("x2", low=-1.0, high=1.0)]
    unit, values = design(factors, "morris", 30, seed=1, levels=4)
    y = 3 * values["x1"].to_numpy()
    m = morris_indices(["x1", "x2"], unit, y, levels=4, seed=1).set_index("parameter")
    assert m.loc["x1", "mu_star"] == pytest.approx(6.0)
    assert m.loc["x1", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert m.loc["x2", "mu_star"] == pytest.approx(0.0, abs=1e-12)


def test_factor_distributions_map_unit_points_into_their_bounds() -> None:
    u = np.linspace(0, 1, 101)
    tri = Factor("a", dist="triangular", low=1.0, high=5.0, mode=2.0).from_unit(u)
    nor = Factor("b", dist="normal", low=0.0, high=1.0, mean=0.2, sd=0.3).from_unit(u)
    log = Factor("c", dist="loguniform", low=1.0, high=100.0).from_unit(u)
    whole = Factor("d", kind="int", low=2, high=4).from_unit(u)
    assert min(tri) == 1.0 and max(tri) == 5.0 and np.median(tri) < 3.0
    assert min(nor) == 0.0 and max(nor) == 1.0 and np.median(nor) == pytest.approx(0.28, abs=0.03)
    assert log[50] == pytest.approx(10.0)
    assert sorted(set(whole)) == [2, 3, 4] and all(isinstance(v, int) for v in whole)


# --- scenario discovery ------------------------------------------------------------------------


def region_runner(scen, seed):  # noqa: ANN001, ANN201
    """Needs met drop below 900 where turnover > 0.45 and vacancy > 12 months; under the
    community worker, they are highest where co-location is above one half."""
    p = scen.params
    bad = p["worker_turnover_annual"] > 0.45 and p["worker_vacancy_months"] > 12
    value = 800.0 if bad else 1000.0
    if scen.arrangement == "community_worker":
        value = 1100.0 if p["partners_colocated_share"] > 0.5 else 700.0
    return series_with(value + 0.001 * seed % 1)


def region_sweep(tmp: Path) -> Path:
    data = {
        "name": "region",
        "base": write_base(tmp),
        "arrangements": ["ciusss_social_worker", "community_worker"],
        "replications": 1,
        "outcomes": ["needs_met"],
        "batch_size": 500,
        "sampler": {"method": "latin", "seed": 9, "samples": 300},
        "parameters": {
            "worker_turnover_annual": {"range": [0.0, 0.9]},
            "worker_vacancy_months": {"range": [0.0, 24.0]},
            "partners_colocated_share": {"range": [0.0, 1.0]},
        },
    }
    exp = parse_experiment(data, str(tmp / "region.toml"))
    out = tmp / "region"
    sweep(exp, out, workers=1, runner=region_runner)
    return out


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return region_sweep(tmp_path_factory.mktemp("region"))


def test_prim_and_cart_find_the_region_where_a_condition_holds(region: Path) -> None:
    tables = analyze(region, condition="needs_met < 900")
    disc = tables["discovery"]
    ciusss = disc[disc["who"] == "ciusss_social_worker"]
    for method in ("prim", "cart"):
        box = ciusss[(ciusss["method"] == method) & (ciusss["box"] == 1)].set_index("parameter")
        assert box["coverage"].iloc[0] >= 0.9 and box["density"].iloc[0] >= 0.9, box
        assert set(box.index) == {"worker_turnover_annual", "worker_vacancy_months"}, box
        assert box.loc["worker_turnover_annual", "low"] == pytest.approx(0.45, abs=0.06)
        assert box.loc["worker_vacancy_months", "low"] == pytest.approx(12, abs=1.5)
    files = {p.name for p in (region / "analysis").iterdir()}
    assert {
        "discovery.csv",
        "discovery_prim_ciusss_social_worker.png",
        "discovery_cart_ciusss_social_worker.png",
        "summary.md",
        "scatter_needs_met.png",
    } <= files


def test_default_condition_is_the_ciusss_worker_not_being_the_best(region: Path) -> None:
    tables = analyze(region, method="prim")
    disc = tables["discovery"]
    assert set(disc["condition"]) == {"ciusss_social_worker not best on needs_met"}
    box = disc[disc["box"] == 1].set_index("parameter")
    # the community worker wins wherever co-location is above one half
    assert list(box.index) == ["partners_colocated_share"]
    assert box.loc["partners_colocated_share", "low"] == pytest.approx(0.5, abs=0.05)
    assert box["density"].iloc[0] >= 0.9 and box["coverage"].iloc[0] >= 0.9
    best = tables["best"].set_index(["outcome", "arrangement"])["p_best"]
    assert best.sum() == pytest.approx(1.0)


def test_summary_is_bilingual_with_the_chosen_language_first(
    region: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sweep_main(["analyze", str(region), "--lang", "fr", "--method", "cart"]) == 0
    out = capsys.readouterr().out
    assert "Découverte de scénarios" in out
    text = (region / "analysis" / "summary.md").read_text()
    assert text.index("## Français") < text.index("## English")
    assert OUTCOMES["needs_met"].fr in text and OUTCOMES["needs_met"].en in text
    french = text[text.index("## Français") : text.index("## English")]
    assert "IC à 95\u202f%" in french and "Modèles d'intervention\u202f: " in french
    assert not re.search(r"\buniform\b|Arrangements", french)
    assert not re.search(r"\d[.]\d", french)  # a decimal comma
    assert not re.search(r"\d%| :", french)  # a narrow no-break space before % and :
    assert text.startswith("# Analyse du balayage\u202f: ")
    index = json.loads((region / "analysis" / "index.json").read_text())
    assert set(index["files"]) == {p.name for p in (region / "analysis").iterdir()} - {"index.json"}


def test_the_engine_loads_no_reporting_code() -> None:
    code = (
        "import sys, hlmsim.sweep, hlmsim.sweep.analysis, hlmsim.sweep.cli;"
        "bad = [m for m in sys.modules if m.startswith('hlmsim.reporting')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_analysis_errors_are_one_line(region: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    cases = [
        ([str(tmp_path)], "not a sweep folder (no sweep.json)"),
        ([str(region), "--outcome", "needs_mett"], "--outcome: 'needs_mett' is not in this"),
        ([str(region), "--condition", "needs_met <"], "--condition: cannot evaluate"),
        ([str(region), "--condition", "neds_met < 3"], "--condition: unknown name 'neds_met'"),
        (
            [str(region), "--condition", "omh_worker not best on needs_met"],
            "--condition: unknown arrangement 'omh_worker'",
        ),
        ([str(region), "--lang", "de"], "--lang: must be en or fr"),
        ([str(region), "--method", "svm"], "--method: must be prim, cart or both"),
    ]
    for argv, expected in cases:
        assert sweep_main(["analyze", *argv]) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("hlmsim: error: "), err
        assert expected in err[0], err
    meta = json.loads((region / "sweep.json").read_text())
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "sweep.json").write_text(json.dumps({**meta, "state": "running"}))
    assert sweep_main(["analyze", str(unfinished)]) == 2
    assert "the sweep is not finished" in capsys.readouterr().err
    (region / "analysis" / "mine.txt").write_text("notes")
    assert sweep_main(["analyze", str(region)]) == 2
    assert "holds files the analysis did not write" in capsys.readouterr().err
    (region / "analysis" / "mine.txt").unlink()
