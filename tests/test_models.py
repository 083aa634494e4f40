"""The models of notebooks 11 and 12: each estimator recovers known parameters from simulated data within
its interval; hand-worked values for the small helpers; the county join and the Seattle reconciliation."""

from __future__ import annotations

import gzip
import hashlib
import io

import numpy as np
import pandas as pd
import pytest

from scomm import activation_models as am
from scomm import county_table as ct
from scomm import its, rates
from scomm import seattle as sea
from scomm.paths import DATA_DIR

# ---------------------------------------------------------------- survival models on simulated data


def _exponential(rng, rate):
    return rng.exponential(1 / np.asarray(rate, float))


def test_cox_recovers_a_known_hazard_ratio():
    rng = np.random.default_rng(1)
    n, beta = 1500, np.log(1.5)  # enough: the interval, 1.45 to 1.62, holds 1.5 and is 0.17 wide
    x = rng.normal(size=n)
    frame = pd.DataFrame({"days": _exponential(rng, 0.01 * np.exp(beta * x)), "event": 1, "x": x})
    rows = am.hazard_ratios(am.cox(frame, ["x"]), ["x"], model="test", n=n)
    assert rows.loc[0, "low"] < 1.5 < rows.loc[0, "high"]
    assert rows.loc[0, "high"] - rows.loc[0, "low"] < 0.2  # the interval is informative, not just wide


def test_stratified_cox_recovers_the_ratio_when_baselines_differ_by_stratum():
    rng = np.random.default_rng(2)
    n = 1000  # enough: the stratified interval holds 0.7 (0.67 to 0.76), the pooled one is far from it
    stratum = rng.integers(0, 5, size=n)
    baseline = np.array([0.002, 0.01, 0.05, 0.2, 1.0])[stratum]
    x = rng.normal(size=n) + stratum  # the covariate is confounded with the stratum
    frame = pd.DataFrame(
        {"days": _exponential(rng, baseline * np.exp(np.log(0.7) * x)), "event": 1, "x": x, "state": stratum}
    )
    strat = am.hazard_ratios(am.cox(frame, ["x"], strata="state"), ["x"], model="strata", n=n)
    pooled = am.hazard_ratios(am.cox(frame, ["x"]), ["x"], model="pooled", n=n)
    assert strat.loc[0, "low"] < 0.7 < strat.loc[0, "high"]
    assert not pooled.loc[0, "low"] < 0.7 < pooled.loc[0, "high"]  # ignoring the strata misleads here


def test_kaplan_meier_median_interval_holds_the_true_median():
    rng = np.random.default_rng(3)
    rate = np.where(np.arange(2000) < 1000, 0.01, 0.002)
    groups = np.where(rate == 0.01, "fast", "slow")
    med = am.median_times(_exponential(rng, rate), np.ones(2000), groups).set_index("group")
    for group, lam in (("fast", 0.01), ("slow", 0.002)):
        assert med.loc[group, "low_days"] < np.log(2) / lam < med.loc[group, "high_days"]


def test_kaplan_meier_curve_by_hand():
    curves = am.kaplan_meier([1, 2, 2, 4], [1, 1, 1, 1])
    times, surv = curves[0]
    assert list(times) == [1, 2, 4]
    assert np.allclose(surv, [0.75, 0.25, 0.0])


def test_median_dates_follow_the_origin():
    med = am.median_times([10, 20, 30], [1, 1, 1], ["a", "a", "a"], pd.Timestamp("2010-01-01"))
    assert med.loc[0, "median_days"] == 20
    assert med.loc[0, "median_date"] == pd.Timestamp("2010-01-21")


