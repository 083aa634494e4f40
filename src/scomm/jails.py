"""How many ICE arrests started in a local jail, before and after Secure Communities returned.

Works on the derived tables of `scomm derive` (data/derived/, loaded and validated through the data
package). All functions return DataFrames (or plain dicts) so a notebook only calls and shows them.

Which arrests count as jail-based? ICE's apprehension method "CAP Local Incarceration" is a
Criminal Alien Program pickup from a local jail: the channel Secure Communities' fingerprint
matches feed. A "287(g) Program" arrest also starts in a local jail, but through deputised local
officers rather than ICE's own jail screening. Both definitions are computed side by side:
`cap_local` (CAP Local Incarceration only) and `cap_local_287g` (CAP Local + 287(g)).
CAP State and CAP Federal Incarceration are pickups from prisons, not local jails, and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scomm.data import load_table
from scomm.enforcement import NOT_RECORDED
from scomm.fmt import format_number, month_year
from scomm.schema import source_ids

LITTLE_CHANGE = 2.0  # points: a change in the jail share within +/- this is "little change"
CAP_LOCAL = "CAP Local Incarceration"
G287 = "287(g) Program"
DEFINITIONS = {
    "cap_local": (CAP_LOCAL,),
    "cap_local_287g": (CAP_LOCAL, G287),
}
DEFINITION_LABELS = {
    "cap_local": "CAP Local Incarceration only",
    "cap_local_287g": "CAP Local Incarceration + 287(g) Program",
}
# Method groups for the monthly chart, in drawing order; everything else is "all other methods".
METHOD_GROUPS = {
    CAP_LOCAL: (CAP_LOCAL,),
    G287: (G287,),
    "CAP State or Federal Incarceration": ("CAP State Incarceration", "CAP Federal Incarceration"),
    "Located": ("Located",),
    "Non-Custodial Arrest": ("Non-Custodial Arrest",),
}
OTHER_METHODS = "all other methods"
NATIONAL = "US"
RECORDS_SOURCE = source_ids("ice_record_files")  # the FOIA release (data/datapackage.json names it)
RETURN_MILESTONE = "M14"  # Secure Communities reinstated (its date is read from the milestones table)


# ---------------------------------------------------------------- loading


def load_arrests(path=None) -> pd.DataFrame:
    """The derived arrests table (validated), counts as integers and months as Timestamps."""
    frame = load_table("ice_arrests_monthly", path)
    return _ints(frame, ["fiscal_year", "arrests"]).assign(aor=lambda f: f["aor"].astype(str))


def load_removals(path=None) -> pd.DataFrame:
    """The derived removals table (validated), counts as integers and months as Timestamps."""
    frame = load_table("ice_removals_monthly", path)
    return _ints(frame, ["fiscal_year", "removals"]).assign(aor=lambda f: f["aor"].astype(str))


def load_files(path=None) -> pd.DataFrame:
    """The derived one-row-per-raw-file table (records, first and last date)."""
    return _ints(load_table("ice_record_files", path), ["fiscal_year", "records"])


COUNT_COLUMNS = ("fiscal_year", "arrests", "removals", "records", "rank")


def as_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """A derived table as loaded by the data package (numbers are floats) with its counts as integers
    and the area code as text; use on `run.table("ice_arrests_monthly")` and the like."""
    out = _ints(frame, [c for c in COUNT_COLUMNS if c in frame.columns])
    for col in ("aor", "event", "apprehension_method", "citizenship"):
        if col in out.columns:
            out[col] = out[col].astype(str)
    return out


def _ints(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in columns:
        out[col] = out[col].astype("int64")
    return out


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Periods:
    """The months compared: whole months before and after the month of the return (which is left out)."""

    before: tuple[pd.Timestamp, ...]
    after: tuple[pd.Timestamp, ...]
    excluded: tuple[pd.Timestamp, ...]
    return_date: pd.Timestamp

    def label(self, which: str) -> str:
        """'Oct. 2015 to Dec. 2016 (15 months)' for 'before' or 'after'."""
        months = getattr(self, which)
        n = len(months)
        return f"{month_year(months[0])} to {month_year(months[-1])} ({n} month{'' if n == 1 else 's'})"


def return_date(milestones: pd.DataFrame, milestone_id: str = RETURN_MILESTONE) -> pd.Timestamp:
    """The day Secure Communities returned: the date of milestone `milestone_id` in the milestones table."""
    events = milestones.set_index(milestones["milestone_id"].astype(str))
    if milestone_id not in events.index:
        raise KeyError(f"milestone {milestone_id} (the return of Secure Communities) is not in the milestones table")
    return pd.Timestamp(events.loc[milestone_id, "date"])


def last_complete_month(files: pd.DataFrame, event: str = "arrests") -> pd.Timestamp:
    """First day of the last month the `event` records cover to its final day."""
    last = files.loc[files["event"].astype(str) == event, "last_date"].max()
    month = last.to_period("M")
    return (month if last == month.end_time.normalize() else month - 1).to_timestamp()


def periods(months, return_date, last_month=None) -> Periods:
    """Split `months` at `return_date`: whole months before it, whole months after it (to `last_month`).

    The month that contains the return date mixes both regimes and is left out, unless the date is
    the first of the month (then that month is the first month after).
    """
    stamp = pd.Timestamp(return_date)
    months = sorted({pd.Timestamp(m) for m in months})
    if last_month is not None:
        months = [m for m in months if m <= pd.Timestamp(last_month)]
    split = stamp.to_period("M").to_timestamp()
    before = tuple(m for m in months if m < split)
    if stamp == split:
        after, excluded = tuple(m for m in months if m >= split), ()
    else:
        after, excluded = tuple(m for m in months if m > split), tuple(m for m in months if m == split)
    return Periods(before, after, excluded, stamp)


# ---------------------------------------------------------------- shares


def jail_shares(arrests: pd.DataFrame, span: Periods, definition: str = "cap_local") -> pd.DataFrame:
    """Share of arrests that started in a local jail, before and after, for the nation and every area.

    One row per area plus a first row `US` (all arrests, including those with no area recorded);
    columns: aor, arrests_before, jail_before, share_before (percent), arrests_after, jail_after,
    share_after, change_points (after minus before), definition, months_before, months_after.
    """
    methods = DEFINITIONS[definition]
    frame = arrests.assign(jail=arrests["arrests"].where(arrests["apprehension_method"].isin(methods), 0))
    frame["period"] = pd.NA
    frame.loc[frame["month"].isin(span.before), "period"] = "before"
    frame.loc[frame["month"].isin(span.after), "period"] = "after"
    frame = frame.dropna(subset=["period"])
    by_area = frame.groupby(["aor", "period"])[["arrests", "jail"]].sum().unstack("period", fill_value=0)
    national = frame.groupby("period")[["arrests", "jail"]].sum().unstack().to_frame().T
    national.index = [NATIONAL]
    table = pd.concat([national, by_area])
    out = pd.DataFrame(
        {
            "aor": table.index,
            "arrests_before": table[("arrests", "before")].astype("int64").to_numpy(),
            "jail_before": table[("jail", "before")].astype("int64").to_numpy(),
            "arrests_after": table[("arrests", "after")].astype("int64").to_numpy(),
            "jail_after": table[("jail", "after")].astype("int64").to_numpy(),
        }
    )
    out["share_before"] = 100 * out["jail_before"] / out["arrests_before"].where(out["arrests_before"] > 0)
    out["share_after"] = 100 * out["jail_after"] / out["arrests_after"].where(out["arrests_after"] > 0)
    out["change_points"] = out["share_after"] - out["share_before"]
    out["definition"] = definition
    out["months_before"] = span.label("before")
    out["months_after"] = span.label("after")
    cols = [
        "aor",
        "arrests_before",
        "jail_before",
        "share_before",
        "arrests_after",
        "jail_after",
        "share_after",
        "change_points",
        "definition",
        "months_before",
        "months_after",
    ]
    return out[cols].reset_index(drop=True)


def area_shares(arrests: pd.DataFrame, span: Periods, aors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Both definitions for the 24 field-office areas (no HQ, no 'not recorded'), ranked by the change
    under `cap_local` (largest rise first), with area names."""
    names = _aor_names(aors)
    parts = []
    for definition in DEFINITIONS:
        shares = jail_shares(arrests, span, definition)
        shares = shares[~shares["aor"].isin([NATIONAL, "HQ", NOT_RECORDED])]
        parts.append(shares)
    table = pd.concat(parts, ignore_index=True)
    table.insert(1, "name", table["aor"].map(names))
    order = parts[0].sort_values(["change_points", "aor"], ascending=[False, True])["aor"].tolist()
    table["rank"] = table["aor"].map({a: i + 1 for i, a in enumerate(order)})
    table["source_id"] = RECORDS_SOURCE
    return table.sort_values(["definition", "rank"]).reset_index(drop=True)


