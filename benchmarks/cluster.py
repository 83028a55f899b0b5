"""Cluster benchmark: ``--cluster local:2`` against one machine's usual way of working.

1. **Re-extraction** of ``--pages`` stored pages (default 20,000: realistic 30–100 KB
   article pages from the crawl benchmark's generator, stored with an old extractor's
   output so every article is rewritten and versioned, as after an extractor upgrade):
   one process (``reextract --jobs 1``) against a LocalCluster of ``--local-workers``
   worker processes (default 2, one thread each) with the Dask mapper, chunks of
   ``--chunk-size`` pages. The pages are done in ``--rounds`` rounds (a share of the sites
   each); in each round both ways re-extract the same pages from a fresh copy of the
   archive, in alternating order, and their output is compared. Only re-extraction is
   timed: the cluster is started once, its workers import the extractor, then the
   clocks run (start-up is printed apart, with a figure that includes it). Also: the
   client's CPU per page and peak memory, and what the single writer stores on its own.
   ``--with-pool`` adds the local process pool (``--jobs 2``) to every round.
2. **Crawl** of the crawl benchmark's site (``--crawl-pages`` pages on ``--hosts`` hosts,
   each answer ``--latency`` s late, ``--delay 0``) with ``--crawl-workers`` hosts at
   once: locally (threads fetch, a process per core extracts), then on a LocalCluster
   whose workers fetch and extract (threads per worker: hosts at once / workers).

    python benchmarks/cluster.py                                    # the full run (about 15 minutes)
    python benchmarks/cluster.py --pages 2000 --crawl-pages 200     # a quick look
    python benchmarks/cluster.py --skip-crawl --keep /tmp/bench     # keep (and reuse) the built archive

The machine is shared with whatever else runs: figures compared with each other come
from the same run, one right after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sites import _padding  # noqa: E402

from benchmarks.crawl import _article, start_servers  # noqa: E402
from scraper.archive import Archive  # noqa: E402
from scraper.article import Article  # noqa: E402
from scraper.cluster import DEFAULT_CHUNK_SIZE, ClusterSpec, connect, local_threads  # noqa: E402
from scraper.crawl import CrawlOptions, SiteConfig, crawl  # noqa: E402
from scraper.reextract import RawPage, extract_page, reextract, stored_pages  # noqa: E402
from scraper.search import Filters  # noqa: E402

FETCHED_AT = "2024-05-06T08:00:00+00:00"
HOSTS = 20  # sites the stored pages come from


# -- the stored pages ------------------------------------------------------------------------

def build_archive(path: Path, pages: int, hosts: int = HOSTS) -> float:
    """``pages`` stored pages with an old extractor's output; returns seconds taken."""
    rng = random.Random(7)
    pads = [_padding(f"pad-{i}", rng.randint(25_000, 95_000)) for i in range(16)]
    started = time.perf_counter()
    with Archive(path) as archive:
        for i in range(pages):
            url = f"https://site{i % hosts:02d}.example/news/story-{i}"
            html = _article(i % hosts, i, pads)
            archive.store(Article(url=url, title="Old title", body="Text from the old extractor.", tags=["old"]),
                          raw=html, url=url, fetched_at=FETCHED_AT)
    return time.perf_counter() - started


def stored_count(path: Path) -> int:
    if not path.exists():
        return -1
    try:
        with closing(sqlite3.connect(path)) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return -1


def fresh_copy(template: Path, work: Path) -> None:
    """A copy of the template to work on (with no -wal or -shm file of an earlier copy left)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, work)


def fingerprint(path: Path) -> list[tuple]:
    """What re-extraction wrote, without its times: to check two runs agree."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT a.id, a.title, a.published, a.tags, a.content_hash, "
                            "(SELECT count(*) FROM versions v WHERE v.article_id = a.id) "
                            "FROM articles a ORDER BY a.id").fetchall()


class PeakRSS:
    """Peak resident memory of this process (the client; a LocalCluster's scheduler lives
    here too), sampled from /proc every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, int(Path("/proc/self/statm").read_text().split()[1]) * page)
            except (OSError, ValueError, IndexError):
                return
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed_reextract(template: Path, work: Path, sites: list[str], **kwargs: Any) -> dict[str, float]:
    """Re-extract the pages of ``sites`` in a fresh copy of the template: seconds, pages, the
    client's CPU seconds (its writer, and for a LocalCluster the scheduler too) and peak RSS."""
    fresh_copy(template, work)
    with Archive(work) as archive, PeakRSS() as memory:
        started, cpu = time.perf_counter(), time.process_time()
        report = reextract(archive, filters=Filters(sites=sites), **kwargs)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if report.failed or report.updated != report.pages or not report.pages:
        raise SystemExit(f"re-extraction went wrong: {report.to_dict()}")
    return {"pages": report.pages, "seconds": seconds, "client_cpu_s": cpu, "rss": memory.peak}


