"""Fetching pages over HTTP: polite, bounded, and honest about what went wrong.

One :class:`Fetcher` wraps a ``requests.Session`` with the rules an unattended
archiver needs: an identifying User-Agent, connect/read timeouts plus a total
deadline per request, retries with backoff on 429/5xx (honouring Retry-After) and on
connections that break before the answer or half-way through its body, a cap on body
size enforced while streaming, redirects followed one hop at a time (so every hop is
recorded and checked), and a refusal to treat non-HTML as a page.
Every attempt is recorded in :attr:`Response.attempts` / :attr:`FetchError.attempts`
so the archive can log it.
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.exceptions
import urllib3.response
import urllib3.util.connection

from .options import (
    DEFAULT_BACKOFF,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    HttpOptions,
)
from .pagecheck import FetchError, check_url, html_problem
from .parsing import charset_of, looks_binary
from .records import Attempt, Response

__all__ = [
    "DEFAULT_USER_AGENT",
    "Attempt",
    "FetchError",
    "Fetcher",
    "Response",
    "fetch",
    "check_url",
    "html_problem",
    "connect_host",
    "host_addresses",
    "is_private_host",
    "is_private_url",
]

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = (
    "application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
    "application/rdf+xml", "application/feed+json", "application/json", "text/plain",
    "application/x-gzip", "application/gzip", "application/octet-stream",
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A body cut short is usually a passing hiccup (a restarting server, a dropped connection):
# asking again at once costs one request, giving up costs the page a whole crawl run.
BODY_RETRY_KINDS = frozenset({"truncated", "connection", "timeout"})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _site_host(url: str) -> tuple[str, int | None]:
    """The host a redirect stays on or leaves: lower case, without ``www.``, with the
    port only when one is written (so http → https stays on the site)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return (host[4:] if host.startswith("www.") else host), port


_HOST_ADAPTER = requests.adapters.HTTPAdapter()  # only asked how it would address a URL


def connect_host(url: str) -> str:
    """The host requests (urllib3) will connect to for ``url``: what the address policy judges.

    Parsers disagree on hostile URLs. ``urlsplit`` reads ``http://%31%32%37.0.0.1/`` as
    the host ``%31%32%37.0.0.1`` and ``http://127.0.0.1\\@example.com/`` as
    ``example.com``; requests decodes the first to ``127.0.0.1`` and connects to
    ``127.0.0.1`` for the second. So the host is not parsed here but asked of the
    libraries, the way a request is made: the URL prepared by requests, the pool key its
    adapter builds, the host urllib3's pool normalises and hands to its connections.
    IPv6 brackets are removed (an address keeps its zone id). Raises ``ValueError``
    when the libraries would refuse the URL.
    """
    try:
        prepared = requests.Request("GET", url).prepare()
        params, _ = _HOST_ADAPTER.build_connection_pool_key_attributes(prepared, True, None)
        if not params.get("host"):
            raise ValueError("no host")
        host = str(urllib3.HTTPConnectionPool(params["host"], params.get("port")).host)
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ValueError,
            UnicodeError) as exc:
        raise ValueError(f"cannot read the host of {url!r}: {exc}") from None
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _connect_host_or(url: str) -> str:
    """:func:`connect_host`, or ``""`` (which no one calls public) when there is none."""
    try:
        return connect_host(url)
    except ValueError:
        return ""


def _host_name(host: str) -> str:
    """``host`` (from a URL, in any spelling) as urllib3 hands it to the resolver."""
    host = host.strip()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address
    return connect_host(f"http://{host}/")


def is_private_host(host: str) -> bool:
    """True when ``host`` is, or resolves to, an address that is not on the public internet,
    or when it cannot be judged.

    Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (including the
    cloud metadata service at 169.254.169.254), carrier-grade NAT (100.64/10, where some
    clouds keep their metadata service), unspecified, reserved, documentation and
    multicast addresses all count. IPv6 forms that embed an IPv4 address
    (``::ffff:127.0.0.1``, ``::127.0.0.1``, 6to4, NAT64) are judged by that address.
    The host is first read as urllib3 reads it (percent-encoding decoded, IDNA), then
    resolved as the connection would resolve it, so decimal, octal, hex and short
    spellings (``2130706433``, ``0177.0.0.1``, ``127.1``) are caught. A host that cannot
    be read or resolved counts as private: what cannot be judged is not trusted. Used to
    stop a crawl of the public web from being steered at the machine it runs on or its
    neighbours.
    """
    try:
        name = _host_name(host)
    except ValueError:
        return True
    bare = name.rstrip(".")
    if bare == "localhost" or bare.endswith(".localhost"):
        return True
    addresses = _resolve(name)
    return not addresses or any(_sockaddr_is_private(a) for a in addresses)


