"""The ``scraper`` command line: options in, library calls, output out.

The library does the work and raises :class:`scraper.Error` for what it refuses or cannot
do, each error with its exit code (:class:`scraper.errors.ExitCode`, README's table);
:class:`ScraperGroup` turns every one into one ``Error:`` line and that code, and a
second Ctrl-C into 130. A job's report says its own code (pages failed: 1; stopped
early: 130). The installed ``scraper`` and ``python -m scraper`` run :func:`main`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

# Only what every command needs is imported here: a command imports the rest (the HTTP
# client, the extractor, the crawler, process pools) when it runs, so that `scraper list`
# or `scraper --help` starts in a fraction of the time (tests/test_startup.py).
from scraper import __version__
from scraper.archive import SCHEMA_VERSION, Archive
from scraper.errors import ArchiveError, Error, ExitCode, PageError, UsageError
from scraper.export import (
    ALL_FIELDS,
    DEFAULT_FIELDS,
    FORMATS,
    VERSION_ROW_FIELDS,
    export_articles,
    parse_fields,
    version_record,
    write_export,
)
from scraper.history import history
from scraper.options import CLUSTER_INSTALL, DEFAULT_MAX_BYTES, ExtractOptions, HttpOptions
from scraper.search import DATE_HELP, RANK_WINDOW, Filters, check_query, date_bound, recent_articles
from scraper.search import search as run_search
from scraper.stats import archive_stats
from scraper.stories import list_stories

if TYPE_CHECKING:  # pragma: no cover - imported where they are used (see above)
    from scraper.article import Article
    from scraper.cluster import ClusterConnection
    from scraper.fetching import Fetcher
    from scraper.pipeline import Outcome
    from scraper.pool import Mapper, StopSignals
    from scraper.rules import Rules

EXIT_OK = ExitCode.OK
EXIT_FAILED = ExitCode.FAILED
EXIT_USAGE = ExitCode.USAGE
EXIT_ARCHIVE = ExitCode.ARCHIVE
EXIT_LOCKED = ExitCode.LOCKED
EXIT_INTERRUPTED = ExitCode.INTERRUPTED

BODY_FORMATS = ("text", "markdown", "html")
# The web extra comes from this repository: the registry's "scraper" is an unrelated project.
WEB_EXTRA = "pip install -e '.[web]' in a checkout of scraper"


def catch_stop_signals() -> StopSignals:
    """From now on the first Ctrl-C or SIGTERM stops the command after the pages in progress
    (and says so), the second aborts it: the one contract of :mod:`scraper.pool`."""
    from scraper.pool import stop_signals

    stop_signals.install(on_first=lambda: click.echo(
        "stopping after the page in progress (press Ctrl-C again to abort)", err=True))
    return stop_signals


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 URL``, ``2 URLs``; ``many`` for irregular plurals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def error_line(error: Error) -> None:
    """The one line every refusal and failure ends with: ``Error: ...`` on stderr (a page's
    failure with its kind: ``Error: http: HTTP 404 Not Found``)."""
    click.echo(f"Error: {printable(error.line() if isinstance(error, PageError) else error)}", err=True)


# C0 controls but tab and newline, DEL and C1 controls: text from a web page must not
# drive the terminal (U+009B is CSI, U+009D OSC, like ESC [ and ESC ]).
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """``text`` for a terminal: control characters a page may hide in a title shown as U+FFFD."""
    return _TERMINAL_CONTROLS.sub("\ufffd", str(text))


def echo(text: object = "", *, err: bool = False) -> None:
    """One line of archived (untrusted) text on a terminal, made :func:`printable`."""
    click.echo(printable(text), err=err)


def echo_json(data: object, **options: Any) -> None:
    """JSON on stdout; DEL and C1 controls, which json leaves raw, written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, **options)
    click.echo(re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text))


def check_output(path: str | None, option: str) -> None:
    """An output file that cannot be written is a usage error before any work, not after
    it (``-`` is stdout)."""
    if not path or path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option} {path} is a directory")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: folder does not exist: {folder}")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"{option} {path}: permission denied")


def open_archive(path: str, *, readonly: bool = False) -> Archive:
    return Archive(path, readonly=readonly)  # waits $SCRAPER_BUSY_TIMEOUT for a busy archive


def open_rules(path: str | None) -> Rules | None:
    """``--rules FILE``, else the default rules file when there is one."""
    from scraper.rules import default_rules_path, load_rules

    chosen = path or default_rules_path()
    if chosen is None:
        return None
    return load_rules(chosen)


rules_option = click.option(
    "--rules", "rules_path", type=click.Path(dir_okay=False),
    help="Site rules file (TOML; default $SCRAPER_RULES or ~/.config/scraper/rules.toml).")

cluster_option = click.option(
    "--cluster", "cluster", envvar="SCRAPER_CLUSTER", metavar="ADDRESS|local[:N]",
    help="Run the work on a Dask cluster: a scheduler's address (tcp://host:8786), or local[:N] to start "
         "N worker processes here (default 2). Env SCRAPER_CLUSTER; needs the cluster extra: "
         f"{CLUSTER_INSTALL}.")


def check_cluster(value: str | None) -> None:
    """A malformed --cluster is a usage error before anything starts (no Dask import)."""
    if not value:
        return
    from scraper.cluster import parse_spec

    parse_spec(value)


@contextmanager
def cluster_connection(value: str | None, *, threads_per_worker: int = 1,
                       quiet: bool = False) -> Iterator[ClusterConnection | None]:
    """The Dask cluster of --cluster, or None without it (then Dask is never imported).

    Any trouble reaching it is one ``Error:`` line and exit code 2.
    """
    if not value:
        yield None
        return
    from scraper.cluster import connect, parse_spec

    with connect(parse_spec(value), threads_per_worker=threads_per_worker) as connection:
        if not quiet:
            click.echo(f"running on the {connection.describe()}", err=True)
        yield connection


# A plain string: a directory or an unreadable file is the archive's error (exit 3, one
# line), said by Archive, not a Click usage block.
db_option = click.option(
    "--db", "db_path", default="archive.db", envvar="SCRAPER_DB", show_default=True, metavar="PATH",
    help="Archive file (env SCRAPER_DB).")


