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

Another reads no figure either: `detainer_months` sums (`detainers_monthly:sum`) or averages
(`detainers_monthly:mean`) the detainers ICE issued to local agencies in the months of the published
figure's period (data/derived/detainers_monthly.csv, written by `scomm derive`), or gives the percent
change of the monthly average from a base period (`detainers_monthly:change_of_mean:YYYY-MM:YYYY-MM`).
A period reaching outside 1 October 2007 - 19 July 2015 (or into July 2015, counted to the 19th only)
is `partial year`, not a comparison.
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
DETAINER_MONTHS = "detainer_months"
DETAINER_TABLE = "detainers_monthly"
DETAINER_REF = re.compile(r"^detainers_monthly:(sum|mean|change_of_mean)(?::([0-9]{4}-[0-9]{2}):([0-9]{4}-[0-9]{2}))?$")
DETAINER_SOURCE = "S300"  # ICE's detainer record (FOIA), tabulated by NPR
DETAINER_FIRST, DETAINER_LAST = "2007-10", "2015-07"  # months of the record; July 2015 to the 19th only
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


def detainer_reference(inputs: str) -> tuple[str, str | None, str | None] | None:
    """(operation, base start, base end) of a detainer_months input such as 'detainers_monthly:sum', else None."""
    match = DETAINER_REF.match(str(inputs).strip())
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _months(start, end) -> list[str]:
    """'YYYY-MM' of every month from `start` to `end` (dates or 'YYYY-MM')."""
    return [p.strftime("%Y-%m") for p in pd.period_range(pd.Timestamp(str(start)[:7]), pd.Timestamp(str(end)[:7]), freq="M")]


def detainer_value(monthly: pd.DataFrame, operation: str, months: list[str], base: list[str] | None = None) -> float:
    """Sum or mean of detainers over `months`, or the percent change of the monthly mean from `base` to `months`."""
    counts = monthly.assign(ym=pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")).set_index("ym")["detainers"].astype(float)
    values = counts.reindex(months)
    if operation == "sum":
        return float(values.sum())
    if operation == "mean":
        return float(values.mean())
    old = counts.reindex(base or []).mean()
    return float((values.mean() - old) / old * 100)


def _detainer_row(claim: pd.Series, published: r.Quantity, monthly: pd.DataFrame | None, row: dict) -> dict:
    """The checks-table row of a detainer_months claim: the months of the published figure's period."""
    operation, b0, b1 = detainer_reference(claim["inputs"]) or ("", None, None)
    months = _months(claim["_period_start"], claim["_period_end"])
    base = _months(b0, b1) if b0 else []
    where = f"data/derived/{DETAINER_TABLE}.csv"
    if monthly is None or monthly.empty:
        return {**row, "verdict": CANNOT, "detail": f"no detainer months in {where}"}
    outside = [m for m in months + base if m < DETAINER_FIRST or m > DETAINER_LAST]
    if outside or DETAINER_LAST in months + base:
        cover = (f"ICE's detainer record runs from October 2007 to 19 July 2015; the claim needs "
                 f"{months[0]} to {months[-1]}" + (f" and {base[0]} to {base[-1]}" if base else ""))
        return {**row, "verdict": PARTIAL, "detail": cover}
    value = detainer_value(monthly, operation, months, base)
    count = r.Quantity(value=value, unit=published.unit, qualifier="exact", label=f"detainers {operation}",
                       source_ids=(DETAINER_SOURCE,))
    check = r.check_published(count, published, int(claim["decimals"]))
    gap = value - published.value
    row = {**row, "computed": value, "computed_qualifier": "exact", "gap": gap, "tolerance": check.tolerance,
           "rule": check.rule}
    if check.reproduces:
        return {**row, "verdict": REPRODUCES, "detail": ""}
    return {**row, "verdict": DIVERGES, "detail": f"gap {gap:+,.{int(claim['decimals'])}f} {_unit_word(published.unit)} "
                                                  f"(months {months[0]} to {months[-1]} of {where})"}


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
                 records: pd.DataFrame | None = None, monthly: pd.DataFrame | None = None) -> dict:
    """One row of the checks table for `claim` (a row of claims.csv); `records` for records_total claims,
    `monthly` (detainers by month) for detainer_months claims."""
    from_records = str(claim["computation"]) == RECORDS_TOTAL
    from_detainers = str(claim["computation"]) == DETAINER_MONTHS
    ids = [] if from_records or from_detainers else str(claim["inputs"]).split()
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
    if from_detainers:
        return _detainer_row(claim, published, monthly, row)
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
    monthly = None
    if (claims["computation"].astype(str) == DETAINER_MONTHS).any():
        from scomm.data import load_table

        monthly = load_table(DETAINER_TABLE)
    get = r.getter(figures)
    have = set(figures["figure_id"])
    info = figures.set_index("figure_id").reindex(columns=["as_printed", "locator", "period_start", "period_end"])
    rows = []
    for _, claim in claims.iterrows():
        claim = claim.copy()
        pid = claim["published_id"]
        claim["_as_printed"] = info.at[pid, "as_printed"] if pid in info.index else ""
        claim["_locator"] = info.at[pid, "locator"] if pid in info.index else ""
        claim["_period_start"] = info.at[pid, "period_start"] if pid in info.index else None
        claim["_period_end"] = info.at[pid, "period_end"] if pid in info.index else None
        rows.append(evaluate_one(claim, get, have, records, monthly))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def figure_inputs(claim_inputs: str) -> list[str]:
    """The figure_ids among a claim's inputs (none for a records_total or detainer_months reference)."""
    return [] if records_reference(claim_inputs) or detainer_reference(claim_inputs) else str(claim_inputs).split()


def figures_used(claims: pd.DataFrame) -> dict[str, list[str]]:
    """claim_id -> every figure_id the claim rests on (inputs, then the published figure)."""
    return {c.claim_id: [*figure_inputs(c.inputs), c.published_id] for c in claims.itertuples()}


def uses_records(claims: pd.DataFrame) -> bool:
    """True when some claim counts records of the derived table (computation records_total)."""
    return bool((claims["computation"].astype(str) == RECORDS_TOTAL).any())
