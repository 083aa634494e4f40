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
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from itertools import product
from typing import Any

import pandas as pd

from scomm import ratios as r
from scomm.schema import source_ids

REPRODUCES, DIVERGES, CANNOT, PARTIAL = "reproduces", "diverges", "cannot compute", "partial year"
RECORDS_TOTAL = "records_total"
RECORDS_TABLE = "ice_record_files"  # the derived table records_total reads (data/derived/ice_record_files.csv)
RECORDS_REF = re.compile(r"^ice_record_files:(arrests|removals):FY([0-9]{4})$")
RECORDS_SOURCE = source_ids("ice_record_files")  # ICE's FOIA release of the records (datapackage.json)
DETAINER_MONTHS = "detainer_months"
DETAINER_TABLE = "detainers_monthly"
DETAINER_REF = re.compile(
    r"^detainers_monthly:(sum|mean|change_of_mean)(?::([0-9]{4}-(?:0[1-9]|1[0-2])):([0-9]{4}-(?:0[1-9]|1[0-2])))?$"
)
DETAINER_SOURCE = source_ids("detainers_yearly")  # ICE's detainer record (FOIA), tabulated by NPR
DETAINER_FIRST, DETAINER_LAST = "2007-10", "2015-07"  # months of the record; July 2015 to the 19th only
CHECK_COLUMNS = [
    "claim_id",
    "statement",
    "verdict",
    "computed",
    "computed_low",
    "computed_high",
    "computed_qualifier",
    "published",
    "published_qualifier",
    "as_printed",
    "unit",
    "gap",
    "tolerance",
    "rule",
    "detail",
    "computation",
    "inputs",
    "published_id",
    "source_id",
    "locator",
]


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
        if periods is None:
            raise ValueError("a per_period claim needs `periods`")
        return r.per_period(inputs[0], float(periods), unit)
    raise ValueError(f"unknown computation {kind!r}")  # the schema's enum keeps this from happening


# Words a source prints before a number, and the side of it where the true value lies.
BELOW_WORDS = ("nearly", "almost", "just under", "not quite")  # a little under the number
ABOVE_WORDS = ("slightly more than", "just over", "a little over", "slightly over")  # a little over it
ABOUT_WORDS = ("about", "around", "approximately", "roughly", "close to", "some", "an estimated", "estimated", "~")
LOWER_WORDS = ("more than", "over", "at least", "upwards of", "in excess of")
UPPER_WORDS = ("less than", "fewer than", "under", "at most", "up to", "no more than")
NUMBER = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")


def printed_unit(as_printed: str, value: float) -> float:
    """One unit of the last significant digit a source printed: 'nearly 290,000' -> 10,000; '10,500' -> 100;
    '7.2%' -> 0.1; '20,648' -> 1."""
    found = NUMBER.search(str(as_printed))
    text = found.group(0).replace(",", "") if found else f"{value:g}"
    if "." in text:
        return 10.0 ** -len(text.split(".")[1])
    digits = text.lstrip("0") or "0"
    return 10.0 ** (len(digits) - len(digits.rstrip("0"))) if digits != "0" else 1.0


def qualifier_words(as_printed: str, qualifier: str) -> str:
    """How the source qualified its number: 'below', 'above', 'about', 'lower', 'upper' or 'exact', from the
    words it printed ('nearly 290,000') and else from the figure's qualifier."""
    text = " " + " ".join(str(as_printed).lower().split()) + " "
    for kind, words in (
        ("above", ABOVE_WORDS),
        ("below", BELOW_WORDS),
        ("lower", LOWER_WORDS),
        ("upper", UPPER_WORDS),
        ("about", ABOUT_WORDS),
    ):
        if any(f" {w} " in text or text.strip().startswith(w) for w in words):
            return kind
    return {"about": "about", "more_than": "lower", "at_least": "lower", "less_than": "upper", "at_most": "upper"}.get(
        str(qualifier), "exact"
    )


