"""Render the chosen article region as plain text, Markdown or clean HTML.

The region is tidied once on the lxml tree (attributes reduced to the few that carry
meaning, empty wrappers removed) and serialised: that is the stored HTML. Text and
Markdown are the fine work, done with BeautifulSoup on that region only (the whole
page never goes through BeautifulSoup, which would be slow).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
from typing import Any, cast


class _LoadedOnFirstUse(types.ModuleType):
    """Stands in for a module until one of its names is first read, then imports it.

    (The standard library's ``LazyLoader`` would not do: an ``import`` statement reads the
    module's ``__spec__``, which loads it.)"""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, name)


def _defer_soupsieve() -> None:
    """Have ``soupsieve`` load on first use rather than when bs4 is imported.

    bs4 imports soupsieve, its CSS-selector engine, at once (about 30 ms of regex compiling
    in every process that renders a page). Nothing here asks bs4 for a CSS selector (site
    rules select with lxml's cssselect), so a stand-in takes its place: ``Tag.select`` and
    friends still work, importing soupsieve when first called.
    """
    if "soupsieve" in sys.modules or "bs4" in sys.modules:
        return
    spec = importlib.util.find_spec("soupsieve")
    if spec is None:
        return
    stand_in = _LoadedOnFirstUse("soupsieve")
    stand_in.__spec__ = spec
    sys.modules["soupsieve"] = stand_in


_defer_soupsieve()

from bs4 import BeautifulSoup, Comment, NavigableString, Tag  # noqa: E402 - after the deferral above
from lxml.html import HtmlElement  # noqa: E402

__all__ = ["tidy_region", "to_text", "to_markdown", "soup_of"]

BLOCKS = {
    "p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
    "figure", "header", "footer", "aside", "nav", "address", "details", "summary", "center", "hr",
    "form", "body", "html", "hgroup",
}
KEEP_ATTRS = {"a": ("href", "title"), "img": ("src", "alt"), "td": ("colspan", "rowspan"),
              "th": ("colspan", "rowspan"), "ol": ("start",), "time": ("datetime",),
              "blockquote": ("cite",), "q": ("cite",), "abbr": ("title",)}
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
# Characters lxml refuses to write into an attribute (a page can hold them as &#1;).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BLANKS = re.compile(r"\n{3,}")
_SPACE_LINES = re.compile(r"(?m)^[ \t]+$")  # a line of spaces between blocks is a blank line


EMPTIABLE = ("div", "section", "span", "p", "li", "ul", "ol", "blockquote", "figure", "article", "main",
             "strong", "em", "b", "i", "a", "h2", "h3", "h4", "h5", "h6", "font", "center", "table", "tr",
             "td", "th", "tbody", "thead", "dl", "dd", "dt", "u", "small", "sup", "sub", "time", "header")


def tidy_region(root: HtmlElement) -> None:
    """Strip presentational attributes and empty wrappers from the region, in place,
    before it is serialised: the stored ``body_html`` comes out clean, and lxml does
    this in linear time (BeautifulSoup's ``decompose`` scans siblings each time)."""
    for el in root.iter():
        if el.attrib:
            # Cleared wholesale: broken pages carry attribute names that lxml cannot
            # address one by one.
            kept = {name: _XML_UNSAFE.sub("", el.get(name)) for name in KEEP_ATTRS.get(el.tag, ())
                    if el.get(name) is not None}
            el.attrib.clear()
            el.attrib.update(kept)
    # Children come before their parents in reversed document order, so a wrapper
    # whose only content was empty wrappers is empty by the time it is reached.
    for el in reversed(list(root.iter(*EMPTIABLE))):
        if el is root or len(el) or (el.text and el.text.strip()):
            continue
        parent = el.getparent()
        if parent is None:
            continue
        if el.tail and el.tail.strip():
            previous = el.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)


def soup_of(html: str) -> BeautifulSoup:
    """Parse an HTML fragment (the article region) with BeautifulSoup's lxml parser."""
    return BeautifulSoup(html, "lxml")


def _inline_text(node: Tag | NavigableString) -> str:
    return _WS.sub(" ", str(node))


