"""The crawl's durable state in the archive: the frontier, source validators, the run log,
and the lock that keeps two crawls off one archive.

The frontier is a table in the archive, not a list in memory, so a crawl killed at
any moment (SIGKILL, power loss) resumes on the next run: rows still ``queued`` are
picked up again. Every change goes through :meth:`Archive.transaction`, one
transaction per discovery batch or per page.

The lock is an OS file lock (``flock``) on a side file next to the archive. The kernel
drops it when the process dies, however it dies, so a killed crawl never leaves a
stale lock behind — a row in a table would.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .archive import Archive, ArchiveError, _explain_sqlite
from .errors import LockedError
from .urls import normalize_url

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CrawlLock",
    "CrawlLocked",
    "Frontier",
    "FrontierRow",
    "lock_path_for",
]


# Frontier states: queued (to fetch), done (archived or answered 304), failed (retried on
# later runs up to MAX_TRIES), robots (disallowed), duplicate (same article under another
# address), skipped (not an article page we could fetch: private address, not HTML...).
QUEUED, DONE, FAILED, ROBOTS, DUPLICATE = "queued", "done", "failed", "robots", "duplicate"
MAX_TRIES = 3


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class CrawlLocked(LockedError):
    """Another crawl holds the archive (exit code 4)."""


def lock_path_for(db_path: str | Path) -> Path:
    """The side file whose lock says "a crawl is running on this archive"."""
    path = Path(db_path)
    return path.with_name(path.name + ".crawl.lock")


class CrawlLock:
    """An exclusive ``flock`` on ``<archive>.crawl.lock``; released by the kernel if we die.

    ``acquire(wait=False)`` raises :class:`CrawlLocked` at once when another process
    holds it; ``wait=True`` polls (so Ctrl-C still works) until it is free or
    ``should_stop()`` says to give up.
    """

    def __init__(self, db_path: str | Path) -> None:
        self.path = lock_path_for(db_path)
        self._fd: int | None = None

    def acquire(self, *, wait: bool = False, poll: float = 0.2,
                should_stop: Callable[[], bool] = lambda: False,
                on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock, or raise :class:`CrawlLocked` (see the class docstring for ``wait``)."""
        if fcntl is None:  # pragma: no cover
            return
        try:
            # never through a symbolic link: the lock file is written, and a link planted
            # there would have the crawl overwrite whatever it points at
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            reason = "it is a symbolic link" if self.path.is_symlink() else (exc.strerror or str(exc))
            raise ArchiveError(f"cannot create the crawl lock {self.path}: {reason}") from None
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self._holder(fd)
                if not wait or should_stop():
                    os.close(fd)
                    raise CrawlLocked(f"another crawl is already running on this archive ({holder}); "
                                      "run again later, or use --wait to wait for it") from None
                if on_wait and not told:
                    on_wait(f"another crawl is running on this archive ({holder}); waiting for it to finish")
                    told = True
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {_now()}\n".encode(), 0)
        self._fd = fd

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        return text or "pid unknown"

    def release(self) -> None:
        """Unlock (the kernel does the same if the process dies)."""
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> CrawlLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class FrontierRow:
    """A frontier row as the crawler needs it."""

    url: str
    fetch_url: str
    origin: str
    site: str
    source: str
    depth: int
    follow: bool
    date: str | None
    state: str
    tries: int
    run_id: int | None


