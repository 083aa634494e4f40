"""Rules on a figure row's dates: a period known only to the year or month ends where that year or month ends.

`date_precision` says how precisely the source dates the figure. A row of precision `year` whose `period_end`
is some day inside a year (2012-03-31) claims a day the source never printed; a row of precision `month` whose
period starts and ends mid-month claims two days it never printed. `precision_problems` finds such rows (one
problem per row, on `period_end`), and `report_precision` hands them to the validator with their line numbers.

The rules, per precision:

- `year`: `period_end` is 31 December, or the row is an "as of" year stored as its first day (`period_start`
  equal to `period_end`, on 1 January).
- `month`: `period_end` is the last day of its month, or `period_start` is the first day of a month (the source
  prints the start month and the end day: "from November 2011 to May 29, 2012"; an "as of" month is stored as
  its first day, with `period_start` equal to `period_end`).
- `day`: any dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

YEAR_EXPECTED = (
    "31 December (date_precision is 'year': a period known to the year ends on its last day; an 'as of' year "
    "is stored as 1 January in both period_start and period_end); or set date_precision to the day or month "
    "the source prints"
)
MONTH_EXPECTED = (
    "the last day of a month, or a period_start on the first day of a month (date_precision is 'month': at least "
    "one of the dates is known only to its month); or set date_precision to 'day' if the source prints both days"
)


@dataclass(frozen=True)
class RowProblem:
    """One row that breaks a rule: its position in the table (0 = first data row), the column, the value found
    and what was expected instead."""

    row: int
    column: str
    value: str
    expected: str


class ProblemSink(Protocol):
    """Where problems go: the validator's reader (a line number per row position, and a problem list)."""

    def line_of(self, rows: Iterable[int]) -> list[int | None]: ...

    def problem(self, line: int | None, column: str | None, value: str | None, expected: str) -> None: ...


def _dates(values: Any) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(values), errors="coerce")).reset_index(drop=True)


def precision_problems(start: Sequence[Any], end: Sequence[Any], precision: Sequence[Any]) -> list[RowProblem]:
    """The rows whose `period_end` does not fit their `date_precision` (rules in the module docstring).

    `start`, `end` and `precision` are the table's period_start, period_end and date_precision columns, row by
    row (dates as anything pandas reads as a date). Rows with a missing or unreadable date or precision are
    skipped: the field checks report those. Returns one RowProblem per row, in row order.
    """
    first, last = _dates(start), _dates(end)
    kind = pd.Series(precision, dtype="object").reset_index(drop=True).astype("string")
    if not len(first) == len(last) == len(kind):
        raise ValueError(f"start, end and precision differ in length: {len(first)}, {len(last)}, {len(kind)}")
    known = first.notna() & last.notna() & kind.notna()
    as_of_year = (first == last) & (last.dt.month == 1) & (last.dt.day == 1)
    bad_year = known & (kind == "year") & ~((last.dt.month == 12) & (last.dt.day == 31)) & ~as_of_year
    bad_month = known & (kind == "month") & ~last.dt.is_month_end & (first.dt.day != 1)
    out = []
    for row in (bad_year | bad_month).to_numpy().nonzero()[0]:
        expected = YEAR_EXPECTED if bad_year.iat[row] else MONTH_EXPECTED
        out.append(RowProblem(int(row), "period_end", f"{last.iat[row]:%Y-%m-%d}", expected))
    return out


def report_precision(reader: ProblemSink, typed: Mapping[str, Any]) -> None:
    """Add every `precision_problems` row of a figures table to `reader`, at its line.

    `typed` holds the typed columns period_start, period_end and date_precision (Arrow arrays, as the
    validator reads them); a table without them (a read that failed earlier) adds nothing.
    """
    if not all(typed.get(name) is not None for name in ("period_start", "period_end", "date_precision")):
        return
    found = precision_problems(
        typed["period_start"].to_pandas(), typed["period_end"].to_pandas(), typed["date_precision"].to_pandas()
    )
    for line, p in zip(reader.line_of([p.row for p in found]), found):
        reader.problem(line, p.column, p.value, p.expected)
