"""Data-quality checks as data: figures per source, conflicts between sources, consistency rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from scomm import source_kinds

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


def figures_by_kind(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Figures per kind of source in the vocabulary's order (strongest first), with how charts show each kind
    ("drawn plainly", "marked", "never drawn") and the split by confidence; kinds no figure uses count 0."""
    kinds = figures.merge(sources[["source_id", "kind"]], on="source_id", how="left")["kind"].astype(str)
    conf = figures["confidence"].astype(str).to_numpy()
    rows = []
    for kind in source_kinds.SOURCE_KINDS:
        mine = (kinds == kind).to_numpy()
        shown = (
            "never drawn"
            if kind in source_kinds.NEVER_PLOTTED_KINDS
            else "marked"
            if source_kinds.is_weak_kind(kind)
            else "drawn plainly"
        )
        rows.append(
            {
                "kind": kind,
                "on charts": shown,
                "figures": int(mine.sum()),
                **{c: int((mine & (conf == c)).sum()) for c in ("high", "medium", "low")},
            }
        )
    return pd.DataFrame(rows)


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
        rows.append(
            {
                "check": "funnel: each stage <= the stage before",
                "detail": f"{key[1]}, {key[0]}, to {key[2]:%Y-%m-%d}: " + " >= ".join(grp["figure_id"]),
                "passed": ok,
            }
        )
    # Cumulative national series never fall (exact values and lower bounds, day/month precision).
    for metric in CUMULATIVE_METRICS:
        series = exact_or_lower[
            (exact_or_lower["metric"] == metric)
            & (exact_or_lower["geography"] == "US")
            & (exact_or_lower["date_precision"] != "year")
        ].sort_values(["period_end", "value"])
        drops = series[series["value"].diff() < 0]
        rows.append(
            {
                "check": f"cumulative {metric} never falls",
                "detail": f"{len(series)} points"
                + (f"; falls at {', '.join(drops['figure_id'])}" if len(drops) else ""),
                "passed": drops.empty,
            }
        )
    # No jurisdiction count above the national total.
    total = figures.loc[figures["figure_id"] == NATIONAL_TOTAL_ID, "value"]
    if len(total):
        juris = figures[(figures["unit"] == "jurisdictions") & (figures["figure_id"] != NATIONAL_TOTAL_ID)]
        over = juris[juris["value"] > total.iloc[0]]
        rows.append(
            {
                "check": "no jurisdiction count above the national total",
                "detail": f"{len(juris)} counts vs {total.iloc[0]:,.0f} ({NATIONAL_TOTAL_ID})"
                + (f"; above: {', '.join(over['figure_id'])}" if len(over) else ""),
                "passed": over.empty,
            }
        )
    return pd.DataFrame(rows)


def coverage(figures: pd.DataFrame) -> pd.DataFrame:
    """Figures by the year their period ends, with the metric count and the rows without a locator."""
    years = figures["period_end"].dt.year.value_counts().sort_index()
    return pd.DataFrame({"period_end_year": years.index.astype(int), "figures": years.to_numpy()}).assign(
        metrics=figures["metric"].nunique(), without_locator=int(figures["locator"].isna().sum())
    )


def unnoted_conflicts(figures: pd.DataFrame) -> pd.DataFrame:
    """Rows of `conflicts` whose notes do not name every other figure_id they disagree with.

    Column `missing` lists the ids the row's notes should name. An empty result means every
    disagreement between figures of the same metric, place and period is noted on both sides.
    """
    keys = ["metric", "geography", "period_start", "period_end"]
    rows = conflicts(figures)
    notes = figures.set_index("figure_id")["notes"].fillna("").astype(str)
    out = []
    for _, group in rows.groupby(keys, observed=True):
        for _, row in group.iterrows():
            others = group.loc[group["value"] != row["value"], "figure_id"]
            missing = [fid for fid in others if fid not in notes[row["figure_id"]]]
            if missing:
                out.append({"figure_id": row["figure_id"], "missing": " ".join(missing)})
    return pd.DataFrame(out, columns=["figure_id", "missing"])


AFTER_PUBLICATION_NOTE = "after the source was published"  # words a row's notes use to flag the exception


def latest_publication_day(published: pd.Series, precision: pd.Series) -> pd.Series:
    """The last day a source can have appeared: the date itself, or the end of its month or year when the
    source is dated only to the month or year; NaT when undated."""
    published = pd.to_datetime(published)
    precision = precision.astype(str)
    end = published.copy()
    month = precision == "month"
    year = precision == "year"
    end[month] = published[month] + pd.offsets.MonthEnd(0)
    end[year] = published[year] + pd.offsets.YearEnd(0)
    end[precision == "undated"] = pd.NaT
    return end


