"""Cron safety with the installed ``scraper`` in real subprocesses: SIGKILL and resume,
SIGTERM, two crawls on one archive, --wait, --quiet, --log-file, limits."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import Gate, LocalSite, article_html, rss_feed, urlset
from waiting import descendants, finish, read_until, wait_for

from scraper.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, cli

SCRIPT = Path(sys.executable).with_name("scraper")


def slow_site(site: LocalSite, hosts: int, per_host: int, latency: float = 0.0, *, gate: Gate | None = None,
              held_from: int = 0) -> list[str]:
    """``hosts`` hosts with ``per_host`` articles each, every answer ``latency`` late; returns
    feed URLs. With ``gate``, the articles from number ``held_from`` on wait for it."""
    feeds = []
    for h in range(hosts):
        host = site.host(f"h{h}")
        host.add("/robots.txt", "User-agent: *\nDisallow: /nope\n", content_type="text/plain")
        paths = [f"/story/{h}-{n}" for n in range(per_host)]
        for n, path in enumerate(paths):
            host.add(path, article_html(f"Story {path}", seed=path), delay=latency,
                     hold=gate if n >= held_from else None)
        host.add("/feed.xml", rss_feed([(host.url(p), "Mon, 06 May 2024 08:00:00 GMT") for p in paths]),
                 content_type="application/rss+xml")
        feeds.append(host.url("/feed.xml"))
    return feeds


def start(db: Path, feeds: list[str], *extra: str) -> subprocess.Popen:
    assert SCRIPT.exists(), "install the package first: pip install -e '.[test]'"
    args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "2"]
    for feed in feeds:
        args += ["--feed", feed]
    return subprocess.Popen([*args, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(db: Path, sql: str = "SELECT count(*) FROM articles") -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def article_urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT url FROM articles ORDER BY url")]


def test_sigkill_half_way_then_resume(tmp_path):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        # the first 4 stories of each host are answered, the 5th is held: the kill comes
        # with 12 articles stored and one page in flight on every host
        feeds = slow_site(site, hosts=3, per_host=10, gate=gate, held_from=4)
        expected = sorted(f"{site.hosts[f'h{h}'].url('')}/story/{h}-{n}" for h in range(3) for n in range(10))
        crawl = start(db, feeds, "--workers", "3")
        gate.wait_arrivals(3)
        wait_for(lambda: count(db) == 12)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=60)
        assert crawl.returncode == -signal.SIGKILL
        before = set(article_urls(db))
        assert len(before) == 12
        gate.release()
        site.clear_log()

        again = start(db, feeds, "--summary-json", str(tmp_path / "s.json"))
        out, err = again.communicate(timeout=60)
        assert again.returncode == EXIT_OK, err
        requested = {f"{site.hosts[h.host].url('')}{h.path}" for h in site.log}
    assert article_urls(db) == expected  # nothing lost
    assert not requested & before  # nothing archived before the kill was fetched again
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["new"] == 30 - len(before) and summary["failed"] == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone() == (30, 30)
        assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 30  # no page stored twice
        runs = [r[0] for r in conn.execute("SELECT status FROM crawl_runs ORDER BY id")]
        states = dict(conn.execute("SELECT state, count(*) FROM crawl_frontier GROUP BY state"))
    assert runs == ["killed", "finished"] and states == {"done": 30}


def test_sigterm_stops_after_the_pages_in_progress(tmp_path):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        feeds = slow_site(site, hosts=1, per_host=12, gate=gate, held_from=3)
        crawl = start(db, feeds, "--summary-json", str(tmp_path / "s.json"))
        gate.wait_arrivals(1)  # three stored, the fourth in flight
        crawl.send_signal(signal.SIGTERM)
        seen = read_until(crawl, "stopping after the page in progress")
        gate.release()  # the page in flight is finished, no other is started
        err = finish(crawl, seen)
        assert crawl.returncode == EXIT_INTERRUPTED, err
        assert "crawl interrupted" in err
        summary = json.loads((tmp_path / "s.json").read_text())
        assert summary["status"] == "interrupted" and summary["new"] == count(db) == 4
        assert summary["left_queued"] == 8
        assert len([h for h in site.log if h.path.startswith("/story/")]) == 4
        rest = start(db, feeds)
        assert rest.wait(timeout=120) == EXIT_OK
    assert count(db) == 12


def test_second_crawl_on_the_same_archive_exits_with_code_4(tmp_path):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        feeds = slow_site(site, hosts=1, per_host=8, gate=gate)
        first = start(db, feeds)
        gate.wait_arrivals(1)  # the first crawl holds the lock and waits on its first page
        second = start(db, feeds)
        out, err = second.communicate(timeout=120)
        # it ended while the first crawl was held: at once, not after it
        assert second.returncode == EXIT_LOCKED and first.poll() is None
        assert err.startswith(f"Error: another crawl is already running on this archive (pid {first.pid}, started ")
        assert err.count("\n") == 1 and "--wait" in err

        waiting = start(db, feeds, "--wait")
        seen = read_until(waiting, "waiting for it to finish")
        assert first.poll() is None
        gate.release()
        assert first.wait(timeout=120) == EXIT_OK
        err = finish(waiting, seen)
        assert waiting.returncode == EXIT_OK, err
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT status, started_at, finished_at, summary FROM crawl_runs ORDER BY id").fetchall()
    assert [r[0] for r in runs] == ["finished", "finished"]
    assert runs[1][1] >= runs[0][2]  # the waiting crawl started after the first one ended
    assert json.loads(runs[1][3])["fetched"] == 0  # and found everything done


def test_quiet_prints_only_errors_and_log_file_gets_everything(tmp_path):
    db = tmp_path / "archive.db"
    log = tmp_path / "crawl.log"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/a", article_html("Story A", seed="a"))
        host.add("/broken", "<html>down</html>", status=500)
        host.add("/feed.xml", rss_feed([(host.url("/a"), ""), (host.url("/broken"), "")]),
                 content_type="application/rss+xml")
        args = ["crawl", "--db", str(db), "--delay", "0", "--retries", "0", "--feed", host.url("/feed.xml"),
                "--quiet", "--log-file", str(log)]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_FAILED
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0] == f"failed    500  {host.url('/broken')}  http: HTTP 500 Internal Server Error"
    assert lines[1].startswith("crawl finished in ") and lines[1].endswith("1 failed")
    logged = log.read_text()
    assert f"INFO    new       200  {host.url('/a')}  Story A" in logged
    assert f"ERROR   failed    500  {host.url('/broken')}" in logged
    assert logged[:4].isdigit()  # timestamped
    assert "\r" not in result.stderr  # no progress bar off a terminal


def test_limits_since_and_patterns(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        entries = []
        for n in range(8):
            host.add(f"/news/{n}", article_html(f"Story {n}", seed=f"n{n}"))
            entries.append((host.url(f"/news/{n}"), f"2024-05-{10 + n:02d}"))
        host.add("/live/1", article_html("Live", seed="live"))
        entries.append((host.url("/live/1"), "2024-05-20"))
        host.add("/sitemap.xml", urlset(entries), content_type="application/xml")
        base = ["crawl", "--db", str(db), "--delay", "0", "--sitemap", host.url("/sitemap.xml"),
                "--since", "2024-05-12", "--exclude", "/live/*", "--summary-json", str(tmp_path / "s.json")]
        first = CliRunner().invoke(cli, [*base, "--max-pages", "3"])
        assert first.exit_code == EXIT_OK, first.output
        s1 = json.loads((tmp_path / "s.json").read_text())
        assert (s1["fetched"], s1["skipped_old"], s1["skipped_filtered"], s1["left_queued"]) == (3, 2, 1, 3)
        assert s1["status"] == "limit"
        second = CliRunner().invoke(cli, [*base, "--max-pages-per-site", "2"])  # the queue carries the rest
        s2 = json.loads((tmp_path / "s.json").read_text())
        assert second.exit_code == EXIT_OK and (s2["fetched"], s2["left_queued"], s2["status"]) == (2, 1, "limit")
        third = CliRunner().invoke(cli, base)
        s3 = json.loads((tmp_path / "s.json").read_text())
        assert third.exit_code == EXIT_OK and (s3["fetched"], s3["left_queued"], s3["status"]) == (1, 0, "finished")
        assert sorted(h.path for h in site.log if h.path.startswith(("/news/", "/live/"))) == \
            [f"/news/{n}" for n in range(2, 8)]


@pytest.mark.skipif(not hasattr(os, "getpgid"), reason="POSIX only")
def test_extraction_processes_do_not_outlive_a_killed_crawl(tmp_path):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        feeds = slow_site(site, hosts=2, per_host=10, gate=gate, held_from=2)
        crawl = start(db, feeds, "--processes", "2")
        gate.wait_arrivals(2)
        wait_for(lambda: count(db) == 4)  # extracted in the pool, so its processes run
        children = descendants(crawl.pid)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=60)
    assert children  # the forkserver and its extraction processes
    wait_for(lambda: not any(_alive(pid) for pid in children))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_progress_line_on_a_terminal_only(tmp_path):
    import pty

    with LocalSite() as site:
        feeds = slow_site(site, hosts=1, per_host=4)
        master, slave = pty.openpty()
        args = [str(SCRIPT), "crawl", "--db", str(tmp_path / "a.db"), "--delay", "0", "--feed", feeds[0]]
        crawl = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        assert crawl.wait(timeout=30) == EXIT_OK
    text = seen.decode()
    assert "\r\x1b[Kcrawling: " in text and " fetched, " in text
    assert "crawl finished in " in text and text.count("new       200") == 4


def test_a_page_that_keeps_failing_is_given_up_after_three_runs(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/broken", "<html>down</html>", status=500)  # (a 404 is settled at once instead)
        host.add("/feed.xml", rss_feed([(host.url("/broken"), "")]), content_type="application/rss+xml",
                 conditional=False)
        args = ["crawl", "--db", str(db), "--delay", "0", "--workers", "1", "--retries", "0",
                "--feed", host.url("/feed.xml"), "--summary-json", str(tmp_path / "s.json")]
        codes = [CliRunner().invoke(cli, args).exit_code for _ in range(4)]
        assert codes == [EXIT_FAILED, EXIT_FAILED, EXIT_FAILED, EXIT_OK]
        assert len(site.hits("h", "/broken")) == 3
        assert json.loads((tmp_path / "s.json").read_text())["skipped_other"] == 1
        assert CliRunner().invoke(cli, [*args, "--refresh"]).exit_code == EXIT_FAILED  # tried once more
        assert len(site.hits("h", "/broken")) == 4


def test_a_queued_page_archived_meanwhile_is_not_fetched_again(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        for name in "abc":
            host.add(f"/{name}", article_html(f"Story {name}", seed=name))
        host.add("/feed.xml", rss_feed([(host.url(f"/{n}"), "") for n in "abc"]), content_type="application/rss+xml")
        args = ["crawl", "--db", str(db), "--delay", "0", "--workers", "1", "--feed", host.url("/feed.xml"),
                "--summary-json", str(tmp_path / "s.json")]
        assert CliRunner().invoke(cli, [*args, "--max-pages", "1"]).exit_code == EXIT_OK
        assert CliRunner().invoke(cli, ["fetch", host.url("/b"), "--db", str(db)]).exit_code == EXIT_OK
        site.clear_log()
        assert CliRunner().invoke(cli, args).exit_code == EXIT_OK
        assert [h.path for h in site.log if h.path in ("/a", "/b", "/c")] == ["/c"]
        summary = json.loads((tmp_path / "s.json").read_text())
        assert (summary["fetched"], summary["new"], summary["skipped_archived"]) == (1, 1, 1)
    assert article_urls(db) == [host.url("/a"), host.url("/b"), host.url("/c")]
