"""Find when an article was first published (and last modified) from its page.

The answer we want is the day the story first appeared, not the last time it was
touched. Signals are read from the most deliberate to the least:

1. structured data the publisher writes for machines: JSON-LD ``datePublished`` of
   the page's own article object, then publication ``<meta>`` tags (Open Graph,
   Dublin Core, Parsely, Sailthru, itemprop...). When several disagree the earliest
   day wins (later ones are republications or modifications leaking in);
2. the URL path (``/2021/07/22/``, ``/20210722/``, ``-2021-07-22``): set once when
   the story is created. It settles day-boundary disagreements (a UTC stamp at
   01:30 is the previous evening for the publisher) and overrules structured
   data that is weeks away from it;
3. what is printed around the headline: ``<time datetime>``, microdata and byline
   text after (then just above) the title heading, in many languages, numeric
   orders and calendars (Solar Hijri); then dates the markup labels as such
   (``class="date"``) elsewhere in the story container;
4. relative stamps ("3 hours ago", "vor 2 Tagen") resolved against ``now``, a lone
   "Updated" stamp, a day and month without a year, the lead image's upload path.

Page furniture (related stories, teaser cards, comments, embedded posts, footers,
"today is..." banners, copyright lines) is skipped, "Updated:" stamps feed
``modified`` only, and a page with no such signal (a home page, a section front, a
search result) yields None rather than whatever date happens to be printed on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TypeGuard
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from scraper import lexicon
from scraper.body import is_hidden
from scraper.structured import article_objects, json_ld, meta_tags, types_of
from scraper.urls import web_archive_capture

__all__ = ["PageDates", "find_dates", "parse_date_string", "title_heading"]


@dataclass
class PageDates:
    """Publication and modification stamps of one page, with where each came from."""

    published: str | None
    modified: str | None
    published_source: str | None
    modified_source: str | None


# ---------------------------------------------------------------------------
# A parsed stamp
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stamp:
    day: date
    clock: tuple[int, int, int] | None = None
    offset: str | None = None  # "+03:00"; only meaningful with a clock

    def iso(self) -> str:
        if self.clock is None:
            return self.day.isoformat()
        h, m, s = self.clock
        return f"{self.day.isoformat()}T{h:02d}:{m:02d}:{s:02d}{self.offset or ''}"

    @property
    def utc_like(self) -> bool:
        """True for a UTC clock: the publisher's local day may differ by one.

        A clock without an offset is taken as local time (that is how CMSs print it).
        """
        return self.clock is not None and self.offset == "+00:00"


@dataclass
class _Cand:
    stamp: _Stamp
    source: str
    alt: _Stamp | None = None  # the other reading of an ambiguous d/m order


# A two-digit year under this is in the 2000s, else in the 1900s.
_CENTURY_PIVOT = 70


def _mk_date(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000 if y < _CENTURY_PIVOT else 1900
    try:
        return date(y, m, d)
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Month names (lower case), many languages: lexicon.MONTHS. Abbreviations may carry a dot.
# ---------------------------------------------------------------------------

_MONTH_WORDS: tuple[str, ...] = tuple(row for rows in lexicon.MONTHS.values() for row in rows)
# Croatian "listopad" is October where Polish and Czech use it for November.
_MONTH_OVERRIDES = lexicon.MONTH_OVERRIDES


def _build_months() -> dict[str, int]:
    table: dict[str, int] = {}
    for row in _MONTH_WORDS:
        for number, names in enumerate(row.split("|"), start=1):
            for name in names.split():
                table.setdefault(name, number)
    return table


_MONTHS = _build_months()
_MONTH_ALT = "|".join(sorted((re.escape(n) for n in _MONTHS), key=len, reverse=True))
_MON = rf"(?<!\w)({_MONTH_ALT})(?!\w)\.?"
# "24 نيسان / أبريل 2020": Arab sites give the Levantine and the Egyptian name together.
_MON2 = rf"(?:\s*/\s*(?<!\w)(?:{_MONTH_ALT})(?!\w)\.?)?"
_DAY_SUFFIX = r"(?:st|nd|rd|th|er|e|ème|º|°|ª|\.)?"
_YEAR = r"((?:19|20)\d\d)(?!\d)"

# Day Month Year: "22 July 2021", "22. Juli 2021", "22 de julio de 2021", "22-Jul-2021",
# "22 июля 2021 г.", "d'abril de 2021".
_RE_DMY_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}}){_DAY_SUFFIX}[\s\-/]*(?:de\s+|del\s+|d['’]\s*|of\s+)?{_MON}{_MON2}"
    rf"[\s,\-/]*(?:de\s+|del\s+|\'|’)?{_YEAR}",
    re.IGNORECASE,
)
# Month Day, Year: "July 22, 2021", "Sept. 8, 2020", "Jul 22nd 2021".
_RE_MDY_NAME = re.compile(
    rf"{_MON}\s*(\d{{1,2}})(?!\d)(?:st|nd|rd|th)?\s*,?\s*{_YEAR}", re.IGNORECASE
)
# Year Month Day: "2021. július 22.", "2020 m. birželio 22 d.", "2021, July 22".
_RE_YMD_NAME = re.compile(
    rf"(?<!\d)((?:19|20)\d\d)\.?,?\s*(?:m\.\s*|г\.\s*|yil\s+)?{_MON}\s*(\d{{1,2}})(?!\d)",
    re.IGNORECASE,
)
_RE_CJK = re.compile(
    r"((?:19|20)\d\d)\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?"
)
# Vietnamese: "22 tháng 7, 2021", "ngày 22 tháng 7 năm 2021".
_RE_VI = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,|năm)?\s*((?:19|20)\d\d)(?!\d)",
                    re.IGNORECASE)
_RE_YMD_NUM = re.compile(
    r"(?<![\d.])((?:19|20)\d\d)\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{1,2})(?![\d])"
)
_RE_DMY_NUM = re.compile(
    r"(?<![\d.:/])(\d{1,2})\s?([./\-])\s?(\d{1,2})\s?\2\s?((?:19|20)\d\d|\d\d)(?![\d:])"
)
# Day and month without a year ("2月15日（土）", "15 février", "Feb 15"): a last resort.
_RE_YEARLESS = re.compile(
    rf"(?<![\d年])(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日"
    rf"|(?<!\d)(\d{{1,2}}){_DAY_SUFFIX}\s*(?:de\s+|d['’]\s*)?{_MON}(?!\s*,?\s*\d)"
    rf"|{_MON}\s*(\d{{1,2}})(?:st|nd|rd|th)?(?![\d:,.])(?!\s*\d)",
    re.IGNORECASE,
)
# A clock right after a date: "· 14:05", "à 18h30", "um 9.15 Uhr", "at 5:02 p.m.", "14時05分".
_RE_CLOCK = re.compile(
    r"\.?[\s,|·•\-–—@/(（）)]*(?:\w{1,3}\s*[,.]?\s*)??"
    rf"(?:{lexicon.alternation(lexicon.CLOCK_LINKS)})?\s*"
    rf"({lexicon.alternation(lexicon.CLOCK_MARKS_BEFORE)})?\s*"
    r"(\d{1,2})\s?(?::|h|\.|時|시)\s?(\d{2}|\d(?=\s?[分분]))(?:\s?分|\s?분)?(?::(\d{2}))?(?!\d)\s*"
    rf"({lexicon.alternation(lexicon.CLOCK_MARKS_AFTER)})?",
    re.IGNORECASE,
)
_PM_WORDS = set(lexicon.words(lexicon.PM_WORDS))
_AM_WORDS = set(lexicon.words(lexicon.AM_WORDS))

_RE_JALALI = re.compile(r"(?<![\d.])(1[34]\d\d)\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{1,2})(?!\d)")
# Persian, Arabic-Indic and full-width digits read as ASCII ones.
_DIGITS = str.maketrans(
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩０１２３４５６７８９०१२३४५६७८९০১২৩৪৫৬৭৮৯",
    "01234567890123456789012345678901234567890123456789",
)
_JALALI_ANCHOR = date(2020, 3, 20)  # 1 Farvardin 1399


def _jalali_leap(year: int) -> bool:
    return (25 * year + 11) % 33 < 8


def _from_jalali(jy: int, jm: int, jd: int) -> date | None:
    """Gregorian day of a Solar Hijri date (Iran, Afghanistan), 33-year leap cycle."""
    if not (1 <= jm <= 12 and 1 <= jd <= (31 if jm <= 6 else 30)):
        return None
    if jm == 12 and jd == 30 and not _jalali_leap(jy):
        return None
    span = sum(366 if _jalali_leap(y) else 365 for y in range(min(jy, 1399), max(jy, 1399)))
    if jy < 1399:
        span = -span
    in_year = (jm - 1) * 31 + jd - 1 if jm <= 7 else 186 + (jm - 7) * 30 + jd - 1
    return _JALALI_ANCHOR + timedelta(days=span + in_year)


# Everything a date pattern needs to even be possible: a 4-digit year or CJK marks.
_ANY_DIGIT = re.compile(r"\d")
_HAS_YEAR = re.compile(r"(?:19|20|13|14)\d\d|\d[./\-]\d{1,2}[./\-]\d\d")


# A clock is looked for in this many characters after a date.
_CLOCK_REACH = 30


def _clock_after(text: str, pos: int) -> tuple[int, int, int] | None:
    match = _RE_CLOCK.match(text, pos, pos + _CLOCK_REACH)
    if not match:
        return None
    h, m = int(match.group(2)), int(match.group(3))
    s = int(match.group(4) or 0)
    ampm = (match.group(5) or match.group(1) or "").lower().replace(" ", "")
    if ampm[:1] in "ap":
        ampm = ampm.replace(".", "")
    if ampm in _PM_WORDS and h < 12:
        h += 12
    elif ampm in _AM_WORDS and h == 12:
        h = 0
    if h > 23 or m > 59 or s > 59:
        return None
    return (h, m, s)


def _dates_in_text(text: str, mdy: bool, lang: str = "") -> list[tuple[int, _Stamp, _Stamp | None]]:
    """All full dates (day, month, year) written in ``text``, as (position, stamp, alt).

    ``alt`` is the other reading of a numeric date whose day/month order is
    ambiguous (both parts <= 12); ``mdy`` says which reading comes first.
    """
    if not _ANY_DIGIT.search(text):  # (every digit it maps is a Unicode decimal digit)
        return []
    text = text.translate(_DIGITS)
    if not _HAS_YEAR.search(text):
        return []
    found: list[tuple[int, int, _Stamp, _Stamp | None]] = []
    overrides = _MONTH_OVERRIDES.get(lang, {})

    def month_of(word: str) -> int | None:
        word = word.lower().rstrip(".")
        return overrides.get(word) or _MONTHS.get(word)

    def add(start: int, end: int, day: date | None, alt: date | None = None) -> None:
        if day is None:
            return
        clock = _clock_after(text, end)
        stamp = _Stamp(day, clock)
        other = _Stamp(alt, clock) if alt is not None and alt != day else None
        found.append((start, end, stamp, other))

    for m in _RE_CJK.finditer(text):
        add(m.start(), m.end(), _mk_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _RE_YMD_NUM.finditer(text):
        add(m.start(), m.end(), _mk_date(int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for m in _RE_VI.finditer(text):
        add(m.start(), m.end(), _mk_date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
    for m in _RE_JALALI.finditer(text):
        add(m.start(), m.end(), _from_jalali(int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for m in _RE_DMY_NAME.finditer(text):
        mon = month_of(m.group(2))
        if mon:
            add(m.start(), m.end(), _mk_date(int(m.group(3)), mon, int(m.group(1))))
    for m in _RE_MDY_NAME.finditer(text):
        mon = month_of(m.group(1))
        if mon:
            add(m.start(), m.end(), _mk_date(int(m.group(3)), mon, int(m.group(2))))
    for m in _RE_YMD_NAME.finditer(text):
        mon = month_of(m.group(2))
        if mon:
            add(m.start(), m.end(), _mk_date(int(m.group(1)), mon, int(m.group(3))))
    for m in _RE_DMY_NUM.finditer(text):
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        if len(y) == 2 and (len(m.group(1)) != 2 or len(m.group(3)) != 2):
            continue  # "1.2.20" is more often a version or a score than a date
        year = int(y)
        if sep == "." or a > 12:
            add(m.start(), m.end(), _mk_date(year, b, a))  # dotted dates are always D.M.Y
        elif b > 12:
            add(m.start(), m.end(), _mk_date(year, a, b))
        else:
            dmy, mdy_day = _mk_date(year, b, a), _mk_date(year, a, b)
            if mdy:
                add(m.start(), m.end(), mdy_day, dmy)
            else:
                add(m.start(), m.end(), dmy, mdy_day)
    if len(found) > 1:
        # Drop matches nested in a longer one ("22.07.2021" inside "Mi, 22.07.2021").
        found.sort(key=lambda f: (f[0], -f[1]))
        kept: list[tuple[int, int, _Stamp, _Stamp | None]] = []
        for item in found:
            if kept and item[0] < kept[-1][1]:
                continue
            kept.append(item)
        found = kept
    return [(start, stamp, alt) for start, _end, stamp, alt in found]


# A date without a year counts only when it starts within this many characters of the run.
_YEARLESS_MAX_START = 12


def _yearless_in_text(text: str, lang: str = "") -> tuple[int, int] | None:
    """(month, day) of the first date written without a year in ``text``."""
    m = _RE_YEARLESS.search(text.translate(_DIGITS))
    if not m or m.start() > _YEARLESS_MAX_START:
        return None
    overrides = _MONTH_OVERRIDES.get(lang, {})
    if m.group(1):
        month, day = int(m.group(1)), int(m.group(2))
    else:
        word = (m.group(4) or m.group(5)).lower().rstrip(".")
        month = overrides.get(word) or _MONTHS.get(word) or 0
        day = int(m.group(3) or m.group(6))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return month, day


# Attributes whose values may carry the page's own full date ("news20190624", "/20190619/").
_YEAR_EVIDENCE_ATTRIBUTES = ("id", "class", "href", "src", "datetime", "content", "value")
_YEAR_EVIDENCE_MAX_ELEMENTS = 20000


def _years_printed(doc: HtmlElement, month: int, day: int, lo: date, hi: date) -> list[int]:
    """Years of the full dates that the page writes for ``month``/``day`` elsewhere, most
    frequent first: a day printed without its year ("[06月24日 11時30分]") under the
    headline is that same day in the body id, a link to the story's other version or the
    title ("news20190624"), rather than the latest such day before now."""
    numeric = re.compile(
        rf"(?<!\d)((?:19|20)\d\d)(?:{month:02d}{day:02d}|[-/.]0?{month}[-/.]0?{day})(?!\d)")
    counts: dict[int, int] = {}

    def add(year: int) -> None:
        when = _mk_date(year, month, day)
        if when is not None and lo <= when <= hi:
            counts[year] = counts.get(year, 0) + 1

    for seen, el in enumerate(doc.iter()):
        if seen > _YEAR_EVIDENCE_MAX_ELEMENTS:
            break
        if not isinstance(el.tag, str):
            continue
        for name in _YEAR_EVIDENCE_ATTRIBUTES:
            value = el.get(name)
            if value and len(value) < _MAX_STAMP_CHARS * 4:
                for m in numeric.finditer(value):
                    add(int(m.group(1)))
        for text in (el.tail,) if el.tag in _SKIP_TEXT_TAGS else (el.text, el.tail):
            if text and _ANY_DIGIT.search(text) and _HAS_YEAR.search(text):
                for _pos, stamp, _alt in _dates_in_text(" ".join(text.split()), False):
                    if (stamp.day.month, stamp.day.day) == (month, day):
                        add(stamp.day.year)
    return sorted(counts, key=lambda year: (-counts[year], -year))


# ---------------------------------------------------------------------------
# Machine-readable strings (JSON-LD, meta content, datetime attributes)
# ---------------------------------------------------------------------------

_RE_ISO = re.compile(
    r"^\s*((?:19|20)\d\d)([-/.]?)(\d{1,2})\2(\d{1,2})"
    r"(?:\s*[T\s|]\s*(\d{1,2})[:h]?(\d{2})(?::(\d\d?)|(\d{2}))?(?:[.,]\d+)?)?"
    r"\s*((?:GMT|UTC)\s*[+-]\d\d?(?::?\d\d)?|[+-]\d\d:?\d\d|[+-]\d\d(?!\d)|Z|UTC|GMT)?",
    re.IGNORECASE,
)
_RE_OFFSET = re.compile(r"(?:GMT|UTC)?\s*([+-])(\d\d?)(?::?(\d\d))?\b|\b(UTC|GMT|Z)\b")
_TZ_ABBREVIATIONS = {
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00",
    "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00", "CET": "+01:00", "CEST": "+02:00",
    "BST": "+01:00", "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00", "JST": "+09:00",
    "KST": "+09:00", "AEST": "+10:00", "AEDT": "+11:00", "WIB": "+07:00", "HKT": "+08:00",
}
# "Mon Jan 13 13:37:49 UTC 2020" (Unix date, Java Date.toString).
_RE_UNIX_DATE = re.compile(
    rf"{_MON}\s+(\d{{1,2}})\s+(\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?\s+(?:[A-Z]{{2,5}}\s+)?((?:19|20)\d\d)",
    re.IGNORECASE,
)
_RE_TZ_WORD = re.compile(r"\b(" + "|".join(_TZ_ABBREVIATIONS) + r")\b")


def _norm_offset(text: str | None) -> str | None:
    """"Z", "GMT", "+0300", "+03", "GMT+3", "-03:30" -> "+00:00", "+03:00", "-03:30"."""
    if not text:
        return None
    text = text.upper().replace("GMT", "").replace("UTC", "").strip()
    if text in ("Z", ""):
        return "+00:00"
    m = re.fullmatch(r"([+-])(\d\d?)(?::?(\d\d))?", text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    if hours == minutes == 0:
        return "+00:00"
    return f"{m.group(1)}{hours:02d}:{minutes:02d}"


# A machine-readable date string longer than this is not one.
_MAX_STAMP_CHARS = 120


def _parse_stamp(value: str, mdy: bool = False) -> _Stamp | None:
    """Read one machine-oriented date string (ISO 8601 and the variants sites emit).

    Handles ``2021-07-22T14:05:00+0300``, ``20210722T140500Z``, ``2021-7-22``,
    ``2021-07-22 14:05:00.000000 CEST``, epoch seconds, RFC 2822 and JavaScript
    ``Date.toString()`` output; anything else goes through the free-text reader.
    """
    value = value.strip().translate(_DIGITS)
    if not value or len(value) > _MAX_STAMP_CHARS:
        return None
    if value.isdigit():
        if len(value) in (10, 13):  # epoch seconds / milliseconds
            seconds = int(value) / (1000 if len(value) == 13 else 1)
            try:
                moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):
                return None
            return _Stamp(moment.date(), (moment.hour, moment.minute, moment.second), "+00:00")
        if len(value) != 8:
            return None
    m = _RE_ISO.match(value)
    if m:
        sep = m.group(2)
        if sep == "" and (len(m.group(3)) != 2 or len(m.group(4)) != 2):
            m = None
    if m:
        day = _mk_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if day is None:
            return None
        if m.group(5) is None:
            return _Stamp(day)
        h, mi, s = int(m.group(5)), int(m.group(6)), int(m.group(7) or m.group(8) or 0)
        if h > 23 or mi > 59 or s > 59:
            return _Stamp(day)
        offset = _norm_offset(m.group(9))
        if offset is None:
            word = _RE_TZ_WORD.search(value, m.end())
            offset = _TZ_ABBREVIATIONS[word.group(1)] if word else None
        return _Stamp(day, (h, mi, s), offset)
    m = _RE_UNIX_DATE.search(value)
    if m:
        month = _MONTHS.get(m.group(1).lower().rstrip("."))
        day = _mk_date(int(m.group(6)), month or 0, int(m.group(2)))
        if day is not None:
            h, mi, s = int(m.group(3)), int(m.group(4)), int(m.group(5) or 0)
            word = _RE_TZ_WORD.search(value)
            offset = "+00:00" if re.search(r"\b(?:UTC|GMT)\b", value) else (
                _TZ_ABBREVIATIONS[word.group(1)] if word else None)
            if h <= 23 and mi <= 59 and s <= 59:
                return _Stamp(day, (h, mi, s), offset)
            return _Stamp(day)
    found = _dates_in_text(value, mdy)
    if not found:
        return None
    _, stamp, _ = found[0]
    clock = stamp.clock
    if clock is None:
        # "04:25:06 PM IST Apr 08, 2020", "Mon Jan 13 13:37:49 UTC 2020": clock before the year.
        cm = re.search(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?", value, re.IGNORECASE)
        if cm:
            h, mi, s = int(cm.group(1)), int(cm.group(2)), int(cm.group(3) or 0)
            ampm = (cm.group(4) or "").lower()
            if ampm == "pm" and h < 12:
                h += 12
            elif ampm == "am" and h == 12:
                h = 0
            if h <= 23 and mi <= 59 and s <= 59:
                clock = (h, mi, s)
    offset = None
    if clock is not None:
        om = _RE_OFFSET.search(value)
        if om:
            offset = "+00:00" if om.group(4) else _norm_offset(
                f"{om.group(1)}{om.group(2)}{om.group(3) or ''}")
        else:
            word = _RE_TZ_WORD.search(value)
            offset = _TZ_ABBREVIATIONS[word.group(1)] if word else None
    return _Stamp(stamp.day, clock, offset)


def parse_date_string(value: str, *, month_first: bool = False) -> str | None:
    """ISO 8601 form of one date string as found in feeds, ``<meta>`` or ``datetime``.

    Returns ``"2021-07-22"`` or ``"2021-07-22T14:05:00+03:00"`` (time and offset only
    when given), or None when no full date can be read. ``month_first`` reads an
    ambiguous ``03/04/2021`` as March 4.
    """
    stamp = _parse_stamp(value, month_first)
    return stamp.iso() if stamp else None


# ---------------------------------------------------------------------------
# Relative stamps
# ---------------------------------------------------------------------------

_UNIT_DAYS = {"second": 1 / 86400, "minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7,
              "month": 30, "year": 365}
# Each word of lexicon.TIME_UNITS → its unit.
_UNITS = {w: unit for units in lexicon.TIME_UNITS.values() for unit, words in units.items()
          for w in words.split()}
_UNIT_ALT = "|".join(sorted((re.escape(w) for w in _UNITS), key=len, reverse=True))
_NUM = rf"(\d{{1,3}}|{lexicon.alternation(lexicon.RELATIVE_ONE)})"
_HU_UNITS = {w: unit for units in lexicon.AGO_UNITS.values() for w, unit in units.items()}
_RE_RELATIVE = re.compile(
    "|".join(
        (
            rf"{_NUM}\s*({_UNIT_ALT})\s*(?:{lexicon.alternation(lexicon.AGO_AFTER)})(?!\w)",
            rf"(?<!\w)(?:{lexicon.alternation(lexicon.AGO_BEFORE)})\s+{_NUM}\s*"
            rf"({_UNIT_ALT})(?!\w)",
            rf"(?<!\w)(\d{{1,3}})\s+({'|'.join(_HU_UNITS)})(?!\w)",
        )
    ),
    re.IGNORECASE,
)
_RE_TODAY = re.compile(
    rf"(?<!\w)({lexicon.alternation(lexicon.TODAY_WORDS, lexicon.YESTERDAY_WORDS)})(?!\w)",
    re.IGNORECASE,
)
_YESTERDAY = {w.replace(r"\s+", " ") for w in lexicon.words(lexicon.YESTERDAY_WORDS)}
_RE_HHMM = re.compile(r"(?<!\d)\d{1,2}[:h]\d{2}(?!\d)")
# "Today" counts as a date with a clock within this many characters of it.
_TODAY_CLOCK_REACH = 12


def _relative_in_text(text: str, now: datetime) -> date | None:
    m = _RE_RELATIVE.search(text)
    if m:
        groups = [g for g in m.groups() if g is not None]
        count_text, unit_word = groups[0], groups[1].lower()
        count = int(count_text) if count_text.isdigit() else 1
        unit = _UNITS.get(unit_word) or _HU_UNITS.get(unit_word)
        if unit:
            return (now - timedelta(days=count * _UNIT_DAYS[unit])).date()
    m = _RE_TODAY.search(text)
    # "Today" alone is a section name ("On air today"); with a clock it is a stamp.
    if m and _RE_HHMM.search(text, max(0, m.start() - _TODAY_CLOCK_REACH), m.end() + _TODAY_CLOCK_REACH):
        word = re.sub(r"\s+", " ", m.group(1).lower())
        return (now - timedelta(days=1 if word in _YESTERDAY else 0)).date()
    return None


# ---------------------------------------------------------------------------
# Page regions
# ---------------------------------------------------------------------------

# Class/id words of containers whose dates are not the article's own. Matched against
# whole parts of class/id names ("related-posts" -> "related", "posts") so that a word
# inside an unrelated name ("canvas", "nextgen") does not count. The English CSS names
# are here; those of other languages are lexicon.CLASS_DATE_NOISE(_WORDS).
_NOISE_WORDS = (
    "comment comments commentlist disqus respond "
    "reply replies related recommended recommendations recommend "
    "popular trending mostread sidebar footer newsletter masthead today weather ticker "
    "outbrain taboola promo pagination pager calendar copyright "
    "cookie cookies navbar navigation menu topbar toplinks sponsored embed twitter-tweet "
    "instagram-media"
)
_RE_NOISE = re.compile(
    r"comment|related|sidebar|footer|recommend|outbrain|taboola|disqus|newsletter|masthead|"
    r"more-?stor|more-?news|read-?more|most-?read|current-?date|site-?header|see-?also|also-?read|"
    + lexicon.alternation(lexicon.CLASS_DATE_NOISE) + "|"
    r"(?<![^\s_\-])(?:" + "|".join(_NOISE_WORDS.split()) + "|"
    + lexicon.alternation(lexicon.CLASS_DATE_NOISE_WORDS) + r")(?![^\s_\-])",
    re.IGNORECASE,
)
# Names that mark the article's own byline, even inside a "card-footer" or "sidebar".
_RE_BYLINE = re.compile(
    r"byline|dateline|article-?header|article-?meta|entry-?meta|post-?meta|story-?meta|"
    r"article-?info|publish|pubdate|article-?date|post-?date|entry-?date|story-?date",
    re.IGNORECASE,
)
# <blockquote> holds quoted material and embedded posts (tweets carry their own dates).
# <aside> is not listed: inside an article it often holds the byline.
_NOISE_TAGS = {"footer", "nav", "form", "select", "option", "button", "noscript", "template",
               "script", "style", "iframe", "svg", "textarea", "blockquote"}
_SKIP_TEXT_TAGS = {"script", "style", "noscript", "template", "option", "select", "button",
                   "textarea", "svg"}
# Labels in front of a date that make it a modification stamp, and those that make it
# the publication one ("Publié le 3 mars, mis à jour le 4 mars").
_UPDATE_WORDS = re.compile(lexicon.alternation(lexicon.UPDATE_LABELS), re.IGNORECASE)
_PUBLISH_WORDS = re.compile(lexicon.alternation(lexicon.PUBLISH_LABELS), re.IGNORECASE)


def _is_noise(el: HtmlElement) -> bool:
    tag = el.tag
    if not isinstance(tag, str) or tag in _NOISE_TAGS:
        return True
    attrib = el.attrib
    marks = attrib.get("class")
    ident = attrib.get("id")
    if ident:
        marks = f"{marks} {ident}" if marks else ident
    return bool(marks) and _RE_NOISE.search(marks) is not None and not _RE_BYLINE.search(marks)


# How many ancestors are looked at for page furniture.
_NOISE_MAX_DEPTH = 40


def _in_noise(el: HtmlElement) -> bool:
    """Whether ``el`` sits in page furniture (comments, related lists, footer...).

    A "noisy" container that also holds an ``<h1>`` is a layout wrapper such as
    ``<div class="layout-right-sidebar">`` around the whole story, not furniture.
    """
    node: HtmlElement | None = el
    depth = 0
    while node is not None and depth < _NOISE_MAX_DEPTH:
        if node.tag in ("body", "html"):
            return False
        if _is_noise(node) and (node.tag in _NOISE_TAGS or node.find(".//h1") is None):
            return True
        node = node.getparent()
        depth += 1
    return False


_RE_WORD = re.compile(r"\w+")
_RE_TITLE_SPLIT = re.compile(r"\s+[|–—:·•»«\-]\s+|\s+::\s+")


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))  # soft hyphens, zero widths


def _tokens(text: str) -> set[str]:
    return {t for t in _RE_WORD.findall(text.translate(_INVISIBLE).lower()) if len(t) > 1 or not t.isascii()}


def _title_sets(doc: HtmlElement, meta: dict[str, list[str]]) -> list[set[str]]:
    titles = []
    for key in ("og:title", "twitter:title"):
        if meta.get(key):
            titles.append(meta[key][0])
    title_el = doc.find("head/title")
    if title_el is None:
        title_el = doc.find(".//title")
    if title_el is not None and title_el.text:
        titles.append(title_el.text)
    sets = []
    for text in titles:
        sets.append(_tokens(text))
        parts = [p for p in _RE_TITLE_SPLIT.split(text) if p.strip()]
        if len(parts) > 1:
            sets.append(_tokens(max(parts, key=len)))
    return [s for s in sets if s]


# A heading whose home-page link holds this share of its text is the site's logo.
_LOGO_LINK_SHARE = 0.8


def _is_logo(el: HtmlElement) -> bool:
    """A heading that is nothing but a link to the home page is the site's logo."""
    text = el.text_content().strip()
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        try:
            parts = urlsplit(href)
        except ValueError:
            continue
        if parts.path.strip("/").lower() in ("", "index.html", "index.php") and not parts.query:
            return len(a.text_content().strip()) >= _LOGO_LINK_SHARE * len(text)
    return False


