"""Hostile feeds and sitemaps (billion laughs, XXE, gzip bombs) and links or redirects
from public sites to private addresses."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time

import pytest
from click.testing import CliRunner
from sites import LocalSite, article_html, public_and_private_hosts, rss_feed

from cli import EXIT_FAILED, EXIT_OK, cli
from scraper.feeds import (
    MAX_XML_BYTES,
    FeedError,
    gunzip_capped,
    parse_feed,
    parse_sitemap,
    parse_xml,
)

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
    assert time.perf_counter() - started < 1.0


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
