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
