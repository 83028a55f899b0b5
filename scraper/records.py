"""The plain records that cross layers: what one HTTP request was (:class:`Attempt`) and
a page fetched whole (:class:`Response`).

They live apart from :mod:`scraper.fetching` so that the archive, the crawl's workers
and the extraction processes can hold them without importing an HTTP library:
everything here is plain data that pickles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .parsing import charset_of, decode_html

__all__ = ["Attempt", "Response"]


@dataclass
class Attempt:
    """One HTTP request made while fetching a URL (retries and redirects each count)."""

    url: str
    started_at: str
    status: int | None = None
    error: str | None = None
    elapsed: float = 0.0


@dataclass
class Response:
    """A page that was fetched whole."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: str
    redirects: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or self.headers.get("content-type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        return charset_of(self.headers)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def text(self) -> str:
        """The body decoded with :func:`scraper.parsing.decode_html` (BOM, UTF-8 check, charset, detection)."""
        return decode_html(self.content, self.charset)[0]
