"""Charts of the published figures (data/figures.csv), notebooks 01-07. Like every chart module (named for the
data it draws: `place_charts`, `enforcement_charts`, `detainer_charts`, `model_charts`), each builder takes
the rows it plots and returns (figure, table): the table is exactly what the chart plots, with the figure_id
and source_id of every value. Selecting rows is `scomm.tables`' job; style and export are `scomm.charts`'."""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from scomm import charts, fmt, source_kinds
from scomm import ratios as r
from scomm.fmt import QUALIFIER_WORDS, format_number, significant
from scomm.source_names import RUNNING_TEXT, source_name
from scomm.tables import FUNNEL_STAGES

PROGRAM_SHADE, PEP_SHADE = "#e8f0f9", "#cccccc"  # 01: Secure Communities' periods and the PEP years (L* 94 and 82)
PLACE_FILLS = ("#0072B2", "#E69F00", "#000000")  # 03: three solid fills, far apart in grey (L* 46, 71, 0)
COMPARISON_TINT = "#a6cbe4"  # 06: a light tint of the program's blue for the group compared with (L* 80)


def compact(value: float) -> str:
    """Axis label for large counts: 1k, 10k, 1M."""
    for size, suffix in [(1e6, "M"), (1e3, "k")]:
        if abs(value) >= size:
            return f"{value / size:,.0f}{suffix}"
    return f"{value:,.0f}"


def _note(fig, table, sources, extra=""):
    """Source note; when the chart draws approximate values hollow or hatched (decided by the marks the
    plotted rows produced), a sentence says what those marks mean."""
    text = " ".join(t for t in [extra, charts.approx_note(fig)] if t)
    charts.add_source_note(fig, table, sources, extra=text)


# ---------------------------------------------------------------- 01 overview


PERIOD_MILESTONES = [  # (label, milestone that opens the period, milestone that closes it)
    ("Secure Communities", "M02", "M12"),
    ("Priority Enforcement Program", "M12", "M14"),
    ("Secure Communities again", "M14", "M16"),
]


def milestones_chart(milestones: pd.DataFrame, sources: pd.DataFrame):
    """Dated events on a real time axis, with the program's periods shaded (opened and closed by events)."""
    # an event dated only by an encyclopedia mirror or an AI digest is not drawn (see source_kinds.plottable)
    table = source_kinds.plottable(milestones, sources)
    local = table[table["scope"].astype(str) != "program"] if "scope" in table.columns else table.iloc[0:0]
    table = table.drop(local.index).sort_values("date").reset_index(drop=True)
    when = table.set_index("milestone_id")["date"]
    periods = [(label, when[a], when[b]) for label, a, b in PERIOD_MILESTONES if a in when and b in when]
    fig, ax = charts.new_figure(
        f"Secure Communities ran from {periods[0][1]:%Y} to {periods[0][2]:%Y}, was replaced by the "
        f"{periods[1][0]} for about {fmt.count_words(round((periods[1][2] - periods[1][1]).days / 365.25))} years, and ran again to "
        f"{periods[-1][2]:%Y}"
        if len(periods) == 3
        else "Secure Communities: dated events",
        "Events dated by their sources; shaded: the periods the events open and close. Hollow markers: "
        "the source dates the event to the month or year only",
        figsize=(6.3, 2.6 + 0.34 * len(table)),  # a row per event, whatever their number
    )
    fig.subplots_adjust(left=0.03, right=0.97)
    # Secure Communities' periods pale blue; the Priority Enforcement Program between them a plain, darker grey (as
    # on the enforcement charts), so the two kinds of period stay apart printed in grey and no hatching (the house
    # mark of approximate values) runs behind the labels
    shades = [{"facecolor": PROGRAM_SHADE}, {"facecolor": PEP_SHADE}] * 2
    n = len(table)
    for (label, start, end), shade in zip(periods, shades):
        ax.axvspan(start, end, zorder=0, linewidth=0, **shade)
        ax.text(
            start + (end - start) / 2,
            n + 0.4,
            textwrap.fill(label, 18, break_on_hyphens=False),
            ha="center",
            va="bottom",
            fontsize=8,
            fontweight="bold",
            color="#333333",
        )
    # one row per event, earliest at the top; the label sits on the side with more room
    middle = table["date"].min() + (table["date"].max() - table["date"].min()) * 0.45
    for y, (_, row) in zip(range(n - 1, -1, -1), table.iterrows()):
        hollow = row["date_precision"] != "day"
        day = row["date"]
        shown = {"day": fmt.day_month_year(day), "month": fmt.month_year(day), "year": f"{day:%Y}"}[
            str(row["date_precision"])
        ]
        ax.scatter(
            row["date"],
            y,
            s=28,
            color="white" if hollow else charts.PALETTE[0],
            edgecolors=charts.PALETTE[0],
            zorder=3,
            linewidths=1.2,
        )
        right = row["date"] < middle
        # the asterisk goes on the side away from the label
        charts.mark_weak(
            ax,
            [row["date"]],
            [y],
            table.loc[[row.name]],
            sources,
            offset=charts.BESIDE_POINT if right else (-charts.BESIDE_POINT[0], charts.BESIDE_POINT[1]),
        )
        pad = pd.Timedelta(days=50)
        ax.text(
            row["date"] + (pad if right else -pad),
            y,
            textwrap.fill(f"{shown}: {row['event']}", 52, break_on_hyphens=False),
            fontsize=7.2,
            va="center",
            ha="left" if right else "right",
            linespacing=1.05,
        )
    ax.set_ylim(-0.8, n + 1.6)
    ax.set_xlim(table["date"].min() - pd.Timedelta(days=200), table["date"].max() + pd.Timedelta(days=200))
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.grid(False)
    left_out = (
        f"Not shown here: {len(local)} decisions of states, counties and courts on ICE detainers (they are marked "
        "on the charts of detainers and of the jail share of arrests)."
        if len(local)
        else ""
    )
    charts.add_source_note(fig, table, sources, extra=left_out)
    return fig, table


