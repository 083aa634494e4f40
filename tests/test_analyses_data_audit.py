"""Notebook 07's analysis on tiny hand-made data: the first article's numbers read against ICE's."""

from __future__ import annotations

import pytest

from scomm.analyses import data_audit
from scomm.build_analyses import claims_checks
from scomm.data import load_dataset
from tiny_data import load_tiny

# article: 400 arrests, 200 deportations; ICE: 1,000 arrested or booked, 500 removed, 200 of them convicted
MATCHING = {"FUN-025": 400, "FUN-026": 200, "FUN-022": 1000, "FUN-023": 500, "FUN-024": 200}


def test_matching_rates_read_as_the_convicted_count(tiny):
    result = data_audit.analyse(tiny(MATCHING))
    q = list(result.quantities.values())
    assert [x.value for x in q] == pytest.approx([50.0, 50.0, 40.0, 40.0])  # 200/400, 500/1000, 400/1000, 200/500
    text = result.notes["article"].text()
    assert "The 200 deportations in" in text and " equal ICE's count" in text
    assert "apart and the two convicted shares 0.00 points apart" in text
    assert "Both pairs agree to within 0.5 percentage points" in text


def test_rates_that_differ_say_the_data_does_not_support_the_reading(tiny):
    result = data_audit.analyse(tiny({**MATCHING, "FUN-026": 100}))  # 100/400 = 25% against ICE's 50%
    text = result.notes["article"].text()
    assert " differ from ICE's count" in text
    assert "The two removal rates are 25.00 percentage points apart" in text
    assert "this data does not support reading" in text


def test_audit_tables_and_findings_count_the_rows_given(tiny):
    result = data_audit.analyse(tiny(MATCHING))
    assert int(result.tables["by_source"].to_numpy().sum()) == 5  # five figures, each counted once
    assert "of the 5 figures come from" in result.findings["sources"].text()
    assert "of 0 published claims" in result.findings["claims"].text()  # the tiny data has no claims
    assert list(result.charts) == ["07_figures_by_source", "07_published_checks"]


def test_claims_read_the_record_counts_of_the_data_folder_given_not_the_bundled_ones(tmp_path):
    """A records_total claim checked against the records table in the folder the data came from (--data, or a
    build's snapshot): notebook 07's table, the build's claims_checks.csv and the derived table agree."""
    folder = tmp_path / "tiny"
    (folder / "derived").mkdir(parents=True)
    # hand-made: 1,200 arrest records for the whole of FY2016, against ERO-001 published as 1,200 (the bundled
    # records table holds another count for that year, so a check that read it would diverge)
    (folder / "derived" / "ice_record_files.csv").write_text(
        "file,event,fiscal_year,records,first_date,last_date,sha256\n"
        f"EROArrests_FY2016.csv.gz,arrests,2016,1200,2015-10-01,2016-09-30,{'0' * 64}\n",
        encoding="utf-8",
    )
    data = load_tiny(folder, {**MATCHING, "ERO-001": 1200}, claims=["ENF01"])
    shown = data_audit.analyse(data).tables["claims"].set_index("claim_id")
    assert shown.at["ENF01", "verdict"] == "reproduces" and shown.at["ENF01", "computed"] == 1200
    # the build's own path, on a dataset loaded afresh from that folder (nothing computed on it yet)
    fresh = claims_checks(load_dataset(folder / "figures.csv", data_dir=folder)).set_index("claim_id")
    assert fresh.at["ENF01", "verdict"] == "reproduces" and fresh.at["ENF01", "computed"] == 1200
