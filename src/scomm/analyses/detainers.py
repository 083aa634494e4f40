"""Notebook 10: when ICE asked local jails to hold people its fingerprint checks had found, how often did
the jails say no, where, and when? ICE's detainer record (October 2007 to July 2015) month by month beside
the rollout, declined detainers by year and county, detainers' outcomes, 287(g) agreements beside
activation, and the detainers of the reinstated era with and without ICE's Secure Communities centre."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from scomm import detainers as det
from scomm import fmt, rollout_counts
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import detainer_charts as dc
else:  # imported when a chart is drawn (see `lazy_import`)
    dc = lazy_functions("scomm.detainer_charts")

NOTEBOOK = "10_detainers"
# Dated events drawn on the monthly chart: ICE's detainer guidance, court rulings, local and state laws.
MONTHLY_EVENTS = ["M02", "M20", "M21", "M22", "M23", "M24", "M12"]
MAP_LAWS = ["M20", "M22"]  # the laws noted on the map of the peak year's declines
TOP_N = 5  # counties listed for the peak year
AREA, AREA_NAME = "LOS", "Los Angeles"  # the ICE area whose detainers include the Secure Communities centre's
BOOKED = "Booked into Detention"  # lift reasons of ICE's record
DECLINED = "Detainer Declined by LEA"
TABLE_WORDS = {  # how the sentences name the derived tables the checks compare
    "detainers_monthly": "the monthly table",
    "detainers_yearly": "the yearly table",
    "detainer_declines_facility": "the facility table",
    "detainer_outcomes_yearly": "the outcome table",
}
NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def monthly_table(monthly: pd.DataFrame, activations: pd.DataFrame) -> pd.DataFrame:
    """Detainers per month (as integers, month as a date, `partial` '' for whole months) with the percent of
    the listed counties active by the month's end, to 2 decimals (as the monthly chart's table)."""
    table = monthly.assign(
        month=pd.to_datetime(monthly["month"]),
        detainers=monthly["detainers"].astype("int64"),
        partial=monthly["partial"].fillna(""),
    )
    table["share_active"] = rollout_counts.share_active(activations, table["month"]).round(2)
    return table


def last_whole_month(table: pd.DataFrame) -> pd.Series:
    """The latest month of `monthly_table` that the record covers whole."""
    whole = table[table["partial"] == ""]
    return whole.loc[whole["month"].idxmax()]


def outcome_percents(outcomes: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """Per calendar year (the index): the percent of the year's detainers ending in each lift reason (one
    column each, 0 where the year has none; to 2 decimals, as the outcome chart's table), and `partial`."""
    counts = (
        outcomes.assign(year=outcomes["year"].astype(int), detainers=outcomes["detainers"].astype("int64"))
        .pivot(index="year", columns="lift_reason", values="detainers")
        .fillna(0)
    )
    totals = yearly.assign(year=yearly["year"].astype(int), detainers=yearly["detainers"].astype("int64")).set_index(
        "year"
    )
    out = (counts.reindex(totals.index).fillna(0).div(totals["detainers"], axis=0) * 100).round(2)
    out["partial"] = totals["partial"].fillna("")
    return out


def _check_words(row) -> str:
    left, right = (
        TABLE_WORDS.get(row["left_table"], row["left_table"]),
        TABLE_WORDS.get(row["right_table"], row["right_table"]),
    )
    what = "declined detainers" if row["left_table"] == "detainer_declines_facility" else "detainers"
    return f"{left} counts {int(row['left']):,} {what} and {right} {int(row['right']):,}"


def _note(row) -> str:
    return row["note"] if isinstance(row["note"], str) and row["note"] else ""


def _checks_finding(out: Analysis, recon: pd.DataFrame) -> None:
    """The sentence on the cross-checks: all agree, the one that does not, or every one that does not."""
    off = det.disagreements(recon)
    if off.empty:
        out.finding("checks", "Finding: all {n} checks agree exactly.", n=len(recon))
        return
    if len(off) == 1:
        row = off.iloc[0]
        out.finding(
            "checks",
            "Finding: {ok} of the {n} checks agree exactly. The one that does not is {y}: {counts}"
            + ("; {note}." if _note(row) else "."),
            ok=len(recon) - 1,
            n=len(recon),
            y=str(int(row["year"])),
            counts=_check_words(row),
            note=_note(row),
        )
        return
    items = [
        f"{int(row['year'])}: {_check_words(row)}" + (f" ({_note(row)})" if _note(row) else "")
        for _, row in off.iterrows()
    ]
    out.finding(
        "checks",
        "Finding: {ok} of the {n} checks agree exactly and {k} do not: {items}.",
        ok=len(recon) - len(off),
        n=len(recon),
        k=len(off),
        items="; ".join(items),
    )


def _counties_words(n: int) -> str:
    if n == 1:
        return "the county"
    return f"the {NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else f'{n:,}'} counties"


