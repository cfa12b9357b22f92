"""The comparison engine and ``hlmsim compare``: confidence intervals, common random numbers,
worker-count invariance, precision mode, command-line errors and outputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import hlmsim
from hlmsim.cli import main
from hlmsim.compare import (
    MAX_REPLICATIONS,
    CompareResult,
    arrangement_scenarios,
    compare,
    parse_precision,
    precision_met,
    summarise_finals,
)
from hlmsim.errors import InputError
from hlmsim.outcomes import KEY_OUTCOMES, final_values, maturity_month
from hlmsim.replication import BATCH, batch_seeds, mean_ci
from hlmsim.scenario import load_scenario, scenario_hash
from hlmsim.targets import load_catalogue
from hlmsim.targets.engine import plan_targets, run_targets

CIUSSS, SAU = "ciusss_social_worker", "services_as_usual"


@pytest.fixture(scope="module")
def short() -> hlmsim.Scenario:
    """The default scenario over three years (the engine's cost is per month)."""
    return load_scenario("default", months=36)


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hlmsim: error: "), err
    return lines[0]


# --- confidence intervals ------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 10, 57])
def test_mean_ci_matches_scipy(n: int) -> None:
    x = np.random.default_rng(n).normal(5.0, 2.0, size=n)
    m, lo, hi, sd = mean_ci(x)
    elo, ehi = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert m == pytest.approx(x.mean())
    assert (lo, hi) == (pytest.approx(elo, rel=1e-12), pytest.approx(ehi, rel=1e-12))
    assert sd == pytest.approx(x.std(ddof=1))
    lo90, hi90 = mean_ci(x, level=0.9)[1:3]
    assert (lo90, hi90) == pytest.approx(stats.t.interval(0.9, n - 1, x.mean(), stats.sem(x)))


def test_mean_ci_ignores_nan_and_degenerate_cases() -> None:
    x = np.array([1.0, np.nan, 3.0, 2.0])
    assert mean_ci(x)[:3] == pytest.approx(
        (2.0, *stats.t.interval(0.95, 2, loc=2.0, scale=stats.sem([1.0, 3.0, 2.0])))
    )
    m, lo, hi, sd = mean_ci(np.array([4.0]))
    assert m == 4.0 and math.isnan(lo) and math.isnan(hi) and math.isnan(sd)
    assert all(math.isnan(v) for v in mean_ci(np.array([np.nan])))


def _synthetic_finals(n: int = 25) -> pd.DataFrame:
    """Fake final-year outcomes of three arrangements, correlated within a replication."""
    rng = np.random.default_rng(7)
    rows = []
    world = rng.normal(0, 1, size=n)  # what the replication's seed shares between arms
    for shift, arr in enumerate(["a", "b", "ref"]):
        for i in range(n):
            row = {"arrangement": arr, "replication": i, "seed": 100 + i}
            for k, name in enumerate(KEY_OUTCOMES):
                row[name] = 10 + k + shift + 2 * world[i] + rng.normal(0, 0.5)
            rows.append(row)
    return pd.DataFrame(rows)


def test_summarise_finals_paired_cis_match_scipy() -> None:
    finals = _synthetic_finals()
    summary, diffs = summarise_finals(finals, "ref")
    assert len(summary) == 3 * len(KEY_OUTCOMES)
    assert set(diffs["arrangement"]) == {"a", "b"}
    for arr in ("a", "b"):
        g = finals[finals["arrangement"] == arr].set_index("replication")
        r = finals[finals["arrangement"] == "ref"].set_index("replication")
        for name in ("needs_met", "security", "cost"):
            d = (g[name] - r[name]).to_numpy()
            row = diffs[(diffs["arrangement"] == arr) & (diffs["outcome"] == name)].iloc[0]
            lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
            assert row["mean_diff"] == pytest.approx(d.mean())
            assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
            assert row["half_width"] == pytest.approx((hi - lo) / 2)
            assert row["n"] == len(d)
            # the paired interval is the one-sample interval of the differences, not a
            # two-sample one: here it is much narrower
            two = stats.ttest_ind(g[name], r[name]).confidence_interval(0.95)
            assert hi - lo < 0.5 * (two.high - two.low)
            s = summary[(summary["arrangement"] == arr) & (summary["outcome"] == name)].iloc[0]
            x = g[name].to_numpy()
            assert (s["ci_low"], s["ci_high"]) == pytest.approx(
                stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
            )


# --- maturity ------------------------------------------------------------------------------


def test_maturity_month_on_synthetic_series() -> None:
    assert maturity_month(np.full(60, 5.0)) == 12.0  # no change: mature from the first window
    ramp = np.concatenate([np.linspace(0, 10, 48), np.full(72, 10.0)])
    rolling = np.convolve(ramp, np.ones(12) / 12, mode="valid")
    covered = (rolling - rolling[0]) / (rolling[-1] - rolling[0])
    expected = np.flatnonzero(covered >= 0.9)[0] + 12
    assert maturity_month(ramp) == expected
    assert 40 < maturity_month(ramp) < 60
    step = np.concatenate([np.zeros(30), np.full(90, 1.0)])
    # 12-month mean covers 0.9 of the change when 11 of its 12 months are after the step
    assert maturity_month(step) == 41.0
    assert maturity_month(step, share=0.5) == 36.0  # exactly half: 6 of 12 months
    # a falling stock (unmet needs) matures the same way as a rising one
    assert maturity_month(1 - step) == 41.0
    assert maturity_month(100 * (1 - step) + 50) == 41.0
    assert math.isnan(maturity_month(np.ones(11)))  # shorter than a year
    assert maturity_month(np.zeros(40)) == 12.0  # nothing changes
    assert math.isnan(maturity_month(np.r_[np.ones(30), np.full(12, np.nan)]))


# --- the engine ----------------------------------------------------------------------------


def test_batch_seeds_are_a_stable_prefix() -> None:
    assert batch_seeds(3, 5)[:2] == batch_seeds(3, 2)
    assert len(set(batch_seeds(3, 50))) == 50
    assert batch_seeds(3, 2) != batch_seeds(4, 2)


@pytest.fixture(scope="module")
def crn(short: hlmsim.Scenario) -> tuple[CompareResult, CompareResult]:
    """40 paired replications with seed 0, and the same with seed 1 (independent worlds).

    The worker makes 60 contacts a month (not the calibrated 140): the more the worker does,
    the more of the difference comes from the worker's own random choices, which the arm
    without a worker cannot share; at 140 contacts pairing cuts the variance of differences in
    unmet needs by about a third instead of two thirds."""
    short = short.model_copy(
        update={"params": {**short.params, "worker_contacts_per_fte_month": 60}}
    )
    a = compare(short, [CIUSSS], reference=SAU, replications=40, seed=0, workers=2)
    b = compare(short, [CIUSSS], reference=SAU, replications=40, seed=1, workers=2)
    return a, b


def _arm(r: CompareResult, arrangement: str, name: str) -> np.ndarray:
    f = r.finals[r.finals["arrangement"] == arrangement].sort_values("replication")
    return f[name].to_numpy(dtype=float)


def test_common_random_numbers_reduce_the_variance_of_differences(
    crn: tuple[CompareResult, CompareResult],
) -> None:
    """Paired (same seed) differences vary much less than differences between independent
    worlds: this fails if the arms did not share their random streams."""
    a, b = crn
    n = a.replications
    # Needs met, a flow, follows the needs that arise in the shared worlds: pairing halves the
    # variance of its differences. Unmet needs, a stock that residents' own requests and the
    # waiting lists keep reshuffling, gain less (about 5% at version 0.4.0), but never lose.
    for name, max_ratio in (("needs_met", 0.6), ("needs_unmet", 1.0)):
        paired = _arm(a, CIUSSS, name) - _arm(a, SAU, name)
        independent = _arm(a, CIUSSS, name) - _arm(b, SAU, name)
        ratio = paired.var(ddof=1) / independent.var(ddof=1)
        assert ratio < max_ratio, (name, ratio)
        if name == "needs_met":  # one-sided F-test: paired variance is smaller
            assert stats.f.cdf(ratio, n - 1, n - 1) < 0.01, ratio
    # the reported paired CI is the narrow one
    row = a.differences.query("arrangement == @CIUSSS and outcome == 'needs_unmet'").iloc[0]
    paired = _arm(a, CIUSSS, "needs_unmet") - _arm(a, SAU, "needs_unmet")
    assert row["sd"] == pytest.approx(paired.std(ddof=1))
    # the worlds really are shared: same households arrive with the same seed
    assert a.metadata["batch_seeds"] == batch_seeds(0, 4)
    seeds = a.finals.groupby("arrangement")["seed"].apply(list)
    assert seeds[CIUSSS] == seeds[SAU]


def test_result_shape_and_metadata(crn: tuple[CompareResult, CompareResult]) -> None:
    a, _ = crn
    assert a.replications == 40 and a.arrangements == [CIUSSS, SAU] and a.reference == SAU
    assert len(a.runs) == 2 * 40 * 36
    assert set(a.runs["replication"]) == set(range(40))
    assert len(a.finals) == 80 and list(a.finals.columns[4:]) == list(KEY_OUTCOMES)
    assert len(a.summary) == 2 * len(KEY_OUTCOMES)
    assert len(a.differences) == len(KEY_OUTCOMES)
    for key in ("hlmsim_version", "scenario_hash", "seed", "batch_seeds", "replications"):
        assert key in a.metadata
    assert a.metadata["batch_size"] == BATCH and a.metadata["precision"] is None


def test_identical_results_with_one_and_two_workers(short: hlmsim.Scenario) -> None:
    one = compare(short, [CIUSSS], replications=15, seed=5, workers=1)
    two = compare(short, [CIUSSS], replications=15, seed=5, workers=2)
    for attr in ("runs", "finals", "summary", "differences"):
        pd.testing.assert_frame_equal(getattr(one, attr), getattr(two, attr))
    assert set(one.runs["replication"]) == set(range(15))  # not a multiple of the batch
    drop = {"workers", "started", "executor"}
    assert {k: v for k, v in one.metadata.items() if k not in drop} == {
        k: v for k, v in two.metadata.items() if k not in drop
    }


def test_precision_stops_when_and_only_when_the_target_is_met(short: hlmsim.Scenario) -> None:
    target = "8%"
    r = compare(short, [CIUSSS], precision=target, seed=0, workers=1, max_replications=100)
    n = r.replications
    assert n % BATCH == 0 and 2 * BATCH < n < 100, n
    parsed = parse_precision(target)
    assert parsed == (0.08, True)
    assert precision_met(r.differences, parsed)
    effects = r.differences[r.differences["outcome"] != "time_to_maturity"]
    assert effects["relative_half_width"].max() <= 0.08
    # the descriptive time to maturity does not hold the stop rule back, however imprecise
    vague = r.differences.copy()
    vague.loc[vague["outcome"] == "time_to_maturity", "relative_half_width"] = 10.0
    assert precision_met(vague, parsed)
    _, before = summarise_finals(r.finals[r.finals["replication"] < n - BATCH], SAU)
    assert not precision_met(before, parsed)
    assert r.metadata["precision"] == {
        "text": "8%",
        "value": 0.08,
        "relative": True,
        "met": True,
        "max_replications": 100,
    }
    # running batches ahead (4 workers, 2 arrangements) changes neither the stop nor the numbers
    r4 = compare(short, [CIUSSS], precision=target, seed=0, workers=4, max_replications=100)
    assert r4.replications == n
    pd.testing.assert_frame_equal(r.finals, r4.finals)


def test_precision_stops_at_the_cap(short: hlmsim.Scenario) -> None:
    r = compare(short, [CIUSSS], precision="0.000001", workers=2, max_replications=30)
    assert r.replications == 30
    assert r.metadata["precision"]["met"] is False
    assert r.metadata["precision"]["relative"] is False
    assert r.differences["half_width"].max() > 0.000001
    assert MAX_REPLICATIONS >= 100


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"arrangements": ["ciuss_social_worker"]}, "did you mean: ciusss_social_worker"),
        ({"reference": "nobody"}, "--reference"),
        ({"arrangements": [CIUSSS, CIUSSS]}, "once"),
        ({"arrangements": [SAU]}, "besides the reference"),
        ({"replications": 1}, "--replications"),
        ({"replications": 2.5}, "--replications"),
        ({"precision": "abc"}, "--precision"),
        ({"precision": "-1"}, "--precision"),
        ({"precision": "0%"}, "--precision"),
        ({"precision": "5%", "replications": 10}, "not both"),
        ({"seed": -1}, "--seed"),
        ({"workers": 0}, "--workers"),
    ],
)
def test_compare_rejects_bad_arguments(kwargs: dict, needle: str) -> None:
    with pytest.raises(InputError, match=needle.replace("(", r"\(")):
        compare("default", **kwargs)


