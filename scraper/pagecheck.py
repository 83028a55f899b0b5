"""What can be said of a URL or of saved bytes before any request: the checks ``fetch``
makes of a local file and of every address it is given, and the error a failed fetch
raises. Kept apart from :mod:`scraper.fetching` so that archiving a saved page never loads
the HTTP client (requests and urllib3); :mod:`scraper.fetching` re-exports every name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .errors import PageError
from .parsing import looks_binary
from .records import Attempt

__all__ = ["FetchError", "check_url", "html_problem"]


class FetchError(PageError):
    """A URL could not be fetched as a page.

    ``kind`` is a short stable code for logs and the ``fetches`` table:
    ``invalid-url``, ``unsupported-scheme``, ``private-address``, ``dns``, ``connection``,
    ``tls``, ``timeout``, ``deadline``, ``http``, ``too-many-redirects``, ``redirect-loop``,
    ``too-large``, ``not-html``, ``empty``, ``truncated`` (the connection closed before
    the promised end of the body), ``content-encoding`` (a Content-Encoding that cannot
    be decoded, or a body that fails to decompress), ``moved`` (a redirect to another
    site when the caller asked to stop there; ``final_url`` is the target).
    """

    def __init__(self, url: str, kind: str, message: str, *, status: int | None = None,
                 attempts: list[Attempt] | None = None, final_url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.message = message
        self.status = status
        self.attempts = attempts or []
        self.final_url = final_url or url

    def __str__(self) -> str:
        return self.message


def check_url(url: str) -> str:
    """Return ``url`` stripped if it is an absolute http(s) URL; raise :class:`FetchError` otherwise."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if not parts.scheme:
        raise FetchError(url, "invalid-url", f"not a URL (no http:// or https://): {url!r}")
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(url, "unsupported-scheme",
                         f"unsupported scheme {parts.scheme!r}: only http and https are fetched")
    if not parts.hostname:
        raise FetchError(url, "invalid-url", f"not a URL (no host): {url!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise FetchError(url, "invalid-url", f"not a URL (bad port): {url!r}") from None
    return url


# The start of an HTML document or fragment, as a browser sniffs one without a Content-Type
# (WHATWG MIME sniffing's tags, and the elements pages saved from the web open with).
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|title|meta|link|script|style|p|div|article|main|"
                       rb"section|header|nav|table|h[1-6]|br|a|b|font|iframe|span|ul|img|!--)[\s>/]",
                       re.IGNORECASE)


def html_problem(content: bytes) -> tuple[str, str] | None:
    """Why bytes that came without a Content-Type (a saved file) are not an HTML page, as
    (kind, message) with the kinds a fetch uses (``empty``, ``not-html``); None for HTML.

    Over HTTP the Content-Type decides; a file has none, so its first bytes do: the same
    pages are refused either way (binary data, plain text).
    """
    if not content.strip():
        return "empty", "empty file"
    head = content[:8192]
    if looks_binary(head[:2048]):
        return "not-html", "binary content, not an HTML page"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: look at the text, not the bytes
        head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    if not _HTML_TAG.search(head):
        return "not-html", "no HTML markup in its first 8 KB (a plain-text file?)"
    return None
