"""``--cluster``: crawls, re-extraction and WARC imports on a real Dask cluster.

One LocalCluster for the module — a scheduler and two worker processes talking TCP on
127.0.0.1 — which the commands reach by its address, as they would a scheduler on
another machine (one test starts its own with ``--cluster local:2``). Each run on the
cluster is compared, row for row, with the same run without it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import Gate, LocalSite, article_html, rss_feed
from test_crawl import (
    ALPHA,
    BETA,
    BETA_DELAY,
    DELAY,
    crawl_args,
    expected_urls,
    news_site,
)
from test_warc import write_many_captures
from waiting import wait_for

from scraper import __version__
from scraper.archive import Archive
from scraper.article import Article
from scraper.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, cli
from scraper.cluster import (
    ClusterError,
    ClusterSpec,
    _check_workers,
    dask_mapper,
    in_flight_chunks,
    local_threads,
    parse_spec,
)
from scraper.reextract import RawPage, WorkerError, extract_page

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


# -- the cluster -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_cluster():
    """A scheduler and two worker processes (two threads each) on 127.0.0.1, over TCP."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, Client(cluster) as client:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        yield client


@pytest.fixture
def client(dask_cluster):
    """The module's client, with both workers up (a test may have killed one)."""
    dask_cluster.wait_for_workers(2, timeout=30)
    return dask_cluster


@pytest.fixture
def address(client) -> str:
    return client.scheduler.address


def executed(client) -> dict[str, int]:
    """Tasks each worker has run so far."""
    return client.run(lambda dask_worker: dask_worker.state.executed_count)


# -- comparing archives ------------------------------------------------------------------

