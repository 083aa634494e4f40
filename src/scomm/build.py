"""`scomm build`: validate, execute the notebooks whose inputs changed, collect charts, ratios.csv, the
published-claims checks, a what-changed report and the HTML report, then move the new outputs in.

Layout of an output directory OUT (the project itself by default):
  OUT/notebooks/NN_*.ipynb          executed notebooks (with outputs)
  OUT/figures/NAME.{png,svg,pdf,csv} charts and the table behind each
  OUT/figures/ratios.csv            every derived number the notebooks print, with inputs and qualifier
  OUT/figures/claims_checks.csv     every published claim: reproduces / diverges / cannot compute
  OUT/figures/changes.md            what changed since the last build (figures and derived numbers)
  OUT/figures/report.html           one self-contained report
  OUT/figures/build-state/          the data this build used, what each notebook read (lineage), and a
                                    manifest of every file the build wrote (only those are ever replaced)

Nothing is replaced unless everything succeeded: new files are staged in a hidden folder inside OUT and
moved in one by one at the end (with the old ones restored if a move fails).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from scomm import output_folder
from scomm.paths import DATA_DIR, DATAPACKAGE_JSON, NOTEBOOKS_DIR, PROJECT_ROOT, SRC_DIR, resolve
from scomm.settings import DEFAULT_FORMATS, RunSettings

STATE = "build-state"
MANIFEST = "manifest.json"
LINEAGE = "lineage.json"
OUTPUT_SUBDIRS = ("notebooks", "figures")
LOCK_NAME = ".scomm-build.lock"
STAGING_PREFIX = ".scomm-build-"
DATA_NAMES = ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv")
AUX_FILES = ("conftest.py", "sanitize.cfg")  # beside the notebooks: nbval settings, copied with them


class BuildError(Exception):
    """An expected reason to stop a build: the message says what and where; nothing was changed."""


@dataclass
class NotebookFailure(Exception):
    """A notebook that raised: its name, the failing cell's number, the error and the executed copy."""

    notebook: str
    cell: int | None
    error: str
    kept: Path | None = None

    def __str__(self) -> str:
        where = f"cell {self.cell + 1} (counting every cell from 1)" if self.cell is not None else "start-up"
        text = f"notebook {self.notebook} failed at {where}: {self.error}"
        if self.kept is not None:
            text += f"\n  the executed notebook, with the failing cell's output, is at {self.kept}"
        return text


