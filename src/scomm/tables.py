"""Selections and shaping of figure rows into the tables notebooks print and charts plot (no drawing here)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scomm import ratios as r
from scomm.fmt import format_number, markdown_text

TABLE_COLUMNS = [
    "figure_id",
    "metric",
    "value",
    "unit",
    "qualifier",
    "as_printed",
    "geography",
    "period_start",
    "period_end",
    "date_precision",
    "source_id",
    "confidence",
]
FUNNEL_STAGES = ["fingerprints", "immigration matches", "ICE arrests", "removals"]
ROLLOUT_METRICS = ["jurisdictions_activated", "sites_activated", "localities_activated", "counties_enrolled"]


def select(figures: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """The rows `ids` in that order, with the columns charts and tables need."""
    indexed = figures.set_index("figure_id", drop=False)
    missing = [i for i in ids if i not in indexed.index]
    if missing:
        raise KeyError(f"figure_id(s) not in the data: {', '.join(missing)}")
    return indexed.loc[list(ids), TABLE_COLUMNS].reset_index(drop=True)


def readable(frame: pd.DataFrame, columns: Sequence[str] | None = None, names: dict[str, str] | None = None) -> str:
    """`frame` as a Markdown pipe table: counts with thousands separators and units, percentages to one
    decimal, dates as YYYY-MM-DD, 'n/a' for missing values, numbers right-aligned."""
    out = frame[list(columns)] if columns is not None else frame
    cells: dict[str, list[str]] = {}
    numeric = {}
    for col in out.columns:
        series = out[col]
        numeric[col] = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if pd.api.types.is_datetime64_any_dtype(series):
            text = [v.strftime("%Y-%m-%d") if pd.notna(v) else "n/a" for v in series]
        elif col == "value" and "unit" in frame.columns:
            text = [
                format_number(v, str(u)) if pd.notna(v) else "n/a" for v, u in zip(series, frame.loc[out.index, "unit"])
            ]
            numeric[col] = True
        elif numeric[col]:
            text = [_plain_number(v) for v in series]
        else:
            text = ["n/a" if pd.isna(v) else str(v).replace("_", " ") if col == "qualifier" else str(v) for v in series]
        cells[col] = text
    names = names or {}
    esc = markdown_text  # data shown literally: no HTML, link or table break from a cell
    head = "| " + " | ".join(esc(names.get(c, c.replace("_", " "))) for c in out.columns) + " |"
    align = "|" + "|".join("---:" if numeric[c] else "---" for c in out.columns) + "|"
    body = ["| " + " | ".join(esc(cells[c][i]) for c in out.columns) + " |" for i in range(len(out))]
    return "\n".join([head, align, *body])


def _plain_number(value) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def quantities_table(quantities: dict[str, r.Quantity], computation: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per labelled quantity (published or derived) with the figure and source ids behind it."""
    computation = computation or {}
    return pd.DataFrame(
        [
            {
                "label": label,
                "value": q.value,
                "unit": q.unit,
                "qualifier": q.qualifier,
                "figure_id": " ".join(q.figure_ids),
                "source_id": " ".join(q.source_ids),
                "computation": computation.get(label, "as published" if len(q.figure_ids) == 1 else "derived"),
            }
            for label, q in quantities.items()
        ]
    )


def funnel_table(stages: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each place's funnel rows (from `select`), stage by stage, with the percent of the stage before."""
    frames = []
    for place, rows in stages.items():
        rows = rows.copy()
        rows.insert(0, "stage", FUNNEL_STAGES[: len(rows)])
        rows.insert(0, "place", place)
        values = rows["value"].to_numpy(dtype=float)
        rows["pct_of_previous_stage"] = [np.nan] + [
            b / a * 100 if a else np.nan for a, b in zip(values[:-1], values[1:])
        ]
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def implied_counts_table(implied: dict[str, tuple[r.Quantity, r.Quantity, r.Quantity]]) -> pd.DataFrame:
    """label -> (published percent, whole, implied count from ratios.applied_share): one row each."""
    rows = []
    for label, (percent, whole, q) in implied.items():
        rows.append(
            {
                "label": label,
                "value": percent.value,
                "unit": percent.unit,
                "qualifier": percent.qualifier,
                "implied_removals": q.value,
                "implied_qualifier": q.qualifier,
                "all_removals": whole.value,
                "figure_id": " ".join(q.figure_ids),
                "source_id": " ".join(q.source_ids),
            }
        )
    return pd.DataFrame(rows)


def select_quantities(figures: pd.DataFrame, quantities: Sequence[r.Quantity]) -> pd.DataFrame:
    """The figure rows behind some quantities."""
    ids = list(dict.fromkeys(i for q in quantities for i in q.figure_ids))
    return select(figures, ids)


UNUSABLE_MARKER = "do not use"  # how the data's notes mark a figure not to be shown as a count (e.g. no primary copy)


def split_unusable(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows to plot, rows left out): a row is left out when its notes say "do not use" (case-insensitive),
    the data's marker for a figure that must not be used without a primary source. Rows without notes stay."""
    if "notes" not in rows.columns:
        return rows, rows.iloc[0:0]
    flagged = rows["notes"].fillna("").astype(str).str.lower().str.contains(UNUSABLE_MARKER, regex=False)
    return rows[~flagged], rows[flagged]


def unusable_reason(notes: str) -> str:
    """The phrase of `notes` that marks a row unusable: 'do not use without a primary'."""
    found = re.search(re.escape(UNUSABLE_MARKER) + r"[^.;,]*", str(notes), flags=re.I)
    return found.group(0).strip() if found else ""