def host_addresses(host: str) -> list[str] | None:
    """The addresses a connection to ``host`` (from a URL, in any spelling) would try, as
    urllib3 resolves it; None when it cannot be read or resolved."""
    try:
        return _resolve(_host_name(host)) or None
    except ValueError:
        return None


def _resolve(name: str) -> list[str]:
    try:  # a numeric address in any spelling the C library accepts: no DNS
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, OSError, ValueError):
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError, ValueError):
            return []
    return [str(info[4][0]) for info in infos]


def is_private_url(url: str) -> bool:
    """:func:`is_private_host` of the host a request for ``url`` would connect to
    (True when the URL has no host the HTTP library would accept)."""
    try:
        return is_private_host(connect_host(url))
    except ValueError:
        return True


def _sockaddr_is_private(text: object) -> bool:
    try:
        address = ipaddress.ip_address(str(text))
    except ValueError:
        return True
    return _address_is_private(address)


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _address_is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and (any(address in net for net in _NAT64) or int(address) >> 32 == 0):
            # NAT64, and the deprecated IPv4-compatible ::a.b.c.d
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _address_is_private(embedded)
    return not address.is_global or address.is_multicast or address.is_reserved


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


# -- the per-fetch guard: deadline watchdog and address rule ---------------------------

_local = threading.local()


class _PrivatePeer(Exception):
    """A private address where only public ones are allowed: resolved (and not connected
    to), or the peer of a kept-alive connection (``connected``)."""

    def __init__(self, address: str, connected: bool = True) -> None:
        super().__init__(address)
        self.address = address
        self.connected = connected


class _Guard:
    """What one :meth:`Fetcher.fetch` call enforces on every connection it uses.

    A read timeout only bounds the gap between two bytes: a server that sends one byte
    every few seconds — in the TLS handshake, the status line, the headers or the body
    — never trips it. So a timer shuts down every socket the fetch has touched when
    the total deadline passes, and whatever call is blocked on it returns at once.
    Sockets are watched through a duplicate descriptor, so the shutdown reaches the
    connection even after TLS has wrapped the original socket object.

    ``public_only`` is set from the start for a URL found on a public site, or once a
    redirect has come from a public address: from then on every new connection is made
    only to addresses judged public when resolved for it (see
    :class:`_GuardedConnectionMixin`), and a kept-alive connection whose peer is private
    is refused before the request is sent.
    """

    _ids = itertools.count(1)

    def __init__(self, deadline_at: float, is_private: Callable[[str], bool]) -> None:
        self.id = next(self._ids)
        self.is_private = is_private
        self.public_only = False
        self.redirected_public = False  # public_only since a redirect from a public address
        self.peer: str | None = None
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline_at - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def admit(self, conn: urllib3.connection.HTTPConnection, sock: socket.socket) -> None:
        """Check a connection that is about to carry a request, and watch its socket."""
        conn._scraper_guard = self.id  # type: ignore[attr-defined]
        if conn.proxy is None:  # through a proxy the peer is the proxy, not the site
            peer = str(sock.getpeername()[0]).split("%")[0]
            if self.public_only and self.is_private(peer):
                raise _PrivatePeer(peer)
            self.peer = peer
        watched = socket.socket(fileno=os.dup(sock.fileno()))
        with self._lock:
            self._socks.append(watched)
            if self.expired:
                _shutdown(watched)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)

    def __enter__(self) -> _Guard:
        _local.guard = self
        return self

    def __exit__(self, *exc: object) -> None:
        _local.guard = None
        self._timer.cancel()
        with self._lock:
            for sock in self._socks:
                sock.close()
            self._socks.clear()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _SkipInformational(http.client.HTTPResponse):
    """A response that passes over every 1xx interim answer, not only ``100 Continue``.

    http.client skips 100 and returns any other 1xx (``103 Early Hints``) as if it
    were the answer, with no body; the real answer follows on the same connection.
    ``101 Switching Protocols`` is final and is kept.
    """

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 < status < 200 or status == 101:
                return version, status, reason
            while self.fp.readline(65537) not in (b"\r\n", b"\n", b""):  # its headers
                pass


