"""Notebook 09: after Secure Communities returned, did a larger share of ICE's arrests start in a local
jail, nationally and in each ICE area of responsibility? And do ICE's record-level arrest and removal data
agree with the annual totals ICE published?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from scomm import chart_tables, fmt
from scomm import jails as j
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import enforcement_charts as ec
else:  # imported when a chart is drawn (see `lazy_import`)
    ec = lazy_functions("scomm.enforcement_charts")

NOTEBOOK = "09_reinstated_era"
PUBLISHED = chart_tables.PUBLISHED_TOTALS  # ICE's annual totals by (event, fiscal year): figure ids
MAIN_DEFINITION, WITH_287G = "cap_local", "cap_local_287g"  # keys of jails.DEFINITIONS
LARGEST = 3  # areas named among the largest changes
EXAMPLE_COUNTY = "48113"  # Dallas County, Texas (5-digit FIPS): the county the notebook follows
ARRESTS_TABLE, REMOVALS_TABLE, FILES_TABLE = "ice_arrests_monthly", "ice_removals_monthly", "ice_record_files"
AORS_TABLE, CROSSWALK_TABLE = "ice_aors", "ice_county_aor"


def with_fiscal_year_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its fiscal_year column written FY2016, FY2017, ... for display."""
    return frame.assign(fiscal_year="FY" + frame["fiscal_year"].astype(str))


def area_words(row: pd.Series) -> str:
    """'Name (12.3% to 45.6%)': an area's jail share before and after."""
    return f"{row['name']} ({row['share_before']:.1f}% to {row['share_after']:.1f}%)"


def county_words(summary: dict) -> str:
    """The county's name as the crosswalk gives it ('dallas county, texas'), capitalised for a sentence."""
    return str(summary["county_name"]).title()


