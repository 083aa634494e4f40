"""The geography layer: the activation list and its loader, places of figures, reconciliation, lookups, maps."""

from __future__ import annotations

import csv
import io
import shutil

import numpy as np
import pandas as pd
import pytest

from scomm import (
    detainers,
    fmt,
    geography,
    maps,
    place_charts,
    place_lookup,
    place_profile,
    rollout_counts,
    rollout_reconcile,
    state_sections,
    vendor,
)
from scomm.cli import main
from scomm.data import load_table
from scomm.paths import DATA_DIR
from scomm.problems import FiguresValidationError
from tiny_project import tree


@pytest.fixture(scope="module")
def geo():
    return {
        "acts": geography.activations(),
        "states": geography.states(),
        "places": geography.places(),
        "changes": geography.county_changes(),
    }


def _csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((DATA_DIR / name).read_text(encoding="utf-8"))))


# ---------------------------------------------------------------- the vendored data


def test_raw_snapshots_match_their_checksums():
    assert vendor.checksums_ok() == {
        "activations/county_activation_dates.csv": True,
        "activations/county_names.csv": True,
        "geo/us-atlas-3.0.1.tgz": True,
    }


def test_committed_tables_are_what_the_derive_step_writes():
    acts, sts = vendor.derive()
    assert (DATA_DIR / "activations.csv").read_text(encoding="utf-8") == vendor.to_csv(acts, vendor.ACTIVATION_COLUMNS)
    assert (DATA_DIR / "states.csv").read_text(encoding="utf-8") == vendor.to_csv(sts, vendor.STATE_COLUMNS)


def test_bundled_list(geo):
    acts, sts = geo["acts"], geo["states"]
    assert len(acts) == 3143 and len(sts) == 51
    assert acts["fips"].str.fullmatch(r"[0-9]{5}").all()
    row = acts.set_index("fips").loc["01001"]  # the leading zero is kept
    assert row["county"] == "Autauga County" and row["state"] == "AL"
    dallas = acts.set_index("fips").loc["48113"]
    assert dallas["activated"] == pd.Timestamp("2008-11-12") and dallas["statewide"] == pd.Timestamp("2010-09-28")
    assert acts["activated"].min() == pd.Timestamp("2008-10-27") and acts["activated"].max() == pd.Timestamp(
        "2013-01-22"
    )
    assert set(acts["state"].astype(str)) == set(sts["state"])


def test_every_source_id_of_the_new_tables_is_listed(dataset):
    listed = set(dataset.sources["source_id"])
    for name in ("activations.csv", "states.csv", "county_changes.csv"):
        ids = {sid for r in _csv(name) for sid in r["source_id"].split()}
        assert ids and ids <= listed, name


def test_schema_columns_match_headers_of_the_new_tables():
    from scomm.schema import table_schema

    for resource in ("activations", "states", "county_changes", "places"):
        schema = table_schema(resource)
        header = next(csv.reader(io.StringIO((DATA_DIR / schema.path).read_text(encoding="utf-8"))))
        assert header == schema.names, resource


# ---------------------------------------------------------------- loader faults


ACT_HEADER = "fips,county,state,activated,statewide,source_id"
ACT_GOOD = [
    "48113,Dallas County,TX,2008-11-12,2010-09-28,S101 S102",
    "48201,Harris County,TX,2008-10-27,2010-09-28,S101 S102",
    "06075,San Francisco County,CA,2010-06-08,2011-02-23,S101 S102",
]
ACT_FAULTS = {
    "fips_without_leading_zero": (lambda l: [l[0], l[1], l[2], l[3].replace("06075", "6075")], 4, "fips", "6075"),
    "fips_with_letters": (lambda l: [l[0], l[1].replace("48113", "48II3"), *l[2:]], 2, "fips", "48II3"),
    "date_before_rollout": (
        lambda l: [l[0], l[1].replace("2008-11-12", "2007-11-12"), *l[2:]],
        2,
        "activated",
        "2007-11-12",
    ),
    "date_after_rollout": (
        lambda l: [l[0], l[1], l[2].replace("2010-09-28", "2014-09-28"), l[3]],
        3,
        "statewide",
        "2014-09-28",
    ),
    "duplicate_fips": (lambda l: [*l, l[1].replace("2008-11-12", "2008-11-13")], 5, "fips", "48113"),
    "unknown_state": (lambda l: [l[0], l[1].replace(",TX,", ",TQ,"), *l[2:]], 2, "state", "TQ"),
    "not_iso_date": (lambda l: [l[0], l[1].replace("2008-11-12", "11/12/2008"), *l[2:]], 2, "activated", "11/12/2008"),
}