class _GuardedConnectionMixin:
    """Connection behaviour that reports each socket to the current fetch's guard.

    When the fetch may only reach public addresses, the host name is resolved here,
    every address it gives is judged, and the socket connects to those judged
    addresses only: a name cannot resolve to a public address for the check and to a
    private one for the connection (DNS rebinding), and nothing private is connected to.
    """

    _scraper_guard = 0
    sock: socket.socket | None
    response_class: type[http.client.HTTPResponse] = _SkipInformational

    def _new_conn(self) -> socket.socket:
        guard: _Guard | None = getattr(_local, "guard", None)
        if guard is not None and guard.public_only and self.proxy is None:  # type: ignore[attr-defined]
            sock = self._pinned_conn(guard)
        else:
            sock = super()._new_conn()  # type: ignore[misc]
        if guard is not None:
            try:
                guard.admit(self, sock)  # type: ignore[arg-type]
            except BaseException:
                sock.close()
                raise
        return sock

    def request(self, *args: object, **kwargs: object) -> None:
        guard: _Guard | None = getattr(_local, "guard", None)
        if guard is not None and self.sock is not None and self._scraper_guard != guard.id:
            guard.admit(self, self.sock)  # type: ignore[arg-type]  # a kept-alive connection
        super().request(*args, **kwargs)  # type: ignore[misc]

    def _pinned_conn(self, guard: _Guard) -> socket.socket:
        """Resolve, refuse any private address, then connect to the addresses judged."""
        conn: urllib3.connection.HTTPConnection = self  # type: ignore[assignment]
        host = conn._dns_host
        host = host[1:-1] if host.startswith("[") else host
        try:
            infos = socket.getaddrinfo(host, conn.port, urllib3.util.connection.allowed_gai_family(),
                                       socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise urllib3.exceptions.NameResolutionError(conn.host, conn, exc) from exc
        for info in infos:
            address = str(info[4][0])
            if guard.is_private(address.split("%")[0]):
                raise _PrivatePeer(address, connected=False)
        error: OSError | None = None
        for info in infos:
            try:
                return urllib3.util.connection.create_connection(
                    (str(info[4][0]), conn.port), conn.timeout, source_address=conn.source_address,
                    socket_options=conn.socket_options)
            except TimeoutError as exc:
                raise urllib3.exceptions.ConnectTimeoutError(
                    conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})") from exc
            except OSError as exc:
                error = exc
        raise urllib3.exceptions.NewConnectionError(conn, f"Failed to establish a new connection: {error}")


class _GuardedHTTPConnection(_GuardedConnectionMixin, urllib3.connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, urllib3.connection.HTTPSConnection):
    pass


class _GuardedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


