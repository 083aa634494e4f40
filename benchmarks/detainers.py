"""Raw detainer, encounter and 287(g) files -> the detainer tables (`scomm.detainers.derive(force=True)`) against
DuckDB alone counting the same rows.

Each measurement runs in a fresh process, writing into a temporary folder (data/derived/ is never
touched). Prints:
  derive time in seconds                                                         (goal < 3 s on 2 cores)
  time ratio = derive (checksums, read, check, place, aggregate, write) / DuckDB count(*) of the same files
                                                                                 (goal <= 1.5)
Usage: python benchmarks/detainers.py [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
mode, out = sys.argv[1], sys.argv[2]
import duckdb, pandas, openpyxl, rapidfuzz  # imports are not part of the measurement
from scomm import detainers as det
t0 = time.perf_counter()
if mode == "count":
    rows = det.count_rows()
else:
    det.derive(force=True, out_dir=out)
    rows = None
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows}))
"""


def measure(mode: str, out: str) -> dict:
    """Run one measurement in a fresh interpreter; return its JSON result."""
    done = subprocess.run([sys.executable, "-c", CHILD, mode, out], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best time counts (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        counts, derives = [], []
        for _ in range(args.repeat):  # interleaved, so a busy moment on a shared machine hits both alike
            counts.append(measure("count", out))
            derives.append(measure("derive", out))
    count = min(c["seconds"] for c in counts)
    derive = min(d["seconds"] for d in derives)
    print(f"cores: {os.cpu_count()}; rows counted by DuckDB: {counts[0]['rows']:,}")
    print(f"DuckDB count(*) of the same files:  {count:.2f} s (best of {args.repeat})")
    print(f"derive every detainer table:        {derive:.2f} s (best of {args.repeat})   goal < 3 s")
    print(f"time ratio derive / count:          {derive / count:.2f}x   goal <= 1.5x")


if __name__ == "__main__":
    main()