# Title headings: at most this many words (a longer "heading" is text); words beyond
# _TITLE_WORDS_CAP do not make a heading a better match; a heading matches the page title
# when their word overlap (Dice) exceeds _TITLE_MATCH_MIN, and surely at _TITLE_MATCH_SURE;
# at most _TITLE_MAX_HEADINGS headings are compared.
_TITLE_MAX_WORDS = 60
_TITLE_WORDS_CAP = 12
_TITLE_MATCH_MIN = 0.5
_TITLE_MATCH_SURE = 0.8
_TITLE_MAX_HEADINGS = 60


def title_heading(doc: HtmlElement, meta: dict[str, list[str]]) -> HtmlElement | None:
    """The element that carries the article title: its byline is where the date is.

    Headings are compared with the page title (``og:title``, ``<title>``); a site
    logo in an ``<h1>`` matches at most the site-name part, so on a tie the longer
    heading wins. Without any title, the first ``<h1>`` outside page furniture.
    """
    title_sets = _title_sets(doc, meta)
    best, best_key = None, (0.0, 0)

    def consider(el: HtmlElement) -> None:
        nonlocal best, best_key
        if is_hidden(el):
            return  # a heading for screen readers only: the page shows its title elsewhere
        words = _tokens(el.text_content())
        if not words or len(words) > _TITLE_MAX_WORDS:
            return
        score = max(2 * len(words & s) / (len(words) + len(s)) for s in title_sets)
        key = (round(score, 1), min(len(words), _TITLE_WORDS_CAP))
        if key > best_key and score > _TITLE_MATCH_MIN and not _is_logo(el):
            best, best_key = el, key

    seen = 0
    for tag in ("h1", "h2", "h3"):
        for h in doc.iter(tag):
            seen += 1
            if seen > _TITLE_MAX_HEADINGS:
                break
            if not title_sets:
                if tag == "h1" and h.text_content().strip() and not _in_noise(h) and not _is_logo(h) \
                        and not is_hidden(h):
                    return h
                continue
            consider(h)
        if best_key[0] >= _TITLE_MATCH_SURE:
            return best
    if best is None and title_sets:
        # No heading tag: sites that style a <div class="title"> or mark itemprop=headline.
        body = doc.find("body")
        if body is not None:
            # One attribute test per element ("tit" covers title, titulo, titre, titel...,
            # in any case: "newsTitle", "ArticleTitle").
            for el in body.xpath(
                'descendant::*[contains(translate(concat(@class, " ", @id), "TIHEADLN", "tiheadln"), "tit")'
                ' or @itemprop="headline"'
                ' or contains(translate(concat(@class, " ", @id), "TIHEADLN", "tiheadln"), "headline")'
                ' or contains(@id, "topic")][position() <= 80]'
            ):
                if el.tag not in ("a", "img", "title", "meta", "link", "script", "style"):
                    consider(el)
    if best is None:
        # A headline worded unlike the page title: the page's first <h1> still heads the story.
        for h in doc.iter("h1"):
            if h.text_content().strip() and not _in_noise(h) and not _is_logo(h) and not is_hidden(h):
                return h
    return best


