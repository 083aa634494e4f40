"""The project's own build, end to end: every notebook run on the bundled data into a temporary folder
(conftest's `fresh_build`, shared with the chart and browser tests). Marked slow (minutes on 2 cores):
`make unit` leaves it out, `make test` runs it. The build's mechanics are tested on the tiny project in
test_build.py and test_build_safety.py; this checks that the real notebooks hold to the same contract.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from scomm.build import run_build
from scomm.build_analyses import claims_checks
from scomm.notebook_runner import notebook_paths
from scomm.paths import DATA_DIR

VERDICTS = {"reproduces", "diverges", "cannot compute", "partial year"}


@pytest.mark.slow
def test_every_notebook_runs_and_publishes_what_its_record_says(fresh_build):
    out = fresh_build.parent
    ran = {p.stem for p in (out / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert ran == {p.stem for p in notebook_paths()}
    for nb in sorted((out / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        errors = [
            o
            for cell in json.loads(nb.read_text())["cells"]
            for o in cell.get("outputs", [])
            if o["output_type"] == "error"
        ]
        assert not errors, nb.name
    record = json.loads((fresh_build / "build-state" / "lineage.json").read_text(encoding="utf-8"))
    assert set(record) == ran
    for name, rec in record.items():
        for chart in rec["charts"]:
            for ext in ("png", "svg", "pdf", "csv"):
                assert (fresh_build / f"{chart}.{ext}").is_file(), f"{name}: {chart}.{ext}"
        assert (fresh_build / f"{name}.html").is_file()  # the notebook's page of the report
    figure_ids = set(pd.read_csv(DATA_DIR / "figures.csv", dtype=str)["figure_id"])
    ratios = pd.read_csv(fresh_build / "ratios.csv", keep_default_na=False)
    assert len(ratios) and set(ratios["notebook"]) <= ran
    used = {fid for ids in ratios["figure_ids"] for fid in ids.split()}
    assert used <= figure_ids  # every derived number names figures of the data
    checks = pd.read_csv(fresh_build / "claims_checks.csv", keep_default_na=False)
    claims = pd.read_csv(DATA_DIR / "claims.csv", dtype=str, keep_default_na=False)
    assert sorted(checks["claim_id"]) == sorted(claims["claim_id"]) and set(checks["verdict"]) <= VERDICTS


@pytest.mark.slow
def test_a_second_build_of_the_project_does_nothing(fresh_build, capsys):
    out = fresh_build.parent

    def tree() -> dict[str, str]:
        return {
            p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }

    before = tree()
    assert run_build(out=str(out), jobs=2, progress=False) == 0
    assert "nothing changed" in capsys.readouterr().err
    assert tree() == before


def test_tripwire_bundled_claims_verdicts(dataset):
    """A tripwire on the bundled data, not a test of the code: the published claims that do not reproduce
    (TRAC's detainer counts against NPR's tabulation, two of ICE's annual totals against its records) and
    those whose records cover part of the fiscal year only. A data edit that changes one must change this
    list knowingly (and the notebooks' reading of it)."""
    checks = claims_checks(dataset)
    detainers = {"D01", "D02", "D03", "D04", "D05", "D06", "D07"}
    assert set(checks.loc[checks["verdict"] == "diverges", "claim_id"]) == {"ENF03", "ENF09"} | detainers
    assert set(checks.loc[checks["verdict"] == "partial year", "claim_id"]) == {"ENF05", "ENF10", "D08"}
