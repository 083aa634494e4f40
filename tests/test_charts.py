"""Chart export is byte-reproducible and the source note comes from the plotted rows."""

from __future__ import annotations

import pandas as pd

from scomm import charts, figure_charts, source_kinds, tables
from tiny_project import tree


def _draw(dataset):
    table = tables.select(dataset.figures, ["FUN-030", "FUN-031", "FUN-032", "FUN-033"])
    fig, ax = charts.new_figure("Title", "Subtitle")
    charts.hbar(ax, list(table["metric"].astype(str)), list(table["value"]), table["qualifier"])
    charts.add_source_note(fig, table, dataset.sources)
    return fig, table


def test_two_saves_are_byte_identical(tmp_path, dataset):
    hashes = []
    for run in ("a", "b"):
        fig, table = _draw(dataset)
        charts.save_figure(fig, "chart", table, out_dir=tmp_path / run)
        hashes.append(tree(tmp_path / run))
    assert hashes[0] == hashes[1]
    assert set(hashes[0]) == {"chart.png", "chart.svg", "chart.pdf", "chart.csv", "screen/chart-720.png"}


def test_screen_copies_made_as_the_png_is_written_equal_those_made_later_from_the_file(tmp_path, dataset):
    """The kernel writes a key chart's two screen copies from the pixels in hand; the report makes any that are
    missing from the PNG file: both ways give the same bytes."""
    from PIL import Image

    from scomm.screen_copies import SCREEN_WIDTHS, screen_copy, screen_path

    fig, table = _draw(dataset)
    png = charts.save_figure(fig, "c", table, out_dir=tmp_path, formats=["png"], screen_widths=SCREEN_WIDTHS)
    with Image.open(png) as image:
        for width in SCREEN_WIDTHS:
            assert screen_path(png, width).read_bytes() == screen_copy(image, width), width


def test_png_is_300_dpi(tmp_path, dataset):
    fig, table = _draw(dataset)
    png = charts.save_figure(fig, "c", table, out_dir=tmp_path, formats=["png"])
    from matplotlib import image

    assert image.imread(png).shape[1] == int(charts.PRINT_WIDTH_IN * 300)  # 16 cm at 300 dpi
    assert not (tmp_path / "c.svg").exists()


def test_source_note_is_generated_from_rows(dataset):
    table = tables.select(dataset.figures, ["FUN-022", "STA-014"])
    note = charts.source_note(table, dataset.sources, width=1000)
    assert note == "Sources: Homeland Security Newswire (2011); ImmigrationWire (2011)."  # ids stay in the CSV


def test_formula_looking_text_is_defused_in_exported_csv(tmp_path, dataset):
    fig, table = _draw(dataset)
    table = table.assign(notes=['=HYPERLINK("http://x")', "+1+2", "-0.5", "@SUM(A1)"])
    charts.save_figure(fig, "f", table, out_dir=tmp_path, formats=["png"])
    back = pd.read_csv(tmp_path / "f.csv", keep_default_na=False)
    assert list(back["notes"]) == ['\'=HYPERLINK("http://x")', "'+1+2", "-0.5", "'@SUM(A1)"]


def test_csv_is_the_plotted_table(tmp_path, dataset):
    fig, table = _draw(dataset)
    charts.save_figure(fig, "t", table, out_dir=tmp_path, formats=["png"])
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back["figure_id"]) == ["FUN-030", "FUN-031", "FUN-032", "FUN-033"]
    assert list(back["value"]) == [9108703, 597527, 277825, 120684]


def test_source_note_dates_sources_to_their_precision(dataset):
    table = pd.DataFrame({"source_id": ["S1", "S2", "S3", "S4"], "figure_id": ["A-1", "A-2", "A-3", "A-4"]})
    sources = pd.DataFrame(
        {
            "source_id": ["S1", "S2", "S3", "S4"],
            "author_or_publisher": ["One", "Two", "Three", "Four"],
            "published": pd.to_datetime(["2011-10-01", "2014-01-01", "2012-06-11", None]),
            "published_precision": ["month", "year", "day", "undated"],
            "notes": ["", "", "known to the year", ""],  # notes no longer decide the format
        }
    )
    note = charts.source_note(table, sources, width=1000)
    assert note == "Sources: One (2011); Two (2014); Three (2012); Four (undated)."
    labels = [charts.published_label(p, q) for p, q in zip(sources["published"], sources["published_precision"])]
    assert labels == ["2011-10", "2014", "2012-06-11", "undated"]


