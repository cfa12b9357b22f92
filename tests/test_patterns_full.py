"""The CI check of the validation issue, in a file of its own so that pytest-xdist runs it beside
the other pattern tests (the quick run of every pattern takes minutes on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hlmsim.cli import main
from hlmsim.patterns import load_pattern, pattern_files

#: Negative controls that no longer remove their pattern since the model was brought to the facts
#: (version 0.3.0), with the reason; reported by `hlmsim patterns`, the ODD's known issues and
#: docs/findings.md. The test fails if another control fails, or if one of these removes its
#: pattern again (then it leaves this list).
KNOWN_CONTROL_FAILURES = {
    "p03_concertation_services.toml": "since services have waiting lists and pooling is limited "
    "to the needs a lender serves, the control (no onward referral, no pooling, no information "
    "at activities) removes only part of the effect on service use (quick run, version 0.4.0: "
    "+8.7 points, +5.3 under the control); the rest passes through other differences between "
    "the two arrangements, not yet traced",
}


@pytest.mark.slow
def test_every_shipped_pattern_is_reproduced_and_its_control_removes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CI check of the validation issue: `hlmsim patterns --quick` reproduces every pattern
    (95% CI excluding zero in the expected direction) and every negative control removes it, but
    for the known failures above, each with its reason."""
    out = tmp_path / "patterns"
    code = main(["patterns", "--quick", "--robustness", "0", "--out", str(out), "--workers", "2"])
    rows = pd.read_csv(out / "patterns.csv")
    assert sorted(rows["file"]) == sorted(f.name for f in pattern_files())
    failing = rows.loc[~rows["reproduced"].astype(bool), "file"].tolist()
    # a pattern may fail only where a calibration target won over it and its file says why
    # (issue 11); the quick run is seeded, so the list is stable
    lost = sorted(f.name for f in pattern_files() if load_pattern(f).no_longer_holds_en)
    assert sorted(failing) == lost, f"not reproduced: {failing}; declared lost: {lost}"
    assert rows.set_index("file").loc[lost, "no_longer_holds"].str.len().gt(0).all()
    # a control cannot remove an effect that is no longer there: the lost patterns are left out
    kept = rows.loc[~rows["control_removes"].astype(bool) & ~rows["file"].isin(lost), "file"]
    kept = kept.tolist()
    assert sorted(kept) == sorted(KNOWN_CONTROL_FAILURES), (
        f"negative controls that do not remove the effect: {kept}"
    )
    # the lost patterns do not make the command fail: it says they no longer hold, and why
    assert code == 0
    assert "no longer hold since the model was brought to the facts" in capsys.readouterr().out
