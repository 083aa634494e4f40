"""Interrupted time series: a monthly share before and after a dated event, with standard errors robust to
autocorrelation (statsmodels OLS with HAC / Newey-West covariance).

Two models on the same months (the month containing the event mixes both regimes and is left out, as in
`jails.periods`, unless the event falls on the first of a month):

- `segmented`: share = b0 + b1 * t + b2 * after + b3 * months_after, where t counts months from the first,
  `after` is 1 from the first whole month after the event and `months_after` counts months from then
  (0 in that month). b2 is the change in level, b3 the change in slope.
- `before_after`: share = a + d * after: d is the difference between the mean of the months after and the
  mean of the months before, with a HAC interval; this is the before/after change of notebook 09 with its
  uncertainty. A change "exceeds its uncertainty" when its 95% interval excludes 0.

Newey-West lags default to floor(4 (n/100)^(2/9)) (Newey and West, 1994).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from scomm.results import result_row


def newey_west_lags(n: int) -> int:
    """The usual automatic lag length, floor(4 (n/100)^(2/9))."""
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def design(months, event_date) -> pd.DataFrame:
    """Columns t, after, months_after for each month kept (the month of the event left out)."""
    stamp = pd.Timestamp(event_date)
    split = stamp.to_period("M").to_timestamp()
    months = pd.to_datetime(pd.Series(months)).reset_index(drop=True)
    keep = months != split if stamp != split else pd.Series(True, index=months.index)
    first_after = split if stamp == split else split + pd.offsets.MonthBegin(1)
    t = (months.dt.year - months.iloc[0].year) * 12 + (months.dt.month - months.iloc[0].month)
    after = (months >= first_after).astype(float)
    since = ((months.dt.year - first_after.year) * 12 + (months.dt.month - first_after.month)) * after
    return pd.DataFrame(
        {"month": months, "t": t.astype(float), "after": after, "months_after": since.astype(float), "keep": keep}
    )


def _fit(y, X, maxlags: int | None):
    n = len(y)
    lags = newey_west_lags(n) if maxlags is None else maxlags
    return OLS(y, add_constant(X, has_constant="add")).fit(cov_type="HAC", cov_kwds={"maxlags": lags}), lags


def segmented(
    months, values, event_date, maxlags: int | None = None, *, label: str = "", data: str = "", unit: str = "points"
) -> list[dict]:
    """Level change and slope change at `event_date` (segmented regression, HAC errors): two results rows."""
    d = design(months, event_date).assign(y=np.asarray(values, float))
    d = d[d["keep"] & np.isfinite(d["y"])]
    fit, lags = _fit(d["y"].to_numpy(), d[["t", "after", "months_after"]].to_numpy(), maxlags)
    ci = fit.conf_int(alpha=0.05)
    method = f"segmented regression, OLS with Newey-West (HAC) standard errors, {lags} lags"
    n = len(d)
    return [
        result_row(
            f"{label}: change in level",
            float(fit.params[2]),
            float(ci[2, 0]),
            float(ci[2, 1]),
            n,
            method,
            data,
            unit=unit,
            se=float(fit.bse[2]),
            term="level",
        ),
        result_row(
            f"{label}: change in slope (per month)",
            float(fit.params[3]),
            float(ci[3, 0]),
            float(ci[3, 1]),
            n,
            method,
            data,
            unit=unit,
            se=float(fit.bse[3]),
            term="slope",
        ),
    ]


def before_after(
    months, values, event_date, maxlags: int | None = None, *, label: str = "", data: str = "", unit: str = "points"
) -> dict:
    """Mean after minus mean before with a HAC 95% interval: one results row (with both means)."""
    d = design(months, event_date).assign(y=np.asarray(values, float))
    d = d[d["keep"] & np.isfinite(d["y"])]
    fit, lags = _fit(d["y"].to_numpy(), d[["after"]].to_numpy(), maxlags)
    ci = fit.conf_int(alpha=0.05)
    return result_row(
        f"{label}: change in mean",
        float(fit.params[1]),
        float(ci[1, 0]),
        float(ci[1, 1]),
        len(d),
        f"difference of monthly means, OLS with Newey-West (HAC) standard errors, {lags} lags",
        data,
        unit=unit,
        se=float(fit.bse[1]),
        term="before_after",
        mean_before=float(d.loc[d["after"] == 0, "y"].mean()),
        mean_after=float(d.loc[d["after"] == 1, "y"].mean()),
        months_before=int((d["after"] == 0).sum()),
        months_after=int((d["after"] == 1).sum()),
    )


def exceeds(row: dict | pd.Series) -> str:
    """'rose' / 'fell' when the 95% interval excludes 0, else 'within uncertainty'."""
    if row["low"] > 0:
        return "rose"
    if row["high"] < 0:
        return "fell"
    return "within uncertainty"
