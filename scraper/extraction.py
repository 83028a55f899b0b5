"""``extract()``: from page HTML to an :class:`~scraper.article.Article`, with no network.

The page is parsed once with lxml. Metadata and dates are read from the intact tree;
then the body finder cleans that same tree and picks the article region, and only
that region goes through BeautifulSoup to be rendered. Site rules, when one matches
the URL, override what the generic signals chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import lxml.html
from lxml.html import HtmlElement

from .article import Article
from .body import find_body
from .dates import find_dates
from .metadata import read_metadata, tag_line_label
from .parsing import parse_html
from .render import soup_of, tidy, to_html, to_markdown, to_text
from .structured import article_objects, json_ld, meta_tags

__all__ = ["extract", "render_body"]

# Below this many characters of body text a page is not treated as an article.
MIN_ARTICLE_CHARS = 250


def extract(html: str | bytes, url: str | None = None, *, headers: Mapping[str, str] | None = None,
            now: datetime | None = None) -> Article:
    """Extract the article of one page. Pure: no network, no archive.

    ``headers`` are the HTTP response headers when known (charset, Content-Language);
    ``now`` anchors relative dates such as "3 hours ago" (default: the current time).
    """
    charset = _charset(headers)
    doc = parse_html(html, charset)
    objects = json_ld(doc)
    meta = meta_tags(doc)
    info = read_metadata(doc, url, headers=headers, objects=objects, meta=meta)
    dates = find_dates(doc, url, objects=objects, meta=meta, now=now)
    explain = dict(info.explain)
    if dates.published_source:
        explain["published"] = dates.published_source
    if dates.modified_source:
        explain["modified"] = dates.modified_source

    reference = _json_ld_body(objects)
    body_root = doc.find("body")
    region = find_body(body_root if body_root is not None else doc, reference=reference,
                       is_tag_line=tag_line_label)
    body_text, body_html = "", ""
    if region is not None:
        explain["body"] = region.reason
        body_text, body_html = render_region(region.el)
    is_article = len(body_text) >= MIN_ARTICLE_CHARS or (
        bool(article_objects(objects)) and len(body_text) >= MIN_ARTICLE_CHARS // 3)
    return Article(
        url=url,
        canonical_url=info.canonical_url or url,
        title=info.title,
        authors=info.authors,
        published=dates.published,
        modified=dates.modified,
        tags=info.tags,
        body=body_text,
        body_html=body_html,
        language=info.language,
        site_name=info.site_name,
        description=info.description,
        image=info.image,
        is_article=is_article,
        explain=explain,
    )


def render_region(el: HtmlElement) -> tuple[str, str]:
    """Render an lxml region as (plain text, tidy HTML) through BeautifulSoup."""
    root = tidy(soup_of(lxml.html.tostring(el, encoding="unicode")))
    return to_text(root), to_html(root)


def render_body(body_html: str, body_format: str = "text") -> str:
    """Re-render a stored ``body_html`` as ``text``, ``markdown`` or ``html``."""
    if body_format == "html":
        return body_html
    root = tidy(soup_of(body_html))
    return to_markdown(root) if body_format == "markdown" else to_text(root)


def _charset(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "content-type" and "charset=" in value.lower():
            return value.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    return None


def _json_ld_body(objects: list[dict]) -> str | None:
    for obj in article_objects(objects):
        body = obj.get("articleBody")
        if isinstance(body, str) and len(body) > 200:
            return body
    return None
