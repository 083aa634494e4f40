"""The loader on the bundled data, on files people really produce, and on malformed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from scomm.cli import main
from scomm.data import load_dataset, load_figures, load_sources
from scomm.problems import FiguresValidationError
from tiny_project import TINY_DATA

HEADER = (
    "figure_id,metric,value,unit,qualifier,as_printed,geography,period_start,period_end,"
    "date_precision,source_id,locator,confidence,notes"
)
GOOD = [
    'FUN-025,ice_arrests_criminal,140396,arrests,exact,"140,396",US,2008-10-01,2011-12-31,year,S01,passage on: arrests,medium,',
    'FUN-026,removals_convicted,72445,removals,exact,"72,445",US,2008-10-01,2011-12-31,year,S01,passage on: deportations,medium,seed',
    'ROL-032,jurisdictions_activated,1500,jurisdictions,more_than,"more than 1,500",US,2011-08-01,2011-08-01,month,S01,passage on: summer 2011,medium,',
]


def write(tmp: Path, lines: list[str], name: str = "figures.csv", encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp / name
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def problems(path: Path):
    with pytest.raises(FiguresValidationError) as info:
        load_dataset(path)
    return info.value.problems


# ---------------------------------------------------------------- bundled data


def test_bundled_data_loads_every_row_with_its_types(dataset):
    """Every row of the bundled files is loaded (counted here with the csv module, not typed in), with
    numbers, dates and vocabularies typed."""
    import csv

    from scomm.paths import DATA_DIR

    def rows(name: str) -> int:
        with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
            return sum(1 for _ in csv.DictReader(handle))

    figs = dataset.figures
    assert len(figs) == rows("figures.csv") and len(dataset.sources) == rows("sources.csv")
    assert len(dataset.claims) == rows("claims.csv") and len(dataset.milestones) == rows("milestones.csv")
    assert str(figs["value"].dtype) == "float64"
    assert str(figs["period_start"].dtype) == "datetime64[ns]"
    assert isinstance(figs["unit"].dtype, pd.CategoricalDtype)
    assert list(figs["qualifier"].cat.categories) == ["exact", "about", "more_than", "less_than", "at_least", "at_most"]
    assert figs["locator"].notna().all()
    assert set(figs["source_id"]) <= set(dataset.sources["source_id"])


def test_tripwire_bundled_known_values(dataset):
    """A tripwire on the bundled data (values that notebooks and prose discuss), not a test of the code."""
    figs = dataset.figures.set_index("figure_id")
    assert figs.loc["FUN-025", "value"] == 140396.0
    assert figs.loc["FUN-026", "value"] == 72445.0
    assert figs.loc["ROL-032", "qualifier"] == "more_than"
    assert figs.loc["ROL-032", "value"] == 1500.0
    assert figs.loc["CRV-002", "value"] == 300000.0
    assert figs.loc["FUN-050", "value"] == 25.0  # "1 in 4", converted exactly
    assert figs.loc["DET-010", "value"] == -19.0 and figs.loc["DET-010", "unit"] == "percent_change"
    assert figs.loc["FUN-022", "period_start"] == pd.Timestamp("2008-10-01")
    assert figs.loc["FUN-022", "period_end"] == pd.Timestamp("2011-03-31")
    src = dataset.sources.set_index("source_id")
    assert src.loc["S38", "published"] == pd.Timestamp("2012-07-01")
    assert src.loc["S38", "kind"] == "government document"


def test_seed_figures_are_all_present(dataset):
    # a seed fact is cited to the seed page (S01), or to a better source that keeps the seed page among its copies
    src = dataset.sources.set_index("source_id")
    seed_url = src.loc["S01", "url"]
    cites_seed = dataset.figures["source_id"].map(
        lambda sid: sid == "S01" or seed_url in str(src.loc[sid, "other_urls"])
    )
    ids = set(dataset.figures.loc[cites_seed, "figure_id"])
    assert {"ROL-032", "ROL-033", "ROL-042", "ROL-043", "FUN-025", "FUN-026", "CRV-002", "CTX-001"} <= ids


def test_tripwire_confidence_counts(dataset):
    """A tripwire on the bundled data, not a test of the code: a change of any figure's confidence must
    update these counts knowingly."""
    counts = dataset.figures["confidence"].value_counts()
    # ERO-001..010: 9 medium, 1 low (ERO-010 now rests on the AP, no longer on a repost); CRV-043..049 medium;
    # ANN-033..036 and ANN-039..042 medium, no longer low (the AP and Fox News instead of blogs)
    # CRV-002 high on the Los Angeles Times; the eight new rows on UPI, the Washington Post and the AP high;
    # CTX-010 high on The Huffington Post (was medium on a blog), CRV-038 low (no copy of its source found)
    assert counts["high"] == 168 and counts["medium"] == 187 and counts["low"] == 23


# ---------------------------------------------------------------- real-world variants


@pytest.fixture
def clean(tmp_path, data_copy):
    return load_figures(write(tmp_path, [HEADER, *GOOD]))


@pytest.mark.parametrize("variant", ["bom", "crlf", "spaces", "blank_tail", "thousands", "reordered"])
def test_real_world_variants_load_to_the_same_frame(tmp_path, data_copy, clean, variant):
    lines, kwargs = [HEADER, *GOOD], {}
    if variant == "bom":
        kwargs["encoding"] = "utf-8-sig"
    elif variant == "crlf":
        kwargs["newline"] = "\r\n"
    elif variant == "spaces":
        lines = [", ".join(HEADER.split(","))] + [GOOD[0].replace(",arrests,", ",  arrests ,"), *GOOD[1:]]
    elif variant == "blank_tail":
        lines = lines + ["", "   ", ""]
    elif variant == "thousands":
        lines = [HEADER, GOOD[0].replace(",140396,", ',"140,396",'), *GOOD[1:]]
    elif variant == "reordered":
        cols = HEADER.split(",")
        order = [cols.index(c) for c in ["notes", *cols[:-1]]]
        import csv
        import io

        rows = list(csv.reader(io.StringIO("\n".join([HEADER, *GOOD]))))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([[r[i] for i in order] for r in rows])
        lines = out.getvalue().rstrip("\n").split("\n")
    loaded = load_figures(write(tmp_path, lines, **kwargs))
    pd.testing.assert_frame_equal(loaded, clean)


# ---------------------------------------------------------------- malformed files: one fault each


MALFORMED = {
    "missing_column": (
        lambda l: [
            l[0].replace(",confidence", ""),
            *[x.rsplit(",medium,", 1)[0] + "," + x.rsplit(",medium,", 1)[1] for x in l[1:]],
        ],
        1,
        "confidence",
        None,
    ),
    "unknown_column": (lambda l: [l[0] + ",extra", *[x + ",1" for x in l[1:]]], 1, "extra", "extra"),
    "not_a_number": (lambda l: [l[0], l[1].replace(",140396,", ",14O396,"), *l[2:]], 2, "value", "14O396"),
    "bad_thousands": (lambda l: [l[0], l[1].replace(",140396,", ',"1,40,396",'), *l[2:]], 2, "value", "1,40,396"),
    "not_iso_date": (
        lambda l: [l[0], l[1].replace("2008-10-01", "10/01/2008"), *l[2:]],
        2,
        "period_start",
        "10/01/2008",
    ),
    "impossible_date": (
        lambda l: [l[0], l[1], l[2].replace("2011-12-31", "2011-02-30"), l[3]],
        3,
        "period_end",
        "2011-02-30",
    ),
    "date_beyond_computable": (  # a real date no analysis can compute with: reported, not a traceback
        lambda l: [l[0], l[1], l[2].replace("2011-12-31", "9999-12-31"), l[3]],
        3,
        "period_end",
        "9999-12-31",
    ),
    "date_beyond_computable_beside_a_bad_one": (  # the column read as text (one date is not ISO)
        lambda l: [l[0], l[1].replace("2008-10-01", "0001-01-01"), l[2].replace("2011-12-31", "12/31/2011"), l[3]],
        2,
        "period_start",
        "0001-01-01",
    ),
    "direction_override": (  # U+202E makes "arrests" read backwards
        lambda l: [l[0], l[1].replace(",passage on: arrests,", ",passage on: arr\u202eests,"), *l[2:]],
        2,
        "locator",
        None,
    ),
    "zero_width_space": (lambda l: [l[0], l[1].replace(",US,", ",US\u200b,"), *l[2:]], 2, "geography", None),
    "place_not_in_places": (  # a no-break space: no longer the place "US" of places.csv (it was left out unsaid)
        lambda l: [l[0], l[1].replace(",US,", ",US\u00a0,"), *l[2:]],
        2,
        "geography",
        "US\u00a0",
    ),
    "period_reversed": (
        lambda l: [l[0], l[1].replace("2008-10-01,2011-12-31", "2011-12-31,2008-10-01"), *l[2:]],
        2,
        "period_end",
        "2008-10-01",
    ),
    "negative_count": (lambda l: [l[0], l[1].replace(",140396,", ",-140396,"), *l[2:]], 2, "value", "-140396"),
    "percent_over_100": (
        lambda l: [
            *l,
            "FUN-041,removals_convicted_pct,174,percent,about,about 174 percent,US,2008-10-01,2012-03-31,month,S38,passage,high,",
        ],
        5,
        "value",
        "174",
    ),
    "duplicate_id": (lambda l: [*l, l[2].replace("72445", "72446")], 5, "figure_id", "FUN-026"),
    "exact_duplicate": (lambda l: [*l, l[3]], 5, "figure_id", "ROL-032"),
    "unknown_source": (lambda l: [l[0], l[1].replace(",S01,", ",S999,"), *l[2:]], 2, "source_id", "S999"),
    "unknown_metric": (
        lambda l: [l[0], l[1].replace("ice_arrests_criminal", "ice_arrests_criminals"), *l[2:]],
        2,
        "metric",
        "ice_arrests_criminals",
    ),
    "unit_not_metric_unit": (lambda l: [l[0], l[1].replace(",arrests,", ",removals,"), *l[2:]], 2, "unit", "removals"),
    "bad_qualifier": (lambda l: [l[0], l[1].replace(",exact,", ",roughly,"), *l[2:]], 2, "qualifier", "roughly"),
    "bad_confidence": (lambda l: [l[0], l[1].replace(",medium,", ",certain,"), *l[2:]], 2, "confidence", "certain"),
    "missing_required": (lambda l: [l[0], l[1].replace(",passage on: arrests,", ",,"), *l[2:]], 2, "locator", ""),
    "wrong_field_count": (lambda l: [l[0], l[1], l[2].replace(",seed", ",seed,surplus"), l[3]], 3, None, "15 fields"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_names_line_column_and_value(tmp_path, data_copy, name):
    change, line, column, value = MALFORMED[name]
    path = write(tmp_path, change([HEADER, *GOOD]))
    found = problems(path)
    assert any(p.line == line and p.column == column and (value is None or p.value == value) for p in found), found
    assert all(p.file == "figures.csv" for p in found)
    message = str(FiguresValidationError(found))
    assert f"line {line}" in message


def test_several_faults_are_all_listed(tmp_path, data_copy):
    lines = [
        HEADER,
        GOOD[0].replace(",140396,", ",lots,"),
        GOOD[1].replace("2011-12-31", "2011-13-01").replace(",S01,", ",S404,"),
        "",
        GOOD[2].replace(",more_than,", ",maybe,"),
    ]
    found = {(p.line, p.column, p.value) for p in problems(write(tmp_path, lines))}
    assert found == {
        (2, "value", "lots"),
        (3, "period_end", "2011-13-01"),
        (3, "source_id", "S404"),
        (5, "qualifier", "maybe"),
    }


def test_not_utf8_is_a_clear_error_not_mojibake(tmp_path, data_copy):
    lines = [HEADER, *GOOD[:2], GOOD[2].replace("summer 2011", "été 2011")]
    found = problems(write(tmp_path, lines, encoding="cp1252"))
    assert len(found) == 1
    assert found[0].line == 4 and "UTF-8" in found[0].expected and "0xe9" in found[0].value


def test_missing_file(tmp_path):
    found = problems(tmp_path / "nope.csv")
    assert found[0].expected == "an existing CSV file"


def test_sources_are_validated_too(tmp_path):
    from scomm.paths import SOURCES_CSV

    lines = SOURCES_CSV.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",repost or mirror,", ",blog,")  # S03: a kind outside the vocabulary
    path = write(tmp_path, lines, name="sources.csv")
    with pytest.raises(FiguresValidationError) as info:
        load_sources(path)
    assert [(p.line, p.column, p.value) for p in info.value.problems] == [(4, "kind", "blog")]


def _sources_with(tmp_path, source_id: str, published: str, precision: str) -> Path:
    """The bundled sources.csv with one row's publication date and precision replaced."""
    import csv
    import io

    from scomm.paths import SOURCES_CSV

    rows = list(csv.reader(io.StringIO(SOURCES_CSV.read_text(encoding="utf-8"))))
    col_date, col_prec = rows[0].index("published"), rows[0].index("published_precision")
    line = next(i for i, r in enumerate(rows) if r[0] == source_id)
    rows[line][col_date], rows[line][col_prec] = published, precision
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "sources.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "published, precision, column, expected",
    [
        ("2011-05-01", "year", "published", "1 January of the year"),  # a year-only date must be stored as 1 January
        ("2011-10-19", "month", "published", "the first day of the month"),
        ("", "month", "published_precision", "'undated'"),  # no date but a precision
        ("2011-10-01", "undated", "published", "no date"),  # a date but 'undated'
        ("2011-10-01", "weekly", "published_precision", "one of: day, month, year, undated"),
    ],
)
def test_publication_date_agrees_with_its_precision(tmp_path, published, precision, column, expected):
    path = _sources_with(tmp_path, "S27", published, precision)
    with pytest.raises(FiguresValidationError) as info:
        load_sources(path)
    found = info.value.problems
    assert [(p.line, p.column) for p in found] == [(28, column)], found
    assert expected in found[0].expected


