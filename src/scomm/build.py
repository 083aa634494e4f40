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
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from scomm.paths import DATAPACKAGE_JSON, NOTEBOOKS_DIR, PROJECT_ROOT, SRC_DIR, resolve
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
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in nb["cells"]]
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


def execute_notebook(source: Path, target: Path, env: dict[str, str]) -> None:
    """Run `source` in a fresh kernel with `env` (which carries the run settings) and write it to `target`.

    On failure the executed copy (with the error output) is kept in a temporary folder and named in the
    raised NotebookFailure.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:  # start from a clean slate: no stale outputs
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # every cell has replied before the kernel is stopped, so it can be stopped at once (a graceful
    # shutdown costs about half a second a notebook)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            shutdown_kernel="immediate", resources={"metadata": {"path": str(source.parent)}})
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
    """Execute `sources` `jobs` at a time (threads: each notebook runs in its own kernel process)."""

    def one(path: Path) -> None:
        started = time.perf_counter()
        execute_notebook(path, target_dir / path.name, env)
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
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _expected_cost(path: Path) -> int:
    """A notebook's size in bytes: the committed copy holds its charts, which take most of the run time."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


# ---------------------------------------------------------------- the output folder: lock, staging, swap


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputLock:
    """OUT/.scomm-build.lock holding the builder's process id; a second build is refused while the
    holder lives, and a lock left by a killed build is taken over."""

    def __init__(self, out: Path):
        self.path = out / LOCK_NAME
        self.held = False

    def __enter__(self) -> "OutputLock":
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    pid = int(self.path.read_text().strip() or "0")
                except (OSError, ValueError):
                    pid = 0
                if pid and _pid_alive(pid):
                    raise BuildError(f"another build (process {pid}) is writing to {self.path.parent}; "
                                     f"wait for it to finish (or remove {self.path} if that process is not scomm)")
                self.path.unlink(missing_ok=True)  # stale: its builder was killed
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()}\n")
            self.held = True
            return self
        raise BuildError(f"could not take the lock {self.path}")

    def __exit__(self, *exc) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)


def clean_stale_staging(out: Path) -> list[Path]:
    """Remove staging folders that killed builds left in OUT (their process id is in the name)."""
    removed = []
    for path in out.glob(STAGING_PREFIX + "*"):
        match = re.match(re.escape(STAGING_PREFIX) + r"(\d+)-", path.name)
        if path.is_dir() and match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def read_manifest(out: Path) -> dict:
    """The last build's manifest in OUT ({} when there is none or it is unreadable)."""
    path = out / "figures" / STATE / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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
    try:
        for rel in list(new_files) + [r for r in old_files if r not in set(new_files)]:
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
    run, reuse, prints = [], [], {}
    for nb in nb_sources:
        rec = recorded.get(nb.stem)
        if rec is None or force:
            run.append(nb)
            continue
        missing = lineage.missing_figures(rec["reads"], ds)
        if missing:
            raise BuildError(f"notebook {nb.name} needs figure(s) {', '.join(missing)}, which the data does not "
                             f"have; nothing was changed")
        prints[nb.stem] = lineage.fingerprint(rec["reads"], ds, extra(nb))
        outputs_ok = all((out / rel).is_file() and _sha(out / rel) == previous["outputs"].get(rel)
                         for rel in rec["outputs"])
        (reuse if prints[nb.stem] == rec["fingerprint"] and outputs_ok else run).append(nb)
    return Plan(run, reuse, prints)


def _warm_up_executor() -> None:
    """Import the notebook executor (nbclient and nbformat take about a second) in a thread, so that it
    is ready when the first notebook starts; called only when notebooks will run."""
    import threading

    threading.Thread(target=lambda: (__import__("nbformat"), __import__("nbclient")), daemon=True).start()


