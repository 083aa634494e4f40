"""The charts the notebooks show. Each builder takes the rows it plots and returns (figure, table): the
table is exactly what the chart plots, with the figure_id and source_id of every value. Selecting rows
is `scomm.tables`' job; style and export are `scomm.charts`'."""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np
import pandas as pd

from scomm import charts, tables
from scomm import ratios as r
from scomm.fmt import QUALIFIER_WORDS, format_number, significant
from scomm.tables import FUNNEL_STAGES

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
    import matplotlib.dates as mdates

    # an event dated only by an encyclopedia mirror or an AI digest is not drawn (see charts.plottable)
    table = charts.plottable(milestones, sources).sort_values("date").reset_index(drop=True)
    when = table.set_index("milestone_id")["date"]
    periods = [(label, when[a], when[b]) for label, a, b in PERIOD_MILESTONES if a in when and b in when]
    fig, ax = charts.new_figure(
        f"Secure Communities ran from {periods[0][1]:%Y} to {periods[0][2]:%Y}, was replaced by the "
        f"{periods[1][0]} for {(periods[1][2] - periods[1][1]).days / 365.25:.1f} years, and ran again to "
        f"{periods[-1][2]:%Y}"
        if len(periods) == 3 else "Secure Communities: dated events",
        "Events dated by their sources; shaded: the periods the events open and close. Hollow markers: "
        "the source dates the event to the month or year only",
        figsize=(9.0, 6.4),
    )
    fig.subplots_adjust(left=0.03, right=0.97)
    shades = ["#d9e6f2", "#eeeeee", "#d9e6f2"]
    n = len(table)
    for (label, start, end), shade in zip(periods, shades):
        ax.axvspan(start, end, color=shade, zorder=0)
        ax.text(start + (end - start) / 2, n + 0.4, textwrap.fill(label, 18), ha="center", va="bottom", fontsize=8,
                fontweight="bold", color="#333333")
    # one row per event, earliest at the top; the label sits on the side with more room
    middle = table["date"].min() + (table["date"].max() - table["date"].min()) * 0.62
    for y, (_, row) in zip(range(n - 1, -1, -1), table.iterrows()):
        hollow = row["date_precision"] != "day"
        fmt_ = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[str(row["date_precision"])]
        ax.scatter(row["date"], y, s=28, color="white" if hollow else charts.PALETTE[0], edgecolors=charts.PALETTE[0],
                   zorder=3, linewidths=1.2)
        charts.mark_weak(ax, [row["date"]], [y], table.loc[[row.name]], sources)
        right = row["date"] < middle
        pad = pd.Timedelta(days=50)
        ax.text(row["date"] + (pad if right else -pad), y, f"{row['date']:{fmt_}}  {textwrap.shorten(str(row['event']), 78)}",
                fontsize=7.2, va="center", ha="left" if right else "right")
    ax.set_ylim(-0.8, n + 1.6)
    ax.set_xlim(table["date"].min() - pd.Timedelta(days=200), table["date"].max() + pd.Timedelta(days=200))
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.grid(False)
    charts.add_source_note(fig, table, sources)
    return fig, table


# ---------------------------------------------------------------- 02 rollout


KIND_ORDER = list(charts.SOURCE_KINDS)
KIND_LABELS: dict[str, str] = {}


def left_out_note(left_out: pd.DataFrame, sources: pd.DataFrame) -> str:
    """'Left out: factually.co (2026), "more than 1,210" for 2011-03 (ROL-028); its notes say "do not use without
    a primary".' Generated from the rows `tables.split_unusable` set aside ('' when none)."""
    items = [f"{charts.source_name(sources, row['source_id'])}, \"{row['as_printed']}\" for "
             f"{charts.published_label(row['period_end'], row['date_precision'])} ({row['figure_id']}): its notes say "
             f"\"{tables.unusable_reason(row['notes'])}\""
             for _, row in left_out.iterrows()]
    return ("Left out: " + "; ".join(items) + ".") if items else ""


