"""Schema v2 on real files: migration of a v1 archive, versions, the FTS index and its triggers."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from scraper.archive import SCHEMA_VERSION, Archive, ArchiveError
from scraper.article import Article
from scraper.cli import EXIT_ARCHIVE, cli
from scraper.fetching import Attempt, Response

FIXTURES = Path(__file__).parent / "fixtures"
V1_COLUMNS = ("id", "url", "final_url", "canonical_url", "site", "title", "authors", "published", "modified",
              "tags", "body", "body_html", "language", "word_count", "content_hash", "page_id", "first_fetched",
              "last_fetched", "updated_at", "extractor")


def response(url: str, body: bytes, when: str) -> Response:
    return Response(url=url, final_url=url, status=200, headers={"Content-Type": "text/html"}, content=body,
                    fetched_at=when, attempts=[Attempt(url=url, started_at=when, status=200)])


def fts_ids(archive: Archive, query: str) -> list[int]:
    return [r[0] for r in archive.db.conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid", (query,))]


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "archive_v1.db", path)
    return path


def raw_rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_v1_fixture_is_really_v1(v1_copy):
    assert raw_rows(v1_copy, "PRAGMA user_version") == [(1,)]
    names = {r[0] for r in raw_rows(v1_copy, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {"articles", "tags", "article_tags", "pages", "fetches"}


def test_v1_archive_migrates_on_open_and_keeps_every_row(v1_copy):
    columns = ", ".join(V1_COLUMNS)
    before = raw_rows(v1_copy, f"SELECT {columns} FROM articles ORDER BY id")
    pages_before = raw_rows(v1_copy, "SELECT id, url, status, headers, content, sha256, fetched_at FROM pages")
    other_before = [raw_rows(v1_copy, f"SELECT * FROM {t} ORDER BY 1, 2") for t in ("tags", "article_tags", "fetches")]

    with Archive(v1_copy) as archive:
        assert archive.migrated_from == 1
        assert archive.schema_version == SCHEMA_VERSION == 6
        assert archive.check_integrity() == []
        assert [r["version"] for r in archive.query("SELECT version FROM migrations")] == [2, 3, 4, 5, 6]
        assert {"crawl_frontier", "crawl_sources", "crawl_runs"} <= set(archive.db.table_names())
        months = {r["id"]: r["published_month"] for r in archive.query("SELECT id, published_month FROM articles")}
        assert months == {1: "2021-07", 2: "2023-12", 3: "2022-05"}
        sources = [r["source"] for r in archive.query("SELECT source FROM pages ORDER BY id")]
        assert sources == ["fetch", "fetch", "file"]
        assert fts_ids(archive, "tajikistan") == [1]
        assert fts_ids(archive, "мир") == [2]  # Cyrillic, case-folded
        assert fts_ids(archive, "кавычками") == [2]
        assert archive.db["articles"].detect_fts() == "articles_fts"
        indexes = {r["name"] for r in archive.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"idx_articles_not_article", "idx_articles_site_published", "idx_pages_size"} <= indexes  # v6
        assert "idx_articles_site" not in indexes  # widened into idx_articles_site_published

    assert raw_rows(v1_copy, f"SELECT {columns} FROM articles ORDER BY id") == before
    assert raw_rows(v1_copy, "SELECT id, url, status, headers, content, sha256, fetched_at FROM pages") == pages_before
    assert [raw_rows(v1_copy, f"SELECT * FROM {t} ORDER BY 1, 2") for t in ("tags", "article_tags", "fetches")] \
        == other_before
    with Archive(v1_copy) as again:
        assert again.migrated_from is None


def test_migration_to_v4_gives_web_archive_copies_their_original_address_and_site(v1_copy):
    capture = "https://web.archive.org/web/20160820205919/http://blog.example.org/2016/01/post/"
    conn = sqlite3.connect(v1_copy)
    conn.execute("INSERT INTO articles (url, site, title, first_fetched, last_fetched, updated_at) "
                 "VALUES (?, 'web.archive.org', 'Archived', '2024-01-01', '2024-01-01', '2024-01-01')", (capture,))
    conn.commit()
    conn.close()
    with Archive(v1_copy) as archive:
        rows = {r["url"]: r for r in archive.query("SELECT url, site, original_url FROM articles")}
    assert rows[capture]["original_url"] == "http://blog.example.org/2016/01/post/"
    assert rows[capture]["site"] == "blog.example.org"
    others = [r for url, r in rows.items() if url != capture]
    assert others and all(r["original_url"] is None for r in others)


def test_readonly_open_of_v1_names_the_migrate_command(v1_copy):
    with pytest.raises(ArchiveError, match=r"schema v1 .* `scraper migrate --db "):
        Archive(v1_copy, readonly=True)
    assert raw_rows(v1_copy, "PRAGMA user_version") == [(1,)]  # a read never upgrades

    runner = CliRunner()
    listed = runner.invoke(cli, ["list", "--db", str(v1_copy)])
    assert listed.exit_code == EXIT_ARCHIVE
    assert listed.stderr.count("\n") == 1 and "scraper migrate" in listed.stderr

    migrated = runner.invoke(cli, ["migrate", "--db", str(v1_copy)])
    assert migrated.exit_code == 0, migrated.output
    assert "migrated from schema v1 to v6" in migrated.stderr
    assert "already at schema v6" in runner.invoke(cli, ["migrate", "--db", str(v1_copy)]).stderr
    listed = runner.invoke(cli, ["list", "--db", str(v1_copy)])
    assert listed.exit_code == 0 and "Привет, мир" in listed.output and "Russia in Talks" in listed.output


def test_a_failed_migration_changes_nothing(v1_copy):
    conn = sqlite3.connect(v1_copy)
    conn.execute("CREATE TABLE articles_fts (x TEXT)")  # an object in the way of the FTS index
    conn.commit()
    conn.close()
    with pytest.raises(ArchiveError):
        Archive(v1_copy)
    assert raw_rows(v1_copy, "PRAGMA user_version") == [(1,)]
    columns = [r[1] for r in raw_rows(v1_copy, "PRAGMA table_info(articles)")]
    assert "published_month" not in columns
    assert raw_rows(v1_copy, "SELECT name FROM sqlite_master WHERE name IN ('versions', 'migrations')") == []


def test_newer_schema_is_refused(db_path):
    Archive(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    for readonly in (False, True):
        with pytest.raises(ArchiveError, match="newer scraper"):
            Archive(db_path, readonly=readonly)


def test_changed_refetch_keeps_the_old_text_as_a_version(db_path):
    url = "https://example.com/story"
    with Archive(db_path) as archive:
        first = Article(title="Old title", body="The original wording.", published="2024-01-01", tags=["a"])
        archive.store(first, response(url, b"<p>v1</p>", "2024-01-01T10:00:00+00:00"))
        second = Article(title="New title", body="The corrected wording.", published="2024-01-01",
                         modified="2024-01-03", tags=["a", "b"])
        result = archive.store(second, response(url, b"<p>v2</p>", "2024-01-03T09:00:00+00:00"))
        assert result.status == "updated" and result.version_id == 1

        versions = archive.versions(result.article_id)
        assert len(versions) == 1
        old = versions[0]
        assert (old["title"], old["body"], old["published"], old["modified"], old["tags"]) == (
            "Old title", "The original wording.", "2024-01-01", None, ["a"])
        assert (old["seen_from"], old["seen_until"], old["replaced_at"], old["reason"]) == (
            "2024-01-01T10:00:00+00:00", "2024-01-01T10:00:00+00:00", "2024-01-03T09:00:00+00:00", "fetch")
        assert archive.raw_page(old["page_id"]) == b"<p>v1</p>"

        row = archive.get(url)
        assert (row["title"], row["body"], row["modified"], row["updated_at"]) == (
            "New title", "The corrected wording.", "2024-01-03", "2024-01-03T09:00:00+00:00")
        assert row["first_fetched"] == "2024-01-01T10:00:00+00:00"
        assert fts_ids(archive, "corrected") == [result.article_id]
        assert fts_ids(archive, "original") == []  # the index follows the current text only


def test_unchanged_refetch_adds_no_version(db_path):
    url = "https://example.com/same"
    with Archive(db_path) as archive:
        article = Article(title="Same", body="Same words.", published="2024-02-02")
        archive.store(article, response(url, b"<p>same</p>", "2024-02-02T00:00:00+00:00"))
        again = archive.store(article, response(url, b"<p>same, new ad markup</p>", "2024-02-05T00:00:00+00:00"))
        assert again.status == "unchanged" and again.version_id is None
        assert archive.count("versions") == 0
        row = archive.get(url)
        assert row["last_fetched"] == "2024-02-05T00:00:00+00:00"
        assert row["updated_at"] == "2024-02-02T00:00:00+00:00"
        assert archive.count("pages") == 2  # the raw bytes differ, so both are kept


def test_an_older_capture_becomes_history_not_the_current_text(db_path):
    url = "https://example.com/late"
    with Archive(db_path) as archive:
        archive.store(Article(title="Current", body="Current text."),
                      response(url, b"<p>now</p>", "2024-05-01T00:00:00+00:00"))
        older = archive.store(Article(title="Earlier", body="Earlier text."),
                              response(url, b"<p>then</p>", "2023-05-01T00:00:00+00:00"))
        assert older.status == "older"
        row = archive.get(url)
        assert (row["title"], row["first_fetched"]) == ("Current", "2023-05-01T00:00:00+00:00")
        [past] = archive.versions(row["id"])
        assert (past["title"], past["seen_from"], past["seen_until"]) == (
            "Earlier", "2023-05-01T00:00:00+00:00", "2023-05-01T00:00:00+00:00")


def test_update_extraction_writes_only_changes(db_path):
    url = "https://example.com/re"
    with Archive(db_path) as archive:
        stored = archive.store(Article(title="T", body="Body one.", description="d"),
                               response(url, b"<p>x</p>", "2024-01-01T00:00:00+00:00"))
        same = archive.update_extraction(stored.article_id, Article(title="T", body="Body one.", description="d"))
        assert same.status == "unchanged"
        refreshed = archive.update_extraction(stored.article_id,
                                              Article(title="T", body="Body one.", description="better"))
        assert refreshed.status == "refreshed" and archive.count("versions") == 0
        changed = archive.update_extraction(stored.article_id, Article(title="T", body="Body two.",
                                                                       description="better"))
        assert changed.status == "updated"
        [past] = archive.versions(stored.article_id)
        assert (past["body"], past["reason"]) == ("Body one.", "reextract")
        assert archive.get(url)["body"] == "Body two."


def test_fts_triggers_follow_inserts_updates_and_deletes(db_path):
    with Archive(db_path) as archive:
        a = archive.store(Article(title="Quokka news", body="Marsupials of Rottnest."),
                          response("https://e.com/1", b"1", "2024-01-01T00:00:00+00:00"))
        b = archive.store(Article(title="Other", body="Nothing about quokkas here."),
                          response("https://e.com/2", b"2", "2024-01-01T00:00:00+00:00"))
        assert fts_ids(archive, "quokka") == [a.article_id]
        assert fts_ids(archive, "quokka*") == [a.article_id, b.article_id]
        with archive.transaction() as conn:
            conn.execute("DELETE FROM articles WHERE id = ?", (a.article_id,))
        assert fts_ids(archive, "quokka*") == [b.article_id]
        assert archive.check_integrity() == []


def test_sqlite_utils_and_datasette_find_the_search_index(db_path):
    with Archive(db_path) as archive:
        archive.store(Article(title="Findable", body="Body"), response("https://e.com/f", b"f", "2024-01-01T00:00:00"))
    db = sqlite_utils.Database(db_path)
    assert db["articles"].detect_fts() == "articles_fts"
    assert [r["title"] for r in db["articles"].search("findable")] == ["Findable"]
    assert {"versions", "migrations", "articles_fts"} <= set(db.table_names())
