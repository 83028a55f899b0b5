"""scraper: fetch news articles and blog posts, keep the article, archive it in SQLite."""

__version__ = "0.1.0"

from .archive import Archive, ArchiveError
from .article import Article
from .extraction import extract
from .fetching import Fetcher, FetchError, Response, fetch

__all__ = ["Archive", "ArchiveError", "Article", "FetchError", "Fetcher", "Response", "extract", "fetch",
           "__version__"]
