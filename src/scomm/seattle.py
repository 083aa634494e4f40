"""ICE's own production for the Seattle area of responsibility (UW Center for Human Rights v. DHS), FY2012 to
FY2019: arrests record by record, reduced to two small tables.

`python -m scomm.seattle` reads data/raw/seattle/ (pandas + openpyxl; the workbook takes seconds to read, so
the tables are committed, and a test checks they are exactly what this step derives) and writes

- data/derived/seattle_arrests_monthly.csv: arrests per month and arrest method (fiscal year of the month);
- data/derived/seattle_summary.csv: the yearly totals ICE printed on the workbook's Summary sheet
  (arrests, initial book-ins, removals), kept as ICE printed them, to be checked against the records.

The workbook's footnotes: FY2012 starts on 1 January 2012 and leaves out 287(g) arrests; FY2019 ends on 6 July
2019; removals include returns.
"""

from __future__ import annotations

import pandas as pd

from scomm.paths import DATA_DIR
from scomm.schema import source_ids
from scomm.vendor import RAW_DIR, to_csv

WORKBOOK = RAW_DIR / "seattle" / "UW_v_DHS_ICE_Productions_LESA-STU_FINAL.xlsx"
DERIVED = DATA_DIR / "derived"
MONTHLY_CSV = DERIVED / "seattle_arrests_monthly.csv"
SUMMARY_CSV = DERIVED / "seattle_summary.csv"
SOURCE = source_ids("seattle_summary")  # as data/datapackage.json lists it
HEADER_ROW = 6  # five banner lines and a title line before the column names
MONTHLY_COLUMNS = ["fiscal_year", "month", "arrest_method", "arrests", "source_id"]
SUMMARY_COLUMNS = ["table", "fiscal_year", "partial_year", "column", "total", "source_id"]


class WorkbookError(ValueError):
    """The workbook does not have the layout this step reads."""


def fiscal_year(dates: pd.Series) -> pd.Series:
    """U.S. federal fiscal year of each date (October starts the next year's)."""
    return dates.dt.year + (dates.dt.month >= 10).astype(int)


def read_arrests(path=WORKBOOK) -> pd.DataFrame:
    """The Arrests sheet: one row per arrest (date, method, landmark, ...)."""
    frame = pd.read_excel(path, sheet_name="Arrests", header=HEADER_ROW, engine="openpyxl")
    for col in ("Arrest Date", "Arrest Method"):
        if col not in frame.columns:
            raise WorkbookError(
                f"{path.name}: sheet Arrests, row {HEADER_ROW + 1}: no column {col!r} "
                f"(found {', '.join(map(str, frame.columns))})"
            )
    dates = pd.to_datetime(frame["Arrest Date"], errors="coerce")
    bad = frame.index[dates.isna()]
    if len(bad):
        row = int(bad[0])
        raise WorkbookError(
            f"{path.name}: sheet Arrests, row {row + HEADER_ROW + 2}, column 'Arrest Date': "
            f"{frame.loc[row, 'Arrest Date']!r} is not a date"
        )
    return frame.assign(**{"Arrest Date": dates})


def monthly(arrests: pd.DataFrame) -> pd.DataFrame:
    """Arrests per month and method (long), with each month's fiscal year."""
    frame = pd.DataFrame(
        {
            "month": arrests["Arrest Date"].dt.to_period("M").dt.to_timestamp(),
            "arrest_method": arrests["Arrest Method"].fillna("not recorded").astype(str),
        }
    )
    out = frame.groupby(["month", "arrest_method"]).size().rename("arrests").reset_index()
    out.insert(0, "fiscal_year", fiscal_year(out["month"]))
    out["source_id"] = SOURCE
    return out.sort_values(["month", "arrest_method"]).reset_index(drop=True)


def read_summary(path=WORKBOOK) -> pd.DataFrame:
    """ICE's yearly totals from the Summary sheet: one row per table, fiscal year and column."""
    sheet = pd.read_excel(path, sheet_name="Summary", header=None, engine="openpyxl")
    rows, table, columns = [], None, []
    for _, cells in sheet.iterrows():
        first = cells.iloc[0]
        if isinstance(first, str) and "Seattle Area of Responsibility" in first:
            table = (
                "arrests"
                if "Arrests" in first
                else "book_ins"
                if "Book Ins" in first
                else "removals"
                if "Removals" in first
                else None
            )
        elif first == "Fiscal Year":
            columns = [str(c) for c in cells.iloc[1:] if isinstance(c, str)]
        elif isinstance(first, str) and first.startswith("FY") and table:
            year = int(first[2:6])
            for i, col in enumerate(columns, start=1):
                rows.append(
                    {
                        "table": table,
                        "fiscal_year": year,
                        "partial_year": "true" if "YTD" in first or year == 2012 else "false",
                        "column": col,
                        "total": int(cells.iloc[i]),
                        "source_id": SOURCE,
                    }
                )
    if not rows:
        raise WorkbookError(f"{path.name}: sheet Summary has no yearly totals in the expected layout")
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def derive(path=WORKBOOK) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly arrests by method, ICE's Summary totals) as written to data/derived/."""
    return monthly(read_arrests(path)), read_summary(path)


