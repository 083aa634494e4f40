"""Numbers and comparisons in words: thousands separators, percentages to one decimal, "more than",
"rose", "about half". Pure text: it knows nothing of figures or quantities (no project imports)."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date
from math import floor, log10

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def terminal_safe(text: str) -> str:
    """`text` with control characters (escape sequences, NUL, bidirectional overrides) shown as
    visible escapes such as \\x1b, so data printed to a terminal is read, never acted on."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" and c not in "\u00ad" else c for c in shown)


def markdown_text(text: str) -> str:
    """Data text for a Markdown cell, shown literally: HTML is escaped (no tag, entity or script survives),
    Markdown punctuation is backslash-escaped (no link, image or emphasis is made from data), line
    breaks become spaces and control characters are shown as escapes."""
    flat = " ".join(terminal_safe(str(text)).splitlines())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


QUALIFIER_WORDS = {
    "exact": "",
    "about": "about ",
    "more_than": "more than ",
    "less_than": "less than ",
    "at_least": "at least ",
    "at_most": "at most ",
}

UNIT_WORDS = {
    "usd": "USD",
    "removals_per_month": "removals a month",
    "detainers_per_month": "detainers a month",
    "arrests_per_month": "arrests a month",
    "people_per_year": "people a year",
    "cases_per_year": "cases a year",
}


def format_number(value: float, unit: str = "", decimals: int | None = None) -> str:
    """`value` as text in `unit`: 140,396 / 51.6% / +65.0% / 1.96x; year values without separators."""
    if unit == "percent":
        return f"{value:.{1 if decimals is None else decimals}f}%"
    if unit == "percent_change":
        return f"{value:+.{1 if decimals is None else decimals}f}%"
    if unit == "points":
        return f"{value:+.{1 if decimals is None else decimals}f} percentage points"
    if unit == "times":
        return f"{value:.{2 if decimals is None else decimals}f}x"
    if unit == "year":
        return f"{value:.0f}"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    words = UNIT_WORDS.get(unit, unit)
    return f"{text} {words}".rstrip()


def significant(value: float, digits: int = 2) -> float:
    """`value` rounded to `digits` significant digits (15,593 -> 16,000): for approximate derived numbers only."""
    if value == 0:
        return 0.0
    return round(value, -int(floor(log10(abs(value)))) + digits - 1)


def with_qualifier(value: float, unit: str = "", qualifier: str = "exact", decimals: int | None = None) -> str:
    """'about 51.6%', 'more than 1,210 jurisdictions': a value with its qualifier in words."""
    return QUALIFIER_WORDS.get(qualifier, qualifier.replace("_", " ") + " ") + format_number(value, unit, decimals)


def compare_word(
    a: float,
    b: float,
    more: str = "more than",
    less: str = "fewer than",
    same: str = "the same as",
    tolerance: float = 0.0,
) -> str:
    """The word for how `a` stands to `b`: `more`, `less` or `same` (within `tolerance`)."""
    if abs(a - b) <= tolerance:
        return same
    return more if a > b else less


def change_word(
    old: float, new: float, up: str = "rose", down: str = "fell", flat: str = "stayed level", tolerance: float = 0.0
) -> str:
    """'rose', 'fell' or 'stayed level' for a change from `old` to `new`."""
    return compare_word(new, old, more=up, less=down, same=flat, tolerance=tolerance)


FRACTIONS = [
    (1 / 10, "a tenth"),
    (1 / 5, "a fifth"),
    (1 / 4, "a quarter"),
    (1 / 3, "a third"),
    (2 / 5, "two fifths"),
    (1 / 2, "half"),
    (3 / 5, "three fifths"),
    (2 / 3, "two thirds"),
    (3 / 4, "three quarters"),
    (4 / 5, "four fifths"),
    (9 / 10, "nine tenths"),
]


def fraction_words(percent: float) -> str:
    """A percentage as the nearest plain fraction: 51.6 -> 'about half', 8.0 -> 'less than a tenth'."""
    share = percent / 100
    if share >= 0.95:
        return "nearly all" if share < 1 else "all"
    if share < 0.075:
        return "less than a tenth"
    name, gap = min(((n, abs(share - f)) for f, n in FRACTIONS), key=lambda t: t[1])
    return name if gap < 0.005 else f"about {name}"


