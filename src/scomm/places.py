"""Where it happened: the county activation list, place lookups, and the list against ICE's published counts.

Tables come from the data package (activations, states, county_changes, places), validated by the
same loader as the figures. Counts "at a date" are cumulative: a county counts from the day it was
activated; a state counts from the day its first county was.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scomm.data import FiguresValidationError, Problem, _Reader, load_table
from scomm.fmt import published_year
from scomm.paths import DATA_DIR, FIGURES_DIR, resolve
from scomm.schema import table_schema

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
LOWER = {"more_than", "at_least"}
UPPER = {"less_than", "at_most"}
NAME_SUFFIXES = ("county", "parish", "borough", "city and borough", "census area", "municipality", "city")


# ---------------------------------------------------------------- tables


def activations(path: str | Path | None = None, states_path: str | Path | None = None) -> pd.DataFrame:
    """The validated county activation list, one row per county (FIPS as 5-character text).

    Beyond the schema: a FIPS code must start with its state's FIPS code, and no county may be
    activated after its state's statewide date. Problems name file, line, column and value.
    """
    file = resolve(path, DATA_DIR / "activations.csv")
    acts = load_table("activations", file)
    sts = states(states_path)
    problems = []
    state_fips = acts["state"].astype(str).map(dict(zip(sts["state"], sts["state_fips"])))
    wrong_state = acts["fips"].str[:2] != state_fips
    late = acts["activated"] > acts["statewide"]
    if wrong_state.any() or late.any():
        reader = _Reader(file, table_schema("activations"))
        for rows, column, expected in (
            (np.flatnonzero(wrong_state), "fips", "a FIPS code that starts with its state's FIPS code"),
            (np.flatnonzero(late), "activated", "a date on or before the statewide date"),
        ):
            for row, line in zip(rows, reader.line_of(rows.tolist())):
                value = acts.at[row, column]
                shown = value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else str(value)
                if column == "fips":
                    expected += f" ({acts.at[row, 'state']}: {state_fips.iat[row]})"
                problems.append(Problem(file.name, line, column, shown, expected))
    if problems:
        raise FiguresValidationError(problems)
    return acts


def states(path: str | Path | None = None) -> pd.DataFrame:
    """The 50 states and DC: code, FIPS, name, statewide date."""
    return load_table("states", path)


def places(path: str | Path | None = None) -> pd.DataFrame:
    """Each geography label of figures.csv with its place code and type."""
    return load_table("places", path)


def county_changes(path: str | Path | None = None) -> pd.DataFrame:
    """FIPS codes of the list that the Census Bureau split, renamed or merged."""
    return load_table("county_changes", path)


def fiscal_year(dates: pd.Series) -> pd.Series:
    """Federal fiscal year of each date (FY2011 = October 2010 to September 2011)."""
    return dates.dt.year + (dates.dt.month >= 10).astype(int)


# ---------------------------------------------------------------- counts by date


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


# ---------------------------------------------------------------- reconciliation


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


# ---------------------------------------------------------------- lookup


class PlaceLookupError(LookupError):
    """A name that matches no place, or more than one; the message lists the closest matches."""

    def __init__(self, message: str, matches: list[str]):
        super().__init__(message)
        self.matches = matches


@dataclass(frozen=True)
class Place:
    """A place found by `lookup`: a county (FIPS), a state (USPS code) or another geography label."""

    kind: str  # county, state, nation, city, group, court, nationality
    code: str
    name: str
    state: str | None = None
    labels: tuple[str, ...] = field(default=())  # geography labels of figures.csv about this place


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace(".", ""))


def _base(name: str) -> str:
    """A county name without its kind ("Dallas County" -> "dallas", "Richmond city" -> "richmond")."""
    n = _norm(name)
    for suffix in NAME_SUFFIXES:
        if n.endswith(" " + suffix):
            return n[: -len(suffix) - 1]
    return n


def county_label(row) -> str:
    """'Dallas County, TX'."""
    return f"{row['county']}, {row['state']}"


def lookup(query: str, acts: pd.DataFrame, sts: pd.DataFrame, plc: pd.DataFrame) -> Place:
    """Find a county ('Dallas County, TX', 'Dallas, TX', '48113'), a state ('TX', 'Texas') or a geography label.

    Raise PlaceLookupError, naming the closest matches, when nothing or more than one place matches.
    """
    q = _norm(query)
    labels_by_code: dict[str, list[str]] = {}
    for g, c in zip(plc["geography"], plc["place_code"]):
        labels_by_code.setdefault(c, []).append(g)
    state_rows = sts.set_index("state")

    def state_place(code: str) -> Place:
        return Place("state", code, str(state_rows.at[code, "state_name"]), code, tuple(labels_by_code.get(code, [])))

    def county_place(row) -> Place:
        return Place(
            "county", row["fips"], county_label(row), str(row["state"]), tuple(labels_by_code.get(row["fips"], []))
        )

    if re.fullmatch(r"[0-9]{4,5}", q):
        hit = acts[acts["fips"] == q.zfill(5)]
        if len(hit):
            return county_place(hit.iloc[0])
        raise PlaceLookupError(f"no county with FIPS code {q.zfill(5)} in the activation list", [])
    codes = {s.lower(): s for s in sts["state"]}
    if q in codes:
        return state_place(codes[q])
    names = {_norm(n): s for n, s in zip(sts["state_name"], sts["state"])}
    if q in names:
        return state_place(names[q])
    # a geography label of figures.csv ("San Francisco, CA", "New York City", "US")
    for g, c, t in zip(plc["geography"], plc["place_code"], plc["place_type"].astype(str)):
        if _norm(g) == q:
            if t == "county":
                return county_place(acts[acts["fips"] == c].iloc[0])
            if t == "state":
                return state_place(c)
            return Place(t, c, g, None, (g,))
    # "County name, ST" or "County name"
    name, _, st = q.rpartition(",") if "," in q else (q, "", "")
    name, st = name.strip(), st.strip()
    if st and st not in codes and st in names:
        st = names[st].lower()
    pool = acts if not st else acts[acts["state"].astype(str).str.lower() == st]
    full = pool[pool["county"].map(_norm) == name]
    hits = full if len(full) else pool[pool["county"].map(_base) == _base(name)]
    if len(hits) == 1:
        return county_place(hits.iloc[0])
    if len(hits) > 1:
        found = [county_label(r) for _, r in hits.iterrows()]
        how = "use the full name as listed" if st else 'add the state code ("Dallas County, TX")'
        raise PlaceLookupError(
            f"'{query}' matches {len(found)} places: {'; '.join(found)}. To choose one, {how} "
            "or give its 5-digit FIPS code",
            found,
        )
    candidates = list(
        dict.fromkeys([county_label(r) for _, r in acts.iterrows()] + list(sts["state_name"]) + list(plc["geography"]))
    )
    close = difflib.get_close_matches(query.strip(), candidates, n=5, cutoff=0.6)
    if not close:  # compare with the county part only ("Dalas County" -> all the Dallas counties)
        by_name = difflib.get_close_matches(name.title(), acts["county"].unique().tolist(), n=3, cutoff=0.7)
        close = [county_label(r) for _, r in acts[acts["county"].isin(by_name)].iterrows()][:8]
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise PlaceLookupError(f"no place called '{query}'{hint}", close)


# ---------------------------------------------------------------- a place's profile


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def source_labels(sources: pd.DataFrame) -> dict[str, str]:
    """Every source as 'S25 ImmigrationWire (2011)' (publisher and year, as chart notes name sources)."""
    precisions = sources["published_precision"] if "published_precision" in sources else ["year"] * len(sources)
    years = [published_year(p, q) for p, q in zip(sources["published"], precisions)]
    return {
        sid: f"{sid} {who} ({year})"
        for sid, who, year in zip(sources["source_id"], sources["author_or_publisher"], years)
    }


def source_label(sources: pd.DataFrame, source_id: str, labels: dict[str, str] | None = None) -> str:
    """'S25 ImmigrationWire (2011)' for each id in `source_id` (space-separated), joined by '; '.

    `labels` (from `source_labels`) saves rebuilding the lookup when many rows are labelled."""
    labels = source_labels(sources) if labels is None else labels
    return "; ".join(labels.get(sid, sid) for sid in str(source_id).split())


def figures_about(place: Place, figures: pd.DataFrame, plc: pd.DataFrame) -> pd.DataFrame:
    """Figures whose geography label maps to this place, oldest first."""
    labels = set(plc.loc[plc["place_code"] == place.code, "geography"]) | set(place.labels)
    return figures[figures["geography"].isin(labels)].sort_values(["period_end", "figure_id"])


def ratios_using(figure_ids, ratios: pd.DataFrame | None) -> pd.DataFrame:
    """Derived numbers (rows of figures/ratios.csv) computed from any of `figure_ids`."""
    if ratios is None or ratios.empty:
        return pd.DataFrame(columns=["notebook", "key", "text", "figure_ids"])
    ids = set(figure_ids)
    used = ratios["figure_ids"].fillna("").astype(str).str.split().map(lambda xs: bool(ids & set(xs)))
    return ratios[used]


def read_ratios(path: str | Path | None = None) -> pd.DataFrame | None:
    """figures/ratios.csv (the derived numbers of the last build), or None when there is none."""
    file = resolve(path, FIGURES_DIR / "ratios.csv")
    return pd.read_csv(file, keep_default_na=False) if file.exists() else None


def county_timing(fips: str, acts: pd.DataFrame) -> dict:
    """How early a county was: national and in-state rank by date, and its state's share active by then."""
    row = acts[acts["fips"] == fips].iloc[0]
    day, state = row["activated"], row["state"]
    in_state = acts[acts["state"] == state]
    return {
        "activated": day,
        "statewide": row["statewide"],
        "state": str(state),
        "rank": int((acts["activated"] < day).sum()) + 1,
        "of": len(acts),
        "same_day": int((acts["activated"] == day).sum()) - 1,
        "state_rank": int((in_state["activated"] < day).sum()) + 1,
        "state_of": len(in_state),
        "state_active": int((in_state["activated"] <= day).sum()),
        "days_to_statewide": int((row["statewide"] - day).days),
    }


