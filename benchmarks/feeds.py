"""Our feed parser beside feedparser, on feedparser's own test suite: the clauses a crawler needs.

    python -m benchmarks.feeds [--cache DIR] [--repeat N] [--show-failures]

feedparser's source distribution (the version installed, ``pip install -e '.[bench]'``)
is fetched from the package registry with ``pip download --no-deps --no-binary :all:``
into ``--cache`` (default ``$SCRAPER_BENCH_CACHE/feedparser``, else ``cache/feedparser``
beside the repository; never inside it) and its ``tests/`` folder unpacked there. Every
``.xml`` test feed is parsed by both, bytes in, no network: the feed's URL is where
feedparser's own harness serves it (``http://127.0.0.1:8097/tests/...``) and the HTTP
charset of a test's ``Header: Content-type`` line is passed as a crawl would pass it.

Scored, per directory, for both parsers, from the tests' ``Expect:`` clauses:

- **entry links**: an entry's address, the one URL a crawler would fetch for it:
  ``entries[N]['link'] == URL``; ``entries[N]['links'][K]`` with that href when that link
  is the entry's page (rel ``alternate``); ``entries[N]['id']``/``['guid'] == URL`` when
  the entry names no other address; ``not entries[N].has_key('link')`` (no address).
  Our URL is ``Entry.url``; feedparser's is ``entry.link`` (where it copies permalink ids).
  Scheme and host compare case-insensitively (RFC 3986), the rest exactly.
- **entry dates**: ``entries[N]['published'|'updated'|'created'(_parsed)] == ...``: the
  entry's date, to the second in UTC. Ours is ``Entry.date``; feedparser's is
  ``published_parsed``, else ``created_parsed``, else ``updated_parsed`` (the same order).
  Expected strings are read with the standard library (ISO 8601, RFC 2822).
- **entry count**: a clause naming ``entries[N]`` says the feed has at least N+1 entries
  (items without an address included).

Also: exceptions other than ``FeedError`` (the crawl would lose the whole feed as an
internal error), the CPU time of each parser over the whole corpus (best of ``--repeat``),
and a generated 500 KB news feed (300 items of HTML content) well-formed, with an
unclosed ``<br>`` in its third item, and in GBK. Exit code 1 when a crash remains or our
parser is less than 10 times as fast as feedparser on the corpus.
"""

from __future__ import annotations

import argparse
import ast
import email.utils
import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scraper.feeds import FeedError, read_feed
from scraper.parsing import charset_of

REPO = Path(__file__).resolve().parent.parent
FEEDPARSER_VERSION = "6.0.14"  # the bench extra's pin; the installed version wins
HARNESS = "http://127.0.0.1:8097/tests/"

_DESCRIPTION = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*?)\s*-->", re.S)
_HEADER = re.compile(r"^Header:\s+([^:]+):(.+)$", re.M)
_ENTRY = re.compile(r"entries\[(\d+)\]")
_STR = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_LINK = re.compile(r"entries\[(\d+)\](?:\['link'\]|\.link)\s*==\s*" + _STR)
_LINKS_HREF = re.compile(r"entries\[(\d+)\]\['links'\]\[(\d+)\]\['href'\]\s*==\s*" + _STR)
_LINKS_DICT = re.compile(r"entries\[(\d+)\]\['links'\]\[(\d+)\]\s*==\s*(\{[^}]*\})")
_ID = re.compile(r"entries\[(\d+)\]\['(?:id|guid)'\]\s*==\s*" + _STR)
_NO_LINK = re.compile(r"not\s+entries\[(\d+)\]\.has_key\('link'\)")
_DATE = re.compile(r"entries\[(\d+)\]\['(published|updated|created)(_parsed)?'\]\s*==\s*(\([\d,\s]+\)|" + _STR + ")")


@dataclass
class Case:
    """One test feed: its bytes, where it is served, its HTTP headers and its clause."""

    path: str        # relative to tests/
    data: bytes
    url: str
    headers: dict[str, str]
    expect: str

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else "."


@dataclass
class Check:
    """One crawler-relevant clause: which entry, and what it must carry."""

    kind: str              # link | date | count
    entry: int
    expected: Any          # URL (or None: no address), a UTC 6-tuple, or a count
    clause: str


@dataclass
class Parsed:
    """What one parser made of one feed, in common terms."""

    urls: list[str | None] = field(default_factory=list)
    dates: list[tuple[int, ...] | None] = field(default_factory=list)
    error: str | None = None      # a FeedError (or feedparser's bozo exception) — not a crash
    crash: str | None = None      # any other exception


# -- the corpus -------------------------------------------------------------------------

def default_cache() -> Path:
    env = os.environ.get("SCRAPER_BENCH_CACHE")
    return (Path(env) if env else REPO.parent / "cache") / "feedparser"


