"""Every chart the notebooks publish, drawn the way each notebook draws it: the same package calls on one run.

`draw_all(run_for)` returns name -> (figure, table). `run_for(notebook)` gives a `scomm.notebook.Run` on the
bundled data (the tests build it on the session's loaded dataset). Nothing here reads the committed outputs.
Where a notebook computes a chart's input in more than one call, that computation lives in a package function
(`scomm.chart_tables`, `scomm.jails`, ...) that the notebook and this file both call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd

from scomm import chart_tables, maps, place_charts, tables, views
from scomm import detainer_charts as dc
from scomm import enforcement_charts as ec
from scomm import jails as j
from scomm import places as P


def _n01(run):
    yield "01_milestones", views.milestones_chart(run.milestones, run.sources)


def _n02(run):
    S = run.sources
    full = run.get("ROL-039")
    rollout = run.rows(metric=tables.ROLLOUT_METRICS, geography="US")
    points = chart_tables.dated_rows(rollout)
    yield (
        "02_rollout_jurisdictions",
        views.rollout_chart(points, run.select(["ROL-041", "ROL-039"]), S, goal=run.get("ROL-041"), full=full),
    )
    states = run.rows(metric=["states_with_activation"], geography="US")
    yield "02_rollout_states", views.states_chart(chart_tables.dated_rows(states), S)


def _n03(run):
    funnel = chart_tables.funnel_rows(run)
    yield "03_funnel", views.funnel_chart(funnel, run.sources)
    yield "03_conversion_rates", views.conversion_chart(funnel, run.sources)


def _n04(run):
    removals, _ = chart_tables.removals_by_year(run)
    yield "04_ice_removals", views.removals_chart(removals, run.sources)
    shares, _ = chart_tables.program_share_rows(run)
    yield "04_sc_share_of_removals", views.sc_share_chart(shares, run.sources)


def _n05(run):
    yield "05_case_review", views.case_review_chart(chart_tables.case_review_rows(run), run.sources)


def _n06(run):
    S = run.sources
    yield "06_detainers", views.detainers_chart(chart_tables.detainer_rows(run), S, run.milestones)
    due = chart_tables.due_process_rows(run)
    yield "06_due_process", views.due_process_chart(due, S, run.get(chart_tables.DUE_PROCESS_SAMPLE))


def _n07(run):
    S = run.sources
    yield "07_figures_by_source", views.audit_chart(run.derived("figures_by_source"), S)
    yield "07_published_checks", views.published_checks_chart(run.derived("claims"), S)


def _n08(run):
    S = run.sources
    acts, sts = run.table("activations"), run.table("states")
    plc, changes = run.table("places"), run.table("county_changes")
    yield "08_county_map", maps.rollout_map(acts, changes, S)
    yield "08_state_spans", place_charts.spans_chart(P.state_spans(acts, sts), S)
    dallas = P.lookup("Dallas County, TX", acts, sts, plc)
    yield "08_dallas_county_rollout", place_charts.state_rollout_chart(acts, sts, S, dallas.state, dallas.code)


def _n09(run):
    S, M = run.sources, run.milestones
    arrests = j.as_counts(run.table("ice_arrests_monthly"))
    removals = j.as_counts(run.table("ice_removals_monthly"))
    files = j.as_counts(run.table("ice_record_files"))
    last_month = j.last_complete_month(files)
    span = j.periods(arrests["month"], M.set_index("milestone_id").loc["M14", "date"], last_month)
    published = chart_tables.PUBLISHED_TOTALS
    rows = run.select([fid for ids in published.values() for fid in ids])
    yield "09_records_vs_published", ec.records_vs_published_chart(j.records_vs_published(files, rows, published), S)
    yield "09_arrests_by_method", ec.monthly_methods_chart(j.monthly_by_method(arrests, last_month), M, S, span)
    national = {d: j.jail_shares(arrests, span, d).set_index("aor").loc[j.NATIONAL] for d in j.DEFINITIONS}
    shares = j.area_shares(arrests, span, run.table("ice_aors"))
    yield "09_jail_share_by_area", ec.jail_share_chart(shares, national, S)
    yield "09_jail_share_map", ec.aor_map(shares, run.table("ice_county_aor"), S)
    side = j.monthly_totals(arrests, removals, last_month)
    yield "09_arrests_and_removals", ec.arrests_removals_chart(side, M, S, span=span)
    by_area = j.area_totals(arrests, removals, run.table("ice_aors"))
    covered = (files["first_date"].min(), files["last_date"].max())
    yield "09_records_by_area", ec.area_totals_chart(by_area, S, covered)


def _n10(run):
    S, M = run.sources, run.milestones
    yield (
        "10_detainers_by_month",
        dc.monthly_chart(
            run.table("detainers_monthly"),
            run.table("activations"),
            M,
            S,
            ["M02", "M20", "M21", "M22", "M23", "M24", "M12"],
        ),
    )
    placement = run.table("detainer_declines_placement")
    yield "10_declines_by_year", dc.declines_chart(placement, S)
    p = placement.assign(year=placement["year"].astype(int))
    declines = run.table("detainer_declines_facility")
    yield "10_declines_map", dc.declines_map(declines, chart_tables.peak_decline_year(p), M, S, ["M20", "M22"])
    yield (
        "10_detainer_outcomes",
        dc.outcomes_chart(run.table("detainer_outcomes_yearly"), run.table("detainers_yearly"), S),
    )
    yield "10_287g_and_activation", dc.agreements_chart(run.table("wapo_287g_sheriffs"), run.table("activations"), S)
    enc, enc_files = run.table("ice_encounters_monthly"), run.table("ice_encounter_files")
    yield "10_encounters_detainers", dc.encounters_chart(enc, enc_files, S)


def _n11(run):
    from scomm import activation_models as am
    from scomm import model_charts as mc

    S = run.sources
    counties = run.table("county_covariates")
    frame = am.model_frame(counties)
    origin = pd.Timestamp(counties["activated"].min())
    ids = "S101 S102 S356 S357"  # as notebook 11 names the sources of its models
    curves, medians = chart_tables.activation_curves(frame, origin)
    yield "11_activation_by_fifth", mc.km_chart(curves, medians, origin, S, ids)
    _, _, hr = chart_tables.cox_models(frame)
    yield "11_hazard_ratios", mc.hazard_chart(hr, S, ids + " S355 S103")


def _n12(run):
    from scomm import model_charts as mc
    from scomm import seattle as sea

    S, M = run.sources, run.milestones
    sea_monthly = sea.as_counts(run.table("seattle_arrests_monthly"))
    by_method = sea.by_year_and_method(sea_monthly)
    monthly_share = sea.jail_share(sea_monthly, by="month")
    yield (
        "12_seattle_arrests",
        mc.seattle_chart(by_method, monthly_share, M, S, ("M24", "M42", "M12", "M14"), years=(2013, 2015)),
    )
    arrests = j.as_counts(run.table("ice_arrests_monthly"))
    last_month = j.last_complete_month(j.as_counts(run.table("ice_record_files")))
    aors = run.table("ice_aors")
    names = dict(zip(aors["aor"].astype(str), aors["name"].astype(str)))
    names[j.NATIONAL] = "United States (all areas)"
    return_date = M.set_index("milestone_id").loc["M14", "date"]
    _, changes = chart_tables.jail_share_changes(arrests, names, return_date, last_month)
    yield "12_jail_share_change", mc.area_change_chart(changes, S)


NOTEBOOKS: dict[str, Callable] = {
    "01_program_overview": _n01,
    "02_rollout": _n02,
    "03_identification_funnel": _n03,
    "04_removals_in_context": _n04,
    "05_case_review": _n05,
    "06_shared_safety": _n06,
    "07_data_audit": _n07,
    "08_rollout_by_place": _n08,
    "09_reinstated_era": _n09,
    "10_detainers": _n10,
    "11_activation_order": _n11,
    "12_jail_channel": _n12,
}


def draw_all(run_for: Callable[[str], object]) -> Iterator[tuple[str, tuple[object, pd.DataFrame]]]:
    """(name, (figure, table)) for every chart of every notebook in `NOTEBOOKS`, one at a time (so each can be
    measured and closed before the next is drawn)."""
    for notebook, charts_of in NOTEBOOKS.items():
        yield from charts_of(run_for(notebook))
