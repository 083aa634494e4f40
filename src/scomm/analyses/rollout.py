"""Notebook 02: how many jurisdictions and states used Secure Communities over time, against the goal of
nationwide coverage? Growth from the pilot, the Warren Institute's increase checked against the nearest
counts, the pace of the rollout, and the charts of jurisdictions and states over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scomm import fmt, source_kinds, tables
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "02_rollout"
PILOT, OCT_2011, FULL = "ROL-003", "ROL-034", "ROL-039"  # pilot count (2008), October 2011, full coverage
NOV_2009 = "ROL-008"  # the count the pace is measured from
GOAL = "ROL-041"  # the target year of nationwide coverage
WARREN_INCREASE = "ROL-036"  # the Warren Institute's increase since the start of 2011
# The nearest usable counts either side of 1 January 2011 (ROL-028, which rests only on an AI-written digest,
# is not one).
BEFORE_2011, AFTER_2011 = "ROL-026", "ROL-045"
NATIONAL = "US"
STATES_METRIC = "states_with_activation"
UNDATED = "year"  # a count dated only to the year: left off the charts, listed in a table
DAYS_PER_MONTH = 365.25 / 12


def analyse(data: RecordingDataset) -> Analysis:
    """Growth of active jurisdictions, the implied count at 1 January 2011 against the nearest counts, the
    monthly pace, the rollout and states charts, and the counts left off them."""
    out = Analysis(NOTEBOOK)
    sources = data.sources
    pilot, oct2011, full = data.get(PILOT), data.get(OCT_2011), data.get(FULL)
    picked = data.select([PILOT, OCT_2011, FULL, NOV_2009]).set_index("figure_id")
    dates = picked["period_end"]
    # the pilot count is dated only to the year ("in 2008"): print it no more precisely than that
    pilot_when = fmt.published_label(dates[PILOT], picked.loc[PILOT, "date_precision"])
    out.add(r.growth(pilot, oct2011, "growth in active jurisdictions, pilot to Oct 2011"), group="growth")
    times = out.add(r.ratio(oct2011, pilot, "jurisdictions in Oct 2011 per pilot jurisdiction"), group="growth")
    reached = out.add(r.share(oct2011, full, "share of all jurisdictions active by Oct 2011"), group="growth")
    out.finding(
        "growth",
        "Finding: between {d0} and {d1:%B %Y} active jurisdictions went from {p} to {o}, about"
        " {t:0} times as many; that was {s} of the {f} jurisdictions ICE counted at full coverage"
        " ({fy:%Y}).",
        d0=pilot_when,
        d1=dates[OCT_2011],
        p=pilot,
        o=oct2011,
        t=r.Quantity(times.value),  # a bare multiple: "about 114 times", without the unit
        s=reached,
        f=full,
        fy=dates[FULL],
    )

    claimed = data.get(WARREN_INCREASE)
    implied = out.add(
        r.implied_start(oct2011, claimed, "jurisdictions implied at 2011-01-01 by the Warren Institute's increase"),
        group="implied",
    )
    bracket = data.select([BEFORE_2011, AFTER_2011]).set_index("figure_id")["period_end"]
    before, after = data.get(BEFORE_2011), data.get(AFTER_2011)
    inside = before.value <= implied.value <= after.value
    out.finding(
        "implied",
        "Finding: the Warren Institute's increase of {c} since the start of 2011 implies {i:0}"
        " jurisdictions on 1 January 2011, which lies {where} the two nearest counts ({b} on {bd:%d %B"
        " %Y}, {a} on {ad:%d %B %Y}): the claim is {verdict} the other sources.",
        c=claimed,
        i=implied,
        where="between" if inside else "outside",
        b=before,
        a=after,
        bd=bracket[BEFORE_2011],
        ad=bracket[AFTER_2011],
        verdict="consistent with" if inside else "at odds with",
    )

    nov2009 = data.get(NOV_2009)
    months = (dates[OCT_2011] - dates[NOV_2009]).days / DAYS_PER_MONTH
    added = out.add(r.difference(oct2011, nov2009, "jurisdictions added, Nov 2009 to Oct 2011"), group="pace")
    monthly = out.add(
        r.per_period(added, months, "jurisdictions", "average jurisdictions added per month"), group="pace"
    )
    out.finding(
        "pace",
        "Finding: from {d0:%B %Y} to {d1:%B %Y} the program added {a} jurisdictions, {m:0} a month on average.",
        d0=dates[NOV_2009],
        d1=dates[OCT_2011],
        a=added,
        m=monthly,
    )

    rollout = data.rows(metric=tables.ROLLOUT_METRICS, geography=NATIONAL)
    points = rollout[rollout["date_precision"] != UNDATED]
    goal_full = data.select([GOAL, FULL])
    goal = data.get(GOAL)
    out.chart("02_rollout_jurisdictions", figure_charts.rollout_chart, points, goal_full, sources, goal=goal, full=full)
    _, left_out = source_kinds.split_plottable(points, sources)
    out.note(
        "rule",
        "Rule: a count whose only source is {never} is kept in the data and in the audit, but not plotted. {note}",
        never=" or ".join(
            [
                *(f"an {k}" for k in source_kinds.NEVER_PLOTTED_KINDS),
                *(f"a mirror of {o}" for o in source_kinds.TERTIARY_ORIGINALS),
            ]
        ),
        note=source_kinds.left_out_note(left_out, sources) or "No count was left out.",
    )

    states = data.rows(metric=[STATES_METRIC], geography=NATIONAL)
    dated = states[states["date_precision"] != UNDATED].reset_index(drop=True)
    out.tables["states"] = states
    first, last = dated.iloc[0], dated.iloc[-1]  # rows come sorted by date: the earliest and the latest count
    out.finding(
        "states",
        "Finding: the number of states with at least one active jurisdiction {word} from {a:0} in"
        " {da:%B %Y} to {b:0} in {db:%B %Y}.",
        word=fmt.change_word(first["value"], last["value"]),
        a=first["value"],
        da=first["period_end"],
        b=last["value"],
        db=last["period_end"],
    )
    out.chart("02_rollout_states", figure_charts.states_chart, dated, sources)
    out.tables["undated"] = rollout[rollout["date_precision"] == UNDATED]
    return out
