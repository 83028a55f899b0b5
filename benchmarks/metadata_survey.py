"""Print what :func:`scraper.metadata.read_metadata` finds on each bench page.

A reading aid, not a score: there are no labels for these fields. Run from the
repository root::

    python benchmarks/metadata_survey.py [--bench DIR] [--only SUBSTRING] [--explain]

It prints one block per page (title, authors, tags, site, language, ...), then how
often each field was found and the time ``read_metadata`` took per page (JSON-LD and
meta tags parsed beforehand, as the extractor passes them in). The time is the CPU
time of the calling thread, each page timed ``--repeat`` times and the fastest kept:
on a shared machine wall-clock times mostly measure the neighbours.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scraper.metadata import Metadata, read_metadata  # noqa: E402
from scraper.parsing import parse_html  # noqa: E402
from scraper.structured import json_ld, meta_tags  # noqa: E402

FIELDS = ("title", "authors", "tags", "site_name", "language", "description", "image",
          "canonical_url")


def _pages(bench: Path) -> list[tuple[str, Path, str | None]]:
    pages: list[tuple[str, Path, str | None]] = []
    articles = bench / "articles"
    if articles.is_dir():
        truth = json.loads((articles / "ground-truth.json").read_text())
        for path in sorted(articles.glob("*.html.gz")):
            key = path.name.split(".")[0]
            pages.append((f"articles/{path.name}", path, truth.get(key, {}).get("url")))
    dates = bench / "dates"
    if dates.is_dir():
        labels = json.loads((dates / "labels.json").read_text())
        for path in sorted(dates.glob("*.gz")):
            key = path.name[:-3]
            pages.append((f"dates/{path.name}", path, labels.get(key, {}).get("url")))
    return pages


def _show(name: str, url: str | None, meta: Metadata, explain: bool) -> None:
    print(f"== {name}  {url or ''}")
    for f in FIELDS:
        value = getattr(meta, f)
        if f in ("description",) and value:
            value = value[:100] + ("…" if len(value) > 100 else "")
        why = f"   [{meta.explain.get(f)}]" if explain and meta.explain.get(f) else ""
        print(f"   {f:13} {value!r}{why}")


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=here.parent.parent / "shared" / "bench")
    parser.add_argument("--only", default=None, help="only pages whose name contains this")
    parser.add_argument("--explain", action="store_true", help="print the signal behind each field")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument("--repeat", type=int, default=3,
                        help="time each page this many times and keep the fastest (default 3)")
    args = parser.parse_args()
    bench = args.bench
    if not bench.is_dir():
        bench = Path("/work/shared/bench")
    found = dict.fromkeys(FIELDS, 0)
    times: list[float] = []
    pages = [p for p in _pages(bench) if not args.only or args.only in p[0]]
    for name, path, url in pages:
        doc = parse_html(gzip.decompress(path.read_bytes()))
        objects, meta = json_ld(doc), meta_tags(doc)
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            start = time.thread_time()
            result = read_metadata(doc, url, objects=objects, meta=meta)
            best = min(best, (time.thread_time() - start) * 1000)
        times.append(best)
        for f in FIELDS:
            if getattr(result, f):
                found[f] += 1
        if not args.quiet:
            _show(name, url, result, args.explain)
    if not pages:
        print("no pages found")
        return
    print(f"\n{len(pages)} pages; read_metadata CPU time mean {statistics.mean(times):.2f} ms, "
          f"median {statistics.median(times):.2f} ms, max {max(times):.1f} ms")
    for f in FIELDS:
        print(f"   {f:13} {found[f]:4d}  ({100 * found[f] / len(pages):.0f}%)")


if __name__ == "__main__":
    main()