def main() -> None:
    """Write the two Seattle tables (a workbook in another layout: the problem, exit 1, nothing written)."""
    try:
        month, summary = derive()
    except WorkbookError as err:
        raise SystemExit(f"error: {err}") from None
    month = month.assign(month=month["month"].dt.strftime("%Y-%m-%d"))
    MONTHLY_CSV.write_text(to_csv(month.astype(str).to_dict("records"), MONTHLY_COLUMNS), encoding="utf-8", newline="")
    SUMMARY_CSV.write_text(
        to_csv(summary.astype(str).to_dict("records"), SUMMARY_COLUMNS), encoding="utf-8", newline=""
    )
    print(f"wrote {len(month)} rows to {MONTHLY_CSV.name}, {len(summary)} to {SUMMARY_CSV.name}")


if __name__ == "__main__":
    main()


# ---------------------------------------------------------------- analyses on the derived tables

JAIL_METHOD = "CAP Local Incarceration"  # the jail channel, as in scomm.jails


def as_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """A Seattle table as loaded by the data package with its counts as integers."""
    out = frame.copy()
    for col in ("fiscal_year", "arrests", "total"):
        if col in out.columns:
            out[col] = out[col].astype("int64")
    return out


def by_year_and_method(monthly_arrests: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """Arrests per fiscal year and method (the `top` methods by total; the rest as 'all other methods')."""
    totals = monthly_arrests.groupby("arrest_method")["arrests"].sum().sort_values(ascending=False)
    keep = list(totals.index[:top])
    frame = monthly_arrests.assign(
        method=monthly_arrests["arrest_method"].where(monthly_arrests["arrest_method"].isin(keep), "all other methods")
    )
    out = frame.groupby(["fiscal_year", "method"], as_index=False)["arrests"].sum()
    order = {m: i for i, m in enumerate(keep + ["all other methods"])}
    out = out.sort_values(["fiscal_year", "method"], key=lambda s: s.map(order) if s.name == "method" else s)
    out["source_id"] = SOURCE
    return out.reset_index(drop=True)


def jail_share(monthly_arrests: pd.DataFrame, by: str = "fiscal_year") -> pd.DataFrame:
    """Share of arrests that were CAP Local Incarceration pickups per `by` ('fiscal_year' or 'month')."""
    frame = monthly_arrests.assign(
        jail=monthly_arrests["arrests"].where(monthly_arrests["arrest_method"] == JAIL_METHOD, 0)
    )
    out = frame.groupby(by, as_index=False)[["arrests", "jail"]].sum()
    out["share"] = 100 * out["jail"] / out["arrests"]
    out["source_id"] = SOURCE
    return out


def summary_vs_records(monthly_arrests: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """ICE's Summary arrest totals beside the count of arrest records of each fiscal year."""
    records = monthly_arrests.groupby("fiscal_year")["arrests"].sum()
    printed = summary[(summary["table"].astype(str) == "arrests") & (summary["column"].astype(str) == "Total")]
    out = printed[["fiscal_year", "partial_year", "total"]].rename(columns={"total": "published"}).copy()
    out["records"] = out["fiscal_year"].map(records).fillna(0).astype("int64")
    out["difference"] = out["records"] - out["published"]
    out["verdict"] = out["difference"].map(lambda d: "reproduces" if d == 0 else "diverges")
    out["source_id"] = SOURCE
    return out.reset_index(drop=True)


def national_comparison(
    monthly_arrests: pd.DataFrame, national: pd.DataFrame, years=(2016, 2017, 2018), aor: str = "SEA"
) -> pd.DataFrame:
    """Arrests per fiscal year in the Seattle production beside the national files' count for the area."""
    mine = monthly_arrests.groupby("fiscal_year")["arrests"].sum()
    theirs = national[national["aor"].astype(str) == aor].groupby("fiscal_year")["arrests"].sum()
    out = pd.DataFrame({"fiscal_year": list(years)})
    out["seattle_production"] = out["fiscal_year"].map(mine).astype("int64")
    out["national_files"] = out["fiscal_year"].map(theirs).astype("int64")
    out["difference"] = out["seattle_production"] - out["national_files"]
    return out