# ---------------------------------------------------------------- hashing


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_paths(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks in reading order."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))


def _notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cell types and sources only (outputs change with every run)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                 for c in nb["cells"]]
    except (ValueError, KeyError, TypeError) as err:
        where = f", line {err.lineno}, column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        raise BuildError(f"{path}{where}: not a readable notebook ({err}); expected Jupyter's JSON "
                         "notebook format (restore it with git checkout, or open and save it in JupyterLab)") from None
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def code_hash() -> str:
    """Hash of the package's code, chart style and typeface (a change re-runs every notebook)."""
    h = hashlib.sha256()
    for path in sorted((SRC_DIR / "scomm").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".mplstyle", ".ttf"}:
            h.update(path.relative_to(SRC_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _file_hashes(root: Path, names: Sequence[str]) -> dict[str, str]:
    return {name: _sha(root / name) for name in names if (root / name).is_file()}


# ---------------------------------------------------------------- executing


class Kernels:
    """The kernels one build started, so that an interrupted build stops them all (and waits until they
    are gone) before it removes the folder they write into."""

    def __init__(self) -> None:
        self._clients: list = []
        self._lock = threading.Lock()
        self.stopping = False

    def add(self, client) -> None:
        """Track `client`'s kernel; refuse to start one once the build is stopping."""
        with self._lock:
            if self.stopping:
                raise KeyboardInterrupt
            self._clients.append(client)

    def check(self, **_: object) -> None:
        """Raise KeyboardInterrupt once the build is stopping (nbclient calls it when a kernel is ready)."""
        if self.stopping:
            raise KeyboardInterrupt

    def stop_all(self, wait: float = 10.0) -> None:
        """Kill every kernel process started so far and wait for each to exit; no new one starts."""
        with self._lock:
            self.stopping = True
            clients = list(self._clients)
        for client in clients:
            process = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()
                try:
                    process.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass


def execute_notebook(source: Path, target: Path, env: dict[str, str], kernels: Kernels | None = None) -> None:
    """Run `source` in a fresh kernel with `env` (which carries the run settings) and write it to `target`.

    On failure the executed copy (with the error output) is kept in a temporary folder and named in the
    raised NotebookFailure. `kernels` tracks the kernel so that an interrupted build can stop it.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as err:  # not JSON, or not a notebook
        raise NotebookFailure(source.name, None, f"not a readable notebook: {err}") from None
    for cell in nb.cells:  # start from a clean slate: no stale outputs
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # every cell has replied before the kernel is stopped, so it can be stopped at once (a graceful
    # shutdown costs about half a second a notebook)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            shutdown_kernel="immediate", resources={"metadata": {"path": str(source.parent)}})
    if kernels is not None:
        kernels.add(client)
        client.on_notebook_start = kernels.check  # a kernel that came up after an interrupt runs nothing
    try:
        # the kernel's own start-up chatter (warnings about its transport) stays off the terminal
        client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except CellExecutionError as err:
        failing = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                        and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()[-1]
        kept = Path(tempfile.mkdtemp(prefix="scomm-failed-")) / source.name
        _normalise(nb)
        nbformat.write(nb, kept)
        raise NotebookFailure(source.name, failing, message, kept) from None
    except Exception as err:  # kernel died, timeout
        raise NotebookFailure(source.name, None, f"{type(err).__name__}: {err}") from None
    _normalise(nb)
    nbformat.write(nb, target)


def _normalise(nb) -> None:
    """Drop run-specific metadata so a rebuild with the same inputs writes the same bytes."""
    nb.metadata.pop("papermill", None)
    nb.nbformat, nb.nbformat_minor = 4, 5
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids (nbformat and papermill would draw random ones)
        cell.metadata.pop("papermill", None)
        if cell.cell_type == "code":  # printed text arrives in chunks that depend on timing: join them
            merged = []
            for out in cell.outputs:
                if (merged and out.get("output_type") == "stream" and merged[-1].get("output_type") == "stream"
                        and merged[-1].get("name") == out.get("name")):
                    merged[-1]["text"] = merged[-1]["text"] + out["text"]
                else:
                    merged.append(out)
            cell.outputs = merged
        cell.metadata.pop("execution", None)


class Progress:
    """One progress display on a terminal; one line per notebook otherwise (CI, log files)."""

    def __init__(self, total: int, enabled: bool):
        self.enabled = enabled and total > 0
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.enabled and self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="notebooks", unit="nb", file=sys.stderr, dynamic_ncols=True, leave=False)

    def done(self, name: str, seconds: float) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(name[:32])
            self.bar.update(1)
        else:
            print(f"scomm build: ran {name} ({seconds:.1f} s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_notebooks(sources: Sequence[Path], target_dir: Path, env: dict[str, str], jobs: int,
                  progress: Progress) -> None:
    """Execute `sources` `jobs` at a time (threads: each notebook runs in its own kernel process).

    Interrupted (Ctrl-C, or a signal the command line turns into KeyboardInterrupt), it kills every
    kernel and waits for them to exit before passing the interrupt on, so none writes afterwards."""
    kernels = Kernels()

    def one(path: Path) -> None:
        started = time.perf_counter()
        execute_notebook(path, target_dir / path.name, env, kernels)
        progress.done(path.stem, time.perf_counter() - started)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        # longest first, so the last notebook to finish is a short one; a notebook's size (it holds its
        # charts) is a good enough estimate of its run time
        futures = {path: pool.submit(one, path) for path in sorted(sources, key=_expected_cost, reverse=True)}
        errors = []
        for path in sources:  # failures reported in reading order, whatever order they ran in
            try:
                futures[path].result()
            except NotebookFailure as err:
                errors.append(err)
        if errors:
            raise errors[0]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        kernels.stop_all()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _expected_cost(path: Path) -> int:
    """A notebook's size in bytes: the committed copy holds its charts, which take most of the run time."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


# ---------------------------------------------------------------- the output folder: lock, staging, swap


def clean_stale_staging(out: Path) -> list[Path]:
    """Remove staging folders that killed builds left in OUT (their process id is in the name)."""
    return output_folder.clean_stale_staging(out, STAGING_PREFIX)


def read_manifest(out: Path) -> dict:
    """The last build's manifest in OUT ({} when there is none or it is not valid JSON).

    Every path it names is proven to lie inside OUT (under notebooks/ or figures/) before anything uses
    it: an entry that is absolute, holds '..' or leads out through a symbolic link stops the build
    (BuildError) before a file is moved or deleted."""
    path = out / "figures" / STATE / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not (isinstance(manifest, dict) and isinstance(manifest.get("outputs", {}), dict)
            and isinstance(manifest.get("notebooks", {}), dict)
            and all(isinstance(rec, dict) and isinstance(rec.get("outputs", []), list)
                    and isinstance(rec.get("reads", {}), dict) for rec in manifest.get("notebooks", {}).values())):
        return {}  # not a manifest this build wrote: every file in OUT counts as the user's (kept)
    named: list = list(manifest.get("outputs", {}))
    for rec in manifest.get("notebooks", {}).values():
        named += list(rec.get("outputs", []))
    bad = []
    for rel in named:
        try:
            output_folder.inside(out, rel, OUTPUT_SUBDIRS)
        except output_folder.UnsafePathError as err:
            bad.append(str(err))
    if bad:
        listed = "\n".join(f"  {b}" for b in bad[:10]) + (f"\n  ... and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BuildError(f"{path} names files outside the output folder:\n{listed}\n"
                         "nothing was moved or deleted; restore that file from a good copy (git checkout, or "
                         "delete the build-state folder to start afresh)")
    return manifest


def edited_outputs(out: Path, manifest: dict, project_root: bool) -> list[Path]:
    """Outputs of the last build that have been changed since (their bytes differ from the manifest's
    hash): a build would replace or delete them. The project's own notebooks are sources as well as
    outputs, so edits to them are expected there."""
    changed = []
    for rel, digest in sorted((manifest.get("outputs") or {}).items()):
        if project_root and rel.startswith("notebooks/"):
            continue
        target = out / rel
        if target.is_file() and not target.is_symlink() and _sha(target) != digest:
            changed.append(target)
    return changed


def foreign_files(out: Path, manifest: dict) -> list[Path]:
    """Files under OUT/notebooks and OUT/figures that no build wrote (the user's own)."""
    ours = set(manifest.get("outputs", {}))
    if out.resolve() == PROJECT_ROOT.resolve():  # the project's own notebooks and nbval settings are ours
        ours |= {f"notebooks/{p.name}" for p in notebook_paths()} | {f"notebooks/{n}" for n in AUX_FILES}
    found = []
    for sub in OUTPUT_SUBDIRS:
        base = out / sub
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(out).as_posix()
            if (path.is_file() and rel not in ours and "__pycache__" not in path.parts
                    and ".ipynb_checkpoints" not in path.parts and not rel.startswith("figures/other-data/")
                    and not rel.startswith(f"figures/{STATE}/")):
                found.append(path)
    return sorted(found)


def swap_in(staging: Path, out: Path, new_files: Sequence[str], old_files: Sequence[str]) -> None:
    """Move each staged file of `new_files` to OUT and delete `old_files` that are no longer produced;
    on any failure put everything back as it was. Files the build did not write are never touched."""
    backup = staging / ".previous"
    done: list[tuple[Path, Path | None]] = []  # (target, its backup or None when it did not exist)
    order = list(new_files) + [r for r in old_files if r not in set(new_files)]
    for rel in order:  # every path proven inside OUT before the first is touched
        try:
            output_folder.inside(out, rel, OUTPUT_SUBDIRS)
        except output_folder.UnsafePathError as err:
            raise BuildError(f"{err}; nothing was moved or deleted") from None
    try:
        for rel in order:
            target = out / rel
            saved = None
            if target.exists():
                saved = backup / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, saved)
            done.append((target, saved))
            if rel in new_files:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, target)
    except OSError:
        for target, saved in reversed(done):
            target.unlink(missing_ok=True)  # the old file was moved aside first: what stands here is new
            if saved is not None:
                os.replace(saved, target)
        raise


