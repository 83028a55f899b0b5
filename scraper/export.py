"""Exporting archived articles as CSV, JSON, JSON Lines or Parquet, streamed row by row.

CSV is written for the tools researchers read it with (pandas, R's readr, spreadsheets):
UTF-8, RFC 4180 quoting, newlines inside the body kept, list fields (authors, tags)
joined with ``"; "``, dates as the ISO 8601 strings the archive holds, empty cells for
missing values. Rows are read from SQLite and written one at a time, so memory stays
flat however large the archive.

Parquet (the ``parquet`` extra, pyarrow) keeps the types: lists of strings for authors and
tags, timestamps in UTC for dates, integers, booleans and nulls; rows go out in row groups
of :data:`PARQUET_ROW_GROUP` articles, so memory stays flat there too.

``versions`` gives the history as data: in CSV and Parquet one row per (article, version),
oldest first, the current state last, with when each version was seen and how much of the
text changed (:mod:`scraper.history`); JSON keeps each article's past versions nested.

Exports of text bodies are written by SQLite itself: one query makes each row's CSV record
(``csv.QUOTE_MINIMAL`` quoting, CRLF) or JSON object (the escaping of ``json.dumps`` with
``ensure_ascii=False``), and its UTF-8 bytes go straight to the file; Python's ``csv`` writer
alone took two thirds of a 100,000-article export. A row the SQL cannot write exactly as
Python would (a value that is neither text nor an integer, a list column that is not a JSON
array of strings) is written the Python way, so the bytes are the same either way
(``tests/test_export_sql.py`` holds the two paths to each other).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, BinaryIO

from .archive import Archive
from .errors import UsageError
from .history import Version, history, json_list
from .search import Filters, check_query, publication_order, select_articles

__all__ = ["DEFAULT_FIELDS", "ALL_FIELDS", "FORMATS", "LIST_SEPARATOR", "VERSION_FIELDS",
           "VERSION_ROW_FIELDS", "PARQUET_ROW_GROUP", "ExportError", "write_export", "export_articles",
           "excel_safe", "parse_fields", "version_record", "parquet_schema"]

LIST_SEPARATOR = "; "
FORMATS = ("csv", "json", "jsonl", "parquet")
BINARY_FORMATS = ("parquet",)
SQL_FORMATS = ("csv", "json", "jsonl")  # written by SQLite when the body is text (see the module doc)
PARQUET_ROW_GROUP = 2000
DEFAULT_FIELDS = (
    "id", "url", "canonical_url", "original_url", "site", "title", "authors", "published", "modified", "tags",
    "language", "site_name", "description", "image", "word_count", "is_article", "first_fetched",
    "last_fetched", "body",
)
ALL_FIELDS = DEFAULT_FIELDS + ("final_url", "updated_at", "content_hash", "body_html",
                               "comments", "extractor", "published_month", "page_id", "story", "story_first")
LIST_FIELDS = ("authors", "tags", "changed")
# JSON's nested past versions
VERSION_FIELDS = ("title", "authors", "published", "modified", "tags", "body", "content_hash",
                  "page_id", "extractor", "seen_from", "seen_until", "replaced_at", "reason")
# CSV's and Parquet's rows of --versions: one per (article, version)
VERSION_ROW_FIELDS = ("article_id", "version", "current", "url", "site", "title", "authors", "published",
                      "modified", "tags", "body", "content_hash", "extractor", "page_id", "seen_from",
                      "seen_until", "replaced_at", "reason", "changed", "words_added", "words_removed")
_INTEGERS = ("id", "article_id", "version", "word_count", "page_id", "story", "words_added", "words_removed")
_BOOLEANS = ("is_article", "story_first", "current")
_TIMES = ("published", "modified", "first_fetched", "last_fetched", "updated_at", "seen_from", "seen_until",
          "replaced_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def excel_safe(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a single quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class ExportError(UsageError, ValueError):
    """An export that cannot be written as asked (a usage error, exit code 2)."""


def parse_fields(spec: str | None, *, versions: bool = False) -> tuple[str, ...]:
    """``"url,title"`` → ``("url", "title")``; raise ValueError naming an unknown field.

    ``versions``: the fields of CSV's and Parquet's version rows (:data:`VERSION_ROW_FIELDS`).
    """
    known = VERSION_ROW_FIELDS if versions else ALL_FIELDS
    if not spec:
        return VERSION_ROW_FIELDS if versions else DEFAULT_FIELDS
    columns = tuple(f.strip() for f in spec.split(",") if f.strip())
    unknown = [f for f in columns if f not in known]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}; choose from {', '.join(known)}")
    if not columns:
        raise ValueError("--fields names no field")
    return columns


def _shape(row: dict[str, Any], fields: Sequence[str], body_format: str) -> dict[str, Any]:
    out = {name: row.get(name) for name in fields}
    if "body" in out and body_format != "text" and row.get("body_html") is not None:
        # the extractor's modules are imported only for Markdown and HTML bodies
        from .extraction import render_body

        out["body"] = render_body(row["body_html"], body_format)
    return out


def write_export(rows: Iterable[dict[str, Any]], out: IO[str], *, fmt: str = "csv",
                 fields: Sequence[str] = DEFAULT_FIELDS, body_format: str = "text",
                 excel: bool = False) -> int:
    """Write ``rows`` to ``out`` one at a time (memory stays flat); return the count.

    ``excel`` escapes formula-like cells and starts the file with a UTF-8 byte-order mark,
    which Excel needs to read UTF-8 (pandas and readr skip it). Parquet goes through
    :func:`write_parquet` (a binary file).
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
    elif isinstance(value, bool):
        value = int(value)
    value = "" if value is None else str(value)
    return excel_safe(value) if excel else value


