"""SIGINT and SIGTERM: ``scraper fetch`` of several URLs and ``scraper crawl`` stop after
the page in progress, say what they did and exit with 130; a second Ctrl-C aborts a
crawl at once and the archive still resumes. The installed ``scraper`` runs in real
processes; Ctrl-C goes to the whole process group, as a terminal sends it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sites import LocalSite, article_html, rss_feed

from cli import EXIT_INTERRUPTED, EXIT_OK

SCRIPT = Path(sys.executable).with_name("scraper")


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def without_notes(err: str) -> list[str]:
    """stderr lines, less the notes that the local (private) test server's URLs get."""
    return [line for line in err.splitlines() if not line.startswith("note: ")]


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def interrupt(proc: subprocess.Popen, signum: int) -> None:
    """Ctrl-C goes to the whole process group, as a terminal sends it; SIGTERM to the process."""
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_fetch_of_several_urls_stops_after_the_page_in_progress(tmp_path, signum):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        urls = []
        for n in range(5):
            host.add(f"/story/{n}", article_html(f"Story {n}", seed=f"s{n}"), delay=0.6)
            urls.append(host.url(f"/story/{n}"))
        proc = subprocess.Popen([str(SCRIPT), "fetch", *urls, "--db", str(db)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        wait_for(lambda: len(site.log) == 2)  # the second page is being served
        interrupt(proc, signum)
        _, err = proc.communicate(timeout=30)
        requested = [h.path for h in site.log]
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert without_notes(err) == [
        f"new          200  {urls[0]}  Story 0 (2024-05-01)",
        "stopping after the page in progress (press Ctrl-C again to abort)",
        f"new          200  {urls[1]}  Story 1 (2024-05-01)",  # finished, not dropped
        "2 URLs: 2 new, 0 failed; interrupted, 3 URLs not fetched",
    ]
    assert requested == ["/story/0", "/story/1"]  # nothing asked for after the signal
    assert rows(db, "SELECT url FROM articles ORDER BY url") == [(urls[0],), (urls[1],)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_fetch_quiet_still_says_it_was_interrupted(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        for n in range(3):
            host.add(f"/story/{n}", article_html(f"Story {n}", seed=f"s{n}"), delay=0.5)
        proc = subprocess.Popen([str(SCRIPT), "fetch", *(host.url(f"/story/{n}") for n in range(3)), "--quiet",
                                 "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: len(site.log) == 1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == EXIT_INTERRUPTED
    assert err.splitlines() == ["stopping after the page in progress (press Ctrl-C again to abort)",
                                "1 URL: 1 new, 0 failed; interrupted, 2 URLs not fetched"]


def ctrl_c_twice(proc: subprocess.Popen) -> tuple[str, float]:
    """Press Ctrl-C, then again 0.2 s later; returns stderr and the seconds the process
    took to end after the second press."""
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.2)
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return err, time.monotonic() - started


def slow_feed(site: LocalSite, name: str, pages: int, latency: float) -> tuple[str, list[str]]:
    host = site.host(name)
    host.add("/robots.txt", "", content_type="text/plain")
    paths = [f"/story/{name}-{n}" for n in range(pages)]
    for path in paths:
        host.add(path, article_html(f"Story {path}", seed=path), delay=latency)
    host.add("/feed.xml", rss_feed([(host.url(p), "") for p in paths]), content_type="application/rss+xml")
    return host.url("/feed.xml"), [host.url(p) for p in paths]


def archived(db: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return {r[0] for r in conn.execute("SELECT url FROM articles")}
    except sqlite3.Error:
        return set()


def test_crawl_ctrl_c_finishes_the_pages_in_flight_then_exits_130(tmp_path):
    db = tmp_path / "archive.db"
    summary_file = tmp_path / "s.json"
    with LocalSite() as site:
        feeds, urls = zip(*(slow_feed(site, name, 12, 0.15) for name in ("a", "b")))
        args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "2", "--processes", "2",
                "--summary-json", str(summary_file)]
        for feed in feeds:
            args += ["--feed", feed]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        wait_for(lambda: len(archived(db)) >= 3)
        os.killpg(proc.pid, signal.SIGINT)  # extraction processes included, as from a terminal
        _, err = proc.communicate(timeout=30)
        served = {site.hosts[h.host].url(h.path) for h in site.log if h.path.startswith("/story/") and h.whole}
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err
    assert "stopping after the page in progress (press Ctrl-C again to abort)" in err.splitlines()
    assert err.splitlines()[-1].startswith("crawl interrupted in ")
    stored = archived(db)
    assert stored == served  # every page fetched before the stop was finished and stored
    assert 3 <= len(stored) < 24
    summary = json.loads(summary_file.read_text())
    assert (summary["status"], summary["new"], summary["left_queued"]) == ("interrupted", len(stored),
                                                                            24 - len(stored))
    assert rows(db, "SELECT status FROM crawl_runs") == [("interrupted",)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_crawl_second_ctrl_c_aborts_at_once_and_the_archive_resumes(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        feed, urls = slow_feed(site, "a", 6, 3.0)
        args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "1", "--feed", feed]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        wait_for(lambda: len(site.hits("a")) == 3)  # robots.txt, the feed, then a page for 3 s
        err, took = ctrl_c_twice(proc)
        # gone at once, not when the page in flight ends (nor, from a slower server, at its deadline)
        assert took < 1.5
        assert proc.returncode == EXIT_INTERRUPTED, err
        assert err.splitlines()[-2:] == ["stopping after the page in progress (press Ctrl-C again to abort)",
                                         "Error: crawl aborted"]
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert rows(db, "SELECT status FROM crawl_runs") == [("interrupted",)]
        for path in [u.split("/", 3)[3] for u in urls]:
            site.hosts["a"].routes["/" + path].delay = 0
        again = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert again.returncode == EXIT_OK, again.stderr
    assert archived(db) == set(urls)
    assert rows(db, "SELECT count(*), count(DISTINCT content_hash) FROM articles") == [(6, 6)]


def test_fetch_second_ctrl_c_aborts_with_130(tmp_path):
    db = tmp_path / "archive.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/fast", article_html("Fast", seed="fast"))
        host.add("/slow", article_html("Slow", seed="slow"), delay=3.0)
        proc = subprocess.Popen([str(SCRIPT), "fetch", host.url("/fast"), host.url("/slow"), "--db", str(db)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        wait_for(lambda: len(site.log) == 2)
        err, took = ctrl_c_twice(proc)
    assert took < 1.5
    assert proc.returncode == EXIT_INTERRUPTED  # not 1, which would say pages failed
    assert without_notes(err)[-2:] == ["stopping after the page in progress (press Ctrl-C again to abort)",
                                       "Error: fetch aborted"]
    assert rows(db, "SELECT url FROM articles") == [(host.url("/fast"),)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


# -- extraction processes and the fork server ----------------------------------------------

def test_extraction_processes_still_starting_survive_a_ctrl_c(tmp_path):
    """A new extraction process imports for most of a second before it can ignore
    SIGINT itself; a Ctrl-C then used to kill it and break the pool."""
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent("""
        import os, signal
        from scraper.crawl import _process_pool, _start_forkserver
        if __name__ == "__main__":
            got = []
            signal.signal(signal.SIGINT, lambda *args: got.append(args[0]))
            _start_forkserver()
            pool = _process_pool(2)
            futures = [pool.submit(pow, 2, n) for n in range(6)]
            os.killpg(0, signal.SIGINT)  # the processes are still importing
            print(len(got), [f.result() for f in futures], flush=True)
            pool.shutdown()
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 [1, 2, 4, 8, 16, 32]\n"  # the crawl got its Ctrl-C, the pool lived


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_while_the_fork_server_starts_waits_and_is_handled(monkeypatch, signum):
    import multiprocessing.forkserver
    import threading

    from scraper.crawl import _start_forkserver

    got: list[int] = []

    def handler(number: int, frame: object) -> None:
        got.append(number)

    during: list[object] = []

    def start_server() -> None:  # stands in for the real start: the signal comes right then
        during.append(signal.getsignal(signum))
        signal.pthread_kill(threading.main_thread().ident, signum)

    monkeypatch.setattr(multiprocessing.forkserver, "ensure_running", start_server)
    previous = signal.signal(signum, handler)
    try:
        _start_forkserver()
        assert during == [signal.SIG_IGN]  # what the server inherits
        assert got == [signum]  # not lost: handled once the handler was back
        assert signal.getsignal(signum) is handler
        assert signum not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.signal(signum, previous)
