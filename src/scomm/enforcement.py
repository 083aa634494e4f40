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
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from scomm import checksums, output_folder
from scomm.data import load_table
from scomm.paths import DATA_DIR
from scomm.problems import FiguresValidationError, Problem

RAW_DIR = DATA_DIR / "raw" / "ice_enforcement"
DERIVED_DIR = DATA_DIR / "derived"
AORS_CSV = DATA_DIR / "ice_aors.csv"
MANIFEST = "ice_manifest.json"
STAGING_PREFIX = ".derive-"
# Bump when the derivation's output changes for the same inputs (forces one re-derivation).
DERIVATION_VERSION = 1
BANNER_LINES = 5  # lines before the header row
HEADER_LINE = BANNER_LINES + 1
NOT_RECORDED = "not recorded"
AOR_SUFFIX = " Area of Responsibility"
DATE_FORMAT = "%m/%d/%Y"
FILE_RE = re.compile(r"^(EROArrests|ICERemovals)_FY(\d{4})\.csv\.gz$")
MAX_SHOWN = 20  # problem rows located per (file, column) on the error path

ARREST_COLUMNS = [
    "Area of Responsibility",
    "Apprehension Date",
    "Apprehension Method",
    "Apprehension Landmark",
    "Operation",
    "Processing Disposition",
    "Birth Date",
    "Citizenship",
    "Gender",
]
REMOVAL_COLUMNS = [
    "Area of Responsibility",
    "Apprehension Date",
    "Processing Disposition Code",
    "Birth Date",
    "Citizenship",
    "Gender",
    "RC Threat Level",
    "Final Charge Section",
    "Departed Date",
    "Removal Date",
]


@dataclass(frozen=True)
class Kind:
    """One family of raw files: arrests or removals."""

    prefix: str
    event: str  # "arrests" / "removals"
    columns: tuple[str, ...]
    date_column: str  # the date that places a record in its month and fiscal year
    other_dates: tuple[str, ...]  # further dates that must parse when present


ARRESTS = Kind("EROArrests", "arrests", tuple(ARREST_COLUMNS), "Apprehension Date", ())
REMOVALS = Kind(
    "ICERemovals", "removals", tuple(REMOVAL_COLUMNS), "Removal Date", ("Apprehension Date", "Departed Date")
)
KINDS = {k.prefix: k for k in (ARRESTS, REMOVALS)}

OUTPUTS = ("ice_arrests_monthly.csv", "ice_removals_monthly.csv", "ice_citizenship_yearly.csv", "ice_record_files.csv")


class RecordsError(FiguresValidationError):
    """A raw record file is malformed; `.problems` lists file, line, column, value and what was expected."""


# ---------------------------------------------------------------- inputs and manifest


sha256 = checksums.sha256


def raw_files(raw_dir: Path = RAW_DIR) -> dict[str, list[tuple[int, Path]]]:
    """The record files in `raw_dir`, by kind prefix, as (fiscal year, path) sorted by year."""
    found: dict[str, list[tuple[int, Path]]] = {p: [] for p in KINDS}
    for path in sorted(Path(raw_dir).glob("*.csv.gz")):
        match = FILE_RE.match(path.name)
        if match:
            found[match.group(1)].append((int(match.group(2)), path))
    return found


def _inputs(raw_dir: Path, aors_path: Path) -> dict[str, str]:
    """SHA-256 of every raw record file and of the areas table; RecordsError when a raw file is not the
    one its folder's SHA256SUMS lists (changed, damaged, unlisted or missing)."""
    files = [p for group in raw_files(raw_dir).values() for _, p in group]
    sums = {p.name: sha256(p) for p in files}
    problems = checksums.verify(raw_dir, sums, known=sums)
    if problems:
        raise RecordsError(problems)
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
        lines: list[str] = []
        try:  # line by line in bytes, so a byte that is not UTF-8 is placed on its line
            with gzip.open(path, "rb") as handle:
                for _ in range(HEADER_LINE):
                    lines.append(handle.readline().decode("utf-8"))
        except (OSError, EOFError, UnicodeDecodeError) as err:
            problems.append(Problem(path.name, len(lines) + 1, None, None, _damage(err)))
            continue
        title = next(csv.reader([lines[BANNER_LINES - 1]], delimiter="|"), [""])
        if f"FY{year}" not in (title[0] if title else ""):
            problems.append(
                Problem(
                    path.name,
                    BANNER_LINES,
                    None,
                    (title[0] if title else ""),
                    f"a banner title naming FY{year}, as the file name does",
                )
            )
        header = next(csv.reader([lines[HEADER_LINE - 1].rstrip("\r\n")], delimiter="|"), [])
        if header != list(kind.columns):
            problems.append(
                Problem(
                    path.name,
                    HEADER_LINE,
                    None,
                    "|".join(header),
                    f"the header row {'|'.join(kind.columns)} after {BANNER_LINES} banner lines",
                )
            )
    return problems


