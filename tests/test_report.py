"""The comparison report: self-contained HTML in English and French, its figures, and numbers
that match the CSV files written beside it."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from hlmsim.arrangements import LABELS
from hlmsim.compare import CompareResult, compare
from hlmsim.errors import InputError
from hlmsim.i18n import t
from hlmsim.i18n.formats import MINUS, fmt_money, fmt_num, fmt_pct, round_sig
from hlmsim.outcomes import KEY_OUTCOMES, outcome_label
from hlmsim.replication import batch_seeds
from hlmsim.reporting import write_compare
from hlmsim.reporting.comparison import FIGURES, differing_params, summary_text, write_report
from hlmsim.reporting.values import fmt_value, source_text
from hlmsim.scenario import load_scenario

ARRS = ["ciusss_social_worker", "concertation_only"]
SAU = "services_as_usual"
NNBSP = "\u202f"  # French thousands separator and space before : ; % $


@pytest.fixture(scope="module")
def result() -> CompareResult:
    scen = load_scenario("default", months=24)
    return compare(scen, ARRS, replications=10, seed=2, workers=2)


@pytest.fixture(scope="module")
def written(result: CompareResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reports")
    return {lang: write_compare(result, root / lang, lang) for lang in ("en", "fr")}


def _html(written: dict[str, Path], lang: str) -> str:
    return (written[lang] / "report.html").read_text(encoding="utf-8")


def _cells(html: str, attr: str) -> dict[tuple[str, str], float]:
    """Numbers carried by table cells: {(arrangement, outcome): value of ``attr``}."""
    out = {}
    pattern = rf'data-arrangement="([^"]+)" data-outcome="([^"]+)"[^>]*?{attr}="([^"]+)"'
    for a, o, v in re.findall(pattern, html):
        out[(a, o)] = float(v)
    return out


def _shown(html: str, table: str, arrangement: str, outcome: str) -> str:
    """The number shown in a table cell (its first line)."""
    part = html[html.index(f'id="{table}"') :]
    m = re.search(
        rf'data-arrangement="{arrangement}" data-outcome="{outcome}"[^>]*><span class="m">'
        r"(?:[▲▼○] )?([^<]+)</span>",
        part,
    )
    assert m, (table, arrangement, outcome)
    return m.group(1)


#: The figures of every comparison (a comparison with a switch adds transitions.png).
ALWAYS = [name for key, name in FIGURES.items() if key != "transitions"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_and_figures_exist(written: dict[str, Path], lang: str) -> None:
    out = written[lang]
    assert (out / "report.html").is_file()
    pngs = sorted(p.name for p in (out / "figures").iterdir())
    assert pngs == sorted(ALWAYS)
    html = _html(written, lang)
    embedded = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(embedded) == len(ALWAYS)
    files = {(out / "figures" / name).read_bytes() for name in ALWAYS}
    for data in embedded:
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
        assert png in files  # the same figures as the PNG files


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_is_self_contained_and_printable(written: dict[str, Path], lang: str) -> None:
    html = _html(written, lang)
    assert f'<html lang="{lang}">' in html
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", html)
    assert "http" not in text.lower() and "www." not in text  # no external URL at all
    assert "url(" not in text and "@import" not in text and "<link" not in text
    assert "<script" not in text
    assert all(s.startswith("data:") for s in re.findall(r'src="([^"]*)"', html))
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html))
    assert "@media print" in html and "<style>" in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_final_year_numbers_match_summary_csv(written: dict[str, Path], lang: str) -> None:
    html = _html(written, lang)
    csv = pd.read_csv(written[lang] / "summary.csv").set_index(["arrangement", "outcome"])
    for attr, col in (
        ("data-mean", "mean"),
        ("data-ci-low", "ci_low"),
        ("data-ci-high", "ci_high"),
    ):
        cells = _cells(html, attr)
        assert len(cells) == len(csv) == 3 * len(KEY_OUTCOMES)
        for key, value in cells.items():
            assert value == pytest.approx(csv.loc[key, col], rel=1e-12, nan_ok=True), (key, col)
    # the numbers shown, as a reader sees them
    for arr in [*ARRS, SAU]:
        needs = csv.loc[(arr, "needs_met"), "mean"]
        sep = NNBSP if lang == "fr" else ","
        assert _shown(html, "final-table", arr, "needs_met") == f"{round(needs):,}".replace(
            ",", sep
        )
        security = f"{csv.loc[(arr, 'security'), 'mean']:.3f}"
        expected = security.replace(".", ",") if lang == "fr" else security
        assert _shown(html, "final-table", arr, "security") == expected
        reached = f"{100 * csv.loc[(arr, 'reached'), 'mean']:.1f}"
        assert _shown(html, "final-table", arr, "reached").replace(",", ".") == reached


def test_differences_match_differences_csv(written: dict[str, Path]) -> None:
    html = _html(written, "en")
    csv = pd.read_csv(written["en"] / "differences.csv").set_index(["arrangement", "outcome"])
    cells = _cells(html, "data-mean-diff")
    assert len(cells) == len(csv) == 2 * len(KEY_OUTCOMES)
    for key, value in cells.items():
        assert value == pytest.approx(csv.loc[key, "mean_diff"], rel=1e-12, nan_ok=True)
    d = csv.loc[("ciusss_social_worker", "needs_met"), "mean_diff"]
    shown = _shown(html, "diff-table", "ciusss_social_worker", "needs_met")
    assert float(shown.replace(",", "").replace(MINUS, "-")) == pytest.approx(d, abs=0.05)


def test_plain_language_summary(result: CompareResult, written: dict[str, Path]) -> None:
    s = result.summary.set_index(["arrangement", "outcome"])
    best = max(result.arrangements, key=lambda a: s.loc[(a, "needs_met"), "mean"])
    text = summary_text(result, "en")
    assert text.startswith("Under the model's assumptions, ")
    assert f"{LABELS[best][0]} meets the most residents' needs" in text
    assert fmt_num(s.loc[(best, "needs_met"), "mean"], 0, "en") in text
    assert fmt_money(round_sig(s.loc[(best, "cost"), "mean"]), "en") in text
    assert "per need met" in text and "95% confidence interval" in text
    assert f"in {result.replications} of the {result.replications} replications" in text
    assert "not a forecast" in text
    # unmet needs also count what prevention averts: the arrangement leaving the fewest
    low = min(result.arrangements, key=lambda a: s.loc[(a, "needs_unmet"), "mean"])
    unmet = fmt_num(s.loc[(low, "needs_unmet"), "mean"], 0, "en")
    assert f"{LABELS[low][0]} leaves the fewest needs unmet: about {unmet} open needs" in text
    fr = summary_text(result, "fr")
    assert fr.startswith("Selon les hypothèses du modèle, ") and LABELS[best][1] in fr
    assert "réplications appariées" in fr
    # the HTML carries the same summary, names in bold
    html = _html(written, "en")
    summary = html[html.index('id="summary"') : html.index("</div>", html.index('id="summary"'))]
    assert f"<strong>{LABELS[best][0]}</strong>" in summary


def test_summary_when_the_reference_meets_most_needs() -> None:
    scen = load_scenario("default", months=24)
    r = compare(scen, ["concertation_only"], reference="ciusss_social_worker", replications=4)
    text = summary_text(r, "en")
    assert "none of the arrangements compared meets more residents' needs than the reference" in (
        text
    )
    assert "Concertation only, meets" in text
    assert "aucun des modèles d'intervention comparés" in summary_text(r, "fr")


def test_french_report_is_in_french(written: dict[str, Path]) -> None:
    fr, en = _html(written, "fr"), _html(written, "en")
    for key in ("s_series", "s_final", "s_diff", "s_cost", "s_assumptions", "s_reproduce"):
        assert t(f"report.{key}", "fr") in fr.replace("&#x27;", "'"), key
        assert t(f"report.{key}", "en") not in fr, key
        assert t(f"report.{key}", "en") in en, key
    for name in ("needs_met", "security", "inter_org_trust"):
        assert outcome_label(name, "fr").replace("'", "&#x27;") in fr
    assert LABELS["concertation_only"][1] in fr and LABELS["concertation_only"][0] not in fr
    assert "Selon les hypothèses du modèle" in fr


def test_assumptions_section(result: CompareResult, written: dict[str, Path]) -> None:
    params = dict(differing_params(result.scenario, result.arrangements))
    for name in ("worker_fte", "network_present", "n_partners"):
        assert name in params, name
    assert "network_origin" not in params  # differs between milieux, not between arrangements
    assert "meeting_cost" not in params
    assert params["worker_fte"] == {
        "ciusss_social_worker": [1.0],
        "concertation_only": [0.0],
        SAU: [0.0],
    }
    html = _html(written, "en")
    assert "<code>worker_fte</code>" in html and "<code>network_present</code>" in html
    assert "assumptions, not estimates" in html and "docs/parameters.md" in html


def test_reproduce_section(result: CompareResult, written: dict[str, Path]) -> None:
    html = _html(written, "en")
    meta = result.metadata
    for piece in (meta["hlmsim_version"], meta["scenario_hash"], str(batch_seeds(2, 1)[0])):
        assert piece in html
    assert "How to reproduce this report" in html
    # a Scenario object has no command: the Python API is shown instead
    assert "hlmsim.compare(scenario" in html
    assert "replications=10, seed=2" in html


def test_write_refuses_other_files_and_bad_lang(result: CompareResult, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "figures").mkdir()
    (out / "figures" / "photo.png").write_bytes(b"mine")
    with pytest.raises(InputError, match="figures/photo.png"):
        write_compare(result, out)
    assert (out / "figures" / "photo.png").read_bytes() == b"mine"
    with pytest.raises(InputError, match="--lang"):
        write_compare(result, tmp_path / "x", lang="de")
    with pytest.raises(InputError):
        write_report(result, tmp_path / "y", "de")
    assert not (tmp_path / "x").exists()


def test_write_report_alone(result: CompareResult, tmp_path: Path) -> None:
    path = write_report(result, tmp_path, "en")
    assert path == tmp_path / "report.html" and path.is_file()
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == sorted(ALWAYS)


def test_number_formats() -> None:
    assert fmt_num(1234.5, 1, "en") == "1,234.5"
    assert fmt_num(-1234.5, 1, "fr") == f"{MINUS}1{NNBSP}234,5"
    assert fmt_num(0.04, 1, "en", sign=True) == "0.0"  # no sign on a rounded zero
    assert fmt_num(3, 0, "en", sign=True) == "+3"
    assert fmt_num(float("nan"), 1, "en") == "–"
    assert fmt_money(1234, "en") == "$1,234" and fmt_money(-5, "en") == f"{MINUS}$5"
    assert fmt_money(1234, "fr") == f"1{NNBSP}234{NNBSP}$"
    assert fmt_pct(0.535, "en", 0, sign=True) == "+54%"
    assert fmt_pct(0.5, "fr") == f"50{NNBSP}%"
    assert (
        round_sig(619249.0) == 619000 and round_sig(1676.4) == 1680 and round_sig(0.01234) == 0.0123
    )
    assert fmt_value("reached", 0.4212, "en") == "42.1"
    assert fmt_value("needs_met", 12.3, "en", diff=True) == "+12.3"


def test_french_report_has_no_english_left(written: dict[str, Path]) -> None:
    fr = _html(written, "fr").replace("&#x27;", "'")
    body = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", fr)
    body = re.sub(r"<(code|pre|style)>.*?</\1>", "", body, flags=re.S)  # code identifiers
    body = re.sub(r"<[^>]+>", "", body)  # what a reader sees: no tag, id or class
    for english in ("assumption", "MODEL.md", "Default setting", "calibrated", "study finding"):
        assert english not in body, english
    assert "répondu" not in body  # the field says "besoins comblés"
    assert "Besoins comblés" in body and "modèles d'intervention" in body.lower()
    assert re.search(r"\b1 milieux\b", body) is None and "0 besoins de moins" not in body
    assert "sa description n'existe qu'en anglais" in body  # the scenario's is in English only


def test_french_typography_of_the_reports_texts() -> None:
    from hlmsim.i18n import catalogue

    for key, text in catalogue("fr").items():
        if key.startswith(("report.", "patterns.", "units.")):
            texts = text.values() if isinstance(text, dict) else [text]
            for x in texts:  # a narrow no-break space before : ; ? ! %, none at all missing
                assert re.search(r"[\w)»] ?[:;?!%]", x.replace("https:", "")) is None, key
                assert "répondu" not in x and "assumption" not in x, key


def test_parameter_sources_in_the_readers_language() -> None:
    meta = {"source": "assumption, calibrated to pattern 15 (slow build-up)"}
    assert source_text(meta, "en") == meta["source"]
    assert source_text(meta, "fr").startswith("hypothèse, calibrée sur le patron 15")
    assert source_text({"source": "assumption"}, "fr") == "hypothèse"
    cited = {"source": "assumption; CIUSSS turnover 3-9%/yr (press 2019)"}
    assert source_text(cited, "fr").startswith("hypothèse (presse 2019)")
    assert "docs/parameters.md" in source_text(cited, "fr")
    assert source_text({"source": "study finding 8"}, "fr") == "étude de cas, constat 8"
    own = {"source": "study remedy", "source_fr": "piste de solution de l'étude"}
    assert source_text(own, "fr") == own["source_fr"]


def test_the_report_states_which_targets_the_model_meets(
    result: CompareResult, tmp_path: Path
) -> None:
    """With the targets measured on the same scenario (``hlmsim compare`` does so by default),
    the summary counts the targets inside their range and a section lists each verdict, in both
    languages; without them, neither appears."""
    import dataclasses

    from hlmsim.targets.engine import run_targets

    targets = run_targets(scenario=load_scenario("default", months=24), replications=2)
    with_targets = dataclasses.replace(result, targets=targets)
    tab = targets.table
    for lang in ("en", "fr"):
        html = (write_compare(with_targets, tmp_path / lang, lang) / "report.html").read_text(
            encoding="utf-8"
        )
        assert 'id="facts"' in html
        for verdict in ("inside", "outside"):
            shown = html.count(f'<tr data-verdict="{verdict}">')
            assert shown == (tab["verdict"] == verdict).sum(), (lang, verdict)
        cal = tab[tab["role"] == "calibration"]
        k, n = int((cal["verdict"] == "inside").sum()), len(cal)
        words = {"en": f"{k} of {n} calibration targets", "fr": f"{k} cibles de calibrage sur {n}"}
        assert words[lang] in summary_text(with_targets, lang)
        written_csv = pd.read_csv(tmp_path / lang / "targets.csv")
        assert list(written_csv["id"]) == list(tab["id"])
    assert "facts" not in summary_text(result, "en") and result.targets is None
