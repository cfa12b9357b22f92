"""hlmsim: agent-based simulation of proximity intervention in Québec's public low-rent housing.

Quick use::

    import hlmsim
    scen = hlmsim.load_scenario("default", arrangement="community_worker")
    result = hlmsim.run(scen, seed=1)
    result.timeseries  # pandas, one row per month and milieu (+ "all")
    comp = hlmsim.compare(scen, replications=20)
    hlmsim.write_compare(comp, "out", lang="fr")  # report.html, figures, CSV

``HLMModel`` is a Mesa 3.5 model (``rng=``, overrides as keywords, ``model.datacollector``), so
``mesa.batch_run(hlmsim.HLMModel, ...)`` works; :mod:`hlmsim.ema` (the ``[ema]`` extra, not
imported here) gives it to the EMA Workbench. The API with tested examples: ``docs/api.md``.

The engines (``run``, ``compare``, ``sweep``, :mod:`hlmsim.patterns`) return result objects and
import no reporting code; the writers of reports (``write_compare``, ``write_patterns``) live in
:mod:`hlmsim.reporting`, loaded on first use.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("hlmsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

from .arrangements import ARRANGEMENTS
from .compare import CompareResult, compare
from .ensemble import EnsembleResult, run_ensemble
from .errors import InputError
from .model import HLMModel
from .params import Params, Scenario
from .run import RunResult, run
from .scenario import load_scenario, shipped_scenarios
from .sweep import analyze, sweep

#: Names given by the reporting layer, imported on first use (engines never load it).
_REPORTING = ("write_compare", "write_patterns")


def __getattr__(name: str) -> Any:
    if name in _REPORTING:
        from . import reporting

        return getattr(reporting, name)
    raise AttributeError(f"module 'hlmsim' has no attribute {name!r}")


__all__ = [
    "ARRANGEMENTS",
    "CompareResult",
    "EnsembleResult",
    "HLMModel",
    "InputError",
    "Params",
    "RunResult",
    "Scenario",
    "__version__",
    "analyze",
    "compare",
    "load_scenario",
    "run",
    "run_ensemble",
    "shipped_scenarios",
    "sweep",
    "write_compare",
    "write_patterns",
]