def test_targets_in_the_same_pool_are_those_of_run_targets(short: hlmsim.Scenario) -> None:
    """``compare(..., targets=N)`` measures the targets as ``run_targets`` does, bit for bit,
    reading the runs that are an arrangement's from the comparison's own batches."""
    calls: list[tuple[int, int]] = []
    r = compare(
        short,
        [CIUSSS, "community_worker"],
        replications=12,
        seed=3,
        workers=2,
        targets=12,
        progress=lambda done, total: calls.append((done, total)),
    )
    alone = run_targets(scenario=short, replications=12, seed=3, workers=1)
    pd.testing.assert_frame_equal(r.targets.table, alone.table)
    assert r.targets.values.keys() == alone.values.keys()
    for k, v in alone.values.items():
        np.testing.assert_array_equal(r.targets.values[k], v)
    drop = {"workers", "started", "seconds"}
    assert {k: v for k, v in r.targets.metadata.items() if k not in drop} == {
        k: v for k, v in alone.metadata.items() if k not in drop
    }
    assert r.metadata["targets"] == {
        "replications": 12,
        "catalogue": alone.metadata["catalogue"],
        "catalogue_sha256": alone.metadata["catalogue_sha256"],
        **{role: alone.counts(role) for role in ("calibration", "validation")},
    }
    # the targets' runs on an arrangement's scenario are not run again: only the others are
    plan = plan_targets(scenario=short, replications=12, seed=3)
    arms = {scenario_hash(s) for s in arrangement_scenarios(short, r.arrangements).values()}
    own = sum(scenario_hash(s) not in arms for s in plan.runs.values())
    assert 0 < own < len(plan.runs)
    assert calls[-1] == (3 * 2 + own * 2, 3 * 2 + own * 2)
    # and the comparison itself is the one without targets
    plain = compare(short, [CIUSSS, "community_worker"], replications=12, seed=3, workers=1)
    for attr in ("runs", "finals", "summary", "differences"):
        pd.testing.assert_frame_equal(getattr(r, attr), getattr(plain, attr))
    with pytest.raises(InputError, match="at least 2"):
        compare(short, [CIUSSS], replications=2, targets=1)