# ---------------------------------------------------------------- collecting


def collect_ratios(state_dir: Path, notebooks: Sequence[Path]):
    """ratios.csv rows from each notebook's record, in notebook and print order."""
    import pandas as pd

    rows = []
    for nb in notebooks:
        ledger = state_dir / f"{nb.stem}.ratios.jsonl"
        if not ledger.exists():
            continue
        for order, line in enumerate(ledger.read_text(encoding="utf-8").splitlines(), start=1):
            item = json.loads(line)
            rows.append({"notebook": nb.stem, "order": order, "key": item["key"], "value": item["value"],
                         "unit": item["unit"], "qualifier": item["qualifier"], "figure_ids": item["figure_ids"],
                         "text": item["text"]})
    return pd.DataFrame(rows, columns=["notebook", "order", "key", "value", "unit", "qualifier", "figure_ids", "text"])


def _write_csv(frame, path: Path) -> None:
    from scomm.safe_csv import defuse_formulas

    defuse_formulas(frame).to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


# ---------------------------------------------------------------- the build


@dataclass
class Plan:
    """Which notebooks run and which keep their previous outputs."""

    run: list[Path]
    reuse: list[Path]
    fingerprints: dict[str, str]


def plan(nb_sources: Sequence[Path], ds, previous: dict, extra: Callable[[Path], str], force: bool,
         out: Path) -> Plan:
    """Compare each notebook's reads, evaluated on the new data, with what the last build recorded."""
    from scomm import lineage

    recorded = previous.get("notebooks", {})
    missing = lineage.missing_by_notebook({nb.stem: recorded[nb.stem] for nb in nb_sources
                                           if nb.stem in recorded and not force}, ds)
    if missing:  # every notebook and every figure at once, not one build at a time
        raise BuildError(f"the data lacks figures the notebooks read:\n{lineage.missing_text(missing)}\n"
                         "nothing was changed")
    run, reuse, prints = [], [], {}
    for nb in nb_sources:
        rec = recorded.get(nb.stem)
        if rec is None or force:
            run.append(nb)
            continue
        prints[nb.stem] = lineage.fingerprint(rec["reads"], ds, extra(nb))
        outputs_ok = all((out / rel).is_file() and _sha(out / rel) == previous["outputs"].get(rel)
                         for rel in rec["outputs"])
        (reuse if prints[nb.stem] == rec["fingerprint"] and outputs_ok else run).append(nb)
    return Plan(run, reuse, prints)