def join_words(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


DATE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def published_label(published, precision) -> str:
    """A source's publication date printed only as precisely as the source dates itself ('2011', '2011-10',
    '2011-10-19'), or 'undated' (missing dates: None, NaN or NaT)."""
    if published is None or published != published or str(precision) == "undated":
        return "undated"
    if isinstance(published, str):
        published = date.fromisoformat(published[:10])
    return published.strftime(DATE_FORMATS[str(precision)])


def published_year(published, precision="year") -> str:
    """The year a source was published ('2011'), or 'undated' when its date or precision says so."""
    return published_label(published, "undated" if str(precision) == "undated" else "year")


MONTH_WORDS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _day(when):
    """`when` as something with a year, month and day: a date or timestamp as it is, anything else (a numpy
    datetime, ISO text) read from its ISO date."""
    return when if hasattr(when, "month") else date.fromisoformat(str(when)[:10])


def month_year(when) -> str:
    """A month in running text (titles, decks, labels, notes), spelled out as AP style has it when no day is
    given: 'January 2010', 'June 2017'."""
    when = _day(when)
    return f"{MONTH_NAMES[when.month - 1]} {when.year}"


def month_tick(when) -> str:
    """A month on an axis tick, where space is short: 'Jan. 2010', 'June 2017' (never in running text)."""
    when = _day(when)
    return f"{MONTH_WORDS[when.month - 1]} {when.year}"


def day_month_year(when) -> str:
    """A day as readers write it, the month abbreviated as AP style has it with a day: 'Oct. 27, 2008'."""
    when = _day(when)
    return f"{MONTH_WORDS[when.month - 1]} {when.day}, {when.year}"


def date_words(when, precision) -> str:
    """A date as precisely as its source gives it ('day', 'month' or else the year): 'Oct. 27, 2008',
    'March 2011', '2013'."""
    return {"day": day_month_year, "month": month_year}.get(str(precision), lambda d: f"{d:%Y}")(when)


# a month abbreviated (or cut to three letters) and followed by a year, with no day between: AP spells these out
ABBREVIATED_MONTH_YEAR = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? ((19|20)\d\d)\b")


def abbreviated_months(text: str) -> list[str]:
    """The month-and-year phrases of `text` written with an abbreviated month and no day ('Oct. 2012',
    'Sept 2011'): in running text these are spelled out ('October 2012'); see `month_year`."""
    return [m.group(0) for m in ABBREVIATED_MONTH_YEAR.finditer(text)]


def spelled_months(text: str) -> str:
    """`text` with each abbreviated month-and-year spelled out ('Oct 2008 - Mar 2010' -> 'October 2008 - March
    2010'), for quoted statements shown as running text; a month with a day is left as it is."""
    full = {name[:3]: name for name in MONTH_NAMES}
    return ABBREVIATED_MONTH_YEAR.sub(lambda m: f"{full[m.group(1)[:3]]} {m.group(2)}", text)


MINUS = "\u2212"  # the true minus sign of printed numbers


def true_minus(text: str) -> str:
    """`text` with each hyphen that stands for a minus sign (before a digit, not inside a word or range) printed
    as a true minus: '-30%' -> '\u221230%'; '2008-2011' is left alone."""
    return re.sub(r"(?<![\w.])-(?=\d)", MINUS, text)


def signed(value: float, decimals: int = 0, unit: str = "") -> str:
    """A change with its sign, the minus a true minus: '+5', '\u221210', '0', '+1.5%'."""
    if round(value, decimals) == 0:
        return f"0{unit}"
    text = f"{value:+.{decimals}f}{unit}"
    return text.replace("-", MINUS)


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def count_words(n: int) -> str:
    """A whole count in running text as AP style has it: one to nine in words, 10 and up in figures ('two',
    '12', '1,210'). Not for percentages, points or measures."""
    return NUMBER_WORDS[n] if 0 <= n < 10 else f"{n:,}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"
