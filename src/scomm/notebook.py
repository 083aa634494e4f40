"""The notebook side of the project, in one object: set up the data and where outputs go, read figures
(recording what was read, for lineage), show derived numbers, render findings from them, publish
charts with their tables.

    from scomm.notebook import open_run
    run = open_run("03_identification_funnel", data_path, sources_path, metrics_path)
    q = r.share(run.get("FUN-026"), run.get("FUN-025"))
    run.show(q, key="seed rate")
    run.finding("Deportations were {q} of arrests.", q=q)
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from scomm import charts, lineage
from scomm import ratios as r
from scomm.data import Dataset, dataset_paths, load_dataset
from scomm.fmt import format_number, markdown_text, significant, with_qualifier
from scomm.paths import CLAIMS_CSV, FIGURES_CSV, FIGURES_DIR, METRICS_CSV, MILESTONES_CSV, PROJECT_ROOT, SOURCES_CSV
from scomm.settings import RunSettings
from scomm.tables import TABLE_COLUMNS

SHOWN_UNITS = {"percent", "percent_change", "points", "times", "usd", "year"}
BUNDLED = (FIGURES_CSV, SOURCES_CSV, METRICS_CSV, MILESTONES_CSV, CLAIMS_CSV)
OTHER_DATA_DIR = FIGURES_DIR / "other-data"
LAST_BUILD_MANIFEST = FIGURES_DIR / "build-state" / "manifest.json"


class MissingFigureError(KeyError):
    """A figure the notebook needs is not in the data it was given."""

    def __str__(self) -> str:
        return self.args[0]


def data_label(path: Path) -> str:
    """How footers name a data file: relative to the project when inside it, else its file name."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.name


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _matches_last_build(paths: Sequence[Path]) -> bool:
    """True when these data files are the ones the last default build of figures/ used."""
    try:
        recorded = json.loads(LAST_BUILD_MANIFEST.read_text(encoding="utf-8")).get("data", {})
    except (OSError, ValueError, AttributeError):  # no last build, or its record is unreadable
        return False
    return all(recorded.get(p.name) == _sha(p) for p in paths if p.exists())


class _Formatter(string.Formatter):
    """Formats Quantities and numbers for findings: `{q}` as printed, `{q:0}` with 0 decimals, `{q:s2}` to
    two significant digits (for approximate derived counts, where more digits would be false precision).
    Counts are written without their unit (the sentence names what is counted); percentages, changes,
    points and multiples keep theirs."""

    def format_field(self, value: Any, spec: str) -> str:
        decimals = int(spec) if spec.isdigit() else None
        if isinstance(value, r.Quantity):
            unit = value.unit if value.unit in SHOWN_UNITS else ""
            number = value.value
            if spec.startswith("s") and spec[1:].isdigit():
                number, decimals = significant(number, int(spec[1:])), 0
            return with_qualifier(number, unit, value.qualifier, decimals)
        if isinstance(value, str):  # text from the data: shown literally, never as markup
            return markdown_text(super().format_field(value, spec))
        if isinstance(value, bool):
            return super().format_field(value, spec)
        if isinstance(value, (int, float)):
            return format_number(float(value), decimals=decimals)
        if isinstance(value, pd.Timestamp):
            return value.strftime(spec or "%Y-%m-%d")
        return super().format_field(value, spec)


