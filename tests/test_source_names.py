"""The one function that names a source, on a hand-made sources table (expected texts written by hand)."""

from __future__ import annotations

import html

import pandas as pd

from scomm.source_names import FIRST_NAMED, NO_DETAIL, RUNNING_TEXT, source_label, source_labels, source_name

SOURCES = pd.DataFrame(
    {
        "source_id": ["S1", "S2", "S3"],
        "author_or_publisher": [
            "TRAC, Syracuse University (Transactional Records)",
            "ICE; DHS Office of Inspector General",
            "A & B <News>",
        ],
        "published": [pd.Timestamp("2010-03-01"), pd.Timestamp("2013-01-01"), pd.NaT],
        "published_precision": ["month", "year", "undated"],
    }
)


def test_publisher_and_year_as_far_as_the_source_dates_itself():
    assert source_name(SOURCES, "S1") == "TRAC, Syracuse University (Transactional Records) (2010)"
    assert source_name(SOURCES, "S3") == "A & B <News> (undated)"


def test_how_much_of_the_publisher_is_kept():
    assert source_name(SOURCES, "S1", cut=NO_DETAIL) == "TRAC, Syracuse University (2010)"
    assert source_name(SOURCES, "S1", cut=RUNNING_TEXT) == "TRAC (2010)"
    assert source_name(SOURCES, "S2", cut=FIRST_NAMED, dated=False) == "ICE"
    assert source_name(SOURCES, "S1", cut=NO_DETAIL, width=12) == "TRAC,... (2010)"


def test_markup_wraps_the_publisher_only_and_an_indexed_table_gives_the_same():
    indexed = SOURCES.set_index("source_id")
    assert (
        source_name(indexed, "S3", markup=lambda n: f"<b>{html.escape(n)}</b>")
        == "<b>A &amp; B &lt;News&gt;</b> (undated)"
    )
    assert source_name(indexed, "S2") == source_name(SOURCES, "S2") == "ICE; DHS Office of Inspector General (2013)"


def test_labels_add_the_id_and_join_several():
    labels = source_labels(SOURCES)
    assert labels["S2"] == "S2 ICE; DHS Office of Inspector General (2013)"
    assert source_label(SOURCES, "S3 S9", labels) == "S3 A & B <News> (undated); S9"  # an unknown id stays as is
