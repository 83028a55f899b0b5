"""Extraction with a budget: a page that would cost too much time or memory fails as
``too-complex`` instead of holding an extraction process (or a whole crawl) hostage.

Pages under the 10 MB size cap can still be built to be slow: libxml2 checks every
attribute of an element against all the others (100,000 attributes on one element
take 10 s to parse, a million never finish), and a million empty elements cost
gigabytes once the extractor walks them. So every extraction goes through
:func:`extract_within_budget` (or :func:`within_time` around a parse of its own):

* before parsing, a linear scan refuses an element with more than ``attributes``
  attributes (the parser's cost is quadratic in them) and a page with more than
  ``elements`` start tags;
* after parsing, the tree is counted: more than ``elements`` elements or
  ``total_attributes`` attributes is refused before the extractor walks it;
* the whole of parsing and extraction has ``seconds`` of time, enforced in the thread
  that extracts (any thread, any process: crawl, reextract, import-warc, a cluster
  worker); nesting deeper than the interpreter's recursion limit fails the page too.

Nesting depth is bounded by the parser: libxml2 stops at 256 levels and
:func:`scraper.parsing.parse_html` re-parses such a page with the deep elements
flattened, its text kept.

The limits sit far above real pages: of 1,256 pages of news, blogs, forums and shops
(the benchmark sets) the largest had 10,106 elements, 10,154 attributes in all and 64
on one element, and took well under a second.
"""

from __future__ import annotations

import ctypes
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from lxml.html import HtmlElement

from .article import Article
from .errors import PageError
from .extraction import extract_tree
from .parsing import charset_of, decode_html, parse_html
from .rules import Rules

__all__ = ["Budget", "DEFAULT_BUDGET", "TooComplex", "check_markup", "check_tree", "extract_within_budget",
           "parse_within_budget", "within_time"]

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """What one page may cost to extract."""

    elements: int = 100_000           # start tags before parsing, elements after
    attributes: int = 1_000           # on one element
    total_attributes: int = 200_000   # on the whole page
    seconds: float = 20.0             # parsing and extraction together


DEFAULT_BUDGET = Budget()


class TooComplex(PageError, ValueError):
    """A page over its extraction budget; ``kind`` is its code in the ``fetches`` table."""

    kind = "too-complex"


# -- before parsing: a linear scan of the markup -------------------------------------------

_TAG_START = re.compile(r"<(?:(!--)|([a-zA-Z][^\s/>\x00]*))")
# The rest of a start tag, quoted values taken whole (they may hold ">"). It always
# matches, so it never backtracks; it stops short of ">" only at an unclosed quote.
_TAG_REST = re.compile(r"""(?:[^"'>]+|"[^"]*"|'[^']*')*>?""")
_ATTRIBUTE = re.compile(r"""[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?""")
# Elements whose content the parser reads as text up to their end tag.
_RAW_END = {name: re.compile(f"</{name}", re.IGNORECASE)
            for name in ("script", "style", "textarea", "title", "xmp", "noembed", "noframes", "plaintext")}


def check_markup(text: str, budget: Budget = DEFAULT_BUDGET) -> None:
    """Raise :class:`TooComplex` for markup over ``budget``'s element or per-element
    attribute limit (or, counting long tags only, its total attribute limit), before the
    parser spends quadratic time and the tree its memory on it. Linear in ``text``."""
    pos = tags = attributes = 0
    # an element with more attributes than the limit has at least two characters for each
    long_tag = 2 * budget.attributes
    while True:
        start = _TAG_START.search(text, pos)
        if start is None:
            return
        if start.group(1):  # a comment: skipped whole, as the parser does
            end = text.find("-->", start.end())
            if end < 0:
                return
            pos = end + 3
            continue
        tags += 1
        if tags > budget.elements:
            raise TooComplex(f"more than {budget.elements} elements")
        end = _TAG_REST.match(text, start.end()).end()  # type: ignore[union-attr]  # always matches
        closed = end > start.end() and text[end - 1] == ">"
        if not closed:
            end = len(text)  # an unclosed quote: the rest of the page is this tag
        if end - start.end() > long_tag:
            count = 0
            for count, _ in enumerate(_ATTRIBUTE.finditer(text, start.end(), end), 1):
                if count > budget.attributes:
                    raise TooComplex(f"an element <{start.group(2)[:20]}> with more than "
                                     f"{budget.attributes} attributes")
            attributes += count  # long tags only: a lower bound of the page's total
            if attributes > budget.total_attributes:
                raise TooComplex(f"more than {budget.total_attributes} attributes")
        if not closed:
            return
        pos = end
        raw = _RAW_END.get(start.group(2).lower())
        if raw is not None:
            found = raw.search(text, pos)
            if found is None:
                return
            pos = found.start()


