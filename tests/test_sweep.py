"""Sweeps: the run store (resume after kill -9 or Ctrl-C, never a run twice), executors (local
pool, Dask) giving the same results, failed runs recorded, experiment-file errors on one line,
and every shipped experiment running end to end in its quick size."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hlmsim.params import field_meta
from hlmsim.patterns import LOG_RATIO
from hlmsim.sweep.cli import main as sweep_main
from hlmsim.sweep.engine import model_runner, sweep
from hlmsim.sweep.experiment import EXPERIMENT_DIRS, load_experiment
from hlmsim.sweep.store import RunStore

SHIPPED = EXPERIMENT_DIRS[-1]  # hlmsim/experiments, shipped with the package
EXPERIMENTS = sorted(SHIPPED.glob("*.toml"))

SMALL_BASE = """
name = "small"
arrangement = "ciusss_social_worker"
months = 12
[[milieux]]
name = "m0"
[[milieux.ensembles]]
units = 60
share_family = 0.4
share_senior = 0.3
[[milieux]]
name = "m1"
[[milieux.ensembles]]
units = 40
share_family = 0.2
share_senior = 0.5
"""


def experiment(tmp: Path, body: str, name: str = "exp") -> Path:
    """An experiment file in ``tmp`` on a small two-milieu base scenario (12 months)."""
    (tmp / "small.toml").write_text(SMALL_BASE)
    path = tmp / f"{name}.toml"
    path.write_text(f'name = "{name}"\nbase = "small.toml"\n' + body)
    return path


FACTORIAL = """
arrangements = ["ciusss_social_worker", "community_worker"]
replications = 3
outcomes = ["needs_met", "trust_worker"]
series = ["needs_met"]
batch_size = 4
[sampler]
method = "factorial"
seed = 11
[parameters]
worker_turnover_annual = [0.05, 0.3, 0.6]
worker_vacancy_months = { range = [1, 9], levels = 3 }
"""


def _no_duplicates(out: Path, distinct: int) -> None:
    store = RunStore(out / "store")
    keys = pd.concat([pd.read_parquet(p, columns=["run_key"]) for p in store.files()])
    assert keys["run_key"].is_unique  # no run was stored twice
    assert len(keys) == distinct


# --- the run store -----------------------------------------------------------------------------


def test_sigkill_then_resume_gives_the_uninterrupted_results(tmp_path: Path) -> None:
    body = FACTORIAL.replace("replications = 3", "replications = 5")
    exp = experiment(tmp_path, body)  # 3 x 3 x 2 x 5 = 90 runs, batches of 4
    reference = sweep(exp, tmp_path / "reference", workers=1)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "hlmsim.sweep", str(exp), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            store = out / "store"
            if store.is_dir() and len(list(store.glob("runs-*.parquet"))) >= 3:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # the sweep's process only: its workers must follow
        proc.wait(timeout=30)
    finally:
        time.sleep(1.5)  # the workers notice their parent is gone within a second
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    assert not (out / "results.parquet").exists()
    stored = len(RunStore(out / "store").index())
    assert 0 < stored < len(reference)

    done = subprocess.run(
        [*cmd, "--resume"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"{stored} reused from the store" in done.stdout
    resumed = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(resumed, reference)
    _no_duplicates(out, len(reference))
    series_a = pd.read_parquet(out / "series.parquet")
    series_b = pd.read_parquet(tmp_path / "reference" / "series.parquet")
    pd.testing.assert_frame_equal(series_a, series_b)


class _Interrupt:
    """A runner that is interrupted (Ctrl-C) after ``after`` runs; it counts its calls."""

    def __init__(self, after: int | None = None) -> None:
        self.after, self.calls = after, 0

    def __call__(self, scen, seed):  # noqa: ANN001, ANN204
        self.calls += 1
        if self.after is not None and self.calls > self.after:
            raise KeyboardInterrupt
        return model_runner(scen, seed)


def test_ctrl_c_saves_finished_runs_and_no_run_is_run_twice(tmp_path: Path) -> None:
    exp = experiment(tmp_path, FACTORIAL)  # 3 x 3 x 2 x 3 = 54 runs
    out = tmp_path / "sweep"
    first = _Interrupt(after=10)
    with pytest.raises(KeyboardInterrupt):
        sweep(exp, out, workers=1, runner=first)
    assert len(RunStore(out / "store").index()) == 10  # a partial batch is saved too
    second = _Interrupt()
    res = sweep(exp, out, workers=1, resume=True, runner=second)
    assert second.calls == len(res) - 10
    assert res.attrs["reused"] == 10
    third = _Interrupt()
    again = sweep(exp, out, workers=1, resume=True, runner=third)
    assert third.calls == 0  # everything is in the store
    pd.testing.assert_frame_equal(res, again)
    _no_duplicates(out, len(res))


def test_identical_scenarios_are_run_once(tmp_path: Path) -> None:
    # 12 Latin hypercube points of a whole number in [2, 3]: only two distinct scenarios
    exp = experiment(
        tmp_path,
        """
