"""The one place that resolves project paths, from this package's location (never the working directory)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
DATA_DIR = PROJECT_ROOT / "data"
FIGURES_DIR = PROJECT_ROOT / "figures"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
SRC_DIR = PROJECT_ROOT / "src"

FIGURES_CSV = DATA_DIR / "figures.csv"
SOURCES_CSV = DATA_DIR / "sources.csv"
METRICS_CSV = DATA_DIR / "metrics.csv"
MILESTONES_CSV = DATA_DIR / "milestones.csv"
CLAIMS_CSV = DATA_DIR / "claims.csv"
DATAPACKAGE_JSON = DATA_DIR / "datapackage.json"


def resolve(path: str | Path | None, default: Path) -> Path:
    """Return `path` as an absolute Path, or `default` when `path` is None or empty."""
    if path is None or str(path) == "":
        return default
    try:
        return Path(path).expanduser().resolve()
    except RuntimeError:  # a loop of symbolic links (Python 3.11 and 3.12 raise RuntimeError, later OSError)
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from None


def beside(path: Path, name: str, default: Path) -> Path:
    """`name` (a path in data/ layout, such as "activations.csv") in the folder of the file `path` when it exists
    there, else `default`: how the data files beside a --data figures file are found (by `dataset_paths`, the
    build's no-op check and `scomm place`); a folder of that name counts too, so that a build says it is not a
    file instead of reading the bundled one."""
    candidate = path.parent / name
    return candidate if candidate.exists() else default
