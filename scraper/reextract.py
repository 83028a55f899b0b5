"""Re-extraction: run today's extractor over stored raw pages, no network, on all CPU cores.

The stored pages go through the one pipeline (:mod:`scraper.pipeline`) as every page
does: :func:`~scraper.pipeline.extract_page` with the same options (site rules
included) in a process pool or on a cluster, and the store step here, the single
writer, one transaction per article, in the order the pages were read. Any *mapper*
(``mapper(fn, pages)`` yielding results **in order**) plugs in: the local pool of
:func:`scraper.pool.local_mapper`, a Dask cluster's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .archive import Archive
from .errors import ExitCode, WorkerError
from .options import ExtractOptions
from .pipeline import Extracted, Page, extract_page, run_pages
from .pool import Mapper, close_results, default_jobs, local_mapper
from .search import Filters

__all__ = ["RawPage", "Extracted", "Mapper", "extract_page", "local_mapper", "reextract", "ReextractReport",
           "default_jobs", "close_results", "WorkerError", "stored_pages", "stored_page", "count_pages"]

RawPage = Page  # the name this module gave pages before the pipeline was one


@dataclass
class ReextractReport:
    """Counts of one run: ``updated`` kept a version, ``refreshed`` changed other fields only."""

    pages: int = 0
    updated: int = 0
    refreshed: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "updated": self.updated, "refreshed": self.refreshed,
                "unchanged": self.unchanged, "failed": self.failed, "errors": self.errors[:20]}

    @property
    def exit_code(self) -> int:
        """130 when stopped early, 1 when a page failed, else 0."""
        return ExitCode.INTERRUPTED if self.interrupted else ExitCode.FAILED if self.failed else ExitCode.OK


def count_pages(archive: Archive, filters: Filters | None = None, limit: int | None = None) -> int:
    """How many articles :func:`reextract` would visit (for a progress bar)."""
    where, params = (filters or Filters()).where("a")
    total = archive.db.conn.execute(
        f"SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id WHERE p.content IS NOT NULL "
        f"AND {where}", params).fetchone()[0]
    return min(total, limit) if limit is not None else total


def stored_pages(archive: Archive, filters: Filters | None = None, *, limit: int | None = None,
                 chunk: int = 256) -> Iterator[RawPage]:
    """Each article's current raw page, by article id, read ``chunk`` rows at a time.

    No cursor stays open between chunks, so the writer can commit while this is consumed.
    """
    where, params = (filters or Filters()).where("a")
    last, seen = 0, 0
    while limit is None or seen < limit:
        size = chunk if limit is None else min(chunk, limit - seen)
        rows = archive.db.conn.execute(
            "SELECT a.id, a.url, p.final_url, p.headers, p.content, p.compression, p.fetched_at, p.status "
            "FROM articles a JOIN pages p ON p.id = a.page_id "
            f"WHERE a.id > ? AND p.content IS NOT NULL AND {where} ORDER BY a.id LIMIT ?",
            (last, *params, size)).fetchall()
        if not rows:
            return
        for row in rows:
            yield _page(row)
        last = rows[-1][0]
        seen += len(rows)


def stored_page(archive: Archive, article_id: int) -> Page | None:
    """One article's current raw page, as :func:`stored_pages` reads them (None without one)."""
    row = archive.db.conn.execute(
        "SELECT a.id, a.url, p.final_url, p.headers, p.content, p.compression, p.fetched_at, p.status "
        "FROM articles a JOIN pages p ON p.id = a.page_id WHERE a.id = ? AND p.content IS NOT NULL",
        (article_id,)).fetchone()
    return _page(row) if row else None


def _page(row: tuple[Any, ...]) -> Page:
    article_id, url, final_url, headers, content, compression, fetched_at, status = row
    return Page(url=url, final_url=final_url or url, content=bytes(content), headers=_headers(headers),
                fetched_at=fetched_at, compression=compression, status=status, article_id=article_id,
                source="reextract")


def _headers(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def reextract(archive: Archive, *, filters: Filters | None = None, limit: int | None = None,
              jobs: int = 1, mapper: Mapper | None = None, options: ExtractOptions | None = None,
              progress: Callable[[int], None] | None = None,
              stop: Callable[[], bool] | None = None) -> ReextractReport:
    """Re-extract stored pages (with ``options``: the site rules ``fetch`` used) and update
    the articles whose output changed.

    A changed text, title, date, author list or tag list keeps the old values as a
    version (reason ``reextract``); other changed fields are updated without one; an
    identical output writes nothing. ``mapper`` overrides the local pool (``jobs``);
    ``stop()`` returning true ends the run after the article in progress.
    """
    report = ReextractReport()
    for page, outcome in run_pages(archive, stored_pages(archive, filters, limit=limit), options=options,
                                   mapper=mapper, jobs=jobs, stop=stop, progress=progress):
        report.pages += 1
        if not outcome.ok:
            report.failed += 1
            report.errors.append(f"{page.url}: {outcome.error_kind}: {outcome.error}")
        else:
            setattr(report, outcome.status, getattr(report, outcome.status) + 1)
    report.interrupted = stop is not None and stop()
    return report
