"""Charts of ICE's arrest and removal records (notebook 09). Each returns (figure, table): the table is
exactly what the chart plots, with the source_id of every row, and the source line is generated from it."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from scomm import charts
from scomm import jails as j
from scomm.fmt import format_number

PERIOD_SHADE = "#e8e8e8"


def _milestone(milestones: pd.DataFrame, milestone_id: str) -> pd.Series:
    return milestones.set_index("milestone_id").loc[milestone_id]


def _month_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 7]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def _shade_periods(ax, first: pd.Timestamp, last: pd.Timestamp, pep: pd.Series, sc: pd.Series, top: float) -> None:
    """Grey band for the Priority Enforcement Program, white after the return, with a dated line."""
    start = max(first, pd.Timestamp(pep["date"]))
    ax.axvspan(start, sc["date"], color=PERIOD_SHADE, zorder=0, linewidth=0)
    ax.axvline(sc["date"], color="#555555", linewidth=1, linestyle="--", zorder=1)
    ax.text(start + pd.Timedelta(days=12), top, "Priority Enforcement Program", fontsize=8, va="top", color="#333333")
    ax.text(sc["date"] + pd.Timedelta(days=12), top, f"Secure Communities reinstated ({sc['date']:%Y-%m-%d})",
            fontsize=8, va="top", color="#333333")


def monthly_methods_chart(monthly: pd.DataFrame, milestones: pd.DataFrame, sources: pd.DataFrame,
                          span: j.Periods, pep_id: str = "M12", sc_id: str = "M14"):
    """Arrests per month by apprehension method, October 2015 to the last complete month, periods shaded."""
    pep, sc = _milestone(milestones, pep_id), _milestone(milestones, sc_id)
    wide = monthly.pivot(index="month", columns="method_group", values="arrests").fillna(0)
    order = [g for g in list(j.METHOD_GROUPS) + [j.OTHER_METHODS] if g in wide.columns]
    local = wide[j.CAP_LOCAL]
    before = local[local.index.isin(span.before)].mean()
    after = local[local.index.isin(span.after)].mean()
    fig, ax = charts.new_figure(
        f"Arrests picked up from local jails averaged {format_number(round(before))} a month under the Priority "
        f"Enforcement Program and {format_number(round(after))} a month after Secure Communities returned",
        f"ICE ERO administrative arrests per month by apprehension method, {wide.index[0]:%B %Y} to "
        f"{wide.index[-1]:%B %Y}, all areas of responsibility (averages over {span.label('before')} and "
        f"{span.label('after')}; {', '.join(f'{m:%B %Y}' for m in span.excluded) or 'no month'} left out)",
        figsize=(8.4, 5.9),
    )
    styles = ["-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 1))]
    for i, group in enumerate(order):
        ax.plot(wide.index, wide[group], color=charts.PALETTE[i], linestyle=styles[i % len(styles)],
                linewidth=2.2 if group == j.CAP_LOCAL else 1.4, marker=charts.MARKERS[i], markersize=3.2,
                markevery=4, label=group)
    top = float(wide.to_numpy().max()) * 1.12
    ax.set_ylim(0, top)
    _shade_periods(ax, wide.index[0], wide.index[-1], pep, sc, top * 0.985)
    for level, months in ((before, span.before), (after, span.after)):
        ax.hlines(level, months[0], months[-1] + pd.offsets.MonthEnd(0), color=charts.PALETTE[0], linewidth=0.9,
                  linestyle=(0, (2, 2)), zorder=1)
    ax.set_ylabel("arrests per month")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    _month_axis(ax)
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7.8)
    table = monthly.copy()
    events = milestones[milestones["milestone_id"].isin([pep_id, sc_id])]
    note_rows = pd.concat([table[["source_id"]], events[["source_id"]]])
    charts.add_source_note(fig, note_rows, sources, extra=(
        "Thin dashed lines: average monthly 'CAP Local Incarceration' arrests in each period. Period dates from "
        "the project's milestones (Priority Enforcement Program rollout; Executive Order 13768). Monthly counts "
        "computed from ICE's record-level release (FOIA 2019-ICFO-53623)."))
    fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.34))
    return fig, table


def jail_share_chart(shares: pd.DataFrame, national: dict[str, pd.Series], sources: pd.DataFrame):
    """Ranked dot plot: each area's jail share before (hollow) and after (filled), both definitions."""
    defs = list(j.DEFINITIONS)
    first = shares[shares["definition"] == defs[0]].sort_values("rank")
    rose = int((first["change_points"] > 0).sum())
    top = first.iloc[0]
    fig, axes = charts.new_figure(
        f"The share of arrests picked up from local jails rose in {rose} of {len(first)} areas after Secure "
        f"Communities returned; most in {top['name']} ({top['share_before']:.1f}% to {top['share_after']:.1f}%)",
        f"Share of ICE ERO administrative arrests that were jail pickups, by area of responsibility, "
        f"{first['months_before'].iloc[0]} vs {first['months_after'].iloc[0]}; two definitions; "
        f"ranked by the change under the first",
        ncols=2, figsize=(8.6, 8.2), sharey=True,
    )
    labels = first["name"].tolist()
    y = np.arange(len(labels))[::-1]
    for ax, definition in zip(axes, defs):
        rows = shares[shares["definition"] == definition].set_index("aor").loc[first["aor"]]
        for yi, (_, row) in zip(y, rows.iterrows()):
            ax.plot([row["share_before"], row["share_after"]], [yi, yi], color="#999999", linewidth=1, zorder=1)
        ax.scatter(rows["share_before"], y, facecolors="white", edgecolors=charts.PALETTE[0], s=30, linewidths=1.3,
                   zorder=3, label=f"before ({first['months_before'].iloc[0]})")
        ax.scatter(rows["share_after"], y, color=charts.PALETTE[1], marker="s", s=30, zorder=3,
                   label=f"after ({first['months_after'].iloc[0]})")
        nat = national[definition]
        ax.axvline(nat["share_before"], color=charts.PALETTE[0], linestyle=":", linewidth=1)
        ax.axvline(nat["share_after"], color=charts.PALETTE[1], linestyle="--", linewidth=1)
        ax.set_title(j.DEFINITION_LABELS[definition], fontsize=9.5, loc="left")
        ax.set_xlim(0, 100)
        ax.set_xlabel("percent of the area's arrests")
        ax.grid(axis="x", visible=True)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(y, labels)
    axes[0].legend(loc="lower center", bbox_to_anchor=(1.05, -0.16), ncol=2, fontsize=7.8)
    fig.subplots_adjust(left=0.16, wspace=0.08)
    table = shares.copy()
    nat_rows = pd.DataFrame([{**national[d].to_dict(), "name": "United States (all areas)", "source_id": j.RECORDS_SOURCE}
                             for d in defs])
    table = pd.concat([nat_rows, table], ignore_index=True)
    charts.add_source_note(fig, table, sources, extra=(
        "Hollow circles: before the return; squares: after. Vertical lines: national share before (dotted) and "
        "after (dashed), all arrests including those with no area recorded. The month of the return is left out. "
        "Computed from ICE's record-level release (FOIA 2019-ICFO-53623)."))
    fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.17))
    return fig, table


