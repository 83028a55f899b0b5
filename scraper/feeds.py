"""Feeds, sitemaps and feed discovery: untrusted XML in, article URLs (with dates) out.

Everything here is pure (bytes in, values out) so it runs the same in a crawl thread,
a worker process or a cluster worker. Feeds and sitemaps come from servers we do not
control, so XML is parsed without entity expansion, DTD loading or network access
(billion-laughs and XXE documents are refused), and every input is size-capped,
including what a gzip file inflates to.
"""

from __future__ import annotations

import email.utils
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

import defusedxml.ElementTree as SafeET
import lxml.etree
import lxml.html
from defusedxml import DefusedXmlException

__all__ = [
    "MAX_XML_BYTES",
    "Entry",
    "FeedError",
    "Sitemap",
    "discover_feeds",
    "gunzip_capped",
    "looks_like_html",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
    "parse_xml",
]

# The sitemap protocol's own limit for one file, uncompressed; feeds are far smaller.
MAX_XML_BYTES = 50 * 1024 * 1024
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "text/xml", "application/xml")


class FeedError(ValueError):
    """A feed or sitemap that cannot (or must not) be read; ``kind`` is a short code for logs."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Entry:
    """One URL found in a feed or sitemap, with the date that came with it (if any)."""

    url: str
    date: datetime | None = None


@dataclass
class Sitemap:
    """A parsed sitemap: page ``urls`` (a urlset) and/or child ``sitemaps`` (an index)."""

    urls: list[Entry] = field(default_factory=list)
    sitemaps: list[Entry] = field(default_factory=list)


# -- bytes ------------------------------------------------------------------------------

def gunzip_capped(data: bytes, limit: int = MAX_XML_BYTES) -> bytes:
    """Inflate gzip ``data`` (``.xml.gz``) but never past ``limit`` bytes: a gzip bomb stops here."""
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, auto-detected
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise FeedError("bad-gzip", f"not valid gzip data: {exc}") from None
    if len(out) > limit:
        raise FeedError("too-large", f"gzip data inflates to more than {limit} bytes (stopped there)")
    return out


def _prepare(data: bytes, limit: int) -> bytes:
    if data[:2] == b"\x1f\x8b":
        data = gunzip_capped(data, limit)
    if len(data) > limit:
        raise FeedError("too-large", f"document of {len(data)} bytes is over the {limit}-byte limit")
    return data


def looks_like_html(data: bytes) -> bool:
    """True when ``data`` starts like an HTML page rather than XML or JSON."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    return head.startswith((b"<!doctype html", b"<html")) or (
        b"<html" in head and not head.startswith(b"<?xml"))


# -- XML --------------------------------------------------------------------------------

_SAFE_LXML = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                  dtd_validation=False, recover=True, remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, *, limit: int = MAX_XML_BYTES) -> Any:
    """Parse untrusted XML safely and return its root element.

    Entity declarations (billion laughs) and external entities (XXE) are refused
    outright by defusedxml; a document that is merely malformed (a bare ``&`` is
    common in feeds) is retried with lxml in recover mode with entity resolution,
    DTD loading and network access all off.
    """
    data = _prepare(data, limit)
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError("unsafe-xml", f"refused: the document declares entities ({type(exc).__name__})") from None
    except SafeET.ParseError:
        pass
    if b"<!ENTITY" in data[:65536]:
        raise FeedError("unsafe-xml", "refused: the document declares entities")
    try:
        root = lxml.etree.fromstring(data, lxml.etree.XMLParser(**_SAFE_LXML))
    except lxml.etree.XMLSyntaxError as exc:
        raise FeedError("bad-xml", f"not well-formed XML: {exc}") from None
    if root is None:
        raise FeedError("bad-xml", "not XML: no root element")
    return root


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _children(el: Any, name: str) -> Iterable[Any]:
    return (child for child in el if _local(child.tag) == name)


def _text(el: Any, *names: str) -> str | None:
    for name in names:
        for child in _children(el, name):
            text = (child.text or "").strip()
            if text:
                return text
    return None


# -- dates ------------------------------------------------------------------------------

_RELATIVE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)


