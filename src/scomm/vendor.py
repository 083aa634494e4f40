"""Derive data/activations.csv and data/states.csv from the raw snapshots in data/raw/.

Run `python -m scomm.vendor` after replacing a raw snapshot (and updating data/raw/SHA256SUMS); a
test checks that the committed tables are exactly what this step derives. The step only reshapes:
FIPS codes get their leading zero back, state codes and names are joined on, nothing is estimated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
from pathlib import Path

from scomm.paths import DATA_DIR
from scomm.schema import source_ids

RAW_DIR = DATA_DIR / "raw"
RAW_DATES = RAW_DIR / "activations" / "county_activation_dates.csv"
RAW_NAMES = RAW_DIR / "activations" / "county_names.csv"
ATLAS_TGZ = RAW_DIR / "geo" / "us-atlas-3.0.1.tgz"
ATLAS_MEMBER = "package/counties-albers-10m.json"
CHECKSUMS = RAW_DIR / "SHA256SUMS"
COUNTY_CHANGES = DATA_DIR / "county_changes.csv"
ACTIVATIONS_CSV = DATA_DIR / "activations.csv"
STATES_CSV = DATA_DIR / "states.csv"

LIST_SOURCES = source_ids("activations")  # ICE's list (where the dates come from) and its digitizers
NAME_SOURCE = source_ids("county_boundaries")  # state names: the Census boundary file
ACTIVATION_COLUMNS = ["fips", "county", "state", "activated", "statewide", "source_id"]
STATE_COLUMNS = ["state", "state_fips", "state_name", "statewide", "source_id"]


def checksums_ok() -> dict[str, bool]:
    """Each raw file listed in SHA256SUMS -> whether its bytes still have that checksum."""
    out = {}
    for line in CHECKSUMS.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        out[name] = hashlib.sha256((RAW_DIR / name).read_bytes()).hexdigest() == digest
    return out


def read_atlas() -> dict:
    """The parsed TopoJSON of counties-albers-10m.json, read from the vendored npm tarball."""
    with tarfile.open(ATLAS_TGZ, "r:gz") as tar:
        member = tar.extractfile(ATLAS_MEMBER)
        if member is None:
            raise OSError(f"{ATLAS_TGZ} holds no file {ATLAS_MEMBER}")
        return json.load(member)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def derive() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(activation rows, state rows) as written to activations.csv and states.csv."""
    names = _rows(RAW_NAMES)
    usps = {int(r["state_fips"]): r["state"] for r in names}
    county_name = {f"{int(r['state_fips']):02d}{int(r['county_fips']):03d}": r["county_name"] for r in names}
    retired_name = {r["list_fips"]: r["list_name"] for r in _rows(COUNTY_CHANGES)}
    activations = []
    for r in _rows(RAW_DATES):
        fips = f"{int(r['county']):05d}"
        name = county_name.get(fips) or retired_name.get(fips)
        if name is None:
            raise ValueError(f"{RAW_DATES.name}: FIPS {fips} has no name in {RAW_NAMES.name} or {COUNTY_CHANGES.name}")
        activations.append(
            {
                "fips": fips,
                "county": name,
                "state": usps[int(r["statefips"])],
                "activated": r["act"],
                "statewide": r["stw"],
                "source_id": LIST_SOURCES,
            }
        )
    activations.sort(key=lambda row: row["fips"])

    state_names = {g["id"]: g["properties"]["name"] for g in read_atlas()["objects"]["states"]["geometries"]}
    statewide: dict[str, set[str]] = {}
    for row in activations:
        statewide.setdefault(row["fips"][:2], set()).add(row["statewide"])
    states = []
    for fips2, dates in sorted(statewide.items()):
        if len(dates) != 1:
            raise ValueError(f"{RAW_DATES.name}: state {fips2} has {len(dates)} statewide dates: {sorted(dates)}")
        states.append(
            {
                "state": usps[int(fips2)],
                "state_fips": fips2,
                "state_name": state_names[fips2],
                "statewide": dates.pop(),
                "source_id": f"{LIST_SOURCES} {NAME_SOURCE}",
            }
        )
    return activations, states


def to_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    """Rows as CSV text with LF line endings (the committed bytes)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main() -> None:
    """Check the raw checksums, then write data/activations.csv and data/states.csv."""
    bad = [name for name, ok in checksums_ok().items() if not ok]
    if bad:
        raise SystemExit(f"checksum mismatch in data/raw/: {', '.join(bad)} (update SHA256SUMS and sources.csv)")
    activations, states = derive()
    ACTIVATIONS_CSV.write_text(to_csv(activations, ACTIVATION_COLUMNS), encoding="utf-8", newline="")
    STATES_CSV.write_text(to_csv(states, STATE_COLUMNS), encoding="utf-8", newline="")
    print(f"wrote {len(activations)} counties to {ACTIVATIONS_CSV.name}, {len(states)} states to {STATES_CSV.name}")


if __name__ == "__main__":
    main()
