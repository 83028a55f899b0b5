"""The scores of ``shared/bench/README.md``, and the loaders of its page sets.

- ``articles/``: 4-token shingles, per-page normalised counts, precision/recall means,
  F1 from the means, exact-match accuracy (:func:`score_bodies`).
- ``snippets/``: sentences that must / must not be in the body, summed over the set
  (:func:`score_snippets`, trafilatura's own evaluation).
- ``dates/`` and ``dates-more/``: see :mod:`benchmarks.dates`.

:func:`half` splits any set in two fixed halves, ``tune`` and ``check``: rules are
worked out on the pages of one half and their effect is measured on the other.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Counts", "bench_dir", "half", "load_articles", "load_snippets", "shingles", "page_counts", "BodyScore",
           "score_bodies", "SnippetPage", "SnippetScore", "score_snippets", "read_page"]

_WORD = re.compile(r"\w+")


def bench_dir() -> Path:
    """``$SCRAPER_BENCH_DIR`` or ``<repo>/../shared/bench``."""
    env = os.environ.get("SCRAPER_BENCH_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


def half(name: str) -> str:
    """``"tune"`` or ``"check"``: a fixed split of any page set by its file name.

    Salted, so that it does not follow whatever hash chose which pages were shared.
    """
    return "tune" if hashlib.sha256(f"scraper-split:{name}".encode()).digest()[0] % 2 == 0 else "check"


def read_page(path: Path) -> bytes:
    """A saved page's bytes, gunzipped when it is gzipped."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def load_articles(data: Path | None = None, which: str | None = None) -> Iterator[tuple[str, str, bytes, str]]:
    """Yield ``(page_id, url, html_bytes, expected_body)`` for each benchmark page
    (only one :func:`half` of them when ``which`` is given)."""
    data = data or bench_dir() / "articles"
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        if which and half(page_id) != which:
            continue
        html = gzip.decompress((data / f"{page_id}.html.gz").read_bytes())
        yield page_id, truth[page_id].get("url", ""), html, truth[page_id]["articleBody"]


@dataclass
class SnippetPage:
    """One page of ``snippets/``: what must (``with``) and must not (``without``) be in its body."""

    key: str
    file: str
    url: str
    html: bytes
    with_: list[str]
    without: list[str]


def load_snippets(data: Path | None = None, which: str | None = None) -> Iterator[SnippetPage]:
    """The pages of ``snippets/`` (or one :func:`half` of them), in a stable order."""
    data = data or bench_dir() / "snippets"
    entries = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    for key in sorted(entries):
        entry = entries[key]
        if which and half(entry["file"]) != which:
            continue
        url = key.split("::", 1)[1] if key.startswith("hard::") else key
        url = url if "://" in url else ""  # keys of hand-made pages are names, not addresses
        html = read_page(data / f"{entry['file']}.gz")
        yield SnippetPage(key, entry["file"], url, html, list(entry.get("with", [])),
                          list(entry.get("without", [])))


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


def _collapse(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Counts:
    """True/false positives and negatives summed over a set, and the rates made of them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


@dataclass
class SnippetScore(Counts):
    """Sentences found / missed over a set of pages (summed, not averaged per page)."""

    empty: list[str] = field(default_factory=list)
    per_page: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return len(self.per_page)

    def add(self, page: SnippetPage, predicted: str) -> tuple[int, int, int, int]:
        """Count one page; return its (TP, FN, FP, TN)."""
        text = _collapse(predicted or "")
        tp = sum(1 for s in page.with_ if _collapse(s) in text)
        fp = sum(1 for s in page.without if _collapse(s) in text)
        counts = (tp, len(page.with_) - tp, fp, len(page.without) - fp)
        self.tp += counts[0]
        self.fn += counts[1]
        self.fp += counts[2]
        self.tn += counts[3]
        if not text:
            self.empty.append(page.key)
        self.per_page[page.key] = counts
        return counts

    def worst(self, n: int = 10) -> list[tuple[str, int, int]]:
        """The ``n`` pages with the most sentences wrong: (key, missed, boilerplate kept)."""
        rows = [(key, fn, fp) for key, (_tp, fn, fp, _tn) in self.per_page.items() if fn or fp]
        return sorted(rows, key=lambda row: (-(row[1] + row[2]), row[0]))[:n]


def score_snippets(pairs: Iterable[tuple[SnippetPage, str]]) -> SnippetScore:
    """Score ``(page, predicted body)`` pairs with trafilatura's snippet metric."""
    score = SnippetScore()
    for page, predicted in pairs:
        score.add(page, predicted)
    return score
