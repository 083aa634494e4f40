"""scomm build on edited data: findings follow the data, claims are checked not asserted, only what
changed is re-run (and equals a full rebuild), nothing of the user's is lost, faults are messages."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scomm.build import STAGING_PREFIX, notebook_paths
from scomm.build_stamp import STAMP_NAME
from scomm.cli import main
from scomm.paths import DATA_DIR

DATA_NAMES = ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv")


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under `root` with its SHA-256, but the no-op stamp (sizes and times of that folder's
    files: it differs between two folders with the same outputs, and is no output)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != STAMP_NAME
    }


def build(data: Path, out: Path, *extra: str) -> int:
    return main(
        ["build", "--data", str(data / "figures.csv"), "--out", str(out), "--formats", "png", "--quiet", *extra]
    )


def set_value(data: Path, figure_id: str, value: str) -> None:
    """Change one figure's value (and as_printed) in a copy of the data."""
    path = data / "figures.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = frame["figure_id"] == figure_id
    assert row.sum() == 1
    frame.loc[row, "value"] = value
    frame.loc[row, "as_printed"] = value
    frame.to_csv(path, index=False, lineterminator="\n")


def findings(out: Path) -> str:
    """Every rendered Markdown output of every executed notebook, joined."""
    texts = []
    for nb in sorted((out / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for o in cell.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if md:
                    texts.append("".join(md) if isinstance(md, list) else md)
    return "\n".join(texts)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One full build of every notebook on a copy of the bundled data (PNG only, to keep the suite quick)."""
    root = tmp_path_factory.mktemp("base")
    data = root / "data"
    data.mkdir()
    for name in DATA_NAMES:
        shutil.copy2(DATA_DIR / name, data / name)
    out = root / "out"
    assert build(data, out) == 0
    return data, out


@pytest.fixture
def copy(base, tmp_path):
    """A private copy of the base data and its built outputs."""
    data, out = base
    shutil.copytree(data, tmp_path / "data")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "data", tmp_path / "out"


def test_build_writes_outputs_and_claims_table(base):
    _, out = base
    names = {p.name for p in (out / "figures").iterdir()}
    assert {"03_funnel.png", "03_funnel.csv", "ratios.csv", "changes.md", "report.html", "claims_checks.csv"} <= names
    checks = pd.read_csv(out / "figures" / "claims_checks.csv", keep_default_na=False)
    detainers = {"D01", "D02", "D03", "D04", "D05", "D06", "D07"}  # TRAC's counts against NPR's tabulation
    assert set(checks.loc[checks["verdict"] == "diverges", "claim_id"]) == {"ENF03", "ENF09"} | detainers
    assert set(checks.loc[checks["verdict"] == "partial year", "claim_id"]) == {"ENF05", "ENF10", "D08"}
    assert (out / "figures" / "changes.md").read_text().startswith("# What changed")
    html = (out / "figures" / "report.html").read_text()
    assert "srcset='screen/" in html and "data:image/png;base64" not in html  # images are files, not inlined
    assert "Published claims, recomputed" in (out / "figures" / "methods.html").read_text()
    assert (out / "figures" / "README.md").read_text().startswith("# Charts")


def test_second_build_does_no_work_and_names_the_report(base, capsys):
    data, out = base
    before = tree_hashes(out)
    assert build(data, out) == 0
    err = capsys.readouterr().err
    assert "nothing changed" in err and "report.html" in err
    assert tree_hashes(out) == before


def test_no_op_build_imports_neither_pandas_nor_matplotlib(base):
    data, out = base
    code = (
        "import sys; from scomm.cli import main; "
        f"rc = main(['build', '--data', {str(data / 'figures.csv')!r}, '--out', {str(out)!r}, '--formats', 'png', "
        "'--quiet']); print(rc, 'pandas' in sys.modules, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr
    assert "nothing changed" in done.stderr


def test_no_op_stamp_falls_back_to_the_full_check_when_an_output_is_touched(copy, capsys):
    data, out = copy
    chart = out / "figures" / "03_funnel.png"
    original = chart.read_bytes()
    chart.write_bytes(original)  # same bytes, new time: the stamp no longer matches
    stamp = (out / STAMP_NAME).read_text()
    assert build(data, out) == 0
    assert "nothing changed" in capsys.readouterr().err  # the full comparison found the bytes unchanged
    assert (out / STAMP_NAME).read_text() != stamp  # and left a stamp for the new time
    chart.write_bytes(b"edited")
    assert build(data, out) == 1  # an edited output is never taken for "nothing changed"
    assert "changed since" in capsys.readouterr().err


# figure, new value, text the findings must state, claims resting on it that must diverge
SCENARIOS = [
    ("FUN-025", "150000", "150,000 arrests", []),
    ("FUN-026", "70000", "70,000 deportations", []),
    ("CRV-002", "310000", "310,000 cases", []),
    ("CRV-049", "300000", "", ["X62"]),
    ("ROL-034", "1700", "to 1,700", []),
    ("STA-018", "4300", "73.5% in Dallas County", []),
    ("ANN-020", "500000", "about 100,000 in FY2011", ["X14", "X16"]),
    ("DET-014", "300000", "300,000 detainers", ["X38"]),
    ("CNS-001", "60", "60.0% of detained clients", ["X50"]),  # 50 would still fit 1,100% of "4%" read as 3.5-4.5%
]


@pytest.mark.parametrize("figure_id,value,stated,diverging", SCENARIOS)
def test_one_edited_figure_flows_through(copy, figure_id, value, stated, diverging):
    data, out = copy
    old_ratios = pd.read_csv(out / "figures" / "ratios.csv", keep_default_na=False)
    old_checks = pd.read_csv(out / "figures" / "claims_checks.csv", keep_default_na=False).set_index("claim_id")
    set_value(data, figure_id, value)
    assert build(data, out) == 0
    assert stated in findings(out)
    checks = pd.read_csv(out / "figures" / "claims_checks.csv", keep_default_na=False).set_index("claim_id")
    for claim in diverging:
        assert checks.at[claim, "verdict"] == "diverges", claim
    changes = (out / "figures" / "changes.md").read_text()
    listed = re.findall(r"^\| ([A-Z]{3}-\d{3}) \| (\w+) \|", changes, flags=re.M)
    assert {fid for fid, _ in listed} == {figure_id}
    new_ratios = pd.read_csv(out / "figures" / "ratios.csv", keep_default_na=False)
    merged = new_ratios.merge(old_ratios, on=["notebook", "key"], how="outer", suffixes=("", "_old"))
    moved = merged[~((merged["value"] - merged["value_old"]).abs() <= 1e-9)]  # moved, new or gone
    ids_of = moved["figure_ids"].where(moved["figure_ids"].notna(), moved["figure_ids_old"])
    assert all(figure_id in ids.split() for ids in ids_of)
    uses = old_ratios["figure_ids"].str.split().apply(lambda ids: figure_id in ids)
    assert bool(len(moved)) == bool(uses.any())  # a figure that derived numbers use moves some of them
    if len(moved):
        section = changes.split("## Derived numbers that moved")[1].split("\n## ")[0]
        assert section.count("\n| ") - 1 == len(moved)  # every moved number listed once, nothing else
    flipped = [c for c in diverging if old_checks.at[c, "verdict"] == "reproduces"]
    if flipped:  # claims that reproduced before and diverge now: the change log lists each verdict that changed
        verdicts = changes.split("## Published claims whose verdict changed")[1]
        assert all(f"| {claim} | reproduces | diverges |" in verdicts for claim in flipped)


def test_incremental_build_equals_forced_full_build(copy, tmp_path):
    data, out = copy
    full = tmp_path / "full"
    shutil.copytree(out, full)
    set_value(data, "STA-018", "4300")
    assert build(data, out) == 0
    assert build(data, full, "--force") == 0
    assert tree_hashes(out) == tree_hashes(full)


def test_only_notebooks_whose_reads_changed_are_rerun(copy, capsys):
    data, out = copy
    before = tree_hashes(out)
    set_value(data, "STA-018", "4300")
    assert build(data, out) == 0
    after = tree_hashes(out)
    changed_notebooks = {k for k in after if k.startswith("notebooks/") and before.get(k) != after[k]}
    # 03 reads STA-018 by id and 08 reads Dallas County's rows by a filter; no other notebook uses it
    assert changed_notebooks == {"notebooks/03_identification_funnel.ipynb", "notebooks/08_rollout_by_place.ipynb"}
    assert "figures/03_arrests_in_context.png" not in {k for k in after if before.get(k) != after[k]}


def test_missing_figure_names_figure_and_notebook_and_changes_nothing(copy, capsys):
    data, out = copy
    before = tree_hashes(out)
    frame = pd.read_csv(data / "figures.csv", dtype=str, keep_default_na=False)
    frame[frame["figure_id"] != "FUN-030"].to_csv(data / "figures.csv", index=False, lineterminator="\n")
    assert build(data, out) == 1
    err = capsys.readouterr().err
    assert "FUN-030" in err and "03_identification_funnel" in err
    assert tree_hashes(out) == before


def test_missing_figure_in_a_fresh_folder_fails_in_the_notebook(base, tmp_path, capsys):
    data, _ = base
    shutil.copytree(data, tmp_path / "data")
    frame = pd.read_csv(tmp_path / "data" / "figures.csv", dtype=str, keep_default_na=False)
    frame[frame["figure_id"] != "STA-018"].to_csv(tmp_path / "data" / "figures.csv", index=False, lineterminator="\n")
    assert build(tmp_path / "data", tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "figure STA-018 is not in figures.csv; notebook 03_identification_funnel needs it" in err
    assert "executed notebook" in err and not (tmp_path / "out" / "figures" / "report.html").exists()


def test_change_log_compares_with_previous_build_whatever_the_file_is_called(base, tmp_path):
    data, _ = base
    other = tmp_path / "x"
    other.mkdir()
    for name in DATA_NAMES:
        shutil.copy2(data / name, other / name)
    os.rename(other / "figures.csv", other / "other.csv")
    out = tmp_path / "out"
    args = ["build", "--data", str(other / "other.csv"), "--out", str(out), "--formats", "png", "--quiet"]
    assert main(args) == 0
    assert main(args + ["--force"]) == 0
    assert "No changes" in (out / "figures" / "changes.md").read_text()


# ---------------------------------------------------------------- the output folder is the user's


def test_user_files_are_refused_then_kept_with_replace(copy, capsys):
    data, out = copy
    planted = [out / "figures" / "mine.txt", out / "notebooks" / "my_notes.ipynb", out / "figures" / "sub" / "x.csv"]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("the user's own file")
    before = tree_hashes(out)
    set_value(data, "STA-018", "4300")
    assert build(data, out) == 1
    assert "no scomm build wrote" in capsys.readouterr().err
    assert tree_hashes(out) == before
    assert build(data, out, "--replace") == 0
    for path in planted:
        assert path.read_text() == "the user's own file"


def test_staging_left_by_a_killed_build_is_cleaned(copy):
    data, out = copy
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f"{STAGING_PREFIX}{dead.pid}-abc"
    (stale / "figures").mkdir(parents=True)
    set_value(data, "STA-018", "4300")
    assert build(data, out) == 0
    assert not stale.exists()


@pytest.mark.parametrize("errno_name", ["EROFS", "ENOSPC"])
def test_write_failure_is_a_message_and_outputs_are_restored(copy, monkeypatch, capsys, errno_name):
    import errno

    from scomm import build as build_mod

    data, out = copy
    before = tree_hashes(out)
    set_value(data, "STA-018", "4300")
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # fail in the middle of moving outputs in
            raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)), str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(build_mod.os, "replace", failing_replace)
    assert build(data, out) == 1
    err = capsys.readouterr().err
    assert os.strerror(getattr(errno, errno_name)) in err and "Traceback" not in err
    monkeypatch.setattr(build_mod.os, "replace", real_replace)
    assert tree_hashes(out) == before


def test_data_path_that_is_a_folder_without_figures(tmp_path, capsys):
    assert main(["build", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 1
    assert f"input file not found: {tmp_path / 'figures.csv'}" in capsys.readouterr().err


def test_interactive_run_on_other_data_writes_to_its_own_folder(base):
    from scomm import charts
    from scomm.notebook import OTHER_DATA_DIR, Run
    from scomm.settings import RunSettings

    data, _ = base
    run = Run("03_identification_funnel", data / "figures.csv", settings=RunSettings())
    assert run.out_dir.parent == OTHER_DATA_DIR and run.out_dir.name.startswith("figures-")
    assert charts.data_label() == "figures.csv" and run.data_label == "figures.csv"


def test_lineage_command_lists_users_of_a_figure(capsys):
    assert main(["lineage", "FUN-024"]) == 0
    out = capsys.readouterr().out
    assert "03_identification_funnel" in out and "convicted share of removals" in out
    assert "09_reinstated_era" not in out  # notebook 09 reads its figures by id, not the whole table
    assert main(["lineage", "XXX-999"]) == 1


def test_lineage_of_a_published_total_names_its_records_claim(capsys):
    assert main(["lineage", "ERO-002"]) == 0
    out = capsys.readouterr().out
    notebooks = out.split("notebooks (")[1].split("charts (")[0]
    assert "09_reinstated_era" in notebooks and "07_data_audit" in notebooks  # 07 shows the claims checks
    assert "ENF02:" in out and "ice_record_files:arrests:FY2017" in out


def test_notebook_list_is_what_the_build_runs():
    assert [p.name[:2] for p in notebook_paths()] == [f"{i:02d}" for i in range(1, len(notebook_paths()) + 1)]


def test_build_derives_records_first_skips_unchanged_raw_and_stops_on_a_bad_file(copy, tmp_path, monkeypatch, capsys):
    """The build checks the raw ICE records first: unchanged raw files are not read again; a changed one is
    derived again, into the build's own snapshot when it builds into another folder (the project's
    data/derived/ is not written); a malformed one stops the build (exit 1, file/line/column) with every
    output untouched."""
    from scomm import enforcement as enf
    from test_enforcement import (
        ARREST_HEADER,
        ARRESTS,
        BANNER,
        REMOVAL_BANNER,
        REMOVAL_HEADER,
        REMOVALS,
        arrest,
        write_gz,
    )

    data, out = copy
    raw, derived = tmp_path / "raw", tmp_path / "derived"
    raw.mkdir()
    arrests_file = raw / "EROArrests_FY2017.csv.gz"
    write_gz(arrests_file, BANNER + [ARREST_HEADER] + ARRESTS)
    write_gz(raw / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + REMOVALS)
    monkeypatch.setattr(enf, "RAW_DIR", raw)
    monkeypatch.setattr(enf, "DERIVED_DIR", derived)
    assert enf.derive() is True  # the project's derived tables, current
    tables = {p.name: p.read_bytes() for p in derived.iterdir()}
    outputs = tree_hashes(out)

    scan, real_derive = enf._scan, enf.derive

    def no_scan(*args, **kwargs):
        raise AssertionError("the raw record files were parsed again although their checksums did not change")

    monkeypatch.setattr(enf, "_scan", no_scan)
    assert build(data, out) == 0
    assert {p.name: p.read_bytes() for p in derived.iterdir()} == tables and tree_hashes(out) == outputs

    monkeypatch.setattr(enf, "_scan", scan)
    write_gz(arrests_file, BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "3/3/2017", "Located")])
    into = []

    def spy(force=False, raw_dir=None, out_dir=None, aors_path=None):
        into.append(Path(out_dir))  # where the build derives; the bundled tables stay in its snapshot
        return False

    monkeypatch.setattr(enf, "derive", spy)
    assert build(data, out) == 0
    assert len(into) == 1 and into[0].is_relative_to(out) and into[0].name == "derived"
    assert {p.name: p.read_bytes() for p in derived.iterdir()} == tables
    monkeypatch.setattr(enf, "derive", real_derive)
    capsys.readouterr()
    outputs = tree_hashes(out)

    write_gz(arrests_file, BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "2/30/2017", "Located")])
    assert build(data, out) == 1
    err = capsys.readouterr().err
    assert "EROArrests_FY2017.csv.gz, line 13, column 'Apprehension Date': found '2/30/2017'" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in derived.iterdir()} == tables and tree_hashes(out) == outputs
