"""A loaded dataset that records what is read from it: whole tables, figure ids, filters over the figures
table, derived tables and claims. Analyses take one of these, so the record of what each analysis read
(its lineage) comes from the object passed in, not from global state; the build uses the record to decide
which notebooks an edit affects, and `scomm lineage` to list what uses a figure."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from scomm import claims as cl
from scomm import lineage
from scomm import ratios as r
from scomm.data import Dataset
from scomm.tables import TABLE_COLUMNS


class MissingFigureError(KeyError):
    """A figure an analysis needs is not in the data it was given."""

    def __str__(self) -> str:
        return str(self.args[0])


class RecordingDataset:
    """`dataset`, read through methods that record each read in `self.reads` (see `lineage`).

    `label` names the data in messages ("data/figures.csv"); `who` names the reader ("notebook 03_...");
    `on_read` is called after each new read (a notebook uses it to keep its record on disk current)."""

    def __init__(self, dataset: Dataset, label: str, who: str = "", on_read: Callable[[], None] | None = None) -> None:
        self.dataset = dataset
        self.label = label
        self.who = who
        self.reads: dict = lineage.empty_reads()
        self._on_read = on_read
        self._get = r.getter(dataset.figures)
        self._indexed = dataset.figures.set_index("figure_id", drop=False)

    def _record(self, kind: str, item: object) -> None:
        if item not in self.reads[kind]:
            self.reads[kind].append(item)
            if self._on_read is not None:
                self._on_read()

    def record_reads(self, reads: dict) -> None:
        """Add the reads of another record of this data (an analysis the build computed on the same snapshot)."""
        self.reads = lineage.merged_reads(self.reads, reads)
        if self._on_read is not None:
            self._on_read()

    @property
    def figures(self) -> pd.DataFrame:
        """The whole figures table (recorded as reading every figure: prefer `get`, `select` or `rows`)."""
        self._record("tables", "figures")
        return self.dataset.figures

    @property
    def sources(self) -> pd.DataFrame:
        """The sources table."""
        self._record("tables", "sources")
        return self.dataset.sources

    @property
    def milestones(self) -> pd.DataFrame:
        """The dated events table."""
        self._record("tables", "milestones")
        return self.dataset.milestones

    def table(self, resource: str) -> pd.DataFrame:
        """Any other table of the data package (validated, from the data folder given), recorded as read."""
        self._record("tables", resource)
        return self.dataset.table(resource)

    def get(self, figure_id: str) -> r.Quantity:
        """The figure `figure_id` as a Quantity (value as published, unit, qualifier, source)."""
        self._record("figure_ids", figure_id)
        try:
            return self._get(figure_id)
        except KeyError:
            needs = f"; {self.who} needs it" if self.who else ""
            raise MissingFigureError(f"figure {figure_id} is not in {self.label}{needs}") from None

    def select(self, ids: Sequence[str]) -> pd.DataFrame:
        """The figure rows `ids`, in that order, with the columns charts and tables use."""
        for fid in ids:
            self.get(fid)
        return self._indexed.loc[list(ids), TABLE_COLUMNS].reset_index(drop=True)

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
        rows = lineage.apply_filter(self.dataset.figures, spec)
        return rows.sort_values(["period_end", "figure_id"]).reset_index(drop=True)

    def derived(self, name: str) -> pd.DataFrame:
        """A derived table computed from the whole data (claims checks, conflicts, consistency, ...)."""
        self._record("derived", name)
        return lineage.derived(name, self.dataset)

    def claims(self, claim_ids: Sequence[str]) -> pd.DataFrame:
        """The checks table rows of these published claims (reproduces / diverges / cannot compute)."""
        table = self.dataset.claims
        for cid in claim_ids:
            self._record("claim_ids", cid)
        chosen = table[table["claim_id"].isin(claim_ids)]
        for ids in cl.figures_used(chosen).values():
            for fid in ids:
                self._record("figure_ids", fid)
        records = self.table(cl.RECORDS_TABLE) if cl.uses_records(chosen) else None
        monthly = self.table(cl.DETAINER_TABLE) if cl.uses_detainer_months(chosen) else None
        checked = cl.evaluate(chosen, self.dataset.figures, records, monthly).set_index("claim_id")
        return checked.loc[[c for c in claim_ids if c in set(chosen["claim_id"])]].reset_index()
