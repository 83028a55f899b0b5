"""Archive benchmark: build a synthetic archive, then time inserts, search, CSV export, reextract.

    python -m benchmarks.archive                 # 100,000 articles (about 10 minutes, 2 GB of disk)
    python -m benchmarks.archive -n 5000         # a quick run
    python -m benchmarks.archive --reuse         # time again on the archive of the last run

Each article has about 5 KB of text in ten paragraphs drawn from a Zipf-like vocabulary,
five tags out of 200, one of 20 sites, a publication date in 2015–2024, and a raw HTML
page (stored compressed) that ``reextract`` can work on. A rare word sits in exactly
five articles; the commonest word is in nearly all of them.

Figures: insert rate (articles/s in ``Archive.store`` alone, text generation not counted; one
transaction per article, FTS triggers and story clustering included),
search latency in-process (median of 7 after a warm-up) for a common and a rare word,
``scraper export --format csv`` and then ``--format parquet`` wall time and peak RSS (each
export runs as its own process; its peak RSS comes from ``os.wait4``), pandas' time to
read each file, both read back and compared with the archive field by field (Parquet:
lists and UTC timestamps), and ``reextract`` pages/s with 1 and 2 processes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scraper.archive import Archive
from scraper.article import Article
from scraper.export import DEFAULT_FIELDS, LIST_SEPARATOR
from scraper.fetching import Attempt, Response
from scraper.reextract import reextract
from scraper.search import Filters, search, select_articles

RARE_WORD = "zyzzogeton"
SITES = [f"site{i:02d}.example" for i in range(20)]


def vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    """Words and their cumulative Zipf-like weights (cumulative: ``choices`` is then fast)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"report"}
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 9))))
    ordered = ["report", *sorted(words - {"report"})]
    weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(ordered))))
    return ordered, weights


def make_article(i: int, rng: random.Random, words: list[str], weights: list[float],
                 tags: list[str]) -> tuple[str, Article, bytes, str]:
    site = SITES[i % len(SITES)]
    url = f"https://{site}/news/{i}"
    paragraphs = []
    for _ in range(10):
        chosen = rng.choices(words, cum_weights=weights, k=82)
        paragraphs.append(" ".join(chosen).capitalize() + ".")
    if i % 20000 == 7:  # five articles in 100,000
        paragraphs[3] += f" A {RARE_WORD} was seen."
    title = " ".join(rng.choices(words, cum_weights=weights, k=6)).capitalize()
    day = f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    published = f"{day}T{i % 24:02d}:00:00+00:00"
    chosen_tags = rng.sample(tags, 5)
    body = "\n\n".join(paragraphs)
    body_html = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{published}"></head><body>'
            f'<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>'
            f"<article><h1>{title}</h1>{body_html}<p>Tags: {', '.join(chosen_tags)}</p></article>"
            f"<footer>© {site}</footer></body></html>").encode()
    article = Article(url=url, canonical_url=url, title=title, authors=[f"Author {i % 300}"], published=published,
                      tags=chosen_tags, body=body, body_html=body_html, language="en", site_name=site)
    return url, article, html, published


def build(path: Path, n: int, seed: int = 7) -> float:
    """Store ``n`` synthetic articles; return the seconds spent in ``Archive.store`` alone."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    tags = [f"Topic {k}" for k in range(200)]
    storing = 0.0
    with Archive(path) as archive:
        for i in range(n):
            url, article, html, published = make_article(i, rng, words, weights, tags)
            when = f"2024-{1 + i % 12:02d}-01T00:00:00+00:00"
            response = Response(url=url, final_url=url, status=200,
                                headers={"Content-Type": "text/html; charset=utf-8"}, content=html,
                                fetched_at=when, attempts=[Attempt(url=url, started_at=when, status=200, elapsed=0.1)])
            t0 = time.perf_counter()
            archive.store(article, response)
            storing += time.perf_counter() - t0
            if (i + 1) % 10000 == 0:
                print(f"  stored {i + 1} articles ({(i + 1) / storing:.0f}/s)", file=sys.stderr, flush=True)
    return storing


def time_search(path: Path, word: str) -> tuple[float, int]:
    with Archive(path, readonly=True) as archive:
        hits = search(archive, word)
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            search(archive, word)
            runs.append(time.perf_counter() - t0)
    return statistics.median(runs), len(hits)


def run_export(path: Path, out: Path, fmt: str = "csv") -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of ``scraper export`` in its own process."""
    script = Path(sys.executable).with_name("scraper")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(script), "export", "--format", fmt, "-o", str(out), "--db", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def verify_csv(path: Path, out: Path) -> int:
    """Read the CSV back with pandas in chunks and compare every field with the archive."""
    import pandas as pd

    checked = 0
    with Archive(path, readonly=True) as archive:
        rows = select_articles(archive, Filters(), columns=list(DEFAULT_FIELDS))
        for chunk in pd.read_csv(out, dtype=str, keep_default_na=False, chunksize=5000):
            for record in chunk.to_dict("records"):
                row = next(rows)
                for name in DEFAULT_FIELDS:
                    value = row[name]
                    expected = LIST_SEPARATOR.join(value) if isinstance(value, list) else (
                        "" if value is None else str(value))
                    if record[name] != expected:
                        raise AssertionError(f"row {checked}: {name} differs: {record[name]!r} != {expected!r}")
                checked += 1
        if next(rows, None) is not None:
            raise AssertionError("the archive has more rows than the CSV")
    return checked


