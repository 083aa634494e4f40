"""Rates, not only counts: ICE arrests and removals per 10,000 non-citizen residents of each area of
responsibility, with the margin of error of the population carried through.

`python -m scomm.rates` writes data/aor_noncitizens.csv from data/raw/population/aor_demog_indicators.csv
(UWCHR's population of each area from ACS microdata, with standard errors): the non-citizen population of each
area and year with its 90% margin of error (1.645 standard errors, the ACS convention). A test checks that
the committed table is what this step derives.

The margin of error of a rate follows the Census Bureau's formula for a ratio (ACS handbook, 2020, chapter 8):
MOE(X/Y) = sqrt(MOE(X)^2 + (X/Y)^2 MOE(Y)^2) / Y; the record counts are complete counts (MOE 0), so the
rate's margin is rate * MOE(Y) / Y. Fiscal year N's records are set against the ACS estimate for year N.
"""

from __future__ import annotations

import pandas as pd

from scomm.jails import RECORDS_SOURCE
from scomm.paths import DATA_DIR
from scomm.results import result_row
from scomm.schema import source_ids
from scomm.vendor import RAW_DIR, to_csv

RAW = RAW_DIR / "population" / "aor_demog_indicators.csv"
OUT_CSV = DATA_DIR / "aor_noncitizens.csv"
Z90 = 1.645  # a 90% margin of error is 1.645 standard errors
PER = 10_000
SOURCE = source_ids("aor_noncitizens")  # as data/datapackage.json lists it
COLUMNS = ["aor", "year", "noncitizens", "noncitizens_moe", "source_id"]


def derive(path=RAW) -> pd.DataFrame:
    """One row per area and year: non-citizen population and its 90% margin of error."""
    raw = pd.read_csv(path, sep="|")
    out = pd.DataFrame(
        {
            "aor": raw["aor"].astype(str),
            "year": raw["year"].astype(int),
            "noncitizens": raw["noncitizen_pop"].round().astype("int64"),
            "noncitizens_moe": (Z90 * raw["noncitizen_pop_se"]).round(1),
            "source_id": SOURCE,
        }
    )
    return out.sort_values(["aor", "year"]).reset_index(drop=True)


def rate_with_moe(count, population, population_moe, per: int = PER) -> tuple:
    """(rate per `per`, its 90% margin of error) for an exact count over an estimated population."""
    rate = per * count / population
    return rate, rate * population_moe / population


def rates(
    arrests: pd.DataFrame, removals: pd.DataFrame, population: pd.DataFrame, files: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Arrests and removals per 10,000 non-citizen residents by area and fiscal year, with margins of error.
    Long table: aor, fiscal_year, event, records, noncitizens, noncitizens_moe, rate, rate_moe, partial_year."""
    parts = []
    for event, frame, col in (("arrests", arrests, "arrests"), ("removals", removals, "removals")):
        counts = frame.groupby(["aor", "fiscal_year"], as_index=False)[col].sum().rename(columns={col: "records"})
        parts.append(counts.assign(event=event))
    table = pd.concat(parts, ignore_index=True)
    pop = population.rename(columns={"year": "fiscal_year", "source_id": "population_source"})
    if "population_source" not in pop.columns:  # a table without sources: the one `derive` writes from
        pop = pop.assign(population_source=SOURCE)
    table = table.merge(
        pop[["aor", "fiscal_year", "noncitizens", "noncitizens_moe", "population_source"]], on=["aor", "fiscal_year"]
    )
    table["rate"], table["rate_moe"] = rate_with_moe(table["records"], table["noncitizens"], table["noncitizens_moe"])
    table["partial_year"] = False
    if files is not None:
        partial = files[files["last_date"] < pd.to_datetime(files["fiscal_year"].astype(str) + "-09-30")]
        keys = set(zip(partial["event"].astype(str), partial["fiscal_year"].astype(int)))
        table["partial_year"] = [(e, y) in keys for e, y in zip(table["event"], table["fiscal_year"])]
    table["source_id"] = RECORDS_SOURCE + " " + table.pop("population_source").astype(str)  # records, population
    return table.sort_values(["event", "aor", "fiscal_year"]).reset_index(drop=True)


def main() -> None:
    """Write data/aor_noncitizens.csv."""
    table = derive()
    OUT_CSV.write_text(to_csv(table.astype(str).to_dict("records"), COLUMNS), encoding="utf-8", newline="")
    print(f"wrote {len(table)} rows to {OUT_CSV.name}")


if __name__ == "__main__":
    main()


def result_rows(table: pd.DataFrame) -> list[dict]:
    """The rates table as rows of the results table (interval: the 90% margin of error)."""
    return [
        result_row(
            f"{row['aor']}: {row['event']} per 10,000 non-citizens, FY{row['fiscal_year']}",
            float(row["rate"]),
            float(row["rate"] - row["rate_moe"]),
            float(row["rate"] + row["rate_moe"]),
            int(row["records"]),
            "records over the ACS estimate; Census Bureau formula for a ratio",
            "data/derived/ice_arrests_monthly.csv, ice_removals_monthly.csv, data/aor_noncitizens.csv",
            unit="per 10,000",
            interval="90% margin of error",
        )
        for _, row in table.iterrows()
    ]
