"""Charts of ICE's arrest and removal records (notebook 09). Each returns (figure, table): the table is
exactly what the chart plots, with the source_id of every row, and the source line is generated from it."""

from __future__ import annotations

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch

from scomm import charts, fmt, maps, source_kinds
from scomm import jails as j
from scomm import ratios as r
from scomm.fmt import day_month_year, format_number, month_year, significant
from scomm.jails import LITTLE_CHANGE
from scomm.schema import source_ids
from scomm.source_names import NO_DETAIL, source_name
from scomm.vendor import read_atlas

PERIOD_SHADE = "#e8e8e8"

AOR_SOURCE = source_ids("ice_county_aor")  # the county -> area crosswalk, as data/datapackage.json lists it


def _milestone(milestones: pd.DataFrame, milestone_id: str) -> pd.Series:
    return milestones.set_index("milestone_id").loc[milestone_id]


def _month_axis(ax) -> None:
    charts.date_axis(ax, months=[1, 7])


def _shade_periods(
    ax,
    first: pd.Timestamp,
    last: pd.Timestamp,
    pep: pd.Series,
    sc: pd.Series,
    top: float,
    extra: tuple[str, str] = ("", ""),
) -> None:
    """Grey band for the Priority Enforcement Program, white after the return, with a dated line; `extra` adds a
    line under each period's label."""
    start = max(first, pd.Timestamp(pep["date"]))
    ax.axvspan(start, sc["date"], color=PERIOD_SHADE, zorder=0, linewidth=0)
    ax.axvline(sc["date"], color="#555555", linewidth=1, linestyle="--", zorder=1)
    ax.text(
        start + pd.Timedelta(days=12),
        top,
        "Priority\nEnforcement\nProgram" + (f"\n{extra[0]}" if extra[0] else ""),
        fontsize=7.5,
        va="top",
        color="#333333",
    )
    ax.text(
        sc["date"] + pd.Timedelta(days=12),
        top,
        f"Secure Communities\nreinstated, {day_month_year(sc['date'])}" + (f"\n{extra[1]}" if extra[1] else ""),
        fontsize=7.5,
        va="top",
        color="#333333",
    )


# ICE's apprehension methods in plain words, for labels beside the lines (ICE's names stay in the CSV)
METHOD_WORDS = {
    j.CAP_LOCAL: "picked up from\na local jail",
    j.G287: "through a 287(g)\nagreement",
    "CAP State or Federal Incarceration": "picked up from a state\nor federal prison",
    "Located": "located at large",
    "Non-Custodial Arrest": "arrested outside\ncustody",
    j.OTHER_METHODS: "all other ways",
}
OTHER_LINE = "#8c8c8c"


