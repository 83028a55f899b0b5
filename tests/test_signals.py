"""SIGINT and SIGTERM: ``scraper fetch`` of several URLs, ``crawl``, ``reextract`` and
``import-warc`` stop after the page in progress, say what they did and exit with 130; a
second Ctrl-C aborts at once (130) and the archive still resumes; extraction processes
never die of the signal (the one contract of ``scraper.pool``). The installed ``scraper`` runs in real
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
from pathlib import Path

import pytest
from sites import Gate, LocalSite, article_html, rss_feed
from waiting import children, finish, read_until, wait_for

from scraper.cli import EXIT_INTERRUPTED, EXIT_OK

SCRIPT = Path(sys.executable).with_name("scraper")


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def without_notes(err: str) -> list[str]:
    """stderr lines, less the notes that the local (private) test server's URLs get."""
    return [line for line in err.splitlines() if not line.startswith("note: ")]


def interrupt(proc: subprocess.Popen, signum: int) -> None:
    """Ctrl-C goes to the whole process group, as a terminal sends it; SIGTERM to the process."""
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_fetch_of_several_urls_stops_after_the_page_in_progress(tmp_path, signum):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        host = site.host("h")
        urls = []
        for n in range(5):
            host.add(f"/story/{n}", article_html(f"Story {n}", seed=f"s{n}"), hold=gate if n else None)
            urls.append(host.url(f"/story/{n}"))
        proc = subprocess.Popen([str(SCRIPT), "fetch", *urls, "--db", str(db)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        gate.wait_arrivals(1)  # the second page is being served
        interrupt(proc, signum)
        seen = read_until(proc, "stopping after the page in progress")
        gate.release()
        err = finish(proc, seen)
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
    gate = Gate()
    with LocalSite() as site:
        host = site.host("h")
        for n in range(3):
            host.add(f"/story/{n}", article_html(f"Story {n}", seed=f"s{n}"), hold=gate)
        proc = subprocess.Popen([str(SCRIPT), "fetch", *(host.url(f"/story/{n}") for n in range(3)), "--quiet",
                                 "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        gate.wait_arrivals(1)
        proc.send_signal(signal.SIGTERM)
        seen = read_until(proc, "stopping after the page in progress")
        gate.release()
        err = finish(proc, seen)
    assert proc.returncode == EXIT_INTERRUPTED
    assert err.splitlines() == ["stopping after the page in progress (press Ctrl-C again to abort)",
                                "1 URL: 1 new, 0 failed; interrupted, 2 URLs not fetched"]


def ctrl_c_twice(proc: subprocess.Popen) -> str:
    """Press Ctrl-C, and again once the first was taken (the process says so); returns stderr."""
    os.killpg(proc.pid, signal.SIGINT)
    seen = read_until(proc, "stopping after the page in progress")
    os.killpg(proc.pid, signal.SIGINT)
    return finish(proc, seen)


def slow_feed(site: LocalSite, name: str, pages: int, gate: Gate | None = None,
              held_from: int = 0) -> tuple[str, list[str]]:
    """A host with a feed of ``pages`` stories; from number ``held_from`` on they wait for ``gate``."""
    host = site.host(name)
    host.add("/robots.txt", "", content_type="text/plain")
    paths = [f"/story/{name}-{n}" for n in range(pages)]
    for n, path in enumerate(paths):
        host.add(path, article_html(f"Story {path}", seed=path), hold=gate if n >= held_from else None)
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
    gate = Gate()
    with LocalSite() as site:
        # two stories of each host are answered, the third is held: two pages in flight
        feeds, urls = zip(*(slow_feed(site, name, 12, gate, held_from=2) for name in ("a", "b")))
        args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "2", "--processes", "2",
                "--summary-json", str(summary_file)]
        for feed in feeds:
            args += ["--feed", feed]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        gate.wait_arrivals(2)
        wait_for(lambda: len(archived(db)) == 4)
        os.killpg(proc.pid, signal.SIGINT)  # extraction processes included, as from a terminal
        seen = read_until(proc, "stopping after the page in progress")
        gate.release()
        err = finish(proc, seen)
        served = {site.hosts[h.host].url(h.path) for h in site.log if h.path.startswith("/story/") and h.whole}
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err
    assert "stopping after the page in progress (press Ctrl-C again to abort)" in err.splitlines()
    assert err.splitlines()[-1].startswith("crawl interrupted in ")
    stored = archived(db)
    assert stored == served  # every page fetched before the stop was finished and stored
    assert len(stored) == 6  # the four before it and the two in flight, no other
    summary = json.loads(summary_file.read_text())
    assert (summary["status"], summary["new"], summary["left_queued"]) == ("interrupted", len(stored),
                                                                            24 - len(stored))
    assert rows(db, "SELECT status FROM crawl_runs") == [("interrupted",)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_crawl_second_ctrl_c_aborts_at_once_and_the_archive_resumes(tmp_path):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        feed, urls = slow_feed(site, "a", 6, gate)
        args = [str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "1", "--feed", feed]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        gate.wait_arrivals(1)  # robots.txt, the feed, then a page held until we say so
        err = ctrl_c_twice(proc)
        # gone at once: the page in flight was still held, never answered
        assert not gate.released and not any(h.whole for h in site.hits("a") if h.path.startswith("/story/"))
        assert proc.returncode == EXIT_INTERRUPTED, err
        assert err.splitlines()[-2:] == ["stopping after the page in progress (press Ctrl-C again to abort)",
                                         "Error: crawl aborted"]
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert rows(db, "SELECT status FROM crawl_runs") == [("interrupted",)]
        gate.release()
        again = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert again.returncode == EXIT_OK, again.stderr
    assert archived(db) == set(urls)
    assert rows(db, "SELECT count(*), count(DISTINCT content_hash) FROM articles") == [(6, 6)]


def test_fetch_second_ctrl_c_aborts_with_130(tmp_path):
    db = tmp_path / "archive.db"
    gate = Gate()
    with LocalSite() as site:
        host = site.host("h")
        host.add("/fast", article_html("Fast", seed="fast"))
        host.add("/slow", article_html("Slow", seed="slow"), hold=gate)
        proc = subprocess.Popen([str(SCRIPT), "fetch", host.url("/fast"), host.url("/slow"), "--db", str(db)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        gate.wait_arrivals(1)
        err = ctrl_c_twice(proc)
        assert not gate.released and not site.hits("h", "/slow")[0].whole  # gone while the page was held
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
        from scraper.pool import process_pool as _process_pool, start_forkserver as _start_forkserver
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

    from scraper.pool import start_forkserver as _start_forkserver

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


# -- reextract and import-warc keep the same contract -------------------------------------------

def extraction_processes(pid: int, count: int) -> list[int]:
    """Wait until ``pid``'s pool has ``count`` extraction processes (children of its fork
    server, a child of ``pid``); returns their ids."""
    found: list[int] = []

    def started() -> bool:
        found[:] = [grandchild for child in children(pid) for grandchild in children(child)]
        return len(found) >= count

    wait_for(started)
    return found


def stale_archive(db: Path, pages: int) -> None:
    """``pages`` stored pages whose articles an older extractor titled differently."""
    from scraper import Archive, extract

    with Archive(db) as archive:
        for n in range(pages):
            html = article_html(f"Story {n}", seed=f"s{n}")
            article = extract(html, f"http://127.0.0.1/story/{n}")
            article.title = "Old title"
            archive.store(article, raw=html, url=f"http://127.0.0.1/story/{n}")


def many_records(path: Path, pages: int) -> None:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for n in range(pages):
            html = article_html(f"Story {n}", seed=f"s{n}")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://warc.example/{n}", "response", payload=io.BytesIO(html), length=len(html), http_headers=http,
                warc_headers_dict={"WARC-Date": "2022-01-01T00:00:00Z"}))


def batch_command(name: str, tmp_path: Path, pages: int = 100) -> tuple[list[str], Path]:
    db = tmp_path / "archive.db"
    if name == "reextract":
        stale_archive(db, pages)
        return [str(SCRIPT), "reextract", "--jobs", "2", "--db", str(db)], db
    warc = tmp_path / "pages.warc.gz"
    many_records(warc, pages)
    return [str(SCRIPT), "import-warc", str(warc), "--jobs", "2", "--db", str(db)], db


@pytest.mark.parametrize("command", ["reextract", "import-warc"])
def test_batch_jobs_stop_after_the_pages_in_progress_and_their_processes_survive(tmp_path, command):
    """The extraction processes are held (SIGSTOP) while Ctrl-C reaches the whole group, so
    the job is provably still running when it comes; they get it too, and must live."""
    args, db = batch_command(command, tmp_path)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    workers = extraction_processes(proc.pid, 2)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    os.killpg(proc.pid, signal.SIGINT)
    seen = read_until(proc, "stopping after the page in progress")
    for pid in workers:
        os.kill(pid, signal.SIGCONT)
    err = finish(proc, seen)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err and "Aborted" not in err
    summary = err.splitlines()[-1]
    assert "0 failed" in summary  # no page lost to a process killed by the signal
    done = int(summary.split(" page")[0].split()[-1])  # "re-extracted N pages…", "… file: N pages archived…"
    assert 0 < done < 100  # stopped early; the page in progress when it came was finished and kept
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("command", ["reextract", "import-warc"])
def test_batch_jobs_second_ctrl_c_aborts_with_130(tmp_path, command):
    args, db = batch_command(command, tmp_path)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    workers = extraction_processes(proc.pid, 2)
    for pid in workers:  # held: the job cannot end before both signals came
        os.kill(pid, signal.SIGSTOP)
    os.killpg(proc.pid, signal.SIGINT)
    seen = read_until(proc, "stopping after the page in progress")
    os.killpg(proc.pid, signal.SIGINT)
    for pid in workers:
        os.kill(pid, signal.SIGCONT)
    err = finish(proc, seen)
    assert proc.returncode == EXIT_INTERRUPTED, err  # not 1 and "Aborted!", as Click would have it
    assert err.splitlines()[-2:] == ["stopping after the page in progress (press Ctrl-C again to abort)",
                                     f"Error: {command} aborted"]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