class ScraperGroup(click.Group):
    """The command group, where every command's errors end, mapped in this one place:

    * a :class:`scraper.Error` is one ``Error:`` line and its exit code (README's table);
    * a second Ctrl-C or SIGTERM (``KeyboardInterrupt``, the first only asks to stop) is
      ``Error: <command> aborted`` and 130, whatever the command; the write in progress
      was rolled back on the way here;
    * as with Unix tools, a reader that closes the pipe (``scraper export | head``) ends
      the command quietly with exit code 0.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Error as exc:
            error_line(exc)
            raise click.exceptions.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            click.echo(f"Error: {ctx.invoked_subcommand or 'scraper'} aborted", err=True)
            _exit_now(EXIT_INTERRUPTED)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _quiet_stdout()
            raise click.exceptions.Exit(EXIT_OK) from None


def _exit_now(code: int) -> NoReturn:
    """Exit with ``code``; at once when threads still run (a crawl's fetching threads, each
    maybe blocked on a slow server until its 90 s deadline), which Python would otherwise
    wait for at exit. By now the archive is closed and its last write committed or rolled
    back, and the crawl lock released."""
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise click.exceptions.Exit(code)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test runner): nothing to flush
        pass


@click.group(cls=ScraperGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scraper")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Fetch articles, keep only the article, archive them in SQLite.

    \b
    Example:
      scraper fetch https://example.com/news/story.html
      scraper list
      scraper export --format csv -o articles.csv
    """
    if ctx.invoked_subcommand is None:  # plain `scraper`: the overview, not a usage error
        click.echo(ctx.get_help())


# -- fetch ---------------------------------------------------------------------------

def _numbered_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """The non-blank, non-comment lines of a URL list, with their line numbers."""
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def _read_lines(stream: IO[str]) -> Iterator[str]:
    for _, line in _numbered_lines(stream):
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
        echo(f"{outcome.status:<12} {code:<4} {outcome.url}  {detail}", err=True)
    else:
        code = outcome.http_status or "-"
        echo(f"{'failed':<12} {code:<4} {outcome.url}  {outcome.error_kind}: {outcome.error}", err=True)


def summarize(outcomes: list[Outcome], not_done: int = 0) -> str:
    """The closing line of ``fetch``: counts per outcome, and what an interruption left out."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    parts = [f"{counts.get(name, 0)} {name}" for name in ("new", "updated", "unchanged", "not-modified", "failed")
             if counts.get(name) or name in ("new", "failed")]
    line = f"{plural(len(outcomes), 'URL')}: " + ", ".join(parts)
    if not_done:
        line += f"; interrupted, {plural(not_done, 'URL')} not fetched"
    return line


class PrivateNotes:
    """Say so when a URL the user gave is on a private address: fetched, but not silently;
    once per host and run, not once per URL."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.told: set[str] = set()

    def note(self, url: str) -> None:
        import scraper.fetching

        try:
            host = scraper.fetching.connect_host(url)
        except ValueError:
            return
        if host in self.told:
            return
        self.told.add(host)
        # looked up now, so tests can swap it; a name that does not resolve fails as "dns"
        if not scraper.fetching.is_private_host(host) or scraper.fetching.host_addresses(host) is None:
            return
        rule = "" if self.allow_private else \
            "; redirects from public addresses to private ones are still refused"
        echo(f"note: {url} is on a private address ({host}): fetching it because you gave it{rule}", err=True)


def http_options(*, crawl: bool = False) -> Callable[[Any], Any]:
    """--user-agent, --timeout, --max-bytes, --retries and --allow-private, with the defaults
    of :class:`scraper.options.HttpOptions`. A crawl's are None unless given, so that a
    sites.toml can set them (the defaults apply after it)."""
    defaults = HttpOptions()

    def default(value: Any) -> dict[str, Any]:
        return {"default": None} if crawl else {"default": value, "show_default": True}

    def shown(value: Any) -> str:
        return f"  [default: {value}]" if crawl else ""

    private = ("Follow links and redirects from public sites to private/loopback addresses." if crawl else
               "Follow redirects from public addresses to private, loopback and link-local ones.")
    options = [
        click.option("--user-agent", **default(defaults.user_agent),
                     help="User-Agent header." + shown(defaults.user_agent)),
        click.option("--timeout", type=click.FloatRange(min=0.1), **default(defaults.timeout),
                     help="Read timeout per request, in seconds." + shown(f"{defaults.timeout:g}")),
        click.option("--max-bytes", type=click.IntRange(min=1024), **default(defaults.max_bytes),
                     help="Largest page body to read." + shown(defaults.max_bytes)),
        click.option("--retries", type=click.IntRange(min=0), **default(defaults.retries),
                     help="Retries on 429/5xx, connection errors and bodies cut short." + shown(defaults.retries)),
        click.option("--allow-private", is_flag=True, default=None if crawl else False, help=private),
    ]

    def decorate(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func
    return decorate


def http_settings(params: dict[str, Any]) -> HttpOptions:
    """The HTTP options given on the command line (``fetch``, ``extract``)."""
    return HttpOptions(**{f.name: params[f.name] for f in fields(HttpOptions) if f.name in params})


def checked_url(url: str, where: str = "") -> str:
    """``url`` normalised, or a usage error (exit 2) naming where it came from."""
    from scraper.pagecheck import FetchError, check_url

    try:
        return check_url(url)
    except FetchError as exc:
        raise UsageError(f"{where}{exc.message}") from None


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-i", "--input", "input_file", type=click.File("r", encoding="utf-8"),
              help="Read URLs from FILE, one per line ('-' for stdin).")
@click.option("--url", "original_url", help="Original address of a local .html file given as TARGET.")
@http_options()
@click.option("--comments", is_flag=True, help="Keep reader comments (stored apart from the body).")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures.")
@rules_option
@db_option
def fetch(targets: tuple[str, ...], input_file: IO[str] | None, original_url: str | None, user_agent: str,
          timeout: float, max_bytes: int, retries: int, allow_private: bool, comments: bool, quiet: bool,
          rules_path: str | None, db_path: str) -> None:
    """Fetch pages, extract their articles and store them in the archive.

    TARGETS are URLs, or one saved .html file with --url giving its address.
    Re-fetching a URL updates its article in place. A redirect from a public
    address to a private, loopback, link-local or cloud-metadata one is refused
    unless --allow-private; URLs you give on such addresses are fetched, with a note.
    Every URL, from the command line or --input, is checked before any request.

    \b
    Examples:
      scraper fetch https://example.com/news/story.html
      scraper fetch --input urls.txt
      scraper fetch saved/story.html --url https://example.com/news/story.html
    """
    items = [(t, "") for t in targets]
    if input_file is not None:
        name = "stdin" if input_file.name == "<stdin>" else input_file.name
        items.extend((line, f"{name} line {number}: ") for number, line in _numbered_lines(input_file))
    if not items:
        raise UsageError("nothing to fetch: give URLs, a file, or --input FILE")
    files = [t for t, _ in items if _looks_like_path(t)]
    if files:
        missing = [f for f in files if not Path(f).is_file()]
        if missing:
            raise UsageError(f"no such file: {missing[0]}")
        if original_url is None:
            raise UsageError(f"give the original address of {files[0]} with --url")
        if len(files) > 1:
            raise UsageError("--url applies to one file; archive files one at a time")
    elif original_url is not None:
        raise UsageError("--url is for a local .html file; give the file as TARGET")
    checked = [checked_url(t, where) for t, where in items if t not in files]
    if original_url is not None:
        checked_url(original_url, "--url: ")

    from scraper.pipeline import archive_file, archive_url

    options = ExtractOptions(rules=open_rules(rules_path), comments=comments)
    archive = open_archive(db_path)
    notes = PrivateNotes(allow_private)
    stop = catch_stop_signals()
    outcomes: list[Outcome] = []
    http = http_settings(click.get_current_context().params)
    with ExitStack() as stack:
        stack.enter_context(archive)
        fetcher: Fetcher | None = None
        if checked:  # a saved file alone needs no HTTP client, which is not even imported
            from scraper.fetching import Fetcher

            fetcher = stack.enter_context(Fetcher.from_options(http))
        for path in files:
            outcome = archive_file(path, original_url or "", archive, options=options)
            outcomes.append(outcome)
            report(outcome, quiet)
        for url in checked:
            if stop():
                break
            if not quiet:
                notes.note(url)
            assert fetcher is not None
            outcome = archive_url(url, archive, fetcher, options=options)
            outcomes.append(outcome)
            report(outcome, quiet)
    if not quiet or stop() or any(not o.ok for o in outcomes):
        click.echo(summarize(outcomes, len(files) + len(checked) - len(outcomes)), err=True)
    if stop():
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if any(not o.ok for o in outcomes):
        raise click.exceptions.Exit(EXIT_FAILED)


