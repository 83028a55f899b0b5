"""Feeds, sitemaps and feed discovery: untrusted XML in, article URLs (with dates) out.

Everything here is pure (bytes in, values out) so it runs the same in a crawl thread,
a worker process or a cluster worker. Feeds and sitemaps come from servers we do not
control, so XML is parsed without entity expansion, DTD loading or network access
(billion-laughs and XXE documents are refused), and every input is size-capped,
including what a gzip file inflates to.

Real feeds are often not well-formed: a legacy encoding, raw HTML in a description, a
bare ``&`` in a URL, a PHP warning before ``<?xml``, a cut-off end. A well-formed UTF-8
feed takes the fast path (one strict parse); anything else is decoded, mended and parsed
again, and as a last resort read by lxml's recovering parser, with items collected
wherever they ended up. One bad item is skipped with a note, never the whole feed.
"""

from __future__ import annotations

import codecs
import html.entities
import json
import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

import defusedxml.ElementTree as SafeET
import lxml.etree
import lxml.html
from defusedxml import DefusedXmlException

from .errors import PageError
from .parsing import decode_text

__all__ = [
    "MAX_XML_BYTES",
    "Entry",
    "Feed",
    "FeedError",
    "Sitemap",
    "discover_feeds",
    "gunzip_capped",
    "looks_like_html",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
    "parse_xml",
    "read_feed",
]

# The sitemap protocol's own limit for one file, uncompressed; feeds are far smaller.
MAX_XML_BYTES = 50 * 1024 * 1024
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "text/xml", "application/xml")
# Lines of problems kept per feed or sitemap (the rest are counted): one broken generator
# must not flood the crawl log.
MAX_PROBLEMS = 10


class FeedError(PageError, ValueError):
    """A feed or sitemap that cannot (or must not) be read; ``kind`` is a short code for logs."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Entry:
    """One URL found in a feed or sitemap, with the date that came with it (if any).

    ``url`` is empty for a feed item that names no address (:attr:`Feed.items` keeps
    those; :attr:`Feed.entries` does not)."""

    url: str
    date: datetime | None = None


@dataclass
class Feed:
    """A parsed feed: every item in document order, and what had to be mended or skipped."""

    items: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each, for the crawl log

    @property
    def entries(self) -> list[Entry]:
        """The items that carry a URL: what a crawl can fetch."""
        return [item for item in self.items if item.url]


@dataclass
class Sitemap:
    """A parsed sitemap: page ``urls`` (a urlset) and/or child ``sitemaps`` (an index)."""

    urls: list[Entry] = field(default_factory=list)
    sitemaps: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


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


# -- encodings --------------------------------------------------------------------------

# The encoding declaration, also when something (a PHP warning) comes before it.
_DECLARED_ENCODING = re.compile(rb"""<\?xml\s[^>]{0,512}?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:\-]{1,64})""")
_XML_DECL_AT_START = re.compile(r"\A\s*<\?xml\s[^>]{0,512}?\?>")
_UTF8_LABELS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # UTF-8, then UTF-16/32 little and big endian


def _declared_encoding(data: bytes) -> str | None:
    match = _DECLARED_ENCODING.search(data, 0, 4096)
    return match.group(1).decode("ascii").lower() if match else None


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by its zero bytes (XML 1.0, appendix F):
    markup is ASCII, so every character of ``<?xml`` or ``<rss`` has zero high bytes."""
    head = data[:64]
    groups = len(head) // 4
    if groups == 0 or data.startswith(_BOMS):
        return None
    zeros = [sum(1 for i in range(k, groups * 4, 4) if head[i] == 0) for k in range(4)]
    for name, zero, nonzero in (("utf-32-be", (0, 1, 2), (3,)), ("utf-32-le", (1, 2, 3), (0,)),
                                ("utf-16-be", (0, 2), (1, 3)), ("utf-16-le", (1, 3), (0, 2))):
        if (all(zeros[k] * 2 > groups for k in zero) and not any(zeros[k] for k in nonzero)
                and head.decode(name, "replace").lstrip().startswith("<")):
            return name
    return None


def _reads_as_utf8(data: bytes) -> bool:
    """True when expat would read ``data`` as UTF-8: no BOM other than UTF-8's and no other
    declared encoding. (If the bytes are not valid UTF-8 the strict parse fails, and the
    document is decoded as a page would be.)"""
    if data.startswith(_BOMS[1:]) or data[:1] == b"\x00" or data[1:2] == b"\x00":
        return False
    declared = _declared_encoding(data)
    return declared is None or declared in _UTF8_LABELS


# Labels for UTF-16 and UTF-32 that Python does not know by those names, and codecs that
# are not character encodings of documents (never used, whatever a feed says).
_XML_ALIASES = {"iso-10646-ucs-2": "utf-16", "csunicode": "utf-16", "ucs-2": "utf-16", "unicode": "utf-16",
                "iso-10646-ucs-4": "utf-32", "ucs-4": "utf-32", "csucs4": "utf-32"}
