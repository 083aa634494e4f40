"""The data a build reads: the five data files it was given, checked to exist, and the snapshot it copies
them to (with every other table of the data package), so that every step of one build reads the same
bytes."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

from scomm.build_state import BuildError
from scomm.paths import DATA_DIR
from scomm.schema import load_package

DATA_NAMES = ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv")
SNAPSHOT = ".inputs"  # inside the staging folder: the bytes every step of one build reads (not an output)


def check_inputs(paths: Sequence[Path]) -> None:
    """Raise BuildError for a data path that is a folder, does not exist or is not a regular file."""
    for path in paths:
        if path.is_dir():
            raise BuildError(f"{path} is a folder; give the path of a CSV file (or a folder holding figures.csv)")
        if not path.exists():
            raise BuildError(f"input file not found: {path}")
        if not path.is_file():  # a named pipe, socket or device: reading it could wait for ever
            raise BuildError(
                f"{path} is not a regular file (a named pipe, socket or device); give the path of a CSV file"
            )


def snapshot_inputs(paths: Sequence[Path], target: Path) -> dict[str, str]:
    """Copy the five data files (`paths`, saved under their standard names) and every other table of the
    data package (from the folder of the figures file when it holds one, else the bundled data/) into
    `target`, in data/ layout; return the SHA-256 of the five files' bytes as copied.

    Each file is read once: the copy is what the build validates, hashes and hands to every notebook, so
    a file saved again during the build changes nothing in it."""
    target.mkdir(parents=True)
    hashes = {}
    for name, path in zip(DATA_NAMES, paths):
        data = path.read_bytes()
        (target / name).write_bytes(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    folder = paths[0].parent
    for resource in load_package().get("resources", []):
        rel = str(resource.get("path", ""))
        if not rel or rel in DATA_NAMES:
            continue
        source = folder / rel if (folder / rel).is_file() else DATA_DIR / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / rel)
    return hashes
