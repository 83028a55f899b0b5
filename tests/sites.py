"""A local multi-host web site for crawl tests and the crawl benchmark.

Each :class:`Host` is a real ``ThreadingHTTPServer`` on its own port of 127.0.0.1 (or
another loopback address), serving fixed or generated routes: robots.txt, feeds,
sitemaps (gzipped too), section pages, articles with ETag/Last-Modified (so a
conditional GET gets a 304), redirects, errors, 429 with Retry-After, slow pages.
Every request is logged with its start and end time, so tests can prove what was
(and was not) requested, and how far apart.

A :class:`Gate` holds the requests of the routes given it until the test releases it:
a test then knows that a page is in flight (``gate.wait_arrivals(n)``) and decides when
it ends, instead of hoping that a slow answer is slow enough on a busy machine.

A :class:`FaultPlan` makes the site unreliable on purpose: a share of requests, drawn
per request from a seed, is answered with a connection reset, a 500, a body that
stalls past the client's deadline or a body cut short. The log says which request got
which fault and which were served whole, so a test can compare it with the archive.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import random
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FAULTS", "FaultPlan", "Gate", "Hit", "Host", "LocalSite", "Route", "article_html", "atom_feed",
           "json_feed", "rss_feed", "section_html", "sitemap_index", "urlset"]

FAULTS = ("reset", "500", "stall", "truncated")


@dataclass
class Hit:
    """One request as the server saw it."""

    host: str
    method: str
    path: str
    headers: dict[str, str]
    start: float
    end: float = 0.0
    status: int = 0
    fault: str | None = None  # what the FaultPlan did to this request, if anything
    whole: bool = False       # the response, body included, was sent completely


@dataclass
class Route:
    """What a path answers. ``statuses`` are answered first, one per request (e.g. a 429
    then the page); ``etag`` turns on conditional GET (304 on a match)."""

    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    statuses: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    conditional: bool = True
    hold: Gate | None = None  # answer only once this gate is released


class Gate:
    """Requests that wait for the test: each one that reaches a held route is counted,
    then waits until :meth:`release` (or until the site closes, when it is dropped).

    Tests synchronise on these events, never on the clock: ``wait_arrivals(n)`` returns
    once n requests are held, so "a page is in flight" is a fact, not a guess.
    """

    def __init__(self) -> None:
        self.arrived = 0
        self._open = threading.Event()
        self._changed = threading.Condition()

    def enter(self, closing: threading.Event) -> bool:
        """Called by the server for a held request: True once released, False if the site closed."""
        with self._changed:
            self.arrived += 1
            self._changed.notify_all()
        while not self._open.wait(0.05):
            if closing.is_set():
                return False
        return True

    def wait_arrivals(self, count: int, limit: float = 120.0) -> None:
        """Return once ``count`` requests have reached the gate (``limit`` only bounds a broken test)."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.arrived >= count, limit), \
                f"only {self.arrived} of {count} requests reached the gate"

    def release(self) -> None:
        """Let every held request (and every later one) be answered."""
        self._open.set()

    @property
    def released(self) -> bool:
        return self._open.is_set()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        host = self.server.owner
        hit = Hit(host.name, "GET", self.path, {k.lower(): v for k, v in self.headers.items()}, time.time())
        plan = host.site.faults
        hit.fault = plan.decide(self.path) if plan is not None else None
        host.site._record(hit)
        try:
            self._answer(host, hit)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            hit.end = time.time()

    def _answer(self, host: Host, hit: Hit) -> None:
        path = urlsplit(self.path).path
        route = host.routes.get(self.path) or host.routes.get(path)
        if route is None and host.fallback is not None:
            route = host.fallback(self.path)
        if route is None:
            self._send(hit, 404, b"<html><body>not found</body></html>", "text/html", {})
            return
        if route.hold is not None and not route.hold.enter(host.site.closing):
            self.close_connection = True
            return
        if route.delay:
            time.sleep(route.delay)
        if route.statuses:
            status, extra = route.statuses.pop(0)
            self._send(hit, status, f"<html><body>{status}</body></html>".encode(), "text/html", extra)
            return
        body = route.body() if callable(route.body) else route.body
        if hit.fault is not None:
            self._fault(hit, body, route.content_type, host.site.faults)  # type: ignore[arg-type]
            return
        headers = dict(route.headers)
        if route.status == 200 and route.conditional:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers.setdefault("ETag", etag)
            headers.setdefault("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
            if self.headers.get("If-None-Match") == headers["ETag"]:
                self._send(hit, 304, b"", None, headers)
                return
        self._send(hit, route.status, body, route.content_type, headers)

    def _send(self, hit: Hit, status: int, body: bytes, content_type: str | None, headers: dict[str, str]) -> None:
        hit.status = status
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
        hit.whole = True

    def _fault(self, hit: Hit, body: bytes, content_type: str, plan: FaultPlan) -> None:
        """Fail this request the way ``hit.fault`` says; the connection is not reused."""
        self.close_connection = True
        if hit.fault == "reset":  # a TCP RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if hit.fault == "500":
            self._send(hit, 500, b"<html><body>Internal Server Error</body></html>", "text/html", {})
            return
        hit.status = 200
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        half = len(body) // 2
        self.wfile.write(body[:half])
        if hit.fault == "stall":  # the rest a byte at a time, until the client gives up
            end = time.monotonic() + plan.stall_limit
            for i in range(half, len(body) - 1):
                if time.monotonic() > end or self.server.owner.site.closing.is_set():
                    return
                self.wfile.write(body[i:i + 1])
                time.sleep(plan.stall_interval)
        # "truncated": the connection closes here, half the promised bytes short


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    owner: Host

    def verify_request(self, request: object, client_address: object) -> bool:
        self.owner.connections.append(client_address)  # every TCP connection, request or not
        return True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (or is killed) is part of these tests: no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class Host:
    """One origin of the site: a server on its own port."""

    def __init__(self, site: LocalSite, name: str, address: str = "127.0.0.1") -> None:
        self.site = site
        self.name = name
        self.routes: dict[str, Route] = {}
        self.fallback: Callable[[str], Route | None] | None = None
        self.connections: list[object] = []  # client addresses of every connection accepted
        self.server = _Server((address, 0), _Handler)
        self.server.owner = self
        self.address = address
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True, name=f"site-{name}")
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str | Callable[[], bytes] = b"", **options: object) -> Route:
        if isinstance(body, str):
            body = body.encode("utf-8")
        route = Route(body=body, **options)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def close(self) -> None:
        """Stop serving. Connections still waiting in the listen queue (made, never accepted)
        are accepted and counted in :attr:`connections` first, so nothing a client connected
        escapes the record."""
        if self.server.socket.fileno() < 0:
            return  # closed already
        self.server.shutdown()
        listener = self.server.socket
        listener.setblocking(False)
        while True:
            try:
                sock, address = listener.accept()
            except OSError:
                break
            self.connections.append(address)
            sock.close()
        self.server.server_close()