_NOT_DOCUMENT_CODECS = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna",
                                  "undefined", "mbcs", "oem"})
_EBCDIC_DECL = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC


def _xml_codec(label: str) -> str | None:
    """The codec for an encoding label browsers do not know but XML allows (IBM code pages,
    EBCDIC, UCS-2...): any character encoding Python has."""
    label = label.strip().strip("\"'").lower()
    try:
        info = codecs.lookup(_XML_ALIASES.get(label, label))
    except LookupError:
        return None
    name = info.name.replace("_", "-")
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_DOCUMENT_CODECS:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None  # told by a BOM or zero bytes, or not at all: the label is wrong
    return info.name


def _decode_xml(data: bytes, charset: str | None) -> tuple[str, str]:
    """The document as text, its encoding declaration removed, and the codec used.

    A BOM wins; then UTF-16 or UTF-32 told by its zero bytes, EBCDIC by its declaration;
    then as a page is decoded (valid UTF-8, the HTTP charset, the declared encoding,
    detection: :func:`scraper.parsing.decode_text`)."""
    codec = _wide_encoding(data)
    if codec is not None:
        text = data.decode(codec, "replace")
    elif data.startswith(_EBCDIC_DECL):
        declared = _declared_encoding(data[:4096].decode("cp037").encode("ascii", "replace"))
        codec = _xml_codec(declared or "") or "cp037"
        text = data.decode(codec, "replace")
    else:
        text, codec = decode_text(data, (charset, _declared_encoding(data)), other_codec=_xml_codec)
    match = _XML_DECL_AT_START.match(text)
    return (text[match.end():] if match else text), codec


# -- XML --------------------------------------------------------------------------------

_SAFE_LXML = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                  dtd_validation=False, recover=True, remove_comments=True, remove_pis=True)
# An internal DTD subset that only declares plain-text entities (``<!ENTITY nbsp "&#160;">``,
# no reference to another entity, nothing external, no parameter entity) and comments.
_PLAIN_SUBSET = re.compile(r"""(?:\s|<!--(?:(?!-->).)*-->|<!ENTITY\s+[^\s%"'<>&]+\s+"""
                           r"""(?:"[^"&%<]*(?:&#[0-9a-fA-FxX]+;[^"&%<]*)*"|'[^'&%<]*(?:&#[0-9a-fA-FxX]+;[^'&%<]*)*')"""
                           r"""\s*>)*""", re.S)
_SUBSET = re.compile(r"<!DOCTYPE\s[^\[>]*\[(.*?)\]\s*>", re.S)


@dataclass
class _Parsed:
    root: Any
    note: str | None = None          # what had to be mended to read it
    recovered: bool = False          # read by the recovering parser: an item's fields may be nested
    untrusted: frozenset[Any] = frozenset()  # an element cut off by the end of the document
    uses_base: bool = False          # xml:base occurs somewhere


_STRICT_LXML = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                    remove_comments=True, remove_pis=True)


class _Malformed(Exception):
    """The document is not well-formed XML (the message says where)."""


def _strict(data: bytes) -> Any:
    """The root of a well-formed document. Without a DOCTYPE a document can declare no
    entity, so lxml reads it (several times faster than defusedxml's pure-Python parser);
    a document with one is read by defusedxml, which refuses entity declarations
    (``DefusedXmlException``). Raises :class:`_Malformed` for anything not well-formed."""
    if b"<!DOCTYPE" not in data:
        try:
            return lxml.etree.fromstring(data, lxml.etree.XMLParser(**_STRICT_LXML))
        except lxml.etree.XMLSyntaxError as exc:
            raise _Malformed(str(exc)) from None
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except SafeET.ParseError as exc:
        raise _Malformed(str(exc)) from None


def _refuse_entities(reason: str) -> FeedError:
    return FeedError("unsafe-xml", f"refused: the document declares entities ({reason})")


def _without_plain_entities(text: str, reason: str) -> str:
    """``text`` without its DOCTYPE when every entity the DTD declares is plain text (an
    HTML-style ``&nbsp;``): those are never expanded (a ``&nbsp;`` then reads as the HTML
    character). Entities that refer to other entities (billion laughs), external ones
    (XXE) and parameter entities are refused."""
    start = text.find("<!DOCTYPE")
    match = _SUBSET.match(text, start) if start >= 0 else None
    if match is None or not _PLAIN_SUBSET.fullmatch(match.group(1)) or "<!ENTITY" in text[match.end():]:
        raise _refuse_entities(reason)
    return text[:start] + text[match.end():]


def parse_xml(data: bytes, *, charset: str | None = None, limit: int = MAX_XML_BYTES) -> Any:
    """Parse untrusted XML safely and return its root element.

    ``charset`` is the HTTP charset, if any. Entity declarations that could expand
    (billion laughs) and external entities (XXE) are refused outright by defusedxml; a
    document that is merely malformed (a bare ``&`` is common in feeds) is mended and
    parsed again, and as a last resort read by lxml in recover mode with entity
    resolution, DTD loading and network access all off.
    """
    return _parse_xml(data, charset, limit).root


