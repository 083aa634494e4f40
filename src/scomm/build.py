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
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scomm import build_stamp, output_folder
from scomm.build_stamp import code_hash
from scomm.build_state import (
    AUX_FILES,
    MANIFEST,
    OUTPUT_SUBDIRS,
    STATE,
    BuildError,
    edited_outputs,
    foreign_files,
    read_manifest,
    swap_in,
)
from scomm.notebook_runner import NotebookFailure, Progress, notebook_paths, run_notebooks, warm_up_executor
from scomm.paths import DATA_DIR, DATAPACKAGE_JSON, NOTEBOOKS_DIR, PROJECT_ROOT, resolve
from scomm.settings import DEFAULT_FORMATS, RunSettings

if TYPE_CHECKING:  # the analyses pull in pandas and matplotlib: imported when a build has work to do
    from scomm.analysis import Analysis
    from scomm.data import Dataset

__all__ = [
    "BuildError",
    "NotebookFailure",
    "run_build",
    "notebook_paths",
    "code_hash",
    "read_manifest",
    "foreign_files",
    "swap_in",
    "edited_outputs",
    "LOCK_NAME",
    "STAGING_PREFIX",
    "STATE",
    "MANIFEST",
    "OUTPUT_SUBDIRS",
]

LINEAGE = "lineage.json"
FAILED_DIR = ".scomm-failed"  # in OUT: the executed copy of a notebook that failed, for reading its error
LOCK_NAME = ".scomm-build.lock"
STAGING_PREFIX = ".scomm-build-"
LAST_DEFAULT_BUILD = PROJECT_ROOT  # a build into a new output folder compares with the project's own last build
DATA_NAMES = ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv")


# ---------------------------------------------------------------- hashing


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cell types and sources only (outputs change with every run)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [
            (c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
            for c in nb["cells"]
        ]
    except (ValueError, KeyError, TypeError) as err:
        where = f", line {err.lineno}, column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        raise BuildError(
            f"{path}{where}: not a readable notebook ({err}); expected Jupyter's JSON "
            "notebook format (restore it with git checkout, or open and save it in JupyterLab)"
        ) from None
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


# ---------------------------------------------------------------- the output folder: lock, staging, swap


def clean_stale_staging(out: Path) -> list[Path]:
    """Remove staging folders that killed builds left in OUT (their process id is in the name)."""
    return output_folder.clean_stale_staging(out, STAGING_PREFIX)


# ---------------------------------------------------------------- collecting


RATIO_COLUMNS = ["notebook", "order", "key", "value", "unit", "qualifier", "figure_ids", "text"]


@dataclass
class Analysed:
    """A notebook's analysis computed in the build's own process, and what it read."""

    result: Analysis
    reads: dict


def analyse_notebooks(ds: Dataset, label: str, notebooks: Sequence[Path]) -> dict[str, Analysed]:
    """Call the analysis function of every notebook that has one on `ds` (the build's snapshot), each
    through its own recording dataset; an analysis that fails is a BuildError naming the notebook."""
    from scomm.analyses import ANALYSES
    from scomm.recording import RecordingDataset

    done = {}
    for nb in notebooks:
        analyse = ANALYSES.get(nb.stem)
        if analyse is None:
            continue
        data = RecordingDataset(ds, label, f"notebook {nb.stem}")
        try:
            done[nb.stem] = Analysed(analyse(data), data.reads)
        except (KeyError, ValueError, TypeError, ZeroDivisionError) as err:
            raise BuildError(f"the analysis of notebook {nb.stem} failed on this data: {err}") from None
    return done


