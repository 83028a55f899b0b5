"""The one way a page enters the archive: a :class:`Page`, extracted, stored.

Every way in goes through the same three steps, with the same options and the same
failure kinds:

1. **a page**: bytes with their address, headers and time (:class:`Page`), made by
   ``fetch`` (:func:`archive_url`), a saved file (:func:`archive_file`), a crawl's
   workers, a WARC record (:mod:`scraper.warc`) or a stored page (:mod:`scraper.reextract`);
2. **extraction**, :func:`extract_page`: pure CPU work on plain data, within the
   extraction budget (:mod:`scraper.budget`), with the site rules and options of
   :class:`~scraper.options.ExtractOptions`; it runs in this process, an extraction
   process or a cluster worker, and never raises on a bad page: a failure comes back as
   a kind (``too-complex``, ``damaged``, ``internal``) and a message;
3. **the store step**, :func:`store_page`: one transaction in the archive (the single
   writer), or the failure logged.

:func:`run_pages` is the loop of the batch jobs (reextract, import-warc): pages out
through any ordered *mapper* (:func:`scraper.pool.local_mapper`, a Dask cluster's),
results back in order and stored here.
"""

from __future__ import annotations

import functools
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from lxml.html import HtmlElement

from .article import Article, content_hash
from .budget import TooComplex, extract_within_budget
from .errors import PageError
from .options import ExtractOptions
from .pool import Mapper, close_results, local_mapper
from .records import Attempt, Response
from .urls import normalize_url

if TYPE_CHECKING:  # pragma: no cover - the archive and the HTTP client are the caller's
    from .archive import Archive
    from .fetching import Fetcher

__all__ = ["Page", "Extracted", "Outcome", "ExtractOptions", "extract_page", "store_page", "run_pages",
           "archive_url", "archive_file", "extract_stored", "page_links", "read_file", "MIN_HASH_WORDS"]

MIN_HASH_WORDS = 50  # shorter bodies are too alike to call duplicates by their hash

# Where a page came from (``pages.source``); failures of pages fetched or read for this
# run are logged in the ``fetches`` table, those of WARC records and stored pages in the
# job's report.
SOURCES = ("fetch", "file", "warc", "reextract")
_LOGGED = ("fetch", "file")


@dataclass
class Page:
    """A page as the pipeline needs it: plain data that pickles.

    ``content`` is compressed when ``compression`` says so (a stored page travels in its
    small stored form; the extracting process inflates it). ``status`` is None for a page
    that came with no HTTP exchange (a saved file, a WARC resource record).
    ``article_id`` is the stored article a re-extraction updates.
    """

    url: str
    final_url: str
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str | None = None
    compression: str | None = None
    status: int | None = None
    redirects: list[str] = field(default_factory=list)
    article_id: int | None = None
    source_ref: str | None = None
    source: str = "fetch"
    attempts: list[Attempt] = field(default_factory=list)

    def body(self) -> bytes:
        """The page's bytes, inflated."""
        return zlib.decompress(self.content) if self.compression == "zlib" else self.content

    @classmethod
    def from_response(cls, response: Response) -> Page:
        """A page fetched over HTTP."""
        return cls(url=response.url, final_url=response.final_url, content=response.content,
                   headers=response.headers, fetched_at=response.fetched_at, status=response.status,
                   redirects=response.redirects, attempts=response.attempts)

    def response(self) -> Response:
        """The HTTP response the archive stores with the article (its attempts logged)."""
        return Response(url=self.url, final_url=self.final_url, status=self.status or 200, headers=self.headers,
                        content=self.body(), fetched_at=self.fetched_at or "", redirects=self.redirects,
                        attempts=self.attempts)


@dataclass
class Extracted:
    """What :func:`extract_page` made of a page: an article, or why there is none.

    ``error`` is ``kind: message`` (``kind`` alone in ``kind``). For a crawl, ``links``
    are the page's links (when asked for), ``canonical`` its canonical URL when that is
    another address, and ``body_hash`` the hash of a body long enough to call two pages
    with it the same article.
    """

    url: str
    article: Article | None = None
    error: str | None = None
    article_id: int | None = None
    kind: str | None = None
    links: list[str] = field(default_factory=list)
    canonical: str | None = None
    body_hash: str | None = None
    seconds: float = 0.0

    @property
    def message(self) -> str:
        """The error without its kind."""
        return (self.error or "").partition(": ")[2] if self.kind else (self.error or "")


