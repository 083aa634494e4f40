"""Published ratios, recomputed from the counts they derive from.

Each entry names a percentage (or count) that a source printed, the figure rows it should follow
from, and how to compute it with `scomm.ratios`. `run_all` checks every entry the data supports,
so a notebook, a test or the audit can show which published numbers reproduce and which do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from scomm import ratios as r


@dataclass(frozen=True)
class PublishedRatio:
    """A published number and the computation that should reproduce it."""

    check_id: str  # the dossier's check id (X01 ...)
    statement: str
    published_id: str
    compute: Callable[[Callable[[str], r.Quantity]], r.Quantity]


def _share(a: str, b: str):
    return lambda g: r.share(g(a), g(b))


def _growth(old: str, new: str):
    return lambda g: r.growth(g(old), g(new))


def _sum(*ids: str):
    return lambda g: r.total(g(i) for i in ids)


PUBLISHED: list[PublishedRatio] = [
    PublishedRatio("X01", "FY2013: 59 percent of ICE removals previously convicted", "ANN-048", _share("ANN-047", "ANN-043")),
    PublishedRatio("X03", "FY2013: 41.2% of removals had no criminal history",
                   "ANN-055", lambda g: r.complement(r.share(g("ANN-047"), g("ANN-043")))),
    PublishedRatio("X04", "FY2013: 82 percent of interior removals previously convicted", "ANN-045", _share("ANN-049", "ANN-044")),
    PublishedRatio("X06", "FY2013: Level 1 + 2 + 3 = convicted removals", "ANN-047", _sum("ANN-051", "ANN-052", "ANN-053")),
    PublishedRatio("X07", "FY2013: interior + border = all removals", "ANN-043", _sum("ANN-044", "ANN-046")),
    PublishedRatio("X08", "FY2013: interior + border convicted = convicted", "ANN-047", _sum("ANN-049", "ANN-050")),
    PublishedRatio("X09", "FY2014: 56 percent of removals previously convicted", "ANN-067", _share("ANN-066", "ANN-061")),
    PublishedRatio("X10", "FY2014: 85 percent of interior removals convicted", "ANN-064", _share("ANN-063", "ANN-062")),
    PublishedRatio("X13a", "FY2014: Level 1 + 2 + 3 = convicted removals", "ANN-066", _sum("ANN-072", "ANN-073", "ANN-074")),
    PublishedRatio("X13b", "FY2014: interior + border = all removals", "ANN-061", _sum("ANN-062", "ANN-065")),
    PublishedRatio("X13c", "FY2014: convicted + non-criminal = all removals", "ANN-061", _sum("ANN-066", "ANN-070")),
    PublishedRatio("X14", "FY2011: 'nearly 55 percent' of removals convicted", "ANN-022", _share("ANN-021", "ANN-020")),
    PublishedRatio("X15", "FY2012: 'approximately 55 percent' convicted", "ANN-035", _share("ANN-034", "ANN-033")),
    PublishedRatio("X16", "FY2012 minus FY2011 removals", "ANN-037", lambda g: r.difference(g("ANN-033"), g("ANN-020"))),
    PublishedRatio("X18", "FY2010: half of removals were convicted criminals", "ANN-019", _share("ANN-013", "ANN-012")),
    PublishedRatio("X23", "PD closures to 31 May 2012: 1.5 percent of the backlog", "CRV-016", _share("CRV-015", "CRV-003")),
    PublishedRatio("X24", "PD closures to 28 June 2012: 1.9 percent of the backlog", "CRV-024", _share("CRV-023", "CRV-003")),
    PublishedRatio("X27", "Oct 2012: 2.7% of reviewed cases closed", "CRV-037", _share("CRV-036", "CRV-035")),
    PublishedRatio("X30", "Projected suspensions: 3.7% of cases reviewed", "CRV-013", _share("CRV-012", "CRV-008")),
    PublishedRatio("X31", "July 2012: 6.4% provisionally eligible", "CRV-032", _share("CRV-031", "CRV-030")),
    PublishedRatio("X32", "June 2012: 20,648 eligible = 7.2% of about 300,000", "CRV-022", _share("CRV-021", "CRV-002")),
    PublishedRatio("X35", "FY2012 average monthly detainers", "DET-008",
                   lambda g: r.per_period(g("DET-007"), 12, "detainers_per_month")),
    PublishedRatio("X36", "Detainers down 19 percent (FY2013 Oct-Jan vs FY2012)", "DET-010", _growth("DET-008", "DET-009")),
    PublishedRatio("X38", "FY2017 vs FY2012 detainers: -48.4%", "DET-020", _growth("DET-014", "DET-019")),
    PublishedRatio("X41", "California: 31 percent of removals Level 1", "STA-006", _share("STA-005", "STA-003")),
    PublishedRatio("X42", "California 2009-10: 26 percent non-criminal", "STA-009", _share("STA-008", "STA-007")),
    PublishedRatio("X43", "Oct 2008 - Mar 2010: fifteen percent Level 1", "FUN-014", _share("FUN-013", "FUN-012")),
    PublishedRatio("X49", "Level 1 (>11,000) + Level 2/3 (>100,000) identified = more than 111,000", "FUN-003",
                   _sum("FUN-004", "FUN-006")),
    PublishedRatio("X50", "NYIFUP: 48% vs 4% is a 1,100 percent increase", "CNS-003", _growth("CNS-002", "CNS-001")),
    PublishedRatio("X52", "SAFE: 12 members + 6 new = 18", "CNS-010", _sum("CNS-009", "CNS-012")),
]

# Published ratios of the dossier that the data cannot check yet, and why (listed in the audit notebook).
NOT_SUPPORTED: dict[str, str] = {
    "X02/X05/X17/X19/X21-X22/X25-X26/X28/X29/X34": "the published percentage is printed only inside another row's text, not as a row of its own",
    "X20/X46/X47/X56/X60": "implied-base consistency checks with no published counterpart; computed in the notebooks instead",
    "X11/X12": "the published 89 and 98 percent (FY2014) are not rows of the data",
    "X37/X39/X40/X44/X48/X51/X53-X55/X57-X59": "cross-source comparisons; shown in the audit and removals notebooks, not as a single published number",
    "X45": "the San Francisco audit counts 73 and 38 of 122 are not rows of the data (only the printed 59% and 32%)",
}


def run_all(figures: pd.DataFrame) -> tuple[list[tuple[PublishedRatio, r.Check]], list[tuple[PublishedRatio, str]]]:
    """Check every published ratio; returns (checked, skipped) where skipped gives the missing figure_ids."""
    get = r.getter(figures)
    have = set(figures["figure_id"])
    checked, skipped = [], []
    for spec in PUBLISHED:
        try:
            computed = spec.compute(get).named(spec.statement)
        except KeyError as err:
            skipped.append((spec, f"figure {err.args[0]} not in the data"))
            continue
        if spec.published_id not in have:
            skipped.append((spec, f"published figure {spec.published_id} not in the data"))
            continue
        published = get(spec.published_id)
        as_printed = figures.loc[figures["figure_id"] == spec.published_id, "value"].iloc[0]
        decimals = r.printed_decimals(f"{as_printed:g}")
        checked.append((spec, r.check_published(computed, published, decimals)))
    return checked, skipped


def results_table(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per published ratio: check id, statement, computed, published, reproduces, figure ids."""
    checked, skipped = run_all(figures)
    rows = [
        {
            "check_id": spec.check_id,
            "statement": spec.statement,
            "computed": c.computed.value,
            "computed_qualifier": c.computed.qualifier,
            "published": c.published.value,
            "published_qualifier": c.published.qualifier,
            "unit": c.published.unit,
            "reproduces": c.reproduces,
            "rule": c.rule,
            "figure_id": " ".join(dict.fromkeys(c.computed.figure_ids + c.published.figure_ids)),
            "source_id": " ".join(dict.fromkeys(c.computed.source_ids + c.published.source_ids)),
        }
        for spec, c in checked
    ]
    rows += [
        {"check_id": spec.check_id, "statement": spec.statement, "computed": float("nan"), "computed_qualifier": "",
         "published": float("nan"), "published_qualifier": "", "unit": "", "reproduces": None, "rule": why,
         "figure_id": "", "source_id": ""}
        for spec, why in skipped
    ]
    return pd.DataFrame(rows)