def _write(tmp_path, lines, name="activations.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(ACT_FAULTS))
def test_activation_faults_name_file_line_column_value(tmp_path, name):
    change, line, column, value = ACT_FAULTS[name]
    path = _write(tmp_path, change([ACT_HEADER, *ACT_GOOD]))
    with pytest.raises(FiguresValidationError) as info:
        load_table("activations", path)
    found = info.value.problems
    assert [(p.file, p.line, p.column, p.value) for p in found] == [("activations.csv", line, column, value)], found
    assert f"activations.csv, line {line}, column '{column}': found '{value}'" in str(info.value)


def test_the_range_message_states_the_bound(tmp_path):
    path = _write(tmp_path, [ACT_HEADER, ACT_GOOD[0].replace("2008-11-12", "2007-11-12")])
    with pytest.raises(FiguresValidationError) as info:
        load_table("activations", path)
    assert info.value.problems[0].expected == "a value at least 2008-10-01 (the schema's bound)"


def test_cross_column_faults(tmp_path):
    lines = [
        ACT_HEADER,
        ACT_GOOD[0].replace(",TX,", ",CA,"),
        ACT_GOOD[1].replace("2008-10-27", "2010-10-27"),
        ACT_GOOD[2],
    ]
    with pytest.raises(FiguresValidationError) as info:
        geography.activations(_write(tmp_path, lines))
    got = [(p.line, p.column, p.value) for p in info.value.problems]
    assert got == [(2, "fips", "48113"), (3, "activated", "2010-10-27")]
    assert "(CA: 06)" in info.value.problems[0].expected


def test_clean_small_table_loads(tmp_path):
    acts = geography.activations(_write(tmp_path, [ACT_HEADER, *ACT_GOOD]))
    assert list(acts["fips"]) == ["48113", "48201", "06075"]


# ---------------------------------------------------------------- places of figures


def test_every_figure_geography_has_a_place(dataset, geo):
    labels = set(dataset.figures["geography"])
    assert labels == set(geo["places"]["geography"])


def test_county_and_state_figures_join_the_list(dataset, geo):
    plc, acts, sts = geo["places"], geo["acts"], geo["states"]
    typed = dict(zip(plc["geography"], plc["place_type"].astype(str)))
    code = dict(zip(plc["geography"], plc["place_code"]))
    n_county = n_state = 0
    for label in dataset.figures["geography"]:
        if typed[label] == "county":
            assert code[label] in set(acts["fips"]), label
            n_county += 1
        elif typed[label] == "state":
            assert code[label] in set(sts["state"]), label
            n_state += 1
    assert n_county >= 12 and n_state >= 24  # every one of them joined above; the counts guard against a vacuous pass
    for members in plc["members"].dropna():
        for m in members.split():
            assert m in set(acts["fips"]) or m in set(sts["state"]), m
    assert code["Dallas County, TX"] == "48113" and code["Texas"] == "TX" and code["US"] == "US"


# ---------------------------------------------------------------- counts and reconciliation, by hand


TINY = pd.DataFrame(
    {
        "fips": ["48201", "48113", "37183", "51560", "06073", "06037"],
        "county": [
            "Harris County",
            "Dallas County",
            "Wake County",
            "Clifton Forge city",
            "San Diego County",
            "Los Angeles County",
        ],
        "state": ["TX", "TX", "NC", "VA", "CA", "CA"],
        "activated": pd.to_datetime(
            ["2008-10-27", "2008-11-12", "2008-11-12", "2009-03-09", "2009-05-26", "2009-08-27"]
        ),
        "source_id": "S101 S102",
    }
)
TINY_CHANGES = pd.DataFrame(
    {"list_fips": ["51560"], "map_fips": ["51005"], "change": ["merged"], "effective": pd.to_datetime(["2001-07-01"])}
)
TINY_PLACES = pd.DataFrame(
    {"geography": ["US", "California"], "place_code": ["US", "CA"], "place_type": ["nation", "state"]}
)


def _fig(fid, metric, value, qualifier, geography, date, precision, unit="jurisdictions", notes=""):
    d = pd.Timestamp(date)
    return {
        "figure_id": fid,
        "metric": metric,
        "value": float(value),
        "unit": unit,
        "qualifier": qualifier,
        "geography": geography,
        "period_start": d,
        "period_end": d,
        "date_precision": precision,
        "source_id": "S01",
        "notes": notes,
    }


def test_reconciliation_on_a_hand_made_list():
    figures = pd.DataFrame(
        [
            # 2008-11-12: Harris, Dallas, Wake are active (3 counties); published 3 -> agrees
            _fig("T-1", "jurisdictions_activated", 3, "exact", "US", "2008-11-12", "day"),
            # 2009-06-01: TX, NC, VA, CA have a county (4 states); published 3 -> 1 short, states must match exactly
            _fig("T-2", "states_with_activation", 3, "exact", "US", "2009-06-01", "day", unit="states"),
            # 2009-06-01: 5 counties (all but Los Angeles), one of them Clifton Forge, retired in 2001
            _fig("T-3", "jurisdictions_activated", 5, "exact", "US", "2009-06-01", "day"),
            # August 2009 (month only): 5 counties on Aug 1, 6 by Aug 31; 'more than 10' is never reached
            _fig("T-4", "jurisdictions_activated", 10, "more_than", "US", "2009-08-01", "month"),
            # California in 2009 (year only): 0 on Jan 1, 2 by Dec 31; published 2 lies in the range
            _fig("T-5", "counties_activated", 2, "exact", "California", "2009-01-01", "year", unit="counties"),
        ]
    )
    rec = rollout_reconcile.reconcile(figures, TINY, TINY_PLACES, TINY_CHANGES).set_index("figure_id")
    assert list(rec.loc["T-1", ["list_count", "difference", "gap"]]) == [3, 0, 0]
    assert not rec.loc["T-1", "disagrees"]
    assert list(rec.loc["T-2", ["list_count", "difference", "gap", "tolerance"]]) == [4, 1, 1, 0]
    assert rec.loc["T-2", "disagrees"]
    assert rec.loc["T-2", "list_reaches_value"] == pd.Timestamp("2009-03-09")  # TX, NC, then VA: the third state
    assert list(rec.loc["T-3", ["list_count", "difference", "retired_codes_counted"]]) == [5, 0, 1]
    assert list(rec.loc["T-4", ["list_low", "list_count", "list_high", "gap", "tolerance"]]) == [5, 5, 6, -4, 0.5]
    assert rec.loc["T-4", "disagrees"] and pd.isna(rec.loc["T-4", "list_reaches_value"])
    assert list(rec.loc["T-5", ["list_low", "list_high", "gap"]]) == [0, 2, 0]
    assert not rec.loc["T-5", "disagrees"]
    assert rec.loc["T-5", "reason"].startswith("date known only to the year")


def _count_by_hand(day: str) -> tuple[int, int]:
    """Counties and states active on `day`, counted from the CSV text (ISO dates compare as strings)."""
    rows = [r for r in _csv("activations.csv") if r["activated"] <= day]
    return len(rows), len({r["state"] for r in rows})


@pytest.mark.parametrize(
    "figure_id,day,what",
    [("ROL-015", "2010-08-10", "counties"), ("ROL-030", "2011-05-17", "states"), ("ROL-019", "2010-09-30", "counties")],
)
def test_reconciliation_of_bundled_figures_matches_a_count_by_hand(dataset, geo, figure_id, day, what):
    rec = rollout_reconcile.reconcile(dataset.figures, geo["acts"], geo["places"], geo["changes"]).set_index(
        "figure_id"
    )
    counties, states = _count_by_hand(day)
    expected = counties if what == "counties" else states
    published = dataset.figures.set_index("figure_id").at[figure_id, "value"]
    assert rec.at[figure_id, "list_count"] == expected
    assert rec.at[figure_id, "difference"] == expected - published


def test_published_counts_by_hand(dataset, geo):
    """The three dates worked out by hand: 546 counties on 2010-08-10 (ICE: 544), 42 states on 2011-05-17
    (ICE: 42), and at most 1,147 counties in March 2011 against 'more than 1,210'."""
    rec = rollout_reconcile.reconcile(dataset.figures, geo["acts"], geo["places"], geo["changes"]).set_index(
        "figure_id"
    )
    assert _count_by_hand("2010-08-10") == (546, 27)
    assert rec.at["ROL-015", "list_count"] == 546 and rec.at["ROL-015", "retired_codes_counted"] == 2
    assert _count_by_hand("2011-05-17")[1] == 42 and rec.at["ROL-030", "gap"] == 0
    assert _count_by_hand("2011-03-31")[0] == 1147
    assert rec.at["ROL-028", "list_high"] == 1147 and rec.at["ROL-028", "disagrees"]


def test_state_spans(geo):
    spans = rollout_counts.state_spans(geo["acts"], geo["states"]).set_index("state")
    ma = [r for r in _csv("activations.csv") if r["state"] == "MA"]
    first, last = min(r["activated"] for r in ma), max(r["activated"] for r in ma)
    assert spans.at["MA", "days"] == (pd.Timestamp(last) - pd.Timestamp(first)).days == 1287
    assert spans.at["DC", "days"] == 0 and spans.at["TX", "counties"] == 254


# ---------------------------------------------------------------- lookup and the command


def test_lookup_county_state_and_codes(geo):
    args = (geo["acts"], geo["states"], geo["places"])
    for query in ("Dallas County, TX", "dallas county, tx", "48113", "Dallas, TX", "Dallas County, Texas"):
        place = place_lookup.lookup(query, *args)
        assert (place.kind, place.code, place.name) == ("county", "48113", "Dallas County, TX"), query
    for query in ("TX", "tx", "Texas"):
        assert place_lookup.lookup(query, *args).code == "TX"
    assert place_lookup.lookup("San Francisco, CA", *args).code == "06075"


def test_lookup_ambiguous_and_unknown(geo):
    args = (geo["acts"], geo["states"], geo["places"])
    with pytest.raises(place_lookup.PlaceLookupError) as info:
        place_lookup.lookup("Dallas County", *args)
    assert info.value.matches == [
        "Dallas County, AL",
        "Dallas County, AR",
        "Dallas County, IA",
        "Dallas County, MO",
        "Dallas County, TX",
    ]
    with pytest.raises(place_lookup.PlaceLookupError) as info:
        place_lookup.lookup("Dalas County, TX", *args)
    assert info.value.matches[0] == "Dallas County, TX"
    with pytest.raises(place_lookup.PlaceLookupError):
        place_lookup.lookup("99999", *args)


def test_county_timing(geo):
    t = place_profile.county_timing("48113", geo["acts"])
    rows = _csv("activations.csv")
    assert t["rank"] == 1 + sum(r["activated"] < "2008-11-12" for r in rows) == 3
    assert (t["state_rank"], t["state_of"], t["state_active"]) == (2, 254, 2)


def test_place_command(tmp_path, capsys):
    assert main(["place", "Dallas County, TX", "--chart", str(tmp_path / "dallas.png")]) == 0
    out = capsys.readouterr().out
    assert "Activated:  2008-11-12" in out and "Statewide:  2010-09-28" in out
    assert "3rd of 3,143 counties" in out and "2 of 254 counties (0.8%)" in out
    assert "STA-015" in out and "S25 ImmigrationWire (2011)" in out
    assert (tmp_path / "dallas.png").exists() and (tmp_path / "dallas.csv").exists()
    assert main(["place", "Texas"]) == 0
    assert "First county: 2008-10-27 (Harris County)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "query,text", [("Dallas County", "matches 5 places"), ("Atlantis", "no place called 'Atlantis'")]
)
def test_place_command_errors_exit_1_without_traceback(capsys, query, text):
    assert main(["place", query]) == 1
    captured = capsys.readouterr()
    assert text in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_state_html(dataset, geo):
    tables = state_sections.StateTables(
        geo["acts"],
        geo["states"],
        dataset.figures,
        dataset.sources,
        geo["places"],
        *detainers.lookup_tables(dataset.data_dir),
    )
    html = state_sections.state_section_html("TX", tables)
    assert html.startswith("<section class='state' id='state-tx'>") and html.endswith("</section>")
    assert "<h3>Texas (TX)</h3>" in html and "ROL-006" in html and "STA-015" in html
    assert "<td>FY2009</td><td>41</td>" in html
    everything = state_sections.states_html(tables)
    assert everything.count("<section") == 51


