"""How validation, a forced build and a no-op build grow with the size of the figures table.

For each factor (default 1, 10, 100, 1000) it writes a figures table holding the bundled rows and
(factor - 1) copies of each under new ids (`QAA-000`, `QAA-001`, ...: prefixes the bundled data does not
use; the same metric, place, period and source, so filters, charts and footers meet every copy), beside
the bundled vocabularies, then runs in fresh processes:
  validate   `scomm validate FILE`
  build      `scomm build --data FILE --out DIR --force`
  no-op      the same build again, nothing changed
and prints a row per factor: seconds of each and the peak memory of the largest process (kernels included).
Usage: python benchmarks/scaling.py [--factors 1,10,100,1000] [--formats png] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scomm.paths import DATA_DIR

BIN = Path(sys.executable).parent
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DATA = ("sources.csv", "metrics.csv", "milestones.csv", "claims.csv")
# runs a command and reports its wall time and the largest resident set of it or any process it waited for
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "code": done.returncode, "err": done.stderr[-600:]}))
"""


def scaled(folder: Path, factor: int) -> Path:
    """Write figures.csv with every bundled row and (factor - 1) copies under new ids; return its path."""
    folder.mkdir(parents=True)
    with open(DATA_DIR / "figures.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    used = {row[0].split("-")[0] for row in rows}
    prefixes = (
        p
        for p in ("".join(LETTERS[i // 26**n % 26] for n in (2, 1, 0)) for i in range(16 * 26 * 26, 26**3))
        if p not in used
    )
    path = folder / "figures.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        prefix, number = next(prefixes), 0
        for _ in range(1, factor):
            for row in rows:
                if number == 1000:
                    prefix, number = next(prefixes), 0
                writer.writerow([f"{prefix}-{number:03d}", *row[1:]])
                number += 1
    for name in DATA:
        shutil.copy2(DATA_DIR / name, folder / name)
    return path


def measure(cmd: list[str], timeout: float) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(timeout), *cmd], capture_output=True, text=True)
    if done.returncode != 0:  # the time bound ran out
        return {"seconds": float("nan"), "peak_mb": float("nan"), "code": "timeout", "err": done.stderr[-300:]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", default="1,10,100,1000")
    parser.add_argument("--formats", default="png,svg,pdf", help="chart formats of the builds")
    parser.add_argument("--timeout", type=float, default=1800, help="bound on one command, seconds")
    args = parser.parse_args()
    factors = [int(f) for f in args.factors.split(",") if f.strip()]
    print(f"{'factor':>7} {'rows':>9} {'validate s':>11} {'build s':>9} {'no-op s':>8} {'peak MB':>8}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for factor in factors:
            figures = scaled(Path(tmp) / f"x{factor}", factor)
            rows = sum(1 for _ in open(figures, encoding="utf-8")) - 1
            out = Path(tmp) / f"out{factor}"
            build = [str(BIN / "scomm"), "build", "--data", str(figures), "--out", str(out), "--quiet"]
            build += ["--formats", args.formats]
            started = time.perf_counter()
            validate = measure([str(BIN / "scomm"), "validate", str(figures)], args.timeout)
            full = measure(build + ["--force"], args.timeout)
            noop = measure(build, args.timeout) if full["code"] == 0 else {"seconds": float("nan"), "peak_mb": 0}
            peak = max(validate["peak_mb"], full["peak_mb"], noop["peak_mb"])
            result = "ok" if full["code"] == 0 and validate["code"] == 0 else f"failed: {full['err'].strip()[-200:]}"
            print(
                f"{factor:>7} {rows:>9,} {validate['seconds']:>11.2f} {full['seconds']:>9.1f} {noop['seconds']:>8.2f} "
                f"{peak:>8.0f}  {result} ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
