"""Placeholder until the metadata reader lands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .structured import meta_tags


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    explain: dict[str, str] = field(default_factory=dict)


def tag_line_label(text: str) -> str | None:
    for label in ("Read more about:", "Tags:", "Topics:"):
        if text.strip().startswith(label):
            return label
    return None


def read_metadata(doc, url: str | None = None, *, headers: Mapping[str, str] | None = None,
                  objects: list[dict] | None = None, meta: dict[str, list[str]] | None = None) -> Metadata:
    meta = meta_tags(doc) if meta is None else meta
    title = (meta.get("og:title") or [None])[0] or doc.findtext(".//title")
    tags = []
    for el in doc.iter("p", "div"):
        text = el.text_content().strip()
        label = tag_line_label(text)
        if label and len(text) < 200:
            tags = [t.strip() for t in text[len(label):].split(",") if t.strip()]
            break
    return Metadata(title=title, tags=tags, language=doc.get("lang"))