# -- extract ---------------------------------------------------------------------------

EXTRACT_FORMATS = ("text", "markdown", "html", "json")


@cli.command("extract")
@click.argument("target")
@click.option("--url", "original_url", help="Original address of a saved page given as TARGET (for its links).")
@click.option("--format", "fmt", type=click.Choice(EXTRACT_FORMATS), default="text", show_default=True,
              help="The body as text, Markdown or clean HTML, or every field as JSON.")
@http_options()
@click.option("--comments", is_flag=True, help="Keep reader comments (JSON only; never in the body).")
@rules_option
def extract_command(target: str, original_url: str | None, fmt: str, user_agent: str, timeout: float,
                    max_bytes: int, retries: int, allow_private: bool, comments: bool,
                    rules_path: str | None) -> None:
    """Extract the article of one URL or saved page and print it; nothing is archived.

    The same fetch (limits, retries, address rules) and extractor as fetch, so this
    is how to try scraper on a page. Text and Markdown start with the title.

    \b
    Examples:
      scraper extract https://example.com/news/story.html
      scraper extract saved/story.html --format markdown
      scraper extract https://example.com/news/story.html --format json | jq .published
    """
    from scraper.extraction import render_body
    from scraper.fetching import Fetcher, html_problem
    from scraper.pipeline import Page, extract_page

    options = ExtractOptions(rules=open_rules(rules_path), comments=comments)
    if _looks_like_path(target):
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"no such file: {target}")
        url = checked_url(original_url, "--url: ") if original_url else path.resolve().as_uri()
        page = Page(url=url, final_url=url, content=path.read_bytes(), source="file")
        problem = html_problem(page.content)
        if problem is not None:
            raise Error(f"{problem[0]}: {target}: {problem[1]}")
    else:
        if original_url is not None:
            raise UsageError("--url is for a saved page given as TARGET")
        url = checked_url(target)
        PrivateNotes(allow_private).note(url)
        with Fetcher.from_options(http_settings(click.get_current_context().params)) as fetcher:
            page = Page.from_response(fetcher.fetch(url))
    result = extract_page(page, options)  # as fetch extracts, within the same budget
    if result.article is None:
        raise Error(f"{result.kind}: {target}: {result.message}")
    article = result.article
    if fmt == "json":
        data_out = article.to_dict()
        data_out.pop("explain", None)
        echo_json(data_out, indent=2)
        return
    body = article.body if fmt == "text" else render_body(article.body_html, fmt)
    if fmt == "html":
        echo(body)
        return
    title = article.title or ""
    if title:
        echo(f"# {title}\n" if fmt == "markdown" else f"{title}\n")
    echo(body)


# -- show / list ---------------------------------------------------------------------

@cli.command()
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--body-format", type=click.Choice(BODY_FORMATS), default="text", show_default=True,
              help="How to render the body.")
@click.option("--explain", is_flag=True,
              help="Re-extract the stored page and say which signal or site rule chose each field.")
@rules_option
@db_option
def show(ref: str, fmt: str, body_format: str, explain: bool, rules_path: str | None, db_path: str) -> None:
    """Show one archived article, by URL or id.

    \b
    Examples:
      scraper show https://example.com/news/story.html
      scraper show 42 --format json
      scraper show 42 --explain --rules my-rules.toml
    """
    options = ExtractOptions(rules=open_rules(rules_path)) if explain else None
    with open_archive(db_path, readonly=True) as archive:
        row = archive.get(ref)
        if explain:
            from scraper.pipeline import extract_stored
        try:
            fresh = extract_stored(archive, ref, options=options) if explain and row is not None else None
        except PageError as exc:
            raise Error(f"cannot explain {ref}: {exc.line()}") from None
    if row is None:
        raise Error(f"not in the archive: {ref}")
    if explain:
        if fresh is None:
            raise Error(f"no stored page for {ref}: nothing to explain")
        show_explanation(fresh, fmt)
        return
    if body_format != "text":
        # the extractor's modules, for Markdown and HTML only
        from scraper.extraction import render_body

        row["body"] = render_body(row["body_html"], body_format)
    if fmt == "json":
        row.pop("body_html", None)
        echo_json(row, indent=2)
        return
    echo(row["title"] or "(no title)")
    for label, key in (("URL", "url"), ("Original", "original_url"), ("Published", "published"),
                       ("Modified", "modified"), ("Site", "site"), ("Publication", "site_name"),
                       ("Language", "language")):
        if row.get(key):
            echo(f"{label}: {row[key]}")
    if row.get("authors"):
        echo("Authors: " + ", ".join(row["authors"]))
    if row.get("tags"):
        echo("Tags: " + ", ".join(row["tags"]))
    echo("")
    echo(row["body"])


def show_explanation(article: Article, fmt: str) -> None:
    """Each field with its value and the signal or rule that chose it."""
    fields = ("title", "authors", "published", "modified", "tags", "language", "site_name", "description",
              "image", "canonical_url", "original_url", "is_article", "body")
    if fmt == "json":
        data = {name: {"value": getattr(article, name), "source": article.explain.get(name)} for name in fields}
        echo_json(data, indent=2)
        return
    for name in fields:
        value = getattr(article, name)
        if name == "body":
            value = f"{len(value)} characters, {value.count(chr(10) * 2) + 1 if value else 0} paragraphs"
        elif isinstance(value, list):
            value = ", ".join(value)
        source = article.explain.get(name) or ("-" if value in (None, "", []) else "default")
        echo(f"{name:<14} {str(value)[:70]!s:<72} ← {source}")