def _attempt(data: bytes) -> tuple[Any, str]:
    """(root, "") for a well-formed document, else (None, what is wrong with it)."""
    try:
        return _strict(data), ""
    except DefusedXmlException as exc:
        return None, f"entities:{type(exc).__name__}"
    except _Malformed as exc:
        return None, str(exc)


def _parse_xml(data: bytes, charset: str | None, limit: int) -> _Parsed:
    data = _prepare(data, limit)
    if data[:1].isspace():  # blank lines before <?xml: not well-formed, and common
        data = data.lstrip()
    uses_base = b"xml:base" in data
    raw_tried = False
    if _reads_as_utf8(data):  # the fast path: most feeds are well-formed UTF-8
        root, error = _attempt(data)
        if root is not None:
            return _Parsed(root, uses_base=uses_base)
        raw_tried = True
    text, codec = _decode_xml(data, charset)
    uses_base = uses_base or "xml:base" in text
    if not raw_tried or codec != "utf-8":  # another encoding: read it decoded
        root, error = _attempt(text.encode("utf-8"))
        if root is not None:
            return _Parsed(root, uses_base=uses_base)
    if error.startswith("entities:"):
        text = _without_plain_entities(text, error.split(":", 1)[1])
        note = "its DTD declares entities: left unexpanded"
    else:
        note = f"not well-formed XML ({error}): read leniently"
    if "<!ENTITY" in text:  # anywhere: 70 KB of padding must not hide one
        raise _refuse_entities("in a malformed document")
    text = _repair(text)
    mended = text.encode("utf-8")
    try:
        return _Parsed(_strict(mended), note, uses_base=uses_base)
    except DefusedXmlException as exc:
        raise _refuse_entities(type(exc).__name__) from None
    except _Malformed:
        pass
    parser = lxml.etree.XMLParser(**_SAFE_LXML)
    try:
        root = lxml.etree.fromstring(mended, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise FeedError("bad-xml", f"not well-formed XML: {exc}") from None
    if root is None:
        raise FeedError("bad-xml", "not XML: no root element")
    return _Parsed(root, note, recovered=True, untrusted=_cut_off(root, text), uses_base=uses_base)


# -- mending ----------------------------------------------------------------------------

# The document element of a feed or sitemap: what comes before it (a PHP warning, a BOM
# in the middle, a second declaration) is dropped.
_ROOT = re.compile(r"<((?:[\w.-]+:)?(?:rss|feed|RDF|channel|CHANNEL|urlset|sitemapindex))[\s>/]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text elements whose content is (escaped) HTML, and markup that must never be read as text.
_SPECIAL = re.compile(r"<!\[CDATA\[|<!--|<(/?)((?:[\w.-]+:)?(?:description|encoded|summary|content|title|subtitle|"
                      r"tagline|rights|copyright|info))(?=[\s/>])", re.I)
_STRUCTURE = re.compile(r"</?(?:[\w.-]+:)?(?:item|entry|channel|rss|feed|url|urlset)[\s/>]", re.I)
# A start tag with an attribute value given without quotes, and that attribute.
_TAG_WITH_UNQUOTED = re.compile(r"<[A-Za-z][^<>]*?\s[\w:.-]+\s*=\s*[^\s\"'<>][^<>]*>")
_UNQUOTED = re.compile(r"(\s[\w:.-]+)\s*=\s*([^\s\"'<>]+?)(?=/?>|\s)")
_XML_CONTENT = re.compile(r"""\b(?:type\s*=\s*["'](?:xhtml|[^"']*\+xml|[^"']*/xml)|mode\s*=\s*["']xml)""", re.I)
# An ``&`` that XML would not read: bare (a URL's query string) or starting an entity XML
# does not define (``&nbsp;``). The five XML entities and character references stay.
_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8});)"
                        r"(?:([A-Za-z][A-Za-z0-9]{0,31});)?")


def _ampersand(match: re.Match[str]) -> str:
    name = match.group(1)
    if name is None:
        return "&amp;"
    chars = html.entities.html5.get(name + ";")
    if chars:  # an HTML entity (&nbsp;, &eacute;...): its character, as a character reference
        return "".join(f"&#{ord(c)};" for c in chars)
    return "&amp;" + name + ";"  # unknown: kept as text


def _quote_attributes(match: re.Match[str]) -> str:
    return _UNQUOTED.sub(r'\1="\2"', match.group(0))


def _mend(text: str) -> str:
    """Text and tags outside CDATA and comments, made XML: ampersands, ``]]>``, attribute
    values without quotes (``<link href=https://...>``)."""
    if "&" in text:
        text = _AMPERSAND.sub(_ampersand, text)
    if "]]>" in text:
        text = text.replace("]]>", "]]&gt;")
    if "=" in text:
        text = _TAG_WITH_UNQUOTED.sub(_quote_attributes, text)
    return text