def run_build(data: str | None = None, sources: str | None = None, metrics: str | None = None,
              out: str | None = None, jobs: int | None = None, formats: Sequence[str] = DEFAULT_FORMATS,
              force: bool = False, progress: bool = True, notebooks: Sequence[Path] | None = None,
              replace: bool = False) -> int:
    """Run a build; return 0 when it is done (or there was nothing to do).

    Raises BuildError, NotebookFailure, FiguresValidationError or OSError for expected faults: the
    command line turns them into messages. Nothing in OUT changes unless the build succeeds.
    """
    started = time.perf_counter()
    if force:  # every notebook will run: load the executor while the data is checked
        _warm_up_executor()
    from scomm.data import dataset_paths, load_dataset

    paths = dataset_paths(data, sources, metrics)
    for path in paths:
        if path.is_dir():
            raise BuildError(f"{path} is a folder; give the path of a CSV file")
        if not path.exists():
            raise BuildError(f"input file not found: {path}")
    out_dir = resolve(out, PROJECT_ROOT)
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"--out {out_dir} is a file, not a folder")
    nb_sources = list(notebooks) if notebooks is not None else notebook_paths()
    ds = load_dataset(*paths)
    from scomm.enforcement import derive_for_build

    derive_for_build(announce=progress)  # raw ICE records -> data/derived/ (skipped when their checksums match)

    out_dir.mkdir(parents=True, exist_ok=True)
    with OutputLock(out_dir):
        clean_stale_staging(out_dir)
        previous = read_manifest(out_dir)
        foreign = foreign_files(out_dir, previous)
        if foreign and not replace:
            listed = "\n".join(f"  {p}" for p in foreign[:10]) + (f"\n  ... and {len(foreign) - 10} more" if len(foreign) > 10 else "")
            raise BuildError(f"{out_dir} holds files that no scomm build wrote:\n{listed}\n"
                             "choose an empty --out folder, or add --replace to write beside them (they are kept; "
                             "a file with the same name as an output is replaced)")
        defaults = all(p == d for p, d in zip(paths, dataset_paths()))
        label = "data/figures.csv" if defaults else paths[0].name
        code = code_hash()
        extra = lambda nb: json.dumps([_notebook_source_hash(nb), code, list(formats), label])  # noqa: E731
        the_plan = plan(nb_sources, ds, previous, extra, force, out_dir)
        if the_plan.run and not force:
            _warm_up_executor()
        data_hashes = {name: _sha(p) for name, p in zip(DATA_NAMES, paths)}
        data_hashes["datapackage.json"] = _sha(DATAPACKAGE_JSON)
        if not the_plan.run and previous.get("data") == data_hashes and previous.get("formats") == list(formats) \
                and set(previous.get("notebooks", {})) == {nb.stem for nb in nb_sources}:
            _finish_message(out_dir, f"nothing changed since the last build ({time.perf_counter() - started:.2f} s); "
                                     "use --force to rebuild", progress)
            return 0

        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out_dir))
        try:
            _stage(staging, out_dir, ds, paths, previous, the_plan, nb_sources, formats, label, extra, data_hashes,
                   jobs, progress)
            manifest = json.loads((staging / "figures" / STATE / MANIFEST).read_text(encoding="utf-8"))
            swap_in(staging, out_dir, sorted(manifest["outputs"]) + [f"figures/{STATE}/{MANIFEST}"],
                    sorted(previous.get("outputs", {})))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    ran = len(the_plan.run)
    _finish_message(out_dir, f"ran {ran} notebook(s), kept {len(the_plan.reuse)} unchanged "
                             f"({time.perf_counter() - started:.1f} s); see figures/changes.md for what changed", progress)
    return 0


def _finish_message(out_dir: Path, what: str, progress: bool) -> None:
    report = out_dir / "figures" / "report.html"
    print(f"scomm build: {what}.", file=sys.stderr)
    if report.exists():
        print(f"Open the report: {report}", file=sys.stderr)


def _stage(staging: Path, out_dir: Path, ds, paths, previous: dict, the_plan: Plan, nb_sources, formats, label,
           extra, data_hashes, jobs, progress: bool) -> None:
    """Write every output of the build into `staging` (same layout as OUT)."""
    from scomm import claims as claims_mod
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
                           data_paths=tuple(paths))
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
    checks_later = helper.submit(claims_mod.evaluate, ds.claims, ds.figures)
    try:
        run_notebooks(the_plan.run, nb_dir, env, jobs, bar)
    finally:
        bar.close()
        helper.shutdown(wait=True, cancel_futures=True)
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
    old = report.previous_build(out_dir / "figures" / STATE / "inputs", out_dir / "figures" / "ratios.csv")
    changes = report.changes_markdown(old, paths[0], ratios)
    (fig_dir / "changes.md").write_text(changes, encoding="utf-8")
    inputs_dir = state / "inputs"
    inputs_dir.mkdir()
    for name, path in zip(DATA_NAMES, paths):  # under fixed names, whatever the files were called
        shutil.copy2(path, inputs_dir / name)
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
