"""Fresh clone to finished report, set-up included, and whether a fresh clone rebuilds the committed outputs.

Clones this repository (its committed HEAD) into a temporary folder and there runs, timing each:
  make report                    set-up (.venv from the lock) and the build the README names  goal < 60 s
  scomm build --force            every notebook run again on the fresh install
then checks with `git status` that the forced build left every tracked file byte for byte as committed.
--cold gives the installer an empty download cache (a machine that never installed these packages).
Usage: python benchmarks/fresh_clone.py [--cold] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scomm.paths import PROJECT_ROOT


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="start the installer with an empty download cache")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="scomm-fresh-"))
    try:
        clone = tmp / "clone"
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        if args.cold:
            env["UV_CACHE_DIR"] = str(tmp / "uv-cache")
            env["PIP_NO_CACHE_DIR"] = "1"
        cloning = timed(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], tmp, env)
        report = timed(["make", "report"], clone, env)
        forced = timed([str(clone / ".venv" / "bin" / "scomm"), "build", "--force", "--quiet"], clone, env)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=clone, capture_output=True, text=True
        ).stdout
        print(f"download cache: {'empty' if args.cold else 'as this machine has it'}")
        print(f"git clone:                          {cloning:.1f} s")
        print(f"make report (set-up and build):     {report:.1f} s  (goal < 60 s)")
        print(f"fresh clone to finished report:     {cloning + report:.1f} s")
        print(f"scomm build --force on the clone:   {forced:.1f} s")
        changed = [line for line in status.splitlines() if line.strip()]
        print(f"tracked files the forced build changed: {len(changed)}" + (f" ({changed[:5]})" if changed else ""))
        if args.keep:
            print(f"clone kept at {clone}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
