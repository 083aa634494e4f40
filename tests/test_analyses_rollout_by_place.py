"""Notebook 08's analysis (`scomm.analyses.rollout_by_place`) on a hand-made list of six counties in two
states and DC and a few published counts, every expected value worked out by hand (no kernel)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scomm.analyses import ANALYSES, rollout_by_place

# Six counties. FY2009 runs Oct. 2008 - Sept. 2009, FY2011 Oct. 2010 - Sept. 2011.
ACTIVATIONS = """fips,county,state,activated,statewide,source_id
48201,Harris County,TX,2008-10-27,2010-10-05,S101 S102
48113,Dallas County,TX,2008-11-12,2010-10-05,S101 S102
06037,Los Angeles County,CA,2009-03-01,2009-04-30,S101 S102
11001,District of Columbia,DC,2009-03-01,2009-03-01,S101 S102
06073,San Diego County,CA,2009-04-30,2009-04-30,S101 S102
48029,Bexar County,TX,2010-10-05,2010-10-05,S101 S102
"""
STATES = """state,state_fips,state_name,statewide,source_id
CA,06,California,2009-04-30,S101 S102
DC,11,District of Columbia,2009-03-01,S101 S102
TX,48,Texas,2010-10-05,S101 S102
"""
PLACES = """geography,place_code,place_type,members,notes
US,US,nation,,
Texas,TX,state,,
"Harris County, TX",48201,county,,
"Dallas County, TX",48113,county,,
US southwest border,us-southwest-border,group,,the source does not list them
"""
# Published counts (value as printed), each against the list on its date:
PUBLISHED = {
    "ROL-001": 1,  # Harris County, 2008-10-29 (day): the list has 1 there -> agrees
    "ROL-003": 3,  # US, 2008 (year): the list has 0 to 2 over 2008 -> 1 short, beyond 5% of 3 -> disagrees
    "ROL-005": 7,  # US, 2009-07-13 (day): the list has 5 -> disagrees; the list never reaches 7
    "ROL-006": 2,  # Texas, 2009-07-13: Harris and Dallas -> agrees
    "ROL-011": 3,  # US states, 2010 (year): TX, CA, DC all year -> agrees
    "ROL-016": 25,  # the southwest border: a group the list cannot count -> not comparable
    "ROL-033": 4,  # US states, Aug. 2011 (month): 3 -> disagrees (no tolerance for states)
    "STA-015": 100,  # a figure about Dallas County, for its profile
}


def rollout_data(tiny, tmp_path: Path, activations: str = ACTIVATIONS):
    folder = tmp_path / "tiny"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "activations.csv").write_text(activations, encoding="utf-8")
    (folder / "states.csv").write_text(STATES, encoding="utf-8")
    (folder / "places.csv").write_text(PLACES, encoding="utf-8")
    header = "list_fips,list_name,map_fips,change,effective,note,source_id,locator\n"
    (folder / "county_changes.csv").write_text(header, encoding="utf-8")
    return tiny(PUBLISHED)


def test_the_list_by_date_and_fiscal_year_worked_by_hand(tiny, tmp_path):
    result = rollout_by_place.analyse(rollout_data(tiny, tmp_path))
    # first Harris 2008-10-27, last Bexar 2010-10-05: 708 days = 1.94 years -> "about 2"; 2 states besides DC
    assert result.findings["list"].text() == (
        "Finding: ICE's list dates the program in 6 counties and county equivalents of 2 states and DC. The first"
        " was Harris County, TX on Oct. 27, 2008; the last 1 joined on Oct. 5, 2010, about 2 years later."
    )
    fy = result.tables["fiscal_years"]
    # FY2009: Harris, Dallas, Los Angeles, DC, San Diego = 5 of 6 (83.3%); none in FY2010; FY2011: 6 (100%)
    assert fy["fiscal_year"].tolist() == [2009, 2011] and fy["active"].tolist() == [5, 6]
    assert fy["percent"].tolist() == pytest.approx([5 / 6 * 100, 100.0])
    text = result.findings["fiscal_years"].text()
    assert "fiscal year: FY2009 5 (83.3%) and FY2011 6 (100.0%)." in text
    assert text.endswith("The largest single day was 01 March 2009, with 2 counties.")  # Los Angeles and DC


def test_published_counts_against_the_list_worked_by_hand(tiny, tmp_path):
    data = rollout_data(tiny, tmp_path)
    result = rollout_by_place.analyse(data)
    q = result.quantities
    assert result.keys("flagged") == [
        "list minus published, ROL-003",
        "list minus published, ROL-005",
        "list minus published, ROL-033",
    ]
    # the list's count nearest each published one, minus it: 2 - 3, 5 - 7, 3 - 4
    assert [q[k].value for k in result.keys("flagged")] == [-1, -2, -1]
    assert q["list minus published, ROL-033"].unit == "states"
    assert q["list minus published, ROL-005"].figure_ids == ("ROL-005",)
    assert result.findings["reconciliation"].text() == (
        "Finding: with a tolerance of 5% of the published value for jurisdictions and none for states, 3 of the 6"
        " published counts that can be compared agree with the list and 3 do not:"
        " ROL-003 (US, 2008-12-31): published 3, list 0 to 2; the list reaches the published value on 2009-03-01;"
        " ROL-005 (US, 2009-07-13): published 7, list 5;"
        " ROL-033 (US, 2011-08-01): published 4, list 3."
    )
    # the two counts dated only to a year, with the day the list first reaches them (the 3rd county, 3rd state)
    assert result.findings["undated"].text() == (
        "Finding: counts that their sources date only to a year can be dated by the list, which first reaches"
        " each printed value on: ROL-003 (3) 2009-03-01 and ROL-011 (3) 2009-03-01."
    )
    rec = result.tables["reconciliation"]
    assert rec.loc[rec["figure_id"] == "ROL-016", "list_count"].isna().all()  # the group is not compared
    assert data.reads["figure_ids"] == ["ROL-003", "ROL-005", "ROL-033"]
    assert data.reads["tables"] == ["sources", "activations", "states", "places", "county_changes"]


def test_nearest_listed_count_is_the_side_the_published_count_lies_beyond():
    row = pd.Series({"list_low": 10.0, "list_high": 20.0, "gap": -5.0})
    assert rollout_by_place.nearest_listed(row) == 20.0  # published 25, above the range
    above = pd.Series({"list_low": 10.0, "list_high": 20.0, "gap": 4.0})
    assert rollout_by_place.nearest_listed(above) == 10.0  # published 6, below the range


def test_state_spans_and_the_place_profile_worked_by_hand(tiny, tmp_path):
    result = rollout_by_place.analyse(rollout_data(tiny, tmp_path))
    spans = result.tables["spans"].set_index("state")["days"]
    assert spans.to_dict() == {"TX": 708, "CA": 60, "DC": 0}  # 2008-10-27..2010-10-05; 2009-03-01..04-30
    assert result.findings["spans"].text() == (
        "Finding: from the first county to the last, the median across the states and DC was 60 days; 1 of the 2"
        " states and DC were covered in a single day, and Texas took longest, 708 days (October 2008 to October"
        " 2010)."
    )
    profile = result.texts["place"]
    assert profile.startswith("Dallas County, TX (FIPS 48113)\n  Activated:  2008-11-12 (fiscal year 2009)")
    assert "Statewide:  2010-10-05 in Texas (692 days later)" in profile  # 2008-11-12 + 730 days - 38
    assert "2nd of 6 counties in the list; 2nd of 3 in Texas, where 2 of 3 counties (66.7%)" in profile
    assert "Figures about Dallas County, TX (1):\n  STA-015" in profile
    assert list(result.charts) == ["08_county_map", "08_state_spans", "08_dallas_county_rollout"]


def test_a_list_without_the_profiled_county_says_so(tiny, tmp_path):
    without_dallas = "\n".join(line for line in ACTIVATIONS.splitlines() if not line.startswith("48113")) + "\n"
    data = rollout_data(tiny, tmp_path, without_dallas)
    places = tmp_path / "tiny" / "places.csv"
    places.write_text("".join(ln for ln in places.read_text().splitlines(True) if "48113" not in ln), encoding="utf-8")
    with pytest.raises(ValueError, match="the place profiled, Dallas County, TX, is not in the activation list"):
        rollout_by_place.analyse(data)


def test_the_analysis_is_registered_for_its_notebook():
    assert ANALYSES["08_rollout_by_place"] is rollout_by_place.analyse