def analyse(data: RecordingDataset) -> Analysis:
    """The cross-checks of the derived tables, the monthly peak, declines by year and where they were in
    the peak year, outcomes, the 2009 287(g) roster beside activation, and the encounter records' detainers
    with and without the Secure Communities centre; six charts."""
    out = Analysis(NOTEBOOK)
    sources, milestones = data.sources, data.milestones
    monthly = data.table("detainers_monthly")
    yearly = data.table("detainers_yearly")
    outcomes = data.table("detainer_outcomes_yearly")
    declines = data.table("detainer_declines_facility")
    placement = data.table("detainer_declines_placement")
    recon = data.table("detainer_reconciliation")
    activations = data.table("activations")

    out.tables["reconciliation"] = recon.assign(year=recon["year"].astype(int).astype(str))
    _checks_finding(out, recon)

    out.chart("10_detainers_by_month", dc.monthly_chart, monthly, activations, milestones, sources, MONTHLY_EVENTS)
    months = monthly_table(monthly, activations)
    peak, last = det.peak_month(months), last_whole_month(months)
    out.add(r.Quantity(float(peak["detainers"]), "detainers", label="detainers in the peak month"), group="peak")
    out.finding(
        "peak",
        "Finding: ICE issued the most detainers to local agencies in {m}: {n}. Secure Communities"
        " was then active in {s:0} of the counties in ICE's list. In {lm}, the last whole month of"
        " the record, with the program active in {sl:0} of counties, ICE issued {ln}.",
        m=fmt.month_year(peak["month"]),
        n=int(peak["detainers"]),
        s=r.Quantity(float(peak["share_active"]), "percent"),
        sl=r.Quantity(float(last["share_active"]), "percent"),
        lm=fmt.month_year(last["month"]),
        ln=int(last["detainers"]),
    )

    out.chart("10_declines_by_year", dc.declines_chart, placement, yearly, sources)
    p = placement.assign(year=placement["year"].astype(int))
    out.tables["placement"] = p.assign(year=p["year"].astype(str), percent_placed=p["share_placed"] * 100)
    named = p[p["at_named_facilities"] > 0]
    low = named.loc[named["share_placed"].idxmin()]
    out.finding(
        "placed",
        "Finding: in every year at least {lo:1} of the declines at named facilities are placed in a"
        " county (lowest: {ly}). 'OTHER-OTHER FACILITY' holds up to {np:1} of a year's declines"
        " ({npy}), {nn} in all; {un} declines at named facilities are not placed.",
        lo=r.Quantity(float(low["share_placed"]) * 100, "percent"),
        ly=str(int(low["year"])),
        np=r.Quantity(float(p["no_place_share"].max()) * 100, "percent"),
        npy=str(int(p.loc[p["no_place_share"].idxmax(), "year"])),
        nn=int(p["no_place"].sum()),
        un=int(p["unplaced"].sum()),
    )

    peak_year = int(p.loc[p["declined"].idxmax(), "year"])
    out.chart("10_declines_map", dc.declines_map, declines, peak_year, milestones, sources, MAP_LAWS)
    top = det.top_counties(declines, peak_year, TOP_N)
    out.tables["top_counties"] = top
    out.finding(
        "top_counties",
        "Finding: in {y}, {counties} with the most declined detainers held {s:0} of the year's"
        " declines at named facilities: {names}.",
        y=str(peak_year),
        counties=_counties_words(len(top)),
        s=r.Quantity(float(top["share_of_named"].sum()), "percent"),
        names="; ".join(f"{c}, {st} ({n:,})" for c, st, n in zip(top.county, top.state, top.declined)),
    )

    out.chart("10_detainer_outcomes", dc.outcomes_chart, outcomes, yearly, sources)
    shares = outcome_percents(outcomes, yearly)
    whole = shares[shares["partial"] == ""]
    ya = int(whole[BOOKED].idxmax())  # the whole year with the highest booked share
    yb = peak_year  # the year with the most declines
    out.finding(
        "outcomes",
        "Finding: the share of detainers that ended with the person booked into ICE detention was {a:0}"
        " in {ya} and {b:0} in {yb}; the share declined by the local agency was {c:1} in {ya} and"
        " {d:1} in {yb}. For the last years many detainers have no outcome in the record.",
        a=r.Quantity(float(shares.loc[ya, BOOKED]), "percent"),
        b=r.Quantity(float(shares.loc[yb, BOOKED]), "percent"),
        c=r.Quantity(float(shares.loc[ya, DECLINED]), "percent"),
        d=r.Quantity(float(shares.loc[yb, DECLINED]), "percent"),
        ya=str(ya),
        yb=str(yb),
    )

    wapo = data.table("wapo_287g_sheriffs")
    out.chart("10_287g_and_activation", dc.agreements_chart, wapo, activations, sources, milestones)
    roster = det.roster_counties(data.table("agreements_287g_2009"), activations)
    out.tables["roster"] = roster
    out.finding(
        "roster",
        "Finding: of the sheriffs' offices in the 2009 roster placed in a county, {a} of {n} were in a"
        " county where Secure Communities was already active on the roster's date.",
        a=int(roster["active_on_roster_date"].sum()),
        n=len(roster),
    )

    enc = data.table("ice_encounters_monthly")
    enc_files = data.table("ice_encounter_files")
    out.chart("10_encounters_detainers", dc.encounters_chart, enc, enc_files, sources)
    share = det.centre_share(enc, AREA)
    out.tables["centre_share"] = share.assign(fiscal_year="FY" + share["fiscal_year"].astype(str))
    ranks = det.area_ranks(enc)
    area = ranks.set_index("aor").loc[AREA]
    out.finding(
        "centre",
        "Finding: the centre's encounters ending in a detainer made up {lo:0} to {hi:0} of all"
        " detainers in the encounter records, and {alo:0} to {ahi:0} of those recorded under {area}."
        " Counted with the centre, the {area} area ranks {rw} of {n} areas by detainers;"
        " without it, {ro}.",
        lo=r.Quantity(float(share["centre_share_of_all"].min()), "percent"),
        hi=r.Quantity(float(share["centre_share_of_all"].max()), "percent"),
        alo=r.Quantity(float(share["centre_share_of_area"].min()), "percent"),
        ahi=r.Quantity(float(share["centre_share_of_area"].max()), "percent"),
        rw=str(int(area["rank_with_centre"])),
        ro=str(int(area["rank_without_centre"])),
        n=str(len(ranks)),
        area=AREA_NAME,
    )
    return out
