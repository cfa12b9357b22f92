"""The bilingual catalogue: complete in both languages, formats and plurals, and no code outside
it that chooses a text by comparing a language code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hlmsim.errors import InputError
from hlmsim.i18n import LANGS, catalogue, localized, pick, placeholders, t
from hlmsim.i18n.formats import count, fmt_money, fmt_num, fmt_pct, fmt_range, quote

PACKAGE = Path(__file__).resolve().parent.parent / "hlmsim"


def test_every_key_in_every_language_with_the_same_placeholders() -> None:
    ref = catalogue(LANGS[0])
    for lang in LANGS[1:]:
        other = catalogue(lang)
        assert sorted(set(ref) - set(other)) == [], f"missing in {lang}"
        assert sorted(set(other) - set(ref)) == [], f"only in {lang}"
        for key, text in ref.items():
            assert placeholders(text) == placeholders(other[key]), key
            assert isinstance(text, dict) == isinstance(other[key], dict), key


def test_no_empty_text() -> None:
    for lang in LANGS:
        for key, text in catalogue(lang).items():
            values = text.values() if isinstance(text, dict) else [text]
            assert all(str(v) for v in values), (lang, key)


def test_plurals_follow_each_language() -> None:
    assert count(0, "common.needs", "en") == "0 needs"
    assert count(1, "common.needs", "en") == "1 need"
    assert count(2, "common.needs", "en") == "2 needs"
    assert count(0, "common.needs", "fr") == "0 besoin"
    assert count(1, "common.milieux", "fr") == "1 milieu"
    assert count(2, "common.milieux", "fr") == "2 milieux"
    assert count(1234, "common.households", "fr") == "1\u202f234 ménages"


def test_number_formats() -> None:
    assert fmt_num(-1234.5, 1, "en") == "\u22121,234.5"
    assert fmt_num(-1234.5, 1, "fr") == "\u22121\u202f234,5"
    assert fmt_num(-0.001, 2, "fr") == "0,00"  # never "−0,00"
    assert fmt_num(3, 0, "en", sign=True) == "+3"
    assert fmt_pct(0.355, "en", 1) == "35.5%"
    assert fmt_pct(0.355, "fr", 1) == "35,5\u202f%"
    assert fmt_money(-1234, "en") == "\u2212$1,234"
    assert fmt_money(1234, "fr") == "1\u202f234\u202f$"
    assert fmt_money(float("nan"), "fr") == "–"
    assert fmt_range("1", "3", "fr") == "1 à 3"
    assert quote("x", "fr") == "«\u00a0x\u00a0»"


def test_t_pick_localized() -> None:
    assert t("common.assumption", "fr") == "hypothèse"
    assert pick(("yes", "oui"), "fr") == "oui"
    assert localized({"label_en": "A", "label_fr": ""}, "fr", "label") == "A"
    with pytest.raises(InputError):
        t("common.assumption", "de")
    with pytest.raises(KeyError):
        t("no.such.key", "en")


def _is_lang(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in LANGS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_lang(e) for e in node.elts)
    return False


def _language_comparisons(path: Path) -> list[int]:
    """Lines where code compares something with a language code ("fr", "en"), including
    ``lang != "en"``, ``lang in ("fr",)`` and ``case "fr":``."""
    tree = ast.parse(path.read_text("utf-8"))
    lines = []
    for node in ast.walk(tree):
        operands: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.MatchValue):
            operands = [node.value]
        if any(_is_lang(op) for op in operands):
            lines.append(node.lineno)
    return sorted(lines)


def test_no_code_outside_the_catalogue_chooses_a_text_by_language() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("i18n/"):
            continue
        found = _language_comparisons(path)
        if found:
            offenders[rel] = found
    assert offenders == {}


def test_the_language_comparison_finder_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('def f(lang):\n    return 1 if lang != "en" else 2\nx = "fr" == y\n')
    assert _language_comparisons(bad) == [2, 3]
