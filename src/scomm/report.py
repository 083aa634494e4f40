"""What changed since the last build, and the self-contained HTML report."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from scomm.data import Dataset
from scomm.fmt import format_number, published_label, published_year

NUMBER_COLUMNS = ("value",)


@dataclass
class Previous:
    """The figures (as text) and ratios of the last build, when there was one."""

    figures: pd.DataFrame | None
    ratios: pd.DataFrame | None
    sources: pd.DataFrame | None = None  # source_id, title
    checks: pd.DataFrame | None = None  # claim_id, verdict


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


def _read_text_table(path: Path, columns: list[str]) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError):
        return None
    return frame[columns] if set(columns) <= set(frame.columns) else None


def previous_build(inputs_dir: Path, ratios_csv: Path) -> Previous:
    """The data snapshot, ratios.csv and claims checks the previous build left (None where absent or
    unreadable)."""
    figures = ratios = None
    try:
        figures = read_figures_text(inputs_dir / "figures.csv")
    except (OSError, ValueError):
        pass
    try:
        ratios = pd.read_csv(ratios_csv, dtype={"value": float}, keep_default_na=False)
    except (OSError, ValueError):
        pass
    return Previous(figures, ratios, _read_text_table(inputs_dir / "sources.csv", ["source_id", "title"]),
                    _read_text_table(ratios_csv.with_name("claims_checks.csv"), ["claim_id", "verdict"]))


def source_changes(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[list[str], list[str]]:
    """(added, removed) sources as 'ID: title' lines."""
    if old is None or new is None:
        return [], []
    old_ids, new_ids = dict(zip(old["source_id"], old["title"])), dict(zip(new["source_id"], new["title"]))
    return ([f"{i}: {new_ids[i]}" for i in sorted(set(new_ids) - set(old_ids))],
            [f"{i}: {old_ids[i]}" for i in sorted(set(old_ids) - set(new_ids))])


def verdict_changes(old: pd.DataFrame | None, new: pd.DataFrame | None) -> pd.DataFrame:
    """Published claims whose verdict changed (or that appeared or went): claim_id, old, new."""
    cols = ["claim_id", "old", "new"]
    if old is None or new is None:
        return pd.DataFrame(columns=cols)
    merged = new[["claim_id", "verdict"]].astype(str).merge(old.astype(str), on="claim_id", how="outer",
                                                           suffixes=("", "_old")).fillna("(none)")
    moved = merged[merged["verdict"] != merged["verdict_old"]]
    return pd.DataFrame({"claim_id": moved["claim_id"], "old": moved["verdict_old"], "new": moved["verdict"]},
                        columns=cols).sort_values("claim_id").reset_index(drop=True)


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


def changes_markdown(previous: Previous, figures_csv: Path, ratios: pd.DataFrame,
                     sources: pd.DataFrame | None = None, checks: pd.DataFrame | None = None) -> str:
    """The 'what changed' report a user reads first after updating the data: figures, sources, derived
    numbers and published claims' verdicts, against the last build."""
    lines = ["# What changed since the last build", ""]
    if previous.figures is None:
        lines += ["No earlier build was found in this output folder: everything is new.", ""]
        return "\n".join(lines)
    added, removed, changed = figure_changes(previous.figures, read_figures_text(figures_csv))
    moved = ratio_changes(previous.ratios, ratios)
    new_sources = sources[["source_id", "title"]].astype(str) if sources is not None else None
    src_added, src_removed = source_changes(previous.sources, new_sources)
    verdicts = verdict_changes(previous.checks, checks)
    if not (added or removed or len(changed) or len(moved) or src_added or src_removed or len(verdicts)):
        return "\n".join(lines + ["No changes: the figures and every derived number are the same as in the last build.", ""])
    lines += [f"- figures added: {len(added)}; removed: {len(removed)}; changed: {changed['figure_id'].nunique()}",
              f"- derived numbers that moved: {len(moved)}"]
    if src_added or src_removed:
        lines.append(f"- sources added: {len(src_added)}; removed: {len(src_removed)}")
    if len(verdicts):
        lines.append(f"- published claims whose verdict changed: {len(verdicts)}")
    lines.append("")
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
    if src_added:
        lines += ["## Sources added", "", *(f"- {_cell(s)}" for s in src_added), ""]
    if src_removed:
        lines += ["## Sources removed", "", *(f"- {_cell(s)}" for s in src_removed), ""]
    if len(verdicts):
        lines += ["## Published claims whose verdict changed", "", "| claim | old | new |", "|---|---|---|"]
        lines += [f"| {r.claim_id} | {r.old} | {r.new} |" for r in verdicts.itertuples()]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------- HTML