def after_publication(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Figures whose period ends after their source could have been published (a source cannot count days
    that had not happened yet), unless the row's notes say so in the words of AFTER_PUBLICATION_NOTE.

    Returns figure_id, period_end, source_id, published, published_precision and latest (the last day the
    source can have appeared).
    """
    meta = sources[["source_id", "published", "published_precision"]].copy()
    meta["latest"] = latest_publication_day(meta["published"], meta["published_precision"])
    rows = figures[["figure_id", "period_end", "source_id", "notes"]].merge(meta, on="source_id", how="left")
    late = rows["latest"].notna() & (rows["period_end"] > rows["latest"])
    noted = rows["notes"].fillna("").astype(str).str.contains(AFTER_PUBLICATION_NOTE, regex=False)
    out = rows[late & ~noted].drop(columns="notes")
    return out.sort_values("figure_id").reset_index(drop=True)


# ---------------------------------------------------------------- what the charts and the text rest on

NAMED_KINDS = ("blog or law-firm page", "repost or mirror")  # a chart drawing one must name the kind in its footer


def figure_kinds(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Each figure's kind of source, indexed by figure_id: the weakest kind among its sources (the order of
    `source_kinds.SOURCE_KINDS`), so a figure with a primary document and a blog counts as resting on the blog, as a
    chart marks it. A source_id missing from `sources` raises KeyError."""
    kind = sources.set_index("source_id")["kind"].astype(str)
    rank = {k: i for i, k in enumerate(source_kinds.SOURCE_KINDS)}
    out = {}
    for fid, cell in zip(figures["figure_id"], figures["source_id"]):
        ids = [s for s in str(cell).split() if s and s != "nan"]
        missing = [s for s in ids if s not in kind.index]
        if missing:
            raise KeyError(f"figure {fid}: source {', '.join(missing)} is not in the sources table")
        out[fid] = max((kind[s] for s in ids), key=lambda k: rank.get(k, len(rank)))
    return pd.Series(out, name="kind", dtype=str)


def chart_figures(charts_meta: Mapping[str, Mapping]) -> dict[str, list[str]]:
    """figure_id -> the charts whose table holds it, from the charts' records (name -> {"figure_ids": [...]}, as
    `charts.describe` returns them)."""
    out: dict[str, list[str]] = {}
    for name in sorted(charts_meta):
        for fid in charts_meta[name].get("figure_ids", []):
            out.setdefault(str(fid), []).append(name)
    return out


def use_by_kind(figures: pd.DataFrame, sources: pd.DataFrame, uses: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """Distinct figures of each use (column name -> figure ids, e.g. {"plotted": ..., "stated": ...}) by kind of
    source, one row per kind of the vocabulary (strongest first, kinds no figure uses count 0), with how charts
    show the kind ("drawn plainly", "marked", "never drawn") and a last row "all kinds". An id that is not in
    `figures` raises KeyError (a chart or a printed number that names a figure the data does not have)."""
    kinds = figure_kinds(figures, sources)
    counts: dict[str, pd.Series] = {}
    for column, ids in uses.items():
        distinct = sorted(set(map(str, ids)))
        unknown = [fid for fid in distinct if fid not in kinds.index]
        if unknown:
            raise KeyError(f"{column}: figure ids not in the figures table: {', '.join(unknown[:10])}")
        counts[column] = kinds.loc[distinct].value_counts()
    rows = []
    for kind in source_kinds.SOURCE_KINDS:
        shown = (
            "never drawn"
            if kind in source_kinds.NEVER_PLOTTED_KINDS
            else "marked"
            if source_kinds.is_weak_kind(kind)
            else "drawn plainly"
        )
        rows.append({"kind": kind, "on charts": shown, **{c: int(n.get(kind, 0)) for c, n in counts.items()}})
    table = pd.DataFrame(rows, columns=["kind", "on charts", *uses])
    total = {"kind": "all kinds", "on charts": "", **{c: int(table[c].sum()) for c in uses}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def unnamed_kinds(figures: pd.DataFrame, sources: pd.DataFrame, charts_meta: Mapping[str, Mapping]) -> pd.DataFrame:
    """Charts that hold a figure resting on an AI-written digest (never drawn), or on a blog, law-firm page,
    repost or mirror (NAMED_KINDS) without naming that kind in their texts (the footer's mark line). Returns
    chart, figure_id, kind; empty when every chart says what it rests on."""
    kinds = figure_kinds(figures, sources)
    rows = []
    for name in sorted(charts_meta):
        meta = charts_meta[name]
        text = " ".join(" ".join(str(t).split()) for t in meta.get("texts", []))
        for fid in meta.get("figure_ids", []):
            kind = kinds.get(str(fid))
            if kind in source_kinds.NEVER_PLOTTED_KINDS or (kind in NAMED_KINDS and kind not in text):
                rows.append({"chart": name, "figure_id": str(fid), "kind": kind})
    return pd.DataFrame(rows, columns=["chart", "figure_id", "kind"])


def citable(figures: pd.DataFrame, milestones: pd.DataFrame | None = None) -> pd.DataFrame:
    """figure_id and source_id of every figure and (with `milestones`) every dated event, its milestone_id
    standing as the id: what a chart can draw and a text can state."""
    parts = [figures[["figure_id", "source_id"]].astype(str)]
    if milestones is not None:
        parts.append(
            milestones[["milestone_id", "source_id"]].astype(str).rename(columns={"milestone_id": "figure_id"})
        )
    return pd.concat(parts, ignore_index=True)
