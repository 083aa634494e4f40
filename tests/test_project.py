"""The project's own files agree with each other: environments, data dictionary, notebooks, README."""

from __future__ import annotations

import json
import re
import tomllib

from scomm.paths import DATA_DIR, NOTEBOOKS_DIR, PROJECT_ROOT


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    text = (PROJECT_ROOT / "environment.yml").read_text()
    pip_lines = re.findall(r"^\s+- ([A-Za-z0-9_.\-]+==[^\s]+)\s*$", text, flags=re.M)
    assert set(pip_lines) == wanted
    assert re.search(r"^\s+- python=3\.11\s*$", text, flags=re.M)
    assert re.search(r"^\s+- -e \.\s*$", text, flags=re.M)


def _locked_pins(path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every requirement in a hashed lock file."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            pins[f"{name}=={match.group(2)}"] = (match.group(2), re.findall(r"--hash=sha256:[0-9a-f]{64}", line))
    return pins


def test_lock_pins_every_pyproject_pin_with_hashes():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    wanted = set(project["project"]["dependencies"]) | set(project["project"]["optional-dependencies"]["test"])
    build_in = (PROJECT_ROOT / "requirements" / "build.in").read_text(encoding="utf-8")
    wanted |= set(re.findall(r"^([A-Za-z0-9_.\-]+==\S+)", build_in, flags=re.M))
    locked = _locked_pins(PROJECT_ROOT / "requirements" / "lock.txt")
    normal = {re.sub(r"[-_.]+", "-", w.split("==")[0]).lower() + "==" + w.split("==")[1] for w in wanted}
    assert normal <= set(locked), (
        f"pinned in pyproject.toml but not in the lock (run make lock): {normal - set(locked)}"
    )
    assert all(hashes for _, hashes in locked.values()), "every locked package carries its hashes"
    assert len(locked) > len(normal), "the lock pins the transitive dependencies too"
    (uv,) = _locked_pins(PROJECT_ROOT / "requirements" / "uv.txt").values()
    assert uv[1], "uv itself is installed by hash"


def test_data_dictionary_is_generated_from_schema():
    from scomm.dictionary import render

    assert (DATA_DIR / "README.md").read_text(encoding="utf-8") == render(), "run: python -m scomm.dictionary"


def test_schema_columns_match_csv_headers():
    from scomm.schema import table_schema

    for resource in ("figures", "sources", "metrics", "milestones", "claims"):
        schema = table_schema(resource)
        header = (DATA_DIR / schema.path).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == schema.names


def _notebooks():
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def test_notebook_hygiene():
    books = _notebooks()
    assert len(books) >= 7
    for path in books:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), path.name
        params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, path.name
        assert all(
            line.strip().endswith("= None") for line in "".join(params[0]["source"]).splitlines() if "=" in line
        ), path.name
        for cell in code:
            for out in cell.get("outputs", []):
                assert out.get("name") != "stderr", (path.name, out)
                assert out.get("output_type") != "error", path.name
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'"/(root|home|work|tmp|Users)/', text), path.name
        assert "Finding:" in text and "What this shows" in text, path.name


def test_readme_opens_with_the_two_commands():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", readme, flags=re.S)
    assert blocks[0].strip() == "make report"
    assert blocks[1].strip() == "make test"
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()


def test_cli_help_lists_commands(capsys):
    import pytest

    from scomm.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "validate" in out and "build" in out


NUMBER = re.compile(r"(?<![\w.-])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.-])\d+(?:\.\d+)?")


def _numbers(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in NUMBER.findall(text)}


def _typed_numbers(values: set[float]) -> list[str]:
    """Markdown cells of the committed notebooks that state one of `values` (years and small list numbers
    aside)."""
    years = {float(y) for y in range(1990, 2036)}  # years name periods in prose; they are labels, not values
    small = {float(n) for n in range(0, 10)}  # "Level 1", "notebook 07", list numbers
    hits = []
    for path in _notebooks():
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
            if cell["cell_type"] != "markdown":
                continue
            stated = _numbers("".join(cell["source"])) & values
            if stated - years - small:
                hits.append(f"{path.name} cell {i}: {sorted(stated - years - small)}")
    return hits


def test_markdown_cells_state_no_figure():
    """Prose may explain but never state a value: those are rendered from the data at run time."""
    import pandas as pd

    figures = pd.read_csv(DATA_DIR / "figures.csv", dtype=str, keep_default_na=False)
    hits = _typed_numbers({float(v.replace(",", "")) for v in figures["value"]})
    assert not hits, hits


def test_markdown_cells_state_no_derived_number(fresh_build):
    """Nor a derived number: the ratios of a build made now (not the committed ratios.csv)."""
    import pandas as pd

    ratios = pd.read_csv(fresh_build / "ratios.csv", keep_default_na=False)
    hits = _typed_numbers({round(v, 1) for v in ratios["value"]} | {round(v) for v in ratios["value"]})
    assert not hits, hits


def test_no_notebook_asserts_a_published_value():
    for path in _notebooks():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                assert not re.search(r"^\s*assert\b", "".join(cell["source"]), flags=re.M), path.name


def test_hygiene_check_finds_a_typed_number():
    assert 72445.0 in _numbers("Finding: 72,445 deportations") and 51.6 in _numbers("about 51.6%")


def test_notebook_code_fits_a_jupyterlab_cell():
    # Long lines are cut off in JupyterLab at common window sizes; code cells keep to 100 characters.
    too_long = [
        f"{path.name}: {line[:60]}..."
        for path in sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line) > 100
    ]
    assert not too_long, too_long
