"""Site rules reach every way a page enters the archive, and change it the same way.

One rules file removes the story's second paragraph. The page goes in by ``fetch``, a
crawl (extraction in processes and in the fetching threads), ``reextract`` (in a process
pool, and with the rules file of the config folder), ``import-warc`` (in a process pool)
and ``reextract --cluster local:2``: every stored body must be the one ``scraper.extract``
gives with the same rules, not the generic one.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import LocalSite, article_html, rss_feed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive
from scraper.cli import EXIT_OK, cli
from scraper.extraction import extract
from scraper.rules import load_rules

PAGES = 40  # enough for the process pools to start (more than one round of batches)
PARAGRAPHS = ["The first paragraph of the story tells what happened, where and to whom, as leads do.",
              "A sentence the site's rule removes: it is a promotion the generic extractor keeps, as it reads "
              "like the story.",
              "The third paragraph carries on with quotes, context and the background a reader needs here.",
              "The fourth closes the story with what happens next and when the next hearing is due."]
RULES = """
[[site]]
domain = "127.0.0.1"
remove = ["article p:nth-of-type(3)"]

[[site]]
domain = "warc.example"
remove = ["article p:nth-of-type(3)"]
"""


def page(n: int) -> bytes:
    return article_html(f"Story {n}", body=[f"Story {n}. " + PARAGRAPHS[0], *PARAGRAPHS[1:]])


@pytest.fixture
def rules(tmp_path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def expected_body(n: int, rules_path: Path, url: str = "http://127.0.0.1/") -> str:
    """The body the rules give, from the extractor itself; checked to differ from the generic one."""
    with_rules = extract(page(n), url, rules=load_rules(rules_path)).body
    generic = extract(page(n), url).body
    assert PARAGRAPHS[1] in generic and PARAGRAPHS[1] not in with_rules and PARAGRAPHS[2] in with_rules
    return with_rules


def bodies(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url, body FROM articles"))


def run(*args: str, env: dict[str, str] | None = None) -> None:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == EXIT_OK, result.output


def number(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def assert_rule_applied(db: Path, rules_path: Path, count: int) -> None:
    stored = bodies(db)
    assert len(stored) == count
    for url, body in stored.items():
        assert body == expected_body(number(url), rules_path), url


def test_fetch(tmp_path, rules):
    db = tmp_path / "a.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/story/1", page(1))
        run("fetch", host.url("/story/1"), "--rules", str(rules), "--db", str(db))
    assert_rule_applied(db, rules, 1)


@pytest.mark.parametrize("processes", ["2", "0"])
def test_crawl(tmp_path, rules, processes):
    db = tmp_path / "a.db"
    with LocalSite() as site:
        host = site.host("h")
        for n in range(8):
            host.add(f"/story/{n}", page(n))
        host.add("/feed.xml", rss_feed([(host.url(f"/story/{n}"), "Mon, 06 May 2024 08:00:00 GMT")
                                        for n in range(8)]), content_type="application/rss+xml")
        run("crawl", "--feed", host.url("/feed.xml"), "--delay", "0", "--workers", "2", "--processes", processes,
            "--rules", str(rules), "--db", str(db))
    assert_rule_applied(db, rules, 8)


def stored_without_rules(db: Path) -> None:
    """PAGES pages archived with the generic extractor, as a fetch without rules left them."""
    with Archive(db) as archive:
        for n in range(PAGES):
            url = f"http://127.0.0.1/story/{n}"
            archive.store(extract(page(n), url), raw=page(n), url=url)


def test_reextract_in_a_process_pool(tmp_path, rules):
    db = tmp_path / "a.db"
    stored_without_rules(db)
    assert PARAGRAPHS[1] in bodies(db)["http://127.0.0.1/story/0"]
    run("reextract", "--jobs", "2", "--rules", str(rules), "--db", str(db))
    assert_rule_applied(db, rules, PAGES)


def test_reextract_uses_the_rules_file_of_the_config_folder(tmp_path, rules):
    db = tmp_path / "a.db"
    stored_without_rules(db)
    config = tmp_path / "config"
    (config / "scraper").mkdir(parents=True)
    (config / "scraper" / "rules.toml").write_text(rules.read_text(), encoding="utf-8")
    run("reextract", "--jobs", "1", "--db", str(db), env={"XDG_CONFIG_HOME": str(config), "SCRAPER_RULES": None})
    assert_rule_applied(db, rules, PAGES)


def test_import_warc_in_a_process_pool(tmp_path, rules):
    warc = tmp_path / "pages.warc.gz"
    with open(warc, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for n in range(PAGES):
            html = page(n)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://warc.example/story/{n}", "response", payload=io.BytesIO(html), length=len(html),
                http_headers=http, warc_headers_dict={"WARC-Date": "2022-01-01T00:00:00Z"}))
    db = tmp_path / "a.db"
    run("import-warc", str(warc), "--jobs", "2", "--rules", str(rules), "--db", str(db))
    assert_rule_applied(db, rules, PAGES)


def test_reextract_on_a_cluster(tmp_path, rules):
    db = tmp_path / "a.db"
    stored_without_rules(db)
    run("reextract", "--cluster", "local:2", "--rules", str(rules), "--db", str(db), "--format", "json")
    assert_rule_applied(db, rules, PAGES)