def profile_text(
    place: Place,
    acts: pd.DataFrame,
    sts: pd.DataFrame,
    figures: pd.DataFrame,
    sources: pd.DataFrame,
    plc: pd.DataFrame,
    ratios: pd.DataFrame | None = None,
) -> str:
    """The text `scomm place` prints: dates, how early, every figure about the place with its source, ratios."""
    lines: list[str] = []
    state_name = dict(zip(sts["state"], sts["state_name"]))
    if place.kind == "county":
        t = county_timing(place.code, acts)
        share = t["state_active"] / t["state_of"] * 100
        row = acts[acts["fips"] == place.code].iloc[0]
        lines += [
            f"{place.name} (FIPS {place.code})",
            f"  Activated:  {t['activated']:%Y-%m-%d} (fiscal year {fiscal_year(pd.Series([t['activated']])).iat[0]})",
            f"  Statewide:  {t['statewide']:%Y-%m-%d} in {state_name[t['state']]} ({t['days_to_statewide']:,} days later)",
            f"  How early:  {ordinal(t['rank'])} of {t['of']:,} counties in the list"
            + (f" (with {t['same_day']:,} more the same day)" if t["same_day"] else "")
            + f"; {ordinal(t['state_rank'])} of {t['state_of']:,} in {state_name[t['state']]}, where "
            f"{t['state_active']:,} of {t['state_of']:,} counties ({share:.1f}%) were active by that day",
            f"  Dates from: {source_label(sources, row['source_id'])}",
        ]
    elif place.kind == "state":
        spans = state_spans(acts, sts).set_index("state")
        s = spans.loc[place.code]
        rank = int((spans["first"] < s["first"]).sum()) + 1
        first_county = acts[(acts["state"] == place.code) & (acts["activated"] == s["first"])]
        lines += [
            f"{place.name} ({place.code}, FIPS {sts.set_index('state').at[place.code, 'state_fips']})",
            f"  First county: {s['first']:%Y-%m-%d} ({', '.join(first_county['county'])})"
            f"; {ordinal(rank)} of {len(spans)} states and DC to start",
            f"  Statewide:    {s['statewide']:%Y-%m-%d}, {s['days']:,} days after the first county",
            f"  Counties:     {s['counties']:,} in the list",
            f"  Dates from:   {source_label(sources, s['source_id'])}",
        ]
        in_state = figures_in_state(str(sts.set_index("state").at[place.code, "state_fips"]), figures, plc)
        if len(in_state):
            counts = in_state.groupby("geography").size()
            lines.append("  Figures about its counties: " + ", ".join(f"{g} ({n})" for g, n in counts.items()))
    else:
        lines.append(f"{place.name} ({place.kind}: {place.code}; not a county or state, so no activation date)")
    figs = figures_about(place, figures, plc)
    lines += ["", f"Figures about {place.name} ({len(figs)}):"]
    if place.kind == "nation":
        lines.append(f"  {len(figs)} national figures; see data/figures.csv (geography 'US').")
    else:
        for r in figs.itertuples():
            when = f"{r.period_start:%Y-%m-%d}" + (
                "" if r.period_start == r.period_end else f"..{r.period_end:%Y-%m-%d}"
            )
            lines.append(f"  {r.figure_id}  {r.metric}: {r.as_printed} ({r.unit}; {when})")
            lines.append(f"           source: {source_label(sources, r.source_id)}, {r.locator}")
        if ratios is not None:
            derived = ratios_using(figs["figure_id"], ratios)
            lines += ["", f"Derived numbers that use these figures ({len(derived)}, from figures/ratios.csv):"]
            lines += [f"  {r.notebook}: {r.text}" for r in derived.itertuples()] or ["  none"]
    return "\n".join(lines)