replications = 2
[sampler]
method = "latin"
seed = 5
samples = 12
[parameters]
n_partners = { range = [2, 3] }
""",
    )
    counter = _Interrupt()
    res = sweep(exp, tmp_path / "out", workers=1, runner=counter)
    assert len(res) == 24
    assert set(res["n_partners"]) == {2, 3}
    assert counter.calls == 4  # 2 scenarios x 2 seeds
    assert res.groupby(["n_partners", "replication"])["needs_met"].nunique().max() == 1


def test_replication_seeds_are_common_across_arrangements_and_points(tmp_path: Path) -> None:
    exp = experiment(tmp_path, FACTORIAL)
    res = sweep(exp, tmp_path / "out", workers=1)
    seeds = res.groupby("replication")["seed"].nunique()
    assert (seeds == 1).all()
    assert res["seed"].nunique() == 3
    assert list(res.columns[:6]) == [
        "sample_id",
        "arrangement",
        "replication",
        "seed",
        "run_key",
        "status",
    ]


# --- executors ---------------------------------------------------------------------------------


DASK_SCRIPT = """
import sys
from distributed import LocalCluster
from hlmsim.sweep.cli import main

with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                  dashboard_address=None) as cluster:
    code = main([sys.argv[1], "--out", sys.argv[2], "--scheduler", cluster.scheduler_address])
