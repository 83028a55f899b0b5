"""Re-extraction: run today's extractor over stored raw pages, no network, on all CPU cores.

The work is split in two so that the CPU part can run anywhere:

* :func:`extract_page` turns one :class:`RawPage` (bytes, URL, headers) into an
  :class:`Extracted` record. It is pure and everything it takes and returns pickles, so
  a process pool, or a cluster backend later, can run it.
* The single writer (the calling process) stores each result in the archive, one
  transaction per article, in the order the pages were read.

A *mapper* connects the two: ``mapper(extract_page, pages)`` yields one result per page,
**in the order given**. :func:`local_mapper` gives the built-in ones (inline for one job,
a bounded process pool for more); WARC import uses the same pieces.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from .archive import Archive
from .article import Article
from .budget import TooComplex, extract_within_budget
from .errors import WorkerError
from .search import Filters

__all__ = ["RawPage", "Extracted", "Mapper", "extract_page", "local_mapper", "reextract", "ReextractReport",
           "default_jobs", "close_results", "WorkerError", "stored_pages", "count_pages"]

Mapper = Callable[[Callable[["RawPage"], "Extracted"], Iterable["RawPage"]], Iterator["Extracted"]]


@dataclass
class RawPage:
    """A stored or imported page as the extractor needs it (picklable).

    ``content`` is compressed when ``compression`` says so: workers inflate it, so the
    writer process ships the small stored form.
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

    def body(self) -> bytes:
        return zlib.decompress(self.content) if self.compression == "zlib" else self.content


@dataclass
class Extracted:
    """What :func:`extract_page` made of a page: an article, or the error that stopped it."""

    url: str
    article: Article | None = None
    error: str | None = None
    article_id: int | None = None


def extract_page(page: RawPage) -> Extracted:
    """The CPU step: one page's bytes to an :class:`Article`. Never raises on a bad page.

    Relative dates ("3 hours ago") are anchored at the time the page was fetched, so
    re-extracting years later gives the dates the page meant. A page over the extraction
    budget (:mod:`scraper.budget`) comes back with a ``too-complex`` error.
    """
    try:
        now = datetime.fromisoformat(page.fetched_at) if page.fetched_at else None
    except ValueError:
        now = None
    try:
        article = extract_within_budget(page.body(), page.final_url, headers=page.headers, now=now)
    except TooComplex as exc:
        return Extracted(page.url, error=f"{exc.kind}: {exc}", article_id=page.article_id)
    except Exception as exc:  # a hostile or broken page must not stop the run
        return Extracted(page.url, error=f"{type(exc).__name__}: {exc}", article_id=page.article_id)
    article.url = page.url
    return Extracted(page.url, article, article_id=page.article_id)


def default_jobs() -> int:
    """Worker processes to use by default: the CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _run_batch(fn: Callable[[Any], Any], batch: list[Any]) -> list[Any]:
    return [fn(item) for item in batch]


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C reaches the whole process group, but the parent decides
    when to stop (after the page in progress); a worker dying of KeyboardInterrupt would
    break the pool instead. A SIGINT that came while the worker started is still pending
    (see below) and is discarded here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Around ``submit``, which may spawn a worker: the child inherits the blocked mask, so
    it cannot die of a Ctrl-C before its initializer runs; in this process a SIGINT that
    arrives meanwhile is only held back, and is handled as soon as the block ends."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except (AttributeError, ValueError, OSError):  # no pthread_sigmask here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def local_mapper(jobs: int = 1, *, batch_size: int = 16) -> Mapper:
    """A mapper on this machine: inline for ``jobs == 1``, else a pool of ``jobs`` processes.

    The pool gets a few batches per worker at a time, never the whole input, so memory
    stays bounded however many pages there are. Workers are *spawned* (not forked): a
    forked child would inherit the open SQLite connection. Input that fits in one round
    of batches is done inline: starting workers would cost more than it saves.
    """
    def inline(fn: Callable[[RawPage], Extracted], items: Iterable[RawPage]) -> Iterator[Extracted]:
        return (fn(item) for item in items)

    if jobs <= 1:
        return inline

    def pooled(fn: Callable[[RawPage], Extracted], items: Iterable[RawPage]) -> Iterator[Extracted]:
        source = iter(items)
        first = list(islice(source, batch_size * jobs))
        if len(first) < batch_size * jobs:
            yield from inline(fn, first)
            return
        source = itertools.chain(first, source)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_ignore_sigint)
        try:
            pending: deque[Future[list[Extracted]]] = deque()
            while True:
                batch = list(islice(source, batch_size))
                if batch:
                    with _sigint_blocked():
                        pending.append(pool.submit(_run_batch, fn, batch))
                if pending and (not batch or len(pending) >= jobs * 3):
                    try:
                        yield from pending.popleft().result()
                    except BrokenProcessPool as exc:
                        raise WorkerError(f"a worker process died ({exc}); what was written before it is kept") from None
                elif not batch:
                    break
        finally:  # on an early stop (Ctrl-C, a full disk) drop the queued batches
            pool.shutdown(wait=True, cancel_futures=True)
    return pooled


@dataclass
class ReextractReport:
    """Counts of one run: ``updated`` kept a version, ``refreshed`` changed other fields only."""

    pages: int = 0
    updated: int = 0
    refreshed: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "updated": self.updated, "refreshed": self.refreshed,
                "unchanged": self.unchanged, "failed": self.failed, "errors": self.errors[:20]}


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
        for article_id, url, final_url, headers, content, compression, fetched_at, status in rows:
            yield RawPage(url=url, final_url=final_url or url, content=bytes(content),
                          headers=_headers(headers), fetched_at=fetched_at, compression=compression,
                          status=status, article_id=article_id)
        last = rows[-1][0]
        seen += len(rows)


def _headers(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def reextract(archive: Archive, *, filters: Filters | None = None, limit: int | None = None,
              jobs: int = 1, mapper: Mapper | None = None,
              progress: Callable[[int], None] | None = None,
              stop: Callable[[], bool] | None = None) -> ReextractReport:
    """Re-extract stored pages and update the articles whose output changed.

    A changed text, title, date, author list or tag list keeps the old values as a
    version (reason ``reextract``); other changed fields are updated without one; an
    identical output writes nothing. ``mapper`` overrides the local pool (``jobs``);
    ``stop()`` returning true ends the run after the article in progress.
    """
    report = ReextractReport()
    run = mapper or local_mapper(jobs)
    results = run(extract_page, stored_pages(archive, filters, limit=limit))
    try:
        for result in results:
            report.pages += 1
            if result.article is None or result.article_id is None:
                report.failed += 1
                report.errors.append(f"{result.url}: {result.error}")
            else:
                outcome = archive.update_extraction(result.article_id, result.article)
                setattr(report, outcome.status, getattr(report, outcome.status) + 1)
            if progress is not None:
                progress(1)
            if stop is not None and stop():
                break
    finally:
        close_results(results)
    return report


def close_results(results: Iterator[Any]) -> None:
    """Close a mapper's result generator now, so a pool stops at once, not at garbage collection."""
    close = getattr(results, "close", None)
    if close is not None:
        close()