def figures_in_state(state_fips: str, figures: pd.DataFrame, plc: pd.DataFrame) -> pd.DataFrame:
    """Figures about counties of one state (their place code is a county FIPS starting with `state_fips`)."""
    counties = plc[(plc["place_type"] == "county") & (plc["place_code"].str[:2] == state_fips)]
    return figures[figures["geography"].isin(set(counties["geography"]))]


# ---------------------------------------------------------------- HTML for the report


@dataclass(frozen=True)
class StateSection:
    """A state's report section without the derived numbers, which need the build's ratios: the HTML
    before and after where they go, and the figure ids they would use."""

    head: str
    figure_ids: tuple[str, ...]
    tail: str

    def html(self, ratios: pd.DataFrame | None = None) -> str:
        """The whole section, with the derived numbers (rows of `ratios`) that use its figures."""
        import html

        derived = ratios_using(self.figure_ids, ratios) if self.figure_ids else None
        middle = (
            "<ul>" + "".join(f"<li>{html.escape(str(t))}</li>" for t in derived["text"]) + "</ul>"
            if derived is not None and len(derived)
            else None
        )
        return "\n".join(p for p in (self.head, middle, self.tail) if p is not None)


def state_section(
    state: str,
    acts: pd.DataFrame,
    sts: pd.DataFrame,
    figures: pd.DataFrame,
    sources: pd.DataFrame,
    plc: pd.DataFrame,
    spans: pd.DataFrame | None = None,
    labels: dict[str, str] | None = None,
) -> StateSection:
    """A state's (or DC's) section: its rollout (first county, statewide date, counties activated per fiscal
    year) and every figure about it and its counties, with sources.

    `spans` (from `state_spans`) and `labels` (from `source_labels`) can be passed in when many sections
    are built at once, so they are computed once."""
    import html

    e = html.escape
    labels = source_labels(sources) if labels is None else labels
    spans = (state_spans(acts, sts) if spans is None else spans).set_index("state")
    s = spans.loc[state]
    rank = int((spans["first"] < s["first"]).sum()) + 1
    rows = acts[acts["state"] == state]
    first_names = rows.loc[rows["activated"] == s["first"], "county"].tolist()
    by_fy = rows.assign(fy=fiscal_year(rows["activated"])).groupby("fy").size()
    cumulative_n = by_fy.cumsum()
    fy_rows = "".join(
        f"<tr><td>FY{fy}</td><td>{n:,}</td><td>{c:,}</td><td>{c / len(rows) * 100:.1f}%</td></tr>"
        for fy, n, c in zip(by_fy.index, by_fy, cumulative_n)
    )
    parts = [
        f"<section class='state' id='state-{e(state.lower())}'>",
        f"<h3>{e(str(s['state_name']))} ({e(state)})</h3>",
        f"<p>First county activated: {s['first']:%Y-%m-%d} ({e(', '.join(first_names))}); {ordinal(rank)} of "
        f"{len(spans)} states and DC to start. Active statewide: {s['statewide']:%Y-%m-%d}, {s['days']:,} days "
        f"after the first county. Counties in the list: {s['counties']:,}.</p>",
        "<table><tr><th>fiscal year</th><th>counties activated</th><th>active by its end</th><th>share</th></tr>",
        fy_rows,
        "</table>",
    ]
    state_fips = str(sts.set_index("state").at[state, "state_fips"])
    about = pd.concat(
        [
            figures_about(Place("state", state, str(s["state_name"]), state), figures, plc),
            figures_in_state(state_fips, figures, plc).sort_values(["period_end", "figure_id"]),
        ]
    )
    ids: tuple[str, ...] = ()
    if len(about):
        parts.append(f"<p>Figures about {e(str(s['state_name']))} and its counties ({len(about)}):</p>")
        parts.append(
            "<table><tr><th>figure</th><th>place</th><th>what</th><th>as printed</th><th>period</th>"
            "<th>source</th></tr>"
        )
        for r in about.itertuples():
            when = f"{r.period_start:%Y-%m-%d}" + (
                "" if r.period_start == r.period_end else f" to {r.period_end:%Y-%m-%d}"
            )
            parts.append(
                f"<tr><td>{e(r.figure_id)}</td><td>{e(r.geography)}</td><td>{e(r.metric)}</td>"
                f"<td>{e(str(r.as_printed))}</td><td>{when}</td>"
                f"<td>{e(source_label(sources, r.source_id, labels))}, {e(str(r.locator))}</td></tr>"
            )
        parts.append("</table>")
        ids = tuple(about["figure_id"])
    else:
        parts.append(f"<p>No figure in data/figures.csv is about {e(str(s['state_name']))} or one of its counties.</p>")
    from scomm.detainers import state_html  # declined detainers and 287(g) agreements in its counties

    parts.append(state_html(state))
    tail = f"<p class='source'>Dates: {e(source_label(sources, s['source_id'], labels))}.</p></section>"
    return StateSection("\n".join(parts), ids, tail)


