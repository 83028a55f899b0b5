"""Per-site extraction rules, for the pages where no generic extractor can be right.

A rules file is TOML: one ``[[site]]`` table per site, matched on the URL's host
(the domain itself and its subdomains). Every key but ``domain`` is optional::

    [[site]]
    domain = "example.com"
    content = "div.story-body"              # CSS selector(s) of the article body
    remove = [".newsletter", ".related"]     # extra elements to remove first
    date = "time.published"                  # element whose datetime/content/text is the date
    tags = ".tag-list a"                     # elements whose texts are the tags
    title = "h1.headline"
    authors = ".byline a"

A matching rule overrides what the generic signals chose for the fields it names.
``scraper`` reads ``--rules FILE``, else ``$SCRAPER_RULES``, else
``$XDG_CONFIG_HOME/scraper/rules.toml`` (``~/.config/scraper/rules.toml``) when it exists.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from .errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["SiteRule", "Rules", "RulesError", "load_rules", "default_rules_path"]

_SELECTOR_KEYS = ("content", "remove", "date", "tags", "title", "authors")


class RulesError(UsageError, ValueError):
    """The rules file cannot be read or holds an invalid rule (a usage error in the CLI)."""


@dataclass
class SiteRule:
    """Selectors for one site. Selectors are compiled to XPath once, when loaded, and again
    in each process a rule is sent to: a rule pickles as its selectors (extraction
    processes and cluster workers apply the same rules as the process that read them)."""

    domain: str
    content: str | None = None
    remove: list[str] = field(default_factory=list)
    date: str | None = None
    tags: str | None = None
    title: str | None = None
    authors: str | None = None
    selectors: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _compiled: dict[str, list[Any]] = field(default_factory=dict, repr=False, compare=False)

    def compile(self, where: str = "rules") -> None:
        """Compile every selector (raises :class:`RulesError` for an invalid one)."""
        self._compiled = {key: [_compile(v, f"{where} {key}") for v in values]
                          for key, values in self.selectors.items()}

    def select(self, key: str, doc: HtmlElement) -> list[HtmlElement]:
        """Elements of ``doc`` matching the rule's selector(s) for ``key``, in document order."""
        if self.selectors and not self._compiled:
            self.compile()
        found: list[HtmlElement] = []
        for xpath in self._compiled.get(key, []):
            found.extend(xpath(doc))
        return found

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_compiled"] = {}  # compiled selectors do not pickle: compiled again on first use
        return state

    def matches(self, host: str) -> bool:
        return host == self.domain or host.endswith("." + self.domain)


class Rules:
    """A set of site rules; :meth:`for_url` finds the most specific one for a URL."""

    def __init__(self, rules: list[SiteRule] | None = None, source: str | None = None) -> None:
        self.rules = sorted(rules or [], key=lambda r: -len(r.domain))
        self.source = source

    def __len__(self) -> int:
        return len(self.rules)

    def for_url(self, url: str | None) -> SiteRule | None:
        if not url or not self.rules:
            return None
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        return next((rule for rule in self.rules if rule.matches(host)), None)


def _compile(selector: str, where: str) -> Any:
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        return CSSSelector(selector, translator="html")
    except SelectorError as exc:
        raise RulesError(f"{where}: invalid CSS selector {selector!r}: {exc}") from None


def parse_rules(data: dict, source: str = "rules") -> Rules:
    """Build :class:`Rules` from parsed TOML data, checking every selector."""
    sites = data.get("site", [])
    if not isinstance(sites, list):
        raise RulesError(f"{source}: expected [[site]] tables")
    rules = []
    for number, entry in enumerate(sites, start=1):
        where = f"{source}: site #{number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("domain"), str) or not entry["domain"].strip():
            raise RulesError(f"{where}: every [[site]] needs a domain")
        unknown = set(entry) - {"domain", *_SELECTOR_KEYS}
        if unknown:
            raise RulesError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        domain = entry["domain"].strip().lower()
        domain = domain[4:] if domain.startswith("www.") else domain
        rule = SiteRule(domain=domain)
        for key in _SELECTOR_KEYS:
            value = entry.get(key)
            if value is None:
                continue
            selectors = [value] if isinstance(value, str) else value
            if not isinstance(selectors, list) or not all(isinstance(v, str) for v in selectors):
                raise RulesError(f"{where}: {key} must be a CSS selector or a list of them")
            rule.selectors[key] = list(selectors)
            setattr(rule, key, selectors if key == "remove" else ", ".join(selectors))
        rule.compile(where)
        rules.append(rule)
    return Rules(rules, source)


def load_rules(path: str | Path) -> Rules:
    """Read a rules file; raise :class:`RulesError` with a one-line reason if it is unusable."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"no rules file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"cannot read rules file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from None
    return parse_rules(data, str(path))


def default_rules_path() -> Path | None:
    """``$SCRAPER_RULES``, else the per-user rules file, when it exists."""
    env = os.environ.get("SCRAPER_RULES")
    if env:
        return Path(env)
    try:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        path = base / "scraper" / "rules.toml"
        return path if path.is_file() else None
    except (OSError, RuntimeError):  # no home folder, or one we may not look into
        return None
