"""Build speed against the ways of running the same notebooks without `scomm build`, in one run, on a copy of
the bundled data (all on this machine's cores). Prints each ratio with its goal:
  forced build / floor            floor: the same notebook code (every chart drawn and saved) run by one plain
                                  Python process per core, the notebooks split between them      goal <= 1.1
  naive / forced build            naive: `jupyter nbconvert --execute` on each notebook in turn  goal >= 4
  papermill / forced build        papermill, three notebooks at a time (three processes)        goal >= 2
  no-op build / `scomm --help`    a second `scomm build` with nothing changed                   goal <= 3
  one-figure edit / alone         edit FUN-031; "alone": the notebooks whose record says they read it
                                  (03, and 07, which reads the whole table), each in a fresh process
                                  with the build's own executor, as many at a time as cores      goal <= 1.2
  bytes rewritten by that edit    output files (notebooks/ and figures/) whose bytes changed      goal <= 3 MB
The forced build, the floor, the edit and "alone" are measured in alternating rounds; each time is the best of
--runs rounds (the machine is shared: the fastest run is the least disturbed), and the two ratios are also printed
as the median of each round's own ratio.
Usage: python benchmarks/rebuild.py [--runs N] [--skip-slow]   (--skip-slow leaves out naive and papermill)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from scomm.notebook_runner import notebook_paths
from scomm.paths import DATA_DIR
from scomm.settings import RunSettings

BIN = Path(sys.executable).parent
EDITED = "FUN-031"  # used by notebook 03 only (see `scomm lineage FUN-031`)
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
from scomm.notebook_runner import execute_notebook
execute_notebook(Path(sys.argv[1]), Path(sys.argv[2]), dict(__import__("os").environ))
"""


def say(line: str) -> None:
    print(line, flush=True)


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def best(run, runs: int, before=None) -> float:
    """The fastest of `runs` timings of `run()` (each after `before()`, when given)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def notebooks_reading(out: Path, data: Path, figure_id: str) -> set[str]:
    """The notebooks whose reads, in the build record in `out`, include `figure_id` of the data in `data`."""
    from scomm.build_state import read_manifest
    from scomm.data import load_dataset
    from scomm.lineage import uses_figure

    ds = load_dataset(data / "figures.csv")
    return {
        nb for nb, rec in read_manifest(out).get("notebooks", {}).items() if uses_figure(rec["reads"], figure_id, ds)
    }


def parallel(commands: list[tuple[list[str], dict, Path | None]], workers: int) -> None:
    """Run `commands` `workers` at a time; return when all finished (each must succeed)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [
            pool.submit(subprocess.run, c, check=True, capture_output=True, env=e, cwd=d) for c, e, d in commands
        ]:
            future.result()


