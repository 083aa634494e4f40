"""CSV exports a spreadsheet opens safely: text that starts like a formula is kept, but prefixed with an
apostrophe so that Excel, LibreOffice and Google Sheets show it instead of running it."""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    """`text`, with a leading apostrophe when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_START):
        try:  # a plain signed number ("-0.5", "+3") is data, not a formula
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are safe to open in a spreadsheet (numbers untouched)."""
    out = frame.copy()
    for col in out.columns:
        if (
            out[col].dtype == object
            or isinstance(out[col].dtype, pd.StringDtype)
            or isinstance(out[col].dtype, pd.CategoricalDtype)
        ):
            out[col] = [defuse(v) if isinstance(v, str) else v for v in out[col]]
    return out