def _kinds(table: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    kinds = table["source_id"].map(sources.set_index("source_id")["kind"]).astype(str)
    return kinds


def _plot_by_kind(ax, table: pd.DataFrame, sources: pd.DataFrame) -> list[str]:
    """One marker and colour per kind of source (not per source: five styles stay apart in grey-scale)."""
    kinds = _kinds(table, sources)
    known = KIND_ORDER + sorted(set(kinds) - set(KIND_ORDER))
    for kind in [k for k in known if k in set(kinds)]:  # a kind keeps its marker and colour on every chart
        rows = table[kinds == kind]
        charts.plot_points(ax, rows["period_end"], rows["value"], rows["qualifier"], index=known.index(kind),
                           label=KIND_LABELS.get(kind, kind), line=False)
    charts.mark_weak(ax, table["period_end"], table["value"], table, sources)
    return known


def rollout_chart(points: pd.DataFrame, goal_full_rows: pd.DataFrame, sources: pd.DataFrame, goal: r.Quantity,
                  full: r.Quantity):
    """Active jurisdictions over time (`points`: national counts dated to the day or month), marked by the kind
    of source, against the target year and the full count (`goal_full_rows`: the rows of `goal` and `full`).
    Rows whose notes say "do not use" are left out and named in the note."""
    table, left_out = tables.split_unusable(points.reset_index(drop=True))
    table = table.reset_index(drop=True)
    full_date = goal_full_rows.set_index("figure_id").loc[full.figure_ids[0], "period_end"]  # 2013: year only
    span = r.years_between(table["period_end"].iloc[0], full_date)
    fig, ax = charts.new_figure(
        f"Jurisdictions grew from {format_number(table['value'].iloc[0])} to {format_number(full.value)} "
        f"in about {span:.0f} years",
        "Jurisdictions where Secure Communities was active, United States, by date of the count; marker: kind of "
        "source (every source is named below)",
        figsize=(7.6, 6.6),
    )
    ax.plot(table["period_end"], table["value"], color="#999999", linewidth=0.8, zorder=1)
    order = _plot_by_kind(ax, table, sources)
    goal_date = pd.Timestamp(int(goal.value), 1, 1)
    ax.axvline(goal_date, color=charts.PALETTE[6], linestyle="--", linewidth=1)
    ax.text(goal_date, full.value * 0.72, f"target: every jurisdiction by {goal.value:.0f}, as reported by "
            f"{charts.source_words(sources, goal.source_ids[0])} ",
            color=charts.PALETTE[6], fontsize=7.5, va="center", ha="right")
    charts.plot_points(ax, [full_date], [full.value], pd.Series([full.qualifier]), index=len(order),
                       label=f"all jurisdictions, dated to the year only: {charts.source_words(sources, full.source_ids[0])}",
                       line=False)
    ax.axhline(full.value, color="#555555", linestyle=":", linewidth=1)
    ax.text(table["period_end"].iloc[0], full.value, f"all {format_number(full.value)} jurisdictions",
            fontsize=7.5, va="bottom")
    ax.set_ylim(0, full.value * 1.12)
    ax.set_ylabel("jurisdictions")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    extra = pd.concat([table, goal_full_rows]).drop_duplicates("figure_id")
    _note(fig, extra, sources, extra=left_out_note(left_out, sources))
    charts.legend_below(fig, ax, ncol=2, title="kind of source of each count")
    return fig, extra.reset_index(drop=True)


def states_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """States with at least one active jurisdiction, over time (`table`: counts dated to the day or month),
    marked by the kind of source; rows whose notes say "do not use" are left out and named in the note."""
    table, left_out = tables.split_unusable(table.reset_index(drop=True))
    table = table.reset_index(drop=True)
    first, last = table.iloc[0], table.iloc[-1]
    fig, ax = charts.new_figure(
        f"Active in {first['value']:.0f} states in {first['period_end']:%B %Y}, {last['value']:.0f} by "
        f"{last['period_end']:%B %Y}",
        "States (and territories) with at least one jurisdiction where Secure Communities was active; marker: kind "
        "of source (every source is named below)",
        figsize=(7.2, 5.2),
    )
    ax.plot(table["period_end"], table["value"], color="#999999", linewidth=0.8, zorder=1)
    _plot_by_kind(ax, table, sources)
    ax.set_ylabel("states")
    ax.set_ylim(0, 55)
    _note(fig, table, sources, extra=left_out_note(left_out, sources))
    charts.legend_below(fig, ax, ncol=3, title="kind of source of each count")
    return fig, table


# ---------------------------------------------------------------- 03 funnel


def _end_to_end(table: pd.DataFrame, place: str) -> r.Quantity:
    """First stage to last stage of one place's funnel, in percent."""
    rows = table[table["place"] == place]
    first, last = rows.iloc[0], rows.iloc[-1]
    return r.conversion(r.Quantity(first["value"], qualifier=str(first["qualifier"])),
                        r.Quantity(last["value"], qualifier=str(last["qualifier"])))


def funnel_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """Each geography's funnel as horizontal bars (log scale), labelled with counts and stage conversions."""
    places = list(dict.fromkeys(table["place"]))
    overall = {place: _end_to_end(table, place) for place in places}
    fig, axes = charts.new_figure(
        f"{places[0]}: {overall[places[0]].value:.1f} removals for every 100 fingerprints checked; "
        f"{', '.join(f'{p}: {q.value:.1f}' for p, q in list(overall.items())[1:])}",
        "Secure Communities identification funnel, cumulative from activation to about June 2011 (log scale, dots)",
        nrows=1, ncols=len(places), figsize=(9.0, 4.4), sharey=True,
    )
    fig.subplots_adjust(left=0.17, wspace=0.35)
    for i, (ax, place) in enumerate(zip(np.atleast_1d(axes), places)):
        rows = table[table["place"] == place]
        # dots, not bars: on a log axis a bar's length would misstate the ratio between stages
        ypos = list(range(len(rows)))[::-1]
        charts.plot_points(ax, rows["value"], ypos, rows["qualifier"], index=i, line=False)
        charts.mark_weak(ax, rows["value"], ypos, rows, sources)
        ax.set_yticks(ypos, list(rows["stage"]))
        ax.grid(axis="y", visible=False)
        ax.set_xscale("log")
        ax.set_title(place, fontsize=10)
        for y, (_, row) in zip(range(len(rows))[::-1], rows.iterrows()):
            label = format_number(row["value"])
            if not np.isnan(row["pct_of_previous_stage"]):
                label += f"\n({row['pct_of_previous_stage']:.1f}% of previous)"
            ax.text(row["value"] * 1.15, y, label, va="center", fontsize=7)
        ax.set_xlim(1e3, 1e8)
        ax.xaxis.set_major_formatter(lambda v, _: compact(v))
        ax.tick_params(axis="x", labelsize=7)
    _note(fig, table, sources)
    return fig, table


def conversion_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """Stage-to-stage conversion rates side by side for each geography."""
    conv = table.dropna(subset=["pct_of_previous_stage"])
    steps = [f"{a}\n-> {b}" for a, b in zip(FUNNEL_STAGES[:-1], FUNNEL_STAGES[1:])]
    places = list(dict.fromkeys(conv["place"]))
    last_step = conv[conv["stage"] == FUNNEL_STAGES[-1]].set_index("place")["pct_of_previous_stage"]
    fig, ax = charts.new_figure(
        f"Removals as a percent of ICE arrests were highest in {last_step.idxmax()} ({last_step.max():.1f}%) and "
        f"lowest in {last_step.idxmin()} ({last_step.min():.1f}%); ratios of cumulative counts, not follow-up rates",
        "Conversion between funnel stages, percent of the previous stage, activation to about June 2011",
    )
    width = 0.8 / len(places)
    x = np.arange(len(steps))
    for i, place in enumerate(places):
        vals = conv[conv["place"] == place]["pct_of_previous_stage"].to_numpy()
        bars = ax.bar(x + i * width - 0.4 + width / 2, vals, width, color=charts.PALETTE[i], hatch=charts.HATCHES[i],
                      edgecolor="white" if i != 2 else "#666666", label=place)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in vals], fontsize=7)
        charts.mark_weak(ax, x + i * width - 0.4 + width / 2, vals, conv[conv["place"] == place], sources,
                         offset=charts.ABOVE_BAR_LABEL)
    ax.set_xticks(x, steps)
    ax.set_ylabel("percent of previous stage")
    ax.legend(loc="upper left")
    out = conv[["place", "stage", "pct_of_previous_stage", "figure_id", "source_id", "qualifier"]].reset_index(drop=True)
    _note(fig, table, sources, extra="Each rate divides a stage's count by the count of the stage before it.")
    return fig, out


