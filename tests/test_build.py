"""scomm build on edited data: findings follow the data, claims are checked not asserted, only what
changed is re-run (and equals a full rebuild), nothing of the user's is lost, faults are messages.

The builds here run the tiny project of tests/tiny_project.py (two notebooks of a few cells on five
made-up figures), so every expected number is worked out by hand. The one build of the project's own
notebooks is in test_real_build.py (marked slow).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scomm import build_stage
from scomm.build import STAGING_PREFIX, run_build
from scomm.build_stamp import STAMP_NAME
from scomm.cli import main
from scomm.notebook_runner import notebook_paths
from tiny_project import SHARED_KERNELS, build, copy_data, drop_figures, set_value, set_value_in, tree, write_notebooks


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


def checks_of(out: Path) -> pd.Series:
    return pd.read_csv(out / "figures" / "claims_checks.csv", keep_default_na=False).set_index("claim_id")["verdict"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One build of the tiny project (PNG only). The project's own last build, which a build into a new
    folder compares with, is an empty folder here: the tests never read the committed outputs."""
    root = tmp_path_factory.mktemp("base")
    data, nbs = copy_data(root / "data"), write_notebooks(root / "nbs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_stage, "LAST_DEFAULT_BUILD", root / "no-default-build")
        assert build(data, root / "out", nbs, own_kernels=True) == 0  # as `scomm build` runs: a pool of its own
    return data, nbs, root / "out"


pytestmark = pytest.mark.usefixtures("no_default_build")


@pytest.fixture
def copy(base, tmp_path):
    """A private copy of the base data, notebooks and built outputs."""
    data, nbs, out = base
    for src, name in ((data, "data"), (nbs, "nbs"), (out, "out")):
        shutil.copytree(src, tmp_path / name, symlinks=True)
    return tmp_path / "data", tmp_path / "nbs", tmp_path / "out"


def test_build_writes_outputs_ratios_and_claims_table(base):
    _, _, out = base
    names = {p.name for p in (out / "figures").iterdir()}
    assert {"01_first_counts.png", "01_first_counts.csv", "ratios.csv", "changes.md", "report.html"} <= names
    assert {"claims_checks.csv", "methods.html", "README.md", "01_first.html", "02_second.html"} <= names
    assert {p.name for p in (out / "notebooks").glob("*.ipynb")} == {"01_first.ipynb", "02_second.ipynb"}
    ratios = pd.read_csv(out / "figures" / "ratios.csv", keep_default_na=False)
    assert ratios[["notebook", "key", "value", "figure_ids"]].values.tolist() == [
        ["01_first", "arrests", 1000.0, "TNY-001"],
        ["01_first", "removed share", 50.0, "TNY-002 TNY-001"],  # 500 / 1,000
        ["02_second", "Dallas removals", 300.0, "TNY-004"],
    ]
    assert checks_of(out).to_dict() == {"X01": "reproduces", "ENF01": "reproduces"}  # 50% = 50%; 1,000 records
    assert "1,000 arrests; 50.0% of them removed" in findings(out) and "300 removals in Dallas" in findings(out)
    table = pd.read_csv(out / "figures" / "01_first_counts.csv", keep_default_na=False)
    assert list(table["figure_id"]) == ["TNY-001", "TNY-002"]  # the chart's table: the rows it published
    assert (out / "figures" / "changes.md").read_text().startswith("# What changed")
    assert "No earlier build was found" in (out / "figures" / "changes.md").read_text()
    page = (out / "figures" / "01_first.html").read_text()  # the notebook's page shows its chart
    assert "srcset='screen/01_first_counts-720.png 720w'" in page and "base64" not in page  # a file, not inlined
    assert (out / "figures" / "screen" / "01_first_counts-720.png").is_file()
    assert "Published claims, recomputed" in (out / "figures" / "methods.html").read_text()
    assert (out / "figures" / "README.md").read_text().startswith("# Charts")


def test_second_build_does_no_work_and_names_the_report(copy, capsys):
    data, nbs, out = copy
    before = tree(out)
    assert build(data, out, nbs) == 0
    err = capsys.readouterr().err
    assert "nothing changed" in err and str(out / "figures" / "report.html") in err
    assert tree(out) == before


def test_no_op_build_imports_neither_pandas_nor_matplotlib(base):
    data, nbs, out = base
    code = (
        "import sys; from pathlib import Path; from scomm.cli import main; import scomm.build as b; "
        f"b.notebook_paths = lambda *a: sorted(Path({str(nbs)!r}).glob('*.ipynb')); "
        f"rc = main(['build', '--data', {str(data / 'figures.csv')!r}, '--out', {str(out)!r}, '--formats', 'png', "
        "'--quiet']); print(rc, 'pandas' in sys.modules, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr
    assert "nothing changed" in done.stderr


def test_no_op_stamp_falls_back_to_the_full_check_when_an_output_is_touched(copy, capsys):
    data, nbs, out = copy
    chart = sorted((out / "figures").glob("*.png"))[0]
    original = chart.read_bytes()
    chart.write_bytes(original)  # same bytes, new time: the stamp no longer matches
    stamp = (out / STAMP_NAME).read_text()
    assert build(data, out, nbs) == 0
    assert "nothing changed" in capsys.readouterr().err  # the full comparison found the bytes unchanged
    assert (out / STAMP_NAME).read_text() != stamp  # and left a stamp for the new time
    chart.write_bytes(b"edited")
    assert build(data, out, nbs) == 1  # an edited output is never taken for "nothing changed"
    assert "changed since" in capsys.readouterr().err


# figure, new value, text the findings must state, claims that must flip from reproduces to diverges,
# derived numbers that must move (old -> new, worked out by hand), notebooks that must run again
SCENARIOS = [
    # 2,000 arrests: the share is 500 / 2,000 = 25%, so X01 (published 50%) no longer reproduces
    ("TNY-001", "2000", "2,000 arrests; 25.0% of them removed", ["X01"], {"arrests", "removed share"}, {"01_first"}),
    # 400 removals in Dallas, read by 02's filter only
    ("TNY-004", "400", "400 removals in Dallas", [], {"Dallas removals"}, {"02_second"}),
    # the published share no notebook reads: only its claim's verdict changes (50% computed, 25% published)
    ("TNY-003", "25", "", ["X01"], set(), set()),
]


@pytest.mark.parametrize("figure_id,value,stated,flipped,moved_keys,rerun", SCENARIOS)
def test_one_edited_figure_flows_through(copy, figure_id, value, stated, flipped, moved_keys, rerun):
    data, nbs, out = copy
    before = tree(out)
    old_ratios = pd.read_csv(out / "figures" / "ratios.csv", keep_default_na=False)
    set_value(data, figure_id, value)
    assert build(data, out, nbs) == 0
    after = tree(out)
    assert stated in findings(out)
    assert {
        k[len("notebooks/") : -len(".ipynb")] for k in after if k.endswith(".ipynb") and before[k] != after[k]
    } == rerun
    verdicts = checks_of(out)
    assert all(verdicts[claim] == "diverges" for claim in flipped)
    changes = (out / "figures" / "changes.md").read_text()
    listed = re.findall(r"^\| ([A-Z]{3}-\d{3}) \| (\w+) \|", changes, flags=re.M)
    assert {fid for fid, _ in listed} == {figure_id}
    new_ratios = pd.read_csv(out / "figures" / "ratios.csv", keep_default_na=False)
    merged = new_ratios.merge(old_ratios, on=["notebook", "key"], suffixes=("", "_old"))
    assert set(merged.loc[merged["value"] != merged["value_old"], "key"]) == moved_keys
    if moved_keys:  # every moved number listed once, nothing else
        section = changes.split("## Derived numbers that moved")[1].split("\n## ")[0]
        assert section.count("\n| ") - 1 == len(moved_keys)
    else:
        assert "## Derived numbers that moved" not in changes
    verdict_section = changes.split("## Published claims whose verdict changed")
    assert len(verdict_section) == (2 if flipped else 1)
    assert all(f"| {claim} | reproduces | diverges |" in verdict_section[-1] for claim in flipped)


def test_a_new_row_matching_a_filter_reruns_only_that_notebook(copy):
    data, nbs, out = copy
    before = tree(out)
    with open(data / "figures.csv", "a", encoding="utf-8") as handle:
        handle.write(
            'TNY-006,tiny_removals,200,removals,exact,200,"Dallas County, TX",2011-10-01,2012-09-30,month,'
            "S02,page 6,medium,\n"
        )
    assert build(data, out, nbs) == 0
    after = tree(out)
    assert [k for k in after if k.startswith("notebooks/") and before.get(k) != after[k]] == [
        "notebooks/02_second.ipynb"
    ]
    assert "500 removals in Dallas" in findings(out)  # 300 + 200
    assert "- TNY-006" in (out / "figures" / "changes.md").read_text()  # listed as added
    assert before["figures/01_first_counts.png"] == after["figures/01_first_counts.png"]


def test_incremental_build_equals_forced_full_build(copy, tmp_path):
    data, nbs, out = copy
    full = tmp_path / "full"
    shutil.copytree(out, full)
    set_value(data, "TNY-004", "400")
    assert build(data, out, nbs) == 0
    assert build(data, full, nbs, force=True) == 0
    assert tree(out) == tree(full)


def test_missing_figure_names_figure_and_notebook_and_changes_nothing(copy, capsys):
    data, nbs, out = copy
    before = tree(out)
    drop_figures(data, "TNY-001")
    assert build(data, out, nbs) == 1
    err = capsys.readouterr().err
    assert "TNY-001" in err and "01_first" in err
    assert tree(out) == before


def test_missing_figure_in_a_fresh_folder_fails_in_the_notebook(copy, tmp_path, capsys):
    data, nbs, _ = copy
    drop_figures(data, "TNY-002")
    kept = SHARED_KERNELS.get()
    assert build(data, tmp_path / "fresh", nbs) == 1
    err = capsys.readouterr().err
    assert "figure TNY-002 is not in figures.csv; notebook 01_first needs it" in err
    assert "executed notebook" in err and not (tmp_path / "fresh" / "figures" / "report.html").exists()
    assert not kept.kernels.stopping and SHARED_KERNELS.get() is kept  # a failing notebook leaves a kept pool open


def test_change_log_compares_with_previous_build_whatever_the_file_is_called(copy, tmp_path):
    """The previous build's inputs are kept under fixed names: a build of 'other.csv' finds them again."""
    data, nbs, _ = copy
    os.rename(data / "figures.csv", data / "other.csv")
    out = tmp_path / "renamed"

    def build_other() -> int:
        notebooks = sorted(nbs.glob("*.ipynb"))
        return run_build(
            data=str(data / "other.csv"),
            out=str(out),
            formats=("png",),
            progress=False,
            notebooks=notebooks,
            kernels=SHARED_KERNELS.get(),
        )

    assert build_other() == 0
    set_value_in(data / "other.csv", "TNY-003", "25")  # a figure no notebook reads: no kernel runs again
    assert build_other() == 0
    changes = (out / "figures" / "changes.md").read_text()
    assert "- figures added: 0; removed: 0; changed: 1" in changes and "| TNY-003 | value | 50 | 25 |" in changes


def test_a_new_output_folder_is_compared_with_the_last_default_build(copy, tmp_path, monkeypatch, capsys):
    """A build into a new --out compares with the project's own last build (here: the base build, standing
    in for it), and its last line gives the full path of the new folder's change log."""
    data, nbs, out = copy
    monkeypatch.setattr(build_stage, "LAST_DEFAULT_BUILD", out)
    set_value(data, "TNY-004", "400")
    fresh = tmp_path / "fresh"
    assert build(data, fresh, nbs) == 0
    changes = (fresh / "figures" / "changes.md").read_text()
    assert "everything is new" not in changes
    assert "| TNY-004 | value | 300 | 400 |" in changes
    assert "| 02_second | Dallas removals | 300 removals | 400 removals | TNY-004 |" in changes
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith(f"see {fresh / 'figures' / 'changes.md'} for what changed.")


def test_change_log_lists_sources_added_and_removed(copy):
    data, nbs, out = copy
    path = data / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[2].startswith("S02,")
    # S03 replaces S02: TNY-004 now cites it; TNY-003 and the claim X01 it publishes go
    lines[2] = (
        "S03,Another made-up report,Institute C,2013-01-01,year,https://example.org/c,,2026-11-01,research report,,,"
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    figures = data / "figures.csv"
    figures.write_text(figures.read_text().replace(",month,S02,page 4,", ",month,S03,page 4,"))
    drop_figures(data, "TNY-003")
    claims = data / "claims.csv"
    claims.write_text("\n".join(l for l in claims.read_text().splitlines() if not l.startswith("X01,")) + "\n")
    assert build(data, out, nbs) == 0
    changes = (out / "figures" / "changes.md").read_text()
    assert "- sources added: 1; removed: 1" in changes
    assert "## Sources added\n\n- S03: Another made-up report\n" in changes
    assert "## Sources removed\n\n- S02: A made-up report\n" in changes
    assert "| X01 | reproduces | (none) |" in changes  # the claim went with its published figure


# ---------------------------------------------------------------- the output folder is the user's


def test_user_files_are_refused_then_kept_with_replace(copy, capsys):
    data, nbs, out = copy
    planted = [out / "figures" / "mine.txt", out / "notebooks" / "my_notes.ipynb", out / "figures" / "sub" / "x.csv"]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("the user's own file")
    before = tree(out)
    set_value(
        data, "TNY-003", "25"
    )  # a figure no notebook reads: outputs change (claims, change log, report), no kernel runs
    assert build(data, out, nbs) == 1
    assert "no scomm build wrote" in capsys.readouterr().err
    assert tree(out) == before
    assert build(data, out, nbs, replace=True) == 0
    for path in planted:
        assert path.read_text() == "the user's own file"


def test_staging_left_by_a_killed_build_is_cleaned(copy):
    data, nbs, out = copy
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f"{STAGING_PREFIX}{dead.pid}-abc"
    (stale / "figures").mkdir(parents=True)
    set_value(
        data, "TNY-003", "25"
    )  # a figure no notebook reads: outputs change (claims, change log, report), no kernel runs
    assert build(data, out, nbs) == 0
    assert not stale.exists()


@pytest.mark.parametrize("errno_name", ["EROFS", "ENOSPC"])
def test_write_failure_is_a_message_and_outputs_are_restored(copy, monkeypatch, capsys, errno_name):
    data, nbs, out = copy
    before = tree(out)
    set_value(
        data, "TNY-003", "25"
    )  # a figure no notebook reads: outputs change (claims, change log, report), no kernel runs
    real_replace, calls = os.replace, []
    code = getattr(errno, errno_name)

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # fail in the middle of moving outputs in
            raise OSError(code, os.strerror(code), str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    assert build(data, out, nbs) == 1
    err = capsys.readouterr().err
    assert os.strerror(code) in err and "Traceback" not in err
    assert len(calls) >= 5  # the failure did happen while outputs were moved in
    monkeypatch.setattr(os, "replace", real_replace)
    assert tree(out) == before


def test_data_path_that_is_a_folder_without_figures(tmp_path, capsys):
    assert main(["build", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 1
    assert f"input file not found: {tmp_path / 'figures.csv'}" in capsys.readouterr().err


def test_interactive_run_on_other_data_writes_to_its_own_folder(base):
    from scomm.notebook import OTHER_DATA_DIR, Run
    from scomm.settings import RunSettings

    data, _, _ = base
    run = Run("01_first", data / "figures.csv", settings=RunSettings())
    assert run.out_dir.parent == OTHER_DATA_DIR and run.out_dir.name.startswith("figures-")
    assert run.data_label == "figures.csv"


# ---------------------------------------------------------------- scomm lineage, on the build's own record


def test_lineage_command_lists_users_of_a_figure(base, capsys):
    _, _, out = base
    assert main(["lineage", "TNY-001", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("TNY-001: tiny_arrests = 1,000 (US, to 2011-09-30; source S01)")
    assert "charts (1):\n    01_first: 01_first_counts\n" in text and "01_first: 50.0% [TNY-002, TNY-001]" in text
    assert "published claims (1):\n    X01: half of those arrested were removed (input)" in text
    assert "02_second" not in text  # 02's filter matches Dallas County's rows only
    assert main(["lineage", "TNY-004", "--out", str(out)]) == 0
    assert "02_second" in capsys.readouterr().out
    assert main(["lineage", "XXX-999", "--out", str(out)]) == 1


def test_lineage_of_a_published_total_names_its_records_claim(base, capsys):
    _, _, out = base
    assert main(["lineage", "TNY-005", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ENF01:" in text and "ice_record_files:arrests:FY2017" in text
    assert text.split("notebooks (")[1].startswith("0)")  # no notebook reads it


def test_notebook_list_is_what_the_build_runs():
    assert [p.name[:2] for p in notebook_paths()] == [f"{i:02d}" for i in range(1, len(notebook_paths()) + 1)]


# ---------------------------------------------------------------- the raw records come first


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

    data, nbs, out = copy
    raw, derived = tmp_path / "raw", tmp_path / "derived"
    raw.mkdir()
    arrests_file = raw / "EROArrests_FY2017.csv.gz"
    write_gz(arrests_file, BANNER + [ARREST_HEADER] + ARRESTS)
    write_gz(raw / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + REMOVALS)
    monkeypatch.setattr(enf, "RAW_DIR", raw)
    monkeypatch.setattr(enf, "DERIVED_DIR", derived)
    assert enf.derive() is True  # the project's derived tables, current
    tables = {p.name: p.read_bytes() for p in derived.iterdir()}
    outputs = tree(out)

    scan, real_derive = enf._scan, enf.derive

    def no_scan(*args, **kwargs):
        raise AssertionError("the raw record files were parsed again although their checksums did not change")

    monkeypatch.setattr(enf, "_scan", no_scan)
    assert build(data, out, nbs) == 0
    assert {p.name: p.read_bytes() for p in derived.iterdir()} == tables and tree(out) == outputs

    monkeypatch.setattr(enf, "_scan", scan)
    write_gz(arrests_file, BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "3/3/2017", "Located")])
    into = []

    def spy(force=False, raw_dir=None, out_dir=None, aors_path=None):
        into.append(Path(out_dir))  # where the build derives; the bundled tables stay in its snapshot
        return False

    monkeypatch.setattr(enf, "derive", spy)
    assert build(data, out, nbs) == 0
    assert len(into) == 1 and into[0].is_relative_to(out) and into[0].name == "derived"
    assert {p.name: p.read_bytes() for p in derived.iterdir()} == tables
    monkeypatch.setattr(enf, "derive", real_derive)
    capsys.readouterr()
    outputs = tree(out)

    write_gz(arrests_file, BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "2/30/2017", "Located")])
    assert build(data, out, nbs) == 1
    err = capsys.readouterr().err
    assert "EROArrests_FY2017.csv.gz, line 13, column 'Apprehension Date': found '2/30/2017'" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in derived.iterdir()} == tables and tree(out) == outputs


def test_a_kept_notebook_keeps_the_last_builds_derived_numbers(tmp_path):
    # a notebook whose reads did not change is not analysed again: its ratios.csv rows come back as the last
    # build wrote them (value a number again), in their order; a notebook without rows there is left out
    from scomm.build_analyses import RATIO_COLUMNS, collect_ratios, previous_ratios

    last = pd.DataFrame(
        [
            ["01_a", 1, "share", 0.25, "percent", "exact", "A-1 A-2", "25.0%"],
            ["02_b", 1, "total", 300.0, "removals", "exact", "B-1", "300"],
            ["01_a", 2, "gap", "", "percent", "exact", "A-3", "n/a"],
        ],
        columns=RATIO_COLUMNS,
    )
    last.to_csv(tmp_path / "ratios.csv", index=False)
    kept = previous_ratios(tmp_path / "ratios.csv", ["01_a", "03_c"])
    assert list(kept) == ["01_a"] and [row["key"] for row in kept["01_a"]] == ["share", "gap"]
    assert kept["01_a"][0]["value"] == 0.25 and kept["01_a"][1]["value"] != kept["01_a"][1]["value"]  # NaN
    rows = collect_ratios(tmp_path, [Path("01_a.ipynb")], {}, kept)
    assert rows[["notebook", "order", "key"]].values.tolist() == [["01_a", 1, "share"], ["01_a", 2, "gap"]]
    assert previous_ratios(tmp_path / "missing.csv", ["01_a"]) == {}


def test_a_kernel_pool_waits_for_kernels_it_started_and_stops_them_on_close(tmp_path):
    from scomm.notebook_runner import KernelPool
    from scomm.same_bytes import kernel_env

    env = kernel_env(os.environ)
    with KernelPool(env, tmp_path) as idle:  # no kernel asked for: nothing to wait for, nothing started
        assert idle.wait_warm(0.0) and idle.size == 0
    pool = KernelPool(env, tmp_path)
    pool.start(1, ())  # kernels started before the plan (a build starts them while it checks the inputs)
    try:
        pool.start(2, ["01_a"])  # the plan asks for two: the first is kept, one more starts
        assert pool.wait_warm(120) and pool.size == 2
        processes = [manager.provisioner.process for manager in pool.kernels._clients]
        assert len(processes) == 2 and all(p.poll() is None for p in processes)  # warm and running
    finally:
        pool.close()
    assert all(p.poll() is not None for p in processes)  # close stopped them
