"""Chart export is byte-reproducible and the source note comes from the plotted rows."""

from __future__ import annotations

import hashlib

import pandas as pd

from scomm import charts, tables, views


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
        hashes.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((tmp_path / run).iterdir())})
    assert hashes[0] == hashes[1]
    assert set(hashes[0]) == {"chart.png", "chart.svg", "chart.pdf", "chart.csv"}


def test_png_is_300_dpi(tmp_path, dataset):
    fig, table = _draw(dataset)
    png = charts.save_figure(fig, "c", table, out_dir=tmp_path, formats=["png"])
    from matplotlib import image

    assert image.imread(png).shape[1] == int(7.2 * 300)
    assert not (tmp_path / "c.svg").exists()


def test_source_note_is_generated_from_rows(dataset):
    table = tables.select(dataset.figures, ["FUN-022", "STA-014"])
    note = charts.source_note(table, dataset.sources, width=1000)
    assert note == ("Sources: Homeland Security Newswire (2011); ImmigrationWire (2011). "
                    "Rows FUN-022, STA-014 of data/figures.csv.")


def test_formula_looking_text_is_defused_in_exported_csv(tmp_path, dataset):
    fig, table = _draw(dataset)
    table = table.assign(notes=["=HYPERLINK(\"http://x\")", "+1+2", "-0.5", "@SUM(A1)"])
    charts.save_figure(fig, "f", table, out_dir=tmp_path, formats=["png"])
    back = pd.read_csv(tmp_path / "f.csv", keep_default_na=False)
    assert list(back["notes"]) == ["'=HYPERLINK(\"http://x\")", "'+1+2", "-0.5", "'@SUM(A1)"]


def test_csv_is_the_plotted_table(tmp_path, dataset):
    fig, table = _draw(dataset)
    charts.save_figure(fig, "t", table, out_dir=tmp_path, formats=["png"])
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back["figure_id"]) == ["FUN-030", "FUN-031", "FUN-032", "FUN-033"]
    assert list(back["value"]) == [9108703, 597527, 277825, 120684]


def test_every_committed_chart_has_all_formats():
    from scomm.paths import FIGURES_DIR

    pngs = sorted(FIGURES_DIR.glob("*.png"))
    assert len(pngs) >= 10
    for png in pngs:
        for ext in (".svg", ".pdf", ".csv"):
            assert png.with_suffix(ext).exists(), png.with_suffix(ext)


def test_source_note_dates_sources_to_their_precision(dataset):
    table = pd.DataFrame({"source_id": ["S1", "S2", "S3", "S4"], "figure_id": ["A-1", "A-2", "A-3", "A-4"]})
    sources = pd.DataFrame({
        "source_id": ["S1", "S2", "S3", "S4"],
        "author_or_publisher": ["One", "Two", "Three", "Four"],
        "published": pd.to_datetime(["2011-10-01", "2014-01-01", "2012-06-11", None]),
        "published_precision": ["month", "year", "day", "undated"],
        "notes": ["", "", "known to the year", ""],   # notes no longer decide the format
    })
    note = charts.source_note(table, sources, width=1000)
    assert note == ("Sources: One (2011); Two (2014); Three (2012); Four (undated). "
                    "Rows A-1, A-2, A-3, A-4 of data/figures.csv.")
    labels = [charts.published_label(p, q) for p, q in zip(sources["published"], sources["published_precision"])]
    assert labels == ["2011-10", "2014", "2012-06-11", "undated"]


# ---------------------------------------------------------------- layout and wording of the committed charts

import json  # noqa: E402
import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402

from scomm.paths import FIGURES_DIR  # noqa: E402


def _built_charts() -> dict[str, dict]:
    """Every chart the last build recorded (figures/build-state/lineage.json): name -> title, texts, outside."""
    record = json.loads((FIGURES_DIR / "build-state" / "lineage.json").read_text(encoding="utf-8"))
    return {name: meta for book in record.values() for name, meta in book.get("charts", {}).items()}


def test_no_chart_text_falls_outside_its_figure():
    built = _built_charts()
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


def test_no_chart_shows_an_internal_source_code():
    built = _built_charts()
    shown = {name: charts.internal_codes(meta["texts"]) for name, meta in built.items()}
    assert not {name: codes for name, codes in shown.items() if codes}