# ---------------------------------------------------------------- layout and wording of the charts drawn now

import json  # noqa: E402
import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import published_charts  # noqa: E402  (tests/published_charts.py: every chart drawn as its notebook draws it)


@pytest.fixture(scope="module")
def built(published) -> dict[str, dict]:
    """The measurements of every chart drawn now from the bundled data (the session's `published` record)."""
    return published


plotted_numbers = published_charts.plotted_numbers
bar_values = published_charts.bar_values


def test_every_chart_the_notebooks_publish_is_drawn_here(built):
    # each notebook's charts, by the names its `run.publish` cells use (read from the notebooks' code, not their
    # outputs): every chart a notebook publishes is one its analysis specifies, and all are drawn above

    from scomm.paths import PROJECT_ROOT

    published = set()
    for book in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        if book.stem not in published_charts.NOTEBOOKS:
            continue
        cells = json.loads(book.read_text(encoding="utf-8"))["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        published |= set(re.findall(r'run\.publish\(result\.charts\["([^"]+)"\]\)', code))
    assert len(published) >= 25 and published == set(built), published ^ set(built)


def test_no_chart_text_falls_outside_its_figure(built):
    assert len(built) >= 20
    clipped = {name: meta["outside"] for name, meta in built.items() if meta["outside"]}
    assert not clipped, clipped


def test_text_outside_detects_a_text_placed_outside_the_figure():
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.plot([0, 1], [0, 1])
    assert charts.text_outside(fig) == []
    fig.text(0.97, 0.5, "a label that runs off the right edge of the figure")
    fig.text(0.5, -0.02, "below the foot")
    assert charts.text_outside(fig) == ["a label that runs off the right edge of the figure", "below the foot"]
    plt.close(fig)


def test_text_outside_ignores_tick_labels_matplotlib_does_not_draw():
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.plot([0, 1], [0, 1])
    ax.set_xticks([0, 0.5, 1, 40], ["0", "0.5", "1", "forty"])
    ax.set_xlim(0, 1)  # the tick at 40 lies beyond the axis: kept by matplotlib, never drawn
    texts = [t.get_text() for t in charts.drawn_texts(fig)]
    assert "forty" not in texts and "0.5" in texts
    assert charts.text_outside(fig) == []
    plt.close(fig)


def test_no_chart_shows_an_internal_source_code(built):
    shown = {name: charts.internal_codes(meta["texts"]) for name, meta in built.items()}
    assert not {name: codes for name, codes in shown.items() if codes}


def test_internal_code_check_catches_a_planted_code():
    assert charts.internal_codes(["Sources: ICE (2011), S16.", "FY2011", "ROL-016", "287(g)", "Section 5"]) == [
        "Sources: ICE (2011), S16."
    ]
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.plot([0, 1], [0, 1], label="S16 (2010)")
    ax.legend()
    charts.add_note(fig, "Sources: ICE (2010).")
    texts = charts.describe(fig, pd.DataFrame({"source_id": ["S16"], "figure_id": ["ROL-021"]}))["texts"]
    assert charts.internal_codes(texts) == ["S16 (2010)"]
    plt.close(fig)


def _bars(qualifiers, sources):
    """A small bar chart in house style: bars hatched where the qualifier is approximate."""
    rows = pd.DataFrame(
        {"label": ["a", "b"], "value": [10.0, 20.0], "qualifier": qualifiers, "source_id": ["S01", "S01"]}
    )
    fig, ax = charts.new_figure("Title", "Subtitle")
    charts.hbar(ax, list(rows["label"]), list(rows["value"]), rows["qualifier"])
    figure_charts._note(fig, rows, sources)
    return fig, rows


def test_approximate_note_appears_only_when_the_chart_draws_an_approximate_mark(dataset):
    exact, rows = _bars(["exact", "exact"], dataset.sources)
    assert not any("approximate value" in t for t in charts.describe(exact, rows)["texts"])
    plt.close(exact)
    approx, rows = _bars(["exact", "about"], dataset.sources)
    note = [t for t in charts.describe(approx, rows)["texts"] if "approximate value" in t]
    assert len(note) == 1 and "Hatched bars:" in note[0] and "Hollow" not in note[0]
    plt.close(approx)


def test_rows_resting_only_on_a_digest_or_an_encyclopedia_mirror_are_left_out_whatever_their_notes_say():
    sources = pd.DataFrame(
        {
            "source_id": ["D1", "W1", "G1"],
            "kind": ["AI-written digest", "repost or mirror", "government document"],
            "original_publisher": [None, "Wikipedia", None],
        }
    )
    rows = pd.DataFrame(
        {
            "figure_id": ["A-1", "A-2", "A-3", "A-4"],
            "source_id": ["D1", "W1", "G1", "D1 G1"],  # a second, independent source keeps it
            "notes": ["", "", "do not use (words in notes decide nothing)", ""],
        }
    )
    kept, left_out = source_kinds.split_plottable(rows, sources)
    assert list(kept["figure_id"]) == ["A-3", "A-4"] and list(left_out["figure_id"]) == ["A-1", "A-2"]
    assert source_kinds.never_plotted_reason("D1", sources) == "its only source is an AI-written digest"
    assert source_kinds.never_plotted_reason("W1", sources) == "its only source is a mirror of Wikipedia"


def test_rollout_chart_leaves_out_the_unusable_count_and_says_so(built):
    plotted = pd.read_csv(built["02_rollout_jurisdictions"]["folder"] / "02_rollout_jurisdictions.csv")
    assert "ROL-028" not in set(plotted["figure_id"])
    texts = built["02_rollout_jurisdictions"]["texts"]
    assert any(t.startswith("Left out: factually.co") and "AI-written digest" in " ".join(t.split()) for t in texts)


def test_county_map_legend_counts_match_its_csv(built):
    table = pd.read_csv(built["08_county_map"]["folder"] / "08_county_map.csv")
    legend = {
        m.group(1): int(m.group(2).replace(",", ""))
        for t in built["08_county_map"]["texts"]
        for m in [re.match(r"^(FY\d{4}) \(.*\): ([\d,]+)$", t)]
        if m
    }
    assert legend and legend == table["period"].value_counts().to_dict()


def _png_bytes(family: list[str], text: str = "") -> bytes:
    """A small chart drawn in the house style with `family` as the typeface, as PNG bytes."""
    import io

    import matplotlib

    charts.apply_style()
    with matplotlib.rc_context({"font.family": family}):
        fig, ax = plt.subplots(figsize=(5, 2.5))
        ax.plot([-1, 0, 1], [-3, 2, 5])
        ax.set_title("Removals fell −12% in Núñez County (2011): AV Ty Yo", fontweight="bold")
        fig.text(0.01, 0.01, text or "Sources: ICE (2013); TRAC, Syracuse University (2012) — ‘quoted’ “text” … 5.6%")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=300, metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def test_house_typeface_draws_exactly_like_dejavu_sans():
    # The cut-down "Scomm Sans" (quick to embed in PDFs) must not change a single pixel of the PNGs.
    import matplotlib
    from matplotlib import font_manager

    charts.apply_style()
    assert matplotlib.rcParams["font.family"][:2] == ["Scomm Sans", "DejaVu Sans"]
    assert font_manager.findfont("Scomm Sans").endswith("ScommSans.ttf")
    assert _png_bytes(["Scomm Sans", "DejaVu Sans"]) == _png_bytes(["DejaVu Sans"])


def test_characters_outside_the_cut_down_typeface_fall_back_to_dejavu_sans(recwarn):
    from matplotlib.ft2font import FT2Font

    from scomm import chart_fonts

    assert FT2Font(str(chart_fonts.FONT_DIR / "ScommSans.ttf")).get_char_index(ord("Ω")) == 0  # Greek: not kept
    with_fallback = _png_bytes(["Scomm Sans", "DejaVu Sans"], text="Ω")
    assert with_fallback == _png_bytes(["DejaVu Sans"], text="Ω")
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_committed_typeface_is_what_the_build_step_makes(tmp_path):
    from scomm import chart_fonts

    for made in chart_fonts.build(tmp_path):
        assert made.read_bytes() == (chart_fonts.FONT_DIR / made.name).read_bytes(), "run: python -m scomm.chart_fonts"


def test_counts_implied_by_rounded_shares_are_labelled_to_two_significant_digits(dataset):
    # GAO's "about 4%" of 389,834 removals is 15,593.36: the label says "about 16,000", never "15,593".
    from scomm import ratios as r

    share, total = r.get(dataset.figures, "FUN-042"), r.get(dataset.figures, "ANN-009")
    implied = r.applied_share(share, total)
    rows = tables.implied_counts_table({"FY2009": (share, total, implied)})
    texts = charts.describe(*figure_charts.sc_share_chart(rows, dataset.sources))["texts"]
    from scomm.fmt import significant

    exact, rounded = f"{implied.value:,.0f}", f"{significant(implied.value, 2):,.0f}"
    assert exact != rounded
    assert any(f"about {rounded} of" in t for t in texts), texts
    assert not any(exact in t for t in texts)


def test_texts_measured_while_the_png_is_drawn_match_a_separate_measurement(tmp_path):
    # `describe` after `save_figure` reuses what the PNG's own draw measured; it must find the same texts
    # and the same clipped ones as drawing the figure again at 300 dpi.
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.plot([0, 1], [0, 1], label="a series")
    ax.legend()
    fig.text(0.97, 0.5, "a label that runs off the right edge of the figure")
    separate = {"texts": [t.get_text() for t in charts.drawn_texts(fig)], "outside": charts.text_outside(fig)}
    charts.save_figure(fig, "measured", pd.DataFrame({"figure_id": ["A-1"]}), out_dir=tmp_path, formats=["png"])
    during = charts.describe(fig, pd.DataFrame({"figure_id": ["A-1"]}))
    assert getattr(fig, charts.LAYOUT_ATTRIBUTE, None) is not None  # the PNG's draw measured it
    assert during["outside"] == separate["outside"] == ["a label that runs off the right edge of the figure"]
    assert during["texts"] == separate["texts"]
    # the chart tests' draw without a file (`draw_measured`) measures what the PNG's draw measures
    again, ax = charts.new_figure("Title", "Subtitle")
    ax.plot([0, 1], [0, 1], label="a series")
    ax.legend()
    again.text(0.97, 0.5, "a label that runs off the right edge of the figure")
    charts.draw_measured(again)
    assert charts.describe(again, pd.DataFrame({"figure_id": ["A-1"]})) == during


def test_source_years_say_undated_when_the_source_gives_no_date():
    from scomm.fmt import published_year

    assert published_year(pd.Timestamp("2011-10-19"), "day") == "2011"
    assert published_year(pd.NaT, "year") == "undated"
    assert published_year(pd.Timestamp("2011-01-01"), "undated") == "undated"


def test_every_chart_prints_no_text_under_the_minimum_at_16_cm(built):
    small = {name: meta["smallest_pt"] for name, meta in built.items() if meta["smallest_pt"] < charts.MIN_PRINT_PT}
    assert not small, small


def test_no_weak_source_asterisk_covers_a_text(built):
    covered = {name: m["marks_over_texts"] for name, m in built.items() if m["marks_over_texts"]}
    assert not covered, covered


def test_mark_check_catches_an_asterisk_placed_over_a_label(dataset):
    # a short bar marked 20 pt left of its end: the asterisk lands on the bar's own label, left of the axis
    rows = tables.select(dataset.figures, ["FUN-030"])

    def covered(offset: tuple[float, float]) -> list[str]:
        fig, ax = charts.new_figure("Title", "Subtitle")
        ax.barh([0], rows["value"], height=0.5)
        ax.set_yticks([0], ["a label right of which a mark must not sit"])
        ax.set_xlim(0, float(rows["value"].iloc[0]) * 50)
        charts.mark_weak(ax, rows["value"], [0], rows, dataset.sources, offset=offset)
        try:
            return charts.marks_over_texts(fig)
        finally:
            plt.close(fig)

    assert [t[:7] for t in covered((-20.0, 0.0))] == ["a label"]
    assert covered((6.0, 0.0)) == []  # the same mark just past the bar's end covers nothing


def test_no_chart_text_overlaps_another(built):
    crowded = {name: meta["overlaps"] for name, meta in built.items() if meta["overlaps"]}
    assert not crowded, crowded


def test_legend_classes_stay_apart_in_greyscale(built):
    clashes = {name: meta["grey_clashes"] for name, meta in built.items() if meta["grey_clashes"]}
    assert not clashes, clashes


READER_TEXT_DEFECTS = {
    "a row id": re.compile(r"\b[A-Z]{2,4}-\d{3}\b"),
    # dates the charts format themselves (sources' and events' own wording is quoted as printed)
    "an ISO date": re.compile(r"^(19|20)\d\d-\d\d(-\d\d)?$|, (19|20)\d\d-\d\d-\d\d$"),
    "a file path": re.compile(r"\b(data|figures)/\w"),
    "a command": re.compile(r"\bscomm\b"),
    "'0k'": re.compile(r"^0k$"),
    "a fiscal year with a separator": re.compile(r"\bFY ?\d,\d{3}\b|^2,0(0[5-9]|1\d|2[01])$"),
    "a cut label": re.compile(r"\[\.\.\.\]|\.\.\.$"),
    "a hyphen for a minus sign": re.compile(r"(^|[\s(])-\d"),
}


def test_no_chart_prints_ids_paths_iso_dates_or_cut_labels(built):
    found = {
        (name, what): t
        for name, meta in built.items()
        for t in meta["texts"]
        for what, pattern in READER_TEXT_DEFECTS.items()
        if pattern.search(t)
    }
    assert not found, found


def test_smallest_text_is_measured_at_print_width():
    # a 7 pt label on a chart drawn 12.6 in wide (twice the print width) prints at 3.5 pt
    fig = plt.figure(figsize=(2 * charts.PRINT_WIDTH_IN, 3))
    fig.text(0.1, 0.5, "label", fontsize=7)
    assert charts.smallest_print_pt(fig) == 3.5
    plt.close(fig)


def test_overlap_and_greyscale_checks_catch_planted_defects():
    from matplotlib.patches import Patch

    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.text(0.5, 0.5, "first label", transform=ax.transAxes)
    ax.text(0.5, 0.5, "second label", transform=ax.transAxes)
    # orange #E69F00 and sky blue #56B4E9 have nearly the same lightness in grey (L* 70.6 and 69.8)
    ax.legend(
        handles=[
            Patch(color="#E69F00", label="rose"),
            Patch(color="#56B4E9", label="fell"),
            Patch(color="#000000", label="none"),
        ]
    )
    assert ["first label", "second label"] in charts.overlapping_texts(fig)
    assert charts.legend_grey_clashes(fig) == [["rose", "fell"]]
    plt.close(fig)


def test_records_dot_plot_draws_the_differences_of_its_table(dataset):
    from scomm import enforcement_charts as ec

    rows = pd.DataFrame(
        {
            "event": ["arrests", "arrests", "removals"],
            "fiscal_year": [2017, 2017, 2018],
            "records": [100, 100, 50],
            "published": [100, 103, 50],
            "difference": [0, -3, 0],
            "partial_year": [False, False, False],
            "source_id": ["S201", "S201", "S201"],
        }
    )
    fig, table = ec.records_vs_published_chart(rows, dataset.sources)
    dots = fig.axes[0].collections[0].get_offsets()
    assert sorted(dots[:, 0].tolist()) == sorted(table["difference"].tolist()) == [-3, 0, 0]
    title = fig.texts[0].get_text().replace("\n", " ")
    assert "2 of the 3 printings of ICE's annual totals" in title and title.endswith(
        "the other one differs by 3 records"
    )
    plt.close(fig)
    weak = rows.assign(source_id=["S201", "S78", "S201"])  # the differing total read in a blog (S78)
    fig, _ = ec.records_vs_published_chart(weak, dataset.sources)
    title = fig.texts[0].get_text().replace("\n", " ")
    assert title.endswith("the other one, printed by a weaker kind of source (asterisk), differs by 3 records")
    plt.close(fig)


def test_charts_drawn_here_save_in_every_format(dataset, tmp_path, monkeypatch):
    # the charts of notebook 02 drawn again and saved in every default format: PNG, SVG with real text, PDF
    # with its title, and the CSV; each chart is drawn once per format, no more (its builder measures texts
    # and legends without drawing: the rollout chart puts its legend below)
    from matplotlib.figure import Figure

    from scomm.settings import DEFAULT_FORMATS

    draws: list[int] = []
    real_draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(id(self)) or real_draw(self, renderer))
    for notebook in ("02_rollout",):
        for name, (fig, table) in published_charts.NOTEBOOKS[notebook](dataset):
            title = " ".join(fig.texts[0].get_text().split())
            charts.save_figure(fig, name, table, out_dir=tmp_path)
            assert draws.count(id(fig)) == len(DEFAULT_FORMATS), name
            assert {p.suffix for p in tmp_path.glob(f"{name}.*")} == {f".{f}" for f in DEFAULT_FORMATS} | {".csv"}
            assert "<text" in (tmp_path / f"{name}.svg").read_text(encoding="utf-8")  # text, not outlines
            assert title.split()[0].encode() in (tmp_path / f"{name}.pdf").read_bytes()  # the PDF's title field


