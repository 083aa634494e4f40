"""Load and validate the figures, sources and metrics tables.

The clean path is vectorized with Apache Arrow: the CSV is read as text with Arrow's reader, every
check runs as an Arrow compute kernel over whole columns, and the typed table is handed to pandas
once. Line numbers are worked out only when a check fails, by re-reading the file with Python's csv
module, so a problem names the line a text editor shows.
"""

from __future__ import annotations

import codecs
import csv
import math
import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from scomm import figure_rules
from scomm.paths import CLAIMS_CSV, DATA_DIR, FIGURES_CSV, METRICS_CSV, MILESTONES_CSV, SOURCES_CSV, resolve
from scomm.schema import TableSchema, table_schema

NUMBER_RE = r"^[-+]?(([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{80}-\\x{9f}]"  # RE2: C0 but tab/LF/CR, DEL, C1
PERCENT_UNIT = "percent"
UNBOUNDED_UNITS = {"percent_change"}  # may be negative or above 100
MAX_LISTED = 200  # problems shown in the exception text
MAX_KEPT = 1000  # problems kept per check (column and rule); the rest are counted, not located
MAX_LINE_BYTES = 1 << 20  # a line (a record) longer than 1 MiB is refused, with its line number
NONEMPTY = {"figures", "sources", "metrics"}  # tables that must hold at least one row
csv.field_size_limit(2**31 - 1)  # the error path's csv reader must read what Arrow read, to give line numbers


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
    """Raised when an input file has problems; `.problems` lists them (at most MAX_KEPT of one kind per
    column: `.omitted` counts the rest, so a huge bad file is reported in bounded memory)."""

    def __init__(self, problems: Sequence[Problem], omitted: int = 0):
        self.problems = list(problems)
        self.omitted = omitted
        files = sorted({p.file for p in self.problems})
        total = len(self.problems) + omitted
        head = f"{total:,} problem(s) in {', '.join(files)}:"
        lines = [f"  - {p}" for p in self.problems[:MAX_LISTED]]
        if total > MAX_LISTED:
            lines.append(f"  ... and {total - min(MAX_LISTED, len(self.problems)):,} more")
        super().__init__("\n".join([head, *lines]))


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


# ---------------------------------------------------------------- reading text


