"""`hlmsim analyze` under uncertainty: ties share "best" (identical arrangements get equal
probabilities, not a winner), intervals are over replications (not over sample points) and
shrink as replications grow, figures and tables show parameters by label, heat maps share one
colour scale, arrangements keep the comparison report's colours, and the report renders in
English and French."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_analyze import SMALL_BASE

from hlmsim.i18n import t
from hlmsim.outcomes import OUTCOMES
from hlmsim.params import field_meta
from hlmsim.reporting import analysis as report
from hlmsim.reporting import style
from hlmsim.reporting.values import param_label
from hlmsim.sweep.analysis import compute, discovery_cases, prepare
from hlmsim.sweep.engine import sweep
from hlmsim.sweep.experiment import parse_experiment
from hlmsim.uncertainty import rank_table

BASE = SMALL_BASE  # the small one-milieu scenario of tests/test_analyze.py
ARRS = ["ciusss_social_worker", "community_worker", "omh_worker"]
TEMPLATE = pd.DataFrame(
    {"month": np.arange(1, 13), "milieu": "all", **{k: np.ones(12) for k in OUTCOMES}}
)


def series_with(needs_met: float, reached: float = 0.5) -> pd.DataFrame:
    ts = TEMPLATE.copy()
    ts["needs_met"] = needs_met / 12
    ts["reached"] = reached
    return ts


def noise(seed: int) -> float:
    return float(np.random.default_rng(seed).normal())


def identical_runner(scen: Any, seed: int) -> pd.DataFrame:
    """Every arrangement gives the same result for a seed: they cannot be told apart."""
    return series_with(1000 + 50 * noise(seed) + 200 * scen.params["worker_turnover_annual"])


def noisy_runner(scen: Any, seed: int) -> pd.DataFrame:
    """The OMH worker is 5 better on average; chance (sd 40) blurs it, the parameter moves
    every arrangement by 400 between its two values."""
    lift = 5.0 if scen.arrangement == "omh_worker" else 0.0
    level = 800 * scen.params["worker_turnover_annual"]
    own = noise(seed + 7 * ARRS.index(scen.arrangement))
    return series_with(1000 + level + lift + 40 * own, 0.4 + 0.01 * noise(seed))


def run(tmp: Path, name: str, runner: Any, replications: int, arrs: list[str] = ARRS) -> Path:
    (tmp / "small.toml").write_text(BASE)
    data = {
        "name": name,
        "base": str(tmp / "small.toml"),
        "arrangements": arrs,
        "replications": replications,
        "outcomes": ["needs_met", "reached"],
        "batch_size": 1000,
        "sampler": {"method": "factorial", "seed": 5},
        "parameters": {
            "worker_turnover_annual": [0.0, 0.5],
            "worker_vacancy_months": [1, 12],
        },
    }
    exp = parse_experiment(data, str(tmp / f"{name}.toml"))
    out = tmp / name
    sweep(exp, out, workers=1, runner=runner)
    return out


@pytest.fixture(scope="module")
def identical(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("identical"), "identical", identical_runner, 6)


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("noisy"), "noisy", noisy_runner, 4)


def test_identical_arrangements_each_get_one_third_of_best(identical: Path) -> None:
    sw, outcomes, cond = prepare(identical)
    res = compute(sw, outcomes, cond)
    best = res.tables["best"]
    for o in ("needs_met", "reached"):
        g = best[best["outcome"] == o].set_index("arrangement")
        assert list(g.index) == ARRS
        np.testing.assert_allclose(g["p_best"], 1 / 3)
        assert (g["clear_best"] == 0).all() and (g["undecided"] == 1).all()
        assert (g["regret"] == 0).all()
    points = res.tables["best_points"]
    np.testing.assert_allclose(points["p_best"], 1 / 3)
    assert not points["clear_best"].any()
    # scenario discovery: a tie counts as best, so the CIUSSS worker is never "not best"
    assert res.condition is not None and res.condition.kind == "best"
    [(_, _, y)] = discovery_cases(res.condition, res.point_means, sw)
    assert len(y) == 4 and not y.any()
    # what the reader sees: no "100%", no winner
    text = report.summary_markdown(res, [], "en")
    english = text[: text.index("## Français")]
    assert "100%" not in english
    assert "no arrangement can be told apart from the others at any of the 4 sample points" in text
    assert "CIUSSS social worker 33%, Community-organisation worker 33%, OMH worker 33%" in text


def test_best_per_point_is_rank_table_per_point(noisy: Path) -> None:
    """Each point's probabilities are exactly what the comparison's rank_table gives for that
    point's replications (one rule for ties in both)."""
    sw, outcomes, cond = prepare(noisy)
    res = compute(sw, outcomes, cond)
    points = res.tables["best_points"]
    ok = sw.results[sw.results["status"] == "ok"]
    for sid, g in ok.groupby("sample_id"):
        ranks = rank_table(g.assign(set=g["replication"]), ARRS, ["needs_met", "reached"])
        mine = points[points["sample_id"] == sid].set_index(["outcome", "arrangement"])
        theirs = ranks.set_index(["outcome", "arrangement"])
        np.testing.assert_allclose(mine.loc[theirs.index, "p_best"], theirs["p_best"])
    # and over all points, the mean of the points' probabilities
    best = res.tables["best"].set_index(["outcome", "arrangement"])["p_best"]
    mean = points.groupby(["outcome", "arrangement"])["p_best"].mean()
    np.testing.assert_allclose(best.loc[mean.index], mean)
    assert best.groupby(level="outcome").sum().to_numpy() == pytest.approx([1.0, 1.0])