# ---------------------------------------------------------------- 02 rollout


# What each count counts, in words: counts of different units are drawn as separate, unjoined marks.
UNIT_WORDS = {
    "jurisdictions_activated": "jurisdictions",
    "sites_activated": "sites",
    "localities_activated": "localities",
    "counties_enrolled": "counties",
    "states_with_activation": "states",
}


def _plot_by_unit(ax, table: pd.DataFrame, sources: pd.DataFrame | None = None) -> list[str]:
    """One marker per thing counted (jurisdictions, sites, localities, counties), never joined by a line: the
    counts are of different units, so they are points beside each other, not one series."""
    units = table["metric"].astype(str)
    order = list(dict.fromkeys(units))
    for i, unit in enumerate(order):
        rows = table[units == unit]
        charts.plot_points(
            ax,
            rows["period_end"],
            rows["value"],
            rows["qualifier"],
            index=i,
            label=f"{UNIT_WORDS.get(unit, unit.replace('_', ' '))} ({len(rows)} count{'s' if len(rows) != 1 else ''})",
            line=False,
        )
    if sources is not None:  # an asterisk beside each count that rests on a weak kind of source: above left, off
        # the rising series (beside a point, it lands on the point before in a cluster of counts)
        charts.mark_weak(ax, table["period_end"], table["value"], table, sources, offset=charts.ABOVE_LEFT_OF_POINT)
    return order


def rollout_chart(
    points: pd.DataFrame, goal_full_rows: pd.DataFrame, sources: pd.DataFrame, goal: r.Quantity, full: r.Quantity
):
    """Active jurisdictions over time (`points`: national counts dated to the day or month), marked by the kind
    of source, against the target year and the full count (`goal_full_rows`: the rows of `goal` and `full`).
    Rows that rest only on a kind of source no chart draws are left out and named in the note."""
    table, left_out = source_kinds.split_plottable(points.reset_index(drop=True), sources)
    table = table.reset_index(drop=True)
    full_date = goal_full_rows.set_index("figure_id").loc[full.figure_ids[0], "period_end"]  # 2013: year only
    first = table.iloc[0]
    first_unit = UNIT_WORDS.get(str(first["metric"]), str(first["metric"]).replace("_", " "))
    fig, ax = charts.new_figure(
        f"Secure Communities grew from {format_number(first['value'])} {first_unit} in "
        f"{fmt.month_year(first['period_end'])} to all {format_number(full.value)} jurisdictions in "
        f"{pd.Timestamp(full_date).year}",
        "Places where Secure Communities was active, United States, by date of the count; marker: what the source "
        "counted (jurisdictions, sites, localities or counties: not one series)",
        figsize=(6.3, 6.2),
    )
    order = _plot_by_unit(ax, table, sources)
    goal_date = pd.Timestamp(int(goal.value), 1, 1)
    ax.axvline(goal_date, color=charts.PALETTE[6], linestyle="--", linewidth=1)
    ax.text(
        goal_date,
        full.value * 0.72,
        f"target: every jurisdiction by {goal.value:.0f}, as reported by "
        f"{source_name(sources, goal.source_ids[0], cut=RUNNING_TEXT)} ",
        color=charts.PALETTE[6],
        fontsize=7.5,
        va="center",
        ha="right",
    )
    charts.plot_points(
        ax,
        [full_date],
        [full.value],
        pd.Series([full.qualifier]),
        index=len(order),
        label=f"all jurisdictions, dated to the year only: {source_name(sources, full.source_ids[0], cut=RUNNING_TEXT)}",
        line=False,
    )
    # the count of all jurisdictions is drawn once, as its point, labelled beside it (no second reference line)
    ax.annotate(
        f"all {format_number(full.value)} jurisdictions",
        (full_date, full.value),
        xytext=(-9, 0),
        textcoords="offset points",
        fontsize=7.5,
        ha="right",
        va="center",
    )
    ax.set_ylim(0, full.value * 1.12)
    # room left of the first count for its asterisk, clear of the axis
    ax.set_xlim(left=table["period_end"].min() - pd.Timedelta(days=90))
    ax.set_ylabel("jurisdictions")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    extra = pd.concat([table, goal_full_rows]).drop_duplicates("figure_id")
    _note(fig, extra, sources, extra=source_kinds.left_out_note(left_out, sources))
    charts.legend_below(fig, ax, ncol=2, title="what each count counts")
    charts.date_axis(ax)
    return fig, extra.reset_index(drop=True)