# ---------------------------------------------------------------- reading with DuckDB


def _damage(err: BaseException) -> str:
    """What a raw file should have been, for the error a reader raised on it."""
    if isinstance(err, UnicodeDecodeError):
        return f"UTF-8 text (byte {err.object[err.start : err.start + 1]!r} is not)"
    if isinstance(err, EOFError):
        return "a complete gzip file (it ends early: truncated or partly copied?)"
    return f"a gzip-compressed CSV file ({err})"


def _damaged(path: Path) -> Problem | None:
    """Error path only: read `path` through gzip and UTF-8 to the end; the first fault with its line."""
    line = 1  # the line being read when a fault is met
    try:
        with gzip.open(path, "rb") as handle:
            for raw in handle:
                raw.decode("utf-8")
                line += 1
    except (OSError, EOFError, UnicodeDecodeError) as err:
        return Problem(path.name, line, None, None, _damage(err))
    return None


def _connect():
    import duckdb  # about 0.14 s, needed only to derive the tables: not loaded by the notebooks or the report

    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count() or 1}")
    return con


def _read_sql(paths: list[Path], kind: Kind, rejects: str | None = None, typed: bool = True) -> str:
    """A DuckDB read_csv over `paths`: dates typed as DATE (M/D/YYYY) and the area as the ENUM `aor_name`.

    A cell that does not convert (a date that does not exist, an unknown area) or a row with the
    wrong number of fields is set aside in the rejects table with its line and column.
    """
    names = ", ".join(f"'{_lit(p.as_posix())}'" for p in paths)  # quoted: a path may hold an apostrophe
    date_columns = {kind.date_column, *kind.other_dates}
    types = {
        c: ("DATE" if c in date_columns else "aor_name" if c == "Area of Responsibility" else "VARCHAR")
        if typed
        else "VARCHAR"
        for c in kind.columns
    }
    cols = ", ".join(f"'{c}': '{types[c]}'" for c in kind.columns)
    rejects_sql = (
        f", store_rejects=true, rejects_table='{rejects}_errors', rejects_scan='{rejects}_scans'" if rejects else ""
    )
    return (
        f"read_csv([{names}], delim='|', quote='\"', escape='\"', header=true, skip={BANNER_LINES}, "
        f"dateformat='{DATE_FORMAT}', columns={{{cols}}}, auto_detect=false{rejects_sql})"
    )


def _lit(text: str) -> str:
    """`text` for a single-quoted SQL literal."""
    return text.replace("'", "''")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _scan(con, files: dict[str, list[tuple[int, Path]]], aors: pd.DataFrame, locate: bool = True) -> list[Problem]:
    """One pass over every raw file: table `g` counts records by (kind, file, area, date, method, citizenship).

    Both kinds are read in one query so DuckDB spreads the eight files over the cores; the few
    hundred thousand groups are all the checks and tables need. With `locate`, rows that do not parse
    are set aside in rejects tables and returned as problems; without it (the quicker clean path) the
    first such row makes DuckDB raise, and the caller scans again with `locate`.
    """
    con.execute("CREATE TYPE aor_name AS ENUM (" + ", ".join(f"'{_lit(n + AOR_SUFFIX)}'" for n in aors["name"]) + ")")
    con.execute("CREATE TEMP TABLE aor_codes (aor_text aor_name, aor VARCHAR)")
    con.execute(
        "INSERT INTO aor_codes VALUES "
        + ", ".join(f"('{_lit(n + AOR_SUFFIX)}', '{_lit(a)}')" for a, n in zip(aors["aor"], aors["name"]))
    )
    parts, meta = [], []
    for k, (prefix, group) in enumerate(files.items()):
        kind = KINDS[prefix]
        method = _q("Apprehension Method") if kind is ARRESTS else "NULL::VARCHAR"
        # further date columns are read (and so checked) but not grouped
        others = " + ".join(f"({_q(c)} IS NOT NULL)::INT" for c in kind.other_dates) or "0"
        parts.append(
            f"SELECT {k} AS k, file_index AS fi, {_q('Area of Responsibility')} AS aor_text, "
            f"{_q(kind.date_column)} AS day, {method} AS method, {_q('Citizenship')} AS citizenship, "
            f"{others} AS other_dates FROM {_read_sql([p for _, p in group], kind, 'r' + str(k) if locate else None)}"
        )
        meta += [(k, i, kind.event, year, path.name) for i, (year, path) in enumerate(group)]
    # Months, not days: the checks need only each file's first and last date and its blank dates.
    con.execute(f"""
        CREATE TEMP TABLE g AS
        SELECT k, fi, aor_text, date_trunc('month', day) AS month, method, citizenship,
               GROUPING_ID(citizenship) AS by_area, count(*) AS n, min(day) AS first_day, max(day) AS last_day,
               count(*) - count(day) AS blank_days, sum(other_dates) AS other_dates
        FROM ({" UNION ALL ".join(parts)})
        GROUP BY GROUPING SETS ((k, fi, aor_text, month, method), (k, fi, citizenship))""")
    con.execute("CREATE TEMP TABLE files (k INTEGER, fi BIGINT, event VARCHAR, fiscal_year INTEGER, file VARCHAR)")
    con.execute(
        "INSERT INTO files VALUES "
        + ", ".join(f"({k}, {i}, '{event}', {year}, '{_lit(name)}')" for k, i, event, year, name in meta)
    )
    problems = []
    for k, prefix in enumerate(files):
        problems += _rejects(con, k, KINDS[prefix]) if locate else []
    return problems


