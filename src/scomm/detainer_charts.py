"""Charts of ICE's detainer record, 2007-2015, and of the encounter records of the reinstated era (notebook 10).

Each function returns (figure, table): the table is exactly what the chart plots, with the source_id of
every row, and the chart's source line is generated from it. Numbers in titles come from the tables.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from scomm import charts, fmt, maps
from scomm import detainers as det
from scomm.rollout_counts import share_active
from scomm.schema import source_ids

# the sources of each table, as data/datapackage.json lists them
DETAINER_SOURCES = source_ids("detainers_yearly")
FACILITY_SOURCE = source_ids("facility_counties")
OIG_SOURCE = source_ids("agreements_287g_2009")
WAPO_SOURCE = source_ids("wapo_287g_sheriffs")
ENCOUNTER_SOURCE = source_ids("ice_encounters_monthly")
WAPO_LICENCE = "CC BY-NC-SA 4.0, The Washington Post"


CLOSE_EVENTS_DAYS = 180  # events closer than this share a stretch of the axis: their numbers are staggered


Days = dict[int, tuple[pd.Timestamp, pd.Timestamp]]  # year -> its first and last day in the record (`year_days`)


def _part(year: int, days: Days, short: bool = False) -> str:
    """The part of `year` the record covers ('from October', 'to July 19'); '' for a whole year."""
    return det.covered(*days[year], short=short) if year in days else ""


def _with_part(year: int, days: Days) -> str:
    """'2007 (from October)', '2012'."""
    part = _part(year, days)
    return f"{year} ({part})" if part else str(year)


def year_label(year: int, days: Days) -> str:
    """Tick label of a calendar year, with the part of it the record covers when partial."""
    part = _part(year, days, short=True)
    return f"{year}\n({part})" if part else str(year)


def _ints(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`frame` with `columns` as integers (validated tables read counts as floats)."""
    return frame.assign(**{c: frame[c].astype("int64") for c in columns})