def _rows(conn: sqlite3.Connection, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def snapshot(db: Path) -> dict[str, list]:
    """The archive's content without what legitimately differs between two runs of the same work:

    * row ids (``articles.id``, ``pages.id``, ``tags.id``…) and the references to them: rows
      are numbered in the order results reach the writer, which depends on how many
      workers ran them; each reference is replaced by the natural key it stands for
      (an article's URL, a page's URL and sha256, a tag's key);
    * times: ``first_fetched``, ``last_fetched``, ``updated_at``, ``pages.fetched_at``,
      ``fetches.started_at`` and ``elapsed``, ``versions.replaced_at``, the frontier's
      ``discovered_at``/``updated_at``, ``crawl_sources.fetched_at``, a run's start, end,
      duration and timings, and the servers' ``Date`` header;
    * ``crawl_runs.pid``, the process that ran the crawl.
    """
    conn = sqlite3.connect(db)
    article_url = dict(conn.execute("SELECT id, url FROM articles"))
    page_key = {i: (u, h) for i, u, h in conn.execute("SELECT id, url, sha256 FROM pages")}
    tag_key = dict(conn.execute("SELECT id, key FROM tags"))
    out: dict[str, list] = {}

    articles = []
    for row in _rows(conn, "SELECT * FROM articles"):
        for name in ("id", "first_fetched", "last_fetched", "updated_at"):
            row.pop(name)
        row["page_id"] = page_key.get(row["page_id"])
        articles.append(row)
    out["articles"] = sorted(articles, key=lambda r: r["url"])
    out["tags"] = sorted(conn.execute("SELECT name, key FROM tags"))
    out["article_tags"] = sorted((article_url[a], tag_key[t]) for a, t in conn.execute("SELECT * FROM article_tags"))

    pages = []
    for row in _rows(conn, "SELECT * FROM pages"):
        row.pop("id"), row.pop("fetched_at")
        headers = json.loads(row["headers"])
        headers.pop("Date", None)
        row["headers"] = headers
        pages.append(row)
    out["pages"] = sorted(pages, key=lambda r: (r["url"], r["sha256"]))
    out["fetches"] = sorted((u, r or "", s or 0, e or "", repr(page_key.get(p))) for u, r, s, e, p in conn.execute(
        "SELECT url, request_url, status, error, page_id FROM fetches"))

    versions = []
    for row in _rows(conn, "SELECT * FROM versions"):
        row.pop("id"), row.pop("replaced_at")
        row["article_id"] = article_url[row["article_id"]]
        row["page_id"] = page_key.get(row["page_id"])
        versions.append(row)
    out["versions"] = sorted(versions, key=lambda r: (r["article_id"], r["seen_from"] or "", r["body"]))

    frontier = []
    for row in _rows(conn, "SELECT * FROM crawl_frontier"):
        row.pop("discovered_at"), row.pop("updated_at")
        row["article_id"] = article_url.get(row["article_id"])
        frontier.append(row)
    out["crawl_frontier"] = sorted(frontier, key=lambda r: r["url"])
    out["crawl_sources"] = sorted((r["url"], r["kind"], r["etag"], r["last_modified"], r["status"], r["error"],
                                   r["entries"], r["fingerprint"])
                                  for r in _rows(conn, "SELECT * FROM crawl_sources"))
    runs = []
    for row in _rows(conn, "SELECT * FROM crawl_runs"):
        summary = json.loads(row["summary"] or "{}")
        for name in ("started_at", "finished_at", "duration", "timings"):
            summary.pop(name, None)
        runs.append((row["id"], row["status"], row["options"], summary))
    out["crawl_runs"] = runs
    conn.close()
    return out


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# -- the option --------------------------------------------------------------------------

def test_cluster_addresses_are_read_strictly():
    assert parse_spec("local") == ClusterSpec(local_workers=2)
    assert parse_spec("local:3") == ClusterSpec(local_workers=3) and str(parse_spec("local:3")) == "local:3"
    assert parse_spec("tcp://10.0.0.5:8786") == ClusterSpec(address="tcp://10.0.0.5:8786")
    assert parse_spec("scheduler.lan:8786").address == "tcp://scheduler.lan:8786"
    assert parse_spec("tls://scheduler.lan:8786").address == "tls://scheduler.lan:8786"
    for bad in ("", "local:0", "local:x", "tcp://scheduler.lan", "scheduler.lan", "tcp://:8786"):
        with pytest.raises(ClusterError):
            parse_spec(bad)
    assert in_flight_chunks(threads=2, chunk_size=200) == 5   # one running and one ready per thread
    assert in_flight_chunks(threads=500, chunk_size=200) == 50  # capped at 10,000 pages in flight
    assert (local_threads(4, 2), local_threads(8, 2), local_threads(3, 2), local_threads(1, 3)) == (2, 4, 2, 1)
    result = run("reextract", "--cluster", "local:0", "--db", "unused.db")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == "Error: --cluster local:0: the number of local workers must be a whole number ≥ 1\n"


def test_workers_with_another_scraper_version_are_refused():
    """Their extractor would store other output under this version's name."""

    class Answers:
        def __init__(self, versions):
            self.versions = versions

        def run(self, fn):
            if isinstance(self.versions, Exception):
                raise self.versions
            return self.versions

    _check_workers(Answers({"tcp://a:1": __version__, "tcp://b:1": __version__}))  # fine
    with pytest.raises(ClusterError, match=f"worker tcp://b:1 runs scraper 0.0.1, this is {__version__}"):
        _check_workers(Answers({"tcp://a:1": __version__, "tcp://b:1": "0.0.1"}))
    with pytest.raises(ClusterError, match=r"cannot run scraper \(ModuleNotFoundError: No module named 'scraper'\)"):
        _check_workers(Answers(ModuleNotFoundError("No module named 'scraper'")))


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SCRAPER_CLUSTER": ""})


def test_without_the_option_dask_is_never_imported(tmp_path):
    """Dask costs over half a second to import: commands without --cluster must not pay it."""
    db = tmp_path / "a.db"
    code = f"""
import sys
from scraper.cli import cli
import scraper.cluster  # the module itself imports Dask lazily too
for args in (["reextract", "--db", {str(db)!r}], ["import-warc", "--help"], ["crawl", "--help"]):
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit:
        pass
print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
"""
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "re-extracted 0 pages" in result.stderr


def test_without_the_extra_the_option_says_how_to_install_it(tmp_path):
    code = f"""
import sys
sys.modules["distributed"] = sys.modules["dask"] = None  # as if the cluster extra were not installed
from scraper.cli import main
sys.argv = ["scraper", "reextract", "--cluster", "local:2", "--db", {str(tmp_path / "a.db")!r}]
main()
"""
    result = _python(code, tmp_path)
    assert result.returncode == EXIT_USAGE
    assert result.stderr == "Error: --cluster needs Dask: pip install -e '.[cluster]' in a checkout of scraper\n"


def test_an_unreachable_scheduler_or_one_without_workers_fails_in_bounded_time(tmp_path):
    import socket

    from distributed import LocalCluster

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"SCRAPER_CLUSTER_TIMEOUT": "1"}
    started = time.monotonic()
    result = run("reextract", "--cluster", f"tcp://127.0.0.1:{port}", "--db", str(tmp_path / "a.db"), env=env)
    assert time.monotonic() - started < 10
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 1 s\n"

    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as empty:
        started = time.monotonic()
        result = run("crawl", "--feed", "http://127.0.0.1:9/feed.xml", "--db", str(tmp_path / "c.db"),
                     env={**env, "SCRAPER_CLUSTER": empty.scheduler_address})
        assert time.monotonic() - started < 10
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.splitlines() == [
        f"Error: the Dask scheduler at {empty.scheduler_address} has no workers (waited 1 s); "
        f"start some with: dask worker {empty.scheduler_address}"]


