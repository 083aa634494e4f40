"""ICE detainers, October 2007 to July 2015, and ICE encounters of FY2016, FY2017 and FY2019: `derive()`.

Inputs (vendored unchanged, each checked against its folder's SHA256SUMS before it is read):

- data/raw/detainers/          NPR's tabulations of ICE's detainer record (by month, year, lift reason,
                               form; declines by facility) and ICE's facility list
- data/raw/ice_enforcement/    EROEncounters_FY2016/2017/2019.csv.gz (FY2018 is missing from every copy)
- data/raw/agreements_287g/    the 2009 OIG roster (CC0) and The Washington Post's panel (CC BY-NC-SA 4.0)
- data/facility_counties.csv   the hand-checked facility -> county crosswalk (source or reason per row)

DuckDB reads every file (paths are passed as query parameters, never written into SQL); the tables
written to data/derived/ are listed in OUTPUTS. Partial years (2007 from 1 October, 2015 to 19 July;
FY2019 to 31 August) are marked in every table that has them. The step reruns only when an input's
checksum or DERIVATION_VERSION changes (manifest detainers_manifest.json); a bad file stops it with
one line naming file, line and what was expected, and leaves data/derived/ as it was.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scomm import checksums, fmt, output_folder
from scomm.data import load_table
from scomm.enforcement import RecordsError, sha256
from scomm.paths import DATA_DIR
from scomm.problems import Problem
from scomm.safe_csv import defuse_formulas

DETAINERS_DIR = DATA_DIR / "raw" / "detainers"
ENCOUNTERS_DIR = DATA_DIR / "raw" / "ice_enforcement"
AGREEMENTS_DIR = DATA_DIR / "raw" / "agreements_287g"
CROSSWALK = DATA_DIR / "facility_counties.csv"
COUNTY_NAMES = DATA_DIR / "raw" / "activations" / "county_names.csv"
STATES = DATA_DIR / "states.csv"
AORS = DATA_DIR / "ice_aors.csv"
DERIVED_DIR = DATA_DIR / "derived"
MANIFEST = "detainers_manifest.json"
DERIVATION_VERSION = 1

ENCOUNTER_YEARS = (2016, 2017, 2019)
MISSING_FISCAL_YEARS = (2018,)
ENCOUNTER_BANNER_LINES = 5
SC_LANDMARK = "SC INTEROPERABILITY LAFO"
NO_PLACE = "OTHER-OTHER FACILITY"
# The detainer record runs from 1 October 2007 to 19 July 2015 (NPR's export README).
RECORD_START, RECORD_END = "2007-10-01", "2015-07-19"
PARTIAL_YEARS = {2007: "partial year: from 1 October 2007", 2015: "partial year: to 19 July 2015"}
PARTIAL_MONTHS = {"2015-07": "partial month: to 19 July 2015"}
WAPO_LICENSE = {
    "name": "CC-BY-NC-SA-4.0",
    "title": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0",
    "path": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
}

DETAINER_FILES = {
    "monthly": ("detainers_by_year_and_month.csv", {"year_month": "VARCHAR", "count": "BIGINT"}),
    "yearly": ("all_detainers_by_year.csv", {"year": "INTEGER", "count": "BIGINT"}),
    "outcomes": (
        "detainers_by_lift_reason_and_year.csv",
        {"year": "INTEGER", "lift_reason": "VARCHAR", "count": "BIGINT"},
    ),
    "forms": ("detainers_by_type_and_year.csv", {"year": "INTEGER", "detainer_type": "VARCHAR", "count": "BIGINT"}),
    "declined": (
        "declined_vs_everythingelse.csv",
        {
            "year": "INTEGER",
            "facility": "VARCHAR",
            "city": "VARCHAR",
            "state": "VARCHAR",
            "declined": "BIGINT",
            "other_facility": "VARCHAR",
            "other_year": "INTEGER",
            "other_lifted": "BIGINT",
        },
    ),
}
FACILITY_LIST = "ice_detain_facilities.csv.gz"
FACILITY_COLUMNS = [
    "detloc",
    "name",
    "address",
    "city",
    "county",
    "state",
    "zip",
    "circuit",
    "aor",
    "docket",
    "type",
    "type_detailed",
    "authorizing_authority",
    "capacity",
    "guaranteed_minimum",
    "date_of_last_use",
    "date_of_first_use",
    "over_72",
    "dmcp_auth",
]
ENCOUNTER_COLUMNS = [
    "Event Area of Responsibility",
    "Event Date",
    "Landmark",
    "Operation",
    "Processing Disposition",
    "Birth Date",
    "Citizenship",
    "Gender",
]
OIG_FILE, WAPO_FILE = "historical-oig-2009.csv", "287g_curated_2019.xlsx"
OIG_COLUMNS = ["source", "as_of", "state", "agency", "model", "date_signed_original", "status"]

OUTPUTS = (
    "detainers_monthly.csv",
    "detainers_yearly.csv",
    "detainer_outcomes_yearly.csv",
    "detainer_forms_yearly.csv",
    "detainer_declines_facility.csv",
    "detainer_declines_placement.csv",
    "detainer_reconciliation.csv",
    "ice_encounters_monthly.csv",
    "ice_encounter_files.csv",
    "agreements_287g_2009.csv",
    "wapo_287g_sheriffs.csv",
)

# How a facility is placed, in the order tried (the hand-checked crosswalk first: it may correct a rule).
STAGING_PREFIX = ".detainers-"
PLACED_BY = ("crosswalk", "county in name", "ICE facility list", "city in ICE facility list")
NOT_PLACED = ("no place", "unplaced")


class DetainerError(RecordsError):
    """A detainer, encounter or 287(g) input is missing, altered or malformed (one line: file, line, expected)."""

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)


def _fail(file: str, line: int | None, value: str | None, expected: str, column: str | None = None) -> DetainerError:
    return DetainerError([Problem(file, line, column, value, expected)])


# ---------------------------------------------------------------- checksums and reading


def check_sums(folder: Path, names: list[str]) -> dict[str, str]:
    """SHA-256 of each of `names` in `folder`, checked against the folder's SHA256SUMS (a changed, unlisted or
    missing file raises DetainerError naming it)."""
    digests = {name: sha256(folder / name) for name in names if (folder / name).is_file()}
    problems = checksums.verify(folder, names, known=digests)
    if problems:
        raise DetainerError(problems)
    return {f"{folder.name}/{name}": digest for name, digest in digests.items()}


def _connect():
    import duckdb  # about 0.14 s, needed only to derive the tables: not loaded by the notebooks or the report

    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count() or 1}")
    return con


_LINE_RE = re.compile(r"line[: ]+(\d+)", re.IGNORECASE)


def _read(
    con, path: Path, columns: dict[str, str], *, delim: str = ",", skip: int = 0, select: str = "*", expected: str = ""
) -> pd.DataFrame:
    """One raw file through DuckDB's CSV reader, typed by `columns`; any fault becomes a one-line DetainerError."""
    import duckdb  # about 0.14 s, needed only to derive the tables: not loaded by the notebooks or the report

    if not path.name.endswith(".gz"):
        _check_utf8(path)
    spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"  # constant column names, never data
    query = (
        f"SELECT {select} FROM read_csv(?, delim=?, quote='\"', escape='\"', header=true, skip={int(skip)}, "
        f"columns={spec}, auto_detect=false, dateformat='%m/%d/%Y', strict_mode=true)"
    )
    try:
        return con.execute(query, [path.as_posix(), delim]).df()
    except duckdb.InterruptException:  # Ctrl-C during the query: an interrupt, not a bad file
        raise KeyboardInterrupt from None
    except duckdb.Error as err:
        raise _csv_error(path, err, columns, delim, skip, expected) from None