# ---------------------------------------------------------------- TopoJSON and the map


def test_topojson_decoding_by_hand():
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 2], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 3]], [[2, 3], [-2, 0], [0, -3]]],
        "objects": {
            "x": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "A", "properties": {"name": "a"}},
                    {"type": "MultiPolygon", "arcs": [[[~1, ~0]]], "id": "B"},
                ],
            }
        },
    }
    arcs = maps.decode_arcs(topology)
    np.testing.assert_array_equal(arcs[0], [[10, 20], [11, 20], [11, 26]])
    np.testing.assert_array_equal(arcs[1], [[11, 26], [10, 26], [10, 20]])
    a, b = maps.shapes(topology, "x")
    np.testing.assert_array_equal(a.polygons[0][0], [[10, 20], [11, 20], [11, 26], [10, 26], [10, 20]])
    np.testing.assert_array_equal(b.polygons[0][0], [[10, 20], [10, 26], [11, 26], [11, 20], [10, 20]])
    assert (a.id, a.name, b.name) == ("A", "a", "")


def test_every_county_shape_gets_a_date(geo):
    counties, states = maps.atlas()
    assert len(counties) == 3142 and len(states) == 51
    table = maps.map_dates(geo["acts"], geo["changes"], counties)
    assert table["activated"].notna().all()
    assert table.set_index("map_fips").at["46102", "fips"] == "46113"  # Oglala Lakota <- Shannon County