def states_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """States with at least one active jurisdiction, over time (`table`: counts dated to the day or month),
    marked by the kind of source; rows that rest only on a kind of source no chart draws are left out and named in
    the note."""
    table, left_out = source_kinds.split_plottable(table.reset_index(drop=True), sources)
    table = table.reset_index(drop=True)
    first, last = table.iloc[0], table.iloc[-1]
    fig, ax = charts.new_figure(
        f"Active in {first['value']:.0f} states in {first['period_end']:%B %Y}, {last['value']:.0f} by "
        f"{last['period_end']:%B %Y}",
        "States (one count: states and territories) with at least one jurisdiction where Secure Communities "
        "was active, by date of the count",
        figsize=(6.3, 4.6),
    )
    _plot_by_unit(ax, table, sources)
    ax.axhline(51, color="#555555", linestyle=":", linewidth=1)
    ax.text(table["period_end"].iloc[0], 51, "50 states and DC", fontsize=7.5, va="bottom")
    ax.set_ylabel("states")
    ax.set_ylim(0, 55)
    _note(fig, table, sources, extra=source_kinds.left_out_note(left_out, sources))
    charts.date_axis(ax)
    return fig, table


# ---------------------------------------------------------------- 03 funnel


def _end_to_end(table: pd.DataFrame, place: str) -> r.Quantity:
    """First stage to last stage of one place's funnel, in percent."""
    rows = table[table["place"] == place]
    first, last = rows.iloc[0], rows.iloc[-1]
    return r.conversion(
        r.Quantity(first["value"], qualifier=str(first["qualifier"])),
        r.Quantity(last["value"], qualifier=str(last["qualifier"])),
    )


def funnel_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """Each geography's funnel as horizontal bars (log scale), labelled with counts and stage conversions."""
    places = list(dict.fromkeys(table["place"]))
    overall = {place: _end_to_end(table, place) for place in places}
    fig, axes = charts.new_figure(
        "Removals per 100 fingerprints checked: "
        + fmt.join_words([f"{q.value:.1f} in {'the ' if p == 'United States' else ''}{p}" for p, q in overall.items()]),
        "Secure Communities identification funnel, cumulative from activation to about June 2011; each stage as "
        "a share of the one before (log scale: equal steps are equal ratios)",
        nrows=len(places),
        ncols=1,
        figsize=(6.3, 1.75 * len(places) + 1.6),
        sharex=True,
    )
    fig.subplots_adjust(left=0.24, right=0.97, hspace=0.45, bottom=0.05)
    for _i, (ax, place) in enumerate(zip(np.atleast_1d(axes), places)):
        rows = table[table["place"] == place]
        # dots, not bars: on a log axis a bar's length would misstate the ratio between stages
        ypos = list(range(len(rows)))[::-1]
        charts.plot_points(ax, rows["value"], ypos, rows["qualifier"], index=0, line=False)
        charts.mark_weak(ax, rows["value"], ypos, rows, sources)
        ax.set_yticks(ypos, list(rows["stage"]))
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.grid(axis="y", visible=False)
        ax.set_xscale("log")
        ax.set_title(place, fontsize=8.5, loc="left", fontweight="bold")
        for y, (_, row) in zip(range(len(rows))[::-1], rows.iterrows()):
            label = format_number(row["value"])
            if not np.isnan(row["pct_of_previous_stage"]):
                label += f" ({row['pct_of_previous_stage']:.1f}% of the stage before)"
            ax.text(row["value"] * 1.5, y, label, va="center", fontsize=7)
        ax.set_xlim(1e3, 5e8)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}" if v < 1e6 else f"{v / 1e6:,.0f} million")
    np.atleast_1d(axes)[-1].set_xlabel("count (log scale)")
    _note(fig, table, sources)
    return fig, table


def conversion_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """Stage-to-stage conversion rates side by side for each geography."""
    conv = table.dropna(subset=["pct_of_previous_stage"])
    steps = [f"{b}\nper {a}" for a, b in zip(FUNNEL_STAGES[:-1], FUNNEL_STAGES[1:])]
    places = list(dict.fromkeys(conv["place"]))
    last_step = conv[conv["stage"] == FUNNEL_STAGES[-1]].set_index("place")["pct_of_previous_stage"]
    fig, ax = charts.new_figure(
        "Removals as a share of ICE arrests: "
        + fmt.join_words([f"{v:.1f}% in {'the ' if p == 'United States' else ''}{p}" for p, v in last_step.items()]),
        "Each stage as a percent of the stage before, cumulative counts from activation to about June 2011 "
        "(ratios of totals, not follow-up rates)",
    )
    width = 0.8 / len(places)
    x = np.arange(len(steps))
    for i, place in enumerate(places):
        vals = conv[conv["place"] == place]["pct_of_previous_stage"].to_numpy()
        bars = ax.bar(
            x + i * width - 0.4 + width / 2,
            vals,
            width,
            color=PLACE_FILLS[i % len(PLACE_FILLS)],
            edgecolor="white",
            label=place,
        )
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in vals], fontsize=7)  # one decimal, as on the funnel
        charts.mark_weak(
            ax,
            x + i * width - 0.4 + width / 2,
            vals,
            conv[conv["place"] == place],
            sources,
            offset=charts.ABOVE_BAR_LABEL,
        )
    ax.set_xticks(x, steps)
    ax.set_ylabel("percent of previous stage")
    ax.legend(loc="upper left")
    out = conv[["place", "stage", "pct_of_previous_stage", "figure_id", "source_id", "qualifier"]].reset_index(
        drop=True
    )
    _note(fig, table, sources, extra="Each rate divides a stage's count by the count of the stage before it.")
    return fig, out


