"""The analysis of notebook 05 (the 2011-2012 case review), called as a plain function on tiny hand-made data
(no kernel), with values worked out by hand in the comments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from scomm.analyses import case_review
from tiny_data import load_tiny as load

REVIEW = {fid: 100 for _, fid, _ in case_review.STEPS}
CASES = {
    **REVIEW,
    "CRV-002": 1000,  # cases to review
    "CRV-036": 50, "CRV-035": 400,  # closed, reviewed (Oct 2012)
    "CRV-021": 90, "CRV-022": 9,  # eligible and its rate of the reviewed
    "CRV-009": 40, "CRV-010": 60, "CRV-011": 10,  # offered, pending a check, accepted
}  # fmt: skip


def test_case_review_numbers_worked_by_hand(tmp_path):
    result = case_review.analyse(load(tmp_path / "d", CASES))
    q = result.quantities
    assert list(q) == [
        "cases reviewed implied by the June 2012 eligible count and rate",
        "offers accepted",
        "offers made plus offers pending a background check",
        "DHS offers+pending vs eligible (DHS, as read by FAIR)",
    ]
    assert q["cases reviewed implied by the June 2012 eligible count and rate"].value == pytest.approx(1000)  # 90/9%
    assert q["offers accepted"].value == pytest.approx(25.0)  # 10 / 40
    assert q["offers made plus offers pending a background check"].value == pytest.approx(100)  # 40 + 60
    assert q["DHS offers+pending vs eligible (DHS, as read by FAIR)"].value == pytest.approx(100 / 90 * 100 - 100)
    # 50 of 400 reviewed closed: 12.5%, by October 2012 (the bundled period end of CRV-036)
    assert result.findings["closed"].text() == (
        "Finding: by October 2012, 50 of the 400 cases reviewed had been closed (12.5%)."
    )
    implied = result.findings["implied"].text()
    assert "if 90 eligible cases were 9.0% of the cases reviewed, about 1,000 cases" in implied
    assert "against the 1,000 the review set out to cover" in implied
    offers = result.findings["offers"].text()
    assert "25.0% of closure offers had been accepted by May 2012 (a quarter)" in offers
    assert "offers (100) and the 90 eligible cases" in offers and "differ by 11.1%" in offers  # |100/90 - 1|


def test_case_review_gap_is_its_size_whichever_way(tmp_path):
    # 100 offers against 125 eligible: growth (100/125 - 1) = -20%; the sentence gives its size, 20.0%
    result = case_review.analyse(load(tmp_path / "d", {**CASES, "CRV-021": 125}))
    assert result.quantities["DHS offers+pending vs eligible (DHS, as read by FAIR)"].value == pytest.approx(-20.0)
    assert "differ by 20.0%" in result.findings["offers"].text()


def test_case_review_steps_table_and_chart(tmp_path):
    result = case_review.analyse(load(tmp_path / "d", CASES))
    review = result.tables["review"]
    assert list(review["figure_id"]) == [fid for _, fid, _ in case_review.STEPS]
    assert list(review.columns[:1]) == ["step"] and review["publisher"].iloc[1] == case_review.TRAC
    assert list(result.tables["terms"]["term"]) == case_review.TERMS
    assert list(result.charts) == ["05_case_review"]


def test_case_review_counts_the_rates_that_reproduce(tmp_path):
    # X27 is CRV-036 / CRV-035 printed as CRV-037 to one decimal; X23 is CRV-015 / CRV-003 printed as CRV-016.
    # Hand-made: 50 / 400 = 12.5% printed 12.5 (reproduces); 100 / 1000 = 10.0% printed 3.0 (diverges).
    values = {**CASES, "CRV-003": 1000, "CRV-015": 100, "CRV-016": 3.0, "CRV-037": 12.5}
    result = case_review.analyse(load(tmp_path / "d", values, claims=["X23", "X27"]))
    text = result.findings["checks"].text()
    assert text.startswith("Finding: 1 of the 2 published rates reproduce")
    assert "reviewed cases closed (computed 12.5%). Diverging: Cases closed to 31 May 2012" in text
    assert text.endswith("(computed 10.0%).")
    assert list(result.tables["checks"]["claim_id"]) == ["X23", "X27"]


def test_case_review_with_no_checked_claims_says_none(tmp_path):
    text = case_review.analyse(load(tmp_path / "d", CASES)).findings["checks"].text()
    assert text == (
        "Finding: 0 of the 0 published rates reproduce from the counts beside them, read as precisely as they"
        " were printed: none. Diverging: none."
    )


def test_listed_joins_statements_with_their_computed_rates():
    frame = pd.DataFrame({"statement": ["A", "B", "C"], "computed": [1.0, 2.25, 30.0]})
    assert case_review.listed(frame) == "A (computed 1.0%), B (computed 2.2%) and C (computed 30.0%)"
    assert case_review.listed(frame.iloc[0:0]) == "none"


def test_case_review_records_what_it_read_and_draws_its_chart(tmp_path):
    data = load(tmp_path / "d", {**CASES, "CRV-003": 1000, "CRV-015": 100, "CRV-016": 3.0}, claims=["X23"])
    result = case_review.analyse(data)
    assert data.reads["claim_ids"] == case_review.CLAIMS  # every claim asked for, found or not
    assert "CRV-016" in data.reads["figure_ids"]  # the published rate the check reads
    assert set(data.reads["figure_ids"]) == set(CASES) | {"CRV-016"}
    assert data.reads["tables"][:2] == ["sources", "glossary"]
    fig, table = result.charts["05_case_review"].draw()  # drawn here from the hand-made rows
    assert set(table["figure_id"]) <= set(result.tables["review"]["figure_id"])
    plt.close(fig)


def test_case_review_plots_the_major_news_counts_and_names_their_publisher(tmp_path):
    # DHS's counts of 29 May 2012 come from UPI's story (CRV-050 reviewed, CRV-051 closed), not Immigration
    # Impact's rounding (CRV-008); the footer names the publisher from the sources table, not from the code
    steps = [fid for _, fid, _ in case_review.STEPS]
    assert "CRV-050" in steps and "CRV-051" in steps and "CRV-008" not in steps
    result = case_review.analyse(load(tmp_path / "d", CASES))
    fig, table = result.charts["05_case_review"].draw()
    footer = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "United Press International" in footer
    plt.close(fig)
