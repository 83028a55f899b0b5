"""Finding articles: full-text search (FTS5) and the filters that search and export share.

``search()`` ranks matches by BM25 (a title match weighing five body matches), within the
:data:`RANK_WINDOW` most recently archived matches when more match, and returns a
highlighted snippet for each hit. ``select_articles()``
streams the articles that pass a :class:`Filters` in publication order, for exports.

Queries use FTS5 syntax: words (all must match), ``"exact phrases"``, ``OR``, ``NOT``,
``prefix*``, ``title:word``. A query SQLite cannot parse raises :class:`QueryError`, so the
CLI can answer with one line instead of a traceback.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any

from .archive import Archive, ArchiveError, _decode, _explain_sqlite
from .errors import UsageError

__all__ = ["Filters", "Hit", "QueryError", "search", "select_articles", "publication_order", "recent_articles", "date_bound",
           "check_query", "DATE_HELP", "RANK_WEIGHTS", "RANK_WINDOW"]

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_RELATIVE = re.compile(r"^\d+[hdw]$", re.IGNORECASE)
# The one date grammar of --since/--until, in crawl as in search, export, list and reextract.
DATE_HELP = "YYYY, YYYY-MM, YYYY-MM-DD, an ISO 8601 time, or 36h / 2d / 1w ago"
DEFAULT_MARKS = ("**", "**")
# BM25 weights of the index's columns (title, body), as the archive's configured ``rank`` has them.
RANK_WEIGHTS = (5.0, 1.0)
# Past this many matches, the best are chosen among the most recently archived this many (see search()).
RANK_WINDOW = 50_000
_WEIGHTS = ", ".join(str(w) for w in RANK_WEIGHTS)


class QueryError(UsageError, ValueError):
    """The user's search query is not valid FTS5 syntax (a usage error, exit code 2)."""


def date_bound(value: str, *, end: bool = False) -> str:
    """Turn a date of :data:`DATE_HELP` into a bound on ISO ``published`` strings.

    A start bound is the value itself; an end bound is the first day after the period,
    used with ``<``, so ``--until 2021-07`` includes all of July whatever the time zone text.
    ``36h``, ``2d``, ``1w`` are that long before now (UTC; to the hour, or the day for
    ``d`` and ``w``), read as the crawl's ``--since`` reads them; an ISO time is itself.
    """
    text = value.strip()
    if _RELATIVE.match(text) or ("T" in text and not _DATE.match(text)):
        from .feeds import parse_date  # the crawl's reader of the same grammar

        moment = parse_date(text)
        if moment is None:
            raise ValueError(f"not a date: {value!r} (use {DATE_HELP})")
        if _RELATIVE.match(text):
            utc = moment.astimezone(timezone.utc)
            text = utc.strftime("%Y-%m-%dT%H:00") if text[-1] in "hH" else utc.date().isoformat()
            return date_bound(text, end=end) if "T" not in text else text
        return text
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"not a date: {value!r} (use {DATE_HELP})")
    year, month, day = match.groups()
    if month and not 1 <= int(month) <= 12 or day and not 1 <= int(day) <= 31:
        raise ValueError(f"not a date: {value!r}")
    if not end:
        return value.strip()
    if day:
        from datetime import date, timedelta
        try:
            following = date(int(year), int(month), int(day)) + timedelta(days=1)
        except ValueError:
            raise ValueError(f"not a date: {value!r}") from None
        return following.isoformat()
    if month:
        y, m = (int(year), int(month) + 1) if int(month) < 12 else (int(year) + 1, 1)
        return f"{y:04d}-{m:02d}"
    return f"{int(year) + 1:04d}"


def _site_key(site: str) -> str:
    site = site.strip().lower()
    if "://" in site:
        site = site.split("://", 1)[1]
    site = site.split("/", 1)[0]
    return site[4:] if site.startswith("www.") else site


