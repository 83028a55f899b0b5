"""Turn page bytes into text and an lxml tree, whatever the page claims about itself.

Pages on the open web lie about their encoding, carry BOMs, NUL bytes and XML
declarations that lxml refuses in a str. Everything that reads HTML goes through
:func:`decode_html` and :func:`parse_html` so those problems are solved once.
"""

from __future__ import annotations

import codecs
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping

import lxml.html
from lxml import etree

from .errors import PageError

__all__ = ["charset_of", "decode_html", "decode_text", "looks_binary", "parse_html", "ParseError"]

# Bounded: a page made of "<meta" repeated without a ">" must not cost quadratic time.
_META_CHARSET = re.compile(
    rb"""<meta[^>]{1,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]{1,40})""", re.IGNORECASE
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
# The encodings browsers know (WHATWG Encoding Standard), keyed by Python codec name,
# mapped to the codec browsers really decode them with (latin-1 and ascii labels mean
# windows-1252, gb2312 means gb18030, shift_jis means cp932...). A label outside this
# table — utf-7, unicode_escape, rot13, utf-16 without a BOM — is ignored, as a
# browser would: it is either an attack or a mistake.
_WEB_CODECS = {
    "utf-8": "utf-8", "cp866": "cp866", "koi8-r": "koi8-r", "koi8-u": "koi8-u",
    "mac-roman": "mac-roman", "mac-cyrillic": "mac-cyrillic",
    "iso8859-1": "cp1252", "ascii": "cp1252", "iso8859-9": "cp1254",
    "tis-620": "cp874", "iso8859-11": "cp874", "cp874": "cp874",
    "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "big5hkscs": "big5hkscs",
    "euc_jp": "euc_jp", "iso2022_jp": "iso2022_jp", "shift_jis": "cp932", "cp932": "cp932",
    "euc_kr": "cp949", "cp949": "cp949",
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"cp125{n}": f"cp125{n}" for n in range(9)},
}
_LABEL_ALIASES = {"windows-874": "cp874", "windows-31j": "cp932", "iso-8859-8-i": "iso8859-8"}
# With no evidence either way, a browser reads an undeclared page as windows-1252.
_PREFERRED = ("cp1252", "utf-8")


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


class ParseError(PageError, ValueError):
    """Raised when the bytes cannot be read as an HTML document at all."""

    kind = "unreadable"


def _lookup(label: str | None) -> str | None:
    """The codec to decode with for an encoding label, or None if browsers don't know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    label = _LABEL_ALIASES.get(label, label)
    for candidate in (label, label[2:] if label.startswith("x-") else None):
        if not candidate:
            continue
        try:
            name = codecs.lookup(candidate).name
        except LookupError:
            continue
        return _WEB_CODECS.get(name)
    return None


def _sniff_meta(data: bytes) -> str | None:
    match = _META_CHARSET.search(data, 0, 65536)
    return match.group(1).decode("ascii", "ignore") if match else None


def _mostly_utf8(data: bytes) -> bool:
    """Valid multi-byte UTF-8 with only a few broken sequences (a stray byte, a cut end)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    return good > 0 and bad <= good


def _detect(data: bytes) -> str | None:
    """Statistical detection restricted to web encodings; windows-1252 wins a tie."""
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data[:200_000]))
    except Exception:  # detection is a best effort; the caller has a fallback
        return None
    ranked = []
    for match in matches:
        name = _lookup(match.encoding)
        if name is None or name == "utf-8":
            continue
        preference = _PREFERRED.index(name) if name in _PREFERRED else len(_PREFERRED)
        ranked.append((round(match.chaos, 2), -round(match.coherence, 2), preference, name))
    return min(ranked)[3] if ranked else None


_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"RIFF", b"\x00\x00\x00", b"OggS", b"ID3", b"fLaC", b"BM")
# Bytes that never occur in text (WHATWG MIME sniffing's "binary data bytes").
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# UTF-16 as an HTTP charset (the WHATWG labels); in a <meta> it can only be a mistake,
# since whoever read the <meta> read it as ASCII.
_HTTP_WIDE = {"utf-16": "utf-16-le", "utf-16le": "utf-16-le", "utf-16-le": "utf-16-le",
              "utf-16be": "utf-16-be", "utf-16-be": "utf-16-be"}


def _wide_codec(label: str | None) -> str | None:
    return _HTTP_WIDE.get((label or "").strip().strip("\"'").strip().lower())