TYPE_WORDS = {
    "INTEGER": "a whole number",
    "BIGINT": "a whole number",
    "DATE": "a date M/D/YYYY that exists",
    "DATE (M/D/YYYY)": "a date M/D/YYYY that exists",
}
_CONVERT_RE = re.compile(r'converting column "([^"]+)"\. Could not convert string "([^"]*)"')
_ORIGINAL_RE = re.compile(r"Original Line: (.*)")


def _csv_error(
    path: Path, err: Exception, columns: dict[str, str], delim: str, skip: int, expected: str
) -> DetainerError:
    """DuckDB's CSV error as one Problem: file, line (as a text editor counts it), column, value, what was expected."""
    text = str(err)
    match = _LINE_RE.search(text)
    line = int(match.group(1)) if match else None  # DuckDB counts every line of the file, banner lines too
    low = text.lower()
    if "gzip" in low or "inflate" in low or "compressed" in low:
        return _fail(path.name, None, None, "a whole gzip file (the file is truncated or not gzip)")
    if "unicode" in low or "utf-8" in low or "encoding" in low:
        return _fail(path.name, line, None, "UTF-8 text")
    convert = _CONVERT_RE.search(text)
    if convert:
        column, value = convert.group(1), convert.group(2)
        kind = TYPE_WORDS.get(columns.get(column, ""), columns.get(column, "").lower() + " value")
        return _fail(path.name, line, value, kind + (f"; {expected}" if expected else ""), column)
    original = _ORIGINAL_RE.search(text)
    kinds = ", ".join(f"{c} ({t.lower()})" for c, t in columns.items())
    what = (
        f"{len(columns)} '{delim}'-separated fields per row: {kinds}"
        + (f" after {skip - 1} banner lines" if skip > 1 else "")
        + (f"; {expected}" if expected else "")
    )
    value = original.group(1)[:160] if original else (text.strip().splitlines() or [type(err).__name__])[0][:160]
    return _fail(path.name, line, value, what)


def _check_utf8(path: Path) -> None:
    """A plain-text raw file must be UTF-8 (DuckDB would read a bad byte as '?'): the first bad line is named."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise _fail(path.name, line, repr(data[err.start : err.end]), "UTF-8 text") from None


# ---------------------------------------------------------------- facilities -> counties


def _norm(text: object) -> str:
    """Upper case, 'SAINT' as 'ST', punctuation dropped, spaces collapsed."""
    s = re.sub(r"[^A-Z0-9 ]", " ", str(text or "").upper().replace("'", ""))
    s = re.sub(r"\bSAINT\b", "ST", s)
    return " ".join(s.split())


_COUNTY_SUFFIX = re.compile(r"\s+(COUNTY|PARISH|BOROUGH|CENSUS AREA|MUNICIPALITY|CITY AND BOROUGH)$")
# "X COUNTY", "X CO", "X CO.", "X CTY", "X CNTY", "X COUNTYY", "X PARISH" at the start of a facility's name
_NAMED_FOR_COUNTY = re.compile(r"^(.+?)\s+(?:COUNTYY?|CO|CTY|CNTY|PARISH)\b")


@dataclass(frozen=True)
class Geography:
    """What placing needs: county FIPS by (state, normalized base name), state codes by full name."""

    counties: dict[tuple[str, str], str]
    names: dict[str, str]  # fips -> county name as printed ("Santa Clara County")
    state_codes: dict[str, str]  # "CALIFORNIA" -> "CA"


def geography(county_names: Path = COUNTY_NAMES, states: Path = STATES) -> Geography:
    """County FIPS by state and name from the project's own county tables (county_names.csv, states.csv)."""
    names = pd.read_csv(county_names, dtype=str)
    counties, printed = {}, {}
    for row in names.itertuples(index=False):
        fips = f"{int(row.state_fips):02d}{int(row.county_fips):03d}"
        printed[fips] = row.county_name
        base = _norm(row.county_name)
        if base.endswith(" CITY") and not base.endswith("CARSON CITY"):
            counties[(row.state, base)] = fips  # Virginia's independent cities keep "CITY"
            continue
        counties.setdefault((row.state, _COUNTY_SUFFIX.sub("", base)), fips)
    st = pd.read_csv(states, dtype=str)
    return Geography(counties, printed, {_norm(n): s for s, n in zip(st["state"], st["state_name"])})


def county_from_name(facility: str, state: str, geo: Geography) -> str | None:
    """FIPS of the county a facility is named for ("SANTA CLARA CO MAIN JAIL/" -> 06085), or None."""
    match = _NAMED_FOR_COUNTY.match(_norm(facility))
    return geo.counties.get((state, match.group(1))) if match else None


