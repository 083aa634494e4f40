"""The kinds of source a figure can rest on, strongest first, and what follows for a chart: which rows it marks
as resting on a weak source, and which it never draws (decided from the sources table's `kind`, never from words
in notes). Data only: pandas, no drawing library."""

from __future__ import annotations

import pandas as pd

from scomm.fmt import date_words
from scomm.source_names import source_name

# The sources table's `kind` vocabulary (data/datapackage.json), strongest first. Figures from the first five
# are drawn plainly; the next four are drawn with a distinct mark and named in the footer; the last never.
STRONG_KINDS = (
    "government document",
    "court record",
    "official statistics release",
    "research report",
    "major news organisation",
)
MARKED_KINDS = ("local news", "advocacy or think tank", "blog or law-firm page", "repost or mirror")
NEVER_PLOTTED_KINDS = ("AI-written digest",)
SOURCE_KINDS = STRONG_KINDS + MARKED_KINDS + NEVER_PLOTTED_KINDS
TERTIARY_ORIGINALS = ("Wikipedia",)  # a mirror of these copies no document of record: never plotted on its own


def is_weak_kind(kind: str) -> bool:
    """True for a kind of source that a chart must mark (not primary, not a major news organisation)."""
    return str(kind) not in STRONG_KINDS


def row_source_ids(cell) -> list[str]:
    """The source ids in a `source_id` cell (space-separated; empty and NaN cells give none)."""
    return [s for s in str(cell).split() if s and s != "nan"]


def _kinds_of(table: pd.DataFrame, sources: pd.DataFrame) -> list[list[str]]:
    kind = sources.set_index("source_id")["kind"].astype(str)
    return [[kind.get(s, "") for s in row_source_ids(cell)] for cell in table["source_id"]]


def weak_rows(table: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Per row of `table`: True when the row rests on a kind of source the chart must mark."""
    return pd.Series(
        [any(is_weak_kind(k) for k in ks) for ks in _kinds_of(table, sources)], index=table.index, dtype=bool
    )


def unplottable_rows(table: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Per row: True when the row rests only on an AI-written digest or on a mirror of an encyclopedia."""
    meta = sources.set_index("source_id")

    def never(sid: str) -> bool:
        row = meta.loc[sid]
        return str(row["kind"]) in NEVER_PLOTTED_KINDS or (
            str(row["kind"]) == "repost or mirror" and str(row.get("original_publisher")) in TERTIARY_ORIGINALS
        )

    return pd.Series(
        [bool(ids) and all(never(s) for s in ids) for ids in map(row_source_ids, table["source_id"])],
        index=table.index,
        dtype=bool,
    )


def plottable(table: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """`table` without the rows no chart may draw (see `unplottable_rows`)."""
    return table[~unplottable_rows(table, sources)]


def split_plottable(table: pd.DataFrame, sources: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows a chart may draw, rows it leaves out): left out are the rows that rest only on a kind of source no
    chart draws (see `unplottable_rows`), decided from the sources table's `kind`, never from words in notes."""
    never = unplottable_rows(table, sources)
    return table[~never], table[never]


def never_plotted_reason(source_cell: str, sources: pd.DataFrame) -> str:
    """Why a left-out row is not drawn, from its sources' kinds: 'its only source is an AI-written digest', 'its
    only source is a mirror of Wikipedia'."""
    meta = sources.set_index("source_id")
    kinds = []
    for sid in row_source_ids(source_cell):
        row = meta.loc[sid]
        kind = str(row["kind"])
        original = str(row.get("original_publisher"))
        if kind == "repost or mirror" and original in TERTIARY_ORIGINALS:
            kinds.append(f"a mirror of {original}")
        else:
            kinds.append(("an " if kind[:1].lower() in "aeiou" else "a ") + kind)
    return ("its only source is " if len(kinds) == 1 else "its sources are ") + " and ".join(dict.fromkeys(kinds))


def left_out_note(left_out: pd.DataFrame, sources: pd.DataFrame) -> str:
    """'Left out: factually.co (2026), "more than 1,210" for March 2011: its only source is an AI-written
    digest.' Generated from the rows `split_plottable` set aside ('' when none)."""
    items = [
        f'{source_name(sources, row["source_id"].split()[0])}, "{row["as_printed"]}" for '
        f"{date_words(row['period_end'], row['date_precision'])}: {never_plotted_reason(row['source_id'], sources)}"
        for _, row in left_out.iterrows()
    ]
    return ("Left out: " + "; ".join(items) + ".") if items else ""
