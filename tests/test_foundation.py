"""End to end on the seed-shaped page: served locally, fetched by the CLI, archived clean."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from scraper.cli import cli

PAGE_PATH = "/2021/07/22/russia-in-talks-to-help-tajikistan-build-afghan-border-outpost-a74580"
BOILERPLATE = [
    "Support The Moscow Times", "Contribute today", "Read more about", "Russian Tanks Move",
    "Independent journalism", "making a donation", "Share on Facebook", "Most read",
    "Sign up for our free weekly newsletter", "We use cookies", "Privacy Policy", "Podcasts",
    "Moscow's largest foreign military base is located",  # the image caption
]


def test_fetch_archives_only_the_article(httpserver, db_path, fixture_bytes):
    httpserver.expect_request(PAGE_PATH).respond_with_data(
        fixture_bytes("news_article.html"), content_type="text/html; charset=utf-8")
    url = httpserver.url_for(PAGE_PATH)

    result = CliRunner().invoke(cli, ["fetch", url, "--db", str(db_path)])

    assert result.exit_code == 0, result.output
    assert "new" in result.stderr and "Russia in Talks" in result.stderr and "(2021-07-22)" in result.stderr
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM articles").fetchone()
    assert row["title"] == "Russia in Talks to Help Tajikistan Build Afghan Border Outpost"
    assert row["published"].startswith("2021-07-22")
    body = row["body"]
    paragraphs = body.split("\n\n")
    assert paragraphs[0].startswith("Russia will help Tajikistan build an outpost")
    assert paragraphs[-1] == "The Taliban, al-Qaeda and Islamic State are terrorist organizations banned in Russia."
    assert len(paragraphs) == 9
    for text in BOILERPLATE:
        assert text not in body, text
    tags = [r[0] for r in conn.execute(
        "SELECT tags.name FROM tags JOIN article_tags ON tags.id = article_tags.tag_id "
        "JOIN articles ON articles.id = article_tags.article_id ORDER BY tags.name")]
    assert tags == ["Afghanistan", "Tajikistan"]
    assert json.loads(row["tags"]) == ["Tajikistan", "Afghanistan"]
    page = conn.execute("SELECT status, final_url, size FROM pages").fetchone()
    assert page[0] == 200 and page[1] == url and page[2] == len(fixture_bytes("news_article.html"))


def test_refetch_updates_in_place(httpserver, db_path, fixture_bytes):
    html = fixture_bytes("news_article.html")
    httpserver.expect_request(PAGE_PATH).respond_with_data(html, content_type="text/html")
    url = httpserver.url_for(PAGE_PATH)
    runner = CliRunner()
    first = runner.invoke(cli, ["fetch", url, "--db", str(db_path)])
    second = runner.invoke(cli, ["fetch", url, "--db", str(db_path)])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "unchanged" in second.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 1  # same bytes kept once
    assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 2  # both attempts logged
