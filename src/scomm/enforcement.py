"""From ICE's record-level arrest and removal files to small tidy tables: `derive()` and `scomm derive`.

The raw files (data/raw/ice_enforcement/, vendored unchanged) hold one row per ERO administrative
arrest or ICE removal, October 2015 to August 2019, `|`-separated with five banner lines before the
header. DuckDB reads them (all columns as text), every check runs as one SQL query over whole
columns, and the small derived tables are written to data/derived/:

- ice_arrests_monthly.csv      arrests by fiscal year x month x area of responsibility x apprehension method
- ice_removals_monthly.csv     removals by fiscal year x month (of removal) x area of responsibility
- ice_citizenship_yearly.csv   arrests and removals by fiscal year x citizenship, ranked
- ice_record_files.csv         one row per raw file: records, first and last date, sha256

Blank cells are kept as "not recorded", never dropped, so each table sums back to the raw row
counts. The step reruns only when an input's checksum (or the derivation itself) changes; a small
manifest (ice_manifest.json) beside the tables remembers them. A malformed raw file raises
`RecordsError` naming file, line, column and value, and leaves the derived tables as they were:
everything is written to a temporary folder first and moved into place at the end.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scomm.data import FiguresValidationError, Problem
from scomm.paths import DATA_DIR

RAW_DIR = DATA_DIR / "raw" / "ice_enforcement"
DERIVED_DIR = DATA_DIR / "derived"
AORS_CSV = DATA_DIR / "ice_aors.csv"
MANIFEST = "ice_manifest.json"
# Bump when the derivation's output changes for the same inputs (forces one re-derivation).
DERIVATION_VERSION = 1
BANNER_LINES = 5  # lines before the header row
HEADER_LINE = BANNER_LINES + 1
NOT_RECORDED = "not recorded"
AOR_SUFFIX = " Area of Responsibility"
DATE_FORMAT = "%m/%d/%Y"
FILE_RE = re.compile(r"^(EROArrests|ICERemovals)_FY(\d{4})\.csv\.gz$")
MAX_SHOWN = 20  # problem rows located per (file, column) on the error path

ARREST_COLUMNS = ["Area of Responsibility", "Apprehension Date", "Apprehension Method", "Apprehension Landmark",
                  "Operation", "Processing Disposition", "Birth Date", "Citizenship", "Gender"]
REMOVAL_COLUMNS = ["Area of Responsibility", "Apprehension Date", "Processing Disposition Code", "Birth Date",
                   "Citizenship", "Gender", "RC Threat Level", "Final Charge Section", "Departed Date", "Removal Date"]


@dataclass(frozen=True)
class Kind:
    """One family of raw files: arrests or removals."""

    prefix: str
    event: str  # "arrests" / "removals"
    columns: tuple[str, ...]
    date_column: str  # the date that places a record in its month and fiscal year
    other_dates: tuple[str, ...]  # further dates that must parse when present


ARRESTS = Kind("EROArrests", "arrests", tuple(ARREST_COLUMNS), "Apprehension Date", ())
REMOVALS = Kind("ICERemovals", "removals", tuple(REMOVAL_COLUMNS), "Removal Date", ("Apprehension Date", "Departed Date"))
KINDS = {k.prefix: k for k in (ARRESTS, REMOVALS)}

OUTPUTS = ("ice_arrests_monthly.csv", "ice_removals_monthly.csv", "ice_citizenship_yearly.csv", "ice_record_files.csv")


class RecordsError(FiguresValidationError):
    """A raw record file is malformed; `.problems` lists file, line, column, value and what was expected."""


# ---------------------------------------------------------------- inputs and manifest


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def raw_files(raw_dir: Path = RAW_DIR) -> dict[str, list[tuple[int, Path]]]:
    """The record files in `raw_dir`, by kind prefix, as (fiscal year, path) sorted by year."""
    found: dict[str, list[tuple[int, Path]]] = {p: [] for p in KINDS}
    for path in sorted(Path(raw_dir).glob("*.csv.gz")):
        match = FILE_RE.match(path.name)
        if match:
            found[match.group(1)].append((int(match.group(2)), path))
    return found


def _inputs(raw_dir: Path, aors_path: Path) -> dict[str, str]:
    files = [p for group in raw_files(raw_dir).values() for _, p in group]
    sums = {p.name: sha256(p) for p in files}
    sums[aors_path.name] = sha256(aors_path)
    return sums


def _manifest_matches(out_dir: Path, inputs: dict[str, str]) -> bool:
    path = out_dir / MANIFEST
    if not path.exists():
        return False
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if manifest.get("version") != DERIVATION_VERSION or manifest.get("inputs") != inputs:
        return False
    outputs = manifest.get("outputs", {})
    # a derived table deleted or edited by hand is derived again
    return all((out_dir / name).exists() and sha256(out_dir / name) == outputs.get(name) for name in OUTPUTS)


def is_current(raw_dir: Path | None = None, out_dir: Path | None = None, aors_path: Path | None = None) -> bool:
    """True when the derived tables match the inputs' checksums recorded in the manifest."""
    raw_dir, out_dir, aors_path = Path(raw_dir or RAW_DIR), Path(out_dir or DERIVED_DIR), Path(aors_path or AORS_CSV)
    return _manifest_matches(out_dir, _inputs(raw_dir, aors_path))