class _Reader:
    """Reads one CSV file as an Arrow table and locates rows lazily.

    fast=True declares number and date columns to Arrow's reader (parsed in parallel, strictly) and
    trims only free-text columns; any oddity (a bad value, a short row, stray spaces in a coded
    column) sets `fallback`, and the caller re-reads with fast=False, which reads everything as text,
    trims it and reports every problem with its line.
    """

    def __init__(self, path: Path, schema: TableSchema, fast: bool = False, display_name: str | None = None):
        self.path = path
        self.schema = schema
        self.fast = fast
        self.fallback = False
        self.name = display_name or path.name
        self.problems: list[Problem] = []
        self.omitted = 0  # problems found but not kept (beyond MAX_KEPT for one check)
        self._lines: list[int] | None = None
        self._wrong_width: list[tuple[int, int, int]] = []
        self._bad_rows = 0
        self.pending: list = []  # checks still running in threads (fast path)
        self._scan_lock = threading.Lock()

    def finish(self) -> _Reader:
        """Wait for checks still running in threads; returns self."""
        for job in self.pending:
            job.result()
        self.pending = []
        return self

    def problem(self, line, column, value, expected) -> None:
        self.problems.append(Problem(self.name, line, column, value, expected))

    def _scan(self) -> None:
        """One Python pass (error path only): start line of every record Arrow keeps, and short/long rows."""
        with self._scan_lock:  # checks in threads may ask for line numbers at the same time
            if self._lines is None:
                self._lines = self._scan_records()

    def _scan_records(self) -> list[int]:
        lines: list[int] = []
        handle = open(self.path, encoding="utf-8-sig", errors="replace", newline="")  # streamed: bounded memory
        reader = csv.reader(handle)
        prev_end, width = 0, None
        for record in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if width is None:  # header
                width = len(record)
            elif not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line: Arrow skips it too
            elif len(record) != width:
                self._wrong_width.append((start, len(record), width))  # Arrow's invalid-row handler skips it
            else:
                lines.append(start)
        handle.close()
        return lines

    def line_of(self, rows: Iterable[int]) -> list[int | None]:
        """Line numbers (as an editor shows them) of data rows, by position in the table."""
        self._scan()
        lines = self._lines or []
        return [lines[i] if i < len(lines) else None for i in rows]

    def read(self) -> pa.Table | None:
        if not self.path.exists():
            self.problem(None, None, str(self.path), "an existing CSV file")
            return None
        header = self._header()
        if header is None:
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
        table = self._read_fast(names) if self.fast else self._read_text(names)
        if table is None:
            return None
        return table.select(expected)

    def _read_fast(self, names: list[str]) -> pa.Table | None:
        fields = {f.name: f for f in self.schema.fields}
        # Numbers as float64 first; numbers written with thousands separators ("140,396") fail that and
        # are read again as text, parsed by the checks. Dates must be strict ISO dates.
        for number_type in (pa.float64(), pa.string()):
            types = {n: {"number": number_type, "date": pa.date32()}.get(fields[n].type, pa.string()) for n in names}
            try:
                table = pa_csv.read_csv(
                    self.path,
                    read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
                    # only an empty cell is missing ("NA" or "null" stay text), as in the text path
                    convert_options=pa_csv.ConvertOptions(
                        column_types=types, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
                    ),
                )
                break
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
        else:
            self.fallback = True
            return None
        # Free text is trimmed, as the text path does; coded values with stray spaces fail their checks
        # and send us to the text path.
        free = [n for n in names if types[n] == pa.string() and fields[n].enum is None and fields[n].pattern is None]
        trimmed = dict(zip(free, _pool().map(lambda n: pc.ascii_trim_whitespace(table.column(n)), free)))
        for name, col in trimmed.items():
            if pc.any(pc.equal(col, "")).as_py():
                self.fallback = True  # a cell of spaces only: the text path reports it as missing
                return None
            table = table.set_column(table.schema.get_field_index(name), name, col)
        return table

    def _read_text(self, names: list[str]) -> pa.Table | None:
        def on_invalid(row) -> str:
            if row.text.strip():
                self._bad_rows += 1
            return "skip"

        previous_hook = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: None  # a non-UTF-8 short row fails inside Arrow's handler
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
            long_line = _first_long_line(self.path)
            if long_line is not None:
                self.problem(
                    long_line,
                    None,
                    f"a line of more than {MAX_LINE_BYTES:,} bytes",
                    f"lines of at most {MAX_LINE_BYTES:,} bytes (a field this long is not a figure)",
                )
            elif not _is_utf8(self.path):
                self._report_encoding()
            else:
                self.problem(None, None, None, f"a well-formed CSV file (the reader said: {exc})")
            return None
        finally:
            sys.unraisablehook = previous_hook
        if self._bad_rows:
            self._scan()
            for line, found, width in self._wrong_width:
                self.problem(line, None, f"{found} fields", f"{width} fields, as in the header")
        # Trim stray spaces; empty cells become null.
        cols = []
        for name in names:
            col = pc.ascii_trim_whitespace(table.column(name))
            cols.append(pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col))
        return pa.table(cols, names=names)

    def _header(self) -> list[str] | None:
        with open(self.path, "rb") as handle:
            first = handle.readline(MAX_LINE_BYTES + 1)
        if len(first) > MAX_LINE_BYTES:
            self.problem(
                1,
                None,
                f"a line of more than {MAX_LINE_BYTES:,} bytes",
                f"lines of at most {MAX_LINE_BYTES:,} bytes (is this the right file?)",
            )
            return None
        try:
            text = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            self._report_encoding()
            return None
        if not text.strip():
            self.problem(1, None, "", "a header line naming the columns")
            return None
        return next(csv.reader([text.rstrip("\r\n")]))

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


def _first_long_line(path: Path, chunk: int = 1 << 22) -> int | None:
    """Number of the first line longer than MAX_LINE_BYTES, streamed in chunks (memory stays flat)."""
    import numpy as np

    line, length = 1, 0  # length: bytes of the current line seen so far
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            if len(ends) == 0:
                length += len(block)
                if length > MAX_LINE_BYTES:
                    return line
                continue
            starts = np.concatenate(([0], ends[:-1] + 1))
            lengths = ends - starts
            lengths[0] += length
            over = np.flatnonzero(lengths > MAX_LINE_BYTES)
            if len(over):
                return line + int(over[0])
            line += len(ends)
            length = len(block) - int(ends[-1]) - 1
            if length > MAX_LINE_BYTES:
                return line
    return None


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


