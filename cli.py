"""The ``scraper`` command line: options in, library calls, output out.

Exit codes (also in README):
  0  everything asked for succeeded
  1  some pages failed (each is reported on stderr and logged in the archive)
  2  usage error: bad option, invalid URL, unsupported scheme, missing file
  3  archive error: cannot open, read or write the archive file
  4  another crawl is already running on this archive
  130 interrupted (Ctrl-C or SIGTERM) after finishing the page in progress
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from scraper import __version__
from scraper.archive import Archive, ArchiveError
from scraper.crawl import ConfigError, CrawlLocked, build_options, crawl
from scraper.export import ALL_FIELDS, DEFAULT_FIELDS, FORMATS, write_export
from scraper.extraction import render_body
from scraper.fetching import DEFAULT_USER_AGENT, Fetcher, FetchError, check_url
from scraper.pipeline import Outcome, archive_file, archive_url

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ARCHIVE = 3
EXIT_LOCKED = 4
EXIT_INTERRUPTED = 130

BODY_FORMATS = ("text", "markdown", "html")


class Stop:
    """Set by SIGINT/SIGTERM so a long run ends after the page in progress, not inside it."""

    requested = False

    @classmethod
    def install(cls) -> None:
        def handler(signum: int, frame: Any) -> None:
            if cls.requested:  # a second Ctrl-C means now
                raise KeyboardInterrupt
            cls.requested = True
            click.echo("stopping after the page in progress (press Ctrl-C again to abort)", err=True)

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)


def fail(message: str, code: int) -> click.exceptions.Exit:
    """Print a one-line error and return the Exit to raise."""
    click.echo(f"Error: {message}", err=True)
    return click.exceptions.Exit(code)


def open_archive(path: str, *, readonly: bool = False) -> Archive:
    try:
        return Archive(path, readonly=readonly)
    except ArchiveError as exc:
        raise fail(str(exc), EXIT_ARCHIVE) from None


db_option = click.option(
    "--db", "db_path", default="archive.db", envvar="SCRAPER_DB", show_default=True,
    type=click.Path(dir_okay=False), help="Archive file (env SCRAPER_DB).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scraper")
def cli() -> None:
    """Fetch articles, keep only the article, archive them in SQLite.

    \b
    Example:
      scraper fetch https://example.com/news/story.html
      scraper list
      scraper export --format csv -o articles.csv
    """


# -- fetch ---------------------------------------------------------------------------

def _read_lines(stream: IO[str]) -> Iterator[str]:
    for line in stream:
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _looks_like_path(arg: str) -> bool:
    return "://" not in arg and (arg.lower().endswith((".html", ".htm", ".xhtml")) or os.sep in arg
                                 or Path(arg).exists())


def report(outcome: Outcome, quiet: bool = False) -> None:
    """One line per URL on stderr: status, HTTP code, URL, title and date (or the error)."""
    if outcome.ok:
        if quiet:
            return
        detail = outcome.title or "(no title)"
        if outcome.published:
            detail += f" ({outcome.published[:10]})"
        if not outcome.is_article:
            detail += " [not an article]"
        code = outcome.http_status or "-"
        click.echo(f"{outcome.status:<12} {code:<4} {outcome.url}  {detail}", err=True)
    else:
        code = outcome.http_status or "-"
        click.echo(f"{'failed':<12} {code:<4} {outcome.url}  {outcome.error_kind}: {outcome.error}", err=True)


def summarize(outcomes: list[Outcome]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    parts = [f"{counts.get(name, 0)} {name}" for name in ("new", "updated", "unchanged", "not-modified", "failed")
             if counts.get(name) or name in ("new", "failed")]
    return f"{len(outcomes)} URL{'s' if len(outcomes) != 1 else ''}: " + ", ".join(parts)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-i", "--input", "input_file", type=click.File("r", encoding="utf-8"),
              help="Read URLs from FILE, one per line ('-' for stdin).")
@click.option("--url", "original_url", help="Original address of a local .html file given as TARGET.")
@click.option("--user-agent", default=DEFAULT_USER_AGENT, show_default=True, help="User-Agent header.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Read timeout per request, in seconds.")
@click.option("--max-bytes", default=10 * 1024 * 1024, show_default=True, type=click.IntRange(min=1024),
              help="Largest page body to read.")
@click.option("--retries", default=2, show_default=True, type=click.IntRange(min=0),
              help="Retries on 429/5xx and connection errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures.")
@db_option
def fetch(targets: tuple[str, ...], input_file: IO[str] | None, original_url: str | None, user_agent: str,
          timeout: float, max_bytes: int, retries: int, quiet: bool, db_path: str) -> None:
    """Fetch pages, extract their articles and store them in the archive.

    TARGETS are URLs, or one saved .html file with --url giving its address.
    Re-fetching a URL updates its article in place.

    \b
    Examples:
      scraper fetch https://example.com/news/story.html
      scraper fetch --input urls.txt
      scraper fetch saved/story.html --url https://example.com/news/story.html
    """
    items = list(targets)
    if input_file is not None:
        items.extend(_read_lines(input_file))
    if not items:
        raise fail("nothing to fetch: give URLs, a file, or --input FILE", EXIT_USAGE)
    files = [t for t in items if _looks_like_path(t)]
    urls = [t for t in items if t not in files]
    if files:
        missing = [f for f in files if not Path(f).is_file()]
        if missing:
            raise fail(f"no such file: {missing[0]}", EXIT_USAGE)
        if original_url is None:
            raise fail(f"give the original address of {files[0]} with --url", EXIT_USAGE)
        if len(files) > 1:
            raise fail("--url applies to one file; archive files one at a time", EXIT_USAGE)
    elif original_url is not None:
        raise fail("--url is for a local .html file; give the file as TARGET", EXIT_USAGE)
    from_args = set(targets)
    checked = []
    for url in urls:
        try:
            checked.append(check_url(url))
        except FetchError as exc:
            if url in from_args:
                raise fail(exc.message, EXIT_USAGE) from None
            checked.append(url)  # a bad line in an input file fails on its own
    if original_url is not None:
        try:
            check_url(original_url)
        except FetchError as exc:
            raise fail(f"--url: {exc.message}", EXIT_USAGE) from None

    archive = open_archive(db_path)
    Stop.install()
    outcomes: list[Outcome] = []
    try:
        with archive, Fetcher(user_agent=user_agent, read_timeout=timeout, max_bytes=max_bytes,
                              retries=retries, allow_private=True) as fetcher:
            for path in files:
                outcome = archive_file(path, original_url or "", archive)
                outcomes.append(outcome)
                report(outcome, quiet)
            for url in checked:
                if Stop.requested:
                    break
                outcome = archive_url(url, archive, fetcher)
                outcomes.append(outcome)
                report(outcome, quiet)
    except ArchiveError as exc:
        raise fail(str(exc), EXIT_ARCHIVE) from None
    if not quiet or any(not o.ok for o in outcomes):
        click.echo(summarize(outcomes), err=True)
    if Stop.requested:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if any(not o.ok for o in outcomes):
        raise click.exceptions.Exit(EXIT_FAILED)


# -- show / list ---------------------------------------------------------------------

@cli.command()
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--body-format", type=click.Choice(BODY_FORMATS), default="text", show_default=True,
              help="How to render the body.")
@db_option
def show(ref: str, fmt: str, body_format: str, db_path: str) -> None:
    """Show one archived article, by URL or id.

    \b
    Examples:
      scraper show https://example.com/news/story.html
      scraper show 42 --format json
    """
    with open_archive(db_path, readonly=True) as archive:
        row = archive.get(ref)
    if row is None:
        raise fail(f"not in the archive: {ref}", EXIT_FAILED)
    row["body"] = render_body(row["body_html"], body_format) if body_format != "text" else row["body"]
    if fmt == "json":
        row.pop("body_html", None)
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    click.echo(row["title"] or "(no title)")
    for label, key in (("URL", "url"), ("Published", "published"), ("Modified", "modified"),
                       ("Site", "site_name"), ("Language", "language")):
        if row.get(key):
            click.echo(f"{label}: {row[key]}")
    if row.get("authors"):
        click.echo("Authors: " + ", ".join(row["authors"]))
    if row.get("tags"):
        click.echo("Tags: " + ", ".join(row["tags"]))
    click.echo("")
    click.echo(row["body"])


@cli.command("list")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many articles to list.")
@db_option
def list_(limit: int, db_path: str) -> None:
    """List archived articles, most recently fetched first.

    \b
    Example:
      scraper list --limit 50
    """
    with open_archive(db_path, readonly=True) as archive:
        for row in archive.articles(limit=limit):
            date = (row["published"] or "")[:10] or "-"
            click.echo(f"{row['id']:>6}  {date:<10}  {row['site'] or '-':<24}  {row['title'] or row['url']}")


# -- export --------------------------------------------------------------------------

@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE, not stdout.")
@click.option("--fields", help=f"Comma-separated columns to export, in order (any of: {', '.join(ALL_FIELDS)}).")
@click.option("--body-format", type=click.Choice(BODY_FORMATS), default="text", show_default=True)
@click.option("--excel-safe", is_flag=True, help="Prefix cells starting with = + - @ with ' (CSV).")
@db_option
def export(fmt: str, output: str | None, fields: str | None, body_format: str, excel_safe: bool,
           db_path: str) -> None:
    """Export archived articles as CSV, JSON or JSON Lines.

    Lists (authors, tags) are joined with "; " in CSV.

    \b
    Examples:
      scraper export --format csv -o articles.csv
      scraper export --format jsonl --fields url,title,published,tags
    """
    columns = DEFAULT_FIELDS
    if fields:
        columns = tuple(f.strip() for f in fields.split(",") if f.strip())
        unknown = [f for f in columns if f not in ALL_FIELDS]
        if unknown:
            raise fail(f"unknown field {unknown[0]!r}; choose from {', '.join(ALL_FIELDS)}", EXIT_USAGE)
    with open_archive(db_path, readonly=True) as archive:
        rows = archive.query("SELECT * FROM articles ORDER BY published IS NULL, published, id")
        try:
            if output:
                with open(output, "w", encoding="utf-8", newline="") as out:
                    count = write_export(rows, out, fmt=fmt, fields=columns, body_format=body_format,
                                         excel=excel_safe)
                click.echo(f"exported {count} articles to {output}", err=True)
            else:
                write_export(rows, sys.stdout, fmt=fmt, fields=columns, body_format=body_format,
                             excel=excel_safe)
        except ArchiveError as exc:
            raise fail(str(exc), EXIT_ARCHIVE) from None
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE) from None


# -- crawl ---------------------------------------------------------------------------

class _ProgressLine:
    """A one-line status on a terminal (stderr), cleared before each log line."""

    def __init__(self) -> None:
        self.shown = False

    def show(self, summary: Any) -> None:
        text = (f"crawling: {summary.fetched} fetched, {summary.new} new, {summary.failed} failed, "
                f"{summary.left_queued} queued, {summary.duration:.0f}s")
        sys.stderr.write("\r\x1b[K" + text)
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown = False


class _ClearingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, line: _ProgressLine | None) -> None:
        super().__init__(sys.stderr)
        self.line = line

    def emit(self, record: logging.LogRecord) -> None:
        if self.line is not None:
            self.line.clear()
        super().emit(record)


def _crawl_logging(quiet: bool, log_file: str | None, line: _ProgressLine | None) -> list[logging.Handler]:
    """stderr gets errors only with --quiet, else one line per URL; --log-file gets everything, timed."""
    logger = logging.getLogger("scraper")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    console = _ClearingHandler(line)
    console.setLevel(logging.ERROR if quiet else logging.INFO)
    console.setFormatter(logging.Formatter("%(message)s"))
    handlers: list[logging.Handler] = [console]
    if log_file:
        try:
            handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write the log file {log_file}: {exc.strerror or exc}", EXIT_USAGE) from None
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s"))
        handlers.append(handler)
    for handler in handlers:
        logger.addHandler(handler)
    return handlers


@cli.command("crawl")
@click.option("--feed", "feeds", multiple=True, metavar="URL",
              help="RSS, Atom or JSON Feed; a home page URL finds its feeds (<link rel=alternate>). Repeatable.")
@click.option("--sitemap", "sitemaps", multiple=True, metavar="URL|auto",
              help="Sitemap or sitemap index (.xml, .xml.gz, news sitemaps); 'auto' reads robots.txt. Repeatable.")
@click.option("--start", "start", multiple=True, metavar="URL",
              help="Section page whose links (same site) are followed. Repeatable.")
@click.option("--follow", multiple=True, metavar="PATTERN",
              help="Only follow links matching PATTERN (glob on the path, or re:REGEX). Repeatable.")
@click.option("--depth", type=click.IntRange(min=0), help="Link hops from a --start page.  [default: 1]")
@click.option("-i", "--input", "input_file", type=click.File("r", encoding="utf-8"),
              help="Seed page URLs from FILE, one per line ('-' for stdin).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="sites.toml with several [[site]] tables and shared settings.")
@click.option("--max-pages", type=click.IntRange(min=0), help="Fetch at most N pages this run.")
@click.option("--max-pages-per-site", type=click.IntRange(min=0), help="Fetch at most N pages per site this run.")
@click.option("--since", metavar="DATE",
              help="Skip feed/sitemap entries dated before DATE (YYYY-MM-DD, ISO time, or 36h, 2d, 1w).")
@click.option("--include", multiple=True, metavar="PATTERN", help="Only crawl URLs matching PATTERN. Repeatable.")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Never crawl URLs matching PATTERN. Repeatable.")
@click.option("--refresh", is_flag=True, default=None,
              help="Fetch archived pages again (conditional GET: unchanged pages cost a 304).")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to one host.  [default: 1]")
@click.option("--workers", type=click.IntRange(min=1), help="Hosts fetched at once.  [default: 4]")
@click.option("--processes", type=click.IntRange(min=0),
              help="Extraction processes (default: one per CPU when --workers > 1; 0: in the fetching threads).")
@click.option("--user-agent", help=f"User-Agent header.  [default: {DEFAULT_USER_AGENT}]")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Read timeout per request, in seconds.  [default: 30]")
@click.option("--max-bytes", type=click.IntRange(min=1024), help="Largest page body to read.")
@click.option("--retries", type=click.IntRange(min=0), help="Retries on 429/5xx and connection errors.  [default: 2]")
@click.option("--allow-private", is_flag=True, default=None,
              help="Follow links and redirects from public sites to private/loopback addresses.")
@click.option("--wait", "wait_lock", is_flag=True, help="If another crawl runs on this archive, wait for it.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (for cron).")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append a timestamped log of every URL to FILE.")
@click.option("--summary-json", type=click.Path(dir_okay=False), help="Write the run's counts to FILE as JSON.")
@db_option
def crawl_command(feeds: tuple[str, ...], sitemaps: tuple[str, ...], start: tuple[str, ...],
                  follow: tuple[str, ...], depth: int | None, input_file: IO[str] | None, config_file: str | None,
                  max_pages: int | None, max_pages_per_site: int | None, since: str | None,
                  include: tuple[str, ...], exclude: tuple[str, ...], refresh: bool | None, delay: float | None,
                  workers: int | None, processes: int | None, user_agent: str | None, timeout: float | None,
                  max_bytes: int | None, retries: int | None, allow_private: bool | None, wait_lock: bool,
                  quiet: bool, log_file: str | None, summary_json: str | None, db_path: str) -> None:
    """Discover articles from feeds, sitemaps and section pages and archive the new ones.

    Incremental (archived URLs are not fetched again unless --refresh), polite
    (robots.txt, one request at a time per host, --delay between them) and
    cron-safe: a killed crawl resumes where it stopped, and a second crawl on the
    same archive exits at once with code 4 (or waits, with --wait).

    \b
    Examples:
      scraper crawl --feed https://example.com/feed.xml
      scraper crawl --sitemap auto --start https://example.com/news/ --follow '/news/*'
      scraper crawl --config sites.toml --quiet --summary-json last-run.json
    """
    explicit: dict[str, Any] = {
        "feeds": list(feeds), "sitemaps": list(sitemaps), "start": list(start),
        "urls": list(_read_lines(input_file)) if input_file is not None else [],
        "follow": list(follow), "include": list(include), "exclude": list(exclude),
        "depth": depth, "since": since, "max_pages": max_pages, "max_pages_per_site": max_pages_per_site,
        "refresh": refresh, "delay": delay, "workers": workers, "processes": processes,
        "user_agent": user_agent, "timeout": timeout, "max_bytes": max_bytes, "retries": retries,
        "allow_private": allow_private,
    }
    explicit = {k: v for k, v in explicit.items() if v not in (None, [])}
    try:
        options = build_options(config=config_file, explicit=explicit)
    except ConfigError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    line = _ProgressLine() if sys.stderr.isatty() and not quiet else None
    handlers = _crawl_logging(quiet, log_file, line)
    Stop.install()
    summary = None
    try:
        summary = crawl(db_path, options, wait=wait_lock, stop=lambda: Stop.requested,
                        progress=line.show if line else None,
                        on_wait=lambda message: click.echo(message, err=True))
    except CrawlLocked as exc:
        raise fail(str(exc), EXIT_LOCKED) from None
    except ArchiveError as exc:
        raise fail(str(exc), EXIT_ARCHIVE) from None
    except KeyboardInterrupt:
        raise fail("crawl aborted", EXIT_INTERRUPTED) from None
    finally:
        if line:
            line.clear()
        logger = logging.getLogger("scraper")
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
    if summary_json:
        try:
            Path(summary_json).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {summary_json}: {exc.strerror or exc}", EXIT_USAGE) from None
    if not quiet or summary.any_failed:
        click.echo(summary.line(), err=True)
    if summary.status == "interrupted":
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if summary.any_failed:
        raise click.exceptions.Exit(EXIT_FAILED)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
