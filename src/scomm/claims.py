"""Published claims, checked as data.

`data/claims.csv` lists numbers that sources printed (a share, a change, a sum...) together with the
figure rows they should follow from. `evaluate` recomputes each one and says whether it `reproduces`
the published value within the precision it was printed to, `diverges` (with the gap), or
`cannot compute` (naming the missing figure or the zero it would divide by). Nothing here raises on a
claim that fails: a corrected or newer figure is exactly what users bring.

One computation reads no figure: `records_total` counts the records of ICE's record-level release for an
event and fiscal year (inputs `ice_record_files:arrests:FY2016`, a row of data/derived/ice_record_files.csv
written by `scomm derive`). When those records cover only part of the fiscal year the verdict is
`partial year`: a whole-year total is not expected to equal them (only records above it would diverge).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, Sequence

import pandas as pd

from scomm import ratios as r

REPRODUCES, DIVERGES, CANNOT, PARTIAL = "reproduces", "diverges", "cannot compute", "partial year"
RECORDS_TOTAL = "records_total"
RECORDS_TABLE = "ice_record_files"  # the derived table records_total reads (data/derived/ice_record_files.csv)
RECORDS_REF = re.compile(r"^ice_record_files:(arrests|removals):FY([0-9]{4})$")
RECORDS_SOURCE = "S201"  # ICE's FOIA release of the records, in data/sources.csv
CHECK_COLUMNS = ["claim_id", "statement", "verdict", "computed", "computed_qualifier", "published",
                 "published_qualifier", "as_printed", "unit", "gap", "tolerance", "rule", "detail", "computation",
                 "inputs", "published_id", "source_id", "locator"]


def _compute(kind: str, inputs: Sequence[r.Quantity], periods: float | None, unit: str) -> r.Quantity:
    """The claim's computation applied to its input quantities."""
    if kind == "share":
        return r.share(inputs[0], inputs[1])
    if kind == "complement_of_share":
        return r.complement(r.share(inputs[0], inputs[1]))
    if kind == "growth":
        return r.growth(inputs[0], inputs[1])
    if kind == "difference":
        return r.difference(inputs[0], inputs[1])
    if kind == "sum":
        return r.total(inputs)
    if kind == "per_period":
        return r.per_period(inputs[0], float(periods), unit)
    raise ValueError(f"unknown computation {kind!r}")  # the schema's enum keeps this from happening


def records_reference(inputs: str) -> tuple[str, int] | None:
    """(event, fiscal year) of a records_total input such as 'ice_record_files:arrests:FY2016', else None."""
    match = RECORDS_REF.match(str(inputs).strip())
    return (match.group(1), int(match.group(2))) if match else None


def load_records() -> pd.DataFrame:
    """The derived table of record counts per raw file (validated against data/datapackage.json)."""
    from scomm.data import load_table

    return load_table(RECORDS_TABLE)


def _records_row(claim: pd.Series, published: r.Quantity, records: pd.DataFrame | None, row: dict) -> dict:
    """The checks-table row of a records_total claim: the record count against the published total."""
    event, year = records_reference(claim["inputs"]) or ("", 0)
    where = f"data/derived/{RECORDS_TABLE}.csv"
    found = (records[(records["event"].astype(str) == event) & (records["fiscal_year"].astype(int) == year)]
             if records is not None else records)
    if found is None or found.empty:
        return {**row, "verdict": CANNOT, "detail": f"no {event} records for FY{year} in {where}"}
    first, last = pd.Timestamp(found["first_date"].min()).date(), pd.Timestamp(found["last_date"].max()).date()
    count = r.Quantity(value=float(found["records"].sum()), unit=published.unit, qualifier="exact",
                       label=f"{event} records FY{year}", source_ids=(RECORDS_SOURCE,))
    check = r.check_published(count, published, int(claim["decimals"]))
    gap = count.value - published.value
    start, end = date(year - 1, 10, 1), date(year, 9, 30)
    row = {**row, "computed": count.value, "computed_qualifier": count.qualifier, "gap": gap,
           "tolerance": check.tolerance, "rule": check.rule}
    words = f"{abs(gap):,.0f} {_unit_word(published.unit)}"
    if first > start or last < end:
        cover = f"records cover {first:%Y-%m-%d} to {last:%Y-%m-%d}, not the whole fiscal year {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        if gap > check.tolerance:  # more records in part of the year than the whole-year total: a real divergence
            return {**row, "verdict": DIVERGES, "detail": f"{cover}, yet exceed the whole-year total by {words}"}
        return {**row, "verdict": PARTIAL, "detail": f"{cover}; {words} short of the whole-year total (not expected to be equal)"}
    if check.reproduces:
        return {**row, "verdict": REPRODUCES, "detail": ""}
    return {**row, "verdict": DIVERGES, "detail": f"gap {gap:+,.0f} {_unit_word(published.unit)}"}


