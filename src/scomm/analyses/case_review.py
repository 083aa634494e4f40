"""Notebook 05: of the pending removal cases DHS said in August 2011 it would review, how many were reviewed,
found eligible for closure and closed? The steps of the review with who counted them, the published rates
checked against their counts, the cases reviewed implied by the eligible count, and the closure offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from scomm import fmt
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "05_case_review"
TERMS = ["prosecutorial discretion", "administrative closure"]  # glossary entries the notebook opens with
DHS, TRAC = "DHS / ICE (as reported)", "TRAC"
# The review's steps in the order shown: (label, figure id, who counted). Who printed each count is read from
# its source row (the chart's footer and weak marks); DHS's reviewed and closed counts of 29 May 2012 are those
# the New York Times reported, as UPI carried them (CRV-050, CRV-051), not an advocacy group's rounding of them.
STEPS = [
    ("cases to review (DHS)", "CRV-002", DHS),
    ("pending in court, Sept. 30, 2011 (TRAC)", "CRV-003", TRAC),
    ("reviewed by May 29, 2012 (DHS)", "CRV-050", DHS),
    ("reviewed by October 2012 (TRAC, as reported)", "CRV-035", TRAC),
    ("eligible for closure, May 29, 2012 (DHS)", "CRV-021", DHS),
    ("closure offered, May 29, 2012 (DHS)", "CRV-009", DHS),
    ("offer accepted, May 29, 2012 (DHS)", "CRV-011", DHS),
    ("closed by May 29, 2012 (DHS)", "CRV-051", DHS),
    ("closed by May 31, 2012 (TRAC)", "CRV-015", TRAC),
    ("closed by June 28, 2012 (TRAC)", "CRV-023", TRAC),
    ("closed by October 2012 (TRAC, as reported)", "CRV-036", TRAC),
]
TO_REVIEW = "CRV-002"  # the cases the review set out to cover
CLOSED, REVIEWED = "CRV-036", "CRV-035"  # TRAC's latest counts of cases closed and reviewed (Oct 2012)
ELIGIBLE, ELIGIBLE_RATE = "CRV-021", "CRV-022"  # eligible for closure, June 2012, and its rate of the reviewed
OFFERED, PENDING, ACCEPTED = "CRV-009", "CRV-010", "CRV-011"  # closure offers made, pending a check, accepted
CLAIMS = ["X23", "X24", "X27", "X62", "X30"]  # the published rates of the review, checked against their counts
REPRODUCES, DIVERGES = "reproduces", "diverges"


def listed(checks: pd.DataFrame) -> str:
    """The checked statements with the rate computed for each ('A (computed 1.0%) and B (...)'), or 'none'."""
    items = [
        f"{s} (computed {fmt.format_number(c, 'percent')})" for s, c in zip(checks["statement"], checks["computed"])
    ]
    return fmt.join_words(items) or "none"


def analyse(data: RecordingDataset) -> Analysis:
    """The review's steps and chart, the share of reviewed cases closed, the published rates checked, the
    cases reviewed implied by the eligible count and rate, and the closure offers against the eligible count."""
    out = Analysis(NOTEBOOK)
    sources = data.sources
    out.tables["terms"] = data.table("glossary").set_index("term").loc[TERMS].reset_index()

    review = data.select([fid for _, fid, _ in STEPS])
    review.insert(0, "step", [step for step, _, _ in STEPS])
    review["publisher"] = [who for _, _, who in STEPS]
    out.tables["review"] = review
    out.chart("05_case_review", figure_charts.case_review_chart, review, sources)

    closed, reviewed = data.get(CLOSED), data.get(REVIEWED)
    closed_by = data.select([CLOSED])["period_end"].iloc[0]
    out.finding(
        "closed",
        "Finding: by {when}, {c} of the {rv} cases reviewed had been closed ({p:1}).",
        when=f"{closed_by:%B %Y}",
        c=closed,
        rv=reviewed,
        p=r.share(closed, reviewed),
    )

    checks = data.claims(CLAIMS)
    out.tables["checks"] = checks
    out.finding(
        "checks",
        "Finding: {n} of the {m} published rates reproduce from the counts beside them, read as"
        " precisely as they were printed: {ok}. Diverging: {bad}.",
        n=int((checks["verdict"] == REPRODUCES).sum()),
        m=len(checks),
        ok=listed(checks[checks["verdict"] == REPRODUCES]),
        bad=listed(checks[checks["verdict"] == DIVERGES]),
    )

    eligible, rate, to_review = data.get(ELIGIBLE), data.get(ELIGIBLE_RATE), data.get(TO_REVIEW)
    implied = out.add(
        r.implied_base(eligible, rate, "cases reviewed implied by the June 2012 eligible count and rate"),
        group="implied",
    )
    out.finding(
        "implied",
        "Finding: if {e} eligible cases were {p} of the cases reviewed, about {i:s2} cases had been"
        " reviewed, against the {d} the review set out to cover.",
        e=eligible,
        p=rate,
        i=implied,
        d=to_review,
    )

    offered = data.get(OFFERED)
    accepted = out.add(r.share(data.get(ACCEPTED), offered, "offers accepted"), group="offers")
    offers = out.add(
        r.total([offered, data.get(PENDING)], "offers made plus offers pending a background check"), group="offers"
    )
    apart = out.add(r.growth(eligible, offers, "DHS offers+pending vs eligible (DHS, as read by FAIR)"), group="offers")
    out.finding(
        "offers",
        "Finding: {a} of closure offers had been accepted by May 2012 ({w}); DHS's offers plus pending"
        " offers ({o}) and the {e} eligible cases in DHS's statistics (as read by FAIR) differ by"
        " {g:1}.",
        a=accepted,
        w=fmt.fraction_words(accepted.value),
        o=offers,
        e=eligible,
        g=r.Quantity(abs(apart.value), "percent", apart.qualifier),  # the size of the gap, either way
    )
    return out
