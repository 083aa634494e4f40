"""The numbers a build computes in its own process, from the analysis functions of the notebooks: each
notebook's analysis on the build's snapshot (with what it read), handed to the kernel that shows it,
ratios.csv's rows and the published-claims checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scomm import analysis_files, lineage
from scomm.analyses import ANALYSES
from scomm.analysis import Analysis
from scomm.build_state import BuildError
from scomm.data import Dataset
from scomm.recording import RecordingDataset

RATIO_COLUMNS = ["notebook", "order", "key", "value", "unit", "qualifier", "figure_ids", "text"]


@dataclass
class Analysed:
    """A notebook's analysis computed in the build's own process, and what it read."""

    result: Analysis
    reads: dict


ANALYSIS_FAULTS = (KeyError, ValueError, TypeError, ZeroDivisionError)  # what data an analysis cannot use raises


def analyse_notebooks(
    ds: Dataset, label: str, notebooks: Sequence[Path], each: Callable[[str, Analysed], None] | None = None
) -> dict[str, Analysed]:
    """Call the analysis function of every notebook that has one on `ds` (the build's snapshot), in the order
    given, each through its own recording dataset (`each(stem, analysed)` as each is done). Analyses that fail
    are one BuildError naming each such notebook and why (the others are computed first, so all are named)."""
    done, failed = {}, {}
    for nb in notebooks:
        analyse = ANALYSES.get(nb.stem)
        if analyse is None:
            continue
        data = RecordingDataset(ds, label, f"notebook {nb.stem}")
        try:
            done[nb.stem] = Analysed(analyse(data), data.reads)
        except ANALYSIS_FAULTS as err:
            failed[nb.stem] = _why(err)
            continue
        if each is not None and not failed:
            each(nb.stem, done[nb.stem])
    if failed:
        raise BuildError(failures_text(failed))
    return done


def failures_text(failed: dict[str, str]) -> str:
    """The message for analyses that failed (notebook -> why): one line, or a line per notebook."""
    if len(failed) == 1:
        ((stem, why),) = failed.items()
        return f"the analysis of notebook {stem} failed on this data: {why}"
    lines = "\n".join(f"  notebook {stem}: {why}" for stem, why in failed.items())
    return f"the analyses of {len(failed)} notebooks failed on this data:\n{lines}"


def analysis_failures(ds: Dataset, label: str, notebooks: Sequence[str]) -> dict[str, str]:
    """The analyses of `notebooks` (stems; those without one are passed over) computed on `ds`, nothing kept:
    notebook -> why, for each that fails (for `scomm validate`, so that data a build could not use is named
    before a build)."""
    failed = {}
    for stem in notebooks:
        analyse = ANALYSES.get(stem)
        if analyse is None:
            continue
        try:
            analyse(RecordingDataset(ds, label, f"notebook {stem}"))
        except ANALYSIS_FAULTS as err:
            failed[stem] = _why(err)
    return failed


def _why(err: BaseException) -> str:
    """An analysis's fault in words (a KeyError's own sentence without the quotes its str() adds)."""
    if isinstance(err, KeyError) and len(err.args) == 1 and isinstance(err.args[0], str) and " " in err.args[0]:
        return err.args[0]
    return str(err)


class KernelHandoff:
    """The analyses of the notebooks a build runs, computed once in its own process and kept in `folder` (see
    `analysis_files`) for the kernels that show them: `compute` makes them in the order the kernels take the
    notebooks; a kernel's thread calls `wait` before its notebook; `stop` wakes every wait (the build stops)."""

    def __init__(self, folder: Path, stems: Sequence[str]):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._ready = {stem: threading.Event() for stem in stems}
        self._kept: set[str] = set()
        self._failure = ""

    def compute(self, ds: Dataset, label: str, notebooks: Sequence[Path]) -> dict[str, Analysed]:
        """`analyse_notebooks`, each result kept for its kernel as soon as it is made."""

        def keep(stem: str, analysed: Analysed) -> None:
            if stem in self._ready and not self._failure:  # nothing more is written once the build stops
                analysis_files.save(self.folder, analysed.result, analysed.reads)
                self._kept.add(stem)
                self._ready[stem].set()

        try:
            return analyse_notebooks(ds, label, notebooks, keep)
        except BuildError as err:
            self.stop(str(err))
            raise
        except BaseException:
            self.stop("the build stopped before the analysis of notebook {notebook} was computed")
            raise
        finally:  # a kernel never waits for an analysis that will not come
            self.stop("the build computed no analysis for notebook {notebook}")

    def stop(self, why: str) -> None:
        """Wake every kernel still waiting: its notebook fails with `why` ("{notebook}" there names it) unless its
        analysis is kept."""
        self._failure = self._failure or why
        for event in self._ready.values():
            event.set()

    def wait(self, notebook: Path) -> None:
        """Return once `notebook`'s analysis is kept (at once for a notebook without one); BuildError when it
        will not be."""
        event = self._ready.get(notebook.stem)
        if event is None:
            return
        event.wait()
        if notebook.stem not in self._kept:
            raise BuildError(self._failure.replace("{notebook}", notebook.stem))


def previous_ratios(path: Path, notebooks: Sequence[str]) -> dict[str, list[dict]]:
    """The rows of a last build's ratios.csv of each of `notebooks` (value a number, the rest as written, in their
    order), for notebooks
    that keep their outputs; a notebook with no row there (or no readable file) is left out, to be analysed."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError):
        return {}
    if list(frame.columns) != RATIO_COLUMNS:
        return {}
    wanted = set(notebooks)
    kept: dict[str, list[dict]] = {}
    for row in frame.to_dict("records"):
        if row["notebook"] in wanted:
            item = {c: row[c] for c in RATIO_COLUMNS[2:]}
            item["value"] = float(item["value"]) if item["value"] != "" else float("nan")  # a number, as computed
            kept.setdefault(row["notebook"], []).append(item)
    return kept


def collect_ratios(
    state_dir: Path,
    notebooks: Sequence[Path],
    analysed: dict[str, Analysed] | None = None,
    kept: dict[str, list[dict]] | None = None,
) -> pd.DataFrame:
    """ratios.csv rows in notebook order: from each notebook's analysis computed in-process when it has one,
    the last build's rows of a notebook that kept its outputs (`kept`, see `previous_ratios`), else from the
    record its kernel wrote (in print order)."""
    analysed, kept = analysed or {}, kept or {}
    rows = []
    for nb in notebooks:
        if nb.stem in kept and nb.stem not in analysed:
            items = kept[nb.stem]
        elif nb.stem in analysed:
            items = list(analysed[nb.stem].result.ratio_rows())
        else:
            ledger = state_dir / f"{nb.stem}.ratios.jsonl"
            lines = ledger.read_text(encoding="utf-8").splitlines() if ledger.exists() else []
            items = [json.loads(line) for line in lines]
        for order, item in enumerate(items, start=1):
            rows.append({"notebook": nb.stem, "order": order, **{c: item[c] for c in RATIO_COLUMNS[2:]}})
    return pd.DataFrame(rows, columns=RATIO_COLUMNS)


def claims_checks(ds: Dataset) -> pd.DataFrame:
    """The published-claims checks table of `ds` (record counts read from the dataset's own folder): the same
    table notebook 07 reads and the build's plan fingerprints, computed once per dataset."""
    return lineage.derived("claims", ds)
