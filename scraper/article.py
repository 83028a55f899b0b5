"""The :class:`Article` record that extraction returns and the archive stores."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Article", "content_hash"]


@dataclass
class Article:
    """What ``scraper`` keeps of one page.

    ``body`` is plain text, paragraphs separated by one blank line. ``body_html`` is
    the cleaned article markup it was rendered from (Markdown is rendered from it on
    demand). ``published``/``modified`` are ISO 8601 strings: a plain day when the
    page gives only a day. ``original_url`` is the address a copy from a web archive
    was captured from (``url`` is then the archive's address). ``explain`` maps each field to the signal or rule that
    chose it, for ``scraper show --explain``.
    """

    url: str | None = None
    canonical_url: str | None = None
    original_url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    tags: list[str] = field(default_factory=list)
    body: str = ""
    body_html: str = ""
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    image: str | None = None
    is_article: bool = True
    comments: str | None = None
    explain: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (lists copied), ready for JSON."""
        return asdict(self)

    @property
    def word_count(self) -> int:
        return len(self.body.split())


def content_hash(text: str) -> str:
    """Hash of the body text with whitespace collapsed: same article text, same hash."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()