def test_ph_check_flags_a_hazard_ratio_that_changes_over_time():
    rng = np.random.default_rng(4)
    n = 1000  # enough: p is about 1e-17 for the drifting ratio and 0.2 for the steady one
    x = rng.integers(0, 2, size=n).astype(float)
    # x = 1 doubles the hazard before day 50 and halves it afterwards: not proportional
    early = _exponential(rng, 0.01 * np.where(x == 1, 2.0, 1.0))
    late = 50 + _exponential(rng, 0.01 * np.where(x == 1, 0.5, 1.0))
    frame = pd.DataFrame({"days": np.where(early < 50, early, late), "event": 1, "x": x})
    bad = am.ph_check(am.cox(frame, ["x"]), frame, ["x"])
    assert bad.loc[0, "p_value"] < 0.001
    good_days = _exponential(rng, 0.01 * np.where(x == 1, 2.0, 1.0))
    good = frame.assign(days=good_days)
    assert am.ph_check(am.cox(good, ["x"]), good, ["x"]).loc[0, "p_value"] > 0.001


def test_spearman_by_hand():
    # ranks of y: 1, 3, 2, 4 -> d^2 = 0 + 1 + 1 + 0 = 2 -> rho = 1 - 6 * 2 / (4 * 15) = 0.8
    out = am.spearman(pd.DataFrame({"x": [1, 2, 3, 4], "y": [1, 3, 2, 4]}), "x", "y")
    assert out["rho"] == pytest.approx(0.8)
    assert out["low"] < 0.8 < out["high"]


def test_claim_check_verdicts():
    rows = pd.DataFrame(
        {
            "term": ["noncitizen_share"] * 3,
            "model": ["a", "b", "c"],
            "estimate": [1.05, 1.01, 0.9],
            "low": [1.02, 0.99, 0.85],
            "high": [1.08, 1.03, 0.95],
            "n": [10, 10, 10],
        }
    )
    out = am.claim_check(rows, {"rho": -0.3, "low": -0.4, "high": -0.2, "n": 10}).set_index("model")
    assert out["verdict"].to_dict() == {
        "a": "reproduces in sign",
        "b": "sign not settled",
        "c": "opposite sign",
        "rank correlation": "reproduces in sign",
    }


# ---------------------------------------------------------------- interrupted time series


def test_design_leaves_out_the_month_of_the_event():
    months = pd.date_range("2016-11-01", periods=5, freq="MS")
    d = its.design(months, "2017-01-25")
    assert d["keep"].tolist() == [True, True, False, True, True]
    assert d["t"].tolist() == [0, 1, 2, 3, 4]
    assert d["after"].tolist() == [0, 0, 0, 1, 1]
    assert d["months_after"].tolist() == [0, 0, 0, 0, 1]


def test_design_keeps_the_month_when_the_event_is_on_the_first():
    d = its.design(pd.date_range("2016-12-01", periods=3, freq="MS"), "2017-01-01")
    assert d["keep"].all() and d["after"].tolist() == [0, 1, 1] and d["months_after"].tolist() == [0, 0, 1]


def _ar1(rng, n, phi=0.5, sd=1.0):
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal(scale=sd)
    return e


def test_segmented_regression_recovers_level_and_slope_changes():
    rng = np.random.default_rng(5)
    months = pd.date_range("2010-01-01", periods=120, freq="MS")
    d = its.design(months, "2015-01-15")
    y = 10 + 0.05 * d["t"] + 6 * d["after"] + 0.3 * d["months_after"] + _ar1(rng, 120)
    level, slope = its.segmented(months, y, "2015-01-15", label="sim")
    assert level["low"] < 6 < level["high"]
    assert slope["low"] < 0.3 < slope["high"]
    assert level["n"] == 119  # the month of the event is left out


def test_before_after_recovers_a_mean_change_and_says_whether_it_exceeds_its_uncertainty():
    rng = np.random.default_rng(6)
    months = pd.date_range("2015-10-01", periods=47, freq="MS")
    after = its.design(months, "2017-01-25")["after"]
    row = its.before_after(months, 30 + 8 * after + _ar1(rng, 47), "2017-01-25", label="sim")
    assert row["low"] < 8 < row["high"]
    assert its.exceeds(row) == "rose"
    flat = its.before_after(months, 30 + _ar1(rng, 47, sd=3.0), "2017-01-25", label="flat")
    assert flat["low"] < 0 < flat["high"] and its.exceeds(flat) == "within uncertainty"