# -- after parsing: the tree -----------------------------------------------------------------

def check_tree(doc: HtmlElement, budget: Budget = DEFAULT_BUDGET) -> None:
    """Raise :class:`TooComplex` when the parsed page has more elements or attributes than
    ``budget`` allows (counted in C-speed passes, stopping at the limit)."""
    attributes = 0
    for elements, el in enumerate(doc.iter(), 1):
        attributes += len(el.attrib)
        if elements > budget.elements:
            raise TooComplex(f"more than {budget.elements} elements")
        if attributes > budget.total_attributes:
            raise TooComplex(f"more than {budget.total_attributes} attributes")


def parse_within_budget(content: str | bytes, declared_encoding: str | None = None,
                        budget: Budget = DEFAULT_BUDGET) -> HtmlElement:
    """:func:`scraper.parsing.parse_html`, refusing a page over ``budget`` (no time limit
    here: call it inside :func:`within_time`)."""
    text = decode_html(content, declared_encoding)[0] if isinstance(content, bytes) else content
    check_markup(text, budget)
    doc = parse_html(text)
    check_tree(doc, budget)
    return doc


# -- time --------------------------------------------------------------------------------------

class _Overtime(BaseException):
    """Raised inside the extracting thread when its time is up. A BaseException, so that a
    broad ``except Exception`` in the extractor cannot swallow it."""


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int


class _Watch:
    """Raise :class:`_Overtime` in the calling thread once ``seconds`` have passed, and
    again every half second until it leaves the block (in case something caught it).

    The exception is delivered between two Python bytecodes, so C code (one libxml2
    parse) is never cut: the markup checks keep each such step short. One watchdog
    thread per process serves every watch (starting a thread per page cost more than
    the markup checks).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.thread_id = threading.get_ident()
        self.due = 0.0
        self.fired = False

    def __enter__(self) -> _Watch:
        self.due = time.monotonic() + self.seconds
        _watchdog.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        while True:  # from here on nothing new is raised in this thread
            try:
                _watchdog.remove(self)
                break
            except _Overtime:  # one raised before the removal, arriving in the middle of it
                continue
        if self.fired:
            _set_async_exc(self.thread_id, ctypes.py_object())  # NULL: drop one still pending
            raise _Overtime


class _Watchdog:
    """The thread that raises :class:`_Overtime` in threads whose watch is due."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child has no watchdog thread

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[_Watch] = set()
        self._wake_at: float | None = None  # when the thread wakes next (None: not running)

    def add(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.add(watch)
            if self._wake_at is None:
                self._wake_at = watch.due
                threading.Thread(target=self._run, daemon=True, name="extraction-time").start()
            elif watch.due < self._wake_at:
                self._cond.notify()

    def remove(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for watch in self._watches:
                    if watch.due <= now:
                        watch.fired = True
                        _set_async_exc(watch.thread_id, ctypes.py_object(_Overtime))
                        watch.due = now + 0.5
                self._wake_at = min((w.due for w in self._watches), default=now + 60.0)
                self._cond.wait(max(0.0, self._wake_at - now))


_watchdog = _Watchdog()


def within_time(seconds: float, work: Callable[[], T]) -> T:
    """``work()``, or :class:`TooComplex` if it runs longer than ``seconds`` or recurses
    deeper than Python allows."""
    try:
        with _Watch(seconds):
            return work()
    except _Overtime:
        raise TooComplex(f"extraction took more than {seconds:g} s") from None
    except RecursionError:
        raise TooComplex("elements or data nested too deeply to extract") from None


def extract_within_budget(content: str | bytes, url: str | None = None, *,
                          headers: Mapping[str, str] | None = None, now: datetime | None = None,
                          rules: Rules | None = None, comments: bool = False,
                          budget: Budget = DEFAULT_BUDGET,
                          before: Callable[[HtmlElement], None] | None = None) -> Article:
    """:func:`scraper.extract` within ``budget``: raise :class:`TooComplex` for a page that
    would cost more. ``before(doc)`` reads the parsed tree before extraction cleans it
    (the crawler takes the links)."""
    def work() -> Article:
        doc = parse_within_budget(content, charset_of(headers), budget)
        if before is not None:
            before(doc)
        return extract_tree(doc, url, headers=headers, now=now, rules=rules, comments=comments)

    return within_time(budget.seconds, work)