def collect_ratios(state_dir: Path, notebooks: Sequence[Path], analysed: dict[str, Analysed] | None = None):
    """ratios.csv rows in notebook order: from each notebook's analysis computed in-process when it has one,
    else from the record its kernel wrote (in print order)."""
    import pandas as pd

    analysed = analysed or {}
    rows = []
    for nb in notebooks:
        if nb.stem in analysed:
            items = list(analysed[nb.stem].result.ratio_rows())
        else:
            ledger = state_dir / f"{nb.stem}.ratios.jsonl"
            lines = ledger.read_text(encoding="utf-8").splitlines() if ledger.exists() else []
            items = [json.loads(line) for line in lines]
        for order, item in enumerate(items, start=1):
            rows.append({"notebook": nb.stem, "order": order, **{c: item[c] for c in RATIO_COLUMNS[2:]}})
    return pd.DataFrame(rows, columns=RATIO_COLUMNS)


def merged_reads(*records: dict) -> dict:
    """One record of reads holding every read of `records`, in first-seen order."""
    from scomm import lineage

    out = lineage.empty_reads()
    for rec in records:
        for kind, items in rec.items():
            for item in items:
                if item not in out.setdefault(kind, []):
                    out[kind].append(item)
    return out


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


def plan(nb_sources: Sequence[Path], ds, previous: dict, extra: Callable[[Path], str], force: bool, out: Path) -> Plan:
    """Compare each notebook's reads, evaluated on the new data, with what the last build recorded."""
    from scomm import lineage

    recorded = previous.get("notebooks", {})
    missing = lineage.missing_by_notebook(
        {nb.stem: recorded[nb.stem] for nb in nb_sources if nb.stem in recorded and not force}, ds
    )
    if missing:  # every notebook and every figure at once, not one build at a time
        raise BuildError(
            f"the data lacks figures the notebooks read:\n{lineage.missing_text(missing)}\nnothing was changed"
        )
    run: list[Path] = []
    reuse: list[Path] = []
    prints: dict[str, str] = {}
    for nb in nb_sources:
        rec = recorded.get(nb.stem)
        if rec is None or force:
            run.append(nb)
            continue
        prints[nb.stem] = lineage.fingerprint(rec["reads"], ds, extra(nb))
        outputs_ok = all(
            (out / rel).is_file() and _sha(out / rel) == previous["outputs"].get(rel) for rel in rec["outputs"]
        )
        (reuse if prints[nb.stem] == rec["fingerprint"] and outputs_ok else run).append(nb)
    return Plan(run, reuse, prints)


def claims_checks(ds):
    """The published-claims checks table of `ds` (record counts read from the dataset's own folder)."""
    from scomm import claims as claims_mod

    records = ds.table(claims_mod.RECORDS_TABLE) if claims_mod.uses_records(ds.claims) else None
    monthly = ds.table(claims_mod.DETAINER_TABLE) if claims_mod.uses_detainer_months(ds.claims) else None
    return claims_mod.evaluate(ds.claims, ds.figures, records, monthly)


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


