"""A problem with an input file, located as a text editor shows it (file, line, column, value, what was
expected), and the error that lists every problem found. Every loader and deriver of the project reports
through these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_LISTED = 200  # problems shown in the exception text
MAX_KEPT = 1000  # problems kept per check (column and rule); the rest are counted, not located


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