one_per_story_option = click.option(
    "--one-per-story", is_flag=True,
    help="One article per story (the same text on several sites): the first published; in search, the best match.")


# -- the archive: search, export, stats, re-extraction, WARC, migrate ------------------

def _filters(since: str | None, until: str | None, tags: tuple[str, ...], sites: tuple[str, ...],
             query: str | None = None, *, articles_only: bool = False,
             one_per_story: bool = False) -> Filters:
    """Options → Filters, with a bad date as a usage error. Relative dates (2d) are fixed
    here, once, so every query of the command uses the same bound."""
    bounds: dict[str, str | None] = {"--since": since, "--until": until}
    for label, value in bounds.items():
        if value:
            try:
                date_bound(value)
            except ValueError as exc:
                raise UsageError(f"{label}: {exc}") from None
    return Filters(since=since, until=until, tags=tags, sites=sites, query=query, articles_only=articles_only,
                   one_per_story=one_per_story)


def filter_options(func: Any) -> Any:
    """--since/--until/--tag/--site/--articles-only, shared by list, search, export and reextract."""
    for option in reversed([
        click.option("--since", metavar="DATE", help=f"Published on or after DATE ({DATE_HELP})."),
        click.option("--until", metavar="DATE", help="Published on or before DATE (inclusive)."),
        click.option("--tag", "tags", multiple=True, metavar="TAG",
                     help="Only articles with this tag (case-insensitive; repeat for any of several)."),
        click.option("--site", "sites", multiple=True, metavar="HOST",
                     help="Only articles from this site, e.g. example.com (repeat for several)."),
        click.option("--articles-only", is_flag=True,
                     help="Leave out pages that did not read as articles (home pages, lists, stubs)."),
    ]):
        func = option(func)
    return func


LIST_FIELDS = ("id", "published", "site", "title", "url", "is_article", "last_fetched")


@cli.command("list")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many articles to list.")
@filter_options
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "jsonl"]), default="text", show_default=True,
              help=f"text, or one row per article ({', '.join(LIST_FIELDS)}) as csv, json or jsonl.")
@one_per_story_option
@db_option
def list_(limit: int, since: str | None, until: str | None, tags: tuple[str, ...], sites: tuple[str, ...],
          articles_only: bool, fmt: str, one_per_story: bool, db_path: str) -> None:
    """List archived articles, most recently fetched first.

    \b
    Examples:
      scraper list --limit 50
      scraper list --site example.com --tag Climate --articles-only
      scraper list --format csv --limit 1000 > recent.csv
      scraper list --one-per-story
    """
    filters = _filters(since, until, tags, sites, articles_only=articles_only, one_per_story=one_per_story)
    with open_archive(db_path, readonly=True) as archive:
        rows = recent_articles(archive, filters, limit=limit, columns=LIST_FIELDS)
        if fmt != "text":
            write_export(rows, sys.stdout, fmt=fmt, fields=LIST_FIELDS)
            return
        shown = 0
        for row in rows:
            date = (row["published"] or "")[:10] or "-"
            mark = "" if row["is_article"] else "  [not an article]"
            echo(f"{row['id']:>6}  {date:<10}  {row['site'] or '-':<24}  {row['title'] or row['url']}{mark}")
            shown += 1
    if not shown:
        click.echo("no articles" + (" match" if filters.where()[0] != "1" else " in the archive"), err=True)


@cli.command()
@click.argument("query")
@filter_options
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Hits to show.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@one_per_story_option
@click.option("--rank-all", is_flag=True,
              help=f"Rank every match, however many (by default, when over {RANK_WINDOW:,} articles match and no "
                   f"filter is given, the best are chosen among the {RANK_WINDOW:,} most recently archived).")
@db_option
def search(query: str, since: str | None, until: str | None, tags: tuple[str, ...], sites: tuple[str, ...],
           articles_only: bool, limit: int, fmt: str, one_per_story: bool, rank_all: bool, db_path: str) -> None:
    """Full-text search over titles and bodies, best matches first.

    QUERY uses SQLite FTS5 syntax: words (all must match), "exact phrase",
    OR, NOT, prefix*, title:word. Matches in a title weigh more than in a body.
    Snippets mark matches with **stars** (bold on a terminal).

    \b
    Examples:
      scraper search tajikistan
      scraper search '"border outpost" OR garrison' --since 2021 --site themoscowtimes.com
      scraper search taliban --tag Afghanistan --format json
      scraper search budget --since 2w --articles-only
      scraper search ceasefire --one-per-story
    """
    filters = _filters(since, until, tags, sites, articles_only=articles_only, one_per_story=one_per_story)
    with open_archive(db_path, readonly=True) as archive:
        hits = run_search(archive, query, filters, limit=limit, marks=("\x02", "\x03"),
                          window=None if rank_all else RANK_WINDOW)
    if fmt == "json":
        rows = [dict(h.to_dict(), snippet=h.snippet.replace("\x02", "**").replace("\x03", "**")) for h in hits]
        echo_json(rows, indent=2)
        return
    color = sys.stdout.isatty()
    for hit in hits:
        date = (hit.published or "")[:10] or "-"
        echo(f"{hit.id:>6}  {date:<10}  {hit.site or '-':<24}  {hit.title or hit.url}")
        parts = [printable(p) for p in hit.snippet.replace("\x03", "\x02").split("\x02")]
        snippet = "".join(click.style(p, bold=True) if i % 2 and color else (f"**{p}**" if i % 2 else p)
                          for i, p in enumerate(parts))
        click.echo(f"        {snippet}")
    if not hits:
        click.echo("no matches", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="parquet keeps types (lists, UTC timestamps); it needs -o and pip install -e '.[parquet]'.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE, not stdout ('-' is stdout).")
@click.option("--fields", help=f"Comma-separated columns to export, in order (default: {','.join(DEFAULT_FIELDS)}; "
                               f"any of: {', '.join(ALL_FIELDS)}; with --versions in CSV or Parquet: "
                               f"{', '.join(VERSION_ROW_FIELDS)}).")
@filter_options
@click.option("--query", metavar="FTS", help="Only articles matching this full-text query (as in search).")
@click.option("--body-format", type=click.Choice(BODY_FORMATS), default="text", show_default=True)
@click.option("--excel-safe", is_flag=True,
              help="CSV for spreadsheets: prefix cells starting with = + - @ with ' and add a UTF-8 BOM.")
@click.option("--versions", "with_versions", is_flag=True,
              help="The history: CSV/Parquet one row per (article, version); JSON/JSONL a 'versions' list.")
