"""Rebuild speed, measured in one run on a copy of the bundled data. Prints:
  full rebuild / floor        (floor: one Python process that imports the stack and runs every
                               notebook's code once, drawing and saving every chart)       goal <= 1.5
  naive / full rebuild        (naive: `jupyter nbconvert --execute` on each notebook in turn) goal >= 3
  no-op rebuild time          (second `scomm build` with nothing changed)                   goal < 1 s
  one-figure edit / that notebook alone  (FUN-031 is read by notebook 03 only; "alone": a fresh
                               process executing notebook 03 with the build's own executor)  goal <= 1.3
  full rebuild / one-figure edit                                                          goal >= 3
Usage: python benchmarks/rebuild.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from scomm.build import notebook_paths
from scomm.paths import DATA_DIR
from scomm.settings import RunSettings

BIN = Path(sys.executable).parent
EDITED = "FUN-031"  # used by notebook 03 only (see `scomm lineage FUN-031`)
ALONE = "03_identification_funnel"
DATA = ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv")

FLOOR = r"""
import json, sys
import IPython.display  # noqa: F401  (notebooks display PNGs)
for path in sys.argv[1:]:
    nb = json.load(open(path))
    scope = {"__name__": "__main__"}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), path, "exec"), scope)
"""

ONE = r"""
import sys
from pathlib import Path
from scomm.build import execute_notebook
execute_notebook(Path(sys.argv[1]), Path(sys.argv[2]), dict(__import__("os").environ))
"""


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def best(cmd: list[str], env: dict | None = None, runs: int = 3, before=None) -> float:
    """The fastest of `runs` timings (each after `before()`, when given)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        times.append(timed(cmd, env))
    return min(times)


def main() -> None:
    notebooks = [str(p) for p in notebook_paths()]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        data.mkdir()
        for name in DATA:
            shutil.copy2(DATA_DIR / name, data / name)
        out = tmp / "out"
        build = [str(BIN / "scomm"), "build", "--data", str(data / "figures.csv"), "--out", str(out), "--quiet"]
        full = best(build + ["--force"], runs=2)
        noop = best(build)
        frame = pd.read_csv(data / "figures.csv", dtype=str, keep_default_na=False)
        original = frame.loc[frame["figure_id"] == EDITED, "value"].iloc[0]
        state = {"value": float(original)}

        def edit() -> None:  # a different value each time, so every run has something to rebuild
            state["value"] += 1
            frame.loc[frame["figure_id"] == EDITED, "value"] = f"{state['value']:.0f}"
            frame.to_csv(data / "figures.csv", index=False, lineterminator="\n")

        incremental = best(build, before=edit)
        settings = RunSettings(
            figures_dir=tmp / "alone-figures",
            state_dir=None,
            data_label="figures.csv",
            data_paths=tuple(data / n for n in DATA),
        )
        (tmp / "alone-figures").mkdir()
        alone = best(
            [sys.executable, "-c", ONE, str(Path(notebooks[0]).parent / f"{ALONE}.ipynb"), str(tmp / "alone.ipynb")],
            env=settings.harness_env(),
        )
        floor = best(
            [sys.executable, "-c", FLOOR, *notebooks], env=RunSettings(figures_dir=tmp / "floor").harness_env(), runs=2
        )
        naive_env = RunSettings(figures_dir=tmp / "naive-figures").harness_env()
        start = time.perf_counter()
        for nb in notebooks:
            subprocess.run(
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "notebook",
                    "--execute",
                    nb,
                    "--output-dir",
                    str(tmp / "naive"),
                ],
                check=True,
                capture_output=True,
                env=naive_env,
            )
        naive = time.perf_counter() - start
    print(f"notebooks: {len(notebooks)}, cores: {os.cpu_count()}")
    print(f"floor (one process, every chart once):   {floor:.1f} s")
    print(f"full rebuild (scomm build --force):      {full:.1f} s")
    print(f"naive (nbconvert --execute in turn):     {naive:.1f} s")
    print(f"no-op rebuild:                           {noop:.2f} s  (goal < 1 s)")
    print(f"edit {EDITED}, incremental rebuild:      {incremental:.1f} s")
    print(f"notebook {ALONE[:2]} alone (fresh process):     {alone:.1f} s")
    print(f"full / floor:          {full / floor:.2f}  (goal <= 1.5)")
    print(f"naive / full:          {naive / full:.2f}  (goal >= 3)")
    print(f"one-figure / alone:    {incremental / alone:.2f}  (goal <= 1.3)")
    print(f"full / one-figure:     {full / incremental:.2f}  (goal >= 3)")


if __name__ == "__main__":
    main()
