"""Turn page bytes into text and an lxml tree, whatever the page claims about itself.

Pages on the open web lie about their encoding, carry BOMs, NUL bytes and XML
declarations that lxml refuses in a str. Everything that reads HTML goes through
:func:`decode_html` and :func:`parse_html` so those problems are solved once.
"""

from __future__ import annotations

import codecs
import re
import threading

import lxml.html
from lxml import etree

__all__ = ["decode_html", "parse_html", "ParseError"]

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# C0 controls other than tab, newline and carriage return are not allowed in XML
# text, and lxml rejects a str that holds them.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that browsers treat as windows-1252 (WHATWG encoding standard).
_LATIN1_LABELS = {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "l1", "ascii", "us-ascii",
                  "windows-1252", "cp1252", "iso_8859-1"}


_local = threading.local()


def _parser() -> lxml.html.HTMLParser:
    """One parser per thread (lxml parsers must not be shared between threads).

    Every element is a plain HtmlElement: lxml.html's default lookup picks a class per
    tag in Python code on every element access, which costs more than the parse itself
    on a large page, and the form-specific classes are never needed here.
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement))
        _local.parser = parser
    return parser


class ParseError(ValueError):
    """Raised when the bytes cannot be read as an HTML document at all."""


def _lookup(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _LATIN1_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _sniff_meta(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096]) or _META_CHARSET.search(data[:65536])
    return match.group(1).decode("ascii", "ignore") if match else None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes to text; return ``(text, encoding_used)``.

    Order: a byte-order mark wins; then bytes that are valid UTF-8 are read as
    UTF-8 even when the page says latin-1 (a frequent mislabel, and valid multi-byte
    UTF-8 is almost never meant as latin-1); then the HTTP charset, then the
    ``<meta charset>``; then statistical detection; windows-1252 as the last resort,
    because it maps every byte and so never fails.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8"
    for label in (declared, _sniff_meta(data)):
        name = _lookup(label)
        if name and name not in ("utf-8", "utf-16", "utf-32"):
            try:
                return data.decode(name), name
            except (UnicodeDecodeError, LookupError):
                continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace"), best.encoding
    except Exception:  # detection is a best effort; the fallback below always works
        pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def parse_html(html: str | bytes, declared_encoding: str | None = None) -> lxml.html.HtmlElement:
    """Parse a whole page into an lxml tree, never raising on bad markup.

    An empty or unparseable page gives an empty ``<html><body/></html>`` tree so
    callers need no special case.
    """
    if isinstance(html, bytes):
        html, _ = decode_html(html, declared_encoding)
    if "\x00" in html or _CONTROL_CHARS.search(html):
        html = _CONTROL_CHARS.sub("", html)
    html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        return lxml.html.document_fromstring("<html><body></body></html>")
    try:
        doc = lxml.html.document_fromstring(html, parser=_parser())
    except (etree.ParserError, ValueError):
        doc = None
    if doc is None:
        return lxml.html.document_fromstring("<html><body></body></html>")
    return doc
