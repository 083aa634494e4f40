"""Notebook 04's analysis (analyses.removals_in_context) on tiny hand-made data, values worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from scomm.analyses import removals_in_context as ric
from scomm.data import load_dataset
from scomm.paths import DATA_DIR
from scomm.recording import RecordingDataset

REMOVALS = {  # all removals by fiscal year, and convicted removals where published
    "ANN-001": 100, "ANN-003": 200, "ANN-005": 300, "ANN-007": 400, "ANN-009": 500,
    "ANN-012": 1000, "ANN-013": 400,  # FY2010: 40%
    "ANN-020": 2000, "ANN-021": 1000,  # FY2011: 50%
    "ANN-033": 1000, "ANN-034": 600,  # FY2012: 60% (the highest)
    "ANN-043": 1000, "ANN-047": 300,  # FY2013: 30% (the lowest)
    "ANN-061": 800, "ANN-066": 400,  # FY2014: 50%
}  # fmt: skip
GAO = {"FUN-042": 10, "FUN-043": 20}  # percent of FY2009 and FY2011 removals
BASES = {"ANN-015": 100, "ANN-023": 150}  # FY2010: 100 more than FY2008; FY2011: 150 percent more
# ICE's published shares, checked as claims: FY2011's 55 differs from the computed 50, the others agree
PUBLISHED = {"ANN-019": 40, "ANN-022": 55, "ANN-035": 60, "ANN-048": 30, "ANN-067": 50}


def tiny_data(tiny, folder: Path, values: dict[str, float] | None = None) -> RecordingDataset:
    """The hand-made figures (the `tiny` fixture writes them to `folder`), read again with the five
    bundled claims on the convicted shares beside them."""
    tiny(values or {**REMOVALS, **GAO, **BASES, **PUBLISHED})
    figures = folder / "figures.csv"
    claims = pd.read_csv(DATA_DIR / "claims.csv", dtype=str, keep_default_na=False)
    claims[claims["claim_id"].isin(ric.CONVICTED_CLAIMS)].to_csv(folder / "claims.csv", index=False)
    return RecordingDataset(load_dataset(figures, data_dir=folder), "figures.csv", "a test")


def test_convicted_shares_and_table_worked_by_hand(tiny, tmp_path):
    result = ric.analyse(tiny_data(tiny, tmp_path / "tiny"))
    shares = [result.quantities[k].value for k in result.keys("convicted")]
    assert shares == pytest.approx([40, 50, 60, 30, 50])  # 400/1000, 1000/2000, 600/1000, 300/1000, 400/800
    assert result.keys("convicted")[0] == "FY2010: convicted share of removals"
    table = result.tables["removals"].set_index("fiscal_year")
    assert list(table.index) == list(range(2005, 2015))
    assert table.loc[2013, "convicted_pct"] == pytest.approx(30)
    assert table.loc[2011, "figure_id"] == "ANN-020 ANN-021"
    assert math.isnan(table.loc[2009, "convicted"]) and table.loc[2009, "total"] == 500
    assert table.loc[2009, "convicted_pct_qualifier"] == ""


def test_convicted_finding_counts_reproduced_claims_and_names_the_extremes(tiny, tmp_path):
    result = ric.analyse(tiny_data(tiny, tmp_path / "tiny"))
    checks = result.tables["checks"]
    assert list(checks["claim_id"]) == ric.CONVICTED_CLAIMS
    assert checks.set_index("claim_id").loc["X14", "verdict"] != ric.REPRODUCES  # 50 computed, 55 published
    text = result.findings["convicted"].text()
    assert "reproduces 4 of the 5 shares ICE published" in text
    assert "run from 30.0% (FY2013) to 60.0% (FY2012)" in text


def test_gao_implied_removals_worked_by_hand(tiny, tmp_path):
    result = ric.analyse(tiny_data(tiny, tmp_path / "tiny"))
    q = result.quantities
    assert q["FY2009 removals implied by GAO's share"].value == pytest.approx(50)  # 10% of 500
    assert q["FY2011 removals implied by GAO's share"].value == pytest.approx(400)  # 20% of 2000
    assert q["FY2011 vs FY2009 implied program removals"].value == pytest.approx(8)  # 400 / 50
    text = result.findings["gao"].text()
    assert "imply 50 program removals in FY2009 and 400 in FY2011, 8x as many" in text
    implied = result.tables["implied"]
    assert list(implied["label"]) == ["FY2009", "FY2011"]
    _, table = result.charts["04_sc_share_of_removals"].draw()
    assert list(table["value"]) == [10, 20]  # the chart plots GAO's two shares


def test_two_implied_bases_worked_by_hand(tiny, tmp_path):
    result = ric.analyse(tiny_data(tiny, tmp_path / "tiny"))
    q = result.quantities
    assert q["FY2008 convicted removals implied by the FY2010 release"].value == pytest.approx(300)  # 400 - 100
    assert q["FY2008 convicted removals implied by the FY2011 release"].value == pytest.approx(400)  # 1000 / 2.5
    assert q["difference between the two implied bases"].value == pytest.approx(100 / 3)  # 400 / 300 - 1
    assert "of 300 and 400, 33.3% apart" in result.findings["bases"].text()


def test_a_falling_base_is_still_written_as_a_distance(tiny, tmp_path):
    values = {**REMOVALS, **GAO, **BASES, **PUBLISHED, "ANN-013": 600}  # FY2010 base 600 - 100 = 500
    # FY2011 base 1000 / 2.5 = 400: 400 / 500 - 1 = -20%, written as 20.0% apart
    result = ric.analyse(tiny_data(tiny, tmp_path / "tiny", values))
    assert result.quantities["difference between the two implied bases"].value == pytest.approx(-20)
    assert "of 500 and 400, 20.0% apart" in result.findings["bases"].text()


def test_order_charts_and_reads(tiny, tmp_path):
    data = tiny_data(tiny, tmp_path / "tiny")
    result = ric.analyse(data)
    assert len(result.keys()) == 11 and result.keys("bases")[-1] == "difference between the two implied bases"
    assert list(result.charts) == ["04_ice_removals", "04_sc_share_of_removals"]
    _, table = result.charts["04_ice_removals"].draw()
    assert list(table["total"]) == [100, 200, 300, 400, 500, 1000, 2000, 1000, 1000, 800]
    assert data.reads["claim_ids"] == ric.CONVICTED_CLAIMS
    assert data.reads["figure_ids"][:5] == ["ANN-001", "ANN-003", "ANN-005", "ANN-007", "ANN-009"]