def _milestone_rows(milestones: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    rows = milestones.set_index("milestone_id").loc[ids].reset_index()
    rows["date"] = pd.to_datetime(rows["date"])
    return rows.sort_values("date").reset_index(drop=True)


def monthly_chart(
    monthly: pd.DataFrame,
    activations: pd.DataFrame,
    milestones: pd.DataFrame,
    sources: pd.DataFrame,
    event_ids: list[str],
    ended_id: str = "M12",
):
    """Detainers issued per month (top) beside the share of counties with Secure Communities active (bottom,
    left blank from the month the program ended, milestone `ended_id`), with numbered dated events explained in
    the note."""
    table = _ints(monthly, ["detainers", "calendar_year", "fiscal_year"])
    table["month"] = pd.to_datetime(table["month"])
    ended = _milestone_rows(milestones, [ended_id])["date"].iloc[0]
    in_operation = (table["month"] + pd.offsets.MonthEnd(0)) < ended
    table["share_active"] = share_active(activations, table["month"]).round(2).where(in_operation)
    table["source_id"] = DETAINER_SOURCES + " " + " ".join(sorted(set(" ".join(activations["source_id"]).split())))
    peak = table.loc[table["detainers"].idxmax()]
    last = table[table["partial"].fillna("") == ""].iloc[-1]  # the last whole month
    events = _milestone_rows(milestones, event_ids)
    fig, (top, bottom) = charts.new_figure(
        f"Detainers to local jails peaked at {peak['detainers']:,} in {fmt.month_year(peak['month'])}; in "
        f"{fmt.month_year(last['month'])} ICE issued {last['detainers']:,}",
        f"ICE detainers issued to local law enforcement agencies per month, {fmt.month_year(table['month'].iloc[0])} to "
        f"{fmt.month_year(table['month'].iloc[-1])} (July 2015 to the 19th), and the percent of counties in ICE's list where "
        f"Secure Communities was active, until it ended on {fmt.day_month_year(ended)}",
        nrows=2,
        figsize=(7.6, 6.6),
        sharex=True,
        gridspec_kw={"height_ratios": [2.2, 1]},
    )
    full = table[table["partial"].fillna("") == ""]
    top.plot(
        full["month"],
        full["detainers"],
        color=charts.PALETTE[0],
        marker="o",
        markersize=2.6,
        markevery=6,
        linewidth=1.6,
    )
    part = table[table["partial"].fillna("") != ""]
    top.plot(
        part["month"],
        part["detainers"],
        linestyle="none",
        marker="o",
        markerfacecolor="white",
        markeredgecolor=charts.PALETTE[0],
        markersize=4,
    )
    ymax = float(table["detainers"].max()) * 1.32
    top.set_ylim(0, ymax)
    top.set_ylabel("detainers per month")
    top.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    drawn = table[table["share_active"].notna()]
    bottom.plot(drawn["month"], drawn["share_active"], color=charts.PALETTE[1], linestyle="--", linewidth=1.8)
    bottom.set_ylim(0, 105)
    bottom.set_ylabel("counties active (%)")
    level, previous = 0, None
    for k, row in events.iterrows():
        for ax in (top, bottom):
            ax.axvline(row["date"], color="#777777", linewidth=0.8, linestyle=":", zorder=1)
        # an event close to the one before gets its number one step lower, so the circles never overlap
        close = previous is not None and (row["date"] - previous).days < CLOSE_EVENTS_DAYS
        level, previous = (level + 1) % 2 if close else 0, row["date"]
        top.text(
            row["date"],
            ymax * (0.97 - 0.11 * level),
            str(k + 1),
            ha="center",
            va="top",
            fontsize=7.5,
            bbox={"boxstyle": "circle,pad=0.18", "facecolor": "white", "edgecolor": "#777777", "linewidth": 0.6},
        )
    bottom.xaxis.set_major_locator(mdates.YearLocator())
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    # the key names each event in its short form, the words before its first colon (the milestones table and the
    # notebook give the full text)
    legend = "; ".join(
        f"({k + 1}) {fmt.day_month_year(r['date'])}: {str(r['event']).split(': ')[0]}" for k, r in events.iterrows()
    )
    note_rows = pd.concat([table[["source_id"]], events[["source_id", "milestone_id", "confidence"]]])
    charts.add_source_note(
        fig,
        note_rows,
        sources,
        extra=(
            f"Numbered lines: {legend}. Hollow dot: July 2015, counted to the 19th only. Counties active: share of the "
            f"{len(activations):,} counties in ICE's activation list active by the month's end, not drawn from "
            f"{fmt.month_year(ended)}, when the program ended."
        ),
    )
    table["month"] = table["month"].dt.strftime("%Y-%m-%d")
    return fig, table[["month", "calendar_year", "fiscal_year", "detainers", "partial", "share_active", "source_id"]]


def declines_chart(placement: pd.DataFrame, yearly: pd.DataFrame, sources: pd.DataFrame):
    """Declined detainers per calendar year: at facilities placed in a county, at named facilities not placed,
    and at 'OTHER-OTHER FACILITY' (no place); the part of a partial year it covers from `yearly`'s dates."""
    days = det.year_days(yearly)
    table = _ints(
        placement, ["year", "declined", "no_place", "at_named_facilities", "placed", "unplaced", "lift_reason_declined"]
    )
    table["partial"] = table["partial"].fillna("")
    table["source_id"] = f"{DETAINER_SOURCES} {FACILITY_SOURCE}"
    peak = table.loc[table["declined"].idxmax()]
    before = table[table["year"] < peak["year"]]["declined"].sum()
    first, last = int(table["year"].min()), int(table["year"].max())
    start = days.get(first, (pd.Timestamp(first, 1, 1),))[0]  # 'October 2007' when the record starts inside it
    since = fmt.month_year(start) if (start.month, start.day) != (1, 1) else str(first)
    fig, ax = charts.new_figure(
        f"Local agencies declined {peak['declined']:,} ICE detainers in {peak['year']}, against {before:,} "
        f"from {since} through {int(peak['year']) - 1}",
        f"Detainers declined by the local law enforcement agency, by calendar year and where the facility lies, "
        f"{_with_part(first, days)} to {_with_part(last, days)}",
        figsize=(7.6, 5.0),
    )
    x = np.arange(len(table))
    parts = [
        ("placed", "at a facility placed in a county", charts.PALETTE[0], None),
        ("unplaced", "at a named facility not placed", charts.PALETTE[1], ".."),  # dots: a class, not approximate
        ("no_place", "at a facility the record leaves unnamed (ICE's 'other' code)", "#bbbbbb", None),
    ]
    bottom = np.zeros(len(table))
    for column, label, color, hatch in parts:
        ax.bar(
            x,
            table[column],
            bottom=bottom,
            color=color,
            hatch=hatch,
            edgecolor="#333333",
            linewidth=0.4,
            label=label,
            width=0.7,
        )
        bottom += table[column].to_numpy()
    for xi, total in zip(x, table["declined"]):
        ax.text(xi, total, f"{total:,}", ha="center", va="bottom", fontsize=7.5)
    ax.set_xticks(x, [year_label(int(y), days) for y in table["year"]])
    ax.set_ylim(0, float(table["declined"].max()) * 1.12)
    ax.set_ylabel("declined detainers")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.grid(axis="x", visible=False)
    shares = ", ".join(f"{int(r.year)} {r.share_placed:.1%}" for r in table.itertuples() if r.at_named_facilities)
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            f"Share of declines at named facilities placed in a county: {shares}. Facilities are placed by a "
            f"county in the name, ICE's facility list, or a hand-checked list (kept with the data, with a source or reason for each facility). 2014: the "
            f"lift-reason table counts {int(table.loc[table.year == 2014, 'lift_reason_declined'].iloc[0]):,} declines, "
            f"one more than the facility table (one declined detainer has no facility)."
        ),
    )
    charts.legend_below(fig, ax, ncol=2)
    return fig, table


