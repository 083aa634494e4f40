"""How quickly an interrupted build stops, and whether it leaves anything behind.

Starts `scomm build --force` on the bundled data into a temporary folder, waits until its notebooks are
running, sends a signal (SIGINT as Ctrl-C does, SIGTERM as `kill` does, SIGHUP as a closed terminal
does), and measures the seconds from the signal to the process's exit. After each run it checks that
no staging folder, no lock and no kernel process is left. Prints, per signal, the median and largest
time to exit and how many runs left something behind (goal: 0; time goal: under 2.5 s on 2 cores).
This is the speed measurement; tests/test_build_safety.py checks exit codes and clean-up with a
60-second bound, never a time. Usage: python benchmarks/interrupt.py [--repeat K]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGING_PREFIX = ".scomm-build-"
LOCK_NAME = ".scomm-build.lock"


def one(signum: int, out: Path) -> tuple[float, bool]:
    """(seconds from the signal to exit, whether anything was left behind)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "scomm.cli", "build", "--force", "--formats", "png", "--out", str(out), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob(f"{STAGING_PREFIX}*/notebooks")):
        time.sleep(0.05)
    time.sleep(1.0)  # kernels are running cells
    sent = time.monotonic()
    proc.send_signal(signum)
    proc.wait(timeout=120)
    took = time.monotonic() - sent
    time.sleep(0.5)
    kernels = subprocess.run(["pgrep", "-f", f"ipykernel.*{proc.pid}"], capture_output=True).stdout.strip()
    left = bool(list(out.glob(STAGING_PREFIX + "*"))) or (out / LOCK_NAME).exists() or bool(kernels)
    return took, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'signal':8} {'median s':>9} {'max s':>7} {'runs left something':>20}")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        times, leftovers = [], 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="scomm-interrupt-") as tmp:
                took, left = one(signum, Path(tmp) / "out")
                times.append(took)
                leftovers += left
        print(f"{signum.name:8} {statistics.median(times):9.2f} {max(times):7.2f} {leftovers:>14} of {args.repeat}")


if __name__ == "__main__":
    main()
