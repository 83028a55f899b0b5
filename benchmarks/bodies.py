"""Article-body extraction, scored on shared/bench/articles, side by side with peer tools.

    python -m benchmarks.bodies [--data PATH] [--worst 10] [--only ours] [--repeat 1]

Prints precision, recall, F1, exact-match accuracy and pages/s for our extractor and,
when the ``bench`` extra is installed, for trafilatura (default and precision modes,
comments off like ours) and readability-lxml on the same pages in the same run, with
the ratios to ours. Every tool gets the page bytes and its URL; time counts from bytes
to text. Tools run interleaved page by page, so machine noise hits them alike.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.scoring import BodyScore, bench_dir, load_articles, score_bodies

Extractor = Callable[[bytes, str], str]


def ours() -> Extractor:
    from scraper.extraction import extract

    return lambda html, url: extract(html, url).body


def trafilatura_default() -> Extractor:
    import trafilatura

    return lambda html, url: trafilatura.extract(html, url=url, include_comments=False) or ""


def trafilatura_precision() -> Extractor:
    import trafilatura

    return lambda html, url: trafilatura.extract(html, url=url, include_comments=False,
                                                 favor_precision=True) or ""


def readability() -> Extractor:
    import lxml.html
    from readability import Document

    def run(html: bytes, url: str) -> str:
        summary = Document(html, url=url).summary(html_partial=True)
        return lxml.html.fromstring(summary).text_content() if summary.strip() else ""

    return run


TOOLS: dict[str, Callable[[], Extractor]] = {
    "scraper": ours,
    "trafilatura": trafilatura_default,
    "trafilatura-precision": trafilatura_precision,
    "readability-lxml": readability,
}


def run_benchmark(data: Path | None = None, tools: list[str] | None = None,
                  repeat: int = 1) -> dict[str, tuple[BodyScore, float]]:
    """Score each available tool; return {name: (score, pages per second)}."""
    pages = list(load_articles(data))
    available: dict[str, Extractor] = {}
    for name in tools or list(TOOLS):
        try:
            available[name] = TOOLS[name]()
        except ImportError:
            print(f"({name} not installed: pip install -e '.[bench]')")
    outputs: dict[str, list[tuple[str, str, str]]] = {name: [] for name in available}
    seconds = dict.fromkeys(available, 0.0)
    for page_id, url, html, expected in pages:
        for name, extractor in available.items():
            t0 = time.perf_counter()
            for _ in range(repeat):
                text = extractor(html, url)
            seconds[name] += (time.perf_counter() - t0) / repeat
            outputs[name].append((page_id, expected, text))
    return {name: (score_bodies(outputs[name]), len(pages) / seconds[name]) for name in available}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="folder with ground-truth.json")
    parser.add_argument("--worst", type=int, default=10, help="list the N worst pages of ours")
    parser.add_argument("--only", action="append", choices=list(TOOLS), help="run only these tools")
    parser.add_argument("--repeat", type=int, default=1, help="extract each page N times for timing")
    args = parser.parse_args(argv)
    data = args.data or bench_dir() / "articles"
    results = run_benchmark(data, args.only, args.repeat)
    base_f1, base_speed = None, None
    if "scraper" in results:
        base_f1, base_speed = results["scraper"][0].f1, results["scraper"][1]
    print(f"{len(next(iter(results.values()))[0].per_page)} pages from {data}\n")
    print(f"{'tool':<24}{'precision':>10}{'recall':>8}{'F1':>8}{'exact':>7}{'pages/s':>9}"
          f"{'ours/F1':>9}{'ours/speed':>11}")
    for name, (score, speed) in results.items():
        f1_ratio = f"{base_f1 / score.f1:.3f}" if base_f1 and score.f1 else "-"
        speed_ratio = f"{base_speed / speed:.2f}" if base_speed and speed else "-"
        print(f"{name:<24}{score.precision:>10.4f}{score.recall:>8.4f}{score.f1:>8.4f}{score.accuracy:>7.3f}"
              f"{speed:>9.1f}{f1_ratio:>9}{speed_ratio:>11}")
    if "scraper" in results and args.worst:
        print(f"\n{args.worst} worst pages (ours): id, F1, precision, recall")
        for page_id, f1, p, r in results["scraper"][0].worst(args.worst):
            print(f"  {page_id[:16]}  {f1:.3f}  {p:.3f}  {r:.3f}")


if __name__ == "__main__":
    main()
