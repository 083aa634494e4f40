"""`changes.md` on small hand-made inputs: identical data, one edited value, an added row, a removed row.

Each expected document is written out by hand from the inputs below (old -> new for figures and for
the derived numbers), so a wrong diff, a missing section or a spurious change fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scomm.report import Previous, changes_markdown, read_figures_text

HEADER = "figure_id,metric,value,unit,notes\n"
ROWS = {
    "A-1": 'A-1,arrests,"1,000",arrests,\n',
    "A-2": "A-2,removals,500,removals,first note\n",
    "A-3": "A-3,removals,250,removals,\n",
}


def figures_file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def ratios(**values: float) -> pd.DataFrame:
    """A ratios table as the build writes it: one derived number per key, in percent."""
    return pd.DataFrame(
        {
            "notebook": "01_test",
            "key": list(values),
            "value": list(values.values()),
            "unit": "percent",
            "figure_ids": "A-2 A-1",
        }
    )


def previous(tmp_path: Path, ratio_table: pd.DataFrame) -> Previous:
    old = figures_file(tmp_path, "old.csv", list(ROWS.values()))
    return Previous(read_figures_text(old), ratio_table)


def test_identical_data_says_no_changes(tmp_path):
    # The same figures written differently (no thousands separator, trailing spaces, a CRLF file)
    # are the same data.
    same = tmp_path / "same.csv"
    same.write_bytes(
        (HEADER + "A-1, arrests ,1000,arrests,\nA-2,removals,500 ,removals,first note\nA-3,removals,250,removals,\n")
        .replace("\n", "\r\n")
        .encode()
    )
    text = changes_markdown(previous(tmp_path, ratios(rate=50.0)), same, ratios(rate=50.0))
    assert text == (
        "# What changed since the last build\n\n"
        "No changes: the figures and every derived number are the same as in the last build.\n"
    )


def test_one_edited_value_lists_that_figure_and_the_moved_number(tmp_path):
    edited = figures_file(tmp_path, "new.csv", [ROWS["A-1"], "A-2,removals,700,removals,first note\n", ROWS["A-3"]])
    # moves from 500/1000 = 50.0% to 700/1000 = 70.0%; the other number does not move.
    text = changes_markdown(previous(tmp_path, ratios(rate=50.0, other=25.0)), edited, ratios(rate=70.0, other=25.0))
    assert text == (
        "# What changed since the last build\n\n"
        "- figures added: 0; removed: 0; changed: 1\n"
        "- derived numbers that moved: 1\n\n"
        "## Figures changed\n\n"
        "| figure | column | old | new |\n|---|---|---|---|\n"
        "| A-2 | value | 500 | 700 |\n\n"
        "## Derived numbers that moved\n\n"
        "| notebook | number | old | new | figures |\n|---|---|---|---|---|\n"
        "| 01_test | rate | 50.0% | 70.0% | A-2 A-1 |\n"
    )


def test_an_added_row_is_listed_with_the_number_it_brings(tmp_path):
    added = figures_file(tmp_path, "new.csv", [*ROWS.values(), "A-4,removals,125,removals,\n"])
    # A new derived number (A-4 / A-1 = 12.5%) appears; the existing one stays.
    new_ratios = pd.concat([ratios(rate=50.0), ratios(share=12.5).assign(figure_ids="A-4 A-1")], ignore_index=True)
    text = changes_markdown(previous(tmp_path, ratios(rate=50.0)), added, new_ratios)
    assert text == (
        "# What changed since the last build\n\n"
        "- figures added: 1; removed: 0; changed: 0\n"
        "- derived numbers that moved: 1\n\n"
        "## Figures added\n\n- A-4\n\n"
        "## Derived numbers that moved\n\n"
        "| notebook | number | old | new | figures |\n|---|---|---|---|---|\n"
        "| 01_test | share | (new) | 12.5% | A-4 A-1 |\n"
    )


def test_a_removed_row_is_listed_with_the_number_that_went(tmp_path):
    removed = figures_file(tmp_path, "new.csv", [ROWS["A-1"], ROWS["A-2"]])
    # The number that rested on A-3 (A-3 / A-1 = 25.0%) is gone.
    text = changes_markdown(previous(tmp_path, ratios(rate=50.0, other=25.0)), removed, ratios(rate=50.0))
    assert text == (
        "# What changed since the last build\n\n"
        "- figures added: 0; removed: 1; changed: 0\n"
        "- derived numbers that moved: 1\n\n"
        "## Figures removed\n\n- A-3\n\n"
        "## Derived numbers that moved\n\n"
        "| notebook | number | old | new | figures |\n|---|---|---|---|---|\n"
        "| 01_test | other | 25.0% | (gone) |  |\n"
    )


def test_an_edited_note_is_a_change_but_a_blank_is_not_nan(tmp_path):
    # A blank note read back must stay blank (the old report showed every blank as "'' -> nan").
    edited = figures_file(tmp_path, "new.csv", [ROWS["A-1"], "A-2,removals,500,removals,second note\n", ROWS["A-3"]])
    text = changes_markdown(previous(tmp_path, ratios(rate=50.0)), edited, ratios(rate=50.0))
    assert "| A-2 | notes | first note | second note |" in text
    assert "nan" not in text
    assert "changed: 1" in text


def test_sources_added_and_removed_and_verdicts_that_changed(tmp_path):
    old_sources = pd.DataFrame({"source_id": ["S1", "S2"], "title": ["Old report", "Gone page"]})
    new_sources = pd.DataFrame({"source_id": ["S1", "S3"], "title": ["Old report", "New study"]})
    old_checks = pd.DataFrame({"claim_id": ["X1", "X2", "X3"], "verdict": ["reproduces", "diverges", "reproduces"]})
    new_checks = pd.DataFrame({"claim_id": ["X1", "X2", "X4"], "verdict": ["diverges", "diverges", "reproduces"]})
    before = previous(tmp_path, ratios(rate=50.0))
    before = Previous(before.figures, before.ratios, old_sources, old_checks)
    same = figures_file(tmp_path, "same.csv", list(ROWS.values()))
    text = changes_markdown(before, same, ratios(rate=50.0), new_sources, new_checks)
    assert text == (
        "# What changed since the last build\n\n"
        "- figures added: 0; removed: 0; changed: 0\n"
        "- derived numbers that moved: 0\n"
        "- sources added: 1; removed: 1\n"
        "- published claims whose verdict changed: 3\n\n"
        "## Sources added\n\n- S3: New study\n\n"
        "## Sources removed\n\n- S2: Gone page\n\n"
        "## Published claims whose verdict changed\n\n"
        "| claim | old | new |\n|---|---|---|\n"
        "| X1 | reproduces | diverges |\n"
        "| X3 | reproduces | (none) |\n"
        "| X4 | (none) | reproduces |\n"
    )
