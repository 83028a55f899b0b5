"""The reading page of one article: what it shows, built from plain archive rows.

Kept apart from Datasette so the page's content (dates in words, a body safe to put in
a page, the history with its diffs) can be tested without a server.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import lxml.html
from lxml import etree
from markupsafe import Markup

from ..history import FIELDS, Version, history, json_list
from ..safehtml import web_url

__all__ = ["article_context", "display_date", "json_list", "safe_body_html", "text_paragraphs_html"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What an article body may use on the page. Anything else is unwrapped (its text stays) or,
# for the tags below, dropped with its content. No attribute survives but a link's address.
_KEEP = {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "em", "i", "strong", "b", "a",
         "code", "pre", "br", "hr", "q", "cite", "sub", "sup", "figure", "figcaption", "dl", "dt", "dd",
         "table", "thead", "tbody", "tr", "th", "td", "s", "small", "abbr", "mark"}
_DROP = {"script", "style", "iframe", "object", "embed", "form", "input", "button", "select", "textarea",
         "svg", "math", "template", "noscript", "img", "picture", "video", "audio", "source", "link", "meta",
         "canvas", "frame", "frameset", "base"}
_REASONS = {"fetch": "a new fetch", "file": "a page read from a file", "warc": "a WARC import",
            "reextract": "re-extraction"}


def display_date(value: str | None) -> str:
    """An ISO date or time in words ("22 July 2021, 13:05 UTC+03:00"), whatever the locale;
    unparsable text comes back as it is."""
    if not value:
        return ""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return text
    day = f"{parsed.day} {_MONTHS[parsed.month - 1]} {parsed.year}"
    if _DAY.match(text):
        return day
    shown = f"{day}, {parsed:%H:%M}"
    offset = parsed.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        shown += " UTC" if minutes == 0 else f" UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return shown


def text_paragraphs_html(text: str | None) -> Markup:
    """Plain text with blank-line paragraphs as escaped ``<p>`` elements."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(p) for p in paras)


def safe_body_html(body_html: str | None, base_url: str | None = None) -> Markup | None:
    """The stored body HTML cut down to an allow-list of tags with no attributes but
    http(s) link targets, so a hostile page cannot run script in the reader's browser
    or make it load anything. None when there is no usable HTML."""
    if not body_html or not body_html.strip():
        return None
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in list(root.iter()):
        if el is root or el.getparent() is None:
            continue
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _DROP:
            el.drop_tree()
            continue
        href = el.get("href") if tag == "a" else None
        el.attrib.clear()
        if tag == "h1":
            el.tag = "h2"
        elif tag not in _KEEP:
            el.drop_tag()
            continue
        if tag == "a":
            target = web_url(href or "", base_url)
            if target is not None:
                el.set("href", target)
                el.set("rel", "nofollow noopener noreferrer")
    root.attrib.clear()
    html = lxml.html.tostring(root, encoding="unicode", method="html")
    html = html[len("<div>"):-len("</div>")] if html.startswith("<div>") else html
    return Markup(html) if html.strip() else None


def _web_address(url: str | None) -> str | None:
    """A link target only if it is http(s): a hostile page may name a javascript: URL."""
    return web_url(url.strip()) if url else None


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return value or "(none)"


def _state(version: Version, previous: Version | None, count: int) -> dict[str, Any]:
    """One version as the template shows it (see :func:`scraper.history.history`)."""
    if version.current:
        label = f"Version {version.number} (current)" if count > 1 else "Current"
    else:
        label = f"Version {version.number}"
    state = {
        "label": label,
        "current": version.current,
        "title": version.title,
        "authors": version.authors,
        "tags": version.tags,
        "published": version.published,
        "modified": version.modified,
        "body": version.body,
        "seen_from": version.seen_from,
        "seen_until": version.seen_until,
        "replaced_at": version.replaced_at,
        "replaced_by": _REASONS.get(version.reason or "", version.reason) if version.reason else None,
        "page_id": version.page_id,
        "extractor": version.extractor,
        "first": previous is None,
        "changes": [],
        "diff": version.diff,
        "added": version.words_added,
        "removed": version.words_removed,
    }
    if previous is not None:
        state["changes"] = [{"field": label, "old": _shown(getattr(previous, name)),
                             "new": _shown(getattr(version, name))}
                            for name, label in FIELDS if name in version.changed]
    return state


def article_context(row: dict[str, Any], versions: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the reading page shows: the article, and its history newest first, each
    state with what changed since the one before (fields, and the text as a diff).

    ``row`` is the ``articles`` row; ``versions`` its ``versions`` rows in any order.
    """
    past = history(row, versions)
    states = [_state(v, previous, len(past)) for previous, v in zip([None, *past], past)]
    url = row.get("final_url") or row.get("url")
    body = safe_body_html(row.get("body_html"), url) or text_paragraphs_html(row.get("body"))
    return {
        "article": {
            "id": row["id"],
            "title": row.get("title") or row.get("url"),
            "url": row.get("url"),
            "original_url": (_web_address(row.get("original_url")) or _web_address(row.get("canonical_url"))
                             or _web_address(url)),
            "site": row.get("site"),
            "site_name": row.get("site_name") or row.get("site"),
            "authors": json_list(row.get("authors")),
            "tags": json_list(row.get("tags")),
            "published": row.get("published"),
            "published_display": display_date(row.get("published")),
            "modified": row.get("modified"),
            "modified_display": display_date(row.get("modified")),
            "language": row.get("language"),
            "description": row.get("description"),
            "word_count": row.get("word_count"),
            "is_article": bool(row.get("is_article", 1)),
            "first_fetched": row.get("first_fetched"),
            "first_fetched_display": display_date(row.get("first_fetched")),
            "last_fetched": row.get("last_fetched"),
            "last_fetched_display": display_date(row.get("last_fetched")),
            "body_html": body,
        },
        "history": list(reversed(states)),
        "version_count": len(states),
    }
