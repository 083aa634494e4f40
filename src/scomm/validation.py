"""The rules the data package's tables must follow, checked over whole Arrow columns: each field's type,
range, vocabulary, pattern and uniqueness from the schema, keys into other tables, and the rules that
involve more than one column (a period's end after its start, a count above zero, the number a source's
words state, a source's date as precise as its precision says, a repost naming its original publisher).

Each check adds located `Problem`s to the reader of the file it checks; `scomm.data` runs them.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scomm import figure_rules
from scomm.csv_reader import MAX_LINE_BYTES, CsvReader
from scomm.problems import MAX_KEPT

NUMBER_RE = r"^[-+]?(([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# RE2: C0 but tab/LF/CR, DEL, C1; and the invisible characters that change what a reader sees: zero-width
# spaces and joiners, direction marks and overrides (U+202E shows "95" as "59"), the word joiner, a byte-order mark
# inside the text
CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{80}-\\x{9f}\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}\\x{2060}-\\x{2069}\\x{feff}]"
# the dates a date column may hold: those the analyses can compute with (pandas' nanosecond timestamps)
FIRST_DATE, LAST_DATE = "1678-01-01", "2261-12-31"
PERCENT_UNIT = "percent"
UNBOUNDED_UNITS = {"percent_change"}  # may be negative or above 100


def _report(
    reader: CsvReader,
    table: pa.Table,
    mask: pa.ChunkedArray | pa.Array,
    column: str | None,
    expected: str,
    value_column: str | None = None,
) -> None:
    """Add one Problem per row where `mask` is true."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return
    found = pc.indices_nonzero(mask)
    reader.omitted += max(0, len(found) - MAX_KEPT)
    rows = found.slice(0, MAX_KEPT).to_pylist()
    values = (
        table.column(value_column or column).take(rows).to_pylist() if (value_column or column) else [None] * len(rows)
    )
    for line, value in zip(reader.line_of(rows), values):
        text = "" if value is None else str(value)
        reader.problem(
            line, column, text if len(text) <= 80 else text[:60] + f"... ({len(text):,} characters)", expected
        )


def check_fields(reader: CsvReader, table: pa.Table, keyed: frozenset[str] = frozenset()) -> dict[str, pa.ChunkedArray]:
    """Per-field checks from the schema; returns typed columns (numbers, dates, categoricals).

    Fields in `keyed` are checked later against another table's key, whose own pattern check makes
    theirs redundant, so their pattern is not matched here. On the fast path the fields are checked
    in the threads of the reader's pool (Arrow's kernels release the GIL); problems there only trigger
    the text path, which checks in order so problems are listed by column.
    """
    fields = reader.schema.fields
    if reader.fast:  # uniqueness (a sort) keeps running while the caller goes on; reader.finish() waits for it
        for f in fields:
            if f.unique:
                reader.later(_check_unique, reader, table, f.name)
        results = reader.map(lambda f: _check_field(reader, table, f, keyed), fields)
    else:
        results = []
        for f in fields:
            results.append(_check_field(reader, table, f, keyed))
            if f.unique:
                _check_unique(reader, table, f.name)
    return {f.name: col for f, col in zip(fields, results) if col is not None}


def _dates_in_range(reader: CsvReader, table: pa.Table, name: str, days: pa.ChunkedArray) -> pa.ChunkedArray:
    """`days` (dates) as nanosecond timestamps; a date outside FIRST_DATE..LAST_DATE is reported and left empty
    (a nanosecond timestamp cannot hold it: 9999-12-31 exists, but no analysis can compute with it)."""
    first = pa.scalar(pd.Timestamp(FIRST_DATE).date(), pa.date32())
    last = pa.scalar(pd.Timestamp(LAST_DATE).date(), pa.date32())
    outside = pc.fill_null(pc.or_(pc.less(days, first), pc.greater(days, last)), False)
    _report(reader, table, outside, name, f"a date from {FIRST_DATE} to {LAST_DATE}")
    return pc.cast(pc.if_else(outside, pa.scalar(None, pa.date32()), days), pa.timestamp("ns"))


