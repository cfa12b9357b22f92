"""The comparison report's answer (issue 14): at most 60 words, never a winner the intervals
cannot separate, a one-screen summary table whose marks follow the intervals, every cost stated,
in both languages."""

from __future__ import annotations

import re

import pytest

import hlmsim
from hlmsim import arrangements as arrangements_module
from hlmsim.compare import CompareResult, compare
from hlmsim.outcomes import KEY_OUTCOMES
from hlmsim.reporting.answer import (
    MAX_WORDS,
    SUMMARY_OUTCOMES,
    _mark,
    answer_sentences,
    answer_text,
    fit,
    summary_table,
    words,
)
from hlmsim.scenario import load_scenario

CIUSSS, SAU, TWIN = "ciusss_social_worker", "services_as_usual", "twin_of_ciusss"


@pytest.fixture(scope="module")
def short() -> hlmsim.Scenario:
    return load_scenario("default", months=24)


@pytest.fixture(scope="module")
def results(short: hlmsim.Scenario) -> dict[str, CompareResult]:
    every = compare(short, replications=10, seed=1, workers=2, ensemble="posterior")
    plain = compare(short, [CIUSSS], replications=10, seed=1, workers=2)
    ref_best = compare(short, ["concertation_only"], reference=CIUSSS, replications=10, seed=1)
    return {"every": every, "plain": plain, "ref_best": ref_best}


@pytest.fixture(scope="module")
def twins(short: hlmsim.Scenario) -> CompareResult:
    mp = pytest.MonkeyPatch()
    mp.setitem(
        arrangements_module.ARRANGEMENTS, TWIN, dict(arrangements_module.ARRANGEMENTS[CIUSSS])
    )
    try:
        return compare(short, [CIUSSS, TWIN], replications=10, seed=2, workers=1)
    finally:
        mp.undo()


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("case", ["every", "plain", "ref_best"])
def test_the_answer_fits_in_sixty_words(
    results: dict[str, CompareResult], case: str, lang: str
) -> None:
    text = answer_text(results[case], lang)
    assert 5 < words(text) <= MAX_WORDS, text


def test_words_and_fit() -> None:
    assert words("« <strong>Services habituels</strong> » : 12 %") == 3
    sentences = ["one two three.", "a " * 10 + "long.", "short one."]
    assert fit(sentences, 6) == ["one two three.", "short one."]
    assert fit(sentences, 2) == ["one two three."]  # the first sentence is always kept


def test_identical_arrangements_are_never_named_winner(twins: CompareResult) -> None:
    for lang, tie in (("en", "cannot be told apart"), ("fr", "ne se distinguent pas")):
        text = answer_text(twins, lang)
        assert tie in text, text
        assert "meets the most" not in text and "comble le plus" not in text
    ranks = twins.ranks[twins.ranks["outcome"] == "needs_met"].set_index("arrangement")
    assert ranks.loc[CIUSSS, "p_best"] == pytest.approx(ranks.loc[TWIN, "p_best"])


def test_a_separated_leader_is_named(results: dict[str, CompareResult]) -> None:
    r = results["plain"]
    d = r.differences.set_index(["arrangement", "outcome"]).loc[(CIUSSS, "needs_met")]
    text = answer_text(r, "en")
    if d["ci_low"] > 0:  # the worker meets more needs than services as usual, clearly
        assert text.startswith("CIUSSS social worker meets the most residents' needs")
    else:
        assert text.startswith("No arrangement can be told apart")


def test_the_reference_best_says_so(results: dict[str, CompareResult]) -> None:
    r = results["ref_best"]
    s = r.summary.set_index(["arrangement", "outcome"])
    if s.loc[(CIUSSS, "needs_met"), "mean"] >= s.loc[("concertation_only", "needs_met"), "mean"]:
        assert answer_text(r, "en").startswith("No arrangement meets more residents' needs than")


def test_the_summary_table_marks_follow_the_intervals(results: dict[str, CompareResult]) -> None:
    r = results["every"]
    html = summary_table(r, "en")
    d = r.differences.set_index(["arrangement", "outcome"])
    for a in r.arrangements:
        for name in SUMMARY_OUTCOMES:
            m = re.search(rf'data-arrangement="{a}" data-outcome="{name}" data-mark="(\w+)"', html)
            assert m, (a, name)
            if a == r.reference:
                assert m.group(1) == "ref"
                continue
            lo, hi = d.loc[(a, name), ["ci_low", "ci_high"]]
            apart = lo > 0 or hi < 0
            assert (m.group(1) in ("better", "worse")) == apart, (a, name, lo, hi)
            if apart:
                good = (lo > 0) == (KEY_OUTCOMES[name] > 0)
                assert m.group(1) == ("better" if good else "worse")
    # services as usual: its cost is stated as not costed, not as $0
    row = html[html.index('data-arrangement="services_as_usual" data-outcome="cost"') :]
    assert "not costed" in row[: row.index("</td>")]
    assert "non chiffré" in summary_table(r, "fr")
    assert html.count("<tr>") == len(r.arrangements) + 1


def test_an_outcome_without_direction_is_marked_as_differing(
    results: dict[str, CompareResult],
) -> None:
    r = results["every"]
    d = r.differences.set_index(["arrangement", "outcome"])
    for a in r.arrangements:
        if a == r.reference:
            continue
        lo, hi = d.loc[(a, "time_to_maturity"), ["ci_low", "ci_high"]]
        cls, mark = _mark(r, a, "time_to_maturity")
        assert (cls == "differs") == bool(lo > 0 or hi < 0) and mark in ("◆", "○")


def test_the_report_leads_with_the_answer_and_the_table(
    results: dict[str, CompareResult], tmp_path
) -> None:
    from hlmsim.reporting import write_compare

    for lang in ("en", "fr"):
        out = write_compare(results["every"], tmp_path / lang, lang)
        html = (out / "report.html").read_text(encoding="utf-8")
        box = html[html.index('id="summary"') : html.index("<nav")]
        assert 'id="summary-table"' in box
        first = " ".join(
            answer_sentences(results["every"], lang, lambda x: f"<strong>{x}</strong>")
        )
        assert words(first) <= MAX_WORDS
        assert 'id="worlds"' in html and 'id="ranks-table"' in html and 'id="spread-table"' in html


def test_an_ensemble_of_another_version_is_flagged(results: dict[str, CompareResult]) -> None:
    import copy

    from hlmsim.reporting.answer import worlds_section

    r = copy.copy(results["every"])
    assert "calibrate again" not in worlds_section(r, "en")  # the shipped one: this version
    r.metadata = {**r.metadata, "ensemble": {**r.metadata["ensemble"], "hlmsim_version": "0.0.1"}}
    assert "calibrated on the results of hlmsim 0.0.1" in worlds_section(r, "en")
    assert "refaites le calibrage" in worlds_section(r, "fr")
