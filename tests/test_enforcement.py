"""`scomm derive`: raw ICE record files in, tidy tables out; checks, the checksum skip, atomic writes."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from scomm import enforcement as enf
from scomm.paths import DATA_DIR

BANNER = [
    '"ERO-LESA Statistical Tracking Unit"||||||||',
    '"For Official Use Only (FOUO)/Pre-decisional"||||||||',
    '"2019-ICFO-53623"||||||||',
    "||||||||",
    '"ERO Administrative Arrests for FY2017"||||||||',
]
ARREST_HEADER = "|".join(f'"{c}"' for c in enf.ARREST_COLUMNS)
REDACTED = '"(B)(6);(B)(7)(C) "'


def arrest(aor: str, date: str, method: str, citizenship: str = "MEXICO") -> str:
    aor_cell = f'"{aor} Area of Responsibility"' if aor else ""
    return f'{aor_cell}|{date}|"{method}"|"SOME COUNTY JAIL"|"(B)(7)(E) "|"Detainer"|{REDACTED}|"{citizenship}"|"Male"'


# Lines 7-12 of the hand-made arrests file (line 1-5 banner, line 6 header).
ARRESTS = [
    arrest("Dallas", "10/1/2016", "CAP Local Incarceration"),
    arrest("Dallas", "10/15/2016", "CAP Local Incarceration", "GUATEMALA"),
    arrest("Dallas", "11/2/2016", "287(g) Program"),
    arrest("", "11/3/2016", "Located", "HONDURAS"),  # no area recorded: kept as "not recorded"
    arrest("HQ", "9/30/2017", "Non-Custodial Arrest"),
    arrest("St. Paul", "12/31/2016", "CAP Local Incarceration"),
]
REMOVAL_BANNER = [
    b.replace("||||||||", "|||||||||").replace("ERO Administrative Arrests", "ICE Removals") for b in BANNER
]
REMOVAL_HEADER = "|".join(f'"{c}"' for c in enf.REMOVAL_COLUMNS)
REMOVALS = [
    f'"Dallas Area of Responsibility"|8/26/2016|"REINST"|{REDACTED}|"MEXICO"|"Male"|"(B)(7)(E) "|"212a9Aii"|10/1/2016|10/1/2016',
    f'"Dallas Area of Responsibility"||"ER"|{REDACTED}|"MEXICO"|"Male"|"NA"|"212a6Ai"|10/3/2016|10/3/2016',
    f'"Miami Area of Responsibility"|1/2/2017|"REINST"|{REDACTED}|"HAITI"|"Female"|"NA"||2/1/2017|2/2/2017',
]


def seal(folder: Path) -> None:
    """Write the folder's SHA256SUMS for the files in it, as a maintainer does after replacing one."""
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(folder.glob("*.csv.gz"))]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def write_gz(path: Path, lines: list[str], sealed: bool = True) -> Path:
    """A gzip record file; `sealed`: its checksum recorded in SHA256SUMS (as for a deliberate update)."""
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
    if sealed:
        seal(path.parent)
    return path


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A small raw folder: one arrests file and one removals file for FY2017."""
    folder = tmp_path / "raw"
    folder.mkdir()
    write_gz(folder / "EROArrests_FY2017.csv.gz", BANNER + [ARREST_HEADER] + ARRESTS)
    write_gz(folder / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + REMOVALS)
    return folder


def run(raw: Path, force: bool = False) -> bool:
    return enf.derive(force=force, raw_dir=raw, out_dir=raw.parent / "derived")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_derive_small_file_tables(raw):
    assert run(raw) is True
    out = raw.parent / "derived"
    arrests = pd.read_csv(out / "ice_arrests_monthly.csv")
    assert arrests.to_dict("records") == [
        {
            "fiscal_year": 2017,
            "month": "2016-10-01",
            "aor": "DAL",
            "apprehension_method": "CAP Local Incarceration",
            "arrests": 2,
        },
        {
            "fiscal_year": 2017,
            "month": "2016-11-01",
            "aor": "DAL",
            "apprehension_method": "287(g) Program",
            "arrests": 1,
        },
        {
            "fiscal_year": 2017,
            "month": "2016-11-01",
            "aor": "not recorded",
            "apprehension_method": "Located",
            "arrests": 1,
        },
        {
            "fiscal_year": 2017,
            "month": "2016-12-01",
            "aor": "SPM",
            "apprehension_method": "CAP Local Incarceration",
            "arrests": 1,
        },
        {
            "fiscal_year": 2017,
            "month": "2017-09-01",
            "aor": "HQ",
            "apprehension_method": "Non-Custodial Arrest",
            "arrests": 1,
        },
    ]
    removals = pd.read_csv(out / "ice_removals_monthly.csv")
    assert removals.to_dict("records") == [
        {"fiscal_year": 2017, "month": "2016-10-01", "aor": "DAL", "removals": 2},
        {"fiscal_year": 2017, "month": "2017-02-01", "aor": "MIA", "removals": 1},
    ]
    cit = pd.read_csv(out / "ice_citizenship_yearly.csv")
    assert cit[cit["event"] == "arrests"][["rank", "citizenship", "records"]].values.tolist() == [
        [1, "MEXICO", 4],
        [2, "GUATEMALA", 1],
        [3, "HONDURAS", 1],
    ]
    files = pd.read_csv(out / "ice_record_files.csv").set_index("file")
    assert files.loc["EROArrests_FY2017.csv.gz", "records"] == len(ARRESTS)
    assert files.loc["ICERemovals_FY2017.csv.gz", "records"] == len(REMOVALS)
    assert files.loc["EROArrests_FY2017.csv.gz", "last_date"] == "2017-09-30"
    assert (
        files.loc["ICERemovals_FY2017.csv.gz", "sha256"]
        == hashlib.sha256((raw / "ICERemovals_FY2017.csv.gz").read_bytes()).hexdigest()
    )
    # every table sums back to the raw row counts: nothing dropped
    assert arrests["arrests"].sum() == len(ARRESTS) and removals["removals"].sum() == len(REMOVALS)
    assert cit.groupby("event")["records"].sum().to_dict() == {"arrests": len(ARRESTS), "removals": len(REMOVALS)}


def test_checksum_skip_and_rerun(raw):
    out = raw.parent / "derived"
    assert run(raw) is True
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert run(raw) is False  # nothing changed: nothing written
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert enf.is_current(raw, out)
    assert run(raw, force=True) is True
    # a changed raw file (one more record) is derived again
    write_gz(
        raw / "EROArrests_FY2017.csv.gz", BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Miami", "3/1/2017", "Located")]
    )
    assert not enf.is_current(raw, out)
    assert run(raw) is True
    assert pd.read_csv(out / "ice_arrests_monthly.csv")["arrests"].sum() == len(ARRESTS) + 1
    # a derived table deleted by hand is derived again
    (out / "ice_removals_monthly.csv").unlink()
    assert run(raw) is True and (out / "ice_removals_monthly.csv").exists()


def _error(raw: Path, rows: list[str], header: str = ARREST_HEADER) -> enf.RecordsError:
    write_gz(raw / "EROArrests_FY2017.csv.gz", BANNER + [header] + rows)
    with pytest.raises(enf.RecordsError) as info:
        run(raw)
    return info.value


def test_bad_date_names_file_line_column_value(raw):
    err = _error(raw, ARRESTS[:2] + [arrest("Dallas", "2/30/2017", "Located")] + ARRESTS[2:])
    assert [(p.file, p.line, p.column, p.value) for p in err.problems] == [
        ("EROArrests_FY2017.csv.gz", 9, "Apprehension Date", "2/30/2017")
    ]
    assert "line 9" in str(err) and "M/D/YYYY" in str(err)


def test_date_outside_fiscal_year(raw):
    err = _error(raw, ARRESTS + [arrest("Dallas", "10/1/2017", "Located")])
    assert [(p.line, p.column, p.value) for p in err.problems] == [(13, "Apprehension Date", "10/1/2017")]
    assert "fiscal year" in err.problems[0].expected


def test_unknown_area(raw):
    err = _error(raw, [arrest("Narnia", "10/1/2016", "Located")] + ARRESTS)
    assert [(p.line, p.column, p.value) for p in err.problems] == [
        (7, "Area of Responsibility", "Narnia Area of Responsibility")
    ]
    assert "data/ice_aors.csv" in err.problems[0].expected


def test_short_row_and_bad_header(raw):
    err = _error(raw, ARRESTS + ['"Dallas Area of Responsibility"|10/1/2016|"Located"'])
    assert [(p.file, p.line) for p in err.problems] == [("EROArrests_FY2017.csv.gz", 13)]
    assert "9 '|'-separated fields" in err.problems[0].expected
    err = _error(raw, ARRESTS, header=ARREST_HEADER.replace("Citizenship", "Nationality"))
    assert [(p.line, p.column) for p in err.problems] == [(6, None)]


def test_removal_dates_checked(raw):
    rows = REMOVALS + [
        REMOVALS[0].replace("|10/1/2016|10/1/2016", "|9/31/2016|10/1/2016"),  # departed: no such day
        REMOVALS[0].replace("|10/1/2016|10/1/2016", "|10/1/2016|"),
    ]  # removal date blank
    write_gz(raw / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + rows)
    with pytest.raises(enf.RecordsError) as info:
        run(raw)
    assert [(p.file, p.line, p.column, p.value) for p in info.value.problems] == [
        ("ICERemovals_FY2017.csv.gz", 10, "Departed Date", "9/31/2016"),
        ("ICERemovals_FY2017.csv.gz", 11, "Removal Date", ""),
    ]
    assert "required" in info.value.problems[1].expected


def test_failure_leaves_derived_tables_untouched(raw):
    out = raw.parent / "derived"
    assert run(raw) is True
    before = snapshot(out)
    _error(raw, ARRESTS + [arrest("Dallas", "13/1/2017", "Located")])
    assert snapshot(out) == before  # same files, same bytes, no temporary folder left behind
    assert not enf.is_current(raw, out)  # and the next run tries again


def test_cli_reports_problem_without_traceback(raw, monkeypatch, capsys):
    from scomm.cli import main

    monkeypatch.setattr(enf, "RAW_DIR", raw)
    monkeypatch.setattr(enf, "DERIVED_DIR", raw.parent / "derived")
    assert main(["derive"]) == 0
    assert "Derived 4 tables" in capsys.readouterr().out
    assert main(["derive"]) == 0
    assert "Up to date" in capsys.readouterr().out
    write_gz(
        raw / "EROArrests_FY2017.csv.gz", BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "1/1/17", "Located")]
    )
    assert main(["derive"]) == 1
    err = capsys.readouterr().err
    assert "EROArrests_FY2017.csv.gz, line 13, column 'Apprehension Date': found '1/1/17'" in err
    assert "left as they were" in err and "Traceback" not in err


# ---------------------------------------------------------------- raw files that are not what they should be


def _problems(raw: Path) -> list:
    with pytest.raises(enf.RecordsError) as info:
        run(raw)
    return info.value.problems


def test_a_record_file_changed_after_its_checksum_was_listed_stops_derive(raw):
    out = raw.parent / "derived"
    assert run(raw) is True
    before = snapshot(out)
    # one record deleted, the checksum not updated (the fault review's silent derivation)
    write_gz(raw / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + REMOVALS[:-1], sealed=False)
    found = _problems(raw)
    assert [(p.file, p.line) for p in found] == [("ICERemovals_FY2017.csv.gz", None)]
    assert "SHA256SUMS" in found[0].expected and "sha256sum ICERemovals_FY2017.csv.gz" in found[0].expected
    assert snapshot(out) == before


def test_unlisted_and_missing_record_files_are_named(raw):
    write_gz(raw / "EROArrests_FY2018.csv.gz", BANNER + [ARREST_HEADER], sealed=False)
    (raw / "ICERemovals_FY2017.csv.gz").unlink()
    found = _problems(raw)
    assert {p.file for p in found} == {"EROArrests_FY2018.csv.gz", "ICERemovals_FY2017.csv.gz"}
    assert any("a line for it" in p.expected for p in found) and any("missing" in p.expected for p in found)


def test_no_checksum_file_is_a_problem(raw):
    (raw / "SHA256SUMS").unlink()
    assert [p.file for p in _problems(raw)] == ["SHA256SUMS"]


def test_truncated_gzip_is_named_with_what_was_expected(raw):
    path = raw / "EROArrests_FY2017.csv.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    seal(raw)
    found = _problems(raw)
    assert [p.file for p in found] == ["EROArrests_FY2017.csv.gz"]
    assert "complete gzip file" in found[0].expected


def test_a_file_that_is_not_gzip_is_named(raw):
    (raw / "EROArrests_FY2017.csv.gz").write_text("Area of Responsibility|Apprehension Date\n")
    seal(raw)
    found = _problems(raw)
    assert [p.file for p in found] == ["EROArrests_FY2017.csv.gz"] and "gzip" in found[0].expected


def test_a_banner_byte_that_is_not_utf8_is_named_with_its_line(raw):
    path = raw / "EROArrests_FY2017.csv.gz"
    lines = [line.encode() for line in BANNER + [ARREST_HEADER] + ARRESTS]
    lines[2] = b'"2019-ICFO-53623 \xe9"||||||||'
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n", mtime=0))
    seal(raw)
    found = _problems(raw)
    assert [(p.file, p.line) for p in found] == [("EROArrests_FY2017.csv.gz", 3)] and "UTF-8" in found[0].expected


def test_a_folder_whose_name_holds_an_apostrophe_is_read(tmp_path):
    folder = tmp_path / "O'Brien's copy" / "raw"
    folder.mkdir(parents=True)
    write_gz(folder / "EROArrests_FY2017.csv.gz", BANNER + [ARREST_HEADER] + ARRESTS)
    write_gz(folder / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + REMOVALS)
    assert run(folder) is True
    assert pd.read_csv(folder.parent / "derived" / "ice_arrests_monthly.csv")["arrests"].sum() == len(ARRESTS)


def test_record_text_that_looks_like_a_formula_is_defused(raw):
    write_gz(
        raw / "EROArrests_FY2017.csv.gz",
        BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "3/1/2017", "@SUM(1)", "=HYPERLINK(1)")],
    )
    assert run(raw) is True
    out = raw.parent / "derived"
    citizenship = pd.read_csv(out / "ice_citizenship_yearly.csv", keep_default_na=False)["citizenship"]
    assert "'=HYPERLINK(1)" in set(citizenship) and not any(c.startswith("=") for c in citizenship)
    methods = set(pd.read_csv(out / "ice_arrests_monthly.csv")["apprehension_method"])
    assert "'@SUM(1)" in methods and "CAP Local Incarceration" in methods


def test_staging_left_by_a_killed_derive_is_removed(raw):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = raw.parent / "derived"
    stale = out / f"{enf.STAGING_PREFIX}{dead.pid}-x"
    stale.mkdir(parents=True)
    (stale / "ice_arrests_monthly.csv").write_text("partial")
    assert run(raw) is True
    assert not stale.exists() and not list(out.glob(enf.STAGING_PREFIX + "*"))


# ---------------------------------------------------------------- the bundled data


def test_bundled_raw_files_match_their_checksums():
    raw = DATA_DIR / "raw" / "ice_enforcement"
    listed = dict(line.split()[::-1] for line in (raw / "SHA256SUMS").read_text().splitlines())
    assert len(listed) == 12  # 8 arrest and removal files, 3 encounter files, the county crosswalk
    for name, digest in listed.items():
        assert enf.sha256(raw / name) == digest, name


def test_bundled_derived_tables_are_current_and_sum_to_raw_rows():
    from scomm.data import load_table

    assert enf.is_current(), "run: scomm derive"
    files = load_table("ice_record_files").set_index("file")
    # raw rows counted independently of DuckDB: lines after the five banner lines and the header
    for name in files.index:
        with gzip.open(DATA_DIR / "raw" / "ice_enforcement" / name, "rb") as handle:
            rows = sum(1 for _ in handle) - enf.HEADER_LINE
        assert files.loc[name, "records"] == rows, name
    arrests = load_table("ice_arrests_monthly").groupby("fiscal_year")["arrests"].sum()
    removals = load_table("ice_removals_monthly").groupby("fiscal_year")["removals"].sum()
    by_year = files.reset_index().pivot_table(index="fiscal_year", columns="event", values="records", observed=True)
    assert arrests.to_dict() == by_year["arrests"].to_dict()
    assert removals.to_dict() == by_year["removals"].to_dict()
    cit = load_table("ice_citizenship_yearly").groupby(["fiscal_year", "event"], observed=True)["records"].sum()
    assert cit.unstack()["arrests"].to_dict() == by_year["arrests"].to_dict()
    assert {2016: 110104, 2017: 143470, 2018: 158581, 2019: 131904} == {int(k): int(v) for k, v in arrests.items()}
