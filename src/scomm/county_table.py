"""Derive data/county_covariates.csv: one row per county of ICE's activation list with what the models of
who was switched on first need.

Run `python -m scomm.county_table` after replacing a raw snapshot; a test checks that the committed table is
exactly what this step derives. Columns and how each is made:

- activation date, state: data/activations.csv (ICE's list as digitized).
- non-citizen population in 2009 and its 90 % margin of error: ACS 5-year estimates
  (data/raw/population/non_citizen_pop.csv, year 2009), unchanged.
- population: the Census Bureau's 2010 county estimate (POPESTIMATE2010 of co-est2019-alldata), the earliest
  year the file holds; the non-citizen share divides the 2009 count by it (the years differ by one; said in
  the column's description). Its margin of error follows the Census Bureau's formula for a ratio whose
  denominator has no sampling error: MOE(share) = MOE(numerator) / denominator ("Understanding and Using
  American Community Survey Data", 2020, chapter 8).
- distance to the Mexican border: great-circle distance (haversine, Earth radius 6,371.0088 km) from the
  county's centroid to the nearest vertex of the U.S.-Mexico land border. The centroid is the area-weighted
  centroid of the county's polygons in longitude/latitude (planar); the border is the part of the outer
  boundary of California, Arizona, New Mexico and Texas in the Census Bureau's 2017 state boundaries
  (us-atlas states-10m) that runs from the Pacific end of the line to the mouth of the Rio Grande.
- 287(g) agreement in October 2009: a county- or sheriff-level agency named "<name> County ..." in the DHS
  Inspector General's roster of agreements in force on 28 October 2009 (OIG-10-63, appendix E, table 3), with
  status "signed". City police departments and state agencies are not counties: they are listed, not placed.
"""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pandas as pd

from scomm.maps import decode_arcs, shapes
from scomm.paths import DATA_DIR
from scomm.vendor import ATLAS_TGZ, RAW_DIR, to_csv

POPULATION_DIR = RAW_DIR / "population"
NONCITIZEN_CSV = POPULATION_DIR / "non_citizen_pop.csv"
CENSUS_CSV = POPULATION_DIR / "census_pop_county_2010_2019.csv"
AGREEMENTS_CSV = RAW_DIR / "agreements_287g" / "historical-oig-2009.csv"
OUT_CSV = DATA_DIR / "county_covariates.csv"
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
BORDER_STATES = {"06": "CA", "04": "AZ", "35": "NM", "48": "TX"}
SOURCES = "S101 S102 S356 S357 S355 S103"
COLUMNS = [
    "fips",
    "county",
    "state",
    "activated",
    "days_to_activation",
    "noncitizen_2009",
    "noncitizen_2009_moe",
    "population_2010",
    "noncitizen_share",
    "noncitizen_share_moe",
    "border_km",
    "g287_2009",
    "g287_agencies",
    "source_id",
]


# ---------------------------------------------------------------- geometry


def _atlas(member: str) -> dict:
    with tarfile.open(ATLAS_TGZ, "r:gz") as tar:
        stream = tar.extractfile(f"package/{member}")
        if stream is None:
            raise ValueError(f"{ATLAS_TGZ}: package/{member} is not a regular file")
        return json.load(stream)


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (numpy broadcasting)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def polygon_centroid(rings: list[np.ndarray]) -> tuple[float, float, float]:
    """(x, y, area) of polygons given as rings (holes count negative through their orientation)."""
    area = cx = cy = 0.0
    if sum(len(r) for r in rings) < 3:
        return 0.0, 0.0, 0.0
    for ring in rings:
        x, y = ring[:, 0], ring[:, 1]
        cross = x * np.roll(y, -1) - np.roll(x, -1) * y
        area += cross.sum() / 2
        cx += ((x + np.roll(x, -1)) * cross).sum() / 6
        cy += ((y + np.roll(y, -1)) * cross).sum() / 6
    if area == 0:
        return 0.0, 0.0, 0.0
    return cx / area, cy / area, area


def county_centroids() -> dict[str, tuple[float, float]]:
    """County FIPS -> (longitude, latitude) of its area-weighted centroid (us-atlas counties-10m)."""
    out = {}
    for shape in shapes(_atlas("counties-10m.json"), "counties"):
        parts = [p for p in (polygon_centroid(list(poly)) for poly in shape.polygons) if p[2] != 0]
        total = sum(p[2] for p in parts)
        if total == 0:  # a county too small to have area at this resolution: the mean of its vertices
            out[shape.id] = tuple(np.concatenate([r for poly in shape.polygons for r in poly]).mean(axis=0))
            continue
        out[shape.id] = (sum(p[0] * p[2] for p in parts) / total, sum(p[1] * p[2] for p in parts) / total)
    return out


def mexican_border() -> np.ndarray:
    """(n, 2) longitude/latitude vertices of the U.S.-Mexico land border, from the state boundaries.

    The outer arcs of the four border states (arcs used by one state only) hold the border and the coasts;
    Arizona's and New Mexico's southern outer arcs are all border; California's runs from the Arizona
    junction west to the Pacific (cut at the first vertex west of 117.1 degrees W) and then up the coast;
    Texas's runs along the Gulf coast to the Rio Grande's mouth (its easternmost vertex south of 26 degrees
    N) and then up the river to El Paso.
    """
    topo = _atlas("states-10m.json")
    arcs = decode_arcs(topo)
    owners: dict[int, set[str]] = {}

    def walk(item, state):
        for x in item:
            if isinstance(x, list):
                walk(x, state)
            else:
                owners.setdefault(x if x >= 0 else ~x, set()).add(state)

    for g in topo["objects"]["states"]["geometries"]:
        walk(g["arcs"], g["id"])
    parts = []
    for k, states in owners.items():
        if len(states) != 1 or not states & set(BORDER_STATES):
            continue
        arc, state = arcs[k], next(iter(states))
        if arc[:, 1].min() > 33.0:  # islands and coasts north of the border
            continue
        if state in ("04", "35"):
            parts.append(arc)
        elif state == "06":
            if arc[:, 0].max() < -115.0:  # islands off the coast: not joined to the Arizona end of the border
                continue
            west = np.flatnonzero(arc[:, 0] <= -117.1)
            parts.append(arc[: west[0] + 1])
        elif state == "48":
            south = np.flatnonzero(arc[:, 1] < 26.0)
            mouth = south[np.argmax(arc[south, 0])]
            parts.append(arc[mouth:])
    return np.concatenate(parts)