def _check_field(reader: CsvReader, table: pa.Table, f, keyed: frozenset[str]):
    """Check one field; return its typed column, or None when the text column is kept as is."""
    col = table.column(f.name)
    present = pc.is_valid(col)
    typed = None
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        _report(
            reader,
            table,
            pc.greater(pc.binary_length(col), MAX_LINE_BYTES),
            f.name,
            f"a value of at most {MAX_LINE_BYTES:,} bytes (a field this long is not a figure)",
        )
        _report(
            reader,
            table,
            pc.fill_null(pc.match_substring_regex(col, CONTROL_RE), False),
            f.name,
            "text without control or invisible characters (NUL, escape codes, zero-width spaces, direction overrides "
            "such as U+202E and the like; tabs and line breaks are fine)",
        )
    if f.required:
        _report(reader, table, pc.invert(present), f.name, "a value (this column is required)")
    if f.type == "number" and pa.types.is_floating(col.type):  # parsed by the fast reader
        _report(reader, table, pc.and_(present, pc.invert(pc.is_finite(col))), f.name, "a finite number")
        typed = col
    elif f.type == "date" and pa.types.is_date(col.type):
        typed = _dates_in_range(reader, table, f.name, col)
    elif f.type == "number":
        ok = pc.match_substring_regex(col, NUMBER_RE)
        _report(
            reader,
            table,
            pc.and_(present, pc.invert(ok)),
            f.name,
            'a number such as 140396 or "140,396" (digits, optional thousands commas and decimals)',
        )
        clean = pc.if_else(ok, pc.replace_substring(col, ",", ""), pa.scalar(None, pa.string()))
        typed = pc.cast(clean, pa.float64())
        _report(
            reader,
            table,
            pc.and_(pc.is_valid(typed), pc.invert(pc.is_finite(typed))),
            f.name,
            "a finite number (this one is too large to represent)",
        )
    elif f.type == "date":
        shaped = pc.match_substring_regex(col, DATE_RE)
        text = pc.if_else(shaped, col, pa.scalar(None, pa.string()))
        stamp = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2011-02-30 over to 2011-03-02: the day must come back unchanged
        day = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
        ok = pc.and_(shaped, pc.fill_null(pc.equal(pc.day(stamp), day), False))
        _report(reader, table, pc.and_(present, pc.invert(ok)), f.name, "an ISO date YYYY-MM-DD that exists")
        days = pc.cast(pc.if_else(ok, stamp, pa.scalar(None, pa.timestamp("s"))), pa.date32())
        typed = _dates_in_range(reader, table, f.name, days)
    if typed is not None and (f.minimum is not None or f.maximum is not None):
        _check_range(reader, table, f, typed)
    if f.enum is not None:  # codes in vocabulary order: the check and the categorical in one lookup
        vocabulary = pa.array(f.enum)
        codes = pc.index_in(col, value_set=vocabulary).combine_chunks()
        _report(reader, table, pc.and_(present, pc.is_null(codes)), f.name, "one of: " + ", ".join(f.enum))
        typed = pa.DictionaryArray.from_arrays(codes, vocabulary)
    if f.pattern is not None and f.name not in keyed:
        ok = pc.match_substring_regex(col, f"^(?:{f.pattern})$")
        _report(reader, table, pc.and_(present, pc.invert(ok)), f.name, f"text matching the pattern {f.pattern}")
    return typed


def _check_range(reader: CsvReader, table: pa.Table, f, typed) -> None:
    """Report values below the schema's `minimum` or above its `maximum` (numbers or ISO dates)."""
    for bound, compare, word in ((f.minimum, pc.less, "at least"), (f.maximum, pc.greater, "at most")):
        if bound is None:
            continue
        scalar = (
            pa.scalar(pd.Timestamp(bound).as_unit("ns"), pa.timestamp("ns"))
            if f.type == "date"
            else pa.scalar(float(bound))
        )
        shown = bound if f.type == "date" else f"{float(bound):,.15g}"
        _report(reader, table, compare(typed, scalar), f.name, f"a value {word} {shown} (the schema's bound)")