def _report(
    reader: _Reader,
    table: pa.Table,
    mask: pa.ChunkedArray | pa.Array,
    column: str | None,
    expected: str,
    value_column: str | None = None,
) -> None:
    """Add one Problem per row where `mask` is true."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return
    found = pc.indices_nonzero(mask)
    reader.omitted += max(0, len(found) - MAX_KEPT)
    rows = found.slice(0, MAX_KEPT).to_pylist()
    values = (
        table.column(value_column or column).take(rows).to_pylist() if (value_column or column) else [None] * len(rows)
    )
    for line, value in zip(reader.line_of(rows), values):
        text = "" if value is None else str(value)
        reader.problem(
            line, column, text if len(text) <= 80 else text[:60] + f"... ({len(text):,} characters)", expected
        )


def _check_fields(reader: _Reader, table: pa.Table, keyed: frozenset[str] = frozenset()) -> dict[str, pa.ChunkedArray]:
    """Per-field checks from the schema; returns typed columns (numbers, dates, categoricals).

    Fields in `keyed` are checked later against another table's key, whose own pattern check makes
    theirs redundant, so their pattern is not matched here. On the fast path the fields are checked
    in parallel threads (Arrow's kernels release the GIL); problems there only trigger the text path,
    which checks in order so problems are listed by column.
    """
    fields = reader.schema.fields
    if reader.fast:  # uniqueness (a sort) keeps running while the caller goes on; reader.finish() waits for it
        pool = _pool()
        reader.pending += [pool.submit(_check_unique, reader, table, f.name) for f in fields if f.unique]
        results = list(pool.map(lambda f: _check_field(reader, table, f, keyed), fields))
    else:
        results = []
        for f in fields:
            results.append(_check_field(reader, table, f, keyed))
            if f.unique:
                _check_unique(reader, table, f.name)
    return {f.name: col for f, col in zip(fields, results) if col is not None}


def _check_field(reader: _Reader, table: pa.Table, f, keyed: frozenset[str]):
    """Check one field; return its typed column, or None when the text column is kept as is."""
    col = table.column(f.name)
    present = pc.is_valid(col)
    typed = None
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        _report(
            reader,
            table,
            pc.greater(pc.binary_length(col), MAX_LINE_BYTES),
            f.name,
            f"a value of at most {MAX_LINE_BYTES:,} bytes (a field this long is not a figure)",
        )
        _report(
            reader,
            table,
            pc.fill_null(pc.match_substring_regex(col, CONTROL_RE), False),
            f.name,
            "text without control characters (NUL, escape codes and the like; tabs and line breaks are fine)",
        )
    if f.required:
        _report(reader, table, pc.invert(present), f.name, "a value (this column is required)")
    if f.type == "number" and pa.types.is_floating(col.type):  # parsed by the fast reader
        _report(reader, table, pc.and_(present, pc.invert(pc.is_finite(col))), f.name, "a finite number")
        typed = col
    elif f.type == "date" and pa.types.is_date(col.type):
        typed = pc.cast(col, pa.timestamp("ns"))
    elif f.type == "number":
        ok = pc.match_substring_regex(col, NUMBER_RE)
        _report(
            reader,
            table,
            pc.and_(present, pc.invert(ok)),
            f.name,
            'a number such as 140396 or "140,396" (digits, optional thousands commas and decimals)',
        )
        clean = pc.if_else(ok, pc.replace_substring(col, ",", ""), pa.scalar(None, pa.string()))
        typed = pc.cast(clean, pa.float64())
        _report(
            reader,
            table,
            pc.and_(pc.is_valid(typed), pc.invert(pc.is_finite(typed))),
            f.name,
            "a finite number (this one is too large to represent)",
        )
    elif f.type == "date":
        shaped = pc.match_substring_regex(col, DATE_RE)
        text = pc.if_else(shaped, col, pa.scalar(None, pa.string()))
        stamp = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2011-02-30 over to 2011-03-02: the day must come back unchanged
        day = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
        ok = pc.and_(shaped, pc.fill_null(pc.equal(pc.day(stamp), day), False))
        _report(reader, table, pc.and_(present, pc.invert(ok)), f.name, "an ISO date YYYY-MM-DD that exists")
        typed = pc.cast(pc.if_else(ok, stamp, pa.scalar(None, pa.timestamp("s"))), pa.timestamp("ns"))
    if typed is not None and (f.minimum is not None or f.maximum is not None):
        _check_range(reader, table, f, typed)
    if f.enum is not None:  # codes in vocabulary order: the check and the categorical in one lookup
        vocabulary = pa.array(f.enum)
        codes = pc.index_in(col, value_set=vocabulary).combine_chunks()
        _report(reader, table, pc.and_(present, pc.is_null(codes)), f.name, "one of: " + ", ".join(f.enum))
        typed = pa.DictionaryArray.from_arrays(codes, vocabulary)
    if f.pattern is not None and f.name not in keyed:
        ok = pc.match_substring_regex(col, f"^(?:{f.pattern})$")
        _report(reader, table, pc.and_(present, pc.invert(ok)), f.name, f"text matching the pattern {f.pattern}")
    return typed


def _check_range(reader: _Reader, table: pa.Table, f, typed) -> None:
    """Report values below the schema's `minimum` or above its `maximum` (numbers or ISO dates)."""
    for bound, compare, word in ((f.minimum, pc.less, "at least"), (f.maximum, pc.greater, "at most")):
        if bound is None:
            continue
        scalar = (
            pa.scalar(pd.Timestamp(bound).as_unit("ns"), pa.timestamp("ns"))
            if f.type == "date"
            else pa.scalar(float(bound))
        )
        shown = bound if f.type == "date" else f"{float(bound):,.15g}"
        _report(reader, table, compare(typed, scalar), f.name, f"a value {word} {shown} (the schema's bound)")


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One shared pool for column checks (Arrow's kernels release the GIL, so threads use every core)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="scomm-check")
    return _POOL


def _check_unique(reader: _Reader, table: pa.Table, name: str) -> None:
    valid = table.column(name).drop_null().combine_chunks()
    if len(valid) < 2:
        return
    ordered = pc.take(valid, pc.sort_indices(valid))  # sorting beats hashing here (about 3x on 1M ids)
    if not pc.any(pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))).as_py():
        return
    frame = table.to_pandas()
    dup = frame[name].notna() & frame[name].duplicated(keep=False)
    first_line: dict[str, int | None] = {}
    first_row: dict[str, int] = {}
    rows = list(frame.index[dup])
    for row, line in zip(rows, reader.line_of(rows)):
        key = frame.at[row, name]
        if key not in first_line:
            first_line[key], first_row[key] = line, row
            continue
        same = frame.loc[row].equals(frame.loc[first_row[key]])
        expected = (
            f"no exact duplicate rows (this row repeats line {first_line[key]})"
            if same
            else f"a unique {name} (also used on line {first_line[key]})"
        )
        reader.problem(line, name, key, expected)


