"""Loading the data package: the figures, sources, metrics, milestones and claims validated together into
a `Dataset`, and any other table of the package on its own, each against its schema in
data/datapackage.json (the checks are in `scomm.validation`). A file is read fast first; on any problem
it is read again as text, so that every problem is reported with its line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from scomm.csv_reader import CsvReader
from scomm.paths import CLAIMS_CSV, DATA_DIR, FIGURES_CSV, METRICS_CSV, MILESTONES_CSV, SOURCES_CSV, beside, resolve
from scomm.problems import FiguresValidationError
from scomm.schema import TableSchema, table_schema
from scomm.validation import (
    check_claims,
    check_fields,
    check_figures,
    check_key,
    check_source_ids,
    check_sources,
)

NONEMPTY = {"figures", "sources", "metrics"}  # tables that must hold at least one row


@dataclass
class Dataset:
    """The validated tables a build and the notebooks read."""

    figures: pd.DataFrame
    sources: pd.DataFrame
    metrics: pd.DataFrame
    milestones: pd.DataFrame
    claims: pd.DataFrame
    data_dir: Path = DATA_DIR  # where the package's other tables are read (a build's snapshot, or data/)

    def table(self, resource: str) -> pd.DataFrame:
        """Another table of the data package, validated, read from this dataset's `data_dir`."""
        return load_table(resource, data_dir=self.data_dir)


def _to_frame(table: pa.Table, typed: dict, schema: TableSchema) -> pd.DataFrame:
    cols, names = [], []
    for f in schema.fields:
        cols.append(typed.get(f.name, table.column(f.name)))
        names.append(f.name)
    return pa.table(cols, names=names).to_pandas()  # categoricals keep vocabulary order, dates are ns


def _keyed_fields(schema: TableSchema) -> frozenset[str]:
    """Fields whose foreign key points at a field with the same pattern (their pattern check is implied)."""
    out = set()
    for field, resource, ref in schema.foreign_keys:
        if schema.field(field).pattern == table_schema(resource).field(ref).pattern:
            out.add(field)
    return frozenset(out)


