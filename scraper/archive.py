"""The SQLite archive: articles, their tags, the raw pages and every fetch attempt.

Built on sqlite-utils for schema and queries. Writes go through :meth:`Archive.transaction`,
one ``BEGIN IMMEDIATE`` … ``COMMIT`` per article, so a crash or a kill at any moment
leaves either the whole article or none of it. The database runs in WAL mode so
readers (``show``, ``export``, Datasette) never block the writer.

The schema carries a version (``PRAGMA user_version``). Opening an archive for writing
upgrades an older one through :data:`MIGRATIONS`, all steps in one transaction, so an
archive made by an older release opens in a newer one and a failed upgrade changes
nothing. Write statements are plain SQL inside our own transaction: sqlite-utils'
insert helpers and ``executescript`` would commit half-way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import weakref
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import __version__, stories
from .article import Article, content_hash
from .errors import ArchiveError
from .options import DEFAULT_BUSY_TIMEOUT, busy_timeout
from .records import Attempt, Response
from .safehtml import safe_links
from .urls import normalize_url, site_of, web_archive_capture

__all__ = ["Archive", "ArchiveError", "StoreResult", "SCHEMA_VERSION", "MIGRATIONS", "content_hash"]

SCHEMA_VERSION = 6
LIST_SEPARATOR = "; "

# The first released schema, frozen: new archives are created at v1 and then run through
# every migration, so the upgrade path is exercised on each new file, not only on old ones.

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    final_url TEXT,
    canonical_url TEXT,
    site TEXT,
    title TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    published TEXT,
    modified TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    language TEXT,
    site_name TEXT,
    description TEXT,
    image TEXT,
    is_article INTEGER NOT NULL DEFAULT 1,
    comments TEXT,
    word_count INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT,
    page_id INTEGER REFERENCES pages(id),
    first_fetched TEXT NOT NULL,
    last_fetched TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    extractor TEXT
);
CREATE INDEX IF NOT EXISTS idx_articles_published ON articles(published);
CREATE INDEX IF NOT EXISTS idx_articles_site ON articles(site);
CREATE INDEX IF NOT EXISTS idx_articles_canonical ON articles(canonical_url);
CREATE INDEX IF NOT EXISTS idx_articles_hash ON articles(content_hash);

CREATE TABLE IF NOT EXISTS tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX IF NOT EXISTS idx_article_tags_tag ON article_tags(tag_id);

CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    final_url TEXT,
    status INTEGER,
    headers TEXT NOT NULL DEFAULT '{}',
    redirects TEXT NOT NULL DEFAULT '[]',
    content BLOB,
    compression TEXT NOT NULL DEFAULT 'zlib',
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT,
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_pages_url ON pages(url);

CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    request_url TEXT,
    started_at TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    elapsed REAL,
    page_id INTEGER REFERENCES pages(id)
);
CREATE INDEX IF NOT EXISTS idx_fetches_url ON fetches(url);
"""