def _aor_names(aors: pd.DataFrame | None) -> dict[str, str]:
    if aors is None:
        aors = load_table("ice_aors")
    return dict(zip(aors["aor"].astype(str), aors["name"].astype(str)))


def largest_changes(shares: pd.DataFrame, n: int = 3, definition: str = "cap_local") -> pd.DataFrame:
    """The `n` areas with the largest absolute change in jail share under `definition`."""
    rows = shares[shares["definition"] == definition]
    order = rows["change_points"].abs().sort_values(ascending=False, kind="stable").index
    return rows.loc[order[:n]].reset_index(drop=True)


# ---------------------------------------------------------------- monthly series


def method_group(method: pd.Series) -> pd.Series:
    """Each apprehension method's group for the monthly chart."""
    lookup = {m: group for group, members in METHOD_GROUPS.items() for m in members}
    return method.map(lookup).fillna(OTHER_METHODS)


def monthly_by_method(arrests: pd.DataFrame, last_month=None) -> pd.DataFrame:
    """Arrests per month by method group (long: month, method_group, arrests), all areas together."""
    frame = arrests if last_month is None else arrests[arrests["month"] <= pd.Timestamp(last_month)]
    frame = frame.assign(method_group=method_group(frame["apprehension_method"]))
    out = frame.groupby(["month", "method_group"], as_index=False)["arrests"].sum()
    order = list(METHOD_GROUPS) + [OTHER_METHODS]
    out["method_group"] = pd.Categorical(out["method_group"], order, ordered=True)
    out = out.sort_values(["month", "method_group"]).reset_index(drop=True)
    out["method_group"] = out["method_group"].astype(str)
    out["source_id"] = RECORDS_SOURCE
    return out


