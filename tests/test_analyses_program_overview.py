"""The analysis of notebook 01 (the program in brief), called as a plain function on tiny hand-made data (no
kernel), with values worked out by hand in the comments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from scomm.analyses import program_overview
from tiny_data import load_tiny as load

HEADLINE = {fid: 10 for fid in program_overview.HEADLINE}
OVERVIEW = {**HEADLINE, "FUN-025": 400, "FUN-026": 100, "CRV-002": 1000, "CRV-003": 900}
MILESTONES = """milestone_id,date,date_precision,event,source_id,locator,confidence,scope
M02,2008-10-27,day,First jurisdiction,S02,x,medium,program
M12,2014-11-20,day,Program replaced,S27,x,high,program
M01,2008-03-01,month,Program introduced,S27,x,high,program
M14,2017-01-25,day,Program reinstated,S27,x,high,program
M16,2021-01-20,day,Program ended,S27,x,high,program
"""


def test_overview_rates_worked_by_hand(tmp_path):
    result = program_overview.analyse(load(tmp_path / "d", OVERVIEW))
    q = result.quantities
    assert list(q) == [  # the keys and order of figures/ratios.csv
        "deportations per criminal arrest, About.com (2014)",  # who printed the counts, from the bundled sources
        "cases to review, Los Angeles Times (2011), minus the pending court backlog, TRAC (2012), end Sept 2011",
        "backlog as a share of the cases to review",
    ]
    rate = q["deportations per criminal arrest, About.com (2014)"]
    assert rate.value == pytest.approx(25.0) and rate.figure_ids == ("FUN-026", "FUN-025")  # 100 / 400
    assert q[result.keys("review")[0]].value == pytest.approx(100)  # 1000 cases to review - 900 pending
    assert q[result.keys("review")[1]].value == pytest.approx(90.0)  # 900 / 1000
    assert "is 25.0%: a quarter of arrests" in result.findings["article"].text()
    assert "covered 1,000 cases; TRAC counted 900 pending" in result.findings["review"].text()
    assert ", 90.0% of the review's number" in result.findings["review"].text()
    assert list(result.tables["headline"]["figure_id"]) == program_overview.HEADLINE


def test_overview_labels_name_who_printed_the_counts_from_the_data(tmp_path):
    # CRV-002 moved to the About.com row's source (S01) and CRV-003 to the Los Angeles Times's (S363): the
    # label follows the data, whatever a notebook once typed
    swapped = {"CRV-002": "S01", "CRV-003": "S363"}
    result = program_overview.analyse(load(tmp_path / "d", OVERVIEW, source_id=swapped))
    assert result.keys("review")[0] == (
        "cases to review, About.com (2014), minus the pending court backlog, Los Angeles Times (2011), end Sept 2011"
    )


def test_overview_names_the_earliest_and_latest_events_whatever_their_order(tmp_path):
    # the file lists M01 (March 2008) third and M16 (January 2021) last: the finding picks them by date
    result = program_overview.analyse(load(tmp_path / "d", OVERVIEW, milestones=MILESTONES))
    text = result.findings["events"].text()
    assert text.startswith("Finding: the dated events run from March 2008 (Program introduced) to January 2021")
    assert "(Program ended)" in text
    assert "the About.com (2014) article" in result.notes["start"].text()  # the starting row's source, named
    assert list(result.charts) == ["01_milestones"]


def test_overview_records_what_it_read(tmp_path):
    data = load(tmp_path / "d", OVERVIEW)
    program_overview.analyse(data)
    assert set(data.reads["figure_ids"]) == set(OVERVIEW)
    assert data.reads["tables"] == ["sources", "milestones", "glossary"]


def test_overview_draws_its_timeline_from_the_data_given(tmp_path):
    result = program_overview.analyse(load(tmp_path / "d", OVERVIEW, milestones=MILESTONES))
    fig, table = result.charts["01_milestones"].draw()
    # the five hand-made events, all of program scope, drawn by date
    assert list(table["milestone_id"]) == ["M01", "M02", "M12", "M14", "M16"]
    plt.close(fig)
