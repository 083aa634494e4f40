"""House chart style, chart builders and reproducible export.

Every chart has a title that states the finding, a subtitle with measure, unit and period, hollow
markers or hatched bars for approximate values and bounds, and a source line generated from the
`figure_id` / `source_id` columns of the table it plots. `save_figure` writes PNG (300 dpi), SVG,
PDF and the plotted table as CSV, with fixed metadata so two saves give identical bytes.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import matplotlib
import matplotlib.text
from IPython import display
from matplotlib.collections import Collection, PatchCollection, PolyCollection
from matplotlib.colors import to_hex, to_rgb, to_rgba, to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image, PngImagePlugin

matplotlib.use("Agg")  # file output only; notebooks show the exported PNG

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scomm import chart_fonts  # noqa: E402
from scomm.fmt import DATE_FORMATS, MONTH_WORDS, published_label, published_year  # noqa: E402,F401  (charts name sources' dates)
from scomm.paths import FIGURES_DIR, PACKAGE_DIR  # noqa: E402
from scomm.safe_csv import defuse_formulas  # noqa: E402
from scomm.screen_copies import SCREEN_WIDTHS, screen_copy, write_screen_copy  # noqa: E402
from scomm.settings import DEFAULT_FORMATS  # noqa: E402
from scomm.source_kinds import SOURCE_KINDS, is_weak_kind, row_source_ids, weak_rows  # noqa: E402
from scomm.source_names import FIRST_NAMED, copy_read, source_name  # noqa: E402,F401

STYLE = PACKAGE_DIR / "scomm.mplstyle"
# Okabe-Ito, plus markers and fills so series stay apart in grey-scale.
PALETTE = ["#0072B2", "#E69F00", "#000000", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]  # 7 markers x 8 colours: 56 distinct series
# Hatching (lines) means one thing on every chart: an approximate value or a bound (APPROX_HATCH). Series and
# classes are told apart by colour and lightness, and where two palette colours print as one grey, by a dotted
# fill (HATCHES, by palette index: orange and sky blue, green and vermilion, pink and sky blue differ in fill).
APPROX_HATCH = "///"
HATCHES = ["", "..", "", "oo", "", "oo", "..", ""]
LINE_HATCH_MARKS = set("/\\|-+xX")  # hatch characters that draw lines: reserved for approximate values
# Every chart is designed at its print width, 16 cm, so a point in the file is a point on paper.
PRINT_WIDTH_IN = 16 / 2.54
MIN_PRINT_PT = 6.5  # no text smaller than this when the chart is printed 16 cm wide
TITLE_SIZE, SUBTITLE_SIZE, NOTE_SIZE, LABEL_SIZE = 11.5, 8.5, 7.2, 7.5  # points
# Characters per inch of figure width for wrapped text (DejaVu Sans at the sizes above).
TITLE_CHARS_PER_INCH = 9.3
SUBTITLE_CHARS_PER_INCH = 14.5
NOTE_CHARS_PER_INCH = 16.8
AUTHOR = "Secure Communities by the Numbers"  # the PDF's author field
APPROXIMATE = {"about", "more_than", "less_than", "at_least", "at_most"}
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


def apply_style() -> None:
    """Use the house style for every following chart."""
    chart_fonts.register()  # the style's typeface ("Scomm Sans", a cut-down DejaVu Sans)
    plt.style.use(STYLE)
    matplotlib.rcParams["svg.hashsalt"] = "scomm"


def new_figure(
    title: str, subtitle: str, *, nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None, **kwargs
):
    """A styled figure with a finding title and a measure/unit subtitle; returns (fig, axes)."""
    apply_style()
    # designed at print width: a chart asked for at another width keeps its height, gets the print width
    height = figsize[1] if figsize else matplotlib.rcParams["figure.figsize"][1]
    fig, axes = plt.subplots(nrows, ncols, figsize=(PRINT_WIDTH_IN, height), **kwargs)
    width_in, height_in = fig.get_size_inches()
    # Wrap to the figure's width so nothing runs off the page; the plot starts below the header.
    title_lines = textwrap.wrap(title, width=int(width_in * TITLE_CHARS_PER_INCH), break_on_hyphens=False)
    subtitle_lines = textwrap.wrap(subtitle, width=int(width_in * SUBTITLE_CHARS_PER_INCH), break_on_hyphens=False)
    top_in = 0.12
    fig.text(
        0.015,
        1 - top_in / height_in,
        "\n".join(title_lines),
        fontsize=TITLE_SIZE,
        fontweight="bold",
        va="top",
        ha="left",
        linespacing=1.15,
    )
    top_in += len(title_lines) * TITLE_SIZE * 1.15 / 72 + 0.06
    fig.text(
        0.015,
        1 - top_in / height_in,
        "\n".join(subtitle_lines),
        fontsize=SUBTITLE_SIZE,
        color="#444444",
        va="top",
        ha="left",
        linespacing=1.15,
    )
    top_in += len(subtitle_lines) * SUBTITLE_SIZE * 1.15 / 72 + 0.30
    fig.subplots_adjust(top=1 - top_in / height_in, bottom=0.24, left=0.12, right=0.97)
    return fig, axes


def source_note(table: pd.DataFrame, sources: pd.DataFrame, width: int = 150, marked: set[str] | None = None) -> str:
    """'Sources: Homeland Security Newswire (2011); ICE (2013).' -- publishers and years, in words.

    Publishers and years come from the sources table for the `source_id`s in `table`'s rows; a year is
    shown as far as the source's date is known. Sources of rows rated low confidence are named again as
    weak or unverified, unless they are among the `marked` source ids (asterisked on the plot, and called unverified
    in the asterisk key instead). Row ids stay in the CSV beside the chart, never on it.
    """
    ids = _ids(table, "source_id")
    meta = sources.set_index("source_id")
    parts = list(dict.fromkeys(source_name(meta, sid) for sid in ids))
    text = "Sources: " + "; ".join(parts) + "." if parts else ""
    if "confidence" in table.columns:  # weak or unverified sources are named on the chart itself
        low = table[table["confidence"].astype(str) == "low"]
        # a source already asterisked on the plot is called unverified in the asterisk key, not here
        unmarked = [sid for sid in _ids(low, "source_id") if sid not in (marked or set())]
        weak = list(dict.fromkeys(source_name(meta, sid) for sid in unmarked))
        if weak:
            text += " Weak or unverified source, not confirmed by a primary document: " + "; ".join(weak) + "."
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False))


def add_note(fig, note: str) -> None:
    """Write `note` (wrapped to the figure width) at the foot of `fig` and keep the axes clear of it."""
    width = int(fig.get_size_inches()[0] * NOTE_CHARS_PER_INCH)
    lines = [
        line for para in note.split("\n") for line in (textwrap.wrap(para, width=width, break_on_hyphens=False) or [""])
    ]
    most = _note_lines_that_fit(fig)
    if len(lines) > most:  # a footer never grows past half the chart: the full list is in the chart's CSV
        lines = lines[: most - 1] + [
            f"... and {len(lines) - most + 1} more lines: every row is in the chart's CSV file."
        ]
    note = "\n".join(lines)
    fig.text(0.015, 0.015, note, fontsize=NOTE_SIZE, color="#444444", va="bottom", ha="left", linespacing=1.3)
    needed_in = 0.1 + (note.count("\n") + 1) * NOTE_SIZE * 1.3 / 72 + 0.55
    height_in = fig.get_size_inches()[1]
    fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, needed_in / height_in))


NOTE_SHARE_MOST = 0.5  # a footer takes at most this share of the chart's height


def _note_lines_that_fit(fig) -> int:
    """How many footer lines fit in NOTE_SHARE_MOST of the figure's height (see `add_note`)."""
    height_in = fig.get_size_inches()[1]
    return max(2, int((NOTE_SHARE_MOST * height_in - 0.65) / (NOTE_SIZE * 1.3 / 72)))


