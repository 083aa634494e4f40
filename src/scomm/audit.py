"""Data-quality checks as data: figures per source, conflicts between sources, consistency rules."""

from __future__ import annotations

import pandas as pd

# Funnel stages in order, with the metrics that count each stage.
FUNNEL_ORDER = [
    ("fingerprints", ["fingerprint_submissions"]),
    ("matches", ["ident_matches"]),
    ("ICE arrests", ["ice_arrests_or_bookings"]),
    ("removals", ["removals_total"]),
]
CUMULATIVE_METRICS = ["jurisdictions_activated", "states_with_activation"]
NATIONAL_TOTAL_ID = "ROL-039"


def figures_by(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Count of figures by kind of source (rows) and confidence (columns), largest first."""
    kinds = figures.merge(sources[["source_id", "kind"]], on="source_id", how="left")
    table = pd.crosstab(kinds["kind"].astype(str), kinds["confidence"].astype(str))
    table = table.reindex(columns=["high", "medium", "low"], fill_value=0)
    return table.loc[table.sum(axis=1).sort_values(ascending=False).index]


def conflicts(figures: pd.DataFrame) -> pd.DataFrame:
    """Rows sharing metric, geography and period whose values differ (both kept, never reconciled)."""
    keys = ["metric", "geography", "period_start", "period_end"]
    frame = figures.copy()
    frame["metric"] = frame["metric"].astype(str)
    groups = frame.groupby(keys, observed=True)["value"].transform("nunique")
    out = frame[groups > 1].sort_values(keys + ["figure_id"])
    return out[keys + ["figure_id", "value", "unit", "qualifier", "source_id"]].reset_index(drop=True)


def consistency_checks(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per rule and group: check, detail, passed (False marks a figure that breaks the rule)."""
    rows = []
    exact_or_lower = figures[figures["qualifier"].astype(str).isin(["exact", "more_than", "at_least"])]
    # Funnel order within each source, place and period.
    stage_of = {m: i for i, (_, ms) in enumerate(FUNNEL_ORDER) for m in ms}
    funnel = figures[figures["metric"].astype(str).isin(stage_of)].copy()
    funnel["stage"] = funnel["metric"].astype(str).map(stage_of)
    for key, grp in funnel.groupby(["source_id", "geography", "period_end"], observed=True):
        if len(grp) < 2:
            continue
        grp = grp.sort_values("stage")
        ok = bool((grp["value"].diff().dropna() <= 0).all())
        rows.append({"check": "funnel: each stage <= the stage before",
                     "detail": f"{key[1]}, {key[0]}, to {key[2]:%Y-%m-%d}: " + " >= ".join(grp["figure_id"]),
                     "passed": ok})
    # Cumulative national series never fall (exact values and lower bounds, day/month precision).
    for metric in CUMULATIVE_METRICS:
        series = exact_or_lower[(exact_or_lower["metric"] == metric) & (exact_or_lower["geography"] == "US")
                                & (exact_or_lower["date_precision"] != "year")].sort_values(["period_end", "value"])
        drops = series[series["value"].diff() < 0]
        rows.append({"check": f"cumulative {metric} never falls",
                     "detail": f"{len(series)} points" + (f"; falls at {', '.join(drops['figure_id'])}" if len(drops) else ""),
                     "passed": drops.empty})
    # No jurisdiction count above the national total.
    total = figures.loc[figures["figure_id"] == NATIONAL_TOTAL_ID, "value"]
    if len(total):
        juris = figures[(figures["unit"] == "jurisdictions") & (figures["figure_id"] != NATIONAL_TOTAL_ID)]
        over = juris[juris["value"] > total.iloc[0]]
        rows.append({"check": "no jurisdiction count above the national total",
                     "detail": f"{len(juris)} counts vs {total.iloc[0]:,.0f} ({NATIONAL_TOTAL_ID})"
                               + (f"; above: {', '.join(over['figure_id'])}" if len(over) else ""),
                     "passed": over.empty})
    return pd.DataFrame(rows)


def coverage(figures: pd.DataFrame) -> pd.DataFrame:
    """Figures by the year their period ends, with the metric count and the rows without a locator."""
    years = figures["period_end"].dt.year.value_counts().sort_index()
    return pd.DataFrame({"period_end_year": years.index.astype(int), "figures": years.to_numpy()}).assign(
        metrics=figures["metric"].nunique(), without_locator=int(figures["locator"].isna().sum()))