def claims_checks(ds):
    """The published-claims checks table of `ds` (record counts read from the dataset's own folder)."""
    from scomm import claims as claims_mod

    records = ds.table(claims_mod.RECORDS_TABLE) if claims_mod.uses_records(ds.claims) else None
    return claims_mod.evaluate(ds.claims, ds.figures, records)


def _warm_up_executor() -> None:
    """Import the notebook executor (nbclient and nbformat take about a second) in a thread, so that it
    is ready when the first notebook starts; called only when notebooks will run."""
    import threading

    threading.Thread(target=lambda: (__import__("nbformat"), __import__("nbclient")), daemon=True).start()


SNAPSHOT = ".inputs"  # inside the staging folder: the bytes every step of one build reads (not an output)


def snapshot_inputs(paths: Sequence[Path], target: Path) -> dict[str, str]:
    """Copy the five data files (`paths`, saved under their standard names) and every other table of the
    data package (from the folder of the figures file when it holds one, else the bundled data/) into
    `target`, in data/ layout; return the SHA-256 of the five files' bytes as copied.

    Each file is read once: the copy is what the build validates, hashes and hands to every notebook, so
    a file saved again during the build changes nothing in it."""
    from scomm.schema import load_package

    target.mkdir(parents=True)
    hashes = {}
    for name, path in zip(DATA_NAMES, paths):
        data = path.read_bytes()
        (target / name).write_bytes(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    folder = paths[0].parent
    for resource in load_package().get("resources", []):
        rel = str(resource.get("path", ""))
        if not rel or rel in DATA_NAMES:
            continue
        source = folder / rel if (folder / rel).is_file() else DATA_DIR / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / rel)
    return hashes


