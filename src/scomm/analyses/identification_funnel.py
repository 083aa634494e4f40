"""Notebook 03: of the fingerprints Secure Communities checked, how many led to a match, an ICE arrest and a
removal, nationally, in Texas and in Dallas County; and how the first article's arrest and deportation
counts compare with ICE's own statistics and with yearly arrests of non-citizens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scomm import ratios as r
from scomm import tables
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset
from scomm.source_names import RUNNING_TEXT, source_name

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "03_identification_funnel"
# The four stages (fingerprints checked, matches, ICE arrests, removals) of each place, by figure id.
STAGES = {
    "United States": ["FUN-030", "FUN-031", "FUN-032", "FUN-033"],
    "Texas": ["STA-011", "STA-012", "STA-013", "STA-014"],
    "Dallas County, TX": ["STA-015", "STA-016", "STA-017", "STA-018"],
}
STEPS = ["fingerprint -> match", "match -> ICE arrest", "ICE arrest -> removal"]
NATIONAL = "United States"
ARTICLE_ARRESTS, ARTICLE_DEPORTATIONS = "FUN-025", "FUN-026"  # the article the project started from
ICE_ARRESTS, ICE_REMOVALS, ICE_CONVICTED = "FUN-022", "FUN-023", "FUN-024"  # ICE's statistics to 31 March 2011
YEARLY_ARRESTS_ARTICLE, YEARLY_ARRESTS_ICE = "CTX-001", "CTX-002"  # non-citizens arrested a year
SAME_RATE = 0.05  # two removal rates (in percent) that agree to one decimal


def analyse(data: RecordingDataset) -> Analysis:
    """The funnel table and its conversion rates, the article-against-ICE comparison, and two charts."""
    out = Analysis(NOTEBOOK)
    sources = data.sources
    funnel = tables.funnel_table({place: data.select(ids) for place, ids in STAGES.items()})
    out.tables["funnel"] = funnel

    rates: dict[tuple[str, str], r.Quantity] = {}
    for place, ids in STAGES.items():
        q = [data.get(i) for i in ids]
        for a, b, step in zip(q[:-1], q[1:], STEPS):
            rates[place, step] = out.add(r.conversion(a, b, f"{place}: {step}"), group="funnel")
        rates[place, "end to end"] = out.add(
            r.conversion(q[0], q[-1], f"{place}: fingerprint -> removal"), group="funnel"
        )
    out.finding(
        "national",
        "Finding: nationally {a} of fingerprints matched immigration records, the count of ICE arrests"
        " was {b} of the matches and the count of removals {c} of the arrests; removals were {d} of"
        " fingerprints checked.",
        a=rates[NATIONAL, STEPS[0]],
        b=rates[NATIONAL, STEPS[1]],
        c=rates[NATIONAL, STEPS[2]],
        d=rates[NATIONAL, "end to end"],
    )
    out.chart("03_funnel", figure_charts.funnel_chart, funnel, sources)

    last = {place: rates[place, STEPS[2]] for place in STAGES}
    hi, lo = max(last, key=lambda p: last[p].value), min(last, key=lambda p: last[p].value)
    out.finding(
        "places",
        "Finding: removals as a share of ICE arrests, both counted cumulatively, were {h} in {hp}"
        " against {l} in {lp}. These are ratios of totals to a date, not the share of arrested people"
        " who were later removed.",
        h=last[hi],
        hp=hi,
        l=last[lo],
        lp=lo,
    )
    out.chart("03_conversion_rates", figure_charts.conversion_chart, funnel, sources)

    article = source_name(sources, data.select([ARTICLE_ARRESTS])["source_id"].iloc[0], cut=RUNNING_TEXT)
    arrests, deportations = data.get(ARTICLE_ARRESTS), data.get(ARTICLE_DEPORTATIONS)
    ice_arrests, ice_removals = data.get(ICE_ARRESTS), data.get(ICE_REMOVALS)
    article_rate = out.add(
        r.share(deportations, arrests, f"{article}: deportations per criminal arrest"), group="article"
    )
    ice = out.add(
        r.share(ice_removals, ice_arrests, "ICE to 2011-03-31: removals per arrest or booking"), group="article"
    )
    out.add(
        r.share(arrests, ice_arrests, f"{article} arrests as a share of all arrests/bookings to 2011-03-31"),
        group="article",
    )
    out.add(
        r.share(data.get(ICE_CONVICTED), ice_removals, "convicted share of removals to 2011-03-31"), group="article"
    )
    same = abs(article_rate.value - ice.value) < SAME_RATE
    out.finding(
        "article",
        "Finding: the {article} article's {a} arrests and {d} deportations give a removal rate of {s};"
        " ICE's national statistics through 31 March 2011 ({id} of {ia}) give {i}: {verdict}.",
        a=arrests,
        d=deportations,
        s=article_rate,
        id=ice_removals,
        ia=ice_arrests,
        i=ice,
        verdict="the same rate to one decimal" if same else "a different rate",
        article=article,
    )

    period = data.select([ICE_ARRESTS]).iloc[0]
    quoted_by = source_name(sources, data.select([YEARLY_ARRESTS_ICE])["source_id"].iloc[0], cut=RUNNING_TEXT)
    years = r.years_between(period["period_start"], period["period_end"])
    per_year = out.add(
        r.per_period(arrests, years, "people_per_year", f"{article}: criminal arrests per year"), group="per_year"
    )
    vs_seed = out.add(
        r.share(
            per_year,
            data.get(YEARLY_ARRESTS_ARTICLE),
            f"per-year program arrests vs the yearly arrests of non-citizens in {article}",
        ),
        group="per_year",
    )
    vs_ice = out.add(
        r.share(
            per_year,
            data.get(YEARLY_ARRESTS_ICE),
            f"per-year program arrests vs ICE's estimate (quoted by {quoted_by})",
        ),
        group="per_year",
    )
    out.finding(
        "per_year",
        "Finding: spread over the {y:1} years it covers, the {article} article's {a} arrests are {p:s2}"
        " a year: {s1:0} of the {c1} non-citizens the same article says are arrested on criminal"
        " charges each year, and {s2:0} of ICE's own estimate of {c2}, as quoted by {quoted_by}.",
        article=article,
        quoted_by=quoted_by,
        y=years,
        a=arrests,
        p=per_year,
        s1=vs_seed,
        c1=data.get(YEARLY_ARRESTS_ARTICLE),
        s2=vs_ice,
        c2=data.get(YEARLY_ARRESTS_ICE),
    )
    out.tables["period"] = period.to_frame().T.assign(years=years)[["figure_id", "period_start", "period_end", "years"]]
    return out