def _failure(page: Page, kind: str, message: str, started: float) -> Extracted:
    return Extracted(page.url, error=f"{kind}: {message}", kind=kind, article_id=page.article_id,
                     seconds=time.perf_counter() - started)


def extract_page(page: Page, options: ExtractOptions | None = None) -> Extracted:
    """The CPU step of every way in: one page's bytes to an :class:`Article`. Never raises
    on a bad page.

    Relative dates ("3 hours ago") are anchored at the time the page was fetched, so
    re-extracting years later gives the dates the page meant. A page over the extraction
    budget fails as ``too-complex``, a stored page that cannot be inflated as
    ``damaged``, anything else the extractor raises as ``internal``.
    """
    options = options or ExtractOptions()
    started = time.perf_counter()
    try:
        now = datetime.fromisoformat(page.fetched_at) if page.fetched_at else None
    except ValueError:
        now = None
    try:
        content = page.body()
    except zlib.error as exc:
        return _failure(page, "damaged", f"the stored page cannot be inflated ({exc})", started)
    links: list[str] = []

    def read_links(doc: HtmlElement) -> None:
        links.extend(page_links(doc, page.final_url))

    try:
        article = extract_within_budget(content, page.final_url, headers=page.headers, now=now,
                                        rules=options.rules, comments=options.comments,
                                        before=read_links if options.links else None)
    except TooComplex as exc:
        return _failure(page, exc.kind, str(exc), started)
    except Exception as exc:  # a hostile or broken page must not stop the run
        return _failure(page, "internal", f"{type(exc).__name__}: {exc}", started)
    article.url = page.url
    result = Extracted(page.url, article, article_id=page.article_id, links=links)
    canonical = article.canonical_url
    if canonical and normalize_url(canonical) != normalize_url(page.final_url):
        result.canonical = normalize_url(canonical)
    if article.is_article and article.word_count >= MIN_HASH_WORDS:
        result.body_hash = content_hash(article.body)
    result.seconds = time.perf_counter() - started
    return result


def page_links(doc: HtmlElement, base_url: str) -> list[str]:
    """Absolute http(s) links of a parsed page, in order, once each (``rel=nofollow``
    ones left out, fragments dropped; ``<base href>`` honoured)."""
    base = base_url
    for el in doc.iter("base"):
        href = el.get("href")
        if href:
            base = urljoin(base_url, href.strip())
            break
    links: list[str] = []
    seen = set()
    for el in doc.iter("a"):
        href = (el.get("href") or "").strip()
        if not href or "nofollow" in (el.get("rel") or "").lower().split():
            continue
        url = urljoin(base, href).split("#", 1)[0]
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            links.append(url)
    return links


@dataclass
class Outcome:
    """What happened to one page: ``status`` is new, updated, unchanged, refreshed, older,
    not-modified or failed (then ``error_kind`` and ``error`` say why)."""

    url: str
    status: str
    http_status: int | None = None
    article_id: int | None = None
    title: str | None = None
    published: str | None = None
    error: str | None = None
    error_kind: str | None = None
    is_article: bool = True

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def store_page(archive: Archive, page: Page, result: Extracted, *, replaces: int | None = None) -> Outcome:
    """The store step of every way in: the article with its page in one transaction, or,
    for a re-extracted page, its changed fields; a failure is logged (``fetches``) for
    pages fetched or read for this run. ``replaces``: see :meth:`Archive.store`.
    Raises only :class:`~scraper.errors.ArchiveError`."""
    article = result.article
    if article is None:
        kind, message = result.kind or "internal", result.message
        if page.source in _LOGGED:
            archive.record_attempts(page.url, page.attempts, f"{kind}: {message}")
        return Outcome(page.url, "failed", page.status, page.article_id, error=message, error_kind=kind)
    if page.source == "reextract":
        if page.article_id is None:
            raise ValueError("a re-extracted page needs the id of its article")
        stored = archive.update_extraction(page.article_id, article)
    elif page.status is None:  # a saved file, a WARC resource record: no HTTP exchange
        stored = archive.store(article, raw=page.body(), url=page.url, source=page.source,
                               source_ref=page.source_ref, fetched_at=page.fetched_at)
    else:
        stored = archive.store(article, page.response(), source=page.source, source_ref=page.source_ref,
                               replaces=replaces)
    return Outcome(page.url, stored.status, page.status, stored.article_id, article.title, article.published,
                   is_article=article.is_article)


