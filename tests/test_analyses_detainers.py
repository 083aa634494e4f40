"""Notebook 10's analysis (`scomm.analyses.detainers`) on hand-made derived tables (a few months, three
years, four counties, two ICE areas), every expected value worked out by hand (no kernel)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scomm.analyses import ANALYSES, detainers

ACTIVATIONS = """fips,county,state,activated,statewide,source_id
48201,Harris County,TX,2008-10-27,2012-02-15,S101 S102
06037,Los Angeles County,CA,2009-01-01,2010-06-30,S101 S102
06073,San Diego County,CA,2010-06-30,2010-06-30,S101 S102
48113,Dallas County,TX,2012-02-15,2012-02-15,S101 S102
"""
STATES = """state,state_fips,state_name,statewide,source_id
CA,06,California,2010-06-30,S101 S102
TX,48,Texas,2012-02-15,S101 S102
"""
# Counties active by each month's end: May 2010 2 of 4 (Harris, Los Angeles), June 2010 3 (San Diego on the
# 30th), Jan. 2012 3, Feb. 2012 4 (Dallas). June 2010 and Jan. 2012 tie at 300: the earlier is the peak. The
# rows are not in date order: the last whole month is Feb. 2012 by its date, not the last row.
MONTHLY = """month,calendar_year,fiscal_year,detainers,partial
2010-05-01,2010,2010,100,
2010-06-01,2010,2010,300,
2012-02-01,2012,2012,200,
2012-01-01,2012,2012,300,
2012-03-01,2012,2012,50,partial month: to 19 March 2012
"""
YEARLY = """year,detainers,monthly_sum,with_lift_reason,first_date,last_date,partial
2012,1000,1000,900,2012-01-01,2012-12-31,
2013,800,800,700,2013-01-01,2013-12-31,
2014,500,500,300,2014-01-01,2014-07-19,partial year: to 19 July 2014
"""
# Booked: 600/1000 = 60%, 440/800 = 55%, 350/500 = 70% (a partial year); declined: 1.0%, 5.0%, 1.0%.
OUTCOMES = """year,lift_reason,detainers,share_of_year,partial
2012,Booked into Detention,600,0.6,
2012,Detainer Declined by LEA,10,0.01,
2013,Booked into Detention,440,0.55,
2013,Detainer Declined by LEA,40,0.05,
2014,Booked into Detention,350,0.7,partial year: to 19 July 2014
2014,Detainer Declined by LEA,5,0.01,partial year: to 19 July 2014
"""
# Placed at named facilities: 6 of 8 in 2012 (75%), 32 of 36 in 2013; 2014 has no named facility. No place:
# 2 + 4 + 5 = 11 (2014: 5 of 5, 100%); not placed: 2 + 4 = 6. Most declines: 2013 (40).
PLACEMENT = """year,declined,no_place,at_named_facilities,placed,unplaced,share_placed,no_place_share,lift_reason_declined,partial
2012,10,2,8,6,2,0.75,0.2,10,
2013,40,4,36,32,4,0.888889,0.1,40,
2014,5,5,0,0,0,0,1.0,5,partial year: to 19 July 2014
"""
# 2013: Los Angeles 20 + 6 = 26 at two facilities, San Diego 6; 36 declines at named facilities.
DECLINES = """year,facility,city,state_printed,state,declined,other_lifted,fips,county,placed_by,partial
2012,LA JAIL A,LOS ANGELES,CALIFORNIA,CA,6,0,06037,Los Angeles County,crosswalk,
2013,LA JAIL A,LOS ANGELES,CALIFORNIA,CA,20,0,06037,Los Angeles County,crosswalk,
2013,LOS ANGELES COUNTY JAIL B,LOS ANGELES,CALIFORNIA,CA,6,0,06037,Los Angeles County,county in name,
2013,SD JAIL,SAN DIEGO,CALIFORNIA,CA,6,0,06073,San Diego County,ICE facility list,
2013,MYSTERY JAIL,NOWHERE,CALIFORNIA,CA,4,0,,,unplaced,
2013,OTHER-OTHER FACILITY,,,,4,0,,,no place,
"""
RECON_HEADER = "year,check,left_table,left,right_table,right,difference,agrees,note,partial\n"
MONTHLY_CHECK = "2012,monthly sum = yearly count,detainers_monthly,1000,detainers_yearly,{right},{d},{ok},,\n"
FACILITY_CHECK = (
    "2013,facility declines = 'Detainer Declined by LEA',detainer_declines_facility,36,detainer_outcomes_yearly,"
    "{right},{d},{ok},{note},\n"
)
# Los Angeles: the centre's 30 of 40 in FY2016 (75%), 20 of 40 in FY2017 (50%); all detainers 60 and 100, so
# the centre holds 50% and 20%. Over both years: Los Angeles 80 (30 without the centre), Atlanta 70.
ENCOUNTERS = """fiscal_year,month,aor,landmark,encounters,detainers,partial
2016,2015-10-01,LOS,SC INTEROPERABILITY LAFO,100,30,
2016,2015-10-01,LOS,other or none,100,10,
2016,2015-10-01,ATL,other or none,100,20,
2017,2016-10-01,LOS,SC INTEROPERABILITY LAFO,100,20,
2017,2016-10-01,LOS,other or none,100,20,
2017,2016-10-01,ATL,other or none,100,50,
2017,2016-10-01,not recorded,other or none,100,10,
"""
ENCOUNTER_FILES = """fiscal_year,file,encounters,detainers,sc_centre_encounters,first_date,last_date,sha256,status
2016,a.csv.gz,300,60,100,2015-10-01,2016-09-30,,complete
2017,b.csv.gz,400,100,100,2016-10-01,2017-09-30,,complete
"""
# Los Angeles was active (2009-01-01) on the roster's date, Dallas (2012-02-15) not; the state agency has no county.
ROSTER = """as_of,state,state_code,agency,model,date_signed_original,status,fips
2009-10-28,California,CA,Los Angeles County Sheriff's Office,Jail Enforcement,2005-02-01,signed,06037
2009-10-28,Texas,TX,Dallas County Sheriff's Office,Jail Enforcement,2008-06-25,signed,48113
2009-10-28,Texas,TX,Texas Department of Public Safety,Task Force,,signed,
"""
WAPO = """fips,fips_from,state,office,year
06037,the Post's panel,CALIFORNIA,Los Angeles County Sheriff's Office,2009
"""


def recon(monthly_right: int = 1000, facility_right: int = 37, note: str = "one decline has no facility") -> str:
    def row(template: str, right: int, left: int, **more: str) -> str:
        return template.format(right=right, d=right - left, ok=str(right == left), **more)

    return RECON_HEADER + row(MONTHLY_CHECK, monthly_right, 1000) + row(FACILITY_CHECK, facility_right, 36, note=note)


def detainer_data(tiny, tmp_path: Path, reconciliation: str | None = None):
    folder = tmp_path / "tiny"
    (folder / "derived").mkdir(parents=True, exist_ok=True)
    (folder / "activations.csv").write_text(ACTIVATIONS, encoding="utf-8")
    (folder / "states.csv").write_text(STATES, encoding="utf-8")
    derived = {
        "detainers_monthly": MONTHLY,
        "detainers_yearly": YEARLY,
        "detainer_outcomes_yearly": OUTCOMES,
        "detainer_declines_facility": DECLINES,
        "detainer_declines_placement": PLACEMENT,
        "detainer_reconciliation": reconciliation or recon(),
        "ice_encounters_monthly": ENCOUNTERS,
        "ice_encounter_files": ENCOUNTER_FILES,
        "agreements_287g_2009": ROSTER,
        "wapo_287g_sheriffs": WAPO,
    }
    for name, text in derived.items():
        (folder / "derived" / f"{name}.csv").write_text(text, encoding="utf-8")
    return tiny({"FUN-030": 1})  # no figure is read: the figures table only has to load


def test_peak_and_last_whole_month_worked_by_hand(tiny, tmp_path):
    data = detainer_data(tiny, tmp_path)
    result = detainers.analyse(data)
    assert result.numbers() == "detainers in the peak month: 300 detainers"
    assert result.findings["peak"].text() == (
        "Finding: ICE issued the most detainers to local agencies in June 2010: 300. Secure Communities was then"
        " active in 75% of the counties in ICE's list. In February 2012, the last whole month of the record, with the"
        " program active in 100% of counties, ICE issued 200."
    )
    months = detainers.monthly_table(data.table("detainers_monthly"), data.table("activations"))
    assert months["share_active"].tolist() == [50.0, 75.0, 100.0, 75.0, 100.0]  # 2, 3, 4, 3, 4 of 4 counties


def test_declines_by_year_and_county_worked_by_hand(tiny, tmp_path):
    result = detainers.analyse(detainer_data(tiny, tmp_path))
    assert result.findings["placed"].text() == (
        "Finding: in every year at least 75.0% of the declines at named facilities are placed in a county (lowest:"
        " 2012). 'OTHER-OTHER FACILITY' holds up to 100.0% of a year's declines (2014), 11 in all; 6 declines at"
        " named facilities are not placed."
    )
    assert result.tables["placement"]["percent_placed"].tolist() == pytest.approx([75.0, 88.8889, 0.0])
    top = result.tables["top_counties"]
    assert top["county"].tolist() == ["Los Angeles County", "San Diego County"]
    assert top["share_of_named"].tolist() == pytest.approx([26 / 36 * 100, 6 / 36 * 100])
    # only two counties placed in 2013: "the two counties", holding (26 + 6) / 36 = 88.9% -> 89%
    assert result.findings["top_counties"].text() == (
        "Finding: in 2013, the two counties with the most declined detainers held 89% of the year's declines at"
        " named facilities: Los Angeles County, CA (26); San Diego County, CA (6)."
    )


def test_outcomes_choose_the_highest_whole_year_and_the_peak_decline_year(tiny, tmp_path):
    data = detainer_data(tiny, tmp_path)
    result = detainers.analyse(data)
    # 2014 books the highest share (70%) but is partial: 2012 (60%) is the highest whole year; 2013 most declines
    assert result.findings["outcomes"].text() == (
        "Finding: the share of detainers that ended with the person booked into ICE detention was 60% in 2012 and"
        " 55% in 2013; the share declined by the local agency was 1.0% in 2012 and 5.0% in 2013. For the last"
        " years many detainers have no outcome in the record."
    )
    shares = detainers.outcome_percents(data.table("detainer_outcomes_yearly"), data.table("detainers_yearly"))
    assert shares.loc[2014, "Booked into Detention"] == 70.0 and shares.loc[2014, "partial"] != ""


def test_outcome_percents_count_a_missing_reason_as_none():
    outcomes = pd.DataFrame({"year": [2012.0], "lift_reason": ["Lifted"], "detainers": [3.0]})
    yearly = pd.DataFrame({"year": [2012.0, 2013.0], "detainers": [8.0, 5.0], "partial": [None, None]})
    shares = detainers.outcome_percents(outcomes, yearly)
    assert shares["Lifted"].tolist() == [37.5, 0.0]  # 3 / 8; no row for 2013
    assert shares["partial"].tolist() == ["", ""]


def test_roster_and_the_centre_worked_by_hand(tiny, tmp_path):
    result = detainers.analyse(detainer_data(tiny, tmp_path))
    assert result.findings["roster"].text().endswith(", 1 of 2 were in a county where Secure Communities was"
                                                     " already active on the roster's date.")  # fmt: skip
    share = result.tables["centre_share"]
    assert share["fiscal_year"].tolist() == ["FY2016", "FY2017"]
    assert share["centre_share_of_area"].tolist() == [75.0, 50.0] and share["centre_share_of_all"].tolist() == [
        50.0,
        20.0,
    ]
    assert result.findings["centre"].text() == (
        "Finding: the centre's encounters ending in a detainer made up 20% to 50% of all detainers in the encounter"
        " records, and 50% to 75% of those recorded under Los Angeles. Counted with the centre, the Los Angeles"
        " area ranks 1 of 2 areas by detainers; without it, 2."
    )


def test_the_cross_checks_sentence_fits_how_many_disagree(tiny, tmp_path):
    one = detainers.analyse(detainer_data(tiny, tmp_path)).findings["checks"].text()
    assert one == (
        "Finding: 1 of the 2 checks agree exactly. The one that does not is 2013: the facility table counts 36"
        " declined detainers and the outcome table 37; one decline has no facility."
    )
    agree = detainers.analyse(detainer_data(tiny, tmp_path, recon(facility_right=36, note="")))
    assert agree.findings["checks"].text() == "Finding: all 2 checks agree exactly."
    two = detainers.analyse(detainer_data(tiny, tmp_path, recon(monthly_right=1001)))
    assert two.findings["checks"].text() == (
        "Finding: 0 of the 2 checks agree exactly and 2 do not: 2012: the monthly table counts 1,000 detainers and"
        " the yearly table 1,001; 2013: the facility table counts 36 declined detainers and the outcome table 37"
        " (one decline has no facility)."
    )


def test_reads_and_charts(tiny, tmp_path):
    data = detainer_data(tiny, tmp_path)
    result = detainers.analyse(data)
    assert data.reads["figure_ids"] == [] and data.reads["tables"][:3] == ["sources", "milestones", "detainers_monthly"]
    assert len(data.reads["tables"]) == 13
    assert list(result.charts) == [
        "10_detainers_by_month",
        "10_declines_by_year",
        "10_declines_map",
        "10_detainer_outcomes",
        "10_287g_and_activation",
        "10_encounters_detainers",
    ]
    assert ANALYSES["10_detainers"] is detainers.analyse


MILESTONES_HAND = pd.DataFrame(  # the program's end and return, as in the bundled table (M12, M14)
    {
        "milestone_id": ["M12", "M14"],
        "date": ["2014-11-20", "2017-01-25"],
        "event": ["ended", "returned"],
        "source_id": ["S85", "S86"],
        "confidence": ["high", "high"],
    }
)


def test_the_287g_chart_counts_the_years_the_program_had_ended_apart(dataset):
    """County A (activated June 2010) with a 287(g) sheriff in 2009, 2012, 2015 and 2018; county B (never
    activated) in 2015. On Dec. 31, 2015 Secure Communities had ended (Nov. 2014 to Jan. 2017): A counts as
    activated but ended that year, never as active."""
    from matplotlib import pyplot as plt

    from scomm import detainer_charts as dc

    wapo = pd.DataFrame(
        {"fips": ["A", "A", "A", "A", "B"], "year": [2009, 2012, 2015, 2018, 2015], "office": list("abcde")}
    )
    activations = pd.DataFrame({"fips": ["A", "B"], "activated": ["2010-06-01", None], "source_id": ["S101", "S101"]})
    fig, table = dc.agreements_chart(wapo, activations, dataset.sources, MILESTONES_HAND)
    counts = table.set_index("year")[["with_secure_communities", "program_ended", "without_secure_communities"]]
    assert counts.to_dict("index") == {
        2009: {"with_secure_communities": 0, "program_ended": 0, "without_secure_communities": 1},
        2012: {"with_secure_communities": 1, "program_ended": 0, "without_secure_communities": 0},
        2015: {"with_secure_communities": 0, "program_ended": 1, "without_secure_communities": 1},
        2018: {"with_secure_communities": 1, "program_ended": 0, "without_secure_communities": 0},
    }
    assert set(table["source_id"].iloc[0].split()) >= {"S85", "S86"}  # the end and return are cited
    plt.close(fig)


def test_the_counties_active_line_stops_in_the_month_the_program_ended(dataset):
    """Months Oct. to Dec. 2014, the program ended on Nov. 20, 2014: only October has a share of counties active."""
    from matplotlib import pyplot as plt

    from scomm import detainer_charts as dc

    monthly = pd.DataFrame(
        {
            "month": ["2014-10-01", "2014-11-01", "2014-12-01"],
            "calendar_year": [2014] * 3,
            "fiscal_year": [2015] * 3,
            "detainers": [10, 20, 30],
            "partial": ["", "", ""],
        }
    )
    activations = pd.DataFrame(
        {"fips": ["A", "B"], "activated": ["2010-06-01", "2014-12-15"], "source_id": ["S101"] * 2}
    )
    fig, table = dc.monthly_chart(monthly, activations, MILESTONES_HAND, dataset.sources, ["M12"])
    assert table["share_active"].tolist()[0] == 50.0 and table["share_active"].iloc[1:].isna().all()
    plt.close(fig)
