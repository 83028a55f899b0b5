"""WARC in and out (warcio), so the archive trades pages with the web-archiving world.

**Import** reads WARC and ARC files (gzipped or not) and archives their HTML responses:
``response`` records with a 2xx HTML answer, and ``resource`` records of type HTML.
Other records are counted as skipped with a reason. Reading (here, one process) and
extracting (:func:`scraper.pipeline.extract_page`, any mapper, the same site rules as
``fetch``) are separate steps, and the archive has one writer, so a cluster can extract.

**Export** writes every stored page, oldest first, as WARC/1.0 records:

* ``response`` with the original status and headers (WARC-Date = ``fetched_at``). The
  stored body is the decoded one, so ``Content-Encoding``, ``Transfer-Encoding`` and
  ``Content-Length`` are renamed ``X-Archive-Orig-*`` (the convention of pywb and others)
  and a true ``Content-Length`` added;
* ``request``, concurrent to it: method, target and Host only, the request headers were
  not recorded;
* ``metadata`` (``application/warc-fields``) with what WARC has no field for: the
  archived URL before redirects, the redirects, the headers exactly as stored;
* ``resource`` for pages archived from a local file (no HTTP exchange).

A WARC written here and imported into an empty archive gives the same articles.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.client import responses as http_reasons
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from . import __version__
from .archive import Archive, decompress
from .errors import ExitCode
from .options import DEFAULT_MAX_BYTES, ExtractOptions
from .parsing import charset_of, looks_binary
from .pipeline import Page, run_pages
from .pool import Mapper
from .urls import normalize_url

__all__ = ["ImportReport", "read_warc", "import_warc", "export_warc", "warc_date", "iso_date"]

HTML_TYPES = ("text/html", "application/xhtml+xml")
_RECODED = ("content-encoding", "transfer-encoding", "content-length")
ORIG_PREFIX = "X-Archive-Orig-"


@dataclass
class ImportReport:
    """Counts of one import: stored pages by outcome and skipped records by reason."""

    records: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "stored": self.stored, "skipped": self.skipped,
                "failed": self.failed, "errors": self.errors[:20]}

    @property
    def exit_code(self) -> int:
        """130 when stopped early, 1 when a page or a file failed, else 0."""
        return ExitCode.INTERRUPTED if self.interrupted else ExitCode.FAILED if self.failed else ExitCode.OK


def warc_date(iso: str | None) -> str:
    """``fetched_at`` (ISO 8601, any offset) as a WARC-Date: UTC, seconds, ``Z``."""
    when = datetime.fromisoformat(iso) if iso else datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(warc: str | None) -> str | None:
    """A WARC-Date back to the archive's form (``2024-01-02T03:04:05+00:00``)."""
    if not warc:
        return None
    try:
        when = datetime.fromisoformat(warc.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


# -- import ----------------------------------------------------------------------------

def _header_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """HTTP header pairs as one dict, repeated names joined with ", " (as requests does)."""
    merged: dict[str, str] = {}
    lower: dict[str, str] = {}
    for name, value in pairs:
        known = lower.get(name.lower())
        if known is None:
            lower[name.lower()] = name
            merged[name] = value
        else:
            merged[known] = f"{merged[known]}, {value}"
    return merged


def _restore_headers(headers: dict[str, str]) -> dict[str, str]:
    """Undo the ``X-Archive-Orig-*`` renaming of a WARC exported by us or by pywb-like tools."""
    if not any(k.startswith(ORIG_PREFIX) for k in headers):
        return headers
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _RECODED:
            continue  # the exporter's own framing headers, not the server's
        out[name[len(ORIG_PREFIX):] if name.startswith(ORIG_PREFIX) else name] = value
    return out


def _is_html(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in HTML_TYPES


def _warc_fields(data: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _apply_metadata(page: Page, fields: dict[str, str]) -> None:
    url = fields.get("scraper-url")
    if url and urlsplit(url).scheme in ("http", "https"):
        page.url = normalize_url(url)
    try:
        redirects = json.loads(fields.get("scraper-redirects", "[]"))
        if isinstance(redirects, list):
            page.redirects = [str(r) for r in redirects]
        headers = json.loads(fields["scraper-headers"]) if "scraper-headers" in fields else None
        if isinstance(headers, dict):
            page.headers = {str(k): str(v) for k, v in headers.items()}
    except ValueError:
        pass


def _checked_iterator(stream: IO[bytes]) -> Any:
    """warcio's ArchiveIterator, made to say where a file is damaged instead of printing it.

    ``bad_ends`` counts records not followed by the blank lines that end a record: their
    Content-Length was wrong, and a record that claims too much has swallowed the start
    of the next one (warcio writes the bytes to stderr and goes on). ``cut_short`` says
    the last gzip member ended before its end: the file was truncated.
    """
    from warcio.archiveiterator import ArchiveIterator

    class CheckedIterator(ArchiveIterator):
        bad_ends = 0
        cut_short = False

        def _consume_blanklines(self) -> tuple[bytes | None, int]:
            # warcio's own, less its message on stderr
            empty_size = 0
            first_line = True
            while True:
                line = self.reader.readline()
                if len(line) == 0:
                    return None, empty_size
                if len(line.rstrip()) == 0 or first_line:
                    empty_size += len(line)
                    if len(line.rstrip()) != 0:
                        self.bad_ends += 1
                    first_line = False
                    continue
                return line, empty_size

        def close(self) -> None:
            decompressor = getattr(self.reader, "decompressor", None) if self.reader else None
            if decompressor is not None and not getattr(decompressor, "eof", True):
                self.cut_short = True
            super().close()

    return CheckedIterator(stream, arc2warc=True)


def _record_cut_short(record: Any) -> bool:
    """Read what is left of ``record``: True when the file ended before its Content-Length."""
    raw = record.raw_stream
    while raw.read(65536):
        pass
    return bool(getattr(raw, "limit", 0))


def read_warc(path: str | Path, report: ImportReport | None = None, *,
              max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Page]:
    """The archivable pages of one WARC or ARC file, in file order.

    A page is held back until the next page record, so a ``metadata`` record that
    follows its response (as ours do) can still refine it. Damage is reported in
    ``report`` as failures: a file cut short (its last record, or its last gzip
    member, incomplete), a record whose Content-Length ran past its end (it swallowed
    the start of the next record; the page is not stored), and a tail that is not a
    record at all.
    """
    from warcio.exceptions import ArchiveLoadFailed

    report = report if report is not None else ImportReport()
    name = Path(path).name
    if not _looks_like_warc(path):
        report.failed += 1
        report.errors.append(f"{name}: not a readable WARC/ARC file (it starts with neither WARC/ nor filedesc://)")
        return
    held: tuple[str | None, Page] | None = None
    previous: str | None = None  # the id of the record read before this one
    bad_ends = 0
    first = report.records  # records counted before this file

    def damaged(reason: str) -> None:
        report.failed += 1
        report.errors.append(f"{name}: {reason}")

    with open(path, "rb") as stream:
        records = _checked_iterator(stream)
        try:
            for record in records:
                if records.bad_ends > bad_ends:
                    bad_ends = records.bad_ends
                    damaged(f"record {previous or '(no id)'} runs past its Content-Length into the next one; "
                            "its page is not stored")
                    if held is not None and held[0] == previous:
                        held = None
                report.records += 1
                kind = record.rec_type
                headers = record.rec_headers
                record_id = headers.get_header("WARC-Record-ID")
                previous = record_id
                page = None
                if kind == "metadata":
                    if held is not None and held[0] and held[0] in (
                            headers.get_header("WARC-Concurrent-To"), headers.get_header("WARC-Refers-To")):
                        _apply_metadata(held[1], _warc_fields(record.content_stream().read(1 << 20)))
                elif kind in ("response", "resource"):
                    page = _page_of(record, name, record_id, report, max_bytes)
                elif kind not in ("warcinfo", "request"):
                    report.skip(f"{kind} record")
                if _record_cut_short(record):
                    damaged(f"the file ends inside record {record_id or '(no id)'} (cut short)"
                            + ("; its page is not stored" if page is not None else ""))
                    continue
                if page is None:
                    continue
                if held is not None:
                    yield held[1]
                held = (record_id, page)
            if records.bad_ends > bad_ends:
                damaged(f"record {previous or '(no id)'} runs past its Content-Length; its page is not stored")
                if held is not None and held[0] == previous:
                    held = None
            if records.cut_short:
                damaged("the file ends inside a gzip member (cut short): what followed is lost")
            elif records.offset < _file_size(stream) and stream.seek(records.offset) >= 0 \
                    and stream.read(1 << 16).strip():
                damaged(f"{_file_size(stream) - records.offset} bytes at the end are not a complete record "
                        "(cut short or damaged)")
        except ArchiveLoadFailed as exc:
            detail = str(exc).strip()[:160]
            damaged(f"cut short or damaged after {report.records - first} records ({detail})" if report.records > first
                    else f"not a readable WARC/ARC file ({detail})")
    if held is not None:
        yield held[1]


def _file_size(stream: IO[bytes]) -> int:
    return os.fstat(stream.fileno()).st_size


def _looks_like_warc(path: str | Path) -> bool:
    """Sniff the first bytes (inside the first gzip member if gzipped): warcio takes almost
    any text for a record, so a stray file would otherwise import as junk records."""
    with open(path, "rb") as stream:
        head = stream.read(64)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as unzipped:
                head = unzipped.read(16)
        except (OSError, EOFError, zlib.error):
            return False
    return head.startswith((b"WARC/", b"filedesc://"))


def _page_of(record: Any, name: str, record_id: str | None, report: ImportReport,
             max_bytes: int) -> Page | None:
    target = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    if urlsplit(target).scheme not in ("http", "https"):
        report.skip("not an http(s) URL")
        return None
    status: int | None = None
    if record.rec_type == "response":
        if not record.http_headers:
            report.skip("no HTTP headers")
            return None
        try:
            status = int(record.http_headers.get_statuscode())
        except (TypeError, ValueError):
            report.skip("bad HTTP status line")
            return None
        if not 200 <= status < 300 or status == 204:
            report.skip(f"HTTP {status}")
            return None
        headers = _restore_headers(_header_dict(record.http_headers.headers))
        content_type = record.http_headers.get_header("Content-Type")
    else:
        headers = {}
        content_type = record.rec_headers.get_header("Content-Type")
    if not _is_html(content_type):
        report.skip("not HTML")
        return None
    try:
        content = record.content_stream().read(max_bytes + 1)
    except Exception as exc:  # a corrupt gzip or chunked body in one record
        report.skip("unreadable body")
        report.errors.append(f"{name}: {target}: {type(exc).__name__}: {exc}")
        return None
    if len(content) > max_bytes:
        report.skip(f"over {max_bytes} bytes")
        return None
    if not content.strip():
        report.skip("empty body")
        return None
    if looks_binary(content[:2048], charset_of(headers)):
        report.skip("not HTML (binary content labelled as HTML)")
        return None
    ref = f"{name} {record_id}" if record_id else name
    return Page(url=normalize_url(target), final_url=target, content=content, headers=headers,
                fetched_at=iso_date(record.rec_headers.get_header("WARC-Date")), status=status,
                source_ref=ref, source="warc")


def import_warc(archive: Archive, paths: Sequence[str | Path], *, jobs: int = 1, mapper: Mapper | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, options: ExtractOptions | None = None,
                progress: Callable[[int], None] | None = None,
                stop: Callable[[], bool] | None = None) -> ImportReport:
    """Archive the HTML pages of WARC/ARC files; the same page twice is stored once.

    Pages go through the one pipeline (:func:`scraper.pipeline.run_pages`): extracted by
    ``mapper`` (default: ``jobs`` local processes) with ``options`` (the site rules) and
    written here, one transaction per article, in file order, so a page captured twice
    leaves the later text current and the earlier one in ``versions``.
    """
    report = ImportReport()
    pages = (page for path in paths for page in read_warc(path, report, max_bytes=max_bytes))
    for page, outcome in run_pages(archive, pages, options=options, mapper=mapper, jobs=jobs, stop=stop,
                                   progress=progress):
        if not outcome.ok:
            report.failed += 1
            report.errors.append(f"{page.final_url}: {outcome.error_kind}: {outcome.error}")
        else:
            report.stored[outcome.status] = report.stored.get(outcome.status, 0) + 1
    report.interrupted = stop is not None and stop()
    return report


# -- export ----------------------------------------------------------------------------

def _response_headers(stored: dict[str, str], length: int) -> list[tuple[str, str]]:
    out = [(ORIG_PREFIX + k if k.lower() in _RECODED else k, str(v)) for k, v in stored.items()]
    out.append(("Content-Length", str(length)))
    return out


def export_warc(archive: Archive, out: IO[bytes], *, gzip: bool = True,
                progress: Callable[[int], None] | None = None) -> int:
    """Write every stored page as WARC records to ``out``; return the number of pages."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=gzip, warc_version="1.0")
    writer.write_record(writer.create_warcinfo_record(getattr(out, "name", None) and Path(out.name).name, {
        "software": f"scraper/{__version__}",
        "format": "WARC File Format 1.0",
        "description": "Pages stored in a scraper archive, oldest first",
    }))
    count = 0
    for row in archive.query("SELECT id, url, final_url, status, headers, redirects, content, compression, "
                             "fetched_at, source FROM pages WHERE content IS NOT NULL ORDER BY id"):
        content = decompress(row["content"], row["compression"])
        target = row["final_url"] or row["url"]
        date = warc_date(row["fetched_at"])
        try:
            stored_headers = json.loads(row["headers"] or "{}")
        except ValueError:
            stored_headers = {}
        if row["status"] is None:
            record = writer.create_warc_record(
                target, "resource", payload=BytesIO(content), length=len(content),
                warc_content_type="text/html", warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
        else:
            status = int(row["status"])
            http = StatusAndHeaders(f"{status} {http_reasons.get(status, '')}".strip(),
                                    _response_headers(stored_headers, len(content)), protocol="HTTP/1.1")
            record = writer.create_warc_record(target, "response", payload=BytesIO(content), length=len(content),
                                               http_headers=http, warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
            parts = urlsplit(target)
            request_line = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            request = writer.create_warc_record(
                target, "request", http_headers=StatusAndHeaders(
                    f"GET {request_line} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True),
                warc_headers_dict={"WARC-Date": date,
                                   "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")})
            writer.write_record(request)
        fields = {
            "scraper-url": row["url"],
            "scraper-page-id": row["id"],
            "scraper-source": row["source"] or "",
            "scraper-redirects": row["redirects"] or "[]",
            "scraper-headers": json.dumps(stored_headers),
            "scraper-request": "reconstructed: method, target and Host only" if row["status"] is not None else "",
        }
        payload = "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v != "").encode("utf-8")
        meta = writer.create_warc_record(
            target, "metadata", payload=BytesIO(payload), length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")})
        writer.write_record(meta)
        count += 1
        if progress is not None:
            progress(1)
    return count
