"""Notebook 06: the Shared Safety approach asks localities to separate policing from immigration
enforcement, decline ICE detainer holds, protect due process, fund counsel and provide services. Which
sourced figures bear on each recommendation, and where is there none?"""

from __future__ import annotations

import pandas as pd

from scomm import fmt, views
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.recording import RecordingDataset

NOTEBOOK = "06_shared_safety"
# 1. Separate policing from immigration enforcement: the figures listed, and the Latino shares compared.
SEPARATION = ["PEP-008", "PEP-007", "DUE-006", "DUE-007", "DUE-001"]
LATINO_ARRESTEES, LATINO_UNDOCUMENTED = "DUE-006", "DUE-007"
# 2. Decline detainer holds: detainers prepared FY2012..FY2017, the declined count and share (Oct 2013 to
# Dec 2015), one week's declined and total requests (28 Jan - 3 Feb 2017), and the claim checked on them.
DETAINERS = ["DET-014", "DET-015", "DET-016", "DET-017", "DET-018", "DET-019"]
DECLINED, DECLINED_SHARE = "DET-026", "DET-028"
WEEK_DECLINED, WEEK_REQUESTS = "DET-032", "DET-031"
DETAINER_CLAIMS = ["X38"]
# 3. Due process: (measure, program arrestees' figure, comparison group's figure), in the chart's order.
DUE_PROCESS = [
    ("had an attorney", "DUE-009", "DUE-010"),
    ("granted relief", "DUE-011", "DUE-012"),
    ("Latino", "DUE-006", "DUE-007"),
    ("male", "DUE-013", "DUE-014"),
]
PROGRAM_GROUP, COMPARISON_GROUP = "arrested through Secure Communities", "comparison group"
ATTORNEY, RELIEF = "had an attorney", "granted relief"
DUE_PROCESS_SUBTITLE = (
    "Percent of each group (Warren Institute sample, 2008-2011); comparison: all respondents or the"
    " undocumented population"
)
# 4. Fund counsel: NYIFUP outcomes (represented, unrepresented), bond release before and with the program,
# the SAFE network in November 2017 and July 2019, the claim checked on them and the glossary term.
NYIFUP_TERM = "New York Immigrant Family Unity Project (NYIFUP)"
COUNSEL_CLAIMS = ["X50"]
REPRESENTED, UNREPRESENTED = "CNS-001", "CNS-002"
BOND_BEFORE, BOND_WITH = "CNS-004", "CNS-005"
SAFE_START, SAFE_END = "CNS-007", "CNS-010"
# 5. Services: figures whose metric names a service.
SERVICES = "service"


def due_process_table(data: RecordingDataset) -> pd.DataFrame:
    """One row per measure and group (program arrestees, comparison group): the figure's row with both."""
    rows = []
    for measure, program_id, other_id in DUE_PROCESS:
        for group, fid in [(PROGRAM_GROUP, program_id), (COMPARISON_GROUP, other_id)]:
            rows.append({**data.select([fid]).iloc[0].to_dict(), "measure": measure, "group": group})
    return pd.DataFrame(rows)


def due_process_title(gaps: dict[str, r.Quantity], shares: dict[str, r.Quantity]) -> str:
    """The due-process chart's title: which group more often had a lawyer and was granted relief."""
    attorney, relief = DUE_PROCESS[0], DUE_PROCESS[1]
    return (
        "{} share of people arrested through the program had a lawyer ({} against {}), and {} share was"
        " granted relief ({} against {}), than in the comparison groups".format(
            fmt.compare_word(gaps[ATTORNEY].value, 0, "A larger", "A smaller", "The same"),
            fmt.format_number(shares[attorney[1]].value, "percent", 0),
            fmt.format_number(shares[attorney[2]].value, "percent", 0),
            fmt.compare_word(gaps[RELIEF].value, 0, "a larger", "a smaller", "the same"),
            fmt.format_number(shares[relief[1]].value, "percent", 0),
            fmt.format_number(shares[relief[2]].value, "percent", 0),
        )
    )