def _spread(ys: list[float], heights: list[float], low: float) -> list[float]:
    """Centres for labels of `heights` (data units) wanted at `ys`, moved apart so none overlaps the next (kept
    in order, none below `low`)."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [0.0] * len(ys)
    floor = low
    for i in order:
        placed[i] = max(ys[i], floor + heights[i] / 2)
        floor = placed[i] + heights[i] / 2
    return placed


def monthly_methods_chart(
    monthly: pd.DataFrame,
    milestones: pd.DataFrame,
    sources: pd.DataFrame,
    span: j.Periods,
    pep_id: str = "M12",
    sc_id: str = "M14",
):
    """Arrests per month by apprehension method, October 2015 to the last complete month, periods shaded: jail
    pickups in colour with their average in each period, every other method in grey, each line labelled in words
    at its end (no legend)."""
    pep, sc = _milestone(milestones, pep_id), _milestone(milestones, sc_id)
    wide = monthly.pivot(index="month", columns="method_group", values="arrests").fillna(0)
    order = [g for g in list(j.METHOD_GROUPS) + [j.OTHER_METHODS] if g in wide.columns]
    local = wide[j.CAP_LOCAL]
    before = local[local.index.isin(span.before)].mean()
    after = local[local.index.isin(span.after)].mean()
    excluded = ", ".join(month_year(m) for m in span.excluded)
    fig, ax = charts.new_figure(
        f"ICE picked up an average of {format_number(round(before))} people a month from local jails under the "
        f"Priority Enforcement Program and {format_number(round(after))} after Secure Communities returned",
        f"ICE administrative arrests per month, by how ICE came to arrest the person, {month_year(wide.index[0])} to "
        f"{month_year(wide.index[-1])}, all ICE areas"
        + (f"; {excluded}, the month of the return, is left out of the averages" if excluded else ""),
        figsize=(6.3, 5.0),
    )
    for group in order:
        main = group == j.CAP_LOCAL
        ax.plot(
            wide.index,
            wide[group],
            color=charts.PALETTE[0] if main else OTHER_LINE,
            linewidth=2.2 if main else 1.0,
            zorder=3 if main else 2,
        )
    top = float(wide.to_numpy().max()) * 1.3
    ax.set_ylim(0, top)
    _shade_periods(
        ax,
        wide.index[0],
        wide.index[-1],
        pep,
        sc,
        top * 0.985,
        extra=(f"average: {format_number(round(before))}", f"average after: {format_number(round(after))}"),
    )
    for level, months in ((before, span.before), (after, span.after)):
        ax.hlines(level, months[0], months[-1], color=charts.PALETTE[0], linewidth=0.9, linestyle=(0, (2, 2)), zorder=1)
    last = wide.index[-1]
    ax.set_xlim(wide.index[0] - pd.Timedelta(days=20), last + pd.Timedelta(days=10))
    fig.subplots_adjust(right=0.76, bottom=0.12)
    ax.set_ylabel("arrests per month")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    _month_axis(ax)
    table = monthly.copy()
    events = milestones[milestones["milestone_id"].isin([pep_id, sc_id])]
    note_rows = pd.concat([table[["source_id"]], events[["source_id"]]])
    charts.add_source_note(
        fig,
        note_rows,
        sources,
        extra=(
            "Dashed lines: average monthly jail pickups in each period. 287(g): agreements that let local officers act as immigration agents. Monthly counts computed "
            "from ICE's record-level release (FOIA 2019-ICFO-53623)."
        ),
    )
    # labels at the right end of each line, moved apart where the lines end close together (placed once the
    # note has fixed the plot's height)
    ends = [float(wide[g].iloc[-1]) for g in order]
    box = ax.get_position()
    per_line = 7.2 * 1.3 / 72 / (box.height * fig.get_size_inches()[1]) * top  # one label line, in arrests
    sizes = [(METHOD_WORDS.get(g, g).count("\n") + 1) * per_line + per_line * 0.35 for g in order]
    heights = _spread(ends, sizes, low=0.0)
    for group, end, height in zip(order, ends, heights):
        main = group == j.CAP_LOCAL
        ax.plot(  # a short leader from the line's end to its label
            [last, last + pd.Timedelta(days=22)], [end, height], color="#bbbbbb", linewidth=0.6, clip_on=False
        )
        ax.text(
            last + pd.Timedelta(days=25),
            height,
            METHOD_WORDS.get(group, group),
            fontsize=7.2,
            va="center",
            ha="left",
            color=charts.PALETTE[0] if main else "#444444",
            fontweight="bold" if main else "normal",
            linespacing=1.1,
            clip_on=False,
        )
    return fig, table


def jail_share_chart(shares: pd.DataFrame, national: dict[str, pd.Series], sources: pd.DataFrame):
    """Ranked dot plot: each area's jail share before (circle) and after (square), under the main definition;
    the wider definition (jail pickups plus 287(g)) is a sensitivity check stated in the note and kept in the
    table."""
    defs = list(j.DEFINITIONS)
    shares = charts.area_labels(shares)
    first = shares[shares["definition"] == defs[0]].sort_values("rank")
    change = first["change_points"]
    up, down = int((change > LITTLE_CHANGE).sum()), int((change < -LITTLE_CHANGE).sum())
    top = first.iloc[0]
    fig, ax = charts.new_figure(
        f"The share of arrests picked up from local jails rose by more than {LITTLE_CHANGE:.0f} points in {up} of "
        f"{len(first)} ICE areas after Secure Communities returned and fell by more than {LITTLE_CHANGE:.0f} in "
        f"{down}; most in {top['name']} ({top['share_before']:.0f}% to {top['share_after']:.0f}%)",
        f"Share of each area's ICE administrative arrests that were pickups from a local jail, "
        f"{first['months_before'].iloc[0]} against {first['months_after'].iloc[0]}; an area is an ICE field "
        "office's region (Houston: the Houston office's region, not the city); ranked by the change",
        figsize=(6.3, 7.6),
    )
    labels = [f"{n} ({a:,} arrests before)" for n, a in zip(first["name"], first["arrests_before"])]
    y = np.arange(len(labels))[::-1]
    for yi, (_, row) in zip(y, first.iterrows()):
        ax.plot([row["share_before"], row["share_after"]], [yi, yi], color="#999999", linewidth=1, zorder=1)
    # before: a filled circle, larger than the square drawn over it, so where the two nearly coincide the circle still
    # shows round the square (a hollow marker would read as an approximate value, the house mark)
    ax.scatter(first["share_before"], y, color=charts.PALETTE[0], s=48, zorder=3, label="before the return")
    ax.scatter(first["share_after"], y, color=charts.PALETTE[1], marker="s", s=20, zorder=4, label="after the return")
    nat = national[defs[0]]
    ax.axvline(nat["share_before"], color=charts.PALETTE[0], linestyle=":", linewidth=1)
    ax.axvline(nat["share_after"], color=charts.PALETTE[1], linestyle="--", linewidth=1)
    ax.text(
        nat["share_after"] + 1,
        len(labels) - 0.2,
        f"national, after: {nat['share_after']:.0f}%",
        fontsize=7,
        va="bottom",
    )
    ax.text(
        nat["share_before"] - 1,
        len(labels) - 0.2,
        f"before: {nat['share_before']:.0f}%",
        fontsize=7,
        va="bottom",
        ha="right",
    )
    ax.set_ylim(-0.8, len(labels) + 0.8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("percent of the area's arrests")
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.set_yticks(y, labels, fontsize=7)
    fig.subplots_adjust(left=0.36)
    table = shares.copy()
    nat_rows = pd.DataFrame(
        [{**national[d].to_dict(), "name": "United States (all areas)", "source_id": j.RECORDS_SOURCE} for d in defs]
    )
    table = pd.concat([nat_rows, table], ignore_index=True)
    wide = national[defs[1]] if len(defs) > 1 else None
    sensitivity = (
        f" Counting arrests through 287(g) agreements as jail pickups too, the national share goes from "
        f"{wide['share_before']:.0f}% to {wide['share_after']:.0f}% (every area: the chart's CSV file)."
        if wide is not None
        else ""
    )
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            "Circles: before the return; squares: after. Vertical lines: national share before (dotted) and "
            "after (dashed), all arrests including those with no area recorded. The month of the return is left out."
            + sensitivity
            + " Each period's share pools its arrests; the chart of changes with intervals (notebook 12) takes the "
            "mean of monthly shares instead, so its changes differ a little."
            + " Counted from ICE's record-level release (FOIA request 2019-ICFO-53623)."
        ),
    )
    charts.legend_below(fig, ax, ncol=2)
    return fig, table


def arrests_removals_chart(
    monthly: pd.DataFrame,
    milestones: pd.DataFrame,
    sources: pd.DataFrame,
    sc_id: str = "M14",
    pep_id: str = "M12",
    span: j.Periods | None = None,
):
    """Arrests and removals per month, in two panels (they count different events); the title states the
    change in average monthly arrests between the periods of `span` (computed here)."""
    pep, sc = _milestone(milestones, pep_id), _milestone(milestones, sc_id)
    months = pd.to_datetime(monthly["month"])
    if span is None:
        span = j.periods(months, sc["date"], months.iloc[-1])
    before = monthly.loc[months.isin(span.before), "arrests"].mean()
    after = monthly.loc[months.isin(span.after), "arrests"].mean()
    change = r.growth(r.Quantity(before), r.Quantity(after)).value
    fig, (ax1, ax2) = charts.new_figure(
        f"ICE's interior arrests averaged {format_number(significant(after, 2))} a month after Secure Communities "
        f"returned, {abs(change):.0f}% {'more' if change > 0 else 'fewer'} than under the Priority Enforcement "
        "Program",
        f"ICE Enforcement and Removal Operations (ERO) administrative arrests, by month of arrest, and ICE "
        f"removals, by month of removal, {month_year(months.iloc[0])} to {month_year(months.iloc[-1])}, all areas",
        nrows=2,
        figsize=(6.3, 5.6),
        sharex=True,
    )
    fig.subplots_adjust(hspace=0.3)
    for ax, column, heading, color in (
        (ax1, "arrests", "Arrests per month", charts.PALETTE[1]),
        (ax2, "removals", "Removals per month", charts.PALETTE[0]),
    ):
        ax.plot(months, monthly[column], color=color, linewidth=1.6)
        top = float(monthly[column].max()) * 1.45
        ax.set_ylim(0, top)
        _shade_periods(ax, months.iloc[0], months.iloc[-1], pep, sc, top * 0.97)
        ax.set_title(heading, fontsize=8.5, loc="left", fontweight="bold")
        charts.count_axis(ax)
    for level, period in ((before, span.before), (after, span.after)):
        ax1.hlines(
            level,
            period[0],
            period[-1] + pd.offsets.MonthEnd(0),
            color="#000000",
            linewidth=0.9,
            linestyle=(0, (2, 2)),
            zorder=1,
        )
        ax1.text(
            period[-1], level, f" average\n {format_number(significant(level, 2))}", fontsize=7, va="bottom", ha="right"
        )
    _month_axis(ax2)
    events = milestones[milestones["milestone_id"].isin([pep_id, sc_id])]
    charts.add_source_note(
        fig,
        pd.concat([monthly[["source_id"]], events[["source_id"]]]),
        sources,
        extra=(
            f"Averages over {span.label('before')} and {span.label('after')}; the month of the return is left out. "
            "Removals include people apprehended at the border by Customs and Border Protection and removed by ICE, "
            "so the two counts are not steps of one process. Counted from ICE's record-level release "
            "(FOIA request 2019-ICFO-53623)."
        ),
    )
    return fig, monthly


def _count_words(n: float) -> str:
    """'no' for zero, else the count with separators ('3,808')."""
    return "no" if int(n) == 0 else format_number(int(n))


def covered_words(first: pd.Timestamp, last: pd.Timestamp) -> str:
    """The months records cover, in words: 'October 2015 to August 2019', and when the last day reaches only a few
    days into a month, the last whole month with that day beside it ('... to August 2019 (some records to Sept. 1,
    2019)'), so the period is not read as a whole month more."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if last.day < FEW_DAYS and last > first:
        whole = last.replace(day=1) - pd.Timedelta(days=1)
        return f"{month_year(first)} to {month_year(whole)} (some records to {day_month_year(last)})"
    return f"{month_year(first)} to {month_year(last)}"


