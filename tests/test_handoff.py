"""A build computes each notebook's analysis once, in its own process, and hands the result to the kernel
that shows it: results pickle (charts as function names and values), a kernel's run shows the kept result
with its reads, the kernels wait for each analysis and never for one that will not come."""

from __future__ import annotations

import pickle
import sys
import threading
from pathlib import Path

import pytest

from scomm import analysis_files
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import LazyFunction, lazy_functions
from scomm.settings import RunSettings
from tiny_data import write_tiny_data

FIGURE = "FUN-025"


def _result(notebook: str = "03_identification_funnel") -> Analysis:
    out = Analysis(notebook)
    out.add(r.Quantity(7.0, "cases", label="seven cases"), group="g")
    out.finding("seven", "Finding: {q} cases.", q=out.quantities["seven cases"])
    return out


def test_a_chart_function_is_named_without_its_module_and_pickles_as_two_names(tmp_path, monkeypatch):
    (tmp_path / "lazy_charts_probe.py").write_text(
        "import sys\nsys.lazy_charts_runs += 1\ndef draw(a, b=0):\n    return a + b\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "lazy_charts_runs", 0, raising=False)
    functions = lazy_functions("lazy_charts_probe")
    draw = functions.draw
    assert draw == LazyFunction("lazy_charts_probe", "draw") and sys.lazy_charts_runs == 0  # named, not imported
    assert pickle.loads(pickle.dumps(draw)) == draw and sys.lazy_charts_runs == 0
    assert draw(2, b=3) == 5 and sys.lazy_charts_runs == 1  # imported when called
    with pytest.raises(ModuleNotFoundError):
        lazy_functions("lazy_charts_probe_absent")
    monkeypatch.delitem(sys.modules, "lazy_charts_probe")


def test_a_chart_keeps_its_function_and_values_and_draws_the_same_after_a_round_trip():
    out = Analysis("01_program_overview")
    spec = out.chart("01_x", LazyFunction("builtins", "divmod"), 17, 5)
    back = pickle.loads(pickle.dumps(out))
    assert back.charts["01_x"].draw() == spec.draw() == (3, 2)


def test_a_notebook_in_a_build_shows_the_analysis_the_build_computed_with_its_reads(tmp_path):
    from scomm.notebook import Run

    data = write_tiny_data(tmp_path / "data", {FIGURE: 10})
    kept_reads = {"figure_ids": [FIGURE], "tables": ["glossary"]}
    (tmp_path / "analysed").mkdir()
    analysis_files.save(tmp_path / "analysed", _result(), kept_reads)

    def never(_data):
        raise AssertionError("the kernel computed the analysis again")

    settings = RunSettings(figures_dir=tmp_path / "charts", analysed_dir=tmp_path / "analysed")
    run = Run("03_identification_funnel", data, settings=settings)
    shown = run.analyse(never)
    assert shown.quantities["seven cases"].value == 7.0 and shown.findings["seven"].text() == "Finding: 7 cases."
    assert run.reads["figure_ids"] == [FIGURE] and run.reads["tables"] == ["glossary"]

    # outside a build, or for a notebook the build kept nothing for, the notebook computes it
    plain = Run("03_identification_funnel", data, settings=RunSettings(figures_dir=tmp_path / "charts"))
    assert plain.analyse(lambda d: _result()).quantities["seven cases"].value == 7.0
    other = Run("05_case_review", data, settings=settings)
    assert other.analyse(lambda d: _result("05_case_review")).notebook == "05_case_review"


def test_a_kept_file_of_another_notebook_is_refused(tmp_path):
    analysis_files.save(tmp_path, _result("05_case_review"), {})
    analysis_files.path_for(tmp_path, "05_case_review").rename(analysis_files.path_for(tmp_path, "03_x"))
    with pytest.raises(ValueError, match="no analysis of notebook 03_x"):
        analysis_files.load(tmp_path, "03_x")


def _handoff(tmp_path, monkeypatch, analyses: dict):
    from scomm import build_analyses

    monkeypatch.setattr(build_analyses, "ANALYSES", analyses)
    return build_analyses.KernelHandoff(tmp_path / "analysed", list(analyses) + ["99_unregistered"])


def test_a_kernel_waits_for_its_analysis_and_reads_the_kept_result(tmp_path, monkeypatch):
    from scomm.data import load_dataset

    release = threading.Event()

    def slow(data):
        release.wait(60)
        data.get(FIGURE)
        return _result("01_a")

    handoff = _handoff(tmp_path, monkeypatch, {"01_a": slow})
    ds = load_dataset(write_tiny_data(tmp_path / "data", {FIGURE: 10}))
    computing = threading.Thread(target=handoff.compute, args=(ds, "figures.csv", [Path("01_a.ipynb")]))
    computing.start()
    waited = threading.Thread(target=handoff.wait, args=(Path("01_a.ipynb"),))
    waited.start()
    waited.join(0.5)
    assert waited.is_alive()  # the kernel's thread waits while the analysis is computed
    release.set()
    waited.join(60)
    computing.join(60)
    assert not waited.is_alive()
    result, reads = analysis_files.load(handoff.folder, "01_a")
    assert result.quantities["seven cases"].value == 7.0 and reads["figure_ids"] == [FIGURE]


def test_a_failed_analysis_fails_the_notebooks_that_wait_naming_it_and_none_waits_for_ever(tmp_path, monkeypatch):
    from scomm.build_state import BuildError
    from scomm.data import load_dataset

    def broken(data):
        return data.get("NOT-THERE")

    handoff = _handoff(tmp_path, monkeypatch, {"01_a": lambda d: _result("01_a"), "02_b": broken, "03_c": broken})
    ds = load_dataset(write_tiny_data(tmp_path / "data", {FIGURE: 10}))
    with pytest.raises(BuildError, match="analyses of 2 notebooks failed") as info:  # each failure named at once
        handoff.compute(ds, "figures.csv", [Path(f"{s}.ipynb") for s in ("01_a", "02_b", "03_c")])
    assert "\n  notebook 02_b: figure NOT-THERE" in str(info.value) and "\n  notebook 03_c: figure" in str(info.value)
    handoff.wait(Path("01_a.ipynb"))  # kept before the failure: shown
    for stem in ("02_b", "03_c"):
        with pytest.raises(BuildError, match="notebook 02_b: figure NOT-THERE"):
            handoff.wait(Path(f"{stem}.ipynb"))
    handoff.wait(Path("42_not_asked.ipynb"))  # a notebook without an analysis runs at once

    fine = _handoff(tmp_path / "2", monkeypatch, {"01_a": lambda d: _result("01_a")})
    fine.compute(ds, "figures.csv", [Path("01_a.ipynb")])
    raised: list[BaseException] = []

    def wait_unregistered() -> None:
        try:
            fine.wait(Path("99_unregistered.ipynb"))
        except BaseException as err:  # noqa: BLE001  (checked below)
            raised.append(err)

    waiting = threading.Thread(target=wait_unregistered, daemon=True)
    waiting.start()
    waiting.join(30)
    assert not waiting.is_alive(), "a kernel waits for an analysis that will never come"
    assert isinstance(raised[0], BuildError) and "no analysis for notebook 99_unregistered" in str(raised[0])


def test_a_derived_table_is_computed_once_per_dataset_and_each_reader_gets_its_own_copy(tmp_path, monkeypatch):
    """The plan fingerprints the derived tables a notebook read, and its analysis reads them again: computed once."""
    from scomm import audit, lineage
    from scomm.data import load_dataset

    calls = []
    real = audit.coverage
    monkeypatch.setattr(audit, "coverage", lambda figures: calls.append(1) or real(figures))
    ds = load_dataset(write_tiny_data(tmp_path / "data", {FIGURE: 10}))
    first = lineage.derived("coverage", ds)
    first["figures"] = first["figures"] + 1000  # a reader that changes its copy
    again = lineage.derived("coverage", ds)
    assert len(calls) == 1 and not again.equals(first) and again.equals(real(ds.figures))
    lineage.derived("coverage", load_dataset(write_tiny_data(tmp_path / "other", {FIGURE: 11})))
    assert len(calls) == 2  # another dataset: its own table


def test_a_stopped_build_writes_no_more_analyses_and_never_makes_its_removed_folder_again(tmp_path, monkeypatch):
    import shutil

    from scomm.data import load_dataset

    handoff = _handoff(tmp_path / "staging", monkeypatch, {"01_a": lambda d: _result("01_a")})
    ds = load_dataset(write_tiny_data(tmp_path / "data", {FIGURE: 10}))
    handoff.stop("the build stopped")  # Ctrl-C while the analyses were computed
    shutil.rmtree(tmp_path / "staging")  # the build removes its staging folder
    handoff.compute(ds, "figures.csv", [Path("01_a.ipynb")])
    assert not (tmp_path / "staging").exists()
    with pytest.raises(FileNotFoundError):  # and a save that was under way cannot make it again
        analysis_files.save(tmp_path / "staging" / "analysed", _result("01_a"), {})
    assert not (tmp_path / "staging").exists()


NEVER = (
    "def never(data):\n"
    "    raise RuntimeError('the kernel computed the analysis again')\n"
    "result = run.analyse(never)\n"
    "run.show_numbers(result)"
)


def test_a_build_shows_in_its_kernel_the_analysis_it_computed_in_its_own_process(tmp_path, monkeypatch):
    """A tiny build whose notebook's own analysis function raises: it passes only when its kernel shows the
    result the build computed (and records that result's reads)."""
    import json

    import tiny_project as tp
    from scomm import build_analyses, build_stage

    def analyse(data):
        out = Analysis("01_handed")
        out.add(data.get("TNY-001"), key="arrests")
        return out

    for module in (build_analyses, build_stage):
        monkeypatch.setattr(module, "ANALYSES", {"01_handed": analyse})
    data, nbs, out = tp.copy_data(tmp_path / "data"), tmp_path / "nbs", tmp_path / "out"
    nbs.mkdir()
    tp.notebook(nbs / "01_handed.ipynb", tp.OPEN.format(name="01_handed"), NEVER)
    assert tp.build(data, out, nbs, force=True) == 0
    executed = json.loads((out / "notebooks" / "01_handed.ipynb").read_text(encoding="utf-8"))
    shown = "".join("".join(o.get("text", "")) for o in executed["cells"][-1]["outputs"])
    assert "1,000" in shown, shown  # the derived number, printed from the handed result
    kernel_record = json.loads((out / "figures" / "build-state" / "01_handed.lineage.json").read_text())
    assert "TNY-001" in kernel_record["reads"]["figure_ids"]  # the handed result's reads, recorded by the kernel
