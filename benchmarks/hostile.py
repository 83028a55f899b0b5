"""Hostile pages, side by side: what one page built to be slow costs scraper with its
extraction budget, scraper's extractor without it, and trafilatura (when installed, the
``bench`` extra), each in a child process with a time limit, in the same run.

Then what the budget costs an ordinary page (the benchmark articles in
``../shared/bench/articles``, alternating rounds so that other load on the machine hits
both alike), and the web view's diff of a long one-paragraph article, bounded and not.

    python -m benchmarks.hostile                # about 4 minutes on two busy cores
    python -m benchmarks.hostile --limit 20     # give up on a page after 20 s instead of 60
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import random
import resource
import statistics
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT.parent / "shared" / "bench" / "articles"


def hostile_pages() -> dict[str, bytes]:
    attrs = " ".join(f"a{i}=1" for i in range(100_000))
    deep_ld = '{"a":' * 1_200 + "1" + "}" * 1_200
    story = "".join(f"<p>Paragraph {i} of an ordinary story, long enough to read as prose in any extractor.</p>"
                    for i in range(8))
    return {
        "one element, 100k attributes (0.9 MB)": f"<html><body><div {attrs}>{story}</div></body></html>".encode(),
        "1.5M <br> (6 MB)": ("<html><body><p>" + "<br>" * 1_500_000 + f"</p>{story}</body></html>").encode(),
        "700k <span> (9.8 MB)": ("<html><body><p>" + "<span>a</span>" * 700_000 + f"</p>{story}</body></html>"
                                 ).encode(),
        "2M attributes on 2,000 elements (9.8 MB)": (
            "<html><body>" + "".join("<i " + " ".join(f"a{i}" for i in range(999)) + ">x</i>"
                                     for _ in range(2_000)) + f"{story}</body></html>").encode(),
        "JSON-LD nested 1,200 levels (4 KB)": (
            f'<html><head><script type="application/ld+json">{deep_ld}</script></head><body>{story}</body></html>'
        ).encode(),
    }


def _scraper_budget(page: bytes) -> str:
    from scraper.budget import TooComplex, extract_within_budget

    try:
        article = extract_within_budget(page, "https://x.example/a")
    except TooComplex as exc:
        return f"too-complex: {exc}"
    return f"ok, {len(article.body)} characters"


def _scraper_plain(page: bytes) -> str:
    from scraper.extraction import extract

    return f"ok, {len(extract(page, 'https://x.example/a').body)} characters"


def _trafilatura(page: bytes) -> str:
    import trafilatura

    text = trafilatura.extract(page.decode("utf-8"), url="https://x.example/a")
    return f"ok, {len(text or '')} characters"


TOOLS: dict[str, Callable[[bytes], str]] = {
    "scraper (budget)": _scraper_budget,
    "scraper extractor, no budget": _scraper_plain,
    "trafilatura": _trafilatura,
}


def _child(tool: str, page: bytes, conn: object) -> None:
    try:
        started = time.perf_counter()
        outcome = TOOLS[tool](page)
        conn.send((outcome, time.perf_counter() - started))  # type: ignore[attr-defined]
    except BaseException as exc:  # a crash is a result here
        conn.send((f"raised {type(exc).__name__}: {str(exc)[:60]}", None))  # type: ignore[attr-defined]
        traceback.print_exc(limit=0)


def run_one(tool: str, page: bytes, limit: float) -> tuple[str, float | None, float]:
    """(outcome, seconds, peak RSS in MB) of one tool on one page, in a forked child."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(tool, page, send))
    started = time.perf_counter()
    child.start()
    send.close()
    if receive.poll(limit):
        outcome, seconds = receive.recv()
    else:
        outcome, seconds = f"not done in {limit:g} s (stopped)", None
        child.kill()
    _, _, usage = os.wait4(child.pid, 0)
    child.join()
    return outcome, seconds if seconds is not None else time.perf_counter() - started, usage.ru_maxrss / 1024


def hostile(limit: float) -> None:
    import scraper.budget  # noqa: F401  # imported here, so the forked children time only the work
    import scraper.extraction  # noqa: F401

    try:
        import trafilatura  # noqa: F401
    except ImportError:
        TOOLS.pop("trafilatura")
        print("(trafilatura not installed: pip install -e '.[bench]' to compare with it)")
    print(f"\n## Hostile pages (each tool in a child process, stopped after {limit:g} s)\n")
    print("| page | tool | outcome | seconds | peak RSS |\n| --- | --- | --- | --- | --- |")
    for name, page in hostile_pages().items():
        for tool in TOOLS:
            outcome, seconds, rss = run_one(tool, page, limit)
            print(f"| {name} | {tool} | {outcome} | {seconds:.2f} | {rss:.0f} MB |", flush=True)


def overhead(rounds: int) -> None:
    from scraper.budget import extract_within_budget
    from scraper.extraction import extract

    files = sorted(ARTICLES.glob("*.gz"))
    if not files:
        print(f"\n(no pages in {ARTICLES}: budget overhead not measured)")
        return
    pages = [gzip.decompress(f.read_bytes()) for f in files]
    times: dict[str, list[float]] = {"extract()": [], "within the budget": []}
    for _ in range(rounds):
        for name, fn in (("extract()", extract), ("within the budget", extract_within_budget)):
            started = time.perf_counter()
            for page in pages:
                fn(page, "https://x.example/a")
            times[name].append((time.perf_counter() - started) / len(pages) * 1000)
    plain, budget = (statistics.median(times[k]) for k in times)
    print(f"\n## The budget on {len(pages)} ordinary pages ({rounds} alternating rounds, median)\n")
    print(f"extract(): {plain:.2f} ms/page; within the budget: {budget:.2f} ms/page "
          f"(x{budget / plain:.3f})")


def diffs() -> None:
    import scraper.diff as diff

    words = ["the", "council", "said", "on", "tuesday", "that", "new", "budget", "would", "fund", "schools"]
    print("\n## The web view's diff: one paragraph, one sentence rewritten\n")
    print("| words | bounded | unbounded (word by word) |\n| --- | --- | --- |")
    bound = diff.MAX_WORD_DIFF
    for count in (2_000, 8_000, 16_000):
        rng = random.Random(count)
        sentences = [" ".join(rng.choice(words) for _ in range(11)) for _ in range(count // 12)]
        old = ". ".join(sentences) + "."
        sentences[len(sentences) // 2] = "A wholly rewritten sentence in the middle"
        new = ". ".join(sentences) + "."
        figures = []
        for limit in (bound, 10**12):
            diff.MAX_WORD_DIFF = limit
            started = time.perf_counter()
            diff.diff_text(old, new)
            figures.append(time.perf_counter() - started)
        diff.MAX_WORD_DIFF = bound
        print(f"| {count:,} | {figures[0]:.3f} s | {figures[1]:.3f} s (x{figures[1] / figures[0]:.0f}) |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a tool is stopped on a page")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the ordinary pages")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    hostile(args.limit)
    overhead(args.rounds)
    diffs()


if __name__ == "__main__":
    main()
