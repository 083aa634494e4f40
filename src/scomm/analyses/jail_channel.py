"""Notebook 12: how much of ICE's arrests in the Seattle area came from local jails during and after the Secure
Communities years, and did the jail share of arrests change after the program returned in January 2017 by
more than its month-to-month uncertainty, nationally and in each ICE area?

Two of ICE's record-level releases: its production for the Seattle area (`seattle`) and the national arrest
and removal records (`jails`); the time-series models are `its`', the rates per 10,000 non-citizens `rates`'.
Every date comes from the milestones table, chosen by milestone id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from scomm import fmt, rates, seattle
from scomm import jails as j
from scomm import results as res
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions, lazy_module
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import its
    from scomm import model_charts as mc
else:  # imported when a chart is drawn, or a model fitted (see `lazy_import`)
    its = lazy_module("scomm.its")
    mc = lazy_functions("scomm.model_charts")

NOTEBOOK = "12_jail_channel"
RETURN = j.RETURN_MILESTONE  # Secure Communities reinstated
OREGON_RULING = "M24"  # Miranda-Olivares v. Clackamas County: a detainer alone does not justify holding a person
SC_ENDED = "M12"  # Secure Communities ended, the Priority Enforcement Program announced
WASHINGTON_COUNTIES = "M42"  # Washington counties stop holding people on detainers alone
CHART_MILESTONES = (OREGON_RULING, WASHINGTON_COUNTIES, SC_ENDED, RETURN)
RECORDS_DATA = "data/derived/ice_arrests_monthly.csv"  # how the results table names the national records
NATIONAL_NAME = "United States (all areas)"


def fiscal_year(day: pd.Timestamp) -> int:
    """The U.S. federal fiscal year of a day (October starts the next year's)."""
    day = pd.Timestamp(day)
    return day.year + (1 if day.month >= 10 else 0)


def years_around(day: pd.Timestamp) -> tuple[int, int]:
    """The fiscal years either side of the one `day` falls in: (the year before, the year after)."""
    year = fiscal_year(day)
    return year - 1, year + 1


def whole_years(seattle_summary: pd.DataFrame, files: pd.DataFrame) -> tuple[int, ...]:
    """Fiscal years that both the Seattle production and the national arrest files cover whole."""
    whole = seattle_summary["partial_year"].astype(str) == "false"
    seattle_years = set(seattle_summary.loc[whole, "fiscal_year"].astype(int))
    national = j.annual_totals(files)
    national = national[(national["event"] == "arrests") & ~national["partial_year"]]
    return tuple(sorted(seattle_years & set(national["fiscal_year"].astype(int))))


def with_fy(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` with its fiscal years written 'FY2013'."""
    return table.assign(fiscal_year="FY" + table["fiscal_year"].astype(str))


def area_models(
    monthly: pd.DataFrame, return_date: pd.Timestamp, names: dict[str, str], span: j.Periods
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For the nation and each area (sorted by code): the segmented regression (level and slope change at the
    return) and the before/after change of the monthly jail share with its verdict, with the months compared."""
    segments, changes = [], []
    for aor, part in monthly.groupby("aor", sort=True):
        name = names.get(str(aor), str(aor))
        for row in its.segmented(part["month"], part["share"], return_date, label=str(aor), data=RECORDS_DATA):
            segments.append({**row, "aor": aor, "name": name})
        row = its.before_after(part["month"], part["share"], return_date, label=str(aor), data=RECORDS_DATA)
        changes.append({**row, "aor": aor, "name": name, "verdict": its.exceeds(row)})
    seg, chg = pd.DataFrame(segments), pd.DataFrame(changes)
    for side in ("before", "after"):
        months = getattr(span, side)
        chg[f"months_{side}"] = f"{fmt.month_year(months[0])} to {fmt.month_year(months[-1])} ({len(months)} months)"
    chg["source_id"] = j.RECORDS_SOURCE
    return seg, chg


def analyse(data: RecordingDataset) -> Analysis:
    """The Seattle production checked against ICE's totals and the national files; its yearly and monthly jail
    share; the national and area models of the monthly jail share at the return; arrest rates per 10,000
    non-citizens; three charts."""
    out = Analysis(NOTEBOOK)
    sources, milestones = data.sources, data.milestones
    events = milestones.set_index("milestone_id")
    sea_monthly = seattle.as_counts(data.table("seattle_arrests_monthly"))
    sea_summary = seattle.as_counts(data.table("seattle_summary"))
    arrests = j.as_counts(data.table("ice_arrests_monthly"))
    files = j.as_counts(data.table("ice_record_files"))
    last_month = j.last_complete_month(files)
    return_date = j.return_date(milestones)

    printed = seattle.summary_vs_records(sea_monthly, sea_summary)
    both = seattle.national_comparison(sea_monthly, arrests, years=whole_years(sea_summary, files))
    out.tables["summary_vs_records"] = with_fy(printed)
    out.tables["national_comparison"] = with_fy(both)
    out.finding(
        "reconciliation",
        "Finding: the arrest records of the Seattle production add up to the totals on ICE's own Summary"
        " sheet in {k} of {n} fiscal years, and for {a} to {b} they equal the national files' count for"
        " the Seattle area in {e} of {m} years (largest difference {d}).",
        k=int((printed["verdict"] == "reproduces").sum()),
        n=len(printed),
        a=f"FY{both['fiscal_year'].min()}",
        b=f"FY{both['fiscal_year'].max()}",
        e=int((both["difference"] == 0).sum()),
        m=len(both),
        d=int(both["difference"].abs().max()),
    )

    by_method = seattle.by_year_and_method(sea_monthly)
    yearly = seattle.jail_share(sea_monthly)
    out.tables["seattle_yearly"] = with_fy(yearly)
    fy = yearly.set_index("fiscal_year")
    first, second = years_around(events.loc[OREGON_RULING, "date"])
    share = {
        y: out.add(
            res.quantity(
                {
                    "estimate": fy.loc[y, "share"],
                    "unit": "percent",
                    "label": f"Seattle area jail share of arrests, FY{y}",
                }
            ),
            group="seattle",
        )
        for y in (first, second)
    }
    out.finding(
        "seattle",
        "Finding: in the Seattle area, {a:1} of ICE's arrests in FY{y1} ({j1} of {n1}) were 'CAP Local"
        " Incarceration' pickups from local jails, and {b:1} in FY{y2} ({j2} of {n2}). Between the two"
        " came the Oregon ruling on detainers ({d24}), the counties that stopped holding people for ICE in"
        " its wake, and the end of Secure Communities ({d12}).",
        a=share[first],
        b=share[second],
        y1=str(first),
        y2=str(second),
        j1=int(fy.loc[first, "jail"]),
        n1=int(fy.loc[first, "arrests"]),
        j2=int(fy.loc[second, "jail"]),
        n2=int(fy.loc[second, "arrests"]),
        d24=fmt.day_month_year(events.loc[OREGON_RULING, "date"]),
        d12=fmt.day_month_year(events.loc[SC_ENDED, "date"]),
    )
    monthly_share = seattle.jail_share(sea_monthly, by="month")
    out.chart(
        "12_seattle_arrests",
        mc.seattle_chart,
        by_method,
        monthly_share,
        milestones,
        sources,
        CHART_MILESTONES,
        years=(first, second),
    )

    monthly = j.monthly_jail_share(arrests, last_month=last_month)
    aors = data.table("ice_aors")
    names = dict(zip(aors["aor"].astype(str), aors["name"].astype(str)))
    names[j.NATIONAL] = NATIONAL_NAME
    span = j.periods(arrests["month"], return_date, last_month)
    segments, changes = area_models(monthly, return_date, names, span)
    nat = segments[segments["aor"] == j.NATIONAL].set_index("term")
    out.tables["national_segments"] = nat
    lev, slo = nat.loc["level"], nat.loc["slope"]
    out.add(res.quantity(lev, "US jail share: change in level at the return (segmented regression)"), group="national")
    out.finding(
        "national",
        "Finding: nationally, the monthly jail share stepped up by {l:1} percentage points when Secure"
        " Communities returned (95% interval {ll:1} to {lh:1}); its monthly trend changed by {s:2} points"
        " a month ({sl:2} to {sh:2}).",
        l=float(lev["estimate"]),
        ll=float(lev["low"]),
        lh=float(lev["high"]),
        s=float(slo["estimate"]),
        sl=float(slo["low"]),
        sh=float(slo["high"]),
    )

    areas = changes[changes["aor"] != j.NATIONAL]
    out.tables["area_changes"] = areas.sort_values("estimate", ascending=False)
    counts = areas["verdict"].value_counts()
    pooled = j.area_shares(arrests, span, aors)
    pooled = pooled[pooled["definition"] == "cap_local"]
    risen = set(pooled.loc[pooled["change_points"] > 0, "aor"])
    small = areas[areas["aor"].isin(risen) & (areas["verdict"] != "rose")]
    out.finding(
        "areas",
        "Finding: the jail share rose by more than its uncertainty in {r} of {n} areas and fell by more"
        " than it in {f}; in the other {w} the change is within its uncertainty. Counting every rise, as"
        " notebook 09 does, it rose in {any} areas; {k} of those did not rise by more than their"
        " uncertainty here.",
        r=int(counts.get("rose", 0)),
        f=int(counts.get("fell", 0)),
        w=int(counts.get("within uncertainty", 0)),
        n=len(areas),
        any=int((pooled["change_points"] > 0).sum()),
        k=len(small),
    )
    out.chart("12_jail_share_change", mc.area_change_chart, changes, sources)

    population = data.table("aor_noncitizens")
    removals = j.as_counts(data.table("ice_removals_monthly"))
    per = rates.rates(arrests, removals, population, files).assign(name=lambda f: f["aor"].map(names))
    year = int(per.loc[~per["partial_year"], "fiscal_year"].max())
    shown = per[(per["event"] == "arrests") & (per["fiscal_year"] == year)].sort_values("rate")
    out.tables["rates"] = shown
    hi, lo = shown.loc[shown["rate"].idxmax()], shown.loc[shown["rate"].idxmin()]
    out.finding(
        "rates",
        "Finding: in FY{y}, ICE arrested {h:1} people per 10,000 non-citizen residents in the {hn} area"
        " (margin of error {hm:1}) and {l:1} in the {ln} area ({lm:1}). The largest margin of error"
        " of any area that year is {mx:1} per 10,000.",
        y=str(year),
        h=float(hi["rate"]),
        hn=hi["name"],
        hm=float(hi["rate_moe"]),
        l=float(lo["rate"]),
        ln=lo["name"],
        lm=float(lo["rate_moe"]),
        mx=float(shown["rate_moe"].max()),
    )
    out.tables["results"] = res.results_table(segments, changes, rates.result_rows(per))
    return out
