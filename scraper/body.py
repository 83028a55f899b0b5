"""Find the article body in a page tree and strip the boilerplate inside it.

This is the coarse, fast pass, done on the lxml tree:

1. :func:`clean_tree` drops what is never article text (scripts, forms controls,
   hidden elements, navigation, captions).
2. :func:`text_blocks` cuts the page into blocks of running text and rates each one
   as content (long, punctuated, few links) or boilerplate (link lists, short labels,
   blocks under "related"/"share"/"comments" containers).
3. :func:`choose_region` picks the element whose blocks add up to the most content:
   boilerplate counts against a region, so the winner is the tightest element that
   holds the article. Semantic markup (``itemprop=articleBody``, ``<article>``,
   content class names) and a complete JSON-LD ``articleBody`` are tie-breakers.
4. :func:`prune_region` removes what is left inside: related-story lists, share bars,
   newsletter and donation appeals, tag lines, bylines, "Read more" blocks.

The fine work on the chosen region (rendering text, Markdown and HTML) happens in
:mod:`scraper.render` with BeautifulSoup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from scraper import lexicon

__all__ = ["Region", "drop_archive_banners", "clean_tree", "text_blocks", "choose_region", "prune_region", "find_body", "clean_region",
           "words_of", "names_body", "drop"]

# -- vocabularies -------------------------------------------------------------------

# Elements that never hold article text.
DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "embed",
    "video", "audio", "source", "track", "map", "button", "input", "select", "textarea", "option",
    "optgroup", "datalist", "output", "progress", "meter", "dialog", "link", "meta", "head", "title",
    "figcaption", "menu", "img", "picture", "label", "fieldset", "legend",
    "rt", "rp",  # ruby annotations: the reading of a word, printed above it, not text of its own
}
# Page furniture by its tag. Not dropped outright: broken markup sometimes leaves the
# whole story inside an unclosed <aside> or <header>, so these are judged like
# furniture named by class (they lose unless they hold the headline or the story).
FURNITURE_TAGS = {"nav", "aside", "footer", "header"}
# When blocks are rated, the text under furniture tags (and weak furniture names, see
# WEAK_CONTEXT) is boilerplate, unless the page marks no story of its own and the
# element holds at least this share of the page's prose: then it is a wrapper (a story
# inside an unclosed <header>, a blog post nested inside a sidebar widget by broken markup)…
WRAPPER_PROSE_SHARE = 0.5
# …and at least this share of its own prose is in one run of sibling paragraphs.
WRAPPER_RUN_SHARE = 0.5
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
    "figure", "header", "footer", "aside", "nav", "address", "details", "summary", "center", "hr",
    "form", "body", "html", "hgroup", "br",
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SUBHEADINGS = ("h2", "h3", "h4", "h5", "h6")
# Roles of elements that never hold article text: dropped outright.
FURNITURE_ROLES = {"search", "dialog", "alert", "menu", "menubar", "toolbar"}
# Landmark roles of page furniture: judged like the tags they stand for (a story can
# sit inside an unclosed role="banner" box).
LANDMARK_ROLES = {"navigation": "nav", "contentinfo": "footer", "banner": "header", "complementary": "aside"}

# Class/id words that mark page furniture. Matched against whole words of the
# class and id (split on "-", "_", spaces and camelCase), never substrings.
# A strong word drops its element unless it holds a large share of the article;
# a weak word ("image", "meta", "header"…) also names harmless wrappers such as
# "has-post-thumbnail", so it drops only elements with little prose in them.
# The same furniture named in other languages (class names follow the newsroom's
# language more often than not) is in the lexicon's CLASS_* tables, unioned in.
FURNITURE_STRONG = {
    "related", "relatedarticles", "recommended", "recommendations", "recommend", "recirc",
    "recirculation", "promo", "promotion", "promoted", "promos", "outbrain", "taboola", "comment",
    "comments", "disqus", "popular", "trending", "mostread", "nextread", "upnext", "readnext", "bio",
    "biography", "authorbio", "newsfeed", "outstream", "caption", "captions", "credit", "credits",
    "imagecaption", "photocaption", "wpcaption", "tooltip", "popover", "hovercard",
} | lexicon.words(lexicon.CLASS_FURNITURE_STRONG)
# Furniture that is always small: a share bar, an ad slot or a newsletter box never
# holds paragraphs of prose, so an element with these names that does is a wrapper.
FURNITURE_SMALL = {
    "share", "sharing", "sharebar", "social", "socials", "newsletter", "newsletters", "subscribe",
    "subscription", "subscribers", "advert", "advertisement", "adverts", "ad", "ads", "adsense", "adslot",
    "adunit", "advertising", "sponsor", "sponsored", "donate", "donation", "donations", "contribution",
    "membership", "breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "gdpr", "signup", "login",
} | lexicon.words(lexicon.CLASS_FURNITURE_SMALL)
FURNITURE_WEAK = {
    "tags", "tagline", "taglist", "byline", "author", "authors", "sidebar", "widget", "widgets",
    "footer", "nav", "navbar", "navigation", "menu", "masthead", "modal", "popup", "overlay", "toolbar", "print", "skip", "pagination", "pager", "teaser",
    "teasers", "banner", "rail", "more", "also", "follow", "feed", "cta", "prev", "next", "topics",
    "keywords", "meta", "metadata", "timestamp", "dateline", "date", "headline", "kicker",
    "jump", "sticky", "callout", "lightbox", "gallery", "carousel", "slider", "video", "player",
    "podcast", "audio", "livestream", "alert", "notification", "notice", "tools", "utility",
    "actions", "reactions", "rating", "ratings", "poll", "quiz", "survey", "photo", "image", "img",
    "media", "thumbnail", "thumb", "icon", "logo", "header", "paywall", "contribute",
} | lexicon.words(lexicon.CLASS_FURNITURE_WEAK)
# Furniture words that, on an ancestor, make every block inside it boilerplate (used
# when rating blocks; pruning uses the wider lists above). Furniture comes in two
# sizes. Comment threads and lists of other stories can be long, so their names flag
# a container of any size. Share bars, ads, newsletter and cookie boxes are always
# small, so a container with those names that holds a lot of prose is a wrapper
# ("sr-body-share-wrapper" holds a story and its share buttons), not the furniture.
LARGE_CONTEXT = {
    "comment", "comments", "disqus", "related", "relatedarticles", "recommended", "recommendations",
    "recirc", "recirculation", "outbrain", "taboola", "popular", "trending", "mostread", "promo",
} | lexicon.words(lexicon.CLASS_LARGE_CONTEXT)
SMALL_CONTEXT = {
    "newsletter", "breadcrumb", "breadcrumbs", "cookie", "consent", "share", "sharing", "social", "advert",
    "advertisement", "ad", "ads", "sponsored", "donate", "donation", "subscribe", "subscription",
} | lexicon.words(lexicon.CLASS_SMALL_CONTEXT)
# Small furniture (SMALL_CONTEXT) holds less prose than this, and less than this share of
# the page's (or the named article body's) prose; more makes it a wrapper.
SMALL_FURNITURE_PROSE = 800.0
SMALL_FURNITURE_SHARE = 0.5
WEAK_CONTEXT = {
    "carousel", "slider", "swiper", "slideshow", "ticker", "marquee",
    "sidebar", "aside", "secondary", "footer", "nav", "navbar", "navigation", "menu", "rail", "widget", "widgets", "teaser",
    "teasers", "modal", "popup", "paywall",
}
POSITIVE_WORDS = {
    "article", "articlebody", "body", "content", "entry", "main", "post", "story", "text", "prose",
    "richtext", "blog", "news", "copy", "page", "column", "single", "detail", "storytext",
}
# Class/id phrases that name the body itself (after joining words with "-").
BODY_NAMES = re.compile(
    r"(?:^|[-_ ])(?:article|story|post|entry|news|blog|content|detail)[-_ ]{0,2}"
    r"(?:body|content|text|copy|entry|article|detail)(?:$|[-_ ])|"
    r"articlebody|storybody|postbody|entrycontent|postcontent|articlecontent|bodytext|"
    r"(?:^|[-_ ])(?:body|rich|main)[-_]?text(?:$|[-_ ])|story[-_]?text|article[-_]?text",
    re.IGNORECASE,
)
# Words and phrases that open boilerplate blocks, in many languages (see
# lexicon.BOILERPLATE_START). A block matches when its whole text is short and starts
# with (or is) one of these.
_BOILERPLATE_START = lexicon.alternation(lexicon.BOILERPLATE_START)
BOILERPLATE_START = re.compile(rf"^\W*(?:{_BOILERPLATE_START})", re.IGNORECASE)
# Headings that introduce a block of other stories.
RELATED_HEADING = re.compile(rf"^\W*(?:{lexicon.alternation(lexicon.RELATED_HEADING)})", re.IGNORECASE)
# Appeals for money or sign-ups (donations, memberships, subscriptions, newsletters).
APPEAL = re.compile(rf"\b(?:{lexicon.alternation(lexicon.APPEAL)})", re.IGNORECASE)
# Lines that close an author's bio: furniture when short, but a story may end with
# "Follow him on Instagram to watch." in a paragraph of its own.
BIO_APPEAL = re.compile(rf"\b(?:{lexicon.alternation(lexicon.BIO_APPEAL)})", re.IGNORECASE)
BIO_APPEAL_MAX = 160


@lru_cache(maxsize=8192)
def is_appeal(text: str) -> bool:
    """True for a call to donate, subscribe or sign up, or a short bio's contact line.

    Cached: the same block's text is asked about by several steps of one page."""
    return bool(APPEAL.search(text)) or (len(text) < BIO_APPEAL_MAX and bool(BIO_APPEAL.search(text)))


