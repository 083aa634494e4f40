"""What an analysis returns: its derived numbers (each with the figures it rests on), its tables, the
values each finding renders and the charts it publishes, so that notebooks, the build and the tests all
read the same result. A notebook shows it; the build collects the numbers for `figures/ratios.csv` from
it in-process; a test checks it on a tiny hand-made dataset.

    out = Analysis("03_identification_funnel")
    q = out.add(r.share(data.get("FUN-026"), data.get("FUN-025"), "deportations per arrest"))
    out.finding("seed", "Finding: deportations were {q} of arrests.", q=q)
    out.chart("03_funnel", figure_charts.funnel_chart, funnel, data.sources)

A result is plain data that pickles: a chart is its drawing function (by module and name, see
`lazy_import.lazy_functions`) and the values it is drawn from, so a build hands the results it computed to
the kernels that show them.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ParamSpec

import pandas as pd

from scomm import ratios as r
from scomm.fmt import format_number, markdown_text, significant, with_qualifier

SHOWN_UNITS = {"percent", "percent_change", "points", "times", "usd", "year"}
RATIO_COLUMNS = ["key", "value", "unit", "qualifier", "figure_ids", "text"]


class FindingFormatter(string.Formatter):
    """Formats Quantities and numbers for findings: `{q}` as printed, `{q:0}` with 0 decimals, `{q:s2}` to
    two significant digits (for approximate derived counts, where more digits would be false precision).
    Counts are written without their unit (the sentence names what is counted); percentages, changes,
    points and multiples keep theirs. Text from the data is escaped, never read as Markdown."""

    def format_field(self, value: Any, spec: str) -> str:
        decimals = int(spec) if spec.isdigit() else None
        if isinstance(value, r.Quantity):
            unit = value.unit if value.unit in SHOWN_UNITS else ""
            number = value.value
            if spec.startswith("s") and spec[1:].isdigit():
                number, decimals = significant(number, int(spec[1:])), 0
            return with_qualifier(number, unit, value.qualifier, decimals)
        if isinstance(value, str):
            return markdown_text(super().format_field(value, spec))
        if isinstance(value, bool):
            return super().format_field(value, spec)
        if isinstance(value, (int, float)):
            return format_number(float(value), decimals=decimals)
        if isinstance(value, pd.Timestamp):
            return value.strftime(spec or "%Y-%m-%d")
        return super().format_field(value, spec)


def ratio_row(key: str, q: r.Quantity) -> dict[str, Any]:
    """The `figures/ratios.csv` row of derived number `q` under `key` (without notebook and order)."""
    return {
        "key": key,
        "value": q.value,
        "unit": q.unit,
        "qualifier": q.qualifier,
        "figure_ids": " ".join(q.figure_ids),
        "text": str(q),
    }


@dataclass(frozen=True)
class Finding:
    """A sentence of findings: its template and the values it renders (Quantities keep their figure ids).
    `is_finding` is False for a sentence shown beside the findings but not one of them (see `Analysis.note`)."""

    template: str
    values: dict[str, Any]
    is_finding: bool = True

    def text(self) -> str:
        """The Markdown sentence, numbers rendered from the values."""
        return FindingFormatter().format(self.template, **self.values)


P = ParamSpec("P")


@dataclass(frozen=True)
class ChartSpec:
    """A chart an analysis publishes: its file name, the function that draws it (returning the figure and its
    table) and the values it is called with."""

    name: str
    function: Callable[..., tuple[Any, pd.DataFrame]]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def draw(self) -> tuple[Any, pd.DataFrame]:
        """Draw the chart: (figure, the table of what it plots)."""
        return self.function(*self.args, **self.kwargs)


@dataclass
class Analysis:
    """The result of one notebook's analysis (see the module docstring)."""

    notebook: str
    quantities: dict[str, r.Quantity] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    charts: dict[str, ChartSpec] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)  # group name -> keys of its numbers
    notes: dict[str, Finding] = field(default_factory=dict)  # sentences shown that are not findings

    def add(self, q: r.Quantity, key: str | None = None, group: str = "") -> r.Quantity:
        """Keep a derived number under `key` (default: its label; repeated keys get ' (2)', ' (3)'), in
        `group` (the notebook shows a group's numbers together)."""
        key = key or q.label
        if key in self.quantities:
            taken = sum(1 for k in self.quantities if k == key or k.startswith(key + " ("))
            key = f"{key} ({taken + 1})"
        self.quantities[key] = q
        self.groups.setdefault(group, []).append(key)
        return q

    def finding(self, name: str, template: str, **values: Any) -> Finding:
        """Keep a finding under `name`: `template` rendered with `values` ({q}, {q:0}, {q:s2})."""
        self.findings[name] = Finding(template, values)
        return self.findings[name]

    def note(self, name: str, template: str, **values: Any) -> Finding:
        """Keep a sentence that is not a finding (a rule, an introduction) under `name`: rendered like a
        finding, shown in the notebook, but not one of its findings (the report's summary leaves it out)."""
        self.notes[name] = Finding(template, values, is_finding=False)
        return self.notes[name]

    def chart(
        self, name: str, draw: Callable[P, tuple[Any, pd.DataFrame]], *args: P.args, **kwargs: P.kwargs
    ) -> ChartSpec:
        """Keep a chart under its file name `name`, drawn by `draw(*args, **kwargs)` when it is published."""
        self.charts[name] = ChartSpec(name, draw, args, dict(kwargs))
        return self.charts[name]

    def keys(self, group: str | None = None) -> list[str]:
        """The keys of the derived numbers: all of them, or those of one group."""
        return list(self.quantities) if group is None else list(self.groups.get(group, []))

    def numbers(self, group: str | None = None) -> str:
        """The derived numbers (all, or one group's), one per line with the figures they rest on."""
        return "\n".join(str(self.quantities[k]) for k in self.keys(group))

    def ratio_rows(self) -> Iterator[dict[str, Any]]:
        """One `figures/ratios.csv` row (without notebook and order) per derived number, in order."""
        for key, q in self.quantities.items():
            yield ratio_row(key, q)
