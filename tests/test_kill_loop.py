"""The kill loop: twenty crawls (the installed ``scraper``, real processes) each killed
with SIGKILL at a random moment; after every kill the archive is sound and holds no
duplicate, and a last run completes the set.

The random moment is drawn from the crawl's own progress rather than the clock, so it
lands in the same phases on a fast or a slow machine: once the crawl holds the
archive's lock (before that it only imports Python), wait for 0 to 3 more articles to
be stored, then 0 to 50 ms more. With 0 articles the kill hits creating the archive
(first round), seeding, robots.txt, feeds and sitemaps; otherwise it hits fetching,
extraction and the writes of the next pages. Each run leaves work for the next, so
every kill lands in a crawl with pages still to write. Rounds alternate between
extraction in the fetching threads and in a pool of processes.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sites import LocalSite, article_html, rss_feed, section_html, urlset

from scraper.cli import EXIT_OK
from scraper.frontier import lock_path_for

SCRIPT = Path(sys.executable).with_name("scraper")
ROUNDS = 20
PER_HOST = 60


def four_sources(site: LocalSite, folder: Path) -> tuple[list[str], list[str]]:
    """240 articles on four hosts, found through a feed, a sitemap, a section page and an
    input file (so a kill can hit every kind of discovery); returns (crawl arguments,
    article URLs)."""
    args: list[str] = []
    urls: list[str] = []
    for h, kind in enumerate(("feed", "sitemap", "start", "input")):
        host = site.host(f"h{h}")
        host.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        paths = [f"/story/{h}-{n}" for n in range(PER_HOST)]
        for path in paths:
            host.add(path, article_html(f"Story {path}", seed=path, canonical=host.url(path)), delay=0.02)
        urls += [host.url(p) for p in paths]
        if kind == "feed":
            host.add("/feed.xml", rss_feed([(host.url(p), "Mon, 06 May 2024 08:00:00 GMT") for p in paths]),
                     content_type="application/rss+xml")
            args += ["--feed", host.url("/feed.xml")]
        elif kind == "sitemap":
            host.add("/sitemap.xml", urlset([(host.url(p), "2024-05-06") for p in paths]),
                     content_type="application/xml")
            args += ["--sitemap", host.url("/sitemap.xml")]
        elif kind == "start":
            host.add("/news/", section_html("News", [(p, p) for p in paths]))
            args += ["--start", host.url("/news/"), "--follow", "/story/*"]
        else:
            seeds = folder / "urls.txt"
            seeds.write_text("".join(host.url(p) + "\n" for p in paths))
            args += ["--input", str(seeds)]
    return args, sorted(urls)


def start(db: Path, sources: list[str], extraction: str) -> subprocess.Popen:
    """A crawl that extracts in its fetching threads or in a pool of two processes."""
    args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "2", *sources,
            "--processes", "0" if extraction == "threads" else "2"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_lock(proc: subprocess.Popen, db: Path) -> None:
    """Return once ``proc`` holds the crawl lock (it writes its pid there), or has ended."""
    lock = lock_path_for(db)
    mark = f"pid {proc.pid},".encode()
    deadline = time.monotonic() + 30
    while proc.poll() is None:
        try:
            if lock.read_bytes().startswith(mark):
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, "the crawl never took the lock"
        time.sleep(0.002)


def wait_for_articles(proc: subprocess.Popen, db: Path, target: int) -> None:
    """Return once the archive holds ``target`` articles, or ``proc`` has ended."""
    while proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                if conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= target:
                    return
        except sqlite3.Error:  # not created yet
            pass
        time.sleep(0.003)


def check_archive(db: Path) -> set[str]:
    """Everything a kill must not break; returns the archived URLs."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        n, urls, hashes, canonicals = conn.execute(
            "SELECT count(*), count(DISTINCT url), count(DISTINCT content_hash), count(DISTINCT canonical_url) "
            "FROM articles").fetchone()
        assert n == urls == hashes == canonicals  # no article twice, under any address
        assert conn.execute("SELECT count(*) FROM articles a LEFT JOIN pages p ON p.id = a.page_id "
                            "WHERE p.id IS NULL").fetchone()[0] == 0  # each article with its page
        assert conn.execute("SELECT count(*), count(DISTINCT url) FROM pages").fetchone() == (n, n)
        assert conn.execute("SELECT count(*) FROM fetches WHERE page_id IS NOT NULL").fetchone()[0] == n
        assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == n
        # the frontier never claims a page is done without its article
        assert conn.execute("SELECT count(*) FROM crawl_frontier f LEFT JOIN articles a ON a.id = f.article_id "
                            "WHERE f.state = 'done' AND a.id IS NULL").fetchone()[0] == 0
        return {row[0] for row in conn.execute("SELECT url FROM articles")}
    finally:
        conn.close()


def test_twenty_kills_at_random_moments_then_a_run_completes_the_set(tmp_path):
    db = tmp_path / "archive.db"
    rng = random.Random(20240507)
    kills = 0
    grew = 0  # rounds killed after storing articles
    archived: set[str] = set()
    with LocalSite() as site:
        sources, expected = four_sources(site, tmp_path)
        for round_no in range(ROUNDS):
            site.clear_log()
            extraction = "pool" if round_no % 2 == 0 else "threads"
            proc = start(db, sources, extraction)
            wait_for_lock(proc, db)
            wait_for_articles(proc, db, len(archived) + rng.randint(0, 3))
            time.sleep(rng.uniform(0, 0.05))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            _, err = proc.communicate(timeout=30)
            assert proc.returncode in (-signal.SIGKILL, EXIT_OK), err
            requested = {site.hosts[h.host].url(h.path) for h in site.log if h.path.startswith("/story/")}
            assert not requested & archived  # a page once archived is never asked for again
            now = check_archive(db)
            assert archived <= now  # nothing lost
            grew += now != archived
            archived = now
        assert kills == ROUNDS and grew >= ROUNDS // 2
        assert len(archived) < len(expected)  # the kills left work for the last run
        print(f"{len(archived)} of {len(expected)} archived after {kills} kills")

        site.clear_log()
        last = subprocess.run([str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "2",
                               *sources], capture_output=True, text=True, timeout=60)
        assert last.returncode == EXIT_OK, last.stderr
        assert "crawl finished in " in last.stderr and ", 0 failed" in last.stderr
        requested = {site.hosts[h.host].url(h.path) for h in site.log if h.path.startswith("/story/")}
    assert requested == set(expected) - archived  # only what was missing
    assert sorted(check_archive(db)) == expected
    with sqlite3.connect(db) as conn:
        assert dict(conn.execute("SELECT state, count(*) FROM crawl_frontier GROUP BY state")) == \
            {"done": len(expected)}
        runs = [r[0] for r in conn.execute("SELECT status FROM crawl_runs ORDER BY id")]
    # each killed run that got as far as logging itself is marked killed by the next one
    assert runs[-1] == "finished" and set(runs[:-1]) == {"killed"} and len(runs) - 1 <= kills