def test_before_after_means_by_hand():
    months = pd.date_range("2016-12-01", periods=4, freq="MS")  # Dec, Jan (left out), Feb, Mar
    row = its.before_after(months, [10.0, 99.0, 14.0, 16.0], "2017-01-25", maxlags=0)
    assert row["mean_before"] == 10 and row["mean_after"] == 15 and row["estimate"] == pytest.approx(5)


def test_newey_west_lags():
    assert its.newey_west_lags(46) == 3 and its.newey_west_lags(100) == 4


# ---------------------------------------------------------------- the county table


def test_haversine_and_centroid_by_hand():
    assert ct.haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(6371.0088 * np.pi / 180)
    square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    assert ct.polygon_centroid([square]) == pytest.approx((1.0, 1.0, 4.0))


def test_the_border_runs_from_the_pacific_to_the_gulf():
    border = ct.mexican_border()
    assert border[:, 1].max() < 33.0
    assert border[:, 0].min() == pytest.approx(-117.12, abs=0.05)  # the Pacific end, south of San Diego
    assert border[:, 0].max() == pytest.approx(-97.15, abs=0.05)  # the mouth of the Rio Grande


@pytest.fixture(scope="module")
def county_derivation():
    """The county table derived now from the bundled raw files (once for the tests below; none changes it)."""
    return ct.derive()


def test_county_join_counts_every_county_and_lists_the_unmatched(county_derivation):
    table, unplaced = county_derivation
    activations = pd.read_csv(DATA_DIR / "activations.csv", dtype=str)
    assert len(table) == len(activations) and set(table["fips"]) == set(activations["fips"])
    raw = pd.read_csv(ct.NONCITIZEN_CSV, dtype={"fips": str})
    absent = sorted(set(activations["fips"]) - set(raw.loc[raw["year"] == 2009, "fips"]))
    assert ct.unmatched(table)["noncitizen_2009"] == absent
    assert ct.unmatched(table)["border_km"] == [] and ct.unmatched(table)["population_2010"] == []
    roster = pd.read_csv(ct.AGREEMENTS_CSV)
    placed = table.loc[table["g287_2009"] == "true", "g287_agencies"].str.split("; ").explode()
    assert len(placed) + len(unplaced) == len(roster)  # every agency is placed or listed


def test_committed_county_table_is_what_the_step_derives(county_derivation):
    table, _ = county_derivation
    from scomm.vendor import to_csv

    assert (DATA_DIR / "county_covariates.csv").read_text(encoding="utf-8") == to_csv(
        table.to_dict("records"), ct.COLUMNS
    )


def test_share_margin_of_error_follows_the_census_formula(county_derivation):
    table, _ = county_derivation
    row = table.set_index("fips").loc["48113"]
    expected = 100 * float(row["noncitizen_2009_moe"]) / float(row["population_2010"])
    assert float(row["noncitizen_share_moe"]) == pytest.approx(expected, abs=1e-4)


# ---------------------------------------------------------------- the Seattle production


@pytest.fixture(scope="module")
def seattle_tables():
    return sea.derive()


def _national_seattle_arrests(year: int) -> int:
    path = DATA_DIR / "raw" / "ice_enforcement" / f"EROArrests_FY{year}.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        frame = pd.read_csv(io.StringIO(fh.read()), sep="|", skiprows=5, usecols=["Area of Responsibility"], dtype=str)
    return int((frame["Area of Responsibility"] == "Seattle Area of Responsibility").sum())


@pytest.mark.slow  # derives the Seattle tables from the bundled raw production (half a minute)
def test_seattle_arrests_equal_the_national_files_for_fy2016_to_fy2018(seattle_tables):
    monthly, _ = seattle_tables
    mine = monthly.groupby("fiscal_year")["arrests"].sum()
    for year in (2016, 2017, 2018):
        assert int(mine[year]) == _national_seattle_arrests(year)


@pytest.mark.slow
def test_committed_seattle_tables_are_what_the_step_derives(seattle_tables):
    monthly, summary = seattle_tables
    committed = pd.read_csv(sea.MONTHLY_CSV, parse_dates=["month"])
    assert committed[["fiscal_year", "month", "arrest_method", "arrests"]].equals(
        monthly[["fiscal_year", "month", "arrest_method", "arrests"]]
        .astype({"month": "datetime64[s]"})
        .astype(committed[["fiscal_year", "month", "arrest_method", "arrests"]].dtypes.to_dict())
    )
    assert pd.read_csv(sea.SUMMARY_CSV)["total"].tolist() == summary["total"].tolist()