# v1 → v2: history (versions), full-text search kept in sync by triggers, page provenance,
# a published_month column for Datasette facets, and a log of the migrations themselves.
# The FTS table has the name and shape sqlite-utils gives one (``articles_fts``,
# ``content=[articles]``), so sqlite-utils and Datasette find it on their own; its update
# trigger fires only when title or body are written, not on every ``last_fetched`` bump.
# Its ``rank`` weighs a match in the title five times one in the body.
_MIGRATE_V1_V2 = """
CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    scraper_version TEXT NOT NULL
);

ALTER TABLE articles ADD COLUMN published_month TEXT;
UPDATE articles SET published_month = substr(published, 1, 7)
    WHERE published GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]*';
CREATE INDEX IF NOT EXISTS idx_articles_month ON articles(published_month);
CREATE INDEX IF NOT EXISTS idx_articles_fetched ON articles(last_fetched);

ALTER TABLE pages ADD COLUMN source TEXT;
ALTER TABLE pages ADD COLUMN source_ref TEXT;
UPDATE pages SET source = CASE WHEN status IS NULL THEN 'file' ELSE 'fetch' END;
CREATE INDEX IF NOT EXISTS idx_fetches_error ON fetches(error) WHERE error IS NOT NULL;

CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    title TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    published TEXT,
    modified TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL DEFAULT '',
    content_hash TEXT,
    page_id INTEGER REFERENCES pages(id),
    extractor TEXT,
    seen_from TEXT NOT NULL,
    seen_until TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_versions_article ON versions(article_id);

CREATE VIRTUAL TABLE IF NOT EXISTS [articles_fts] USING FTS5 (
    [title], [body], content=[articles], tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS [articles_ai] AFTER INSERT ON [articles] BEGIN
    INSERT INTO [articles_fts] (rowid, [title], [body]) VALUES (new.rowid, new.[title], new.[body]);
END;
CREATE TRIGGER IF NOT EXISTS [articles_ad] AFTER DELETE ON [articles] BEGIN
    INSERT INTO [articles_fts] ([articles_fts], rowid, [title], [body])
        VALUES ('delete', old.rowid, old.[title], old.[body]);
END;
CREATE TRIGGER IF NOT EXISTS [articles_au] AFTER UPDATE OF [title], [body] ON [articles] BEGIN
    INSERT INTO [articles_fts] ([articles_fts], rowid, [title], [body])
        VALUES ('delete', old.rowid, old.[title], old.[body]);
    INSERT INTO [articles_fts] (rowid, [title], [body]) VALUES (new.rowid, new.[title], new.[body]);
END;
INSERT INTO [articles_fts] ([articles_fts]) VALUES ('rebuild');
INSERT INTO [articles_fts] ([articles_fts], rank) VALUES ('rank', 'bm25(5.0, 1.0)');
"""

# v3: the crawler's durable state — its frontier (queued URLs with source and depth),
# the validators of feeds and sitemaps, and the log of runs (see scraper.frontier).
_MIGRATE_V2_V3 = """
CREATE TABLE IF NOT EXISTS crawl_frontier (
    url TEXT PRIMARY KEY,
    fetch_url TEXT NOT NULL,
    origin TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    depth INTEGER NOT NULL DEFAULT 0,
    follow INTEGER NOT NULL DEFAULT 0,
    date TEXT,
    state TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    article_id INTEGER,
    error TEXT,
    run_id INTEGER,
    discovered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_crawl_frontier_state ON crawl_frontier(state);
CREATE TABLE IF NOT EXISTS crawl_sources (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fingerprint TEXT,
    status INTEGER,
    error TEXT,
    entries INTEGER,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    pid INTEGER,
    status TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    summary TEXT
);
"""



def _migrate_v3_v4(conn: sqlite3.Connection) -> None:
    """v4: ``articles.original_url``, the address a copy from a web archive was captured
    from; the ``site`` of such copies becomes the original's (filled in for stored rows)."""
    conn.execute("ALTER TABLE articles ADD COLUMN original_url TEXT")
    conn.execute("CREATE INDEX IF NOT EXISTS idx_articles_original ON articles(original_url)")
    rows = conn.execute("SELECT id, url, canonical_url FROM articles").fetchall()
    for article_id, url, canonical in rows:
        capture = web_archive_capture(url) or web_archive_capture(canonical)
        if capture is not None:
            conn.execute("UPDATE articles SET original_url = ?, site = ? WHERE id = ?",
                         (capture.original, site_of(capture.original), article_id))


# v5: stories — articles whose bodies are near-identical (the same wire story on several sites).
# ``stories`` holds one row per group; ``articles.story`` points at it and ``story_first``
# marks its earliest published member; ``story_sketches`` (MinHash per article) and
# ``story_keys`` (its LSH band keys, indexed) let a new article find its matches in one query.
_MIGRATE_V4_V5 = """
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    first_article_id INTEGER,
    title TEXT,
    first_published TEXT,
    articles INTEGER NOT NULL DEFAULT 0,
    sites INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
ALTER TABLE articles ADD COLUMN story INTEGER REFERENCES stories(id);
ALTER TABLE articles ADD COLUMN story_first INTEGER;
CREATE INDEX IF NOT EXISTS idx_articles_story ON articles(story);
CREATE TABLE IF NOT EXISTS story_sketches (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    shingles INTEGER NOT NULL,
    minhash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS story_keys (
    key INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
"""


def _migrate_v4_v5(conn: sqlite3.Connection) -> None:
    """v5: the story tables and columns, filled in for the articles already stored."""
    _run_script(conn, _MIGRATE_V4_V5)
    if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
        stories.rebuild(conn, _now())


