"""Every chart the notebooks publish, drawn as each notebook draws it in a build: by its analysis's chart
specification (`scomm.analyses`), handed over pickled, on the bundled data. Nothing here reads the committed outputs.

`NOTEBOOKS[notebook](dataset)` yields one notebook's (name, (figure, table)); `record_all(dataset, out)` draws
every chart once at 300 dpi, saves its table as CSV into `out` and returns what the chart tests measure of it;
`record_shared` shares that work between test processes (the `published` fixture in conftest.py holds the
record for the whole run, so each chart is drawn once).
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.dates import date2num

from scomm import charts
from scomm.analyses import ANALYSES
from scomm.recording import RecordingDataset


def _charts_of(notebook: str, dataset: Any) -> Iterator[tuple[str, tuple[Any, pd.DataFrame]]]:
    """(name, (figure, table)) for each chart of `notebook`'s analysis, drawn one at a time from the result as
    a build hands it to the kernel (pickled and read back, see `scomm.analysis_files`)."""
    recording = RecordingDataset(dataset, "data/figures.csv", notebook)
    handed = pickle.loads(pickle.dumps(ANALYSES[notebook](recording)))
    for name, spec in handed.charts.items():
        yield name, spec.draw()


NOTEBOOKS: dict[str, Callable[[Any], Iterator[tuple[str, tuple[Any, pd.DataFrame]]]]] = {
    notebook: partial(_charts_of, notebook) for notebook in ANALYSES
}


def plotted_numbers(fig) -> np.ndarray:
    """Every number the figure plots in data coordinates: bar lengths, line points, marker positions (dates as
    matplotlib date numbers)."""
    values: list[float] = []
    for ax in fig.axes:
        for container in ax.containers:
            values.extend(float(v) for v in getattr(container, "datavalues", []))
        for line in ax.lines:
            for series in (line.get_xdata(), line.get_ydata()):
                for v in np.atleast_1d(series):
                    try:
                        values.append(float(date2num(v)) if isinstance(v, (pd.Timestamp, np.datetime64)) else float(v))
                    except (TypeError, ValueError):
                        continue
        for coll in ax.collections:
            if isinstance(coll, PathCollection):
                values.extend(float(v) for v in np.asarray(coll.get_offsets(), dtype=float).ravel())
    return np.array(values, dtype=float)


def bar_values(fig) -> list[float]:
    """The length of every bar the figure draws."""
    return [float(v) for ax in fig.axes for c in ax.containers for v in getattr(c, "datavalues", [])]


def record_shared(dataset: Any, folder: Path, wait_seconds: float = 900.0) -> dict[str, dict]:
    """`record_all`, shared by the processes that call it with the same `folder`: each notebook's charts are
    drawn by the first process to claim them (a file created exclusively) and kept there (pickled); a process
    draws every notebook not claimed yet, then reads the others' as they finish (a claimed notebook is being
    drawn by a live process, so the wait ends)."""
    folder.mkdir(parents=True, exist_ok=True)
    for notebook in NOTEBOOKS:
        try:
            os.close(os.open(folder / f"{notebook}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue  # another process draws it
        part = record_all(dataset, folder / "charts", [notebook])
        (folder / f"{notebook}.part").write_bytes(pickle.dumps(part))
        (folder / f"{notebook}.part").rename(folder / f"{notebook}.pickle")
    record: dict[str, dict] = {}
    deadline = time.monotonic() + wait_seconds
    for notebook in NOTEBOOKS:
        done = folder / f"{notebook}.pickle"
        while not done.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{notebook}'s charts were claimed but never drawn into {folder}")
            time.sleep(0.05)
        record.update(pickle.loads(done.read_bytes()))
    return record


def record_all(dataset: Any, out: Path, notebooks: Sequence[str] | None = None) -> dict[str, dict]:
    """Every chart the notebooks publish (or those of `notebooks`), drawn now from `dataset` by its analysis
    (never the committed outputs) as its PNG is drawn, measured, its table saved as CSV into `out`, and closed: name -> texts,
    clipped texts, smallest printed size, overlapping texts, legend and fill clashes in grey, the plotted
    numbers, bar lengths, the table, the rows marked as resting on a weak source, where its hatching disagrees
    with its qualifiers, its tick labels, and the folder it was saved in."""
    out.mkdir(parents=True, exist_ok=True)
    record = {}
    for notebook in notebooks or list(NOTEBOOKS):
        for name, (fig, table) in NOTEBOOKS[notebook](dataset):
            numbers = plotted_numbers(fig)
            bars = bar_values(fig)
            fills = charts.fill_grey_clashes(fig)
            marked = charts.weak_marked(fig)
            hatching = charts.hatch_mismatches(fig, table)
            charts.draw_measured(fig)  # drawn as the PNG is (300 dpi), the file not written
            charts.save_figure(fig, name, table, out_dir=out, formats=[])  # the chart's table (CSV)
            ticks = {t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
            record[name] = {
                **charts.describe(fig, table),  # measured while the PNG was drawn at 300 dpi (marks over texts too)
                "fill_clashes": fills,
                "numbers": numbers,
                "bars": bars,
                "table": table,
                "weak_marked": marked,
                "hatch_mismatches": hatching,
                "tick_texts": ticks,
                "folder": out,
                "notebook": notebook,
            }
            plt.close(fig)
    return record
