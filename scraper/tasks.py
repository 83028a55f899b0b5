"""A crawl's unit of work, :class:`Task`: one request to make, plain picklable data.

Apart from :mod:`scraper.worker` (which does the work) so that the scheduler and the
crawler can queue tasks without importing the HTTP client.
"""

from __future__ import annotations

from dataclasses import dataclass

from .urls import normalize_url, origin_of

__all__ = ["Task"]


@dataclass
class Task:
    """One request to make: what, where from, and what to do with the answer."""

    url: str
    kind: str                    # robots | feed | sitemap | start | page
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

    @property
    def key(self) -> str:
        """The normalised URL: the frontier's key."""
        return normalize_url(self.url)

    @property
    def origin(self) -> str:
        """Scheme, host and port: the unit of politeness."""
        return origin_of(self.url)
