"""Compile (or load from the cache) every compiled kernel of the model ahead of its first use.

``python -m hlmsim.warmup`` runs a small scenario for a few months, which calls every kernel once
with the types of any run, and prints the time it took: about a minute the first time after an
installation or a change of the model's sources, under a second once cached. ``make`` runs it
after installing, so that the first run, and test workers starting together, find the kernels
ready (see ``hlmsim.mechanisms._jit`` for where the cache lives).
"""

from __future__ import annotations

import sys
import time

from .model import HLMModel
from .scenario import load_scenario


def warm_up() -> float:
    """Run every kernel once (two replicates of the default scenario, 13 months, one of them
    with its own parameters); returns the seconds it took."""
    start = time.perf_counter()
    scen = load_scenario("default", months=13, spin_up_months=1)
    HLMModel(scen, seed=0, agents=True).run()
    HLMModel(scen, seed=0, agents=False, replicates=2, param_sets=[{}, {}]).run()
    return time.perf_counter() - start


def main() -> int:
    print("hlmsim: compiling the model's kernels (about a minute the first time)...", flush=True)
    seconds = warm_up()
    print(f"hlmsim: kernels ready in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