# ---------------------------------------------------------------- 04 removals


def removals_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """ICE removals by fiscal year (top) and the convicted share (bottom)."""
    peak = table.loc[table["total"].idxmax()]
    shares = table["convicted_pct"].dropna()
    fig, (ax1, ax2) = charts.new_figure(
        f"ICE removals peaked in FY{peak['fiscal_year']:.0f}; the convicted share ran from "
        f"{shares.min():.0f}% to {shares.max():.0f}%",
        "ICE removals by fiscal year (FY2005-FY2009: removals and returns, TRAC) and percent previously convicted",
        nrows=2,
        ncols=1,
        figsize=(6.3, 6.0),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 2]},
    )
    fig.subplots_adjust(hspace=0.12, top=fig.subplotpars.top - 0.03)
    years = table["fiscal_year"].astype(int).to_numpy()
    approx = charts.is_approximate(table["total_qualifier"])
    returns = table["total_metric"] == "ice_removals_and_returns"
    for y, v, ap, ret in zip(years, table["total"], approx, returns):
        ax1.bar(
            y,
            v,
            color="white" if ap else (charts.PALETTE[5] if ret else charts.PALETTE[0]),
            edgecolor=charts.PALETTE[0],
            hatch=charts.APPROX_HATCH if ap else ("..." if ret else ""),
            width=0.7,
        )
        if ap:
            charts.mark_approximate(ax1, "bar")
    charts.mark_weak(ax1, years, table["total"], table, sources, offset=charts.INSIDE_BAR_TOP)
    ax1.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax1.set_ylabel("removals")
    # a visible seam where the definition changes: the two runs of bars are not one series
    if returns.any() and (~returns).any():
        seam = (years[returns.to_numpy()].max() + years[~returns.to_numpy()].min()) / 2
        ax1.axvline(seam, color="#000000", linestyle=(0, (3, 2)), linewidth=1.0)
        ax1.text(
            seam,
            float(table["total"].max()) * 1.04,
            "definitions differ:\nnot comparable",
            fontsize=7,
            ha="center",
            va="bottom",
            bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none"),
        )
        ax1.set_ylim(0, float(table["total"].max()) * 1.22)
    ax1.legend(
        handles=[
            Patch(
                facecolor=charts.PALETTE[5],
                edgecolor=charts.PALETTE[0],
                hatch="...",
                label="removals and returns (TRAC)",
            ),
            Patch(facecolor=charts.PALETTE[0], label="removals (ICE)"),
            Patch(facecolor="white", edgecolor=charts.PALETTE[0], hatch=charts.APPROX_HATCH, label="lower bound (ICE)"),
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=3,
        fontsize=7.5,
    )
    share = table.dropna(subset=["convicted_pct"])
    charts.plot_points(ax2, share["fiscal_year"], share["convicted_pct"], share["convicted_pct_qualifier"], index=1)
    for _, row in share.iterrows():
        ax2.annotate(
            f"{row['convicted_pct']:.1f}%",
            (row["fiscal_year"], row["convicted_pct"]),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=7.5,
        )
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("% convicted")
    ax2.set_xticks(years, [f"FY{y}" for y in years], fontsize=7)
    _note(
        fig,
        table.rename(columns={"total_qualifier": "qualifier"}),
        sources,
        extra="A fiscal year runs from October to September (FY2010: October 2009 to September 2010). Convicted share "
        "computed here: convicted removals / all removals.",
    )
    return fig, table


REMOVALS_WORDS = {"ice_removals_and_returns": "removals and returns (TRAC)", "ice_removals_total": "removals (ICE)"}


def sc_share_chart(rows: pd.DataFrame, sources: pd.DataFrame):
    """The program's share of all ICE removals in two fiscal years, each bar labelled in words with the count it
    implies and the total it is a share of (both rounded no finer than GAO's rounded share)."""
    words = [f"{QUALIFIER_WORDS[str(q)]}{v:.0f}" for q, v in zip(rows["qualifier"], rows["value"])]
    fig, ax = charts.new_figure(
        f"GAO put Secure Communities at {words[0]}% of removals in {rows['label'].iloc[0]} and "
        f"{words[-1]}% in {rows['label'].iloc[-1]}",
        "Share of all removals that year attributable to Secure Communities, as GAO rounded it, and the number of "
        "removals that share implies",
        figsize=(6.3, 3.4),
    )
    y = np.arange(len(rows))[::-1].astype(float)
    for yi, value, ap in zip(y, rows["value"], charts.is_approximate(rows["qualifier"])):
        # an approximate share is hatched, as on every chart; an exact one solid
        ax.barh(
            yi,
            value,
            height=0.42,
            **charts.bar_fill(ap),
            linewidth=1.2,
            zorder=2,
        )
        if ap:
            charts.mark_approximate(ax, "bar")
    for yi, (_, row) in zip(y, rows.iterrows()):
        # a count implied by a rounded percentage is no more precise than the percentage: two significant
        # digits ("about 16,000"), and the total it is a share of rounded to the thousand
        implied = significant(row["implied_removals"], 2)
        whole = round(row["all_removals"], -3)
        kind = REMOVALS_WORDS.get(str(row.get("all_removals_metric", "")), "removals")
        ax.text(
            0,
            yi + 0.3,
            f"{row['label']}: {QUALIFIER_WORDS[str(row['qualifier'])]}{row['value']:.0f}%, "
            f"{QUALIFIER_WORDS[row['implied_qualifier']]}{format_number(implied, decimals=0)} of "
            f"{format_number(whole)} {kind}",
            fontsize=7.8,
            va="bottom",
        )
    ax.set_yticks([])
    ax.set_ylim(-0.45, len(rows) - 0.1)
    ax.set_xlim(0, max(25.0, float(rows["value"].max()) * 1.25))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.set_xlabel("percent of that year's removals")
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    fig.subplots_adjust(left=0.04, bottom=0.12)
    _note(
        fig,
        rows,
        sources,
        extra="The two totals differ in kind: TRAC's FY2009 total counts removals and returns, ICE's FY2011 total removals only.",
    )
    return fig, rows


# ---------------------------------------------------------------- 05 case review


# gaps after a horizontal bar's end, in points: to its value label, to its weak-source asterisk, and to the value
# label of a marked bar (past the asterisk)
VALUE_GAP, MARK_GAP, WEAK_LABEL_GAP = 3.0, 6.0, 12.0
SHORT_BAR_SHARE = 0.03  # a bar shorter than this share of the axis shows no hatching at print size


def case_review_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """The 2011-2012 case review as two panels of bars on one linear scale: the cases to be reviewed or
    reviewed, and what came of them. Each count is its own bar, labelled with who published it; counts of
    different kinds are never joined."""
    outcome_metrics = {"pd_cases_eligible", "pd_cases_offered_closure", "pd_cases_accepted", "pd_cases_closed"}
    is_outcome = table["metric"].isin(outcome_metrics).to_numpy()
    closed = table[table["metric"] == "pd_cases_closed"].iloc[-1]
    reviewed = table[(table["metric"] == "pd_cases_reviewed") & (table["source_id"] == closed["source_id"])]
    when = fmt.month_year(closed["period_end"])
    review = table[table["metric"].astype(str).str.startswith("pd_")]  # the review's own counts, not its target
    if len(reviewed):  # a ratio only between two counts of one source
        base = reviewed.iloc[-1]
        pct = r.share(r.Quantity(closed["value"]), r.Quantity(base["value"])).value
        both_weak = bool(source_kinds.weak_rows(pd.DataFrame([closed, base]), sources).all())
        title = (
            f"By {when}, {format_number(closed['value'])} cases had been closed: {pct:.1f}% of the "
            f"{format_number(base['value'])} the same source counted as reviewed"
            + ("; both counts read in a weaker kind of source (asterisk)" if both_weak else "")
        )
    else:
        title = f"By {when}, {format_number(closed['value'])} cases had been closed"
    fig, axes = charts.new_figure(
        title,
        f"Prosecutorial-discretion review of pending removal cases, {fmt.month_year(review['period_start'].min())} to "
        f"{fmt.month_year(review['period_end'].max())}: each count as its source printed it (cases)",
        nrows=2,
        figsize=(6.3, 5.6),
        sharex=True,
        gridspec_kw={"height_ratios": [int((~is_outcome).sum()), int(is_outcome.sum())]},
    )
    fig.subplots_adjust(left=0.45, right=0.9, hspace=0.35)
    for ax, rows, heading in (
        (axes[0], table[~is_outcome], "Cases to review, and reviewed"),
        (axes[1], table[is_outcome], "What came of the review"),
    ):
        ypos = np.arange(len(rows))[::-1]
        weak = list(source_kinds.weak_rows(rows, sources))
        for y, (_, row), marked in zip(ypos, rows.iterrows(), weak):
            ap = row["qualifier"] in charts.APPROXIMATE
            ax.barh(
                y,
                row["value"],
                **charts.bar_fill(ap),
                linewidth=1.0,
                height=0.65,
            )
            if ap:
                charts.mark_approximate(ax, "bar")
            # the value just past the bar's end, or past the asterisk that marks a weak source there
            ax.annotate(
                str(row["as_printed"]),
                (row["value"], y),
                xytext=(WEAK_LABEL_GAP if marked else VALUE_GAP, 0),
                textcoords="offset points",
                va="center",
                fontsize=charts.LABEL_SIZE,
            )
        # the asterisk sits just past the end of the bar, so a short bar's mark never covers its label
        charts.mark_weak(ax, rows["value"], ypos, rows, sources, offset=(MARK_GAP, 0.0))
        ax.set_yticks(
            ypos, [textwrap.fill(str(step), 40, break_on_hyphens=False) for step in rows["step"]], fontsize=7.2
        )
        ax.set_title(heading, fontsize=8.5, loc="left", fontweight="bold")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    axes[1].set_xlim(0, float(table["value"].max()) * 1.22)
    charts.count_axis(axes[1], "x")
    # an approximate bar too short for its hatching to show is named, so the note never explains an unseen mark
    short = table[
        charts.is_approximate(table["qualifier"]) & (table["value"] < SHORT_BAR_SHARE * axes[1].get_xlim()[1])
    ]
    unseen = (
        f" The {fmt.join_words([str(v) for v in short['as_printed']])} bar{'s are' if len(short) > 1 else ' is'} too "
        "short for the hatching to show; the label's wording marks " + ("them." if len(short) > 1 else "it.")
        if len(short)
        else ""
    )
    _note(
        fig,
        table,
        sources,
        extra="Counts from different sources and dates are shown side by side, not as steps of one series." + unseen,
    )
    return fig, table


# ---------------------------------------------------------------- 06 shared safety


def _fiscal_x(when) -> float:
    """Where a date falls on an axis with one bar per federal fiscal year at x = FY (FY2015: Oct. 2014 to Sept. 2015)."""
    when = pd.Timestamp(when)
    year = when.year + (1 if when.month >= 10 else 0)
    start = pd.Timestamp(year=year - 1, month=10, day=1)
    return year - 0.5 + (when - start).days / 365.25


def detainers_chart(
    table: pd.DataFrame,
    sources: pd.DataFrame,
    milestones: pd.DataFrame | None = None,
    *,
    pep_id: str = "M12",
    return_id: str = "M14",
):
    """ICE detainers by fiscal year; the title and the labels on the bars give the same computed changes from the
    first year (to the lowest year and to the last), and the Priority Enforcement Program's years are shaded when
    `milestones` is given."""
    years = table["period_end"].dt.year.to_numpy()
    values = table["value"].to_numpy(dtype=float)
    low = int(np.argmin(values))
    first = r.Quantity(values[0])
    fall = r.growth(first, r.Quantity(values[low])).value
    last = r.growth(first, r.Quantity(values[-1])).value
    title = f"Detainers fell {abs(fall):.0f}% from FY{years[0]} to FY{years[low]}"
    if low != len(values) - 1:
        title += f", then rose; FY{years[-1]} was {abs(last):.0f}% {'below' if last < 0 else 'above'} FY{years[0]}"
    fig, ax = charts.new_figure(
        title,
        "Detainers (ICE's requests that a jail hold a person for it) prepared per federal fiscal year, October to "
        "September, United States, as counted by TRAC",
    )
    bars = ax.bar(years, values, color=charts.PALETTE[0], width=0.7, zorder=2)
    labels = [format_number(v) for v in values]
    for i in {low, len(values) - 1} - {0}:  # the changes the title states, on the bars they compare
        change = r.growth(first, r.Quantity(values[i])).value
        labels[i] += f"\n{change:+.0f}% on FY{years[0]}".replace("-", "\u2212")
    ax.bar_label(bars, labels=labels, fontsize=7.5, padding=2)
    ax.set_xticks(years, [f"FY{y}" for y in years])
    top = values.max() * 1.22
    ax.set_ylim(0, top)
    charts.count_axis(ax)
    ax.set_ylabel("detainers")
    rows = table
    if milestones is not None:
        events = milestones.set_index("milestone_id")
        pep, back = events.loc[pep_id, "date"], events.loc[return_id, "date"]
        x0, x1 = _fiscal_x(pep), _fiscal_x(back)
        ax.axvspan(x0, x1, color="#e8e8e8", zorder=0, linewidth=0)
        # the dated line stops above the last bar's labels, so it never runs through them
        clear = (values[-1] + 0.15 * top) / top if x1 > years[-1] - 0.5 else 0.0
        ax.axvline(x1, ymin=clear, color="#555555", linewidth=1, linestyle="--", zorder=1)
        ax.text(x0 + 0.05, top * 0.99, "Priority\nEnforcement\nProgram", fontsize=7.2, va="top", color="#333333")
        ax.text(
            x1 + 0.05,
            top * 0.99,
            f"Secure\nCommunities\nback, {fmt.month_year(back)}",
            fontsize=7.2,
            va="top",
            color="#333333",
        )
        rows = pd.concat([table, milestones[milestones["milestone_id"].isin([pep_id, return_id])][["source_id"]]])
    ax.set_xlim(years[0] - 0.6, years[-1] + 1.1)
    fig.subplots_adjust(bottom=0.12)
    _note(
        fig,
        rows,
        sources,
        extra=f"FY{years[-1]} runs from October {years[-1] - 1}, so it straddles the return of Secure Communities."
        if milestones is not None
        else "",
    )
    return fig, table


def _gap_clauses(table: pd.DataFrame) -> str:
    """'Fewer had a lawyer (24% vs 40%) or won relief from a judge (2% vs 14%); more were Latino (93% vs 77%) and
    male (93% vs 57%)': each pair in the order of `table`, with the word computed from the two values."""
    clauses: list[tuple[str, str]] = []
    for measure in dict.fromkeys(table["measure"]):
        pair = table[table["measure"] == measure]
        program, other = pair["value"].iloc[0], pair["value"].iloc[1]
        word = fmt.compare_word(program, other, "more", "fewer", "as many")
        clauses.append((word, f"{pair['phrase'].iloc[0]} ({program:.0f}% vs {other:.0f}%)"))
    parts, i = [], 0
    while i < len(clauses):
        word, text = clauses[i]
        group = [text]
        while i + 1 < len(clauses) and clauses[i + 1][0] == word:
            i += 1
            follow = clauses[i][1]
            group.append(follow.removeprefix("were ") if text.startswith("were ") else follow)
        joiner = " or " if word == "fewer" else " and "
        parts.append(f"{word} {joiner.join(group)}")
        i += 1
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:]