def evaluate_one(claim: pd.Series, get: Callable[[str], r.Quantity], have: set[str],
                 records: pd.DataFrame | None = None) -> dict:
    """One row of the checks table for `claim` (a row of claims.csv); `records` for records_total claims."""
    from_records = str(claim["computation"]) == RECORDS_TOTAL
    ids = [] if from_records else str(claim["inputs"]).split()
    row = {"claim_id": claim["claim_id"], "statement": claim["statement"], "computation": claim["computation"],
           "inputs": " ".join(ids), "published_id": claim["published_id"], "computed": float("nan"),
           "computed_qualifier": "", "published": float("nan"), "published_qualifier": "", "as_printed": "",
           "unit": "", "gap": float("nan"), "tolerance": float("nan"), "rule": "", "source_id": "", "locator": ""}
    missing = [i for i in [*ids, claim["published_id"]] if i not in have]
    if missing:
        return {**row, "verdict": CANNOT, "detail": "figure(s) not in the data: " + ", ".join(missing)}
    published = get(claim["published_id"])
    row.update(published=published.value, published_qualifier=published.qualifier, unit=published.unit,
               source_id=published.source_ids[0], as_printed=claim["_as_printed"], locator=claim["_locator"])
    if from_records:
        return _records_row(claim, published, records, row)
    try:
        computed = _compute(str(claim["computation"]), [get(i) for i in ids], claim["periods"], published.unit)
    except ZeroDivisionError:
        return {**row, "verdict": CANNOT, "detail": "a denominator is zero: " + ", ".join(ids[1:] or ids)}
    check = r.check_published(computed, published, int(claim["decimals"]))
    gap = computed.value - published.value
    verdict = REPRODUCES if check.reproduces else DIVERGES
    detail = "" if check.reproduces else f"gap {gap:+.{int(claim['decimals']) + 1}f} {_unit_word(published.unit)}".rstrip()
    return {**row, "verdict": verdict, "computed": computed.value, "computed_qualifier": computed.qualifier,
            "gap": gap, "tolerance": check.tolerance, "rule": check.rule, "detail": detail}


def _unit_word(unit: str) -> str:
    return "points" if unit in ("percent", "percent_change") else unit


def evaluate(claims: pd.DataFrame, figures: pd.DataFrame, records: pd.DataFrame | None = None) -> pd.DataFrame:
    """The checks table: one row per claim with its verdict, in the order of claims.csv.

    `records` is the derived table of record counts that records_total claims read; when None it is
    loaded from data/derived/ (only if some claim needs it).
    """
    if records is None and uses_records(claims):
        records = load_records()
    get = r.getter(figures)
    have = set(figures["figure_id"])
    info = figures.set_index("figure_id")[["as_printed", "locator"]]
    rows = []
    for _, claim in claims.iterrows():
        claim = claim.copy()
        pid = claim["published_id"]
        claim["_as_printed"] = info.at[pid, "as_printed"] if pid in info.index else ""
        claim["_locator"] = info.at[pid, "locator"] if pid in info.index else ""
        rows.append(evaluate_one(claim, get, have, records))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def figure_inputs(claim_inputs: str) -> list[str]:
    """The figure_ids among a claim's inputs (none for a records_total reference)."""
    return [] if records_reference(claim_inputs) else str(claim_inputs).split()


def figures_used(claims: pd.DataFrame) -> dict[str, list[str]]:
    """claim_id -> every figure_id the claim rests on (inputs, then the published figure)."""
    return {c.claim_id: [*figure_inputs(c.inputs), c.published_id] for c in claims.itertuples()}


def uses_records(claims: pd.DataFrame) -> bool:
    """True when some claim counts records of the derived table (computation records_total)."""
    return bool((claims["computation"].astype(str) == RECORDS_TOTAL).any())
