"""Who was switched on first: time to Secure Communities activation by county, as survival models.

Every county of ICE's list was activated between October 2008 and January 2013, so every time is observed
(no censoring); time is counted in days from the first activation in the list. The estimators are
statsmodels': `SurvfuncRight` (Kaplan-Meier curves, medians with 95% intervals) and `PHReg` (Cox
proportional hazards, Efron ties, optionally stratified by state). A hazard ratio above 1 means earlier
activation. These models describe the order in which ICE switched counties on; they are not causal estimates.

Each function returns plain rows for the results table (`results.result_row`): estimate, interval, n,
method and the data used.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from scomm.results import result_row

COVARIATE_LABELS = {
    "noncitizen_share": "non-citizen share (per percentage point)",
    "log_population": "population (per doubling)",
    "border_100km": "distance to the Mexican border (per 100 km)",
    "g287": "287(g) agreement in October 2009",
}
DATA_USED = "data/county_covariates.csv"


def model_frame(counties: pd.DataFrame) -> pd.DataFrame:
    """The county table with model columns: days, event (all 1), quintile of non-citizen share (1 = lowest),
    log2 population, distance in 100 km, 287(g) as 0/1. Counties without a non-citizen count are dropped."""
    frame = counties.dropna(subset=["noncitizen_share", "population_2010", "border_km"]).copy()
    frame["days"] = frame["days_to_activation"].astype(float)
    frame["event"] = 1
    frame["quintile"] = pd.qcut(frame["noncitizen_share"].astype(float), 5, labels=False) + 1
    frame["log_population"] = np.log2(frame["population_2010"].astype(float))
    frame["border_100km"] = frame["border_km"].astype(float) / 100
    frame["g287"] = (frame["g287_2009"].astype(str) == "true").astype(float)
    frame["noncitizen_share"] = frame["noncitizen_share"].astype(float)
    return frame.reset_index(drop=True)


def kaplan_meier(durations, events, groups=None) -> dict:
    """Kaplan-Meier curve of each group: {group: (times, survival)}; group None = all."""
    frame = pd.DataFrame(
        {"t": np.asarray(durations, float), "e": np.asarray(events, int), "g": groups if groups is not None else 0}
    )
    out = {}
    for g, part in frame.groupby("g"):
        fit = SurvfuncRight(part["t"].to_numpy(), part["e"].to_numpy())
        out[g] = (np.asarray(fit.surv_times), np.asarray(fit.surv_prob))
    return out


def median_times(durations, events, groups, origin: pd.Timestamp | None = None) -> pd.DataFrame:
    """Median time to the event in each group with its 95% interval (Kaplan-Meier; Brookmeyer-Crowley
    interval with the log-log transform, as statsmodels computes it). With `origin`, also as dates."""
    frame = pd.DataFrame({"t": np.asarray(durations, float), "e": np.asarray(events, int), "g": groups})
    rows = []
    for g, part in frame.groupby("g"):
        fit = SurvfuncRight(part["t"].to_numpy(), part["e"].to_numpy())
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # log(0) at the curve's end, outside the interval
            low, high = fit.quantile_ci(0.5, alpha=0.05)
        row = {
            "group": g,
            "n": len(part),
            "median_days": float(fit.quantile(0.5)),
            "low_days": float(low) if low is not None else np.nan,
            "high_days": float(high) if high is not None else np.nan,
        }
        row.update(
            result_row(
                f"median days to activation, group {g}",
                row["median_days"],
                row["low_days"],
                row["high_days"],
                len(part),
                "Kaplan-Meier median (statsmodels SurvfuncRight), Brookmeyer-Crowley interval, log-log transform",
                DATA_USED,
                unit="days",
            )
        )
        if origin is not None:
            for key in ("median", "low", "high"):
                days = row[f"{key}_days"]
                row[f"{key}_date"] = origin + pd.Timedelta(days=days) if days == days else pd.NaT
        rows.append(row)
    return pd.DataFrame(rows)


def cox(
    frame: pd.DataFrame, covariates: list[str], strata: str | None = None, duration: str = "days", event: str = "event"
):
    """Fitted statsmodels PHReg (Efron ties) of `duration` on `covariates`, stratified by `strata` if given."""
    model = PHReg(
        frame[duration].to_numpy(float),
        frame[covariates].to_numpy(float),
        status=frame[event].to_numpy(int),
        ties="efron",
        strata=frame[strata].to_numpy() if strata else None,
    )
    return model.fit()


def hazard_ratios(fit, covariates: list[str], *, model: str, n: int, data: str = DATA_USED) -> pd.DataFrame:
    """Rows of the results table: each covariate's hazard ratio with its 95% interval."""
    ci = np.exp(fit.conf_int(alpha=0.05))
    rows = []
    for i, cov in enumerate(covariates):
        rows.append(
            result_row(
                f"hazard ratio: {COVARIATE_LABELS.get(cov, cov)}",
                float(np.exp(fit.params[i])),
                float(ci[i, 0]),
                float(ci[i, 1]),
                n,
                f"Cox proportional hazards (statsmodels PHReg, Efron ties), {model}",
                data,
                unit="times",
                p_value=float(fit.pvalues[i]),
                term=cov,
                model=model,
            )
        )
    return pd.DataFrame(rows)