def state_section_html(
    state: str,
    acts: pd.DataFrame,
    sts: pd.DataFrame,
    figures: pd.DataFrame,
    sources: pd.DataFrame,
    plc: pd.DataFrame,
    ratios: pd.DataFrame | None = None,
    spans: pd.DataFrame | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """One <section> for a state (or DC), with the derived numbers (rows of `ratios`) that use its figures."""
    return state_section(state, acts, sts, figures, sources, plc, spans, labels).html(ratios)


def states_sections(
    acts: pd.DataFrame, sts: pd.DataFrame, figures: pd.DataFrame, sources: pd.DataFrame, plc: pd.DataFrame
) -> list[StateSection]:
    """Every state's section (and DC's), in alphabetical order of name, without the derived numbers."""
    order = sts.sort_values("state_name")["state"]
    spans = state_spans(acts, sts)  # once, not once per state
    labels = source_labels(sources)
    return [state_section(st, acts, sts, figures, sources, plc, spans, labels) for st in order]


def states_html(
    acts: pd.DataFrame,
    sts: pd.DataFrame,
    figures: pd.DataFrame,
    sources: pd.DataFrame,
    plc: pd.DataFrame,
    ratios: pd.DataFrame | None = None,
    sections: list[StateSection] | None = None,
) -> str:
    """Every state's section (and DC's), in alphabetical order of name, as one HTML string; `sections`
    from `states_sections` when they were built beforehand."""
    sections = states_sections(acts, sts, figures, sources, plc) if sections is None else sections
    return "\n".join(section.html(ratios) for section in sections)
