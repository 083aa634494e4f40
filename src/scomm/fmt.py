"""The one helper that formats numbers for text: thousands separators, percentages to one decimal."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from scomm.ratios import Quantity

QUALIFIER_WORDS = {
    "exact": "",
    "about": "about ",
    "more_than": "more than ",
    "less_than": "less than ",
    "at_least": "at least ",
    "at_most": "at most ",
}

UNIT_WORDS = {
    "usd": "USD",
    "removals_per_month": "removals a month",
    "detainers_per_month": "detainers a month",
    "arrests_per_month": "arrests a month",
    "people_per_year": "people a year",
    "cases_per_year": "cases a year",
}


def format_number(value: float, unit: str = "", decimals: int | None = None) -> str:
    """`value` as text in `unit`: 140,396 / 51.6% / +65.0% / 1.96x; year values without separators."""
    if unit == "percent":
        return f"{value:.{1 if decimals is None else decimals}f}%"
    if unit == "percent_change":
        return f"{value:+.{1 if decimals is None else decimals}f}%"
    if unit == "points":
        return f"{value:+.{1 if decimals is None else decimals}f} percentage points"
    if unit == "times":
        return f"{value:.{2 if decimals is None else decimals}f}x"
    if unit == "year":
        return f"{value:.0f}"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    words = UNIT_WORDS.get(unit, unit)
    return f"{text} {words}".rstrip()


def format_quantity(q: "Quantity") -> str:
    """'label: about 51.6% [FUN-024, FUN-022]' for a Quantity."""
    text = QUALIFIER_WORDS.get(q.qualifier, q.qualifier + " ") + format_number(q.value, q.unit)
    ids = f" [{', '.join(q.figure_ids)}]" if q.figure_ids else ""
    return f"{q.label}: {text}{ids}" if q.label else f"{text}{ids}"