@dataclass
class Filters:
    """What to keep: ``since``/``until`` (publication date, inclusive), any of ``tags``
    (case-insensitive), any of ``sites`` (host without ``www.``), an FTS ``query``, and
    with ``articles_only`` no page that did not read as an article (home pages, lists).

    ``one_per_story`` keeps one article of each story (:mod:`scraper.stories`): in exports
    and lists its first (earliest published) member; in searches the best-ranked match.
    """

    since: str | None = None
    until: str | None = None
    tags: Sequence[str] = ()
    sites: Sequence[str] = ()
    query: str | None = None
    articles_only: bool = False
    one_per_story: bool = False

    def where(self, alias: str = "a") -> tuple[str, list[Any]]:
        """SQL conditions on ``articles AS alias`` and their parameters ("1" when none)."""
        conditions: list[str] = []
        params: list[Any] = []
        if self.since:
            conditions.append(f"{alias}.published >= ?")
            params.append(date_bound(self.since))
        if self.until:
            conditions.append(f"{alias}.published < ?")
            params.append(date_bound(self.until, end=True))
        keys = [t.casefold().strip() for t in self.tags if t.strip()]
        if keys:
            marks = ", ".join("?" for _ in keys)
            conditions.append(f"{alias}.id IN (SELECT at.article_id FROM article_tags at "
                              f"JOIN tags t ON t.id = at.tag_id WHERE t.key IN ({marks}))")
            params.extend(keys)
        sites = [_site_key(s) for s in self.sites if s.strip()]
        if sites:
            conditions.append(f"{alias}.site IN ({', '.join('?' for _ in sites)})")
            params.extend(sites)
        if self.query:
            conditions.append(f"{alias}.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(self.query)
        if self.articles_only:
            conditions.append(f"{alias}.is_article = 1")
        if self.one_per_story:
            conditions.append(f"({alias}.story IS NULL OR {alias}.story_first = 1)")
        return (" AND ".join(conditions) or "1"), params


@dataclass
class Hit:
    """One search result: ``score`` is BM25 (higher is better), ``snippet`` has the matches marked."""

    id: int
    url: str
    title: str | None
    site: str | None
    published: str | None
    tags: list[str] = field(default_factory=list)
    score: float = 0.0
    snippet: str = ""
    story: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fts_error(exc: sqlite3.Error) -> bool:
    text = str(exc)
    return text.startswith(("fts5:", "no such column", "unknown special query", "unterminated string")) \
        or "malformed MATCH" in text


def _execute(archive: Archive | sqlite3.Connection, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
    """Run ``sql`` on an Archive or a bare connection (the web view's), with FTS syntax
    errors as :class:`QueryError` and other trouble as :class:`ArchiveError`."""
    conn = archive if isinstance(archive, sqlite3.Connection) else archive.db.conn
    path = Path("archive") if isinstance(archive, sqlite3.Connection) else archive.path
    try:
        return conn.execute(sql, params)
    except sqlite3.OperationalError as exc:
        if _fts_error(exc):
            raise QueryError(_describe_query_error(exc)) from None
        raise ArchiveError(_explain_sqlite(path, exc)) from None
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(_explain_sqlite(path, exc)) from None


def _describe_query_error(exc: sqlite3.Error) -> str:
    text = str(exc).removeprefix("fts5: ")
    return (f"invalid search query ({text}); put words with punctuation in double quotes, "
            'e.g. "covid-19"')


def check_query(archive: Archive | sqlite3.Connection, query: str) -> None:
    """Raise :class:`QueryError` now if ``query`` is not valid, before any output is written."""
    if not query.strip():
        raise QueryError("empty search query")
    _execute(archive, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1", (query,)).fetchall()


def search(archive: Archive | sqlite3.Connection, query: str, filters: Filters | None = None, *,
           limit: int = 20, marks: tuple[str, str] = DEFAULT_MARKS, snippet_tokens: int = 24,
           window: int | None = RANK_WINDOW) -> list[Hit]:
    """The ``limit`` best matches of ``query`` that pass ``filters``, best first.

    ``archive`` may be a bare connection to an archive: the web view searches with this
    same function on Datasette's read-only connections.

    Ranking is BM25 (:data:`RANK_WEIGHTS`: a title match weighs five body matches), called
    directly rather than through the index's configured ``rank``, which costs a third more.
    FTS5 ranks every match, so a word in every article costs time in proportion to the
    archive (about 1 µs a match). When no filter is given and more than ``window`` articles
    match, the best are chosen among the ``window`` most recently archived matches: walking
    the index backwards from the newest match, ``window`` steps at most, finds where they
    start, for less than ranking them costs. So a common word or phrase stays quick however
    large the archive. With filters (one per story too), and with ``window=None``, every match is
    ranked. Snippets are
    made only for the hits returned.
    """
    check_query(archive, query)
    filters = filters or Filters()
    where, params = Filters(filters.since, filters.until, filters.tags, filters.sites,
                            articles_only=filters.articles_only).where("a")
    if filters.one_per_story:
        ranked = _one_per_story(archive, query, where, params, limit)
    else:
        source = "articles_fts f" if where == "1" else "articles_fts f JOIN articles a ON a.id = f.rowid"
        matching = "articles_fts MATCH ?" if where == "1" else f"articles_fts MATCH ? AND {where}"
        args: list[Any] = [query, *([] if where == "1" else params)]
        if window and where == "1":
            bound = _execute(archive, f"SELECT f.rowid FROM {source} WHERE {matching} ORDER BY f.rowid DESC "
                                      "LIMIT 1 OFFSET ?", (*args, window - 1)).fetchone()
            if bound is not None:
                matching += " AND f.rowid >= ?"
                args.append(bound[0])
        ranked = _execute(archive, f"SELECT f.rowid, bm25(articles_fts, {_WEIGHTS}) AS score FROM {source} "
                                   f"WHERE {matching} ORDER BY score, f.rowid DESC LIMIT ?", (*args, limit)).fetchall()
    hits: list[Hit] = []
    for rowid, rank in ranked:
        row = _execute(archive,
                       "SELECT a.id, a.url, a.title, a.site, a.published, a.tags, a.story, "
                       "snippet(articles_fts, -1, ?, ?, '…', ?) FROM articles_fts "
                       "JOIN articles a ON a.id = articles_fts.rowid "
                       "WHERE articles_fts MATCH ? AND articles_fts.rowid = ?",
                       (marks[0], marks[1], snippet_tokens, query, rowid)).fetchone()
        if row is None:
            continue
        decoded = _decode({"tags": row[5]})
        hits.append(Hit(id=row[0], url=row[1], title=row[2], site=row[3], published=row[4],
                        tags=decoded["tags"] if isinstance(decoded["tags"], list) else [],
                        score=float(f"{-float(rank):.6g}"), snippet=" ".join(str(row[7] or "").split()),
                        story=row[6]))
    return hits


def _one_per_story(archive: Archive | sqlite3.Connection, query: str, where: str, params: list[Any],
                   limit: int) -> list[tuple[int, float]]:
    """The best-ranked match of each story (and every match in no story), best first."""
    cursor = _execute(archive, f"SELECT f.rowid, bm25(articles_fts, {_WEIGHTS}) AS score, a.story FROM articles_fts f "
                               f"JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ? AND {where} "
                               "ORDER BY score, f.rowid DESC", (query, *params))
    ranked: list[tuple[int, float]] = []
    seen: set[int] = set()
    for rowid, rank, story in cursor:
        if story is not None:
            if story in seen:
                continue
            seen.add(story)
        ranked.append((rowid, rank))
        if len(ranked) >= limit:
            break
    cursor.close()
    return ranked


def publication_order(filters: Filters | None = None, select: str = "a.*") -> list[tuple[str, list[Any]]]:
    """The queries, with their parameters, that give the articles passing ``filters`` in
    publication order (undated ones last), each row being ``select`` over ``articles AS a``.

    Two index-ordered passes (dated, then undated) instead of one ``ORDER BY`` over an
    expression, so SQLite never has to sort whole rows, bodies included.
    """
    filters = filters or Filters()
    where, params = filters.where("a")
    queries = [(f"SELECT {select} FROM articles a WHERE a.published IS NOT NULL AND {where} "
                "ORDER BY a.published, a.id", params)]
    if not (filters.since or filters.until):
        queries.append((f"SELECT {select} FROM articles a WHERE a.published IS NULL AND {where} "
                        "ORDER BY a.id", params))
    return queries


def select_articles(archive: Archive, filters: Filters | None = None, *,
                    columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """Articles passing ``filters`` in publication order (undated ones last), one row at a time
    (see :func:`publication_order`)."""
    if filters is not None and filters.query:
        check_query(archive, filters.query)
    select = ", ".join(f"a.{c}" for c in columns) if columns else "a.*"
    for sql, params in publication_order(filters, select):
        yield from archive.query(sql, params)


def recent_articles(archive: Archive, filters: Filters | None = None, *, limit: int | None = None,
                    columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """Articles passing ``filters``, most recently fetched first (what ``scraper list`` shows)."""
    filters = filters or Filters()
    if filters.query:
        check_query(archive, filters.query)
    where, params = filters.where("a")
    select = ", ".join(f"a.{c}" for c in columns) if columns else "a.*"
    sql = f"SELECT {select} FROM articles a WHERE {where} ORDER BY a.last_fetched DESC, a.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    yield from archive.query(sql, params)
