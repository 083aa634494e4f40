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

This module runs a build from start to end and says what it did; the steps live beside it:
  build_stamp     the no-op path: "nothing changed", decided before pandas is imported
  build_inputs    the data files a build reads, checked, and their snapshot
  build_plan      which notebooks re-run (their reads on the new data against the last record)
  build_stage     every output written into the staging folder (kernels, analyses, report, manifest)
  build_analyses  the numbers computed in-process: analyses, ratios.csv rows, claims checks
  build_state     the build's record in OUT and the swap that moves the staged outputs in
  output_folder   the lock, stale staging folders, paths proven inside OUT
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from scomm import build_stamp, output_folder
from scomm.build_inputs import DATA_NAMES, SNAPSHOT, check_inputs, snapshot_inputs
from scomm.build_stamp import code_hash
from scomm.build_state import (
    MANIFEST,
    STATE,
    BuildError,
    edited_outputs,
    foreign_files,
    read_manifest,
    record_output_stats,
    swap_in,
)
from scomm.notebook_runner import KernelPool, default_jobs, notebook_paths
from scomm.paths import DATAPACKAGE_JSON, PROJECT_ROOT, resolve
from scomm.same_bytes import kernel_env
from scomm.settings import DEFAULT_FORMATS

LOCK_NAME = ".scomm-build.lock"
STAGING_PREFIX = ".scomm-build-"


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
    kernels: KernelPool | None = None,
) -> int:
    """Run a build; return 0 when it is done (or there was nothing to do).

    `kernels`: a pool of kernels the caller keeps across builds (one that builds many times, as the tests
    do); the build runs its notebooks there and leaves the pool open, unless a fault or a signal made it stop
    every kernel. Without it, the build starts a pool of its own and stops it before it returns.

    Raises BuildError, NotebookFailure, FiguresValidationError or OSError for expected faults: the
    command line turns them into messages. Nothing in OUT changes unless the build succeeds, and nothing
    outside OUT is written: the derived tables of data/ are derived again in place only by a build of the
    project itself; a build elsewhere derives them into its own snapshot when they are out of date.
    """
    started = time.perf_counter()
    nb_sources = list(notebooks) if notebooks is not None else notebook_paths()
    if not force:  # nothing changed since the last build: decided before pandas or matplotlib is imported
        quick_paths = build_stamp.quick_paths(data, sources, metrics)
        out_dir = _out_folder(out)
        if all(p.is_file() for p in quick_paths) and build_stamp.matches(
            out_dir, build_stamp.stamp(out_dir, quick_paths, formats, nb_sources)
        ):
            _finish_message(out_dir, _nothing_changed(started), progress)
            return 0
    # the kernels start once the plan says which notebooks run (sooner was slower: the kernels' imports
    # then compete with the build's own checks; a forced build took 28-32 s against 25-27 s)
    jobs = jobs or default_jobs()
    cwd = nb_sources[0].parent if nb_sources else PROJECT_ROOT
    pools: contextlib.AbstractContextManager[KernelPool] = (
        KernelPool(kernel_env(os.environ), cwd, [nb.stem for nb in nb_sources])
        if kernels is None
        else contextlib.nullcontext(kernels)
    )
    with pools as pool:
        return _checked_build(
            data, sources, metrics, out, jobs, formats, force, progress, nb_sources, replace, started, pool
        )


