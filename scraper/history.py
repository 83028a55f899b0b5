"""The history of an article as data: each version, when it was seen, and what changed.

One reading of the ``versions`` table shared by the web view's article page,
``scraper history`` and ``scraper export --versions``: the past versions oldest first, then
the current state; each with the fields that changed since the version before and the
text compared word by word (:mod:`scraper.diff`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .diff import Block, changed_words, diff_text

__all__ = ["Version", "FIELDS", "history", "json_list"]

# The fields a new version is made for besides the text, with their display names.
FIELDS = (("title", "Title"), ("published", "Published"), ("modified", "Modified"),
          ("authors", "Authors"), ("tags", "Tags"))


def json_list(value: Any) -> list[str]:
    """A JSON list column (authors, tags) as a list of strings; [] when empty or malformed."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    return [str(v) for v in data] if isinstance(data, list) else [str(data)]


@dataclass
class Version:
    """One state of an article. ``number`` counts from 1 (the first archived); the last is
    ``current``. ``seen_from``/``seen_until`` are the first and last fetch that gave it;
    ``replaced_at`` and ``reason`` (``fetch``, ``file``, ``warc``, ``reextract``) say when and
    by what it was replaced (None for the current one). ``changed`` names the fields that
    differ from the version before (``body`` for the text), ``diff`` compares the texts and
    ``words_added``/``words_removed`` measure it (all empty for the first version)."""

    number: int
    current: bool
    title: str | None
    authors: list[str]
    tags: list[str]
    published: str | None
    modified: str | None
    body: str
    content_hash: str | None
    page_id: int | None
    extractor: str | None
    seen_from: str | None
    seen_until: str | None
    replaced_at: str | None
    reason: str | None
    changed: list[str] = field(default_factory=list)
    diff: list[Block] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0

    @property
    def first(self) -> bool:
        return self.number == 1


def _version(row: dict[str, Any], number: int, current: bool) -> Version:
    return Version(
        number=number, current=current, title=row.get("title"), authors=json_list(row.get("authors")),
        tags=json_list(row.get("tags")), published=row.get("published"), modified=row.get("modified"),
        body=row.get("body") or "", content_hash=row.get("content_hash"), page_id=row.get("page_id"),
        extractor=row.get("extractor"),
        seen_from=row.get("updated_at") if current else row.get("seen_from"),
        seen_until=row.get("last_fetched") if current else row.get("seen_until"),
        replaced_at=None if current else row.get("replaced_at"),
        reason=None if current else row.get("reason"))


def history(row: dict[str, Any], versions: list[dict[str, Any]], *, diffs: bool = True) -> list[Version]:
    """Every state of an article, oldest first, the current one (``row``, from ``articles``) last.

    ``versions`` are its ``versions`` rows in any order. ``diffs=False`` skips the word
    diff (``changed`` still names ``body`` when the text changed, by its hash).
    """
    past = sorted(versions, key=lambda v: (v.get("seen_from") or "", v.get("id") or 0))
    states = [_version(v, i, False) for i, v in enumerate(past, 1)]
    states.append(_version(row, len(past) + 1, True))
    for previous, state in zip(states, states[1:]):
        state.changed = [name for name, _label in FIELDS if getattr(previous, name) != getattr(state, name)]
        hashed = previous.content_hash and state.content_hash
        if (previous.content_hash != state.content_hash) if hashed else (previous.body != state.body):
            state.changed.insert(0, "body")
        if diffs:
            state.diff = diff_text(previous.body, state.body)
            state.words_added, state.words_removed = changed_words(state.diff)
    return states