def _repair(text: str) -> str:
    """Mend what breaks real feeds: junk before or after the document element (a PHP warning,
    a DOCTYPE), HTML entities and bare ``&``, control characters, attribute values without
    quotes, raw HTML in a text element (an unclosed ``<br>`` in a description swallows
    every item after it), which is wrapped in CDATA.

    Linear in the size of the document whatever its content: every search moves forward or
    is answered from positions found once."""
    text = _CONTROL.sub("", text)
    root = _ROOT.search(text)
    if root is not None:
        end = text.rfind("</" + root.group(1))
        close = text.find(">", end) if end >= 0 else -1
        text = text[root.start():close + 1 if close >= 0 else len(text)]
    starts: dict[str, list[int]] = {}  # where each text element opens (lower-case name)
    match: re.Match[str] | None
    for match in _SPECIAL.finditer(text):
        if match.group(2) and not match.group(1):
            starts.setdefault(match.group(2).lower(), []).append(match.start())
    structure = [match.start() for match in _STRUCTURE.finditer(text)]
    ends: dict[str, int] = {}  # the first end tag of a name at or after the last search
    out: list[str] = []
    pos = 0
    while True:
        match = _SPECIAL.search(text, pos)
        if match is None:
            out.append(_mend(text[pos:]))
            break
        out.append(_mend(text[pos:match.start()]))
        token = match.group(0)
        if token in ("<![CDATA[", "<!--"):
            end = text.find("]]>" if token == "<![CDATA[" else "-->", match.end())
            end = len(text) if end < 0 else end + 3
            out.append(text[match.start():end])
            pos = end
            continue
        gt = text.find(">", match.end())
        if gt < 0:
            out.append(_mend(text[match.start():]))
            break
        tag = text[match.start():gt + 1]
        out.append(_mend(tag))
        pos = gt + 1
        name = match.group(2)
        if match.group(1) or tag.endswith("/>") or _XML_CONTENT.search(tag):
            continue
        end = ends.get(name, -1)
        if end < pos:
            end = text.find("</" + name, pos)
            ends[name] = end if end >= 0 else len(text)  # not found: never again further on
        if end < 0 or end >= len(text):
            continue
        same = starts.get(name.lower(), [])
        if (bisect_left(same, end) > bisect_right(same, match.start())  # opened again before its end
                or bisect_left(structure, end) > bisect_left(structure, pos)  # an item would be swallowed
                or text.find("<", pos, end) < 0):  # nothing to protect
            continue
        inner = _without_cdata(text[pos:end])
        out.append("<![CDATA[" + inner.replace("]]>", "]]]]><![CDATA[>") + "]]>")
        pos = end
    return "".join(out)


def _without_cdata(text: str) -> str:
    """``text`` with its CDATA sections made plain text (to go inside a new one)."""
    if "<![CDATA[" not in text:
        return text
    parts = []
    pos = 0
    while True:
        start = text.find("<![CDATA[", pos)
        if start < 0:
            parts.append(text[pos:])
            return "".join(parts)
        end = text.find("]]>", start + 9)
        parts.append(text[pos:start])
        if end < 0:
            parts.append(text[start + 9:])
            return "".join(parts)
        parts.append(text[start + 9:end])
        pos = end + 3


def _cut_off(root: Any, text: str) -> frozenset[Any]:
    """The element a truncated document ended in (a sitemap cut inside ``<loc>``): its
    text is not to be trusted. Empty when the document ends with an end tag."""
    last = root
    while len(last):
        last = last[-1]
    if last is root:
        return frozenset()
    tail = re.sub(r"<[^<>]*\Z", "", text.rstrip()).rstrip()
    # ended after an end tag (or an empty element): nothing was cut in the middle
    return frozenset() if re.search(r"(?:</[^<>]*|/)>\Z", tail) else frozenset({last})


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: Any) -> str:
    """``{namespace}Name`` or ``prefix:Name`` (a prefix left by recovery) -> ``name``."""
    if not isinstance(tag, str):
        return ""
    local = _LOCAL_NAMES.get(tag)
    if local is None:
        name = tag[tag.rfind("}") + 1:]
        local = name[name.find(":") + 1:].lower()
        if len(_LOCAL_NAMES) < 4096:  # the tags feeds use; a hostile file cannot grow it
            _LOCAL_NAMES[tag] = local
    return local


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
# W3C-DTF and the ISO 8601 forms feeds and sitemaps use: 2024, 2024-05, 2024-05-06 (or
# with / or .), 20240506, 2024-127 (ordinal); a time after T or spaces (seconds, fraction,
# colons optional); a zone (Z, UTC, ±hh, ±hhmm, ±hh:mm).
_ISO = re.compile(r"""(\d{4})
    (?:([-/.])(\d{1,2})(?:\2(\d{1,2}))? | (\d{2})(\d{2}) | -?(\d{3}))?
    (?:(?:T|\s+)(\d{1,2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?
    \s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?""", re.X | re.I)
