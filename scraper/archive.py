"""The SQLite archive: articles, their tags, the raw pages and every fetch attempt.

Built on sqlite-utils for schema and queries. Writes go through :meth:`Archive.transaction`,
one ``BEGIN IMMEDIATE`` … ``COMMIT`` per article, so a crash or a kill at any moment
leaves either the whole article or none of it. The database runs in WAL mode so
readers (``show``, ``export``, Datasette) never block the writer.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from . import __version__
from .article import Article
from .fetching import Attempt, Response
from .urls import normalize_url, site_of

__all__ = ["Archive", "ArchiveError", "StoreResult", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
LIST_SEPARATOR = "; "

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


class ArchiveError(Exception):
    """The archive file cannot be opened, read or written (exit code 3 in the CLI)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(text: str) -> str:
    """Hash of the body text with whitespace collapsed: same article text, same hash."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


class StoreResult:
    """What :meth:`Archive.store` did: ``status`` is ``new``, ``updated`` or ``unchanged``."""

    __slots__ = ("article_id", "status", "page_id")

    def __init__(self, article_id: int, status: str, page_id: int | None) -> None:
        self.article_id = article_id
        self.status = status
        self.page_id = page_id

    def __repr__(self) -> str:
        return f"StoreResult(article_id={self.article_id}, status={self.status!r})"


class Archive:
    """An archive file. ``Archive("archive.db")`` creates it on first use.

    ``readonly=True`` opens an existing file without ever writing to it (for
    ``show``, ``list``, ``export``); ``timeout`` is how long a writer waits for
    another process's lock before :class:`ArchiveError`.
    """

    def __init__(self, path: str | Path = "archive.db", *, readonly: bool = False,
                 timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                if not self.path.is_file():
                    raise ArchiveError(f"no archive at {self.path}")
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=timeout,
                                       isolation_level=None, check_same_thread=False)
            else:
                if self.path.is_dir():
                    raise ArchiveError(f"archive path is a directory: {self.path}")
                if not self.path.parent.exists():
                    raise ArchiveError(f"folder does not exist: {self.path.parent}")
                conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.db = sqlite_utils.Database(conn)
            if readonly:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version == 0 and not self.db["articles"].exists():
                    raise ArchiveError(f"not a scraper archive: {self.path}")
            else:
                self._prepare()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from None
        except OSError as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc.strerror or exc}") from None

    # -- lifecycle -------------------------------------------------------------------

    def _prepare(self) -> None:
        conn = self.db.conn
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ArchiveError(f"cannot switch {self.path} to WAL mode")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ArchiveError(
                f"{self.path} was written by a newer scraper (schema {version}, this one knows {SCHEMA_VERSION})")
        if version < SCHEMA_VERSION:
            with self.transaction():
                if version == 0:
                    if self.db.table_names() and not self.db["articles"].exists():
                        raise ArchiveError(f"not a scraper archive: {self.path}")
                    _run_script(conn, _SCHEMA_V1)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored, or none of it."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            conn.execute("ROLLBACK")
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    # -- writing ---------------------------------------------------------------------

    def store(self, article: Article, response: Response | None = None, *,
              raw: bytes | None = None, url: str | None = None) -> StoreResult:
        """Store an extracted article with the page it came from, in one transaction.

        ``response`` is the HTTP response (its attempts are logged in ``fetches``);
        for a local file pass ``raw`` bytes and the page's original ``url`` instead.
        Re-storing a URL updates its row in place; it never duplicates it.
        """
        key = normalize_url(url or (response.url if response else None) or article.url or "")
        if not key:
            raise ValueError("an article needs a URL to be archived")
        now = _now()
        try:
            with self.transaction() as conn:
                page_id = self._insert_page(conn, key, response, raw, now)
                if response is not None:
                    self._insert_attempts(conn, key, response.attempts, page_id)
                return self._upsert_article(conn, key, article, page_id, now, response)
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
                     raw: bytes | None, now: str) -> int | None:
        content = response.content if response is not None else raw
        if content is None:
            return None
        digest = hashlib.sha256(content).hexdigest()
        final_url = response.final_url if response is not None else key
        latest = conn.execute("SELECT id, sha256 FROM pages WHERE url = ? ORDER BY id DESC LIMIT 1",
                              (key,)).fetchone()
        if latest and latest[1] == digest:
            return latest[0]  # the same bytes again: keep one copy
        cursor = conn.execute(
            "INSERT INTO pages (url, final_url, status, headers, redirects, content, compression, size, "
            "sha256, fetched_at) VALUES (?, ?, ?, ?, ?, ?, 'zlib', ?, ?, ?)",
            (key, final_url, response.status if response else None,
             json.dumps(response.headers if response else {}, ensure_ascii=False),
             json.dumps(response.redirects if response else []),
             zlib.compress(content, 6), len(content), digest,
             response.fetched_at if response else now))
        return cursor.lastrowid

    def _insert_attempts(self, conn: sqlite3.Connection, key: str, attempts: Sequence[Attempt],
                         page_id: int | None) -> None:
        for i, attempt in enumerate(attempts):
            conn.execute(
                "INSERT INTO fetches (url, request_url, started_at, status, error, elapsed, page_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, attempt.url, attempt.started_at, attempt.status, attempt.error, attempt.elapsed,
                 page_id if i == len(attempts) - 1 else None))

    def _upsert_article(self, conn: sqlite3.Connection, key: str, article: Article,
                        page_id: int | None, now: str, response: Response | None) -> StoreResult:
        digest = content_hash(article.body)
        values = {
            "final_url": response.final_url if response else article.url,
            "canonical_url": article.canonical_url,
            "site": site_of(article.canonical_url or key),
            "title": article.title,
            "authors": json.dumps(article.authors, ensure_ascii=False),
            "published": article.published,
            "modified": article.modified,
            "tags": json.dumps(article.tags, ensure_ascii=False),
            "body": article.body,
            "body_html": article.body_html,
            "language": article.language,
            "site_name": article.site_name,
            "description": article.description,
            "image": article.image,
            "is_article": int(article.is_article),
            "comments": article.comments,
            "word_count": article.word_count,
            "content_hash": digest,
            "page_id": page_id,
            "last_fetched": now,
            "extractor": __version__,
        }
        row = conn.execute(
            "SELECT id, content_hash, title, published, modified, tags, authors FROM articles WHERE url = ?",
            (key,)).fetchone()
        if row is None:
            values.update(url=key, first_fetched=now, updated_at=now)
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            article_id = conn.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})",
                                      list(values.values())).lastrowid
            status = "new"
        else:
            article_id = row[0]
            changed = (row[1], row[2], row[3], row[4], row[5], row[6]) != (
                digest, article.title, article.published, article.modified, values["tags"], values["authors"])
            if changed:
                values["updated_at"] = now
            assignments = ", ".join(f"{name} = ?" for name in values)
            conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id])
            status = "updated" if changed else "unchanged"
        self._set_tags(conn, article_id, article.tags)
        return StoreResult(article_id, status, page_id)

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
        conn = self.db.conn
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            row = self._one("SELECT * FROM articles WHERE id = ?", (int(ref),))
        else:
            key = normalize_url(ref)
            row = self._one("SELECT * FROM articles WHERE url = ?", (key,)) or self._one(
                "SELECT * FROM articles WHERE canonical_url = ? OR final_url = ? ORDER BY id LIMIT 1",
                (ref, ref))
        del conn
        return row

    def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        rows = list(self.query(sql, params))
        return rows[0] if rows else None

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of ``sql`` as dicts with JSON list columns decoded; streams, never loads all."""
        try:
            for row in self.db.query(sql, params):
                yield _decode(row)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(_explain_sqlite(self.path, exc)) from None

    def articles(self, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Articles, most recently fetched first."""
        sql = "SELECT * FROM articles ORDER BY last_fetched DESC, id DESC"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self.query(sql, params)

    def raw_page(self, page_id: int) -> bytes | None:
        """The stored bytes of a page, decompressed."""
        row = self.db.conn.execute("SELECT content, compression FROM pages WHERE id = ?", (page_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return zlib.decompress(row[0]) if row[1] == "zlib" else bytes(row[0])

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
        return self.db[table].count


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement: ``executescript`` would commit our transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


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
        return f"archive {path} is read-only: cannot write"
    if "disk is full" in text or "database or disk is full" in text:
        return f"disk full while writing {path}; nothing was half-written"
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a valid scraper archive ({text})"
    return f"archive {path}: {text}"
