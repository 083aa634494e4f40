"""How every text of the project names a source: its publisher and the year it published, 'ICE (2013)'.

`source_name` is the one function that does it; chart notes, legends, running text, the report's
source lines, the state sections and `scomm place` all call it, choosing only how much of the publisher
to keep (`cut`, `width`), whether to add the year, and any markup around the publisher (a link).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

import pandas as pd

from scomm.fmt import published_year

# How much of the publisher to keep: the text before the first of these separators.
FULL: tuple[str, ...] = ()  # 'TRAC, Syracuse University (2010)'
NO_DETAIL = (" (",)  # without a bracketed detail: 'ICE' for 'ICE (Office of Public Affairs)'
RUNNING_TEXT = (" (", ", ")  # for a sentence: 'TRAC' for 'TRAC, Syracuse University'
FIRST_NAMED = (" (", ";")  # the first of several publishers listed with ';'


def source_name(
    sources: pd.DataFrame,
    source_id: str,
    *,
    cut: Sequence[str] = FULL,
    width: int | None = None,
    dated: bool = True,
    markup: Callable[[str], str] | None = None,
) -> str:
    """The source `source_id` of the sources table in words: 'Homeland Security Newswire (2011)'.

    `sources` may be indexed by source_id already (faster when many sources are named). The publisher
    is kept up to the first of the separators in `cut`, then shortened to `width` characters ('...'
    marks the cut); `dated` adds the year, as far as the source's date is known ('undated' otherwise);
    `markup` wraps the publisher's words (for HTML: escaped and linked).
    """
    table = sources if sources.index.name == "source_id" else sources.set_index("source_id")
    row = table.loc[source_id]
    name = str(row["author_or_publisher"])
    for separator in cut:
        name = name.split(separator)[0]
    if width is not None:
        name = textwrap.shorten(name, width, placeholder="...")
    if markup is not None:
        name = markup(name)
    if not dated:
        return name
    return f"{name} ({published_year(row['published'], row.get('published_precision', 'year'))})"


REPOST_VERBS = ("reposted", "reproduced", "excerpted", "republished", "copied", "quoted")  # how a copy says it copies


def copy_read(sources: pd.DataFrame, source_id: str) -> str:
    """Whose copy of a text the project read, in words, for a repost or mirror: 'ICE text reposted on alipac.us
    forum', 'U.S. Immigration and Customs Enforcement memorandum reproduced by a law firm', 'U.S. Immigration and
    Customs Enforcement text reposted by Security Magazine'. Built from the sources table: the repost's own
    publisher (`author_or_publisher`, whose bracketed detail says how it copies) and, where that detail is missing,
    the `original_publisher` it copies. Any other kind of source is named as `source_name` names it (no year)."""
    table = sources if sources.index.name == "source_id" else sources.set_index("source_id")
    row = table.loc[source_id]
    if str(row.get("kind")) != "repost or mirror":
        return source_name(table, source_id, cut=FIRST_NAMED, dated=False)
    carrier = str(row["author_or_publisher"]).strip()
    original = str(row.get("original_publisher") or "").split(" (")[0].strip()
    name, _, detail = carrier.partition(" (")
    detail = detail.rstrip(")").strip()
    if detail.startswith("repost of "):  # 'Radio On Fire (repost of Fox News)'
        return f"{detail.removeprefix('repost of ')} text reposted by {name}"
    if detail and detail.split()[0] in REPOST_VERBS:  # 'UPI (reposted by Gephardt Daily)'
        return f"{name} text {detail}"
    if detail and any(verb in detail.split() for verb in REPOST_VERBS):  # '... (memorandum reproduced by a law firm)'
        return f"{name} {detail}"
    if " via " in name or not original or original == "nan":  # 'TRAC via memorybase.org'
        return carrier
    return f"{original}, as posted by {name}" if original[:1].islower() else f"{original} text reposted by {name}"


def source_labels(sources: pd.DataFrame) -> dict[str, str]:
    """Every source by id as 'S25 ImmigrationWire (2011)': its id and `source_name`."""
    table = sources.set_index("source_id")
    return {sid: f"{sid} {source_name(table, sid)}" for sid in table.index}


def source_label(sources: pd.DataFrame, source_id: str, labels: dict[str, str] | None = None) -> str:
    """'S25 ImmigrationWire (2011)' for each id in `source_id` (space-separated), joined by '; '.

    `labels` (from `source_labels`) saves rebuilding the lookup when many rows are labelled."""
    labels = source_labels(sources) if labels is None else labels
    return "; ".join(labels.get(sid, sid) for sid in str(source_id).split())
