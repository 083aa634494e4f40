"""The analyses behind the notebooks, called as plain functions on tiny hand-made data (no kernel), with
values worked out by hand; and the pieces every analysis uses (results, recorded reads, parameters)."""

from __future__ import annotations

import pandas as pd
import pytest

from scomm import ratios as r
from scomm.analyses import identification_funnel
from scomm.analysis import Analysis
from scomm.notebook_runner import _with_parameters
from scomm.settings import RunSettings

FUNNEL = {  # fingerprints, matches, ICE arrests, removals
    "FUN-030": 1000, "FUN-031": 100, "FUN-032": 50, "FUN-033": 20,
    "STA-011": 200, "STA-012": 40, "STA-013": 10, "STA-014": 5,
    "STA-015": 400, "STA-016": 80, "STA-017": 40, "STA-018": 32,
}  # fmt: skip
ARTICLE = {"FUN-025": 400, "FUN-026": 200, "FUN-022": 1000, "FUN-023": 500, "FUN-024": 125}
YEARLY = {"CTX-001": 800, "CTX-002": 1600}


def funnel_data(tiny):
    return tiny(
        {**FUNNEL, **ARTICLE, **YEARLY},
        period_start={"FUN-022": "2009-01-01"},
        period_end={"FUN-022": "2010-12-31"},
    )


def test_funnel_conversions_worked_by_hand(tiny):
    result = identification_funnel.analyse(funnel_data(tiny))
    q = result.quantities
    assert q["United States: fingerprint -> match"].value == pytest.approx(10.0)  # 100 / 1000
    assert q["United States: match -> ICE arrest"].value == pytest.approx(50.0)  # 50 / 100
    assert q["United States: ICE arrest -> removal"].value == pytest.approx(40.0)  # 20 / 50
    assert q["United States: fingerprint -> removal"].value == pytest.approx(2.0)  # 20 / 1000
    assert q["Dallas County, TX: ICE arrest -> removal"].value == pytest.approx(80.0)  # 32 / 40
    assert q["United States: fingerprint -> match"].figure_ids == ("FUN-031", "FUN-030")
    # highest and lowest removal-per-arrest shares: Dallas 80%, Texas 50%, United States 40%
    places = result.findings["places"].text()
    assert "were 80.0% in Dallas County, TX against 40.0% in United States" in places
    assert list(result.charts) == ["03_funnel", "03_conversion_rates"]
    funnel = result.tables["funnel"]
    assert funnel.loc[funnel["figure_id"] == "STA-013", "pct_of_previous_stage"].iloc[0] == pytest.approx(25.0)


def test_funnel_article_against_ice_worked_by_hand(tiny):
    result = identification_funnel.analyse(funnel_data(tiny))
    q = result.quantities
    keys = result.keys("article")
    assert q[keys[0]].value == pytest.approx(50.0)  # 200 deportations / 400 arrests
    assert q[keys[1]].value == pytest.approx(50.0)  # 500 / 1000
    assert "the same rate to one decimal" in result.findings["article"].text()
    # two years (2009-01-01..2010-12-31 is 730 days: 730 / 365.25 years), 400 arrests over them
    years = 730 / 365.25
    per_year = result.quantities[result.keys("per_year")[0]]
    assert per_year.value == pytest.approx(400 / years)
    assert result.quantities[result.keys("per_year")[2]].value == pytest.approx(400 / years / 1600 * 100)


def test_funnel_says_different_rates_when_they_differ(tiny):
    data = tiny(
        {**FUNNEL, **ARTICLE, "FUN-026": 100, **YEARLY},
        period_start={"FUN-022": "2009-01-01"},
        period_end={"FUN-022": "2010-12-31"},
    )
    assert "a different rate" in identification_funnel.analyse(data).findings["article"].text()  # 25% vs 50%


def test_an_analysis_records_what_it_read(tiny):
    data = funnel_data(tiny)
    identification_funnel.analyse(data)
    assert set(data.reads["figure_ids"]) == set(FUNNEL) | set(ARTICLE) | set(YEARLY)
    assert data.reads["tables"] == ["sources"]


def test_a_missing_figure_names_itself_and_the_reader(tiny):
    values = {**FUNNEL, **ARTICLE, **YEARLY}
    del values["STA-014"]
    with pytest.raises(KeyError, match="figure STA-014 is not in figures.csv; a test needs it"):
        identification_funnel.analyse(tiny(values))


def test_result_keys_stay_unique_and_rows_keep_order():
    out = Analysis("x")
    a = r.Quantity(1.0, "percent", label="share", figure_ids=("A",))
    out.add(a, group="g")
    out.add(a, group="g")
    out.add(a.named("other"))
    assert out.keys() == ["share", "share (2)", "other"] and out.keys("g") == ["share", "share (2)"]
    rows = list(out.ratio_rows())
    assert [row["key"] for row in rows] == ["share", "share (2)", "other"]
    assert rows[0] == {"key": "share", "value": 1.0, "unit": "percent", "qualifier": "exact", "figure_ids": "A",
                       "text": "share: 1.0% [A]"}  # fmt: skip


