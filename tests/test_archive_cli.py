"""The archive commands' help and `scraper stats`, on real archives through the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import LocalSite, rss_feed

from scraper.archive import Archive
from scraper.article import Article
from scraper.cli import cli
from scraper.fetching import Attempt, Response

COMMANDS = ("search", "export", "stats", "reextract", "import-warc", "export-warc", "migrate")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"scraper {command}" in result.output


def stored(archive: Archive, url: str, published: str | None, tags: list[str], when: str) -> None:
    response = Response(url=url, final_url=url, status=200, headers={}, content=url.encode(), fetched_at=when,
                        attempts=[Attempt(url=url, started_at=when, status=503, error="http: HTTP 503"),
                                  Attempt(url=url, started_at=when, status=200)])
    archive.store(Article(title=url, body="text", published=published, tags=tags), response)


@pytest.fixture
def archive(db_path):
    with Archive(db_path) as a:
        stored(a, "https://a.com/1", "2021-07-01", ["Politics", "Europe"], "2024-01-01T00:00:00+00:00")
        stored(a, "https://a.com/2", "2021-07-30T23:00:00-05:00", ["politics"], "2024-01-01T00:00:00+00:00")
        stored(a, "https://www.b.org/3", "2021-08-02", ["Europe", "Sport"], "2024-01-01T00:00:00+00:00")
        stored(a, "https://b.org/4", None, ["Politics"], "2024-01-01T00:00:00+00:00")
        stored(a, "https://a.com/1", "2021-07-01", ["Politics", "Europe", "Climate"], "2024-02-01T00:00:00+00:00")
        a.record_attempts("https://c.net/down", [Attempt(url="https://c.net/down", started_at="2024-03-01T00:00:00")],
                          "timeout: timed out")
        a.record_attempts("https://c.net/gone", [Attempt(url="https://c.net/gone", started_at="2024-03-02T00:00:00",
                                                         status=404)], "http: HTTP 404")
    return db_path


def test_stats_json(archive):
    result = CliRunner().invoke(cli, ["stats", "--format", "json", "--top", "3", "--db", str(archive)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert (totals["articles"], totals["undated"], totals["versions"], totals["pages"], totals["sites"],
            totals["fetches"], totals["failed_fetches"], totals["tags"]) == (4, 1, 1, 4, 2, 12, 7, 4)  # the re-fetch had the same bytes: one page
    assert data["sites"] == [
        {"site": "a.com", "articles": 2, "first_published": "2021-07-01", "last_published": "2021-07-30T23:00:00-05:00"},
        {"site": "b.org", "articles": 2, "first_published": "2021-08-02", "last_published": "2021-08-02"},
    ]
    assert data["months"] == [{"month": "2021-07", "articles": 2}, {"month": "2021-08", "articles": 1}]
    assert data["tags"] == [{"tag": "Politics", "articles": 3}, {"tag": "Europe", "articles": 2},
                            {"tag": "Climate", "articles": 1}]
    failures = data["failures"]
    assert failures["by_kind"] == [{"kind": "http", "attempts": 6}, {"kind": "timeout", "attempts": 1}]
    assert failures["unarchived_urls"] == 2
    assert [(f["url"], f["error"]) for f in failures["latest"]] == [
        ("https://c.net/gone", "http: HTTP 404"), ("https://c.net/down", "timeout: timed out")]


def test_stats_text(archive):
    result = CliRunner().invoke(cli, ["stats", "--db", str(archive)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("4 articles (1 undated, 0 not articles) from 2 sites; 1 past version; 4 pages")
    assert "         2  a.com                             2021-07-01 … 2021-07-30" in lines
    assert "  2021-07         2" in lines and "         3  Politics" in lines
    assert "Fetch failures: 2 URLs not archived after failing" in lines


def test_stats_reads_indexes_not_rows_that_carry_bodies_or_pages(archive):
    """Every query of ``stats`` is answered from an index: a scan of ``articles``, ``pages`` or
    ``fetches`` would read past bodies and page bytes (0.17 s each at 100,000 articles)."""
    from scraper.stats import archive_stats

    with Archive(archive, readonly=True) as a:
        statements: list[str] = []
        a.db.conn.set_trace_callback(statements.append)
        archive_stats(a)
        a.db.conn.set_trace_callback(None)
        assert len(statements) > 10
        plans = [(sql, row[-1]) for sql in statements
                 for row in a.db.conn.execute("EXPLAIN QUERY PLAN " + sql, _parameters(sql))]
    scans = [(sql, step) for sql, step in plans
             if re.match(r"SCAN (articles|pages|fetches)\b", re.sub(r"^SCAN \w+ AS ", "SCAN ", step))
             and "COVERING INDEX" not in step]
    assert scans == []


def _parameters(sql: str) -> tuple[int, ...]:
    return (10,) * sql.count("?")


def test_installed_script_runs_the_archive_commands(archive, tmp_path):
    script = Path(sys.executable).with_name("scraper")
    env = {**os.environ, "SCRAPER_DB": str(archive)}
    found = subprocess.run([str(script), "search", "text", "--site", "b.org", "--format", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert found.returncode == 0, found.stderr
    assert sorted(hit["url"] for hit in json.loads(found.stdout)) == ["https://b.org/4", "https://www.b.org/3"]
    out = tmp_path / "x.warc.gz"
    written = subprocess.run([str(script), "export-warc", "-o", str(out)], capture_output=True, text=True, env=env,
                             timeout=60)
    assert written.returncode == 0 and written.stderr == f"exported 4 pages to {out}\n"


HOSTILE_LINKS = [
    'javascript:alert(1)', 'JaVaScRiPt:alert(2)', 'java&#9;script:alert(3)', 'java&#10;script:alert(4)',
    ' &#1;javascript:alert(5)', 'java%09script:alert(6)', 'vbscript:msgbox(7)', 'data:text/html,<b>8</b>',
    'jar:http://x.example/!/9',
]


def test_stored_body_html_keeps_only_web_addresses(tmp_path):
    paragraphs = "".join(
        f'<p>Paragraph {i} of the story has a <a href="{href}">link number {i}</a> in the middle of its '
        f"sentence, which goes on long enough to be prose.</p>" for i, href in enumerate(HOSTILE_LINKS))
    page = tmp_path / "story.html"
    page.write_text(f'<html><head><title>Links</title></head><body><article><h1>Links</h1>{paragraphs}'
                    '<p>A last paragraph with a <a href="/news/other">relative link</a> and '
                    '<img src="javascript:alert(10)" alt="a picture"> that ends the story here.</p>'
                    "</article></body></html>")
    db = str(tmp_path / "archive.db")
    url = "https://news.example/2024/05/story"
    assert CliRunner().invoke(cli, ["fetch", str(page), "--url", url, "--db", db]).exit_code == 0
    with Archive(db, readonly=True) as archive:
        stored = archive.get(url)["body_html"]
    assert "link number 0" in stored and "a picture" in stored  # the text stays
    outputs = [stored]
    for fmt in ("html", "markdown"):
        outputs.append(CliRunner().invoke(cli, ["show", url, "--body-format", fmt, "--db", db]).stdout)
        exported = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--fields", "url,body",
                                            "--body-format", fmt, "--db", db]).stdout
        outputs.append(json.loads(exported)["body"])
    for output in outputs:
        targets = re.findall(r'(?:href|src)="([^"]*)"', output) + re.findall(r"\]\(([^)\s]*)", output)
        assert targets, output
        assert all(t.startswith(("https://news.example/", "http://")) for t in targets), targets
    assert 'href="https://news.example/news/other"' in stored  # resolved against the page's address


def test_control_characters_from_a_page_never_reach_the_terminal(tmp_path):
    # U+009B (CSI) and U+009D (OSC) are the C1 forms of ESC [ and ESC ]: a title holding
    # them could rewrite the terminal that lists it
    title = "Breaking\x9b2J\x9d0;owned\x07 \x1b[31mnews\r"
    page = tmp_path / "story.html"
    page.write_text(f"<html><head><title>{title}</title></head><body><article>"
                    + "<p>The council met on Tuesday and approved the budget for the coming year.</p>" * 5
                    + "</article></body></html>", encoding="utf-8")
    db = str(tmp_path / "archive.db")
    url = "https://news.example/story"
    outputs = [CliRunner().invoke(cli, ["fetch", str(page), "--url", url, "--db", db]).stderr]
    with Archive(db) as archive:
        stored = archive.get(url)["title"]
    assert "\x9b" in stored and "\x9d" in stored  # stored as the page has it
    for args in (["list"], ["show", url], ["search", "council"], ["show", url, "--format", "json"],
                 ["search", "council", "--format", "json"], ["stats", "--format", "json"]):
        result = CliRunner().invoke(cli, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    for output in outputs:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", output), repr(output)
    assert "Breaking\ufffd2J\ufffd0;owned" in outputs[1]
    assert json.loads(outputs[4])["title"] == stored  # JSON keeps the text exactly, escaped
    with LocalSite() as site:  # and a crawl's log, on the terminal and in its log file
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/story", page.read_bytes())
        host.add("/feed.xml", rss_feed([(host.url("/story"), "")]), content_type="application/rss+xml")
        log = tmp_path / "crawl.log"
        crawled = CliRunner().invoke(cli, ["crawl", "--feed", host.url("/feed.xml"), "--delay", "0",
                                           "--log-file", str(log), "--db", str(tmp_path / "crawl.db")])
    assert crawled.exit_code == 0, crawled.output
    for output in (crawled.stderr, log.read_text(encoding="utf-8")):
        assert "Breaking\ufffd2J\ufffd0;owned" in output
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", output), repr(output)
