"""Kinds of source: the loader checks them, and every chart the tests draw here marks what rests on a weak one.

The charts are drawn in the test from the bundled data with the calls the notebooks make (never read from
the last build's outputs): no plotted figure rests on an AI-written digest, and every plotted figure on a
blog or law-firm page or on a repost or mirror is marked and its kind named in the footer.
"""

from __future__ import annotations

import shutil

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from scomm import charts, data, source_kinds  # noqa: E402
from scomm.paths import DATA_DIR  # noqa: E402

MUST_MARK = {"blog or law-firm page", "repost or mirror"}


# ---------------------------------------------------------------- the mechanism, on hand-made rows


def _sources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_id": ["G1", "B1", "P1", "P2", "A1"],
            "author_or_publisher": [
                "U.S. Immigration and Customs Enforcement",
                "Some Law Firm (blog)",
                "A forum",
                "An encyclopedia mirror",
                "A digest site",
            ],
            "kind": [
                "government document",
                "blog or law-firm page",
                "repost or mirror",
                "repost or mirror",
                "AI-written digest",
            ],
            "original_publisher": ["", "", "ICE", "Wikipedia", ""],
            "published": pd.to_datetime(["2012-01-01"] * 5),
            "published_precision": ["year"] * 5,
        }
    )


def _rows(source_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "figure_id": [f"T-{i}" for i in range(len(source_ids))],
            "source_id": source_ids,
            "value": [10.0 * (i + 1) for i in range(len(source_ids))],
        }
    )


def test_weak_kinds_are_all_but_primary_documents_and_major_news():
    assert [k for k in source_kinds.SOURCE_KINDS if not source_kinds.is_weak_kind(k)] == [
        "government document",
        "court record",
        "official statistics release",
        "research report",
        "major news organisation",
    ]
    assert source_kinds.is_weak_kind("local news") and source_kinds.is_weak_kind("repost or mirror")


def test_a_row_is_weak_when_any_of_its_sources_is():
    rows = _rows(["G1", "B1", "G1 P1", "G1 G1"])
    assert list(source_kinds.weak_rows(rows, _sources())) == [False, True, True, False]


def test_digests_and_encyclopedia_mirrors_are_not_plottable_but_other_reposts_are():
    rows = _rows(["A1", "P2", "P1", "G1 P2", "G1"])
    # a row with a second, independent source stays (the rule drops figures *only* a mirror or digest prints)
    assert list(source_kinds.plottable(rows, _sources())["figure_id"]) == ["T-2", "T-3", "T-4"]


def test_mark_weak_marks_only_weak_values_and_the_footer_names_their_kind():
    rows = _rows(["G1", "B1", "P1"])
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.scatter(range(3), rows["value"])
    charts.mark_weak(ax, range(3), rows["value"], rows, _sources())
    marks = ax.collections[-1].get_offsets()  # the mark's ink, drawn over its white halo
    assert [tuple(p) for p in marks] == [(1.0, 20.0), (2.0, 30.0)] and len(ax.collections) == 3
    assert list(charts.weak_marked(fig)["figure_id"]) == ["T-1", "T-2"]
    note = charts.weak_note(fig, _sources())
    # a repost is named by the copy read (who reposted whose text), never as if it were the agency it copies
    assert (
        note
        == charts.WEAK_NOTE_LEAD
        + "blog or law-firm page: Some Law Firm; repost or mirror: ICE text reposted by A forum."
    )
    charts.add_source_note(fig, rows, _sources())
    footer = " ".join(" ".join(t.split()) for t in charts.describe(fig, rows)["texts"])
    assert "blog or law-firm page: Some Law Firm; repost or mirror: ICE text reposted by A forum." in footer


def test_a_repost_is_named_by_the_copy_read_from_the_sources_table():
    from scomm.source_names import copy_read

    sources = pd.DataFrame(
        {
            "source_id": ["R1", "R2", "R3", "R4", "G1"],
            "author_or_publisher": [
                "ICE (reposted on alipac.us forum)",
                "U.S. Immigration and Customs Enforcement (memorandum reproduced by a law firm)",
                "Security Magazine",
                "Radio On Fire (repost of Fox News)",
                "U.S. Immigration and Customs Enforcement (news release)",
            ],
            "kind": ["repost or mirror"] * 4 + ["government document"],
            "original_publisher": [
                "U.S. Immigration and Customs Enforcement (news release)",
                "U.S. Immigration and Customs Enforcement (memorandum)",
                "U.S. Immigration and Customs Enforcement (news release)",
                "Fox News",
                "",
            ],
        }
    )
    assert [copy_read(sources, s) for s in sources["source_id"]] == [
        "ICE text reposted on alipac.us forum",
        "U.S. Immigration and Customs Enforcement memorandum reproduced by a law firm",
        "U.S. Immigration and Customs Enforcement text reposted by Security Magazine",
        "Fox News text reposted by Radio On Fire",
        "U.S. Immigration and Customs Enforcement",  # the agency's own document: named as the agency
    ]