class Run:
    """One notebook's run: its data, its output folder and the record of what it read and showed."""

    def __init__(
        self,
        notebook: str,
        data_path: str | Path | None = None,
        sources_path: str | Path | None = None,
        metrics_path: str | Path | None = None,
        settings: RunSettings | None = None,
    ):
        self.name = notebook
        self.settings = settings or RunSettings.from_env()
        data_dir = self.settings.data_dir
        if data_path is None and sources_path is None and metrics_path is None and data_dir is not None:
            self.paths = dataset_paths(data_dir / "figures.csv")  # the build's snapshot: every file from it
        else:
            self.paths, data_dir = dataset_paths(data_path, sources_path, metrics_path), None
        self._dataset: Dataset = load_dataset(*self.paths, data_dir=data_dir)
        self.data_label = self.settings.data_label or data_label(self.paths[0])
        charts.use_data_label(self.data_label)
        self.reads = lineage.empty_reads()
        self.charts: dict[str, dict] = {}  # name -> figure_ids, source_ids, title, subtitle, texts, layout
        self._ledger: list[dict] = []
        self._get = r.getter(self._dataset.figures)
        self.out_dir = self._output_dir()

    def _output_dir(self) -> Path:
        if self.settings.figures_dir is not None:
            return self.settings.figures_dir
        if list(self.paths) == list(BUNDLED) and _matches_last_build(self.paths):
            return FIGURES_DIR  # same data as the last build: the charts come out the same
        digest = hashlib.sha256("".join(_sha(p) for p in self.paths).encode()).hexdigest()[:8]
        out = OTHER_DATA_DIR / f"{self.paths[0].stem}-{digest}"
        print(
            f"Charts from {self.data_label} go to {data_label(out)}/ (figures/ keeps the last build's; "
            f"`scomm build` rebuilds everything together)."
        )
        return out

    # ------------------------------------------------------------ reading (recorded)

    def _record(self, kind: str, item: Any) -> None:
        if item not in self.reads[kind]:
            self.reads[kind].append(item)
            self._save_state()

    @property
    def figures(self) -> pd.DataFrame:
        """The whole figures table (recorded as reading every figure: prefer `get`, `select` or `rows`)."""
        self._record("tables", "figures")
        return self._dataset.figures

    @property
    def sources(self) -> pd.DataFrame:
        """The sources table."""
        self._record("tables", "sources")
        return self._dataset.sources

    @property
    def milestones(self) -> pd.DataFrame:
        """The dated events table."""
        self._record("tables", "milestones")
        return self._dataset.milestones

    def table(self, resource: str) -> pd.DataFrame:
        """Any other table of the data package (validated), recorded as read."""
        self._record("tables", resource)
        return self._dataset.table(resource)

    def get(self, figure_id: str) -> r.Quantity:
        """The figure `figure_id` as a Quantity (value as published, unit, qualifier, source)."""
        self._record("figure_ids", figure_id)
        try:
            return self._get(figure_id)
        except KeyError:
            raise MissingFigureError(
                f"figure {figure_id} is not in {self.data_label}; notebook {self.name} needs it"
            ) from None

    def select(self, ids: Sequence[str]) -> pd.DataFrame:
        """The figure rows `ids`, in that order, with the columns charts and tables use."""
        for fid in ids:
            self.get(fid)
        return (
            self._dataset.figures.set_index("figure_id", drop=False)
            .loc[list(ids), TABLE_COLUMNS]
            .reset_index(drop=True)
        )

    def rows(
        self, metric: Sequence[str] | None = None, geography: str | None = None, metric_contains: str | None = None
    ) -> pd.DataFrame:
        """Figure rows (every column) by metric (any of), geography and/or part of the metric name, sorted by
        period end. Recorded as a filter: an edit re-runs the notebook only when it changes a matching row."""
        spec = {
            "metric": list(metric) if metric is not None else None,
            "geography": geography,
            "metric_contains": metric_contains,
        }
        self._record("filters", spec)
        rows = lineage.apply_filter(self._dataset.figures, spec)
        return rows.sort_values(["period_end", "figure_id"]).reset_index(drop=True)

    def derived(self, name: str) -> pd.DataFrame:
        """A derived table computed from the whole data (claims checks, conflicts, consistency, ...)."""
        self._record("derived", name)
        return lineage.derived(name, self._dataset)

    def claims(self, claim_ids: Sequence[str]) -> pd.DataFrame:
        """The checks table rows of these published claims (reproduces / diverges / cannot compute)."""
        from scomm import claims as cl

        table = self._dataset.claims
        for cid in claim_ids:
            self._record("claim_ids", cid)
        chosen = table[table["claim_id"].isin(claim_ids)]
        for ids in cl.figures_used(chosen).values():
            for fid in ids:
                self._record("figure_ids", fid)
        records = monthly = None
        if cl.uses_records(chosen):  # records_total claims count the rows of a derived table
            records = self.table(cl.RECORDS_TABLE)
        if cl.uses_detainer_months(chosen):  # detainer_months claims read the detainers by month
            monthly = self.table(cl.DETAINER_TABLE)
        return (
            cl.evaluate(chosen, self._dataset.figures, records, monthly)
            .set_index("claim_id")
            .loc[[c for c in claim_ids if c in set(chosen["claim_id"])]]
            .reset_index()
        )

    # ------------------------------------------------------------ showing

    def show(self, q: r.Quantity, key: str | None = None) -> r.Quantity:
        """Print a derived number with the figures it rests on, and record it for figures/ratios.csv."""
        print(q)
        key = key or q.label
        used = {row["key"] for row in self._ledger}
        if key in used:  # keys stay unique within a notebook
            key = f"{key} ({sum(1 for k in used if k == key or k.startswith(key + ' (')) + 1})"
        self._ledger.append(
            {
                "key": key,
                "value": q.value,
                "unit": q.unit,
                "qualifier": q.qualifier,
                "figure_ids": " ".join(q.figure_ids),
                "text": str(q),
            }
        )
        self._save_state()
        return q

    def finding(self, template: str, **values: Any):
        """Markdown rendered from `template` with `values` ({name} as printed, {name:0} with 0 decimals)."""
        from IPython.display import Markdown

        return Markdown(_Formatter().format(template, **values))

    def display_table(
        self, frame: pd.DataFrame, columns: Sequence[str] | None = None, names: dict[str, str] | None = None
    ):
        """A readable table: numbers with thousands separators and units, dates as YYYY-MM-DD, 'n/a' for missing."""
        from IPython.display import Markdown

        from scomm.tables import readable

        return Markdown(readable(frame, columns, names))

    def publish(self, fig, name: str, table: pd.DataFrame):
        """Write the chart (PNG 300 dpi, SVG, PDF) and its table (CSV); return the PNG for display.

        The record of the run keeps the chart's title, subtitle, sources, every text it shows and any text
        that falls outside the figure (for the report and the layout tests)."""
        png = charts.save_figure(fig, name, table, out_dir=self.out_dir, formats=self.settings.formats)
        meta = charts.describe(fig, table)  # after saving: the PNG's draw measured the texts
        self.charts[name] = meta
        self._save_state()
        return charts.show_saved(png)

    # ------------------------------------------------------------ state for the build

    def _save_state(self) -> None:
        state = self.settings.state_dir
        if state is None:
            return
        record = {"notebook": self.name, "reads": self.reads, "charts": self.charts}
        (state / f"{self.name}.lineage.json").write_text(
            json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        (state / f"{self.name}.ratios.jsonl").write_text(
            "".join(json.dumps(row, sort_keys=True) + "\n" for row in self._ledger), encoding="utf-8"
        )


def open_run(
    notebook: str,
    data_path: str | Path | None = None,
    sources_path: str | Path | None = None,
    metrics_path: str | Path | None = None,
) -> Run:
    """Load and validate the data for `notebook` and decide where its charts go (see `Run`)."""
    return Run(notebook, data_path, sources_path, metrics_path)
