"""How long the models of notebooks 11 and 12 take to fit on the bundled data (goal: all under 5 s).

Fits, in one process after the tables are loaded: the Kaplan-Meier curves and medians by fifth of the
non-citizen share, the Cox models with and without state strata and their proportional-hazards checks,
the share-only Cox model, and the segmented regression and before/after change of the monthly jail share
for the nation and every area. Prints each step's time and the total.
Usage: python benchmarks/models.py
"""

from __future__ import annotations

import time

GOAL_SECONDS = 5.0


def main() -> None:
    """Load the tables, then time each model step."""
    from scomm import activation_models as am
    from scomm import its
    from scomm import jails as j
    from scomm.data import load_table

    frame = am.model_frame(load_table("county_covariates"))
    arrests = j.load_arrests()
    last = j.last_complete_month(j.load_files())
    event = load_table("milestones").set_index("milestone_id").loc["M14", "date"]
    monthly = j.monthly_jail_share(arrests, last_month=last)
    covs = ["noncitizen_share", "log_population", "border_100km", "g287"]

    def survival():
        am.kaplan_meier(frame["days"], frame["event"], frame["quintile"])
        am.median_times(frame["days"], frame["event"], frame["quintile"])

    def cox():
        for strata in (None, "state"):
            fit = am.cox(frame, covs, strata=strata)
            am.hazard_ratios(fit, covs, model=str(strata), n=len(frame))
            am.ph_check(fit, frame, covs)
        am.cox(frame, ["noncitizen_share"])

    def series():
        for _, part in monthly.groupby("aor"):
            its.segmented(part["month"], part["share"], event)
            its.before_after(part["month"], part["share"], event)

    total = 0.0
    for name, step in (
        ("Kaplan-Meier by fifth", survival),
        ("Cox models and PH checks", cox),
        ("segmented regressions (nation + areas)", series),
    ):
        start = time.perf_counter()
        step()
        took = time.perf_counter() - start
        total += took
        print(f"{name:42s} {took:6.2f} s")
    print(
        f"{'all models':42s} {total:6.2f} s (goal under {GOAL_SECONDS:.0f} s: {'met' if total < GOAL_SECONDS else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