def _check_unique(reader: CsvReader, table: pa.Table, name: str) -> None:
    valid = table.column(name).drop_null().combine_chunks()
    if len(valid) < 2:
        return
    ordered = pc.take(valid, pc.sort_indices(valid))  # sorting beats hashing here (about 3x on 1M ids)
    if not pc.any(pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))).as_py():
        return
    frame = table.to_pandas()
    dup = frame[name].notna() & frame[name].duplicated(keep=False)
    first_line: dict[str, int | None] = {}
    first_row: dict[str, int] = {}
    rows = list(frame.index[dup])
    for row, line in zip(rows, reader.line_of(rows)):
        key = frame.at[row, name]
        if key not in first_line:
            first_line[key], first_row[key] = line, row
            continue
        same = frame.loc[row].equals(frame.loc[first_row[key]])
        expected = (
            f"no exact duplicate rows (this row repeats line {first_line[key]})"
            if same
            else f"a unique {name} (also used on line {first_line[key]})"
        )
        reader.problem(line, name, key, expected)


def check_key(
    reader: CsvReader, table: pa.Table, field: str, ref_table: pa.Table, ref_field: str, ref_file: str
) -> None:
    """Every value of `field` must be listed in `ref_field` of the referenced table."""
    ids = ref_table.column(ref_field).drop_null()
    present = pc.is_valid(table.column(field))
    enum = reader.schema.field(field).enum
    if enum is not None:  # a value outside the field's own vocabulary is reported once, by that check
        present = pc.and_(present, pc.is_in(table.column(field), value_set=pa.array(enum)))
    missing = pc.and_(present, pc.invert(pc.is_in(table.column(field), value_set=ids)))
    _report(reader, table, missing, field, f"a {ref_field} listed in {ref_file}")


def check_source_ids(reader: CsvReader, table: pa.Table, sources: pa.Table | None) -> None:
    """Every source_id must be listed in sources.csv."""
    if sources is None:
        return
    ids = sources.column("source_id").drop_null()
    present = pc.is_valid(table.column("source_id"))
    missing = pc.and_(present, pc.invert(pc.is_in(table.column("source_id"), value_set=ids)))
    _report(reader, table, missing, "source_id", "a source_id listed in sources.csv")


def check_sources(reader: CsvReader, table: pa.Table, typed: dict) -> None:
    """`published` agrees with `published_precision`: a month- or year-only date is stored as the first day
    of that month or year (so it never passes silently for 1 January), and only an undated source has none."""
    precision, date = typed.get("published_precision"), typed.get("published")
    if precision is None or date is None:
        return
    words = precision.dictionary.take(precision.indices)  # null where the value was not in the vocabulary
    has_text = pc.is_valid(table.column("published"))

    def said(word: str):
        return pc.fill_null(pc.equal(words, word), False)

    _report(
        reader,
        table,
        pc.and_(said("undated"), has_text),
        "published",
        "no date, since published_precision is 'undated' (or set the precision the source dates itself to)",
    )
    _report(
        reader,
        table,
        pc.and_(pc.and_(pc.is_valid(words), pc.invert(said("undated"))), pc.invert(has_text)),
        "published_precision",
        "'undated', since published is empty (or fill in the date)",
        value_column="published_precision",
    )
    not_first_day = pc.fill_null(pc.not_equal(pc.day(date), 1), False)
    not_january = pc.fill_null(pc.not_equal(pc.month(date), 1), False)
    _report(
        reader,
        table,
        pc.and_(said("month"), not_first_day),
        "published",
        "the first day of the month (published_precision is 'month': a month-only date is stored as its first day)",
    )
    _report(
        reader,
        table,
        pc.and_(said("year"), pc.or_(not_first_day, not_january)),
        "published",
        "1 January of the year (published_precision is 'year': a year-only date is stored as its first day)",
    )
    _check_reposts(reader, table, typed)


REPOST = "repost or mirror"  # the kind of source that must name whose text it copies