def ph_check(
    fit, frame: pd.DataFrame, covariates: list[str], duration: str = "days", event: str = "event"
) -> pd.DataFrame:
    """Proportional-hazards check: for each covariate, the slope of its Schoenfeld residuals on the rank of
    the event time (OLS, statsmodels) and its p-value; a small p-value says the hazard ratio changes over
    time. (Unscaled residuals: an approximation of the Grambsch-Therneau test.)"""
    resid = np.asarray(fit.schoenfeld_residuals)
    times = frame[duration].to_numpy(float)
    observed = frame[event].to_numpy(int) == 1
    rank = pd.Series(times).rank().to_numpy()
    rows = []
    for i, cov in enumerate(covariates):
        y = resid[:, i]
        keep = observed & np.isfinite(y)
        ols = OLS(y[keep], add_constant(rank[keep])).fit()
        rows.append(
            {
                "term": cov,
                "label": COVARIATE_LABELS.get(cov, cov),
                "slope": float(ols.params[1]),
                "p_value": float(ols.pvalues[1]),
                "n": int(keep.sum()),
            }
        )
    return pd.DataFrame(rows)


def spearman(frame: pd.DataFrame, x: str = "noncitizen_share", y: str = "days") -> dict:
    """Spearman rank correlation of `x` with `y` with a 95% interval (Fisher z with the Bonett-Wright
    variance), from scipy."""
    rho, p = stats.spearmanr(frame[x], frame[y])
    n = len(frame)
    z, se = np.arctanh(rho), np.sqrt((1 + rho**2 / 2) / (n - 3))
    q = stats.norm.ppf(0.975)
    return {
        "rho": float(rho),
        "low": float(np.tanh(z - q * se)),
        "high": float(np.tanh(z + q * se)),
        "p_value": float(p),
        "n": n,
    }


def claim_check(hr_rows: pd.DataFrame, rho: dict, term: str = "noncitizen_share") -> pd.DataFrame:
    """The published claim that early activation 'correlates strongly' with a large Hispanic population,
    checked with the non-citizen share as the measure, model by model: 'reproduces in sign' when the hazard
    ratio's 95% interval lies above 1 (earlier activation with a larger share), 'opposite sign' when below 1,
    'sign not settled' when it includes 1. Strength is not judged by a threshold: the estimates are given."""
    rows = hr_rows[hr_rows["term"] == term].copy()
    rows["verdict"] = np.where(
        rows["low"] > 1, "reproduces in sign", np.where(rows["high"] < 1, "opposite sign", "sign not settled")
    )
    corr = pd.DataFrame(
        [
            {
                "model": "rank correlation",
                "estimate": rho["rho"],
                "low": rho["low"],
                "high": rho["high"],
                "n": rho["n"],
                "verdict": "reproduces in sign"
                if rho["high"] < 0
                else ("opposite sign" if rho["low"] > 0 else "sign not settled"),
            }
        ]
    )
    return pd.concat([rows[["model", "estimate", "low", "high", "n", "verdict"]], corr], ignore_index=True)
