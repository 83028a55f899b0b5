"""A crawl's unit of work, :class:`Task`: one request to make, plain picklable data.

Apart from :mod:`scraper.worker` (which does the work) so that the scheduler and the
crawler can queue tasks without importing the HTTP client.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .urls import normalize_url, origin_of

__all__ = ["Kind", "Task"]


class Kind(str, Enum):
    """What a crawl task requests. A ``str``, so it pickles, logs and stores as its value
    (``Task(url, "page")`` still works); compared as the enum everywhere in the crawl."""

    ROBOTS = "robots"    # robots.txt of an origin, read before anything else there
    FEED = "feed"        # RSS, Atom, JSON Feed, or a page announcing feeds
    SITEMAP = "sitemap"  # a sitemap or sitemap index
    START = "start"      # a section page whose links are followed
    PAGE = "page"        # an article page: fetched, extracted, stored

    def __str__(self) -> str:
        return self.value

    @property
    def is_source(self) -> bool:
        """Feeds, sitemaps and start pages: where URLs are found, not archived."""
        return self in (Kind.FEED, Kind.SITEMAP, Kind.START)


@dataclass
class Task:
    """One request to make: what, where from, and what to do with the answer."""

    url: str
    kind: Kind
    site: str = ""
    depth: int = 0
    follow: bool = False         # extract links from the page (start lineage, depth < max)
    source: str = ""
    seed: bool = False           # given by the user (private addresses allowed, said so in the log)
    public_only: bool = False    # found on a public site: every connection must reach a public address
    level: int = 0               # sitemap nesting / feed discovery level
    revisit: bool = False        # fetch again although archived (--refresh, a section page)
    etag: str | None = None
    last_modified: str | None = None

    def __post_init__(self) -> None:
        self.kind = Kind(self.kind)

    @property
    def key(self) -> str:
        """The normalised URL: the frontier's key."""
        return normalize_url(self.url)

    @property
    def origin(self) -> str:
        """Scheme, host and port: the unit of politeness."""
        return origin_of(self.url)
