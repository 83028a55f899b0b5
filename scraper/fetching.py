"""Fetching pages over HTTP: polite, bounded, and honest about what went wrong.

One :class:`Fetcher` wraps a ``requests.Session`` with the rules an unattended
archiver needs: an identifying User-Agent, connect/read timeouts plus a total
deadline per request, retries with backoff on 429/5xx that honour Retry-After,
a cap on body size enforced while streaming, redirects followed one hop at a time
(so every hop is recorded and checked), and a refusal to treat non-HTML as a page.
Every attempt is recorded in :attr:`Response.attempts` / :attr:`FetchError.attempts`
so the archive can log it.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from . import __version__
from .parsing import decode_html

__all__ = [
    "DEFAULT_USER_AGENT",
    "Attempt",
    "FetchError",
    "Fetcher",
    "Response",
    "fetch",
    "check_url",
    "is_private_host",
]

DEFAULT_USER_AGENT = f"scraper/{__version__} (+https://github.com/scraper-archive/scraper)"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = (
    "application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
    "application/rdf+xml", "application/feed+json", "application/json", "text/plain",
    "application/x-gzip", "application/gzip", "application/octet-stream",
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"RIFF", b"\x00\x00\x00", b"OggS", b"ID3", b"fLaC", b"BM")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Attempt:
    """One HTTP request made while fetching a URL (retries and redirects each count)."""

    url: str
    started_at: str
    status: int | None = None
    error: str | None = None
    elapsed: float = 0.0


@dataclass
class Response:
    """A page that was fetched whole."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: str
    redirects: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or self.headers.get("content-type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        value = self.headers.get("Content-Type") or self.headers.get("content-type") or ""
        for part in value.split(";")[1:]:
            key, _, val = part.partition("=")
            if key.strip().lower() == "charset":
                return val.strip().strip("\"'") or None
        return None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def text(self) -> str:
        """The body decoded with :func:`scraper.parsing.decode_html` (BOM, UTF-8 check, charset, detection)."""
        return decode_html(self.content, self.charset)[0]


class FetchError(Exception):
    """A URL could not be fetched as a page.

    ``kind`` is a short stable code for logs and the ``fetches`` table:
    ``invalid-url``, ``unsupported-scheme``, ``private-address``, ``dns``, ``connection``,
    ``tls``, ``timeout``, ``deadline``, ``http``, ``too-many-redirects``, ``redirect-loop``,
    ``too-large``, ``not-html``, ``empty``.
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


def is_private_host(host: str) -> bool:
    """True when ``host`` is, or resolves to, a loopback, private, link-local or reserved address.

    Used to stop a crawl of the public web from being steered at the machine it runs
    on or its cloud metadata service (169.254.169.254).
    """
    host = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            return True
        try:
            infos = socket.getaddrinfo(host, None)
        except (socket.gaierror, UnicodeError, OSError):
            return False
        addresses = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(info[4][0].split("%")[0]))
            except ValueError:
                continue
    return any(
        a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_multicast
        or a.is_unspecified for a in addresses
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _looks_binary(head: bytes) -> bool:
    if head.startswith(_BINARY_MAGIC):
        return True
    sample = head[:1024]
    return bool(sample) and sample.count(b"\x00") > len(sample) // 10


class Fetcher:
    """Fetch URLs with one shared ``requests.Session`` and one set of rules.

    ``accept`` says what a caller wants: ``"html"`` for article pages (anything else
    is refused as ``not-html``), ``"any"`` for feeds, sitemaps and robots.txt.
    ``allow_private=False`` refuses redirects from a public host to a private
    address; the first URL itself is the caller's choice and is never refused here.
    ``sleep`` is injectable so callers that pace requests can share one clock.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        deadline: float = 90.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retries: int = 2,
        backoff: float = 1.0,
        max_retry_after: float = 120.0,
        max_redirects: int = 10,
        allow_private: bool = False,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.user_agent = user_agent
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
        self.session.headers["Accept-Encoding"] = "gzip, deflate" + (", br" if _has_brotli() else "")

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, accept: str = "html", etag: str | None = None,
              last_modified: str | None = None, headers: Mapping[str, str] | None = None) -> Response:
        """Fetch ``url`` following redirects; raise :class:`FetchError` on any failure.

        A 304 answer to a conditional request (``etag``/``last_modified``) is returned
        as a :class:`Response` with ``status == 304`` and an empty body.
        """
        url = check_url(url)
        attempts: list[Attempt] = []
        redirects: list[str] = []
        seen = {url}
        current = url
        extra = dict(headers or {})
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = last_modified
        started = time.monotonic()
        while True:
            response = self._get_with_retries(current, extra, attempts, url)
            if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                response.close()
                if not location:
                    raise FetchError(url, "http", f"HTTP {response.status_code} without a Location header",
                                     status=response.status_code, attempts=attempts, final_url=current)
                target = urljoin(current, location.strip())
                try:
                    check_url(target)
                except FetchError as exc:
                    raise FetchError(url, exc.kind, f"redirect to {target}: {exc.message}",
                                     attempts=attempts, final_url=current) from None
                if target in seen:
                    raise FetchError(url, "redirect-loop", f"redirect loop at {target}",
                                     status=response.status_code, attempts=attempts, final_url=current)
                if len(redirects) >= self.max_redirects:
                    raise FetchError(url, "too-many-redirects",
                                     f"more than {self.max_redirects} redirects",
                                     status=response.status_code, attempts=attempts, final_url=current)
                if not self.allow_private:
                    self._check_redirect_target(url, current, target, attempts)
                seen.add(target)
                redirects.append(target)
                current = target
                continue
            break
        status = response.status_code
        resp_headers = dict(response.headers)
        if status == 304:
            response.close()
            return Response(url, current, 304, resp_headers, b"", _now(), redirects, attempts,
                            time.monotonic() - started)
        if status >= 400:
            response.close()
            raise FetchError(url, "http", f"HTTP {status} {response.reason or ''}".strip(),
                             status=status, attempts=attempts, final_url=current)
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if accept == "html" and content_type and content_type not in HTML_TYPES:
            response.close()
            raise FetchError(url, "not-html", f"not an HTML page (Content-Type: {content_type})",
                             status=status, attempts=attempts, final_url=current)
        content = self._read_body(response, url, attempts, started)
        if accept == "html":
            if not content.strip():
                raise FetchError(url, "empty", "empty response body", status=status,
                                 attempts=attempts, final_url=current)
            if _looks_binary(content[:2048]):
                raise FetchError(url, "not-html", "binary content labelled as HTML",
                                 status=status, attempts=attempts, final_url=current)
        return Response(url, current, status, resp_headers, content, _now(), redirects, attempts,
                        time.monotonic() - started)

    # -- internals -----------------------------------------------------------------

    def _check_redirect_target(self, origin: str, current: str, target: str,
                               attempts: list[Attempt]) -> None:
        source_host = urlsplit(current).hostname or ""
        target_host = urlsplit(target).hostname or ""
        if is_private_host(target_host) and not is_private_host(source_host):
            raise FetchError(origin, "private-address",
                             f"refused redirect from public {source_host} to private address {target_host} "
                             "(use --allow-private to permit)", attempts=attempts, final_url=current)

    def _get_with_retries(self, url: str, headers: dict[str, str], attempts: list[Attempt],
                          origin: str) -> requests.Response:
        for attempt_no in range(self.retries + 1):
            attempt = Attempt(url=url, started_at=_now())
            attempts.append(attempt)
            t0 = time.monotonic()
            try:
                response = self.session.get(url, headers=headers, timeout=self.timeout,
                                            allow_redirects=False, stream=True)
            except requests.exceptions.RequestException as exc:
                attempt.elapsed = time.monotonic() - t0
                kind, message = _describe(exc)
                attempt.error = f"{kind}: {message}"
                retryable = kind in ("connection", "timeout")
                if retryable and attempt_no < self.retries:
                    self.sleep(self.backoff * (2 ** attempt_no))
                    continue
                raise FetchError(origin, kind, message, attempts=attempts, final_url=url) from None
            attempt.elapsed = time.monotonic() - t0
            attempt.status = response.status_code
            if response.status_code in RETRY_STATUSES and attempt_no < self.retries:
                wait = _retry_after(response.headers.get("Retry-After"))
                response.close()
                attempt.error = f"http: HTTP {response.status_code}"
                if wait is None:
                    wait = self.backoff * (2 ** attempt_no)
                elif wait > self.max_retry_after:
                    raise FetchError(origin, "http",
                                     f"HTTP {response.status_code}, Retry-After {wait:.0f}s is over the "
                                     f"{self.max_retry_after:.0f}s limit", status=response.status_code,
                                     attempts=attempts, final_url=url)
                self.sleep(wait)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_body(self, response: requests.Response, origin: str, attempts: list[Attempt],
                   started: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes and \
                not response.headers.get("Content-Encoding"):
            response.close()
            raise FetchError(origin, "too-large",
                             f"body of {int(declared)} bytes is over the {self.max_bytes}-byte limit (not read)",
                             status=response.status_code, attempts=attempts, final_url=response.url)
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                if time.monotonic() - started > self.deadline:
                    raise FetchError(origin, "deadline",
                                     f"gave up after {self.deadline:.0f}s (total deadline) with {size} bytes read",
                                     status=response.status_code, attempts=attempts, final_url=response.url)
                # read1 returns as soon as some bytes arrive, so a server that trickles
                # a byte at a time is still checked against the deadline, and it never
                # inflates more than the requested amount (decompression bombs).
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(origin, "too-large",
                                     f"body over the {self.max_bytes}-byte limit: stopped reading at {size} bytes",
                                     status=response.status_code, attempts=attempts, final_url=response.url)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError) as exc:
            kind, message = _describe(exc)
            if attempts:
                attempts[-1].error = f"{kind}: {message}"
            raise FetchError(origin, kind, f"while reading the body: {message}", status=response.status_code,
                             attempts=attempts, final_url=response.url) from None
        finally:
            response.close()
        return b"".join(chunks)


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        try:
            import brotlicffi  # noqa: F401
        except ImportError:
            return False
    return True