DECLINE_CLASSES = [(1, 9), (10, 49), (50, 249), (250, None)]


def declines_map(dec: pd.DataFrame, year: int, milestones: pd.DataFrame, sources: pd.DataFrame, law_ids: list[str]):
    """County map of declined detainers in `year`; what is not on the map is counted in the note."""
    rows = _ints(dec, ["year", "declined"])
    rows = rows[rows["year"] == year]
    placed = rows[rows["placed_by"].isin(det.PLACED_BY)]
    by_county = placed.groupby(["fips", "county", "state"], as_index=False)["declined"].sum()
    counties, states = maps.atlas()
    shapes = pd.DataFrame({"map_fips": [s.id for s in counties], "map_name": [s.name for s in counties]})
    table = shapes.merge(by_county, left_on="map_fips", right_on="fips", how="left")
    missing = by_county[~by_county["fips"].isin(shapes["map_fips"])]
    # light = few, dark = many; the lightest shade is left out so that the fewest stays apart from 'none' (white)
    colors = maps.sequential_colors(len(DECLINE_CLASSES) + 1)[::-1][1:]
    labels = [f"{lo:,}-{hi:,}" if hi else f"{lo:,} or more" for lo, hi in DECLINE_CLASSES]

    def klass(v: float) -> str | None:
        if not v or np.isnan(v):
            return None
        return next(lab for (lo, hi), lab in zip(DECLINE_CLASSES, labels) if v >= lo and (hi is None or v <= hi))

    table["class"] = table["declined"].map(klass)
    shade = table["class"].map(dict(zip(labels, colors))).fillna(maps.MISSING_COLOR).to_numpy()
    top = by_county.sort_values(["declined", "fips"], ascending=[False, True]).iloc[0]
    no_place = int(rows.loc[rows["placed_by"] == "no place", "declined"].sum())
    unplaced = int(rows.loc[rows["placed_by"] == "unplaced", "declined"].sum())
    fig, ax = charts.new_figure(
        f"In {year}, declined detainers came from {len(by_county):,} counties; the most, {int(top['declined']):,}, "
        f"from {top['county']}, {top['state']}",
        f"Detainers declined by local agencies in {year}, by the county of the facility (Alaska and Hawaii inset, "
        f"not to scale); {no_place + unplaced:,} of {int(rows['declined'].sum()):,} are not on the map",
        figsize=(7.2, 7.4),
    )
    maps.fill_counties(ax, shade, "#dddddd", 0.06)
    maps.outline_states(ax, states)
    counts = table["class"].value_counts()
    handles = [
        Patch(facecolor=c, edgecolor="#999999", linewidth=0.4, label=f"{lab} ({counts.get(lab, 0)} counties)")
        for lab, c in zip(labels, colors)
    ]
    handles.append(Patch(facecolor=maps.MISSING_COLOR, edgecolor="#999999", label="none recorded"))
    ax.legend(
        handles=handles,
        loc="upper center",
        fontsize=7,
        ncol=3,
        title="declined detainers",
        title_fontsize=7.5,
        bbox_to_anchor=(0.5, 0.0),
    )
    laws = _milestone_rows(milestones, law_ids)
    law_text = "; ".join(f"{r['event']} ({fmt.day_month_year(r['date'])})" for _, r in laws.iterrows())
    out = table[table["declined"].notna()].copy()
    out["year"] = year
    extra_rows = pd.DataFrame(
        [
            {"map_fips": "", "map_name": "OTHER-OTHER FACILITY (no place given)", "declined": no_place, "year": year},
            {"map_fips": "", "map_name": "named facilities not placed in a county", "declined": unplaced, "year": year},
        ]
    )
    out = pd.concat([out, extra_rows], ignore_index=True)
    out["source_id"] = f"{DETAINER_SOURCES} {FACILITY_SOURCE} {maps.MAP_SOURCE}"
    note = (
        f"Not on the map: {no_place:,} declines at a facility the record leaves unnamed (ICE's 'other' code) and "
        f"{unplaced:,} at "
        f"named facilities not placed in a county. Dated policies from the project's milestones: {law_text}."
    )
    if len(missing):
        note += f" {len(missing)} placed counties have no shape on the 2017 map."
    charts.add_source_note(
        fig, pd.concat([out[["source_id"]], laws[["source_id", "milestone_id", "confidence"]]]), sources, extra=note
    )
    top_y = fig.subplotpars.top + 0.35 / fig.get_size_inches()[1]
    width_in, height_in = fig.get_size_inches()
    height = 0.96 * width_in * 610 / 975 / height_in
    ax.set_position([0.02, top_y - height, 0.96, height])
    return fig, out[["year", "map_fips", "map_name", "fips", "county", "state", "declined", "class", "source_id"]]


