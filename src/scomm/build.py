"""`scomm build`: validate, execute every notebook, collect charts, ratios.csv, a what-changed report
and an HTML report, then swap the new outputs in. Nothing is replaced unless everything succeeded.

Layout of an output directory OUT (the project itself by default):
  OUT/notebooks/NN_*.ipynb     executed notebooks (with outputs)
  OUT/figures/NAME.{png,svg,pdf,csv}  charts and the table behind each
  OUT/figures/ratios.csv       every derived number the notebooks print, with inputs and qualifier
  OUT/figures/changes.md       what changed since the last build (figures and ratios)
  OUT/figures/report.html      one self-contained report: findings, charts, sources
  OUT/figures/build-inputs/    the data this build used (compared by the next build)
  OUT/figures/build-manifest.json  content hashes of inputs and outputs (no-op detection)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from scomm.paths import (DATAPACKAGE_JSON, FIGURES_CSV, METRICS_CSV, NOTEBOOKS_DIR, PROJECT_ROOT, SOURCES_CSV,
                         SRC_DIR, resolve)

MANIFEST = "build-manifest.json"
INPUTS_DIR = "build-inputs"
OUTPUT_SUBDIRS = ("notebooks", "figures")


@dataclass
class NotebookFailure(Exception):
    """A notebook that raised: its name, the failing cell's number and the error."""

    notebook: str
    cell: int | None
    error: str

    def __str__(self) -> str:
        where = f"cell {self.cell + 1} (counting every cell from 1)" if self.cell is not None else "start-up"
        return f"notebook {self.notebook} failed at {where}: {self.error}"


# ---------------------------------------------------------------- hashing


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_paths(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks in reading order."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))


def _notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cell types and sources only (outputs change with every run)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in nb["cells"]]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def input_hashes(data: Sequence[Path], formats: Sequence[str]) -> dict[str, str]:
    """Content hashes of everything a build depends on."""
    hashes = {f"data/{p.name}": _sha(p) for p in data}
    for nb in notebook_paths():
        hashes[f"notebooks/{nb.name}"] = _notebook_source_hash(nb)
    for path in sorted((SRC_DIR / "scomm").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".mplstyle"}:
            hashes[f"src/{path.relative_to(SRC_DIR).as_posix()}"] = _sha(path)
    hashes["formats"] = ",".join(formats)
    return hashes


def output_hashes(out: Path) -> dict[str, str]:
    """Hashes of every output file under OUT/notebooks and OUT/figures (the manifest itself excluded)."""
    hashes = {}
    for sub in OUTPUT_SUBDIRS:
        for path in sorted((out / sub).rglob("*")):
            if path.is_file() and path.name != MANIFEST and "__pycache__" not in path.parts:
                hashes[path.relative_to(out).as_posix()] = _sha(path)
    return hashes


def is_up_to_date(out: Path, inputs: dict[str, str]) -> bool:
    """True when the last build used the same inputs and its outputs are all still there, unchanged."""
    manifest = out / "figures" / MANIFEST
    if not manifest.exists():
        return False
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    if recorded.get("inputs") != inputs:
        return False
    return output_hashes(out) == recorded.get("outputs")


# ---------------------------------------------------------------- executing


def execute_notebook(source: Path, target: Path, env: dict[str, str], parameters: dict | None,
                     position: int = 0, progress: bool = True) -> None:
    """Run `source` in a fresh kernel with `env`, inject `parameters` if any, and write it to `target`."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:  # start from a clean slate: no stale outputs
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if parameters:
        from papermill.parameterize import parameterize_notebook

        nb.metadata["papermill"] = nbformat.from_dict({"parameters": {}})
        for cell in nb.cells:  # papermill reads metadata.tags on every cell
            cell.metadata.setdefault("tags", [])
        nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
        for cell in nb.cells:
            if not cell.metadata.get("tags"):
                cell.metadata.pop("tags", None)
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=code_cells, desc=source.stem[:28].ljust(28), position=position, leave=True,
                   unit="cell", file=sys.stderr, dynamic_ncols=True)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(source.parent)}})
    if bar is not None:
        client.on_cell_executed = lambda **kw: bar.update(1)
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        original = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        failing = next((i for i, c in enumerate(original) if c.cell_type == "code"
                        and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()[-1]
        raise NotebookFailure(source.name, failing, message) from None
    except Exception as err:  # kernel died, timeout
        raise NotebookFailure(source.name, None, f"{type(err).__name__}: {err}") from None
    finally:
        if bar is not None:
            bar.close()
    _normalise(nb)
    nbformat.write(nb, target)


def _normalise(nb) -> None:
    """Drop run-specific metadata so a rebuild with the same inputs writes the same bytes."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)


def run_notebooks(sources: Sequence[Path], target_dir: Path, env: dict[str, str], parameters: dict | None,
                  jobs: int, progress: bool) -> None:
    """Execute `sources` `jobs` at a time (threads: each notebook runs in its own kernel process)."""
    from concurrent.futures import ThreadPoolExecutor

    ledger_dir = Path(env["SCOMM_RATIOS_LEDGER_DIR"])

    def one(i_path):
        i, path = i_path
        nb_env = dict(env, SCOMM_RATIOS_LEDGER=str(ledger_dir / f"{path.stem}.jsonl"))
        execute_notebook(path, target_dir / path.name, nb_env, parameters, position=i, progress=progress)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(one, item) for item in enumerate(sources)]
        errors = []
        for fut in futures:
            try:
                fut.result()
            except NotebookFailure as err:
                errors.append(err)
        if errors:
            raise errors[0]


# ---------------------------------------------------------------- collecting


