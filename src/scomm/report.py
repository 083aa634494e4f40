"""What changed since the last build, and the self-contained HTML report."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from scomm.data import Dataset
from scomm.fmt import format_number


@dataclass
class Previous:
    """The figures and ratios of the last build, when there was one."""

    figures: pd.DataFrame | None
    ratios: pd.DataFrame | None


def previous_inputs(inputs_dir: Path, ratios_csv: Path) -> Previous:
    """Read the data snapshot and ratios.csv the previous build left (None where absent or unreadable)."""
    figures = ratios = None
    snapshot = inputs_dir / "figures.csv"
    if snapshot.exists():
        figures = pd.read_csv(snapshot, dtype=str, keep_default_na=False)
    if ratios_csv.exists():
        ratios = pd.read_csv(ratios_csv, keep_default_na=False)
    return Previous(figures, ratios)


def figure_changes(old: pd.DataFrame, new: pd.DataFrame) -> tuple[list[str], list[str], pd.DataFrame]:
    """(added ids, removed ids, changed rows: figure_id, column, old, new, source_id)."""
    new_text = new.copy()
    for col in ("period_start", "period_end"):
        new_text[col] = new_text[col].dt.strftime("%Y-%m-%d")
    new_text["value"] = [f"{v:g}" for v in new_text["value"]]
    new_text = new_text.astype(str).set_index("figure_id")
    old_text = old.copy()
    old_text["value"] = [f"{float(str(v).replace(',', '')):g}" if v else "" for v in old_text["value"]]
    old_text = old_text.astype(str).set_index("figure_id")
    added = sorted(set(new_text.index) - set(old_text.index))
    removed = sorted(set(old_text.index) - set(new_text.index))
    rows = []
    for fid in sorted(set(new_text.index) & set(old_text.index)):
        for col in new_text.columns:
            if col in old_text.columns and old_text.at[fid, col] != new_text.at[fid, col]:
                rows.append({"figure_id": fid, "column": col, "old": old_text.at[fid, col],
                             "new": new_text.at[fid, col], "source_id": new_text.at[fid, "source_id"]})
    return added, removed, pd.DataFrame(rows, columns=["figure_id", "column", "old", "new", "source_id"])


def ratio_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Derived numbers whose value moved (matched by notebook and key), with old and new values."""
    if old is None or old.empty or new.empty:
        return pd.DataFrame(columns=["notebook", "key", "old", "new", "unit", "figure_ids"])
    merged = new.merge(old, on=["notebook", "key", "order"], how="inner", suffixes=("", "_old"))
    moved = merged[(merged["value"] - merged["value_old"].astype(float)).abs() > 1e-9 * merged["value"].abs().clip(lower=1)]
    return pd.DataFrame({"notebook": moved["notebook"], "key": moved["key"],
                         "old": [format_number(v, u) for v, u in zip(moved["value_old"].astype(float), moved["unit"])],
                         "new": [format_number(v, u) for v, u in zip(moved["value"], moved["unit"])],
                         "unit": moved["unit"], "figure_ids": moved["figure_ids"]}).reset_index(drop=True)


def changes_markdown(previous: Previous, ds: Dataset, ratios: pd.DataFrame) -> str:
    """The 'what changed' report a user reads first after updating the data."""
    lines = ["# What changed since the last build", ""]
    if previous.figures is None:
        lines += ["No earlier build was found in this output directory: everything is new.", "",
                  f"{len(ds.figures)} figures, {len(ratios)} derived numbers.", ""]
        return "\n".join(lines)
    added, removed, changed = figure_changes(previous.figures, ds.figures)
    moved = ratio_changes(previous.ratios, ratios)
    lines += [f"- figures added: {len(added)}; removed: {len(removed)}; changed: {changed['figure_id'].nunique()}",
              f"- derived numbers that moved: {len(moved)}", ""]
    if added:
        lines += ["## Figures added", "", *(f"- {fid}" for fid in added), ""]
    if removed:
        lines += ["## Figures removed", "", *(f"- {fid}" for fid in removed), ""]
    if len(changed):
        lines += ["## Figures changed", "", "| figure_id | column | old | new | source |", "|---|---|---|---|---|"]
        lines += [f"| {r.figure_id} | {r.column} | {r.old} | {r.new} | {r.source_id} |" for r in changed.itertuples()]
        lines.append("")
    if len(moved):
        lines += ["## Derived numbers that moved", "", "| notebook | number | old | new | inputs |", "|---|---|---|---|---|"]
        lines += [f"| {r.notebook} | {r.key} | {r.old} | {r.new} | {r.figure_ids} |" for r in moved.itertuples()]
        lines.append("")
    if not (added or removed or len(changed) or len(moved)):
        lines += ["The figures are the same as in the last build.", ""]
    return "\n".join(lines)


def _md_to_html(text: str) -> str:
    out = []
    for line in text.splitlines():
        esc = html.escape(line)
        if line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 1, 6)
            out.append(f"<h{level}>{html.escape(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("- "):
            out.append(f"<li>{esc[2:]}</li>")
        elif line.strip():
            out.append(f"<p>{esc}</p>")
    return "\n".join(out)


def write_html(path: Path, executed_dir: Path, notebooks: Sequence[Path], fig_dir: Path, ds: Dataset,
               changes: str) -> None:
    """One self-contained HTML file: each notebook's findings with printed results and charts, then sources."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<title>Secure Communities by the Numbers</title>",
             "<style>body{font-family:DejaVu Sans,Arial,sans-serif;max-width:980px;margin:2em auto;color:#222}"
             "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}img{max-width:100%}"
             "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}</style>",
             "</head><body><h1>Secure Communities by the Numbers</h1>",
             "<p>Every number below is computed from data/figures.csv by the notebooks; each carries the "
             "figure ids it rests on. Charts name their sources.</p>",
             "<section>", _md_to_html(changes), "</section>"]
    for nb_path in notebooks:
        nb = json.loads((executed_dir / nb_path.name).read_text(encoding="utf-8"))
        parts.append(f"<section id='{nb_path.stem}'>")
        for cell in nb["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "markdown":
                parts.append(_md_to_html(src))
                continue
            for output in cell.get("outputs", []):
                if output.get("name") == "stdout":
                    parts.append(f"<pre>{html.escape(''.join(output['text']))}</pre>")
                elif "image/png" in output.get("data", {}):
                    data = output["data"]["image/png"]
                    data = "".join(data) if isinstance(data, list) else data
                    parts.append(f"<img alt='chart' src='data:image/png;base64,{data.strip()}'>")
        parts.append("</section>")
    src = ds.sources.copy()
    src["published"] = src["published"].dt.strftime("%Y-%m-%d").fillna("undated")
    rows = "".join(
        f"<tr><td>{html.escape(r.source_id)}</td><td>{html.escape(r.title)}</td><td>{html.escape(r.author_or_publisher)}</td>"
        f"<td>{r.published}</td><td>{html.escape(str(r.kind))}</td><td>{html.escape(r.url or '')}</td></tr>"
        for r in src.itertuples())
    parts += ["<section><h2>Sources</h2><table><tr><th>id</th><th>title</th><th>publisher</th><th>published</th>"
              "<th>kind</th><th>url</th></tr>", rows, "</table></section></body></html>"]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