def context_chart(rows: pd.DataFrame, sources: pd.DataFrame):
    """Bars comparing per-year program arrests with the yearly criminal arrests of non-citizens."""
    # rows 0-1: the program's arrests a year (two counts); rows 2-3: yearly criminal arrests of non-citizens
    # (two estimates). Every pairing gives a share; the title states their range, not one of them.
    shares = [p / e * 100 for p in rows["value"].iloc[:2] for e in rows["value"].iloc[2:]]
    title = (f"Program arrests a year were {min(shares):.1f}% to {max(shares):.1f}% of yearly criminal arrests of "
             f"non-citizens, depending on the counts compared")
    fig, ax = charts.new_figure(title, "People per year, United States; program arrests averaged over the period the count covers")
    fig.subplots_adjust(left=0.30)
    charts.hbar(ax, [textwrap.fill(label, 30) for label in rows["label"]], list(rows["value"]), rows["qualifier"], index=0,
                value_format=lambda v: format_number(v, decimals=0))
    charts.mark_weak(ax, rows["value"], list(range(len(rows)))[::-1], rows, sources, offset=(-9.0, 0.0))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_xlim(0, rows["value"].max() * 1.25)
    _note(fig, rows, sources, extra="Order of magnitude only: the populations differ (program arrests by ICE vs all criminal arrests of non-citizens).")
    return fig, rows


