"""robots.txt: what a host lets us fetch, how slowly, and which sitemaps it offers.

Parsing is protego's (user-agent groups, ``*`` and ``$`` wildcards, Allow/Disallow
precedence, Crawl-delay, Sitemap lines). This module adds the fetch policy of
RFC 9309: a missing robots.txt (any 4xx) allows everything; a server error or an
unreachable host means we must assume everything is disallowed for now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

__all__ = ["MAX_CRAWL_DELAY", "MAX_ROBOTS_BYTES", "RobotsRules", "product_token"]

# RFC 9309 asks crawlers to parse at least 500 KiB; anything past that is ignored.
MAX_ROBOTS_BYTES = 512 * 1024
# The longest Crawl-delay a crawl waits for; a host asking for more is left for the next run.
MAX_CRAWL_DELAY = 60.0


def product_token(user_agent: str) -> str:
    """The name robots.txt groups match against: ``scraper`` in ``scraper/0.1 (+https://…)``."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token or user_agent


@dataclass
class RobotsRules:
    """The rules of one host (scheme, host and port), ready to ask ``allowed(url)``.

    ``state`` says where they came from: ``parsed`` (a robots.txt was read),
    ``missing`` (4xx but 429: everything allowed) or ``unreachable`` (5xx, 429 or a
    network error: everything disallowed, per RFC 9309).
    """

    state: str
    user_agent: str
    text: str = ""
    reason: str = ""
    _parser: Protego | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_text(cls, text: str, user_agent: str) -> RobotsRules:
        """Rules parsed from a robots.txt body (first 512 KiB; a byte-order mark would hide
        the first line)."""
        text = text[:MAX_ROBOTS_BYTES].lstrip("\ufeff")
        return cls("parsed", user_agent, text, _parser=Protego.parse(text))

    @classmethod
    def missing(cls, user_agent: str, reason: str = "") -> RobotsRules:
        """No robots.txt: everything is allowed."""
        return cls("missing", user_agent, reason=reason)

    @classmethod
    def unreachable(cls, user_agent: str, reason: str) -> RobotsRules:
        """robots.txt could not be read: nothing is allowed for now."""
        return cls("unreachable", user_agent, reason=reason)

    @classmethod
    def from_status(cls, status: int | None, text: str, user_agent: str, error: str = "") -> RobotsRules:
        """Apply RFC 9309 to a robots.txt answer: 2xx parsed, 4xx allow all, else disallow all.

        429 Too Many Requests is no "missing" robots.txt but a server asking us to slow
        down: like a 5xx, nothing is fetched from the host this run."""
        if status is not None and 200 <= status < 300:
            return cls.from_text(text, user_agent)
        if status is not None and 400 <= status < 500 and status != 429:
            return cls.missing(user_agent, f"HTTP {status}")
        return cls.unreachable(user_agent, error or (f"HTTP {status}" if status else "unreachable"))

    def allowed(self, url: str) -> bool:
        """May ``url`` be fetched by our user agent?"""
        if self.state == "unreachable":
            return False
        if self._parser is None:
            return True
        return bool(self._parser.can_fetch(url, self.user_agent))

    @property
    def crawl_delay(self) -> float | None:
        """The Crawl-delay of our group (or ``*``), in seconds."""
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None

    @property
    def sitemaps(self) -> list[str]:
        """The ``Sitemap:`` URLs listed in the file."""
        return list(self._parser.sitemaps) if self._parser is not None else []
