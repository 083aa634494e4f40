"""Rebuild speed, measured in one run. Prints:
  full rebuild / floor   (floor: one Python process that imports the stack and runs every notebook's
                          code once, drawing and saving every chart)            goal <= 3
  naive / full rebuild   (naive: `jupyter nbconvert --execute` on each notebook in turn)   goal >= 2
  no-op rebuild time     (second `scomm build` with nothing changed)                      goal < 1 s
Usage: python benchmarks/rebuild.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scomm.build import notebook_paths

BIN = Path(sys.executable).parent

FLOOR = r"""
import json, os, sys, time
t0 = time.perf_counter()
import IPython.display  # noqa: F401  (notebooks display PNGs)
for path in sys.argv[1:]:
    nb = json.load(open(path))
    scope = {"__name__": "__main__"}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), path, "exec"), scope)
print(time.perf_counter() - t0)
"""


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    notebooks = [str(p) for p in notebook_paths()]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        full = timed([str(BIN / "scomm"), "build", "--out", str(out), "--force", "--quiet"])
        noop = timed([str(BIN / "scomm"), "build", "--out", str(out), "--quiet"])
        env = dict(os.environ, SCOMM_FIGURES_DIR=str(Path(tmp) / "floor"))
        floor = timed([sys.executable, "-c", FLOOR, *notebooks], env=env)
        naive_dir = Path(tmp) / "naive"
        env_naive = dict(os.environ, SCOMM_FIGURES_DIR=str(Path(tmp) / "naive-figures"))
        start = time.perf_counter()
        for nb in notebooks:
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", nb,
                            "--output-dir", str(naive_dir)], check=True, capture_output=True, env=env_naive)
        naive = time.perf_counter() - start
    print(f"notebooks: {len(notebooks)}, cores: {os.cpu_count()}")
    print(f"floor (one process, every chart once): {floor:.1f} s")
    print(f"full rebuild (scomm build --force):    {full:.1f} s")
    print(f"naive (nbconvert --execute in turn):   {naive:.1f} s")
    print(f"no-op rebuild:                         {noop:.2f} s  (goal < 1 s)")
    print(f"full / floor:  {full / floor:.2f}  (goal <= 3)")
    print(f"naive / full:  {naive / full:.2f}  (goal >= 2)")


if __name__ == "__main__":
    main()