def arrests_removals_chart(monthly: pd.DataFrame, milestones: pd.DataFrame, sources: pd.DataFrame,
                           sc_id: str = "M14", pep_id: str = "M12"):
    """Arrests and removals per month, side by side in one panel."""
    pep, sc = _milestone(milestones, pep_id), _milestone(milestones, sc_id)
    ratio = monthly["removals"].sum() / monthly["arrests"].sum()
    fig, ax = charts.new_figure(
        f"ICE's records hold {ratio:.1f} removals for every arrest: most removals follow a border "
        f"apprehension, not an ERO arrest",
        f"ICE removals (by month of removal) and ICE ERO administrative arrests (by month of arrest), "
        f"{monthly['month'].iloc[0]:%B %Y} to {monthly['month'].iloc[-1]:%B %Y}, all areas",
        figsize=(8.0, 4.8),
    )
    ax.plot(monthly["month"], monthly["removals"], color=charts.PALETTE[0], marker="o", markersize=3, markevery=3,
            label="removals")
    ax.plot(monthly["month"], monthly["arrests"], color=charts.PALETTE[1], linestyle="--", marker="s", markersize=3,
            markevery=3, label="administrative arrests")
    top = float(monthly[["removals", "arrests"]].to_numpy().max()) * 1.18
    ax.set_ylim(0, top)
    _shade_periods(ax, monthly["month"].iloc[0], monthly["month"].iloc[-1], pep, sc, top * 0.985)
    ax.set_ylabel("records per month")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    _month_axis(ax)
    ax.legend(loc="lower right")
    events = milestones[milestones["milestone_id"].isin([pep_id, sc_id])]
    charts.add_source_note(fig, pd.concat([monthly[["source_id"]], events[["source_id"]]]), sources, extra=(
        "Removals include people apprehended at the border by Customs and Border Protection and removed by ICE; "
        "arrests are ICE's own interior arrests. Computed from ICE's record-level release (FOIA 2019-ICFO-53623)."))
    return fig, monthly


