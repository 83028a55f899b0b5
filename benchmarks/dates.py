"""Score the publication-date extractor (and htmldate, when installed) on the bench pages.

    python -m benchmarks.dates [--set dates|dates-more|all] [--half tune|check]
                               [--data PATH] [--show-errors] [--now YYYY-MM-DD]

Sets: ``dates/`` (200 news pages, mostly 2020) and ``dates-more/`` (394 pages: news,
institutional pages, blogs, web-archive copies), both under ``$SCRAPER_BENCH_DIR`` or
``<repo>/../shared/bench``; ``--data`` scores any folder with a ``labels.json``.
Scoring follows ``bench/README.md``: a day is the unit; a page labelled null is right
only when nothing is returned. Speed is measured from the page bytes, parsing included.
``now`` is fixed (default 2024-01-01, after the newest pages) so that results do not
depend on the day of the run. ``--half`` scores one fixed half of each set
(:func:`benchmarks.scoring.half`): rules are tuned on one half and checked on the other.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from benchmarks.scoring import Counts, bench_dir, half
from scraper.dates import find_dates
from scraper.parsing import parse_html

# A fixed "now" after the data (2006-2023) so that results do not depend on the run day.
BENCH_NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
SETS = ("dates", "dates-more")


def default_data_dir(name: str = "dates") -> Path:
    """Where a set of date pages lives: ``$SCRAPER_BENCH_DIR/<name>`` or ``../shared/bench/<name>``."""
    return bench_dir() / name


@dataclass
class Page:
    file: str
    url: str
    expected: str | None
    data: bytes


@dataclass
class Score(Counts):
    """Counts and rates for one extractor over one page set (one count per page)."""

    seconds: float = 0.0
    errors: list[tuple[str, str, str | None, str | None, str | None]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.pages if self.pages else 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def add(self, expected: str | None, got: str | None) -> bool:
        """Count one page; True when the answer is right. Only the leading day is compared."""
        day = got[:10] if got else None
        if expected is None:
            if day is None:
                self.tn += 1
                return True
            self.fp += 1
            return False
        if day is None:
            self.fn += 1
            return False
        if day == expected:
            self.tp += 1
            return True
        self.fp += 1
        return False


def load_pages(data_dir: Path, which: str | None = None) -> list[Page]:
    """The labelled pages, as raw bytes, in a stable order (one :func:`half` when ``which``)."""
    labels = json.loads((data_dir / "labels.json").read_text(encoding="utf-8"))
    pages = []
    for name in sorted(labels):
        if which and half(name) != which:
            continue
        entry = labels[name]
        with gzip.open(data_dir / f"{name}.gz", "rb") as handle:
            data = handle.read()
        pages.append(Page(name, entry.get("url") or "", entry.get("date"), data))
    return pages


def ours_at(now: datetime) -> Callable[[Page], tuple[str | None, str | None]]:
    """Our extractor with a given ``now``: page bytes -> (published, source)."""

    def run(page: Page) -> tuple[str | None, str | None]:
        doc = parse_html(page.data)
        found = find_dates(doc, page.url or None, now=now)
        return found.published, found.published_source

    return run


ours = ours_at(BENCH_NOW)


def score_pages(pages: list[Page], extract: Callable[[Page], tuple[str | None, str | None]]) -> Score:
    """Run ``extract`` on every page and score it per the bench README."""
    score = Score()
    for page in pages:
        start = time.perf_counter()
        got, source = extract(page)
        score.seconds += time.perf_counter() - start
        if not score.add(page.expected, got):
            score.errors.append((page.file, page.url, page.expected, got, source))
    return score


def score_ours(data_dir: Path | None = None) -> Score:
    """Our extractor over a set of date pages (the CI quality gates call this)."""
    return score_pages(load_pages(data_dir or default_data_dir()), ours)


def htmldate_extractor() -> Callable[[Page], tuple[str | None, str | None]] | None:
    """htmldate's ``find_date`` as a comparison point, or None when not installed."""
    try:
        from htmldate import find_date
    except ImportError:
        return None

    def run(page: Page) -> tuple[str | None, str | None]:
        try:
            got = find_date(page.data, extensive_search=True, original_date=True, url=page.url)
        except Exception:  # a crash counts as no answer, as it would for a user
            got = None
        return got, "htmldate"

    return run


def _line(name: str, s: Score) -> str:
    return (f"{name:<9} precision {s.precision:.3f}  recall {s.recall:.3f}  "
            f"accuracy {s.accuracy:.3f}  F1 {s.f1:.3f}  "
            f"({s.tp} TP, {s.fp} FP, {s.fn} FN, {s.tn} TN)  {s.pages_per_second:7.1f} pages/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all", help="which page set (default: all)")
    parser.add_argument("--data", type=Path, default=None,
                        help="any folder with labels.json and pages (overrides --set)")
    parser.add_argument("--half", choices=["tune", "check"], default=None, help="score one fixed half only")
    parser.add_argument("--show-errors", action="store_true", help="list the pages we get wrong")
    parser.add_argument("--now", type=date.fromisoformat, default=BENCH_NOW.date(),
                        help="the fixed 'today' for plausibility and relative dates")
    args = parser.parse_args(argv)
    now = datetime(args.now.year, args.now.month, args.now.day, tzinfo=timezone.utc)
    folders = [args.data] if args.data else [default_data_dir(name)
                                             for name in (SETS if args.set == "all" else (args.set,))]
    other = htmldate_extractor()
    if other is None:
        print("htmldate not installed: no comparison (pip install -e '.[bench]')")
    for data_dir in folders:
        if not (data_dir / "labels.json").exists():
            print(f"no benchmark data at {data_dir}", file=sys.stderr)
            return 2
        pages = load_pages(data_dir, args.half)
        print(f"\n== {data_dir.name}: {len(pages)} pages from {data_dir}" + (f" ({args.half} half)" if args.half else ""))
        mine = score_pages(pages, ours_at(now))
        print(_line("scraper", mine))
        if other is not None:
            theirs = score_pages(pages, other)
            print(_line("htmldate", theirs))
            acc_ratio = mine.accuracy / theirs.accuracy if theirs.accuracy else float("inf")
            speed_ratio = (mine.pages_per_second / theirs.pages_per_second
                           if theirs.pages_per_second else float("inf"))
            print(f"ratios    accuracy x{acc_ratio:.3f}  pages/s x{speed_ratio:.2f} (scraper / htmldate)")
        if args.show_errors:
            print(f"\n{len(mine.errors)} wrong pages:")
            for file, url, expected, got, source in mine.errors:
                print(f"  {file}  expected {expected}  got {got}  [{source}]\n      {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
