"""Keep or switch (issue 14, item 7): ``hlmsim compare`` with switching arrangements
``start>to@month``, the transition dip and the payback over the worlds, and their report."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import hlmsim
from hlmsim.arrangements import arrangement_label, parse_switch, preset_keys
from hlmsim.cli import main
from hlmsim.compare import ComparisonWorlds, _check_arrangements, arrangement_scenarios, compare
from hlmsim.errors import InputError
from hlmsim.reporting import write_compare
from hlmsim.reporting.answer import answer_sentences, words
from hlmsim.scenario import load_scenario
from hlmsim.transitions import payback_months, transition_table

CIUSSS, COMMUNITY, OMH, SAU = (
    "ciusss_social_worker",
    "community_worker",
    "omh_worker",
    "services_as_usual",
)
SWITCH = f"{COMMUNITY}>{OMH}@7"


@pytest.fixture(scope="module")
def mature() -> hlmsim.Scenario:
    return load_scenario("mature", months=30, spin_up_months=24)


@pytest.fixture(scope="module")
def switched(mature: hlmsim.Scenario) -> hlmsim.compare.CompareResult:
    kw = dict(reference=COMMUNITY, replications=20, seed=2, workers=2, ensemble="posterior")
    return compare(mature, [SWITCH], **kw)


# --- names and checks ---------------------------------------------------------------------------


def test_a_switch_is_named_start_to_month() -> None:
    sw = parse_switch(SWITCH)
    assert sw is not None and (sw.start, sw.to, sw.month) == (COMMUNITY, OMH, 7)
    assert sw.name == SWITCH and parse_switch(OMH) is None
    assert preset_keys(SWITCH) == preset_keys(COMMUNITY) | preset_keys(OMH)
    assert arrangement_label(SWITCH, "en") == (
        "Community-organisation worker → OMH worker from month 7"
    )
    assert "à partir du mois 7" in arrangement_label(SWITCH, "fr")


def test_the_kept_arrangement_is_added_before_its_switch() -> None:
    assert _check_arrangements([SWITCH], SAU) == [COMMUNITY, SWITCH, SAU]
    assert _check_arrangements([CIUSSS, SWITCH, COMMUNITY], COMMUNITY) == [
        CIUSSS,
        SWITCH,
        COMMUNITY,
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (f"{COMMUNITY}>omh@7", "unknown arrangement 'omh'"),
        (f"{COMMUNITY}>{COMMUNITY}@7", "switches to its own start"),
        (f"{COMMUNITY}>{SAU}@7", "may not change the local network"),
        (f"{COMMUNITY}>{OMH}@31", "beyond the horizon"),
    ],
)
def test_bad_switches_are_one_line_errors(mature: hlmsim.Scenario, name: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        chosen = _check_arrangements([name], COMMUNITY)
        arrangement_scenarios(mature, chosen)
    assert message in str(err.value) and err.value.key == "--arrangements"
    assert "\n" not in str(err.value)


def test_the_cli_refuses_a_bad_switch_in_one_line(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["compare", "--arrangements", f"{CIUSSS}>{SAU}@3", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "--arrangements" in err
    assert not out.exists()


class TwoValues:
    """A stand-in ensemble drawing a value an arrangement's preset sets and one it does not."""

    parameters = ("worker_vacancy_months", "worker_handover_keep")
    meta: dict = {}
    source = "stand-in"

    def param_sets(self, n: int, seed: int) -> list[dict]:
        return [{"worker_vacancy_months": 3.0, "worker_handover_keep": 0.5}] * n


def test_a_switch_arm_draws_neither_presets_values(mature: hlmsim.Scenario) -> None:
    scens = arrangement_scenarios(mature, [OMH, SWITCH])
    worlds = ComparisonWorlds.make(TwoValues(), mature, scens, 5, 1, 0)
    # omh_worker's preset leaves the vacancy to the draw; community_worker's sets it
    assert worlds.by_arrangement[OMH][0] == TwoValues().param_sets(1, 0)[0]
    assert worlds.by_arrangement[SWITCH][0] == {"worker_handover_keep": 0.5}


# --- the engine ---------------------------------------------------------------------------------


def test_keep_and_switch_are_the_same_worlds_until_the_switch(switched) -> None:
    runs = switched.runs
    keep = runs[runs["arrangement"] == COMMUNITY].set_index(["replication", "month"])
    sw = runs[runs["arrangement"] == SWITCH].set_index(["replication", "month"])
    before = keep.index.get_level_values("month") < 7
    cols = ["needs_met", "trust_worker", "contacts", "households"]
    pd.testing.assert_frame_equal(keep.loc[before, cols], sw.loc[before, cols])
    after = ~before
    assert not keep.loc[after, "trust_worker"].equals(sw.loc[after, "trust_worker"])
    assert switched.metadata["ensemble"]["sets"] == 4  # 20 replications, 5 seeds a set