def _flow_after(start: HtmlElement, boundary: HtmlElement | None) -> Iterator[tuple[HtmlElement, str | None]]:
    """Elements and their text in reading order after ``start`` (skipping its subtree).

    Yields ``(element, None)`` when an element opens (to read its attributes) and
    ``(element, text)`` for each text run; noisy containers are skipped whole. The
    walk does not leave ``boundary`` (the ``<article>`` around the headline).
    """
    node = start
    articles = _Articles(0 if boundary is not None else 1)
    while node is not None and node is not boundary:
        if node.tail and node.tail.strip():
            yield node.getparent(), node.tail
        for sib in node.itersiblings():
            yield from _flow_into(sib, articles)
            if sib.tail and sib.tail.strip():
                yield sib.getparent(), sib.tail
        node = node.getparent()
        if node is None or node.tag == "body":
            return


class _Articles:
    """How many more ``<article>`` elements a walk may enter.

    An ``<article>`` met on the way is another story (a teaser, a comment), except
    the first one after a headline that stands outside any article: that one is
    often the story body with its byline.
    """

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed

    def enter(self, article: HtmlElement) -> bool:
        # A teaser card has a linked headline of its own; the story body does not.
        if self.allowed > 0 and not any(_is_teaser_heading(h) for h in article.iter("h1", "h2", "h3")):
            self.allowed -= 1
            return True
        return False