def _rejects(con, k: int, kind: Kind) -> list[Problem]:
    """Rows DuckDB set aside: wrong number of fields, dates that do not exist, areas with no code."""
    rows = con.sql(f"""SELECT s.file_path, e.line, e.column_name, e.csv_line, e.error_type, e.error_message
                       FROM r{k}_errors e JOIN r{k}_scans s USING (scan_id, file_id)
                       ORDER BY s.file_path, e.line LIMIT 200""").fetchall()
    out, seen = [], set()
    for path, line, column, text, error_type, message in rows:
        if (path, line) in seen:  # a short row is reported once per missing column: once is enough
            continue
        seen.add((path, line))
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            out.append(
                Problem(
                    Path(path).name,
                    int(line),
                    None,
                    text,
                    f"{len(kind.columns)} '|'-separated fields, as in the header",
                )
            )
            continue
        if error_type == "CAST" and column in kind.columns:
            cells = next(csv.reader([text], delimiter="|"), [])
            value = cells[kind.columns.index(column)] if len(cells) == len(kind.columns) else text
            expected = (
                AREA_EXPECTED
                if column == "Area of Responsibility"
                else "a date M/D/YYYY that exists" + ("" if column == kind.date_column else ", or a blank cell")
            )
            out.append(Problem(Path(path).name, int(line), column, value, expected))
            continue
        out.append(Problem(Path(path).name, int(line), column, text, f"a well-formed record ({message})"))
    return out


AREA_EXPECTED = (
    "an area of responsibility listed in data/ice_aors.csv (name + ' Area of Responsibility'), or a blank cell"
)


def _value_problems(con, files: dict[str, list[tuple[int, Path]]]) -> list[Problem]:
    """Required dates that are blank, and dates outside the file's fiscal year (located on the error path)."""
    bad = con.sql("""
        SELECT f.file, f.event, f.fiscal_year, min(g.first_day), max(g.last_day), sum(g.blank_days)
        FROM g JOIN files f USING (k, fi) WHERE g.by_area = 1
        GROUP BY ALL
        HAVING min(g.first_day) < make_date(f.fiscal_year - 1, 10, 1) OR max(g.last_day) > make_date(f.fiscal_year, 9, 30)
            OR sum(g.blank_days) > 0
        ORDER BY f.file""").fetchall()
    paths = {p.name: p for group in files.values() for _, p in group}
    kinds = {k.event: k for k in KINDS.values()}
    problems: list[Problem] = []
    for name, event, year, first, last, blank in bad:
        kind = kinds[event]
        found = _locate(paths[name], kind, date(year - 1, 10, 1), date(year, 9, 30))
        if not found:  # never let a detected problem pass because it could not be placed on a line
            found = [
                Problem(
                    name,
                    None,
                    kind.date_column,
                    f"{first} to {last}; {blank} blank",
                    "dates within the file's fiscal year (1 October of the year before to 30 September)",
                )
            ]
        problems += found
    return problems