class FaultPlan:
    """Which requests fail, and how: ``rate`` of them, each with one of ``kinds``.

    The draw for a request depends only on the seed, its path and how many times that
    path was asked for before, never on which thread got there first: the same crawl
    meets the same faults on every run, yet each retry of a page is a fresh draw.
    ``applies(path)`` limits the faults to some paths (article pages, say).
    """

    def __init__(self, seed: int | str, rate: float = 0.2, kinds: Iterable[str] = FAULTS, *,
                 applies: Callable[[str], bool] = lambda path: True, stall_interval: float = 0.2,
                 stall_limit: float = 10.0) -> None:
        self.seed = seed
        self.rate = rate
        self.kinds = tuple(kinds)
        self.applies = applies
        self.stall_interval = stall_interval  # under the client's read timeout: only its deadline stops it
        self.stall_limit = stall_limit
        self.enabled = True
        self._asked: Counter[str] = Counter()
        self._lock = threading.Lock()

    def decide(self, path: str) -> str | None:
        """The fault for this request of ``path`` (None: answer it properly)."""
        with self._lock:
            nth = self._asked[path]
            self._asked[path] += 1
        if not self.enabled or not self.applies(path):
            return None
        rng = random.Random(f"{self.seed}:{path}:{nth}")
        return rng.choice(self.kinds) if rng.random() < self.rate else None