def test_seattle_shares_by_hand():
    monthly = pd.DataFrame(
        {
            "fiscal_year": [2013, 2013, 2015, 2015],
            "month": pd.to_datetime(["2013-01-01", "2013-01-01", "2015-01-01", "2015-01-01"]),
            "arrest_method": ["CAP Local Incarceration", "Located", "CAP Local Incarceration", "Located"],
            "arrests": [3, 1, 1, 3],
        }
    )
    shares = sea.jail_share(monthly).set_index("fiscal_year")["share"]
    assert shares.to_dict() == {2013: 75.0, 2015: 25.0}
    summary = pd.DataFrame(
        {
            "table": ["arrests", "arrests"],
            "fiscal_year": [2013, 2015],
            "partial_year": ["false", "false"],
            "column": ["Total", "Total"],
            "total": [4, 5],
        }
    )
    check = sea.summary_vs_records(monthly, summary)
    assert check["verdict"].tolist() == ["reproduces", "diverges"] and check["difference"].tolist() == [0, -1]


def test_fiscal_year_of_a_date():
    dates = pd.Series(pd.to_datetime(["2012-09-30", "2012-10-01"]))
    assert sea.fiscal_year(dates).tolist() == [2012, 2013]


def test_a_bad_date_in_the_workbook_is_reported_with_its_row(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Arrests"
    for _ in range(6):
        sheet.append(["banner"])
    sheet.append(["Arrest Date", "Arrest Method"])
    sheet.append(["2012-01-01", "Located"])
    sheet.append(["not a date", "Located"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(sea.WorkbookError, match=r"bad.xlsx: sheet Arrests, row 9, column 'Arrest Date': 'not a date'"):
        sea.read_arrests(path)


@pytest.mark.parametrize("folder", ["population", "seattle", "agreements_287g"])
def test_new_raw_folders_match_their_checksums(folder):
    raw = DATA_DIR / "raw" / folder
    listed = dict(line.split()[::-1] for line in (raw / "SHA256SUMS").read_text().splitlines())
    assert listed and all(
        hashlib.sha256((raw / name).read_bytes()).hexdigest() == digest for name, digest in listed.items()
    )


# ---------------------------------------------------------------- rates per 10,000 non-citizen residents


def test_rate_and_its_margin_of_error_by_hand():
    # 50 arrests over 10,000 +/- 1,000 residents: 50 per 10,000, margin 50 * 1,000 / 10,000 = 5
    assert rates.rate_with_moe(50, 10_000, 1_000) == pytest.approx((50.0, 5.0))


def test_rates_table_joins_counts_to_the_population_of_the_same_year():
    arrests = pd.DataFrame({"aor": ["SEA", "SEA", "SEA"], "fiscal_year": [2016, 2016, 2017], "arrests": [10, 20, 5]})
    removals = pd.DataFrame({"aor": ["SEA"], "fiscal_year": [2016], "removals": [60]})
    population = pd.DataFrame(
        {"aor": ["SEA", "SEA"], "year": [2016, 2017], "noncitizens": [20_000, 10_000], "noncitizens_moe": [2_000, 500]}
    )
    out = rates.rates(arrests, removals, population).set_index(["event", "fiscal_year"])
    assert out.loc[("arrests", 2016), "rate"] == pytest.approx(15.0)
    assert out.loc[("arrests", 2016), "rate_moe"] == pytest.approx(1.5)
    assert out.loc[("arrests", 2017), "rate"] == pytest.approx(5.0)
    assert out.loc[("removals", 2016), "rate"] == pytest.approx(30.0)


def test_committed_area_population_is_what_the_step_derives():
    from scomm.vendor import to_csv

    assert rates.OUT_CSV.read_text(encoding="utf-8") == to_csv(
        rates.derive().astype(str).to_dict("records"), rates.COLUMNS
    )
