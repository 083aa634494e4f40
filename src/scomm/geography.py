"""The geography tables of the data package, validated: ICE's list of activated counties, the states,
the place of each geography label of figures.csv, and the Census Bureau's changes to county codes.

Each is read by the same loader as the figures (`scomm.data.load_table`); the activation list has two
rules beyond its schema, checked here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scomm.csv_reader import CsvReader
from scomm.data import load_table
from scomm.paths import DATA_DIR, resolve
from scomm.problems import FiguresValidationError, Problem
from scomm.schema import table_schema


def activations(path: str | Path | None = None, states_path: str | Path | None = None) -> pd.DataFrame:
    """The validated county activation list, one row per county (FIPS as 5-character text).

    Beyond the schema: a FIPS code must start with its state's FIPS code, and no county may be
    activated after its state's statewide date. Problems name file, line, column and value.
    """
    file = resolve(path, DATA_DIR / "activations.csv")
    acts = load_table("activations", file)
    sts = states(states_path)
    problems = []
    state_fips = acts["state"].astype(str).map(dict(zip(sts["state"], sts["state_fips"])))
    wrong_state = acts["fips"].str[:2] != state_fips
    late = acts["activated"] > acts["statewide"]
    if wrong_state.any() or late.any():
        reader = CsvReader(file, table_schema("activations"))
        for rows, column, expected in (
            (np.flatnonzero(wrong_state), "fips", "a FIPS code that starts with its state's FIPS code"),
            (np.flatnonzero(late), "activated", "a date on or before the statewide date"),
        ):
            for row, line in zip(rows, reader.line_of(rows.tolist())):
                value = acts.at[row, column]
                shown = value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else str(value)
                if column == "fips":
                    expected += f" ({acts.at[row, 'state']}: {state_fips.iat[row]})"
                problems.append(Problem(file.name, line, column, shown, expected))
    if problems:
        raise FiguresValidationError(problems)
    return acts


def states(path: str | Path | None = None) -> pd.DataFrame:
    """The 50 states and DC: code, FIPS, name, statewide date."""
    return load_table("states", path)


def places(path: str | Path | None = None) -> pd.DataFrame:
    """Each geography label of figures.csv with its place code and type."""
    return load_table("places", path)


def county_changes(path: str | Path | None = None) -> pd.DataFrame:
    """FIPS codes of the list that the Census Bureau split, renamed or merged."""
    return load_table("county_changes", path)