def test_map_export_is_byte_identical(tmp_path, dataset, geo):
    digests = []
    for run in ("a", "b"):
        fig, table = maps.rollout_map(geo["acts"], geo["changes"], dataset.sources)
        from scomm import charts

        charts.save_figure(fig, "map", table, out_dir=tmp_path / run)
        digests.append(tree(tmp_path / run))
    assert digests[0] == digests[1]
    assert set(digests[0]) == {"map.png", "map.svg", "map.pdf", "map.csv", "screen/map-720.png"}


def test_chart_titles_come_from_the_data(dataset, geo):
    spans = rollout_counts.state_spans(geo["acts"], geo["states"])
    fig, _ = place_charts.spans_chart(spans, dataset.sources)
    title = fig.texts[0].get_text().replace("\n", " ")
    one_day = sum(
        1
        for s in {r["state"] for r in _csv("activations.csv")} - {"DC"}  # DC: one county
        if len({r["activated"] for r in _csv("activations.csv") if r["state"] == s}) == 1
    )
    assert title.startswith(f"{one_day} of the 50 states were covered in a single day; Massachusetts")
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_build_fingerprints_any_data_package_table(dataset):
    """Notebook 08 reads activations/states/places through run.table; the incremental build must hash them."""
    from scomm import lineage

    first = lineage.fingerprint({"tables": ["activations"]}, dataset)
    assert len(first) == 64 and first == lineage.fingerprint({"tables": ["activations"]}, dataset)
    assert first != lineage.fingerprint({"tables": ["states"]}, dataset)


