"""Fault injection: a crawl of 500 pages while the server fails one request in five.

Five local hosts serve 100 articles each. A seeded :class:`~sites.FaultPlan` answers
about one page request in five with a connection reset, a 500, a body that stalls past
the client's deadline or a body cut short, drawn afresh for every request (a retry is a
new draw). The server's log says what it did to each request, so the archive can be
held to it: what was served whole is archived exactly once, every failed try is in
``fetches`` with the error that fits the fault, and the next run — the outage over —
asks for exactly the pages that failed and completes the set.

The crawl runs in-process so the client's deadline and backoff can be short: 1 s and
50 ms instead of 90 s and 1 s.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sites import FAULTS, FaultPlan, Hit, LocalSite, article_html, urlset

import scraper.fetching
from scraper.archive import Archive
from scraper.crawl import build_options, crawl
from scraper.fetching import Fetcher

SEED = 20240507
HOSTS, PER_HOST = 5, 100
DEADLINE = 1.0  # the client's total deadline per page: a stalled body is given up here

# What the archive must say about a try, by the fault the server gave it.
ERROR_FOR = {
    "reset": "connection: connection reset by the server",
    "500": "http: HTTP 500",
    "stall": f"deadline: gave up after {DEADLINE:g}s (total deadline) with ",
    "truncated": "truncated: while reading the body (",
}


def is_story(path: str) -> bool:
    return path.startswith("/story/")


@pytest.fixture
def faulty_site():
    """500 articles on five hosts, each with robots.txt and a sitemap; only the
    articles are subject to faults (the must-show is about pages and ``fetches``)."""
    plan = FaultPlan(SEED, rate=0.2, kinds=FAULTS, applies=is_story, stall_interval=0.2)
    with LocalSite(plan) as site:
        sitemaps, urls = [], []
        for h in range(HOSTS):
            host = site.host(f"h{h}")
            host.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
            paths = [f"/story/{h}-{n}" for n in range(PER_HOST)]
            for path in paths:
                host.add(path, article_html(f"Story {path}", seed=path))
            host.add("/sitemap.xml", urlset([(host.url(p), "2024-05-06") for p in paths]),
                     content_type="application/xml")
            sitemaps.append(host.url("/sitemap.xml"))
            urls += [host.url(p) for p in paths]
        yield site, plan, sitemaps, urls


def run_crawl(db: Path, sitemaps: list[str]):
    options = build_options(explicit={"sitemaps": sitemaps, "delay": 0.0, "workers": HOSTS, "retries": 2,
                                      "timeout": 5.0})
    options.backoff = 0.05
    return crawl(db, options)


def page_hits(site: LocalSite) -> dict[str, list[Hit]]:
    """Article requests by URL, in the order the server received them."""
    found: dict[str, list[Hit]] = defaultdict(list)
    for hit in sorted(site.log, key=lambda h: h.start):
        if is_story(hit.path):
            found[site.hosts[hit.host].url(hit.path)].append(hit)
    return found


def fetch_rows(db: Path) -> dict[str, list[tuple[str | None, int | None, str]]]:
    """``fetches`` rows (error, page_id, request_url) by URL, oldest first."""
    rows: dict[str, list[tuple[str | None, int | None, str]]] = defaultdict(list)
    with sqlite3.connect(db) as conn:
        for url, error, page_id, request_url in conn.execute(
                "SELECT url, error, page_id, request_url FROM fetches ORDER BY id"):
            rows[url].append((error, page_id, request_url))
    return rows


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_crawl_of_500_pages_with_one_request_in_five_failing(faulty_site, tmp_path, monkeypatch):
    site, plan, sitemaps, urls = faulty_site
    # the crawl's fetching threads make their Fetchers from scraper.fetching when they start
    monkeypatch.setattr(scraper.fetching, "Fetcher", functools.partial(Fetcher, deadline=DEADLINE))
    db = tmp_path / "archive.db"

    first = run_crawl(db, sitemaps)

    hits = page_hits(site)
    assert sorted(hits) == sorted(urls)  # every page was asked for
    faults = Counter(h.fault for tries in hits.values() for h in tries)
    asked = sum(faults.values())
    assert 0.15 < (asked - faults[None]) / asked < 0.25, faults  # about one request in five
    assert all(faults[kind] >= 10 for kind in FAULTS), faults  # all four kinds, many times
    # the faults are the plan's, request by request: reproducible from the seed
    replay = FaultPlan(SEED, rate=0.2, kinds=FAULTS)
    for url, tries in hits.items():
        path = url.split("/", 3)[3]
        assert [h.fault for h in tries] == [replay.decide("/" + path) for _ in tries]

    served_whole = {url for url, tries in hits.items() if any(h.whole and h.status == 200 for h in tries)}
    failed = set(urls) - served_whole
    assert 400 < len(served_whole) < 500 and failed

    # every page served whole is archived exactly once, and nothing else is
    assert {r[0] for r in query(db, "SELECT url FROM articles")} == served_whole
    assert query(db, "SELECT count(*), count(DISTINCT pages.url), count(DISTINCT content_hash) FROM pages "
                     "JOIN articles ON articles.page_id = pages.id")[0] == (len(served_whole),) * 3
    assert query(db, "SELECT count(*) FROM pages")[0][0] == len(served_whole)

    # every try is in fetches, in order, with the error its fault calls for
    rows = fetch_rows(db)
    assert sorted(rows) == sorted(urls)
    for url, tries in hits.items():
        logged = rows[url]
        assert len(logged) == len(tries), url
        for hit, (error, page_id, request_url) in zip(tries, logged):
            assert request_url == url
            if hit.fault is None:
                assert error is None and page_id is not None and hit.whole
            else:
                assert error is not None and error.startswith(ERROR_FOR[hit.fault]), (hit.fault, error)
                assert page_id is None

    # within the run: resets, 500s and cut bodies were asked for again (up to two retries),
    # and some pages were saved that way; a stall ends at the deadline and is not retried
    saved_after = {kind for tries in hits.values() if tries[-1].whole for kind in
                   (h.fault for h in tries[:-1])}
    assert saved_after == {"reset", "500", "truncated"}
    for url in failed:
        tries = hits[url]
        assert tries[-1].fault == "stall" or [h.fault is not None for h in tries] == [True] * 3, tries
    assert all(tries[-1].fault == "stall" for tries in hits.values() if any(h.fault == "stall" for h in tries))

    # the failures wait in the frontier for the next run, with their reason
    frontier = dict(query(db, "SELECT url, error FROM crawl_frontier WHERE state = 'failed'"))
    assert set(frontier) == failed
    for url in failed:
        assert frontier[url].startswith(ERROR_FOR[hits[url][-1].fault].split(" (")[0])
    assert (first.fetched, first.new, first.failed, first.status) == (500, len(served_whole), len(failed),
                                                                      "finished")

    # the outage is over: the next run asks for exactly the failed pages, once each
    plan.enabled = False
    site.clear_log()
    second = run_crawl(db, sitemaps)
    again = page_hits(site)
    assert sorted(again) == sorted(failed)
    assert all(len(tries) == 1 and tries[0].whole for tries in again.values())
    assert (second.fetched, second.new, second.failed, second.status) == (len(failed), len(failed), 0,
                                                                          "finished")

    assert sorted(r[0] for r in query(db, "SELECT url FROM articles")) == sorted(urls)
    assert query(db, "SELECT count(*), count(DISTINCT content_hash) FROM articles")[0] == (500, 500)
    assert query(db, "SELECT count(*), count(DISTINCT url) FROM pages")[0] == (500, 500)
    assert query(db, "SELECT count(*) FROM fetches WHERE page_id IS NOT NULL")[0][0] == 500
    assert dict(query(db, "SELECT state, count(*) FROM crawl_frontier GROUP BY state")) == {"done": 500}
    with Archive(db) as archive:
        assert archive.check_integrity() == []
