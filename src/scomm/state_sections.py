"""The report's section on each state (and DC): its rollout by fiscal year, every figure about it and
its counties with sources, its declined detainers and 287(g) agreements, and the derived numbers that
use its figures."""

from __future__ import annotations

import html
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import pandas as pd

from scomm.detainers import PLACED_BY, state_html
from scomm.fmt import ordinal
from scomm.place_profile import ratios_using
from scomm.rollout_counts import state_spans
from scomm.source_names import source_label, source_labels


@dataclass(frozen=True)
class StateSection:
    """A state's report section without the derived numbers, which need the build's ratios: the HTML
    before and after where they go, and the figure ids they would use."""

    head: str
    figure_ids: tuple[str, ...]
    tail: str

    def html(self, ratios: pd.DataFrame | None = None) -> str:
        """The whole section, with the derived numbers (rows of `ratios`) that use its figures."""
        derived = ratios_using(self.figure_ids, ratios) if self.figure_ids else None
        middle = (
            "<ul>" + "".join(f"<li>{html.escape(str(t))}</li>" for t in derived["text"]) + "</ul>"
            if derived is not None and len(derived)
            else None
        )
        return "\n".join(p for p in (self.head, middle, self.tail) if p is not None)


class StateRows(NamedTuple):
    """One state's rows of each table a section reads, and its two-digit FIPS code."""

    fips: str
    counties: list[tuple[str, pd.Timestamp]]  # (county, activated) in the activation list's order
    own: set[str]  # geography labels of the state itself
    in_counties: set[str]  # geography labels of its counties
    figures: list[Any]  # figures about those places (rows of `figures.itertuples()`), in table order
    declines: pd.DataFrame  # declined detainers at facilities placed in its counties
    sheriffs: pd.DataFrame  # its sheriffs' rows of the 287(g) panel


@dataclass(frozen=True)
class StateTables:
    """The tables the state sections read: activations, states, figures, sources, places, and the declined
    detainers by facility and the Post's 287(g) panel (`detainers.lookup_tables` of the same data). What
    every section needs is worked out once here (`by_state`), so 51 sections do not each filter every table."""

    acts: pd.DataFrame
    sts: pd.DataFrame
    figures: pd.DataFrame
    sources: pd.DataFrame
    plc: pd.DataFrame
    declines: pd.DataFrame
    wapo: pd.DataFrame

    @cached_property
    def spans(self) -> pd.DataFrame:
        """`state_spans`, one row per state, indexed by state."""
        return state_spans(self.acts, self.sts).set_index("state")

    @cached_property
    def span_rows(self) -> dict[str, Any]:
        """State -> its row of `spans` (first, statewide, days, counties, state_name, source_id)."""
        return {row.Index: row for row in self.spans.itertuples()}

    @cached_property
    def first_days(self) -> list[pd.Timestamp]:
        """Every state's first activation day, in order (a state's rank is where its own day falls)."""
        return sorted(self.spans["first"])

    @cached_property
    def labels(self) -> dict[str, str]:
        return source_labels(self.sources)

    @cached_property
    def by_state(self) -> dict[str, StateRows]:
        """State -> its rows of each table (`StateRows`)."""
        fips = self.sts.set_index("state")["state_fips"].astype(str)
        code = self.plc["place_code"].astype(str)
        county = self.plc["place_type"] == "county"
        place_state = code.where(~county, code.str[:2].map({f: st for st, f in fips.items()}))
        places = {st: part for st, part in self.plc.groupby(place_state.where(county | code.isin(fips.index)))}
        declines = self.declines[self.declines["placed_by"].isin(PLACED_BY)]
        decl = {st: part for st, part in declines.groupby("state", observed=True)}
        sheriffs = self.wapo[self.wapo["fips"].notna()]
        posts = {f: part for f, part in sheriffs.groupby(sheriffs["fips"].astype(str).str[:2])}
        counties: dict[str, list[tuple[str, pd.Timestamp]]] = {}
        for st, county, day in zip(self.acts["state"], self.acts["county"], self.acts["activated"]):
            counties.setdefault(st, []).append((county, day))
        figures_at: dict[str, list[Any]] = {}
        for row in self.figures.itertuples():  # once: 51 sections each pick their places' rows
            figures_at.setdefault(row.geography, []).append(row)
        out = {}
        for st, state_fips in fips.items():
            plc = places.get(st, self.plc.iloc[:0])
            labels = set(plc["geography"])
            own, in_counties = set(), set()
            for place_code, place_type, geography in zip(plc["place_code"], plc["place_type"], plc["geography"]):
                if place_code == st:
                    own.add(geography)
                if place_type == "county" and str(place_code)[:2] == state_fips:
                    in_counties.add(geography)
            out[st] = StateRows(
                state_fips,
                counties.get(st, []),
                own,
                in_counties,
                sorted((r for g in labels for r in figures_at.get(g, [])), key=lambda r: r.Index),
                decl.get(st, declines.iloc[:0]),
                posts.get(state_fips, self.wapo.iloc[:0]),
            )
        return out


