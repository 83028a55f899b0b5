"""Scale benchmark (issue 17): start-up, the web view, search, export, stats and inserts, each
figure printed beside a floor measured in the same run, as a ratio.

    python -m benchmarks.scale                    # everything (archives built once, then reused)
    python -m benchmarks.scale --only search      # one part: startup, web, search, export, stats, insert
    python -m benchmarks.scale --cache DIR        # where the archives live (default ../cache/scale)

Archives come from ``benchmarks.archive``'s generator (about 5 KB of text, five tags, a raw
page each) at 1,000, 10,000 and 100,000 articles, stored through ``Archive.store``; the search
archive of 1,000,000 articles has short bodies (60 words) and is written in bulk through the
same schema and full-text triggers. They are built once under ``--cache`` (outside the
repository) and reused; a run never changes them (inserts are timed on a copy).

The machine is shared, so every figure comes with its floor measured in the same run:
``python -c pass`` and the bare imports for start-up, the same SQL through ``sqlite3`` for
search, export and the web view's facets, and ratios are what to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT.parent / "cache" / "scale"
SIZES = (1000, 10_000, 100_000)
SEARCH_SIZE = 1_000_000
SHORT_BODY_WORDS = 60
COMMON_WORD = "report"  # the generator's commonest word: in nearly every article
PARTS = ("startup", "web", "search", "export", "stats", "insert")


# -- archives ---------------------------------------------------------------------------------

def archive_path(cache: Path, n: int) -> Path:
    """The cached archive of ``n`` articles, built on first use (1,000,000: the search archive)."""
    path = cache / (f"search-{n}.db" if n == SEARCH_SIZE else f"archive-{n}.db")
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        building = path.with_name(path.name + ".building")
        for stale in cache.glob(building.name + "*"):
            stale.unlink()
        started = time.perf_counter()
        print(f"building {path} …", file=sys.stderr, flush=True)
        if n == SEARCH_SIZE:
            build_search_archive(building, n)
        else:
            from benchmarks.archive import build

            build(building, n)
        building.rename(path)
        print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    from scraper.archive import Archive

    with Archive(path):  # an archive built by an older scraper is upgraded once, here
        pass
    return path


def build_search_archive(path: Path, n: int, seed: int = 11) -> None:
    """``n`` articles with 60-word bodies, written 10,000 to a transaction through the
    archive's own schema and full-text triggers (search is what this archive is for)."""
    from benchmarks.archive import SITES, vocabulary
    from scraper.archive import Archive

    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    with Archive(path) as archive:
        conn = archive.db.conn
        for start in range(0, n, 10_000):
            rows = []
            for i in range(start, min(n, start + 10_000)):
                site = SITES[i % len(SITES)]
                body = " ".join(rng.choices(words, cum_weights=weights, k=SHORT_BODY_WORDS)).capitalize() + "."
                title = " ".join(rng.choices(words, cum_weights=weights, k=6)).capitalize()
                published = f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
                when = "2024-01-01T00:00:00+00:00"
                rows.append((f"https://{site}/news/{i}", site, title, published, published[:7], body,
                             len(body.split()), when, when, when))
            with archive.transaction():
                conn.executemany(
                    "INSERT INTO articles (url, site, title, published, published_month, body, word_count, "
                    "first_fetched, last_fetched, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            if (start // 10_000) % 10 == 9:
                print(f"  {start + 10_000} articles", file=sys.stderr, flush=True)


# -- measuring ---------------------------------------------------------------------------------

def script() -> str:
    return str(Path(sys.executable).with_name("scraper"))


GNU_TIME = "/usr/bin/time"


def run(argv: list[str], *, env: dict[str, str] | None = None, stdout: Any = subprocess.DEVNULL,
        cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of one process.

    The peak RSS comes from GNU time when the machine has it: ``os.wait4`` on a child of this
    process counts the memory the child had from the fork, before it ran its program, which
    is this (large) benchmark process's.
    """
    measure = os.path.exists(GNU_TIME)
    command = [GNU_TIME, "-f", "%M", *argv] if measure else argv
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE if measure else subprocess.DEVNULL,
                            env=env, cwd=cwd)
    _, errors = proc.communicate()
    wall = time.perf_counter() - started
    if measure:
        lines = errors.decode("utf-8", "replace").strip().splitlines()
        rss = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
    else:
        rss = float("nan")
    return wall, rss, proc.returncode


def median_run(argv: list[str], repeat: int, **options: Any) -> tuple[float, float]:
    """Median wall seconds and largest peak RSS (MB) of ``repeat`` runs (one warm-up first)."""
    run(argv, **options)
    results = [run(argv, **options) for _ in range(repeat)]
    if any(code != 0 for _, _, code in results):
        raise SystemExit(f"{' '.join(argv)} failed")
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def timed(fn: Callable[..., Any], repeat: int) -> list[float]:
    """Seconds of each of ``repeat`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def p50(times: list[float]) -> float:
    return statistics.median(times)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


class Report:
    """The rows printed at the end, and their JSON."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, part: str, figure: str, value: str, floor: str = "—", ratio: float | None = None,
            goal: str = "", **data: Any) -> None:
        row = {"part": part, "figure": figure, "value": value, "floor": floor,
               "ratio": None if ratio is None else round(ratio, 2), "goal": goal, **data}
        self.rows.append(row)
        shown = "" if ratio is None else f"{ratio:.2f}×"
        print(f"  {figure:<52} {value:>16}   floor {floor:<24} {shown:>7}  {goal}", flush=True)


# -- start-up ----------------------------------------------------------------------------------

HEAVY = ("pandas", "numpy", "dask", "datasette", "requests", "pyarrow")


def imported_heavy(argv_args: list[str], env: dict[str, str]) -> list[str]:
    """Which heavy packages the command's process imported (it runs with -X importtime)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", script(), *argv_args], capture_output=True,
                          text=True, env=env)
    names = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    return sorted(names & set(HEAVY))


def bench_startup(report: Report, cache: Path, repeat: int) -> None:
    print("start-up (1,000-article archive)", flush=True)
    db = archive_path(cache, 1000)
    env = {**os.environ, "SCRAPER_DB": str(db)}
    floor_pass, rss_pass = median_run([sys.executable, "-c", "pass"], repeat)
    floor_imports, rss_imports = median_run([sys.executable, "-c", "import sqlite3, click"], repeat)
    report.add("startup", "python -c pass", ms(floor_pass), rss_mb=round(rss_pass, 1))
    report.add("startup", "python -c 'import sqlite3, click'", ms(floor_imports), rss_mb=round(rss_imports, 1))
    page = ROOT / "tests" / "fixtures"
    saved = next(iter(sorted(page.glob("*.html"))), None)
    commands: list[tuple[str, list[str], str]] = [
        ("scraper --help", ["--help"], "≤ 150 ms, ≤ 40 MB"),
        ("scraper list", ["list"], "≤ 150 ms, ≤ 40 MB"),
        ("scraper show 42", ["show", "42"], "≤ 150 ms, ≤ 40 MB"),
        (f"scraper search {COMMON_WORD}", ["search", COMMON_WORD], "≤ 150 ms, ≤ 40 MB"),
    ]
    for label, args, goal in commands:
        wall, rss = median_run([script(), *args], repeat, env=env)
        heavy = imported_heavy(args, env)
        report.add("startup", label, f"{ms(wall)}, {rss:.0f} MB", f"{ms(floor_imports)} (imports)",
                   wall / floor_imports, goal, wall_s=round(wall, 4), rss_mb=round(rss, 1), heavy=heavy)
        if heavy:
            print(f"    imported: {', '.join(heavy)}", flush=True)
    if saved is not None:
        scratch = cache / "startup-fetch.db"
        for stale in cache.glob(scratch.name + "*"):
            stale.unlink()
        shutil.copy(db, scratch)
        # every run stores a new article (its own --url), clustered like any new page; the
        # same address every time would time a page found unchanged, which skips clustering
        runs = iter(range(1_000_000))

        def fetch_args() -> list[str]:
            return ["fetch", str(saved), "--url", f"https://example.com/startup/{next(runs)}", "--db", str(scratch)]

        results = [run([script(), *fetch_args()], env=env) for _ in range(repeat + 1)][1:]
        if any(code != 0 for _, _, code in results):
            raise SystemExit("scraper fetch failed")
        wall, rss = statistics.median(r[0] for r in results), max(r[1] for r in results)
        heavy = imported_heavy(fetch_args(), env)
        report.add("startup", "scraper fetch FILE --url URL (one new page)", f"{ms(wall)}, {rss:.0f} MB",
                   f"{ms(floor_imports)} (imports)", wall / floor_imports, "≤ 300 ms", wall_s=round(wall, 4),
                   rss_mb=round(rss, 1), heavy=heavy)
        if heavy:
            print(f"    imported: {', '.join(heavy)}", flush=True)
        for stale in cache.glob(scratch.name + "*"):
            stale.unlink()
    # what an extraction process imports to run its batches (extract_page, extract_result)
    wall, rss = median_run([sys.executable, "-c", "import scraper.pool, scraper.pipeline, scraper.worker"], repeat)
    report.add("startup", "extraction worker's imports", f"{ms(wall)}, {rss:.0f} MB",
               f"{rss_imports:.0f} MB (imports)", rss / rss_imports, "no pandas/numpy", rss_mb=round(rss, 1))


# -- the web view -------------------------------------------------------------------------------

class Serve:
    """A real ``scraper serve`` process on a free port, stopped on exit."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def __enter__(self) -> Serve:
        import re
        import threading

        self.proc = subprocess.Popen([script(), "serve", "--db", str(self.db), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = ""
        announced = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                match = re.search(r" at (http://\S+?)/\S* \(Ctrl-C", line)
                if match and not self.url:
                    self.url = match.group(1)
                    announced.set()
            announced.set()

        threading.Thread(target=read, daemon=True).start()
        if not announced.wait(300) or not self.url:
            self.proc.kill()
            raise SystemExit("scraper serve did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(60)


def bench_web(report: Report, cache: Path, repeat: int) -> None:
    import httpx

    n = 100_000
    print(f"web view ({n:,} articles, a real `scraper serve` over HTTP)", flush=True)
    db = archive_path(cache, n)
    name = db.stem
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    tag = conn.execute("SELECT name FROM tags ORDER BY id LIMIT 1").fetchone()[0]
    month = conn.execute("SELECT max(published_month) FROM articles").fetchone()[0]
    site = conn.execute("SELECT site FROM articles LIMIT 1").fetchone()[0]
    article = conn.execute("SELECT max(id) / 2 FROM articles").fetchone()[0]
    tag_floor = p50(timed(lambda: conn.execute(
        "SELECT tag_id, count(*) FROM article_tags GROUP BY tag_id").fetchall(), repeat))
    fts_floor = p50(timed(lambda: conn.execute(
        "SELECT rowid, bm25(articles_fts, 5.0, 1.0) AS s FROM articles_fts WHERE articles_fts MATCH ? "
        "ORDER BY s LIMIT 50", (COMMON_WORD,)).fetchall(), repeat))
    conn.close()
    report.add("web", "floor: tag counts from article_tags", ms(tag_floor))
    report.add("web", f"floor: FTS query, BM25 over every match of '{COMMON_WORD}'", ms(fts_floor))
    from urllib.parse import quote

    pages = [
        ("article list with facets", f"/{name}/articles", tag_floor),
        ("search page, rare word", f"/{name}/-/search?_search=zyzzogeton", fts_floor),
        (f"search page, common word ('{COMMON_WORD}')", f"/{name}/-/search?_search={COMMON_WORD}", fts_floor),
        ("tag page", f"/{name}/articles?_tag={quote(tag)}", tag_floor),
        ("site page", f"/{name}/articles?site={quote(site)}", tag_floor),
        ("month page", f"/{name}/articles?published_month={month}", tag_floor),
        ("article page", f"/{name}/article/{article}", None),
    ]
    with Serve(db) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        for label, path, floor in pages:
            bodies: list[bytes] = []

            def get(path: str = path, bodies: list[bytes] = bodies) -> None:
                answer = client.get(path)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code}")
                bodies.append(answer.content)

            times = timed(get, repeat)
            timed_out = any(b"timed out" in body for body in bodies)
            note = " (facets timed out!)" if timed_out else ""
            report.add("web", label + note, f"p50 {ms(p50(times))}", ms(floor) if floor else "—",
                       p50(times) / floor if floor else None, "p50 ≤ 200 ms", p50_s=round(p50(times), 4),
                       path=path, facets_timed_out=timed_out)


# -- search -------------------------------------------------------------------------------------

def bench_search(report: Report, cache: Path, repeat: int) -> None:
    from scraper.archive import Archive
    from scraper.search import search

    db = archive_path(cache, 100_000)
    print("search (100,000 articles, in-process)", flush=True)
    phrase = f'"{COMMON_WORD} {COMMON_WORD}"'
    with Archive(db, readonly=True) as archive:
        conn = archive.db.conn
        for label, query in (("common word", COMMON_WORD), ("phrase", phrase)):
            def floor(query: str = query) -> Any:
                return conn.execute("SELECT rowid, bm25(articles_fts, 5.0, 1.0) AS s FROM articles_fts "
                                    "WHERE articles_fts MATCH ? ORDER BY s LIMIT 20", (query,)).fetchall()

            exact = [h.id for h in search(archive, query, window=None)]
            same = exact == [r[0] for r in floor()]
            f = p50(timed(floor, repeat))
            every = p50(timed(lambda query=query: search(archive, query, window=None), repeat))
            default = p50(timed(lambda query=query: search(archive, query), repeat))
            matches = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                   (query,)).fetchone()[0]
            report.add("search", f"{label} {query}, every match ranked ({matches:,} matches)", ms(every),
                       f"{ms(f)} bm25()", every / f, "≤ 1.05× floor", same_top20=same)
            report.add("search", f"{label} {query}, default (newest 50,000 matches)", ms(default),
                       f"{ms(f)} bm25()", default / f)
        unranked = p50(timed(lambda: conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                                                  "LIMIT 20", (COMMON_WORD,)).fetchall(), repeat))
        report.add("search", "floor: unranked, first 20 matches", ms(unranked))
    db = archive_path(cache, SEARCH_SIZE)
    print(f"search ({SEARCH_SIZE:,} articles with short bodies, in-process)", flush=True)
    with Archive(db, readonly=True) as archive:
        conn = archive.db.conn
        first = conn.execute("SELECT body FROM articles WHERE id = 1").fetchone()[0].lower().strip(".").split()
        counts = {w: conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (w,)).fetchone()[0]
                  for w in set(first)}
        by_count = sorted(counts, key=counts.get)  # type: ignore[arg-type]
        words = [COMMON_WORD, by_count[-1], by_count[len(by_count) // 2], by_count[0]]
        times: list[float] = []
        for word in words:
            times += timed(lambda word=word: search(archive, word), repeat)
        report.add("search", f"1M: one word ({len(words)} words, {min(counts.values()):,}–"
                             f"{max(counts.get(w, 0) for w in words):,} matches), p95",
                   ms(p95(times)), goal="p95 ≤ 150 ms", p50_s=round(p50(times), 4), p95_s=round(p95(times), 4))
        floor_times = timed(lambda: conn.execute(
            "SELECT rowid, bm25(articles_fts, 5.0, 1.0) AS s FROM articles_fts WHERE articles_fts MATCH ? "
            "ORDER BY s LIMIT 20", (COMMON_WORD,)).fetchall(), max(3, repeat // 2))
        report.add("search", f"1M: '{COMMON_WORD}', every match ranked (bm25() floor)", ms(p50(floor_times)))
        second = next(w for w in reversed(by_count) if w != COMMON_WORD)
        phrases = [phrase, f'"{first[1]} {first[2]}"', f'"{COMMON_WORD} {second}"']
        times = []
        for query in phrases:
            times += timed(lambda query=query: search(archive, query), repeat)
        report.add("search", f"1M: phrases ({', '.join(phrases)}), p95", ms(p95(times)), goal="≤ 300 ms",
                   p95_s=round(p95(times), 4))


# -- export and stats ----------------------------------------------------------------------------

def bench_export(report: Report, cache: Path, repeat: int, *, verify: bool) -> None:
    from scraper.export import DEFAULT_FIELDS

    n = 100_000
    db = archive_path(cache, n)
    print(f"export ({n:,} articles, `scraper export` in its own process)", flush=True)
    out = cache / "export.out"
    columns = ", ".join(DEFAULT_FIELDS)
    sql = f"SELECT {columns} FROM articles WHERE published IS NOT NULL ORDER BY published, id"
    floor_argv = ["sqlite3", "-csv", "-header", f"file:{db}?mode=ro", sql]
    rounds = max(1, repeat // 3)
    floor_rss = 0.0
    for fmt in ("csv", "jsonl"):
        walls, rss, floors = [], 0.0, []
        for _ in range(rounds):  # alternated with the floor, so that load on the machine slows both alike
            with open(out, "wb") as sink:
                wall, peak, code = run(floor_argv, stdout=sink)
            floors.append(wall)
            floor_rss = max(floor_rss, peak)
            wall, peak, code = run([script(), "export", "--format", fmt, "-o", str(out), "--db", str(db)])
            if code != 0:
                raise SystemExit(f"export --format {fmt} failed ({code})")
            walls.append(wall)
            rss = max(rss, peak)
        floor = statistics.median(floors)
        report.add("export", f"export --format {fmt} ({out.stat().st_size / 1e6:.0f} MB)",
                   f"{statistics.median(walls):.2f} s, {rss:.0f} MB",
                   f"{floor:.2f} s, {floor_rss:.0f} MB sqlite3 -csv", statistics.median(walls) / floor,
                   "≤ 2× floor, ≤ 60 MB", wall_s=round(statistics.median(walls), 3), rss_mb=round(rss, 1))
        if verify:
            same = identical_to_python_writer(db, out, fmt)
            report.add("export", f"{fmt}: bytes equal to the Python writer's", "yes" if same else "NO", same=same)
            if fmt == "csv":
                from benchmarks.archive import verify_csv

                report.add("export", "csv read back by pandas, every field equal", f"{verify_csv(db, out):,} rows")
    out.unlink()


def identical_to_python_writer(db: Path, produced: Path, fmt: str) -> bool:
    """Compare the export with what csv.writer / json.dumps make of the same rows, chunk by chunk."""
    import hashlib
    import io

    from scraper.archive import Archive
    from scraper.export import DEFAULT_FIELDS, write_export
    from scraper.search import select_articles

    class Digest(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.hash = hashlib.sha256()

        def write(self, text: str) -> int:  # type: ignore[override]
            self.hash.update(text.encode("utf-8"))
            return len(text)

    sink = Digest()
    with Archive(db, readonly=True) as archive:
        write_export(select_articles(archive, None, columns=["id", *DEFAULT_FIELDS[1:]]), sink, fmt=fmt)
    theirs = hashlib.sha256()
    with open(produced, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            theirs.update(chunk)
    return sink.hash.digest() == theirs.digest()


def bench_stats(report: Report, cache: Path, repeat: int) -> None:
    from scraper.archive import Archive
    from scraper.stats import archive_stats

    print("stats", flush=True)
    figures = {}
    for n in SIZES:
        db = archive_path(cache, n)
        with Archive(db, readonly=True) as archive:
            figures[n] = p50(timed(lambda archive=archive: archive_stats(archive), repeat))
        report.add("stats", f"stats in-process, {n:,} articles", ms(figures[n]),
                   goal="≤ 100 ms" if n == 100_000 else "", p50_s=round(figures[n], 4))
    wall, rss = median_run([script(), "stats", "--db", str(archive_path(cache, 100_000))], repeat)
    floor, _ = median_run([sys.executable, "-c", "import sqlite3, click"], repeat)
    report.add("stats", "scraper stats from the CLI, 100,000 articles", f"{ms(wall)}, {rss:.0f} MB",
               f"{ms(floor)} (imports)", wall / floor)
    report.add("stats", "growth 1,000 → 100,000 articles (in-process)", f"{figures[100_000] / figures[1000]:.0f}×")


# -- inserts ------------------------------------------------------------------------------------

def wal_pages(path: Path) -> set[int]:
    """The database pages a WAL file holds new versions of (what a checkpoint will write)."""
    import struct

    wal = Path(str(path) + "-wal")
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return set()
    size = struct.unpack(">I", data[8:12])[0]
    return {struct.unpack(">I", data[offset:offset + 4])[0] for offset in range(32, len(data) - 23, 24 + size)}


def bench_insert(report: Report, cache: Path, count: int, rounds: int = 5) -> None:
    """``Archive.store`` per article into a copy of each archive: ``count`` new articles each,
    in ``rounds`` rounds that alternate the archives (so that load on the machine weighs on
    every size alike), each round ended by a checkpoint, timed with it. Beside the time, the
    pages each article dirtied (counted in the WAL, by table or index): a figure the
    machine's load does not change."""
    from collections import Counter

    from benchmarks.archive import make_article, vocabulary
    from scraper.archive import Archive
    from scraper.fetching import Attempt, Response

    print(f"insert ({count} new articles into a copy of each archive, {rounds} alternating rounds)", flush=True)
    copies = {}
    for n in SIZES:
        copy = cache / f"insert-{n}.db"
        for stale in cache.glob(copy.name + "*"):
            stale.unlink()
        shutil.copy(archive_path(cache, n), copy)
        copies[n] = copy
    for copy in copies.values():
        # The copy's bytes are still being written back to disk; the first checkpoint's fsync
        # would wait for all of them (0.6 s for the 2.2 GB archive of 100,000 articles) and
        # charge that to the articles stored. Flushed here, untimed.
        flush = os.open(copy, os.O_RDONLY)
        try:
            os.fsync(flush)
        finally:
            os.close(flush)
    rng = random.Random(17)
    words, weights = vocabulary(rng)
    tags = [f"Topic {k}" for k in range(200)]
    spent = dict.fromkeys(SIZES, 0.0)
    dirtied: dict[int, Counter[str]] = {n: Counter() for n in SIZES}
    archives = {n: Archive(path) for n, path in copies.items()}
    per_round = count // rounds
    try:
        owners = {}
        for n, archive in archives.items():
            archive.db.conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints at the end of each round
            owners[n] = dict(archive.db.conn.execute("SELECT pageno, name FROM dbstat").fetchall())
        serial = 10_000_000
        for _ in range(rounds):
            for n, archive in archives.items():
                started = time.perf_counter()
                for _ in range(per_round):
                    serial += 1
                    url, article, html, _ = make_article(serial, rng, words, weights, tags)
                    when = "2025-01-01T00:00:00+00:00"
                    response = Response(url=url, final_url=url, status=200, headers={}, content=html, fetched_at=when,
                                        attempts=[Attempt(url=url, started_at=when, status=200, elapsed=0.1)])
                    archive.store(article, response)
                spent[n] += time.perf_counter() - started
                dirtied[n].update(owners[n].get(page, "(new pages)") for page in wal_pages(copies[n]))
                started = time.perf_counter()
                archive.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                spent[n] += time.perf_counter() - started
    finally:
        for archive in archives.values():
            archive.close()
        for copy in copies.values():
            for stale in cache.glob(copy.name + "*"):
                stale.unlink()
    stored = rounds * per_round
    first = spent[SIZES[0]] / stored
    first_pages = sum(dirtied[SIZES[0]].values()) / stored
    for n in SIZES:
        per = spent[n] / stored
        pages = sum(dirtied[n].values()) / stored
        top = ", ".join(f"{name} {c / stored:.1f}" for name, c in dirtied[n].most_common(4))
        report.add("insert", f"Archive.store per article, {n:,} articles", ms(per), f"{ms(first)} at 1,000",
                   per / first, "≤ 1.3× at 100,000" if n == 100_000 else "", per_article_s=round(per, 5))
        report.add("insert", f"pages dirtied per article, {n:,} articles", f"{pages:.1f}",
                   f"{first_pages:.1f} at 1,000", pages / first_pages, top,
                   pages_by_table={k: round(v / stored, 2) for k, v in dirtied[n].most_common()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where the archives are built and kept (outside the repository)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--repeat", type=int, default=9, help="runs per figure (medians and p95 over them)")
    parser.add_argument("--inserts", type=int, default=300, help="articles stored per insert measurement")
    parser.add_argument("--no-verify", action="store_true", help="skip the byte and pandas checks of exports")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--build-only", action="store_true", help="build the archives, measure nothing")
    args = parser.parse_args(argv)
    if args.build_only:
        for n in (*SIZES, SEARCH_SIZE):
            archive_path(args.cache, n)
        return 0
    parts = args.only or list(PARTS)
    report = Report()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for part in parts:
        if part == "startup":
            bench_startup(report, args.cache, args.repeat)
        elif part == "web":
            bench_web(report, args.cache, args.repeat)
        elif part == "search":
            bench_search(report, args.cache, args.repeat)
        elif part == "export":
            bench_export(report, args.cache, args.repeat, verify=not args.no_verify)
        elif part == "stats":
            bench_stats(report, args.cache, args.repeat)
        elif part == "insert":
            bench_insert(report, args.cache, args.inserts)
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report.rows, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
