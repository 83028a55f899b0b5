"""The crawl's parts on their own: feed and sitemap parsing, robots rules, URL patterns,
the per-host scheduler, the config file, and the worker function's picklable result."""

from __future__ import annotations

import gzip
import pickle
import sqlite3
from datetime import datetime, timezone

import pytest
from sites import LocalSite, article_html

from scraper.crawl import (
    ConfigError,
    HostScheduler,
    Task,
    WorkerSettings,
    build_options,
    load_config,
    page_links,
    process_task,
)
from scraper.feeds import FeedError, discover_feeds, parse_date, parse_feed, parse_sitemap
from scraper.options import HttpOptions
from scraper.parsing import parse_html
from scraper.robots import RobotsRules, product_token
from scraper.urls import normalize_url, origin_of, site_key, url_matcher

BASE = "https://news.example/"


def urls(entries):
    return [e.url for e in entries]


def test_rss_versions_atom_and_json_feed():
    rss091 = b"""<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
      "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>x</title>
      <item><title>a</title><link>/a</link></item></channel></rss>"""
    assert urls(parse_feed(rss091, BASE)) == ["https://news.example/a"]

    rss10 = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="x"><title>x</title></channel>
      <item rdf:about="https://news.example/b"><link>https://news.example/b</link><dc:date>2024-05-06T10:00:00Z</dc:date>
      </item></rdf:RDF>"""
    [entry] = parse_feed(rss10, BASE)
    assert entry.url == "https://news.example/b" and entry.date == datetime(2024, 5, 6, 10, tzinfo=timezone.utc)

    rss20 = b"""<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>
      <item><link>https://feeds.example/~r/x/1</link><feedburner:origLink>https://news.example/c</feedburner:origLink>
      <pubDate>Mon, 06 May 2024 08:00:00 +0200</pubDate></item>
      <item><guid isPermaLink="true">https://news.example/d</guid></item>
      <item><guid isPermaLink="false">tag:news.example,2024:e</guid></item>
      <item><title>bare &amp; ampersand & here</title><link>https://news.example/f</link></item>
      </channel></rss>"""
    entries = parse_feed(rss20, BASE)
    assert urls(entries) == ["https://news.example/c", "https://news.example/d", "https://news.example/f"]
    assert entries[0].date == datetime(2024, 5, 6, 6, tzinfo=timezone.utc)

    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/self"/>
      <link rel="alternate" type="text/html" href="/g"/><published>2024-05-06</published></entry>
      <entry><id>https://news.example/h</id><updated>2024-05-07T00:00:00+00:00</updated></entry></feed>"""
    entries = parse_feed(atom, BASE)
    assert urls(entries) == ["https://news.example/g", "https://news.example/h"]
    assert entries[0].date == datetime(2024, 5, 6, tzinfo=timezone.utc)

    jf = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "/i", ' \
         b'"date_published": "2024-05-06T08:00:00Z"}, {"id": "2", "external_url": "https://other.example/j"}]}'
    assert urls(parse_feed(jf, BASE)) == ["https://news.example/i", "https://other.example/j"]

    with pytest.raises(FeedError) as err:
        parse_feed(b'{"items": []}', BASE)
    assert err.value.kind == "not-a-feed"
    with pytest.raises(FeedError) as err:
        parse_feed(b"<!DOCTYPE html><html><body>hi</body></html>", BASE)
    assert err.value.kind == "html"


def test_feed_discovery_from_a_home_page():
    page = b"""<html><head><link rel="alternate" type="application/rss+xml" href="/rss">
      <link rel="alternate" type="application/atom+xml" href="https://news.example/atom">
      <link rel="alternate" hreflang="de" href="/de/"><link rel="stylesheet" href="/s.css"></head></html>"""
    assert discover_feeds(page, BASE) == ["https://news.example/rss", "https://news.example/atom"]


def test_sitemaps_index_urlset_news_gzip_and_text():
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://news.example/s1.xml.gz</loc><lastmod>2024-05-06</lastmod></sitemap></sitemapindex>"""
    parsed = parse_sitemap(index, BASE)
    assert urls(parsed.sitemaps) == ["https://news.example/s1.xml.gz"] and parsed.urls == []

    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://news.example/n1</loc>
      <lastmod>2024-01-01</lastmod><news:news><news:publication_date>2024-05-06T07:00:00Z</news:publication_date>
      </news:news></url><url><loc>https://news.example/n2</loc><lastmod>2024-05</lastmod></url></urlset>"""
    parsed = parse_sitemap(gzip.compress(news), BASE)
    assert urls(parsed.urls) == ["https://news.example/n1", "https://news.example/n2"]
    assert parsed.urls[0].date == datetime(2024, 5, 6, 7, tzinfo=timezone.utc)  # news date beats lastmod
    assert parsed.urls[1].date == datetime(2024, 5, 1, tzinfo=timezone.utc)

    text = b"https://news.example/t1\n\nhttps://news.example/t2\n"
    assert urls(parse_sitemap(text, BASE).urls) == ["https://news.example/t1", "https://news.example/t2"]


