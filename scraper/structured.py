"""Embedded structured data: JSON-LD objects and ``<meta>`` tags, read once per page.

Publishers describe their articles for search engines in JSON-LD (schema.org
``NewsArticle`` and friends) and in Open Graph / Dublin Core ``<meta>`` tags. Both the
metadata and the body extractor use these signals, so they are collected here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

__all__ = ["json_ld", "article_objects", "meta_tags", "types_of", "structured_text", "structured_steps"]

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "socialmediaposting", "liveblogposting", "report", "posting",
    "askpublicnewsarticle", "satiricalarticle", "advertisercontentarticle", "medicalscholarlyarticle",
    "discussionforumposting", "webpage", "creativework", "review", "recipe", "howto",
}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# JSON-LD nested deeper than this is not metadata but an attack on recursive readers
# (json itself raises RecursionError at about 1,000 levels): such a block is ignored.
MAX_JSON_DEPTH = 32
_BRACKETS = re.compile(r"[\[\]{}]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _too_deep(text: str) -> bool:
    """Does the JSON text nest brackets deeper than MAX_JSON_DEPTH (strings aside)?"""
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def _loads(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    if _too_deep(text):
        return None
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except ValueError:
        return None


def _walk(value: Any, depth: int = 0) -> Iterator[dict]:
    if depth > 8:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        graph = value.get("@graph")
        if graph is not None:
            yield from _walk(graph, depth + 1)
        main = value.get("mainEntity") or value.get("mainEntityOfPage")
        if isinstance(main, dict) and ("@type" in main and len(main) > 2):
            yield from _walk(main, depth + 1)


def json_ld(doc: HtmlElement) -> list[dict]:
    """Every JSON-LD object on the page, ``@graph`` members flattened into the list."""
    objects: list[dict] = []
    for script in doc.iter("script"):
        kind = (script.get("type") or "").lower()
        if "ld+json" not in kind:
            continue
        data = _loads(script.text or "")
        if data is not None:
            objects.extend(_walk(data))
    return objects


def types_of(obj: dict) -> set[str]:
    """The lower-cased ``@type`` names of a JSON-LD object (it may hold a list)."""
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind.lower()}
    if isinstance(kind, list):
        return {k.lower() for k in kind if isinstance(k, str)}
    return set()


def article_objects(objects: list[dict]) -> list[dict]:
    """The JSON-LD objects that describe an article-like work, most specific first."""
    found = [o for o in objects if types_of(o) & ARTICLE_TYPES]
    # A NewsArticle says more about the page than the WebPage wrapping it.
    found.sort(key=lambda o: 1 if types_of(o) <= {"webpage", "creativework"} else 0)
    return found


def meta_tags(doc: HtmlElement) -> dict[str, list[str]]:
    """All ``<meta>`` values keyed by lower-cased name, property or itemprop."""
    tags: dict[str, list[str]] = {}
    head = doc.find("head")
    scope = doc if head is None else head
    for meta in scope.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        content = content.strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                tags.setdefault(key.strip().lower(), []).append(content)
    if head is not None:
        # Some sites put their article meta tags in the body.
        body = doc.find("body")
        if body is not None:
            for meta in body.iter("meta"):
                content = (meta.get("content") or "").strip()
                key = meta.get("property") or meta.get("name") or meta.get("itemprop")
                if content and key:
                    tags.setdefault(key.strip().lower(), []).append(content)
    return tags


# Works whose text is made of steps (schema.org HowTo, Recipe): the steps, after the description.
STEP_KEYS = ("step", "recipeInstructions")
_MAX_STEPS = 200


def _texts(value: Any, depth: int = 0) -> Iterator[str]:
    """The ``text`` (or plain string) of each step, section members included."""
    if depth > 4:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value[:_MAX_STEPS]:
            yield from _texts(item, depth + 1)
    elif isinstance(value, dict):
        text = value.get("text")
        if isinstance(text, str):
            yield text
        else:
            yield from _texts(value.get("itemListElement"), depth + 1)


def structured_text(objects: list[dict]) -> str | None:
    """The longest text a page gives of its work in JSON-LD, as markup or plain text:
    an ``articleBody``, a ``text``, or the description and steps of a how-to or a
    recipe. For pages whose visible text is written by scripts from that data."""
    best = ""
    for obj in article_objects(objects):
        pieces: list[str] = []
        for key in ("articleBody", "text"):
            value = obj.get(key)
            if isinstance(value, str) and value.strip():
                pieces = [value]
                break
        if not pieces and any(key in obj for key in STEP_KEYS):
            description = obj.get("description")
            if isinstance(description, str):
                pieces.append(description)
            for key in STEP_KEYS:
                pieces.extend(_texts(obj.get(key)))
        text = "\n\n".join(p.strip() for p in pieces if p.strip())
        if len(text) > len(best):
            best = text
    return best or None


_TAGS = re.compile(r"<[^>]+>")


def structured_steps(objects: list[dict]) -> tuple[list[str], list[str]]:
    """The ingredients and the steps a recipe or a how-to gives in JSON-LD, as plain
    text: ``(["200 g flour", ...], ["Mix the flour...", ...])``; empty lists otherwise."""
    for obj in article_objects(objects):
        if not any(key in obj for key in STEP_KEYS):
            continue
        ingredients = obj.get("recipeIngredient") or obj.get("ingredients") or []
        if isinstance(ingredients, str):
            ingredients = [ingredients]
        plain = [" ".join(_TAGS.sub(" ", i).split()) for i in ingredients[:_MAX_STEPS] if isinstance(i, str)]
        steps = [" ".join(_TAGS.sub(" ", t).split()) for key in STEP_KEYS for t in _texts(obj.get(key))]
        return [i for i in plain if i], [t for t in steps if t]
    return [], []
