"""Notebook 01: what was Secure Communities, when did it run, and what headline figures do its sources give?
The dated events and their timeline, the headline figures of the article the project started from, the
rate its own arrests and deportations give, the case review against TRAC's court backlog, and the glossary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scomm import fmt
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset
from scomm.source_names import RUNNING_TEXT, source_name

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "01_program_overview"
ARTICLE_ARRESTS, ARTICLE_DEPORTATIONS = "FUN-025", "FUN-026"  # the article the project started from
REVIEW, BACKLOG = "CRV-002", "CRV-003"  # cases the August 2011 review covered; TRAC's pending court cases
# The article's headline figures, each shown with its source row, in the order the notebook lists them.
HEADLINE = ["ROL-043", "ROL-044", "ROL-032", "ROL-033", "ROL-042", ARTICLE_ARRESTS, ARTICLE_DEPORTATIONS, REVIEW,
            "CTX-001"]  # fmt: skip
GLOSSARY = "glossary"  # the table of the words the notebooks use


def analyse(data: RecordingDataset) -> Analysis:
    """The timeline of dated events, the starting article's headline figures and its removal rate, the case
    review against TRAC's backlog, and the glossary."""
    out = Analysis(NOTEBOOK)
    sources = data.sources
    milestones = data.milestones
    events = milestones.sort_values("date")
    first, last = events.iloc[0], events.iloc[-1]  # the earliest and the latest dated event
    out.finding(
        "events",
        "Finding: the dated events run from {a:%B %Y} ({a_event}) to {b:%B %Y} ({b_event}); the"
        " timeline shows the program's periods on a real time axis, gaps included.",
        a=first["date"],
        a_event=first["event"],
        b=last["date"],
        b_event=last["event"],
    )
    out.chart("01_milestones", figure_charts.milestones_chart, milestones, sources)

    start = data.select([ARTICLE_ARRESTS]).iloc[0]
    article = f"the {source_name(sources, start['source_id'], cut=RUNNING_TEXT)} article"
    out.note(
        "start",
        "The project started from {article}: a secondary summary, so each of its figures is traced to"
        " the source it cites where one could be found.",
        article=article,
    )
    out.tables["headline"] = data.select(HEADLINE)

    arrests, deportations = data.get(ARTICLE_ARRESTS), data.get(ARTICLE_DEPORTATIONS)
    # each ratio's label names who printed its counts, read from the data ('About.com (2014)')
    printed = data.select([ARTICLE_DEPORTATIONS, REVIEW, BACKLOG]).set_index("figure_id")["source_id"]
    printed_by = {fid: source_name(sources, sid, cut=RUNNING_TEXT) for fid, sid in printed.items()}
    rate = out.add(
        r.share(deportations, arrests, f"deportations per criminal arrest, {printed_by[ARTICLE_DEPORTATIONS]}"),
        group="article",
    )
    out.finding(
        "article",
        "Finding: in {article}'s own figures, {d} deportations against {a} arrests is {rate}: {words} of arrests.",
        d=deportations,
        a=arrests,
        rate=rate,
        words=fmt.fraction_words(rate.value),
        article=article,
    )

    review, backlog = data.get(REVIEW), data.get(BACKLOG)
    out.add(
        r.difference(
            review,
            backlog,
            f"cases to review, {printed_by[REVIEW]}, minus the pending court backlog, {printed_by[BACKLOG]},"
            " end Sept 2011",
        ),
        group="review",
    )
    share = out.add(r.share(backlog, review, "backlog as a share of the cases to review"), group="review")
    out.finding(
        "review",
        "Finding: the case review announced in August 2011 covered {review} cases; TRAC counted"
        " {backlog} pending in immigration court at the end of September 2011, {share} of the review's"
        " number.",
        review=review,
        backlog=backlog,
        share=share,
    )
    out.tables["glossary"] = data.table(GLOSSARY)
    return out
