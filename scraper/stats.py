"""Archive statistics for ``scraper stats``: what is in the archive and what failed to get in."""

from __future__ import annotations

import sqlite3
from typing import Any

from .archive import Archive
from .errors import ArchiveError

__all__ = ["archive_stats"]


def archive_stats(archive: Archive, *, top: int = 10) -> dict[str, Any]:
    """Totals, articles per site and per publication month, top tags, fetch failures.

    ``top`` bounds the site, tag and failure lists; months are all listed, oldest first.
    Every figure is read from an index (schema v6 adds the ones it needs), never by a scan of
    rows that carry bodies or page bytes: 100,000 articles take tens of milliseconds.
    An archive SQLite cannot read raises :class:`~scraper.errors.ArchiveError`.
    """
    try:
        return _stats(archive, top)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot read {archive.path}: {exc}") from None


def _stats(archive: Archive, top: int) -> dict[str, Any]:
    conn = archive.db.conn

    def scalar(sql: str, params: tuple[Any, ...] = ()) -> int:
        return int(conn.execute(sql, params).fetchone()[0] or 0)

    size = sum(p.stat().st_size for p in (archive.path, archive.path.with_name(archive.path.name + "-wal"))
               if p.exists())
    # one pass over the (site, published) index gives every site: the count and the top ones
    per_site = conn.execute("SELECT site, count(*), min(published), max(published) FROM articles "
                            "GROUP BY site").fetchall()
    totals = {
        "articles": scalar("SELECT count(*) FROM articles"),
        "undated": scalar("SELECT count(*) FROM articles WHERE published IS NULL"),
        "not_articles": scalar("SELECT count(*) FROM articles WHERE is_article = 0"),
        "versions": scalar("SELECT count(*) FROM versions"),
        "pages": scalar("SELECT count(*) FROM pages"),
        "raw_bytes": scalar("SELECT sum(size) FROM pages"),
        "fetches": scalar("SELECT count(*) FROM fetches"),
        "failed_fetches": scalar("SELECT count(*) FROM fetches WHERE error IS NOT NULL"),
        "tags": scalar("SELECT count(*) FROM tags"),
        "sites": sum(1 for r in per_site if r[0] is not None),
        "file_bytes": size,
    }
    per_site.sort(key=lambda r: (-r[1], r[0] is not None, r[0] or ""))  # as ORDER BY n DESC, site
    sites = [{"site": r[0], "articles": r[1], "first_published": r[2], "last_published": r[3]}
             for r in per_site[:top]]
    months = [{"month": r[0], "articles": r[1]}
              for r in conn.execute("SELECT published_month, count(*) FROM articles "
                                    "WHERE published_month IS NOT NULL GROUP BY published_month "
                                    "ORDER BY published_month")]
    tags = [{"tag": r[0], "articles": r[1]}
            for r in conn.execute("SELECT t.name, c.n FROM (SELECT tag_id, count(*) AS n FROM article_tags "
                                  "GROUP BY tag_id) c JOIN tags t ON t.id = c.tag_id "
                                  "ORDER BY c.n DESC, t.name LIMIT ?", (top,))]
    kinds = [{"kind": r[0], "attempts": r[1]}
             for r in conn.execute("SELECT CASE WHEN instr(error, ':') > 0 THEN substr(error, 1, instr(error, ':') - 1) "
                                   "ELSE error END AS kind, count(*) AS n FROM fetches WHERE error IS NOT NULL "
                                   "GROUP BY kind ORDER BY n DESC, kind LIMIT ?", (top,))]
    # URLs whose latest attempt failed and that have no article: what a re-run should pick up.
    # From the failed attempts (a partial index) out, never over every fetch.
    failing = ("FROM fetches f WHERE f.error IS NOT NULL "
               "AND f.id = (SELECT max(g.id) FROM fetches g WHERE g.url = f.url) "
               "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = f.url)")
    unarchived = scalar(f"SELECT count(*) {failing}")
    latest = [{"url": r[0], "error": r[1], "at": r[2]} for r in conn.execute(
        f"SELECT f.url, f.error, f.started_at {failing} ORDER BY +f.id DESC LIMIT ?", (top,))]  # + : from the index
    return {
        "totals": totals,
        "sites": sites,
        "months": months,
        "tags": tags,
        "failures": {"by_kind": kinds, "unarchived_urls": unarchived, "latest": latest},
    }