def area_totals_chart(totals: pd.DataFrame, sources: pd.DataFrame):
    """Each area's share of all removal records beside its share of all arrest records."""
    rows = totals[totals["removals"] + totals["arrests"] > 0].sort_values("removals_share", ascending=False)
    lead = rows.iloc[0]
    fig, ax = charts.new_figure(
        f"{lead['name']} accounts for {lead['removals_share']:.1f}% of the removal records but "
        f"{lead['arrests_share']:.1f}% of the arrest records",
        "Share of all ICE removal records and of all ICE ERO administrative arrest records, by area of "
        "responsibility, October 2015 to August 2019 (records with no area recorded shown as such)",
        figsize=(8.0, 7.0),
    )
    y = np.arange(len(rows))[::-1]
    h = 0.38
    ax.barh(y + h / 2, rows["removals_share"], height=h, color=charts.PALETTE[0], label="removals")
    ax.barh(y - h / 2, rows["arrests_share"], height=h, color=charts.PALETTE[1], label="arrests")
    ax.set_yticks(y, rows["name"])
    ax.set_xlim(0, None)
    ax.set_xlabel("percent of all records of the kind")
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    fig.subplots_adjust(left=0.2)
    charts.add_source_note(fig, rows, sources, extra="Computed from ICE's record-level release (FOIA 2019-ICFO-53623).")
    return fig, rows.reset_index(drop=True)


def records_vs_published_chart(comparison: pd.DataFrame, sources: pd.DataFrame):
    """Records per fiscal year against ICE's published annual totals (partial FY2019 hatched)."""
    rows = comparison.sort_values(["event", "fiscal_year", "published"]).reset_index(drop=True)
    full = rows[~rows["partial_year"]]
    equal = int((full["difference"] == 0).sum())
    off = full[full["difference"] != 0]["difference"].abs()
    rest = (f"; the other {len(off)} differ by {' and '.join(f'{v:,.0f}' for v in sorted(off))}" if len(off) else "")
    fig, axes = charts.new_figure(
        f"{equal} of the {len(full)} published totals for complete fiscal years equal the number of records "
        f"exactly{rest}",
        "ICE ERO administrative arrests and ICE removals per fiscal year: records in the release vs the totals "
        "ICE published (as reported by the sources listed); FY2019 records stop at the end of August",
        ncols=2, figsize=(8.4, 5.2),
    )
    for ax, (event, part) in zip(axes, rows.groupby("event", sort=True)):
        years = sorted(part["fiscal_year"].unique())
        x = np.arange(len(years))
        rec = part.drop_duplicates("fiscal_year").set_index("fiscal_year").loc[years]
        pub = part.groupby("fiscal_year")["published"].max().loc[years]
        for xi, year in zip(x, years):
            partial = bool(rec.loc[year, "partial_year"])
            ax.bar(xi - 0.2, rec.loc[year, "records"], width=0.4, color="white" if partial else charts.PALETTE[0],
                   edgecolor=charts.PALETTE[0], hatch="///" if partial else "")
            ax.bar(xi + 0.2, pub.loc[year], width=0.4, color=charts.PALETTE[1])
        at = dict(zip(years, x))  # ring each published total resting on a weak source, at its own height
        charts.mark_weak(ax, [at[y] + 0.2 for y in part["fiscal_year"]], part["published"], part, sources,
                         offset=charts.INSIDE_BAR_TOP)
        ax.set_xticks(x, [f"FY{y}" for y in years])
        ax.set_title(event, fontsize=9.5, loc="left")
        ax.set_ylim(0, None)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    from matplotlib.patches import Patch

    axes[0].legend(handles=[Patch(color=charts.PALETTE[0], label="records in the release"),
                            Patch(facecolor="white", edgecolor=charts.PALETTE[0], hatch="///",
                                  label="records, partial year"),
                            Patch(color=charts.PALETTE[1], label="published total")],
                   loc="upper center", bbox_to_anchor=(1.1, -0.1), ncol=3, fontsize=7.5)
    charts.add_source_note(fig, rows, sources, extra=(
        "Where two sources print different totals for a year the larger is drawn; every total is in the table. "
        "Published totals cover whole fiscal years."))
    return fig, rows


# ---------------------------------------------------------------- map of the areas

