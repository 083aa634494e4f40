"""County and state boundaries from TopoJSON, and the county map of the rollout.

TopoJSON stores each boundary line (arc) once, as delta-encoded integers with a scale and translate;
shapes list the arcs they follow (a negative index ~i means arc i reversed). `decode_arcs` undoes the
encoding for all arcs at once in numpy; `shapes` stitches rings from arcs. The map draws every county
as one PolyCollection (one draw call), larger shapes first so counties enclosed by another (Virginia's
independent cities) stay on top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.patches import Patch

from scomm import charts, fmt
from scomm.fmt import day_month_year, month_year
from scomm.rollout_counts import fiscal_year
from scomm.schema import source_ids
from scomm.vendor import read_atlas

MAP_SOURCE = source_ids("county_boundaries")  # Census boundaries (us-atlas), as data/datapackage.json lists them
CHANGE_SOURCE = source_ids("county_changes")  # Census county changes (codes split or renamed)
MISSING_COLOR = "#ffffff"


@dataclass(frozen=True)
class Shape:
    """One feature: its id (FIPS), name, and polygons (each a list of rings, exterior ring first)."""

    id: str
    name: str
    polygons: tuple[tuple[np.ndarray, ...], ...]


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Every arc as an (n, 2) array of coordinates (quantized deltas summed, then scaled and translated)."""
    arcs = topology["arcs"]
    lengths = np.fromiter((len(a) for a in arcs), dtype=np.int64, count=len(arcs))
    points = np.array([p[:2] for a in arcs for p in a], dtype=np.float64)
    transform = topology.get("transform")
    if transform:
        total = np.cumsum(points, axis=0)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        before = np.where(starts[:, None] > 0, total[np.maximum(starts - 1, 0)], 0.0)  # running sum before each arc
        points = (total - np.repeat(before, lengths, axis=0)) * transform["scale"] + transform["translate"]
    return np.split(points, np.cumsum(lengths)[:-1])


def _ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if k == 0 else arc[1:])  # consecutive arcs share their end point
    return np.concatenate(parts)


def shapes(topology: dict, name: str, arcs: list[np.ndarray] | None = None) -> list[Shape]:
    """The features of object `name` ("counties", "states") as Shapes."""
    arcs = decode_arcs(topology) if arcs is None else arcs
    out = []
    for g in topology["objects"][name]["geometries"]:
        if g["type"] == "Polygon":
            polys = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polys = g["arcs"]
        else:
            continue
        rings = tuple(tuple(_ring(r, arcs) for r in poly) for poly in polys)
        out.append(Shape(str(g.get("id", "")), str(g.get("properties", {}).get("name", "")), rings))
    return out


@lru_cache(maxsize=1)
def atlas() -> tuple[tuple[Shape, ...], tuple[Shape, ...]]:
    """(county shapes, state shapes) of the vendored Albers USA file (Alaska and Hawaii inset)."""
    topology = read_atlas()
    arcs = decode_arcs(topology)
    return tuple(shapes(topology, "counties", arcs)), tuple(shapes(topology, "states", arcs))


