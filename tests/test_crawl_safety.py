"""Hostile feeds and sitemaps (billion laughs, XXE, gzip bombs) and links or redirects
from public sites to private addresses."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import LocalSite, article_html, public_and_private_hosts, rss_feed, sitemap_index, urlset

from scraper.cli import EXIT_ARCHIVE, EXIT_FAILED, EXIT_OK, cli
from scraper.feeds import (
    MAX_XML_BYTES,
    FeedError,
    gunzip_capped,
    parse_feed,
    parse_sitemap,
    parse_xml,
)
from scraper.urls import normalize_url

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><link>https://x.example/&lol9;</link></item></channel></rss>"""


def xxe(target: str, root: str = "rss") -> bytes:
    inner = "<channel><item><link>https://x.example/&xxe;</link></item></channel>" if root == "rss" else \
        "<url><loc>https://x.example/&xxe;</loc></url>"
    return (f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{target}">]><{root}>{inner}</{root}>'
            ).encode()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-TOKEN")
    return path


def test_billion_laughs_is_refused_without_expansion():
    started = time.perf_counter()
    for parse in (parse_feed, parse_sitemap):
        with pytest.raises(FeedError) as err:
            parse(BILLION_LAUGHS, "https://x.example/")
        assert err.value.kind == "unsafe-xml" and "declares entities" in err.value.message
    # the same bomb in a document broken enough to skip the strict parser is refused too
    with pytest.raises(FeedError) as err:
        parse_xml(BILLION_LAUGHS.replace(b"</rss>", b"<oops></rss>"))
    assert err.value.kind == "unsafe-xml"
    assert time.perf_counter() - started < 10  # expanding the entities would never end in time


def test_xxe_reads_no_file(secret):
    for parse, root in ((parse_feed, "rss"), (parse_sitemap, "urlset")):
        with pytest.raises(FeedError) as err:
            parse(xxe(secret.as_uri(), root), "https://x.example/")
        assert err.value.kind == "unsafe-xml"
        assert "TOP-SECRET" not in err.value.message


def test_malformed_feed_recovers_without_resolving_entities():
    # undefined HTML entity and a bare ampersand: lenient parse, entities left alone
    feed = b"<rss><channel><item><title>A&nbsp;B & C</title><link>https://x.example/a</link></item></channel></rss>"
    assert [e.url for e in parse_feed(feed, "https://x.example/")] == ["https://x.example/a"]


def test_size_caps_and_gzip_bomb():
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))  # 8 MiB of spaces in about 8 KB
    assert len(bomb) < 20_000
    with pytest.raises(FeedError) as err:
        gunzip_capped(bomb, limit=1024 * 1024)
    assert err.value.kind == "too-large" and "more than 1048576 bytes" in err.value.message
    with pytest.raises(FeedError) as err:
        parse_sitemap(b"<urlset>" + b" " * 2048 + b"</urlset>", "https://x.example/", limit=1024)
    assert err.value.kind == "too-large"
    assert MAX_XML_BYTES == 50 * 1024 * 1024  # the sitemap protocol's limit


def test_hostile_feeds_in_a_crawl(tmp_path, secret):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/ok", article_html("Fine story", seed="ok"))
        host.add("/laughs.xml", BILLION_LAUGHS, content_type="application/rss+xml")
        host.add("/xxe.xml", xxe(secret.as_uri()), content_type="application/rss+xml")
        host.add("/dtd.xml", f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{host.url("/evil.dtd")}">'
                             f'<rss><channel><item><link>{host.url("/ok")}</link></item></channel></rss>',
                 content_type="application/rss+xml")
        host.add("/evil.dtd", '<!ENTITY leak SYSTEM "file:///etc/passwd">', content_type="application/xml-dtd")
        host.add("/bomb.xml.gz", gzip.compress(b" " * (MAX_XML_BYTES + 1024)), content_type="application/x-gzip")
        result = CliRunner().invoke(cli, [
            "crawl", "--db", str(db), "--delay", "0", "--workers", "1", "--feed", host.url("/laughs.xml"),
            "--feed", host.url("/xxe.xml"), "--feed", host.url("/dtd.xml"), "--sitemap", host.url("/bomb.xml.gz")])
        assert result.exit_code == EXIT_FAILED, result.output
        assert not site.hits("h", "/evil.dtd")  # an external DTD is never fetched
        assert [h.path for h in site.hits("h", "/ok")] == ["/ok"]  # the DTD-referencing feed still works
    assert result.stderr.count("unsafe-xml: refused") == 2
    assert "too-large: gzip data inflates to more than 52428800 bytes" in result.stderr
    assert "sources failed" in result.stderr
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
        sources = dict(conn.execute("SELECT url, error FROM crawl_sources"))
    assert "TOP-SECRET" not in dump and "root:x:0" not in dump
    assert sources[host.url("/laughs.xml")].startswith("unsafe-xml")


