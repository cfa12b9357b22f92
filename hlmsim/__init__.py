"""hlmsim: agent-based simulation of proximity intervention in Québec's public low-rent housing.

Quick use::

    import hlmsim
    scen = hlmsim.load_scenario("default", arrangement="community_worker")
    result = hlmsim.run(scen, seed=1)
    result.timeseries  # pandas, one row per month and milieu (+ "all")
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hlmsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

from .arrangements import ARRANGEMENTS
from .compare import CompareResult, compare
from .errors import InputError
from .model import HLMModel
from .params import Params, Scenario
from .run import RunResult, run
from .scenario import load_scenario, shipped_scenarios
from .sweep import analyze, sweep

__all__ = [
    "ARRANGEMENTS",
    "CompareResult",
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
    "shipped_scenarios",
    "sweep",
]