def writer_rate(template: Path, work: Path, pages: int = 1000) -> float:
    """Articles/s the single writer stores on its own: re-extracted records written back
    (a version kept, the row and the full-text index updated), extraction done beforehand."""
    fresh_copy(template, work)
    with Archive(work) as archive:
        records = [extract_page(page) for page in stored_pages(archive, limit=pages)]
        started = time.perf_counter()
        for record in records:
            archive.update_extraction(record.article_id, record.article)
        return len(records) / (time.perf_counter() - started)


def bench_reextract(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    template = folder / f"reextract-{args.pages}.db"
    if stored_count(template) != args.pages:
        template.unlink(missing_ok=True)
        print(f"building an archive of {args.pages} stored pages…", flush=True)
        seconds = build_archive(template, args.pages, HOSTS)
        print(f"  built in {seconds:.0f} s ({template.stat().st_size / 1e6:.0f} MB)", flush=True)
    work = folder / "work.db"
    # The pages are re-extracted in rounds, a share of the sites each; in every round each way
    # of running does the same pages, in alternating order, so a change in what else runs on
    # the machine hits them alike.
    site_names = [f"site{i:02d}.example" for i in range(HOSTS)]
    rounds = [site_names[r::args.rounds] for r in range(args.rounds)]
    modes = ["one process (--jobs 1)", f"--cluster local:{args.local_workers}"]
    if args.with_pool:
        modes.append(f"process pool (--jobs {args.local_workers})")
    totals = {mode: {"pages": 0, "seconds": 0.0, "client_cpu_s": 0.0, "rss": 0} for mode in modes}
    same = True

    started = time.perf_counter()
    with connect(ClusterSpec(local_workers=args.local_workers), threads_per_worker=1) as cluster:
        # the workers import the extractor (and warm its caches) before any clock starts
        cluster.client.run(_import_extractor)
        list(cluster.mapper(chunk_size=1)(extract_page, [_warm_page() for _ in range(2 * args.local_workers)]))
        startup = time.perf_counter() - started
        print(f"LocalCluster of {args.local_workers} workers up in {startup:.1f} s", flush=True)
        runs = {modes[0]: {"jobs": 1}, modes[1]: {"mapper": cluster.mapper(chunk_size=args.chunk_size)}}
        if args.with_pool:
            runs[modes[2]] = {"jobs": args.local_workers}
        for number, sites in enumerate(rounds):
            order = modes if number % 2 == 0 else modes[::-1]
            outputs = {}
            for mode in order:
                figures = timed_reextract(template, work, sites, **runs[mode])
                outputs[mode] = fingerprint(work)
                for key in ("pages", "seconds", "client_cpu_s"):
                    totals[mode][key] += figures[key]
                totals[mode]["rss"] = max(totals[mode]["rss"], figures["rss"])
                print(f"  round {number + 1}/{len(rounds)}: {mode:<28} {figures['pages']:>6} pages "
                      f"{figures['pages'] / figures['seconds']:7.1f} pages/s  (load {os.getloadavg()[0]:.2f})",
                      flush=True)
            same = same and all(out == outputs[modes[0]] for out in outputs.values())
    writes = writer_rate(template, work)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    if not same:
        raise SystemExit("the cluster's re-extraction differs from the local one")

    results = []
    base = totals[modes[0]]["pages"] / totals[modes[0]]["seconds"]
    for mode in modes:
        t = totals[mode]
        rate = t["pages"] / t["seconds"]
        result = {"run": mode, "pages": t["pages"], "seconds": round(t["seconds"], 1), "pages_per_s": round(rate, 1),
                  "speedup": round(rate / base, 2), "client_cpu_ms_per_page": round(1000 * t["client_cpu_s"] / t["pages"], 2),
                  "client_peak_rss_mb": round(t["rss"] / 1e6, 1), "same_output": same}
        if mode == modes[1]:
            result.update(chunk_size=args.chunk_size, cluster_startup_s=round(startup, 2),
                          pages_per_s_with_startup=round(t["pages"] / (t["seconds"] + startup), 1))
        print(json.dumps(result), flush=True)
        results.append(result)
    results.append({"run": "single writer alone", "articles_per_s": round(writes)})
    print(json.dumps(results[-1]), flush=True)
    return results


def _import_extractor() -> None:
    import scraper.extraction  # noqa: F401


def _warm_page() -> RawPage:
    html = _article(0, 0, ["<p>padding</p>"])
    return RawPage(url="https://warm.example/", final_url="https://warm.example/", content=html)


# -- the crawl ---------------------------------------------------------------------------------

@contextmanager
def benchmark_site(args: argparse.Namespace) -> Iterator[list[int]]:
    ports, children = start_servers(args.hosts, args.crawl_pages, args.latency, processes=2)
    try:
        yield ports
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=10)