# v6: what ``scraper stats`` and the web view ask of a large archive answered from indexes,
# never by a scan of rows that carry bodies or page bytes: pages that did not read as articles
# (a partial index, they are few), articles per site with their first and last publication
# date (``idx_articles_site`` widened to a covering index), and the raw bytes stored (an index
# led by the page id, so that a new page's entry is appended, never written in the middle).
_MIGRATE_V5_V6 = """
CREATE INDEX IF NOT EXISTS idx_articles_not_article ON articles(is_article) WHERE is_article = 0;
CREATE INDEX IF NOT EXISTS idx_articles_site_published ON articles(site, published);
DROP INDEX IF EXISTS idx_articles_site;
CREATE INDEX IF NOT EXISTS idx_pages_size ON pages(id, size);
"""


# MIGRATIONS[n] takes an archive at schema n to n + 1, inside the caller's transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: lambda conn: _run_script(conn, _SCHEMA_V1),
    1: lambda conn: _run_script(conn, _MIGRATE_V1_V2),
    2: lambda conn: _run_script(conn, _MIGRATE_V2_V3),
    3: _migrate_v3_v4,
    4: _migrate_v4_v5,
    5: lambda conn: _run_script(conn, _MIGRATE_V5_V6),
}

# Changes to these make a new version of an article (the old values go to ``versions``).
VERSIONED = ("title", "body", "published", "modified", "authors", "tags")
# Written on every store even when the article did not change.
_FETCH_COLUMNS = ("final_url", "page_id", "last_fetched")
_MONTH = re.compile(r"^\d{4}-[01]\d")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def published_month(published: str | None) -> str | None:
    """``YYYY-MM`` of an ISO date, the unit archives are browsed and faceted by."""
    return published[:7] if published and _MONTH.match(published) else None


class StoreResult:
    """What a write did: ``status`` is ``new``, ``updated``, ``unchanged``, ``refreshed``
    (extracted fields other than text, title, dates, authors and tags changed: no version)
    or ``older`` (a capture older than the stored one: kept as a past version)."""

    __slots__ = ("article_id", "status", "page_id", "version_id")

    def __init__(self, article_id: int, status: str, page_id: int | None,
                 version_id: int | None = None) -> None:
        self.article_id = article_id
        self.status = status
        self.page_id = page_id
        self.version_id = version_id

    def __repr__(self) -> str:
        return f"StoreResult(article_id={self.article_id}, status={self.status!r})"


MAX_BUSY_TIMEOUT = (2**31 - 1) / 1000  # seconds


