"""Exporting archived articles as CSV, JSON or JSON Lines, streamed row by row.

CSV is written for the tools researchers read it with (pandas, R's readr, spreadsheets):
UTF-8, RFC 4180 quoting, newlines inside the body kept, list fields (authors, tags)
joined with ``"; "``, dates as the ISO 8601 strings the archive holds.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from .extraction import render_body

__all__ = ["DEFAULT_FIELDS", "ALL_FIELDS", "FORMATS", "LIST_SEPARATOR", "write_export", "excel_safe"]

LIST_SEPARATOR = "; "
FORMATS = ("csv", "json", "jsonl")
DEFAULT_FIELDS = (
    "id", "url", "canonical_url", "site", "title", "authors", "published", "modified", "tags",
    "language", "site_name", "description", "image", "word_count", "first_fetched", "last_fetched",
    "body",
)
ALL_FIELDS = DEFAULT_FIELDS + ("final_url", "is_article", "updated_at", "content_hash", "body_html",
                               "comments", "extractor")
LIST_FIELDS = ("authors", "tags")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a single quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _shape(row: dict[str, Any], fields: Sequence[str], body_format: str) -> dict[str, Any]:
    out = {name: row.get(name) for name in fields}
    if "body" in out and body_format != "text" and row.get("body_html") is not None:
        out["body"] = render_body(row["body_html"], body_format)
    return out


def write_export(rows: Iterable[dict[str, Any]], out: IO[str], *, fmt: str = "csv",
                 fields: Sequence[str] = DEFAULT_FIELDS, body_format: str = "text",
                 excel: bool = False) -> int:
    """Write ``rows`` to ``out`` one at a time (memory stays flat); return the count."""
    count = 0
    shaped: Iterator[dict[str, Any]] = (_shape(row, fields, body_format) for row in rows)
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(fields)
        for row in shaped:
            cells = []
            for name in fields:
                value = row[name]
                if isinstance(value, list):
                    value = LIST_SEPARATOR.join(str(v) for v in value)
                value = "" if value is None else str(value)
                cells.append(excel_safe(value) if excel else value)
            writer.writerow(cells)
            count += 1
    elif fmt == "jsonl":
        for row in shaped:
            out.write(json.dumps(row, ensure_ascii=False))
            out.write("\n")
            count += 1
    elif fmt == "json":
        out.write("[")
        for row in shaped:
            out.write(",\n" if count else "\n")
            out.write(json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    return count
