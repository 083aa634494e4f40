"""Read the Frictionless data package descriptor (data/datapackage.json): the single source of truth
for column names, types, vocabularies and keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scomm.paths import DATAPACKAGE_JSON


@dataclass(frozen=True)
class Field:
    """One column of a table schema."""

    name: str
    type: str
    description: str
    required: bool
    unique: bool
    enum: tuple[str, ...] | None
    pattern: str | None
    minimum: float | str | None = None  # numbers: a number; dates: an ISO date
    maximum: float | str | None = None


@dataclass(frozen=True)
class TableSchema:
    """The schema of one resource (figures, sources or metrics)."""

    resource: str
    path: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...]  # (field, resource, field)

    @property
    def names(self) -> list[str]:
        """Column names in schema order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        """The field called `name`."""
        return next(f for f in self.fields if f.name == name)


class DataFileError(ValueError):
    """A project file that is not what it should be (a descriptor that is not JSON, a missing resource):
    the message names the file, where and what was expected."""


@lru_cache(maxsize=4)
def load_package(path: Path = DATAPACKAGE_JSON) -> dict:
    """Return the parsed datapackage.json (DataFileError, naming line and column, when it is not JSON)."""
    try:
        package = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise DataFileError(f"{path}: byte {err.start} is not UTF-8; expected a JSON data package descriptor") from None
    except json.JSONDecodeError as err:
        raise DataFileError(
            f"{path}, line {err.lineno}, column {err.colno}: {err.msg}; expected a JSON data "
            "package descriptor (restore it with git checkout)"
        ) from None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise DataFileError(f"{path}: expected a JSON object with a list of 'resources'")
    return package


def table_schema(resource: str, package: Path = DATAPACKAGE_JSON) -> TableSchema:
    """Return the TableSchema of `resource` from the data package."""
    desc = next(
        (r for r in load_package(package)["resources"] if isinstance(r, dict) and r.get("name") == resource), None
    )
    if desc is None:
        raise DataFileError(f"{package}: no resource named {resource!r}; expected one describing that table")
    fields = []
    for f in desc["schema"]["fields"]:
        c = f.get("constraints", {})
        fields.append(
            Field(
                name=f["name"],
                type=f["type"],
                description=f.get("description", ""),
                required=bool(c.get("required", False)),
                unique=bool(c.get("unique", False)),
                enum=tuple(c["enum"]) if "enum" in c else None,
                pattern=c.get("pattern"),
                minimum=c.get("minimum"),
                maximum=c.get("maximum"),
            )
        )
    fks = tuple(
        (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in desc["schema"].get("foreignKeys", [])
    )
    return TableSchema(
        resource=resource,
        path=desc["path"],
        description=desc.get("description", ""),
        fields=tuple(fields),
        primary_key=tuple(desc["schema"].get("primaryKey", [])),
        foreign_keys=fks,
    )


def source_ids(name: str, package: Path = DATAPACKAGE_JSON) -> str:
    """The ids (in data/sources.csv) of the sources behind the bundled table or file `name`, space-separated as
    in a `source_id` cell: its resource's `sources` in the data package, or for a file that is no table (the
    map's boundaries) the package's own `sources` entry of that name. DataFileError when none names it."""
    pkg = load_package(package)
    entries = [r for r in pkg["resources"] if isinstance(r, dict) and r.get("name") == name]
    listed = entries[0].get("sources", []) if entries else [s for s in pkg.get("sources", []) if s.get("name") == name]
    ids = [str(s["source_id"]) for s in listed if isinstance(s, dict) and s.get("source_id")]
    if not ids:
        raise DataFileError(f"{package}: no source_id listed for {name!r}; expected its 'sources' to name one")
    return " ".join(ids)
