"""ICE's published rollout counts against the activation list: for each count, what the list gives on
its date (over the whole month or year when the source gives no day), how far apart they are, and the
likely reason where one is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scomm.ratios import LOWER, UPPER

ROLLOUT_START = pd.Timestamp("2008-10-01")  # first day of FY2009, the month of the first activation
# Published counts compared with the list: metric -> what it counts.
ROLLOUT_METRICS = {
    "jurisdictions_first_activated": "counties",
    "jurisdictions_activated": "counties",
    "sites_activated": "counties",
    "localities_activated": "counties",
    "counties_activated": "counties",
    "counties_activated_at_launch": "counties",
    "counties_enrolled": "counties",
    "jurisdictions_added": "counties",
    "counties_in_rollout": "counties",
    "border_counties_activated": "counties",
    "states_with_activation": "states",
}
TOLERANCE_PCT = 5.0  # counts of jurisdictions: ICE's jurisdictions are not all counties
STATE_TOLERANCE = 0  # counts of states: exact


def _window(date: pd.Timestamp, precision: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days a date printed to `precision` may stand for."""
    if precision == "month":
        start = date.replace(day=1)
        return start, start + pd.offsets.MonthEnd(0)
    if precision == "year":
        return pd.Timestamp(date.year, 1, 1), pd.Timestamp(date.year, 12, 31)
    return date, date


def retired_before(changes: pd.DataFrame, day: pd.Timestamp = ROLLOUT_START) -> set[str]:
    """List codes the Census Bureau had split or merged away before `day` (the list counts them anyway)."""
    gone = changes[changes["change"].isin(["split", "merged"]) & (changes["effective"] < day)]
    return set(gone["list_fips"])


def reconcile(
    figures: pd.DataFrame,
    acts: pd.DataFrame,
    plc: pd.DataFrame,
    changes: pd.DataFrame,
    tolerance_pct: float = TOLERANCE_PCT,
    state_tolerance: float = STATE_TOLERANCE,
) -> pd.DataFrame:
    """Every published rollout count against the list's count on its date.

    For each figure of ROLLOUT_METRICS: the list's count on the stored date (`list_count`), the lowest
    and highest count over the days the printed date may stand for (the month or year when the source
    gives no day), `difference` = list_count - published, and `gap`: how far the published value lies
    outside that range (0 inside it). `disagrees` flags a gap beyond the tolerance (`tolerance_pct`
    percent of the published value for counts of jurisdictions or counties; `state_tolerance` states for
    counts of states), read in the direction of the qualifier (a 'more than' count disagrees only if the
    list stays below it). `reason` gives the likely reason where one is known.
    """
    rows = figures[figures["metric"].isin(list(ROLLOUT_METRICS))].sort_values(["period_end", "figure_id"])
    code = dict(zip(plc["geography"], plc["place_code"]))
    kind = dict(zip(plc["geography"], plc["place_type"].astype(str)))
    retired = retired_before(changes)
    # per place compared (the nation, a state, a county): its activation dates sorted once, so that each
    # figure is a few binary searches however long the figures table is
    scopes: dict[tuple[str, object], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def sorted_dates(place_kind: str, place) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (place_kind, place)
        if key not in scopes:
            if place_kind == "county":
                scope = acts[acts["fips"] == place]
            elif place_kind == "state":
                scope = acts[acts["state"] == place]
            else:
                scope = acts
            scopes[key] = (
                np.sort(scope["activated"].to_numpy()),  # counties active by a date
                np.sort(scope.groupby("state", observed=True)["activated"].min().to_numpy()),  # states
                np.sort(scope.loc[scope["fips"].isin(retired), "activated"].to_numpy()),  # retired codes
            )
        return scopes[key]

    out = []
    for r in rows.itertuples():
        what = ROLLOUT_METRICS[r.metric]
        precision = str(r.date_precision)
        start, end = _window(r.period_end, precision)
        place_kind, place = kind.get(r.geography), code.get(r.geography)
        rec = {
            "figure_id": r.figure_id,
            "metric": r.metric,
            "geography": r.geography,
            "qualifier": str(r.qualifier),
            "published": r.value,
            "unit": str(r.unit),
            "date": r.period_end,
            "date_precision": precision,
            "window_start": start,
            "window_end": end,
            "counts": what,
            "list_count": np.nan,
            "list_low": np.nan,
            "list_high": np.nan,
            "difference": np.nan,
            "gap": np.nan,
            "tolerance": np.nan,
            "disagrees": pd.NA,
            "list_reaches_value": pd.NaT,
            "retired_codes_counted": np.nan,
            "reason": "",
            "source_id": r.source_id,
        }
        if place_kind not in ("county", "state", "nation"):
            rec["reason"] = "not comparable: the list does not mark which counties make up this group"
            out.append(rec)
            continue
        counties, states_first, retired_dates = sorted_dates(place_kind, place)
        dates = counties if what == "counties" else states_first
        when = pd.to_datetime(pd.Series([start, r.period_end, end])).to_numpy()
        low, at, high = np.searchsorted(dates, when, side="right")
        tol = state_tolerance if what == "states" else tolerance_pct / 100 * r.value
        q = rec["qualifier"]
        if q in LOWER:
            gap = min(0.0, high - r.value)
        elif q in UPPER:
            gap = max(0.0, low - r.value)
        else:
            gap = (high - r.value) if high < r.value else (low - r.value) if low > r.value else 0.0
        k = int(np.ceil(r.value))
        reaches = pd.Timestamp(dates[k - 1]) if 0 < k <= len(dates) else None  # as `first_reaching`
        rec.update(
            list_count=at,
            list_low=low,
            list_high=high,
            difference=at - r.value,
            gap=gap,
            tolerance=tol,
            disagrees=bool(abs(gap) > tol + 1e-9),
            list_reaches_value=reaches,
        )
        if what == "counties":
            rec["retired_codes_counted"] = int(np.searchsorted(retired_dates, when[1:2], side="right")[0])
        notes = getattr(r, "notes", "")
        rec["reason"] = _reason(rec, notes if isinstance(notes, str) else "")
        out.append(rec)
    return pd.DataFrame(out)


def _reason(rec: dict, notes: str) -> str:
    """The likely reason for a difference, from what is known about the figure and the list."""
    reasons = []
    if rec["date_precision"] != "day":
        reasons.append(
            f"date known only to the {rec['date_precision']}: compared with the list over the whole "
            f"{rec['date_precision']}"
        )
    if not rec["gap"] and not rec["disagrees"]:
        return "; ".join(reasons)
    if rec["counts"] == "states" and "territor" in notes:
        reasons.append("the source counts states and territories; the list holds the 50 states and DC only")
    elif rec["counts"] == "counties" and rec["gap"] < 0 and rec["unit"] == "jurisdictions":
        reasons.append("ICE counted jurisdictions, which are not only counties (cities and other agencies too)")
    if rec["counts"] == "counties" and rec["gap"] > 0 and rec["retired_codes_counted"]:
        reasons.append(
            f"the list counts {rec['retired_codes_counted']:.0f} FIPS codes retired before the rollout "
            "(places already merged or split), so some places twice"
        )
    if (
        rec["disagrees"]
        and pd.notna(rec["list_reaches_value"])
        and not (rec["window_start"] <= rec["list_reaches_value"] <= rec["window_end"])
    ):
        side = "later" if rec["list_reaches_value"] > rec["window_end"] else "earlier"
        reasons.append(
            f"the list reaches this count {side}, on {rec['list_reaches_value']:%Y-%m-%d}: the figure may be "
            "misdated or count something else"
        )
    return "; ".join(reasons)
