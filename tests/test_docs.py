"""The documentation keeps up with the code: generated parameter docs, ODD and README."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

import hlmsim.mechanisms
from hlmsim import docs_gen
from hlmsim.i18n import has
from hlmsim.params import field_meta, param_fields

ROOT = Path(__file__).resolve().parent.parent
PARAMETERS_MD = ROOT / "docs" / "parameters.md"
ODD_MD = ROOT / "docs" / "ODD.md"
README = ROOT / "README.md"

ODD_ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)


def mechanism_modules() -> list[str]:
    """Names of the mechanism modules (private helpers such as ``_util`` excluded)."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(hlmsim.mechanisms.__path__)
        if not m.name.startswith("_")
    )


def headings(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)]


# --- docs/parameters.md ---------------------------------------------------------------------


def test_parameters_md_is_up_to_date() -> None:
    assert PARAMETERS_MD.is_file(), "docs/parameters.md is missing: run python -m hlmsim.docs_gen"
    assert PARAMETERS_MD.read_text(encoding="utf-8") == docs_gen.render_parameters(), (
        "docs/parameters.md is stale: run `python -m hlmsim.docs_gen` (or `make docs`)"
    )


def test_api_md_reference_is_up_to_date() -> None:
    api = ROOT / "docs" / "api.md"
    assert api.read_text(encoding="utf-8") == docs_gen.with_api(api.read_text(encoding="utf-8")), (
        "docs/api.md's reference is stale: run `python -m hlmsim.docs_gen` (or `make docs`)"
    )


def test_api_reference_documents_every_item_with_its_docstring() -> None:
    text = docs_gen.render_api()
    for public, _, _ in docs_gen.API_ITEMS:
        assert f"### `{public}`" in text
    assert "hlmsim.HLMModel(scenario: Scenario | str | Path='default', *, rng:" in text
    # reStructuredText roles and double-backquoted literals made Markdown
    assert not re.search(r":(func|class|mod|data|meth):`", text)
    assert not re.search(r"(?<!`)``(?!`)", text)


def test_api_check_flag_detects_an_edited_reference(tmp_path: Path) -> None:
    api = tmp_path / "api.md"
    api.write_text(f"# API\n\n{docs_gen.API_BEGIN}\n{docs_gen.API_END}\n", encoding="utf-8")
    params = tmp_path / "parameters.md"
    args = ["--out", str(params), "--api", str(api)]
    assert docs_gen.main(["--check", *args]) == 1
    assert docs_gen.main(args) == 0
    assert docs_gen.main(["--check", *args]) == 0
    assert api.read_text(encoding="utf-8").startswith("# API\n\n")
    api.write_text(api.read_text(encoding="utf-8").replace("Run a scenario", "Runs"), "utf-8")
    assert docs_gen.main(["--check", *args]) == 1


def test_check_flag_detects_a_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "parameters.md"
    assert docs_gen.main(["--check", "--out", str(out)]) == 1  # missing
    assert docs_gen.main(["--out", str(out)]) == 0
    assert docs_gen.main(["--check", "--out", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert docs_gen.main(["--check", "--out", str(out)]) == 1


def test_every_parameter_is_documented() -> None:
    text = docs_gen.render_parameters()
    for name in param_fields():
        assert f"| `{name}` |" in text, f"{name} missing from docs/parameters.md"


def test_generated_file_says_it_is_generated() -> None:
    first = docs_gen.render_parameters().splitlines()[0]
    assert "python -m hlmsim.docs_gen" in first and "not edit" in first


def test_every_parameter_falls_in_exactly_one_group() -> None:
    groups = docs_gen.parameter_groups()
    names = [n for _, members in groups for n in members]
    assert names == list(param_fields())
    assert all(members for _, members in groups)
    assert [members[0] for _, members in groups] == [first for first, _ in docs_gen.GROUPS]


def test_a_renamed_group_start_breaks_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs_gen, "GROUPS", (("no_such_parameter", "Nowhere"),))
    with pytest.raises(docs_gen.DocsError, match="no_such_parameter"):
        docs_gen.parameter_groups()


def test_parameters_before_the_first_group_break_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs_gen, "GROUPS", docs_gen.GROUPS[1:])
    with pytest.raises(docs_gen.DocsError):
        docs_gen.parameter_groups()


@pytest.mark.parametrize("name", list(param_fields()))
def test_parameter_metadata_is_complete(name: str) -> None:
    meta = field_meta(name)
    assert (meta["label_en"] or "").strip(), f"{name}: no English meaning"
    assert meta["label_fr"].strip(), f"{name}: no French meaning (sens)"
    assert meta["unit"].strip(), f"{name}: no unit"
    unit = meta["unit"]
    assert has(f"units.{unit}", "fr"), f"{name}: unit {unit!r} has no French ([units])"
    assert meta["source"].strip(), f"{name}: no source (or the word 'assumption')"


def test_source_counts_add_up() -> None:
    c = docs_gen.source_counts()
    assert c["total"] == len(param_fields())
    assert c["sourced"] + c["assumption"] + c["informed"] == c["total"]
    assert docs_gen.source_kind("assumption") == "assumption"
    assert docs_gen.source_kind("assumption; X (2020)") == "informed"
    assert docs_gen.source_kind("study finding 3") == "study"
    assert docs_gen.source_kind("Gunn et al. 2015") == "cited"


def test_arrangement_matrix_and_outcomes_are_listed() -> None:
    from hlmsim.arrangements import ARRANGEMENTS
    from hlmsim.outcomes import DERIVED, OUTCOMES

    text = docs_gen.render_parameters()
    for name in ARRANGEMENTS:
        assert f"`{name}`" in text
    for name in [*OUTCOMES, *DERIVED]:
        assert f"| `{name}` |" in text, f"outcome {name} missing"


# --- README ---------------------------------------------------------------------------------


def test_readme_gives_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text


# --- docs/ODD.md ----------------------------------------------------------------------------


def test_odd_has_the_seven_elements_as_headings() -> None:
    found = headings(ODD_MD.read_text(encoding="utf-8"))
    for element in ODD_ELEMENTS:
        assert any(element.lower() in h.lower() for h in found), f"ODD heading missing: {element}"


def test_odd_documents_every_mechanism_module() -> None:
    text = ODD_MD.read_text(encoding="utf-8")
    modules = mechanism_modules()
    assert modules, "no mechanism modules found"
    for name in modules:
        assert f"hlmsim/mechanisms/{name}.py" in text, f"mechanism {name} not documented in ODD"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", [ODD_MD, README], ids=["ODD.md", "README.md"])
def test_links_between_docs_resolve(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        path = (doc.parent / target) if target else doc
        assert path.exists(), f"{doc.name}: broken link to {target}"
        if anchor and path.suffix == ".md":
            anchors = {slug(h) for h in headings(path.read_text(encoding="utf-8"))}
            assert anchor in anchors, f"{doc.name}: no heading #{anchor} in {path.name}"
