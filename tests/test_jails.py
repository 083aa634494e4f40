"""Jail share of ICE arrests before and after the return: numbers worked out by hand on a tiny table."""

from __future__ import annotations

import pandas as pd
import pytest

from scomm import jails as j

M = pd.Timestamp


def tiny() -> pd.DataFrame:
    """Dallas: before 8 arrests (3 CAP Local, 1 287(g)); after 12 (6 CAP Local, 2 287(g)).
    Houston: before 5 (none from jails); after 5 (all CAP Local). 2 arrests with no area, before.
    January 2017 (the month of the return) holds 100 CAP Local arrests that must not count."""
    rows = [
        ("2016-11-01", "DAL", "CAP Local Incarceration", 3),
        ("2016-11-01", "DAL", "287(g) Program", 1),
        ("2016-11-01", "DAL", "Located", 4),
        ("2016-11-01", "HOU", "Located", 5),
        ("2016-11-01", "not recorded", "Located", 2),
        ("2017-01-01", "DAL", "CAP Local Incarceration", 100),
        ("2017-03-01", "DAL", "CAP Local Incarceration", 6),
        ("2017-03-01", "DAL", "Non-Custodial Arrest", 2),
        ("2017-03-01", "HOU", "CAP Local Incarceration", 5),
        ("2017-04-01", "DAL", "287(g) Program", 2),
        ("2017-04-01", "DAL", "Located", 2),
    ]
    frame = pd.DataFrame(rows, columns=["month", "aor", "apprehension_method", "arrests"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["fiscal_year"] = 2017
    return frame


AORS = pd.DataFrame({"aor": ["DAL", "HOU"], "name": ["Dallas", "Houston"]})


@pytest.fixture
def span():
    return j.periods(tiny()["month"], "2017-01-25")


def test_periods_leave_out_the_month_of_the_return(span):
    assert span.before == (M("2016-11-01"),)
    assert span.excluded == (M("2017-01-01"),)
    assert span.after == (M("2017-03-01"), M("2017-04-01"))
    assert span.label("after") == "March 2017 to April 2017 (2 months)"
    # a return on the first of a month: that month is the first month after, nothing left out
    first = j.periods(tiny()["month"], "2017-01-01")
    assert first.excluded == () and first.after[0] == M("2017-01-01")
    # the window ends at the last complete month
    assert j.periods(tiny()["month"], "2017-01-25", "2017-03-01").after == (M("2017-03-01"),)


def test_jail_share_cap_local_by_hand(span):
    t = j.jail_shares(tiny(), span, "cap_local").set_index("aor")
    dal = t.loc["DAL"]
    assert (dal["arrests_before"], dal["jail_before"], dal["arrests_after"], dal["jail_after"]) == (8, 3, 12, 6)
    assert dal["share_before"] == 37.5  # 3 / 8
    assert dal["share_after"] == 50.0  # 6 / 12
    assert dal["change_points"] == 12.5
    hou = t.loc["HOU"]
    assert (hou["share_before"], hou["share_after"], hou["change_points"]) == (0.0, 100.0, 100.0)
    us = t.loc["US"]  # all arrests, the two with no area included; January left out
    assert (us["arrests_before"], us["jail_before"], us["arrests_after"], us["jail_after"]) == (15, 3, 17, 11)
    assert us["share_before"] == 20.0
    assert us["share_after"] == pytest.approx(100 * 11 / 17, abs=1e-12)
    assert t.loc["not recorded", "arrests_before"] == 2


def test_jail_share_with_287g_by_hand(span):
    dal = j.jail_shares(tiny(), span, "cap_local_287g").set_index("aor").loc["DAL"]
    assert (dal["jail_before"], dal["jail_after"]) == (4, 8)
    assert dal["share_before"] == 50.0  # (3 + 1) / 8
    assert dal["share_after"] == pytest.approx(200 / 3, abs=1e-12)  # (6 + 2) / 12
    assert dal["change_points"] == pytest.approx(50 / 3, abs=1e-12)


def test_area_table_and_largest_change(span):
    shares = j.area_shares(tiny(), span, AORS)
    assert set(shares["aor"]) == {"DAL", "HOU"}  # the nation and 'not recorded' are not areas
    assert shares[shares["definition"] == "cap_local"]["rank"].tolist() == [1, 2]
    top = j.largest_changes(shares, n=1)
    assert top["aor"].tolist() == ["HOU"] and top["name"].tolist() == ["Houston"]


def test_aor_summary_for_a_county(span):
    crosswalk = pd.DataFrame(
        {"geoid": ["48113", "48201"], "name": ["dallas county, texas", "harris county, texas"], "aor": ["DAL", "HOU"]}
    )
    files = pd.DataFrame({"event": ["arrests"], "last_date": [M("2017-04-30")]})
    s = j.aor_summary(48113, arrests=tiny(), files=files, crosswalk=crosswalk, aors=AORS)
    assert (s["county_fips"], s["aor"], s["aor_name"]) == ("48113", "DAL", "Dallas")
    assert (s["share_before"], s["share_after"], s["change_points"]) == (37.5, 50.0, 12.5)
    assert s["months_after"] == "March 2017 to April 2017 (2 months)"
    with_287g = j.aor_summary("48113", "cap_local_287g", arrests=tiny(), files=files, crosswalk=crosswalk, aors=AORS)
    assert with_287g["share_before"] == 50.0
    text = j.aor_summary_text(s)
    assert "Dallas (DAL)" in text and "37.5% in November 2016 to November 2016 (1 month)" in text
    assert "+12.5 percentage points; 3 of 8 and 6 of 12 arrests" in text
    with pytest.raises(KeyError, match="99999"):
        j.aor_summary("99999", arrests=tiny(), files=files, crosswalk=crosswalk, aors=AORS)


def test_last_complete_month():
    files = pd.DataFrame({"event": ["arrests", "removals"], "last_date": [M("2019-09-01"), M("2019-08-31")]})
    assert j.last_complete_month(files, "arrests") == M("2019-08-01")  # one day of September: not complete
    assert j.last_complete_month(files, "removals") == M("2019-08-01")


def test_monthly_groups_and_totals():
    arrests = pd.DataFrame(
        {
            "month": [M("2017-03-01")] * 3,
            "aor": ["DAL"] * 3,
            "apprehension_method": ["CAP State Incarceration", "CAP Federal Incarceration", "Boat Patrol"],
            "arrests": [2, 3, 1],
        }
    )
    out = j.monthly_by_method(arrests).set_index("method_group")["arrests"].to_dict()
    assert out == {"CAP State or Federal Incarceration": 5, "all other methods": 1}
    removals = pd.DataFrame({"month": [M("2017-03-01"), M("2017-04-01")], "aor": ["SNA", "SNA"], "removals": [7, 4]})
    totals = j.area_totals(arrests, removals, AORS).set_index("aor")
    assert totals.loc["SNA", "removals_share"] == 100.0 and totals.loc["DAL", "arrests_share"] == 100.0
    side = j.monthly_totals(arrests, removals)
    assert side[["arrests", "removals"]].values.tolist() == [[6, 7], [0, 4]]


def test_records_vs_published():
    files = pd.DataFrame(
        {
            "file": ["a", "b"],
            "event": ["arrests", "arrests"],
            "fiscal_year": [2018, 2019],
            "records": [100, 90],
            "first_date": [M("2017-10-01"), M("2018-10-01")],
            "last_date": [M("2018-09-30"), M("2019-08-31")],
        }
    )
    figures = pd.DataFrame(
        {
            "figure_id": ["ERO-004", "ERO-005"],
            "value": [100.0, 120.0],
            "source_id": ["S1", "S2"],
            "qualifier": ["exact", "exact"],
            "confidence": ["medium", "medium"],
        }
    )
    out = j.records_vs_published(files, figures, {("arrests", 2018): ["ERO-004"], ("arrests", 2019): ["ERO-005"]})
    assert out["difference"].tolist() == [0, -30]
    assert out["partial_year"].tolist() == [False, True]
    assert out["records_share"].tolist() == [100.0, 75.0]