@one_per_story_option
@db_option
def export(fmt: str, output: str | None, fields: str | None, since: str | None, until: str | None,
           tags: tuple[str, ...], sites: tuple[str, ...], articles_only: bool, query: str | None,
           body_format: str, excel_safe: bool, with_versions: bool, one_per_story: bool, db_path: str) -> None:
    """Export archived articles as CSV, JSON, JSON Lines or Parquet, in publication order.

    Streams: memory stays flat however large the archive. In CSV, lists (authors,
    tags) are joined with "; ", dates are ISO 8601, missing values are empty cells.
    Parquet keeps lists as lists and dates as UTC timestamps.

    \b
    Examples:
      scraper export --format csv -o articles.csv
      scraper export --format jsonl --fields url,title,published,tags --since 2021-07 --tag Afghanistan
      scraper export --query 'taliban OR "border outpost"' --site themoscowtimes.com -o hits.csv
      scraper export --articles-only --since 1w | head
      scraper export --format parquet -o articles.parquet --one-per-story
      scraper export --versions --format csv -o versions.csv
    """
    flat_versions = with_versions and fmt in ("csv", "parquet")
    try:
        columns = parse_fields(fields, versions=flat_versions)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    check_output(output, "-o")
    to_file = output not in (None, "-")
    if fmt == "parquet" and not to_file:
        raise UsageError("--format parquet writes a binary file: give it with -o FILE.parquet")
    if fmt == "parquet" and excel_safe:
        raise UsageError("--excel-safe is for CSV")
    if flat_versions and body_format != "text":
        raise UsageError("--versions rows hold the text: use --body-format text")
    filters = _filters(since, until, tags, sites, query, articles_only=articles_only, one_per_story=one_per_story)
    with open_archive(db_path, readonly=True) as archive:
        if query:
            check_query(archive, query)
        options = dict(fmt=fmt, fields=columns, filters=filters, body_format=body_format, excel=excel_safe,
                       versions=with_versions)
        what = "rows" if flat_versions else "articles"
        try:
            if to_file and fmt == "parquet":
                count = export_articles(archive, str(output), **options)  # type: ignore[arg-type]
                click.echo(f"exported {plural(count, what[:-1])} to {output}", err=True)
            elif to_file:
                with open(str(output), "w", encoding="utf-8", newline="") as out:
                    count = export_articles(archive, out, **options)  # type: ignore[arg-type]
                click.echo(f"exported {plural(count, what[:-1])} to {output}", err=True)
            else:
                export_articles(archive, sys.stdout, **options)  # type: ignore[arg-type]
        except OSError as exc:
            if not to_file:
                raise  # stdout: a closed pipe ends quietly (ScraperGroup); anything else is not ours to hide
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


@cli.command("history")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: every version's fields, what changed and the size of the change.")
@db_option
def history_command(ref: str, fmt: str, db_path: str) -> None:
    """Every archived version of an article, oldest first, with a word diff of each change.

    REF is the article's URL or id. Removed words are shown [-like this-] and added
    ones {+like this+} (in red and green on a terminal); unchanged paragraphs between
    changes are folded.

    \b
    Examples:
      scraper history https://example.com/news/story
      scraper history 42 --format json | jq '.[] | {version, words_added, words_removed}'
    """
    with open_archive(db_path, readonly=True) as archive:
        row = archive.get(ref)
        if row is None:
            raise UsageError(f"not in the archive: {ref}")
        versions = history(row, archive.versions(row["id"]))
    if fmt == "json":
        click.echo(json.dumps([version_record(row, v) for v in versions], ensure_ascii=False, indent=2))
        return
    color = sys.stdout.isatty()
    click.echo(f"{row['title'] or row['url']}\n{row['url']} (id {row['id']}): "
               f"{len(versions)} version{'s' if len(versions) != 1 else ''}")
    for version in versions:
        click.echo("")
        click.echo(_version_heading(version, color))
        for name in version.changed:
            if name != "body":
                before = getattr(versions[version.number - 2], name)
                click.echo(f"  {name}: {_shown(before)} → {_shown(getattr(version, name))}")
        if version.number == 1:
            click.echo(f"  {version.title or '(no title)'}: {len(version.body.split())} words")
        for line in _diff_lines(version, color):
            click.echo(line)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return value or "(none)"


def _version_heading(version: Any, color: bool) -> str:
    label = f"Version {version.number}" + (" (current)" if version.current else "")
    seen = f"seen {version.seen_from or '?'}"
    if version.seen_until and version.seen_until != version.seen_from:
        seen += f" to {version.seen_until}"
    parts = [click.style(label, bold=True) if color else label, seen]
    if version.number > 1:
        parts.append(f"+{version.words_added} −{version.words_removed} words")
    if version.replaced_at:
        parts.append(f"replaced {version.replaced_at} ({version.reason})")
    return ", ".join(parts)


def _diff_lines(version: Any, color: bool) -> Iterator[str]:
    """The word diff against the version before, one paragraph a line."""
    def marked(kind: str, text: str) -> str:
        if kind == "insert":
            return click.style(text, fg="green") if color else "{+" + text + "+}"
        if kind == "delete":
            return click.style(text, fg="red", strikethrough=True) if color else "[-" + text + "-]"
        return text

    for block in version.diff:
        if block.kind == "skip":
            yield f"  … {block.count} unchanged paragraph{'s' if block.count != 1 else ''} …"
        elif block.kind == "change":
            yield "  " + "".join(marked(s.kind, s.text) for s in block.segments)
        else:
            yield "  " + marked(block.kind, block.text)


