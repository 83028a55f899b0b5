"""scraper: fetch news articles and blog posts, keep the article, archive it in SQLite.

The public names are loaded on first use, so ``import scraper.extraction`` (in every
extraction process) costs the extractor alone, not the HTTP client or the archive:

    import scraper
    article = scraper.extract(html, url="https://example.com/story")   # loads the extractor
    scraper.fetch(url)                                                  # loads requests now
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# name -> the module that defines it (imported when the name is first asked for)
_LAZY = {
    "Archive": "scraper.archive",
    "ArchiveError": "scraper.errors",
    "Article": "scraper.article",
    "Error": "scraper.errors",
    "ExitCode": "scraper.errors",
    "PageError": "scraper.errors",
    "UsageError": "scraper.errors",
    "extract": "scraper.extraction",
    "Fetcher": "scraper.fetching",
    "FetchError": "scraper.fetching",
    "Response": "scraper.records",
    "fetch": "scraper.fetching",
}

__all__ = ["Archive", "ArchiveError", "Article", "Error", "ExitCode", "FetchError", "Fetcher", "PageError",
           "Response", "UsageError", "extract", "fetch", "__version__"]

if TYPE_CHECKING:  # pragma: no cover - what type checkers and IDEs see
    from .archive import Archive
    from .article import Article
    from .errors import ArchiveError, Error, ExitCode, PageError, UsageError
    from .extraction import extract
    from .fetching import Fetcher, FetchError, fetch
    from .records import Response


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scraper' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # asked once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
