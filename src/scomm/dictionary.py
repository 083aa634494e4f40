"""Generate data/README.md, the data dictionary, from data/datapackage.json (the single source of truth).

Run `python -m scomm.dictionary` after changing the schema; a test fails while the two differ.
"""

from __future__ import annotations

from scomm.paths import DATA_DIR
from scomm.schema import load_package, table_schema

INTRO = """# Data dictionary

Generated from `datapackage.json` by `python -m scomm.dictionary`; do not edit by hand.

The data package holds published figures about the U.S. Secure Communities program. Every figure
row names the source that printed it (`source_id`, resolved in `sources.csv`) and where in that
source it stands (`locator`). Values are as published: never rounded, estimated or derived. Derived
numbers (shares, growth, conversions) are computed by `scomm.ratios`, not stored here.

The geography tables (`activations.csv`, `states.csv`, `county_changes.csv`, `places.csv`) give the
figures a place: each county's activation date from ICE's list, and each figure's `geography` label
mapped to a county, a state or a named group. `activations.csv` and `states.csv` are derived from the
raw snapshots in `raw/` (see `raw/README.md`) by `python -m scomm.vendor`.

To add or correct a figure: edit `figures.csv` (any spreadsheet or text editor; UTF-8), add its
source to `sources.csv` if new and its metric to `metrics.csv` if new, then run `scomm validate`.
It lists every problem with file, line, column, value and what was expected.
"""


def render() -> str:
    """The data dictionary as Markdown."""
    pkg = load_package()
    parts = [INTRO]
    for resource in pkg["resources"]:
        schema = table_schema(resource["name"])
        parts.append(f"## `{schema.path}`\n\n{schema.description}\n")
        parts.append("| column | type | required | allowed values | meaning |\n|---|---|---|---|---|")
        for f in schema.fields:
            allowed = (
                ", ".join(f.enum) if f.enum else (f"pattern `{f.pattern}`".replace("|", "\\|") if f.pattern else "")
            )
            if f.minimum is not None or f.maximum is not None:
                bounds = f"from {f.minimum}" if f.minimum is not None else ""
                bounds += (" " if bounds else "") + (f"to {f.maximum}" if f.maximum is not None else "")
                allowed = (allowed + "; " if allowed else "") + bounds
            if f.unique:
                allowed = (allowed + "; " if allowed else "") + "unique"
            parts.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | {allowed} | {f.description} |")
        if schema.foreign_keys:
            keys = "; ".join(f"`{a}` must exist in `{res}.{b}`" for a, res, b in schema.foreign_keys)
            parts.append(f"\nKeys: {keys}.")
        parts.append("")
    parts.append("""## Rules across columns

- `period_start` is on or before `period_end`.
- A period known only to the year (`date_precision` year) ends on 31 December, or is an 'as of' year
  stored as 1 January in both dates; one known to the month (`date_precision` month) has a date on its
  month boundary: a `period_end` on the month's last day, or a `period_start` on its first day.
- A count (any unit but `percent` and `percent_change`) is >= 0; a `percent` lies within 0-100.
- A figure's `unit` equals the unit `metrics.csv` gives for its `metric`.
- No two rows share a `figure_id`; an exact duplicate row is reported as such.
- Files are UTF-8 (a byte-order mark, CRLF line endings, stray spaces, quoted numbers with
  thousands separators and blank trailing lines are all accepted).
""")
    return "\n".join(parts)


def main() -> None:
    """Write data/README.md."""
    (DATA_DIR / "README.md").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
