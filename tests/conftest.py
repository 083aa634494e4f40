"""Shared fixtures: the bundled data, and copies of it written to temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scomm.paths import DATA_DIR


@pytest.fixture(scope="session")
def dataset():
    from scomm.data import load_dataset

    return load_dataset()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (figures, sources, metrics, milestones) in a temporary folder; returns figures.csv."""
    for name in ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, tmp_path / name)
    return tmp_path / "figures.csv"


@pytest.fixture(autouse=True)
def default_data_label():
    """Chart footers name the bundled data unless a test's own run says otherwise (runs set it globally)."""
    from scomm import charts

    charts.use_data_label("data/figures.csv")
    yield


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory) -> Path:
    """Every notebook run now on the bundled data, into a temporary folder (never the committed outputs):
    the charts the code draws today, their record and the report. Returns the build's figures folder."""
    from scomm.build import run_build

    out = tmp_path_factory.mktemp("fresh_build")
    assert run_build(out=str(out), jobs=2, progress=False) == 0
    return out / "figures"
