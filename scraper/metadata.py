"""Page metadata: title, authors, tags, site name, language, description, image, canonical URL.

Every field has several possible sources (Open Graph and other ``<meta>`` tags, JSON-LD,
the visible page) and each source is wrong on some sites: ``keywords`` meta stuffed
with SEO terms, ``article:author`` holding a Facebook URL, ``og:site_name`` naming a
section, ``<html lang>`` left at the theme default. So each field is chosen by an
explicit precedence with sanity checks, and ``Metadata.explain`` records which signal
won, so a wrong value can be traced to its source.

Rules are general: they must hold on sites never seen, in any language. Nothing here
names a site. :func:`read_metadata` only reads the tree; the body extractor cleans
the same tree afterwards.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from scraper import lexicon
from scraper.language import (
    detect_language,
    dominant_script,
    language_script,
    normalize_language,
    tokens_of,
)
from scraper.language import word_score as _word_score
from scraper.structured import article_objects, json_ld, meta_tags, types_of

__all__ = ["Metadata", "read_metadata", "tag_line_label", "confirm_language"]


@dataclass
class Metadata:
    """What the page says about itself. ``explain`` maps field → the signal that chose it."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    explain: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Text helpers

_WS = re.compile(r"\s+")
_ALNUM = re.compile(r"[\W_]+")


def _clean(value: Any) -> str:
    """Unescape entities (pages double-escape them) and collapse whitespace."""
    if not isinstance(value, str):
        return ""
    if "&" in value:
        value = html.unescape(value)
    return _WS.sub(" ", value.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")).strip()


def _text(el: HtmlElement) -> str:
    return _clean(el.text_content())


def _key(value: str) -> str:
    """Comparison key: case-folded letters and digits only (any script)."""
    return _ALNUM.sub("", value.casefold())


def _first(meta: Mapping[str, list[str]], *names: str) -> tuple[str, str] | None:
    for name in names:
        for value in meta.get(name, ()):
            value = _clean(value)
            if value:
                return value, name
    return None


def _looks_like_url(value: str) -> bool:
    v = value.strip().lower()
    return (v.startswith(("http://", "https://", "//", "www.", "/"))
            or bool(re.match(r"^[\w.-]+\.(com|org|net|co|io|info)(/|$)", v)))


# ---------------------------------------------------------------------------
# Hosts and site names

_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "nic"}


def _host(url: str | None) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower()


def _host_label(host: str) -> str:
    """The name part of a host: ``www.bbc.co.uk`` → ``bbc``, ``rzn.mk.ru`` → ``mk``."""
    parts = [p for p in host.split(".") if p]
    if len(parts) >= 2:
        parts = parts[:-1]
        if len(parts) >= 2 and parts[-1] in _SECOND_LEVEL:
            parts = parts[:-1]
    return parts[-1] if parts else ""


_DOMAINISH = re.compile(r"^(?:https?://)?(?:www\.)?([\w-]+(?:\.[\w-]+)*?)\.[a-z]{2,6}(?:\.[a-z]{2})?/?$",
                        re.I)


def _site_key(value: str) -> str:
    """Key for comparing site names: ``The Hollywood Reporter`` ~ ``hollywoodreporter``,
    ``Express.co.uk`` ~ ``express``."""
    v = value.strip().lower()
    m = _DOMAINISH.match(v)
    if m and " " not in v:
        v = m.group(1).split(".")[-1] if "." in m.group(1) else m.group(1)
    if v.startswith("the "):
        v = v[4:]
    return _key(v)


# Site names match when one key starts the other, both at least _SITE_KEY_MIN_CHARS long
# and the shorter this share of the longer; a value contains the site's name when a key
# of at least _SITE_CONTAINED_MIN_CHARS is inside it (or it is inside the key, at least
# this share of it).
_SITE_KEY_MIN_CHARS = 4
_SITE_PREFIX_SHARE = 0.55
_SITE_CONTAINED_MIN_CHARS = 5
_SITE_CONTAINED_SHARE = 0.5


class _Site:
    """Names a page uses for its own site, to recognise them in titles, authors and tags."""

    def __init__(self, names: Iterable[str], host: str, path: str = "") -> None:
        # One-word URL path segments are sections ("/actualidad/internacional/"): a
        # byline element that reads "Internacional" names the section, not a person.
        self.sections = {_key(seg) for seg in unquote(path).split("/")
                         if seg and "-" not in seg and "." not in seg and not seg.isdigit()}
        self.keys: set[str] = set()
        for name in names:
            if not name:
                continue
            self.keys.add(_site_key(name))
            first = re.split(r"\s+[|\-–—:]\s+|\s*\|\s*", name)[0]
            self.keys.add(_site_key(first))
        label = _host_label(host)
        if label:
            self.keys.add(_key(label))
        bare = host[4:] if host.startswith("www.") else host
        if bare:
            self.keys.add(_key(bare))
        self.keys.discard("")

    def matches(self, value: str) -> bool:
        k = _site_key(value)
        if not k:
            return False
        if k in self.keys:
            return True
        if len(k) < _SITE_KEY_MIN_CHARS:
            return False
        for s in self.keys:
            if len(s) < _SITE_KEY_MIN_CHARS:
                continue
            short, long_ = (k, s) if len(k) <= len(s) else (s, k)
            if long_.startswith(short) and len(short) >= _SITE_PREFIX_SHARE * len(long_):
                return True
        return False

    def contains(self, value: str) -> bool:
        """``value`` is the site name or merely extends it ("News Nation Bureau")."""
        if self.matches(value):
            return True
        k = _site_key(value)
        return any(len(s) >= _SITE_CONTAINED_MIN_CHARS
                   and (s in k or (k in s and len(k) >= _SITE_CONTAINED_SHARE * len(s)))
                   for s in self.keys)


# ---------------------------------------------------------------------------
# JSON-LD helpers

def _index(objects: list[dict]) -> dict[str, dict]:
    return {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}


def _resolve(value: Any, index: Mapping[str, dict]) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
        ref = value.get("@id")
        if isinstance(ref, str) and ref in index:
            return index[ref]
    return value


def _ld_name(value: Any, index: Mapping[str, dict]) -> str:
    value = _resolve(value, index)
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if isinstance(name, dict):
            name = name.get("@value")
        if isinstance(name, str) and _clean(name):
            return _clean(name)
        given, family = value.get("givenName"), value.get("familyName")
        if isinstance(given, str) or isinstance(family, str):
            return _clean(f"{given or ''} {family or ''}")
    return ""


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------
# Title

_TITLE_SEP = re.compile(r"(\s+[|\-–—·•»~/:]{1,2}\s+|\s*[|｜]\s*|\s*--\s*|\s+::\s+)")


def _strip_site_affixes(title: str, site: _Site) -> str:
    """Remove " - Site", " | Section | Site" and "Site: " affixes from a title."""
    parts = _TITLE_SEP.split(title)
    segs, seps = parts[0::2], parts[1::2]
    if len(segs) > 1:
        cut = next((i for i in range(1, len(segs)) if site.matches(segs[i])), None)
        if cut is not None:
            segs, seps = segs[:cut], seps[:cut - 1]
        while len(segs) > 1 and site.matches(segs[0]):
            segs, seps = segs[1:], seps[1:]
        title = segs[0] + "".join(s + g for s, g in zip(seps, segs[1:]))
    m = re.match(r"^(.{2,60}?)\s*[:：]\s+(.{8,})$", title)
    if m and site.matches(m.group(1)):
        title = m.group(2)
    return title.strip(" -|–—:·")


# Two titles are the same when one starts or ends the other and is this share of it.
_SAME_TITLE_SHARE = 0.6
# The site-name part of <title> is at most this long.
_AFFIX_MAX_CHARS = 60