OUTCOME_LINES = [
    ("Booked into Detention", "booked into ICE detention"),
    ("Lifted", "lifted"),
    ("Case Closed", "case closed"),
    ("Detainer Declined by LEA", "declined by the local agency"),
]


def outcomes_chart(outcomes: pd.DataFrame, yearly: pd.DataFrame, sources: pd.DataFrame):
    """Share of each year's detainers by outcome: booked into ICE detention, lifted, closed, declined, none recorded."""
    shares = (
        _ints(outcomes, ["year", "detainers"]).pivot(index="year", columns="lift_reason", values="detainers").fillna(0)
    )
    totals = _ints(yearly, ["year", "detainers", "with_lift_reason"]).set_index("year")
    days = det.year_days(yearly)
    rows = []
    for reason, label in OUTCOME_LINES:
        for y in totals.index:
            rows.append(
                {"year": y, "outcome": label, "detainers": int(shares.at[y, reason]) if y in shares.index else 0}
            )
    for y in totals.index:
        rows.append(
            {
                "year": y,
                "outcome": "no outcome in the record",
                "detainers": int(totals.at[y, "detainers"] - totals.at[y, "with_lift_reason"]),
            }
        )
    table = pd.DataFrame(rows)
    table["issued"] = table["year"].map(totals["detainers"])
    table["percent"] = (table["detainers"] / table["issued"] * 100).round(2)
    table["partial"] = table["year"].map(totals["partial"]).fillna("")
    table["source_id"] = DETAINER_SOURCES
    booked = table[table["outcome"] == "booked into ICE detention"].set_index("year")["percent"]
    whole = booked[[y for y in booked.index if not totals.at[y, "partial"] or pd.isna(totals.at[y, "partial"])]]
    hi = whole.idxmax()
    unknown = table[table["outcome"] == "no outcome in the record"].set_index("year")["percent"]
    fig, ax = charts.new_figure(
        f"The share of detainers that ended with the person booked into ICE detention was highest in {hi} "
        f"({whole[hi]:.0f}%) and {whole.iloc[-1]:.0f}% in {whole.index[-1]}, a year in which "
        f"{unknown[whole.index[-1]]:.0f}% of detainers have no outcome in the record",
        "Detainers issued to local agencies each calendar year by recorded outcome ('lift reason'), percent of the "
        "year's detainers"
        + "".join(f"; {p}" for p in [", ".join(f"{y} {_part(y, days)}" for y in totals.index if _part(y, days))] if p),
        figsize=(7.6, 5.0),
    )
    styles = ["-", "--", ":", "-.", (0, (5, 1, 1, 1))]
    for i, label in enumerate([lab for _, lab in OUTCOME_LINES] + ["no outcome in the record"]):
        part = table[table["outcome"] == label]
        ax.plot(
            part["year"],
            part["percent"],
            color=charts.PALETTE[i],
            linestyle=styles[i],
            marker=charts.MARKERS[i],
            markersize=4,
            linewidth=1.6,
            label=label,
        )
    # the declines run along zero for years, under the axis: a direct label at their highest year shows the line
    declined = table[table["outcome"] == OUTCOME_LINES[-1][1]].set_index("year")["percent"]
    if declined.max() > 0:
        ax.annotate(
            f"{OUTCOME_LINES[-1][1]}: {declined.max():.0f}% in {declined.idxmax()}",
            (declined.idxmax(), declined.max()),
            xytext=(-10, 16),
            textcoords="offset points",
            ha="right",
            fontsize=7.2,
            color=charts.PALETTE[3],
            arrowprops={"arrowstyle": "-", "color": charts.PALETTE[3], "linewidth": 0.6},
        )
    ax.set_ylim(0, 100)
    ax.set_ylabel("percent of the year's detainers")
    ax.set_xticks(list(totals.index), [year_label(int(y), days) for y in totals.index])
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            "'No outcome in the record': detainers of the year with no lift reason in ICE's record (for the last "
            "years, often still open when the record was extracted). Smaller outcomes (transferred, early release, "
            "prosecutorial discretion and others) are in the CSV of the outcome table, not drawn."
        ),
    )
    charts.legend_below(fig, ax, ncol=3)
    return fig, table