def _check_reposts(reader: CsvReader, table: pa.Table, typed: dict) -> None:
    """A repost or mirror names the original publisher; no other kind of source does (it is its own publisher)."""
    kind = typed.get("kind")
    if kind is None or "original_publisher" not in table.column_names:
        return
    words = kind.dictionary.take(kind.indices)
    repost = pc.fill_null(pc.equal(words, REPOST), False)
    known = pc.is_valid(words)
    named = pc.is_valid(table.column("original_publisher"))
    _report(
        reader,
        table,
        pc.and_(repost, pc.invert(named)),
        "original_publisher",
        "who published the text first, since kind is 'repost or mirror'",
        value_column="kind",
    )
    _report(
        reader,
        table,
        pc.and_(pc.and_(known, pc.invert(repost)), named),
        "original_publisher",
        "no original publisher, since kind is not 'repost or mirror' (or set kind to 'repost or mirror')",
    )


RECORDS_TOTAL = "records_total"  # the claims computation that counts records instead of reading figures
DETAINER_MONTHS = "detainer_months"  # the claims computation that reads the monthly detainer table


def check_claims(reader: CsvReader, table: pa.Table, typed: dict | None = None) -> None:
    """A records_total claim names one row of the records table as its input, a detainer_months claim the
    monthly detainer table (with a base period that runs forwards); every other computation names figure_ids
    (each form passes the inputs pattern on its own, so the pairing is checked here). Decimals are whole."""
    computation, inputs = table.column("computation"), table.column("inputs")
    is_records = pc.fill_null(pc.equal(computation, RECORDS_TOTAL), False)
    names_records = pc.fill_null(pc.starts_with(inputs, "ice_record_files:"), False)
    _report(
        reader,
        table,
        pc.and_(is_records, pc.invert(names_records)),
        "inputs",
        "one reference ice_record_files:EVENT:FYyyyy (EVENT arrests or removals), since computation is records_total",
    )
    _report(
        reader,
        table,
        pc.and_(pc.invert(is_records), names_records),
        "inputs",
        "figure_ids (a reference to ice_record_files goes with computation records_total)",
    )
    is_detainers = pc.fill_null(pc.equal(computation, DETAINER_MONTHS), False)
    names_detainers = pc.fill_null(pc.starts_with(inputs, "detainers_monthly:"), False)
    _report(
        reader,
        table,
        pc.xor(is_detainers, names_detainers),
        "inputs",
        "detainers_monthly:sum, :mean or :change_of_mean:YYYY-MM:YYYY-MM with computation detainer_months, and "
        "figure_ids with any other computation",
    )
    base = pc.extract_regex(pc.fill_null(inputs, ""), r"change_of_mean:(?P<first>[0-9-]+):(?P<last>[0-9-]+)$")
    reversed_base = pc.fill_null(pc.greater(pc.struct_field(base, "first"), pc.struct_field(base, "last")), False)
    _report(reader, table, reversed_base, "inputs", "a base period whose first month is not after its last")
    decimals = (typed or {}).get("decimals")
    if decimals is not None and pa.types.is_floating(decimals.type):
        _report(
            reader,
            table,
            pc.fill_null(pc.not_equal(pc.floor(decimals), decimals), False),
            "decimals",
            "a whole number of decimals (0 to 4)",
        )


def check_figures(
    reader: CsvReader, table: pa.Table, typed: dict, sources: pa.Table | None, metrics: pa.Table | None
) -> None:
    """Rules that involve more than one column or another table."""
    start, end = typed["period_start"], typed["period_end"]
    _report(
        reader,
        table,
        pc.greater(start, end),
        "period_end",
        "a date on or after period_start",
        value_column="period_end",
    )
    figure_rules.report_precision(reader, typed)  # a year- or month-precision period ends where its year or month does
    value, unit = typed["value"], typed["unit"]  # unit: codes into the unit vocabulary
    vocabulary = unit.dictionary.to_pylist()
    is_percent = pc.equal(unit.indices, vocabulary.index(PERCENT_UNIT))
    bounded = [vocabulary.index(u) for u in sorted(UNBOUNDED_UNITS | {PERCENT_UNIT})]
    counts = pc.invert(pc.is_in(unit.indices, value_set=pa.array(bounded, unit.indices.type)))
    _report(
        reader,
        table,
        pc.and_(counts, pc.less_equal(value, 0)),
        "value",
        "a count above 0 (ratios divide by counts; use unit percent_change for a signed change)",
    )
    _report(
        reader,
        table,
        pc.and_(is_percent, pc.or_(pc.less(value, 0), pc.greater(value, 100))),
        "value",
        "a percentage within 0-100 for unit percent (use percent_change for changes)",
    )
    _check_printed(reader, table, value)
    check_source_ids(reader, table, sources)
    if metrics is not None:
        _check_metric_units(reader, table, metrics, typed["unit"])


