"""WARC out and in: valid records, an exact round trip, and WARC/ARC files made by other tools."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive
from scraper.cli import EXIT_FAILED, EXIT_USAGE, cli

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = "/2021/07/22/border-outpost"
MOVED = "/old-address"
SECOND = "/2021/07/23/second"

ARTICLE_COLUMNS = ("id", "url", "final_url", "canonical_url", "site", "title", "authors", "published", "modified",
                   "published_month", "tags", "body", "body_html", "language", "site_name", "description", "image",
                   "is_article", "comments", "word_count", "content_hash", "first_fetched", "last_fetched",
                   "updated_at", "extractor", "page_id")


def page(title: str, paragraphs: list[str], published: str = "2021-07-22T10:00:00+00:00",
         tags: str = "Tajikistan, Afghanistan") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="en"><head><title>{title}</title><meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{published}"></head>'
            f'<body><nav><a href="/">Home</a></nav><article><h1>{title}</h1>{body}'
            f"<p>Read more about: {tags}</p></article><footer>Footer text</footer></body></html>").encode()


PARAS = [f"Paragraph {i} of a long enough article body, with several words to make it count as text."
         for i in range(6)]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def source_archive(httpserver, tmp_path):
    """An archive fetched over HTTP: a gzip page, a redirect, a page changed on re-fetch, a local file."""
    db = tmp_path / "source.db"
    first = page("Border outpost", PARAS)
    httpserver.expect_oneshot_request(PAGE).respond_with_data(
        gzip.compress(first), headers={"Content-Encoding": "gzip", "X-Note": "é-latin1 ok"},
        content_type="text/html; charset=utf-8")
    httpserver.expect_oneshot_request(PAGE).respond_with_data(
        page("Border outpost (corrected)", [*PARAS[:3], "A corrected paragraph replaces the fourth one."]),
        content_type="text/html")
    httpserver.expect_request(MOVED).respond_with_data("", status=301, headers={"Location": SECOND})
    httpserver.expect_request(SECOND).respond_with_data(
        page("Второй материал", ["Текст второго материала, достаточно длинный для статьи. " * 4],
             published="2021-07-23"), content_type="text/html; charset=utf-8")
    assert run("fetch", httpserver.url_for(PAGE), "--db", str(db)).exit_code == 0
    assert run("fetch", httpserver.url_for(MOVED), "--db", str(db)).exit_code == 0
    assert run("fetch", httpserver.url_for(PAGE), "--db", str(db)).exit_code == 0
    local = tmp_path / "saved.html"
    local.write_bytes(page("Saved from disk", PARAS[:4], published="2020-01-01"))
    assert run("fetch", str(local), "--url", "https://example.org/saved", "--db", str(db)).exit_code == 0
    return db


def rows(db: Path, sql: str) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return list(archive.query(sql))


def test_export_warc_writes_valid_records(source_archive, tmp_path):
    out = tmp_path / "out.warc.gz"
    result = run("export-warc", "-o", str(out), "--db", str(source_archive))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"exported 4 pages to {out}\n"
    assert not (tmp_path / "out.warc.gz.part").exists()

    pages = rows(source_archive, "SELECT * FROM pages ORDER BY id")
    with open(out, "rb") as stream:
        records = []
        for record in ArchiveIterator(stream, check_digests=True):
            records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                            record.rec_headers.get_header("WARC-Date"),
                            record.http_headers.get_statuscode() if record.http_headers else None,
                            dict(record.http_headers.headers) if record.http_headers else None,
                            record.content_stream().read()))
            assert record.digest_checker.passed is not False
    kinds = [r[0] for r in records]
    assert kinds == ["warcinfo"] + ["response", "request", "metadata"] * 3 + ["resource", "metadata"]
    responses = [r for r in records if r[0] in ("response", "resource")]
    for stored, (kind, uri, date, status, headers, payload) in zip(pages, responses):
        assert uri == stored["final_url"]
        assert date == stored["fetched_at"].replace("+00:00", "Z")
        assert payload == Archive(source_archive, readonly=True).raw_page(stored["id"])
        if kind == "response":
            assert status == str(stored["status"]) == "200"
            assert headers["Content-Length"] == str(len(payload))
    gz_headers = responses[0][4]
    assert gz_headers["X-Archive-Orig-Content-Encoding"] == "gzip" and "Content-Encoding" not in gz_headers
    assert responses[1][1].endswith(SECOND)  # the redirect target is the response's URI
    request = next(r for r in records if r[0] == "request")
    assert request[5] == b"" and request[1] == responses[0][1]

    checker = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(out)], capture_output=True, text=True)
    assert checker.returncode == 0, checker.stdout + checker.stderr


def test_round_trip_gives_identical_articles_versions_and_pages(source_archive, tmp_path):
    out = tmp_path / "round.warc.gz"
    assert run("export-warc", "-o", str(out), "--db", str(source_archive)).exit_code == 0
    copy = tmp_path / "copy.db"
    result = run("import-warc", str(out), "--jobs", "1", "--db", str(copy))
    assert result.exit_code == 0, result.output
    assert "12 records in 1 file: 4 pages archived (3 new, 1 updated); 0 skipped; 0 failed" in result.stderr

    columns = ", ".join(ARTICLE_COLUMNS)
    original = rows(source_archive, f"SELECT {columns} FROM articles ORDER BY id")
    imported = rows(copy, f"SELECT {columns} FROM articles ORDER BY id")
    assert len(original) == 3 and imported == original
    assert original[0]["title"] == "Border outpost (corrected)"
    assert original[1]["url"].endswith(MOVED) and original[1]["final_url"].endswith(SECOND)

    version_columns = "article_id, title, authors, published, modified, tags, body, content_hash, page_id, " \
                      "seen_from, seen_until, replaced_at"
    assert rows(copy, f"SELECT {version_columns} FROM versions") == \
        rows(source_archive, f"SELECT {version_columns} FROM versions")
    assert len(rows(copy, "SELECT id FROM versions")) == 1

    page_columns = "id, url, final_url, status, headers, redirects, size, sha256, fetched_at"
    assert rows(copy, f"SELECT {page_columns} FROM pages") == rows(source_archive, f"SELECT {page_columns} FROM pages")
    assert {r["source"] for r in rows(copy, "SELECT source FROM pages")} == {"warc"}
    tags = "SELECT t.name, count(*) AS n FROM article_tags JOIN tags t ON t.id = tag_id GROUP BY t.name ORDER BY 1"
    assert rows(copy, tags) == rows(source_archive, tags)

    again = run("import-warc", str(out), "--db", str(copy), "--jobs", "1")
    assert "4 pages archived (4 unchanged)" in again.stderr
    assert len(rows(copy, "SELECT id FROM pages")) == 4


def test_parallel_import_matches_serial(source_archive, tmp_path):
    out = tmp_path / "p.warc"
    assert run("export-warc", "-o", str(out), "--db", str(source_archive)).exit_code == 0
    assert out.read_bytes().startswith(b"WARC/1.0\r\n")  # .warc: not gzipped
    serial, parallel = tmp_path / "serial.db", tmp_path / "parallel.db"
    assert run("import-warc", str(out), "--jobs", "1", "--db", str(serial)).exit_code == 0
    assert run("import-warc", str(out), "--jobs", "2", "--db", str(parallel)).exit_code == 0
    sql = "SELECT id, url, title, body, published, tags FROM articles ORDER BY id"
    assert rows(parallel, sql) == rows(serial, sql)


def write_many_captures(path: Path) -> None:
    """60 captures of 45 URLs, written with warcio: 15 URLs twice, the later capture newer."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for i in range(60):
            url = f"https://many.example/{i % 45}"
            html = page(f"Story {i}", [f"Capture {i}: " + PARAS[0]] + PARAS[1:4])
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(html), length=len(html), http_headers=http,
                warc_headers_dict={"WARC-Date": f"2022-01-01T00:{i:02d}:00Z"}))