def test_place_for_a_county_prints_its_ice_area_and_jail_share(capsys):
    """Dallas County's area and that area's CAP Local share before/after the return (25 January 2017),
    worked out here directly from the derived arrests table and the crosswalk."""
    assert main(["place", "48113"]) == 0
    out = capsys.readouterr().out
    crosswalk = load_table("ice_county_aor")
    code = str(crosswalk.loc[crosswalk["geoid"].astype(str) == "48113", "aor"].iloc[0])
    name = str(load_table("ice_aors").set_index("aor").at[code, "name"])
    arrests = pd.read_csv(DATA_DIR / "derived" / "ice_arrests_monthly.csv", parse_dates=["month"])
    files = pd.read_csv(DATA_DIR / "derived" / "ice_record_files.csv", parse_dates=["last_date"])
    last = files.loc[files["event"] == "arrests", "last_date"].max()
    last_whole = last.to_period("M") if last.is_month_end else last.to_period("M") - 1
    area = arrests[arrests["aor"] == code]
    month = area["month"].dt.to_period("M")
    before = area[month < pd.Period("2017-01", "M")]  # January 2017, the month of the return, is left out
    after = area[(month > pd.Period("2017-01", "M")) & (month <= last_whole)]

    def jail(frame: pd.DataFrame) -> int:
        return int(frame.loc[frame["apprehension_method"] == "CAP Local Incarceration", "arrests"].sum())

    share_before = 100 * jail(before) / before["arrests"].sum()
    share_after = 100 * jail(after) / after["arrests"].sum()
    assert f"ICE area of responsibility: {name} ({code})." in out
    assert f"{share_before:.1f}% in October 2015 to December 2016" in out
    assert f"{share_after:.1f}% in February 2017 to {fmt.month_year(last_whole.to_timestamp())}" in out
    assert f"{jail(before):,} of {int(before['arrests'].sum()):,}" in out
    assert f"{jail(after):,} of {int(after['arrests'].sum()):,} arrests" in out


