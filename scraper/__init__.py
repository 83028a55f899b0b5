"""scraper: fetch news articles and blog posts, keep the article, archive it in SQLite."""

__version__ = "0.1.0"
