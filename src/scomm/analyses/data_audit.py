"""Notebook 07: how good is the data? Figures by kind of source and confidence, coverage by year, figures
that disagree, the published claims recomputed, the first article's numbers read against ICE's
statistics, and the consistency checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scomm import audit, fmt, source_kinds
from scomm import claims as cl
from scomm import ratios as r
from scomm.analysis import Analysis
from scomm.lazy_import import lazy_functions
from scomm.recording import RecordingDataset
from scomm.source_names import RUNNING_TEXT, source_name

if TYPE_CHECKING:
    from scomm import figure_charts
else:  # imported when a chart is drawn (see `lazy_import`)
    figure_charts = lazy_functions("scomm.figure_charts")

NOTEBOOK = "07_data_audit"
PRIMARY_KINDS = source_kinds.STRONG_KINDS[:4]  # government documents, court records, official statistics, research
ARTICLE_ARRESTS, ARTICLE_DEPORTATIONS = "FUN-025", "FUN-026"  # the article the project started from
ICE_ARRESTS, ICE_REMOVALS, ICE_CONVICTED = "FUN-022", "FUN-023", "FUN-024"  # ICE's statistics to 31 March 2011
CLOSE_POINTS = 0.5  # percentage points: closer than a coincidence of rounded shares would usually be


def analyse(data: RecordingDataset) -> Analysis:
    """Every table, derived number and finding of the audit notebook, and its two charts."""
    out = Analysis(NOTEBOOK)
    sources = data.sources
    _sources_and_coverage(data, out)
    counts = out.tables["by_source"]
    out.chart("07_figures_by_source", figure_charts.audit_chart, counts, sources)
    _conflicts(data, out)
    checks = _claims(data, out)
    out.chart("07_published_checks", figure_charts.published_checks_chart, checks, sources)
    _article(data, out)
    _consistency(data, out)
    return out


def _sources_and_coverage(data: RecordingDataset, out: Analysis) -> None:
    counts = data.derived("figures_by_source")
    out.tables["by_source"] = counts
    out.finding(
        "sources",
        "Finding: {p} of the {t} figures come from government documents, court records, official"
        " statistics or research reports; {h} are rated high confidence and {l} low.",
        p=int(counts.loc[[k for k in PRIMARY_KINDS if k in counts.index]].to_numpy().sum()),
        t=int(counts.to_numpy().sum()),
        h=int(counts["high"].sum()),
        l=int(counts["low"].sum()),
    )
    kinds = data.derived("figures_by_kind")
    out.tables["by_kind"] = kinds
    shown = kinds.groupby("on charts")["figures"].sum()
    out.finding(
        "kinds",
        "Finding: {a} figures rest on a government document, court record, official statistics release,"
        " research report or major news organisation and are drawn plainly; {b} rest on local news, an"
        " advocacy group or think tank, a blog or law-firm page, or a repost or mirror, and every chart"
        " that draws one marks it with an asterisk and names the kind of source in its footer; {c} on"
        " an AI-written digest, never drawn.",
        a=int(shown.get("drawn plainly", 0)),
        b=int(shown.get("marked", 0)),
        c=int(shown.get("never drawn", 0)),
    )
    items = audit.citable(data.figures, data.milestones)
    in_claims = [fid for ids in cl.figures_used(data.table("claims")).values() for fid in ids]
    uses = audit.use_by_kind(
        items, data.sources, {"in the data": items["figure_id"], "in a published claim": in_claims}
    )
    out.tables["uses"] = uses
    weak = uses[uses["on charts"] != "drawn plainly"].iloc[:-1]  # the last row is the total
    out.finding(
        "uses",
        "Finding: of the {n} figures and dated events that published claims use, {w} rest on a kind of"
        " source below a major news organisation ({k}). The methods page adds, after every notebook has"
        " run, the figures each chart plots and each printed number rests on, by kind of source.",
        n=int(uses["in a published claim"].iloc[-1]),
        w=int(weak["in a published claim"].sum()),
        k=fmt.join_words([f"{kind}: {n}" for kind, n in zip(weak["kind"], weak["in a published claim"]) if n]),
    )
    coverage = data.derived("coverage")
    out.tables["coverage"] = coverage
    out.note(
        "coverage",
        "{m} metrics; figures without a locator: {n}.",
        m=int(coverage["metrics"].iloc[0]),
        n=int(coverage["without_locator"].iloc[0]),
    )


def _conflicts(data: RecordingDataset, out: Analysis) -> None:
    conflicts = data.derived("conflicts")
    out.tables["conflicts"] = conflicts
    groups = conflicts.groupby(["metric", "geography", "period_start", "period_end"], observed=True).ngroups
    out.finding(
        "conflicts",
        "Finding: {g} groups of figures share metric, place and period but differ in value ({n} rows);"
        " they are kept side by side, never reconciled.",
        g=groups,
        n=len(conflicts),
    )


def _claims(data: RecordingDataset, out: Analysis):
    checks = data.derived("claims")
    out.tables["claims"] = checks
    counts_by = checks["verdict"].value_counts()
    diverging = checks[checks["verdict"] == "diverges"]
    partial = checks[checks["verdict"] == "partial year"]
    out.finding(
        "claims",
        "Finding: of {n} published claims, {a} reproduce from the figures (or records) they rest on,"
        " {b} diverge ({ids}), {p} compare a whole-year total with records that cover only part of that"
        " year ({pids}: not expected to be equal) and {c} cannot be computed from this data.",
        n=len(checks),
        a=int(counts_by.get("reproduces", 0)),
        b=int(counts_by.get("diverges", 0)),
        ids=fmt.join_words(list(diverging["claim_id"])) or "none",
        p=len(partial),
        pids=fmt.join_words(list(partial["claim_id"])) or "none",
        c=int(counts_by.get("cannot compute", 0)),
    )
    return checks


def _article(data: RecordingDataset, out: Analysis) -> None:
    """What the first article's arrests and deportations most likely count, read against ICE's statistics."""
    sources = data.sources
    article_arrests, article_removals = data.get(ARTICLE_ARRESTS), data.get(ARTICLE_DEPORTATIONS)
    ice_arrests, ice_removals, ice_convicted = data.get(ICE_ARRESTS), data.get(ICE_REMOVALS), data.get(ICE_CONVICTED)
    article = source_name(sources, article_arrests.source_ids[0], cut=RUNNING_TEXT)
    period = data.select([ICE_CONVICTED]).iloc[0]
    years = r.years_between(period["period_start"], period["period_end"])
    article_rate = out.add(r.conversion(article_arrests, article_removals, f"{article}: deportations per arrest"))
    ice_rate = out.add(r.conversion(ice_arrests, ice_removals, "ICE: removals per arrest or booking to 2011-03-31"))
    article_share = out.add(
        r.share(article_arrests, ice_arrests, f"{article} arrests as share of ICE arrests/bookings")
    )
    convicted_share = out.add(r.share(ice_convicted, ice_removals, "convicted share of ICE removals to 2011-03-31"))
    rate_gap = abs(r.difference(article_rate, ice_rate).value)
    share_gap = abs(r.difference(article_share, convicted_share).value)
    close = max(rate_gap, share_gap) < CLOSE_POINTS
    out.note(
        "article",
        "**What the deportations are.** The {d} deportations in {art} {same} ICE's count of people"
        " convicted of crimes and then removed after the program identified them, from {a:%B %Y} to"
        " {b:%B %Y} ({c}, as summarized by {src}): about {y:1} years, not the three the article"
        " says.\n\n**What the arrests most likely are.** No document in this data prints the article's"
        " {e}. ICE's statistics for the same period count {g} people arrested or booked into ICE"
        " custody, {rm} of whom were removed ({ir} of those arrested or booked); {c} of the removed had"
        " criminal convictions ({cs} of removals). The article's arrests are {ss} of ICE's arrests and"
        " bookings, and its deportations are {sr} of its arrests. The two removal rates are {rg:2}"
        " percentage points apart and the two convicted shares {sg:2} points apart.\n\n**Reading.**"
        " {reading}\n\n**Evidence against, or missing.** The article names no source; the summary of"
        " ICE's statistics gives no count of convicted people among those arrested, so the reading"
        " rests on matching rates, not on a printed number; and the article calls the people arrested"
        ' "criminal illegal immigrants", which fits a convicted count but does not prove it.',
        d=article_removals,
        art=article,
        c=ice_convicted,
        src=source_name(sources, ice_convicted.source_ids[0], cut=RUNNING_TEXT),
        same="equal" if article_removals.value == ice_convicted.value else "differ from",
        a=period["period_start"],
        b=period["period_end"],
        y=years,
        e=article_arrests,
        g=ice_arrests,
        rm=ice_removals,
        ir=ice_rate,
        cs=convicted_share,
        ss=article_share,
        sr=article_rate,
        rg=rate_gap,
        sg=share_gap,
        reading=(
            f"Both pairs agree to within {CLOSE_POINTS} percentage points. The article's arrests are therefore"
            " most likely the people with criminal convictions among ICE's arrests and bookings in"
            " those statistics: applying ICE's convicted share of removals to ICE's arrests gives"
            " almost exactly the article's count."
            if close
            else (
                f"The pairs differ by {CLOSE_POINTS} percentage points or more, so this data does not support"
                " reading the article's arrests as the convicted share of ICE's arrests and bookings."
            )
        ),
    )


def _consistency(data: RecordingDataset, out: Analysis) -> None:
    qa = data.derived("consistency")
    out.tables["consistency"] = qa
    failed = qa[~qa["passed"]]
    out.finding(
        "consistency",
        "Finding: {n} consistency checks (removals <= arrests <= matches <= fingerprints; cumulative"
        " counts never falling; no count above the national total): {k} passed{tail}.",
        n=len(qa),
        k=int(qa["passed"].sum()),
        tail="" if failed.empty else "; failing: " + "; ".join(failed["check"] + " (" + failed["detail"] + ")"),
    )