# ---------------------------------------------------------------- checks that need no parsing


def _check_headers(kind: Kind, files: list[tuple[int, Path]]) -> list[Problem]:
    """Banner title names the fiscal year; line 6 is the expected header row."""
    problems = []
    for year, path in files:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            lines = [handle.readline() for _ in range(HEADER_LINE)]
        title = next(csv.reader([lines[BANNER_LINES - 1]], delimiter="|"), [""])
        if f"FY{year}" not in (title[0] if title else ""):
            problems.append(Problem(path.name, BANNER_LINES, None, (title[0] if title else ""),
                                    f"a banner title naming FY{year}, as the file name does"))
        header = next(csv.reader([lines[HEADER_LINE - 1].rstrip("\r\n")], delimiter="|"), [])
        if header != list(kind.columns):
            problems.append(Problem(path.name, HEADER_LINE, None, "|".join(header),
                                    f"the header row {'|'.join(kind.columns)} after {BANNER_LINES} banner lines"))
    return problems


# ---------------------------------------------------------------- reading with DuckDB


def _connect():
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count() or 1}")
    return con


def _read_sql(paths: list[Path], columns: tuple[str, ...], rejects: str) -> str:
    names = ", ".join(f"'{p.as_posix()}'" for p in paths)
    cols = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
    return (f"read_csv([{names}], delim='|', quote='\"', escape='\"', header=true, skip={BANNER_LINES}, "
            f"columns={{{cols}}}, auto_detect=false, filename=true, store_rejects=true, "
            f"rejects_table='{rejects}_errors', rejects_scan='{rejects}_scans')")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load(con, kind: Kind, files: list[tuple[int, Path]], aors: pd.DataFrame) -> list[Problem]:
    """Create table `kind.event` (file, fiscal_year, aor, month, method, citizenship); return problems."""
    paths = [p for _, p in files]
    years = ", ".join(f"('{p.as_posix()}', {y})" for y, p in files)
    date = _q(kind.date_column)
    method = _q("Apprehension Method") if kind is ARRESTS else "NULL"
    extra_dates = ", ".join(_q(c) for c in kind.other_dates)
    con.execute(f"CREATE TEMP TABLE raw_{kind.event} AS SELECT filename, "
                f"{_q('Area of Responsibility')} AS aor_text, {date} AS date_text, {method} AS method, "
                f"{_q('Citizenship')} AS citizenship{', ' + extra_dates if extra_dates else ''} "
                f"FROM {_read_sql(paths, kind.columns, 'r_' + kind.event)}")
    problems = _rejects(con, kind.event)
    con.register(f"aor_names_{kind.event}", aors)
    con.execute(f"CREATE TEMP TABLE fy_{kind.event} (filename VARCHAR, fiscal_year INTEGER)")
    con.execute(f"INSERT INTO fy_{kind.event} VALUES {years}")
    con.execute(f"""
        CREATE TEMP TABLE {kind.event} AS
        SELECT r.filename, f.fiscal_year, r.aor_text, r.date_text,
               try_strptime(trim(r.date_text), '{DATE_FORMAT}')::DATE AS day,
               CASE WHEN r.aor_text IS NULL OR trim(r.aor_text) = '' THEN '{NOT_RECORDED}' ELSE a.aor END AS aor,
               coalesce(nullif(trim(r.method), ''), '{NOT_RECORDED}') AS method,
               coalesce(nullif(trim(r.citizenship), ''), '{NOT_RECORDED}') AS citizenship
               {''.join(f', r.{_q(c)}' for c in kind.other_dates)}
        FROM raw_{kind.event} r
        JOIN fy_{kind.event} f USING (filename)
        LEFT JOIN aor_names_{kind.event} a ON trim(r.aor_text) = a.name || '{AOR_SUFFIX}'""")
    return problems + _value_problems(con, kind)


