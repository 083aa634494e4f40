"""Hostile and huge inputs: rejected at validation with a line number, in bounded memory, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scomm.csv_reader import MAX_LINE_BYTES
from scomm.data import load_dataset
from scomm.problems import FiguresValidationError
from test_data import GOOD, HEADER, write


def problems(path: Path):
    with pytest.raises(FiguresValidationError) as info:
        load_dataset(path)
    return info.value.problems


def _one(tmp_path, value: str, extra: list[str] = ()) -> list:
    row = GOOD[0].replace(",140396,", f",{value},")
    return problems(write(tmp_path, [HEADER, row, *extra]))


@pytest.mark.parametrize("text_path", [False, True])
def test_non_finite_numbers_are_rejected_on_both_read_paths(tmp_path, text_path):
    # a second faulty row ("nine") sends the file through the text path as well
    extra = [GOOD[1].replace(",72445,", ",nine,")] if text_path else []
    found = _one(tmp_path, "1e309", extra)
    assert any(p.line == 2 and p.column == "value" and "finite" in p.expected for p in found), found


@pytest.mark.parametrize("value", ["1e308", "20000000000"])
def test_values_above_the_schema_bound_are_rejected(tmp_path, value):
    found = _one(tmp_path, value)
    assert any(p.line == 2 and p.column == "value" and "at most 10,000,000,000" in p.expected for p in found), found


@pytest.mark.parametrize("value", ["0", "-0"])
def test_zero_counts_are_rejected(tmp_path, value):
    found = _one(tmp_path, value)
    assert any(p.line == 2 and "above 0" in p.expected for p in found), found


def test_header_only_file_is_rejected(tmp_path):
    found = problems(write(tmp_path, [HEADER]))
    assert any("at least one data row" in p.expected for p in found), found


def test_long_notes_field_then_a_bad_value_is_reported_with_lines(tmp_path):
    long_row = GOOD[0] + '"' + "x" * (200 * 1024) + '"'
    found = problems(write(tmp_path, [HEADER, long_row, GOOD[1].replace(",72445,", ",seventy,")]))
    assert [(p.line, p.column) for p in found] == [(3, "value")]


def test_a_line_over_the_limit_is_named(tmp_path):
    huge = GOOD[2] + '"' + "y" * (MAX_LINE_BYTES + 10) + '"'
    found = problems(write(tmp_path, [HEADER, GOOD[0], GOOD[1], huge]))
    assert any(p.line == 4 and "at most" in p.expected and "bytes" in p.expected for p in found), found


def test_two_gigabyte_file_without_newline_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "figures.csv"
    with open(path, "wb") as handle:  # sparse: no disk used for the zeros
        handle.truncate(2 * 1024**3)
    # VmHWM is this process's own peak (ru_maxrss would include the parent's, kept across exec)
    code = (
        "import re, sys\nfrom scomm.cli import main\nrc = main(['validate', sys.argv[1]])\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\nsys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "line 1" in proc.stderr and "Traceback" not in proc.stderr
    peak_kib = int(proc.stdout.strip().splitlines()[-1])
    assert peak_kib < 200 * 1024, f"peak memory {peak_kib / 1024:.0f} MiB"


def test_many_bad_rows_are_counted_but_only_some_located(tmp_path):
    """A huge bad file is reported in bounded memory: MAX_KEPT problems per check located, the rest counted."""
    from scomm.problems import MAX_KEPT

    rows = [GOOD[0].replace("FUN-025", f"ZZZ-{i:04d}").replace(",140396,", ",seventy,") for i in range(MAX_KEPT + 500)]
    with pytest.raises(FiguresValidationError) as info:
        load_dataset(write(tmp_path, [HEADER, *rows]))
    err = info.value
    bad_values = [p for p in err.problems if p.column == "value"]
    assert len(bad_values) == MAX_KEPT and bad_values[0].line == 2 and bad_values[-1].line == MAX_KEPT + 1
    assert err.omitted >= 500 and f"{len(err.problems) + err.omitted:,} problem(s)" in str(err)
