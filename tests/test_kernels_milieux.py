"""The compiled kernels of the milieu-level mechanisms (governance, staff, funding, crises,
demography) and of the household draw: their pieces reproduce the array code they replaced bit
for bit, and each kernel compiles once whatever the scenario."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import same_math

import hlmsim
from hlmsim.constants import BETA_MEAN_CLIP
from hlmsim.mechanisms import crises, demography, funding, governance, staff
from hlmsim.params import monthly_hazard
from hlmsim.state import draw_households

KERNELS = (
    governance._step_kernel,
    staff._step_kernel,
    funding._step_kernel,
    crises._step_kernel,
    demography._turnover,
)


def test_monthly_hazard_equals_the_array_hazard() -> None:
    p = np.r_[np.linspace(0.0, 1.0, 10001), 0.056, 0.15, 0.999999]
    same_math(np.array([staff.monthly_hazard(v) for v in p]), monthly_hazard(p))


def test_hazard_table_equals_the_hazard_by_months_lived(sim: Any) -> None:
    scen = sim.scenario(
        milieux=4,
        milieu_params=[
            {"move_out_annual": 0.0},
            {"move_out_annual": 0.2, "stay_shape": 1.0},
            {"move_out_annual": 0.2, "stay_shape": 1.0},
            {"move_out_annual": 0.05, "stay_shape": 4.0},
        ],
    )
    mp = sim.model(scen).mp
    scale = demography.stay_scale_months(mp.move_out_annual, mp.stay_shape)
    lived = np.arange(3000)
    row, table = demography.hazard_table(mp, 10)
    assert table.shape[0] == 3  # one row per distinct stay distribution
    row, table = demography.hazard_table(mp, len(lived))  # grows when longer stays are asked
    for m in range(4):
        expected = demography.move_out_hazard(lived, scale[m], mp.stay_shape[m])
        assert np.array_equal(table[row[m], : len(lived)], expected)
    assert (table[row[0]] == 0).all()  # no move-outs at all
    mp.move_out_annual[0] = 0.3  # a changed parameter gives a new table
    row, table = demography.hazard_table(mp, 10)
    expected = demography.move_out_hazard(
        lived[:10], demography.stay_scale_months(0.3, mp.stay_shape[0]), mp.stay_shape[0]
    )
    assert np.array_equal(table[row[0], :10], expected)


def _beta_one_by_one(
    rng: np.random.Generator, mean: np.ndarray, n: int, conc: np.ndarray
) -> np.ndarray:
    mean = np.clip(np.broadcast_to(mean, (n,)), BETA_MEAN_CLIP, 1 - BETA_MEAN_CLIP)
    return rng.beta(mean * conc, (1 - mean) * conc)


def _draw_one_by_one(
    rng: np.random.Generator,
    mp: Any,
    milieu: np.ndarray,
    share_family: np.ndarray,
    share_senior: np.ndarray,
    newcomer: bool,
) -> dict[str, np.ndarray]:
    """The household draw as it was written before its kernel: one call per attribute."""
    n = len(milieu)
    u = rng.random(n)
    htype = np.where(u < share_family, 0, np.where(u < share_family + share_senior, 2, 1))
    know = mp.newcomer_knowledge_ratio[milieu] if newcomer else 1.0
    eng = mp.newcomer_engagement_ratio[milieu] if newcomer else 1.0
    ties = mp.newcomer_ties_ratio[milieu] if newcomer else 1.0
    inst = mp.institutions_concentration[milieu]
    return {
        "htype": htype.astype(np.int8),
        "hard_to_reach": _beta_one_by_one(
            rng, mp.hard_to_reach_mean[milieu], n, mp.hard_to_reach_concentration[milieu]
        ),
        "image": _beta_one_by_one(rng, mp.initial_trust_institutions[milieu], n, inst),
        "landlord": _beta_one_by_one(rng, mp.initial_trust_landlord[milieu], n, inst),
        "engagement": _beta_one_by_one(
            rng, mp.initial_engagement[milieu] * eng, n, mp.engagement_concentration[milieu]
        ),
        "ties_base": _beta_one_by_one(
            rng, mp.initial_ties[milieu] * ties, n, mp.ties_concentration[milieu]
        ),
        "knowledge": _beta_one_by_one(
            rng, mp.initial_knowledge[milieu] * know, n, mp.knowledge_concentration[milieu]
        ),
        "security": _beta_one_by_one(
            rng, mp.initial_security[milieu], n, mp.security_concentration[milieu]
        ),
        "propensity": rng.normal(0.0, 1.0, n) * mp.participation_propensity_sd[milieu],
        "openness": rng.normal(0.0, 1.0, n) * mp.outreach_openness_sd[milieu],
    }


@pytest.mark.parametrize("newcomer", [False, True])
@pytest.mark.parametrize("n", [0, 1, 37])
def test_household_draw_equals_one_call_per_attribute(sim: Any, newcomer: bool, n: int) -> None:
    scen = sim.scenario(
        milieux=3,
        milieu_params=[
            {"initial_engagement": 0.9, "newcomer_engagement_ratio": 0.5},
            {"initial_ties": 0.7},
            {"initial_knowledge": 0.8},
        ],
    )
    mp = sim.model(scen).mp
    mp.hard_to_reach_mean[1], mp.initial_knowledge[2] = 1e-5, 1 - 1e-5  # means clipped
    pick = np.random.default_rng(n)
    milieu = pick.integers(0, 3, n)
    family, senior = pick.random(n) * 0.5, pick.random(n) * 0.5
    got = draw_households(np.random.default_rng(9), mp, milieu, family, senior, newcomer)
    ref = _draw_one_by_one(np.random.default_rng(9), mp, milieu, family, senior, newcomer)
    assert list(got) == list(ref)
    for name in ref:
        assert got[name].dtype == ref[name].dtype, name
        assert np.array_equal(got[name], ref[name]), name


def test_each_kernel_compiles_once(sim: Any) -> None:
    """The same argument types in every scenario: one compiled version of each kernel."""
    hlmsim.HLMModel(hlmsim.load_scenario("default"), seed=1, agents=False).run(3)
    scen = sim.scenario(
        months=6,
        milieux=3,
        units=[40, 30, 20],
        params={"move_out_annual": 0.4, "crisis_annual": 0.5, "funding_cut_annual": 0.5},
        events=[{"month": 2, "kind": "worker_leaves"}, {"month": 3, "kind": "crisis"}],
    )
    type(sim.model(scen))(scen, seed=2, agents=False, replicates=2).run()
    for fn in KERNELS:
        assert len(fn.signatures) == 1, fn


def _newcomers(model: Any, idx: np.ndarray, t: int) -> dict[str, np.ndarray]:
    """The attributes ``demography._draw_newcomers`` gives the households moving into ``idx``."""
    from hlmsim.mechanisms import demography
    from hlmsim.state import BETA_ATTRIBUTES, law_parameters

    mp, keys = model.mp, model.rs.bases("newcomers", t)
    htype, attrs, traits = demography._draw_newcomers(
        keys[demography.Draw.TYPE],
        keys[demography.Draw.BETA],
        keys[demography.Draw.NORMAL],
        idx,
        model.hh.milieu,
        model.mix["share_family"],
        model.mix["share_senior"],
        law_parameters(mp),
    )
    out = {"htype": htype, **dict(zip(BETA_ATTRIBUTES, attrs, strict=True))}
    out["propensity"], out["openness"] = traits
    return out


def test_newcomers_follow_the_newcomers_laws(sim: Any) -> None:
    """Newcomers drawn from counter-based numbers (issue 12) follow the laws the sequential
    draw gives newcomers (``draw_households(..., newcomer=True)``): the same type shares and, for
    every attribute, the same distribution (two-sample Kolmogorov-Smirnov, 20,000 households
    each, every attribute at the 0.1% level)."""
    from scipy import stats

    scen = sim.scenario(
        milieux=4, units=5000, params={"initial_engagement": 0.6, "ties_concentration": 0.8}
    )
    model = sim.model(scen)
    idx = np.arange(model.hh.n)
    got = _newcomers(model, idx, 7)
    ref = draw_households(
        np.random.default_rng(3),
        model.mp,
        model.hh.milieu,
        model.mix["share_family"],
        model.mix["share_senior"],
        True,
    )
    assert list(got) == list(ref)
    shares = [np.bincount(d["htype"], minlength=3) / len(idx) for d in (got, ref)]
    np.testing.assert_allclose(shares[0], shares[1], atol=0.02)
    for name in ref:
        if name != "htype":
            assert stats.ks_2samp(got[name], ref[name]).pvalue > 1e-3, name
            assert np.isfinite(got[name]).all(), name


def test_a_newcomers_attributes_depend_on_its_own_laws_alone(sim: Any) -> None:
    """Each attribute of each newcomer has its own numbers (unit, attribute, month): changing one
    attribute's law (a concentration that changes how many rejection attempts its draws take)
    leaves every other attribute of every newcomer as it was, which sequential rejection
    sampling did not (it reshuffled the rest of the stream)."""
    base = sim.model(sim.scenario(units=300))
    other = sim.model(sim.scenario(units=300, params={"engagement_concentration": 40.0}))
    idx = np.arange(0, 300, 3)
    a, b = _newcomers(base, idx, 5), _newcomers(other, idx, 5)
    assert not np.array_equal(a["engagement"], b["engagement"])
    for name in a:
        if name != "engagement":
            assert np.array_equal(a[name], b[name]), name
    # another month, other newcomers
    assert not np.array_equal(a["image"], _newcomers(base, idx, 6)["image"])
