"""The calibration report: renders in both languages from a calibration's outputs, says which
parameters the evidence identifies, and keeps the held-out targets apart."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hlmsim.calibrate.config import Prior
from hlmsim.calibrate.summary import CalibrationOutputs, predictive_check
from hlmsim.i18n import LANGS
from hlmsim.reporting.calibration import write_calibration_report
from hlmsim.targets.catalogue import load_catalogue

CAL = ["omhm_family_stay_elapsed_mean", "cncs_participant_dropout"]
VAL = ["synergie_regular_participation", "flash_project_participants"]


def outputs(seed: int = 0) -> CalibrationOutputs:
    """A synthetic calibration: trust_gain_per_contact narrowed to about 0.05 and, with it,
    trust_half_life_months; need_give_up_months left as the prior had it."""
    rng = np.random.default_rng(seed)
    priors = [
        Prior("trust_gain_per_contact", "loguniform", 0.025, 0.1),
        Prior("trust_half_life_months", "loguniform", 18, 72),
        Prior("need_give_up_months", "uniform", 12, 48),
    ]
    gens = []
    for g, sd in enumerate([1.0, 0.3, 0.08]):
        n = 300
        a = np.exp(np.clip(rng.normal(np.log(0.05), sd, n), np.log(0.025), np.log(0.1)))
        b = np.clip(36 * (a / 0.05) ** 1.5 * np.exp(rng.normal(0, 0.05, n)), 18, 72)
        c = rng.uniform(12, 48, n)
        gens.append(
            pd.DataFrame(
                {
                    "generation": g,
                    "weight": rng.uniform(0.5, 1.5, n),
                    "trust_gain_per_contact": a,
                    "trust_half_life_months": b,
                    "need_give_up_months": c,
                }
            )
        )
    cat = load_catalogue()
    targets = {
        tid: (
            cat.get(tid).role,
            cat.get(tid).value,
            cat.get(tid).range_low,
            cat.get(tid).range_high,
        )
        for tid in CAL + VAL
    }
    sim = pd.DataFrame(
        {
            tid: rng.normal((lo + hi) / 2 + (i == 3) * 10 * (hi - lo), (hi - lo) / 4, 200)
            for i, (tid, (_, _, lo, hi)) in enumerate(targets.items())
        }
    )
    return CalibrationOutputs(
        generations=pd.DataFrame(
            {
                "generation": [0, 1, 2],
                "epsilon": [8.0, 3.0, 1.2],
                "acceptance_rate": [0.6, 0.21, 0.07],
                "ess": [300.0, 260.0, 231.0],
                "samples": [500, 1430, 4290],
                "seconds": [3.0, 8.0, 21.0],
            }
        ),
        posterior=pd.concat(gens, ignore_index=True),
        priors=priors,
        targets=CAL,
        fixed=["meeting_trust_gain", "oc_turnover_annual"],
        meta={
            "scenario": "default",
            "seed": 7,
            "quick": True,
            "hlmsim_version": "0.5.0",
            "command": "hlmsim calibrate --quick",
        },
        screening=pd.DataFrame(
            {
                "parameter": [
                    "trust_gain_per_contact",
                    "trust_half_life_months",
                    "need_give_up_months",
                    "meeting_trust_gain",
                ],
                "score": [1.0, 0.6, 0.3, 0.01],
                "rank": [1, 2, 3, 4],
                "selected": [True, True, True, False],
            }
        ),
        predictive=predictive_check(sim, targets),
        patterns=pd.DataFrame(
            {
                "pattern": ["p05", "p07"],
                "finding": [5, 7],
                "robustness_points": [20, 20],
                "robustness_share": [1.0, 0.65],
            }
        ),
    )


@pytest.mark.parametrize("lang", LANGS)
def test_report_renders_and_says_what_is_identified(tmp_path: Path, lang: str) -> None:
    out = write_calibration_report(outputs(), tmp_path, lang)
    html = out.read_text(encoding="utf-8")
    assert out.name == "report.html" and not list(tmp_path.glob(".report.*"))
    assert f'<html lang="{lang}">' in html
    summary = html.split('<div class="summary"')[1].split("</div>")[0]
    # the narrowed pair is identified, the flat one is not, and the summary says which, in the
    # planner's words (the parameters' labels)
    from hlmsim.params import field_meta
    from hlmsim.reporting.values import param_label

    def label(name: str) -> str:
        return escape(param_label(field_meta(name), lang))

    flat = label("need_give_up_months")
    ident = summary.split(flat)[0]
    assert label("trust_gain_per_contact") in ident and label("trust_half_life_months") in ident
    assert flat in summary and "need_give_up_months" not in summary
    assert html.count("<figure>") == 4  # generations, marginals, pairs, predictive
    for sid in ("generations", "parameters", "pairs", "predictive", "patterns", "screening"):
        assert f'<section id="{sid}">' in html
    # held-out targets in a table of their own, after the calibration targets
    cal_at = html.index("omhm_family_stay_elapsed_mean")
    assert html.index("synergie_regular_participation", cal_at) > cal_at
    assert "meeting_trust_gain" in html.split('<section id="screening">')[1]


def test_the_missed_validation_target_shows_as_missed(tmp_path: Path) -> None:
    o = outputs()
    pred = o.predictive.set_index("target")
    assert not pred.loc[VAL[1], "covered"] and pred.loc[CAL[0], "covered"]
    html = write_calibration_report(o, tmp_path, "en").read_text(encoding="utf-8")
    assert "it meets 1 of 2" in html and "meets 2 of the 2 calibration targets" in html
