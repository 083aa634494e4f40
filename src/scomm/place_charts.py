"""Charts of the rollout by place: cumulative counts against ICE's published counts, how long each state
took, and one state's rollout with a place marked. Each returns (figure, table) like scomm.views."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from scomm import charts
from scomm import places as P

LIST_COLOR, PUBLISHED_COLOR = charts.PALETTE[0], charts.PALETTE[6]


def _published_points(ax, rec: pd.DataFrame, index: int, sources: pd.DataFrame) -> None:
    """ICE's published counts as markers (hollow: approximate or a bound). A count whose source gives only
    the month or year sits in the middle of that month or year, with a bar spanning it. Counts that disagree
    with the list are labelled with their publisher and year."""
    x = rec["window_start"] + (rec["window_end"] - rec["window_start"]) / 2
    for r in rec[rec["date_precision"] != "day"].itertuples():
        ax.plot([r.window_start, r.window_end], [r.published, r.published], color=PUBLISHED_COLOR, linewidth=0.9,
                alpha=0.8, zorder=2)
    charts.plot_points(ax, x, rec["published"], rec["qualifier"], index=index, label="published count", line=False)
    charts.mark_weak(ax, x, rec["published"], rec, sources)
    flagged = rec["disagrees"].fillna(False).astype(bool).to_numpy()
    # labels go where a rising cumulative line leaves room: above and to the left of a point in the lower half
    # (to the right near the left edge), below and to the right of one in the upper half; each label sits further
    # out than the last so neighbours do not overlap, and a thin line points to its marker
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for k, (xi, r) in enumerate(zip(x[flagged], rec[flagged].itertuples())):
        up = r.published < (y0 + y1) / 2
        to_right = not up or (mdates.date2num(xi) - x0) / (x1 - x0) < 0.25
        ax.annotate(charts.source_words(sources, r.source_id), (xi, r.published), textcoords="offset points",
                    xytext=(6 if to_right else -6, (1 if up else -1) * (26 + 11 * k)), ha="left" if to_right else "right",
                    va="bottom" if up else "top", fontsize=6.5, color="#333333",
                    arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 4})


def cumulative_chart(acts: pd.DataFrame, rec: pd.DataFrame, figures: pd.DataFrame, sources: pd.DataFrame,
                     tolerance_pct: float = P.TOLERANCE_PCT):
    """Counties (top) and states (bottom) active by date from the list, with the published counts as points."""
    steps = P.cumulative(acts)
    comparable = charts.plottable(rec[rec["list_count"].notna() & rec["geography"].eq("US")], sources)
    n_flag = int(comparable["disagrees"].astype(bool).sum())
    fig, (ax1, ax2) = charts.new_figure(
        f"{len(comparable) - n_flag} of {len(comparable)} national counts published by ICE and others agree with "
        f"ICE's county list; {n_flag} do not",
        f"Counties and states with Secure Communities active, by date: ICE's list (line) and counts published at the "
        f"time (points); agreement within {tolerance_pct:g}% for jurisdictions, exactly for states",
        nrows=2, ncols=1, figsize=(7.6, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 2]},
    )
    fig.subplots_adjust(hspace=0.12)
    end = steps["date"].max() + pd.Timedelta(days=60)
    for ax, what, label in ((ax1, "counties", "counties (list)"), (ax2, "states", "states and DC (list)")):
        x = list(steps["date"]) + [end]
        y = list(steps[what]) + [steps[what].iloc[-1]]
        ax.step(x, y, where="post", color=LIST_COLOR, linewidth=1.6, label=label, zorder=1)
        pts = comparable[comparable["counts"] == what]
        _published_points(ax, pts, index=6, sources=sources)
        ax.set_ylim(0, None)
        ax.legend(loc="upper left", fontsize=7.5)
    ax1.set_ylabel("counties / jurisdictions")
    ax2.set_ylabel("states")
    ax1.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    table = comparable.merge(figures[["figure_id", "as_printed"]], on="figure_id", how="left")
    note_rows = pd.concat([pd.DataFrame({"figure_id": [""], "source_id": [acts["source_id"].iloc[0]]}),
                           table[["figure_id", "source_id"]]], ignore_index=True).astype(str)
    extra = ("Points: published counts of jurisdictions (top) and states (bottom); a horizontal bar spans the month or "
             "year when the source gives no day (the point sits in its middle). Labelled points (publisher and year) "
             "disagree with the list beyond the tolerance. " + charts.approx_note(fig))
    charts.add_source_note(fig, note_rows, sources, extra=extra)
    return fig, table


def spans_chart(spans: pd.DataFrame, sources: pd.DataFrame):
    """Each state's rollout from its first county to its last (statewide), ordered by start."""
    one_day = spans[spans["days"] == 0]
    longest = spans.loc[spans["days"].idxmax()]
    fig, ax = charts.new_figure(
        f"{len(one_day)} of the {int((spans['state'] != 'DC').sum())} states and DC were covered in a single day; "
        f"{longest['state_name']} took "
        f"longest: {longest['days']:,} days from its first county to its last",
        "Secure Communities in each state: first county activated (circle) to statewide activation (square), "
        "ordered by first activation",
        figsize=(7.2, 7.8),
    )
    fig.subplots_adjust(left=0.2)
    y = np.arange(len(spans))[::-1]
    ax.hlines(y, spans["first"], spans["last"], color=LIST_COLOR, linewidth=2.2)
    ax.scatter(spans["first"], y, color="white", edgecolors=LIST_COLOR, marker="o", s=22, zorder=3,
               label="first county")
    ax.scatter(spans["last"], y, color=LIST_COLOR, marker="s", s=18, zorder=3, label="statewide (last county)")
    ax.set_yticks(y, [f"{n} ({c:,})" for n, c in zip(spans["state_name"], spans["counties"])], fontsize=6.6)
    ax.set_ylim(-1, len(spans))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=7.5)
    table = spans.copy()
    charts.add_source_note(fig, table, sources, extra="In brackets: counties in the list. Days = last minus first activation date.")
    fig.subplots_adjust(bottom=0.12)  # a tall chart: the note needs less than the house margin
    return fig, table