# -- crawl -------------------------------------------------------------------------------

@pytest.fixture(name="news_site")
def news_site_fixture():
    """The three-host site of test_crawl: robots.txt rules, Crawl-delay, feeds, sitemaps,
    redirects, errors, a 429 and a slow page."""
    with news_site() as s:
        yield s


def test_a_crawl_on_the_cluster_gives_the_same_archive_and_keeps_per_host_spacing(news_site, client, address,
                                                                                     tmp_path):
    site = news_site
    local, remote = tmp_path / "local.db", tmp_path / "cluster.db"
    first = run(*crawl_args(site, local))
    assert first.exit_code == EXIT_FAILED, first.output  # the site's 404 and 500

    # the same site again: the 429 answers once more, the log starts empty
    site.hosts["alpha"].routes["/news/busy"].statuses = [(429, {"Retry-After": "1"})]
    site.clear_log()
    before = executed(client)
    second = run(*crawl_args(site, remote, "--cluster", address))
    assert second.exit_code == EXIT_FAILED, second.output
    assert second.stderr.startswith(f"running on the cluster at {address}: 2 workers, 4 threads\n")
    after = executed(client)
    assert all(after[w] > before.get(w, 0) for w in after), (before, after)  # both workers did requests
    assert sum(after.values()) - sum(before.values()) >= 26  # robots, sources and 20 pages

    one, other = snapshot(local), snapshot(remote)
    assert [r["url"] for r in other["articles"]] == expected_urls(site)
    for table in one:
        assert other[table] == one[table], table
    assert len(one["articles"]) == 16 and len(one["pages"]) == 16 and len(one["fetches"]) >= 20

    # politeness across the cluster, from the servers' own timestamps: one request at a time per
    # host, DELAY apart (beta: its Crawl-delay), the 429's Retry-After honoured
    assert {h.path for h in site.hits("alpha")} >= set(ALPHA) and {h.path for h in site.hits("beta")} >= set(BETA)
    for name, gap in (("alpha", DELAY), ("beta", BETA_DELAY), ("gamma", DELAY)):
        hits = sorted(site.hits(name), key=lambda h: h.start)
        assert len(hits) >= 3
        for before_hit, after_hit in pairwise(hits):
            assert after_hit.start >= before_hit.end, (name, before_hit.path, after_hit.path)
            if (before_hit.path, after_hit.path) != ("/old/a5", "/news/a5"):  # a redirect: the same fetch
                assert after_hit.start - before_hit.end >= gap - 0.01, (name, before_hit.path, after_hit.path)
    busy = sorted(site.hits("alpha", "/news/busy"), key=lambda h: h.start)
    assert [h.status for h in busy] == [429, 200] and busy[1].start - busy[0].end >= 1.0


def slow_site(site: LocalSite, hosts: int, pages: int, gate: Gate, held_from: int = 2) -> list[str]:
    """Hosts with a feed of article pages; from number ``held_from`` on they wait for ``gate``."""
    feeds = []
    for h in range(hosts):
        host = site.host(f"k{h}")
        host.add("/robots.txt", "", content_type="text/plain")
        for n in range(pages):
            host.add(f"/story/{n}", article_html(f"Story {h}-{n}", seed=f"k{h}-{n}"),
                     hold=gate if n >= held_from else None)
        host.add("/feed.xml", rss_feed([(host.url(f"/story/{n}"), "Mon, 06 May 2024 08:00:00 GMT")
                                        for n in range(pages)]), content_type="application/rss+xml")
        feeds += ["--feed", host.url("/feed.xml")]
    return feeds


