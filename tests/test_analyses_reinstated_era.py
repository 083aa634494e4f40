"""Notebook 09's analysis (analyses.reinstated_era) on tiny hand-made record tables, values worked out by hand.

The bundled milestones put the program's return (M14) on 2017-01-25: December 2016 is the month before,
January 2017 is left out, February and March 2017 are the months after. The record files end on
2019-03-31, so March 2019 is the last complete month and April 2019 lies outside the window."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scomm import jails as j
from scomm.analyses import reinstated_era as era
from scomm.recording import RecordingDataset

LOCAL, G287, LOCATED = "CAP Local Incarceration", "287(g) Program", "Located"
ARRESTS = [  # month, area, method, arrests
    ("2016-12-01", "ATL", LOCAL, 10), ("2016-12-01", "ATL", LOCATED, 30),  # ATL before: 10 of 40 = 25%
    ("2016-12-01", "DAL", LOCAL, 20), ("2016-12-01", "DAL", G287, 10), ("2016-12-01", "DAL", LOCATED, 10),
    ("2017-01-01", "ATL", LOCAL, 1000),  # the month of the return: in no period
    ("2017-02-01", "ATL", LOCAL, 30), ("2017-02-01", "ATL", LOCATED, 10),  # ATL after: 60 of 80 = 75%
    ("2017-02-01", "DAL", LOCAL, 10), ("2017-02-01", "DAL", G287, 10), ("2017-02-01", "DAL", LOCATED, 20),
    ("2017-03-01", "ATL", LOCAL, 30), ("2017-03-01", "ATL", LOCATED, 10),
    ("2017-03-01", "DAL", LOCAL, 10), ("2017-03-01", "DAL", G287, 10), ("2017-03-01", "DAL", LOCATED, 20),
    ("2017-03-01", "HQ", LOCATED, 5), ("2017-03-01", "not recorded", LOCATED, 5),
    ("2019-04-01", "ATL", LOCATED, 7),  # after the last complete month
]  # fmt: skip
REMOVALS = [
    ("2016-12-01", "ATL", 5), ("2016-12-01", "DAL", 10),
    ("2017-02-01", "ATL", 5), ("2017-02-01", "DAL", 15), ("2017-02-01", "HQ", 5),
]  # fmt: skip
FILES = [  # event, fiscal year, records in the file, first and last date
    ("arrests", 2016, 100, "2015-10-01", "2016-09-30"),
    ("arrests", 2017, 200, "2016-10-01", "2017-09-30"),
    ("arrests", 2018, 300, "2017-10-01", "2018-09-30"),
    ("arrests", 2019, 50, "2018-10-01", "2019-03-31"),  # partial
    ("removals", 2016, 80, "2015-10-01", "2016-09-30"),
    ("removals", 2017, 160, "2016-10-01", "2017-09-30"),
    ("removals", 2018, 240, "2017-10-01", "2018-09-30"),
    ("removals", 2019, 40, "2018-10-01", "2019-02-28"),  # partial
]
PUBLISHED = {  # against the records: 0, 0 and 2 more records, 0, half; 0, 0, 0 and 5 fewer, a quarter
    "ERO-001": 100, "ERO-002": 200, "ERO-003": 198, "ERO-004": 300, "ERO-005": 100,
    "ERO-006": 80, "ERO-007": 160, "ERO-008": 240, "ERO-009": 245, "ERO-010": 160,
}  # fmt: skip


def fiscal_year(month: str) -> int:
    stamp = pd.Timestamp(month)
    return stamp.year + (stamp.month >= 10)


def write_records(folder: Path) -> None:
    """The five record tables the analysis reads, hand-made, in the folder layout of data/."""
    (folder / "derived").mkdir(parents=True, exist_ok=True)
    (folder / "raw" / "ice_enforcement").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        [(fiscal_year(m), m, a, method, n) for m, a, method, n in ARRESTS],
        columns=["fiscal_year", "month", "aor", "apprehension_method", "arrests"],
    ).to_csv(folder / "derived" / "ice_arrests_monthly.csv", index=False)
    pd.DataFrame(
        [(fiscal_year(m), m, a, n) for m, a, n in REMOVALS], columns=["fiscal_year", "month", "aor", "removals"]
    ).to_csv(folder / "derived" / "ice_removals_monthly.csv", index=False)
    pd.DataFrame(
        [(f"{e}_FY{y}.csv.gz", e, y, n, first, last, "0" * 64) for e, y, n, first, last in FILES],
        columns=["file", "event", "fiscal_year", "records", "first_date", "last_date", "sha256"],
    ).to_csv(folder / "derived" / "ice_record_files.csv", index=False)
    pd.DataFrame({"aor": ["ATL", "DAL", "HQ"], "name": ["Atlanta", "Dallas", "HQ"]}).to_csv(
        folder / "ice_aors.csv", index=False
    )
    pd.DataFrame(
        {
            "geoid": ["48113", "13121"],
            "geoid_state": ["48", "13"],
            "geoid_county": ["113", "121"],
            "name": ["dallas county, texas", "fulton county, georgia"],
            "aor": ["DAL", "ATL"],
        }
    ).to_csv(folder / "raw" / "ice_enforcement" / "county_aor.csv", index=False)


@pytest.fixture
def data(tiny, tmp_path: Path) -> RecordingDataset:
    """The published totals (the `tiny` fixture writes them to tmp_path/tiny) and the record tables beside them."""
    data = tiny(PUBLISHED)
    write_records(tmp_path / "tiny")
    return data


def test_records_and_published_totals_worked_by_hand(data):
    result = era.analyse(data)
    text = result.findings["records"].text()
    # arrests: 40 + 40 + 1000 + 80 + 90 + 7 = 1257; removals 15 + 25 = 40
    assert "holds 1,257 arrest records and 40 removal records" in text
    assert "arrests run to 2019-03-31 and removals to 2019-02-28" in text
    assert "5 arrests have no area of responsibility recorded" in text and "and 5 are recorded at headquarters" in text
    assert list(result.tables["records"]["fiscal_year"][:2]) == ["FY2016", "FY2017"]
    published = result.tables["published"]
    assert list(published["difference"]) == [0, 0, 2, 0, -50, 0, 0, 0, -5, -120]
    # complete years: 8 totals, 6 equal, 2 differ by at most 5; partial: 50 / 100 and 40 / 160
    text = result.findings["published"].text()
    assert "6 of the 8 published totals equal the number of records exactly; the other 2 differ by at most 5" in text
    assert "the records hold 25.0% to 50.0% of the whole-year totals" in text


def test_monthly_pickups_and_national_shares_worked_by_hand(data):
    result = era.analyse(data)
    q = result.quantities
    before, after = result.keys("monthly")
    assert q[before].value == pytest.approx(30)  # December 2016: 10 + 20 CAP Local
    assert q[after].value == pytest.approx(40)  # February and March 2017: 40 each
    text = result.findings["monthly"].text()
    assert "an average of 30 people a month from local jails in December 2016 to December 2016 (1 month)" in text
    assert "and 40 a month in February 2017 to March 2017 (2 months), after Secure Communities returned on" in text
    assert "Jan. 25, 2017: a third more. January 2017 is left out." in text  # 40 / 30 - 1
    shares = [q[k].value for k in result.keys("national")]
    assert shares == pytest.approx(
        [
            30 / 80 * 100,  # before: 30 CAP Local of 80 arrests
            80 / 170 * 100,  # after: 80 of 80 + 90 (HQ and 'not recorded' counted nationally)
            80 / 170 * 100 - 30 / 80 * 100,
            40 / 80 * 100,  # with 287(g): 40 of 80
            100 / 170 * 100,  # 100 of 170
            100 / 170 * 100 - 40 / 80 * 100,
        ]
    )
    assert "nationally, 37.5% of ICE's arrests" in result.findings["national"].text()
    assert "Counting 287(g) arrests as well: 50.0% and 58.8% (+8.8 percentage points)" in (
        result.findings["national"].text()
    )


def test_areas_removals_and_the_county_worked_by_hand(data):
    result = era.analyse(data)
    top = result.tables["largest_changes"]
    assert list(top["aor"]) == ["ATL", "DAL"]  # +50 points, then -25
    text = result.findings["areas"].text()
    assert "rose by more than 2 points in 1 of 2 areas and fell by more than 2 in 1" in text
    assert "The three largest changes: Atlanta (25.0% to 75.0%); Dallas (50.0% to 25.0%)" in text
    assert "the three largest are Atlanta (25.0% to 75.0%); Dallas (75.0% to 50.0%)" in text  # 30/40, 40/80
    # most removal records: Dallas, 25 of 40; its arrests 120 of 1257
    text = result.findings["removal_areas"].text()
    assert "(0 blank); all but 5 name a field office" in text
    assert f"Dallas holds 62.5% of removal records but {120 / 1257 * 100:.1f}% of arrest records" in text
    text = result.findings["county"].text()
    assert text.startswith("Finding: Dallas County, Texas lies in ICE's Dallas area (DAL)")
    assert "there, 50.0% of arrests were CAP Local pickups in December 2016 to December 2016 (1 month)" in text
    assert "and 25.0% in February 2017 to March 2017 (2 months)" in text
    window = result.findings["window"].text()
    assert "ends with March 2019, the last complete month; 7 arrest records dated after it" in window


def test_the_return_date_is_read_from_the_milestones(data):
    milestones = data.milestones
    assert j.return_date(milestones) == pd.Timestamp("2017-01-25")
    with pytest.raises(KeyError, match="milestone M14"):
        j.return_date(milestones[milestones["milestone_id"] != j.RETURN_MILESTONE])


def test_charts_and_reads(data):
    result = era.analyse(data)
    assert list(result.charts) == [
        "09_records_vs_published",
        "09_arrests_by_method",
        "09_jail_share_by_area",
        "09_jail_share_map",
        "09_arrests_and_removals",
        "09_records_by_area",
    ]
    _, table = result.charts["09_records_by_area"].draw()
    assert table.set_index("aor").loc["DAL", "removals"] == 25
    assert set(data.reads["figure_ids"]) == set(PUBLISHED)
    assert data.reads["tables"][:2] == ["sources", "milestones"]
    assert {"ice_arrests_monthly", "ice_removals_monthly", "ice_record_files", "ice_aors", "ice_county_aor"} <= set(
        data.reads["tables"]
    )
