"""Derived numbers: shares, stage conversions, growth, per-year averages, differences.

Every result is a `Quantity` that carries its value, its unit, a qualifier and the `figure_id`s it was
computed from. Qualifiers travel with the arithmetic: a bound stays a bound when the other operand is
exact or pushes the same way ("more than" over an exact denominator gives "at least"), and anything
approximate, or bounds that pull in opposite directions, gives "about".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from scomm.fmt import QUALIFIER_WORDS, format_number, with_qualifier

LOWER = {"more_than", "at_least"}  # the true value is at least this
UPPER = {"less_than", "at_most"}  # the true value is at most this


@dataclass(frozen=True)
class Quantity:
    """A number with its unit, qualifier and the figure_ids it rests on."""

    value: float
    unit: str = ""
    qualifier: str = "exact"
    figure_ids: tuple[str, ...] = ()
    label: str = ""
    source_ids: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        """'label: about 51.6% [FUN-024, FUN-022]'."""
        ids = f" [{', '.join(self.figure_ids)}]" if self.figure_ids else ""
        text = self.text() + ids
        return f"{self.label}: {text}" if self.label else text

    def text(self, decimals: int | None = None) -> str:
        """The value in words with its qualifier and unit, no ids: 'about 51.6%'."""
        return with_qualifier(self.value, self.unit, self.qualifier, decimals)

    def named(self, label: str) -> Quantity:
        """The same quantity with a new label."""
        return replace(self, label=label)


def _direction(qualifier: str) -> int | None:
    """+1 lower bound, -1 upper bound, 0 exact, None approximate."""
    if qualifier == "exact":
        return 0
    if qualifier in LOWER:
        return 1
    if qualifier in UPPER:
        return -1
    return None


def combine_qualifiers(directions: Iterable[int | None]) -> str:
    """Qualifier of a result whose value moves with each input in the given directions.

    Pass an input's direction as is when the result grows with it, negated when it shrinks with it.
    """
    dirs = list(directions)
    if any(d is None for d in dirs):
        return "about"
    signs = {d for d in dirs if d != 0}
    if not signs:
        return "exact"
    if signs == {1}:
        return "at_least"
    if signs == {-1}:
        return "at_most"
    return "about"


def _neg(d: int | None) -> int | None:
    return None if d is None else -d


def _ids(*qs: Quantity) -> tuple[str, ...]:
    out: list[str] = []
    for q in qs:
        out.extend(i for i in q.figure_ids if i not in out)
    return tuple(out)


def _sources(*qs: Quantity) -> tuple[str, ...]:
    out: list[str] = []
    for q in qs:
        out.extend(i for i in q.source_ids if i not in out)
    return tuple(out)


def _derive(
    value: float,
    unit: str,
    label: str,
    inputs: Sequence[Quantity],
    up: Sequence[Quantity] = (),
    down: Sequence[Quantity] = (),
) -> Quantity:
    """A result of `inputs` (ids kept in that order); it grows with the `up` inputs and shrinks with `down`."""
    return Quantity(
        value=value,
        unit=unit,
        qualifier=combine_qualifiers(
            [_direction(q.qualifier) for q in up] + [_neg(_direction(q.qualifier)) for q in down]
        ),
        figure_ids=_ids(*inputs),
        label=label,
        source_ids=_sources(*inputs),
    )


def getter(figures: pd.DataFrame) -> Callable[[str], Quantity]:
    """A function figure_id -> Quantity over `figures` (the table is indexed once)."""
    indexed = figures.set_index("figure_id")

    def get_one(figure_id: str) -> Quantity:
        if figure_id not in indexed.index:
            raise KeyError(figure_id)
        row = indexed.loc[figure_id]
        if isinstance(row, pd.DataFrame):
            raise KeyError(f"figure_id {figure_id!r} is not unique in the figures table")
        return Quantity(
            value=float(row["value"]),
            unit=str(row["unit"]),
            qualifier=str(row["qualifier"]),
            figure_ids=(figure_id,),
            label=str(row["metric"]),
            source_ids=(str(row["source_id"]),),
        )

    return get_one


def get(figures: pd.DataFrame, figure_id: str) -> Quantity:
    """The figure `figure_id` as a Quantity (value as published, its unit and qualifier)."""
    return getter(figures)(figure_id)


def share(part: Quantity, whole: Quantity, label: str = "") -> Quantity:
    """`part` as a percentage of `whole` (unit percent)."""
    if whole.value == 0:
        raise ZeroDivisionError(f"share of zero: {whole.figure_ids}")
    return _derive(part.value / whole.value * 100, "percent", label, [part, whole], up=[part], down=[whole])


def conversion(earlier_stage: Quantity, later_stage: Quantity, label: str = "") -> Quantity:
    """Share of an earlier funnel stage that reached the later stage (percent)."""
    return share(later_stage, earlier_stage, label=label)


def ratio(numerator: Quantity, denominator: Quantity, label: str = "") -> Quantity:
    """`numerator / denominator` as a multiple (unit times)."""
    return replace(share(numerator, denominator, label=label), value=numerator.value / denominator.value, unit="times")


def growth(old: Quantity, new: Quantity, label: str = "") -> Quantity:
    """Percentage change from `old` to `new` (unit percent_change)."""
    if old.value == 0:
        raise ZeroDivisionError(f"growth from zero: {old.figure_ids}")
    return _derive((new.value / old.value - 1) * 100, "percent_change", label, [old, new], up=[new], down=[old])


def difference(a: Quantity, b: Quantity, label: str = "") -> Quantity:
    """`a - b` in the unit of `a`; two percentages give percentage points."""
    unit = "points" if a.unit == b.unit == "percent" else a.unit
    return _derive(a.value - b.value, unit, label, [a, b], up=[a], down=[b])


def total(parts: Iterable[Quantity], label: str = "") -> Quantity:
    """Sum of `parts` in the unit of the first."""
    parts = list(parts)
    return _derive(math.fsum(p.value for p in parts), parts[0].unit, label, parts, up=parts)


def complement(percent: Quantity, label: str = "") -> Quantity:
    """100 minus a percentage (the share outside it)."""
    return _derive(100 - percent.value, "percent", label, [percent], down=[percent])


def per_period(amount: Quantity, periods: float, unit: str, label: str = "") -> Quantity:
    """`amount` spread evenly over `periods` (for example months or years), in `unit`."""
    return replace(amount, value=amount.value / periods, unit=unit, label=label)


def years_between(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Length of the closed period start..end in years of 365.25 days."""
    return ((end - start).days + 1) / 365.25


