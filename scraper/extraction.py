"""``extract()``: from page HTML to an :class:`~scraper.article.Article`, with no network.

The page is parsed once with lxml. Metadata and dates are read from the intact tree;
then the body finder cleans that same tree and picks the article region, and only
that region goes through BeautifulSoup to be rendered. A site rule, when one matches
the URL, overrides what the generic signals chose for the fields it names, and
``Article.explain`` says which signal or rule chose each field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
from lxml.html import HtmlElement

from .article import Article
from .body import clean_region, drop, drop_archive_banners, find_body, words_of
from .dates import find_dates, title_heading
from .metadata import confirm_language, read_metadata, tag_line_label
from .parsing import charset_of, parse_html
from .render import soup_of, tidy_region, to_markdown, to_text
from .rules import Rules, SiteRule
from .structured import article_objects, json_ld, meta_tags, structured_steps, structured_text
from .urls import web_archive_capture

__all__ = ["extract", "extract_tree", "render_body", "render_region"]

# Below this many characters of body text a page is not an article (CJK scripts say
# more per character, hence the lower bar for them).
MIN_ARTICLE_CHARS = 250
MIN_ARTICLE_CHARS_CJK = 100
COMMENT_WORDS = {"comment", "comments", "commentlist", "disqus", "discussion", "responses", "kommentare",
                 "commentaires", "comentarios", "commenti", "reacties", "komentarze", "kommentarii",
                 "yorumlar"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def extract(html: str | bytes, url: str | None = None, *, headers: Mapping[str, str] | None = None,
            now: datetime | None = None, rules: Rules | None = None, comments: bool = False) -> Article:
    """Extract the article of one page. Pure: no network, no archive.

    ``headers`` are the HTTP response headers when known (charset, Content-Language);
    ``now`` anchors relative dates such as "3 hours ago" (default: the current time);
    ``rules`` are site rules (see :mod:`scraper.rules`); ``comments=True`` keeps the
    reader comments in ``Article.comments`` (they never go into the body).
    """
    return extract_tree(parse_html(html, charset_of(headers)), url, headers=headers, now=now, rules=rules,
                        comments=comments)


def extract_tree(doc: HtmlElement, url: str | None = None, *, headers: Mapping[str, str] | None = None,
                 now: datetime | None = None, rules: Rules | None = None, comments: bool = False) -> Article:
    """:func:`extract` on a page already parsed with :func:`scraper.parsing.parse_html`.

    For callers that read something else from the tree first (the crawler takes the
    links) and should not parse the page twice. The tree is cleaned in place: read
    what you need from it before calling this.
    """
    rule = rules.for_url(url) if rules is not None else None
    if rule is not None:
        for el in rule.select("remove", doc):
            drop(el)
    drop_archive_banners(doc)
    objects = json_ld(doc)
    meta = meta_tags(doc)
    info = read_metadata(doc, url, headers=headers, objects=objects, meta=meta)
    headline = title_heading(doc, meta)
    dates = find_dates(doc, url, objects=objects, meta=meta, now=now, heading=headline)
    capture = web_archive_capture(url) or web_archive_capture(info.canonical_url)
    article = Article(
        url=url, canonical_url=info.canonical_url or url, original_url=capture.original if capture else None,
        title=info.title, authors=info.authors,
        published=dates.published, modified=dates.modified, tags=info.tags, language=info.language,
        site_name=info.site_name, description=info.description, image=info.image,
        explain=dict(info.explain),
    )
    if capture is not None:
        article.explain["original_url"] = f"web archive copy captured {capture.captured:%Y-%m-%d %H:%M:%S} UTC"
    if dates.published_source:
        article.explain["published"] = dates.published_source
    if dates.modified_source:
        article.explain["modified"] = dates.modified_source
    if comments:
        article.comments = _comments(doc)
    if rule is not None:
        _apply_rule_fields(rule, doc, article)

    content = rule.select("content", doc) if rule is not None and rule.content else []
    if content:
        region_el = content[0] if len(content) == 1 else _gather(content)
        clean_region(region_el, is_tag_line=tag_line_label)
        article.explain["body"] = f"rule {rule.domain}: content {rule.content}"  # type: ignore[union-attr]
        article.body, article.body_html = render_region(region_el)
    else:
        body_root = doc.find("body")
        region = find_body(body_root if body_root is not None else doc, reference=_json_ld_body(objects),
                           is_tag_line=tag_line_label, alternative=structured_text(objects), headline=headline,
                           steps=structured_steps(objects))
        if region is not None:
            article.explain["body"] = region.reason
            article.body, article.body_html = render_region(region.el)
    if article.body and "language" in article.explain:
        article.language, article.explain["language"] = confirm_language(
            article.language, article.explain["language"], article.body, article.title or "")
    article.is_article, why = _is_article(article, url, objects, meta)
    if not article.is_article:
        article.explain["is_article"] = why
    return article


def render_region(el: HtmlElement) -> tuple[str, str]:
    """Render an lxml region as (plain text, tidy HTML): tidied on the lxml side, the
    text rendered from it by BeautifulSoup."""
    tidy_region(el)
    html = lxml.html.tostring(el, encoding="unicode", with_tail=False)
    soup = soup_of(html)
    return to_text(soup.body or soup), html


def render_body(body_html: str, body_format: str = "text") -> str:
    """Re-render a stored ``body_html`` as ``text``, ``markdown`` or ``html``."""
    if body_format == "html":
        return body_html
    soup = soup_of(body_html)  # stored body_html is already tidy (see render_region)
    root = soup.body or soup
    return to_markdown(root) if body_format == "markdown" else to_text(root)


# -- helpers ----------------------------------------------------------------------------

def _json_ld_body(objects: list[dict]) -> str | None:
    for obj in article_objects(objects):
        body = obj.get("articleBody")
        if isinstance(body, str) and len(body) > 200:
            return body
    return None


def _gather(elements: list[HtmlElement]) -> HtmlElement:
    """Several matches of a content selector become one region, in page order."""
    wrapper = lxml.html.Element("div")
    for el in elements:
        if not any(other is not el and el in other.iterdescendants() for other in elements):
            wrapper.append(el)
    return wrapper


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _apply_rule_fields(rule: SiteRule, doc: HtmlElement, article: Article) -> None:
    where = f"rule {rule.domain}"
    if rule.title:
        found = [t for t in (_text(el) for el in rule.select("title", doc)) if t]
        if found:
            article.title = found[0]
            article.explain["title"] = f"{where}: title {rule.title}"
    if rule.authors:
        names = list(dict.fromkeys(t for t in (_text(el) for el in rule.select("authors", doc)) if t))
        if names:
            article.authors = names
            article.explain["authors"] = f"{where}: authors {rule.authors}"
    if rule.tags:
        seen: dict[str, str] = {}
        for tag in (_text(el) for el in rule.select("tags", doc)):
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
        if seen:
            article.tags = list(seen.values())
            article.explain["tags"] = f"{where}: tags {rule.tags}"
    if rule.date:
        for el in rule.select("date", doc):
            value = el.get("datetime") or el.get("content") or _text(el)
            match = _ISO_DATE.search(value or "")
            if match:
                article.published = match.group(0).replace(" ", "T")
                article.explain["published"] = f"{where}: date {rule.date}"
                break


def _comments(doc: HtmlElement) -> str | None:
    """The text of the page's reader-comment section, if it has one in the HTML."""
    best, best_len = None, 0
    for el in doc.iter("div", "section", "ol", "ul", "aside"):
        if el.attrib and words_of(el) & COMMENT_WORDS:
            size = len(el.text_content())
            if size > best_len:
                best, best_len = el, size
    if best is None or best_len < 40:
        return None
    text, _ = render_region(best)
    return text or None


def _is_article(article: Article, url: str | None, objects: list[dict],
                meta: dict[str, list[str]]) -> tuple[bool, str]:
    """Say whether the page is one article, and if not, why (home pages, lists, stubs)."""
    body = article.body
    minimum = MIN_ARTICLE_CHARS_CJK if _CJK.search(body[:200]) else MIN_ARTICLE_CHARS
    declared = bool(article_objects(objects)) or any(
        v.lower() == "article" for v in meta.get("og:type", []))
    if len(body) < minimum and not (declared and len(body) >= minimum // 2):
        return False, f"body too short ({len(body)} characters)"
    path = urlsplit(url).path if url else None
    if path in ("", "/") and not declared:
        return False, "site home page"
    return True, ""
