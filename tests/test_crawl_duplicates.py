"""Which of two pages is stored must not depend on which was fetched first.

* Two pages naming the same canonical URL: the page that IS the canonical URL wins. A copy
  stored before it (found first, fetched first, or stored by an earlier run or by ``fetch``)
  takes the canonical page's address: one article, its id kept, the copy's state kept as a
  past version and the copy's URL logged as its duplicate.
* Two pages with the same text and no canonical URL between them: the one fetched first
  wins. Pages of one host are fetched one at a time in the order they were found, and
  written in the order their fetches ended, whatever order their extraction ends in.

Each case runs both ways round (and with extraction in processes, which may finish out of
order) and must end in the same archive.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import LocalSite, article_html, rss_feed

from scraper.cli import EXIT_OK, cli

RFC822 = "Mon, 06 May 2024 08:00:00 GMT"


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def crawl(db: Path, feed: str, *extra: str) -> dict:
    summary = db.with_suffix(".json")
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--feed", feed, "--delay", "0", "--workers", "2",
                                      "--summary-json", str(summary), *extra])
    assert result.exit_code == EXIT_OK, result.output
    return json.loads(summary.read_text())


def serve(site: LocalSite, order: list[str]):
    """/story is the canonical page, /print/story a copy naming it, /copy the same text as
    /other without a canonical link; the feed lists them in ``order``."""
    host = site.host("news")
    host.add("/story", article_html("The story", seed="story"))
    host.add("/print/story", article_html("The story (print)", seed="story", canonical=host.url("/story")))
    host.add("/other", article_html("Another story", seed="other"))
    host.add("/copy", article_html("Another story (amp)", seed="other"))
    host.add("/feed.xml", rss_feed([(host.url(p), RFC822) for p in order]), content_type="application/rss+xml")
    return host


@pytest.mark.parametrize("processes", ["0", "2"])
@pytest.mark.parametrize("order", [["/story", "/print/story", "/other", "/copy"],
                                   ["/print/story", "/story", "/other", "/copy"]],
                         ids=["canonical-first", "copy-first"])
def test_the_canonical_page_is_stored_whichever_was_fetched_first(tmp_path, order, processes):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = serve(site, order)
        summary = crawl(db, host.url("/feed.xml"), "--processes", processes)
        requested = [h.path for h in site.log if h.path not in ("/robots.txt", "/feed.xml")]
    assert requested == order  # each page asked for once, in the order found
    assert rows(db, "SELECT url, title FROM articles ORDER BY url") == [
        (host.url("/other"), "Another story"), (host.url("/story"), "The story")]
    assert {k: summary[k] for k in ("fetched", "new", "updated", "duplicates")} == {
        "fetched": 4, "new": 2, "updated": 0, "duplicates": 2}
    states = dict(rows(db, "SELECT url, state FROM crawl_frontier WHERE url NOT LIKE '%feed%'"))
    assert states == {host.url("/story"): "done", host.url("/print/story"): "duplicate",
                      host.url("/other"): "done", host.url("/copy"): "duplicate"}
    story_id = rows(db, f"SELECT id FROM articles WHERE url = '{host.url('/story')}'")[0][0]
    assert rows(db, f"SELECT article_id FROM crawl_frontier WHERE url = '{host.url('/print/story')}'") == [
        (story_id,)]
    if order[0] == "/print/story":  # the copy was stored first: its state is the article's past
        assert rows(db, "SELECT title, reason FROM versions") == [("The story (print)", "fetch")]
    else:
        assert rows(db, "SELECT count(*) FROM versions") == [(0,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_copy_archived_earlier_gives_way_to_its_canonical_page(tmp_path):
    """A copy stored by ``fetch`` (or an earlier crawl) does not keep the canonical page out:
    the canonical URL is fetched once, and the copy's article becomes that URL's."""
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = serve(site, ["/story"])
        fetched = CliRunner().invoke(cli, ["fetch", host.url("/print/story"), "--db", str(db)])
        assert fetched.exit_code == EXIT_OK, fetched.output
        (copy_id,) = rows(db, "SELECT id FROM articles")[0]
        summary = crawl(db, host.url("/feed.xml"))
        again = crawl(db, host.url("/feed.xml"))
        story_gets = len(site.hits("news", "/story"))
    assert story_gets == 1  # fetched once, then archived as itself
    assert rows(db, "SELECT id, url, title FROM articles") == [(copy_id, host.url("/story"), "The story")]
    assert rows(db, "SELECT title FROM versions WHERE article_id = ?".replace("?", str(copy_id))) == [
        ("The story (print)",)]
    assert (summary["updated"], summary["new"]) == (1, 0)  # the article existed before this run
    assert again["fetched"] == 0
