"""Load+validate speed and memory against plain `pandas.read_csv(path, engine="pyarrow")`.

Generates a 1,000,000-row figures file of valid rows (once with plain numbers, once with thousands
separators, which take the full text path), then runs each
reader in a fresh process (so peak memory is its own) and prints two ratios:
  time ratio   = scomm load_figures / pandas read_csv      (goal <= 1.5)
  memory ratio = peak RSS growth of scomm / of pandas      (goal <= 2.0)
Usage: python benchmarks/load.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scomm.paths import DATA_DIR

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHILD = r"""
import json, resource, sys, time
path, mode = sys.argv[1], sys.argv[2]
import pandas as pd, pyarrow  # imports are not part of the measurement
from scomm.data import load_figures
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if mode == "pandas":
    frame = pd.read_csv(path, engine="pyarrow")
else:
    frame = load_figures(path)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "rss_kb": peak - base, "rows": len(frame)}))
"""


def generate(path: Path, rows: int, thousands: bool = False) -> None:
    """Write `rows` valid figures (cycling through the bundled ones with new ids) beside copies of the vocabularies.

    thousands=True writes every third count with thousands separators ("140,396"), as spreadsheets export them.
    """
    with open(DATA_DIR / "figures.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        seed = list(reader)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for i in range(rows):
            row = list(seed[i % len(seed)])
            k = i // 1000
            row[0] = "".join(LETTERS[k // 26**n % 26] for n in (2, 1, 0)) + f"-{i % 1000:03d}"
            value = float(row[2])
            if thousands and i % 3 == 0 and value >= 1000 and value.is_integer():
                row[2] = f"{int(value):,}"
            writer.writerow(row)
    for name in ("sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, path.with_name(name))


def measure(path: Path, mode: str, repeat: int) -> dict:
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", CHILD, str(path), mode], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return {
        "seconds": min(r["seconds"] for r in runs),
        "rss_kb": min(r["rss_kb"] for r in runs),
        "rows": runs[0]["rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for label, thousands in (
        ("plain numbers, as the bundled data", False),
        ("every third count with thousands separators", True),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "figures.csv"
            generate(path, args.rows, thousands=thousands)
            base = measure(path, "pandas", args.repeat)
            ours = measure(path, "scomm", args.repeat)
        assert base["rows"] == ours["rows"] == args.rows
        print(f"{args.rows:,} rows, {label}:")
        print(f"  pandas.read_csv(engine='pyarrow'): {base['seconds']:.3f} s, peak +{base['rss_kb'] / 1024:.0f} MiB")
        print(f"  scomm load_figures (validated):    {ours['seconds']:.3f} s, peak +{ours['rss_kb'] / 1024:.0f} MiB")
        print(f"  time ratio:   {ours['seconds'] / base['seconds']:.2f}  (goal <= 1.5)")
        print(f"  memory ratio: {ours['rss_kb'] / base['rss_kb']:.2f}  (goal <= 2.0)")


if __name__ == "__main__":
    main()
