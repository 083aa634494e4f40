"""Reading one CSV file of the data package as an Arrow table, and locating its rows.

The clean path is vectorized with Apache Arrow: the CSV is read with Arrow's reader and handed on as
whole columns. Line numbers are worked out only when a check fails, by re-reading the file with Python's
csv module, so a problem names the line a text editor shows. Files that are not UTF-8, lines too long to
be a record, and rows of the wrong width are reported here, before any check of the values.
"""

from __future__ import annotations

import codecs
import csv
import stat
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from scomm.problems import MAX_LISTED, Problem
from scomm.schema import TableSchema

T = TypeVar("T")
R = TypeVar("R")

MAX_LINE_BYTES = 1 << 20  # a line (a record) longer than 1 MiB is refused, with its line number
csv.field_size_limit(2**31 - 1)  # the error path's csv reader must read what Arrow read, to give line numbers


class CsvReader:
    """Reads one CSV file as an Arrow table and locates rows lazily.

    fast=True declares number and date columns to Arrow's reader (parsed in parallel, strictly) and
    trims only free-text columns; any oddity (a bad value, a short row, stray spaces in a coded
    column) sets `fallback`, and the caller re-reads with fast=False, which reads everything as text,
    trims it and reports every problem with its line.

    `pool`, the threads of one load (see `scomm.data`), runs the fast path's column work in parallel
    (Arrow's kernels release the GIL); without one it runs in this thread.
    """

    def __init__(
        self,
        path: Path,
        schema: TableSchema,
        fast: bool = False,
        display_name: str | None = None,
        pool: Executor | None = None,
    ):
        self.path = path
        self.schema = schema
        self.fast = fast
        self.pool = pool
        self.fallback = False
        self.name = display_name or path.name
        self.problems: list[Problem] = []
        self.omitted = 0  # problems found but not kept (beyond MAX_KEPT for one check)
        self._lines: list[int] | None = None
        self._wrong_width: list[tuple[int, int, int]] = []
        self._bad_rows = 0
        self.pending: list[Future] = []  # checks still running in the pool's threads (fast path)
        self._scan_lock = threading.Lock()

    def finish(self) -> CsvReader:
        """Wait for checks still running in threads; returns self."""
        for job in self.pending:
            job.result()
        self.pending = []
        return self

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`fn` of each item, in the pool's threads when there is one."""
        return list(self.pool.map(fn, items) if self.pool is not None else map(fn, items))

    def later(self, fn: Callable[..., object], *args: object) -> None:
        """Run `fn(*args)` in the pool while the caller goes on (`finish` waits for it); at once without one."""
        if self.pool is None:
            fn(*args)
        else:
            self.pending.append(self.pool.submit(fn, *args))

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
        mode = self.path.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # a folder is reported when its header is read
            self.problem(
                None,
                None,
                str(self.path),
                "a regular CSV file (this is a named pipe, socket or device, which could keep a read waiting for ever)",
            )
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
        trimmed = dict(zip(free, self.map(lambda n: pc.ascii_trim_whitespace(table.column(n)), free)))
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