def test_publication_precision_is_loaded(dataset):
    src = dataset.sources.set_index("source_id")
    assert src.loc["S27", "published_precision"] == "month"  # October 2011
    assert src.loc["S01", "published_precision"] == "year"  # the seed page: footer year only
    assert src.loc["S01", "published"] == pd.Timestamp("2014-01-01")
    assert src.loc["S74", "published_precision"] == "undated" and pd.isna(src.loc["S74", "published"])
    assert set(src["published_precision"]) == {"day", "month", "year", "undated"}


# ---------------------------------------------------------------- command line


def test_validate_exit_codes_and_output(tmp_path, capsys, monkeypatch):
    from scomm import build_state

    monkeypatch.setattr(build_state, "read_manifest", lambda out: {})  # no build record: no notebook needs a figure
    assert main(["validate", str(TINY_DATA / "figures.csv")]) == 0
    # the tiny data, counted by hand: 5 figures (3 high, 2 medium) from S01 and S02, 3 metrics, claims X01, ENF01
    assert capsys.readouterr().out == (
        "OK: 5 figures from 2 sources (2 listed), 3 metrics, 2 published claims; confidence high 3, medium 2, low 0.\n"
    )
    bad = write(tmp_path, [HEADER, GOOD[0].replace(",140396,", ",x,")])
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "figures.csv, line 2, column 'value': found 'x'" in err


