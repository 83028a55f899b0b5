"""The archive on real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest

from scraper.archive import Archive, ArchiveError
from scraper.article import Article
from scraper.fetching import Attempt, Response


def make_response(url: str, body: bytes = b"<html><body><p>x</p></body></html>") -> Response:
    return Response(url=url, final_url=url, status=200, headers={"Content-Type": "text/html"},
                    content=body, fetched_at="2024-01-01T00:00:00+00:00",
                    attempts=[Attempt(url=url, started_at="2024-01-01T00:00:00+00:00", status=200)])


def test_store_is_idempotent_and_tracks_changes(db_path):
    with Archive(db_path) as archive:
        article = Article(url="https://example.com/a", title="A", body="One.\n\nTwo.", tags=["X", "y"])
        first = archive.store(article, make_response("https://example.com/a"))
        again = archive.store(article, make_response("https://example.com/a"))
        article.body = "One.\n\nTwo changed."
        changed = archive.store(article, make_response("https://example.com/a", b"<p>new</p>"))
        assert (first.status, again.status, changed.status) == ("new", "unchanged", "updated")
        assert first.article_id == again.article_id == changed.article_id
        assert archive.count("articles") == 1
        assert archive.count("pages") == 2  # the changed bytes are a new page; the same bytes are not
        row = archive.get("https://example.com/a")
        assert row["body"] == "One.\n\nTwo changed." and row["tags"] == ["X", "y"]
        assert archive.raw_page(row["page_id"]) == b"<p>new</p>"


def test_url_variants_are_one_article(db_path):
    with Archive(db_path) as archive:
        a = archive.store(Article(body="b"), make_response("HTTPS://Example.com:443/a?utm_source=x#top"))
        b = archive.store(Article(body="b"), make_response("https://example.com/a"))
        assert a.article_id == b.article_id
        assert archive.get("https://example.com/a#other")["id"] == a.article_id


def test_tags_are_deduplicated_case_insensitively(db_path):
    with Archive(db_path) as archive:
        archive.store(Article(body="1", tags=["Tajikistan"]), make_response("https://e.com/1"))
        archive.store(Article(body="2", tags=["tajikistan", "Afghanistan"]), make_response("https://e.com/2"))
        names = [r["name"] for r in archive.query("SELECT name FROM tags ORDER BY id")]
        assert names == ["Tajikistan", "Afghanistan"]
        counts = {r["name"]: r["n"] for r in archive.query(
            "SELECT tags.name, count(*) AS n FROM article_tags JOIN tags ON tags.id = tag_id GROUP BY tag_id")}
        assert counts == {"Tajikistan": 2, "Afghanistan": 1}


def test_wal_mode_and_schema_version(db_path):
    Archive(db_path).close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_failed_write_leaves_nothing_half_written(db_path):
    with Archive(db_path) as archive:
        archive.store(Article(body="kept"), make_response("https://e.com/kept"))
        with pytest.raises(RuntimeError), archive.transaction() as conn:
            conn.execute("INSERT INTO pages (url, fetched_at) VALUES ('https://e.com/x', 'now')")
            raise RuntimeError("crash in the middle")
        assert archive.count("pages") == 1
        assert archive.get("https://e.com/kept")["body"] == "kept"


@pytest.mark.parametrize("setup", ["directory", "missing-folder", "not-sqlite"])
def test_unusable_paths_raise_archive_error(tmp_path, setup):
    if setup == "directory":
        path = tmp_path
    elif setup == "missing-folder":
        path = tmp_path / "nope" / "archive.db"
    else:
        path = tmp_path / "junk.db"
        path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ArchiveError):
        Archive(path)


def test_readonly_open_of_missing_file(tmp_path):
    with pytest.raises(ArchiveError, match="no archive"):
        Archive(tmp_path / "absent.db", readonly=True)
    assert not (tmp_path / "absent.db").exists()