def _check_inputs(paths: Sequence[Path]) -> None:
    for path in paths:
        if path.is_dir():
            raise BuildError(f"{path} is a folder; give the path of a CSV file (or a folder holding figures.csv)")
        if not path.exists():
            raise BuildError(f"input file not found: {path}")


def _out_folder(out: str | None) -> Path:
    out_dir = resolve(out, PROJECT_ROOT)
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"--out {out_dir} is a file, not a folder")
    try:
        output_folder.refuse_unsafe_out(out_dir, PROJECT_ROOT)
    except output_folder.UnsafePathError as err:
        raise BuildError(str(err)) from None
    return out_dir


def run_build(data: str | None = None, sources: str | None = None, metrics: str | None = None,
              out: str | None = None, jobs: int | None = None, formats: Sequence[str] = DEFAULT_FORMATS,
              force: bool = False, progress: bool = True, notebooks: Sequence[Path] | None = None,
              replace: bool = False) -> int:
    """Run a build; return 0 when it is done (or there was nothing to do).

    Raises BuildError, NotebookFailure, FiguresValidationError or OSError for expected faults: the
    command line turns them into messages. Nothing in OUT changes unless the build succeeds, and nothing
    outside OUT is written (but the derived tables of data/, see `enforcement.derive_for_build`).
    """
    started = time.perf_counter()
    if force:  # every notebook will run: load the executor while the data is checked
        _warm_up_executor()
    from scomm.data import dataset_paths, load_dataset

    paths = dataset_paths(data, sources, metrics)
    _check_inputs(paths)
    out_dir = _out_folder(out)
    nb_sources = list(notebooks) if notebooks is not None else notebook_paths()
    from scomm.enforcement import derive_for_build

    derive_for_build(announce=progress)  # raw ICE records -> data/derived/ (skipped when their checksums match)

    out_dir.mkdir(parents=True, exist_ok=True)
    lock = output_folder.FolderLock(out_dir, LOCK_NAME, "another build (process {pid}) is writing to "
                                    f"{out_dir}; wait for it to finish")
    try:
        lock.acquire()
    except output_folder.LockBusy as err:
        raise BuildError(str(err)) from None
    try:
        clean_stale_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=output_folder.staging_name(STAGING_PREFIX), dir=out_dir))
        try:
            return _build_in(staging, out_dir, paths, nb_sources, jobs, formats, force, progress, replace, started,
                             load_dataset)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.release()


