"""Charts of the models (notebooks 11 and 12), in the house style of `charts`. Each returns (figure, table):
the table is exactly what the chart draws, with the source_id of every row; the source line is generated
from it."""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from scomm import charts, fmt
from scomm import jails as j
from scomm.enforcement_charts import METHOD_WORDS

WIDTH = 7.6  # inches: the house NOTE_SIZE is readable at this width printed at 16 cm
QUINTILE_NAMES = {1: "lowest fifth", 2: "second fifth", 3: "middle fifth", 4: "fourth fifth", 5: "highest fifth"}


def _date_axis(ax, months: tuple[int, ...] = (1,)) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=list(months)))
    ax.xaxis.set_major_formatter(lambda v, _: fmt.month_tick(mdates.num2date(v)))


# ---------------------------------------------------------------- notebook 11


def km_chart(curves: dict, medians: pd.DataFrame, origin: pd.Timestamp, sources: pd.DataFrame, source_ids: str):
    """Kaplan-Meier curves: share of counties not yet switched on, by fifth of the non-citizen share."""
    med = medians.set_index("group")
    last = origin + pd.Timedelta(days=float(max(t.max() for t, _ in curves.values())))
    top, bottom = med.loc[max(med.index)], med.loc[min(med.index)]
    fig, ax = charts.new_figure(
        f"Half the counties with the highest non-citizen shares were switched on by {fmt.month_year(top['median_date'])}; "
        f"half of those with the lowest by {fmt.month_year(bottom['median_date'])}",
        "Share of counties where Secure Communities was not yet active, by fifth of the 2009 non-citizen share of "
        f"the population (Kaplan-Meier estimate; every county was switched on by {fmt.month_year(last)})",
        figsize=(WIDTH, 5.6),
    )
    styles = ["-", "--", ":", "-.", (0, (5, 1, 1, 1))]
    rows = []
    for i, (group, (times, surv)) in enumerate(sorted(curves.items())):
        dates = origin + pd.to_timedelta(np.concatenate([[0.0], times]), unit="D")
        values = 100 * np.concatenate([[1.0], surv])
        ax.step(
            dates,
            values,
            where="post",
            color=charts.PALETTE[i],
            linestyle=styles[i],
            linewidth=1.8,
            marker=charts.MARKERS[i],
            markevery=0.12,
            markersize=3.5,
            label=f"{QUINTILE_NAMES[group]} (median {fmt.month_year(med.loc[group, 'median_date'])})",
        )
        rows += [
            {"quintile": group, "date": d, "percent_not_active": v, "source_id": source_ids}
            for d, v in zip(dates, values)
        ]
    ax.axhline(50, color="#777777", linewidth=0.8, linestyle=(0, (2, 2)))
    # the medians in the legend are where each curve crosses this line
    ax.text(
        0.995, 51, "half", transform=ax.get_yaxis_transform(), va="bottom", ha="right", fontsize=7.2, color="#555555"
    )
    ax.set_ylim(0, 102)
    ax.set_ylabel("percent of counties not yet active")
    _date_axis(ax, (1, 7))
    table = pd.DataFrame(rows)
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            f"Fifths of the {int(medians['n'].sum()):,} counties with a 2009 non-citizen estimate (American Community "
            "Survey 2005-2009, divided by the Census Bureau's 2010 population estimate). Activation dates from ICE's "
            "list as digitized."
        ),
    )
    charts.legend_below(fig, ax, ncol=2, title="non-citizen share of the county's population")
    return fig, table


