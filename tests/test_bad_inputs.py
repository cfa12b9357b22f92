"""A reduced corpus of bad inputs (``benchmarks/bad_inputs.py``), made outside the repository
and given to the command that reads each kind in a subprocess: every item is answered with exit
code 2, one line on stderr and nothing written. The whole corpus (72 items, a few minutes):
``.venv/bin/python benchmarks/bad_inputs.py``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _corpus_module():
    spec = importlib.util.spec_from_file_location(
        "bad_inputs", ROOT / "benchmarks" / "bad_inputs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bad_inputs"] = module
    spec.loader.exec_module(module)
    return module


corpus = _corpus_module()


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> list:
    folder = tmp_path_factory.mktemp("corpus")
    assert not folder.resolve().is_relative_to(ROOT)  # kept outside the project
    return corpus.make_corpus(folder)


def test_the_corpus_covers_every_kind_and_case(items: list) -> None:
    kinds = {i.kind for i in items}
    assert kinds == set(corpus.VALID)
    for kind in kinds:
        assert sum(i.kind == kind for i in items) >= 14, kind
    assert any("resources" in i.case for i in items)


@pytest.mark.slow  # ten subprocesses, each importing hlmsim: tens of seconds on 2 cores
def test_a_reduced_corpus_is_answered_in_one_line_with_exit_2(items: list) -> None:
    """Every 9th item (cases and kinds in turn; ``bad_inputs.py --every 9``) and both resource
    items."""
    chosen = list(dict.fromkeys([*items[::9], *(i for i in items if "resources" in i.case)]))
    assert len({i.kind for i in chosen}) == len(corpus.VALID)
    failures = corpus.run(chosen, verbose=False)
    assert not failures, [(f[0].kind, f[0].case, f[1]) for f in failures]
