"""One module per notebook: `analyse(data)` takes a `RecordingDataset` and returns the notebook's
`Analysis` (derived numbers, tables, findings, charts). The notebook shows the result; the build calls
the same function in-process for `figures/ratios.csv` and the lineage record; the tests call it on tiny
hand-made data.

`ANALYSES` maps each notebook (file stem) to its function; notebooks not listed yet compute in their
cells and the build reads their record from the kernel."""

from __future__ import annotations

from collections.abc import Callable

from scomm.analyses import data_audit, identification_funnel
from scomm.analysis import Analysis
from scomm.recording import RecordingDataset

ANALYSES: dict[str, Callable[[RecordingDataset], Analysis]] = {
    "03_identification_funnel": identification_funnel.analyse,
    "07_data_audit": data_audit.analyse,
}