def looks_binary(head: bytes, declared: str | None = None) -> bool:
    """True when the first bytes of a page are a known binary format or are not text at all.

    A UTF-16/32 page with a byte-order mark, or UTF-16 declared by the HTTP charset
    (``declared``), is full of NUL bytes and still text; an HTML page with a few stray
    NULs is still HTML; random or compressed bytes are about 10% binary-only bytes, so
    more than 2% of the first KiB (and more than 8 bytes) means binary.
    """
    if head.startswith(_TEXT_BOMS):
        return False
    if head.startswith(_BINARY_MAGIC) or head[4:8] == b"ftyp":  # ftyp: MP4/MOV/HEIF
        return True
    sample = head[:1024]
    if not sample:
        return False
    wide = _wide_codec(declared)
    if wide is not None:
        text = sample[: len(sample) // 2 * 2].decode(wide, errors="replace")
        sample = text.encode("utf-8", errors="replace")
    return len(sample) - len(sample.translate(None, _BINARY_BYTES)) > max(8, len(sample) // 50)


def charset_of(headers: Mapping[str, str] | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header (any key case), or None."""
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            for part in value.split(";")[1:]:
                name, _, val = part.partition("=")
                if name.strip().lower() == "charset":
                    return val.strip().strip("\"'").lower() or None
    return None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes to text; return ``(text, encoding_used)``.

    The labels tried are the HTTP charset (``declared``), then the ``<meta charset>``;
    UTF-16 that the HTTP charset declares is read as such when there is no byte-order
    mark and the bytes are valid UTF-16 (its NUL bytes would pass for UTF-8); the order
    of everything else is :func:`decode_text`'s.
    """
    wide = _wide_codec(declared)
    if wide is not None and not data.startswith(tuple(bom for bom, _ in _BOMS)):
        try:
            return data.decode(wide), wide
        except UnicodeDecodeError:
            pass
    return decode_text(data, _html_labels(data, declared))


def _html_labels(data: bytes, declared: str | None) -> Iterator[str | None]:
    yield declared
    yield _sniff_meta(data)  # only looked for when the HTTP charset did not do


def decode_text(data: bytes, labels: Iterable[str | None] = (),
                other_codec: Callable[[str], str | None] | None = None) -> tuple[str, str]:
    """Decode the bytes of a document (a page, a feed) to text; return ``(text, encoding_used)``.

    Order: a byte-order mark wins; then bytes that are valid UTF-8 are read as
    UTF-8 even when the document says latin-1 (a frequent mislabel, and valid multi-byte
    UTF-8 is almost never meant as latin-1); then each of ``labels`` in turn (for a page
    the HTTP charset and the ``<meta charset>``, for a feed the HTTP charset and the XML
    declaration; iterated lazily), each only if it is an encoding browsers support (or
    one ``other_codec`` names: XML may be in any encoding) and decodes the bytes; then
    UTF-8 again if the bytes are mostly valid UTF-8; then statistical detection (a page
    declared UTF-8 whose bytes are latin-1 ends here); windows-1252 as the last resort,
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
    for label in labels:
        codec = _lookup(label) or (other_codec(label) if other_codec and label else None)
        if codec and codec != "utf-8":
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                continue
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8"
    detected = _detect(data)
    if detected:
        return data.decode(detected, errors="replace"), detected
    return data.decode("cp1252", errors="replace"), "cp1252"


def parse_html(html: str | bytes, declared_encoding: str | None = None) -> lxml.html.HtmlElement:
    """Parse a whole page into an lxml tree, never raising on bad markup.

    An empty or unparseable page gives an empty ``<html><body/></html>`` tree so
    callers need no special case. libxml2 stops building the tree at 256 levels of
    nesting and silently drops the rest of the page; such a page is parsed again with
    the elements below :data:`MAX_DEPTH` flattened, so its text is kept.
    """
    if isinstance(html, bytes):
        html, _ = decode_html(html, declared_encoding)
    if "\x00" in html or _CONTROL_CHARS.search(html):
        html = _CONTROL_CHARS.sub("", html)
    html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        return lxml.html.document_fromstring("<html><body></body></html>")
    parser = _parser()
    try:
        doc = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        doc = None
    if doc is not None and any("depth" in entry.message for entry in parser.error_log):
        flat = _parse_flattened(html)
        doc = doc if flat is None else flat
    if doc is None:
        return lxml.html.document_fromstring("<html><body></body></html>")
    return doc


# Deeper elements become siblings at this depth (well under libxml2's 256 limit, and
# under what recursive code downstream can walk).
MAX_DEPTH = 100


_VOID = frozenset({"area", "br", "embed", "hr", "img", "input", "source", "track", "wbr"})


class _FlatteningTarget:
    """Parser target that builds the tree but never nests deeper than :data:`MAX_DEPTH`.

    libxml2 reports every start and end tag to a target even past its own depth limit.
    Below the limit each new element closes the previous over-deep one and takes its
    place, so document order and all text survive; only the nesting is lost. An
    over-deep element is only created once it gets text (or is an image, a line
    break...), so ten thousand empty wrappers don't become ten thousand siblings.
    """

    def __init__(self) -> None:
        self.builder = etree.TreeBuilder(parser=_parser())
        self.depth = 0
        self.flat: list[bool] = []  # per open tag: was it placed flat?
        self.flat_open: str | None = None
        self.pending: tuple[str, dict[str, str]] | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._close_flat()
        if self.depth < MAX_DEPTH:
            self.builder.start(tag, dict(attrib))
            self.depth += 1
            self.flat.append(False)
            return
        self.flat.append(True)
        self.pending = (tag, dict(attrib))
        if tag in _VOID:
            self._open_pending()

    def end(self, tag: str) -> None:
        if not self.flat:
            return
        self._close_flat()
        if not self.flat.pop():
            self.builder.end(tag)
            self.depth -= 1

    def data(self, text: str) -> None:
        if self.pending is not None:
            self._open_pending()
        self.builder.data(text)

    def close(self) -> lxml.html.HtmlElement:
        while self.flat:
            self.end("")
        return self.builder.close()

    def _open_pending(self) -> None:
        assert self.pending is not None
        tag, attrib = self.pending
        self.pending = None
        self.builder.start(tag, attrib)
        self.flat_open = tag

    def _close_flat(self) -> None:
        self.pending = None
        if self.flat_open is not None:
            self.builder.end(self.flat_open)
            self.flat_open = None


def _parse_flattened(html: str) -> lxml.html.HtmlElement | None:
    target = _FlatteningTarget()
    parser = etree.HTMLParser(target=target, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(html, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root if isinstance(root, lxml.html.HtmlElement) and root.tag == "html" else None