def analyse(data: RecordingDataset) -> Analysis:
    """The figures bearing on each of the five recommendations, their derived numbers, findings and charts."""
    out = Analysis(NOTEBOOK)
    sources = data.sources

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
        "Finding: {a} of people arrested by ICE through the program were Latino, against {b} of the"
        " undocumented population ({c}).",
        a=data.get(LATINO_ARRESTEES),
        b=data.get(LATINO_UNDOCUMENTED),
        c=latino,
    )

    # 2. Decline ICE detainer holds
    detainers = data.select(DETAINERS)
    first, last = data.get(DETAINERS[0]), data.get(DETAINERS[-1])
    change = out.add(r.growth(first, last, "FY2012 -> FY2017 detainers"), group="detainers")
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
        r.share(data.get(WEEK_DECLINED), data.get(WEEK_REQUESTS), "detainers declined, week of 28 Jan - 3 Feb 2017"),
        group="detainers",
    )
    out.finding(
        "detainers",
        "Finding: ICE prepared {a} detainers in FY2012 and {b} in FY2017 ({c}); from October 2013 to"
        " December 2015 local agencies declined {d} requests, {e} of the total, which implies about"
        " {f:s2} requests.",
        a=first,
        b=last,
        c=change,
        d=data.get(DECLINED),
        e=data.get(DECLINED_SHARE),
        f=implied,
    )
    out.chart("06_detainers", lambda: views.detainers_chart(detainers, sources))

    # 3. Due process
    due = due_process_table(data)
    out.tables["due_process"] = due
    shares = {fid: data.get(fid) for _, program_id, other_id in DUE_PROCESS for fid in (program_id, other_id)}
    gaps = {
        measure: out.add(
            r.difference(shares[program_id], shares[other_id], f"{measure}: program arrestees minus comparison"),
            group="due_process",
        )
        for measure, program_id, other_id in DUE_PROCESS
    }
    attorney, relief = DUE_PROCESS[0], DUE_PROCESS[1]
    out.finding(
        "due_process",
        "Finding: people arrested through the program were {w1} other immigration-court respondents to"
        " have a lawyer ({a} against {b}) and {w2} to be granted relief ({c} against {d}).",
        w1=fmt.compare_word(gaps[ATTORNEY].value, 0, "more likely than", "less likely than", "as likely as"),
        a=shares[attorney[1]],
        b=shares[attorney[2]],
        w2=fmt.compare_word(gaps[RELIEF].value, 0, "more likely", "less likely", "as likely"),
        c=shares[relief[1]],
        d=shares[relief[2]],
    )
    title = due_process_title(gaps, shares)
    out.chart("06_due_process", lambda: views.comparison_chart(due, sources, title, DUE_PROCESS_SUBTITLE))

    # 4. Fund counsel
    glossary = data.table("glossary").set_index("term")
    out.tables["nyifup_term"] = glossary.loc[[NYIFUP_TERM]].reset_index()
    nyifup = data.claims(COUNSEL_CLAIMS)
    out.tables["counsel_claims"] = nyifup
    bond = out.add(
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
        "Finding: in the New York Immigrant Family Unity Project (NYIFUP), {a} of detained clients won"
        " the right to remain against {b} of unrepresented detained immigrants (Vera's published"
        " increase {v}); release on bond went from {c} to {d} ({e:1} as often). The SAFE network of"
        " funded jurisdictions grew from {f} to {g}.",
        a=data.get(REPRESENTED),
        b=data.get(UNREPRESENTED),
        v=verdicts.get(COUNSEL_CLAIMS[0], "cannot be checked: the claim is not in the data"),
        c=data.get(BOND_BEFORE),
        d=data.get(BOND_WITH),
        e=bond,
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
        n=len(services),
        tail=": the data cannot speak to this recommendation." if services.empty else ".",
    )
    return out