def split(paths: list[str], parts: int) -> list[list[str]]:
    """`paths` in `parts` groups of about equal total size (a notebook's size tracks its run time)."""
    groups: list[list[str]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for path in sorted(paths, key=lambda p: Path(p).stat().st_size, reverse=True):
        i = sizes.index(min(sizes))
        groups[i].append(path)
        sizes[i] += Path(path).stat().st_size
    return [g for g in groups if g]


def tree(root: Path) -> dict[str, tuple[str, int]]:
    """Relative path -> (SHA-256, size) of every output file under root/notebooks and root/figures."""
    out = {}
    for sub in ("notebooks", "figures"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size)
    return out


def rewritten_bytes(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> tuple[int, int]:
    """(number of files, bytes) added or changed between two trees (a removed file counts as one file)."""
    changed = [rel for rel in after if before.get(rel, ("", 0))[0] != after[rel][0]]
    removed = [rel for rel in before if rel not in after]
    return len(changed) + len(removed), sum(after[rel][1] for rel in changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="rounds of the measurements; the best of each counts")
    parser.add_argument("--skip-slow", action="store_true", help="leave out the naive and papermill runs")
    args = parser.parse_args()
    notebooks = [str(p) for p in notebook_paths()]
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        data.mkdir()
        for name in DATA:
            shutil.copy2(DATA_DIR / name, data / name)
        out = tmp / "out"
        build = [str(BIN / "scomm"), "build", "--data", str(data / "figures.csv"), "--out", str(out), "--quiet"]
        print(f"notebooks: {len(notebooks)}, cores: {cores}; best of {args.runs} rounds", flush=True)
        frame = pd.read_csv(data / "figures.csv", dtype=str, keep_default_na=False)
        original = frame.loc[frame["figure_id"] == EDITED, "value"].iloc[0]
        state = {"value": float(original), "rewritten": (0, 0)}

        def edit() -> None:  # a different value each time, so every run has something to rebuild
            state["value"] += 1
            frame.loc[frame["figure_id"] == EDITED, ["value", "as_printed"]] = f"{state['value']:.0f}"
            frame.to_csv(data / "figures.csv", index=False, lineterminator="\n")
            state["tree"] = tree(out)

        def incremental_build() -> None:
            timed(build)
            state["rewritten"] = rewritten_bytes(state["tree"], tree(out))

        settings = RunSettings(
            figures_dir=tmp / "alone-figures",
            state_dir=None,
            data_label="figures.csv",
            data_dir=data,
        )
        (tmp / "alone-figures").mkdir()
        floor_env = RunSettings(figures_dir=tmp / "floor").harness_env()
        timed(build + ["--force"])  # the build record that says which notebooks read the edited figure
        readers = notebooks_reading(out, data, EDITED)  # from the build's own record, as `scomm lineage` says

        def alone() -> None:
            parallel(
                [
                    ([sys.executable, "-c", ONE, nb, str(tmp / f"alone-{Path(nb).name}")], settings.harness_env(), None)
                    for nb in notebooks
                    if Path(nb).stem in readers
                ],
                cores,
            )

        def floor_run() -> None:
            parallel(
                [
                    ([sys.executable, "-c", FLOOR, *g], floor_env, Path(notebooks[0]).parent)
                    for g in split(notebooks, cores)
                ],
                cores,
            )

        # Rounds of alternating measurements: a slow spell of the shared machine falls on a whole round (each
        # build and the run it is compared with), not on one side of a ratio; the best of each counts.
        times: dict[str, list[float]] = {"full": [], "floor": [], "incremental": [], "alone": []}
        for _ in range(args.runs):
            times["full"].append(best(lambda: timed(build + ["--force"]), 1))
            times["floor"].append(best(floor_run, 1))
            times["incremental"].append(best(incremental_build, 1, before=edit))
            times["alone"].append(best(alone, 1))
            say("round: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()))
        full, floor = min(times["full"]), min(times["floor"])

        def paired(a: str, b: str) -> float:
            return statistics.median(x / y for x, y in zip(times[a], times[b]))

        incremental, alone_time = min(times["incremental"]), min(times["alone"])
        noop = best(lambda: timed(build), max(3, args.runs))
        helps = best(lambda: timed([str(BIN / "scomm"), "--help"]), max(3, args.runs))
        say(f"forced build (scomm build --force):        {full:.1f} s")
        say(f"floor ({cores} plain processes, every chart once): {floor:.1f} s")
        say(f"edit {EDITED}, incremental build:          {incremental:.1f} s")
        say(f"notebooks {', '.join(sorted(r[:2] for r in readers))} alone (fresh processes):  {alone_time:.1f} s")
        say(f"no-op build:                               {noop:.2f} s")
        say(f"scomm --help:                              {helps:.2f} s")
        say(f"forced build / floor:        {full / floor:.2f}  (goal <= 1.1)")
        say(f"no-op / scomm --help:        {noop / helps:.2f}  (goal <= 3)")
        say(f"one-figure edit / alone:     {incremental / alone_time:.2f}  (goal <= 1.2)")
        # the same two ratios taken within each round (a pair measured side by side), their median: steadier than
        # the ratio of two bests when the shared machine's speed drifts between rounds
        say(f"  median of the rounds' own ratios: forced / floor {paired('full', 'floor'):.2f}, "
            f"edit / alone {paired('incremental', 'alone'):.2f}")  # fmt: skip
        files, rewritten = state["rewritten"]
        say(f"one-figure edit rewrote:     {files} files, {rewritten / 1e6:.2f} MB  (goal <= 3 MB)")
        naive = papermill = float("nan")
        if not args.skip_slow:
            naive_env = RunSettings(figures_dir=tmp / "naive-figures").harness_env()

            def run_naive() -> None:
                for nb in notebooks:
                    timed(
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
                        naive_env,
                    )

            naive = best(run_naive, 1)
            say(f"naive (nbconvert --execute in turn):       {naive:.1f} s")
            pm_env = RunSettings(figures_dir=tmp / "papermill-figures").harness_env()
            (tmp / "pm").mkdir()
            papermill = best(
                lambda: parallel(
                    [
                        ([str(BIN / "papermill"), "-k", "python3", nb, str(tmp / "pm" / Path(nb).name)], pm_env, None)
                        for nb in notebooks
                    ],
                    3,
                ),
                1,
            )
    say(f"papermill, 3 processes:                    {papermill:.1f} s")
    say(f"naive / forced build:        {naive / full:.2f}  (goal >= 4)")
    say(f"papermill / forced build:    {papermill / full:.2f}  (goal >= 2)")


if __name__ == "__main__":
    main()
