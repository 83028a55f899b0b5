"""One URL through the whole chain: fetch, extract, archive — and an honest outcome.

``scraper fetch`` runs this for each URL it is given; the crawler runs it for each
URL it discovers. Failures never raise: they come back as an :class:`Outcome` with
``ok=False`` and are logged in the archive's ``fetches`` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .archive import Archive
from .article import Article
from .budget import TooComplex, extract_within_budget
from .fetching import Fetcher, FetchError, check_url, html_problem
from .rules import Rules

__all__ = ["Outcome", "archive_url", "archive_file", "extract_stored"]


@dataclass
class Outcome:
    """What happened to one URL: ``status`` is new, updated, unchanged, not-modified or failed."""

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


def archive_url(url: str, archive: Archive, fetcher: Fetcher, *, etag: str | None = None,
                last_modified: str | None = None, rules: Rules | None = None,
                comments: bool = False) -> Outcome:
    """Fetch ``url``, extract its article and store both; never raises on a bad page.

    ``rules`` and ``comments`` are passed to :func:`scraper.extract`, which runs within
    the extraction budget (:mod:`scraper.budget`): a page over it fails as ``too-complex``.
    """
    try:
        response = fetcher.fetch(url, etag=etag, last_modified=last_modified)
    except FetchError as exc:
        archive.record_attempts(url, exc.attempts, f"{exc.kind}: {exc.message}")
        return Outcome(url, "failed", exc.status, error=exc.message, error_kind=exc.kind)
    if response.not_modified:
        archive.record_attempts(url, response.attempts)
        return Outcome(url, "not-modified", 304)
    try:
        article = extract_within_budget(response.content, response.final_url, headers=response.headers,
                                        rules=rules, comments=comments)
    except TooComplex as exc:
        archive.record_attempts(url, response.attempts, f"{exc.kind}: {exc}")
        return Outcome(url, "failed", response.status, error=str(exc), error_kind=exc.kind)
    article.url = response.url
    result = archive.store(article, response)
    return Outcome(url, result.status, response.status, result.article_id, article.title,
                   article.published, is_article=article.is_article)


def archive_file(path: str | Path, url: str, archive: Archive, *, rules: Rules | None = None,
                 comments: bool = False) -> Outcome:
    """Archive a saved page from disk as if it had been fetched from ``url``.

    The file must be an HTML page, as a fetched page must: plain text or binary data
    fails as ``not-html`` (logged in ``fetches``), as the same bytes over HTTP would.
    """
    url = check_url(url)
    data = Path(path).read_bytes()
    problem = html_problem(data)
    if problem is not None:
        kind, message = problem
        archive.record_attempts(url, [], f"{kind}: {message}")
        return Outcome(url, "failed", None, error=f"{path}: {message}", error_kind=kind)
    try:
        article: Article = extract_within_budget(data, url, rules=rules, comments=comments)
    except TooComplex as exc:
        archive.record_attempts(url, [], f"{exc.kind}: {exc}")
        return Outcome(url, "failed", error=str(exc), error_kind=exc.kind)
    result = archive.store(article, raw=data, url=url)
    return Outcome(url, result.status, None, result.article_id, article.title, article.published,
                   is_article=article.is_article)


def extract_stored(archive: Archive, ref: str | int, *, rules: Rules | None = None) -> Article | None:
    """Run today's extractor (and ``rules``) again on the stored raw page of an article.

    No network. Returns None when the article or its raw page is not in the archive;
    raises :class:`scraper.budget.TooComplex` for a page over the extraction budget.
    """
    row = archive.get(ref)
    if row is None or row.get("page_id") is None:
        return None
    page = archive.page(row["page_id"])
    if page is None:
        return None
    content, headers = page
    return extract_within_budget(content, row.get("final_url") or row["url"], headers=headers, rules=rules)