CHANGE_BINS = (-np.inf, -5.0, 0.0, 10.0, 20.0, np.inf)
CHANGE_LABELS = ("fell by 5 points or more", "fell by less than 5 points", "rose by less than 10 points",
                 "rose by 10 to 20 points", "rose by 20 points or more")


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
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import Patch

    from scomm import maps
    from scomm.vendor import read_atlas

    rows = shares[shares["definition"] == definition].set_index("aor")
    counties, states = maps.atlas()
    code_of = dict(zip(crosswalk["geoid"].astype(str), crosswalk["aor"].astype(str)))
    table = pd.DataFrame({"map_fips": [s.id for s in counties], "map_name": [s.name for s in counties]})
    table["aor"] = table["map_fips"].map(code_of)
    table = table.join(rows[["name", "share_before", "share_after", "change_points"]], on="aor")
    table["class"] = pd.cut(table["change_points"], CHANGE_BINS, labels=CHANGE_LABELS, right=False)
    # greys for a fall, blues for a rise (darker = larger); the labels carry each area's number
    colors = dict(zip(CHANGE_LABELS, ["#969696", "#d9d9d9", "#c6dbef", "#4292c6", "#08306b"]))
    up = rows[rows["change_points"] > 0]
    fig, ax = charts.new_figure(
        f"The share of arrests from local jails rose in {len(up)} of {len(rows)} ICE areas after Secure Communities "
        f"returned, most in {rows.loc[rows['change_points'].idxmax(), 'name']} ({rows['change_points'].max():+.1f} points)",
        f"Change in the share of each area's ICE ERO administrative arrests that were '{j.CAP_LOCAL}' pickups, "
        f"{rows['months_before'].iloc[0]} vs {rows['months_after'].iloc[0]}, percentage points; counties coloured "
        "by their area (Alaska and Hawaii inset, not to scale)",
        figsize=(7.2, 7.5),
    )
    rings, owner = maps._county_rings()
    shade = table["class"].astype(object).map(colors).fillna(maps.MISSING_COLOR).to_numpy()
    ax.add_collection(PolyCollection(rings, facecolors=shade[owner], edgecolors=shade[owner], linewidths=0.1))
    outlines = [poly[0] for s in states for poly in s.polygons]
    ax.add_collection(PolyCollection(outlines, facecolors="none", edgecolors="#888888", linewidths=0.25))
    topology = read_atlas()
    arcs = maps.decode_arcs(topology)
    border = [arcs[i] for i in _boundary_arcs(topology, code_of)]
    ax.add_collection(LineCollection(border, colors="#000000", linewidths=0.8))
    # label each area at the mean of its counties' first-ring centres (mainland counties only)
    centres = pd.DataFrame([(s.id, *s.polygons[0][0].mean(axis=0)) for s in counties], columns=["map_fips", "x", "y"])
    centres["aor"] = centres["map_fips"].map(code_of)
    main = centres[(centres["x"] > 120) & (centres["y"] < 520)]
    for code, c in main.groupby("aor")[["x", "y"]].mean().iterrows():
        if code in rows.index:
            ax.text(c["x"], c["y"], f"{code}\n{rows.loc[code, 'change_points']:+.0f}", fontsize=6.2, ha="center",
                    va="center", color="#000000", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax.set_xlim(0, 975)
    ax.set_ylim(610, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    counts = rows.assign(c=pd.cut(rows["change_points"], CHANGE_BINS, labels=CHANGE_LABELS, right=False))["c"].value_counts()
    handles = [Patch(facecolor=colors[c], edgecolor="#999999", linewidth=0.4, label=f"{c}: {counts.get(c, 0)} areas")
               for c in CHANGE_LABELS]
    if table["aor"].isna().any():
        handles.append(Patch(facecolor=maps.MISSING_COLOR, edgecolor="#999999", label="county not in the crosswalk"))
    ax.legend(handles=handles, loc="upper center", fontsize=7, ncol=3, bbox_to_anchor=(0.5, 0.0),
              title="change in the area's jail share (labels: area code and change in points)", title_fontsize=7.5)
    table["source_id"] = f"{j.RECORDS_SOURCE} S202 {maps.MAP_SOURCE}"
    charts.add_source_note(fig, table, sources, extra=(
        "Areas of responsibility drawn from a county-to-area crosswalk; thick lines are area borders, thin grey "
        "lines state borders. Computed from ICE's record-level release (FOIA 2019-ICFO-53623)."))
    top = fig.subplotpars.top + 0.35 / fig.get_size_inches()[1]
    width_in, height_in = fig.get_size_inches()
    height = 0.96 * width_in * 610 / 975 / height_in
    ax.set_position([0.02, top - height, 0.96, height])
    return fig, table