def test_no_two_fill_classes_print_as_one_grey(built):
    clashes = {name: meta["fill_clashes"] for name, meta in built.items() if meta["fill_clashes"]}
    assert not clashes, clashes


def test_fill_check_catches_two_bar_colours_of_one_grey():
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.bar([0, 1], [1, 2], color=["#E69F00", "#56B4E9"])  # L* 70.6 and 69.8
    ax.bar([2], [3], color="#56B4E9", hatch="//")  # a hatch tells it apart
    assert charts.fill_grey_clashes(fig) == [["#56b4e9", "#e69f00"]]
    plt.close(fig)


# the table columns whose values each chart draws (rows kept by the filter); maps are checked by their legends
PLOTTED = {
    "01_milestones": (["date"], None),
    "02_rollout_jurisdictions": (["value"], None),
    "02_rollout_states": (["value"], None),
    "03_funnel": (["value"], None),
    "03_conversion_rates": (["pct_of_previous_stage"], None),
    "04_ice_removals": (["total", "convicted_pct"], None),
    "04_sc_share_of_removals": (["value"], None),
    "05_case_review": (["value"], None),
    "06_detainers": (["value"], None),
    "06_due_process": (["value"], None),
    "07_figures_by_source": (["high", "medium", "low"], None),
    # the tolerance band is a bar from allowed_low_rel as wide as the band; the computed value a dot
    "07_published_checks": (["band_width", "computed_low_rel", "computed_high_rel"], None),
    "08_state_spans": (["first", "last"], None),
    "08_dallas_county_rollout": (["share_pct"], None),
    "09_records_vs_published": (["difference"], ("partial_year", False)),  # partial years: in the note
    "09_arrests_by_method": (["arrests"], None),
    "09_jail_share_by_area": (["share_before", "share_after"], ("definition", "cap_local")),
    "09_arrests_and_removals": (["arrests", "removals"], None),
    "09_records_by_area": (["arrests_share", "removals_share"], None),
    "10_detainers_by_month": (["detainers", "share_active"], None),
    "10_declines_by_year": (["placed", "unplaced", "no_place"], None),
    "10_detainer_outcomes": (["percent"], None),
    "10_287g_and_activation": (["with_secure_communities", "program_ended", "without_secure_communities"], None),
    "10_encounters_detainers": (
        [
            "all areas",
            "all areas, without the SC center",
            "Los Angeles area, with the SC center",
            "Los Angeles area, without the SC center",
        ],
        None,
    ),
    "11_activation_by_fifth": (["percent_not_active"], None),
    "11_hazard_ratios": (["estimate", "low", "high"], None),
    # bars: arrests by fiscal year and method; the line: the monthly jail share (the monthly counts behind it are
    # in the table, not drawn)
    "12_seattle_arrests": [(["arrests"], ("series", "arrests by fiscal year and method")), (["share"], None)],
    "12_jail_share_change": (["estimate", "low", "high"], None),
}
MAPS = ("08_county_map", "09_jail_share_map", "10_declines_map")


