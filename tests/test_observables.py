"""Observables (hlmsim/observables.py): each one computed on a state and records built by hand,
so that its arithmetic and definition are checked apart from the model's dynamics; and the
mechanisms' observation hooks (first contacts, referral origins, queue exits, participation
years, projects) on hand-set households."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hlmsim.constants import NEVER
from hlmsim.mechanisms import outreach, participation, services
from hlmsim.mechanisms.referral import ORIGIN, enqueue
from hlmsim.observables import (
    CIUSSS_KIND,
    DAYS_PER_MONTH,
    OBSERVABLES,
    observable_about,
    observable_label,
    observe,
    track,
)


def blank(sim, months=24, milieux=2, units=10, **kw):
    """A model whose records are replaced by hand: ``months`` zero observation and outcome
    records shaped as the model writes them (one replicate, ``milieux`` milieux)."""
    model = sim.model(sim.scenario(months=months, milieux=milieux, units=units, **kw))
    model._reset_tally()
    base = track(model)
    model.obs_records = [
        {
            k: (
                np.zeros_like(v)
                if not k.startswith(("posts_", "worker_post", "units"))
                else v.copy()
            )
            for k, v in base.items()
        }
        for _ in range(months)
    ]
    model.records = [
        {"isolation": np.zeros(milieux), "service_use": np.zeros(milieux)} for _ in range(months)
    ]
    return model


def value(model, name):
    out = observe(model, [name])[name]
    assert out.shape == (model.replicates,)
    return float(out[0])


def put(model, key, month, values):
    model.obs_records[month][key] = np.asarray(values, dtype=float)


# --- declarations --------------------------------------------------------------------------------


def test_every_observable_has_labels_definitions_and_a_rule(sim):
    model = blank(sim)
    out = observe(model)
    assert set(out) == set(OBSERVABLES)
    for name in OBSERVABLES:
        for lang in ("en", "fr"):
            assert observable_label(name, lang) and observable_about(name, lang)
        assert observable_label(name, "en") != observable_label(name, "fr")


# --- outreach ------------------------------------------------------------------------------------


def test_first_contact_shares(sim):
    m = blank(sim)
    put(m, "first_attempts", 0, [10, 10])
    put(m, "engaged_at_first", 0, [3, 4])
    put(m, "first_engaged", 0, [3, 4])
    put(m, "first_engaged", 5, [6, 5])
    assert value(m, "first_contact_success") == pytest.approx(7 / 20)
    assert value(m, "first_contact_engaged") == pytest.approx(18 / 20)


def test_months_to_engage_and_their_ratio(sim):
    m = blank(sim)
    put(m, "engage_months_hard", 3, [12, 0])
    put(m, "engage_n_hard", 3, [2, 0])
    put(m, "engage_months_other", 3, [3, 5])
    put(m, "engage_n_other", 3, [1, 3])
    assert value(m, "engage_months_hard_to_reach") == pytest.approx(6.0)
    assert value(m, "engage_months_other") == pytest.approx(2.0)
    assert value(m, "engage_time_ratio") == pytest.approx(3.0)


def test_no_contact_gives_undefined_not_zero(sim):
    m = blank(sim)
    for name in ("first_contact_success", "engage_time_ratio", "referral_completion_worker"):
        assert math.isnan(value(m, name)), name


def test_outreach_records_first_attempts_and_engagement_by_hardness(sim):
    model = sim.model(sim.scenario(months=12, units=4))
    model._reset_tally()
    hh = model.hh
    hh.hard_to_reach[:] = [0.9, 0.1, 0.1, 0.9]
    hh.first_attempt[:] = [NEVER, NEVER, 2, 1]
    model.t = 5
    # households 0 and 1 are tried for the first time; 1 and 3 succeed (3 first tried at month 1)
    outreach.observe_contacts(model, np.array([0, 1, 3]), np.array([1, 3]))
    assert list(hh.first_attempt) == [5, 5, 2, 1]
    assert list(hh.first_success) == [NEVER, 5, NEVER, 5]
    t = model.tally
    assert t["first_attempts"].sum() == 2
    assert t["first_engaged"].sum() == 2
    assert t["engaged_at_first"].sum() == 1  # household 1
    assert t["engage_n_hard"].sum() == 1 and t["engage_months_hard"].sum() == 5  # 3: months 1-5
    assert t["engage_n_other"].sum() == 1 and t["engage_months_other"].sum() == 1
    # a second success of an engaged household is not counted again
    outreach.observe_contacts(model, np.array([1]), np.array([1]))
    assert t["first_engaged"].sum() == 2


# --- demography ----------------------------------------------------------------------------------


def test_time_lived_counts_family_households_present_at_the_end(sim):
    m = blank(sim, months=24, milieux=1, units=4)
    m.hh.htype[:] = [0, 0, 0, 2]  # three families and one senior household
    m.hh.arrived[:] = [0, 12, -96, -500]
    # years since moving in at month 24: 2, 1, 10 (the senior household is left out)
    assert value(m, "stay_elapsed_mean") == pytest.approx(13 / 3)
    assert value(m, "stay_elapsed_median") == pytest.approx(2.0)


def test_move_outs_per_household_per_year(sim):
    m = blank(sim, months=24, milieux=1, units=10)
    put(m, "move_outs", 3, [2])
    put(m, "move_outs", 20, [1])
    assert value(m, "move_out_annual") == pytest.approx(3 / (10 * 24) * 12)


# --- participation -------------------------------------------------------------------------------


def test_participation_shares(sim):
    m = blank(sim, months=24, milieux=1, units=10)
    m.hh.last_part[:] = [NEVER, 0, 11, 12, 23, 20, NEVER, NEVER, NEVER, NEVER]
    assert value(m, "participation_year_share") == pytest.approx(3 / 10)  # months 12-23
    for month in range(12, 24):
        put(m, "participants", month, [2 if month % 2 else 4])
    assert value(m, "participation_month_share") == pytest.approx(3 / 10)


def test_participant_dropout_uses_the_final_years(sim):
    m = blank(sim, months=24, milieux=1)
    put(m, "year_prev_present", 23, [8])
    put(m, "year_returning", 23, [6])
    assert value(m, "participant_dropout") == pytest.approx(0.25)
    short = blank(sim, months=12, milieux=1)
    assert math.isnan(value(short, "participant_dropout"))


def test_participation_years_and_projects_are_recorded(sim):
    model = sim.model(sim.scenario(months=36, units=4))
    model._reset_tally()
    hh, ms = model.hh, model.ms
    project = np.array([True, True, False, False])
    ms.project_serial[:] = 1
    model.t = 11  # the end of the first year
    participation.observe_participation(model, np.array([True, True, True, False]), project)
    assert list(hh.last_part) == [11, 11, 11, NEVER]
    assert model.tally["project_participants"].sum() == 2
    assert model.tally["year_prev_present"].sum() == 0  # no previous year
    assert list(hh.part_prev) == [True, True, True, False] and not hh.part_year.any()
    # the same project: households 0 and 1 are not counted twice
    model._reset_tally()
    model.t = 12
    participation.observe_participation(model, np.array([True, False, False, True]), project)
    assert model.tally["project_participants"].sum() == 0
    model._reset_tally()
    model.t = 23  # end of the second year: household 0 came back, 1 and 2 did not
    participation.observe_participation(model, np.zeros(4, dtype=bool), project)
    assert model.tally["year_prev_present"].sum() == 3
    assert model.tally["year_returning"].sum() == 1


def test_project_participants_per_project_per_100_households(sim):
    m = blank(sim, months=24, milieux=2, units=50)
    put(m, "projects_started", 2, [1, 1])
    put(m, "project_participants", 3, [10, 20])
    assert value(m, "project_participants_per_100") == pytest.approx(100 * (30 / 2) / 100)


# --- the worker's workload and staffing ----------------------------------------------------------


def test_interventions_count_milieux_with_a_worker_post_only(sim):
    m = blank(sim, months=12, milieux=2, units=20)
    for month in range(12):
        put(m, "worker_post", month, [1, 0])
        put(m, "contacts", month, [5, 7])
    assert value(m, "interventions_per_unit_year") == pytest.approx(5 * 12 / 20)


def test_vacancy_share_and_turnover(sim):
    m = blank(sim, months=12, milieux=2)
    for month in range(12):
        put(m, "posts_ciusss", month, [2, 1])
        put(m, "vacant_ciusss", month, [1 if month < 6 else 0, 0])
        put(m, "worker_filled", month, [1, 1])
        put(m, "oc_filled", month, [1, 0])
        put(m, "members", month, [4, 4])
    put(m, "worker_departures", 5, [1, 1])
    put(m, "oc_departures", 5, [1, 0])
    put(m, "rep_departures", 5, [2, 2])
    assert value(m, "vacancy_share_ciusss") == pytest.approx(6 / 36)
    assert math.isnan(value(m, "vacancy_share_community"))  # no community post
    assert value(m, "turnover_workers") == pytest.approx(2 / 24 * 12)
    assert value(m, "turnover_organisers") == pytest.approx(1 / 12 * 12)
    assert value(m, "turnover_representatives") == pytest.approx(4 / 96 * 12)


def test_posts_follow_the_employer_of_each_milieu(sim):
    model = sim.model(
        sim.scenario(months=12, milieux=2, milieu_params=[{}, {"worker_employer": "community"}])
    )
    model._reset_tally()
    model.ms.worker_filled[:] = [False, False]
    rec = track(model)
    assert rec["posts_community"][1] == 1 and rec["vacant_community"][1] == 1
    assert rec["posts_community"][0] == 0
    assert rec["vacant_ciusss"][0] >= 1


# --- referrals and services ----------------------------------------------------------------------


def test_referral_completion_by_origin(sim):
    m = blank(sim)
    put(m, "referrals_worker", 1, [10, 10])
    put(m, "served_worker", 2, [8, 9])
    put(m, "referrals_self", 1, [10, 0])
    put(m, "served_self", 2, [5, 0])
    put(m, "referrals_partner", 1, [4, 0])
    put(m, "served_partner", 3, [1, 0])
    assert value(m, "referral_completion_worker") == pytest.approx(0.85)
    assert value(m, "referral_completion_self") == pytest.approx(0.5)
    assert value(m, "referral_completion_partner") == pytest.approx(0.25)
    assert value(m, "referral_warm_self_ratio") == pytest.approx(1.7)


def test_requests_given_up_by_origin(sim):
    m = blank(sim)
    put(m, "served_worker", 2, [8, 9])
    put(m, "given_up_worker", 5, [2, 1])
    put(m, "served_self", 2, [3, 0])
    put(m, "given_up_self", 7, [1, 0])
    assert value(m, "given_up_share_worker") == pytest.approx(3 / 20)
    assert value(m, "given_up_share_self") == pytest.approx(1 / 4)
    assert math.isnan(value(m, "given_up_share_partner"))  # no partner's referral left a queue


def test_length_of_completed_stays(sim):
    m = blank(sim, months=24, milieux=2, units=10)
    put(m, "move_outs", 3, [1, 2])
    put(m, "stay_months_out", 3, [60, 120])  # 5 years, and 4 + 6 years
    put(m, "move_outs", 20, [1, 0])
    put(m, "stay_months_out", 20, [24, 0])  # 2 years
    assert value(m, "stay_completed_mean") == pytest.approx((5 + 10 + 2) / 4)


def test_waits_in_days_and_requests_given_up(sim):
    m = blank(sim, months=12)
    P = m.ms.member.shape[1]
    wait, first, given = (np.zeros((2, P)) for _ in range(3))
    wait[0, CIUSSS_KIND], first[0, CIUSSS_KIND] = 6, 4  # 4 requests, 6 months waited in all
    first[1, CIUSSS_KIND - 1 if CIUSSS_KIND else 1] = 4  # 4 served at once elsewhere
    given[0, CIUSSS_KIND] = 2
    m.obs_records[11].update(service_wait_months=wait, service_first=first, service_given_up=given)
    assert value(m, "wait_days_ciusss") == pytest.approx((6 / 4 + 0.5) * DAYS_PER_MONTH)
    assert value(m, "wait_days_services") == pytest.approx((6 / 8 + 0.5) * DAYS_PER_MONTH)
    assert value(m, "requests_given_up_share") == pytest.approx(2 / 10)


def test_queue_exits_are_recorded_by_partner_and_origin(sim):
    model = sim.model(sim.scenario(months=12, units=4))
    model._reset_tally()
    P = model.ms.member.shape[1]
    rows, cols = np.array([0, 1, 2]), np.array([0, 0, 1])
    partner = np.array([CIUSSS_KIND] * 3)
    enqueue(model, rows[:2], cols[:2], partner[:2], np.zeros(2, dtype=bool), "worker")
    enqueue(model, rows[2:], cols[2:], partner[2:], np.zeros(1, dtype=bool), "self")
    assert list(model.hh.need_origin[rows, cols]) == [ORIGIN["worker"]] * 2 + [ORIGIN["self"]]
    g = model.hh.need_queue[rows, cols]
    services.observe_exits(model, rows[:1], cols[:1], g[:1], np.array([3]), "service")
    services.observe_exits(model, rows[1:], cols[1:], g[1:], np.array([4, 4]), "given_up")
    t = model.tally
    assert t["served_worker"].sum() == 1 and t["given_up_worker"].sum() == 1
    assert t["given_up_self"].sum() == 1 and t["served_self"].sum() == 0
    assert t["service_first"][0, CIUSSS_KIND] == 1
    assert t["service_wait_months"][0, CIUSSS_KIND] == 3
    assert t["service_given_up"].reshape(-1, P)[0, CIUSSS_KIND] == 2
    assert (model.hh.need_origin[rows, cols] == 0).all()  # a request leaves with its origin


# --- residents' outcomes and the association -----------------------------------------------------


def test_household_means_weigh_milieux_by_size(sim):
    m = blank(sim, months=12, milieux=2, units=[10, 30])
    for rec in m.records:
        rec["isolation"] = np.array([0.5, 0.1])
        rec["service_use"] = np.array([0.2, 0.4])
    assert value(m, "isolation_share") == pytest.approx((0.5 * 10 + 0.1 * 30) / 40)
    assert value(m, "service_use_share") == pytest.approx((0.2 * 10 + 0.4 * 30) / 40)


def test_active_association_share(sim):
    m = blank(sim, months=12, milieux=4)
    m.ms.association[:] = [0.1, 0.5, 0.9, 0.49]
    assert value(m, "association_active_share") == pytest.approx(0.5)


# --- replicates ----------------------------------------------------------------------------------


def test_one_value_per_replicate_from_a_run(sim):
    model = sim.model(sim.scenario(months=24, milieux=2), seed=4)
    batch = type(model)(model.scenario_spec, seed=4, agents=False, replicates=3).run()
    out = observe(batch)
    assert all(v.shape == (3,) for v in out.values())
    # replicates are different worlds
    assert len(set(out["first_contact_success"])) > 1


def test_newcomers_start_without_history(sim):
    from hlmsim.mechanisms import demography

    model = sim.model(sim.scenario(months=24, units=200, params={"move_out_annual": 0.5}))
    model._reset_tally()
    hh = model.hh
    hh.first_attempt[:], hh.first_success[:], hh.last_part[:] = 1, 2, 3
    hh.part_year[:], hh.part_prev[:], hh.last_project[:] = True, True, 4
    hh.need_origin[:] = ORIGIN["self"]
    model.t = 10
    arrived = hh.arrived.copy()
    demography.step(model)
    new = hh.arrived == 10
    assert new.any()
    assert (hh.first_attempt[new] == NEVER).all() and (hh.last_part[new] == NEVER).all()
    assert (hh.first_success[new] == NEVER).all() and (hh.last_project[new] == -1).all()
    assert not hh.part_year[new].any() and not hh.part_prev[new].any()
    assert (hh.need_origin[new] == 0).all()
    # completed stays are tallied: months since moving in of those who left
    assert model.tally["stay_months_out"].sum() == (10 - arrived[new]).sum()
