"""Charts of the rollout by place: cumulative counts against ICE's published counts, how long each state
took, and one state's rollout with a place marked. Each returns (figure, table) like scomm.figure_charts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scomm import charts, fmt, place_profile, rollout_counts
from scomm.fmt import day_month_year, month_year

LIST_COLOR, PUBLISHED_COLOR = charts.PALETTE[0], charts.PALETTE[6]


FIRST_COLOR = "#a6cbe4"  # a light tint of LIST_COLOR


def spans_chart(spans: pd.DataFrame, sources: pd.DataFrame):
    """Each state's rollout from its first county to its last (statewide), ordered by start."""
    states_only = spans[spans["state"] != "DC"]  # DC is one county: a single day says nothing there
    one_day = states_only[states_only["days"] == 0]
    longest = spans.loc[spans["days"].idxmax()]
    fig, ax = charts.new_figure(
        f"{len(one_day)} of the {len(states_only)} states were covered in a single day; "
        f"{longest['state_name']} took "
        f"longest: {longest['days']:,} days from its first county to its last",
        "Secure Communities in each state: first county activated (circle) to statewide activation (square), "
        "ordered by first activation",
        figsize=(6.3, 8.6),
    )
    fig.subplots_adjust(left=0.25)
    y = np.arange(len(spans))[::-1]
    ax.hlines(y, spans["first"], spans["last"], color=LIST_COLOR, linewidth=2.2)
    # the first county a filled light circle (hollow markers mean approximate dates on every chart)
    ax.scatter(
        spans["first"], y, color=FIRST_COLOR, edgecolors=LIST_COLOR, marker="o", s=22, zorder=3, label="first county"
    )
    ax.scatter(spans["last"], y, color=LIST_COLOR, marker="s", s=18, zorder=3, label="statewide (last county)")
    ax.set_yticks(y, [f"{n} ({c:,})" for n, c in zip(spans["state_name"], spans["counties"])], fontsize=7)
    ax.set_ylim(-1, len(spans))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=7.5)
    charts.date_axis(ax)
    table = spans.copy()
    charts.add_source_note(
        fig,
        table,
        sources,
        extra="In brackets: counties in the list. Days = last minus first activation date. A square alone: the whole "
        "state on one day.",
    )
    fig.subplots_adjust(bottom=0.12)  # a tall chart: the note needs less than the house margin
    return fig, table


def state_rollout_chart(
    acts: pd.DataFrame, sts: pd.DataFrame, sources: pd.DataFrame, state: str, mark_fips: str | None = None
):
    """Share of a state's counties active by date, with one county marked; returns (fig, table)."""
    rows = acts[acts["state"] == state].sort_values(["activated", "fips"])
    name = sts.set_index("state").at[state, "state_name"]
    steps = rollout_counts.counts_at(rows, np.unique(rows["activated"].to_numpy()))
    steps["share_pct"] = steps["counties"] / len(rows) * 100
    first, last = rows["activated"].min(), rows["activated"].max()
    if mark_fips is not None:
        t = place_profile.county_timing(mark_fips, acts)
        county = rows.set_index("fips").at[mark_fips, "county"]
        title = (
            f"{county} was among the first {fmt.count_words(int(t['state_active']))} of {name}'s {len(rows):,} counties to join, in "
            f"{month_year(t['activated'])}; all were active by {month_year(last)}"
        )
    else:
        title = f"{name}: from the first county to all {len(rows):,} took {(last - first).days:,} days"
    fig, ax = charts.new_figure(
        title, f"Share of {name}'s {len(rows):,} counties with Secure Communities active, by date", figsize=(6.3, 4.0)
    )
    # the line stops on the last activation, marked with a square: the list says nothing of later dates
    ax.step(list(steps["date"]), list(steps["share_pct"]), where="post", color=LIST_COLOR, linewidth=1.6)
    ax.scatter([last], [100.0], color=LIST_COLOR, marker="s", s=30, zorder=3)
    if mark_fips is not None:
        share = t["state_active"] / t["state_of"] * 100
        ax.scatter([t["activated"]], [share], color=PUBLISHED_COLOR, marker="D", s=42, zorder=3, label=county)
        ax.annotate(
            f"{county}, {day_month_year(t['activated'])}",
            (t["activated"], share),
            textcoords="offset points",
            xytext=(12, 18),
            fontsize=7.5,
            va="bottom",
            arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 4},
        )
    ax.annotate(
        f"all counties, {day_month_year(last)}",
        (last, 100.0),
        textcoords="offset points",
        xytext=(-7, 4),
        fontsize=7.5,
        ha="right",
        va="bottom",
    )
    ax.set_ylim(-2, 114)
    ax.set_ylabel("% of counties active")
    charts.date_axis(ax)
    table = steps.assign(state=state, source_id=rows["source_id"].iloc[0])
    charts.add_source_note(fig, table, sources)
    return fig, table
