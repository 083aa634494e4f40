"""Finding a place by what a reader types: a county ('Dallas County, TX', 'Dallas, TX', '48113'), a state
('TX', 'Texas') or a geography label of figures.csv; close matches are named when nothing matches."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import pandas as pd

NAME_SUFFIXES = ("county", "parish", "borough", "city and borough", "census area", "municipality", "city")


class PlaceLookupError(LookupError):
    """A name that matches no place, or more than one; the message lists the closest matches."""

    def __init__(self, message: str, matches: list[str]):
        super().__init__(message)
        self.matches = matches


@dataclass(frozen=True)
class Place:
    """A place found by `lookup`: a county (FIPS), a state (USPS code) or another geography label."""

    kind: str  # county, state, nation, city, group, court, nationality
    code: str
    name: str
    state: str | None = None
    labels: tuple[str, ...] = field(default=())  # geography labels of figures.csv about this place


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace(".", ""))


def _base(name: str) -> str:
    """A county name without its kind ("Dallas County" -> "dallas", "Richmond city" -> "richmond")."""
    n = _norm(name)
    for suffix in NAME_SUFFIXES:
        if n.endswith(" " + suffix):
            return n[: -len(suffix) - 1]
    return n


def county_label(row) -> str:
    """'Dallas County, TX'."""
    return f"{row['county']}, {row['state']}"


def lookup(query: str, acts: pd.DataFrame, sts: pd.DataFrame, plc: pd.DataFrame) -> Place:
    """Find a county ('Dallas County, TX', 'Dallas, TX', '48113'), a state ('TX', 'Texas') or a geography label.

    Raise PlaceLookupError, naming the closest matches, when nothing or more than one place matches.
    """
    q = _norm(query)
    labels_by_code: dict[str, list[str]] = {}
    for g, c in zip(plc["geography"], plc["place_code"]):
        labels_by_code.setdefault(c, []).append(g)
    state_rows = sts.set_index("state")

    def state_place(code: str) -> Place:
        return Place("state", code, str(state_rows.at[code, "state_name"]), code, tuple(labels_by_code.get(code, [])))

    def county_place(row) -> Place:
        return Place(
            "county", row["fips"], county_label(row), str(row["state"]), tuple(labels_by_code.get(row["fips"], []))
        )

    if re.fullmatch(r"[0-9]{4,5}", q):
        hit = acts[acts["fips"] == q.zfill(5)]
        if len(hit):
            return county_place(hit.iloc[0])
        raise PlaceLookupError(f"no county with FIPS code {q.zfill(5)} in the activation list", [])
    codes = {s.lower(): s for s in sts["state"]}
    if q in codes:
        return state_place(codes[q])
    names = {_norm(n): s for n, s in zip(sts["state_name"], sts["state"])}
    if q in names:
        return state_place(names[q])
    # a geography label of figures.csv ("San Francisco, CA", "New York City", "US")
    for g, c, t in zip(plc["geography"], plc["place_code"], plc["place_type"].astype(str)):
        if _norm(g) == q:
            if t == "county":
                return county_place(acts[acts["fips"] == c].iloc[0])
            if t == "state":
                return state_place(c)
            return Place(t, c, g, None, (g,))
    # "County name, ST" or "County name"
    name, _, st = q.rpartition(",") if "," in q else (q, "", "")
    name, st = name.strip(), st.strip()
    if st and st not in codes and st in names:
        st = names[st].lower()
    pool = acts if not st else acts[acts["state"].astype(str).str.lower() == st]
    full = pool[pool["county"].map(_norm) == name]
    hits = full if len(full) else pool[pool["county"].map(_base) == _base(name)]
    if len(hits) == 1:
        return county_place(hits.iloc[0])
    if len(hits) > 1:
        found = [county_label(r) for _, r in hits.iterrows()]
        how = "use the full name as listed" if st else 'add the state code ("Dallas County, TX")'
        raise PlaceLookupError(
            f"'{query}' matches {len(found)} places: {'; '.join(found)}. To choose one, {how} "
            "or give its 5-digit FIPS code",
            found,
        )
    candidates = list(
        dict.fromkeys([county_label(r) for _, r in acts.iterrows()] + list(sts["state_name"]) + list(plc["geography"]))
    )
    close = difflib.get_close_matches(query.strip(), candidates, n=5, cutoff=0.6)
    if not close:  # compare with the county part only ("Dalas County" -> all the Dallas counties)
        by_name = difflib.get_close_matches(name.title(), acts["county"].unique().tolist(), n=3, cutoff=0.7)
        close = [county_label(r) for _, r in acts[acts["county"].isin(by_name)].iterrows()][:8]
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise PlaceLookupError(f"no place called '{query}'{hint}", close)
