"""Crawl throughput: a synthetic 20-host news site with a 200 ms answer time per request.

Serves ``--pages`` article pages (30–100 KB each, default 2,000) across ``--hosts``
hosts (default 20), each host on its own port of 127.0.0.1 with robots.txt, an RSS
feed and a sitemap index with a gzipped child, every response delayed ``--latency``
seconds (default 0.2) as a distant server would be. The server runs in separate
processes (threaded, so one slow answer never holds up another) so it does not
compete with the crawler for the GIL.

Then it crawls the site with ``--workers 1`` and ``--workers 8`` (``--delay 0``), each
into a fresh archive, and reports pages/s, peak memory (crawler plus its extraction
processes) and where the time went: network wait (summed over fetching threads),
extraction (summed over extraction processes), archive writes and discovery (main
thread).

    python benchmarks/crawl.py                 # the full run: 2,000 pages, workers 1 and 8
    python benchmarks/crawl.py --pages 200     # a quick look
    python benchmarks/crawl.py --workers 8 --workers 16 --json out.json

psutil (``pip install -e '.[bench]'`` or ``pip install psutil``) adds the extraction
processes to the peak-memory figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sites import LocalSite, Route, _padding, _paragraphs, gz, rss_feed, sitemap_index, urlset  # noqa: E402


def _article(host: int, n: int, pads: list[str]) -> bytes:
    """A 30–100 KB article page: a unique story inside one of the host's clutter templates."""
    seed = f"h{host}-a{n}"
    title = f"Council vote {host}-{n}: budget passes after long debate"
    story = "\n".join(f"<p>{p}</p>" for p in _paragraphs(seed, 6 + n % 6))
    pad = pads[n % len(pads)]
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": f"2024-05-{1 + n % 28:02d}T08:00:00Z",
                     "author": {"@type": "Person", "name": "A. Reporter"}})
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}"><script type="application/ld+json">{ld}</script>'
            f'</head><body><header><nav><a href="/">Home</a> <a href="/news/">News</a></nav></header>'
            f"<main><article><h1>{title}</h1><p class=\"byline\">By A. Reporter</p>{story}</article></main>"
            f"{pad}<footer><p>Copyright 2024 Example News.</p></footer></body></html>").encode()


def serve(hosts: list[int], pages_per_host: int, latency: float) -> None:
    """Run the site's hosts ``hosts`` in this process; print their ports; serve until stdin closes."""
    site = LocalSite()
    ports = {}
    rng = random.Random(7)
    for h in hosts:
        host = site.host(f"h{h}")
        ports[h] = host.port
        pads = [_padding(f"pad{h}-{i}", rng.randint(25_000, 95_000)) for i in range(8)]
        cache: dict[int, bytes] = {}

        def page(path: str, h: int = h, pads: list[str] = pads, cache: dict[int, bytes] = cache) -> Route | None:
            if not path.startswith("/news/story-"):
                return None
            try:
                n = int(path.rsplit("-", 1)[1])
            except ValueError:
                return None
            if n >= pages_per_host:
                return None
            if n not in cache:
                cache[n] = _article(h, n, pads)
            return Route(cache[n], delay=latency, conditional=False)

        host.fallback = page
        urls = [(host.url(f"/news/story-{n}"), f"2024-05-{1 + n % 28:02d}") for n in range(pages_per_host)]
        host.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain", delay=latency)
        host.add("/feed.xml", rss_feed([(u, "Mon, 06 May 2024 08:00:00 GMT") for u, _ in urls[-20:]]),
                 content_type="application/rss+xml", delay=latency)
        host.add("/sitemap_index.xml", sitemap_index([(host.url("/sitemap-1.xml.gz"), "2024-05-06")]),
                 content_type="application/xml", delay=latency)
        host.add("/sitemap-1.xml.gz", gz(urlset(urls)), content_type="application/x-gzip", delay=latency)
    print(json.dumps(ports), flush=True)
    sys.stdin.read()
    site.close()


