"""Re-extraction over stored pages: no network, parallel, only changed records written."""

from __future__ import annotations

import json
import pickle
import sqlite3
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.archive import Archive
from scraper.cli import EXIT_FAILED, cli
from scraper.extraction import extract
from scraper.reextract import (
    Extracted,
    RawPage,
    extract_page,
    local_mapper,
    reextract,
    stored_pages,
)
from scraper.search import Filters

FIXTURE = Path(__file__).parent / "fixtures" / "news_article.html"
SITES = ["https://www.themoscowtimes.com/2021/07/22/a", "https://www.themoscowtimes.com/2021/07/22/b",
         "https://other.example/2021/07/22/c", "https://other.example/2021/07/22/d"]


@pytest.fixture
def archive(db_path):
    """Four copies of the fixture page archived from disk, as `scraper fetch FILE --url` does."""
    html = FIXTURE.read_bytes()
    with Archive(db_path) as a:
        for url in SITES:
            a.store(extract(html, url), raw=html, url=url)
    return db_path


def stale(db_path, sql: str, params=()) -> None:
    """Make stored output look like an older extractor's."""
    conn = sqlite3.connect(db_path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_only_changed_output_is_written(archive):
    stale(archive, "UPDATE articles SET title = 'Old extractor title', body = 'old body' WHERE id = 1")
    stale(archive, "UPDATE articles SET description = 'old description' WHERE id = 2")
    before = {r[0]: r[1] for r in sqlite3.connect(archive).execute("SELECT id, updated_at FROM articles")}
    result = CliRunner().invoke(cli, ["reextract", "--jobs", "2", "--db", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith(": 1 updated, 1 refreshed, 2 unchanged, 0 failed\n")
    assert result.stderr.startswith("re-extracted 4 pages in ")
    assert "re-extracting" not in result.stderr  # no progress bar off a terminal
    with Archive(archive, readonly=True) as a:
        first = a.get(1)
        assert first["title"] == "Russia in Talks to Help Tajikistan Build Afghan Border Outpost"
        [past] = a.versions(1)
        assert (past["title"], past["body"], past["reason"]) == ("Old extractor title", "old body", "reextract")
        assert a.get(2)["description"] == "Moscow is stepping up activity in the region amid a Taliban offensive."
        assert a.versions(2) == []  # a metadata-only refresh keeps no version
        after = {r["id"]: r["updated_at"] for r in a.query("SELECT id, updated_at FROM articles")}
    assert after[3] == before[3] and after[4] == before[4]  # untouched rows

    again = CliRunner().invoke(cli, ["reextract", "--jobs", "1", "--format", "json", "--db", str(archive)])
    report = json.loads(again.stdout)
    assert {k: report[k] for k in ("pages", "updated", "refreshed", "unchanged", "failed")} == {
        "pages": 4, "updated": 0, "refreshed": 0, "unchanged": 4, "failed": 0}


def test_filters_and_limit(archive):
    with Archive(archive) as a:
        assert [p.article_id for p in stored_pages(a, Filters(sites=["other.example"]))] == [3, 4]
        assert [p.article_id for p in stored_pages(a, limit=3, chunk=2)] == [1, 2, 3]
        report = reextract(a, filters=Filters(sites=["themoscowtimes.com"]), limit=1)
        assert report.pages == 1 and report.unchanged == 1


def test_a_damaged_page_fails_alone(archive):
    stale(archive, "UPDATE pages SET content = ? WHERE id = (SELECT page_id FROM articles WHERE id = 3)",
          (b"not zlib data",))
    stale(archive, "UPDATE articles SET title = 'stale' WHERE id = 4")
    result = CliRunner().invoke(cli, ["reextract", "--jobs", "1", "--db", str(archive)])
    assert result.exit_code == EXIT_FAILED
    assert ("failed       https://other.example/2021/07/22/c: damaged: the stored page cannot be inflated "
            "(Error -3 while decompressing") in result.stderr
    assert result.stderr.endswith(": 1 updated, 0 refreshed, 2 unchanged, 1 failed\n")


def test_the_cpu_step_pickles_and_any_ordered_mapper_plugs_in(archive):
    """What a cluster backend needs: picklable jobs and results, and a mapper that keeps order."""
    with Archive(archive) as a:
        page = next(stored_pages(a))
        assert isinstance(page, RawPage) and page.compression == "zlib"
        assert zlib.decompress(page.content) == FIXTURE.read_bytes()
        result = extract_page(pickle.loads(pickle.dumps(page)))
        assert isinstance(result, Extracted) and result.article_id == 1
        assert pickle.loads(pickle.dumps(result)).article.tags == ["Tajikistan", "Afghanistan"]

        stale(archive, "UPDATE articles SET title = 'stale' WHERE id IN (2, 3)")
        seen: list[int] = []

        def threads(fn, items):
            with ThreadPoolExecutor(max_workers=3) as pool:
                for item in pool.map(fn, items):
                    seen.append(item.article_id)
                    yield item

        report = reextract(a, mapper=threads)
        assert (report.pages, report.updated, report.unchanged) == (4, 2, 2)
        assert seen == [1, 2, 3, 4]


def test_local_pool_keeps_order(archive):
    with Archive(archive) as a:
        pages = list(stored_pages(a)) * 5
    results = list(local_mapper(2, batch_size=3)(extract_page, pages))
    assert [r.article_id for r in results] == [1, 2, 3, 4] * 5
    assert all(r.error is None for r in results)