def legend_below(fig, ax, *, ncol: int = 3, title: str | None = None, fontsize: float = 7.5) -> None:
    """The legend of `ax` under the plot, just above the footer note (call after the note is written), so it
    never covers data; the axes shrink to make room."""
    height_in = fig.get_size_inches()[1]
    renderer = fig.canvas.get_renderer()  # texts and legends are measured without drawing the figure
    note_top = fig.texts[-1].get_window_extent(renderer).y1 / fig.bbox.height if len(fig.texts) > 2 else 0.0
    legend = fig.legend(
        *ax.get_legend_handles_labels(),
        loc="lower left",
        ncol=ncol,
        fontsize=fontsize,
        bbox_to_anchor=(0.005, note_top + 0.06 / height_in),
        frameon=False,
        title=title,
        title_fontsize=fontsize,
        alignment="left",
    )
    legend_top = legend.get_window_extent(renderer).y1 / fig.bbox.height
    fig.subplots_adjust(bottom=legend_top + 0.5 / height_in)


def add_source_note(fig, table: pd.DataFrame, sources: pd.DataFrame, extra: str = "") -> None:
    """Write the generated source line (and an optional method note) at the foot of `fig`."""
    width = int(fig.get_size_inches()[0] * NOTE_CHARS_PER_INCH)
    note = source_note(table, sources, width=width, marked=weak_marked_sources(fig))
    weak = weak_note(fig, sources)  # the kinds of source behind the marked values, in words
    note = (note + "\n" + weak) if weak else note
    add_note(fig, (extra + "\n" + note) if extra else note)


def mark_approximate(ax_or_fig, kind: str) -> None:
    """Record that the chart draws an approximate value or a bound as `kind` ("marker": hollow, "bar": hatched),
    so its note explains only the marks it really shows (see `approx_note`)."""
    fig = getattr(ax_or_fig, "figure", None) or ax_or_fig
    kinds: set[str] = getattr(fig, "_scomm_approx_marks", set())
    kinds.add(kind)
    fig._scomm_approx_marks = kinds