def test_the_figures_drawn_beside_are_the_same_bytes(
    crn: tuple[CompareResult, CompareResult],
) -> None:
    """The time series drawn in a child process while the others are drawn here: the same PNG
    files as one after the other."""
    from hlmsim.reporting.comparison import (
        figure_cost,
        figure_differences,
        figure_series,
        make_figures,
    )

    a, _ = crn
    assert make_figures(a, "fr") == {
        "series": figure_series(a, "fr"),
        "differences": figure_differences(a, "fr"),
        "cost": figure_cost(a, "fr"),
    }


def test_api_is_exported() -> None:
    assert hlmsim.compare is compare and hlmsim.CompareResult is CompareResult


# --- command line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["--arrangements", "comunity_worker"],
            ["--arrangements", "did you mean: community_worker"],
        ),
        (["--reference", "nobody"], ["--reference", "nobody"]),
        (["--replications", "1"], ["--replications", "at least 2"]),
        (["--replications", "ten"], ["--replications", "'ten'"]),
        (["--precision", "abc"], ["--precision", "abc"]),
        (["--precision", "-1"], ["--precision", "-1"]),
        (["--precision", "0%"], ["--precision", "0%"]),
        (["--precision", "5%", "--replications", "20"], ["--precision", "not both"]),
        (["--targets", "1"], ["--targets", "at least 2"]),
        (["--targets", "some"], ["--targets", "'some'"]),
        (["--seed", "-2"], ["--seed", "-2"]),
        (["--seed", "x"], ["--seed", "'x'"]),
        (["--workers", "0"], ["--workers", "0"]),
        (["--lang", "de"], ["--lang", "de"]),
        (["nosuch"], ["unknown scenario", "nosuch"]),
    ],
)
def test_cli_bad_arguments(
    args: list[str], needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["compare", *args, "--out", str(out)]) == 2
    line = _error_line(capsys)
    for needle in needles:
        assert needle in line, (needle, line)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_folder_with_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["compare", "--replications", "2", "--out", str(out)]) == 2
    assert "notes.txt" in _error_line(capsys)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_cli_compare_writes_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = tmp_path / "short.toml"
    scen.write_text('base = "default"\nname = "short"\nmonths = 24\n', encoding="utf-8")
    out = tmp_path / "cmp"
    argv = ["compare", str(scen), "--arrangements", "concertation_only", "--replications",
            "10", "--seed", "4", "--workers", "1", "--targets", "2", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "Comparing 2 arrangements" in captured.err
    assert f"report: {out / 'report.html'}" in captured.out
    assert "Concertation only" in captured.out and "plausible world" in captured.out
    assert "Against the facts, on this scenario (2 replications)" in captured.out
    assert {p.name for p in out.iterdir()} == {
        "report.html", "figures", "runs.parquet", "summary.csv", "differences.csv",
        "finals.csv", "ranks.csv", "spread.csv", "metadata.json", "targets.csv",
    }  # fmt: skip
    # the report states which targets the model meets on this scenario
    targets = pd.read_csv(out / "targets.csv")
    assert len(targets) == len(load_catalogue()) and set(targets["scenario"]) == {"short"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="facts"' in html and html.count('data-verdict="') == len(targets)
    counts = json.loads((out / "metadata.json").read_text(encoding="utf-8"))["targets"]
    assert counts["replications"] == 2
    for role in ("calibration", "validation"):
        rows = targets[targets["role"] == role]
        assert counts[role]["inside"] == (rows["verdict"] == "inside").sum()
        assert sum(counts[role].values()) == len(rows)
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["replications"] == 10 and meta["seed"] == 4
    assert meta["arrangements"] == ["concertation_only", SAU]
    assert meta["batch_seeds"] == batch_seeds(4, 1)
    assert meta["command"].startswith("hlmsim compare ") and "--seed 4" in meta["command"]
    assert meta["scenario_name"] == "short" and len(meta["scenario_hash"]) == 16
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 * len(KEY_OUTCOMES)
    assert {"mean", "ci_low", "ci_high"} <= set(summary.columns)
    assert len(pd.read_csv(out / "differences.csv")) == len(KEY_OUTCOMES)
    assert len(pd.read_csv(out / "finals.csv")) == 20
    assert len(pd.read_parquet(out / "runs.parquet")) == 2 * 10 * 24
    # running again replaces the previous comparison as a whole (no targets this time)
    assert main([*argv[:-4], "--targets", "0", "--lang", "fr", "--out", str(out)]) == 0
    assert '<html lang="fr">' in (out / "report.html").read_text(encoding="utf-8")
    assert 'id="facts"' not in (out / "report.html").read_text(encoding="utf-8")
    assert not (out / "targets.csv").exists()
    assert "rapport" in capsys.readouterr().out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_final_year_values_leave_missing_months_out() -> None:
    """One final-year rule for run summaries, comparisons, patterns and sweeps: a month whose
    value is missing is left out (a level's mean, the needs-met-weighted time to meet)."""
    months = 24
    ts = pd.DataFrame(
        {
            "needs_met": [1.0] * 12 + [2.0] * 6 + [0.0] * 6,
            "needs_abandoned": [1.0] * months,
            "needs_unmet": np.linspace(10, 4, months),
            "time_to_meet": [3.0] * 12 + [4.0] * 6 + [np.nan] * 6,
            "hard_to_reach_reached": [0.5] * 18 + [np.nan] * 6,
            "cost": [100.0] * months,
        }
    )
    f = final_values(ts, ["needs_met", "time_to_meet", "hard_to_reach_reached", "cost"])
    assert f == {
        "needs_met": 12.0,
        "time_to_meet": 4.0,
        "hard_to_reach_reached": 0.5,
        "cost": 1200.0,
    }
    f = final_values(ts, ["needs_met_share", "cost_per_need_met", "time_to_maturity"])
    assert f["needs_met_share"] == 12 / 24 and f["cost_per_need_met"] == 100.0
    assert f["time_to_maturity"] == maturity_month(ts["needs_unmet"].to_numpy())
    # many replicates at once: one value per row, the same as row by row
    many = {k: np.stack([ts[k].to_numpy(), ts[k].to_numpy()[::-1]]) for k in ts.columns}
    rows = final_values(many, ["needs_met", "time_to_meet"])
    for i in range(2):
        one = final_values({k: v[i] for k, v in many.items()}, ["needs_met", "time_to_meet"])
        assert rows["needs_met"][i] == one["needs_met"]
        assert rows["time_to_meet"][i] == one["time_to_meet"] or np.isnan(one["time_to_meet"])
    # a year with nothing to average stays missing
    empty = final_values({"hard_to_reach_reached": np.full(12, np.nan)}, ["hard_to_reach_reached"])
    assert np.isnan(empty["hard_to_reach_reached"])


def test_key_outcomes_come_from_the_declarations() -> None:
    from hlmsim.outcomes import ALL_OUTCOMES

    assert list(KEY_OUTCOMES)[:3] == ["needs_met", "needs_met_share", "needs_unmet"]
    assert list(KEY_OUTCOMES)[-1] == "time_to_maturity" and KEY_OUTCOMES["time_to_maturity"] == 0
    for name, direction in KEY_OUTCOMES.items():
        assert ALL_OUTCOMES[name].key and ALL_OUTCOMES[name].direction == direction
    assert sum(1 for o in ALL_OUTCOMES.values() if o.key) == len(KEY_OUTCOMES)