def _build_in(staging: Path, out_dir: Path, paths, nb_sources, jobs, formats, force: bool, progress: bool,
              replace: bool, started: float, load_dataset) -> int:
    """The build proper, inside the lock, with `staging` made (and removed by the caller)."""
    for nb in nb_sources:  # each notebook must be readable before anything runs
        _notebook_source_hash(nb)
    snapshot = staging / SNAPSHOT
    data_hashes = snapshot_inputs(paths, snapshot)
    ds = load_dataset(*(snapshot / name for name in DATA_NAMES), data_dir=snapshot, names=[p.name for p in paths])
    previous = read_manifest(out_dir)
    foreign = foreign_files(out_dir, previous)
    if foreign and not replace:
        raise BuildError(f"{out_dir} holds files that no scomm build wrote:\n{_listed(foreign)}\n"
                         "choose an empty --out folder, or add --replace to write beside them (they are kept; "
                         "a file with the same name as an output is replaced)")
    defaults = all(p == d for p, d in zip(paths, dataset_paths_default()))
    label = "data/figures.csv" if defaults else paths[0].name
    code = code_hash()
    extra = lambda nb: json.dumps([_notebook_source_hash(nb), code, list(formats), label])  # noqa: E731
    the_plan = plan(nb_sources, ds, previous, extra, force, out_dir)
    if the_plan.run and not force:
        _warm_up_executor()
    data_hashes["datapackage.json"] = _sha(DATAPACKAGE_JSON)
    outputs_present = all((out_dir / rel).is_file() for rel in previous.get("outputs", {}))
    if not the_plan.run and previous.get("data") == data_hashes and previous.get("formats") == list(formats) \
            and set(previous.get("notebooks", {})) == {nb.stem for nb in nb_sources} and outputs_present:
        _finish_message(out_dir, f"nothing changed since the last build ({time.perf_counter() - started:.2f} s); "
                                 "use --force to rebuild", progress)
        return 0
    edited = edited_outputs(out_dir, previous, out_dir.resolve() == PROJECT_ROOT.resolve())
    if edited and not replace:
        raise BuildError(f"these outputs of the last build were changed since, and a build would replace them:\n"
                         f"{_listed(edited)}\nmove them elsewhere to keep your changes, or add --replace to "
                         "let the build overwrite them")
    _stage(staging, out_dir, ds, paths, previous, the_plan, nb_sources, formats, label, extra, data_hashes,
           jobs, progress, snapshot)
    manifest = json.loads((staging / "figures" / STATE / MANIFEST).read_text(encoding="utf-8"))
    swap_in(staging, out_dir, sorted(manifest["outputs"]) + [f"figures/{STATE}/{MANIFEST}"],
            sorted(previous.get("outputs", {})))
    _finish_message(out_dir, f"ran {len(the_plan.run)} notebook(s), kept {len(the_plan.reuse)} unchanged "
                             f"({time.perf_counter() - started:.1f} s); see {out_dir / 'figures' / 'changes.md'} "
                             "for what changed", progress)
    return 0


def dataset_paths_default() -> tuple[Path, ...]:
    """The bundled data files (what a build with no --data reads)."""
    from scomm.data import dataset_paths

    return dataset_paths()


def _listed(paths: Sequence[Path], most: int = 10) -> str:
    shown = "\n".join(f"  {p}" for p in paths[:most])
    return shown + (f"\n  ... and {len(paths) - most} more" if len(paths) > most else "")


def _finish_message(out_dir: Path, what: str, progress: bool) -> None:
    report = out_dir / "figures" / "report.html"
    if report.exists():
        print(f"Open the report: {report}", file=sys.stderr)
    print(f"scomm build: {what}.", file=sys.stderr)  # last: the change log's full path