def test_intervals_are_over_replications_and_shrink_with_more(noisy: Path, tmp_path: Path) -> None:
    many = run(tmp_path, "many", noisy_runner, 40)
    few_res = compute(*prepare(noisy)[:2])
    many_res = compute(*prepare(many)[:2])

    def width(res: Any, table: str) -> pd.Series:
        tab = res.tables[table]
        tab = tab[tab["outcome"] == "needs_met"]
        return (tab["ci_high"] - tab["ci_low"]).reset_index(drop=True)

    for table in ("points", "arrangements", "effects"):
        few_w, many_w = width(few_res, table), width(many_res, table)
        assert len(few_w) == len(many_w) > 0
        assert (many_w < few_w).all(), table
    arr = many_res.tables["arrangements"].set_index(["arrangement", "outcome"])
    row = arr.loc[("omh_worker", "needs_met")]
    # the interval says how sure the mean is (chance: sd 40 over 4 points, 40 replications),
    # not how far the points spread (400 between the parameter's two values)
    assert row["ci_high"] - row["ci_low"] < 40
    assert row["point_max"] - row["point_min"] == pytest.approx(400, abs=40)
    assert row["replications"] == 40 and row["points"] == 4
    # 40 replications separate a lift of 5 with sd 40 at no point: no clear winner claimed
    best = many_res.tables["best"]
    assert (best[best["outcome"] == "needs_met"]["clear_best"] < 1).all()


