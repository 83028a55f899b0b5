"""``scraper crawl``: discover articles from feeds, sitemaps and section pages and archive
the new ones — incrementally, politely and safely enough to run from cron every night.

The crawl is three separable parts, so another backend (a Dask cluster, issue 8) can
reuse two of them unchanged:

* :class:`~scraper.scheduler.HostScheduler` decides which URL may be requested next:
  one request at a time per origin, a delay between requests to it, robots.txt first.
* :func:`~scraper.worker.process_task` is the work on one URL — fetch, then parse
  (feed, sitemap, robots.txt) or extract (article) — and returns a picklable
  :class:`~scraper.worker.TaskResult`.
  It never touches the archive. Locally it is split in two: :func:`fetch_task` in a
  thread (network wait) and :func:`extract_result` in a process pool (CPU work that
  holds the GIL), so both cores extract while threads wait on servers.
* :class:`Crawler` is the single writer: it applies results to the archive and the
  frontier (:mod:`scraper.frontier`) in the main thread, one transaction per page.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from . import fetching
from .archive import Archive, ArchiveError
from .errors import ExitCode, UsageError
from .feeds import (
    Entry,
    parse_date,
)
from .fetching import FetchError, check_url
from .frontier import (
    DONE,
    DUPLICATE,
    FAILED,
    MAX_TRIES,
    QUEUED,
    ROBOTS,
    CrawlLock,
    CrawlLocked,
    Frontier,
    FrontierRow,
)
from .options import (
    DEFAULT_BACKOFF,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    ExtractOptions,
    HttpOptions,
)
from .pipeline import Extracted, Page, store_page
from .pool import process_pool, start_forkserver
from .robots import MAX_CRAWL_DELAY, RobotsRules, product_token
from .rules import Rules
from .scheduler import HostScheduler
from .tasks import Kind
from .urls import normalize_url, origin_of, site_key, url_matcher
from .worker import (
    ErrorInfo,
    Task,
    TaskResult,
    WorkerSettings,
    extract_result,
    fetch_task,
    header_value,
    page_links,
    process_fetch,
    process_task,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "OPTION_NAMES",
    "ConfigError",
    "CrawlLocked",
    "CrawlOptions",
    "CrawlSummary",
    "Crawler",
    "HostScheduler",
    "SiteConfig",
    "Task",
    "TaskResult",
    "WorkerSettings",
    "build_options",
    "crawl",
    "extract_result",
    "fetch_task",
    "load_config",
    "page_links",
    "process_task",
]

log = logging.getLogger("scraper.crawl")

SKIPPED = "skipped"
GONE = (404, 410)               # a page answered so is settled at once, not tried again
MAX_SITEMAP_LEVELS = 4          # index → index → … → urlset
MAX_SITEMAPS_PER_SITE = 2000    # a sitemap trap stops here


class ConfigError(UsageError, ValueError):
    """Bad crawl options or config file (exit code 2)."""


# -- options -----------------------------------------------------------------------------

@dataclass
class SiteConfig:
    """One site's sources and rules; a config file holds several, the command line one."""

    name: str = "cli"
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    start: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    depth: int = 1
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    delay: float | None = None
    max_pages: int | None = None
    since: str | None = None

    def fingerprint(self, refresh: bool) -> str:
        """Settings that decide which entries of a source are kept: a source answered 304
        is only trusted when these are the same as when it was last read."""
        key = [self.name, self.follow, self.depth, self.include, self.exclude, self.since, refresh]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


