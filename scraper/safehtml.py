"""Links in stored article HTML: only web addresses, resolved, whatever the page wrote.

A hostile page can put ``javascript:``, ``data:`` or ``vbscript:`` addresses in its
links, in any case and with tabs or newlines inside the scheme (``Java\tScript:``),
which browsers ignore. The stored ``body_html`` is what ``show`` and ``export`` print as
HTML or Markdown and what other programs open, so it is made safe once, when stored:
every address is resolved against the page's URL the way :func:`urllib.parse.urljoin`
reads it (tabs and newlines dropped, leading spaces and control characters stripped,
as browsers do) and kept only if the result is ``http`` or ``https``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

__all__ = ["safe_links", "web_url"]

# The attributes that hold an address in the tidied body HTML (see render.KEEP_ATTRS).
_URL_ATTRIBUTES = ("href", "src", "cite")
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def web_url(url: str | None, base: str | None = None) -> str | None:
    """``url`` resolved against ``base``, if that is an http(s) address; else None."""
    if url is None:
        return None
    try:
        resolved = urljoin(base or "", url)
        scheme = urlsplit(resolved).scheme.lower()
    except ValueError:  # e.g. a malformed IPv6 address
        return None
    if scheme not in ("http", "https"):
        return None
    # control characters and spaces, percent-encoded as a browser sends them
    return _UNPRINTABLE.sub(lambda m: f"%{ord(m.group()):02X}", resolved)


def safe_links(body_html: str | None, base_url: str | None) -> str | None:
    """``body_html`` with every link, image and citation address resolved against
    ``base_url``; an address that is not http(s) is removed (the element and its text
    stay). Returned unchanged, byte for byte, when nothing needed changing."""
    if not body_html or not any(f"{name}=" in body_html.lower() for name in _URL_ATTRIBUTES):
        return body_html
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return body_html
    changed = False
    for el in root.iter():
        for name in _URL_ATTRIBUTES:
            value = el.get(name)
            if value is None:
                continue
            safe = web_url(value.strip(), base_url)
            if safe is None:
                del el.attrib[name]
                changed = True
            elif safe != value:
                el.set(name, safe)
                changed = True
    if not changed:
        return body_html
    html = lxml.html.tostring(root, encoding="unicode")
    return html[len("<div>"):-len("</div>")]
