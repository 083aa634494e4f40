"""Published claims, checked as data.

`data/claims.csv` lists numbers that sources printed (a share, a change, a sum...) together with the
figure rows they should follow from. `evaluate` recomputes each one and says whether it `reproduces`
the published value within the precision it was printed to, `diverges` (with the gap), or
`cannot compute` (naming the missing figure or the zero it would divide by). Nothing here raises on a
claim that fails: a corrected or newer figure is exactly what users bring.
"""

from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd

from scomm import ratios as r

REPRODUCES, DIVERGES, CANNOT = "reproduces", "diverges", "cannot compute"
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


def evaluate_one(claim: pd.Series, get: Callable[[str], r.Quantity], have: set[str]) -> dict:
    """One row of the checks table for `claim` (a row of claims.csv)."""
    ids = str(claim["inputs"]).split()
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


def evaluate(claims: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The checks table: one row per claim with its verdict, in the order of claims.csv."""
    get = r.getter(figures)
    have = set(figures["figure_id"])
    info = figures.set_index("figure_id")[["as_printed", "locator"]]
    rows = []
    for _, claim in claims.iterrows():
        claim = claim.copy()
        pid = claim["published_id"]
        claim["_as_printed"] = info.at[pid, "as_printed"] if pid in info.index else ""
        claim["_locator"] = info.at[pid, "locator"] if pid in info.index else ""
        rows.append(evaluate_one(claim, get, have))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def figures_used(claims: pd.DataFrame) -> dict[str, list[str]]:
    """claim_id -> every figure_id the claim rests on (inputs, then the published figure)."""
    return {c.claim_id: [*str(c.inputs).split(), c.published_id] for c in claims.itertuples()}
