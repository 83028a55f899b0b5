"""Pages of many kinds in several languages: what must and must not be in the body, and
which publication date is right.

Each page in ``fixtures/kinds/`` was written for a kind of page the extractor met on
pages nobody tuned it on (see ``expected.json``): a blog post nested by broken markup
in a sidebar widget, a press release dated only in a visible line, a forum thread, a
how-to whose text exists only in JSON-LD, a lead inside the header box, a copy from a
web archive with its toolbar, a slideshow told in captions, a podcast episode, a
product page, a news page with nothing but a URL and a styled box for a date, a story
that opens with its dateline. ``scraper fetch`` over HTTP stores the same fields.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import extract
from scraper.cli import cli

KINDS = Path(__file__).parent / "fixtures" / "kinds"
EXPECTED: dict[str, dict] = json.loads((KINDS / "expected.json").read_text(encoding="utf-8"))


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_body_keeps_the_story_and_drops_the_furniture(name):
    case = EXPECTED[name]
    article = extract((KINDS / name).read_bytes(), case["url"])
    body = collapse(article.body)
    assert [s for s in case["with"] if collapse(s) not in body] == [], case["kind"]
    assert [s for s in case["without"] if collapse(s) in body] == [], case["kind"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_publication_date(name):
    case = EXPECTED[name]
    article = extract((KINDS / name).read_bytes(), case["url"])
    assert ((article.published or "")[:10] or None) == case["date"], (case["kind"], article.explain.get("published"))


def test_web_archive_copy_keeps_the_original_page_s_fields():
    case = EXPECTED["wayback_it.html"]
    article = extract((KINDS / "wayback_it.html").read_bytes(), case["url"])
    assert article.original_url == case["original_url"]
    assert "captured 2016-08-20" in article.explain["original_url"]
    assert article.authors == case["authors"]
    assert article.tags == case["tags"]


def test_a_date_is_never_later_than_the_capture_of_a_web_archive_copy():
    page = (KINDS / "wayback_it.html").read_bytes().replace(b"9 gennaio 2016", b"9 gennaio 2017")
    article = extract(page, EXPECTED["wayback_it.html"]["url"])
    assert article.published is None or article.published[:10] <= "2016-08-20"


def test_fetched_web_archive_copy_is_stored_shown_and_exported_with_its_original_address(httpserver, tmp_path):
    # Served from 127.0.0.1 under a Wayback-style path: the capture stamp and the original
    # address are read from the URL, whatever the host.
    path = "/web/20160820205919/http://quadernodicucina.example/2016/01/pane-di-segale/"
    httpserver.expect_request(path).respond_with_data((KINDS / "wayback_it.html").read_bytes(),
                                                      content_type="text/html; charset=utf-8")
    url = httpserver.url_for(path)
    db = str(tmp_path / "archive.db")
    runner = CliRunner()
    fetched = runner.invoke(cli, ["fetch", url, "--db", db])
    assert fetched.exit_code == 0, fetched.output
    shown = runner.invoke(cli, ["show", url, "--db", db])
    assert "Original: http://quadernodicucina.example/2016/01/pane-di-segale/" in shown.output
    assert "Published: 2016-01-09" in shown.output
    assert "Wayback Machine" not in shown.output
    exported = runner.invoke(cli, ["export", "--format", "csv", "--db", db])
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert rows[0]["original_url"] == "http://quadernodicucina.example/2016/01/pane-di-segale/"
    assert rows[0]["site"] == "quadernodicucina.example"