sys.exit(code)
"""


def test_dask_cluster_gives_the_local_pool_results(tmp_path: Path) -> None:
    # the cluster lives in a child process: its threads must not share a process that forks
    exp = experiment(tmp_path, FACTORIAL)
    pool = sweep(exp, tmp_path / "pool", workers=2)
    done = subprocess.run(
        [sys.executable, "-c", DASK_SCRIPT, str(exp), str(tmp_path / "dask")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    dask = pd.read_parquet(tmp_path / "dask" / "results.parquet")
    pd.testing.assert_frame_equal(dask, pool)
    meta = json.loads((tmp_path / "dask" / "sweep.json").read_text())
    assert meta["summary"]["executor"] == "dask"


# --- failures ----------------------------------------------------------------------------------


def failing_runner(scen, seed):  # noqa: ANN001, ANN201 - module level: pool workers import it
    if scen.params.get("worker_vacancy_months") == 9.0:
        raise RuntimeError("injected failure at vacancy 9")
    return model_runner(scen, seed)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    exp = experiment(tmp_path, FACTORIAL)
    out = tmp_path / "out"
    res = sweep(exp, out, workers=2, runner=failing_runner)
    bad = res["worker_vacancy_months"] == 9.0
    assert (res.loc[bad, "status"] == "failed").all()
    assert res.loc[bad, "needs_met"].isna().all()
    assert (res.loc[~bad, "status"] == "ok").all()
    assert res.attrs["failed"] == int(bad.sum()) == 18
    lines = (out / "failures.jsonl").read_text().splitlines()
    assert len(lines) == 18
    first = json.loads(lines[0])
    assert first["parameters"]["worker_vacancy_months"] == 9.0
    assert "injected failure at vacancy 9" in first["error"]
    assert "Traceback" in first["traceback"] and "failing_runner" in first["traceback"]
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["summary"]["failed"] == 18 and meta["state"] == "complete"

    # failed runs stay failed on --resume, unless asked to run them again
    counter = _Interrupt()
    sweep(exp, out, workers=1, resume=True, runner=counter)
    assert counter.calls == 0
    fixed = sweep(exp, out, workers=1, resume=True, retry_failed=True, runner=counter)
    assert counter.calls == 18
    assert (fixed["status"] == "ok").all()
    assert (out / "failures.jsonl").read_text() == ""


# --- experiment files: errors ------------------------------------------------------------------

GOOD = """
arrangements = ["ciusss_social_worker"]
replications = 2
[sampler]
method = "latin"
seed = 1
samples = 4
[parameters]
worker_turnover_annual = { range = [0.05, 0.5] }
"""

BAD = [
    ("replicatons = 3\n" + GOOD, "replicatons: unknown key (did you mean: replications?)"),
    (
        GOOD.replace("worker_turnover_annual =", "worker_turnover_anual ="),
        "parameters.worker_turnover_anual: unknown parameter (did you mean: worker_turnover_annual",
    ),
    (GOOD.replace("replications = 2", 'replications = "two"'), "replications: Input should be"),
    (
        GOOD.replace("[0.05, 0.5]", "[0.05, 1.2]"),
        "parameters.worker_turnover_annual.range: [0.05, 1.2] is outside the parameter's range"
        " [0, 0.9]",
    ),
    (
        GOOD.replace("{ range = [0.05, 0.5] }", "[0.1, 2.0]"),
        "parameters.worker_turnover_annual.values[1]: Input should be less than or equal to 0.9",
    ),
    (GOOD.replace('"ciusss_social_worker"', '"ciuss_social_worker"'), "arrangements[0]: unknown"),
    (
        GOOD.replace('method = "latin"', 'method = "sobol"').replace("samples = 4", "samples = 6"),
        "sampler.samples: must be a power of 2 for Sobol' sequences (got 6; try 4 or 8)",
    ),
    (GOOD.replace('method = "latin"', 'method = "lhs"'), "sampler.method: Input should be"),
    (GOOD.replace("samples = 4", "sample = 4"), "sampler.sample: unknown key (did you mean"),
    (GOOD.split("[sampler]")[0], "sampler: missing [sampler] table"),
    (
        GOOD.replace('method = "latin"', 'method = "factorial"').replace("samples = 4\n", ""),
        "parameters.worker_turnover_annual: the factorial sampler needs levels",
    ),
    (
        GOOD + "[constants]\nworker_turnover_annual = 0.1\n",
        "constants.worker_turnover_annual: is both varied (parameters) and constant",
    ),
    (
        GOOD + "[constants]\nn_partners = 2.5\n",
        "constants.n_partners: Input should be a valid integer",
    ),
    (
        GOOD.replace("{ range = [0.05, 0.5] }", '{ distribution = "normal", mean = 0.2 }'),
        "parameters.worker_turnover_annual: a normal distribution needs mean and sd",
    ),
    (
        GOOD + "[parameters.worker_grant_funded]\nrange = [0, 1]\n",
        "parameters.worker_grant_funded: a range or distribution needs a numeric parameter",
    ),
    ('outcomes = ["needs_mett"]\n' + GOOD, "outcomes[0]: unknown outcome 'needs_mett'"),
    (
        GOOD + '[[events]]\nmonth = 40\nkind = "funding_cut"\n',
        "events[0].month: month 40 is beyond the horizon (12 months)",
    ),
    (GOOD + "[quick]\nreplication = 1\n", "quick.replication: unknown key"),
    ("name = [1\n", "malformed TOML"),
]


@pytest.mark.parametrize("text,expected", BAD)
def test_malformed_experiment_files_give_one_line_and_exit_2(
    tmp_path: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = experiment(tmp_path, text)
    code = sweep_main([str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"hlmsim: error: {path}: "), lines[0]
    assert expected in lines[0], lines[0]
    assert not (tmp_path / "out").exists()  # nothing is written


def test_command_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = experiment(tmp_path, GOOD)
    cases = [
        ([str(tmp_path / "nope.toml")], "nope.toml: file not found"),
        (["no_such_experiment"], "unknown experiment 'no_such_experiment'"),
        ([str(path), "--workers", "0"], "--workers: must be a whole number of at least 1"),
        ([str(path), "--retry-failed"], "--retry-failed: only applies with --resume"),
        ([str(path), "--quick"], "quick: --quick needs a [quick] table"),
        (
            [str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
            "give either --workers",
        ),
    ]
    for argv, expected in cases:
        assert sweep_main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("hlmsim: error: "), err
        assert expected in err[0], err
    out = tmp_path / "out"
    assert sweep_main([str(path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    assert sweep_main([str(path), "--out", str(out)]) == 2  # no --resume: never overwritten
    assert "already holds a sweep; add --resume" in capsys.readouterr().err
    other = experiment(tmp_path, GOOD.replace("samples = 4", "samples = 5"), name="other")
    assert sweep_main([str(other), "--out", str(out), "--resume"]) == 2
    assert "holds a sweep of another experiment" in capsys.readouterr().err
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    assert sweep_main([str(path), "--out", str(tmp_path / "foreign")]) == 2
    assert "holds other files than a sweep's" in capsys.readouterr().err
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


# --- the shipped experiments -------------------------------------------------------------------


def test_shipped_experiments_validate_at_full_size() -> None:
    names = {p.stem for p in EXPERIMENTS}
    assert {
        "staff_turnover",
        "meeting_frequency",
        "funding_cut",
        "sobol_uncertain",
    } <= names
    for path in EXPERIMENTS:
        exp = load_experiment(path)
        assert exp.n_runs >= 500, path  # realistic study sizes
        quick = load_experiment(path, quick=True)
        assert quick.n_runs <= 60, path  # CI sizes
    sobol = load_experiment(SHIPPED / "sobol_uncertain.toml")
    assert sobol.method == "sobol" and len(sobol.factors) == 14
    assert sobol.spec.outcomes == ["needs_met", "cost_per_need_met"]
    cut = load_experiment(SHIPPED / "funding_cut.toml")
    assert [(e.month, e.kind) for e in cut.base.events] == [(37, "funding_cut")]


#: Parameters that swing the headline difference (CIUSSS social worker against services as
#: usual) across their plausible ranges (issue 11): every sensitivity experiment varies them.
HEADLINE_DRIVERS = (
    "need_give_up_months",
    "mutual_aid_formation",
    "mutual_aid_contagion",
    "engagement_half_life_months",
    "need_self_resolve_monthly",
)


@pytest.mark.parametrize("name", ["morris_screening", "sobol_uncertain"])
def test_sensitivity_experiments_run_ten_years_on_the_plausible_ranges(name: str) -> None:
    for quick in (False, True):
        exp = load_experiment(SHIPPED / f"{name}.toml", quick=quick)
        assert exp.base.months == (12 if quick else 120), (name, quick)  # a ten-year answer
        names = [f.name for f in exp.factors]
        assert set(HEADLINE_DRIVERS) <= set(names), name
        assert "ciusss_social_worker" in exp.arrangements
        for f in exp.factors:  # one source for each range: the schema's plausible range
            meta = field_meta(f.name)
            assert (f.low, f.high) == meta["plausible"], f
            lo, hi = meta["plausible"]
            if f.dist in ("uniform", "loguniform"):  # as the robustness check samples it
                log = lo > 0 and hi / lo >= LOG_RATIO - 1e-9
                assert f.dist == ("loguniform" if log else "uniform"), f
    if name == "morris_screening":  # both sides of the headline comparison, at full size
        full = load_experiment(SHIPPED / f"{name}.toml")
        assert full.arrangements == ["ciusss_social_worker", "services_as_usual"]


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_experiment_runs_and_analyses_in_its_quick_size(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / path.stem
    assert sweep_main([str(path), "--quick", "--out", str(out), "--workers", "2"]) == 0
    res = pd.read_parquet(out / "results.parquet")
    exp = load_experiment(path, quick=True)
    assert len(res) == exp.n_runs
    assert (res["status"] == "ok").all()
    assert sweep_main(["analyze", str(out)]) == 0
    files = {p.name for p in (out / "analysis").iterdir()}
    assert {"summary.md", "points.csv", "arrangements.csv"} <= files
    assert any(f.endswith(".png") for f in files)
    if exp.method == "sobol":
        assert "sobol.csv" in files
    if exp.method == "morris":
        assert "morris.csv" in files
    capsys.readouterr()