def monthly_totals(arrests: pd.DataFrame, removals: pd.DataFrame, last_month=None) -> pd.DataFrame:
    """Arrests and removals per month, side by side (month, arrests, removals)."""
    a = arrests.groupby("month")["arrests"].sum()
    r = removals.groupby("month")["removals"].sum()
    out = pd.concat([a, r], axis=1).fillna(0).astype("int64").reset_index()
    if last_month is not None:
        out = out[out["month"] <= pd.Timestamp(last_month)]
    out["source_id"] = RECORDS_SOURCE
    return out.reset_index(drop=True)


def area_totals(arrests: pd.DataFrame, removals: pd.DataFrame, aors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Arrests and removals by area over all records, with each area's share of the national total.

    Shares are of all records, so 'not recorded' (arrests with a blank area) and HQ keep their rows
    and the shares of each column add up to 100.
    """
    names = _aor_names(aors)
    a = arrests.groupby("aor")["arrests"].sum()
    r = removals.groupby("aor")["removals"].sum()
    out = pd.concat([a, r], axis=1).fillna(0).astype("int64")
    out["arrests_share"] = 100 * out["arrests"] / out["arrests"].sum()
    out["removals_share"] = 100 * out["removals"] / out["removals"].sum()
    out = out.reset_index().rename(columns={"index": "aor"})
    out.insert(1, "name", out["aor"].map(names).fillna(out["aor"]))
    out["source_id"] = RECORDS_SOURCE
    return out.sort_values(["removals", "aor"], ascending=[False, True]).reset_index(drop=True)


def annual_totals(files: pd.DataFrame) -> pd.DataFrame:
    """Records per fiscal year and event, with the dates each file covers (FY2019 is partial)."""
    out = files[["event", "fiscal_year", "records", "first_date", "last_date"]].copy()
    out["event"] = out["event"].astype(str)
    out["partial_year"] = out["last_date"] < pd.to_datetime(out["fiscal_year"].astype(str) + "-09-30")
    return out.sort_values(["event", "fiscal_year"]).reset_index(drop=True)


def records_vs_published(
    files: pd.DataFrame, figures: pd.DataFrame, ids: dict[tuple[str, int], list[str]]
) -> pd.DataFrame:
    """Each year's record count beside the published annual totals (`ids`: (event, fiscal year) -> figure_ids).

    difference = records - published; records_share = records as a percentage of the published total.
    """
    totals = annual_totals(files).set_index(["event", "fiscal_year"])
    fig = figures.set_index("figure_id")
    rows = []
    for (event, year), figure_ids in ids.items():
        rec = totals.loc[(event, year)]
        for fid in figure_ids:
            published = float(fig.loc[fid, "value"])
            rows.append(
                {
                    "event": event,
                    "fiscal_year": year,
                    "records": int(rec["records"]),
                    "records_through": rec["last_date"],
                    "partial_year": bool(rec["partial_year"]),
                    "published": published,
                    "difference": int(rec["records"]) - published,
                    "records_share": 100 * int(rec["records"]) / published,
                    "figure_id": fid,
                    "source_id": str(fig.loc[fid, "source_id"]) + " " + RECORDS_SOURCE,
                    "qualifier": str(fig.loc[fid, "qualifier"]),
                    "confidence": str(fig.loc[fid, "confidence"]),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- one county's area


def aor_summary(
    county_fips: str | int,
    definition: str = "cap_local",
    milestones: pd.DataFrame | None = None,
    arrests: pd.DataFrame | None = None,
    files: pd.DataFrame | None = None,
    crosswalk: pd.DataFrame | None = None,
    aors: pd.DataFrame | None = None,
) -> dict:
    """For `scomm place`: the county's ICE area of responsibility and that area's jail share before/after.

    `county_fips` is the 5-digit county FIPS code (an int loses its leading zero and is padded back).
    Returns a dict: county_fips, county_name, aor, aor_name, definition, definition_label,
    share_before, share_after (percent), change_points, jail_before, arrests_before, jail_after,
    arrests_after, months_before, months_after, source_id. Raises KeyError for an unknown county. The
    return of Secure Communities is dated by the milestones table (default: the bundled one).
    """
    fips = str(county_fips).strip().zfill(5)
    crosswalk = load_table("ice_county_aor") if crosswalk is None else crosswalk
    row = crosswalk[crosswalk["geoid"].astype(str) == fips]
    if row.empty:
        raise KeyError(
            f"county FIPS {fips} is not in the county-to-area crosswalk (data/raw/ice_enforcement/county_aor.csv)"
        )
    code = str(row["aor"].iloc[0])
    arrests = load_arrests() if arrests is None else arrests
    files = load_files() if files is None else files
    returned = return_date(load_table("milestones") if milestones is None else milestones)
    span = periods(arrests["month"], returned, last_complete_month(files))
    shares = jail_shares(arrests, span, definition).set_index("aor")
    s = shares.loc[code]
    return {
        "county_fips": fips,
        "county_name": str(row["name"].iloc[0]),
        "aor": code,
        "aor_name": _aor_names(aors).get(code, code),
        "definition": definition,
        "definition_label": DEFINITION_LABELS[definition],
        "share_before": float(s["share_before"]),
        "share_after": float(s["share_after"]),
        "change_points": float(s["change_points"]),
        "jail_before": int(s["jail_before"]),
        "arrests_before": int(s["arrests_before"]),
        "jail_after": int(s["jail_after"]),
        "arrests_after": int(s["arrests_after"]),
        "months_before": span.label("before"),
        "months_after": span.label("after"),
        "source_id": RECORDS_SOURCE,
    }


def record_gaps(arrests: pd.DataFrame, removals: pd.DataFrame, last_month) -> dict[str, float]:
    """Counts a reader needs to judge the tables: records with no area, at headquarters, and after the window."""
    last = pd.Timestamp(last_month)
    return {
        "arrests": int(arrests["arrests"].sum()),
        "removals": int(removals["removals"].sum()),
        "arrests_no_area": int(arrests.loc[arrests["aor"] == NOT_RECORDED, "arrests"].sum()),
        "arrests_hq": int(arrests.loc[arrests["aor"] == "HQ", "arrests"].sum()),
        "removals_no_area": int(removals.loc[removals["aor"] == NOT_RECORDED, "removals"].sum()),
        "removals_hq": int(removals.loc[removals["aor"] == "HQ", "removals"].sum()),
        "arrests_after_window": int(arrests.loc[arrests["month"] > last, "arrests"].sum()),
        "removals_after_window": int(removals.loc[removals["month"] > last, "removals"].sum()),
        "removals_field_office_share": 100
        * float(removals.loc[~removals["aor"].isin([NOT_RECORDED, "HQ"]), "removals"].sum())
        / float(removals["removals"].sum()),
    }


def aor_summary_text(summary: dict) -> str:
    """The lines `scomm place` prints for a county's ICE area (from `aor_summary`)."""
    return (
        f"ICE area of responsibility: {summary['aor_name']} ({summary['aor']}).\n"
        f"Share of ICE arrests in that area picked up from local jails ({summary['definition_label']}): "
        f"{format_number(summary['share_before'], 'percent')} in {summary['months_before']}, before Secure "
        f"Communities returned; {format_number(summary['share_after'], 'percent')} in {summary['months_after']}, "
        f"after ({format_number(summary['change_points'], 'points')}; "
        f"{summary['jail_before']:,} of {summary['arrests_before']:,} and {summary['jail_after']:,} of "
        f"{summary['arrests_after']:,} arrests).\n"
        "Source: ICE arrest records released under FOIA request 2019-ICFO-53623 (data/derived/ice_arrests_monthly.csv)."
    )


def place_text(county_fips: str | int, milestones: pd.DataFrame | None = None) -> str:
    """What `scomm place` adds for a county: its ICE area and that area's jail share before and after the
    return (dated by `milestones`, default the bundled table), from the bundled derived tables; a county the
    crosswalk lacks gets one line saying so."""
    try:
        return aor_summary_text(aor_summary(county_fips, milestones=milestones))
    except KeyError as err:
        return f"ICE area of responsibility: not known ({err.args[0]})."


# ---------------------------------------------------------------- monthly shares (for the time-series models)


def monthly_jail_share(arrests: pd.DataFrame, definition: str = "cap_local", last_month=None) -> pd.DataFrame:
    """Each month's jail share for the nation (`US`, all arrests) and each field-office area (long: aor, month,
    arrests, jail, share in percent); HQ and 'not recorded' get no series of their own."""
    methods = DEFINITIONS[definition]
    frame = arrests if last_month is None else arrests[arrests["month"] <= pd.Timestamp(last_month)]
    frame = frame.assign(jail=frame["arrests"].where(frame["apprehension_method"].isin(methods), 0))
    nat = frame.groupby("month", as_index=False)[["arrests", "jail"]].sum().assign(aor=NATIONAL)
    areas = frame[~frame["aor"].isin(["HQ", NOT_RECORDED])]
    by_area = areas.groupby(["aor", "month"], as_index=False)[["arrests", "jail"]].sum()
    out = pd.concat([nat, by_area], ignore_index=True)[["aor", "month", "arrests", "jail"]]
    out["share"] = 100 * out["jail"] / out["arrests"]
    out["definition"] = definition
    out["source_id"] = RECORDS_SOURCE
    return out