FEW_DAYS = 8  # a last day before the 8th of its month is 'a few days into' it

NOT_AN_AREA = {"HQ": "at headquarters", "not recorded": "with no area recorded"}  # rows that are not field offices


def area_totals_chart(
    totals: pd.DataFrame, sources: pd.DataFrame, covered: tuple[pd.Timestamp, pd.Timestamp] | None = None
):
    """Each ICE area's share of all removal records beside its share of all arrest records (shares of all records;
    the rows that are not areas, headquarters and blank, are counted in the note, not drawn). `covered`: the first
    and last dates the records cover, for the subtitle."""
    totals = charts.area_labels(totals)
    kept = totals[~totals["aor"].isin(NOT_AN_AREA) & ~totals["name"].isin(NOT_AN_AREA)]
    left = totals.drop(kept.index)
    rows = kept[kept["removals"] + kept["arrests"] > 0].sort_values("removals_share", ascending=False)
    lead = rows.iloc[0]
    per_arrest = lead["removals"] / lead["arrests"] if lead["arrests"] else float("nan")
    fig, ax = charts.new_figure(
        f"The {lead['name']} area holds {lead['removals_share']:.1f}% of ICE's removal records but "
        f"{lead['arrests_share']:.1f}% of its arrest records: {per_arrest:.1f} removals for every arrest there",
        "Each area's share of all ICE removal records and of all ICE administrative arrest records, "
        + (f"{covered_words(*covered)}; " if covered else "")
        + "an area is an ICE field office's region; sorted by removals",
        figsize=(6.3, 7.0),
    )
    y = np.arange(len(rows))[::-1]
    h = 0.4
    ax.barh(y + h / 2, rows["removals_share"], height=h, color=charts.PALETTE[0])
    ax.barh(y - h / 2, rows["arrests_share"], height=h, color=charts.PALETTE[1])
    # direct labels on the first row instead of a legend
    for share, dy, word in ((lead["removals_share"], h / 2, "removals"), (lead["arrests_share"], -h / 2, "arrests")):
        ax.text(share + 0.3, y[0] + dy, f"{share:.1f}% of {word}", fontsize=7.2, va="center")
    ax.set_yticks(y, rows["name"])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(0, float(rows["removals_share"].max()) * 1.3)  # room for the label beside the longest bar
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.set_xlabel("percent of all records of each kind (removals dark, arrests light)")
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    fig.subplots_adjust(left=0.2, bottom=0.1)
    outside = "; ".join(
        f"{_count_words(row['arrests'])} arrest and {_count_words(row['removals'])} removal records "
        f"{NOT_AN_AREA.get(row['aor'], NOT_AN_AREA.get(row['name'], ''))}"
        for _, row in left.iterrows()
    )
    charts.add_source_note(
        fig,
        rows,
        sources,
        extra="Computed from ICE's record-level release (FOIA 2019-ICFO-53623)."
        + (f" Not drawn, but counted in the totals: {outside}." if outside else ""),
    )
    return fig, rows.reset_index(drop=True)