# -- Parquet ----------------------------------------------------------------------------------------

def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("--format parquet needs pyarrow: pip install -e '.[parquet]'") from None
    return pa, pq


def parquet_schema(fields: Sequence[str]) -> Any:
    """The Arrow schema of an export: list<string> for lists, UTC timestamps for dates,
    int64 for counts and ids, bool for flags, string for the rest."""
    pa, _ = _pyarrow()
    types = []
    for name in fields:
        if name in LIST_FIELDS:
            kind = pa.list_(pa.string())
        elif name in _TIMES:
            kind = pa.timestamp("us", tz="UTC")
        elif name in _INTEGERS:
            kind = pa.int64()
        elif name in _BOOLEANS:
            kind = pa.bool_()
        else:
            kind = pa.string()
        types.append(pa.field(name, kind))
    return pa.schema(types)


def to_utc(value: Any) -> datetime | None:
    """An archive date as an aware UTC datetime: a plain day is 00:00 UTC that day, a time
    without an offset is taken as UTC; what does not parse is None."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _TIMES:
        return to_utc(value)
    if name in LIST_FIELDS:
        return [str(v) for v in value] if isinstance(value, list) else json_list(value)
    if name in _BOOLEANS:
        return bool(value)
    if name in _INTEGERS:
        return int(value)
    return str(value)


def write_parquet(rows: Iterable[dict[str, Any]], out: str | Path | BinaryIO, *,
                  fields: Sequence[str] = DEFAULT_FIELDS, body_format: str = "text",
                  row_group: int = PARQUET_ROW_GROUP) -> int:
    """Write ``rows`` as Parquet (zstd), ``row_group`` rows at a time; return the count."""
    pa, pq = _pyarrow()
    schema = parquet_schema(fields)
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        columns: dict[str, list[Any]] = {name: [] for name in fields}

        def flush() -> None:
            if columns[fields[0]]:
                writer.write_batch(pa.record_batch([columns[n] for n in fields], schema=schema),
                                   row_group_size=row_group)
                for values in columns.values():
                    values.clear()

        for row in rows:
            shaped = _shape(row, fields, body_format)
            for name in fields:
                columns[name].append(_typed(name, shaped[name]))
            count += 1
            if count % row_group == 0:
                flush()
        flush()
    return count


# -- the whole export -------------------------------------------------------------------------------

def export_articles(archive: Archive, out: IO[str] | IO[bytes] | str | Path, *, fmt: str = "csv",
                    fields: Sequence[str] | None = None, filters: Filters | None = None,
                    body_format: str = "text", excel: bool = False, versions: bool = False) -> int:
    """Export the articles that pass ``filters`` in publication order; return the count of rows.

    Only the columns needed are read. ``versions`` adds the history: in JSON and JSON Lines
    each article's past versions, oldest first, as a ``versions`` list; in CSV and Parquet
    one row per (article, version) with the fields :data:`VERSION_ROW_FIELDS`. ``out`` is
    a text stream, or for Parquet a path or binary stream.
    """
    flat = versions and fmt in ("csv", "parquet")
    if fields is None:
        fields = VERSION_ROW_FIELDS if flat else DEFAULT_FIELDS
    if fmt in SQL_FORMATS and body_format == "text" and not versions:
        return _export_in_sql(archive, out, fmt=fmt, fields=fields, filters=filters,  # type: ignore[arg-type]
                              excel=excel)
    rows: Iterable[dict[str, Any]]
    if flat:
        needed = ["id", "url", "site", "title", "authors", "published", "modified", "tags", "body",
                  "content_hash", "extractor", "page_id", "updated_at", "last_fetched"]
        if "body" in fields and body_format != "text":
            raise ExportError("version rows hold the text only: use --body-format text with --versions")
        rows = _version_rows(archive, select_articles(archive, filters, columns=needed),
                             diffs=bool({"words_added", "words_removed"} & set(fields)))
    else:
        needed = list(dict.fromkeys([*fields, "id"]))
        if "body" in fields and body_format != "text":
            needed.append("body_html")
        rows = select_articles(archive, filters, columns=needed)
        if versions:
            rows = _with_versions(archive, rows, fields)
            fields = (*fields, "versions")
    if fmt in BINARY_FORMATS:
        return write_parquet(rows, out, fields=fields, body_format=body_format)  # type: ignore[arg-type]
    return write_export(rows, out, fmt=fmt, fields=fields, body_format=body_format,  # type: ignore[arg-type]
                        excel=excel)


# -- exports written by SQLite ------------------------------------------------------------

def _char(c: str) -> str:
    return f"char({ord(c)})"


_FORMULA_SQL = ", ".join(_char(c) for c in _FORMULA_START)
# what makes csv.QUOTE_MINIMAL quote a cell, with our "\r\n" line end: '"', ',', CR or LF
_QUOTE_GLOB = "'*[\",' || char(10, 13) || ']*'"


def _is_plain(column: str, *, is_list: bool) -> str:
    """SQL: true when the SQL below writes ``column`` exactly as Python would — an integer,
    text or NULL; for a list column a JSON array of strings (as the archive writes them)."""
    if not is_list:
        return f"typeof({column}) IN ('text', 'integer', 'null')"
    return (f"({column} IS NULL OR (typeof({column}) = 'text' AND json_valid({column}) "
            f"AND substr(ltrim({column}, ' ' || char(9, 10, 13)), 1, 1) = '[' "
            f"AND NOT EXISTS (SELECT 1 FROM json_each({_json_or_empty(column)}) WHERE type <> 'text')))")


def _json_or_empty(column: str) -> str:
    """The column for json_each(), or an empty array where it is not JSON (such a row is not
    plain and is written the Python way, but SQLite evaluates every column of the query)."""
    return f"(CASE WHEN json_valid({column}) THEN {column} ELSE '[]' END)"


def _csv_cell(column: str, *, is_list: bool, excel: bool, alone: bool) -> str:
    """SQL for one CSV cell as :func:`_cell` and ``csv.writer`` write it (NULL and '' are an
    empty cell, quoted only when it is the row's one cell). ``column`` is read as few times
    as can be: each read of a body copies it."""
    value = (f"(SELECT group_concat(value, '{LIST_SEPARATOR}') FROM json_each({_json_or_empty(column)}))" if is_list
             else f"CAST({column} AS TEXT)")
    if excel:
        value = f"(CASE WHEN substr({value}, 1, 1) IN ({_FORMULA_SQL}) THEN '''' || {value} ELSE {value} END)"
    otherwise = f"coalesce(nullif({value}, ''), '\"\"')" if alone else f"coalesce({value}, '')"
    return (f"CASE WHEN {value} GLOB {_QUOTE_GLOB} THEN '\"' || replace({value}, '\"', '\"\"') || '\"' "
            f"ELSE {otherwise} END")


def _json_value(column: str, *, is_list: bool) -> str:
    """SQL for one value as ``json.dumps(..., ensure_ascii=False)`` writes it."""
    if is_list:
        return (f"CASE WHEN {column} IS NULL THEN 'null' ELSE '[' || coalesce((SELECT group_concat("
                f"json_quote(value), ', ') FROM json_each({_json_or_empty(column)})), '') || ']' END")
    return f"json_quote({column})"


# Long text cells are quoted in Python, on bytes: SQLite's replace() and GLOB walk a
# 5 KB body character by character, Python's bytes methods at memory speed.
_QUOTED_IN_PYTHON = ("body", "body_html", "comments")
_NEEDS_QUOTES = (b'"', b",", b"\n", b"\r")
_FORMULA_BYTES = tuple(c.encode() for c in _FORMULA_START)


def record_sql(fmt: str, fields: Sequence[str], *,
               excel: bool = False) -> tuple[list[str], list[bool], str]:
    """How SQLite writes a row over ``articles AS a``: SQL for the pieces of its record (UTF-8
    bytes; for CSV each piece one or more cells, the pieces joined with ``,`` and ended with
    CRLF; for JSON one piece, the object), which pieces are a bare long text cell that
    :func:`_quote` still has to quote, and SQL for whether the record is exact (see
    :func:`_is_plain`; when not, the row is written the Python way)."""
    unique = list(dict.fromkeys(fields))
    plain = "(" + " AND ".join(_is_plain(f"a.{name}", is_list=name in LIST_FIELDS) for name in unique) + ")"
    if fmt != "csv":
        members = [f"'{json.dumps(name)}: ' || ({_json_value(f'a.{name}', is_list=name in LIST_FIELDS)})"
                   for name in unique]
        return ["CAST('{' || " + " || ', ' || ".join(members) + " || '}' AS BLOB)"], [False], plain
    pieces: list[str] = []
    bare: list[bool] = []
    run: list[str] = []
    for name in fields:
        if name in _QUOTED_IN_PYTHON and len(fields) > 1:
            if run:
                pieces.append("CAST(" + " || ',' || ".join(run) + " AS BLOB)")
                bare.append(False)
                run = []
            pieces.append(f"CAST(a.{name} AS BLOB)")
            bare.append(True)
        else:
            run.append(f"({_csv_cell(f'a.{name}', is_list=name in LIST_FIELDS, excel=excel, alone=len(fields) == 1)})")
    if run:
        pieces.append("CAST(" + " || ',' || ".join(run) + " AS BLOB)")
        bare.append(False)
    return pieces, bare, plain


def _quote(cell: bytes | None, excel: bool) -> bytes:
    """A long text cell as :func:`_cell` and ``csv.writer`` write it (in a row of several cells)."""
    if not cell:
        return b""
    if excel and cell.startswith(_FORMULA_BYTES):
        cell = b"'" + cell
    if any(c in cell for c in _NEEDS_QUOTES):
        return b'"' + cell.replace(b'"', b'""') + b'"'
    return cell


def _byte_writer(out: IO[str]) -> Callable[[bytes], Any]:
    """Write UTF-8 bytes to ``out``: straight to its binary buffer when that gives the same
    file (a UTF-8 text file or stdout on a system without newline translation), else decoded."""
    buffer = getattr(out, "buffer", None)
    encoding = str(getattr(out, "encoding", "") or "").lower().replace("-", "").replace("_", "")
    if buffer is not None and encoding == "utf8" and os.linesep == "\n":
        out.flush()
        return buffer.write
    return lambda data: out.write(data.decode("utf-8"))


def _python_record(archive: Archive, article_id: int, fmt: str, fields: Sequence[str], excel: bool) -> bytes:
    """One article's record written the Python way (for a row the SQL cannot write exactly),
    without its line end."""
    columns = ", ".join(f"a.{name}" for name in dict.fromkeys(fields))
    row = next(archive.query(f"SELECT {columns} FROM articles a WHERE a.id = ?", (article_id,)))
    text = io.StringIO()
    if fmt == "csv":
        csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(
            [_cell(row[name], excel) for name in fields])
        return text.getvalue().encode("utf-8")[:-2]
    else:
        text.write(json.dumps({name: row[name] for name in fields}, ensure_ascii=False))
    return text.getvalue().encode("utf-8")


def _export_in_sql(archive: Archive, out: IO[str], *, fmt: str, fields: Sequence[str],
                   filters: Filters | None, excel: bool) -> int:
    """CSV, JSON or JSON Lines with text bodies, each record made by SQLite (see the module doc);
    the same bytes as :func:`write_export`."""
    if filters is not None and filters.query:
        check_query(archive, filters.query)
    pieces, bare, plain = record_sql(fmt, fields, excel=excel)
    write = _byte_writer(out)
    if fmt == "csv":
        header = io.StringIO()
        if excel:
            header.write(UTF8_BOM)
        csv.writer(header, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(fields)
        write(header.getvalue().encode("utf-8"))
    elif fmt == "json":
        write(b"[")
    end = {"csv": b"\r\n", "jsonl": b"\n", "json": b""}[fmt]
    count = 0
    simple = bare == [False]
    batch: list[bytes] = []  # records go out a few hundred at a time: one write call each
    for sql, params in publication_order(filters, ", ".join([plain, "a.id", *pieces])):
        for exact, article_id, *parts in archive.rows(sql, params):
            if fmt == "json":
                batch.append(b",\n" if count else b"\n")
            if not exact:
                batch.append(_python_record(archive, article_id, fmt, fields, excel))
            elif simple:
                batch.append(parts[0])
            else:
                batch.append(b",".join(_quote(part, excel) if quote else part for part, quote in zip(parts, bare)))
            batch.append(end)
            count += 1
            if len(batch) >= 1024:
                write(b"".join(batch))
                batch.clear()
    write(b"".join(batch))
    if fmt == "json":
        write(b"\n]\n" if count else b"]\n")
    return count


def _with_versions(archive: Archive, rows: Iterable[dict[str, Any]],
                   fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    columns = ", ".join(VERSION_FIELDS)
    for row in rows:
        row["versions"] = list(archive.query(
            f"SELECT {columns} FROM versions WHERE article_id = ? ORDER BY seen_from, id", (row["id"],)))
        yield row


def version_record(row: dict[str, Any], version: Version) -> dict[str, Any]:
    """One (article, version) row: the fields of :data:`VERSION_ROW_FIELDS`."""
    return {
        "article_id": row["id"], "version": version.number, "current": version.current, "url": row["url"],
        "site": row.get("site"), "title": version.title, "authors": version.authors,
        "published": version.published, "modified": version.modified, "tags": version.tags,
        "body": version.body, "content_hash": version.content_hash, "extractor": version.extractor,
        "page_id": version.page_id, "seen_from": version.seen_from, "seen_until": version.seen_until,
        "replaced_at": version.replaced_at, "reason": version.reason, "changed": version.changed,
        "words_added": version.words_added if version.number > 1 else None,
        "words_removed": version.words_removed if version.number > 1 else None,
    }


def _version_rows(archive: Archive, rows: Iterable[dict[str, Any]], *, diffs: bool) -> Iterator[dict[str, Any]]:
    for row in rows:
        for version in history(row, archive.versions(row["id"]), diffs=diffs):
            yield version_record(row, version)
