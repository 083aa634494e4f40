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

NUMBER_COLUMNS = ("value",)


@dataclass
class Previous:
    """The figures (as text) and ratios of the last build, when there was one."""

    figures: pd.DataFrame | None
    ratios: pd.DataFrame | None


def read_figures_text(path: Path) -> pd.DataFrame:
    """A figures CSV as text, canonicalised (trimmed cells, numbers without separators, blanks as ''),
    so that the old and the new file are compared the same way whatever wrote them."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    for col in NUMBER_COLUMNS:
        if col in frame.columns:
            frame[col] = [_number_text(v) for v in frame[col]]
    return frame


def _number_text(text: str) -> str:
    try:
        return f"{float(text.replace(',', '')):.15g}" if text else ""
    except ValueError:
        return text


def previous_build(inputs_dir: Path, ratios_csv: Path) -> Previous:
    """The data snapshot and ratios.csv the previous build left (None where absent or unreadable)."""
    figures = ratios = None
    try:
        figures = read_figures_text(inputs_dir / "figures.csv")
    except (OSError, ValueError):
        pass
    try:
        ratios = pd.read_csv(ratios_csv, dtype={"value": float}, keep_default_na=False)
    except (OSError, ValueError):
        pass
    return Previous(figures, ratios)


def figure_changes(old: pd.DataFrame, new: pd.DataFrame) -> tuple[list[str], list[str], pd.DataFrame]:
    """(added ids, removed ids, changed cells: figure_id, column, old, new) between two canonical texts."""
    old_i, new_i = old.set_index("figure_id"), new.set_index("figure_id")
    added = sorted(set(new_i.index) - set(old_i.index))
    removed = sorted(set(old_i.index) - set(new_i.index))
    rows = []
    shared = sorted(set(new_i.index) & set(old_i.index))
    for col in [c for c in new_i.columns if c in old_i.columns]:
        a, b = old_i.loc[shared, col], new_i.loc[shared, col]
        for fid in a.index[a != b]:
            rows.append({"figure_id": fid, "column": col, "old": a[fid], "new": b[fid]})
    table = pd.DataFrame(rows, columns=["figure_id", "column", "old", "new"])
    return added, removed, table.sort_values(["figure_id", "column"]).reset_index(drop=True)


def ratio_changes(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Derived numbers (matched by notebook and key) that moved, appeared or disappeared."""
    cols = ["notebook", "key", "old", "new", "figure_ids"]
    if old is None:
        return pd.DataFrame(columns=cols)
    merged = new.merge(old[["notebook", "key", "value", "unit"]], on=["notebook", "key"], how="outer",
                       suffixes=("", "_old"), indicator=True)
    rows = []
    for row in merged.to_dict("records"):
        row = type("Row", (), row)
        if row._merge == "both":
            if abs(row.value - row.value_old) <= 1e-9 * max(1.0, abs(row.value)):
                continue
            rows.append([row.notebook, row.key, format_number(row.value_old, row.unit_old),
                         format_number(row.value, row.unit), row.figure_ids])
        elif row._merge == "left_only":
            rows.append([row.notebook, row.key, "(new)", format_number(row.value, row.unit), row.figure_ids])
        else:
            rows.append([row.notebook, row.key, format_number(row.value_old, row.unit_old), "(gone)", ""])
    return pd.DataFrame(rows, columns=cols)


def changes_markdown(previous: Previous, figures_csv: Path, ratios: pd.DataFrame) -> str:
    """The 'what changed' report a user reads first after updating the data."""
    lines = ["# What changed since the last build", ""]
    if previous.figures is None:
        lines += ["No earlier build was found in this output folder: everything is new.", ""]
        return "\n".join(lines)
    added, removed, changed = figure_changes(previous.figures, read_figures_text(figures_csv))
    moved = ratio_changes(previous.ratios, ratios)
    if not (added or removed or len(changed) or len(moved)):
        return "\n".join(lines + ["No changes: the figures and every derived number are the same as in the last build.", ""])
    lines += [f"- figures added: {len(added)}; removed: {len(removed)}; changed: {changed['figure_id'].nunique()}",
              f"- derived numbers that moved: {len(moved)}", ""]
    if added:
        lines += ["## Figures added", "", *(f"- {fid}" for fid in added), ""]
    if removed:
        lines += ["## Figures removed", "", *(f"- {fid}" for fid in removed), ""]
    if len(changed):
        lines += ["## Figures changed", "", "| figure | column | old | new |", "|---|---|---|---|"]
        lines += [f"| {r.figure_id} | {r.column} | {_cell(r.old)} | {_cell(r.new)} |" for r in changed.itertuples()]
        lines.append("")
    if len(moved):
        lines += ["## Derived numbers that moved", "", "| notebook | number | old | new | figures |", "|---|---|---|---|---|"]
        lines += [f"| {r.notebook} | {_cell(r.key)} | {r.old} | {r.new} | {r.figure_ids} |" for r in moved.itertuples()]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------- HTML