def _checked_build(
    data,
    sources,
    metrics,
    out,
    jobs: int,
    formats,
    force: bool,
    progress: bool,
    nb_sources,
    replace: bool,
    started: float,
    pool: KernelPool,
) -> int:
    """run_build after the no-op check: the inputs checked, the lock taken, the build staged and moved in."""
    if not force:  # an edit of the data most likely re-runs several notebooks (07 reads every figure): the kernels
        # warm up while the inputs are checked (its notebook imports its own analysis). One-figure edit, 5 alternating
        # pairs: 4.5-5.4 s (median 5.0) against 4.8-6.2 s (5.6) with one kernel started here and the other after the plan
        pool.start(min(jobs, len(nb_sources)), ())
    # pandas and the record modules: imported only now, so that a build with nothing to do returns before
    # them (benchmarks/rebuild.py's no-op build, under 1 s; test_no_op_build_imports_neither_pandas_nor_matplotlib)
    from scomm.data import dataset_paths
    from scomm.enforcement import derive_for_build

    paths = dataset_paths(data, sources, metrics)
    check_inputs(paths)
    out_dir = _out_folder(out)
    # the quick check resolves the data files without scomm.data: a stamp only where both agree
    stamp_ok = tuple(build_stamp.quick_paths(data, sources, metrics)) == tuple(paths)
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
        output_folder.clean_stale_staging(out_dir, STAGING_PREFIX)
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
                stamp_ok,
                pool,
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
    stamp_ok: bool,
    pool: KernelPool,
) -> int:
    """The build proper, inside the lock, with `staging` made (and removed by the caller)."""
    # the build's work (pandas, the analyses, the report): see run_build for why it is imported only here
    from scomm import build_stage
    from scomm.build_plan import notebook_source_hash, plan, sha
    from scomm.data import dataset_paths, load_dataset
    from scomm.enforcement import derive_for_build

    for nb in nb_sources:  # each notebook must be readable before anything runs
        notebook_source_hash(nb)
    snapshot = staging / SNAPSHOT
    data_hashes = snapshot_inputs(paths, snapshot)
    if out_dir.resolve() != PROJECT_ROOT.resolve():  # out of date derived tables: derived into the snapshot
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
    defaults = all(p == d for p, d in zip(paths, dataset_paths()))
    label = "data/figures.csv" if defaults else paths[0].name
    code = code_hash()
    extra = lambda nb: json.dumps([notebook_source_hash(nb), code, list(formats), label])  # noqa: E731
    the_plan = plan(nb_sources, ds, previous, extra, force, out_dir)
    if the_plan.run:  # the kernels start while unchanged outputs are staged and the report's parts made
        pool.start(min(jobs, len(the_plan.run)), [nb.stem for nb in the_plan.run])
    data_hashes["datapackage.json"] = sha(DATAPACKAGE_JSON)
    outputs_present = all((out_dir / rel).is_file() for rel in previous.get("outputs", {}))
    if (
        not the_plan.run
        and previous.get("data") == data_hashes
        and previous.get("formats") == list(formats)
        and set(previous.get("notebooks", {})) == {nb.stem for nb in nb_sources}
        and outputs_present
    ):
        if stamp_ok:
            build_stamp.leave(out_dir, paths, formats, nb_sources)
        _finish_message(out_dir, _nothing_changed(started), progress)
        return 0
    edited = edited_outputs(out_dir, previous, out_dir.resolve() == PROJECT_ROOT.resolve())
    if edited and not replace:
        raise BuildError(
            f"these outputs of the last build were changed since, and a build would replace them:\n"
            f"{_listed(edited)}\nmove them elsewhere to keep your changes, or add --replace to "
            "let the build overwrite them"
        )
    build_stage.stage(
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
        pool,
    )
    manifest = json.loads((staging / "figures" / STATE / MANIFEST).read_text(encoding="utf-8"))
    swap_in(
        staging,
        out_dir,
        sorted(manifest["outputs"]) + [f"figures/{STATE}/{MANIFEST}"],
        sorted(previous.get("outputs", {})),
    )
    record_output_stats(out_dir, manifest["outputs"])
    if stamp_ok:
        build_stamp.leave(out_dir, paths, formats, nb_sources)
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


def _listed(paths: Sequence[Path], most: int = 10) -> str:
    shown = "\n".join(f"  {p}" for p in paths[:most])
    return shown + (f"\n  ... and {len(paths) - most} more" if len(paths) > most else "")


def _finish_message(out_dir: Path, what: str, progress: bool) -> None:
    report = out_dir / "figures" / "report.html"
    if report.exists():
        print(f"Open the report: {report}", file=sys.stderr)
    print(f"scomm build: {what}.", file=sys.stderr)  # last: the change log's full path