_GUARDED_POOLS = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """The default adapter, with connections that obey the current fetch's guard."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = _GUARDED_POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: object) -> urllib3.PoolManager:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _GUARDED_POOLS
        return manager


class Fetcher:
    """Fetch URLs with one shared ``requests.Session`` and one set of rules.

    ``accept`` says what a caller wants: ``"html"`` for article pages (anything else
    is refused as ``not-html``), ``"any"`` for feeds, sitemaps and robots.txt.
    ``deadline`` bounds a whole :meth:`fetch` — every redirect, retry, wait and byte —
    however slowly the server sends (host name lookup excepted: the system resolver
    cannot be interrupted). ``allow_private=False`` refuses redirects from a public
    address to a private one (see :func:`is_private_host`); the first URL itself is
    the caller's choice and is never refused here. ``is_private`` decides what counts
    as private (tests swap in one that treats a chosen loopback address as public).
    ``retries`` is per address requested (each redirect hop has its own): a 429/5xx
    answer, a connection that fails before the answer and a body that breaks off
    (``truncated``, a reset or a read timeout half-way) each use one, with ``backoff``
    doubling between them; none is retried past the deadline.
    ``sleep`` is injectable so callers that pace requests can share one clock.
    A caller-supplied ``session`` keeps its own adapters: the deadline is then
    checked between reads only, and the private-address check uses host names only.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = DEFAULT_TIMEOUT,
        deadline: float = 90.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_retry_after: float = 120.0,
        max_redirects: int = 10,
        allow_private: bool = False,
        is_private: Callable[[str], bool] | None = None,
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
        # Looked up at call time, so the crawler and the tests share one definition.
        self.is_private = is_private or (lambda host: is_private_host(host))
        self.sleep = sleep
        if session is None:
            session = requests.Session()
            session.mount("http://", _GuardedAdapter())
            session.mount("https://", _GuardedAdapter())
        self.session = session
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
        self.session.headers["Accept-Encoding"] = ", ".join(
            c for c in _decodable_codings() if not c.startswith("x-"))

    def close(self) -> None:
        self.session.close()

    @classmethod
    def from_options(cls, options: HttpOptions, **overrides: Any) -> Fetcher:
        """A fetcher with the settings of ``options`` (``overrides`` for the rest)."""
        return cls(**{**options.fetcher_kwargs(), **overrides})

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, accept: str = "html", etag: str | None = None,
              last_modified: str | None = None, headers: Mapping[str, str] | None = None,
              same_site: bool = False, public_only: bool = False) -> Response:
        """Fetch ``url`` following redirects; raise :class:`FetchError` on any failure.

        A 304 answer to a conditional request (``etag``/``last_modified``) is returned
        as a :class:`Response` with ``status == 304`` and an empty body.
        ``same_site=True`` stops at a redirect to another host (``www.`` aside) with a
        ``moved`` error instead of following it: a crawler queues the target under that
        host's robots.txt and delay rather than requesting it unannounced.
        ``public_only=True`` (for a URL found on a public site) refuses, with kind
        ``private-address``, any connection to a private address, from the first request
        on, unless the Fetcher has ``allow_private``.
        """
        url = check_url(url)
        extra = dict(headers or {})
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = last_modified
        started = time.monotonic()
        with _Guard(started + self.deadline, self.is_private) as guard:
            guard.public_only = public_only and not self.allow_private
            return self._fetch(url, accept, extra, started, guard, same_site)

    # -- internals -----------------------------------------------------------------

    def _fetch(self, url: str, accept: str, extra: dict[str, str], started: float,
               guard: _Guard, same_site: bool = False) -> Response:
        attempts: list[Attempt] = []
        redirects: list[str] = []
        seen = {url}
        current = url
        first_try = 0  # tries already spent on ``current`` (a body that broke off counts)
        while True:
            response, tried = self._get_with_retries(current, extra, attempts, url, started, guard, first_try)
            first_try = 0
            if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                response.close()
                if not location:
                    raise _fail(FetchError(url, "http", f"HTTP {response.status_code} without a Location header",
                                           status=response.status_code, attempts=attempts, final_url=current))
                target = urljoin(current, location.strip())
                try:
                    check_url(target)
                except FetchError as exc:
                    raise _fail(FetchError(url, exc.kind, f"redirect to {target}: {exc.message}",
                                           attempts=attempts, final_url=current)) from None
                if target in seen:
                    raise _fail(FetchError(url, "redirect-loop", f"redirect loop at {target}",
                                           status=response.status_code, attempts=attempts, final_url=current))
                if len(redirects) >= self.max_redirects:
                    raise _fail(FetchError(url, "too-many-redirects",
                                           f"more than {self.max_redirects} redirects",
                                           status=response.status_code, attempts=attempts, final_url=current))
                if not self.allow_private:
                    self._check_redirect_target(url, current, target, attempts, guard)
                if same_site and _site_host(target) != _site_host(current):
                    raise FetchError(url, "moved", f"moved to {target}", status=response.status_code,
                                     attempts=attempts, final_url=target)
                seen.add(target)
                redirects.append(target)
                current = target
                continue
            status = response.status_code
            resp_headers = dict(response.headers)
            if status == 304:
                response.close()
                if not ({"If-None-Match", "If-Modified-Since"} & set(extra)):
                    # "not modified" since nothing: no page, and nothing to keep
                    raise _fail(FetchError(url, "http", "HTTP 304 Not Modified to a request that was not "
                                           "conditional", status=status, attempts=attempts, final_url=current))
                return Response(url, current, 304, resp_headers, b"", _now(), redirects, attempts,
                                time.monotonic() - started)
            if status >= 400:
                response.close()
                raise _fail(FetchError(url, "http", f"HTTP {status} {response.reason or ''}".strip(),
                                       status=status, attempts=attempts, final_url=current))
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if accept == "html" and content_type and content_type not in HTML_TYPES:
                response.close()
                raise _fail(FetchError(url, "not-html", f"not an HTML page (Content-Type: {content_type})",
                                       status=status, attempts=attempts, final_url=current))
            try:
                content = self._read_body(response, url, attempts, started, guard)
            except FetchError as exc:
                wait = self._body_retry_wait(exc, tried, started, guard)
                if wait is None:
                    raise
                self.sleep(wait)
                first_try = tried + 1
                continue  # the same URL again, from the start of the body
            if accept == "html":
                if not content.strip():
                    raise _fail(FetchError(url, "empty", "empty response body", status=status,
                                           attempts=attempts, final_url=current))
                if looks_binary(content[:2048], charset_of(resp_headers)):
                    raise _fail(FetchError(url, "not-html", "binary content labelled as HTML",
                                           status=status, attempts=attempts, final_url=current))
            return Response(url, current, status, resp_headers, content, _now(), redirects, attempts,
                            time.monotonic() - started)

    def _check_redirect_target(self, origin: str, current: str, target: str,
                               attempts: list[Attempt], guard: _Guard) -> None:
        """Refuse a hop from a public address to a private one before it is requested.

        The source is judged by the address the page actually came from when known,
        the target by its name (resolved); the connection itself is checked again
        once open, in case the name resolves differently the second time.
        """
        source_host = urlsplit(current).hostname or ""
        target_host = _connect_host_or(target) or urlsplit(target).hostname or ""
        if not guard.public_only and self.is_private(guard.peer or _connect_host_or(current)):
            return
        if self.is_private(_connect_host_or(target)):
            raise _fail(FetchError(origin, "private-address",
                                   f"refused redirect from public {source_host} to private address {target_host} "
                                   "(use --allow-private to permit)", attempts=attempts, final_url=current))
        if not guard.public_only:
            guard.public_only = guard.redirected_public = True

    def _proxied(self, url: str) -> bool:
        """Would this session send ``url`` through a proxy (its own or the environment's)?"""
        proxies = dict(self.session.proxies)
        if self.session.trust_env and not requests.utils.should_bypass_proxies(url, proxies.get("no_proxy")):
            proxies = {**requests.utils.get_environ_proxies(url, proxies.get("no_proxy")), **proxies}
        return bool(requests.utils.select_proxy(url, proxies))

    def _body_retry_wait(self, error: FetchError, tried: int, started: float, guard: _Guard) -> float | None:
        """Seconds to wait before asking again for a body that broke off; None to give up.

        Only breaks that a second request can mend are retried, from the same budget as
        failures before the answer (``retries`` per URL), and only when the wait still
        ends before the deadline.
        """
        if error.kind not in BODY_RETRY_KINDS or tried >= self.retries or guard.expired:
            return None
        wait = self.backoff * (2 ** tried)
        if time.monotonic() + wait >= started + self.deadline:
            return None
        return wait

    def _get_with_retries(self, url: str, headers: dict[str, str], attempts: list[Attempt],
                          origin: str, started: float, guard: _Guard,
                          first_try: int = 0) -> tuple[requests.Response, int]:
        """GET ``url`` (no redirects followed), retrying what is worth retrying; returns the
        response and the number of the try that got it (``first_try`` tries were spent before)."""
        deadline_at = started + self.deadline
        for attempt_no in range(first_try, self.retries + 1):
            left = deadline_at - time.monotonic()
            if left <= 0 or guard.expired:
                raise _fail(FetchError(origin, "deadline",
                                       f"gave up after {self.deadline:g}s (total deadline) before requesting {url}",
                                       attempts=attempts, final_url=url))
            attempt = Attempt(url=url, started_at=_now())
            attempts.append(attempt)
            if guard.public_only and self._proxied(url):
                # the proxy connects, so no peer of ours can be checked: judge the name here
                # (the proxy may still resolve it differently; README "Safety" says so)
                host = _connect_host_or(url)
                if self.is_private(host):
                    raise _fail(FetchError(origin, "private-address",
                                           f"refused: {host} is a private address and this URL was found on "
                                           "a public site (use --allow-private to permit)",
                                           attempts=attempts, final_url=url))
            t0 = time.monotonic()
            timeout = (min(self.timeout[0], left), min(self.timeout[1], left))
            try:
                response = self.session.get(url, headers=headers, timeout=timeout,
                                            allow_redirects=False, stream=True)
            except _PrivatePeer as exc:
                attempt.elapsed = time.monotonic() - t0
                host = _connect_host_or(url)
                why = "after a redirect from a public address" if guard.redirected_public else \
                    "and this URL was found on a public site"
                verb = "connected to" if exc.connected else "resolves to"
                raise _fail(FetchError(origin, "private-address",
                                       f"refused: {host} {verb} private address {exc.address} {why} "
                                       "(use --allow-private to permit)",
                                       attempts=attempts, final_url=url)) from None
            except requests.exceptions.RequestException as exc:
                attempt.elapsed = time.monotonic() - t0
                if guard.expired or time.monotonic() >= deadline_at:
                    raise _fail(FetchError(origin, "deadline",
                                           f"gave up after {self.deadline:g}s (total deadline) waiting for "
                                           "the response", attempts=attempts, final_url=url)) from None
                kind, message = _describe(exc)
                attempt.error = f"{kind}: {message}"
                wait = self.backoff * (2 ** attempt_no)
                if kind in ("connection", "timeout") and attempt_no < self.retries \
                        and time.monotonic() + wait < deadline_at:
                    self.sleep(wait)
                    continue
                raise FetchError(origin, kind, message, attempts=attempts, final_url=url) from None
            attempt.elapsed = time.monotonic() - t0
            attempt.status = response.status_code
            if guard.expired:  # headers cut short by the watchdog can still parse
                response.close()
                raise _fail(FetchError(origin, "deadline",
                                       f"gave up after {self.deadline:g}s (total deadline) waiting for "
                                       "the response headers", attempts=attempts, final_url=url))
            if response.status_code in RETRY_STATUSES and attempt_no < self.retries:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                response.close()
                attempt.error = f"http: HTTP {response.status_code}"
                wait = self.backoff * (2 ** attempt_no) if retry_after is None else retry_after
                if retry_after is not None and retry_after > self.max_retry_after:
                    raise FetchError(origin, "http",
                                     f"HTTP {response.status_code}, Retry-After {wait:.0f}s is over the "
                                     f"{self.max_retry_after:.0f}s limit", status=response.status_code,
                                     attempts=attempts, final_url=url)
                if time.monotonic() + wait >= deadline_at:
                    raise FetchError(origin, "http",
                                     f"HTTP {response.status_code}, and waiting {wait:.0f}s to retry would pass "
                                     f"the {self.deadline:g}s deadline", status=response.status_code,
                                     attempts=attempts, final_url=url)
                self.sleep(wait)
                continue
            return response, attempt_no
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_body(self, response: requests.Response, origin: str, attempts: list[Attempt],
                   started: float, guard: _Guard) -> bytes:
        def failure(kind: str, message: str) -> FetchError:
            response.close()
            if attempts:
                attempts[-1].elapsed = time.monotonic() - attempt_started
            return _fail(FetchError(origin, kind, message, status=response.status_code,
                                    attempts=attempts, final_url=response.url))

        attempt_started = time.monotonic() - (attempts[-1].elapsed if attempts else 0.0)
        codings = [c.strip().lower() for c in (response.headers.get("Content-Encoding") or "").split(",")
                   if c.strip()]
        unknown = [c for c in codings if c not in _decodable_codings() and c != "identity"]
        if unknown:
            raise failure("content-encoding",
                          f"cannot decode Content-Encoding {', '.join(unknown)} (body not read)")
        if len(codings) > 3:
            raise failure("content-encoding",
                          f"{len(codings)} stacked Content-Encodings (body not read)")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes and not codings:
            raise failure("too-large",
                          f"body of {int(declared)} bytes is over the {self.max_bytes}-byte limit (not read)")
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                if guard.expired or time.monotonic() - started > self.deadline:
                    raise failure("deadline", f"gave up after {self.deadline:g}s (total deadline) "
                                              f"with {size} bytes of the body read")
                # read1 returns as soon as some bytes arrive, and (urllib3 >= 2.6) never
                # inflates more than it is asked for, so a decompression bomb is cut off
                # at the cap having cost no more than the cap in memory.
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise failure("too-large",
                                  f"body over the {self.max_bytes}-byte limit: stopped reading at {size} bytes")
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError) as exc:
            if guard.expired:
                raise failure("deadline", f"gave up after {self.deadline:g}s (total deadline) "
                                          f"with {size} bytes of the body read") from None
            kind, message = _describe(exc)
            raise failure(kind, f"while reading the body ({size} bytes in): {message}") from None
        finally:
            response.close()
        if guard.expired:  # the watchdog's shutdown reads as a clean end of the body
            raise failure("deadline", f"gave up after {self.deadline:g}s (total deadline) "
                                      f"with {size} bytes of the body read")
        if attempts:
            attempts[-1].elapsed = time.monotonic() - attempt_started
        return b"".join(chunks)