def _check_key(
    reader: _Reader, table: pa.Table, field: str, ref_table: pa.Table, ref_field: str, ref_file: str
) -> None:
    """Every value of `field` must be listed in `ref_field` of the referenced table."""
    ids = ref_table.column(ref_field).drop_null()
    present = pc.is_valid(table.column(field))
    enum = reader.schema.field(field).enum
    if enum is not None:  # a value outside the field's own vocabulary is reported once, by that check
        present = pc.and_(present, pc.is_in(table.column(field), value_set=pa.array(enum)))
    missing = pc.and_(present, pc.invert(pc.is_in(table.column(field), value_set=ids)))
    _report(reader, table, missing, field, f"a {ref_field} listed in {ref_file}")


def _check_source_ids(reader: _Reader, table: pa.Table, sources: pa.Table | None) -> None:
    """Every source_id must be listed in sources.csv."""
    if sources is None:
        return
    ids = sources.column("source_id").drop_null()
    present = pc.is_valid(table.column("source_id"))
    missing = pc.and_(present, pc.invert(pc.is_in(table.column("source_id"), value_set=ids)))
    _report(reader, table, missing, "source_id", "a source_id listed in sources.csv")


def _check_sources(reader: _Reader, table: pa.Table, typed: dict) -> None:
    """`published` agrees with `published_precision`: a month- or year-only date is stored as the first day
    of that month or year (so it never passes silently for 1 January), and only an undated source has none."""
    precision, date = typed.get("published_precision"), typed.get("published")
    if precision is None or date is None:
        return
    words = precision.dictionary.take(precision.indices)  # null where the value was not in the vocabulary
    has_text = pc.is_valid(table.column("published"))

    def said(word: str):
        return pc.fill_null(pc.equal(words, word), False)

    _report(
        reader,
        table,
        pc.and_(said("undated"), has_text),
        "published",
        "no date, since published_precision is 'undated' (or set the precision the source dates itself to)",
    )
    _report(
        reader,
        table,
        pc.and_(pc.and_(pc.is_valid(words), pc.invert(said("undated"))), pc.invert(has_text)),
        "published_precision",
        "'undated', since published is empty (or fill in the date)",
        value_column="published_precision",
    )
    not_first_day = pc.fill_null(pc.not_equal(pc.day(date), 1), False)
    not_january = pc.fill_null(pc.not_equal(pc.month(date), 1), False)
    _report(
        reader,
        table,
        pc.and_(said("month"), not_first_day),
        "published",
        "the first day of the month (published_precision is 'month': a month-only date is stored as its first day)",
    )
    _report(
        reader,
        table,
        pc.and_(said("year"), pc.or_(not_first_day, not_january)),
        "published",
        "1 January of the year (published_precision is 'year': a year-only date is stored as its first day)",
    )
    _check_reposts(reader, table, typed)


