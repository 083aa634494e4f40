"""An analysis result and what it read, kept in a file: a build computes each notebook's analysis once, in its
own process, and the kernel that runs the notebook shows that result instead of computing it again. One
pickle per notebook, written by the build into its staging folder (never an output) and read there."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from scomm.analysis import Analysis


def path_for(folder: Path, notebook: str) -> Path:
    """The file of `notebook`'s analysis in `folder`."""
    return folder / f"{notebook}.pickle"


def save(folder: Path, result: Analysis, reads: dict) -> Path:
    """Write `result` and its `reads` for its notebook into `folder` (which must exist: a build that stopped and
    removed its staging folder gets FileNotFoundError, never a new folder); whole or not at all (written aside,
    then renamed)."""
    target = path_for(folder, result.notebook)
    part = target.with_suffix(".part")
    part.write_bytes(pickle.dumps((result, reads), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(part, target)
    return target


def load(folder: Path, notebook: str) -> tuple[Analysis, dict] | None:
    """The result and reads the build kept for `notebook`; None when it kept none (no analysis is registered for
    the notebook); ValueError when the file holds another notebook's."""
    try:
        with path_for(folder, notebook).open("rb") as f:
            result, reads = pickle.load(f)  # noqa: S301  (the build's own file, in its own staging folder)
    except FileNotFoundError:
        return None
    if not isinstance(result, Analysis) or result.notebook != notebook:
        raise ValueError(f"{path_for(folder, notebook)} holds no analysis of notebook {notebook}")
    return result, reads
