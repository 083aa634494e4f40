"""Hand-made data folders for the analyses' tests: a few bundled figure rows with values chosen by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from scomm.data import load_dataset
from scomm.paths import DATA_DIR
from scomm.recording import RecordingDataset


def write_tiny_data(folder: Path, values: dict[str, float], **columns: dict[str, str]) -> Path:
    """A hand-made data folder: only the figure rows named in `values`, each with the value given (its
    metric, unit, place, period and source kept from the bundled row, its qualifier exact and its printed
    text the same number), the bundled sources, metrics and milestones, and no claims. `columns` sets
    other fields by figure id (for example period_end={"FUN-022": "2011-03-31"}). Returns figures.csv."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    bundled = pd.read_csv(DATA_DIR / "figures.csv", dtype=str, keep_default_na=False).set_index("figure_id")
    missing = sorted(set(values) - set(bundled.index))
    if missing:
        raise KeyError(f"not bundled figure ids: {missing}")
    rows = bundled.loc[list(values)].copy()
    for fid, value in values.items():
        text = f"{value:,}" if float(value) != int(value) else f"{int(value):,}"
        rows.loc[fid, ["value", "as_printed", "qualifier", "notes"]] = [str(value), text, "exact", "hand-made"]
    for column, by_id in columns.items():
        for fid, text in by_id.items():
            rows.loc[fid, column] = text
    rows.reset_index().to_csv(folder / "figures.csv", index=False, lineterminator="\n")
    for name in ("sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, folder / name)
    header = (DATA_DIR / "claims.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "claims.csv").write_text(header + "\n", encoding="utf-8")
    return folder / "figures.csv"


def load_tiny(folder: Path, values: dict[str, float], claims: list[str] = (), milestones: str | None = None,
         **columns: dict[str, str]) -> RecordingDataset:  # fmt: skip
    """A hand-made data folder (see `write_tiny_data`) with the bundled glossary, the bundled claims rows
    `claims` (checked against the hand-made figures) and, when given, its own milestones.csv text."""
    figures = write_tiny_data(folder, values, **columns)
    shutil.copy2(DATA_DIR / "glossary.csv", folder / "glossary.csv")
    if claims:
        bundled = pd.read_csv(DATA_DIR / "claims.csv", dtype=str, keep_default_na=False)
        bundled[bundled["claim_id"].isin(claims)].to_csv(folder / "claims.csv", index=False, lineterminator="\n")
    if milestones is not None:
        (folder / "milestones.csv").write_text(milestones, encoding="utf-8")
    return RecordingDataset(load_dataset(figures, data_dir=folder), "figures.csv", "a test")