def hazard_chart(rows: pd.DataFrame, sources: pd.DataFrame, source_ids: str):
    """Hazard ratios with 95% intervals, one panel row per covariate, each model a marker."""
    models = list(dict.fromkeys(rows["model"]))
    terms = list(dict.fromkeys(rows["term"]))
    share = rows[(rows["term"] == terms[0])]
    short = {
        "noncitizen_share": "a larger non-citizen share",
        "log_population": "a larger population",
        "border_100km": "a greater distance from the Mexican border",
        "g287": "a 287(g) agreement",
    }
    grouped = rows.groupby("term", sort=False)
    earlier = [short.get(t, t) for t, g in grouped if (g["low"] > 1).all()]
    later = [short.get(t, t) for t, g in grouped if (g["high"] < 1).all()]

    def words(items: list[str]) -> str:
        return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)

    parts = []
    if earlier:
        parts.append(f"{words(earlier)} went with earlier activation in every model")
    if later:
        parts.append(f"{words(later)} with later")
    lead = ", ".join(parts)
    shares = ", ".join(
        f"{row['estimate']:.3f} ({row['model']}"
        + ("; 95% interval includes 1" if row["low"] <= 1 <= row["high"] else "")
        + ")"
        for _, row in share.iterrows()
    )
    fig, ax = charts.new_figure(
        f"{lead[:1].upper() + lead[1:]}; the non-citizen share's hazard ratio: {shares}",
        "Hazard ratios of activation with 95% intervals (Cox proportional hazards); above 1 = switched on earlier",
        figsize=(WIDTH, 5.4),
    )
    labels = list(dict.fromkeys(rows["label"].str.replace("hazard ratio: ", "", regex=False)))
    y = np.arange(len(terms))[::-1]
    offsets = np.linspace(0.15, -0.15, len(models))
    for k, model in enumerate(models):
        part = rows[rows["model"] == model].set_index("term").loc[terms]
        ax.errorbar(
            part["estimate"],
            y + offsets[k],
            xerr=[part["estimate"] - part["low"], part["high"] - part["estimate"]],
            fmt=charts.MARKERS[k],
            color=charts.PALETTE[k],
            markersize=5,
            capsize=2,
            linewidth=1.2,
            markerfacecolor=charts.PALETTE[k],  # filled: hollow markers mean approximate values on every chart
            label=model,
        )
    ax.axvline(1, color="#555555", linewidth=0.9)
    ax.set_xscale("log")
    ax.set_xticks([0.5, 0.8, 1, 1.25, 2, 4], ["0.5", "0.8", "1", "1.25", "2", "4"])
    ax.minorticks_off()
    ax.set_yticks(y, [textwrap.fill(label, 26, break_on_hyphens=False) for label in labels])
    ax.set_xlabel("hazard ratio (log scale)")
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    fig.subplots_adjust(left=0.38)
    table = rows.assign(source_id=source_ids)
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            f"Fitted on {int(rows['n'].iloc[0]):,} counties (Cox model). Describes the order of activation; not a "
            "causal estimate. 287(g) (agreements that let local officers act as immigration agents): a county-level "
            "agency in the Inspector General's roster of Oct. 28, 2009. An interval narrower than its marker is "
            "hidden by it (the CSV gives every interval)."
        ),
    )
    charts.legend_below(fig, ax, ncol=2)
    return fig, table


# ---------------------------------------------------------------- notebook 12


def seattle_chart(
    by_method: pd.DataFrame,
    monthly_share: pd.DataFrame,
    milestones: pd.DataFrame,
    sources: pd.DataFrame,
    milestone_ids: tuple[str, ...],
    years: tuple[int, int],
):
    """Seattle area: arrests per fiscal year by method (bars) and the monthly jail share (line), events dated;
    the title compares the fiscal `years` (first, second) and the highest share of the years after. Methods are
    grouped and named as on the national chart of arrests by method (`jails.METHOD_GROUPS`, in plain words)."""
    groups = [*j.METHOD_GROUPS, j.OTHER_METHODS]
    by_method = (
        by_method.assign(method=j.method_group(by_method["method"]))
        .groupby(["fiscal_year", "method"], as_index=False)["arrests"]
        .sum()
        .sort_values(["fiscal_year", "method"], key=lambda s: s.map(groups.index) if s.name == "method" else s)
        .assign(source_id=" ".join(dict.fromkeys(by_method["source_id"].astype(str))))
        .reset_index(drop=True)
    )
    share_fy = (
        by_method.assign(jail=by_method["arrests"].where(by_method["method"] == "CAP Local Incarceration", 0))
        .groupby("fiscal_year")[["arrests", "jail"]]
        .sum()
    )
    share_fy = 100 * share_fy["jail"] / share_fy["arrests"]
    first, second = years
    later = share_fy[share_fy.index > second]
    fig, (top, bottom) = charts.new_figure(
        f"In ICE's Seattle area the share of arrests picked up from local jails fell from {share_fy[first]:.1f}% "
        f"in FY{first} to {share_fy[second]:.1f}% in FY{second}"
        + (f", and was no higher than {later.max():.1f}% in any later year" if len(later) else ""),
        "ICE Enforcement and Removal Operations (ERO) administrative arrests in the Seattle area of responsibility (Washington, Oregon, Alaska) by "
        "fiscal year and how ICE came to arrest the person, and the monthly share picked up from local jails",
        nrows=2,
        figsize=(WIDTH, 8.4),
        gridspec_kw={"height_ratios": [1, 1.1], "hspace": 0.42},
    )
    wide = by_method.pivot(index="fiscal_year", columns="method", values="arrests").fillna(0)
    order = list(dict.fromkeys(by_method["method"]))
    bottom_acc = np.zeros(len(wide))
    for i, method in enumerate(order):
        top.bar(
            wide.index,
            wide[method],
            bottom=bottom_acc,
            color=charts.PALETTE[i],
            hatch=charts.HATCHES[i],
            edgecolor="white",
            linewidth=0.4,
            label=" ".join(METHOD_WORDS.get(method, method).split()),
        )
        bottom_acc += wide[method].to_numpy()
    top.set_xticks(wide.index, [f"FY{y}" for y in wide.index])
    top.set_ylabel("arrests")
    top.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    top.legend(ncol=2, fontsize=7.5, loc="upper right", bbox_to_anchor=(1.0, 1.02))
    top.set_ylim(0, bottom_acc.max() * 1.6)
    top.set_title("Arrests by fiscal year, January 2012 to July 6, 2019", fontsize=9.5)

    ms = milestones.set_index("milestone_id").loc[list(milestone_ids)]
    bottom.plot(
        monthly_share["month"],
        monthly_share["share"],
        color=charts.PALETTE[0],
        linewidth=1.5,
        marker="o",
        markersize=2.5,
    )
    bottom.set_ylim(0, 100)
    bottom.set_ylabel("percent of the month's arrests")
    bottom.set_title("Share picked up from local jails, by month", fontsize=9.5)
    # events of one month share one line, lettered together ('A, B'): two dashed lines a few days apart read as one
    by_month: dict[pd.Period, tuple[pd.Timestamp, list[str]]] = {}
    for k, (_mid, m) in enumerate(ms.iterrows()):
        when = pd.Timestamp(m["date"])
        by_month.setdefault(when.to_period("M"), (when, []))[1].append(chr(ord("A") + k))
    for when, letters in by_month.values():
        bottom.axvline(when, color="#555555", linewidth=0.9, linestyle="--")
        bottom.text(when + pd.Timedelta(days=15), 96, ", ".join(letters), fontsize=8.5, va="top", fontweight="bold")
    _date_axis(bottom)
    keys = "; ".join(
        f"{chr(ord('A') + k)}: {fmt.day_month_year(m['date']) if m['date_precision'] == 'day' else fmt.month_year(m['date'])}, "
        f"{m['event']}"
        for k, (_, m) in enumerate(ms.iterrows())
    )
    table = pd.concat(
        [
            by_method.assign(series="arrests by fiscal year and method"),
            monthly_share.assign(series="monthly jail share"),
        ],
        ignore_index=True,
    )
    note_rows = pd.concat([table[["source_id"]], ms.reset_index()[["source_id"]]])
    charts.add_source_note(
        fig,
        note_rows,
        sources,
        extra=(keys + ". Counted from the arrest records of ICE's FOIA release; FY2012 leaves out 287(g) arrests."),
    )
    return fig, table