def applied_share(percent: Quantity, whole: Quantity, label: str = "") -> Quantity:
    """A published percentage applied to a count: the count it implies (unit of `whole`)."""
    return _derive(percent.value / 100 * whole.value, whole.unit, label, [percent, whole], up=[percent, whole])


def implied_base(count: Quantity, percent: Quantity, label: str = "") -> Quantity:
    """The whole that `count` would be `percent` percent of (count / percent x 100)."""
    return _derive(count.value / percent.value * 100, count.unit, label, [count, percent], up=[count], down=[percent])


def implied_start(end: Quantity, change: Quantity, label: str = "") -> Quantity:
    """The starting value that a published percentage change would imply: end / (1 + change / 100)."""
    return _derive(end.value / (1 + change.value / 100), end.unit, label, [end, change], up=[end], down=[change])


# ---------------------------------------------------------------- published checks


def printed_decimals(value_text: str) -> int:
    """Decimals of a number as printed ("58.8" -> 1, "59" -> 0)."""
    text = str(value_text).replace(",", "")
    return len(text.split(".")[1]) if "." in text else 0


@dataclass(frozen=True)
class Check:
    """The outcome of comparing a computed number with the number a source published."""

    computed: Quantity
    published: Quantity
    tolerance: float
    reproduces: bool
    rule: str
    decimals: int = 0

    def __str__(self) -> str:
        verdict = "reproduces" if self.reproduces else "DOES NOT reproduce"
        c, p = self.computed, self.published
        computed = QUALIFIER_WORDS[c.qualifier] + format_number(c.value, c.unit, self.decimals + 1)
        published = QUALIFIER_WORDS[p.qualifier] + format_number(p.value, p.unit, self.decimals)
        name = f"{c.label}: " if c.label else ""
        return (
            f"{name}computed {computed} [{', '.join(c.figure_ids)}] vs published {published} "
            f"[{', '.join(p.figure_ids)}]: {verdict} ({self.rule})"
        )


def check_published(computed: Quantity, published: Quantity, decimals: int | None = None) -> Check:
    """Does `computed` reproduce the `published` number within the source's rounding?

    exact: |computed - published| <= half a unit of the last printed digit; about (about, nearly,
    approximately): within one unit of the last printed digit; more_than/at_least: computed >= published
    less that half unit; less_than/at_most: computed <= published plus that half unit.
    """
    if decimals is None:
        decimals = printed_decimals(f"{published.value:g}")
    half = 0.5 * 10 ** (-decimals)
    diff = computed.value - published.value
    q = published.qualifier
    if q == "exact":
        ok, rule, tol = abs(diff) <= half + 1e-9, f"within +/-{half:g}", half
    elif q in LOWER:
        ok, rule, tol = diff >= -half - 1e-9, f"at least {published.value - half:g}", half
    elif q in UPPER:
        ok, rule, tol = diff <= half + 1e-9, f"at most {published.value + half:g}", half
    else:
        tol = 2 * half
        ok, rule = abs(diff) <= tol + 1e-9, f"'about': within +/-{tol:g}"
    return Check(
        computed=computed, published=published, tolerance=tol, reproduces=bool(ok), rule=rule, decimals=decimals
    )