class Frontier:
    """The crawl tables of one archive; the only writer is the crawl's main thread."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.conn = archive.db.conn  # the crawl tables come with the archive schema (v3)

    # -- transactions ----------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with self.archive.transaction() as conn:
                yield conn
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.archive.path, exc)) from None

    # -- runs ------------------------------------------------------------------------

    def start_run(self, options: dict[str, Any]) -> int:
        """Log a new run; runs left ``running`` by a killed crawl are marked ``killed``
        (we hold the lock, so nobody else is running)."""
        with self._write() as conn:
            conn.execute("UPDATE crawl_runs SET status = 'killed' WHERE status = 'running'")
            cursor = conn.execute(
                "INSERT INTO crawl_runs (started_at, pid, status, options) VALUES (?, ?, 'running', ?)",
                (_now(), os.getpid(), json.dumps(options, ensure_ascii=False, default=str)))
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        """Close a run's log row with its status and counts."""
        with self._write() as conn:
            conn.execute("UPDATE crawl_runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
                         (_now(), status, json.dumps(summary, ensure_ascii=False), run_id))

    # -- rows ------------------------------------------------------------------------

    def get(self, url: str) -> FrontierRow | None:
        """The row of a normalised URL, if it was ever found."""
        row = self.conn.execute(
            "SELECT url, fetch_url, origin, site, source, depth, follow, date, state, tries, run_id "
            "FROM crawl_frontier WHERE url = ?", (url,)).fetchone()
        return _row(row) if row else None

    def pending(self) -> Iterator[FrontierRow]:
        """Rows to (re)try this run: queued ones, and failed ones under the try limit."""
        rows = self.conn.execute(
            "SELECT url, fetch_url, origin, site, source, depth, follow, date, state, tries, run_id "
            "FROM crawl_frontier WHERE state = ? OR (state = ? AND tries < ?) ORDER BY rowid",
            (QUEUED, FAILED, MAX_TRIES)).fetchall()
        for row in rows:
            yield _row(row)

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        """Insert or requeue rows in one transaction (``state`` given per row)."""
        with self._write() as conn:
            _add(conn, rows)

    def mark(self, url: str, state: str, *, run_id: int | None, error: str | None = None,
             article_id: int | None = None, tried: bool = False,
             aliases: Iterable[tuple[str, str]] = ()) -> None:
        """Record what happened to one URL (and the addresses it is also known by)."""
        now = _now()
        with self._write() as conn:
            conn.execute(
                "UPDATE crawl_frontier SET state = ?, error = ?, article_id = coalesce(?, article_id), "
                "tries = tries + ?, run_id = ?, updated_at = ? WHERE url = ?",
                (state, error, article_id, int(tried), run_id, now, url))
            for alias, origin in aliases:
                conn.execute(
                    "INSERT INTO crawl_frontier (url, fetch_url, origin, source, state, article_id, run_id, "
                    "discovered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET state = excluded.state, "
                    "article_id = excluded.article_id, run_id = excluded.run_id, updated_at = excluded.updated_at",
                    (alias, alias, origin, f"alias:{url}", state, article_id, run_id, now, now))

    def counts(self) -> dict[str, int]:
        """Rows per state (for the summary and tests)."""
        return {state: n for state, n in self.conn.execute(
            "SELECT state, count(*) FROM crawl_frontier GROUP BY state")}

    # -- sources ---------------------------------------------------------------------

    def source_validators(self, url: str, fingerprint: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of a feed/sitemap/start page from the last run with the
        same settings (``fingerprint``); a conditional GET then costs a 304."""
        row = self.conn.execute("SELECT etag, last_modified, fingerprint FROM crawl_sources WHERE url = ?",
                                (url,)).fetchone()
        if not row or row[2] != fingerprint:
            return None, None
        return row[0], row[1]

    def record_source(self, url: str, kind: str, *, status: int | None, error: str | None,
                      entries: int, etag: str | None, last_modified: str | None,
                      fingerprint: str, discovered: Iterable[dict[str, Any]] = ()) -> None:
        """Store a source's outcome and the frontier rows it yielded in one transaction,
        so validators are never saved without the URLs they stand for."""
        now = _now()
        with self._write() as conn:
            _add(conn, discovered)
            if error is not None:  # keep old validators: a failed fetch proves nothing
                conn.execute(
                    "INSERT INTO crawl_sources (url, kind, status, error, entries, fetched_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET status = excluded.status, "
                    "error = excluded.error, fetched_at = excluded.fetched_at",
                    (url, kind, status, error, entries, now))
                return
            conn.execute(
                "INSERT INTO crawl_sources (url, kind, etag, last_modified, fingerprint, status, error, "
                "entries, fetched_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                "kind = excluded.kind, etag = excluded.etag, last_modified = excluded.last_modified, "
                "fingerprint = excluded.fingerprint, status = excluded.status, error = NULL, "
                "entries = excluded.entries, fetched_at = excluded.fetched_at",
                (url, kind, etag, last_modified, fingerprint, status, entries, now))

    # -- the archive's side ------------------------------------------------------------

    def archived(self, url: str, raw: str | None = None) -> tuple[int, bool] | None:
        """(article id, is_article) when ``url`` (normalised) or ``raw`` is already in the
        archive, as its own URL or as the address another article's page was served from
        (a redirect's target). A copy that only *names* ``url`` as its canonical URL does
        not count: the canonical page is fetched once and takes the copy's place (see
        :meth:`copy_of`)."""
        row = self.conn.execute("SELECT id, is_article FROM articles WHERE url = ?", (url,)).fetchone()
        if row is None:
            candidates = [url] + ([raw] if raw and raw != url else [])
            marks = ", ".join("?" for _ in candidates)
            for article_id, is_article, final_url in self.conn.execute(
                    f"SELECT id, is_article, final_url FROM articles WHERE canonical_url IN ({marks}) ORDER BY id",
                    candidates):
                if final_url and normalize_url(final_url) == url:
                    return int(article_id), bool(is_article)
        return (int(row[0]), bool(row[1])) if row else None

    def copy_of(self, url: str) -> tuple[int, str] | None:
        """(article id, its URL) of an archived copy of ``url``: another article that names
        ``url`` as its canonical URL, while ``url`` itself is not archived. The page at
        ``url`` takes its place, whichever of the two was fetched first."""
        if self.conn.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone():
            return None
        row = self.conn.execute("SELECT id, url FROM articles WHERE canonical_url = ? AND url != ? "
                                "ORDER BY id LIMIT 1", (url, url)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified the stored page of ``url`` was served with."""
        row = self.conn.execute(
            "SELECT p.headers FROM articles a JOIN pages p ON p.id = a.page_id WHERE a.url = ?",
            (url,)).fetchone()
        if not row or not row[0]:
            return None, None
        try:
            headers = {k.lower(): v for k, v in json.loads(row[0]).items()}
        except (ValueError, AttributeError):
            return None, None
        return headers.get("etag"), headers.get("last-modified")

    def duplicate_of(self, url: str, canonical: str | None, body_hash: str | None,
                     besides: int | None = None) -> int | None:
        """Id of another article with the same canonical URL or the same body text
        (``besides``: an article not to count, the copy a page is replacing)."""
        if canonical:
            row = self.conn.execute(
                "SELECT id FROM articles WHERE (url = ? OR canonical_url = ?) AND url != ? ORDER BY id LIMIT 1",
                (canonical, canonical, url)).fetchone()
            if row:
                return int(row[0])
        if body_hash:
            row = self.conn.execute(
                "SELECT id FROM articles WHERE content_hash = ? AND url != ? AND is_article = 1 AND id != ? "
                "ORDER BY id LIMIT 1", (body_hash, url, -1 if besides is None else besides)).fetchone()
            if row:
                return int(row[0])
        return None


_UPSERT = (
    "INSERT INTO crawl_frontier (url, fetch_url, origin, site, source, depth, follow, date, "
    "state, run_id, discovered_at, updated_at, article_id) "
    "VALUES (:url, :fetch_url, :origin, :site, :source, :depth, :follow, :date, :state, "
    ":run_id, :now, :now, :article_id) "
    "ON CONFLICT(url) DO UPDATE SET state = excluded.state, run_id = excluded.run_id, "
    "depth = min(depth, excluded.depth), follow = max(follow, excluded.follow), "
    "updated_at = excluded.updated_at, article_id = coalesce(excluded.article_id, article_id)"
)


def _add(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    now = _now()
    for r in rows:
        conn.execute(_UPSERT, {"date": None, "article_id": None, "follow": 0, "depth": 0, "site": "", **r,
                               "now": now})


def _row(row: tuple[Any, ...]) -> FrontierRow:
    return FrontierRow(row[0], row[1], row[2], row[3], row[4], int(row[5]), bool(row[6]), row[7], row[8],
                       int(row[9]), row[10])