def area_change_chart(rows: pd.DataFrame, sources: pd.DataFrame):
    """Each area's change in the monthly jail share (mean after minus mean before) with its 95% interval."""
    national = rows[rows["aor"] == "US"]
    areas = rows[rows["aor"] != "US"].sort_values("estimate")
    rose = int((areas["low"] > 0).sum())
    fell = int((areas["high"] < 0).sum())
    fig, ax = charts.new_figure(
        f"After Secure Communities returned the jail share rose in {rose} of {len(areas)} areas and fell in {fell}, "
        "counting only changes whose 95% interval leaves out zero",
        "Change in the monthly share of ICE Enforcement and Removal Operations (ERO) administrative arrests that were "
        "pickups from local jails, "
        "mean of the months after minus mean of the months before, with 95% intervals robust to autocorrelation",
        figsize=(WIDTH, 8.2),
    )
    table = charts.area_labels(pd.concat([national, areas], ignore_index=True))
    y = np.arange(len(table))[::-1]
    for yi, (_, row) in zip(y, table.iterrows()):
        beyond = row["low"] > 0 or row["high"] < 0
        colour = charts.PALETTE[0] if row["aor"] != "US" else charts.PALETTE[2]
        ax.errorbar(
            row["estimate"],
            yi,
            xerr=[[row["estimate"] - row["low"]], [row["high"] - row["estimate"]]],
            fmt="o" if beyond else "s",
            color=colour,
            markerfacecolor=colour if beyond else "white",
            markersize=5,
            capsize=2,
            linewidth=1.2,
        )
    ax.axvline(0, color="#555555", linewidth=0.9)
    ax.set_yticks(y, table["name"])
    ax.set_xlabel("change in percentage points")
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    fig.subplots_adjust(left=0.27)
    # legend entries as the markers alone: filled circle (excludes 0) and hollow square (includes 0)
    ax.plot(
        [], [], marker="o", linestyle="none", color=charts.PALETTE[0], markersize=5, label="95% interval excludes 0"
    )
    ax.plot(
        [],
        [],
        marker="s",
        linestyle="none",
        color=charts.PALETTE[0],
        markerfacecolor="white",
        markersize=5,
        label="95% interval includes 0",
    )
    if (table["aor"] == "US").any():  # the national row is drawn in black
        ax.plot([], [], marker="o", linestyle="none", color=charts.PALETTE[2], markersize=5, label="all areas")
    charts.add_source_note(
        fig,
        table,
        sources,
        extra=(
            f"Months before: {table['months_before'].iloc[0]}; after: {table['months_after'].iloc[0]}; the month of the "
            "return is left out. Intervals allow for neighbouring months being alike (least squares, Newey-West standard errors). Each "
            "change is a difference of means of monthly shares, so it differs a little from the change of the chart of "
            "shares by area, which pools each period's arrests. Computed from ICE's record-level release "
            "(FOIA 2019-ICFO-53623)."
        ),
    )
    charts.legend_below(fig, ax, ncol=2, fontsize=7.8)
    return fig, table