def test_validate_rejects_a_value_edited_without_its_printed_words(tmp_path, capsys):
    """A user changes `value` and forgets `as_printed`: validate names the file, the line and both values."""
    data = tmp_path / "data"
    shutil.copytree(TINY_DATA, data)
    path = data / "figures.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("TNY-001,tiny_arrests,1000,", "TNY-001,tiny_arrests,1500,")
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        "figures.csv, line 2, column 'value': found '1500'; expected the number as_printed states: "
        "as_printed is '1,000', which gives 1000 (edit both together" in err
    )
    assert "Traceback" not in err


def test_validate_does_not_write(tmp_path, data_copy):
    before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    main(["validate", str(write(tmp_path, [HEADER, "garbage"]))])
    after = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.name != "figures.csv")
    assert [b for b in before if b[0] != "figures.csv"] == after


def test_fast_and_text_paths_give_the_same_frames():
    """The typed fast read and the full text read (used whenever anything is off) must agree."""
    from scomm import data
    from scomm.paths import DATA_DIR

    for resource in ("figures", "sources", "metrics", "milestones"):
        path = DATA_DIR / f"{resource}.csv"
        frames = []
        for fast in (True, False):
            reader, table, typed = data._load(path, resource, fast=fast)
            assert not reader.finish().fallback and not reader.problems
            frames.append(data._to_frame(table, typed, reader.schema))
        pd.testing.assert_frame_equal(frames[0], frames[1])


