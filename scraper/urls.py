"""URL normalisation: one address per page, so nothing is fetched or stored twice."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = ["normalize_url", "site_of", "origin_of", "site_key", "url_matcher", "TRACKING_PARAMS",
           "Capture", "web_archive_capture"]

# Query parameters that only say where a click came from, never which page it is.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "_ga", "_gl", "igshid", "ocid", "cmpid", "smid", "sr_share", "ref_src", "ref_url",
    "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "spm", "scid", "__twitter_impression",
    "ns_source", "ns_mchannel", "ns_campaign", "ns_linkname", "ns_fee", "at_medium", "at_campaign",
    "cmp", "CMP", "ito", "rss", "feedType", "utm",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MULTI_SLASH = re.compile(r"/{2,}")


def _is_tracking(key: str) -> bool:
    lower = key.lower()
    return lower.startswith(("utm_", "pk_", "mtm_", "hsa_", "__hs")) or lower in TRACKING_PARAMS


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: ``/a/./b/../c`` is ``/a/c``."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if segment == ".":
            if i == len(segments) - 1:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if i == len(segments) - 1:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)


def normalize_url(url: str) -> str:
    """Canonical form of ``url`` for comparison and storage.

    Lower-cases scheme and host, drops default ports, the fragment, tracking
    parameters (``utm_*``, ``fbclid``…), duplicate slashes and ``.``/``..`` segments in
    the path; sorts nothing else, because query order can matter to a server.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return url
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if parts.username:
        userinfo = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{userinfo}@{netloc}"
    path = _remove_dot_segments(_MULTI_SLASH.sub("/", parts.path)) or "/"
    path = quote(path, safe="/:@!$&'()*+,;=~%-._")
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(query_pairs, doseq=True) if query_pairs else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def site_of(url: str | None) -> str | None:
    """The host of ``url`` without ``www.``, the unit researchers filter by."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else (host or None)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased, default port dropped.

    The unit of politeness: robots.txt, the per-host delay and the one-request-at-a-time
    rule all apply per origin (RFC 9309 scopes robots.txt to scheme, host and port).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host if ":" not in host else f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def site_key(url: str) -> str:
    """Host without ``www.`` plus any non-default port: what "the same site" means for
    ``--follow`` and ``--max-pages-per-site`` (scheme-agnostic, so http and https agree)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port not in (80, 443):
        return f"{host}:{port}"
    return host


def _glob_to_regex(pattern: str) -> str:
    out = []
    for char in pattern:
        out.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
    return "".join(out)


def url_matcher(patterns: Iterable[str]) -> Callable[[str], bool] | None:
    """A predicate that is true when a URL matches any of ``patterns`` (None for no patterns).

    A pattern starting with ``re:`` is a regular expression searched anywhere in the
    URL. Anything else is a glob (``*`` any run of characters, ``?`` one) matched
    against the whole URL when it contains ``://``, else against the path and query
    (``/news/*``, ``*/2024/*``).
    """
    compiled: list[tuple[re.Pattern[str], str]] = []
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern.startswith("re:"):
            compiled.append((re.compile(pattern[3:]), "search"))
        else:
            compiled.append((re.compile(_glob_to_regex(pattern) + r"\Z"), "url" if "://" in pattern else "path"))
    if not compiled:
        return None

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        for regex, mode in compiled:
            if mode == "search":
                found = regex.search(url)
            else:
                found = regex.match(url if mode == "url" else local)
            if found:
                return True
        return False

    return matches


# -- copies from web archives -----------------------------------------------------------

# Archives that serve a capture at <host>/<prefix>/<stamp>[modifier]/<original URL>, the
# Wayback Machine's scheme, followed by most others. A 14-digit stamp after a path
# prefix is proof enough on any host; a shorter one (archive.today's 8 digits) only on
# these hosts.
WEB_ARCHIVE_HOSTS = frozenset({
    "web.archive.org", "wayback.archive.org", "webarchive.org.uk", "www.webarchive.org.uk",
    "arquivo.pt", "wayback.archive-it.org", "webarchive.loc.gov", "archive.ph", "archive.today",
    "archive.is", "archive.li", "archive.vn", "archive.md", "webarchive.nationalarchives.gov.uk",
    "wayback.vefsafn.is", "webarchive.nla.gov.au", "web.archive.bibalex.org",
})
_CAPTURE_PATH = re.compile(r"^/(?:[^/]+/){0,3}?(\d{8,14})(?:[a-z]{2}_|\*)?/+(.+)$")
_HOSTLIKE = re.compile(r"^(?:https?:/+)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Capture:
    """A page as a web archive serves it: the address it had and when it was captured."""

    original: str
    captured: datetime


def web_archive_capture(url: str | None) -> Capture | None:
    """The original address and capture time of a web-archive URL, or None.

    ``https://web.archive.org/web/20160820205919/http://example.com/a?b=1`` is
    ``Capture("http://example.com/a?b=1", 2016-08-20 20:59:19 UTC)``.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    match = _CAPTURE_PATH.match(parts.path)
    if match is None:
        return None
    stamp, rest = match.groups()
    if len(stamp) < 14 and host not in WEB_ARCHIVE_HOSTS:
        return None
    if not _HOSTLIKE.match(rest):
        return None
    stamp = stamp.ljust(14, "0")
    try:
        captured = datetime(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[8:10]),
                            int(stamp[10:12]), int(stamp[12:14]), tzinfo=timezone.utc)
    except ValueError:
        return None
    scheme = re.match(r"^(https?):/+", rest, re.IGNORECASE)
    original = f"{scheme.group(1).lower()}://{rest[scheme.end():]}" if scheme else f"http://{rest}"
    if parts.query:
        original += f"?{parts.query}"
    return Capture(original, captured)
