"""Every numeric parameter declares a plausible range in the schema, inside its validation range
and containing its default; yes/no and choice parameters declare none."""

from __future__ import annotations

import pytest

from hlmsim.params import Params, field_meta, par, param_fields

NUMERIC = [n for n in param_fields() if field_meta(n)["kind"] in ("int", "float")]
OTHER = [n for n in param_fields() if field_meta(n)["kind"] not in ("int", "float")]


def test_the_schema_has_numeric_and_other_parameters() -> None:
    assert len(NUMERIC) >= 100 and len(OTHER) >= 10
    assert {"worker_fte", "n_partners", "trust_half_life_months"} <= set(NUMERIC)
    assert {"worker_employer", "network_present", "direct_access_priority"} <= set(OTHER)


@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_parameter_has_a_plausible_range(name: str) -> None:
    meta = field_meta(name)
    plausible = meta["plausible"]
    assert plausible is not None, f"{name}: no plausible=(lo, hi) in the schema"
    assert isinstance(plausible, tuple) and len(plausible) == 2, plausible
    lo, hi = plausible
    assert isinstance(lo, float) and isinstance(hi, float), plausible
    assert lo < hi, f"{name}: plausible range {plausible} is empty"
    assert meta["min"] is not None and meta["max"] is not None, name
    assert meta["min"] <= lo and hi <= meta["max"], (
        f"{name}: plausible {plausible} outside the validation range [{meta['min']}, {meta['max']}]"
    )
    assert lo <= meta["default"] <= hi, f"{name}: default {meta['default']} not in {plausible}"


@pytest.mark.parametrize("name", OTHER)
def test_yes_no_and_choice_parameters_have_no_plausible_range(name: str) -> None:
    assert field_meta(name)["plausible"] is None, name


def test_plausible_range_is_stored_in_the_schema_and_only_when_declared() -> None:
    extra = Params.model_fields["trust_half_life_months"].json_schema_extra
    assert (
        isinstance(extra, dict)
        and tuple(extra["plausible"]) == field_meta("trust_half_life_months")["plausible"]
    )
    assert "plausible" not in Params.model_fields["network_present"].json_schema_extra
    field = par(0.5, 0, 1, "share", "x", "x", plausible=(0.25, 0.75))
    assert field.json_schema_extra["plausible"] == [0.25, 0.75]
    assert "plausible" not in par(0.5, 0, 1, "share", "x", "x").json_schema_extra
    Params.model_json_schema()  # the stored ranges are valid JSON schema extras


def test_plausible_ranges_are_narrower_than_validation_ranges_for_shares() -> None:
    """The point of the plausible range: not the whole 0-1 of a share or probability."""
    wide = []
    for name in NUMERIC:
        meta = field_meta(name)
        lo, hi = meta["plausible"]
        if (meta["min"], meta["max"]) == (0, 1) and (lo, hi) == (0.0, 1.0):
            wide.append(name)
    assert not wide, f"plausible range is the whole validation range: {wide}"


def test_parameters_md_shows_each_plausible_range_and_marks_the_robustness_factors() -> None:
    from hlmsim import docs_gen
    from hlmsim.patterns import robustness_factors

    text = docs_gen.render_parameters()
    assert "| range | plausible | default |" in text and "**Two ranges.**" in text
    factors = {f.name for f in robustness_factors()}
    for name in param_fields():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        plausible = field_meta(name)["plausible"]
        if plausible is None:
            assert cells[6] == "–", row
        else:
            lo, hi = plausible
            mark = f" {docs_gen.ROBUST_MARK}" if name in factors else ""
            assert cells[6] == f"{lo:g} – {hi:g}{mark}", row
    assert f"marks the {len(factors)} plausible ranges" in text