@pytest.fixture
def public_and_private(monkeypatch):
    """127.0.0.2 plays a public site (its address is classed as public); 127.0.0.1 is private."""
    with public_and_private_hosts(monkeypatch) as (site, public, private):
        private.add("/robots.txt", "", content_type="text/plain")
        private.add("/internal", article_html("Internal admin page", seed="internal"))
        private.add("/feed.xml", rss_feed([(private.url("/internal"), "")]), content_type="application/rss+xml")
        public.add("/robots.txt", "", content_type="text/plain")
        public.add("/story", article_html("Public story", seed="public"))
        public.add("/go", status=302, headers={"Location": private.url("/internal")}, conditional=False)
        public.add("/feed.xml", rss_feed([(public.url("/story"), ""), (private.url("/internal"), ""),
                                          ("http://169.254.169.254/latest/meta-data/", ""),
                                          (public.url("/go"), "")]), content_type="application/rss+xml")
        yield site, public, private


def test_public_site_cannot_steer_the_crawl_to_private_addresses(public_and_private, tmp_path):
    site, public, private = public_and_private
    db = tmp_path / "archive.db"
    args = ["crawl", "--db", str(db), "--delay", "0", "--workers", "2", "--feed", public.url("/feed.xml"),
            "--summary-json", str(tmp_path / "s.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_OK, result.output
    assert site.hits("private") == []  # nothing reached the private server
    assert "private address 127.0.0.1 found on public 127.0.0.2" in result.stderr
    assert "private address 169.254.169.254 found on public 127.0.0.2" in result.stderr
    assert "refused redirect from public 127.0.0.2 to private address 127.0.0.1" in result.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert (summary["new"], summary["skipped_private"], summary["failed"]) == (1, 3, 0)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT url FROM articles")] == [public.url("/story")]
        assert conn.execute("SELECT count(*) FROM fetches WHERE url LIKE '%169.254%'").fetchone()[0] == 0

    allowed = CliRunner().invoke(cli, [*args, "--allow-private", "--refresh", "--exclude", r"re:169\.254"])
    assert allowed.exit_code == EXIT_OK, allowed.output
    # the link reaches it now; the redirect to it is queued like a link, so asked once
    assert sorted(h.path for h in site.hits("private")) == ["/internal", "/robots.txt"]
    assert f"moved     302  {public.url('/go')}  to {private.url('/internal')}" in allowed.stderr


def test_private_seed_is_allowed_and_said_so(public_and_private, tmp_path):
    site, public, private = public_and_private
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "a.db"), "--delay", "0",
                                      "--feed", private.url("/feed.xml")])
    assert result.exit_code == EXIT_OK, result.output
    assert f"seed {private.url('/feed.xml')} is on a private address (127.0.0.1): crawling it because you gave it" \
        in result.stderr
    assert [h.path for h in site.hits("private")] == ["/robots.txt", "/feed.xml", "/internal"]


# -- every spelling of a private address, from every place a crawl finds URLs --------------

