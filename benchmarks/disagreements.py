"""Where our extractor and the peer tools disagree most, on any folder of saved pages.

    python -m benchmarks.disagreements FOLDER [FOLDER...] [--show 5] [--jobs 2] [--json FILE]

Each page (``*.html``, ``*.htm``, ``*.gz``; gzipped or not) goes through our extractor,
trafilatura (body) and htmldate (publication date). A page's address is read from the
folder's ``labels.json``, ``ground-truth.json`` or ``evaldata.json`` when there is one
(no address otherwise). No answers are needed: this finds the pages worth a look, not
who is right. It counts, and lists with both outputs, the pages where

- one body is empty and the other is not (``ours-empty``, ``theirs-empty``);
- our body is under half (``ours-shorter``) or over twice (``ours-longer``) theirs, when
  the longer one has at least ``MIN_COMPARED_CHARS`` characters;
- the publication days differ (``date-differs``) or only one tool has one
  (``ours-no-date``, ``theirs-no-date``).

Run it before and after a change to the extractor: the counts are the figures to compare.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.scoring import read_page

# Bodies shorter than this on both sides are not compared by length: a few words more
# or less on a stub page say nothing.
MIN_COMPARED_CHARS = 200
LENGTH_RATIO_LOW = 0.5
LENGTH_RATIO_HIGH = 2.0
KINDS = ("ours-empty", "theirs-empty", "ours-shorter", "ours-longer", "date-differs", "ours-no-date",
         "theirs-no-date")


@dataclass
class Outcome:
    """Both tools' answers for one page, and the disagreements found."""

    page: str
    url: str
    ours_body: str = ""
    theirs_body: str = ""
    ours_date: str | None = None
    theirs_date: str | None = None
    kinds: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ratio(self) -> float:
        return len(self.ours_body) / len(self.theirs_body) if self.theirs_body else float("inf")


def page_urls(folder: Path) -> dict[str, str]:
    """File name → address, from whichever answer file the folder has."""
    urls: dict[str, str] = {}
    labels = folder / "labels.json"
    if labels.exists():
        for name, entry in json.loads(labels.read_text(encoding="utf-8")).items():
            urls[f"{name}.gz"] = entry.get("url") or ""
    truth = folder / "ground-truth.json"
    if truth.exists():
        for name, entry in json.loads(truth.read_text(encoding="utf-8")).items():
            urls[f"{name}.html.gz"] = entry.get("url") or ""
    evaldata = folder / "evaldata.json"
    if evaldata.exists():
        for key, entry in json.loads(evaldata.read_text(encoding="utf-8")).items():
            url = key.split("::", 1)[-1]
            urls[f"{entry['file']}.gz"] = url if "://" in url else ""
    return urls


def pages_in(folder: Path) -> list[tuple[Path, str]]:
    """The saved pages of ``folder`` with their addresses, in a stable order."""
    urls = page_urls(folder)
    return [(path, urls.get(path.name, "")) for path in sorted(folder.iterdir())
            if path.is_file() and path.name.endswith((".html", ".htm", ".gz"))]


def compare(item: tuple[Path, str]) -> Outcome:
    """Run every tool on one page and name the disagreements."""
    import trafilatura
    from htmldate import find_date

    from scraper.extraction import extract

    path, url = item
    outcome = Outcome(str(path), url)
    html = read_page(path)
    try:
        article = extract(html, url or None)
        outcome.ours_body, outcome.ours_date = article.body, (article.published or "")[:10] or None
    except Exception as exc:  # a crash is the worst disagreement: report it, go on
        outcome.error = f"{type(exc).__name__}: {exc}"
    try:
        outcome.theirs_body = trafilatura.extract(html, url=url or None, include_comments=False) or ""
    except Exception:
        outcome.theirs_body = ""
    try:
        outcome.theirs_date = find_date(html, url=url or None, extensive_search=True, original_date=True)
    except Exception:
        outcome.theirs_date = None
    outcome.kinds = kinds_of(outcome)
    return outcome


def kinds_of(o: Outcome) -> list[str]:
    kinds = []
    ours, theirs = len(o.ours_body.strip()), len(o.theirs_body.strip())
    if not ours and theirs:
        kinds.append("ours-empty")
    elif ours and not theirs:
        kinds.append("theirs-empty")
    elif max(ours, theirs) >= MIN_COMPARED_CHARS:
        if ours < LENGTH_RATIO_LOW * theirs:
            kinds.append("ours-shorter")
        elif ours > LENGTH_RATIO_HIGH * theirs:
            kinds.append("ours-longer")
    if o.ours_date and o.theirs_date and o.ours_date != o.theirs_date:
        kinds.append("date-differs")
    elif o.theirs_date and not o.ours_date:
        kinds.append("ours-no-date")
    elif o.ours_date and not o.theirs_date:
        kinds.append("theirs-no-date")
    return kinds


def _excerpt(text: str, size: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[:size] + "…"


def report(outcomes: list[Outcome], show: int) -> Counter:
    counts: Counter = Counter(kind for o in outcomes for kind in o.kinds)
    errors = [o for o in outcomes if o.error]
    print(f"{len(outcomes)} pages; disagreements by kind:")
    for kind in KINDS:
        print(f"  {kind:<15}{counts[kind]:>6}")
    print(f"  {'ours-crashed':<15}{len(errors):>6}")
    for kind in KINDS:
        found = [o for o in outcomes if kind in o.kinds]
        if not found or not show:
            continue
        if kind == "ours-shorter":
            found.sort(key=lambda o: o.ratio)
        elif kind == "ours-longer":
            found.sort(key=lambda o: -o.ratio)
        else:
            found.sort(key=lambda o: -len(o.theirs_body))
        print(f"\n== {kind} ({len(found)}), first {min(show, len(found))}:")
        for o in found[:show]:
            print(f"- {o.page}\n  {o.url or '(no address)'}")
            if kind.startswith(("date", "ours-no", "theirs-no")):
                print(f"  ours {o.ours_date}   htmldate {o.theirs_date}")
            else:
                print(f"  ours ({len(o.ours_body)} chars): {_excerpt(o.ours_body)}")
                print(f"  trafilatura ({len(o.theirs_body)} chars): {_excerpt(o.theirs_body)}")
    for o in errors[:show]:
        print(f"\ncrashed: {o.page}: {o.error}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of saved pages")
    parser.add_argument("--show", type=int, default=5, help="pages listed per kind (default 5)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="write every outcome to this JSON file")
    args = parser.parse_args(argv)
    try:
        import htmldate  # noqa: F401
        import trafilatura  # noqa: F401
    except ImportError:
        print("needs trafilatura and htmldate: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    items = [item for folder in args.folders for item in pages_in(folder)]
    if not items:
        print("no pages found", file=sys.stderr)
        return 2
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        outcomes = list(pool.map(compare, items, chunksize=8))
    report(outcomes, args.show)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
