"""The Datasette metadata ``scraper serve`` hands over: titles, descriptions, facets,
search, sort order and canned queries for a scraper archive.

Built here rather than shipped as a JSON file because two things vary per run: the
database's name in URLs (the file's stem) and whether raw pages may be shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..archive import SCHEMA_VERSION

__all__ = ["LOOPBACK_NAMES", "PLUGIN_NAME", "RAW_COLUMNS", "build_metadata", "build_settings", "canned_queries"]

PLUGIN_NAME = "scraper-web"
# The Host header names answered unless told otherwise: this machine's.
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")
# Columns never served unless --expose-raw: what a server sent us, byte for byte.
RAW_COLUMNS = {"pages": ("content", "headers")}

_ARTICLE_COLUMNS = {
    "id": "Article number; the link opens the row, the title opens the reading page",
    "url": "Address the article was archived from (normalised, unique)",
    "final_url": "Address after redirects",
    "canonical_url": "Address the page names as its own",
    "original_url": "For a copy from a web archive: the address it was captured from",
    "site": "Host it was archived from (for a web-archive copy, the original's), without www.",
    "title": "Headline",
    "authors": "Byline, as a JSON list",
    "published": "Publication date as the page gives it: a day, or a time with its offset",
    "published_month": "YYYY-MM of the publication date, for browsing by month",
    "modified": "Last modification date as the page gives it",
    "tags": "Tags and keywords, as a JSON list",
    "body": "Article text, paragraphs separated by a blank line",
    "body_html": "Article body as cleaned HTML",
    "language": "Language code",
    "site_name": "Publication name",
    "description": "Summary the page gives",
    "image": "Lead image address",
    "is_article": "1 if the page read as an article, 0 for index and other pages",
    "comments": "Reader comments, when kept with --comments",
    "word_count": "Words in the body",
    "content_hash": "Hash of the text, whitespace collapsed: equal text, equal hash",
    "page_id": "Raw page this version was extracted from",
    "first_fetched": "When it was first archived (UTC)",
    "last_fetched": "When it was last fetched (UTC)",
    "updated_at": "When the current text was first seen (UTC)",
    "extractor": "scraper version that extracted it",
    "story": "Story: the same text on other sites (wire copy, press releases) has the same number",
    "story_first": "1 for the earliest published article of its story",
}

_VERSION_COLUMNS = {
    "article_id": "The article this is an earlier state of",
    "title": "Headline then",
    "authors": "Byline then, as a JSON list",
    "published": "Publication date then",
    "modified": "Modification date then",
    "tags": "Tags then, as a JSON list",
    "body": "Text then",
    "content_hash": "Hash of that text",
    "page_id": "Raw page that state came from",
    "extractor": "scraper version that extracted it",
    "seen_from": "First seen (UTC)",
    "seen_until": "Last seen (UTC)",
    "replaced_at": "When a newer state replaced it (UTC)",
    "reason": "What replaced it: fetch, file, warc or reextract",
}

_PAGE_COLUMNS = {
    "url": "Address requested (normalised)",
    "final_url": "Address after redirects",
    "status": "HTTP status (empty for a page from a file)",
    "headers": "HTTP response headers, JSON",
    "redirects": "Redirect chain, JSON",
    "content": "Raw page bytes, zlib-compressed",
    "compression": "How content is compressed",
    "size": "Bytes of the page as received (after HTTP content decoding)",
    "sha256": "Hash of the page bytes",
    "fetched_at": "When it was fetched (UTC)",
    "source": "fetch, file or warc",
    "source_ref": "WARC file and record id",
}

_FETCH_COLUMNS = {
    "url": "Address (normalised)",
    "request_url": "Address this attempt requested (a retry or a redirect step)",
    "started_at": "When the attempt started (UTC)",
    "status": "HTTP status, if an answer came",
    "error": "Why it failed, as 'kind: message'",
    "elapsed": "Seconds it took",
    "page_id": "Page stored from this attempt",
}


def canned_queries() -> dict[str, dict[str, Any]]:
    """The questions researchers ask most, as named queries with a form.

    Results carry an ``article_id`` column: the plugin turns it (and the title next to
    it) into a link to the article's reading page.
    """
    return {
        "articles_by_tag": {
            "title": "Articles by tag",
            "description": "Articles carrying a tag, newest first. Case does not matter.",
            "sql": (
                "select a.id as article_id, a.title, a.site, a.published, a.tags\n"
                "from articles a\n"
                "join article_tags at on at.article_id = a.id\n"
                "join tags t on t.id = at.tag_id\n"
                "where t.key = scraper_casefold(trim(:tag))\n"
                "order by a.published desc, a.id desc"
            ),
        },
        "new_last_24_hours": {
            "title": "New articles in the last 24 hours",
            "description": "Articles first archived in the last 24 hours (by fetch time, not publication date).",
            "sql": (
                "select id as article_id, title, site, published, first_fetched\n"
                "from articles\n"
                "where datetime(first_fetched) >= datetime('now', '-1 day')\n"
                "order by first_fetched desc, id desc"
            ),
        },
        "failed_fetches": {
            "title": "Pages that failed to fetch",
            "description": ("Addresses whose most recent fetch attempt failed, with the error and how "
                            "many attempts failed; article_id is set when an older copy is archived."),
            "sql": (
                "select f.url, f.started_at as last_attempt, f.status, f.error,\n"
                "  (select count(*) from fetches g where g.url = f.url and g.error is not null)"
                " as failed_attempts,\n"
                "  a.id as article_id\n"
                "from fetches f\n"
                "left join articles a on a.url = f.url\n"
                "where f.error is not null\n"
                "  and f.id = (select max(h.id) from fetches h where h.url = f.url)\n"
                "order by f.started_at desc, f.id desc"
            ),
        },
        "articles_with_versions": {
            "title": "Articles with more than one version",
            "description": "Articles whose text, title, dates, authors or tags changed; open one to see the diffs.",
            "sql": (
                "select a.id as article_id, a.title, a.site, a.published,\n"
                "  count(v.id) + 1 as versions, max(v.replaced_at) as last_changed\n"
                "from articles a\n"
                "join versions v on v.article_id = a.id\n"
                "group by a.id\n"
                "order by last_changed desc, a.id desc"
            ),
        },
    }


def build_metadata(database: str, *, expose_raw: bool = False,
                   hosts: Sequence[str] | None = LOOPBACK_NAMES) -> dict[str, Any]:
    """Datasette metadata for the archive served under the name ``database``. ``hosts``
    are the only names a request's Host header may give (None: any, for --public)."""
    raw_note = ("" if expose_raw else
                " The raw bytes (content) and HTTP headers (headers) are withheld: "
                "serve with --expose-raw to show them.")
    return {
        "title": "scraper archive",
        "description": "Articles archived by scraper: search them, filter by site, tag and month, "
                       "read an article and how it changed.",
        "plugins": {PLUGIN_NAME: {"database": database, "expose_raw": expose_raw,
                                  "hosts": None if hosts is None else list(hosts)}},
        "databases": {
            database: {
                "description": f"A scraper archive (schema v{SCHEMA_VERSION}).",
                "queries": canned_queries(),
                "tables": {
                    "articles": {
                        "title": "Articles",
                        "description": "One row per archived address, with its newest text. Search the "
                                       "text (best matches first), filter with the facets, open a title "
                                       "to read the article and its earlier versions.",
                        "sort_desc": "published",
                        "facets": ["site", {"array": "tags"}, "published_month", "story"],
                        "facet_size": 8,  # the first story on the first screen, not below 30 tags
                        "fts_table": "articles_fts",
                        "fts_pk": "id",
                        "label_column": "title",
                        "size": 50,
                        "columns": _ARTICLE_COLUMNS,
                    },
                    "versions": {
                        "title": "Versions",
                        "description": "Earlier states of articles: what the text, title, dates, authors "
                                       "and tags were before a newer fetch changed them.",
                        "sort_desc": "replaced_at",
                        "facets": ["reason"],
                        "label_column": "title",
                        "columns": _VERSION_COLUMNS,
                    },
                    "stories": {
                        "title": "Stories",
                        "description": "The same text published on several sites (wire copy, press "
                                       "releases): each story's articles share its id in articles.story; "
                                       "the first is the earliest published.",
                        "sort_desc": "articles",
                        "label_column": "title",
                        "columns": {"first_article_id": "The earliest published article",
                                    "title": "Its title", "first_published": "When it was published",
                                    "articles": "Articles in the story", "sites": "Sites they are on"},
                    },
                    "story_sketches": {"hidden": True},
                    "story_keys": {"hidden": True},
                    "tags": {
                        "title": "Tags",
                        "description": "Each distinct tag once; key is the case-folded form tags are matched by.",
                        "sort": "name",
                        "label_column": "name",
                        "columns": {"name": "Tag as first seen", "key": "Case-folded tag"},
                    },
                    "article_tags": {
                        "title": "Article tags",
                        "description": "Which article carries which tag.",
                    },
                    "pages": {
                        "title": "Pages",
                        "description": "Each distinct raw page fetched, read from a file or imported "
                                       "from a WARC." + raw_note,
                        "sort_desc": "fetched_at",
                        "facets": ["source", "status"],
                        "label_column": "url",
                        "columns": _PAGE_COLUMNS,
                    },
                    "fetches": {
                        "title": "Fetches",
                        "description": "Every HTTP attempt, retries and redirects included; error says why "
                                       "one failed.",
                        "sort_desc": "started_at",
                        "facets": ["status"],
                        "columns": _FETCH_COLUMNS,
                    },
                    "migrations": {
                        "title": "Migrations",
                        "description": "Schema versions this archive was upgraded to, and by which scraper.",
                    },
                },
            }
        },
    }


def build_settings(*, expose_raw: bool = False) -> dict[str, Any]:
    """Datasette settings: no file download unless raw data may be shown (the file holds
    it), facets given time on a large archive, no suggested facets (ours are chosen)."""
    return {
        "allow_download": expose_raw,
        "suggest_facets": False,
        "facet_time_limit_ms": 1000,
    }