def parse_date(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """A timezone-aware datetime from RFC 822 (RSS), ISO 8601 / W3C (Atom, sitemaps), or
    a relative ``36h`` / ``2d`` / ``1w`` (for ``--since``); None when it cannot be read.
    Dates without a zone are taken as UTC."""
    if not text:
        return None
    text = text.strip()
    match = _RELATIVE.match(text)
    if match:
        hours = int(match.group(1)) * {"h": 1, "d": 24, "w": 24 * 7}[match.group(2).lower()]
        return (now or datetime.now(timezone.utc)) - timedelta(hours=hours)
    value: datetime | None = None
    if re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", text):
        parts = [int(p) for p in text.split("-")] + [1, 1]
        try:
            value = datetime(parts[0], parts[1], parts[2])
        except ValueError:
            return None
    else:
        iso = text.replace("Z", "+00:00").replace("z", "+00:00")
        if " " in iso and "T" not in iso and re.match(r"^\d{4}-\d{2}-\d{2} \d", iso):
            iso = iso.replace(" ", "T", 1)
        try:
            value = datetime.fromisoformat(iso)
        except ValueError:
            try:
                value = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


# -- feeds ------------------------------------------------------------------------------

def parse_feed(data: bytes, base_url: str, *, limit: int = MAX_XML_BYTES) -> list[Entry]:
    """Entries of an RSS 0.9x/1.0/2.0, Atom or JSON Feed document, URLs made absolute.

    Raises :class:`FeedError` for anything that is not a feed (including HTML: use
    :func:`discover_feeds` on it).
    """
    data = _prepare(data, limit)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return _json_feed(stripped, base_url)
    if looks_like_html(data):
        raise FeedError("html", "an HTML page, not a feed")
    root = parse_xml(data, limit=limit)
    kind = _local(root.tag)
    if kind == "rss":
        channel = next(iter(_children(root, "channel")), root)
        return [e for e in (_rss_item(item, base_url) for item in _children(channel, "item")) if e]
    if kind == "rdf":
        items = list(_children(root, "item"))
        for channel in _children(root, "channel"):
            items.extend(_children(channel, "item"))
        return [e for e in (_rss_item(item, base_url) for item in items) if e]
    if kind == "feed":
        return [e for e in (_atom_entry(entry, base_url) for entry in _children(root, "entry")) if e]
    raise FeedError("not-a-feed", f"not a feed: the root element is <{kind or '?'}>")


def _rss_item(item: Any, base_url: str) -> Entry | None:
    link = _text(item, "origlink")  # FeedBurner: the real address behind its redirect
    link = link or _text(item, "link")
    if not link:
        for guid in _children(item, "guid"):
            value = (guid.text or "").strip()
            if value.startswith(("http://", "https://")) and guid.get("isPermaLink", "true").lower() != "false":
                link = value
    if not link:
        for child in _children(item, "link"):  # <atom:link href=...> inside an RSS item
            link = child.get("href")
    if not link:
        return None
    date = parse_date(_text(item, "pubdate", "date", "published", "updated", "issued"))
    return Entry(urljoin(base_url, link.strip()), date)


def _atom_entry(entry: Any, base_url: str) -> Entry | None:
    href = None
    for link in _children(entry, "link"):
        rel = (link.get("rel") or "alternate").lower()
        if rel == "alternate" and link.get("href"):
            kind = (link.get("type") or "text/html").lower()
            if href is None or kind in ("text/html", "application/xhtml+xml"):
                href = link.get("href")
    if href is None:
        ident = _text(entry, "id")
        if ident and ident.startswith(("http://", "https://")):
            href = ident
    if not href:
        return None
    date = parse_date(_text(entry, "published", "issued", "updated", "modified"))
    return Entry(urljoin(base_url, href.strip()), date)


def _json_feed(data: bytes, base_url: str) -> list[Entry]:
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise FeedError("bad-json", f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("not-a-feed", "JSON, but not a JSON Feed (no jsonfeed.org version)")
    entries = []
    for item in doc.get("items") or []:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if not isinstance(url, str) or not url.strip():
            continue
        date = item.get("date_published") or item.get("date_modified")
        entries.append(Entry(urljoin(base_url, url.strip()), parse_date(date if isinstance(date, str) else None)))
    return entries


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml" …>``."""
    try:
        doc = lxml.html.fromstring(html[:2 * 1024 * 1024])
    except (lxml.etree.ParserError, ValueError):
        return []
    base = base_url
    for el in doc.iter("base"):
        if el.get("href"):
            base = urljoin(base_url, el.get("href"))
            break
    found: list[str] = []
    for el in doc.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        kind = (el.get("type") or "").lower().split(";")[0].strip()
        href = (el.get("href") or "").strip()
        if "alternate" in rels and kind in FEED_TYPES and href:
            url = urljoin(base, href)
            if url not in found:
                found.append(url)
    return found


# -- sitemaps ---------------------------------------------------------------------------

def parse_sitemap(data: bytes, base_url: str, *, limit: int = MAX_XML_BYTES) -> Sitemap:
    """A sitemap (urlset, sitemap index, gzipped or not, plain text list, or an RSS/Atom
    feed, all allowed by the protocol). News sitemaps' ``publication_date`` wins over
    ``lastmod`` as an entry's date."""
    data = _prepare(data, limit)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head != b"<":
        urls = [Entry(urljoin(base_url, line.strip()))
                for line in data.decode("utf-8", "replace").splitlines()
                if line.strip().startswith(("http://", "https://"))]
        if not urls and data.strip():
            raise FeedError("not-a-sitemap", "neither XML nor a text list of URLs")
        return Sitemap(urls=urls)
    root = parse_xml(data, limit=limit)
    kind = _local(root.tag)
    if kind in ("rss", "rdf", "feed"):
        return Sitemap(urls=parse_feed(data, base_url, limit=limit))
    result = Sitemap()
    if kind == "sitemapindex":
        for node in _children(root, "sitemap"):
            loc = _text(node, "loc")
            if loc:
                result.sitemaps.append(Entry(urljoin(base_url, loc), parse_date(_text(node, "lastmod"))))
        return result
    if kind == "urlset":
        for node in _children(root, "url"):
            loc = _text(node, "loc")
            if not loc:
                continue
            date = None
            for news in _children(node, "news"):
                date = parse_date(_text(news, "publication_date"))
            result.urls.append(Entry(urljoin(base_url, loc), date or parse_date(_text(node, "lastmod"))))
        return result
    raise FeedError("not-a-sitemap", f"not a sitemap: the root element is <{kind or '?'}>")