def test_every_asterisk_key_names_each_marked_repost_by_its_copy(published, dataset):
    from scomm.source_names import copy_read

    kind = dataset.sources.set_index("source_id")["kind"].astype(str)
    keyed = 0
    for name, chart in published.items():
        footer = " ".join(" ".join(t.split()) for t in chart["texts"])
        assert "not the agency" not in footer, name
        reposts = [s for s in charts._ids(chart["weak_marked"], "source_id") if kind.get(s) == "repost or mirror"]
        for sid in reposts:
            assert copy_read(dataset.sources, sid) in footer, (name, sid)
            keyed += 1
    assert keyed >= 5  # the charts of the bundled data mark several reposts


def test_a_chart_without_weak_rows_has_no_mark_and_no_mark_line():
    rows = _rows(["G1", "G1"])
    fig, ax = charts.new_figure("Title", "Subtitle")
    charts.mark_weak(ax, range(2), rows["value"], rows, _sources())
    charts.add_source_note(fig, rows, _sources())
    assert charts.weak_marked(fig).empty and not ax.collections
    assert not any("Asterisk beside" in t for t in charts.describe(fig, rows)["texts"])


# ---------------------------------------------------------------- the loader


def _write_sources(tmp_path, source_id: str, column: str, value: str) -> None:
    """A copy of data/ whose sources.csv has `value` in `column` of row `source_id`."""
    for name in ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, tmp_path / name)
    src = pd.read_csv(tmp_path / "sources.csv", dtype=str, keep_default_na=False)
    src.loc[src["source_id"] == source_id, column] = value
    src.to_csv(tmp_path / "sources.csv", index=False)


def test_loader_rejects_an_unknown_kind(tmp_path):
    _write_sources(tmp_path, "S38", "kind", "press")
    with pytest.raises(data.FiguresValidationError) as err:
        data.load_dataset(tmp_path / "figures.csv")
    assert "kind" in str(err.value) and "press" in str(err.value) and "AI-written digest" in str(err.value)


def test_loader_requires_the_original_publisher_of_a_repost(tmp_path):
    _write_sources(tmp_path, "S02", "original_publisher", "")
    with pytest.raises(data.FiguresValidationError) as err:
        data.load_dataset(tmp_path / "figures.csv")
    assert "original_publisher" in str(err.value) and "repost or mirror" in str(err.value)


def test_every_repost_in_the_data_names_its_original(dataset):
    src = dataset.sources
    reposts = src[src["kind"].astype(str) == "repost or mirror"]
    assert len(reposts) and reposts["original_publisher"].notna().all()
    assert src.loc[src["kind"].astype(str) != "repost or mirror", "original_publisher"].isna().all()


# ---------------------------------------------------------------- the charts, drawn here from the data


from scomm.analyses import ANALYSES  # noqa: E402  (the notebooks, without importing their modules)

NOTEBOOKS = list(ANALYSES)


def _charts_of(published: dict, notebook: str) -> dict[str, dict]:
    """The charts of `notebook` among those drawn this session (conftest.py's `published`)."""
    return {name: chart for name, chart in published.items() if chart["notebook"] == notebook}


def _ids_on(rows: pd.DataFrame, kinds: set[str], sources: pd.DataFrame) -> set[str]:
    """The figure (or dated event) ids of `rows` that rest on a source of one of `kinds`; a table of records
    rather than figures (no id column) names its sources instead."""
    kind = sources.set_index("source_id")["kind"].astype(str)
    id_col = next((c for c in ("figure_id", "milestone_id") if c in rows.columns), "source_id")
    if "source_id" not in rows.columns:
        return set()
    return {
        str(r[id_col])
        for _, r in rows.iterrows()
        if str(r[id_col]) not in ("", "nan") and any(kind.get(s) in kinds for s in str(r["source_id"]).split())
    }


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_no_chart_plots_a_digest_and_every_blog_or_repost_figure_is_marked(dataset, published, notebook):
    for name, chart in _charts_of(published, notebook).items():  # drawn once this session (conftest.py)
        _check_marks(dataset, name, chart)


def _check_marks(dataset, name: str, chart: dict) -> None:
    table = chart["table"]
    sources = dataset.sources
    assert not _ids_on(table, {"AI-written digest"}, sources), name
    must = _ids_on(table, MUST_MARK, sources) if "figure_id" in table.columns else set()
    marked = _ids_on(chart["weak_marked"], set(source_kinds.SOURCE_KINDS), sources)
    assert must <= marked, (name, sorted(must - marked))
    if _ids_on(
        table, MUST_MARK, sources
    ):  # the footer names the kind of every marked source (the note is wrapped: read it as one text)
        footer = " ".join(" ".join(t.split()) for t in chart["texts"])
        assert charts.WEAK_NOTE_LEAD.strip() in footer, name
        kind = sources.set_index("source_id")["kind"].astype(str)
        used = {kind[s] for c in table["source_id"] for s in str(c).split() if kind.get(s) in MUST_MARK}
        assert all(k in footer for k in used), (name, used)