def approximate_marks(fig) -> set[str]:
    """The kinds of approximate marks ("marker", "bar") `fig` draws; empty when it draws none."""
    return set(getattr(fig, "_scomm_approx_marks", set()))


def is_approximate(qualifiers: pd.Series) -> pd.Series:
    """True where the qualifier marks an approximate value or a bound."""
    return qualifiers.astype(str).isin(APPROXIMATE)


def plot_points(ax, x, y, qualifiers: pd.Series, *, index: int = 0, label: str = "", line: bool = True) -> None:
    """A series in house style: filled markers for exact values, hollow ones for approximate or bounds."""
    color, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
    x, y = list(x), list(y)
    approx = list(is_approximate(qualifiers))
    if line and len(x) > 1:
        ax.plot(x, y, color=color, linewidth=1.4, linestyle=["-", "--", ":", "-."][index % 4], zorder=2)
    ex = [(a, b) for a, b, ap in zip(x, y, approx) if not ap]
    ap_ = [(a, b) for a, b, ap in zip(x, y, approx) if ap]
    if ex:
        ax.scatter(*zip(*ex), color=color, marker=marker, zorder=3, label=label, s=36)
    if ap_:
        ax.scatter(
            *zip(*ap_),
            facecolors="white",
            edgecolors=color,
            marker=marker,
            zorder=3,
            s=36,
            linewidths=1.4,
        )
        mark_approximate(ax, "marker")
        if not ex:  # the legend's key is filled whatever the points: hollow-for-approximate is the note's to explain
            ax.scatter([], [], color=color, marker=marker, s=36, label=label)


def bar_fill(approximate: bool, color: str = PALETTE[0]) -> dict[str, str]:
    """How a bar is filled: solid in `color`, or white hatched with a `color` edge when its value is approximate
    or a bound (the house rule: hatching means only that)."""
    return {
        "color": "white" if approximate else color,
        "edgecolor": color,
        "hatch": APPROX_HATCH if approximate else "",
    }


def hbar(
    ax, labels: Sequence[str], values: Sequence[float], qualifiers: pd.Series, *, index: int = 0, value_format=None
) -> None:
    """Horizontal bars, hatched where the value is approximate or a bound, labelled at the end."""
    approx = list(is_approximate(qualifiers))
    color = PALETTE[index % len(PALETTE)]
    ypos = range(len(labels))[::-1]
    for y, value, ap in zip(ypos, values, approx):
        ax.barh(y, value, **bar_fill(ap, color), linewidth=1.2)
        if ap:
            mark_approximate(ax, "bar")
        if value_format:
            ax.text(value, y, " " + value_format(value), va="center", fontsize=8.5)
    ax.set_yticks(list(ypos), labels)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)


def approx_note(fig) -> str:
    """The sentence that explains the approximate marks `fig` really draws ('' when it draws none)."""
    kinds = approximate_marks(fig)
    if not kinds:
        return ""
    what = {frozenset({"marker"}): "Hollow markers", frozenset({"bar"}): "Hatched bars"}.get(
        frozenset(kinds), "Hollow markers and hatched bars"
    )
    return f"{what}: the source gives an approximate value or a bound (about, more than, less than)."


INTERNAL_CODE = re.compile(r"\bS\d+\b")  # the sources table's ids (S16): never shown to readers


def internal_codes(texts: Sequence[str]) -> list[str]:
    """The texts that show an internal source code such as 'S16' (legends and footers name sources in words)."""
    return [t for t in texts if INTERNAL_CODE.search(t)]


def _ids(table: pd.DataFrame, column: str) -> list[str]:
    if column not in table.columns:
        return []
    return list(dict.fromkeys(i for cell in table[column].astype(str) for i in cell.split() if i and i != "nan"))


def _undrawn_tick_labels(fig) -> set[int]:
    """ids of tick labels matplotlib keeps but does not draw: ticks beyond the axis's view limits."""
    skip = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            scale = axis.get_transform()
            lo, hi = sorted(scale.transform(list(axis.get_view_interval())))
            eps = (hi - lo) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                where = scale.transform([loc])[0] if loc is not None else float("nan")
                if not (lo - eps <= where <= hi + eps):
                    skip.update({id(tick.label1), id(tick.label2)})
    return skip


def _texts_drawn(fig) -> list[matplotlib.text.Text]:
    """The text artists a draw that has just happened really showed (visible, not empty, not a tick label
    beyond the axis)."""
    skip = _undrawn_tick_labels(fig)
    return [
        a
        for a in fig.findobj(lambda a: isinstance(a, matplotlib.text.Text))
        if a.get_visible() and a.get_text().strip() and id(a) not in skip
    ]


def drawn_texts(fig) -> list[matplotlib.text.Text]:
    """Every text artist the figure really draws (visible, not empty, not a tick label beyond the axis)."""
    fig.canvas.draw()
    return _texts_drawn(fig)


def _outside(texts: Sequence[matplotlib.text.Text], fig, renderer) -> list[str]:
    """The first characters of each text whose extent (as `renderer` draws it) leaves the figure."""
    box = fig.bbox
    out = []
    for artist in texts:
        ext = artist.get_window_extent(renderer)
        if ext.x0 < box.x0 - 1 or ext.y0 < box.y0 - 1 or ext.x1 > box.x1 + 1 or ext.y1 > box.y1 + 1:
            out.append(artist.get_text()[:60])
    return out


