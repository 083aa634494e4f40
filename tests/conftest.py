"""Shared fixtures: the bundled data, and copies of it written to temporary folders."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from scomm.paths import DATA_DIR
from tiny_data import write_tiny_data


@pytest.fixture(scope="session")
def dataset():
    from scomm.data import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def published(dataset, tmp_path_factory) -> dict[str, dict]:
    """Every chart the notebooks publish, drawn from the bundled data by its analysis, saved into a temporary
    folder and measured (see `published_charts.record_shared`): once per run, the notebooks' charts shared
    out between the test workers (pytest-xdist) that ask for them."""
    import published_charts

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the run's workers share the parent
    return published_charts.record_shared(dataset, shared / "published-charts")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (figures, sources, metrics, milestones) in a temporary folder; returns figures.csv."""
    for name in ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, tmp_path / name)
    return tmp_path / "figures.csv"


@pytest.fixture
def no_default_build(tmp_path_factory, monkeypatch):
    """A build into a new folder compares with the project's own last build (the committed figures/); here
    that is an empty folder, so no test depends on the committed outputs."""
    from scomm import build_stage

    monkeypatch.setattr(build_stage, "LAST_DEFAULT_BUILD", tmp_path_factory.mktemp("no-default-build"))


@pytest.fixture(scope="session", autouse=True)
def _shared_kernels():
    """The tiny builds' shared kernels (`tiny_project.SHARED_KERNELS`), stopped when the session ends."""
    yield
    tiny_project = sys.modules.get("tiny_project")
    if tiny_project is not None:
        tiny_project.SHARED_KERNELS.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the real build (`fresh_build`, directly or through another fixture) is slow."""
    for item in items:
        if "fresh_build" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory) -> Path:
    """Every notebook run now on the bundled data, into a temporary folder (never the committed outputs):
    the charts the code draws today, their record and the report. Returns the build's figures folder."""
    from scomm.build import run_build

    out = tmp_path_factory.mktemp("fresh_build")
    assert run_build(out=str(out), jobs=2, progress=False) == 0
    return out / "figures"


@pytest.fixture
def tiny(tmp_path: Path):
    """`tiny(values, **columns)`: a RecordingDataset over a hand-made data folder (see `write_tiny_data`)."""
    from scomm.data import load_dataset
    from scomm.recording import RecordingDataset

    def make(values: dict[str, float], **columns: dict[str, str]) -> RecordingDataset:
        figures = write_tiny_data(tmp_path / "tiny", values, **columns)
        return RecordingDataset(load_dataset(figures, data_dir=tmp_path / "tiny"), "figures.csv", "a test")

    return make
