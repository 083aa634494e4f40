"""The settings of one notebook run, passed explicitly: `scomm build` fills in each notebook's `settings`
parameter (a papermill-style parameters cell) with `RunSettings.to_parameters()`, and the notebook hands
it to `open_run`. A notebook run without settings (opened in JupyterLab) reads the data its other
parameters name and writes charts beside the last build's; the test harness alone (nbval, benchmarks)
may redirect those charts with one environment variable, read here and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HARNESS_FIGURES_ENV = "SCOMM_FIGURES_DIR"  # nbval and benchmark harnesses only: where charts go
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
    wide_screen: tuple[str, ...] = ()  # charts whose wider screen copy is made as they are written (the report's)
    analysed_dir: Path | None = None  # a build's folder of the analyses it computed (see `analysis_files`)

    def to_parameters(self) -> dict[str, Any]:
        """These settings as plain values for a notebook's `settings` parameter (JSON-able)."""
        return {
            "figures_dir": None if self.figures_dir is None else str(self.figures_dir),
            "formats": list(self.formats),
            "state_dir": None if self.state_dir is None else str(self.state_dir),
            "data_label": self.data_label,
            "data_dir": None if self.data_dir is None else str(self.data_dir),
            "wide_screen": list(self.wide_screen),
            "analysed_dir": None if self.analysed_dir is None else str(self.analysed_dir),
        }

    @classmethod
    def from_parameters(cls, values: Mapping[str, Any]) -> RunSettings:
        """The settings a build wrote into a notebook's `settings` parameter."""
        unknown = set(values) - {
            "figures_dir",
            "formats",
            "state_dir",
            "data_label",
            "data_dir",
            "wide_screen",
            "analysed_dir",
        }
        if unknown:
            raise ValueError(f"unknown run settings: {', '.join(sorted(unknown))}")

        def path(name: str) -> Path | None:
            return None if values.get(name) is None else Path(values[name])

        return cls(
            figures_dir=path("figures_dir"),
            formats=tuple(values.get("formats") or DEFAULT_FORMATS),
            state_dir=path("state_dir"),
            data_label=values.get("data_label"),
            data_dir=path("data_dir"),
            wide_screen=tuple(values.get("wide_screen") or ()),
            analysed_dir=path("analysed_dir"),
        )

    @classmethod
    def for_notebook(
        cls, given: RunSettings | Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> RunSettings:
        """The settings a notebook runs with: those given, else the defaults (with the harness's chart
        folder when the test harness set one)."""
        if isinstance(given, RunSettings):
            return given
        if given is not None:
            return cls.from_parameters(given)
        env = os.environ if environ is None else environ
        folder = env.get(HARNESS_FIGURES_ENV)
        return cls(figures_dir=Path(folder) if folder else None)

    def harness_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this environment) with the harness's chart folder set to `figures_dir` (for
        benchmarks that run notebooks with other tools, which cannot pass parameters)."""
        env = dict(os.environ if base is None else base)
        env.pop(HARNESS_FIGURES_ENV, None)
        if self.figures_dir is not None:
            env[HARNESS_FIGURES_ENV] = str(self.figures_dir)
        return env