REPOST = "repost or mirror"  # the kind of source that must name whose text it copies


def _check_reposts(reader: _Reader, table: pa.Table, typed: dict) -> None:
    """A repost or mirror names the original publisher; no other kind of source does (it is its own publisher)."""
    kind = typed.get("kind")
    if kind is None or "original_publisher" not in table.column_names:
        return
    words = kind.dictionary.take(kind.indices)
    repost = pc.fill_null(pc.equal(words, REPOST), False)
    known = pc.is_valid(words)
    named = pc.is_valid(table.column("original_publisher"))
    _report(
        reader,
        table,
        pc.and_(repost, pc.invert(named)),
        "original_publisher",
        "who published the text first, since kind is 'repost or mirror'",
        value_column="kind",
    )
    _report(
        reader,
        table,
        pc.and_(pc.and_(known, pc.invert(repost)), named),
        "original_publisher",
        "no original publisher, since kind is not 'repost or mirror' (or set kind to 'repost or mirror')",
    )


RECORDS_TOTAL = "records_total"  # the claims computation that counts records instead of reading figures


def _check_claims(reader: _Reader, table: pa.Table) -> None:
    """A records_total claim names one row of the records table as its input; every other computation names
    figure_ids (each form passes the inputs pattern on its own, so the pairing is checked here)."""
    computation, inputs = table.column("computation"), table.column("inputs")
    is_records = pc.fill_null(pc.equal(computation, RECORDS_TOTAL), False)
    names_records = pc.fill_null(pc.starts_with(inputs, "ice_record_files:"), False)
    _report(
        reader,
        table,
        pc.and_(is_records, pc.invert(names_records)),
        "inputs",
        "one reference ice_record_files:EVENT:FYyyyy (EVENT arrests or removals), since computation is records_total",
    )
    _report(
        reader,
        table,
        pc.and_(pc.invert(is_records), names_records),
        "inputs",
        "figure_ids (a reference to ice_record_files goes with computation records_total)",
    )


def _check_figures(
    reader: _Reader, table: pa.Table, typed: dict, sources: pa.Table | None, metrics: pa.Table | None
) -> None:
    """Rules that involve more than one column or another table."""
    start, end = typed["period_start"], typed["period_end"]
    _report(
        reader,
        table,
        pc.greater(start, end),
        "period_end",
        "a date on or after period_start",
        value_column="period_end",
    )
    figure_rules.report_precision(reader, typed)  # a year- or month-precision period ends where its year or month does
    value, unit = typed["value"], typed["unit"]  # unit: codes into the unit vocabulary
    vocabulary = unit.dictionary.to_pylist()
    is_percent = pc.equal(unit.indices, vocabulary.index(PERCENT_UNIT))
    bounded = [vocabulary.index(u) for u in sorted(UNBOUNDED_UNITS | {PERCENT_UNIT})]
    counts = pc.invert(pc.is_in(unit.indices, value_set=pa.array(bounded, unit.indices.type)))
    _report(
        reader,
        table,
        pc.and_(counts, pc.less_equal(value, 0)),
        "value",
        "a count above 0 (ratios divide by counts; use unit percent_change for a signed change)",
    )
    _report(
        reader,
        table,
        pc.and_(is_percent, pc.or_(pc.less(value, 0), pc.greater(value, 100))),
        "value",
        "a percentage within 0-100 for unit percent (use percent_change for changes)",
    )
    _check_printed(reader, table, value)
    _check_source_ids(reader, table, sources)
    if metrics is not None:
        _check_metric_units(reader, table, metrics, typed["unit"])


