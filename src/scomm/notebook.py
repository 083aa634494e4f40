"""The notebook side of the project, in one object: set up the data and where outputs go, hand the
analysis a dataset that records what it reads (for lineage), show its derived numbers and findings,
publish its charts with their tables.

    from scomm.analyses import funnel
    from scomm.notebook import open_run
    run = open_run("03_identification_funnel", data_path, sources_path, metrics_path, settings)
    result = run.analyse(funnel.analyse)  # funnel.analyse(run.data)
    run.show_numbers(result)
    run.say(result.findings["national"])
    run.publish(result.charts["03_funnel"])

The settings (where charts go, which formats, the build's state folder and snapshot, the analyses it has
computed) arrive as the notebook's `settings` parameter, which `scomm build` fills in; left at None, the
notebook reads the data named by its other parameters (the bundled data/ by default) and computes its
analysis itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Image, Markdown

from scomm import analysis_files, charts
from scomm import ratios as r
from scomm.analysis import Analysis, ChartSpec, Finding, ratio_row
from scomm.data import dataset_paths, load_dataset
from scomm.paths import CLAIMS_CSV, FIGURES_CSV, FIGURES_DIR, METRICS_CSV, MILESTONES_CSV, PROJECT_ROOT, SOURCES_CSV
from scomm.recording import MissingFigureError, RecordingDataset
from scomm.screen_copies import SCREEN_WIDTHS
from scomm.settings import RunSettings
from scomm.tables import readable

CHART_KEY = "scomm_chart"  # in a chart output's metadata: the chart's file name
FINDING_KEY = "scomm_finding"  # in a finding's output metadata: marks the sentence as one of the findings

__all__ = ["MissingFigureError", "Run", "open_run", "data_label"]
BUNDLED = (FIGURES_CSV, SOURCES_CSV, METRICS_CSV, MILESTONES_CSV, CLAIMS_CSV)
OTHER_DATA_DIR = FIGURES_DIR / "other-data"
LAST_BUILD_MANIFEST = FIGURES_DIR / "build-state" / "manifest.json"


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


class Run:
    """One notebook's run: its data, its output folder and the record of what it read and showed."""

    def __init__(
        self,
        notebook: str,
        data_path: str | Path | None = None,
        sources_path: str | Path | None = None,
        metrics_path: str | Path | None = None,
        settings: RunSettings | Mapping[str, Any] | None = None,
    ):
        self.name = notebook
        self.settings = RunSettings.for_notebook(settings)
        data_dir = self.settings.data_dir
        if data_path is None and sources_path is None and metrics_path is None and data_dir is not None:
            self.paths = dataset_paths(data_dir / "figures.csv")  # the build's snapshot: every file from it
        else:
            self.paths, data_dir = dataset_paths(data_path, sources_path, metrics_path), None
        self.data_label = self.settings.data_label or data_label(self.paths[0])
        self.data = RecordingDataset(
            load_dataset(*self.paths, data_dir=data_dir), self.data_label, f"notebook {notebook}", self._save_state
        )
        self.charts: dict[str, dict] = {}  # name -> figure_ids, source_ids, title, subtitle, texts, layout
        self._ledger: list[dict] = []
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

    # ------------------------------------------------------------ reading (recorded by self.data)

    @property
    def reads(self) -> dict:
        """What this notebook has read so far (see `lineage`)."""
        return self.data.reads

    @property
    def figures(self) -> pd.DataFrame:
        """The whole figures table (recorded as reading every figure: prefer `get`, `select` or `rows`)."""
        return self.data.figures

    @property
    def sources(self) -> pd.DataFrame:
        """The sources table."""
        return self.data.sources

    @property
    def milestones(self) -> pd.DataFrame:
        """The dated events table."""
        return self.data.milestones

    def table(self, resource: str) -> pd.DataFrame:
        """Any other table of the data package (validated), recorded as read."""
        return self.data.table(resource)

    def get(self, figure_id: str) -> r.Quantity:
        """The figure `figure_id` as a Quantity (value as published, unit, qualifier, source)."""
        return self.data.get(figure_id)

    def select(self, ids: Sequence[str]) -> pd.DataFrame:
        """The figure rows `ids`, in that order, with the columns charts and tables use."""
        return self.data.select(ids)

    def rows(
        self, metric: Sequence[str] | None = None, geography: str | None = None, metric_contains: str | None = None
    ) -> pd.DataFrame:
        """Figure rows by metric, geography and/or part of the metric name (see `RecordingDataset.rows`)."""
        return self.data.rows(metric, geography, metric_contains)

    def derived(self, name: str) -> pd.DataFrame:
        """A derived table computed from the whole data (claims checks, conflicts, consistency, ...)."""
        return self.data.derived(name)

    def claims(self, claim_ids: Sequence[str]) -> pd.DataFrame:
        """The checks table rows of these published claims (reproduces / diverges / cannot compute)."""
        return self.data.claims(claim_ids)

    def analyse(self, analysis: Callable[[RecordingDataset], Analysis]) -> Analysis:
        """This notebook's analysis: `analysis(self.data)`. In a build, the result the build computed from the
        same snapshot in its own process (`settings.analysed_dir`), its reads added to this run's record."""
        kept = (
            None if self.settings.analysed_dir is None else analysis_files.load(self.settings.analysed_dir, self.name)
        )
        if kept is None:  # outside a build, or a notebook the build has no analysis function of
            return analysis(self.data)
        result, reads = kept
        self.data.record_reads(reads)
        return result

    # ------------------------------------------------------------ showing

    def show(self, q: r.Quantity, key: str | None = None) -> r.Quantity:
        """Print a derived number with the figures it rests on, and record it for figures/ratios.csv."""
        print(q)
        key = key or q.label
        used = {row["key"] for row in self._ledger}
        if key in used:  # keys stay unique within a notebook
            key = f"{key} ({sum(1 for k in used if k == key or k.startswith(key + ' (')) + 1})"
        self._ledger.append(ratio_row(key, q))
        self._save_state()
        return q

    def show_numbers(self, result: Analysis, group: str | None = None) -> None:
        """Print an analysis's derived numbers (all, or one group's), each with the figures it rests on."""
        print(result.numbers(group))
        chosen = set(result.keys(group))
        self._ledger += [row for row in result.ratio_rows() if row["key"] in chosen]
        self._save_state()

    def finding(self, template: str, **values: Any):
        """Markdown rendered from `template` with `values` ({name} as printed, {name:0} with 0 decimals)."""
        return self.say(Finding(template, values))

    def say(self, finding: Finding):
        """An analysis's finding, as Markdown for the notebook; its output's metadata marks it as a finding, so
        the report takes its findings from there (never by matching the words)."""

        return Markdown(finding.text(), metadata={FINDING_KEY: True} if finding.is_finding else None)

    def display_table(
        self, frame: pd.DataFrame, columns: Sequence[str] | None = None, names: dict[str, str] | None = None
    ):
        """A readable table: numbers with thousands separators and units, dates as YYYY-MM-DD, 'n/a' for missing."""

        return Markdown(readable(frame, columns, names))

    def publish(self, fig: Any, name: str | None = None, table: pd.DataFrame | None = None):
        """Write the chart (PNG 300 dpi, SVG, PDF) and its table (CSV); return the PNG for display.

        `fig` is a matplotlib figure (with `name` and `table`), or an analysis's `ChartSpec`, drawn here.

        The record of the run keeps the chart's title, subtitle, sources, every text it shows and any text
        that falls outside the figure (for the report and the layout tests)."""
        if isinstance(fig, ChartSpec):
            name = fig.name
            fig, table = fig.draw()
        if name is None or table is None:
            raise TypeError("publish needs a figure, its file name and its table (or a ChartSpec)")
        widths = SCREEN_WIDTHS if name in self.settings.wide_screen else SCREEN_WIDTHS[:1]
        png = charts.save_figure(
            fig, name, table, out_dir=self.out_dir, formats=self.settings.formats, screen_widths=widths
        )
        meta = charts.describe(fig, table)  # after saving: the PNG's draw measured the texts
        self.charts[name] = meta
        self._save_state()

        shown = charts.show_saved(png)
        if isinstance(shown, Image):  # the output names its chart: the report finds it without reading code
            shown.metadata = {**(shown.metadata or {}), CHART_KEY: name}
        return shown

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
    settings: RunSettings | Mapping[str, Any] | None = None,
) -> Run:
    """Load and validate the data for `notebook` and decide where its charts go (see `Run`)."""
    return Run(notebook, data_path, sources_path, metrics_path, settings)