@cli.command("stories")
@click.option("--rebuild", is_flag=True, help="Cluster every article again from scratch, in one pass.")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many stories to list (the largest first).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def stories_command(rebuild: bool, limit: int, fmt: str, db_path: str) -> None:
    """The same story published on several sites: list the largest, or rebuild them.

    Articles whose bodies are near-identical (wire copy, press releases re-published
    with small edits) share a story; the earliest published one is its first. Stories
    are kept up to date as articles are stored; --rebuild clusters the whole archive
    again (after an upgrade, say).

    \b
    Examples:
      scraper stories
      scraper stories --rebuild
      scraper export --one-per-story -o unique.csv
    """
    if rebuild:
        with open_archive(db_path) as archive:
            total = archive.count()
            bar = _progress(total, "clustering")
            # one transaction: a Ctrl-C (Error: stories aborted, 130) rolls it back, the stories as they were
            if bar is not None:
                with bar:
                    count = archive.rebuild_stories(progress=lambda done: bar.update(done - bar.pos))
            else:
                count = archive.rebuild_stories()
            clustered = archive.db.conn.execute("SELECT count(*) FROM articles WHERE story IS NOT NULL").fetchone()[0]
        click.echo(f"{count} stories of {clustered} articles ({total} articles in all)", err=True)
        return
    with open_archive(db_path, readonly=True) as archive:
        rows = list_stories(archive, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        date = (row["first_published"] or "")[:10] or "-"
        sites = ", ".join(m["site"] or "-" for m in row["members"])
        click.echo(f"{row['id']:>6}  {row['articles']:>3} articles  {date:<10}  {row['title'] or '-'}")
        click.echo(f"        {sites}")
    if not rows:
        click.echo("no stories: no two articles share their text", err=True)


@cli.command()
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many sites, tags and failures to list.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def stats(top: int, fmt: str, db_path: str) -> None:
    """What the archive holds: articles per site and per month, top tags, fetch failures.

    \b
    Examples:
      scraper stats
      scraper stats --top 25 --format json
    """
    with open_archive(db_path, readonly=True) as archive:
        figures = archive_stats(archive, top=top)
    if fmt == "json":
        echo_json(figures, indent=2)
        return
    t = figures["totals"]
    click.echo(f"{plural(t['articles'], 'article')} ({t['undated']} undated, {t['not_articles']} not "
               f"{'an article' if t['not_articles'] == 1 else 'articles'}) from {plural(t['sites'], 'site')}; "
               f"{plural(t['versions'], 'past version')}; {plural(t['pages'], 'page')} "
               f"({t['raw_bytes'] / 1e6:.1f} MB raw); {plural(t['fetches'], 'fetch attempt')}, "
               f"{t['failed_fetches']} failed; file {t['file_bytes'] / 1e6:.1f} MB")
    click.echo("\nArticles per site:")
    for row in figures["sites"]:
        span = f"{(row['first_published'] or '')[:10]} … {(row['last_published'] or '')[:10]}"
        echo(f"  {row['articles']:>8}  {row['site'] or '-':<32}  {span if row['first_published'] else ''}")
    click.echo("\nArticles per month published:")
    for row in figures["months"]:
        click.echo(f"  {row['month']}  {row['articles']:>8}")
    click.echo("\nTop tags:")
    for row in figures["tags"]:
        echo(f"  {row['articles']:>8}  {row['tag']}")
    failures = figures["failures"]
    click.echo(f"\nFetch failures: {failures['unarchived_urls']} URLs not archived after failing")
    for row in failures["by_kind"]:
        click.echo(f"  {row['attempts']:>8}  {row['kind']}")
    for row in failures["latest"]:
        echo(f"  {row['at'][:19]}  {row['url']}  {row['error']}")


class _Counter:
    """Progress when the total is unknown: a count rewritten in place on the terminal."""

    def __init__(self, label: str) -> None:
        self.label, self.done = label, 0

    def __enter__(self) -> _Counter:
        return self

    def __exit__(self, *exc: object) -> None:
        click.echo("", err=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.done % 25 == 0:
            click.echo(f"\r{self.label}: {self.done} pages", err=True, nl=False)


class Eta:
    """Time left, from the pace since the first pages came back.

    Extraction processes spend their first second or so importing; click's own estimate
    (time since the start / pages done) took that start-up for the pace of the whole job
    and showed 00:04:54 left for a job of 4 s.
    """

    def __init__(self, total: int, clock: Any = time.monotonic) -> None:
        self.total, self.clock, self.done = total, clock, 0
        self.first: tuple[float, int] | None = None  # (when, pages done) at the first report

    def update(self, n: int) -> None:
        self.done += n
        if self.first is None:
            self.first = (self.clock(), self.done)

    def left(self) -> float | None:
        """Seconds left, or None until two reports give a pace."""
        if self.first is None or self.done <= self.first[1]:
            return None
        pace = (self.done - self.first[1]) / max(self.clock() - self.first[0], 1e-6)
        return max(0.0, (self.total - self.done) / pace)

    def text(self) -> str | None:
        left = self.left()
        if left is None:
            return None
        minutes, seconds = divmod(int(left + 0.5), 60)
        return f"~{minutes}:{seconds:02d} left" if minutes else f"~{seconds}s left"


class _Bar:
    """click's progress bar with :class:`Eta` in place of its own estimate."""

    def __init__(self, total: int, label: str) -> None:
        self.eta = Eta(total)
        self.bar: Any = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=False,
                                     item_show_func=lambda _: self.eta.text())

    def __enter__(self) -> _Bar:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def update(self, n: int) -> None:
        self.eta.update(n)
        self.bar.update(n)


def _progress(total: int | None, label: str) -> Any:
    """A progress bar on a terminal (stderr), nothing otherwise: logs stay clean."""
    if not sys.stderr.isatty():
        return None
    if total is None:
        return _Counter(label)
    return _Bar(total, label)


class BatchJob:
    """What ``reextract`` and ``import-warc`` share once set up: the archive, where pages are
    extracted (this machine's processes or a cluster), progress, and the stop request."""

    def __init__(self, archive: Archive, mapper: Mapper | None, jobs: int, options: ExtractOptions,
                 progress: Callable[[int], None] | None, stop: Callable[[], bool]) -> None:
        self.archive, self.mapper, self.jobs, self.options = archive, mapper, jobs, options
        self.progress, self.stop = progress, stop
        self.started = time.monotonic()

    def run_options(self) -> dict[str, Any]:
        """The keyword arguments both jobs take."""
        return {"mapper": self.mapper, "jobs": self.jobs, "options": self.options, "progress": self.progress,
                "stop": self.stop}


def batch_options(func: Any) -> Any:
    """--jobs, --rules, --format, --cluster and --db: the options of reextract and import-warc."""
    for option in reversed([
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Extraction processes (default: one per CPU core)."),
        rules_option,
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
        cluster_option,
        db_option,
    ]):
        func = option(func)
    return func


@contextmanager
def batch_job(db_path: str, *, jobs: int | None, rules_path: str | None, cluster: str | None, fmt: str,
              label: str, total: Callable[[Archive], int | None]) -> Iterator[BatchJob]:
    """Set up a batch job: options checked, the archive opened for writing, Ctrl-C caught,
    the cluster reached (with --cluster), a progress bar on a terminal."""
    check_cluster(cluster)
    if cluster and jobs is not None:
        raise UsageError("--jobs is for processes on this machine; with --cluster the cluster's workers extract")
    options = ExtractOptions(rules=open_rules(rules_path))
    archive = open_archive(db_path)
    stop = catch_stop_signals()
    with archive, cluster_connection(cluster, quiet=fmt == "json") as connection, ExitStack() as stack:
        bar = _progress(total(archive), label)
        if bar is not None:
            stack.enter_context(bar)
        from scraper.pool import default_jobs

        yield BatchJob(archive, connection.mapper() if connection is not None else None, jobs or default_jobs(),
                       options, bar.update if bar is not None else None, stop)


def print_failures(errors: list[str]) -> None:
    for error in errors[:20]:
        echo(f"failed       {error}", err=True)


@cli.command()
@filter_options
@click.option("--limit", type=click.IntRange(min=1), help="Re-extract at most N articles.")
@batch_options
def reextract(since: str | None, until: str | None, tags: tuple[str, ...], sites: tuple[str, ...],
              articles_only: bool, limit: int | None, jobs: int | None, rules_path: str | None, fmt: str,
              cluster: str | None, db_path: str) -> None:
    """Re-run the current extractor over the stored raw pages (no network).

    Updates only the articles whose output changed; a changed text, title, date,
    author or tag list keeps the previous one in the versions table. Site rules
    apply as in fetch (--rules, else the default rules file). Runs on all CPU
    cores, or on a Dask cluster with --cluster (pages go to its workers in
    chunks; this process stays the only archive writer); shows a progress bar on
    a terminal.

    \b
    Examples:
      scraper reextract
      scraper reextract --site themoscowtimes.com --jobs 2
      scraper reextract --rules my-rules.toml
      scraper reextract --cluster tcp://scheduler.lan:8786
    """
    from scraper.reextract import count_pages
    from scraper.reextract import reextract as run_reextract

    filters = _filters(since, until, tags, sites, articles_only=articles_only)
    with batch_job(db_path, jobs=jobs, rules_path=rules_path, cluster=cluster, fmt=fmt, label="re-extracting",
                   total=lambda archive: count_pages(archive, filters, limit)) as job:
        report = run_reextract(job.archive, filters=filters, limit=limit, **job.run_options())
    elapsed = time.monotonic() - job.started
    if fmt == "json":
        echo_json({**report.to_dict(), "seconds": round(elapsed, 3)})
    else:
        print_failures(report.errors)
        click.echo(f"re-extracted {report.pages} pages in {elapsed:.1f}s: {report.updated} updated, "
                   f"{report.refreshed} refreshed, {report.unchanged} unchanged, {report.failed} failed", err=True)
    raise click.exceptions.Exit(report.exit_code)


@cli.command("import-warc")
@click.argument("files", nargs=-1, required=True)
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True, type=click.IntRange(min=1024),
              help="Largest page body to import.")