@pytest.mark.parametrize("bad", ["inf", "nan", "NA", "0x10", "12 000"])
def test_values_the_fast_reader_might_accept_are_rejected(tmp_path, data_copy, bad):
    found = problems(write(tmp_path, [HEADER, GOOD[0].replace(",140396,", f",{bad},"), *GOOD[1:]]))
    assert [(p.line, p.column, p.value) for p in found] == [(2, "value", bad)]


def test_claim_inputs_must_fit_their_computation(tmp_path, data_copy):
    """A records_total claim names one row of the records table; any other computation names figure_ids."""
    from scomm.paths import CLAIMS_CSV

    lines = CLAIMS_CSV.read_text(encoding="utf-8").splitlines()
    enf = next(i for i, line in enumerate(lines) if line.startswith("ENF01,"))
    lines[enf] = lines[enf].replace("ice_record_files:arrests:FY2016", "ERO-001")
    lines[1] = lines[1].replace("ANN-047 ANN-043", "ice_record_files:arrests:FY2016")
    lines.append("ENF99,a bad reference,ERO-001,records_total,ice_record_files:detainers:FY2016,,0,")
    write(data_copy.parent, lines, name="claims.csv")
    found = [(p.line, p.column, p.value) for p in problems(data_copy)]
    assert sorted(found) == [
        (2, "inputs", "ice_record_files:arrests:FY2016"),
        (enf + 1, "inputs", "ERO-001"),
        (len(lines), "inputs", "ice_record_files:detainers:FY2016"),
    ]