def text_outside(fig, dpi: float = 300) -> list[str]:
    """Texts (titles, labels, notes, legends) that reach outside the figure, so would be clipped.

    Measured at `dpi` (the PNG's resolution): text widths do not scale exactly with resolution, so a label
    that fits on screen can still be cut in the 300 dpi file."""
    screen_dpi = fig.dpi
    fig.set_dpi(dpi)
    try:
        texts = drawn_texts(fig)
        return _outside(texts, fig, fig.canvas.get_renderer())
    finally:
        fig.set_dpi(screen_dpi)
        fig.canvas.draw()


def describe(fig, table: pd.DataFrame) -> dict:
    """What a chart shows, for the report and the tests: ids, title, subtitle, all texts, clipped texts, the
    smallest print size, overlapping texts and texts under a weak-source mark.

    After `save_figure` wrote the PNG, the texts and the clipped ones are those that draw measured (no
    further drawing); otherwise the figure is drawn here, at the PNG's resolution."""
    header = [t.get_text() for t in fig.texts[:2]]
    layout = getattr(fig, LAYOUT_ATTRIBUTE, None)
    if layout is None:
        drawn = drawn_texts(fig)
        layout = (
            [a.get_text() for a in drawn],
            text_outside(fig),
            smallest_print_pt(fig, drawn),
            overlapping_texts(fig, drawn, fig.canvas.get_renderer()),
            marks_over_texts(fig, drawn, fig.canvas.get_renderer()),
        )
    texts, outside, smallest, overlaps, covered = layout
    return {
        "figure_ids": _ids(table, "figure_id") or _ids(table, "milestone_id"),
        "source_ids": _ids(table, "source_id"),
        "title": " ".join(header[0].split()) if header else "",
        "subtitle": " ".join(header[1].split()) if len(header) > 1 else "",
        "texts": texts,
        "outside": outside,
        "smallest_pt": smallest,
        "overlaps": overlaps,
        "marks_over_texts": covered,
        "grey_clashes": legend_grey_clashes(fig),
    }


LAYOUT_ATTRIBUTE = "_scomm_layout"  # what `describe` reports of the texts, measured while the PNG was drawn


def _measure_while_drawing(fig):
    """Record on `fig`, during its next draw, the texts it shows and those that leave it (see `describe`)."""

    def measure(event) -> None:
        texts = _texts_drawn(fig)
        setattr(
            fig,
            LAYOUT_ATTRIBUTE,
            (
                [t.get_text() for t in texts],
                _outside(texts, fig, event.renderer),
                smallest_print_pt(fig, texts),
                overlapping_texts(fig, texts, event.renderer),
                marks_over_texts(fig, texts, event.renderer),
            ),
        )

    return fig.canvas.mpl_connect("draw_event", measure)


def _draw_at_png_dpi(fig) -> memoryview:
    """The PNG's draw: `fig` rendered once at PNG_DPI (savefig's own draw: facecolour, dpi) into raw RGBA pixels."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=PNG_DPI)
    return buffer.getbuffer()


def draw_measured(fig) -> None:
    """Lay `fig` out as its PNG is drawn (300 dpi) and measure its texts for `describe`, painting no pixel: for
    checks of a chart's layout as it is published (every text's extent is the PNG's), without the raster's cost.
    """
    listener = _measure_while_drawing(fig)
    screen_dpi = fig.dpi
    try:
        fig.dpi = PNG_DPI  # as savefig sets it for the PNG's draw
        fig.draw_without_rendering()
    finally:
        fig.dpi = screen_dpi
        fig.canvas.mpl_disconnect(listener)


def export_metadata(fig) -> dict[str, dict[str, str]]:
    """Title, subject (the subtitle) and author of a chart for each export format's own metadata fields."""
    header = [" ".join(t.get_text().split()) for t in fig.texts[:2]]
    title, subject = (header + ["", ""])[:2]
    return {
        "pdf": {"Title": title, "Subject": subject, "Author": AUTHOR},
        "svg": {"Title": title, "Description": subject, "Creator": AUTHOR},
        "png": {"Title": title, "Description": subject, "Author": AUTHOR},
    }


def print_size(artist: matplotlib.text.Text, fig) -> float:
    """The size in points `artist` prints at when `fig` is printed 16 cm wide."""
    return float(artist.get_fontsize()) * PRINT_WIDTH_IN / float(fig.get_size_inches()[0])


def smallest_print_pt(fig, texts: Sequence[matplotlib.text.Text] | None = None) -> float:
    """The smallest text of `fig` (of `texts`, when given, else of everything it draws) printed 16 cm wide."""
    texts = drawn_texts(fig) if texts is None else texts
    return round(min((print_size(t, fig) for t in texts), default=float("inf")), 2)