PRINTED_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)(?:\s*(million|billion|thousand))?(?:\s+in\s+(\d+))?")
SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def printed_numbers(as_printed: str) -> list[float]:
    """The numbers a source's wording states: "140,396", "1.2 million", "1 in 4" (as 25, a share)."""
    found = []
    for match in PRINTED_NUMBER.finditer(as_printed):
        number = float(match.group(1).replace(",", ""))
        if match.group(2):
            number *= SCALE_WORDS[match.group(2)]
        if match.group(3) and float(match.group(3)) > 0:
            found.append(100 * number / float(match.group(3)))
        found.append(number)
    return found


def _check_printed(reader: CsvReader, table: pa.Table, value: pa.ChunkedArray) -> None:
    """`value` must be a number `as_printed` states (or its negative, for a fall printed as a size) whenever
    the printed words hold a number at all, so an edit of one without the other is caught. Each problem
    gives both: the value found and the words it must agree with."""
    printed = table.column("as_printed").to_pylist()
    numbers = value.to_pylist()
    bad = []
    for row, (text, number) in enumerate(zip(printed, numbers)):
        if text is None or number is None:
            continue
        stated = printed_numbers(text)
        if stated and not any(math.isclose(abs(number), x, rel_tol=1e-9, abs_tol=1e-9) for x in stated):
            bad.append(row)
    if not bad:
        return
    reader.omitted += max(0, len(bad) - MAX_KEPT)
    rows = bad[:MAX_KEPT]
    found = table.column("value").take(pa.array(rows)).to_pylist()  # the value as the file gives it
    for line, got, row in zip(reader.line_of(rows), found, rows):
        words = printed[row]
        reader.problem(
            line,
            "value",
            "" if got is None else str(got),
            f"the number as_printed states: as_printed is {words!r}, which gives "
            f"{' or '.join(_plain(x) for x in printed_numbers(words))} (edit both together: as_printed holds "
            "the source's words, value the same number as digits)",
        )


def _plain(number: float) -> str:
    """A number as a data file would hold it: 140396, 1200000, 51.6."""
    return f"{number:.10g}" if not float(number).is_integer() else str(int(number))


def _check_metric_units(reader: CsvReader, table: pa.Table, metrics: pa.Table, unit: pa.DictionaryArray) -> None:
    """Each metric must be listed in metrics.csv, with the unit listed there (compared as integer codes)."""
    metric = table.column("metric")
    idx = pc.index_in(metric, value_set=metrics.column("metric").combine_chunks())  # row -> metrics.csv row
    _report(reader, table, pc.and_(pc.is_valid(metric), pc.is_null(idx)), "metric", "a metric listed in metrics.csv")
    expected = pc.index_in(metrics.column("unit").combine_chunks(), value_set=unit.dictionary)  # its unit's code
    wrong = pc.fill_null(pc.not_equal(pc.take(expected, idx), unit.indices), False)
    if not pc.any(wrong).as_py():
        return
    rows = pc.indices_nonzero(wrong)
    want = pc.take(metrics.column("unit").combine_chunks(), pc.take(idx, rows)).to_pylist()
    for line, got, w, m in zip(
        reader.line_of(rows.to_pylist()),
        table.column("unit").take(rows).to_pylist(),
        want,
        metric.take(rows).to_pylist(),
    ):
        reader.problem(line, "unit", got, f"unit '{w}', the unit metrics.csv gives for '{m}'")
