"""Article-body extraction, scored on the shared bench sets, side by side with peer tools.

    python -m benchmarks.bodies [--set articles|snippets|all] [--half tune|check]
                                [--worst 10] [--only TOOL] [--repeat 1]

Two sets, each with its own metric (see ``shared/bench/README.md``):

- ``articles/``: 181 news pages with hand-checked bodies, scored by 4-token shingles
  (precision, recall, F1, exact-match accuracy);
- ``snippets/``: 481 pages of many kinds and languages, scored by sentences that must
  and must not be in the body (trafilatura's own evaluation), with the count of empty
  bodies.

Our extractor and, when the ``bench`` extra is installed, trafilatura (default and
precision modes, comments off like ours) and readability-lxml run on the same pages
in the same run, with the ratios to ours. Every tool gets the page bytes and its URL;
time counts from bytes to text. Tools run interleaved page by page, so machine noise
hits them alike. ``--half`` scores one fixed half of each set (:func:`benchmarks.scoring.half`):
rules are tuned on one half and checked on the other.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.scoring import (
    BodyScore,
    SnippetScore,
    bench_dir,
    load_articles,
    load_snippets,
    score_bodies,
    score_snippets,
)

Extractor = Callable[[bytes, str], str]
SETS = ("articles", "snippets")


def ours() -> Extractor:
    from scraper.extraction import extract

    return lambda html, url: extract(html, url or None).body


def trafilatura_default() -> Extractor:
    import trafilatura

    return lambda html, url: trafilatura.extract(html, url=url or None, include_comments=False) or ""


def trafilatura_precision() -> Extractor:
    import trafilatura

    return lambda html, url: trafilatura.extract(html, url=url or None, include_comments=False,
                                                 favor_precision=True) or ""


def readability() -> Extractor:
    import lxml.html
    from readability import Document

    def run(html: bytes, url: str) -> str:
        try:
            summary = Document(html, url=url or None).summary(html_partial=True)
        except Exception:  # readability raises on some pages: no output, as for a user
            return ""
        return lxml.html.fromstring(summary).text_content() if summary.strip() else ""

    return run


TOOLS: dict[str, Callable[[], Extractor]] = {
    "scraper": ours,
    "trafilatura": trafilatura_default,
    "trafilatura-precision": trafilatura_precision,
    "readability-lxml": readability,
}


@dataclass
class Result:
    """One tool on one set: its score and its speed."""

    score: BodyScore | SnippetScore
    pages_per_second: float


def _available(tools: list[str] | None) -> dict[str, Extractor]:
    available: dict[str, Extractor] = {}
    for name in tools or list(TOOLS):
        try:
            available[name] = TOOLS[name]()
        except ImportError:
            print(f"({name} not installed: pip install -e '.[bench]')")
    return available


def _timed(extractor: Extractor, html: bytes, url: str, repeat: int) -> tuple[str, float]:
    t0 = time.perf_counter()
    text = ""
    for _ in range(repeat):
        text = extractor(html, url)
    return text, (time.perf_counter() - t0) / repeat


def run_articles(data: Path | None = None, tools: list[str] | None = None, repeat: int = 1,
                 which: str | None = None) -> dict[str, Result]:
    """Score each available tool on ``articles/``: {name: result}."""
    pages = list(load_articles(data, which))
    available = _available(tools)
    outputs: dict[str, list[tuple[str, str, str]]] = {name: [] for name in available}
    seconds = dict.fromkeys(available, 0.0)
    for page_id, url, html, expected in pages:
        for name, extractor in available.items():
            text, spent = _timed(extractor, html, url, repeat)
            seconds[name] += spent
            outputs[name].append((page_id, expected, text))
    return {name: Result(score_bodies(outputs[name]), len(pages) / seconds[name] if seconds[name] else 0.0)
            for name in available}


def run_snippets(data: Path | None = None, tools: list[str] | None = None, repeat: int = 1,
                 which: str | None = None) -> dict[str, Result]:
    """Score each available tool on ``snippets/``: {name: result}."""
    pages = list(load_snippets(data, which))
    available = _available(tools)
    outputs: dict[str, list] = {name: [] for name in available}
    seconds = dict.fromkeys(available, 0.0)
    for page in pages:
        for name, extractor in available.items():
            text, spent = _timed(extractor, page.html, page.url, repeat)
            seconds[name] += spent
            outputs[name].append((page, text))
    return {name: Result(score_snippets(outputs[name]), len(pages) / seconds[name] if seconds[name] else 0.0)
            for name in available}


def run_benchmark(data: Path | None = None, tools: list[str] | None = None,
                  repeat: int = 1) -> dict[str, tuple[BodyScore, float]]:
    """``articles/`` only, as {name: (score, pages per second)} (kept for older callers)."""
    return {name: (result.score, result.pages_per_second)  # type: ignore[misc]
            for name, result in run_articles(data, tools, repeat).items()}


def _ratio(mine: float | None, theirs: float) -> str:
    return f"{mine / theirs:.3f}" if mine and theirs else "-"


def print_articles(results: dict[str, Result], worst: int) -> None:
    base = results.get("scraper")
    print(f"{'tool':<24}{'precision':>10}{'recall':>8}{'F1':>8}{'exact':>7}{'empty':>7}{'pages/s':>9}"
          f"{'ours/F1':>9}{'ours/speed':>11}")
    for name, result in results.items():
        score = result.score
        assert isinstance(score, BodyScore)
        empty = sum(1 for tp, fp, _fn in score.per_page.values() if tp + fp == 0)
        print(f"{name:<24}{score.precision:>10.4f}{score.recall:>8.4f}{score.f1:>8.4f}{score.accuracy:>7.3f}"
              f"{empty:>7}{result.pages_per_second:>9.1f}"
              f"{_ratio(base.score.f1 if base else None, score.f1):>9}"
              f"{_ratio(base.pages_per_second if base else None, result.pages_per_second):>11}")
    if base is not None and worst:
        assert isinstance(base.score, BodyScore)
        print(f"\n{worst} worst pages (ours): id, F1, precision, recall")
        for page_id, f1, p, r in base.score.worst(worst):
            print(f"  {page_id[:16]}  {f1:.3f}  {p:.3f}  {r:.3f}")


def print_snippets(results: dict[str, Result], worst: int) -> None:
    base = results.get("scraper")
    print(f"{'tool':<24}{'precision':>10}{'recall':>8}{'F1':>8}{'missed':>8}{'kept':>6}{'empty':>7}"
          f"{'pages/s':>9}{'ours/F1':>9}{'ours/speed':>11}")
    for name, result in results.items():
        score = result.score
        assert isinstance(score, SnippetScore)
        print(f"{name:<24}{score.precision:>10.4f}{score.recall:>8.4f}{score.f1:>8.4f}{score.fn:>8}{score.fp:>6}"
              f"{len(score.empty):>7}{result.pages_per_second:>9.1f}"
              f"{_ratio(base.score.f1 if base else None, score.f1):>9}"
              f"{_ratio(base.pages_per_second if base else None, result.pages_per_second):>11}")
    if base is not None and worst:
        assert isinstance(base.score, SnippetScore)
        print(f"\n{worst} worst pages (ours): sentences missed, boilerplate kept, page")
        for key, missed, kept in base.score.worst(worst):
            print(f"  {missed} {kept}  {key}")
        if base.score.empty:
            print(f"empty bodies (ours): {', '.join(base.score.empty)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all", help="which page set (default: all)")
    parser.add_argument("--bench", type=Path, default=None, help="the bench folder (default: ../shared/bench)")
    parser.add_argument("--data", type=Path, default=None,
                        help="one set's folder (with ground-truth.json or evaldata.json); overrides --set")
    parser.add_argument("--half", choices=["tune", "check"], default=None, help="score one fixed half only")
    parser.add_argument("--worst", type=int, default=10, help="list the N worst pages of ours")
    parser.add_argument("--only", action="append", choices=list(TOOLS), help="run only these tools")
    parser.add_argument("--repeat", type=int, default=1, help="extract each page N times for timing")
    args = parser.parse_args(argv)
    bench = args.bench or bench_dir()
    if args.data is not None:
        sets = [("snippets" if (args.data / "evaldata.json").exists() else "articles", args.data)]
    else:
        sets = [(name, bench / name) for name in (SETS if args.set == "all" else (args.set,))]
    for name, folder in sets:
        runner = run_articles if name == "articles" else run_snippets
        results = runner(folder, args.only, args.repeat, args.half)
        pages = next(iter(results.values())).score.pages if results else 0
        print(f"\n== {name}: {pages} pages from {folder}" + (f" ({args.half} half)" if args.half else ""))
        (print_articles if name == "articles" else print_snippets)(results, args.worst)


if __name__ == "__main__":
    main()