def test_figures_by_kind_counts_each_kind_and_says_how_charts_show_it():
    from scomm import audit

    figures = pd.DataFrame(
        {
            "figure_id": ["F-1", "F-2", "F-3", "F-4"],
            "source_id": ["G1", "B1", "B1", "A1"],
            "confidence": ["high", "medium", "low", "low"],
        }
    )
    table = audit.figures_by_kind(figures, _sources()).set_index("kind")
    assert list(table.index) == list(source_kinds.SOURCE_KINDS)
    assert table.loc["government document", ["on charts", "figures", "high"]].tolist() == ["drawn plainly", 1, 1]
    assert table.loc["blog or law-firm page", ["on charts", "figures", "medium", "low"]].tolist() == ["marked", 2, 1, 1]
    assert table.loc["AI-written digest", ["on charts", "figures", "low"]].tolist() == ["never drawn", 1, 1]
    assert table.loc["court record", "figures"] == 0 and table["figures"].sum() == 4


# ---------------------------------------------------------------- the table the build shows, on hand-made rows


def test_a_figure_counts_under_the_weakest_of_its_sources():
    from scomm import audit

    rows = _rows(["G1", "G1 B1", "P1 G1", "A1 B1"])
    assert audit.figure_kinds(rows, _sources()).to_dict() == {
        "T-0": "government document",
        "T-1": "blog or law-firm page",
        "T-2": "repost or mirror",
        "T-3": "AI-written digest",
    }
    with pytest.raises(KeyError, match="S999"):
        audit.figure_kinds(_rows(["G1 S999"]), _sources())


def test_use_by_kind_counts_each_use_once_per_figure():
    from scomm import audit

    rows = _rows(["G1", "G1", "B1", "P1", "G1 B1", "A1"])  # T-0 .. T-5
    uses = {
        "plotted": ["T-0", "T-2", "T-2", "T-3", "T-4"],  # T-2 drawn twice: counted once
        "stated": ["T-1", "T-5"],
        "none": [],
    }
    table = audit.use_by_kind(rows, _sources(), uses).set_index("kind")
    assert list(table.index) == [*source_kinds.SOURCE_KINDS, "all kinds"]
    assert table.loc["government document", ["on charts", "plotted", "stated"]].tolist() == ["drawn plainly", 1, 1]
    assert table.loc["blog or law-firm page", ["on charts", "plotted", "stated"]].tolist() == ["marked", 2, 0]
    assert table.loc["repost or mirror", ["plotted", "stated"]].tolist() == [1, 0]
    assert table.loc["AI-written digest", ["on charts", "plotted", "stated"]].tolist() == ["never drawn", 0, 1]
    assert table.loc["all kinds", ["plotted", "stated", "none"]].tolist() == [4, 2, 0]
    assert table.loc["court record", "plotted"] == 0
    with pytest.raises(KeyError, match="T-9"):
        audit.use_by_kind(rows, _sources(), {"plotted": ["T-9"]})


def test_chart_figures_lists_the_charts_of_each_figure():
    from scomm import audit

    meta = {"b_chart": {"figure_ids": ["T-1", "T-2"]}, "a_chart": {"figure_ids": ["T-2"]}, "no_ids": {}}
    assert audit.chart_figures(meta) == {"T-2": ["a_chart", "b_chart"], "T-1": ["b_chart"]}


def test_unnamed_kinds_finds_digests_and_unnamed_blogs_or_reposts():
    from scomm import audit

    rows = _rows(["G1", "B1", "P1", "A1"])  # T-0 government, T-1 blog, T-2 repost, T-3 digest
    meta = {
        "named": {"figure_ids": ["T-0", "T-1"], "texts": ["Asterisk ...: the source is blog or\nlaw-firm page (X)"]},
        "silent": {"figure_ids": ["T-0", "T-2"], "texts": ["Sources: a forum (2012)."]},
        "digest": {"figure_ids": ["T-3"], "texts": ["the source is AI-written digest"]},
        "plain": {"figure_ids": ["T-0"], "texts": []},
    }
    found = audit.unnamed_kinds(rows, _sources(), meta)
    assert found.to_dict("records") == [
        {"chart": "digest", "figure_id": "T-3", "kind": "AI-written digest"},
        {"chart": "silent", "figure_id": "T-2", "kind": "repost or mirror"},
    ]


def test_citable_puts_dated_events_beside_figures():
    from scomm import audit

    events = pd.DataFrame({"milestone_id": ["M1"], "source_id": ["B1"], "date": ["2010-01-01"]})
    items = audit.citable(_rows(["G1"]), events)
    assert items.to_dict("records") == [
        {"figure_id": "T-0", "source_id": "G1"},
        {"figure_id": "M1", "source_id": "B1"},
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_build_check_passes_on_every_chart_drawn_here(dataset, published, notebook):
    """The check the methods page runs (audit.unnamed_kinds over the charts' records) on the charts drawn from
    the bundled data: none holds a digest's figure or leaves a blog's or repost's kind unnamed."""
    from scomm import audit

    meta = _charts_of(published, notebook)  # each chart's texts and ids, as describe() gives them
    assert meta, notebook  # every notebook publishes at least one chart
    items = audit.citable(dataset.figures, dataset.milestones)
    assert audit.unnamed_kinds(items, dataset.sources, meta).empty, notebook