@dataclass
class CrawlOptions:
    """Everything a crawl needs besides the archive."""

    sites: list[SiteConfig] = field(default_factory=list)
    workers: int = 4
    processes: int | None = None  # None: one per CPU when workers > 1; 0: extract in the fetching threads
    delay: float = 1.0
    max_pages: int | None = None
    max_pages_per_site: int | None = None
    refresh: bool = False
    allow_private: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF  # first retry wait when a server gives no Retry-After (doubles each time)
    rules: Rules | None = None        # site rules, as fetch, reextract and import-warc apply them

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-ready values (the run log): the rules by the file they came from."""
        data = asdict(replace(self, rules=None))
        data["rules"] = self.rules.source if self.rules is not None else None
        return data

    @property
    def http(self) -> HttpOptions:
        """The HTTP options of every request the crawl makes."""
        return HttpOptions(**{f.name: getattr(self, f.name) for f in fields(HttpOptions)})

    def extraction_processes(self) -> int:
        """How many extraction processes the run uses (0: extract in the fetching threads)."""
        if self.processes is not None:
            return max(0, self.processes)
        return 0 if self.workers <= 1 else min(self.workers, os.cpu_count() or 1)


# What each setting of a sites.toml holds: checked for the whole file before any request.
_INT, _NUMBER, _BOOL, _TEXT, _PATTERNS, _DATE = "int", "number", "bool", "text", "patterns", "date"
_KINDS = {
    _INT: "a whole number (0 or more)", _NUMBER: "a number (0 or more)", _BOOL: "true or false",
    _TEXT: "a string", _PATTERNS: "a string or a list of strings",
    _DATE: "a date (2024-05-01, an ISO time, or a string like \"2d\")",
}
_SITE_KEYS = {"name": _TEXT, "feeds": _PATTERNS, "feed": _PATTERNS, "sitemaps": _PATTERNS, "sitemap": _PATTERNS,
              "start": _PATTERNS, "urls": _PATTERNS, "follow": _PATTERNS, "depth": _INT, "include": _PATTERNS,
              "exclude": _PATTERNS, "delay": _NUMBER, "max_pages": _INT, "max_pages_per_site": _INT,
              "since": _DATE}
# The run-wide options: every CrawlOptions setting but these is one (command line, sites.toml).
_NOT_OPTIONS = ("sites", "backoff", "rules")
_GLOBAL_OPTIONS = tuple(f.name for f in fields(CrawlOptions) if f.name not in _NOT_OPTIONS)
_KIND_OF_TYPE = {"int": _INT, "int | None": _INT, "float": _NUMBER, "bool": _BOOL, "str": _TEXT}
_GLOBAL_KEYS = {**{f.name: _KIND_OF_TYPE[str(f.type)] for f in fields(CrawlOptions) if f.name not in _NOT_OPTIONS},
                # defaults for every [[site]] of the file
                "since": _DATE, "include": _PATTERNS, "exclude": _PATTERNS, "follow": _PATTERNS, "depth": _INT,
                "site": "tables"}
# Every crawl option by name, as the command line's parameters and CrawlOptions/SiteConfig call them.
OPTION_NAMES = frozenset(_GLOBAL_OPTIONS) | frozenset(f.name for f in fields(SiteConfig) if f.name != "name")


def _fits(value: Any, kind: str) -> bool:
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _TEXT:
        return isinstance(value, str)
    if kind == _PATTERNS:
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    if kind == _DATE:
        return isinstance(value, (str, date))  # datetime is a date too
    return True


def _check_types(table: Mapping[str, Any], kinds: Mapping[str, str], where: str) -> None:
    """Unknown keys and values of the wrong type are errors naming the key and where it is,
    so a typo or a quoted number never crawls the wrong thing or fails half-way."""
    unknown = set(table) - set(kinds)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
    for key, value in table.items():
        if not _fits(value, kinds[key]):
            raise ConfigError(f"{where}: {key} must be {_KINDS[kinds[key]]}, not {_toml_repr(value)}")


def _toml_repr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, default=str)


def _since(value: Any) -> str | None:
    """TOML reads an unquoted 2024-05-01 as a date: keep dates as text like the command line's."""
    return None if value is None else str(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def load_config(path: str | Path) -> tuple[dict[str, Any], list[SiteConfig]]:
    """Read a ``sites.toml``: top-level settings (any crawl option) and ``[[site]]`` tables.

    The whole file is checked before anything is crawled: unknown keys and values of the
    wrong type are errors, so a typo never silently crawls the wrong thing.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    _check_types(data, _GLOBAL_KEYS, f"config {path}")
    tables = data.pop("site", [])
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"config {path}: no [[site]] tables")
    sites = []
    for i, table in enumerate(tables, 1):
        name = table.get("name")
        where = f"config {path}, site {name if isinstance(name, str) and name else i}"
        _check_types(table, _SITE_KEYS, where)
        site = SiteConfig(
            name=str(table.get("name") or f"site{i}"),
            feeds=_as_list(table.get("feeds")) + _as_list(table.get("feed")),
            sitemaps=_as_list(table.get("sitemaps")) + _as_list(table.get("sitemap")),
            start=_as_list(table.get("start")),
            urls=_as_list(table.get("urls")),
            follow=_as_list(table.get("follow", data.get("follow"))),
            depth=int(table.get("depth", data.get("depth", 1))),
            include=_as_list(table.get("include", data.get("include"))),
            exclude=_as_list(table.get("exclude", data.get("exclude"))),
            delay=float(table["delay"]) if "delay" in table else None,
            max_pages=table.get("max_pages_per_site", table.get("max_pages")),
            since=_since(table.get("since", data.get("since"))),
        )
        sites.append(site)
    return data, sites


def build_options(*, config: str | Path | None = None, explicit: Mapping[str, Any] | None = None,
                  defaults: Mapping[str, Any] | None = None) -> CrawlOptions:
    """Merge a config file with command-line values: options given on the command line
    (``explicit``) win over the file, which wins over ``defaults``.

    Command-line sources (feed, sitemap, start, input URLs) form one more site.
    """
    explicit = dict(explicit or {})
    merged: dict[str, Any] = dict(defaults or {})
    sites: list[SiteConfig] = []
    if config:
        settings, sites = load_config(config)
        merged.update(settings)
    merged.update(explicit)
    cli_site = SiteConfig(
        feeds=list(merged.pop("feeds", []) or []), sitemaps=list(merged.pop("sitemaps", []) or []),
        start=list(merged.pop("start", []) or []), urls=list(merged.pop("urls", []) or []),
        follow=list(merged.get("follow") or []),
        depth=int(merged["depth"]) if merged.get("depth") is not None else 1,
        include=list(merged.get("include") or []), exclude=list(merged.get("exclude") or []),
        since=_since(merged.get("since")))
    for site in sites:  # what the command line says wins, for every site of the file too
        for name in ("follow", "include", "exclude", "since", "depth"):
            if explicit.get(name) not in (None, (), []):
                value = explicit[name]
                setattr(site, name, list(value) if isinstance(value, (list, tuple)) else value)
        if explicit.get("delay") is not None:
            site.delay = None
        if explicit.get("max_pages_per_site") is not None:
            site.max_pages = None
    if cli_site.feeds or cli_site.sitemaps or cli_site.start or cli_site.urls:
        sites.append(cli_site)
    if not sites:
        raise ConfigError("nothing to crawl: give --feed, --sitemap, --start, --input or --config")
    options = CrawlOptions(sites=sites)
    for name in _GLOBAL_OPTIONS:
        if merged.get(name) is not None:
            setattr(options, name, merged[name])
    _validate(options)
    return options


def _validate(options: CrawlOptions) -> None:
    if options.workers < 1:
        raise ConfigError("workers must be at least 1")
    if options.delay < 0:
        raise ConfigError("delay cannot be negative")
    names = set()
    for site in options.sites:
        if site.name in names:
            raise ConfigError(f"two sites are called {site.name!r}")
        names.add(site.name)
        where = "" if site.name == "cli" else f"site {site.name}: "  # command-line errors need no prefix
        if site.depth < 0:
            raise ConfigError(f"{where}depth cannot be negative")
        if site.since is not None and parse_date(str(site.since)) is None:
            raise ConfigError(f"{where}cannot read the date {site.since!r} "
                              "(use YYYY-MM-DD, an ISO 8601 time, or 36h / 2d / 1w)")
        for url in site.feeds + site.start + site.urls + [s for s in site.sitemaps if s != "auto"]:
            try:
                check_url(url)
            except FetchError as exc:
                raise ConfigError(f"{where}{exc.message}") from None
        if "auto" in site.sitemaps and not (site.feeds + site.start + site.urls
                                            + [s for s in site.sitemaps if s != "auto"]):
            raise ConfigError(f"{where}--sitemap auto reads robots.txt of the site's other "
                              "sources; give a --start, --feed or --input URL too")
        for patterns in (site.follow, site.include, site.exclude):
            try:
                url_matcher(patterns)
            except re.error as exc:
                raise ConfigError(f"{where}bad pattern: {exc}") from None


# -- summary -------------------------------------------------------------------------------

@dataclass
class CrawlSummary:
    """The counts of one run (``--summary-json`` writes :meth:`to_dict`).

    ``fetched`` counts article-page requests; each ends as new, updated, unchanged
    (a 304 included), duplicate, skipped or failed.
    """

    discovered: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped_robots: int = 0
    skipped_archived: int = 0
    skipped_private: int = 0
    skipped_filtered: int = 0
    skipped_old: int = 0
    skipped_other: int = 0
    moved: int = 0
    gone: int = 0
    failed: int = 0
    hosts_deferred: int = 0  # robots.txt asked for a Crawl-delay over MAX_CRAWL_DELAY
    sources_fetched: int = 0
    sources_failed: int = 0
    left_queued: int = 0
    status: str = "running"
    run_id: int | None = None
    started_at: str = ""
    finished_at: str = ""
    duration: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The counts as JSON-ready values, durations rounded to milliseconds."""
        data = asdict(self)
        data["duration"] = round(self.duration, 3)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return data

    @property
    def any_failed(self) -> bool:
        """Did any page or source fail? (exit code 1)"""
        return bool(self.failed or self.sources_failed)

    @property
    def exit_code(self) -> int:
        """130 when interrupted, 1 when a page or source failed, else 0."""
        if self.status == "interrupted":
            return ExitCode.INTERRUPTED
        return ExitCode.FAILED if self.any_failed else ExitCode.OK

    def line(self) -> str:
        """One human line for stderr."""
        parts = [f"{self.discovered} discovered", f"{self.fetched} fetched", f"{self.new} new",
                 f"{self.updated} updated", f"{self.unchanged} unchanged"]
        for label, value in (("duplicate", self.duplicates), ("skipped by robots.txt", self.skipped_robots),
                             ("already archived", self.skipped_archived),
                             ("refused (private address)", self.skipped_private),
                             ("moved to other sites", self.moved), ("gone (404/410)", self.gone),
                             (f"host{'s' if self.hosts_deferred != 1 else ''} deferred "
                              f"(Crawl-delay over {MAX_CRAWL_DELAY:g} s)", self.hosts_deferred),
                             ("left queued", self.left_queued), ("source failed", self.sources_failed)):
            if value:
                if value != 1 and label in ("duplicate", "source failed"):
                    label = label.replace("duplicate", "duplicates").replace("source ", "sources ")
                parts.append(f"{value} {label}")
        parts.append(f"{self.failed} failed")
        status = {"limit": "stopped at its page limit"}.get(self.status, self.status)
        return f"crawl {status} in {self.duration:.1f}s: " + ", ".join(parts)


# -- the crawler ---------------------------------------------------------------------------

def _say(level: int, label: str, status: int | str | None, url: str, detail: str) -> None:
    """One aligned log line per URL: what happened, the HTTP status, the URL, details."""
    log.log(level, "%-9s %-4s %s  %s", label, status or "-", url, detail)


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Site:
    """A SiteConfig with its patterns compiled and its dates read once."""

    def __init__(self, config: SiteConfig, options: CrawlOptions) -> None:
        self.config = config
        self.name = config.name
        self.follow = url_matcher(config.follow)
        self.include = url_matcher(config.include)
        self.exclude = url_matcher(config.exclude)
        self.since = parse_date(str(config.since)) if config.since else None
        self.delay = config.delay if config.delay is not None else options.delay
        self.max_pages = config.max_pages if config.max_pages is not None else options.max_pages_per_site
        self.fingerprint = config.fingerprint(options.refresh)
        self.sitemaps_seen = 0
        # how many found URLs each filter was tried on and let through (see unmatched_warnings)
        self.links_found = self.links_followed = 0
        self.urls_checked = self.urls_included = 0

    def unmatched_warnings(self) -> list[str]:
        """What to tell the user when --follow or --include let nothing through this run,
        with the likely fix: patterns are globs on the whole path, so '/news/' is that
        page alone and '/news/*' what is under it."""
        where = "" if self.name == "cli" else f"site {self.name}: "
        warnings = []
        for option, patterns, tried, passed in (("--follow", self.config.follow, self.links_found,
                                                 self.links_followed),
                                                ("--include", self.config.include, self.urls_checked,
                                                 self.urls_included)):
            if patterns and tried and not passed:
                shown = " ".join(f"'{p}'" for p in patterns)
                hints = [_glob_hint(p) for p in patterns]
                hint = " ".join(f"'{h}'" for h in hints if h)
                warnings.append(f"{where}{option} {shown} matched none of the {tried} URL{'s' if tried != 1 else ''} "
                                f"found; patterns are globs on the whole path and query"
                                + (f" (did you mean {hint}?)" if hint else ""))
        return warnings


def _glob_hint(pattern: str) -> str | None:
    """'/news/' → '/news/*', '/news' → '/news/*': what a pattern without a wildcard meant."""
    if pattern.startswith("re:") or any(c in pattern for c in "*?["):
        return None
    return pattern.rstrip("/") + "/*"


class Crawler:
    """Runs one crawl on an open archive. The calling thread is the only archive writer.

    ``stop()`` is polled: once true, no new request starts and the run ends when the
    requests in flight are written. ``progress(summary)`` is called about twice a second.

    ``executor`` plugs in another place to run the work: any ``concurrent.futures``
    Executor (a Dask ``Client.get_executor()``, say) gets whole :func:`process_task`
    calls, at most ``workers`` at a time and one per origin; it is not shut down here.
    Without it, fetching runs in a thread pool and extraction in a process pool.
    """

    def __init__(self, archive: Archive, options: CrawlOptions, *, stop: Callable[[], bool] = lambda: False,
                 progress: Callable[[CrawlSummary], None] | None = None, executor: Executor | None = None) -> None:
        _validate(options)
        self.archive = archive
        self.options = options
        self.stop = stop
        self.progress = progress
        self.frontier = Frontier(archive)
        self.sites = {s.name: _Site(s, options) for s in options.sites}
        self.scheduler = HostScheduler(options.delay)
        self.settings = WorkerSettings(options.http, ExtractOptions(rules=options.rules))
        self.agent_token = product_token(options.user_agent)
        self.robots: dict[str, RobotsRules] = {}
        self.auto_sitemaps: dict[str, set[str]] = {}  # origin -> sites that asked for --sitemap auto
        self.summary = CrawlSummary()
        self.seen: set[str] = set()          # page keys handled this run
        self.scheduled: set[str] = set()     # page keys queued in the scheduler this run
        self.sources_seen: set[str] = set()  # feed/sitemap/start keys requested this run
        self.pages_started = 0
        self.new_articles: set[int] = set()  # ids of the articles this run added
        self.pages_per_site: dict[str, int] = {}
        self.limit_hit = False
        self.executor = executor
        self.extract_inline = executor is not None or options.extraction_processes() == 0
        self.run_id: int | None = None
        self._private: dict[str, bool] = {}   # connect host -> judged private this run
        self.trusted_origins: set[str] = set()  # origins of the URLs the user gave
        self.deferred: set[str] = set()  # origins whose Crawl-delay is over MAX_CRAWL_DELAY
        self._noted_private: set[str] = set()  # hosts the seed note was given for
        # seconds summed over threads/processes: network wait for pages and for sources,
        # extraction (CPU, in the pool), archive writes and discovery (main thread)
        self._timings = {"fetch_pages": 0.0, "fetch_sources": 0.0, "extract": 0.0, "write": 0.0,
                         "discover": 0.0}

    # -- public ----------------------------------------------------------------------

    def run(self) -> CrawlSummary:
        """Crawl until the frontier is empty, a limit is reached or ``stop()`` says so."""
        started = time.monotonic()
        summary = self.summary
        summary.started_at = _now_iso()
        self.run_id = self.frontier.start_run(self.options.to_dict())
        summary.run_id = self.run_id
        processes = 0 if self.executor is not None else self.options.extraction_processes()
        if processes and "forkserver" in multiprocessing.get_all_start_methods():
            start_forkserver()  # before any thread of ours exists: see its docstring
        fetch_pool = self.executor or ThreadPoolExecutor(self.options.workers, thread_name_prefix="crawl-fetch")
        extract_pool: ProcessPoolExecutor | None = None  # started with the first page request
        fetching: dict[Future[TaskResult], Task] = {}
        extracting: dict[Future[TaskResult], tuple[Task, int]] = {}
        # Pages are written in the order their fetches ended, whatever order their extraction
        # ends in: of two pages with the same text, the one fetched first is stored (pages of
        # one host are fetched one at a time, in the order found). ``held`` keeps results
        # whose turn has not come.
        fetched = itertools.count()
        held: dict[int, TaskResult] = {}
        turn = 0
        backlog = self.options.workers + 2 * max(processes, 1)
        last_progress = 0.0
        try:
            self._seed()
            while True:
                stopping = self.stop()
                if not stopping:
                    self._dispatch(fetch_pool, fetching, backlog - len(extracting) - len(held))
                    if processes and extract_pool is None and self.pages_started:
                        extract_pool = process_pool(processes)
                if not fetching and not extracting and (stopping or self.scheduler.wake_in() is None):
                    break
                timeout = self.scheduler.wake_in()
                timeout = 0.5 if timeout is None else min(max(timeout, 0.001), 0.5)
                if fetching or extracting:
                    done, _ = wait([*fetching, *extracting], timeout=timeout, return_when=FIRST_COMPLETED)
                else:
                    time.sleep(timeout)
                    done = set()
                for future in done:
                    if future in fetching:
                        task = fetching.pop(future)
                        self.scheduler.release(task.origin)
                        result = self._outcome(future, task)
                        self._timings["fetch_pages" if task.kind is Kind.PAGE else "fetch_sources"] += \
                            result.fetch_seconds
                        if task.kind is not Kind.PAGE:
                            self._apply(result)
                            continue
                        number = next(fetched)
                        if result.needs_extraction and extract_pool is not None:
                            future = extract_pool.submit(extract_result, result, self.settings.extract)
                            extracting[future] = (task, number)
                            continue
                    else:
                        task, number = extracting.pop(future)
                        result = self._outcome(future, task)
                        if isinstance(future.exception(), BrokenProcessPool) and extract_pool is not None:
                            extract_pool.shutdown(wait=False, cancel_futures=True)
                            extract_pool = process_pool(processes)
                    held[number] = result
                    while turn in held:
                        result = held.pop(turn)
                        turn += 1
                        self._timings["extract"] += result.extract_seconds
                        self._apply(result)
                if self.progress and time.monotonic() - last_progress > 0.5:
                    last_progress = time.monotonic()
                    self._refresh_summary(started)
                    self.progress(summary)
            summary.status = "interrupted" if self.stop() else ("limit" if self.limit_hit else "finished")
            for site in self.sites.values():
                for warning in site.unmatched_warnings():
                    log.warning("%s", warning)
        except KeyboardInterrupt:
            summary.status = "interrupted"
            raise
        except BaseException:
            summary.status = "error"
            raise
        finally:
            if self.executor is None:
                fetch_pool.shutdown(wait=summary.status != "interrupted", cancel_futures=True)
            if extract_pool is not None:
                extract_pool.shutdown(wait=True, cancel_futures=True)
            self._refresh_summary(started)
            summary.finished_at = _now_iso()
            try:
                self.frontier.finish_run(self.run_id, summary.status, summary.to_dict())
            except ArchiveError:
                if summary.status not in ("error",):
                    raise
        return summary

    # -- seeding ---------------------------------------------------------------------

    def _seed(self) -> None:
        for site in self.sites.values():  # the user's own hosts, before any robots.txt is queued
            config = site.config
            for url in config.feeds + config.start + config.urls + [s for s in config.sitemaps if s != "auto"]:
                self.trusted_origins.add(origin_of(url))
        for site in self.sites.values():
            config = site.config
            seeds = [(u, Kind.FEED) for u in config.feeds] + [(u, Kind.START) for u in config.start] + \
                    [(u, Kind.SITEMAP) for u in config.sitemaps if u != "auto"]
            for url, kind in seeds:
                self._note_private_seed(url)
                self._add_source(Task(url, kind, site.name, source="seed", seed=True,
                                      follow=kind is Kind.START and config.depth > 0))
            if "auto" in config.sitemaps:
                for url in config.feeds + config.start + config.urls + [s for s in config.sitemaps if s != "auto"]:
                    origin = origin_of(url)
                    self.auto_sitemaps.setdefault(origin, set()).add(site.name)
                    self._ensure_robots(origin, site)
            if config.urls:
                for url in config.urls:
                    self._note_private_seed(url)
                self._discover([Entry(u) for u in config.urls], site, source="input", depth=0, seed=True)
        resumed = 0
        for row in self.frontier.pending():
            # rows of sites this run does not crawl stay queued for the runs that do
            if row.url in self.scheduled or row.site not in self.sites:
                continue
            task = row_task(row)
            if not self._recheck_resumed(task):
                continue
            if self.options.refresh:
                task.revisit = True
                task.etag, task.last_modified = self.frontier.validators(task.key)
            self._schedule_page(task)
            resumed += 1
        if resumed:
            log.info("resuming %d queued URL%s from earlier runs", resumed, "s" if resumed != 1 else "")

    def _recheck_resumed(self, task: Task) -> bool:
        """A URL queued by an earlier run goes through this run's address policy again (that
        run may have had --allow-private); False when it is refused now (marked skipped)."""
        kind, _, found_on = task.source.partition(":")
        if kind == "input" or not found_on:
            return True  # a URL the user gave
        if self._refuse_private(task.url, found_on):
            self.summary.skipped_private += 1
            self.frontier.mark(task.key, SKIPPED, run_id=self.run_id,
                               error=f"private-address: found on public {found_on}")
            return False
        task.public_only = self._public_only(found_on)
        return True

    def _note_private_seed(self, url: str) -> None:
        """One line per private host given as a seed (not one per URL)."""
        host = self._host(url)
        if host in self._noted_private:
            return
        self._noted_private.add(host)
        if self._is_private(url) and fetching.host_addresses(host) is not None:
            rule = "" if self.options.allow_private else \
                "; links and redirects from public sites to private addresses are still refused"
            log.warning("seed %s is on a private address (%s): crawling it because you gave it%s", url, host, rule)

    def _ensure_robots(self, origin: str, site: _Site) -> None:
        if not self.scheduler.known(origin):
            self.scheduler.set_delay(origin, site.delay)
            # robots.txt of a host the user did not give is only asked of a public address
            public_only = origin not in self.trusted_origins and self._public_only(origin + "/")
            self.scheduler.add(Task(origin + "/", Kind.ROBOTS, site.name, source="robots", public_only=public_only),
                               first=True)
        elif site.delay > self.scheduler.delay(origin) and origin not in self.robots:
            self.scheduler.set_delay(origin, site.delay)

    def _add_source(self, task: Task) -> None:
        key = f"{task.kind}:{task.key}"
        if key in self.sources_seen:
            return
        self.sources_seen.add(key)
        site = self.sites[task.site]
        self._ensure_robots(task.origin, site)
        if not self.options.refresh:
            task.etag, task.last_modified = self.frontier.source_validators(task.url, site.fingerprint)
        self.scheduler.add(task)

    def _schedule_page(self, task: Task) -> None:
        self.scheduled.add(task.key)
        site = self.sites.get(task.site) or next(iter(self.sites.values()))
        self._ensure_robots(task.origin, site)
        self.scheduler.add(task)

    # -- dispatch --------------------------------------------------------------------

    def _dispatch(self, pool: Executor, fetching: dict[Future[TaskResult], Task], room: int) -> None:
        while len(fetching) < self.options.workers and room > 0:
            task = self.scheduler.next_task()
            if task is None:
                return
            reason = self._gate(task)
            if reason is not None:
                self.scheduler.release(task.origin, requested=False)
                continue
            if task.kind is Kind.PAGE:
                self.pages_started += 1
                site = site_key(task.url)
                self.pages_per_site[site] = self.pages_per_site.get(site, 0) + 1
                room -= 1
            work = process_fetch if self.extract_inline is False else process_task
            fetching[pool.submit(work, task, self.settings)] = task

    def _gate(self, task: Task) -> str | None:
        """Why ``task`` must not be requested now (None: go ahead). Robots, the archive and
        limits are checked at the last moment, with everything known so far."""
        if task.kind is Kind.ROBOTS:
            return None
        rules = self.robots.get(task.origin)
        if rules is not None and rules.state == "unreachable":
            return "unreachable"  # stays queued in the frontier for the next run
        if task.origin in self.deferred:
            return "deferred"  # Crawl-delay over the cap: stays queued for the next run
        from_robots = task.kind is Kind.SITEMAP and task.source.startswith("robots:")
        if rules is not None and not from_robots and not rules.allowed(task.url):
            if task.kind is Kind.PAGE:
                self.summary.skipped_robots += 1
                self.frontier.mark(task.key, ROBOTS, run_id=self.run_id, error="disallowed by robots.txt")
                _say(logging.INFO, "robots", None, task.url, "disallowed by robots.txt: not fetched")
            else:
                self.summary.sources_failed += 1
                log.error("%s %s is disallowed by robots.txt: not fetched", task.kind, task.url)
            return "robots"
        if task.kind is not Kind.PAGE:
            return None
        if not task.revisit:  # stored since it was queued (a kill between store and mark, another command)
            archived = self.frontier.archived(task.key)
            if archived is not None:
                self.summary.skipped_archived += 1
                self.frontier.mark(task.key, DONE, run_id=self.run_id, article_id=archived[0])
                return "archived"
        if self.options.max_pages is not None and self.pages_started >= self.options.max_pages:
            self.limit_hit = True
            return "limit"
        site = self.sites.get(task.site)
        limit = site.max_pages if site else self.options.max_pages_per_site
        if limit is not None and self.pages_per_site.get(site_key(task.url), 0) >= limit:
            self.limit_hit = True
            return "limit"
        return None

    def _outcome(self, future: Future[TaskResult], task: Task) -> TaskResult:
        try:
            return future.result()
        except Exception as exc:  # a bug or a crashed worker must not lose the rest of the run
            log.exception("internal error on %s", task.url)
            return TaskResult(task, error=ErrorInfo("internal", f"{type(exc).__name__}: {exc}"))

    # -- applying results (the single writer) ---------------------------------------

    def _apply(self, result: TaskResult) -> None:
        kind = result.task.kind
        if kind is Kind.ROBOTS:
            self._apply_robots(result)
        elif kind is Kind.PAGE:
            t0 = time.perf_counter()
            self._apply_page(result)
            self._timings["write"] += time.perf_counter() - t0
        else:
            t0 = time.perf_counter()
            self._apply_source(result)
            self._timings["discover"] += time.perf_counter() - t0

    def _apply_robots(self, result: TaskResult) -> None:
        task = result.task
        origin = task.origin
        self.summary.sources_fetched += 1
        if result.error is not None:
            rules = RobotsRules.from_status(result.error.status, "", self.agent_token,
                                            f"{result.error.kind}: {result.error.message}")
        else:
            rules = RobotsRules.from_status(result.response.status if result.response else None,
                                            result.robots or "", self.agent_token)
        self.robots[origin] = rules
        if rules.state == "unreachable":
            self.summary.sources_failed += 1
            dropped = self.scheduler.drop(origin)
            log.error("robots.txt of %s could not be read (%s): nothing fetched from that host this run "
                      "(%d URL%s left queued)", origin, rules.reason, dropped, "s" if dropped != 1 else "")
            return
        delay = rules.crawl_delay
        if delay is not None and delay > MAX_CRAWL_DELAY:
            # one host must not hold the whole run (and every later cron run) for its delay
            self.deferred.add(origin)
            self.summary.hosts_deferred += 1
            dropped = self.scheduler.drop(origin)
            log.warning("robots.txt of %s asks for Crawl-delay %.3g s, over the %g s a crawl waits for one host: "
                        "nothing more is fetched from it this run (%d URL%s left queued)", origin, delay,
                        MAX_CRAWL_DELAY, dropped, "s" if dropped != 1 else "")
            return
        if delay is not None and delay > self.scheduler.delay(origin):
            log.info("%s asks for Crawl-delay %.3g s", origin, delay)
            self.scheduler.set_delay(origin, delay)
        for name in sorted(self.auto_sitemaps.get(origin, ())):
            site = self.sites[name]
            if not rules.sitemaps:
                log.warning("robots.txt of %s lists no Sitemap: lines (--sitemap auto found nothing)", origin)
            for url in rules.sitemaps:
                if self._refuse_private(url, origin + "/robots.txt"):
                    continue
                self._add_source(Task(url, Kind.SITEMAP, site.name, source=f"robots:{origin}",
                                      public_only=self._public_only(origin + "/robots.txt")))

    def _apply_source(self, result: TaskResult) -> None:
        task = result.task
        site = self.sites[task.site]
        self.summary.sources_fetched += 1
        response = result.response
        etag = header_value(response.headers, "etag") if response else None
        modified = header_value(response.headers, "last-modified") if response else None
        if result.error is not None:
            self.summary.sources_failed += 1
            status = result.error.status or "-"
            _say(logging.ERROR, "failed", status, task.url,
                 f"{task.kind} {result.error.kind}: {result.error.message}")
            self.frontier.record_source(task.url, task.kind, status=result.error.status,
                                        error=f"{result.error.kind}: {result.error.message}", entries=0,
                                        etag=None, last_modified=None, fingerprint=site.fingerprint)
            return
        assert response is not None
        if result.not_modified:
            _say(logging.INFO, task.kind, 304, task.url, "unchanged since the last run")
            return
        rows: list[dict[str, Any]] = []
        for problem in result.problems:  # read anyway: what was mended, which items were lost
            _say(logging.WARNING, task.kind, response.status, task.url, problem)
        if result.feeds:
            _say(logging.INFO, "feed", response.status, task.url, "announces " + ", ".join(result.feeds))
            if task.level == 0:
                for url in result.feeds:
                    if not self._refuse_private(url, task.url):
                        self._add_source(Task(url, Kind.FEED, site.name, source=f"page:{task.url}", level=1,
                                              public_only=self._public_only(task.url)))
        for child in result.sitemaps:
            if task.level + 1 >= MAX_SITEMAP_LEVELS or site.sitemaps_seen >= MAX_SITEMAPS_PER_SITE:
                log.warning("sitemap %s: not following %s (too deep or too many sitemaps)", task.url, child.url)
                continue
            if site.since and child.date and child.date < site.since:
                continue
            if self._refuse_private(child.url, task.url):
                continue
            site.sitemaps_seen += 1
            self._add_source(Task(child.url, Kind.SITEMAP, site.name, source=f"sitemap:{task.url}",
                                  level=task.level + 1, public_only=self._public_only(task.url)))
        if task.kind is Kind.START:
            entries = self._follow_links(result.links, task, site)
            rows = self._discover(entries, site, source=f"start:{task.url}", depth=1,
                                  follow=site.config.depth > 1, origin_url=task.url, write=False)
        else:
            rows = self._discover(result.entries, site, source=f"{task.kind}:{task.url}", depth=0,
                                  origin_url=task.url, write=False)
        if result.feeds or result.sitemaps or (task.kind is Kind.START and site.config.depth > 1):
            # a home page, a sitemap index or a start page whose section pages are followed
            # can stay the same while what it points to changes: never skip it on a 304,
            # read it whole and ask its children instead
            etag = modified = None
        count = len(result.entries) or len(result.links)
        _say(logging.INFO, task.kind, response.status, task.url, f"{count} entr{'y' if count == 1 else 'ies'}")
        self.frontier.record_source(task.url, task.kind, status=response.status, error=None,
                                    entries=count, etag=etag, last_modified=modified,
                                    fingerprint=site.fingerprint, discovered=rows)

    def _follow_links(self, links: Iterable[str], task: Task, site: _Site) -> list[Entry]:
        home = site_key(task.url)
        same_site = [url for url in links if site_key(url) == home]
        followed = [Entry(url) for url in same_site if site.follow is None or site.follow(url)]
        site.links_found += len(same_site)
        site.links_followed += len(followed)
        return followed

    def _apply_page(self, result: TaskResult) -> None:
        task = result.task
        summary = self.summary
        summary.fetched += 1
        key = task.key
        error = result.error
        if error is not None and error.moved_to:
            self._apply_move(task, error)
            return
        if error is not None:
            self.archive.record_attempts(task.url, error.attempts, f"{error.kind}: {error.message}")
            status = error.status or "-"
            if error.kind in ("not-html", "private-address", "empty"):
                if error.kind == "private-address":
                    summary.skipped_private += 1
                else:
                    summary.skipped_other += 1
                _say(logging.WARNING, "skipped", status, task.url, f"{error.kind}: {error.message}")
                self.frontier.mark(key, SKIPPED, run_id=self.run_id, error=f"{error.kind}: {error.message}")
                return
            if error.kind == "http" and error.status in GONE:
                # the page is not there (any more): final at once, not retried on later runs,
                # and not a failure of the run
                summary.gone += 1
                _say(logging.WARNING, "gone", status, task.url, f"{error.kind}: {error.message}")
                self.frontier.mark(key, SKIPPED, run_id=self.run_id, error=f"{error.kind}: {error.message}")
                return
            summary.failed += 1
            _say(logging.ERROR, "failed", status, task.url, f"{error.kind}: {error.message}")
            self.frontier.mark(key, FAILED, run_id=self.run_id, error=f"{error.kind}: {error.message}", tried=True)
            return
        response = result.response
        assert response is not None
        if result.not_modified:
            self.archive.record_attempts(task.url, response.attempts)
            summary.unchanged += 1
            _say(logging.INFO, "unchanged", 304, task.url, "not modified")
            self.frontier.mark(key, DONE, run_id=self.run_id)
            return
        article = result.article
        assert article is not None
        # The page that IS the canonical URL wins over copies naming it, whichever came first:
        # a copy stored before takes this page's address (one article, its id kept).
        copy = self.frontier.copy_of(key) if result.canonical is None else None
        duplicate = self.frontier.duplicate_of(key, result.canonical, result.body_hash,
                                               besides=copy[0] if copy else None)
        if duplicate is not None:
            self.archive.record_attempts(task.url, response.attempts)
            summary.duplicates += 1
            _say(logging.INFO, "duplicate", response.status, task.url, f"same article as #{duplicate}")
            self.frontier.mark(key, DUPLICATE, run_id=self.run_id, article_id=duplicate)
            return
        stored = store_page(self.archive, Page.from_response(response), Extracted(task.url, article),
                            replaces=copy[0] if copy else None)
        status = stored.status
        if copy is not None and copy[0] in self.new_articles:
            # the copy was new this run: counted now as what it is, a duplicate; this page is the new one
            summary.new -= 1
            summary.duplicates += 1
            status = "new"
        setattr(summary, status, getattr(summary, status) + 1)
        if stored.status == "new" or status == "new":
            self.new_articles.add(stored.article_id or 0)
        detail = article.title or "(no title)"
        if article.published:
            detail += f" ({article.published[:10]})"
        if not article.is_article:
            detail += " [not an article]"
        if copy is not None:
            detail += f" (replaces the copy {copy[1]}, #{copy[0]})"
        _say(logging.INFO, status, response.status, task.url, detail)
        if copy is not None:
            _say(logging.INFO, "duplicate", None, copy[1], f"same article as #{copy[0]} (its canonical URL)")
            self.frontier.mark(copy[1], DUPLICATE, run_id=self.run_id, article_id=copy[0])
        aliases = []
        final = normalize_url(response.final_url)
        if final != key:
            aliases.append((final, origin_of(final)))
        self.frontier.mark(key, DONE, run_id=self.run_id, article_id=stored.article_id, aliases=aliases)
        if task.follow and result.links:
            site = self.sites.get(task.site)
            if site is not None:
                entries = self._follow_links(result.links, task, site)
                self._discover(entries, site, source=f"link:{task.url}", depth=task.depth + 1,
                               follow=task.depth + 1 < site.config.depth, origin_url=task.url)

    def _apply_move(self, task: Task, error: ErrorInfo) -> None:
        """A page that redirects to another site: queue the target like a found link, so
        it is requested under its own host's robots.txt and delay, then archived under
        its own address. The redirecting URL is settled (not asked again next run)."""
        target = error.moved_to or ""
        self.archive.record_attempts(task.url, error.attempts)
        self.summary.moved += 1
        _say(logging.INFO, "moved", error.status or "-", task.url, f"to {target}")
        self.frontier.mark(task.key, SKIPPED, run_id=self.run_id, error=f"moved: {target}")
        site = self.sites.get(task.site)
        if site is not None:
            self._discover([Entry(target)], site, source=f"redirect:{task.url}", depth=task.depth,
                           follow=task.follow, origin_url=task.url)

    # -- discovery -------------------------------------------------------------------

    @staticmethod
    def _host(url: str) -> str:
        """The host a request for ``url`` would connect to (see :func:`fetching.connect_host`)."""
        try:
            return fetching.connect_host(url)
        except ValueError:
            return ""

    def _is_private(self, url: str) -> bool:
        """Is the host of ``url`` private (or beyond judging)? Judged once per host and run;
        every request of a URL found on a public site is checked again when it connects."""
        host = self._host(url)
        if host not in self._private:
            self._private[host] = fetching.is_private_host(host)  # looked up now: tests swap it
        return self._private[host]

    def _public_only(self, found_on: str) -> bool:
        """Must requests for what was found on ``found_on`` connect to public addresses only?"""
        return not self.options.allow_private and not self._is_private(found_on)

    def _refuse_private(self, url: str, found_on: str) -> bool:
        """True (and logged) when ``url`` points at a private address but was found on a public site."""
        if not self._public_only(found_on) or not self._is_private(url):
            return False
        _say(logging.WARNING, "refused", None, url, f"private address {self._host(url) or '(none)'} found on "
             f"public {self._host(found_on)} (use --allow-private to permit)")
        return True

    def _discover(self, entries: Iterable[Entry], site: _Site, *, source: str, depth: int, follow: bool = False,
                  origin_url: str | None = None, seed: bool = False, write: bool = True) -> list[dict[str, Any]]:
        """Decide for each found URL: skip it (filtered, old, private, archived) or queue it.
        Returns the frontier rows (written here unless ``write=False``)."""
        rows: list[dict[str, Any]] = []
        summary = self.summary
        for entry in entries:
            try:
                url = check_url(entry.url)
            except FetchError:
                summary.skipped_filtered += 1
                continue
            key = normalize_url(url)
            if key in self.seen:
                continue
            self.seen.add(key)
            if not seed and origin_url and self._refuse_private(url, origin_url):
                summary.skipped_private += 1
                continue
            if site.include is not None:
                site.urls_checked += 1
                if site.include(url):
                    site.urls_included += 1
            if (site.include is not None and not site.include(url)) or (site.exclude and site.exclude(url)):
                summary.skipped_filtered += 1
                continue
            if site.since is not None and entry.date is not None and entry.date < site.since:
                summary.skipped_old += 1
                continue
            summary.discovered += 1
            row = {"url": key, "fetch_url": url, "origin": origin_of(url), "site": site.name, "source": source,
                   "depth": depth, "follow": int(follow), "date": entry.date.isoformat() if entry.date else None,
                   "run_id": self.run_id, "state": QUEUED}
            existing = self.frontier.get(key)
            # the normalised address is the one requested: no tracking parameters sent back
            task = Task(key, Kind.PAGE, site.name, depth=depth, follow=follow, source=source, seed=seed,
                        public_only=not seed and (origin_url is None or self._public_only(origin_url))
                        and not self.options.allow_private)
            if existing is not None and not self.options.refresh and (
                    existing.state == SKIPPED or (existing.state == FAILED and existing.tries >= MAX_TRIES)):
                summary.skipped_other += 1  # not HTML, or failed on MAX_TRIES runs: --refresh tries again
                continue
            if existing is not None and existing.state in (QUEUED, FAILED, ROBOTS, SKIPPED):
                if key in self.scheduled:
                    continue
            else:
                done = existing is not None and existing.state in (DONE, DUPLICATE)
                archived = self.frontier.archived(key, url) if not done else None
                if done or archived is not None:
                    revisit = self.options.refresh or (follow and not self._is_article(key))
                    if not revisit:
                        summary.skipped_archived += 1
                        if existing is None and archived is not None:
                            rows.append({**row, "state": DONE, "article_id": archived[0]})
                        continue
                    task.revisit = True
                    task.etag, task.last_modified = self.frontier.validators(key)
            rows.append(row)
            self._schedule_page(task)
        if write and rows:
            self.frontier.add(rows)
        return rows

    def _is_article(self, key: str) -> bool:
        row = self.archive.db.conn.execute("SELECT is_article FROM articles WHERE url = ?", (key,)).fetchone()
        return bool(row[0]) if row else True

    # -- bookkeeping -----------------------------------------------------------------

    def _refresh_summary(self, started: float) -> None:
        self.summary.duration = time.monotonic() - started
        self.summary.left_queued = self.frontier.counts().get(QUEUED, 0) if self.summary.status != "running" \
            else self.scheduler.queued
        self.summary.timings = {f"{k}_s": v for k, v in self._timings.items()}


def row_task(row: FrontierRow) -> Task:
    """The task that resumes a frontier row left by an earlier run."""
    return Task(row.url, Kind.PAGE, row.site, depth=row.depth, follow=row.follow, source=row.source)


def crawl(db_path: str | Path, options: CrawlOptions, *, wait: bool = False,
          stop: Callable[[], bool] = lambda: False, progress: Callable[[CrawlSummary], None] | None = None,
          on_wait: Callable[[str], None] | None = None, executor: Executor | None = None) -> CrawlSummary:
    """Lock the archive, run one crawl, unlock. Raises :class:`CrawlLocked` when another
    crawl holds the archive (unless ``wait``), :class:`ArchiveError` for archive trouble.
    ``executor``: see :class:`Crawler`."""
    path = Path(db_path)
    if path.is_dir():
        raise ArchiveError(f"archive path is a directory: {path}")
    if not path.parent.exists():
        raise ArchiveError(f"folder does not exist: {path.parent}")
    with CrawlLock(path) as lock:
        lock.acquire(wait=wait, should_stop=stop, on_wait=on_wait)
        with Archive(path) as archive:
            return Crawler(archive, options, stop=stop, progress=progress, executor=executor).run()