def _flow_into(el: HtmlElement, articles: _Articles | None = None) -> Iterator[tuple[HtmlElement, str | None]]:
    """``el`` and its subtree in reading order, without page furniture.

    A ``<header>`` entered from outside is the site's (or another story's) header,
    with its "today" date; the headline's own header is an ancestor, never entered.
    """
    if not isinstance(el.tag, str) or el.tag in _SKIP_TEXT_TAGS or el.tag == "header" or _is_noise(el):
        return
    if el.tag == "article" and (articles is None or not articles.enter(el)):
        return
    yield el, None
    if el.text and el.text.strip():
        yield el, el.text
    for child in el:
        yield from _flow_into(child, articles)
        if child.tail and child.tail.strip():
            yield el, child.tail


def _flow_back(el: HtmlElement) -> Iterator[tuple[HtmlElement, str | None]]:
    """``_flow_into`` in reverse reading order (last text first), lazily."""
    if not isinstance(el.tag, str) or el.tag in _SKIP_TEXT_TAGS or el.tag == "header" or _is_noise(el):
        return
    for child in reversed(el):
        if child.tail and child.tail.strip():
            yield el, child.tail
        yield from _flow_back(child)
    if el.text and el.text.strip():
        yield el, el.text
    yield el, None


def _flow_before(start: HtmlElement, boundary: HtmlElement | None) -> Iterator[tuple[HtmlElement, str | None]]:
    """Elements and text runs before ``start``, nearest first, within ``boundary``."""
    node = start
    while node is not None and node is not boundary:
        for sib in node.itersiblings(preceding=True):
            if sib.tail and sib.tail.strip():
                yield sib.getparent(), sib.tail
            yield from _flow_back(sib)
        parent = node.getparent()
        if parent is None or parent.tag == "body" or parent is boundary:
            return
        if parent.text and parent.text.strip():
            yield parent, parent.text
        node = parent


# ---------------------------------------------------------------------------
# Individual sources
# ---------------------------------------------------------------------------

_LD_PUBLISHED = ("datePublished", "dateCreated", "uploadDate", "dateIssued")
_LD_CONTENT_TYPES = {"question", "qapage", "answer", "videoobject", "audioobject", "podcastepisode",
                     "episode", "clip", "mediaobject", "blog", "collectionpage", "itempage"}

_META_PUBLISHED = (
    "article:published_time", "og:article:published_time", "article:published",
    "og:published_time", "published_time", "datepublished", "publishdate", "publish-date",
    "publish_date", "publication_date", "publication-date", "pubdate", "pub_date",
    "article.published", "article_date_original", "original-publish-date",
    "originalpublicationdate", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dc.date.published", "citation_publication_date", "citation_date",
    "citation_online_date", "prism.publicationdate", "bt:pubdate", "analyticsattributes.articledate",
    "cxenseparse:recs:publishtime", "rnews:datepublished", "og:pubdate", "article:post_date",
    "release_date", "release:date", "date_published",
)
# Names that say "a date" without saying which: used only when no publication tag exists.
_META_GENERIC = ("dc.date", "dcterms.date", "date", "og:date", "timestamp", "displaydate")
_META_CREATED = ("datecreated", "dc.date.created", "dcterms.created", "article:created",
                 "uploaddate", "created", "creation_date")
_META_MODIFIED = (
    "article:modified_time", "og:article:modified_time", "article:modified", "og:updated_time",
    "article:updated_time", "datemodified", "modified_time", "updated_time", "dc.date.modified",
    "dcterms.modified", "last_updated_date", "last-updated", "lastmod", "last-modified",
    "bt:moddate", "revision_date", "article:modified_date", "og:modified_time",
)