def test_settings_travel_as_notebook_parameters(tmp_path):
    settings = RunSettings(
        figures_dir=tmp_path / "f", formats=("png",), state_dir=tmp_path / "s", data_label="x.csv", wide_screen=("a",)
    )
    assert RunSettings.from_parameters(settings.to_parameters()) == settings
    assert RunSettings.for_notebook(settings.to_parameters()) == settings
    assert RunSettings.for_notebook(None, environ={}) == RunSettings()
    with pytest.raises(ValueError, match="unknown run settings: colour"):
        RunSettings.from_parameters({"colour": "red"})


def test_parameters_are_set_for_the_run_and_the_cell_put_back():
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("settings = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(settings)")]
    restore = _with_parameters(nb, {"settings": {"a": "b'c"}})
    assert nb.cells[0].source.endswith("\nsettings = {'a': \"b'c\"}")
    restore()
    assert nb.cells[0].source == "settings = None" and len(nb.cells) == 2

    bare = nbformat.v4.new_notebook()
    bare.cells = [nbformat.v4.new_code_cell("print(settings)")]
    restore = _with_parameters(bare, {"settings": None})
    assert len(bare.cells) == 2 and bare.cells[0].source.endswith("settings = None")
    restore()
    assert [c.source for c in bare.cells] == ["print(settings)"]


def test_build_takes_ratios_from_the_analyses_in_process(tmp_path, dataset):
    from scomm.build_analyses import analyse_notebooks, collect_ratios

    nbs = [tmp_path / "03_identification_funnel.ipynb", tmp_path / "99_other.ipynb"]
    (tmp_path / "99_other.ratios.jsonl").write_text(
        '{"key": "k", "value": 2.0, "unit": "", "qualifier": "exact", "figure_ids": "A", "text": "k: 2 [A]"}\n'
    )
    analysed = analyse_notebooks(dataset, "data/figures.csv", nbs)
    assert list(analysed) == ["03_identification_funnel"]
    ratios = collect_ratios(tmp_path, nbs, analysed)
    ours = ratios[ratios["notebook"] == "03_identification_funnel"]
    assert list(ours["key"]) == analysed["03_identification_funnel"].result.keys()
    assert list(ours["order"]) == list(range(1, len(ours) + 1))
    assert ratios[ratios["notebook"] == "99_other"][["key", "value"]].values.tolist() == [["k", 2.0]]
    assert isinstance(ratios, pd.DataFrame)


def test_the_report_takes_findings_from_the_output_metadata_never_from_the_words(tmp_path):
    # Run.say marks a finding's output, not a note's; the report reads that mark, whatever the sentence says
    from IPython.core.formatters import DisplayFormatter

    from scomm.notebook import Run
    from scomm.report import is_finding

    result = Analysis("01_program_overview")
    result.finding("plain", "No label at all: {n} cases.", n=3)
    result.note("rule", "Finding: a note that merely starts like one.")
    run = Run("01_program_overview", settings=RunSettings(figures_dir=tmp_path, formats=("png",)))

    def output(sentence):
        data, metadata = DisplayFormatter().format(run.say(sentence))
        return {"output_type": "display_data", "data": data, "metadata": metadata}

    assert is_finding(output(result.findings["plain"]))
    assert not is_finding(output(result.notes["rule"]))
    assert not is_finding({"output_type": "display_data", "data": {"text/markdown": "Finding: typed"}, "metadata": {}})


def test_a_lazy_module_runs_only_when_a_name_of_it_is_first_used(tmp_path, monkeypatch):
    import sys

    from scomm.lazy_import import lazy_module

    (tmp_path / "lazy_probe.py").write_text("import sys\nsys.lazy_probe_runs += 1\nX = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "lazy_probe_runs", 0, raising=False)
    probe = lazy_module("lazy_probe")
    assert sys.lazy_probe_runs == 0  # named, not run
    assert probe.X == 7 and sys.lazy_probe_runs == 1  # run at the first name used, once
    assert lazy_module("lazy_probe").X == 7 and sys.lazy_probe_runs == 1  # the real module from then on
    with pytest.raises(ModuleNotFoundError):
        lazy_module("lazy_probe_absent")
    monkeypatch.delitem(sys.modules, "lazy_probe")


EVERY_ANALYSIS = """
import json, sys
from scomm.analyses import ANALYSES
from scomm.data import load_dataset
from scomm.recording import RecordingDataset

dataset, problems = load_dataset(), []
for notebook, analyse in ANALYSES.items():
    result = analyse(RecordingDataset(dataset, "data/figures.csv", notebook))
    if result.notebook != notebook or not result.quantities:
        problems.append(f"{notebook}: no derived number")
    for name, finding in result.findings.items():
        text = finding.text()  # every value given, none left as a placeholder
        if not text or "{" in text or "}" in text:
            problems.append(f"{notebook}: finding {name}: {text!r}")
print(json.dumps({"problems": problems, "drawing": sorted(m for m in ("matplotlib", "IPython") if m in sys.modules)}))
"""


def test_every_analysis_runs_on_the_bundled_data_without_a_drawing_library():
    """Every analysis, run in a fresh process as the build runs them (never drawing): each gives derived numbers
    and findings with every value filled in, and none imports matplotlib or IPython (their chart modules are
    named with `lazy_functions`, and nothing an analysis computes comes from a chart module)."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", EVERY_ANALYSIS], capture_output=True, text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"problems": [], "drawing": []}, done.stderr[-2000:]
