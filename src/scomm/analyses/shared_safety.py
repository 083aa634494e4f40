"""Notebook 06: who did the program's arrests reach, how did detainers change, what due process did the people
arrested get, and what did funded counsel change? The Shared Safety brief is one framing of these questions
(separate policing from immigration enforcement, decline detainer holds, protect due process, fund counsel,
provide services): which sourced figures bear on each, and where is there none?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scomm import chart_tables, fmt
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "06_shared_safety"
# 1. Separate policing from immigration enforcement: the figures listed, and the Latino shares compared.
SEPARATION = ["PEP-008", "PEP-007", "DUE-006", "DUE-007", "DUE-001"]
LATINO_ARRESTEES, LATINO_UNDOCUMENTED = "DUE-006", "DUE-007"
# 2. Decline detainer holds: detainers prepared FY2012..FY2017, the declined count and share (Oct 2013 to
# Dec 2015), one week's declined and total requests (28 Jan - 3 Feb 2017), and the claim checked on them.
DETAINERS = chart_tables.DETAINER_IDS
DECLINED, DECLINED_SHARE = "DET-026", "DET-028"
WEEK_DECLINED, WEEK_REQUESTS = "DET-032", "DET-031"
DETAINER_CLAIMS = ["X38"]
# 3. Due process: the pairs of figures compared and the study's sample (see chart_tables).
ATTORNEY, RELIEF = "had a lawyer", "granted relief"
# 4. Fund counsel: NYIFUP outcomes (represented, unrepresented), bond release before and with the program,
# the SAFE network in November 2017 and July 2019, the claim checked on them and the glossary term.
NYIFUP_TERM = "New York Immigrant Family Unity Project (NYIFUP)"
COUNSEL_CLAIMS = ["X50"]
REPRESENTED, UNREPRESENTED = "CNS-001", "CNS-002"
BOND_BEFORE, BOND_WITH = "CNS-004", "CNS-005"
SAFE_START, SAFE_END = "CNS-007", "CNS-010"
# 5. Services: figures whose metric names a service.
SERVICES = "service"


def analyse(data: RecordingDataset) -> Analysis:
    """The figures bearing on each of the five recommendations, their derived numbers, findings and charts."""
    out = Analysis(NOTEBOOK)
    sources, milestones = data.sources, data.milestones

    # 1. Separate policing from immigration enforcement
    out.tables["separation"] = data.select(SEPARATION)
    latino = out.add(
        r.difference(
            data.get(LATINO_ARRESTEES),
            data.get(LATINO_UNDOCUMENTED),
            "Latino share: arrestees minus undocumented population",
        ),
        group="separation",
    )
    out.finding(
        "separation",
        "Finding: {a:0} of people arrested by ICE through the program were Latino, against {b:0} of the"
        " undocumented population ({c:0}).",
        a=data.get(LATINO_ARRESTEES),
        b=data.get(LATINO_UNDOCUMENTED),
        c=latino,
    )

    # 2. Decline ICE detainer holds
    detainers = chart_tables.detainer_rows(data)
    first, last = data.get(DETAINERS[0]), data.get(DETAINERS[-1])
    years = data.select([DETAINERS[0], DETAINERS[-1]])["period_end"]  # fiscal years end in September
    change = out.add(
        r.growth(first, last, f"FY{_fiscal_year(years.iloc[0])} -> FY{_fiscal_year(years.iloc[-1])} detainers"),
        group="detainers",
    )
    out.tables["detainer_claims"] = data.claims(DETAINER_CLAIMS)
    implied = out.add(
        r.implied_base(
            data.get(DECLINED),
            data.get(DECLINED_SHARE),
            "detainer requests implied by the declined count and share",
        ),
        group="detainers",
    )
    out.add(
        r.share(
            data.get(WEEK_DECLINED),
            data.get(WEEK_REQUESTS),
            f"detainers declined, week of {_week(data, WEEK_REQUESTS)}",
        ),
        group="detainers",
    )
    out.finding(
        "detainers",
        "Finding: ICE prepared {a} detainers in FY2012 and {b} in FY2017 ({c:0}); from October 2013 to"
        " December 2015 local agencies declined {d} requests, {e} of the total, which implies about"
        " {f:s2} requests.",
        a=first,
        b=last,
        c=change,
        d=data.get(DECLINED),
        e=data.get(DECLINED_SHARE),
        f=implied,
    )
    out.chart("06_detainers", figure_charts.detainers_chart, detainers, sources, milestones)

    # 3. Due process
    due = chart_tables.due_process_rows(data)
    out.tables["due_process"] = due
    gaps = {m: out.add(q, group="due_process") for m, q in chart_tables.due_process_gaps(data).items()}
    pairs = {measure: (a, b) for measure, _, a, b, _ in chart_tables.DUE_PROCESS_PAIRS}
    out.finding(
        "due_process",
        "Finding: people arrested through the program were {w1} other immigration-court respondents to"
        " have a lawyer ({a:0} against {b:0}) and {w2} to be granted relief ({c:0} against {d:0}).",
        w1=fmt.compare_word(gaps[ATTORNEY].value, 0, "more likely than", "less likely than", "as likely as"),
        a=data.get(pairs[ATTORNEY][0]),
        b=data.get(pairs[ATTORNEY][1]),
        w2=fmt.compare_word(gaps[RELIEF].value, 0, "more likely", "less likely", "as likely"),
        c=data.get(pairs[RELIEF][0]),
        d=data.get(pairs[RELIEF][1]),
    )
    sample = data.get(chart_tables.DUE_PROCESS_SAMPLE)
    out.chart("06_due_process", figure_charts.due_process_chart, due, sources, sample)

    # 4. Fund counsel
    glossary = data.table("glossary").set_index("term")
    out.tables["nyifup_term"] = glossary.loc[[NYIFUP_TERM]].reset_index()
    nyifup = data.claims(COUNSEL_CLAIMS)
    out.tables["counsel_claims"] = nyifup
    out.add(
        r.ratio(
            data.get(BOND_WITH),
            data.get(BOND_BEFORE),
            "bond release with New York's public-defender program vs before",
        ),
        group="counsel",
    )
    out.add(
        r.growth(data.get(SAFE_START), data.get(SAFE_END), "SAFE network growth, Nov 2017 to July 2019"),
        group="counsel",
    )
    verdicts = nyifup.set_index("claim_id")["verdict"]
    out.finding(
        "counsel",
        "Finding: in the New York Immigrant Family Unity Project (NYIFUP), {a:0} of detained clients won"
        " the right to remain against {b:0} of unrepresented detained immigrants (Vera's published"
        " increase {v}); release on bond went from {c:0} to {d:0}. The SAFE network of"
        " funded jurisdictions grew from {f} to {g}.",
        a=data.get(REPRESENTED),
        b=data.get(UNREPRESENTED),
        v=verdicts.get(COUNSEL_CLAIMS[0], "cannot be checked: the claim is not in the data"),
        c=data.get(BOND_BEFORE),
        d=data.get(BOND_WITH),
        f=data.get(SAFE_START),
        g=data.get(SAFE_END),
    )

    # 5. Services for immigrants
    services = data.rows(metric_contains=SERVICES)
    out.tables["services"] = services
    out.finding(
        "services",
        "Finding: {n} figures in the data measure services (health, schooling, language or legal aid"
        " other than counsel) that localities provide to immigrants{tail}",
        n=len(services) or "No",
        tail=": the data cannot speak to this recommendation." if services.empty else ".",
    )
    return out


def _fiscal_year(day) -> int:
    """The federal fiscal year a day falls in (FY2012: October 2011 to September 2012)."""
    return day.year + (day.month >= 10)


def _week(data: RecordingDataset, figure_id: str) -> str:
    """The period of a week-long figure as the key names it: '28 Jan - 3 Feb 2017'."""
    row = data.select([figure_id]).iloc[0]
    start, end = row["period_start"], row["period_end"]
    return f"{start.day} {start:%b} - {end.day} {end:%b %Y}"