def _rejects(con, event: str) -> list[Problem]:
    rows = con.sql(f"""SELECT s.file_path, e.line, e.column_name, e.csv_line, e.error_type, e.error_message
                       FROM r_{event}_errors e JOIN r_{event}_scans s USING (scan_id, file_id)
                       ORDER BY s.file_path, e.line LIMIT 200""").fetchall()
    out, seen = [], set()
    for path, line, column, text, kind, message in rows:
        if (path, line) in seen:  # a short row is reported once per missing column: once is enough
            continue
        seen.add((path, line))
        expected = f"{len(KINDS_BY_EVENT[event].columns)} '|'-separated fields, as in the header" \
            if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS") else f"a well-formed record ({message})"
        out.append(Problem(Path(path).name, int(line), None, text, expected))
    return out


KINDS_BY_EVENT = {k.event: k for k in KINDS.values()}


def _value_problems(con, kind: Kind) -> list[Problem]:
    """Dates that do not parse or fall outside the file's fiscal year; areas with no code."""
    t = kind.event
    checks = [
        (kind.date_column, f"date_text IS NULL OR trim(date_text) = ''", "date_text",
         f"a date M/D/YYYY (this column is required)"),
        (kind.date_column, "trim(date_text) <> '' AND day IS NULL", "date_text", "a date M/D/YYYY that exists"),
        (kind.date_column, "day IS NOT NULL AND (day < make_date(fiscal_year - 1, 10, 1) OR day > make_date(fiscal_year, 9, 30))",
         "date_text", "a date within the file's fiscal year (1 October of the year before to 30 September)"),
        ("Area of Responsibility", "aor IS NULL", "aor_text",
         "an area of responsibility listed in data/ice_aors.csv (name + ' Area of Responsibility'), or a blank cell"),
    ]
    for col in kind.other_dates:
        checks.append((col, f"trim({_q(col)}) <> '' AND try_strptime(trim({_q(col)}), '{DATE_FORMAT}') IS NULL",
                       _q(col), "a date M/D/YYYY that exists, or a blank cell"))
    problems: list[Problem] = []
    for column, condition, value_expr, expected in checks:
        bad = con.sql(f"SELECT filename, list(DISTINCT {value_expr}) FROM {t} WHERE {condition} GROUP BY filename "
                      f"ORDER BY filename").fetchall()
        for path, values in bad:
            problems += _locate(Path(path), kind, column, set(values), expected)
    return problems


def _locate(path: Path, kind: Kind, column: str, values: set, expected: str) -> list[Problem]:
    """Error path only: the lines of `path` whose `column` holds one of `values` (a blank cell when None)."""
    index = kind.columns.index(column)
    wanted = {"" if v is None else v for v in values}
    out = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="|")
        start = 0
        for record in reader:
            line, start = start + 1, reader.line_num
            if line <= HEADER_LINE or len(record) != len(kind.columns):
                continue
            if record[index] in wanted or record[index].strip() in wanted:
                out.append(Problem(path.name, line, column, record[index], expected))
                if len(out) >= MAX_SHOWN:
                    break
    return out


# ---------------------------------------------------------------- derived tables


def _tables(con) -> dict[str, pd.DataFrame]:
    arrests = con.sql("""
        SELECT fiscal_year, strftime(date_trunc('month', day), '%Y-%m-%d') AS month, aor,
               method AS apprehension_method, count(*) AS arrests
        FROM arrests GROUP BY ALL ORDER BY month, aor, apprehension_method""").df()
    removals = con.sql("""
        SELECT fiscal_year, strftime(date_trunc('month', day), '%Y-%m-%d') AS month, aor, count(*) AS removals
        FROM removals GROUP BY ALL ORDER BY month, aor""").df()
    citizenship = con.sql("""
        WITH counts AS (
            SELECT fiscal_year, 'arrests' AS event, citizenship, count(*) AS records FROM arrests GROUP BY ALL
            UNION ALL
            SELECT fiscal_year, 'removals' AS event, citizenship, count(*) AS records FROM removals GROUP BY ALL)
        SELECT fiscal_year, event,
               row_number() OVER (PARTITION BY fiscal_year, event ORDER BY records DESC, citizenship) AS rank,
               citizenship, records
        FROM counts ORDER BY fiscal_year, event, rank""").df()
    files = con.sql("""
        SELECT filename AS file, event, fiscal_year, count(*) AS records,
               strftime(min(day), '%Y-%m-%d') AS first_date, strftime(max(day), '%Y-%m-%d') AS last_date
        FROM (SELECT filename, 'arrests' AS event, fiscal_year, day FROM arrests
              UNION ALL SELECT filename, 'removals' AS event, fiscal_year, day FROM removals)
        GROUP BY ALL ORDER BY event, fiscal_year""").df()
    files["file"] = [Path(f).name for f in files["file"]]
    return {"ice_arrests_monthly.csv": arrests, "ice_removals_monthly.csv": removals,
            "ice_citizenship_yearly.csv": citizenship, "ice_record_files.csv": files}


