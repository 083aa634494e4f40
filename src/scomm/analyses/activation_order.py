"""Notebook 11: did ICE switch Secure Communities on earlier in counties with more non-citizen residents, and
does that hold within states, next to county size, distance to the Mexican border and an existing 287(g)
agreement? (Cox and Miles, 2013, wrote that early activation "correlates strongly" with a large Hispanic
population; the project's measure is the non-citizen share.)

Time is counted from the first activation in ICE's list; every county was switched on during the rollout,
so no time is censored. The models are `activation_models`' (statsmodels survival estimators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from scomm import fmt
from scomm import results as res
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions, lazy_module
from scomm.recording import RecordingDataset
from scomm.schema import source_ids

if TYPE_CHECKING:
    from scomm import activation_models as am
    from scomm import model_charts as mc
else:  # imported when a chart is drawn, or a model fitted (see `lazy_import`)
    am = lazy_module("scomm.activation_models")
    mc = lazy_functions("scomm.model_charts")

NOTEBOOK = "11_activation_order"
TABLE = "county_covariates"
COVARIATES = ["noncitizen_share", "log_population", "border_100km", "g287"]
SHARE = "noncitizen_share"  # the covariate the published claim is about
ALL, WITHIN, ALONE = "all counties", "within states", "share alone"  # the models, by name
STRATA = "state"  # the within-states model compares counties of the same state only
PH_ALPHA = 0.05  # a proportional-hazards check below this p-value says the ratio drifts with time
# Sources of the county table the Kaplan-Meier chart does not use (it draws activation dates and the
# non-citizen share only): the 287(g) roster and the county boundaries behind the border distance.
NOT_IN_CURVES = (*source_ids("agreements_287g_2009").split(), *source_ids("county_boundaries").split())


def table_sources(counties: pd.DataFrame) -> list[str]:
    """The source ids of the county table, in first-seen order (from its source_id column)."""
    ids: dict[str, None] = {}
    for cell in counties["source_id"].astype(str):
        for sid in cell.split():
            ids.setdefault(sid, None)
    return list(ids)


def fifth_medians(frame: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Median time to activation in each fifth of the non-citizen share (with 95% intervals, as days and
    dates), with the lowest and highest share of each fifth (share_from, share_to)."""
    medians = am.median_times(frame["days"], frame["event"], frame["quintile"], origin)
    cuts = frame.groupby("quintile")[SHARE].agg(["min", "max"])
    return medians.assign(share_from=medians["group"].map(cuts["min"]), share_to=medians["group"].map(cuts["max"]))


def drifting_terms(ph: pd.DataFrame, alpha: float = PH_ALPHA) -> str:
    """The model terms whose residuals drift with time ('label (model)'; 'none' when there are none)."""
    off = ph[ph["p_value"] < alpha]
    return "; ".join(off["label"] + " (" + off["model"] + ")") or "none"


