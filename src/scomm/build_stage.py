"""Writing a build's outputs into its staging folder: the notebooks run in kernels while the report's
data-only parts, the claims checks and the in-process analyses are made beside them; then the lineage
record, ratios.csv, claims_checks.csv, changes.md, the HTML report, the input copies and the manifest.
Only the snapshot of the inputs is read; nothing outside the staging folder is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from scomm import lineage, output_folder, report
from scomm.analyses import ANALYSES
from scomm.build_analyses import KernelHandoff, claims_checks, collect_ratios, previous_ratios
from scomm.build_inputs import DATA_NAMES
from scomm.build_plan import Plan, sha
from scomm.build_state import AUX_FILES, MANIFEST, OUTPUT_SUBDIRS, STATE
from scomm.data import Dataset
from scomm.notebook_runner import (
    KernelPool,
    Progress,
    default_jobs,
    run_notebooks,
    run_order,
    wait_interruptibly,
)
from scomm.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from scomm.safe_csv import defuse_formulas
from scomm.same_bytes import kernel_env
from scomm.settings import RunSettings

LINEAGE = "lineage.json"
ANALYSED = "analysed"  # in the staging folder, beside the snapshot: the analyses handed to the kernels
FAILED_DIR = ".scomm-failed"  # in OUT: the executed copy of a notebook that failed, for reading its error
LAST_DEFAULT_BUILD = PROJECT_ROOT  # a build into a new output folder compares with the project's own last build


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as the build writes every CSV: no index, LF line ends, numbers to 10 significant digits,
    cells that a spreadsheet would run as formulas defused."""
    defuse_formulas(frame).to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def stage(
    staging: Path,
    out_dir: Path,
    ds: Dataset,
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
    pool: KernelPool | None = None,
) -> None:
    """Write every output of the build into `staging` (same layout as OUT), reading only `snapshot`; the
    notebooks run on `pool`'s kernels when given (started early by the build)."""
    nb_dir, fig_dir = staging / "notebooks", staging / "figures"
    state = fig_dir / STATE
    for d in (nb_dir, fig_dir, state):
        d.mkdir(parents=True, exist_ok=True)
    recorded = previous.get("notebooks", {})
    # Notebooks whose reads did not change keep their outputs byte for byte.
    for nb in the_plan.reuse:
        rec = recorded[nb.stem]
        for rel in rec["outputs"]:
            output_folder.link_or_copy(out_dir / rel, staging / rel)
        for suffix in (".lineage.json", ".ratios.jsonl"):
            src = out_dir / "figures" / STATE / f"{nb.stem}{suffix}"
            if src.exists():
                output_folder.link_or_copy(src, state / src.name)
        charts = [Path(rel).stem for rel in rec["outputs"] if rel.startswith("figures/") and rel.endswith(".png")]
        for chart in charts:  # the report's screen copies of an unchanged PNG stay as they are
            for screen in sorted((out_dir / "figures" / "screen").glob(f"{chart}-*.png")):
                output_folder.link_or_copy(screen, fig_dir / "screen" / screen.name)
    # an unchanged notebook keeps the derived numbers of the last build (its reads did not change)
    kept_ratios = previous_ratios(
        out_dir / "figures" / "ratios.csv", [nb.stem for nb in the_plan.reuse if nb.stem in ANALYSES]
    )
    # each analysis is computed once, here, in the order the kernels take the notebooks, and shown by the kernel
    order = run_order(the_plan.run)
    to_analyse = order + [nb for nb in nb_sources if nb in the_plan.reuse and nb.stem not in kept_ratios]
    handoff = KernelHandoff(staging / ANALYSED, [nb.stem for nb in order if nb.stem in ANALYSES])
    settings = RunSettings(  # the report's key charts get their wide screen copy as the kernel writes them
        figures_dir=fig_dir,
        formats=tuple(formats),
        state_dir=state,
        data_label=label,
        data_dir=snapshot,
        wide_screen=report.KEY_CHARTS,
        analysed_dir=handoff.folder,
    )
    jobs = jobs or default_jobs()
    bar = Progress(len(the_plan.run), progress)
    if progress and the_plan.run:
        print(
            f"scomm build: {len(ds.figures)} figures valid; running {len(the_plan.run)} of {len(nb_sources)} "
            f"notebooks, {min(jobs, len(the_plan.run))} at a time",
            file=sys.stderr,
            flush=True,
        )
    # What depends on the data alone is made while the notebooks run (the parent only waits on kernels): first
    # the analyses, which the kernels wait for, then the report's parts and the claims checks.
    helper = ThreadPoolExecutor(max_workers=1)
    analysed_later = helper.submit(handoff.compute, ds, label, to_analyse)
    prepared = helper.submit(report.prepare, ds)
    checks_later = helper.submit(claims_checks, ds)
    try:
        run_notebooks(
            the_plan.run,
            nb_dir,
            kernel_env(os.environ),
            jobs,
            bar,
            failed_dir=out_dir / FAILED_DIR,
            parameters={"settings": settings.to_parameters()},
            pool=pool,
            before=handoff.wait,
        )
    except BaseException:
        helper.shutdown(wait=False, cancel_futures=True)  # the data-only parts are not needed any more
        handoff.stop("the build stopped")
        raise
    finally:
        bar.close()
    for part in (prepared, checks_later, analysed_later):  # they finish (never cancelled: the build needs them)
        wait_interruptibly(part)
    helper.shutdown(wait=True)
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
        if nb.stem in analysed:
            reads = lineage.merged_reads(analysed[nb.stem].reads, rec["reads"])
        elif nb in the_plan.reuse:
            reads = recorded[nb.stem]["reads"]  # as the last build recorded them
        else:
            reads = rec["reads"]
        notebooks_state[nb.stem] = {
            "reads": reads,
            "charts": rec["charts"],
            "outputs": outputs,
            "fingerprint": fingerprint or lineage.fingerprint(reads, ds, extra(nb)),
        }

    ratios = collect_ratios(state, nb_sources, analysed, kept_ratios)
    write_csv(ratios, fig_dir / "ratios.csv")
    checks = checks_later.result()
    write_csv(checks, fig_dir / "claims_checks.csv")
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
    report.make_screen_images(fig_dir, sorted(charts_meta), jobs)  # the report's screen copies, in parallel
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
                hashes[rel] = known.get(rel) or sha(path)
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