def _table_numbers(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The numbers a chart should draw from `columns` of `table` (dates, and values in years such as a target
    year, as matplotlib date numbers; `band_width`: allowed_high_rel - allowed_low_rel)."""
    from matplotlib.dates import date2num

    if "band_width" in columns:
        table = table.assign(band_width=table["allowed_high_rel"] - table["allowed_low_rel"])
    values = []
    for column in columns:
        series = table[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            values.extend(date2num(series.dropna()))
            continue
        numbers = pd.to_numeric(series, errors="coerce")
        if "unit" in table.columns:  # a value in years is drawn at the first of January of that year
            years = table["unit"].astype(str) == "year"
            values.extend(date2num([pd.Timestamp(int(v), 1, 1) for v in numbers[years].dropna()]))
            numbers = numbers[~years]
        values.extend(numbers.dropna().astype(float))
    return np.array(values, dtype=float)


def test_every_chart_draws_the_values_of_its_table(built):
    assert set(PLOTTED) | set(MAPS) == set(built), set(built) ^ (set(PLOTTED) | set(MAPS))
    wrong = {}
    for name, spec in PLOTTED.items():
        meta = built[name]
        parts = spec if isinstance(spec, list) else [spec]
        tables_ = [
            meta["table"] if keep is None else meta["table"][meta["table"][keep[0]] == keep[1]] for _, keep in parts
        ]
        wanted = np.concatenate([_table_numbers(t, columns) for t, (columns, _) in zip(tables_, parts)])
        drawn = meta["numbers"]
        missing = [v for v in wanted if not np.isclose(drawn, v, rtol=1e-9, atol=1e-9).any()]
        extra = [v for v in meta["bars"] if not np.isclose(wanted, v, rtol=1e-9, atol=1e-9).any()]
        if len(wanted) == 0 or missing or extra:
            wrong[name] = f"table values not drawn {missing[:6]}, bars not in the table {extra[:6]}, of {len(wanted)}"
    assert not wrong, "\n".join(f"{name}: {what}" for name, what in wrong.items())


def test_value_check_catches_a_bar_drawn_from_another_number():
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.bar([0, 1], [10, 21])
    table = pd.DataFrame({"value": [10, 20]})
    wanted = _table_numbers(table, ["value"])
    assert [v for v in bar_values(fig) if not np.isclose(wanted, v).any()] == [21.0]
    assert [v for v in wanted if not np.isclose(plotted_numbers(fig), v).any()] == [20.0]
    plt.close(fig)


def _legend_counts(texts: list[str], drop_detail: bool = False) -> dict[str, int]:
    """'class: n' or 'class (n counties)' legend entries -> {class: n} (`drop_detail`: 'FY2009 (Oct. 2008 to
    Sept. 2009): 85' counts for 'FY2009')."""
    found = {}
    for t in texts:
        m = re.match(r"^(.+): ([\d,]+)$", t) or re.match(r"^(.+?) \(([\d,]+) counties\)$", t)
        if m:
            label = m.group(1).split(" (")[0] if drop_detail else m.group(1)
            found[label] = int(m.group(2).replace(",", ""))
    return found


def test_map_legends_count_the_classes_of_their_tables(built):
    counties = built["08_county_map"]["table"]
    legend = _legend_counts(built["08_county_map"]["texts"], drop_detail=True)
    assert legend == counties["period"].value_counts().to_dict()
    areas = built["09_jail_share_map"]["table"].dropna(subset=["aor"]).drop_duplicates("aor")
    legend = _legend_counts(built["09_jail_share_map"]["texts"])
    assert {k: v for k, v in legend.items() if v} == areas["class"].astype(str).value_counts().to_dict()
    declines = built["10_declines_map"]["table"].dropna(subset=["class"])
    legend = _legend_counts(built["10_declines_map"]["texts"])
    assert {k: v for k, v in legend.items() if v} == declines["class"].value_counts().to_dict()


# ---------------------------------------------------------------- the house rules of review 3


def _fiscal_year_sums(table: pd.DataFrame, column: str) -> dict[int, int]:
    """The sum of `column` over the months of `table` drawn (not NaN), by federal fiscal year (FY2019: Oct. 2018
    to Sept. 2019)."""
    months = pd.to_datetime(table["month"])
    drawn = table.assign(fy=months.dt.year + (months.dt.month >= 10)).dropna(subset=[column])
    return {int(y): int(v) for y, v in drawn.groupby("fy")[column].sum().items()}


def _title_totals(title: str) -> dict[int, int]:
    """'95,160 in FY2019' phrases of a title -> {2019: 95160}."""
    return {int(y): int(n.replace(",", "")) for n, y in re.findall(r"([\d,]+) in FY(\d{4})", title)}


def test_encounter_title_totals_are_the_sums_of_the_months_plotted(built):
    chart = built["10_encounters_detainers"]
    totals, sums = _title_totals(chart["title"]), _fiscal_year_sums(chart["table"], "all areas")
    assert len(totals) >= 3 and totals == sums, (totals, sums)
    # a year the chart cuts short says the last month it sums, spelled out
    assert re.search(r"in FY2019 \(to [A-Z][a-z]+ 2019\)", chart["title"]), chart["title"]


def test_title_total_check_catches_a_total_that_counts_an_unplotted_month():
    table = pd.DataFrame({"month": ["2018-10-01", "2018-11-01", "2018-12-01"], "all areas": [10.0, 12.0, np.nan]})
    planted = "ICE's records show 25 in FY2019 ending in a detainer"  # counts 3 of the undrawn December
    assert _title_totals(planted) != _fiscal_year_sums(table, "all areas") == {2019: 22}


def test_hatching_marks_only_approximate_values_and_every_approximate_bar(built):
    wrong = {name: meta["hatch_mismatches"] for name, meta in built.items() if meta["hatch_mismatches"]}
    assert not wrong, wrong
    # the charts that draw approximate values as bars hatch them, and their notes say so
    for name in ("04_ice_removals", "04_sc_share_of_removals", "05_case_review"):
        assert "atched bars: the source gives an approximate value" in " ".join(
            " ".join(built[name]["texts"]).split()
        ), name


def test_hatch_check_catches_a_hatched_exact_bar_and_a_solid_approximate_one():
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.bar([0], [40], hatch="///", color="white", edgecolor="black")  # exact value, hatched: wrong
    ax.bar([1], [20])  # approximate value, solid: wrong
    ax.bar([2], [30], hatch="..")  # an exact class told apart by dots: allowed
    ax.bar([3], [10], hatch="///", color="white", edgecolor="black")  # approximate, hatched: right
    table = pd.DataFrame({"value": [40, 20, 30, 10], "qualifier": ["exact", "about", "exact", "more_than"]})
    found = charts.hatch_mismatches(fig, table)
    assert len(found) == 2 and "40" in found[0] and "solid" in found[1], found
    plt.close(fig)


MONTH_TICK = re.compile(r"^(Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.\s+(19|20)\d\d$")


def _abbreviated_months_in_running_text(texts: list[str], ticks: set[str]) -> list[str]:
    """Month-and-year phrases with an abbreviated month and no day, outside the date ticks of an axis."""
    from scomm.fmt import abbreviated_months

    return [t for t in texts if abbreviated_months(" ".join(t.split())) and not (t in ticks and MONTH_TICK.match(t))]


def test_no_chart_abbreviates_a_month_that_has_no_day(built):
    found = {
        name: hits
        for name, meta in built.items()
        if (hits := _abbreviated_months_in_running_text(meta["texts"], meta["tick_texts"]))
    }
    assert not found, found


def test_month_check_catches_an_abbreviated_month_in_a_title_but_not_on_a_tick():
    from scomm import fmt

    texts = ["By Oct. 2012, 10,998 cases", "Oct. 27, 2008: announced", "Oct.\n2012", "October 2012"]
    assert _abbreviated_months_in_running_text(texts, {"Oct.\n2012"}) == ["By Oct. 2012, 10,998 cases"]
    assert fmt.month_year(pd.Timestamp("2012-10-01")) == "October 2012"
    assert fmt.month_tick(pd.Timestamp("2012-10-01")) == "Oct. 2012"
    assert fmt.day_month_year(pd.Timestamp("2008-10-27")) == "Oct. 27, 2008"


def test_dollar_signs_in_data_text_are_drawn_as_written(tmp_path):
    """Text from the data ("$5 million and $10 million", even "$\\undefined{x}$") is drawn as written: the house
    style turns off the charting library's maths notation, which dropped the dollar signs and italicised the words
    between them, or stopped the build on a command it does not know."""
    fig, _ = charts.new_figure("Grants of $5 million and $10 million", "a note: $\\undefined{x}$")
    charts.save_figure(fig, "dollars", pd.DataFrame({"value": [5]}), out_dir=tmp_path, formats=["svg", "png"])
    svg = (tmp_path / "dollars.svg").read_text(encoding="utf-8")
    assert "Grants of $5 million and $10 million" in svg and "$\\undefined{x}$" in svg
    plt.close(fig)


def test_the_hazard_title_says_which_interval_includes_one(dataset):
    """Two models of one covariate: the first interval (1.01-1.05) leaves 1 out, the second (0.99-1.02) takes it in,
    and the title says so for the second only."""
    from scomm import model_charts

    rows = pd.DataFrame(
        {
            "model": ["all counties", "within states"],
            "term": ["noncitizen_share", "noncitizen_share"],
            "estimate": [1.03, 1.005],
            "low": [1.01, 0.99],
            "high": [1.05, 1.02],
            "label": ["hazard ratio: non-citizen share"] * 2,
            "n": [100, 100],
        }
    )
    fig, _ = model_charts.hazard_chart(rows, dataset.sources, "S101")
    title = fig.texts[0].get_text().replace("\n", " ")
    assert title.endswith("hazard ratio: 1.030 (all counties), 1.005 (within states; 95% interval includes 1)")
    plt.close(fig)