def analyse(data: RecordingDataset) -> Analysis:
    """The county table, the median time to activation by fifth of the non-citizen share, two Cox models
    (all counties; within states) with their proportional-hazards check, the published claim checked, and
    two charts."""
    out = Analysis(NOTEBOOK)
    sources = data.sources
    counties = data.table(TABLE)
    frame = am.model_frame(counties)
    origin = pd.Timestamp(counties["activated"].min())
    all_ids = table_sources(counties)
    curve_ids = " ".join(s for s in all_ids if s not in NOT_IN_CURVES)

    missing = counties[counties["noncitizen_share"].isna()]
    out.finding(
        "counties",
        "Finding: the county table holds {n} counties of ICE's list. {k} have no 2009 non-citizen estimate"
        " (codes the Census Bureau retired before the survey: {ids}) and are left out, so the models use"
        " {m}. {g} counties had a county-level 287(g) agreement in force in October 2009.",
        n=len(counties),
        k=len(missing),
        ids="; ".join(missing["county"] + ", " + missing["state"]),
        m=len(frame),
        g=int(frame["g287"].sum()),
    )

    curves = am.kaplan_meier(frame["days"], frame["event"], frame["quintile"])
    medians = fifth_medians(frame, origin)
    out.tables["medians"] = medians
    med = medians.set_index("group")
    top, bottom = med.loc[med.index.max()], med.loc[med.index.min()]
    out.add(res.quantity(top, "median days to activation, highest fifth of non-citizen share"), group="medians")
    out.add(res.quantity(bottom, "median days to activation, lowest fifth of non-citizen share"), group="medians")
    out.finding(
        "medians",
        "Finding: half the counties in the highest fifth of non-citizen share (above {c:2}% of residents)"
        " were switched on by {t} (95% interval {tl} to {th}); half the counties in the lowest fifth"
        " (below {d:2}%) by {b} ({bl} to {bh}), {gap} days later.",
        c=float(top["share_from"]),
        d=float(bottom["share_to"]),
        t=fmt.day_month_year(top["median_date"]),
        tl=fmt.day_month_year(top["low_date"]),
        th=fmt.day_month_year(top["high_date"]),
        b=fmt.day_month_year(bottom["median_date"]),
        bl=fmt.day_month_year(bottom["low_date"]),
        bh=fmt.day_month_year(bottom["high_date"]),
        gap=int(bottom["median_days"] - top["median_days"]),
    )
    out.chart("11_activation_by_fifth", mc.km_chart, curves, medians, origin, sources, curve_ids)

    fits = {ALL: am.cox(frame, COVARIATES), WITHIN: am.cox(frame, COVARIATES, strata=STRATA)}
    hr = pd.concat(
        [am.hazard_ratios(fit, COVARIATES, model=name, n=len(frame)) for name, fit in fits.items()],
        ignore_index=True,
    )
    out.tables["hazard_ratios"] = hr
    share_rows = hr[hr["term"] == SHARE].set_index("model")
    q = {
        m: out.add(res.quantity(row, f"hazard ratio, non-citizen share ({m})"), group="hazard_ratios")
        for m, row in share_rows.iterrows()
    }
    a, w = share_rows.loc[ALL], share_rows.loc[WITHIN]
    out.finding(
        "hazard_ratios",
        "Finding: with all counties together, each percentage point of non-citizen share goes with a"
        " hazard ratio of {a:3} (95% interval {al:3} to {ah:3}), next to population, border distance and"
        " 287(g). Within states it is {w:3} ({wl:3} to {wh:3}).",
        a=q[ALL],
        al=float(a["low"]),
        ah=float(a["high"]),
        w=q[WITHIN],
        wl=float(w["low"]),
        wh=float(w["high"]),
    )
    out.chart("11_hazard_ratios", mc.hazard_chart, hr, sources, " ".join(all_ids))

    ph = pd.concat(
        [am.ph_check(fit, frame, COVARIATES).assign(model=name) for name, fit in fits.items()], ignore_index=True
    )
    out.tables["ph_check"] = ph
    out.finding(
        "ph_check",
        "Finding: in {k} of the {n} model terms the residuals drift with time (p below 0.05): {terms}. For"
        " those, the hazard ratio is an average over the rollout, not a constant.",
        k=int((ph["p_value"] < PH_ALPHA).sum()),
        n=len(ph),
        terms=drifting_terms(ph),
    )

    alone = am.hazard_ratios(am.cox(frame, [SHARE]), [SHARE], model=ALONE, n=len(frame))
    rho = am.spearman(frame)
    check = am.claim_check(pd.concat([alone, hr], ignore_index=True), rho)
    out.tables["claim_check"] = check
    verdict = check.set_index("model")["verdict"]
    out.finding(
        "claim",
        "Finding: Cox and Miles measured the Hispanic share; with the non-citizen share instead, the claim"
        " {v1} across all counties (hazard ratio {h:3} per point alone; rank correlation with days to"
        " activation {r:2}, 95% interval {rl:2} to {rh:2}). Comparing counties within the same state"
        " only: {v2}.",
        v1=verdict[ALONE],
        h=float(alone["estimate"].iloc[0]),  # the one row of the one-covariate model
        r=rho["rho"],
        rl=rho["low"],
        rh=rho["high"],
        v2=verdict[WITHIN],
    )
    out.tables["results"] = results_table(medians, hr, alone)
    return out


def results_table(medians: pd.DataFrame, hr: pd.DataFrame, alone: pd.DataFrame) -> pd.DataFrame:
    """Every estimate of the notebook in one results table: the medians by fifth, both Cox models and the
    one-covariate model."""
    labelled = medians.assign(label="median days to activation, fifth " + medians["group"].astype(str))
    parts: list[Any] = [labelled, hr, alone]
    return res.results_table(*parts)