def _texts(fig: Any) -> list[str]:
    out = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [x.get_text() for x in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [x.get_text() for x in ax.texts]
    for leg in fig.legends:
        out += [x.get_text() for x in leg.get_texts()]
    return out


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_figures_show_labels_one_colour_scale_and_the_reports_colours(
    noisy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    sw, outcomes, cond = prepare(noisy)
    res = compute(sw, outcomes, cond)
    figs: dict[str, Any] = {}

    def keep(fig: Any, path: Path) -> str:
        figs[path.name] = fig
        return path.name

    monkeypatch.setattr(report, "_save", keep)
    report.figures(res, lang, tmp_path)
    assert {"heatmap_needs_met.png", "effect_worker_turnover_annual.png"} <= set(figs)
    for name, fig in figs.items():
        words = "\n".join(_texts(fig)).replace("\n", " ")
        for f in sw.names:
            assert f not in words, (name, f)
        shown = [f for f in sw.names if name.startswith(("heatmap_", f"effect_{f}"))]
        for f in shown:
            assert param_label(field_meta(f), lang) in words, (name, f)
    heat = figs["heatmap_needs_met.png"]
    images = [im for ax in heat.axes for im in ax.get_images()]
    assert len(images) == 3
    assert len({im.get_clim() for im in images}) == 1  # one colour scale
    assert len(heat.axes) == 4  # three panels and one colour bar
    effect = figs["effect_worker_turnover_annual.png"]
    for line in effect.axes[0].get_lines():
        if line.get_label() in [report.arrangement_label(a, lang) for a in ARRS]:
            a = next(a for a in ARRS if report.arrangement_label(a, lang) == line.get_label())
            assert line.get_color() == style.colour(a, ARRS) == style.COLOURS[a]


def test_report_in_english_and_french(noisy: Path) -> None:
    sw, outcomes, cond = prepare(noisy)
    res = compute(sw, outcomes, cond)
    for lang in ("en", "fr"):
        report.write(res, lang)
        d = noisy / "analysis"
        html = (d / "report.html").read_text()
        assert f'<html lang="{lang}">' in html
        assert t("analysis.best", lang).replace("'", "&#x27;") in html
        for a in ARRS:  # the comparison report's swatches
            assert f"background:{style.COLOURS[a]}" in html
        label = param_label(field_meta("worker_vacancy_months"), lang)
        assert label.replace("'", "&#x27;") in html
        cells = re.findall(r'data-p-best="([^"]+)"', html)
        assert len(cells) == 2 * len(ARRS)
        text = (d / "summary.md").read_text()
        first = text.split("\n## ")[1]
        assert first.startswith(t("meta.name", lang))
    french = html[html.index("<body>") :]
    assert "probabilité d'être le meilleur".replace("'", "&#x27;") in french
    assert not re.search(r"\d%", french)  # 35 %, with a narrow no-break space
    assert "sample point" not in french and "replication" not in french.replace("réplication", "")
    assert not re.search(r"\d[.]\d", re.sub(r"<[^>]*>|data:image[^\"]*", "", french))


def clear_runner(scen: Any, seed: int) -> pd.DataFrame:
    """The OMH worker meets 200 more needs; chance adds sd 10, shared by the arrangements."""
    lift = 200.0 if scen.arrangement == "omh_worker" else 0.0
    own = 3 * noise(seed + ARRS.index(scen.arrangement))
    return series_with(1000 + lift + 10 * noise(seed) + own, 0.4)


def test_a_real_difference_is_clearly_best(tmp_path: Path) -> None:
    out = run(tmp_path, "clear", clear_runner, 5)
    sw, outcomes, cond = prepare(out)
    res = compute(sw, outcomes, cond)
    best = res.tables["best"].set_index(["outcome", "arrangement"])
    assert best.loc[("needs_met", "omh_worker"), "p_best"] == 1.0
    assert best.loc[("needs_met", "omh_worker"), "clear_best"] == 1.0
    assert best.loc[("needs_met", "omh_worker"), "undecided"] == 0.0
    assert best.loc[("needs_met", "ciusss_social_worker"), "regret"] == pytest.approx(200, abs=10)
    [(o, text)] = [
        x for x in report.best_sentences(res.tables["best"], "en") if x[0] == "Needs met"
    ]
    assert text.startswith("clearly best at 100% of the points (OMH worker), with 5 replications")
    # the default condition of scenario discovery, in words and the reader's number format
    assert cond is None and res.condition is not None and res.condition.kind == "best"
    single = report.Condition("needs_met < 1209.5", "expr", outcome="needs_met", op="<",
                              threshold=1209.5)  # fmt: skip
    assert report.describe_condition(single, "fr") == "Besoins comblés < 1\u202f210"
    assert report.describe_condition(single, "en") == "Needs met < 1,210"
