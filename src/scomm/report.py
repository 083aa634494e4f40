"""What changed since the last build, and the self-contained HTML report."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import mistune
import pandas as pd
from PIL import Image

from scomm import audit, claims
from scomm.data import Dataset
from scomm.fmt import format_number, month_year, published_label
from scomm.screen_copies import SCREEN_WIDTHS, screen_copies
from scomm.source_names import source_name
from scomm.tables import readable

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
    return Previous(
        figures,
        ratios,
        _read_text_table(inputs_dir / "sources.csv", ["source_id", "title"]),
        _read_text_table(ratios_csv.with_name("claims_checks.csv"), ["claim_id", "verdict"]),
    )


def source_changes(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[list[str], list[str]]:
    """(added, removed) sources as 'ID: title' lines."""
    if old is None or new is None:
        return [], []
    old_ids, new_ids = dict(zip(old["source_id"], old["title"])), dict(zip(new["source_id"], new["title"]))
    return (
        [f"{i}: {new_ids[i]}" for i in sorted(set(new_ids) - set(old_ids))],
        [f"{i}: {old_ids[i]}" for i in sorted(set(old_ids) - set(new_ids))],
    )


def verdict_changes(old: pd.DataFrame | None, new: pd.DataFrame | None) -> pd.DataFrame:
    """Published claims whose verdict changed (or that appeared or went): claim_id, old, new."""
    cols = ["claim_id", "old", "new"]
    if old is None or new is None:
        return pd.DataFrame(columns=cols)
    merged = (
        new[["claim_id", "verdict"]]
        .astype(str)
        .merge(old.astype(str), on="claim_id", how="outer", suffixes=("", "_old"))
        .fillna("(none)")
    )
    moved = merged[merged["verdict"] != merged["verdict_old"]]
    return (
        pd.DataFrame(
            {"claim_id": moved["claim_id"], "old": moved["verdict_old"], "new": moved["verdict"]}, columns=cols
        )
        .sort_values("claim_id")
        .reset_index(drop=True)
    )


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
    merged = new.merge(
        old[["notebook", "key", "value", "unit"]],
        on=["notebook", "key"],
        how="outer",
        suffixes=("", "_old"),
        indicator=True,
    )
    rows = []
    for row in merged.to_dict("records"):
        row = SimpleNamespace(**row)
        if row._merge == "both":
            if abs(row.value - row.value_old) <= 1e-9 * max(1.0, abs(row.value)):
                continue
            rows.append(
                [
                    row.notebook,
                    row.key,
                    format_number(row.value_old, row.unit_old),
                    format_number(row.value, row.unit),
                    row.figure_ids,
                ]
            )
        elif row._merge == "left_only":
            rows.append([row.notebook, row.key, "(new)", format_number(row.value, row.unit), row.figure_ids])
        else:
            rows.append([row.notebook, row.key, format_number(row.value_old, row.unit_old), "(gone)", ""])
    return pd.DataFrame(rows, columns=cols)


def changes_markdown(
    previous: Previous,
    figures_csv: Path,
    ratios: pd.DataFrame,
    sources: pd.DataFrame | None = None,
    checks: pd.DataFrame | None = None,
) -> str:
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
        return "\n".join(
            lines + ["No changes: the figures and every derived number are the same as in the last build.", ""]
        )
    lines += [
        f"- figures added: {len(added)}; removed: {len(removed)}; changed: {changed['figure_id'].nunique()}",
        f"- derived numbers that moved: {len(moved)}",
    ]
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
        lines += [
            "## Derived numbers that moved",
            "",
            "| notebook | number | old | new | figures |",
            "|---|---|---|---|---|",
        ]
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

    rendered = mistune.create_markdown(escape=True, plugins=["table"])(text)
    assert isinstance(rendered, str)  # the HTML renderer returns text (only the AST renderer returns a list)
    return rendered


CSS = """
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:760px;margin:0 auto;padding:0 16px 40px;color:#222;
line-height:1.5;font-size:16px}
h1{font-size:1.6em;margin:.5em 0 .2em;line-height:1.2}h2{font-size:1.25em;margin-top:1.6em;line-height:1.3}
h3{font-size:1.05em}
h2 a{color:inherit;text-decoration:none}
nav.top{font-size:.9em;padding:.6em 0;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9em}
.summary{background:#f3f6f9;border-left:4px solid #0072B2;padding:.2em 1em}
.summary li{margin:.4em 0}
details{margin:.4em 0;font-size:.85em}summary{cursor:pointer;color:#0055a5}
pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;font-size:12px}
figure{margin:1em 0}figure img{width:100%;height:auto;border:1px solid #eee;display:block}
figcaption{font-size:.8em;color:#444}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
.scroll table{max-width:none}
table{border-collapse:collapse;font-size:13px;margin:.5em 0;display:block;overflow-x:auto;max-width:100%}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left;overflow-wrap:normal;
word-break:normal;hyphens:none}
td{min-width:4em}
td:has(> a:only-child){white-space:nowrap}
ul.index{columns:3;font-size:.9em}@media (max-width:600px){ul.index{columns:2}}
a{color:#0055a5}.nw{white-space:nowrap}
@media print{figure,img{break-inside:avoid;page-break-inside:avoid}nav.top{display:none}
img{max-height:25cm;width:auto;max-width:100%}}
"""


def _text(md) -> str:
    return "".join(md) if isinstance(md, list) else md


CHART_KEY = "scomm_chart"  # a chart output's metadata names its chart (see notebook.Run.publish)
FINDING_KEY = "scomm_finding"  # a finding's output metadata marks it (see notebook.Run.say)


def is_finding(output: dict) -> bool:
    """Whether a notebook output is one of its findings: `Run.say` marks them in the output's metadata."""
    return bool(output.get("metadata", {}).get("text/markdown", {}).get(FINDING_KEY))


def _chart_name(output: dict) -> str | None:
    """The chart a notebook output shows, from the name `Run.publish` put in its metadata."""
    name = output.get("metadata", {}).get("image/png", {}).get(CHART_KEY)
    return name if isinstance(name, str) else None


def _source_line(source_ids: Sequence[str], sources: pd.DataFrame) -> str:
    """'Sources: <a href=...>ICE</a> (2013); ...' for the report, publishers linked to the source (`sources`
    indexed by source_id already is faster when many lines are written)."""
    meta = sources if sources.index.name == "source_id" else sources.set_index("source_id")
    parts: list[str] = []
    for sid in source_ids:
        if sid not in meta.index:
            continue
        url = meta.at[sid, "url"]
        href = url if isinstance(url, str) and url else None

        def linked(name: str, href: str | None = href) -> str:
            return f"<a href='{html.escape(href, quote=True)}'>{html.escape(name)}</a>" if href else html.escape(name)

        link = source_name(meta, sid, dated=False, markup=linked)
        if link not in [p.split(" (")[0] for p in parts]:
            parts.append(source_name(meta, sid, markup=linked))
    return "Sources: " + "; ".join(parts) + "." if parts else ""


@dataclass
class Prepared:
    """The parts of the report that depend on the data alone (not on what the notebooks computed), so a
    build can make them while the notebooks run."""

    glossary: str
    source_rows: str
    states: list  # state_sections.StateSection, in report order


def prepare(ds: Dataset) -> Prepared:
    """The glossary, the sources table's rows and every state's section (without derived numbers)."""
    from scomm import detainers, geography, state_sections

    by_id = ds.sources.set_index("source_id")
    glossary = "".join(
        f"<dt id='term-{html.escape(_slug(t.term))}'><strong>{html.escape(t.term)}</strong></dt>"
        f"<dd>{html.escape(t.definition)} <span class='meta'>{_source_line([t.source_id], by_id)}</span></dd>"
        for t in ds.table("glossary").itertuples()
    )
    src = ds.sources.copy()
    src["date"] = [charts_published(p, q) for p, q in zip(src["published"], src["published_precision"])]
    rows = "".join(
        f"<tr id='{html.escape(r.source_id)}'><td>{html.escape(r.source_id)}</td><td>{html.escape(r.title)}</td>"
        f"<td>{html.escape(r.author_or_publisher)}</td><td>{r.date}</td><td>{html.escape(str(r.kind))}</td>"
        f"<td>{_link(r.url)}</td></tr>"
        for r in src.itertuples()
    )
    folder = ds.data_dir
    states = state_sections.states_sections(
        state_sections.StateTables(
            geography.activations(folder / "activations.csv", folder / "states.csv"),
            geography.states(folder / "states.csv"),
            ds.figures,
            ds.sources,
            geography.places(folder / "places.csv"),
            *detainers.lookup_tables(folder),
        )
    )
    return Prepared(glossary, rows, states)


# The report by question: (question, findings as (notebook, a word the finding names, whether it is in the
# lead), the charts that answer it). The lead (about 150 words) is the findings marked for it, in this order;
# the others are printed under their question, with its charts.
QUESTIONS = (
    (
        "Where and when was the program switched on?",
        (("08_rollout_by_place", "The first was", True),),
        ("08_county_map",),
    ),
    (
        "Who was arrested, and how many were removed?",
        (("06_shared_safety", "Latino", True), ("03_identification_funnel", "removals were", False)),
        ("03_funnel", "04_ice_removals"),
    ),
    ("Detainers: what did ICE ask of local jails?", (("06_shared_safety", "detainers", True),), ("06_detainers",)),
    (
        "Due process: lawyers, relief and the review of pending cases",
        (("06_shared_safety", "lawyer", True), ("05_case_review", "", False)),
        ("06_due_process", "05_case_review"),
    ),
    ("Counsel: what did funded representation change?", (("06_shared_safety", "NYIFUP", False),), ()),
    (
        "The reinstated era: what changed after 2017?",
        (("09_reinstated_era", "from local jails", True),),
        ("09_arrests_by_method", "09_jail_share_by_area"),
    ),
)
KEY_CHARTS = tuple(name for _, _, names in QUESTIONS for name in names)  # one chart per finding, in reading order
# One framing of these questions, cited as such: the brief's recommendations are positions, not figures.
FRAMING = (
    "One framing of these questions is the Shared Safety brief, which asks localities to separate policing from "
    "immigration enforcement, decline ICE detainer holds, protect due process, fund counsel and provide services. "
    "Its recommendations are positions, not figures; <a href='06_shared_safety.html'>the page on the brief</a> sets "
    "the sourced figures beside each of them, and says where the data hold none."
)
METHODS_NOTEBOOKS = ("07_data_audit",)


def screen_images(fig_dir: Path, name: str, widths: Sequence[int] = SCREEN_WIDTHS[:1]) -> dict[int, str]:
    """The report's screen copies of NAME.png in fig_dir/screen/ (`screen_copies`: the 720-px one is normally
    written with the chart); width -> path relative to fig_dir."""
    made = screen_copies(fig_dir / f"{name}.png", tuple(widths))
    return {width: path.relative_to(fig_dir).as_posix() for width, path in made.items()}


def make_screen_images(fig_dir: Path, names: Sequence[str], workers: int) -> None:
    """Every chart's screen copies (`screen_images`, the key charts' at both widths) made `workers` at a time:
    Pillow resizes and encodes without holding the interpreter, so the copies are made in parallel."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [
            pool.submit(screen_images, fig_dir, name, SCREEN_WIDTHS if name in KEY_CHARTS else SCREEN_WIDTHS[:1])
            for name in names
        ]
        for job in jobs:
            job.result()


CELL = re.compile(r"(<t[dh]\b[^>]*>)(.*?)(</t[dh]>)", re.S)
HYPHENATED = re.compile(r"(?<![\w&#;\-\u2013\u2014/])([^\s<>]*\w[\-\u2013\u2014/][^\s<>]*\w)")


def keep_tokens_whole(page: str) -> str:
    """Table cells never break a word or number at its hyphen, dash or slash ('2019-ICFO-53623',
    'non-criminal'): each such token of a cell's text is kept on one line (a browser breaks lines only at spaces then)."""

    def cell(match: re.Match) -> str:
        parts = re.split(r"(<[^>]+>)", match.group(2))
        parts = [p if p.startswith("<") else HYPHENATED.sub(r"<span class='nw'>\1</span>", p) for p in parts]
        return match.group(1) + "".join(parts) + match.group(3)

    return CELL.sub(cell, page)


def _page(title: str, body: Sequence[str], nav: str = "") -> str:
    body = [keep_tokens_whole(part) for part in body]
    return (
        "\n".join(
            [
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
                "<meta name='viewport' content='width=device-width, initial-scale=1'>",
                f"<title>{html.escape(title)}</title>",
                f"<style>{CSS}</style></head><body>",
                nav,
                *body,
                "</body></html>",
            ]
        )
        + "\n"
    )


def _nav(here: str) -> str:
    links = [("report.html", "Findings"), ("methods.html", "Methods and sources"), ("states.html", "States")]
    return (
        "<nav class='top'>"
        + " · ".join(f"<strong>{t}</strong>" if h == here else f"<a href='{h}'>{t}</a>" for h, t in links)
        + "</nav>"
    )


def _words(text: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", text).split())


def source_kinds_section(ds: Dataset, charts_meta: dict, ratios: pd.DataFrame | None) -> str:
    """The methods page's section on what the numbers rest on: the figures (and dated events) the charts plot,
    the printed numbers state and the published claims use, by kind of source (`audit.use_by_kind`), and the
    charts that hold a figure from an AI-written digest or name no kind for a blog or repost (`audit.unnamed_kinds`)."""

    items = audit.citable(ds.figures, ds.milestones)
    printed = [] if ratios is None else [fid for cell in ratios["figure_ids"].dropna() for fid in str(cell).split()]
    uses = {
        "plotted": audit.chart_figures(charts_meta),
        "in a printed number": printed,
        "in a published claim": [fid for ids in claims.figures_used(ds.claims).values() for fid in ids],
    }
    table = audit.use_by_kind(items, ds.sources, uses)
    unnamed = audit.unnamed_kinds(items, ds.sources, charts_meta)
    check = (
        "<p>Every chart that draws a figure from a blog, law-firm page, repost or mirror names that kind of "
        "source in its footer, and no chart draws a figure from an AI-written digest.</p>"
        if unnamed.empty
        else "<p><strong>Charts that do not say what they rest on:</strong></p>" + markdown_html(readable(unnamed))
    )
    return (
        "<section id='source-kinds'><h2>What the charts and numbers rest on</h2><p>Figures and dated events each "
        "chart draws, each printed number is computed from and each published claim uses, counted once per use by "
        "the kind of their source (a figure with several sources counts under the weakest). Charts mark every "
        "figure from a kind below a major news organisation with an asterisk and name the kind in the footer.</p>"
        "<div class='scroll'>"
        + markdown_html(readable(table, names={"kind": "kind of source"}))
        + "</div>"
        + check
        + "</section>"
    )


def write_html(
    path: Path,
    executed_dir: Path,
    notebooks: Sequence[Path],
    fig_dir: Path,
    ds: Dataset,
    changes: str,
    checks: pd.DataFrame,
    ratios: pd.DataFrame | None = None,
    charts_meta: dict | None = None,
    data_version: str = "",
    prepared: Prepared | None = None,
) -> None:
    """The report as a small publication, in `path`'s folder:

    - report.html: a lead of findings in plain words (rendered from the notebooks' findings), then one section
      per question (QUESTIONS: who was arrested, detainers, due process, counsel, the reinstated era), each with
      its charts linking to their notebook's page; the Shared Safety brief cited as one framing (FRAMING);
    - one page per notebook (NOTEBOOK.html): its question, findings, tables and every chart;
    - methods.html: the data audit, the published claims recomputed, the glossary, the sources and the change
      log; states.html: every state's rollout.

    Charts are responsive images (screen copies with `srcset`), each linking to its full-size PNG, SVG, PDF
    and CSV. Also writes figures/README.md, the index of every chart (see `write_figures_index`).
    `prepared`: the data-only parts, when made beforehand (see `prepare`)."""

    prepared = prepared or prepare(ds)
    charts_meta = charts_meta or {}
    sources_by_id = ds.sources.set_index("source_id")  # once: every chart's caption names its sources
    out_dir = path.parent
    pages, findings_of, chart_page, titles = {}, {}, {}, {}
    for nb_path in notebooks:
        nb = json.loads((executed_dir / nb_path.name).read_text(encoding="utf-8"))
        body, title, findings = [], nb_path.stem, []
        for cell in nb["cells"]:
            src = _text(cell["source"])
            if cell["cell_type"] == "markdown":
                if src.startswith("# ") and title == nb_path.stem:
                    title = src.splitlines()[0][2:].strip()
                    src = "\n".join(src.splitlines()[1:])
                body.append(
                    markdown_html(
                        src.replace("\n## ", "\n### ").replace("## ", "### ", 1) if src.startswith("## ") else src
                    )
                )
                continue
            printed = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if output.get("name") == "stdout":
                    printed.append(html.escape(_text(output["text"])))
                elif "text/markdown" in data:
                    md = _text(data["text/markdown"])
                    if is_finding(output):
                        findings.append(md.removeprefix("Finding:").strip())
                    body.append("<div class='scroll'>" + markdown_html(md) + "</div>")
                elif "image/png" in data and (chart := _chart_name(output)):
                    chart_page[chart] = nb_path.stem
                    body.append(_figure(chart, charts_meta.get(chart, {}), sources_by_id, fig_dir, anchor=True))
            if printed:  # computed numbers, as the notebook printed them: for checking, folded away
                body.insert(
                    len(body),
                    "<details><summary>Numbers computed in this step</summary><pre>"
                    + "".join(printed)
                    + "</pre></details>",
                )
        titles[nb_path.stem] = title
        findings_of[nb_path.stem] = findings
        pages[nb_path.stem] = body

    def pick(stem: str, prefer: str) -> str | None:
        """The notebook's finding that names `prefer` (its first finding when none does), as inline HTML."""
        items = findings_of.get(stem, [])
        if not items:
            return None
        chosen = next((f for f in items if prefer and prefer in f), items[0])
        text = re.sub(r"^<p>|</p>\s*$", "", markdown_html(chosen).strip())
        return text[:1].upper() + text[1:]

    lead, figures = [], []
    for number, (question, wanted, names) in enumerate(QUESTIONS, start=1):
        anchor = f"q{number}"
        said = []
        for stem, prefer, in_lead in wanted:
            text = pick(stem, prefer)
            if text is None:
                continue
            if in_lead:
                lead.append(f"<li>{text} <a href='#{anchor}'>More</a></li>")
            else:
                said.append(f"<p>{text} <a href='{stem}.html'>More</a></p>")
        shown = [
            f"<h3><a href='{chart_page[name]}.html#{html.escape(name)}'>"
            f"{html.escape(charts_meta.get(name, {}).get('title', name))}</a></h3>"
            + _figure(name, charts_meta.get(name, {}), sources_by_id, fig_dir, title=False)
            for name in names
            if name in chart_page
        ]
        figures.append(
            f"<section id='{anchor}' class='key'><h2>{html.escape(question)}</h2>"
            + "".join(said + shown)
            + "</section>"
        )
    questions = [
        f"<li><a href='{stem}.html'>{html.escape(titles[stem])}</a></li>"
        for stem in titles
        if stem not in METHODS_NOTEBOOKS
    ]
    accessed = ds.sources["accessed"].max()
    n_fig, n_src = len(ds.figures), ds.figures["source_id"].nunique()
    front = [
        "<header><h1>Secure Communities by the Numbers</h1>",
        f"<p class='meta'>{n_fig:,} published figures from {n_src} sources"
        + (f", last checked {month_year(accessed)}" if pd.notna(accessed) else "")
        + ". Every number is computed from the sourced figures; see <a href='methods.html'>methods and "
        "sources</a>.</p></header>",
        "<section id='summary' class='summary'><h2>What the numbers show</h2><ul>",
        *lead,
        "</ul>",
        f"<p class='meta'>{FRAMING}</p></section>",
        *figures,
        "<section id='questions'><h2>Every question, with all its charts and tables</h2><ol>",
        *questions,
        "</ol></section>",
    ]
    path.write_text(_page("Secure Communities by the Numbers", front, _nav("report.html")), encoding="utf-8")
    for stem, body in pages.items():
        page = [f"<h1>{html.escape(titles[stem])}</h1>", *body, "<p><a href='report.html'>Back to the findings</a></p>"]
        (out_dir / f"{stem}.html").write_text(_page(titles[stem], page, _nav("")), encoding="utf-8")

    shown = checks[["claim_id", "statement", "verdict", "computed", "published", "detail"]]
    audit = [
        f"<p><a href='{stem}.html'>{html.escape(titles[stem])}</a></p>" for stem in METHODS_NOTEBOOKS if stem in titles
    ]
    methods = [
        "<h1>Methods and sources</h1>",
        *audit,
        "<section id='claims'><h2>Published claims, recomputed</h2><p>Each claim is a number a source printed, "
        "recomputed from the figures it rests on. It <em>reproduces</em> when some reading of those figures, "
        "as precisely as they were printed and with their own words (nearly, about, more than), gives the "
        "published value as printed; it <em>diverges</em> when none does (with the gap); it "
        "<em>cannot compute</em> when a figure is missing or the figures are only bounds.</p>"
        "<div class='scroll'>",
        markdown_html(readable(shown)),
        "</div></section>",
        source_kinds_section(ds, charts_meta, ratios),
        f"<section id='glossary'><h2>Glossary</h2><dl>{prepared.glossary}</dl></section>",
        "<section id='sources'><h2>Sources</h2><div class='scroll'><table><tr><th>id</th><th>title</th>"
        "<th>publisher</th><th>published</th><th>kind</th><th>link</th></tr>",
        prepared.source_rows,
        "</table></div></section>",
        "<section id='changes'>",
        markdown_html(changes.replace("# What changed", "## What changed", 1)),
        f"<p class='meta'>Data version {html.escape(data_version)}.</p></section>",
    ]
    (out_dir / "methods.html").write_text(_page("Methods and sources", methods, _nav("methods.html")), encoding="utf-8")
    states = [
        "<h1>By state: rollout and figures</h1>",
        "<ul class='index'>"
        + "".join(f"<li><a href='#{anchor}'>{name}</a></li>" for anchor, name in map(_state_key, prepared.states))
        + "</ul>",
        "\n".join(section.html(ratios) for section in prepared.states),
    ]
    (out_dir / "states.html").write_text(_page("By state", states, _nav("states.html")), encoding="utf-8")
    write_figures_index(fig_dir, charts_meta)


def _state_key(section) -> tuple[str, str]:
    """(anchor, name as shown) of a state's section, read from its heading."""
    anchor = re.search(r"id='([^']+)'", section.head)
    name = re.search(r"<h3>(.*?)</h3>", section.head)
    return (anchor.group(1) if anchor else "", name.group(1) if name else "")


def write_figures_index(fig_dir: Path, charts_meta: dict) -> Path:
    """figures/README.md: every chart with its title, subtitle and files (those that exist), in name order."""
    lines = [
        "# Charts",
        "",
        "Every chart of the build: its title, what it measures, and its files (PNG at 300 dpi "
        "for print at 16 cm, SVG with real text, PDF with title and subject, and the CSV of the plotted rows).",
        "",
    ]
    for name in sorted(charts_meta):
        meta = charts_meta[name]
        files = [
            f"[{ext.upper()}]({name}.{ext})"
            for ext in ("png", "svg", "pdf", "csv")
            if (fig_dir / f"{name}.{ext}").exists()
        ]
        lines += [f"## {meta.get('title', name)}", "", meta.get("subtitle", ""), "", " · ".join(files), ""]
    target = fig_dir / "README.md"
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def charts_published(published, precision) -> str:
    """A source's date as precisely as the source gives it (see `fmt.published_label`)."""
    return published_label(published, precision)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _figure(
    name: str, meta: dict, sources: pd.DataFrame, fig_dir: Path, *, anchor: bool = False, title: bool = True
) -> str:
    """A chart as <figure>: a responsive image (screen copies with srcset, lazily loaded) with alt text from
    its title and subtitle, linking to the full-size PNG; its sources (linked, from `sources` indexed by
    source_id) and its files."""
    head, subtitle = meta.get("title", ""), meta.get("subtitle", "")
    alt = html.escape(f"{head}. {subtitle}".strip(". ") or f"chart {name}", quote=True)
    screens = screen_images(fig_dir, name, SCREEN_WIDTHS if name in KEY_CHARTS else SCREEN_WIDTHS[:1])
    e = html.escape
    if screens:
        small = screens[SCREEN_WIDTHS[0]]
        srcset = ", ".join(f"{src} {w}w" for w, src in screens.items())

        with Image.open(fig_dir / small) as im:
            width, height = im.size
        image = (
            f"<a href='{e(name)}.png'><img alt='{alt}' src='{small}' srcset='{srcset}' "
            f"sizes='(max-width: 760px) calc(100vw - 32px), 720px' width='{width}' height='{height}' "
            "loading='lazy' decoding='async'></a>"
        )
    elif (fig_dir / f"{name}.svg").exists():
        image = f"<a href='{e(name)}.svg'><img alt='{alt}' src='{e(name)}.svg' loading='lazy'></a>"
    else:
        image = f"<p>{e(head)}</p>"
    files = [
        f"<a href='{e(name)}.{ext}'>{ext.upper()}</a>"
        for ext in ("png", "svg", "pdf", "csv")
        if (fig_dir / f"{name}.{ext}").exists()
    ]
    caption = [_source_line(meta.get("source_ids", []), sources), "Full size and data: " + ", ".join(files) + "."]
    ident = f" id='{e(name)}'" if anchor else ""
    return f"<figure{ident}>{image}<figcaption>{' '.join(c for c in caption if c)}</figcaption></figure>"


def _link(url) -> str:
    if not isinstance(url, str) or not url:
        return ""
    return f"<a href='{html.escape(url, quote=True)}'>link</a>"