def records_vs_published_chart(comparison: pd.DataFrame, sources: pd.DataFrame):
    """Records minus each published total, one dot per published total of a complete fiscal year, on an axis
    of a few records, so that equal counts sit on the zero line and a gap of 1 shows; partial years are
    listed in the note, not drawn."""
    rows = comparison.sort_values(["event", "fiscal_year", "published"]).reset_index(drop=True)
    full = rows[~rows["partial_year"]].copy()
    meta = sources.set_index("source_id")
    full["publisher"] = [
        source_name(meta, str(sid).split()[0], cut=NO_DETAIL, dated=False) for sid in full["source_id"]
    ]
    equal = int((full["difference"] == 0).sum())
    off = full[full["difference"] != 0]["difference"].abs()
    weak_off = len(off) > 0 and bool(source_kinds.weak_rows(full[full["difference"] != 0], sources).all())
    each = {1: "", 2: "both "}.get(len(off), "each ")
    where = f", {each}printed by a weaker kind of source (asterisk)," if weak_off else ""
    rest = (
        f"; the other {fmt.count_words(len(off))}{where} differ{'s' if len(off) == 1 else ''} by {' and '.join(f'{v:,.0f}' for v in sorted(off))} "
        f"record{'s' if off.max() > 1 else ''}"
        if len(off)
        else ""
    )
    fig, ax = charts.new_figure(
        f"{equal} of the {len(full)} printings of ICE's annual totals for complete fiscal years equal the number of "
        f"records in its release{rest}",
        "Records in ICE's record-level release minus the total printed, administrative arrests and removals by ICE "
        "Enforcement and Removal Operations (ERO), "
        f"fiscal years {full['fiscal_year'].min()} to {full['fiscal_year'].max()} (one row per printed total)",
        figsize=(6.3, 0.3 * len(full) + 2.6),
    )
    fig.subplots_adjust(left=0.34, right=0.80)
    y = np.arange(len(full))[::-1]
    labels = [f"FY{row.fiscal_year} {row.event}" for row in full.itertuples()]
    ax.axvline(0, color="#555555", linewidth=0.8, zorder=1)
    ax.scatter(full["difference"], y, color=charts.PALETTE[0], s=24, zorder=3)
    charts.mark_weak(ax, full["difference"], y, full, sources)  # totals printed by a weak kind of source
    for yi, row in zip(y, full.itertuples()):
        ax.text(1.02, yi, f"{row.published:,.0f} printed", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=7.5)
    span = max(5.0, float(full["difference"].abs().max()) + 1)
    ax.set_xlim(-span, span)
    ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(1))
    ax.xaxis.set_major_formatter(lambda v, _: fmt.signed(v))
    ax.set_xlabel("records minus printed total")
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    partial = rows[rows["partial_year"]]
    left_out = "; ".join(
        f"FY{p.fiscal_year} {p.event}: {p.records:,.0f} records against {p.published:,.0f} printed"
        for p in partial.itertuples()
    )
    charts.add_source_note(
        fig,
        rows,
        sources,
        extra=(
            "Not drawn: the release stops before the end of the last fiscal year, so its records are not expected to "
            f"equal the whole-year total ({left_out})."
            if len(partial)
            else ""
        ),
    )
    return fig, rows