def to_text(root: Tag) -> str:
    """Plain text: a blank line between paragraphs, list items and table rows on their own lines."""
    out: list[str] = []
    line: list[str] = []

    def flush(sep: str) -> None:
        text = "".join(line).strip()
        line.clear()
        if text:
            out.append(text)
            out.append(sep)
        elif out and sep == "\n\n" and out[-1] == "\n":
            out[-1] = "\n\n"

    # Iterative walk: ("open", tag) / ("close", tag) events.
    stack: list[tuple[str, Tag | NavigableString]] = [("node", root)]
    while stack:
        kind, node = stack.pop()
        if kind == "close":
            name = node.name
            if name in ("td", "th"):
                line.append(" | ")
            elif name in ("li", "tr", "dt", "dd"):
                flush("\n")
            elif name in BLOCKS:
                flush("\n\n")
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, Comment):
                continue
            line.append(_inline_text(node))
            continue
        name = node.name
        if name == "br":
            flush("\n")
            continue
        if name == "pre":
            flush("\n\n")
            text = node.get_text()
            if text.strip():
                out.append(text.strip("\n"))
                out.append("\n\n")
            continue
        if name in ("td", "th"):
            pass  # cells of a row share its line
        elif name in BLOCKS:
            flush("\n\n" if name not in ("li", "tr", "dt", "dd") else "\n")
        stack.append(("close", node))
        for child in reversed(node.contents):
            stack.append(("node", cast("Tag | NavigableString", child)))
    flush("\n\n")
    text = "".join(out)
    text = "\n".join(part.strip(" ") if not part.startswith("    ") else part for part in text.split("\n"))
    text = re.sub(r" *\| *\n", "\n", text)
    return _BLANKS.sub("\n\n", text).strip()


def to_markdown(root: Tag) -> str:
    """Markdown: headings, emphasis, links, lists, blockquotes, code blocks and simple tables."""
    return _BLANKS.sub("\n\n", _SPACE_LINES.sub("", _md_children(root, depth=0))).strip() + "\n"


def _md_children(node: Tag, depth: int) -> str:
    return "".join(_md(cast("Tag | NavigableString", child), depth) for child in node.children)


def _md(node: Tag | NavigableString, depth: int) -> str:
    if isinstance(node, NavigableString):
        if isinstance(node, Comment):
            return ""
        return _WS.sub(" ", str(node))
    name = node.name
    if depth > 200:
        return _WS.sub(" ", node.get_text())
    inner = _md_children(node, depth + 1)
    if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return f"\n\n{'#' * int(name[1])} {inner.strip()}\n\n"
    if name == "p":
        return f"\n\n{inner.strip()}\n\n"
    if name == "br":
        return "  \n"
    if name in ("strong", "b"):
        return f"**{inner.strip()}**" if inner.strip() else ""
    if name in ("em", "i"):
        return f"*{inner.strip()}*" if inner.strip() else ""
    if name == "code" and node.parent is not None and node.parent.name != "pre":
        return f"`{inner.strip()}`"
    if name == "a":
        href = node.get("href")
        text = inner.strip()
        return f"[{text}]({href})" if href and text else text
    if name == "img":
        src = node.get("src")
        return f"![{node.get('alt', '')}]({src})" if src else ""
    if name == "pre":
        return f"\n\n```\n{node.get_text().strip(chr(10))}\n```\n\n"
    if name == "blockquote":
        body = _BLANKS.sub("\n\n", inner).strip()
        return "\n\n" + "\n".join(f"> {line}" if line else ">" for line in body.split("\n")) + "\n\n"
    if name in ("ul", "ol"):
        items = []
        start = str(node.get("start", "1"))
        number = int(start) if start.isdigit() else 1
        for li in node.find_all("li", recursive=False):
            text = _BLANKS.sub("\n", _md_children(li, depth + 1)).strip().replace("\n", "\n   ")
            marker = f"{number}." if name == "ol" else "-"
            items.append(f"{marker} {text}")
            number += 1
        return "\n\n" + "\n".join(items) + "\n\n"
    if name == "table":
        rows = []
        for tr in node.find_all("tr"):
            cells = [_WS.sub(" ", c.get_text()).strip().replace("|", "\\|") for c in tr.find_all(["td", "th"])]
            if cells:
                rows.append("| " + " | ".join(cells) + " |")
        if not rows:
            return ""
        width = rows[0].count(" | ") + 1
        rows.insert(1, "|" + " --- |" * width)
        return "\n\n" + "\n".join(rows) + "\n\n"
    if name in BLOCKS:
        return f"\n\n{inner.strip()}\n\n"
    return inner