_ISO_IN_TEXT = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# English month names and abbreviations, and the unambiguous ones of a few languages whose
# feed generators write them (Mai, Okt, Dez, févr, mayo, maggio, mei...).
_MONTHS = {name: number for number, names in enumerate((
    "jan january janv janvier januar jän jänner enero ene gennaio gen januari janeiro",
    "feb february febr fév févr février fevr februar febrero febbraio februari fevereiro fev",
    "mar march mär märz mars marzo maart março",
    "apr april avr avril abr abril aprile",
    "may mai mayo maggio mag mei maio",
    "jun june juin juni junio giugno giu junho",
    "jul july juil juillet juli julio luglio lug julho",
    "aug august août aout agosto augustus",
    "sep sept september septembre septiembre setiembre settembre set setembro",
    "oct october okt oktober octobre octubre ottobre ott outubro out",
    "nov november novembre noviembre novembro",
    "dec december dez dezember déc décembre diciembre dic dicembre desember dezembro"), 1)
    for name in names.split()}
# Zone names seen in feeds (minutes east of UTC). Ambiguous ones take the reading feeds
# mean most often: CST as in RFC 822 (US Central), IST India, BST British Summer Time.
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "west": 60, "bst": 60, "ist": 330,
    "cet": 60, "met": 60, "cest": 120, "mest": 120, "eet": 120, "eest": 180, "msk": 180,
    "est": -300, "edt": -240, "et": -300, "cst": -360, "cdt": -300, "ct": -360,
    "mst": -420, "mdt": -360, "mt": -420, "pst": -480, "pdt": -420, "pt": -480,
    "ast": -240, "adt": -180, "at": -240, "akst": -540, "akdt": -480, "hst": -600,
    "nst": -210, "ndt": -150, "brt": -180, "art": -180, "sast": 120, "wat": 60, "cat": 120,
    "eat": 180, "pkt": 300, "npt": 345, "ict": 420, "wib": 420, "sgt": 480, "hkt": 480,
    "awst": 480, "pht": 480, "jst": 540, "kst": 540, "acst": 570, "aest": 600, "aedt": 660,
    "nzst": 720, "nzdt": 780,
}
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?![\d:])(?:\s*([ap])\.?m\b\.?)?", re.I)
_OFFSET = re.compile(r"(?<!\S)(?:(?:gmt|utc|ut)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)", re.I)
_REGION = re.compile(r"(?<![\w/])[A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+")
_BAD_OFFSET = re.compile(r"(?<!\S)[+-]\s*[^\d\s]")
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+")


def parse_date(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """A timezone-aware datetime from RFC 822 (RSS) in its real-world variants, ISO 8601 /
    W3C-DTF (Atom, sitemaps), or a relative ``36h`` / ``2d`` / ``1w`` (for ``--since``);
    None when it cannot be read. Dates without a zone are taken as UTC."""
    if not text:
        return None
    text = text.strip()
    if not text or len(text) > 100:
        return None
    match = _RELATIVE.match(text)
    if match:
        hours = int(match.group(1)) * {"h": 1, "d": 24, "w": 24 * 7}[match.group(2).lower()]
        return (now or datetime.now(timezone.utc)) - timedelta(hours=hours)
    if text[:4].isdigit():
        value = _iso_date(text)
        if value is not None or not _WORD.search(text):
            return value
    return _rfc822_date(text)


def _moment(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
            micro: int = 0, offset: int = 0) -> datetime | None:
    """A UTC datetime from parts that may be out of range (None then); 24:00 is the next
    day, a leap second the last second of its minute. ``offset`` in minutes east of UTC."""
    if hour > 24 or minute > 59 or second > 60 or abs(offset) > 14 * 60:
        return None
    extra = timedelta(0)
    if hour == 24:
        if minute or second:
            return None
        hour, extra = 0, timedelta(days=1)
    try:
        value = datetime(year, month, day, hour, minute, min(second, 59), micro,
                         tzinfo=timezone(timedelta(minutes=offset)))
        return (value + extra).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _iso_date(text: str) -> datetime | None:
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    (year, _, month, day, compact_month, compact_day, ordinal, hour, minute, second, fraction,
     zone) = match.groups()
    offset = 0
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        if int(digits[2:] or 0) > 59:
            return None
        offset = (-1 if zone[0] == "-" else 1) * (int(digits[:2]) * 60 + int(digits[2:] or 0))
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    clock = (int(hour or 0), int(minute or 0), int(second or 0), micro, offset)
    if ordinal is not None:
        start = _moment(int(year), 1, 1, *clock)
        return start + timedelta(days=int(ordinal) - 1) if start and 1 <= int(ordinal) <= 366 else None
    return _moment(int(year), int(month or compact_month or 1), int(day or compact_day or 1), *clock)


_RFC822 = re.compile(r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s([A-Za-z]{3})\s(\d{4})\s(\d{2}):(\d{2}):(\d{2})\s"
                     r"(?:([+-])(\d{2})(\d{2})|GMT|UTC|UT|Z)")


def _rfc822_date(text: str) -> datetime | None:
    match = _RFC822.fullmatch(text)  # the form most feeds use, read at once
    if match is not None and match.group(2).lower() in _MONTHS:
        day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
        offset = (-1 if sign == "-" else 1) * (int(zone_hours) * 60 + int(zone_minutes)) if sign else 0
        if not sign or int(zone_minutes) < 60:
            return _moment(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute), int(second),
                           0, offset)
    return _loose_date(text)