# The opening line of a paywall box that stands where the rest of the story would be.
PAYWALL = re.compile(rf"\b(?:{lexicon.alternation(lexicon.PAYWALL)})", re.IGNORECASE)
PAYWALL_BOX_MAX = 1500
# The paywall line itself is at most this long (a paragraph that mentions subscribers is longer).
PAYWALL_LINE_MAX_CHARS = 200
_LETTER = re.compile(r"[^\W\d_]")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")
# A teaser ends with a link to the rest of the story.
READ_MORE_END = re.compile(rf"(?:{lexicon.alternation(lexicon.READ_MORE_END)})\W*$", re.IGNORECASE)
# A date or a clock time: in a short line before the story, that line is a dateline
# or a byline ("Lucía Romero · Sevilla · 12/01/2024 - 18:45").
DATELINE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{1,2}:\d{2}\b|\d{4}\s*年\s*\d{1,2}\s*月|\d{4}년"
    r"|\b\d{1,2}\.?\s+(?:de\s+)?[^\W\d_]{3,12}\.?,?\s+(?:de\s+)?\d{4}\b"  # 17 de marzo de 2020, 3. März 2021
    r"|\b[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4}\b"  # March 17, 2020
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
# Sentence ends in many scripts: Latin, CJK, Devanagari danda, Arabic/Urdu, Armenian,
# Ethiopic, Myanmar; closing quotes and brackets after the last sentence.
_SENTENCE_END = re.compile(r"[.!?。！？…»”\"')।॥؟۔։።။]\s*$|[.!?。！？।؟۔։።။](?:\s|$)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Embedded posts (tweets, Instagram…) quoted by the story are part of it, even when
# their wrapper is called "social-media-embed".
EMBED_WORDS = {"embed", "embedded", "tweet", "twittertweet", "instagrammedia", "tiktokembed", "blockquote"}
HIDDEN_WORDS = {"hidden", "hide", "sronly", "visuallyhidden", "screenreadertext", "screenreaderonly",
                "offscreen", "invisible"}


def words_of(el: HtmlElement) -> frozenset[str]:
    """The words of an element's class and id: ``"articleBody share-bar"`` → {article, body, share, bar, articlebody, sharebar}.

    A heading's id is left out: it is an anchor made of the heading's own words
    (``id="what-to-read-next"``), not a name for what the element is.
    """
    return _words(el.get("class"), None if el.tag in HEADINGS else el.get("id"))


@lru_cache(maxsize=4096)
def _words(cls: str | None, ident: str | None) -> frozenset[str]:
    # Cached by attribute value: pages repeat the same class strings many times.
    raw = f"{cls or ''} {ident or ''}"
    if not raw.strip():
        return frozenset()
    raw = _CAMEL.sub("-", raw).lower()
    words: set[str] = set()
    for token in raw.split():
        parts = [p for p in _SPLIT.split(token) if p]
        if len(parts) == 2 and parts[0] in ("has", "with"):
            continue  # "has-tooltip", "with-sidebar": says what is inside, not what this is
        words.update(parts)
        if len(parts) > 1:
            words.add("".join(parts))
            words.update(a + b for a, b in zip(parts, parts[1:]))
    return frozenset(words)


def _attr_text(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def names_body(el: HtmlElement) -> bool:
    """Does the element call itself the article body (``itemprop=articleBody``, ``.entry-content``…)?"""
    if el.get("itemprop") == "articleBody":
        return True
    return _body_name(el.get("class"), el.get("id"))


@lru_cache(maxsize=4096)
def _body_name(cls: str | None, ident: str | None) -> bool:
    return bool((cls or ident) and BODY_NAMES.search(f"{cls or ''} {ident or ''}"))


_SHOWN_AT_BREAKPOINT = re.compile(r"(?:^|\s)(?:sm|md|lg|xl|2xl):(?:block|flex|inline|inline-block|inline-flex|grid|table)\b")


def is_furniture_tag(el: HtmlElement) -> bool:
    """``<nav>``, ``<aside>``, ``<footer>``, ``<header>`` or an element with their landmark role."""
    return el.tag in FURNITURE_TAGS or el.get("role") in LANDMARK_ROLES


def is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    cls = el.get("class")
    return bool(cls) and _hidden_class(cls)


@lru_cache(maxsize=4096)
def _hidden_class(cls: str) -> bool:
    tokens = {_SPLIT.sub("", t.lower()) for t in cls.split()}
    # "hidden lg:flex" (utility CSS): hidden on small screens only, shown on large ones.
    return bool(tokens & HIDDEN_WORDS) and not _SHOWN_AT_BREAKPOINT.search(cls)


# -- step 1: cleaning -----------------------------------------------------------------

# What web archives insert into the pages they serve: the Wayback Machine's toolbar and
# print notice, pywb's banner. Removed before anything is read from a page.
ARCHIVE_BANNER_IDS = frozenset({"wm-ipp-base", "wm-ipp", "wm-ipp-print", "wm-btns", "donato", "_wayback_banner"})


def drop_archive_banners(doc: HtmlElement) -> None:
    """Remove the toolbars and banners web archives insert into their copies, in place."""
    found = [el for el in doc.iter("div", "wb_div") if el.tag == "wb_div" or el.get("id") in ARCHIVE_BANNER_IDS]
    for el in found:
        drop(el)


def clean_tree(root: HtmlElement) -> list[HtmlElement]:
    """Remove, in place, elements that are never article text.

    Returns the elements that name themselves the article body, noticed on the way
    (this is the one walk over every element, so the scoring needs no other).
    """
    _open_templates(root)
    doomed = []
    named = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions, entities
            doomed.append(el)
        elif tag in DROP_TAGS:
            if tag != "img" and tag != "picture":  # images stay for the HTML rendering
                doomed.append(el)
        elif tag == "span" and len(el) > 2 and _is_link_card(el):
            doomed.append(el)
        elif el.attrib:
            if el.get("role") in FURNITURE_ROLES or is_hidden(el):
                doomed.append(el)
            elif names_body(el):
                named.append(el)
    for el in doomed:
        drop(el)
    return [el for el in named if _is_ancestor(root, el)]


# Script types that hold markup for the page's own scripts to insert (Blogger keeps the
# whole post in one), not code.
TEMPLATE_TYPES = {"text/template", "text/html", "text/x-template", "text/x-html-template"}
TEMPLATE_MAX_CHARS = 2_000_000
_MARKUP = re.compile(r"<(?:p|div|br|h[1-6]|ul|ol|table|blockquote)\b", re.IGNORECASE)
# Placeholders of client-side template languages: such a template is a mould for
# widgets filled in later, not the page's text.
_PLACEHOLDER = re.compile(r"\{\{|\{%|<%|\$\{")


def _open_templates(root: HtmlElement) -> None:
    """Put the markup of template scripts in their place, so their text can be the body."""
    for script in list(root.iter("script")):
        kind = (script.get("type") or "").strip().lower()
        text = script.text
        if kind not in TEMPLATE_TYPES or not text or len(text) > TEMPLATE_MAX_CHARS \
                or not text.lstrip().startswith("<") or not _MARKUP.search(text) or _PLACEHOLDER.search(text):
            continue
        try:
            holder = lxml.html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        holder.tail = script.tail
        parent = script.getparent()
        if parent is not None:
            parent.replace(script, holder)


# An inline element with at least this many links, this much text, and more than this
# share of it in the links is a link card (see _is_link_card).
LINK_CARD_MIN_LINKS = 3
LINK_CARD_MIN_CHARS = 80
LINK_CARD_LINK_SHARE = 0.7


def _is_link_card(el: HtmlElement) -> bool:
    """An inline element packed with links (and often a picture): a hover card or a
    teaser someone tucked into a sentence, never words the author wrote there."""
    links = [a for a in el.iter("a")]
    if len(links) < LINK_CARD_MIN_LINKS:
        return False
    text = el.text_content()
    if len(text) < LINK_CARD_MIN_CHARS:
        return False
    link_chars = sum(len(a.text_content()) for a in links)
    return link_chars > LINK_CARD_LINK_SHARE * len(text)


def drop(el: HtmlElement) -> None:
    """Remove ``el`` but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# -- step 2: text blocks -------------------------------------------------------------

@dataclass
class Block:
    """A run of text owned by one block-level element."""

    el: HtmlElement
    text: str
    link_chars: int
    chars: int
    value: float = 0.0

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


def text_blocks(root: HtmlElement) -> list[Block]:
    """Cut ``root`` into text blocks in document order, each owned by its nearest block element."""
    pieces: dict[HtmlElement, list[str]] = {}
    links: dict[HtmlElement, int] = {}
    order: list[HtmlElement] = []

    def add(owner: HtmlElement, text: str, in_link: bool) -> None:
        if owner not in pieces:
            pieces[owner] = []
            links[owner] = 0
            order.append(owner)
        pieces[owner].append(text)
        if in_link:
            links[owner] += len(text.strip())

    # Items are (element, owner, in_link) to enter, or (None, owner, in_link, tail text).
    stack: list[tuple] = [(root, root, False, None)]
    while stack:
        el, owner, in_link, tail = stack.pop()
        if el is None:
            add(owner, tail, in_link)
            continue
        tag = el.tag
        if tag in BLOCK_TAGS:
            owner = el
        elif tag == "a":
            in_link = True
        text = el.text
        if text and not text.isspace():
            add(owner, text, in_link)
        for child in reversed(el):
            if not isinstance(child.tag, str):
                continue
            tail = child.tail
            if tail and not tail.isspace():
                stack.append((None, owner, in_link, tail))
            stack.append((child, owner, in_link, None))
    blocks = []
    for owner in order:
        text = " ".join(" ".join(pieces[owner]).split())
        if text:
            blocks.append(Block(owner, text, links[owner], len(text)))
    return blocks


# How blocks are rated (rate_block). More than this share of a block in links: furniture.
BLOCK_MAX_LINK_DENSITY = 0.5
# Prose is at least this long (CJK scripts say more per character) and ends a sentence.
PROSE_MIN_CHARS = 80
PROSE_MIN_CHARS_CJK = 30
# A block that opens like boilerplate ("Read more…") and is shorter than this is furniture.
BOILERPLATE_BLOCK_MAX_CHARS = 200
# A table cell or list item with fewer links than this counts this much of its length.
CELL_MAX_LINK_DENSITY = 0.1
CELL_WEIGHT = 0.2
# A label (a few words, no sentence) counts against its region by this much of its length…
LABEL_MAX_WORDS = 4
LABEL_MAX_CHARS = 40
LABEL_MAX_CHARS_CJK = 12
LABEL_PENALTY = 0.5
# …and other text without a sentence end counts this much.
UNPUNCTUATED_WEIGHT = 0.3


def rate_block(block: Block) -> float:
    """How much a block looks like article text: positive for prose, negative for furniture."""
    n = block.chars
    density = block.link_density
    if density > BLOCK_MAX_LINK_DENSITY:
        return -n
    words = block.text.count(" ") + 1
    cjk = _is_cjk(block.text)
    long_enough = n >= PROSE_MIN_CHARS if not cjk else n >= PROSE_MIN_CHARS_CJK
    if BOILERPLATE_START.match(block.text) and n < BOILERPLATE_BLOCK_MAX_CHARS:
        return -n
    if long_enough and _SENTENCE_END.search(block.text):
        return n * (1.0 - density)
    if block.el.tag in HEADINGS:
        return 0.0
    if block.el.tag in ("td", "th", "li", "dd", "dt") and density < CELL_MAX_LINK_DENSITY:
        return CELL_WEIGHT * n  # a data table or a list: short cells, but the author's
    # A few words without a sentence: a label, a byline, a button. (CJK text has no
    # spaces to count words by; a dozen characters there is already a sentence.)
    if (n < LABEL_MAX_CHARS_CJK) if cjk else (words <= LABEL_MAX_WORDS and n < LABEL_MAX_CHARS):
        return -LABEL_PENALTY * n
    return UNPUNCTUATED_WEIGHT * n * (1.0 - density)


_DENSE_SCRIPT = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _is_cjk(text: str) -> bool:
    """Is the text in a script that says a lot per character or puts no spaces between
    words (Chinese, Japanese, Korean, Thai, Lao, Khmer, Burmese)? Lengths and word
    counts mean something else there."""
    sample = text[:40]
    return len(_DENSE_SCRIPT.findall(sample)) > len(sample) // 3


# -- step 3: choosing the region -----------------------------------------------------

@dataclass
class Region:
    """The element chosen as the article body, and why."""

    el: HtmlElement
    reason: str
    score: float
    total: float  # the content value of the whole page, for "is this an article?"


# role="main" and role="article" mark the story like <main> and <article> do.
_ROLE_MAIN = etree.XPath('.//*[@role="main" or @role="article"]')
# The one hAtom entry of a page (WordPress's <article class="post-123 hentry tag-… category-…">)
# is the post: its class also names the post's tags and categories ("tag-comentarios"),
# which say nothing about what the box is.
_HENTRY = etree.XPath('.//*[contains(concat(" ", normalize-space(@class), " "), " hentry ")]')


def _story_marks(root: HtmlElement, named: list[HtmlElement]) -> list[HtmlElement]:
    """The elements that mark the story's box: role=main/article, a named article body,
    the page's one hAtom entry (``<article>`` and ``<main>`` are found by tag)."""
    entries = _HENTRY(root)
    return [*_ROLE_MAIN(root), *named, *(entries if len(entries) == 1 else ())]


def _anchors(root: HtmlElement, marks: list[HtmlElement], tags: tuple[str, ...] = ("h1", "article", "main")
             ) -> set[HtmlElement]:
    """Elements that hold the page's headline or mark its story (see :func:`_story_marks`),
    with all their ancestors.

    A container around the headline or the article body is never furniture, whatever
    its class says (``<div class="page ad-margins">`` wraps whole pages).
    """
    marked: set[HtmlElement] = set()
    starts = [*root.iter(*tags), *marks]
    for el in starts:
        while el is not None and el not in marked:
            marked.add(el)
            el = el.getparent()
    return marked


def _context_flags(root: HtmlElement, named: list[HtmlElement], prose: dict[HtmlElement, float],
                   runs: dict[HtmlElement, float]) -> dict[HtmlElement, bool]:
    """For each element: is it inside a container named as furniture (comments, related…)?

    See :data:`LARGE_CONTEXT` and :data:`SMALL_CONTEXT` for how size matters, and
    :data:`WRAPPER_PROSE_SHARE` for furniture by tag or by a weak name.
    """
    marks = _story_marks(root, named)
    anchors = _anchors(root, marks)
    # A landmark role is said on purpose: only a story's own box overrides it (an <h1>
    # does not: sidebars title their widgets with them).
    story_anchors = _anchors(root, marks, ("article", "main"))
    page_prose = prose.get(root, 0.0)
    # Where the page marks its story (<article>, <main>, a named body), furniture
    # outside that mark is furniture, however much it says.
    story_marked = bool(marks) or next(root.iter("article", "main"), None) is not None

    def wrapper(el: HtmlElement) -> bool:
        # Most of the page's prose, most of it in one run of paragraphs: the story is
        # inside. (A rail of teasers can hold much prose too, but in many short pieces.)
        if story_marked:
            return False
        mass = prose.get(el, 0.0)
        return mass >= WRAPPER_PROSE_SHARE * page_prose and runs.get(el, 0.0) >= WRAPPER_RUN_SHARE * mass

    flags: dict[HtmlElement, bool] = {}
    # (element, inherited flag, prose of the named article body it is inside, or None)
    stack: list[tuple[HtmlElement, bool, float | None]] = [(root, False, None)]
    while stack:
        el, flag, body_prose = stack.pop()
        if not flag and el.get("role") in LANDMARK_ROLES and el not in story_anchors:
            flag = True
        elif not flag and el.tag in FURNITURE_TAGS and el not in anchors:
            flag = not wrapper(el)  # (a tag may just be left unclosed)
        elif not flag and el.attrib:
            if names_body(el):
                body_prose = prose.get(el, 0.0)
            elif el not in anchors:
                words = words_of(el)
                mass = prose.get(el, 0.0)
                if words & EMBED_WORDS:
                    pass
                elif words & LARGE_CONTEXT:
                    flag = True
                elif words & SMALL_CONTEXT:
                    scope = page_prose if body_prose is None else body_prose
                    flag = mass < SMALL_FURNITURE_PROSE and mass < SMALL_FURNITURE_SHARE * scope
                elif words & WEAK_CONTEXT and body_prose is None and not words & POSITIVE_WORDS:
                    flag = not wrapper(el)
        flags[el] = flag
        for child in el:
            if isinstance(child.tag, str):
                stack.append((child, flag, body_prose))
    return flags


# A block shorter than this that appeals for money or sign-ups counts as appeal text.
APPEAL_BLOCK_MAX_CHARS = 1200


def score_tree(root: HtmlElement, blocks: list[Block], named: list[HtmlElement]
               ) -> tuple[dict[HtmlElement, float], dict[HtmlElement, list[int]]]:
    """Sum block values up the tree: each element's score is the content value it holds.

    Also returns each element's size as ``[characters, characters inside links,
    characters in blocks that appeal for money or sign-ups]``, so pruning never has to
    read an element's text again.
    """
    prose: dict[HtmlElement, float] = {}
    siblings: dict[HtmlElement, float] = {}  # prose of the blocks directly under each element
    for block in blocks:
        block.value = rate_block(block)
        if block.value > 0:
            el = block.el
            parent = el.getparent()
            if parent is not None:
                siblings[parent] = siblings.get(parent, 0.0) + block.value
            while el is not None:
                prose[el] = prose.get(el, 0.0) + block.value
                el = el.getparent()
    # The largest run of sibling paragraphs inside each element.
    runs: dict[HtmlElement, float] = {}
    for parent, value in siblings.items():
        el = parent
        while el is not None and runs.get(el, 0.0) < value:
            runs[el] = value
            el = el.getparent()
    flags = _context_flags(root, named, prose, runs)
    scores: dict[HtmlElement, float] = {}
    sizes: dict[HtmlElement, list[int]] = {}
    for block in blocks:
        if flags.get(block.el, False):
            block.value = -float(block.chars)
        appeal = block.chars if block.chars < APPEAL_BLOCK_MAX_CHARS and is_appeal(block.text) else 0
        el = block.el
        while el is not None:
            scores[el] = scores.get(el, 0.0) + block.value
            size = sizes.get(el)
            if size is None:
                sizes[el] = [block.chars, block.link_chars, appeal]
            else:
                size[0] += block.chars
                size[1] += block.link_chars
                size[2] += appeal
            el = el.getparent()
    return scores, sizes


# Score multipliers for elements that name themselves the article body.
HINT_ITEMPROP = 1.25  # itemprop=articleBody
HINT_BODY_NAME = 1.15  # a body class name (BODY_NAMES)
HINT_ARTICLE_TAG = 1.1  # <article>, <main>


def _hint(el: HtmlElement) -> float:
    """A bonus for elements that name themselves the article body."""
    if el.get("itemprop") == "articleBody":
        return HINT_ITEMPROP
    if BODY_NAMES.search(_attr_text(el)):
        return HINT_BODY_NAME
    if el.tag in ("article", "main"):
        return HINT_ARTICLE_TAG
    return 1.0


def choose_region(root: HtmlElement, blocks: list[Block], scores: dict[HtmlElement, float],
                  reference: str | None = None) -> Region | None:
    """The element holding the most article text net of boilerplate.

    ``reference`` is a JSON-LD ``articleBody``: when given, candidates are also
    judged by how much of it they cover.
    """
    if not scores:
        return None
    total = sum(b.value for b in blocks if b.value > 0)
    best_el, best = None, 0.0
    for el, score in scores.items():
        if score <= 0:
            continue
        adjusted = score * _hint(el)
        if adjusted > best:
            best_el, best = el, adjusted
    if best_el is None:
        return None
    named = _named_body(scores, best)
    if named is not None and not _is_ancestor(best_el, named):
        best_el = named
    reason = "densest text region"
    if best_el.get("itemprop") == "articleBody":
        reason = "itemprop=articleBody"
    elif BODY_NAMES.search(_attr_text(best_el)):
        reason = f"content container .{(best_el.get('class') or best_el.get('id') or '').split()[0]}"
    elif best_el.tag in ("article", "main"):
        reason = f"<{best_el.tag}> element"
    main_article = _headline_article(best_el, scores)
    if main_article is not None:
        best_el, reason = main_article, "<article> holding the headline, among several"
    if reference:
        best_el, reason = _match_reference(best_el, scores, reference, reason)
    return Region(best_el, reason, best, total)


# A named body wins over the densest region when it scores at least this, and at least
# this share of the best region's score.
NAMED_BODY_MIN_SCORE = 300
NAMED_BODY_MIN_SHARE = 0.25


def _named_body(scores: dict[HtmlElement, float], best: float) -> HtmlElement | None:
    """The element that names itself the article body and holds the most prose, when it
    holds a fair share of the page's best region: a page's own label beats density
    when some other block (a list of notices, a long comment) happens to be bigger."""
    found, found_score = None, 0.0
    for el, score in scores.items():
        if score > found_score and el.attrib and names_body(el):
            found, found_score = el, score
    if found is not None and found_score >= NAMED_BODY_MIN_SCORE and found_score >= NAMED_BODY_MIN_SHARE * best:
        return found
    return None


def _is_ancestor(el: HtmlElement, other: HtmlElement) -> bool:
    """True when ``el`` is ``other`` or contains it."""
    node = other
    while node is not None:
        if node is el:
            return True
        node = node.getparent()
    return False


# The <article> with the headline is the story when it holds more than this share of
# the region's score.
HEADLINE_ARTICLE_MIN_SHARE = 0.1


def _headline_article(region: HtmlElement, scores: dict[HtmlElement, float]) -> HtmlElement | None:
    """When a region holds several ``<article>`` elements (the story, then teasers of
    others), the one with the headline is the story."""
    articles = [a for a in region.iter("article") if a is not region]
    if len(articles) < 2:
        return None
    region_score = scores.get(region, 0.0)
    for article in articles:
        if article.find(".//h1") is not None or article.find('.//*[@itemprop="headline"]') is not None:
            if scores.get(article, 0.0) > HEADLINE_ARTICLE_MIN_SHARE * region_score:
                return article
            return None
    return None


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


# A JSON-LD articleBody is used as a reference when it has this many distinct words. A
# region that covers this share of them stands; otherwise an ancestor (at most this many
# levels up) is taken when it covers this much more of them, with this precision.
REFERENCE_MIN_TOKENS = 30
REFERENCE_RECALL_ENOUGH = 0.85
REFERENCE_MAX_STEPS = 4
REFERENCE_RECALL_GAIN = 0.15
REFERENCE_MIN_PRECISION = 0.5


def _match_reference(chosen: HtmlElement, scores: dict[HtmlElement, float], reference: str,
                     reason: str) -> tuple[HtmlElement, str]:
    """Prefer an ancestor of ``chosen`` when it covers clearly more of the JSON-LD body."""
    ref = _tokens(reference)
    if len(ref) < REFERENCE_MIN_TOKENS:
        return chosen, reason

    def coverage(el: HtmlElement) -> tuple[float, float]:
        toks = _tokens(el.text_content())
        if not toks:
            return 0.0, 0.0
        inter = len(ref & toks)
        return inter / len(ref), inter / len(toks)

    recall, precision = coverage(chosen)
    if recall >= REFERENCE_RECALL_ENOUGH:
        return chosen, reason
    el = chosen.getparent()
    steps = 0
    while el is not None and steps < REFERENCE_MAX_STEPS:
        r, p = coverage(el)
        if r >= recall + REFERENCE_RECALL_GAIN and p >= REFERENCE_MIN_PRECISION:
            return el, reason + " widened to cover JSON-LD articleBody"
        el = el.getparent()
        steps += 1
    return chosen, reason


# A sibling of the region joins it when fewer than this share of its text is links, and
# it comes before the region with this share of the region's score or a sentence of
# this length (a lede), or holds this share of the region's score wherever it is.
SIBLING_MAX_LINK_DENSITY = 0.25
SIBLING_BEFORE_SHARE = 0.2
SIBLING_BEFORE_MIN_CHARS = 80
SIBLING_SHARE = 0.5


PARAGRAPH_TAGS = {"p", "blockquote", "pre"}
SANDWICH_MAX_CHARS = 200
SANDWICH_MAX_PENALTY = 0.75  # a block rated below -0.75 per character was flagged as furniture


def _add_siblings(region: HtmlElement, scores: dict[HtmlElement, float]) -> HtmlElement:
    """Widen the region to its parent when siblings hold prose too (a lede or summary
    kept in its own box next to the body), dropping the parent's other children.

    Returns the region unchanged when no sibling qualifies.
    """
    parent = region.getparent()
    if parent is None or parent.tag in ("body", "html"):
        return region
    top = scores.get(region, 0.0)
    keep = [region]
    for sibling in parent:
        if sibling is region or not isinstance(sibling.tag, str):
            continue
        score = scores.get(sibling, 0.0)
        if score <= 0 or sibling.tag in HEADINGS or sibling.find(".//h1") is not None:
            continue
        if sibling.attrib and words_of(sibling) & (FURNITURE_STRONG | FURNITURE_SMALL | FURNITURE_WEAK):
            continue
        text = " ".join(sibling.text_content().split())
        links = sum(len(a.text_content().strip()) for a in sibling.iter("a"))
        density = links / len(text) if text else 1.0
        if density >= SIBLING_MAX_LINK_DENSITY or is_appeal(text):
            continue
        before = sibling.getnext() is not None and _precedes(sibling, region)
        prose = len(text) >= SIBLING_BEFORE_MIN_CHARS and bool(_SENTENCE_END.search(text))
        if (before and (score >= SIBLING_BEFORE_SHARE * top or prose)) or score >= SIBLING_SHARE * top \
                or (prose and sibling.tag in PARAGRAPH_TAGS):
            keep.append(sibling)
    if len(keep) == 1:
        return region
    kept = set(keep)
    # Between two kept parts of the story, a short line is the story's too: a subheading
    # written as a paragraph, a one-line paragraph ("Freedom fighters replace colonial leaders").
    children = [c for c in parent if isinstance(c.tag, str)]
    marks = [i for i, c in enumerate(children) if c in kept]
    for child in children[marks[0] + 1:marks[-1]]:
        if child in kept or child.tag not in PARAGRAPH_TAGS | HEADINGS:
            continue
        text = " ".join(child.text_content().split())
        if text and len(text) < SANDWICH_MAX_CHARS and scores.get(child, 0.0) > -SANDWICH_MAX_PENALTY * len(text) \
                and child.find(".//a") is None and not BOILERPLATE_START.match(text) and not is_appeal(text):
            kept.add(child)
            keep.append(child)
    for child in list(parent):
        if child not in kept:
            drop(child)
    scores[parent] = sum(scores.get(el, 0.0) for el in keep)
    return parent


def _precedes(el: HtmlElement, other: HtmlElement) -> bool:
    """True when sibling ``el`` comes before sibling ``other``."""
    node = el.getnext()
    while node is not None:
        if node is other:
            return True
        node = node.getnext()
    return False


# -- step 4: pruning inside the region ---------------------------------------------

def prune_region(region: HtmlElement, scores: dict[HtmlElement, float], sizes: dict[HtmlElement, list[int]],
                 is_tag_line: Callable[[str], object] | None = None) -> None:
    """Remove boilerplate inside the chosen region, in place."""
    region_score = max(scores.get(region, 0.0), 1.0)
    doomed: list[HtmlElement] = []
    for el in region.iterdescendants():
        if not isinstance(el.tag, str) or _inside(el, doomed):
            continue
        size = sizes.get(el, _NO_SIZE)
        if _is_furniture(el, scores.get(el, 0.0), region_score, size, is_tag_line, _holds_lead(el, scores)):
            doomed.append(el)
    for el in doomed:
        drop(el)
    _drop_related_sections(region)
    # The steps below share one cut of the region into blocks, leaving out what an
    # earlier step removed; it is cut again once after the edges are trimmed (trimming
    # can take loose words out of a block that stays).
    blocks = text_blocks(region)
    _drop_paywall_boxes(region, blocks)
    _trim_edges(region, is_tag_line, _live(blocks, region))
    blocks = text_blocks(region)
    _drop_repeats(region, blocks)
    _drop_cut_summaries(region, _live(blocks, region))
    _drop_trailing_headings(region, _live(blocks, region))


def _live(blocks: list[Block], region: HtmlElement) -> list[Block]:
    """The blocks still inside ``region`` (not removed with an element around them)."""
    return [b for b in blocks if _is_ancestor(region, b.el)]


def _inside(el: HtmlElement, doomed: list[HtmlElement]) -> bool:
    """Is ``el`` inside the last element marked for removal (document order makes that
    the only one that can hold it)?"""
    return bool(doomed) and _is_ancestor(doomed[-1], el)


_NO_SIZE = (0, 0, 0)


def _holds_lead(el: HtmlElement, scores: dict[HtmlElement, float]) -> bool:
    """Is ``el`` the story's own header box with a lead paragraph in it? Such a box is
    not dropped whole: its headline, byline and share bar go one by one."""
    if el.tag != "header" and not (el.attrib and "header" in words_of(el)):
        return False
    return any(scores.get(d, 0.0) >= LEAD_MIN_CHARS for d in el.iterdescendants("p", "h2", "div"))


# Inside the region: an element holding more than this share of the region's score is
# never dropped for its tag or its name.
PROTECTED_SHARE = 0.35
# A weak furniture name drops an element scoring under this, or this share of the region.
WEAK_FURNITURE_MAX_SCORE = 150.0
WEAK_FURNITURE_MAX_SHARE = 0.1
# A list of teasers (see _is_teaser_list) holds less than this share of the region.
TEASER_LIST_MAX_SHARE = 0.7
# A list or box is a list of links when more than this share of its text is links (this
# share when it has LINK_LIST_LONG_CHARS or more), and it is shorter than this.
LINK_LIST_DENSITY = 0.5
LINK_LIST_DENSITY_LONG = 0.65
LINK_LIST_LONG_CHARS = 300
LINK_LIST_MAX_CHARS = 3000


def _is_furniture(el: HtmlElement, score: float, region_score: float, size: Sequence[int],
                  is_tag_line: Callable[[str], object] | None, lead: bool = False) -> bool:
    tag = el.tag
    chars, link_chars, _ = size
    if tag == "h1" or (is_furniture_tag(el) and score < PROTECTED_SHARE * region_score and not lead):
        return True
    if tag in ("p", "br", "b", "i", "em", "strong", "a", "span", "sup", "sub"):
        if tag == "p":
            return _is_boilerplate_text(el, size, is_tag_line)
        return False
    # A container that holds a big share of the article is never dropped on its name.
    protected = score > PROTECTED_SHARE * region_score
    if el.attrib and not protected and not names_body(el) and not lead:
        words = words_of(el)
        if not words & EMBED_WORDS and (
                words & FURNITURE_STRONG
                or (words & FURNITURE_SMALL and score < SMALL_FURNITURE_PROSE)
                or (words & FURNITURE_WEAK and tag not in ("tr", "td", "th", "tbody", "thead", "li")
                    and score < max(WEAK_FURNITURE_MAX_SCORE, WEAK_FURNITURE_MAX_SHARE * region_score)
                    and not _wraps_subheading(el, chars))):
            return True
    if tag in ("ul", "ol", "div", "section") and score < TEASER_LIST_MAX_SHARE * region_score \
            and len(el) >= TEASER_LIST_MIN_ITEMS \
            and _is_teaser_list(el):
        return True
    if tag in ("ul", "ol", "div", "section", "table", "dl", "figure", "li") and not protected:
        if chars == 0:
            return tag not in ("figure", "div", "section")  # images live there
        # Lists of links are furniture; long linked sentences (a "10 things" list
        # whose items link their first sentence) are not, hence the higher bar.
        if link_chars > (LINK_LIST_DENSITY if chars < LINK_LIST_LONG_CHARS else LINK_LIST_DENSITY_LONG) * chars \
                and chars < LINK_LIST_MAX_CHARS:
            return True
    if tag in ("div", "section", "li", "figure", "blockquote", "ul", "ol", "table", "dl"):
        return _is_boilerplate_text(el, size, is_tag_line)
    if tag in HEADINGS:
        return bool(RELATED_HEADING.match(el.text_content() or ""))
    return False


def _wraps_subheading(el: HtmlElement, chars: int) -> bool:
    """A box that holds one subheading and nothing else (a CMS's "headline" block
    between two paragraphs of the story)."""
    inner = [h for h in el.iterdescendants(*SUBHEADINGS)]
    return len(inner) == 1 and chars > 0 and len(" ".join(inner[0].text_content().split())) >= chars - 2


# A list of teasers: at least this many items, and this share of them, open with a link
# (its first TEASER_HEADLINE_CHARS characters begin the item), are shorter than
# TEASER_ITEM_MAX_CHARS and end in "…".
TEASER_LIST_MIN_ITEMS = 3
TEASER_LIST_MIN_SHARE = 0.6
TEASER_HEADLINE_CHARS = 15
TEASER_ITEM_MAX_CHARS = 600


def _is_teaser_list(el: HtmlElement) -> bool:
    """Three or more items that each open with a headline link and end in a cut-off
    summary ("…"): a list of other stories, even though the summaries keep its link
    density low. (A list whose items are linked full sentences is the story itself.)"""
    items = [child for child in el if isinstance(child.tag, str)]
    hits = 0
    for item in items:
        link = item if item.tag == "a" else item.find(".//a")
        if link is None:
            continue
        link_text = " ".join(link.text_content().split())
        text = " ".join(item.text_content().split())
        if len(link_text) >= TEASER_HEADLINE_CHARS and text.startswith(link_text[:TEASER_HEADLINE_CHARS]) \
                and len(text) < TEASER_ITEM_MAX_CHARS \
                and text.endswith(("...", "…", "…]", "[…]")):
            hits += 1
    return hits >= TEASER_LIST_MIN_ITEMS and hits >= TEASER_LIST_MIN_SHARE * len(items)


# A box of this much text or more is never boilerplate text; one where more than this share
# is appeals is an appeal box; under BOILERPLATE_BOX_SHORT_CHARS it may be a label, a line
# opening like boilerplate under BOILERPLATE_LINE_MAX_CHARS, or a short appeal with a
# link under APPEAL_LINK_BOX_MAX_CHARS.
BOILERPLATE_BOX_MAX_CHARS = 1200
APPEAL_BOX_SHARE = 0.6
BOILERPLATE_BOX_SHORT_CHARS = 400
BOILERPLATE_LINE_MAX_CHARS = 160
APPEAL_LINK_BOX_MAX_CHARS = 300


def _is_boilerplate_text(el: HtmlElement, size: Sequence[int],
                         is_tag_line: Callable[[str], object] | None) -> bool:
    """A tag line, a one-line label ("Advertisement", "Read more"), or an appeal box:
    most of its text sits in blocks that ask for money or sign-ups."""
    chars, _, appeal = size
    if not chars or chars >= BOILERPLATE_BOX_MAX_CHARS:
        return False
    if appeal > APPEAL_BOX_SHARE * chars:
        return True
    if chars >= BOILERPLATE_BOX_SHORT_CHARS:
        return False
    text = " ".join(el.text_content().split())
    if is_tag_line is not None and is_tag_line(text):
        return True
    if len(text) < BOILERPLATE_LINE_MAX_CHARS and BOILERPLATE_START.match(text):
        return True
    # A short box that makes the appeal and links somewhere (a button, a form page).
    return bool(appeal) and len(text) < APPEAL_LINK_BOX_MAX_CHARS and (el.tag == "a" or el.find(".//a") is not None)


# A "Related" heading is at most this long; at most this many blocks after it go, up to
# one with a paragraph of prose (longer than this, less than this share of it links); a
# heading that took nothing with it still goes when it is a heading or under this length.
RELATED_HEADING_MAX_CHARS = 60
RELATED_MAX_BLOCKS = 3
RELATED_PROSE_MIN_CHARS = 200
RELATED_PROSE_MAX_LINK_SHARE = 0.4
RELATED_LABEL_MAX_CHARS = 40


def _drop_related_sections(region: HtmlElement) -> None:
    """Drop a "Related"/"Read more" heading and the block of links that follows it."""
    for heading in list(region.iter(*HEADINGS, "strong", "b", "p", "span", "div")):
        if heading.getparent() is None:
            continue
        text = " ".join(heading.text_content().split())
        if not text or len(text) > RELATED_HEADING_MAX_CHARS or not RELATED_HEADING.match(text):
            continue
        sibling = heading.getnext()
        dropped = 0
        while sibling is not None and dropped < RELATED_MAX_BLOCKS:
            nxt = sibling.getnext()
            sib_text = sibling.text_content().strip()
            links = sum(len(a.text_content().strip()) for a in sibling.iter("a"))
            if sibling.tag in HEADINGS and not RELATED_HEADING.match(sib_text):
                break
            if sib_text and links < RELATED_PROSE_MAX_LINK_SHARE * len(sib_text) \
                    and len(sib_text) > RELATED_PROSE_MIN_CHARS:
                break
            drop(sibling)
            dropped += 1
            sibling = nxt
        if (heading.tag in HEADINGS or dropped or len(text) < RELATED_LABEL_MAX_CHARS) \
                and heading.getparent() is not None:
            drop(heading)


def _drop_paywall_boxes(region: HtmlElement, blocks: list[Block]) -> None:
    """Drop a paywall box: a short line such as "Already a subscriber?" or "Read the
    rest of this article", with the box around it (offers, prices, buttons) as long as
    that box stays small. A paragraph of the story that mentions subscribers is longer
    than the line, and its container holds far more than a box."""
    for block in blocks:
        if block.el is region or block.chars > PAYWALL_LINE_MAX_CHARS or not PAYWALL.search(block.text):
            continue
        if block.el.getparent() is None or not _is_ancestor(region, block.el):
            continue  # already gone with an earlier box
        drop(_box_around(block.el, region, PAYWALL_BOX_MAX))


# A "Read more" link is looked for in this many last characters of a paragraph.
READ_MORE_TAIL_CHARS = 40


def _is_teaser(block: Block) -> bool:
    """A paragraph that ends in a "read the rest" link is a teaser for another page."""
    if not READ_MORE_END.search(block.text[-READ_MORE_TAIL_CHARS:]):
        return False
    links = list(block.el.iter("a"))
    return bool(links) and bool(READ_MORE_END.search(" ".join(links[-1].text_content().split())))


# Summaries cut off with "…" (at least this long) go when there are at least this many,
# holding more than this share of the region's text.
CUT_SUMMARY_MIN_CHARS = 60
CUT_SUMMARIES_MIN = 3
CUT_SUMMARIES_SHARE = 0.3


def _drop_cut_summaries(region: HtmlElement, blocks: list[Block]) -> None:
    """Summaries cut off with "…" are teasers of other pages. One may be a quote; three
    or more that carry a good share of the region make it a list of stories."""
    # A teaser's summary sits in a card with a link to the story; an author's own "..."
    # in a paragraph of prose has none around it.
    cut = [b for b in blocks if b.chars >= CUT_SUMMARY_MIN_CHARS and b.el is not region
           and b.text.endswith(("...", "…")) and _linked(b.el, region)]
    if len(cut) >= CUT_SUMMARIES_MIN \
            and sum(b.chars for b in cut) > CUT_SUMMARIES_SHARE * sum(b.chars for b in blocks):
        for block in cut:
            if block.el.getparent() is not None:
                drop(block.el)


TRAILING_HEADINGS_MAX = 2


def _drop_trailing_headings(region: HtmlElement, blocks: list[Block]) -> None:
    """A heading at the very end of the body heads a section that was removed (related
    stories, a newsletter box, a comment form): it goes too."""
    trailing = []
    for block in reversed(blocks):
        if block.el is region or block.el.tag not in HEADINGS \
                or len(" ".join(block.el.text_content().split())) > block.chars:
            break  # (a heading left open by broken markup holds more than its words)
        trailing.append(block.el)
    if len(trailing) <= TRAILING_HEADINGS_MAX:  # more in a row are a list of their own
        for el in trailing:
            drop(el)


def _linked(el: HtmlElement, region: HtmlElement) -> bool:
    """Is there a link in ``el`` or in the box just around it (below ``region``)?"""
    if el.find(".//a[@href]") is not None:
        return True
    parent = el.getparent()
    return parent is not None and parent is not region and parent.find(".//a[@href]") is not None


# Repeated blocks (at least this long) go when there are at least this many, holding more
# than this share of the region's text: a second copy of the story.
REPEAT_MIN_CHARS = 80
REPEATS_MIN = 3
REPEATS_SHARE = 0.35


def _drop_repeats(region: HtmlElement, blocks: list[Block]) -> None:
    """Drop a second copy of the story: pages that print it twice (an endless-scroll
    copy, a print version) must not give it twice. One repeated line (a refrain, a
    recipe step) is the author's; a third of the text said again is a copy."""
    seen: set[str] = set()
    repeats = []
    for block in blocks:
        if block.chars < REPEAT_MIN_CHARS or block.el is region:
            continue
        if block.text in seen:
            repeats.append(block)
        else:
            seen.add(block.text)
    total = sum(b.chars for b in blocks)
    if len(repeats) >= REPEATS_MIN and sum(b.chars for b in repeats) > REPEATS_SHARE * total:
        for block in repeats:
            if block.el.getparent() is not None:
                drop(block.el)


BYLINE_MAX_CHARS = 120
# A paragraph inside the story shorter than this, this much of it a link, points to
# another page: "Lesen Sie auch: <headline>", "VEA TAMBIÉN: <headline>".
LINK_LINE_MAX_CHARS = 200
LINK_LINE_DENSITY = 0.7
# At the edges of the story (see _trim_edges): prose has fewer links than this share and
# at least this many characters (CJK: fewer); a block before it with more links than
# EDGE_LEADING_MAX_LINK_DENSITY (after it: EDGE_TRAILING_MAX_LINK_DENSITY) is furniture.
EDGE_PROSE_MAX_LINK_DENSITY = 0.5
EDGE_PROSE_MIN_CHARS = 60
EDGE_PROSE_MIN_CHARS_CJK = 30
EDGE_LEADING_MAX_LINK_DENSITY = 0.3
EDGE_TRAILING_MAX_LINK_DENSITY = 0.5
# A tag line is shorter than this.
TAG_LINE_MAX_CHARS = 400
# Before the story, a line of fewer spaces than this (CJK: characters) is a kicker, a
# byline or a label; one shorter than DATELINE_LINE_MAX_CHARS with a date is a dateline.
SHORT_LINE_MAX_SPACES = 6
SHORT_LINE_MAX_CHARS_CJK = 15
DATELINE_LINE_MAX_CHARS = 120
# A byline with a date may sit this many blocks after the lead.
BYLINE_REACH = 2
# An appeal at the story's end takes the box around it, up to this much more text.
APPEAL_BOX_SLACK_CHARS = 160


def _trim_edges(region: HtmlElement, is_tag_line: Callable[[str], object] | None,
                blocks: list[Block]) -> None:
    """Remove furniture before the first and after the last paragraph of prose.

    Before the article: bylines, datelines, kickers, share labels — short lines.
    After it: link lists, calls to action, appeals, tag lines. Short lines after the
    last paragraph stay (they are often list items or a closing line of the story).
    """
    if not blocks:
        return

    def prose(block: Block) -> bool:
        cjk = _is_cjk(block.text)
        return block.link_density < EDGE_PROSE_MAX_LINK_DENSITY and (
            block.chars >= (EDGE_PROSE_MIN_CHARS_CJK if cjk else EDGE_PROSE_MIN_CHARS)) and bool(
            _SENTENCE_END.search(block.text)) and not BOILERPLATE_START.match(block.text)

    flags = [prose(b) for b in blocks]
    if not any(flags):
        return
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    keep: set[HtmlElement] = set()
    for block, is_prose in zip(blocks, flags):
        if is_prose:
            el = block.el
            while el is not None and el not in keep:
                keep.add(el)
                el = el.getparent()

    def furniture(block: Block, leading: bool) -> bool:
        if block.link_density > (EDGE_LEADING_MAX_LINK_DENSITY if leading else EDGE_TRAILING_MAX_LINK_DENSITY) \
                or BOILERPLATE_START.match(block.text):
            return True
        if block.el.tag not in ("td", "th") and (
                (not _LETTER.search(block.text) and any(ch.isdigit() for ch in block.text))
                or _SLUG.match(block.text)):
            return True  # "0 : 0", "narrow-browser-and-phone": widget state, not words
        if is_tag_line is not None and len(block.text) < TAG_LINE_MAX_CHARS and is_tag_line(block.text):
            return True
        if is_appeal(block.text):
            return True
        if not leading or block.el.tag in HEADINGS:
            return False
        few_words = block.chars < SHORT_LINE_MAX_CHARS_CJK if _is_cjk(block.text) \
            else block.text.count(" ") < SHORT_LINE_MAX_SPACES
        return few_words or (block.chars < DATELINE_LINE_MAX_CHARS and bool(DATELINE.search(block.text)))

    tail_cut = False
    for i, block in enumerate(blocks):
        if block.el is region or block.el.getparent() is None:
            continue
        if _is_teaser(block):
            drop(block.el)
            continue
        if i < first and block.el in keep and block.el is not region and furniture(block, leading=True):
            # A box around the lead with a kicker or a byline of its own ("<header><span>
            # Movilidad</span><h1>…</h1><p>lead</p>"): its loose words go, the lead stays.
            _drop_loose_text(block.el)
            continue
        if first <= i <= last or block.el in keep:
            # Inside the story only unmistakable one-liners go: credits, labels, "Read more",
            # and a short paragraph that is a link to another story ("See also: <headline>").
            if block.el not in keep and (
                    (block.chars < BOILERPLATE_LINE_MAX_CHARS and BOILERPLATE_START.match(block.text))
                    # a byline between the lead and the story: "Por Lucía Romero · 3 de mayo de 2022"
                    or (first < i <= first + BYLINE_REACH and block.chars < BYLINE_MAX_CHARS
                        and DATELINE.search(block.text)
                        and not _SENTENCE_END.search(block.text))
                    or (block.chars < LINK_LINE_MAX_CHARS and block.link_density >= LINK_LINE_DENSITY
                        and block.el.tag not in ("li", "td", "th", "dd", "dt"))):
                drop(block.el)
            continue
        if tail_cut or furniture(block, leading=i < first):
            drop(block.el)
            # After an appeal at the end ("Enter your email address:") comes more of its box.
            tail_cut = tail_cut or (i > last and is_appeal(block.text))
    # Appeals that read like prose at the very end ("Independent journalism... donate").
    # Short lines after such an appeal ("Enter your email address:") go with it.
    ends_in_appeal = False
    for block in reversed(blocks[first:last + 1]):
        if block.el is region or block.el.getparent() is None:
            break
        if is_appeal(block.text) or (is_tag_line is not None and is_tag_line(block.text)):
            ends_in_appeal = ends_in_appeal or block is blocks[last]
            # the box it sits in goes too: its heading and button add little text
            own = len(" ".join(block.el.text_content().split()))
            drop(_box_around(block.el, region, own + APPEAL_BOX_SLACK_CHARS))
            continue
        break
    if ends_in_appeal:
        for block in blocks[last + 1:]:
            if block.el not in keep and block.el.getparent() is not None and _is_ancestor(region, block.el):
                drop(block.el)


def _drop_loose_text(el: HtmlElement) -> None:
    """Remove the text ``el`` holds itself (its own text and inline children), keeping
    its block children."""
    el.text = None
    for child in list(el):
        child.tail = None
        if isinstance(child.tag, str) and child.tag not in BLOCK_TAGS:
            el.remove(child)


def _box_around(el: HtmlElement, region: HtmlElement, max_chars: int) -> HtmlElement:
    """The largest ancestor of ``el`` below ``region`` holding at most ``max_chars`` of
    text: an appeal's or a paywall's box, with its heading, offers and buttons."""
    parent = el.getparent()
    while parent is not None and parent is not region \
            and len(" ".join(parent.text_content().split())) <= max_chars:
        el, parent = parent, parent.getparent()
    return el


def clean_region(region: HtmlElement, *, is_tag_line: Callable[[str], object] | None = None) -> None:
    """Clean and prune a region chosen by someone else (a site rule), in place."""
    named = clean_tree(region)
    blocks = text_blocks(region)
    scores, sizes = score_tree(region, blocks, named)
    prune_region(region, scores, sizes, is_tag_line)


def find_body(root: HtmlElement, *, reference: str | None = None,
              is_tag_line: Callable[[str], object] | None = None,
              alternative: str | None = None, headline: HtmlElement | None = None,
              steps: tuple[list[str], list[str]] | None = None) -> Region | None:
    """Clean ``root`` in place and return the pruned article region, or None.

    ``reference`` is the page's own complete text of the article (a JSON-LD
    ``articleBody``), used to judge regions; ``alternative`` is text or markup the page
    gives of its work elsewhere (structured data), taken when the page shows less;
    ``headline`` is the element that carries the page's title, when known; ``steps``
    are the ingredients and steps a recipe or how-to gives in its structured data.
    """
    named = clean_tree(root)
    blocks = text_blocks(root)
    scores, sizes = score_tree(root, blocks, named)
    region = choose_region(root, blocks, scores, reference)
    if region is not None:
        widened = _add_siblings(region.el, scores)
        if widened is not region.el:
            region = Region(widened, region.reason + " with prose siblings", scores[widened], region.total)
        if _take_lead(root, region.el, blocks, headline):
            region.reason += " and the lead under the headline"
        prune_region(region.el, scores, sizes, is_tag_line)
    region = _not_below_baseline(region, blocks, alternative)
    if region is not None and steps and _complete_steps(region.el, *steps):
        region.reason += ", with the ingredients and steps of its structured data"
    return region


# A recipe or how-to whose body shows fewer than this share of the ingredients and steps
# its structured data lists gets the missing ones added from there (the page split
# them into boxes of their own, apart from the text around them).
STEPS_MIN_SHOWN_SHARE = 0.5
STEPS_MIN_COUNT = 1
STEP_KEY_CHARS = 30


def _complete_steps(region: HtmlElement, ingredients: list[str], steps: list[str]) -> bool:
    text = " ".join(region.text_content().split())
    added = False
    for items, tag in ((ingredients, "li"), (steps, "p")):
        if len(items) < STEPS_MIN_COUNT:
            continue
        missing = [item for item in items if item[:STEP_KEY_CHARS] not in text]
        if len(missing) <= (1 - STEPS_MIN_SHOWN_SHARE) * len(items):
            continue
        holder = etree.SubElement(region, "ul" if tag == "li" else "div")
        for item in missing:
            etree.SubElement(holder, tag).text = item
        added = True
    return added


# -- never less than the baseline ------------------------------------------------------

# A body shorter than this is a teaser (CJK scripts say more per character)…
TEASER_CHARS = 300
TEASER_CHARS_CJK = 100
# …and gives way to the page's prose blocks when they hold this many times more text.
BASELINE_GAIN = 2.0
# What counts as a prose block for the baseline: this long (CJK: shorter), this few
# links, and ending like a sentence unless it is long.
BASELINE_MIN_CHARS = 40
BASELINE_MIN_CHARS_CJK = 15
BASELINE_MAX_LINK_DENSITY = 0.3
BASELINE_UNPUNCTUATED_MIN_CHARS = 100
BASELINE_TAGS = {"nav": "nav", "footer": "footer", "aside": "aside"}


def prose_blocks(blocks: list[Block]) -> list[Block]:
    """The simple baseline: every block of the page that reads like prose, outside
    navigation, footers and sidebars, whatever the class names around it say."""
    found = []
    for block in blocks:
        cjk = _is_cjk(block.text)
        if block.chars < (BASELINE_MIN_CHARS_CJK if cjk else BASELINE_MIN_CHARS) \
                or block.link_density > BASELINE_MAX_LINK_DENSITY:
            continue
        if block.chars < BASELINE_UNPUNCTUATED_MIN_CHARS and not _SENTENCE_END.search(block.text):
            continue
        if BOILERPLATE_START.match(block.text) or is_appeal(block.text):
            continue
        if any(el.tag in BASELINE_TAGS or LANDMARK_ROLES.get(el.get("role") or "") in BASELINE_TAGS
               for el in block.el.iterancestors()):
            continue
        found.append(block)
    return found


def _not_below_baseline(region: Region | None, blocks: list[Block], alternative: str | None) -> Region | None:
    """The region, or a fuller text when the region is empty or a teaser: the page's
    prose blocks, or the ``alternative`` text the page gives in its structured data.
    An extractor must never return less than a simple baseline would."""
    chars = len(" ".join(region.el.text_content().split())) if region is not None else 0
    sample = region.el.text_content()[:200] if region is not None and chars else ""
    if chars >= (TEASER_CHARS_CJK if _is_cjk(sample) else TEASER_CHARS):
        return region
    prose = prose_blocks(blocks)
    best, best_chars, why = None, BASELINE_GAIN * chars, ""
    if prose and sum(b.chars for b in prose) >= best_chars:
        best = lxml.html.Element("div")
        for block in prose:
            para = etree.SubElement(best, block.el.tag if block.el.tag in HEADINGS else "p")
            para.text = block.text
        best_chars, why = sum(b.chars for b in prose), "prose blocks of the page"
    if alternative:
        held = text_element(alternative)
        clean_tree(held)
        held_chars = len(" ".join(held.text_content().split()))
        if held_chars >= max(best_chars, 1):
            best, best_chars, why = held, held_chars, "the text in the page's structured data"
    if best is None:
        return region
    why += f" (the best region had {chars} characters)"
    return Region(best, why, best_chars, region.total if region else 0.0)


_TAG = re.compile(r"<[a-zA-Z][^>]*>")


def text_element(text: str) -> HtmlElement:
    """A ``<div>`` holding ``text``: parsed when it is markup, else one ``<p>`` per
    paragraph (blank lines, or lines when there are none)."""
    if _TAG.search(text):
        try:
            return lxml.html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError):
            text = _TAG.sub(" ", text)
    holder = lxml.html.Element("div")
    parts = re.split(r"\n\s*\n", text) if "\n\n" in text else text.splitlines()
    for part in parts:
        if part.strip():
            etree.SubElement(holder, "p").text = " ".join(part.split())
    return holder


# A lead (standfirst, summary) sits between the headline and the body, outside the
# body's box. At most this many blocks of at least LEAD_MIN_CHARS are taken.
LEAD_MAX_BLOCKS = 2
LEAD_MIN_CHARS = 80
LEAD_MAX_LINK_DENSITY = 0.2


# Names that say a block under the headline is not a lead: a caption, a credit, a
# byline, an author's bio, a picture's box.
NOT_LEAD_WORDS = FURNITURE_STRONG | FURNITURE_SMALL | {
    "byline", "author", "authors", "photo", "image", "img", "media", "figure", "picture", "meta"}


CAPTION_BOX_SLACK = 1.5


def _beside_furniture(el: HtmlElement) -> bool:
    """Is ``el`` a caption or a byline rather than a lead: named so (itself or the box
    around it), inside a figure, or next to a picture in the same box?"""
    parent = el.getparent()
    for node in (el, parent, parent.getparent() if parent is not None else None):
        if node is None:
            break
        if node.tag == "figure" or (node.attrib and words_of(node) & NOT_LEAD_WORDS):
            return True
    # A picture's box: an image and this text, and little else (a header holding the
    # headline, the lead and a hero image is not one).
    return parent is not None and parent.find(".//h1") is None and any(
        not _is_ancestor(el, img) for img in parent.iter("img", "picture", "video")) \
        and len(" ".join(parent.text_content().split())) < CAPTION_BOX_SLACK * len(" ".join(el.text_content().split()))


def _take_lead(root: HtmlElement, region: HtmlElement, blocks: list[Block],
               headline: HtmlElement | None = None) -> bool:
    """Move the lead paragraphs found between the headline (the page's title heading,
    else its last ``<h1>`` before the region) and the region into the region's start.
    True when there were any."""
    if headline is not None and _is_ancestor(region, headline):
        return False
    if headline is None and region.find(".//h1") is not None:
        return False
    order: dict[HtmlElement, int] = {}  # reading order, up to the region (a lead comes before it)
    for i, el in enumerate(root.iter()):
        order[el] = i
        if el is region:
            break
    start = order.get(region)
    if start is None or order.get(headline, start) >= start and next(root.iter("h1"), None) is None:
        return False
    if headline is not None and order.get(headline, start) < start:
        after = order[headline]
    else:
        headlines = [h for h in root.iter("h1") if order.get(h, start) < start]
        if not headlines:
            return False
        after = order[headlines[-1]]
    lead = [b for b in blocks
            if after < order.get(b.el, -1) < start and b.el.getparent() is not None and b.value > 0
            and b.chars >= LEAD_MIN_CHARS and b.link_density < LEAD_MAX_LINK_DENSITY
            and not BOILERPLATE_START.match(b.text) and not is_appeal(b.text)
            and not _is_ancestor(b.el, region) and not _beside_furniture(b.el)]
    lead = [b for b in lead if not any(o is not b and _is_ancestor(o.el, b.el) for o in lead)]
    if not lead or len(lead) > LEAD_MAX_BLOCKS:
        return False
    for i, block in enumerate(lead):
        el = block.el
        tail, el.tail = el.tail, None
        drop_keep = lxml.html.Element("span")
        drop_keep.tail = tail
        el.addnext(drop_keep)
        drop(drop_keep)
        region.insert(i, el)
    return True