class Archive:
    """An archive file. ``Archive("archive.db")`` creates it on first use.

    ``readonly=True`` opens an existing file without ever writing to it (for
    ``show``, ``list``, ``export``); ``timeout`` is how long a writer waits for
    another process's lock before :class:`ArchiveError` (default ``$SCRAPER_BUSY_TIMEOUT``
    or 30 s, :func:`scraper.options.busy_timeout`). A writable open upgrades an
    older schema (``migrated_from`` tells from which version); a read-only open of an
    older schema raises :class:`ArchiveError` naming ``scraper migrate``.
    """

    def __init__(self, path: str | Path = "archive.db", *, readonly: bool = False,
                 timeout: float | None = None) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.migrated_from: int | None = None
        if timeout is None:
            timeout = busy_timeout()
        # SQLite takes whole milliseconds in a C int: about 24 days at most
        timeout = DEFAULT_BUSY_TIMEOUT if timeout != timeout else min(max(timeout, 0.0), MAX_BUSY_TIMEOUT)
        self._cursors: weakref.WeakSet[sqlite3.Cursor] = weakref.WeakSet()  # those query() streams from
        # side files a read-only open finds missing are removed again on close (see close())
        self._side_files_absent = readonly and not any(p.exists() for p in self._side_files())
        conn: sqlite3.Connection | None = None
        try:
            if readonly:
                if self.path.is_dir():
                    raise ArchiveError(f"archive path is a directory: {self.path}")
                if not self.path.is_file():
                    raise ArchiveError(f"no archive at {self.path}")
                conn = self._connect_readonly(timeout)
            else:
                if self.path.is_dir():
                    raise ArchiveError(f"archive path is a directory: {self.path}")
                if not self.path.parent.exists():
                    raise ArchiveError(f"folder does not exist: {self.path.parent}")
                conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.db = Database(conn)
            if readonly:
                self._check_readable(conn)
            else:
                self._prepare()
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None
        except OSError as exc:
            if conn is not None:
                conn.close()
            raise ArchiveError(f"cannot open archive {self.path}: {exc.strerror or exc}") from None
        except ArchiveError:
            if conn is not None:
                conn.close()
            raise

    # -- lifecycle -------------------------------------------------------------------

    def _connect_readonly(self, timeout: float) -> sqlite3.Connection:
        """Open with ``mode=ro``; on a read-only folder fall back to ``immutable=1``.

        A WAL archive needs its ``-shm`` file, which a reader cannot create in a folder it
        may not write. When no ``-wal`` file with content exists there, nothing can be
        writing the archive (no one can create one), so reading it as immutable is exact.
        """
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.OperationalError:
            wal = self.path.with_name(self.path.name + "-wal")
            if os.access(self.path.parent, os.W_OK) or (wal.exists() and wal.stat().st_size > 0):
                raise
            conn.close()
            return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)

    @property
    def schema_version(self) -> int:
        return int(self.db.conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_readable(self, conn: sqlite3.Connection) -> None:
        version = self.schema_version
        if version == 0 and not _has_table(conn, "articles"):
            raise ArchiveError(f"not a scraper archive: {self.path}")
        if version > SCHEMA_VERSION:
            raise ArchiveError(self._newer(version))
        if version < SCHEMA_VERSION:
            raise ArchiveError(
                f"{self.path} uses archive schema v{version} and this scraper reads v{SCHEMA_VERSION}: "
                f"upgrade it once with `scraper migrate --db {self.path}` (all data is kept)")

    def _newer(self, version: int) -> str:
        return (f"{self.path} was written by a newer scraper (schema {version}, "
                f"this one knows {SCHEMA_VERSION})")

    def _prepare(self) -> None:
        conn = self.db.conn
        # What the file is comes first: another application's database (or a newer
        # archive) is refused before anything about it changes, its journal mode included.
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise ArchiveError(self._newer(version))
        if version == 0 and _has_table(conn) and not _has_table(conn, "articles"):
            raise ArchiveError(f"not a scraper archive: {self.path}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ArchiveError(f"cannot switch {self.path} to WAL mode")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            start = version = self.schema_version  # again under the lock: another process may have won
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](conn)
                version += 1
            if start < SCHEMA_VERSION:
                for applied in range(start + 1, SCHEMA_VERSION + 1):
                    conn.execute("INSERT OR REPLACE INTO migrations (version, applied_at, scraper_version) "
                                 "VALUES (?, ?, ?)", (applied, _now(), __version__))
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self.migrated_from = start if start < SCHEMA_VERSION else None

    def _side_files(self) -> tuple[Path, Path]:
        return (self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm"))

    def close(self) -> None:
        for cursor in list(self._cursors):
            try:
                cursor.close()
            except sqlite3.Error:
                pass
        self.db.conn.close()
        if self.readonly and self._side_files_absent:
            self._remove_side_files()

    def _remove_side_files(self) -> None:
        """Leave no empty ``-wal`` and 32 KB ``-shm`` beside the archive after a read.

        A WAL reader creates both, and only a connection that may write removes them as
        the last one to close. So when this read found neither, SQLite itself is asked:
        a connection opened and closed again removes them if, and only if, no other
        process has the archive open (then it is the last one; with another reader or a
        crawl that started meanwhile, nothing happens). The ``-wal`` it finds is empty,
        or a writer's that already closed, so nothing is written to the archive itself.
        """
        wal, shm = self._side_files()
        if not (wal.exists() or shm.exists()):
            return
        try:
            conn = sqlite3.connect(str(self.path), timeout=0, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            pass  # read-only file or folder, busy: leave them, as any WAL reader would
        finally:
            conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored, or none of it.

        Waits up to ``timeout`` for another writer, then raises :class:`ArchiveError`.
        """
        if self.readonly:
            raise ArchiveError(f"archive {self.path} was opened read-only: cannot write")
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            _rollback(conn)
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    # -- writing ---------------------------------------------------------------------

    def store(self, article: Article, response: Response | None = None, *,
              raw: bytes | None = None, url: str | None = None, source: str | None = None,
              source_ref: str | None = None, fetched_at: str | None = None,
              replaces: int | None = None) -> StoreResult:
        """Store an extracted article with the page it came from, in one transaction.

        ``response`` is the HTTP response (its attempts are logged in ``fetches``, its
        ``fetched_at`` dates the capture); for a local file pass ``raw`` bytes and the
        page's original ``url`` instead (and ``fetched_at`` if it is not now). ``source`` says where the page came from
        (``fetch``, ``file``, ``warc``) and ``source_ref`` which file and record.
        Re-storing a URL updates its row in place, never duplicates it, and keeps the
        previous text, title, dates, authors and tags in ``versions`` when they changed.
        ``replaces`` is the id of an article stored from a copy of this page (one naming
        this URL as its canonical one): when this URL has no article yet, that row becomes
        this URL's, its id kept and its past state kept as a version.
        """
        key = normalize_url(url or (response.url if response else None) or article.url or "")
        if not key:
            raise ValueError("an article needs a URL to be archived")
        now = _now()
        when = (response.fetched_at if response is not None else fetched_at) or now
        source = source or ("fetch" if response is not None else "file")
        try:
            with self.transaction() as conn:
                if replaces is not None and conn.execute("SELECT 1 FROM articles WHERE url = ?",
                                                         (key,)).fetchone() is None:
                    conn.execute("UPDATE articles SET url = ? WHERE id = ?", (key, replaces))
                page_id, known = self._insert_page(conn, key, response, raw, when, source, source_ref)
                if response is not None:
                    self._insert_attempts(conn, key, response.attempts, page_id)
                final_url = response.final_url if response is not None else article.url
                return self._upsert_article(conn, key, article, page_id, final_url, when, source, known)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    def update_extraction(self, article_id: int, article: Article, *, reason: str = "reextract") -> StoreResult:
        """Replace an article's extracted fields with ``article`` (the output of re-extracting
        its stored page), in one transaction; write nothing when the output is the same."""
        now = _now()
        try:
            with self.transaction() as conn:
                row = _row(conn, "SELECT * FROM articles WHERE id = ?", (article_id,))
                if row is None:
                    raise ArchiveError(f"no article {article_id} in {self.path}")
                values = self._extracted_values(article, row["url"], row.get("final_url"))
                changed = _is_change(row, values)
                version_id = None
                if changed:
                    version_id = self._save_version(conn, row, replaced_at=now, reason=reason)
                    values["updated_at"] = now
                diff = {k: v for k, v in values.items() if row[k] != v}
                if not diff:
                    return StoreResult(article_id, "unchanged", row["page_id"])
                _update(conn, article_id, diff)
                if "tags" in diff:
                    self._set_tags(conn, article_id, article.tags)
                _cluster(conn, article_id, values, row, now)
                return StoreResult(article_id, "updated" if changed else "refreshed", row["page_id"], version_id)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    def rebuild_stories(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Cluster every article into stories again from scratch (``scraper stories --rebuild``),
        in one transaction; return the number of stories. See :mod:`scraper.stories`."""
        try:
            with self.transaction() as conn:
                return stories.rebuild(conn, _now(), progress=progress)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    def record_attempts(self, url: str, attempts: Sequence[Attempt], error: str | None = None) -> None:
        """Log a fetch that stored no page: each attempt a row, the last one carrying ``error``."""
        key = normalize_url(url)
        rows = list(attempts) or [Attempt(url=url, started_at=_now())]
        try:
            with self.transaction() as conn:
                for i, attempt in enumerate(rows):
                    message = (error or attempt.error) if i == len(rows) - 1 else attempt.error
                    conn.execute(
                        "INSERT INTO fetches (url, request_url, started_at, status, error, elapsed) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (key, attempt.url, attempt.started_at, attempt.status, message, attempt.elapsed))
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    def _insert_page(self, conn: sqlite3.Connection, key: str, response: Response | None,
                     raw: bytes | None, when: str, source: str,
                     source_ref: str | None) -> tuple[int | None, bool]:
        """The page's id and whether those exact bytes were already stored for this URL."""
        content = response.content if response is not None else raw
        if content is None:
            return None, False
        digest = hashlib.sha256(content).hexdigest()
        final_url = response.final_url if response is not None else key
        same = conn.execute("SELECT id FROM pages WHERE url = ? AND sha256 = ? ORDER BY id DESC LIMIT 1",
                            (key, digest)).fetchone()
        if same:
            return same[0], True  # the same bytes again: keep one copy
        cursor = conn.execute(
            "INSERT INTO pages (url, final_url, status, headers, redirects, content, compression, size, "
            "sha256, fetched_at, source, source_ref) VALUES (?, ?, ?, ?, ?, ?, 'zlib', ?, ?, ?, ?, ?)",
            (key, final_url, response.status if response else None,
             json.dumps(response.headers if response else {}, ensure_ascii=False),
             json.dumps(response.redirects if response else []),
             zlib.compress(content, 6), len(content), digest, when, source, source_ref))
        return cursor.lastrowid, False

    def _insert_attempts(self, conn: sqlite3.Connection, key: str, attempts: Sequence[Attempt],
                         page_id: int | None) -> None:
        for i, attempt in enumerate(attempts):
            conn.execute(
                "INSERT INTO fetches (url, request_url, started_at, status, error, elapsed, page_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, attempt.url, attempt.started_at, attempt.status, attempt.error, attempt.elapsed,
                 page_id if i == len(attempts) - 1 else None))

    @staticmethod
    def _extracted_values(article: Article, key: str, base_url: str | None = None) -> dict[str, Any]:
        """The stored form of an article's extracted fields. The body HTML's links are made
        safe here, once for every way in (fetch, crawl, file, WARC, reextract)."""
        return {
            "canonical_url": article.canonical_url,
            "original_url": article.original_url,
            # The host it was archived from, or for a copy from a web archive the host
            # it was captured from: what a --site filter names. (A syndicated copy's
            # canonical URL points at another publisher.)
            "site": site_of(article.original_url or key),
            "title": article.title,
            "authors": json.dumps(article.authors, ensure_ascii=False),
            "published": article.published,
            "published_month": published_month(article.published),
            "modified": article.modified,
            "tags": json.dumps(article.tags, ensure_ascii=False),
            "body": article.body,
            "body_html": safe_links(article.body_html, base_url or key),
            "language": article.language,
            "site_name": article.site_name,
            "description": article.description,
            "image": article.image,
            "is_article": int(article.is_article),
            "comments": article.comments,
            "word_count": article.word_count,
            "content_hash": content_hash(article.body),
            "extractor": __version__,
        }

    def _upsert_article(self, conn: sqlite3.Connection, key: str, article: Article, page_id: int | None,
                        final_url: str | None, when: str, source: str, known_page: bool = False) -> StoreResult:
        values = self._extracted_values(article, key, final_url)
        values.update(final_url=final_url, page_id=page_id, last_fetched=when)
        row = _row(conn, "SELECT * FROM articles WHERE url = ?", (key,))
        if row is None:
            values.update(url=key, first_fetched=when, updated_at=when)
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            article_id = int(conn.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})",
                                          list(values.values())).lastrowid or 0)
            self._set_tags(conn, article_id, article.tags)
            _cluster(conn, article_id, values, None, when)
            return StoreResult(article_id, "new", page_id)
        article_id = row["id"]
        if known_page and page_id != row["page_id"] and not _earlier(row["last_fetched"], when):
            # A capture already in the archive (say, the same WARC imported twice): nothing new.
            return StoreResult(article_id, "unchanged", page_id)
        changed = _is_change(row, values)
        if _earlier(when, row["last_fetched"]):
            # An older capture (say, from a WARC) never replaces a newer one: it becomes history.
            version_id = None
            if changed:
                past = {**values, "id": article_id, "updated_at": when}
                version_id = self._save_version(conn, past, replaced_at=when, reason=source)
            if _earlier(when, row["first_fetched"]):
                conn.execute("UPDATE articles SET first_fetched = ? WHERE id = ?", (when, article_id))
            return StoreResult(article_id, "older" if changed else "unchanged", page_id, version_id)
        version_id = None
        if changed:
            version_id = self._save_version(conn, row, replaced_at=when, reason=source)
            values["updated_at"] = when
        diff = {k: v for k, v in values.items() if row[k] != v}
        if diff:
            _update(conn, article_id, diff)
        if "tags" in diff:
            self._set_tags(conn, article_id, article.tags)
        _cluster(conn, article_id, values, row, when)
        return StoreResult(article_id, "updated" if changed else "unchanged", page_id, version_id)

    @staticmethod
    def _save_version(conn: sqlite3.Connection, row: dict[str, Any], *, replaced_at: str, reason: str) -> int:
        """Keep the text, title, dates, authors and tags of ``row`` before they are replaced."""
        cursor = conn.execute(
            "INSERT INTO versions (article_id, title, authors, published, modified, tags, body, content_hash, "
            "page_id, extractor, seen_from, seen_until, replaced_at, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row["id"], row["title"], row["authors"], row["published"], row["modified"], row["tags"],
             row["body"], row["content_hash"], row["page_id"], row["extractor"], row["updated_at"],
             row["last_fetched"], replaced_at, reason))
        return int(cursor.lastrowid or 0)

    def _set_tags(self, conn: sqlite3.Connection, article_id: int, tags: Sequence[str]) -> None:
        conn.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
        for name in tags:
            key = name.casefold().strip()
            if not key:
                continue
            conn.execute("INSERT OR IGNORE INTO tags (name, key) VALUES (?, ?)", (name.strip(), key))
            tag_id = conn.execute("SELECT id FROM tags WHERE key = ?", (key,)).fetchone()[0]
            conn.execute("INSERT OR IGNORE INTO article_tags (article_id, tag_id) VALUES (?, ?)",
                         (article_id, tag_id))

    # -- reading ---------------------------------------------------------------------

    def get(self, ref: str | int) -> dict[str, Any] | None:
        """An article row by id or URL (normalised, or the canonical URL), lists decoded."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return self._one("SELECT * FROM articles WHERE id = ?", (int(ref),))
        key = normalize_url(ref)
        return self._one("SELECT * FROM articles WHERE url = ?", (key,)) or self._one(
            "SELECT * FROM articles WHERE canonical_url = ? OR final_url = ? ORDER BY id LIMIT 1",
            (ref, ref))

    def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        rows = list(self.query(sql, params))
        return rows[0] if rows else None

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of ``sql`` as dicts with JSON list columns decoded; streams, never loads all.

        The cursor is closed with the archive even when the reader stopped half-way (a
        closed pipe): an open statement would keep the connection alive past close().
        """
        for keys, row in self._stream(sql, params):
            yield _decode(dict(zip(keys, row)))

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of ``sql`` as plain tuples, nothing decoded (for exports); streams like :meth:`query`."""
        for _keys, row in self._stream(sql, params):
            yield row

    def _stream(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> Iterator[tuple[list[str], Any]]:
        try:
            cursor = self.db.conn.execute(sql, params)
            self._cursors.add(cursor)
            keys = [d[0] for d in cursor.description]
            for row in cursor:
                yield keys, row
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    def articles(self, *, limit: int | None = None, one_per_story: bool = False) -> Iterator[dict[str, Any]]:
        """Articles, most recently fetched first (``one_per_story``: only the first of each story)."""
        where = "WHERE story IS NULL OR story_first = 1 " if one_per_story else ""
        sql = f"SELECT * FROM articles {where}ORDER BY last_fetched DESC, id DESC"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self.query(sql, params)

    def versions(self, article_id: int) -> list[dict[str, Any]]:
        """Past versions of one article, oldest first (the current one is in ``articles``)."""
        return list(self.query("SELECT * FROM versions WHERE article_id = ? ORDER BY seen_from, id",
                               (article_id,)))

    def raw_page(self, page_id: int) -> bytes | None:
        """The stored bytes of a page, decompressed."""
        row = self.db.conn.execute("SELECT content, compression FROM pages WHERE id = ?", (page_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return decompress(row[0], row[1])

    def page(self, page_id: int) -> tuple[bytes, dict[str, str]] | None:
        """A stored page's bytes (decompressed) and its HTTP response headers."""
        row = self.db.conn.execute("SELECT headers FROM pages WHERE id = ?", (page_id,)).fetchone()
        content = self.raw_page(page_id)
        if row is None or content is None:
            return None
        try:
            headers = json.loads(row[0] or "{}")
        except ValueError:
            headers = {}
        return content, headers

    def count(self, table: str = "articles") -> int:
        if not _has_table(self.db.conn, table):
            raise ArchiveError(f"no table {table!r} in {self.path}")
        return int(self.db.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])

    def check_integrity(self) -> list[str]:
        """Problems found by SQLite's ``integrity_check`` and the FTS index check; empty when sound.

        FTS5's full check is an INSERT command, which a read-only handle may not run; there
        the index is checked to hold exactly one entry per article instead.
        """
        conn = self.db.conn
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        try:
            if self.readonly:
                indexed = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
                stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
                if indexed != stored:
                    problems.append(f"articles_fts: {indexed} entries for {stored} articles")
            else:
                conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"articles_fts: {exc}")
        return problems


