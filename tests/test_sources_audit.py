"""The bundled data passes the source audit: periods end before their sources appeared, every disagreement
is noted on both sides, per-month figures carry per-month units, and the seed's pair is dated as the data
behind it."""

from __future__ import annotations

import pandas as pd

from scomm import audit


def _frame(rows):
    cols = [
        "figure_id",
        "metric",
        "value",
        "unit",
        "qualifier",
        "geography",
        "period_start",
        "period_end",
        "source_id",
        "notes",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out


SOURCES = pd.DataFrame(
    {
        "source_id": ["S1", "S2", "S3", "S4"],
        "published": pd.to_datetime(["2011-10-01", "2014-01-01", "2012-06-11", None]),
        "published_precision": ["month", "year", "day", "undated"],
    }
)


def test_latest_publication_day_widens_month_and_year_dates():
    latest = audit.latest_publication_day(SOURCES["published"], SOURCES["published_precision"])
    assert list(latest[:3]) == [pd.Timestamp("2011-10-31"), pd.Timestamp("2014-12-31"), pd.Timestamp("2012-06-11")]
    assert pd.isna(latest[3])


def test_after_publication_finds_only_unnoted_late_periods():
    figs = _frame(
        [
            [
                "A-1",
                "m",
                1,
                "cases",
                "exact",
                "US",
                "2011-01-01",
                "2011-10-31",
                "S1",
                "",
            ],  # last day of the month: fine
            ["A-2", "m", 1, "cases", "exact", "US", "2011-01-01", "2011-11-01", "S1", ""],  # a day too late
            [
                "A-3",
                "m",
                1,
                "cases",
                "exact",
                "US",
                "2011-01-01",
                "2012-06-12",
                "S3",
                "period ends " + audit.AFTER_PUBLICATION_NOTE,
            ],
            [
                "A-4",
                "m",
                1,
                "cases",
                "exact",
                "US",
                "2011-01-01",
                "2030-01-01",
                "S4",
                "",
            ],  # undated source: cannot tell
            [
                "A-5",
                "m",
                1,
                "cases",
                "exact",
                "US",
                "2011-01-01",
                "2014-12-31",
                "S2",
                "",
            ],  # year-only: end of that year
        ]
    )
    late = audit.after_publication(figs, SOURCES)
    assert list(late["figure_id"]) == ["A-2"]
    assert late.loc[0, "latest"] == pd.Timestamp("2011-10-31")


def test_unnoted_conflicts_names_the_missing_ids():
    figs = _frame(
        [
            [
                "B-1",
                "removals_total",
                176000,
                "removals",
                "exact",
                "US",
                "2008-10-01",
                "2012-03-31",
                "S1",
                "disagrees with B-2",
            ],
            ["B-2", "removals_total", 183000, "removals", "about", "US", "2008-10-01", "2012-03-31", "S2", ""],
            [
                "B-3",
                "removals_total",
                183000,
                "removals",
                "about",
                "US",
                "2008-10-01",
                "2012-03-31",
                "S3",
                "same as B-2, not B-1",
            ],
            [
                "B-4",
                "removals_total",
                999,
                "removals",
                "exact",
                "Texas",
                "2008-10-01",
                "2012-03-31",
                "S3",
                "",
            ],  # other place
        ]
    )
    missing = audit.unnoted_conflicts(figs).set_index("figure_id")["missing"].to_dict()
    # B-1 must name both others; B-2 names nobody; B-3 names B-1 (equal values need no note)
    assert missing == {"B-1": "B-3", "B-2": "B-1"}


# ---------------------------------------------------------------- the bundled data


def test_no_period_ends_after_its_source_was_published(dataset):
    late = audit.after_publication(dataset.figures, dataset.sources)
    assert late.empty, late.to_string()


def test_every_disagreement_is_noted_on_both_sides(dataset):
    assert len(audit.conflicts(dataset.figures)) >= 14  # the pairs exist ...
    missing = audit.unnoted_conflicts(dataset.figures)
    assert missing.empty, missing.to_string()  # ... and each row names the others


def test_program_removals_to_march_2012_are_a_noted_conflict(dataset):
    rows = audit.conflicts(dataset.figures)
    pair = rows[(rows["metric"] == "removals_total") & (rows["period_end"] == pd.Timestamp("2012-03-31"))]
    assert list(pair["figure_id"]) == ["FUN-037", "FUN-040"]
    assert list(pair["value"]) == [176000.0, 183000.0]


def test_per_month_figures_have_per_month_units(dataset):
    figs = dataset.figures.set_index("figure_id")
    for fid in ["PEP-004", "PEP-005", "PEP-006"]:
        assert figs.loc[fid, "unit"] == "removals_per_month"
    per_month = figs[figs["metric"].astype(str).str.endswith("_per_month")]
    assert per_month["unit"].astype(str).str.endswith("_per_month").all()


def test_seed_pair_ends_with_the_ice_statistics_behind_it(dataset):
    figs = dataset.figures.set_index("figure_id")
    for fid in ["FUN-025", "FUN-026", "FUN-022", "FUN-024"]:
        assert figs.loc[fid, "period_end"] == pd.Timestamp("2011-03-31"), fid
    assert figs.loc["FUN-026", "value"] == figs.loc["FUN-024", "value"] == 72445.0


def test_end_and_return_are_dated_by_primary_documents(dataset):
    ms = dataset.milestones.set_index("milestone_id")
    src = dataset.sources.set_index("source_id")
    for mid, date, sid in [("M12", "2014-11-20", "S85"), ("M14", "2017-01-25", "S86"), ("M16", "2021-01-20", "S87")]:
        assert ms.loc[mid, "date"] == pd.Timestamp(date) and ms.loc[mid, "source_id"] == sid
        assert src.loc[sid, "kind"] == "government document" and src.loc[sid, "published"] == pd.Timestamp(date)
    # the AI-generated digest's figure stays low and says so
    figs = dataset.figures.set_index("figure_id")
    assert figs.loc["ROL-028", "confidence"] == "low" and "AI-generated" in figs.loc["ROL-028", "notes"]


# ---------------------------------------------------------------- glossary


GLOSSARY_TERMS = {
    "detainer",
    "removal",
    "return",
    "Level 1, 2 and 3",
    "prosecutorial discretion",
    "EOIR (Executive Office for Immigration Review)",
    "IDENT and IAFIS",
    "interoperability",
    "287(g)",
    "Criminal Alien Program (CAP)",
    "Priority Enforcement Program (PEP)",
    "jurisdiction",
    "area of responsibility",
    "fiscal year",
}


def test_glossary_covers_the_terms_and_cites_listed_sources(dataset):
    from scomm.data import load_table
    from scomm.paths import DATA_DIR
    from scomm.schema import table_schema

    glossary = load_table("glossary")
    assert GLOSSARY_TERMS <= set(glossary["term"])
    assert set(glossary["source_id"]) <= set(dataset.sources["source_id"])
    assert glossary["definition"].str.len().min() > 40
    header = (DATA_DIR / "glossary.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == table_schema("glossary").names


def test_glossary_with_an_unknown_source_names_file_line_and_value(tmp_path):
    import shutil

    import pytest

    from scomm.data import load_table
    from scomm.paths import DATA_DIR
    from scomm.problems import FiguresValidationError

    shutil.copy2(DATA_DIR / "sources.csv", tmp_path / "sources.csv")
    lines = (DATA_DIR / "glossary.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",S999"
    (tmp_path / "glossary.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FiguresValidationError) as info:
        load_table("glossary", tmp_path / "glossary.csv")
    assert [(p.file, p.line, p.column, p.value) for p in info.value.problems] == [
        ("glossary.csv", 3, "source_id", "S999")
    ]
    assert "a source_id listed in sources.csv" in info.value.problems[0].expected