def stored_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def story_gets(site: LocalSite) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hit in site.log:
        if hit.path.startswith("/story/"):
            counts[hit.host + hit.path] = counts.get(hit.host + hit.path, 0) + 1
    return counts


def test_a_worker_killed_mid_crawl_loses_nothing(client, address, tmp_path):
    db = tmp_path / "kill.db"
    killed: dict[str, int] = {}

    gate = Gate()
    with LocalSite() as site:
        feeds = slow_site(site, hosts=3, pages=8, gate=gate)

        def kill_a_busy_worker() -> None:
            try:
                gate.wait_arrivals(2)  # requests held on the workers: they are busy until released
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:  # a worker with a request under way: kill its process
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed[busy[0]] = pid
            finally:
                gate.release()

        killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
        killer.start()
        result = run("crawl", *feeds, "--delay", "0", "--workers", "3", "--db", str(db), "--cluster", address,
                     "--summary-json", str(tmp_path / "summary.json"))
        killer.join()
        gets = story_gets(site)
        expected = sorted(site.hosts[f"k{h}"].url(f"/story/{n}") for h in range(3) for n in range(8))

    assert killed, "no worker was busy to kill"
    assert result.exit_code == EXIT_OK, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["new"], summary["failed"], summary["fetched"], summary["status"]) == (24, 0, 24, "finished")
    with sqlite3.connect(db) as conn:
        urls = [r[0] for r in conn.execute("SELECT url FROM articles ORDER BY url")]
        pages = conn.execute("SELECT count(*), count(DISTINCT url) FROM pages").fetchone()
        states = dict(conn.execute("SELECT state, count(*) FROM crawl_frontier GROUP BY state"))
    assert urls == expected                      # none missing, none twice
    assert pages == (24, 24) and states == {"done": 24}
    assert integrity(db) == "ok"
    # the pages the dead worker had in flight, or whose results it still held, were requested
    # again by the scheduler (once more each); every other page once
    assert len(gets) == 24 and max(gets.values()) == 2
    assert sum(1 for n in gets.values() if n == 2) >= 1
    # and the nanny started a new process in its place
    client.wait_for_workers(2, timeout=30)
    pids = client.run(os.getpid)
    assert len(pids) == 2 and next(iter(killed.values())) not in pids.values()