def state_section(state: str, tables: StateTables) -> StateSection:
    """A state's (or DC's) section: its rollout (first county, statewide date, counties activated per fiscal
    year), every figure about it and its counties, with sources, and its declined detainers and 287(g)
    agreements. (Plain Python over the state's rows: 51 sections of a few rows each.)"""
    e = html.escape
    labels, sources = tables.labels, tables.sources
    state_fips, counties, own, in_counties, found, declines, sheriffs = tables.by_state[state]
    s = tables.span_rows[state]
    rank = bisect_left(tables.first_days, s.first) + 1  # states that started before it, plus one
    first_names = [county for county, day in counties if day == s.first]
    # federal fiscal years, as `rollout_counts.fiscal_year` counts them (FY2011 = October 2010 to September 2011)
    by_fy = sorted(Counter(day.year + (day.month >= 10) for _, day in counties).items())
    fy_rows, active = [], 0
    for fy, n in by_fy:
        active += n
        fy_rows.append(
            f"<tr><td>FY{fy}</td><td>{n:,}</td><td>{active:,}</td><td>{active / len(counties) * 100:.1f}%</td></tr>"
        )
    parts = [
        f"<section class='state' id='state-{e(state.lower())}'>",
        f"<h3>{e(str(s.state_name))} ({e(state)})</h3>",
        f"<p>First county activated: {s.first:%Y-%m-%d} ({e(', '.join(first_names))}); {ordinal(rank)} of "
        f"{len(tables.first_days)} states and DC to start. Active statewide: {s.statewide:%Y-%m-%d}, {s.days:,} days "
        f"after the first county. Counties in the list: {s.counties:,}.</p>",
        "<table><tr><th>fiscal year</th><th>counties activated</th><th>active by its end</th><th>share</th></tr>",
        "".join(fy_rows),
        "</table>",
    ]
    # figures about the state itself, then those about its counties, each oldest first (`figures_about`,
    # `figures_in_state`)
    about = [
        r
        for labels_of in (own, in_counties)
        for r in sorted((r for r in found if r.geography in labels_of), key=lambda r: (r.period_end, r.figure_id))
    ]
    ids: tuple[str, ...] = ()
    if about:
        parts.append(f"<p>Figures about {e(str(s.state_name))} and its counties ({len(about)}):</p>")
        parts.append(
            "<table><tr><th>figure</th><th>place</th><th>what</th><th>as printed</th><th>period</th>"
            "<th>source</th></tr>"
        )
        for r in about:
            when = f"{r.period_start:%Y-%m-%d}" + (
                "" if r.period_start == r.period_end else f" to {r.period_end:%Y-%m-%d}"
            )
            parts.append(
                f"<tr><td>{e(r.figure_id)}</td><td>{e(r.geography)}</td><td>{e(r.metric)}</td>"
                f"<td>{e(str(r.as_printed))}</td><td>{when}</td>"
                f"<td>{e(source_label(sources, r.source_id, labels))}, {e(str(r.locator))}</td></tr>"
            )
        parts.append("</table>")
        ids = tuple(r.figure_id for r in about)
    else:
        parts.append(f"<p>No figure in data/figures.csv is about {e(str(s.state_name))} or one of its counties.</p>")
    parts.append(state_html(state, state_fips, declines, sheriffs))  # declined detainers, 287(g) agreements
    tail = f"<p class='source'>Dates: {e(source_label(sources, s.source_id, labels))}.</p></section>"
    return StateSection("\n".join(parts), ids, tail)


def state_section_html(state: str, tables: StateTables, ratios: pd.DataFrame | None = None) -> str:
    """One <section> for a state (or DC), with the derived numbers (rows of `ratios`) that use its figures."""
    return state_section(state, tables).html(ratios)


def states_sections(tables: StateTables) -> list[StateSection]:
    """Every state's section (and DC's), in alphabetical order of name, without the derived numbers."""
    return [state_section(st, tables) for st in tables.sts.sort_values("state_name")["state"]]


def states_html(
    tables: StateTables, ratios: pd.DataFrame | None = None, sections: list[StateSection] | None = None
) -> str:
    """Every state's section (and DC's), in alphabetical order of name, as one HTML string; `sections`
    from `states_sections` when they were built beforehand."""
    sections = states_sections(tables) if sections is None else sections
    return "\n".join(section.html(ratios) for section in sections)
