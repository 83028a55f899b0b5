"""URL normalisation: one address per page, so nothing is fetched or stored twice."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = ["normalize_url", "site_of", "TRACKING_PARAMS"]

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


def normalize_url(url: str) -> str:
    """Canonical form of ``url`` for comparison and storage.

    Lower-cases scheme and host, drops default ports, the fragment, tracking
    parameters (``utm_*``, ``fbclid``…), and duplicate slashes in the path; sorts
    nothing else, because query order can matter to a server.
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
    path = _MULTI_SLASH.sub("/", parts.path) or "/"
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