def due_process_chart(table: pd.DataFrame, sources: pd.DataFrame, sample: r.Quantity | None = None):
    """People arrested through the program against the group each measure is compared with, one panel per
    comparison group (`table` from `chart_tables.due_process_rows`), so two populations never share a colour; the
    title gives every pair, computed."""
    comparisons = list(dict.fromkeys(table["comparison"]))
    size = f", {format_number(sample.value)} case records" if sample is not None else ""
    fig, axes = charts.new_figure(
        _gap_clauses(table),
        f"Percent of each group. Filled bars: people arrested through Secure Communities in one study's sample "
        f"(Warren Institute{size}, 2008-2011); light bars: the group each measure is compared with",
        ncols=len(comparisons),
        figsize=(6.3, 4.6),
        sharey=True,
    )
    axes = np.atleast_1d(axes)
    width = 0.38
    for ax, comparison in zip(axes, comparisons):
        rows = table[table["comparison"] == comparison]
        measures = list(dict.fromkeys(rows["measure"]))
        x = np.arange(len(measures))
        for i, (group, color, hatch) in enumerate(
            ((_program_group(rows), charts.PALETTE[0], ""), (comparison, COMPARISON_TINT, ""))
        ):
            values = rows[rows["group"] == group].set_index("measure").reindex(measures)["value"]
            bars = ax.bar(
                x + (i - 0.5) * width,
                values,
                width,
                color=color,
                edgecolor=charts.PALETTE[0],
                hatch=hatch,
                linewidth=1.0,
            )
            ax.bar_label(bars, labels=[f"{v:.0f}%" for v in values], fontsize=7.5, padding=1.5)
        ax.set_xticks(x, measures)
        ax.set_ylim(0, 118)
        ax.set_yticks([0, 20, 40, 60, 80, 100])
        ax.set_title(textwrap.fill(f"Compared with {comparison}", 30), fontsize=7.8, loc="left", pad=6)
    axes[0].set_ylabel("percent")
    fig.subplots_adjust(top=fig.subplotpars.top - 0.04, wspace=0.12, bottom=0.12)
    _note(
        fig,
        table,
        sources,
        extra="One study's sample; the Center for Immigration Studies disputes how far it represents the program.",
    )
    return fig, table


