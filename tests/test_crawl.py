"""``scraper crawl`` against a local three-host news site (real servers on 127.0.0.1).

The site has robots.txt rules and a Crawl-delay, RSS, Atom and JSON feeds, a sitemap
index with a gzipped news-sitemap child, a section page with links, a redirect, a
404, a 500, a 429 with Retry-After, a slow page, a canonical duplicate and a
same-text duplicate. The servers' request logs prove what was requested and when.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import (
    LocalSite,
    article_html,
    atom_feed,
    gz,
    json_feed,
    rss_feed,
    section_html,
    sitemap_index,
    urlset,
)

from scraper.cli import EXIT_FAILED, EXIT_OK, cli
from scraper.fetching import DEFAULT_USER_AGENT

DELAY = 0.15        # --delay for the tests
BETA_DELAY = 0.3    # beta's robots.txt Crawl-delay
RFC822 = "Mon, 06 May 2024 08:00:00 GMT"

# Articles archived once each, by host and path.
ALPHA = ["/news/a1", "/news/a2", "/news/a3", "/news/a4", "/news/busy", "/news/slow", "/old/a5",
         "/news/a6", "/news/a7", "/news/a8"]
BETA = ["/news/b1", "/news/b2", "/news/b3", "/news/b4"]
GAMMA = ["/c1", "/c2"]


@contextmanager
def news_site() -> Iterator[LocalSite]:
    """The three-host site described at the top of this module."""
    with LocalSite() as s:
        alpha, beta, gamma = s.host("alpha"), s.host("beta"), s.host("gamma")
        build_alpha(alpha)
        build_beta(beta, alpha)
        build_gamma(gamma)
        yield s


@pytest.fixture
def site():
    with news_site() as s:
        yield s


def build_alpha(alpha) -> None:
    alpha.add("/robots.txt", "User-agent: *\nDisallow: /private/\n\nUser-agent: scraper\nDisallow: /private/\n"
              "Disallow: /drafts/\nAllow: /drafts/public\n", content_type="text/plain")
    for path in ALPHA:
        if path != "/old/a5":
            alpha.add(path, article_html(f"Alpha story {path}", seed=path))
    alpha.add("/news/a5", article_html("Alpha story a5", seed="a5"))
    alpha.add("/old/a5", status=301, headers={"Location": "/news/a5"}, conditional=False)
    alpha.routes["/news/busy"].statuses = [(429, {"Retry-After": "1"})]
    alpha.routes["/news/slow"].delay = 0.4
    alpha.add("/news/gone", status=404, conditional=False)
    alpha.add("/news/broken", "<html>oops</html>", status=500, conditional=False)
    alpha.add("/private/secret", article_html("secret", seed="secret"))
    alpha.add("/drafts/x", article_html("draft", seed="draft"))
    feed_items = [(alpha.url(p), RFC822) for p in
                  ["/news/a1", "/news/a2", "/news/busy", "/news/slow", "/old/a5", "/news/gone", "/news/broken",
                   "/private/secret", "/drafts/x"]]
    feed_items.append((alpha.url("/news/a3?utm_source=rss&utm_medium=feed#top"), RFC822))
    alpha.add("/feed.xml", rss_feed(feed_items), content_type="application/rss+xml")
    alpha.add("/sitemap_index.xml", sitemap_index([(alpha.url("/sitemap-1.xml"), "2024-05-06"),
                                                   (alpha.url("/sitemap-news.xml.gz"), "2024-05-06")]),
              content_type="application/xml")
    alpha.add("/sitemap-1.xml", urlset([(alpha.url("/news/a1"), "2024-05-06"), (alpha.url("/news/a4"), "2024-05-06"),
                                        (alpha.url("/news/a6"), "2024-05-06")]), content_type="application/xml")
    alpha.add("/sitemap-news.xml.gz", gz(urlset([(alpha.url("/news/a7"), "2024-05-06T10:00:00Z"),
                                                 (alpha.url("/news/a8"), "2024-05-06T11:00:00Z"),
                                                 (alpha.url("/NEWS/../news/a2"), None)], news=True)),
              content_type="application/x-gzip")


def build_beta(beta, alpha) -> None:
    beta.add("/robots.txt", f"User-agent: *\nCrawl-delay: {BETA_DELAY}\nDisallow: /news/hidden\n",
             content_type="text/plain")
    links = [(beta.url(p), p) for p in BETA] + [("/news/b1#comments", "b1 again"), ("/about", "About"),
                                                 (alpha.url("/news/a1"), "elsewhere"), ("/news/hidden", "no")]
    beta.add("/news/", section_html("News", links))
    for path in BETA:
        beta.add(path, article_html(f"Beta story {path}", seed=path))
    beta.add("/about", article_html("About us", seed="about"))
    beta.add("/news/hidden", article_html("hidden", seed="hidden"))
    beta.add("/atom.xml", atom_feed([(beta.url("/news/b1"), "2024-05-06T08:00:00Z"),
                                     (beta.url("/news/b2"), "2024-05-06T09:00:00Z")]),
             content_type="application/atom+xml")


def build_gamma(gamma) -> None:
    gamma.add("/robots.txt", "", status=404, conditional=False)
    gamma.add("/", section_html("Gamma", [], extra_head='<link rel="alternate" type="application/feed+json" '
                                                        'href="/feed.json">'))
    same_body = None
    for path in GAMMA:
        page = article_html(f"Gamma story {path}", seed=path)
        gamma.add(path, page)
        same_body = same_body or path
    # c3 says it is c1 (canonical); c4 has c2's text under another title.
    gamma.add("/c3", article_html("Gamma story c1 (print)", seed="/c1", canonical=gamma.url("/c1")))
    gamma.add("/c4", article_html("Gamma story c2 (amp)", seed="/c2"))
    gamma.add("/feed.json", json_feed([(gamma.url(p), "2024-05-06T08:00:00Z") for p in
                                       ["/c1", "/c2", "/c3", "/c4"]]), content_type="application/feed+json")


def crawl_args(site: LocalSite, db: Path, *extra: str) -> list[str]:
    alpha, beta, gamma = (site.hosts[n] for n in ("alpha", "beta", "gamma"))
    return ["crawl", "--db", str(db), "--feed", alpha.url("/feed.xml"),
            "--sitemap", alpha.url("/sitemap_index.xml"), "--start", beta.url("/news/"), "--follow", "/news/*",
            "--feed", beta.url("/atom.xml"), "--feed", gamma.url("/"), "--delay", str(DELAY), "--workers", "3",
            "--retries", "1", "--timeout", "5", *extra]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def archived_urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(row[0] for row in conn.execute("SELECT url FROM articles"))


def expected_urls(site: LocalSite) -> list[str]:
    hosts = site.hosts
    return sorted([hosts["alpha"].url(p) for p in ALPHA] + [hosts["beta"].url(p) for p in BETA]
                  + [hosts["gamma"].url(p) for p in GAMMA])


def article_gets(site: LocalSite) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hit in site.log:
        if hit.path.startswith(("/news/", "/old/", "/c", "/private", "/drafts")) and hit.path != "/news/":
            key = f"{hit.host}{hit.path}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_crawl_archives_every_article_once_politely(site, tmp_path):
    db = tmp_path / "archive.db"
    summary_file = tmp_path / "summary.json"
    result = run(*crawl_args(site, db, "--summary-json", str(summary_file)))
    assert result.exit_code == EXIT_FAILED, result.output  # the 500 (the 404 is gone, not failed)
    assert archived_urls(db) == expected_urls(site)

    gets = article_gets(site)
    # every article requested exactly once; the 429 page twice (429, then the page after Retry-After)
    for path in ALPHA + BETA:
        host = "alpha" if path in ALPHA else "beta"
        assert gets[f"{host}{path}"] == (2 if path == "/news/busy" else 1), path
    assert gets["alpha/news/a5"] == 1 and gets["alpha/news/broken"] == 2 and gets["alpha/news/gone"] == 1
    assert gets["gamma/c1"] == gets["gamma/c2"] == gets["gamma/c3"] == gets["gamma/c4"] == 1
    # disallowed URLs never requested: the * group, the scraper group and beta's rule; links off-pattern neither
    for never in ("alpha/private/secret", "alpha/drafts/x", "beta/news/hidden", "beta/about"):
        assert never not in gets, never
    assert not site.hits("beta", "/about")
    assert {h.headers["user-agent"] for h in site.log} == {DEFAULT_USER_AGENT}
    assert DEFAULT_USER_AGENT.startswith("scraper/") and "(+https://" in DEFAULT_USER_AGENT  # a contact URL

    # one request at a time per host, DELAY apart (beta: its Crawl-delay), 429's Retry-After honoured;
    # a redirect hop is part of the same fetch and follows at once
    for name, gap in (("alpha", DELAY), ("beta", BETA_DELAY), ("gamma", DELAY)):
        hits = sorted(site.hits(name), key=lambda h: h.start)
        assert len(hits) >= 3
        for before, after in pairwise(hits):
            assert after.start >= before.end, (name, before.path, after.path)
            if (before.path, after.path) != ("/old/a5", "/news/a5"):
                assert after.start - before.end >= gap - 0.01, (name, before.path, after.path)
    busy = sorted(site.hits("alpha", "/news/busy"), key=lambda h: h.start)
    assert [h.status for h in busy] == [429, 200] and busy[1].start - busy[0].end >= 1.0

    summary = json.loads(summary_file.read_text())
    assert {k: summary[k] for k in ("discovered", "fetched", "new", "updated", "unchanged", "duplicates",
                                    "skipped_robots", "gone", "failed")} == {
        "discovered": 23, "fetched": 20, "new": 16, "updated": 0, "unchanged": 0, "duplicates": 2,
        "skipped_robots": 3, "gone": 1, "failed": 1}
    assert summary["status"] == "finished" and summary["duration"] > 0
    assert "1 failed" in result.stderr and "HTTP 404" in result.stderr and "HTTP 500" in result.stderr

    with sqlite3.connect(db) as conn:
        errors = dict(conn.execute("SELECT url, error FROM fetches WHERE error IS NOT NULL AND error LIKE 'http:%'"))
        redirect = conn.execute("SELECT final_url FROM articles WHERE url = ?",
                                (site.hosts["alpha"].url("/old/a5"),)).fetchone()[0]
        states = dict(conn.execute("SELECT state, count(*) FROM crawl_frontier GROUP BY state"))
    assert errors[site.hosts["alpha"].url("/news/gone")] == "http: HTTP 404 Not Found"
    assert redirect == site.hosts["alpha"].url("/news/a5")
    assert states == {"done": 17, "failed": 1, "skipped": 1, "robots": 3, "duplicate": 2}


def test_second_run_fetches_only_sources_and_refresh_gets_304(site, tmp_path):
    db = tmp_path / "archive.db"
    assert run(*crawl_args(site, db)).exit_code == EXIT_FAILED
    archived = set(archived_urls(db))
    site.hosts["alpha"].routes["/news/broken"].status = 200  # fixed by the next night
    site.hosts["alpha"].routes["/news/broken"].body = article_html("Fixed", seed="fixed")
    site.hosts["alpha"].routes["/news/gone"].status = 200  # back, but a 404 was final: only --refresh asks
    site.hosts["alpha"].routes["/news/gone"].body = article_html("Back", seed="back")
    alpha = site.hosts["alpha"]  # one new story in the RSS feed: the feed is read again, whole
    alpha.add("/news/a9", article_html("Alpha story a9", seed="a9"))
    feed = alpha.routes["/feed.xml"]
    feed.body = feed.body.replace(b"<item>", f"<item><link>{alpha.url('/news/a9')}</link></item><item>".encode(), 1)
    site.clear_log()

    second = run(*crawl_args(site, db, "--summary-json", str(tmp_path / "s2.json")))
    assert second.exit_code == EXIT_OK, second.output
    requested = {f"http://127.0.0.1:{site.hosts[h.host].port}{h.path}" for h in site.log}
    assert not requested & archived  # no GET for any archived page
    # robots.txt and the sources, asked conditionally: unchanged ones answer 304 (the sitemap
    # index and the home page that announces a feed are read whole, their children asked);
    # the changed RSS feed is read whole, and only its new story is fetched
    sources = {"/robots.txt", "/feed.xml", "/sitemap_index.xml", "/sitemap-1.xml", "/sitemap-news.xml.gz",
               "/news/", "/atom.xml", "/", "/feed.json"}
    assert {h.path for h in site.log} == sources | {"/news/a9", "/news/broken"}
    assert {h.path for h in site.log if h.status == 304} == \
        sources - {"/robots.txt", "/feed.xml", "/sitemap_index.xml", "/"}
    s2 = json.loads((tmp_path / "s2.json").read_text())
    assert {k: s2[k] for k in ("discovered", "fetched", "new", "failed", "skipped_archived", "skipped_robots")} == {
        "discovered": 11, "fetched": 2, "new": 2, "failed": 0, "skipped_archived": 6, "skipped_robots": 2}
    archived.add(alpha.url("/news/a9"))

    site.clear_log()
    third = run(*crawl_args(site, db, "--refresh", "--summary-json", str(tmp_path / "s3.json")))
    assert third.exit_code == EXIT_OK, third.output
    page_hits = [h for h in site.log if f"http://127.0.0.1:{site.hosts[h.host].port}{h.path}" in archived]
    assert page_hits and all(h.status == 304 and h.headers.get("if-none-match") for h in page_hits
                             if h.path not in ("/old/a5",))
    s3 = json.loads((tmp_path / "s3.json").read_text())
    assert s3["unchanged"] == 18 and s3["new"] == 1 and s3["updated"] == 0  # the gone page, asked again


def test_config_sitemap_auto_input_and_section_pages_two_deep(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as s:
        host = s.host("h")
        host.add("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {host.url('/sm.xml')}\n", content_type="text/plain")
        host.add("/sm.xml", urlset([(host.url("/story/p1"), None)]), content_type="application/xml")
        host.add("/sections/", section_html("Sections", [("/sections/world", "World"), ("/elsewhere", "x")]))
        world = host.add("/sections/world", section_html("World", [("/story/w1", "w1"), ("/story/w2", "w2")]))
        for name in ("p1", "w1", "w2", "w3", "i1"):
            host.add(f"/story/{name}", article_html(f"Story {name}", seed=name))
        config = tmp_path / "sites.toml"
        config.write_text(f'delay = 0.05\n\n[[site]]\nname = "h"\nsitemaps = ["auto"]\nstart = ["{host.url("/sections/")}"]\n'
                          'follow = ["/sections/*", "/story/*"]\ndepth = 2\n')
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"# one page by hand\n{host.url('/story/i1')}\n")
        args = ["crawl", "--db", str(db), "--config", str(config), "--input", str(seeds)]
        first = run(*args)
        assert first.exit_code == EXIT_OK, first.output
        with sqlite3.connect(db) as conn:
            rows = dict(conn.execute("SELECT url, is_article FROM articles"))
        assert rows == {host.url("/story/p1"): 1, host.url("/story/w1"): 1, host.url("/story/w2"): 1,
                        host.url("/story/i1"): 1, host.url("/sections/world"): 0}
        assert not s.hits("h", "/elsewhere")  # not matching --follow

        # next night: the section page lists one more story; the start page is unchanged
        world.body = section_html("World", [("/story/w1", "w1"), ("/story/w2", "w2"), ("/story/w3", "w3")])
        s.clear_log()
        second = run(*args)
        assert second.exit_code == EXIT_OK, second.output
        story_hits = [h.path for h in s.log if h.path.startswith("/story/")]
        assert story_hits == ["/story/w3"]  # found through the section page, which was read again
        assert [h.status for h in s.hits("h", "/sections/world")] == [200]


def test_redirect_to_another_site_is_queued_under_that_sites_rules(tmp_path):
    """A feed link that redirects to another host (a tracking proxy, a moved story) is
    not followed on the spot: the target is queued for its own host, so that host's
    robots.txt is read first, its delay holds, and a disallowed target is never asked."""
    with LocalSite() as site:
        proxy, news = site.host("proxy"), site.host("news")
        proxy.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        news.add("/robots.txt", "User-agent: *\nDisallow: /members/\nCrawl-delay: 0.4\n",
                 content_type="text/plain")
        for n in range(3):
            news.add(f"/story/{n}", article_html(f"Story {n}", seed=f"s{n}", canonical=news.url(f"/story/{n}")))
            proxy.add(f"/r/{n}", status=301, headers={"Location": news.url(f"/story/{n}")}, conditional=False)
        news.add("/members/m", article_html("Members only", seed="m"))
        proxy.add("/r/m", status=302, headers={"Location": news.url("/members/m")}, conditional=False)
        links = [proxy.url(f"/r/{n}") for n in range(3)] + [proxy.url("/r/m"), news.url("/story/2")]
        proxy.add("/feed.xml", rss_feed([(u, RFC822) for u in links]), content_type="application/rss+xml")
        db = tmp_path / "archive.db"
        args = ["crawl", "--db", str(db), "--feed", proxy.url("/feed.xml"), "--delay", "0", "--workers", "4",
                "--summary-json", str(tmp_path / "s.json")]

        result = run(*args)
        assert result.exit_code == EXIT_OK, result.output
        assert archived_urls(db) == sorted(news.url(f"/story/{n}") for n in range(3))
        assert not site.hits("news", "/members/m")  # disallowed on its own host: never asked
        news_hits = sorted(site.hits("news"), key=lambda h: h.start)
        assert news_hits[0].path == "/robots.txt"
        assert sorted(h.path for h in news_hits[1:]) == ["/story/0", "/story/1", "/story/2"]  # each once
        for before, after in pairwise(news_hits[1:]):
            assert after.start - before.end >= 0.4 - 0.01  # the target host's Crawl-delay holds
        summary = json.loads((tmp_path / "s.json").read_text())
        assert (summary["moved"], summary["new"], summary["skipped_robots"], summary["failed"]) == (4, 3, 1, 0)
        assert f"moved     301  {proxy.url('/r/0')}  to {news.url('/story/0')}" in result.stderr
        with sqlite3.connect(db) as conn:
            states = dict(conn.execute("SELECT url, error FROM crawl_frontier WHERE state = 'skipped'"))
        assert states[proxy.url("/r/1")] == f"moved: {news.url('/story/1')}"

        site.clear_log()  # the next night: the proxy links are settled, nothing is asked again
        again = run(*args)
        assert again.exit_code == EXIT_OK, again.output
        assert [h.path for h in site.hits("proxy")] == ["/robots.txt", "/feed.xml"]
        assert [h.path for h in site.hits("news")] == []