# ---------------------------------------------------------------- 04 removals


def removals_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """ICE removals by fiscal year (top) and the convicted share (bottom)."""
    peak = table.loc[table["total"].idxmax()]
    shares = table["convicted_pct"].dropna()
    fig, (ax1, ax2) = charts.new_figure(
        f"ICE removals peaked in FY{peak['fiscal_year']:.0f}; the convicted share ran from "
        f"{shares.min():.0f} to {shares.max():.0f} percent",
        "ICE removals by fiscal year (FY2005-FY2009: removals and returns, TRAC) and percent previously convicted",
        nrows=2, ncols=1, figsize=(7.6, 6.0), sharex=True, gridspec_kw={"height_ratios": [3, 2]},
    )
    fig.subplots_adjust(hspace=0.12)
    years = table["fiscal_year"].astype(int).to_numpy()
    approx = charts.is_approximate(table["total_qualifier"])
    returns = table["total_metric"] == "ice_removals_and_returns"
    for y, v, ap, ret in zip(years, table["total"], approx, returns):
        ax1.bar(y, v, color="white" if ap else (charts.PALETTE[5] if ret else charts.PALETTE[0]),
                edgecolor=charts.PALETTE[0], hatch="///" if ap else ("..." if ret else ""), width=0.7)
        if ap:
            charts.mark_approximate(ax1, "bar")
    charts.mark_weak(ax1, years, table["total"], table, sources, offset=charts.INSIDE_BAR_TOP)
    ax1.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:,.0f}k")
    ax1.set_ylabel("removals")
    from matplotlib.patches import Patch

    ax1.legend(handles=[Patch(facecolor=charts.PALETTE[5], edgecolor=charts.PALETTE[0], hatch="...",
                              label="removals and returns (TRAC)"),
                        Patch(facecolor=charts.PALETTE[0], label="removals (ICE)"),
                        Patch(facecolor="white", edgecolor=charts.PALETTE[0], hatch="///", label="'more than' (ICE)")],
               loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=7.5)
    share = table.dropna(subset=["convicted_pct"])
    charts.plot_points(ax2, share["fiscal_year"], share["convicted_pct"], share["convicted_pct_qualifier"], index=1)
    for _, row in share.iterrows():
        ax2.annotate(f"{row['convicted_pct']:.1f}%", (row["fiscal_year"], row["convicted_pct"]), textcoords="offset points",
                     xytext=(0, 7), ha="center", fontsize=7.5)
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("% convicted")
    ax2.set_xticks(years, [f"FY{y}" for y in years], fontsize=7.5)
    _note(fig, table.rename(columns={"total_qualifier": "qualifier"}), sources,
          extra="Convicted share computed here: convicted removals / all removals.")
    return fig, table