def _stage(staging: Path, out_dir: Path, ds, paths, previous: dict, the_plan: Plan, nb_sources, formats, label,
           extra, data_hashes, jobs, progress: bool, snapshot: Path) -> None:
    """Write every output of the build into `staging` (same layout as OUT), reading only `snapshot`."""
    from scomm import lineage, report

    nb_dir, fig_dir = staging / "notebooks", staging / "figures"
    state = fig_dir / STATE
    for d in (nb_dir, fig_dir, state):
        d.mkdir(parents=True, exist_ok=True)
    recorded = previous.get("notebooks", {})
    # Notebooks whose reads did not change keep their outputs byte for byte.
    for nb in the_plan.reuse:
        rec = recorded[nb.stem]
        for rel in rec["outputs"]:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(out_dir / rel, staging / rel)
        for suffix in (".lineage.json", ".ratios.jsonl"):
            src = out_dir / "figures" / STATE / f"{nb.stem}{suffix}"
            if src.exists():
                shutil.copy2(src, state / src.name)
    settings = RunSettings(figures_dir=fig_dir, formats=tuple(formats), state_dir=state, data_label=label,
                           data_dir=snapshot)
    env = settings.to_env()
    env["PYTHONHASHSEED"] = "0"
    # one more notebook than cores: a kernel spends part of its start-up waiting, and the spare one fills that
    jobs = jobs or (os.cpu_count() or 1) + 1
    bar = Progress(len(the_plan.run), progress)
    if progress and the_plan.run:
        print(f"scomm build: {len(ds.figures)} figures valid; running {len(the_plan.run)} of {len(nb_sources)} "
              f"notebooks, {min(jobs, len(the_plan.run))} at a time", file=sys.stderr, flush=True)
    # What depends on the data alone is made while the notebooks run (the parent only waits on kernels).
    helper = ThreadPoolExecutor(max_workers=1)
    prepared = helper.submit(report.prepare, ds)
    checks_later = helper.submit(claims_checks, ds)
    try:
        run_notebooks(the_plan.run, nb_dir, env, jobs, bar)
    except BaseException:
        helper.shutdown(wait=False, cancel_futures=True)  # the data-only parts are not needed any more
        raise
    finally:
        bar.close()
    helper.shutdown(wait=True)  # both parts finish (never cancelled: the build needs them)
    for name in AUX_FILES:
        if (NOTEBOOKS_DIR / name).exists():
            shutil.copy2(NOTEBOOKS_DIR / name, nb_dir / name)

    # Lineage: what each notebook read and wrote.
    notebooks_state = {}
    for nb in nb_sources:
        rec_path = state / f"{nb.stem}.lineage.json"
        rec = json.loads(rec_path.read_text(encoding="utf-8")) if rec_path.exists() else {
            "reads": lineage.empty_reads(), "charts": {}}
        outputs = [f"notebooks/{nb.name}"] + [f"figures/{c}.{ext}" for c in rec["charts"]
                                              for ext in (*formats, "csv")]
        outputs += [f"figures/{STATE}/{nb.stem}{s}" for s in (".lineage.json", ".ratios.jsonl")
                    if (state / f"{nb.stem}{s}").exists()]
        fingerprint = the_plan.fingerprints.get(nb.stem) if nb in the_plan.reuse else None
        notebooks_state[nb.stem] = {"reads": rec["reads"], "charts": rec["charts"], "outputs": outputs,
                                    "fingerprint": fingerprint or lineage.fingerprint(rec["reads"], ds, extra(nb))}

    ratios = collect_ratios(state, nb_sources)
    _write_csv(ratios, fig_dir / "ratios.csv")
    checks = checks_later.result()
    _write_csv(checks, fig_dir / "claims_checks.csv")
    # a fresh output folder is compared with the last default build (the project's own figures/)
    base = out_dir if (out_dir / "figures" / STATE / "inputs" / "figures.csv").is_file() else PROJECT_ROOT
    old = report.previous_build(base / "figures" / STATE / "inputs", base / "figures" / "ratios.csv")
    changes = report.changes_markdown(old, snapshot / DATA_NAMES[0], ratios, ds.sources, checks)
    (fig_dir / "changes.md").write_text(changes, encoding="utf-8")
    inputs_dir = state / "inputs"
    inputs_dir.mkdir()
    for name in DATA_NAMES:  # the snapshot the build read, under fixed names whatever the files were called
        shutil.copyfile(snapshot / name, inputs_dir / name)
    charts_meta = {name: meta for rec in notebooks_state.values() for name, meta in rec["charts"].items()}
    version = hashlib.sha256("".join(data_hashes[k] for k in sorted(data_hashes)).encode()).hexdigest()[:12]
    report.write_html(fig_dir / "report.html", nb_dir, nb_sources, fig_dir, ds, changes, checks, ratios,
                      charts_meta, version, prepared.result())
    (state / LINEAGE).write_text(json.dumps(notebooks_state, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    # files copied from reused notebooks were checked against the last manifest when the plan was made
    known = {rel: previous["outputs"][rel] for nb in the_plan.reuse for rel in recorded[nb.stem]["outputs"]
             if rel in previous.get("outputs", {})}
    outputs = {}
    for sub in OUTPUT_SUBDIRS:
        for path in sorted((staging / sub).rglob("*")):
            rel = path.relative_to(staging).as_posix()
            if path.is_file() and rel != f"figures/{STATE}/{MANIFEST}":
                outputs[rel] = known.get(rel) or _sha(path)
    manifest = {"data": data_hashes, "formats": list(formats), "outputs": outputs,
                "notebooks": {k: {"reads": v["reads"], "outputs": v["outputs"], "fingerprint": v["fingerprint"]}
                              for k, v in notebooks_state.items()}}
    (state / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