def _program_group(rows: pd.DataFrame) -> str:
    """The program's group in a due-process table: the group that is not the comparison."""
    return str(next(g for g in rows["group"] if g != rows["comparison"].iloc[0]))


# ---------------------------------------------------------------- 07 audit


def audit_chart(counts: pd.DataFrame, sources: pd.DataFrame):
    """Figures per kind of source, split by confidence (`counts` from audit.figures_by)."""
    primary = counts.loc[[k for k in source_kinds.STRONG_KINDS[:4] if k in counts.index]].to_numpy().sum()
    fig, ax = charts.new_figure(
        f"{primary / counts.to_numpy().sum() * 100:.0f}% of the published numbers come from government, court, "
        f"statistics or research sources; the rest from news, advocacy, blogs and reposts or mirrors",
        "Published numbers in the data, by the kind of source that printed them and the project's confidence rating",
    )
    fig.subplots_adjust(left=0.30)  # room for the longest kind of source ("official statistics release")
    kinds = list(counts.index)
    left = np.zeros(len(kinds))
    for i, conf in enumerate(["high", "medium", "low"]):
        vals = counts[conf].to_numpy()
        ax.barh(
            kinds[::-1],
            vals[::-1],
            left=left[::-1],
            color=charts.PALETTE[i],
            hatch=charts.HATCHES[i],
            edgecolor="white",
            label=f"{conf} confidence",
        )
        left = left + vals
    for y, total in zip(range(len(kinds))[::-1], left):
        ax.text(total + 2, y, f"{total:.0f}", va="center", fontsize=8)
    ax.set_xlim(0, left.max() * 1.12)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="lower right")
    table = counts.reset_index()
    charts.add_note(
        fig,
        f"Source: the project's sources table ({len(sources)} sources). Counts of published numbers, not of "
        "people: every number in the data, by the kind of its source.",
    )
    return fig, table