def _locate(path: Path, kind: Kind, start: date, end: date) -> list[Problem]:
    """Error path only: lines of `path` whose main date is blank or outside start..end (read as DuckDB reads it)."""
    index = kind.columns.index(kind.date_column)
    out = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="|")
        start_line = 0
        for record in reader:
            line, start_line = start_line + 1, reader.line_num
            if line <= HEADER_LINE or len(record) != len(kind.columns):
                continue
            cell = record[index].strip()
            if not cell:
                out.append(
                    Problem(
                        path.name, line, kind.date_column, record[index], "a date M/D/YYYY (this column is required)"
                    )
                )
            else:
                try:  # as DuckDB reads M/D/YYYY: any number of digits, so 1/1/17 is the year 17
                    month, day_of_month, year = (int(x) for x in cell.split("/"))
                    day = date(year, month, day_of_month)
                except ValueError:
                    continue  # not a date at all: DuckDB set the row aside and it is reported from there
                if not start <= day <= end:
                    out.append(
                        Problem(
                            path.name,
                            line,
                            kind.date_column,
                            record[index],
                            "a date within the file's fiscal year (1 October of the year before to 30 September)",
                        )
                    )
            if len(out) >= MAX_SHOWN:
                break
    return out


# ---------------------------------------------------------------- derived tables


def _defused(expr: str) -> str:
    """SQL for text from the records that a spreadsheet would run as a formula, prefixed with an apostrophe
    (as `safe_csv.defuse` does for the tables the build writes)."""
    return (
        f"CASE WHEN regexp_matches({expr}, '^[=+@\\t\\r-]') AND TRY_CAST({expr} AS DOUBLE) IS NULL "
        f"THEN '''' || {expr} ELSE {expr} END"
    )


def _tables(con, inputs: dict[str, str]) -> dict[str, str]:
    """The SQL of each derived table (file name -> query), read from `g` where DuckDB runs it."""
    con.execute(f"""
        CREATE TEMP VIEW records AS
        SELECT f.event, f.file, f.fiscal_year, g.month, g.first_day, g.last_day, coalesce(a.aor, '{NOT_RECORDED}') AS aor,
               {_defused(f"coalesce(nullif(trim(g.method), ''), '{NOT_RECORDED}')")} AS method, g.n
        FROM g JOIN files f USING (k, fi) LEFT JOIN aor_codes a USING (aor_text) WHERE g.by_area = 1""")
    con.execute(f"""
        CREATE TEMP VIEW citizenships AS
        SELECT f.event, f.fiscal_year, {_defused(f"coalesce(nullif(trim(g.citizenship), ''), '{NOT_RECORDED}')")}
               AS citizenship, g.n
        FROM g JOIN files f USING (k, fi) WHERE g.by_area = 0""")
    con.execute("CREATE TEMP TABLE sums (file VARCHAR, sha256 VARCHAR)")
    con.executemany("INSERT INTO sums VALUES (?, ?)", list(inputs.items()))
    return {
        "ice_arrests_monthly.csv": """
            SELECT fiscal_year, strftime(month, '%Y-%m-%d') AS month, aor,
                   method AS apprehension_method, sum(n)::BIGINT AS arrests
            FROM records WHERE event = 'arrests' GROUP BY ALL ORDER BY month, aor, apprehension_method""",
        "ice_removals_monthly.csv": """
            SELECT fiscal_year, strftime(month, '%Y-%m-%d') AS month, aor, sum(n)::BIGINT AS removals
            FROM records WHERE event = 'removals' GROUP BY ALL ORDER BY month, aor""",
        "ice_citizenship_yearly.csv": """
            WITH counts AS (SELECT fiscal_year, event, citizenship, sum(n) AS records FROM citizenships GROUP BY ALL)
            SELECT fiscal_year, event,
                   row_number() OVER (PARTITION BY fiscal_year, event ORDER BY records DESC, citizenship) AS rank,
                   citizenship, records::BIGINT AS records
            FROM counts ORDER BY fiscal_year, event, rank""",
        "ice_record_files.csv": """
            SELECT r.file, r.event, r.fiscal_year, sum(r.n)::BIGINT AS records,
                   strftime(min(r.first_day), '%Y-%m-%d') AS first_date, strftime(max(r.last_day), '%Y-%m-%d') AS last_date,
                   s.sha256
            FROM records r JOIN sums s USING (file) GROUP BY ALL ORDER BY r.event, r.fiscal_year""",
    }


