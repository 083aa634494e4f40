"""The results table: every model estimate as one row (estimate, interval, n, method, the data it used), so
findings, charts and the report render their numbers from rows rather than from typed values."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scomm import ratios as r

RESULT_COLUMNS = ["label", "estimate", "low", "high", "interval", "n", "method", "data", "unit"]


def result_row(
    label: str,
    estimate: float,
    low: float,
    high: float,
    n: int,
    method: str,
    data: str,
    *,
    unit: str = "",
    interval: str = "95% confidence interval",
    **extra: Any,
) -> dict:
    """One result: `label`, point estimate, interval bounds, number of observations, method, data used."""
    return {
        "label": label,
        "estimate": estimate,
        "low": low,
        "high": high,
        "interval": interval,
        "n": int(n),
        "method": method,
        "data": data,
        "unit": unit,
        **extra,
    }


def results_table(*parts: pd.DataFrame | list[dict]) -> pd.DataFrame:
    """Rows from several estimates in one table (results columns first)."""
    frames = [p if isinstance(p, pd.DataFrame) else pd.DataFrame(p) for p in parts]
    table = pd.concat(frames, ignore_index=True)
    return table[RESULT_COLUMNS + [c for c in table.columns if c not in RESULT_COLUMNS]]


def quantity(row: pd.Series | dict, label: str | None = None):
    """A results row as a `ratios.Quantity` (for `run.show` and findings; the interval stays in the row)."""
    return r.Quantity(float(row["estimate"]), str(row.get("unit", "")), "exact", label=label or str(row["label"]))


def shown(table: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """A copy of `table` for display with the named number columns written to that many decimals
    ('n/a' when missing); hazard ratios need three, p-values four."""
    out = table.copy()
    for col, places in decimals.items():
        out[col] = [f"{v:,.{places}f}" if pd.notna(v) else "n/a" for v in out[col]]
    return out
