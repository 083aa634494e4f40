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


@lru_cache(maxsize=4)
def load_package(path: Path = DATAPACKAGE_JSON) -> dict:
    """Return the parsed datapackage.json."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def table_schema(resource: str, package: Path = DATAPACKAGE_JSON) -> TableSchema:
    """Return the TableSchema of `resource` from the data package."""
    desc = next(r for r in load_package(package)["resources"] if r["name"] == resource)
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