def test_place_for_a_state_does_not_print_an_ice_area(capsys):
    assert main(["place", "TX"]) == 0
    assert "ICE area of responsibility" not in capsys.readouterr().out


def test_place_reads_the_place_tables_of_the_data_folder_given(tmp_path, capsys):
    """`scomm place --data FOLDER` reads the activations (and states and places) of that folder when it holds
    them, as a build does: a county's activation date edited there is the date printed."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("figures.csv", "sources.csv", "metrics.csv", "milestones.csv", "claims.csv", "states.csv"):
        shutil.copy2(DATA_DIR / name, folder / name)
    lines = (DATA_DIR / "activations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fips, activated = header.index("fips"), header.index("activated")
    edited = []
    for line in lines:
        cells = line.rstrip("\n").split(",")
        if cells[fips] == "48113":  # Dallas County, TX, activated 2008-11-12 in the bundled table
            assert cells[activated] == "2008-11-12"
            cells[activated] = "2008-11-13"
        edited.append(",".join(cells) + "\n")
    (folder / "activations.csv").write_text("".join(edited), encoding="utf-8")
    assert main(["place", "Dallas County, TX", "--data", str(folder)]) == 0
    assert "Activated:  2008-11-13" in capsys.readouterr().out
    assert main(["place", "Dallas County, TX"]) == 0  # the bundled table when no --data is given
    assert "Activated:  2008-11-12" in capsys.readouterr().out


def test_place_dates_the_return_by_the_milestones_of_the_data_folder_given(tmp_path, capsys):
    """The jail share `scomm place` prints for a county splits its months at the return of Secure Communities
    as the milestones of --data date it: moved from 2017-01-25 to 2018-01-25, the months before run from
    October 2015 (the first month of the records) to December 2017 (the month of the return is left out): 27."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("figures.csv", "sources.csv", "metrics.csv", "claims.csv"):
        shutil.copy2(DATA_DIR / name, folder / name)
    text = (DATA_DIR / "milestones.csv").read_text(encoding="utf-8")
    assert "\nM14,2017-01-25," in text
    (folder / "milestones.csv").write_text(text.replace("\nM14,2017-01-25,", "\nM14,2018-01-25,"), encoding="utf-8")
    assert main(["place", "48113", "--data", str(folder / "figures.csv")]) == 0
    assert "in October 2015 to December 2017 (27 months), before Secure Communities returned" in capsys.readouterr().out
