"""The work on one URL, wherever it runs: fetch, then parse or extract — never the archive.

Everything that crosses a process or machine boundary is plain picklable data: a
:class:`Task` goes in, a :class:`TaskResult` comes out. :func:`process_task` is the
whole job (for a remote worker); a local crawl splits it into :func:`fetch_task` in a
thread and :func:`extract_result` in a process pool. The HTTP client is imported by the
functions that fetch, so an extraction process imports the extractor and no more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .article import Article
from .budget import (
    DEFAULT_BUDGET,
    TooComplex,
    check_markup,
    parse_within_budget,
    within_time,
)
from .feeds import (
    MAX_XML_BYTES,
    Entry,
    FeedError,
    discover_feeds,
    looks_like_html,
    parse_sitemap,
    read_feed,
)
from .options import ExtractOptions, HttpOptions
from .parsing import decode_html
from .pipeline import MIN_HASH_WORDS, Page, extract_page, page_links
from .records import Attempt, Response
from .tasks import Kind, Task

if TYPE_CHECKING:  # pragma: no cover - the HTTP client is imported where requests are made, so that an
    # extraction process (which runs extract_result) never loads it
    from .fetching import Fetcher

__all__ = [
    "ErrorInfo",
    "Task",
    "TaskResult",
    "WorkerSettings",
    "extract_result",
    "fetch_task",
    "header_value",
    "page_links",
    "process_fetch",
    "process_task",
]

__all__ += ["MIN_HASH_WORDS"]


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to fetch and extract like the crawl would (picklable): the
    HTTP options and the extraction options (site rules included) of the one pipeline."""

    http: HttpOptions = HttpOptions()
    extract: ExtractOptions = ExtractOptions()


@dataclass
class ErrorInfo:
    """A :class:`FetchError` or parse error in picklable form."""

    kind: str
    message: str
    status: int | None = None
    attempts: list[Attempt] = field(default_factory=list)
    moved_to: str | None = None  # a redirect to another site, left for the crawler to queue


@dataclass
class TaskResult:
    """What one task produced; plain data, safe to pickle to and from another process."""

    task: Task
    response: Response | None = None
    error: ErrorInfo | None = None
    article: Article | None = None
    links: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)     # feed entries, sitemap URLs
    sitemaps: list[Entry] = field(default_factory=list)    # child sitemaps of an index
    feeds: list[str] = field(default_factory=list)         # feeds a home page announces
    problems: list[str] = field(default_factory=list)      # what a feed or sitemap needed mending or lost
    robots: str | None = None                             # robots.txt text
    canonical: str | None = None
    body_hash: str | None = None
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless the fetch or the parse failed."""
        return self.error is None

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request."""
        return self.response is not None and self.response.status == 304

    @property
    def needs_extraction(self) -> bool:
        """True for a fetched article page not yet extracted."""
        return (self.task.kind is Kind.PAGE and self.ok and not self.not_modified and self.article is None
                and self.response is not None)


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A response header by lower-case name, whatever case the server used."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def fetch_task(task: Task, fetcher: Fetcher, source_fetcher: Fetcher | None = None) -> TaskResult:
    """Make the request of ``task`` and parse what is cheap to parse (robots.txt, feeds,
    sitemaps, links of a start page). Article extraction is left to :func:`extract_result`."""
    from .fetching import FetchError

    source_fetcher = source_fetcher or fetcher
    started = time.perf_counter()
    result = TaskResult(task)
    accept = "html" if task.kind in (Kind.PAGE, Kind.START) else "any"
    url = urljoin(task.url, "/robots.txt") if task.kind is Kind.ROBOTS else task.url
    try:
        response = (fetcher if task.kind in (Kind.PAGE, Kind.START) else source_fetcher).fetch(
            url, accept=accept, etag=task.etag, last_modified=task.last_modified,
            same_site=task.kind is Kind.PAGE, public_only=task.public_only)
    except FetchError as exc:
        result.error = ErrorInfo(exc.kind, exc.message, exc.status, exc.attempts,
                                 exc.final_url if exc.kind == "moved" else None)
        result.fetch_seconds = time.perf_counter() - started
        return result
    result.fetch_seconds = time.perf_counter() - started
    result.response = response
    if response.status == 304:
        return result
    try:
        if task.kind is Kind.ROBOTS:
            result.robots = response.content.decode("utf-8", "replace")
        elif task.kind is Kind.FEED:
            if looks_like_html(response.content):
                content = response.content
                check_markup(decode_html(content, response.charset)[0])
                result.feeds = within_time(DEFAULT_BUDGET.seconds,
                                           lambda: discover_feeds(content, response.final_url))
                if not result.feeds:
                    raise FeedError("no-feed", "an HTML page that announces no feed")
            else:
                feed = read_feed(response.content, response.final_url, charset=response.charset)
                result.entries, result.problems = feed.entries, feed.problems
        elif task.kind is Kind.SITEMAP:
            sitemap = parse_sitemap(response.content, response.final_url, charset=response.charset)
            result.entries, result.sitemaps, result.problems = sitemap.urls, sitemap.sitemaps, sitemap.problems
        elif task.kind is Kind.START:
            result.links = within_time(DEFAULT_BUDGET.seconds, lambda: page_links(
                parse_within_budget(response.content, response.charset), response.final_url))
    except FeedError as exc:
        result.error = ErrorInfo(exc.kind, exc.message, response.status, response.attempts)
    except TooComplex as exc:
        result.error = ErrorInfo(exc.kind, str(exc), response.status, response.attempts)
    if task.kind is not Kind.PAGE:
        response.content = b""  # parsed: no need to carry the bytes around
    return result