class LocalSite:
    """Several hosts and one request log; ``faults`` makes them fail some requests."""

    def __init__(self, faults: FaultPlan | None = None) -> None:
        self.hosts: dict[str, Host] = {}
        self.log: list[Hit] = []
        self.faults = faults
        self.closing = threading.Event()
        self._lock = threading.Lock()

    def host(self, name: str, address: str = "127.0.0.1") -> Host:
        host = self.hosts[name] = Host(self, name, address)
        return host

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.log.append(hit)

    def hits(self, host: str | None = None, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.log if (host is None or h.host == host) and (path is None or h.path == path)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def close(self) -> None:
        self.closing.set()
        for host in self.hosts.values():
            host.close()

    def __enter__(self) -> LocalSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- content -----------------------------------------------------------------------------

_TEXT = ("the council said on tuesday that the new budget would fund schools roads and clinics across "
          "the region while critics argued that the plan left rural districts behind and offered little "
          "detail about how the money would be raised over the coming years officials promised a review "
          "residents gathered outside the hall to hear the vote which passed by a narrow margin after hours "
          "of debate about taxes transport housing water and the future of the old harbour")
_WORDS = _TEXT.split()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraphs(seed: str, count: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(_sentence(rng, rng.randint(12, 24)) for _ in range(rng.randint(3, 5))) for _ in range(count)]


@contextmanager
def public_and_private_hosts(monkeypatch: Any) -> Iterator[tuple[LocalSite, Host, Host]]:
    """Two hosts: 127.0.0.2 plays a public site (its address is classed as public for
    the test), 127.0.0.1 is private, as it really is. Yields (site, public, private)."""
    import scraper.fetching

    real = scraper.fetching.is_private_host
    monkeypatch.setattr(scraper.fetching, "is_private_host", lambda host: host != "127.0.0.2" and real(host))
    with LocalSite() as site:
        yield site, site.host("public", "127.0.0.2"), site.host("private", "127.0.0.1")


def article_html(title: str, *, published: str = "2024-05-01T08:00:00Z", paragraphs: int = 6,
                 seed: str | None = None, canonical: str | None = None, links: Iterable[str] = (),
                 size: int | None = None, body: list[str] | None = None) -> bytes:
    """A news article page: JSON-LD, navigation, the story, related links, comments, scripts.

    ``size`` pads the page with realistic clutter (menus, teasers, inline scripts) to
    about that many bytes; the story itself stays the same.
    """
    seed = seed or title
    texts = body if body is not None else _paragraphs(seed, paragraphs)
    story = "\n".join(f"<p>{html.escape(p)}</p>" for p in texts)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": published, "author": {"@type": "Person", "name": "A. Reporter"}})
    link_items = "\n".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in links)
    head_canonical = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="{published}">
{head_canonical}
<script type="application/ld+json">{ld}</script>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news/">News</a></li><li><a href="/about">About</a></li></ul></nav></header>
<main><article><h1>{html.escape(title)}</h1><p class="byline">By A. Reporter</p>
{story}
</article>
<aside class="related"><h2>Related</h2><ul>{link_items}</ul></aside>
</main>
<!--PAD-->
<footer><p>Copyright 2024 Example News. All rights reserved.</p></footer>
</body></html>
"""
    if size:
        page = page.replace("<!--PAD-->", _padding(seed, size - len(page)))
    return page.encode("utf-8")


def _padding(seed: str, room: int) -> str:
    """Teasers, menus and scripts of the kind real article pages carry around the story."""
    rng = random.Random(seed + "pad")
    parts: list[str] = []
    used = 0
    n = 0
    while used < room:
        n += 1
        kind = n % 3
        if kind == 0:
            chunk = (f'<div class="teaser"><a href="/news/teaser-{n}"><img src="/img/{n}.jpg" alt="">'
                     f"<h3>{_sentence(rng, 8)}</h3></a><p>{_sentence(rng, 20)}</p></div>\n")
        elif kind == 1:
            data = json.dumps({"event": f"slot{n}", "id": rng.randint(1, 10**9),
                               "tags": [rng.choice(_WORDS) for _ in range(8)]})
            chunk = f"<script>window.dataLayer=window.dataLayer||[];dataLayer.push({data});</script>\n"
        else:
            items = "".join(f'<li><a href="/section/{rng.choice(_WORDS)}-{i}">{rng.choice(_WORDS).title()}</a></li>'
                            for i in range(10))
            chunk = f'<ul class="menu">{items}</ul>\n'
        parts.append(chunk)
        used += len(chunk)
    return "".join(parts)


def section_html(title: str, links: Iterable[tuple[str, str]], extra_head: str = "") -> bytes:
    """A section (listing) page linking to articles."""
    items = "\n".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a></li>' for u, t in links)
    return f"""<!DOCTYPE html><html><head><title>{html.escape(title)}</title>{extra_head}</head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav><h1>{html.escape(title)}</h1>
<ul>{items}</ul></body></html>""".encode()


def rss_feed(items: Iterable[tuple[str, str]], title: str = "Feed") -> bytes:
    """RSS 2.0 with (url, RFC 822 date) items."""
    body = "".join(f"<item><title>t</title><link>{html.escape(u)}</link><pubDate>{d}</pubDate></item>"
                   for u, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"{body}</channel></rss>").encode()


def atom_feed(items: Iterable[tuple[str, str]]) -> bytes:
    """Atom with (url, ISO date) entries."""
    body = "".join(f'<entry><title>t</title><link rel="alternate" href="{html.escape(u)}"/>'
                   f"<id>{html.escape(u)}</id><updated>{d}</updated></entry>" for u, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>A</title>{body}</feed>").encode()


def json_feed(items: Iterable[tuple[str, str]]) -> bytes:
    """JSON Feed 1.1 with (url, ISO date) items."""
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                       "items": [{"id": u, "url": u, "date_published": d} for u, d in items]}).encode()


def urlset(items: Iterable[tuple[str, str | None]], news: bool = False) -> bytes:
    """A sitemap urlset; with ``news`` the dates go in news:publication_date."""
    rows = []
    for url, date in items:
        if news:
            extra = (f"<news:news><news:publication><news:name>N</news:name><news:language>en</news:language>"
                     f"</news:publication><news:publication_date>{date}</news:publication_date>"
                     f"<news:title>t</news:title></news:news>") if date else ""
        else:
            extra = f"<lastmod>{date}</lastmod>" if date else ""
        rows.append(f"<url><loc>{html.escape(url)}</loc>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            f'{ns}>{"".join(rows)}</urlset>').encode()


def sitemap_index(children: Iterable[tuple[str, str | None]]) -> bytes:
    rows = "".join(f"<sitemap><loc>{html.escape(u)}</loc>" + (f"<lastmod>{d}</lastmod>" if d else "")
                   + "</sitemap>" for u, d in children)
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>').encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