def reading_interval(
    value: float,
    unit: str,
    qualifier: str,
    as_printed: str = "",
    decimals: int | None = None,
    exact_counts: bool = True,
) -> tuple[float, float]:
    """Every true value consistent with a printed number, its printed precision and its qualifier words.

    exact: within half a unit of the last printed digit (a count printed exactly, when `exact_counts`, is
    that count); 'about': within one unit of the last significant digit (290,000 -> 280,000 to 300,000);
    'nearly': up to one unit below it; 'slightly more than': up to one unit above; 'more than', 'at least':
    from the number up, 'less than', 'at most': up to the number (a published bound, read to `decimals`,
    also allows its own rounding: half a unit)."""
    step = 10.0**-decimals if decimals is not None else printed_unit(as_printed, value)
    kind = qualifier_words(as_printed, qualifier)
    half = step / 2
    if kind == "exact":
        whole_count = (
            exact_counts
            and unit not in ("percent", "percent_change", "points", "times")
            and "." not in str(as_printed)
            and float(value).is_integer()
        )
        return (value, value) if whole_count else (value - half, value + half)
    if kind == "about":
        return value - step, value + step
    if kind == "below":
        return value - step, value
    if kind == "above":
        return value, value + step
    # a printed bound is the bound itself ('more than 100': above 100); a published one allows its rounding
    slack = half if decimals is not None else 0.0
    if kind == "lower":
        return value - slack, float("inf")
    return (0.0 if value >= 0 else float("-inf")), value + slack


def _interval_of(kind: str, inputs: Sequence[tuple[float, float]], periods: float | None) -> tuple[float, float]:
    """The range of a claim's computation over every combination of its inputs' ranges (all computations
    are monotone in each input, so the ends of the ranges give the ends of the result)."""

    def value(xs: Sequence[float]) -> float:
        if kind == "share":
            return xs[0] / xs[1] * 100
        if kind == "complement_of_share":
            return 100 - xs[0] / xs[1] * 100
        if kind == "growth":
            return (xs[1] / xs[0] - 1) * 100
        if kind == "difference":
            return xs[0] - xs[1]
        if kind == "sum":
            return sum(xs)
        if kind == "per_period":
            if periods is None:
                raise ValueError("a per_period claim needs `periods`")
            return xs[0] / float(periods)
        raise ValueError(f"unknown computation {kind!r}")

    results = []
    for corner in product(*inputs):
        try:
            results.append(value(corner))
        except ZeroDivisionError:
            results.append(float("inf"))
    results = [x for x in results if x == x]  # inf / inf gives no number: leave it out
    return (min(results), max(results)) if results else (float("-inf"), float("inf"))


def fair_check(computed: tuple[float, float], published: tuple[float, float]) -> tuple[bool, float]:
    """(reproduces, gap): a published value reproduces when some reading of its inputs (`computed`, a range)
    falls in the range its own printed precision and words allow (`published`); the gap is how far apart
    the two ranges are (0 when they meet; negative when the computed range lies below)."""
    if computed[1] < published[0]:
        return False, computed[1] - published[0]
    if computed[0] > published[1]:
        return False, computed[0] - published[1]
    return True, 0.0


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
    return [
        p.strftime("%Y-%m") for p in pd.period_range(pd.Timestamp(str(start)[:7]), pd.Timestamp(str(end)[:7]), freq="M")
    ]


