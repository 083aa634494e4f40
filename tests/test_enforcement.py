"""`scomm derive`: raw ICE record files in, tidy tables out; checks, the checksum skip, atomic writes."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from scomm import enforcement as enf
from scomm.paths import DATA_DIR

BANNER = ['"ERO-LESA Statistical Tracking Unit"||||||||', '"For Official Use Only (FOUO)/Pre-decisional"||||||||',
          '"2019-ICFO-53623"||||||||', "||||||||", '"ERO Administrative Arrests for FY2017"||||||||']
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
REMOVAL_BANNER = [b.replace("||||||||", "|||||||||").replace("ERO Administrative Arrests", "ICE Removals") for b in BANNER]
REMOVAL_HEADER = "|".join(f'"{c}"' for c in enf.REMOVAL_COLUMNS)
REMOVALS = [
    f'"Dallas Area of Responsibility"|8/26/2016|"REINST"|{REDACTED}|"MEXICO"|"Male"|"(B)(7)(E) "|"212a9Aii"|10/1/2016|10/1/2016',
    f'"Dallas Area of Responsibility"||"ER"|{REDACTED}|"MEXICO"|"Male"|"NA"|"212a6Ai"|10/3/2016|10/3/2016',
    f'"Miami Area of Responsibility"|1/2/2017|"REINST"|{REDACTED}|"HAITI"|"Female"|"NA"||2/1/2017|2/2/2017',
]


def write_gz(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
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
        {"fiscal_year": 2017, "month": "2016-10-01", "aor": "DAL", "apprehension_method": "CAP Local Incarceration", "arrests": 2},
        {"fiscal_year": 2017, "month": "2016-11-01", "aor": "DAL", "apprehension_method": "287(g) Program", "arrests": 1},
        {"fiscal_year": 2017, "month": "2016-11-01", "aor": "not recorded", "apprehension_method": "Located", "arrests": 1},
        {"fiscal_year": 2017, "month": "2016-12-01", "aor": "SPM", "apprehension_method": "CAP Local Incarceration", "arrests": 1},
        {"fiscal_year": 2017, "month": "2017-09-01", "aor": "HQ", "apprehension_method": "Non-Custodial Arrest", "arrests": 1},
    ]
    removals = pd.read_csv(out / "ice_removals_monthly.csv")
    assert removals.to_dict("records") == [
        {"fiscal_year": 2017, "month": "2016-10-01", "aor": "DAL", "removals": 2},
        {"fiscal_year": 2017, "month": "2017-02-01", "aor": "MIA", "removals": 1},
    ]
    cit = pd.read_csv(out / "ice_citizenship_yearly.csv")
    assert cit[cit["event"] == "arrests"][["rank", "citizenship", "records"]].values.tolist() == [
        [1, "MEXICO", 4], [2, "GUATEMALA", 1], [3, "HONDURAS", 1]]
    files = pd.read_csv(out / "ice_record_files.csv").set_index("file")
    assert files.loc["EROArrests_FY2017.csv.gz", "records"] == len(ARRESTS)
    assert files.loc["ICERemovals_FY2017.csv.gz", "records"] == len(REMOVALS)
    assert files.loc["EROArrests_FY2017.csv.gz", "last_date"] == "2017-09-30"
    assert files.loc["ICERemovals_FY2017.csv.gz", "sha256"] == hashlib.sha256(
        (raw / "ICERemovals_FY2017.csv.gz").read_bytes()).hexdigest()
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
    write_gz(raw / "EROArrests_FY2017.csv.gz", BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Miami", "3/1/2017", "Located")])
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
        ("EROArrests_FY2017.csv.gz", 9, "Apprehension Date", "2/30/2017")]
    assert "line 9" in str(err) and "M/D/YYYY" in str(err)


def test_date_outside_fiscal_year(raw):
    err = _error(raw, ARRESTS + [arrest("Dallas", "10/1/2017", "Located")])
    assert [(p.line, p.column, p.value) for p in err.problems] == [(13, "Apprehension Date", "10/1/2017")]
    assert "fiscal year" in err.problems[0].expected


def test_unknown_area(raw):
    err = _error(raw, [arrest("Narnia", "10/1/2016", "Located")] + ARRESTS)
    assert [(p.line, p.column, p.value) for p in err.problems] == [
        (7, "Area of Responsibility", "Narnia Area of Responsibility")]
    assert "data/ice_aors.csv" in err.problems[0].expected


def test_short_row_and_bad_header(raw):
    err = _error(raw, ARRESTS + ['"Dallas Area of Responsibility"|10/1/2016|"Located"'])
    assert [(p.file, p.line) for p in err.problems] == [("EROArrests_FY2017.csv.gz", 13)]
    assert "9 '|'-separated fields" in err.problems[0].expected
    err = _error(raw, ARRESTS, header=ARREST_HEADER.replace("Citizenship", "Nationality"))
    assert [(p.line, p.column) for p in err.problems] == [(6, None)]


def test_removal_dates_checked(raw):
    rows = REMOVALS + [REMOVALS[0].replace("|10/1/2016|10/1/2016", "|9/31/2016|10/1/2016"),  # departed: no such day
                       REMOVALS[0].replace("|10/1/2016|10/1/2016", "|10/1/2016|")]  # removal date blank
    write_gz(raw / "ICERemovals_FY2017.csv.gz", REMOVAL_BANNER + [REMOVAL_HEADER] + rows)
    with pytest.raises(enf.RecordsError) as info:
        run(raw)
    assert [(p.file, p.line, p.column, p.value) for p in info.value.problems] == [
        ("ICERemovals_FY2017.csv.gz", 10, "Departed Date", "9/31/2016"),
        ("ICERemovals_FY2017.csv.gz", 11, "Removal Date", "")]
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
    write_gz(raw / "EROArrests_FY2017.csv.gz", BANNER + [ARREST_HEADER] + ARRESTS + [arrest("Dallas", "1/1/17", "Located")])
    assert main(["derive"]) == 1
    err = capsys.readouterr().err
    assert "EROArrests_FY2017.csv.gz, line 13, column 'Apprehension Date': found '1/1/17'" in err
    assert "left as they were" in err and "Traceback" not in err


# ---------------------------------------------------------------- the bundled data


def test_bundled_raw_files_match_their_checksums():
    raw = DATA_DIR / "raw" / "ice_enforcement"
    listed = dict(line.split()[::-1] for line in (raw / "SHA256SUMS").read_text().splitlines())
    assert len(listed) == 9
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