WIDE_ALLOWED = 40.0  # percent of the published value: an allowed range wider than this is cut at the plot's edge


def published_checks_chart(checks: pd.DataFrame, sources: pd.DataFrame):
    """For every published percentage: the range its printed precision and words allow (grey band) and the
    range of values its inputs allow, read the same way (line; a dot where the inputs are exact), both
    relative to the published value, so claims of any size share one axis."""
    pct = checks[checks["unit"].isin(["percent", "percent_change"]) & (checks["verdict"] != "cannot compute")].copy()
    pct = pct.drop_duplicates("published_id")  # each published figure once
    scale = pct["published"].abs()
    for col in ("computed_low", "computed_high"):
        pct[f"{col}_rel"] = (pct[col] - pct["published"]) / scale * 100
    half = pct["tolerance"] / scale * 100
    pct["allowed_low_rel"], pct["allowed_high_rel"] = -half, half
    pct = pct.sort_values("computed_low_rel").reset_index(drop=True)
    agree = int((pct["verdict"] == "reproduces").sum())
    untested = checks[checks["unit"].isin(["percent", "percent_change"]) & (checks["verdict"] == "cannot compute")]
    fig, ax = charts.new_figure(
        f"{agree} of the {len(pct)} checkable published percentages reproduce from their counts, read as precisely "
        f"as the sources printed them"
        + (f"; {fmt.count_words(len(untested))} cannot be checked" if len(untested) else ""),
        "Each published percentage: the range its printed precision allows (grey) and the range its inputs "
        "give (black line; a dot where they give one value), in percent of the published value",
        figsize=(6.3, 0.34 * len(pct) + 3.0),
    )
    fig.subplots_adjust(left=0.47, right=0.96)
    y = np.arange(len(pct))[::-1]
    for yi, row in zip(y, pct.itertuples()):
        ax.barh(
            yi,
            row.allowed_high_rel - row.allowed_low_rel,
            left=row.allowed_low_rel,
            height=0.6,
            color="#cccccc",
            zorder=1,
        )
        lo, hi = row.computed_low_rel, row.computed_high_rel
        if hi - lo > 0.05:
            ax.plot([lo, hi], [yi, yi], color="#000000", linewidth=1.6, zorder=3, solid_capstyle="butt")
        else:
            ax.scatter([lo], [yi], color="#000000", s=14, zorder=3)
        if row.verdict == "diverges":
            ax.text(hi + 0.5, yi, "does not reproduce", va="center", fontsize=7)
    ax.axvline(0, color="#555555", linewidth=0.8)
    labels = [textwrap.shorten(fmt.true_minus(fmt.spelled_months(str(s))), 200) for s in pct["statement"]]
    ax.set_yticks(
        y,
        [textwrap.fill(t, 46, break_on_hyphens=False) if len(t) > 46 else t for t in labels],
        fontsize=6.6,
        linespacing=1.0,
    )
    # the scale fits the computed ranges and the ordinary allowed ranges; a far wider allowed range (a rounded
    # "1 percent" allows +/-50%) is cut at the plot's edge and its width printed on it
    computed = float(pct[["computed_low_rel", "computed_high_rel"]].abs().to_numpy().max())
    ordinary = pct["allowed_high_rel"][pct["allowed_high_rel"] <= WIDE_ALLOWED]
    reach = max(10.0, computed * 1.15, float(ordinary.max()) * 1.1 if len(ordinary) else 0.0)
    for yi, row in zip(y, pct.itertuples()):
        if row.allowed_high_rel > reach:
            ax.text(
                reach * 0.98,
                yi,
                f"\u00b1{row.allowed_high_rel:.0f}%: off the scale",
                va="center",
                ha="right",
                fontsize=6.6,
                color="#333333",
                zorder=4,
            )
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-0.7, len(pct) - 0.3)
    # a range narrower than the zero line is drawn, but hidden by it: said in the note
    hidden = int(((pct["allowed_high_rel"] - pct["allowed_low_rel"]) < reach / 100).sum())
    # a published value whose source is weak: marked just outside the plot's right edge, beside its row and never
    # over a range (inside the plot an asterisk would read as a value)
    charts.mark_weak(ax, [reach] * len(pct), y, pct, sources, offset=(7.0, 0.0))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))  # few ticks: the panel is narrow
    ax.xaxis.set_major_formatter(lambda v, _: fmt.signed(v, 0, "%"))
    ax.set_xlabel("difference from the published value, percent of it")
    charts.add_source_note(
        fig,
        pct,
        sources,
        extra=(
            (
                f"Not drawn: {len(untested)} published percentage{'s' if len(untested) != 1 else ''} whose counts are "
                "printed only as bounds ('more than'), so any share fits them. "
                if len(untested)
                else ""
            )
            + (
                f"{fmt.count_words(hidden).capitalize()} grey range{'s are' if hidden != 1 else ' is'} too narrow to "
                "see beside the zero line it lies on. "
                if hidden
                else ""
            )
            + "Level 1: ICE's most serious tier of criminal record. A percentage reproduces when the two ranges meet. 'About' widens a printed number by one unit of its "
            "last printed digit either way, 'nearly' only downwards; a share is checked only against the "
            "denominator its source used."
        ),
    )
    return fig, pct