def agreements_chart(
    wapo: pd.DataFrame,
    activations: pd.DataFrame,
    sources: pd.DataFrame,
    milestones: pd.DataFrame,
    ended_id: str = "M12",
    returned_id: str = "M14",
):
    """Counties whose sheriff had a 287(g) agreement each year (the Post's panel), split by whether Secure
    Communities was active there at the end of that year: activated and in operation, activated but the program
    ended (between milestones `ended_id` and `returned_id`), or not activated yet."""
    act = activations.assign(activated=pd.to_datetime(activations["activated"])).set_index("fips")["activated"]
    events = _milestone_rows(milestones, [ended_id, returned_id]).set_index("milestone_id")
    ended, returned = events.loc[ended_id, "date"], events.loc[returned_id, "date"]
    rows = wapo[wapo["fips"].notna()].drop_duplicates(["fips", "year"]).copy()
    rows["year"] = rows["year"].astype(int)
    rows["activated"] = rows["fips"].map(act)
    year_end = pd.to_datetime(rows["year"].astype(str) + "-12-31", format="%Y-%m-%d")
    activated = rows["activated"].notna() & (rows["activated"] <= year_end)
    paused = (year_end >= ended) & (year_end < returned)
    rows["both"] = activated & ~paused
    rows["paused"] = activated & paused
    table = (
        rows.groupby("year")
        .agg(counties=("fips", "nunique"), with_secure_communities=("both", "sum"), program_ended=("paused", "sum"))
        .reset_index()
    )
    table["without_secure_communities"] = table["counties"] - table["with_secure_communities"] - table["program_ended"]
    offices = wapo.groupby("year")["office"].nunique()
    table["offices_in_panel"] = table["year"].map(offices)
    dates_from = " ".join(activations["source_id"]) + " " + " ".join(events["source_id"])
    table["source_id"] = f"{WAPO_SOURCE} " + " ".join(sorted(set(dates_from.split())))
    table["licence"] = WAPO_LICENCE
    peak = table.loc[table["counties"].idxmax()]
    first_both = table.loc[table["with_secure_communities"] > 0, "year"].min()
    first = table.set_index("year").loc[first_both]
    fig, ax = charts.new_figure(
        f"Sheriffs with 287(g) agreements were in {peak['counties']} counties in {peak['year']}; in {first_both}, the "
        f"first year both programs ran in the same county, {int(first['with_secure_communities'])} of "
        f"{int(first['counties'])} such counties also had Secure Communities",
        f"Counties whose sheriff's office had a 287(g) agreement (which lets local officers act as immigration "
        f"agents) in the year (The Washington Post's panel), by "
        f"whether Secure Communities was active there on Dec. 31, {int(table['year'].min())}-"
        f"{int(table['year'].max())}",
        figsize=(7.6, 4.9),
    )
    ax.bar(
        table["year"],
        table["with_secure_communities"],
        color=charts.PALETTE[0],
        edgecolor="#333333",
        linewidth=0.4,
        label="287(g) and Secure Communities active there",
        width=0.7,
    )
    ax.bar(
        table["year"],
        table["program_ended"],
        bottom=table["with_secure_communities"],
        color="#ffffff",
        edgecolor="#333333",
        linewidth=0.4,
        label=f"287(g); county activated, but Secure Communities had ended ({fmt.month_year(ended)} to "
        f"{fmt.month_year(returned)})",
        width=0.7,
    )
    ax.bar(
        table["year"],
        table["without_secure_communities"],
        bottom=table["with_secure_communities"] + table["program_ended"],
        color=charts.PALETTE[1],  # a lighter solid (L* 71 against 46): hatching is kept for approximate values
        edgecolor="#333333",
        linewidth=0.4,
        label="287(g); Secure Communities not yet active there",
        width=0.7,
    )
    ax.set_ylabel("counties")
    ax.set_ylim(0, float(table["counties"].max()) * 1.1)
    ax.set_xticks(table["year"], [f"\u2019{str(y)[2:]}" for y in table["year"]])
    ax.grid(axis="x", visible=False)
    unplaced = wapo[wapo["fips"].isna()]["office"].nunique()
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            f"287(g) panel: The Washington Post, license CC BY-NC-SA 4.0 (non-commercial, share-alike); "
            f"{unplaced} of its {wapo['office'].nunique()} offices have no county code and are left out. Activation "
            f"dates from ICE's list; the program's end and return: the Secretary's memorandum and the executive "
            f"order."
        ),
    )
    charts.legend_below(fig, ax, ncol=1)
    return fig, table