PRINTED_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)(?:\s*(million|billion|thousand))?(?:\s+in\s+(\d+))?")
SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def printed_numbers(as_printed: str) -> list[float]:
    """The numbers a source's wording states: "140,396", "1.2 million", "1 in 4" (as 25, a share)."""
    found = []
    for match in PRINTED_NUMBER.finditer(as_printed):
        number = float(match.group(1).replace(",", ""))
        if match.group(2):
            number *= SCALE_WORDS[match.group(2)]
        if match.group(3) and float(match.group(3)) > 0:
            found.append(100 * number / float(match.group(3)))
        found.append(number)
    return found


def _check_printed(reader: _Reader, table: pa.Table, value: pa.ChunkedArray) -> None:
    """`value` must be a number `as_printed` states (or its negative, for a fall printed as a size) whenever
    the printed words hold a number at all, so an edit of one without the other is caught. Each problem
    gives both: the value found and the words it must agree with."""
    printed = table.column("as_printed").to_pylist()
    numbers = value.to_pylist()
    bad = []
    for row, (text, number) in enumerate(zip(printed, numbers)):
        if text is None or number is None:
            continue
        stated = printed_numbers(text)
        if stated and not any(math.isclose(abs(number), x, rel_tol=1e-9, abs_tol=1e-9) for x in stated):
            bad.append(row)
    if not bad:
        return
    reader.omitted += max(0, len(bad) - MAX_KEPT)
    rows = bad[:MAX_KEPT]
    found = table.column("value").take(pa.array(rows)).to_pylist()  # the value as the file gives it
    for line, got, row in zip(reader.line_of(rows), found, rows):
        words = printed[row]
        reader.problem(
            line,
            "value",
            "" if got is None else str(got),
            f"the number as_printed states: as_printed is {words!r}, which gives "
            f"{' or '.join(_plain(x) for x in printed_numbers(words))} (edit both together: as_printed holds "
            "the source's words, value the same number as digits)",
        )


def _plain(number: float) -> str:
    """A number as a data file would hold it: 140396, 1200000, 51.6."""
    return f"{number:.10g}" if not float(number).is_integer() else str(int(number))


def _check_metric_units(reader: _Reader, table: pa.Table, metrics: pa.Table, unit: pa.DictionaryArray) -> None:
    """Each metric must be listed in metrics.csv, with the unit listed there (compared as integer codes)."""
    metric = table.column("metric")
    idx = pc.index_in(metric, value_set=metrics.column("metric").combine_chunks())  # row -> metrics.csv row
    _report(reader, table, pc.and_(pc.is_valid(metric), pc.is_null(idx)), "metric", "a metric listed in metrics.csv")
    expected = pc.index_in(metrics.column("unit").combine_chunks(), value_set=unit.dictionary)  # its unit's code
    wrong = pc.fill_null(pc.not_equal(pc.take(expected, idx), unit.indices), False)
    if not pc.any(wrong).as_py():
        return
    rows = pc.indices_nonzero(wrong)
    want = pc.take(metrics.column("unit").combine_chunks(), pc.take(idx, rows)).to_pylist()
    for line, got, w, m in zip(
        reader.line_of(rows.to_pylist()),
        table.column("unit").take(rows).to_pylist(),
        want,
        metric.take(rows).to_pylist(),
    ):
        reader.problem(line, "unit", got, f"unit '{w}', the unit metrics.csv gives for '{m}'")


# ---------------------------------------------------------------- to pandas


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


def _load(
    path: Path, resource: str, fast: bool = False, name: str | None = None
) -> tuple[_Reader, pa.Table | None, dict]:
    schema = table_schema(resource)
    reader = _Reader(path, schema, fast=fast, display_name=name)
    table = reader.read()
    typed: dict = {}
    if table is not None and table.num_rows == 0 and resource in NONEMPTY:
        reader.problem(2, None, "no rows", "at least one data row below the header")
    if table is not None:
        typed = _check_fields(reader, table, _keyed_fields(schema))
    return reader, table, typed


