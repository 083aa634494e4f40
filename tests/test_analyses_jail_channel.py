"""Notebook 12's analysis (`analyses.jail_channel`) called as a function on hand-made record tables, no kernel,
with values worked out by hand; and the return of Secure Communities dated by the milestones table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from scomm import jails as j
from scomm.analyses import ANALYSES, jail_channel
from scomm.recording import RecordingDataset

CAP, LOC = "CAP Local Incarceration", "Located"
BEFORE = ["2016-07-01", "2016-08-01", "2016-09-01", "2016-10-01", "2016-11-01", "2016-12-01"]
RETURN_MONTH = "2017-01-01"  # Secure Communities returned on 25 January 2017 (M14): this month is left out
AFTER = ["2017-02-01", "2017-03-01", "2017-04-01", "2017-05-01", "2017-06-01"]
# Jail arrests (CAP Local Incarceration) of 10 a month in each area, alternating month to month:
# Seattle 1, 3, 1, 3, 1, 3 before (mean 2: 20%) and 3, 5, 3, 5, 4 after (mean 4: 40%);
# Atlanta 4, 6, 4, 6, 4, 6 before (50%) and 2, 4, 2, 4, 3 after (30%); the rest of the 10 'Located'.
# Headquarters: 10 jail arrests a month after the return only. The month of the return: 10 of 10 in Seattle.
SEA_JAIL = {"before": [1, 3, 1, 3, 1, 3], "return": [10], "after": [3, 5, 3, 5, 4]}
ATL_JAIL = {"before": [4, 6, 4, 6, 4, 6], "return": [5], "after": [2, 4, 2, 4, 3]}


def fy(month: str) -> int:
    stamp = pd.Timestamp(month)
    return stamp.year + (stamp.month >= 10)


def arrests_table() -> pd.DataFrame:
    rows = []
    for part, months in (("before", BEFORE), ("return", [RETURN_MONTH]), ("after", AFTER)):
        for i, month in enumerate(months):
            counts = {
                ("SEA", CAP): SEA_JAIL[part][i],
                ("SEA", LOC): 10 - SEA_JAIL[part][i],
                ("ATL", CAP): ATL_JAIL[part][i],
                ("ATL", LOC): 10 - ATL_JAIL[part][i],
                ("HQ", CAP): 10 if part == "after" else 0,
            }
            for (aor, method), n in counts.items():
                if n:
                    rows.append(
                        {
                            "fiscal_year": fy(month),
                            "month": month,
                            "aor": aor,
                            "apprehension_method": method,
                            "arrests": n,
                        }
                    )
    return pd.DataFrame(rows)


def write(folder: Path) -> None:
    """The tables notebook 12 reads, hand-made, into a data folder (derived/ for the record tables)."""
    (folder / "derived").mkdir(exist_ok=True)
    arrests = arrests_table()
    arrests.to_csv(folder / "derived" / "ice_arrests_monthly.csv", index=False)
    months = BEFORE + [RETURN_MONTH] + AFTER
    removals = pd.DataFrame(
        [{"fiscal_year": fy(m), "month": m, "aor": a, "removals": 1} for m in months for a in ("ATL", "SEA")]
    )
    removals.to_csv(folder / "derived" / "ice_removals_monthly.csv", index=False)
    files = pd.DataFrame(
        [
            # FY2016 whole (to 30 September), FY2017 only to 30 June: a partial year
            ("arrests_2016.csv", "arrests", 2016, 60, "2015-10-01", "2016-09-30"),
            ("arrests_2017.csv", "arrests", 2017, 230, "2016-10-01", "2017-06-30"),
            ("removals_2016.csv", "removals", 2016, 6, "2015-10-01", "2016-09-30"),
            ("removals_2017.csv", "removals", 2017, 18, "2016-10-01", "2017-06-30"),
        ],
        columns=["file", "event", "fiscal_year", "records", "first_date", "last_date"],
    ).assign(sha256="0" * 64)
    files.to_csv(folder / "derived" / "ice_record_files.csv", index=False)
    seattle = pd.DataFrame(
        [
            (2013, "2013-01-01", CAP, 8),  # FY2013: 8 of 10 from jails
            (2013, "2013-01-01", LOC, 2),
            (2015, "2015-01-01", CAP, 3),  # FY2015: 3 of 10
            (2015, "2015-01-01", LOC, 7),
            (2016, "2016-03-01", LOC, 30),  # FY2016: 30, as many as the national files count for SEA
        ],
        columns=["fiscal_year", "month", "arrest_method", "arrests"],
    ).assign(source_id="S354")
    seattle.to_csv(folder / "derived" / "seattle_arrests_monthly.csv", index=False)
    summary = pd.DataFrame(
        [("arrests", y, "false", "Total", total) for y, total in ((2013, 10), (2015, 10), (2016, 31))],
        columns=["table", "fiscal_year", "partial_year", "column", "total"],
    ).assign(source_id="S354")
    summary.to_csv(folder / "derived" / "seattle_summary.csv", index=False)
    pd.DataFrame({"aor": ["ATL", "SEA"], "name": ["Atlanta", "Seattle"]}).to_csv(folder / "ice_aors.csv", index=False)
    population = pd.DataFrame(
        [("SEA", y, 100_000, 16_450) for y in (2016, 2017)] + [("ATL", y, 200_000, 40_000) for y in (2016, 2017)],
        columns=["aor", "year", "noncitizens", "noncitizens_moe"],
    ).assign(source_id="S358")
    population.to_csv(folder / "aor_noncitizens.csv", index=False)


@pytest.fixture
def records(tiny, tmp_path: Path) -> RecordingDataset:
    data = tiny({"FUN-025": 1})
    write(tmp_path / "tiny")
    return data


def with_milestone(data: RecordingDataset, milestone_id: str, date: str) -> RecordingDataset:
    """The same data with one milestone moved to another date."""
    events = data.dataset.milestones.copy()
    events.loc[events["milestone_id"] == milestone_id, "date"] = pd.Timestamp(date)
    return RecordingDataset(dataclasses.replace(data.dataset, milestones=events), data.label, data.who)


def test_seattle_production_against_the_totals_and_the_national_files(records):
    result = jail_channel.analyse(records)
    printed = result.tables["summary_vs_records"].set_index("fiscal_year")
    assert printed["verdict"].to_dict() == {"FY2013": "reproduces", "FY2015": "reproduces", "FY2016": "diverges"}
    assert printed.loc["FY2016", "difference"] == -1  # 30 records, 31 printed
    # the only year both releases cover whole: FY2016 (Seattle's FY2013-2016 are whole, the national FY2017 is not)
    both = result.tables["national_comparison"]
    assert both["fiscal_year"].tolist() == ["FY2016"] and both["difference"].tolist() == [0]
    text = result.findings["reconciliation"].text()
    assert "in 2 of 3 fiscal years" in text and "for FY2016 to FY2016" in text and "in 1 of 1 years" in text


def test_seattle_jail_shares_either_side_of_the_oregon_ruling(records):
    result = jail_channel.analyse(records)
    # the Oregon ruling (M24, 11 April 2014) fell in FY2014: the years either side are FY2013 and FY2015
    assert result.keys("seattle") == [
        "Seattle area jail share of arrests, FY2013",
        "Seattle area jail share of arrests, FY2015",
    ]
    assert result.quantities["Seattle area jail share of arrests, FY2013"].value == pytest.approx(80.0)  # 8 / 10
    assert result.quantities["Seattle area jail share of arrests, FY2015"].value == pytest.approx(30.0)  # 3 / 10
    text = result.findings["seattle"].text()
    assert "80.0% of ICE's arrests in FY2013 (8 of 10)" in text and "30.0% in FY2015 (3 of 10)" in text
    assert "(April 11, 2014)" in text and "(Nov. 20, 2014)" in text  # M24 and M12, from the milestones table


def test_the_reinstated_era_models_by_hand(records):
    result = jail_channel.analyse(records)
    # nationally, jail arrests of all arrests: before 5, 9, 5, 9, 5, 9 of 20 (25%, 45%, ...; t = 0..5);
    # after 15, 19, 15, 19, 17 of 30 (50%, 63.3%, 50%, 63.3%, 56.7%; t = 7..11, January left out).
    # The segmented regression fits a line to each side. Before: mean 35 at t = 2.5, slope
    # sum(dt * dy) / sum(dt^2) = 30 / 17.5 = 12/7, so 35 + 12/7 * 4.5 = 299/7 at t = 7. After: mean 170/3 at
    # t = 9, slope (40/3) / 10 = 4/3, so 170/3 - 8/3 = 54 at t = 7. Level change 54 - 299/7 = 79/7 points;
    # slope change 4/3 - 12/7 = -8/21 points a month.
    level = result.quantities["US jail share: change in level at the return (segmented regression)"]
    assert level.value == pytest.approx(79 / 7)
    assert result.tables["national_segments"].loc["slope", "estimate"] == pytest.approx(-8 / 21)
    areas = result.tables["area_changes"].set_index("aor")
    assert areas.loc["SEA", ["mean_before", "mean_after"]].tolist() == pytest.approx([20.0, 40.0])
    assert areas.loc["SEA", "estimate"] == pytest.approx(20.0)  # 40% - 20%
    assert areas.loc["ATL", "estimate"] == pytest.approx(-20.0)  # 30% - 50%
    assert areas["verdict"].to_dict() == {"SEA": "rose", "ATL": "fell"}  # sorted by change, largest first
    assert (areas.loc["SEA", "months_before"], areas.loc["SEA", "months_after"]) == (
        "July 2016 to December 2016 (6 months)",
        "February 2017 to June 2017 (5 months)",
    )
    text = result.findings["areas"].text()
    assert "rose by more than its uncertainty in 1 of 2 areas and fell by more than it in 1" in text
    assert "in the other 0" in text and "it rose in 1 areas; 0 of those" in text


def test_the_return_date_is_read_from_the_milestones(records):
    moved = with_milestone(records, j.RETURN_MILESTONE, "2016-11-10")
    areas = jail_channel.analyse(moved).tables["area_changes"].set_index("aor")
    # the return in November 2016: July-October before, November left out, December-June after
    assert areas.loc["SEA", "months_before"] == "July 2016 to October 2016 (4 months)"
    assert areas.loc["SEA", "months_after"] == "December 2016 to June 2017 (7 months)"
    # Seattle after: December 30%, January (the old month of the return) 100%, then February-June 40% on average
    assert areas.loc["SEA", "mean_after"] == pytest.approx((30 + 100 + 5 * 40) / 7)
    assert j.return_date(moved.milestones) == pd.Timestamp("2016-11-10")


def test_arrest_rates_per_10000_noncitizens(records):
    result = jail_channel.analyse(records)
    rates = result.tables["rates"].set_index("aor")
    # FY2016 is the last whole year; 30 arrests in each area
    assert set(rates["fiscal_year"]) == {2016}
    assert rates.loc["SEA", "rate"] == pytest.approx(3.0)  # 10,000 * 30 / 100,000
    assert rates.loc["SEA", "rate_moe"] == pytest.approx(0.4935)  # 3.0 * 16,450 / 100,000
    assert rates.loc["ATL", "rate"] == pytest.approx(1.5)  # 10,000 * 30 / 200,000
    assert rates.loc["ATL", "rate_moe"] == pytest.approx(0.3)  # 1.5 * 40,000 / 200,000
    assert rates.loc["SEA", "source_id"] == "S201 S358"  # the records and the population table's own source
    text = result.findings["rates"].text()
    assert "arrested 3.0 people per 10,000 non-citizen residents in the Seattle area (margin of error 0.5)" in text
    assert "1.5 in the Atlanta area (0.3)" in text and "is 0.5 per 10,000" in text


def test_registered_and_reads_recorded(records):
    assert ANALYSES["12_jail_channel"] is jail_channel.analyse
    result = jail_channel.analyse(records)
    assert records.reads["tables"] == [
        "sources", "milestones", "seattle_arrests_monthly", "seattle_summary", "ice_arrests_monthly",
        "ice_record_files", "ice_aors", "aor_noncitizens", "ice_removals_monthly",
    ]  # fmt: skip
    assert list(result.charts) == ["12_seattle_arrests", "12_jail_share_change"]


def test_fiscal_years_around_a_day():
    assert jail_channel.fiscal_year(pd.Timestamp("2014-09-30")) == 2014
    assert jail_channel.fiscal_year(pd.Timestamp("2014-10-01")) == 2015  # October starts the next year's
    assert jail_channel.years_around(pd.Timestamp("2014-04-11")) == (2013, 2015)


def test_a_missing_return_milestone_says_which():
    events = pd.DataFrame({"milestone_id": ["M12"], "date": [pd.Timestamp("2014-11-20")]})
    with pytest.raises(KeyError, match="milestone M14"):
        j.return_date(events)


def test_the_charts_draw_what_the_analysis_computed(records):
    import matplotlib.pyplot as plt

    from scomm import charts

    result = jail_channel.analyse(records)
    fig, table = result.charts["12_jail_share_change"].draw()
    plt.close(fig)
    drawn = table.set_index("aor")["estimate"]
    assert drawn["SEA"] == pytest.approx(20.0) and drawn["ATL"] == pytest.approx(-20.0)
    fig, table = result.charts["12_seattle_arrests"].draw()
    title = charts.describe(fig, table)["title"]
    plt.close(fig)
    # the years either side of the Oregon ruling, as the finding: 80% (8 of 10) and 30% (3 of 10); FY2016 0%
    assert "fell from 80.0% in FY2013 to 30.0% in FY2015, and was no higher than 0.0% in any later year" in title


def test_a_countys_area_summary_dates_the_return_by_the_milestones():
    arrests = arrests_table().assign(month=lambda f: pd.to_datetime(f["month"]))
    files = pd.DataFrame(
        {"event": ["arrests"], "fiscal_year": [2017], "records": [230], "last_date": [pd.Timestamp("2017-06-30")]}
    )
    crosswalk = pd.DataFrame({"geoid": ["53033"], "aor": ["SEA"], "name": ["King County, WA"]})
    aors = pd.DataFrame({"aor": ["SEA"], "name": ["Seattle"]})
    events = pd.DataFrame({"milestone_id": ["M14"], "date": [pd.Timestamp("2017-01-25")]})
    s = j.aor_summary("53033", milestones=events, arrests=arrests, files=files, crosswalk=crosswalk, aors=aors)
    # Seattle: 12 jail arrests of 60 in July-December 2016 (20%), 20 of 50 in February-June 2017 (40%)
    assert (s["jail_before"], s["arrests_before"], s["jail_after"], s["arrests_after"]) == (12, 60, 20, 50)
    assert s["change_points"] == pytest.approx(20.0)
    moved = events.assign(date=pd.Timestamp("2016-10-01"))  # on the first of a month: October is after
    s = j.aor_summary("53033", milestones=moved, arrests=arrests, files=files, crosswalk=crosswalk, aors=aors)
    assert s["months_before"] == "July 2016 to September 2016 (3 months)"
    assert (s["jail_before"], s["arrests_before"]) == (5, 30)  # 1 + 3 + 1 of 30