@batch_options
def import_warc_command(files: tuple[str, ...], max_bytes: int, jobs: int | None, rules_path: str | None, fmt: str,
                        cluster: str | None, db_path: str) -> None:
    """Archive the HTML pages of WARC or ARC files (gzipped or not).

    Takes response records with a 2xx HTML answer and HTML resource records;
    skips the rest with a reason. A page already stored is not stored twice; a
    capture older than the stored one is kept as a past version. Site rules
    apply as in fetch (--rules, else the default rules file). With --cluster
    the files are read here and their pages extracted by the cluster's workers.

    \b
    Examples:
      scraper import-warc crawl-2021.warc.gz
      scraper import-warc old/*.arc.gz --jobs 2
      scraper import-warc cc/*.warc.gz --cluster tcp://scheduler.lan:8786
    """
    from scraper.warc import import_warc as run_import_warc

    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise UsageError(f"no such file: {missing[0]}")
    with batch_job(db_path, jobs=jobs, rules_path=rules_path, cluster=cluster, fmt=fmt, label="importing",
                   total=lambda archive: None) as job:
        report = run_import_warc(job.archive, files, max_bytes=max_bytes, **job.run_options())
    if fmt == "json":
        echo_json(report.to_dict())
    else:
        print_failures(report.errors)
        stored = sum(report.stored.values())
        parts = ", ".join(f"{n} {status}" for status, n in sorted(report.stored.items())) or "none"
        skipped = sum(report.skipped.values())
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items(), key=lambda kv: -kv[1]))
        echo(f"{plural(report.records, 'record')} in {plural(len(files), 'file')}: "
             f"{plural(stored, 'page')} archived ({parts}); {skipped} skipped" + (f" ({reasons})" if reasons else "")
             + f"; {report.failed} failed", err=True)
    raise click.exceptions.Exit(report.exit_code)


@cli.command("export-warc")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="WARC file to write; gzipped per record unless the name ends in .warc.")
@db_option
def export_warc_command(output: str, db_path: str) -> None:
    """Write every stored page back out as WARC records (response, request, metadata).

    WARC-Date is when the page was fetched; the original HTTP status and headers are
    kept. The file is written beside OUTPUT and renamed when complete.

    \b
    Example:
      scraper export-warc -o archive.warc.gz
    """
    target = Path(output)
    if not target.parent.is_dir():
        raise UsageError(f"folder does not exist: {target.parent}")
    from scraper.warc import export_warc as run_export_warc

    partial = target.with_name(target.name + ".part")
    with open_archive(db_path, readonly=True) as archive:
        try:
            with open(partial, "wb") as out:
                count = run_export_warc(archive, out, gzip=not target.name.endswith(".warc"))
            os.replace(partial, target)
        except ArchiveError:
            partial.unlink(missing_ok=True)
            raise
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"exported {plural(count, 'page')} to {output}", err=True)


@cli.command()
@db_option
def migrate(db_path: str) -> None:
    """Upgrade an archive made by an older scraper to this one's schema, in place.

    All data is kept; the upgrade is one transaction (all or nothing). Any command
    that writes does the same on its own; read-only commands ask for this first.

    \b
    Example:
      cp archive.db archive-backup.db && scraper migrate --db archive.db
    """
    if not Path(db_path).is_file():
        raise ArchiveError(f"no archive at {db_path}")
    with open_archive(db_path) as archive:
        if archive.migrated_from is None:
            click.echo(f"{db_path}: already at schema v{SCHEMA_VERSION}", err=True)
        else:
            click.echo(f"{db_path}: migrated from schema v{archive.migrated_from} to v{SCHEMA_VERSION}", err=True)


# -- serve ---------------------------------------------------------------------------

@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; a non-loopback one needs --public.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--live", is_flag=True,
              help="Show what a running crawl adds (read-only, but SQLite may create -wal/-shm files).")
@click.option("--public", is_flag=True, help="Allow a --host other machines can reach.")
@click.option("--expose-raw", is_flag=True,
              help="Also serve raw pages and fetch headers (pages.content, pages.headers) and the file.")
