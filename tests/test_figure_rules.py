"""The period rule of figure rows (scomm.figure_rules), on tiny hand-made rows, and through the validator."""

from __future__ import annotations

import pytest

from scomm import figure_rules as rules
from scomm.data import load_dataset
from scomm.problems import FiguresValidationError
from tiny_data import write_tiny_data


def problems(*rows: tuple[str, str, str]) -> list[tuple[int, str]]:
    """(row position, value) of each problem found in rows of (period_start, period_end, date_precision)."""
    start, end, precision = zip(*rows)
    return [(p.row, p.value) for p in rules.precision_problems(list(start), list(end), list(precision))]


def test_a_year_row_ends_on_31_december_or_is_an_as_of_year():
    assert problems(
        ("2008-01-01", "2012-12-31", "year"),  # calendar years 2008-2012
        ("2012-01-01", "2012-01-01", "year"),  # "as of 2012", stored as its first day
        ("2008-10-01", "2012-03-31", "year"),  # a day the source never printed
        ("2014-04-08", "2014-04-08", "year"),  # an "as of" date inside a year
    ) == [(2, "2012-03-31"), (3, "2014-04-08")]


def test_a_month_row_has_one_date_on_its_month_boundary():
    assert problems(
        ("2011-11-01", "2012-05-31", "month"),  # November 2011 to May 2012
        ("2011-11-01", "2012-05-29", "month"),  # "since November 2011", "as of May 29": the start is the month
        ("2011-08-01", "2011-08-01", "month"),  # "as of August 2011", stored as its first day
        ("2012-02-29", "2012-02-29", "month"),  # an "as of" month stored as its last day (leap February)
        ("2011-11-17", "2012-05-29", "month"),  # two days, neither known only to its month
    ) == [(4, "2012-05-29")]


def test_day_rows_and_unreadable_rows_are_left_to_other_checks():
    assert (
        problems(
            ("2011-11-17", "2012-05-29", "day"),
            ("2011-11-17", None, "year"),  # a missing date: the field check reports it
            ("2011-11-17", "2012-05-29", None),  # a missing precision: the same
        )
        == []
    )


def test_each_problem_says_what_was_expected():
    year, month = rules.precision_problems(
        ["2008-10-01", "2011-11-17"], ["2012-03-31", "2012-05-29"], ["year", "month"]
    )
    assert (year.row, year.column) == (0, "period_end") and year.expected.startswith("31 December")
    assert (month.row, month.column) == (1, "period_end") and month.expected.startswith("the last day of a month")


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        rules.precision_problems(["2012-01-01"], [], ["year"])


def test_the_validator_rejects_a_year_row_with_a_day_end_at_its_line(tmp_path):
    # FUN-036 as a year row ending 2012-03-31: line 2 of the hand-made file (its only row)
    figures = write_tiny_data(tmp_path, {"FUN-036": 692000}, date_precision={"FUN-036": "year"})
    with pytest.raises(FiguresValidationError) as caught:
        load_dataset(figures, data_dir=tmp_path)
    found = [p for p in caught.value.problems if p.column == "period_end"]
    assert [(p.file, p.line, p.value) for p in found] == [("figures.csv", 2, "2012-03-31")]
    assert "31 December" in found[0].expected


def test_the_validator_accepts_the_same_row_with_a_year_end(tmp_path):
    figures = write_tiny_data(
        tmp_path, {"FUN-036": 692000}, date_precision={"FUN-036": "year"}, period_end={"FUN-036": "2011-12-31"}
    )
    assert list(load_dataset(figures, data_dir=tmp_path).figures["figure_id"]) == ["FUN-036"]