def analyse(data: RecordingDataset) -> Analysis:
    """The records against ICE's published totals, the monthly jail pickups and the share of arrests that
    started in a local jail before and after the return (nationally, by area, in one county); six charts."""
    out = Analysis(NOTEBOOK)
    sources, milestones = data.sources, data.milestones
    arrests = j.as_counts(data.table(ARRESTS_TABLE))
    removals = j.as_counts(data.table(REMOVALS_TABLE))
    files = j.as_counts(data.table(FILES_TABLE))
    last_month = j.last_complete_month(files)
    span = j.periods(arrests["month"], j.return_date(milestones), last_month)

    # Records in
    totals = j.annual_totals(files)
    out.tables["records"] = with_fiscal_year_labels(totals)
    gaps = j.record_gaps(arrests, removals, last_month)
    partial = totals[totals["partial_year"]].set_index("event")["last_date"]
    out.finding(
        "records",
        "Finding: the release holds {a} arrest records and {r} removal records. The last fiscal year"
        " stops early: arrests run to {ad} and removals to {rd}. {na} arrests have no area of"
        " responsibility recorded (kept as 'not recorded': counted nationally, in no area) and {hq} are"
        " recorded at headquarters.",
        a=gaps["arrests"],
        r=gaps["removals"],
        ad=partial["arrests"],
        rd=partial["removals"],
        na=gaps["arrests_no_area"],
        hq=gaps["arrests_hq"],
    )

    # Records against ICE's published totals (read by id: lineage sees only these)
    published_rows = data.select([fid for ids in PUBLISHED.values() for fid in ids])
    comparison = j.records_vs_published(files, published_rows, PUBLISHED)
    out.tables["published"] = with_fiscal_year_labels(comparison)
    full, part = comparison[~comparison["partial_year"]], comparison[comparison["partial_year"]]
    out.finding(
        "published",
        "Finding: for the complete fiscal years, {eq} of the {n} published totals equal the number of"
        " records exactly; the other {k} differ by at most {d} (two sources print a slightly different"
        " total than the rest). For the partial last year the records hold {lo:1} to {hi:1} of the"
        " whole-year totals ICE published.",
        eq=int((full["difference"] == 0).sum()),
        n=len(full),
        k=int((full["difference"] != 0).sum()),
        d=int(full["difference"].abs().max()),
        lo=r.Quantity(part["records_share"].min(), "percent"),
        hi=r.Quantity(part["records_share"].max(), "percent"),
    )
    out.chart("09_records_vs_published", ec.records_vs_published_chart, comparison, sources)

    # Arrests by month and apprehension method
    monthly = j.monthly_by_method(arrests, last_month)
    local = monthly[monthly["method_group"] == j.CAP_LOCAL].set_index("month")["arrests"]
    before = out.add(
        r.Quantity(
            local[local.index.isin(span.before)].mean(),
            "arrests_per_month",
            label="CAP Local Incarceration arrests a month, before the return",
        ),
        group="monthly",
    )
    after = out.add(
        r.Quantity(
            local[local.index.isin(span.after)].mean(),
            "arrests_per_month",
            label="CAP Local Incarceration arrests a month, after the return",
        ),
        group="monthly",
    )
    out.finding(
        "monthly",
        "Finding: ICE picked up an average of {b:0} people a month from local jails in {pb}, and {a:0}"
        " a month in {pa}, after Secure Communities returned on {d}: {x} more. {ex} is left out.",
        b=before,
        a=after,
        x=fmt.fraction_words(r.growth(before, after).value),
        pb=span.label("before"),
        pa=span.label("after"),
        ex=", ".join(fmt.month_year(m) for m in span.excluded),
        d=fmt.day_month_year(span.return_date),
    )
    out.chart("09_arrests_by_method", ec.monthly_methods_chart, monthly, milestones, sources, span)

    # The share of arrests that started in a local jail, nationally
    national = {d: j.jail_shares(arrests, span, d).set_index("aor").loc[j.NATIONAL] for d in j.DEFINITIONS}
    q = {}
    for d, row in national.items():
        q[d, "before"] = out.add(
            r.Quantity(row["share_before"], "percent", label=f"US jail share of arrests before ({d})"),
            group="national",
        )
        q[d, "after"] = out.add(
            r.Quantity(row["share_after"], "percent", label=f"US jail share of arrests after ({d})"),
            group="national",
        )
        q[d, "change"] = out.add(
            r.Quantity(row["change_points"], "points", label=f"US change in jail share ({d})"), group="national"
        )
    out.finding(
        "national",
        "Finding: nationally, {b1:1} of ICE's arrests were CAP Local Incarceration pickups in {pb} and"
        " {a1:1} in {pa} ({c1:1}). Counting 287(g) arrests as well: {b2:1} and {a2:1} ({c2:1}).",
        b1=q[MAIN_DEFINITION, "before"],
        a1=q[MAIN_DEFINITION, "after"],
        c1=q[MAIN_DEFINITION, "change"],
        b2=q[WITH_287G, "before"],
        a2=q[WITH_287G, "after"],
        c2=q[WITH_287G, "change"],
        pb=span.label("before"),
        pa=span.label("after"),
    )

    # ... and by area
    aors = data.table(AORS_TABLE)
    shares = j.area_shares(arrests, span, aors)
    top = j.largest_changes(shares, LARGEST, MAIN_DEFINITION)
    top287 = j.largest_changes(shares, LARGEST, WITH_287G)
    out.tables["largest_changes"] = top
    main = shares[shares["definition"] == MAIN_DEFINITION]
    out.finding(
        "areas",
        "Finding: the share of arrests picked up from local jails rose by more than {lc} points in {n}"
        " of {m} areas and fell by more than {lc} in {k}. The three largest changes: {t}. With 287(g)"
        " arrests counted too, the three largest are {u}.",
        lc=f"{j.LITTLE_CHANGE:.0f}",
        n=int((main["change_points"] > j.LITTLE_CHANGE).sum()),
        k=int((main["change_points"] < -j.LITTLE_CHANGE).sum()),
        m=len(main),
        t="; ".join(area_words(row) for _, row in top.iterrows()),
        u="; ".join(area_words(row) for _, row in top287.iterrows()),
    )
    out.chart("09_jail_share_by_area", ec.jail_share_chart, shares, national, sources)
    crosswalk = data.table(CROSSWALK_TABLE)
    out.chart("09_jail_share_map", ec.aor_map, shares, crosswalk, sources)

    # Removals beside arrests
    side = j.monthly_totals(arrests, removals, last_month)
    out.chart("09_arrests_and_removals", ec.arrests_removals_chart, side, milestones, sources, span=span)
    by_area = j.area_totals(arrests, removals, aors)
    lead = by_area.loc[by_area["removals"].idxmax()]  # the area with the most removal records
    out.finding(
        "removal_areas",
        "Finding: every removal record names an area of responsibility ({none} blank); all but {hq}"
        " name a field office (those {hq} name headquarters). {area} holds {rs:1} of removal records"
        " but {as_:1} of arrest records.",
        none=gaps["removals_no_area"],
        hq=gaps["removals_hq"],
        area=lead["name"],
        rs=r.Quantity(lead["removals_share"], "percent"),
        as_=r.Quantity(lead["arrests_share"], "percent"),
    )
    covered = (files["first_date"].min(), files["last_date"].max())  # the days the records cover
    out.chart("09_records_by_area", ec.area_totals_chart, by_area, sources, covered)

    # One county's area
    county = j.aor_summary(
        EXAMPLE_COUNTY,
        MAIN_DEFINITION,
        milestones=milestones,
        arrests=arrests,
        files=files,
        crosswalk=crosswalk,
        aors=aors,
    )
    out.finding(
        "county",
        "Finding: {county} lies in ICE's {n} area ({c}); there, {b:1} of arrests were CAP"
        " Local pickups in {pb} and {a:1} in {pa}.",
        county=county_words(county),
        n=county["aor_name"],
        c=county["aor"],
        b=r.Quantity(county["share_before"], "percent"),
        a=r.Quantity(county["share_after"], "percent"),
        pb=county["months_before"],
        pa=county["months_after"],
    )
    out.finding(
        "window",
        "Finding (window): the comparison ends with {m:%B %Y}, the last complete month; {n} arrest"
        " records dated after it are in the tables but outside the charts.",
        m=last_month,
        n=gaps["arrests_after_window"],
    )
    return out