def _same_title(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long_ = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return len(short) >= _SAME_TITLE_SHARE * len(long_) and (long_.startswith(short) or long_.endswith(short))


def _title_affix(raw_title: str, headline: str | None, host: str) -> str | None:
    """The part of ``<title>`` beside the headline: usually the site's name.

    Trusted only when it names the host, or when the rest of ``<title>`` is the
    headline (so a headline that itself contains " – " is not cut in two).
    """
    segs = [seg.strip() for seg in _TITLE_SEP.split(raw_title)[0::2] if seg.strip()]
    if len(segs) < 2:
        return None
    label = _key(_host_label(host))
    affix = next((seg for seg in segs[1:] + segs[:1] if label and _site_key(seg) == label), None)
    if affix is None and headline:
        if _same_title(" ".join(segs[:-1]), headline):
            affix = segs[-1]
        elif _same_title(" ".join(segs[1:]), headline):
            affix = segs[0]
    if affix and len(affix) <= _AFFIX_MAX_CHARS and not re.search(r"[>»/]", affix):
        return affix
    return None


# ---------------------------------------------------------------------------
# Authors

_UNAMBIGUOUS_BY = lexicon.alternation(lexicon.BYLINE_BY)
_AMBIGUOUS_BY = lexicon.alternation(lexicon.BYLINE_BY_AMBIGUOUS)
_BY_STRICT = re.compile(
    rf"^(?:(?:[\w-]+\s+){{0,2}}by|{_UNAMBIGUOUS_BY})\b\s*[:：\-–—]?\s*(?=\S)", re.I)
_BY_LOOSE = re.compile(rf"^(?:{_AMBIGUOUS_BY})\s*[:：]?\s+(?=\S)", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_MONTHS = lexicon.alternation(lexicon.BYLINE_MONTHS)
_WEEKDAYS = lexicon.alternation(lexicon.BYLINE_WEEKDAYS)
_BYLINE_STOP = re.compile(
    rf"(?:\d|\b(?:{_MONTHS}|{_WEEKDAYS})\b\.?,?\s*\d|\b(?:{_WEEKDAYS})\b,|"
    rf"\b(?:{lexicon.alternation(lexicon.BYLINE_STOP_WORDS)})\b|[|•·/／]|\s[-–—]\s|\s[-–—]$)",
    re.I,
)
# "Jeff FoustMonday, November 18": a date glued to the name.
_GLUED_DATE = re.compile(rf"(?<=[a-z])(?=(?:{lexicon.alternation(lexicon.GLUED_DATE_WORDS)})\b)")
# Words left dangling once a date is cut off: "on", "le", "am"; "ago" words that come
# before the number ("prije 3 sata", "vor 2 Stunden", "hace 5 horas").
_TRAILING_LINK_WORDS = re.compile(
    rf"(?:\s+(?:{lexicon.alternation(lexicon.TRAILING_LINK_WORDS)}))+$",
    re.I,
)
_CREDENTIALS = set(lexicon.words(lexicon.CREDENTIALS))
_ROLE_WORDS = set(lexicon.words(lexicon.ROLE_WORDS))
_ROLE_HEADS = set(lexicon.words(lexicon.ROLE_HEADS))
_GENERIC_AUTHORS = set(lexicon.words(lexicon.GENERIC_AUTHORS))
# A byline part that opens with one of these is a place or an outlet, not a name:
# "Do UOL, em São Paulo", "in Washington".
_LOCATION_WORDS = set(lexicon.words(lexicon.LOCATION_WORDS))
_PLAIN_LOCATION_WORDS = set(lexicon.words(lexicon.PLAIN_LOCATION_WORDS))
# Names that are a newsroom, not a person: "Redazione ANSA", "Practical Horseman Editorial".
_STAFF_WORDS = set(lexicon.words(lexicon.STAFF_WORDS))
_NAME_PARTICLES = set(lexicon.words(lexicon.NAME_PARTICLES))
# Conjunctions are matched case-sensitively and between spaces, so that the
# initial in "Sarah E. Needleman" or "Bruce Y. Lee" is not taken for "e"/"y".
_SPLIT_AUTHORS = re.compile(
    rf"\s*(?:,|;|、|，|\s&\s)\s*|\s+(?:{lexicon.alternation(lexicon.AUTHOR_CONJUNCTIONS)})\s+"
)


def _title_case(name: str) -> str:
    """"TOM KRISHER" → "Tom Krisher", "marcos lópez" → "Marcos López"; mixed case is kept."""
    letters = [c for c in name if c.isalpha()]
    if len(letters) > 3 and (all(c.isupper() for c in letters)
                             or (all(c.islower() for c in letters) and " " in name)):
        words = name.split()
        return " ".join(
            w.lower() if i and w.lower() in _NAME_PARTICLES else w[:1].upper() + w[1:].lower()
            for i, w in enumerate(words))
    return name


def _author_names(raw: str, site: _Site, *, from_page: bool = False) -> list[str]:
    """Turn one author value ("By A and B, Staff Writers | Updated 5 pm") into names."""
    text = _clean(raw)
    if not text or _looks_like_url(text) or "http" in text.lower():
        return []
    text = _clean(_HANDLE.sub(" ", _EMAIL.sub(" ", text)))
    # "Texto: Ana Silva", "Reportage : Jean Dupont": drop a short label before a colon.
    label = re.match(r"^[^\W\d_][\w.-]*(?:\s+[\w.-]+)?\s*[:：]\s*(?=\S)", text)
    if label:
        text = text[label.end():]
    for _ in range(2):
        m = _BY_STRICT.match(text)
        if m and m.end() < len(text):
            text = text[m.end():]
            continue
        m = _BY_LOOSE.match(text)
        if m and (from_page or len(text[m.end():].split()) >= 2):
            text = text[m.end():]
        break
    glued = _GLUED_DATE.search(text)
    if glued:
        text = text[:glued.start()]
    stop = _BYLINE_STOP.search(text)
    if stop:
        text = text[:stop.start()]
    text = re.sub(r"\s*\([^)]*\)?", "", text)  # "(SP)", "(AP)", "(Reuters"
    text = _TRAILING_LINK_WORDS.sub("", text.strip(" ,;:-–—()[]")).strip(" ,;:-–—()[]")
    if not text:
        return []
    parts = [p.strip(" ,;:-–—()") for p in _SPLIT_AUTHORS.split(text) if p]
    parts = [p for p in parts if p and p.lower().strip(".") not in _CREDENTIALS]
    names: list[str] = []
    multiword = any(len(p.split()) >= 2 for p in parts)
    for part in parts:
        words = part.split()
        first = words[0].lower()
        if (first in _LOCATION_WORDS and len(parts) > 1) or (
                first in _PLAIN_LOCATION_WORDS and len(words) > 1):
            continue
        # "AP Auto Writer", "Staff Reporter", "CNN Editor-at-large": a role, not a person.
        # "Finian Cunningham. Sputnik International": the outlet glued to the name.
        for n in (3, 2, 1):
            if len(words) - n >= 2 and _key(" ".join(words[-n:])) in site.keys:
                words = words[:-n]
                words[-1] = words[-1].rstrip(".,;|-")
                part = _TRAILING_LINK_WORDS.sub("", " ".join(words))
                words = part.split()
                break
        last = words[-1].lower().strip(".").split("-")[0]
        if last in _ROLE_HEADS and len(parts) > 1:
            continue  # "…, AP National Security Writer": the role of the name before it
        if last in _ROLE_HEADS:
            while words and (words[-1].lower().strip(".").split("-")[0] in _ROLE_WORDS
                             or words[-1].lower() in _ROLE_WORDS):
                words.pop()
            if len(words) > 3 or len(words) < 2:
                continue
            part = " ".join(words)
        if len(parts) > 1 and multiword and len(words) == 1:
            continue  # "Victor Tangermann, Futurism": the single word is an affiliation
        if len(words) <= 3 and any(_key(w) in site.keys for w in words):
            continue  # "Jill Disis, CNN Business", "Do UOL": the outlet, not an author
        if not _valid_name(part, site) or (from_page and _key(part) in site.sections):
            continue
        names.append(_title_case(part))
    return names


# A person's name is at most this long, in at most this many words; a one-word name has at
# least this many letters.
_NAME_MAX_CHARS = 60
_NAME_MAX_WORDS = 6
_NAME_MIN_LETTERS = 3


def _valid_name(name: str, site: _Site) -> bool:
    if not name or len(name) > _NAME_MAX_CHARS or len(name.split()) > _NAME_MAX_WORDS:
        return False
    if not any(c.isalpha() for c in name) or any(c.isdigit() for c in name):
        return False
    low = name.lower().strip(" .")
    if low in _GENERIC_AUTHORS or "admin" in low or _looks_like_url(name):
        return False
    if " " not in name and sum(c.isalpha() for c in name) < _NAME_MIN_LETTERS:
        return False  # "j", "AS": initials or a username fragment
    if " " not in name and name.isascii() and name.islower():
        return False  # "gqlshare", "newsdesk": a login, not a byline
    if any(w in _STAFF_WORDS for w in low.split()):
        return False
    if re.search(r"\.(com|net|org|co|in|ru|de|fr|uk|info)\b", low):
        return False
    return not site.contains(name)


def _dedupe(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for v in values:
        k = _key(v)
        if k and k not in seen:
            seen.add(k)
            out.append(v)
    return out


def _ld_authors(arts: list[dict], index: Mapping[str, dict], site: _Site) -> list[str]:
    for obj in arts:
        raw = obj.get("author") or obj.get("creator")
        names: list[str] = []
        for item in _as_list(raw):
            item = _resolve(item, index)
            if isinstance(item, dict) and "organization" in " ".join(types_of(item)):
                name = _ld_name(item, index)
                if name and not site.contains(name):
                    names.extend(_author_names(name, site))
                continue
            name = _ld_name(item, index)
            if name:
                names.extend(_author_names(name, site))
        names = _dedupe(names)
        if names:
            return names
    return []


_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "dcterms.creator", "dc.contributor", "byl", "citation_author", "twitter:creator")


def _meta_authors(meta: Mapping[str, list[str]], site: _Site) -> tuple[list[str], str]:
    for key in _AUTHOR_META:
        names: list[str] = []
        for value in meta.get(key, ()):
            if key == "twitter:creator" and value.strip().startswith("@"):
                continue
            names.extend(_author_names(value, site))
        names = _dedupe(names)
        if names:
            return names, key
    return [], ""


_BYLINE_XPATH = etree.XPath(
    "descendant-or-self::*[@itemprop='author' or @rel='author' or contains(@class,'yline') or "
    "contains(@class,'uthor') or contains(@id,'yline')]"
)
_AUTHOR_MARKUP_XPATH = etree.XPath("//body//*[@itemprop='author' or @rel='author']")
_BYLINE_NOISE = {
    "comment", "comments", "commentlist", "respond", "reply", "preview", "teaser", "card",
    "related", "recommended", "recommendation", "popular", "widget", "sidebar", "footer",
    "nav", "menu", "bio", "biography", "desc", "description", "avatar", "form", "most",
    "trending", "promo", "newsletter", "aside",
}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TOKEN_SPLIT = re.compile(r"[^a-zA-Z0-9]+")


def _tokens(el: HtmlElement) -> set[str]:
    value = f"{el.get('class') or ''} {el.get('id') or ''}"
    if not value.strip():
        return set()
    value = value.replace("h-card", "hcard")  # the microformat, not a teaser card
    value = _CAMEL.sub(" ", value)
    return {t.lower() for t in _TOKEN_SPLIT.split(value) if t}


# The byline is looked for at most this many levels above the headline.
_BYLINE_SCOPE_STEPS = 6
# A byline is at most this long; names read from the page have at most this many words.
_BYLINE_MAX_CHARS = 120
_PAGE_NAME_MAX_WORDS = 4
# Co-authors marked up one by one are gathered from a block of at most this much text, at
# most this many levels above the first one.
_COAUTHOR_BLOCK_MAX_CHARS = 250
_COAUTHOR_MAX_STEPS = 5
# A "By …" line without markup is looked for in this many elements after the headline.
_TEXT_BYLINE_SIBLINGS = 6


def _byline_scope(doc: HtmlElement) -> HtmlElement | None:
    """The part of the page around the headline, where the byline is.

    Searching there first is cheaper than searching the page, and it keeps the
    bylines of related-story teasers elsewhere on the page out.
    """
    body = doc.find("body")
    h1 = next(body.iter("h1"), None) if body is not None else None
    if h1 is None:
        return None
    scope = h1
    for anc in islice(h1.iterancestors(), _BYLINE_SCOPE_STEPS):
        scope = anc
        if anc.tag in ("article", "main", "body"):
            break
    return scope


def _page_authors(doc: HtmlElement, site: _Site) -> tuple[list[str], str]:
    scope = _byline_scope(doc)
    if scope is not None:
        names, signal = _page_authors_in(scope, site)
        if names or scope.tag == "body":
            return names, signal
        # Away from the headline only explicit author markup is worth a look.
        return _page_authors_in(doc, site, _AUTHOR_MARKUP_XPATH)
    body = doc.find("body")
    return _page_authors_in(body if body is not None else doc, site)


def _page_authors_in(root: HtmlElement, site: _Site, xpath: etree.XPath = _BYLINE_XPATH
                     ) -> tuple[list[str], str]:
    cands: list[tuple[int, HtmlElement, list[str], str]] = []
    for order, el in enumerate(xpath(root)):
        if el.tag in ("meta", "link", "script", "style", "img", "input", "textarea", "form"):
            continue
        toks = _tokens(el)
        if toks & _BYLINE_NOISE or any(_tokens(a) & _BYLINE_NOISE or a.tag in ("aside", "nav", "footer")
                                       for a in el.iterancestors()):
            continue
        target = el
        if el.get("itemprop") and "author" in el.get("itemprop", ""):
            named = el.find(".//*[@itemprop='name']")
            if named is not None:
                target = named
        text = _text(target)
        if not text or len(text) > _BYLINE_MAX_CHARS:
            continue
        names = _author_names(text, site, from_page=True)
        if not names or any(len(n.split()) > _PAGE_NAME_MAX_WORDS for n in names):
            continue
        if el.get("itemprop") and "author" in el.get("itemprop", ""):
            signal = "itemprop=author"
        elif el.get("rel") == "author":
            signal = "rel=author"
        elif "byline" in toks:
            signal = "byline element"
        else:
            signal = "author element"
        cands.append((order, el, names, signal))
    if not cands:
        return [], ""
    # The innermost candidate is the cleanest: drop those that contain another.
    elements = {c[1] for c in cands}
    inner = [c for c in cands if not any(d in elements for d in c[1].iterdescendants())]
    rank = {"itemprop=author": 0, "rel=author": 1, "byline element": 2, "author element": 3}
    pool = inner or cands
    best = min(pool, key=lambda c: (rank[c[3]], c[0]))
    # Co-authors are often marked up one by one ("Par <a rel=author>A</a> et <a
    # rel=author>B</a>"): take the others of the same kind in the same short byline
    # block as the best one.
    same = [(c, set(c[1].iterancestors())) for c in pool if c[3] == best[3] and c is not best]
    names = list(best[2])
    for anc in islice(best[1].iterancestors(), _COAUTHOR_MAX_STEPS):
        if len(_text(anc)) > _COAUTHOR_BLOCK_MAX_CHARS:
            break
        inside = [c for c, ancestors in same if anc in ancestors]
        if inside:
            names += [n for c in sorted(inside, key=lambda c: c[0]) for n in c[2]]
            break
    return _dedupe(names), best[3]


def _text_byline(doc: HtmlElement, site: _Site) -> tuple[list[str], str]:
    """A "By A and B" line shortly after the headline, for pages with no byline markup."""
    for h1 in islice(doc.iter("h1"), 2):
        for el in islice(h1.itersiblings(), _TEXT_BYLINE_SIBLINGS):
            text = _text(el)
            if not text or len(text) > _BYLINE_MAX_CHARS:
                continue
            if _BY_STRICT.match(text) or _BY_LOOSE.match(text):
                names = _author_names(text, site, from_page=True)
                if names:
                    return names, "byline text after h1"
    return [], ""


# ---------------------------------------------------------------------------
# Tag lines

# Labels that introduce a tag line even without a colon ("Tags", "Filed under"), and
# labels too common as ordinary words or headings to count without one ("Topics").
_ALL_LABELS = sorted(lexicon.words(lexicon.TAG_LABELS, lexicon.TAG_LABELS_WEAK), key=len, reverse=True)
_WEAK_SET = set(lexicon.words(lexicon.TAG_LABELS_WEAK))
_LABEL_RE = re.compile(
    r"^\s*[#\W_]{0,2}\s*(" + "|".join(re.escape(label) for label in _ALL_LABELS) + r")"
    r"(?=$|[\s:：\-–—#(]|[^\w])\s*(?:\(\d+\))?\s*([:：]|[-–—](?=\s))?\s*",
    re.I,
)
_ITEM_SEP = re.compile(r"\s*(?:[,;|•·／/、，；]|\s#|^#|\s-\s)\s*")


# A tag line is at most this long, with at most this many items; an item is at most
# _TAG_MAX_WORDS words and _TAG_MAX_CHARS characters (without a colon after the label, at
# most _UNLABELLED_ITEM_MAX_WORDS words). Text after the label that ends a sentence and
# has _SENTENCE_MIN_WORDS words (an item: _SENTENCE_ITEM_MIN_WORDS) is prose.
_TAG_LINE_MAX_CHARS = 400
_TAG_LINE_MAX_ITEMS = 40
_TAG_MAX_WORDS = 8
_TAG_MAX_CHARS = 80
_UNLABELLED_ITEM_MAX_WORDS = 5
_SENTENCE_MIN_WORDS = 5
_SENTENCE_ITEM_MIN_WORDS = 4


def tag_line_label(text: str) -> str | None:
    """If ``text`` (a short block's text) is an on-page tag line, return its label.

    "Read more about: Tajikistan , Afghanistan" → "Read more about:"; "Tags" (a
    heading over a list of tag links) → "Tags"; "Read more", or a sentence that
    merely contains the word "tags", → None. The label must open the text, and what
    follows must read as a list of short items, not as prose; generic words such as
    "Topics" or "Thema" count only with a colon or standing alone.
    """
    text = _clean(text)
    if not text or len(text) > _TAG_LINE_MAX_CHARS:
        return None
    m = _LABEL_RE.match(text)
    if not m:
        return None
    label, colon = m.group(1), m.group(2)
    rest = text[m.end():].strip()
    found = text[m.start(1):m.end(2) if colon else m.end(1)].strip()
    if not rest:
        return found
    weak = label.casefold() in _WEAK_SET
    if weak and colon not in (":", "："):
        return None  # "Subject - the restoration of your account"
    if rest[-1] in ".!?。！？" and len(rest.split()) >= _SENTENCE_MIN_WORDS:
        return None  # a sentence, not a list
    items = [i.strip() for i in _ITEM_SEP.split(rest) if i.strip(" #")]
    if not items or len(items) > _TAG_LINE_MAX_ITEMS or not any(c.isalnum() for c in rest):
        return None
    if not colon and any(len(i.split()) > _UNLABELLED_ITEM_MAX_WORDS for i in items):
        return None
    for item in items:
        words = item.split()
        if len(words) > _TAG_MAX_WORDS or len(item) > _TAG_MAX_CHARS:
            return None
        if len(words) >= _SENTENCE_ITEM_MIN_WORDS and item[-1] in ".!?。！？":
            return None
    if len(items) == 1 and not colon:
        # "Tagged Politics" is a tag line; "Tags are useful" is prose.
        first = items[0]
        if len(first.split()) > 3 or (first[:1].islower() and not label.isupper()):
            return None
    if len(items) == 1 and colon and len(items[0].split()) >= _SENTENCE_MIN_WORDS and items[0][:1].islower():
        return None
    return found


_TAG_HREF = re.compile(
    rf"(?:^|[/?&#._=-])(?:{lexicon.alternation(lexicon.TAG_URL_WORDS)})(?=$|[/?&#=._-])",
    re.I,
)
# A cheap first filter on every href (substring tests are much faster than a regex
# alternation); _TAG_HREF then checks the path properly.
_TAG_HREF_HINTS = tuple(hint for hints in lexicon.TAG_URL_HINTS.values() for hint in hints)
_LABEL_TEXT_XPATH = etree.XPath("//body//text()[contains(., ':') or contains(., '：')]")
_NOT_LABEL_PARENTS = {"script", "style", "noscript", "title", "option", "textarea", "a"}
_TAG_TOKENS = {
    "tag", "tags", "tagged", "taglist", "tagbox", "tagcloud", "keywords", "keyword",
    "topics", "topic", "subjects", "labels", "filed", "tagsdv",
} | lexicon.words(lexicon.CLASS_TAG_WORDS)
_EXCLUDE_TOKENS = {
    "nav", "navbar", "navigation", "menu", "menus", "submenu", "megamenu", "sidebar", "widget",
    "breadcrumb", "breadcrumbs", "trending", "popular", "comment", "comments", "share",
    "social", "masthead", "mostread", "hot", "footer", "header", "recommended", "promo",
    "newsletter", "ticker",
}
_ARTICLE_TOKENS = {"article", "entry", "post", "story", "content", "single", "main", "body"}
_INLINE = {"span", "li", "strong", "b", "em", "i", "small", "font", "dd", "h3", "h4", "h5",
           "h6", "p", "label"}
_JUNK_TAGS = set(lexicon.words(lexicon.JUNK_TAGS))
_TAG_PREFIXES = {"tag", "tags", "topic", "topics", "keyword", "keywords", "subject"}
# Namespaced CMS markers: "Section:culture", "Type/Article", "category: Jupiter".
_TAG_META_KEYS = {"category", "section", "type", "channel", "source", "length", "articleid",
                  "target", "brand", "format", "template", "author", "page", "site", "id"}
_DOMAIN_IN = re.compile(r"[\w-]+\.(?:com|net|org|co|io|info|gov|edu)(?:\.[a-z]{2})?\b", re.I)
_CATEGORY_HREF = re.compile(rf"/(?:{lexicon.alternation(lexicon.CATEGORY_URL_WORDS)})/", re.I)


def _bad_context(el: HtmlElement, memo: dict | None = None) -> bool:
    """Is ``el`` inside navigation, a sidebar, a page header/footer or comments?

    ``memo`` caches the verdict for ancestors shared by many tag-link groups.
    """
    if memo is not None and el in memo:
        return memo[el]
    verdict = _bad_context_walk(el, memo)
    if memo is not None:
        memo[el] = verdict
    return verdict


def _bad_context_walk(el: HtmlElement, memo: dict | None) -> bool:
    chain = [el, *el.iterancestors()]
    toks_of = [_tokens(x) for x in chain[:3]]
    # A list styled "nav" inside a "post-tags" block is the tag list, not navigation:
    # the block and what lies inside it are shielded from the exclusion words.
    shielded = max((i for i, t in enumerate(toks_of) if t & _TAG_TOKENS), default=-1)
    in_article = False
    pending_edge = False
    for i, anc in enumerate(chain):
        if i > shielded and i and memo is not None and anc in memo and not pending_edge:
            return memo[anc]
        tag = anc.tag
        toks = toks_of[i] if i < 3 else _tokens(anc)
        if tag in ("article", "main") or "articlebody" in toks:
            in_article = True
            break
        if i <= shielded:
            continue
        if tag in ("nav", "aside", "form", "select"):
            return True
        if tag in ("header", "footer") and i:
            pending_edge = True
        bad = toks & _EXCLUDE_TOKENS
        if bad:
            if bad <= {"footer", "header"} and toks & _ARTICLE_TOKENS:
                continue
            if bad <= {"footer", "header"}:
                pending_edge = True
                continue
            return True
    return pending_edge and not in_article


# A tag value has at most _TAG_MAX_CHARS characters and this many words.
_CLEAN_TAG_MAX_WORDS = 10


def _clean_tag(value: str) -> str | None:
    """One tag value, cleaned; None for machine markers and junk."""
    tag = _clean(value).strip(" ,;:|#·•\"'“”")
    if not tag:
        return None
    m = _LABEL_RE.match(tag)
    if m and m.group(2) and m.end() < len(tag):
        tag = tag[m.end():].strip()  # "Filed to:innovation" (label inside the link)
    m = re.match(r"^([@\w-]+)\s*[:/]\s*(.+)$", tag)
    if m:
        prefix = m.group(1).lower()
        if prefix in _TAG_PREFIXES:
            tag = m.group(2).strip()
        elif prefix in _TAG_META_KEYS or prefix.startswith("@") or (
                ":" in tag and (not tag[m.end(1):].lstrip(" :").startswith(" ")
                                and prefix.islower())):
            return None
    if tag.count("/") >= 2 and " / " not in tag:
        return None
    if re.match(r"^(?:category|brand|section|channel|type|source|format|template)-", tag, re.I):
        return None  # "category-pmnhealth": a CMS slug
    if " " not in tag and tag.count("-") >= 4:
        return None  # a URL slug, not a tag
    if tag.isdigit() and len(tag) < 4:
        return None
    if tag.startswith(("_", "/")) or "@" in tag or "_" in tag:
        return None
    if any(c in tag for c in "<>={}[]") or "://" in tag or _DOMAIN_IN.search(tag):
        return None
    if len(tag) > _TAG_MAX_CHARS or len(tag.split()) > _CLEAN_TAG_MAX_WORDS:
        return None
    if not any(c.isalnum() for c in tag) or (len(tag) <= 2 and tag.islower()):
        return None
    if tag.casefold() in _JUNK_TAGS:
        return None
    return tag


def _split_keywords(value: str) -> list[str]:
    value = _clean(value)
    if not value:
        return []
    if value.startswith('"') and '","' in value:
        return [v.strip('" ') for v in value.split('","')]
    sep = ";" if value.count(";") > value.count(",") else ","
    if sep == "," and "," not in value and "、" in value:
        sep = "、"
    if sep == "," and "," not in value and "，" in value:
        sep = "，"
    return [v.strip() for v in value.split(sep)]


class _TagBlock:
    __slots__ = ("element", "items", "signal", "strong", "order")

    def __init__(self, element: HtmlElement, items: list[str], signal: str, strong: bool,
                 order: int) -> None:
        self.element, self.items, self.signal, self.strong, self.order = (
            element, items, signal, strong, order)


def _leading_text(container: HtmlElement, first: HtmlElement) -> str:
    """Text inside ``container`` that comes before the element ``first``."""
    parts = [container.text or ""]
    path = set(first.iterancestors())

    def walk(el: HtmlElement) -> bool:
        for child in el:
            if child is first:
                return True
            if child in path:
                parts.append(child.text or "")
                if walk(child):
                    return True
            elif isinstance(child.tag, str):
                parts.append(child.text_content())
            if child.tail:
                parts.append(child.tail)
        return False

    walk(container)
    return _clean(" ".join(parts))


# A label before a tag list ("Tags", "Related topics") is at most this long.
_TAG_LABEL_MAX_CHARS = 60


def _label_before(container: HtmlElement) -> str | None:
    """A short heading just before the container ("Tags", "Related topics")."""
    el = container
    for _ in range(2):
        prev = el.getprevious()
        while prev is not None and not isinstance(prev.tag, str):
            prev = prev.getprevious()
        if prev is not None:
            if prev.tag in ("script", "style"):
                return None
            text = _text(prev)
            if text and len(text) <= _TAG_LABEL_MAX_CHARS:
                return tag_line_label(text) if _LABEL_RE.match(text) else None
            return None
        parent = el.getparent()
        if parent is None or (parent.text and parent.text.strip()):
            label = tag_line_label(parent.text) if parent is not None and parent.text else None
            return label
        el = parent
    return None


_HIDDEN_TOKENS = {"icon", "sr", "only", "screen", "visually", "hidden", "count", "badge"}


def _link_text(a: HtmlElement) -> str:
    """A link's visible words: without icon captions (``<svg><title>``) and screen-reader
    text, which ``text_content()`` would glue onto the tag ("Formule 1 Pijltje rechts")."""
    if len(a) == 0:
        return _clean(a.text or "")
    parts = [a.text or ""]

    def walk(el: HtmlElement) -> None:
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and not (tag in ("svg", "title", "img", "script", "style")
                                             or (_tokens(child) & _HIDDEN_TOKENS)):
                parts.append(child.text or "")
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(a)
    return _clean(" ".join(parts))


def _anchor_items(anchors: Iterable[HtmlElement]) -> list[str]:
    items = []
    for a in anchors:
        text = _link_text(a)
        if text:
            items.append(text)
    return items


# A block of tag links holds at most this many tags and this much text, at most
# max(_TAG_BLOCK_EXTRA_LINKS, half the tags) other links, and outside its links at most
# its label, _TAG_BLOCK_SEPARATOR_CHARS per tag and _TAG_BLOCK_SLACK_CHARS more.
_TAG_BLOCK_MAX_ITEMS = 25
_TAG_BLOCK_MAX_CHARS = 1500
_TAG_BLOCK_EXTRA_LINKS = 2
_TAG_BLOCK_SEPARATOR_CHARS = 3
_TAG_BLOCK_SLACK_CHARS = 15


def _block_ok(container: HtmlElement, items: list[str], label: str | None) -> bool:
    """Is ``container`` a list of tag links, not prose that links to tag pages, nor a
    run of story links with a tag each?

    Text outside links may only be a label and separators, and the block may hold
    only a few links that are not tags (a category, "more").
    """
    if not items or len(items) > _TAG_BLOCK_MAX_ITEMS:
        return False
    if any(len(i) > _TAG_MAX_CHARS or len(i.split()) > _TAG_MAX_WORDS for i in items):
        return False
    total = len(_text(container))
    if total > _TAG_BLOCK_MAX_CHARS:
        return False
    links = [len(_text(a)) for a in container.iter("a")]
    if len(links) - len(items) > max(_TAG_BLOCK_EXTRA_LINKS, len(items) // 2):
        return False
    other = total - sum(links) - len(label or "")
    return other <= _TAG_BLOCK_SEPARATOR_CHARS * len(items) + _TAG_BLOCK_SLACK_CHARS


def _hinted_anchors(anchors: list[HtmlElement]) -> list[int]:
    """Indexes of anchors whose href or rel hints at a tag link.

    One ``str.find`` scan per hint over all hrefs joined is several times faster than
    testing each href, and this runs on every page.
    """
    hrefs = []
    hits: set[int] = set()
    for i, a in enumerate(anchors):
        hrefs.append(a.get("href") or "")
        rel = a.get("rel")
        if rel and "tag" in rel.lower():
            hits.add(i)
    joined = "\n".join(hrefs).lower()
    starts = []
    pos = 0
    for h in hrefs:
        starts.append(pos)
        pos += len(h) + 1
    for hint in _TAG_HREF_HINTS:
        i = joined.find(hint)
        while i != -1:
            idx = bisect_right(starts, i) - 1
            hits.add(idx)
            nxt = idx + 1
            if nxt >= len(starts):
                break
            i = joined.find(hint, starts[nxt])
    return sorted(hits)


# Tag links are grouped under their nearest ancestor (at most this many levels up) that
# holds two of them or more.
_TAG_GROUP_STEPS = 4
_TAG_GROUP_MIN_LINKS = 2
# A text node that may hold a tag line's label is at most this long.
_LABEL_NODE_MAX_CHARS = 200
# More different unlabelled tag blocks than this are the tags of a listing's stories.
_MAX_UNLABELLED_TAG_BLOCKS = 3


def _find_tag_blocks(doc: HtmlElement, labels: bool = True) -> list[_TagBlock]:
    """Blocks of on-page tags: groups of tag links, and tag lines found by their label.

    ``labels=False`` skips the label search (a scan of the page's text), which is
    only needed when the tags are neither tag-looking links nor in structured data.
    """
    blocks: dict[HtmlElement, _TagBlock] = {}
    order: dict[HtmlElement, int] = {}
    anchors = []
    for i in _hinted_anchors(all_anchors := list(doc.iter("a"))):
        a = all_anchors[i]
        href = a.get("href")
        if not href:
            continue
        order[a] = i
        rel = (a.get("rel") or "").lower().split()
        if "category" in rel:
            continue
        href = unquote(href)
        path = href.split("://", 1)[-1]
        path = path[path.find("/"):] if "/" in path else ""
        if _CATEGORY_HREF.search(path):
            continue  # a section or category, which is not a tag
        if "tag" in rel or _TAG_HREF.search(path):
            anchors.append(a)
    counts: Counter = Counter()
    for a in anchors:
        for anc in islice(a.iterancestors(), _TAG_GROUP_STEPS):
            counts[anc] += 1
    groups: dict[HtmlElement, list[HtmlElement]] = {}
    for a in anchors:
        container = next((anc for anc in islice(a.iterancestors(), _TAG_GROUP_STEPS)
                          if counts[anc] >= _TAG_GROUP_MIN_LINKS), None)
        if container is None:
            parent = a.getparent()
            container = parent
            if parent is not None and parent.tag in _INLINE and parent.getparent() is not None:
                container = parent.getparent() if len(parent) == 1 else parent
        if container is not None:
            groups.setdefault(container, []).append(a)
    memo: dict = {}
    for container, members in groups.items():
        if len(members) > _TAG_BLOCK_MAX_ITEMS or _bad_context(container, memo):
            continue
        # Cheap test first: a tag block holds few links that are not tags.
        limit = len(members) + max(_TAG_BLOCK_EXTRA_LINKS, len(members) // 2)
        if sum(1 for _ in islice(container.iter("a"), limit + 1)) > limit:
            continue
        items = _anchor_items(members)
        leading = _leading_text(container, members[0])
        label = tag_line_label(leading) if leading and len(leading) <= _TAG_LABEL_MAX_CHARS else None
        if label is None and not leading:
            label = _label_before(container)
        if not _block_ok(container, items, label):
            continue
        toks = _tokens(container)
        parent = container.getparent()
        if parent is not None:
            toks |= _tokens(parent)
            if parent.getparent() is not None:
                toks |= _tokens(parent.getparent())
        for a in members[:3]:
            toks |= _tokens(a)
        rel_tag = any("tag" in (a.get("rel") or "").lower().split() for a in members)
        if label:
            signal, strong = f"tag line '{label}'", True
        elif toks & _TAG_TOKENS:
            name = sorted(toks & _TAG_TOKENS)[0]
            signal, strong = f"tag links (class '{name}')", True
        elif rel_tag:
            signal, strong = "rel=tag links", True
        else:
            signal, strong = "tag-URL links", False
        blocks[container] = _TagBlock(container, items, signal, strong, order[members[0]])
    # Tag lines found by their label ("Tags: a, b", "Read more about: A , B"), needed
    # when the links do not look like tag links. Skipped when tag links were found.
    search = labels and not any(b.strong for b in blocks.values())
    labelled = _LABEL_TEXT_XPATH(doc) if search else []
    for i, node in enumerate(labelled):
        if len(node) > _LABEL_NODE_MAX_CHARS:
            continue
        parent = node.getparent()
        if parent is None or parent.tag in _NOT_LABEL_PARENTS and not node.is_tail:
            continue
        block = parent.getparent() if node.is_tail else parent
        if block is None or block.tag in ("html", "body", "head"):
            continue
        text = _text(block)
        if len(text) > _TAG_LINE_MAX_CHARS or not _LABEL_RE.match(text):
            continue
        label = tag_line_label(text)
        if label is None:
            continue
        target = block
        if _key(text) == _key(label):
            up = block.getparent()
            if up is not None and len(_text(up)) <= _TAG_LINE_MAX_CHARS and _key(_text(up)) != _key(label):
                target = up
                text = _text(up)
                if not _LABEL_RE.match(text) or tag_line_label(text) is None:
                    nxt = block.getnext()
                    target = nxt if nxt is not None else up
            else:
                nxt = block.getnext()
                if nxt is None:
                    continue
                target = nxt
        if target in blocks:
            if not blocks[target].strong:
                blocks[target].strong = True
                blocks[target].signal = f"tag line '{label}'"
            continue
        if _bad_context(target, memo):
            continue
        links = [a for a in target.iter("a") if _text(a) and _key(_text(a)) != _key(label)]
        if links:
            links = [a for a in links if not _is_category_link(a)]
            if not links:
                continue
            items = _anchor_items(links)
        else:
            body = _text(target)
            m = _LABEL_RE.match(body)
            rest = body[m.end():] if m else body
            items = [s for s in _ITEM_SEP.split(rest) if s.strip(" #")]
        if not items or len(items) > _TAG_BLOCK_MAX_ITEMS or any(len(s.split()) > _TAG_MAX_WORDS for s in items):
            continue
        blocks[target] = _TagBlock(target, items, f"tag line '{label}'", True, 100000 + i)
    found = sorted(blocks.values(), key=lambda b: b.order)
    # A page has one tag list, sometimes repeated. Many different unlabelled blocks
    # are the per-story tags of a listing or feed, not this page's tags.
    unlabelled = {frozenset(map(_key, b.items)) for b in found
                  if b.strong and not b.signal.startswith("tag line")}
    if len(unlabelled) > _MAX_UNLABELLED_TAG_BLOCKS:
        for b in found:
            if not b.signal.startswith("tag line"):
                b.strong = False
    return found


def _is_category_link(a: HtmlElement) -> bool:
    rel = (a.get("rel") or "").lower().split()
    return "category" in rel or bool(_CATEGORY_HREF.search(unquote(a.get("href") or "")))


def _finish_tags(values: Iterable[str], site: _Site, title: str | None = None) -> list[str]:
    """Clean, drop the site's own name and the headline itself, dedupe keeping order."""
    title_key = _key(title) if title else ""
    out = []
    for v in values:
        tag = _clean_tag(v)
        if tag and not site.matches(tag) and _key(tag) != title_key:
            out.append(tag)
    return _dedupe(out)


_GENERIC_WORDS = set(lexicon.words(lexicon.GENERIC_TOPIC_WORDS))


# A tag word this long or longer found in the title/description/URL ties a tag to the page.
_TOPIC_WORD_MIN_CHARS = 4
# Keywords meta: more values than this is SEO stuffing; with at least _KEYWORDS_BAG_MIN
# values, mostly (this share) single words, mostly lower case or mostly (that share)
# words of the headline, it is a bag of words, not tags.
_KEYWORDS_MAX = 20
_KEYWORDS_BAG_MIN = 5
_KEYWORDS_SINGLE_SHARE = 0.8
_KEYWORDS_LOWER_SHARE = 0.8
_KEYWORDS_TITLE_SHARE = 0.6


def _relevant(tags: list[str], topic: str) -> bool:
    """Does at least one tag occur in the title/description/URL (keywords-meta gate)?"""
    topic_key = topic.casefold()
    topic_words = set(tokens_of(topic_key)) - _GENERIC_WORDS
    for tag in tags:
        low = tag.casefold()
        if low in topic_key and set(tokens_of(low)) - _GENERIC_WORDS:
            return True
        words = [w for w in tokens_of(low) if len(w) >= _TOPIC_WORD_MIN_CHARS]
        if words and any(w in topic_words for w in words):
            return True
    return False


def _read_tags(doc: HtmlElement, meta: Mapping[str, list[str]], arts: list[dict], site: _Site,
               topic: str, title: str | None) -> tuple[list[str], str]:
    structured: list[tuple[list[str], str]] = []
    article_tag = [v for v in meta.get("article:tag", ()) if _clean(v)]
    if len(article_tag) == 1:
        article_tag = _split_keywords(article_tag[0])
    if article_tag:
        structured.append((_finish_tags(article_tag, site, title), "article:tag"))
    for obj in arts:
        kw = obj.get("keywords")
        values: list[str] = []
        for item in _as_list(kw):
            if isinstance(item, str):
                values.extend(_split_keywords(item) if not isinstance(kw, list) else [item])
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                values.append(item["name"])
        if values:
            structured.append((_finish_tags(values, site, title), "JSON-LD keywords"))
            break
    structured = [(tags, src) for tags, src in structured if tags]

    blocks = _find_tag_blocks(doc, labels=not structured)
    strong = [b for b in blocks if b.strong]
    if strong:
        page = _finish_tags((i for b in strong for i in b.items), site, title)
        if page:
            signal = strong[0].signal
            page_keys = {_key(t) for t in page}
            # The page may show only the first tags ("Filed to: X") of a longer list.
            for tags, src in structured:
                keys = {_key(t) for t in tags}
                if len(keys) > len(page_keys) and page_keys <= keys:
                    return tags, f"{src} (confirmed by {signal})"
            return page, signal
    if structured:
        return structured[0][0], structured[0][1]
    for key in ("news_keywords", "parsely-tags", "keywords", "sailthru.tags"):
        raw = meta.get(key)
        if not raw:
            continue
        values = [v for r in raw[:1] for v in _split_keywords(r)]
        if len(values) > _KEYWORDS_MAX:
            continue  # SEO stuffing, not tags
        singles = [v.strip() for v in values if v.strip() and " " not in v.strip()]
        if len(values) >= _KEYWORDS_BAG_MIN and len(singles) >= _KEYWORDS_SINGLE_SHARE * len(values):
            lower = sum(1 for v in singles if v.islower())
            title_words = {w.casefold() for w in (title or "").split()}
            from_title = sum(1 for v in singles if v.casefold() in title_words)
            if lower >= _KEYWORDS_LOWER_SHARE * len(values) or from_title >= _KEYWORDS_TITLE_SHARE * len(values):
                continue  # a bag of frequent words, or the headline cut into words
        tags = _finish_tags(values, site, title)
        if tags and _relevant(tags, topic):
            return tags, f"{key} meta"
    return [], ""


# ---------------------------------------------------------------------------
# Language

# The text sample for language detection: paragraphs of at least this many characters,
# from at most this many paragraphs, up to the limit and this much more; a sample shorter
# than _SAMPLE_MIN_CHARS gets the title and description too.
_SAMPLE_MIN_PARAGRAPH_CHARS = 30
_SAMPLE_MAX_PARAGRAPHS = 60
_SAMPLE_SLACK_CHARS = 500
_SAMPLE_MIN_CHARS = 200


def _sample_text(doc: HtmlElement, limit: int = 1500) -> str:
    body = doc.find("body")
    if body is None:
        return ""
    parts: list[str] = []
    size = 0
    for p in islice(body.iter("p"), _SAMPLE_MAX_PARAGRAPHS):
        text = p.text_content()
        if len(text) < _SAMPLE_MIN_PARAGRAPH_CHARS:
            continue
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return " ".join(parts)[:limit + _SAMPLE_SLACK_CHARS]


def _read_language(doc: HtmlElement, meta: Mapping[str, list[str]], arts: list[dict],
                   headers: Mapping[str, str] | None, fallback_text: str) -> tuple[str | None, str]:
    declared: list[tuple[str, str]] = []

    def add(value: Any, source: str) -> None:
        tag = normalize_language(value) if isinstance(value, str) else None
        if tag:
            declared.append((tag, source))

    add(doc.get("lang") or doc.get("xml:lang")
        or doc.get("{http://www.w3.org/XML/1998/namespace}lang"), "html lang")
    for obj in arts[:2]:
        lang = obj.get("inLanguage")
        if isinstance(lang, dict):
            lang = lang.get("name") or lang.get("alternateName")
        add(lang, "JSON-LD inLanguage")
    for value in meta.get("content-language", ())[:1]:
        add(value, "content-language meta")
    if headers:
        for name, value in headers.items():
            if name.lower() == "content-language":
                add(value, "Content-Language header")
    for key in ("og:locale", "dc.language", "language"):
        for value in meta.get(key, ())[:1]:
            add(value, key)

    sample = body_text = _sample_text(doc)
    if len(sample) < _SAMPLE_MIN_CHARS:
        sample = f"{sample} {fallback_text}"
    det = detect_language(sample)
    if not declared:
        if det.language:
            return det.language, "text detection"
        return None, ""
    top, source = declared[0]
    if (det.language and det.confident and top.split("-")[0] != det.language
            and _contradicts(top, det, body_text, fallback_text)):
        match = next(((t, s) for t, s in declared if t.split("-")[0] == det.language), None)
        if match:
            return match[0], f"{match[1]} (text agrees; {source} says {top!r})"
        return det.language, f"text detection ({source} says {top!r})"
    return top, source


# Overruling a declared language needs this much text (a text in another script: less,
# when the headline is in that script too); the article body is sampled up to
# _LANGUAGE_SAMPLE_CHARS. In the same script, the declared language's common words must
# score under this share of the detected one's.
_LANGUAGE_MIN_TEXT = 400
_LANGUAGE_MIN_TEXT_OTHER_SCRIPT = 150
_LANGUAGE_SAMPLE_CHARS = 3000
_OWN_WORDS_MIN_SHARE = 0.35


def confirm_language(language: str | None, source: str, body: str, headline: str) -> tuple[str | None, str]:
    """Check the language read from the page against the extracted article body.

    The first check (in :func:`read_metadata`) samples the page's paragraphs, which on
    some templates are the English menu and footer of a Thai or Romanian story; the
    article body is the better sample. Returns the (language, source) to keep.
    """
    if not language or source.startswith("text detection") or len(body) < _LANGUAGE_MIN_TEXT:
        return language, source
    sample = body[:_LANGUAGE_SAMPLE_CHARS]
    det = detect_language(sample)
    if det.language and det.confident and language.split("-")[0] != det.language \
            and _contradicts(language, det, sample, headline):
        return det.language, f"article text ({source} says {language!r})"
    return language, source


def _contradicts(declared: str, det: Any, body_text: str, headline: str) -> bool:
    """Is the declared language plainly not the language of the text?

    Overruling the page needs a real sample of its paragraphs, not a few lines of
    boilerplate (an English app-download blurb on a Hindi page). A different script
    is plain with less text, provided the headline is in that script too.
    """
    scripts = language_script(declared)
    if scripts is None:
        return False
    if det.script not in scripts:
        if det.script == "latin":
            return len(body_text) >= _LANGUAGE_MIN_TEXT
        return len(body_text) >= _LANGUAGE_MIN_TEXT_OTHER_SCRIPT and dominant_script(headline)[0] == det.script
    if len(body_text) < _LANGUAGE_MIN_TEXT:
        return False
    if det.script in ("latin", "cyrillic", "arabic", "devanagari") and det.scores:
        best = max(det.scores.values())
        own = _word_score(tokens_of(body_text), declared)
        if own is None:
            return False
        return own < _OWN_WORDS_MIN_SHARE * best
    return False


# ---------------------------------------------------------------------------
# URLs

def _absolute(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = _clean(value)
    if not value or value.lower().startswith(("data:", "javascript:", "about:", "mailto:", "#")):
        return None
    if "{{" in value or "${" in value or value.lower() in ("null", "undefined", "none"):
        return None
    if value.startswith("//"):
        scheme = base.split(":", 1)[0].lower() if base and ":" in base else ""
        value = f"{scheme if scheme in ('http', 'https') else 'https'}:{value}"
    if base and not re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
        try:
            value = urljoin(base, value)
        except ValueError:
            return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme in ("http", "https"):
        if not parts.hostname or "." not in parts.hostname or " " in value.strip():
            return None
        return value
    return None  # relative with nothing to resolve it against, or not a web URL


def _read_canonical(doc: HtmlElement, meta: Mapping[str, list[str]], url: str | None
                    ) -> tuple[str | None, str]:
    head = doc.find("head")
    scope = head if head is not None else doc
    candidates: list[tuple[str, str]] = []
    for link in scope.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            candidates.append((link.get("href", ""), "link rel=canonical"))
    for value in meta.get("og:url", ())[:1]:
        candidates.append((value, "og:url"))
    page_path = urlsplit(url).path if url else ""
    for value, source in candidates:
        absolute = _absolute(value, url)
        if not absolute:
            continue
        try:
            path = urlsplit(absolute).path
        except ValueError:
            continue
        # A canonical pointing at the home page of an article is a template bug.
        if path in ("", "/") and page_path not in ("", "/"):
            continue
        return absolute, source
    return None, ""


def _ld_image(value: Any, index: Mapping[str, dict]) -> str | None:
    for item in _as_list(value):
        item = _resolve(item, index)
        if isinstance(item, str) and item.strip():
            return item
        if isinstance(item, dict):
            for k in ("url", "contentUrl", "@id"):
                v = item.get(k)
                if isinstance(v, str) and v.strip() and (k != "@id" or "://" in v):
                    return v
    return None


def _read_image(doc: HtmlElement, meta: Mapping[str, list[str]], arts: list[dict],
                index: Mapping[str, dict], base: str | None) -> tuple[str | None, str]:
    candidates: list[tuple[str | None, str]] = []
    for key in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                "twitter:image:src"):
        for image in meta.get(key, ())[:1]:
            candidates.append((image, key))
    for obj in arts[:2]:
        candidates.append((_ld_image(obj.get("image") or obj.get("thumbnailUrl"), index),
                           "JSON-LD image"))
    head = doc.find("head")
    if head is not None:
        for link in head.iter("link"):
            if (link.get("rel") or "").lower() == "image_src":
                candidates.append((link.get("href"), "link rel=image_src"))
    for value, source in candidates:
        absolute = _absolute(value, base)
        if absolute:
            return absolute, source
    return None, ""


# ---------------------------------------------------------------------------
# Site name

def _read_site_name(meta: Mapping[str, list[str]], arts: list[dict], objects: list[dict],
                    index: Mapping[str, dict], host: str, raw_title: str,
                    headline: str | None) -> tuple[str | None, str]:
    cands: list[tuple[str, str]] = []
    for value in meta.get("og:site_name", ())[:1]:
        value = _clean(value)
        if value and not re.match(r"^(?:https?:|www\.|/|@)", value, re.I):
            cands.append((value, "og:site_name"))
    for obj in arts:
        for pub in _as_list(obj.get("publisher")):
            name = _ld_name(pub, index)
            if name:
                cands.append((name, "JSON-LD publisher"))
                break
    for obj in objects:
        if "website" in types_of(obj):
            name = _ld_name(obj, index)
            if name:
                cands.append((name, "JSON-LD WebSite"))
                break
    for value in meta.get("application-name", ())[:1]:
        value = _clean(value)
        if value and value.lower() not in ("wordpress", "drupal", "joomla"):
            cands.append((value, "application-name"))
    affix = _title_affix(raw_title, headline, host) if raw_title else None
    if affix:
        cands.append((affix, "<title> affix"))
    cands = [(re.split(r"\s+[|\-–—]\s+|\s*\|\s*", v)[0].strip() or v, s) for v, s in cands]
    cands = [(v, s) for v, s in cands if v and len(v) <= 80]
    label = _host_label(host)
    bare = host[4:] if host.startswith("www.") else host

    def confirmed(i: int) -> bool:
        # Agreement with the host, or with another source, confirms a name.
        k = _site_key(cands[i][0])
        if label and (k == _key(label) or k == _key(bare)):
            return True
        return any(j != i and cands[j][1] != cands[i][1] and _site_key(cands[j][0]) == k
                   for j in range(len(cands)))

    chosen = next((cands[i] for i in range(len(cands)) if confirmed(i)), None)
    if chosen is None and cands:
        chosen = next(((v, s) for v, s in cands if s != "<title> affix"), cands[0])
    if chosen is None:
        if bare:
            return bare, "host"
        return None, ""
    value, source = chosen
    if _DOMAINISH.match(value) and value.lower().startswith("www."):
        value = value[4:]
    # Prefer the display form ("USA TODAY") over a slug ("usatoday") or domain.
    if (value.islower() and " " not in value) or _DOMAINISH.match(value):
        key = _site_key(value)
        nicer = next((v for v, s in cands if _site_key(v) == key and v != value
                      and not (v.islower() and " " not in v) and not _DOMAINISH.match(v)), None)
        if nicer:
            value = nicer
    return value, source


# ---------------------------------------------------------------------------
# The reader

# Headlines read from <h1>: the first few of this length; a JSON-LD headline this long or
# longer may be cut short.
_HEADLINE_MIN_CHARS = 3
_HEADLINE_MAX_CHARS = 300
_LD_HEADLINE_MAX_CHARS = 100


def _headings(doc: HtmlElement) -> list[str]:
    out: list[str] = []
    body = doc.find("body")
    if body is None:
        return out
    for h1 in islice(body.iter("h1"), 5):
        text = _text(h1)
        if _HEADLINE_MIN_CHARS <= len(text) <= _HEADLINE_MAX_CHARS:
            out.append(text)
    return out


def read_metadata(doc: HtmlElement, url: str | None = None, *,
                  headers: Mapping[str, str] | None = None,
                  objects: list[dict] | None = None,
                  meta: dict[str, list[str]] | None = None) -> Metadata:
    """Read the page's metadata from its tree without changing it.

    ``objects`` (all JSON-LD objects) and ``meta`` (:func:`scraper.structured.meta_tags`)
    are computed when not given; callers that already have them pass them in.
    ``headers`` are the HTTP response headers (only Content-Language is used).
    """
    try:
        if url is not None:
            urlsplit(url)  # a URL that cannot be parsed cannot serve as a base either
    except ValueError:
        url = None
    if objects is None:
        objects = json_ld(doc)
    if meta is None:
        meta = meta_tags(doc)
    result = Metadata()
    explain = result.explain
    arts = article_objects(objects)
    index = _index(objects)
    host = _host(url)

    # Canonical first: it is the best base for relative URLs when ``url`` is missing.
    result.canonical_url, src = _read_canonical(doc, meta, url)
    if src:
        explain["canonical_url"] = src
    base = url or result.canonical_url

    raw_title = ""
    title_el = doc.find(".//title")
    if title_el is not None:
        raw_title = _clean(title_el.text_content())
    og_title = _first(meta, "og:title")
    ld_headline = next((_clean(o.get("headline")) for o in arts
                        if isinstance(o.get("headline"), str) and _clean(o.get("headline"))), None)
    tw_title = _first(meta, "twitter:title")
    headings = _headings(doc)
    headline_hint = (og_title[0] if og_title else None) or ld_headline or (
        headings[0] if headings else None)

    result.site_name, src = _read_site_name(meta, arts, objects, index, host, raw_title,
                                            headline_hint)
    if src:
        explain["site_name"] = src
    site_names = [result.site_name or ""]
    site_names += [_clean(v) for v in meta.get("og:site_name", ())[:1]]
    site_names += [_ld_name(p, index) for o in arts[:1] for p in _as_list(o.get("publisher"))]
    site_names += [_clean(v) for v in meta.get("application-name", ())[:1]]
    # Some pages put the headline in application-name or og:site_name: a name that
    # is the headline is not the site's.
    headline_keys = {_key(t) for t in (og_title[0] if og_title else "", ld_headline or "") if t}
    site = _Site([n for n in site_names if n and not _looks_like_url(n)
                  and _key(n) not in headline_keys], host, urlsplit(url).path if url else "")

    # Title
    sources: list[tuple[str, str]] = []
    if og_title:
        sources.append((_strip_site_affixes(og_title[0], site), "og:title"))
    if ld_headline:
        sources.append((_strip_site_affixes(ld_headline, site), "JSON-LD headline"))
    if tw_title:
        sources.append((_strip_site_affixes(tw_title[0], site), "twitter:title"))
    if raw_title:
        sources.append((_strip_site_affixes(raw_title, site), "<title>"))
    # A "headline" that is only the site's name is its logo.
    sources = [(t, s) for t, s in sources if t and not site.matches(t)]
    headings = [h for h in headings if not site.matches(h)]
    title = None
    for h in headings:
        match = next(((t, s) for t, s in sources if _same_title(h, t)), None)
        if match:
            # Agreeing texts differ only by clutter ("Opinion | ", a button caption in
            # the h1): the shorter one is the headline.
            truncated = match[1] == "JSON-LD headline" and len(match[0]) >= _LD_HEADLINE_MAX_CHARS
            if len(match[0]) < len(h) and not truncated:
                title, explain["title"] = match[0], f"{match[1]} (agrees with h1)"
            else:
                title, explain["title"] = h, f"h1 (agrees with {match[1]})"
            break
    if title is None and sources:
        title, explain["title"] = sources[0]
    elif title is None and headings:
        title, explain["title"] = headings[0], "h1"
    result.title = title

    # Description
    desc = _first(meta, "og:description", "description", "twitter:description",
                  "dc.description")
    if desc:
        result.description, explain["description"] = desc
    else:
        ld_desc = next((_clean(o.get("description")) for o in arts
                        if isinstance(o.get("description"), str) and _clean(o.get("description"))),
                       None)
        if ld_desc:
            result.description, explain["description"] = ld_desc, "JSON-LD description"

    # Image
    result.image, src = _read_image(doc, meta, arts, index, base)
    if src:
        explain["image"] = src

    # Authors: structured data first, then meta tags, then the visible byline.
    authors = _ld_authors(arts, index, site)
    if authors:
        explain["authors"] = "JSON-LD author"
    else:
        authors, src = _meta_authors(meta, site)
        if authors:
            explain["authors"] = f"{src} meta"
        else:
            authors, src = _page_authors(doc, site)
            if not authors:
                authors, src = _text_byline(doc, site)
            if authors:
                explain["authors"] = src
    result.authors = authors

    # Tags
    path_words = ""
    if url:
        path_words = re.sub(r"[-_/.]+", " ", unquote(urlsplit(url).path))
    topic = " ".join(filter(None, [title, result.description, raw_title, path_words,
                                   *headings[:1]]))
    result.tags, src = _read_tags(doc, meta, arts, site, topic, title)
    if src:
        explain["tags"] = src

    # Language
    fallback = " ".join(filter(None, [title, result.description]))
    result.language, src = _read_language(doc, meta, arts, headers, fallback)
    if src:
        explain["language"] = src
    return result
