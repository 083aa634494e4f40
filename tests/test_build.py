"""scomm build: an edit reaches the right outputs only; failures exit 1 and lose nothing; no-op is fast."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from scomm.build import notebook_paths, run_build
from scomm.paths import NOTEBOOKS_DIR


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


FUNNEL = [p for p in notebook_paths() if p.name.startswith("03_")]


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """One build of the funnel notebook on a copy of the data (PNG only, to keep the suite quick)."""
    root = tmp_path_factory.mktemp("build")
    data = root / "data"
    data.mkdir()
    from scomm.paths import DATA_DIR

    for name in ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(DATA_DIR / name, data / name)
    out = root / "out"
    code = run_build(data=str(data / "figures.csv"), out=str(out), jobs=1, formats=("png",),
                     progress=False, notebooks=FUNNEL)
    assert code == 0
    return data, out


def test_build_writes_outputs(first_build):
    _, out = first_build
    names = {p.name for p in (out / "figures").iterdir()}
    assert {"03_funnel.png", "03_funnel.csv", "ratios.csv", "changes.md", "report.html", "build-manifest.json"} <= names
    assert (out / "notebooks" / "03_identification_funnel.ipynb").exists()
    ratios = pd.read_csv(out / "figures" / "ratios.csv")
    assert (ratios["notebook"] == "03_identification_funnel").all()
    row = ratios[ratios["key"] == "United States: fingerprint -> match"].iloc[0]
    assert row["figure_ids"] == "FUN-031 FUN-030" and round(row["value"], 2) == 6.56
    html = (out / "figures" / "report.html").read_text()
    assert "data:image/png;base64" in html and "S25" in html


def test_second_build_does_no_work(first_build, capsys):
    data, out = first_build
    before = tree_hashes(out)
    assert run_build(data=str(data / "figures.csv"), out=str(out), jobs=1, formats=("png",),
                     progress=False, notebooks=FUNNEL) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert tree_hashes(out) == before


def test_malformed_data_leaves_outputs_byte_identical(first_build, tmp_path, capsys):
    data, out = first_build
    before = tree_hashes(out)
    bad = tmp_path / "figures.csv"
    text = (data / "figures.csv").read_text().replace("FUN-030,fingerprint_submissions,9108703", "FUN-030,fingerprint_submissions,nine million")
    bad.write_text(text)
    for name in ("sources.csv", "metrics.csv", "milestones.csv"):
        shutil.copy2(data / name, tmp_path / name)
    assert run_build(data=str(bad), out=str(out), jobs=1, formats=("png",), progress=False, notebooks=FUNNEL) == 1
    err = capsys.readouterr().err
    assert "column 'value': found 'nine million'" in err and "nothing was written" in err
    assert tree_hashes(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".scomm-build-")]


def test_failing_notebook_names_itself_and_loses_nothing(first_build, tmp_path, capsys):
    data, out = first_build
    before = tree_hashes(out)
    nb = json.loads(FUNNEL[0].read_text())
    nb["cells"].append({"id": "deliberate-failure", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "raise RuntimeError('deliberate failure')"})
    broken = tmp_path / "99_broken.ipynb"
    broken.write_text(json.dumps(nb))
    code = run_build(data=str(data / "figures.csv"), out=str(out), jobs=1, formats=("png",), progress=False,
                     notebooks=[broken], force=True)
    assert code == 1
    err = capsys.readouterr().err
    assert "99_broken.ipynb" in err and f"cell {len(nb['cells'])} " in err and "deliberate failure" in err
    assert tree_hashes(out) == before


def test_edited_value_changes_only_what_depends_on_it(first_build, tmp_path):
    data, out = first_build
    edited = tmp_path / "data"
    shutil.copytree(data, edited)
    out2 = tmp_path / "out"
    shutil.copytree(out, out2)
    before = tree_hashes(out2)
    path = edited / "figures.csv"
    path.write_text(path.read_text().replace("STA-018,removals_total,4209,", "STA-018,removals_total,4300,"))
    assert run_build(data=str(path), out=str(out2), jobs=1, formats=("png",), progress=False, notebooks=FUNNEL) == 0
    after = tree_hashes(out2)
    changed = {k for k in after if before.get(k) != after[k]}
    assert "figures/03_funnel.csv" in changed and "figures/03_conversion_rates.csv" in changed
    assert "figures/03_arrests_in_context.csv" not in changed  # does not use STA-018
    table = pd.read_csv(out2 / "figures" / "03_funnel.csv")
    assert table.loc[table["figure_id"] == "STA-018", "value"].iloc[0] == 4300
    old = pd.read_csv(out / "figures" / "ratios.csv")
    new = pd.read_csv(out2 / "figures" / "ratios.csv")
    moved = set(new.loc[(new["value"] - old["value"]).abs() > 1e-9, "key"])
    assert moved == {"Dallas County, TX: ICE arrest -> removal", "Dallas County, TX: fingerprint -> removal"}
    changes = (out2 / "figures" / "changes.md").read_text()
    assert "| STA-018 | value | 4209 | 4300 | S25 |" in changes
    assert "Dallas County, TX: ICE arrest -> removal | 72.0% | 73.5%" in changes
