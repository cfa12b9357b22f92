"""Shared helpers for the hlmsim test suite.

Helpers are exposed through the session-scoped ``sim`` fixture (usable from hypothesis tests):
small scenarios built from plain dicts, models, and month-by-month runs that keep each month's
tallies (``model.tally`` is reset at the start of every step).

Tests that take tens of seconds or more on 2 cores (a real browser, full pattern runs, process
pools, Dask, kill -9) carry ``@pytest.mark.slow`` (registered in pyproject.toml):
``make test-fast`` (``pytest -m "not slow"``) skips them for the edit loop; ``make test`` and CI
run everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from hlmsim.mechanisms import events as events_mod
from hlmsim.model import HLMModel
from hlmsim.params import Scenario
from hlmsim.scenario import validate

#: How far a compiled kernel may be from its NumPy formula when the formula calls a
#: transcendental function (exp, log, a float power): on processors with AVX-512, NumPy computes
#: these with its own SIMD routines, which may differ from the C library's (what the kernels
#: call) in the last bit; a difference such as 1 - x then carries that bit (an absolute
#: tolerance of a few units in the last place of 1).
MATH_RTOL, MATH_ATOL = 1e-12, 4 * np.finfo(float).eps


def same_math(got: Any, expected: Any) -> None:
    """``got`` equals ``expected`` up to the last bits of a math function (:data:`MATH_RTOL`)."""
    np.testing.assert_allclose(got, expected, rtol=MATH_RTOL, atol=MATH_ATOL)


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single stderr line of a failed command (asserted: one line, ``hlmsim: error: ``, no
    traceback)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hlmsim: error: "), err
    assert "Traceback" not in err
    return lines[0]


class Sim:
    """Namespace of helpers (see the ``sim`` fixture)."""

    @staticmethod
    def scenario(
        months: int = 12,
        milieux: int = 1,
        units: int | list[int] = 60,
        arrangement: str = "ciusss_social_worker",
        params: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
        milieu_params: list[dict[str, Any]] | None = None,
    ) -> Scenario:
        """A small validated scenario: ``milieux`` milieux named m0, m1..., one ensemble each."""
        sizes = units if isinstance(units, list) else [units] * milieux
        data: dict[str, Any] = {
            "name": "test",
            "arrangement": arrangement,
            "months": months,
            "params": dict(params or {}),
            "milieux": [
                {
                    "name": f"m{i}",
                    "ensembles": [{"units": n, "share_family": 0.4, "share_senior": 0.3}],
                    "params": dict((milieu_params or [{}] * len(sizes))[i]),
                }
                for i, n in enumerate(sizes)
            ],
            "events": list(events or []),
        }
        return validate(data)

    @staticmethod
    def model(scen: Scenario, seed: int = 1, agents: bool = False) -> HLMModel:
        return HLMModel(scen, seed=seed, agents=agents)

    @staticmethod
    def run_with_tallies(model: HLMModel, months: int | None = None) -> list[dict[str, np.ndarray]]:
        """Step ``months`` months (default: to the horizon); return each month's tallies."""
        n = model.months - model.t if months is None else months
        out = []
        for _ in range(n):
            model.step()
            out.append({k: np.array(v, copy=True) for k, v in model.tally.items()})
        return out

    @staticmethod
    def series(model: HLMModel, key: str) -> np.ndarray:
        """An outcome over the months run so far: (months, milieux)."""
        return np.array([r[key] for r in model.records], dtype=float)

    @staticmethod
    def no_events(model: HLMModel) -> dict[str, np.ndarray]:
        return {k: np.zeros(model.ms.n, dtype=bool) for k in events_mod.EVENT_KINDS}


@pytest.fixture(scope="session")
def sim() -> type[Sim]:
    return Sim


@pytest.fixture(scope="session", autouse=True)
def _terminal_width_unset() -> Iterator[None]:
    """The CLI prints wide tables when stdout is not a terminal and ``COLUMNS`` is unset;
    pytest-xdist workers set ``COLUMNS=80``: unset it (before any other fixture) so that every test
    sees a user's piped output."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COLUMNS", raising=False)
        mp.delenv("LINES", raising=False)
        yield
