"""Extraction with a budget: pages built to be slow or huge fail as ``too-complex`` and the
batch goes on — in fetch, crawl, reextract and import-warc.

The hostile pages here are the ones that stalled whole runs before: one element with
100,000 attributes (quadratic in the parser), 300,000 empty elements, 300,000
attributes spread over a page, JSON-LD nested 1,200 levels deep. No test measures
time: the time limit is tested with work that can only end by being stopped.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading

import pytest
from click.testing import CliRunner
from sites import LocalSite, article_html, rss_feed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive
from scraper.budget import Budget, TooComplex, check_markup, extract_within_budget, within_time
from scraper.cli import EXIT_FAILED, cli
from scraper.extraction import extract

ATTRIBUTES = ("<html><head><title>Attributes</title></head><body><div "
              + " ".join(f"a{i}=1" for i in range(100_000)) + "><p>text</p></div></body></html>").encode()
ELEMENTS = ("<html><head><title>Breaks</title></head><body><p>" + "<br>" * 300_000 + "</p></body></html>").encode()
SPREAD = ("<html><head><title>Spread</title></head><body>"
          + "".join("<i " + " ".join(f"a{i}" for i in range(150)) + ">x</i>" for _ in range(2_000))
          + "</body></html>").encode()
NESTED_LD = article_html("Deep data", seed="deep").replace(
    b"</head>", b'<script type="application/ld+json">' + b'{"a":' * 1_200 + b"1" + b"}" * 1_200 + b"</script></head>")

HOSTILE = {
    "attributes": (ATTRIBUTES, "an element <div> with more than 1000 attributes"),
    "elements": (ELEMENTS, "more than 100000 elements"),
    "attributes in all": (SPREAD, "more than 200000 attributes"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_page_over_the_budget_is_refused(name):
    page, reason = HOSTILE[name]
    with pytest.raises(TooComplex) as info:
        extract_within_budget(page, "https://x.example/a")
    assert str(info.value) == reason and info.value.kind == "too-complex"


def test_a_real_page_extracts_the_same_within_the_budget(fixture_bytes):
    page = fixture_bytes("news_article.html")
    assert extract_within_budget(page, "https://x.example/a").to_dict() == extract(page, "https://x.example/a").to_dict()


@pytest.mark.parametrize("markup", [
    '<div title=">" ' + " ".join(f"a{i}" for i in range(2_000)) + ">",       # ">" inside a quoted value
    "<div " + "/".join(f"a{i}" for i in range(2_000)) + ">",                # "/" separates attributes too
    '<div a="x"' + "".join(f'b{i}="y"' for i in range(2_000)) + ">",         # no space between them
    "<div " + " ".join(f"a{i}" for i in range(2_000)),                       # never closed
])
def test_attribute_counting_reads_tags_as_the_parser_does(markup):
    with pytest.raises(TooComplex):
        check_markup(markup)


def test_markup_in_scripts_and_comments_is_not_counted():
    tags = " ".join(f"a{i}" for i in range(2_000))
    check_markup(f"<script>var s = '<div {tags}>';</script><!-- <div {tags}> --><p>fine</p>")


def test_the_time_limit_stops_work_that_would_never_end():
    never = threading.Event()

    def stubborn() -> None:
        while not never.is_set():
            try:
                sum(range(1000))
            except Exception:  # a broad except in the extractor cannot swallow the stop
                pass

    with pytest.raises(TooComplex) as info:
        within_time(0.2, stubborn)
    assert str(info.value) == "extraction took more than 0.2 s"
    # and in another thread, as a crawl extracts with --processes 0
    caught: list[TooComplex] = []

    def in_a_thread() -> None:
        try:
            within_time(0.2, stubborn)
        except TooComplex as exc:
            caught.append(exc)

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert [str(e) for e in caught] == ["extraction took more than 0.2 s"]


def test_recursion_past_the_interpreter_limit_is_too_complex():
    def deep(n: int) -> int:
        return deep(n + 1) + 1

    with pytest.raises(TooComplex) as info:
        within_time(5, lambda: deep(0))
    assert str(info.value) == "elements or data nested too deeply to extract"


def test_work_within_the_limit_returns_its_result():
    assert within_time(30, lambda: 42) == 42
    page = b"<html><head><title>Hi</title></head><body><p>hi</p></body></html>"
    assert extract_within_budget(page, "https://x.example/", budget=Budget(seconds=30)).title == "Hi"


def test_nested_json_ld_is_ignored_and_the_page_kept():
    article = extract_within_budget(NESTED_LD, "https://x.example/deep")
    assert article.title == "Deep data" and article.is_article and article.body


# -- every command goes on after such a page ------------------------------------------------

def test_fetch_logs_too_complex_and_goes_on_to_the_next_url(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        urls = []
        for name, (page, _) in HOSTILE.items():
            urls.append(host.url("/" + name.replace(" ", "-")))
            host.add("/" + name.replace(" ", "-"), page)
        host.add("/deep-data", NESTED_LD)
        host.add("/fine", article_html("Fine story", seed="fine"))
        result = CliRunner().invoke(cli, ["fetch", "--db", str(db), *urls, host.url("/deep-data"),
                                          host.url("/fine")])
    assert result.exit_code == EXIT_FAILED, result.output
    assert "Traceback" not in result.output
    for url, (_, reason) in zip(urls, HOSTILE.values()):
        assert f"failed       200  {url}  too-complex: {reason}" in result.stderr
    assert result.stderr.endswith("5 URLs: 2 new, 3 failed\n")
    with sqlite3.connect(db) as conn:
        errors = [r[0] for r in conn.execute("SELECT error FROM fetches WHERE error IS NOT NULL ORDER BY id")]
        titles = sorted(r[0] for r in conn.execute("SELECT title FROM articles"))
    assert errors == [f"too-complex: {reason}" for _, reason in HOSTILE.values()]
    assert titles == ["Deep data", "Fine story"]


def test_a_crawl_fails_such_pages_and_archives_the_rest(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/attributes", ATTRIBUTES)
        host.add("/deep-data", NESTED_LD)
        host.add("/fine", article_html("Fine story", seed="fine"))
        host.add("/feed.xml", rss_feed([(host.url(p), "") for p in ("/attributes", "/deep-data", "/fine")]),
                 content_type="application/rss+xml")
        result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--delay", "0", "--workers", "2",
                                          "--processes", "1", "--feed", host.url("/feed.xml")])
    assert result.exit_code == EXIT_FAILED, result.output
    assert "internal error" not in result.stderr
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT url, coalesce(error, state) FROM crawl_frontier"))
        titles = sorted(r[0] for r in conn.execute("SELECT title FROM articles"))
    assert states[host.url("/attributes")] == "too-complex: an element <div> with more than 1000 attributes"
    assert titles == ["Deep data", "Fine story"]


def test_reextract_and_import_warc_fail_such_pages_alone(tmp_path):
    db, fine = tmp_path / "archive.db", article_html("Fine story", seed="fine")
    with Archive(db) as archive:  # pages stored by an older scraper, before there was a budget
        for url, page in (("https://x.example/elements", ELEMENTS), ("https://x.example/fine", fine)):
            archive.store(extract(b"<p>placeholder</p>", url), raw=page, url=url)
    result = CliRunner().invoke(cli, ["reextract", "--jobs", "1", "--db", str(db)])
    assert result.exit_code == EXIT_FAILED, result.output
    assert "https://x.example/elements: too-complex: more than 100000 elements" in result.stderr
    assert result.stderr.endswith(": 1 updated, 0 refreshed, 0 unchanged, 1 failed\n")

    warc = tmp_path / "hostile.warc.gz"
    with open(warc, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, page in (("https://y.example/attributes", ATTRIBUTES), ("https://y.example/deep", NESTED_LD),
                          ("https://y.example/fine", fine)):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page),
                                                          length=len(page), http_headers=http))
    imported = CliRunner().invoke(cli, ["import-warc", str(warc), "--jobs", "1", "--format", "json",
                                        "--db", str(db)])
    assert imported.exit_code == EXIT_FAILED, imported.output
    report = json.loads(imported.stdout)
    assert report["stored"] == {"new": 2} and report["failed"] == 1
    assert report["errors"] == ["https://y.example/attributes: too-complex: an element <div> with more than "
                                "1000 attributes"]


def test_show_explain_on_a_page_over_the_budget_is_one_line(tmp_path):
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.store(extract(b"<p>placeholder</p>", "https://x.example/a"), raw=ATTRIBUTES,
                      url="https://x.example/a")
    result = CliRunner().invoke(cli, ["show", "https://x.example/a", "--explain", "--db", str(db)])
    assert result.exit_code == EXIT_FAILED
    assert result.stderr == ("Error: cannot explain https://x.example/a: too-complex: an element <div> with more "
                             "than 1000 attributes\n")