def _loose_date(text: str) -> datetime | None:
    """RFC 822/1123 as feeds write it: day names, full or short month names (``Sept``),
    day and month in either order, two-digit years, a date without a time, extra commas,
    ``+hhmm``, ``+hh:mm``, ``GMT+2``, a zone name after the time or a time zone database
    name (``Europe/Berlin``), asctime's ``Sun Jan  4 16:29:06 2004``, a numeric
    ``2006/09/15 08:19:53 EDT``."""
    rest = text.replace(",", " ")
    region = None
    named = _REGION.search(rest)
    if named is not None:
        region = _region(named.group(0))
        if region is not None:
            rest = rest[:named.start()] + " " + rest[named.end():]
    hour = minute = second = 0
    after = len(rest)  # zone names count only after the time ("at" is also a word)
    clock = _CLOCK.search(rest)
    if clock is not None:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        meridiem = (clock.group(4) or "").lower()
        if meridiem and not 1 <= hour <= 12:
            return None
        if meridiem == "p" and hour < 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
        rest = rest[:clock.start()] + " " + rest[clock.end():]
        after = clock.start()
    offset: int | None = None
    zone = _OFFSET.search(rest)
    if zone is not None:
        minutes = int(zone.group(3) or 0)
        if minutes > 59:
            return None
        offset = (-1 if zone.group(1) == "-" else 1) * (int(zone.group(2)) * 60 + minutes)
        rest = rest[:zone.start()] + " " + rest[zone.end():]
    if ":" in rest or _BAD_OFFSET.search(rest):
        return None  # a clock or an offset we cannot read ("1:2:3:4", "+zz:00")
    month = None
    for word in _WORD.finditer(rest):
        name = word.group(0).lower()
        if month is None and name in _MONTHS:
            month = _MONTHS[name]
        elif offset is None and name in _ZONES and word.start() > after:
            offset = _ZONES[name]
    numbers = _NUMBER.findall(rest)
    if month is None:
        numeric = _ISO_IN_TEXT.search(rest)
        if numeric is None:
            return None
        year, month, day = (int(part) for part in numeric.groups())
    elif len(numbers) == 2 and len(numbers[0]) <= 2:
        day, year = int(numbers[0]), int(numbers[1])
        if len(numbers[1]) <= 2:
            year += 2000 if year < 50 else 1900
    elif len(numbers) == 2 and len(numbers[1]) <= 2:
        year, day = int(numbers[0]), int(numbers[1])
    else:
        return None
    if region is not None and offset is None:
        try:
            local = datetime(year, month, day, min(hour, 23), minute, min(second, 59))
            delta = region.utcoffset(local)
            offset = int(delta.total_seconds() // 60) if delta is not None else 0
        except (ValueError, OverflowError):
            return None
    return _moment(year, month, day, hour, minute, second, 0, offset or 0)


def _region(name: str) -> tzinfo | None:
    """A zone of the time zone database (``America/New_York``, ``Etc/GMT+5``), if known."""
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    except ImportError:  # pragma: no cover - Python 3.9+ has it
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


# -- feeds ------------------------------------------------------------------------------

def parse_feed(data: bytes, base_url: str, *, charset: str | None = None,
               limit: int = MAX_XML_BYTES) -> list[Entry]:
    """Entries of an RSS 0.9x/1.0/2.0, Atom, CDF or JSON Feed document, URLs made absolute;
    items without a URL are left out. See :func:`read_feed`."""
    return read_feed(data, base_url, charset=charset, limit=limit).entries


def read_feed(data: bytes, base_url: str, *, charset: str | None = None,
              limit: int = MAX_XML_BYTES) -> Feed:
    """Every item of a feed with its URL and date, and what had to be mended or skipped.

    ``charset`` is the HTTP charset (it wins over the XML declaration, a BOM over both).
    Raises :class:`FeedError` for anything that is not a feed (including HTML: use
    :func:`discover_feeds` on it) and for documents that must not be read.
    """
    data = _prepare(data, limit)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return _json_feed(stripped, base_url)
    if looks_like_html(data):
        raise FeedError("html", "an HTML page, not a feed")
    return _read_feed(_parse_xml(data, charset, limit), base_url)


def _read_feed(parsed: _Parsed, base_url: str) -> Feed:
    kind = _local(parsed.root.tag)
    if kind not in ("rss", "rdf", "channel", "feed"):
        raise FeedError("not-a-feed", f"not a feed: the root element is <{kind or '?'}>")
    feed = Feed()
    if parsed.note:
        feed.problems.append(parsed.note)
    context = _Context(parsed, base_url)
    for number, item in enumerate(context.find("item", "entry"), 1):
        try:
            feed.items.append(_read_item(item, context, atom=_local(item.tag) == "entry"))
        except Exception as exc:  # one bad item never sinks the feed
            feed.problems.append(f"item {number} skipped: {type(exc).__name__}: {exc}")
    feed.problems = _capped(feed.problems)
    return feed


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return problems[:MAX_PROBLEMS - 1] + [f"... and {len(problems) - MAX_PROBLEMS + 1} more problems"]


_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# Elements whose children describe something else than the item they are in.
_OWN_FIELDS = frozenset({"item", "entry", "source", "image", "author", "contributor", "group", "content"})
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_URL_START = re.compile(r"\s*https?://", re.I)
_URL_JUNK = re.compile(r"[\t\r\n]")


class _Context:
    """A parsed document with what item readers need: the base URL of each element
    (``xml:base``, only walked when the document uses it) and the cut-off element."""

    def __init__(self, parsed: _Parsed, base_url: str) -> None:
        self.root = parsed.root
        self.base_url = base_url
        self.untrusted = parsed.untrusted
        self.recovered = parsed.recovered
        self.bases: dict[Any, str] | None = None
        if parsed.uses_base:
            self.bases = {}
            stack = [(self.root, base_url)]
            while stack:
                el, base = stack.pop()
                own = el.get(_XML_BASE)
                if own:
                    try:
                        base = urljoin(base, own.strip())
                    except ValueError:
                        pass
                self.bases[el] = base
                stack.extend((child, base) for child in el if isinstance(child.tag, str))

    def find(self, *names: str) -> Iterator[Any]:
        """Elements with one of ``names`` (any namespace, any case) wherever they are in the
        tree: an item a broken description swallowed is still an item (and an Atom feed
        may call its entries items)."""
        for el in self.root.iter():
            if _local(el.tag) in names:
                yield el

    def fields(self, item: Any) -> Iterable[Any]:
        """The elements that describe ``item``: its children; in a recovered tree also what
        broken markup pushed further down (a ``<link>`` inside an unclosed ``<br>``), but
        not what belongs to a nested item or to an entry's ``<source>`` or ``<image>``."""
        if not self.recovered:
            return item
        found = []
        stack = list(reversed(item))
        while stack:
            el = stack.pop()
            found.append(el)
            if len(el) and _local(el.tag) not in _OWN_FIELDS:
                stack.extend(reversed(el))
        return found

    def children(self, el: Any) -> Iterator[tuple[str, Any]]:
        """(local name, element) of the children of ``el`` that are elements and not cut off."""
        for child in el:
            if isinstance(child.tag, str) and child not in self.untrusted:
                yield _local(child.tag), child

    def url(self, el: Any, value: str) -> str:
        """``value`` made absolute against the base of ``el`` (tabs and newlines dropped, as
        browsers do). Raises ValueError for a URL that cannot be read."""
        value = value.strip()
        if "\t" in value or "\n" in value or "\r" in value:
            value = _URL_JUNK.sub("", value)
        if _URL_START.match(value):
            urlsplit(value)  # raises for what cannot be a URL (a broken IPv6 host)
            return value
        base = self.bases.get(el, self.base_url) if self.bases is not None else self.base_url
        return urljoin(base, value)


_ALTERNATE = ("alternate", "http://www.iana.org/assignments/relation/alternate")
_PAGE_TYPES = ("", "text/html", "application/xhtml+xml")
# Where an item's date comes from, best first; of one kind the last one given wins.
_DATE_KINDS = {"pubdate": 0, "published": 0, "issued": 0, "date": 1, "created": 2,
               "updated": 3, "modified": 3, "lastmod": 3}
_PATH = re.compile(r"\s*/(?!/)")


def _read_item(item: Any, context: _Context, atom: bool) -> Entry:
    """One item or entry, in one pass over its children.

    Its address, best first — RSS: FeedBurner's ``origLink``, the ``<link>`` text, an
    alternate ``atom:link``, a permalink ``guid``, RSS 1.0's ``rdf:about``, CDF's ``HREF``;
    Atom: the alternate ``<link href>`` (HTML preferred; never an enclosure, a comment feed
    or ``self``), a link given as text, an ``id`` that is a URL (or a path on the site).
    Its date: published, else dc:date, else created, else updated or modified."""
    untrusted = context.untrusted
    origin = text = guid = ident = None
    best: tuple[int, Any, str] | None = None
    dates: dict[int, list[str]] = {}
    for child in context.fields(item):
        tag = child.tag
        if not isinstance(tag, str) or child in untrusted:
            continue
        name = _local(tag)
        if name == "link":
            href = child.get("href")
            if href and href.strip():
                rel = (child.get("rel") or "alternate").strip().lower()
                if rel in _ALTERNATE:
                    rank = 0 if (child.get("type") or "").split(";")[0].strip().lower() in _PAGE_TYPES else 1
                    if best is None or rank < best[0]:
                        best = (rank, child, href)
            elif text is None and child.text and child.text.strip():
                text = (child, child.text)
        elif name in _DATE_KINDS:
            if child.text:
                dates.setdefault(_DATE_KINDS[name], []).append(child.text)
        elif name == "origlink" and origin is None and child.text and child.text.strip():
            origin = (child, child.text)
        elif name == "guid" and guid is None and _URL_START.match(child.text or ""):
            if (child.get("isPermaLink") or "true").strip().lower() != "false":
                guid = (child, child.text)
        elif name == "id" and ident is None and child.text and (
                _URL_START.match(child.text) or _PATH.match(child.text)):
            ident = (child, child.text)
    alternate = (best[1], best[2]) if best else None
    if atom:
        found = alternate or text or ident
    else:
        found = origin or text or alternate or guid
        if found is None:
            about = item.get(_RDF_ABOUT) or _attribute(item, "href") or ""
            found = (item, about) if _URL_START.match(about) else None
    date = None
    for kind in sorted(dates):
        date = next((d for d in map(parse_date, reversed(dates[kind])) if d is not None), None)
        if date is not None:
            break
    if date is None and not dates and item.attrib:  # CDF: <ITEM HREF="..." LASTMOD="...">
        date = parse_date(_attribute(item, "lastmod"))
    return Entry(context.url(*found) if found else "", date)


def _attribute(el: Any, name: str) -> str | None:
    for key, value in el.attrib.items():
        if isinstance(key, str) and key.lower() == name:
            return str(value)
    return None


def _json_feed(data: bytes, base_url: str) -> Feed:
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise FeedError("bad-json", f"not valid JSON: {exc}") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not re.match(r"https?://jsonfeed\.org/version/", version):
        raise FeedError("not-a-feed", "JSON, but not a JSON Feed (no jsonfeed.org version)")
    feed = Feed()
    items = doc.get("items")
    for number, item in enumerate(items if isinstance(items, list) else [], 1):
        try:
            if not isinstance(item, dict):
                raise ValueError(f"not an object: {type(item).__name__}")
            url = item.get("url") or item.get("external_url")
            url = urljoin(base_url, url.strip()) if isinstance(url, str) and url.strip() else ""
            dates = [item.get("date_published"), item.get("date_modified")]
            date = next((d for d in (parse_date(v) for v in dates if isinstance(v, str)) if d), None)
            feed.items.append(Entry(url, date))
        except Exception as exc:  # one bad item never sinks the feed
            feed.problems.append(f"item {number} skipped: {type(exc).__name__}: {exc}")
    feed.problems = _capped(feed.problems)
    return feed


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

def parse_sitemap(data: bytes, base_url: str, *, charset: str | None = None,
                  limit: int = MAX_XML_BYTES) -> Sitemap:
    """A sitemap (urlset, sitemap index, gzipped or not, plain text list, or an RSS/Atom
    feed, all allowed by the protocol). News sitemaps' ``publication_date`` wins over
    ``lastmod`` as an entry's date. A ``<loc>`` cut off by the end of a truncated file
    is left out, and so is an entry that cannot be read (noted in ``problems``)."""
    data = _prepare(data, limit)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head != b"<":
        text, _ = decode_text(data, (charset,))
        urls = [Entry(urljoin(base_url, line.strip())) for line in text.splitlines()
                if _URL_START.match(line)]
        if not urls and data.strip():
            raise FeedError("not-a-sitemap", "neither XML nor a text list of URLs")
        return Sitemap(urls=urls)
    parsed = _parse_xml(data, charset, limit)
    kind = _local(parsed.root.tag)
    if kind in ("rss", "rdf", "feed"):
        feed = _read_feed(parsed, base_url)
        return Sitemap(urls=feed.entries, problems=feed.problems)
    if kind not in ("sitemapindex", "urlset"):
        raise FeedError("not-a-sitemap", f"not a sitemap: the root element is <{kind or '?'}>")
    result = Sitemap(problems=[parsed.note] if parsed.note else [])
    context = _Context(parsed, base_url)
    name, found = ("sitemap", result.sitemaps) if kind == "sitemapindex" else ("url", result.urls)
    for number, node in enumerate(context.find(name), 1):
        try:
            loc = modified = published = None
            for child_name, child in context.children(node):
                if child_name == "loc" and loc is None and (child.text or "").strip():
                    loc = context.url(child, child.text)
                elif child_name == "lastmod" and modified is None:
                    modified = parse_date(child.text)
                elif child_name == "news" and published is None:
                    published = parse_date(_text(child, "publication_date"))
            if loc:
                found.append(Entry(loc, published or modified))
        except Exception as exc:  # one bad entry never sinks the sitemap
            result.problems.append(f"{name} {number} skipped: {type(exc).__name__}: {exc}")
    result.problems = _capped(result.problems)
    return result