def sc_share_chart(rows: pd.DataFrame, sources: pd.DataFrame):
    """The program's share of all ICE removals in two fiscal years, with the removals it implies."""
    words = [f"{QUALIFIER_WORDS[str(q)]}{v:.0f}" for q, v in zip(rows["qualifier"], rows["value"])]
    fig, ax = charts.new_figure(
        f"Secure Communities went from {words[0]} to {words[-1]} percent of ICE removals "
        f"({rows['label'].iloc[0]} to {rows['label'].iloc[-1]})",
        "Share of all ICE removals attributable to Secure Communities (GAO), and the count it implies",
    )
    fig.subplots_adjust(left=0.14)
    charts.hbar(ax, list(rows["label"]), list(rows["value"]), rows["qualifier"], index=0,
                value_format=lambda v: f"{v:.0f}%")
    for y, (_, row) in zip(range(len(rows))[::-1], rows.iterrows()):
        # a count implied by a rounded percentage is no more precise than the percentage: two significant
        # digits ("about 16,000"), never the false precision of the product ("about 15,593")
        implied = significant(row["implied_removals"], 2)
        ax.text(row["value"] + 2.5, y, f"{QUALIFIER_WORDS[row['implied_qualifier']]}"
                f"{format_number(implied, decimals=0)} of {format_number(row['all_removals'])} removals",
                fontsize=7.5, va="center")
    ax.set_xlim(0, rows["value"].max() * 2)  # room for the implied-count labels right of the longest bar
    ax.set_xlabel("percent of ICE removals")
    _note(fig, rows, sources, extra="FY2009's denominator is TRAC's removals and returns; FY2011's is ICE's removals.")
    return fig, rows


# ---------------------------------------------------------------- 05 case review


def case_review_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """The 2011-2012 case review as a funnel, each count labelled with who published it."""
    first, last = table.iloc[0], table.iloc[-1]
    # no ratio across publishers in the title: each count is shown against its own source
    fig, ax = charts.new_figure(
        f"{first['publisher']}: {QUALIFIER_WORDS[str(first['qualifier'])]}{format_number(first['value'])} pending "
        f"cases to review; {last['publisher']}'s last count, {last['period_end']:%B %Y}: "
        f"{QUALIFIER_WORDS[str(last['qualifier'])]}{format_number(last['value'])} cases closed",
        "Prosecutorial-discretion review of pending removal cases, November 2011 - October 2012 (log scale)",
        figsize=(8.0, 5.0),
    )
    fig.subplots_adjust(left=0.40, right=0.9)
    kinds = list(dict.fromkeys(table["publisher"]))
    ypos = np.arange(len(table))[::-1]
    for y, (_, row) in zip(ypos, table.iterrows()):
        i = kinds.index(row["publisher"])
        ap = row["qualifier"] in charts.APPROXIMATE
        # dots on a log axis (bars there would misstate ratios); hollow: approximate or a bound
        ax.scatter(row["value"], y, s=40, marker=charts.MARKERS[i], color="white" if ap else charts.PALETTE[i],
                   edgecolors=charts.PALETTE[i], linewidths=1.4, zorder=3,
                   label=row["publisher"] if row["publisher"] not in ax.get_legend_handles_labels()[1] else None)
        if ap:
            charts.mark_approximate(ax, "marker")
        ax.text(row["value"] * 1.1, y, f"{row['as_printed']} [{row['figure_id']}]", va="center", fontsize=7.5)
    charts.mark_weak(ax, table["value"], ypos, table, sources)
    ax.set_yticks(ypos, [textwrap.fill(str(step), 40) for step in table["step"]])
    ax.set_xscale("log")
    ax.set_xlim(1e3, 3e6)
    ax.xaxis.set_major_formatter(lambda v, _: compact(v))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=7.5)
    _note(fig, table, sources)
    return fig, table


# ---------------------------------------------------------------- 06 shared safety


def detainers_chart(table: pd.DataFrame, sources: pd.DataFrame):
    """ICE detainers by fiscal year."""
    years_ = table["period_end"].dt.year
    low = table["value"].idxmin()
    fall = r.growth(r.Quantity(table["value"].iloc[0]), r.Quantity(table["value"].loc[low]))
    rise = (f", then rose to {format_number(table['value'].iloc[-1])} in FY{years_.iloc[-1]}"
            if low != table.index[-1] else "")
    fig, ax = charts.new_figure(
        f"Detainers fell {abs(fall.value):.0f}% from FY{years_.iloc[0]} to FY{years_.loc[low]}{rise}",
        "ICE detainers prepared per fiscal year, United States (TRAC)",
    )
    years = table["period_end"].dt.year.to_numpy()
    bars = ax.bar(years, table["value"], color=charts.PALETTE[0], width=0.7)
    ax.bar_label(bars, labels=[format_number(v) for v in table["value"]], fontsize=7.5)
    ax.set_xticks(years, [f"FY{y}" for y in years])
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:,.0f}k")
    ax.set_ylabel("detainers")
    _note(fig, table, sources)
    return fig, table