def test_the_switch_costs_trust_and_the_table_says_when_it_pays_off(switched) -> None:
    tr = switched.transitions
    assert list(tr["switch"]) == [SWITCH] and list(tr["keep"]) == [COMMUNITY]
    row = tr.iloc[0]
    assert row["month"] == 7 and row["months_after"] == 24 and row["worlds"] == 4
    assert row["dip_low"] <= row["dip_mean"] <= row["dip_high"]
    assert 7 <= row["trough_month"] <= 30
    assert 0 <= row["paid_off_share"] <= 1
    assert row["payback_low"] <= row["payback_median"] <= row["payback_high"]
    runs = switched.runs
    trust = runs.groupby(["arrangement", "month"])["trust_worker"].mean()
    assert trust[(SWITCH, 7)] < trust[(COMMUNITY, 7)], "the handover costs residents' trust"


def test_payback_is_when_the_cumulative_difference_stays_above_zero() -> None:
    after = np.array(
        [
            [-2.0, -1.0, 2.0, 2.0, 0.0],  # cumulative -2 -3 -1 1 1: 3 months after the switch
            [1.0, 1.0, 0.0, 0.0, 0.0],  # never below: 0
            [-1.0, -1.0, 0.5, 0.5, 0.5],  # -1 -2 -1.5 -1 -0.5: never
            [-1.0, 2.0, -2.0, 2.0, 0.0],  # -1 1 -1 1 1: after 3, not 1 (for good)
        ]
    )
    got = payback_months(after)
    assert got[:2].tolist() == [3.0, 0.0] and math.isinf(got[2]) and got[3] == 3.0


def test_the_transition_table_on_known_worlds() -> None:
    """Two worlds of two seeds each; the switch loses 4 a month for 3 months from month 3, then
    gains 2 a month: cumulative -4 -8 -12 -10 -8 -6 -4 -2 0 2, paid off after 8 months."""
    months = np.arange(1, 13)
    gain = np.where(months < 3, 0.0, np.where(months < 6, -4.0, 2.0))
    rows = []
    for rep in range(4):
        base = 10.0 + rep
        for a, extra in ((COMMUNITY, 0.0), (f"{COMMUNITY}>{OMH}@3", 1.0)):
            for m, g in zip(months, gain, strict=True):
                rows.append({"arrangement": a, "replication": rep, "month": m,
                             "needs_met": base + extra * g})  # fmt: skip
    runs = pd.DataFrame(rows)
    finals = pd.DataFrame({"replication": range(4), "set": [0, 0, 1, 1]})
    tr = transition_table(runs, finals, [COMMUNITY, f"{COMMUNITY}>{OMH}@3"]).iloc[0]
    assert tr["worlds"] == 2 and tr["months_after"] == 10 and tr["dip_months"] == 10
    assert tr["dip_mean"] == pytest.approx((3 * -4 + 7 * 2) / 10)
    assert tr["payback_median"] == 8 and tr["paid_off_share"] == 1
    assert tr["total_mean"] == pytest.approx(2.0) and tr["trough_month"] in (3, 4, 5)


def test_a_comparison_without_a_switch_has_no_transitions(mature) -> None:
    r = compare(mature, [OMH], reference=COMMUNITY, replications=10, workers=1)
    assert r.transitions.empty


# --- the report ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_leads_with_the_switch_and_has_its_section(switched, tmp_path, lang) -> None:
    out = write_compare(switched, tmp_path / lang, lang)
    assert (out / "transitions.csv").is_file() and (out / "figures" / "transitions.png").is_file()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="switch"' in html and 'id="switch-table"' in html
    answer = answer_sentences(switched, lang)
    # the switch first, then the comparison's own answer in at most 60 words: its lead
    # sentence (which arrangement comes first, or that none can be told apart) is never lost
    assert len(answer) >= 2 and sum(words(s) for s in answer[1:]) <= 60
    alone = dataclasses.replace(switched, transitions=switched.transitions.iloc[:0])
    assert answer[1] == answer_sentences(alone, lang)[0]
    assert ("Switching to" if lang == "en" else "Passer à") in answer[0]
    assert "months" in answer[0] or "mois" in answer[0]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "transitions.csv"), switched.transitions, check_dtype=False
    )