def feedparser_version() -> str:
    try:
        return importlib.metadata.version("feedparser")
    except importlib.metadata.PackageNotFoundError:
        return FEEDPARSER_VERSION


def fetch_corpus(cache: Path, version: str) -> Path:
    """feedparser's tests/ folder, downloaded (sdist) and unpacked into ``cache`` once."""
    cache = cache.resolve()
    if cache == REPO or REPO in cache.parents:
        raise SystemExit(f"the cache {cache} is inside the repository: choose another --cache")
    tests = cache / f"feedparser-{version}" / "tests"
    if tests.is_dir():
        return tests
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / f"feedparser-{version}.tar.gz"
    if not sdist.exists():
        print(f"downloading feedparser {version} (sdist) into {cache}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"feedparser=={version}", "-d", str(cache)], check=True)
    prefix = f"feedparser-{version}/tests/"
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers()
                   if m.isfile() and m.name.startswith(prefix) and ".." not in m.name.split("/")]
        tar.extractall(cache, members=members)  # only regular files under tests/, checked above
    return tests


def _readable(data: bytes) -> str:
    """The test file as text, whatever its encoding, to read its comment block."""
    for name in ("utf-8", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if "Expect:" in text:
            return text
    return data.decode("latin-1")


def load_cases(tests: Path) -> list[Case]:
    cases = []
    for path in sorted(tests.rglob("*.xml")):
        data = path.read_bytes()
        text = _readable(data)
        match = _DESCRIPTION.search(text)
        rel = path.relative_to(tests).as_posix()
        headers = {}
        if "http" in rel:  # feedparser's harness sends these headers for such files only
            headers = {k.strip().lower(): v.strip() for k, v in _HEADER.findall(text)}
        cases.append(Case(rel, data, HARNESS + rel, headers, match.group(2) if match else ""))
    return cases


# -- clauses ----------------------------------------------------------------------------

def _utc_tuple(text: str) -> tuple[int, ...] | None:
    """An expected date string read by the standard library (independent of both parsers)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).timetuple()[:6]


def checks_of(case: Case, reference: Any) -> list[Check]:
    """The crawler-relevant clauses of a test. ``reference`` (feedparser's result) only
    decides relevance: whether a link in ``links`` is the entry's page, whether an id is
    the entry's only address."""
    expect = case.expect
    checks: list[Check] = []

    def fp_entry(n: int) -> dict[str, Any]:
        entries = reference.get("entries", []) if reference is not None else []
        return entries[n] if n < len(entries) else {}

    for m in _LINK.finditer(expect):
        checks.append(Check("link", int(m.group(1)), ast.literal_eval(m.group(2)), m.group(0)))
    for m in _LINKS_HREF.finditer(expect):
        n, k = int(m.group(1)), int(m.group(2))
        links = fp_entry(n).get("links", [])
        if k >= len(links) or links[k].get("rel", "alternate") == "alternate":
            checks.append(Check("link", n, ast.literal_eval(m.group(3)), m.group(0)))
    for m in _LINKS_DICT.finditer(expect):
        value = ast.literal_eval(m.group(3))
        if value.get("rel", "alternate") == "alternate" and "href" in value:
            checks.append(Check("link", int(m.group(1)), value["href"], m.group(0)))
    for m in _ID.finditer(expect):
        n, value = int(m.group(1)), ast.literal_eval(m.group(2))
        link = fp_entry(n).get("link")
        if re.match(r"https?://", value, re.I) and (not link or link == value):
            checks.append(Check("link", n, value, m.group(0)))
    for m in _NO_LINK.finditer(expect):
        checks.append(Check("link", int(m.group(1)), None, m.group(0)))
    for m in _DATE.finditer(expect):
        raw = ast.literal_eval(m.group(4))
        expected = tuple(raw[:6]) if isinstance(raw, tuple) else _utc_tuple(raw)
        if expected is not None:
            checks.append(Check("date", int(m.group(1)), expected, m.group(0)))
    entries = [int(n) for n in _ENTRY.findall(expect)]
    if entries:
        checks.append(Check("count", max(entries) + 1, max(entries) + 1, f"entries[{max(entries)}] exists"))
    return checks


def _same_url(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    pa, pb = urlsplit(a), urlsplit(b)
    return urlunsplit((pa.scheme.lower(), pa.netloc.lower(), pa.path, pa.query, pa.fragment)) == \
        urlunsplit((pb.scheme.lower(), pb.netloc.lower(), pb.path, pb.query, pb.fragment))


def passes(check: Check, parsed: Parsed) -> bool:
    if check.kind == "count":
        return len(parsed.urls) >= check.expected
    if check.entry >= len(parsed.urls):
        return False
    if check.kind == "link":
        return _same_url(parsed.urls[check.entry], check.expected)
    return parsed.dates[check.entry] == check.expected


# -- the two parsers --------------------------------------------------------------------

def run_ours(case: Case) -> Parsed:
    result = Parsed()
    try:
        feed = read_feed(case.data, case.url, charset=charset_of(case.headers))
    except FeedError as exc:
        result.error = f"{exc.kind}: {exc.message}"
        return result
    except Exception as exc:  # counted: the crawl would lose this feed as an internal error
        result.crash = f"{type(exc).__name__}: {exc}"
        return result
    for item in feed.items:
        result.urls.append(item.url or None)
        result.dates.append(item.date.astimezone(timezone.utc).timetuple()[:6] if item.date else None)
    return result


def feedparser_headers(case: Case) -> dict[str, str]:
    """The headers feedparser's harness would send, Content-Location made absolute against
    the feed's URL as an HTTP client does."""
    from urllib.parse import urljoin

    headers = {"content-location": case.url, **case.headers}
    headers["content-location"] = urljoin(case.url, headers["content-location"])
    return headers


def feedparser_raw(case: Case) -> Any:
    import feedparser

    return feedparser.parse(case.data, response_headers=feedparser_headers(case))


def run_feedparser(case: Case, raw: Any = None) -> tuple[Parsed, Any]:
    result = Parsed()
    try:
        raw = raw if raw is not None else feedparser_raw(case)
    except Exception as exc:
        result.crash = f"{type(exc).__name__}: {exc}"
        return result, None
    for entry in raw.get("entries", []):
        result.urls.append(entry.get("link") or None)  # an id that is a permalink is copied there
        stamp = entry.get("published_parsed") or entry.get("created_parsed") or entry.get("updated_parsed")
        result.dates.append(tuple(stamp[:6]) if stamp else None)
    if raw.get("bozo") and not raw.get("entries"):
        result.error = f"bozo: {raw.get('bozo_exception')!r}"[:200]
    return result, raw


# -- timing -----------------------------------------------------------------------------

def best_times(ours: Callable[[], object], theirs: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best CPU time of each of two functions over ``repeat`` interleaved runs: on a
    machine shared with other jobs, both see the same conditions, and CPU time does not
    count the time other processes held the core."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, fn in enumerate((ours, theirs)):
            start = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - start)
    return best[0], best[1]


def news_feed(items: int = 300, broken: bool = False, encoding: str = "utf-8") -> bytes:
    """A large RSS 2.0 news feed: ``items`` stories with escaped HTML in content:encoded."""
    parts = []
    para = ("&lt;p&gt;The council met on Tuesday to discuss the harbour works, the ferry timetable "
            "and the new berth, which the port authority said would open next month.&lt;/p&gt;") * 8
    for i in range(items):
        raw = "<br>" if broken and i == 2 else ""
        parts.append(
            f"<item><title>Story {i}: the harbour works &amp; the ferry 港口</title>"
            f"<link>https://news.example/2024/05/{i:04d}/harbour-story?id={i}&amp;lang=en</link>"
            f"<guid isPermaLink=\"false\">news-{i}</guid><pubDate>Mon, 06 May 2024 08:{i % 60:02d}:00 +0200</pubDate>"
            f"<dc:creator>A. Reporter</dc:creator><category>Harbour</category>"
            f"<description>Short summary {i}{raw}</description><content:encoded>{para}</content:encoded></item>")
    declaration = "gbk" if encoding != "utf-8" else "utf-8"
    doc = (f'<?xml version="1.0" encoding="{declaration}"?><rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
           "<channel><title>News</title><link>https://news.example/</link>" + "".join(parts) + "</channel></rss>")
    return doc.encode(encoding)


# -- report -----------------------------------------------------------------------------

@dataclass
class Tally:
    files: int = 0
    ours: dict[str, int] = field(default_factory=lambda: {"link": 0, "date": 0, "count": 0, "crash": 0})
    theirs: dict[str, int] = field(default_factory=lambda: {"link": 0, "date": 0, "count": 0, "crash": 0})
    total: dict[str, int] = field(default_factory=lambda: {"link": 0, "date": 0, "count": 0})

    def add(self, other: Tally) -> None:
        self.files += other.files
        for key in self.ours:
            self.ours[key] += other.ours[key]
            self.theirs[key] += other.theirs[key]
        for key in self.total:
            self.total[key] += other.total[key]


def _cell(ours: int, theirs: int, total: int) -> str:
    return f"{ours:>3}/{total:<3} {theirs:>3}/{total:<3}" if total else f"{'':>7} {'':>7}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="where the sdist is kept (outside the repository)")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs; the best counts")
    parser.add_argument("--show-failures", action="store_true", help="every clause either parser misses")
    args = parser.parse_args(argv)
    try:
        import feedparser
    except ImportError:
        print("feedparser is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    version = feedparser_version()
    tests = fetch_corpus(args.cache or default_cache(), version)
    cases = load_cases(tests)
    print(f"feedparser {version}: {len(cases)} test feeds from {tests}\n")

    by_folder: dict[str, Tally] = {}
    misses: list[str] = []
    crashes: list[str] = []
    for case in cases:
        theirs, raw = run_feedparser(case)
        ours = run_ours(case)
        tally = by_folder.setdefault(case.folder, Tally())
        tally.files += 1
        if ours.crash:
            tally.ours["crash"] += 1
            crashes.append(f"  scraper     {case.path}: {ours.crash}")
        if theirs.crash:
            tally.theirs["crash"] += 1
            crashes.append(f"  feedparser  {case.path}: {theirs.crash}")
        for check in checks_of(case, raw):
            tally.total[check.kind] += 1
            mine, other = passes(check, ours), passes(check, theirs)
            tally.ours[check.kind] += mine
            tally.theirs[check.kind] += other
            if not mine or (args.show_failures and not other):
                got = ours.error or ours.crash or (
                    ours.urls[check.entry] if check.kind == "link" and check.entry < len(ours.urls) else
                    ours.dates[check.entry] if check.kind == "date" and check.entry < len(ours.dates) else
                    f"{len(ours.urls)} entries")
                who = "scraper" if not mine else "feedparser"
                if not mine and not other:
                    who = "both"
                misses.append(f"  {who:<10} {check.kind:<5} {case.path}: {check.clause}  (scraper: {got})")

    header = f"{'directory':<26} {'files':>5}  {'entry links':^15}  {'entry dates':^15}  {'entry count':^15}  {'crashes':^9}"
    print(header)
    print(f"{'':<26} {'':>5}  {'ours':>7} {'fp':>7}  {'ours':>7} {'fp':>7}  {'ours':>7} {'fp':>7}  {'ours':>4} {'fp':>4}")
    total = Tally()
    for folder in sorted(by_folder):
        tally = by_folder[folder]
        total.add(tally)
        print(f"{folder:<26} {tally.files:>5}  " + "  ".join(
            _cell(tally.ours[k], tally.theirs[k], tally.total[k]) for k in ("link", "date", "count"))
            + f"  {tally.ours['crash']:>4} {tally.theirs['crash']:>4}")
    print(f"{'all':<26} {total.files:>5}  " + "  ".join(
        _cell(total.ours[k], total.theirs[k], total.total[k]) for k in ("link", "date", "count"))
        + f"  {total.ours['crash']:>4} {total.theirs['crash']:>4}")
    print("\n(fp = feedparser; crashes = exceptions other than FeedError, for feedparser any exception)")
    if misses:
        print(f"\nclauses missed ({len(misses)}):")
        print("\n".join(misses))
    if crashes:
        print("\ncrashes:")
        print("\n".join(crashes))

    def corpus_ours() -> None:
        for case in cases:
            try:
                read_feed(case.data, case.url, charset=charset_of(case.headers))
            except FeedError:
                pass

    def corpus_theirs() -> None:
        for case in cases:
            feedparser.parse(case.data, response_headers=feedparser_headers(case))

    ours_s, theirs_s = best_times(corpus_ours, corpus_theirs, args.repeat)
    print(f"\nspeed (CPU time, best of {args.repeat} interleaved runs):")
    print(f"  {'whole corpus':<40} scraper {ours_s * 1000:9.1f} ms   feedparser {theirs_s * 1000:9.1f} ms   "
          f"x{theirs_s / ours_s:.1f}")
    for label, data in (("news feed, well-formed UTF-8", news_feed()),
                        ("news feed, unclosed <br> in item 3", news_feed(broken=True)),
                        ("news feed, GBK", news_feed(encoding="gbk"))):
        feed = read_feed(data, "https://news.example/feed")
        fp = feedparser.parse(data)
        label = f"{label} ({len(data) // 1024} KB)"
        ours_one, theirs_one = best_times(lambda d=data: read_feed(d, "https://news.example/feed"),  # type: ignore[misc]
                                          lambda d=data: feedparser.parse(d), args.repeat)  # type: ignore[misc]
        print(f"  {label:<40} scraper {ours_one * 1000:9.1f} ms   feedparser {theirs_one * 1000:9.1f} ms   "
              f"x{theirs_one / ours_one:.1f}   entries {len(feed.entries)} / {len(fp.entries)}")
    crashes_ok = total.ours["crash"] == 0
    speed_ok = theirs_s >= 10 * ours_s
    print(f"\nnon-FeedError exceptions: {total.ours['crash']} (must be 0): {'ok' if crashes_ok else 'FAILED'}")
    print(f"corpus speed: x{theirs_s / ours_s:.1f} feedparser's (must be >= 10): {'ok' if speed_ok else 'FAILED'}")
    return 0 if crashes_ok and speed_ok else 1


if __name__ == "__main__":
    sys.exit(main())