def comparison_chart(table: pd.DataFrame, sources: pd.DataFrame, title: str, subtitle: str):
    """Paired bars: people arrested through the program vs a comparison group, for several measures."""
    fig, ax = charts.new_figure(title, subtitle)
    measures = list(dict.fromkeys(table["measure"]))
    groups = list(dict.fromkeys(table["group"]))
    x = np.arange(len(measures))
    width = 0.38
    for i, group in enumerate(groups):
        rows = table[table["group"] == group].set_index("measure").reindex(measures)
        bars = ax.bar(x + (i - 0.5) * width, rows["value"], width, color=charts.PALETTE[i], hatch=charts.HATCHES[i],
                      edgecolor="white", label=group)
        ax.bar_label(bars, labels=[f"{v:.0f}%" for v in rows["value"]], fontsize=7.5)
    ax.set_xticks(x, measures)
    ax.set_ylim(0, 100)
    ax.set_ylabel("percent")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
    _note(fig, table, sources)
    return fig, table


# ---------------------------------------------------------------- 07 audit


def audit_chart(counts: pd.DataFrame, sources: pd.DataFrame):
    """Figures per kind of source, split by confidence (`counts` from audit.figures_by)."""
    primary = counts.loc[[k for k in charts.STRONG_KINDS[:4] if k in counts.index]].to_numpy().sum()
    fig, ax = charts.new_figure(
        f"{primary / counts.to_numpy().sum() * 100:.0f}% of the figures come from government, court, statistics or "
        f"research sources; the rest from news, advocacy, blogs and copies",
        f"Number of figures in {charts.data_label()} by kind of source and confidence",
    )
    fig.subplots_adjust(left=0.30)  # room for the longest kind of source ("official statistics release")
    kinds = list(counts.index)
    left = np.zeros(len(kinds))
    for i, conf in enumerate(["high", "medium", "low"]):
        vals = counts[conf].to_numpy()
        ax.barh(kinds[::-1], vals[::-1], left=left[::-1], color=charts.PALETTE[i], hatch=charts.HATCHES[i],
                edgecolor="white", label=f"{conf} confidence")
        left = left + vals
    for y, total in zip(range(len(kinds))[::-1], left):
        ax.text(total + 2, y, f"{total:.0f}", va="center", fontsize=8)
    ax.set_xlim(0, left.max() * 1.12)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="lower right")
    table = counts.reset_index()
    charts.add_note(fig, f"Counts of rows, not of people. Every row of {charts.data_label()}, by the kind of its "
                         f"source as listed in the sources table ({len(sources)} sources).")
    return fig, table


def published_checks_chart(checks: pd.DataFrame, sources: pd.DataFrame):
    """Computed minus published value for every published percentage, in units of its tolerance, so one
    line (+/-1) separates claims that reproduce from those that diverge."""
    pct = checks[checks["unit"].isin(["percent", "percent_change"]) & (checks["verdict"] != "cannot compute")].copy()
    pct["gap_in_tolerances"] = pct["gap"] / pct["tolerance"]
    pct = pct.sort_values(["verdict", "gap_in_tolerances"]).reset_index(drop=True)
    diverging = int((pct["verdict"] == "diverges").sum())
    fig, ax = charts.new_figure(
        f"{diverging} of {len(pct)} published percentages differ from the value computed from their own counts "
        f"by more than their rounding allows",
        "Computed minus published value, in units of the tolerance the printed precision allows "
        "(between -1 and +1: reproduces)",
        figsize=(7.6, 5.6),
    )
    fig.subplots_adjust(left=0.42)
    y = np.arange(len(pct))[::-1]
    ok = (pct["verdict"] == "reproduces").to_numpy()
    ax.axvspan(-1, 1, color="#e6e6e6", zorder=0, label="within rounding of the printed value")
    ax.scatter(pct["gap_in_tolerances"][ok], y[ok], color=charts.PALETTE[0], marker="o", label="reproduces", zorder=3)
    ax.scatter(pct["gap_in_tolerances"][~ok], y[~ok], color=charts.PALETTE[6], marker="X", s=60,
               label="diverges", zorder=3)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(y, [textwrap.shorten(s, 60, placeholder=" ...") for s in pct["statement"]], fontsize=7)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_xlabel("gap / tolerance")
    # above the plot from the figure's left edge (the statements' column is empty there), off the points
    fig.legend(*ax.get_legend_handles_labels(), loc="lower left", bbox_to_anchor=(0.005, fig.subplotpars.top),
               ncol=3, fontsize=7.5, frameon=False)
    charts.add_source_note(fig, pct, sources)
    return fig, pct
