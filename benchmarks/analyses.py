"""How long every notebook's analysis takes in one process on the bundled data (issue goal: under 3 s),
the way the build computes figures/ratios.csv and the lineage record: load and validate the data once,
then call each registered analysis on its own recording dataset. Charts are not drawn (they are drawn
when a notebook publishes them). Prints each analysis's time, the total and its ratio to the goal.
Usage: python benchmarks/analyses.py [runs]
"""

from __future__ import annotations

import sys
import time

GOAL_SECONDS = 3.0


def main(runs: int = 3) -> None:
    """Time loading the data and every analysis, `runs` times; print the fastest of each."""
    from scomm.analyses import ANALYSES
    from scomm.data import load_dataset
    from scomm.recording import RecordingDataset

    best: dict[str, float] = {}
    for _ in range(runs):
        start = time.perf_counter()
        ds = load_dataset()
        timings = {"load and validate the data": time.perf_counter() - start}
        for notebook, analyse in ANALYSES.items():
            start = time.perf_counter()
            analyse(RecordingDataset(ds, "data/figures.csv", notebook))
            timings[notebook] = time.perf_counter() - start
        best = {k: min(v, best.get(k, v)) for k, v in timings.items()}
    for name, seconds in best.items():
        print(f"{name:<40} {seconds:6.2f} s")
    total = sum(best.values())
    print(
        f"{'total (' + str(len(ANALYSES)) + ' analyses)':<40} {total:6.2f} s  total / goal of {GOAL_SECONDS:.0f} s: "
        f"{total / GOAL_SECONDS:.2f} (goal <= 1)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