def _facility_index(
    facilities: pd.DataFrame, geo: Geography
) -> tuple[dict[str, list[tuple[str, str]]], dict[tuple[str, str], str]]:
    """ICE's facility list: per state the (normalized name, FIPS) pairs, and the FIPS of each city lying in one county."""
    by_state: dict[str, list[tuple[str, str]]] = {}
    cities: dict[tuple[str, str], set[str]] = {}
    for row in facilities.itertuples(index=False):
        state = str(row.state or "").strip()
        fips = geo.counties.get((state, _COUNTY_SUFFIX.sub("", _norm(row.county))))
        if not fips:
            continue  # the list's county cell is not a county of that state (e.g. a city name): not used
        by_state.setdefault(state, []).append((_norm(row.name), fips))
        cities.setdefault((state, _norm(row.city)), set()).add(fips)
    return by_state, {k: next(iter(v)) for k, v in cities.items() if len(v) == 1}


NAME_SCORE = 92  # rapidfuzz token_sort_ratio needed for a facility-list name match (checked by hand on the list)


def place_facilities(
    declined: pd.DataFrame, facilities: pd.DataFrame, crosswalk: pd.DataFrame, geo: Geography
) -> pd.DataFrame:
    """Each (facility, city, state) of the declines table with `state` (USPS), `fips`, `placed_by`.

    Tried in order: the hand-checked crosswalk (facility, city, state), a county named in the
    facility's name, a name match in ICE's facility list within the state (rapidfuzz), the city when
    all of ICE's listed facilities in it lie in one county. "OTHER-OTHER FACILITY" is "no place";
    anything else not placed is "unplaced". Nothing is dropped.
    """
    from rapidfuzz import fuzz, process  # only to place facilities while deriving: not loaded by the notebooks

    by_state, cities = _facility_index(facilities, geo)
    hand = {
        (_norm(r.facility), _norm(r.city), _norm(r.state)): str(r.fips).zfill(5)
        for r in crosswalk.itertuples(index=False)
    }
    keys = declined[["facility", "city", "state"]].drop_duplicates()
    rows = []
    for facility, city, state_name in keys.itertuples(index=False):
        state = geo.state_codes.get(_norm(state_name), "")
        fips, how = None, "unplaced"
        if _norm(facility) == _norm(NO_PLACE):
            how = "no place"
        elif (key := (_norm(facility), _norm(city), _norm(state_name))) in hand:
            fips, how = hand[key], "crosswalk"
        elif fips := county_from_name(facility, state, geo):
            how = "county in name"
        elif state in by_state and (
            best := process.extractOne(
                _norm(facility), [n for n, _ in by_state[state]], scorer=fuzz.token_sort_ratio, score_cutoff=NAME_SCORE
            )
        ):
            fips, how = by_state[state][best[2]][1], "ICE facility list"
        elif fips := cities.get((state, _norm(city))):
            how = "city in ICE facility list"
        rows.append((facility, city, state_name, state, fips, how))
    placed = pd.DataFrame(rows, columns=["facility", "city", "state_printed", "state", "fips", "placed_by"])
    placed["county"] = placed["fips"].map(geo.names)
    return placed


# ---------------------------------------------------------------- the tables


def _partial(year: int) -> str:
    return PARTIAL_YEARS.get(int(year), "")


def detainer_tables(
    raw: dict[str, pd.DataFrame], facilities: pd.DataFrame, crosswalk: pd.DataFrame, geo: Geography
) -> dict[str, pd.DataFrame]:
    """The national detainer tables, declines by facility with counties, placement shares and reconciliations."""
    monthly = raw["monthly"].rename(columns={"count": "detainers"})
    bad = monthly[~monthly["year_month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")]
    if len(bad):
        raise _fail(
            DETAINER_FILES["monthly"][0],
            int(bad.index[0]) + 2,
            bad["year_month"].iloc[0],
            "a month YYYY-MM",
            "year_month",
        )
    monthly["month"] = monthly["year_month"] + "-01"
    monthly["calendar_year"] = monthly["year_month"].str[:4].astype(int)
    mo = monthly["year_month"].str[5:7].astype(int)
    monthly["fiscal_year"] = monthly["calendar_year"] + (mo >= 10).astype(int)
    monthly["partial"] = monthly["year_month"].map(PARTIAL_MONTHS).fillna("")
    monthly = monthly[["month", "calendar_year", "fiscal_year", "detainers", "partial"]].sort_values("month")

    yearly = raw["yearly"].rename(columns={"count": "detainers"})
    sums = monthly.groupby("calendar_year")["detainers"].sum()
    outcomes = raw["outcomes"].rename(columns={"count": "detainers"})
    lifted = outcomes.groupby("year")["detainers"].sum()
    yearly["monthly_sum"] = yearly["year"].map(sums).astype("Int64")
    yearly["with_lift_reason"] = yearly["year"].map(lifted).astype("Int64")
    yearly["first_date"] = yearly["year"].map(lambda y: RECORD_START if y == 2007 else f"{y}-01-01")
    yearly["last_date"] = yearly["year"].map(lambda y: RECORD_END if y == 2015 else f"{y}-12-31")
    yearly["partial"] = yearly["year"].map(_partial)

    total = outcomes["year"].map(yearly.set_index("year")["detainers"])
    outcomes["share_of_year"] = (outcomes["detainers"] / total).round(6)
    outcomes["partial"] = outcomes["year"].map(_partial)
    outcomes = outcomes.sort_values(["year", "detainers", "lift_reason"], ascending=[True, False, True])

    forms = raw["forms"].rename(columns={"count": "detainers", "detainer_type": "form"})
    forms["partial"] = forms["year"].map(_partial)
    forms = forms.sort_values(["year", "detainers"], ascending=[True, False])

    declined = raw["declined"]
    places = place_facilities(declined, facilities, crosswalk, geo)
    dec = declined.rename(columns={"state": "state_printed"}).merge(
        places, on=["facility", "city", "state_printed"], how="left", validate="many_to_one"
    )
    dec["partial"] = dec["year"].map(_partial)
    dec = dec[
        [
            "year",
            "facility",
            "city",
            "state_printed",
            "state",
            "declined",
            "other_lifted",
            "fips",
            "county",
            "placed_by",
            "partial",
        ]
    ]
    dec["other_lifted"] = dec["other_lifted"].astype("Int64")
    dec = dec.sort_values(["year", "declined", "facility"], ascending=[True, False, True]).reset_index(drop=True)

    lea = outcomes[outcomes["lift_reason"] == "Detainer Declined by LEA"].set_index("year")["detainers"]
    by = dec.groupby("year")
    placement = pd.DataFrame(
        {
            "declined": by["declined"].sum(),
            "no_place": by.apply(lambda g: g.loc[g.placed_by == "no place", "declined"].sum(), include_groups=False),
            "placed": by.apply(lambda g: g.loc[g.placed_by.isin(PLACED_BY), "declined"].sum(), include_groups=False),
            "unplaced": by.apply(lambda g: g.loc[g.placed_by == "unplaced", "declined"].sum(), include_groups=False),
        }
    ).reset_index()
    placement["at_named_facilities"] = placement["declined"] - placement["no_place"]
    placement["share_placed"] = (placement["placed"] / placement["at_named_facilities"]).round(6)
    placement["no_place_share"] = (placement["no_place"] / placement["declined"]).round(6)
    placement["lift_reason_declined"] = placement["year"].map(lea).astype("Int64")
    placement["partial"] = placement["year"].map(_partial)
    placement = placement[
        [
            "year",
            "declined",
            "no_place",
            "at_named_facilities",
            "placed",
            "unplaced",
            "share_placed",
            "no_place_share",
            "lift_reason_declined",
            "partial",
        ]
    ]

    checks = []
    for row in yearly.itertuples(index=False):
        checks.append(
            (
                row.year,
                "monthly sum = yearly count",
                "detainers_monthly",
                row.monthly_sum,
                "detainers_yearly",
                row.detainers,
                "",
            )
        )
    for row in placement.itertuples(index=False):
        note = (
            "ICE's record has one declined detainer with no facility: it is in the lift-reason table only"
            if row.year == 2014 and row.lift_reason_declined - row.declined == 1
            else ""
        )
        checks.append(
            (
                row.year,
                "facility declines = 'Detainer Declined by LEA'",
                "detainer_declines_facility",
                row.declined,
                "detainer_outcomes_yearly",
                row.lift_reason_declined,
                note,
            )
        )
    recon = pd.DataFrame(checks, columns=["year", "check", "left_table", "left", "right_table", "right", "note"])
    recon["difference"] = recon["right"].astype("Int64") - recon["left"].astype("Int64")
    recon["agrees"] = recon["difference"] == 0
    recon["partial"] = recon["year"].map(_partial)
    recon = recon[
        ["year", "check", "left_table", "left", "right_table", "right", "difference", "agrees", "note", "partial"]
    ]
    return {
        "detainers_monthly.csv": monthly,
        "detainers_yearly.csv": yearly,
        "detainer_outcomes_yearly.csv": outcomes,
        "detainer_forms_yearly.csv": forms,
        "detainer_declines_facility.csv": dec,
        "detainer_declines_placement.csv": placement,
        "detainer_reconciliation.csv": recon,
    }


