"""Exporting archived articles as CSV, JSON or JSON Lines, streamed row by row.

CSV is written for the tools researchers read it with (pandas, R's readr, spreadsheets):
UTF-8, RFC 4180 quoting, newlines inside the body kept, list fields (authors, tags)
joined with ``"; "``, dates as the ISO 8601 strings the archive holds, empty cells for
missing values. Rows are read from SQLite and written one at a time, so memory stays
flat however large the archive.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from .archive import Archive
from .extraction import render_body
from .search import Filters, select_articles

__all__ = ["DEFAULT_FIELDS", "ALL_FIELDS", "FORMATS", "LIST_SEPARATOR", "VERSION_FIELDS",
           "write_export", "export_articles", "excel_safe", "parse_fields"]

LIST_SEPARATOR = "; "
FORMATS = ("csv", "json", "jsonl")
DEFAULT_FIELDS = (
    "id", "url", "canonical_url", "original_url", "site", "title", "authors", "published", "modified", "tags",
    "language", "site_name", "description", "image", "word_count", "is_article", "first_fetched",
    "last_fetched", "body",
)
ALL_FIELDS = DEFAULT_FIELDS + ("final_url", "updated_at", "content_hash", "body_html",
                               "comments", "extractor", "published_month", "page_id")
LIST_FIELDS = ("authors", "tags")
VERSION_FIELDS = ("title", "authors", "published", "modified", "tags", "body", "content_hash",
                  "page_id", "extractor", "seen_from", "seen_until", "replaced_at", "reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def excel_safe(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a single quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def parse_fields(spec: str | None) -> tuple[str, ...]:
    """``"url,title"`` → ``("url", "title")``; raise ValueError naming an unknown field."""
    if not spec:
        return DEFAULT_FIELDS
    columns = tuple(f.strip() for f in spec.split(",") if f.strip())
    unknown = [f for f in columns if f not in ALL_FIELDS]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}; choose from {', '.join(ALL_FIELDS)}")
    if not columns:
        raise ValueError("--fields names no field")
    return columns


def _shape(row: dict[str, Any], fields: Sequence[str], body_format: str) -> dict[str, Any]:
    out = {name: row.get(name) for name in fields}
    if "body" in out and body_format != "text" and row.get("body_html") is not None:
        out["body"] = render_body(row["body_html"], body_format)
    return out


def write_export(rows: Iterable[dict[str, Any]], out: IO[str], *, fmt: str = "csv",
                 fields: Sequence[str] = DEFAULT_FIELDS, body_format: str = "text",
                 excel: bool = False) -> int:
    """Write ``rows`` to ``out`` one at a time (memory stays flat); return the count.

    ``excel`` escapes formula-like cells and starts the file with a UTF-8 byte-order mark,
    which Excel needs to read UTF-8 (pandas and readr skip it).
    """
    count = 0
    shaped: Iterator[dict[str, Any]] = (_shape(row, fields, body_format) for row in rows)
    if fmt == "csv":
        if excel:
            out.write(UTF8_BOM)
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(fields)
        for row in shaped:
            writer.writerow([_cell(row[name], excel) for name in fields])
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


def _cell(value: Any, excel: bool) -> str:
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    value = "" if value is None else str(value)
    return excel_safe(value) if excel else value


def export_articles(archive: Archive, out: IO[str], *, fmt: str = "csv",
                    fields: Sequence[str] = DEFAULT_FIELDS, filters: Filters | None = None,
                    body_format: str = "text", excel: bool = False, versions: bool = False) -> int:
    """Export the articles that pass ``filters`` in publication order; return the count.

    Only the columns needed are read. ``versions`` (JSON and JSON Lines only) adds each
    article's past versions, oldest first, as a ``versions`` list.
    """
    if versions and fmt == "csv":
        raise ValueError("versions can be exported as json or jsonl, not csv")
    needed = list(dict.fromkeys([*fields, "id"]))
    if "body" in fields and body_format != "text":
        needed.append("body_html")
    rows: Iterable[dict[str, Any]] = select_articles(archive, filters, columns=needed)
    if versions:
        rows = _with_versions(archive, rows, fields)
        fields = (*fields, "versions")
    return write_export(rows, out, fmt=fmt, fields=fields, body_format=body_format, excel=excel)


def _with_versions(archive: Archive, rows: Iterable[dict[str, Any]],
                   fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    columns = ", ".join(VERSION_FIELDS)
    for row in rows:
        row["versions"] = list(archive.query(
            f"SELECT {columns} FROM versions WHERE article_id = ? ORDER BY seen_from, id", (row["id"],)))
        yield row