def _area(ring: np.ndarray) -> float:
    """Shoelace area, summed exactly (math.fsum): np.dot's rounding depends on the CPU, and the draw order of
    tiny rings follows their areas, so a CPU-dependent sum would change the exported bytes between machines."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(math.fsum((x * np.roll(y, 1) - y * np.roll(x, 1)).tolist()))


def map_dates(acts: pd.DataFrame, changes: pd.DataFrame, counties: tuple[Shape, ...]) -> pd.DataFrame:
    """One row per county shape: the list row whose date it takes (its own code, else the list code it came from).

    Columns: map_fips, map_name, fips (list code), county, state, activated, via (how it was matched:
    'same code', the Census change such as 'split (02280)', or 'not in the list'), source_id.
    """
    shapes_ = pd.DataFrame({"map_fips": [s.id for s in counties], "map_name": [s.name for s in counties]})
    listed = set(acts["fips"])
    via_change = changes.drop_duplicates("map_fips").set_index("map_fips")
    own = shapes_["map_fips"].isin(listed)
    changed = shapes_["map_fips"].map(via_change["list_fips"]).where(~own)
    changed = changed.where(changed.isin(listed))
    shapes_["fips"] = shapes_["map_fips"].where(own, changed)
    cols = ["fips", "county", "state", "activated", "source_id"]
    table = shapes_.merge(acts[cols].astype({"state": str}), on="fips", how="left")
    kind = shapes_["map_fips"].map(via_change["change"].astype(str))
    table["via"] = np.where(
        own,
        "same code",
        np.where(table["fips"].notna(), kind + " (" + table["fips"].fillna("") + ")", "not in the list"),
    )
    table["source_id"] = np.where(
        own,
        table["source_id"] + f" {MAP_SOURCE}",
        np.where(table["fips"].notna(), table["source_id"] + f" {MAP_SOURCE} {CHANGE_SOURCE}", MAP_SOURCE),
    )
    table[["fips", "county", "state"]] = table[["fips", "county", "state"]].fillna("")
    return table[["map_fips", "map_name", "fips", "county", "state", "activated", "via", "source_id"]]


def fill_counties(
    ax, shade: np.ndarray, edgecolor: str | None, linewidth: float
) -> tuple[list[np.ndarray], np.ndarray]:
    """Every county drawn in one collection, `shade[i]` the colour of the i-th county shape (`edgecolor` None:
    edges in the fill colour); returns (rings, owner) for overlays such as hatching."""
    rings, owner = _county_rings()
    ax.add_collection(
        PolyCollection(
            rings,
            facecolors=shade[owner],
            edgecolors=shade[owner] if edgecolor is None else edgecolor,
            linewidths=linewidth,
        )
    )
    return rings, owner


def outline_states(ax, states, edgecolor: str = "#222222", linewidth: float = 0.35) -> None:
    """State outlines over the counties, and the frame of the projected map (no axes; y points down)."""
    outlines = [poly[0] for s in states for poly in s.polygons]
    ax.add_collection(PolyCollection(outlines, facecolors="none", edgecolors=edgecolor, linewidths=linewidth))
    ax.set_xlim(0, 975)
    ax.set_ylim(610, 0)  # the projected file's y axis points down
    ax.set_aspect("equal")
    ax.axis("off")


@lru_cache(maxsize=1)
def _county_rings() -> tuple[list[np.ndarray], np.ndarray]:
    """Exterior rings of every county polygon, largest first, and the index of the shape each belongs to."""
    counties, _ = atlas()
    rings, owner, areas = [], [], []
    for k, s in enumerate(counties):
        for poly in s.polygons:
            rings.append(poly[0])
            owner.append(k)
            areas.append(_area(poly[0]))
    order = sorted(range(len(areas)), key=lambda i: (-areas[i], i))  # largest first; ties in shape order
    return [rings[i] for i in order], np.asarray(owner)[order]


def period_classes(dates: pd.Series, by: str = "fiscal_year") -> pd.Series:
    """Class label of each date: 'FY2011' (by='fiscal_year') or 'FY2011 Q2' (by='quarter', federal quarters)."""
    fy = fiscal_year(dates)
    if by == "fiscal_year":
        return "FY" + fy.astype("Int64").astype(str)
    if by == "quarter":
        q = ((dates.dt.month - 10) % 12) // 3 + 1
        return "FY" + fy.astype("Int64").astype(str) + " Q" + q.astype("Int64").astype(str)
    raise ValueError(f"by must be 'fiscal_year' or 'quarter', not {by!r}")


def sequential_colors(n: int) -> list[str]:
    """n colours from dark (earliest) to light (latest), evenly spaced in lightness (reads in grey-scale)."""
    cmap = colormaps["YlGnBu"]
    return [to_hex(cmap(v)) for v in np.linspace(0.95, 0.2, n)]  # the lightest class stays off white paper


def _fy_span(label: str) -> str:
    fy = int(label[2:6])
    if len(label) == 6:
        return f"October {fy - 1} to September {fy}"
    q = int(label[-1])
    start = pd.Timestamp(fy - 1, 10, 1) + pd.DateOffset(months=3 * (q - 1))
    end = start + pd.DateOffset(months=2)
    return f"{month_year(start)} to {month_year(end)}"


def rollout_map(acts: pd.DataFrame, changes: pd.DataFrame, sources: pd.DataFrame, by: str = "fiscal_year"):
    """County map of the US coloured by when Secure Communities was activated; returns (fig, table).

    The table has one row per county shape with the list row it takes its date from; the title and legend
    count those rows (counties as drawn, the chart's CSV), and the note gives the number of rows in ICE's list.
    """
    counties, states = atlas()
    table = map_dates(acts, changes, counties)
    table["period"] = period_classes(table["activated"], by)
    dated = table[table["activated"].notna()]
    labels = sorted(dated["period"].unique())
    colors = dict(zip(labels, sequential_colors(len(labels))))
    per_class = dated["period"].value_counts()  # counties as drawn: the rows of the chart's CSV
    state_of = {shape.id: shape.name for shape in states}
    in_state = dated["map_fips"].str[:2].map(state_of)
    first = labels[0]
    first_states = in_state[dated["period"] == first].value_counts()
    last_day = dated["activated"].max()
    last_states = in_state[dated["activated"] == last_day].value_counts()
    n_last = int(last_states.sum())
    fig, ax = charts.new_figure(
        f"{first_states.index[0]} led the first year ({first_states.iloc[0]:,} of the {per_class[first]:,} counties "
        f"activated in {first}); the last {n_last:,}, in "
        + fmt.join_words([f"{name} ({count:,})" for name, count in last_states.items()])
        + f", joined on {day_month_year(last_day)}",
        f"Federal fiscal year in which Secure Communities was activated in each county, "
        f"{month_year(acts['activated'].min())} to {month_year(last_day)} (Alaska and Hawaii inset, not to scale)",
        figsize=(6.3, 6.6),
    )
    shade = table["period"].map(colors).fillna(MISSING_COLOR).to_numpy()  # table rows follow the shapes' order
    fill_counties(ax, shade, "#ffffff", 0.08)
    outline_states(ax, states)
    handles = [
        Patch(facecolor=colors[c], edgecolor="#999999", linewidth=0.4, label=f"{c} ({_fy_span(c)}): {per_class[c]:,}")
        for c in labels
    ]
    if (table["via"] == "not in the list").any():
        handles.append(Patch(facecolor=MISSING_COLOR, edgecolor="#999999", label="no date in the list"))
    ax.legend(
        handles=handles,
        loc="upper center",
        fontsize=7,
        ncol=2 if len(labels) <= 8 else 3,
        title="activated in (number of counties on the map)",
        title_fontsize=7.5,
        bbox_to_anchor=(0.5, 0.0),
    )
    changed = table[~table["via"].isin(["same code", "not in the list"])]
    extra = (
        f"Dates from ICE's list of activated jurisdictions ({len(acts):,} rows); the map draws the "
        f"{len(table):,} counties of 2017, and {len(changed)} of them take the date of the list code they were "
        "split or renamed from (the Census Bureau's record of county changes). Counts in the legend are counties on the map, "
        "as in the chart's CSV file."
    )
    charts.add_source_note(fig, table, sources, extra=extra)
    # the map keeps its shape: full width, directly under the header; legend and note below it
    top = fig.subplotpars.top + 0.35 / fig.get_size_inches()[1]  # less air under the header than for charts
    width_in, height_in = fig.get_size_inches()
    width = 0.96
    height = width * width_in * 610 / 975 / height_in
    ax.set_position([0.02, top - height, width, height])
    return fig, table