def test_parallel_import_of_a_larger_file_keeps_file_order(tmp_path):
    """Enough pages for the process pool to start: results must still be written in file
    order (the later capture of a URL must win)."""
    path = tmp_path / "many.warc.gz"
    write_many_captures(path)
    serial, parallel = tmp_path / "serial.db", tmp_path / "parallel.db"
    assert run("import-warc", str(path), "--jobs", "1", "--db", str(serial)).exit_code == 0
    result = run("import-warc", str(path), "--jobs", "2", "--db", str(parallel))
    assert result.exit_code == 0, result.output
    assert "60 pages archived (45 new, 15 updated)" in result.stderr
    sql = "SELECT id, url, title, body, first_fetched, last_fetched FROM articles ORDER BY id"
    assert rows(parallel, sql) == rows(serial, sql)
    assert rows(parallel, "SELECT title FROM articles WHERE url = 'https://many.example/0'") == [{"title": "Story 45"}]
    assert rows(parallel, "SELECT title FROM versions ORDER BY id")[0] == {"title": "Story 0"}


def write_foreign_warc(path: Path, gzip_records: bool) -> None:
    """A WARC made with warcio's own writer, the way other crawlers write them."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzip_records, warc_version="1.1")

        def response(uri, status, content_type, payload, extra=(), date="2022-03-04T05:06:07Z", write=True):
            http = StatusAndHeaders(status, [("Content-Type", content_type), *extra], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(payload), length=len(payload),
                                               http_headers=http, warc_headers_dict={"WARC-Date": date})
            if write:
                writer.write_record(record)
            return record

        writer.write_record(writer.create_warcinfo_record("foreign.warc", {"software": "another-crawler/1.0"}))
        req = writer.create_warc_record("https://news.example/a", "request", http_headers=StatusAndHeaders(
            "GET /a HTTP/1.1", [("Host", "news.example"), ("User-Agent", "x")], is_http_request=True))
        resp = response("https://news.example/a", "200 OK", "text/html; charset=utf-8",
                        page("Foreign article", PARAS * 2, published="2022-03-01"), [("Server", "nginx")],
                        write=False)
        writer.write_request_response_pair(req, resp)
        response("https://news.example/b", "200 OK", "text/html",
                 gzip.compress(page("Gzipped foreign", PARAS[:4])), [("Content-Encoding", "gzip")])
        response("https://news.example/missing", "404 Not Found", "text/html", b"<html>gone</html>")
        response("https://news.example/file.pdf", "200 OK", "application/pdf", b"%PDF-1.4 binary")
        response("https://news.example/empty", "200 OK", "text/html", b"   ")
        writer.write_record(writer.create_revisit_record("https://news.example/a", "sha1:AAAA",
                                                         "https://news.example/a", "2022-03-04T05:06:07Z"))
        resource = page("A resource record", PARAS[:3])
        writer.write_record(writer.create_warc_record(
            "https://news.example/res", "resource", payload=io.BytesIO(resource), length=len(resource),
            warc_content_type="text/html", warc_headers_dict={"WARC-Date": "2022-05-06T07:08:09Z"}))


@pytest.mark.parametrize("gzip_records", [True, False])
def test_a_warc_written_by_warcio_imports(tmp_path, db_path, gzip_records):
    path = tmp_path / ("foreign.warc.gz" if gzip_records else "foreign.warc")
    write_foreign_warc(path, gzip_records)
    result = run("import-warc", str(path), "--jobs", "1", "--format", "json", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stored"] == {"new": 3}
    assert report["skipped"] == {"HTTP 404": 1, "not HTML": 1, "empty body": 1, "revisit record": 1}
    articles = {r["url"]: r for r in rows(db_path, "SELECT * FROM articles")}
    assert sorted(articles) == ["https://news.example/a", "https://news.example/b", "https://news.example/res"]
    a = articles["https://news.example/a"]
    assert a["title"] == "Foreign article" and a["published"] == "2022-03-01"
    assert a["first_fetched"] == "2022-03-04T05:06:07+00:00"
    assert a["body"].startswith("Paragraph 0 of a long enough article body")
    assert articles["https://news.example/b"]["title"] == "Gzipped foreign"  # content-encoding undone
    stored = {r["url"]: r for r in rows(db_path, "SELECT url, status, headers, source, source_ref, fetched_at "
                                                  "FROM pages")}
    assert json.loads(stored["https://news.example/a"]["headers"])["Server"] == "nginx"
    assert stored["https://news.example/res"]["status"] is None
    assert stored["https://news.example/res"]["fetched_at"] == "2022-05-06T07:08:09+00:00"
    assert stored["https://news.example/a"]["source"] == "warc"
    assert stored["https://news.example/a"]["source_ref"].startswith(f"{path.name} <urn:uuid:")


def test_an_arc_file_imports(tmp_path, db_path):
    html = page("From an ARC file", PARAS[:4])
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(html) + html
    desc_body = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    header = b"filedesc://test.arc 0.0.0.0 20050101000000 text/plain %d\n" % len(desc_body) + desc_body + b"\n"
    record = b"http://old.example/story 192.0.2.1 20050614123000 text/html %d\n" % len(http) + http + b"\n"
    path = tmp_path / "test.arc.gz"
    path.write_bytes(gzip.compress(header) + gzip.compress(record))  # one gzip member per record, as ARC has
    result = run("import-warc", str(path), "--jobs", "1", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    [article] = rows(db_path, "SELECT url, title, first_fetched FROM articles")
    assert article == {"url": "http://old.example/story", "title": "From an ARC file",
                       "first_fetched": "2005-06-14T12:30:00+00:00"}


def test_size_cap_missing_and_broken_files(tmp_path, db_path):
    path = tmp_path / "foreign.warc.gz"
    write_foreign_warc(path, True)
    capped = run("import-warc", str(path), "--max-bytes", "1024", "--format", "json", "--jobs", "1",
                 "--db", str(db_path))
    assert json.loads(capped.stdout)["skipped"]["over 1024 bytes"] == 1  # only the long article

    missing = run("import-warc", str(tmp_path / "nope.warc"), "--db", str(db_path))
    assert missing.exit_code == EXIT_USAGE and missing.stderr == f"Error: no such file: {tmp_path / 'nope.warc'}\n"

    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"this is not a warc file\n" * 10)
    broken = run("import-warc", str(junk), "--db", str(db_path))
    assert broken.exit_code == 1 and "not a readable WARC/ARC file" in broken.stderr


# -- damaged files -----------------------------------------------------------------------------

def write_pages(path: Path, count: int, *, gzip_records: bool, extra: list[tuple[str, str, bytes]] = ()) -> bytes:
    """``count`` article pages (and ``extra`` (uri, content type, payload) responses) as a WARC."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip_records)
    items = [(f"https://many.example/{i}", "text/html", page(f"Story {i}", PARAS)) for i in range(count)]
    for uri, content_type, payload in [*items, *extra]:
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(payload),
                                                      length=len(payload), http_headers=http))
    data = buffer.getvalue()
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("gzip_records", [True, False])
def test_a_warc_cut_short_is_reported_and_exits_1(tmp_path, db_path, gzip_records):
    path = tmp_path / ("cut.warc.gz" if gzip_records else "cut.warc")
    data = write_pages(path, 6, gzip_records=gzip_records)
    path.write_bytes(data[: len(data) * 2 // 3 + 7])  # cut inside a record
    result = run("import-warc", str(path), "--jobs", "1", "--db", str(db_path))
    assert result.exit_code == EXIT_FAILED, result.output
    [line] = [line for line in result.stderr.splitlines() if line.startswith(f"failed       {path.name}: ")]
    assert "cut short" in line
    stored = rows(db_path, "SELECT title FROM articles")
    assert 0 < len(stored) < 6  # what came whole before the cut is kept
    assert all(row["title"].startswith("Story ") for row in stored)


def test_a_record_that_swallows_the_next_is_reported_and_not_stored(tmp_path, db_path):
    path = tmp_path / "lying.warc"
    data = write_pages(path, 3, gzip_records=False)
    first = data.index(b"Content-Length: ") + len(b"Content-Length: ")
    length = int(data[first:data.index(b"\r\n", first)])
    path.write_bytes(data[:first] + str(length + 400).encode() + data[data.index(b"\r\n", first):])
    result = run("import-warc", str(path), "--jobs", "1", "--format", "json", "--db", str(db_path))
    assert result.exit_code == EXIT_FAILED, result.output
    report = json.loads(result.stdout)
    assert report["failed"] == 1
    assert "runs past its Content-Length into the next one; its page is not stored" in report["errors"][0]
    assert result.stderr == ""  # warcio's own warning (with the swallowed bytes) is not printed
    titles = [r["title"] for r in rows(db_path, "SELECT title FROM articles ORDER BY id")]
    assert "Story 0" not in titles and "Story 2" in titles


def test_binary_content_labelled_html_in_a_warc_is_skipped(tmp_path, db_path):
    path = tmp_path / "png.warc.gz"
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    write_pages(path, 1, gzip_records=True, extra=[("https://many.example/logo", "text/html", png)])
    result = run("import-warc", str(path), "--jobs", "1", "--format", "json", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stored"] == {"new": 1}
    assert report["skipped"] == {"not HTML (binary content labelled as HTML)": 1}
    assert [r["url"] for r in rows(db_path, "SELECT url FROM articles")] == ["https://many.example/0"]