def _encounter_tables(con, paths: dict[int, Path], aors: pd.DataFrame, sums: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Encounters and detainers by fiscal year, month, area and landmark group (SC centre or not); one row per file."""
    import duckdb  # about 0.14 s, needed only to derive the tables: not loaded by the notebooks or the report

    parts = []
    for year, path in paths.items():
        _check_banner(path, year)
        parts.append(path.as_posix())
    spec = "{" + ", ".join(f"'{c}': '{'DATE' if c == 'Event Date' else 'VARCHAR'}'" for c in ENCOUNTER_COLUMNS) + "}"
    query = f"""
        SELECT parse_filename(filename) AS file, date_trunc('month', "Event Date")::DATE AS month,
               coalesce(nullif(trim("Event Area of Responsibility"), ''), 'not recorded') AS aor_text,
               (trim("Landmark") = ?) AS sc_centre, count(*) AS encounters,
               count(*) FILTER (WHERE trim("Processing Disposition") = 'Detainer') AS detainers,
               min("Event Date") AS first_day, max("Event Date") AS last_day,
               count(*) - count("Event Date") AS blank_dates
        FROM read_csv(?, delim='|', quote='"', escape='"', header=true, skip={ENCOUNTER_BANNER_LINES}, columns={spec},
                      auto_detect=false, dateformat='%m/%d/%Y', strict_mode=true, filename=true)
        GROUP BY ALL"""
    try:
        g = con.execute(query, [SC_LANDMARK, parts]).df()
    except duckdb.InterruptException:  # Ctrl-C during the query: an interrupt, not a bad file
        raise KeyboardInterrupt from None
    except duckdb.Error as err:
        # locate the file: read each alone
        for path in paths.values():
            try:
                con.execute(query, [SC_LANDMARK, [path.as_posix()]]).fetchall()
            except duckdb.InterruptException:  # Ctrl-C during the query: an interrupt, not a bad file
                raise KeyboardInterrupt from None
            except duckdb.Error as one:
                raise _csv_error(
                    path,
                    one,
                    dict.fromkeys(ENCOUNTER_COLUMNS, "VARCHAR") | {"Event Date": "DATE"},
                    "|",
                    ENCOUNTER_BANNER_LINES + 1,
                    "",
                ) from None
        raise _fail("EROEncounters", None, str(err)[:160], "readable encounter files") from None
    year_of = {p.name: y for y, p in paths.items()}
    g["fiscal_year"] = g["file"].map(year_of)
    if (g["blank_dates"] > 0).any():
        name = g.loc[g["blank_dates"] > 0, "file"].iloc[0]
        raise _fail(name, None, "", "an Event Date on every record (M/D/YYYY)", "Event Date")
    for name, sub in g.groupby("file"):
        fy = year_of[name]
        lo, hi = pd.Timestamp(fy - 1, 10, 1), pd.Timestamp(fy, 9, 30)
        if sub["first_day"].min() < lo or sub["last_day"].max() > hi:
            raise _fail(
                name,
                None,
                f"{sub['first_day'].min():%Y-%m-%d} to {sub['last_day'].max():%Y-%m-%d}",
                f"Event Dates within FY{fy} (1 October {fy - 1} to 30 September {fy})",
                "Event Date",
            )
    codes = dict(zip(aors["name"] + " Area of Responsibility", aors["aor"]))
    unknown = sorted(set(g["aor_text"]) - set(codes) - {"not recorded"})
    if unknown:
        raise _fail(
            g.loc[g["aor_text"] == unknown[0], "file"].iloc[0],
            None,
            unknown[0],
            "an area listed in data/ice_aors.csv (name + ' Area of Responsibility') or a blank cell",
            "Event Area of Responsibility",
        )
    g["aor"] = g["aor_text"].map(codes).fillna("not recorded")
    g["landmark"] = g["sc_centre"].map({True: SC_LANDMARK}).fillna("other or none")
    monthly = (
        g.groupby(["fiscal_year", "month", "aor", "landmark"], as_index=False)[["encounters", "detainers"]]
        .sum()
        .sort_values(["month", "aor", "landmark"])
    )
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m-%d")
    last = g.groupby("fiscal_year")["last_day"].max()
    monthly["partial"] = monthly["fiscal_year"].map(
        lambda fy: (
            "" if last[fy] >= pd.Timestamp(fy, 9, 30) else f"partial year: to {last[fy]:%d %B %Y}".replace(" 0", " ")
        )
    )
    files = g.groupby(["fiscal_year", "file"], as_index=False).agg(
        encounters=("encounters", "sum"),
        detainers=("detainers", "sum"),
        sc_centre_encounters=("encounters", lambda s: s[g.loc[s.index, "sc_centre"]].sum()),
        first_date=("first_day", "min"),
        last_date=("last_day", "max"),
    )
    files["first_date"] = pd.to_datetime(files["first_date"]).dt.strftime("%Y-%m-%d")
    files["last_date"] = pd.to_datetime(files["last_date"]).dt.strftime("%Y-%m-%d")
    files["sha256"] = files["file"].map(
        lambda n: (
            sums[f"{ENCOUNTERS_DIR.name}/{n}"]
            if f"{ENCOUNTERS_DIR.name}/{n}" in sums
            else next(v for k, v in sums.items() if k.endswith("/" + n))
        )
    )
    files["status"] = files["fiscal_year"].map(
        lambda fy: "complete" if last[fy] >= pd.Timestamp(fy, 9, 30) else "partial year"
    )
    gap = pd.DataFrame(
        [
            {"fiscal_year": fy, "file": "", "status": "missing: the file is absent from every stored copy"}
            for fy in MISSING_FISCAL_YEARS
        ]
    )
    files = pd.concat([files, gap]).sort_values("fiscal_year")
    for c in ("encounters", "detainers", "sc_centre_encounters"):
        files[c] = files[c].astype("Int64")
    return {
        "ice_encounters_monthly.csv": monthly[
            ["fiscal_year", "month", "aor", "landmark", "encounters", "detainers", "partial"]
        ],
        "ice_encounter_files.csv": files[
            [
                "fiscal_year",
                "file",
                "encounters",
                "detainers",
                "sc_centre_encounters",
                "first_date",
                "last_date",
                "sha256",
                "status",
            ]
        ],
    }


def _check_banner(path: Path, year: int) -> None:
    """The fifth banner line names the fiscal year and line 6 is the header (read without parsing the file)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            lines = [handle.readline() for _ in range(ENCOUNTER_BANNER_LINES + 1)]
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise _fail(path.name, None, type(err).__name__, "a whole gzip file of UTF-8 text") from None
    if f"FY{year}" not in lines[ENCOUNTER_BANNER_LINES - 1]:
        raise _fail(
            path.name,
            ENCOUNTER_BANNER_LINES,
            lines[ENCOUNTER_BANNER_LINES - 1].strip()[:80],
            f"a banner title naming FY{year} as line {ENCOUNTER_BANNER_LINES}",
        )
    header = [c.strip('"') for c in lines[ENCOUNTER_BANNER_LINES].rstrip("\r\n").split("|")]
    if header != ENCOUNTER_COLUMNS:
        raise _fail(
            path.name,
            ENCOUNTER_BANNER_LINES + 1,
            "|".join(header)[:120],
            f"the header row {'|'.join(ENCOUNTER_COLUMNS)} after {ENCOUNTER_BANNER_LINES} banner lines",
        )


def _sheriff_fips(agency: str, state: str, geo: Geography, sheriff_only: bool = True) -> str | None:
    """FIPS of "<X> County Sheriff's Office" (or "<X> Parish ...") in `state`; None for other agencies.

    With `sheriff_only=False` a bare "<X> County" counts too (the Post's panel lists sheriffs' offices
    only), but never a police department.
    """
    name = _norm(agency)
    pattern = r"^(.+?)\s+(COUNTY|PARISH)\b.*\bSHERIFF" if sheriff_only else r"^(.+?)\s+(COUNTY|PARISH)\b"
    match = re.match(pattern, name)
    if not match or "POLICE" in name:
        return None
    return geo.counties.get((state, match.group(1)))


def agreement_tables(oig: pd.DataFrame, wapo: pd.DataFrame, geo: Geography) -> dict[str, pd.DataFrame]:
    """The 2009 roster with county FIPS for sheriffs' offices; the Post's panel as one row per office and year."""
    oig = oig.copy()
    oig["state_code"] = oig["state"].map(lambda s: geo.state_codes.get(_norm(s), ""))
    oig["fips"] = [_sheriff_fips(a, s, geo) for a, s in zip(oig["agency"], oig["state_code"])]
    oig = oig[["as_of", "state", "state_code", "agency", "model", "date_signed_original", "status", "fips"]]
    years = [c for c in wapo.columns if re.fullmatch(r"y\d{4}", str(c))]
    w = wapo.rename(columns={"State": "state", "County": "office", "FIPS": "fips"})
    w = w[w["office"].notna()].copy()
    w["fips"] = w["fips"].map(lambda v: f"{int(v):05d}" if pd.notna(v) else None)
    # the Post gives FIPS for 136 offices; the others are placed from "<X> County Sheriff's Office"
    w["fips_from"] = w["fips"].map(lambda v: "the Post's panel" if isinstance(v, str) else "")
    named = [
        _sheriff_fips(o, geo.state_codes.get(_norm(s), ""), geo, sheriff_only=False)
        for o, s in zip(w["office"], w["state"])
    ]
    w["fips"] = [f if isinstance(f, str) else n for f, n in zip(w["fips"], named)]
    w.loc[(w["fips_from"] == "") & w["fips"].notna(), "fips_from"] = "office name"
    long = w.melt(
        id_vars=["state", "office", "fips", "fips_from"], value_vars=years, var_name="year", value_name="mark"
    )
    long = long[long["mark"].astype(str).str.strip().str.upper() == "X"].copy()
    long["year"] = long["year"].str[1:].astype(int)
    long = (
        long[["fips", "fips_from", "state", "office", "year"]]
        .sort_values(["state", "office", "year"])
        .reset_index(drop=True)
    )
    return {"agreements_287g_2009.csv": oig, "wapo_287g_sheriffs.csv": long}


# ---------------------------------------------------------------- derive


def _inputs(detainers_dir: Path, encounters_dir: Path, agreements_dir: Path, crosswalk: Path) -> dict[str, str]:
    sums = check_sums(detainers_dir, [f for f, _ in DETAINER_FILES.values()] + [FACILITY_LIST])
    sums |= check_sums(encounters_dir, [f"EROEncounters_FY{y}.csv.gz" for y in ENCOUNTER_YEARS])
    sums |= check_sums(agreements_dir, [OIG_FILE, WAPO_FILE])
    for path in (crosswalk, COUNTY_NAMES, STATES, AORS):
        sums[path.name] = sha256(path)
    return sums


def is_current() -> bool:
    """True when the detainer, encounter and 287(g) tables of data/derived/ match their inputs' checksums."""
    return _current(DERIVED_DIR, _inputs(DETAINERS_DIR, ENCOUNTERS_DIR, AGREEMENTS_DIR, CROSSWALK))


def _current(out_dir: Path, inputs: dict[str, str]) -> bool:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("version") != DERIVATION_VERSION or manifest.get("inputs") != inputs:
        return False
    return all((out_dir / n).exists() and sha256(out_dir / n) == manifest.get("outputs", {}).get(n) for n in OUTPUTS)


def build_tables(
    detainers_dir: Path = DETAINERS_DIR,
    encounters_dir: Path = ENCOUNTERS_DIR,
    agreements_dir: Path = AGREEMENTS_DIR,
    crosswalk: Path = CROSSWALK,
    sums: dict[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of OUTPUTS from the raw files (checksums checked first unless `sums` is given)."""
    detainers_dir, encounters_dir, agreements_dir = Path(detainers_dir), Path(encounters_dir), Path(agreements_dir)
    sums = sums if sums is not None else _inputs(detainers_dir, encounters_dir, agreements_dir, Path(crosswalk))
    geo = geography()
    con = _connect()
    try:
        raw = {key: _read(con, detainers_dir / name, cols) for key, (name, cols) in DETAINER_FILES.items()}
        facilities = _read(con, detainers_dir / FACILITY_LIST, dict.fromkeys(FACILITY_COLUMNS, "VARCHAR"), delim="|")
        cw = _read(con, Path(crosswalk), CROSSWALK_COLUMNS, expected="see data/datapackage.json, facility_counties")
        if cw["fips"].isna().any() or not cw["fips"].str.fullmatch(r"\d{5}").all() or cw["reason"].isna().any():
            i = int(
                cw.index[cw["fips"].isna() | ~cw["fips"].fillna("").str.fullmatch(r"\d{5}") | cw["reason"].isna()][0]
            )
            raise _fail(
                Path(crosswalk).name, i + 2, str(cw.loc[i, "fips"]), "a 5-digit county FIPS and a source or reason"
            )
        tables = detainer_tables(raw, facilities, cw, geo)
        aors = pd.read_csv(AORS, dtype=str)
        tables |= _encounter_tables(
            con, {y: encounters_dir / f"EROEncounters_FY{y}.csv.gz" for y in ENCOUNTER_YEARS}, aors, sums
        )
        oig = _read(con, agreements_dir / OIG_FILE, dict.fromkeys(OIG_COLUMNS, "VARCHAR"))
    finally:
        con.close()
    try:
        wapo = pd.read_excel(agreements_dir / WAPO_FILE, sheet_name=0)
    except Exception as err:  # openpyxl raises many types for a damaged workbook
        raise _fail(WAPO_FILE, None, type(err).__name__, "the Washington Post's 287(g) workbook (xlsx)") from None
    missing = {"State", "County", "FIPS"} - set(wapo.columns)
    if missing:
        raise _fail(WAPO_FILE, 1, ", ".join(sorted(missing)), "columns State, County, FIPS and y2005..y2019")
    tables |= agreement_tables(oig, wapo, geo)
    return tables


CROSSWALK_COLUMNS = {
    "facility": "VARCHAR",
    "city": "VARCHAR",
    "state": "VARCHAR",
    "fips": "VARCHAR",
    "reason": "VARCHAR",
}


def _write(tables: dict[str, pd.DataFrame], inputs: dict[str, str], out_dir: Path) -> None:
    """Write every table to a temporary folder beside `out_dir`, then move them in, the manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    output_folder.clean_stale_staging(out_dir, STAGING_PREFIX)  # left by a killed derive
    staging = Path(tempfile.mkdtemp(prefix=output_folder.staging_name(STAGING_PREFIX), dir=out_dir))
    try:
        outputs = {}
        for name in OUTPUTS:  # text from the raw files (facility names) defused for spreadsheets
            defuse_formulas(tables[name]).to_csv(staging / name, index=False, lineterminator="\n")
            outputs[name] = sha256(staging / name)
        manifest = {"version": DERIVATION_VERSION, "inputs": inputs, "outputs": outputs}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        output_folder.move_in(staging, out_dir, OUTPUTS, MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def derive(
    force: bool = False,
    detainers_dir: str | Path | None = None,
    encounters_dir: str | Path | None = None,
    agreements_dir: str | Path | None = None,
    crosswalk: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> bool:
    """Derive the detainer, encounter and 287(g) tables into `out_dir`; True when it derived, False when current.

    Each raw file's SHA-256 is checked against its folder's SHA256SUMS first (a mismatch stops with
    one line naming the file). With unchanged inputs nothing is parsed. A bad file raises
    DetainerError (file, line, what was expected) and leaves `out_dir` as it was.
    """
    d = Path(detainers_dir or DETAINERS_DIR)
    e = Path(encounters_dir or ENCOUNTERS_DIR)
    a = Path(agreements_dir or AGREEMENTS_DIR)
    c = Path(crosswalk or CROSSWALK)
    out = Path(out_dir or DERIVED_DIR)
    inputs = _inputs(d, e, a, c)
    if not force and _current(out, inputs):
        return False
    _write(build_tables(d, e, a, c, sums=inputs), inputs, out)
    return True


def count_rows(encounters_dir: str | Path | None = None, detainers_dir: str | Path | None = None) -> int:
    """DuckDB alone counting the rows of the same raw files (all columns as text): the benchmark's floor."""
    e, d = Path(encounters_dir or ENCOUNTERS_DIR), Path(detainers_dir or DETAINERS_DIR)
    con = _connect()
    try:
        n = con.execute(
            f"SELECT count(*) FROM read_csv(?, delim='|', header=true, skip={ENCOUNTER_BANNER_LINES}, "
            "all_varchar=true)",
            [[(e / f"EROEncounters_FY{y}.csv.gz").as_posix() for y in ENCOUNTER_YEARS]],
        ).fetchall()[0][0]
        for name, _ in DETAINER_FILES.values():
            n += con.execute(
                "SELECT count(*) FROM read_csv(?, header=true, all_varchar=true)", [(d / name).as_posix()]
            ).fetchall()[0][0]
        n += con.execute(
            "SELECT count(*) FROM read_csv(?, delim='|', header=true, all_varchar=true)",
            [(d / FACILITY_LIST).as_posix()],
        ).fetchall()[0][0]
        return int(n)
    finally:
        con.close()


# ---------------------------------------------------------------- questions the notebook asks


def peak_month(monthly: pd.DataFrame) -> pd.Series:
    """The month with the most detainers (the earliest if tied): its row of detainers_monthly."""
    ordered = monthly.assign(_n=monthly["detainers"].astype(float)).sort_values(
        ["_n", "month"], ascending=[False, True]
    )
    return ordered.iloc[0].drop("_n")


def top_counties(declines: pd.DataFrame, year: int, n: int = 5) -> pd.DataFrame:
    """The `n` counties with the most declined detainers in `year` (facilities placed in a county only),
    with their share of that year's declines at named facilities; ties broken by FIPS."""
    rows = declines[declines["year"].astype(int) == int(year)]
    named = rows.loc[rows["placed_by"] != "no place", "declined"].astype(float).sum()
    placed = rows[rows["placed_by"].isin(PLACED_BY)]
    by = placed.groupby(["fips", "county", "state"], as_index=False).agg(
        declined=("declined", "sum"), facilities=("facility", "nunique")
    )
    by["declined"] = by["declined"].astype("int64")
    by["share_of_named"] = by["declined"] / named * 100
    return by.sort_values(["declined", "fips"], ascending=[False, True]).head(n).reset_index(drop=True)


def centre_share(encounters: pd.DataFrame, aor: str = "LOS") -> pd.DataFrame:
    """Per fiscal year: encounters and detainers of `aor` with and without the SC centre, and the centre's
    share of the area's detainers and of all detainers."""
    e = encounters.assign(
        fiscal_year=encounters["fiscal_year"].astype(int),
        detainers=encounters["detainers"].astype("int64"),
        encounters=encounters["encounters"].astype("int64"),
    )
    sc = e["landmark"] == SC_LANDMARK
    area = e["aor"] == aor
    out = (
        pd.DataFrame(
            {
                "all_detainers": e.groupby("fiscal_year")["detainers"].sum(),
                "centre_detainers": e[sc].groupby("fiscal_year")["detainers"].sum(),
                "area_detainers_with_centre": e[area].groupby("fiscal_year")["detainers"].sum(),
                "area_detainers_without_centre": e[area & ~sc].groupby("fiscal_year")["detainers"].sum(),
            }
        )
        .fillna(0)
        .astype("int64")
    )
    out["centre_share_of_area"] = out["centre_detainers"] / out["area_detainers_with_centre"] * 100
    out["centre_share_of_all"] = out["centre_detainers"] / out["all_detainers"] * 100
    return out.reset_index()


def roster_counties(roster: pd.DataFrame, activations: pd.DataFrame) -> pd.DataFrame:
    """Sheriffs' offices of the 2009 287(g) roster placed in a county, with the county's activation date and
    whether Secure Communities was active there on the roster's date."""
    rows = roster[roster["fips"].notna()].copy()
    act = activations.set_index("fips")["activated"]
    rows["activated"] = rows["fips"].map(act)
    rows["active_on_roster_date"] = pd.to_datetime(rows["activated"]) <= pd.to_datetime(rows["as_of"])
    return rows[["state_code", "agency", "model", "date_signed_original", "fips", "activated", "active_on_roster_date"]]


def disagreements(recon: pd.DataFrame) -> pd.DataFrame:
    """Rows of the reconciliation table whose two counts differ (`agrees` read as text or as booleans)."""
    return recon[recon["agrees"].astype(str) != "True"].reset_index(drop=True)


def area_ranks(encounters: pd.DataFrame) -> pd.DataFrame:
    """Each area's encounters ending in a detainer over all the files, counted with and without the SC
    centre, and its rank both ways (1 = most); 'not recorded' is left out of the ranking."""
    e = encounters[encounters["aor"] != "not recorded"]
    e = e.assign(detainers=e["detainers"].astype("int64"))
    out = (
        pd.DataFrame(
            {
                "with_centre": e.groupby("aor")["detainers"].sum(),
                "without_centre": e[e["landmark"] != SC_LANDMARK].groupby("aor")["detainers"].sum(),
            }
        )
        .fillna(0)
        .astype("int64")
    )
    out["rank_with_centre"] = out["with_centre"].rank(ascending=False, method="min").astype("int64")
    out["rank_without_centre"] = out["without_centre"].rank(ascending=False, method="min").astype("int64")
    return out.reset_index().sort_values(["rank_with_centre", "aor"]).reset_index(drop=True)


# ---------------------------------------------------------------- the place lookup


def _printable(text: object) -> str:
    """Data text safe for a terminal: control characters shown as escapes, never sent raw."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def _years(years: list[int]) -> str:
    """'2008-2012, 2017' from a list of years."""
    years = sorted(set(int(y) for y in years))
    runs, start = [], None
    for i, y in enumerate(years):
        start = y if start is None else start
        if i + 1 == len(years) or years[i + 1] != y + 1:
            runs.append(str(start) if start == y else f"{start}-{y}")
            start = None
    return ", ".join(runs)


def place_text(
    county_fips: str,
    declines: pd.DataFrame | None = None,
    wapo: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
) -> str:
    """What `scomm place` adds for a county: detainers declined at facilities placed in it, by year, and its
    287(g) years (The Washington Post's panel; the 2009 Inspector General roster)."""
    fips = str(county_fips).zfill(5)
    declines = load_table("detainer_declines_facility") if declines is None else declines
    wapo = load_table("wapo_287g_sheriffs") if wapo is None else wapo
    roster = load_table("agreements_287g_2009") if roster is None else roster
    rows = declines[declines["fips"] == fips]
    lines = [
        "Detainers declined by local agencies at facilities in the county (ICE's detainer record, "
        f"{record_period()}, tabulated by NPR):"
    ]
    if rows.empty:
        lines.append("  none recorded at a facility placed in this county")
    for year, g in rows.groupby(rows["year"].astype(int)):
        names = ", ".join(_printable(f) for f in sorted(g["facility"]))
        part = f" ({PARTIAL_YEARS[year]})" if year in PARTIAL_YEARS else ""
        lines.append(f"  {year}: {int(g['declined'].sum()):,}{part} at {names}")
    post = wapo[wapo["fips"] == fips]
    lines.append("287(g) agreements of the sheriff's office (The Washington Post's panel, CC BY-NC-SA 4.0):")
    lines.append(f"  {_years(post['year'].tolist())}" if len(post) else "  none in the panel")
    listed = roster[roster["fips"] == fips]
    for r in listed.itertuples():
        signed = (
            f"signed {pd.Timestamp(r.date_signed_original):%Y-%m-%d}" if pd.notna(r.date_signed_original) else r.status
        )
        lines.append(
            f"  In the Inspector General's roster of 28 October 2009: {_printable(r.agency)} "
            f"({_printable(r.model)}, {signed})"
        )
    return "\n".join(lines)


def lookup_tables(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The declines by facility and the Post's 287(g) panel of the data in `data_dir`, for `state_html`."""
    return (
        load_table("detainer_declines_facility", data_dir=data_dir),
        load_table("wapo_287g_sheriffs", data_dir=data_dir),
    )


def record_period() -> str:
    """The days ICE's detainer record covers, in running text: 'October 2007 to July 19, 2015'."""
    return f"{fmt.month_year(pd.Timestamp(RECORD_START))} to {fmt.day_month_year(pd.Timestamp(RECORD_END))}"


def record_days(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day of calendar `year` that ICE's detainer record covers (RECORD_START, RECORD_END)."""
    start, end = pd.Timestamp(RECORD_START), pd.Timestamp(RECORD_END)
    return max(start, pd.Timestamp(year, 1, 1)), min(end, pd.Timestamp(year, 12, 31))


def year_days(yearly: pd.DataFrame) -> dict[int, tuple[pd.Timestamp, pd.Timestamp]]:
    """Year -> its first and last day in the record, from the yearly table's `first_date` and `last_date`."""
    return {
        int(y): (pd.Timestamp(a), pd.Timestamp(b))
        for y, a, b in zip(yearly["year"], yearly["first_date"], yearly["last_date"])
    }


def covered(first, last, short: bool = False) -> str:
    """The part of a calendar year between `first` and `last` (days of the same year), in words: 'from October',
    'to July 19' ('from Oct.' when `short`, for a tick); '' for the whole year."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    months = fmt.MONTH_WORDS if short else fmt.MONTH_NAMES
    parts = []
    if (first.month, first.day) != (1, 1):
        parts.append(f"from {months[first.month - 1]}" + ("" if first.day == 1 else f" {first.day}"))
    if (last.month, last.day) != (12, 31):
        parts.append(f"to {fmt.MONTH_WORDS[last.month - 1]} {last.day}")
    return " ".join(parts)


def state_html(state: str, state_fips: str, declines: pd.DataFrame, wapo: pd.DataFrame) -> str:
    """The report's lines for a state (`state_fips` its two-digit code): declined detainers at facilities placed
    in its counties by year (with the counties that declined most) and its sheriffs' 287(g) years, from the
    tables of `lookup_tables`; every data text is HTML-escaped."""
    e = html.escape
    rows = declines[(declines["state"] == state) & declines["placed_by"].isin(PLACED_BY)]
    parts = []
    if len(rows):  # (plain Python over the state's few rows: the report writes 51 of these)
        by_year: dict[int, int] = {}
        by_county: dict[tuple[str, str], int] = {}
        for year, fips, county, n in zip(rows["year"].astype(int), rows["fips"], rows["county"], rows["declined"]):
            by_year[year] = by_year.get(year, 0) + n
            if not (pd.isna(fips) or pd.isna(county)):  # a row without its county names none
                by_county[(fips, county)] = by_county.get((fips, county), 0) + n
        years = ", ".join(
            f"{y}{f' ({part})' if (part := covered(*record_days(int(y)), short=True)) else ''}: {int(n):,}"
            for y, n in sorted(by_year.items())
        )
        # the three counties that declined most (ties by FIPS code, then name)
        top = sorted(sorted(by_county.items()), key=lambda item: (-item[1], item[0][0]))[:3]
        most = "; ".join(f"{e(str(county))} {int(n):,}" for (_, county), n in top)
        parts.append(
            f"<p>Detainers declined by local agencies at facilities in its counties (ICE's detainer "
            f"record, tabulated by NPR): {years}. Most: {most}.</p>"
        )
    else:
        parts.append(
            "<p>No detainer declined at a facility placed in its counties in ICE's detainer record "
            f"({record_period()}).</p>"
        )
    post = wapo[wapo["fips"].notna() & (wapo["fips"].astype(str).str[:2] == state_fips)]
    if len(post):
        years_of: dict[str, list[int]] = {}
        for office, year in zip(post["office"], post["year"]):
            years_of.setdefault(office, []).append(year)
        offices = "; ".join(f"{e(_printable(o))} {_years(ys)}" for o, ys in sorted(years_of.items()))
        parts.append(
            f"<p>Sheriffs' offices with 287(g) agreements (The Washington Post's panel, licence "
            f"CC BY-NC-SA 4.0): {offices}.</p>"
        )
    return "\n".join(parts)