def extract_result(result: TaskResult, options: ExtractOptions | None = None) -> TaskResult:
    """Extract the article (and, when the task follows links, the links) of a fetched page,
    through the one pipeline's :func:`~scraper.pipeline.extract_page` with ``options``
    (site rules included).

    Pure CPU work on plain data: runs in an extraction process, returns the result filled
    in. The page is parsed once: links are read from the tree before extraction cleans it.
    A page over the extraction budget fails as ``too-complex``.
    """
    response = result.response
    if response is None:
        return result
    options = replace(options or ExtractOptions(), links=result.task.follow)
    extracted = extract_page(Page.from_response(response), options)
    result.extract_seconds = extracted.seconds
    if extracted.article is None:
        result.error = ErrorInfo(extracted.kind or "internal", extracted.message, response.status,
                                 response.attempts)
        return result
    result.article = extracted.article
    result.links = extracted.links
    result.canonical = extracted.canonical
    result.body_hash = extracted.body_hash
    return result


_local = threading.local()


def _thread_fetchers(http: HttpOptions) -> tuple[Fetcher, Fetcher]:
    """One Fetcher pair per thread (requests sessions are not shared across threads):
    pages capped at ``max_bytes``, feeds and sitemaps at the sitemap protocol's 50 MB."""
    from .fetching import Fetcher

    cached = getattr(_local, "fetchers", None)
    if cached is None or cached[0] != http:
        pages = Fetcher(**http.fetcher_kwargs())
        sources = Fetcher(**replace(http, max_bytes=max(http.max_bytes, MAX_XML_BYTES)).fetcher_kwargs())
        cached = (http, pages, sources)
        _local.fetchers = cached
    return cached[1], cached[2]


def process_task(task: Task, settings: WorkerSettings) -> TaskResult:
    """All the work on one URL, no archive: fetch, then parse or extract. The entry point
    for a remote worker (the caller keeps one task per origin in flight)."""
    pages, sources = _thread_fetchers(settings.http)
    result = fetch_task(task, pages, sources)
    if result.needs_extraction:
        result = extract_result(result, settings.extract)
    return result



def process_fetch(task: Task, settings: WorkerSettings) -> TaskResult:
    """Thread side of a local crawl: fetch and parse, leaving article extraction to the pool
    when there is one (the crawler extracts inline results itself via ``needs_extraction``)."""
    pages, sources = _thread_fetchers(settings.http)
    return fetch_task(task, pages, sources)
