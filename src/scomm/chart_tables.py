"""The tables behind the published charts that are more than one selection of rows, built from a notebook run.

Each function takes `run` (a `scomm.notebook.Run`, or anything with its `get` and `select`) so that the
notebook and the tests build a chart's input the same way, and the run records every figure read. Each
returns a DataFrame with the `figure_id` and `source_id` of every row, ready for the chart builder in
`scomm.figure_charts`.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from scomm import ratios as r
from scomm import tables

DETAINER_IDS = ("DET-014", "DET-015", "DET-016", "DET-017", "DET-018", "DET-019")  # ICE detainers, FY2012-FY2017
# (measure, how a title says it, program figure, comparison figure, the comparison group)
DUE_PROCESS_PAIRS = (
    ("had a lawyer", "had a lawyer", "DUE-009", "DUE-010", "all immigration-court respondents"),
    ("granted relief", "won relief", "DUE-011", "DUE-012", "all immigration-court respondents"),
    ("Latino", "were Latino", "DUE-006", "DUE-007", "the undocumented population"),
    ("male", "were male", "DUE-013", "DUE-014", "the undocumented population"),
)
PROGRAM_GROUP = "arrested through Secure Communities"
DUE_PROCESS_SAMPLE = "DUE-003"  # the study's sample of case records
# fiscal year -> (all removals, convicted removals or None): ICE's annual totals (TRAC before FY2010)
REMOVAL_YEARS = (
    (2005, "ANN-001", None),
    (2006, "ANN-003", None),
    (2007, "ANN-005", None),
    (2008, "ANN-007", None),
    (2009, "ANN-009", None),
    (2010, "ANN-012", "ANN-013"),
    (2011, "ANN-020", "ANN-021"),
    (2012, "ANN-033", "ANN-034"),
    (2013, "ANN-043", "ANN-047"),
    (2014, "ANN-061", "ANN-066"),
)
# label -> (GAO's share attributable to the program, all removals that year)
PROGRAM_SHARES = (("FY2009", "FUN-042", "ANN-009"), ("FY2011", "FUN-043", "ANN-020"))


class Reader(Protocol):
    """What these functions read from a run."""

    def get(self, figure_id: str) -> r.Quantity: ...

    def select(self, ids: list[str]) -> pd.DataFrame: ...


def detainer_rows(run: Reader) -> pd.DataFrame:
    """ICE detainers prepared per fiscal year (the rows of `DETAINER_IDS`), for `figure_charts.detainers_chart`."""
    return run.select(list(DETAINER_IDS))


def due_process_rows(run: Reader) -> pd.DataFrame:
    """One row per measure and group: the program's arrestees and the group each measure is compared with,
    in percent; columns `measure`, `phrase`, `group`, `comparison` (the group compared in that pair)."""
    rows = []
    for measure, phrase, program_id, other_id, comparison in DUE_PROCESS_PAIRS:
        for group, fid in ((PROGRAM_GROUP, program_id), (comparison, other_id)):
            rows.append(
                {
                    **run.select([fid]).iloc[0].to_dict(),
                    "measure": measure,
                    "phrase": phrase,
                    "group": group,
                    "comparison": comparison,
                }
            )
    return pd.DataFrame(rows)


def due_process_gaps(run: Reader) -> dict[str, r.Quantity]:
    """measure -> program arrestees minus the comparison group, in percentage points."""
    return {
        measure: r.difference(run.get(a), run.get(b), f"{measure}: program arrestees minus comparison")
        for measure, _, a, b, _ in DUE_PROCESS_PAIRS
    }


def removals_by_year(run: Reader) -> tuple[pd.DataFrame, dict[int, r.Quantity]]:
    """ICE's removals per fiscal year with the convicted share where ICE published the convicted count:
    (the table `figure_charts.removals_chart` draws, fiscal year -> convicted share as a Quantity)."""
    rows, shares = [], {}
    for year, total_id, conv_id in REMOVAL_YEARS:
        ids = [total_id] + ([conv_id] if conv_id else [])
        picked = run.select(ids)
        total = run.get(total_id)
        if conv_id:
            shares[year] = r.share(run.get(conv_id), total, f"FY{year}: convicted share of removals")
        rows.append(
            {
                "fiscal_year": year,
                "total": total.value,
                "total_qualifier": total.qualifier,
                "total_metric": picked["metric"].iloc[0],
                "convicted": run.get(conv_id).value if conv_id else float("nan"),
                "convicted_pct": shares[year].value if conv_id else float("nan"),
                "convicted_pct_qualifier": shares[year].qualifier if conv_id else "",
                "figure_id": " ".join(ids),
                "source_id": " ".join(dict.fromkeys(picked["source_id"])),
            }
        )
    return pd.DataFrame(rows), shares


def program_share_rows(run: Reader) -> tuple[pd.DataFrame, dict[str, r.Quantity]]:
    """GAO's share of removals attributable to the program and the count it implies, per fiscal year:
    (the table `figure_charts.sc_share_chart` draws, label -> implied count as a Quantity)."""
    implied, counts = {}, {}
    for label, share_id, total_id in PROGRAM_SHARES:
        share, total = run.get(share_id), run.get(total_id)
        counts[label] = r.applied_share(share, total, f"{label} removals implied by GAO's share")
        implied[label] = (share, total, counts[label])
    table = tables.implied_counts_table(implied)
    metric = {label: run.select([total_id])["metric"].iloc[0] for label, _, total_id in PROGRAM_SHARES}
    return table.assign(all_removals_metric=table["label"].map(metric)), counts


# place -> the four stages' figures: fingerprints, immigration matches, ICE arrests, removals
FUNNEL_IDS = {
    "United States": ["FUN-030", "FUN-031", "FUN-032", "FUN-033"],
    "Texas": ["STA-011", "STA-012", "STA-013", "STA-014"],
    "Dallas County, TX": ["STA-015", "STA-016", "STA-017", "STA-018"],
}


# the 2011-2012 case review: (step as the chart labels it, figure, who published it)
CASE_REVIEW_STEPS = (
    ("cases to review (DHS)", "CRV-002", "DHS / ICE (as reported)"),
    ("pending in court, Sept. 30, 2011 (TRAC)", "CRV-003", "TRAC"),
    ("reviewed by May 29, 2012 (DHS)", "CRV-008", "DHS / ICE (as reported)"),
    ("reviewed by October 2012 (TRAC, as reported)", "CRV-035", "TRAC"),
    ("eligible for closure, May 29, 2012 (DHS)", "CRV-021", "DHS / ICE (as reported)"),
    ("closure offered, May 29, 2012 (DHS)", "CRV-009", "DHS / ICE (as reported)"),
    ("offer accepted, May 29, 2012 (DHS)", "CRV-011", "DHS / ICE (as reported)"),
    ("closed by May 31, 2012 (TRAC)", "CRV-015", "TRAC"),
    ("closed by June 28, 2012 (TRAC)", "CRV-023", "TRAC"),
    ("closed by October 2012 (TRAC, as reported)", "CRV-036", "TRAC"),
)


# (event, fiscal year) -> ICE's published annual totals for that year (two printed totals for some years)
PUBLISHED_TOTALS = {
    ("arrests", 2016): ["ERO-001"],
    ("arrests", 2017): ["ERO-002", "ERO-003"],
    ("arrests", 2018): ["ERO-004"],
    ("arrests", 2019): ["ERO-005"],
    ("removals", 2016): ["ERO-006"],
    ("removals", 2017): ["ERO-007"],
    ("removals", 2018): ["ERO-008", "ERO-009"],
    ("removals", 2019): ["ERO-010"],
}


# ---------------------------------------------------------------- the model notebooks' chart inputs

COX_COVARIATES = ("noncitizen_share", "log_population", "border_100km", "g287")