def _describe(exc: BaseException) -> tuple[str, str]:
    """Map a requests/urllib3 exception to a (kind, one-line message) pair."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError) or "SSL" in type(exc).__name__ or "CERTIFICATE" in text:
        return "tls", f"TLS error: {_short(text)}"
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, socket.timeout)):
        return "timeout", "timed out"
    if isinstance(exc, requests.exceptions.InvalidURL):
        return "invalid-url", _short(text)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text \
            or "Temporary failure in name resolution" in text or "NameResolutionError" in text:
        return "dns", "host name could not be resolved"
    if "Connection refused" in text:
        return "connection", "connection refused"
    if isinstance(exc, (urllib3.exceptions.ProtocolError, requests.exceptions.ChunkedEncodingError)) \
            or "IncompleteRead" in text or "reset" in text.lower():
        return "connection", f"connection broken: {_short(text)}"
    if isinstance(exc, (urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError)):
        return "connection", f"could not decode the body: {_short(text)}"
    return "connection", _short(text)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fetch(url: str, **options: object) -> Response:
    """Fetch one page with a throw-away :class:`Fetcher` (``options`` go to its constructor)."""
    accept = str(options.pop("accept", "html"))
    with Fetcher(**options) as fetcher:  # type: ignore[arg-type]
        return fetcher.fetch(url, accept=accept)