# ---------------------------------------------------------------- map of the areas

BREAKS = (LITTLE_CHANGE, 10.0, 20.0)  # symmetric about zero
CHANGE_LABELS = (
    f"fell by {BREAKS[2]:.0f} points or more",
    f"fell by {BREAKS[1]:.0f} to {BREAKS[2]:.0f} points",
    f"fell by {BREAKS[0]:.0f} to {BREAKS[1]:.0f} points",
    f"little change (within {BREAKS[0]:.0f} points)",
    f"rose by {BREAKS[0]:.0f} to {BREAKS[1]:.0f} points",
    f"rose by {BREAKS[1]:.0f} to {BREAKS[2]:.0f} points",
    f"rose by {BREAKS[2]:.0f} points or more",
)
# diverging, centred on zero: oranges (dotted) for falls, purples for rises, darker = larger; a pale neutral for
# little change. Falls and rises of equal size share a lightness, so the dots tell them apart in grey (dots, not
# hatching: hatching marks approximate values only).
CHANGE_COLORS = ("#b35806", "#e08214", "#fdb863", "#dcdcdc", "#b2abd2", "#8073ac", "#2d004b")
CHANGE_HATCH = ("....", "....", "....", "", "", "", "")


def change_label(points: float) -> str:
    """A change in points as a map labels it: whole points ('+5', '\u221210'), one decimal when whole points would
    put it across a class edge (-1.76 is '\u22121.8', not '\u22122', since it is 'little change')."""
    near_edge = any(abs(abs(points) - edge) < 0.5 for edge in BREAKS)
    return fmt.signed(points, 1 if near_edge else 0)