def private_spellings(port: int, public_port: int) -> list[str]:
    """Base URLs of the private server (127.0.0.1:port) in the spellings a URL parser may
    read differently from the HTTP library that connects."""
    return [f"http://{host}:{port}" for host in (
        "127.0.0.1", "%31%32%37.0.0.1", "%31%32%37%2e0%2e0%2e1", "2130706433", "0x7f000001", "0x7f.0.0.1",
        "0177.0.0.1", "0X7F.1", "127.1", "127.0.1", "017700000001", "localhost", "LOCALHOST.", "loc%61lhost",
        "[::ffff:127.0.0.1]", "[::127.0.0.1]", "user:pw@127.0.0.1", "127.0.0.2@127.0.0.1",
    )] + [
        # urlsplit reads the host after "@" (the public 127.0.0.2); requests connects to 127.0.0.1
        f"http://127.0.0.1:{port}\\@127.0.0.2:{public_port}",
        "http://%31%36%39.254.169.254", "http://169.254.169.254", "http://0xa9fea9fe",
    ]


def test_a_public_site_cannot_steer_a_crawl_inside_in_any_spelling(monkeypatch, tmp_path):
    with public_and_private_hosts(monkeypatch) as (site, public, private):
        for path in ("/robots.txt", "/feed.xml", "/sitemap.xml", "/internal"):
            private.add(path, article_html("Internal admin page", seed="internal"))
        bases = private_spellings(private.port, public.port)
        feeds = "".join(f'<link rel="alternate" type="application/rss+xml" href="{b}/feed.xml">' for b in bases)
        public.add("/robots.txt", "".join(f"Sitemap: {b}/sitemap.xml\n" for b in bases), content_type="text/plain")
        public.add("/story", article_html("Public story", seed="public"))
        public.add("/feed.xml", rss_feed([(public.url("/story"), "")] + [(f"{b}/internal?feed", "") for b in bases]
                                         + [(public.url(f"/go/{i}"), "") for i in range(len(bases))]),
                   content_type="application/rss+xml")
        public.add("/sitemap.xml", urlset([(f"{b}/internal?sitemap", None) for b in bases]),
                   content_type="application/xml")
        public.add("/index.xml", sitemap_index([(f"{b}/sitemap.xml", None) for b in bases]),
                   content_type="application/xml")
        public.add("/home", f"<html><head><title>Home</title>{feeds}</head><body>home</body></html>")
        for i, base in enumerate(bases):  # refused by the fetcher before it is requested
            public.add(f"/go/{i}", status=302, headers={"Location": f"{base}/internal?redirect"}, conditional=False)
        db = tmp_path / "archive.db"
        result = CliRunner().invoke(cli, [
            "crawl", "--db", str(db), "--delay", "0", "--workers", "2", "--feed", public.url("/feed.xml"),
            "--feed", public.url("/home"), "--sitemap", public.url("/sitemap.xml"),
            "--sitemap", public.url("/index.xml"), "--sitemap", "auto", "--summary-json", str(tmp_path / "s.json")])
    assert result.exit_code == EXIT_OK, result.output
    assert private.connections == []  # not one connection to the private server
    assert site.hits("private") == []
    summary = json.loads((tmp_path / "s.json").read_text())
    assert (summary["new"], summary["moved"], summary["failed"]) == (1, 0, 0)
    distinct = len({normalize_url(f"{b}/internal") for b in bases})  # LOCALHOST. is localhost
    assert summary["skipped_private"] == 2 * distinct + len(bases)  # feed entries, sitemap entries, redirects
    assert result.stderr.count("refused redirect from public 127.0.0.2 to private address") == len(bases)
    # and feeds announced by the home page, child sitemaps and robots.txt Sitemap: lines
    refused = [line for line in result.stderr.splitlines() if line.startswith("refused ")]
    assert len(refused) == 3 * len(bases) + 2 * distinct
    assert "private address 127.0.0.1 found on public 127.0.0.2" in result.stderr
    assert "private address 169.254.169.254 found on public 127.0.0.2" in result.stderr
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT url FROM articles")] == [public.url("/story")]


