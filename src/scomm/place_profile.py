"""What `scomm place` prints about a county or state: its activation dates, how early it was, every
figure about it with its source, and the derived numbers of the last build that use those figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scomm.fmt import ordinal
from scomm.paths import FIGURES_DIR, resolve
from scomm.place_lookup import Place
from scomm.rollout_counts import fiscal_year, state_spans
from scomm.source_names import source_label


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
