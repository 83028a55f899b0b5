"""Placeholder until the date extractor lands: JSON-LD and meta dates only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .structured import article_objects, json_ld, meta_tags


@dataclass
class PageDates:
    published: str | None
    modified: str | None
    published_source: str | None
    modified_source: str | None


def find_dates(doc, url: str | None = None, *, objects: list[dict] | None = None,
               meta: dict[str, list[str]] | None = None, now: datetime | None = None,
               floor: date = date(1995, 1, 1)) -> PageDates:
    objects = json_ld(doc) if objects is None else objects
    meta = meta_tags(doc) if meta is None else meta
    published = modified = None
    for obj in article_objects(objects):
        published = published or obj.get("datePublished")
        modified = modified or obj.get("dateModified")
    published = published or (meta.get("article:published_time") or [None])[0]
    return PageDates(published, modified, "json-ld" if published else None, None)
