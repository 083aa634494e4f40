"""One module per notebook: `analyse(data)` takes a `RecordingDataset` and returns the notebook's
`Analysis` (derived numbers, tables, findings, charts). The notebook shows the result; the build calls
the same function in-process for `figures/ratios.csv` and the lineage record; the tests call it on tiny
hand-made data.

`ANALYSES` maps each notebook (file stem) to its function. A notebook a user adds without one may still
compute in its cells with `run.show`: the build then reads its derived numbers from the kernel's record."""

from __future__ import annotations

from collections.abc import Callable

from scomm.analyses import (
    activation_order,
    case_review,
    data_audit,
    detainers,
    identification_funnel,
    jail_channel,
    program_overview,
    reinstated_era,
    removals_in_context,
    rollout,
    rollout_by_place,
    shared_safety,
)
from scomm.analysis import Analysis
from scomm.recording import RecordingDataset

ANALYSES: dict[str, Callable[[RecordingDataset], Analysis]] = {
    "01_program_overview": program_overview.analyse,
    "02_rollout": rollout.analyse,
    "03_identification_funnel": identification_funnel.analyse,
    "04_removals_in_context": removals_in_context.analyse,
    "05_case_review": case_review.analyse,
    "06_shared_safety": shared_safety.analyse,
    "07_data_audit": data_audit.analyse,
    "08_rollout_by_place": rollout_by_place.analyse,
    "09_reinstated_era": reinstated_era.analyse,
    "10_detainers": detainers.analyse,
    "11_activation_order": activation_order.analyse,
    "12_jail_channel": jail_channel.analyse,
}