def test_a_cluster_crawl_killed_on_the_client_resumes_like_a_local_one(client, address, tmp_path):
    db = tmp_path / "resume.db"
    gate = Gate()
    with LocalSite() as site:
        feeds = slow_site(site, hosts=2, pages=10, gate=gate)
        args = ["crawl", *feeds, "--delay", "0", "--workers", "2", "--db", str(db), "--cluster", address]
        proc = subprocess.Popen([sys.executable, "-c", "from cli import main; main()", *args, "--quiet"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            gate.wait_arrivals(2)  # two stories of each host stored, the third of each in flight
            wait_for(lambda: stored_count(db) == 4)
            assert proc.poll() is None, proc.stderr.read()
            proc.send_signal(signal.SIGKILL)  # the client dies half-way
        finally:
            proc.wait(timeout=60)
            proc.stderr.close()
            gate.release()
        with sqlite3.connect(db) as conn:
            first = {r[0] for r in conn.execute("SELECT url FROM articles")}
        assert len(first) == 4

        site.clear_log()
        again = run(*args)
        assert again.exit_code == EXIT_OK, again.output
        requested = {site.hosts[h.host].url(h.path) for h in site.log if h.path.startswith("/story/")}
        expected = {site.hosts[f"k{h}"].url(f"/story/{n}") for h in range(2) for n in range(10)}

    assert not requested & first                 # what the first run stored is not fetched again
    with sqlite3.connect(db) as conn:
        urls = [r[0] for r in conn.execute("SELECT url FROM articles")]
        states = dict(conn.execute("SELECT state, count(*) FROM crawl_frontier GROUP BY state"))
    assert sorted(urls) == sorted(expected) and len(urls) == 20
    assert states == {"done": 20}
    assert integrity(db) == "ok"


# -- re-extraction and WARC import ---------------------------------------------------------

FIXTURE = Path(__file__).parent / "fixtures" / "news_article.html"


def stale_archive(db: Path, count: int = 30) -> list[str]:
    """Pages stored with an old extractor's output (title, tags and body to be replaced):
    copies of a real news page (with tags) and synthetic stories."""
    urls = []
    with Archive(db) as archive:
        for i in range(count):
            if i % 5 == 0:
                url, html = f"https://www.themoscowtimes.com/2021/07/22/copy-{i}", FIXTURE.read_bytes()
            else:
                url, html = f"https://news{i % 3}.example/story/{i}", article_html(f"Story {i}", seed=f"s{i}")
            archive.store(Article(url=url, title="Old title", body="old body", tags=["Stale"]), raw=html, url=url,
                          fetched_at="2024-05-06T08:00:00+00:00")
            urls.append(url)
    return urls


def test_reextraction_on_a_local_cluster_gives_the_same_archive(tmp_path):
    local, remote = tmp_path / "local.db", tmp_path / "cluster.db"
    stale_archive(local)
    remote.write_bytes(local.read_bytes())
    one = run("reextract", "--jobs", "1", "--db", str(local), "--format", "json")
    other = run("reextract", "--cluster", "local:2", "--db", str(remote), "--format", "json")
    assert one.exit_code == other.exit_code == EXIT_OK, other.output
    counts = {k: json.loads(one.stdout)[k] for k in ("pages", "updated", "refreshed", "unchanged", "failed")}
    assert counts == {"pages": 30, "updated": 30, "refreshed": 0, "unchanged": 0, "failed": 0}
    assert {k: json.loads(other.stdout)[k] for k in counts} == counts

    a, b = snapshot(local), snapshot(remote)
    for table in a:
        assert b[table] == a[table], table
    assert len(a["versions"]) == 30 and {v["title"] for v in a["versions"]} == {"Old title"}
    assert ("https://www.themoscowtimes.com/2021/07/22/copy-0", "afghanistan") in a["article_tags"]
    assert all(r["title"] != "Old title" for r in a["articles"])


def test_warc_import_on_the_cluster_matches_the_local_import(client, address, tmp_path):
    warc = tmp_path / "many.warc.gz"
    write_many_captures(warc)  # 15 URLs captured twice: the later capture wins
    local, remote = tmp_path / "local.db", tmp_path / "cluster.db"
    one = run("import-warc", str(warc), "--jobs", "1", "--db", str(local))
    before = executed(client)
    other = run("import-warc", str(warc), "--db", str(remote), env={"SCRAPER_CLUSTER": address})
    assert one.exit_code == other.exit_code == EXIT_OK, other.output
    assert "60 pages archived (45 new, 15 updated)" in other.stderr
    assert sum(executed(client).values()) > sum(before.values())  # the env var reached the cluster
    a, b = snapshot(local), snapshot(remote)
    for table in a:
        assert b[table] == a[table], table
    assert len(a["articles"]) == 45 and len(a["versions"]) == 15 and len(a["pages"]) == 60


def _raw(i: int) -> RawPage:
    html = article_html(f"Story {i}", seed=f"m{i}")
    return RawPage(url=f"https://m.example/{i}", final_url=f"https://m.example/{i}", content=zlib.compress(html),
                   compression="zlib", article_id=i)


def test_the_mapper_sends_chunks_and_yields_records_in_order(client):
    pages = [_raw(i) for i in range(25)]
    before = executed(client)
    results = list(dask_mapper(client, chunk_size=3)(extract_page, iter(pages)))
    assert sum(executed(client).values()) - sum(before.values()) == 9  # 25 pages in chunks of 3
    assert [r.article_id for r in results] == list(range(25))
    assert [r.article.to_dict() for r in results] == [extract_page(p).article.to_dict() for p in pages]
    assert results[7].article.title == "Story 7" and results[7].url == "https://m.example/7"


def always_fails(page: RawPage):
    """A step that raises on the worker (for the test below)."""
    raise RuntimeError(f"cannot extract {page.url}")


def test_a_chunk_that_keeps_failing_stops_the_run_with_a_worker_error(client):
    mapper = dask_mapper(client, chunk_size=2)
    with pytest.raises(WorkerError, match=r"a cluster task failed \(RuntimeError: cannot extract https://m.example/0\)"):
        list(mapper(always_fails, [_raw(0), _raw(1), _raw(2)]))