def test_a_name_that_turns_private_when_connecting_is_refused_in_a_crawl(monkeypatch, tmp_path):
    # "localhost" stands for a DNS name that looks public when the crawl finds it and
    # resolves to a private address when the request connects (DNS rebinding).
    import scraper.fetching

    with public_and_private_hosts(monkeypatch) as (site, public, private):
        judged = scraper.fetching.is_private_host
        monkeypatch.setattr(scraper.fetching, "is_private_host", lambda host: host != "localhost" and judged(host))
        rebound = private.url("/internal").replace("127.0.0.1", "localhost")
        private.add("/robots.txt", "", content_type="text/plain")
        private.add("/internal", article_html("Internal admin page", seed="internal"))
        public.add("/robots.txt", "", content_type="text/plain")
        public.add("/go", status=302, headers={"Location": rebound + "?redirect"}, conditional=False)
        public.add("/feed.xml", rss_feed([(rebound + "?feed", ""), (public.url("/go"), "")]),
                   content_type="application/rss+xml")
        result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "a.db"), "--delay", "0",
                                          "--feed", public.url("/feed.xml")])
    assert private.connections == []  # resolved, judged private, never connected
    assert result.stderr.count("resolves to private address 127.0.0.1 and this URL was found on a public site") \
        == 1, result.stderr  # the robots.txt of the rebound host: nothing else of it is asked
    assert "nothing fetched from that host this run" in result.stderr


def test_urls_queued_with_allow_private_are_judged_again_by_a_later_run(public_and_private, tmp_path):
    site, public, private = public_and_private
    db = tmp_path / "archive.db"
    args = ["crawl", "--db", str(db), "--delay", "0", "--feed", public.url("/feed.xml"),
            "--exclude", r"re:169\.254"]
    first = CliRunner().invoke(cli, [*args, "--allow-private", "--max-pages", "0"])
    assert first.exit_code == EXIT_OK, first.output
    with sqlite3.connect(db) as conn:
        queued = {r[0] for r in conn.execute("SELECT url FROM crawl_frontier WHERE state = 'queued'")}
    assert private.url("/internal") in queued  # found, allowed, not fetched yet
    private.connections.clear()
    site.clear_log()
    second = CliRunner().invoke(cli, args)
    site.close()
    assert second.exit_code == EXIT_OK, second.output
    assert private.connections == [] and site.hits("private") == []
    assert f"refused   -    {private.url('/internal')}  private address 127.0.0.1 found on public 127.0.0.2" \
        in second.stderr
    with sqlite3.connect(db) as conn:
        state, error = conn.execute("SELECT state, error FROM crawl_frontier WHERE url = ?",
                                    (private.url("/internal"),)).fetchone()
    assert state == "skipped" and error.startswith("private-address: found on public")


# -- a host that asks too much of the crawl -------------------------------------------------

SCRIPT = Path(sys.executable).with_name("scraper")


def test_a_huge_crawl_delay_defers_its_host_instead_of_stalling_the_crawl(tmp_path):
    db, summary = tmp_path / "archive.db", tmp_path / "s.json"
    with LocalSite() as site:
        slow, fine = site.host("slow"), site.host("fine")
        slow.add("/robots.txt", "User-agent: *\nCrawl-delay: 1000000000\n", content_type="text/plain")
        fine.add("/robots.txt", "User-agent: *\nCrawl-delay: 0.01\n", content_type="text/plain")
        for host in (slow, fine):
            paths = [f"/story/{n}" for n in range(3)]
            for path in paths:
                host.add(path, article_html(f"{host.name} {path}", seed=host.name + path))
            host.add("/feed.xml", rss_feed([(host.url(p), "") for p in paths]), content_type="application/rss+xml")
        args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--summary-json", str(summary),
                "--feed", slow.url("/feed.xml"), "--feed", fine.url("/feed.xml")]
        # a crawl that honoured the delay would never end: the timeout only turns that into a failure
        done = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert done.returncode == EXIT_OK, done.stderr
        assert [h.path for h in site.hits("slow")] == ["/robots.txt"]  # nothing more was asked of it
        assert sorted(h.path for h in site.hits("fine") if h.path.startswith("/story/")) == \
            ["/story/0", "/story/1", "/story/2"]
        counts = json.loads(summary.read_text())
        assert (counts["hosts_deferred"], counts["new"], counts["status"]) == (1, 3, "finished")
        assert f"robots.txt of {slow.base} asks for Crawl-delay 1e+09 s, over the 60 s a crawl waits for one " \
               "host: nothing more is fetched from it this run" in done.stderr
        assert "1 host deferred (Crawl-delay over 60 s)" in done.stderr
        with sqlite3.connect(db) as conn:
            states = dict(conn.execute("SELECT url, state FROM crawl_frontier WHERE url LIKE ?",
                                       (slow.base + "%",)))
        # its feed was never read this run, so nothing of it is queued; with its pages known
        # from an earlier run, they stay queued
        assert states == {}
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO crawl_frontier (url, fetch_url, origin, site, source, depth, follow, state, "
                         "tries, discovered_at, updated_at) VALUES (?, ?, ?, 'cli', 'input', 0, 0, 'queued', 0, "
                         "'2024-01-01', '2024-01-01')", (slow.url("/story/0"), slow.url("/story/0"), slow.base))
        again = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert again.returncode == EXIT_OK, again.stderr
        assert "nothing more is fetched from it this run (2 URLs left queued)" in again.stderr  # feed and page
        assert json.loads(summary.read_text())["left_queued"] == 1
        assert not [h for h in site.hits("slow") if h.path.startswith("/story/")]