def detainer_value(monthly: pd.DataFrame, operation: str, months: list[str], base: list[str] | None = None) -> float:
    """Sum or mean of detainers over `months`, or the percent change of the monthly mean from `base` to `months`."""
    counts = (
        monthly.assign(ym=pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m"))
        .set_index("ym")["detainers"]
        .astype(float)
    )
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
        cover = (
            f"ICE's detainer record runs from October 2007 to 19 July 2015; the claim needs "
            f"{months[0]} to {months[-1]}" + (f" and {base[0]} to {base[-1]}" if base else "")
        )
        return {**row, "verdict": PARTIAL, "detail": cover}
    value = detainer_value(monthly, operation, months, base)
    count = r.Quantity(
        value=value,
        unit=published.unit,
        qualifier="exact",
        label=f"detainers {operation}",
        source_ids=(DETAINER_SOURCE,),
    )
    check = r.check_published(count, published, int(claim["decimals"]))
    gap = value - published.value
    row = {
        **row,
        "computed": value,
        "computed_qualifier": "exact",
        "gap": gap,
        "tolerance": check.tolerance,
        "rule": check.rule,
    }
    if check.reproduces:
        return {**row, "verdict": REPRODUCES, "detail": ""}
    return {
        **row,
        "verdict": DIVERGES,
        "detail": f"gap {gap:+,.{int(claim['decimals'])}f} {_unit_word(published.unit)} "
        f"(months {months[0]} to {months[-1]} of {where})",
    }


def load_records() -> pd.DataFrame:
    """The derived table of record counts per raw file (validated against data/datapackage.json)."""
    from scomm.data import load_table

    return load_table(RECORDS_TABLE)


def _records_row(claim: pd.Series, published: r.Quantity, records: pd.DataFrame | None, row: dict) -> dict:
    """The checks-table row of a records_total claim: the record count against the published total."""
    event, year = records_reference(claim["inputs"]) or ("", 0)
    where = f"data/derived/{RECORDS_TABLE}.csv"
    found = (
        records[(records["event"].astype(str) == event) & (records["fiscal_year"].astype(int) == year)]
        if records is not None
        else records
    )
    if found is None or found.empty:
        return {**row, "verdict": CANNOT, "detail": f"no {event} records for FY{year} in {where}"}
    first, last = pd.Timestamp(found["first_date"].min()).date(), pd.Timestamp(found["last_date"].max()).date()
    count = r.Quantity(
        value=float(found["records"].sum()),
        unit=published.unit,
        qualifier="exact",
        label=f"{event} records FY{year}",
        source_ids=(RECORDS_SOURCE,),
    )
    check = r.check_published(count, published, int(claim["decimals"]))
    gap = count.value - published.value
    start, end = date(year - 1, 10, 1), date(year, 9, 30)
    row = {
        **row,
        "computed": count.value,
        "computed_low": count.value,
        "computed_high": count.value,
        "computed_qualifier": count.qualifier,
        "gap": gap,
        "tolerance": check.tolerance,
        "rule": check.rule,
    }
    words = f"{abs(gap):,.0f} {_unit_word(published.unit)}"
    if first > start or last < end:
        cover = f"records cover {first:%Y-%m-%d} to {last:%Y-%m-%d}, not the whole fiscal year {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        if gap > check.tolerance:  # more records in part of the year than the whole-year total: a real divergence
            return {**row, "verdict": DIVERGES, "detail": f"{cover}, yet exceed the whole-year total by {words}"}
        return {
            **row,
            "verdict": PARTIAL,
            "detail": f"{cover}; {words} short of the whole-year total (not expected to be equal)",
        }
    if check.reproduces:
        return {**row, "verdict": REPRODUCES, "detail": ""}
    return {**row, "verdict": DIVERGES, "detail": f"gap {gap:+,.0f} {_unit_word(published.unit)}"}


def evaluate_one(
    claim: Mapping[str, Any],
    get: Callable[[str], r.Quantity],
    have: set[str],
    records: pd.DataFrame | None = None,
    monthly: pd.DataFrame | None = None,
    printed: dict[str, str] | None = None,
) -> dict:
    """One row of the checks table for `claim` (a row of claims.csv); `records` for records_total claims,
    `monthly` (detainers by month) for detainer_months claims; `printed`: figure_id -> the words the
    source printed (for the precision and qualifier of each input).

    The fair rule: the claim diverges only when no reading of its inputs consistent with their printed
    precision and words ('nearly', 'about', 'more than') gives a value the published number, read the same
    way, allows."""
    from_records = str(claim["computation"]) == RECORDS_TOTAL
    from_detainers = str(claim["computation"]) == DETAINER_MONTHS
    ids = [] if from_records or from_detainers else str(claim["inputs"]).split()
    row = {
        "claim_id": claim["claim_id"],
        "statement": claim["statement"],
        "computation": claim["computation"],
        "inputs": " ".join(ids),
        "published_id": claim["published_id"],
        "computed": float("nan"),
        "computed_low": float("nan"),
        "computed_high": float("nan"),
        "computed_qualifier": "",
        "published": float("nan"),
        "published_qualifier": "",
        "as_printed": "",
        "unit": "",
        "gap": float("nan"),
        "tolerance": float("nan"),
        "rule": "",
        "source_id": "",
        "locator": "",
    }
    missing = [i for i in [*ids, claim["published_id"]] if i not in have]
    if missing:
        return {**row, "verdict": CANNOT, "detail": "figure(s) not in the data: " + ", ".join(missing)}
    published = get(claim["published_id"])
    row.update(
        published=published.value,
        published_qualifier=published.qualifier,
        unit=published.unit,
        source_id=published.source_ids[0],
        as_printed=claim["_as_printed"],
        locator=claim["_locator"],
    )
    if from_records:
        return _records_row(claim, published, records, row)
    if from_detainers:
        return _detainer_row(claim, published, monthly, row)
    try:
        computed = _compute(str(claim["computation"]), [get(i) for i in ids], claim["periods"], published.unit)
    except ZeroDivisionError:
        return {**row, "verdict": CANNOT, "detail": "a denominator is zero: " + ", ".join(ids[1:] or ids)}
    decimals = int(claim["decimals"])
    printed = printed or {}
    ranges = [
        reading_interval(q.value, q.unit, q.qualifier, printed.get(i, "")) for i, q in zip(ids, (get(i) for i in ids))
    ]
    low, high = _interval_of(str(claim["computation"]), ranges, claim["periods"])
    allowed = reading_interval(
        published.value,
        published.unit,
        published.qualifier,
        claim["_as_printed"],
        decimals=decimals,
        exact_counts=False,
    )
    kind = str(claim["computation"])
    if (
        high == float("inf")
        and (low <= 0 if kind == "share" else low <= -100 if kind == "growth" else False)
        or (kind == "complement_of_share" and low == float("-inf"))
    ):
        # both counts are printed as bounds ('more than'): every share fits them, so nothing can be checked
        return {
            **row,
            "verdict": CANNOT,
            "computed": computed.value,
            "computed_low": low,
            "computed_high": high,
            "computed_qualifier": computed.qualifier,
            "detail": "the counts it rests on are printed as bounds (more than, at least): any value fits them",
        }
    ok, gap = fair_check((low, high), allowed)
    verdict = REPRODUCES if ok else DIVERGES
    places = decimals + 1
    rule = f"published reading {_span(allowed, places)}; computed {_span((low, high), places)}"
    detail = "" if ok else f"gap {gap:+.{places}f} {_unit_word(published.unit)}".rstrip()
    return {
        **row,
        "verdict": verdict,
        "computed": computed.value,
        "computed_low": low,
        "computed_high": high,
        "computed_qualifier": computed.qualifier,
        "gap": gap,
        "tolerance": (allowed[1] - allowed[0]) / 2,
        "rule": rule,
        "detail": detail,
    }


def _span(interval: tuple[float, float], places: int) -> str:
    """'7.15 to 7.25', 'at least 3.65', 'at most 8.5': a range in words."""
    low, high = interval
    if high == float("inf"):
        return f"at least {low:,.{places}f}"
    if low in (float("-inf"), 0.0) and high != low:
        return f"at most {high:,.{places}f}" if low != 0.0 else f"0 to {high:,.{places}f}"
    return f"{low:,.{places}f}" if low == high else f"{low:,.{places}f} to {high:,.{places}f}"


def _unit_word(unit: str) -> str:
    return "points" if unit in ("percent", "percent_change") else unit


def evaluate(
    claims: pd.DataFrame,
    figures: pd.DataFrame,
    records: pd.DataFrame | None = None,
    monthly: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The checks table: one row per claim with its verdict, in the order of claims.csv.

    `records` is the derived table of record counts that records_total claims read, `monthly` the
    detainers by month that detainer_months claims read; when None each is loaded from data/derived/
    (only if some claim needs it).
    """
    if records is None and uses_records(claims):
        records = load_records()
    if monthly is None and uses_detainer_months(claims):
        from scomm.data import load_table

        monthly = load_table(DETAINER_TABLE)
    get = r.getter(figures)
    have = set(figures["figure_id"])
    info = figures.set_index("figure_id").reindex(columns=["as_printed", "locator", "period_start", "period_end"])
    printed = info["as_printed"].astype(str).to_dict()
    rows = []
    published = info[info.index.isin(claims["published_id"])].to_dict("index")  # the rows claims name only
    for claim in claims.to_dict("records"):  # plain rows: a Series per claim costs more than the checks
        about = published.get(claim["published_id"], {})
        claim["_as_printed"] = about.get("as_printed", "")
        claim["_locator"] = about.get("locator", "")
        claim["_period_start"] = about.get("period_start")
        claim["_period_end"] = about.get("period_end")
        rows.append(evaluate_one(claim, get, have, records, monthly, printed))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def figure_inputs(claim_inputs: str) -> list[str]:
    """The figure_ids among a claim's inputs (none for a records_total or detainer_months reference)."""
    return [] if records_reference(claim_inputs) or detainer_reference(claim_inputs) else str(claim_inputs).split()


def figures_used(claims: pd.DataFrame) -> dict[str, list[str]]:
    """claim_id -> every figure_id the claim rests on (inputs, then the published figure)."""
    return {c.claim_id: [*figure_inputs(c.inputs), c.published_id] for c in claims.itertuples()}


def uses_detainer_months(claims: pd.DataFrame) -> bool:
    """True when some claim reads the detainers by month (computation detainer_months)."""
    return bool((claims["computation"].astype(str) == DETAINER_MONTHS).any())


def uses_records(claims: pd.DataFrame) -> bool:
    """True when some claim counts records of the derived table (computation records_total)."""
    return bool((claims["computation"].astype(str) == RECORDS_TOTAL).any())
