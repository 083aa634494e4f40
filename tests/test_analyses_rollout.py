"""The analysis of notebook 02 (rollout), called as a plain function on tiny hand-made data (no kernel), with
values worked out by hand in the comments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from scomm.analyses import rollout

# Bundled dates kept: ROL-003 (pilot, dated to the year 2008), ROL-008 2009-11-12, ROL-026 2010-10-26,
# ROL-045 2011-03-01, ROL-034 2011-10-01, ROL-039 2013 (full coverage), ROL-041 (target year).
ROLLOUT = {
    "ROL-003": 10, "ROL-008": 100, "ROL-026": 500, "ROL-045": 900, "ROL-034": 1000, "ROL-039": 4000,
    "ROL-036": 25, "ROL-041": 2013,
}  # fmt: skip
# national counts of states with an active jurisdiction: ROL-009 (2009-11-12) and ROL-030 (2011-05-17) dated to
# the day, ROL-011 (2010) only to the year
STATES = {"ROL-009": 5, "ROL-030": 20, "ROL-011": 15}


@pytest.fixture
def rollout_data(tiny):
    return tiny({**ROLLOUT, **STATES})


def test_rollout_growth_and_pace_worked_by_hand(rollout_data):
    data = rollout_data
    result = rollout.analyse(data)
    q = result.quantities
    assert list(q) == [
        "growth in active jurisdictions, pilot to Oct 2011",
        "jurisdictions in Oct 2011 per pilot jurisdiction",
        "share of all jurisdictions active by Oct 2011",
        "jurisdictions implied at 2011-01-01 by the Warren Institute's increase",
        "jurisdictions added, Nov 2009 to Oct 2011",
        "average jurisdictions added per month",
    ]
    assert q["growth in active jurisdictions, pilot to Oct 2011"].value == pytest.approx(9900.0)  # (1000/10-1)*100
    assert q["jurisdictions in Oct 2011 per pilot jurisdiction"].value == pytest.approx(100.0)  # 1000 / 10
    assert q["share of all jurisdictions active by Oct 2011"].value == pytest.approx(25.0)  # 1000 / 4000
    growth = result.findings["growth"].text()
    assert "between 2008 and October 2011 active jurisdictions went from 10 to 1,000, about 100 times" in growth
    assert "that was 25.0% of the 4,000 jurisdictions ICE counted at full coverage (2013)" in growth
    # 2009-11-12 to 2011-10-01 is 688 days = 688 / (365.25 / 12) = 22.604... months; 1000 - 100 = 900 added
    assert q["jurisdictions added, Nov 2009 to Oct 2011"].value == pytest.approx(900)
    assert q["average jurisdictions added per month"].value == pytest.approx(900 / (688 / (365.25 / 12)))
    assert "from November 2009 to October 2011 the program added 900 jurisdictions, 40 a month" in (
        result.findings["pace"].text()
    )  # 39.8 rounded


def test_rollout_implied_start_inside_or_outside_the_nearest_counts(rollout_data, tiny):
    data = rollout_data
    result = rollout.analyse(data)
    # a 25% increase to 1000 implies 1000 / 1.25 = 800 at 2011-01-01: between 500 and 900
    assert result.quantities[result.keys("implied")[0]].value == pytest.approx(800.0)
    text = result.findings["implied"].text()
    assert "implies 800 jurisdictions on 1 January 2011, which lies between the two nearest counts" in text
    assert "(500 on 26 October 2010, 900 on 01 March 2011): the claim is consistent with" in text
    # a 100% increase implies 1000 / 2 = 500 ... still inside; a 150% one implies 400: below 500, outside
    outside = rollout.analyse(tiny({**ROLLOUT, **STATES, "ROL-036": 150}))
    assert outside.quantities[outside.keys("implied")[0]].value == pytest.approx(400.0)
    assert "lies outside the two nearest counts" in outside.findings["implied"].text()
    assert "the claim is at odds with the other sources" in outside.findings["implied"].text()


def test_rollout_states_finding_takes_the_earliest_and_latest_dated_counts(rollout_data, tiny):
    data = rollout_data
    result = rollout.analyse(data)
    assert (
        result.findings["states"]
        .text()
        .startswith("Finding: the number of states with at least one active jurisdiction rose from 5 in")
    )
    # the table lists every national count by date, the year-only one (2010-01-01) included
    assert list(result.tables["states"]["figure_id"]) == ["ROL-009", "ROL-011", "ROL-030"]
    assert "rose from 5 in November 2009 to 20 in May 2011." in result.findings["states"].text()
    fell = rollout.analyse(tiny({**ROLLOUT, **STATES, "ROL-009": 20, "ROL-030": 5}))
    assert " fell from 20 in " in fell.findings["states"].text()
    assert list(result.charts) == ["02_rollout_jurisdictions", "02_rollout_states"]


def test_rollout_rule_names_a_count_resting_only_on_a_digest_or_none(rollout_data, tiny):
    data = rollout_data
    assert "No count was left out." in rollout.analyse(data).notes["rule"].text()
    # ROL-028 (March 2011) rests only on an AI-written digest (its source's kind): named, not plotted; words
    # in another row's notes decide nothing (ROL-034's say "do not use" and it is still plotted)
    kept = rollout.analyse(tiny({**ROLLOUT, **STATES, "ROL-028": 700}, notes={"ROL-034": "do not use"}))
    rule = kept.notes["rule"].text()
    assert rule.startswith("Rule: a count whose only source is an AI-written digest or a mirror of Wikipedia")
    assert rule.endswith(
        'Left out: factually.co (2026), "700" for March 2011: its only source is an AI-written digest.'
    )
    fig, table = kept.charts["02_rollout_jurisdictions"].draw()  # the chart drawn here, not a committed one
    assert "ROL-028" not in set(table["figure_id"]) and "ROL-034" in set(table["figure_id"])
    plt.close(fig)


def test_rollout_lists_counts_dated_only_to_a_year(rollout_data):
    data = rollout_data
    undated = rollout.analyse(data).tables["undated"]
    # of the national jurisdiction counts only ROL-003 (2008) and ROL-039 (2013) are dated to the year
    assert sorted(undated["figure_id"]) == ["ROL-003", "ROL-039"]


def test_rollout_records_its_reads_and_names_a_missing_figure(rollout_data, tiny):
    data = rollout_data
    rollout.analyse(data)
    assert set(ROLLOUT) <= set(data.reads["figure_ids"])
    assert {"metric": ["states_with_activation"], "geography": "US", "metric_contains": None} in data.reads["filters"]
    values = {**ROLLOUT, **STATES}
    del values["ROL-036"]
    with pytest.raises(KeyError, match="figure ROL-036 is not in figures.csv; a test needs it"):
        rollout.analyse(tiny(values))