def change_class(points: pd.Series) -> pd.Series:
    """Each change (percentage points) in its class of CHANGE_LABELS: by its size against BREAKS and its sign,
    so a fall and a rise of the same size always get mirrored classes."""
    size = points.abs()
    step = np.select([size <= BREAKS[0], size <= BREAKS[1], size <= BREAKS[2]], [0, 1, 2], default=3)
    index = np.where(points > 0, 3 + step, 3 - step)
    labels = [CHANGE_LABELS[int(i)] if v == v else None for i, v in zip(index, points)]
    return pd.Series(pd.Categorical(labels, categories=CHANGE_LABELS), index=points.index)


# label positions moved off crowded neighbours (map units), by ICE area code
LABEL_NUDGE = {
    "NYC": (30, -34),
    "NEW": (-8, 16),
    "PHI": (-38, 10),
    "BAL": (10, 22),
    "WAS": (-12, 14),
    "BOS": (20, -6),
    "BUF": (-30, -12),
    "HOU": (30, 22),
    "SNA": (-28, -4),
    "SND": (-22, 22),
    "PHO": (14, 0),
}


OFFSHORE = ("NYC", "NEW", "PHI", "BAL", "WAS")  # areas labelled in the Atlantic column (map units below)
OFFSHORE_X, OFFSHORE_STEP = 885.0, 40.0


