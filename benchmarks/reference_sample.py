"""Store a reference sample of the model's key final-year outcomes, for the equivalence test of
changes that reorder random draws (issue 12).

Runs ``hlmsim.compare`` on the default scenario, the CIUSSS social worker against services as
usual, with ``--replications`` paired replications (default 400) from seed 0, and writes each
replication's final-year key outcomes (both arms) to ``tests/data/reference_sample.parquet``,
with the hlmsim version, git commit and design in the file's metadata. ``tests/test_equivalence.py``
runs the same design on the current code and tests, outcome by outcome, that the two samples are
equivalent (benchmarks/README.md, "Equivalence after a change of random draws").

Regenerate the sample only when a change is *meant* to move the model's distribution (and say so
in the CHANGELOG), never to make the test pass after a change that should not have.

Usage::

    .venv/bin/python benchmarks/reference_sample.py      # 400 replications, ~3 min on 2 cores
    .venv/bin/python benchmarks/reference_sample.py --replications 200 --out /tmp/sample.parquet
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "reference_sample.parquet"
ARMS = ("ciusss_social_worker", "services_as_usual")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replications", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import pyarrow as pa
    import pyarrow.parquet as pq

    import hlmsim
    from hlmsim.run import git_commit

    res = hlmsim.compare(
        "default",
        arrangements=[ARMS[0]],
        reference=ARMS[1],
        replications=args.replications,
        seed=0,
        workers=args.workers,
        progress=lambda d, n: print(f"\rbatches {d}/{n}", end="", file=sys.stderr),
    )
    print(file=sys.stderr)
    table = pa.Table.from_pandas(res.finals, preserve_index=False)
    meta = {
        "hlmsim_version": hlmsim.__version__,
        "git_commit": git_commit(),
        "scenario": "default",
        "arms": list(ARMS),
        "replications": args.replications,
        "seed": 0,
    }
    table = table.replace_schema_metadata({b"hlmsim_reference": json.dumps(meta).encode()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, args.out)
    print(f"wrote {args.out} ({len(res.finals)} rows): {meta}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