def verify_parquet(path: Path, out: Path) -> int:
    """pandas reads tags as lists and dates as UTC timestamps; every field equals the archive's."""
    import pandas as pd
    import pyarrow.parquet as pq

    from scraper.export import LIST_FIELDS, to_utc

    typed = pd.read_parquet(out, columns=["tags", "authors", "published", "last_fetched"])
    if str(typed["published"].dtype) != "datetime64[us, UTC]" or not hasattr(typed["tags"].iloc[0], "__len__") \
            or isinstance(typed["tags"].iloc[0], str):
        raise AssertionError(f"types lost: {typed.dtypes.to_dict()}, tags {type(typed['tags'].iloc[0])}")
    times = ("published", "modified", "first_fetched", "last_fetched")
    checked = 0
    with Archive(path, readonly=True) as archive:
        rows = select_articles(archive, Filters(), columns=list(DEFAULT_FIELDS))
        for batch in pq.ParquetFile(out).iter_batches(batch_size=5000):
            for record in batch.to_pylist():
                row = next(rows)
                for name in DEFAULT_FIELDS:
                    value = row[name]
                    expected = to_utc(value) if name in times else (value if name not in LIST_FIELDS else list(value))
                    if record[name] != expected:
                        raise AssertionError(f"row {checked}: {name} differs: {record[name]!r} != {expected!r}")
                checked += 1
        if next(rows, None) is not None:
            raise AssertionError("the archive has more rows than the Parquet file")
    return checked


def time_read(out: Path, fmt: str) -> float:
    """Seconds for pandas to read the whole export (CSV as strings, as README says)."""
    import pandas as pd

    t0 = time.perf_counter()
    if fmt == "csv":
        frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_parquet(out)
    elapsed = time.perf_counter() - t0
    del frame
    return elapsed


def time_reextract(path: Path, jobs: int, site: str, pages: int) -> tuple[float, dict]:
    with Archive(path) as archive:
        t0 = time.perf_counter()
        report = reextract(archive, filters=Filters(sites=[site]), limit=pages, jobs=jobs)
        elapsed = time.perf_counter() - t0
    return report.pages / elapsed, report.to_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("--reextract-pages", type=int, default=2000,
                        help="pages per reextract run (each run on its own site)")
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--reuse", action="store_true", help="reuse the archive of a previous run")
    parser.add_argument("--keep", action="store_true", help="keep the archive and CSV afterwards")
    parser.add_argument("--no-verify", action="store_true", help="skip the pandas read-back")
    args = parser.parse_args(argv)

    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"bench-{args.articles}.db"
    out = args.dir / f"bench-{args.articles}.csv"
    results: dict[str, object] = {"articles": args.articles}
    if not (args.reuse and path.exists()):
        for stale in args.dir.glob(path.name + "*"):
            stale.unlink()
        t0 = time.perf_counter()
        seconds = build(path, args.articles)
        results["insert_per_s"] = round(args.articles / seconds)
        results["build_s"] = round(time.perf_counter() - t0, 1)
    results["archive_mb"] = round(path.stat().st_size / 1e6)

    common_s, common_hits = time_search(path, "report")
    rare_s, rare_hits = time_search(path, RARE_WORD)
    results["search_common_ms"] = round(common_s * 1000, 2)
    results["search_rare_ms"] = round(rare_s * 1000, 2)
    results["rare_hits"] = rare_hits

    export_s, rss_mb, code = run_export(path, out)
    if code != 0:
        print(f"export failed with exit code {code}", file=sys.stderr)
        return 1
    results["export_csv_s"] = round(export_s, 1)
    results["export_peak_rss_mb"] = round(rss_mb, 1)
    results["csv_mb"] = round(out.stat().st_size / 1e6)
    # Parquet right after CSV, same archive, same run: the ratios are what to read
    parquet = out.with_suffix(".parquet")
    pq_s, pq_rss, pq_code = run_export(path, parquet, "parquet")
    if pq_code != 0:
        print(f"parquet export failed with exit code {pq_code}", file=sys.stderr)
        return 1
    results["export_parquet_s"] = round(pq_s, 1)
    results["export_parquet_peak_rss_mb"] = round(pq_rss, 1)
    results["parquet_mb"] = round(parquet.stat().st_size / 1e6)
    results["parquet_vs_csv_time"] = round(pq_s / export_s, 2)
    results["pandas_read_csv_s"] = round(time_read(out, "csv"), 1)
    results["pandas_read_parquet_s"] = round(time_read(parquet, "parquet"), 1)
    if not args.no_verify:
        results["csv_rows_verified"] = verify_csv(path, out)
        results["parquet_rows_verified"] = verify_parquet(path, parquet)
    if not args.keep:
        parquet.unlink()

    # Each reextract run works on a site of its own, so both see pages never re-extracted.
    copy = args.dir / f"reextract-{args.articles}.db"
    shutil.copy(path, copy)
    for jobs, site in ((1, SITES[1]), (2, SITES[2])):
        rate, report = time_reextract(copy, jobs, site, args.reextract_pages)
        results[f"reextract_{jobs}_proc_pages_per_s"] = round(rate, 1)
        results[f"reextract_{jobs}_proc_report"] = {k: v for k, v in report.items() if k != "errors"}
    for leftover in args.dir.glob(copy.name + "*"):
        leftover.unlink()
    if not args.keep:
        out.unlink()

    print(json.dumps(results, indent=2))
    ok = rss_mb < 150 and rare_s < 0.050
    print(f"export peak RSS {rss_mb:.1f} MB (must be < 150): {'ok' if rss_mb < 150 else 'FAIL'}; "
          f"rare-word search {rare_s * 1000:.2f} ms (must be < 50): {'ok' if rare_s < 0.05 else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