def _boundary_arcs(topology: dict, code_of: dict[str, str]) -> list[int]:
    """Arcs that separate two counties of different areas (or a county from the sea or border)."""
    users: dict[int, set] = {}
    for g in topology["objects"]["counties"]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"] if g["type"] == "MultiPolygon" else []
        area = code_of.get(str(g.get("id", "")), "")
        for poly in polys:
            for ring in poly:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, set()).add(area)
    return [i for i, areas in users.items() if len(areas) > 1]


def aor_map(shares: pd.DataFrame, crosswalk: pd.DataFrame, sources: pd.DataFrame, definition: str = "cap_local"):
    """Counties coloured by their area's change in jail share (points), area borders drawn; (fig, table).

    The table has one row per county of the map with its area code and the area's shares and change.
    """
    rows = charts.area_labels(shares[shares["definition"] == definition]).set_index("aor")
    counties, states = maps.atlas()
    code_of = dict(zip(crosswalk["geoid"].astype(str), crosswalk["aor"].astype(str)))
    table = pd.DataFrame({"map_fips": [s.id for s in counties], "map_name": [s.name for s in counties]})
    table["aor"] = table["map_fips"].map(code_of)
    table = table.join(rows[["name", "share_before", "share_after", "change_points"]], on="aor")
    table["class"] = change_class(table["change_points"])
    colors = dict(zip(CHANGE_LABELS, CHANGE_COLORS))
    hatches = dict(zip(CHANGE_LABELS, CHANGE_HATCH))
    classes = change_class(rows["change_points"])
    up = int((rows["change_points"] > LITTLE_CHANGE).sum())
    down = int((rows["change_points"] < -LITTLE_CHANGE).sum())
    fig, ax = charts.new_figure(
        f"After Secure Communities returned, the share of arrests from local jails rose by more than "
        f"{LITTLE_CHANGE:.0f} points in {up} of {len(rows)} ICE areas and fell by more than {LITTLE_CHANGE:.0f} "
        f"in {down}",
        f"Change in the share of each area's ICE administrative arrests that were pickups from a local jail, "
        f"{rows['months_before'].iloc[0]} against {rows['months_after'].iloc[0]}, percentage points; counties "
        "shaded by the ICE field office area they belong to (Alaska and Hawaii inset, not to scale)",
        figsize=(6.3, 6.6),
    )
    shade = table["class"].astype(object).map(colors).fillna(maps.MISSING_COLOR).to_numpy()
    hatched = table["class"].astype(object).map(hatches).fillna("").to_numpy()
    # the falls are drawn once, filled and hatched in one collection (so a fall never reads as the rise of the
    # same grey); the other counties in the plain collection
    plain = np.where(hatched == "", shade, "none")
    rings, owner = maps.fill_counties(ax, plain, None, 0.1)
    falls = [(ring, shade[o]) for ring, o in zip(rings, owner) if hatched[o]]
    if falls:
        with matplotlib.rc_context({"hatch.color": "#ffffff", "hatch.linewidth": 0.6}):
            ax.add_collection(
                PolyCollection(
                    [ring for ring, _ in falls],
                    facecolors=[colour for _, colour in falls],
                    edgecolors="none",
                    hatch=CHANGE_HATCH[0],
                    linewidths=0,
                )
            )
    maps.outline_states(ax, states, "#888888", 0.25)
    topology = read_atlas()
    arcs = maps.decode_arcs(topology)
    border = [arcs[i] for i in _boundary_arcs(topology, code_of)]
    ax.add_collection(LineCollection(border, colors="#000000", linewidths=0.8))
    # label each area at the mean of its counties' first-ring centres (mainland counties only)
    centres = pd.DataFrame([(s.id, *s.polygons[0][0].mean(axis=0)) for s in counties], columns=["map_fips", "x", "y"])
    centres["aor"] = centres["map_fips"].map(code_of)
    main = centres[~centres["map_fips"].astype(str).str[:2].isin(["02", "15"])]  # not the Alaska, Hawaii insets
    mean_centres = main.groupby("aor")[["x", "y"]].mean()
    # the small north-eastern areas are labelled in a column out in the Atlantic, each with a leader line, so no
    # label box covers the area it describes
    offshore = mean_centres.loc[[c for c in OFFSHORE if c in mean_centres.index and c in rows.index]].sort_values("y")
    column_y = offshore["y"].min() + OFFSHORE_STEP * np.arange(len(offshore))
    placed = {code: (OFFSHORE_X, float(y)) for code, y in zip(offshore.index, column_y)}
    for code, c in mean_centres.iterrows():
        if code in rows.index:
            x, y = placed.get(
                code, (c["x"] + LABEL_NUDGE.get(code, (0, 0))[0], c["y"] + LABEL_NUDGE.get(code, (0, 0))[1])
            )
            if code in placed:
                ax.plot([c["x"], x - 2], [c["y"], y], color="#333333", linewidth=0.5, zorder=4)
            change = float(rows.loc[code, "change_points"])
            ax.text(
                x,
                y,
                f"{rows.loc[code, 'name'].replace(', ', ',' + chr(10)) if code in placed else rows.loc[code, 'name']}"
                f"\n{change_label(change)}",
                fontsize=6.6,
                ha="left" if code in placed else "center",
                va="center",
                color="#000000",
                linespacing=1.0,
                bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.85),
            )
    counts = classes.value_counts()
    handles = [
        Patch(
            facecolor=colors[c], edgecolor="#999999", hatch=hatches[c], linewidth=0.4, label=f"{c}: {counts.get(c, 0)}"
        )
        for c in CHANGE_LABELS
        if counts.get(c, 0) or c == CHANGE_LABELS[3]  # classes no area falls in are left out of the key
    ]
    if table["aor"].isna().any():
        handles.append(Patch(facecolor=maps.MISSING_COLOR, edgecolor="#999999", label="county not in the crosswalk"))
    ax.legend(
        handles=handles,
        loc="upper center",
        fontsize=7,
        ncol=2,
        bbox_to_anchor=(0.5, 0.0),
        title="change in the area's jail share (number of areas)",
        title_fontsize=7.5,
    )
    table["source_id"] = f"{j.RECORDS_SOURCE} {AOR_SOURCE} {maps.MAP_SOURCE}"
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            "Areas of responsibility drawn from a county-to-area crosswalk; thick lines are area borders, thin grey "
            "lines state borders. Computed from ICE's record-level release (FOIA 2019-ICFO-53623)."
        ),
    )
    top = fig.subplotpars.top + 0.35 / fig.get_size_inches()[1]
    width_in, height_in = fig.get_size_inches()
    height = 0.96 * width_in * 610 / 975 / height_in
    ax.set_position([0.02, top - height, 0.96, height])
    return fig, table