def run_pages(archive: Archive, pages: Iterable[Page], *, options: ExtractOptions | None = None,
              mapper: Mapper | None = None, jobs: int = 1, stop: Callable[[], bool] | None = None,
              progress: Callable[[int], None] | None = None) -> Iterator[tuple[Page, Outcome]]:
    """Extract ``pages`` through ``mapper`` (default: ``jobs`` local processes) and store
    each result here, in the order given; yields each page with its outcome.

    ``stop()`` returning true ends the run after the page in progress; the pool stops at
    once when the loop ends, however it ends.
    """
    sent: deque[Page] = deque()  # handed to the mapper, in order: their results come back in order

    def outgoing() -> Iterator[Page]:
        for page in pages:
            sent.append(page)
            yield page

    run = mapper or local_mapper(jobs)
    results = run(functools.partial(extract_page, options=options or ExtractOptions()), outgoing())
    try:
        for result in results:
            page = sent.popleft()
            yield page, store_page(archive, page, result)
            if progress is not None:
                progress(1)
            if stop is not None and stop():
                break
    finally:
        close_results(results)


# -- one page at a time: fetch and files -------------------------------------------------------

def archive_url(url: str, archive: Archive, fetcher: Fetcher, *, options: ExtractOptions | None = None,
                etag: str | None = None, last_modified: str | None = None) -> Outcome:
    """Fetch ``url``, extract its article and store both; never raises on a bad page."""
    from .fetching import FetchError

    try:
        response = fetcher.fetch(url, etag=etag, last_modified=last_modified)
    except FetchError as exc:
        archive.record_attempts(url, exc.attempts, exc.line())
        return Outcome(url, "failed", exc.status, error=exc.message, error_kind=exc.kind)
    if response.not_modified:
        archive.record_attempts(url, response.attempts)
        return Outcome(url, "not-modified", 304)
    page = Page.from_response(response)
    return store_page(archive, page, extract_page(page, options))


def read_file(path: str | Path, url: str) -> Page:
    """A saved page from disk as if it had been fetched from ``url`` (no HTTP exchange)."""
    from .pagecheck import check_url

    return Page(url=check_url(url), final_url=check_url(url), content=Path(path).read_bytes(), source="file")


def archive_file(path: str | Path, url: str, archive: Archive, *, options: ExtractOptions | None = None) -> Outcome:
    """Archive a saved page from disk as if it had been fetched from ``url``.

    The file must be an HTML page, as a fetched page must: plain text or binary data
    fails as ``not-html`` (logged in ``fetches``), as the same bytes over HTTP would.
    """
    from .pagecheck import html_problem

    page = read_file(path, url)
    problem = html_problem(page.content)
    if problem is not None:
        kind, message = problem
        outcome = store_page(archive, page, Extracted(page.url, error=f"{kind}: {message}", kind=kind))
        outcome.error = f"{path}: {message}"
        return outcome
    return store_page(archive, page, extract_page(page, options))


def extract_stored(archive: Archive, ref: str | int, *, options: ExtractOptions | None = None) -> Article | None:
    """Run today's extractor (and ``options``' rules) again on the stored raw page of an
    article, as ``reextract`` would. No network. Returns None when the article or its
    raw page is not in the archive; raises :class:`~scraper.errors.PageError` (kind
    ``too-complex``, ``damaged``, ``internal``) for a page that fails."""
    row = archive.get(ref)
    if row is None or row.get("page_id") is None:
        return None
    from .reextract import stored_page  # the stored form, inflated by the extraction step

    page = stored_page(archive, row["id"])
    if page is None:
        return None
    result = extract_page(page, options)
    if result.article is None:
        error = TooComplex(result.message) if result.kind == TooComplex.kind else PageError(result.message)
        error.kind = result.kind or "internal"
        raise error
    return result.article
