"""The article-body metric of ``shared/bench/README.md``: 4-token shingles, per-page
normalised counts, precision/recall means, F1 from the means, exact-match accuracy."""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["bench_dir", "load_articles", "shingles", "page_counts", "BodyScore", "score_bodies"]

_WORD = re.compile(r"\w+")


def bench_dir() -> Path:
    """``$SCRAPER_BENCH_DIR`` or ``<repo>/../shared/bench``."""
    env = os.environ.get("SCRAPER_BENCH_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


def load_articles(data: Path | None = None) -> Iterator[tuple[str, str, bytes, str]]:
    """Yield ``(page_id, url, html_bytes, expected_body)`` for each benchmark page."""
    data = data or bench_dir() / "articles"
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        html = gzip.decompress((data / f"{page_id}.html.gz").read_bytes())
        yield page_id, truth[page_id].get("url", ""), html, truth[page_id]["articleBody"]


def shingles(text: str, size: int = 4) -> Counter:
    tokens = _WORD.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def page_counts(expected: str, predicted: str) -> tuple[float, float, float]:
    """Normalised (TP, FP, FN) of one page."""
    truth, pred = shingles(expected), shingles(predicted)
    tp = sum(min(truth[s], pred[s]) for s in truth.keys() & pred.keys())
    fp = sum(pred.values()) - tp
    fn = sum(truth.values()) - tp
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


@dataclass
class BodyScore:
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int
    per_page: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def worst(self, n: int = 10) -> list[tuple[str, float, float, float]]:
        """The ``n`` pages with the lowest per-page F1: (id, f1, precision, recall)."""
        rows = []
        for page_id, (tp, fp, fn) in self.per_page.items():
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            rows.append((page_id, f, p, r))
        return sorted(rows, key=lambda row: row[1])[:n]


def score_bodies(pairs: Iterable[tuple[str, str, str]]) -> BodyScore:
    """Score ``(page_id, expected, predicted)`` triples."""
    precisions: list[float] = []
    recalls: list[float] = []
    exact = 0
    per_page: dict[str, tuple[float, float, float]] = {}
    for page_id, expected, predicted in pairs:
        tp, fp, fn = page_counts(expected, predicted)
        per_page[page_id] = (tp, fp, fn)
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
        if _WORD.findall(expected) == _WORD.findall(predicted or ""):
            exact += 1
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    pages = len(per_page)
    return BodyScore(p, r, f1, exact / pages if pages else 0.0, pages, per_page)