def test_detainer_claims_must_name_the_monthly_table_with_a_forward_base_period(tmp_path, data_copy):
    """A detainer_months claim names the monthly detainer table, with months that exist and a base period that
    runs forwards; a figure_ids claim does not name it; decimals are whole. Each had passed validation and then
    stopped the build (month 13) or given a verdict computed from nothing (a gap of nan)."""
    from scomm.paths import CLAIMS_CSV

    lines = CLAIMS_CSV.read_text(encoding="utf-8").splitlines()
    row = {line.split(",", 1)[0]: i for i, line in enumerate(lines)}
    d04, d01, d02 = row["D04"], row["D01"], row["D02"]
    lines[d04] = lines[d04].replace("change_of_mean:2011-10:2012-09", "change_of_mean:2012-09:2011-10")
    lines[d01] = lines[d01].replace(",detainer_months,detainers_monthly:sum,", ",detainer_months,DET-007,")
    lines[d02] = lines[d02].replace(",detainer_months,", ",share,")
    lines.append("D98,a month 13,DET-010,detainer_months,detainers_monthly:change_of_mean:2011-13:2012-09,,0,")
    lines.append("D99,half a decimal,DET-007,detainer_months,detainers_monthly:sum,,2.5,")
    write(data_copy.parent, lines, name="claims.csv")
    found = sorted((p.line, p.column, p.value) for p in problems(data_copy))
    assert found == sorted(
        [
            (d01 + 1, "inputs", "DET-007"),
            (d02 + 1, "inputs", "detainers_monthly:mean"),
            (d04 + 1, "inputs", "detainers_monthly:change_of_mean:2012-09:2011-10"),
            (len(lines) - 1, "inputs", "detainers_monthly:change_of_mean:2011-13:2012-09"),
            (len(lines), "decimals", "2.5"),
        ]
    )


@pytest.mark.parametrize(
    "value,printed,ok",
    [
        ("140396", '"140,396"', True),
        ("1500", '"more than 1,500"', True),
        ("1200000", '"1.2 million"', True),
        ("25", '"1 in 4"', True),
        ("19", '"19 percent"', True),
        ("150000", '"140,396"', False),
        ("72445", "first of several sites", True),  # no number printed: nothing to compare
    ],
)
def test_value_must_be_the_number_as_printed_states(tmp_path, value, printed, ok):
    row = GOOD[0].replace(",140396,", f",{value},").replace(',"140,396",', f",{printed},")
    assert row != GOOD[0] or value == "140396"
    path = write(tmp_path, [HEADER, row])
    if ok:
        load_dataset(path)
        return
    with pytest.raises(FiguresValidationError) as info:
        load_dataset(path)
    assert [(p.line, p.column, p.value) for p in info.value.problems] == [(2, "value", value)]
    assert "as_printed" in info.value.problems[0].expected


def test_checks_in_a_load_pool_give_what_one_thread_gives():
    """The fast path's column checks run in the threads of one load's pool or in the caller's thread: the
    same typed frame either way."""
    from concurrent.futures import ThreadPoolExecutor

    from scomm import data
    from scomm.paths import DATA_DIR

    with ThreadPoolExecutor(max_workers=4) as pool:
        for resource in ("figures", "sources"):
            frames = []
            for p in (pool, None):
                reader, table, typed = data._load(DATA_DIR / f"{resource}.csv", resource, fast=True, pool=p)
                assert not reader.finish().fallback and not reader.problems
                frames.append(data._to_frame(table, typed, reader.schema))
            pd.testing.assert_frame_equal(frames[0], frames[1])
