"""Every chart the notebooks publish, drawn as each notebook draws it: by its analysis's chart specification
(`scomm.analyses`), on a run of the bundled data. Nothing here reads the committed outputs.

`draw_all(run_for)` yields (name, (figure, table)); `run_for(notebook)` gives a `scomm.notebook.Run` on the
bundled data (the tests build it on the session's loaded dataset). `NOTEBOOKS[notebook](run)` yields one
notebook's charts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pandas as pd

from scomm.analyses import ANALYSES


def _charts_of(notebook: str, run: Any) -> Iterator[tuple[str, tuple[Any, pd.DataFrame]]]:
    """(name, (figure, table)) for each chart of `notebook`'s analysis, drawn one at a time."""
    for name, spec in ANALYSES[notebook](run.data).charts.items():
        yield name, spec.draw()


NOTEBOOKS: dict[str, Callable[[Any], Iterator[tuple[str, tuple[Any, pd.DataFrame]]]]] = {
    notebook: partial(_charts_of, notebook) for notebook in ANALYSES
}


def draw_all(run_for: Callable[[str], Any]) -> Iterator[tuple[str, tuple[Any, pd.DataFrame]]]:
    """(name, (figure, table)) for every chart of every notebook, one at a time (so each can be measured and
    closed before the next is drawn)."""
    for notebook, charts_of in NOTEBOOKS.items():
        yield from charts_of(run_for(notebook))