def _write(tables: dict[str, pd.DataFrame], inputs: dict[str, str], out_dir: Path) -> None:
    """Write every table to a temporary folder beside `out_dir`, then move them in; the manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".derive-", dir=out_dir))
    try:
        outputs = {}
        for name, frame in tables.items():
            if name == "ice_record_files.csv":
                frame = frame.assign(sha256=[inputs[f] for f in frame["file"]])
            frame.to_csv(staging / name, index=False, lineterminator="\n")
            outputs[name] = sha256(staging / name)
        manifest = {"version": DERIVATION_VERSION, "inputs": inputs, "outputs": outputs}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (out_dir / MANIFEST).unlink(missing_ok=True)  # an interrupted move leaves no manifest: next run re-derives
        for name in tables:
            os.replace(staging / name, out_dir / name)
        os.replace(staging / MANIFEST, out_dir / MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def derive(force: bool = False, raw_dir: str | Path | None = None, out_dir: str | Path | None = None,
           aors_path: str | Path | None = None) -> bool:
    """Derive the tables of data/derived/ from the raw record files; True when it derived, False when current.

    Skips the work when every input's SHA-256 (raw files and data/ice_aors.csv), the derivation
    version and the derived files themselves match the manifest, unless `force`. Raises
    RecordsError (file, line, column, value, expected) on a malformed file, leaving `out_dir` as it was.
    """
    raw_dir, out_dir = Path(raw_dir or RAW_DIR), Path(out_dir or DERIVED_DIR)
    aors_path = Path(aors_path or AORS_CSV)
    inputs = _inputs(raw_dir, aors_path)
    if not force and _manifest_matches(out_dir, inputs):
        return False
    files = raw_files(raw_dir)
    problems = [Problem(str(raw_dir), None, None, None, f"at least one {prefix}_FYyyyy.csv.gz file")
                for prefix, group in files.items() if not group]
    for prefix, group in files.items():
        problems += _check_headers(KINDS[prefix], group)
    if problems:
        raise RecordsError(problems)
    from scomm.data import load_table

    aors = load_table("ice_aors", aors_path)[["aor", "name"]].astype(str)
    con = _connect()
    try:
        for prefix, group in files.items():
            problems += _load(con, KINDS[prefix], group, aors)
        if problems:
            raise RecordsError(problems)
        tables = _tables(con)
    finally:
        con.close()
    _write(tables, inputs, out_dir)
    return True


def count_rows(raw_dir: str | Path | None = None) -> dict[str, int]:
    """DuckDB alone counting the records of the same files (the benchmark's floor), by kind."""
    files = raw_files(Path(raw_dir or RAW_DIR))
    con = _connect()
    try:
        return {KINDS[p].event: con.sql(f"SELECT count(*) FROM {_read_sql([x for _, x in g], KINDS[p].columns, 'c_' + p)}")
                .fetchall()[0][0] for p, g in files.items()}
    finally:
        con.close()


def main(force: bool = False) -> int:
    """`scomm derive`: derive, print what happened; exit code 1 with every problem on bad input."""
    import sys
    import time

    start = time.perf_counter()
    try:
        done = derive(force=force)
    except RecordsError as err:
        print(err, file=sys.stderr)
        print("The derived tables were left as they were.", file=sys.stderr)
        return 1
    took = time.perf_counter() - start
    where = DERIVED_DIR.relative_to(DATA_DIR.parent) if DERIVED_DIR.is_relative_to(DATA_DIR.parent) else DERIVED_DIR
    if done:
        counts = pd.read_csv(DERIVED_DIR / "ice_record_files.csv")
        summary = ", ".join(f"{int(n):,} {e}" for e, n in counts.groupby("event")["records"].sum().items())
        print(f"Derived {len(OUTPUTS)} tables in {where}/ from {len(counts)} raw files ({summary}) in {took:.1f} s.")
    else:
        print(f"Up to date: the raw files' checksums match {where}/{MANIFEST}; nothing derived (--force to redo).")
    return 0