def _write(con, tables: dict[str, str], inputs: dict[str, str], out_dir: Path) -> None:
    """DuckDB writes every table (CSV, comma-separated, quoted only where needed) to a temporary folder
    beside `out_dir`; then they are moved in, the manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    output_folder.clean_stale_staging(out_dir, STAGING_PREFIX)  # left by a killed derive
    staging = Path(tempfile.mkdtemp(prefix=output_folder.staging_name(STAGING_PREFIX), dir=out_dir))
    try:
        outputs = {}
        for name, query in tables.items():
            con.execute(f"COPY ({query}) TO '{_lit((staging / name).as_posix())}' (FORMAT csv, HEADER true)")
            outputs[name] = sha256(staging / name)
        manifest = {"version": DERIVATION_VERSION, "inputs": inputs, "outputs": outputs}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        output_folder.move_in(staging, out_dir, tables, MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def derive(
    force: bool = False,
    raw_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    aors_path: str | Path | None = None,
) -> bool:
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
    problems = [
        Problem(str(raw_dir), None, None, None, f"at least one {prefix}_FYyyyy.csv.gz file")
        for prefix, group in files.items()
        if not group
    ]
    for prefix, group in files.items():
        problems += _check_headers(KINDS[prefix], group)
    if problems:
        raise RecordsError(problems)
    aors = load_table("ice_aors", aors_path)[["aor", "name"]].astype(str)
    import duckdb  # about 0.14 s, needed only to derive the tables: not loaded by the notebooks or the report

    con = _connect()
    try:
        try:  # clean path: strict reading, no rejects tables
            problems += _scan(con, files, aors, locate=False)
        except duckdb.InterruptException:  # Ctrl-C during the query: an interrupt, not a bad file
            raise KeyboardInterrupt from None
        except duckdb.Error:  # some row does not parse: read again, setting such rows aside with their lines
            con.close()
            con = _connect()
            try:
                problems += _scan(con, files, aors, locate=True)
            except duckdb.InterruptException:  # Ctrl-C during the query: an interrupt, not a bad file
                raise KeyboardInterrupt from None
            except duckdb.Error as err:  # not a row: a file DuckDB cannot read at all
                damaged = [p for group in files.values() for _, path in group if (p := _damaged(path))]
                raise RecordsError(
                    damaged
                    or [
                        Problem(
                            str(raw_dir), None, None, None, f"record files DuckDB can read ({str(err).splitlines()[0]})"
                        )
                    ]
                ) from None
        problems += _value_problems(con, files)
        if problems:
            raise RecordsError(problems)
        _write(con, _tables(con, inputs), inputs, out_dir)
    finally:
        con.close()
    return True


def derive_for_build(announce: bool = True, out_dir: Path | None = None) -> bool:
    """The build's first step: derive the tables of data/derived/ when a raw file (or the derivation) changed.

    With unchanged checksums nothing is parsed (only the files' SHA-256 are compared with the manifest).
    A malformed raw file raises RecordsError (file, line, column, value, expected) before the build
    writes anything, and the derived tables stay as they were. True when it derived.
    `out_dir`: derive there instead of data/derived/, and only when data/derived/ is out of date (a build
    into another folder writes nothing outside it).
    """
    from scomm import detainers  # detainers imports this module (RecordsError, sha256): a cycle at the top

    if out_dir is not None and is_current() and detainers.is_current():
        return False
    done = derive(out_dir=out_dir) | detainers.derive(out_dir=out_dir)  # the detainer, encounter, 287(g) tables
    if done and announce:
        where = "data/derived/" if out_dir is None else "the build's own copy of data/derived/"
        print(
            f"scomm build: the raw ICE record files changed; derived the tables of {where} again",
            file=sys.stderr,
            flush=True,
        )
    return done


def count_rows(raw_dir: str | Path | None = None) -> int:
    """DuckDB alone counting the records of the same files (all columns as text): the benchmark's floor."""
    files = raw_files(Path(raw_dir or RAW_DIR))
    parts = [
        f"SELECT 1 FROM {_read_sql([p for _, p in g], KINDS[prefix], typed=False)}" for prefix, g in files.items() if g
    ]
    con = _connect()
    try:
        return con.sql(f"SELECT count(*) FROM ({' UNION ALL '.join(parts)})").fetchall()[0][0]
    finally:
        con.close()


def main(force: bool = False) -> int:
    """`scomm derive`: derive, print what happened; exit code 1 with every problem on bad input."""
    start = time.perf_counter()
    try:
        from scomm.detainers import derive as derive_detainers  # a cycle at the top: see derive_for_build

        done = derive(force=force) | derive_detainers(force=force)
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