def run_build(
    data: str | None = None,
    sources: str | None = None,
    metrics: str | None = None,
    out: str | None = None,
    jobs: int | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    force: bool = False,
    progress: bool = True,
    notebooks: Sequence[Path] | None = None,
    replace: bool = False,
) -> int:
    """Run a build; return 0 when it is done (or there was nothing to do).

    Raises BuildError, NotebookFailure, FiguresValidationError or OSError for expected faults: the
    command line turns them into messages. Nothing in OUT changes unless the build succeeds, and nothing
    outside OUT is written: the derived tables of data/ are derived again in place only by a build of the
    project itself; a build elsewhere derives them into its own snapshot when they are out of date.
    """
    started = time.perf_counter()
    nb_sources = list(notebooks) if notebooks is not None else notebook_paths()
    if not force:  # nothing changed since the last build: decided before pandas or matplotlib is imported
        quick_paths = _dataset_paths_light(data, sources, metrics)
        out_dir = _out_folder(out)
        if all(p.is_file() for p in quick_paths) and build_stamp.matches(
            out_dir, build_stamp.stamp(out_dir, quick_paths, formats, nb_sources)
        ):
            _finish_message(out_dir, _nothing_changed(started), progress)
            return 0
    else:  # every notebook will run: load the executor while the data is checked
        warm_up_executor()
    from scomm.data import dataset_paths, load_dataset

    paths = dataset_paths(data, sources, metrics)
    _check_inputs(paths)
    out_dir = _out_folder(out)
    # the quick check resolves the data files without scomm.data: a stamp only where both agree
    stamp_ok = tuple(_dataset_paths_light(data, sources, metrics)) == tuple(paths)
    from scomm.enforcement import derive_for_build

    if out_dir.resolve() == PROJECT_ROOT.resolve():  # raw ICE records -> data/derived/ (skipped when current)
        derive_for_build(announce=progress)

    out_dir.mkdir(parents=True, exist_ok=True)
    lock = output_folder.FolderLock(
        out_dir, LOCK_NAME, f"another build (process {{pid}}) is writing to {out_dir}; wait for it to finish"
    )
    try:
        lock.acquire()
    except output_folder.LockBusy as err:
        raise BuildError(str(err)) from None
    try:
        clean_stale_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=output_folder.staging_name(STAGING_PREFIX), dir=out_dir))
        try:
            return _build_in(
                staging,
                out_dir,
                paths,
                nb_sources,
                jobs,
                formats,
                force,
                progress,
                replace,
                started,
                load_dataset,
                stamp_ok,
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.release()


def _build_in(
    staging: Path,
    out_dir: Path,
    paths,
    nb_sources,
    jobs,
    formats,
    force: bool,
    progress: bool,
    replace: bool,
    started: float,
    load_dataset,
    stamp_ok: bool = False,
) -> int:
    """The build proper, inside the lock, with `staging` made (and removed by the caller)."""
    for nb in nb_sources:  # each notebook must be readable before anything runs
        _notebook_source_hash(nb)
    snapshot = staging / SNAPSHOT
    data_hashes = snapshot_inputs(paths, snapshot)
    if out_dir.resolve() != PROJECT_ROOT.resolve():  # out of date derived tables: derived into the snapshot
        from scomm.enforcement import derive_for_build

        derive_for_build(announce=progress, out_dir=snapshot / "derived")
    ds = load_dataset(*(snapshot / name for name in DATA_NAMES), data_dir=snapshot, names=[p.name for p in paths])
    previous = read_manifest(out_dir)
    foreign = foreign_files(out_dir, previous)
    if foreign and not replace:
        raise BuildError(
            f"{out_dir} holds files that no scomm build wrote:\n{_listed(foreign)}\n"
            "choose an empty --out folder, or add --replace to write beside them (they are kept; "
            "a file with the same name as an output is replaced)"
        )
    defaults = all(p == d for p, d in zip(paths, dataset_paths_default()))
    label = "data/figures.csv" if defaults else paths[0].name
    code = code_hash()
    extra = lambda nb: json.dumps([_notebook_source_hash(nb), code, list(formats), label])  # noqa: E731
    the_plan = plan(nb_sources, ds, previous, extra, force, out_dir)
    if the_plan.run and not force:
        warm_up_executor()
    data_hashes["datapackage.json"] = _sha(DATAPACKAGE_JSON)
    outputs_present = all((out_dir / rel).is_file() for rel in previous.get("outputs", {}))
    if (
        not the_plan.run
        and previous.get("data") == data_hashes
        and previous.get("formats") == list(formats)
        and set(previous.get("notebooks", {})) == {nb.stem for nb in nb_sources}
        and outputs_present
    ):
        if stamp_ok:
            _leave_stamp(out_dir, paths, formats, nb_sources)
        _finish_message(out_dir, _nothing_changed(started), progress)
        return 0
    edited = edited_outputs(out_dir, previous, out_dir.resolve() == PROJECT_ROOT.resolve())
    if edited and not replace:
        raise BuildError(
            f"these outputs of the last build were changed since, and a build would replace them:\n"
            f"{_listed(edited)}\nmove them elsewhere to keep your changes, or add --replace to "
            "let the build overwrite them"
        )
    _stage(
        staging,
        out_dir,
        ds,
        paths,
        previous,
        the_plan,
        nb_sources,
        formats,
        label,
        extra,
        data_hashes,
        jobs,
        progress,
        snapshot,
    )
    manifest = json.loads((staging / "figures" / STATE / MANIFEST).read_text(encoding="utf-8"))
    swap_in(
        staging,
        out_dir,
        sorted(manifest["outputs"]) + [f"figures/{STATE}/{MANIFEST}"],
        sorted(previous.get("outputs", {})),
    )
    if stamp_ok:
        _leave_stamp(out_dir, paths, formats, nb_sources)
    _finish_message(
        out_dir,
        f"ran {len(the_plan.run)} notebook(s), kept {len(the_plan.reuse)} unchanged "
        f"({time.perf_counter() - started:.1f} s); see {out_dir / 'figures' / 'changes.md'} "
        "for what changed",
        progress,
    )
    return 0


def _nothing_changed(started: float) -> str:
    return f"nothing changed since the last build ({time.perf_counter() - started:.2f} s); use --force to rebuild"


def _dataset_paths_light(data: str | None, sources: str | None, metrics: str | None) -> tuple[Path, ...]:
    """`scomm.data.dataset_paths` without importing it (it loads pandas): the five data files a build reads.
    A stamp is only left when this agrees with the real resolution (see `_leave_stamp`)."""
    from scomm.paths import CLAIMS_CSV, FIGURES_CSV, METRICS_CSV, MILESTONES_CSV, SOURCES_CSV

    figures = resolve(data, FIGURES_CSV)
    if figures.is_dir():
        figures = figures / "figures.csv"

    def beside(name: str, default: Path) -> Path:
        candidate = figures.with_name(name)
        return candidate if candidate.exists() else default

    return (
        figures,
        resolve(sources, beside("sources.csv", SOURCES_CSV)),
        resolve(metrics, beside("metrics.csv", METRICS_CSV)),
        beside("milestones.csv", MILESTONES_CSV),
        beside("claims.csv", CLAIMS_CSV),
    )


def _leave_stamp(out_dir: Path, paths: Sequence[Path], formats: Sequence[str], nb_sources: Sequence[Path]) -> None:
    """Record what this build depended on, so the next one can tell at once that nothing changed."""
    try:
        build_stamp.write(out_dir, build_stamp.stamp(out_dir, paths, formats, nb_sources))
    except OSError:  # a read-only folder: the next build compares in full
        pass


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


def _stage(
    staging: Path,
    out_dir: Path,
    ds,
    paths,
    previous: dict,
    the_plan: Plan,
    nb_sources,
    formats,
    label,
    extra,
    data_hashes,
    jobs,
    progress: bool,
    snapshot: Path,
) -> None:
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
    settings = RunSettings(
        figures_dir=fig_dir, formats=tuple(formats), state_dir=state, data_label=label, data_dir=snapshot
    )
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"  # set sets and dicts of strings iterate the same way in every kernel
    # one more notebook than cores: a kernel spends part of its start-up waiting, and the spare one fills that
    jobs = jobs or (os.cpu_count() or 1) + 1
    bar = Progress(len(the_plan.run), progress)
    if progress and the_plan.run:
        print(
            f"scomm build: {len(ds.figures)} figures valid; running {len(the_plan.run)} of {len(nb_sources)} "
            f"notebooks, {min(jobs, len(the_plan.run))} at a time",
            file=sys.stderr,
            flush=True,
        )
    # What depends on the data alone is made while the notebooks run (the parent only waits on kernels).
    helper = ThreadPoolExecutor(max_workers=1)
    prepared = helper.submit(report.prepare, ds)
    checks_later = helper.submit(claims_checks, ds)
    analysed_later = helper.submit(analyse_notebooks, ds, label, nb_sources)
    try:
        run_notebooks(
            the_plan.run,
            nb_dir,
            env,
            jobs,
            bar,
            failed_dir=out_dir / FAILED_DIR,
            parameters={"settings": settings.to_parameters()},
        )
    except BaseException:
        helper.shutdown(wait=False, cancel_futures=True)  # the data-only parts are not needed any more
        raise
    finally:
        bar.close()
    helper.shutdown(wait=True)  # both parts finish (never cancelled: the build needs them)
    for name in AUX_FILES:
        if (NOTEBOOKS_DIR / name).exists():
            shutil.copy2(NOTEBOOKS_DIR / name, nb_dir / name)

    # Lineage: what each notebook read (its analysis in-process, and its kernel) and wrote.
    analysed = analysed_later.result()
    notebooks_state = {}
    for nb in nb_sources:
        rec_path = state / f"{nb.stem}.lineage.json"
        rec = (
            json.loads(rec_path.read_text(encoding="utf-8"))
            if rec_path.exists()
            else {"reads": lineage.empty_reads(), "charts": {}}
        )
        outputs = [f"notebooks/{nb.name}"] + [f"figures/{c}.{ext}" for c in rec["charts"] for ext in (*formats, "csv")]
        outputs += [
            f"figures/{STATE}/{nb.stem}{s}"
            for s in (".lineage.json", ".ratios.jsonl")
            if (state / f"{nb.stem}{s}").exists()
        ]
        fingerprint = the_plan.fingerprints.get(nb.stem) if nb in the_plan.reuse else None
        reads = merged_reads(analysed[nb.stem].reads, rec["reads"]) if nb.stem in analysed else rec["reads"]
        notebooks_state[nb.stem] = {
            "reads": reads,
            "charts": rec["charts"],
            "outputs": outputs,
            "fingerprint": fingerprint or lineage.fingerprint(reads, ds, extra(nb)),
        }

    ratios = collect_ratios(state, nb_sources, analysed)
    _write_csv(ratios, fig_dir / "ratios.csv")
    checks = checks_later.result()
    _write_csv(checks, fig_dir / "claims_checks.csv")
    # a fresh output folder is compared with the last default build (the project's own figures/)
    base = out_dir if (out_dir / "figures" / STATE / "inputs" / "figures.csv").is_file() else LAST_DEFAULT_BUILD
    old = report.previous_build(base / "figures" / STATE / "inputs", base / "figures" / "ratios.csv")
    changes = report.changes_markdown(old, snapshot / DATA_NAMES[0], ratios, ds.sources, checks)
    (fig_dir / "changes.md").write_text(changes, encoding="utf-8")
    inputs_dir = state / "inputs"
    inputs_dir.mkdir()
    for name in DATA_NAMES:  # the snapshot the build read, under fixed names whatever the files were called
        shutil.copyfile(snapshot / name, inputs_dir / name)
    charts_meta = {name: meta for rec in notebooks_state.values() for name, meta in rec["charts"].items()}
    version = hashlib.sha256("".join(data_hashes[k] for k in sorted(data_hashes)).encode()).hexdigest()[:12]
    report.write_html(
        fig_dir / "report.html",
        nb_dir,
        nb_sources,
        fig_dir,
        ds,
        changes,
        checks,
        ratios,
        charts_meta,
        version,
        prepared.result(),
    )
    (state / LINEAGE).write_text(json.dumps(notebooks_state, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    # files copied from reused notebooks were checked against the last manifest when the plan was made
    known = {
        rel: previous["outputs"][rel]
        for nb in the_plan.reuse
        for rel in recorded[nb.stem]["outputs"]
        if rel in previous.get("outputs", {})
    }
    hashes: dict[str, str] = {}
    for sub in OUTPUT_SUBDIRS:
        for path in sorted((staging / sub).rglob("*")):
            rel = path.relative_to(staging).as_posix()
            if path.is_file() and rel != f"figures/{STATE}/{MANIFEST}":
                hashes[rel] = known.get(rel) or _sha(path)
    manifest = {
        "data": data_hashes,
        "formats": list(formats),
        "outputs": hashes,
        "notebooks": {
            k: {"reads": v["reads"], "outputs": v["outputs"], "fingerprint": v["fingerprint"]}
            for k, v in notebooks_state.items()
        },
    }
    (state / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