def overlapping_texts(
    fig, texts: Sequence[matplotlib.text.Text] | None = None, renderer=None, slack_px: float = 0.5
) -> list[list[str]]:
    """Pairs of texts whose drawn boxes overlap (by more than `slack_px` either way): [[first, second], ...].

    A legend's own texts and a text with itself are not compared with each other's container."""
    if texts is None:
        texts = drawn_texts(fig)
    renderer = renderer or fig.canvas.get_renderer()
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            wide = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            high = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if wide > slack_px and high > slack_px:
                pairs.append([a.get_text()[:40], b.get_text()[:40]])
    return pairs


def marks_over_texts(
    fig, texts: Sequence[matplotlib.text.Text] | None = None, renderer=None, slack_px: float = 0.5
) -> list[str]:
    """The texts (first characters) that a weak-source asterisk (see `mark_weak`) covers, as the figure draws
    (`texts` and `renderer` of a draw in progress, else the figure is drawn here)."""
    texts = drawn_texts(fig) if texts is None else texts
    renderer = renderer or fig.canvas.get_renderer()
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    half = math.sqrt(WEAK_MARK_AREA) / 2 * fig.dpi / 72  # the marker's half width, in pixels
    covered = []
    for ax in fig.axes:
        for coll in ax.collections:
            if coll.get_label() != WEAK_MARK_LABEL:
                continue
            for x, y in coll.get_offset_transform().transform(coll.get_offsets()):
                for t, box in boxes:
                    if min(box.x1, x + half) - max(box.x0, x - half) > slack_px and (
                        min(box.y1, y + half) - max(box.y0, y - half) > slack_px
                    ):
                        covered.append(t.get_text()[:40])
    return list(dict.fromkeys(covered))


