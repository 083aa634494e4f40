"""One module per notebook: `analyse(data)` takes a `RecordingDataset` and returns the notebook's
`Analysis` (derived numbers, tables, findings, charts). The notebook shows the result; the build calls
the same function in-process for `figures/ratios.csv` and the lineage record; the tests call it on tiny
hand-made data.

`ANALYSES` maps each notebook (file stem) to its function. A notebook a user adds without one may still
compute in its cells with `run.show`: the build then reads its derived numbers from the kernel's record."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from scomm.analysis import Analysis
from scomm.recording import RecordingDataset

# notebook (file stem) -> the module of scomm.analyses that holds its `analyse`
MODULES = {
    "01_program_overview": "program_overview",
    "02_rollout": "rollout",
    "03_identification_funnel": "identification_funnel",
    "04_removals_in_context": "removals_in_context",
    "05_case_review": "case_review",
    "06_shared_safety": "shared_safety",
    "07_data_audit": "data_audit",
    "08_rollout_by_place": "rollout_by_place",
    "09_reinstated_era": "reinstated_era",
    "10_detainers": "detainers",
    "11_activation_order": "activation_order",
    "12_jail_channel": "jail_channel",
}


class _Registry(Mapping[str, Callable[[RecordingDataset], Analysis]]):
    """Notebook -> its analysis function, each module imported when first asked for: a build that re-runs
    one notebook does not import the models of another (statsmodels alone takes about 1.4 s)."""

    def __getitem__(self, notebook: str) -> Callable[[RecordingDataset], Analysis]:
        module = importlib.import_module(f"scomm.analyses.{MODULES[notebook]}")
        return module.analyse

    def __contains__(self, notebook: object) -> bool:  # without importing the module (Mapping's would)
        return notebook in MODULES

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


ANALYSES: Mapping[str, Callable[[RecordingDataset], Analysis]] = _Registry()