def border_distances(centroids: dict[str, tuple[float, float]], border: np.ndarray) -> dict[str, float]:
    """County FIPS -> km from its centroid to the nearest border vertex."""
    ids = list(centroids)
    pts = np.array([centroids[i] for i in ids])
    dist = haversine_km(pts[:, :1], pts[:, 1:], border[None, :, 0], border[None, :, 1]).min(axis=1)
    return dict(zip(ids, dist))


# ---------------------------------------------------------------- tables


def agreements_2009(path=AGREEMENTS_CSV) -> pd.DataFrame:
    """The OIG roster with the county each county-level agency names (`county_name`, blank for others)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["county_name"] = frame["agency"].str.extract(r"^(.+? County)\b", expand=False).fillna("")
    frame["in_force"] = (frame["status"] == "signed") & (frame["date_signed_original"] <= frame["as_of"])
    return frame


def derive() -> tuple[pd.DataFrame, list[str]]:
    """(the county table, the agencies of the 287(g) roster not placed in a county)."""
    act = pd.read_csv(DATA_DIR / "activations.csv", dtype=str)
    states = pd.read_csv(DATA_DIR / "states.csv", dtype=str)
    changes = pd.read_csv(DATA_DIR / "county_changes.csv", dtype=str)
    map_fips = dict(zip(changes["list_fips"], changes["map_fips"]))

    nc = pd.read_csv(NONCITIZEN_CSV, dtype={"fips": str})
    nc = nc[nc["year"] == 2009].set_index("fips")
    census = pd.read_csv(CENSUS_CSV, encoding="latin-1", usecols=["SUMLEV", "STATE", "COUNTY", "POPESTIMATE2010"])
    census = census[census["SUMLEV"] == 50]
    pop = dict(zip((census["STATE"] * 1000 + census["COUNTY"]).map("{:05d}".format), census["POPESTIMATE2010"]))

    centroids = county_centroids()
    dist = border_distances(centroids, mexican_border())

    roster = agreements_2009()
    roster = roster.rename(columns={"state": "state_name"}).merge(
        states[["state", "state_name"]], on="state_name", how="left"
    )
    key = act.set_index(["state", "county"])["fips"]
    agencies: dict[str, list[str]] = {}
    unplaced = []
    for _, row in roster.iterrows():
        fips = key.get((row["state"], row["county_name"])) if row["county_name"] else None
        if fips is None or not row["in_force"]:
            unplaced.append(f"{row['agency']} ({row['state_name']}; {row['status']})")
        else:
            agencies.setdefault(fips, []).append(row["agency"])

    first = pd.to_datetime(act["activated"]).min()
    rows = []
    for _, a in act.iterrows():
        fips = a["fips"]
        geo = map_fips.get(fips, fips)
        count = nc["noncit_pop"].get(fips)
        moe = nc["moe"].get(fips)
        people = pop.get(fips, pop.get(geo))
        share = 100 * count / people if count is not None and people else None
        share_moe = 100 * moe / people if share is not None and moe == moe and moe is not None else None
        rows.append(
            {
                "fips": fips,
                "county": a["county"],
                "state": a["state"],
                "activated": a["activated"],
                "days_to_activation": (pd.Timestamp(a["activated"]) - first).days,
                "noncitizen_2009": _int(count),
                "noncitizen_2009_moe": _int(moe),
                "population_2010": _int(people),
                "noncitizen_share": _num(share, 4),
                "noncitizen_share_moe": _num(share_moe, 4),
                "border_km": _num(dist.get(geo), 1),
                "g287_2009": "true" if fips in agencies else "false",
                "g287_agencies": "; ".join(agencies.get(fips, [])),
                "source_id": SOURCES,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS), unplaced


def _int(value) -> str:
    return "" if value is None or value != value else str(int(value))


def _num(value, decimals: int) -> str:
    return "" if value is None or value != value else f"{value:.{decimals}f}"


def unmatched(table: pd.DataFrame) -> dict[str, list[str]]:
    """Counties of the list without a value, per column that can be missing."""
    return {
        col: table.loc[table[col].astype(str).isin(["", "nan", "<NA>"]), "fips"].astype(str).tolist()
        for col in ("noncitizen_2009", "noncitizen_2009_moe", "population_2010", "border_km")
    }


def main() -> None:
    """Write data/county_covariates.csv and print what could not be matched."""
    table, unplaced = derive()
    OUT_CSV.write_text(to_csv(table.to_dict("records"), COLUMNS), encoding="utf-8", newline="")
    print(f"wrote {len(table)} counties to {OUT_CSV.name}")
    for col, ids in unmatched(table).items():
        print(f"  no {col}: {len(ids)} ({', '.join(ids[:12])}{' ...' if len(ids) > 12 else ''})")
    print(f"  287(g) roster entries not placed in a county: {len(unplaced)}")


if __name__ == "__main__":
    main()
