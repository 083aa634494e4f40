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