def start_servers(n_hosts: int, pages: int, latency: float, processes: int) -> tuple[list[int], list]:
    per_host = max(1, pages // n_hosts)
    groups = [list(range(i, n_hosts, processes)) for i in range(processes)]
    children, ports = [], {}
    for group in groups:
        if not group:
            continue
        child = subprocess.Popen([sys.executable, __file__, "--serve", ",".join(map(str, group)),
                                  "--pages", str(per_host), "--latency", str(latency)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        children.append(child)
    for child in children:
        ports.update({int(k): v for k, v in json.loads(child.stdout.readline()).items()})
    return [ports[h] for h in sorted(ports)], children


class MemoryWatch:
    """Peak RSS of this process plus its children (the extraction processes), sampled;
    the site's server processes are left out. Needs psutil (the ``bench`` extra);
    without it, the peak of this process alone is reported."""

    def __init__(self, exclude: set[int]) -> None:
        try:
            import psutil
        except ImportError:
            psutil = None
        self.proc = psutil.Process() if psutil else None
        self.exclude = exclude
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if self.proc is None:
            import resource
            self._stop.wait()
            self.peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            return
        while not self._stop.is_set():
            total = 0
            try:
                total = self.proc.memory_info().rss
                for child in self.proc.children(recursive=True):
                    if child.pid in self.exclude:
                        continue
                    try:
                        total += child.memory_info().rss
                    except Exception:
                        pass
            except Exception:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_crawl(ports: list[int], workers: int, processes: int | None, server_pids: set[int]) -> dict:
    from scraper.crawl import CrawlOptions, SiteConfig, crawl

    sites = [SiteConfig(name=f"h{i}", feeds=[f"http://127.0.0.1:{p}/feed.xml"],
                        sitemaps=[f"http://127.0.0.1:{p}/sitemap_index.xml"]) for i, p in enumerate(ports)]
    options = CrawlOptions(sites=sites, workers=workers, processes=processes, delay=0.0, retries=0,
                           timeout=30)
    with tempfile.TemporaryDirectory() as tmp, MemoryWatch(server_pids) as memory:
        started = time.perf_counter()
        summary = crawl(Path(tmp) / "bench.db", options)
        wall = time.perf_counter() - started
        size = (Path(tmp) / "bench.db").stat().st_size
    if summary.fetched == 0 or summary.failed:
        raise SystemExit(f"benchmark crawl went wrong: {summary.to_dict()}")
    return {
        "workers": workers,
        "processes": options.extraction_processes(),
        "pages": summary.fetched,
        "new": summary.new,
        "wall_s": round(wall, 2),
        "pages_per_s": round(summary.fetched / wall, 2),
        "peak_rss_mb": round(memory.peak / 1e6, 1),
        "archive_mb": round(size / 1e6, 1),
        "network_wait_s": round(summary.timings["fetch_pages_s"], 2),
        "source_wait_s": round(summary.timings["fetch_sources_s"], 2),
        "extraction_s": round(summary.timings["extract_s"], 2),
        "archive_writes_s": round(summary.timings["write_s"], 2),
        "discovery_s": round(summary.timings["discover_s"], 2),
        "per_page_ms": {
            "network_wait": round(1000 * summary.timings["fetch_pages_s"] / summary.fetched, 1),
            "extraction": round(1000 * summary.timings["extract_s"] / summary.fetched, 1),
            "archive_write": round(1000 * summary.timings["write_s"] / summary.fetched, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000, help="article pages in all (default 2000)")
    parser.add_argument("--hosts", type=int, default=20, help="hosts (default 20)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer (default 0.2)")
    parser.add_argument("--workers", type=int, action="append", help="worker counts to run (default 1 and 8)")
    parser.add_argument("--processes", type=int, default=None, help="extraction processes (default: automatic)")
    parser.add_argument("--server-processes", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve([int(h) for h in args.serve.split(",")], args.pages, args.latency)
        return
    import logging
    logging.getLogger("scraper").setLevel(logging.ERROR)  # no per-URL lines; errors still show
    ports, children = start_servers(args.hosts, args.pages, args.latency, args.server_processes)
    results = []
    try:
        print(f"site: {args.pages} pages on {args.hosts} hosts, {args.latency * 1000:.0f} ms per answer; "
              f"{os.cpu_count()} CPUs", flush=True)
        for workers in args.workers or [1, 8]:
            result = run_crawl(ports, workers, args.processes, {c.pid for c in children})
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=10)
    if len(results) >= 2:
        base = results[0]["pages_per_s"]
        for r in results[1:]:
            print(f"workers {r['workers']}: {r['pages_per_s'] / base:.1f}x the pages/s of workers "
                  f"{results[0]['workers']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