def _ld_value(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value")
    return value if isinstance(value, str) else None


def _norm_url(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # "http://[bad" and friends
        return value
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    return host + parts.path.rstrip("/")


def _refers_to(obj: dict, here: str) -> bool:
    for ref in (obj.get("url"), obj.get("@id"), obj.get("mainEntityOfPage")):
        if isinstance(ref, dict):
            ref = ref.get("@id") or ref.get("url")
        if isinstance(ref, str) and ref and _norm_url(ref.split("#")[0]) == here:
            return True
    return False


def _main_ld_object(objects: list[dict], url: str | None) -> dict | None:
    """The JSON-LD object describing this page's article (not a related one).

    An article type beats the generic WebPage around it; among several articles,
    the one whose ``url``/``@id``/``mainEntityOfPage`` is this page wins.
    """
    dated = _LD_PUBLISHED + ("dateModified",)
    arts = [o for o in article_objects(objects) if any(k in o for k in dated)]
    if not arts:
        arts = [o for o in objects if types_of(o) & _LD_CONTENT_TYPES and any(k in o for k in dated)]
    if not arts:
        # Some sites forget the @type: an untyped object with a headline and a date.
        arts = [o for o in objects if "@type" not in o and "headline" in o and any(k in o for k in dated)]
    if not arts:
        return None
    specific = [o for o in arts if not types_of(o) <= {"webpage", "creativework"}]
    pool = specific or arts
    if url and len(pool) > 1:
        here = _norm_url(url)
        for obj in pool:
            if _refers_to(obj, here):
                return obj
    return pool[0]


_RE_LD_DATE = re.compile(r'"(datePublished|dateCreated|dateModified)"\s*:\s*"([^"]{6,40})"')


def _ld_unparsed(doc: HtmlElement) -> dict[str, str]:
    """Date fields of JSON-LD blocks that are not valid JSON (a stray brace, a comment).

    Such blocks are lost to :func:`structured.json_ld`, yet their dates are exactly
    what the publisher meant; only the blocks that fail to parse are read this way.
    """
    found: dict[str, str] = {}
    for script in doc.iter("script"):
        text = script.text
        if not text or "ld+json" not in (script.get("type") or "").lower() or '"date' not in text:
            continue
        try:
            json.loads(text, strict=False)
            continue
        except ValueError:
            pass
        for m in _RE_LD_DATE.finditer(text):
            found.setdefault(m.group(1), m.group(2))
    return found


def _body_microdata(doc: HtmlElement) -> list[tuple[str, str]]:
    """``itemprop=datePublished/dateModified`` values marked up in the page body."""
    body = doc.find("body")
    if body is None:
        return []
    out = []
    for el in body.xpath('.//*[@itemprop="datePublished" or @itemprop="dateModified"][position() <= 20]'):
        if el.tag == "meta" or _in_noise(el):
            continue  # body <meta> tags already come with the meta dict
        value = el.get("content") or el.get("datetime") or el.text_content()
        if value and value.strip():
            out.append((el.get("itemprop"), value))
    return out


_RE_URL_SLASHES = re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?=/|$|[-_.])")
_RE_URL_MONTH_NAME = re.compile(r"/((?:19|20)\d\d)/([a-z]{3,9})/(\d{1,2})(?=/|$|[-_.])", re.IGNORECASE)
_RE_URL_DASHES = re.compile(r"(?<!\d)((?:19|20)\d\d)([-_])(\d{1,2})\2(\d{1,2})(?!\d)")
_RE_URL_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(\d*)")
_RE_URL_YM = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/")


def _url_date(url: str | None) -> tuple[date | None, tuple[int, int] | None]:
    """The day (or only the year and month) written in the URL path."""
    if not url:
        return None, None
    capture = web_archive_capture(url)
    if capture is not None:  # an archived copy's address: the date is in the original's
        url = capture.original
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None, None
    for m in _RE_URL_SLASHES.finditer(path):
        day = _mk_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day:
            return day, None
    for m in _RE_URL_MONTH_NAME.finditer(path):
        month = _MONTHS.get(m.group(2).lower())  # "/2019/nov/18/"
        day = _mk_date(int(m.group(1)), month, int(m.group(3))) if month else None
        if day:
            return day, None
    for m in _RE_URL_DASHES.finditer(path):
        day = _mk_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if day:
            return day, None
    for m in _RE_URL_COMPACT.finditer(path):
        rest = m.group(4)
        # 8 digits alone, a YYYYMMDDhhmm(ss) stamp, or a long id that starts with the day.
        if rest and len(rest) not in (4, 6) and m.start() > 0 and path[m.start() - 1] not in "/-_":
            continue
        day = _mk_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day:
            return day, None
    ym = _RE_URL_YM.search(path)
    if ym:
        return None, (int(ym.group(1)), int(ym.group(2)))
    return None, None


def _is_root(url: str | None) -> bool:
    """Whether the URL is a site's home page, which has no publication date."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path.strip("/").lower()
    return path in ("", "index.html", "index.htm", "index.php", "home", "default.aspx") and not parts.query


def _page_lang(doc: HtmlElement, meta: dict[str, list[str]]) -> str:
    """The page language as "de", "en-us"...: it decides day/month order and month names."""
    lang = doc.get("lang") or doc.get("xml:lang") or ""
    if not lang:
        for key in ("og:locale", "content-language", "language", "dc.language"):
            if meta.get(key):
                lang = meta[key][0]
                break
    return lang.strip().lower().replace("_", "-")


def _prefers_mdy(lang: str, url: str | None) -> bool:
    """Whether an ambiguous 03/04/2021 most likely means March 4 on this page.

    Month-first is American (and Philippine, and common in Canada); everybody else
    writes the day first. A bare "en" page decides by its domain.
    """
    if lang.startswith(("en-us", "en-ph", "fil", "en-ca")):
        return True
    if lang and lang not in ("en", "en-"):
        return False
    try:
        host = urlsplit(url).netloc.lower() if url else ""
    except ValueError:
        host = ""
    tld = host.rsplit(".", 1)[-1] if host else ""
    return tld in ("com", "us", "gov", "edu", "org", "net", "")


# ---------------------------------------------------------------------------
# Near the headline
# ---------------------------------------------------------------------------

_MAX_CHUNK = 120  # bylines are short; a long run of text is the story itself


@dataclass
class _Near:
    after: list[_Cand]
    before: list[_Cand]
    modified: list[_Cand]
    relative: list[_Cand]
    yearless: list[tuple[int, int]]
    marked: list[_Cand]

    def published(self, lo: date, hi: date) -> list[_Cand]:
        """Dates printed as publication stamps, the one nearest the headline first."""
        return _valid(self.after + self.before + self.marked, lo, hi)


_DATE_ATTRIBUTES = ("datetime", "data-datetime", "data-date", "data-published", "data-timestamp",
                    "data-publish-date", "data-pubdate")


def _machine_value(el: HtmlElement, prop: str) -> str | None:
    """A machine-readable date carried by the element's attributes, if any.

    ``<time datetime>``, ``<amp-timeago datetime>``, ``data-*`` stamps, microdata
    ``content``, and hAtom's ``<abbr class="published" title="...">``.
    """
    attrib = el.attrib
    if prop in ("datepublished", "datecreated", "datemodified"):
        value = attrib.get("content") or attrib.get("datetime")
        if value:
            return value
    for name in _DATE_ATTRIBUTES:
        value = attrib.get(name)
        if value:
            return value
    if attrib.get("title") and (el.tag in ("abbr", "time") or _RE_DATE_MARK.search(attrib.get("class") or "")):
        return attrib.get("title")  # microformats: <span class="updated" title="2013-04-04T18:52">
    return None


# A run shorter than this is a label ("Updated:", "Publié le") for the date in the next run;
# this many characters before a date (after it, for CJK "更新") are read as its label.
_LABEL_MAX_CHARS = 40
_LABEL_REACH = 40
_UPDATE_AFTER_REACH = 40
# A relative stamp ("3 hours ago") is read only in a run shorter than this; a day and month
# without a year only in a run of at most _YEARLESS_MAX_CHARS.
_RELATIVE_MAX_CHARS = 60
_YEARLESS_MAX_CHARS = 32


def _chunk_candidates(
    el: HtmlElement, text: str | None, where: str, mdy: bool, lang: str, now: datetime,
    near: _Near, bucket: list[_Cand], prev_label: str,
) -> str:
    """Read one element/text run; returns the label to carry to the next run."""
    if text is None:
        prop = (el.get("itemprop") or "").lower()
        value = _machine_value(el, prop)
        if value:
            stamp = _parse_stamp(value, mdy)
            if stamp is not None:
                label = f"{prev_label} {el.text_content()[:_LABEL_REACH]}"
                kind = (f"itemprop {el.get('itemprop')}" if prop else
                        "time[datetime]" if el.tag == "time" else f"{el.tag} date attribute")
                cand = _Cand(stamp, f"{kind} {where}")
                if prop == "datemodified" or (prop != "datepublished" and (
                        _marked_updated(el) or _is_update_label(label))):
                    near.modified.append(cand)
                else:
                    bucket.append(cand)
        return prev_label
    text = " ".join(text.split())
    if len(text) > _MAX_CHUNK:
        # A paragraph of the story that opens with its dateline: "27.1.2022 – Bei der…",
        # "BERLIN (dpa), 18.01.2018 – …".
        for _pos, stamp, alt in _dateline(text, mdy, lang):
            bucket.append(_Cand(stamp, f"dateline {where}", alt))
        return ""
    found = _dates_in_text(text, mdy, lang)
    if not found:
        rel = _relative_in_text(text, now) if len(text) < _RELATIVE_MAX_CHARS else None
        if rel is not None and not _is_update_label(prev_label + " " + text):
            near.relative.append(_Cand(_Stamp(rel), f"relative text {where}"))
        elif len(text) <= _YEARLESS_MAX_CHARS and not near.yearless:
            # Only a short run that is essentially the stamp ("Nov 18", "2月15日（土）").
            month_day = _yearless_in_text(text, lang)
            if month_day and not _is_update_label(prev_label + " " + text):
                near.yearless.append(month_day)
        # A bare label ("Updated:", "Publié le") applies to the next run.
        return text if len(text) < _LABEL_MAX_CHARS else ""
    updated_element = _marked_updated(el)
    for pos, stamp, alt in found:
        label = prev_label + " " + text[max(0, pos - _LABEL_REACH):pos]
        cand = _Cand(stamp, f"text {where}", alt)
        if updated_element or _is_update_label(label) \
                or _RE_UPDATE_AFTER.search(text, pos, pos + _UPDATE_AFTER_REACH):
            near.modified.append(cand)
        else:
            bucket.append(cand)
    return ""


# How far into a paragraph its dateline may start (after a place name, an agency), and
# how many characters its date may take.
_DATELINE_REACH = 40
_DATELINE_DATE_CHARS = 30


# After a dateline's date (and its clock) comes a dash, a colon, a bar or a bracket, not
# the rest of a sentence ("Seit dem 1. Januar 2022 ist…" is no dateline).
_RE_DATELINE_END = re.compile(
    r"^.{0,20}?(?<!\d)(?:19|20)\d\d(?:[,\s]+\d{1,2}[:.h]\d{2}(?:\s*(?:Uhr|h|am|pm))?)?\s*[)\]]?\s*[-–—|:)\]]",
    re.IGNORECASE)


def _dateline(text: str, mdy: bool, lang: str) -> list[tuple[int, _Stamp, _Stamp | None]]:
    """The date a long run of text opens with, if it opens with a dateline."""
    head = text[:_DATELINE_REACH + _DATELINE_DATE_CHARS]
    return [d for d in _dates_in_text(head, mdy, lang)[:1]
            if d[0] <= _DATELINE_REACH and not _is_update_label(head[:d[0]])
            and _RE_DATELINE_END.match(head.translate(_DIGITS)[d[0]:])]


_RE_CLASS_UPDATED = re.compile(r"updated|modified|last-?mod|" + lexicon.alternation(lexicon.CLASS_UPDATED),
                               re.IGNORECASE)
_RE_CLASS_PUBLISHED = re.compile(r"publish|pubdate|created|posted|entry-date", re.IGNORECASE)


def _marked_updated(el: HtmlElement) -> bool:
    """``class="updated"`` (hAtom) marks a modification stamp, unless the same element
    is also marked as the publication one (WordPress: "entry-date published updated")."""
    marks = el.get("class") or ""
    return bool(marks) and _RE_CLASS_UPDATED.search(marks) is not None and not _RE_CLASS_PUBLISHED.search(marks)


# CJK put the label after the stamp: "2021年7月23日 9時30分 更新".
_RE_UPDATE_AFTER = re.compile(lexicon.alternation(lexicon.UPDATE_LABELS_AFTER))
_RE_PUBLISH_AFTER = re.compile(lexicon.alternation(lexicon.PUBLISH_LABELS_AFTER), re.IGNORECASE)
# A date that is a whole element of its own ("<nobr>19. Mai 2010</nobr>") takes the verb
# from the line around it when that line is this short.
_PUBLISH_AFTER_LINE_CHARS = 300


def _published_after(el: HtmlElement, run: str, pos: int) -> bool:
    """Whether "published" follows the date at ``pos`` of the text run (as in German or
    Japanese word order), in the run itself or, for a date set in an element of its
    own, in the short line around it."""
    reach = pos + _DATELINE_DATE_CHARS + _UPDATE_AFTER_REACH
    if _RE_PUBLISH_AFTER.search(run, pos, reach):
        return True
    own = " ".join((el.text or "").split())
    parent = el.getparent()
    if own != run or parent is None:
        return False
    pieces: list[str] = []
    raw = 0
    for piece in parent.itertext():  # read no further than a short line can reach
        raw += len(piece)
        if raw > _PUBLISH_AFTER_LINE_CHARS * 4:
            return False
        pieces.append(piece)
    line = " ".join("".join(pieces).split())
    if len(line) > _PUBLISH_AFTER_LINE_CHARS:
        return False
    at = line.find(run)
    return at >= 0 and bool(_RE_PUBLISH_AFTER.search(line, at + pos, at + reach))


def _is_update_label(label: str) -> bool:
    """Whether the nearest label before a date says "updated" rather than "published"."""
    updates = [m.start() for m in _UPDATE_WORDS.finditer(label)]
    if not updates:
        return False
    publishes = [m.start() for m in _PUBLISH_WORDS.finditer(label)]
    return not publishes or publishes[-1] < updates[-1]


_RE_DATE_MARK = re.compile(
    r"date|time|publish|posted|" + lexicon.alternation(lexicon.CLASS_DATE_MARK)
    + r"|datetime|timestamp|byline|meta",
    re.IGNORECASE,
)


_HAS_INNER_STAMP = etree.XPath(
    "boolean(.//*[self::time or @datetime or contains(@class, 'date') or contains(@class, 'time')"
    " or contains(@class, 'updated') or contains(@class, 'publish')])"
)


# The story container is at most this many levels above the headline.
_CONTAINER_MAX_STEPS = 5
# At most this many elements of it are read for a marked date.
_MARKED_MAX_ELEMENTS = 400


def _story_container(heading: HtmlElement, boundary: HtmlElement | None) -> HtmlElement | None:
    """The element holding the headline and the story: its ``<article>``, else the
    nearest ancestor with a few paragraphs in it."""
    if boundary is not None:
        return boundary
    node = heading.getparent()
    for _ in range(_CONTAINER_MAX_STEPS):
        if node is None or node.tag in ("body", "html"):
            return None
        if node.xpath("count(.//p) >= 3"):
            return node
        node = node.getparent()
    return None


def _marked_dates(heading: HtmlElement, boundary: HtmlElement | None, mdy: bool, lang: str,
                  now: datetime, near: _Near) -> None:
    """Dates the markup labels as such (``<time>``, ``class="date"``) in the story container.

    For layouts where a gallery or share bar pushes the byline far from the headline.
    """
    container = _story_container(heading, boundary)
    if container is None:
        return
    seen = 0
    modified = len(near.modified)
    for el, text in _flow_into(container, _Articles(1)):
        if text is not None:
            continue
        seen += 1
        if seen > _MARKED_MAX_ELEMENTS or (
                el.tag in _HEADINGS and _is_teaser_heading(el, heading.text_content().strip())):
            return
        _chunk_candidates(el, None, "in article", mdy, lang, now, near, near.marked, "")
        if near.marked or len(near.modified) > modified:
            return  # the first marked date is the byline's, even an "Updated" one
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag == "time" or (len(marks) > 1 and _RE_DATE_MARK.search(marks)):
            if _HAS_INNER_STAMP(el):
                continue  # "entry-meta" around <time class="updated">: let the inner one speak
            text = el.text_content()
            if len(text) <= _MAX_CHUNK:
                _chunk_candidates(el, text, "in article", mdy, lang, now, near, near.marked, "")
            if near.marked or len(near.modified) > modified:
                return


_HEADINGS = {"h1", "h2", "h3", "h4"}


# A heading whose link holds at least this share of its text is a link to another page.
_TEASER_LINK_SHARE = 0.5


def _is_teaser_heading(el: HtmlElement, title: str = "") -> bool:
    """A heading that is a link to another page: a teaser in a list of stories.

    The page's own title repeated as a link to itself does not count.
    """
    link = el.find(".//a[@href]")
    if link is None:
        parent = el.getparent()
        link = parent if parent is not None and parent.tag == "a" and parent.get("href") else None
    if link is None:
        return False
    href = link.get("href", "").strip()
    text = el.text_content().strip()
    if not href or href.startswith(("#", "javascript:")) or (title and text == title):
        return False
    return len(link.text_content().strip()) >= _TEASER_LINK_SHARE * len(text)


_MAX_LONG_RUNS = 3  # paragraphs of story text after which a byline is no longer expected
_AFTER_FIRST_HIT = 4  # text runs still read after the first date ("Published X | Updated Y")
# At most this many text runs and characters are read after the headline, and this many
# runs above it.
_NEAR_MAX_RUNS = 40
_NEAR_MAX_CHARS = 3000
_ABOVE_MAX_RUNS = 12


def _near_heading(heading: HtmlElement, mdy: bool, lang: str, now: datetime) -> _Near:
    """Dates printed in the byline area: after the headline, then just above it."""
    near = _Near([], [], [], [], [], [])
    boundary = next(heading.iterancestors("article"), None)
    title = heading.text_content().strip()
    label = ""
    texts = chars = long_runs = 0
    first_hit: int | None = None
    for el, text in _flow_after(heading, boundary):
        if text is None and el.tag in _HEADINGS and (long_runs or _is_teaser_heading(el, title)):
            # A section heading after story text, or another story's linked headline:
            # whatever date follows is not this story's.
            break
        label = _chunk_candidates(el, text, "near title", mdy, lang, now, near, near.after, label)
        if text is not None:
            texts += 1
            chars += len(text)
            if len(text) > _MAX_CHUNK:
                long_runs += 1
        if first_hit is None and (near.after or near.relative or near.modified):
            first_hit = texts
        if (first_hit is not None and texts >= first_hit + _AFTER_FIRST_HIT) or (
                texts > _NEAR_MAX_RUNS or chars > _NEAR_MAX_CHARS or long_runs >= _MAX_LONG_RUNS):
            break
    if near.after or near.relative:
        return near
    texts = 0
    for el, text in _flow_before(heading, boundary):
        if text is None and el.tag in _HEADINGS and _is_teaser_heading(el, title):
            break
        _chunk_candidates(el, text, "above title", mdy, lang, now, near, near.before, "")
        if text is not None:
            texts += 1
        if near.before or texts >= _ABOVE_MAX_RUNS:
            break
    if not near.before:
        _marked_dates(heading, boundary, mdy, lang, now, near)
    return near


# ---------------------------------------------------------------------------
# The whole page, as a last resort
# ---------------------------------------------------------------------------

# How much each kind of date is worth when the whole page is scanned…
_SCAN_WEIGHTS = {"published": 4.0, "marked in story": 3.0, "marked": 3.0, "labelled": 3.0, "date box": 2.0,
                 "text": 1.0}
# …plus a bonus for being close to the headline (in elements, document order)…
_SCAN_NEAR = ((30, 2.0), (150, 1.0))
# …and for each other place the same day is printed (up to a cap), and for being in the
# URL's month (a date outside it and the next months is not taken at all). The best
# candidate needs this score to be taken.
_SCAN_REPEAT_BONUS, _SCAN_REPEAT_CAP = 1.0, 2
_SCAN_URL_MONTH = 2.0
_SCAN_MIN_SCORE = 3.0
_SCAN_MAX_ELEMENTS = 20000
# A line that says "Date:" in front of its date.
_RE_DATE_LABEL = re.compile(rf"\b(?:{lexicon.alternation(lexicon.DATE_LABELS)})\s*:\s*$", re.IGNORECASE)
_RE_COPYRIGHT = re.compile(lexicon.alternation(lexicon.COPYRIGHT), re.IGNORECASE)


def _scan_flow(root: HtmlElement, heading: HtmlElement | None) -> Iterator[tuple[HtmlElement, str | None, bool]]:
    """Every element (then its text runs) below ``root`` in reading order, each with
    whether it sits in page furniture. ``root`` itself and the boxes around the headline
    are never furniture (``<body class="no-sidebars">``, ``<article
    class="node-promoted">``); the site's header and other stories' cards are skipped."""
    around = set(heading.iterancestors()) if heading is not None else set()
    stack: list[tuple[HtmlElement, bool, bool]] = [(child, False, False) for child in reversed(root)]
    while stack:
        el, done, furniture = stack.pop()
        if done:
            if el.tail and el.tail.strip() and el.getparent() is not None:
                yield el.getparent(), el.tail, furniture
            continue
        if not isinstance(el.tag, str) or el.tag in _SKIP_TEXT_TAGS:
            continue
        if el not in around and (
                # a header outside any story box, not holding the headline, is the site's
                # ("Saturday 24 July"); an <article>'s own header holds its byline
                (el.tag == "header" and heading is not None
                 and next(el.iterancestors("article", "main"), None) is None)
                # another story's card: its headline links to it
                or (el.tag == "article" and any(_is_teaser_heading(h) for h in el.iter("h1", "h2", "h3")))
                or (el.tag in ("div", "li", "section") and any(
                    child.tag in ("h2", "h3", "h4") and _is_teaser_heading(child) for child in el))):
            stack.append((el, True, furniture))
            continue
        outer = furniture
        if not furniture and el not in around and _is_noise(el) and (
                el.tag in _NOISE_TAGS or el.find(".//h1") is None):
            furniture = True
        yield el, None, furniture
        if el.text and el.text.strip():
            yield el, el.text, furniture
        stack.append((el, True, outer))
        for child in reversed(el):
            stack.append((child, False, furniture))


# A candidate: the stamp, its kind, its place in reading order, inside furniture or not.
_Found = list[tuple[_Cand, str, int, bool]]


def _scan_candidates(body: HtmlElement, heading: HtmlElement | None, mdy: bool, lang: str
                     ) -> tuple[_Found, _Found, int | None]:
    """Dates printed on the page: (publication candidates, "updated" ones, the
    headline's place), each candidate with its kind, its place in reading order and
    whether it sits in page furniture."""
    found: _Found = []
    updated: _Found = []
    heading_at: int | None = None
    label = ""
    story = next(heading.iterancestors("article"), None) if heading is not None else None
    order = seen = 0
    for el, text, furniture in _scan_flow(body, heading):
        seen += 1
        if seen > _SCAN_MAX_ELEMENTS:
            break
        if not furniture:
            order += 1  # distances to the headline count what a reader sees outside furniture
        if el is heading and text is None:
            heading_at = order
        if text is None:
            prop = (el.get("itemprop") or "").lower()
            value = _machine_value(el, prop)
            stamp = _parse_stamp(value, mdy) if value else None
            if stamp is not None:
                if prop == "datemodified" or _marked_updated(el):
                    updated.append((_Cand(stamp, f"{el.tag} updated on the page"), "marked", order, furniture))
                else:
                    marks = el.get("class") or ""
                    kind = "published" if prop in ("datepublished", "datecreated") or \
                        _RE_CLASS_PUBLISHED.search(marks) else "marked"
                    if kind == "marked" and story is not None and story in el.iterancestors():
                        kind = "marked in story"
                    found.append((_Cand(stamp, f"{el.tag} {kind} on the page"), kind, order, furniture))
            continue
        text = " ".join(text.split())
        if len(text) > _MAX_CHUNK:
            label = ""
            for _pos, stamp, alt in _dateline(text, mdy, lang):
                found.append((_Cand(stamp, "dateline on the page", alt), "date box", order, furniture))
            continue
        dated = _dates_in_text(text, mdy, lang)
        if not dated:
            label = text if len(text) < _LABEL_MAX_CHARS else ""
            continue
        if _RE_COPYRIGHT.search(text):
            label = ""
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        for pos, stamp, alt in dated:
            before = f"{label} {text[max(0, pos - _LABEL_REACH):pos]}"
            if _marked_updated(el) or _is_update_label(before) \
                    or _RE_UPDATE_AFTER.search(text, pos, pos + _UPDATE_AFTER_REACH):
                # "last edited 2019-11-10": the version's date, used only when the page
                # prints no other (a wiki page)
                updated.append((_Cand(stamp, "updated stamp on the page", alt), "labelled", order, furniture))
                continue
            kind = ("labelled" if _PUBLISH_WORDS.search(before) or _RE_DATE_LABEL.search(before)
                    or _published_after(el, text, pos) else
                    "date box" if len(marks) > 1 and _RE_DATE_MARK.search(marks) else "text")
            found.append((_Cand(stamp, f"{kind} on the page", alt), kind, order, furniture))
        label = ""
    return found, updated, heading_at


def _best_scanned(found: _Found, heading_at: int | None, lo: date, hi: date,
                  url_month: tuple[int, int] | None) -> _Cand | None:
    """The best-scored candidate, if it scores at least :data:`_SCAN_MIN_SCORE`."""
    found = [f for f in found if lo <= f[0].stamp.day <= hi]
    if url_month is not None:  # as for dates near the headline: that month, or the next few
        start = date(url_month[0], url_month[1], 1)
        found = [f for f in found if 0 <= (f[0].stamp.day - start).days <= _URL_MONTH_SLACK_DAYS]
    days: dict[date, int] = {}
    for f in found:
        days[f[0].stamp.day] = days.get(f[0].stamp.day, 0) + 1
    best: tuple[float, int] | None = None
    pick: _Cand | None = None
    for c, kind, order, _furniture in found:
        score = _SCAN_WEIGHTS[kind] + _SCAN_REPEAT_BONUS * min(days[c.stamp.day] - 1, _SCAN_REPEAT_CAP)
        if heading_at is not None:
            score += next((bonus for reach, bonus in _SCAN_NEAR if abs(order - heading_at) <= reach), 0.0)
        if url_month is not None and (c.stamp.day.year, c.stamp.day.month) == url_month:
            score += _SCAN_URL_MONTH
        key = (score, -order)
        if best is None or key > best:
            best, pick = key, c
    if best is None or best[0] < _SCAN_MIN_SCORE:
        return None
    return pick


# Kinds of dates trusted inside page furniture (a footer or sidebar that holds the
# page's own "published" line), when nothing outside it dates the page.
_SCAN_FURNITURE_KINDS = {"published", "labelled", "marked in story", "date box"}
# Publication stamps in scripts' data and in <meta> names of any vocabulary.
_RE_SCRIPT_DATE = re.compile(
    r'"(?:datePublished|publishedAt|published_at|publishDate|publish_date|publicationDate|'
    r'publication_date|first_?publish(?:ed)?_?(?:date|time|at)|createdAt|created_at|dateCreated|pubDate)"'
    r'\s*:\s*"([^"]{8,40})"', re.IGNORECASE)
_RE_META_DATE_KEY = re.compile(r"publish|pubdate|created|upload|posted|release|issued", re.IGNORECASE)
_RE_META_NOT_DATE = re.compile(r"modif|update|expir|valid|revis", re.IGNORECASE)
_SCAN_MAX_SCRIPT_CHARS = 2_000_000


def _data_candidates(doc: HtmlElement, meta: dict[str, list[str]], mdy: bool) -> _Found:
    """Publication stamps the page keeps in data: ``<meta>`` names outside the known
    vocabularies (``five_hundred_pixels:uploaded``) and date fields of scripts' JSON."""
    found: _Found = []
    for key, values in meta.items():
        if _RE_META_DATE_KEY.search(key) and not _RE_META_NOT_DATE.search(key):
            stamp = _parse_stamp(values[0], mdy)
            if stamp is not None:
                found.append((_Cand(stamp, f"meta {key}"), "published", -1, False))
    seen = 0
    for script in doc.iter("script"):
        text = script.text
        if not text or (script.get("type") or "").lower().endswith("ld+json"):
            continue
        seen += len(text)
        if seen > _SCAN_MAX_SCRIPT_CHARS:
            break
        for m in _RE_SCRIPT_DATE.finditer(text):
            stamp = _parse_stamp(m.group(1), mdy)
            if stamp is not None:
                found.append((_Cand(stamp, "script data"), "marked", -1, False))
    return found


def _labelled_line(doc: HtmlElement, heading: HtmlElement | None, mdy: bool, lang: str, lo: date, hi: date,
                   url_month: tuple[int, int] | None) -> _Cand | None:
    """The best date the page marks or labels as its publication's, outside furniture."""
    body = doc.find("body")
    if body is None:
        return None
    found, _updated, heading_at = _scan_candidates(body, heading, mdy, lang)
    strong = [f for f in found if not f[3] and f[1] in ("published", "labelled")]
    return _best_scanned(strong, heading_at, lo, hi, url_month)


def _page_scan(doc: HtmlElement, meta: dict[str, list[str]], heading: HtmlElement | None, mdy: bool,
               lang: str, lo: date, hi: date, url_month: tuple[int, int] | None) -> _Cand | None:
    """The likeliest publication date among all the page prints, when nothing closer
    to the headline or in the page's metadata said one.

    Dates marked up or labelled as publication stamps count most, then dates in date
    boxes, then plain text; a day near the headline, printed several times, or in the
    URL's month wins. Failing that: a lone "updated" stamp; then publication stamps
    and labelled dates inside page furniture; then dates kept in the page's data.
    """
    body = doc.find("body")
    if body is None:
        return None
    found, updated, heading_at = _scan_candidates(body, heading, mdy, lang)
    outside = [f for f in found if not f[3]]
    pick = _best_scanned(outside, heading_at, lo, hi, url_month)
    if pick is None and not any(lo <= f[0].stamp.day <= hi for f in outside):
        # A lone "updated" stamp: the story is from that day or before, most often that day.
        pick = _best_scanned([f for f in updated if not f[3]], heading_at, lo, hi, url_month)
    if pick is None:
        pick = _best_scanned([f for f in found if f[1] in _SCAN_FURNITURE_KINDS], heading_at, lo, hi, url_month)
    if pick is None:
        pick = _best_scanned(_data_candidates(doc, meta, mdy), None, lo, hi, url_month)
    return pick


# ---------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------


def _valid(cands: list[_Cand], lo: date, hi: date) -> list[_Cand]:
    """Candidates inside [lo, hi]; an ambiguous one falls back on its other reading."""
    out = []
    for c in cands:
        if lo <= c.stamp.day <= hi:
            out.append(c)
        elif c.alt is not None and lo <= c.alt.day <= hi:
            out.append(_Cand(c.alt, c.source))
    return out


def _resolve_ambiguous(c: _Cand, anchors: set[date]) -> _Cand:
    """Prefer the day/month reading that another signal on the page confirms."""
    if c.alt is not None and c.stamp.day not in anchors and c.alt.day in anchors:
        return _Cand(c.alt, c.source)
    return c


def _instant(stamp: _Stamp) -> datetime | None:
    if stamp.clock is None or stamp.offset is None:
        return None
    sign = -1 if stamp.offset[0] == "-" else 1
    shift = timedelta(hours=int(stamp.offset[1:3]), minutes=int(stamp.offset[4:6])) * sign
    return datetime.combine(stamp.day, datetime.min.time()).replace(
        hour=stamp.clock[0], minute=stamp.clock[1], second=stamp.clock[2]) - shift


# A UTC stamp before this hour may be the previous day for the publisher (the Americas
# are at most 8 hours behind UTC, Hawaii aside); from this hour on, the next day.
_LOCAL_PREVIOUS_DAY_BEFORE_HOUR = 8
_LOCAL_NEXT_DAY_FROM_HOUR = 10


def _local_day_matches(stamp: _Stamp, other: date) -> bool:
    """Whether ``other`` can be the publisher's local day of a UTC (or zone-less) stamp."""
    if not stamp.utc_like or stamp.clock is None:
        return False
    hour = stamp.clock[0]
    if other == stamp.day - timedelta(days=1):
        return hour < _LOCAL_PREVIOUS_DAY_BEFORE_HOUR
    if other == stamp.day + timedelta(days=1):
        return hour >= _LOCAL_NEXT_DAY_FROM_HOUR
    return False


# Two stamps this close are the same instant written in two offsets.
_SAME_INSTANT = timedelta(hours=1)


def _pick_structured(cands: list[_Cand]) -> _Cand:
    """One publication stamp out of several structured ones.

    When they disagree the earliest day wins: later ones are usually a republication
    or a modification date leaking into the publication field. The exception is the
    same instant written once in UTC and once in the publisher's own offset, where
    the local writing gives the day readers saw.
    """
    first_day = min(c.stamp.day for c in cands)
    pick = next(c for c in cands if c.stamp.day == first_day)
    if pick.stamp.utc_like and len({c.stamp.day for c in cands}) > 1:
        moment = _instant(pick.stamp) if pick.stamp.offset else None
        for c in cands:
            if c.stamp.day == first_day + timedelta(days=1) and not c.stamp.utc_like:
                other = _instant(c.stamp)
                if moment is not None and other is not None and abs(other - moment) <= _SAME_INSTANT:
                    return c
    return pick


_URL_TRUST_DAYS = 7
_UNKNOWN = object()  # "not looked for yet", unlike None: "the page has none"
_URL_MONTH_SLACK_DAYS = 92
# A meta tag whose first _META_SAMPLE values hold this many different dates or more is a
# list of teasers' dates, not the page's.
_META_SAMPLE = 6
_META_MAX_DISTINCT = 3
# A bare <meta name="date"> gives way to the date printed under the headline when they are
# more than this many days apart.
_GENERIC_META_SLACK_DAYS = 1


def find_dates(
    doc: HtmlElement,
    url: str | None = None,
    *,
    objects: list[dict] | None = None,
    meta: dict[str, list[str]] | None = None,
    now: datetime | None = None,
    floor: date = date(1995, 1, 1),
    heading: HtmlElement | None | object = _UNKNOWN,
) -> PageDates:
    """Publication and modification dates of an article page (the tree is not modified).

    ``objects``/``meta`` are :func:`structured.json_ld` / :func:`structured.meta_tags`
    of the same page, and ``heading`` its :func:`title_heading` (None: it has none),
    passed in by callers that already have them. ``now`` bounds
    plausible dates (nothing after ``now`` + 1 day, nothing before ``floor``) and
    anchors relative stamps such as "3 hours ago".
    """
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if objects is None:
        objects = json_ld(doc)
    if meta is None:
        meta = meta_tags(doc)
    lo, hi = floor, (now + timedelta(days=1)).date()
    capture = web_archive_capture(url)
    if capture is not None:
        # A copy in a web archive: its dates are the original page's, read from the
        # original address, and none can be later than the capture.
        url = capture.original
        hi = min(hi, capture.captured.date())
    lang = _page_lang(doc, meta)
    mdy = _prefers_mdy(lang, url)
    known: list[HtmlElement | None] = [] if heading is _UNKNOWN else [heading]

    def title() -> HtmlElement | None:
        if not known:
            known.append(title_heading(doc, meta))
        return known[0]

    def ok(stamp: _Stamp | None) -> TypeGuard[_Stamp]:
        return stamp is not None and lo <= stamp.day <= hi

    # 1. Structured data: JSON-LD of the page's own article, then <meta> tags.
    published: list[_Cand] = []
    generic: list[_Cand] = []
    created: list[_Cand] = []
    modified: list[_Cand] = []
    main = _main_ld_object(objects, url)
    if main is not None:
        for key, bucket in (("datePublished", published), ("dateCreated", created),
                            ("uploadDate", created), ("dateIssued", created),
                            ("dateModified", modified)):
            raw = _ld_value(main.get(key))
            stamp = _parse_stamp(raw, mdy) if raw else None
            if ok(stamp):
                bucket.append(_Cand(stamp, f"json-ld {key}"))
    else:
        for key, raw in _ld_unparsed(doc).items():
            stamp = _parse_stamp(raw, mdy)
            if ok(stamp):
                bucket = {"datePublished": published, "dateCreated": created}.get(key, modified)
                bucket.append(_Cand(stamp, f"json-ld {key}"))
    for keys, bucket in ((_META_PUBLISHED, published), (_META_GENERIC, generic),
                         (_META_CREATED, created), (_META_MODIFIED, modified)):
        for key in keys:
            values = meta.get(key)
            # (a list of teasers' dates names nothing)
            if values and len(set(values[:_META_SAMPLE])) < _META_MAX_DISTINCT:
                stamp = _parse_stamp(values[0], mdy)
                if ok(stamp):
                    bucket.append(_Cand(stamp, f"meta {key}"))
    if not published:
        for prop, raw in _body_microdata(doc):
            stamp = _parse_stamp(raw, mdy)
            if ok(stamp):
                (published if prop == "datePublished" else modified).append(
                    _Cand(stamp, f"itemprop {prop}"))
    structured = published or generic or created

    # 2. The URL path.
    url_day, url_month = _url_date(url)
    if url_day is not None and not lo <= url_day <= hi:
        url_day = None

    # 3. What is printed around the headline; read only when it can change the answer.
    root_page = _is_root(url)
    pick = _pick_structured(structured) if structured else None
    near: _Near | None = None
    generic_only = not published and bool(generic)
    # Machine-readable stamps that name different days (a draft's creation, a
    # republication): the day printed under the headline says which one readers saw.
    disagree = len({c.stamp.day for c in published + generic}) > 1
    wants_near = not root_page and (
        pick is None or generic_only or disagree or (url_day is None and pick.stamp.utc_like))
    if wants_near:
        headline = title()
        if headline is not None:
            near = _near_heading(headline, mdy, lang[:2], now)
    anchors = {c.stamp.day for c in structured}
    if url_day is not None:
        anchors.add(url_day)

    pub: _Cand | None = None
    if root_page:
        pub = None  # a home page has no publication date, whatever it prints
    elif pick is not None:
        pub = pick
        local, why = None, ""
        if url_day is not None:
            local, why = url_day, "url path"
        elif near is not None:
            # Printed dates (or stamps in a local offset) say which day readers saw.
            visible = [c for c in near.published(lo, hi) if not c.stamp.utc_like]
            if visible:
                first = _resolve_ambiguous(visible[0], anchors)
                local, why = first.stamp.day, first.source
        printed = ({c.stamp.day for c in near.published(lo, hi)} - {c.stamp.day for c in modified}
                   if disagree and near is not None and url_day is None else set())
        agreed = [c for c in published + generic if c.stamp.day in printed and c.stamp.day != pick.stamp.day]
        if local is not None and local != pick.stamp.day and _local_day_matches(pick.stamp, local):
            pub = _Cand(_Stamp(local), f"{why} (local day of {pick.source})")
        elif agreed and pick.stamp.day not in printed:
            pub = _Cand(agreed[0].stamp, f"{agreed[0].source} (the day printed on the page)")
        elif url_day is not None and abs((url_day - pick.stamp.day).days) > _URL_TRUST_DAYS:
            # A story is published within days of getting its dated URL. Structured data
            # weeks away from it describes something else: a republication, the wiki
            # page's creation, a template default.
            pub = _Cand(_Stamp(url_day), f"url path (not {pick.source})")
        elif generic_only and url_day is None and near is not None and near.published(lo, hi):
            # A bare <meta name="date"> may be anything (a build date, a page date);
            # the stamp printed under the headline says what was published when.
            first = _resolve_ambiguous(near.published(lo, hi)[0], anchors)
            if abs((first.stamp.day - pick.stamp.day).days) > _GENERIC_META_SLACK_DAYS:
                pub = first
        elif generic_only and url_day is None:
            # …and so does a line of the story that says it is the publication's date
            # ("Erstellt am: 01.11.2023" under the text), when nothing is printed there.
            line = _labelled_line(doc, title(), mdy, lang[:2], lo, hi, url_month)
            if line is not None and abs((line.stamp.day - pick.stamp.day).days) > _GENERIC_META_SLACK_DAYS:
                pub = line
    elif url_day is not None:
        pub = _Cand(_Stamp(url_day), "url path")
        if near is not None:
            for c in near.published(lo, hi):
                if c.stamp.day == url_day and c.stamp.clock is not None:
                    pub = _Cand(c.stamp, "url path")
                    break
    elif near is not None:
        valid = near.published(lo, hi)
        if url_month is not None:
            # The URL's month is when the page was made; a story printed with a later day
            # of the next months was reworked, one before that month is another's date.
            same = [c for c in valid if (c.stamp.day.year, c.stamp.day.month) == url_month]
            start = date(url_month[0], url_month[1], 1)
            valid = same or [c for c in valid if 0 <= (c.stamp.day - start).days <= _URL_MONTH_SLACK_DAYS]
        if valid:
            pub = _resolve_ambiguous(valid[0], anchors)
        elif near.relative:
            pub = near.relative[0]
        elif _valid(near.modified, lo, hi):
            # Only an "Updated" stamp in the byline: the story is from that day or before,
            # and most stamps are same-day edits, so it beats saying nothing.
            updated = _valid(near.modified, lo, hi)[0]
            pub = _Cand(updated.stamp, f"{updated.source} (updated stamp)")
        elif near.yearless:
            # "15 février" under the headline: the latest such day not in the future
            # (or in the year the URL names).
            month, day = near.yearless[0]
            years = ([url_month[0]] if url_month else _years_printed(doc, month, day, lo, hi)
                     or [hi.year, hi.year - 1])
            for year in years:
                when = _mk_date(year, month, day)
                if when is not None and lo <= when <= hi:
                    pub = _Cand(_Stamp(when), "text near title (day and month only)")
                    break

    if pub is None and not root_page:
        found = _page_scan(doc, meta, title(), mdy, lang[:2], lo, hi, url_month)
        if found is not None:
            pub = _resolve_ambiguous(found, anchors)

    if pub is None and not root_page:
        # Last resort: the lead image's upload path ("/uploads/2021/07/22/photo.jpg") is
        # usually written the day the story was. Often right, but a stock photo lies.
        for key in ("og:image", "twitter:image", "og:image:url"):
            for image in meta.get(key, [])[:1]:
                image_day, _ = _url_date(image)
                if image_day is not None and lo <= image_day <= hi and (
                        url_month is None or (image_day.year, image_day.month) == url_month):
                    pub = _Cand(_Stamp(image_day), f"{key} url")
                    break
            if pub is not None:
                break

    # Modification: structured first, then a visible "Updated" stamp; never before publication.
    mod: _Cand | None = None
    mod_cands = list(modified)
    if near is not None:
        mod_cands += _valid(near.modified, lo, hi)
    for c in mod_cands:
        if pub is None or c.stamp.day >= pub.stamp.day:
            mod = c
            break

    return PageDates(
        published=pub.stamp.iso() if pub else None,
        modified=mod.stamp.iso() if mod else None,
        published_source=pub.source if pub else None,
        modified_source=mod.source if mod else None,
    )
