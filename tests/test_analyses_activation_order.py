"""Notebook 11's analysis (`analyses.activation_order`) called as a function on hand-made county tables, no
kernel: medians by fifth worked out by hand on 15 counties, and the Cox models on simulated counties whose
true hazard ratio is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scomm.analyses import ANALYSES, activation_order
from scomm.recording import RecordingDataset

ORIGIN = pd.Timestamp("2008-10-27")
COLUMNS = [
    "fips", "county", "state", "activated", "days_to_activation", "noncitizen_2009", "noncitizen_2009_moe",
    "population_2010", "noncitizen_share", "noncitizen_share_moe", "border_km", "g287_2009", "g287_agencies",
    "source_id",
]  # fmt: skip


def county_table(shares, days, states=None, g287=None, population=None, border=None) -> pd.DataFrame:
    """A county table in the layout of data/county_covariates.csv: one county per share and day count."""
    n = len(shares)
    rows = pd.DataFrame(
        {
            "fips": [f"{i + 1:05d}" for i in range(n)],
            "county": [f"County {i + 1}" for i in range(n)],
            "state": states if states is not None else ["AA", "BB", "CC"] * (n // 3) + ["AA"] * (n % 3),
            "activated": [(ORIGIN + pd.Timedelta(days=float(d))).strftime("%Y-%m-%d") for d in days],
            "days_to_activation": [f"{d:g}" for d in days],
            "noncitizen_2009": "100",
            "noncitizen_2009_moe": "10",
            "population_2010": [f"{p:g}" for p in (population if population is not None else [10_000] * n)],
            "noncitizen_share": [f"{s:g}" for s in shares],
            "noncitizen_share_moe": "0.1",
            "border_km": [f"{b:g}" for b in (border if border is not None else [100 * (i % 7 + 1) for i in range(n)])],
            "g287_2009": g287 if g287 is not None else ["true" if i % 4 == 0 else "false" for i in range(n)],
            "g287_agencies": "",
            "source_id": "S101 S102 S356 S357 S355 S103",
        }
    )
    return rows[COLUMNS]


@pytest.fixture
def dataset(tiny, tmp_path: Path):
    """`dataset(counties)`: a hand-made data folder (one figure row, the bundled sources and milestones, see
    conftest's `tiny`) holding this county table."""

    def make(counties: pd.DataFrame) -> RecordingDataset:
        data = tiny({"FUN-025": 1})
        counties.to_csv(tmp_path / "tiny" / "county_covariates.csv", index=False, lineterminator="\n")
        return data

    return make


# 15 counties, three in each fifth of the share (1-3, 4-6, ..., 13-15); the more non-citizens, the earlier
# the middle county of each fifth.
SHARES = list(range(1, 16))
# Days overlap between fifths (no fifth is all earlier than another), so the Cox fits converge.
DAYS = [1100, 1000, 250, 700, 800, 350, 500, 600, 950, 300, 400, 1050, 0, 200, 850]
POPULATION = [10_000 * (i % 5 + 1) for i in range(15)]


def test_medians_by_fifth_worked_by_hand(dataset):
    data = dataset(county_table(SHARES, DAYS, population=POPULATION))
    result = activation_order.analyse(data)
    medians = result.tables["medians"].set_index("group")
    # Kaplan-Meier median of three uncensored times is the middle one
    assert medians["median_days"].to_dict() == {1: 1000, 2: 700, 3: 600, 4: 400, 5: 200}
    assert medians.loc[5, "median_date"] == ORIGIN + pd.Timedelta(days=200)  # the first county is day 0
    assert (medians.loc[5, "share_from"], medians.loc[1, "share_to"]) == (13, 3)
    q = result.quantities
    assert q["median days to activation, highest fifth of non-citizen share"].value == 200
    assert q["median days to activation, lowest fifth of non-citizen share"].value == 1000
    text = result.findings["medians"].text()
    assert "(above 13.00% of residents)" in text and "(below 3.00%)" in text
    assert "800 days later" in text  # 1000 - 200
    assert result.keys("medians") == [
        "median days to activation, highest fifth of non-citizen share",
        "median days to activation, lowest fifth of non-citizen share",
    ]


def test_the_county_finding_counts_what_the_models_leave_out(dataset):
    counties = county_table(SHARES, DAYS, population=POPULATION)
    counties.loc[1, ["noncitizen_2009", "noncitizen_share"]] = ""  # County 2: no 2009 estimate
    result = activation_order.analyse(dataset(counties))
    text = result.findings["counties"].text()
    # 15 counties, one without an estimate (County 2 of state BB), 14 in the models; 287(g) in counties
    # 1, 5, 9, 13 (every fourth), none of them County 2
    assert "holds 15 counties" in text and "1 have no 2009" in text and "County 2, BB" in text
    assert "the models use 14" in text and "4 counties had a county-level 287(g)" in text


def test_chart_sources_come_from_the_table():
    counties = county_table(SHARES[:3], DAYS[:3]).assign(source_id=["S101 S356", "S101 S355", "S103 S357"])
    assert activation_order.table_sources(counties) == ["S101", "S356", "S355", "S103", "S357"]


def test_drifting_terms_names_each_term_below_the_threshold():
    ph = pd.DataFrame(
        {"label": ["share", "population", "share"], "model": ["all", "all", "within"], "p_value": [0.01, 0.5, 0.049]}
    )
    assert activation_order.drifting_terms(ph) == "share (all); share (within)"
    assert activation_order.drifting_terms(ph.assign(p_value=0.05)) == "none"  # 0.05 is not below 0.05


def simulated(n: int = 400, beta: float = 0.05, g287_ratio: float = 2.0, seed: int = 11) -> pd.DataFrame:
    """Counties whose time to activation is exponential with hazard exp(beta * share) * g287_ratio ** g287 /
    200 days: the true hazard ratio per point of share is exp(beta), of a 287(g) agreement `g287_ratio`;
    population and border distance have none."""
    rng = np.random.default_rng(seed)
    shares = rng.uniform(0, 20, n).round(2)
    g287 = rng.uniform(size=n) < 0.2
    days = rng.exponential(200 / (np.exp(beta * shares) * np.where(g287, g287_ratio, 1.0))).round(1)
    assert days.max() < 1500  # inside the rollout's dates, so nothing is cut off
    return county_table(
        shares,
        days,
        states=list(rng.choice(["AA", "BB", "CC", "DD", "EE"], n)),
        g287=list(np.where(g287, "true", "false")),
        population=list(rng.integers(1_000, 1_000_000, n)),
        border=list(rng.uniform(0, 2000, n).round(1)),
    )


def test_cox_models_recover_a_known_hazard_ratio(dataset):
    result = activation_order.analyse(dataset(simulated()))
    hr = result.tables["hazard_ratios"].set_index(["model", "term"])
    true = np.exp(0.05)
    for model in ("all counties", "within states"):
        row = hr.loc[(model, "noncitizen_share")]
        assert row["low"] < true < row["high"]
        assert row["n"] == 400
        q = result.quantities[f"hazard ratio, non-citizen share ({model})"]
        assert q.value == pytest.approx(row["estimate"]) and q.unit == "times"
    # the other true ratios (2 for 287(g), 1 for population and border distance) inside their intervals
    for term, ratio in (("g287", 2.0), ("log_population", 1.0), ("border_100km", 1.0)):
        assert hr.loc[("all counties", term), "low"] < ratio < hr.loc[("all counties", term), "high"]
    check = result.tables["claim_check"].set_index("model")
    assert check.loc["share alone", "verdict"] == "reproduces in sign"
    assert check.loc["rank correlation", "estimate"] < 0  # more non-citizens, fewer days
    assert "the claim reproduces in sign across all counties" in result.findings["claim"].text()
    ph = result.tables["ph_check"]
    assert len(ph) == 8  # four terms in each of two models
    assert list(result.charts) == ["11_activation_by_fifth", "11_hazard_ratios"]
    assert list(result.tables["results"]["label"][:5]) == [f"median days to activation, fifth {g}" for g in range(1, 6)]


def test_registered_and_reads_recorded(dataset):
    assert ANALYSES["11_activation_order"] is activation_order.analyse
    data = dataset(county_table(SHARES, DAYS, population=POPULATION))
    activation_order.analyse(data)
    assert data.reads["tables"] == ["sources", "county_covariates"]


def test_the_charts_draw_what_the_analysis_computed(dataset):
    import matplotlib.pyplot as plt

    from scomm import charts

    result = activation_order.analyse(dataset(county_table(SHARES, DAYS, population=POPULATION)))
    fig, table = result.charts["11_activation_by_fifth"].draw()
    title = charts.describe(fig, table)["title"]
    plt.close(fig)
    # medians 200 and 1000 days after 27 Oct. 2008: 15 May 2009 and 24 July 2011
    assert "switched on by May 2009; half of those with the lowest by July 2011" in title
    assert set(table["source_id"]) == {"S101 S102 S356 S357"}  # not the 287(g) roster nor the boundaries
    fig, table = result.charts["11_hazard_ratios"].draw()
    plt.close(fig)
    assert set(table["source_id"]) == {"S101 S102 S356 S357 S355 S103"}
