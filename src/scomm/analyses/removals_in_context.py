"""Notebook 04: how many people did ICE remove each fiscal year, how many had a criminal conviction, and
what share did Secure Communities account for?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scomm import chart_tables
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "04_removals_in_context"
FISCAL_YEARS = chart_tables.REMOVAL_YEARS  # (fiscal year, all removals, convicted removals or None)
CONVICTED_CLAIMS = ["X18", "X14", "X15", "X01", "X09"]  # ICE's published convicted shares, checked
REPRODUCES = "reproduces"
# GAO's share of removals attributable to the program, and all removals, in FY2009 and FY2011.
GAO_FY2009, REMOVALS_FY2009 = "FUN-042", "ANN-009"
GAO_FY2011, REMOVALS_FY2011 = "FUN-043", "ANN-020"
# The FY2008 base of convicted removals as implied by two releases: FY2010's count and its stated
# increase over FY2008 in removals; FY2011's count and its stated percent increase over FY2008.
CONVICTED_FY2010, INCREASE_FY2010 = "ANN-013", "ANN-015"
CONVICTED_FY2011, INCREASE_PCT_FY2011 = "ANN-021", "ANN-023"


def analyse(data: RecordingDataset) -> Analysis:
    """Removals and convicted shares by fiscal year (checked against ICE's published shares), the program
    removals GAO's shares imply, and the two FY2008 bases ICE's releases imply; two charts."""
    out = Analysis(NOTEBOOK)
    sources = data.sources

    removals, shares = chart_tables.removals_by_year(data)
    for share in shares.values():
        out.add(share, group="convicted")
    out.tables["removals"] = removals
    checks = data.claims(CONVICTED_CLAIMS)
    out.tables["checks"] = checks
    low, high = min(shares, key=lambda y: shares[y].value), max(shares, key=lambda y: shares[y].value)
    out.finding(
        "convicted",
        "Finding: the convicted share of removals, computed from ICE's own counts, reproduces {n} of"
        " the {m} shares ICE published; the computed shares run from {lo} (FY{ly}) to {hi} (FY{hy}).",
        n=int((checks["verdict"] == REPRODUCES).sum()),
        m=len(checks),
        lo=shares[low],
        ly=str(low),
        hi=shares[high],
        hy=str(high),
    )
    out.chart("04_ice_removals", figure_charts.removals_chart, removals, sources)

    gao09, all09, gao11, all11 = (
        data.get(GAO_FY2009),
        data.get(REMOVALS_FY2009),
        data.get(GAO_FY2011),
        data.get(REMOVALS_FY2011),
    )
    fy09 = out.add(r.applied_share(gao09, all09, "FY2009 removals implied by GAO's share"), group="gao")
    fy11 = out.add(r.applied_share(gao11, all11, "FY2011 removals implied by GAO's share"), group="gao")
    times = out.add(r.ratio(fy11, fy09, "FY2011 vs FY2009 implied program removals"), group="gao")
    out.finding(
        "gao",
        "Finding: GAO's shares ({a} of FY2009 removals, {b} of FY2011's) imply {c:s2} program removals"
        " in FY2009 and {d:s2} in FY2011, {t:0} as many.",
        a=gao09,
        b=gao11,
        c=fy09,
        d=fy11,
        t=times,
    )
    implied, _ = chart_tables.program_share_rows(data)  # the same counts, with each year's removals metric
    out.tables["implied"] = implied
    out.chart("04_sc_share_of_removals", figure_charts.sc_share_chart, implied, sources)

    base_2010 = out.add(
        r.difference(
            data.get(CONVICTED_FY2010),
            data.get(INCREASE_FY2010),
            "FY2008 convicted removals implied by the FY2010 release",
        ),
        group="bases",
    )
    base_2011 = out.add(
        r.implied_start(
            data.get(CONVICTED_FY2011),
            data.get(INCREASE_PCT_FY2011),
            "FY2008 convicted removals implied by the FY2011 release",
        ),
        group="bases",
    )
    apart = out.add(r.growth(base_2010, base_2011, "difference between the two implied bases"), group="bases")
    out.finding(
        "bases",
        "Finding: ICE's FY2010 and FY2011 releases imply FY2008 bases of convicted removals of {a} and"
        " {b}, {c:1} apart.",
        a=base_2010,
        b=base_2011,
        c=r.Quantity(abs(apart.value), "percent", apart.qualifier),
    )
    return out