def _load_checked(path: Path, resource: str, name: str | None = None) -> tuple[_Reader, pa.Table | None, dict]:
    """Fast read; on any problem, the full text read that reports every problem with its line."""
    loaded = _load(path, resource, fast=True, name=name)
    if loaded[0].finish().fallback or loaded[0].problems:
        del loaded  # the fast read's table goes before the text read is made (memory on huge files)
        loaded = _load(path, resource, fast=False, name=name)
    return loaded


def _raise_if(readers: Sequence[_Reader]) -> None:
    problems = [p for r in readers for p in r.problems]
    if problems:
        raise FiguresValidationError(problems, sum(r.omitted for r in readers))


def load_sources(path: str | Path | None = None) -> pd.DataFrame:
    """Return the validated sources table (dates as datetimes, `kind` categorical)."""
    reader, table, typed = _load_checked(resolve(path, SOURCES_CSV), "sources")
    if table is not None:
        _check_sources(reader, table, typed)
    _raise_if([reader])
    return _to_frame(table, typed, reader.schema)


def load_metrics(path: str | Path | None = None) -> pd.DataFrame:
    """Return the validated metric vocabulary (metric, unit, definition)."""
    reader, table, typed = _load_checked(resolve(path, METRICS_CSV), "metrics")
    _raise_if([reader])
    return _to_frame(table, typed, reader.schema)


def load_table(resource: str, path: str | Path | None = None, data_dir: Path | None = None) -> pd.DataFrame:
    """Return any table of the data package, validated against its schema (default: its file in
    `data_dir`, which defaults to the bundled data/); tables it refers to are read from beside it."""
    folder = data_dir or DATA_DIR
    schema = table_schema(resource)
    file = resolve(path, folder / schema.path)
    reader, table, typed = _load_checked(file, resource)
    readers = [reader]
    if resource == "sources" and table is not None:
        _check_sources(reader, table, typed)
    if resource == "claims" and table is not None:
        _check_claims(reader, table)
    for field, ref_resource, ref_field in schema.foreign_keys:  # keys into other tables, read from beside `file`
        ref_schema = table_schema(ref_resource)
        ref_reader, ref_table, _ = _load_checked(beside(file, ref_schema.path, folder / ref_schema.path), ref_resource)
        readers.append(ref_reader)
        if table is not None and ref_table is not None:
            _check_key(reader, table, field, ref_table, ref_field, ref_schema.path)
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
    c_reader, c_table, c_typed = _load_checked(cl_path, "claims", c_name)
    if c_table is not None:
        _check_claims(c_reader, c_table)
    s_reader, s_table, s_typed = _load_checked(src_path, "sources", s_name)
    if s_table is not None:
        _check_sources(s_reader, s_table, s_typed)
    m_reader, m_table, m_typed = _load_checked(met_path, "metrics", m_name)
    e_reader, e_table, e_typed = _load_checked(ms_path, "milestones", e_name)
    # the cross-table rules run on the fast read; any problem -> the full text read, which locates them
    f_reader, f_table, f_typed = _load(fig_path, "figures", fast=True, name=f_name)
    if f_table is not None:
        _check_figures(f_reader, f_table, f_typed, s_table, m_table)
    if f_reader.finish().fallback or f_reader.problems:
        del f_table, f_typed  # freed before the text read (memory on huge files)
        f_reader, f_table, f_typed = _load(fig_path, "figures", fast=False, name=f_name)
        if f_table is not None:
            _check_figures(f_reader, f_table, f_typed, s_table, m_table)
        f_reader.finish()
    if e_table is not None:
        _check_source_ids(e_reader, e_table, s_table)
    _raise_if([f_reader, s_reader, m_reader, e_reader, c_reader])
    return Dataset(
        figures=_to_frame(f_table, f_typed, f_reader.schema),
        sources=_to_frame(s_table, s_typed, s_reader.schema),
        metrics=_to_frame(m_table, m_typed, m_reader.schema),
        milestones=_to_frame(e_table, e_typed, e_reader.schema),
        claims=_to_frame(c_table, c_typed, c_reader.schema),
        data_dir=data_dir or DATA_DIR,
    )


def beside(path: Path, name: str, default: Path) -> Path:
    """`name` in the folder of `path` when that file exists, else `default`."""
    candidate = path.with_name(name)
    return candidate if candidate.exists() else default


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