def test_internal_code_check_catches_a_planted_code():
    assert charts.internal_codes(["Sources: ICE (2011), S16.", "FY2011", "ROL-016", "287(g)", "Section 5"]) == [
        "Sources: ICE (2011), S16."]
    fig, ax = charts.new_figure("Title", "Subtitle")
    ax.plot([0, 1], [0, 1], label="S16 (2010)")
    ax.legend()
    charts.add_note(fig, "Sources: ICE (2010).")
    texts = charts.describe(fig, pd.DataFrame({"source_id": ["S16"], "figure_id": ["ROL-021"]}))["texts"]
    assert charts.internal_codes(texts) == ["S16 (2010)"]
    plt.close(fig)


def _context_rows(qualifiers):
    return pd.DataFrame({"label": ["program a", "program b", "everyone a", "everyone b"],
                         "value": [56228.0, 79018.0, 1_000_000.0, 900_000.0], "qualifier": qualifiers,
                         "figure_id": ["FUN-025", "FUN-022", "CTX-001", "CTX-002"],
                         "source_id": ["S01", "S01", "S01", "S01"]})


def test_approximate_note_appears_only_when_the_chart_draws_an_approximate_mark(dataset):
    exact, _ = views.context_chart(_context_rows(["exact"] * 4), dataset.sources)
    texts = charts.describe(exact, _context_rows(["exact"] * 4))["texts"]
    assert not any("approximate value" in t for t in texts)
    plt.close(exact)
    approx, _ = views.context_chart(_context_rows(["exact", "exact", "about", "about"]), dataset.sources)
    note = [t for t in charts.describe(approx, _context_rows(["exact"] * 4))["texts"] if "approximate value" in t]
    assert len(note) == 1 and "Hatched bars:" in note[0] and "Hollow" not in note[0]
    plt.close(approx)


def test_context_title_states_the_range_of_shares(dataset):
    fig, _ = views.context_chart(_context_rows(["exact", "exact", "about", "about"]), dataset.sources)
    title = fig.texts[0].get_text().replace("\n", " ")
    assert "5.6% to 8.8%" in title  # 56,228 / 1,000,000 to 79,018 / 900,000
    plt.close(fig)


def test_rows_marked_do_not_use_are_left_out():
    rows = pd.DataFrame({"figure_id": ["A-1", "A-2", "A-3"],
                         "notes": ["weak source; Do not use without a primary. Disagrees with A-2", "", None]})
    kept, left_out = tables.split_unusable(rows)
    assert list(kept["figure_id"]) == ["A-2", "A-3"] and list(left_out["figure_id"]) == ["A-1"]
    assert tables.unusable_reason(rows["notes"].iloc[0]) == "Do not use without a primary"
    kept, left_out = tables.split_unusable(rows.drop(columns="notes"))
    assert len(kept) == 3 and left_out.empty


def test_rollout_chart_leaves_out_the_unusable_count_and_says_so():
    plotted = pd.read_csv(FIGURES_DIR / "02_rollout_jurisdictions.csv")
    assert "ROL-028" not in set(plotted["figure_id"])
    texts = _built_charts()["02_rollout_jurisdictions"]["texts"]
    assert any(t.startswith("Left out: factually.co") and "ROL-028" in t for t in texts)


def test_county_map_legend_counts_match_its_csv():
    table = pd.read_csv(FIGURES_DIR / "08_county_map.csv")
    legend = {m.group(1): int(m.group(2).replace(",", ""))
              for t in _built_charts()["08_county_map"]["texts"]
              for m in [re.match(r"^(FY\d{4}) \(.*\): ([\d,]+)$", t)] if m}
    assert legend and legend == table["period"].value_counts().to_dict()


def test_list_vs_published_names_publishers_not_row_ids():
    texts = _built_charts()["08_list_vs_published"]["texts"]
    assert not [t for t in texts if re.search(r"\bROL-\d+", t)]
    assert not any("factually.co" in t for t in texts)  # an AI-written digest is never plotted



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
    texts = charts.describe(*views.sc_share_chart(rows, dataset.sources))["texts"]
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


def test_source_years_say_undated_when_the_source_gives_no_date():
    from scomm.fmt import published_year

    assert published_year(pd.Timestamp("2011-10-19"), "day") == "2011"
    assert published_year(pd.NaT, "year") == "undated"
    assert published_year(pd.Timestamp("2011-01-01"), "undated") == "undated"