def test_robots_txt_answered_429_means_slow_down_not_no_rules(tmp_path):
    with LocalSite() as site:
        host = site.host("busy")
        host.add("/robots.txt", "", statuses=[(429, {"Retry-After": "0"})] * 3)  # every try is a 429
        host.add("/story", article_html("Story", seed="busy"))
        host.add("/feed.xml", rss_feed([(host.url("/story"), "")]), content_type="application/rss+xml")
        result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "a.db"), "--delay", "0",
                                          "--retries", "2", "--feed", host.url("/feed.xml")])
    assert result.exit_code == EXIT_FAILED, result.output
    assert [h.path for h in site.hits("busy")] == ["/robots.txt"] * 3  # nothing else was asked
    assert f"robots.txt of {host.base} could not be read (http: HTTP 429" in result.stderr


def test_the_crawl_lock_is_never_opened_through_a_symbolic_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    db = tmp_path / "archive.db"
    (tmp_path / "archive.db.crawl.lock").symlink_to(victim)
    with LocalSite() as site:
        host = site.host("h")
        host.add("/feed.xml", rss_feed([]), content_type="application/rss+xml")
        result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--feed", host.url("/feed.xml")])
        assert site.hits() == []
    assert result.exit_code == EXIT_ARCHIVE
    assert result.stderr == f"Error: cannot create the crawl lock {db}.crawl.lock: it is a symbolic link\n"
    assert victim.read_text() == "precious"


def test_a_304_to_a_first_request_is_not_taken_for_done(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/lying", "", status=304, conditional=False)
        host.add("/feed.xml", rss_feed([(host.url("/lying"), "")]), content_type="application/rss+xml")
        result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--delay", "0", "--feed", host.url("/feed.xml")])
    assert result.exit_code == EXIT_FAILED, result.output
    with sqlite3.connect(db) as conn:
        state, error = conn.execute("SELECT state, error FROM crawl_frontier WHERE url = ?",
                                    (host.url("/lying"),)).fetchone()
    assert (state, error) == ("failed", "http: HTTP 304 Not Modified to a request that was not conditional")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entities_declared_after_a_broken_comment_and_padding_are_refused(encoding):
    # the strict parser gives up at the comment; the lenient one must not take the rest
    doc = ('<?xml version="1.0"?><!-- broken -- comment -->' + " " * 70_000
           + '<!DOCTYPE rss [<!ENTITY x "lol">]><rss><channel><item><link>https://x.example/&x;</link></item>'
           "</channel></rss>").encode(encoding)
    # (a UTF-16 sitemap is not read as XML at all)
    for parse in (parse_feed, parse_sitemap) if encoding == "utf-8" else (parse_feed,):
        with pytest.raises(FeedError) as err:
            parse(doc, "https://x.example/")
        assert err.value.kind == "unsafe-xml"