def markdown_html(text: str) -> str:
    """Markdown (findings, tables, the change log) as HTML, by a real renderer; raw HTML is escaped."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table"])(text)


CSS = """
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:980px;margin:0 auto;padding:0 16px 40px;color:#222;
line-height:1.5;font-size:16px;overflow-wrap:break-word}
h1{font-size:1.7em;margin:.6em 0 .2em}h2{margin-top:2em;border-top:2px solid #ccc;padding-top:.6em}
.meta{color:#555;font-size:.9em}nav ol{columns:2;column-gap:2em;padding-left:1.3em}
@media (max-width:600px){nav ol{columns:1}body{font-size:15px}}
.summary{background:#f3f6f9;border-left:4px solid #0072B2;padding:.4em 1em}
.summary li{margin:.3em 0}
pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;font-size:12px;overflow-wrap:anywhere}
figure{margin:1.2em 0}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#444}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
td{overflow-wrap:anywhere}
a{color:#0055a5}
"""


def _text(md) -> str:
    return "".join(md) if isinstance(md, list) else md


def _chart_name(source: str) -> str | None:
    match = re.search(r"run\.publish\(\s*\w+\s*,\s*[\"']([^\"']+)[\"']", source)
    return match.group(1) if match else None


def _source_line(source_ids: Sequence[str], sources: pd.DataFrame) -> str:
    """'Sources: <a href=...>ICE</a> (2013); ...' for the report, publishers linked to the source."""
    meta = sources.set_index("source_id")
    parts = []
    for sid in source_ids:
        if sid not in meta.index:
            continue
        row = meta.loc[sid]
        year = published_year(row["published"], row.get("published_precision", "year"))
        name = html.escape(str(row["author_or_publisher"]))
        url = row["url"] if isinstance(row["url"], str) and row["url"] else None
        link = f"<a href='{html.escape(url, quote=True)}'>{name}</a>" if url else name
        if link not in [p.split(" (")[0] for p in parts]:
            parts.append(f"{link} ({year})")
    return "Sources: " + "; ".join(parts) + "." if parts else ""


@dataclass
class Prepared:
    """The parts of the report that depend on the data alone (not on what the notebooks computed), so a
    build can make them while the notebooks run."""

    glossary: str
    source_rows: str
    states: list  # places.StateSection, in report order


def prepare(ds: Dataset) -> Prepared:
    """The glossary, the sources table's rows and every state's section (without derived numbers)."""
    from scomm import places

    glossary = "".join(
        f"<dt id='term-{html.escape(_slug(t.term))}'><strong>{html.escape(t.term)}</strong></dt>"
        f"<dd>{html.escape(t.definition)} <span class='meta'>{_source_line([t.source_id], ds.sources)}</span></dd>"
        for t in ds.table("glossary").itertuples())
    src = ds.sources.copy()
    src["date"] = [charts_published(p, q) for p, q in zip(src["published"], src["published_precision"])]
    rows = "".join(
        f"<tr id='{html.escape(r.source_id)}'><td>{html.escape(r.source_id)}</td><td>{html.escape(r.title)}</td>"
        f"<td>{html.escape(r.author_or_publisher)}</td><td>{r.date}</td><td>{html.escape(str(r.kind))}</td>"
        f"<td>{_link(r.url)}</td></tr>" for r in src.itertuples())
    folder = ds.data_dir
    states = places.states_sections(places.activations(folder / "activations.csv", folder / "states.csv"),
                                    places.states(folder / "states.csv"), ds.figures, ds.sources,
                                    places.places(folder / "places.csv"))
    return Prepared(glossary, rows, states)


def write_html(path: Path, executed_dir: Path, notebooks: Sequence[Path], fig_dir: Path, ds: Dataset,
               changes: str, checks: pd.DataFrame, ratios: pd.DataFrame | None = None,
               charts_meta: dict | None = None, data_version: str = "", prepared: Prepared | None = None) -> None:
    """One self-contained HTML file, for readers: a summary of the findings, contents, each notebook's
    findings, tables and charts (with definitions, sources and the CSV behind each), the published claims,
    a glossary, every state's rollout, the sources, and the change log last. `prepared`: the data-only
    parts, when made beforehand (see `prepare`)."""
    from scomm.tables import readable

    prepared = prepared or prepare(ds)
    charts_meta = charts_meta or {}
    sections, summary, contents = [], [], []
    for nb_path in notebooks:
        nb = json.loads((executed_dir / nb_path.name).read_text(encoding="utf-8"))
        body, title, findings = [], nb_path.stem, []
        for cell in nb["cells"]:
            src = _text(cell["source"])
            if cell["cell_type"] == "markdown":
                if src.startswith("# ") and title == nb_path.stem:
                    title = src.splitlines()[0][2:].strip()
                    src = "\n".join(src.splitlines()[1:])
                body.append(markdown_html(src))
                continue
            chart = _chart_name(src)
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if output.get("name") == "stdout":
                    body.append(f"<pre>{html.escape(_text(output['text']))}</pre>")
                elif "text/markdown" in data:
                    md = _text(data["text/markdown"])
                    if md.startswith("Finding:"):
                        findings.append(md[len("Finding:"):].strip())
                    body.append("<div class='scroll'>" + markdown_html(md) + "</div>")
                elif "image/png" in data:
                    body.append(_figure(_text(data["image/png"]).strip(), chart, charts_meta.get(chart, {}), ds))
        anchor = nb_path.stem
        contents.append(f"<li><a href='#{anchor}'>{html.escape(title)}</a></li>")
        if findings:
            first = re.sub(r"^<p>|</p>\s*$", "", markdown_html(findings[0]).strip())
            first = first[:1].upper() + first[1:]
            summary.append(f"<li>{first} <a href='#{anchor}'>({html.escape(title)})</a></li>")
        sections.append(f"<section id='{anchor}'><h2>{html.escape(title)}</h2>" + "\n".join(body) + "</section>")

    shown = checks[["claim_id", "statement", "verdict", "computed", "published", "detail", "inputs", "published_id"]]
    gloss, rows = prepared.glossary, prepared.source_rows
    extra = [("claims", "Published claims, recomputed"), ("glossary", "Glossary"), ("states", "By state"),
             ("sources", "Sources"), ("changes", "What changed since the last build")]
    contents += [f"<li><a href='#{a}'>{t}</a></li>" for a, t in extra]
    accessed = ds.sources["accessed"].max()
    n_fig, n_src = len(ds.figures), ds.figures["source_id"].nunique()
    head = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            "<title>Secure Communities by the Numbers</title>", f"<style>{CSS}</style></head><body>",
            "<header><h1>Secure Communities by the Numbers</h1>",
            f"<p class='meta'>{n_fig:,} published figures from {n_src} sources; data version {html.escape(data_version)}"
            + (f"; sources last checked {accessed:%Y-%m-%d}" if pd.notna(accessed) else "")
            + ". Every number below is computed from the sourced figures; each derived number names the figure "
              "rows it rests on, and every chart names its sources.</p></header>",
            "<section id='summary' class='summary'><h2 style='border:0;margin-top:.4em'>Main findings</h2><ul>",
            *summary, "</ul></section>", "<nav><h2>Contents</h2><ol>", *contents, "</ol></nav>"]
    tail = ["<section id='claims'><h2>Published claims, recomputed</h2><p>Each claim is a number a source printed, "
            "recomputed from the figures it rests on: <em>reproduces</em> within the precision it was printed to, "
            "<em>diverges</em> (with the gap), or <em>cannot compute</em> from this data.</p><div class='scroll'>",
            markdown_html(readable(shown)), "</div></section>",
            f"<section id='glossary'><h2>Glossary</h2><dl>{gloss}</dl></section>",
            "<section id='states'><h2>By state: rollout and figures</h2>",
            "\n".join(section.html(ratios) for section in prepared.states),
            "</section>",
            "<section id='sources'><h2>Sources</h2><div class='scroll'><table><tr><th>id</th><th>title</th>"
            "<th>publisher</th><th>published</th><th>kind</th><th>link</th></tr>", rows, "</table></div></section>",
            "<section id='changes'>", markdown_html(changes.replace("# What changed", "## What changed", 1)),
            "</section></body></html>"]
    path.write_text("\n".join(head + sections + tail) + "\n", encoding="utf-8")


def charts_published(published, precision) -> str:
    """A source's date as precisely as the source gives it (see `fmt.published_label`)."""
    return published_label(published, precision)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _figure(png: str, name: str | None, meta: dict, ds: Dataset) -> str:
    """A chart as <figure>: the image with alt text from its title and subtitle, then its definition,
    sources (linked) and a link to the table behind it."""
    title, subtitle = meta.get("title", ""), meta.get("subtitle", "")
    alt = html.escape(f"{title}. {subtitle}".strip(". ") or f"chart {name or ''}", quote=True)
    caption = []
    if subtitle:
        caption.append(html.escape(subtitle) + ".")
    line = _source_line(meta.get("source_ids", []), ds.sources)
    if line:
        caption.append(line)
    if name:
        caption.append(f"<a href='{html.escape(name)}.csv'>Data behind this chart ({html.escape(name)}.csv)</a>.")
    return (f"<figure><img alt='{alt}' src='data:image/png;base64,{png}'>"
            f"<figcaption>{' '.join(caption)}</figcaption></figure>")


def _link(url) -> str:
    if not isinstance(url, str) or not url:
        return ""
    return f"<a href='{html.escape(url, quote=True)}'>link</a>"
