"""Load and validate the figures, sources and metrics tables.

The clean path is vectorized with Apache Arrow: the CSV is read as text with Arrow's reader, every
check runs as an Arrow compute kernel over whole columns, and the typed table is handed to pandas
once. Line numbers are worked out only when a check fails, by re-reading the file with Python's csv
module, so a problem names the line a text editor shows.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from scomm.paths import FIGURES_CSV, METRICS_CSV, MILESTONES_CSV, SOURCES_CSV, resolve
from scomm.schema import TableSchema, table_schema

NUMBER_RE = r"^[-+]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PERCENT_UNIT = "percent"
UNBOUNDED_UNITS = {"percent_change"}  # may be negative or above 100
MAX_LISTED = 200  # problems shown in the exception text; all of them stay in .problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as a text editor shows it."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        got = "" if self.value is None else f": found {self.value!r}"
        return f"{where}{got}; expected {self.expected}"


class FiguresValidationError(ValueError):
    """Raised when an input file has problems; `.problems` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        files = sorted({p.file for p in self.problems})
        head = f"{len(self.problems)} problem(s) in {', '.join(files)}:"
        lines = [f"  - {p}" for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED} more")
        super().__init__("\n".join([head, *lines]))


@dataclass
class Dataset:
    """The three validated tables."""

    figures: pd.DataFrame
    sources: pd.DataFrame
    metrics: pd.DataFrame
    milestones: pd.DataFrame


# ---------------------------------------------------------------- reading text


