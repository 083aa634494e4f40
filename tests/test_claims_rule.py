"""The fair claim-check rule on tiny hand-made claims: a published value diverges only when no reading of its
inputs consistent with their printed precision and words reproduces it."""

from __future__ import annotations

import pandas as pd
import pytest

from scomm import claims


def _figures(rows):
    """A figures table with the columns `claims.evaluate` reads."""
    return pd.DataFrame(
        [
            {
                "figure_id": fid,
                "metric": "m",
                "value": value,
                "unit": unit,
                "qualifier": qualifier,
                "as_printed": printed,
                "source_id": "S1",
                "locator": "p. 1",
            }
            for fid, value, unit, qualifier, printed in rows
        ]
    )


def _claim(published_id, computation, inputs, decimals=1, periods=None):
    return pd.DataFrame(
        [
            {
                "claim_id": "C1",
                "statement": "s",
                "published_id": published_id,
                "computation": computation,
                "inputs": inputs,
                "periods": periods,
                "decimals": decimals,
                "notes": "",
            }
        ]
    )


@pytest.mark.parametrize(
    "printed,value,unit",
    [
        ("nearly 290,000", 290000, 10000),
        ("around 10,500", 10500, 100),
        ("7.2%", 7.2, 0.1),
        ("20,648", 20648, 1),
        ("300,000", 300000, 100000),
        ("more than 1,210", 1210, 10),
    ],
)
def test_printed_unit_is_the_last_significant_digit(printed, value, unit):
    assert claims.printed_unit(printed, value) == pytest.approx(unit)


def test_reading_of_each_qualifier_word():
    # worked by hand: one unit of the last significant digit is 10,000 for 290,000
    assert claims.reading_interval(290000, "cases", "about", "nearly 290,000") == (280000, 290000)
    assert claims.reading_interval(290000, "cases", "about", "about 290,000") == (280000, 300000)
    assert claims.reading_interval(1210, "jurisdictions", "more_than", "more than 1,210") == (1210, float("inf"))
    assert claims.reading_interval(20648, "cases", "exact", "20,648") == (20648, 20648)  # a count printed exactly
    low, high = claims.reading_interval(7.2, "percent", "exact", "7.2%", decimals=1, exact_counts=False)
    assert (round(low, 2), round(high, 2)) == (7.15, 7.25)


def test_share_of_a_nearly_round_denominator_reproduces():
    # 20,648 / 290,000 = 7.12% rounds to 7.1, but "nearly 290,000" allows 286,800 (7.20%): reproduces
    figs = _figures(
        [
            ("A", 20648, "cases", "exact", "20,648"),
            ("B", 290000, "cases", "about", "nearly 290,000"),
            ("P", 7.2, "percent", "exact", "7.2%"),
        ]
    )
    row = claims.evaluate(_claim("P", "share", "A B"), figs).iloc[0]
    assert row["verdict"] == "reproduces" and row["gap"] == 0
    assert round(row["computed_low"], 3) == round(20648 / 290000 * 100, 3)
    assert round(row["computed_high"], 3) == round(20648 / 280000 * 100, 3)


def test_the_same_share_of_an_exact_denominator_diverges():
    # 20,648 / 290,000 = 7.120%, outside 7.15 to 7.25: diverges by 0.03 points
    figs = _figures(
        [
            ("A", 20648, "cases", "exact", "20,648"),
            ("B", 290000, "cases", "exact", "290,000"),
            ("P", 7.2, "percent", "exact", "7.2%"),
        ]
    )
    row = claims.evaluate(_claim("P", "share", "A B"), figs).iloc[0]
    assert row["verdict"] == "diverges"
    assert round(row["gap"], 3) == round(20648 / 290000 * 100 - 7.15, 3)


def test_a_published_about_value_allows_one_unit_either_way():
    # 45 / 100 = 45.0%; "about 46%" printed to whole points allows 45 to 47: reproduces; "about 47%" does not
    base = [("A", 45, "cases", "exact", "45"), ("B", 100, "cases", "exact", "100")]
    ok = claims.evaluate(
        _claim("P", "share", "A B", decimals=0), _figures(base + [("P", 46, "percent", "about", "about 46%")])
    ).iloc[0]
    far = claims.evaluate(
        _claim("P", "share", "A B", decimals=0), _figures(base + [("P", 47.5, "percent", "about", "about 47.5%")])
    ).iloc[0]
    assert ok["verdict"] == "reproduces"
    assert far["verdict"] == "diverges"


def test_more_than_on_an_input_leaves_the_sum_open_above():
    # more than 100 + 50 = above 150; a published exact 140 allows 139.5 to 140.5: 9.5 short
    figs = _figures(
        [
            ("A", 100, "cases", "more_than", "more than 100"),
            ("B", 50, "cases", "exact", "50"),
            ("P", 170, "cases", "exact", "170"),
            ("Q", 140, "cases", "exact", "140"),
        ]
    )
    assert claims.evaluate(_claim("P", "sum", "A B", decimals=0), figs).iloc[0]["verdict"] == "reproduces"
    below = claims.evaluate(_claim("Q", "sum", "A B", decimals=0), figs).iloc[0]
    assert below["verdict"] == "diverges" and below["gap"] == pytest.approx(150 - 140.5)


def test_each_published_percentage_is_checked_once(dataset):
    # a total may be checked by several sums (its parts two ways); a printed share against one denominator only
    shares = dataset.claims[dataset.claims["computation"].isin(["share", "complement_of_share"])]
    counts = shares["published_id"].value_counts()
    assert list(counts[counts > 1].index) == []


def test_a_share_of_two_bounds_cannot_be_checked():
    # more than 13,000 of more than 165,000: any share from 0 up fits, so "about 8%" is neither met nor missed
    figs = _figures(
        [
            ("A", 13000, "cases", "more_than", "more than 13,000"),
            ("B", 165000, "cases", "more_than", "more than 165,000"),
            ("P", 8, "percent", "about", "approximately 8 percent"),
        ]
    )
    row = claims.evaluate(_claim("P", "share", "A B", decimals=0), figs).iloc[0]
    assert row["verdict"] == "cannot compute" and "bounds" in row["detail"]
