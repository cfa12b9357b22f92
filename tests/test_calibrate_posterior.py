"""The calibrated-ensemble file, and the pattern check over an ensemble's draws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hlmsim
from hlmsim.calibrate.posterior import load_ensemble, write_ensemble
from hlmsim.errors import InputError
from hlmsim.patterns import given_points, robustness_factors

META = {"scenario": "default", "hlmsim_version": "0.0", "catalogue_hash": "x", "command": "c"}


def _ensemble(tmp_path: Path) -> Path:
    values = pd.DataFrame(
        {"trust_gain_per_contact": [0.03, 0.05, 0.08], "n_partners": [4.0, 6.0, 8.0]}
    )
    return write_ensemble(values, np.array([1.0, 2.0, 1.0]), META, tmp_path / "e.parquet")


def test_round_trip_and_weighted_reproducible_draws(tmp_path: Path) -> None:
    ens = load_ensemble(_ensemble(tmp_path))
    assert ens.parameters == ["trust_gain_per_contact", "n_partners"]
    assert ens.weights == pytest.approx([0.25, 0.5, 0.25])
    assert ens.meta == META
    a, b = ens.draw(4000, seed=7), ens.draw(4000, seed=7)
    assert a.equals(b) and not a.equals(ens.draw(4000, seed=8))
    share = (a["trust_gain_per_contact"] == 0.05).mean()
    assert 0.46 < share < 0.54  # weight one half (sd 0.008)
    sets = ens.param_sets(3, seed=1)
    assert all(isinstance(s["n_partners"], int) for s in sets)
    assert all(isinstance(s["trust_gain_per_contact"], float) for s in sets)
    assert not list(tmp_path.glob(".*tmp"))  # written atomically, nothing left behind


def _raw(tmp_path: Path, df: pd.DataFrame, meta: dict | None = META) -> Path:
    t = pa.Table.from_pandas(df, preserve_index=False)
    if meta is not None:
        t = t.replace_schema_metadata({b"hlmsim": json.dumps(meta).encode()})
    p = tmp_path / "bad.parquet"
    pq.write_table(t, p)
    return p


@pytest.mark.parametrize(
    ("df", "meta", "match"),
    [
        (pd.DataFrame({"trust_gain_per_contact": [0.1]}), META, "weight"),
        (
            pd.DataFrame({"trust_gain_per_contat": [0.1], "weight": [1.0]}),
            META,
            "trust_gain_per_contat",
        ),
        (pd.DataFrame({"trust_gain_per_contact": [0.1], "weight": [-1.0]}), META, "weight"),
        (pd.DataFrame({"trust_gain_per_contact": [np.nan], "weight": [1.0]}), META, "finite"),
        (pd.DataFrame({"trust_gain_per_contact": [0.1], "weight": [1.0]}), None, "metadata"),
    ],
)
def test_bad_ensemble_files_are_refused_in_one_line(tmp_path, df, meta, match) -> None:
    with pytest.raises(InputError, match=match) as err:
        load_ensemble(_raw(tmp_path, df, meta))
    assert "\n" not in str(err.value) and "bad.parquet" in str(err.value)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    p = tmp_path / "x.parquet"
    p.write_text("hello")
    with pytest.raises(InputError, match="not a Parquet"):
        load_ensemble(p)
    with pytest.raises(InputError, match="no such"):
        load_ensemble(tmp_path / "absent.parquet")


def test_given_points_keep_robustness_parameters_and_place_them_in_their_ranges() -> None:
    f = {x.name: x for x in robustness_factors()}
    name = "trust_gain_per_contact"
    lo, hi = f[name].low, f[name].high
    pts = pd.DataFrame({name: [lo, hi, (lo + hi) / 2], "worker_fte": [1.0, 1.0, 1.0]})
    factors, unit, values = given_points(pts)
    assert [x.name for x in factors] == [name]  # worker_fte is a lever: left to the scenario
    assert list(values.columns) == [name]
    assert unit[:, 0][0] == 0.0 and unit[:, 0][1] == 1.0
    for u in (0.0, 0.37, 1.0):
        assert f[name].unit(f[name].value(u)) == pytest.approx(u)
    with pytest.raises(InputError, match="nonsense"):
        given_points(pd.DataFrame({"nonsense": [1.0]}))


def test_patterns_over_an_ensemble_report_the_share_of_draws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hlmsim.cli import main

    values = pd.DataFrame(
        {"trust_gain_per_contact": [0.03, 0.08], "need_give_up_months": [6.0, 18.0]}
    )
    ens = write_ensemble(values, np.array([1.0, 1.0]), META, tmp_path / "post.parquet")
    out = tmp_path / "patterns"
    argv = ["patterns", "--quick", "--only", "p05", "--replications", "2", "--robustness", "3"]
    main([*argv, "--ensemble", str(ens), "--out", str(out)])
    # calibrated on another version's results: said before the runs and in the report
    warned = [x for x in capsys.readouterr().err.splitlines() if "hlmsim 0.0" in x]
    assert len(warned) == 1 and warned[0].startswith("hlmsim patterns: ")
    robust = pd.read_csv(out / "robustness.csv")
    assert list(robust["point"]) == [0, 1, 2]
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["robustness"]["design"] == "given"
    assert meta["robustness"]["points_source"] == "post.parquet"
    rows = pd.read_csv(out / "patterns.csv")
    assert rows.loc[0, "robustness_points"] == 3
    assert rows.loc[0, "robustness_share"] == robust["holds"].mean()
    assert meta["robustness"]["points_version"] == "0.0"
    html = (out / "report.html").read_text()
    assert "post.parquet" in html and "hlmsim 0.0" in html
    # an ensemble of this version's results: nothing to say
    same = write_ensemble(
        values, np.array([1.0, 1.0]), {**META, "hlmsim_version": hlmsim.__version__},
        tmp_path / "same.parquet",
    )  # fmt: skip
    main([*argv, "--ensemble", str(same), "--out", str(tmp_path / "same")])
    assert "calibrated on the results" not in capsys.readouterr().err
    assert "calibrated on the results" not in (tmp_path / "same" / "report.html").read_text()
    capsys.readouterr()
    # a bad ensemble: one line, exit 2, nothing written
    bad = tmp_path / "bad.parquet"
    bad.write_text("x")
    assert main([*argv, "--ensemble", str(bad), "--out", str(tmp_path / "none")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "bad.parquet" in lines[0]
    assert not (tmp_path / "none").exists()


def test_the_shipped_ensemble_belongs_to_these_results() -> None:
    """The calibrated ensemble of the default scenario ships with the package, calibrated on
    this version's results: a change of results (a version bump, see the CHANGELOG) must
    regenerate it in the same change, with the command in its metadata."""
    from hlmsim import __version__
    from hlmsim.calibrate.config import load_calibration
    from hlmsim.calibrate.posterior import shipped_ensemble_path

    path = shipped_ensemble_path("default")
    assert path.is_file(), f"{path} is missing: run `hlmsim calibrate` (docs/calibration.md)"
    assert path.stat().st_size < 2_000_000
    ens = load_ensemble(path)
    assert ens.meta["hlmsim_version"] == __version__, (
        f"the shipped ensemble was calibrated on version {ens.meta['hlmsim_version']}, the"
        f" package is {__version__}: regenerate it with `{ens.meta['command']}` and copy its"
        f" ensemble.parquet to {path}"
    )
    assert ens.meta["scenario"] == "default"
    assert ens.meta["command"].startswith("hlmsim calibrate default")
    assert 100 <= len(ens) <= 1000
    # calibrated with the shipped calibration file as it is (its spec, priors and targets)
    assert ens.meta["calibration_hash"] == load_calibration().hash, (
        f"hlmsim/calibrations/default.toml changed since the shipped ensemble: regenerate it with"
        f" `{ens.meta['command']}`"
    )
    # the parameters are those the shipped calibration calibrates, inside their priors
    cal = load_calibration()
    assert ens.parameters == [p.name for p in cal.priors]
    for p in cal.priors:
        col = ens.values[p.name]
        assert col.between(p.low, p.high).all(), p.name