class _Reader:
    """Reads one CSV file as an Arrow table of trimmed strings and locates rows lazily."""

    def __init__(self, path: Path, schema: TableSchema, display_name: str | None = None):
        self.path = path
        self.schema = schema
        self.name = display_name or path.name
        self.problems: list[Problem] = []
        self._lines: list[int] | None = None
        self._bad_rows = 0

    def problem(self, line, column, value, expected) -> None:
        self.problems.append(Problem(self.name, line, column, value, expected))

    # Python re-read, only on the error path: start line of every data record Arrow kept.
    def line_of(self, rows: Iterable[int]) -> list[int]:
        if self._lines is None:
            self._lines = []
            text = self.path.read_bytes().decode("utf-8-sig", errors="replace")
            reader = csv.reader(io.StringIO(text, newline=""))
            prev_end = 0
            width = None
            for record in reader:
                start, prev_end = prev_end + 1, reader.line_num
                if width is None:  # header
                    width = len(record)
                    continue
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line: Arrow skips it too
                if len(record) != width:
                    continue  # Arrow's invalid-row handler skipped it
                self._lines.append(start)
        return [self._lines[i] if i < len(self._lines) else None for i in rows]

    def wrong_width_lines(self) -> list[tuple[int, int, int]]:
        """(line, fields found, fields expected) for rows with the wrong number of fields."""
        out = []
        text = self.path.read_bytes().decode("utf-8-sig", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        prev_end, width = 0, None
        for record in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if width is None:
                width = len(record)
                continue
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != width:
                out.append((start, len(record), width))
        return out

    def read(self) -> pa.Table | None:
        if not self.path.exists():
            self.problem(None, None, str(self.path), "an existing CSV file")
            return None
        header = self._header()
        if header is None:
            return None
        if not _is_utf8(self.path):
            self._report_encoding()
            return None
        names = [h.strip() for h in header]
        expected = self.schema.names
        missing = [n for n in expected if n not in names]
        extra = [n for n in names if n not in expected]
        dupes = sorted({n for n in names if names.count(n) > 1})
        for n in missing:
            self.problem(1, n, None, f"a column named '{n}' in the header")
        for n in extra:
            self.problem(1, n, n, "only the columns " + ", ".join(expected))
        for n in dupes:
            self.problem(1, n, n, "each column name once")
        if missing or extra or dupes:
            return None

        def on_invalid(row) -> str:
            if row.text.strip():
                self._bad_rows += 1
            return "skip"

        try:
            table = pa_csv.read_csv(
                self.path,
                read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
                parse_options=pa_csv.ParseOptions(invalid_row_handler=on_invalid),
                convert_options=pa_csv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "UTF-8" in str(exc):
                self._report_encoding()
            else:
                self.problem(None, None, None, f"a well-formed CSV file (the reader said: {exc})")
            return None
        if self._bad_rows:
            for line, found, width in self.wrong_width_lines():
                self.problem(line, None, f"{found} fields", f"{width} fields, as in the header")
        # Trim stray spaces; empty cells become null.
        cols = []
        for name in names:
            col = pc.utf8_trim_whitespace(table.column(name))
            cols.append(pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col))
        return pa.table(cols, names=names).select(expected)

    def _header(self) -> list[str] | None:
        raw = self.path.read_bytes()[:65536]
        first = raw.split(b"\n", 1)[0]
        try:
            text = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            self._report_encoding()
            return None
        if not text.strip():
            self.problem(1, None, "", "a header line naming the columns")
            return None
        return next(csv.reader([text.rstrip("\r")]))

    def _report_encoding(self) -> None:
        for number, line in enumerate(self.path.read_bytes().split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                bad = line[err.start : err.start + 1]
                self.problem(
                    number,
                    None,
                    f"byte 0x{bad.hex()} at character {err.start + 1}",
                    "UTF-8 text (save the file as UTF-8; this looks like another encoding, e.g. Windows-1252)",
                )
                if len(self.problems) >= MAX_LISTED:
                    break


def _is_utf8(path: Path, chunk: int = 1 << 22) -> bool:
    """True when the whole file decodes as UTF-8 (streamed, so memory stays flat)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(chunk):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------- checks


def _report(reader: _Reader, table: pa.Table, mask: pa.ChunkedArray | pa.Array, column: str | None,
            expected: str, value_column: str | None = None) -> None:
    """Add one Problem per row where `mask` is true."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return
    rows = pc.indices_nonzero(mask).to_pylist()
    values = table.column(value_column or column).take(rows).to_pylist() if (value_column or column) else [None] * len(rows)
    for line, value in zip(reader.line_of(rows), values):
        reader.problem(line, column, "" if value is None else str(value), expected)


def _check_fields(reader: _Reader, table: pa.Table) -> dict[str, pa.ChunkedArray]:
    """Per-field checks from the schema; returns typed columns for number and date fields."""
    typed: dict[str, pa.ChunkedArray] = {}
    for f in reader.schema.fields:
        col = table.column(f.name)
        present = pc.is_valid(col)
        if f.required:
            _report(reader, table, pc.invert(present), f.name, "a value (this column is required)")
        if f.type == "number":
            ok = pc.match_substring_regex(col, NUMBER_RE)
            _report(reader, table, pc.and_(present, pc.invert(ok)), f.name,
                    "a number such as 140396 or \"140,396\" (digits, optional thousands commas and decimals)")
            clean = pc.if_else(ok, pc.replace_substring(col, ",", ""), pa.scalar(None, pa.string()))
            typed[f.name] = pc.cast(clean, pa.float64())
        elif f.type == "date":
            shaped = pc.match_substring_regex(col, DATE_RE)
            stamp = pc.strptime(pc.if_else(shaped, col, pa.scalar(None, pa.string())),
                                format="%Y-%m-%d", unit="s", error_is_null=True)
            real = pc.equal(pc.strftime(stamp, format="%Y-%m-%d"), col)  # rejects 2011-02-30
            ok = pc.and_(shaped, pc.fill_null(real, False))
            _report(reader, table, pc.and_(present, pc.invert(ok)), f.name, "an ISO date YYYY-MM-DD that exists")
            typed[f.name] = pc.if_else(ok, stamp, pa.scalar(None, pa.timestamp("s")))
        if f.enum is not None:
            inside = pc.is_in(col, value_set=pa.array(f.enum))
            _report(reader, table, pc.and_(present, pc.invert(inside)), f.name, "one of: " + ", ".join(f.enum))
        if f.pattern is not None:
            ok = pc.match_substring_regex(col, f"^(?:{f.pattern})$")
            _report(reader, table, pc.and_(present, pc.invert(ok)), f.name, f"text matching the pattern {f.pattern}")
        if f.unique:
            _check_unique(reader, table, f.name)
    return typed


def _check_unique(reader: _Reader, table: pa.Table, name: str) -> None:
    col = table.column(name)
    valid = col.drop_null()
    if len(pc.unique(valid)) == len(valid):
        return
    frame = table.to_pandas()
    dup = frame[name].notna() & frame[name].duplicated(keep=False)
    first_line: dict[str, int] = {}
    first_row: dict[str, int] = {}
    rows = list(frame.index[dup])
    for row, line in zip(rows, reader.line_of(rows)):
        key = frame.at[row, name]
        if key not in first_line:
            first_line[key], first_row[key] = line, row
            continue
        same = frame.loc[row].equals(frame.loc[first_row[key]])
        expected = (f"no exact duplicate rows (this row repeats line {first_line[key]})" if same
                    else f"a unique {name} (also used on line {first_line[key]})")
        reader.problem(line, name, key, expected)


def _check_source_ids(reader: _Reader, table: pa.Table, sources: pa.Table | None) -> None:
    """Every source_id must be listed in sources.csv."""
    if sources is None:
        return
    ids = sources.column("source_id").drop_null()
    present = pc.is_valid(table.column("source_id"))
    missing = pc.and_(present, pc.invert(pc.is_in(table.column("source_id"), value_set=ids)))
    _report(reader, table, missing, "source_id", "a source_id listed in sources.csv")


def _check_figures(reader: _Reader, table: pa.Table, typed: dict, sources: pa.Table | None,
                   metrics: pa.Table | None) -> None:
    """Rules that involve more than one column or another table."""
    start, end = typed["period_start"], typed["period_end"]
    _report(reader, table, pc.greater(start, end), "period_end",
            "a date on or after period_start", value_column="period_end")
    value, unit = typed["value"], table.column("unit")
    is_percent = pc.equal(unit, PERCENT_UNIT)
    counts = pc.invert(pc.is_in(unit, value_set=pa.array(sorted(UNBOUNDED_UNITS | {PERCENT_UNIT}))))
    _report(reader, table, pc.and_(counts, pc.less(value, 0)), "value",
            "a count >= 0 (use unit percent_change for a signed change)")
    _report(reader, table, pc.and_(is_percent, pc.or_(pc.less(value, 0), pc.greater(value, 100))), "value",
            "a percentage within 0-100 for unit percent (use percent_change for changes)")
    _check_source_ids(reader, table, sources)
    if metrics is not None:
        names = metrics.column("metric").combine_chunks()
        idx = pc.index_in(table.column("metric"), value_set=names)
        present = pc.is_valid(table.column("metric"))
        _report(reader, table, pc.and_(present, pc.is_null(idx)), "metric", "a metric listed in metrics.csv")
        expected_unit = pc.take(metrics.column("unit").combine_chunks(), idx)
        wrong = pc.and_(pc.is_valid(idx), pc.not_equal(expected_unit, unit))
        if pc.any(pc.fill_null(wrong, False)).as_py():
            rows = pc.indices_nonzero(pc.fill_null(wrong, False)).to_pylist()
            got = unit.take(rows).to_pylist()
            want = pc.take(expected_unit, pa.array(rows)).to_pylist()
            metric = table.column("metric").take(rows).to_pylist()
            for line, g, w, m in zip(reader.line_of(rows), got, want, metric):
                reader.problem(line, "unit", g, f"unit '{w}', the unit metrics.csv gives for '{m}'")


# ---------------------------------------------------------------- to pandas


def _to_frame(table: pa.Table, typed: dict, schema: TableSchema) -> pd.DataFrame:
    cols, names = [], []
    for f in schema.fields:
        col = typed.get(f.name, table.column(f.name))
        if f.enum is not None:
            col = pc.dictionary_encode(col)
        cols.append(col)
        names.append(f.name)
    frame = pa.table(cols, names=names).to_pandas()
    for f in schema.fields:
        if f.enum is not None:
            frame[f.name] = frame[f.name].cat.set_categories(list(f.enum))
        elif f.type == "date":
            frame[f.name] = frame[f.name].astype("datetime64[ns]")
    return frame


def _load(path: Path, resource: str) -> tuple[_Reader, pa.Table | None, dict]:
    reader = _Reader(path, table_schema(resource))
    table = reader.read()
    typed: dict = {}
    if table is not None:
        typed = _check_fields(reader, table)
    return reader, table, typed


def _raise_if(readers: Sequence[_Reader]) -> None:
    problems = [p for r in readers for p in r.problems]
    if problems:
        raise FiguresValidationError(problems)


def load_sources(path: str | Path | None = None) -> pd.DataFrame:
    """Return the validated sources table (dates as datetimes, `kind` categorical)."""
    reader, table, typed = _load(resolve(path, SOURCES_CSV), "sources")
    _raise_if([reader])
    return _to_frame(table, typed, reader.schema)


def load_metrics(path: str | Path | None = None) -> pd.DataFrame:
    """Return the validated metric vocabulary (metric, unit, definition)."""
    reader, table, typed = _load(resolve(path, METRICS_CSV), "metrics")
    _raise_if([reader])
    return _to_frame(table, typed, reader.schema)


def load_dataset(figures: str | Path | None = None, sources: str | Path | None = None,
                 metrics: str | Path | None = None, milestones: str | Path | None = None) -> Dataset:
    """Validate all three tables together and return them; raise FiguresValidationError listing every problem.

    Relative paths default to the bundled files beside figures.csv: when only `figures` is given and a
    sources.csv / metrics.csv stands next to it, those are used; otherwise the bundled ones.
    """
    fig_path = resolve(figures, FIGURES_CSV)
    src_path = resolve(sources, _sibling(fig_path, "sources.csv", SOURCES_CSV))
    met_path = resolve(metrics, _sibling(fig_path, "metrics.csv", METRICS_CSV))
    s_reader, s_table, s_typed = _load(src_path, "sources")
    ms_path = resolve(milestones, _sibling(fig_path, "milestones.csv", MILESTONES_CSV))
    m_reader, m_table, m_typed = _load(met_path, "metrics")
    e_reader, e_table, e_typed = _load(ms_path, "milestones")
    f_reader, f_table, f_typed = _load(fig_path, "figures")
    if f_table is not None:
        _check_figures(f_reader, f_table, f_typed, s_table, m_table)
    if e_table is not None:
        _check_source_ids(e_reader, e_table, s_table)
    _raise_if([f_reader, s_reader, m_reader, e_reader])
    return Dataset(
        figures=_to_frame(f_table, f_typed, f_reader.schema),
        sources=_to_frame(s_table, s_typed, s_reader.schema),
        metrics=_to_frame(m_table, m_typed, m_reader.schema),
        milestones=_to_frame(e_table, e_typed, e_reader.schema),
    )


def _sibling(path: Path, name: str, default: Path) -> Path:
    candidate = path.with_name(name)
    return candidate if candidate.exists() else default


def load_figures(path: str | Path | None = None, sources: str | Path | None = None,
                 metrics: str | Path | None = None) -> pd.DataFrame:
    """Return the validated figures table: `value` as float, periods as datetimes, vocabularies categorical."""
    return load_dataset(path, sources, metrics).figures
