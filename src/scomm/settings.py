"""The contract between `scomm build` and the notebooks it runs: one dataclass, read from and written to
the environment in this one place (no other module names these variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FIGURES_DIR_ENV = "SCOMM_FIGURES_DIR"
FORMATS_ENV = "SCOMM_FORMATS"
STATE_DIR_ENV = "SCOMM_STATE_DIR"
DATA_LABEL_ENV = "SCOMM_DATA_LABEL"
DATA_DIR_ENV = "SCOMM_DATA_DIR"
DEFAULT_FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class RunSettings:
    """Where a notebook run writes charts, in which formats, where it records lineage and derived numbers
    (a build's state folder; None outside a build), how its footers name the data file, and which folder of
    data to read when the notebook's own parameters are left at None: a build passes its snapshot of the
    inputs (data/ layout), taken once at its start, so every notebook reads the same bytes and executed
    notebooks hold no machine paths."""

    figures_dir: Path | None = None
    formats: tuple[str, ...] = DEFAULT_FORMATS
    state_dir: Path | None = None
    data_label: str | None = None
    data_dir: Path | None = None  # a folder in data/ layout: figures.csv, sources.csv, ..., derived/

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RunSettings:
        """The settings a build passed down (defaults where a variable is unset)."""
        env = os.environ if environ is None else environ
        formats = tuple(f.strip() for f in env.get(FORMATS_ENV, "").split(",") if f.strip())
        return cls(
            figures_dir=Path(env[FIGURES_DIR_ENV]) if env.get(FIGURES_DIR_ENV) else None,
            formats=formats or DEFAULT_FORMATS,
            state_dir=Path(env[STATE_DIR_ENV]) if env.get(STATE_DIR_ENV) else None,
            data_label=env.get(DATA_LABEL_ENV) or None,
            data_dir=Path(env[DATA_DIR_ENV]) if env.get(DATA_DIR_ENV) else None,
        )

    def to_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with these settings set and unset ones removed."""
        env = dict(os.environ if base is None else base)
        for name, value in (
            (FIGURES_DIR_ENV, self.figures_dir),
            (STATE_DIR_ENV, self.state_dir),
            (DATA_LABEL_ENV, self.data_label),
            (DATA_DIR_ENV, self.data_dir),
        ):
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        env[FORMATS_ENV] = ",".join(self.formats)
        return env
