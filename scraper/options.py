"""The options of every job, each with its default defined here once.

The command line's options, a ``sites.toml``, the crawl's workers and the library's
functions all read their defaults from these records; nothing else spells ``30`` seconds
or ``10 MiB``. Everything here is plain data that pickles (it travels to extraction
processes and cluster workers), and importing it costs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .rules import Rules

__all__ = ["DEFAULT_USER_AGENT", "DEFAULT_TIMEOUT", "DEFAULT_MAX_BYTES", "DEFAULT_RETRIES", "DEFAULT_BACKOFF",
           "DEFAULT_BUSY_TIMEOUT", "CLUSTER_INSTALL", "busy_timeout", "HttpOptions", "ExtractOptions"]

DEFAULT_USER_AGENT = f"scraper/{__version__} (+https://github.com/scraper-archive/scraper)"
DEFAULT_TIMEOUT = 30.0                 # seconds of silence a read may wait
DEFAULT_MAX_BYTES = 10 * 1024 * 1024   # the largest page body read (and imported from a WARC)
DEFAULT_RETRIES = 2                    # on 429/5xx, connections that break, bodies cut short
DEFAULT_BACKOFF = 1.0                  # first wait before a retry (doubles each time)
DEFAULT_BUSY_TIMEOUT = 30.0            # seconds to wait for another process's write lock on the archive
# how to get --cluster's Dask (a checkout of this repository: the registry's "scraper" is another project)
CLUSTER_INSTALL = "pip install -e '.[cluster]' in a checkout of scraper"


def busy_timeout() -> float:
    """Seconds to wait for another process's write lock: ``$SCRAPER_BUSY_TIMEOUT``, else
    :data:`DEFAULT_BUSY_TIMEOUT` (also when the variable is not a number)."""
    try:
        return max(0.0, float(os.environ.get("SCRAPER_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT)))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT


@dataclass(frozen=True)
class HttpOptions:
    """How pages are requested: ``fetch``, ``extract``, a crawl's workers alike."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = DEFAULT_RETRIES
    allow_private: bool = False
    backoff: float = DEFAULT_BACKOFF

    def fetcher_kwargs(self) -> dict[str, Any]:
        """These options as :class:`scraper.fetching.Fetcher` takes them."""
        return {"user_agent": self.user_agent, "read_timeout": self.timeout, "max_bytes": self.max_bytes,
                "retries": self.retries, "allow_private": self.allow_private, "backoff": self.backoff}


@dataclass(frozen=True)
class ExtractOptions:
    """How a page becomes an article, the same for every way in (fetch, crawl, reextract,
    import-warc, a cluster's workers): site ``rules``, reader ``comments``, and ``links``
    (also read the page's links, for a crawl that follows them)."""

    rules: Rules | None = None
    comments: bool = False
    links: bool = False
