"""`scomm lineage FIGURE_ID`: everything that uses a figure, from the last build's record."""

from __future__ import annotations

import json

import pandas as pd

from scomm import claims as claims_mod
from scomm import lineage
from scomm.data import load_dataset
from scomm.paths import PROJECT_ROOT, resolve


def _role(claim, figure_id: str) -> str:
    """How a claim uses `figure_id`, naming the derived table a records_total claim counts."""
    if claim.published_id != figure_id:
        return "input"
    if claims_mod.records_reference(claim.inputs):
        return f"published value, against {claim.inputs} (data/derived/{claims_mod.RECORDS_TABLE}.csv)"
    return "published value"


def lineage_text(figure_id: str, out: str | None = None) -> tuple[str, bool]:
    """(the listing, whether anything uses `figure_id`) for the build in `out` (default: the project)."""
    root = resolve(out, PROJECT_ROOT)
    state = root / "figures" / "build-state"
    record_path = state / "lineage.json"
    if not record_path.exists():
        return f"scomm lineage: no build record in {state}; run `scomm build` first.", False
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as err:
        return (
            f"scomm lineage: the build record {record_path} cannot be read ({err}); run `scomm build --force` "
            "to write it again.",
            False,
        )
    ds = load_dataset(
        *(state / "inputs" / n for n in ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv"))
    )
    lines = [f"{figure_id}:"]
    known = figure_id in set(ds.figures["figure_id"])
    if known:
        row = ds.figures.set_index("figure_id").loc[figure_id]
        lines[0] += (
            f" {row['metric']} = {row['as_printed']} ({row['geography']}, to {row['period_end']:%Y-%m-%d}; source {row['source_id']})"
        )
    else:
        lines[0] += " not in the data of the last build"
    notebooks = [nb for nb, rec in sorted(record.items()) if lineage.uses_figure(rec["reads"], figure_id, ds)]
    charts = [
        f"{nb}: {name}"
        for nb, rec in sorted(record.items())
        for name, meta in rec["charts"].items()
        if figure_id in meta["figure_ids"]
    ]
    ratios_path = root / "figures" / "ratios.csv"
    derived = []
    if ratios_path.exists():
        ratios = pd.read_csv(ratios_path, keep_default_na=False)
        hit = ratios[ratios["figure_ids"].astype(str).str.split().apply(lambda ids: figure_id in ids)]
        derived = [f"{r.notebook}: {r.text}" for r in hit.itertuples()]
    claims = [
        f"{c.claim_id}: {c.statement} ({_role(c, figure_id)})"
        for c in ds.claims.itertuples()
        if figure_id in [*claims_mod.figure_inputs(c.inputs), c.published_id]
    ]
    for title, items in (
        ("notebooks", notebooks),
        ("charts", charts),
        ("derived numbers", derived),
        ("published claims", claims),
    ):
        lines.append(f"  {title} ({len(items)}):")
        lines += [f"    {item}" for item in items] or ["    none"]
    return "\n".join(lines), known and bool(notebooks or charts or derived or claims)