def grey_lightness(color) -> float:
    """CIE lightness L* (0 black - 100 white) of `color` printed in greyscale."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in to_rgb(color))
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


GREY_STEP = 12.0  # L* points: the least lightness difference that keeps two legend classes apart on grey paper


def _handle_look(handle) -> tuple[float, str] | None:
    """(greyscale lightness of the fill, the other visual cue: hatch, marker or line style) of a legend handle."""

    if isinstance(handle, Patch):
        face = to_rgba(handle.get_facecolor())
        # a white or empty face drawn with a hatch shows its edge colour; a plain white face is white
        blank = face[3] == 0 or tuple(face[:3]) == (1.0, 1.0, 1.0)
        fill = handle.get_edgecolor() if blank and handle.get_hatch() else face
        return grey_lightness(fill[:3]), f"hatch:{handle.get_hatch() or ''}"
    if isinstance(handle, Line2D):
        marker_face = handle.get_markerfacecolor()
        filled = "hollow" if marker_face in ("none", "white", "#ffffff") else "filled"
        return grey_lightness(handle.get_color()), f"line:{handle.get_linestyle()}:{handle.get_marker()}:{filled}"
    if isinstance(handle, Collection):
        faces, edges = to_rgba_array(handle.get_facecolor()), to_rgba_array(handle.get_edgecolor())
        hollow = not len(faces) or faces[0][3] == 0 or tuple(faces[0][:3]) == (1.0, 1.0, 1.0)
        colour = edges[0] if hollow and len(edges) else faces[0]
        paths = handle.get_paths()
        shape = (
            len(np.asarray(paths[0].vertices)) if paths else 0
        )  # the marker's outline: circles, squares, triangles differ
        return grey_lightness(colour[:3]), f"marker:{shape}:{'hollow' if hollow else 'filled'}"
    return None


def legend_grey_clashes(fig, step: float = GREY_STEP) -> list[list[str]]:
    """Pairs of legend entries that look alike printed in grey: lightness closer than `step` and no other cue
    (hatch, marker, line style) telling them apart."""
    clashes = []
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is None:
            continue
        entries = [
            (text.get_text(), look)
            for text, handle in zip(legend.get_texts(), legend.legend_handles)
            if (look := _handle_look(handle)) is not None
        ]
        for i, (label_a, (light_a, cue_a)) in enumerate(entries):
            for label_b, (light_b, cue_b) in entries[i + 1 :]:
                if abs(light_a - light_b) < step and cue_a == cue_b:
                    clashes.append([label_a, label_b])
    return clashes


PAPER_LIGHTNESS = 97.0  # L*: fills this light read as the paper itself (backgrounds), not as a class


def _fill_classes(ax) -> dict[tuple[str, str], float]:
    """The filled classes one axes draws: (colour, hatch) -> greyscale lightness, from its bars, shaded spans,
    polygons and polygon collections (map fills); markers and lines are left to the legend check."""
    import numpy as np

    classes: dict[tuple[str, str], float] = {}

    def add(rgba, hatch: str, edge=None) -> None:
        if rgba is None or len(rgba) < 3 or (len(rgba) > 3 and rgba[3] == 0):
            rgba = None
        # a white or empty face drawn with a hatch shows its edge colour
        if (rgba is None or tuple(rgba[:3]) == (1.0, 1.0, 1.0)) and hatch and edge is not None:
            rgba = edge
        if rgba is None:
            return
        light = grey_lightness(rgba[:3])
        if light < PAPER_LIGHTNESS or hatch:
            classes[(to_hex(rgba[:3]), hatch or "")] = light

    for patch in ax.patches:
        if isinstance(patch, Patch) and patch.get_visible() and patch.get_fill():
            add(patch.get_facecolor(), patch.get_hatch() or "", patch.get_edgecolor())
    for coll in ax.collections:
        if isinstance(coll, (PolyCollection, PatchCollection)) and coll.get_visible():
            edges = np.atleast_2d(coll.get_edgecolor())
            for face in {tuple(f) for f in np.atleast_2d(coll.get_facecolor())}:
                add(face, coll.get_hatch() or "", edges[0] if len(edges) else None)
    return classes


def fill_grey_clashes(fig, step: float = GREY_STEP) -> list[list[str]]:
    """Pairs of fill classes on one axes (bars, shaded spans, map fills) whose greyscale lightness is closer than
    `step` with the same hatch, so they print as one grey: [['#rrggbb', '#rrggbb'], ...]."""
    clashes = []
    for ax in fig.axes:
        items = sorted(_fill_classes(ax).items(), key=lambda kv: kv[1])
        for i, ((colour_a, hatch_a), light_a) in enumerate(items):
            for (colour_b, hatch_b), light_b in items[i + 1 :]:
                if hatch_a == hatch_b and abs(light_a - light_b) < step and colour_a != colour_b:
                    clashes.append([colour_a, colour_b])
    return clashes


def is_line_hatch(hatch: str | None) -> bool:
    """True for a hatch drawn with lines (///, xx, ++): the house mark of an approximate value or bound only."""
    return bool(hatch) and bool(set(str(hatch)) & LINE_HATCH_MARKS)


def filled_shapes(fig) -> list[tuple[float, float, bool]]:
    """Every filled shape `fig` draws on its axes (bars, shaded spans, map fills; not legend keys), as (width,
    height, line-hatched): width and height in data units for rectangles, NaN for polygons."""
    shapes: list[tuple[float, float, bool]] = []
    for ax in fig.axes:
        for patch in ax.patches:
            if not (isinstance(patch, Patch) and patch.get_visible() and patch.get_fill()):
                continue
            width = float(patch.get_width()) if hasattr(patch, "get_width") else float("nan")
            height = float(patch.get_height()) if hasattr(patch, "get_height") else float("nan")
            shapes.append((width, height, is_line_hatch(patch.get_hatch())))
        for coll in ax.collections:
            if isinstance(coll, (PolyCollection, PatchCollection)) and coll.get_visible():
                shapes.append((float("nan"), float("nan"), is_line_hatch(coll.get_hatch())))
    return shapes


QUALIFIED_VALUES = (("qualifier", "value"), ("total_qualifier", "total"))  # (qualifier column, value column)


def hatch_mismatches(fig, table: pd.DataFrame) -> list[str]:
    """Where `fig`'s hatching disagrees with the qualifiers of `table`: a line-hatched shape that is not a bar of an
    approximate value, or a bar of an approximate value drawn without hatching. [] when hatching means only
    'approximate value or bound'."""
    approx_values, exact_values = [], []
    for qualifier, value in QUALIFIED_VALUES:
        if qualifier in table.columns and value in table.columns:
            numbers = pd.to_numeric(table[value], errors="coerce")
            approx = is_approximate(table[qualifier])
            approx_values += [float(v) for v in numbers[approx].dropna()]
            exact_values += [float(v) for v in numbers[~approx].dropna()]
    problems = []
    for width, height, hatched in filled_shapes(fig):
        lengths = [v for v in (width, height) if v == v]
        is_approx_bar = any(np.isclose(approx_values, v).any() for v in lengths if v)
        is_exact_bar = any(np.isclose(exact_values, v).any() for v in lengths if v)
        if hatched and not is_approx_bar:
            problems.append(f"hatched shape {width:g} x {height:g} is no approximate value")
        elif is_approx_bar and not is_exact_bar and not hatched:
            problems.append(f"approximate value drawn as a solid bar {width:g} x {height:g}")
    return problems


# ICE areas whose name alone would be read as another place: ICE's Washington office covers Washington, D.C., and
# Virginia (the state of Washington is in the Seattle area)
AREA_LABELS = {"WAS": "Washington, D.C."}


def area_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its `name` column as charts print ICE areas: by `AREA_LABELS` where the bare name misleads. The
    area code is the `aor` column or, failing that, the index."""
    codes = frame["aor"] if "aor" in frame.columns else pd.Series(frame.index, index=frame.index)
    return frame.assign(name=codes.map(AREA_LABELS).fillna(frame["name"]))


def date_axis(ax, which: str = "x", *, months: Sequence[int] | None = None) -> None:
    """Dates on `ax` as readers write them: years ("2010"), or "Jan. 2017" when `months` picks the ticks."""
    import matplotlib.dates as mdates

    axis = ax.xaxis if which == "x" else ax.yaxis
    if months:
        axis.set_major_locator(mdates.MonthLocator(bymonth=list(months)))
        axis.set_major_formatter(lambda v, _: (lambda d: f"{MONTH_WORDS[d.month - 1]}\n{d.year}")(mdates.num2date(v)))
    else:
        axis.set_major_locator(mdates.YearLocator())
        axis.set_major_formatter(mdates.DateFormatter("%Y"))


def count_axis(ax, which: str = "y") -> None:
    """Counts with thousands separators on `ax` ("0", "50,000", "100,000"; never "0k")."""
    (ax.yaxis if which == "y" else ax.xaxis).set_major_formatter(lambda v, _: f"{v:,.0f}")


PNG_DPI = 300  # the print file's resolution
PREVIEW_WIDTH_PX = SCREEN_WIDTHS[0]  # a notebook's preview of a chart, also the report's screen copy
PNG_COMPRESS_LEVEL = 3  # zlib level of the PNGs: smaller than the default RGBA at 6 and about twice as fast
_PREVIEWS: dict[str, bytes] = {}  # PNG path -> its preview's bytes, made from the pixels the PNG was written from


def _write_png(fig, path: Path, metadata: dict[str, str | None], screen_widths: Sequence[int]) -> None:
    """Draw `fig` once at PNG_DPI and write the pixels as an RGB PNG (the charts are opaque) with fixed
    metadata, plus its screen copies (screen/NAME-720.png, also kept for `show_saved`, and any other of
    `screen_widths`). Same figure, same bytes."""

    raw = _draw_at_png_dpi(fig)
    width_in, height_in = fig.get_size_inches()
    size = (int(width_in * PNG_DPI), int(height_in * PNG_DPI))
    if size[0] * size[1] * 4 != raw.nbytes:  # not the size Agg drew: let matplotlib write the file itself
        fig.savefig(path, format="png", dpi=PNG_DPI, metadata=metadata, pil_kwargs={"compress_level": 6})
        _PREVIEWS.pop(str(path), None)
        return
    # Pillow reads any buffer (a memoryview avoids copying the pixels); its stubs name only bytes
    rgba = Image.frombuffer("RGBA", size, cast(bytes, raw), "raw", "RGBA", 0, 1)
    opaque = rgba.getchannel("A").getextrema() == (255, 255)
    image = rgba.convert("RGB") if opaque else rgba.copy()  # the same pixels, without the alpha byte
    info = PngImagePlugin.PngInfo()
    for key, value in metadata.items():
        if value:
            info.add_text(key, value)
    image.save(path, format="png", pnginfo=info, dpi=(PNG_DPI, PNG_DPI), compress_level=PNG_COMPRESS_LEVEL)
    # the screen copies (the notebook's preview and the report's images) from the pixels in hand: no decoding later
    for width in dict.fromkeys((PREVIEW_WIDTH_PX, *screen_widths)):
        copy = screen_copy(image, width)
        write_screen_copy(path, width, copy)
        if width == PREVIEW_WIDTH_PX:
            _PREVIEWS[str(path)] = copy


def save_figure(
    fig,
    name: str,
    table: pd.DataFrame,
    *,
    out_dir: str | Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    screen_widths: Sequence[int] = (PREVIEW_WIDTH_PX,),
) -> Path:
    """Write NAME.png (300 dpi), NAME.svg, NAME.pdf and NAME.csv (the plotted table); return the PNG path.

    Metadata dates, the software tag and SVG ids are fixed, so saving the same chart twice gives
    byte-identical files. The PNG's draw also measures the texts (for `describe`) and gives the
    notebook's screen-size preview (for `show_saved`) and the screen copies of `screen_widths` (the report's
    key charts have a wider one), so the chart is drawn once per format.
    """
    target = Path(out_dir) if out_dir else FIGURES_DIR
    target.mkdir(parents=True, exist_ok=True)
    matplotlib.rcParams["svg.hashsalt"] = "scomm"
    written = {}
    words = export_metadata(fig)
    for fmt in formats:
        path = target / f"{name}.{fmt}"
        metadata = {**METADATA.get(fmt, {}), **words.get(fmt, {})}
        if fmt == "png":
            # the PNG's own draw, at 300 dpi, also measures the texts for `describe` (no extra drawing)
            listener = _measure_while_drawing(fig)
            try:
                _write_png(fig, path, metadata, screen_widths)
            finally:
                fig.canvas.mpl_disconnect(listener)
        else:
            fig.savefig(path, format=fmt, metadata=metadata)
        written[fmt] = path
    defuse_formulas(table).to_csv(target / f"{name}.csv", index=False, lineterminator="\n", date_format="%Y-%m-%d")
    plt.close(fig)
    return written.get("png", target / f"{name}.csv")


def preview_png(png_path: Path) -> bytes:
    """The screen-size preview of an exported PNG: the one made while it was written, else made from the file."""
    preview = _PREVIEWS.pop(str(png_path), None)
    if preview is None:
        with Image.open(png_path) as image:
            preview = screen_copy(image, PREVIEW_WIDTH_PX)
    return preview


def show_saved(png_path: Path, width: int = PREVIEW_WIDTH_PX):
    """Display an exported chart in a notebook as its screen-size preview (the 300-dpi PNG stays in figures/;
    PNG output is not compared by nbval, so cells stay stable)."""
    if png_path.suffix != ".png" or not png_path.exists():
        return display.Markdown(f"(chart written as {png_path.name}; PNG not among the requested formats)")
    return display.Image(data=preview_png(png_path), format="png", width=width)


# ---------------------------------------------------------------- the weak-source mark

WEAK_MARK_ATTRIBUTE = "_scomm_weak_marks"
# the mark: a six-armed asterisk (drawn as lines, no font needed) on a white halo, so it reads on any fill and in
# grey; it sits beside a point (left, clear of the labels the builders put on the right) or inside a bar's top
WEAK_MARK_LABEL = "_weak source mark"  # the asterisks' label (a leading _ keeps it out of legends and files)
WEAK_MARK_AREA = 42.0  # the asterisk's area in points squared (matplotlib's `s`)
WEAK_MARK = {"marker": (6, 2, 0), "s": WEAK_MARK_AREA, "zorder": 5, "clip_on": False, "label": WEAK_MARK_LABEL}
WEAK_MARK_HALO, WEAK_MARK_INK = {"color": "white", "linewidths": 3.2}, {"color": "#222222", "linewidths": 1.1}
BESIDE_POINT, INSIDE_BAR_TOP = (-10.0, 0.0), (0.0, -8.0)  # offsets of the mark from the value, in points
# for a series that rises to the right, where a mark beside a point lands on the point before it
ABOVE_LEFT_OF_POINT = (-5.5, 8.5)
ABOVE_BAR_LABEL = (0.0, 17.0)  # for short bars that carry a value label on top


def mark_weak(ax, x, y, table: pd.DataFrame, sources: pd.DataFrame, offset: tuple[float, float] = BESIDE_POINT) -> None:
    """Put an asterisk beside each value (`x`, `y`, aligned with `table`'s rows) whose source a chart must mark
    (`offset` in points: `BESIDE_POINT` for a marker, `INSIDE_BAR_TOP` for a bar), and record their rows so the
    footer names the kinds of source (see `weak_note`)."""
    import matplotlib.transforms as mtransforms

    weak = list(weak_rows(table, sources))
    xs = [a for a, w in zip(list(x), weak) if w]
    ys = [b for b, w in zip(list(y), weak) if w]
    if not xs:
        return
    fig = ax.figure
    where = mtransforms.offset_copy(ax.transData, fig=fig, x=offset[0], y=offset[1], units="points")
    for ink in (WEAK_MARK_HALO, WEAK_MARK_INK):
        ax.scatter(xs, ys, transform=where, **WEAK_MARK, **ink)
    marked = getattr(fig, WEAK_MARK_ATTRIBUTE, [])
    marked.append(table[list(weak)])
    setattr(fig, WEAK_MARK_ATTRIBUTE, marked)


def weak_marked(fig) -> pd.DataFrame:
    """The rows `fig` marks as resting on a weak kind of source (empty when none)."""
    marked = getattr(fig, WEAK_MARK_ATTRIBUTE, [])
    return pd.concat(marked, ignore_index=True) if marked else pd.DataFrame(columns=["source_id"])


WEAK_NOTE_LEAD = (
    "Asterisk beside a value: read in a weaker kind of source than an agency's own document, a court record, a study "
    "or a major news organisation: "
)


def weak_note(fig, sources: pd.DataFrame) -> str:
    """'Asterisk beside a value: read in a weaker kind of source than an agency's own document, a court record, a
    study or a major news organisation: repost or mirror: ICE text reposted on alipac.us forum.' Generated from
    the rows `mark_weak` marked ('' when none): a repost is named by the copy read (`source_names.copy_read`),
    never by the publisher it copies; a source the marked rows rate low confidence is called unverified here."""
    rows = weak_marked(fig)
    if rows.empty:
        return ""
    meta = sources.set_index("source_id")
    low = set(_ids(rows[rows["confidence"].astype(str) == "low"], "source_id")) if "confidence" in rows else set()
    by_kind: dict[str, list[str]] = {}
    for sid in dict.fromkeys(s for cell in rows["source_id"] for s in row_source_ids(cell)):
        kind = str(meta.loc[sid, "kind"])
        if is_weak_kind(kind):
            name = copy_read(meta, sid) + (" (unverified)" if sid in low else "")
            by_kind.setdefault(kind, [])
            if name not in by_kind[kind]:
                by_kind[kind].append(name)
    parts = [
        f"{kind}: {', '.join(names)}"
        for kind, names in sorted(by_kind.items(), key=lambda kv: SOURCE_KINDS.index(kv[0]))
    ]
    return WEAK_NOTE_LEAD + "; ".join(parts) + "."


def weak_marked_sources(fig) -> set[str]:
    """The source ids behind the values `fig` marks with an asterisk (see `mark_weak`)."""
    return set(_ids(weak_marked(fig), "source_id"))