def markdown_html(text: str) -> str:
    """Markdown (findings, tables, the change log) as HTML, by a real renderer; raw HTML is escaped."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table"])(text)


def write_html(path: Path, executed_dir: Path, notebooks: Sequence[Path], fig_dir: Path, ds: Dataset,
               changes: str, checks: pd.DataFrame, ratios: pd.DataFrame | None = None) -> None:
    """One self-contained HTML file: each notebook's findings, tables and charts, the checks, the sources."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             "<title>Secure Communities by the Numbers</title>",
             "<style>body{font-family:DejaVu Sans,Arial,sans-serif;max-width:980px;margin:1em auto;padding:0 1em;"
             "color:#222;line-height:1.45}pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;font-size:12px}"
             "img{max-width:100%;height:auto}.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px}"
             "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}td{overflow-wrap:anywhere}</style>",
             "</head><body><h1>Secure Communities by the Numbers</h1>",
             "<p>Every number below is computed from the sourced figures by the notebooks; each derived number "
             "names the figure rows it rests on, and every chart names its sources.</p>"]
    for nb_path in notebooks:
        nb = json.loads((executed_dir / nb_path.name).read_text(encoding="utf-8"))
        parts.append(f"<section id='{nb_path.stem}'>")
        for cell in nb["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "markdown":
                parts.append(markdown_html(src))
                continue
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if output.get("name") == "stdout":
                    parts.append(f"<pre>{html.escape(''.join(output['text']))}</pre>")
                elif "text/markdown" in data:
                    md = data["text/markdown"]
                    parts.append("<div class='scroll'>" + markdown_html("".join(md) if isinstance(md, list) else md) + "</div>")
                elif "image/png" in data:
                    png = data["image/png"]
                    png = "".join(png) if isinstance(png, list) else png
                    parts.append(f"<img alt='chart from {html.escape(nb_path.stem)}' src='data:image/png;base64,{png.strip()}'>")
        parts.append("</section>")
    from scomm.tables import readable

    shown = checks[["claim_id", "statement", "verdict", "computed", "published", "gap", "detail", "inputs", "published_id"]]
    parts += ["<section id='claims'><h2>Published claims, recomputed</h2><div class='scroll'>",
              markdown_html(readable(shown)), "</div></section>"]
    from scomm import places

    sts = places.states()
    parts += ["<section id='states'><h2>By state: rollout and figures</h2>",
              places.states_html(places.activations(), sts, ds.figures, ds.sources, places.places(), ratios),
              "</section>"]
    src = ds.sources.copy()
    src["published"] = src["published"].dt.strftime("%Y-%m-%d").fillna("undated")
    rows = "".join(
        f"<tr><td>{html.escape(r.source_id)}</td><td>{html.escape(r.title)}</td><td>{html.escape(r.author_or_publisher)}</td>"
        f"<td>{r.published}</td><td>{html.escape(str(r.kind))}</td>"
        f"<td>{_link(r.url)}</td></tr>"
        for r in src.itertuples())
    parts += ["<section id='sources'><h2>Sources</h2><div class='scroll'><table><tr><th>id</th><th>title</th>"
              "<th>publisher</th><th>published</th><th>kind</th><th>link</th></tr>", rows, "</table></div></section>",
              "<section id='changes'>", markdown_html(changes.replace("# What changed", "## What changed", 1)),
              "</section></body></html>"]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def _link(url) -> str:
    if not isinstance(url, str) or not url:
        return ""
    return f"<a href='{html.escape(url, quote=True)}'>link</a>"
