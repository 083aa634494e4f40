"""Notebook 08: ICE switched Secure Communities on county by county. Using ICE's own list of activation
dates, when did each county and state join, how long did each state take, and do the counts that ICE and
others published during the rollout agree with the list?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from scomm import fmt, place_lookup, place_profile, rollout_counts, rollout_reconcile
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import maps, place_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    maps = lazy_functions("scomm.maps")
    place_charts = lazy_functions("scomm.place_charts")

NOTEBOOK = "08_rollout_by_place"
PLACE = "Dallas County, TX"  # the place profiled at the end (the same lookup as `scomm place`)
TOLERANCE_PCT = (
    rollout_reconcile.TOLERANCE_PCT
)  # percent of the published value, for counts of jurisdictions or counties
STATE_TOLERANCE = rollout_reconcile.STATE_TOLERANCE  # states, for counts of states
NOT_A_STATE = "DC"  # in the list as a state, counted apart in the sentences


@dataclass
class RolloutByPlace(Analysis):
    """The analysis, with the plain-text profile of one place (what `scomm place` prints)."""

    texts: dict[str, str] = field(default_factory=dict)


def fiscal_year_counts(acts: pd.DataFrame) -> pd.DataFrame:
    """Counties active in the list at the end of each federal fiscal year: `active` (cumulative count) and
    `percent` of the list's counties, one row per fiscal year in which a county was activated."""
    by_year = rollout_counts.fiscal_year(acts["activated"]).value_counts().sort_index()
    active = by_year.cumsum()
    return pd.DataFrame(
        {
            "fiscal_year": active.index.astype(int),
            "active": active.to_numpy(),
            "percent": active.to_numpy() / len(acts) * 100,
        }
    )


def nearest_listed(row) -> float:
    """The list's count nearest to a published count outside the list's range: the highest count of the
    window when the published value lies above it (gap < 0), else the lowest."""
    return float(row.list_high if row.gap < 0 else row.list_low)


def _list_words(row) -> str:
    low, high = fmt.format_number(row.list_low), fmt.format_number(row.list_high)
    return low if row.list_low == row.list_high else f"{low} to {high}"


def _reached(row) -> bool:
    return row.list_reaches_value is not None and str(row.list_reaches_value) != "NaT"


def analyse(data: RecordingDataset) -> RolloutByPlace:
    """The county map and the counts by fiscal year; the published rollout counts against the list
    (reconciliation table, the list minus published for each count that disagrees); how long each state
    took; and the profile and chart of one county."""
    out = RolloutByPlace(NOTEBOOK)
    sources = data.sources
    # the rollout counts and the figures about the place shown at the end (read by filter, for lineage)
    figures = pd.concat(
        [data.rows(metric=list(rollout_reconcile.ROLLOUT_METRICS)), data.rows(geography=PLACE)]
    ).drop_duplicates("figure_id")
    acts, sts = data.table("activations"), data.table("states")
    plc, changes = data.table("places"), data.table("county_changes")

    first = acts.sort_values(["activated", "fips"]).iloc[0]
    last_day = acts["activated"].max()
    out.finding(
        "list",
        "Finding: ICE's list dates the program in {n} counties and county equivalents of {s} states and"
        " DC. The first was {c} on {d0}; the last {k} joined on {d1}, about {y} years later.",
        n=len(acts),
        s=int((sts["state"] != NOT_A_STATE).sum()),
        c=place_lookup.county_label(first),
        d0=fmt.day_month_year(first["activated"]),
        k=int((acts["activated"] == last_day).sum()),
        d1=fmt.day_month_year(last_day),
        y=round((last_day - first["activated"]).days / 365.25),
    )
    out.chart("08_county_map", maps.rollout_map, acts, changes, sources)

    by_fy = fiscal_year_counts(acts)
    out.tables["fiscal_years"] = by_fy
    per_day = acts["activated"].value_counts()
    out.finding(
        "fiscal_years",
        "Finding: counties active in the list at the end of each federal fiscal year: {items}. "
        "The largest single day was {big:%d %B %Y}, with {n} counties.",
        items=fmt.join_words([f"FY{y} {fmt.format_number(c)} ({p:.1f}%)" for y, c, p in by_fy.itertuples(index=False)]),
        big=per_day.idxmax(),
        n=int(per_day.max()),
    )

    rec = rollout_reconcile.reconcile(
        figures, acts, plc, changes, tolerance_pct=TOLERANCE_PCT, state_tolerance=STATE_TOLERANCE
    )
    out.tables["reconciliation"] = rec
    comparable = rec[rec["list_count"].notna()]
    flagged = comparable[comparable["disagrees"].astype(bool)]
    printed = figures.set_index("figure_id")["as_printed"]
    for row in flagged.itertuples():
        listed = r.Quantity(nearest_listed(row), unit=row.unit, label=f"list count nearest to {row.figure_id}")
        out.add(
            r.difference(listed, data.get(row.figure_id), f"list minus published, {row.figure_id}"), group="flagged"
        )
    items = [
        f"{row.figure_id} ({row.geography}, {row.date:%Y-%m-%d}): published {printed[row.figure_id]}, list "
        + _list_words(row)
        + (f"; the list reaches the published value on {row.list_reaches_value:%Y-%m-%d}" if _reached(row) else "")
        for row in flagged.itertuples()
    ]
    out.finding(
        "reconciliation",
        "Finding: with a tolerance of {t}% of the published value for jurisdictions and none for"
        " states, {k} of the {n} published counts that can be compared agree with the list and {f} do"
        " not: {items}.",
        t=TOLERANCE_PCT,
        k=len(comparable) - len(flagged),
        n=len(comparable),
        f=len(flagged),
        items="; ".join(items),
    )
    undated = comparable[comparable["date_precision"] == "year"]
    out.finding(
        "undated",
        "Finding: counts that their sources date only to a year can be dated by the list, which first"
        " reaches each printed value on: {items}.",
        items=fmt.join_words(
            [
                f"{row.figure_id} ({printed[row.figure_id]}) {row.list_reaches_value:%Y-%m-%d}"
                for row in undated.itertuples()
                if _reached(row)
            ]
        ),
    )

    spans = rollout_counts.state_spans(acts, sts)
    out.tables["spans"] = spans
    longest = spans.loc[spans["days"].idxmax()]
    out.finding(
        "spans",
        "Finding: from the first county to the last, the median across the states and DC was {m:0}"
        " days; {k} of the {n} states and DC were covered in a single day, and {state} took longest, {d}"
        " days ({d0:%B %Y} to {d1:%B %Y}).",
        m=float(spans["days"].median()),
        k=int((spans["days"] == 0).sum()),
        n=int((spans["state"] != NOT_A_STATE).sum()),
        state=longest["state_name"],
        d=int(longest["days"]),
        d0=longest["first"],
        d1=longest["last"],
    )
    out.chart("08_state_spans", place_charts.spans_chart, spans, sources)

    try:
        place = place_lookup.lookup(PLACE, acts, sts, plc)
    except place_lookup.PlaceLookupError as err:  # a ValueError: the build names the notebook and the data
        raise ValueError(f"the place profiled, {PLACE}, is not in the activation list: {err}") from None
    if place.kind != "county" or place.state is None:
        raise ValueError(f"{PLACE} is not a county of the activation list (found: {place.kind} {place.code})")
    state = place.state
    out.texts["place"] = place_profile.profile_text(place, acts, sts, figures, sources, plc)
    out.chart("08_dallas_county_rollout", place_charts.state_rollout_chart, acts, sts, sources, state, place.code)
    return out
