"""``python -m hlmsim.sweep EXPERIMENT [--out DIR] [--workers N] [--scheduler ADDRESS]
[--resume] [--quick]`` and ``python -m hlmsim.sweep analyze SWEEP_DIR [...]``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
