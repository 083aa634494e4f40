"""The rollout by date, from the activation list: counties and states active on a day, the day a count
was first reached, each state's span from first county to statewide, and fiscal years.

Counts "at a date" are cumulative: a county counts from the day it was activated; a state counts from
the day its first county was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def fiscal_year(dates: pd.Series) -> pd.Series:
    """Federal fiscal year of each date (FY2011 = October 2010 to September 2011)."""
    return dates.dt.year + (dates.dt.month >= 10).astype(int)


def counts_at(acts: pd.DataFrame, dates, state: str | None = None) -> pd.DataFrame:
    """Counties and states active on each date (activated on or before it), optionally within one state."""
    rows = acts if state is None else acts[acts["state"] == state]
    act = np.sort(rows["activated"].to_numpy())
    first = np.sort(rows.groupby("state", observed=True)["activated"].min().to_numpy())
    when = pd.to_datetime(pd.Series(list(dates))).to_numpy()
    return pd.DataFrame(
        {
            "date": when,
            "counties": np.searchsorted(act, when, side="right"),
            "states": np.searchsorted(first, when, side="right"),
        }
    )


def cumulative(acts: pd.DataFrame) -> pd.DataFrame:
    """One row per activation day: counties and states active at the end of that day."""
    days = np.unique(acts["activated"].to_numpy())
    return counts_at(acts, days)


def first_reaching(acts: pd.DataFrame, value: float, what: str, state: str | None = None) -> pd.Timestamp | None:
    """The first day the list counts at least `value` counties (or states), or None if it never does."""
    rows = acts if state is None else acts[acts["state"] == state]
    if what == "states":
        dates = np.sort(rows.groupby("state", observed=True)["activated"].min().to_numpy())
    else:
        dates = np.sort(rows["activated"].to_numpy())
    k = int(np.ceil(value))
    if k <= 0:
        return None
    return pd.Timestamp(dates[k - 1]) if k <= len(dates) else None


def state_spans(acts: pd.DataFrame, sts: pd.DataFrame) -> pd.DataFrame:
    """Per state: counties, first and last activation, statewide date and days from first to last."""
    g = acts.groupby("state", observed=True)
    out = pd.DataFrame({"counties": g.size(), "first": g["activated"].min(), "last": g["activated"].max()})
    out = out.join(sts.set_index("state")[["state_name", "statewide", "source_id"]])
    out["days"] = (out["last"] - out["first"]).dt.days
    return out.reset_index().sort_values(["first", "state"]).reset_index(drop=True)


def share_active(activations: pd.DataFrame, months: pd.Series) -> pd.Series:
    """Percent of the listed counties where Secure Communities was active by the end of each month."""
    dates = pd.to_datetime(activations["activated"]).dropna().sort_values().to_numpy()
    ends = (pd.to_datetime(months) + pd.offsets.MonthEnd(0)).to_numpy()
    return pd.Series(np.searchsorted(dates, ends, side="right") / len(activations) * 100, index=months.index)
