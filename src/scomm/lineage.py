"""What each notebook read, and whether that changed.

A notebook run records its reads: whole tables, figure ids, filters over the figures table, and named
derived tables (claims checks, conflicts, ...). `fingerprint` evaluates the same reads against a
dataset and hashes what they return (for the package's other tables, such as the activation list or
the ICE record tables, the bytes of their files), so the build re-runs a notebook only when something
it read changed, and `scomm lineage FIGURE_ID` can list everything that uses a figure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pandas as pd

from scomm import audit, claims
from scomm.data import Dataset
from scomm.schema import table_schema

TABLES = ("figures", "sources", "metrics", "milestones", "claims")


def empty_reads() -> dict:
    """A fresh record of reads."""
    return {"tables": [], "figure_ids": [], "filters": [], "derived": [], "claim_ids": []}


def merged_reads(*records: dict) -> dict:
    """One record of reads holding every read of `records`, in first-seen order."""
    out = empty_reads()
    for rec in records:
        for kind, items in rec.items():
            for item in items:
                if item not in out.setdefault(kind, []):
                    out[kind].append(item)
    return out


def apply_filter(figures: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """The figure rows matching `spec`: metric (list), geography (str), metric_contains (str)."""
    mask = pd.Series(True, index=figures.index)
    if spec.get("metric") is not None:
        mask &= figures["metric"].astype(str).isin(spec["metric"])
    if spec.get("geography") is not None:
        mask &= figures["geography"].astype(str) == spec["geography"]
    if spec.get("metric_contains") is not None:
        mask &= figures["metric"].astype(str).str.contains(spec["metric_contains"], regex=False)
    return figures[mask]


def _derived_registry() -> dict[str, Callable[[Dataset], pd.DataFrame]]:
    return {
        "claims": dataset_claims_checks,
        "conflicts": lambda ds: audit.conflicts(ds.figures),
        "consistency": lambda ds: audit.consistency_checks(ds.figures),
        "figures_by_source": lambda ds: audit.figures_by(ds.figures, ds.sources),
        "figures_by_kind": lambda ds: audit.figures_by_kind(ds.figures, ds.sources),
        "coverage": lambda ds: audit.coverage(ds.figures),
    }


def dataset_claims_checks(ds: Dataset) -> pd.DataFrame:
    """The published-claims checks of `ds`: record counts and detainers by month read from the dataset's own
    folder (a build's snapshot, or the folder given with --data), never from the bundled data/."""
    records = ds.table(claims.RECORDS_TABLE) if claims.uses_records(ds.claims) else None
    monthly = ds.table(claims.DETAINER_TABLE) if claims.uses_detainer_months(ds.claims) else None
    return claims.evaluate(ds.claims, ds.figures, records, monthly)


def derived(name: str, ds: Dataset) -> pd.DataFrame:
    """The named derived table computed from `ds` (once per dataset: the build's plan fingerprints it, and the
    analysis that reads it gets a copy of the same table)."""
    registry = _derived_registry()
    if name not in registry:
        raise KeyError(f"no derived table called {name!r}; known: {', '.join(sorted(registry))}")
    tables = _cache(ds).setdefault("derived_tables", {})
    if name not in tables:
        tables[name] = registry[name](ds)
    return tables[name].copy()


def _cache(ds: Dataset) -> dict:
    """Texts computed once per dataset (the build fingerprints every notebook against the same data)."""
    cache = getattr(ds, "_lineage_cache", None)
    if cache is None:
        cache = {}
        object.__setattr__(ds, "_lineage_cache", cache)
    return cache


def _figure_texts(ds: Dataset, ids) -> dict[str, str]:
    """The CSV line of each figure in `ids` that `ds` holds (serialised once per dataset and figure, and only
    for the figures asked for: a notebook's fingerprint costs the rows it read, not the whole table)."""
    cache = _cache(ds)
    if "figure_index" not in cache:  # figure_id -> row position, built once per dataset
        cache["figure_index"] = dict(zip(ds.figures["figure_id"], range(len(ds.figures))))
        cache["figure_rows"] = {}
    index, rows = cache["figure_index"], cache["figure_rows"]
    positions = sorted({index[i] for i in ids if i in index and i not in rows})
    if positions:
        subset = ds.figures.iloc[positions]
        rows.update(zip(subset["figure_id"], _frame_text(subset).splitlines()[1:]))
    return rows


def _table_text(table: str, ds: Dataset) -> str:
    frame = getattr(ds, table, None)
    if frame is None:  # another table of the data package (activations, places, ...): its file's bytes
        try:
            return "sha256:" + hashlib.sha256((ds.data_dir / table_schema(table).path).read_bytes()).hexdigest()
        except OSError:  # missing or unreadable: load it, so the fault is reported as a notebook would see it
            frame = ds.table(table)
    return _frame_text(frame)


def _cached(ds: Dataset, key: str, make) -> str:
    cache = _cache(ds)
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _frame_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d", float_format="%r")


def fingerprint(reads: dict, ds: Dataset, extra: str = "") -> str:
    """Hash of everything `reads` returns from `ds` (plus `extra`: code, parameters, formats)."""
    h = hashlib.sha256(extra.encode())
    for table in sorted(set(reads.get("tables", []))):
        h.update(
            f"\x00table:{table}\x00".encode()
            + _cached(ds, f"table:{table}", lambda table=table: _table_text(table, ds)).encode()
        )
    ids = sorted(set(reads.get("figure_ids", [])))
    rows = _figure_texts(ds, ids)
    for fid in ids:
        h.update(f"\x00figure:{fid}\x00{rows.get(fid, 'MISSING')}".encode())
    for spec in reads.get("filters", []):
        rows = apply_filter(ds.figures, spec).sort_values("figure_id")
        h.update(f"\x00filter:{json.dumps(spec, sort_keys=True)}\x00".encode() + _frame_text(rows).encode())
    claims = ds.claims.set_index("claim_id", drop=False)
    for cid in sorted(set(reads.get("claim_ids", []))):
        row = _frame_text(claims.loc[[cid]]) if cid in claims.index else "MISSING"
        h.update(f"\x00claim:{cid}\x00{row}".encode())
    for name in sorted(set(reads.get("derived", []))):
        text = _cached(ds, f"derived:{name}", lambda name=name: _frame_text(derived(name, ds)))
        h.update(f"\x00derived:{name}\x00".encode() + text.encode())
    return h.hexdigest()


def missing_figures(reads: dict, ds: Dataset) -> list[str]:
    """Figure ids a notebook read by id that `ds` no longer has."""
    have = set(ds.figures["figure_id"])
    return [fid for fid in dict.fromkeys(reads.get("figure_ids", [])) if fid not in have]


def missing_by_notebook(notebooks: dict, ds: Dataset) -> dict[str, list[str]]:
    """For a build record's notebooks (name -> {"reads": ...}), the figure ids each needs that `ds` lacks."""
    out = {}
    for name, rec in sorted(notebooks.items()):
        missing = missing_figures(rec.get("reads", {}) if isinstance(rec, dict) else {}, ds)
        if missing:
            out[name] = missing
    return out


def missing_text(missing: dict[str, list[str]]) -> str:
    """One line per notebook: which figures it needs that the data lacks."""
    return "\n".join(f"  notebook {name} needs figure(s) {', '.join(ids)}" for name, ids in missing.items())


def uses_figure(reads: dict, figure_id: str, ds: Dataset) -> bool:
    """True when a notebook with these reads uses `figure_id` (by id, by a filter, by a whole-table read, or
    through the claims checks table when a published claim rests on it)."""
    if figure_id in reads.get("figure_ids", []) or "figures" in reads.get("tables", []):
        return True
    if "claims" in reads.get("derived", []):
        if any(figure_id in ids for ids in claims.figures_used(ds.claims).values()):
            return True
    return any(figure_id in set(apply_filter(ds.figures, spec)["figure_id"]) for spec in reads.get("filters", []))