@pytest.mark.parametrize("text,expected", [
    ("Mon, 06 May 2024 08:00:00 GMT", datetime(2024, 5, 6, 8, tzinfo=timezone.utc)),
    ("2024-05-06T08:00:00+02:00", datetime(2024, 5, 6, 6, tzinfo=timezone.utc)),
    ("2024-05-06 08:00:00", datetime(2024, 5, 6, 8, tzinfo=timezone.utc)),
    ("2024", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("yesterday-ish", None),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


def test_relative_since():
    now = datetime(2024, 5, 10, 12, tzinfo=timezone.utc)
    assert parse_date("2d", now=now) == datetime(2024, 5, 8, 12, tzinfo=timezone.utc)
    assert parse_date("36h", now=now) == datetime(2024, 5, 9, 0, tzinfo=timezone.utc)


def test_robots_groups_wildcards_delay_and_fetch_policy():
    text = ("User-agent: *\nDisallow: /\n\nUser-agent: scraper\nDisallow: /*.pdf$\nDisallow: /search\n"
            "Allow: /search/about\nCrawl-delay: 2.5\nSitemap: https://news.example/sitemap.xml\n")
    agent = product_token("scraper/0.1.0 (+https://github.com/scraper-archive/scraper)")
    assert agent == "scraper"
    rules = RobotsRules.from_status(200, text, agent)
    assert rules.allowed("https://news.example/story") is True
    assert rules.allowed("https://news.example/report.pdf") is False
    assert rules.allowed("https://news.example/report.pdf?x=1") is True
    assert rules.allowed("https://news.example/search?q=x") is False
    assert rules.allowed("https://news.example/search/about") is True
    assert rules.crawl_delay == 2.5 and rules.sitemaps == ["https://news.example/sitemap.xml"]
    assert RobotsRules.from_status(200, text, "otherbot").allowed("https://news.example/story") is False
    assert RobotsRules.from_status(404, "", agent).allowed("https://news.example/anything") is True
    assert RobotsRules.from_status(503, "", agent).allowed("https://news.example/anything") is False
    assert RobotsRules.from_status(None, "", agent, "connection refused").state == "unreachable"


def test_url_helpers():
    assert normalize_url("HTTP://News.Example:80/a//b/./c/../d?utm_source=x&id=3#top") == "http://news.example/a/b/d?id=3"
    assert origin_of("https://News.Example:443/x") == "https://news.example"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert site_key("https://www.news.example/x") == site_key("http://news.example/y") == "news.example"
    match = url_matcher(["/news/*", "re:/20\\d\\d/"])
    assert match is not None
    assert match("https://n.example/news/a") and match("https://n.example/x/2024/a")
    assert not match("https://n.example/sport/a") and not match("https://n.example/news")
    assert url_matcher([]) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_scheduler_one_request_per_origin_with_delay_and_sources_first():
    clock = FakeClock()
    scheduler = HostScheduler(default_delay=1.0, clock=clock)
    a, b = "http://a.example", "http://b.example"
    for n in range(2):
        scheduler.add(Task(f"{a}/p{n}", "page"))
        scheduler.add(Task(f"{b}/p{n}", "page"))
    scheduler.add(Task(f"{a}/feed", "feed"))
    first = scheduler.next_task()
    second = scheduler.next_task()
    assert (first.url, second.url) == (f"{a}/feed", f"{b}/p0")  # the feed before a's pages
    assert scheduler.next_task() is None  # both origins busy
    scheduler.release(a)
    assert scheduler.next_task() is None and scheduler.wake_in() == pytest.approx(1.0)
    clock.now += 0.99
    assert scheduler.next_task() is None
    scheduler.set_delay(a, 3.0)  # a Crawl-delay learnt meanwhile applies to the current wait
    clock.now += 0.02
    assert scheduler.next_task() is None and scheduler.wake_in() == pytest.approx(1.99)
    clock.now += 2.0
    assert scheduler.next_task().url == f"{a}/p0"
    scheduler.release(b, requested=False)  # b made no request: no wait
    assert scheduler.next_task().url == f"{b}/p1"
    assert scheduler.queued == 1 and scheduler.busy == 2


def test_config_file_and_command_line_precedence(tmp_path):
    config = tmp_path / "sites.toml"
    config.write_text("""
workers = 6
delay = 2.0
exclude = ["*/live/*"]

[[site]]
name = "one"
feed = "https://one.example/feed"
sitemaps = ["auto"]
max_pages = 50
since = 2024-05-01

[[site]]
name = "two"
start = ["https://two.example/news/"]
follow = ["/news/*"]
depth = 2
delay = 5
since = "2d"
""")
    settings, sites = load_config(config)
    assert settings == {"workers": 6, "delay": 2.0, "exclude": ["*/live/*"]}
    assert [s.name for s in sites] == ["one", "two"]
    assert sites[0].feeds == ["https://one.example/feed"] and sites[0].sitemaps == ["auto"]
    assert sites[0].exclude == ["*/live/*"] and sites[0].max_pages == 50 and sites[0].since == "2024-05-01"
    assert sites[1].depth == 2 and sites[1].delay == 5 and sites[1].since == "2d"

    options = build_options(config=config, explicit={"workers": 2, "feeds": ["https://three.example/rss"]})
    assert options.workers == 2 and options.delay == 2.0
    assert [s.name for s in options.sites] == ["one", "two", "cli"]
    assert options.sites[1].delay == 5  # a site's own delay beats the file's top level...
    options = build_options(config=config, explicit={"delay": 0.5, "depth": 0})
    assert options.sites[1].delay is None and options.delay == 0.5  # ...and the command line beats both
    assert [s.depth for s in options.sites] == [0, 0]

    config.write_text('[[site]]\nname = "x"\nfeeds = ["https://x.example/f"]\nfollw = ["/a"]\n')
    with pytest.raises(ConfigError, match="unknown setting 'follw'"):
        build_options(config=config)
    with pytest.raises(ConfigError, match="nothing to crawl"):
        build_options()
    with pytest.raises(ConfigError, match="--sitemap auto"):
        build_options(explicit={"sitemaps": ["auto"]})
    with pytest.raises(ConfigError, match="cannot read the date"):
        build_options(explicit={"feeds": ["https://x.example/f"], "since": "last tuesday"})


def test_links_of_a_page():
    page = b"""<html><head><base href="https://news.example/section/"><link rel="canonical" href="/story">
      </head><body><a href="a#frag">A</a><a href="/b" rel="nofollow">B</a><a href="mailto:x@y">M</a>
      <a href="https://other.example/c">C</a><a href="a">again</a></body></html>"""
    links = page_links(parse_html(page), "https://news.example/section/index.html")
    assert links == ["https://news.example/section/a", "https://other.example/c"]


def test_worker_function_result_survives_pickling():
    """What a cluster worker sends back: plain data, article included."""
    with LocalSite() as site:
        host = site.host("w")
        host.add("/story", article_html("Picklable story", seed="p"))
        result = process_task(Task(host.url("/story"), "page", follow=True), WorkerSettings(HttpOptions(retries=0)))
    copy = pickle.loads(pickle.dumps(result))
    assert copy.ok and copy.article.title == "Picklable story" and copy.response.status == 200
    assert copy.body_hash == result.body_hash and len(copy.body_hash) == 64
    assert copy.links == [host.url("/"), host.url("/news/"), host.url("/about")]


def test_an_outside_executor_gets_whole_tasks_and_the_archive_is_the_same(tmp_path):
    """The hook a cluster backend uses: same site, same archive rows, with or without it."""
    from concurrent.futures import ThreadPoolExecutor

    from sites import rss_feed

    from scraper.crawl import CrawlOptions, SiteConfig, crawl

    calls = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            calls.append((fn.__name__, args[0].kind))
            return super().submit(fn, *args, **kwargs)

    rows = {}
    with LocalSite() as site:
        host = site.host("x")
        host.add("/robots.txt", "", content_type="text/plain")
        for n in range(4):
            host.add(f"/s{n}", article_html(f"Story {n}", seed=f"s{n}"))
        host.add("/feed.xml", rss_feed([(host.url(f"/s{n}"), "") for n in range(4)]),
                 content_type="application/rss+xml")
        options = CrawlOptions(sites=[SiteConfig(feeds=[host.url("/feed.xml")])], delay=0, workers=2)
        for name, executor in (("local", None), ("outside", Recording(2))):
            summary = crawl(tmp_path / f"{name}.db", options, executor=executor)
            assert summary.new == 4
            with sqlite3.connect(tmp_path / f"{name}.db") as conn:
                rows[name] = conn.execute("SELECT url, title, body, content_hash FROM articles ORDER BY url").fetchall()
    assert rows["local"] == rows["outside"] and len(rows["local"]) == 4
    assert sorted(set(calls)) == [("process_task", "feed"), ("process_task", "page"), ("process_task", "robots")]