@click.option("--open", "open_browser", is_flag=True, help="Open the articles in a web browser.")
def serve(db_path: str, host: str, port: int, live: bool, public: bool, expose_raw: bool,
          open_browser: bool) -> None:
    """Browse, search and read the archive in a web browser (Datasette).

    Read-only: the archive is opened immutable, so the file is never touched
    (--live instead sees new articles while a crawl runs). Raw pages and fetch
    headers are withheld unless --expose-raw. Needs the web extra:
    pip install -e '.[web]' in a checkout of scraper. Ctrl-C stops it.

    \b
    Examples:
      scraper serve
      scraper serve --db news.db --port 8080 --open
      scraper serve --host 0.0.0.0 --public
    """
    try:
        import datasette  # noqa: F401
    except ImportError:
        raise UsageError(f"scraper serve needs Datasette: {WEB_EXTRA}") from None
    from scraper.web import server

    if not public and not server.is_loopback(host):
        raise UsageError(f"--host {host} is not a loopback address: anyone who can reach it could read "
                   "the archive; add --public to serve it anyway")
    server.check_archive(Path(db_path), live=live)
    ds = server.make_datasette(Path(db_path), live=live, expose_raw=expose_raw, host=host, public=public)
    sock = server.listen(host, port)
    url = server.url_for(sock, ds.urls.table(ds.get_database().name, "articles"))
    notes = ["live, read-only" if live else "read-only, immutable"]
    if public:
        notes.append(f"public on {host}")
    if expose_raw:
        notes.append("raw pages exposed")
    click.echo(f"Serving {db_path} ({', '.join(notes)}) at {url} (Ctrl-C to stop)", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    server.run(ds, sock)
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


class _ClearingHandler(logging.StreamHandler):
    def __init__(self, line: _ProgressLine | None) -> None:
        super().__init__(sys.stderr)
        self.line = line

    def emit(self, record: logging.LogRecord) -> None:
        if self.line is not None:
            self.line.clear()
        super().emit(record)


class _PrintableFormatter(logging.Formatter):
    """Log lines carry titles and URLs from the web: made :func:`printable` (a traceback's
    newlines kept)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def _crawl_logging(quiet: bool, log_file: str | None, line: _ProgressLine | None) -> list[logging.Handler]:
    """stderr gets errors only with --quiet, else one line per URL; --log-file gets everything, timed."""
    logger = logging.getLogger("scraper")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    console = _ClearingHandler(line)
    console.setLevel(logging.ERROR if quiet else logging.INFO)
    console.setFormatter(_PrintableFormatter("%(message)s"))
    handlers: list[logging.Handler] = [console]
    if log_file:
        try:
            handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the log file {log_file}: {exc.strerror or exc}") from None
        handler.setLevel(logging.INFO)
        handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)-7s %(message)s"))
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
@click.option("--since", metavar="DATE", help=f"Skip feed/sitemap entries dated before DATE ({DATE_HELP}).")
@click.option("--include", multiple=True, metavar="PATTERN", help="Only crawl URLs matching PATTERN. Repeatable.")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Never crawl URLs matching PATTERN. Repeatable.")
@click.option("--refresh", is_flag=True, default=None,
              help="Fetch archived pages again (conditional GET: unchanged pages cost a 304).")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to one host.  [default: 1]")
@click.option("--workers", type=click.IntRange(min=1), help="Hosts fetched at once.  [default: 4]")
@click.option("--processes", type=click.IntRange(min=0),
              help="Extraction processes (default: one per CPU when --workers > 1; 0: in the fetching threads).")
@http_options(crawl=True)
@rules_option
@click.option("--wait", "wait_lock", is_flag=True, help="If another crawl runs on this archive, wait for it.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (for cron).")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append a timestamped log of every URL to FILE.")
@click.option("--summary-json", type=click.Path(dir_okay=False), help="Write the run's counts to FILE as JSON.")
@cluster_option
@db_option
def crawl_command(feeds: tuple[str, ...], sitemaps: tuple[str, ...], start: tuple[str, ...],
                  follow: tuple[str, ...], depth: int | None, input_file: IO[str] | None, config_file: str | None,
                  max_pages: int | None, max_pages_per_site: int | None, since: str | None,
                  include: tuple[str, ...], exclude: tuple[str, ...], refresh: bool | None, delay: float | None,
                  workers: int | None, processes: int | None, user_agent: str | None, timeout: float | None,
                  max_bytes: int | None, retries: int | None, allow_private: bool | None, rules_path: str | None,
                  wait_lock: bool,
                  quiet: bool, log_file: str | None, summary_json: str | None, cluster: str | None,
                  db_path: str) -> None:
    """Discover articles from feeds, sitemaps and section pages and archive the new ones.

    Incremental (archived URLs are not fetched again unless --refresh), polite
    (robots.txt, one request at a time per host, --delay between them) and
    cron-safe: a killed crawl resumes where it stopped, and a second crawl on the
    same archive exits at once with code 4 (or waits, with --wait). With --cluster
    the requests and extraction run on a Dask cluster's workers, each host one
    task at a time; this process schedules and writes the archive.

    \b
    Examples:
      scraper crawl --feed https://example.com/feed.xml
      scraper crawl --sitemap auto --start https://example.com/news/ --follow '/news/*'
      scraper crawl --config sites.toml --quiet --summary-json last-run.json
      scraper crawl --config sites.toml --cluster local:2 --workers 8
    """
    from scraper.crawl import OPTION_NAMES, build_options, crawl

    # the parameters are named as the crawl's options (scraper.crawl.OPTION_NAMES): what was given
    # on the command line wins over a sites.toml, which wins over the defaults
    params = click.get_current_context().params
    explicit = {name: list(value) if isinstance(value, tuple) else value for name, value in params.items()
                if name in OPTION_NAMES and value not in (None, ())}
    if input_file is not None:
        explicit["urls"] = list(_read_lines(input_file))
    options = replace(build_options(config=config_file, explicit=explicit), rules=open_rules(rules_path))
    check_output(summary_json, "--summary-json")  # before the crawl, not after it
    check_output(log_file, "--log-file")
    check_cluster(cluster)
    if cluster and processes is not None:
        raise UsageError("--processes is for extraction on this machine; with --cluster the cluster's workers "
                   "extract")
    line = _ProgressLine() if sys.stderr.isatty() and not quiet else None
    handlers = _crawl_logging(quiet, log_file, line)
    stop = catch_stop_signals()
    summary = None
    try:
        # a local cluster gets a thread per host fetched at once: crawl tasks mostly wait on servers
        threads = 1
        if cluster:
            from scraper.cluster import local_threads, parse_spec

            spec = parse_spec(cluster)
            threads = local_threads(options.workers, spec.local_workers) if spec.local else 1
        with cluster_connection(cluster, threads_per_worker=threads, quiet=quiet) as connection:
            executor = None
            if connection is not None:
                executor = connection.executor()
                if not spec.local:
                    # unless told otherwise (command line or config), fetch as many hosts at once
                    # as the cluster has threads
                    options = replace(build_options(config=config_file, explicit=explicit, defaults={
                        "workers": max(options.workers, connection.threads)}), rules=options.rules)
            summary = crawl(db_path, options, wait=wait_lock, stop=stop,
                            progress=line.show if line else None,
                            on_wait=lambda message: click.echo(message, err=True), executor=executor)
    finally:
        if line:
            line.clear()
        logger = logging.getLogger("scraper")
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
    assert summary is not None  # crawl() returned or raised
    if summary_json:
        try:
            Path(summary_json).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {summary_json}: {exc.strerror or exc}") from None
    if not quiet or summary.any_failed:
        click.echo(summary.line(), err=True)
    raise click.exceptions.Exit(summary.exit_code)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