def _checking_pool() -> ThreadPoolExecutor:
    """The threads of one load, for the fast path's column checks (Arrow's kernels release the GIL, so
    threads use every core); used as a context manager, so they end with the load."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="scomm-check")


def _load(
    path: Path, resource: str, fast: bool = False, name: str | None = None, pool: Executor | None = None
) -> tuple[CsvReader, pa.Table | None, dict]:
    schema = table_schema(resource)
    reader = CsvReader(path, schema, fast=fast, display_name=name, pool=pool)
    table = reader.read()
    typed: dict = {}
    if table is not None and table.num_rows == 0 and resource in NONEMPTY:
        reader.problem(2, None, "no rows", "at least one data row below the header")
    if table is not None:
        typed = check_fields(reader, table, _keyed_fields(schema))
    return reader, table, typed


def _load_checked(
    path: Path, resource: str, name: str | None = None, pool: Executor | None = None
) -> tuple[CsvReader, pa.Table | None, dict]:
    """Fast read (its checks in `pool`); on any problem, the full text read that reports every problem
    with its line."""
    loaded = _load(path, resource, fast=True, name=name, pool=pool)
    if loaded[0].finish().fallback or loaded[0].problems:
        del loaded  # the fast read's table goes before the text read is made (memory on huge files)
        loaded = _load(path, resource, fast=False, name=name)
    return loaded


def _raise_if(readers: Sequence[CsvReader]) -> None:
    problems = [p for r in readers for p in r.problems]
    if problems:
        raise FiguresValidationError(problems, sum(r.omitted for r in readers))


def load_sources(path: str | Path | None = None) -> pd.DataFrame:
    """Return the validated sources table (dates as datetimes, `kind` categorical)."""
    with _checking_pool() as pool:
        reader, table, typed = _load_checked(resolve(path, SOURCES_CSV), "sources", pool=pool)
    if table is not None:
        check_sources(reader, table, typed)
    _raise_if([reader])
    return _to_frame(table, typed, reader.schema)


def load_metrics(path: str | Path | None = None) -> pd.DataFrame:
    """Return the validated metric vocabulary (metric, unit, definition)."""
    with _checking_pool() as pool:
        reader, table, typed = _load_checked(resolve(path, METRICS_CSV), "metrics", pool=pool)
    _raise_if([reader])
    return _to_frame(table, typed, reader.schema)


def load_table(resource: str, path: str | Path | None = None, data_dir: Path | None = None) -> pd.DataFrame:
    """Return any table of the data package, validated against its schema (default: its file in
    `data_dir`, which defaults to the bundled data/); tables it refers to are read from beside it."""
    folder = data_dir or DATA_DIR
    schema = table_schema(resource)
    file = resolve(path, folder / schema.path)
    with _checking_pool() as pool:
        reader, table, typed = _load_checked(file, resource, pool=pool)
        readers = [reader]
        if resource == "sources" and table is not None:
            check_sources(reader, table, typed)
        if resource == "claims" and table is not None:
            check_claims(reader, table, typed)
        for field, ref_resource, ref_field in schema.foreign_keys:  # keys into other tables, read from beside `file`
            ref_schema = table_schema(ref_resource)
            ref_file = beside(file, ref_schema.path, folder / ref_schema.path)
            ref_reader, ref_table, _ = _load_checked(ref_file, ref_resource, pool=pool)
            readers.append(ref_reader)
            if table is not None and ref_table is not None:
                check_key(reader, table, field, ref_table, ref_field, ref_schema.path)
    _raise_if(readers)
    return _to_frame(table, typed, reader.schema)


def load_dataset(
    figures: str | Path | None = None,
    sources: str | Path | None = None,
    metrics: str | Path | None = None,
    milestones: str | Path | None = None,
    claims: str | Path | None = None,
    *,
    data_dir: Path | None = None,
    names: Sequence[str] | None = None,
) -> Dataset:
    """Validate the tables together and return them; raise FiguresValidationError listing every problem.

    Paths not given default to the file of that name beside figures.csv when there is one, else the
    bundled file: a folder holding a copy of data/ is used whole. `data_dir` is where the dataset's
    other tables are read (default: the bundled data/); `names`, how problems name the five files
    (default: their file names), for a build that validates its snapshot of the user's files.
    """
    fig_path, src_path, met_path, ms_path, cl_path = dataset_paths(figures, sources, metrics, milestones, claims)
    f_name, s_name, m_name, e_name, c_name = names or (None,) * 5
    with _checking_pool() as pool:
        c_reader, c_table, c_typed = _load_checked(cl_path, "claims", c_name, pool)
        if c_table is not None:
            check_claims(c_reader, c_table, c_typed)
        s_reader, s_table, s_typed = _load_checked(src_path, "sources", s_name, pool)
        if s_table is not None:
            check_sources(s_reader, s_table, s_typed)
        m_reader, m_table, m_typed = _load_checked(met_path, "metrics", m_name, pool)
        e_reader, e_table, e_typed = _load_checked(ms_path, "milestones", e_name, pool)
        # every figure's place must be one places.csv maps (an unknown label, "US" with a no-break space, was
        # left out of the place tables without a word): the table beside figures.csv, else the dataset folder's,
        # else the bundled one
        in_folder = (data_dir or DATA_DIR) / "places.csv"
        places_path = beside(fig_path, "places.csv", in_folder if in_folder.exists() else DATA_DIR / "places.csv")
        p_reader, p_table, _ = _load_checked(places_path, "places", None, pool)

        def check(reader: CsvReader, table: pa.Table, typed: dict) -> None:
            check_figures(reader, table, typed, s_table, m_table)
            if p_table is not None:
                check_key(reader, table, "geography", p_table, "geography", "places.csv (add the place there)")

        # the cross-table rules run on the fast read; any problem -> the full text read, which locates them
        f_reader, f_table, f_typed = _load(fig_path, "figures", fast=True, name=f_name, pool=pool)
        if f_table is not None:
            check(f_reader, f_table, f_typed)
        if f_reader.finish().fallback or f_reader.problems:
            del f_table, f_typed  # freed before the text read (memory on huge files)
            f_reader, f_table, f_typed = _load(fig_path, "figures", fast=False, name=f_name)
            if f_table is not None:
                check(f_reader, f_table, f_typed)
            f_reader.finish()
    if e_table is not None:
        check_source_ids(e_reader, e_table, s_table)
    _raise_if([f_reader, s_reader, m_reader, e_reader, c_reader, p_reader])
    return Dataset(
        figures=_to_frame(f_table, f_typed, f_reader.schema),
        sources=_to_frame(s_table, s_typed, s_reader.schema),
        metrics=_to_frame(m_table, m_typed, m_reader.schema),
        milestones=_to_frame(e_table, e_typed, e_reader.schema),
        claims=_to_frame(c_table, c_typed, c_reader.schema),
        data_dir=data_dir or DATA_DIR,
    )


def dataset_paths(
    figures: str | Path | None = None,
    sources: str | Path | None = None,
    metrics: str | Path | None = None,
    milestones: str | Path | None = None,
    claims: str | Path | None = None,
) -> tuple[Path, Path, Path, Path, Path]:
    """Resolved (figures, sources, metrics, milestones, claims) paths: given, else beside figures, else bundled.
    A folder given as `figures` stands for its figures.csv (a copy of data/)."""
    fig_path = resolve(figures, FIGURES_CSV)
    if fig_path.is_dir():
        fig_path = fig_path / "figures.csv"
    return (
        fig_path,
        resolve(sources, beside(fig_path, "sources.csv", SOURCES_CSV)),
        resolve(metrics, beside(fig_path, "metrics.csv", METRICS_CSV)),
        resolve(milestones, beside(fig_path, "milestones.csv", MILESTONES_CSV)),
        resolve(claims, beside(fig_path, "claims.csv", CLAIMS_CSV)),
    )


def load_figures(
    path: str | Path | None = None, sources: str | Path | None = None, metrics: str | Path | None = None
) -> pd.DataFrame:
    """Return the validated figures table: `value` as float, periods as datetimes, vocabularies categorical."""
    return load_dataset(path, sources, metrics).figures
