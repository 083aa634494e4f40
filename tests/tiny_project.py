"""A tiny project for the build's mechanics: five made-up figures (tests/fixtures/tiny_data/) and two
notebooks of a few cells, so a build starts two small kernels instead of running the project's own
notebooks. The folder also holds the tables the report reads beside the figures (a glossary entry, one
state with two counties, two places, one derived records table), so a build reads nothing of the
bundled data that matters to it. Every number below is worked out by hand from its figures.csv:

- TNY-001 1,000 arrests, TNY-002 500 removals -> removed share 50.0% (claim X01 against TNY-003's 50%)
- TNY-004 300 removals in Dallas County, TX: the only Dallas row, read by the second notebook's filter
- TNY-005 1,000 arrests in FY2017, against derived/ice_record_files.csv's 1,000 arrest records (claim ENF01)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pandas as pd

from scomm.build import run_build
from scomm.notebook_runner import KernelPool
from scomm.same_bytes import kernel_env

TINY_DATA = Path(__file__).parent / "fixtures" / "tiny_data"
DATA_NAMES = ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv")
PARAMETERS = "data_path = None\nsources_path = None\nmetrics_path = None\nsettings = None"

OPEN = "from scomm import ratios as r\nfrom scomm.notebook import open_run\nrun = open_run('{name}', data_path, sources_path, metrics_path, settings)"
# notebook 01: a count, a derived share, a finding that states both, and a chart of the two counts
FIRST = (
    "arrests = run.show(run.get('TNY-001'), key='arrests')\n"
    "share = run.show(r.share(run.get('TNY-002'), arrests), key='removed share')\n"
    "run.finding('Finding: {a} arrests; {s:1} of them removed.', a=arrests, s=share)"
)
CHART = (
    "import matplotlib\nmatplotlib.use('Agg')\nfrom matplotlib import pyplot as plt\n"
    "fig, ax = plt.subplots()\nax.bar(['arrests', 'removals'], [1, 2])\n"
    "run.publish(fig, '{name}_counts', run.select({ids!r}))"
)
# notebook 02: Dallas County's rows, read by a filter (an edit of a matching row, or a new one, re-runs it)
SECOND = (
    "rows = run.rows(geography='Dallas County, TX')\n"
    "dallas = run.show(r.total([run.get(i) for i in rows['figure_id']]), key='Dallas removals')\n"
    "run.finding('Finding: {d} removals in Dallas.', d=dallas)"
)


def notebook(path: Path, *cells: str) -> Path:
    """A notebook: the parameters cell (tagged as papermill expects), then `cells` of code."""
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell(PARAMETERS)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


def write_notebooks(folder: Path) -> Path:
    """The two tiny notebooks in `folder`; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook(
        folder / "01_first.ipynb",
        OPEN.format(name="01_first"),
        FIRST,
        CHART.format(name="01_first", ids=["TNY-001", "TNY-002"]),
    )
    notebook(folder / "02_second.ipynb", OPEN.format(name="02_second"), SECOND)
    return folder


def copy_data(target: Path) -> Path:
    """The tiny data (its five data files, its glossary and its one derived table) copied into `target`."""
    shutil.copytree(TINY_DATA, target, dirs_exist_ok=True)
    return target


class SharedKernels:
    """The kernels a test process's tiny builds share (`run_build(kernels=...)`), so that each build does not
    start its own: a kernel's start-up (about 1.5 s of imports) is most of a tiny build's time. A pool that a
    fault or a signal closed is replaced at the next build; `close` stops it (at the end of the session)."""

    def __init__(self) -> None:
        self._pool: KernelPool | None = None

    def get(self) -> KernelPool:
        if self._pool is None or self._pool.kernels.stopping:
            self._pool = KernelPool(kernel_env(os.environ), Path(__file__).parent)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


SHARED_KERNELS = SharedKernels()


def build(
    data: Path,
    out: Path,
    nbs: Path,
    *,
    force: bool = False,
    replace: bool = False,
    jobs: int = 1,
    own_kernels: bool = False,
) -> int:
    """`run_build` with the notebooks in `nbs`; expected faults printed as the command line prints them. The
    kernels are this test process's shared ones (`SHARED_KERNELS`) unless `own_kernels` (the build then starts
    and stops a pool of its own, as `scomm build` does). One kernel by default (both notebooks in turn)."""
    from scomm.build_state import BuildError
    from scomm.notebook_runner import NotebookFailure
    from scomm.problems import FiguresValidationError

    try:
        return run_build(
            data=str(data / "figures.csv"),
            out=str(out),
            formats=("png",),
            progress=False,
            notebooks=sorted(nbs.glob("*.ipynb")),
            force=force,
            replace=replace,
            jobs=jobs,
            kernels=None if own_kernels else SHARED_KERNELS.get(),
        )
    except (BuildError, NotebookFailure, FiguresValidationError, OSError) as err:  # as the CLI reports them
        print(f"scomm build: {err}", file=sys.stderr)
        return 1


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` with its SHA-256 (symbolic links as their target text), but the no-op stamp
    (the sizes and times of the folder's files: no output, and different in every copy)."""
    from scomm.build_stamp import STAMP_NAME

    out = {}
    for p in sorted(root.rglob("*")):
        if p.name.startswith(STAMP_NAME):
            continue
        if p.is_symlink():
            out[p.relative_to(root).as_posix()] = "link:" + os.readlink(p)
        elif p.is_file():
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def set_value(data: Path, figure_id: str, value: str, as_printed: str | None = None) -> None:
    """Change one figure's value (and as_printed, to the same digits unless told) in a copy of the data."""
    set_value_in(data / "figures.csv", figure_id, value, as_printed)


def set_value_in(path: Path, figure_id: str, value: str, as_printed: str | None = None) -> None:
    """`set_value` in a figures file of any name."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = frame["figure_id"] == figure_id
    assert row.sum() == 1, figure_id
    frame.loc[row, "value"] = value
    frame.loc[row, "as_printed"] = value if as_printed is None else as_printed
    frame.to_csv(path, index=False, lineterminator="\n")


def drop_figures(data: Path, *figure_ids: str) -> None:
    """Remove rows from a copy of figures.csv."""
    path = data / "figures.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame[~frame["figure_id"].isin(figure_ids)].to_csv(path, index=False, lineterminator="\n")