def timed_crawl(ports: list[int], folder: Path, label: str, workers: int,
                executor_for: Callable[[], Any] | None = None) -> dict[str, Any]:
    sites = [SiteConfig(name=f"h{i}", feeds=[f"http://127.0.0.1:{p}/feed.xml"],
                        sitemaps=[f"http://127.0.0.1:{p}/sitemap_index.xml"]) for i, p in enumerate(ports)]
    options = CrawlOptions(sites=sites, workers=workers, delay=0.0, retries=0, timeout=30)
    db = folder / "crawl.db"
    db.unlink(missing_ok=True)
    executor = executor_for() if executor_for else None
    started = time.perf_counter()
    summary = crawl(db, options, executor=executor)
    wall = time.perf_counter() - started
    db.unlink(missing_ok=True)
    if summary.fetched == 0 or summary.failed:
        raise SystemExit(f"{label}: the benchmark crawl went wrong: {summary.to_dict()}")
    timings = summary.timings
    return {"run": label, "workers": workers, "pages": summary.fetched, "new": summary.new,
            "wall_s": round(wall, 2), "pages_per_s": round(summary.fetched / wall, 1),
            "network_wait_ms_per_page": round(1000 * timings["fetch_pages_s"] / summary.fetched, 1),
            "extraction_ms_per_page": round(1000 * timings["extract_s"] / summary.fetched, 1),
            "archive_write_ms_per_page": round(1000 * timings["write_s"] / summary.fetched, 1)}


def bench_crawl(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    results = []
    with benchmark_site(args) as ports:
        print(f"crawl site: {args.crawl_pages} pages on {args.hosts} hosts, {args.latency * 1000:.0f} ms per answer",
              flush=True)
        local = timed_crawl(ports, folder, f"local (--workers {args.crawl_workers})", args.crawl_workers)
        print(json.dumps(local), flush=True)
        results.append(local)
        threads = local_threads(args.crawl_workers, args.local_workers)
        started = time.perf_counter()
        with connect(ClusterSpec(local_workers=args.local_workers), threads_per_worker=threads) as cluster:
            startup = time.perf_counter() - started
            remote = timed_crawl(ports, folder, f"--cluster local:{args.local_workers} "
                                 f"({threads} threads each, --workers {args.crawl_workers})", args.crawl_workers,
                                 executor_for=cluster.executor)
        remote.update(cluster_startup_s=round(startup, 2),
                      relative_to_local=round(remote["pages_per_s"] / local["pages_per_s"], 2))
        print(json.dumps(remote), flush=True)
        results.append(remote)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20_000, help="stored pages to re-extract (default 20000)")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE,
                        help=f"pages per cluster task (default {DEFAULT_CHUNK_SIZE})")
    parser.add_argument("--rounds", type=int, default=4, help="re-extraction rounds, ways alternating (default 4)")
    parser.add_argument("--local-workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    parser.add_argument("--with-pool", action="store_true", help="also time the local process pool")
    parser.add_argument("--crawl-pages", type=int, default=2000, help="pages of the crawl site (default 2000)")
    parser.add_argument("--hosts", type=int, default=20, help="hosts of the crawl site (default 20)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer (default 0.2)")
    parser.add_argument("--crawl-workers", type=int, default=8, help="hosts crawled at once (default 8)")
    parser.add_argument("--skip-reextract", action="store_true")
    parser.add_argument("--skip-crawl", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="keep the built archive in DIR and reuse it next time")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    import logging
    logging.getLogger("scraper").setLevel(logging.ERROR)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not args.skip_reextract:
            results += bench_reextract(args, folder)
        if not args.skip_crawl:
            results += bench_crawl(args, folder)
    print(f"load average at the end {os.getloadavg()[0]:.2f}", flush=True)
    for result in results:
        if "pages_per_s" not in result:
            print(f"{result['run']:<58} {result['articles_per_s']:>7} articles/s")
            continue
        extra = ""
        if "speedup" in result:
            extra = f"  ({result['speedup']:.2f}x one process)"
        elif "relative_to_local" in result:
            extra = f"  ({result['relative_to_local']:.2f}x the local crawl)"
        print(f"{result['run']:<58} {result['pages_per_s']:>7.1f} pages/s{extra}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