def collect_ratios(ledger_dir: Path, notebooks: Sequence[Path]):
    """ratios.csv rows from each notebook's ledger, in notebook and print order."""
    import pandas as pd

    rows = []
    for nb in notebooks:
        ledger = ledger_dir / f"{nb.stem}.jsonl"
        if not ledger.exists():
            continue
        for order, line in enumerate(ledger.read_text(encoding="utf-8").splitlines(), start=1):
            item = json.loads(line)
            rows.append({"notebook": nb.stem, "order": order, "key": item["key"], "value": item["value"],
                         "unit": item["unit"], "qualifier": item["qualifier"], "figure_ids": item["figure_ids"],
                         "text": item["text"]})
    return pd.DataFrame(rows, columns=["notebook", "order", "key", "value", "unit", "qualifier", "figure_ids", "text"])


def run_build(data: str | None = None, sources: str | None = None, metrics: str | None = None,
              out: str | None = None, jobs: int | None = None, formats: Sequence[str] = ("png", "svg", "pdf"),
              force: bool = False, progress: bool = True, notebooks: Sequence[Path] | None = None) -> int:
    """Run a build; return the exit code (0 done or nothing to do, 1 invalid data or a failing notebook)."""
    started = time.perf_counter()
    from scomm.data import dataset_paths

    fig_path, src_path, met_path, mil_path = dataset_paths(data, sources, metrics)
    out_dir = resolve(out, PROJECT_ROOT)
    nb_sources = list(notebooks) if notebooks is not None else notebook_paths()
    data_files = [fig_path, src_path, met_path, mil_path, DATAPACKAGE_JSON]

    missing = [p for p in data_files if not p.exists()]
    if missing:
        print(f"scomm build: input file not found: {missing[0]}", file=sys.stderr)
        return 1
    inputs = input_hashes(data_files, formats)
    if not force and is_up_to_date(out_dir, inputs):
        print(f"scomm build: nothing changed since the last build of {out_dir} "
              f"({time.perf_counter() - started:.2f} s); use --force to rebuild.")
        return 0

    from scomm.data import FiguresValidationError, load_dataset

    try:
        ds = load_dataset(fig_path, src_path, met_path, mil_path)
    except FiguresValidationError as err:
        print(err, file=sys.stderr)
        print("scomm build: the data is invalid; nothing was written.", file=sys.stderr)
        return 1

    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".scomm-build-", dir=out_dir))
    try:
        (staging / "notebooks").mkdir()
        fig_dir = staging / "figures"
        fig_dir.mkdir()
        ledger_dir = staging / "ledger"
        ledger_dir.mkdir()
        defaults = fig_path == FIGURES_CSV and src_path == SOURCES_CSV and met_path == METRICS_CSV
        parameters = None if defaults else {"data_path": str(fig_path), "sources_path": str(src_path),
                                            "metrics_path": str(met_path)}
        env = dict(os.environ, SCOMM_FIGURES_DIR=str(fig_dir), SCOMM_FORMATS=",".join(formats),
                   SCOMM_RATIOS_LEDGER_DIR=str(ledger_dir), PYTHONHASHSEED="0")
        env.pop("SCOMM_RATIOS_LEDGER", None)
        jobs = jobs or os.cpu_count() or 1
        if progress:
            print(f"scomm build: {len(ds.figures)} figures valid; running {len(nb_sources)} notebooks, "
                  f"{jobs} at a time", file=sys.stderr)
        run_notebooks(nb_sources, staging / "notebooks", env, parameters, jobs, progress)
        for aux in NOTEBOOKS_DIR.iterdir():  # helpers that live beside the notebooks (nbval settings)
            if aux.is_file() and aux.suffix != ".ipynb":
                shutil.copy2(aux, staging / "notebooks" / aux.name)

        from scomm import report

        ratios = collect_ratios(ledger_dir, nb_sources)
        ratios.to_csv(fig_dir / "ratios.csv", index=False, lineterminator="\n", float_format="%.10g")
        previous = report.previous_inputs(out_dir / "figures" / INPUTS_DIR, out_dir / "figures" / "ratios.csv")
        changes = report.changes_markdown(previous, ds, ratios)
        (fig_dir / "changes.md").write_text(changes, encoding="utf-8")
        inputs_dir = fig_dir / INPUTS_DIR
        inputs_dir.mkdir()
        for path in data_files:
            shutil.copy2(path, inputs_dir / path.name)
        report.write_html(fig_dir / "report.html", staging / "notebooks", nb_sources, fig_dir, ds, changes)
        shutil.rmtree(ledger_dir)
        manifest = {"inputs": inputs, "outputs": output_hashes(staging)}
        (fig_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        _swap_in(staging, out_dir)
    except NotebookFailure as err:
        print(f"scomm build: {err}", file=sys.stderr)
        print("scomm build: previous outputs left as they were.", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if progress:
        print(f"scomm build: wrote {out_dir / 'notebooks'} and {out_dir / 'figures'} "
              f"({time.perf_counter() - started:.1f} s); read {out_dir / 'figures' / 'changes.md'} first.",
              file=sys.stderr)
    return 0


def _swap_in(staging: Path, out: Path) -> None:
    """Replace OUT/notebooks and OUT/figures with the staged ones; restore the old ones on any failure."""
    moved: list[tuple[Path, Path]] = []
    try:
        for sub in OUTPUT_SUBDIRS:
            current, backup = out / sub, staging / f"previous-{sub}"
            if current.exists():
                current.rename(backup)
                moved.append((backup, current))
            (staging / sub).rename(current)
    except OSError:
        for backup, current in reversed(moved):
            if current.exists():
                shutil.rmtree(current)
            backup.rename(current)
        raise