class Database:
    """``Archive.db``: the archive's connection (``.conn``), and sqlite-utils' ``Database`` on it
    for everything else (``db["articles"].count``, ``db.query(...)``), imported on first use.

    The archive itself needs only the connection. sqlite-utils is imported lazily, and
    without pandas and numpy, which it imports whenever they are installed (0.3 s and 50 MB
    at every start of every command, for DataFrame support the archive never uses).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._database: Any = None

    def _full(self) -> Any:
        if self._database is None:
            self._database = _sqlite_utils().Database(self.conn)
        return self._database

    def __getattr__(self, name: str) -> Any:
        return getattr(self._full(), name)

    def __getitem__(self, name: str) -> Any:
        return self._full()[name]


def _sqlite_utils() -> Any:
    """sqlite_utils, imported with pandas and numpy kept out unless this process already
    has them (then it uses them, as it would anyway)."""
    import sys

    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import pandas" raises ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


def _has_table(conn: sqlite3.Connection, name: str | None = None) -> bool:
    """Whether the database has a table called ``name`` (any table, when None)."""
    if name is None:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone() is not None
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (name,)).fetchone() is not None


def decompress(content: bytes, compression: str | None) -> bytes:
    """Stored page bytes back to what the server sent (after HTTP content decoding)."""
    return zlib.decompress(content) if compression == "zlib" else bytes(content)


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement (``executescript`` would commit our transaction)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                conn.execute(pending)
            pending = ""
    if pending.strip(" \n;"):
        raise ValueError(f"incomplete SQL statement: {pending[:80]!r}")


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open: SQLite ends some on its own (a full disk)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _row(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
    cursor = conn.execute(sql, params)
    values = cursor.fetchone()
    if values is None:
        return None
    return dict(zip([d[0] for d in cursor.description], values))


def _update(conn: sqlite3.Connection, article_id: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{name} = ?" for name in values)
    conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id])


def _cluster(conn: sqlite3.Connection, article_id: int, values: dict[str, Any], row: dict[str, Any] | None,
             now: str) -> None:
    """Keep the article's story up to date (see :mod:`scraper.stories`), in the write's transaction.

    A new article, a changed text or a page that now reads as an article (or no longer does)
    is matched again; a changed publication date or title only refreshes its story's first member.
    """
    if row is None:
        stories.assign(conn, article_id, values["body"], bool(values["is_article"]), now, fresh=True)
    elif row["content_hash"] != values["content_hash"] or row["is_article"] != values["is_article"]:
        stories.assign(conn, article_id, values["body"], bool(values["is_article"]), now)
    elif row.get("story") is not None and (row["published"] != values["published"]
                                            or row["title"] != values["title"]):
        stories.refresh(conn, row["story"], now)


def _is_change(row: dict[str, Any], values: dict[str, Any]) -> bool:
    """A new version: the text (whitespace aside), title, dates, authors or tags differ."""
    if row["content_hash"] != values["content_hash"]:
        return True
    return any(row[name] != values[name] for name in VERSIONED if name != "body")


def _earlier(a: str, b: str | None) -> bool:
    """``a`` is strictly before ``b`` (ISO timestamps; unparsable ones compare as text)."""
    if not b:
        return False
    try:
        return datetime.fromisoformat(a) < datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return a < b


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("authors", "tags"):
        value = row.get(name)
        if isinstance(value, str):
            try:
                row[name] = json.loads(value)
            except ValueError:
                pass
    return row


def _explain_sqlite(path: Path, exc: BaseException) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"archive {path} is busy (another process holds its write lock); gave up waiting"
    if "readonly" in text or "read-only" in text:
        return f"archive {path} is read-only: cannot write (nothing already stored was changed)"
    if "disk is full" in text or "database or disk is full" in text:
        return f"disk full while writing {path}; the write was rolled back, nothing stored before is lost"
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a valid scraper archive ({text})"
    if "unable to open" in text:
        return f"cannot open {path} ({text}): check that the file and its folder are readable and writable"
    return f"archive {path}: {text}"