def encounters_chart(enc: pd.DataFrame, files: pd.DataFrame, sources: pd.DataFrame):
    """Encounters ending in a detainer per month, all areas and the Los Angeles area with and without the
    Secure Communities center; a missing fiscal year is a gap."""
    enc = enc.assign(month=pd.to_datetime(enc["month"]), detainers=enc["detainers"].astype("int64"))
    last_day = pd.to_datetime(files["last_date"]).max()
    dropped = ""
    if last_day != last_day + pd.offsets.MonthEnd(0):  # a month the records cover only in part is not drawn
        cut = last_day.replace(day=1)
        n = int(enc.loc[enc["month"] == cut, "encounters"].sum())
        dropped = f" {fmt.month_year(cut)} is left out: the records hold {n:,} encounters of it, to {fmt.day_month_year(last_day)} only."
        enc = enc[enc["month"] < cut]
    months = pd.date_range(enc["month"].min(), enc["month"].max(), freq="MS")
    present = set(enc["month"])
    sc = enc["landmark"] == det.SC_LANDMARK
    series = {
        "all areas": enc.groupby("month")["detainers"].sum(),
        "all areas, without the SC center": enc[~sc].groupby("month")["detainers"].sum(),
        "Los Angeles area, with the SC center": enc[enc["aor"] == "LOS"].groupby("month")["detainers"].sum(),
        "Los Angeles area, without the SC center": enc[(enc["aor"] == "LOS") & ~sc].groupby("month")["detainers"].sum(),
    }
    table = pd.DataFrame({"month": months})
    for name, s in series.items():
        table[name] = [s.get(m, 0) if m in present else np.nan for m in months]
    fy = files.assign(fiscal_year=files["fiscal_year"].astype(int)).set_index("fiscal_year")
    # a year's total in the title is the sum of the months drawn (all areas), so it is what the reader sees; a
    # year the chart cuts short says the last month it sums
    drawn = table.assign(fiscal_year=table["month"].dt.year + (table["month"].dt.month >= 10))
    drawn = drawn.dropna(subset=["all areas"]).groupby("fiscal_year")
    sums, last_month = drawn["all areas"].sum(), drawn["month"].max()
    totals = ", ".join(
        f"{int(sums[y]):,} in FY{y}" + (f" (to {fmt.month_year(last_month[y])})" if last_month[y].month != 9 else "")
        for y in sums.index
    )
    held = {int(y) for y, d in zip(fy.index, fy["detainers"]) if pd.notna(d)}
    missing = [y for y in range(min(held), max(held) + 1) if y not in held]  # years with no records file
    gap = "; " + fmt.join_words([f"FY{y}" for y in missing]) + (" is" if len(missing) == 1 else " are") + " missing"
    fig, ax = charts.new_figure(
        f"ICE's encounter records show {totals} ending in a detainer" + (gap if missing else ""),
        f"ICE Enforcement and Removal Operations (ERO) encounters that ended in a detainer, per month, {fmt.month_year(months[0])} to "
        f"{fmt.month_year(months[-1])}, with and without the encounters at ICE's Secure Communities center "
        "(recorded under Los Angeles)",
        figsize=(7.6, 5.2),
    )
    styles = ["-", "--", "-.", ":"]
    for i, name in enumerate(series):
        ax.plot(
            table["month"],
            table[name],
            color=charts.PALETTE[i],
            linestyle=styles[i],
            linewidth=1.6,
            marker=charts.MARKERS[i],
            markersize=2.8,
            markevery=3,
            label=name,
        )
    gap = fy[fy["status"].str.startswith("missing")].index
    for y in gap:
        ax.axvspan(pd.Timestamp(y - 1, 10, 1), pd.Timestamp(y, 9, 30), color="#eeeeee", zorder=0, linewidth=0)
        ax.text(
            pd.Timestamp(y - 1, 10, 15),
            float(np.nanmax(table[list(series)].to_numpy())) * 1.02,
            f"FY{y}: no records",
            fontsize=8,
            color="#333333",
            va="top",
        )
    ax.set_ylim(0, float(np.nanmax(table[list(series)].to_numpy())) * 1.12)
    ax.set_ylabel("encounters ending in a detainer")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 7]))
    ax.xaxis.set_major_formatter(lambda v, _: fmt.month_tick(mdates.num2date(v)))
    table["source_id"] = ENCOUNTER_SOURCE
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            "The SC center answers Secure Communities fingerprint matches from jails nationwide but is recorded under "
            "the Los Angeles area: per-area counts are shown with it and without it. Gap: the FY2018 encounter file "
            "is absent from every stored copy of the FOIA release." + dropped
        ),
    )
    charts.legend_below(fig, ax, ncol=2)
    table["month"] = table["month"].dt.strftime("%Y-%m-%d")
    return fig, table