def state_rollout_chart(acts: pd.DataFrame, sts: pd.DataFrame, sources: pd.DataFrame, state: str,
                        mark_fips: str | None = None):
    """Share of a state's counties active by date, with one county marked; returns (fig, table)."""
    rows = acts[acts["state"] == state].sort_values(["activated", "fips"])
    name = sts.set_index("state").at[state, "state_name"]
    steps = P.counts_at(rows, np.unique(rows["activated"].to_numpy()))
    steps["share_pct"] = steps["counties"] / len(rows) * 100
    first, last = rows["activated"].min(), rows["activated"].max()
    if mark_fips is not None:
        t = P.county_timing(mark_fips, acts)
        county = rows.set_index("fips").at[mark_fips, "county"]
        title = (f"{county} was switched on {(t['activated'] - first).days:,} days after {name}'s first county; "
                 f"{t['state_active'] / t['state_of'] * 100:.1f}% of the state's counties were active by then")
    else:
        title = f"{name}: from the first county to all {len(rows):,} took {(last - first).days:,} days"
    fig, ax = charts.new_figure(title, f"Share of {name}'s {len(rows):,} counties with Secure Communities active, by date",
                                figsize=(6.4, 4.0))
    x = list(steps["date"]) + [last + pd.Timedelta(days=30)]
    y = list(steps["share_pct"]) + [100.0]
    ax.step(x, y, where="post", color=LIST_COLOR, linewidth=1.6)
    if mark_fips is not None:
        share = t["state_active"] / t["state_of"] * 100
        ax.scatter([t["activated"]], [share], color=PUBLISHED_COLOR, marker="D", s=42, zorder=3, label=county)
        ax.annotate(f"{county}, {t['activated']:%Y-%m-%d}", (t["activated"], share), textcoords="offset points",
                    xytext=(8, 8), fontsize=7.5, va="bottom")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of counties active")
    locator = mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    table = steps.assign(state=state, source_id=rows["source_id"].iloc[0])
    charts.add_source_note(fig, table, sources)
    return fig, table