def _fail(error: FetchError) -> FetchError:
    """Record ``error`` on the last attempt (if it has none yet) and return it to raise."""
    if error.attempts and error.attempts[-1].error is None:
        error.attempts[-1].error = f"{error.kind}: {error.message}"
    return error


def _decodable_codings() -> list[str]:
    """The Content-Encodings urllib3 can undo here (brotli and zstd only when installed)."""
    return list(urllib3.response.HTTPResponse.CONTENT_DECODERS)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps (requests and urllib3 nest the real error deeply)."""
    found: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if any(current is f for f in found):
            continue
        found.append(current)
        nested = [getattr(current, "reason", None), current.__cause__, current.__context__,
                  *current.args]
        todo.extend(e for e in nested if isinstance(e, BaseException))
    return found


def _describe(exc: BaseException) -> tuple[str, str]:
    """Map a requests/urllib3 exception to a (kind, one-line message) pair."""
    causes = _causes(exc)

    def first(*types: type[BaseException]) -> BaseException | None:
        return next((e for e in causes if isinstance(e, types)), None)

    verify = first(ssl.SSLCertVerificationError)
    if verify is not None:
        detail = getattr(verify, "verify_message", None) or _short(str(verify))
        return "tls", f"TLS certificate not accepted: {detail}"
    tls = first(ssl.SSLError, urllib3.exceptions.SSLError, requests.exceptions.SSLError)
    if tls is not None:
        inner = first(ssl.SSLError)
        detail = (getattr(inner, "reason", None) or getattr(inner, "strerror", None) or str(inner)) \
            if inner is not None else str(tls)
        return "tls", f"TLS handshake failed: {_short(str(detail)).replace('_', ' ').lower()}"
    if first(socket.gaierror, urllib3.exceptions.NameResolutionError) is not None:
        return "dns", "host name could not be resolved"
    if first(urllib3.exceptions.ConnectTimeoutError, requests.exceptions.ConnectTimeout) is not None:
        return "timeout", "timed out connecting"
    if first(requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, socket.timeout) is not None:
        return "timeout", "timed out waiting for data"
    incomplete = first(urllib3.exceptions.IncompleteRead, http.client.IncompleteRead)
    if incomplete is not None:
        expected = incomplete.args[1] if len(incomplete.args) > 1 else None
        if isinstance(expected, int) and expected > 0:
            return "truncated", f"connection closed {expected} bytes short of the promised length"
        return "truncated", "connection closed before the end of the body"
    if first(ConnectionRefusedError) is not None:
        return "connection", "connection refused"
    if first(http.client.RemoteDisconnected) is not None:
        return "connection", "the server closed the connection without answering"
    if first(ConnectionResetError) is not None:
        return "connection", "connection reset by the server"
    if first(urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError) is not None:
        return "content-encoding", f"body could not be decompressed: {_short(str(exc), 100)}"
    if isinstance(exc, requests.exceptions.InvalidURL):
        return "invalid-url", _short(str(exc))
    if first(urllib3.exceptions.ProtocolError, requests.exceptions.ChunkedEncodingError) is not None:
        return "connection", f"connection broken: {_short(str(exc))}"
    return "connection", _short(str(exc))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fetch(url: str, **options: object) -> Response:
    """Fetch one page with a throw-away :class:`Fetcher` (``options`` go to its constructor)."""
    accept = str(options.pop("accept", "html"))
    with Fetcher(**options) as fetcher:  # type: ignore[arg-type]
        return fetcher.fetch(url, accept=accept)
